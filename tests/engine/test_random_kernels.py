"""The arithmetic behind engine.random, checked without PyTorch: the fused multiply-add against
exact rational arithmetic, the AVX2 log and sin/cos on every argument PyTorch's normal kernel can
give them, and randperm's loop-free swaps against the loop they stand for."""
from fractions import Fraction

import numpy as np
import pytest

from engine.random import avx_math, fma, integers
from engine.random.generator import Generator

RNG = np.random.default_rng(11)


def nearest(exact, dtype):
    """The float of `dtype` nearest to the Fraction `exact`, ties to even."""
    guess = dtype(float(exact))  # within one step of the answer
    candidates = [np.nextafter(guess, dtype(-np.inf)), guess, np.nextafter(guess, dtype(np.inf))]
    return min(candidates, key=lambda c: (abs(Fraction(float(c)) - exact), int(c.view(_BITS[dtype])) % 2))


_BITS = {np.float32: np.uint32, np.float64: np.uint64}


def exact_fma(a, b, c, dtype):
    return np.array([nearest(Fraction(float(x)) * Fraction(float(y)) + Fraction(float(z)), dtype)
                     for x, y, z in zip(a, b, c)], dtype=dtype)


def operands(dtype, count=1500):
    """Random triples at many scales, cancelling sums, and c far below or above a * b."""
    a = RNG.standard_normal(count) * 2.0 ** RNG.integers(-30, 30, count)
    b = RNG.standard_normal(count) * 2.0 ** RNG.integers(-30, 30, count)
    c = RNG.standard_normal(count) * 2.0 ** RNG.integers(-60, 60, count)
    a, b, c = (v.astype(dtype) for v in (a, b, c))
    cancelling = -(a[:300].astype(np.float64) * b[:300]).astype(dtype)
    return a, b, np.concatenate([cancelling, c[300:]])


def double_rounding_cases():
    """float32 triples whose a * b + c, rounded to float64 first, lands exactly halfway between
    two float32s though the exact value does not: one rounding and two differ."""
    a = np.full(6, 1 + 2.0**-12, np.float32)  # a * a = 1 + 2**-11 + 2**-24: a float32 midpoint
    c = np.array([2.0**-80, -(2.0**-80), 2.0**-100, -(2.0**-100), 2.0**-126, 0.0], np.float32)
    # and sums below float32's normal range, where a tiny c carries the decisive bit
    tiny_a = np.array([2.0**-70, 3 * 2.0**-75], np.float32)
    tiny_b = np.array([2.0**-60, 2.0**-60], np.float32)
    tiny_c = np.array([2.0**-149, -(2.0**-149)], np.float32)
    return np.concatenate([a, tiny_a]), np.concatenate([a, tiny_b]), np.concatenate([c, tiny_c])


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
def test_fused_multiply_add_rounds_once(dtype):
    a, b, c = operands(dtype)
    np.testing.assert_array_equal(fma.fused_multiply_add(a, b, c), exact_fma(a, b, c, dtype))
    # a scalar b and c, as uniform_ and normal_ pass them
    np.testing.assert_array_equal(fma.fused_multiply_add(a, dtype(0.3), dtype(-1.7)),
                                  exact_fma(a, np.full_like(a, 0.3), np.full_like(a, -1.7), dtype))


def test_fused_multiply_add_where_float64_arithmetic_would_round_twice():
    a, b, c = double_rounding_cases()
    expected = exact_fma(a, b, c, np.float32)
    twice = (a.astype(np.float64) * b + c).astype(np.float32)
    assert (twice != expected).any()  # the cases do catch a double rounding
    np.testing.assert_array_equal(fma.fused_multiply_add(a, b, c), expected)


def test_fused_multiply_add_keeps_signed_zeros_as_the_instruction_does():
    for dtype in (np.float32, np.float64):
        minus_zero = np.array([-0.0], dtype)
        assert not np.signbit(fma.fused_multiply_add(minus_zero, dtype(1.0), dtype(0.0)))[0]  # -0 + +0 is +0
        assert np.signbit(fma.fused_multiply_add(minus_zero, dtype(3.0), dtype(-0.0)))[0]


def test_avx_math_is_exact_on_every_argument_of_the_normal_kernel(monkeypatch):
    """log and sincos round their fused steps through float64 (avx_math._fused), which is exact
    only for their arguments: 1 - u and 2 pi u for each of the 2**24 uniforms u. All of them."""
    every_uniform = np.arange(2**24, dtype=np.uint32).astype(np.float32) * np.float32(2.0**-24)
    for start in range(0, 2**24, 2**21):
        u = every_uniform[start:start + 2**21]
        log_argument, angle = np.float32(1) - u, np.float32(2 * np.pi) * u
        monkeypatch.setattr(avx_math, "_fused", avx_math._fused)
        quick = [avx_math.log(log_argument), *avx_math.sincos(angle)]
        monkeypatch.setattr(avx_math, "_fused", fma.fused_multiply_add)
        exact = [avx_math.log(log_argument), *avx_math.sincos(angle)]
        for got, expected in zip(quick, exact):
            np.testing.assert_array_equal(got.view(np.int32), expected.view(np.int32))


def test_avx_math_against_the_functions_it_approximates():
    u = np.arange(1, 2**24, 997, dtype=np.uint32).astype(np.float32) * np.float32(2.0**-24)
    angle = np.float32(2 * np.pi) * u
    sin, cos = avx_math.sincos(angle)
    log = avx_math.log(np.float32(1) - u)
    np.testing.assert_allclose(log, np.log1p(-u.astype(np.float64)), rtol=3e-7, atol=1e-7)
    np.testing.assert_allclose(sin, np.sin(angle.astype(np.float64)), atol=2e-7)
    np.testing.assert_allclose(cos, np.cos(angle.astype(np.float64)), atol=2e-7)


def swapped_in_a_loop(seed, n):
    """PyTorch's randperm as it is written: swap element i with i + (output % (n - i))."""
    outputs = Generator().manual_seed(seed).bits32(max(n - 1, 0)).tolist()
    values = list(range(n))
    for i in range(n - 1):
        j = i + outputs[i] % (n - i)
        values[i], values[j] = values[j], values[i]
    return values


@pytest.mark.parametrize("n", [*range(12), 31, 32, 33, 100, 1000, 4099])
def test_randperm_is_the_swap_loop(n):
    for seed in (0, 1, 7, 2**40 + 3):
        assert integers.randperm(Generator().manual_seed(seed), n).tolist() == swapped_in_a_loop(seed, n)
