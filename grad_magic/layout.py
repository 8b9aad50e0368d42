"""Where each node of a Graph goes when Graphviz is not installed, in pixels.

igraph's Sugiyama layout orders the nodes within layers to reduce crossings and routes edges
that skip layers through dummy points; we choose the layers (top to bottom from the outputs)
and turn its unit grid into pixels, giving each node the width its label needs.
"""

from __future__ import annotations

import unicodedata
from collections import deque
from dataclasses import dataclass

import igraph

FONT_SIZE = 12
CHAR_WIDTH = 7.2      # a monospace character at FONT_SIZE (0.6 em)
NODE_HEIGHT = 26
H_PADDING = 20        # left + right, inside a box; ellipses get more (their sides are curved)
H_GAP = 18            # between neighbours in a layer
DUMMY_WIDTH = 8       # the room an edge passing through a layer takes
V_GAP = 34            # between layers
MARGIN = 12
PORT_GAP = 10         # how far apart edges meeting one side of a node are drawn


@dataclass
class Box:
    x: float          # centre
    y: float          # centre
    width: float
    height: float


@dataclass
class Placement:
    boxes: dict[str, Box]                    # node id -> box
    routes: list[list[tuple[float, float]]]  # one per graph edge, in order: source to target
    width: float
    height: float


def text_width(text: str) -> float:
    """Width of text in the monospace font; East Asian wide characters take two cells."""
    cells = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return cells * CHAR_WIDTH


def node_width(label: str, kind: str) -> float:
    padding = H_PADDING * 2 if kind in ("output", "leaf") else H_PADDING
    return text_width(label) + padding


def layered(graph) -> Placement:
    ids = [node.id for node in graph.nodes]
    position = {node_id: k for k, node_id in enumerate(ids)}
    widths = [node_width(node.label, node.kind) for node in graph.nodes]
    edges = [(position[e.source], position[e.target]) for e in graph.edges]
    layers = assign_layers(len(ids), edges, [position[r] for r in graph.roots])

    sugiyama = igraph.Graph(n=len(ids), edges=edges, directed=True).layout_sugiyama(layers=layers)
    # Items of each layer: ('node', index) and ('dummy', edge, point) with igraph's x.
    rows: dict[int, list[tuple[float, tuple]]] = {}
    for k in range(len(ids)):
        rows.setdefault(layers[k], []).append((sugiyama.coords[k][0], ("node", k)))
    for e, points in enumerate(sugiyama.edge_routing):
        for p, (x, y) in enumerate(points):
            rows.setdefault(round(y), []).append((x, ("dummy", e, p)))

    x_of = _place_rows(rows, widths)
    left = min((x_of[item] - _width(item, widths) / 2 for row in rows.values() for _, item in row), default=0)
    shift = MARGIN - left

    def y_of(layer: int) -> float:
        return MARGIN + layer * (NODE_HEIGHT + V_GAP) + NODE_HEIGHT / 2

    boxes = {ids[k]: Box(x_of[("node", k)] + shift, y_of(layers[k]), widths[k], NODE_HEIGHT)
             for k in range(len(ids))}
    routes = []
    for e, (s, t) in enumerate(edges):
        source, target = boxes[ids[s]], boxes[ids[t]]
        route = [(source.x, source.y + NODE_HEIGHT / 2)]
        route += [(x_of[("dummy", e, p)] + shift, y_of(round(y))) for p, (_, y) in enumerate(sugiyama.edge_routing[e])]
        route.append((target.x, target.y - NODE_HEIGHT / 2))
        routes.append(route)
    _spread_ends(routes, edges, widths, [node.kind in ("output", "leaf") for node in graph.nodes])

    width = max((b.x + b.width / 2 for b in boxes.values()), default=0) + MARGIN
    height = y_of(max(layers, default=0)) + NODE_HEIGHT / 2 + MARGIN
    return Placement(boxes, routes, width, height)


def assign_layers(n: int, edges: list[tuple[int, int]], roots: list[int]) -> list[int]:
    """Longest path from the sources, so every edge points down; a source that is not a root
    (a named intermediate tensor) sits just above the node it points to, not at the top."""
    children = [[] for _ in range(n)]
    indegree = [0] * n
    for s, t in edges:
        children[s].append(t)
        indegree[t] += 1
    layer = [0] * n
    sources = [k for k in range(n) if indegree[k] == 0]
    queue = deque(sources)  # Kahn's topological order, iterative
    while queue:
        k = queue.popleft()
        for t in children[k]:
            layer[t] = max(layer[t], layer[k] + 1)
            indegree[t] -= 1
            if indegree[t] == 0:
                queue.append(t)
    root_set = set(roots)
    for k in sources:
        if k not in root_set and children[k]:
            layer[k] = min(layer[t] for t in children[k]) - 1
    return layer


def _width(item, widths) -> float:
    return widths[item[1]] if item[0] == "node" else DUMMY_WIDTH


def _place_rows(rows, widths) -> dict[tuple, float]:
    """Pixel x for each item: igraph's x on a common scale, pushed right where neighbours
    would overlap, so the order igraph chose is kept and no two labels collide."""
    unit = (sum(widths) / len(widths) + H_GAP) / 2 if widths else 1
    x_of = {}
    for row in rows.values():
        right_edge = float("-inf")
        for x, item in sorted(row, key=lambda entry: entry[0]):
            half = _width(item, widths) / 2
            centre = max(x * unit, right_edge + H_GAP + half)
            x_of[item] = centre
            right_edge = centre + half
    return x_of


def _spread_ends(routes, edges, widths, ellipse) -> None:
    """Where several edges meet one side of a node, give each its own point along that side, in
    the left-to-right order of where they come from, so parallel edges (y * y) both show."""
    ends: dict[tuple[int, int], list[tuple[int, int, int]]] = {}  # (node, side) -> (edge, end, neighbour)
    for e, (s, t) in enumerate(edges):
        ends.setdefault((s, +1), []).append((e, 0, 1))     # leaves the bottom of s
        ends.setdefault((t, -1), []).append((e, -1, -2))   # enters the top of t
    for (node, side), members in ends.items():
        members.sort(key=lambda m: (routes[m[0]][m[2]][0], m[0]))
        gap = min(PORT_GAP, 0.6 * widths[node] / len(members))
        for k, (e, end, _) in enumerate(members):
            x, y = routes[e][end]
            dx = (k - (len(members) - 1) / 2) * gap
            dy = 0.0
            if ellipse[node]:  # follow the curve, so the end still touches the outline
                rx, ry = widths[node] / 2, NODE_HEIGHT / 2
                dy = ry - ry * (max(0.0, 1 - (dx / rx) ** 2)) ** 0.5
            routes[e][end] = (x + dx, y - side * dy)
