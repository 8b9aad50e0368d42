"""Shape ops: reshape/view, transpose/permute, squeeze/unsqueeze, expand, cat/stack, split,
and dtype/device moves. Their backward moves the gradient back into the input's shape."""
from .. import backend, dtypes
from ..autograd.graph import Node
from ..tensor import Tensor, _wrap_dim, attach, needs_grad, wrap


def _view_of(input, data):
    """A view shares its base's version counter: in-place changes to either are seen by both."""
    return wrap(data, input._dtype, input._device, version_box=input._version_box)


# --- reshape ----------------------------------------------------------------------------------
class ViewBackward0(Node):
    def backward(self, grad):
        return (grad.reshape(self._saved_self_sym_sizes),)


def _infer_shape(shape, numel):
    shape = list(shape)
    if shape.count(-1) > 1:
        raise RuntimeError("only one dimension can be inferred")
    known = 1
    for size in shape:
        if size != -1:
            known *= size
    if -1 in shape:
        if known == 0 or numel % known:
            raise RuntimeError(f"shape '{shape}' is invalid for input of size {numel}")
        shape[shape.index(-1)] = numel // known
    elif known != numel:
        raise RuntimeError(f"shape '{shape}' is invalid for input of size {numel}")
    return tuple(shape)


def reshape(input, shape):
    shape = _infer_shape(shape, input._data.size)
    out = _view_of(input, input._data.reshape(shape))
    if needs_grad(input):
        attach(out, ViewBackward0(input)).grad_fn.save(self_sym_sizes=tuple(input._data.shape))
    return out


view = reshape


# --- expand ---------------------------------------------------------------------------------------
class ExpandBackward0(Node):
    def backward(self, grad):
        return (grad,)  # the executor sums it back to the input's shape


def expand(input, sizes):
    shape = input._data.shape
    extra = len(sizes) - len(shape)
    if extra < 0:
        raise RuntimeError(
            f"expand({input.type()}{{{list(shape)}}}, size={list(sizes)}): the number of sizes "
            "provided (%d) must be greater or equal to the number of dimensions in the tensor (%d)"
            % (len(sizes), len(shape))
        )
    target = tuple(
        (shape[i - extra] if size == -1 and i >= extra else size) for i, size in enumerate(sizes)
    )
    for i, size in enumerate(shape):
        if size != 1 and size != target[i + extra]:
            raise RuntimeError(
                f"The expanded size of the tensor ({target[i + extra]}) must match the existing size "
                f"({size}) at non-singleton dimension {i + extra}.  Target sizes: {list(sizes)}.  "
                f"Tensor sizes: {list(shape)}"
            )
    if target == shape:
        data = input._data
    else:
        data = backend.array_module(input._device).broadcast_to(input._data, target)
    out = _view_of(input, data)
    if needs_grad(input):
        attach(out, ExpandBackward0(input)).grad_fn.save(self_sym_sizes=tuple(shape))
    return out


class UnsqueezeBackward0(Node):
    def backward(self, grad):
        return (grad.squeeze(self._saved_dim),)


def unsqueeze(input, dim):
    dim = _wrap_dim(dim, input.ndim + 1)
    out = _view_of(input, backend.array_module(input._device).expand_dims(input._data, dim))
    if needs_grad(input):
        attach(out, UnsqueezeBackward0(input)).grad_fn.save(dim=dim)
    return out


class SqueezeBackward0(Node):
    def backward(self, grad):
        return (grad.reshape(self._saved_self_sym_sizes),)


class SqueezeBackward1(Node):
    def backward(self, grad):
        return (grad.reshape(self._saved_self_sym_sizes),)


def squeeze(input, dim=None):
    shape = input._data.shape
    if dim is None:
        out = _view_of(input, input._data.reshape(tuple(s for s in shape if s != 1)))
        node_class = SqueezeBackward0
    else:
        d = _wrap_dim(dim, input.ndim)
        kept = tuple(s for i, s in enumerate(shape) if i != d or s != 1)
        out = _view_of(input, input._data.reshape(kept))
        node_class = SqueezeBackward1
    if needs_grad(input):
        node = attach(out, node_class(input)).grad_fn
        node.save(self_sym_sizes=tuple(shape))
        if dim is not None:
            node.save(dim=d)
    return out


# --- copies between dtypes and devices ---------------------------------------------------------
class CloneBackward0(Node):
    def backward(self, grad):
        return (grad,)


def clone(input):
    out = wrap(input._data.copy(), input._dtype, input._device)
    if needs_grad(input):
        attach(out, CloneBackward0(input))
    return out


class ToCopyBackward0(Node):
    def backward(self, grad):
        return (grad.to(self._saved_self_device),)  # the executor casts the dtype back


def _parse_to(args, kwargs):
    """`.to(dtype)`, `.to(device)`, `.to(device, dtype)`, `.to(other_tensor)`, keywords too."""
    dtype, device = kwargs.get("dtype"), kwargs.get("device")
    for arg in args:
        if isinstance(arg, dtypes.dtype):
            dtype = arg
        elif isinstance(arg, Tensor):
            dtype, device = arg._dtype, arg._device
        elif isinstance(arg, (str, backend.device)):
            device = arg
        else:
            raise TypeError(f"to() received an invalid combination of arguments - got ({type(arg).__name__})")
    return dtype, device


def to(input, *args, **kwargs):
    dtype, device = _parse_to(args, kwargs)
    dtype = dtype or input._dtype
    device = input._device if device is None else backend.canonical(device)
    if dtype is input._dtype and device == input._device and not kwargs.get("copy"):
        return input
    data = input._data
    if device != input._device:
        data = backend.to_device(data, device)
    out = wrap(data.astype(dtype.numpy, copy=data is input._data), dtype, device)
    if needs_grad(input) and dtype.is_floating_point:
        attach(out, ToCopyBackward0(input)).grad_fn.save(self_device=input._device)
    return out
