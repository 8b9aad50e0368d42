"""The built-in SVG drawing of a Graph, for when Graphviz is not installed.

Nodes are drawn in the colours of `Graph.to_dot` (boxes for functions, ellipses for tensors),
edges as smooth curves through the layout's points with a drawn arrowhead (no <marker> ids that
could clash between several drawings on one page). Every node's <g> carries id="n3" and
data-node="n3" so a front end can make it clickable. All text is escaped. The legend is the
views' (as for Graphviz's drawing), so the drawing has none of its own.
"""

from __future__ import annotations

from html import escape

from .graph import GRAD_COLOUR, KIND_STYLE, Node
from .layout import FONT_SIZE, Box, Placement

FONT_FAMILY = "ui-monospace, SFMono-Regular, Menlo, Consolas, DejaVu Sans Mono, monospace"
EDGE_COLOUR = "#555555"
ARROW_LENGTH = 7
ARROW_HALF_WIDTH = 3.5
GRAD_FONT_SIZE = 10
GRAD_CHAR_WIDTH = 6.0  # a monospace character at GRAD_FONT_SIZE
GRAD_LINE = 13         # a gradient label's height; parallel edges' labels (y * y) stack


def draw(graph, placement: Placement, grads=None) -> str:
    """The drawing; with `grads` (a GradLabels), each gradient written beside its edge or node."""
    labels = _grad_labels(graph, placement, grads) if grads else []
    # Labels may reach past the layout's left edge: the view box grows to the left to show them.
    left = min([0.0] + [x - 4 for x, _, _ in labels])
    right = max([placement.width] + [x + _label_width(text) for x, _, text in labels])
    width, height = right - left, placement.height
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="grad-graph" width="{width:.0f}" height="{height:.0f}" '
        f'viewBox="{left:.1f} 0 {width:.1f} {height:.1f}" font-family="{escape(FONT_FAMILY)}" font-size="{FONT_SIZE}">'
    ]
    for index, (edge, route) in enumerate(zip(graph.edges, placement.routes)):
        parts.append(_edge(edge, route, f"e{index}"))
    for node in graph.nodes:
        parts.append(_node(node, placement.boxes[node.id]))
    if labels:
        parts.append('<g class="grads">' + "".join(_grad_text(*label) for label in labels) + "</g>")
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


def _text(x: float, y: float, text: str) -> str:
    # dy centres the text on y without relying on dominant-baseline support.
    return f'<text x="{x:.1f}" y="{y:.1f}" dy="0.35em" text-anchor="middle" fill="#111111">{escape(text)}</text>'


def _edge(edge, route: list[tuple[float, float]], edge_id: str) -> str:
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
    return (f'<g class="edge" id="{edge_id}" data-edge="{edge_id}" data-from="{escape(edge.source)}" '
            f'data-to="{escape(edge.target)}" data-slot="{edge.slot}">'
            f'<path d="{" ".join(path)}" fill="none" stroke="{EDGE_COLOUR}" stroke-width="1.2"/>'
            f'<polygon points="{arrow}" fill="{EDGE_COLOUR}"/></g>')


# --- gradients written on the drawing ----------------------------------------------------------
def _grad_labels(graph, placement: Placement, grads) -> list[tuple[float, float, str]]:
    """(left x, centre y, text) of each gradient label: beside the middle of its edge, and to the
    right of a node where gradients meet. An edge's label goes on the side away from the other
    edges into the same node (left if any enters right of it); labels on one side stack."""
    into: dict[str, list[int]] = {}
    for index, edge in enumerate(graph.edges):
        into.setdefault(edge.target, []).append(index)
    labels = []
    for indices in into.values():
        ends = {index: placement.routes[index][-1][0] for index in indices}
        sides: dict[bool, list[int]] = {True: [], False: []}  # left? -> edges labelled there
        for index in sorted(i for i in indices if i in grads.edges):
            sides[any(x > ends[index] for x in ends.values())].append(index)
        for left, members in sides.items():
            middles = [_middle(placement.routes[index]) for index in members]
            edge_x = (min if left else max)([x for x, _ in middles], default=0)  # clear of them all
            for k, (index, (_, y)) in enumerate(zip(members, middles)):
                y += (k - (len(members) - 1) / 2) * GRAD_LINE
                text = grads.edges[index]
                labels.append((edge_x - 5 - _label_width(text) if left else edge_x + 5, y, text))
    for node_id, text in grads.nodes.items():
        box = placement.boxes[node_id]
        labels.append((box.x + box.width / 2 + 6, box.y, text))
    return labels


def _middle(route: list[tuple[float, float]]) -> tuple[float, float]:
    (x0, y0), (x1, y1) = route[(len(route) - 1) // 2], route[len(route) // 2]
    return (x0 + x1) / 2, (y0 + y1) / 2


def _label_width(text: str) -> float:
    return len(text) * GRAD_CHAR_WIDTH


def _grad_text(x: float, y: float, text: str) -> str:
    # On a white box, so an edge passing behind doesn't cross the text out.
    return (f'<rect x="{x - 2:.1f}" y="{y - GRAD_LINE / 2:.1f}" width="{_label_width(text) + 4:.1f}" '
            f'height="{GRAD_LINE}" rx="2" fill="#ffffff" fill-opacity="0.9"/>'
            f'<text x="{x:.1f}" y="{y:.1f}" dy="0.35em" font-size="{GRAD_FONT_SIZE}" fill="{GRAD_COLOUR}">'
            f'{escape(text)}</text>')
