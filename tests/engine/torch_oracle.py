"""What the engine's tests against PyTorch share: reading tensors and nodes of either library the
same way, one comparison of a tensor with PyTorch's, and the outcome of a small program run with
`torch` meaning either library."""
import copy
import operator
import pickle

import numpy as np

from on_device import cpu_text


def as_numpy(t):
    return np.asarray(t.detach().cpu().numpy())


def assert_same_tensor(ours, theirs, atol=1e-6, rtol=1e-5):
    assert str(ours.dtype) == str(theirs.dtype)
    assert tuple(ours.shape) == tuple(theirs.shape)
    np.testing.assert_allclose(as_numpy(ours), as_numpy(theirs), atol=atol, rtol=rtol, equal_nan=True)


def saved_names(node):
    return sorted(a for a in dir(node) if a.startswith("_saved_"))


def signed(value):
    """PyTorch shows some saved negative ints (ignore_index, dims) as unsigned 64-bit numbers."""
    if isinstance(value, int) and value >= 2 ** 63:
        return value - 2 ** 64
    if isinstance(value, (tuple, list)):
        return tuple(signed(v) for v in value)
    return value


def describe(value):
    """A value as comparable across the two libraries: a tensor by its dtype, shape, values,
    requires_grad and grad_fn's name."""
    if hasattr(value, "grad_fn") and hasattr(value, "requires_grad"):  # a Tensor of either
        grad_fn = value.grad_fn.name() if value.grad_fn is not None else None
        return ("tensor", str(value.dtype), tuple(value.shape), repr(value.tolist()), value.requires_grad, grad_fn)
    if isinstance(value, (list, tuple)):
        return type(value).__name__, [describe(v) for v in value]
    if isinstance(value, str):
        return "str", cpu_text(value)
    return "value", type(value).__name__, cpu_text(repr(value))


def outcome(lib, program):
    """What `program` gives with `torch` meaning `lib` (and np, operator, copy, pickle at hand):
    its last line's value, described, or the class and message of the error it raised."""
    namespace = {"torch": lib, "np": np, "operator": operator, "copy": copy, "pickle": pickle}
    *statements, last = program.strip().split("\n")
    # compiled first: a program that is no program fails the test, rather than both libraries
    statements, last = compile("\n".join(statements), "<program>", "exec"), compile(last, "<program>", "eval")
    try:
        exec(statements, namespace)
        return describe(eval(last, namespace))
    except Exception as error:  # noqa: BLE001 - the class and message are what is compared
        return "error", type(error).__name__, cpu_text(str(error))
