"""Data types with PyTorch's names, and PyTorch's type-promotion rules."""
import builtins

import numpy as np


class dtype:
    """A tensor element type; prints as PyTorch does (`torch.float32`)."""

    __slots__ = ("name", "numpy", "is_floating_point", "is_signed", "itemsize", "_rank")

    def __init__(self, name, numpy_type, rank):
        self.name = name
        self.numpy = np.dtype(numpy_type)
        self.is_floating_point = self.numpy.kind == "f"
        self.is_signed = self.numpy.kind in "if"
        self.itemsize = self.numpy.itemsize
        self._rank = rank  # order within PyTorch's promotion lattice

    def __repr__(self):
        return "torch." + self.name

    def __reduce__(self):
        return self.name


bool = dtype("bool", np.bool_, 0)  # noqa: A001 - PyTorch's names shadow builtins here
uint8 = dtype("uint8", np.uint8, 1)
int8 = dtype("int8", np.int8, 2)
int16 = dtype("int16", np.int16, 3)
int32 = dtype("int32", np.int32, 4)
int64 = dtype("int64", np.int64, 5)
float16 = dtype("float16", np.float16, 6)
float32 = dtype("float32", np.float32, 7)
float64 = dtype("float64", np.float64, 8)

# PyTorch's aliases
half, float, double = float16, float32, float64  # noqa: A001
short, int, long = int16, int32, int64  # noqa: A001

ALL = (bool, uint8, int8, int16, int32, int64, float16, float32, float64)
_BY_NUMPY = {d.numpy: d for d in ALL}


def from_numpy(numpy_dtype):
    """The engine dtype of a numpy dtype; TypeError for ones PyTorch has no counterpart for."""
    try:
        return _BY_NUMPY[numpy_dtype]
    except KeyError:
        raise TypeError(
            f"can't convert np.ndarray of type numpy.{np.dtype(numpy_dtype).name}. The only supported "
            "types are: float64, float32, float16, int64, int32, int16, int8, uint8, and bool."
        ) from None


_default_float = float32


def get_default_dtype():
    return _default_float


def set_default_dtype(d):
    global _default_float
    if not isinstance(d, dtype) or not d.is_floating_point:
        raise TypeError("only floating-point types are supported as the default type")
    _default_float = d


def _category(d):
    return 2 if d.is_floating_point else (0 if d is bool else 1)


def promote_types(a, b):
    """PyTorch's promote_types for the dtypes we have."""
    if a is b:
        return a
    if {a, b} == {uint8, int8}:
        return int16
    if _category(a) != _category(b):
        return a if _category(a) > _category(b) else b
    return a if a._rank > b._rank else b


def scalar_dtype(value):
    """The dtype PyTorch gives a Python number taking part in an op (a "wrapped number")."""
    if isinstance(value, (builtins.bool, np.bool_)):
        return bool
    if isinstance(value, (builtins.int, np.integer)):
        return int64
    return _default_float


def as_python_number(value):
    """A numpy scalar as the Python number PyTorch reads it as.
    NOTE: np.bool_ reads as a float, not a bool (np.bool_(True) * an int tensor is float32)."""
    if isinstance(value, np.integer):
        return builtins.int(value)
    if isinstance(value, (np.floating, np.bool_)):
        return builtins.float(value)
    return value


def _combine_categories(higher, lower):
    # c10's combine_categories: a lower-priority operand only wins with a higher category.
    if higher is None:
        return lower
    if lower is None or higher.is_floating_point:
        return higher
    if higher is bool or lower.is_floating_point:
        return promote_types(higher, lower)
    return higher


def result_type(operands):
    """PyTorch's result_type over tensors and Python numbers.

    Tensors with dimensions outrank zero-dim tensors, which outrank Python numbers: a lower tier
    only changes the result when it is of a higher category (bool < integer < floating point),
    which is why float32 * 0.1 stays float32 and int64 / 2.5 becomes float32.
    """
    dim_result = zero_result = wrapped_result = None
    for x in operands:
        d = getattr(x, "dtype", None)
        if d is None:
            wrapped_result = _promote_skip_none(wrapped_result, scalar_dtype(x))
        elif x.ndim:
            dim_result = _promote_skip_none(dim_result, d)
        else:
            zero_result = _promote_skip_none(zero_result, d)
    return _combine_categories(dim_result, _combine_categories(zero_result, wrapped_result))


def _promote_skip_none(a, b):
    return b if a is None else promote_types(a, b)
