"""Devices: 'cpu' (numpy) and 'cuda' (CuPy), with PyTorch's device API, errors and printing.

Without a GPU, 'cuda' is the stand-in CuPy of fake_cupy.py (the `cuda_device` fixture), whose
arrays refuse numpy as CuPy's do; under ENGINE_TEST_DEVICE=cuda it is the real GPU. Where CuPy is
missing or finds no GPU, fake `cupy` modules in sys.modules play the machine.
"""
import ast
import pathlib
import subprocess
import sys
import types

import numpy as np
import pytest

import engine
from engine import backend
from on_device import DEVICE

torch = pytest.importorskip("torch")

ENGINE = pathlib.Path(engine.__file__).parent
MIXED = "Expected all tensors to be on the same device, but found at least two devices, cuda:0 and cpu!"


def is_device_array(tensor):
    return not isinstance(tensor._data, np.ndarray) and isinstance(tensor._data, backend.array_module(backend.CUDA).ndarray)


# --- where CUDA can't be had ---------------------------------------------------------------------
class CUDARuntimeError(RuntimeError):
    """What CuPy raises when the CUDA runtime finds no driver or device."""


def cupy_module(device_count=1, count_error=None, kernel_error=None):
    """A fake `cupy` module as far as the backend looks before trusting it."""
    module = types.ModuleType("cupy")

    def get_device_count():
        if count_error is not None:
            raise count_error
        return device_count

    def arange(n):
        if kernel_error is not None:
            raise kernel_error
        return np.arange(n)

    module.cuda = types.SimpleNamespace(runtime=types.SimpleNamespace(getDeviceCount=get_device_count))
    module.arange = arange
    return module


@pytest.fixture
def machine(monkeypatch):
    """machine(cupy): make `import cupy` give this module (None: CuPy is not installed), and make
    the backend look for CuPy again; all undone after the test."""
    monkeypatch.setitem(backend._modules, "cuda", None)  # None: not loaded yet

    def use(module):
        monkeypatch.setitem(sys.modules, "cupy", module)

    return use


class BrokenCupyFinder:
    """An installed CuPy whose import fails (a missing CUDA library, say)."""

    def find_spec(self, name, path=None, target=None):
        if name == "cupy":
            raise ImportError("libcudart.so.12: cannot open shared object file", name="cupy_backends.cuda")
        return None


NO_CUPY = "CUDA is not available: CuPy is not installed. Install it with pip install 'grad-magic[cuda]'"
UNAVAILABLE = {
    "not installed": (None, NO_CUPY),
    "no driver": (
        cupy_module(count_error=CUDARuntimeError("cudaErrorNoDevice: no CUDA-capable device is detected")),
        "CUDA is not available: CuPy is installed but found no usable GPU (cudaErrorNoDevice: no "
        "CUDA-capable device is detected)",
    ),
    "no device": (cupy_module(device_count=0), "CUDA is not available: CuPy is installed but found no GPU."),
    "cannot compile": (
        cupy_module(kernel_error=RuntimeError("CuPy failed to load libnvrtc.so.12")),
        "CUDA is not available: CuPy is installed and sees a GPU but cannot run on it (CuPy failed "
        "to load libnvrtc.so.12)",
    ),
}


@pytest.mark.parametrize("case", UNAVAILABLE)
def test_asking_for_cuda_says_why_it_is_unavailable_and_changes_nothing(machine, case):
    module, message = UNAVAILABLE[case]
    machine(module)
    assert engine.cuda.is_available() is False and engine.cuda.device_count() == 0
    x = engine.tensor([1.0, 2.0], device="cpu", requires_grad=True)
    default = engine.get_default_device()
    attempts = [
        lambda: engine.ones(2, device="cuda"), lambda: engine.tensor([1.0], device="cuda:0"),
        lambda: engine.randn(2, device=engine.device("cuda")), lambda: x.cuda(), lambda: x.to("cuda"),
        lambda: engine.set_default_device("cuda"), lambda: engine.zeros_like(x, device="cuda"),
        engine.cuda.current_device, engine.cuda.get_device_name, engine.cuda.synchronize,
    ]
    for attempt in attempts:
        with pytest.raises(RuntimeError) as caught:
            attempt()
        assert isinstance(caught.value, backend.DeviceUnavailable)
        assert str(caught.value).startswith(message)
        assert "grad-magic[cuda]" in str(caught.value)
        assert "device='cpu'" in str(caught.value)
    assert engine.get_default_device() == default
    assert x.device == engine.device("cpu") and x.tolist() == [1.0, 2.0]
    assert x._version == 0 and x.grad_fn is None and x.grad is None
    assert repr(engine.device("cuda")) == "device(type='cuda')"  # naming a device needs no GPU


def test_an_installed_cupy_that_fails_to_import_is_a_broken_install(machine, monkeypatch):
    monkeypatch.delitem(sys.modules, "cupy", raising=False)
    monkeypatch.setattr(sys, "meta_path", [BrokenCupyFinder(), *sys.meta_path])
    assert engine.cuda.is_available() is False
    with pytest.raises(backend.DeviceUnavailable, match=r"CuPy is installed but cannot be imported \(libcudart"):
        engine.zeros(1, device="cuda")


def test_a_failure_is_not_remembered(cuda_device, machine):
    cupy = sys.modules["cupy"]
    machine(None)
    assert not engine.cuda.is_available()
    machine(cupy)  # CuPy installed since, on a machine with a GPU
    assert engine.cuda.is_available() and engine.ones(1, device="cuda").device == cuda_device


def test_is_available_never_raises(machine):
    machine(cupy_module(count_error=SystemError("the driver said something odd")))
    assert engine.cuda.is_available() is False


def test_cupy_is_imported_only_when_cuda_is_asked_for():
    code = "import sys, engine; engine.ones(2); engine.cuda; print('cupy' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


# --- the device object ----------------------------------------------------------------------------
DEVICE_ARGS = [("cpu",), ("cuda",), ("cuda:0",), ("cuda:1",), ("cuda", 0), ("cuda", 1), ("cpu", 0),
               ("cpu:0",)]
BAD_DEVICE_ARGS = [("gpu",), ("cuda:x",), ("cuda:-1",), ("cuda:01",), ("cuda:",), (" cuda",), ("CUDA",),
                   ("cuda", -1), ("cuda:0", 1), ("cuda", "0"), (None,), (1.5,)]


def _device_outcome(lib, args):
    try:
        d = lib.device(*args)
    except Exception as error:  # noqa: BLE001 - the class and message are compared
        return type(error).__name__, str(error).split(", but expected")[0].replace(
            "cpu, cuda, ipu, xpu, mkldnn, opengl, opencl, ideep, hip, ve, fpga, maia, xla, lazy, "
            "vulkan, mps, meta, hpu, mtia, privateuseone", "cpu, cuda")
    return repr(d), str(d), d.type, d.index, hash(d) == hash(lib.device(*args))


@pytest.mark.parametrize("args", DEVICE_ARGS + BAD_DEVICE_ARGS, ids=str)
def test_device_names_as_torch(args):
    assert _device_outcome(engine, args) == _device_outcome(torch, args)


def test_device_equality_as_torch():
    pairs = [("cuda", "cuda:0"), ("cuda:0", "cuda:0"), ("cpu", "cpu"), ("cuda", "cpu")]
    for a, b in pairs:
        assert (engine.device(a) == engine.device(b)) == (torch.device(a) == torch.device(b))
    assert (engine.device("cpu") == "cpu") == (torch.device("cpu") == "cpu")  # False: not a string
    assert engine.device(engine.device("cuda:0")) == engine.device("cuda", 0)
    assert engine.device(0) == engine.device("cuda:0")  # a bare index means that GPU


def test_device_pickles():
    import pickle

    assert pickle.loads(pickle.dumps(engine.device("cuda:0"))) == engine.device("cuda:0")


# --- the device API on a GPU --------------------------------------------------------------------------
FACTORIES = {
    "tensor": lambda d: engine.tensor([[1.0, 2.0]], device=d),
    "as_tensor": lambda d: engine.as_tensor([1, 2], device=d),
    "zeros": lambda d: engine.zeros(2, 3, device=d),
    "ones": lambda d: engine.ones((2,), device=d),
    "empty": lambda d: engine.empty(2, device=d),
    "full": lambda d: engine.full((2,), 7.0, device=d),
    "arange": lambda d: engine.arange(5, device=d),
    "linspace": lambda d: engine.linspace(0, 1, 5, device=d),
    "eye": lambda d: engine.eye(3, device=d),
    "rand": lambda d: engine.rand(2, 2, device=d),
    "randn": lambda d: engine.randn(3, device=d),
    "randint": lambda d: engine.randint(0, 5, (4,), device=d),
    "randperm": lambda d: engine.randperm(4, device=d),
    "zeros_like": lambda d: engine.zeros_like(engine.ones(2, device="cpu"), device=d),
    "ones_like": lambda d: engine.ones_like(engine.ones(2, device="cpu"), device=d),
    "full_like": lambda d: engine.full_like(engine.ones(2, device="cpu"), 3, device=d),
    "rand_like": lambda d: engine.rand_like(engine.ones(2, device="cpu"), device=d),
    "randn_like": lambda d: engine.randn_like(engine.ones(2, device="cpu"), device=d),
    "empty_like": lambda d: engine.empty_like(engine.ones(2, device="cpu"), device=d),
}


@pytest.mark.parametrize("name", FACTORIES)
@pytest.mark.parametrize("spec", ["cuda", "cuda:0", "device", 0])
def test_every_factory_takes_a_device(cuda_device, name, spec):
    spec = engine.device("cuda") if spec == "device" else spec
    t = FACTORIES[name](spec)
    assert t.device == cuda_device and repr(t.device) == "device(type='cuda', index=0)"
    assert t.is_cuda and not t.is_cpu and t.get_device() == 0 and is_device_array(t)
    assert FACTORIES[name]("cpu").device == engine.device("cpu")


def test_a_copy_of_a_tensor_stays_on_its_device(cuda_device):
    x = engine.ones(2, device="cuda")
    with pytest.warns(UserWarning, match="To copy construct from a tensor"):
        copy = engine.tensor(x)
        on_cpu = engine.tensor(engine.ones(2, device="cpu"))
    assert copy.device == cuda_device and copy is not x and on_cpu.device == engine.device("cpu")
    assert engine.as_tensor(x) is x and engine.as_tensor(x, device="cpu").device == engine.device("cpu")


def test_like_factories_follow_their_input(cuda_device):
    x = engine.ones(2, dtype=engine.float64, device="cuda")
    for like in (engine.zeros_like, engine.ones_like, engine.rand_like, engine.randn_like, engine.empty_like):
        y = like(x)
        assert y.device == cuda_device and y.dtype == engine.float64


def test_moves_between_devices(cuda_device):
    x = engine.tensor([1.0, 2.0], device="cpu")
    y = x.cuda()
    assert y.device == cuda_device and is_device_array(y) and y.tolist() == [1.0, 2.0]
    assert y.cuda() is y and y.to("cuda") is y and y.to(cuda_device) is y and y.to(0) is y
    assert x.cpu() is x and x.to("cpu") is x
    back = y.cpu()
    assert back.device == engine.device("cpu") and isinstance(back._data, np.ndarray)
    assert back.tolist() == [1.0, 2.0]
    back[0] = 5.0  # a copy: the GPU's values stay
    assert y.tolist() == [1.0, 2.0]
    both = x.to("cuda", engine.float64)
    assert both.device == cuda_device and both.dtype == engine.float64
    keywords = x.to(device="cuda:0", dtype=engine.float16)
    assert keywords.device == cuda_device and keywords.dtype == engine.float16
    like = x.to(engine.ones(1, dtype=engine.int32, device="cuda"))
    assert like.device == cuda_device and like.dtype == engine.int32 and like.tolist() == [1, 2]
    assert y.to(x) is not y and y.to(x).device == engine.device("cpu")
    assert x.cuda(0).device == cuda_device and x.cuda("cuda:0").device == cuda_device


def test_default_device(cuda_device):
    before = engine.get_default_device()
    try:
        engine.set_default_device("cuda")
        assert engine.get_default_device() == cuda_device
        assert repr(engine.get_default_device()) == "device(type='cuda', index=0)"
        for t in (engine.ones(2), engine.tensor([1.0]), engine.arange(3), engine.randn(2), engine.eye(2)):
            assert t.device == cuda_device and is_device_array(t)
        assert engine.from_numpy(np.ones(2)).device == engine.device("cpu")  # numpy's memory
        assert engine.ones(2, device="cpu").device == engine.device("cpu")
        engine.set_default_device(None)
        assert engine.get_default_device() == engine.device("cpu")
        assert engine.ones(2).device == engine.device("cpu")
    finally:
        engine.set_default_device(before)


def test_cuda_module(cuda_device):
    assert engine.cuda.is_available() and engine.cuda.device_count() >= 1
    assert engine.cuda.current_device() == 0
    assert isinstance(engine.cuda.get_device_name(), str) and engine.cuda.get_device_name(0)
    engine.cuda.synchronize()


def test_printing_a_cuda_tensor(cuda_device):
    x = engine.tensor([1.0, 2.0], device="cuda", requires_grad=True)
    assert repr(x) == "tensor([1., 2.], device='cuda:0', requires_grad=True)"
    assert repr(x * 2) == "tensor([2., 4.], device='cuda:0', grad_fn=<MulBackward0>)"
    assert str(engine.tensor([1, 2], device="cuda")) == "tensor([1, 2], device='cuda:0')"
    assert repr(engine.zeros(2, dtype=engine.float64, device="cuda")) == (
        "tensor([0., 0.], device='cuda:0', dtype=torch.float64)"
    )
    assert repr(engine.zeros(0, 2, device="cuda")) == "tensor([], device='cuda:0', size=(0, 2))"
    assert repr(engine.tensor(3.5, device="cuda")) == "tensor(3.5000, device='cuda:0')"
    # the device suffix counts towards the line width, as in PyTorch
    wide = engine.tensor([-599.3806, 1684.7281, 337.0278], device="cuda", requires_grad=True) * 1
    assert repr(wide) == (
        "tensor([-599.3806, 1684.7281,  337.0278], device='cuda:0',\n       grad_fn=<MulBackward0>)"
    )
    big = engine.arange(2000.0, device="cuda")
    assert repr(big) == repr(torch.arange(2000.0))[:-1] + ", device='cuda:0')"
    assert x.type() == "torch.cuda.FloatTensor" and x.long().type() == "torch.cuda.LongTensor"
    assert repr(x.device) == "device(type='cuda', index=0)" and str(x.device) == "cuda:0"


def test_values_leave_the_gpu_only_when_asked(cuda_device):
    x = engine.tensor([[1.5, 2.0]], device="cuda")
    with pytest.raises(TypeError) as caught:
        x.numpy()
    assert str(caught.value) == (
        "can't convert cuda:0 device type tensor to numpy. Use Tensor.cpu() to copy the tensor to "
        "host memory first."
    )
    with pytest.raises(TypeError, match="Use Tensor.cpu()"):
        np.asarray(x)
    assert x.tolist() == [[1.5, 2.0]] and x[0, 1].item() == 2.0 and float(x.sum()) == 3.5
    assert x.cpu().numpy().tolist() == [[1.5, 2.0]]


def test_random_values_are_the_same_on_every_device(cuda_device):
    # engine.random draws on the host and moves the values: a seed means the same numbers
    engine.manual_seed(3)
    on_cpu = engine.randn(5, device="cpu").tolist()
    engine.manual_seed(3)
    assert engine.randn(5, device="cuda").tolist() == on_cpu


# --- mixing devices -----------------------------------------------------------------------------------
MIXED_OPS = {
    "add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b, "pow": lambda a, b: a ** b, "eq": lambda a, b: a == b,
    "maximum": lambda a, b: engine.maximum(a, b), "matmul": lambda a, b: a @ b.t(),
    "mm": lambda a, b: engine.mm(a, b.t()), "cat": lambda a, b: engine.cat([a, b]),
    "stack": lambda a, b: engine.stack([a, b]), "where": lambda a, b: engine.where(a > 0, a, b),
    "clamp": lambda a, b: a.clamp(min=b), "masked_fill": lambda a, b: a.masked_fill(b > 0, 1.0),
    "add_": lambda a, b: a.add_(b), "mul_": lambda a, b: a.mul_(b),
    "mse_loss": lambda a, b: engine.nn.functional.mse_loss(a, b),
}


@pytest.mark.parametrize("name", MIXED_OPS)
@pytest.mark.parametrize("order", ["cuda first", "cpu first"])
def test_mixing_devices_is_torchs_error_and_changes_nothing(cuda_device, name, order):
    a = engine.tensor([[1.0, -2.0], [3.0, 4.0]], device="cuda")
    b = engine.tensor([[0.5, 1.0], [2.0, -1.0]], device="cpu")
    a_before, b_before = a.tolist(), b.tolist()
    first, second = (a, b) if order == "cuda first" else (b, a)
    with pytest.raises(RuntimeError) as caught:
        MIXED_OPS[name](first, second)
    assert str(caught.value) == MIXED
    assert a.tolist() == a_before and b.tolist() == b_before and a._version == b._version == 0


def test_mixing_devices_in_a_graph_changes_nothing(cuda_device):
    w = engine.tensor([1.0, 2.0], device="cuda", requires_grad=True)
    x = engine.tensor([3.0, 4.0], device="cpu", requires_grad=True)
    with pytest.raises(RuntimeError, match="found at least two devices"):
        w * x
    assert w.grad_fn is None and x.grad_fn is None and w.grad is None and x.grad is None


def test_a_0d_cpu_tensor_joins_gpu_ops_as_a_scalar(cuda_device):
    x = engine.tensor([1.0, 2.0], device="cuda")
    two = engine.tensor(2.0, device="cpu")
    for result in (x * two, two * x, x + two, two - x, x / two, x ** two, engine.maximum(x, two),
                   engine.where(x > 1, x, two), x.clamp(max=two), x.masked_fill(x > 1, two)):
        assert result.device == cuda_device and is_device_array(result)
    assert (x * two).tolist() == [2.0, 4.0] and (two - x).tolist() == [1.0, 0.0]
    both_0d = engine.tensor(1.0, device="cuda") + two
    assert both_0d.device == cuda_device and both_0d.item() == 3.0
    # the other way round is an error: a 0-d GPU tensor does not join CPU tensors
    with pytest.raises(RuntimeError) as caught:
        engine.ones(2, device="cpu") * engine.tensor(2.0, device="cuda")
    assert str(caught.value) == MIXED
    # an in-place op keeps its tensor's device: a CPU scalar can't take a GPU result
    s = engine.tensor(1.0, device="cpu")
    with pytest.raises(RuntimeError) as caught:
        s.add_(engine.ones(1, device="cuda"))
    assert str(caught.value) == MIXED and s.item() == 1.0 and s._version == 0
    y = engine.ones(2, device="cuda")
    y.add_(two)
    assert y.tolist() == [3.0, 3.0] and y.device == cuda_device


def test_a_0d_cpu_leaf_gets_its_gradient_on_the_cpu(cuda_device):
    scale = engine.tensor(3.0, device="cpu", requires_grad=True)
    shift = engine.tensor(1.0, device="cpu", requires_grad=True)
    x = engine.tensor([1.0, 2.0], device="cuda", requires_grad=True)
    ((x * scale + shift * 1) ** 2).sum().backward()
    assert scale.grad.device == engine.device("cpu") and isinstance(scale.grad._data, np.ndarray)
    assert shift.grad.device == engine.device("cpu")
    assert x.grad.device == cuda_device and is_device_array(x.grad)
    # d/dscale sum((x s + t)^2) = sum(2 (x s + t) x) = 2 (4 * 1 + 7 * 2) = 36
    assert scale.grad.item() == 36.0 and shift.grad.item() == 22.0
    assert x.grad.tolist() == [24.0, 42.0]


# --- gradients live on their tensor's device --------------------------------------------------------
def test_gradients_of_cuda_leaves_are_cuda_tensors(cuda_device):
    x = engine.tensor([1.0, -2.0, 3.0], device="cuda", requires_grad=True)
    w = engine.randn(3, 2, dtype=engine.float32, device="cuda", requires_grad=True)
    loss = (x @ w).relu().sum() + (x * x).mean()
    loss.backward()
    for leaf in (x, w):
        assert leaf.grad.device == cuda_device and is_device_array(leaf.grad)
        assert leaf.grad.dtype == leaf.dtype and leaf.grad.shape == leaf.shape
    assert repr(x.grad).endswith("device='cuda:0')")
    first = x.grad.tolist()
    (x * x).mean().backward()  # accumulates, on the GPU
    assert x.grad.device == cuda_device
    assert np.allclose(x.grad.tolist(), np.array(first) + 2 * np.array([1.0, -2.0, 3.0]) / 3)


def test_moving_a_leaf_is_differentiable(cuda_device):
    x = engine.tensor([1.0, 2.0], device="cpu", requires_grad=True)
    y = x.cuda()
    t = torch.tensor([1.0, 2.0], requires_grad=True).to(torch.float64)
    assert y.grad_fn.name() == "ToCopyBackward0" and y.requires_grad and not y.is_leaf
    assert [a for a in dir(y.grad_fn) if a.startswith("_saved_")] == [
        a for a in dir(t.grad_fn) if a.startswith("_saved_")
    ]
    (y * y).sum().backward()
    assert x.grad.device == engine.device("cpu") and x.grad.tolist() == [2.0, 4.0]
    z = engine.tensor([1.0, 2.0], device="cuda", requires_grad=True)
    (z.cpu() * 3).sum().backward()
    assert z.grad.device == cuda_device and z.grad.tolist() == [3.0, 3.0]


def test_higher_order_gradients_and_gradcheck_on_the_gpu(cuda_device):
    x = engine.tensor([0.5, -1.0, 2.0], dtype=engine.float64, device="cuda", requires_grad=True)
    (g,) = engine.autograd.grad((x ** 3).sum(), x, create_graph=True)
    (gg,) = engine.autograd.grad(g.sum(), x)
    assert g.device == gg.device == cuda_device
    assert gg.tolist() == [3.0, -6.0, 12.0]
    a = engine.tensor([[0.5, -1.0]], dtype=engine.float64, device="cuda", requires_grad=True)
    b = engine.tensor([[0.3, -0.7], [1.1, 0.2]], dtype=engine.float64, device="cuda", requires_grad=True)
    assert engine.autograd.gradcheck(lambda a, b: (a * b.sin()).softmax(-1) @ b, (a, b))


def test_an_mlp_step_stays_on_the_gpu(cuda_device):
    F = engine.nn.functional
    engine.manual_seed(0)
    x = engine.randn(8, 4, device="cuda")
    target = engine.randint(0, 3, (8,), device="cuda")
    w1 = (engine.randn(4, 16, device="cuda") * 0.5).requires_grad_()
    w2 = (engine.randn(16, 3, device="cuda") * 0.5).requires_grad_()
    losses = []
    for _ in range(5):
        loss = F.cross_entropy(F.gelu(x @ w1) @ w2, target)
        loss.backward()
        with engine.no_grad():
            for w in (w1, w2):
                w -= 0.5 * w.grad
                w.grad = None
        losses.append(loss.item())
    assert losses[-1] < losses[0]
    assert w1.device == w2.device == cuda_device and is_device_array(w1)


# --- the rule behind it all: ops never touch numpy ----------------------------------------------------
def test_no_op_module_imports_numpy():
    modules = sorted((ENGINE / "ops").glob("*.py")) + [ENGINE / "nn" / "functional.py"]
    for path in modules:
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            assert not any(name.split(".")[0] == "numpy" for name in names), path.name


def test_the_stand_in_refuses_numpy_as_cupy_does(cuda_device):
    if DEVICE == "cuda":
        pytest.skip("the real CuPy")
    a = engine.ones(2, 2, device="cuda")._data
    with pytest.raises(TypeError, match="Implicit conversion to a NumPy array is not allowed"):
        np.asarray(a)
    with pytest.raises(TypeError):
        np.exp(a)
    with pytest.raises(TypeError):
        np.concatenate([a, a])
    with pytest.raises(TypeError, match="host array"):
        a + np.ones(2)
    assert type(a.sum()) is type(a) and a.sum().ndim == 0  # no numpy scalars, as CuPy
    assert type(a[0, 0]) is type(a)
