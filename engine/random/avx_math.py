"""float32 log and sin/cos exactly as PyTorch's AVX2 normal kernel computes them.

PyTorch's float32 normal_ (tensors of 16 or more elements) calls log256_ps and sincos256_ps from
its avx_mathfun.h: Julien Pommier's ports of the Cephes single-precision polynomials, which give
other last bits than a libm. Each step is redone here in float32; where the compiler fused a
multiplication into the addition after it (GCC fuses a product whose only use is an add), the
step is `_fused`, rounded once as the instruction rounds. Products that are exact anyway (by a
small integer, 0.5 or a constant of few bits) are written as plain arithmetic.

Both functions are exact for the arguments that kernel gives them, 1 - u and 2 pi u for the
2**24 uniforms u it draws from (see `_fused`), and only for those.
"""
import numpy

f32 = numpy.float32
f64 = numpy.float64


def _fused(a, b, c):
    """a * b + c rounded once to float32 (an FMA), for the arguments log and sincos get.

    In float64 the product of two float32s is exact and the sum rounds once; rounding that to
    float32 is a second rounding, which in general can differ from one rounding (when the
    float64 sum lands exactly halfway between two float32s), but for none of the arguments
    these two functions can receive: tests/engine/test_random.py checks all 2**24 of each
    against the always-exact fma.fused_multiply_add. b may come in float64 already."""
    return (a.astype(f64) * b + c).astype(f32)


# --- log -----------------------------------------------------------------------------------------
_SQRT_HALF = f32(0.707106781186547524)
_LOG_POLYNOMIAL = [f32(c) for c in (
    7.0376836292e-2, -1.1514610310e-1, 1.1676998740e-1, -1.2420140846e-1, 1.4249322787e-1,
    -1.6668057665e-1, 2.0000714765e-1, -2.4999993993e-1, 3.3333331174e-1,
)]
_LN2_LOW = f32(-2.12194440e-4)  # ln 2 split in two: this small part, and a high part of 9 bits
_LN2_HIGH = f32(0.693359375)


def log(x):
    """Natural logarithm of float32 values 1 - u (u: PyTorch's 24-bit uniforms)."""
    bits = x.view(numpy.int32)
    # x = m * 2**e with m in [0.5, 1); where m < sqrt(1/2), use 2m and e - 1, so m - 1 stays small
    m = ((bits & 0x007FFFFF) | 0x3F000000).view(numpy.float32)
    e = (bits >> 23).astype(numpy.float32) - f32(0x7F - 1)
    small = m < _SQRT_HALF
    e = e - small
    m = (m - f32(1)) + m * small
    z = m * m
    m_wide = m.astype(f64)  # converted once for the products below, not in each
    y = _fused(m, _LOG_POLYNOMIAL[0], _LOG_POLYNOMIAL[1])
    for coefficient in _LOG_POLYNOMIAL[2:]:
        y = _fused(y, m_wide, coefficient)
    y = _fused(y * m, z, e * _LN2_LOW)
    y = y - z * f32(0.5)
    return (m + y) + e * _LN2_HIGH


# --- sin and cos ---------------------------------------------------------------------------------
_FOUR_OVER_PI = f32(1.27323954473516)
# -pi/4 split in three, so that x - j * pi/4 loses nothing; the first two have few bits
_MINUS_PI_4 = (f32(-0.78515625), f32(-2.4187564849853515625e-4), f32(-3.77489497744594108e-8))
_SIN_POLYNOMIAL = (f32(-1.9515295891e-4), f32(8.3321608736e-3), f32(-1.6666654611e-1))
_COS_POLYNOMIAL = (f32(2.443315711809948e-5), f32(-1.388731625493765e-3), f32(4.166664568298827e-2))


def sincos(x):
    """(sin x, cos x) of float32 values 2 pi u (u: PyTorch's 24-bit uniforms; sincos256_ps's
    handling of negative x is left out)."""
    # j: the even number of eighths of a turn nearest x; x is reduced to x - j * pi/4
    j = ((x * _FOUR_OVER_PI).astype(numpy.int32) + 1) & ~1
    y = j.astype(numpy.float32)
    x = x + y * _MINUS_PI_4[0]
    x = x + y * _MINUS_PI_4[1]
    x = _fused(y, _MINUS_PI_4[2], x)
    z = x * x
    z_wide = z.astype(f64)  # converted once for the products below, not in each

    cos_poly = _fused(z, _COS_POLYNOMIAL[0], _COS_POLYNOMIAL[1])
    cos_poly = _fused(cos_poly, z_wide, _COS_POLYNOMIAL[2])
    cos_poly = _fused(cos_poly * z, z_wide, -(z * f32(0.5))) + f32(1)

    sin_poly = _fused(z, _SIN_POLYNOMIAL[0], _SIN_POLYNOMIAL[1])
    sin_poly = _fused(sin_poly, z_wide, _SIN_POLYNOMIAL[2])
    sin_poly = _fused(sin_poly * z, x, x)

    # j's quadrant says which polynomial gives which function (its bit 1) and flips the signs
    # (bit 2); chosen with bit masks, as the AVX code does (and faster than numpy.where)
    sin_bits, cos_bits = sin_poly.view(numpy.int32), cos_poly.view(numpy.int32)
    swap = (sin_bits ^ cos_bits) & ((j << 30) >> 31)  # all ones where bit 1 of j is set
    sin = sin_bits ^ swap ^ ((j & 4) << 29)
    cos = cos_bits ^ swap ^ (((j + 2) & 4) << 29)
    return sin.view(numpy.float32), cos.view(numpy.float32)
