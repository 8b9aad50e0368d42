"""A CellView as plain text: what a terminal IPython shows. A table of tensors, a tree of the graph."""

_COLUMNS = ("name", "shape", "dtype", "device", "requires_grad", "is_leaf", "grad_fn")


def _shape(shape):
    return "(" + ", ".join(map(str, shape)) + ("," if len(shape) == 1 else "") + ")"


def _cells(row):
    return [row["name"], _shape(row["shape"]), row["dtype"], row["device"], str(row["requires_grad"]),
            str(row["is_leaf"]), row["grad_fn"] or "-"]


def table(header, rows):
    widths = [max(len(str(c)) for c in column) for column in zip(header, *rows)]
    lines = ["  ".join(str(c).ljust(w) for c, w in zip(line, widths)).rstrip() for line in [header, *rows]]
    return lines


def values_lines(block, indent="    "):
    """A values block as aligned text: the grid, or the summary and leading values."""
    if block is None:
        return []
    lines = []
    if block["slicer"]:
        index = ", ".join(map(str, block["slicer"]["index"]))
        lines.append(f"{block['summary']}   slice [{index}, :, :]")
    elif not block["rows"]:
        lines.append(block["summary"])
    if block["rows"]:
        width = max(len(cell["text"]) for row in block["rows"] for cell in row)
        lines += ["  ".join(cell["text"].rjust(width) for cell in row) for row in block["rows"]]
    if block["head"]:
        lines.append("first values: " + " ".join(block["head"]) + " …")
    return [indent + line for line in lines]


def _tensor_section(view):
    if not view.tensors:
        return ["Tensors: none bound or changed by this cell"]
    lines = ["Tensors"]
    header, *rows = table(_COLUMNS, [_cells(row) for row in view.tensors])
    lines.append("  " + header)
    for line, row in zip(rows, view.tensors):
        lines.append("  " + line)
        lines += values_lines(row["values"])
    return lines


def _graph_section(view):
    if view.graph is None:
        return [f"Graph: {view.note}"] if view.note else []
    lines = ["Graph (backward, from the outputs down to the leaves)"]
    lines += ["  " + line for line in view.graph["text"].splitlines()]
    if view.note:
        lines.append(f"  ({view.note})")
    return lines


def _gradient_section(view):
    if not view.gradients:
        return []
    lines = ["Gradients"]
    for row in view.gradients:
        lines.append(f"  {row['name']} {_shape(row['shape'])} .grad: {row['status']}")
        lines += values_lines(row["values"])
    return lines


def render(view):
    sections = [[view.title], _tensor_section(view), _graph_section(view), _gradient_section(view)]
    return "\n".join("\n".join(section) for section in sections if section)
