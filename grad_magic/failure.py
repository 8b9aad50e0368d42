"""When backward fails: what happened, in plain words, and which tensor and node it was about.

PyTorch's messages name neither the tensor nor the node ("element 0 of tensors does not require
grad"). `explain` finds them from what the failure left behind, through the public API only, so
it works for our engine and a real PyTorch alike:

* the tensor `backward()` was called on: the `self` (or `tensors`) of the `backward` frame in the
  traceback; its name: the user's name for it; the call: the cell's line that made it;
* the node: the innermost frame whose `self` is an autograd node (our engine checks its saved
  tensors in a method of the node), else the first node below the tensor whose saved tensors
  can't be read (PyTorch raises the same error when `_saved_*` is read);
* for an in-place change, the changed tensor: a tensor the node saved (or, where the node can't
  give it, a tensor of the cell) with the shape and version the message gives.

The cell still fails with the real exception; this only adds words to the widget beside it.
"""
import ast
import re
from dataclasses import dataclass, field

from .walk import walk

KINDS = {
    "freed": "backward through the graph a second time",
    "no_grad": "does not require grad and does not have a grad_fn",
    "inplace": "modified by an inplace operation",
    "not_scalar": "grad can be implicitly created only for scalar outputs",
}
WALK_LIMIT = 5_000  # nodes looked at for the one whose saved tensors fail
_MODIFIED = re.compile(r"\[\S+ \[([\d, ]*)\]\].*? is at version (\d+); expected version (\d+)")


@dataclass
class Failure:
    kind: str  # one of KINDS
    title: str
    text: str  # what happened, in plain words
    error: str  # the exception's type and first line
    call: str = ""  # the cell's code that failed, e.g. "out.backward()"
    line: int | None = None  # its line in the cell
    tensor_name: str | None = None  # the tensor backward was called on (or that was changed)
    node_name: str | None = None  # the autograd node involved, e.g. "MulBackward0"
    tensor: object = field(default=None, repr=False)  # live, for the view to draw; then dropped
    node: object = field(default=None, repr=False)

    def as_data(self, node_id=None):
        """Plain data for the view; node_id: the graph node drawn for `node`, if any."""
        return {"kind": self.kind, "title": self.title, "text": self.text, "error": self.error,
                "call": self.call, "line": self.line, "tensor": self.tensor_name,
                "node": self.node_name, "node_id": node_id}


def kind_of(error):
    """Which backward failure an exception is, or None."""
    if not isinstance(error, RuntimeError):
        return None
    message = str(error)
    return next((kind for kind, phrase in KINDS.items() if phrase in message), None)


def explain(error, cell, names, is_tensor, cell_tensors):
    """A Failure for an exception a cell raised, or None when it is not a backward failure.

    cell: the PreparedCell; names: id(tensor) -> the user's name; cell_tensors: name -> tensor
    for the tensors the cell bound or changed (for hints and for finding a changed tensor).
    """
    kind = kind_of(error)
    if kind is None:
        return None
    facts = _Facts(error, cell, names, is_tensor)
    failure = _EXPLAIN[kind](facts, cell_tensors)
    failure.error = f"{type(error).__name__}: {_first_sentence(str(error))}"
    failure.call, failure.line = facts.call, facts.line
    return failure


class _Facts:
    """What the traceback tells: the cell's failing line, the tensor and the node involved."""

    def __init__(self, error, cell, names, is_tensor):
        self.message = str(error)
        self.names, self.is_tensor = names, is_tensor
        self.tensor, self.node, self.line = None, None, None
        tb = error.__traceback__
        while tb is not None:  # outermost frame first
            self._read(tb.tb_frame, tb.tb_lineno, cell.filename)
            tb = tb.tb_next
        self.call = _call_text(cell.source, self.line)

    def _read(self, frame, lineno, filename):
        if frame.f_code.co_filename == filename:
            self.line = lineno  # the innermost line of the cell's own code
        found = frame.f_locals
        if self.tensor is None and frame.f_code.co_name in ("backward", "grad"):
            self.tensor = self._backward_tensor(found)
        if _is_node(found.get("self")):
            self.node = found["self"]

    def _backward_tensor(self, found):
        for key in ("self", "tensors", "outputs"):
            value = found.get(key)
            if self.is_tensor(value):
                return value
            if isinstance(value, (list, tuple)) and value:
                index = re.search(r"element (\d+) of tensors", self.message)
                value = value[int(index.group(1)) if index else 0]
                return value if self.is_tensor(value) else None
        return None

    def name(self, tensor):
        return self.names.get(id(tensor))


def _first_sentence(message):
    return re.split(r"(?<=\.)\s", message.strip(), maxsplit=1)[0]


def _is_node(value):
    return hasattr(value, "next_functions") and callable(getattr(value, "name", None))


def _call_text(source, line):
    """The backward call on the cell's line (`out.backward()`), or the whole line."""
    if line is None:
        return ""
    lines = source.splitlines()
    text = lines[line - 1].strip() if 0 < line <= len(lines) else ""
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return text
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "attr", None) in ("backward", "grad"):
            return ast.get_source_segment(text, node)
    return text


def _node_name(node):
    return node.name().rpartition("::")[2]


def _saved_names(node):
    return [name for name in dir(node) if name.startswith("_saved_")]


def _first_node(tensor, fails):
    """The first node below `tensor` (in backward's order) for which fails(node) is true."""
    if tensor is None or tensor.grad_fn is None:
        return None
    nodes, _ = walk([tensor.grad_fn], WALK_LIMIT)
    return next((node for node in nodes if fails(node)), None)


def _read_fails(phrase):
    """A test of a node: reading one of its saved tensors raises an error with `phrase`."""
    def fails(node):
        for name in _saved_names(node):
            try:
                getattr(node, name)
            except RuntimeError as error:
                if phrase in str(error):
                    return True
        return False
    return fails


def _quoted(name, fallback):
    return f"`{name}`" if name else fallback


def _what_ran(facts):
    return f"`{facts.call}`" if facts.call else "backward"


# --- the four failures ---------------------------------------------------------------------------
def _freed(facts, cell_tensors):
    node = facts.node or _first_node(facts.tensor, _read_fails(KINDS["freed"]))
    name = facts.name(facts.tensor)
    through = f"through {_node_name(node)} " if node is not None else "through the graph "
    text = (f"{_what_ran(facts)} went back {through}a second time, but its saved tensors were freed "
            "by the first backward through this graph (autograd frees them to save memory). Pass "
            "retain_graph=True to the first backward call, or compute "
            f"{_quoted(name, 'the result')} again before calling backward again.")
    return Failure("freed", "Backward through a freed graph", text, "", tensor_name=name,
                   node_name=node and _node_name(node), tensor=facts.tensor, node=node)


def _no_grad(facts, cell_tensors):
    name = facts.name(facts.tensor)
    leaves = [n for n, t in cell_tensors.items()
              if t.is_leaf and not t.requires_grad and t.dtype.is_floating_point and n != name]
    hint = f" (the leaves of this cell, {', '.join(leaves[:5])}, have requires_grad=False)" if leaves else ""
    text = (f"{_what_ran(facts)} was called on {_quoted(name, 'a tensor')}, which does not require "
            "grad and has no grad_fn, so there is no graph to go back through: none of the tensors "
            f"it was computed from requires grad{hint}. Make the input a leaf that requires grad "
            "(torch.ones(2, requires_grad=True), or x.requires_grad_()) and compute "
            f"{_quoted(name, 'it')} again, outside torch.no_grad() and without .detach().")
    return Failure("no_grad", "Backward from a tensor that does not require grad", text, "",
                   tensor_name=name, tensor=facts.tensor)


def _inplace(facts, cell_tensors):
    found = _MODIFIED.search(facts.message)
    shape = [int(s) for s in found.group(1).split(",") if s.strip()] if found else None
    now, then = (int(found.group(2)), int(found.group(3))) if found else (None, None)
    node = facts.node or _first_node(facts.tensor, _read_fails(KINDS["inplace"]))
    changed = _changed_tensor(node, cell_tensors, shape, now, facts)
    name = facts.name(changed) if changed is not None else None
    what = _quoted(name, f"a tensor of shape {tuple(shape)}" if shape is not None else "a tensor")
    saver = _node_name(node) if node is not None else "an op"
    text = (f"{_what_ran(facts)} needs {what} as it was when {saver} saved it for backward "
            f"(version {then}), but it was changed in place since (it is at version {now}), so the "
            "gradient would come out wrong and autograd refuses. Change a copy instead "
            f"(`{name or 'y'} = {name or 'y'}.clone()` before the in-place op), or use the "
            f"out-of-place form (`{name or 'y'} = {name or 'y'} + 1` rather than "
            f"`{name or 'y'} += 1` or `.add_(1)`).")
    return Failure("inplace", "A saved tensor was changed in place", text, "", tensor_name=name,
                   node_name=node and _node_name(node), tensor=facts.tensor, node=node)


def _changed_tensor(node, cell_tensors, shape, version, facts):
    """The tensor the message is about: one the node saved, or one of the cell's like it."""
    def fits(tensor):
        return (facts.is_tensor(tensor) and getattr(tensor, "_version", None) == version
                and (shape is None or list(tensor.shape) == shape))

    if node is not None:
        for attr in _saved_names(node):
            try:
                saved = getattr(node, attr)
            except RuntimeError:  # PyTorch won't hand out a tensor changed since it was saved
                continue
            if fits(saved):
                return saved
    return next((t for t in cell_tensors.values() if fits(t)), None)


def _not_scalar(facts, cell_tensors):
    tensor, name = facts.tensor, facts.name(facts.tensor)
    shape = tuple(int(s) for s in tensor.shape) if tensor is not None else None
    size = f" of shape {shape}, with {tensor.numel()} elements" if tensor is not None else ""
    label = name or "y"
    text = (f"{_what_ran(facts)} starts backward from {_quoted(name, 'a tensor')}{size}; only a "
            "tensor with one element can start backward without a gradient argument. Pass one of "
            f"its shape (`{label}.backward(torch.ones_like({label}))` gives the gradient of "
            f"{label}.sum()), or reduce it first (`{label}.sum().backward()`).")
    return Failure("not_scalar", "Backward from a tensor with more than one element", text, "",
                   tensor_name=name, tensor=tensor)


_EXPLAIN = {"freed": _freed, "no_grad": _no_grad, "inplace": _inplace, "not_scalar": _not_scalar}
