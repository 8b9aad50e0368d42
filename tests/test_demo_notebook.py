"""demo.ipynb, executed top to bottom by a real Jupyter kernel, shows what the seed shows.

The notebook is run by nbclient in the `python3` kernel (this interpreter's ipykernel). Only the
cells tagged `raises-exception` may fail, each with its expected error; the seed's numbers come
out as PyTorch prints them; and every `%%grad` cell that binds or changes a tensor shows the
widget, with static HTML beside it for front ends that can't run widgets. A `%%grad` cell that
touches no tensor (`print(y.grad_fn)`, `dir(z)`) shows no widget, by design (grad_magic.cell).

The committed notebook is checked too: it is the one docs/make_demo.py writes, and it was saved
executed, so GitHub shows each widget's static HTML.
"""
import importlib.util
import sys
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "demo.ipynb"
WIDGET = "application/vnd.jupyter.widget-view+json"
TIMEOUT = 120  # seconds per cell; the whole notebook runs in a few seconds

# %%grad cells that bind or change no tensor: no widget (ids as docs/make_demo.py names them).
NO_TENSOR = {
    "seed-01-matplotlib", "seed-02-import", "added-manual-seed", "seed-05-grad-fn", "seed-09-x-grad", "seed-12-no-grad",
    "seed-13-version", "seed-21-no-grad", "seed-22-dir", "seed-24-is-leaf", "seed-26-grad-fn",
    "seed-27-dir-grad-fn", "seed-28-next-functions", "seed-41-xg", "added-typo-fixed",
    "seed-33-variable", "seed-34-ids", "seed-35-assert", "seed-36-import-function",
    "seed-37-mul-constant", "seed-40-a-grad",
}
X_GRAD = "tensor([[4.5000, 4.5000],\n        [4.5000, 4.5000]])\n"
ONES_3X3 = "tensor([[1., 1., 1.],\n        [1., 1., 1.],\n        [1., 1., 1.]])"


def cuda_available():
    import engine

    try:
        return bool(engine.cuda.is_available())
    except Exception:  # noqa: BLE001 - a broken CuPy counts as no CUDA
        return False


def load_generator():
    spec = importlib.util.spec_from_file_location("make_demo", ROOT / "docs" / "make_demo.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def tags(cell):
    return cell.metadata.get("tags", [])


def is_grad_cell(cell):
    return cell.cell_type == "code" and cell.source.startswith("%%grad")


# Tagged cells with a widget all the same: a failed backward is explained in its widget; the
# PyTorch cells fail only where PyTorch is not installed.
EXPLAINED_FAILURE = {"added-backward-twice"}
NEEDS_TORCH = {"added-engine-torch", "added-compare"}


def torch_installed():
    return importlib.util.find_spec("torch") is not None


def expects_widget(cell, cuda):
    """Whether a cell shows the widget when run on a machine with (cuda=True) or without CUDA."""
    if not is_grad_cell(cell) or "--quiet" in cell.source.splitlines()[0] or cell.id in NO_TENSOR:
        return False
    if "raises-exception" not in tags(cell) or cell.id in EXPLAINED_FAILURE:
        return True
    return (cell.id == "added-device-cuda" and cuda) or (cell.id in NEEDS_TORCH and torch_installed())


def outputs(cell, kind):
    return [o for o in cell.outputs if o.output_type == kind]


def stream(cell, name):
    return "".join(o.text for o in outputs(cell, "stream") if o.name == name)


def widget_outputs(cell):
    return [o for o in cell.outputs if o.output_type == "display_data" and WIDGET in o.data]


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    """demo.ipynb run top to bottom by a real kernel; returns {cell id: cell} and the notebook."""
    from jupyter_client.kernelspec import KernelSpecManager

    argv0 = KernelSpecManager().get_kernel_spec("python3").argv[0]
    assert argv0 in ("python", "python3", f"python3.{sys.version_info[1]}") or (
        Path(argv0).resolve() == Path(sys.executable).resolve()
    ), f"the python3 kernel runs {argv0}, not this interpreter {sys.executable}"

    workdir = tmp_path_factory.mktemp("demo")
    notebook = nbformat.read(DEMO, as_version=4)
    client = nbclient.NotebookClient(
        notebook, timeout=TIMEOUT, kernel_name="python3", resources={"metadata": {"path": str(workdir)}}
    )
    client.execute()  # raises CellExecutionError for an error in a cell not tagged raises-exception
    return {cell.id: cell for cell in notebook.cells}, notebook


def test_only_the_tagged_cells_fail(executed):
    cells, _ = executed
    for cell in cells.values():
        if cell.cell_type != "code":
            continue
        assert cell.execution_count is not None, f"{cell.id} did not run"
        if "raises-exception" not in tags(cell):
            assert not outputs(cell, "error"), f"{cell.id}: {outputs(cell, 'error')}"
            assert not stream(cell, "stderr"), f"{cell.id} wrote to stderr: {stream(cell, 'stderr')}"


def test_the_seed_typo_raises_pytorchs_attribute_error(executed):
    cells, _ = executed
    [error] = outputs(cells["seed-42-typo"], "error")
    assert error.ename == "AttributeError"
    assert error.evalue == "'PowBackward0' object has no attribute 'next_funxtions'"


def test_the_corrected_cell_reaches_the_leaf_and_the_assert_passes(executed):
    cells, _ = executed
    [shown] = outputs(cells["added-typo-fixed"], "execute_result")
    assert shown.data["text/plain"].endswith("AccumulateGrad")
    [variable] = outputs(cells["seed-33-variable"], "execute_result")
    assert variable.data["text/plain"].startswith("tensor([[") and "requires_grad=True" in variable.data["text/plain"]
    ids = stream(cells["seed-34-ids"], "stdout").splitlines()
    assert ids[0].split(":")[1] == ids[1].split(":")[1]  # x_leaf.variable is x
    assert cells["seed-35-assert"].outputs == []  # the assert passed, silently


def test_cuda_cell_says_plainly_what_is_missing(executed):
    cells, _ = executed
    cell = cells["added-device-cuda"]
    if cuda_available():
        assert "cuda:0" in stream(cell, "stdout") and widget_outputs(cell)
        return
    message = stream(cell, "stderr") + "".join(o.evalue for o in outputs(cell, "error"))
    assert "UsageError" in message and "CUDA is not available" in message, message
    assert "pip install 'grad-magic[cuda]'" in message
    assert not stream(cell, "stdout") and not widget_outputs(cell)  # the cell body never ran
    assert stream(cells["added-device-cpu"], "stdout").startswith("cpu tensor([[3., 3.],")


def test_seed_numbers(executed):
    cells, _ = executed
    assert stream(cells["seed-03-x"], "stdout") == "tensor([[1., 1.],\n        [1., 1.]], requires_grad=True)\n"
    assert stream(cells["seed-06-out"], "stdout") == (
        "tensor([[27., 27.],\n        [27., 27.]], grad_fn=<MulBackward0>) tensor(27., grad_fn=<MeanBackward0>)\n"
    )
    assert stream(cells["seed-09-x-grad"], "stdout") == X_GRAD
    assert stream(cells["seed-11-vjp"], "stdout") == "tensor([1.0240e+02, 1.0240e+03, 1.0240e-01])\n"
    assert stream(cells["seed-12-no-grad"], "stdout") == "True\nTrue\nFalse\n"
    assert stream(cells["seed-24-is-leaf"], "stdout") == "x.is_leaf=True\nz.is_leaf=False\n"
    assert "grad_fn=<MulConstantBackward>" in stream(cells["seed-38-apply"], "stdout")


def test_custom_function_gradient_is_all_ones(executed):
    cells, _ = executed
    [shown] = outputs(cells["seed-40-a-grad"], "execute_result")
    assert shown.data["text/plain"] == ONES_3X3


def test_grad_cells_show_the_widget_with_a_static_fallback(executed):
    cells, notebook = executed
    state = notebook.metadata["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
    expected = [cell for cell in cells.values() if expects_widget(cell, cuda_available())]
    assert len(expected) >= 15
    for cell in cells.values():
        if not is_grad_cell(cell):
            continue
        shown = widget_outputs(cell)
        if cell not in expected:
            assert not shown, f"{cell.id} touches no tensor (or is --quiet) but shows a widget"
            continue
        assert len(shown) == 1, f"{cell.id} shows {len(shown)} widgets"
        data = shown[0].data
        assert data[WIDGET]["model_id"] in state  # the widget's state is saved with the notebook
        assert 'class="grad-magic-static"' in data["text/html"]
        assert data["text/plain"].startswith("%%grad  In [")


def test_what_the_widgets_show(executed):
    cells, _ = executed

    def text(cell_id):
        [shown] = widget_outputs(cells[cell_id])
        return shown.data["text/plain"]

    graph_of_out = text("seed-08-backward")
    for label in ("out ()", "MeanBackward0", "MulBackward0", "AddBackward0", "AccumulateGrad", "x (2, 2)  [leaf]"):
        assert label in graph_of_out
    assert "x (2, 2) .grad: computed\n    4.5000  4.5000\n    4.5000  4.5000" in graph_of_out
    assert "MulConstantBackward" in text("seed-38-apply")
    assert "ReluBackward0" in text("added-roots") and "MeanBackward0" not in text("added-roots").split("Graph")[1]
    assert "Graph: graph off (--no-graph)" in text("added-no-graph")


def test_what_if_a_failed_backward_and_pytorch(executed):
    cells, _ = executed
    [interact] = widget_outputs(cells["added-interact"])
    assert "What if: x[0] = 1, x[1] = -2, k = 3  (sliders need a live widget)" in interact.data["text/plain"]
    [error] = outputs(cells["added-backward-twice"], "error")
    assert error.ename == "RuntimeError" and "second time" in error.evalue
    [failed] = widget_outputs(cells["added-backward-twice"])
    assert "What went wrong: Backward through a freed graph" in failed.data["text/plain"]
    if not torch_installed():
        return
    assert stream(cells["added-engine-torch"], "stdout").startswith("<class 'torch.Tensor'> tensor([[4.5000")
    [compared] = widget_outputs(cells["added-compare"])
    assert "all match PyTorch" in compared.data["text/plain"]


def test_committed_notebook_is_the_generated_one_saved_executed():
    committed = nbformat.read(DEMO, as_version=4)
    generated = load_generator().build()
    assert [(c.id, c.cell_type, c.source, tags(c)) for c in committed.cells] == [
        (c.id, c.cell_type, c.source, tags(c)) for c in generated.cells
    ], "demo.ipynb differs from docs/make_demo.py: run .venv/bin/python docs/make_demo.py"
    code = [c for c in committed.cells if c.cell_type == "code"]
    assert all(c.execution_count for c in code), "demo.ipynb is saved without outputs"
    fallbacks = [o for c in code for o in widget_outputs(c) if "text/html" in o.data]
    assert len(fallbacks) == sum(expects_widget(c, cuda=False) for c in code)  # saved on a CPU machine


def test_notebook_viewers_show_the_static_html():
    """nbconvert (and nbviewer, GitHub) show each widget's static HTML: no widget state is saved."""
    from nbconvert import HTMLExporter

    committed = nbformat.read(DEMO, as_version=4)
    assert "widgets" not in committed.metadata, "saved with widget state: viewers would show blank widgets"
    html, _ = HTMLExporter().from_notebook_node(committed)
    shown = sum(len(widget_outputs(c)) for c in committed.cells if c.cell_type == "code")
    assert html.count('class="grad-magic-static"') == shown
    assert "MeanBackward0" in html
    # Each graph is an image of its SVG, which sanitisers (GitHub's, JupyterLab's for an untrusted
    # notebook) keep where they would drop an inline <svg>.
    assert html.count('alt="backward graph"') == sum(
        'alt="backward graph"' in o.data["text/html"] for c in committed.cells if c.cell_type == "code"
        for o in widget_outputs(c)) >= 10


def test_only_tagged_cells_are_expected_to_fail():
    notebook = nbformat.read(DEMO, as_version=4)
    tagged = {c.id for c in notebook.cells if "raises-exception" in tags(c)}
    assert tagged == {"seed-42-typo", "added-device-cuda", *EXPLAINED_FAILURE, *NEEDS_TORCH}
