"""Operands of binary ops: Python numbers and tensors promoted to PyTorch's result dtype."""
from .. import backend, dtypes
from ..tensor import Tensor


def common_device(*operands):
    """The device an op on these operands runs on, checked as PyTorch's TensorIterator checks it:
    one device for all, except that a 0-d CPU tensor may join tensors on a GPU, as a scalar
    would. Operands that are not tensors are skipped."""
    device = None
    for x in operands:
        if isinstance(x, Tensor) and (device is None or device.type == "cpu"):
            device = x._device
    for x in operands:
        if isinstance(x, Tensor) and x._device is not device and x._device != device:
            if x._device.type == "cpu" and not x._data.ndim:
                continue
            raise RuntimeError(
                "Expected all tensors to be on the same device, but found at least two devices, "
                f"{device} and {x._device}!"
            )
    return device


def check_same_device(a, b):
    common_device(a, b)


def data_on(x, device):
    """A tensor's array on `device`: a 0-d CPU tensor taking part in a GPU op is copied there."""
    return x._data if x._device is device else backend.to_device(x._data, device)


def operands(a, b):
    """(array_a, array_b_or_number, dtype, device) for an op on `a` and `b`, one a Tensor.

    Python numbers stay numbers (numpy keeps them weak, as PyTorch does); arrays are cast to
    PyTorch's result dtype where numpy's own promotion would differ.
    """
    b_type = type(b)
    if b_type is float or b_type is int:
        # the common case, a tensor and a Python number: numpy's weak scalars match PyTorch,
        # except that an integer tensor meets a float
        if a._dtype.is_floating_point or b_type is int and a._dtype is not dtypes.bool:
            return a._data, b, a._dtype, a._device
    a_is_tensor, b_is_tensor = isinstance(a, Tensor), isinstance(b, Tensor)
    if a_is_tensor and b_is_tensor:
        if a._device is not b._device:
            return _across_devices(a, b)
        if a._dtype is b._dtype:
            return a._data, b._data, a._dtype, a._device
        # a float tensor and a mask (relu's backward, masked gradients): numpy's float wins too
        if b._dtype is dtypes.bool and a._dtype.is_floating_point:
            return a._data, b._data, a._dtype, a._device
        if a._dtype is dtypes.bool and b._dtype.is_floating_point:
            return a._data, b._data, b._dtype, a._device
    elif not (a_is_tensor or b_is_tensor):
        raise TypeError("expected a Tensor operand")
    a, b = _number_or_tensor(a), _number_or_tensor(b)
    dtype = dtypes.result_type((a, b))
    tensor = a if a_is_tensor else b
    return _cast(a, dtype), _cast(b, dtype), dtype, tensor._device


def _across_devices(a, b):
    """Two tensors on different devices: an error, unless one is a 0-d CPU tensor (a scalar)."""
    device = common_device(a, b)
    dtype = dtypes.result_type((a, b))
    a_data, b_data = _cast(a, dtype), _cast(b, dtype)
    if a._device is not device:
        a_data = backend.to_device(a_data, device)
    if b._device is not device:
        b_data = backend.to_device(b_data, device)
    return a_data, b_data, dtype, device


def _number_or_tensor(x):
    """A tensor or a Python number as it is, a numpy scalar as the Python number PyTorch reads it
    as (numpy keeps it weak then, as PyTorch does). Anything else is refused with a TypeError,
    a numpy array too: its operator then returns NotImplemented and numpy computes, as with
    PyTorch (see Tensor.__array_priority__)."""
    if x.__class__ in backend.SCALAR_TYPES:  # first: np.float64 is a float
        return dtypes.as_python_number(x)
    if isinstance(x, (Tensor, int, float)):  # bool is an int
        return x
    raise TypeError(f"unsupported operand type: '{type(x).__name__}'")


def _cast(x, dtype):
    if isinstance(x, Tensor):
        return x._data if x._dtype is dtype else x._data.astype(dtype.numpy)
    return x


def type_name(value):
    """A value's type as PyTorch's messages name it: a builtin's bare (int), another with its
    module (numpy.ndarray), the engine's as torch's (torch.dtype)."""
    kind = type(value)
    module = "torch" if kind.__module__.startswith("engine.") else kind.__module__
    return kind.__name__ if module == "builtins" else f"{module}.{kind.__name__}"


def array_module(tensor):
    return backend.array_module(tensor._device)
