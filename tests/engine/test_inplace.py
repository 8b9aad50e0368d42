"""In-place ops and `x[index] = value` against PyTorch: values, dtypes, versions, graph, errors.

Every case is one lambda `fn(lib, *leaves)` run twice, with `lib` the engine and with torch, on
the same float64 inputs. It usually makes a non-leaf (`a * 1`: in-place on a leaf that requires
grad is refused), changes it in place and returns it; `check` compares everything a user can see
of the result, then the gradients of every leaf, then runs gradcheck.
"""
import functools

import numpy as np
import pytest

import engine
import torch_oracle
from torch_oracle import as_numpy
from on_device import DEVICE, cpu_text
from engine.autograd import gradcheck

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(7)


# --- the one helper --------------------------------------------------------------------------------
def rand(*shape):
    return RNG.uniform(-2.0, 2.0, shape)


# this family's ops are compared more tightly than the default
assert_same_tensor = functools.partial(torch_oracle.assert_same_tensor, atol=1e-7, rtol=1e-6)


def pos(*shape):
    return RNG.uniform(0.5, 2.0, shape)


def mask(*shape):
    return RNG.uniform(size=shape) > 0.5


def edges(node):
    """next_functions by name, as a graph view shows them."""
    return tuple((None if n is None else n.name(), nr) for n, nr in node.next_functions)


def saved_names(node):
    return sorted(a for a in dir(node) if a.startswith("_saved_"))


def make(lib, value, requires_grad):
    if isinstance(value, np.ndarray) and value.dtype != np.float64:  # masks, indices: constants
        return lib.tensor(value)
    return lib.tensor(value, requires_grad=requires_grad)


def check(fn, *arrays, grad=True, gradcheck_it=True):
    """Run `fn` on both libraries; compare values, dtype, version, grad_fn, next_functions,
    saved names, and the gradient of each float input; then gradcheck the engine."""
    ours_in = [make(engine, a, grad) for a in arrays]
    theirs_in = [make(torch, a, grad) for a in arrays]
    ours, theirs = fn(engine, *ours_in), fn(torch, *theirs_in)
    assert_same_tensor(ours, theirs)
    assert ours._version == theirs._version
    assert ours.requires_grad == theirs.requires_grad
    assert ours.is_leaf == theirs.is_leaf
    if theirs.grad_fn is None:
        assert ours.grad_fn is None
        return ours
    assert ours.grad_fn.name() == theirs.grad_fn.name()
    assert edges(ours.grad_fn) == edges(theirs.grad_fn)
    assert saved_names(ours.grad_fn) == saved_names(theirs.grad_fn)
    weights = RNG.uniform(-1.0, 1.0, tuple(theirs.shape))
    (ours * engine.tensor(weights)).sum().backward()
    (theirs * torch.tensor(weights)).sum().backward()
    for o, t in zip(ours_in, theirs_in):
        assert (o.grad is None) == (t.grad is None)
        if t.grad is not None:
            assert_same_tensor(o.grad, t.grad)
    if gradcheck_it:
        fresh = [make(engine, a, True) for a in arrays]
        assert gradcheck(lambda *xs: fn(engine, *xs), tuple(fresh))
    return ours


def raises_like_torch(fn, *arrays, grad=False):
    """Both libraries raise the same exception class with the same message."""
    with pytest.raises(Exception) as theirs:
        fn(torch, *[make(torch, a, grad) for a in arrays])
    with pytest.raises(Exception) as ours:
        fn(engine, *[make(engine, a, grad) for a in arrays])
    assert type(ours.value).__name__ == type(theirs.value).__name__
    assert cpu_text(str(ours.value)) == str(theirs.value)


def inplace(method, *args, **kwargs):
    """`y = a * 1; y.<method>(*args)` with the operands taken from the inputs after `a`."""
    def fn(lib, a, *operands):
        y = a * 1
        getattr(y, method)(*[op(lib, operands) if callable(op) else op for op in args], **kwargs)
        return y
    return fn


def arg(i):
    return lambda lib, operands: operands[i]


# --- arithmetic in place ------------------------------------------------------------------------
ARITHMETIC = {
    "add_ number": (inplace("add_", 2.5), [rand(2, 3)]),
    "add_ tensor": (inplace("add_", arg(0)), [rand(2, 3), rand(2, 3)]),
    "add_ broadcast (3,)": (inplace("add_", arg(0)), [rand(2, 3), rand(3)]),
    "add_ broadcast (2,1)": (inplace("add_", arg(0)), [rand(2, 3), rand(2, 1)]),
    "add_ 0-d": (inplace("add_", arg(0)), [rand(2, 3), rand()]),
    "add_ alpha": (inplace("add_", arg(0), alpha=-1.5), [rand(2, 3), rand(3)]),
    "sub_ number": (inplace("sub_", 3), [rand(2, 3)]),
    "sub_ alpha": (inplace("sub_", arg(0), alpha=2), [rand(2, 3), rand(1, 3)]),
    "mul_ number": (inplace("mul_", 3.0), [rand(2, 3)]),
    "mul_ tensor": (inplace("mul_", arg(0)), [rand(2, 3), rand(3)]),
    "div_ number": (inplace("div_", 4), [rand(2, 3)]),
    "div_ tensor": (inplace("div_", arg(0)), [rand(2, 3), pos(2, 1)]),
    "pow_ number": (inplace("pow_", 3), [rand(2, 3)]),
    "pow_ fraction": (lambda lib, a: (a * 1).abs().pow_(1.5), [pos(2, 3)]),
    "pow_ tensor": (inplace("pow_", arg(0)), [pos(2, 3), rand(3)]),
    "clamp_ both": (inplace("clamp_", -0.5, 0.5), [rand(3, 4)]),
    "clamp_ min": (inplace("clamp_", 0.0), [rand(3, 4)]),
    "clamp_ max": (inplace("clamp_", None, 0.3), [rand(3, 4)]),
    "clamp_ tensors": (inplace("clamp_", arg(0), arg(1)), [rand(3, 4), rand(4) - 1, rand(3, 1) + 1]),
    "clamp_ tensor min": (inplace("clamp_", arg(0)), [rand(3, 4), rand(4)]),
    "masked_fill_ number": (inplace("masked_fill_", arg(0), -7.0), [rand(3, 4), mask(3, 4)]),
    "masked_fill_ broadcast mask": (inplace("masked_fill_", arg(0), 2), [rand(3, 4), mask(4)]),
    "masked_fill_ 0-d tensor": (inplace("masked_fill_", arg(0), arg(1)), [rand(3, 4), mask(3, 4), rand()]),
    "exp_": (inplace("exp_"), [rand(2, 3)]),
    "log_": (inplace("log_"), [pos(2, 3)]),
    "sqrt_": (inplace("sqrt_"), [pos(2, 3)]),
    "square_": (inplace("square_"), [rand(2, 3)]),
    "sigmoid_": (inplace("sigmoid_"), [rand(2, 3)]),
    "tanh_": (inplace("tanh_"), [rand(2, 3)]),
    "relu_": (inplace("relu_"), [rand(2, 3)]),
    "torch.relu_": (lambda lib, a: lib.relu_(a * 1), [rand(2, 3)]),
    "abs_": (inplace("abs_"), [rand(2, 3)]),
    "neg_": (inplace("neg_"), [rand(2, 3)]),
    "floor_ then mul": (lambda lib, a: (a * 1).floor_() * a, [rand(2, 3)]),
    "ceil_ then mul": (lambda lib, a: (a * 1).ceil_() * a, [rand(2, 3)]),
    "trunc_ then mul": (lambda lib, a: (a * 1).trunc_() * a, [rand(2, 3)]),
    "round_ then mul": (lambda lib, a: (a * 1).round_() * a, [rand(2, 3)]),
    "round_ decimals": (lambda lib, a: (a * 1).round_(decimals=1) * a, [rand(2, 3)]),
    "exp_ on a view": (lambda lib, a: _view_op(a * 1, lambda v: v.exp_()), [rand(2, 3)]),
    "sqrt_ on a view": (lambda lib, a: _view_op(a * 1, lambda v: v.sqrt_()), [pos(2, 3)]),
    "log_ on a view": (lambda lib, a: _view_op(a * 1, lambda v: v.log_()), [pos(2, 3)]),
    "__iadd__": (lambda lib, a, b: _iop(a * 1, lambda y: y.__iadd__(b)), [rand(2, 3), rand(3)]),
    "__isub__": (lambda lib, a, b: _iop(a * 1, lambda y: y.__isub__(b)), [rand(2, 3), rand(3)]),
    "__imul__": (lambda lib, a, b: _iop(a * 1, lambda y: y.__imul__(b)), [rand(2, 3), rand(3)]),
    "__itruediv__": (lambda lib, a, b: _iop(a * 1, lambda y: y.__itruediv__(b)), [rand(2, 3), pos(3)]),
    "__ipow__": (lambda lib, a: _iop(a * 1, lambda y: y.__ipow__(2)), [rand(2, 3)]),
    "chain of three": (lambda lib, a, b: (a * 2).add_(b).mul_(b).sub_(1), [rand(2, 3), rand(2, 3)]),
    "on a tensor that needs no grad": (lambda lib, a, b: a.detach().clone().mul_(b), [rand(2, 3), rand(3)]),
    "operand needs no grad": (lambda lib, a, b: (a * 1).mul_(b.detach()), [rand(2, 3), rand(3)]),
}


def _view_op(y, op):
    op(y[0])
    return y


def _iop(y, op):
    result = op(y)
    assert result is y  # augmented assignment rebinds the name to the same tensor
    return result


# No gradcheck for cases that detach an input on purpose (finite differences see what autograd
# must not), that round through float32, or that write one place twice (PyTorch's gradient gives
# both values the place's gradient; finite differences see only the last write).
DETACHED = {"on a tensor that needs no grad", "operand needs no grad", "fill_ 0-d tensor needing no grad",
            "copy_ source needing no grad", "copy_ into a tensor needing no grad",
            "into a tensor needing no grad", "mask into a tensor needing no grad",
            "copy_ from float32", "repeated list"}


@pytest.mark.parametrize("name", sorted(ARITHMETIC))
def test_arithmetic_in_place(name):
    fn, arrays = ARITHMETIC[name]
    check(fn, *arrays, gradcheck_it=name not in DETACHED)


@pytest.mark.parametrize("name", sorted(ARITHMETIC))
def test_arithmetic_in_place_without_grad(name):
    fn, arrays = ARITHMETIC[name]
    check(fn, *arrays, grad=False)


def test_in_place_ops_return_the_tensor_itself():
    y = engine.tensor([1.0, 2.0])
    for op in (lambda: y.add_(1), lambda: y.sub_(1), lambda: y.mul_(2), lambda: y.div_(2),
               lambda: y.pow_(1), lambda: y.clamp_(0), lambda: y.zero_(), lambda: y.fill_(1),
               lambda: y.copy_(engine.tensor([3.0, 4.0])), lambda: y.normal_(), lambda: y.uniform_(),
               lambda: y.masked_fill_(engine.tensor([True, False]), 0.0)):
        assert op() is y


# --- fill and copy ------------------------------------------------------------------------------------
FILLS = {
    "zero_": (lambda lib, a: (a * 2).zero_(), [rand(2, 3)]),
    "fill_ number": (lambda lib, a: (a * 2).fill_(3.5), [rand(2, 3)]),
    "fill_ 0-d tensor": (lambda lib, a, v: (a * 2).fill_(v), [rand(2, 3), rand()]),
    "fill_ 0-d tensor needing no grad": (lambda lib, a, v: (a * 2).fill_(v.detach()), [rand(2, 3), rand()]),
    "copy_ same shape": (lambda lib, a, b: (a * 2).copy_(b), [rand(2, 3), rand(2, 3)]),
    "copy_ broadcast": (lambda lib, a, b: (a * 2).copy_(b), [rand(2, 3), rand(3)]),
    "copy_ 0-d": (lambda lib, a, b: (a * 2).copy_(b), [rand(2, 3), rand()]),
    "copy_ from float32": (lambda lib, a, b: (a * 2).copy_(b.float()), [rand(2, 3), rand(3)]),
    "copy_ source needing no grad": (lambda lib, a, b: (a * 2).copy_(b.detach()), [rand(2, 3), rand(2, 3)]),
    "copy_ into a tensor needing no grad": (lambda lib, a, b: a.detach().clone().copy_(b), [rand(2, 3), rand(2, 3)]),
    "copy_ then use": (lambda lib, a, b: (a * 2).copy_(b) * a, [rand(2, 3), rand(2, 3)]),
    "fill_ then add_": (lambda lib, a, b: (a * 2).fill_(1.0).add_(b), [rand(2, 3), rand(2, 3)]),
}


@pytest.mark.parametrize("name", sorted(FILLS))
def test_fill_and_copy(name):
    fn, arrays = FILLS[name]
    check(fn, *arrays, gradcheck_it=name not in DETACHED)


def test_copy_from_float32_gives_a_float32_gradient():
    a = engine.tensor(rand(3), dtype=engine.float32, requires_grad=True)
    y = engine.zeros(2, 3, dtype=engine.float64)
    y.copy_(a)
    y.sum().backward()
    assert a.grad.dtype == engine.float32
    assert a.grad.tolist() == [2.0, 2.0, 2.0]


@pytest.mark.parametrize("method", ["normal_", "uniform_"])
def test_random_fills_record_a_node_with_zero_gradient(method):
    for lib in (engine, torch):
        x = lib.tensor(rand(100, 50), requires_grad=True)
        y = x * 2
        getattr(y, method)()
        assert y.grad_fn.name() == {"normal_": "NormalBackward0", "uniform_": "UniformBackward0"}[method]
        assert edges(y.grad_fn) == (("MulBackward0", 0),)
        assert saved_names(y.grad_fn) == []
        y.sum().backward()
        assert (as_numpy(x.grad) == 0).all()


def test_random_fill_values():
    engine.manual_seed(0)
    x = engine.empty(200, 100, dtype=engine.float64)
    x.normal_(3.0, 0.5)
    assert x.dtype == engine.float64
    assert abs(x.mean().item() - 3.0) < 0.02 and abs(x.std().item() - 0.5) < 0.02
    x.uniform_(-2.0, 5.0)
    values = as_numpy(x)
    assert values.min() >= -2.0 and values.max() < 5.0 and abs(values.mean() - 1.5) < 0.05
    half = engine.zeros(10, dtype=engine.float16).uniform_()
    assert half.dtype == engine.float16
    scalar = engine.tensor(0.0).normal_()
    assert scalar.shape == engine.Size([]) and scalar._version == 1


# --- x[index] = value ---------------------------------------------------------------------------------
def assign(index, value=None):
    """`y = a * 2; y[index] = value`, the value being the second input when not given."""
    def fn(lib, a, *rest):
        y = a * 2
        resolved = index(lib, rest) if callable(index) else index
        y[resolved] = rest[-1] if value is None else value
        return y
    return fn


def idx(i):
    return lambda lib, rest: rest[i]


SETITEM = {
    "int, number": (assign(1, 5.0), [rand(3, 4)]),
    "int, row": (assign(0), [rand(3, 4), rand(4)]),
    "int, broadcast row": (assign(-1), [rand(3, 4), rand(1)]),
    "int, leading ones": (assign(0), [rand(3, 4), rand(1, 4)]),
    "int, 0-d tensor": (assign(2), [rand(3, 4), rand()]),
    "two ints": (assign((0, 1)), [rand(3, 4), rand()]),
    "slice": (assign(slice(1, None)), [rand(3, 4), rand(2, 4)]),
    "slice with step": (assign((slice(None), slice(0, 4, 2))), [rand(3, 4), rand(3, 2)]),
    "full slice, number": (assign(slice(None), 1.5), [rand(3, 4)]),
    "full slice, tensor": (assign(slice(None)), [rand(3, 4), rand(3, 4)]),
    "ellipsis, row": (assign(Ellipsis), [rand(3, 4), rand(4)]),
    "ellipsis, 0-d tensor": (assign(Ellipsis), [rand(3, 4), rand()]),
    "empty tuple": (assign((), -1.0), [rand(3, 4)]),
    "None": (assign(None, 2.0), [rand(3, 4)]),
    "True": (assign(True, 2.0), [rand(3, 4)]),
    "ellipsis then int": (assign((Ellipsis, 1)), [rand(2, 3, 4), rand(2, 3)]),
    "mask, number": (assign(idx(0), 0.0), [rand(3, 4), mask(3, 4)]),
    "mask, values": (lambda lib, a, m, v: _masked_assign(a, m, v), [rand(3, 4), np.ones((3, 4), bool), rand(12)]),
    "mask, 0-d tensor": (assign(idx(0)), [rand(3, 4), mask(3, 4), rand()]),
    "row mask": (assign(idx(0)), [rand(3, 4), np.array([True, False, True]), rand(4)]),
    "list": (assign([0, 2]), [rand(3, 4), rand(2, 4)]),
    "list, broadcast value": (assign([2, 0]), [rand(3, 4), rand(4)]),
    "list with leading-one value": (assign([0, 1]), [rand(3, 4), rand(1, 2, 4)]),
    "repeated list": (assign([1, 1]), [rand(3, 4), rand(2, 4)]),
    "index tensor": (assign(idx(0)), [rand(3, 4), np.array([2, 0]), rand(2, 4)]),
    "full slice then list": (assign((slice(None), [0, 3])), [rand(3, 4), rand(3, 2)]),
    "slice then list": (assign((slice(1, None), [0, 3])), [rand(3, 4), rand(2, 2)]),
    "int then list": (assign((1, [0, 3])), [rand(3, 4), rand(2)]),
    "ellipsis then list": (assign((Ellipsis, [1])), [rand(2, 3, 4), rand(2, 3, 1)]),
    "two lists": (assign(([0, 2], [1, 3])), [rand(3, 4), rand(2)]),
    "lists around a slice": (assign(([0, 1], slice(None), [1, 0])), [rand(2, 3, 4), rand(2, 3)]),
    "0-d index tensor": (lambda lib, a, v: _zero_d_index(lib, a, v), [rand(3, 4), rand(4)]),
    "into a tensor needing no grad": (lambda lib, a, v: _into_plain(a, v), [rand(3, 4), rand(4)]),
    "mask into a tensor needing no grad": (lambda lib, a, m, v: _into_plain(a, v, m), [rand(3, 4), mask(3, 4), rand()]),
    "twice": (lambda lib, a, v: _twice(a, v), [rand(3, 4), rand(4)]),
}


def _masked_assign(a, m, v):
    y = a * 2
    y[m] = v
    return y


def _zero_d_index(lib, a, v):
    y = a * 2
    y[lib.tensor(1)] = v
    return y


def _into_plain(a, v, where=0):
    y = a.detach() * 1
    y[where] = v
    return y


def _twice(a, v):
    y = a * 2
    y[0] = v
    y[:, 1] = v[:3] * 2
    return y


def unless_undefined_here(name):
    """PyTorch leaves which of repeated indices wins undefined on CUDA; CuPy's GPU threads race too."""
    if name == "repeated list" and DEVICE == "cuda":
        pytest.skip("which write of a repeated index wins is undefined on a GPU, in PyTorch as here")


@pytest.mark.parametrize("name", sorted(SETITEM))
def test_setitem(name):
    unless_undefined_here(name)
    fn, arrays = SETITEM[name]
    check(fn, *arrays, gradcheck_it=name not in DETACHED)


@pytest.mark.parametrize("name", sorted(SETITEM))
def test_setitem_without_grad(name):
    unless_undefined_here(name)
    fn, arrays = SETITEM[name]
    check(fn, *arrays, grad=False)


def test_setitem_saved_indices_match_torch():
    for index in ((slice(None), [0, 2]), [1, 1], (Ellipsis, [0])):
        ours, theirs = engine.tensor(rand(3, 4), requires_grad=True) * 2, torch.tensor(rand(3, 4), requires_grad=True) * 2
        ours[index] = 1.0
        theirs[index] = 1.0
        assert ours.grad_fn._saved_accumulate is False and theirs.grad_fn._saved_accumulate is False
        for o, t in zip(ours.grad_fn._saved_indices, theirs.grad_fn._saved_indices):
            assert (o is None) == (t is None)
            if t is not None:
                assert o.tolist() == t.tolist()
    m = mask(3, 4)
    ours = engine.tensor(rand(3, 4), requires_grad=True) * 2
    ours[engine.tensor(m)] = 0.0
    assert ours.grad_fn._saved_indices[0].tolist() == m.tolist()


def test_setitem_value_graph_shows_view_and_expand_as_torch():
    """copy_ into a region drops the value's leading ones (view) and expands it."""
    def chain(t):
        node, names = t.grad_fn.next_functions[1][0], []
        while node is not None and node.name() != "torch::autograd::AccumulateGrad":
            names.append(node.name())
            node = node.next_functions[0][0]
        return names
    for index, shape in [(Ellipsis, (4,)), (0, (1, 4)), (0, (1,)), ([0, 1], (1, 2, 4))]:
        results = []
        for lib in (engine, torch):
            v = lib.tensor(rand(*shape), requires_grad=True)
            y = lib.tensor(rand(3, 4), requires_grad=True) * 2
            y[index] = v
            results.append(chain(y))
        assert results[0] == results[1], (index, shape)


# --- integer and bool tensors -------------------------------------------------------------------
INTEGER = {
    "add_": lambda lib: lib.arange(5).add_(2),
    "sub_ alpha": lambda lib: lib.arange(5).sub_(lib.tensor([1, 2, 3, 4, 5]), alpha=2),
    "mul_": lambda lib: lib.arange(5).mul_(3),
    "pow_": lambda lib: lib.arange(5).pow_(2),
    "clamp_": lambda lib: lib.arange(5).clamp_(1, 3),
    "fill_ float": lambda lib: lib.zeros(3, dtype=lib.long).fill_(2.7),
    "fill_ bool": lambda lib: lib.zeros(3, dtype=lib.bool).fill_(2),
    "copy_ floats": lambda lib: lib.zeros(3, dtype=lib.long).copy_(lib.tensor([1.5, -2.5, 3.9])),
    "copy_ int into float": lambda lib: lib.zeros(3).copy_(lib.tensor([1, 2, 3])),
    "masked_fill_ float": lambda lib: lib.zeros(3, dtype=lib.long).masked_fill_(lib.tensor([True, False, True]), 1.5),
    "setitem float": lambda lib: _set(lib.zeros(3, dtype=lib.long), 0, 2.7),
    "setitem float tensor": lambda lib: _set(lib.zeros(3, dtype=lib.long), slice(None, 2), lib.tensor([1.5, 2.5])),
    "setitem list number": lambda lib: _set(lib.zeros(3, dtype=lib.long), [0, 1], 2.7),
    "setitem bool": lambda lib: _set(lib.zeros(3, dtype=lib.bool), 0, 2),
    "setitem uint8 negative": lambda lib: _set(lib.zeros(3, dtype=lib.uint8), 0, -1),
    "float32 add_ float64": lambda lib: lib.ones(3).add_(lib.tensor([0.1, 0.2, 0.3], dtype=lib.float64)),
    "float32 setitem float64": lambda lib: _set(lib.zeros(3), 0, lib.tensor(2.7, dtype=lib.float64)),
    "float32 mask float64 0-d": lambda lib: _set(lib.zeros(3), lib.tensor([True, False, True]), lib.tensor(2.5, dtype=lib.float64)),
    "int copy_ of a grad source": lambda lib: lib.zeros(3, dtype=lib.long).copy_(lib.tensor([1.5, 2.0, 3.0], requires_grad=True)),
    "floor_ int": lambda lib: lib.tensor([3, -2]).floor_(),
    "round_ int": lambda lib: lib.tensor([3, -2], dtype=lib.int32).round_(),
    "abs_ int": lambda lib: lib.tensor([3, -2]).abs_(),
    "neg_ int": lambda lib: lib.tensor([3, -2]).neg_(),
    "relu_ int": lambda lib: lib.tensor([3, -2]).relu_(),
    "square_ int": lambda lib: lib.tensor([3, -2]).square_(),
    "int setitem of a grad value": lambda lib: _set(lib.zeros(3, dtype=lib.long), 0, lib.tensor(4.0, requires_grad=True)),
}


def _set(t, index, value):
    t[index] = value
    return t


@pytest.mark.parametrize("name", sorted(INTEGER))
def test_integer_and_bool_tensors(name):
    ours, theirs = INTEGER[name](engine), INTEGER[name](torch)
    assert_same_tensor(ours, theirs)
    assert ours._version == theirs._version
    assert ours.requires_grad == theirs.requires_grad


# --- errors: PyTorch's class and message, and nothing changed -----------------------------------------
ERRORS = {
    "leaf add_": (lambda lib, x: x.add_(1), True),
    "leaf exp_": (lambda lib, x: x.exp_(), True),
    "leaf relu_": (lambda lib, x: lib.relu_(x), True),
    "leaf floor_": (lambda lib, x: x.floor_(), True),
    "int exp_": (lambda lib, x: lib.tensor([1, 2]).exp_(), False),
    "int sqrt_": (lambda lib, x: lib.tensor([1, 2]).sqrt_(), False),
    "bool floor_": (lambda lib, x: lib.tensor([True]).floor_(), False),
    "bool neg_": (lambda lib, x: lib.tensor([True]).neg_(), False),
    "int round_ decimals": (lambda lib, x: lib.tensor([1, 2]).round_(decimals=1), False),
    "leaf zero_": (lambda lib, x: x.zero_(), True),
    "leaf normal_": (lambda lib, x: x.normal_(), True),
    "leaf copy_": (lambda lib, x: x.copy_(x.detach()), True),
    "leaf masked_fill_ bad mask shape": (lambda lib, x: x.masked_fill_(lib.ones(2, 3, 4, dtype=lib.bool), 1.0), True),
    "leaf add_ bad shape": (lambda lib, x: x.add_(lib.ones(5)), True),
    "leaf setitem int": (lambda lib, x: _set(x, 0, 1.0), True),
    "leaf setitem slice": (lambda lib, x: _set(x, slice(1, 2), 1.0), True),
    "leaf setitem mask": (lambda lib, x: _set(x, x.detach() > 0, 1.0), True),
    "leaf setitem ellipsis": (lambda lib, x: _set(x, Ellipsis, 1.0), True),
    "leaf setitem list dtype": (lambda lib, x: _set(x, [0], lib.ones(4, dtype=lib.float32)), True),
    "leaf setitem bad index": (lambda lib, x: _set(x, 7, 1.0), True),
    "leaf setitem bad value shape": (lambda lib, x: _set(x, 0, lib.ones(2)), True),
    "view of a leaf": (lambda lib, x: x[0].add_(1), True),
    "view of a view of a leaf": (lambda lib, x: x.t()[1:].mul_(2), True),
    "reshaped leaf": (lambda lib, x: x.view(12).zero_(), True),
    "unbind output": (lambda lib, x: (x * 2).unbind(0)[1].add_(1), True),
    "split output": (lambda lib, x: (x * 2).split(1)[2].fill_(0), True),
    "int add_ float": (lambda lib, x: lib.zeros(3, dtype=lib.long).add_(1.5), False),
    "int add_ float tensor": (lambda lib, x: lib.zeros(3, dtype=lib.long).add_(lib.ones(3)), False),
    "bool add_ int": (lambda lib, x: lib.zeros(3, dtype=lib.bool).add_(1), False),
    "int div_": (lambda lib, x: lib.zeros(3, dtype=lib.long).div_(2), False),
    "int mul_ float": (lambda lib, x: lib.zeros(3, dtype=lib.long).mul_(2.0), False),
    "int pow_ negative": (lambda lib, x: lib.zeros(3, dtype=lib.long).pow_(-1), False),
    "int pow_ float": (lambda lib, x: lib.zeros(3, dtype=lib.long).pow_(0.5), False),
    "int add_ grad tensor": (lambda lib, x: lib.zeros(3, 4, dtype=lib.long).add_(x), True),
    "int clamp_ float": (lambda lib, x: lib.zeros(3, dtype=lib.long).clamp_(0.5), False),
    "int32 clamp_ float": (lambda lib, x: lib.zeros(3, dtype=lib.int32).clamp_(0.5), False),
    "int clamp_ float tensor": (lambda lib, x: lib.zeros(3, dtype=lib.long).clamp_(lib.ones(3)), False),
    "int add_ float alpha": (lambda lib, x: lib.zeros(3, dtype=lib.long).add_(1, alpha=0.5), False),
    "bool sub_": (lambda lib, x: lib.zeros(3, dtype=lib.bool).sub_(lib.ones(3, dtype=lib.bool)), False),
    "add_ broadcasts out": (lambda lib, x: lib.zeros(3).add_(lib.ones(2, 3)), False),
    "add_ shape mismatch": (lambda lib, x: lib.zeros(2, 3).add_(lib.ones(4)), False),
    "add_ shape mismatch 3-d": (lambda lib, x: lib.zeros(2, 3).add_(lib.ones(2, 1, 5)), False),
    "mul_ into (3, 1)": (lambda lib, x: lib.zeros(3, 1).mul_(lib.ones(3, 4)), False),
    "add_ str": (lambda lib, x: lib.zeros(3).add_("a"), False),
    "add_ None": (lambda lib, x: lib.zeros(3).add_(None), False),
    "add_ to an expanded tensor": (lambda lib, x: lib.zeros(1, 3).expand(2, 3).add_(1), False),
    "clamp_ no bounds": (lambda lib, x: lib.zeros(3).clamp_(), False),
    "clamp_ bad shape": (lambda lib, x: lib.zeros(3).clamp_(lib.zeros(2, 3)), False),
    "copy_ shape": (lambda lib, x: lib.zeros(3, 4).copy_(lib.ones(2, 4)), False),
    "copy_ shape 2": (lambda lib, x: lib.zeros(3, 4).copy_(lib.ones(5)), False),
    "copy_ more dims": (lambda lib, x: lib.zeros(4).copy_(lib.ones(2, 4)), False),
    "copy_ leading one": (lambda lib, x: lib.zeros(4).copy_(lib.ones(1, 4)), False),
    "copy_ str": (lambda lib, x: lib.zeros(4).copy_("a"), False),
    "fill_ 1-d": (lambda lib, x: lib.zeros(3).fill_(lib.ones(2)), False),
    "fill_ int8 overflow": (lambda lib, x: lib.zeros(3, dtype=lib.int8).fill_(300), False),
    "fill_ half overflow": (lambda lib, x: lib.zeros(3, dtype=lib.float16).fill_(1e30), False),
    "fill_ int nan": (lambda lib, x: lib.zeros(3, dtype=lib.int64).fill_(float("nan")), False),
    "masked_fill_ int8 overflow": (lambda lib, x: lib.zeros(3, dtype=lib.int8).masked_fill_(lib.ones(3, dtype=lib.bool), 300), False),
    "masked_fill_ mask shape": (lambda lib, x: lib.zeros(3).masked_fill_(lib.ones(2, 3, dtype=lib.bool), 1.0), False),
    "masked_fill_ mask mismatch": (lambda lib, x: lib.zeros(3).masked_fill_(lib.ones(4, dtype=lib.bool), 1.0), False),
    "masked_fill_ 1-d value": (lambda lib, x: lib.zeros(3).masked_fill_(lib.ones(3, dtype=lib.bool), lib.ones(3)), False),
    "normal_ int": (lambda lib, x: lib.zeros(3, dtype=lib.long).normal_(), False),
    "normal_ negative std": (lambda lib, x: lib.zeros(3).normal_(0, -1), False),
    "normal_ negative float std": (lambda lib, x: lib.zeros(3).normal_(0, -1.5), False),
    "uniform_ int": (lambda lib, x: lib.zeros(3, dtype=lib.long).uniform_(), False),
    "uniform_ empty range": (lambda lib, x: lib.zeros(3).uniform_(1, 0), False),
    "setitem out of range": (lambda lib, x: _set(lib.zeros(3), 5, 1.0), False),
    "setitem negative out of range": (lambda lib, x: _set(lib.zeros(3), -4, 1.0), False),
    "setitem list out of range": (lambda lib, x: _set(lib.zeros(3), lib.tensor([5]), 1.0), False),
    "setitem too many indices": (lambda lib, x: _set(lib.zeros(3), (0, 1), 1.0), False),
    "setitem value shape": (lambda lib, x: _set(lib.zeros(3, 4), 0, lib.ones(2)), False),
    "setitem value more dims": (lambda lib, x: _set(lib.zeros(3, 4), 0, lib.ones(2, 4)), False),
    "setitem mask value shape": (lambda lib, x: _set(lib.zeros(3, 4), lib.ones(3, 4, dtype=lib.bool), lib.ones(2)), False),
    "setitem list value shape": (lambda lib, x: _set(lib.zeros(3, 4), [0, 1], lib.ones(3, 4)), False),
    "setitem list value dtype": (lambda lib, x: _set(lib.zeros(3, 4), [0, 1], lib.ones(4, dtype=lib.float64)), False),
    "setitem list 0-d value dtype": (lambda lib, x: _set(lib.zeros(3, 4), [0, 1], lib.tensor(5.0, dtype=lib.float64)), False),
    "setitem long values into float": (lambda lib, x: _set(lib.zeros(3, 4), [0, 1], lib.ones(4, dtype=lib.long)), False),
    "setitem mask dtype": (lambda lib, x: _set(lib.zeros(3, 4), lib.ones(3, 4, dtype=lib.bool), lib.ones(12, dtype=lib.float64)), False),
    "setitem mask shape": (lambda lib, x: _set(lib.zeros(3, 4), lib.tensor([True, False]), 1.0), False),
    "setitem float index": (lambda lib, x: _set(lib.zeros(3, 4), 1.5, 1.0), False),
    "setitem float tensor index": (lambda lib, x: _set(lib.zeros(3, 4), lib.tensor([0.0, 1.0]), 1.0), False),
    "setitem list value": (lambda lib, x: _set(lib.zeros(3, 4), 0, [1.0, 2.0, 3.0, 4.0]), False),
    "setitem list value before index": (lambda lib, x: _set(lib.zeros(3), 5, [1.0]), False),
    "setitem int8 overflow": (lambda lib, x: _set(lib.zeros(3, dtype=lib.int8), 0, 300), False),
    "setitem int8 underflow": (lambda lib, x: _set(lib.zeros(3, dtype=lib.int8), 0, -129), False),
    "setitem uint8 -256": (lambda lib, x: _set(lib.zeros(3, dtype=lib.uint8), 0, -256), False),
    "setitem int float overflow": (lambda lib, x: _set(lib.zeros(3, dtype=lib.int32), 0, 1e30), False),
    "setitem uint8 mask number": (lambda lib, x: _set(lib.zeros(3), lib.tensor([1, 0, 1], dtype=lib.uint8), 2.0), False),
    "setitem 0-d with an int": (lambda lib, x: _set(lib.tensor(1.0), 0, 2.0), False),
    "setitem 0-d with a slice": (lambda lib, x: _set(lib.tensor(1.0), slice(None), 2.0), False),
    "setitem 0-d with two ints": (lambda lib, x: _set(lib.tensor(1.0), (0, 0), 2.0), False),
}


@pytest.mark.filterwarnings("ignore:indexing with dtype torch.uint8 is now deprecated")
@pytest.mark.parametrize("name", sorted(ERRORS))
def test_errors_match_torch(name):
    fn, needs_x = ERRORS[name]
    raises_like_torch(fn, rand(3, 4), grad=needs_x)


@pytest.mark.filterwarnings("ignore:indexing with dtype torch.uint8 is now deprecated")
@pytest.mark.parametrize("name", sorted(ERRORS))
def test_errors_change_nothing(name):
    """The tensors an op was given are as they were: values, version, graph."""
    fn, needs_x = ERRORS[name]
    x = engine.tensor(rand(3, 4), requires_grad=needs_x)
    before = (as_numpy(x).copy(), x._version, x.grad_fn, x.is_leaf)
    with pytest.raises(Exception):
        fn(engine, x)
    assert (as_numpy(x) == before[0]).all()
    assert (x._version, x.grad_fn, x.is_leaf) == before[1:]


def test_errors_leave_a_non_leaf_and_its_graph_as_they_were():
    x = engine.tensor(rand(3, 4), requires_grad=True)
    y = x * 2
    values, node = as_numpy(y).copy(), y.grad_fn
    for bad in (lambda: y.add_(engine.ones(2, 4)), lambda: y.__setitem__(0, engine.ones(3)),
                lambda: y.__setitem__([0, 7], 1.0), lambda: y.__setitem__([0], engine.ones(4, dtype=engine.float32)),
                lambda: y.copy_(engine.ones(5)), lambda: y.masked_fill_(engine.ones(5, dtype=engine.bool), 0.0),
                lambda: y.fill_(engine.ones(2)), lambda: y.clamp_(), lambda: y.__setitem__(0, [1, 2])):
        with pytest.raises((RuntimeError, IndexError, TypeError)):
            bad()
        assert y.grad_fn is node and y._version == 0
        assert (as_numpy(y) == values).all()


# --- versions and views ---------------------------------------------------------------------------
def test_every_in_place_op_bumps_the_version_once():
    for lib in (engine, torch):
        y = lib.zeros(2, 3)
        ops = [lambda: y.add_(1), lambda: y.sub_(1), lambda: y.mul_(2), lambda: y.div_(2),
               lambda: y.pow_(2), lambda: y.clamp_(0), lambda: y.zero_(), lambda: y.fill_(1),
               lambda: y.copy_(lib.ones(3)), lambda: y.masked_fill_(lib.ones(3, dtype=lib.bool), 0),
               lambda: y.normal_(), lambda: y.uniform_(), lambda: y.__setitem__(0, 1.0),
               lambda: y.__setitem__([0, 1], 1.0), lambda: y.__iadd__(1), lambda: y.exp_(),
               lambda: y.log_(), lambda: y.sqrt_(), lambda: y.square_(), lambda: y.sigmoid_(),
               lambda: y.tanh_(), lambda: y.relu_(), lambda: y.abs_(), lambda: y.neg_(),
               lambda: y.floor_(), lambda: y.ceil_(), lambda: y.round_(), lambda: y.trunc_()]
        for expected, op in enumerate(ops, start=1):
            op()
            assert y._version == expected


def test_views_share_values_and_version():
    for lib in (engine, torch):
        y = lib.zeros(3, 4)
        row, flat, alias = y[1], y.view(12), y.detach()
        y.add_(1)
        row.mul_(3)
        flat[0] = 7.0
        assert y._version == row._version == flat._version == alias._version == 3
        assert y.tolist() == [[7.0, 1.0, 1.0, 1.0], [3.0] * 4, [1.0] * 4]
        assert alias.tolist() == y.tolist()
        y[2] += 5  # an in-place op on the view y[2], then a copy into it: two versions
        assert y._version == 5 and y[2].tolist() == [6.0] * 4


def test_data_has_its_own_version_counter():
    for lib in (engine, torch):
        x = lib.ones(3, requires_grad=True)
        x.data.mul_(2)
        assert x._version == 0 and x.tolist() == [2.0] * 3
        x.detach().add_(1)
        assert x._version == 1 and x.tolist() == [3.0] * 3


def test_x_false_writes_nothing():
    for lib in (engine, torch):
        y = lib.zeros(3)
        y[False] = 1.0
        assert y.tolist() == [0.0] * 3 and y._version == 0


# --- saved tensors changed in place ------------------------------------------------------------
MODIFIED = {
    "input of sin": lambda lib, x: _modify_saved(lambda y: y.sin(), lambda y: y.add_(1), x * 2),
    "input of sin, mul_": lambda lib, x: _modify_saved(lambda y: y.sin(), lambda y: y.mul_(2), x.sum(0)),
    "input of sin, setitem": lambda lib, x: _modify_saved(lambda y: y.sin(), lambda y: _set(y, 0, 2.0), x.sum(0)),
    "input of sin, copy_": lambda lib, x: _modify_saved(lambda y: y.sin(), lambda y: y.copy_(x[0]), x.sum(0)),
    "input of sin, clamp_": lambda lib, x: _modify_saved(lambda y: y.sin(), lambda y: y.clamp_(0, 1), x * 2),
    "input of sin, fill_": lambda lib, x: _modify_saved(lambda y: y.sin(), lambda y: y.fill_(2), x * 2),
    "input of sin, pow_ tensor": lambda lib, x: _modify_saved(lambda y: y.sin(), lambda y: y.pow_(x), x * x + 1),
    "a leaf that needs no grad": lambda lib, x: _modify_saved(lambda a: a * x[0], lambda a: a.add_(1), lib.ones(4)),
    "modified under no_grad": lambda lib, x: _modify_saved(lambda y: y.sin(), lambda y: _no_grad(lib, y.add_, 1), x.sum(1)),
    "y.mul_(y)": lambda lib, x: (lambda y: y.mul_(y))(x * 2).sum().backward(),
    "y.div_(y)": lambda lib, x: (lambda y: y.div_(y))(x * 2).sum().backward(),
    "result of exp_": lambda lib, x: (lambda y: (y.exp_(), y.add_(1)))(x * 2)[0].sum().backward(),
    "result of sqrt_": lambda lib, x: (lambda y: (y.sqrt_(), y.mul_(2)))(x * x + 1)[0].sum().backward(),
    "result of tanh_": lambda lib, x: (lambda y: (y.tanh_(), y.zero_()))(x * 2)[0].sum().backward(),
    "result of sigmoid_": lambda lib, x: (lambda y: (y.sigmoid_(), y.sigmoid_()))(x * 2)[0].sum().backward(),
    "result of relu_": lambda lib, x: (lambda y: (y.relu_(), y.neg_()))(x * 2)[0].sum().backward(),
    "through a view": lambda lib, x: _modify_saved(lambda y: y.sin(), lambda y: y.detach()[0].add_(1), x * 2),
}


def _modify_saved(use, modify, y):
    out = use(y)
    modify(y)
    out.sum().backward()


def _no_grad(lib, fn, *args):
    with lib.no_grad():
        fn(*args)


@pytest.mark.parametrize("name", sorted(MODIFIED))
def test_backward_through_a_modified_saved_tensor_raises_as_torch(name):
    raises_like_torch(MODIFIED[name], rand(3, 4), grad=True)


def test_saved_result_modified_in_place_raises():
    """A node's own saved output changed in place: the message names the node that saved it
    ("output 0 of Exp"), not the tensor's grad_fn now (Mul), as PyTorch does."""
    for lib in (engine, torch):
        x = lib.tensor(rand(3), requires_grad=True)
        y = x.exp()
        y.mul_(2)
        with pytest.raises(RuntimeError, match="output 0 of Exp, is at version 1; expected version 0"):
            y.sum().backward()


def test_saved_values_of_in_place_mul_are_the_old_values():
    for lib in (engine, torch):
        x = lib.tensor(rand(3), requires_grad=True)
        z = lib.tensor(rand(3), requires_grad=True)
        y = x * 2
        before = y.detach().clone()
        y.mul_(z)
        assert y.grad_fn._saved_self.tolist() == before.tolist()
        assert y.grad_fn._saved_self._version == 0
        assert y.grad_fn._saved_other is z


# --- grad mode, hooks, retain_grad ------------------------------------------------------------------
def test_in_place_on_a_leaf_under_no_grad_keeps_it_a_leaf():
    data = rand(4)
    results = []
    for lib in (engine, torch):
        w = lib.tensor(data, requires_grad=True)
        (w * w).sum().backward()
        with lib.no_grad():
            w -= 0.1 * w.grad
            w[0] = 1.0
            w.mul_(2)
            w.clamp_(-1, 1)
        assert w.is_leaf and w.requires_grad and w.grad_fn is None and w._version == 4
        results.append(as_numpy(w))
        w.grad.zero_()
        assert w.grad.tolist() == [0.0] * 4
    np.testing.assert_allclose(results[0], results[1])


def test_in_place_under_no_grad_records_nothing():
    for lib in (engine, torch):
        x = lib.tensor(rand(3), requires_grad=True)
        y = x * 2
        node = y.grad_fn
        with lib.no_grad():
            y.add_(x)
            y[0] = x[1]
        assert y.grad_fn is node


def test_retain_grad_follows_the_tensor_and_hooks_stay_with_the_old_values():
    data = rand(3)
    results = []
    for lib in (engine, torch):
        x = lib.tensor(data, requires_grad=True)
        y = x * 2
        y.retain_grad()
        seen = []
        y.register_hook(lambda g: seen.append(g.tolist()))
        y.mul_(3)
        y[1] = 0.0
        (y * lib.tensor([1.0, 2.0, 3.0], dtype=lib.float64)).sum().backward()
        results.append((y.grad.tolist(), seen, x.grad.tolist()))
    assert results[0] == results[1]


# --- double backward ----------------------------------------------------------------------------
DOUBLE = {
    "mul_": lambda lib, a, b: (a * a).mul_(b),
    "div_": lambda lib, a, b: (a * 1).div_(b * b),
    "pow_ tensor": lambda lib, a, b: (a * a).pow_(b),
    "setitem": lambda lib, a, b: _set(a * a, 0, b[0] * b[0]),
    "setitem mask": lambda lib, a, b: _set(a * a, a.detach() > 0, (b * b)[a.detach() > 0]),
    "copy_": lambda lib, a, b: (a * 1).copy_(b * b) * a,
    "fill_": lambda lib, a, b: (a * a).fill_((b * b).sum()) * a,
    "clamp_": lambda lib, a, b: (a * a * b).clamp_(-1, 1),
}


@pytest.mark.parametrize("name", sorted(DOUBLE))
def test_double_backward(name):
    a_data, b_data = pos(2, 3) + 0.1, pos(2, 3)
    results = []
    for lib in (engine, torch):
        a = lib.tensor(a_data, requires_grad=True)
        b = lib.tensor(b_data, requires_grad=True)
        out = DOUBLE[name](lib, a, b)
        grads = lib.autograd.grad(out.sum(), (a, b), create_graph=True)
        second = lib.autograd.grad(sum((g * g).sum() for g in grads), (a, b), allow_unused=True)
        results.append([as_numpy(g) for g in grads] + [None if g is None else as_numpy(g) for g in second])
    for ours, theirs in zip(*results):
        if theirs is None:
            assert ours is None or (ours == 0).all()
        else:
            np.testing.assert_allclose(ours, theirs, rtol=1e-6, atol=1e-9)


# --- in-place on views (more in test_view_inplace.py) ------------------------------------------------
def test_in_place_on_a_view_of_a_non_leaf_rewrites_its_base():
    """`y[0].add_(1)` and `y[0] += 1` on a y that requires grad: y's grad_fn becomes CopySlices."""
    data, weights = rand(3, 4), rand(3, 4)
    results = []
    for lib in (engine, torch):
        x = lib.tensor(data, requires_grad=True)
        y = x * 2
        y[0].add_(1)
        first = (y.grad_fn.name(), edges(y.grad_fn))
        y[1] += 1
        (y * lib.tensor(weights)).sum().backward()
        results.append((first, y.grad_fn.name(), edges(y.grad_fn), y._version, y.tolist(), x.grad.tolist()))
    assert results[0] == results[1]


def test_in_place_on_views_is_free_when_nothing_requires_grad():
    y = engine.zeros(3, 4)
    for i in range(3):
        y[i] += i
        y[:, i].mul_(2)
    t = torch.zeros(3, 4)
    for i in range(3):
        t[i] += i
        t[:, i].mul_(2)
    assert y.tolist() == t.tolist()


def test_accumulating_into_rows_of_a_fresh_tensor():
    """`out[i] = out[i] + v[i]` into a fresh tensor builds the same graph and gradient as
    PyTorch; the first `out[0] += v[0]` works too (out does not require grad yet)."""
    data, weights = rand(3, 4), rand(3, 4)
    results = []
    for lib in (engine, torch):
        v = lib.tensor(data, requires_grad=True)
        out = lib.zeros(3, 4, dtype=lib.float64)
        out[0] += v[0]
        for i in range(1, 3):
            out[i] = out[i] + v[i] * (i + 1)
        (out * lib.tensor(weights)).sum().backward()
        results.append((out.tolist(), out.grad_fn.name(), edges(out.grad_fn), v.grad.tolist()))
    assert results[0] == results[1]


def test_engine_namespace_exports():
    assert engine.zero_ is not None and engine.fill_ is not None and engine.clamp_ is not None
    for name in ["exp_", "log_", "relu_", "sigmoid_", "tanh_", "abs_", "neg_", "sqrt_", "square_",
                 "floor_", "ceil_", "round_", "trunc_"]:
        assert hasattr(torch, name) and hasattr(engine, name), name
    x = engine.ones(3)
    engine.fill_(x, 2.0)
    engine.clamp_(x, max=1.5)
    engine.zero_(x)
    assert x.tolist() == [0.0] * 3 and x._version == 3


def test_a_view_taken_before_its_base_changed_in_place():
    data = rand(3, 4)
    grads = []
    for lib in (engine, torch):
        x = lib.tensor(data, requires_grad=True)
        y = x * 2
        row = y[0]
        y.mul_(3)
        row.sum().backward()
        grads.append(as_numpy(x.grad))
    np.testing.assert_allclose(grads[0], grads[1])


def test_writing_into_an_expanded_tensor_is_refused():
    """NOTE: PyTorch fills an expanded tensor (every place gets the same value); the engine's
    expanded arrays are read-only, so it refuses every write into one, with PyTorch's message
    for the writes PyTorch refuses too."""
    for write_into in (lambda e: e.fill_(1.0), lambda e: e.zero_(), lambda e: e.add_(1.0)):
        expanded = engine.zeros(1, 3).expand(2, 3)
        with pytest.raises(RuntimeError, match="more than one element of the written-to tensor"):
            write_into(expanded)
        assert expanded._version == 0
