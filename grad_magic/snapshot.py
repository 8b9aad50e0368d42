"""Which tensors a cell bound or changed, and which of them are its graph's roots.

A tensor counts as the cell's when a name now holds it that did not before (new or rebound), or
when its autograd state changed (`requires_grad_()`, a new or accumulated `.grad`, an in-place
op). Tensors whose graph reaches such a tensor are shown too: after `out.backward()` only `x`
changed (its `.grad`), but `y`, `z` and `out` are the computation that put it there.
"""
import re
import weakref

from .walk import leaf_of, walk

# IPython's own names in user_ns: output cache, input history, the shell itself.
_SHELL_NAMES = re.compile(r"_+|_\d+|_i+\d*|_[iod]h|In|Out|exit|quit|get_ipython")

WALK_LIMIT = 20_000  # nodes walked per tensor when relating tensors; a bigger graph is cut short


def _grad_of(tensor):
    # Reading `.grad` of a non-leaf that doesn't retain it makes PyTorch warn; nothing is there.
    if tensor.is_leaf or getattr(tensor, "retains_grad", False):
        return tensor.grad
    return None


def _ref(obj):
    """A weak reference, so that a snapshot keeps no graph alive (a strong one where none can be made)."""
    if obj is None:
        return None
    try:
        return weakref.ref(obj)
    except TypeError:
        return lambda: obj


def _state(tensor):
    """What a cell can change about a tensor without rebinding it: (flag, refs, versions)."""
    grad = _grad_of(tensor)
    return (
        tensor.requires_grad,
        _ref(tensor.grad_fn),
        _ref(grad),
        getattr(grad, "_version", None),
        getattr(tensor, "_version", None),
    )


def _deref(ref):
    return None if ref is None else ref()


def _changed(old_state, tensor):
    flag, grad_fn, grad, *versions = old_state
    now = _state(tensor)
    return (
        flag != now[0]
        or _deref(grad_fn) is not tensor.grad_fn
        or _deref(grad) is not _grad_of(tensor)
        or versions != list(now[3:])
    )


def user_tensors(namespace, is_tensor):
    """The user's names that hold tensors, in the namespace's order."""
    return {
        name: value
        for name, value in list(namespace.items())
        if is_tensor(value) and not _SHELL_NAMES.fullmatch(name)
    }


class NamespaceSnapshot:
    """The tensors of a namespace before a cell ran, to tell afterwards what the cell did."""

    def __init__(self, namespace, is_tensor):
        self.is_tensor = is_tensor
        self.before = {
            name: (_ref(tensor), _state(tensor)) for name, tensor in user_tensors(namespace, is_tensor).items()
        }

    def touched(self, namespace):
        """Name -> tensor for each tensor the cell bound, rebound or changed."""
        result = {}
        for name, tensor in user_tensors(namespace, self.is_tensor).items():
            old = self.before.get(name)
            if old is None or old[0]() is not tensor or _changed(old[1], tensor):
                result[name] = tensor
        return result

    def shown(self, namespace):
        """The tensors a cell's view shows: those it touched and those whose graph reaches them."""
        tensors = user_tensors(namespace, self.is_tensor)
        touched = self.touched(namespace)
        nodes = [t.grad_fn for t in touched.values()]  # held, so that their ids stay theirs
        targets = {id(t) for t in touched.values()} | {id(n) for n in nodes if n is not None}
        return {
            name: tensor
            for name, tensor in tensors.items()
            if name in touched or (touched and _reaches(tensor, targets))
        }


def _reaches(tensor, target_ids):
    nodes, _ = walk([tensor.grad_fn], WALK_LIMIT)
    return any(id(node) in target_ids or id(leaf_of(node)) in target_ids for node in nodes)


def default_roots(tensors):
    """Of name -> tensor, the tensors needing grad whose graph is not part of another one's.

    Returns name -> tensor in the same order; a tensor held by two names appears once.
    """
    candidates = {}
    for name, tensor in tensors.items():
        if tensor.requires_grad and all(t is not tensor for t in candidates.values()):
            candidates[name] = tensor
    inside = set()  # ids of tensors and nodes some candidate's graph reaches below its own output
    held = []  # the walked nodes, kept alive while their ids are compared
    for tensor in candidates.values():
        if tensor.grad_fn is not None:
            nodes, _ = walk([tensor.grad_fn], WALK_LIMIT)
            held.append(nodes)
            inside.update(id(node) for node in nodes[1:])
            inside.update(id(leaf) for leaf in map(leaf_of, nodes) if leaf is not None)
    return {
        name: tensor
        for name, tensor in candidates.items()
        if id(tensor) not in inside and (tensor.grad_fn is None or id(tensor.grad_fn) not in inside)
    }
