"""engine.printing against PyTorch itself: the same values print the same, character for character.

Most tests print a small stand-in tensor (`FakeTensor`, the attributes `tensor_repr` reads, around a
numpy array) and compare with `repr(torch.tensor(same array))` from the real PyTorch.
"""
import contextlib

import numpy as np
import pytest

from engine import backend, dtypes, printing
from on_device import cpu_text

torch = pytest.importorskip("torch")


class FakeNode:
    def __init__(self, name):
        self._name = name

    def name(self):
        return self._name


class FakeTensor:
    """The attributes of an engine tensor that printing reads, around a numpy array."""

    def __init__(self, array, requires_grad=False, grad_fn=None, device="cpu"):
        self._data = np.asarray(array)
        self.dtype = dtypes.from_numpy(self._data.dtype)
        self.shape = self._data.shape
        self.device = backend.device(device)
        self.grad_fn = None if grad_fn is None else FakeNode(grad_fn)
        self.requires_grad = requires_grad or grad_fn is not None
        self.is_leaf = grad_fn is None

    def __repr__(self):
        return printing.tensor_repr(self)


def ours(array, autograd=None):
    """Our print of `array`; autograd is None, 'requires_grad' or 'grad_fn' (a CloneBackward0)."""
    if autograd == "grad_fn":
        return repr(FakeTensor(array, grad_fn="CloneBackward0"))
    return repr(FakeTensor(array, requires_grad=autograd == "requires_grad"))


def theirs(array, autograd=None):
    """PyTorch's print of the same array; clone() adds a grad_fn without changing any value."""
    x = torch.tensor(array)
    if autograd:
        x.requires_grad_()
    if autograd == "grad_fn":
        x = x.clone()
    return repr(x)


def assert_prints_like_torch(array, autograd=None):
    expected = theirs(array, autograd)
    assert ours(array, autograd) == expected, f"\nexpected:\n{expected}"


@contextlib.contextmanager
def both_printoptions(**options):
    """The same print options for PyTorch and for us, both back to the defaults afterwards."""
    torch.set_printoptions(**options)
    printing.set_printoptions(**options)
    try:
        yield
    finally:
        torch.set_printoptions(profile="default")
        printing.set_printoptions(profile="default")


# ---------------------------------------------------------------------------------------------
# Random values of every kind and dtype
# ---------------------------------------------------------------------------------------------

FLOATS = (np.float16, np.float32, np.float64)
INTEGERS = (np.uint8, np.int8, np.int16, np.int32, np.int64)


def random_shape(rng, max_dim=4):
    ndim = rng.randint(0, max_dim + 1)
    longest = 7 if ndim > 2 else 13
    return tuple(0 if rng.rand() < 0.05 else rng.randint(1, longest) for _ in range(ndim))


def random_floats(rng, shape, dtype):
    style = rng.randint(6)
    if style == 0:  # one magnitude, anywhere from tiny to huge
        values = rng.randn(*shape) * 10.0 ** rng.randint(-9, 12)
    elif style == 1:  # whole numbers, printed as `3.`
        values = rng.randint(-10 ** rng.randint(1, 10), 10 ** rng.randint(1, 10), size=shape)
    elif style == 2:  # many magnitudes at once
        values = np.sign(rng.randn(*shape)) * 10.0 ** rng.uniform(-10, 10, size=shape)
    elif style == 3:  # magnitudes near the scientific switch (1e-4, 1e8, ratio 1000)
        values = rng.choice([1e-4, 9.9e-5, 1e8, 1.01e8, 1.0, 1000.0, 1001.0, 0.5], size=shape)
    elif style == 4:  # short decimals, which round at the precision
        values = np.round(rng.randn(*shape) * 100, rng.randint(0, 6))
    else:
        values = rng.rand(*shape)
    values = np.asarray(values, dtype=np.float64)
    if rng.rand() < 0.4:
        specials = rng.choice([np.nan, np.inf, -np.inf, -0.0, 0.0], size=shape)
        values = np.where(rng.rand(*shape) < 0.25, specials, values)
    with np.errstate(over="ignore"):
        return np.asarray(values.astype(dtype))


def random_integers(rng, shape, dtype):
    info = np.iinfo(dtype)
    low, high = (info.min, info.max) if rng.rand() < 0.5 else (max(info.min, -50), 50)
    return rng.randint(low, high, size=shape, dtype=dtype)


def random_array(rng, shape=None):
    shape = random_shape(rng) if shape is None else shape
    kind = rng.randint(5)
    if kind < 3:
        return random_floats(rng, shape, FLOATS[rng.randint(len(FLOATS))])
    if kind == 3:
        return np.asarray(random_integers(rng, shape, INTEGERS[rng.randint(len(INTEGERS))]))
    return np.asarray(rng.rand(*shape) < 0.5)


def random_autograd(rng, array):
    if array.dtype.kind != "f":
        return None
    return [None, "requires_grad", "grad_fn"][rng.randint(3)]


@pytest.mark.parametrize("seed", range(500))
def test_random_tensors(seed):
    rng = np.random.RandomState(seed)
    array = random_array(rng)
    assert_prints_like_torch(array, random_autograd(rng, array))


OPTION_SETS = [
    dict(precision=2),
    dict(precision=0),
    dict(precision=8),
    dict(sci_mode=True),
    dict(sci_mode=False),
    dict(profile="short"),
    dict(profile="full"),
    dict(profile="default"),
    dict(linewidth=40),
    dict(linewidth=120),
    dict(edgeitems=1, threshold=20),
    dict(edgeitems=0, threshold=20),
    dict(threshold=10),
    dict(profile="short", precision=6, sci_mode=True),
    dict(profile="full", linewidth=60, sci_mode=False),
]


@pytest.mark.parametrize("seed", range(40))
@pytest.mark.parametrize("options", OPTION_SETS, ids=repr)
def test_random_tensors_under_options(options, seed):
    rng = np.random.RandomState(1000 + seed)
    array = random_array(rng)
    with both_printoptions(**options):
        assert_prints_like_torch(array, random_autograd(rng, array))


# ---------------------------------------------------------------------------------------------
# Summarised and wrapped tensors
# ---------------------------------------------------------------------------------------------

LARGE_SHAPES = [
    (2000,), (1001,), (1000,), (40, 40), (3, 400), (400, 3), (10, 100), (1, 1, 1001),
    (2, 3, 200), (11, 10, 10), (4, 4, 4, 20),
]


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("shape", LARGE_SHAPES, ids=str)
def test_summarised(shape, seed):
    rng = np.random.RandomState(seed)
    assert_prints_like_torch(random_array(rng, shape), None)


@pytest.mark.parametrize("shape", [(2000,), (40, 40), (3, 400), (2, 3, 200)], ids=str)
@pytest.mark.parametrize("options", [dict(profile="short"), dict(edgeitems=0), dict(edgeitems=1),
                                     dict(edgeitems=10), dict(linewidth=30)], ids=repr)
def test_summarised_under_options(shape, options):
    array = np.random.RandomState(7).randn(*shape).astype(np.float32) * 1000
    with both_printoptions(**options):
        assert_prints_like_torch(array)


def test_summarised_formatter_sees_only_shown_values():
    # The huge middle value is not shown, so it must not switch the print to scientific notation.
    array = np.ones(2001, dtype=np.float32)
    array[1000] = 1e20
    assert_prints_like_torch(array)
    assert ours(array) == "tensor([1., 1., 1.,  ..., 1., 1., 1.])"


@pytest.mark.parametrize("length", [10, 19, 20, 21, 40, 100, 999])
@pytest.mark.parametrize("scale", [1, 1e3, 1e5, 1e9, 1e-6])
def test_wide_rows_wrap(length, scale):
    array = (np.arange(length) - length / 3) * scale
    assert_prints_like_torch(array.astype(np.float32))
    assert_prints_like_torch(np.stack([array, -array]).astype(np.float64), "grad_fn")


def test_full_profile_prints_everything():
    array = np.arange(1500).reshape(30, 50)
    with both_printoptions(profile="full"):
        assert_prints_like_torch(array)
        assert "..." not in ours(array)


# ---------------------------------------------------------------------------------------------
# Known outputs, written out
# ---------------------------------------------------------------------------------------------

KNOWN = [
    (np.float32(3.5), "tensor(3.5000)"),
    (np.float32(2.0), "tensor(2.)"),
    (np.float32(-0.0), "tensor(-0.)"),
    (np.float32(np.nan), "tensor(nan)"),
    (np.int64(7), "tensor(7)"),
    (np.bool_(True), "tensor(True)"),
    (np.array([1.0, 2.0, 3.0], np.float32), "tensor([1., 2., 3.])"),
    (np.array([1.5, -2.25], np.float32), "tensor([ 1.5000, -2.2500])"),
    (np.array([1e-5, 1.0], np.float32), "tensor([1.0000e-05, 1.0000e+00])"),
    (np.array([0.0, np.nan, np.inf, -np.inf], np.float32), "tensor([0., nan, inf, -inf])"),
    (np.array([True, False]), "tensor([ True, False])"),
    (np.array([1, -20, 300]), "tensor([  1, -20, 300])"),
    (np.array([1, 2], np.int32), "tensor([1, 2], dtype=torch.int32)"),
    (np.array([1.0, 2.0]), "tensor([1., 2.], dtype=torch.float64)"),
    (np.array([[1, 2], [3, 4]], np.uint8), "tensor([[1, 2],\n        [3, 4]], dtype=torch.uint8)"),
    (np.zeros((2, 1, 2), np.float32), "tensor([[[0., 0.]],\n\n        [[0., 0.]]])"),
    (np.zeros(0, np.float32), "tensor([])"),
    (np.zeros((0, 3), np.float32), "tensor([], size=(0, 3))"),
    (np.zeros(0, np.int64), "tensor([], dtype=torch.int64)"),
    (np.zeros((2, 0), bool), "tensor([], size=(2, 0), dtype=torch.bool)"),
]


@pytest.mark.parametrize("array, expected", KNOWN, ids=[text for _, text in KNOWN])
def test_known_outputs(array, expected):
    assert ours(array) == expected
    assert theirs(array) == expected


@pytest.mark.parametrize("array, _", KNOWN, ids=[text for _, text in KNOWN])
@pytest.mark.parametrize("autograd", ["requires_grad", "grad_fn"])
def test_autograd_suffixes(array, _, autograd):
    if array.dtype.kind == "f":
        assert_prints_like_torch(array, autograd)


def test_autograd_suffix_names_the_node():
    added = FakeTensor(np.float32(1), grad_fn="AddBackward0")
    assert repr(added) == "tensor(1., grad_fn=<AddBackward0>)"
    assert repr(FakeTensor(np.float32(1), requires_grad=True)) == "tensor(1., requires_grad=True)"


@pytest.mark.parametrize("width", range(60, 90))
def test_suffixes_wrap_at_the_line_width(width):
    # Rows whose last line ends just before, at and after the point where a suffix no longer fits.
    array = np.arange(width // 8, dtype=np.float64) + 0.5
    for autograd in (None, "requires_grad", "grad_fn"):
        assert_prints_like_torch(array, autograd)
        assert_prints_like_torch(np.stack([array, array]), autograd)


# ---------------------------------------------------------------------------------------------
# Devices, default dtype
# ---------------------------------------------------------------------------------------------

def torch_with_suffixes(array, suffixes):
    """PyTorch's layout of a CPU tensor's values followed by `suffixes` (for devices we lack)."""
    x = torch.tensor(array)
    body = torch._tensor_str._tensor_str(x, len("tensor("))
    return torch._tensor_str._add_suffixes("tensor(" + body, suffixes, len("tensor("), False)


def test_cuda_device_suffix():
    array = np.array([1.0, 2.0], np.float32)
    assert repr(FakeTensor(array, device="cuda")) == "tensor([1., 2.], device='cuda:0')"
    assert (
        repr(FakeTensor(array.astype(np.float64), requires_grad=True, device="cuda:0"))
        == "tensor([1., 2.], device='cuda:0', dtype=torch.float64, requires_grad=True)"
    )
    assert repr(FakeTensor(np.zeros((0, 2), np.int64), device="cuda:1")) == (
        "tensor([], device='cuda:1', size=(0, 2), dtype=torch.int64)"
    )


@pytest.mark.parametrize("length", [5, 6, 7, 8, 9, 10, 20])
def test_cuda_device_suffix_wraps_like_torch(length):
    array = np.linspace(-1, 1, length)
    suffixes = ["device='cuda:0'", "dtype=torch.float64", "grad_fn=<CloneBackward0>"]
    expected = torch_with_suffixes(array, suffixes)
    assert repr(FakeTensor(array, grad_fn="CloneBackward0", device="cuda:0")) == expected


def test_default_dtype_decides_which_float_shows_its_dtype():
    arrays = [np.array([1.5, 2.0], np.float32), np.array([1.5, 2.0]),
              np.zeros(0), np.zeros(0, np.float32)]
    torch.set_default_dtype(torch.float64)
    dtypes.set_default_dtype(dtypes.float64)
    try:
        for array in arrays:
            assert_prints_like_torch(array)
    finally:
        torch.set_default_dtype(torch.float32)
        dtypes.set_default_dtype(dtypes.float32)


# ---------------------------------------------------------------------------------------------
# Print options as data
# ---------------------------------------------------------------------------------------------

def test_set_printoptions_matches_torch_options():
    for options in OPTION_SETS:
        with both_printoptions(**options):
            assert printing.get_printoptions() == torch._tensor_str.get_printoptions()


def test_printoptions_restores_even_after_an_error():
    before = printing.get_printoptions()
    with pytest.raises(ZeroDivisionError):
        with printing.printoptions(precision=1, sci_mode=True):
            assert printing.PRINT_OPTS.precision == 1
            assert ours(np.float32(2.25)) == "tensor(2.2e+00)"
            1 / 0
    assert printing.get_printoptions() == before
    assert ours(np.float32(2.25)) == "tensor(2.2500)"


def test_unknown_profile_is_ignored_like_torch():
    with both_printoptions(profile="nonsense", precision=3):
        assert printing.get_printoptions() == torch._tensor_str.get_printoptions()


# ---------------------------------------------------------------------------------------------
# Through the engine's own Tensor, once it exists
# ---------------------------------------------------------------------------------------------

def engine_tensor_module():
    engine = pytest.importorskip("engine")
    if not callable(getattr(engine, "tensor", None)):  # not yet written, or only the submodule
        pytest.skip("engine.tensor(...) does not exist yet")
    return engine


ENGINE_CASES = [
    ([1.0, 2.0, 3.0], {}),
    ([[1.5, -2.0], [3.25, 1e-6]], {}),
    ([1, 2, 3], {}),
    ([True, False], {}),
    (3.0, {"requires_grad": True}),
    ([1.0, 2.0], {"dtype": "float64", "requires_grad": True}),
    ([[0.1] * 30] * 3, {}),
    (list(range(2000)), {}),
    ([[1.0, 2.0], [3.0, 4.0]], {"dtype": "float16"}),
    ([1, -2], {"dtype": "int32"}),
    ([-0.0, float("nan"), float("inf"), 1e9], {}),
    ([], {}),
    (np.arange(1200.0).reshape(3, 20, 20).tolist(), {"requires_grad": True}),
]


@pytest.mark.parametrize("data, kwargs", ENGINE_CASES, ids=range(len(ENGINE_CASES)))
def test_engine_tensor_repr(data, kwargs):
    engine = engine_tensor_module()
    ours_kwargs = dict(kwargs)
    theirs_kwargs = dict(kwargs)
    if "dtype" in kwargs:
        ours_kwargs["dtype"] = getattr(engine, kwargs["dtype"])
        theirs_kwargs["dtype"] = getattr(torch, kwargs["dtype"])
    x = engine.tensor(data, **ours_kwargs)
    expected = torch.tensor(data, **theirs_kwargs)
    assert cpu_text(repr(x)) == repr(expected)
    assert cpu_text(str(x)) == str(expected)


def test_engine_tensor_repr_with_grad_fn():
    engine = engine_tensor_module()
    x = engine.tensor([1.0, -2.0], requires_grad=True)
    y = torch.tensor([1.0, -2.0], requires_grad=True)
    assert cpu_text(repr(x * 2)) == repr(y * 2)
    assert cpu_text(repr((x + x).sum())) == repr((y + y).sum())
    assert cpu_text(repr(x.exp())) == repr(y.exp())


def test_engine_set_printoptions():
    engine = engine_tensor_module()
    data = [[1.23456, 100.5], [-3.0, 1e-3]]
    try:
        engine.set_printoptions(precision=2, sci_mode=False)
        torch.set_printoptions(precision=2, sci_mode=False)
        assert cpu_text(repr(engine.tensor(data))) == repr(torch.tensor(data))
    finally:
        engine.set_printoptions(profile="default")
        torch.set_printoptions(profile="default")
