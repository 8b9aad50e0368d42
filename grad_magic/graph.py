"""The backward graph of a cell, as plain Python, and its renderings.

`build_graph` walks what `backward()` would walk, using only PyTorch's public autograd API
(`grad_fn`, `next_functions`, `name()`, `AccumulateGrad.variable`, `_saved_*` attributes), so it
draws our engine's graphs and real PyTorch's alike. The result, a `Graph`, is plain data plus a
`ref` on each node back to the live object; it renders as DOT (`to_dot`), SVG (`to_svg`), an
indented text tree (`to_text`) and a dict (`to_data`).

Edges keep PyTorch's direction: output tensor -> its grad_fn -> next_functions ... ->
AccumulateGrad -> leaf tensor.
"""

from __future__ import annotations

import shutil
import subprocess
import unicodedata
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

import graphviz
import numpy as np

from . import function_ctx

KINDS = ("output", "function", "accumulate", "leaf")

# How each kind looks, shared by the Graphviz and the built-in renderer (see Graph.to_dot).
KIND_STYLE = {
    "output": {"shape": "ellipse", "fill": "#c8e6c9", "stroke": "#2e7d32"},
    "function": {"shape": "box", "fill": "#ffe0b2", "stroke": "#e65100"},
    "accumulate": {"shape": "box", "fill": "#e0e0e0", "stroke": "#616161"},
    "leaf": {"shape": "ellipse", "fill": "#bbdefb", "stroke": "#1565c0"},
}
LEGEND = (
    ("output", "output / named tensor"),
    ("function", "backward function"),
    ("accumulate", "AccumulateGrad"),
    ("leaf", "leaf tensor"),
)

MAX_LABEL = 48       # longer labels are cut with an ellipsis (the detail keeps the full text)
SMALL_TENSOR = 100   # tensors up to this many elements keep all their values in `detail`
SAVED_VALUES = 16    # saved tensors up to this many elements show their values
MIN_FOLD = 3         # shorter chains are not worth folding


@dataclass
class Node:
    id: str
    kind: str                      # one of KINDS
    label: str
    detail: dict
    ref: Any = field(default=None, repr=False, compare=False)  # the tensor or autograd node

    @property
    def stands_for_many(self) -> bool:
        """A folded chain or the "… more" node, rather than one autograd node."""
        return "folded" in self.detail or "omitted" in self.detail


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    slot: int                      # position in the source's next_functions (0 for tensors)


@dataclass
class GradLabels:
    """Gradients to write on a drawing (see gradflow.grad_labels): text by edge index in
    Graph.edges, and by node id where gradients from several nodes meet (their sum)."""
    edges: dict[int, str]
    nodes: dict[str, str]


GRAD_COLOUR = "#6a1b9a"  # gradient labels, apart from the kinds' colours


@dataclass
class Graph:
    nodes: list[Node]
    edges: list[Edge]
    roots: list[str]               # ids of the root tensors' nodes, in the order given
    hidden: int = 0                # autograd nodes folded into chains or left out (max_nodes)

    def node(self, node_id: str) -> Node:
        return self._by_id()[node_id]

    def outgoing(self, node_id: str) -> list[Edge]:
        return [e for e in self.edges if e.source == node_id]

    def _by_id(self) -> dict[str, Node]:
        return {n.id: n for n in self.nodes}

    # ---------------------------------------------------------------- renderings

    def to_dot(self, grads: GradLabels | None = None) -> str:
        """DOT source for Graphviz; with `grads`, the gradients as external labels (purple).

        Colours (as in torchviz, the legend lives here):
          green ellipse   an output (a root tensor of the cell) or a named non-leaf tensor
          orange box      a backward function (MulBackward0, ...); dashed when it stands for a
                          folded chain or for nodes left out
          grey box        AccumulateGrad, which adds the gradient into a leaf's .grad
          blue ellipse    a leaf tensor

        Every label goes through `graphviz.escape`, so names are literal text: no HTML-like
        labels, no backslash escapes, and quotes are quoted by the graphviz package.
        """
        return self._digraph(grads).source

    def _digraph(self, grads: GradLabels | None = None) -> graphviz.Digraph:
        dot = graphviz.Digraph(
            "backward",
            graph_attr={"rankdir": "TB", "nodesep": "0.25", "ranksep": "0.35", "bgcolor": "transparent"},
            node_attr={"fontname": "Helvetica", "fontsize": "11", "height": "0.3", "style": "filled"},
            edge_attr={"color": "#555555", "arrowsize": "0.7"},
        )
        for node in self.nodes:
            style = KIND_STYLE[node.kind]
            styles = ["filled"]
            if node.kind in ("function", "accumulate"):
                styles.append("rounded")
            if node.stands_for_many:
                styles.append("dashed")
            extra = {}
            if grads and node.id in grads.nodes:  # xlabels leave the layout as it was
                extra = {"xlabel": graphviz.escape(grads.nodes[node.id])}
            dot.node(
                node.id,
                label=graphviz.escape(node.label),
                tooltip=graphviz.escape(node.label),  # hover text; Graphviz would show the id
                shape=style["shape"],
                style=",".join(styles),
                fillcolor=style["fill"],
                color=style["stroke"],
                # `id` and `class` reach the SVG: <g id="n3" class="node function">.
                _attributes={"id": node.id, "class": node.kind, **extra},
            )
        for index, edge in enumerate(self.edges):
            label = grads.edges.get(index) if grads else None
            extra = {} if label is None else {"xlabel": graphviz.escape(label), "fontcolor": GRAD_COLOUR,
                                              "fontsize": "9", "fontname": "Helvetica"}
            dot.edge(edge.source, edge.target, _attributes={"id": f"e{index}", **extra})
        return dot

    def to_svg(self, renderer: str = "auto", grads: GradLabels | None = None) -> str:
        """An SVG drawing; each node's <g> carries id="<node id>" (and data-node in ours), each
        edge's id="e<index in edges>" (data-edge in ours); `grads` writes gradients beside them.

        renderer: 'graphviz' lays out with the `dot` program (an error if it is missing),
        'builtin' lays out with igraph and draws the SVG here, 'auto' uses Graphviz when `dot`
        is on PATH and works, and the built-in drawing otherwise.
        """
        if renderer not in ("auto", "graphviz", "builtin"):
            raise ValueError(f"renderer must be 'auto', 'graphviz' or 'builtin', not {renderer!r}")
        if renderer == "graphviz":
            if shutil.which("dot") is None:
                raise RuntimeError("renderer='graphviz' needs the Graphviz 'dot' program on PATH")
            return self._graphviz_svg(grads)
        if renderer == "auto" and shutil.which("dot") is not None:
            try:
                return self._graphviz_svg(grads)
            except (graphviz.ExecutableNotFound, subprocess.CalledProcessError):
                pass  # a broken Graphviz install must not cost the user the drawing
        from . import layout, svg  # igraph is only needed here

        return svg.draw(self, layout.layered(self), grads)

    def _graphviz_svg(self, grads: GradLabels | None = None) -> str:
        text = self._digraph(grads).pipe(format="svg", encoding="utf-8")
        return text[text.index("<svg"):]  # drop the XML prolog and doctype, for inline HTML

    def to_text(self) -> str:
        """An indented tree from each output down to the leaves, like `tree` prints folders.

        A node reached a second time (y * y) is printed once more, marked "(shown above)", and
        not expanded again; a function node that produced a named tensor says so.
        """
        if not self.nodes:
            return "(empty backward graph)"
        by_id = self._by_id()
        children: dict[str, list[str]] = {n.id: [] for n in self.nodes}
        produced: dict[str, list[str]] = {n.id: [] for n in self.nodes}
        for edge in self.edges:
            children[edge.source].append(edge.target)
        for node in self.nodes:
            if node.kind == "output" and node.id not in self.roots:
                produced[children[node.id][0]].append(node.detail["name"])

        def line_text(node: Node) -> str:
            text = node.label
            if node.kind == "leaf":
                text += "  [leaf]"
            if produced[node.id]:
                text += f"  (grad_fn of {', '.join(produced[node.id])})"
            return text

        lines: list[str] = []
        shown: set[str] = set()
        # An explicit stack of (node id, prefix for its line, prefix for its children's lines).
        stack = [(root, "", "") for root in reversed(self.roots)]
        while stack:
            node_id, prefix, child_prefix = stack.pop()
            node = by_id[node_id]
            if node_id in shown:
                lines.append(prefix + line_text(node) + "  (shown above)")
                continue
            shown.add(node_id)
            lines.append(prefix + line_text(node))
            kids = children[node_id]
            for i in reversed(range(len(kids))):
                last = i == len(kids) - 1
                stack.append((kids[i], child_prefix + ("└── " if last else "├── "),
                              child_prefix + ("    " if last else "│   ")))
        if self.hidden:
            lines.append(f"({self.hidden} autograd nodes folded or left out)")
        return "\n".join(lines)

    def to_data(self, dot: bool = False, svg: bool = False, renderer: str = "auto") -> dict:
        """Plain Python (JSON-friendly) for tests and scripts; DOT and SVG on request."""
        data = {
            "nodes": [{"id": n.id, "kind": n.kind, "label": n.label, "detail": n.detail} for n in self.nodes],
            "edges": [{"from": e.source, "to": e.target, "slot": e.slot} for e in self.edges],
            "roots": list(self.roots),
            "hidden": self.hidden,
        }
        if dot:
            data["dot"] = self.to_dot()
        if svg:
            data["svg"] = self.to_svg(renderer)
        return data


# ==================================================================== building the graph


def build_graph(
    roots: Iterable[tuple[str, Any]],
    names: Mapping[int, str],
    max_nodes: int | None = 300,
    tensors: Iterable[tuple[str, Any]] = (),
) -> Graph:
    """The backward graph from `roots` (the cell's result tensors, as (name, tensor)) to the leaves.

    names maps id(tensor) -> the variable name the user bound it to; leaves are labelled with it.
    tensors, optional, lists (name, tensor) for named tensors: a named non-leaf tensor is shown
    as a tensor node on its grad_fn, so the user sees where `y` is. Named tensors that a node
    saved for backward are found without it.
    Above max_nodes, linear chains are folded into one node and what still does not fit is left
    out behind a single "… more" node (None: no limit).
    """
    roots = [(name or "output", tensor) for name, tensor in roots]
    tensors = [(name, t) for name, t in tensors if getattr(t, "grad_fn", None) is not None]
    raw = _walk([t for _, t in roots])
    pinned = {raw.index[_fn_key(t.grad_fn)] for _, t in tensors if _fn_key(t.grad_fn) in raw.index}
    if max_nodes is None or len(raw.objs) <= max_nodes:
        groups = [[i] for i in range(len(raw.objs))]
    else:
        # Fold runs of one op first (a loop's MulBackward0 × 997); runs of mixed ops if needed.
        groups = _fold_chains(raw, pinned, same_name=True)
        if len(groups) > max_nodes:
            groups = _fold_chains(raw, pinned, same_name=False)
    return _Builder(raw, groups, roots, names, tensors, max_nodes).build()


def _tensor_key(tensor) -> tuple[str, int]:
    return ("t", id(tensor))


def _fn_key(node) -> tuple[str, int]:
    return ("f", id(node))


class _RawGraph:
    """The autograd graph as found, before folding: parallel lists indexed in discovery order.

    The lists keep every object alive, so no id() in `index` can be reused by another object.
    """

    def __init__(self):
        self.objs: list[Any] = []
        self.kinds: list[str] = []
        self.children: list[list[tuple[int, int]]] = []  # (child index, slot)
        self.index: dict[tuple[str, int], int] = {}

    def add(self, key, obj, kind) -> tuple[int, bool]:
        """The index of obj, and whether it was new."""
        if key in self.index:
            return self.index[key], False
        self.index[key] = len(self.objs)
        self.objs.append(obj)
        self.kinds.append(kind)
        self.children.append([])
        return len(self.objs) - 1, True


def _walk(root_tensors: list) -> _RawGraph:
    """Breadth first from the roots, iteratively (a 100,000-node chain is no deeper for us)."""
    raw = _RawGraph()
    queue = deque()
    for tensor in root_tensors:
        kind = "leaf" if tensor.grad_fn is None else "output"
        index, new = raw.add(_tensor_key(tensor), tensor, kind)
        if new:
            queue.append(index)
    while queue:
        index = queue.popleft()
        for child, kind, key, slot in _inputs(raw.objs[index], raw.kinds[index]):
            child_index, new = raw.add(key, child, kind)
            raw.children[index].append((child_index, slot))
            if new:
                queue.append(child_index)
    return raw


def _inputs(obj, kind):
    """What backward reaches next from obj, in order: (object, kind, key, slot)."""
    if kind == "output":
        fn = obj.grad_fn
        return [(fn, _fn_kind(fn), _fn_key(fn), 0)]
    if kind == "function":
        # None marks an input that needs no gradient: there is nothing to draw.
        return [(fn, _fn_kind(fn), _fn_key(fn), slot)
                for slot, (fn, _) in enumerate(obj.next_functions) if fn is not None]
    if kind == "accumulate":
        return [(obj.variable, "leaf", _tensor_key(obj.variable), 0)]
    return []


def _fn_kind(fn) -> str:
    # AccumulateGrad is named "torch::autograd::AccumulateGrad" by PyTorch; `.variable` is what
    # both PyTorch and our engine promise.
    return "accumulate" if hasattr(fn, "variable") else "function"


def _fold_chains(raw: _RawGraph, pinned: set[int], same_name: bool) -> list[list[int]]:
    """Group raw nodes: a run of >= MIN_FOLD function nodes, each with one parent and one input,
    becomes one group (with same_name, only while the node name stays the same).
    Groups come in discovery order of their first member."""
    n = len(raw.objs)
    indegree = [0] * n
    parent = [-1] * n
    for i, kids in enumerate(raw.children):
        for j, _ in kids:
            indegree[j] += 1
            parent[j] = i
    foldable = [raw.kinds[i] == "function" and indegree[i] == 1 and len(raw.children[i]) == 1
                and i not in pinned for i in range(n)]
    name = [raw.objs[i].name() if foldable[i] else None for i in range(n)]
    # continues[i]: i belongs to its parent's run (a foldable node's parent is unique).
    continues = [foldable[i] and foldable[parent[i]] and (not same_name or name[i] == name[parent[i]])
                 for i in range(n)]
    run_of: dict[int, list[int]] = {}  # head -> the run it starts
    in_run = [False] * n
    for i in range(n):
        if foldable[i] and not continues[i]:
            run = [i]
            while continues[raw.children[run[-1]][0][0]]:
                run.append(raw.children[run[-1]][0][0])
            if len(run) >= MIN_FOLD:
                run_of[i] = run
                for j in run:
                    in_run[j] = True
    return [run_of[i] if i in run_of else [i] for i in range(n) if i in run_of or not in_run[i]]


class _Builder:
    """Turns groups of raw nodes into the visible Nodes and Edges, with their details."""

    def __init__(self, raw, groups, roots, names, tensors, max_nodes):
        self.raw, self.groups, self.names = raw, groups, names
        self.root_names = {_tensor_key(t): name for name, t in roots}
        self.tensors = list(tensors)
        self.max_nodes = max_nodes
        self.owner = [0] * len(raw.objs)  # raw index -> group index
        for g, members in enumerate(groups):
            for i in members:
                self.owner[i] = g
        self.nodes: list[Node] = []
        self.edges: list[Edge] = []

    def build(self) -> Graph:
        group_edges = self._group_edges()
        kept, omitted = self._keep(group_edges)
        node_of = {g: f"n{k}" for k, g in enumerate(kept)}
        for g in kept:
            self.nodes.append(self._group_node(node_of[g], g))
        for g, h, slot in group_edges:
            if g in node_of and h in node_of:
                self.edges.append(Edge(node_of[g], node_of[h], slot))
        folded = sum(len(self.groups[g]) - 1 for g in kept)
        if omitted:
            self._add_omitted(kept, node_of, group_edges, omitted)
        self._attach_named(node_of)
        root_ids = []
        for key in self.root_names:
            node_id = node_of[self.owner[self.raw.index[key]]]
            if node_id not in root_ids:
                root_ids.append(node_id)
        return Graph(self.nodes, self.edges, root_ids, hidden=folded + omitted)

    def _group_edges(self) -> list[tuple[int, int, int]]:
        edges, seen = [], set()
        for i, kids in enumerate(self.raw.children):
            for j, slot in kids:
                edge = (self.owner[i], self.owner[j], slot)
                if edge[0] != edge[1] and edge not in seen:
                    seen.add(edge)
                    edges.append(edge)
        return edges

    def _keep(self, group_edges) -> tuple[list[int], int]:
        """Groups to show (breadth first from the roots, within max_nodes) and how many raw
        nodes the rest hold."""
        if self.max_nodes is None or len(self.groups) <= self.max_nodes:
            return list(range(len(self.groups))), 0
        budget = max(self.max_nodes - 1, 1)  # one place is for the "… more" node
        out = [[] for _ in self.groups]
        for g, h, _ in group_edges:
            out[g].append(h)
        starts = [self.owner[self.raw.index[key]] for key in self.root_names]
        kept, queue = set(), deque()
        for g in starts:
            if g not in kept and len(kept) < budget:
                kept.add(g)
                queue.append(g)
        while queue and len(kept) < budget:
            for h in out[queue.popleft()]:
                if h not in kept and len(kept) < budget:
                    kept.add(h)
                    queue.append(h)
        omitted = sum(len(self.groups[g]) for g in range(len(self.groups)) if g not in kept)
        return sorted(kept), omitted

    def _add_omitted(self, kept, node_of, group_edges, omitted):
        """One "… N more nodes" node, linked from every shown node whose inputs were cut."""
        omitted_id = f"n{len(kept)}"
        self.nodes.append(Node(omitted_id, "function", f"… {omitted} more nodes", {"omitted": omitted}))
        linked = set()
        for g, h, slot in group_edges:
            if g in node_of and h not in node_of and g not in linked:
                linked.add(g)
                self.edges.append(Edge(node_of[g], omitted_id, slot))

    # ---------------------------------------------------------------- one visible node

    def _group_node(self, node_id: str, g: int) -> Node:
        members = self.groups[g]
        if len(members) > 1:
            return self._folded_node(node_id, members)
        i = members[0]
        obj, kind = self.raw.objs[i], self.raw.kinds[i]
        if kind in ("output", "leaf"):
            name = self._tensor_name(obj)
            return Node(node_id, kind, _cut(f"{name} {_shape_text(obj.shape)}"), _tensor_detail(obj, name), obj)
        detail = self._function_detail(obj, i)
        return Node(node_id, kind, _cut(_short_name(obj.name())), detail, obj)

    def _folded_node(self, node_id: str, members: list[int]) -> Node:
        counts: dict[str, int] = {}
        for i in members:
            name = _short_name(self.raw.objs[i].name())
            counts[name] = counts.get(name, 0) + 1
        if len(counts) == 1:
            label = f"{next(iter(counts))} × {len(members)}"
        else:
            first, last = (_short_name(self.raw.objs[i].name()) for i in (members[0], members[-1]))
            label = f"{first} … {last} ({len(members)} nodes folded)"
        detail = {"name": label, "folded": len(members), "counts": counts}
        return Node(node_id, "function", _cut(label), detail, self.raw.objs[members[0]])

    def _tensor_name(self, tensor) -> str:
        key = _tensor_key(tensor)
        if key in self.root_names:
            return self.root_names[key]
        return self.names.get(id(tensor), "leaf")

    def _function_detail(self, fn, i: int) -> dict:
        detail = {"name": fn.name(), "inputs": [self._input_label(next_fn) for next_fn, _ in fn.next_functions]}
        if self.raw.kinds[i] == "accumulate":
            detail["variable"] = self._tensor_name(fn.variable)
        saved = {}
        if function_ctx.is_ctx(fn):  # a custom Function: what forward put on ctx, not the engine's fields
            detail["ctx"] = function_ctx.read(fn, self._describe_saved)
        else:
            for attr in dir(fn):
                if attr.startswith("_saved_"):
                    saved[attr[len("_saved_"):]] = self._saved_value(fn, attr)
        detail["saved"] = saved
        return detail

    def _input_label(self, next_fn) -> str | None:
        if next_fn is None:
            return None
        if hasattr(next_fn, "variable"):
            return f"AccumulateGrad({self._tensor_name(next_fn.variable)})"
        return _short_name(next_fn.name())

    def _saved_value(self, fn, attr):
        try:
            value = getattr(fn, attr)
        except RuntimeError as error:  # freed by backward() without retain_graph
            return {"freed": str(error).split(".")[0]}
        return self._describe_saved(value)

    def _describe_saved(self, value):
        if _is_tensor(value):
            if id(value) in self.names and value.grad_fn is not None:
                self.tensors.append((self.names[id(value)], value))  # a named tensor, found
            return _saved_tensor_detail(value, self.names.get(id(value)))
        return _plain(value)

    def _attach_named(self, node_id_of_group):
        """A tensor node for each named non-leaf tensor, pointing at its (visible) grad_fn."""
        seen = set()
        for name, tensor in self.tensors:
            key = _tensor_key(tensor)
            fn_index = self.raw.index.get(_fn_key(tensor.grad_fn))
            if key in self.raw.index or key in seen or fn_index is None:  # a root, or known
                continue
            group = self.owner[fn_index]
            if group not in node_id_of_group or len(self.groups[group]) > 1:
                continue  # its grad_fn is folded away or left out
            seen.add(key)
            node_id = f"n{len(self.nodes)}"
            detail = _tensor_detail(tensor, name)
            self.nodes.append(Node(node_id, "output", _cut(f"{name} {_shape_text(tensor.shape)}"), detail, tensor))
            self.edges.append(Edge(node_id, node_id_of_group[group], 0))


# ==================================================================== details as plain data


def _is_tensor(value) -> bool:
    return hasattr(value, "grad_fn") and hasattr(value, "shape") and hasattr(value, "detach")


def _tensor_detail(tensor, name: str) -> dict:
    # PyTorch warns when .grad of a non-leaf is read unless retain_grad() was called.
    grad = tensor.grad if tensor.is_leaf or getattr(tensor, "retains_grad", False) else None
    grad_fn = tensor.grad_fn
    return {
        "name": name,
        "shape": [int(s) for s in tensor.shape],
        "dtype": str(tensor.dtype),
        "device": str(tensor.device),
        "requires_grad": bool(tensor.requires_grad),
        "is_leaf": bool(tensor.is_leaf),
        "retains_grad": bool(getattr(tensor, "retains_grad", False)),
        "grad_fn": None if grad_fn is None else grad_fn.name(),
        "values": _values(tensor, SMALL_TENSOR),
        "grad": None if grad is None else _values(grad, SMALL_TENSOR),
    }


def _saved_tensor_detail(tensor, name: str | None) -> dict:
    detail = {"shape": [int(s) for s in tensor.shape], "dtype": str(tensor.dtype),
              "values": _values(tensor, SAVED_VALUES)}
    if name is not None:
        detail["name"] = name
    return detail


def _values(tensor, limit: int):
    """All values as nested lists when small; otherwise a few values and statistics."""
    array = _host_array(tensor)
    if array is None:
        return None
    if array.size <= limit:
        return array.tolist()
    flat = array.reshape(-1)
    summary = {"numel": int(array.size), "head": flat[:8].tolist()}
    if np.issubdtype(array.dtype, np.number) and not np.iscomplexobj(array):
        as_float = flat.astype(np.float64)
        summary.update(min=float(as_float.min()), max=float(as_float.max()),
                       mean=float(as_float.mean()), std=float(as_float.std()))
    return summary


def _host_array(tensor):
    """A numpy copy of the values, or None for a tensor that cannot give one (meta, sparse)."""
    host = tensor.detach().cpu()
    try:
        return np.asarray(host.numpy())
    except TypeError:  # dtypes numpy lacks, such as bfloat16
        return np.asarray(host.float().numpy())
    except (RuntimeError, NotImplementedError):
        return None


def _plain(value):
    """Saved non-tensors (ints, sizes, scalars) as plain Python."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (tuple, list)):
        return [_plain(v) for v in value]
    if _is_tensor(value):
        return _saved_tensor_detail(value, None)
    return _cut(repr(value))


def _short_name(name: str) -> str:
    # "torch::autograd::AccumulateGrad" -> "AccumulateGrad"
    return name.rpartition("::")[2]


def _shape_text(shape) -> str:
    return str(tuple(int(s) for s in shape))


def _cut(text: str) -> str:
    """One printable line of at most MAX_LABEL characters."""
    text = "".join(ch if unicodedata.category(ch)[0] != "C" else "\ufffd" for ch in str(text))
    return text if len(text) <= MAX_LABEL else text[: MAX_LABEL - 1] + "…"
