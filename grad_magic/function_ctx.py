"""What a custom autograd Function's forward left on its ctx, read as plain data for the graph.

The backward node of a custom Function is also the `ctx` its forward received, in PyTorch and in
our engine. Forward keeps what backward will need there: tensors through `ctx.save_for_backward`,
anything else as an attribute (`ctx.constant = 5`). Both are what a learner wants to see on the
node. Only PyTorch's public API is used: `saved_tensors`, and the instance's own attributes.
"""

# PyTorch's ctx API and bookkeeping, which an engine may keep on the instance: not the user's.
CTX_API = frozenset({
    "needs_input_grad", "materialize_grads", "num_outputs", "metadata", "to_save", "saved_variables",
    "non_differentiable", "dirty_tensors", "saved_tensors", "next_functions", "requires_grad",
})


def is_ctx(node):
    """Whether an autograd node is a custom Function's ctx (it can save tensors for backward)."""
    return hasattr(node, "save_for_backward")


def user_attributes(node):
    """(name, value) of the public attributes forward set on ctx, in the order it set them."""
    own = getattr(node, "__dict__", {})
    return [(name, value) for name, value in own.items() if not name.startswith("_") and name not in CTX_API]


def read(node, describe):
    """{"attributes": {name: value}, "saved_tensors": [value, ...] or {"error": why not}}.

    describe turns a Python value or a tensor into plain data (grad_magic.graph's saved values).
    """
    attributes = {name: describe(value) for name, value in user_attributes(node)}
    try:
        saved = [describe(tensor) for tensor in node.saved_tensors]
    except RuntimeError as error:  # freed by backward(), or changed in place since forward
        saved = {"error": str(error).split(". ")[0]}
    return {"attributes": attributes, "saved_tensors": saved}
