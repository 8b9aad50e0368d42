"""A failed backward: the cell fails with the real exception, and the widget says what happened."""
import pytest

import grad_magic

WIDGET = "application/vnd.jupyter.widget-view+json"
FORWARD = "x = torch.ones(2, requires_grad=True)\nout = (x * x).sum()\n"


def failed(ran, error_type=RuntimeError):
    """The failure data of a cell that must have failed with `error_type`, showing a widget."""
    assert not ran.success and isinstance(ran.error, error_type), ran.stdout
    assert "Traceback" in ran.stdout or "---->" in ran.stdout  # IPython's real traceback is there
    assert [o for o in ran.outputs if WIDGET in o.data], "no widget for the failed cell"
    view = grad_magic.last_view()
    assert view.widget.failure == view.failure
    return view.failure


def node_label(view, node_id):
    return next(n["label"] for n in view.graph["nodes"] if n["id"] == node_id)


def test_a_second_backward_names_the_node_and_the_fix(grad):
    ran = grad(FORWARD + "out.backward()\nout.backward()")
    failure = failed(ran)
    assert "backward through the graph a second time" in ran.stdout  # PyTorch's own words, as raised
    assert failure["kind"] == "freed" and failure["tensor"] == "out" and failure["node"] == "MulBackward0"
    assert failure["call"] == "out.backward()" and failure["line"] == 5  # the cell's line 5 (%%grad is 1)
    assert failure["text"].startswith("`out.backward()` went back through MulBackward0 a second time")
    assert "retain_graph=True" in failure["text"]
    assert failure["error"].startswith("RuntimeError: Trying to backward through the graph a second time")
    view = grad_magic.last_view()
    assert node_label(view, failure["node_id"]) == "MulBackward0"
    assert view.tensor("out")["grad_fn"] == "SumBackward0"


def test_a_second_backward_in_a_later_cell_draws_the_graph_it_was_about(grad):
    assert grad(FORWARD).success
    assert grad("out.backward()").success
    failure = failed(grad("out.backward()"))
    view = grad_magic.last_view()
    assert failure["tensor"] == "out" and failure["node"] == "MulBackward0"
    assert [row["name"] for row in view.tensors] == ["out"]  # unchanged, but what the failure is about
    assert any(n["label"].startswith("out") for n in view.graph["nodes"])


def test_backward_from_a_tensor_without_grad_says_which_leaves_lack_it(grad):
    failure = failed(grad("a = torch.ones(2)\nb = (a * 2).sum()\nb.backward()"))
    assert failure["kind"] == "no_grad" and failure["tensor"] == "b" and failure["node"] is None
    assert "`b.backward()` was called on `b`, which does not require grad" in failure["text"]
    assert "the leaves of this cell, a, have requires_grad=False" in failure["text"]
    assert failure["error"] == "RuntimeError: element 0 of tensors does not require grad and does not have a grad_fn"


def test_an_in_place_change_names_the_changed_tensor_and_the_node_that_saved_it(grad):
    failure = failed(grad("x = torch.ones(2, requires_grad=True)\nq = x * 2\nv = q * q\nq += 1\nv.sum().backward()"))
    assert failure["kind"] == "inplace" and failure["tensor"] == "q" and failure["node"] == "MulBackward0"
    assert "needs `q` as it was when MulBackward0 saved it for backward (version 0)" in failure["text"]
    assert "(it is at version 1)" in failure["text"] and "q = q.clone()" in failure["text"]
    assert node_label(grad_magic.last_view(), failure["node_id"]) == "MulBackward0"


def test_backward_from_many_elements_without_a_gradient(grad):
    failure = failed(grad("x = torch.ones(3, requires_grad=True)\ny = x * 2\ny.backward()"))
    assert failure["kind"] == "not_scalar" and failure["tensor"] == "y"
    assert "`y` of shape (3,), with 3 elements" in failure["text"]
    assert "y.backward(torch.ones_like(y))" in failure["text"]


def test_backward_inside_a_function_of_the_cell_points_at_its_line(grad):
    body = "def step(t):\n    t.backward()\n" + FORWARD + "step(out)\nstep(out)"
    failure = failed(grad(body))
    assert failure["call"] == "t.backward()" and failure["line"] == 3 and failure["tensor"] == "out"


def test_other_errors_still_show_no_widget(grad):
    ran = grad("a = torch.ones(2)\n1 / 0")
    assert not ran.success and ran.outputs == [] and grad_magic.last_view() is None


def test_quiet_keeps_the_failure_in_last_view(grad):
    ran = grad(FORWARD + "out.backward()\nout.backward()", "--quiet")
    assert not ran.success and ran.outputs == []
    assert grad_magic.last_view().failure["kind"] == "freed"


def test_static_html_and_text_say_it_too_escaped(grad):
    ran = grad("a = torch.ones(2)\nb = a.sum()\nb.backward(None if '<i>' else 0)")
    bundle = next(o.data for o in ran.outputs if WIDGET in o.data)
    assert "What went wrong: Backward from a tensor that does not require grad" in bundle["text/plain"]
    assert "What went wrong: Backward from a tensor that does not require grad" in bundle["text/html"]
    assert grad_magic.last_view().failure["call"] == "b.backward(None if '<i>' else 0)"
    assert "b.backward(None if &#x27;&lt;i&gt;&#x27; else 0)" in bundle["text/html"]
    assert "<i>" not in bundle["text/html"].split('<div class="grad-magic-static"')[0]  # the box before the view


def test_widget_js_draws_the_box_above_the_tabs(grad, widget_js):
    failed(grad(FORWARD + "out.backward()\nout.backward()"))
    drawn = widget_js(grad_magic.last_view().widget)["drawn"]
    assert "What went wrong: Backward through a freed graph" in drawn["failure"]
    assert "retain_graph=True" in drawn["failure"] and "show MulBackward0 in the graph" in drawn["failure"]
    assert drawn["tabs"] == ["Tensors", "Graph", "Gradients"]


@pytest.mark.parametrize("body, kind, tensor, node", [
    (FORWARD + "out.backward()\nout.backward()", "freed", "out", "MulBackward0"),
    ("x = torch.ones(2, requires_grad=True)\nq = x * 2\nv = q * q\nq += 1\nv.sum().backward()", "inplace", "q", "MulBackward0"),
    ("a = torch.ones(2)\nb = a.sum()\nb.backward()", "no_grad", "b", None),
])
def test_a_real_pytorch_fails_the_same_way_and_is_explained_the_same(grad, body, kind, tensor, node):
    pytest.importorskip("torch")
    ran = grad(body, "--engine torch")
    failure = failed(ran)
    assert (failure["kind"], failure["tensor"], failure["node"]) == (kind, tensor, node)
    assert type(ran.error).__module__ == "builtins"  # PyTorch's own RuntimeError, as raised
