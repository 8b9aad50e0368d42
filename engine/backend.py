"""Devices and their array libraries: 'cpu' is numpy, 'cuda' is CuPy.

This module is the only one that knows which library holds a device's arrays. Ops ask it for the
array module of a device (`array_module`) and use that module's numpy-style functions.
"""
import contextlib

import numpy


class device:
    """A device as PyTorch names it: `device('cpu')`, `device('cuda')`, `device('cuda:0')`."""

    __slots__ = ("type", "index")

    def __init__(self, type, index=None):  # noqa: A002 - PyTorch's parameter name
        if isinstance(type, device):
            type, index = type.type, type.index if index is None else index
        elif isinstance(type, str) and ":" in type:
            type, _, text = type.partition(":")
            if not text.isdigit():
                raise RuntimeError(f"Invalid device string: '{type}:{text}'")
            index = int(text)
        if type not in _MODULE_LOADERS:
            raise RuntimeError(
                "Expected one of cpu, cuda device type at start of device string: " + str(type)
            )
        self.type = type
        self.index = index

    def __repr__(self):
        if self.index is None:
            return f"device(type='{self.type}')"
        return f"device(type='{self.type}', index={self.index})"

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other):
        if isinstance(other, str):
            other = device(other)
        return isinstance(other, device) and (self.type, self.index) == (other.type, other.index)

    def __hash__(self):
        return hash((self.type, self.index))


class DeviceUnavailable(RuntimeError):
    """Raised when a device is asked for that this machine cannot provide."""


def _load_cupy():
    try:
        import cupy
    except ImportError:
        raise DeviceUnavailable(
            "CUDA is not available: CuPy is not installed. "
            "Install it with: pip install 'grad-magic[cuda]'"
        ) from None
    try:
        if cupy.cuda.runtime.getDeviceCount() < 1:
            raise RuntimeError("no CUDA device")
    except Exception as error:  # CuPy raises its own CUDARuntimeError when no driver is found
        raise DeviceUnavailable(
            f"CUDA is not available: CuPy is installed but found no usable GPU ({error}). "
            "Run on a machine with an NVIDIA GPU and driver, or use device='cpu'."
        ) from None
    return cupy


_MODULE_LOADERS = {"cpu": lambda: numpy, "cuda": _load_cupy}
_modules = {}


def array_module(dev):
    """numpy for the CPU, CuPy for CUDA; DeviceUnavailable with the reason when it can't be had."""
    module = _modules.get(dev.type)
    if module is None:
        module = _modules[dev.type] = _MODULE_LOADERS[dev.type]()
    return module


CPU = device("cpu")
CUDA = device("cuda", 0)


def canonical(dev):
    """The device a tensor lives on: `'cuda'` means the current GPU, index 0."""
    dev = device(dev)
    if dev.type == "cpu":
        return CPU
    array_module(dev)  # raises the clear error when CUDA can't be had
    return CUDA if dev.index in (None, 0) else dev


def device_of(array):
    return CPU if isinstance(array, numpy.ndarray) else CUDA


def to_device(array, dev):
    """Copy an array onto a device (no copy when it is already there)."""
    if dev.type == "cpu":
        return to_host(array)
    return array_module(dev).asarray(array)


# numpy returns scalars, not 0-d arrays, from ops on 0-d arrays; tensors always hold arrays
SCALAR_TYPES = frozenset(
    numpy.dtype(code).type for code in ("?", "b", "B", "h", "H", "i", "I", "l", "L", "q", "Q", "e", "f", "d", "g")
)


def as_host_array(value):
    return numpy.asarray(value)


def quiet_float_errors(dev):
    """A context in which numpy stays silent about inf and nan results (divide by zero, invalid,
    overflow), as PyTorch does; CuPy never warns, so for it this does nothing."""
    if dev.type == "cpu":
        return numpy.errstate(divide="ignore", invalid="ignore", over="ignore")
    return contextlib.nullcontext()


def to_host(array):
    """A numpy array with the values of an array on any device."""
    if isinstance(array, numpy.ndarray):
        return array
    return array.get()


def erf(xp, array):
    """The error function, elementwise. CuPy has cupyx.scipy.special.erf; numpy has none, so
    math.erf runs on each element (exact, if slow for big arrays)."""
    if xp is numpy:
        import math

        return numpy.asarray(numpy.frompyfunc(math.erf, 1, 1)(array), dtype=array.dtype)
    from cupyx.scipy.special import erf as cupy_erf

    return cupy_erf(array)


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
