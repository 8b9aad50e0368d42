"""Arithmetic and pointwise ops against PyTorch: values, dtypes, gradients, graph shape, gradcheck.

Every case runs one lambda `fn(lib, *tensors)` twice, with `lib` the engine and with torch, on the
same float64 inputs, and `compare` checks everything a user can see of the result.
"""
import itertools

import numpy as np
import pytest

import engine
from torch_oracle import saved_names, as_numpy, assert_same_tensor, outcome
from on_device import cpu_text
from engine.autograd import gradcheck

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(0)


# --- the one helper --------------------------------------------------------------------------------
def rand(*shape):
    """Values away from the awkward points (zero, ties), for plain cases."""
    return RNG.uniform(-2.0, 2.0, shape)


def pos(*shape):
    """Positive values, for log, sqrt, fractional powers."""
    return RNG.uniform(0.5, 2.0, shape)


def edges(node):
    """A node's next_functions as (class name or None, input number) pairs."""
    return tuple((None if n is None else type(n).__name__, nr) for n, nr in node.next_functions)


def compare(fn, *arrays, grad=True, check_grad=True, atol=1e-6):
    """Run `fn` on the engine and on torch with the same inputs; compare values, dtype, grad_fn
    name, next_functions, saved-tensor names and the gradient of every input; then gradcheck."""
    ours_in = [engine.tensor(a, requires_grad=grad) for a in arrays]
    theirs_in = [torch.tensor(a, requires_grad=grad) for a in arrays]
    ours, theirs = fn(engine, *ours_in), fn(torch, *theirs_in)
    assert_same_tensor(ours, theirs, atol=atol)
    assert ours.requires_grad == theirs.requires_grad
    if theirs.grad_fn is None:
        assert ours.grad_fn is None
        return ours
    assert ours.grad_fn.name() == theirs.grad_fn.name()
    assert edges(ours.grad_fn) == edges(theirs.grad_fn)
    assert saved_names(ours.grad_fn) == saved_names(theirs.grad_fn)
    if not check_grad:
        return ours
    weights = RNG.uniform(-1.0, 1.0, tuple(theirs.shape))
    ours.backward(engine.tensor(weights, dtype=ours.dtype))
    theirs.backward(torch.tensor(weights, dtype=theirs.dtype))
    for o, t in zip(ours_in, theirs_in):
        assert (o.grad is None) == (t.grad is None)
        if t.grad is not None:
            assert_same_tensor(o.grad, t.grad, atol=atol)
    fresh = [engine.tensor(a, requires_grad=True) for a in arrays]
    assert gradcheck(lambda *xs: fn(engine, *xs), tuple(fresh))
    return ours


# --- binary arithmetic, broadcasting -------------------------------------------------------------
BROADCAST_SHAPES = [((3,), (3,)), ((2, 3), (3,)), ((2, 1), (1, 3)), ((), (2, 3)), ((4, 1, 3), (2, 1))]

BINARY = {
    "add": lambda lib, a, b: a + b,
    "sub": lambda lib, a, b: a - b,
    "mul": lambda lib, a, b: a * b,
    "div": lambda lib, a, b: a / b,
    "add_alpha": lambda lib, a, b: lib.add(a, b, alpha=2.5),
    "sub_alpha": lambda lib, a, b: a.sub(b, alpha=-3),
    "maximum": lambda lib, a, b: lib.maximum(a, b),
    "minimum": lambda lib, a, b: lib.minimum(a, b),
    "where": lambda lib, a, b: lib.where(a > b, a, b),
}


@pytest.mark.parametrize("shapes", BROADCAST_SHAPES, ids=str)
@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_broadcasting(name, shapes):
    compare(BINARY[name], rand(*shapes[0]), rand(*shapes[1]))


@pytest.mark.parametrize("shapes", BROADCAST_SHAPES, ids=str)
def test_pow_tensor_tensor(shapes):
    compare(lambda lib, a, b: a ** b, pos(*shapes[0]), rand(*shapes[1]))


def test_binary_only_one_side_requires_grad():
    a, b = rand(2, 3), rand(3)
    for name, fn in sorted(BINARY.items()):
        ours = [engine.tensor(a, requires_grad=True), engine.tensor(b)]
        theirs = [torch.tensor(a, requires_grad=True), torch.tensor(b)]
        o, t = fn(engine, *ours), fn(torch, *theirs)
        assert edges(o.grad_fn) == edges(t.grad_fn), name
        o.sum().backward()
        t.sum().backward()
        assert_same_tensor(ours[0].grad, theirs[0].grad)
        assert ours[1].grad is None


# --- Python numbers on either side ---------------------------------------------------------------
SCALAR_CASES = {
    "x + 2": lambda lib, x: x + 2,
    "2 + x": lambda lib, x: 2 + x,
    "x + 2.5": lambda lib, x: x + 2.5,
    "x + True": lambda lib, x: x + True,
    "x - 2": lambda lib, x: x - 2,
    "2 - x": lambda lib, x: 2 - x,
    "2.5 - x": lambda lib, x: 2.5 - x,
    "x * 2": lambda lib, x: x * 2,
    "2 * x": lambda lib, x: 2 * x,
    "x * 0.1": lambda lib, x: x * 0.1,
    "x * True": lambda lib, x: x * True,
    "x / 2": lambda lib, x: x / 2,
    "x / 2.5": lambda lib, x: x / 2.5,
    "2 / x": lambda lib, x: 2 / x,
    "x ** 2": lambda lib, x: x ** 2,
    "x ** 3": lambda lib, x: x ** 3,
    "x ** 0.5": lambda lib, x: x ** 0.5,
    "x ** -1": lambda lib, x: x ** -1,
    "x ** 0": lambda lib, x: x ** 0,
    "x ** 1": lambda lib, x: x ** 1,
    "2 ** x": lambda lib, x: 2 ** x,
    "0.5 ** x": lambda lib, x: 0.5 ** x,
    "x.pow(2.5)": lambda lib, x: x.pow(2.5),
    "torch.pow(x, 2)": lambda lib, x: lib.pow(x, 2),
    "torch.add(x, 2, alpha=3)": lambda lib, x: lib.add(x, 2, alpha=3),
    "torch.sub(x, 2)": lambda lib, x: lib.sub(x, 2),
    "torch.mul(x, 3)": lambda lib, x: lib.mul(x, 3),
    "torch.div(x, 4)": lambda lib, x: lib.div(x, 4),
    "torch.rsub(x, 2)": lambda lib, x: lib.rsub(x, 2),
    "maximum(x, 0-d)": lambda lib, x: lib.maximum(x, lib.tensor(1.0)),
}


@pytest.mark.parametrize("name", sorted(SCALAR_CASES))
@pytest.mark.parametrize("shape", [(), (2, 3)], ids=str)
def test_python_number_operands(name, shape):
    compare(SCALAR_CASES[name], pos(*shape))


@pytest.mark.parametrize(
    "expr, expected",
    [
        (lambda x: x * 2, (("AccumulateGrad", 0), (None, 0))),
        (lambda x: 2 * x, (("AccumulateGrad", 0), (None, 0))),
        (lambda x: x + 2, (("AccumulateGrad", 0), (None, 0))),
        (lambda x: x / 2, (("AccumulateGrad", 0), (None, 0))),
        (lambda x: 2 - x, (("AccumulateGrad", 0),)),
        (lambda x: 2 / x, (("ReciprocalBackward0", 0), (None, 0))),
        (lambda x: 2 ** x, (("AccumulateGrad", 0),)),
        (lambda x: x ** 2, (("AccumulateGrad", 0),)),
    ],
)
def test_next_functions_of_number_operands(expr, expected):
    x = engine.tensor([1.0, 2.0], requires_grad=True)
    assert edges(expr(x).grad_fn) == expected
    t = torch.tensor([1.0, 2.0], requires_grad=True)
    assert edges(expr(t).grad_fn) == expected


def test_grad_fn_names_of_number_operands():
    x = engine.tensor([1.0, 2.0], requires_grad=True)
    assert (2 - x).grad_fn.name() == "RsubBackward1"
    assert (2 / x).grad_fn.name() == "MulBackward0"
    assert (2 / x).grad_fn.next_functions[0][0].name() == "ReciprocalBackward0"
    assert (2 ** x).grad_fn.name() == "PowBackward2"
    assert (x ** x).grad_fn.name() == "PowBackward1"
    assert (x ** 2).grad_fn.name() == "PowBackward0"


def test_saved_values_match_torch():
    """What a graph view shows of a node: saved tensors and numbers, as PyTorch keeps them."""
    cases = [
        lambda x: x * 2, lambda x: x * 2.5, lambda x: x / 2, lambda x: 2 ** x, lambda x: x ** 2.5,
        lambda x: x * x, lambda x: x.clamp(0, 1), lambda x: x.clamp(0.5), lambda x: x.exp(),
        lambda x: x.add(x, alpha=2), lambda x: 2 - x,
    ]
    for case in cases:
        o = case(engine.tensor(2.0, requires_grad=True)).grad_fn
        t = case(torch.tensor(2.0, requires_grad=True)).grad_fn
        for name in saved_names(t):
            ours, theirs = getattr(o, name), getattr(t, name)
            if isinstance(theirs, torch.Tensor):
                assert_same_tensor(ours, theirs)
                assert cpu_text(repr(ours)) == repr(theirs)
            else:
                assert ours == theirs and type(ours) is type(theirs)


# --- unary pointwise ---------------------------------------------------------------------------------
UNARY = {
    "neg": (lambda lib, x: -x, rand),
    "neg_method": (lambda lib, x: x.neg(), rand),
    "exp": (lambda lib, x: x.exp(), rand),
    "log": (lambda lib, x: x.log(), pos),
    "log1p": (lambda lib, x: lib.log1p(x), pos),
    "sqrt": (lambda lib, x: lib.sqrt(x), pos),
    "rsqrt": (lambda lib, x: x.rsqrt(), pos),
    "sin": (lambda lib, x: lib.sin(x), rand),
    "cos": (lambda lib, x: x.cos(), rand),
    "tanh": (lambda lib, x: x.tanh(), rand),
    "sigmoid": (lambda lib, x: lib.sigmoid(x), rand),
    "relu": (lambda lib, x: lib.relu(x), rand),
    "abs": (lambda lib, x: x.abs(), rand),
    "builtin_abs": (lambda lib, x: abs(x), rand),
    "sign": (lambda lib, x: lib.sign(x), rand),
    "sign_method": (lambda lib, x: x.sign() * x, rand),
    "reciprocal": (lambda lib, x: x.reciprocal(), pos),
    "clamp": (lambda lib, x: x.clamp(-0.5, 0.5), rand),
    "clamp_min": (lambda lib, x: x.clamp(min=-0.5), rand),
    "clamp_max": (lambda lib, x: lib.clamp(x, max=0.5), rand),
    "clip": (lambda lib, x: x.clip(-1, 1), rand),
    "masked_fill": (lambda lib, x: x.masked_fill(x > 0, 0.5), rand),
    "masked_fill_fn": (lambda lib, x: lib.masked_fill(x, x < 0, -1), rand),
    "where_scalar": (lambda lib, x: lib.where(x > 0, x, 0.0), rand),
    "where_scalar_left": (lambda lib, x: lib.where(x > 0, 1.0, x), rand),
    "where_method": (lambda lib, x: x.where(x > 0, -x), rand),
    "floor": (lambda lib, x: lib.floor(x) * x, rand),
    "ceil": (lambda lib, x: x.ceil() * x, rand),
    "round": (lambda lib, x: lib.round(x) * x, rand),
    "round_decimals": (lambda lib, x: x.round(decimals=1) * x, rand),
    "round_negative_decimals": (lambda lib, x: lib.round(x * 100, decimals=-1) * x, rand),
    "trunc": (lambda lib, x: x.trunc() * x, rand),
    "floor_alone": (lambda lib, x: x.floor(), rand),
    "round_alone": (lambda lib, x: x.round(decimals=0), rand),
    "square": (lambda lib, x: lib.square(x), rand),
    "square_method": (lambda lib, x: x.square(), rand),
    "tan": (lambda lib, x: lib.tan(x * 0.5), rand),
    "sinh": (lambda lib, x: x.sinh(), rand),
    "cosh": (lambda lib, x: lib.cosh(x), rand),
    "log2": (lambda lib, x: x.log2(), pos),
    "log10": (lambda lib, x: lib.log10(x), pos),
    "absolute": (lambda lib, x: lib.absolute(x), rand),
    "absolute_method": (lambda lib, x: x.absolute(), rand),
    "clamp_min_method": (lambda lib, x: x.clamp_min(-0.5), rand),
    "clamp_max_fn": (lambda lib, x: lib.clamp_max(x, 0.5), rand),
}


@pytest.mark.parametrize("shape", [(), (5,), (2, 3)], ids=str)
@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary(name, shape):
    fn, values = UNARY[name]
    compare(fn, values(*shape))


# --- awkward points: the derivative conventions PyTorch picks ------------------------------------------
AWKWARD = {
    "relu at 0": (lambda lib, x: x.relu(), [0.0, -1.0, 1.0]),
    "abs at 0": (lambda lib, x: x.abs(), [0.0, -1.0, 1.0]),
    "clamp at bounds": (lambda lib, x: x.clamp(-1.0, 1.0), [-1.0, 1.0, 0.0, 2.0, -2.0]),
    "clamp min at bound": (lambda lib, x: x.clamp(min=0.0), [0.0, 1.0, -1.0]),
    "clamp max at bound": (lambda lib, x: x.clamp(max=0.0), [0.0, 1.0, -1.0]),
    "clamp min > max": (lambda lib, x: x.clamp(1.0, -1.0), [0.0, 2.0, -2.0]),
    "sqrt at 0": (lambda lib, x: x.sqrt(), [0.0, 1.0]),
    "log at 0": (lambda lib, x: x.log(), [0.0, 1.0]),
    "x ** 2 at 0": (lambda lib, x: x ** 2, [0.0, -1.0]),
    "x ** 0 at 0": (lambda lib, x: x ** 0, [0.0, -1.0]),
    "x ** 0.5 at 0": (lambda lib, x: x ** 0.5, [0.0, 4.0]),
    "x ** 1.5 at 0": (lambda lib, x: x ** 1.5, [0.0, 4.0]),
    "x ** -1 at 0": (lambda lib, x: x ** -1, [0.0, 4.0]),
    "0 ** x": (lambda lib, x: 0 ** x, [0.0, 1.0, 2.0]),
    "x ** x at 0": (lambda lib, x: x ** x, [0.0, 1.0]),
    "negative ** 0.5": (lambda lib, x: x ** 0.5, [-1.0, 1.0]),
    "sigmoid far out": (lambda lib, x: x.sigmoid(), [-800.0, 800.0, 0.0]),
    "tanh far out": (lambda lib, x: x.tanh(), [-800.0, 800.0]),
    "exp overflow": (lambda lib, x: x.exp(), [1000.0, -1000.0]),
    "div by zero": (lambda lib, x: 1 / x, [0.0, -0.0, 2.0]),
    "maximum ties": (lambda lib, x: lib.maximum(x, x.detach() * 0 + 1), [1.0, 0.0, 2.0]),
    "minimum ties": (lambda lib, x: lib.minimum(x, x.detach() * 0 + 1), [1.0, 0.0, 2.0]),
    "maximum self": (lambda lib, x: lib.maximum(x, x), [1.0, 0.0]),
    "where same": (lambda lib, x: lib.where(x > 0, x, x), [1.0, -1.0]),
    "masked_fill nan": (lambda lib, x: x.masked_fill(x > 0, float("nan")), [1.0, -1.0]),
    "round halves": (lambda lib, x: x.round() * x, [0.5, 1.5, 2.5, -0.5, -2.5]),
    "round decimals halves": (lambda lib, x: x.round(decimals=2) * x, [0.125, 1.25, -0.375]),
    "floor and ceil of whole numbers": (lambda lib, x: x.floor() + x.ceil() * x, [-1.0, 0.0, 2.0]),
    "clamp_min at bound": (lambda lib, x: x.clamp_min(0.0), [0.0, 1.0, -1.0]),
    "clamp_max at bound": (lambda lib, x: x.clamp_max(0.0), [0.0, 1.0, -1.0]),
    "clamp_min tensor tie": (lambda lib, x: lib.clamp_min(x, x.detach() * 0 + 1), [1.0, 0.0, 2.0]),
    "clamp_max tensor tie": (lambda lib, x: x.clamp_max(x.detach() * 0 + 1), [1.0, 0.0, 2.0]),
}


@pytest.mark.parametrize("name", sorted(AWKWARD))
def test_awkward_points(name):
    fn, values = AWKWARD[name]
    compare(fn, np.array(values), check_grad=False)
    ours = engine.tensor(values, dtype=engine.float64, requires_grad=True)
    theirs = torch.tensor(values, dtype=torch.float64, requires_grad=True)
    fn(engine, ours).sum().backward()
    fn(torch, theirs).sum().backward()
    assert_same_tensor(ours.grad, theirs.grad)


def test_maximum_ties_split_gradient_between_two_leaves():
    a, b = np.array([1.0, 2.0, 3.0]), np.array([1.0, 0.0, 3.0])
    for op in ("maximum", "minimum"):
        ours = [engine.tensor(a, requires_grad=True), engine.tensor(b, requires_grad=True)]
        theirs = [torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)]
        getattr(engine, op)(*ours).sum().backward()
        getattr(torch, op)(*theirs).sum().backward()
        for o, t in zip(ours, theirs):
            assert_same_tensor(o.grad, t.grad)


def test_clamp_with_tensor_bounds():
    x, low, high = rand(2, 3), np.full(3, -0.5), np.array(0.5)
    ours = engine.tensor(x, requires_grad=True).clamp(engine.tensor(low), engine.tensor(high))
    theirs = torch.tensor(x, requires_grad=True).clamp(torch.tensor(low), torch.tensor(high))
    assert_same_tensor(ours, theirs)
    assert ours.grad_fn.name() == theirs.grad_fn.name()


@pytest.mark.parametrize("side", ["clamp_min", "clamp_max"])
def test_one_sided_clamp_with_tensor_bound(side):
    compare(lambda lib, x, bound: getattr(lib, side)(x, bound), rand(2, 3), rand(3))


def test_clamp_needs_a_bound():
    for lib in (engine, torch):
        with pytest.raises(RuntimeError, match="At least one of 'min' or 'max' must not be None"):
            lib.tensor([1.0]).clamp()


def test_masked_fill_errors():
    for lib in (engine, torch):
        x = lib.tensor([1.0, 2.0])
        with pytest.raises(RuntimeError, match="only supports boolean masks"):
            x.masked_fill(lib.tensor([1, 0]), 0.0)
        with pytest.raises(RuntimeError, match="0-dimensional value tensor"):
            x.masked_fill(x > 1, lib.tensor([1.0]))


def test_masked_fill_with_broadcast_mask_and_tensor_value():
    x = rand(2, 3)
    mask = np.array([True, False, True])
    ours = engine.tensor(x, requires_grad=True)
    theirs = torch.tensor(x, requires_grad=True)
    o = ours.masked_fill(engine.tensor(mask), engine.tensor(7.0))
    t = theirs.masked_fill(torch.tensor(mask), torch.tensor(7.0))
    assert_same_tensor(o, t)
    o.sum().backward()
    t.sum().backward()
    assert_same_tensor(ours.grad, theirs.grad)


# --- dtype promotion, exhaustively -------------------------------------------------------------------
DTYPES = ["float16", "float32", "float64", "int32", "int64", "bool"]
VALUES = {"bool": [True, False]}


def _operand(lib, kind):
    """('tensor', dtype), ('zero-d', dtype) or ('number', value) made in `lib`."""
    form, what = kind
    if form == "number":
        return what
    values = VALUES.get(what, [3, 2])
    data = values if form == "tensor" else values[0]
    return lib.tensor(data, dtype=getattr(lib, what))


OPERANDS = (
    [("tensor", d) for d in DTYPES]
    + [("zero-d", d) for d in DTYPES]
    + [("number", v) for v in (2, 2.5, True)]
)

PROMOTING_OPS = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: a / b,
    "**": lambda a, b: a ** b,
    "maximum": lambda a, b: _lib_of(a, b).maximum(a, b),
    "where": lambda a, b: _lib_of(a, b).where(_lib_of(a, b).tensor([True, False]), a, b),
    "==": lambda a, b: a == b,
    "<": lambda a, b: a < b,
}


def _lib_of(a, b):
    for x in (a, b):
        if isinstance(x, torch.Tensor):
            return torch
        if isinstance(x, engine.Tensor):
            return engine
    raise TypeError


def _outcome(lib, op, left, right):
    try:
        result = op(_operand(lib, left), None if right is None else _operand(lib, right))
    except Exception as error:  # noqa: BLE001 - the class is what is compared
        return type(error).__name__, None, None
    return str(result.dtype), tuple(result.shape), as_numpy(result)


PAIRS = [(l, r) for l, r in itertools.product(OPERANDS, OPERANDS) if "number" not in (l[0], r[0]) or l[0] != r[0]]


@pytest.mark.parametrize("op", sorted(PROMOTING_OPS))
def test_dtype_promotion(op):
    fn = PROMOTING_OPS[op]
    mismatches = []
    for left, right in PAIRS:
        if op in ("maximum",) and "number" in (left[0], right[0]):
            continue  # torch.maximum takes tensors only
        ours, theirs = _outcome(engine, fn, left, right), _outcome(torch, fn, left, right)
        if ours[:2] != theirs[:2]:
            mismatches.append((left, right, ours[:2], theirs[:2]))
        elif ours[2] is not None:
            tolerance = 1e-3 if "float16" in ours[0] else 1e-6
            if not np.allclose(ours[2].astype(float), theirs[2].astype(float), rtol=tolerance, equal_nan=True):
                mismatches.append((left, right, ours[2], theirs[2]))
    assert not mismatches, "\n".join(map(str, mismatches))


UNARY_BY_DTYPE = {
    "neg": lambda x: -x, "exp": lambda x: x.exp(), "log": lambda x: x.log(), "log1p": lambda x: x.log1p(),
    "sqrt": lambda x: x.sqrt(), "rsqrt": lambda x: x.rsqrt(), "sin": lambda x: x.sin(),
    "cos": lambda x: x.cos(), "tanh": lambda x: x.tanh(), "sigmoid": lambda x: x.sigmoid(),
    "relu": lambda x: x.relu(), "abs": lambda x: x.abs(), "reciprocal": lambda x: x.reciprocal(),
    "clamp": lambda x: x.clamp(0, 2), "clamp float": lambda x: x.clamp(0.5), "** 2": lambda x: x ** 2,
    "masked_fill": lambda x: x.masked_fill(x > 1, 0.5),
    "floor": lambda x: x.floor(), "ceil": lambda x: x.ceil(), "round": lambda x: x.round(),
    "round decimals": lambda x: x.round(decimals=1), "trunc": lambda x: x.trunc(),
    "square": lambda x: x.square(), "tan": lambda x: x.tan(), "sinh": lambda x: x.sinh(),
    "cosh": lambda x: x.cosh(), "log2": lambda x: x.log2(), "log10": lambda x: x.log10(),
    "absolute": lambda x: x.absolute(), "clamp_min": lambda x: x.clamp_min(1),
    "clamp_min float": lambda x: x.clamp_min(0.5), "clamp_max": lambda x: x.clamp_max(1),
}


@pytest.mark.parametrize("op", sorted(UNARY_BY_DTYPE))
def test_unary_dtypes(op):
    fn = UNARY_BY_DTYPE[op]
    mismatches = []
    for kind in [("tensor", d) for d in DTYPES] + [("zero-d", d) for d in DTYPES]:
        ours, theirs = _outcome(engine, lambda a, _: fn(a), kind, None), _outcome(torch, lambda a, _: fn(a), kind, None)
        if ours[:2] != theirs[:2]:
            mismatches.append((kind, ours[:2], theirs[:2]))
        elif ours[2] is not None:
            tolerance = 1e-3 if "float16" in ours[0] else 1e-6
            if not np.allclose(ours[2].astype(float), theirs[2].astype(float), rtol=tolerance, equal_nan=True):
                mismatches.append((kind, ours[2], theirs[2]))
    assert not mismatches, "\n".join(map(str, mismatches))


@pytest.mark.parametrize(
    "expr, dtype",
    [
        (lambda lib: lib.tensor([1, 2]) / 2, "float32"),
        (lambda lib: lib.tensor([1.0, 2.0]) * 0.1, "float32"),
        (lambda lib: lib.tensor([1.0, 2.0]) * lib.tensor(0.1, dtype=lib.float64), "float32"),
        (lambda lib: lib.tensor([1, 2]) + lib.tensor(0.5, dtype=lib.float64), "float64"),
        (lambda lib: lib.tensor([True]) + lib.tensor([True]), "bool"),
        (lambda lib: lib.tensor([True]) + 1, "int64"),
        (lambda lib: lib.tensor([1], dtype=lib.int32) + 1, "int32"),
        (lambda lib: lib.tensor([1], dtype=lib.int32) + 1.5, "float32"),
        (lambda lib: lib.tensor([1], dtype=lib.float16) + 1.5, "float16"),
        (lambda lib: lib.tensor([1], dtype=lib.float16) + lib.tensor([1.0]), "float32"),
        (lambda lib: lib.tensor(1, dtype=lib.int32) + lib.tensor(1), "int64"),
        (lambda lib: lib.tensor(1.0) * 2, "float32"),
        (lambda lib: 2 ** lib.tensor([1, 2]), "int64"),
        (lambda lib: 2.5 ** lib.tensor([1, 2]), "float32"),
        (lambda lib: lib.tensor([4, 9]).sqrt(), "float32"),
        (lambda lib: lib.tensor([4, 9]).exp(), "float32"),
        (lambda lib: lib.tensor([True]).sigmoid(), "float32"),
        (lambda lib: lib.tensor([4, 9]).reciprocal(), "float32"),
        (lambda lib: lib.tensor([4, -9]).abs(), "int64"),
        (lambda lib: lib.tensor([4, -9]).relu(), "int64"),
        (lambda lib: -lib.tensor([4, -9], dtype=lib.int32), "int32"),
        (lambda lib: lib.tensor([4, -9]).clamp(0, 5), "int64"),
        (lambda lib: lib.tensor([4, -9]).clamp(0.5), "float32"),
        (lambda lib: lib.tensor([4, -9]).masked_fill(lib.tensor([True, False]), 2.7), "int64"),
    ],
)
def test_named_promotion_cases(expr, dtype):
    ours, theirs = expr(engine), expr(torch)
    assert str(theirs.dtype) == "torch." + dtype
    assert_same_tensor(ours, theirs)


@pytest.mark.parametrize(
    "expr",
    [
        lambda lib: lib.tensor([True]) - lib.tensor([True]),
        lambda lib: -lib.tensor([True]),
        lambda lib: lib.tensor([2, 3]) ** -1,
        lambda lib: lib.tensor([1.0, 2.0]) + lib.tensor([1.0, 2.0, 3.0]),
        lambda lib: lib.tensor([1.0, 2.0]) * lib.ones(3, 2, 4),
        lambda lib: lib.tensor([1.0]).div(2, rounding_mode="bad"),
        lambda lib: lib.tensor([True]) ** lib.tensor([True]),
        lambda lib: lib.tensor([1.0]) - True,
        lambda lib: lib.tensor([1, 2]).add(1, alpha=0.5),
        lambda lib: lib.where(lib.tensor([1, 0]), lib.tensor([1.0, 2.0]), 0.0),
        lambda lib: lib.where(lib.tensor([True, False]), lib.tensor([1.0, 2.0, 3.0]), 0.0),
        lambda lib: lib.maximum(lib.tensor([1.0, 2.0]), lib.tensor([1.0, 2.0, 3.0])),
        lambda lib: lib.tensor([True]).floor(),
        lambda lib: lib.tensor([1, 2]).round(decimals=1),
        lambda lib: lib.clamp_min(lib.tensor([1.0]), None),
        lambda lib: lib.tensor([1.0, 2.0]).clamp_max(lib.tensor([1.0, 2.0, 3.0])),
    ],
)
def test_errors_match_torch(expr):
    with pytest.raises(Exception) as theirs:
        expr(torch)
    with pytest.raises(Exception) as ours:
        expr(engine)
    assert type(ours.value) is type(theirs.value)
    assert _key_phrase(str(theirs.value)) in str(ours.value)


@pytest.mark.parametrize("other", ["a", None, object()])
def test_unsupported_operand_is_a_type_error(other):
    # PyTorch's `x + "a"` returns NotImplemented and Python words the error; ours raises
    # the TypeError itself, naming the type
    with pytest.raises(TypeError):
        torch.tensor([1.0]) + other
    with pytest.raises(TypeError, match=type(other).__name__):
        engine.tensor([1.0]) + other


def _key_phrase(message):
    return message.split("\n")[0][:40]


def test_failed_op_leaves_inputs_and_graph_unchanged():
    x = engine.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    node = y.grad_fn
    with pytest.raises(RuntimeError):
        y + engine.tensor([1.0, 2.0, 3.0])
    assert y.grad_fn is node and x.grad is None and x._version == 0 and y.tolist() == [2.0, 4.0]
    y.sum().backward()
    assert x.grad.tolist() == [2.0, 2.0]


# --- rounded division and remainder -------------------------------------------------------------
@pytest.mark.parametrize(
    "expr",
    [
        lambda lib: lib.tensor([7, -7]) // 2,
        lambda lib: lib.tensor([7.5, -7.5]) // 2,
        lambda lib: lib.tensor([7, -7]) % 3,
        lambda lib: lib.tensor([7.5, -7.5]) % 2,
        lambda lib: lib.tensor([7, -7]).div(2, rounding_mode="trunc"),
        lambda lib: lib.tensor([7.5, -7.5]).div(2, rounding_mode="trunc"),
        lambda lib: lib.tensor([7, -7]).div(2, rounding_mode="floor"),
        lambda lib: 7 // lib.tensor([2, -2]),
    ],
)
def test_rounded_division(expr):
    assert_same_tensor(expr(engine), expr(torch))


# their graphs: div with a rounding mode has a zero gradient (DivBackward2); // has none, its node
# refuses backward (as number % tensor's does); and their in-place forms (//=, %=, remainder_ ...)
ROUNDED_DIVISION_GRAPHS = [  # each run after GIVEN
    "x * 2 // 2",
    "(x * 2 // 2).grad_fn.name()",
    "(x * x).floor_divide(2).grad_fn.next_functions[0][0].name()",
    "torch.floor_divide(x, 2).grad_fn.next_functions[0][0].name()",
    "x.floor_divide(w).grad_fn.name()",
    "x // x.detach()",
    "x.detach() // 2",
    "2 // x",
    "(x * 2 // 2).sum().backward()",
    "(2 % x).sum().backward()",
    "torch.div(x, 2, rounding_mode='floor')",
    "torch.div(x, 2, rounding_mode='trunc')",
    "torch.div(x, 2, rounding_mode='floor').grad_fn._saved_other",
    "torch.div(x, 2, rounding_mode='floor').grad_fn._saved_self",
    "torch.div(x, 2, rounding_mode='trunc').grad_fn._saved_rounding_mode",
    "n = torch.div(x, w, rounding_mode='trunc').grad_fn\n(n._saved_self, n._saved_other)",
    "n = torch.div(2, x, rounding_mode='floor').grad_fn\n(n._saved_self, n._saved_other, n.next_functions[0])",
    "torch.div(x, 2, rounding_mode='floor').sum().backward()\nx.grad",
    "torch.div(x, w, rounding_mode='floor').sum().backward()\n(x.grad, w.grad)",
    # in place
    "y = x * 1\nz = y\ny //= 2\n(y, y is z, y.grad_fn.next_functions[0][0].name(), y._version)",
    "y = x * 1\ny %= 2\ny.sum().backward()\n(y, x.grad)",
    "y = x * 1\ny.fmod_(w)\ny",
    "y = x * 1\ny.remainder_(w)\ny.sum().backward()\nw.grad",
    "(x * 1)[0:1].floor_divide_(2)",
    "y = x * 1\ny[0:1].remainder_(2)\ny.grad_fn.name()",
    "x //= 2\nx",
    "i = torch.tensor([3, 5])\nj = i\ni //= 2\n(i, i is j, i._version)",
    "i = torch.tensor([3, 5])\nj = i\ni %= 2\n(i, i is j, i._version)",
    "i = torch.tensor([3, 5])\ni //= 2.5\ni",
    "i = torch.tensor([3, 5])\ni %= 'a'\ni",
    "x.detach().__imod__(2)",
    "x.detach().__ifloordiv__('a')",
    "m = torch.tensor([[3., 5.], [1., 2.]])\nv = m[0]\nv //= 2\nm",
]
GIVEN = "x = torch.tensor([3., 5.], requires_grad=True)\nw = torch.tensor([2., 3.], requires_grad=True)\n"


@pytest.mark.parametrize("program", ROUNDED_DIVISION_GRAPHS)
def test_rounded_division_graph_like_torch(program):
    assert outcome(engine, GIVEN + program) == outcome(torch, GIVEN + program)


# --- double backward --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "name, fn",
    [
        ("cube", lambda lib, x: x ** 3),
        ("sin", lambda lib, x: x.sin()),
        ("tanh", lambda lib, x: x.tanh()),
        ("sigmoid", lambda lib, x: x.sigmoid()),
        ("exp*x", lambda lib, x: x.exp() * x),
        ("div", lambda lib, x: 1 / x),
        ("sqrt", lambda lib, x: x.sqrt()),
        ("log", lambda lib, x: x.log()),
        ("pow tensor", lambda lib, x: x ** x),
        ("rpow", lambda lib, x: 2 ** x),
        ("rsqrt", lambda lib, x: x.rsqrt()),
        ("tan", lambda lib, x: (x * 0.5).tan()),
        ("sinh", lambda lib, x: x.sinh()),
        ("cosh", lambda lib, x: x.cosh()),
        ("log2", lambda lib, x: x.log2()),
        ("log10", lambda lib, x: x.log10()),
        ("square", lambda lib, x: x.square()),
    ],
)
def test_second_derivative(name, fn):
    values = pos(4)
    results = []
    for lib in (engine, torch):
        x = lib.tensor(values, requires_grad=True)
        (first,) = lib.autograd.grad(fn(lib, x).sum(), x, create_graph=True)
        (second,) = lib.autograd.grad(first.sum(), x)
        results.append((first, second))
    assert_same_tensor(results[0][0], results[1][0])
    assert_same_tensor(results[0][1], results[1][1])
