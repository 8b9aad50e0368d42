"""Names, labels and values can't inject HTML; big tensors and graphs stay summarised; bad options
get one line."""
import pytest
from IPython.core.error import UsageError

import engine
import grad_magic

EVIL_NAME = "<img src=x onerror=alert(1)>"
EVIL_CLASS = 'Evil"Op<b>'

EVIL_FUNCTION = f"""
from torch.autograd.function import Function
def forward(ctx, t):
    return t * 2
def backward(ctx, g):
    return g * 2
Evil = type({EVIL_CLASS!r}, (Function,), {{"forward": staticmethod(forward), "backward": staticmethod(backward)}})
leaf = torch.ones(2, requires_grad=True)
globals()[{EVIL_NAME!r}] = Evil.apply(leaf).sum()
"""


def rendered(ran):
    (output,) = ran.outputs
    return output.data


def test_a_hostile_variable_name_and_function_name_show_as_text(grad):
    ran = grad(EVIL_FUNCTION)
    assert ran.success, ran.stdout
    view = grad_magic.last_view()
    assert EVIL_NAME in [row["name"] for row in view.tensors]
    data = rendered(ran)
    html, svg = data["text/html"], view.graph["svg"]
    for markup in (html, svg):
        assert EVIL_NAME not in markup and "<b>" not in markup
        assert "&lt;img src=x onerror=alert(1)&gt;" in markup
    assert html.count("<img") == 1  # the drawing's own
    assert "&lt;b&gt;" in svg  # the backward node's label, from the class name
    assert EVIL_NAME in data["text/plain"]  # the text view shows it as it is


def test_hostile_names_in_node_details_are_escaped_in_html(grad):
    ran = grad(EVIL_FUNCTION)
    html = rendered(ran)["text/html"]
    details = html[html.index("Node details"):]
    assert "<img" not in details and "&lt;img" in details


def test_the_dot_source_quotes_hostile_labels(grad):
    assert grad(EVIL_FUNCTION).success
    dot = grad_magic.last_view().graph["dot"]
    label_lines = [line for line in dot.splitlines() if "Evil" in line]
    assert label_lines and all('\\"' in line for line in label_lines)


def test_a_ten_million_element_tensor_is_summarised(grad):
    ran = grad("big = torch.ones(10_000_000, requires_grad=True)\nloss = (big * 2).sum()")
    assert ran.success
    view = grad_magic.last_view()
    block = view.tensor("big")["values"]
    assert block["rows"] == [] and len(block["head"]) == 10 and block["stats"]["numel"] == 10_000_000
    assert len(rendered(ran)["text/html"]) < 200_000


def test_a_long_chain_is_collapsed_by_max_nodes(grad):
    ran = grad("h = torch.ones(2, requires_grad=True)\nfor _ in range(5000):\n    h = h * 1.0001", "--max-nodes 50")
    assert ran.success
    graph = grad_magic.last_view().graph
    assert len(graph["nodes"]) <= 52 and graph["hidden"] > 0


# --- options -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "options, phrase",
    [
        ("--max-nodes abc", "invalid int value"),
        ("--max-nodes 0", "at least 1"),
        ("--renderer nope", "invalid choice"),
        ("--roots 'a b'", "--roots"),
        ("--bogus", "unrecognized arguments"),
        ("--reset", "line magic"),
    ],
)
def test_bad_options_are_one_line_usage_errors(ip, grad, options, phrase):
    ran = grad("ran_anyway = True", options)
    assert not ran.success and isinstance(ran.error, UsageError)
    assert phrase in str(ran.error)
    assert "Traceback" not in ran.stdout + ran.stderr
    assert "ran_anyway" not in ip.user_ns


def test_roots_naming_no_tensor_is_a_usage_error(grad):
    ran = grad("q = 1", "--roots q,missing")
    assert isinstance(ran.error, UsageError) and "'q' is not a tensor (type int)" in str(ran.error)
    ran = grad("q = 1", "--roots missing")
    assert "'missing' is not defined" in str(ran.error)


@pytest.mark.skipif(engine.cuda.is_available(), reason="this machine has CUDA")
def test_an_unavailable_device_is_refused_before_the_cell_runs(ip, grad):
    before = str(engine.get_default_device())
    ran = grad("ran_anyway = True", "--device cuda")
    assert isinstance(ran.error, UsageError) and "CUDA" in str(ran.error)
    assert "ran_anyway" not in ip.user_ns
    assert str(engine.get_default_device()) == before
