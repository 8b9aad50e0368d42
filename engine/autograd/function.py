"""Custom differentiable functions: `class F(Function)` with static forward/backward, `F.apply`.

As in PyTorch, the node a custom function leaves in the graph is also the `ctx` its forward and
backward receive, and it is named after the class: `MulConstant` -> `MulConstantBackward`.
"""
from .grad_mode import no_grad
from .graph import FREED_MESSAGE, Node, SavedTensor


class FunctionCtx:
    """What forward and backward share: saved tensors, flags, and any attribute set on it."""

    def save_for_backward(self, *tensors):
        self._to_save = tensors

    @property
    def saved_tensors(self):
        if self._freed:
            raise RuntimeError(FREED_MESSAGE)
        return tuple(
            saved.unpack() if isinstance(saved, SavedTensor) else saved for saved in self._saved_list
        )

    def mark_dirty(self, *tensors):
        self._dirty = tensors

    def mark_non_differentiable(self, *tensors):
        self._non_differentiable = {id(t) for t in tensors}

    def set_materialize_grads(self, value):
        self.materialize_grads = value


class BackwardCFunction(FunctionCtx, Node):
    """The node of one call of a custom Function."""

    _forward_cls = None
    materialize_grads = True
    user_defined = True

    def __init__(self, args):
        from ..tensor import Tensor

        tensors = [a for a in args if isinstance(a, Tensor)]
        Node.__init__(self, *tensors)
        self._arg_is_tensor = [isinstance(a, Tensor) for a in args]
        self.needs_input_grad = tuple(isinstance(a, Tensor) and a.requires_grad for a in args)
        self._to_save = ()
        self._saved_list = ()
        self.num_outputs = 1

    def release(self):
        Node.release(self)
        if self._saved_list:
            self._freed = True  # ctx.saved_tensors now raises, as in PyTorch
        self._saved_list = ()

    def backward(self, *grad_outputs):
        if self.materialize_grads:
            grad_outputs = tuple(
                g if g is not None else _zeros_like(out) for g, out in zip(grad_outputs, self._outputs_meta)
            )
        grads = self._forward_cls.backward(self, *grad_outputs)
        if not isinstance(grads, tuple):
            grads = (grads,)
        expected = len(self._arg_is_tensor)
        if len(grads) > expected and all(g is None for g in grads[expected:]):
            grads = grads[:expected]  # PyTorch lets extra gradients through when they are None
        if len(grads) != expected:
            raise RuntimeError(
                f"function {self.name()} returned an incorrect number of gradients (expected "
                f"{expected}, got {len(grads)})"
            )
        for position, (grad, is_tensor) in enumerate(zip(grads, self._arg_is_tensor)):
            if grad is not None and not is_tensor:
                raise RuntimeError(
                    f"function {self.name()} returned a gradient different than None at position "
                    f"{position + 1}, but the corresponding forward input was not a Variable"
                )
        return tuple(g for g, is_tensor in zip(grads, self._arg_is_tensor) if is_tensor)


def _zeros_like(meta):
    from .. import factories

    shape, dtype, device = meta
    return factories.zeros(shape, dtype=dtype, device=device)


class Function:
    """Subclass with `@staticmethod forward(ctx, *args)` and `@staticmethod backward(ctx, *grads)`;
    call it as `MyFunction.apply(*args)`."""

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls._backward_cls = type(cls.__name__ + "Backward", (BackwardCFunction,), {"_forward_cls": cls})

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError(
            "You must implement the forward function for custom autograd.Function."
        )

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError(
            "You must implement either the backward or vjp method for your custom "
            "autograd.Function to use it with backward mode AD."
        )

    @classmethod
    def apply(cls, *args, **kwargs):
        from ..tensor import Tensor, needs_grad, wrap

        node = cls._backward_cls(args)
        with no_grad():
            outputs = cls.forward(node, *args, **kwargs)
        is_tuple = isinstance(outputs, tuple)
        outputs = outputs if is_tuple else (outputs,)
        record = needs_grad(*args)
        inputs = {id(a) for a in args if isinstance(a, Tensor)}
        non_differentiable = getattr(node, "_non_differentiable", set())
        results = []
        for nr, output in enumerate(outputs):
            if isinstance(output, Tensor):
                if nr == 0 and record:
                    node._out_shape, node._out_dtype = output._data.shape, output._dtype
                if id(output) in inputs:  # an input returned as is: a new tensor on the same values
                    output = wrap(output._data, output._dtype, output._device, version_box=output._version_box)
                if record and id(output) not in non_differentiable and output._dtype.is_floating_point:
                    output.grad_fn, output._output_nr = node, nr
            results.append(output)
        if record:
            node.num_outputs = len(outputs)
            node._outputs_meta = [
                (o.shape, o._dtype, o._device) if isinstance(o, Tensor) else ((), None, None) for o in results
            ]
            node._saved_list = tuple(SavedTensor(t) if t is not None else None for t in node._to_save)
        return tuple(results) if is_tuple else results[0]


class once_differentiable:  # noqa: N801 - PyTorch's name
    """Marks a backward that is not itself differentiable; here it simply runs it."""

    def __new__(cls, function):
        return function
