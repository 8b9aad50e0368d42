"""%grad (line): show the settings, change the defaults of later cells, refuse what can't be had."""
import pytest
from IPython.core.error import UsageError

import engine
import grad_magic


@pytest.fixture(autouse=True)
def default_settings(ip):
    yield
    ip.run_line_magic("grad", "--reset --device cpu")


def test_grad_prints_the_settings(run):
    ran = run("%grad")
    assert ran.success
    lines = dict(line.split(None, 1) for line in ran.stdout.splitlines())
    assert lines["engine"] == engine.__version__
    assert lines["device"].startswith("cpu")
    assert lines["CUDA"].startswith("available" if engine.cuda.is_available() else "not available")
    assert lines["renderer"].startswith("auto: builtin layout")
    assert lines["max"].endswith("300")


def test_defaults_apply_to_later_cells(run, grad):
    assert run("%grad --max-nodes 7 --no-graph").success
    ran = grad("a = torch.ones(2, requires_grad=True) * 2")
    assert ran.success and grad_magic.last_view().graph is None
    assert run("%grad --reset").success
    assert grad("a = torch.ones(2, requires_grad=True) * 2").success
    assert grad_magic.last_view().graph is not None


def test_quiet_by_default(run, grad):
    assert run("%grad --quiet").success
    assert grad("a = torch.ones(2) * 2").outputs == []
    assert grad_magic.last_view().tensor("a")


def test_a_cell_option_overrides_for_that_cell_only(run, grad):
    assert run("%grad --no-graph").success
    ran = grad("h = torch.ones(2, requires_grad=True)\nfor _ in range(20):\n    h = h * 2", "--max-nodes 5")
    assert ran.success
    assert grad_magic.last_view().graph is None  # the default still holds


def test_roots_is_for_cells(run):
    ran = run("%grad --roots a")
    assert isinstance(ran.error, UsageError)


@pytest.mark.skipif(engine.cuda.is_available(), reason="this machine has CUDA")
def test_an_impossible_device_is_refused_and_the_old_one_stays(run):
    ran = run("%grad --device cuda")
    assert isinstance(ran.error, UsageError) and "CUDA" in str(ran.error)
    assert str(engine.get_default_device()) == "cpu"
    assert run("%grad").stdout.count("device     cpu") == 1


@pytest.mark.skipif(not engine.cuda.is_available(), reason="needs CUDA (CuPy and a GPU)")
def test_cuda_cells_show_host_values(run, grad):
    ran = grad("g = torch.ones(2, 2, requires_grad=True)\nloss = (g * 3).sum()\nloss.backward()", "--device cuda")
    assert ran.success
    view = grad_magic.last_view()
    assert view.tensor("g")["device"].startswith("cuda")
    assert str(engine.get_default_device()) == "cpu"
    assert [[c["text"] for c in row] for row in view.gradient("g")["values"]["rows"]] == [["3.", "3."], ["3.", "3."]]
