"""widget.js, run in Node against a stand-in DOM: it draws the traits and reports clicks."""
import json
import pathlib
import shutil
import subprocess

import pytest

import grad_magic

HERE = pathlib.Path(__file__).parent
WIDGET_JS = pathlib.Path(grad_magic.__file__).parent / "views" / "widget.js"
TRAITS = ("title", "tensors", "gradients", "svg", "dot", "note", "legend", "detail", "selected", "slice_request",
          "svg_grads", "steps", "step")


def run_widget_js(widget, tmp_path):
    node = shutil.which("node")
    if node is None:
        pytest.skip("Node.js is not installed")
    state = tmp_path / "state.json"
    state.write_text(json.dumps({name: getattr(widget, name) for name in TRAITS}))
    module = tmp_path / "widget.mjs"  # Node reads a .js file as CommonJS; the widget is an ES module
    module.write_text(WIDGET_JS.read_text())
    done = subprocess.run([node, str(HERE / "widget_harness.mjs"), str(module), str(state)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_the_widget_draws_every_section_and_reports_clicks(grad, tmp_path):
    assert grad("x = torch.ones(2,2,requires_grad=True)\nout = ((x + 2) ** 2).mean()\nt = torch.ones(2, 2, 2)").success
    assert grad("out.backward()").success
    widget = grad_magic.last_view().widget
    result = run_widget_js(widget, tmp_path)
    drawn, sets = result["drawn"], dict(result["sets"])
    assert drawn["tabs"] == ["Tensors", "Graph", "Gradients"]
    assert drawn["title"] == widget.title
    assert "MeanBackward0" in drawn["panels"]["Tensors"] and "requires_grad" in drawn["panels"]["Tensors"]
    assert "download DOT" in drawn["panels"]["Graph"] and "Click a node" in drawn["panels"]["Graph"]
    assert "1.5000 1.5000 1.5000 1.5000" in drawn["panels"]["Gradients"]  # d mean((x+2)^2)/dx at 1
    assert " x (2, 2) torch.float32 cpu True True " in drawn["panels"]["Tensors"]  # Python's True
    assert "true" not in drawn["panels"]["Tensors"] and "false" not in drawn["panels"]["Tensors"]
    assert drawn["download"] == {"name": "graph.dot", "href": "blob:dot", "button": True}
    assert drawn["fit"] == [True, False]  # the whole graph at first; the button shows it full size
    assert drawn["nodes"] == len(grad_magic.last_view().graph["nodes"]) and drawn["selected_class"]
    assert sets["selected"] == "n0"
    assert "picked <i>" in drawn["detail"] and "<b>x</b>" in drawn["detail"]  # shown as text


def test_the_slicer_asks_python_for_another_slice(grad, tmp_path):
    assert grad("t = torch.arange(8).reshape(2, 2, 2).float() * 1.0\nw = torch.ones(1, requires_grad=True) * 2").success
    widget = grad_magic.last_view().widget
    sets = dict(run_widget_js(widget, tmp_path)["sets"])
    assert sets["slice_request"] == {"section": "tensors", "row": 0, "index": [1]}
    widget.slice_request = sets["slice_request"]
    assert [[c["text"] for c in row] for row in widget.tensors[0]["values"]["rows"]] == [["4.", "5."], ["6.", "7."]]


def test_the_svg_is_stripped_of_scripts_and_handlers(grad, tmp_path):
    assert grad("x = torch.ones(2, requires_grad=True) * 2").success
    widget = grad_magic.last_view().widget
    widget.svg = widget.svg.replace("</svg>", "<script>alert(1)</script></svg>").replace("<g ", "<g onclick=\"alert(1)\" ")
    drawn = run_widget_js(widget, tmp_path)["drawn"]
    assert drawn["had_onclick"] and drawn["scripts"] == 0 and drawn["onclick"] == 0


def test_the_steps_move_with_next_and_the_edges_show_gradients(grad, tmp_path):
    assert grad("x = torch.ones(2,2,requires_grad=True)\nout = ((x + 2) ** 2).mean()\nout.backward()").success
    view = grad_magic.last_view()
    result = run_widget_js(view.widget, tmp_path)
    drawn, sets = result["drawn"], dict(result["sets"])
    second = view.graph["steps"][1]
    assert sets["step"] == 1  # "next" was clicked once
    assert "Backward, step by step" in drawn["steps"]["text"] and "step 2 of 4" in drawn["steps"]["text"]
    assert second["title"] in drawn["steps"]["text"] and second["caption"] in drawn["steps"]["text"]
    assert drawn["steps"]["node"] == [second["node"]] and drawn["steps"]["edges"] == second["edges"]
    assert drawn["grads_drawn"] and drawn["grads_selected"] == ["n0"]  # the selection survives the swap
