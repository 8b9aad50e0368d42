"""a % b, remainder and fmod against PyTorch: values (signed zeros included), dtypes, PyTorch's
refusals, and the backward nodes (RemainderBackward0/1, FmodBackward0/1, what they save, the
gradients they give), with a gradcheck; `number % tensor` has PyTorch's NotImplemented node."""
import numpy as np
import pytest

import engine
from engine.autograd import gradcheck
from on_device import DEVICE, cpu_text
from torch_oracle import as_numpy, assert_same_tensor, saved_names

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(7)
DIVIDENDS = RNG.uniform(-5.0, 5.0, (2, 3))
DIVISORS = RNG.choice([-1.0, 1.0], (2, 3)) * RNG.uniform(0.7, 2.0, (2, 3))

# name: fn(lib, a, b), b being a tensor of DIVISORS (or unused)
PROGRAMS = {
    "tensor % tensor": lambda lib, a, b: a % b,
    "tensor % row": lambda lib, a, b: a % b[0],
    "tensor % number": lambda lib, a, b: a % 1.5,
    "tensor % negative number": lambda lib, a, b: a % -1.5,
    "remainder": lambda lib, a, b: a.remainder(b),
    "fmod tensor": lambda lib, a, b: a.fmod(b),
    "fmod number": lambda lib, a, b: a.fmod(-1.5),
    "% a 0-d tensor": lambda lib, a, b: a % lib.tensor(-1.5, dtype=lib.float64),
}


@pytest.mark.parametrize("name", PROGRAMS)
@pytest.mark.parametrize("divisor_requires_grad", [True, False])
def test_remainder_like_torch(name, divisor_requires_grad):
    fn = PROGRAMS[name]
    results, leaves = [], []
    for lib in (engine, torch):
        a = lib.tensor(DIVIDENDS, requires_grad=True)
        b = lib.tensor(DIVISORS, requires_grad=divisor_requires_grad)
        out = fn(lib, a, b)
        node = out.grad_fn
        saved = {n: getattr(node, n) for n in saved_names(node)}
        results.append((out, node.name(), sorted(n for n, v in saved.items() if v is None),
                        [(type(n).__name__ if n else None, nr) for n, nr in node.next_functions]))
        out.backward(lib.ones_like(out))
        leaves.append((a, b))
    (ours, *our_facts), (theirs, *their_facts) = results
    assert_same_tensor(ours, theirs)
    assert our_facts == their_facts
    for o, t in zip(*leaves):
        assert (o.grad is None) == (t.grad is None)
        if t.grad is not None:
            assert_same_tensor(o.grad, t.grad)
    a = engine.tensor(DIVIDENDS, requires_grad=True)
    b = engine.tensor(DIVISORS, requires_grad=divisor_requires_grad)
    assert gradcheck(lambda a, b: fn(engine, a, b), (a, b))


def test_double_backward_like_torch():
    grads = []
    for lib in (engine, torch):
        a = lib.tensor(DIVIDENDS, requires_grad=True)
        b = lib.tensor(DIVISORS, requires_grad=True)
        (grad_b,) = lib.autograd.grad((a % b).sum(), b, create_graph=True)
        grads.append(grad_b)
    # NOTE: PyTorch's grad_b requires grad (its rounded div has a zero-gradient DivBackward2,
    # which the engine's has not yet): only the values are compared
    assert_same_tensor(grads[0].detach(), grads[1].detach())


def test_number_remainder_tensor_has_no_derivative():
    for lib in (engine, torch):
        x = lib.tensor([3.0, -3.0], requires_grad=True)
        out = 7 % x
        assert out.grad_fn.name() == "torch::autograd::NotImplemented"
        assert out.grad_fn.next_functions[0][0].variable is x
        with pytest.raises(RuntimeError, match="^derivative for aten::remainder is not implemented$"):
            out.sum().backward()


# values and errors: (source, whether it holds only on the CPU, where PyTorch checks for zero)
VALUE_CASES = [
    ("torch.tensor([-6., 6., -6., 6., 0., -0.]) % torch.tensor([3., 3., -3., -3., 2., -2.])", False),
    ("torch.tensor([-6., 6.]) % 3", False),
    ("torch.tensor([-6., 6.]).fmod(-3)", False),
    ("torch.tensor([1., -1., float('inf'), 5.]) % torch.tensor([float('inf'), float('inf'), 2., 0.])", False),
    ("torch.tensor([7, -7, 7, -7]) % torch.tensor([3, 3, -3, -3])", False),
    ("torch.tensor([7, -7]).fmod(3)", False),
    ("7 % torch.tensor([3., -3.])", False),
    ("7.5 % torch.tensor([3, -3])", False),
    ("torch.tensor([7, -7]) % 2.5", False),
    ("torch.tensor(5) % torch.tensor([2., 3.])", False),
    ("torch.tensor([True]) % 2", False),
    ("torch.tensor([True]) % torch.tensor([True])", False),
    ("torch.tensor([True]).fmod(torch.tensor([True]))", False),
    ("torch.tensor([True]) // torch.tensor([True])", False),
    ("torch.tensor([7., 2.]) % 0", False),
    ("torch.tensor([7]) // torch.tensor([0.])", False),
    ("torch.tensor([7, 2]) % 0", True),
    ("torch.tensor([7, 2]) // 0", True),
    ("torch.tensor([1, 2]) % torch.tensor([0, 1])", True),
    ("torch.tensor([7]).fmod(0)", True),
    ("torch.tensor([7]).div(0, rounding_mode='trunc')", True),
    ("torch.tensor([2, 3]) % torch.tensor([2, 3, 4])", False),
]


def outcome(lib, source):
    try:
        value = eval(source, {"torch": lib})
    except Exception as error:  # noqa: BLE001 - the class and message are what is compared
        return type(error).__name__, cpu_text(str(error))
    values = as_numpy(value)
    # the sign of a zero shows (-0.); a nan's sign bit is the hardware's (CUDA's nan has none)
    signs = np.signbit(values) & ~np.isnan(values) if values.dtype.kind == "f" else np.signbit(values)
    return str(value.dtype), repr(values.tolist()), signs.tolist()


@pytest.mark.parametrize("source, cpu_check", VALUE_CASES, ids=[c[0] for c in VALUE_CASES])
def test_values_and_errors_like_torch(source, cpu_check):
    if cpu_check and DEVICE != "cpu":
        pytest.skip("PyTorch checks integer division by zero on the CPU only")
    assert outcome(engine, source) == outcome(torch, source)


@pytest.mark.parametrize("name", ["remainder", "fmod"])
def test_the_functions_are_torchs_names_too(name):
    """torch.remainder and torch.fmod, as the operators and methods compute them."""
    results = []
    for lib in (engine, torch):
        a = lib.tensor([5.0, -5.0, 7.5], requires_grad=True)
        b = lib.tensor([3.0, 3.0, -2.0], requires_grad=True)
        out = getattr(lib, name)(a, b)
        out.sum().backward()
        results.append((out.grad_fn.name(), as_numpy(out).tolist(), as_numpy(a.grad).tolist(), as_numpy(b.grad).tolist()))
    assert results[0] == results[1]
