"""Reductions: sum, mean, prod, max/min, norm, var/std, logsumexp, softmax."""
from .. import dtypes
from ..autograd.graph import Node
from ..tensor import _wrap_dim, attach, needs_grad, wrap
from ._binary import array_module


def _dims(dim, ndim):
    """A reduction's dims as a sorted tuple of non-negative ints; None or () means all."""
    if dim is None or dim == ():
        return tuple(range(ndim))
    dims = (dim,) if isinstance(dim, int) else tuple(dim)
    return tuple(sorted(_wrap_dim(d, ndim) for d in dims))


def _expand_back(grad, shape, dims, keepdim):
    """Spread a reduced gradient back over the reduced dims of `shape`."""
    if not keepdim:
        for d in dims:
            grad = grad.unsqueeze(d)
    return grad.expand(shape)


class SumBackward0(Node):
    def backward(self, grad):
        return (grad.expand(self._saved_self_sym_sizes),)


class SumBackward1(Node):
    def backward(self, grad):
        return (_expand_back(grad, self._saved_self_sym_sizes, self._saved_dim, self._saved_keepdim),)


def _sum_dtype(input, dtype):
    if dtype is not None:
        return dtype
    # integer and bool sums widen to int64, as in PyTorch
    return input._dtype if input._dtype.is_floating_point else dtypes.int64


def sum(input, dim=None, keepdim=False, *, dtype=None):  # noqa: A001 - PyTorch's name
    out_dtype = _sum_dtype(input, dtype)
    if dim is None:
        out = wrap(input._data.sum(dtype=out_dtype.numpy), out_dtype, input._device)
        if needs_grad(input):
            attach(out, SumBackward0(input)).grad_fn.save(self_sym_sizes=tuple(input.shape))
        return _as_array(out)
    dims = _dims(dim, input.ndim)
    out = wrap(input._data.sum(axis=dims, keepdims=keepdim, dtype=out_dtype.numpy), out_dtype, input._device)
    if needs_grad(input):
        attach(out, SumBackward1(input)).grad_fn.save(
            dim=dims, keepdim=keepdim, self_sym_sizes=tuple(input.shape)
        )
    return _as_array(out)


def _as_array(out):
    """numpy reduces to a scalar, not an array: keep a 0-d array so in-place ops and views work."""
    out._data = array_module(out).asarray(out._data)
    return out


class MeanBackward0(Node):
    def backward(self, grad):
        return (grad.expand(self._saved_self_sym_sizes) / self._saved_self_sym_numel,)


class MeanBackward1(Node):
    def backward(self, grad):
        return (_expand_back(grad, self._saved_self_sym_sizes, self._saved_dim, self._saved_keepdim)
                / self._saved_self_sym_numel,)


def mean(input, dim=None, keepdim=False, *, dtype=None):
    if not (dtype or input._dtype).is_floating_point:
        raise RuntimeError(
            "mean(): could not infer output dtype. Input dtype must be either a floating point or "
            f"complex dtype. Got: {_type_name(input._dtype)}"
        )
    out_dtype = dtype or input._dtype
    data = input._data if dtype is None else input._data.astype(dtype.numpy)
    if dim is None:
        out = _as_array(wrap(data.mean(dtype=out_dtype.numpy), out_dtype, input._device))
        if needs_grad(input):
            attach(out, MeanBackward0(input)).grad_fn.save(
                self_sym_sizes=tuple(input.shape), self_sym_numel=input.numel()
            )
        return out
    dims = _dims(dim, input.ndim)
    out = _as_array(wrap(data.mean(axis=dims, keepdims=keepdim, dtype=out_dtype.numpy), out_dtype, input._device))
    if needs_grad(input):
        count = 1
        for d in dims:
            count *= input.shape[d]
        attach(out, MeanBackward1(input)).grad_fn.save(
            dim=dims, keepdim=keepdim, self_sym_sizes=tuple(input.shape), self_sym_numel=count
        )
    return out


def _type_name(dtype):
    return {"int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}.get(dtype.name, dtype.name)
