"""The engine's tests run on the CPU; ENGINE_TEST_DEVICE runs them all again on another device.

    ENGINE_TEST_DEVICE=fake-cuda   'cuda' is a stand-in CuPy (fake_cupy.py beside this file) whose
                                   arrays refuse numpy, and the default device: every tensor a
                                   test makes without a device lives there, so an op that slips
                                   into numpy fails (`make test` runs this after the plain run)
    ENGINE_TEST_DEVICE=cuda        the same on a real GPU with the real CuPy (bench/gpu_check.py)

Tests compare with PyTorch on the CPU: their helpers bring engine tensors over with `.cpu()`, and
read what the engine prints or raises through `on_device.cpu_text` (a CUDA tensor prints
`device='cuda:0'`, its type is torch.cuda.FloatTensor). Tests of the CPU itself (numpy sharing
a tensor's memory) are marked `cpu_only`, and skipped on another device.
"""
import pathlib
import sys

import pytest

import engine

# the tests here import their helpers (fake_cupy, on_device) by name
sys.path.insert(0, str(pathlib.Path(__file__).parent))

import fake_cupy  # noqa: E402
from on_device import DEVICE  # noqa: E402

if DEVICE == "fake-cuda":
    fake_cupy.install()
    engine.set_default_device("cuda")
elif DEVICE == "cuda":
    engine.set_default_device("cuda")  # the real CuPy; fails here, plainly, without a GPU
elif DEVICE != "cpu":
    raise pytest.UsageError(f"ENGINE_TEST_DEVICE={DEVICE!r}: use cpu, fake-cuda or cuda")

def pytest_report_header(config):
    return f"engine default device: {engine.get_default_device()} (ENGINE_TEST_DEVICE={DEVICE})"


def pytest_collection_modifyitems(config, items):
    if DEVICE == "cpu":
        return
    skip = pytest.mark.skip(reason=f"about the CPU itself; not run with ENGINE_TEST_DEVICE={DEVICE}")
    for item in items:
        if item.get_closest_marker("cpu_only"):
            item.add_marker(skip)


def pytest_configure(config):
    config.addinivalue_line("markers", "cpu_only: a test about the CPU itself; skipped on another device")


@pytest.fixture
def cuda_device(monkeypatch):
    """A 'cuda' device for one test: the real GPU under ENGINE_TEST_DEVICE=cuda, else the stand-in
    CuPy (installed for this test only, unless the whole run uses it)."""
    if DEVICE == "cpu":
        fake_cupy.install(monkeypatch)
    return engine.device("cuda", 0)
