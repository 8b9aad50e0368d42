"""demo.ipynb as committed, before anyone runs it: what JupyterLab and nbconvert's HTML show.

Opened without running, each %%grad output is the widget's static HTML. JupyterLab sanitises the
HTML of an untrusted notebook (one this server did not sign): inline <svg> is dropped and its
text left behind as a run of words. The graph must still be a picture there, and in nbconvert's
HTML. Screenshots go to tests/browser/artifacts/.
"""
import re
import shutil
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[2]
SAVED = "saved-demo.ipynb"  # a copy of its own: the run-all page's autosaves can't touch it
STRIPPED_SVG_TEXT = re.compile(r"\bn\d+->n\d+\b")  # what an <svg> leaves when a sanitiser drops it
GRAPH = 'img[alt="backward graph"]'
LOADED = "(images) => images.every((img) => img.complete && img.naturalWidth > 0 && img.naturalHeight > 0)"


def notebook():
    return nbformat.read(ROOT / "demo.ipynb", as_version=4)


def graph_cell_ids():
    """Cells whose saved static HTML draws a graph."""
    return [c.id for c in notebook().cells if c.cell_type == "code"
            and any("alt=\"backward graph\"" in o.get("data", {}).get("text/html", "") for o in c.outputs)]


def test_the_saved_notebook_in_jupyterlab_shows_each_graph_as_a_picture(chromium, lab, lab_folder, artifacts):
    expected = graph_cell_ids()
    assert len(expected) >= 10
    shutil.copy(ROOT / "demo.ipynb", lab_folder / SAVED)
    page = chromium.new_page()
    try:
        # A workspace of its own, reset: only this notebook, and the other tests' workspace untouched.
        page.goto(f"{lab}/lab/workspaces/saved-notebook/tree/{SAVED}?reset")
        shown = page.locator(".jp-NotebookPanel:visible .jp-Notebook")
        shown.locator(".jp-Cell").first.wait_for(timeout=60_000)
        outputs = shown.locator(".jp-OutputArea")
        images = shown.locator(f".grad-magic-static {GRAPH}")
        images.first.wait_for(timeout=30_000)
        assert images.count() == len(expected)
        page.wait_for_function(LOADED, arg=images.element_handles(), timeout=30_000)
        assert not STRIPPED_SVG_TEXT.search(" ".join(outputs.all_inner_texts()))
        cells = [c.id for c in notebook().cells]
        cell = shown.locator(".jp-Cell").nth(cells.index("seed-08-backward"))
        graph = cell.locator(GRAPH)
        graph.scroll_into_view_if_needed()
        assert graph.bounding_box()["height"] > 100  # drawn at its size, not shrunk to nothing
        cell.locator(".jp-OutputArea").screenshot(path=str(artifacts / "saved-notebook-graph.png"))
    finally:
        page.close()


def test_nbconvert_html_shows_each_graph_as_a_picture(chromium, artifacts, tmp_path):
    from nbconvert import HTMLExporter

    html, _ = HTMLExporter().from_notebook_node(notebook())
    exported = tmp_path / "demo.html"
    exported.write_text(html, encoding="utf-8")
    page = chromium.new_page()
    try:
        page.goto(exported.as_uri())
        images = page.locator(f".grad-magic-static {GRAPH}")
        assert images.count() == len(graph_cell_ids())
        page.wait_for_function(LOADED, arg=images.element_handles(), timeout=30_000)
        assert not STRIPPED_SVG_TEXT.search(page.locator("body").inner_text())
        static = page.locator('[id="cell-id=seed-08-backward"] .grad-magic-static')
        static.scroll_into_view_if_needed()
        static.screenshot(path=str(artifacts / "nbconvert-graph.png"))
    finally:
        page.close()
