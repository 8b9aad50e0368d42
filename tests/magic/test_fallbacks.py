"""Without a live widget front end the view appears as static HTML or text, never as a widget repr."""
import base64
import copy
import pathlib
import re
import shutil

import pytest

import grad_magic
from grad_magic.views.widget import WIDGET_MIMETYPE

SEED_FORWARD = "x = torch.ones(2,2,requires_grad=True)\ny = x + 2\nz = y * y * 3\nout = z.mean()"


def bundle_of(ran):
    (output,) = ran.outputs
    return output.data


def test_the_display_carries_widget_html_and_text(grad):
    ran = grad(SEED_FORWARD)
    data = bundle_of(ran)
    assert set(data) >= {"text/plain", "text/html", WIDGET_MIMETYPE}
    assert data[WIDGET_MIMETYPE]["model_id"] == grad_magic.last_view().widget.model_id
    for text in (data["text/plain"], data["text/html"]):
        assert "VBox(" not in text and "GradWidget(" not in text and "AnyWidget" not in text


def test_the_text_is_a_table_and_a_tree(grad):
    text = bundle_of(grad(SEED_FORWARD))["text/plain"]
    lines = text.splitlines()
    header = next(line for line in lines if line.strip().startswith("name"))
    assert header.split() == ["name", "shape", "dtype", "device", "requires_grad", "is_leaf", "grad_fn"]
    assert any(line.strip().startswith("└── MulBackward0") for line in lines)
    assert "x (2, 2) .grad: not computed yet" in text


def test_the_backward_cell_text(grad):
    grad(SEED_FORWARD)
    text = bundle_of(grad("out.backward()"))["text/plain"]
    assert "Tensors" in text and "Graph" in text and "Gradients" in text
    assert "└── MeanBackward0" in text and "AccumulateGrad" in text and "x (2, 2)  [leaf]" in text
    assert "x (2, 2) .grad: computed\n    4.5000  4.5000\n    4.5000  4.5000" in text


def graph_images(html):
    """The SVG of each graph drawn as <img src="data:image/svg+xml;base64,..."> in the HTML."""
    images = [tag for tag in re.findall(r"<img\b[^>]*>", html) if 'alt="backward graph"' in tag]
    found = [re.search(r'src="data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)"', tag) for tag in images]
    return [base64.b64decode(match.group(1)).decode("utf-8") for match in found if match]


def test_the_html_draws_the_graph_as_an_image_that_sanitisers_keep(grad):
    grad(SEED_FORWARD)
    html = bundle_of(grad("out.backward()"))["text/html"]
    assert "<svg" not in html  # JupyterLab (untrusted notebook) and GitHub strip inline SVG
    assert graph_images(html) == [grad_magic.last_view().graph["svg"]]
    assert "MeanBackward0" in html  # in the node details
    assert "<table" in html and ">4.5000</td>" in html
    assert "download graph.dot" in html and "data:text/vnd.graphviz" in html and "Graphviz DOT source" in html
    assert "not computed yet" not in html


@pytest.mark.parametrize("renderer", ["builtin", "graphviz"])
def test_one_legend_whichever_renderer(grad, renderer):
    if renderer == "graphviz" and not shutil.which("dot"):
        pytest.skip("Graphviz's dot is not installed")
    grad(SEED_FORWARD, f"--renderer {renderer}")
    view = grad_magic.last_view()
    assert view.graph["renderer"] == renderer and "leaf tensor" not in view.graph["svg"]
    assert bundle_of(grad("out.backward()", f"--renderer {renderer}"))["text/html"].count("leaf tensor") == 1
    assert [item["text"] for item in view.widget.legend].count("leaf tensor") == 1


def test_a_terminal_shows_the_text(ip, capsys):
    """A plain shell has no widget front end: its display publisher prints text/plain."""
    assert ip.run_cell("%%grad\n" + SEED_FORWARD, store_history=True).success
    out = capsys.readouterr().out
    assert "%%grad  In [" in out and "└── MeanBackward0" in out
    assert "VBox(" not in out and "GradWidget(" not in out


NOTEBOOK_CELLS = ["%load_ext grad_magic", "%%grad\n" + SEED_FORWARD, "%%grad\nout.backward()"]


@pytest.fixture(scope="module")
def executed_notebook():
    """The seed's first cells run by a real Jupyter kernel, as `nbconvert --execute` runs them."""
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    root = pathlib.Path(grad_magic.__file__).parent.parent
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in NOTEBOOK_CELLS])
    nbclient.NotebookClient(notebook, timeout=120, resources={"metadata": {"path": str(root)}}).execute()
    errors = [o for c in notebook.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert not errors, errors
    return notebook


def to_html(notebook):
    nbconvert = pytest.importorskip("nbconvert")
    html, _ = nbconvert.HTMLExporter().from_notebook_node(notebook)
    return html


def test_nbconvert_without_widget_state_shows_the_static_view(executed_notebook):
    notebook = copy.deepcopy(executed_notebook)
    notebook.metadata.pop("widgets", None)  # as saved by a front end that doesn't store widget state
    html = to_html(notebook)
    assert len(graph_images(html)) == 2 and "MeanBackward0" in html and "grad-magic-static" in html
    assert "VBox(" not in html and "GradWidget(" not in html


def test_nbconvert_with_widget_state_embeds_the_widget(executed_notebook):
    """With the state saved (nbconvert --execute does), the exported page renders the widget itself
    through the widget HTML manager, our ESM included in the state; no bare repr either way."""
    html = to_html(executed_notebook)
    assert "application/vnd.jupyter.widget-view+json" in html and "MeanBackward0" in html
    assert "VBox(" not in html and "GradWidget(" not in html
