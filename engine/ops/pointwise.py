"""Elementwise math: each op's forward beside its backward node, as PyTorch names it."""
from ..autograd.graph import Node
from ..dtypes import get_default_dtype, result_type
from ..tensor import Tensor, attach, needs_grad, wrap
from ._binary import array_module, check_same_device, operands


def _float_data(input):
    """Floating ops on integer tensors compute in the default float dtype, as PyTorch does."""
    if input._dtype.is_floating_point:
        return input._data, input._dtype
    dtype = get_default_dtype()
    return input._data.astype(dtype.numpy), dtype


def _unary(input, compute, node_class, save):
    """Run `compute(xp, data)`; record `node_class` saving `self` (the input) or `result`."""
    data, dtype = _float_data(input)
    out = wrap(compute(array_module(input), data), dtype, input._device)
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
        # NOTE: relu'(0) is 0 in PyTorch: the mask is result > 0, not input >= 0
        return (grad * (self._saved_result > 0),)


def relu(input):
    data = input._data
    out = wrap(data * (data > 0) if input._dtype.is_floating_point else array_module(input).maximum(data, 0),
               input._dtype, input._device)
    if needs_grad(input):
        attach(out, ReluBackward0(input)).grad_fn.save(result=out)
    return out


class AbsBackward0(Node):
    def backward(self, grad):
        return (grad * self._saved_self.sign(),)  # NOTE: abs'(0) is sign(0) = 0


def abs(input):  # noqa: A001 - PyTorch's name
    out = wrap(array_module(input).abs(input._data), input._dtype, input._device)
    if needs_grad(input):
        attach(out, AbsBackward0(input)).grad_fn.save(self=input)
    return out


def sign(input):
    return wrap(array_module(input).sign(input._data), input._dtype, input._device)


class ClampBackward1(Node):
    def backward(self, grad):
        # NOTE: at a bound the gradient passes (PyTorch's mask is min <= x <= max, inclusive)
        x, low, high = self._saved_self, self._saved_min, self._saved_max
        inside = True
        if low is not None:
            inside = x >= low
        if high is not None:
            inside = inside & (x <= high) if low is not None else x <= high
        return (grad * inside,)


def clamp(input, min=None, max=None):  # noqa: A002 - PyTorch's parameter names
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    xp = array_module(input)
    data = input._data
    if min is not None:
        data = xp.maximum(data, _plain(min))
    if max is not None:
        data = xp.minimum(data, _plain(max))
    dtype = result_type([input] + [b for b in (min, max) if b is not None])
    out = wrap(data.astype(dtype.numpy, copy=False), dtype, input._device)
    if needs_grad(input):
        attach(out, ClampBackward1(input)).grad_fn.save(self=input, min=min, max=max)
    return out


def _plain(bound):
    return bound._data if isinstance(bound, Tensor) else bound


class MaximumBackward0(Node):
    def backward(self, grad):
        # NOTE: where the two are equal PyTorch gives each half the gradient
        a, b = self._saved_self, self._saved_other
        share = (a > b) + (a == b) * 0.5
        return grad * share, grad * (1 - share)


def maximum(input, other):
    a, b, dtype, device = operands(input, other)
    out = wrap(array_module(input).maximum(a, b), dtype, device)
    if needs_grad(input, other):
        attach(out, MaximumBackward0(input, other)).grad_fn.save(self=input, other=other)
    return out


class MinimumBackward0(Node):
    def backward(self, grad):
        a, b = self._saved_self, self._saved_other
        share = (a < b) + (a == b) * 0.5
        return grad * share, grad * (1 - share)


def minimum(input, other):
    a, b, dtype, device = operands(input, other)
    out = wrap(array_module(input).minimum(a, b), dtype, device)
    if needs_grad(input, other):
        attach(out, MinimumBackward0(input, other)).grad_fn.save(self=input, other=other)
    return out


# --- selection ------------------------------------------------------------------------------------
class WhereBackward0(Node):
    def backward(self, grad):
        condition = self._saved_condition
        zero = grad * 0
        return (
            where(condition, grad, zero) if self.should_compute_output(0) else None,
            where(condition, zero, grad) if self.should_compute_output(1) else None,
        )


def where(condition, input, other):
    tensor = input if isinstance(input, Tensor) else other if isinstance(other, Tensor) else condition
    dtype = result_type([x for x in (input, other)])
    if isinstance(input, Tensor) and isinstance(other, Tensor):
        check_same_device(input, other)
    xp = array_module(tensor)
    data = xp.where(condition._data, _as_dtype(input, dtype), _as_dtype(other, dtype))
    out = wrap(data.astype(dtype.numpy, copy=False), dtype, tensor._device)
    if needs_grad(input, other):
        attach(out, WhereBackward0(input, other)).grad_fn.save(condition=condition)
    return out


def _as_dtype(x, dtype):
    return x._data.astype(dtype.numpy, copy=False) if isinstance(x, Tensor) else x


class MaskedFillBackward0(Node):
    def backward(self, grad):
        return (where(self._saved_mask, 0.0, grad),)


def masked_fill(input, mask, value):
    if isinstance(value, Tensor):
        if value.ndim:
            raise RuntimeError(
                "masked_fill_ only supports a 0-dimensional value tensor, but got tensor with "
                f"{value.ndim} dimension(s)."
            )
        value = value.item()
    if mask._dtype.name != "bool":
        raise RuntimeError(f"masked_fill_ only supports boolean masks, but got mask with dtype {mask._dtype.name}")
    xp = array_module(input)
    out = wrap(xp.where(mask._data, xp.asarray(value, dtype=input._dtype.numpy), input._data), input._dtype, input._device)
    if needs_grad(input):
        attach(out, MaskedFillBackward0(input)).grad_fn.save(mask=mask)
    return out
