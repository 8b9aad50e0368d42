"""A what-if slider, a failed backward and a comparison with PyTorch, in a real JupyterLab.

A small notebook of its own is put in the server's folder (through Jupyter's contents API), opened
and run in headless Chromium; then a user moves a slider with the keyboard, reads the box that
says why a backward failed, follows it to the node, and opens the Compare tab. Screenshots go to
tests/browser/artifacts/ (whatif-before.png, whatif-after.png, failure.png, failure-node.png,
compare.png).
"""
import json
import re

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

CELLS = [
    ("load", "%load_ext grad_magic"),
    ("whatif", "%%grad --interact x\nx = torch.tensor([1.0, 2.0], requires_grad=True)\n"
               "y = (x * x).sum()\ny.backward()\nprint('y =', y.item())"),
    ("failure", "%%grad\nw = torch.ones(2, requires_grad=True)\nout = (w * w).sum()\nout.backward()\nout.backward()"),
    ("compare", "%%grad --compare torch\na = torch.randn(3, requires_grad=True)\nb = (a.exp() * 2).sum()\nb.backward()"),
]
WORKSPACE = "grad-magic-whatif"  # a workspace of its own: no other notebook open beside this one
KERNEL_IDLE = """() => [...document.querySelectorAll('.jp-StatusBar-TextItem')]
    .some((item) => /\\| Idle$/.test(item.textContent.trim()))"""
ALL_RAN = """(n) => {
    const prompts = [...document.querySelectorAll('.jp-Notebook .jp-CodeCell .jp-InputPrompt')];
    return prompts.length === n && prompts.every((p) => /^\\[\\d+\\]:$/.test(p.textContent.trim()));
}"""


def put_notebook(page, lab, name):
    """Save the notebook in the server's folder, as JupyterLab itself does (with its XSRF cookie)."""
    notebook = new_notebook(cells=[new_code_cell(source, id=cell_id) for cell_id, source in CELLS])
    notebook.cells[2].metadata["tags"] = ["raises-exception"]  # so that Run All goes on past it
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    page.goto(f"{lab}/lab/workspaces/{WORKSPACE}")  # sets the _xsrf cookie
    xsrf = next(c["value"] for c in page.context.cookies(lab) if c["name"] == "_xsrf")
    response = page.request.put(f"{lab}/api/contents/{name}", headers={"X-XSRFToken": xsrf},
                                data={"type": "notebook", "format": "json", "content": json.loads(nbformat.writes(notebook))})
    assert response.ok, response.text()


@pytest.fixture(scope="module")
def page(chromium, lab):
    pytest.importorskip("torch")  # the Compare cell runs the cell on PyTorch too
    page = chromium.new_page()
    put_notebook(page, lab, "whatif.ipynb")
    page.errors = []
    page.on("console", lambda msg: msg.type == "error" and page.errors.append(f"console: {msg.text}"))
    page.on("pageerror", lambda error: page.errors.append(f"pageerror: {error}"))
    page.goto(f"{lab}/lab/workspaces/{WORKSPACE}/tree/whatif.ipynb")
    page.locator(".jp-Notebook .jp-Cell").first.wait_for(timeout=60_000)
    page.wait_for_function(KERNEL_IDLE, timeout=60_000)
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile("^Run$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile("^Run All Cells$")).click()
    page.wait_for_function(ALL_RAN, arg=len(CELLS), timeout=180_000)
    page.wait_for_function(KERNEL_IDLE, timeout=60_000)
    yield page
    page.close()


def widget(page, cell_id):
    index = [cell_id for cell_id, _ in CELLS].index(cell_id)
    box = page.locator(".jp-Notebook .jp-Cell").nth(index).locator(".jp-OutputArea .grad-magic")
    box.scroll_into_view_if_needed()
    return box


def show_tab(box, name):
    box.locator(".gm-tabs button", has_text=re.compile(f"^{re.escape(name)}")).click()


def gradient_texts(box):
    show_tab(box, "Gradients")
    return box.locator(".gm-panel .gm-grid td").all_inner_texts()


def test_moving_a_slider_reruns_the_cell_in_the_same_widget(page, artifacts):
    box = widget(page, "whatif")
    sliders = box.locator(".gm-whatif input[type=range]")
    assert sliders.count() == 2
    assert [float(t) for t in gradient_texts(box)] == [2.0, 4.0]  # d sum(x*x)/dx = 2x
    box.screenshot(path=str(artifacts / "whatif-before.png"))
    area = sliders.first.bounding_box()
    page.mouse.click(area["x"] + area["width"] * 0.75, area["y"] + area["height"] / 2)  # x[0]: 1 -> about 1.5
    value = float(sliders.first.input_value())
    assert 1.3 < value < 1.7
    page.wait_for_function("(el) => el.textContent.includes('re-run 1')", arg=box.element_handle(), timeout=30_000)
    grads = [float(t) for t in gradient_texts(box)]
    assert grads == [pytest.approx(2 * value, abs=1e-3), 4.0]
    printed = box.locator(".gm-stdout").inner_text()  # what the re-run printed: in the widget
    assert float(printed.removeprefix("y = ")) == pytest.approx(value * value + 4, abs=1e-3)
    assert float(box.locator(".gm-whatif-value").first.inner_text()) == pytest.approx(value)
    show_tab(box, "Tensors")
    box.screenshot(path=str(artifacts / "whatif-after.png"))
    prompts = page.locator(".jp-Notebook .jp-CodeCell .jp-InputPrompt").all_inner_texts()
    assert [p.strip() for p in prompts] == ["[1]:", "[2]:", "[3]:", "[4]:"]  # no new execution count


def test_a_failed_backward_says_why_beside_the_traceback(page, artifacts):
    box = widget(page, "failure")
    failure = box.locator(".gm-failure")
    assert "What went wrong: Backward through a freed graph" in failure.inner_text()
    assert "out.backward() went back through MulBackward0 a second time" in failure.inner_text()
    assert failure.locator("code").first.inner_text() == "out.backward()"  # the words' `code`, as code
    output = page.locator(".jp-Notebook .jp-Cell").nth(2).locator(".jp-OutputArea")
    assert "RuntimeError" in output.inner_text()  # the real traceback, below the widget
    box.screenshot(path=str(artifacts / "failure.png"))
    failure.locator("button", has_text="show MulBackward0 in the graph").click()
    detail = box.locator(".gm-detail")
    detail.wait_for(timeout=10_000)
    assert "MulBackward0" in detail.locator(".gm-name").first.inner_text()
    box.screenshot(path=str(artifacts / "failure-node.png"))


def test_the_compare_tab_lists_what_differs_from_pytorch(page, artifacts):
    box = widget(page, "compare")
    show_tab(box, "Compare")
    panel = box.locator(".gm-panel")
    assert re.search(r"all match PyTorch", panel.inner_text())
    assert "Drawn at random, given our values in PyTorch" in panel.inner_text()
    box.screenshot(path=str(artifacts / "compare.png"))


def test_no_console_errors(page):
    assert not page.errors, "\n".join(page.errors)
