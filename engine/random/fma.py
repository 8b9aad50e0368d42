"""a * b + c rounded once, as a fused multiply-add (FMA) instruction computes it, on numpy arrays.

PyTorch's CPU kernels are compiled with FMA contraction: `x * (to - from) + from` in uniform_,
`value * std + mean` in normal_ and most steps of the polynomials in its AVX2 log and sin/cos
round once where numpy, which has no FMA, would round twice. Here the exact result is built from
error-free steps and rounded once at the end ("rounding to odd" keeps the last step honest).
(avx_math.py takes a quicker way, exact for its arguments only, and is tested against this.)
"""
import math

import numpy


def fused_multiply_add(a, b, c):
    """a * b + c rounded once to a's dtype (float32 or float64). b and c: numbers or arrays, whose
    values that dtype holds exactly."""
    if numpy.ndim(b) == 0 and abs(math.frexp(b)[0]) == 0.5:
        # b is a power of two (randn's std of 1, rand's width of 1): the product is exact, the
        # sum the only rounding
        return (a if b == 1 else a * b) + c
    if a.dtype == numpy.float32:
        return _fused_float32(a, b, c)
    return _fused_float64(a, b, c)


def _fused_float32(a, b, c):
    # In float64 a product of float32s is exact and its sum with c rounds once; rounding that to
    # float32 rounds a second time, which can err only where the first rounding (an inexact sum)
    # landed exactly halfway between two float32s, or below float32's normal range, which an
    # inexact sum only reaches with a tiny c. There the sum is rounded to odd first.
    total = a.astype(numpy.float64)
    total *= b
    total += c
    doubtful = (total.view(numpy.uint64) & _BELOW_FLOAT32) == _HALF_FLOAT32_ULP
    tiny_c = (c != 0) & (abs(c) < 2.0**-123)
    if numpy.any(tiny_c):
        doubtful |= tiny_c
    if doubtful.any():
        a, b, c = (numpy.broadcast_to(numpy.asarray(v, dtype=numpy.float64), total.shape) for v in (a, b, c))
        total[doubtful] = _round_to_odd(*_two_sum(a[doubtful] * b[doubtful], c[doubtful]))
    return total.astype(numpy.float32)


_BELOW_FLOAT32 = numpy.uint64((1 << 29) - 1)  # the 29 low bits of a float64's 52-bit fraction
_HALF_FLOAT32_ULP = numpy.uint64(1 << 28)


def _fused_float64(a, b, c):
    product, product_error = _two_product(a, b)
    total, total_error = _two_sum(product, c)
    tail, tail_error = _two_sum(total_error, product_error)
    # a * b + c == total + tail + tail_error exactly; tail is below half an ulp of total (or the
    # sum cancelled and total is exact), so rounding it to odd keeps the one bit that decides
    # how total + tail rounds. Where nothing is left over, total is the answer (adding a zero
    # would turn -0 into +0)
    rest = _round_to_odd(tail, tail_error)
    return numpy.where(rest == 0, total, total + rest)


def _two_sum(a, b):
    """(s, e): s = a + b rounded, and s + e == a + b exactly (Knuth)."""
    s = a + b
    b_part = s - a
    a_part = s - b_part
    return s, (a - a_part) + (b - b_part)


def _two_product(a, b):
    """(p, e): p = a * b rounded, and p + e == a * b exactly (Dekker)."""
    p = a * b
    a_high, a_low = _halves(a)
    b_high, b_low = _halves(b)
    return p, ((a_high * b_high - p) + a_high * b_low + a_low * b_high) + a_low * b_low


def _halves(a):
    """a == high + low, each with at most 26 significant bits, so their products are exact (Veltkamp)."""
    scaled = 134217729.0 * a  # 2**27 + 1
    high = scaled - (scaled - a)
    return high, a - high


def _round_to_odd(value, error):
    """value + error (value: a sum rounded to nearest, error: what that rounding lost) rounded to
    odd: value where exact, else whichever of value and its neighbour toward error ends in a 1
    bit. Rounding this again to fewer bits gives what rounding value + error would."""
    value = numpy.array(value, dtype=numpy.float64)
    even = (value.view(numpy.uint64) & numpy.uint64(1)) == 0
    toward_error = numpy.where(error > 0, numpy.inf, -numpy.inf)
    return numpy.where((error != 0) & even, numpy.nextafter(value, toward_error), value)
