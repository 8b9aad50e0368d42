"""The Tensor API and the factories against PyTorch: each case is one expression, evaluated with
`torch` meaning the engine and then the real PyTorch; what it gives (a tensor's dtype, shape,
values and autograd flags, any other value's repr, or the error's class and message) must agree.
"""
import re

import numpy as np
import pytest

import engine
from on_device import DEVICE, cpu_text

torch = pytest.importorskip("torch")


def describe(value):
    """What a user sees of a result, in a form both libraries give alike."""
    if isinstance(value, (engine.Tensor, torch.Tensor)):
        grad_fn = value.grad_fn.name() if value.grad_fn is not None else None
        return ("tensor", str(value.dtype), tuple(value.shape), value.tolist(), value.requires_grad,
                value.is_leaf, grad_fn, cpu_text(repr(value)))
    if isinstance(value, (list, tuple)):
        return type(value).__name__, [describe(v) for v in value]
    if isinstance(value, np.ndarray):
        return "ndarray", value.dtype.name, value.shape, value.tolist()
    return "value", type(value).__name__, cpu_text(repr(value))


def outcome(lib, source):
    namespace = {"torch": lib, "np": np}
    try:
        return describe(eval(source, namespace))
    except Exception as error:  # noqa: BLE001 - the class and message are what is compared
        return "error", type(error).__name__, cpu_text(str(error))


# what differs on another device by design (ENGINE_TEST_DEVICE): numpy() of a CUDA tensor is an
# error, and is_cuda is True
CPU_ONLY = re.compile(r"numpy\(|np\.as(array)?\(torch|np\.array\(torch|\.is_cuda")


def assert_like_torch(source):
    if DEVICE != "cpu" and CPU_ONLY.search(source):
        pytest.skip("a CPU tensor's conversion: the CUDA one differs by design")
    assert outcome(engine, source) == outcome(torch, source)


# --- torch.tensor and friends: dtype inference ---------------------------------------------------------
TENSOR_CASES = [
    "torch.tensor([1, 2])",
    "torch.tensor([1., 2])",
    "torch.tensor([True, False])",
    "torch.tensor([1, 2.5, True])",
    "torch.tensor([[1, 2], [3, 4]])",
    "torch.tensor(3)",
    "torch.tensor(3.5)",
    "torch.tensor(True)",
    "torch.tensor([])",
    "torch.tensor([[]])",
    "torch.tensor(())",
    "torch.tensor(np.array([1., 2.]))",
    "torch.tensor(np.array([1, 2], dtype=np.int32))",
    "torch.tensor(np.array([1., 2.], dtype=np.float32))",
    "torch.tensor(np.array(2.5))",
    "torch.tensor(np.float64(2.5))",
    "torch.tensor(np.int32(2))",
    "torch.tensor(np.bool_(True))",
    "torch.tensor([np.float64(2.5), 1.0])",
    "torch.tensor([np.float32(2), 3])",
    "torch.tensor([np.int32(2), 3])",
    "torch.tensor([torch.tensor(1.), torch.tensor(2.)])",
    "torch.tensor([torch.tensor(1), torch.tensor(2)])",
    "torch.tensor([torch.tensor(1, dtype=torch.int32), torch.tensor(2, dtype=torch.int32)])",
    "torch.tensor([torch.tensor(1.), 2])",
    "torch.tensor([torch.tensor(1., dtype=torch.float64), 2.])",
    "torch.tensor([torch.tensor([1.]), torch.tensor([2.])])",
    "torch.tensor([torch.tensor([1., 2.]), torch.tensor([3., 4.])])",
    "torch.tensor([[1, 2], [3, 4]], dtype=torch.float)",
    "torch.tensor([1.7, -2.7], dtype=torch.int64)",
    "torch.tensor([1, 2], dtype=torch.float16)",
    "torch.tensor([1., 2.], requires_grad=True)",
    "torch.tensor([1, 2], requires_grad=True)",
    "torch.tensor(torch.tensor([1., 2.], requires_grad=True))",
    "torch.tensor([[1, 2], [3]])",
    "torch.tensor([[1, 2], [3, 4, 5]])",
    "torch.tensor([[[1, 2]], [[3, 4, 5]]])",
    "torch.tensor([None])",
    "torch.tensor(['a'])",
    "torch.tensor('a')",
]


@pytest.mark.parametrize("source", TENSOR_CASES)
def test_tensor_factory(source):
    assert_like_torch(source)


def test_tensor_of_values_copies_them():
    for lib in (engine, torch):
        array = np.array([1.0, 2.0])
        t = lib.tensor(array)
        array[0] = 5.0
        assert t.tolist() == [1.0, 2.0]
        source = lib.tensor([1.0, 2.0], requires_grad=True)
        copy = lib.tensor(source.detach())
        assert copy.is_leaf and not copy.requires_grad


@pytest.mark.cpu_only  # the host's allocator
def test_factories_give_memory_aligned_as_pytorchs():
    # 64 bytes, as PyTorch's CPU allocator (numpy's gives 16): BLAS runs its aligned kernels
    # (the engine's for tensors of 4 KiB or more; smaller ones gain less than the copy costs)
    unaligned = np.empty(4 * 1500 + 8, np.uint8)[8:].view(np.float32)  # 8 bytes past numpy's 16
    for lib in (engine, torch):
        made = [lib.tensor(unaligned), lib.tensor([[1.0] * 1024]), lib.zeros(30, 50),
                lib.randn(70, 80, requires_grad=True), lib.arange(1000), lib.ones(32, 32, dtype=lib.float64)]
        assert [t.detach().numpy().__array_interface__["data"][0] % 64 for t in made] == [0] * len(made)


def test_from_numpy_and_as_tensor_share_memory():
    for lib in (engine, torch):
        array = np.array([1.0, 2.0])
        shared = lib.from_numpy(array)
        assert shared.dtype == lib.float64
        array[0] = 7.0
        assert shared.tolist() == [7.0, 2.0]
        assert lib.as_tensor(array).tolist() == [7.0, 2.0]
        t = lib.tensor([1.0])
        assert lib.as_tensor(t) is t
        assert lib.as_tensor(t, dtype=lib.float64) is not t
        assert lib.from_numpy(np.array([1, 2])).dtype == lib.int64
    with pytest.raises(TypeError):
        engine.from_numpy([1, 2])


FACTORY_CASES = [
    "torch.zeros(2, 3)",
    "torch.zeros((2, 3))",
    "torch.zeros([2, 3])",
    "torch.zeros(torch.Size([2, 3]))",
    "torch.zeros(2, 3, dtype=torch.int32)",
    "torch.zeros(())",
    "torch.zeros(0)",
    "torch.ones([])",
    "torch.ones(2, requires_grad=True)",
    "torch.ones(2, dtype=torch.int64, requires_grad=True)",
    "torch.zeros(-1)",
    "torch.ones(2, 3.0)",
    "torch.empty(2, 3).shape",
    "torch.empty((2, 3), dtype=torch.int64).dtype",
    "torch.full((2, 2), 1.5)",
    "torch.full([2], 7)",
    "torch.full((2,), True)",
    "torch.full((2,), 7, dtype=torch.float64)",
    "torch.full((2,), 1, requires_grad=True)",
    "torch.full(2, 7)",
    "torch.arange(5)",
    "torch.arange(5.)",
    "torch.arange(1, 4)",
    "torch.arange(1, 4, 0.5)",
    "torch.arange(0, 1, 0.25)",
    "torch.arange(10, 0, -3)",
    "torch.arange(0, 1, 0.1).shape",
    "torch.arange(5, dtype=torch.float64)",
    "torch.arange(3, requires_grad=True)",
    "torch.arange(3., requires_grad=True)",
    "torch.linspace(0, 1, 5)",
    "torch.linspace(-1, 1, steps=3)",
    "torch.linspace(0, 10, 5, dtype=torch.float64)",
    "torch.linspace(0, 1, 1)",
    "torch.linspace(0, 1, 3, requires_grad=True)",
    "torch.eye(2)",
    "torch.eye(2, 3)",
    "torch.eye(3, dtype=torch.int64)",
    "torch.eye(2, requires_grad=True)",
    "torch.zeros_like(torch.ones(2, 3, requires_grad=True))",
    "torch.ones_like(torch.ones(2, 3, dtype=torch.float64))",
    "torch.ones_like(torch.tensor([1, 2]))",
    "torch.zeros_like(torch.tensor([1., 2]), dtype=torch.int64)",
    "torch.full_like(torch.ones(2), 3)",
    "torch.full_like(torch.tensor([1, 2]), 2.5)",
    "torch.empty_like(torch.ones(2, 3)).shape",
    "torch.rand(2, 3).shape",
    "torch.rand((2, 3)).dtype",
    "torch.rand(3, dtype=torch.float64).dtype",
    "torch.rand(2, dtype=torch.int64)",
    "torch.randn(2, 3).dtype",
    "torch.randn(()).shape",
    "torch.randn(0).shape",
    "torch.randn(2, dtype=torch.int32)",
    "torch.randn(2, 3, requires_grad=True).requires_grad",
    "torch.rand_like(torch.ones(2, 3)).shape",
    "torch.randn_like(torch.ones(2, 3, dtype=torch.float64)).dtype",
    "torch.rand_like(torch.ones(2, dtype=torch.int64))",
    "torch.randint(3, 10, (2, 2)).shape",
    "torch.randint(3, 10, (2, 2)).dtype",
    "torch.randint(3, 10, (2, 2), dtype=torch.int32).dtype",
    "torch.randint(10, (2,)).shape",
    "torch.randint(10, size=(2,)).shape",
    "torch.randint(0, 10, [3]).shape",
    "torch.randint(0, 10, (2,), requires_grad=True)",
]


@pytest.mark.parametrize("source", FACTORY_CASES)
def test_factories(source):
    assert_like_torch(source)


def test_random_values_in_range_and_seeded():
    engine.manual_seed(0)
    first = engine.rand(1000)
    assert 0.0 <= first.min().item() and first.max().item() < 1.0
    ints = engine.randint(3, 7, (1000,))
    assert set(ints.tolist()) == {3, 4, 5, 6}
    normal = engine.randn(10000, dtype=engine.float64)
    assert abs(normal.mean().item()) < 0.05 and abs(normal.std().item() - 1) < 0.05
    engine.manual_seed(0)
    assert engine.rand(1000).tolist() == first.tolist()
    engine.manual_seed(1)
    assert engine.rand(1000).tolist() != first.tolist()


# --- dtypes -----------------------------------------------------------------------------------------
DTYPE_CASES = [
    "torch.float", "torch.double", "torch.long", "torch.int", "torch.half", "torch.short",
    "torch.float32", "torch.float64", "torch.float16", "torch.int64", "torch.int32", "torch.bool",
    "torch.uint8", "torch.int8", "str(torch.int64)", "torch.float32 is torch.float",
    "torch.double is torch.float64", "torch.long is torch.int64", "torch.int is torch.int32",
    "torch.float32 == torch.float", "torch.float32 != torch.float64",
    "torch.float32.is_floating_point", "torch.int64.is_floating_point", "torch.bool.is_floating_point",
    "torch.int64.itemsize", "torch.float16.itemsize", "torch.get_default_dtype()",
    "torch.promote_types(torch.int32, torch.float16)", "torch.promote_types(torch.bool, torch.int32)",
    "torch.promote_types(torch.uint8, torch.int8)",
    "torch.ones(2).dtype", "str(torch.ones(2).dtype)", "repr(torch.ones(2).dtype)",
]


@pytest.mark.parametrize("source", DTYPE_CASES)
def test_dtypes(source):
    assert_like_torch(source)


def test_default_dtype_switch():
    try:
        for lib in (engine, torch):
            lib.set_default_dtype(lib.float64)
        for source in ("torch.tensor([1.5])", "torch.ones(2)", "torch.tensor([1, 2]) / 2",
                       "torch.arange(2.)", "torch.get_default_dtype()"):
            assert_like_torch(source)
    finally:
        engine.set_default_dtype(engine.float32)
        torch.set_default_dtype(torch.float32)
    with pytest.raises(TypeError):
        engine.set_default_dtype(engine.int64)


# --- attributes and conversions ---------------------------------------------------------------------
ATTRIBUTE_CASES = [
    "torch.ones(2, 3).shape",
    "str(torch.ones(2, 3).shape)",
    "torch.ones(2, 3).shape == (2, 3)",
    "torch.ones(2, 3).shape[1]",
    "torch.Size([2, 3])",
    "torch.Size([2, 3]).numel()",
    "torch.tensor(5.).shape",
    "torch.ones(2, 3).size()",
    "torch.ones(2, 3).size(0)",
    "torch.ones(2, 3).size(-1)",
    "torch.ones(2, 3).size(2)",
    "torch.ones(2, 3).size(-3)",
    "torch.ones(2, 3).dim()",
    "torch.ones(2, 3).ndim",
    "torch.tensor(1.).ndim",
    "torch.ones(2, 3).numel()",
    "torch.numel(torch.ones(2, 3))",
    "torch.ones(2, 3).device",
    "str(torch.ones(2, 3).device)",
    "torch.ones(2).is_cuda",
    "torch.ones(2).dtype",
    "torch.tensor([1., 2.]).is_floating_point()",
    "torch.tensor([1, 2]).is_floating_point()",
    "torch.tensor([1., 2.]).type()",
    "torch.tensor([1, 2]).type()",
    "torch.tensor([[1., 2.], [3., 4.]]).T",
    "torch.tensor([[1., 2.], [3., 4.]], requires_grad=True).T",
    "torch.tensor([1., 2.]).T",
    "torch.ones(2, 3, 4).T.shape",
    "torch.tensor(3.).T",
    "len(torch.ones(3, 2))",
    "len(torch.tensor(3.))",
    "list(torch.tensor([[1., 2.], [3., 4.]]))",
    "list(torch.tensor([1., 2.], requires_grad=True))",
    "[v for v in torch.tensor([1, 2])]",
    "list(torch.tensor(3.))",
    "bool(torch.tensor([3.]))",
    "bool(torch.tensor(0.))",
    "bool(torch.tensor([0]))",
    "bool(torch.tensor([1., 2.]))",
    "bool(torch.tensor([]))",
    "float(torch.tensor([3.5]))",
    "float(torch.tensor(2))",
    "float(torch.tensor([3., 4.]))",
    "int(torch.tensor([3.9]))",
    "int(torch.tensor(-3.9))",
    "int(torch.tensor([1, 2]))",
    "torch.tensor([3.]).__float__()",
    "torch.tensor(3.5).item()",
    "torch.tensor([3.5]).item()",
    "torch.tensor([[2.5]]).item()",
    "torch.tensor(2).item()",
    "torch.tensor(2.5, dtype=torch.float64).item()",
    "torch.tensor([True]).item()",
    "torch.tensor([1., 2.]).item()",
    "torch.tensor([[1., 2.], [3., 4.]]).tolist()",
    "torch.tensor([1, 2]).tolist()",
    "torch.tensor([True]).tolist()",
    "torch.tensor(2.).tolist()",
    "torch.tensor([1., 2.], requires_grad=True).tolist()",
    "torch.tensor([1., 2.]).numpy()",
    "torch.tensor(1.).numpy()",
    "torch.tensor([1, 2], dtype=torch.int32).numpy()",
    "torch.tensor([1., 2.], requires_grad=True).numpy()",
    "torch.tensor([1., 2.], requires_grad=True).numpy(force=True)",
    "torch.tensor([1., 2.], requires_grad=True).detach().numpy()",
    "np.array(torch.tensor([1., 2.]))",
    "np.array(torch.tensor([1., 2.]), dtype=np.float64)",
    "np.asarray(torch.tensor(3.))",
    "np.asarray(torch.tensor([1, 2]))",
    "np.array(torch.tensor([1., 2.], requires_grad=True))",
    "torch.tensor([1, 2]).float()",
    "torch.tensor([1, 2]).double()",
    "torch.tensor([1.5, -2.5]).long()",
    "torch.tensor([1.5, -2.5]).int()",
    "torch.tensor([1.5, 0.]).bool()",
    "torch.tensor([1., 2.]).half()",
    "torch.tensor([1, 2]).to(torch.float)",
    "torch.tensor([1.5, 2]).to(torch.float64)",
    "torch.tensor([1.5, 2]).to(dtype=torch.float64)",
    "torch.tensor([1.5, 2]).to('cpu')",
    "torch.tensor([1., 2.], requires_grad=True).double()",
    "torch.tensor([1., 2.], requires_grad=True).float()",
    "torch.tensor([1., 2.], requires_grad=True).long()",
    "torch.tensor([1., 2.], requires_grad=True).to(torch.float16)",
    "torch.tensor([3., 4.]).norm()",
    "torch.tensor([[3., 4.]], requires_grad=True).norm()",
    "torch.tensor([3., 4.]).norm(1)",
    "torch.tensor([3., 4.], dtype=torch.float64).norm()",
    "torch.tensor([3, 4]).norm()",
    "torch.tensor([1., 2.], requires_grad=True).detach()",
    "torch.tensor([1., 2.], requires_grad=True).clone()",
    "torch.tensor([1., 2.]).clone()",
    "(torch.tensor([1., 2.], requires_grad=True) * 2).detach()",
    "(torch.tensor([1., 2.], requires_grad=True) * 2).clone()",
    "torch.tensor([1, 2]).new_zeros(2, 3)",
    "torch.tensor([1, 2]).new_zeros((2,))",
    "torch.tensor([1, 2]).new_zeros([2, 1])",
    "torch.tensor([1, 2]).new_zeros(())",
    "torch.tensor([1, 2]).new_zeros(2.5)",
    "torch.tensor([1.], dtype=torch.float64).new_ones(3)",
    "torch.tensor([1.], dtype=torch.float16).new_ones((2,), dtype=torch.int32)",
    "torch.tensor([1, 2]).new_zeros(2, dtype=torch.float64, requires_grad=True)",
    "torch.tensor([1., 2.], requires_grad=True).new_ones(2)",
    "torch.tensor([1, 2]).new_full((2,), 2.5)",
    "torch.tensor([1.], dtype=torch.float64).new_full((2, 2), 1, dtype=torch.int32)",
    "torch.tensor([1, 2]).new_full(2, 1)",
    "torch.tensor([1, 2]).new_empty(0).shape",
    "torch.tensor([1, 2]).new_empty((2, 3)).dtype",
    "torch.tensor([1, 2]).new_tensor([1.7, 2])",
    "torch.tensor([1, 2]).new_tensor(3.7)",
    "torch.ones(2).new_tensor([1, 2])",
    "torch.ones(2).new_tensor([[1, 2]], dtype=torch.float64, requires_grad=True)",
    "torch.tensor([1, 2]).type_as(torch.ones(1))",
    "torch.ones(2).type_as(torch.tensor([1]))",
    "torch.ones(2, requires_grad=True).type_as(torch.ones(1, dtype=torch.float64))",
    "torch.ones(2).type_as(3)",
    "torch.ones(2, 3).is_contiguous()",
    "torch.ones(2, 3).t().is_contiguous()",
    "torch.ones(3, 1).t().is_contiguous()",
    "torch.ones(1, 3).expand(2, 3).is_contiguous()",
    "torch.ones(2, 3).t().contiguous().is_contiguous()",
    "torch.ones(4, 3)[::2].is_contiguous()",
    "torch.ones(4, 3)[1:].is_contiguous()",
    "torch.ones(0, 3).t().is_contiguous()",
]


@pytest.mark.parametrize("source", ATTRIBUTE_CASES)
def test_attributes_and_conversions(source):
    assert_like_torch(source)


@pytest.mark.cpu_only  # numpy() shares a CPU tensor's memory
def test_conversions_keep_identity_where_torch_does():
    for lib in (engine, torch):
        t = lib.tensor([1.0, 2.0])
        assert t.float() is t and t.to(lib.float32) is t and t.to("cpu") is t
        assert t.double() is not t
        t.numpy()[0] = 9.0  # numpy() shares memory, and so does detach()
        t.detach().numpy()[1] = 5.0
        assert t.tolist() == [9.0, 5.0]
        t.clone().numpy()[1] = 0.0  # clone() copies
        assert t.tolist() == [9.0, 5.0]


@pytest.mark.cpu_only  # numpy() shares a CPU tensor's memory
def test_detach_shares_values_and_version():
    for lib in (engine, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        d = x.detach()
        assert not d.requires_grad and d.is_leaf and d.grad_fn is None
        assert np.shares_memory(np.asarray(d.numpy()), np.asarray(x.detach().numpy()))


# --- autograd flags: requires_grad, is_leaf, grad, data ------------------------------------------------
FLAG_CASES = [
    "torch.tensor([1, 2]).requires_grad_()",
    "torch.tensor([1, 2]).requires_grad_(False)",
    "torch.tensor([1., 2.]).requires_grad_()",
    "torch.tensor([1., 2.]).requires_grad_(True).requires_grad_(False)",
    "(torch.tensor([1., 2.], requires_grad=True) * 2).requires_grad_()",
    "(torch.tensor([1., 2.], requires_grad=True) * 2).requires_grad_(False)",
    "setattr(torch.tensor([1, 2]), 'requires_grad', True)",
    "setattr(torch.tensor([1., 2.], requires_grad=True) * 2, 'requires_grad', True)",
    "setattr(torch.tensor([1., 2.], requires_grad=True) * 2, 'requires_grad', False)",
    "torch.tensor([1., 2.]).is_leaf",
    "torch.tensor([1., 2.], requires_grad=True).is_leaf",
    "(torch.tensor([1., 2.], requires_grad=True) * 2).is_leaf",
    "(torch.tensor([1., 2.]) * 2).is_leaf",
    "(torch.tensor([1., 2.]) * 2).requires_grad",
    "torch.tensor([1., 2.], requires_grad=True).grad",
    "torch.tensor([1., 2.], requires_grad=True).grad_fn",
    "(torch.tensor([1., 2.], requires_grad=True) * 2).grad_fn.name()",
    "torch.tensor([1., 2.]).retains_grad",
    "torch.tensor([1., 2.]).retain_grad()",
    "torch.tensor([1., 2.]).register_hook(lambda g: g)",
    "torch.tensor([1., 2.], requires_grad=True).data",
    "torch.tensor([1., 2.], requires_grad=True).data.requires_grad",
    "(torch.tensor([1., 2.], requires_grad=True) * 2).data",
    "(torch.tensor([1., 2.], requires_grad=True) * 2).data.is_leaf",
]


@pytest.mark.parametrize("source", FLAG_CASES)
def test_autograd_flags(source):
    assert_like_torch(source)


GRAD_ASSIGNMENT_CASES = [
    ("torch.tensor([1., 2.], requires_grad=True)", "torch.tensor([3., 4.])"),
    ("torch.tensor([1., 2.])", "torch.tensor([3., 4.])"),
    ("torch.tensor([1., 2.], requires_grad=True)", "None"),
    ("torch.tensor([1., 2.], requires_grad=True)", "torch.tensor([1., 2., 3.])"),
    ("torch.tensor([1., 2.], requires_grad=True)", "torch.tensor([[1., 2.]])"),
    ("torch.tensor([1., 2.], requires_grad=True)", "torch.tensor([1, 2])"),
    ("torch.tensor([1., 2.], requires_grad=True)", "torch.tensor([1., 2.], dtype=torch.float64)"),
    ("torch.tensor([1., 2.], requires_grad=True)", "[1., 2.]"),
    ("torch.tensor([1, 2])", "torch.tensor([1, 2])"),
]


@pytest.mark.parametrize("target, value", GRAD_ASSIGNMENT_CASES)
def test_grad_assignment(target, value):
    assert_like_torch(f"(lambda t: (setattr(t, 'grad', {value}), t.grad)[1])({target})")


def test_grad_assigned_to_itself():
    assert_like_torch("(lambda t: setattr(t, 'grad', t))(torch.tensor([1., 2.], requires_grad=True))")


def test_grad_assignment_accumulates_on_backward():
    for lib in (engine, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        x.grad = lib.tensor([10.0, 10.0])
        (x * 2).sum().backward()
        assert x.grad.tolist() == [12.0, 12.0]
        del x.grad
        assert x.grad is None


DATA_CASES = [
    ("torch.tensor([1., 2.], requires_grad=True)", "torch.tensor([5., 6., 7.])"),
    ("torch.tensor([1., 2.], requires_grad=True)", "torch.tensor([5., 6.], dtype=torch.float64)"),
    ("torch.tensor([1., 2.], requires_grad=True)", "torch.tensor([5, 6])"),
    ("torch.tensor([1, 2])", "torch.tensor([5., 6.], dtype=torch.float64)"),
    ("torch.tensor([1., 2.], requires_grad=True)", "[1.]"),
]


@pytest.mark.parametrize("target, value", DATA_CASES)
def test_data_assignment(target, value):
    assert_like_torch(f"(lambda t: (setattr(t, 'data', {value}), t)[1])({target})")


def test_data_changes_are_not_tracked():
    for lib in (engine, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = x * x
        x.data = lib.tensor([10.0, 20.0])
        assert x.requires_grad and x.is_leaf
        y.sum().backward()
        # y saved x itself, which now holds the new values: backward sees them, as in PyTorch
        assert x.grad.tolist() == [20.0, 40.0]


def test_retain_grad_and_retains_grad():
    for lib in (engine, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = x * 2
        assert not y.retains_grad and not x.retains_grad
        y.retain_grad()
        x.retain_grad()  # a leaf keeps its grad anyway: no change
        assert y.retains_grad and not x.retains_grad
        (y * y).sum().backward()
        assert y.grad.tolist() == [4.0, 8.0] and x.grad.tolist() == [8.0, 16.0]


def test_register_hook_returns_a_removable_handle():
    for lib in (engine, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        handle = x.register_hook(lambda g: g * 0)
        handle.remove()
        (x * 3).sum().backward()
        assert x.grad.tolist() == [3.0, 3.0]


# --- comparisons: no gradient ------------------------------------------------------------------------
COMPARISON_CASES = [
    "torch.tensor([1., 2.]) < torch.tensor([2., 1.])",
    "torch.tensor([1., 2.]) <= torch.tensor(1.)",
    "torch.tensor([1., 2.]) > 1",
    "torch.tensor([1., 2.]) >= 2",
    "torch.tensor([1., 2.]) == 2",
    "torch.tensor([1., 2.]) != 1",
    "1 < torch.tensor([1., 2.])",
    "torch.tensor([1, 2]) == torch.tensor([1., 2.5])",
    "torch.tensor([1, 2]) == 2.0",
    "torch.tensor([1., 2.], requires_grad=True) > 1",
    "(torch.tensor([1., 2.], requires_grad=True) > 1).requires_grad",
    "(torch.tensor([1., 2.], requires_grad=True) * 2 >= 3).grad_fn",
    "torch.tensor([[1., 2.]]) < torch.tensor([[1.], [3.]])",
    "torch.tensor([1., 2.]) < torch.tensor([1., 2., 3.])",
    "torch.tensor([1., 2.]) == None",
    "torch.tensor([1., 2.]) == 'a'",
    "torch.eq(torch.tensor([1., 2.]), 1)",
    "torch.tensor([1., 2.]).eq(torch.tensor([1., 3.]))",
    "torch.tensor([1., 2.]).ne(1)",
    "torch.tensor([1., 2.]).lt(2)",
    "torch.tensor([1., 2.]).le(1)",
    "torch.tensor([1., 2.]).gt(1)",
    "torch.tensor([1., 2.]).ge(2)",
    "torch.gt(torch.tensor([1., 2.]), torch.tensor([0., 5.]))",
    "torch.tensor([1., 2.]).equal(torch.tensor([1., 2.]))",
    "torch.equal(torch.tensor([1., 2.]), torch.tensor([1., 3.]))",
    "torch.tensor([float('nan')]) == torch.tensor([float('nan')])",
    "torch.tensor([True, False]) & torch.tensor([True, True])",
    "torch.tensor([True, False]) | torch.tensor([False, False])",
    "torch.tensor([True, False]) ^ torch.tensor([True, True])",
    "~torch.tensor([True, False])",
    "torch.tensor([1., float('nan'), float('inf')]).isnan()",
    "torch.tensor([1., float('nan'), float('inf')]).isinf()",
    "torch.tensor([1., float('nan'), float('inf')]).isfinite()",
    "torch.tensor([1., 2.]).allclose(torch.tensor([1., 2.000001]))",
]


@pytest.mark.parametrize("source", COMPARISON_CASES)
def test_comparisons(source):
    assert_like_torch(source)
