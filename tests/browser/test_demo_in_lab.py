"""demo.ipynb in a real JupyterLab, run by a user in headless Chromium: what they see.

One notebook page is opened and run (Run > Run All Cells) once for the module; each test then
looks at a part of it as a user would: the widgets, the graph of `out`, the gradients, a click
on a graph node, the tabs, and the browser console. Screenshots go to tests/browser/artifacts/.
"""
import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[2]
WIDGET = "application/vnd.jupyter.widget-view+json"
RUN_ALL_TIMEOUT = 180_000  # ms for every cell to run (a few seconds here)
OUT_GRAPH_LABELS = ("MeanBackward0", "MulBackward0", "AddBackward0", "AccumulateGrad")


def notebook_cells():
    return nbformat.read(ROOT / "demo.ipynb", as_version=4).cells


def cell_index(cell_id):
    return next(i for i, cell in enumerate(notebook_cells()) if cell.id == cell_id)


def widget_cell_ids():
    """Cells whose saved outputs hold the widget (tests/test_demo_notebook.py checks which)."""
    return [c.id for c in notebook_cells() if c.cell_type == "code"
            and any(o.output_type == "display_data" and WIDGET in o.data for o in c.outputs)]


KERNEL_IDLE = """() => [...document.querySelectorAll('.jp-StatusBar-TextItem')]
    .some((item) => /\\| Idle$/.test(item.textContent.trim()))"""
CLEARED = """() => !document.querySelector('.jp-Notebook .jp-OutputArea-child') &&
    [...document.querySelectorAll('.jp-Notebook .jp-CodeCell .jp-InputPrompt')]
        .every((p) => !/\\d/.test(p.textContent))"""
ALL_RAN = """(n) => {
    const prompts = [...document.querySelectorAll('.jp-Notebook .jp-CodeCell .jp-InputPrompt')];
    return prompts.length === n && prompts.every((p) => /^\\[\\d+\\]:$/.test(p.textContent.trim()));
}"""


def menu(page, menu_name, item):
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(f"^{menu_name}$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(f"^{item}$")).click()


@pytest.fixture(scope="module")
def page(chromium, lab, artifacts):
    """The demo notebook open in JupyterLab, every cell run; console errors kept on page.errors."""
    page = chromium.new_page()
    page.errors = []
    page.on("console", lambda msg: msg.type == "error" and page.errors.append(f"console: {msg.text}"))
    page.on("pageerror", lambda error: page.errors.append(f"pageerror: {error}"))
    page.goto(f"{lab}/lab/tree/demo.ipynb")
    page.locator(".jp-Notebook .jp-Cell").first.wait_for(timeout=60_000)
    page.wait_for_function(KERNEL_IDLE, timeout=60_000)  # the kernel has started
    # As opened, before running: the saved outputs (each widget's static HTML).
    page.locator(".jp-Notebook .jp-Cell").nth(cell_index("seed-08-backward")).scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / "opened-before-run.png"))
    code_cells = sum(c.cell_type == "code" for c in notebook_cells())
    menu(page, "Edit", "Clear Outputs of All Cells")  # so that all we see below is this run's
    page.wait_for_function(CLEARED)
    menu(page, "Run", "Run All Cells")
    page.wait_for_function(ALL_RAN, arg=code_cells, timeout=RUN_ALL_TIMEOUT)
    page.wait_for_function(KERNEL_IDLE, timeout=60_000)
    page.screenshot(path=str(artifacts / "notebook.png"))
    yield page
    page.close()


def widget(page, cell_id):
    """The grad_magic widget in the output of the cell `cell_id`."""
    cell = page.locator(".jp-Notebook .jp-Cell").nth(cell_index(cell_id))
    found = cell.locator(".jp-OutputArea .grad-magic")
    found.scroll_into_view_if_needed()
    return found


def show_tab(box, name):
    box.locator(".gm-tabs button", has_text=re.compile(f"^{name}$")).click()
    return box.locator(".gm-tabs button.gm-active", has_text=re.compile(f"^{name}$"))


def node_labels(box):
    """The text of each node of the widget's graph drawing (SVG text has no innerText)."""
    return box.locator(".gm-svg svg g.node").evaluate_all(
        "(nodes) => nodes.map((g) => [...g.querySelectorAll('text')].map((t) => t.textContent.trim()).join(' '))"
    )


def test_every_grad_cell_shows_its_widget(page):
    expected = widget_cell_ids()
    assert len(expected) >= 15
    assert page.locator(".jp-Notebook .grad-magic").count() == len(expected)
    for cell_id in expected:
        box = widget(page, cell_id)
        assert box.is_visible(), f"the widget of {cell_id} is not visible"
        assert re.match(r"%%grad\s+In \[\d+\]", box.locator(".gm-title").text_content())


def test_the_expected_errors_are_shown(page):
    typo = page.locator(".jp-Notebook .jp-Cell").nth(cell_index("seed-42-typo"))
    assert "'PowBackward0' object has no attribute 'next_funxtions'" in typo.locator(".jp-OutputArea").inner_text()
    cuda = page.locator(".jp-Notebook .jp-Cell").nth(cell_index("added-device-cuda"))
    text = cuda.locator(".jp-OutputArea").inner_text()
    assert "CUDA is not available" in text or "cuda:0" in text


def test_tensors_tab_shows_values_and_leaf_flags(page, artifacts):
    box = widget(page, "seed-08-backward")
    assert show_tab(box, "Tensors").count() == 1
    table = box.locator(".gm-panel table.gm-table").first
    header = [th.inner_text() for th in table.locator("tr").first.locator("th").all()]
    assert header[:7] == ["name", "shape", "dtype", "device", "requires_grad", "is_leaf", "grad_fn"]
    rows = {r.locator("td").first.inner_text(): r for r in table.locator(":scope > tbody > tr, :scope > tr").all()[1:]}
    assert set(rows) >= {"x", "y", "z", "out"}
    x_cells = [td.inner_text() for td in rows["x"].locator(":scope > td").all()]
    assert x_cells[4:7] == ["True", "True", "—"]  # requires_grad, is_leaf, no grad_fn: as Python writes them
    out_cells = [td.inner_text() for td in rows["out"].locator(":scope > td").all()]
    assert out_cells[5:7] == ["False", "MeanBackward0"]
    assert rows["z"].locator(".gm-grid td").all_inner_texts() == ["27."] * 4  # as PyTorch prints z
    box.screenshot(path=str(artifacts / "values.png"))


def test_graph_of_out(page, artifacts):
    box = widget(page, "seed-08-backward")
    assert show_tab(box, "Graph").count() == 1
    svg = box.locator(".gm-svg svg")
    assert svg.is_visible()
    labels = node_labels(box)
    for label in OUT_GRAPH_LABELS:
        assert label in labels, labels
    assert any(re.match(r"^x\b", label) for label in labels), labels
    assert any(re.match(r"^out\b", label) for label in labels), labels
    box.screenshot(path=str(artifacts / "graph.png"))


def test_clicking_a_node_shows_its_details(page, artifacts):
    box = widget(page, "seed-08-backward")
    show_tab(box, "Graph")
    detail = box.locator(".gm-detail")
    assert not detail.count()  # nothing selected yet: a hint instead
    node = box.locator(".gm-svg svg g.node", has_text="MeanBackward0")
    node.click()
    detail.wait_for(timeout=10_000)
    assert "MeanBackward0" in detail.locator(".gm-name").first.inner_text()
    assert node.evaluate("(el) => el.classList.contains('gm-selected')")
    box.screenshot(path=str(artifacts / "graph-selected.png"))


INSIDE = """([drawing, nodes]) => {
    const frame = drawing.getBoundingClientRect();
    return nodes.every((node) => {
        const r = node.getBoundingClientRect();
        return r.top >= frame.top - 1 && r.bottom <= frame.bottom + 1 && r.left >= frame.left - 1 && r.right <= frame.right + 1;
    });
}"""


def test_long_chain_is_drawn_node_by_node_and_fits(page, artifacts):
    box = widget(page, "seed-10-loop")  # y = x * 2, then y = y * 2 until its norm passes 1000
    show_tab(box, "Graph")
    labels = node_labels(box)
    assert sum(label == "MulBackward0" for label in labels) >= 9, labels
    assert "AccumulateGrad" in labels
    drawing, nodes = box.locator(".gm-svg"), box.locator(".gm-svg svg g.node")
    assert page.evaluate(INSIDE, [drawing.element_handle(), nodes.element_handles()])  # all of it, no cut
    box.screenshot(path=str(artifacts / "graph-chain.png"))
    toggle = box.locator("button.gm-fit-toggle")
    toggle.click()  # actual size: as tall as it is, with a scroll bar in the drawing's box
    assert toggle.inner_text() == "fit to view"
    assert drawing.evaluate("(el) => el.scrollHeight > el.clientHeight")
    box.screenshot(path=str(artifacts / "graph-chain-actual-size.png"))
    toggle.click()


def test_one_legend_and_a_download_button(page, artifacts):
    box = widget(page, "added-renderer")  # --renderer builtin, which drew a legend of its own
    show_tab(box, "Graph")
    assert box.locator(".gm-legend").count() == 1
    drawn = box.locator(".gm-svg svg text").evaluate_all("(texts) => texts.map((t) => t.textContent)")
    assert drawn and "leaf tensor" not in drawn  # SVG text has no innerText
    link = box.locator("a.gm-button", has_text="download DOT")
    assert link.get_attribute("download") == "graph.dot" and link.get_attribute("href").startswith("blob:")
    assert link.evaluate("(el) => getComputedStyle(el).borderTopStyle") == "solid"
    box.screenshot(path=str(artifacts / "graph-builtin.png"))
    show_tab(box, "Gradients")
    assert box.locator(".gm-grid td").all_inner_texts() == ["2.", "-4.", "0.", "6."]
    box.screenshot(path=str(artifacts / "gradients-colours.png"))


ONE_LINE = """(cells) => cells.every((cell) => {
    const range = document.createRange();
    range.selectNodeContents(cell);
    return range.getClientRects().length === 1;
})"""


def test_shapes_stay_on_one_line(page):
    box = widget(page, "added-no-graph")  # big: (100, 100), beside a wide summary
    show_tab(box, "Tensors")
    shapes = box.locator(".gm-shape")
    assert "(100, 100)" in shapes.all_inner_texts()
    assert page.evaluate(ONE_LINE, shapes.element_handles())


def test_gradients_tab_shows_x_grad(page, artifacts):
    box = widget(page, "seed-08-backward")
    assert show_tab(box, "Gradients").count() == 1
    row = box.locator(".gm-panel table.gm-table tr", has=page.locator("td.gm-name", has_text=re.compile("^x$")))
    cells = row.locator(".gm-grid td").all_inner_texts()
    assert cells == ["4.5000"] * 4  # as the seed's print(x.grad) shows it
    box.screenshot(path=str(artifacts / "gradients.png"))


def test_custom_function_node(page, artifacts):
    box = widget(page, "seed-38-apply")
    show_tab(box, "Graph")
    assert any("MulConstantBackward" in label for label in node_labels(box)), node_labels(box)
    after = widget(page, "seed-39-backward")  # after b.backward(torch.ones_like(a))
    show_tab(after, "Graph")
    after.locator(".gm-svg svg g.node", has_text="MulConstantBackward").click()
    detail = after.locator(".gm-detail")
    detail.wait_for(timeout=10_000)
    labels = detail.locator(".gm-label").all_inner_texts()
    fields = dict(zip(detail.locator("th").all_inner_texts(), detail.locator("td").all_inner_texts()))
    assert fields.get("ctx.constant") == "5", fields  # what forward kept on ctx for backward
    assert not [label for label in fields if label.startswith("saved ")], fields
    assert any(label.startswith("gradient in") for label in labels), labels
    assert any(label.startswith("gradient out") for label in labels), labels
    after.screenshot(path=str(artifacts / "custom-function.png"))


def test_no_graph_and_roots_options(page, artifacts):
    box = widget(page, "added-no-graph")
    show_tab(box, "Graph")
    assert "--no-graph" in box.locator(".gm-panel").inner_text()
    assert not box.locator(".gm-svg svg").count()
    show_tab(box, "Tensors")
    box.screenshot(path=str(artifacts / "no-graph-large-tensor.png"))
    roots = widget(page, "added-roots")
    show_tab(roots, "Graph")
    labels = node_labels(roots)
    assert any("ReluBackward0" in label for label in labels) and not any("MeanBackward0" in label for label in labels)


def test_switching_tabs_switches_the_panel(page):
    box = widget(page, "seed-06-out")
    show_tab(box, "Graph")
    assert box.locator(".gm-svg svg").is_visible()
    show_tab(box, "Tensors")
    assert not box.locator(".gm-svg svg").count()
    assert box.locator(".gm-panel table.gm-table").first.is_visible()
    assert box.locator(".gm-tabs button.gm-active").all_inner_texts() == ["Tensors"]


def test_no_console_errors(page):
    """Not one console error or uncaught exception, ours (widget.js) or JupyterLab's, in the whole run."""
    assert not page.errors, "\n".join(page.errors)


def test_stepping_through_backward(page, artifacts):
    """The Graph tab of a cell with two backward calls: next, previous, the slider, gradients on edges."""
    box = widget(page, "added-steps")  # loss = (h * h).sum(), h = w * 3; backward twice
    show_tab(box, "Graph")
    stepper = box.locator(".gm-steps")
    stepper.wait_for(timeout=10_000)
    marked = box.locator(".gm-svg svg g.node.gm-step-node")
    seen = []
    for _ in range(8):
        assert marked.count() == 1
        seen.append((stepper.locator(".gm-step > .gm-name").inner_text(), marked.locator("text").first.text_content().strip()))
        if len(seen) < 8:
            stepper.locator("button.gm-next").click()
    order = ["SumBackward0", "MulBackward0", "MulBackward0", "AccumulateGrad"]
    assert [title for title, _ in seen] == order * 2
    assert [label for _, label in seen] == order * 2  # the node marked in the graph is the step's
    assert "step 8 of 8" in stepper.inner_text() and stepper.locator("button.gm-next").is_disabled()
    assert "w.grad before" in stepper.inner_text() and "w.grad after" in stepper.inner_text()
    assert "leaf.grad += grad" in stepper.inner_text()
    box.screenshot(path=str(artifacts / "steps-accumulate.png"))

    stepper.locator("button.gm-prev").click()
    assert "step 7 of 8" in stepper.inner_text()
    stepper.locator("input.gm-step-slider").evaluate(
        "(el) => { el.value = '1'; el.dispatchEvent(new Event('input', { bubbles: true })); }")
    assert "step 2 of 8" in stepper.inner_text() and "sent to" in stepper.inner_text()
    assert box.locator(".gm-svg svg g.edge.gm-step-edge").count() == 2  # h * h: two edges to h's node

    assert not box.locator(".gm-svg svg").inner_html().count("‖g‖")
    box.locator("label.gm-check", has_text="gradients on edges").click()
    texts = box.locator(".gm-svg svg text").all_text_contents()
    assert any(text.startswith("Σ ") for text in texts), texts  # where h * h's two edges meet
    assert sum("‖g‖" in text for text in texts) >= 5, texts
    assert marked.count() == 1  # the step stays marked on the other drawing
    box.screenshot(path=str(artifacts / "steps-gradients-on-edges.png"))
