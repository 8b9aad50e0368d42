"""The backward graph: nodes, AccumulateGrad, and the executor that walks it.

A tensor made by a differentiable op points at its node (`grad_fn`). A node's `next_functions`
point on towards the inputs' nodes and end at an `AccumulateGrad` per leaf, which writes `.grad`.
`run_backward` walks that graph once, in PyTorch's order, without recursion.
"""
import gc
import heapq
import itertools
import weakref

from .grad_mode import _GradMode

_sequence = itertools.count()

FREED_MESSAGE = (
    "Trying to backward through the graph a second time (or directly access saved tensors after "
    "they have already been freed). Saved intermediate values of the graph are freed when you call "
    ".backward() or autograd.grad(). Specify retain_graph=True if you need to backward through the "
    "graph a second time or if you need to access saved tensors after calling backward."
)


class RemovableHandle:
    """What `register_hook` returns: `.remove()` takes the hook out again."""

    def __init__(self, hooks, hook):
        self._hooks, self._hook = hooks, hook

    def remove(self):
        if self._hook in self._hooks:
            self._hooks.remove(self._hook)


class SavedTensor:
    """A tensor a node keeps for its backward, with the version it had when saved."""

    __slots__ = ("tensor", "version")

    def __init__(self, tensor):
        self.tensor = tensor
        self.version = tensor._version_box[0]

    def unpack(self):
        tensor = self.tensor
        if tensor._version_box[0] != self.version:
            raise RuntimeError(_modified_message(tensor, self.version))
        return tensor


def _modified_message(tensor, expected_version, saved_by=None):
    # PyTorch names the node that made the tensor: for a node's own saved output that node,
    # otherwise the tensor's grad_fn now (the in-place op's node)
    output_of = saved_by or tensor.grad_fn
    where = f", which is output {tensor._output_nr} of {_short_name(output_of)}," if output_of else ""
    return (
        "one of the variables needed for gradient computation has been modified by an inplace "
        f"operation: [{tensor.type()} {list(tensor.shape)}]{where} is at version "
        f"{tensor._version_box[0]}; expected version {expected_version} instead. Hint: enable "
        "anomaly detection to find the operation that failed to compute its gradient, with "
        "torch.autograd.set_detect_anomaly(True, check_nan=False)."
    )


def _short_name(node):
    """The name PyTorch's message gives a node: AddBackward0 is `Add`, SumBackward1 `Sum1`."""
    name = node.name()
    stem, found, number = name.rpartition("Backward")
    if found and (not number or number.isdigit()):
        return stem + ("" if number == "0" else number)
    return name  # torch::autograd::CopyBackwards stays as it is


def _edge(tensor):
    """Where a gradient for `tensor` goes: (its grad_fn, output number), its leaf's AccumulateGrad,
    or (None, 0) when it needs none."""
    node = getattr(tensor, "grad_fn", None)
    if node is not None:
        return (node, tensor._output_nr)
    if getattr(tensor, "_requires_grad", False):
        return (tensor._accumulator(), 0)
    return _NO_EDGE


_NO_EDGE = (None, 0)
_PLAIN = frozenset({type(None), bool, int, float, str, tuple, list})  # saved values that are no tensors
_NUMBERS_ONLY = ()  # a node's saved versions when it saved only Python numbers


class Node:
    """One backward function. Subclasses are named as PyTorch names them (`MulBackward0`) and
    define `backward(self, *grad_outputs)`, returning one gradient per input.

    `save(self=..., dim=...)` keeps what backward needs as attributes `_saved_self`, `_saved_dim`
    (PyTorch's names, so a graph view can show them); saved tensors are checked against in-place
    changes before backward runs, and freed after it.

    Every op makes one of these, and a big graph holds thousands, so they stay lean: few objects
    each (the cyclic garbage collector's cost grows with their number).
    """

    __slots__ = (
        "next_functions", "_sequence_nr", "_out_shape", "_out_dtype", "_out_device",
        "_versions_of_saved", "_freed", "_hooks", "__dict__", "__weakref__",
    )
    num_outputs = 1
    user_defined = False  # a custom Function's backward may hand out tensors it keeps elsewhere

    def __init__(self, *inputs):
        edges = []
        # Edges are fresh (node, nr) tuples: a node keeping an edge to itself would be a reference
        # cycle, so a spent graph would wait for the cyclic collector instead of being freed at once.
        for tensor in inputs:  # `_edge` inlined: this runs once per recorded op (map costs ~100 ns)
            node = getattr(tensor, "grad_fn", None)
            if node is not None:
                edges.append((node, tensor._output_nr))
            elif getattr(tensor, "_requires_grad", False):
                edges.append((tensor._accumulator(), 0))
            else:  # no gradient needed, or a Python number in a tensor's slot
                edges.append(_NO_EDGE)
        self.next_functions = tuple(edges)
        self._sequence_nr = next(_sequence)
        # The shape, dtype and device of output 0, set by `attach`: a gradient arriving for it is
        # summed back to the shape (undoing broadcasting), cast to the dtype and moved to the
        # device, as PyTorch's engine does.
        self._out_shape = None
        self._out_dtype = None
        self._out_device = None
        self._versions_of_saved = None
        self._freed = False
        self._hooks = None

    # --- saved values -------------------------------------------------------------------------
    def save(self, /, **values):
        """Keep values for backward; tensors are kept with their version."""
        for name, value in values.items():
            attribute = "_saved_" + name
            setattr(self, attribute, value)
            if value.__class__ in _PLAIN:
                continue
            version_box = getattr(value, "_version_box", None)
            if version_box is not None:
                if not self._versions_of_saved:
                    self._versions_of_saved = []
                # (its attribute, its version, whether it is this node's own output)
                self._versions_of_saved.append((attribute, version_box[0], value.grad_fn is self))

    def save_number(self, /, **numbers):
        """Keep Python numbers the op took part with, as `_number_<name>` for backward.

        PyTorch saves such a number as a 0-d tensor (`(x * 2).grad_fn._saved_other` is
        `tensor(2)`), freed with the graph like any saved tensor; `_saved_<name>` shows that
        tensor here too, made only when someone looks, since ops with numbers are many and hot.
        """
        for name, value in numbers.items():
            setattr(self, "_number_" + name, value)
            _stand_in(type(self), "_saved_" + name)
        if self._versions_of_saved is None:
            self._versions_of_saved = _NUMBERS_ONLY  # so release() marks the node freed

    def check_saved(self):
        """Raise if backward can't run: saved tensors freed, or changed in place since saved."""
        if self._freed:
            raise RuntimeError(FREED_MESSAGE)
        for attribute, version, is_output in self._versions_of_saved:
            tensor = getattr(self, attribute)
            if tensor._version_box[0] != version:
                raise RuntimeError(_modified_message(tensor, version, self if is_output else None))

    def release(self):
        """Free the saved tensors (the graph is spent unless retain_graph=True)."""
        if self._versions_of_saved is not None:
            self._freed = True
            stand_ins = type(self).__dict__
            for attribute, _, _ in self._versions_of_saved:
                delattr(self, attribute)
                if attribute not in stand_ins:  # reading it now raises, as in PyTorch
                    _stand_in(type(self), attribute)

    def __dir__(self):
        # saved numbers and freed saved tensors are listed too (reading a freed one raises), as
        # in PyTorch; the numbers' own attributes are ours, not PyTorch's
        names = {
            name for name in super().__dir__()
            if name in self.__dict__ or not isinstance(getattr(type(self), name, None), _Saved)
        }
        names |= {attribute for attribute, *_ in self._versions_of_saved or ()}
        names |= {"_saved_" + name[8:] for name in self.__dict__ if name.startswith("_number_")}
        return sorted(name for name in names if not name.startswith("_number_"))

    def should_compute_output(self, index):
        return self.next_functions[index][0] is not None

    # --- introspection, as PyTorch offers it --------------------------------------------------
    def name(self):
        return type(self).__name__

    @property
    def metadata(self):
        if "_metadata" not in self.__dict__:
            self._metadata = {}
        return self._metadata

    @property
    def requires_grad(self):
        return True

    def register_hook(self, hook):
        """`hook(grad_inputs, grad_outputs)` runs after this node; it may return new grad_inputs."""
        return _hooks_of(self).post.add(hook)

    def register_prehook(self, hook):
        """`hook(grad_outputs)` runs before this node; it may return new grad_outputs."""
        return _hooks_of(self).pre.add(hook)

    def __repr__(self):
        return f"<{type(self).__name__} object at {hex(id(self))}>"

    def _repr_pretty_(self, printer, cycle):
        # IPython shows PyTorch's nodes as `<AddBackward0 at 0x...>`; so do we.
        printer.text(f"<{type(self).__name__} at {hex(id(self))}>")

    def __call__(self, *grad_outputs):
        return self.backward(*grad_outputs)


class _Saved:
    """A node class's stand-in for `_saved_<name>`, read only where a node has no such attribute
    of its own: its graph was freed (PyTorch raises), or it saved a Python number (see
    save_number). Node has no __getattr__ for these: that would slow every attribute read."""

    def __init__(self, attribute):
        self.number = "_number_" + attribute.removeprefix("_saved_")
        self.attribute = attribute

    def __get__(self, node, owner=None):
        if node is None:
            return self
        if node._freed:
            raise RuntimeError(FREED_MESSAGE)  # a saved tensor after the graph was freed
        number = node.__dict__.get(self.number)
        if number is None:
            raise AttributeError(f"'{type(node).__name__}' object has no attribute '{self.attribute}'")
        return _tensor.wrapped_number(number)


def _stand_in(node_class, attribute):
    if attribute not in node_class.__dict__:  # (its own: reading the attribute would call __get__)
        setattr(node_class, attribute, _Saved(attribute))


class HookList(list):
    def add(self, hook):
        self.append(hook)
        return RemovableHandle(self, hook)


class NodeHooks:
    """A node's hooks, made only for the few nodes that get one (nodes are many and hot)."""

    __slots__ = ("pre", "post", "tensor", "retained")

    def __init__(self):
        self.pre = HookList()  # node.register_prehook
        self.post = HookList()  # node.register_hook
        self.tensor = {}  # output number -> HookList: register_hook on a non-leaf tensor
        self.retained = {}  # output number -> weakref to a tensor that called retain_grad()


def _hooks_of(node):
    if node._hooks is None:
        node._hooks = NodeHooks()
    return node._hooks


class AccumulateGrad(Node):
    """The end of a path: adds the arriving gradient into the leaf's `.grad`."""

    def __init__(self, variable):
        Node.__init__(self)
        self._sequence_nr = float("inf")  # PyTorch runs these as soon as they are ready
        self.variable = variable
        # gradients arriving here are conformed to the leaf as it was when the node was made
        self._out_shape = variable._data.shape
        self._out_dtype, self._out_device = variable._dtype, variable._device

    def name(self):
        return "torch::autograd::AccumulateGrad"

    def backward(self, grad):
        return self.accumulate(grad, owned=False)

    def accumulate(self, grad, owned):
        """`owned`: nothing else holds `grad`, so it may become `.grad` without a copy."""
        variable = self.variable
        for hook in variable._hooks or ():
            result = hook(grad)
            if result is not None:
                grad, owned = _checked_result(hook, grad, result), False
        accumulate_grad(variable, grad, keep_graph=_GradMode.enabled, owned=owned)
        return ()


def accumulate_grad(tensor, grad, keep_graph, owned=False):
    """tensor.grad += grad, as PyTorch does it: the first gradient is stored as a tensor of its
    own (never shared with another leaf or the caller: it is copied unless the engine `owned` it
    and it owns its memory); later ones are added in place unless a graph is kept."""
    if tensor._grad is None:
        if not (owned and grad._data.base is None):
            grad = grad.clone()
        # a fresh tensor either way; detached only if it carries a graph no one asked to keep
        if not keep_graph and (grad.grad_fn is not None or grad._requires_grad):
            grad = grad.detach()
        tensor._grad = grad  # unchecked, as in PyTorch: the executor conformed it to the leaf
    elif keep_graph:
        tensor.grad = tensor.grad + grad
    else:
        tensor.grad._data += grad._data
        tensor.grad._version_box[0] += 1


# --- the executor ---------------------------------------------------------------------------------


def _count_dependencies(root_nodes):
    """How many edges point at each node reachable from the roots, and the nodes in DFS order."""
    dependencies = {}
    order = []
    stack = list(root_nodes)
    while stack:
        node = stack.pop()
        order.append(node)
        for child, _ in node.next_functions:
            if child is None:
                continue
            if child in dependencies:
                dependencies[child] += 1
            else:  # met for the first time: walk on from it, unless it is a root (walked anyway)
                dependencies[child] = 1
                if child not in root_nodes:
                    stack.append(child)
    return dependencies, order


def _nodes_to_run(order, target_nodes):
    """The nodes with a path down to a target node: only those run when inputs are named."""
    leads = set()
    changed = True
    while changed:  # a fixed point; the graph is a DAG, so this settles in a few passes
        changed = False
        for node in reversed(order):
            if node not in leads and any(
                c in target_nodes or c in leads for c, _ in node.next_functions
            ):
                leads.add(node)
                changed = True
    return leads


def run_backward(roots, root_grads, retain_graph=False, create_graph=False, inputs=None, capture=False):
    """Propagate `root_grads` from the `roots` tensors back through their graph.

    With `capture`, the gradients reaching `inputs` are returned (autograd.grad) and no `.grad` is
    touched; otherwise they are accumulated into `.grad` (of `inputs` only, when given).
    """
    root_edges = [_edge(t) for t in roots]
    root_nodes = {node: None for node, _ in root_edges}  # ordered, unlike a set
    dependencies, order = _count_dependencies(root_nodes)
    targets = _Targets(inputs, capture, order) if inputs is not None else None

    # Gradients someone else also holds (the caller's, hooks', one sent down two edges): a leaf
    # must copy these; the others it may keep as they are, as PyTorch steals unshared buffers.
    shared = {id(grad) for grad in root_grads}
    buffers = {}
    for (node, nr), grad in zip(root_edges, root_grads):
        _add_to_buffer(buffers, node, nr, _conform(grad, node, nr, None, 0))  # cast, as any gradient
    # Ready nodes run latest-created first, as in PyTorch (AccumulateGrad as soon as it is ready).
    ready = [(-node._sequence_nr, id(node), node) for node in root_nodes if node not in dependencies]
    heapq.heapify(ready)

    previous_mode = _GradMode.enabled
    _GradMode.enabled = create_graph
    collecting = gc.isenabled()
    # The walk makes many short-lived objects; pausing the cyclic collector spares it rescanning
    # a large graph again and again (PyTorch's graph lives in C++ and is never scanned).
    gc.disable()
    pop, push = heapq.heappop, heapq.heappush
    try:
        while ready:
            node = pop(ready)[2]
            grads = buffers.pop(node, None) or [None] * node.num_outputs
            grad_inputs = _run_node(node, grads, targets, shared)
            if grad_inputs is not None:
                if not retain_graph:
                    node.release()
                if len(grad_inputs) > 1:
                    _mark_repeated(grad_inputs, shared)
            for index, (child, nr) in enumerate(node.next_functions):
                if child is None:
                    continue
                grad = grad_inputs[index] if grad_inputs is not None else None
                if grad is not None:
                    # what the child expects already, in the common case; else summed, cast or moved
                    if nr or grad._data.shape != child._out_shape or grad._dtype is not child._out_dtype \
                            or grad._device is not child._out_device:
                        grad = _conform(grad, child, nr, node, index)
                remaining = dependencies[child] - 1
                dependencies[child] = remaining
                if remaining == 0 and grad is not None and child.__class__ is AccumulateGrad \
                        and child._hooks is None and targets is None and child not in buffers:
                    # a leaf's one and only gradient: accumulated at once, as the heap would run it next
                    child.accumulate(grad, owned=id(grad) not in shared)
                    continue
                if grad is not None:
                    _add_to_buffer(buffers, child, nr, grad)
                if remaining == 0:
                    push(ready, (-child._sequence_nr, id(child), child))
    finally:
        _GradMode.enabled = previous_mode
        if collecting:
            gc.enable()
    return targets.captured_grads() if capture else None


class _Targets:
    """The `inputs` of autograd.grad / backward(inputs=...): which nodes must run, and where
    gradients are caught (autograd.grad) or accumulated into a non-leaf's .grad."""

    def __init__(self, inputs, capture, order):
        self.edges = [_edge(t) for t in inputs]
        target_nodes = {node for node, _ in self.edges}
        self.needed = _nodes_to_run(order, target_nodes)
        self.capture = capture
        self.captured = {edge: None for edge in self.edges} if capture else {}
        if not capture:  # accumulating: the named leaves' AccumulateGrad nodes run too
            self.needed |= {node for node in target_nodes if isinstance(node, AccumulateGrad)}
        # backward(inputs=[non-leaf]) accumulates into that tensor's .grad, as retain_grad would
        self.non_leaf = {} if capture else {
            edge: t for edge, t in zip(self.edges, inputs) if t.grad_fn is not None
        }

    def see(self, node, grads):
        """Catch the gradients arriving at a target; False when the node need not run."""
        for nr, grad in enumerate(grads):
            if (node, nr) in self.captured:
                self.captured[(node, nr)] = grad
            if grad is not None and (node, nr) in self.non_leaf:
                accumulate_grad(self.non_leaf[(node, nr)], grad, keep_graph=_GradMode.enabled)
        return node in self.needed

    def captured_grads(self):
        return tuple(self.captured[edge] for edge in self.edges)


def _mark_repeated(grads, shared):
    """One tensor sent down several edges (AddBackward0 passes `grad` to both inputs) is shared."""
    if len(grads) == 2:  # the common case, a binary op
        if grads[0] is grads[1] and grads[0] is not None:
            shared.add(id(grads[0]))
        return
    ids = [id(grad) for grad in grads if grad is not None]
    if len(set(ids)) < len(ids):
        shared.update(ids)


def _run_node(node, grads, targets, shared):
    """Run one node's hooks and backward; None when it is skipped (not needed, or no gradient)."""
    hooks = node._hooks
    if hooks is not None:
        grads = _run_tensor_hooks(hooks, grads)
        shared.update(id(grad) for grad in grads)  # a hook may have kept them
    if targets is not None and not targets.see(node, grads):
        return None
    for grad in grads:
        if grad is not None:
            break
    else:  # no gradient arrived (e.g. only through inputs that needed none)
        return None
    if hooks is not None:
        for hook in hooks.pre:
            result = hook(tuple(grads))
            if result is not None:
                grads = list(_checked_results(hook, tuple(grads), result))
    if node._versions_of_saved is not None or node._freed:
        node.check_saved()
    if type(node) is AccumulateGrad:
        grad_inputs = node.accumulate(grads[0], owned=id(grads[0]) not in shared)
    else:
        grad_inputs = node.backward(*grads)
    if type(grad_inputs) is not tuple:
        grad_inputs = (grad_inputs,)
    if node.user_defined:
        shared.update(id(grad) for grad in grad_inputs)
    if hooks is not None:
        for hook in hooks.post:
            result = hook(grad_inputs, tuple(grads))
            if result is not None:
                grad_inputs = _checked_results(hook, grad_inputs, result)
        shared.update(id(grad) for grad in grad_inputs)
    return grad_inputs


def _run_tensor_hooks(hooks, grads):
    """Hooks registered on non-leaf tensors (`register_hook`, `retain_grad`) see the gradient of
    that tensor, which is the gradient arriving at its grad_fn for its output number."""
    grads = list(grads)
    for nr, tensor_hooks in hooks.tensor.items():
        for hook in tensor_hooks:
            if grads[nr] is None:
                break
            result = hook(grads[nr])
            if result is not None:
                grads[nr] = _checked_result(hook, grads[nr], result)
    for nr, tensor_ref in hooks.retained.items():
        tensor = tensor_ref()
        if tensor is not None and grads[nr] is not None:
            accumulate_grad(tensor, grads[nr], keep_graph=_GradMode.enabled)
    return grads


def _checked_results(hook, originals, results):
    """A node hook's new gradients, checked as PyTorch checks them: a tuple, one per original."""
    if type(results) is not tuple:
        raise TypeError(f"expected tuple, but hook returned '{type(results).__name__}'")
    if len(results) != len(originals):
        raise RuntimeError(
            f"hook '{_hook_name(hook)}' has returned an incorrect number of values (got {len(results)}, "
            f"but expected {len(originals)})"
        )
    return tuple(
        original if result is None else _checked_result(hook, original, result)
        for original, result in zip(originals, results)
    )


def _checked_result(hook, original, result):
    """A hook's new gradient in place of `original`: PyTorch refuses one of another kind or size."""
    if original is None:
        raise RuntimeError("can't replace a None gradient with a non-None value")
    if not isinstance(result, _tensor.Tensor):
        raise TypeError(f"expected Variable, but hook returned '{type(result).__name__}'")
    if result.type() != original.type():
        raise RuntimeError(
            f"hook '{_hook_name(hook)}' has changed the type of value (was {original.type()} got "
            f"{result.type()})"
        )
    if result._data.shape != original._data.shape:
        raise RuntimeError(f"hook '{_hook_name(hook)}' has changed the size of value")
    return result


def _hook_name(hook):
    return getattr(hook, "__name__", "<unknown>")


def _add_to_buffer(buffers, node, nr, grad):
    buffer = buffers.get(node)
    if buffer is None:
        buffer = buffers[node] = [None] * node.num_outputs
    buffer[nr] = grad if buffer[nr] is None else buffer[nr] + grad


def _conform(grad, child, nr, node, index):
    """Sum a broadcast gradient back to the shape of the tensor it is for (output `nr` of
    `child`) and cast it to that tensor's dtype."""
    if nr:
        return grad  # multi-output nodes give their gradients in shape
    shape, dtype, device = child._out_shape, child._out_dtype, child._out_device
    if shape is None:  # a custom Function's output it did not return as a tensor
        return grad
    if grad._data.shape != shape:
        grad = sum_to(grad, shape, node, index)
    if grad._dtype is not dtype:
        grad = grad.to(dtype)
    if grad._device is not device and device is not None:
        # NOTE: a 0-d CPU tensor that took part in a GPU op (as a scalar) gets its gradient
        # from the GPU; PyTorch moves it back
        grad = grad.to(device)
    return grad


def sum_to(grad, shape, node=None, index=0):
    """Undo broadcasting: sum `grad` over the dimensions that broadcasting added or stretched."""
    grad_shape = grad._data.shape
    extra = len(grad_shape) - len(shape)
    axes = list(range(extra))  # the leading dimensions broadcasting added
    for dim, size in enumerate(shape):
        if extra < 0 or size != grad_shape[dim + extra]:
            if extra < 0 or size != 1:
                name = node.name() if node is not None else "backward"
                raise RuntimeError(
                    f"Function {name} returned an invalid gradient at index {index} - got "
                    f"{list(grad_shape)} but expected shape compatible with {list(shape)}"
                )
            axes.append(dim + extra)  # a size-1 dimension that broadcasting stretched
    if not axes:
        return grad.reshape(shape) if grad_shape != shape else grad
    axes = tuple(axes)
    if grad._dtype.is_floating_point and not (_GradMode.enabled and (grad._requires_grad or grad.grad_fn is not None)):
        # nothing to record: sum the array straight to the shape, one array op instead of a sum
        # and a reshape as tensor ops (and a fresh array, which a leaf may keep without a copy)
        data = grad._data.sum(axis=axes, dtype=grad._data.dtype)
        return _tensor.wrap(data.reshape(shape) if data.shape != shape else data, grad._dtype, grad._device)
    grad = grad.sum(axes, keepdim=True)
    return grad.reshape(shape) if grad._data.shape != shape else grad


def register_tensor_hook(tensor, hook):
    """tensor.register_hook for a non-leaf: the hook lives on its grad_fn, for its output number."""
    return _hooks_of(tensor.grad_fn).tensor.setdefault(tensor._output_nr, HookList()).add(hook)


def retain_grad(tensor):
    _hooks_of(tensor.grad_fn).retained[tensor._output_nr] = weakref.ref(tensor)


from .. import tensor as _tensor  # noqa: E402 - the tensor module needs this one defined first
