"""What a `%%grad` cell's view shows, as plain Python: the one model behind every rendering.

`build_view` reads the live tensors and graph once, copies what it needs to the host and keeps
only plain data (str, int, float, bool, lists, dicts; numpy arrays for re-slicing), so a view
never holds a GPU array, a tensor or an autograd node. The widget, the static HTML and the text
are all drawn from a CellView; `to_dict()` gives scripts and tests exactly what the user sees.
"""
import subprocess
from dataclasses import dataclass, field

from .. import gradflow, steps
from ..graph import build_graph
from ..settings import dot_binary, renderer_for
from . import details
from .values import clamp_index, describe_array, to_host

SLICEABLE_LIMIT = 4_000_000  # tensors of 3+ dims up to this many elements keep a host copy to re-slice
GRAPHVIZ_TIMEOUT = 1.0  # seconds `dot` may take before the builtin layout draws the graph instead


@dataclass
class CellView:
    title: str
    tensors: list  # one row per tensor: name, shape, dtype, device, flags, grad_fn, values
    gradients: list  # one row per leaf (and retained non-leaf): status and values of .grad
    graph: dict | None  # nodes, edges, roots, hidden, dot, svg, text, renderer; None: no graph
    note: str = ""  # why there is no graph, or what happened to it
    flows: dict = field(default_factory=dict)  # node id -> the gradients that last flowed through it
    hooks: bool = True  # whether the engine let us record gradient flow
    failure: dict | None = None  # what went wrong, when backward failed (grad_magic.failure)
    compare: dict | None = None  # what differs from PyTorch's run (grad_magic.compare)
    interact: dict | None = None  # the sliders and the latest re-run (grad_magic.interact)
    widget: object = field(default=None, repr=False)  # the GradWidget showing this view, if shown
    _arrays: dict = field(default_factory=dict, repr=False)  # (section, row) -> host array

    def to_dict(self):
        """Everything the view shows, as plain Python."""
        return {
            "title": self.title,
            "tensors": self.tensors,
            "gradients": self.gradients,
            "graph": self.graph,
            "note": self.note,
            "failure": self.failure,
            "compare": self.compare,
            "interact": self.interact,
        }

    def is_empty(self):
        """Nothing to show: the cell bound no tensor and drew no graph."""
        return not self.tensors and not self.gradients and self.graph is None and not self.failure

    def tensor(self, name):
        """The row of the tensor named `name` in the Tensors section."""
        return next(row for row in self.tensors if row["name"] == name)

    def gradient(self, name):
        return next(row for row in self.gradients if row["name"] == name)

    def node_detail(self, node_id):
        """What selecting a graph node shows: a title, fields and value blocks."""
        node = next(n for n in self.graph["nodes"] if n["id"] == node_id)
        return details.node_detail(node, self.flows.get(node_id), self.hooks)

    def reslice(self, section, row, index):
        """Show another 2-D slice of a tensor of 3+ dimensions; returns the new values block."""
        rows = self.tensors if section == "tensors" else self.gradients
        array = self._arrays.get((section, row))
        if array is None:
            return rows[row]["values"]
        index = clamp_index(array.shape[:-2], index)
        rows[row] = {**rows[row], "values": describe_array(array, index)}
        return rows[row]["values"]


# --- building ---------------------------------------------------------------------------------
class _HostCopies:
    """Host arrays of tensors, each copied once per view."""

    def __init__(self):
        self._arrays = {}

    def __call__(self, tensor):
        key = id(tensor)
        if key not in self._arrays:
            self._arrays[key] = (tensor, to_host(tensor))  # the tensor is held so the id stays its own
        return self._arrays[key][1]


def _grad_of(tensor):
    if tensor.is_leaf or getattr(tensor, "retains_grad", False):
        return tensor.grad
    return None


def tensor_row(name, tensor, host):
    grad_fn = tensor.grad_fn
    return {
        "name": name,
        "shape": [int(s) for s in tensor.shape],
        "dtype": str(tensor.dtype),
        "device": str(tensor.device),
        "requires_grad": bool(tensor.requires_grad),
        "is_leaf": bool(tensor.is_leaf),
        "grad_fn": None if grad_fn is None else grad_fn.name(),
        "values": describe_array(host(tensor)),
    }


def gradient_row(name, tensor, host):
    grad = _grad_of(tensor)
    retained = getattr(tensor, "retains_grad", False)
    if grad is not None:
        status = "computed"
    else:  # a non-leaf's gradient passes through its grad_fn and is dropped, unless retained
        status = "not computed yet" if tensor.is_leaf or retained else details.NOT_KEPT
    return {
        "name": name,
        "of": "leaf" if tensor.is_leaf else "retained non-leaf" if retained else "non-leaf",
        "shape": [int(s) for s in tensor.shape],
        "computed": grad is not None,
        "status": status,
        "values": None if grad is None else describe_array(host(grad)),
    }


def _has_gradient_row(tensor):
    # a non-leaf too: its row says whether its gradient is kept (retain_grad) or not
    return tensor.requires_grad


def _keep_for_slicing(view, section, rows, tensors, host):
    for i, (row, tensor) in enumerate(zip(rows, tensors)):
        if row["values"] and row["values"]["slicer"] and tensor.numel() <= SLICEABLE_LIMIT:
            view._arrays[(section, i)] = host(tensor)


def build_view(title, shown, roots, names, settings, recorder=None, mark=None):
    """The CellView of a cell.

    shown: name -> tensor for the Tensors section; roots: name -> tensor whose graph is drawn;
    names: id(tensor) -> name for labelling graph leaves; settings: a Settings; recorder: the
    cell's backward runs (a steps.Recorder), for the graph's step-through; mark: an autograd
    node whose graph node id goes in graph["marked"] (the node a failed backward is about).
    """
    host = _HostCopies()
    tensors = [tensor_row(name, t, host) for name, t in shown.items()]
    graph, note, flows, leaves = _graph_part(shown, roots, names, settings, host, recorder, mark)
    with_grads = _with_gradient_rows(shown, leaves, names)
    gradients = [gradient_row(name, t, host) for name, t in with_grads]
    view = CellView(title, tensors, gradients, graph, note, flows, hooks=_engine_has_node_hooks(roots))
    _keep_for_slicing(view, "tensors", tensors, list(shown.values()), host)
    _keep_for_slicing(view, "gradients", gradients, [_grad_of(t) for _, t in with_grads], host)
    return view


def _graph_part(shown, roots, names, settings, host, recorder=None, mark=None):
    """(graph data, note, gradient flows, leaf tensors of the graph) for the roots."""
    if not settings.graph:
        return None, "graph off (--no-graph)", {}, []
    if not roots:
        return None, "no graph: no tensor of this cell requires grad", {}, []
    built = build_graph(list(roots.items()), names, settings.max_nodes, tensors=list(shown.items()))
    graph, note = _graph_data(built, settings.renderer)
    graph["marked"] = next((n.id for n in built.nodes if mark is not None and n.ref is mark), None)
    _add_gradient_flow(graph, built, recorder, names)
    leaves = [node.ref for node in built.nodes if node.kind == "leaf"]
    return graph, note, _flows(built, host), leaves


def _with_gradient_rows(shown, graph_leaves, names):
    """(name, tensor) of the shown tensors with a gradient to show, then the graph's other leaves."""
    rows = [(name, t) for name, t in shown.items() if _has_gradient_row(t)]
    named = {id(t) for t in shown.values()}
    rows += [(names.get(id(t), "(unnamed leaf)"), t) for t in graph_leaves
             if id(t) not in named and _has_gradient_row(t)]
    return rows


def _graph_data(built, renderer):
    """The graph as plain data with its DOT, SVG and text; and a note on what happened to it."""
    svg, renderer, note = _drawing(built, renderer_for(renderer, len(built.nodes)))
    if built.hidden:
        note = (note + "; " if note else "") + f"{built.hidden} autograd nodes folded or left out"
    data = built.to_data()
    data.update(dot=built.to_dot(), svg=svg, text=built.to_text(), renderer=renderer)
    return data, note


def _drawing(built, renderer):
    """(SVG, the renderer that drew it, a note). Graphviz gets GRAPHVIZ_TIMEOUT seconds: on graphs
    where many nodes feed one, `dot` can run for minutes, and a cell must not wait for it."""
    if renderer == "graphviz":
        try:
            return _graphviz_svg(built.to_dot()), "graphviz", ""
        except subprocess.TimeoutExpired:
            note = f"Graphviz took over {GRAPHVIZ_TIMEOUT:g} s, so the builtin layout drew the graph"
        except (OSError, ValueError, subprocess.CalledProcessError) as error:
            note = f"Graphviz failed ({type(error).__name__}: {error}), so the builtin layout drew the graph"
        return built.to_svg("builtin"), "builtin", note
    return built.to_svg("builtin"), "builtin", ""


def _graphviz_svg(dot_source):
    dot = dot_binary()
    if dot is None:
        raise FileNotFoundError("the Graphviz `dot` program is not installed")
    done = subprocess.run([dot, "-Tsvg"], input=dot_source, capture_output=True, text=True,
                          timeout=GRAPHVIZ_TIMEOUT, check=True)
    return done.stdout[done.stdout.index("<svg"):]  # without the XML prolog, for inline HTML


def _flows(built, host):
    """node id -> the last recorded gradient flow through it, as values blocks."""
    flows = {}
    for node in built.nodes:
        if node.kind != "function" or "folded" in node.detail or "omitted" in node.detail:
            continue
        flow = gradflow.last_flow(node.ref)
        if flow is not None:
            flows[node.id] = details.flow_blocks(flow, host)
    return flows


def _add_gradient_flow(graph, built, recorder, names):
    """The backward steps of the cell, and each edge's last gradient (also drawn: svg_grads)."""
    graph["steps"] = steps.step_views(recorder, built, names)
    labels = gradflow.grad_labels(built)
    graph["grads"] = None if labels is None else {
        "edges": [labels.edges.get(i) for i in range(len(built.edges))], "nodes": labels.nodes}
    graph["svg_grads"] = "" if labels is None else built.to_svg(graph["renderer"], labels)


def _engine_has_node_hooks(roots):
    return all(hasattr(t.grad_fn, "register_hook") for t in roots.values() if t.grad_fn is not None)
