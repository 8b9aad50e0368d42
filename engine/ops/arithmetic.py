"""+ - * / ** and friends. Each op's forward and its backward node stand together.

Gradients may come out broadcast or in a wider dtype: the executor sums them back to each
input's shape and casts them to its dtype (graph._conform), so the rules below need not.
"""
import math

from .. import backend
from ..autograd.graph import Node
from ..dtypes import bool as bool_dtype, get_default_dtype
from ..tensor import Tensor, attach, needs_grad, wrap
from ._binary import array_module, operands


def result(data, dtype, device):
    """The tensor around an op's array result, in the op's dtype (numpy's own promotion may
    have picked another, e.g. bool + int)."""
    if data.dtype is not dtype.numpy:
        data = data.astype(dtype.numpy)
    return wrap(data, dtype, device)


def plain(saved):
    """A saved operand as backward multiplies by it: a constant 0-d CPU tensor (a saved Python
    number, or a user's 0-d tensor) as the number it holds, which keeps the gradient's dtype and
    device; any other tensor as itself."""
    if saved._device is backend.CPU and not saved._data.ndim and saved.grad_fn is None and not saved._requires_grad:
        return saved._data.item()
    return saved


def shape_error(*operands):
    """PyTorch's error for shapes that do not broadcast together (numpy raises a ValueError)."""
    shapes = [tuple(x.shape) if isinstance(x, Tensor) else () for x in operands]
    ndim = max(len(shape) for shape in shapes)
    for offset in range(1, ndim + 1):
        sizes = [shape[-offset] if offset <= len(shape) else 1 for shape in shapes]
        stretched = [size for size in sizes if size != 1]
        if stretched and any(size != stretched[0] for size in stretched):
            a, b = stretched[0], next(size for size in stretched if size != stretched[0])
            return RuntimeError(
                f"The size of tensor a ({a}) must match the size of tensor b ({b}) at "
                f"non-singleton dimension {ndim - offset}"
            )
    return RuntimeError("shapes cannot be broadcast together: " + ", ".join(map(str, shapes)))


def _check_alpha(dtype, alpha):
    if isinstance(alpha, float) and not dtype.is_floating_point:
        raise RuntimeError(
            "For integral input tensors, argument alpha must not be a floating point number."
        )


# --- add and subtract ---------------------------------------------------------------------------
class AddBackward0(Node):
    def backward(self, grad):
        alpha = self._saved_alpha
        return grad, (grad if alpha == 1 else grad * alpha)


def add(input, other, *, alpha=1):
    a, b, dtype, device = operands(input, other)
    if alpha != 1:
        _check_alpha(dtype, alpha)
    try:
        data = a + b if alpha == 1 else a + b * alpha
    except ValueError:
        raise shape_error(input, other) from None
    out = result(data, dtype, device)
    if needs_grad(input, other):
        node = AddBackward0(input, other)
        node._saved_alpha = alpha  # a number: set as it is (save() is for what may change)
        attach(out, node)
    return out


class SubBackward0(Node):
    def backward(self, grad):
        return grad, -grad * self._saved_alpha


def _is_bool(x):
    return x.__class__ is bool or getattr(x, "_dtype", None) is bool_dtype


def _check_no_bool(input, other):
    """PyTorch refuses to subtract where either side is boolean."""
    left, right = _is_bool(input), _is_bool(other)
    if left and right:
        raise RuntimeError(
            "Subtraction, the `-` operator, with two bool tensors is not supported. "
            "Use the `^` or `logical_xor()` operator instead."
        )
    if left or right:
        raise RuntimeError(
            "Subtraction, the `-` operator, with a bool tensor is not supported. "
            "If you are trying to invert a mask, use the `~` or `logical_not()` operator instead."
        )


def sub(input, other, *, alpha=1):
    _check_no_bool(input, other)
    a, b, dtype, device = operands(input, other)
    if alpha != 1:
        _check_alpha(dtype, alpha)
    try:
        data = a - b if alpha == 1 else a - b * alpha
    except ValueError:
        raise shape_error(input, other) from None
    out = result(data, dtype, device)
    if needs_grad(input, other):
        node = SubBackward0(input, other)
        node.save(alpha=alpha)
        attach(out, node)
    return out


class RsubBackward0(Node):
    """`torch.rsub(input, other)` for two tensors: other - alpha * input."""

    def backward(self, grad):
        return -grad * self._saved_alpha, grad


class RsubBackward1(Node):
    """`number - tensor`: only the tensor takes part in the graph."""

    def backward(self, grad):
        return (-grad * self._saved_alpha,)


def rsub(input, other, *, alpha=1):
    """other - alpha * input; `2 - x` is rsub(x, 2)."""
    _check_no_bool(input, other)
    a, b, dtype, device = operands(input, other)
    if alpha != 1:
        _check_alpha(dtype, alpha)
    try:
        data = b - a if alpha == 1 else b - a * alpha
    except ValueError:
        raise shape_error(input, other) from None
    out = result(data, dtype, device)
    if isinstance(other, Tensor):
        if needs_grad(input, other):
            attach(out, RsubBackward0(input, other)).grad_fn.save(alpha=alpha)
    elif needs_grad(input):
        attach(out, RsubBackward1(input)).grad_fn.save(alpha=alpha)
    return out


# --- multiply and divide ------------------------------------------------------------------------
class MulBackward0(Node):
    _number_other = None  # `other` when it was a Python number

    def backward(self, grad):
        other = self._number_other
        return (
            grad * (plain(self._saved_other) if other is None else other)
            if self.should_compute_output(0) else None,
            grad * self._saved_self if self.should_compute_output(1) else None,
        )


def _save_other(node, other):
    """Save `other`, a tensor or a Python number (see Node.save_number)."""
    if isinstance(other, Tensor):
        node.save(other=other)
    else:
        node.save_number(other=other)


def mul(input, other):
    a, b, dtype, device = operands(input, other)
    try:
        data = a * b
    except ValueError:
        raise shape_error(input, other) from None
    out = result(data, dtype, device)
    if needs_grad(input, other):
        node = MulBackward0(input, other)
        # each side's gradient needs the other side: save only what a needed gradient uses
        if node.should_compute_output(0):
            _save_other(node, other)
        else:
            node.save(other=None)
        if node.should_compute_output(1):
            node.save(self=input)
        else:
            node._saved_self = None  # what PyTorch shows; set directly, as `x * 2` is hot
        attach(out, node)
    return out


class DivBackward0(Node):
    _number_other = None  # `other` when it was a Python number

    def backward(self, grad):
        other = self._number_other
        if other is None:
            other = plain(self._saved_other)
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
    try:
        data = a / b
    except ValueError:
        raise shape_error(input, other) from None
    out = result(data, dtype, device)
    if needs_grad(input, other):
        node = DivBackward0(input, other)
        _save_other(node, other)
        if node.should_compute_output(1):
            node.save(self=input)
        else:
            node._saved_self = None  # what PyTorch shows; set directly, as `x / 2` is hot
        attach(out, node)
    return out


def rdiv(input, other):
    """other / input: PyTorch computes input.reciprocal() * other, with the operator (so that
    numpy computes the product with an array, see Tensor.__array_priority__)."""
    return reciprocal(input) * other


class ReciprocalBackward0(Node):
    def backward(self, grad):
        result = self._saved_result
        return (-grad * result * result,)


def reciprocal(input):
    dtype = input._dtype if input._dtype.is_floating_point else get_default_dtype()
    out = result(1 / input._data.astype(dtype.numpy, copy=False), dtype, input._device)
    if needs_grad(input):
        attach(out, ReciprocalBackward0(input)).grad_fn.save(result=out)
    return out


# --- division rounded to an integer: a step function --------------------------------------------
class DivBackward2(Node):
    """div with a rounding mode: PyTorch's gradient of the steps is zero, for both operands."""

    def backward(self, grad):
        return (
            _zeros_like(grad) if self.should_compute_output(0) else None,
            _zeros_like(grad) if self.should_compute_output(1) else None,
        )


def _rounded_div(input, other, rounding_mode):
    out = _rounded_quotient(input, other, rounding_mode)
    if needs_grad(input, other):
        node = attach(out, DivBackward2(input, other)).grad_fn
        # what PyTorch keeps for its formula without a rounding mode: self only for other's gradient
        node.save(rounding_mode=rounding_mode)
        _save_other(node, other)
        if not node.should_compute_output(1):
            node.save(self=None)
        elif isinstance(input, Tensor):
            node.save(self=input)
        else:
            node.save_number(self=input)
    return out


def floor_divide(input, other):
    """input // other: PyTorch defines no derivative here; its node refuses backward."""
    out = _rounded_quotient(input, other, "floor")
    if needs_grad(input, other):
        tensors = [x for x in (input, other) if isinstance(x, Tensor)]
        attach(out, NotImplementedBackward(*tensors)).grad_fn._op = "floor_divide"
    return out


def _rounded_quotient(input, other, rounding_mode):
    if rounding_mode not in ("floor", "trunc"):
        raise RuntimeError(
            "div expected rounding_mode to be one of None, 'trunc', or 'floor' but found "
            f"'{rounding_mode}'"
        )
    a, b, dtype, device = operands(input, other)
    _check_divisor(dtype, device, b, "div_" + rounding_mode)
    xp = backend.array_module(device)
    try:
        data = xp.floor_divide(a, b) if rounding_mode == "floor" else xp.trunc(a / b)
    except ValueError:
        raise shape_error(input, other) from None
    return result(data, dtype, device)


def _zeros_like(grad):
    return wrap(array_module(grad).zeros_like(grad._data), grad._dtype, grad._device)


def _check_divisor(dtype, device, divisor, kernel):
    """What PyTorch's CPU kernels refuse: bools, and integers divided by 0 (a GPU does not check)."""
    if dtype is bool_dtype:
        raise NotImplementedError(f"\"{kernel}_{device.type}\" not implemented for 'Bool'")
    if not dtype.is_floating_point and device is backend.CPU and not backend.array_module(device).all(divisor):
        raise RuntimeError("ZeroDivisionError")


# --- remainder and fmod ---------------------------------------------------------------------------
# a - q * b, the quotient q = a / b rounded down (remainder: the divisor's sign) or toward zero
# (fmod: the dividend's). The rest moves one for one with a, and by -q with b.
class RemainderBackward0(Node):
    """tensor % number"""

    def backward(self, grad):
        return (grad,)


class RemainderBackward1(Node):
    """tensor % tensor"""

    def backward(self, grad):
        return grad, _grad_of_divisor(self, grad, "floor")


class FmodBackward0(Node):
    """tensor.fmod(number)"""

    def backward(self, grad):
        return (grad,)


class FmodBackward1(Node):
    """tensor.fmod(tensor)"""

    def backward(self, grad):
        return grad, _grad_of_divisor(self, grad, "trunc")


def _grad_of_divisor(node, grad, rounding_mode):
    if not node.should_compute_output(1):
        return None
    return -grad * div(node._saved_self, node._saved_other, rounding_mode=rounding_mode)


class NotImplementedBackward(Node):
    """Where PyTorch defines no derivative (number % tensor, floor division): its node, which
    refuses backward, naming the op (`_op`)."""

    def name(self):
        return "torch::autograd::NotImplemented"

    def backward(self, grad):
        raise RuntimeError(f"derivative for aten::{self._op} is not implemented")


def remainder(input, other):
    return _rest(input, other, "remainder", RemainderBackward0, RemainderBackward1)


def fmod(input, other):
    return _rest(input, other, "fmod", FmodBackward0, FmodBackward1)


def _rest(input, other, kernel, number_node, tensor_node):
    a, b, dtype, device = operands(input, other)
    _check_divisor(dtype, device, b, kernel)
    xp = backend.array_module(device)
    try:
        if kernel == "fmod":
            data = xp.fmod(a, b)
        elif dtype.is_floating_point:
            # NOTE: floored from fmod as PyTorch does, so a zero keeps the dividend's sign
            # (numpy's remainder gives it the divisor's: -6. % 3. is -0. in PyTorch, 0. in numpy)
            rest = xp.fmod(a, b)
            data = xp.where((rest != 0) & ((rest < 0) != (b < 0)), rest + b, rest)
        else:
            data = xp.remainder(a, b)
    except ValueError:
        raise shape_error(input, other) from None
    out = result(data, dtype, device)
    if not isinstance(input, Tensor):
        if needs_grad(other):
            attach(out, NotImplementedBackward(other)).grad_fn._op = "remainder"
    elif not isinstance(other, Tensor):
        if needs_grad(input):
            attach(out, number_node(input))
    elif needs_grad(input, other):
        node = tensor_node(input, other)
        divisor_needed = node.should_compute_output(1)  # only its gradient reads them
        node.save(self=input if divisor_needed else None, other=other if divisor_needed else None)
        attach(out, node)
    return out


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
        base, exponent = self._saved_self, self._saved_exponent
        grad_base = grad_exponent = None
        if self.should_compute_output(0):
            # NOTE: where the exponent is 0 the gradient is 0, even at base 0 (not 0 * 0**-1)
            grad_base = _where(exponent == 0, 0.0, grad * exponent * base ** (exponent - 1))
        if self.should_compute_output(1):
            # NOTE: d(b**e)/de = b**e * log(b); PyTorch takes it as 0 where b == 0 and e >= 0
            grad_exponent = grad * _where((base == 0) & (exponent >= 0), 0.0, self._saved_result * base.log())
        return grad_base, grad_exponent


class PowBackward2(Node):
    """number ** tensor"""

    def backward(self, grad):
        base, exponent = self._saved_self, self._saved_exponent
        if base == 0:
            # NOTE: log(0) = -inf; PyTorch takes the gradient as 0 where the exponent is >= 0
            return (grad * _where(exponent >= 0, 0.0, self._saved_result * -math.inf),)
        return (grad * self._saved_result * math.log(base),)


def pow(input, exponent):  # noqa: A001 - PyTorch's name
    if not isinstance(exponent, Tensor):
        return _pow_scalar(input, exponent)
    if not isinstance(input, Tensor):
        return rpow(exponent, input)
    a, b, dtype, device = operands(input, exponent)
    try:
        data = _power(backend.array_module(device), a, b, dtype)
    except ValueError:
        raise shape_error(input, exponent) from None
    out = result(data, dtype, device)
    if needs_grad(input, exponent):
        attach(out, PowBackward1(input, exponent)).grad_fn.save(self=input, exponent=exponent, result=out)
    return out


def _power(xp, base, exponent, dtype):
    """base ** exponent where the exponent is an array. numpy refuses integers to negative
    powers; PyTorch gives what integer arithmetic gives: 0, or +-1 for a base of +-1."""
    if dtype.is_floating_point:
        return xp.power(base, exponent)
    if dtype is bool_dtype:
        raise NotImplementedError("\"pow\" not implemented for 'Bool'")
    negative = exponent < 0
    if not negative.any():
        return xp.power(base, exponent)
    magnitude = xp.power(base, xp.abs(exponent))
    return xp.where(negative, xp.where(xp.abs(base) == 1, magnitude, 0), magnitude)


def _pow_scalar(input, exponent):
    a, b, dtype, device = operands(input, exponent)
    if not dtype.is_floating_point and b < 0:
        raise RuntimeError("Integers to negative integer powers are not allowed.")
    out = result(a * a if b == 2 else a ** b, dtype, device)
    if needs_grad(input):
        attach(out, PowBackward0(input)).grad_fn.save(self=input, exponent=b)  # a Python number
    return out


def rpow(input, base):
    """base ** input for a Python number `base`."""
    a, b, dtype, device = operands(input, base)
    out = result(_power(array_module(input), b, a, dtype), dtype, device)
    if needs_grad(input):
        attach(out, PowBackward2(input)).grad_fn.save(self=b, exponent=input, result=out)
    return out


def _where(condition, value, values):
    from .pointwise import where

    return where(condition, value, values)


class NegBackward0(Node):
    def backward(self, grad):
        return (-grad,)


def neg(input):
    if input._dtype.name == "bool":
        raise RuntimeError(
            "Negation, the `-` operator, on a bool tensor is not supported. "
            "If you are trying to invert a mask, use the `~` or `logical_not()` operator instead."
        )
    out = result(-input._data, input._dtype, input._device)
    if needs_grad(input):
        attach(out, NegBackward0(input))
    return out
