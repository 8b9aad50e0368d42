"""`--engine torch` runs a cell on a real PyTorch; `--compare torch` runs it on both and lists what differs."""
import sys

import pytest

import engine
import grad_magic

torch = pytest.importorskip("torch")

WIDGET = "application/vnd.jupyter.widget-view+json"
MUL_CONSTANT = """
from torch.autograd.function import Function
class MulConstant(Function):
    @staticmethod
    def forward(ctx, tensor, constant):
        ctx.constant = constant
        return tensor * constant
    @staticmethod
    def backward(ctx, grad_output):
        return grad_output, None
"""


def compared():
    view = grad_magic.last_view()
    assert view.widget.compare == view.compare == view.to_dict()["compare"]
    return view.compare


# --- --engine torch -------------------------------------------------------------------------------
def test_engine_torch_runs_the_cell_on_pytorch_and_shows_its_graph(ip, grad):
    ran = grad("x = torch.ones(2, 2, requires_grad=True)\nout = (3 * (x + 2) ** 2).mean()\nout.backward()\n"
               "print(type(x).__module__, torch is __import__('torch'))", "--engine torch")
    assert ran.success and ran.stdout.startswith("torch True\n"), ran.stdout
    assert isinstance(ip.user_ns["x"], torch.Tensor)
    view = grad_magic.last_view()
    assert view.title.endswith(f"on PyTorch {torch.__version__}")
    assert [row["name"] for row in view.tensors] == ["x", "out"]
    labels = [n["label"] for n in view.graph["nodes"]]
    assert {"MeanBackward0", "MulBackward0", "PowBackward0", "AddBackward0", "AccumulateGrad"} <= set(labels)
    assert [float(c["text"]) for row in view.gradient("x")["values"]["rows"] for c in row] == [4.5] * 4


def test_engine_torch_leaves_torch_as_plain_cells_had_it(ip, grad, run):
    modules = {k: v for k, v in sys.modules.items() if k == "torch" or k.startswith("torch.")}
    assert grad("t = torch.ones(2)", "--engine torch").success
    assert "torch" not in ip.user_ns  # bound for the cell only
    assert grad("import torch\nt = torch.ones(2)").success and ip.user_ns["torch"] is engine
    assert grad("inside = torch\nt = torch.ones(2)", "--engine torch").success
    assert ip.user_ns["inside"] is torch and ip.user_ns["torch"] is engine  # back to the user's import
    assert all(sys.modules[k] is v for k, v in modules.items())


def test_engine_torch_without_pytorch_is_a_usage_error(grad, monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)  # what an environment without PyTorch gives
    for option in ("--engine torch", "--compare torch"):
        ran = grad("t = torch.ones(2)", option)
        assert not ran.success and type(ran.error).__name__ == "UsageError"
        assert "PyTorch is not installed here" in str(ran.error)


def test_engine_and_compare_together_is_a_usage_error(grad, run):
    ran = grad("t = torch.ones(2)", "--engine torch --compare torch")
    assert type(ran.error).__name__ == "UsageError" and "already runs on PyTorch" in str(ran.error)
    ran = run("%grad --compare torch")
    assert type(ran.error).__name__ == "UsageError" and "is for a cell" in str(ran.error)


# --- --compare torch ------------------------------------------------------------------------------
def test_a_cell_that_matches_pytorch(ip, grad):
    ran = grad("x = torch.ones(2, 2, requires_grad=True)\nout = (3 * (x + 2) ** 2).mean()\nout.backward()\n"
               "print('printed once')\nout", "--compare torch")
    assert ran.success and ran.stdout.count("printed once") == 1  # PyTorch's run prints nothing
    number = ip.execution_count - 1
    assert isinstance(ip.user_ns["Out"][number], engine.Tensor)  # the cell's output is our run's
    assert isinstance(ip.user_ns["x"], engine.Tensor)  # and so is the namespace
    data = compared()
    assert data["against"] == f"PyTorch {torch.__version__}" and not data["error"]
    assert data["differences"] == [] and data["tab"] == "Compare ✓"
    assert [row["name"] for row in data["checked"]] == ["x", "out"]
    assert data["checked"][0]["values_diff"] == 0.0 and data["checked"][0]["grad_diff"] < 1e-6
    assert data["summary"] == f"2 tensors and 1 gradient: all match PyTorch {torch.__version__}"


def test_random_leaves_get_our_values_in_pytorchs_run(grad):
    ran = grad("x = torch.randn(3, requires_grad=True)\ny = x * 2\nwhile y.data.norm() < 1000:\n"
               "    y = y * 2\ny.backward(torch.tensor([0.1, 1.0, 0.0001]))", "--compare torch")
    assert ran.success
    data = compared()
    assert data["swapped"] == ["x"] and data["differences"] == [], data


def test_random_values_not_bound_to_a_name_show_as_differences(grad):
    assert grad("x = torch.ones(3, requires_grad=True)\ny = x * torch.rand(3)\ny.sum().backward()",
                "--compare torch").success
    data = compared()
    assert data["swapped"] == []
    found = {(d["name"], d["what"]) for d in data["differences"]}
    assert found == {("x", "gradient"), ("y", "values")}
    row = next(d for d in data["differences"] if d["name"] == "y")
    assert row["max_abs_diff"] > 0 and row["ours"].startswith("[") and row["diff_text"] == f"{row['max_abs_diff']:.3g}"
    assert data["tab"] == "Compare (2)"


def test_tensors_of_earlier_cells_enter_pytorchs_run_as_copies(ip, grad):
    assert grad("w = torch.tensor([1.0, 2.0], requires_grad=True)").success
    assert grad("loss = (w ** 3).sum()\nloss.backward()", "--compare torch").success
    data = compared()
    assert data["differences"] == [] and [r["name"] for r in data["checked"]] == ["w", "loss"]
    assert ip.user_ns["w"].grad.tolist() == [3.0, 12.0]  # accumulated once, by our run only


def test_a_custom_function_defined_in_the_cell_is_compared_with_pytorchs(grad):
    body = MUL_CONSTANT + "a = torch.ones(3, requires_grad=True)\nb = MulConstant.apply(a, 5)\nb.sum().backward()"
    assert grad(body, "--compare torch").success
    data = compared()
    assert data["differences"] == [], data


def test_pytorch_failing_where_we_did_not_is_reported(grad):
    assert grad("v = torch.ones(2)\nok = hasattr(torch, 'set_printoptions')\n"
                "out = v.sum() if isinstance(v, __import__('engine').Tensor) else v.no_such_method()",
                "--compare torch").success
    data = compared()
    assert data["error"].startswith("AttributeError:") and data["summary"].startswith(
        f"PyTorch {torch.__version__} raised where our engine did not")
    assert data["tab"] == "Compare (1)"


def test_compare_is_drawn_as_a_fourth_tab_and_in_the_static_views(grad, widget_js):
    ran = grad("x = torch.ones(3, requires_grad=True)\ny = x * torch.rand(3)", "--compare torch")
    drawn = widget_js(grad_magic.last_view().widget)["drawn"]
    assert drawn["tabs"] == ["Tensors", "Graph", "Gradients", "Compare (1)"]
    panel = drawn["panels"]["Compare (1)"]
    assert "1 difference(s) from PyTorch" in panel and "what differs" in panel and "max abs diff" in panel
    bundle = next(o.data for o in ran.outputs if WIDGET in o.data)
    assert "Compare" in bundle["text/html"] and "y: values differs" in bundle["text/plain"]
