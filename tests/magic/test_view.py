"""The view of a %%grad cell, read as plain Python through grad_magic.last_view() and the widget."""
import json

import grad_magic

FORWARD = [
    "import torch",
    "x = torch.ones(2,2,requires_grad=True)",
    "y = x + 2",
    "z = y * y * 3\nout = z.mean()",
]


def run_forward(grad):
    for code in FORWARD:
        assert grad(code).success


def values(block):
    return [[cell["text"] for cell in row] for row in block["rows"]]


def path_from_root(graph):
    """Labels along the first-input path from the first root down to a leaf."""
    nodes = {n["id"]: n for n in graph["nodes"]}
    first_edge = {}
    for edge in graph["edges"]:
        first_edge.setdefault(edge["from"], edge["to"])
    node_id, path = graph["roots"][0], []
    while node_id is not None:
        path.append(nodes[node_id])
        node_id = first_edge.get(node_id)
    return path


def test_the_backward_cell_shows_the_whole_computation(grad):
    run_forward(grad)
    assert grad("out.backward() # d(out)/dx").success
    view = grad_magic.last_view()
    rows = {row["name"]: row for row in view.tensors}
    assert list(rows) == ["x", "y", "z", "out"]
    assert [rows[n]["is_leaf"] for n in rows] == [True, False, False, False]
    assert [rows[n]["grad_fn"] for n in rows] == [None, "AddBackward0", "MulBackward0", "MeanBackward0"]
    assert rows["out"]["shape"] == [] and rows["x"]["shape"] == [2, 2]
    assert values(rows["z"]["values"]) == [["27.", "27."], ["27.", "27."]]

    path = path_from_root(view.graph)
    assert [n["kind"] for n in path] == ["output", "function", "function", "function", "function", "accumulate", "leaf"]
    labels = [n["label"].split(" ")[0] for n in path]
    assert labels == ["out", "MeanBackward0", "MulBackward0", "MulBackward0", "AddBackward0", "AccumulateGrad", "x"]

    x_grad = view.gradient("x")
    assert x_grad["computed"] and x_grad["status"] == "computed"
    assert values(x_grad["values"]) == [["4.5000", "4.5000"], ["4.5000", "4.5000"]]
    assert x_grad["values"]["stats"]["min"] == x_grad["values"]["stats"]["max"] == 4.5


def test_graph_nodes_record_the_gradient_that_flowed(grad):
    run_forward(grad)
    assert grad("out.backward()").success
    view = grad_magic.last_view()
    mean = next(n for n in view.graph["nodes"] if n["label"] == "MeanBackward0")
    detail = view.node_detail(mean["id"])
    blocks = {b["label"]: b["values"] for b in detail["blocks"]}
    assert values(blocks["gradient in #0"]) == [["1."]]
    assert values(blocks["gradient out to input 0"]) == [["0.2500", "0.2500"], ["0.2500", "0.2500"]]
    fields = dict(detail["fields"])
    assert fields["inputs (next_functions)"] == "MulBackward0"
    assert fields["backward calls seen"] == "1"


def test_a_leaf_before_backward_is_not_computed_yet(grad):
    assert grad("x = torch.ones(3, requires_grad=True)\ny = (x * 2).sum()").success
    row = grad_magic.last_view().gradient("x")
    assert row["status"] == "not computed yet" and row["values"] is None and not row["computed"]


def test_retained_non_leaf_gradients_are_shown(grad):
    assert grad("x = torch.ones(3, requires_grad=True)\ny = x * 2\ny.retain_grad()\ny.sum().backward()").success
    row = grad_magic.last_view().gradient("y")
    assert row["of"] == "retained non-leaf" and values(row["values"]) == [["1.", "1.", "1."]]


def test_roots_default_to_graphs_no_other_contains(grad):
    assert grad("a = torch.ones(2, requires_grad=True)\nb = a * 2\nc = b.sum()\nd = torch.ones(2, requires_grad=True) * 3").success
    graph = grad_magic.last_view().graph
    roots = [n["label"].split(" ")[0] for n in graph["nodes"] if n["id"] in graph["roots"]]
    assert roots == ["c", "d"]


def test_roots_option_chooses_the_graph(grad):
    assert grad("a = torch.ones(2, requires_grad=True)\nb = a * 2\nc = b.sum()", "--roots b").success
    graph = grad_magic.last_view().graph
    assert [n["label"].split(" ")[0] for n in graph["nodes"] if n["id"] in graph["roots"]] == ["b"]
    assert not any(n["label"].startswith("SumBackward") for n in graph["nodes"])


def test_no_graph_and_quiet(grad):
    ran = grad("a = torch.ones(2, requires_grad=True) * 2", "--no-graph --quiet")
    assert ran.success and ran.outputs == []
    view = grad_magic.last_view()
    assert view.graph is None and "--no-graph" in view.note and view.widget is None
    assert [row["name"] for row in view.tensors] == ["a"]


def test_the_widget_mirrors_the_view_and_answers_clicks(grad):
    run_forward(grad)
    ran = grad("out.backward()")
    assert len(ran.outputs) == 1
    view = grad_magic.last_view()
    widget = view.widget
    assert widget.tensors == view.tensors and widget.gradients == view.gradients
    assert widget.svg == view.graph["svg"] and widget.dot == view.graph["dot"]
    assert "data-node" in widget.svg or 'class="node' in widget.svg
    assert {item["kind"] for item in widget.legend} == {"output", "function", "accumulate", "leaf"}
    leaf = next(n for n in view.graph["nodes"] if n["kind"] == "leaf")
    widget.selected = leaf["id"]
    assert widget.detail["title"] == leaf["label"]
    blocks = {b["label"]: b["values"] for b in widget.detail["blocks"]}
    assert values(blocks["grad"]) == [["4.5000", "4.5000"], ["4.5000", "4.5000"]]
    widget.selected = "no-such-node"
    assert widget.detail == {}


def test_tensors_of_three_dimensions_are_sliced(grad):
    assert grad("t = torch.arange(24).reshape(2, 3, 4).float()").success
    view = grad_magic.last_view()
    block = view.tensor("t")["values"]
    assert block["slicer"] == {"dims": [2], "index": [0]}
    assert values(block)[0] == ["0.", "1.", "2.", "3."]
    view.widget.slice_request = {"section": "tensors", "row": 0, "index": [1]}
    block = view.widget.tensors[0]["values"]
    assert block["slicer"]["index"] == [1] and values(block)[0] == ["12.", "13.", "14.", "15."]
    view.widget.slice_request = {"section": "tensors", "row": 0, "index": [99]}  # clamped
    assert view.widget.tensors[0]["values"]["slicer"]["index"] == [1]


def test_large_tensors_are_summarised(grad):
    assert grad("v = torch.linspace(-1, 1, 1000)\nw = torch.log(v)").success
    block = grad_magic.last_view().tensor("w")["values"]
    assert block["rows"] == [] and len(block["head"]) == 10
    assert block["stats"]["numel"] == 1000 and block["stats"]["nan"] == 500
    assert "NaN!500" in block["summary"] and block["sparkline"]


def test_the_data_is_plain_python(grad):
    run_forward(grad)
    assert grad("out.backward()").success
    data = grad_magic.last_view().to_dict()
    assert json.loads(json.dumps(data)) == data
    assert set(data["graph"]) >= {"nodes", "edges", "dot", "svg", "text"}


def test_a_failed_cell_leaves_no_view(grad):
    assert grad("a = torch.ones(2)").success and grad_magic.last_view() is not None
    assert not grad("b = torch.ones(2)\n1 / 0").success
    assert grad_magic.last_view() is None


def test_a_cell_binding_nothing_shows_no_widget(grad):
    ran = grad("print('hi')")
    assert ran.success and ran.outputs == []


def test_the_builtin_renderer_marks_nodes_for_clicks(grad):
    assert grad("a = torch.ones(2, requires_grad=True) * 2", "--renderer builtin").success
    graph = grad_magic.last_view().graph
    assert graph["renderer"] == "builtin" and 'data-node="n0"' in graph["svg"]


def test_graphviz_without_dot_falls_back_with_a_note(grad, monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    assert grad("a = torch.ones(2, requires_grad=True) * 2", "--renderer graphviz").success
    view = grad_magic.last_view()
    assert view.graph["renderer"] == "builtin" and "Graphviz failed" in view.note and "<svg" in view.graph["svg"]


def test_auto_draws_small_graphs_with_the_builtin_layout(grad):
    assert grad("a = torch.ones(2, requires_grad=True) * 2").success
    assert grad_magic.last_view().graph["renderer"] == "builtin"


def test_auto_draws_large_graphs_with_graphviz_when_installed(grad):
    from grad_magic.settings import GRAPHVIZ_FROM, dot_binary

    code = f"h = torch.ones(2, requires_grad=True)\nfor i in range({GRAPHVIZ_FROM}):\n    h = h * (i + 1.0) + h"
    assert grad(code, "--max-nodes 1000").success
    assert grad_magic.last_view().graph["renderer"] == ("graphviz" if dot_binary() else "builtin")


def test_a_graphviz_that_takes_too_long_gives_way_to_the_builtin_layout(grad, monkeypatch):
    from grad_magic.views import model

    monkeypatch.setattr(model, "GRAPHVIZ_TIMEOUT", 0.001)
    monkeypatch.setattr(model, "dot_binary", lambda: "sleep")  # `sleep -Tsvg` fails or sleeps: either way
    assert grad("a = torch.ones(2, requires_grad=True) * 2", "--renderer graphviz").success
    view = grad_magic.last_view()
    assert view.graph["renderer"] == "builtin" and "builtin layout drew the graph" in view.note
