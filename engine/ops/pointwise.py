"""Elementwise math: each op's forward beside its backward node, as PyTorch names it."""
import math
import numbers

from .. import backend
from ..autograd.graph import Node
from ..dtypes import get_default_dtype, result_type
from ..tensor import Tensor, attach, needs_grad, wrap
from . import arithmetic  # as a module: it may still be loading when this one starts
from ._binary import array_module, common_device, data_on, operands


def _float_data(input):
    """Floating ops on integer tensors compute in the default float dtype, as PyTorch does."""
    if input._dtype.is_floating_point:
        return input._data, input._dtype
    dtype = get_default_dtype()
    return input._data.astype(dtype.numpy), dtype


def _unary(input, compute, node_class, save):
    """Run `compute(xp, data)`; record `node_class` saving `self` (the input) or `result`."""
    data, dtype = _float_data(input)
    out = arithmetic.result(compute(array_module(input), data), dtype, input._device)
    if needs_grad(input):
        node = attach(out, node_class(input)).grad_fn
        node.save(**{save: input if save == "self" else out})
    return out


# --- exponentials and logarithms ----------------------------------------------------------------
class ExpBackward0(Node):
    def backward(self, grad):
        return (grad * self._saved_result,)


def exp(input):
    return _unary(input, lambda xp, a: xp.exp(a), ExpBackward0, "result")


class LogBackward0(Node):
    def backward(self, grad):
        return (grad / self._saved_self,)


def log(input):
    return _unary(input, lambda xp, a: xp.log(a), LogBackward0, "self")


class Log1PBackward0(Node):
    def backward(self, grad):
        return (grad / (self._saved_self + 1),)


def log1p(input):
    return _unary(input, lambda xp, a: xp.log1p(a), Log1PBackward0, "self")


class SqrtBackward0(Node):
    def backward(self, grad):
        return (grad / (2 * self._saved_result),)


def sqrt(input):
    return _unary(input, lambda xp, a: xp.sqrt(a), SqrtBackward0, "result")


class RsqrtBackward0(Node):
    def backward(self, grad):
        result = self._saved_result
        return (-0.5 * grad * result * result * result,)


def rsqrt(input):
    return _unary(input, lambda xp, a: 1 / xp.sqrt(a), RsqrtBackward0, "result")


class Log2Backward0(Node):
    def backward(self, grad):
        return (grad / (self._saved_self * math.log(2.0)),)


def log2(input):
    return _unary(input, lambda xp, a: xp.log2(a), Log2Backward0, "self")


class Log10Backward0(Node):
    def backward(self, grad):
        return (grad / (self._saved_self * math.log(10.0)),)


def log10(input):
    return _unary(input, lambda xp, a: xp.log10(a), Log10Backward0, "self")


def square(input):
    return arithmetic.pow(input, 2)  # as PyTorch: the graph records PowBackward0 (exponent 2)


# --- trigonometry and squashing -----------------------------------------------------------------
class SinBackward0(Node):
    def backward(self, grad):
        return (grad * self._saved_self.cos(),)


def sin(input):
    return _unary(input, lambda xp, a: xp.sin(a), SinBackward0, "self")


class CosBackward0(Node):
    def backward(self, grad):
        return (grad * -self._saved_self.sin(),)


def cos(input):
    return _unary(input, lambda xp, a: xp.cos(a), CosBackward0, "self")


class TanBackward0(Node):
    def backward(self, grad):
        result = self._saved_result
        return (grad * (1 + result * result),)


def tan(input):
    return _unary(input, lambda xp, a: xp.tan(a), TanBackward0, "result")


class SinhBackward0(Node):
    def backward(self, grad):
        return (grad * self._saved_self.cosh(),)


def sinh(input):
    return _unary(input, lambda xp, a: xp.sinh(a), SinhBackward0, "self")


class CoshBackward0(Node):
    def backward(self, grad):
        return (grad * self._saved_self.sinh(),)


def cosh(input):
    return _unary(input, lambda xp, a: xp.cosh(a), CoshBackward0, "self")


class TanhBackward0(Node):
    def backward(self, grad):
        result = self._saved_result
        return (grad * (1 - result * result),)


def tanh(input):
    return _unary(input, lambda xp, a: xp.tanh(a), TanhBackward0, "result")


class SigmoidBackward0(Node):
    def backward(self, grad):
        result = self._saved_result
        return (grad * result * (1 - result),)


def _sigmoid(xp, a):
    # NOTE: 1/(1+exp(-a)) overflows exp for large negative a; split by sign to stay finite
    e = xp.exp(-xp.abs(a))
    return xp.where(a >= 0, 1 / (1 + e), e / (1 + e)).astype(a.dtype, copy=False)


def sigmoid(input):
    return _unary(input, _sigmoid, SigmoidBackward0, "result")


# --- piecewise ------------------------------------------------------------------------------------
class ReluBackward0(Node):
    def backward(self, grad):
        return (_threshold_backward(grad, self._saved_result),)


class ThresholdBackwardBackward0(Node):
    def backward(self, grad):
        # linear in the incoming gradient, piecewise constant in self
        return (
            _threshold_backward(grad, self._saved_self) if self.should_compute_output(0) else None,
            arithmetic._zeros_like(grad) if self.should_compute_output(1) else None,
        )


def _threshold_backward(grad, result):
    """relu's gradient, an op of its own as PyTorch's threshold_backward (so double backward
    records it): grad, zeroed where result <= 0."""
    # NOTE: relu'(0) is 0 in PyTorch: zeroed where result <= 0, not where input < 0, and passed
    # on where result is nan
    out = wrap(backend.zero_where(grad._data, result._data <= 0), grad._dtype, grad._device)
    if needs_grad(grad, result):
        attach(out, ThresholdBackwardBackward0(grad, result)).grad_fn.save(self=result, threshold=0)
    return out


def relu(input):
    if input._dtype.name == "bool":
        raise RuntimeError("Boolean inputs not supported for relu")
    # NOTE: not data * (data > 0), which turns negatives into -0.0 (printed "-0.")
    data = backend.maximum_with_zero(array_module(input), input._data)
    out = arithmetic.result(data, input._dtype, input._device)
    if needs_grad(input):
        attach(out, ReluBackward0(input)).grad_fn.save(result=out)
    return out


class AbsBackward0(Node):
    def backward(self, grad):
        return (grad * sign(self._saved_self),)  # NOTE: abs'(0) is sign(0) = 0


def abs(input):  # noqa: A001 - PyTorch's name
    if input._dtype.name == "bool":
        raise NotImplementedError("\"abs_cpu\" not implemented for 'Bool'")
    out = arithmetic.result(array_module(input).abs(input._data), input._dtype, input._device)
    if needs_grad(input):
        attach(out, AbsBackward0(input)).grad_fn.save(self=input)
    return out


absolute = abs


# --- rounding: piecewise constant, so the gradient is zero -----------------------------------------
class FloorBackward0(Node):
    def backward(self, grad):
        return (grad * 0,)


class CeilBackward0(Node):
    def backward(self, grad):
        return (grad * 0,)


class TruncBackward0(Node):
    def backward(self, grad):
        return (grad * 0,)


class RoundBackward0(Node):
    def backward(self, grad):
        return (grad * 0,)


class RoundBackward1(Node):
    """round with decimals="""

    def backward(self, grad):
        return (grad * 0,)


def _rounded(input, compute, node_class, kernel):
    """An integer tensor is already whole: a copy of it, as PyTorch gives."""
    if input._dtype.name == "bool":
        raise NotImplementedError(f"\"{kernel}\" not implemented for 'Bool'")
    data = input._data
    data = compute(array_module(input), data) if input._dtype.is_floating_point else data.copy()
    out = arithmetic.result(data, input._dtype, input._device)
    if needs_grad(input):
        attach(out, node_class(input))
    return out


def floor(input):
    return _rounded(input, lambda xp, a: xp.floor(a), FloorBackward0, "floor_vml_cpu")


def ceil(input):
    return _rounded(input, lambda xp, a: xp.ceil(a), CeilBackward0, "ceil_vml_cpu")


def trunc(input):
    return _rounded(input, lambda xp, a: xp.trunc(a), TruncBackward0, "trunc_vml_cpu")


def round(input, *, decimals=None):  # noqa: A001 - PyTorch's name
    # NOTE: halves go to the even neighbour (rint), as in PyTorch: round(2.5) is 2
    if decimals is None:
        return _rounded(input, lambda xp, a: xp.rint(a), RoundBackward0, "round_vml_cpu")
    if not input._dtype.is_floating_point:
        raise NotImplementedError(f"\"round_cpu\" not implemented for '{_type_name(input._dtype)}'")
    return _rounded(input, lambda xp, a: xp.round(a, decimals), RoundBackward1, "round_cpu")


class SignBackward0(Node):
    def backward(self, grad):
        return (grad * 0,)  # piecewise constant


def sign(input):
    out = arithmetic.result(array_module(input).sign(input._data), input._dtype, input._device)
    if needs_grad(input):
        attach(out, SignBackward0(input))
    return out


class ClampBackward1(Node):
    """clamp with Python-number bounds."""

    def backward(self, grad):
        # NOTE: at a bound the gradient passes (PyTorch's mask is min <= x <= max, inclusive)
        return (grad * _inside(self._saved_self, self._saved_min, self._saved_max),)


class ClampBackward0(Node):
    """clamp with tensor bounds, which take a gradient too where they are the result."""

    def backward(self, grad):
        x, low, high = self._saved_self, self._saved_min, self._saved_max
        grad_low = grad_high = None
        if low is not None and high is not None:
            # NOTE: where min > max the result is max, so max takes the gradient, not min
            if self.should_compute_output(1):
                grad_low = where((x < low) & (low < high), grad, 0.0)
            if self.should_compute_output(2):
                grad_high = where((x > high) | (high < low), grad, 0.0)
        elif low is not None and self.should_compute_output(1):
            grad_low = where(x < low, grad, 0.0)
        elif high is not None and self.should_compute_output(2):
            grad_high = where(x > high, grad, 0.0)
        return where(_inside(x, low, high), grad, 0.0), grad_low, grad_high


def _inside(x, low, high):
    if low is None:
        return x <= high
    if high is None:
        return x >= low
    return (x >= low) & (x <= high)


def clamp(input, min=None, max=None):  # noqa: A002 - PyTorch's parameter names
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    bounds = [b for b in (min, max) if b is not None]
    tensor_bounds = all(isinstance(b, Tensor) for b in bounds)
    if not tensor_bounds and any(isinstance(b, Tensor) for b in bounds):
        raise TypeError(
            "clamp() received an invalid combination of arguments - got (Tensor, Number), but "
            "expected one of: (Tensor min = None, Tensor max = None) or (Number min = None, Number max = None)"
        )
    device = common_device(input, *bounds)
    xp = backend.array_module(device)
    # the bounds are promoted with the input like operands of a binary op
    dtype = result_type([input] + bounds)
    data = _plain(input, dtype, device)
    try:
        if min is not None:
            data = xp.maximum(data, _plain(min, dtype, device))
        if max is not None:
            data = xp.minimum(data, _plain(max, dtype, device))
    except ValueError:
        raise arithmetic.shape_error(input, *bounds) from None
    out = arithmetic.result(data, dtype, device)
    if tensor_bounds:
        if needs_grad(input, min, max):
            attach(out, ClampBackward0(input, min, max)).grad_fn.save(self=input, min=min, max=max)
    elif needs_grad(input):
        attach(out, ClampBackward1(input)).grad_fn.save(self=input, min=min, max=max)
    return out


class ClampMinBackward0(Node):
    """clamp_min with a Python number."""

    def backward(self, grad):
        return (where(self._saved_self >= self._saved_min, grad, 0.0),)


class ClampMinBackward1(Node):
    """clamp_min with a tensor, which takes the gradient where it is the result."""

    def backward(self, grad):
        inside = self._saved_self >= self._saved_min
        return (
            where(inside, grad, 0.0) if self.should_compute_output(0) else None,
            where(inside, 0.0, grad) if self.should_compute_output(1) else None,
        )


class ClampMaxBackward0(Node):
    """clamp_max with a Python number."""

    def backward(self, grad):
        return (where(self._saved_self <= self._saved_max, grad, 0.0),)


class ClampMaxBackward1(Node):
    """clamp_max with a tensor, which takes the gradient where it is the result."""

    def backward(self, grad):
        inside = self._saved_self <= self._saved_max
        return (
            where(inside, grad, 0.0) if self.should_compute_output(0) else None,
            where(inside, 0.0, grad) if self.should_compute_output(1) else None,
        )


def clamp_min(input, min):  # noqa: A002 - PyTorch's parameter name
    return _one_bound(input, min, "min", ClampMinBackward0, ClampMinBackward1)


def clamp_max(input, max):  # noqa: A002 - PyTorch's parameter name
    return _one_bound(input, max, "max", ClampMaxBackward0, ClampMaxBackward1)


def _one_bound(input, bound, side, number_node, tensor_node):
    if not isinstance(bound, (Tensor, numbers.Number)):
        raise TypeError(
            f"clamp_{side}() received an invalid combination of arguments - got (Tensor, "
            f"{type(bound).__name__}), but expected one of:\n * (Tensor input, Tensor {side}, *, "
            f"Tensor out = None)\n * (Tensor input, Number {side}, *, Tensor out = None)\n"
        )
    device = common_device(input, bound)
    xp = backend.array_module(device)
    dtype = result_type([input, bound])
    compute = xp.maximum if side == "min" else xp.minimum
    try:
        data = compute(_plain(input, dtype, device), _plain(bound, dtype, device))
    except ValueError:
        raise arithmetic.shape_error(input, bound) from None
    out = arithmetic.result(data, dtype, device)
    if isinstance(bound, Tensor):
        if needs_grad(input, bound):
            attach(out, tensor_node(input, bound)).grad_fn.save(self=input, **{side: bound})
    elif needs_grad(input):
        attach(out, number_node(input)).grad_fn.save(self=input, **{side: bound})
    return out


def _plain(bound, dtype, device):
    return data_on(bound, device).astype(dtype.numpy, copy=False) if isinstance(bound, Tensor) else bound


class MaximumBackward0(Node):
    def backward(self, grad):
        # NOTE: where the two are equal each gets half the gradient; where either is NaN
        # (no order) both get all of it, as in PyTorch
        a, b = self._saved_self, self._saved_other
        split = where(a == b, grad / 2, grad)
        return (
            split.masked_fill(a < b, 0.0) if self.should_compute_output(0) else None,
            split.masked_fill(a > b, 0.0) if self.should_compute_output(1) else None,
        )


def maximum(input, other):
    a, b, dtype, device = _tensor_operands(input, other, "maximum")
    try:
        data = backend.array_module(device).maximum(a, b)
    except ValueError:
        raise arithmetic.shape_error(input, other) from None
    out = arithmetic.result(data, dtype, device)
    if needs_grad(input, other):
        attach(out, MaximumBackward0(input, other)).grad_fn.save(self=input, other=other)
    return out


class MinimumBackward0(Node):
    def backward(self, grad):
        a, b = self._saved_self, self._saved_other
        split = where(a == b, grad / 2, grad)
        return (
            split.masked_fill(a > b, 0.0) if self.should_compute_output(0) else None,
            split.masked_fill(a < b, 0.0) if self.should_compute_output(1) else None,
        )


def minimum(input, other):
    a, b, dtype, device = _tensor_operands(input, other, "minimum")
    try:
        data = backend.array_module(device).minimum(a, b)
    except ValueError:
        raise arithmetic.shape_error(input, other) from None
    out = arithmetic.result(data, dtype, device)
    if needs_grad(input, other):
        attach(out, MinimumBackward0(input, other)).grad_fn.save(self=input, other=other)
    return out


def _tensor_operands(input, other, name):
    if not isinstance(other, Tensor):
        raise TypeError(
            f"{name}(): argument 'other' (position 2) must be Tensor, not {type(other).__name__}"
        )
    return operands(input, other)


# --- selection ------------------------------------------------------------------------------------
class WhereBackward0(Node):
    def backward(self, grad):
        condition = self._saved_condition
        return (
            where(condition, grad, 0.0) if self.should_compute_output(0) else None,
            where(condition, 0.0, grad) if self.should_compute_output(1) else None,
        )


def where(condition, input, other):
    if not isinstance(condition, Tensor) or condition._dtype.name != "bool":
        got = condition._dtype if isinstance(condition, Tensor) else type(condition).__name__
        raise RuntimeError(
            f"where expected condition to be a boolean tensor, but got a tensor with dtype {_type_name(got)}"
        )
    dtype = result_type((input, other))
    device = common_device(condition, input, other)
    xp = backend.array_module(device)
    try:
        data = xp.where(
            data_on(condition, device), _as_dtype(input, dtype, device), _as_dtype(other, dtype, device)
        )
    except ValueError:
        raise arithmetic.shape_error(condition, input, other) from None
    out = arithmetic.result(data, dtype, device)
    if needs_grad(input, other):
        attach(out, WhereBackward0(input, other)).grad_fn.save(condition=condition)
    return out


def _type_name(dtype):
    names = {"int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte",
             "float32": "Float", "float64": "Double", "float16": "Half", "bool": "Bool"}
    return names.get(getattr(dtype, "name", None), dtype)


def _as_dtype(x, dtype, device):
    return data_on(x, device).astype(dtype.numpy, copy=False) if isinstance(x, Tensor) else x


class MaskedFillBackward0(Node):
    """masked_fill with a Python number."""

    def backward(self, grad):
        return (where(self._saved_mask, 0.0, grad),)


class MaskedFillBackward1(Node):
    """masked_fill with a 0-d tensor value, which takes the gradient of the filled places."""

    def backward(self, grad):
        mask = self._saved_mask
        return (
            where(mask, 0.0, grad) if self.should_compute_output(0) else None,
            where(mask, grad, 0.0).sum() if self.should_compute_output(1) else None,
        )


def masked_fill(input, mask, value):
    if mask._dtype.name != "bool":
        raise RuntimeError(
            f"masked_fill_ only supports boolean masks, but got mask with dtype {_type_name(mask._dtype)}"
        )
    value_is_tensor = isinstance(value, Tensor)
    if value_is_tensor and value.ndim:
        raise RuntimeError(
            "masked_fill_ only supports a 0-dimensional value tensor, but got tensor with "
            f"{value.ndim} dimension(s)."
        )
    device = common_device(input, mask)
    xp = backend.array_module(device)
    fill = data_on(value, device) if value_is_tensor else value
    try:
        data = xp.where(
            data_on(mask, device), xp.asarray(fill).astype(input._dtype.numpy), data_on(input, device)
        )
    except ValueError:
        raise arithmetic.shape_error(input, mask) from None
    out = arithmetic.result(data, input._dtype, device)
    if value_is_tensor:
        if needs_grad(input, value):
            attach(out, MaskedFillBackward1(input, value)).grad_fn.save(mask=mask)
    elif needs_grad(input):
        attach(out, MaskedFillBackward0(input)).grad_fn.save(mask=mask)
    return out
