"""Making tensors: torch.tensor, zeros, ones, arange, rand ... and the *_like forms."""
import numbers

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
    data = backend.to_device(data, device) if device is not backend.CPU else data
    out = wrap(data, dtype, device)
    if requires_grad:
        out.requires_grad_(True)
    return out


def _infer_dtype(values):
    """PyTorch's dtype for nested Python data: bool, else int64, else the default float."""
    kind = dtypes.bool
    stack = [values]
    while stack:
        value = stack.pop()
        if isinstance(value, Tensor):
            kind = dtypes.promote_types(kind, value._dtype)
        elif isinstance(value, (list, tuple)):
            stack.extend(value)
        elif isinstance(value, bool):
            continue
        elif isinstance(value, numbers.Integral):
            kind = dtypes.promote_types(kind, dtypes.int64)
        elif isinstance(value, numbers.Real):
            kind = dtypes.promote_types(kind, dtypes.get_default_dtype())
        else:
            raise TypeError(f"new(): invalid data type '{type(value).__name__}'")
    return kind


def _host_values(data):
    """Nested lists with any tensors inside replaced by their values."""
    if isinstance(data, Tensor):
        return backend.to_host(data._data)
    if isinstance(data, (list, tuple)):
        return [_host_values(item) for item in data]
    return data


def tensor(data, *, dtype=None, device=None, requires_grad=False, pin_memory=False):
    """A new leaf tensor holding a copy of `data` (a number, nested lists, an array, a tensor)."""
    import numpy

    if isinstance(data, Tensor):
        inferred, values = data._dtype, backend.to_host(data._data)
    elif isinstance(data, numpy.ndarray):
        inferred, values = dtypes.from_numpy(data.dtype), data
    else:
        inferred, values = _infer_dtype(data), _host_values(data)
    dtype = dtype or inferred
    array = numpy.array(values, dtype=dtype.numpy)
    return _finish(array, dtype, _device(device), requires_grad)


def as_tensor(data, dtype=None, device=None):
    if isinstance(data, Tensor) and (dtype is None or dtype is data._dtype) and (device is None or data._device == device):
        return data
    return tensor(data, dtype=dtype, device=device)


def from_numpy(array):
    """A tensor sharing memory with a numpy array."""
    return wrap(array, dtypes.from_numpy(array.dtype), backend.CPU)


def _filled(size, fill, dtype, device, requires_grad):
    dtype = dtype or dtypes.get_default_dtype()
    device = _device(device)
    xp = backend.array_module(device)
    return _finish(xp.full(_shape_args(size), fill, dtype=dtype.numpy), dtype, device, requires_grad)


def zeros(*size, dtype=None, device=None, requires_grad=False):
    return _filled(size, 0, dtype, device, requires_grad)


def ones(*size, dtype=None, device=None, requires_grad=False):
    return _filled(size, 1, dtype, device, requires_grad)


def empty(*size, dtype=None, device=None, requires_grad=False):
    return _filled(size, 0, dtype, device, requires_grad)


def full(size, fill_value, *, dtype=None, device=None, requires_grad=False):
    if dtype is None:
        dtype = dtypes.scalar_dtype(fill_value)
    return _filled((size,) if isinstance(size, int) else size, fill_value, dtype, device, requires_grad)


def zeros_like(input, *, dtype=None, device=None, requires_grad=False):
    return zeros(input.shape, dtype=dtype or input.dtype, device=device or input.device, requires_grad=requires_grad)


def ones_like(input, *, dtype=None, device=None, requires_grad=False):
    return ones(input.shape, dtype=dtype or input.dtype, device=device or input.device, requires_grad=requires_grad)


def empty_like(input, *, dtype=None, device=None, requires_grad=False):
    return empty(input.shape, dtype=dtype or input.dtype, device=device or input.device, requires_grad=requires_grad)


def full_like(input, fill_value, *, dtype=None, device=None, requires_grad=False):
    return full(input.shape, fill_value, dtype=dtype or input.dtype, device=device or input.device,
                requires_grad=requires_grad)


def rand_like(input, *, dtype=None, device=None, requires_grad=False):
    return rand(input.shape, dtype=dtype or input.dtype, device=device or input.device, requires_grad=requires_grad)


def randn_like(input, *, dtype=None, device=None, requires_grad=False):
    return randn(input.shape, dtype=dtype or input.dtype, device=device or input.device, requires_grad=requires_grad)


def arange(start, end=None, step=1, *, dtype=None, device=None, requires_grad=False):
    import numpy

    if end is None:
        start, end = 0, start
    if dtype is None:
        is_float = any(isinstance(v, float) or (isinstance(v, Tensor) and v.is_floating_point()) for v in (start, end, step))
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


def rand(*size, generator=None, dtype=None, device=None, requires_grad=False):
    dtype = dtype or dtypes.get_default_dtype()
    values = random.uniform(_shape_args(size), dtype.numpy)
    return _finish(values, dtype, _device(device), requires_grad)


def randn(*size, generator=None, dtype=None, device=None, requires_grad=False):
    dtype = dtype or dtypes.get_default_dtype()
    values = random.normal(_shape_args(size), dtype.numpy)
    return _finish(values, dtype, _device(device), requires_grad)


def randint(low, high=None, size=None, *, generator=None, dtype=None, device=None, requires_grad=False):
    if size is None:
        raise TypeError("randint() missing 1 required positional arguments: \"size\"")
    if high is None:
        low, high = 0, low
    dtype = dtype or dtypes.int64
    return _finish(random.integers(low, high, tuple(size), dtype.numpy), dtype, _device(device), requires_grad)


def randperm(n, *, dtype=None, device=None, requires_grad=False):
    dtype = dtype or dtypes.int64
    return _finish(random.permutation(n).astype(dtype.numpy), dtype, _device(device), requires_grad)
