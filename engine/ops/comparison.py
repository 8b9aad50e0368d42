"""Comparisons and logic: boolean results, outside the graph."""
from .. import dtypes
from ..tensor import wrap
from . import arithmetic
from ._binary import array_module, operands


def _compare(input, other, compute):
    a, b, _, device = operands(input, other)
    try:
        data = compute(a, b)
    except ValueError:
        raise arithmetic.shape_error(input, other) from None
    return wrap(data, dtypes.bool, device)


def eq(input, other):
    return _compare(input, other, lambda a, b: a == b)


def ne(input, other):
    return _compare(input, other, lambda a, b: a != b)


def lt(input, other):
    return _compare(input, other, lambda a, b: a < b)


def le(input, other):
    return _compare(input, other, lambda a, b: a <= b)


def gt(input, other):
    return _compare(input, other, lambda a, b: a > b)


def ge(input, other):
    return _compare(input, other, lambda a, b: a >= b)


def logical_and(input, other):
    return _compare(input, other, lambda a, b: array_module(input).logical_and(a, b))


def logical_or(input, other):
    return _compare(input, other, lambda a, b: array_module(input).logical_or(a, b))


def logical_xor(input, other):
    return _compare(input, other, lambda a, b: array_module(input).logical_xor(a, b))


def logical_not(input):
    return wrap(array_module(input).logical_not(input._data), dtypes.bool, input._device)


def isnan(input):
    return wrap(array_module(input).isnan(input._data), dtypes.bool, input._device)


def isinf(input):
    return wrap(array_module(input).isinf(input._data), dtypes.bool, input._device)


def isfinite(input):
    return wrap(array_module(input).isfinite(input._data), dtypes.bool, input._device)


def equal(input, other):
    return input.shape == other.shape and bool((input._data == other._data).all())


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    return bool(array_module(input).allclose(input._data, other._data, rtol, atol, equal_nan))


def _axis(dim):
    return tuple(dim) if isinstance(dim, (list, tuple)) else dim


def any(input, dim=None, keepdim=False):  # noqa: A001 - PyTorch's name
    return _logical_reduction(input, dim, keepdim, "any")


def all(input, dim=None, keepdim=False):  # noqa: A001 - PyTorch's name
    return _logical_reduction(input, dim, keepdim, "all")


def _logical_reduction(input, dim, keepdim, name):
    """any/all: bool, except that a uint8 input gives uint8 0 or 1, as in PyTorch."""
    from .reduction import _dims

    axis = None if dim is None else _dims(dim, input._data.ndim)
    data = getattr(input._data, name)(axis=axis, keepdims=keepdim and dim is not None)
    if input._dtype is dtypes.uint8:
        return wrap(data.astype(dtypes.uint8.numpy), dtypes.uint8, input._device)
    return wrap(data, dtypes.bool, input._device)


def argmax(input, dim=None, keepdim=False):
    data = input._data.argmax(axis=dim, keepdims=keepdim and dim is not None)
    return wrap(array_module(input).asarray(data, dtype="int64"), dtypes.int64, input._device)


def argmin(input, dim=None, keepdim=False):
    data = input._data.argmin(axis=dim, keepdims=keepdim and dim is not None)
    return wrap(array_module(input).asarray(data, dtype="int64"), dtypes.int64, input._device)
