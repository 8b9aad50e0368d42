"""The built-in SVG drawing of a Graph, for when Graphviz is not installed.

Nodes are drawn in the colours of `Graph.to_dot` (boxes for functions, ellipses for tensors),
edges as smooth curves through the layout's points with a drawn arrowhead (no <marker> ids that
could clash between several drawings on one page), and a legend below. Every node's <g> carries
id="n3" and data-node="n3" so a front end can make it clickable. All text is escaped.
"""

from __future__ import annotations

from html import escape

from .graph import KIND_STYLE, LEGEND, Node
from .layout import CHAR_WIDTH, FONT_SIZE, MARGIN, Box, Placement, text_width

FONT_FAMILY = "ui-monospace, SFMono-Regular, Menlo, Consolas, DejaVu Sans Mono, monospace"
EDGE_COLOUR = "#555555"
ARROW_LENGTH = 7
ARROW_HALF_WIDTH = 3.5
LEGEND_HEIGHT = 22
SWATCH = 14


def draw(graph, placement: Placement) -> str:
    legend, legend_width = _legend(placement.height)
    width = max(placement.width, legend_width + 2 * MARGIN)
    height = placement.height + LEGEND_HEIGHT + MARGIN
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="grad-graph" width="{width:.0f}" height="{height:.0f}" '
        f'viewBox="0 0 {width:.1f} {height:.1f}" font-family="{escape(FONT_FAMILY)}" font-size="{FONT_SIZE}">'
    ]
    for edge, route in zip(graph.edges, placement.routes):
        parts.append(_edge(edge, route))
    for node in graph.nodes:
        parts.append(_node(node, placement.boxes[node.id]))
    parts.append(legend)
    parts.append("</svg>")
    return "\n".join(parts)


def _node(node: Node, box: Box) -> str:
    style = KIND_STYLE[node.kind]
    paint = f'fill="{style["fill"]}" stroke="{style["stroke"]}" stroke-width="1.2"'
    if node.stands_for_many:
        paint += ' stroke-dasharray="4 3"'
    if style["shape"] == "ellipse":
        shape = f'<ellipse cx="{box.x:.1f}" cy="{box.y:.1f}" rx="{box.width / 2:.1f}" ry="{box.height / 2:.1f}" {paint}/>'
    else:
        shape = (f'<rect x="{box.x - box.width / 2:.1f}" y="{box.y - box.height / 2:.1f}" '
                 f'width="{box.width:.1f}" height="{box.height:.1f}" rx="5" {paint}/>')
    node_id = escape(node.id)
    label = escape(node.label)
    return (f'<g class="node {escape(node.kind)}" id="{node_id}" data-node="{node_id}">'
            f"<title>{label}</title>{shape}{_text(box.x, box.y, node.label)}</g>")


def _text(x: float, y: float, text: str, anchor: str = "middle") -> str:
    # dy centres the text on y without relying on dominant-baseline support.
    return f'<text x="{x:.1f}" y="{y:.1f}" dy="0.35em" text-anchor="{anchor}" fill="#111111">{escape(text)}</text>'


def _edge(edge, route: list[tuple[float, float]]) -> str:
    """A curve through the route with vertical tangents at each point (like Graphviz's
    splines), stopping short of the target so the arrowhead's tip touches the node."""
    tip_x, tip_y = route[-1]
    points = route[:-1] + [(tip_x, tip_y - ARROW_LENGTH)]
    path = [f"M{points[0][0]:.1f},{points[0][1]:.1f}"]
    for (x0, y0), (x1, y1) in zip(points, points[1:]):
        middle = (y0 + y1) / 2
        path.append(f"C{x0:.1f},{middle:.1f} {x1:.1f},{middle:.1f} {x1:.1f},{y1:.1f}")
    base = tip_y - ARROW_LENGTH
    arrow = (f"{tip_x - ARROW_HALF_WIDTH:.1f},{base:.1f} {tip_x + ARROW_HALF_WIDTH:.1f},{base:.1f} "
             f"{tip_x:.1f},{tip_y:.1f}")
    return (f'<g class="edge" data-from="{escape(edge.source)}" data-to="{escape(edge.target)}" '
            f'data-slot="{edge.slot}">'
            f'<path d="{" ".join(path)}" fill="none" stroke="{EDGE_COLOUR}" stroke-width="1.2"/>'
            f'<polygon points="{arrow}" fill="{EDGE_COLOUR}"/></g>')


def _legend(top: float) -> tuple[str, float]:
    """One row of swatches under the drawing; returns the SVG and its width."""
    y = top + LEGEND_HEIGHT / 2
    x = MARGIN
    parts = ['<g class="legend">']
    for kind, text in LEGEND:
        style = KIND_STYLE[kind]
        paint = f'fill="{style["fill"]}" stroke="{style["stroke"]}"'
        if style["shape"] == "ellipse":
            parts.append(f'<ellipse cx="{x + SWATCH / 2:.1f}" cy="{y:.1f}" rx="{SWATCH / 2}" ry="{SWATCH / 3:.1f}" {paint}/>')
        else:
            parts.append(f'<rect x="{x:.1f}" y="{y - SWATCH / 3:.1f}" width="{SWATCH}" height="{2 * SWATCH / 3:.1f}" '
                         f'rx="2" {paint}/>')
        parts.append(_text(x + SWATCH + 4, y, text, anchor="start"))
        x += SWATCH + 4 + text_width(text) + 2 * CHAR_WIDTH
    parts.append("</g>")
    return "".join(parts), x - MARGIN
