"""The widget shown after a `%%grad` cell: an anywidget whose synced traits are the whole protocol.

Python fills every trait from a CellView (formatted values, colours, the SVG, node details);
widget.js only lays them out and reports the user's clicks back through two traits:
`selected` (a graph node's id; Python answers with `detail`) and `slice_request` (another 2-D
slice of a tensor; Python answers with new rows). Without a live widget front end the same
content appears as static HTML or text, from `_repr_mimebundle_`.
"""
from pathlib import Path

import anywidget
import traitlets

from ..graph import KIND_STYLE, LEGEND
from . import html, sections, text

_HERE = Path(__file__).parent
WIDGET_MIMETYPE = "application/vnd.jupyter.widget-view+json"


def legend():
    return [{"kind": kind, "text": label, **KIND_STYLE[kind]} for kind, label in LEGEND]


def traits_of(view):
    """The synced traits that show a CellView (all but the ones the front end sets)."""
    graph = view.graph or {}
    return {
        "title": view.title,
        "tensors": view.tensors,
        "gradients": view.gradients,
        "svg": graph.get("svg", ""),
        "dot": graph.get("dot", ""),
        "svg_grads": graph.get("svg_grads", ""),
        "steps": graph.get("steps", []),
        "note": view.note,
        "legend": legend() if graph else [],
        "failure": view.failure or {},
        "compare": view.compare or {},
        "interact": view.interact or {},
    }


class GradWidget(anywidget.AnyWidget):
    _esm = _HERE / "widget.js"
    _css = _HERE / "widget.css"

    title = traitlets.Unicode().tag(sync=True)
    tensors = traitlets.List().tag(sync=True)
    gradients = traitlets.List().tag(sync=True)
    svg = traitlets.Unicode().tag(sync=True)
    dot = traitlets.Unicode().tag(sync=True)
    svg_grads = traitlets.Unicode().tag(sync=True)  # the drawing with each edge's gradient written on it
    steps = traitlets.List().tag(sync=True)  # the cell's backward runs, node by node (grad_magic.steps)
    step = traitlets.Int().tag(sync=True)  # the step shown: set by the front end's buttons and slider
    note = traitlets.Unicode().tag(sync=True)
    legend = traitlets.List().tag(sync=True)
    selected = traitlets.Unicode().tag(sync=True)  # set by the front end: a clicked node's id
    detail = traitlets.Dict().tag(sync=True)  # the selected node's detail, set by Python
    slice_request = traitlets.Dict().tag(sync=True)  # set by the front end: {section, row, index}
    failure = traitlets.Dict().tag(sync=True)  # what went wrong when backward failed
    compare = traitlets.Dict().tag(sync=True)  # --compare: what differs from the other engine
    interact = traitlets.Dict().tag(sync=True)  # --interact: the sliders and the latest re-run
    interact_request = traitlets.Dict().tag(sync=True)  # set by the front end: {name, index, value}

    def __init__(self, view, **kwargs):
        super().__init__(**traits_of(view), **kwargs)
        self.view = view
        self.on_interact = None  # set by grad_magic.interact: (name, index, value) -> re-run

    def show_view(self, view):
        """Show another view of the same cell (a --interact re-run) in this widget."""
        self.view = view
        view.widget = self
        with self.hold_sync():
            for name, value in traits_of(view).items():
                setattr(self, name, value)
            self.step = min(self.step, max(len(self.steps) - 1, 0))  # the new run may have fewer steps
            self._show_detail(traitlets.Bunch(new=self.selected))

    @traitlets.observe("interact_request")
    def _interact(self, change):
        request = change.new
        value = request.get("value")
        if self.on_interact is None or not isinstance(value, (int, float)) or isinstance(value, bool):
            return
        try:
            self.on_interact(request.get("name"), request.get("index") or [], float(value))
        except (KeyError, TypeError, ValueError):  # a request for no slider of this cell
            pass

    @traitlets.observe("selected")
    def _show_detail(self, change):
        node_ids = {n["id"] for n in (self.view.graph or {}).get("nodes", [])}
        self.detail = self.view.node_detail(change.new) if change.new in node_ids else {}

    @traitlets.observe("slice_request")
    def _reslice(self, change):
        request = change.new
        section, row = request.get("section"), request.get("row")
        if section not in ("tensors", "gradients") or not isinstance(row, int):
            return
        rows = getattr(self.view, section)
        if 0 <= row < len(rows):
            self.view.reslice(section, row, request.get("index") or [])
            setattr(self, section, list(rows))

    def _repr_mimebundle_(self, **kwargs):
        """The live widget, with static HTML and text for front ends that can't run it."""
        bundle = super()._repr_mimebundle_(**kwargs)
        data, metadata = bundle if isinstance(bundle, tuple) else (bundle or {}, {})
        data = dict(data)
        data["text/plain"] = sections.text(self.view, text.render(self.view))
        data["text/html"] = sections.html(self.view, html.render(self.view))
        return data, metadata
