"""Bitwise ops: & | ^ ~ << >>, on integers and bools only (& | ^ ~ are logical on bools), in the
operands' promoted dtype, outside the graph. Their in-place forms are in inplace.py."""
from ..tensor import wrap
from . import arithmetic
from ._binary import operands
from .linalg import scalar_type_name


def _bitwise(kernel, input, other, compute, refused=()):
    """compute(a, b) on the operands' arrays; PyTorch's kernel `kernel` refuses floats (and the
    dtypes named in `refused`)."""
    a, b, dtype, device = operands(input, other)
    if dtype.is_floating_point or dtype.name in refused:
        raise NotImplementedError(
            f'"{kernel}_{device.type}" not implemented for \'{scalar_type_name(dtype)}\''
        )
    try:
        data = compute(a, b)
    except ValueError:
        raise arithmetic.shape_error(input, other) from None
    return arithmetic.result(data, dtype, device)


def bitwise_and(input, other):
    return _bitwise("bitwise_and", input, other, lambda a, b: a & b)


def bitwise_or(input, other):
    return _bitwise("bitwise_or", input, other, lambda a, b: a | b)


def bitwise_xor(input, other):
    return _bitwise("bitwise_xor", input, other, lambda a, b: a ^ b)


def bitwise_not(input):
    if input._dtype.is_floating_point:
        raise NotImplementedError(
            f'"bitwise_not_{input._device.type}" not implemented for \'{scalar_type_name(input._dtype)}\''
        )
    return wrap(~input._data, input._dtype, input._device)


# NOTE: a shift by a negative amount, or by the bit width or more, gives 0 (or, for >>, the sign)
# in PyTorch and in numpy alike; C leaves it undefined, so on a GPU it is CuPy's (the hardware's)
def bitwise_left_shift(input, other):
    return _bitwise("lshift", input, other, lambda a, b: a << b, refused=("bool",))


def bitwise_right_shift(input, other):
    return _bitwise("rshift", input, other, lambda a, b: a >> b, refused=("bool",))
