"""The backward graph: nodes, AccumulateGrad, and the executor that walks it.

A tensor made by a differentiable op points at its node (`grad_fn`). A node's `next_functions`
point on towards the inputs' nodes and end at an `AccumulateGrad` per leaf, which writes `.grad`.
`run_backward` walks that graph once, in PyTorch's order, without recursion.
"""
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

    __slots__ = ("tensor", "version", "output_of")

    def __init__(self, tensor):
        self.tensor = tensor
        self.version = tensor._version_box[0]
        self.output_of = tensor.grad_fn

    def unpack(self):
        tensor = self.tensor
        if tensor._version_box[0] != self.version:
            raise RuntimeError(_modified_message(self))
        return tensor


def _modified_message(saved):
    tensor = saved.tensor
    where = f", which is output 0 of {saved.output_of.name()}," if saved.output_of else ""
    return (
        "one of the variables needed for gradient computation has been modified by an inplace "
        f"operation: [{tensor.type()} {list(tensor.shape)}]{where} is at version "
        f"{tensor._version_box[0]}; expected version {saved.version} instead. Hint: enable anomaly "
        "detection to find the operation that failed to compute its gradient, with "
        "torch.autograd.set_detect_anomaly(True)."
    )


def _edge(tensor):
    """Where a gradient for `tensor` goes: (its grad_fn, output number), its leaf's AccumulateGrad,
    or (None, 0) when it needs none."""
    node = getattr(tensor, "grad_fn", None)
    if node is not None:
        return (node, tensor._output_nr)
    if getattr(tensor, "_requires_grad", False):
        return (tensor._accumulator(), 0)
    return (None, 0)


class Node:
    """One backward function. Subclasses are named as PyTorch names them (`MulBackward0`) and
    define `backward(self, *grad_outputs)`, returning one gradient per input.

    Saved values are kept in `_saved` and read as `self._saved_<name>` (as PyTorch exposes them);
    saved tensors are checked against in-place changes and freed after backward.
    """

    num_outputs = 1

    def __init__(self, *inputs):
        self.next_functions = tuple(map(_edge, inputs))
        # Each input's shape and dtype: the executor sums broadcast gradients back to the shape
        # and casts them to the dtype (PyTorch's validate_outputs), so ops need not.
        self._input_meta = tuple(
            (t._data.shape, t._dtype) if hasattr(t, "_data") else None for t in inputs
        )
        self._sequence_nr = next(_sequence)
        self._saved = {}
        self._freed = False

    # --- saved values -------------------------------------------------------------------------
    def save(self, /, **values):
        """Keep values for backward; tensors are kept with their version."""
        for name, value in values.items():
            self._saved[name] = SavedTensor(value) if hasattr(value, "_version_box") else value

    def __getattr__(self, name):
        if name.startswith("_saved_") and name[7:] in self.__dict__.get("_saved", ()):
            value = self._saved[name[7:]]
            if isinstance(value, SavedTensor):
                if self._freed:
                    raise RuntimeError(FREED_MESSAGE)
                return value.unpack()
            return value
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __dir__(self):
        return sorted(set(super().__dir__()) | {"_saved_" + name for name in self._saved})

    def release(self):
        """Free the saved tensors (the graph is spent unless retain_graph=True)."""
        self._freed = True
        for name, value in self._saved.items():
            if isinstance(value, SavedTensor):
                value.tensor = None

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
        return _add_hook(self, "_post_hooks", hook)

    def register_prehook(self, hook):
        """`hook(grad_outputs)` runs before this node; it may return new grad_outputs."""
        return _add_hook(self, "_pre_hooks", hook)

    def __repr__(self):
        return f"<{type(self).__name__} object at {hex(id(self))}>"

    def _repr_pretty_(self, printer, cycle):
        # IPython shows PyTorch's nodes as `<AddBackward0 at 0x...>`; so do we.
        printer.text(f"<{type(self).__name__} at {hex(id(self))}>")

    def __call__(self, *grad_outputs):
        return self.backward(*grad_outputs)


def _add_hook(owner, attribute, hook):
    hooks = owner.__dict__.setdefault(attribute, [])
    hooks.append(hook)
    return RemovableHandle(hooks, hook)


class AccumulateGrad(Node):
    """The end of a path: adds the arriving gradient into the leaf's `.grad`."""

    def __init__(self, variable):
        self.next_functions = ()
        self._input_meta = ()
        self._sequence_nr = float("inf")  # PyTorch runs these as soon as they are ready
        self._saved = {}
        self._freed = False
        self.variable = variable

    def name(self):
        return "torch::autograd::AccumulateGrad"

    def backward(self, grad):
        variable = self.variable
        for hook in variable._hooks or ():
            result = hook(grad)
            if result is not None:
                grad = result
        accumulate_grad(variable, grad, keep_graph=_GradMode.enabled)
        return ()


def accumulate_grad(tensor, grad, keep_graph):
    """tensor.grad += grad, as PyTorch does it: the first gradient is stored as a tensor of its
    own (never shared with another leaf); later ones are added in place unless a graph is kept."""
    if tensor.grad is None:
        tensor.grad = grad if keep_graph else grad.detach().clone()
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
    seen = set(map(id, stack))
    while stack:
        node = stack.pop()
        order.append(node)
        for child, _ in node.next_functions:
            if child is None:
                continue
            dependencies[child] = dependencies.get(child, 0) + 1
            if id(child) not in seen:
                seen.add(id(child))
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
    target_edges = [_edge(t) for t in inputs] if inputs is not None else []
    dependencies, order = _count_dependencies({node for node, _ in root_edges})
    needed = None
    if inputs is not None:
        target_nodes = {node for node, _ in target_edges}
        needed = _nodes_to_run(order, target_nodes)
        if not capture:  # accumulating: the named leaves' AccumulateGrad nodes run too
            needed |= {node for node in target_nodes if isinstance(node, AccumulateGrad)}
    captured = {edge: None for edge in target_edges} if capture else None
    # backward(inputs=[non-leaf]) accumulates into that tensor's .grad, as retain_grad would
    non_leaf_inputs = {} if capture or inputs is None else {
        edge: t for edge, t in zip(target_edges, inputs) if t.grad_fn is not None
    }

    buffers = {}
    for (node, nr), grad in zip(root_edges, root_grads):
        _add_to_buffer(buffers, node, nr, grad)

    ready = []
    for node in {node for node, _ in root_edges}:
        if dependencies.get(node, 0) == 0:
            heapq.heappush(ready, (-node._sequence_nr, id(node), node))

    previous_mode = _GradMode.enabled
    _GradMode.enabled = create_graph
    try:
        while ready:
            node = heapq.heappop(ready)[2]
            grads = buffers.pop(node, None) or [None] * node.num_outputs
            grad_inputs = _run_node(node, grads, needed, captured, non_leaf_inputs)
            if not retain_graph and grad_inputs is not None:
                node.release()
            for index, (child, nr) in enumerate(node.next_functions):
                if child is None:
                    continue
                if grad_inputs is not None and grad_inputs[index] is not None:
                    _add_to_buffer(buffers, child, nr, _conform(grad_inputs[index], node, index))
                dependencies[child] -= 1
                if dependencies[child] == 0:
                    heapq.heappush(ready, (-child._sequence_nr, id(child), child))
    finally:
        _GradMode.enabled = previous_mode
    if capture:
        return tuple(captured[edge] for edge in target_edges)
    return None


def _run_node(node, grads, needed, captured, non_leaf_inputs):
    """Run one node's hooks and backward; None when it is skipped (not needed, or no gradient)."""
    grads = _run_tensor_pre_hooks(node, grads)
    for nr, grad in enumerate(grads):
        if captured is not None and (node, nr) in captured:
            captured[(node, nr)] = grad
        if (node, nr) in non_leaf_inputs and grad is not None:
            accumulate_grad(non_leaf_inputs[(node, nr)], grad, keep_graph=_GradMode.enabled)
    if needed is not None and node not in needed:
        return None
    if all(grad is None for grad in grads):
        return None
    for hook in node.__dict__.get("_pre_hooks", ()):
        result = hook(tuple(grads))
        if result is not None:
            grads = list(result)
    grad_inputs = node.backward(*grads)
    if not isinstance(grad_inputs, tuple):
        grad_inputs = (grad_inputs,)
    for hook in node.__dict__.get("_post_hooks", ()):
        result = hook(grad_inputs, tuple(grads))
        if result is not None:
            grad_inputs = tuple(result)
    return grad_inputs


def _run_tensor_pre_hooks(node, grads):
    """Hooks registered on non-leaf tensors (`register_hook`, `retain_grad`) see the gradient of
    that tensor, which is the gradient arriving at its grad_fn for its output number."""
    tensor_hooks = node.__dict__.get("_tensor_hooks")
    if not tensor_hooks:
        return grads
    grads = list(grads)
    for nr, hooks in tensor_hooks.items():
        for hook in hooks:
            if grads[nr] is None:
                break
            result = hook(grads[nr])
            if result is not None:
                grads[nr] = result
    retained = node.__dict__.get("_retained", {})
    for nr, tensor_ref in retained.items():
        tensor = tensor_ref()
        if tensor is not None and grads[nr] is not None:
            accumulate_grad(tensor, grads[nr], keep_graph=_GradMode.enabled)
    return grads


def _add_to_buffer(buffers, node, nr, grad):
    buffer = buffers.get(node)
    if buffer is None:
        buffer = buffers[node] = [None] * node.num_outputs
    buffer[nr] = grad if buffer[nr] is None else buffer[nr] + grad


def _conform(grad, node, index):
    """Sum a broadcast gradient back to its input's shape and cast it to the input's dtype."""
    meta = node._input_meta[index]
    if meta is None:
        return grad
    shape, dtype = meta
    if grad._data.shape != shape:
        grad = sum_to(grad, shape, node, index)
    if grad._dtype is not dtype:
        grad = grad.to(dtype)
    return grad


def sum_to(grad, shape, node=None, index=0):
    """Undo broadcasting: sum `grad` over the dimensions that broadcasting added or stretched."""
    extra = grad.ndim - len(shape)
    stretched = tuple(i + extra for i, size in enumerate(shape) if size == 1 and grad.shape[i + extra] != 1)
    leading = tuple(range(extra))
    if extra < 0 or any(
        size not in (1, grad.shape[i + extra]) for i, size in enumerate(shape)
    ):
        name = node.name() if node is not None else "backward"
        raise RuntimeError(
            f"Function {name} returned an invalid gradient at index {index} - got "
            f"{list(grad.shape)} but expected shape compatible with {list(shape)}"
        )
    if leading or stretched:
        grad = grad.sum(leading + stretched, keepdim=True)
    return grad.reshape(shape) if grad._data.shape != shape else grad


def register_tensor_hook(tensor, hook):
    """tensor.register_hook for a non-leaf: the hook lives on its grad_fn, for its output number."""
    hooks = tensor.grad_fn.__dict__.setdefault("_tensor_hooks", {}).setdefault(tensor._output_nr, [])
    hooks.append(hook)
    return RemovableHandle(hooks, hook)


def retain_grad(tensor):
    tensor.grad_fn.__dict__.setdefault("_retained", {})[tensor._output_nr] = weakref.ref(tensor)
