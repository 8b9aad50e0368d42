"""Each backward run of a `%%grad` cell, step by step, in the order the engine ran its nodes.

While a cell runs, `recording(torch)` wraps `torch.autograd.backward` and `torch.autograd.grad`
(`tensor.backward()` goes through the first). Before each call it hooks the graph
(gradflow.watch) and listens to the hooks: every node the engine runs becomes a Step holding the
gradient that arrived, what the node sent to each input and, for AccumulateGrad, the leaf's
`.grad` before and after. Values are copied to the host the moment they are seen, since `.grad`
is later changed in place. `step_views` turns the runs into what the Graph tab steps through.
"""
import functools
import inspect
import weakref
from contextlib import contextmanager
from dataclasses import dataclass, field

from . import gradflow
from .backward_rules import rule_of
from .views import details
from .views.values import describe_array, to_host
from .walk import leaf_of

STEP_LIMIT = 500  # steps recorded per cell; a longer backward is recorded from its start
GRID_LIMIT = 10_000  # gradients up to this many elements are shown in full; bigger ones summarised
# The wrapped functions, with the names of their parameters for the outputs and their gradients.
WRAPPED = {"backward": ("tensors", "grad_tensors"), "grad": ("outputs", "grad_outputs")}


def snapshot(tensor):
    """A gradient as a step shows it, copied to the host now: {"text", "values"}, or None.

    Big gradients get a cheap summary (one pass for the statistics, no histogram): a backward
    through large weights meets many of them, and their values are rarely read in a step.
    """
    if tensor is None:
        return None
    try:
        array = to_host(tensor)
    except (TypeError, RuntimeError) as error:  # a dtype numpy lacks (bfloat16): the step goes on
        return {"text": f"{tuple(tensor.shape)} (values unreadable: {error})", "values": None}
    values = describe_array(array) if array.size <= GRID_LIMIT else details.summary_block(array)
    return {"text": gradflow.grad_text(array), "values": values}


@dataclass
class Step:
    name: str  # the node's name(), as PyTorch gives it
    node: object  # the autograd node (None if not walked), held only while the view is built
    arriving: list  # a snapshot (or None) per output of the node: the gradient it received
    sent: list | None = None  # a snapshot (or None) per input, once the node has run
    leaf: object = None  # AccumulateGrad's leaf tensor
    before: dict | None = None  # the leaf's .grad before and after (snapshots; None: no .grad)
    after: dict | None = None


@dataclass
class Run:
    call: str  # "backward" or "grad"
    roots: tuple  # the tensors it started from
    gradient: bool  # whether the caller gave their starting gradient
    nodes: dict  # id(node metadata) -> node, for the nodes hooked before it started
    steps: list = field(default_factory=list)


class Recorder:
    """Keeps the Runs of one cell; while a run is on, it is gradflow's listener."""

    def __init__(self, limit):
        self.runs = []
        self.limit = limit
        self.recorded = 0
        self.dropped = 0  # steps past the limit
        self._running = []  # runs in progress, innermost last (a hook may call backward itself)
        self._open = {}  # id(node metadata) -> the Step of a node now running

    @contextmanager
    def run(self, call, roots, gradient):
        nodes = gradflow.watch([t.grad_fn for t in roots if getattr(t, "grad_fn", None) is not None])
        by_metadata = {id(m): node for node in nodes if (m := gradflow.metadata_of(node)) is not None}
        run = Run(call, roots, gradient, by_metadata)
        self.runs.append(run)
        self._running.append(run)
        try:
            with gradflow.listening(self):
                yield run
        finally:
            self._running.pop()

    def enter(self, metadata, grad_outputs):
        """gradflow's prehook: a node starts, with the gradients that arrived for its outputs."""
        if not self._running:
            return
        if self.recorded >= self.limit:
            self.dropped += 1
            return
        run = self._running[-1]
        node = run.nodes.get(id(metadata))
        step = Step(metadata.get(gradflow.NAME, "?"), node, [snapshot(g) for g in grad_outputs])
        step.leaf = leaf_of(node) if node is not None else None
        if step.leaf is not None:
            step.before = snapshot(step.leaf.grad)
        run.steps.append(step)
        self.recorded += 1
        self._open[id(metadata)] = step

    def leave(self, metadata, grad_inputs):
        """gradflow's hook: the node ran and sends `grad_inputs` down its edges."""
        step = self._open.pop(id(metadata), None)
        if step is None:
            return
        step.sent = [snapshot(g) for g in grad_inputs]
        if step.leaf is not None:
            step.after = snapshot(step.leaf.grad)


# --- recording a cell -----------------------------------------------------------------------------
@contextmanager
def recording(torch, limit=None):
    """Inside, each call of `torch.autograd.backward` / `.grad` is recorded; yields the Recorder.

    The wrappers hold the Recorder weakly: one the cell kept (`bw = torch.autograd.backward`)
    just calls the original once the cell's view is built.
    """
    recorder = Recorder(limit or STEP_LIMIT)
    autograd = torch.autograd
    wrappers = {}
    for name in WRAPPED:
        original = getattr(autograd, name, None)
        if callable(original):
            wrappers[name] = (original, _recorded(original, name, weakref.ref(recorder)))
            setattr(autograd, name, wrappers[name][1])
    try:
        yield recorder
    finally:
        for name, (original, wrapper) in wrappers.items():
            if getattr(autograd, name, None) is wrapper:  # the cell may have set its own
                setattr(autograd, name, original)


def _tensors(value):
    return (value,) if hasattr(value, "grad_fn") else tuple(value)


def _given(gradient):
    if isinstance(gradient, (tuple, list)):
        return any(g is not None for g in gradient)
    return gradient is not None


def _recorded(original, call, recorder_ref):
    outputs_name, gradient_name = WRAPPED[call]
    signature = inspect.signature(original)

    @functools.wraps(original)
    def recorded(*args, **kwargs):
        __tracebackhide__ = True  # noqa: F841 - tracebacks show the user's call, not ours
        recorder = recorder_ref()
        try:
            arguments = signature.bind(*args, **kwargs).arguments
            roots = _tensors(arguments[outputs_name])
        except (TypeError, KeyError):
            recorder = None  # the original will say what is wrong with the call
        if recorder is None:
            return original(*args, **kwargs)
        with recorder.run(call, roots, _given(arguments.get(gradient_name))):
            return original(*args, **kwargs)

    return recorded


# --- the steps as the Graph tab shows them --------------------------------------------------------
class _Drawing:
    """What a step needs to know of the drawn graph: node ids, edges, names, meeting points."""

    def __init__(self, graph):
        self.node_id = {id(n.ref): n.id for n in graph.nodes
                        if n.kind in ("function", "accumulate") and not n.stands_for_many}
        kinds = {n.id: n.kind for n in graph.nodes}
        self.edges_from, self.meeting, self.tensor_names = {}, {}, {}
        for index, edge in enumerate(graph.edges):
            self.edges_from.setdefault(edge.source, []).append(f"e{index}")
            if kinds[edge.source] == "function":
                self.meeting[edge.target] = self.meeting.get(edge.target, 0) + 1
        for node in graph.nodes:
            if node.kind == "output":  # a named tensor: its grad_fn receives its gradient
                for edge in graph.outgoing(node.id):
                    self.tensor_names.setdefault(edge.target, []).append(node.detail["name"])


def _call_text(run, names):
    roots = [names.get(id(t), "(unnamed)") for t in run.roots]
    if run.call == "grad":
        return f"torch.autograd.grad({', '.join(roots)}, …)"
    if len(roots) == 1:
        return f"{roots[0]}.backward({'gradient' if run.gradient else ''})"
    return f"torch.autograd.backward([{', '.join(roots)}])"


def _input_label(next_edge, names):
    node = next_edge[0] if next_edge else None
    if node is None:
        return None
    leaf = leaf_of(node)
    if leaf is not None:
        return f"AccumulateGrad ({names.get(id(leaf), 'leaf')})"
    return node.name().rpartition("::")[2]


def _arriving_blocks(step, node_id, drawing):
    blocks = []
    for k, grad in enumerate(step.arriving):
        if grad is None:
            continue
        label = "gradient arriving" + (f" for output {k}" if len(step.arriving) > 1 else "")
        if drawing.meeting.get(node_id, 0) > 1:
            label += f" (the sum of what {drawing.meeting[node_id]} edges brought)"
        owners = drawing.tensor_names.get(node_id)
        if owners:
            label += f", the gradient of {', '.join(owners)}"
        blocks.append({"label": f"{label}: {grad['text']}", "values": grad["values"]})
    return blocks


def _sent_parts(step, names):
    """Fields and blocks for what a function node sent down each edge."""
    if step.sent is None:
        return [["sent", "not recorded (the node did not finish)"]], []
    next_edges = getattr(step.node, "next_functions", None) or ()
    fields, blocks = [], []
    for slot, grad in enumerate(step.sent):
        target = _input_label(next_edges[slot], names) if slot < len(next_edges) else None
        if target is None:
            continue  # an input that needs no gradient: no edge
        where = f"to {target} (input {slot})"
        if grad is None:
            fields.append([where, "None: no gradient sent"])
        else:
            blocks.append({"label": f"sent {where}: {grad['text']}", "values": grad["values"]})
    return fields, blocks


def _leaf_parts(step, names):
    """Fields and blocks for an AccumulateGrad step: the leaf's .grad before and after."""
    name = names.get(id(step.leaf), "leaf")
    fields, blocks = [["leaf", name]], []
    for when, grad in (("before", step.before), ("after", step.after)):
        if grad is None:
            fields.append([f"{name}.grad {when}", "None" + (" (its first gradient)" if when == "before" else "")])
        else:
            blocks.append({"label": f"{name}.grad {when}: {grad['text']}", "values": grad["values"]})
    return fields, blocks


def _step_view(step, drawing, names, caption):
    node_id = drawing.node_id.get(id(step.node), "")
    short = step.name.rpartition("::")[2]
    fields = [["rule", rule_of(step.name)]]
    if not node_id:
        fields.append(["drawing", "this node is not drawn (folded, or past --max-nodes)"])
    blocks = _arriving_blocks(step, node_id, drawing)
    parts = _leaf_parts(step, names) if step.leaf is not None else _sent_parts(step, names)
    return {
        "node": node_id,
        "edges": drawing.edges_from.get(node_id, []) if node_id else [],
        "caption": caption,
        "title": short,
        "kind": "accumulate" if step.leaf is not None else "function",
        "fields": fields + parts[0],
        "blocks": blocks + parts[1],
    }


def step_views(recorder, graph, names):
    """The recorded steps as plain data, in the engine's order, for a view with this drawn graph.

    Each: {"node", "edges" (ids in the drawing to highlight), "caption", "title", "kind",
    "fields", "blocks"}, fields and blocks as in a node's detail (views/details.py).
    """
    if recorder is None:
        return []
    drawing = _Drawing(graph)
    runs = [run for run in recorder.runs if run.steps]
    views = []
    for r, run in enumerate(runs):
        call = _call_text(run, names)
        for i, step in enumerate(run.steps):
            caption = f"{call}: run {r + 1} of {len(runs)}, step {i + 1} of {len(run.steps)}"
            views.append(_step_view(step, drawing, names, caption))
    if recorder.dropped and views:
        views[-1]["fields"].append(["not recorded", f"{recorder.dropped} more steps (a cell keeps its first "
                                                    f"{recorder.limit})"])
    return views
