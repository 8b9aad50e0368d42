"""The backward-graph model and its renderings (grad_magic.graph).

The graph code only uses PyTorch's public autograd API, so each test runs against real PyTorch
and against our engine. The 100,000-node chain runs on our engine and on tiny stand-ins for the
API, not on PyTorch: PyTorch 2.13 crashes (segfault) freeing such a chain once Python has looked
at its nodes.
"""

import json
import shutil
import subprocess
import time
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from grad_magic import graph as graph_module
from grad_magic.graph import build_graph

HOSTILE = "<img src=x onerror=alert(1)>"
AWKWARD = 'say "hi" \\ {a|b} \\N end\\'  # quotes, backslashes, record braces, a Graphviz escape
SVG = "{http://www.w3.org/2000/svg}"
DOT = shutil.which("dot")


def seed(torch):
    """The seed tutorial's program: x = ones(2, 2); y = x + 2; z = y * y * 3; out = z.mean()."""
    x = torch.ones(2, 2, requires_grad=True)
    y = x + 2
    z = y * y * 3
    out = z.mean()
    return x, y, z, out


@pytest.fixture(params=["torch", "engine"])
def torch(request):
    """Real PyTorch, then our engine (`import engine as torch`): the graph must draw both."""
    return pytest.importorskip(request.param)


@pytest.fixture
def seed_graph(torch):
    x, y, z, out = seed(torch)
    names = {id(x): "x", id(y): "y", id(z): "z", id(out): "out"}
    return build_graph([("out", out)], names), (x, y, z, out)


def by_label(graph, label):
    return [n for n in graph.nodes if n.label == label]


def parse_svg(text):
    return ET.fromstring(text)


def texts(root):
    return ["".join(el.itertext()) for el in root.iter(SVG + "text")]


def assert_only_text(root, needle):
    """needle shows as text somewhere, and never as markup: no element or attribute made of it;
    attribute values may hold it only as a tooltip (Graphviz writes xlink:title)."""
    assert any(needle in t for t in texts(root))
    for element in root.iter():
        assert element.tag.startswith(SVG), element.tag
        for name, value in element.attrib.items():
            assert "onerror" not in name and name != "src"
            if needle in value:
                assert name == "{http://www.w3.org/1999/xlink}title", name


# ---------------------------------------------------------------- the model


def test_seed_graph_follows_backward(seed_graph):
    graph, (x, y, z, out) = seed_graph
    labels = [n.label for n in graph.nodes]
    assert labels[:7] == ["out ()", "MeanBackward0", "MulBackward0", "MulBackward0", "AddBackward0",
                          "AccumulateGrad", "x (2, 2)"]
    kinds = [n.kind for n in graph.nodes[:7]]
    assert kinds == ["output", "function", "function", "function", "function", "accumulate", "leaf"]
    assert [n.id for n in graph.nodes] == [f"n{i}" for i in range(len(graph.nodes))]
    assert graph.roots == ["n0"]
    chain = [(e.source, e.target, e.slot) for e in graph.edges[:7]]
    # y * y: one AddBackward0 node, reached twice (slots 0 and 1).
    assert chain == [("n0", "n1", 0), ("n1", "n2", 0), ("n2", "n3", 0), ("n3", "n4", 0),
                     ("n3", "n4", 1), ("n4", "n5", 0), ("n5", "n6", 0)]
    assert graph.node("n6").ref is x
    assert graph.node("n5").ref.variable is x
    assert graph.node("n0").ref is out


def test_named_intermediate_found_through_saved_tensors(seed_graph):
    graph, (x, y, z, out) = seed_graph
    (y_node,) = by_label(graph, "y (2, 2)")
    assert y_node.kind == "output" and y_node.ref is y
    add = by_label(graph, "AddBackward0")[0]
    assert [(e.target, e.slot) for e in graph.outgoing(y_node.id)] == [(add.id, 0)]
    assert y_node.id not in graph.roots


def test_named_tensors_given_explicitly(torch):
    x, y, z, out = seed(torch)
    names = {id(x): "x", id(y): "y", id(z): "z", id(out): "out"}
    graph = build_graph([("out", out)], names, tensors=[("x", x), ("y", y), ("z", z), ("out", out)])
    (z_node,) = by_label(graph, "z (2, 2)")
    (target,) = graph.outgoing(z_node.id)
    assert graph.node(target.target).ref is z.grad_fn
    assert len(by_label(graph, "y (2, 2)")) == 1  # found twice, shown once
    assert len(by_label(graph, "x (2, 2)")) == 1 and len(by_label(graph, "out ()")) == 1


def test_function_detail_lists_inputs_and_saved_tensors(seed_graph):
    graph, _ = seed_graph
    square = graph.node("n3").detail  # y * y
    assert square["name"] == "MulBackward0"
    assert square["inputs"] == ["AddBackward0", "AddBackward0"]
    assert square["saved"]["self"] == {"shape": [2, 2], "dtype": "torch.float32",
                                       "values": [[3.0, 3.0], [3.0, 3.0]], "name": "y"}
    assert graph.node("n4").detail["inputs"] == ["AccumulateGrad(x)", None]
    assert graph.node("n1").detail["saved"]["self_sym_sizes"] == [2, 2]
    assert graph.node("n5").detail["variable"] == "x"


def test_tensor_detail_after_backward(torch):
    x, y, z, out = seed(torch)
    out.backward()
    graph = build_graph([("out", out)], {id(x): "x"})
    leaf = graph.node("n6").detail
    assert leaf == {"name": "x", "shape": [2, 2], "dtype": "torch.float32", "device": "cpu",
                    "requires_grad": True, "is_leaf": True, "retains_grad": False, "grad_fn": None,
                    "values": [[1.0, 1.0], [1.0, 1.0]], "grad": [[4.5, 4.5], [4.5, 4.5]]}
    assert graph.node("n0").detail["values"] == 27.0
    # backward() freed what the nodes saved; the detail says so instead of failing.
    assert "freed" in graph.node("n3").detail["saved"]["self"]


def test_big_tensor_values_are_summarised(torch):
    w = torch.arange(1000.0, requires_grad=True)
    graph = build_graph([("s", (w * 2).sum())], {id(w): "w"})
    (leaf,) = by_label(graph, "w (1000,)")
    values = leaf.detail["values"]
    assert values["numel"] == 1000 and values["head"][:3] == [0.0, 1.0, 2.0]
    assert values["min"] == 0.0 and values["max"] == 999.0 and values["mean"] == pytest.approx(499.5)


def test_shared_subgraph_between_two_roots_is_one_node(torch):
    a = torch.ones(3, requires_grad=True)
    b = a.exp()
    u, v = b.sum(), (b * 2).sum()
    graph = build_graph([("u", u), ("v", v)], {id(a): "a"})
    assert len(by_label(graph, "ExpBackward0")) == 1
    assert len(by_label(graph, "a (3,)")) == 1
    assert graph.roots == ["n0", "n1"]


def test_leaf_root_and_empty_graph(torch):
    x = torch.ones(3, requires_grad=True)
    graph = build_graph([("x", x)], {id(x): "x"})
    assert [(n.kind, n.label) for n in graph.nodes] == [("leaf", "x (3,)")] and graph.edges == []
    assert build_graph([], {}).nodes == []
    parse_svg(build_graph([], {}).to_svg(renderer="builtin"))
    parse_svg(graph.to_svg(renderer="builtin"))


def test_unnamed_leaf_and_odd_labels(torch):
    x = torch.ones(1, requires_grad=True)
    graph = build_graph([("a\x00b" + "c" * 100, x * 2)], {})
    assert by_label(graph, "leaf (1,)")
    root = graph.node("n0").label
    assert "\x00" not in root and len(root) <= graph_module.MAX_LABEL and root.endswith("…")


def test_to_data_is_plain_json(seed_graph):
    graph, _ = seed_graph
    data = graph.to_data(dot=True)
    assert json.loads(json.dumps(data)) == data
    assert {"id": "n6", "kind": "leaf", "label": "x (2, 2)"}.items() <= data["nodes"][6].items()
    assert {"from": "n3", "to": "n4", "slot": 1} in data["edges"]
    assert "ref" not in data["nodes"][0]
    assert data["dot"].startswith("digraph")


# ---------------------------------------------------------------- text


def test_to_text_seed(torch):
    x, y, z, out = seed(torch)
    graph = build_graph([("out", out)], {id(x): "x", id(y): "y"})
    assert graph.to_text() == "\n".join([
        "out ()",
        "└── MeanBackward0",
        "    └── MulBackward0",
        "        └── MulBackward0",
        "            ├── AddBackward0  (grad_fn of y)",
        "            │   └── AccumulateGrad",
        "            │       └── x (2, 2)  [leaf]",
        "            └── AddBackward0  (grad_fn of y)  (shown above)",
    ])


# ---------------------------------------------------------------- DOT and SVG, escaping


def hostile_graph(torch):
    x = torch.ones(2, 2, requires_grad=True)
    y = x * 3
    return build_graph([(AWKWARD, y.sum())], {id(x): HOSTILE, id(y): AWKWARD},
                       tensors=[(AWKWARD, y)])


def test_dot_labels_are_escaped(torch):
    source = hostile_graph(torch).to_dot()
    # Quoted strings, never an HTML-like <...> label; backslashes doubled so \N stays literal.
    assert f'label="{HOSTILE} (2, 2)"' in source
    assert 'label="say \\"hi\\" \\\\ {a|b} \\\\N end\\\\ ()"' in source
    assert "label=<" not in source


@pytest.mark.skipif(DOT is None, reason="Graphviz's dot program is not on PATH")
def test_dot_parses_and_labels_stay_literal(torch):
    source = hostile_graph(torch).to_dot()
    result = subprocess.run([DOT, "-Tsvg"], input=source, capture_output=True, text=True, check=True)
    root = parse_svg(result.stdout)
    assert_only_text(root, HOSTILE)
    assert f"{AWKWARD} ()" in texts(root)


def test_builtin_svg_escapes_text(torch):
    graph = hostile_graph(torch)
    root = parse_svg(graph.to_svg(renderer="builtin"))
    assert_only_text(root, HOSTILE)
    assert f"{HOSTILE} (2, 2)" in texts(root)
    assert f"{AWKWARD} ()" in texts(root)


def test_builtin_svg_marks_every_node(seed_graph):
    graph, _ = seed_graph
    root = parse_svg(graph.to_svg(renderer="builtin"))
    assert root.get("viewBox")
    groups = [g for g in root.iter(SVG + "g") if "node" in g.get("class", "").split()]
    assert [g.get("data-node") for g in groups] == [n.id for n in graph.nodes]
    assert [g.get("id") for g in groups] == [n.id for n in graph.nodes]
    edges = [g for g in root.iter(SVG + "g") if g.get("class") == "edge"]
    assert len(edges) == len(graph.edges)
    assert "leaf tensor" not in texts(root)  # the legend is the view's: one, beside either drawing


def test_auto_renderer_without_graphviz_draws_itself(seed_graph, monkeypatch):
    graph, _ = seed_graph
    monkeypatch.setenv("PATH", "")
    monkeypatch.setattr(graph_module.shutil, "which", lambda name: None)
    svg = graph.to_svg()
    assert 'data-node="n0"' in svg
    with pytest.raises(RuntimeError, match="dot"):
        graph.to_svg(renderer="graphviz")
    with pytest.raises(ValueError):
        graph.to_svg(renderer="matplotlib")


@pytest.mark.skipif(DOT is None, reason="Graphviz's dot program is not on PATH")
def test_graphviz_svg_carries_node_ids(seed_graph):
    graph, _ = seed_graph
    root = parse_svg(graph.to_svg(renderer="graphviz"))
    groups = [g for g in root.iter(SVG + "g") if "node" in g.get("class", "").split()]
    assert sorted(g.get("id") for g in groups) == sorted(n.id for n in graph.nodes)
    assert {g.get("class") for g in groups} >= {"node function", "node leaf", "node output", "node accumulate"}
    assert graph.to_svg().startswith("<svg")  # auto picks Graphviz


# ---------------------------------------------------------------- big graphs


class FakeTensor:
    """The public tensor API the graph reads, over a numpy array."""

    def __init__(self, array, grad_fn=None):
        self.array = np.asarray(array, dtype=np.float32)
        self.grad_fn = grad_fn
        self.is_leaf = grad_fn is None
        self.requires_grad = True
        self.shape = self.array.shape
        self.dtype = "float32"
        self.device = "cpu"
        self.grad = None

    def detach(self):
        return self

    def cpu(self):
        return self

    def numpy(self):
        return self.array


class FakeNode:
    def __init__(self, name, *inputs):
        self._name = name
        self.next_functions = tuple((node, 0) for node in inputs)

    def name(self):
        return self._name


class FakeAccumulateGrad(FakeNode):
    def __init__(self, variable):
        super().__init__("AccumulateGrad")
        self.variable = variable


def fake_chain(length, name="MulBackward0"):
    """out = x * c * c * ... (length multiplications), as autograd would record it."""
    x = FakeTensor(np.ones((2, 2)))
    node = FakeNode(name, FakeAccumulateGrad(x), None)
    for _ in range(length - 1):
        node = FakeNode(name, node, None)  # the constant needs no gradient: None
    return x, FakeTensor(np.ones((2, 2)), grad_fn=node)


def test_100k_chain_is_folded():
    x, out = fake_chain(100_000)
    start = time.perf_counter()
    graph = build_graph([("out", out)], {id(x): "x"})
    text, svg = graph.to_text(), graph.to_svg(renderer="builtin")
    print(f"100,000-node chain: build + text + builtin svg in {time.perf_counter() - start:.2f}s")
    assert [n.label for n in graph.nodes] == ["out (2, 2)", "MulBackward0 × 100000", "AccumulateGrad", "x (2, 2)"]
    assert graph.node("n1").detail["folded"] == 100_000
    assert graph.hidden == 99_999
    assert "MulBackward0 × 100000" in text
    parse_svg(svg)


def test_100k_engine_chain_is_folded():
    engine = pytest.importorskip("engine")
    x = engine.ones(2, 2, requires_grad=True)
    h = x
    for _ in range(100_000):
        h = h * 1.0001
    start = time.perf_counter()
    graph = build_graph([("h", h)], {id(x): "x"})
    print(f"engine 100,000-node chain: build_graph in {time.perf_counter() - start:.2f}s")
    assert [n.label for n in graph.nodes] == ["h (2, 2)", "MulBackward0 × 100000", "AccumulateGrad", "x (2, 2)"]
    assert graph.node("n3").ref is x


def test_small_graph_is_not_folded():
    x, out = fake_chain(50)
    graph = build_graph([("out", out)], {id(x): "x"})
    assert len(graph.nodes) == 53 and graph.hidden == 0
    assert build_graph([("out", fake_chain(400)[1])], {}, max_nodes=None).hidden == 0


def test_torch_chain_folds_around_a_named_tensor(torch):
    x = torch.ones(3, requires_grad=True)
    h = x
    for i in range(1000):
        h = h * 1.001
        if i == 499:
            middle = h
    h = h.sum()
    graph = build_graph([("h", h)], {id(x): "x"}, tensors=[("middle", middle)])
    labels = [n.label for n in graph.nodes]
    # The named tensor's grad_fn stays visible, splitting the chain in two folds.
    assert labels == ["h ()", "SumBackward0", "MulBackward0 × 500", "MulBackward0", "MulBackward0 × 499",
                      "AccumulateGrad", "x (3,)", "middle (3,)"]
    assert graph.node("n7").ref is middle
    assert [e.target for e in graph.outgoing("n7")] == ["n3"]


def test_mixed_chain_label():
    x = FakeTensor(np.ones(2))
    node = FakeNode("AddBackward0", FakeAccumulateGrad(x))
    for k in range(600):
        node = FakeNode("MulBackward0" if k % 2 else "ExpBackward0", node)
    graph = build_graph([("out", FakeTensor(np.ones(2), grad_fn=node))], {})
    folded = graph.node("n1")
    assert folded.detail["counts"] == {"MulBackward0": 300, "ExpBackward0": 300, "AddBackward0": 1}
    assert folded.label == "MulBackward0 … AddBackward0 (601 nodes folded)"


def test_wide_graph_is_cut_to_max_nodes(torch):
    xs = [torch.ones(1, requires_grad=True) for _ in range(500)]
    total = xs[0]
    for x in xs[1:]:
        total = total + x  # every AddBackward0 branches: nothing to fold
    graph = build_graph([("total", total)], {id(x): f"x{i}" for i, x in enumerate(xs)}, max_nodes=100)
    assert len(graph.nodes) == 100
    omitted = graph.nodes[-1]
    assert omitted.detail["omitted"] == graph.hidden and omitted.label == f"… {graph.hidden} more nodes"
    assert 99 + graph.hidden == 1 + 499 + 500 + 500  # output, adds, AccumulateGrads, leaves
    assert any(e.target == omitted.id for e in graph.edges)
    parse_svg(graph.to_svg(renderer="builtin"))
    assert graph.to_text().endswith(f"({graph.hidden} autograd nodes folded or left out)")
