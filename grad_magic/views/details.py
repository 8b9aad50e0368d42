"""What selecting a graph node shows, made from the graph's plain node data.

A detail is {"id", "title", "kind", "fields": [[label, text], ...], "blocks": [{"label", "values"}]}:
fields are one-line facts, blocks are values shown as grids or summaries (see values.py).
"""
import numpy as np

from .ctx import ctx_entries
from .values import describe_array, format_number, format_values

NO_HOOKS = "not recorded (the engine has no node hooks)"
NO_FLOW = "no backward through this node since a %%grad cell drew it"
NOT_KEPT = "not kept (call .retain_grad())"


def values_block(values):
    """A values block from graph.py's plain values: nested lists, a summary dict, or None."""
    if values is None:
        return None
    if isinstance(values, dict):
        stats = [f"n={values.get('numel')}"]
        if values.get("min") is not None:
            stats.append(f"x∈[{format_number(values['min'])}, {format_number(values['max'])}]")
            stats.append(f"μ={format_number(values['mean'])} σ={format_number(values['std'])}")
        return {"summary": " ".join(stats), "stats": None, "sparkline": "", "slicer": None, "rows": [],
                "head": format_values(values.get("head", []))}
    return describe_array(np.asarray(values))


def summary_block(array):
    """A values block of a big host array: its statistics and leading values, in one pass each."""
    flat = array.reshape(-1)
    summary = {"numel": int(flat.size), "head": flat[:8].tolist()}
    if flat.dtype.kind in "biuf" and flat.size:
        as_float = flat.astype(np.float64)
        summary.update(min=float(as_float.min()), max=float(as_float.max()),
                       mean=float(as_float.mean()), std=float(as_float.std()))
    return values_block(summary)


def flow_blocks(flow, host):
    """A gradflow.Flow as values blocks, copied to the host now."""
    def blocks(grads):
        return [None if g is None else describe_array(host(g)) for g in grads]

    return {"calls": flow.calls, "grad_outputs": blocks(flow.grad_outputs), "grad_inputs": blocks(flow.grad_inputs)}


def _tensor_detail(node):
    d = node["detail"]
    fields = [
        ["name", d["name"]],
        ["shape", str(tuple(d["shape"]))],
        ["dtype", d["dtype"]],
        ["device", d["device"]],
        ["requires_grad", str(d["requires_grad"])],
        ["is_leaf", str(d["is_leaf"])],
        ["grad_fn", d["grad_fn"] or "None"],
    ]
    blocks = [{"label": "values", "values": values_block(d["values"])}]
    if d["grad"] is not None:
        blocks.append({"label": "grad", "values": values_block(d["grad"])})
    elif d["is_leaf"] and d["requires_grad"] or d.get("retains_grad"):
        fields.append(["grad", "not computed yet"])
    elif d["requires_grad"]:  # a non-leaf: its gradient went through its grad_fn, unkept
        fields.append(["grad", NOT_KEPT])
    return fields, blocks


def _saved_entry(name, saved):
    """A field (text) or a block (values) for one saved value of a node."""
    if isinstance(saved, dict) and "freed" in saved:
        return ["saved " + name, "freed by backward(): " + saved["freed"]], None
    if isinstance(saved, dict) and "values" in saved:
        label = f"saved {name}" + (f" (= {saved['name']})" if saved.get("name") else "")
        return None, {"label": label, "values": values_block(saved["values"])}
    return ["saved " + name, repr(saved)], None


def _flow_blocks(flow, hooks):
    if flow is None:
        return [["gradient flow", NO_FLOW if hooks else NO_HOOKS]], []
    fields = [["backward calls seen", str(flow["calls"])]]
    blocks = [{"label": f"gradient in #{i}", "values": b} for i, b in enumerate(flow["grad_outputs"]) if b]
    blocks += [{"label": f"gradient out to input {i}", "values": b} for i, b in enumerate(flow["grad_inputs"]) if b]
    return fields, blocks


def _function_detail(node, flow, hooks):
    d = node["detail"]
    if "omitted" in d:
        return [["left out", f"{d['omitted']} autograd nodes (raise --max-nodes to see them)"]], []
    if "folded" in d:
        counts = ", ".join(f"{name} × {n}" for name, n in d["counts"].items())
        return [["folded chain", f"{d['folded']} nodes: {counts}"]], []
    inputs = ", ".join("None" if i is None else i for i in d["inputs"]) or "none"
    fields, blocks = [["name", d["name"]], ["inputs (next_functions)", inputs]], []
    if "variable" in d:
        fields.append(["variable", d["variable"]])
    for name, saved in d.get("saved", {}).items():
        field, block = _saved_entry(name, saved)
        fields += [field] if field else []
        blocks += [block] if block else []
    ctx_fields, ctx_blocks = ctx_entries(d.get("ctx"))
    fields, blocks = fields + ctx_fields, blocks + ctx_blocks
    if node["kind"] == "function":
        flow_fields, flow_blocks_ = _flow_blocks(flow, hooks)
        fields += flow_fields
        blocks += flow_blocks_
    return fields, blocks


def node_detail(node, flow, hooks):
    """The detail of a graph node (graph.to_data()'s node dict), with its recorded flow if any."""
    if node["kind"] in ("output", "leaf"):
        fields, blocks = _tensor_detail(node)
    else:
        fields, blocks = _function_detail(node, flow, hooks)
    return {"id": node["id"], "title": node["label"], "kind": node["kind"], "fields": fields, "blocks": blocks}
