"""Reductions against PyTorch: values, dtypes, gradients, graph nodes, saved values, errors.

Every case runs one lambda `fn(lib, *tensors)` twice, with `lib` the engine and with torch, on the
same float64 inputs (`compare`), checking all a user sees of the result; awkward points (ties,
zeros, empty slices, nan, too few elements for var) have their own rows.
"""
import copy
import functools
import math
import pickle
import warnings

import numpy as np
import pytest

import engine
import torch_oracle
from on_device import cpu_text
from engine.autograd import gradcheck

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(1)
INF, NAN = math.inf, math.nan


# --- the one helper ---------------------------------------------------------------------------------
def rand(*shape):
    """Distinct values away from zero (no ties, no zeros): every op is smooth there."""
    magnitude = RNG.permutation(np.linspace(0.5, 2.0, int(np.prod(shape, dtype=int))))
    return (magnitude * RNG.choice([-1.0, 1.0], magnitude.size)).reshape(shape)


# this family's ops are compared more tightly than the default
assert_same_tensor = functools.partial(torch_oracle.assert_same_tensor, atol=1e-9, rtol=1e-7)


def arr(values):
    return np.array(values, dtype=np.float64)


def edges(node):
    return tuple((None if n is None else n.name(), nr) for n, nr in node.next_functions)


def saved(node):
    """Saved values by name; tensors as (shape, dtype), since they print as their own objects."""
    out = {}
    for name in sorted(a for a in dir(node) if a.startswith("_saved_")):
        value = getattr(node, name)
        if hasattr(value, "grad_fn"):
            value = (tuple(value.shape), str(value.dtype))
        out[name] = _signed(value)
    return out


def _signed(value):
    """PyTorch shows a negative saved dim as its unsigned 64-bit wrap (2**64 - 1 for -1), an
    artefact of its bindings; we keep the caller's -1. Read theirs back as signed to compare."""
    if isinstance(value, int) and value >= 2**63:
        return value - 2**64
    if isinstance(value, tuple):
        return tuple(_signed(v) for v in value)
    return value


def outputs(result):
    """max/min along a dim return (values, indices); everything else one tensor."""
    return tuple(result) if isinstance(result, tuple) else (result,)


def compare(fn, *arrays, check_saved=True, gradcheck_too=True):
    """Run `fn` on the engine and on torch; compare values, dtypes, grad_fn names, next_functions,
    saved values and every input's gradient (of a random-weighted sum); then gradcheck."""
    grad = all(a.dtype.kind == "f" for a in arrays)
    ours_in = [engine.tensor(a, requires_grad=grad) for a in arrays]
    theirs_in = [torch.tensor(a, requires_grad=grad) for a in arrays]
    ours, theirs = outputs(fn(engine, *ours_in)), outputs(fn(torch, *theirs_in))
    assert len(ours) == len(theirs)
    for o, t in zip(ours, theirs):
        assert_same_tensor(o, t)
        assert (o.grad_fn is None) == (t.grad_fn is None)
    ours, theirs = ours[0], theirs[0]
    if theirs.grad_fn is None:
        return
    assert ours.grad_fn.name() == theirs.grad_fn.name()
    assert edges(ours.grad_fn) == edges(theirs.grad_fn)
    if check_saved:
        assert saved(ours.grad_fn) == saved(theirs.grad_fn)
    else:
        assert saved(ours.grad_fn).keys() == saved(theirs.grad_fn).keys()
    weights = RNG.uniform(-1.0, 1.0, tuple(theirs.shape))
    ours.backward(engine.tensor(weights, dtype=ours.dtype))
    theirs.backward(torch.tensor(weights, dtype=theirs.dtype))
    for o, t in zip(ours_in, theirs_in):
        assert (o.grad is None) == (t.grad is None)
        if t.grad is not None:
            assert_same_tensor(o.grad, t.grad)
    if gradcheck_too:
        fresh = [engine.tensor(a, requires_grad=True) for a in arrays]
        assert gradcheck(lambda *xs: outputs(fn(engine, *xs))[0], tuple(fresh))


# --- smooth points: values, graph, gradients, gradcheck ------------------------------------------
SMOOTH = {
    "sum": (lambda lib, x: lib.sum(x), (2, 3)),
    "sum dim": (lambda lib, x: x.sum(1), (2, 3)),
    "sum dims keepdim": (lambda lib, x: x.sum((2, 0), keepdim=True), (2, 3, 4)),
    "sum None keepdim": (lambda lib, x: x.sum(None, True), (2, 3)),
    "sum ()": (lambda lib, x: x.sum(()), (2, 3)),
    "sum dtype": (lambda lib, x: x.float().sum(dtype=lib.float64), (2, 3)),
    "mean": (lambda lib, x: x.mean(), (2, 3)),
    "mean dim": (lambda lib, x: lib.mean(x, 1), (2, 3)),
    "mean dims keepdim": (lambda lib, x: x.mean((0, 2), keepdim=True), (2, 3, 4)),
    "mean None keepdim": (lambda lib, x: x.mean(None, True), (2, 3)),
    "prod": (lambda lib, x: lib.prod(x), (2, 3)),
    "prod dim": (lambda lib, x: x.prod(1), (2, 3)),
    "prod dim keepdim": (lambda lib, x: x.prod(0, keepdim=True), (3, 2)),
    "prod 0-d": (lambda lib, x: x.prod(0), ()),
    "prod dtype": (lambda lib, x: x.float().prod(dtype=lib.float64), (2, 3)),
    "max": (lambda lib, x: x.max(), (2, 3)),
    "min": (lambda lib, x: lib.min(x), (2, 3)),
    "max dim": (lambda lib, x: x.max(1), (2, 3)),
    "max dim keepdim": (lambda lib, x: lib.max(x, 0, keepdim=True), (2, 3)),
    "min dim": (lambda lib, x: lib.min(x, dim=1), (3, 4)),
    "max 0-d dim": (lambda lib, x: x.max(0), ()),
    "max of two broadcast": (lambda lib, x, y: lib.max(x, y), (2, 3), (3,)),
    "min of two broadcast": (lambda lib, x, y: x.min(y), (2, 1), (1, 3)),
    "amax": (lambda lib, x: x.amax(), (2, 3)),
    "amax dim": (lambda lib, x: lib.amax(x, 1), (2, 3)),
    "amax dims keepdim": (lambda lib, x: x.amax((0, 2), keepdim=True), (2, 3, 4)),
    "amin dim": (lambda lib, x: lib.amin(x, 0), (2, 3)),
    "norm": (lambda lib, x: x.norm(), (2, 3)),
    "norm fro dim": (lambda lib, x: lib.norm(x, "fro", dim=1), (2, 3)),
    "norm 2 dims keepdim": (lambda lib, x: x.norm(2, (0, 1), keepdim=True), (2, 3, 2)),
    "norm 1": (lambda lib, x: x.norm(1), (2, 3)),
    "norm 1 dim": (lambda lib, x: x.norm(p=1, dim=0), (2, 3)),
    "norm inf": (lambda lib, x: x.norm(INF), (2, 3)),
    "norm -inf dim": (lambda lib, x: x.norm(-INF, dim=1), (2, 3)),
    "norm 3 dim": (lambda lib, x: x.norm(3, dim=1), (2, 3)),
    "norm 1.5": (lambda lib, x: x.norm(1.5), (2, 3)),
    "norm 0.5": (lambda lib, x: x.norm(0.5, dim=0), (2, 3)),
    "norm -1": (lambda lib, x: x.norm(-1), (2, 3)),
    "norm 0": (lambda lib, x: x.norm(0), (2, 3)),
    "norm p None": (lambda lib, x: x.norm(p=None), (2, 3)),
    "norm dtype": (lambda lib, x: x.float().norm(dtype=lib.float64), (2, 3)),
    "norm 0-d": (lambda lib, x: x.norm(), ()),
    "var": (lambda lib, x: x.var(), (2, 3)),
    "var dim": (lambda lib, x: lib.var(x, 1), (2, 3)),
    "var unbiased False": (lambda lib, x: x.var(unbiased=False), (2, 3)),
    "var positional unbiased": (lambda lib, x: x.var(False), (2, 3)),
    "var dim unbiased keepdim": (lambda lib, x: x.var(1, False, True), (2, 3)),
    "var correction": (lambda lib, x: x.var((0, 2), correction=2), (3, 2, 2)),
    "var float correction": (lambda lib, x: x.var(0, correction=1.5), (4, 3)),
    "var keepdim 1-d": (lambda lib, x: x.var(0, keepdim=True), (5,)),
    "std": (lambda lib, x: lib.std(x), (2, 3)),
    "std dim keepdim": (lambda lib, x: x.std(0, keepdim=True), (3, 2)),
    "std correction 0": (lambda lib, x: x.std(1, correction=0), (2, 3)),
    "logsumexp": (lambda lib, x: x.logsumexp(1), (2, 3)),
    "logsumexp dims keepdim": (lambda lib, x: lib.logsumexp(x, (0, 2), keepdim=True), (2, 3, 2)),
    "logsumexp 0-d": (lambda lib, x: x.logsumexp(0), ()),
    "softmax": (lambda lib, x: x.softmax(1), (2, 3)),
    "softmax dim 0": (lambda lib, x: lib.softmax(x, 0), (3, 2)),
    "softmax 0-d": (lambda lib, x: x.softmax(-1), ()),
    "softmax dtype": (lambda lib, x: x.float().softmax(1, dtype=lib.float64), (2, 3)),
    "log_softmax": (lambda lib, x: x.log_softmax(-1), (2, 3)),
    "log_softmax 3-d": (lambda lib, x: lib.log_softmax(x, 1), (2, 3, 2)),
    "log_softmax dtype": (lambda lib, x: lib.log_softmax(x.float(), 0, dtype=lib.float64), (2, 3)),
}


@pytest.mark.parametrize("name", SMOOTH)
def test_smooth_points(name):
    fn, *shapes = SMOOTH[name]
    # the dtype rows go through float32: too coarse for finite differences
    compare(fn, *(rand(*shape) for shape in shapes), gradcheck_too="dtype" not in name)


# --- awkward points: ties, zeros, nan, infinities --------------------------------------------------
TIES = arr([[1.0, 5.0, 5.0], [5.0, 0.0, 0.0]])
ONE_ZERO = arr([[1.5, 0.0, -2.0], [0.5, 3.0, 1.25]])
ZEROS_IN_ONE_SLICE = arr([[1.5, 0.0, 0.0], [0.5, 3.0, 1.25]])
ONE_ZERO_PER_SLICE = arr([[0.0, 2.0, -1.5], [0.5, 0.0, 1.25]])
THREE_ZEROS = arr([[0.0, 2.0, 0.0], [0.0, 3.0, 1.5]])
ZERO_ROW = arr([[0.0, 0.0, 0.0], [3.0, -4.0, 1.0]])

AWKWARD = {
    "prod one zero": (lambda lib, x: x.prod(), ONE_ZERO),
    "prod several zeros": (lambda lib, x: x.prod(), ZEROS_IN_ONE_SLICE),
    "prod three zeros": (lambda lib, x: x.prod(), THREE_ZEROS),
    "prod dim one zero per slice": (lambda lib, x: x.prod(1), ONE_ZERO_PER_SLICE),
    "prod dim two zeros in a slice": (lambda lib, x: x.prod(1, keepdim=True), ZEROS_IN_ONE_SLICE),
    "prod dim 0 zeros": (lambda lib, x: x.prod(0), THREE_ZEROS),
    "max ties share": (lambda lib, x: x.max(), TIES),
    "min ties share": (lambda lib, x: x.min(), TIES),
    "max dim ties pick the first": (lambda lib, x: x.max(1), TIES),
    "min dim ties pick the first": (lambda lib, x: lib.min(x, 1, True), TIES),
    "amax ties share": (lambda lib, x: x.amax(), TIES),
    "amax dim ties share": (lambda lib, x: x.amax(1), TIES),
    "amin dim ties share": (lambda lib, x: x.amin(0), TIES),
    "maximum of two ties": (lambda lib, x, y: lib.max(x, y), TIES, arr([5.0, 0.0, 1.0])),
    "norm inf ties": (lambda lib, x: x.norm(INF), arr([[1.0, -5.0, 5.0], [5.0, 0.0, 0.0]])),
    "norm 2 at zero vector": (lambda lib, x: x.norm(dim=1), ZERO_ROW),
    "norm 1 at zero vector": (lambda lib, x: x.norm(1, dim=1), ZERO_ROW),
    "norm 3 at zero vector": (lambda lib, x: x.norm(3, dim=1), ZERO_ROW),
    "norm 1.5 at zero vector": (lambda lib, x: x.norm(1.5, dim=1), ZERO_ROW),
    "norm 0.5 with zeros": (lambda lib, x: x.norm(0.5, dim=1), ZERO_ROW),
    "norm -1 with zeros": (lambda lib, x: x.norm(-1, dim=1), ONE_ZERO_PER_SLICE),
    "norm inf at zero vector": (lambda lib, x: x.norm(INF, dim=1), ZERO_ROW),
    "norm -inf with a zero": (lambda lib, x: x.norm(-INF, dim=1), ONE_ZERO_PER_SLICE),
    "norm whole zero tensor": (lambda lib, x: x.norm(), np.zeros((2, 3))),
    "std of equal values": (lambda lib, x: x.std(1), arr([[2.0, 2.0, 2.0], [1.0, 2.0, 4.0]])),
    "max with nan": (lambda lib, x: x.max(), arr([NAN, 1.0, NAN])),
    "max dim with nan": (lambda lib, x: x.max(0), arr([1.0, NAN, 3.0, NAN])),
    "amax with nan": (lambda lib, x: x.amax(), arr([NAN, 1.0, 2.0])),
    "logsumexp large": (lambda lib, x: x.logsumexp(1), arr([[1000.0, 1000.0, -1000.0], [-1e4, -1e4, 0.0]])),
    "logsumexp -inf row": (lambda lib, x: x.logsumexp(1), arr([[-INF, -INF], [1.0, -INF]])),
    "logsumexp inf": (lambda lib, x: x.logsumexp(0), arr([INF, 1.0])),
    "softmax large": (lambda lib, x: x.softmax(1), arr([[1000.0, 999.0, -1000.0], [-1e4, 0.0, 1e4]])),
    "softmax -inf entries": (lambda lib, x: x.softmax(0), arr([-INF, 1.0, 2.0])),
    "softmax all -inf": (lambda lib, x: x.softmax(0), arr([-INF, -INF])),
    "log_softmax large": (lambda lib, x: x.log_softmax(1), arr([[1000.0, 999.0, -1000.0], [-1e4, 0.0, 1e4]])),
}


def _runtime_warnings(caught):
    """The engine's warnings filter must keep these away (a "error" filter would come before it)."""
    return [str(w.message) for w in caught if issubclass(w.category, RuntimeWarning)]


@pytest.mark.parametrize("name", AWKWARD)
def test_awkward_points(name):
    fn, *arrays = AWKWARD[name]
    with warnings.catch_warnings(record=True) as caught:  # inf and nan come silently, as in PyTorch
        compare(fn, *arrays, gradcheck_too=False)
    assert _runtime_warnings(caught) == []


def test_prod_gradient_with_zeros_is_the_product_of_the_others():
    x = engine.tensor([[2.0, 0.0, 3.0], [0.0, 0.0, 5.0]], requires_grad=True)
    x.prod(1).backward(engine.ones(2))
    assert x.grad.tolist() == [[0.0, 6.0, 0.0], [0.0, 0.0, 0.0]]
    y = engine.tensor([2.0, 0.0, 3.0, 4.0], requires_grad=True)
    y.prod().backward()
    assert y.grad.tolist() == [0.0, 24.0, 0.0, 0.0]


def test_max_ties_share_evenly():
    x = engine.tensor([[1.0, 5.0, 5.0], [5.0, 0.0, 0.0]], requires_grad=True)
    x.max().backward()
    np.testing.assert_allclose(x.grad.cpu().numpy(), [[0.0, 1 / 3, 1 / 3], [1 / 3, 0.0, 0.0]])


# --- integer and bool inputs: dtypes, no graph --------------------------------------------------------
INTS = np.array([[1, 5, 5], [5, 0, 2]], dtype=np.int64)
BOOLS = np.array([[True, False], [True, True]])

INTEGER = {
    "prod int": (lambda lib, x: x.prod(), INTS),
    "prod int dim": (lambda lib, x: x.prod(1), INTS),
    "prod bool": (lambda lib, x: x.prod(), BOOLS),
    "prod int as float": (lambda lib, x: x.prod(dtype=lib.float64), INTS),
    "sum bool": (lambda lib, x: x.sum(0), BOOLS),
    "max int": (lambda lib, x: x.max(), INTS),
    "max int dim": (lambda lib, x: x.max(1), INTS),
    "amax bool": (lambda lib, x: x.amax(), BOOLS),
    "amin int dim": (lambda lib, x: x.amin(0), INTS),
    "logsumexp int": (lambda lib, x: x.logsumexp(1), INTS),
    "logsumexp bool": (lambda lib, x: x.logsumexp(0), BOOLS),
    "softmax int with dtype": (lambda lib, x: x.softmax(1, dtype=lib.float64), INTS),
    "mean int with dtype": (lambda lib, x: x.mean(dtype=lib.float64), INTS),
}


@pytest.mark.parametrize("name", INTEGER)
def test_integer_inputs(name):
    fn, array = INTEGER[name]
    compare(fn, array)


# --- empty tensors ---------------------------------------------------------------------------------
EMPTY = {
    "prod": lambda lib, x: x.prod(),
    "prod dim": lambda lib, x: x.prod(0),
    "sum dim": lambda lib, x: x.sum(0),
    "mean": lambda lib, x: x.mean(),
    "mean dim": lambda lib, x: x.mean(0),
    "max along a non-empty dim": lambda lib, x: x.max(1),
    "amax along a non-empty dim": lambda lib, x: x.amax(1),
    "norm": lambda lib, x: x.norm(),
    "norm inf along a non-empty dim": lambda lib, x: x.norm(INF, dim=1),
    "logsumexp over nothing": lambda lib, x: x.logsumexp(0),
    "logsumexp": lambda lib, x: x.logsumexp(1),
    "softmax": lambda lib, x: x.softmax(0),
}


@pytest.mark.parametrize("name", EMPTY)
def test_empty_inputs(name):
    with warnings.catch_warnings(record=True) as caught:
        compare(EMPTY[name], np.zeros((0, 3)), gradcheck_too=False)
    assert _runtime_warnings(caught) == []  # numpy's "Mean of empty slice" and friends must not leak


# --- var and std with too few elements: PyTorch's warning and values -----------------------------------
FEW = {
    "var of one element": (lambda lib, x: x.var(), arr([2.0])),
    "std of a 0-d tensor": (lambda lib, x: x.std(), arr(2.0)),
    "var 0-d dim": (lambda lib, x: x.var(0), arr(2.0)),
    "var correction = count, equal values": (lambda lib, x: x.var(correction=2), arr([2.0, 2.0])),
    "var correction = count": (lambda lib, x: x.var(correction=2), arr([2.0, 3.0])),
    "var correction > count": (lambda lib, x: x.var(correction=3), arr([2.0, 3.0])),
    "var dim correction = count": (lambda lib, x: x.var(0, correction=2), arr([[2.0, 1.0], [3.0, 1.0]])),
    "var dim correction > count": (lambda lib, x: x.var(0, correction=3), arr([2.0, 3.0])),
    "std dim correction = count": (lambda lib, x: x.std(1, correction=3), arr([[2.0, 1.0, 0.0]])),
    "var empty": (lambda lib, x: x.var(0), np.zeros((0, 3))),
    "std empty output": (lambda lib, x: x.std(1), np.zeros((0, 3))),
}


@pytest.mark.parametrize("name", FEW)
def test_var_with_too_few_elements_warns_like_torch(name):
    fn, array = FEW[name]
    for lib in (engine, torch):
        with pytest.warns(UserWarning, match=r"\(\): degrees of freedom is <= 0"):
            fn(lib, lib.tensor(array))
    with warnings.catch_warnings(record=True) as caught:
        compare(fn, array, gradcheck_too=False)
    assert _runtime_warnings(caught) == []  # no numpy divide-by-zero noise


def test_var_with_enough_elements_does_not_warn():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        engine.tensor([1.0, 2.0]).var()
        engine.tensor(3.0).var(correction=0)


# --- graph: saved values with negative dims ---------------------------------------------------------
def test_negative_dims_are_saved_as_given():
    # PyTorch shows a negative saved dim as its unsigned 64-bit wrap (2**64 - 1 for -1), an
    # artefact of its bindings; we keep the caller's -1
    x = engine.tensor(rand(2, 3), requires_grad=True)
    assert x.sum(-1).grad_fn._saved_dim == (-1,)
    assert x.max(-1).values.grad_fn._saved_dim == -1
    assert x.softmax(-1).grad_fn._saved_dim == -1
    for y in (x.sum(-1), x.mean(-1), x.prod(-1), x.amax(-1), x.norm(dim=-1), x.var(-1), x.logsumexp(-1),
              x.max(-1).values, x.softmax(-1), x.log_softmax(-2)):
        weights = engine.tensor(RNG.uniform(-1, 1, tuple(y.shape)))
        (ours,) = engine.autograd.grad(y, x, weights)
        xt = torch.tensor(x.detach().cpu().numpy(), requires_grad=True)
        name = y.grad_fn.name()
        yt = {
            "SumBackward1": lambda: xt.sum(-1), "MeanBackward1": lambda: xt.mean(-1),
            "ProdBackward1": lambda: xt.prod(-1), "AmaxBackward0": lambda: xt.amax(-1),
            "LinalgVectorNormBackward0": lambda: xt.norm(dim=-1), "VarBackward0": lambda: xt.var(-1),
            "LogsumexpBackward0": lambda: xt.logsumexp(-1), "MaxBackward0": lambda: xt.max(-1).values,
            "SoftmaxBackward0": lambda: xt.softmax(-1), "LogSoftmaxBackward0": lambda: xt.log_softmax(-2),
        }[name]()
        (expected,) = torch.autograd.grad(yt, xt, torch.tensor(weights.cpu().numpy()))
        assert_same_tensor(ours, expected)


def test_mean_saves_the_input_numel_as_torch_does():
    x = engine.tensor(rand(2, 3), requires_grad=True)
    node = x.mean(1).grad_fn
    assert node._saved_self_sym_numel == 6 and node._saved_self_sym_sizes == (2, 3)


def test_saved_indices_are_the_returned_indices():
    x = engine.tensor(rand(2, 3), requires_grad=True)
    result = x.max(1)
    assert result.values.grad_fn._saved_indices is result.indices


# --- the (values, indices) pair ---------------------------------------------------------------------
def test_max_along_dim_returns_a_named_pair_like_torch():
    array = arr([[1.0, 5.0, 2.0], [7.0, 0.0, 0.0]])
    for op in ("max", "min"):
        ours = getattr(engine.tensor(array, requires_grad=True), op)(1)
        theirs = getattr(torch.tensor(array, requires_grad=True), op)(1)
        assert cpu_text(repr(ours)) == repr(theirs)
        values, indices = ours
        assert values is ours.values and indices is ours.indices and ours[1] is ours.indices
        assert len(ours) == 2 and isinstance(ours, tuple)
    plain = engine.tensor(array).max(0)
    assert cpu_text(repr(pickle.loads(pickle.dumps(plain)))) == repr(torch.tensor(array).max(0))
    assert repr(copy.deepcopy(plain)) == repr(plain)


# --- errors: PyTorch's class and key phrase; nothing changes ---------------------------------------------
X23 = arr([[1.0, 5.0, 2.0], [7.0, 0.0, 3.0]])
ERRORS = {
    "max dim out of range": (lambda lib, x: x.max(2), X23, IndexError, "Dimension out of range"),
    "min negative dim out of range": (lambda lib, x: x.min(-3), X23, IndexError, "Dimension out of range"),
    "prod dim out of range": (lambda lib, x: x.prod(2), X23, IndexError, "Dimension out of range"),
    "amax dim out of range": (lambda lib, x: x.amax(2), X23, IndexError, "Dimension out of range"),
    "norm dim out of range": (lambda lib, x: x.norm(dim=5), X23, IndexError, "Dimension out of range"),
    "var dim out of range": (lambda lib, x: x.var(2), X23, IndexError, "Dimension out of range"),
    "logsumexp dim out of range": (lambda lib, x: x.logsumexp(5), X23, IndexError, "Dimension out of range"),
    "softmax dim out of range": (lambda lib, x: x.softmax(2), X23, IndexError, "Dimension out of range"),
    "0-d max dim 1": (lambda lib, x: x.max(1), arr(3.0), IndexError, "Dimension out of range"),
    "sum repeated dim": (lambda lib, x: x.sum((0, 0)), X23, RuntimeError, "dim 0 appears multiple times"),
    "amax repeated dim": (lambda lib, x: x.amax((0, -2)), X23, RuntimeError, "dim 0 appears multiple times"),
    "var repeated dim": (lambda lib, x: x.var((1, 1)), X23, RuntimeError, "dim 1 appears multiple times"),
    "norm repeated dim": (lambda lib, x: x.norm(dim=(0, 0)), X23, RuntimeError, "appears multiple times"),
    "max of empty": (lambda lib, x: x.max(), np.zeros((0, 3)), RuntimeError,
                     "max(): Expected reduction dim to be specified for input.numel() == 0"),
    "min of empty": (lambda lib, x: x.min(), np.zeros((0, 3)), RuntimeError,
                     "min(): Expected reduction dim to be specified"),
    "amax of empty": (lambda lib, x: x.amax(), np.zeros((0, 3)), RuntimeError,
                      "amax(): Expected reduction dim to be specified"),
    "max along an empty dim": (lambda lib, x: x.max(-2), np.zeros((0, 3)), IndexError,
                               "max(): Expected reduction dim 0 to have non-zero size"),
    "amin along an empty dim": (lambda lib, x: x.amin(0), np.zeros((0, 3)), IndexError,
                                "amin(): Expected reduction dim 0 to have non-zero size"),
    "inf norm of empty": (lambda lib, x: x.norm(INF), np.zeros((0, 3)), RuntimeError,
                          "cannot compute the inf norm on an empty tensor"),
    "-inf norm along an empty dim": (lambda lib, x: x.norm(-INF, dim=0), np.zeros((0, 3)), RuntimeError,
                                     "cannot compute the -inf norm on the dimension 0"),
    "norm of ints": (lambda lib, x: x.long().norm(), X23, RuntimeError,
                     "linalg.vector_norm: Expected a floating point or complex tensor as input. Got Long"),
    "norm narrowing dtype": (lambda lib, x: x.norm(dtype=lib.float32), X23, RuntimeError,
                             "should be convertible without narrowing to the specified dtype (Float)"),
    "norm integer dtype": (lambda lib, x: x.norm(dtype=lib.int64), X23, RuntimeError,
                           "dtype should be floating point or complex, but got Long"),
    "norm unknown order": (lambda lib, x: x.norm(p="abc"), X23, RuntimeError, "Order abc not supported"),
    "fro norm over three dims": (lambda lib, x: x.reshape(1, 2, 3).norm(dim=(0, 1, 2)), X23, RuntimeError,
                                 "dim must be a 2-tuple"),
    "var of ints": (lambda lib, x: x.long().var(), X23, RuntimeError, "std and var only support floating point"),
    "std of bools": (lambda lib, x: (x > 1).std(), X23, RuntimeError, "std and var only support floating point"),
    "var unbiased and correction": (lambda lib, x: x.var(1, unbiased=True, correction=1), X23, TypeError,
                                    "var() received an invalid combination of arguments"),
    "softmax of ints": (lambda lib, x: x.long().softmax(1), X23, NotImplementedError,
                        "\"softmax_lastdim_kernel_impl\" not implemented for 'Long'"),
    "softmax of ints, inner dim": (lambda lib, x: x.long().softmax(0), X23, NotImplementedError,
                                   "\"softmax_kernel_impl\" not implemented for 'Long'"),
    "log_softmax of ints": (lambda lib, x: x.long().log_softmax(1), X23, NotImplementedError,
                            "\"log_softmax_lastdim_kernel_impl\" not implemented for 'Long'"),
    "softmax without dim": (lambda lib, x: x.softmax(), X23, TypeError, "dim"),
    "logsumexp without dim": (lambda lib, x: x.logsumexp(), X23, TypeError, "dim"),
    "prod over two dims": (lambda lib, x: x.prod((0, 1)), X23, TypeError,
                           "prod() received an invalid combination of arguments"),
    "max with a float dim": (lambda lib, x: lib.max(x, dim=1.5), X23, TypeError,
                             "max() received an invalid combination of arguments"),
    "max of two, bad shapes": (lambda lib, x: x.max(lib.ones(4, dtype=lib.float64)), X23, RuntimeError,
                               "must match the size of tensor b"),
    "prod to int with grad": (lambda lib, x: x.prod(dtype=lib.int64), X23, RuntimeError,
                              "Autograd not support dtype: Long"),
    "sum to int with grad": (lambda lib, x: x.sum(dtype=lib.int64), X23, RuntimeError,
                             "Autograd not support dtype: Long"),
    "mean of ints": (lambda lib, x: x.long().mean(), X23, RuntimeError, "mean(): could not infer output dtype"),
}


@pytest.mark.parametrize("name", ERRORS)
def test_errors_match_torch_and_change_nothing(name):
    fn, array, error, phrase = ERRORS[name]
    for lib in (torch, engine):
        x = lib.tensor(array, requires_grad=True)
        with pytest.raises(error) as caught:
            fn(lib, x)
        assert phrase in str(caught.value), (lib.__name__, str(caught.value))
        assert x._version == 0 and x.grad is None and x.grad_fn is None
        np.testing.assert_array_equal(x.detach().cpu().numpy(), array)


# --- double backward --------------------------------------------------------------------------------
DOUBLE = {
    "prod": (lambda x: x.prod(), rand(2, 3)),
    "prod one zero": (lambda x: x.prod(), ONE_ZERO),
    "prod two zeros": (lambda x: x.prod(), ZEROS_IN_ONE_SLICE),
    "prod dim one zero per slice": (lambda x: x.prod(1), ONE_ZERO_PER_SLICE),
    "prod dim two zeros": (lambda x: x.prod(1), ZEROS_IN_ONE_SLICE),
    "prod dim 0 zeros": (lambda x: x.prod(0), THREE_ZEROS),
    "norm": (lambda x: x.norm(dim=1), rand(2, 3)),
    "norm 3": (lambda x: x.norm(3), rand(2, 3)),
    "norm 1.5 dim": (lambda x: x.norm(1.5, dim=0), rand(2, 3)),
    "norm 0.5": (lambda x: x.norm(0.5), rand(2, 3)),
    "var": (lambda x: x.var(), rand(2, 3)),
    "var dim": (lambda x: x.var(0, keepdim=True), rand(3, 2)),
    "std dim": (lambda x: x.std(1), rand(2, 3)),
    "logsumexp": (lambda x: x.logsumexp(1), rand(2, 3)),
    "softmax": (lambda x: x.softmax(1), rand(2, 3)),
    "log_softmax": (lambda x: x.log_softmax(0), rand(3, 2)),
    "mean dim": (lambda x: (x.mean(1) ** 2), rand(2, 3)),
    "max dim": (lambda x: x.max(1).values ** 2, rand(2, 3)),
    "amax": (lambda x: x.amax(0) ** 3, rand(2, 3)),
}


@pytest.mark.parametrize("name", DOUBLE)
def test_double_backward_matches_torch(name):
    assert_double_backward_like_torch(*DOUBLE[name])


def assert_double_backward_like_torch(fn, array):
    """The gradient of fn's weighted output, and the gradient of its square sum, against torch."""
    results = []
    for lib in (engine, torch):
        x = lib.tensor(array, requires_grad=True)
        y = fn(x)
        weights = lib.tensor(np.linspace(-1.0, 1.0, y.numel()).reshape(tuple(y.shape)))
        (g,) = lib.autograd.grad(y, x, weights, create_graph=True)
        (gg,) = lib.autograd.grad((g * g).sum(), x)
        results.append((g, gg))
    (g, gg), (g_t, gg_t) = results
    assert_same_tensor(g, g_t)
    assert_same_tensor(gg, gg_t, atol=1e-8)


# --- namespace ---------------------------------------------------------------------------------------
def test_engine_namespace_exports_the_reductions():
    for name in ("prod", "max", "min", "amax", "amin", "norm", "var", "std", "logsumexp", "softmax",
                 "log_softmax", "mean", "sum", "argmax", "argmin"):
        assert callable(getattr(engine, name)), name


def test_saved_output_changed_in_place_is_caught_like_torch():
    array = arr([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    for lib in (engine, torch):
        x = lib.tensor(array, requires_grad=True)
        y = x.softmax(1)
        y.mul_(2)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            y.sum().backward()
        result = x.max(1)
        result.indices.add_(1)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            result.values.sum().backward()


# --- cumulative sums and products ------------------------------------------------------------------
SCAN_RNG = np.random.default_rng(2)  # its own, so that the rows above keep their random numbers


def scan_rand(*shape):
    magnitude = SCAN_RNG.permutation(np.linspace(0.5, 2.0, int(np.prod(shape, dtype=int))))
    return (magnitude * SCAN_RNG.choice([-1.0, 1.0], magnitude.size)).reshape(shape)


SCANS = {
    "cumsum": (lambda lib, x: x.cumsum(1), scan_rand(2, 3)),
    "cumsum function negative dim": (lambda lib, x: lib.cumsum(x, -1), scan_rand(2, 3, 2)),
    "cumsum dim 0": (lambda lib, x: x.cumsum(0), scan_rand(3, 2)),
    "cumsum 0-d": (lambda lib, x: x.cumsum(0), scan_rand()),
    "cumsum size-1 dim": (lambda lib, x: x.cumsum(0), scan_rand(1, 3)),
    "cumprod": (lambda lib, x: x.cumprod(1), scan_rand(2, 3)),
    "cumprod function": (lambda lib, x: lib.cumprod(x, 0), scan_rand(3, 2)),
    "cumprod 0-d": (lambda lib, x: x.cumprod(-1), scan_rand()),
    "cumprod one zero": (lambda lib, x: x.cumprod(1), ONE_ZERO),
    "cumprod zeros in a slice": (lambda lib, x: x.cumprod(1), ZEROS_IN_ONE_SLICE),
    "cumprod dim 0 zeros": (lambda lib, x: x.cumprod(0), THREE_ZEROS),
}


@pytest.mark.parametrize("name", SCANS)
def test_cumsum_and_cumprod(name):
    fn, array = SCANS[name]
    compare(fn, array)


SCAN_DTYPES = {
    "cumsum int": (lambda lib, x: x.cumsum(1), INTS),
    "cumsum bool": (lambda lib, x: lib.cumsum(x, 0), BOOLS),
    "cumprod int32": (lambda lib, x: x.int().cumprod(1), INTS),
    "cumsum int dtype float": (lambda lib, x: x.cumsum(0, dtype=lib.float32), INTS),
    "cumsum dtype float32": (lambda lib, x: x.cumsum(1, dtype=lib.float32), scan_rand(2, 3)),
    "cumprod dtype float32": (lambda lib, x: lib.cumprod(x, 1, dtype=lib.float32), scan_rand(2, 3)),
}


@pytest.mark.parametrize("name", SCAN_DTYPES)
def test_cumsum_and_cumprod_dtypes(name):
    fn, array = SCAN_DTYPES[name]
    compare(fn, array, gradcheck_too=False)


def test_cumsum_with_an_integer_dtype_refuses_autograd_like_torch():
    for lib in (torch, engine):
        with pytest.raises(RuntimeError, match="Autograd not support dtype: Long"):
            lib.tensor([1.0, 2.0], requires_grad=True).cumsum(0, dtype=lib.int64)


@pytest.mark.parametrize("op", ["cumsum", "cumprod"])
def test_scan_dim_out_of_range_matches_torch(op):
    messages = []
    for lib in (torch, engine):
        with pytest.raises(IndexError) as caught:
            getattr(lib, op)(lib.tensor(X23), 2)
        messages.append(str(caught.value))
    assert messages[0] == messages[1]


SCAN_DOUBLE = {
    "cumsum": (lambda x: x.cumsum(1) ** 2, scan_rand(2, 3)),
    "cumprod": (lambda x: x.cumprod(1), scan_rand(2, 3)),
    "cumprod one zero": (lambda x: x.cumprod(1), ONE_ZERO),
    "cumprod zeros": (lambda x: x.cumprod(0), THREE_ZEROS),
}


@pytest.mark.parametrize("name", SCAN_DOUBLE)
def test_scan_double_backward_matches_torch(name):
    assert_double_backward_like_torch(*SCAN_DOUBLE[name])


# --- sort, argsort, topk -------------------------------------------------------------------------------
SORTS = {
    "sort": (lambda lib, x: x.sort(), scan_rand(2, 5)),
    "sort function dim descending": (lambda lib, x: lib.sort(x, 0, True), scan_rand(3, 2)),
    "sort stable": (lambda lib, x: x.sort(stable=True), scan_rand(2, 4)),
    "sort stable descending keyword": (lambda lib, x: lib.sort(x, stable=True, dim=0, descending=True), scan_rand(3, 2)),
    "sort 0-d": (lambda lib, x: x.sort(), scan_rand()),
    "sort 3-d middle dim": (lambda lib, x: x.sort(1, descending=True), scan_rand(2, 3, 2)),
    "topk": (lambda lib, x: x.topk(2), scan_rand(2, 5)),
    "topk function smallest": (lambda lib, x: lib.topk(x, 3, dim=1, largest=False), scan_rand(2, 5)),
    "topk positional": (lambda lib, x: x.topk(1, 0, True, True), scan_rand(3, 4)),
    "topk unsorted keyword": (lambda lib, x: x.topk(2, sorted=True), scan_rand(4,)),
    "topk all": (lambda lib, x: x.topk(4), scan_rand(4,)),
    "topk 0-d": (lambda lib, x: x.topk(1), scan_rand()),
}


@pytest.mark.parametrize("name", SORTS)
def test_sort_and_topk(name):
    fn, array = SORTS[name]
    compare(fn, array)


# ties come out in their original order, as PyTorch's (stable) CPU sort gives them; nan is largest
TIES_AND_NAN = arr([[3.0, 1.0, 3.0, 2.0, 1.0], [0.0, 5.0, 5.0, NAN, 5.0]])
SORT_TIES = {
    "sort ties": lambda lib, x: x.sort(),
    "sort ties descending": lambda lib, x: x.sort(descending=True),
    "sort ties dim 0": lambda lib, x: x.sort(0, True),
    "sort ties stable descending": lambda lib, x: x.sort(stable=True, descending=True),
    "argsort ties": lambda lib, x: x.argsort(),
    "argsort ties descending": lambda lib, x: lib.argsort(x, dim=1, descending=True),
    "argsort stable": lambda lib, x: x.argsort(stable=True),
}


@pytest.mark.parametrize("name", SORT_TIES)
def test_sort_ties_and_nan_in_pytorchs_order(name):
    compare(SORT_TIES[name], TIES_AND_NAN, gradcheck_too=False)


@pytest.mark.parametrize("array", [INTS, BOOLS], ids=["int", "bool"])
def test_sort_and_argsort_of_integers(array):
    for fn in (lambda lib, x: x.sort(1), lambda lib, x: x.sort(0, True), lambda lib, x: x.argsort(1)):
        compare(fn, array)
    if array.dtype != bool:  # PyTorch's CPU topk refuses bool (an error row below)
        compare(lambda lib, x: x.topk(1), array)


def test_sort_and_topk_return_named_pairs_like_torch():
    for op in ("sort", "topk"):
        args = (1,) if op == "topk" else ()
        ours = getattr(engine.tensor([2.0, 1.0]), op)(*args)
        theirs = getattr(torch.tensor([2.0, 1.0]), op)(*args)
        assert isinstance(ours, tuple) and len(ours) == 2
        assert ours.values is ours[0] and ours.indices is ours[1]
        assert cpu_text(repr(ours)) == repr(theirs)


SORT_ERRORS = {
    "topk k too large": lambda lib, x: x.topk(6),
    "topk k negative": lambda lib, x: x.topk(-1),
    "topk dim out of range": lambda lib, x: lib.topk(x, 2, dim=3),
    "sort dim out of range": lambda lib, x: x.sort(2),
    "argsort dim out of range": lambda lib, x: x.argsort(-3),
    "topk of bool": lambda lib, x: (x > 1).topk(1),
}


@pytest.mark.parametrize("name", SORT_ERRORS)
def test_sort_errors_match_torch(name):
    messages = []
    for lib in (torch, engine):
        with pytest.raises((RuntimeError, IndexError)) as caught:
            SORT_ERRORS[name](lib, lib.tensor(TIES_AND_NAN))
        messages.append((type(caught.value), str(caught.value)))
    assert messages[0] == messages[1]


@pytest.mark.parametrize("name", ["sort", "topk"])
def test_sort_double_backward_matches_torch(name):
    array = scan_rand(3, 4)
    results = []
    for lib in (engine, torch):
        x = lib.tensor(array, requires_grad=True)
        y = (x.sort(1).values if name == "sort" else x.topk(2).values) ** 2
        weights = lib.tensor(np.linspace(-1.0, 1.0, y.numel()).reshape(tuple(y.shape)))
        (g,) = lib.autograd.grad(y, x, weights, create_graph=True)
        (gg,) = lib.autograd.grad((g * g).sum(), x)
        results.append((g, gg, g.grad_fn.name()))
    (g, gg, node), (g_t, gg_t, node_t) = results
    assert_same_tensor(g, g_t)
    assert_same_tensor(gg, gg_t, atol=1e-8)
    assert node == node_t


# --- all and any as functions --------------------------------------------------------------------------
LOGICAL = {
    "all": lambda lib, x: lib.all(x),
    "any dim": lambda lib, x: lib.any(x, 1),
    "all dim keepdim": lambda lib, x: lib.all(x, dim=0, keepdim=True),
    "any dims": lambda lib, x: lib.any(x, dim=(0, 1)),
    "all negative dim": lambda lib, x: x.all(-1),
}


@pytest.mark.parametrize("dtype", ["float64", "int64", "bool", "uint8"])
@pytest.mark.parametrize("name", LOGICAL)
def test_all_and_any_match_torch(name, dtype):
    array = np.array([[1, 0, 2], [3, 4, 5]]).astype(dtype)
    ours = LOGICAL[name](engine, engine.tensor(array))
    theirs = LOGICAL[name](torch, torch.tensor(array))
    assert_same_tensor(ours, theirs)


def test_all_and_any_of_0d_along_dim_0():
    for op in ("all", "any"):
        assert_same_tensor(getattr(engine, op)(engine.tensor(3.0), 0), getattr(torch, op)(torch.tensor(3.0), 0))
