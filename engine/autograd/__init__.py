"""torch.autograd: backward, grad, Function, grad modes and gradcheck."""
from . import function, graph
from .function import Function, FunctionCtx
from .grad_mode import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from .gradcheck import gradcheck
from .. import backend, tensor  # noqa: I001 - after graph, which the tensor module needs first


def _tensors(value):
    return (value,) if isinstance(value, tensor.Tensor) else tuple(value)


def _make_grads(outputs, grad_outputs):
    """The gradient each output starts from: ones for a scalar, else the one the user gave."""
    if grad_outputs is None:
        grad_outputs = (None,) * len(outputs)
    grads = []
    for index, (output, grad) in enumerate(zip(outputs, _tensors_or_none(grad_outputs, len(outputs)))):
        if not output.requires_grad:
            raise RuntimeError(
                f"element {index} of tensors does not require grad and does not have a grad_fn"
            )
        if grad is None:
            if output._data.size != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            # ones, not data * 0 + 1, which is nan where the output is inf or nan
            ones = backend.array_module(output._device).ones(output._data.shape, output._data.dtype)
            grads.append(tensor.wrap(ones, output._dtype, output._device))
            continue
        if not isinstance(grad, tensor.Tensor):
            raise TypeError(f"gradients can be either Tensors or None, but got {type(grad).__name__}")
        if grad.shape != output.shape:
            raise RuntimeError(
                f"Mismatch in shape: grad_output[{index}] has a shape of {grad.shape} and "
                f"output[{index}] has a shape of {output.shape}."
            )
        grads.append(grad)
    return grads


def _tensors_or_none(values, count):
    if values is None or isinstance(values, tensor.Tensor):
        return (values,) + (None,) * (count - 1)
    return tuple(values)


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None):
    """Accumulate into `.grad` of the leaves (or of `inputs`) the gradient of `tensors`."""
    outputs = _tensors(tensors)
    grads = _make_grads(outputs, grad_tensors)
    if inputs is not None:
        inputs = _tensors(inputs)
        if not inputs:
            raise RuntimeError("`inputs` argument to `backward()` cannot be empty.")
    graph.run_backward(
        outputs, grads, create_graph if retain_graph is None else retain_graph, create_graph, inputs
    )


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         allow_unused=None, materialize_grads=False):
    """The gradients of `outputs` with respect to `inputs`, returned instead of stored."""
    outputs, inputs = _tensors(outputs), _tensors(inputs)
    for input_ in inputs:
        if not input_.requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
    grads = _make_grads(outputs, grad_outputs)
    results = graph.run_backward(
        outputs, grads, create_graph if retain_graph is None else retain_graph, create_graph,
        inputs, capture=True,
    )
    if materialize_grads:
        allow_unused = True
        results = tuple(g if g is not None else t.detach() * 0 for g, t in zip(results, inputs))
    if not allow_unused:
        for index, result in enumerate(results):
            if result is None:
                raise RuntimeError(
                    f"The differentiated Tensor at index {index} appears to not have been used in "
                    "the graph. Set allow_unused=True if this is the desired behavior."
                )
    return results


__all__ = [
    "Function", "FunctionCtx", "backward", "grad", "gradcheck", "enable_grad", "is_grad_enabled",
    "no_grad", "set_grad_enabled", "function", "graph",
]
