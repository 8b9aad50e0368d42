"""What the engine's tests against PyTorch share: reading tensors and nodes of either library the
same way, and one comparison of a tensor with PyTorch's."""
import numpy as np


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
