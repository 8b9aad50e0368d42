"""A custom Function's node shows what its forward stored on ctx: attributes and saved tensors."""
import pytest

import grad_magic
from grad_magic.graph import build_graph
from grad_magic.views.details import node_detail

SCALE = """
class Scale(Function):
    @staticmethod
    def forward(ctx, tensor, constant):
        ctx.constant = constant
        ctx.note = "<b>kept</b>"
        ctx.offset = torch.tensor([0.5, 1.5])
        ctx.save_for_backward(tensor)
        ctx.set_materialize_grads(False)
        return tensor * constant

    @staticmethod
    def backward(ctx, grad_output):
        (tensor,) = ctx.saved_tensors
        return grad_output * ctx.constant, None
"""


def run_scale(grad, then=""):
    code = f"from torch.autograd.function import Function\n{SCALE}\na = torch.ones(2, requires_grad=True)\nb = Scale.apply(a, 5)\n{then}"
    assert grad(code).success
    view = grad_magic.last_view()
    node = next(n for n in view.graph["nodes"] if n["label"] == "ScaleBackward")
    return view, view.node_detail(node["id"])


def texts(block):
    return [cell["text"] for row in block["rows"] for cell in row]


def test_the_node_shows_ctx_attributes_and_saved_tensors(grad):
    _, detail = run_scale(grad)
    fields, blocks = dict(detail["fields"]), {b["label"]: b["values"] for b in detail["blocks"]}
    assert fields["ctx.constant"] == "5" and fields["ctx.note"] == "'<b>kept</b>'"
    assert texts(blocks["ctx.offset"]) == ["0.5000", "1.5000"]
    assert texts(blocks["ctx.saved_tensors[0] (= a)"]) == ["1.", "1."]
    engine_fields = ("saved list", "ctx.needs_input_grad", "ctx.num_outputs", "ctx.materialize_grads")
    assert not [label for label in fields if label in engine_fields or label.startswith("ctx._")]


def test_after_backward_the_saved_tensors_are_freed_and_the_attributes_stay(grad):
    view, detail = run_scale(grad, "b.sum().backward()")
    fields = dict(detail["fields"])
    assert fields["ctx.constant"] == "5"
    assert fields["ctx.saved_tensors"].startswith("not readable: Trying to backward through the graph a second time")
    html = view.widget._repr_mimebundle_()[0]["text/html"]
    assert "ctx.constant: 5" in html and "&lt;b&gt;kept&lt;/b&gt;" in html and "<b>kept</b>" not in html


def test_a_forward_that_saves_nothing_says_so(grad):
    code = """from torch.autograd.function import Function
class Double(Function):
    @staticmethod
    def forward(ctx, t):
        return t * 2
    @staticmethod
    def backward(ctx, g):
        return g * 2
y = Double.apply(torch.ones(1, requires_grad=True))"""
    assert grad(code).success
    view = grad_magic.last_view()
    node = next(n for n in view.graph["nodes"] if n["label"] == "DoubleBackward")
    assert dict(view.node_detail(node["id"])["fields"])["ctx.saved_tensors"] == "()"


def test_real_pytorchs_custom_function_node_reads_alike():
    torch = pytest.importorskip("torch")
    namespace = {"torch": torch, "Function": torch.autograd.Function}
    exec(SCALE, namespace)
    a = torch.ones(2, requires_grad=True)
    b = namespace["Scale"].apply(a, 5)
    graph = build_graph([("b", b)], {id(a): "a", id(b): "b"}).to_data()
    node = next(n for n in graph["nodes"] if n["label"] == "ScaleBackward")
    detail = node_detail(node, None, True)
    fields, blocks = dict(detail["fields"]), {b["label"]: b["values"] for b in detail["blocks"]}
    assert fields["ctx.constant"] == "5" and texts(blocks["ctx.offset"]) == ["0.5000", "1.5000"]
    assert texts(blocks["ctx.saved_tensors[0] (= a)"]) == ["1.", "1."]
    assert not [label for label in fields if label.startswith("saved ")]
