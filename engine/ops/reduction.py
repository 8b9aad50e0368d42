"""Reductions: sum, mean, prod, max/min, amax/amin, norm, var/std, logsumexp, softmax.

Each backward first puts the reduced dims back into the gradient (`_restore`), so it broadcasts
against the input; the formulas are PyTorch's (derivatives in tools/autograd/FunctionsManual.cpp),
written in Tensor ops so that double backward works.

Nodes keep `_saved_dim` as the caller gave it, as PyTorch does (though PyTorch shows a negative
dim as its unsigned 64-bit wrap, 2**64 - 1 for -1); the backward wraps it again.
"""
import builtins
import math
import warnings

from .. import backend, dtypes
from ..autograd.grad_mode import _GradMode
from ..autograd.graph import Node
from ..tensor import Tensor, _wrap_dim, attach, needs_grad, wrap
from ._binary import array_module
from .pointwise import masked_fill, maximum, minimum, sign, where


def _given(dim):
    """A dims argument as PyTorch saves it: a tuple, in the caller's order and sign."""
    return tuple(dim) if isinstance(dim, (tuple, list)) else (dim,)


def _saved_dims(dim):
    return None if dim is None else _given(dim)


def _dims(dim, ndim):
    """A reduction's dims as a sorted tuple of non-negative ints; None or () means all.

    A 0-d tensor accepts dim 0 or -1 but has no axis to reduce, so it gets ()."""
    given = () if dim is None else _given(dim)
    if not given:
        return tuple(range(ndim))
    dims = [_wrap_dim(d, ndim) for d in given]
    for d in dims:
        if dims.count(d) > 1:
            raise RuntimeError(f"dim {d} appears multiple times in the list of dims")
    return tuple(sorted(dims)) if ndim else ()


def _count(shape, dims):
    count = 1
    for d in dims:
        count *= shape[d]
    return count


def _restore(tensor, dims, keepdim):
    """Put reduced dims back as size 1, so a reduced result broadcasts against the input."""
    if not keepdim:
        for d in dims:
            tensor = tensor.unsqueeze(d)
    return tensor


def _result(input, data, dtype):
    """The output tensor (numpy reduces to a scalar, which wrap makes a 0-d array)."""
    return wrap(data, dtype, input._device)


def _type_name(dtype):
    return {
        "float64": "Double", "float32": "Float", "float16": "Half", "int64": "Long", "int32": "Int",
        "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool",
    }[dtype.name]


def _check_autograd_dtype(input, dtype):
    if needs_grad(input) and not dtype.is_floating_point:
        raise RuntimeError(f"Autograd not support dtype: {_type_name(dtype)}")


# --- sum and mean -------------------------------------------------------------------------------
class SumBackward0(Node):
    def backward(self, grad):
        return (grad.expand(self._saved_self_sym_sizes),)


class SumBackward1(Node):
    def backward(self, grad):
        sizes = self._saved_self_sym_sizes
        dims = _dims(self._saved_dim, len(sizes))
        return (_restore(grad, dims, self._saved_keepdim).expand(sizes),)


def _sum_dtype(input, dtype):
    if dtype is not None:
        return dtype
    # integer and bool sums (and products) widen to int64, as in PyTorch
    return input._dtype if input._dtype.is_floating_point else dtypes.int64


def sum(input, dim=None, keepdim=False, *, dtype=None):  # noqa: A001 - PyTorch's name
    out_dtype = _sum_dtype(input, dtype)
    _check_autograd_dtype(input, out_dtype)
    if dim is None and not keepdim:
        out = _result(input, input._data.sum(dtype=out_dtype.numpy), out_dtype)
        if needs_grad(input):
            attach(out, SumBackward0(input)).grad_fn.save(self_sym_sizes=tuple(input.shape))
        return out
    dims = _dims(dim, input.ndim)
    out = _result(input, input._data.sum(axis=dims, keepdims=keepdim, dtype=out_dtype.numpy), out_dtype)
    if needs_grad(input):
        attach(out, SumBackward1(input)).grad_fn.save(
            dim=_saved_dims(dim), keepdim=keepdim, self_sym_sizes=tuple(input.shape)
        )
    return out


class MeanBackward0(Node):
    def backward(self, grad):
        return (grad.expand(self._saved_self_sym_sizes) / self._saved_self_sym_numel,)


class MeanBackward1(Node):
    def backward(self, grad):
        sizes = self._saved_self_sym_sizes
        dims = _dims(self._saved_dim, len(sizes))
        # NOTE: PyTorch saves the input's numel; the divisor is the count of one reduced slice
        return (_restore(grad, dims, self._saved_keepdim).expand(sizes) / _count(sizes, dims),)


def mean(input, dim=None, keepdim=False, *, dtype=None):
    if not (dtype or input._dtype).is_floating_point:
        raise RuntimeError(
            "mean(): could not infer output dtype. Input dtype must be either a floating point or "
            f"complex dtype. Got: {_type_name(dtype or input._dtype)}"
        )
    out_dtype = dtype or input._dtype
    data = input._data if dtype is None else input._data.astype(dtype.numpy)
    dims = _dims(dim, input.ndim)
    if _count(data.shape, dims):
        values = data.mean(axis=dims, keepdims=keepdim)
    else:  # the mean of nothing is nan, without numpy's "Mean of empty slice" warning
        shape = tuple(1 if d in dims else n for d, n in enumerate(data.shape) if keepdim or d not in dims)
        values = array_module(input).full(shape, math.nan, dtype=out_dtype.numpy)
    out = _result(input, values, out_dtype)
    if needs_grad(input):
        if dim is None and not keepdim:
            node = attach(out, MeanBackward0(input)).grad_fn
        else:
            node = attach(out, MeanBackward1(input)).grad_fn
            node.save(dim=_saved_dims(dim), keepdim=keepdim)
        node.save(self_sym_sizes=tuple(input.shape), self_sym_numel=input.numel())
    return out


# --- prod ---------------------------------------------------------------------------------------
class ProdBackward0(Node):
    def backward(self, grad):
        input = self._saved_self
        return (_prod_grad(grad, input, self._saved_result, tuple(range(input.ndim)), False),)


class ProdBackward1(Node):
    def backward(self, grad):
        input = self._saved_self
        return (_prod_grad(grad, input, self._saved_result, _dims(self._saved_dim, input.ndim),
                           self._saved_keepdim),)


def _prod_grad(grad, input, result, dims, keepdim):
    """d prod / d x_i is the product of the other elements of x_i's slice."""
    if input.ndim == 0:
        return grad
    grad, result = _restore(grad, dims, keepdim), _restore(result, dims, keepdim)
    zeros = input == 0
    if not zeros._data.any():
        return grad * (result / input)
    return grad * _product_of_others(input, zeros, dims)


def _product_of_others(input, zeros, dims):
    # NOTE: result / x is 0/0 where x == 0. Split each slice's product into its nonzero part P
    # (zeros counted as 1) and its zeros: the product of the others at i is P / x_i times the
    # zeros other than x_i. With k zeros in the slice that factor is 1 (k = 0, or k = 1 at the
    # zero), another zero x_z (k = 1 elsewhere, k = 2 at a zero), or 0. Keeping x_z as a tensor,
    # not the constant 0, keeps its derivative, so double backward is exact too.
    nonzero = where(zeros, 1.0, input)
    nonzero_product = _product_over(nonzero, dims)
    count = zeros.sum(dims, keepdim=True)
    zero_sum = where(zeros, input, 0.0).sum(dims, keepdim=True)  # 0, but it carries d/dx_z
    other_zeros = where(
        count == 0, 1.0,
        where(count == 1, where(zeros, 1.0, zero_sum),
              where(count == 2, where(zeros, zero_sum - input, 0.0), 0.0)),
    )
    return nonzero_product / nonzero * other_zeros


def _product_over(input, dims):
    """prod over several dims (keepdim), one dim at a time: prod takes a single dim."""
    for d in dims:
        input = prod(input, d, keepdim=True)
    return input


def prod(input, dim=None, keepdim=False, *, dtype=None):
    out_dtype = _sum_dtype(input, dtype)
    _check_autograd_dtype(input, out_dtype)
    if dim is None:
        out = _result(input, input._data.prod(dtype=out_dtype.numpy), out_dtype)
        if needs_grad(input):
            attach(out, ProdBackward0(input)).grad_fn.save(self=input, result=out)
        return out
    if not hasattr(dim, "__index__"):
        raise TypeError(
            f"prod() received an invalid combination of arguments - got ({type(dim).__name__}), "
            "but expected one of:\n * (*, torch.dtype dtype = None)\n"
            " * (int dim, bool keepdim = False, *, torch.dtype dtype = None)\n"
        )
    axis = _dims(dim, input.ndim)
    out = _result(input, input._data.prod(axis=axis, keepdims=keepdim, dtype=out_dtype.numpy), out_dtype)
    if needs_grad(input):
        attach(out, ProdBackward1(input)).grad_fn.save(dim=dim, keepdim=keepdim, self=input, result=out)
    return out


# --- max and min ----------------------------------------------------------------------------------
class ValuesIndices(tuple):
    """What max/min along a dim return, like torch.return_types.max: a (values, indices) pair
    whose parts are also named."""

    __slots__ = ()
    _op = ""

    def __new__(cls, values, indices):
        return tuple.__new__(cls, (values, indices))

    def __getnewargs__(self):  # pickling and copy rebuild it from its two parts
        return tuple(self)

    @property
    def values(self):
        return self[0]

    @property
    def indices(self):
        return self[1]

    def __repr__(self):
        return f"torch.return_types.{self._op}(\nvalues={self[0]!r},\nindices={self[1]!r})"


class MaxValuesIndices(ValuesIndices):
    __slots__ = ()
    _op = "max"


class MinValuesIndices(ValuesIndices):
    __slots__ = ()
    _op = "min"


class MaxBackward1(Node):
    def backward(self, grad):
        return (_evenly_distribute(grad, self._saved_self, self._saved_result),)


class MinBackward1(Node):
    def backward(self, grad):
        return (_evenly_distribute(grad, self._saved_self, self._saved_result),)


def _evenly_distribute(grad, input, value):
    # NOTE: every element equal to the max shares the gradient: k ties get grad / k each. A nan
    # max came from the nans, so they share it; elsewhere the gradient is exactly 0, even when
    # the incoming gradient is inf or nan.
    mask = input.isnan() if value.isnan().item() else input == value
    return where(mask, grad / mask.sum(), 0.0)


class MaxBackward0(Node):
    def backward(self, grad):
        return (_select_back(grad, self._saved_dim, self._saved_indices, self._saved_self_sym_sizes,
                             self._saved_keepdim),)


class MinBackward0(Node):
    def backward(self, grad):
        return (_select_back(grad, self._saved_dim, self._saved_indices, self._saved_self_sym_sizes,
                             self._saved_keepdim),)


def _select_back(grad, dim, indices, sizes, keepdim):
    """The gradient of picking one element per slice: the incoming gradient at the picked index
    (only one, even among ties), 0 elsewhere."""
    if not sizes:
        return grad
    d = _wrap_dim(dim, len(sizes))
    xp = array_module(grad)
    picked = indices._data if keepdim else xp.expand_dims(indices._data, d)
    positions = xp.arange(sizes[d]).reshape((-1,) + (1,) * (len(sizes) - d - 1))
    one_hot = wrap(positions == picked, dtypes.bool, grad._device)
    return where(one_hot, _restore(grad, (d,), keepdim), 0.0)


def max(input, dim=None, keepdim=False):  # noqa: A001 - PyTorch's name
    """max(input), max(input, dim, keepdim) -> (values, indices), or max(input, other) elementwise."""
    if isinstance(dim, Tensor):
        return maximum(input, dim)
    if dim is None:
        return _extreme(input, "max", MaxBackward1)
    return _extreme_along(input, dim, keepdim, "max", MaxBackward0, MaxValuesIndices)


def min(input, dim=None, keepdim=False):  # noqa: A001 - PyTorch's name
    """min(input), min(input, dim, keepdim) -> (values, indices), or min(input, other) elementwise."""
    if isinstance(dim, Tensor):
        return minimum(input, dim)
    if dim is None:
        return _extreme(input, "min", MinBackward1)
    return _extreme_along(input, dim, keepdim, "min", MinBackward0, MinValuesIndices)


def _extreme(input, name, node_class):
    if input.numel() == 0:
        raise RuntimeError(
            f"{name}(): Expected reduction dim to be specified for input.numel() == 0. Specify the "
            "reduction dim with the 'dim' argument."
        )
    xp = array_module(input)
    find = xp.max if name == "max" else xp.min  # both propagate nan, as PyTorch does
    out = _result(input, find(input._data), input._dtype)
    if needs_grad(input):
        attach(out, node_class(input)).grad_fn.save(self=input, result=out)
    return out


def _extreme_along(input, dim, keepdim, name, node_class, result_class):
    if not hasattr(dim, "__index__"):
        raise TypeError(
            f"{name}() received an invalid combination of arguments - got (Tensor, dim={type(dim).__name__}), "
            f"but expected one of:\n * (Tensor input, *, Tensor out = None)\n"
            f" * (Tensor input, Tensor other, *, Tensor out = None)\n"
            f" * (Tensor input, int dim, bool keepdim = False, *, tuple of Tensors out = None)\n"
        )
    d = _wrap_dim(dim, input.ndim)
    xp = array_module(input)
    data = input._data
    if data.ndim == 0:
        values, indices = data.copy(), xp.zeros((), dtype=dtypes.int64.numpy)
    else:
        if data.shape[d] == 0:
            raise IndexError(f"{name}(): Expected reduction dim {d} to have non-zero size.")
        find = xp.argmax if name == "max" else xp.argmin  # the first max; the first nan if any
        indices = find(data, axis=d, keepdims=True)
        values = xp.take_along_axis(data, indices, axis=d)
        if not keepdim:
            values, indices = values.squeeze(d), indices.squeeze(d)
    values = wrap(values, input._dtype, input._device)
    indices = wrap(indices.astype(dtypes.int64.numpy, copy=False), dtypes.int64, input._device)
    if needs_grad(input):
        attach(values, node_class(input)).grad_fn.save(
            dim=dim, indices=indices, keepdim=keepdim, self_sym_sizes=tuple(input.shape)
        )
    return result_class(values, indices)


class AmaxBackward0(Node):
    def backward(self, grad):
        return (_amax_grad(grad, self._saved_self, self._saved_result, self._saved_dim, self._saved_keepdim),)


class AminBackward0(Node):
    def backward(self, grad):
        return (_amax_grad(grad, self._saved_self, self._saved_result, self._saved_dim, self._saved_keepdim),)


def _amax_grad(grad, input, result, dim, keepdim):
    # NOTE: ties share evenly, as for max(); but PyTorch multiplies by the mask here, so a nan
    # in the slice (no element equals the nan result: 0 / 0) makes the slice's gradient nan
    dims = _dims(dim, input.ndim)
    grad, result = _restore(grad, dims, keepdim), _restore(result, dims, keepdim)
    mask = result == input
    return grad / mask.sum(dims, keepdim=True) * mask


def amax(input, dim=(), keepdim=False):
    return _amax(input, dim, keepdim, "amax", AmaxBackward0)


def amin(input, dim=(), keepdim=False):
    return _amax(input, dim, keepdim, "amin", AminBackward0)


def _amax(input, dim, keepdim, name, node_class):
    dim = () if dim is None else _given(dim)
    dims = _dims(dim, input.ndim)
    if input.numel() == 0:
        if not dim:
            raise RuntimeError(
                f"{name}(): Expected reduction dim to be specified for input.numel() == 0. Specify "
                "the reduction dim with the 'dim' argument."
            )
        for given in dim:
            if input.shape[_wrap_dim(given, input.ndim)] == 0:
                raise IndexError(f"{name}(): Expected reduction dim {given} to have non-zero size.")
    xp = array_module(input)
    find = xp.max if name == "amax" else xp.min
    out = _result(input, find(input._data, axis=dims, keepdims=keepdim), input._dtype)
    if needs_grad(input):
        attach(out, node_class(input)).grad_fn.save(dim=dim, keepdim=keepdim, result=out, self=input)
    return out


# --- norm ---------------------------------------------------------------------------------------
class LinalgVectorNormBackward0(Node):
    def backward(self, grad):
        input, norm, p = self._saved_self, self._saved_result, builtins.float(self._saved_ord)
        if p == 0:
            return (None,)  # a count of nonzeros: PyTorch gives no gradient at all
        dim = self._saved_dim
        dims = _dims(dim, input.ndim) if dim is not None else tuple(range(input.ndim))
        grad, norm = _restore(grad, dims, self._saved_keepdim), _restore(norm, dims, self._saved_keepdim)
        return (_norm_grad(grad, input, norm, p, dims),)


def _norm_grad(grad, input, norm, p, dims):
    # NOTE: at the zero vector the norm is not differentiable (x / |x| is 0/0); PyTorch gives 0
    # there for every p, by masking where norm == 0 (or x == 0 for p < 1)
    if p == 1:
        return sign(input) * grad
    if p == 2:
        return grad * masked_fill(input / norm, norm == 0, 0)
    if math.isinf(p):
        # amax(|x|) (or amin): ties share evenly; a nan entry is the max
        magnitude = input.abs()
        mask = (magnitude == norm) | magnitude.isnan()
        return sign(input) * (grad / mask.sum(dims, keepdim=True) * mask)
    if p < 1:
        scaled = sign(input) * masked_fill(input.abs() ** (p - 1), input == 0, 0)
        return scaled * grad * norm ** (1 - p)
    if p < 2:
        scaled = sign(input) * input.abs() ** (p - 1)
    else:
        scaled = input * input.abs() ** (p - 2)
    return scaled * masked_fill(grad / norm ** (p - 1), norm == 0, 0)


def norm(input, p="fro", dim=None, keepdim=False, dtype=None):
    """torch.norm: 'fro' and numbers are vector norms over `dim` (all of it by default)."""
    if isinstance(p, str):
        if p == "nuc":
            raise NotImplementedError("norm(p='nuc'): the nuclear norm is not supported by this engine")
        if p != "fro":
            raise RuntimeError(f"linalg.matrix_norm: Order {p} not supported.")
        if dim is not None and not isinstance(dim, int) and len(dim) > 2:
            raise RuntimeError(f"linalg.matrix_norm: dim must be a 2-tuple. Got {' '.join(map(str, dim))}")
        p = 2
    return vector_norm(input, 2.0 if p is None else p, dim, keepdim, dtype=dtype)


def vector_norm(input, ord=2, dim=None, keepdim=False, *, dtype=None):  # noqa: A002 - PyTorch's name
    """torch.linalg.vector_norm: (sum |x|**ord) ** (1/ord) over `dim`; ord may be 0 or +-inf."""
    if not input._dtype.is_floating_point:
        raise RuntimeError(
            "linalg.vector_norm: Expected a floating point or complex tensor as input. "
            f"Got {_type_name(input._dtype)}"
        )
    data = input._data
    if dtype is not None:
        if not dtype.is_floating_point:
            raise RuntimeError(
                f"linalg.vector_norm: dtype should be floating point or complex, but got {_type_name(dtype)}"
            )
        if dtypes.promote_types(input._dtype, dtype) is not dtype:
            raise RuntimeError(
                f"linalg.vector_norm: the dtype of the input ({_type_name(input._dtype)}) should be "
                f"convertible without narrowing to the specified dtype ({_type_name(dtype)})"
            )
        data = data.astype(dtype.numpy)
    dim = _saved_dims(dim)
    dims = _dims(dim, input.ndim)
    p = builtins.float(ord)
    if math.isinf(p) and input.numel() == 0:
        _check_empty_inf_norm(input, dim, ord)
    xp = array_module(input)
    magnitude = xp.abs(data)
    if p == 2:
        values = xp.sqrt((magnitude * magnitude).sum(axis=dims, keepdims=keepdim))
    elif p == 1:
        values = magnitude.sum(axis=dims, keepdims=keepdim)
    elif p == math.inf:
        values = magnitude.max(axis=dims, keepdims=keepdim)
    elif p == -math.inf:
        values = magnitude.min(axis=dims, keepdims=keepdim)
    elif p == 0:
        values = (data != 0).sum(axis=dims, keepdims=keepdim, dtype=data.dtype)
    else:
        values = (magnitude ** p).sum(axis=dims, keepdims=keepdim) ** (1 / p)
    out_dtype = dtype or input._dtype
    out = _result(input, values.astype(out_dtype.numpy, copy=False), out_dtype)
    if needs_grad(input):
        attach(out, LinalgVectorNormBackward0(input)).grad_fn.save(
            dim=dim, keepdim=keepdim, ord=ord, result=out, self=input
        )
    return out


def _check_empty_inf_norm(input, dim, ord):
    """max and min of nothing have no value: PyTorch refuses them rather than guess."""
    if not dim:
        raise RuntimeError(
            f"linalg.vector_norm cannot compute the {ord} norm on an empty tensor because the "
            "operation does not have an identity"
        )
    for given in dim:
        if input.shape[_wrap_dim(given, input.ndim)] == 0:
            raise RuntimeError(
                f"linalg.vector_norm cannot compute the {ord} norm on the dimension {given}because "
                "this dimension is empty and the operation does not have an identity"
            )


# --- var and std ------------------------------------------------------------------------------------
class VarBackward0(Node):
    def backward(self, grad):
        return (_var_grad(grad, self._saved_self, self._saved_dim, self._saved_correction,
                          self._saved_keepdim),)


class StdBackward0(Node):
    def backward(self, grad):
        result = self._saved_result
        # NOTE: std = sqrt(var); where std == 0 PyTorch gives 0, not grad / 0
        grad_var = masked_fill(grad / (result * 2), result == 0, 0)
        return (_var_grad(grad_var, self._saved_self, self._saved_dim, self._saved_correction,
                          self._saved_keepdim),)


def _var_grad(grad, input, dim, correction, keepdim):
    """d var / d x_i = 2 (x_i - mean) / (N - correction)."""
    correction = 1 if correction is None else correction
    if input.ndim == 0 or dim is None:
        dof = input.numel() - correction
        if dof <= 0:
            # NOTE: 2 / 0 is inf; PyTorch gives nan where x == mean (inf * 0) and inf elsewhere
            xp = array_module(input)
            at_mean = (input == input.mean())._data
            return grad * wrap(xp.where(at_mean, math.nan, math.inf).astype(input._dtype.numpy),
                               input._dtype, input._device)
        return (2.0 / dof) * grad * (input - input.mean())
    # NOTE: dim=() reduces every dim; PyTorch's formula counts no elements there (its gradient
    # comes out inf), so we count them all, as the forward did
    dims = _dims(dim, input.ndim)
    grad = _restore(grad, dims, keepdim)
    dof = _count(input.shape, dims) - correction
    scale = 2.0 / dof if dof != 0 else math.inf
    return scale * grad * (input - input.mean(dims, keepdim=True))


def var(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    return _moments(input, dim, unbiased, keepdim, correction, "var", VarBackward0)


def std(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    return _moments(input, dim, unbiased, keepdim, correction, "std", StdBackward0)


def _moments(input, dim, unbiased, keepdim, correction, name, node_class):
    if isinstance(dim, bool):  # x.var(True) means unbiased=True, as in PyTorch
        dim, unbiased = None, dim
    if unbiased is not None and correction is not None:
        raise TypeError(
            f"{name}() received an invalid combination of arguments - got unbiased and correction: "
            "pass one of them"
        )
    if not input._dtype.is_floating_point:
        raise RuntimeError("std and var only support floating point and complex dtypes")
    # the correction PyTorch's overloads record: var() -> None, var(dim) -> 1, unbiased -> 1 or 0
    if unbiased is not None:
        saved_correction = 1 if unbiased else 0
    elif correction is None and dim is not None:
        saved_correction = 1
    else:
        saved_correction = correction
    correction = 1 if saved_correction is None else saved_correction
    dim = _saved_dims(dim)
    dims = _dims(dim, input.ndim)
    xp = array_module(input)
    data = input._data
    count = _count(data.shape, dims)
    out_numel = _count(data.shape, [d for d in range(data.ndim) if d not in dims])
    if (data.size // out_numel if out_numel else 0) - correction <= 0:
        warnings.warn(
            f"{name}(): degrees of freedom is <= 0. Correction should be strictly less than the "
            "reduction factor (input numel divided by output numel).",
            UserWarning,
            stacklevel=4,
        )
    deviation = data - data.sum(axis=dims, keepdims=True) / count
    squares = (deviation * deviation).sum(axis=dims, keepdims=keepdim)
    # PyTorch divides by max(0, N - correction): 0 gives inf, or nan for all-equal values
    values = squares / builtins.max(0, count - correction)
    if name == "std":
        values = xp.sqrt(values)
    out = _result(input, values.astype(input._dtype.numpy, copy=False), input._dtype)
    if needs_grad(input):
        node = attach(out, node_class(input)).grad_fn
        node.save(correction=saved_correction, dim=dim, keepdim=keepdim, self=input)
        if name == "std":
            node.save(result=out)
    return out


# --- logsumexp and softmax ------------------------------------------------------------------------
class LogsumexpBackward0(Node):
    def backward(self, grad):
        input = self._saved_self
        dims = _dims(self._saved_dim, input.ndim)
        keepdim = self._saved_keepdim
        result = _restore(self._saved_result, dims, keepdim)
        return (_restore(grad, dims, keepdim) * (input - result).exp(),)


def _float_data(input):
    """Integer inputs compute in the default float dtype, as PyTorch's logsumexp does."""
    if input._dtype.is_floating_point:
        return input._data, input._dtype
    dtype = dtypes.get_default_dtype()
    return input._data.astype(dtype.numpy), dtype


def logsumexp(input, dim, keepdim=False):
    dims = _dims(dim, input.ndim)
    data, dtype = _float_data(input)
    xp = array_module(input)
    if data.size:
        # NOTE: log(sum(exp(x))) overflows; shift by the max first. An infinite max would
        # give inf - inf = nan, so it shifts by 0 instead (the answer is then +-inf anyway)
        shift = xp.max(data, axis=dims, keepdims=True)
        shift = xp.where(xp.isinf(shift), 0, shift).astype(data.dtype, copy=False)
        summed = xp.exp(data - shift).sum(axis=dims, keepdims=keepdim)
        values = xp.log(summed) + (shift if keepdim else shift.squeeze(dims))
    else:
        values = xp.log(xp.exp(data).sum(axis=dims, keepdims=keepdim))
    out = _result(input, values, dtype)
    if needs_grad(input):
        attach(out, LogsumexpBackward0(input)).grad_fn.save(
            dim=_given(dim), keepdim=keepdim, result=out, self=input
        )
    return out


class SoftmaxBackward0(Node):
    def backward(self, grad):
        result = self._saved_result
        dim = self._saved_dim
        return (result * (grad - (grad * result).sum(dim, keepdim=True)),)


class LogSoftmaxBackward0(Node):
    def backward(self, grad):
        result, dim = self._saved_result, self._saved_dim
        if not _GradMode.enabled and result.ndim:  # no graph to record: the same on the arrays
            g = grad._data
            g_sums = _reduced("sum", g, _wrap_dim(dim, g.ndim))
            return (wrap(g - array_module(grad).exp(result._data) * g_sums, grad._dtype, grad._device),)
        return (grad - result.exp() * grad.sum(dim, keepdim=True),)


def softmax(input, dim, dtype=None):
    return _softmax(input, dim, dtype, "softmax", SoftmaxBackward0)


def log_softmax(input, dim, dtype=None):
    return _softmax(input, dim, dtype, "log_softmax", LogSoftmaxBackward0)


def _softmax(input, dim, dtype, name, node_class):
    if dtype is not None:
        input = input.to(dtype)  # PyTorch converts first: a ToCopyBackward0 node below this one
    d = _wrap_dim(dim, input.ndim)
    if not input._dtype.is_floating_point:
        kernel = "lastdim_kernel_impl" if d == builtins.max(input.ndim - 1, 0) else "kernel_impl"
        raise NotImplementedError(f"\"{name}_{kernel}\" not implemented for '{_type_name(input._dtype)}'")
    xp = array_module(input)
    data = input._data
    axis = d if data.ndim else ()
    if data.size == 0:
        values = data.copy()
    else:
        # NOTE: exp overflows for large x; softmax is unchanged by subtracting the max
        shifted = data - _reduced("max", data, axis)
        exps = xp.exp(shifted)
        if name == "softmax":
            values = exps / _reduced("sum", exps, axis)
        else:
            values = shifted - xp.log(_reduced("sum", exps, axis))
    out = _result(input, values, input._dtype)
    if needs_grad(input):
        attach(out, node_class(input)).grad_fn.save(dim=dim, result=out)
    return out


def _reduced(reduction, data, axis):
    """`data` reduced ("sum" or "max") over `axis`, kept; a matrix's rows by the backend's kernel."""
    if data.ndim == 2 and axis == 1:
        return backend.reduce_rows(reduction, data)
    return getattr(data, reduction)(axis=axis, keepdims=True)


# --- cumulative sums and products -------------------------------------------------------------------
def _scan_dtype(input, dtype):
    """cumsum/cumprod's result dtype: as given, else the input's (integers and bool widen to int64)."""
    return _sum_dtype(input, dtype)


def _scan(input, dim, dtype, name):
    out_dtype = _scan_dtype(input, dtype)
    _check_autograd_dtype(input, out_dtype)
    d = _wrap_dim(dim, input.ndim)
    data = input._data
    if data.ndim == 0:
        values = data.astype(out_dtype.numpy)
    else:
        values = getattr(data, name)(axis=d, dtype=out_dtype.numpy)
    return _result(input, values, out_dtype)


def _reversed_cumsum(grad, dim):
    """sum over j >= i of grad_j, along dim: PyTorch's flip, cumsum, flip."""
    return grad.flip((dim,)).cumsum(dim).flip((dim,))


class CumsumBackward0(Node):
    def backward(self, grad):
        dim = self._saved_dim
        if grad.numel() <= 1 or grad.ndim == 0 or grad.shape[dim] == 1:
            return (grad,)
        return (_reversed_cumsum(grad, dim),)


def cumsum(input, dim, *, dtype=None):
    out = _scan(input, dim, dtype, "cumsum")
    if needs_grad(input):
        attach(out, CumsumBackward0(input)).grad_fn.save(dim=dim)
    return out


class CumprodBackward0(Node):
    def backward(self, grad):
        input, result, dim = self._saved_self, self._saved_result, self._saved_dim
        if input.numel() <= 1 or input.ndim == 0:
            return (grad,)
        d = _wrap_dim(dim, input.ndim)
        grad = grad if grad._dtype is input._dtype else grad.to(input._dtype)
        result = result if result._dtype is input._dtype else result.to(input._dtype)
        if not (input == 0)._data.any():
            return (_reversed_cumsum(grad * result, d) / input,)
        return (_cumprod_grad_with_zeros(grad, input, d),)


def _cumprod_grad_with_zeros(grad, input, d):
    # NOTE: result / x is 0/0 at a zero. Written out instead: d out_j / d x_k (j >= k) is the
    # product of x_i for i <= j, i != k: the product before k times the product of (k, j].
    # One slice of dim at a time, in Tensor ops, so double backward works too.
    from .shape import cat, slice_along

    size = input.shape[d]
    pieces = []
    for k in range(size):
        before = prod(slice_along(input, d, 0, k), d, keepdim=True) if k else None
        after = slice_along(input, d, k + 1, size)
        ones_shape = input.shape[:d] + (1,) + input.shape[d + 1:]
        ones = wrap(array_module(input).ones(ones_shape, dtype=input._dtype.numpy), input._dtype, input._device)
        running = cat([ones, cumprod(after, d)], d) if k + 1 < size else ones
        piece = (slice_along(grad, d, k, size) * running).sum(d, keepdim=True)
        pieces.append(piece if before is None else piece * before)
    return cat(pieces, d)


def cumprod(input, dim, *, dtype=None):
    out = _scan(input, dim, dtype, "cumprod")
    if needs_grad(input):
        attach(out, CumprodBackward0(input)).grad_fn.save(dim=dim, result=out, self=input)
    return out


# --- sort and topk ------------------------------------------------------------------------------------
class SortValuesIndices(ValuesIndices):
    __slots__ = ()
    _op = "sort"


class TopkValuesIndices(ValuesIndices):
    __slots__ = ()
    _op = "topk"


class SortBackward0(Node):
    """sort(dim, descending)"""

    def backward(self, grad):
        return (_unsort(grad, self),)


class SortBackward1(Node):
    """sort(stable=..., dim, descending)"""

    def backward(self, grad):
        return (_unsort(grad, self),)


class TopkBackward0(Node):
    def backward(self, grad):
        return (_unsort(grad, self),)


def _unsort(grad, node):
    """Each value's gradient back at the place it came from; 0 where topk left a value out."""
    from .indexing import scatter_into_zeros

    return scatter_into_zeros(grad, node._saved_self_sym_sizes, node._saved_dim, node._saved_indices)


def _sorted_order(xp, data, d, descending):
    """Indices that sort `data` along `d`, ties in their original order (PyTorch's CPU sort is
    stable); nan counts as the largest value, as in PyTorch."""
    if not descending:
        return xp.argsort(data, axis=d, kind="stable")
    # NOTE: stable descending order is the reverse of a stable ascending sort of the reversed
    # data: ties come out in their original order, and nan (last ascending) first
    size = data.shape[d]
    order = xp.argsort(xp.flip(data, axis=d), axis=d, kind="stable")
    return (size - 1) - xp.flip(order, axis=d)


def sort(input, dim=-1, descending=False, *, stable=None):
    node_class = SortBackward0 if stable is None else SortBackward1
    values, indices = _pick_sorted(input, dim, descending, None)
    if needs_grad(input):
        attach(values, node_class(input)).grad_fn.save(
            dim=dim, indices=indices, self_sym_sizes=tuple(input.shape)
        )
    return SortValuesIndices(values, indices)


def argsort(input, dim=-1, descending=False, *, stable=False):
    return _pick_sorted(input, dim, descending, None)[1]


def topk(input, k, dim=-1, largest=True, sorted=True):  # noqa: A002 - PyTorch's name
    d = _wrap_dim(dim, input.ndim)
    if input._dtype is dtypes.bool:
        raise RuntimeError("topk does not support bool dtypes on CPU")
    size = input.shape[d] if input.ndim else 1
    if not 0 <= k <= size:
        raise RuntimeError("selected index k out of range")
    values, indices = _pick_sorted(input, dim, largest, k)
    if needs_grad(input):
        attach(values, TopkBackward0(input)).grad_fn.save(
            dim=dim, indices=indices, self_sym_sizes=tuple(input.shape)
        )
    return TopkValuesIndices(values, indices)


def _pick_sorted(input, dim, descending, k):
    """(values, indices) of `input` sorted along dim, the first k of them if k is given."""
    d = _wrap_dim(dim, input.ndim)
    xp = array_module(input)
    data = input._data
    if data.ndim == 0:
        values, order = data.copy(), xp.zeros((), dtype=dtypes.int64.numpy)
        if k == 0:
            raise RuntimeError("selected index k out of range")
    else:
        order = _sorted_order(xp, data, d, descending)
        if k is not None:
            order = order[(slice(None),) * d + (slice(0, k),)]
        values = xp.take_along_axis(data, order, axis=d)
    values = wrap(values, input._dtype, input._device)
    indices = wrap(order.astype(dtypes.int64.numpy, copy=False), dtypes.int64, input._device)
    return values, indices
