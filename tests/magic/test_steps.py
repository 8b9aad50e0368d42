"""Backward step by step, gradients on the graph's edges, and non-leaf gradients, through a real shell."""
import shutil
import xml.etree.ElementTree as ET

import pytest

import grad_magic
from grad_magic import steps
from grad_magic.backward_rules import CUSTOM
from grad_magic.graph import build_graph
from grad_magic.views.details import NOT_KEPT

SEED = "import torch\nx = torch.ones(2,2,requires_grad=True)\ny = x + 2\nz = y * y * 3\nout = z.mean()"
SEED_ORDER = ["MeanBackward0", "MulBackward0", "MulBackward0", "AddBackward0", "AccumulateGrad"]


def values(block):
    return [[cell["text"] for cell in row] for row in block["rows"]]


def numbers(block):
    return [[float(text) for text in row] for row in values(block)]


def blocks_of(step):
    return {b["label"].split(":")[0]: b["values"] for b in step["blocks"]}


def labels_of(view):
    return {n["id"]: n["label"] for n in view.graph["nodes"]}


def test_a_backward_in_the_cell_is_recorded_in_the_engines_order(grad):
    assert grad(SEED + "\nout.backward()").success
    view = grad_magic.last_view()
    recorded = view.graph["steps"]
    labels = labels_of(view)
    assert [s["title"] for s in recorded] == SEED_ORDER
    assert [labels[s["node"]] for s in recorded] == SEED_ORDER  # each step is a node of the drawing
    assert recorded[0]["caption"] == "out.backward(): run 1 of 1, step 1 of 5"

    mean = recorded[0]
    assert dict(mean["fields"])["rule"] == "grad / numel, spread to every element"
    assert numbers(blocks_of(mean)["gradient arriving, the gradient of out"]) == [[1.0]]
    assert numbers(blocks_of(mean)["sent to MulBackward0 (input 0)"]) == [[0.25, 0.25], [0.25, 0.25]]
    edges = view.graph["edges"]
    assert [edges[int(e[1:])] for e in mean["edges"]] == [{"from": mean["node"], "to": recorded[1]["node"], "slot": 0}]

    square = recorded[2]  # y * y sends a gradient down both of its edges, to the same AddBackward0
    assert len(square["edges"]) == 2
    assert [b["label"] for b in square["blocks"][1:]] == [
        "sent to AddBackward0 (input 0): (2, 2) ‖g‖=4.5", "sent to AddBackward0 (input 1): (2, 2) ‖g‖=4.5"]
    add = recorded[3]  # where the two paths meet, the gradient arriving is their sum, y's gradient
    arriving = blocks_of(add)["gradient arriving (the sum of what 2 edges brought), the gradient of y"]
    assert numbers(arriving) == [[4.5, 4.5], [4.5, 4.5]]


def test_accumulate_grad_shows_the_leaf_before_and_after(grad):
    assert grad(SEED + "\nout.backward(retain_graph=True)\nout.backward()").success
    recorded = grad_magic.last_view().graph["steps"]
    assert len(recorded) == 10
    first, second = recorded[4], recorded[9]
    assert first["title"] == second["title"] == "AccumulateGrad"
    assert first["caption"].endswith("run 1 of 2, step 5 of 5") and second["caption"].endswith("run 2 of 2, step 5 of 5")
    assert dict(first["fields"])["rule"] == "leaf.grad += grad  (the first time: leaf.grad = grad)"
    assert dict(first["fields"])["x.grad before"] == "None (its first gradient)"
    assert numbers(blocks_of(first)["x.grad after"]) == [[4.5, 4.5], [4.5, 4.5]]
    assert numbers(blocks_of(second)["x.grad before"]) == [[4.5, 4.5], [4.5, 4.5]]
    assert numbers(blocks_of(second)["x.grad after"]) == [[9.0, 9.0], [9.0, 9.0]]
    assert second["edges"] and first["node"] == second["node"]


def test_a_backward_in_a_later_cell_is_that_cells_steps(grad):
    assert grad(SEED).success
    assert grad_magic.last_view().graph["steps"] == []  # no backward yet
    assert grad("out.backward(retain_graph=True)").success
    assert [s["title"] for s in grad_magic.last_view().graph["steps"]] == SEED_ORDER
    assert grad("out.backward()").success  # accumulates: the later cell sees the earlier .grad
    last = grad_magic.last_view().graph["steps"][-1]
    assert numbers(blocks_of(last)["x.grad before"]) == [[4.5, 4.5], [4.5, 4.5]]
    assert numbers(blocks_of(last)["x.grad after"]) == [[9.0, 9.0], [9.0, 9.0]]


def test_backward_with_a_gradient_starts_from_it(grad):
    body = ("x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)\ny = x * 2\n"
            "y.backward(torch.tensor([0.1, 1.0, 0.0001]))")
    assert grad(body).success
    first, last = grad_magic.last_view().graph["steps"][0], grad_magic.last_view().graph["steps"][-1]
    assert first["caption"].startswith("y.backward(gradient): ")
    assert numbers(blocks_of(first)["gradient arriving, the gradient of y"]) == [[0.1, 1.0, 0.0001]]
    assert dict(first["fields"])["rule"] == "grad * other to self, grad * self to other"
    assert numbers(blocks_of(last)["x.grad after"]) == [[0.2, 2.0, 0.0002]]


def test_autograd_grad_is_recorded_too(grad):
    assert grad("x = torch.ones(3, requires_grad=True)\ny = (x * x).sum()\n(g,) = torch.autograd.grad(y, x)").success
    recorded = grad_magic.last_view().graph["steps"]
    assert recorded[0]["caption"].startswith("torch.autograd.grad(y, …): ")
    assert [s["title"] for s in recorded] == ["SumBackward0", "MulBackward0"]  # no .grad is written


def test_a_custom_function_gets_the_generic_rule(grad):
    body = '''
class Twice(torch.autograd.Function):
    @staticmethod
    def forward(ctx, t):
        return t * 2
    @staticmethod
    def backward(ctx, g):
        return g * 2
a = torch.ones(2, requires_grad=True)
b = Twice.apply(a).sum()
b.backward()
'''
    assert grad(body).success
    recorded = {s["title"]: s for s in grad_magic.last_view().graph["steps"]}
    assert dict(recorded["TwiceBackward"]["fields"])["rule"] == CUSTOM


def test_the_recording_is_only_inside_the_cell(grad, run):
    import engine

    original = engine.autograd.backward
    assert grad(SEED + "\nkept = torch.autograd.backward").success
    assert engine.autograd.backward is original  # put back after the cell
    assert run("out.backward(retain_graph=True)\nkept(out)").success  # a kept wrapper still works
    assert grad("print(x.grad[0, 0].item())").stdout == "9.0\n"


def test_a_long_backward_keeps_its_first_steps(grad, monkeypatch):
    monkeypatch.setattr(steps, "STEP_LIMIT", 5)
    assert grad("x = torch.ones(1, requires_grad=True)\ny = x\nfor _ in range(10):\n    y = y * 2\ny.sum().backward()").success
    recorded = grad_magic.last_view().graph["steps"]
    assert len(recorded) == 5
    assert dict(recorded[-1]["fields"])["not recorded"] == "7 more steps (a cell keeps its first 5)"


# --- gradients on the edges -----------------------------------------------------------------------
def test_each_edge_shows_the_gradient_that_went_along_it(grad):
    assert grad(SEED + "\nout.backward()").success
    graph = grad_magic.last_view().graph
    labels = {n["id"]: n["label"].split(" ")[0] for n in graph["nodes"]}
    on_edges = {(labels[e["from"]], labels[e["to"]], e["slot"]): text
                for e, text in zip(graph["edges"], graph["grads"]["edges"])}
    assert on_edges[("out", "MeanBackward0", 0)] == "scalar ‖g‖=1"  # where backward started
    assert on_edges[("MeanBackward0", "MulBackward0", 0)] == "(2, 2) ‖g‖=0.5"
    assert on_edges[("MulBackward0", "AddBackward0", 0)] == on_edges[("MulBackward0", "AddBackward0", 1)] == "(2, 2) ‖g‖=4.5"
    assert on_edges[("AccumulateGrad", "x", 0)] == "(2, 2) ‖g‖=9"
    assert on_edges[("y", "AddBackward0", 0)] is None  # a named tensor's edge: its gradient is the sum below
    add = next(n for n, label in labels.items() if label == "AddBackward0")
    assert graph["grads"]["nodes"] == {add: "Σ (2, 2) ‖g‖=9"}
    assert graph["svg"].count("‖g‖") == 0
    assert "Σ (2, 2) ‖g‖=9" in graph["svg_grads"] and graph["svg_grads"].count("(2, 2) ‖g‖=4.5") == 2


def test_no_backward_no_gradients_on_edges(grad):
    assert grad(SEED).success
    graph = grad_magic.last_view().graph
    assert graph["grads"] is None and graph["svg_grads"] == ""


def svg_root(text):
    return ET.fromstring(text)


@pytest.mark.parametrize("renderer", ["builtin", "graphviz"])
def test_both_drawings_label_edges_and_give_them_ids(grad, renderer):
    if renderer == "graphviz" and shutil.which("dot") is None:
        pytest.skip("Graphviz `dot` is not installed")
    assert grad(SEED + "\nout.backward()", options=f"--renderer {renderer}").success
    graph = grad_magic.last_view().graph
    for text in (graph["svg"], graph["svg_grads"]):
        ids = [g.get("id") for g in svg_root(text).iter("{http://www.w3.org/2000/svg}g") if "edge" in (g.get("class") or "")]
        assert ids == [f"e{k}" for k in range(len(graph["edges"]))]
    drawn_text = " ".join(t.text or "" for t in svg_root(graph["svg_grads"]).iter("{http://www.w3.org/2000/svg}text"))
    assert "(2, 2) ‖g‖=0.5" in drawn_text and "Σ (2, 2) ‖g‖=9" in drawn_text


def test_the_dot_with_gradients_has_external_labels():
    import engine

    x = engine.ones(2, requires_grad=True)
    out = (x * x).sum()
    out.backward()
    graph = build_graph([("out", out)], {id(x): "x"})
    from grad_magic import gradflow

    gradflow.watch([out.grad_fn])  # hooked after this backward: nothing flowed yet
    assert gradflow.grad_labels(graph) is None
    out2 = (x * x).sum()
    gradflow.watch([out2.grad_fn])
    out2.backward()
    graph = build_graph([("out", out2)], {id(x): "x"})
    dot = graph.to_dot(gradflow.grad_labels(graph))
    assert 'xlabel="(2,) ‖g‖=1.414"' in dot and 'xlabel="(2,) ‖g‖=2.828"' in dot  # x * x: x, x; then 2x
    assert 'xlabel="Σ (2,) ‖g‖=2.828"' in dot  # at AccumulateGrad, where the two meet
    assert 'id=e0' in dot or 'id="e0"' in dot


# --- non-leaf gradients ---------------------------------------------------------------------------
def test_non_leaf_gradients_say_they_are_not_kept(grad):
    assert grad(SEED + "\ny.retain_grad()\nout.backward()").success
    view = grad_magic.last_view()
    rows = {row["name"]: row for row in view.gradients}
    assert rows["z"]["status"] == NOT_KEPT == "not kept (call .retain_grad())"
    assert rows["z"]["of"] == "non-leaf" and rows["z"]["values"] is None
    assert rows["y"]["of"] == "retained non-leaf" and numbers(rows["y"]["values"]) == [[4.5, 4.5], [4.5, 4.5]]
    nodes = {n["label"].split(" ")[0]: n["id"] for n in view.graph["nodes"]}
    assert dict(view.node_detail(nodes["z"])["fields"])["grad"] == NOT_KEPT  # named on the graph
    assert "grad" in {b["label"] for b in view.node_detail(nodes["y"])["blocks"]}
    html = view.widget._repr_mimebundle_()[0]["text/html"]
    assert "not kept (call .retain_grad())" in html


def test_a_retained_gradient_not_computed_yet(grad):
    assert grad("x = torch.ones(2, requires_grad=True)\ny = x * 2\ny.retain_grad()").success
    view = grad_magic.last_view()
    assert view.gradient("y")["status"] == "not computed yet"
    node = next(n["id"] for n in view.graph["nodes"] if n["label"].startswith("y "))
    assert dict(view.node_detail(node)["fields"])["grad"] == "not computed yet"


# --- the widget and real PyTorch ------------------------------------------------------------------
def test_the_widget_carries_the_steps_and_the_labelled_drawing(grad):
    assert grad(SEED + "\nout.backward()").success
    view = grad_magic.last_view()
    widget = view.widget
    assert widget.steps == view.graph["steps"] and widget.step == 0
    assert widget.svg_grads == view.graph["svg_grads"]
    widget.step = 3  # what the front end's slider sets
    assert widget.step == 3 and view.to_dict()["graph"]["steps"][3]["title"] == "AddBackward0"


def test_steps_of_real_pytorch():
    torch = pytest.importorskip("torch")
    x = torch.ones(2, 2, requires_grad=True)
    y = x + 2
    out = (y * y * 3).mean()
    names = {id(x): "x", id(y): "y", id(out): "out"}
    with steps.recording(torch) as recorder:
        out.backward(retain_graph=True)
        torch.autograd.backward(out)
    assert not hasattr(torch.autograd.backward, "__wrapped__")  # put back
    graph = build_graph([("out", out)], names, tensors=[("y", y)])
    recorded = steps.step_views(recorder, graph, names)
    assert [s["title"] for s in recorded] == SEED_ORDER * 2
    assert recorded[0]["caption"] == "out.backward(): run 1 of 2, step 1 of 5"
    assert recorded[5]["caption"] == "out.backward(): run 2 of 2, step 1 of 5"
    assert all(s["node"] for s in recorded)
    assert numbers(blocks_of(recorded[9])["x.grad after"]) == [[9.0, 9.0], [9.0, 9.0]]


def test_a_gradient_that_cannot_be_read_does_not_stop_backward(monkeypatch):
    torch = pytest.importorskip("torch")

    def unreadable(tensor):
        raise TypeError("Got unsupported ScalarType BFloat16")

    monkeypatch.setattr(steps, "to_host", unreadable)
    x = torch.ones(2, requires_grad=True)
    out = (x * 3).sum()
    with steps.recording(torch) as recorder:
        out.backward()
    assert x.grad.tolist() == [3.0, 3.0]
    first = recorder.runs[0].steps[0]
    assert first.arriving[0] == {"text": "() (values unreadable: Got unsupported ScalarType BFloat16)", "values": None}
