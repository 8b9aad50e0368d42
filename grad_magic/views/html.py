"""A CellView as static HTML, for front ends without live widgets (nbconvert, notebook viewers).

The same three sections as the widget, with the graph's drawing and each node's details listed
below it. Every name, label and value goes through `escape`; the SVG comes from grad_magic.graph,
which escapes its own text. What must survive sanitisers does: styles are inline (<style> is
dropped), and the drawing is an <img> of the SVG (inline <svg> is dropped, its text left behind
as a run of words, by JupyterLab in an untrusted notebook and by GitHub).
"""
import base64
from html import escape
from urllib.parse import quote

from ..graph import KIND_STYLE, LEGEND

_TABLE = 'style="border-collapse:collapse;font-size:12px;margin:2px 0"'
_CELL = "padding:1px 6px;border:1px solid #ddd;text-align:left;vertical-align:top"
_MONO = "font-family:ui-monospace,Menlo,Consolas,monospace"
_BUTTON = ("display:inline-block;margin:4px 0;padding:1px 10px;border:1px solid #1565c0;border-radius:4px;"
           "color:#1565c0;background:#f5f9ff;text-decoration:none;font-size:12px")


def _e(value):
    return escape(str(value), quote=True)


def _shape(shape):
    return "(" + ", ".join(map(str, shape)) + ("," if len(shape) == 1 else "") + ")"


def _nowrap(text):
    return f'<span style="white-space:nowrap">{_e(text)}</span>'


def values_html(block):
    if block is None:
        return ""
    parts = []
    if block["slicer"]:
        index = ", ".join(map(str, block["slicer"]["index"]))
        parts.append(f'<div style="{_MONO}">{_e(block["summary"])}; slice [{_e(index)}, :, :]</div>')
    elif not block["rows"]:
        parts.append(f'<div style="{_MONO}">{_e(block["summary"])}</div>')
    if block["rows"]:
        rows = "".join(
            "<tr>" + "".join(
                f'<td style="padding:1px 5px;text-align:right;{_MONO};background:{_e(c["bg"])};color:{_e(c["fg"])}">'
                f'{_e(c["text"])}</td>' for c in row) + "</tr>"
            for row in block["rows"]
        )
        parts.append(f'<table class="grad-grid" {_TABLE}>{rows}</table>')
    if block["head"]:
        parts.append(f'<div style="{_MONO}">first values: {_e(" ".join(block["head"]))} …</div>')
    return "".join(parts)


def _row(cells):
    return "<tr>" + "".join(f'<td style="{_CELL}">{cell}</td>' for cell in cells) + "</tr>"


def _header(names):
    return "<tr>" + "".join(f'<th style="{_CELL}">{_e(n)}</th>' for n in names) + "</tr>"


def _tensors(view):
    if not view.tensors:
        return "<p>No tensor was bound or changed by this cell.</p>"
    header = _header(["name", "shape", "dtype", "device", "requires_grad", "is_leaf", "grad_fn", "values"])
    rows = "".join(
        _row([f"<strong>{_e(r['name'])}</strong>", _nowrap(_shape(r["shape"])), _e(r["dtype"]), _e(r["device"]),
              _e(r["requires_grad"]), _e(r["is_leaf"]), _e(r["grad_fn"] or "—"), values_html(r["values"])])
        for r in view.tensors
    )
    return f"<table {_TABLE}>{header}{rows}</table>"


def legend_html():
    items = "".join(
        f'<span style="margin-right:12px"><span style="display:inline-block;width:12px;height:12px;'
        f'background:{_e(KIND_STYLE[kind]["fill"])};border:1px solid {_e(KIND_STYLE[kind]["stroke"])};'
        f'vertical-align:middle"></span> {_e(label)}</span>'
        for kind, label in LEGEND
    )
    return f'<div style="font-size:12px">{items}</div>'


def _node_details(view):
    items = []
    for node in view.graph["nodes"]:
        detail = view.node_detail(node["id"])
        fields = "; ".join(f"{_e(k)}: {_e(v)}" for k, v in detail["fields"])
        blocks = "".join(f"<div>{_e(b['label'])}:</div>{values_html(b['values'])}" for b in detail["blocks"])
        items.append(f"<li><strong>{_e(detail['title'])}</strong> ({_e(detail['kind'])}) {fields}{blocks}</li>")
    return f'<details><summary>Node details</summary><ul style="font-size:12px">{"".join(items)}</ul></details>'


def graph_image(svg):
    """The drawing as an image: an <img> of the SVG as a data: URI, which sanitisers keep."""
    data = base64.b64encode(svg.encode("utf-8")).decode("ascii")
    return f'<img src="data:image/svg+xml;base64,{data}" alt="backward graph" style="max-width:none">'


def _dot_source(dot):
    """The DOT source to copy, and a download link where the page keeps data: links."""
    link = "data:text/vnd.graphviz;charset=utf-8," + quote(dot)
    return (f'<details><summary>Graphviz DOT source</summary>'
            f'<a download="graph.dot" href="{_e(link)}" style="{_BUTTON}">download graph.dot</a>'
            f'<pre style="{_MONO};font-size:11px;max-height:200px;overflow:auto">{_e(dot)}</pre></details>')


def _graph(view):
    if view.graph is None:
        return f"<p>{_e(view.note)}</p>"
    note = f"<p>{_e(view.note)}</p>" if view.note else ""
    return (f'<div class="grad-svg" style="overflow:auto;max-height:600px">{graph_image(view.graph["svg"])}</div>'
            f'{legend_html()}{note}{_dot_source(view.graph["dot"])}{_node_details(view)}')


def _gradients(view):
    if not view.gradients:
        return "<p>No leaf requires grad.</p>"
    rows = "".join(
        _row([f"<strong>{_e(r['name'])}</strong>", _nowrap(_shape(r["shape"])), _e(r["of"]),
              values_html(r["values"]) if r["computed"] else f"<i>{_e(r['status'])}</i>"])
        for r in view.gradients
    )
    return f"<table {_TABLE}>{_header(['name', 'shape', 'of', '.grad'])}{rows}</table>"


def render(view):
    sections = [("Tensors", _tensors(view)), ("Graph", _graph(view)), ("Gradients", _gradients(view))]
    body = "".join(f'<h4 style="margin:8px 0 4px">{name}</h4>{content}' for name, content in sections)
    return f'<div class="grad-magic-static" style="font-size:13px"><div><strong>{_e(view.title)}</strong></div>{body}</div>'
