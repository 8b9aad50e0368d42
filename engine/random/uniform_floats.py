"""rand and uniform_: floats in [from, to) from the generator's bits, as PyTorch makes them.

A float64 takes the 53 low bits of one 64-bit output, a float32 the 24 low bits of one 32-bit
output, as a fraction of 2**53 or 2**24; float16 is computed as float32 and rounded. The fraction
x becomes x * (to - from) + from with one rounding (PyTorch's kernel is compiled to a fused
multiply-add), and a value that rounding carried up to `to` itself is replaced by `from`, so the
range stays [from, to).
"""
import numpy

from .fma import fused_multiply_add


def unit_floats(generator, count, dtype):
    """`count` floats in [0, 1): float64 from 53 bits, float32 from 24."""
    if dtype == numpy.float64:
        return (generator.bits64(count) & numpy.uint64(2**53 - 1)).astype(numpy.float64) * 2.0**-53
    return (generator.bits32(count) & numpy.uint64(2**24 - 1)).astype(numpy.float32) * numpy.float32(2.0**-24)


def uniform(generator, count, dtype, low, high):
    """`count` values of `dtype` (float16, float32 or float64) in [low, high)."""
    dtype = numpy.dtype(dtype)
    compute = numpy.float64 if dtype == numpy.float64 else numpy.float32
    low, high = compute(low), compute(high)
    fractions = unit_floats(generator, count, compute)
    values = fused_multiply_add(fractions, high - low, low).astype(dtype, copy=False)
    values[values == dtype.type(high)] = dtype.type(low)
    return values
