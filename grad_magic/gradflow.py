"""The gradient that last flowed through each backward node, recorded by node hooks.

After a `%%grad` cell, each function node of its graph gets a hook (`node.register_hook`, as in
PyTorch) that keeps, in the node's own `metadata` dict, the gradients of its last backward call.
So a later cell's `out.backward()` leaves a record the view of that cell shows. A backward run in
the same cell that built its graph is not seen: nothing is hooked yet while the cell runs.
"""
from .walk import leaf_of, walk

KEY = "grad_magic.flow"
HOOK_LIMIT = 2_000  # nodes hooked per cell; a bigger graph is hooked from its outputs down


class Flow:
    """The gradients of one backward call through a node: arriving at it and sent on to its inputs."""

    __slots__ = ("grad_outputs", "grad_inputs", "calls")

    def __init__(self, grad_outputs, grad_inputs, calls):
        self.grad_outputs = grad_outputs
        self.grad_inputs = grad_inputs
        self.calls = calls


def _detached(grads):
    return tuple(None if g is None else g.detach() for g in grads)


def _metadata(node):
    metadata = getattr(node, "metadata", None)
    return metadata if isinstance(metadata, dict) else None


def _record(grad_inputs, grad_outputs, metadata):
    previous = metadata.get(KEY)
    calls = previous.calls + 1 if previous else 1
    metadata[KEY] = Flow(_detached(grad_outputs), _detached(grad_inputs), calls)


def watch(root_nodes, limit=HOOK_LIMIT):
    """Hook the function nodes below `root_nodes` (each once) so their gradient flow is recorded."""
    nodes, _ = walk(root_nodes, limit)
    for node in nodes:
        metadata = _metadata(node)
        if leaf_of(node) is not None or metadata is None or KEY + ".hooked" in metadata:
            continue
        register = getattr(node, "register_hook", None)
        if register is None:
            return  # the engine has no node hooks: no gradient flow to show
        register(lambda grad_inputs, grad_outputs, m=metadata: _record(grad_inputs, grad_outputs, m))
        metadata[KEY + ".hooked"] = True


def last_flow(node):
    """The Flow of the node's last backward call since it was watched, or None."""
    metadata = _metadata(node)
    return None if metadata is None else metadata.get(KEY)
