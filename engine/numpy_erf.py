"""The error function on numpy arrays, which numpy lacks (CuPy has its own).

The algorithm of fdlibm's s_erf.c (Sun Microsystems, 1993), whose rational approximations glibc,
musl and FreeBSD use too: in float64 it gives math.erf's value, or one a single ulp away (about
one in fifty). It splits |x| in four ranges:
    |x| < 0.84375          erf(x) = x + x * R(x^2) / S(x^2)
    0.84375 <= |x| < 1.25  erf(x) = sign(x) * (erx + P(s) / Q(s)),  s = |x| - 1
    1.25 <= |x| < 6        erf(x) = sign(x) * (1 - exp(-x^2 - 0.5625 + R(1/x^2) / S(1/x^2)) / |x|),
                           with one pair R, S below 1/0.35 and another above
    |x| >= 6               erf(x) = sign(x), to the last bit
Other float dtypes are computed in float64 and rounded once.

fdlibm's notice, which its coefficients carry: Copyright (C) 1993 by Sun Microsystems, Inc. All
rights reserved. Developed at SunPro, a Sun Microsystems, Inc. business. Permission to use, copy,
modify, and distribute this software is freely granted, provided that this notice is preserved.
"""
import numpy

# Each polynomial's coefficients, from the constant term up.
_NEAR = 0.84375
_NEAR_R = (1.28379167095512558561e-01, -3.25042107247001499370e-01, -2.84817495755985104766e-02,
           -5.77027029648944159157e-03, -2.37630166566501626084e-05)
_NEAR_S = (1.0, 3.97917223959155352819e-01, 6.50222499887672944485e-02, 5.08130628187576562776e-03,
           1.32494738004321644526e-04, -3.96022827877536812320e-06)

_AROUND_ONE = 1.25
_ERX = 8.45062911510467529297e-01  # erf(1) to 24 bits
_AROUND_ONE_P = (-2.36211856075265944077e-03, 4.14856118683748331666e-01, -3.72207876035701323847e-01,
                 3.18346619901161753674e-01, -1.10894694282396677476e-01, 3.54783043256182359371e-02,
                 -2.16637559486879084300e-03)
_AROUND_ONE_Q = (1.0, 1.06420880400844228286e-01, 5.40397917702171048937e-01, 7.18286544141962662868e-02,
                 1.26171219808761642112e-01, 1.36370839120290507362e-02, 1.19844998467991074170e-02)

_TAIL_SPLIT = 1 / 0.35
_TAIL_A_R = (-9.86494403484714822705e-03, -6.93858572707181764372e-01, -1.05586262253232909814e+01,
             -6.23753324503260060396e+01, -1.62396669462573470355e+02, -1.84605092906711035994e+02,
             -8.12874355063065934246e+01, -9.81432934416914548592e+00)
_TAIL_A_S = (1.0, 1.96512716674392571292e+01, 1.37657754143519042600e+02, 4.34565877475229228821e+02,
             6.45387271733267880336e+02, 4.29008140027567833386e+02, 1.08635005541779435134e+02,
             6.57024977031928170135e+00, -6.04244152148580987438e-02)
_TAIL_B_R = (-9.86494292470009928597e-03, -7.99283237680523006574e-01, -1.77579549177547519889e+01,
             -1.60636384855821916062e+02, -6.37566443368389627722e+02, -1.02509513161107724954e+03,
             -4.83519191608651397019e+02)
_TAIL_B_S = (1.0, 3.03380607434824582924e+01, 3.25792512996573918826e+02, 1.53672958608443695994e+03,
             3.19985821950859553908e+03, 2.55305040643316442583e+03, 4.74528541206955367215e+02,
             -2.24409524465858183362e+01)
_ONE = 6.0  # erfc(6) < 2**-54: erf rounds to 1


def erf(array):
    """erf of each element of a numpy array, in its float dtype (float64 for other dtypes)."""
    x = numpy.ravel(array).astype(numpy.float64, copy=False)
    magnitude = numpy.abs(x)
    result = numpy.empty_like(x)
    # NOTE: each range's elements are picked by their indices: a boolean mask's picks (x[mask],
    # numpy.where) cost several times more, as the CPU can't predict them
    near = numpy.flatnonzero(~(magnitude >= _NEAR))  # nan too: x + x * nan stays nan
    result[near] = _erf_near_zero(x.take(near))
    around_one = numpy.flatnonzero((magnitude >= _NEAR) & (magnitude < _AROUND_ONE))
    result[around_one] = numpy.copysign(
        _ERX + _ratio(_AROUND_ONE_P, _AROUND_ONE_Q, magnitude.take(around_one) - 1.0),
        x.take(around_one),
    )
    tail = numpy.flatnonzero(magnitude >= _AROUND_ONE)
    result[tail] = numpy.copysign(
        1.0 - _erfc_tail(numpy.minimum(magnitude.take(tail), _ONE)), x.take(tail)
    )
    dtype = array.dtype if array.dtype.kind == "f" else numpy.float64
    return result.reshape(numpy.shape(array)).astype(dtype, copy=False)


def _erf_near_zero(x):
    # NOTE: x + x * y, not x * (1 + y): the leading term stays exact, tiny and subnormal x too
    return x + x * _ratio(_NEAR_R, _NEAR_S, x * x)


def _erfc_tail(y):
    """erfc(y) for 1.25 <= y <= 6."""
    inverse_square = 1.0 / (y * y)
    ratio = numpy.where(
        y < _TAIL_SPLIT,
        _ratio(_TAIL_A_R, _TAIL_A_S, inverse_square),
        _ratio(_TAIL_B_R, _TAIL_B_S, inverse_square),
    )
    # NOTE: exp(-y^2) magnifies y^2's rounding error by y^2; split y = head + (y - head), with
    # head = y's upper 32 bits, whose square is exact, so y^2 = head^2 + (head - y)(head + y)
    head = (y.view(numpy.uint64) & numpy.uint64(0xFFFFFFFF00000000)).view(numpy.float64)
    return numpy.exp(-head * head - 0.5625) * numpy.exp((head - y) * (head + y) + ratio) / y


def _ratio(numerator, denominator, t):
    return _polynomial(numerator, t) / _polynomial(denominator, t)


def _polynomial(coefficients, t):
    """c0 + c1 t + c2 t^2 + ..., by Horner's rule."""
    result = numpy.full_like(t, coefficients[-1])
    for coefficient in reversed(coefficients[:-1]):
        result *= t
        result += coefficient
    return result
