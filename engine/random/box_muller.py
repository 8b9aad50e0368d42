"""randn and normal_: PyTorch's two Box-Muller samplers.

Box-Muller turns two uniforms u1, u2 into two normals r cos(theta) and r sin(theta), with
r = sqrt(-2 log u) and theta = 2 pi u'. PyTorch's CPU kernel uses it two ways:

* in blocks of 16 (`normal_fill`), for a contiguous tensor of 16 or more elements: first the
  whole tensor is filled with uniforms, then each block of 16 pairs element i with i + 8
  (cos into i, sin into i + 8); when the size is not a multiple of 16, the last 16 elements are
  filled with fresh uniforms and computed again. float32 goes through PyTorch's AVX2 log and
  sin/cos (avx_math.py), float64 through libm. float16 is computed block by block in float32
  and rounded: the same values, but the elements past the last full block draw no uniforms
  before the last 16 are computed again.
* one element at a time, for smaller or strided tensors, in float64 whatever the dtype: each
  pair gives its cos value now and keeps its sin value in the generator for the next element
  asked for, in this call or a later one.

Then value * std + mean, rounded once (a fused multiply-add).
"""
import math

import numpy

from . import avx_math
from .fma import fused_multiply_add
from .uniform_floats import unit_floats

BLOCK = 16
_HALF_BLOCK = BLOCK // 2
_CHUNK_ROWS = 4096  # rows of 16 computed at a time: the steps' arrays stay in the cache


def normal(generator, count, dtype, mean, std, contiguous=True):
    """`count` normal values of `dtype` (float16, float32 or float64), in the order PyTorch
    writes them."""
    if count < BLOCK or not contiguous:
        values = fused_multiply_add(_one_at_a_time(generator, count), float(std), float(mean))
        if dtype == numpy.float16:  # C++ makes a Half of a double through float: round there first
            values = values.astype(numpy.float32)
        return values.astype(dtype)
    if dtype == numpy.float64:
        return _in_blocks(generator, count, numpy.float64, _rows_float64, float(mean), float(std))
    half = dtype == numpy.float16
    values = _in_blocks(generator, count, numpy.float32, _rows_float32, numpy.float32(mean),
                        numpy.float32(std), uniforms_past_full_blocks=not half)
    return values.astype(dtype)


# --- in blocks of 16 -------------------------------------------------------------------------------
def _in_blocks(generator, count, dtype, make_normal, mean, std, uniforms_past_full_blocks=True):
    """PyTorch's normal_fill. The last 16 elements, when computed again, are an extra row here,
    made normal with the others and then copied over the end."""
    redone = count % BLOCK != 0
    rows = numpy.empty((count // BLOCK + redone, BLOCK), dtype=dtype)
    drawn = count if uniforms_past_full_blocks else count // BLOCK * BLOCK
    rows.ravel()[:drawn] = unit_floats(generator, drawn, dtype)
    if redone:
        rows[-1] = unit_floats(generator, BLOCK, dtype)  # over the leftover uniforms, unused
    for start in range(0, len(rows), _CHUNK_ROWS):
        make_normal(rows[start:start + _CHUNK_ROWS], mean, std)
    values = rows.ravel()[:count]
    if redone:
        values[count - BLOCK:] = rows[-1].copy()
    return values


def _rows_float32(rows, mean, std):
    """PyTorch's normal_fill_16_AVX2, in place, on rows of 16 float32 uniforms."""
    radius = numpy.sqrt(numpy.float32(-2) * avx_math.log(numpy.float32(1) - rows[:, :_HALF_BLOCK]))
    sin, cos = avx_math.sincos(numpy.float32(2 * math.pi) * rows[:, _HALF_BLOCK:])
    rows[:, :_HALF_BLOCK] = fused_multiply_add(radius * cos, std, mean)
    rows[:, _HALF_BLOCK:] = fused_multiply_add(radius * sin, std, mean)


def _rows_float64(rows, mean, std):
    """PyTorch's normal_fill_16, in place, on rows of 16 float64 uniforms."""
    radius = numpy.sqrt(-2 * _libm(math.log, 1 - rows[:, :_HALF_BLOCK]))
    theta = 2 * math.pi * rows[:, _HALF_BLOCK:]
    rows[:, :_HALF_BLOCK] = fused_multiply_add(radius * numpy.cos(theta), std, mean)
    rows[:, _HALF_BLOCK:] = fused_multiply_add(radius * numpy.sin(theta), std, mean)


# --- one at a time ---------------------------------------------------------------------------------
def _one_at_a_time(generator, count):
    """`count` standard normal float64 values as PyTorch's normal_distribution<double> gives
    them: the cached sin value first, if there is one, then cos, sin, cos, ... of fresh pairs."""
    values = numpy.empty(count)
    done = 0
    if count and generator.next_double_normal is not None:
        values[0], generator.next_double_normal = generator.next_double_normal, None
        done = 1
    pairs = (count - done + 1) // 2
    uniforms = unit_floats(generator, 2 * pairs, numpy.float64)
    u1, u2 = uniforms[0::2], uniforms[1::2]
    radius = numpy.sqrt(-2.0 * _libm(math.log1p, -u2))
    theta = 2.0 * math.pi * u1
    cos_sin = numpy.stack([radius * numpy.cos(theta), radius * numpy.sin(theta)], axis=1).ravel()
    values[done:] = cos_sin[:count - done]
    if (count - done) % 2:
        generator.next_double_normal = float(cos_sin[-1])
    return values


def _libm(function, values):
    """`function` (one of the math module's, which are the C library's, as PyTorch's) on each value.

    NOTE: numpy's float64 log and log1p are its own, and now and then a bit off the C library's;
    its float64 cos and sin give the C library's values, so those are left to numpy."""
    results = numpy.fromiter(map(function, values.ravel().tolist()), numpy.float64, values.size)
    return results.reshape(values.shape)
