"""+ - * / ** and friends. Each op's forward and its backward node stand together.

Gradients may come out broadcast or in a wider dtype: the executor sums them back to each
input's shape and casts them to its dtype (graph._conform), so the rules below need not.
"""
import math

from ..autograd.graph import Node
from ..dtypes import get_default_dtype
from ..tensor import Tensor, attach, needs_grad, wrap
from ._binary import array_module, operands


# --- add and subtract ---------------------------------------------------------------------------
class AddBackward0(Node):
    def backward(self, grad):
        alpha = self._saved_alpha
        return grad, (grad if alpha == 1 else grad * alpha)


def add(input, other, *, alpha=1):
    a, b, dtype, device = operands(input, other)
    out = wrap(a + b if alpha == 1 else a + b * alpha, dtype, device)
    if needs_grad(input, other):
        node = AddBackward0(input, other)
        node.save(alpha=alpha)
        attach(out, node)
    return out


class SubBackward0(Node):
    def backward(self, grad):
        return grad, -grad * self._saved_alpha


def sub(input, other, *, alpha=1):
    a, b, dtype, device = operands(input, other)
    if dtype.name == "bool":
        raise RuntimeError(
            "Subtraction, the `-` operator, with two bool tensors is not supported. "
            "Use the `^` or `logical_xor()` operator instead."
        )
    out = wrap(a - b if alpha == 1 else a - b * alpha, dtype, device)
    if needs_grad(input, other):
        node = SubBackward0(input, other)
        node.save(alpha=alpha)
        attach(out, node)
    return out


class RsubBackward1(Node):
    """`number - tensor`: only the tensor takes part in the graph."""

    def backward(self, grad):
        return (-grad * self._saved_alpha,)


def rsub(input, other):
    """other - input, where `other` is a Python number."""
    a, b, dtype, device = operands(input, other)
    out = wrap(b - a, dtype, device)
    if needs_grad(input):
        node = RsubBackward1(input)
        node.save(alpha=1)
        attach(out, node)
    return out


# --- multiply and divide ------------------------------------------------------------------------
class MulBackward0(Node):
    def backward(self, grad):
        return (
            grad * self._saved_other if self.should_compute_output(0) else None,
            grad * self._saved_self if self.should_compute_output(1) else None,
        )


def mul(input, other):
    a, b, dtype, device = operands(input, other)
    out = wrap(a * b, dtype, device)
    if needs_grad(input, other):
        node = MulBackward0(input, other)
        # each side's gradient needs the other side: save only what a needed gradient uses
        node.save(
            other=other if node.should_compute_output(0) else None,
            self=input if node.should_compute_output(1) else None,
        )
        attach(out, node)
    return out


class DivBackward0(Node):
    def backward(self, grad):
        other = self._saved_other
        return (
            grad / other if self.should_compute_output(0) else None,
            -grad * self._saved_self / (other * other) if self.should_compute_output(1) else None,
        )


def div(input, other, *, rounding_mode=None):
    if rounding_mode is not None:
        return _rounded_div(input, other, rounding_mode)
    a, b, dtype, device = operands(input, other)
    if not dtype.is_floating_point:  # true division of integers gives the default float
        dtype = get_default_dtype()
    out = wrap((a / b).astype(dtype.numpy, copy=False), dtype, device)
    if needs_grad(input, other):
        node = DivBackward0(input, other)
        node.save(other=other, self=input if node.should_compute_output(1) else None)
        attach(out, node)
    return out


def rdiv(input, other):
    """other / input for a Python number `other`: PyTorch computes other * input.reciprocal()."""
    return mul(reciprocal(input), other)


class ReciprocalBackward0(Node):
    def backward(self, grad):
        result = self._saved_result
        return (-grad * result * result,)


def reciprocal(input):
    dtype = input._dtype if input._dtype.is_floating_point else get_default_dtype()
    out = wrap(1 / input._data.astype(dtype.numpy, copy=False), dtype, input._device)
    if needs_grad(input):
        attach(out, ReciprocalBackward0(input)).grad_fn.save(result=out)
    return out


def _rounded_div(input, other, rounding_mode):
    a, b, dtype, device = operands(input, other)
    xp = array_module(input if isinstance(input, Tensor) else other)
    if rounding_mode == "floor":
        data = xp.floor_divide(a, b)
    elif rounding_mode == "trunc":
        data = xp.trunc(a / b).astype(dtype.numpy) if dtype.is_floating_point else (a / b).astype(dtype.numpy)
    else:
        raise RuntimeError(
            "div expected rounding_mode to be one of None, 'trunc', or 'floor' but found "
            f"'{rounding_mode}'"
        )
    return wrap(data.astype(dtype.numpy, copy=False), dtype, device)  # piecewise constant: no grad


def floor_divide(input, other):
    return _rounded_div(input, other, "floor")


def remainder(input, other):
    a, b, dtype, device = operands(input, other)
    return wrap(array_module(input if isinstance(input, Tensor) else other).remainder(a, b), dtype, device)


# --- powers -------------------------------------------------------------------------------------
class PowBackward0(Node):
    """tensor ** number"""

    def backward(self, grad):
        exponent = self._saved_exponent
        if exponent == 0:
            return (grad * 0,)
        return (grad * exponent * self._saved_self ** (exponent - 1),)


class PowBackward1(Node):
    """tensor ** tensor"""

    def backward(self, grad):
        base, exponent, result = self._saved_self, self._saved_exponent, self._saved_result
        grad_base = grad_exponent = None
        if self.should_compute_output(0):
            grad_base = grad * exponent * base ** (exponent - 1)
        if self.should_compute_output(1):
            # NOTE: d(b**e)/de = b**e * log(b); PyTorch takes it as 0 where b == 0 and e >= 0
            log_base = _where_zero(base, exponent, base.log())
            grad_exponent = grad * result * log_base
        return grad_base, grad_exponent


class PowBackward2(Node):
    """number ** tensor"""

    def backward(self, grad):
        base = self._saved_self
        if base == 0:
            return (grad * 0,)
        return (grad * self._saved_result * math.log(base),)


def pow(input, exponent):  # noqa: A001 - PyTorch's name
    if not isinstance(exponent, Tensor):
        return _pow_scalar(input, exponent)
    a, b, dtype, device = operands(input, exponent)
    out = wrap(array_module(exponent).power(a, b), dtype, device)
    if needs_grad(input, exponent):
        attach(out, PowBackward1(input, exponent)).grad_fn.save(self=input, exponent=exponent, result=out)
    return out


def _pow_scalar(input, exponent):
    a, b, dtype, device = operands(input, exponent)
    if not dtype.is_floating_point and isinstance(b, int) and b < 0:
        raise RuntimeError("Integers to negative integer powers are not allowed.")
    out = wrap(a * a if b == 2 else a ** b, dtype, device)
    if needs_grad(input):
        attach(out, PowBackward0(input)).grad_fn.save(self=input, exponent=exponent)
    return out


def rpow(input, base):
    """base ** input for a Python number `base`."""
    a, b, dtype, device = operands(input, base)
    out = wrap(array_module(input).power(b, a).astype(dtype.numpy, copy=False), dtype, device)
    if needs_grad(input):
        attach(out, PowBackward2(input)).grad_fn.save(self=base, exponent=input, result=out)
    return out


def _where_zero(base, exponent, values):
    from .pointwise import where

    return where((base == 0) & (exponent >= 0), 0.0, values)


class NegBackward0(Node):
    def backward(self, grad):
        return (-grad,)


def neg(input):
    if input._dtype.name == "bool":
        raise RuntimeError(
            "Negation, the `-` operator, on a bool tensor is not supported. "
            "If you are trying to invert a mask, use the `~` or `logical_not()` operator instead."
        )
    out = wrap(-input._data, input._dtype, input._device)
    if needs_grad(input):
        attach(out, NegBackward0(input))
    return out
