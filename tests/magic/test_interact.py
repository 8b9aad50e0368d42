"""`--interact x,k`: sliders for small leaf tensors and numbers; a move re-runs the cell in place."""
import gc
import weakref

import pytest

import engine
import grad_magic

WIDGET = "application/vnd.jupyter.widget-view+json"
CELL = """
k = 2.0
x = torch.tensor([1.0, 2.0], requires_grad=True)
y = (x * k).pow(2).sum()
y.backward()
print('y is', y.item())
"""


def widget():
    return grad_magic.last_view().widget


def move(name, index, value):
    """Let a slider go at `value`, as the front end reports it; the widget after the re-run."""
    shown = widget()
    shown.interact_request = {"name": name, "index": index, "value": value, "seq": shown.interact.get("runs", 0)}
    return shown


def grad_values(shown, name):
    row = next(r for r in shown.gradients if r["name"] == name)
    return [float(c["text"]) for line in row["values"]["rows"] for c in line]


def test_one_slider_per_element_around_the_value(grad):
    ran = grad(CELL, "--interact x,k")
    assert ran.success and ran.stdout == "y is 20.0\n"
    controls = widget().interact["controls"]
    assert widget().interact == grad_magic.last_view().interact
    assert [(c["label"], c["value"], c["min"], c["max"]) for c in controls] == [
        ("x[0]", 1.0, 0.0, 2.0), ("x[1]", 2.0, 0.0, 4.0), ("k", 2.0, 0.0, 4.0)]
    assert all(c["step"] == (c["max"] - c["min"]) / 100 for c in controls)


def test_a_move_reruns_the_cell_and_redraws_the_same_widget(ip, grad):
    assert grad(CELL, "--interact x,k").success
    first = widget()
    shown = move("x", [0], 3.0)
    assert shown is first  # the same widget, new traits
    assert shown.interact["runs"] == 1 and shown.interact["stdout"] == "y is 52.0\n" and not shown.interact["error"]
    assert [c["value"] for c in shown.interact["controls"]] == [3.0, 2.0, 2.0]
    assert grad_values(shown, "x") == [24.0, 16.0]  # d/dx sum((2x)^2) = 8x, x.grad not accumulated
    assert ip.user_ns["x"].tolist() == [3.0, 2.0] and ip.user_ns["x"].requires_grad and ip.user_ns["x"].is_leaf
    x_row = next(row for row in shown.tensors if row["name"] == "x")
    assert [float(c["text"]) for line in x_row["values"]["rows"] for c in line] == [3.0, 2.0]
    move("k", [], 1.0)
    assert ip.user_ns["k"] == 1.0 and ip.user_ns["x"].grad.tolist() == [6.0, 4.0]
    assert grad_magic.last_view() is shown.view


def test_a_rerun_adds_nothing_to_the_history(ip, grad, capsys):
    assert grad(CELL + "y", "--interact x").success
    count, inputs, outputs, last = ip.execution_count, list(ip.user_ns["In"]), dict(ip.user_ns["Out"]), ip.user_ns["_"]
    move("x", [1], 0.5)
    assert ip.execution_count == count and ip.user_ns["In"] == inputs and ip.user_ns["Out"] == outputs
    assert ip.user_ns["_"] is last
    assert capsys.readouterr().out == ""  # what the re-run printed went to the widget


def test_old_runs_leave_nothing_behind(ip, grad):
    assert grad(CELL, "--interact x").success
    old_x, old_node = weakref.ref(ip.user_ns["x"]), weakref.ref(ip.user_ns["y"])
    move("x", [0], 1.5)
    move("x", [0], 0.5)
    gc.collect()
    assert old_x() is None and old_node() is None
    assert ip.user_ns["x"].tolist() == [0.5, 2.0]


def test_the_value_goes_in_right_after_the_statement_that_makes_the_leaf(ip, grad):
    body = ("a = torch.randn(2)\na = ((a * 3) / (a - 1))\nprint(a.requires_grad)\n"
            "a.requires_grad_(True)\nb = (a * a).sum()\nb.backward()")
    assert grad(body, "--interact a").success
    shown = move("a", [1], 0.25)
    a = ip.user_ns["a"]
    assert shown.interact["stdout"] == "False\n"  # a is swapped before line 3 sees it, flags kept
    assert a.tolist()[1] == 0.25 and a.requires_grad and a.is_leaf
    assert ip.user_ns["b"].item() == pytest.approx(sum(v * v for v in a.tolist()))
    assert grad_values(shown, "a") == pytest.approx([2 * v for v in a.tolist()], rel=1e-4)


def test_a_name_from_an_earlier_cell_is_swapped_before_the_first_line(ip, grad):
    assert grad("w = torch.tensor(2.0, requires_grad=True)").success
    assert grad("loss = w ** 3\nloss.backward()", "--interact w").success
    [control] = widget().interact["controls"]
    assert control["label"] == "w" and control["value"] == 2.0
    move("w", [], 1.0)
    assert ip.user_ns["w"].item() == 1.0 and ip.user_ns["w"].grad.item() == 3.0  # a fresh leaf: 3w^2


def test_a_failed_rerun_says_why_and_keeps_what_it_left(ip, grad):
    assert grad("x = torch.tensor(1.0, requires_grad=True)\nassert x.item() < 1.5, 'too big'\ny = x * 2",
                "--interact x").success
    shown = move("x", [], 1.8)
    assert shown.interact["error"] == "AssertionError: too big"
    assert ip.user_ns["x"].item() == pytest.approx(1.8)  # the namespace as the re-run left it
    assert ip.user_ns["y"].item() == 2.0  # y from the last run that got that far
    move("x", [], 0.5)
    assert not widget().interact["error"] and ip.user_ns["y"].item() == 1.0


def test_a_rerun_whose_backward_fails_shows_what_went_wrong(grad):
    body = "x = torch.tensor(1.0, requires_grad=True)\ny = x * x\ny.backward()\nif x.item() > 1.5:\n    y.backward()"
    assert grad(body, "--interact x").success
    shown = move("x", [], 1.9)
    assert shown.failure["kind"] == "freed" and shown.failure["tensor"] == "y"
    assert shown.interact["error"].startswith("RuntimeError: Trying to backward through the graph a second time")
    move("x", [], 1.0)
    assert widget().failure == {}


def test_integers_get_whole_steps(ip, grad):
    assert grad("n = 3\nx = torch.ones(n, requires_grad=True)\ns = x.sum()", "--interact n").success
    [control] = widget().interact["controls"]
    assert (control["min"], control["max"], control["step"], control["text"]) == (-2.0, 8.0, 1.0, "3")
    move("n", [], 5.4)
    assert ip.user_ns["n"] == 5 and ip.user_ns["x"].shape == (5,)


@pytest.mark.parametrize("body, options, message", [
    ("x = torch.ones(2, requires_grad=True)\ny = x * 2", "--interact y",
     "--interact: 'y' is not a leaf tensor (it comes from MulBackward0); name a leaf it is computed from"),
    ("big = torch.ones(100)", "--interact big",
     "--interact: 'big' has 100 elements; sliders are for tensors of at most 16"),
    ("x = torch.ones(2)", "--interact nothing", "--interact: 'nothing' is not defined after the cell ran"),
    ("items = [1, 2]", "--interact items", "--interact: 'items' is a list, not a tensor or a number"),
    ("m = torch.ones(2) > 0", "--interact m", "--interact: 'm' is a torch.bool tensor; sliders need real numbers"),
    ("x = torch.ones(2)", "--interact x --quiet", "--interact shows sliders in the widget, which --quiet leaves out"),
    ("x = torch.ones(2)", "--interact x,2y", "--interact takes names separated by commas, like --interact x,w (got 'x,2y')"),
    ("x = torch.ones(4, 4)\nw = torch.ones(4, 4)\nv = torch.ones(4)", "--interact x,w,v",
     "--interact: 36 sliders is too many (at most 32)"),
])
def test_names_that_cant_have_sliders_are_one_line_usage_errors(grad, body, options, message):
    ran = grad(body, options)
    assert not ran.success and type(ran.error).__name__ == "UsageError"
    assert str(ran.error) == message
    assert ran.stderr.strip() == f"UsageError: {message}"


def test_the_line_magic_refuses_interact(run):
    ran = run("%grad --interact x")
    assert type(ran.error).__name__ == "UsageError" and "--interact is for a cell" in str(ran.error)


def test_widget_js_draws_the_sliders_and_reports_a_move(ip, grad, widget_js):
    assert grad(CELL, "--interact x").success
    shown = widget()
    result = widget_js(shown)
    drawn, sets = result["drawn"], dict(result["sets"])
    assert drawn["sliders"] == [["x[0]", "0", "2"], ["x[1]", "0", "4"]] and drawn["busy"]
    request = sets["interact_request"]
    assert (request["name"], request["index"], request["value"]) == ("x", [0], 2)
    shown.interact_request = request  # what the front end sent, back in Python
    assert ip.user_ns["x"].tolist() == [2.0, 2.0] and shown.interact["runs"] == 1


def test_static_views_list_the_values(grad):
    ran = grad(CELL, "--interact x")
    bundle = next(o.data for o in ran.outputs if WIDGET in o.data)
    assert "What if: x[0] = 1, x[1] = 2  (sliders need a live widget)" in bundle["text/plain"]
    assert "What if: x[0] = 1, x[1] = 2" in bundle["text/html"]


def test_sliders_on_a_real_pytorch(ip, grad):
    torch = pytest.importorskip("torch")
    assert grad(CELL, "--engine torch --interact x").success
    move("x", [1], 1.0)
    x = ip.user_ns["x"]
    assert isinstance(x, torch.Tensor) and x.tolist() == [1.0, 1.0] and x.grad.tolist() == [8.0, 8.0]
    assert "torch" not in ip.user_ns  # bound for the cell's runs only


def test_sliders_with_compare_compare_each_rerun(ip, grad):
    pytest.importorskip("torch")
    assert grad(CELL, "--interact x --compare torch").success
    shown = move("x", [0], -1.0)
    assert shown.compare["differences"] == [] and shown.compare["swapped"] == ["x"]
    assert isinstance(ip.user_ns["x"], engine.Tensor)
