"""engine.numpy_erf, the CPU's erf, against math.erf; gelu, which uses it, against torch."""
import math

import numpy as np
import pytest

import engine
import torch_oracle
from engine import backend
from engine.numpy_erf import erf

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(7)
TINIEST = 5e-324
SMALLEST_NORMAL = 2.2250738585072014e-308

POINTS = np.concatenate([
    [0.0, -0.0, TINIEST, -TINIEST, SMALLEST_NORMAL, 1e-300, 1e-17, 2.0 ** -28, 1e-8, 1e-3],
    [0.84375, 1.0, 1.25, 1 / 0.35, 5.9, 6.0, 6.1, 26.5, 28.0, 1e10, 1e300, 1.7976931348623157e308],
    np.nextafter(np.array([0.84375, 1.25, 1 / 0.35, 6.0]), 0),  # just below each range's end
    RNG.uniform(-7.0, 7.0, 20_000),
    RNG.normal(0.0, 1.0, 20_000),
    10.0 ** RNG.uniform(-320.0, 1.0, 5_000),  # tiny and subnormal
])
POINTS = np.concatenate([POINTS, -POINTS])


def ulps_from_math_erf(values, points, dtype=np.float64):
    expected = np.array([math.erf(p) for p in points.tolist()]).astype(dtype)
    return np.abs(values.astype(np.float64) - expected) / np.spacing(np.abs(expected))


def test_float64_is_within_an_ulp_of_math_erf():
    values = erf(POINTS)
    assert values.dtype == np.float64
    assert ulps_from_math_erf(values, POINTS).max() <= 1.0


@pytest.mark.parametrize("dtype", [np.float32, np.float16])
def test_other_floats_are_rounded_once_from_float64(dtype):
    points = POINTS[np.abs(POINTS) <= np.finfo(dtype).max].astype(dtype)
    values = erf(points)
    assert values.dtype == dtype
    # math.erf of the rounded input, rounded to the dtype: equal, bar a double rounding
    assert ulps_from_math_erf(values, points.astype(np.float64), dtype).max() <= 1.0


def test_special_values():
    values = erf(np.array([0.0, -0.0, math.inf, -math.inf, math.nan]))
    assert values[:4].tolist() == [0.0, 0.0, 1.0, -1.0]
    assert np.signbit(values[1]) and not np.signbit(values[0])
    assert math.isnan(values[4])


def test_shapes_and_layouts():
    grid = RNG.normal(size=(40, 30))
    assert np.array_equal(erf(grid.T), erf(grid).T)  # not contiguous
    assert erf(np.array(0.5)).shape == ()
    assert erf(np.array(0.5)) == math.erf(0.5)
    assert erf(np.zeros((0, 3), np.float32)).shape == (0, 3)
    assert erf(np.arange(3)).dtype == np.float64


def test_backend_erf_agrees_below_and_above_its_switch_to_numpy_erf():
    size = backend._ERF_ELEMENTWISE_UP_TO
    points = RNG.normal(size=size + 1)
    whole = backend.erf(np, points)  # numpy_erf
    parts = np.concatenate([backend.erf(np, points[:size]), backend.erf(np, points[size:])])  # math.erf
    assert ulps_from_math_erf(whole, points).max() <= 1.0
    assert ulps_from_math_erf(parts, points).max() == 0.0


# --- gelu: x * Phi(x), Phi(x) = (1 + erf(x / sqrt 2)) / 2 ------------------------------------------
@pytest.mark.parametrize("size", [7, 5000])  # math.erf per element, then numpy_erf
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_gelu_and_its_gradients_match_torch(size, dtype):
    values = np.concatenate([[0.0, -0.0, 40.0, -40.0, 1e-30], RNG.normal(0.0, 3.0, size - 5)])
    tolerance = {"float32": dict(atol=1e-6, rtol=1e-5), "float64": dict(atol=1e-15, rtol=1e-13)}[dtype]
    results = []
    for lib in (engine, torch):
        x = lib.tensor(values, dtype=getattr(lib, dtype), requires_grad=True)
        y = lib.nn.functional.gelu(x)
        (grad,) = lib.autograd.grad(y.sum(), x, create_graph=True)
        (second,) = lib.autograd.grad(grad.sum(), x)
        results.append((y, grad, second))
    for ours, theirs in zip(*results):
        torch_oracle.assert_same_tensor(ours, theirs, **tolerance)
