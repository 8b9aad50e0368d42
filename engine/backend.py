"""Devices and their array libraries: 'cpu' is numpy, 'cuda' is CuPy.

This module is the only one that knows which library holds a device's arrays. Ops ask it for the
array module of a device (`array_module`) and call that module's numpy-style functions, which the
two libraries spell alike. What they spell differently lives here: moving arrays between devices
(`to_device`, `to_host`), scatter-add (`index_add`), `erf`, kernels numpy runs slowly in their
plain form (`maximum_with_zero`, `reduce_rows`, `zero_where`), and numpy's floating-point
warnings, which PyTorch never gives (silenced once, below). Random numbers are drawn on the host
by engine.random and moved.

CuPy is imported the first time a tensor asks for 'cuda', never before; where it is missing, or
finds no GPU it can use, asking for 'cuda' raises `DeviceUnavailable` saying which, and nothing
else changes.
"""
import math
import re
import sys
import warnings

import numpy

from . import numpy_erf

CUDA_EXTRA = "pip install 'grad-magic[cuda]'"


class device:
    """A device as PyTorch names it: `device('cpu')`, `device('cuda')`, `device('cuda:0')`,
    `device('cuda', 0)`; a bare integer means that CUDA device, as in PyTorch."""

    __slots__ = ("type", "index")

    def __init__(self, type, index=None):  # noqa: A002 - PyTorch's parameter name
        if isinstance(type, device):
            type, index = type.type, type.index if index is None else index
        elif isinstance(type, int) and not isinstance(type, bool):
            type, index = "cuda", type
        elif isinstance(type, str):
            type, index = _parse(type, index)
        else:
            raise TypeError(
                f"device() received an invalid combination of arguments - got ({_type_name(type)})"
            )
        if index is not None:
            if not isinstance(index, int) or isinstance(index, bool):
                raise TypeError(
                    f"device(): argument 'index' (position 2) must be int, not {_type_name(index)}"
                )
            if index < 0:
                raise RuntimeError("Device index must not be negative")
        self.type = type
        self.index = index

    def __repr__(self):
        if self.index is None:
            return f"device(type='{self.type}')"
        return f"device(type='{self.type}', index={self.index})"

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other):
        # as in PyTorch: only devices compare equal (device('cpu') == 'cpu' is False), and
        # device('cuda') is not device('cuda:0')
        if not isinstance(other, device):
            return NotImplemented
        return self.type == other.type and self.index == other.index

    def __hash__(self):
        return hash((self.type, self.index))

    def __reduce__(self):
        return device, (self.type, self.index)


# torch's c10::Device grammar: a type, then optionally ':' and an index without leading zeros
_DEVICE_STRING = re.compile(r"([a-zA-Z_]+)(?::([1-9]\d*|0))?")


def _parse(text, index):
    match = _DEVICE_STRING.fullmatch(text)
    if match is None:
        raise RuntimeError(f"Invalid device string: '{text}'")
    kind, number = match.groups()
    if kind not in _MODULE_LOADERS:
        raise RuntimeError(
            f"Expected one of cpu, cuda device type at start of device string: {kind}"
        )
    if number is not None:
        if index is not None:
            raise RuntimeError(
                "type (string) must not include an index because index was passed explicitly: " + text
            )
        index = int(number)
    return kind, index


def _type_name(value):
    return type(value).__name__


class DeviceUnavailable(RuntimeError):
    """Asked for 'cuda' where CuPy is missing or finds no GPU it can use; the message says which."""


def _load_cupy():
    """The cupy module, once it is known to run on a GPU here; DeviceUnavailable otherwise."""
    try:
        import cupy
    except ImportError as error:
        if error.name == "cupy":
            raise DeviceUnavailable(
                f"CUDA is not available: CuPy is not installed. Install it with {CUDA_EXTRA} "
                "(CuPy for CUDA 12 with CUDA's own libraries; a machine with an NVIDIA GPU and "
                "driver is needed too), or use device='cpu'."
            ) from None
        raise _no_gpu(f"CuPy is installed but cannot be imported ({error})") from None
    except Exception as error:  # a broken install can fail in other ways
        raise _no_gpu(f"CuPy is installed but cannot be imported ({error})") from None
    try:
        count = cupy.cuda.runtime.getDeviceCount()
    except Exception as error:  # CUDARuntimeError when there is no driver or it is too old
        raise _no_gpu(f"CuPy is installed but found no usable GPU ({error})") from None
    if count < 1:
        raise _no_gpu("CuPy is installed but found no GPU")
    try:
        # one small kernel: CuPy compiles it, which needs CUDA's runtime compiler (NVRTC)
        int((cupy.arange(3) + 1).sum())
    except Exception as error:
        raise _no_gpu(f"CuPy is installed and sees a GPU but cannot run on it ({error})") from None
    return cupy


def _no_gpu(reason):
    return DeviceUnavailable(
        f"CUDA is not available: {reason}. Run on a machine with an NVIDIA GPU and its driver "
        f"(nvidia-smi lists it), with CuPy from {CUDA_EXTRA}, or use device='cpu'."
    )


_MODULE_LOADERS = {"cpu": lambda: numpy, "cuda": _load_cupy}
_modules = {"cpu": numpy}  # a failed load is not remembered: installing CuPy later works


def array_module(dev):
    """numpy for the CPU, CuPy for CUDA; DeviceUnavailable with the reason when it can't be had."""
    module = _modules.get(dev.type)
    if module is None:
        module = _modules[dev.type] = _MODULE_LOADERS[dev.type]()
    return module


CPU = device("cpu")
CUDA = device("cuda", 0)


def canonical(dev):
    """The device a tensor lives on: `'cuda'` means the GPU, index 0, and `'cpu:0'` the CPU.
    Raises, changing nothing, when the device can't be had."""
    if dev is CPU or dev is CUDA and _modules.get("cuda") is not None:
        return dev
    dev = device(dev)
    if dev.type == "cpu":
        return CPU
    module = array_module(dev)  # raises the clear error when CUDA can't be had
    if dev.index not in (None, 0):
        if dev.index >= module.cuda.runtime.getDeviceCount():
            raise RuntimeError("CUDA error: invalid device ordinal")
        raise RuntimeError(f"the engine runs on one GPU, cuda:0; cuda:{dev.index} is not supported")
    return CUDA


def device_count():
    """How many GPUs CuPy sees (0 without CuPy or a GPU)."""
    try:
        return array_module(CUDA).cuda.runtime.getDeviceCount()
    except DeviceUnavailable:
        return 0


def gpu_name():
    properties = array_module(CUDA).cuda.runtime.getDeviceProperties(0)
    name = properties["name"]
    return name.decode() if isinstance(name, bytes) else name


def synchronize(dev):
    """Wait until the device has finished its queued work (CuPy runs kernels asynchronously)."""
    if dev.type == "cuda":
        array_module(dev).cuda.runtime.deviceSynchronize()


def to_device(array, dev):
    """The array on `dev`: itself when it is there already, else a copy."""
    if dev.type == "cpu":
        return to_host(array)
    return array_module(dev).asarray(array)


def to_host(array):
    """A numpy array with the values of an array on any device (itself when on the CPU)."""
    if isinstance(array, numpy.ndarray):
        return array
    if array.__class__ in SCALAR_TYPES:
        return numpy.asarray(array)
    return array.get()


# numpy returns scalars, not 0-d arrays, from ops on 0-d arrays; tensors always hold arrays
SCALAR_TYPES = frozenset(
    numpy.dtype(code).type for code in ("?", "b", "B", "h", "H", "i", "I", "l", "L", "q", "Q", "e", "f", "d", "g")
)


_ALIGNMENT = 64  # bytes, as PyTorch's CPU allocator aligns every tensor
_ALIGNED_FROM = 4096  # bytes; smaller arrays gain less than the copy costs


def aligned(array):
    """A host array of 4 KiB or more whose memory starts on a 64-byte boundary: itself, or a
    copy. numpy aligns to 16 bytes; BLAS multiplies aligned matrices faster (a 128x784 by
    784x256 product by 2.5%)."""
    if array.nbytes < _ALIGNED_FROM or array.__array_interface__["data"][0] % _ALIGNMENT == 0:
        return array
    buffer = numpy.empty(array.nbytes + _ALIGNMENT, numpy.uint8)
    start = -buffer.__array_interface__["data"][0] % _ALIGNMENT
    copy = buffer[start:start + array.nbytes].view(array.dtype).reshape(array.shape)
    copy[...] = array
    return copy


def is_host_array(value):
    """Is `value` a numpy array (a user's, say, taking part in an op)?"""
    return isinstance(value, numpy.ndarray)


def as_host_array(value):
    """A numpy array of a host value (a numpy scalar, a number, nested lists of them)."""
    return numpy.asarray(value)


# --- numpy's floating-point warnings ------------------------------------------------------------
# PyTorch computes inf and nan silently where numpy warns ("divide by zero encountered in log").
# numpy warns from the Python frame that called it, so the engine's warnings can be told apart,
# and dropped, when one comes: nothing is spent per op (an errstate per op costs ~1 us), and a
# user's own numpy code warns as before. A filter in front drops them first (without marking their
# place as warned, which numpy's own lines share with the user's code); warnings' hook for showing
# one drops them where that filter is gone: `resetwarnings()` removes it, and a `catch_warnings`
# block restores the filters it found (pytest's session holds one from before a test module
# imports the engine). A filter "error" added later still raises first, as for any warning.
_ENGINE = __name__.partition(".")[0]


def _called_by_engine(frame):
    """Is `frame`, the one that warns, the engine's, or numpy's own Python code (ndarray.sum,
    numpy.mean, ...) that the engine called?"""
    while frame is not None and _package_of(frame) == "numpy":
        frame = frame.f_back
    return frame is not None and _package_of(frame) == _ENGINE


def _package_of(frame):
    return (frame.f_globals.get("__name__") or "").partition(".")[0]


class _CalledByEngine:
    """The filter's module pattern: warnings call `match` with the warning's module name."""

    def match(self, module):
        return _called_by_engine(sys._getframe(1))


_show_warning = warnings._showwarnmsg  # "Hook to write a warning to a file; replace if you like."


def _show_unless_engines(message):
    if not (issubclass(message.category, RuntimeWarning) and _called_by_engine(sys._getframe(1))):
        _show_warning(message)


warnings.filters.insert(0, ("ignore", None, RuntimeWarning, _CalledByEngine(), 0))
warnings._showwarnmsg = _show_unless_engines


def index_add(xp, target, index, values):
    """target[index] += values, where an element indexed twice gets both values added (a plain
    `target[index] += values` would keep only one): numpy.add.at, and CuPy's own add.at (13+,
    which deprecates cupyx.scatter_add) or cupyx.scatter_add before it."""
    add_at = getattr(xp.add, "at", None)
    if add_at is not None:
        add_at(target, index, values)
    else:
        import cupyx

        cupyx.scatter_add(target, index, values)


_ERF_ELEMENTWISE_UP_TO = 1024  # math.erf per element is faster: 2 us for 16 elements, not 70


def erf(xp, array):
    """The error function, elementwise: CuPy's own, and on the CPU numpy_erf's, or math.erf's
    for small arrays."""
    if xp is numpy:
        if array.size <= _ERF_ELEMENTWISE_UP_TO:
            return numpy.asarray(numpy.frompyfunc(math.erf, 1, 1)(array), dtype=array.dtype)
        return numpy_erf.erf(array)
    from cupyx.scipy.special import erf as cupy_erf

    return cupy_erf(array)


_ZEROS_ARRAY_FROM = 4096  # elements; below, the array of zeros costs more than it saves


def maximum_with_zero(xp, array):
    """max(0, array) elementwise, as PyTorch's relu: nan kept, -0. too (0 first: maximum keeps its
    second operand where the two are equal). numpy's maximum with the number 0 skips its SIMD
    loop, which it runs with an array of zeros: twice as fast for big arrays, the same bits."""
    if xp is numpy and array.size >= _ZEROS_ARRAY_FROM:
        zeros = numpy.zeros_like(array)
        return numpy.maximum(zeros, array, out=zeros)
    return xp.maximum(0, array)


_SHORT_ROWS_UP_TO = 16  # elements a row; longer rows numpy reduces fast enough itself
_ROW_REDUCTIONS = {"sum": numpy.add, "max": numpy.maximum}


def reduce_rows(reduction, matrix):
    """Each row of a matrix reduced ("sum" or "max"), kept as a column: softmax's sums and maxima
    over the classes. numpy reduces short rows one at a time, slowly (6.6 us for the maxima of
    128 rows of 10); the rows of a transposed copy go at once (2.3 us). Maxima are the same;
    sums add each row's elements in order, nearer PyTorch's values than numpy's pairwise sum."""
    if is_host_array(matrix) and matrix.shape[1] <= _SHORT_ROWS_UP_TO:
        columns = numpy.ascontiguousarray(matrix.T)
        return _ROW_REDUCTIONS[reduction].reduce(columns, axis=0)[:, None]
    return getattr(matrix, reduction)(axis=1, keepdims=True)


def zero_where(array, mask):
    """A float array with +0. where `mask` holds: a select, as PyTorch's threshold_backward (a
    product with the mask would give nan for an inf there), nearly as fast as that product: the
    bits and-ed with all ones or all zeros (numpy's `where` takes three times as long)."""
    selected = mask.astype(f"i{array.itemsize}")  # in place from here: one new array in all
    selected -= 1  # 0 where mask holds, -1 (all bits set) elsewhere
    selected &= array.view(selected.dtype)
    return selected.view(array.dtype)
