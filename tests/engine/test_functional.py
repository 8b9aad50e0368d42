"""engine.nn.functional against torch.nn.functional.

Every case runs one lambda `fn(F, lib, *tensors)` with (F, lib) the engine's functional module and
the engine, and then torch's, on the same float64 inputs; `compare` checks values, dtype, the
whole backward graph (node names to the leaves, the saved values of this module's nodes), the
gradient of every input that requires one, and a gradcheck. Errors compare class and message.
"""
import warnings

import numpy as np
import pytest

import engine
from torch_oracle import assert_same_tensor, saved_names, signed
import engine.nn.functional as EF
from engine.autograd import gradcheck

torch = pytest.importorskip("torch")
TF = torch.nn.functional

RNG = np.random.default_rng(1)
OUR_MODULES = ("engine.nn.functional", "engine.ops.linalg")


# --- the one helper --------------------------------------------------------------------------------
def rand(*shape):
    return RNG.uniform(-2.0, 2.0, shape)


def probabilities(*shape):
    return RNG.uniform(0.05, 0.95, shape)


def classes(high, *shape):
    return RNG.integers(0, high, shape)


# engine.ops.arithmetic names the node of `tensor + number`, `tensor * number` and `tensor / number`
# AddBackward0, MulBackward0 and DivBackward0, where PyTorch has AddBackward1, MulBackward1, DivBackward1: not this module's to fix, so the
# graphs below compare those names loosely.
NUMBER_OPERAND_NODES = {"AddBackward1": "AddBackward0", "MulBackward1": "MulBackward0", "DivBackward1": "DivBackward0"}


def assert_same_graph(ours, theirs):
    """The same nodes and edges all the way down; for this module's own nodes (and linalg's) the
    same saved names and values too."""
    if theirs is None:
        assert ours is None
        return
    assert ours is not None, theirs.name()
    if type(ours).__module__ in OUR_MODULES:
        assert ours.name() == theirs.name()
    else:
        assert ours.name() == NUMBER_OPERAND_NODES.get(theirs.name(), theirs.name())
    if type(ours).__module__ in OUR_MODULES:
        assert saved_names(ours) == saved_names(theirs), ours.name()
        for name in saved_names(theirs):
            o, t = getattr(ours, name), getattr(theirs, name)
            if isinstance(t, torch.Tensor):
                assert_same_tensor(o, t)
            elif isinstance(t, float):
                assert o == pytest.approx(t)
            else:
                assert signed(o) == signed(t), (ours.name(), name)
    ours_edges, theirs_edges = ours.next_functions, theirs.next_functions
    if theirs.name() in NUMBER_OPERAND_NODES:  # ours keeps a (None, 0) edge for the number
        ours_edges = ours_edges[:1]
    assert len(ours_edges) == len(theirs_edges), ours.name()
    for (o, o_nr), (t, t_nr) in zip(ours_edges, theirs_edges):
        assert o_nr == t_nr
        assert_same_graph(o, t)


def make(lib, arrays, requires_grad):
    """Tensors for both libraries: floating arrays require grad where asked, integer ones never."""
    flags = requires_grad if isinstance(requires_grad, (tuple, list)) else [requires_grad] * len(arrays)
    return [
        lib.tensor(a, requires_grad=bool(flag) and np.asarray(a).dtype.kind == "f")
        for a, flag in zip(arrays, flags)
    ]


def run(fn, arrays, requires_grad):
    ours_in, theirs_in = make(engine, arrays, requires_grad), make(torch, arrays, requires_grad)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ours_in, theirs_in, fn(EF, engine, *ours_in), fn(TF, torch, *theirs_in)


def compare(fn, *arrays, requires_grad=True, check=True, numerical=True, atol=1e-6):
    ours_in, theirs_in, ours, theirs = run(fn, arrays, requires_grad)
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
    float64 = all(np.asarray(a).dtype != np.float32 for a in arrays)
    if numerical and theirs.numel() and float64:  # finite differences need float64
        fresh = make(engine, arrays, requires_grad)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            assert gradcheck(lambda *xs: fn(EF, engine, *xs), tuple(fresh))
    return ours


def compare_error(fn, *arrays, requires_grad=False):
    """The same exception class and message from both libraries."""
    raised = []
    for F, lib in ((TF, torch), (EF, engine)):
        inputs = make(lib, arrays, requires_grad)
        with pytest.raises(Exception) as error, warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fn(F, lib, *inputs)
        raised.append(error.value)
    theirs, ours = raised
    assert type(ours).__name__ == type(theirs).__name__
    assert str(ours) == str(theirs)


def double_backward(fn, *arrays, requires_grad=True):
    """d/dx of (weighted grad of fn) for every input, both libraries: second derivatives agree."""
    results = []
    w1 = w2 = None
    for F, lib in ((EF, engine), (TF, torch)):
        inputs = make(lib, arrays, requires_grad)
        out = fn(F, lib, *inputs)
        if w1 is None:
            w1 = RNG.uniform(-1, 1, tuple(out.shape))
        differentiable = [x for x in inputs if x.requires_grad]
        grads = lib.autograd.grad((out * lib.tensor(w1)).sum(), differentiable, create_graph=True)
        if w2 is None:
            w2 = [RNG.uniform(-1, 1, tuple(g.shape)) for g in grads]
        total = sum((g * lib.tensor(w)).sum() + (g * g).sum() for g, w in zip(grads, w2))
        second = lib.autograd.grad(total, differentiable, allow_unused=True)
        results.append(list(grads) + list(second))
    for ours, theirs in zip(*results):
        assert (ours is None) == (theirs is None)
        if theirs is not None:
            assert_same_tensor(ours, theirs)


# --- activations ----------------------------------------------------------------------------------
AWKWARD = np.array([-50.0, -3.0, -1.0, -1e-9, 0.0, 1e-9, 0.5, 1.0, 3.0, 50.0])

ACTIVATIONS = {
    "relu": lambda F, lib, x: F.relu(x),
    "sigmoid": lambda F, lib, x: F.sigmoid(x),
    "tanh": lambda F, lib, x: F.tanh(x),
    "gelu": lambda F, lib, x: F.gelu(x),
    "gelu_tanh": lambda F, lib, x: F.gelu(x, approximate="tanh"),
    "leaky_relu": lambda F, lib, x: F.leaky_relu(x),
    "leaky_relu_slope": lambda F, lib, x: F.leaky_relu(x, 0.2),
    "leaky_relu_negative_slope": lambda F, lib, x: F.leaky_relu(x, negative_slope=-1.5),
    "silu": lambda F, lib, x: F.silu(x),
}


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation(name):
    compare(ACTIVATIONS[name], rand(3, 4))


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation_at_awkward_points(name):
    # zeros (the kinks of relu and leaky_relu) and far tails; no gradcheck across the kinks
    compare(ACTIVATIONS[name], AWKWARD, check=False)
    ours_in, theirs_in, ours, theirs = run(ACTIVATIONS[name], (AWKWARD,), True)
    ours.sum().backward()
    theirs.sum().backward()
    assert_same_tensor(ours_in[0].grad, theirs_in[0].grad)


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation_float32(name):
    compare(ACTIVATIONS[name], rand(5).astype("float32"), check=False)


@pytest.mark.parametrize("size", [9, 9 * 600])  # small arrays, and big ones (another kernel on the CPU)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_relu_bit_for_bit(size, dtype):
    # PyTorch keeps -0. and a nan's sign; gives +0. for negatives, -inf and the smallest negatives
    special = np.array([1.5, np.nan, 0.0, -0.0, np.inf, -np.inf, -np.nan, 3e-45, -3e-45], dtype)
    values = np.tile(special, size // len(special))
    ours = engine.relu(engine.tensor(values)).cpu().numpy()
    theirs = torch.relu(torch.tensor(values)).numpy()
    assert ours.tobytes() == theirs.tobytes()
    assert str(engine.relu(engine.tensor([-0.0, -1.0])).cpu()) == str(torch.relu(torch.tensor([-0.0, -1.0])))


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_relu_gradient_selects_as_pytorch(dtype):
    # a nan output passes the gradient on; where the output is <= 0 the gradient is +0., an inf too
    values = np.array([np.nan, -1.0, 0.0, -0.0, 2.0, -3.0], dtype)
    grads = []
    for lib in (engine, torch):
        x = lib.tensor(values, requires_grad=True)
        lib.relu(x).backward(lib.tensor(np.array([1.0, np.inf, np.nan, 5.0, 1.0, -np.inf], dtype)))
        grads.append(x.grad.cpu().numpy())
    assert grads[0].tobytes() == grads[1].tobytes()


@pytest.mark.parametrize("name", ["gelu", "gelu_tanh", "silu", "sigmoid", "tanh", "leaky_relu"])
def test_activation_double_backward(name):
    double_backward(ACTIVATIONS[name], rand(6))


def test_relu_second_derivative_is_zero_and_recorded():
    # the gradient requires grad through relu's result (ThresholdBackwardBackward0), as in PyTorch
    def second(lib):
        x = lib.tensor([1.0, -2.0, 3.0], requires_grad=True)
        (grad,) = lib.autograd.grad(lib.relu(x).sum(), x, create_graph=True)
        (grad_of_grad,) = lib.autograd.grad(grad.sum(), x)
        squared = lib.relu(x) ** 2
        (grad,) = lib.autograd.grad(squared.sum(), x, create_graph=True)
        grad.sum().backward()
        return grad_of_grad.tolist(), grad.grad_fn._saved_threshold, x.grad.tolist()

    assert second(engine) == second(torch) == ([0.0, 0.0, 0.0], 0, [2.0, 0.0, 2.0])


@pytest.mark.parametrize("name", ["gelu", "gelu_tanh", "leaky_relu", "relu"])
def test_activation_gradient_graph(name):
    # gelu's, leaky_relu's and relu's gradients are ops of their own (GeluBackwardBackward0,
    # ThresholdBackwardBackward0 ...)
    graphs, values = [], rand(4)
    for F, lib in ((EF, engine), (TF, torch)):
        x = lib.tensor(values, requires_grad=True)
        (grad,) = lib.autograd.grad(ACTIVATIONS[name](F, lib, x).sum(), x, create_graph=True)
        graphs.append(grad.grad_fn)
    assert_same_graph(*graphs)


# --- softmax ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_softmax_and_log_softmax(dim):
    compare(lambda F, lib, x: F.softmax(x, dim), rand(3, 4))
    compare(lambda F, lib, x: F.log_softmax(x, dim=dim), rand(3, 4))


@pytest.mark.parametrize("shape", [(4,), (3, 4), (2, 3, 4), (2, 2, 3, 4)], ids=str)
def test_softmax_implicit_dim_warns(shape):
    x = rand(*shape)
    for name in ("softmax", "log_softmax"):
        with pytest.warns(UserWarning, match=f"Implicit dimension choice for {name} has been deprecated"):
            ours = getattr(EF, name)(engine.tensor(x))
        with pytest.warns(UserWarning):
            theirs = getattr(TF, name)(torch.tensor(x))
        assert_same_tensor(ours, theirs)


def test_softmax_dtype():
    compare(lambda F, lib, x: F.softmax(x, 1, dtype=lib.float32), rand(3, 4), check=False)


# --- linear -----------------------------------------------------------------------------------------
LINEAR_SHAPES = [
    ((4, 3), (5, 3), (5,)),  # addmm
    ((4, 3), (5, 3), None),  # mm over t()
    ((2, 4, 3), (5, 3), (5,)),  # addmm over a flattened view
    ((2, 4, 3), (5, 3), None),  # matmul, folded
    ((3,), (5, 3), (5,)),
    ((3,), (5, 3), None),
    ((2, 2, 4, 3), (5, 3), (5,)),
    ((4, 3), (5, 3), ()),  # a 0-d bias: addmm for 2-D input, matmul and add otherwise
    ((2, 4, 3), (5, 3), ()),
    ((3,), (5, 3), ()),
    ((4, 3), (5, 3), (4, 5)),
    ((2, 4, 3), (5, 3), (4, 5)),
    ((4, 3), (3,), None),  # a vector weight: mv
]


@pytest.mark.parametrize("shapes", LINEAR_SHAPES, ids=str)
def test_linear(shapes):
    x, w, b = shapes
    if b is None:
        compare(lambda F, lib, x, w: F.linear(x, w), rand(*x), rand(*w))
    else:
        compare(lambda F, lib, x, w, b: F.linear(x, w, b), rand(*x), rand(*w), rand(*b))


def test_linear_non_contiguous_input():
    compare(lambda F, lib, x, w, b: F.linear(x.transpose(1, 2), w, b), rand(2, 3, 4), rand(5, 3), rand(5))


@pytest.mark.parametrize("flags", [(False, True, True), (True, False, True), (False, False, True),
                                   (True, True, False)], ids=str)
def test_linear_some_inputs_without_grad(flags):
    # what addmm and mm save depends on which gradients are needed
    compare(lambda F, lib, x, w, b: F.linear(x, w, b), rand(4, 3), rand(5, 3), rand(5), requires_grad=flags)
    compare(lambda F, lib, x, w, b: F.linear(x, w, b), rand(2, 4, 3), rand(5, 3), rand(5), requires_grad=flags)


def test_linear_double_backward():
    double_backward(lambda F, lib, x, w, b: F.linear(x, w, b), rand(4, 3), rand(5, 3), rand(5))
    double_backward(lambda F, lib, x, w: F.linear(x, w), rand(2, 4, 3), rand(5, 3))


# --- mse_loss ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_mse_loss(reduction):
    compare(lambda F, lib, x, y: F.mse_loss(x, y, reduction=reduction), rand(4, 3), rand(4, 3),
            requires_grad=(True, False))
    compare(lambda F, lib, x, y: F.mse_loss(x, y, reduction=reduction), rand(4, 3), rand(4, 3))


@pytest.mark.parametrize("shapes", [((4, 3), (3,)), ((4, 1), (1, 3)), ((3,), (2, 3))], ids=str)
def test_mse_loss_broadcasts_with_a_warning(shapes):
    compare(lambda F, lib, x, y: F.mse_loss(x, y), rand(*shapes[0]), rand(*shapes[1]))
    with pytest.warns(UserWarning, match="Using a target size"):
        EF.mse_loss(engine.tensor(rand(*shapes[0])), engine.tensor(rand(*shapes[1])))


def test_mse_loss_weight_and_legacy_flags():
    compare(lambda F, lib, x, y, w: F.mse_loss(x, y, weight=w), rand(4, 3), rand(4, 3), probabilities(4, 3))
    compare(lambda F, lib, x, y, w: F.mse_loss(x, y, weight=w, reduction="none"), rand(4, 3), rand(4, 3),
            probabilities(4, 3))
    compare(lambda F, lib, x, y: F.mse_loss(x, y, size_average=False), rand(4, 3), rand(4, 3))
    compare(lambda F, lib, x, y: F.mse_loss(x, y, reduce=False), rand(4, 3), rand(4, 3))


def test_mse_loss_dtypes():
    compare(lambda F, lib, x, y: F.mse_loss(x, y), rand(4, 3).astype("float32"), rand(4, 3))
    compare(lambda F, lib, x, y: F.mse_loss(x, y), rand(4, 3).astype("float32"), classes(3, 4, 3), check=False)
    compare(lambda F, lib, x, y: F.mse_loss(x, y), np.zeros(0), np.zeros(0), check=False)  # nan


def test_mse_loss_double_backward():
    double_backward(lambda F, lib, x, y: F.mse_loss(x, y), rand(4, 3), rand(4, 3))


# --- nll_loss ---------------------------------------------------------------------------------------
NLL_CASES = {
    "2d": ((4, 3), (3, 4), {}),
    "2d_sum": ((4, 3), (3, 4), {"reduction": "sum"}),
    "2d_none": ((4, 3), (3, 4), {"reduction": "none"}),
    "1d": ((3,), (3,), {}),
    "1d_none": ((3,), (3,), {"reduction": "none"}),
    "3d": ((2, 3, 4), (3, 2, 4), {}),
    "3d_none": ((2, 3, 4), (3, 2, 4), {"reduction": "none"}),
    "4d": ((2, 3, 4, 5), (3, 2, 4, 5), {}),
    "4d_none": ((2, 3, 4, 5), (3, 2, 4, 5), {"reduction": "none"}),
    "5d_sum": ((2, 3, 2, 2, 2), (3, 2, 2, 2, 2), {"reduction": "sum"}),
    "ignore_index": ((6, 3), (3, 6), {"ignore_index": 1}),
    "ignore_index_none": ((6, 3), (3, 6), {"ignore_index": 1, "reduction": "none"}),
}


@pytest.mark.parametrize("name", sorted(NLL_CASES))
def test_nll_loss(name):
    input_shape, (high, *target_shape), kwargs = NLL_CASES[name]
    compare(lambda F, lib, x, t: F.nll_loss(x, t, **kwargs), rand(*input_shape), classes(high, *target_shape))


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_nll_loss_weight(reduction):
    weight = np.array([0.5, 2.0, 1.5])

    def fn(F, lib, x, t):
        return F.nll_loss(x, t, weight=lib.tensor(weight), reduction=reduction, ignore_index=0)

    compare(fn, rand(8, 3), classes(3, 8))
    compare(fn, rand(2, 3, 4, 5), classes(3, 2, 4, 5))


def test_nll_loss_awkward():
    # everything ignored: a mean of nothing is nan, a sum is 0; byte targets; one-element targets
    t = np.array([1, 1])
    compare(lambda F, lib, x, t: F.nll_loss(x, t, ignore_index=1), rand(2, 3), t, numerical=False)
    compare(lambda F, lib, x, t: F.nll_loss(x, t, ignore_index=1, reduction="sum"), rand(2, 3), t)
    compare(lambda F, lib, x, t: F.nll_loss(x, t.to(lib.uint8)), rand(4, 3), classes(3, 4))
    # (PyTorch's own backward fails for a 1-D input with a [t] target: "size mismatch")
    compare(lambda F, lib, x, t: F.nll_loss(x, t), rand(3), np.array([2]), check=False)
    x = engine.tensor(rand(3), requires_grad=True)
    EF.nll_loss(x, engine.tensor(np.array([2]))).backward()
    assert x.grad.tolist() == [0.0, 0.0, -1.0]
    compare(lambda F, lib, x, t: F.nll_loss(x, t), np.zeros((0, 3)), np.zeros(0, dtype="int64"), check=False)
    compare(lambda F, lib, x, t: F.nll_loss(x, t, reduction="none"), np.zeros((0, 3)),
            np.zeros(0, dtype="int64"), check=False)
    compare(lambda F, lib, x, t: F.nll_loss(x, t), rand(4, 3).astype("float32"), classes(3, 4))
    # an ignore_index inside the class range, and a target out of range that is ignored
    compare(lambda F, lib, x, t: F.nll_loss(x, t, ignore_index=5), rand(4, 3), np.array([0, 5, 1, 2]))


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("reduction", ["mean", "none"])
def test_nll_loss_gradient_bit_for_bit(reduction, weighted):
    # PyTorch's kernel gives -(grad / total weight) times the class weight: for float32, a product
    # with -(1 / total weight) would be one bit off for many batch sizes (3 samples and 0.3 among them)
    def grads(lib):
        x = lib.zeros(7, 3, requires_grad=True)
        weight = lib.tensor([0.5, 1.5, 2.0]) if weighted else None  # their sum is exact in float32
        loss = lib.nn.functional.nll_loss(x, lib.tensor([0, 1, 2, 0, 1, 2, 0]), weight=weight, reduction=reduction)
        loss.backward(lib.full(loss.shape, 0.3))
        return x.grad.cpu().numpy()

    np.testing.assert_array_equal(grads(engine), grads(torch))


# --- cross_entropy ----------------------------------------------------------------------------------
CROSS_ENTROPY_CASES = {
    "2d": ((4, 3), (3, 4), {}),
    "2d_sum": ((4, 3), (3, 4), {"reduction": "sum"}),
    "2d_none": ((4, 3), (3, 4), {"reduction": "none"}),
    "1d": ((3,), (3,), {}),
    "3d": ((2, 3, 4), (3, 2, 4), {}),
    "4d": ((2, 3, 4, 5), (3, 2, 4, 5), {}),
    "ignore_index": ((6, 3), (3, 6), {"ignore_index": 2}),
    "smoothing": ((4, 3), (3, 4), {"label_smoothing": 0.1}),
    "smoothing_sum": ((4, 3), (3, 4), {"label_smoothing": 0.3, "reduction": "sum"}),
    "smoothing_none": ((4, 3), (3, 4), {"label_smoothing": 0.3, "reduction": "none"}),
    "smoothing_ignore": ((6, 3), (3, 6), {"label_smoothing": 0.2, "ignore_index": 1}),
    "smoothing_1d": ((3,), (3,), {"label_smoothing": 0.2}),
    "smoothing_4d": ((2, 3, 2, 2), (3, 2, 2, 2), {"label_smoothing": 0.2}),
}


@pytest.mark.parametrize("name", sorted(CROSS_ENTROPY_CASES))
def test_cross_entropy(name):
    input_shape, (high, *target_shape), kwargs = CROSS_ENTROPY_CASES[name]
    compare(lambda F, lib, x, t: F.cross_entropy(x, t, **kwargs), rand(*input_shape),
            classes(high, *target_shape))


@pytest.mark.parametrize("kwargs", [{}, {"label_smoothing": 0.2}, {"label_smoothing": 0.2, "ignore_index": 0},
                                    {"reduction": "none"}], ids=str)
def test_cross_entropy_weight(kwargs):
    weight = np.array([0.5, 2.0, 1.5])
    compare(lambda F, lib, x, t: F.cross_entropy(x, t, weight=lib.tensor(weight), **kwargs),
            rand(6, 3), classes(3, 6))


@pytest.mark.parametrize("kwargs", [{}, {"reduction": "sum"}, {"reduction": "none"}, {"label_smoothing": 0.25},
                                    {"weight": np.array([0.5, 2.0, 1.5])}], ids=str)
def test_cross_entropy_probability_targets(kwargs):
    def fn(F, lib, x, t):
        extra = {k: (lib.tensor(v) if isinstance(v, np.ndarray) else v) for k, v in kwargs.items()}
        return F.cross_entropy(x, t, **extra)

    target = probabilities(4, 3)
    compare(fn, rand(4, 3), target / target.sum(1, keepdims=True))
    compare(fn, rand(4, 3), target / target.sum(1, keepdims=True), requires_grad=(True, False))
    compare(fn, rand(2, 3, 2), probabilities(2, 3, 2))


def test_cross_entropy_float32():
    compare(lambda F, lib, x, t: F.cross_entropy(x, t), rand(4, 3).astype("float32"), classes(3, 4))


def test_cross_entropy_double_backward():
    double_backward(lambda F, lib, x, t: F.cross_entropy(x, t), rand(4, 3), classes(3, 4))
    double_backward(lambda F, lib, x, t: F.cross_entropy(x, t, label_smoothing=0.1), rand(4, 3), classes(3, 4))
    double_backward(lambda F, lib, x, t: F.nll_loss(F.log_softmax(x, 1), t), rand(4, 3), classes(3, 4))


# --- binary_cross_entropy ---------------------------------------------------------------------------
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_binary_cross_entropy(reduction):
    compare(lambda F, lib, p, y: F.binary_cross_entropy(p, y, reduction=reduction), probabilities(4, 3),
            probabilities(4, 3), requires_grad=(True, False))
    compare(lambda F, lib, p, y: F.binary_cross_entropy(p, y, reduction=reduction), probabilities(4, 3),
            probabilities(4, 3))


@pytest.mark.parametrize("weight_shape", [(4, 3), (3,), (1, 3), ()], ids=str)
def test_binary_cross_entropy_weight(weight_shape):
    weight = probabilities(*weight_shape)
    compare(lambda F, lib, p, y: F.binary_cross_entropy(p, y, weight=lib.tensor(weight)), probabilities(4, 3),
            probabilities(4, 3))


def test_binary_cross_entropy_at_zero_and_one():
    # log is clamped at -100: finite losses, and the gradient's denominator is kept from 0
    compare(lambda F, lib, p, y: F.binary_cross_entropy(p, y, reduction="none"), np.array([0.0, 1.0, 0.5, 0.0]),
            np.array([1.0, 0.0, 1.0, 0.0]), requires_grad=(True, False), check=False)
    ours_in, theirs_in, ours, theirs = run(lambda F, lib, p, y: F.binary_cross_entropy(p, y),
                                           (np.array([0.0, 1.0, 0.5]), np.array([1.0, 0.0, 1.0])), (True, False))
    ours.backward()
    theirs.backward()
    assert_same_tensor(ours_in[0].grad, theirs_in[0].grad, rtol=1e-6)


def test_binary_cross_entropy_double_backward():
    double_backward(lambda F, lib, p, y: F.binary_cross_entropy(p, y), probabilities(5), probabilities(5))


# --- errors: PyTorch's class and words --------------------------------------------------------------
def ones(*shape, dtype="float64"):
    return np.ones(shape, dtype=dtype)


def longs(*values):
    return np.array(values, dtype="int64")


ERRORS = {
    "linear_shapes": (lambda F, lib, x, w: F.linear(x, w), ones(4, 3), ones(5, 4)),
    "linear_shapes_3d": (lambda F, lib, x, w: F.linear(x, w), ones(2, 4, 3), ones(5, 4)),
    "linear_bias": (lambda F, lib, x, w, b: F.linear(x, w, b), ones(4, 3), ones(5, 3), ones(4)),
    "linear_bias_grows_output": (lambda F, lib, x, w, b: F.linear(x, w, b), ones(3), ones(5, 3), ones(4, 5)),
    "linear_0d": (lambda F, lib, x, w: F.linear(x, w), ones(), ones(5, 3)),
    "linear_dtype": (lambda F, lib, x, w, b: F.linear(x, w, b), ones(4, 3, dtype="float32"), ones(5, 3), ones(5)),
    "linear_bias_dtype": (lambda F, lib, x, w, b: F.linear(x, w, b), ones(4, 3), ones(5, 3),
                          ones(5, dtype="float32")),
    "linear_vector_weight_bias": (lambda F, lib, x, w, b: F.linear(x, w, b), ones(4, 3), ones(3), ones()),
    "linear_not_tensor": (lambda F, lib, x: F.linear(x, 3), ones(4, 3)),
    "mse_broadcast": (lambda F, lib, x, y: F.mse_loss(x, y), ones(4, 3), ones(2)),
    "mse_reduction": (lambda F, lib, x, y: F.mse_loss(x, y, reduction="avg"), ones(3), ones(3)),
    "mse_integers": (lambda F, lib, x, y: F.mse_loss(x, y), ones(3, dtype="int64"), ones(3, dtype="int64")),
    "mse_weight_size": (lambda F, lib, x, y, w: F.mse_loss(x, y, weight=w), ones(3), ones(3), ones(2)),
    "nll_out_of_bounds": (lambda F, lib, x, t: F.nll_loss(x, t), ones(4, 3), longs(0, 3, 1, 2)),
    "nll_negative": (lambda F, lib, x, t: F.nll_loss(x, t), ones(4, 3), longs(0, -1, 1, 2)),
    "nll_4d_out_of_bounds": (lambda F, lib, x, t: F.nll_loss(x, t), ones(2, 3, 2, 2), np.full((2, 2, 2), 3)),
    "nll_target_dtype": (lambda F, lib, x, t: F.nll_loss(x, t), ones(4, 3), ones(4, dtype="int32")),
    "nll_float_target": (lambda F, lib, x, t: F.nll_loss(x, t), ones(4, 3), ones(4)),
    "nll_batch": (lambda F, lib, x, t: F.nll_loss(x, t), ones(4, 3), longs(0, 1, 1)),
    "nll_0d_target": (lambda F, lib, x, t: F.nll_loss(x, t), ones(4, 3), longs(1).reshape(())),
    "nll_0d_input": (lambda F, lib, x, t: F.nll_loss(x, t), ones(), longs(1).reshape(())),
    "nll_multi_target": (lambda F, lib, x, t: F.nll_loss(x, t), ones(4, 3), np.zeros((4, 1), dtype="int64")),
    "nll_1d_two_targets": (lambda F, lib, x, t: F.nll_loss(x, t), ones(3), longs(0, 1)),
    "nll_weight_size": (lambda F, lib, x, t, w: F.nll_loss(x, t, weight=w), ones(4, 3), longs(0, 1, 1, 2), ones(4)),
    "nll_weight_dtype": (lambda F, lib, x, t, w: F.nll_loss(x, t, weight=w), ones(4, 3), longs(0, 1, 1, 2),
                         ones(3, dtype="float32")),
    "nll_integer_input": (lambda F, lib, x, t: F.nll_loss(x, t), ones(4, 3, dtype="int64"), longs(0, 1, 1, 2)),
    "nll_3d_target_size": (lambda F, lib, x, t: F.nll_loss(x, t), ones(2, 3, 4), np.zeros((2, 5), dtype="int64")),
    "nll_4d_target_dims": (lambda F, lib, x, t: F.nll_loss(x, t), ones(2, 3, 4, 5), np.zeros((2, 4), dtype="int64")),
    "nll_4d_target_size": (lambda F, lib, x, t: F.nll_loss(x, t), ones(2, 3, 4, 5),
                           np.zeros((2, 4, 6), dtype="int64")),
    "nll_4d_weight": (lambda F, lib, x, t, w: F.nll_loss(x, t, weight=w), ones(2, 3, 4, 5),
                      np.zeros((2, 4, 5), dtype="int64"), ones(2)),
    "nll_reduction": (lambda F, lib, x, t: F.nll_loss(x, t, reduction="avg"), ones(4, 3), longs(0, 1, 1, 2)),
    "ce_probability_dtype": (lambda F, lib, x, t: F.cross_entropy(x, t), ones(4, 3), np.ones((4, 3), "int64")),
    "ce_probability_ignore": (lambda F, lib, x, t: F.cross_entropy(x, t, ignore_index=1), ones(4, 3), ones(4, 3)),
    "ce_probability_weight": (lambda F, lib, x, t, w: F.cross_entropy(x, t, weight=w), ones(4, 3), ones(4, 3),
                              ones(2)),
    "ce_smoothing": (lambda F, lib, x, t: F.cross_entropy(x, t, label_smoothing=1.5), ones(4, 3), longs(0, 1, 1, 2)),
    "ce_integer_input": (lambda F, lib, x, t: F.cross_entropy(x, t), ones(4, 3, dtype="int64"), longs(0, 1, 1, 2)),
    "bce_size": (lambda F, lib, p, y: F.binary_cross_entropy(p, y), ones(4, 3) / 2, ones(3) / 2),
    "bce_range": (lambda F, lib, p, y: F.binary_cross_entropy(p, y), ones(3) * 2, ones(3) / 2),
    "bce_nan": (lambda F, lib, p, y: F.binary_cross_entropy(p, y), ones(3) * np.nan, ones(3) / 2),
    "bce_target_dtype": (lambda F, lib, p, y: F.binary_cross_entropy(p, y), ones(3) / 2,
                         ones(3, dtype="float32") / 2),
    "bce_weight": (lambda F, lib, p, y, w: F.binary_cross_entropy(p, y, weight=w), ones(3) / 2, ones(3) / 2,
                   ones(2)),
    "gelu_approximate": (lambda F, lib, x: F.gelu(x, approximate="fast"), ones(3)),
    "gelu_integers": (lambda F, lib, x: F.gelu(x), ones(3, dtype="int64")),
    "silu_integers": (lambda F, lib, x: F.silu(x), ones(3, dtype="int64")),
    "leaky_relu_integers": (lambda F, lib, x: F.leaky_relu(x), ones(3, dtype="int64")),
}


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_error(name):
    fn, *arrays = ERRORS[name]
    compare_error(fn, *arrays)


def test_nll_loss_weight_requiring_grad_is_an_error():
    compare_error(lambda F, lib, x, t, w: F.nll_loss(x, t, weight=w), ones(4, 3), longs(0, 1, 1, 2), ones(3),
                  requires_grad=(False, False, True))


def test_error_changes_nothing():
    x = engine.tensor(rand(4, 3), requires_grad=True)
    h = x * 2
    node, version = h.grad_fn, h._version
    for bad in (lambda: EF.nll_loss(h, engine.tensor(longs(0, 3, 1, 2))),
                lambda: EF.linear(h, engine.tensor(ones(5, 4))),
                lambda: EF.binary_cross_entropy(h, engine.tensor(ones(4, 3)))):
        with pytest.raises((RuntimeError, IndexError)):
            bad()
    assert h.grad_fn is node and h._version == version
    EF.cross_entropy(h, engine.tensor(longs(0, 2, 1, 2))).backward()
    assert x.grad.shape == (4, 3)


# --- the module -------------------------------------------------------------------------------------
def test_importable_as_torch_nn_functional():
    import engine.nn

    assert engine.nn.functional is EF
    for name in ("relu", "sigmoid", "tanh", "softmax", "log_softmax", "linear", "mse_loss", "nll_loss",
                 "cross_entropy", "binary_cross_entropy", "gelu", "leaky_relu", "silu"):
        assert callable(getattr(EF, name)), name


# --- in place -----------------------------------------------------------------------------------------
INPLACE = {
    "relu": lambda F, x: F.relu(x, inplace=True),
    "leaky_relu": lambda F, x: F.leaky_relu(x, 0.1, inplace=True),
    "silu": lambda F, x: F.silu(x, inplace=True),
}


@pytest.mark.parametrize("name", sorted(INPLACE))
def test_activation_in_place(name):
    values, weights = rand(3, 4), rand(3, 4)
    results = []
    for F, lib in ((EF, engine), (TF, torch)):
        x = lib.tensor(values, requires_grad=True)
        y = x * 1
        out = INPLACE[name](F, y)
        assert out is y and y._version == 1
        results.append(out)
    assert_same_tensor(*results)
    assert_same_graph(results[0].grad_fn, results[1].grad_fn)
    grads = []
    for out, lib in zip(results, (engine, torch)):
        (out * lib.tensor(weights)).sum().backward()
        grads.append(out.grad_fn.next_functions[0][0].next_functions[0][0].variable.grad)
    assert_same_tensor(*grads)


@pytest.mark.parametrize("name", sorted(INPLACE))
def test_activation_in_place_on_a_leaf_is_an_error(name):
    compare_error(lambda F, lib, x: INPLACE[name](F, x), rand(3), requires_grad=True)


def test_activation_in_place_without_grad():
    x = engine.tensor(np.array([-1, 2]))
    assert EF.relu(x, inplace=True) is x and x.tolist() == [0, 2]


def test_leaky_relu_in_place_negative_slope_backward_is_an_error():
    with pytest.raises(Exception) as theirs:
        y = torch.tensor(rand(3), requires_grad=True) * 1
        TF.leaky_relu(y, -0.1, inplace=True).sum().backward()
    with pytest.raises(Exception) as ours:
        y = engine.tensor(rand(3), requires_grad=True) * 1
        EF.leaky_relu(y, -0.1, inplace=True).sum().backward()
    assert type(ours.value) is type(theirs.value) and str(ours.value) == str(theirs.value)
