"""The gradients that flow through each backward node, seen by node hooks.

Each node of a `%%grad` cell's graph gets two hooks, through the public API PyTorch offers too:
a prehook (`node.register_prehook`) that sees the gradient arriving, and a hook
(`node.register_hook`) that sees what the node sent to its inputs. The hook keeps the node's
last Flow in the node's own `metadata` dict, so a later cell's view can show it and label the
graph's edges with it. While a listener is set (grad_magic.steps, during a cell's backward
call), both hooks also tell it, so each run is recorded step by step.

The hooks hold the node's metadata dict, never the node: PyTorch keeps a node's hooks in C++,
where a reference back to the node would make a cycle no collector can see.
"""
from contextlib import contextmanager

import numpy as np

from .graph import GradLabels
from .walk import walk

KEY = "grad_magic.flow"
HOOKED = KEY + ".hooked"
NAME = KEY + ".name"  # the node's name(), for a listener that meets a node it did not walk
HOOK_LIMIT = 2_000  # nodes hooked per graph; a bigger graph is hooked from its outputs down

_listener = None  # told of every hooked node the engine runs: enter(metadata, grads), leave(...)


class Flow:
    """The gradients of one backward call through a node: arriving at it and sent on to its inputs."""

    __slots__ = ("grad_outputs", "grad_inputs", "calls")

    def __init__(self, grad_outputs, grad_inputs, calls):
        self.grad_outputs = grad_outputs
        self.grad_inputs = grad_inputs
        self.calls = calls


def _detached(grads):
    return tuple(None if g is None else g.detach() for g in grads)


def metadata_of(node):
    """The node's `metadata` dict (PyTorch's node API), or None for nodes without one."""
    metadata = getattr(node, "metadata", None)
    return metadata if isinstance(metadata, dict) else None


def _before(grad_outputs, metadata):
    if _listener is not None:
        _listener.enter(metadata, grad_outputs)


def _after(grad_inputs, grad_outputs, metadata):
    previous = metadata.get(KEY)
    calls = previous.calls + 1 if previous else 1
    metadata[KEY] = Flow(_detached(grad_outputs), _detached(grad_inputs), calls)
    if _listener is not None:
        _listener.leave(metadata, grad_inputs)


def watch(root_nodes, limit=HOOK_LIMIT):
    """Hook the nodes below `root_nodes` (each once); returns the nodes walked, hooked or not."""
    nodes, _ = walk(root_nodes, limit)
    for node in nodes:
        metadata = metadata_of(node)
        if metadata is None or HOOKED in metadata:
            continue
        if not hasattr(node, "register_prehook") or not hasattr(node, "register_hook"):
            break  # the engine has no node hooks: no gradient flow to show
        node.register_prehook(lambda grad_outputs, m=metadata: _before(grad_outputs, m))
        node.register_hook(lambda grad_inputs, grad_outputs, m=metadata: _after(grad_inputs, grad_outputs, m))
        metadata[NAME] = node.name()
        metadata[HOOKED] = True
    return nodes


@contextmanager
def listening(listener):
    """Hooked nodes tell `listener` what they receive and send while inside."""
    global _listener
    previous, _listener = _listener, listener
    try:
        yield listener
    finally:
        _listener = previous


def last_flow(node):
    """The Flow of the node's last backward call since it was watched, or None."""
    metadata = metadata_of(node)
    return None if metadata is None else metadata.get(KEY)


# --- the gradients on a drawn graph's edges ------------------------------------------------------
def grad_text(array):
    """'(2, 2) ‖g‖=9': a gradient's shape (as the graph's nodes write it) and norm, from a host array."""
    dims = str(tuple(int(s) for s in array.shape)) if array.ndim else "scalar"
    if array.dtype.kind not in "biuf":
        return dims
    norm = float(np.sqrt(np.square(array, dtype=np.float64).sum()))
    return f"{dims} ‖g‖={norm:.4g}"


def _norm_text(tensor):
    from .views.values import to_host

    return grad_text(to_host(tensor))


def _grad_of(grads, index):
    return grads[index] if grads is not None and 0 <= index < len(grads) else None


def _edge_grad(source, target, slot, is_root):
    """The gradient that last went along an edge of the drawing, or None.

    A named tensor's edge to its grad_fn gets none: the same gradient is that node's arriving
    one, shown by the edges into the node (and their sum beside it where several meet).
    """
    if source.stands_for_many or target.stands_for_many:
        return None
    if source.kind == "function":  # a node to its input number `slot`
        flow = last_flow(source.ref)
        return _grad_of(flow and flow.grad_inputs, slot)
    if source.kind == "accumulate":  # AccumulateGrad to its leaf: what went into .grad
        flow = last_flow(source.ref)
        return _grad_of(flow and flow.grad_outputs, 0)
    if source.kind == "output" and is_root:  # where backward started: its starting gradient
        flow = last_flow(target.ref)
        return _grad_of(flow and flow.grad_outputs, getattr(source.ref, "output_nr", 0))
    return None


def grad_labels(graph):
    """GradLabels for a built Graph: each edge's last gradient, and the sum at each node where
    gradients from two or more nodes meet. None when no backward went through the graph."""
    by_id = {node.id: node for node in graph.nodes}
    edges, meeting = {}, {}
    for index, edge in enumerate(graph.edges):
        source, target = by_id[edge.source], by_id[edge.target]
        grad = _edge_grad(source, target, edge.slot, source.id in graph.roots)
        if grad is None:
            continue
        edges[index] = _norm_text(grad)
        if source.kind == "function":
            meeting.setdefault(target.id, []).append(index)
    nodes = {}
    for node_id, incoming in meeting.items():
        flow = last_flow(by_id[node_id].ref)
        arriving = [g for g in flow.grad_outputs if g is not None] if flow else []
        if len(incoming) > 1 and len(arriving) == 1:
            nodes[node_id] = "Σ " + _norm_text(arriving[0])
    return GradLabels(edges, nodes) if edges else None
