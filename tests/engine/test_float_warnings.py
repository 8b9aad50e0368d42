"""inf and nan come silently, as in PyTorch: no numpy RuntimeWarning from the engine's ops, forward
or backward, while a user's own numpy code still warns.

The engine silences numpy with one warnings filter (engine/backend.py), so these checks record
warnings under the filters as they are (`catch_warnings(record=True)`); a `simplefilter("error")`
would come first and hide the engine's filter. Each program runs on the engine and on torch, and
its values, gradients included, must be torch's (inf and nan where torch has them).
"""
import math
import subprocess
import sys
import warnings

import numpy as np
import pytest

import engine
import torch_oracle

torch = pytest.importorskip("torch")

INF, NAN = math.inf, math.nan

# name: (fn(lib, *tensors), inputs as (values, dtype name)); float inputs require grad
PROGRAMS = {
    "log at 0 and -1": (lambda lib, x: x.log(), [0.0, -1.0, 2.0]),
    "log1p at -1 and -2": (lambda lib, x: x.log1p(), [-1.0, -2.0]),
    "sqrt at 0 and -1": (lambda lib, x: x.sqrt(), [0.0, -1.0, 4.0]),
    "rsqrt at 0 and -1": (lambda lib, x: x.rsqrt(), [0.0, -1.0]),
    "reciprocal at 0": (lambda lib, x: x.reciprocal(), [0.0, -0.0]),
    "exp overflow": (lambda lib, x: x.exp(), [1000.0, -1000.0]),
    "x / 0": (lambda lib, x, y: x / y, [1.0, 0.0, -1.0], [0.0, 0.0, 0.0]),
    "number / 0": (lambda lib, x: x / 0, [1.0, 0.0]),
    "integers / 0": (lambda lib, x, y: x / y, ([1, 0], "int64"), ([0, 0], "int64")),
    "floor division by 0": (lambda lib, x, y: x.detach() // y.detach(), [1.0, 0.0], [0.0, 0.0]),
    "remainder by 0": (lambda lib, x, y: x.detach() % y.detach(), [1.0, 0.0], [0.0, 0.0]),
    "0 * inf": (lambda lib, x, y: x * y, [0.0], [INF]),
    "inf - inf": (lambda lib, x, y: x - y, [INF], [INF]),
    "pow of negatives": (lambda lib, x: x ** 0.5, [-2.0, 0.0, 4.0]),
    "pow -1 at 0": (lambda lib, x: x ** -1, [0.0]),
    "pow tensor exponent": (lambda lib, x, y: x ** y, [-2.0, 0.0], [0.5, -1.0]),
    "float16 overflow": (lambda lib, x: x * 1000, ([60000.0], "float16")),
    "float16 sum overflow": (lambda lib, x: x.sum(), ([60000.0, 60000.0], "float16")),
    "sin and cos of inf": (lambda lib, x: x.sin() + x.cos(), [INF]),
    "tanh and sigmoid far out": (lambda lib, x: x.tanh() * x.sigmoid(), [1000.0, -1000.0]),
    "sum of inf and -inf": (lambda lib, x: x.sum(), [INF, -INF]),
    "mean of inf and -inf": (lambda lib, x: x.mean(), [INF, -INF]),
    "prod overflow": (lambda lib, x: x.prod(), [1e30, 1e30]),
    "max with nan": (lambda lib, x: x.max(), [NAN, 1.0]),
    "amax with nan": (lambda lib, x: x.amax(0), [NAN, 1.0]),
    "norm at 0": (lambda lib, x: x.norm(), [0.0, 0.0]),
    "norm overflow": (lambda lib, x: x.norm(), [1e30, 1e30]),
    "var with inf": (lambda lib, x: x.var(), [INF, 1.0]),
    "std of equal values": (lambda lib, x: x.std(), [1.0, 1.0]),
    "logsumexp of -inf": (lambda lib, x: x.logsumexp(0), [-INF, -INF]),
    "softmax of -inf": (lambda lib, x: x.softmax(0), [-INF, -INF]),
    "log_softmax far out": (lambda lib, x: x.log_softmax(0), [1000.0, -1000.0]),
    "matmul overflow": (lambda lib, x, y: x @ y, [[1e30, 1e30]], [[1e30], [1e30]]),
    "where over log at 0": (lambda lib, x: lib.where(x > 0, x.log(), x), [0.0, -1.0, 2.0]),
    "mse_loss of inf": (lambda lib, x, y: lib.nn.functional.mse_loss(x, y), [INF], [INF]),
    "binary_cross_entropy at 0 and 1": (
        lambda lib, x, y: lib.nn.functional.binary_cross_entropy(x, y), [0.0, 1.0], [1.0, 0.0]
    ),
    "cross_entropy with -inf": (
        lambda lib, x: lib.nn.functional.cross_entropy(x, lib.tensor([1])), [[-INF, 0.0]]
    ),
    "gelu far out": (lambda lib, x: lib.nn.functional.gelu(x), [-40.0, 40.0]),
    "in-place division by 0": (lambda lib, x: x.detach().clone().div_(0), [1.0, 0.0]),
}


def _inputs(lib, specs):
    tensors = []
    for spec in specs:
        values, dtype = spec if isinstance(spec, tuple) else (spec, "float32")
        dtype = getattr(lib, dtype)
        tensors.append(lib.tensor(values, dtype=dtype, requires_grad=dtype.is_floating_point))
    return tensors


def _run(lib, name):
    """The program's output and its inputs' gradients."""
    fn, *specs = PROGRAMS[name]
    tensors = _inputs(lib, specs)
    out = fn(lib, *tensors)
    if out.requires_grad:
        out.sum().backward()
    return [out] + [t.grad for t in tensors if t.requires_grad]


@pytest.mark.parametrize("name", PROGRAMS)
def test_program_is_silent_and_gives_torchs_values(name):
    with warnings.catch_warnings(record=True) as caught:
        ours = _run(engine, name)
    assert [str(w.message) for w in caught] == []
    for mine, theirs in zip(ours, _run(torch, name), strict=True):
        if theirs is None:  # no gradient: detached inputs
            assert mine is None
        else:
            torch_oracle.assert_same_tensor(mine, theirs)


def test_printing_inf_and_nan_is_silent():
    with warnings.catch_warnings(record=True) as caught:
        repr(engine.tensor([INF, -INF, NAN, 0.0, 1e-30, 1e30]))
        repr(engine.tensor([60000.0, 1e-7, 0.0], dtype=engine.float16))
    assert caught == []


def test_the_users_own_numpy_still_warns():
    with warnings.catch_warnings(record=True) as caught:
        np.log(np.zeros(1))
        np.array([INF, -INF]).sum()  # numpy's own Python code, called by the user
    assert [str(w.message) for w in caught] == [
        "divide by zero encountered in log",
        "invalid value encountered in reduce",
    ]


def test_a_hook_the_engine_calls_is_user_code_and_warns():
    def hook(grad):
        np.log(np.zeros(1))
        return grad

    x = engine.tensor([1.0], requires_grad=True)
    x.register_hook(hook)
    with warnings.catch_warnings(record=True) as caught:
        x.log().sum().backward()
    assert [str(w.message) for w in caught] == ["divide by zero encountered in log"]


SCRIPT = """
import warnings
import numpy as np
{importing}
inf = float("inf")
x = engine.tensor([0.0, -1.0, inf, -inf, 1e30], requires_grad=True)
y = engine.tensor([0.0, 0.0, inf, 2.0, 1e30], requires_grad=True)
outs = [x.log(), x.sqrt(), x.rsqrt(), x.log1p(), x.exp() * 1e30, x / y, x * y, x - y, x ** y,
        x ** 0.5, x.sum(), x.mean(), x.prod(), x.norm(), x.var(), x.std(), x.logsumexp(0),
        x.softmax(0), x.sin(), x.half() * 1e5, x @ y, engine.nn.functional.gelu(x)]
for out in outs:
    out.sum().backward()
print(x.grad, y.grad)
np.log(np.zeros(1))  # the user's own numpy
np.array([inf, -inf]).sum()  # numpy's own Python code warns, on a line the engine's sum ran too
"""
USERS_LOG = "RuntimeWarning: divide by zero encountered in log"
USERS_SUM = "RuntimeWarning: invalid value encountered in reduce"

# how the program imports the engine, and the warnings it prints: the user's own
IMPORTING = {
    "plainly": ("import engine", [USERS_LOG, USERS_SUM]),
    # NOTE: without the engine's filter in front (pytest's collection imports a test module's
    # engine in a catch_warnings block), numpy's line stays marked as warned by the engine's sum
    "in a catch_warnings block": ("with warnings.catch_warnings():\n    import engine", [USERS_LOG]),
    "then resetting the filters": ("import engine\nwarnings.resetwarnings()", [USERS_LOG]),
}


@pytest.mark.parametrize("importing", IMPORTING)
def test_a_program_prints_only_the_users_own_numpy_warnings(importing):
    preamble, expected = IMPORTING[importing]
    run = subprocess.run(
        [sys.executable, "-W", "default", "-c", SCRIPT.format(importing=preamble)],
        capture_output=True, text=True, timeout=120, check=True,
    )
    assert run.stdout.startswith("tensor([")
    warned = [line for line in run.stderr.splitlines() if "Warning" in line]  # "where: what"
    assert [line.partition(": ")[2] for line in warned] == expected
    assert warned[0].startswith("<string>:")  # the user's line
