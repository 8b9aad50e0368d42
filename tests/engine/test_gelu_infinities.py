"""gelu at +-inf and nan against PyTorch, forward, backward and double backward, both
approximations. PyTorch's CPU float32 kernel for approximate='none' gives nan at +inf where it
runs vectorized (a contiguous input of more than one element) and inf elsewhere; the engine
follows (on the CPU only: the cases below that depend on it are skipped on another device)."""
import math

import numpy as np
import pytest

import engine
import engine.nn.functional as engine_F
from on_device import DEVICE
from torch_oracle import as_numpy

torch = pytest.importorskip("torch")
import torch.nn.functional as torch_F  # noqa: E402

INF, NAN = math.inf, math.nan
VALUES = [INF, -INF, NAN, 0.0, 1e30, -1e30, 40.0, -40.0, 3.0, -3.0]

# name: (fn(lib, F), whether the vectorized-kernel rule is involved)
CASES = {
    "float32": (lambda lib: lib.tensor(VALUES), True),
    "float64": (lambda lib: lib.tensor(VALUES, dtype=lib.float64), False),
    "float32, one element": (lambda lib: lib.tensor([INF]), False),
    "float32, 0-d": (lambda lib: lib.tensor(INF), False),
    "float32, transposed": (lambda lib: lib.tensor([[INF, 0.0], [1.0, 2.0]]).t(), False),
    "float32, expanded": (lambda lib: lib.tensor([INF, 0.0]).expand(3, 2), False),
    "float32, a strided single element": (lambda lib: lib.tensor([INF, 0.0])[::2], False),
}


def gelu_and_grads(lib, F, make, approximate):
    x = make(lib).detach().requires_grad_()
    y = F.gelu(x, approximate=approximate)
    (grad,) = lib.autograd.grad(y.sum(), x, create_graph=True)
    (grad2,) = lib.autograd.grad(grad.sum(), x)
    return [as_numpy(t).astype(np.float64) for t in (y, grad, grad2)]


@pytest.mark.parametrize("approximate", ["none", "tanh"])
@pytest.mark.parametrize("name", CASES)
def test_gelu_at_infinities_like_torch(name, approximate):
    make, cpu_rule = CASES[name]
    if cpu_rule and approximate == "none" and DEVICE != "cpu":
        pytest.skip("PyTorch's float32 CPU kernel only")
    ours = gelu_and_grads(engine, engine_F, make, approximate)
    theirs = gelu_and_grads(torch, torch_F, make, approximate)
    # the special values must agree exactly; finite ones to float32's precision
    for our_values, their_values in zip(ours, theirs):
        assert np.array_equal(np.isnan(our_values), np.isnan(their_values))
        assert np.array_equal(np.isinf(our_values), np.isinf(their_values))
        np.testing.assert_allclose(our_values, their_values, rtol=1e-5, atol=1e-6, equal_nan=True)
