"""Making tensors: torch.tensor, zeros, ones, arange, rand ... and the *_like forms."""
import numbers
import operator
import warnings

from . import backend, dtypes, random
from .tensor import Tensor, _shape_args, wrap


def _device(device):
    return default_device() if device is None else backend.canonical(device)


_default_device = [backend.CPU]


def default_device():
    return _default_device[0]


def set_default_device(device):
    """Where factories put tensors when no device is given; refused (unchanged) when impossible."""
    _default_device[0] = backend.CPU if device is None else backend.canonical(device)


def get_default_device():
    return _default_device[0]


def _finish(data, dtype, device, requires_grad):
    if requires_grad and not dtype.is_floating_point:
        raise RuntimeError("Only Tensors of floating point and complex dtype can require gradients")
    data = backend.to_device(data, device) if device is not backend.CPU else backend.aligned(data)
    out = wrap(data, dtype, device)
    if requires_grad:
        out.requires_grad_(True)
    return out


def _read_nested(data):
    """(dtype, values) of nested Python data as torch.tensor reads it: the dtype is bool, int64
    or the default float as the values need (numpy scalars and one-element tensors bring their
    own dtype), the values are plain numbers, and ragged nesting fails as in PyTorch."""
    import numpy

    shape = []
    probe = data
    while isinstance(probe, (list, tuple)):
        shape.append(len(probe))
        if not probe:
            break
        probe = probe[0]
    dtype = None

    def scalar(value):
        nonlocal dtype
        if isinstance(value, bool):
            kind = dtypes.bool
        elif isinstance(value, numbers.Integral) and not isinstance(value, numpy.generic):
            kind = dtypes.int64
        elif isinstance(value, numbers.Real) and not isinstance(value, numpy.generic):
            kind = dtypes.get_default_dtype()
        elif isinstance(value, (Tensor, numpy.generic)):
            if isinstance(value, Tensor) and value.numel() != 1:
                raise ValueError("only one element tensors can be converted to Python scalars")
            kind = value.dtype if isinstance(value, Tensor) else dtypes.from_numpy(value.dtype)
            value = value.item()
        elif isinstance(value, str):
            if not shape:
                raise TypeError("new(): invalid data type 'str'")
            raise ValueError("too many dimensions 'str'")
        else:
            raise RuntimeError(f"Could not infer dtype of {type(value).__name__}")
        dtype = kind if dtype is None else dtypes.promote_types(dtype, kind)
        return value

    def walk(item, dim):
        if dim == len(shape):
            if isinstance(item, (list, tuple)):
                raise TypeError(f"'{type(item).__name__}' object cannot be interpreted as a number")
            return scalar(item)
        if not isinstance(item, (list, tuple)):
            raise TypeError("not a sequence")
        if len(item) != shape[dim]:
            raise ValueError(f"expected sequence of length {shape[dim]} at dim {dim} (got {len(item)})")
        return [walk(x, dim + 1) for x in item]

    values = walk(data, 0)
    return (dtype or dtypes.get_default_dtype()), values


def tensor(data, *, dtype=None, device=None, requires_grad=False, pin_memory=False):
    """A new leaf tensor holding a copy of `data` (a number, nested lists, an array, a tensor)."""
    import numpy

    if isinstance(data, Tensor):
        warnings.warn(
            "To copy construct from a tensor, it is recommended to use sourceTensor.detach().clone() "
            "or sourceTensor.detach().clone().requires_grad_(True), rather than "
            "torch.tensor(sourceTensor).",
            UserWarning,
            stacklevel=2,
        )
        inferred, values = data._dtype, backend.to_host(data._data)
        if device is None:
            device = data._device  # a tensor's copy stays where it is, as in PyTorch
    elif isinstance(data, numpy.ndarray):
        inferred, values = dtypes.from_numpy(data.dtype), data
    else:
        inferred, values = _read_nested(data)
    dtype = dtype or inferred
    array = numpy.array(values, dtype=dtype.numpy)
    return _finish(array, dtype, _device(device), requires_grad)


def as_tensor(data, dtype=None, device=None):
    """`data` itself when it already is a tensor of that dtype and device, else a tensor of it."""
    if isinstance(data, Tensor):
        return data.to(dtype=dtype or data._dtype, device=data._device if device is None else device)
    return tensor(data, dtype=dtype, device=device)


def from_numpy(array):
    """A tensor sharing memory with a numpy array."""
    if not hasattr(array, "__array_interface__") or not hasattr(array, "dtype"):
        raise TypeError(f"expected np.ndarray (got {type(array).__name__})")
    return wrap(array, dtypes.from_numpy(array.dtype), backend.CPU)


def _filled(size, fill, dtype, device, requires_grad, name):
    dtype = dtype or dtypes.get_default_dtype()
    device = _device(device)
    shape = _checked_shape(size, name)
    xp = backend.array_module(device)
    return _finish(xp.full(shape, fill, dtype=dtype.numpy), dtype, device, requires_grad)


def _checked_shape(size, name):
    shape = _shape_args(size)
    for position, length in enumerate(shape):
        if not hasattr(length, "__index__"):  # ints, numpy's too, and 0-d integer tensors
            raise TypeError(
                f"{name}(): argument 'size' failed to unpack the object at pos {position + 1} with "
                f"error \"type must be tuple of ints,but got {type(length).__name__}\""
            )
        if length < 0:
            raise RuntimeError(f"{name}: Dimension size must be non-negative.")
    return tuple(operator.index(length) for length in shape)


def zeros(*size, dtype=None, device=None, requires_grad=False):
    return _filled(size, 0, dtype, device, requires_grad, "zeros")


def ones(*size, dtype=None, device=None, requires_grad=False):
    return _filled(size, 1, dtype, device, requires_grad, "ones")


def empty(*size, dtype=None, device=None, requires_grad=False):
    return _filled(size, 0, dtype, device, requires_grad, "empty")


def full(size, fill_value, *, dtype=None, device=None, requires_grad=False):
    if isinstance(size, int):
        raise TypeError("full(): argument 'size' (position 1) must be tuple of ints, not int")
    if dtype is None:
        dtype = dtypes.scalar_dtype(fill_value)
    return _filled(size, fill_value, dtype, device, requires_grad, "full")


def _like(input, device):
    """A *_like factory's device: the input's unless given (`device=0` is cuda:0, not "none")."""
    return input.device if device is None else device


def zeros_like(input, *, dtype=None, device=None, requires_grad=False):
    return zeros(input.shape, dtype=dtype or input.dtype, device=_like(input, device), requires_grad=requires_grad)


def ones_like(input, *, dtype=None, device=None, requires_grad=False):
    return ones(input.shape, dtype=dtype or input.dtype, device=_like(input, device), requires_grad=requires_grad)


def empty_like(input, *, dtype=None, device=None, requires_grad=False):
    return empty(input.shape, dtype=dtype or input.dtype, device=_like(input, device), requires_grad=requires_grad)


def full_like(input, fill_value, *, dtype=None, device=None, requires_grad=False):
    return full(input.shape, fill_value, dtype=dtype or input.dtype, device=_like(input, device),
                requires_grad=requires_grad)


def rand_like(input, *, dtype=None, device=None, requires_grad=False):
    return rand(input.shape, dtype=dtype or input.dtype, device=_like(input, device), requires_grad=requires_grad)


def randn_like(input, *, dtype=None, device=None, requires_grad=False):
    return randn(input.shape, dtype=dtype or input.dtype, device=_like(input, device), requires_grad=requires_grad)


def arange(start, end=None, step=1, *, dtype=None, device=None, requires_grad=False):
    import numpy

    if end is None:
        start, end = 0, start
    if dtype is None:
        is_float = any(
            isinstance(v, float) or (isinstance(v, Tensor) and v.is_floating_point()) for v in (start, end, step)
        )
        dtype = dtypes.get_default_dtype() if is_float else dtypes.int64
    values = numpy.arange(_number(start), _number(end), _number(step)).astype(dtype.numpy)
    return _finish(values, dtype, _device(device), requires_grad)


def _number(value):
    return value.item() if isinstance(value, Tensor) else value


def linspace(start, end, steps, *, dtype=None, device=None, requires_grad=False):
    import numpy

    dtype = dtype or dtypes.get_default_dtype()
    values = numpy.linspace(_number(start), _number(end), steps).astype(dtype.numpy)
    return _finish(values, dtype, _device(device), requires_grad)


def eye(n, m=None, *, dtype=None, device=None, requires_grad=False):
    import numpy

    dtype = dtype or dtypes.get_default_dtype()
    return _finish(numpy.eye(n, m, dtype=dtype.numpy), dtype, _device(device), requires_grad)


def _check_float(dtype, kernel):
    if not dtype.is_floating_point:
        names = {"int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}
        raise NotImplementedError(f'"{kernel}" not implemented for \'{names[dtype.name]}\'')


def rand(*size, generator=None, dtype=None, device=None, requires_grad=False):
    dtype = dtype or dtypes.get_default_dtype()
    _check_float(dtype, "check_uniform_bounds")
    values = random.uniform(_checked_shape(size, "rand"), dtype.numpy, generator=generator)
    return _finish(values, dtype, _device(device), requires_grad)


def randn(*size, generator=None, dtype=None, device=None, requires_grad=False):
    dtype = dtype or dtypes.get_default_dtype()
    _check_float(dtype, "normal_kernel_cpu")
    values = random.normal(_checked_shape(size, "randn"), dtype.numpy, generator=generator)
    return _finish(values, dtype, _device(device), requires_grad)


def randint(low, high=None, size=None, *, generator=None, dtype=None, device=None, requires_grad=False):
    if size is None and isinstance(high, (tuple, list)):
        low, high, size = 0, low, high  # randint(high, size)
    if size is None:
        raise TypeError("randint() missing 1 required positional arguments: \"size\"")
    if high is None:
        low, high = 0, low
    dtype = dtype or dtypes.int64
    _check_randint_range(low, high, dtype)
    values = random.randint(low, high, tuple(size), dtype.numpy, generator=generator)
    return _finish(values, dtype, _device(device), requires_grad)


# what randint checks `from` and `to - 1` against, with the C type names its messages use
_RANDINT_BOUNDS = {
    "bool": (0, 1, "bool"), "uint8": (0, 255, "unsigned char"), "int8": (-128, 127, "signed char"),
    "int16": (-(2**15), 2**15 - 1, "short int"), "int32": (-(2**31), 2**31 - 1, "int"),
    "float16": (-65504, 65504, "c10::Half"),
}


def _check_randint_range(low, high, dtype):
    if not (-(2**63) <= low < 2**63 and -(2**63) <= high < 2**63):
        raise ValueError("Overflow when unpacking long long")
    if low >= high:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}")
    if dtype.name in _RANDINT_BOUNDS:
        lowest, highest, c_name = _RANDINT_BOUNDS[dtype.name]
        if not lowest <= low <= highest:
            raise RuntimeError(f"from is out of bounds for {c_name}")
        if not lowest <= high - 1 <= highest:
            raise RuntimeError(f"to - 1 is out of bounds for {c_name}")


def randperm(n, *, generator=None, dtype=None, device=None, requires_grad=False):
    dtype = dtype or dtypes.int64
    _check_randperm(n, dtype)
    return _finish(random.randperm(n, dtype.numpy, generator=generator), dtype, _device(device), requires_grad)


# the largest n randperm takes for a float dtype (up to it every value n - 1 is exact), as its
# message writes it, and the type's name there
_RANDPERM_FLOAT_LIMITS = {
    "float16": (2049, "2049", "Half"), "float32": (2**24 + 1, "2^24+1", "Float"),
    "float64": (2**53 + 1, "2^53+1", "Double"),
}


def _check_randperm(n, dtype):
    import numpy

    if n < 0:
        raise RuntimeError(f"Trying to create tensor with negative dimension {n}: [{n}]")
    if dtype is dtypes.bool:
        raise NotImplementedError("\"randperm\" not implemented for 'Bool'")
    if dtype.is_floating_point:
        limit, limit_text, type_name = _RANDPERM_FLOAT_LIMITS[dtype.name]
        if n > limit:
            raise RuntimeError(f"n cannot be greater than {limit_text} for {type_name} type.")
    elif n - 1 > numpy.iinfo(dtype.numpy).max:
        raise RuntimeError(f"value cannot be converted to type {dtype.name}_t without overflow")
