"""Random numbers as PyTorch's CPU generator gives them: after `manual_seed(s)`, rand, randn,
randint, randperm, normal_ and uniform_ give PyTorch's values bit for bit, and a sequence of
calls leaves the generator where PyTorch's would be.

    generator.py       the Generator: PyTorch's Mersenne Twister, its seeds and its state
    uniform_floats.py  rand, uniform_: floats from the twister's bits
    box_muller.py      randn, normal_: PyTorch's two Box-Muller samplers
    avx_math.py        float32 log and sin/cos as PyTorch's AVX2 normal kernel computes them
    fma.py             a * b + c rounded once, as the fused multiply-adds in PyTorch's kernels
    integers.py        randint, randperm

The functions below return host (numpy) arrays: values are drawn on the host for every device,
and the factories move them to the tensor's device, so one seed gives the same numbers on the
CPU and on a GPU (PyTorch's CUDA generator gives other ones), at the cost of a host-to-device
copy for each random tensor made on a GPU.
"""
import math

import numpy

from . import box_muller, integers, uniform_floats
from .generator import Generator, default_generator  # noqa: F401 - exported as torch.Generator


# --- seeds and state, as torch.manual_seed & co. ----------------------------------------------------
def manual_seed(seed):
    return default_generator.manual_seed(int(seed))


def seed():
    return default_generator.seed()


def initial_seed():
    return default_generator.initial_seed()


def get_rng_state():
    return default_generator.get_state()


def set_rng_state(new_state):
    default_generator.set_state(new_state)


# --- draws for the factories and the in-place fills ---------------------------------------------------
def uniform(shape, dtype, low=0.0, high=1.0, generator=None):
    values = uniform_floats.uniform(generator or default_generator, math.prod(shape), dtype, low, high)
    return values.reshape(shape)


def normal(shape, dtype, mean=0.0, std=1.0, generator=None):
    values = box_muller.normal(generator or default_generator, math.prod(shape), dtype, mean, std)
    return values.reshape(shape)


def randint(low, high, shape, dtype, generator=None):
    return integers.randint(generator or default_generator, low, high, math.prod(shape), dtype).reshape(shape)


def randperm(n, dtype, generator=None):
    return integers.randperm(generator or default_generator, n).astype(dtype)


def uniform_like(array, low, high, generator=None):
    """Values for uniform_ on `array` (any device; only its layout is read), in its shape."""
    values = uniform_floats.uniform(generator or default_generator, array.size, array.dtype, low, high)
    return _in_memory_order(values, array)


def normal_like(array, mean, std, generator=None):
    """Values for normal_ on `array`, in its shape; a strided array (a view) gets PyTorch's
    one-at-a-time sampler, as PyTorch's kernel falls back to it."""
    contiguous = array.flags.c_contiguous
    values = box_muller.normal(generator or default_generator, array.size, array.dtype, mean, std, contiguous)
    return _in_memory_order(values, array)


def _in_memory_order(values, array):
    """`values`, written one after another the way PyTorch walks `array` (through memory: the
    dimension with the largest stride outermost), laid out in `array`'s shape."""
    outer_to_inner = sorted(range(array.ndim), key=lambda axis: -array.strides[axis])
    walked = values.reshape([array.shape[axis] for axis in outer_to_inner])
    return walked.transpose(numpy.argsort(outer_to_inner))
