"""Matrix products (matmul, mm, bmm, mv, dot, addmm) against PyTorch.

Every case runs one lambda `fn(lib, *tensors)` with `lib` the engine and with torch, on the same
float64 inputs, and `compare` checks what a user can see: values, dtype, the whole backward graph
(node names down to the leaves, and the saved values of the product nodes), the gradient of every
input, and a gradcheck. matmul's graph depends on the operands' dims, on which of them require
grad and on their strides, exactly as in PyTorch, so those vary across the table.
"""
import numpy as np
import pytest

import engine
from torch_oracle import assert_same_tensor, saved_names, signed
from on_device import cpu_text
from engine.autograd import gradcheck
from engine.ops import linalg

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(0)
OUR_MODULES = ("engine.ops.linalg",)


# --- the one helper --------------------------------------------------------------------------------
def rand(*shape):
    return RNG.uniform(-2.0, 2.0, shape)


def assert_same_graph(ours, theirs):
    """The same nodes, edges and saved-value names all the way down; for this module's own nodes
    the saved values themselves too."""
    if theirs is None:
        assert ours is None
        return
    assert ours is not None, theirs.name()
    assert ours.name() == theirs.name()
    assert saved_names(ours) == saved_names(theirs), ours.name()
    if type(ours).__module__ in OUR_MODULES:
        for name in saved_names(theirs):
            o, t = getattr(ours, name), getattr(theirs, name)
            if isinstance(t, torch.Tensor):
                assert_same_tensor(o, t)
            else:
                assert signed(o) == signed(t), (ours.name(), name)
    assert len(ours.next_functions) == len(theirs.next_functions), ours.name()
    for (o, o_nr), (t, t_nr) in zip(ours.next_functions, theirs.next_functions):
        assert o_nr == t_nr
        assert_same_graph(o, t)


def make(lib, arrays, requires_grad):
    flags = requires_grad if isinstance(requires_grad, (tuple, list)) else [requires_grad] * len(arrays)
    return [lib.tensor(a, requires_grad=flag) for a, flag in zip(arrays, flags)]


def compare(fn, *arrays, requires_grad=True, check=True, atol=1e-6):
    """Run `fn` on the engine and on torch with the same inputs and compare all a user sees."""
    ours_in, theirs_in = make(engine, arrays, requires_grad), make(torch, arrays, requires_grad)
    ours, theirs = fn(engine, *ours_in), fn(torch, *theirs_in)
    assert_same_tensor(ours, theirs, atol=atol)
    assert ours.requires_grad == theirs.requires_grad
    assert_same_graph(ours.grad_fn, theirs.grad_fn)
    if theirs.grad_fn is None or not check:
        return ours
    weights = RNG.uniform(-1.0, 1.0, tuple(theirs.shape))
    ours.backward(engine.tensor(weights, dtype=ours.dtype))
    theirs.backward(torch.tensor(weights, dtype=theirs.dtype))
    for o, t in zip(ours_in, theirs_in):
        assert (o.grad is None) == (t.grad is None)
        if t.grad is not None:
            assert_same_tensor(o.grad, t.grad, atol=atol)
    if theirs.numel() and all(np.size(a) for a in arrays):  # gradcheck needs elements to nudge
        fresh = make(engine, arrays, requires_grad)
        assert gradcheck(lambda *xs: fn(engine, *xs), tuple(fresh))
    return ours


def compare_error(fn, *arrays, requires_grad=False):
    """The same exception class and message from both libraries."""
    with pytest.raises(Exception) as theirs:
        fn(torch, *make(torch, arrays, requires_grad))
    with pytest.raises(Exception) as ours:
        fn(engine, *make(engine, arrays, requires_grad))
    assert type(ours.value).__name__ == type(theirs.value).__name__
    assert cpu_text(str(ours.value)) == str(theirs.value)


# --- matmul: every dispatch path ---------------------------------------------------------------------
MATMUL_SHAPES = [
    ((3,), (3,)),  # dot
    ((2, 3), (3,)),  # mv
    ((3,), (3, 4)),  # unsqueeze, mm, squeeze_
    ((2, 3), (3, 4)),  # mm
    ((5, 2, 3), (3, 4)),  # folded into one mm
    ((5, 2, 3), (3,)),  # folded into one mv
    ((2, 3), (5, 3, 4)),  # transposed, folded, transposed back
    ((3,), (5, 3, 4)),  # transposed and folded into mv
    ((5, 2, 3), (5, 3, 4)),  # bmm behind expand and view
    ((1, 2, 3), (5, 3, 4)),  # a batch of one that requires grad is squeezed and folded
    ((5, 2, 3), (1, 3, 4)),
    ((7, 1, 2, 3), (5, 3, 4)),  # broadcast batches: copies (clone + _unsafe_view)
    ((2, 5, 2, 3), (2, 5, 3, 4)),
    ((2, 1, 2, 3), (3,)),
    ((3,), (2, 2, 3, 4)),
    ((4, 3), (2, 1, 3, 2)),
    ((2, 0, 3), (3, 4)),  # empty
    ((2, 3, 0), (0, 4)),
]


@pytest.mark.parametrize("shapes", MATMUL_SHAPES, ids=str)
def test_matmul(shapes):
    compare(lambda lib, a, b: a @ b, rand(*shapes[0]), rand(*shapes[1]))


@pytest.mark.parametrize("shapes", MATMUL_SHAPES, ids=str)
@pytest.mark.parametrize("flags", [(True, False), (False, True)], ids=["first", "second"])
def test_matmul_one_side_requires_grad(shapes, flags):
    # which operand requires grad decides whether a batch is folded into mm or goes to bmm
    compare(lambda lib, a, b: lib.matmul(a, b), rand(*shapes[0]), rand(*shapes[1]), requires_grad=flags)


@pytest.mark.parametrize("shapes", [((5, 2, 3), (3, 4)), ((3,), (5, 3, 4)), ((2, 3), (5, 3, 4))], ids=str)
def test_matmul_without_grad(shapes):
    a, b = rand(*shapes[0]), rand(*shapes[1])
    ours = make(engine, (a, b), False)
    assert_same_tensor(ours[0] @ ours[1], torch.tensor(a) @ torch.tensor(b))


def test_matmul_folds_only_without_a_copy():
    # a 3-D operand whose batch dims are not contiguous is folded (with a copy) only when the
    # other operand needs a gradient
    def fn(lib, a, b):
        return a.transpose(0, 1) @ b

    compare(fn, rand(2, 5, 3), rand(3, 4), requires_grad=(True, True))
    compare(fn, rand(2, 5, 3), rand(3, 4), requires_grad=(False, True))


def test_matmul_not_folded_reshapes_a_strided_view():
    # not folded: bmm over a reshape of the transposed operand, a view with strides
    # (ReshapeAliasBackward0, no copy)
    compare(lambda lib, a, b: a.transpose(0, 1) @ b, rand(2, 5, 3), rand(3, 4), requires_grad=(True, False))


def test_matmul_integer_dtypes():
    for dtype in ("int64", "int32"):
        a, b = RNG.integers(-5, 5, (2, 3)).astype(dtype), RNG.integers(-5, 5, (3, 4)).astype(dtype)
        for sa, sb in [((2, 3), (3, 4)), ((3,), (3,)), ((2, 3), (3,))]:
            x, y = a.reshape(-1)[: np.prod(sa)].reshape(sa), b.reshape(-1)[: np.prod(sb)].reshape(sb)
            assert_same_tensor(engine.tensor(x) @ engine.tensor(y), torch.tensor(x) @ torch.tensor(y))


def test_matmul_float32():
    a, b = rand(4, 2, 3).astype("float32"), rand(3, 5).astype("float32")
    compare(lambda lib, x, y: x @ y, a, b, check=False)


# --- the products themselves ---------------------------------------------------------------------
PRODUCTS = {
    "mm": (lambda lib, a, b: lib.mm(a, b), (2, 3), (3, 4)),
    "mm_method": (lambda lib, a, b: a.mm(b), (1, 3), (3, 1)),
    "mm_transposed": (lambda lib, a, b: a.t().mm(b.t()), (3, 2), (4, 3)),
    "bmm": (lambda lib, a, b: lib.bmm(a, b), (4, 2, 3), (4, 3, 5)),
    "bmm_transposed": (lambda lib, a, b: a.bmm(b.transpose(1, 2)), (4, 2, 3), (4, 5, 3)),
    "mv": (lambda lib, a, b: lib.mv(a, b), (2, 3), (3,)),
    "dot": (lambda lib, a, b: lib.dot(a, b), (3,), (3,)),
    "addmm": (lambda lib, a, b: lib.addmm(lib.ones(4, dtype=lib.float64), a, b), (2, 3), (3, 4)),
}


@pytest.mark.parametrize("name", sorted(PRODUCTS))
def test_product(name):
    fn, shape_a, shape_b = PRODUCTS[name]
    compare(fn, rand(*shape_a), rand(*shape_b))
    compare(fn, rand(*shape_a), rand(*shape_b), requires_grad=(True, False))
    compare(fn, rand(*shape_a), rand(*shape_b), requires_grad=(False, True))


@pytest.mark.parametrize("bias_shape", [(4,), (2, 4), (1, 1), ()], ids=str)
def test_addmm_bias_broadcasts(bias_shape):
    compare(lambda lib, c, a, b: lib.addmm(c, a, b), rand(*bias_shape), rand(2, 3), rand(3, 4))


def test_addmm_alpha_beta():
    compare(lambda lib, c, a, b: lib.addmm(c, a, b, beta=0.5, alpha=-2), rand(4), rand(2, 3), rand(3, 4))


def test_addmm_beta_zero_ignores_nan():
    bias = np.full(4, np.nan)
    compare(lambda lib, c, a, b: lib.addmm(c, a, b, beta=0), bias, rand(2, 3), rand(3, 4), check=False)


# --- errors: PyTorch's class and words, and nothing changed ------------------------------------------
F32, F64 = "float32", "float64"


def typed(shape, dtype=F64):
    return np.ones(shape, dtype=dtype)


ERRORS = {
    "mm_shapes": (lambda lib, a, b: a @ b, typed((2, 3)), typed((4, 5))),
    "mm_dims": (lambda lib, a, b: lib.mm(a, b), typed(3), typed((3, 2))),
    "mm_dims_2": (lambda lib, a, b: lib.mm(a, b), typed((2, 3)), typed(3)),
    "mm_dtype": (lambda lib, a, b: a @ b, typed((2, 3), F32), typed((3, 4))),
    "mm_dtype_int": (lambda lib, a, b: a @ b, typed((2, 3), "int64"), typed((3, 4), F32)),
    "mm_shape_before_dtype": (lambda lib, a, b: lib.mm(a, b), typed((2, 3), F32), typed((4, 4))),
    "mm_bool": (lambda lib, a, b: a @ b, typed((2, 3), bool), typed((3, 4), bool)),
    "row_vector_shapes": (lambda lib, a, b: a @ b, typed(4), typed((3, 5))),
    "dot_sizes": (lambda lib, a, b: a @ b, typed(3), typed(4)),
    "dot_dims": (lambda lib, a, b: lib.dot(a, b), typed((2, 3)), typed(3)),
    "dot_dtype": (lambda lib, a, b: lib.dot(a, b), typed(3, F32), typed(4)),
    "dot_bool": (lambda lib, a, b: lib.dot(a, b), typed(3, bool), typed(3, bool)),
    "mv_sizes": (lambda lib, a, b: a @ b, typed((2, 3)), typed(4)),
    "mv_dims": (lambda lib, a, b: lib.mv(a, b), typed(3), typed(3)),
    "mv_dtype": (lambda lib, a, b: lib.mv(a, b), typed((2, 3), F32), typed(3)),
    "mv_bool": (lambda lib, a, b: lib.mv(a, b), typed((2, 3), bool), typed(3, bool)),
    "bmm_sizes": (lambda lib, a, b: lib.bmm(a, b), typed((2, 2, 3)), typed((3, 3, 2))),
    "bmm_dims": (lambda lib, a, b: lib.bmm(a, b), typed((2, 3)), typed((3, 2))),
    "bmm_dtype": (lambda lib, a, b: lib.bmm(a, b), typed((2, 2, 3), F32), typed((2, 3, 4))),
    "bmm_bool": (lambda lib, a, b: lib.bmm(a, b), typed((2, 2, 3), bool), typed((2, 3, 4), bool)),
    "matmul_0d": (lambda lib, a, b: a @ b, typed(()), typed(3)),
    "matmul_0d_right": (lambda lib, a, b: lib.matmul(a, b), typed(3), typed(())),
    "batched_inner": (lambda lib, a, b: a @ b, typed((5, 2, 3)), typed((5, 4, 4))),
    "batched_broadcast": (lambda lib, a, b: a @ b, typed((2, 5, 2, 3)), typed((3, 3, 4))),
    "batched_broadcast_4d": (lambda lib, a, b: a @ b, typed((2, 5, 2, 3)), typed((3, 5, 3, 4))),
    "folded_inner": (lambda lib, a, b: a @ b, typed((5, 2, 3)), typed((4, 2))),
    "folded_vector": (lambda lib, a, b: a @ b, typed((5, 2, 3)), typed(4)),
    "batched_dtype": (lambda lib, a, b: a @ b, typed((5, 2, 3), F32), typed((5, 3, 4))),
    "vector_batch": (lambda lib, a, b: a @ b, typed(4), typed((5, 3, 4))),
    "addmm_bias": (lambda lib, c, a, b: lib.addmm(c, a, b), typed(3), typed((2, 3)), typed((3, 4))),
    "addmm_bias_dims": (lambda lib, c, a, b: lib.addmm(c, a, b), typed((2, 2, 4)), typed((2, 3)), typed((3, 4))),
    "addmm_bias_dtype": (lambda lib, c, a, b: lib.addmm(c, a, b), typed(4, F32), typed((2, 3)), typed((3, 4))),
    "addmm_dtype": (lambda lib, c, a, b: lib.addmm(c, a, b), typed(4), typed((2, 3), F32), typed((3, 4))),
    "addmm_dims": (lambda lib, c, a, b: lib.addmm(c, a, b), typed(4), typed(3), typed((3, 4))),
}


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_error(name):
    fn, *arrays = ERRORS[name]
    compare_error(fn, *arrays)


@pytest.mark.parametrize("call", [
    lambda lib, x: lib.mm(x, 3), lambda lib, x: lib.mm(3, x), lambda lib, x: lib.bmm(x, 3),
    lambda lib, x: lib.mv(x, 3), lambda lib, x: lib.dot(x, [1.0]), lambda lib, x: lib.matmul(x, 3),
    lambda lib, x: lib.matmul(x, np.ones(2)),
])
def test_non_tensor_operand(call):
    compare_error(call, typed((2, 2)))


def test_error_changes_nothing():
    a = engine.tensor(rand(2, 3), requires_grad=True)
    b = a * 2
    node, version = b.grad_fn, b._version
    with pytest.raises(RuntimeError):
        b @ engine.tensor(rand(4, 5))
    with pytest.raises(RuntimeError):
        b @ engine.tensor(rand(5, 4, 5))
    assert b.grad_fn is node and b._version == version and a.grad is None
    (b @ engine.tensor(rand(3, 2))).sum().backward()
    assert a.grad.shape == (2, 3)


# --- double backward ---------------------------------------------------------------------------------
@pytest.mark.parametrize("shapes", [((2, 3), (3, 4)), ((3,), (3,)), ((2, 3), (3,)), ((4, 2, 3), (4, 3, 2)),
                                    ((5, 2, 3), (3, 4)), ((3,), (2, 3, 4))], ids=str)
def test_double_backward(shapes):
    arrays = rand(*shapes[0]), rand(*shapes[1])
    w1, w2 = None, None
    results = []
    for lib in (engine, torch):
        a, b = make(lib, arrays, True)
        out = a @ b
        if w1 is None:
            w1 = RNG.uniform(-1, 1, tuple(out.shape))
            w2 = RNG.uniform(-1, 1, arrays[0].shape)
        (grad_a,) = lib.autograd.grad((out * lib.tensor(w1)).sum(), a, create_graph=True)
        ((grad_a * lib.tensor(w2)).sum() + (grad_a * grad_a).sum()).backward()
        results.append((grad_a, a.grad, b.grad))
    for ours, theirs in zip(*results):
        assert (ours is None) == (theirs is None)
        if theirs is not None:
            assert_same_tensor(ours, theirs)


# --- cost --------------------------------------------------------------------------------------------
def test_mm_backward_is_two_products(monkeypatch):
    """With create_graph, (a @ b).sum().backward() records exactly two more matrix products, on
    views (no copies); without it the same products run on the arrays, to the same values."""
    calls = []
    real_mm = linalg.mm

    def counting_mm(x, y):
        calls.append((x._data.flags.owndata, y._data.flags.owndata))
        return real_mm(x, y)

    a = engine.tensor(rand(64, 32), requires_grad=True)
    b = engine.tensor(rand(32, 16), requires_grad=True)
    (a @ b).sum().backward()
    plain = a.grad, b.grad
    a.grad = b.grad = None
    out = (a @ b).sum()
    monkeypatch.setattr(linalg, "mm", counting_mm)
    out.backward(create_graph=True)
    assert len(calls) == 2
    # each product reads the saved operand through a transposed view, not a copy
    assert calls[0][1] is False and calls[1][0] is False
    assert np.array_equal(a.grad.detach().cpu().numpy(), plain[0].cpu().numpy())
    assert np.array_equal(b.grad.detach().cpu().numpy(), plain[1].cpu().numpy())


# --- the public names ---------------------------------------------------------------------------------
def test_exported():
    for name in ("matmul", "mm", "bmm", "mv", "dot", "addmm"):
        assert getattr(engine, name) is getattr(linalg, name)
