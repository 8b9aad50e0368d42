"""In-place ops on views (PyTorch's CopySlices and view bases), against PyTorch.

A view remembers its base (`_base`); an in-place op on it makes the base's grad_fn CopySlices and
its own AsStridedBackward0; a view taken before its base changed in place gets a fresh grad_fn;
the cases PyTorch refuses raise its words and change nothing. Each case runs on both libraries
with the same float64 inputs, and everything a user can see is compared.
"""
import numpy as np
import pytest

import engine
import torch_oracle
from engine.autograd import gradcheck
from on_device import cpu_text

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(11)


def rand(*shape):
    return RNG.uniform(-2.0, 2.0, shape)


def edges(node):
    return tuple((None if n is None else n.name(), nr) for n, nr in node.next_functions)


def graph_of(t):
    """What a graph view shows of a tensor: grad_fn's name and next_functions, and is_leaf."""
    node = t.grad_fn
    return (t.requires_grad, t.is_leaf, None if node is None else node.name(), None if node is None else edges(node))


def leaves(lib, *arrays):
    return [lib.tensor(a, requires_grad=True) for a in arrays]


# --- which ops give views, and of what -------------------------------------------------------------
VIEWS = {
    "slice": lambda lib, y: y[1:],
    "slice step": lambda lib, y: y[::2],
    "select": lambda lib, y: y[1],
    "column": lambda lib, y: y[:, 2],
    "ellipsis": lambda lib, y: y[...],
    "full slices": lambda lib, y: y[:, :],
    "None": lambda lib, y: y[None],
    "view": lambda lib, y: y.view(12),
    "view_as": lambda lib, y: y.view_as(lib.zeros(2, 6)),
    "reshape (a view)": lambda lib, y: y.reshape(2, 6),
    "flatten": lambda lib, y: y.flatten(),
    "t": lambda lib, y: y.t(),
    "T": lambda lib, y: y.T,
    "mT": lambda lib, y: y.mT,
    "transpose": lambda lib, y: y.transpose(0, 1),
    "permute": lambda lib, y: y.permute(1, 0),
    "unsqueeze": lambda lib, y: y.unsqueeze(1),
    "squeeze": lambda lib, y: y[:1].squeeze(0),
    "squeeze all": lambda lib, y: y[None].squeeze(),
    "expand": lambda lib, y: y[:1].expand(3, 4),
    "view of a view": lambda lib, y: y.t()[1:][0],
    "split": lambda lib, y: y.split(2)[1],
    "chunk": lambda lib, y: y.chunk(3, 1)[0],
    "unbind": lambda lib, y: y.unbind(1)[2],
}
NOT_VIEWS = {
    "detach": lambda lib, y: y.detach(),
    "data": lambda lib, y: y.data,
    "clone": lambda lib, y: y.clone(),
    "contiguous of a transpose": lambda lib, y: y.t().contiguous(),
    "reshape of a transpose (a copy)": lambda lib, y: y.t().reshape(12),
    "list index": lambda lib, y: y[[0, 2]],
    "mask": lambda lib, y: y[y > 0],
    "arithmetic": lambda lib, y: y * 1,
}


@pytest.mark.parametrize("name", sorted(VIEWS) + sorted(NOT_VIEWS))
@pytest.mark.parametrize("base", ["leaf", "non-leaf", "plain"])
def test_base_is_recorded_as_in_torch(name, base):
    data = rand(3, 4)
    fn = VIEWS.get(name) or NOT_VIEWS[name]
    seen = []
    for lib in (engine, torch):
        x = lib.tensor(data, requires_grad=base != "plain")
        y = x * 2 if base == "non-leaf" else x
        v = fn(lib, y)
        w = v[0] if v.ndim else v[...]  # a view of it has the same base (or v itself)
        seen.append((v._is_view(), v._base is y, w._base is (y if v._is_view() else v), graph_of(v)))
    assert seen[0] == seen[1]


def test_base_is_none_for_a_tensor_that_is_not_a_view():
    for lib in (engine, torch):
        assert lib.zeros(3)._base is None and not lib.zeros(3)._is_view()


# --- an in-place op on a view ------------------------------------------------------------------------
WRITABLE_VIEWS = {name: fn for name, fn in VIEWS.items() if name not in ("expand", "split", "chunk", "unbind")}
OPS = {
    "mul_ number": lambda lib, v, a: v.mul_(3.0),
    "add_ tensor": lambda lib, v, a: v.add_(a.reshape(-1)[: v.shape[-1] if v.ndim else 1].reshape(v.shape[-1:] if v.ndim else ())),
    "mul_ tensor": lambda lib, v, a: v.mul_(a.reshape(-1)[0]),
    "div_": lambda lib, v, a: v.div_(a.reshape(-1)[1] * a.reshape(-1)[1] + 1),
    "pow_": lambda lib, v, a: v.pow_(2),
    "clamp_": lambda lib, v, a: v.clamp_(-1.0, 1.0),
    "zero_": lambda lib, v, a: v.zero_(),
    "fill_ number": lambda lib, v, a: v.fill_(2.5),
    "fill_ tensor": lambda lib, v, a: v.fill_(a.reshape(-1)[2]),
    "copy_": lambda lib, v, a: v.copy_(a.reshape(-1)[: v.numel()].reshape(v.shape) * 3),
    "masked_fill_": lambda lib, v, a: v.masked_fill_(v.detach() > 0, 0.5),
    "+=": lambda lib, v, a: v.__iadd__(1.5),
    "setitem": lambda lib, v, a: v.__setitem__(..., a.reshape(-1)[3]),
}


def _run(lib, x_data, a_data, view, op):
    x, a = leaves(lib, x_data, a_data)
    y = x * 2
    v = view(lib, y)
    op(lib, v, a)
    return x, a, y, v


@pytest.mark.parametrize("op", sorted(OPS))
@pytest.mark.parametrize("view", sorted(WRITABLE_VIEWS))
def test_in_place_on_a_view(view, op):
    """The base's grad_fn is CopySlices, the view's AsStridedBackward0, the versions are shared,
    and the gradients through the base and through the view are PyTorch's."""
    x_data, a_data = rand(3, 4), rand(3, 4)
    weights = rand(3, 4)
    seen = []
    for lib in (engine, torch):
        x, a, y, v = _run(lib, x_data, a_data, WRITABLE_VIEWS[view], OPS[op])
        graph = (graph_of(y), graph_of(v), y._version, v._version, v._base is y)
        (y * lib.tensor(weights)).sum().backward(retain_graph=True)
        through_base = (x.grad.tolist(), a.grad.tolist() if a.grad is not None else None)
        x.grad = a.grad = None
        (v * lib.tensor(weights).reshape(-1)[: v.numel()].reshape(v.shape)).sum().backward()
        through_view = (x.grad.tolist(), a.grad.tolist() if a.grad is not None else None)
        seen.append((graph, torch_oracle.as_numpy(y), through_base, through_view))
    (ours_graph, ours_y, ours_base, ours_view), (graph, y, base, view_grads) = seen
    assert ours_graph == graph
    np.testing.assert_allclose(ours_y, y, rtol=1e-12)
    for ours, theirs in ((ours_base, base), (ours_view, view_grads)):
        np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-12, atol=1e-12)
        assert (ours[1] is None) == (theirs[1] is None)
        if theirs[1] is not None:
            np.testing.assert_allclose(ours[1], theirs[1], rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("view", ["select", "t", "view of a view", "unsqueeze", "slice step"])
@pytest.mark.parametrize("op", ["mul_ tensor", "copy_", "div_", "setitem"])
def test_in_place_on_a_view_passes_gradcheck(view, op):
    def fn(x, a):
        y = x * 2
        OPS[op](engine, WRITABLE_VIEWS[view](engine, y), a)
        return y

    assert gradcheck(fn, tuple(leaves(engine, rand(3, 4), rand(3, 4))))


def test_a_view_of_a_tensor_that_needs_no_grad_written_with_one_that_does():
    """z = zeros(3, 4); z[1:].add_(a): z's CopySlices has no edge for z's old values."""
    a_data = rand(4)
    seen = []
    for lib in (engine, torch):
        a = lib.tensor(a_data, requires_grad=True)
        z = lib.zeros(3, 4, dtype=lib.float64)
        v = z[1:]
        v.add_(a)
        z[0] += a * 2
        (z * z).sum().backward()
        seen.append((graph_of(z), graph_of(v), z.tolist(), a.grad.tolist()))
    assert seen[0] == seen[1]


def test_as_strided_backward_saves_the_views_geometry():
    seen = []
    for lib in (engine, torch):
        x = lib.tensor(rand(3, 4), requires_grad=True)
        y = x * 2
        views = [y[1], y[:, 2], y.t()[1:], y[1:, ::2], y.t()[1], y[:1].expand(3, 4), y[2, 3]]
        y.mul_(2)
        seen.append([(v.grad_fn.name(), tuple(v.grad_fn._saved_size), tuple(v.grad_fn._saved_stride),
                      v.grad_fn._saved_storage_offset, torch_oracle.saved_names(v.grad_fn)) for v in views])
    assert seen[0] == seen[1]


# --- a view taken before its base changed in place -----------------------------------------------------
STALE = {
    "row": lambda lib, y: y[0],
    "transpose": lambda lib, y: y.t(),
    "expand (repeats elements)": lambda lib, y: y[:1].expand(3, 4),
    "view of a view": lambda lib, y: y[1:].t()[2],
    "reshape": lambda lib, y: y.view(2, 6),
}
CHANGES = {
    "mul_ on the base": lambda lib, y, v: y.mul_(3),
    "setitem on the base": lambda lib, y, v: y.__setitem__(1, 7.0),
    "another view": lambda lib, y, v: y[:, 1].add_(5),
    "under no_grad": lambda lib, y, v: _no_grad(lib, lambda: y.mul_(3)),
    "the view itself, then the base": lambda lib, y, v: (v.add_(1), y.mul_(2)),
}


def _no_grad(lib, fn):
    with lib.no_grad():
        fn()


@pytest.mark.parametrize("view, change", [
    (view, change) for view in sorted(STALE) for change in sorted(CHANGES)
    if not (view.startswith("expand") and change.startswith("the view"))  # can't be written
])
def test_a_view_taken_before_its_base_changed_gets_a_fresh_grad_fn(view, change):
    data = rand(3, 4)
    seen = []
    for lib in (engine, torch):
        x = lib.tensor(data, requires_grad=True)
        y = x * 2
        v = STALE[view](lib, y)
        before = v.grad_fn.name()
        CHANGES[change](lib, y, v)
        first = v.grad_fn
        again = v.grad_fn  # made once, then kept until the next change
        (v * v).sum().backward()
        seen.append((before, graph_of(v), first is again, v._version, x.grad.tolist()))
    assert seen[0] == seen[1]


def test_hooks_and_retain_grad_of_a_view_changed_in_place():
    data = rand(3, 4)
    seen = []
    for lib in (engine, torch):
        x = lib.tensor(data, requires_grad=True)
        y = x * 2
        v = y[0]
        v.retain_grad()
        calls = []
        v.register_hook(lambda g: calls.append(g.tolist()))
        v.mul_(3)
        (y * y).sum().backward()
        seen.append((v.retains_grad, v.grad, calls, x.grad.tolist()))
    assert seen[0] == seen[1]


def test_view_made_in_no_grad_mode_requires_grad_as_its_base():
    seen = []
    for lib in (engine, torch):
        x = lib.tensor(rand(3), requires_grad=True)
        with lib.no_grad():
            v, w = x[1:], lib.zeros(3)[1:]
        seen.append((v.requires_grad, v.is_leaf, v.grad_fn, w.requires_grad, graph_of(v * 2), graph_of(w * 2)))
    assert seen[0] == seen[1]


# --- setitem and += through views ---------------------------------------------------------------------
SETITEM = {
    "z[1:][0] = 5": lambda lib, z, a: z[1:].__setitem__(0, 5.0),
    "z.t()[0] = a": lambda lib, z, a: z.t().__setitem__(0, a[:3]),
    "z[0] += 1": lambda lib, z, a: z.__setitem__(0, z[0].__iadd__(1.0)),
    "z[:, 1] *= a": lambda lib, z, a: z.__setitem__((slice(None), 1), z[:, 1].__imul__(a[:3])),
    "z[1][2] = a[0]": lambda lib, z, a: z[1].__setitem__(2, a[0]),
    "z.t()[[0, 2]] = a": lambda lib, z, a: z.t().__setitem__([0, 2], a[:3]),
    "z[1:][mask] = 0": lambda lib, z, a: z[1:].__setitem__(z[1:].detach() > 0, 0.0),
    "z.view(12)[3:5] = a": lambda lib, z, a: z.view(12).__setitem__(slice(3, 5), a[:2]),
}


@pytest.mark.parametrize("name", sorted(SETITEM))
def test_setitem_through_a_view(name):
    x_data, a_data, weights = rand(3, 4), rand(4), rand(3, 4)
    seen = []
    for lib in (engine, torch):
        x, a = leaves(lib, x_data, a_data)
        z = x * 2
        SETITEM[name](lib, z, a)
        (z * lib.tensor(weights)).sum().backward()
        seen.append((graph_of(z), z._version, z.tolist(), x.grad.tolist(), None if a.grad is None else a.grad.tolist()))
    assert seen[0] == seen[1]
    assert gradcheck(lambda x, a: _setitem_result(name, x, a), tuple(leaves(engine, x_data, a_data)))


def _setitem_result(name, x, a):
    z = x * 2
    SETITEM[name](engine, z, a)
    return z


def test_double_backward_through_copy_slices():
    a_data, b_data = rand(3, 4), rand(3, 4)
    results = []
    for lib in (engine, torch):
        a, b = leaves(lib, a_data, b_data)
        y = a * a
        y[1:].mul_(b[1:] * b[1:])
        y.t()[0].copy_(a[:, 0] * b[:, 0])
        grads = lib.autograd.grad(y.sum(), (a, b), create_graph=True)
        second = lib.autograd.grad(sum((g * g).sum() for g in grads), (a, b))
        results.append([torch_oracle.as_numpy(g) for g in grads + second])
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)


# --- what PyTorch refuses: its words, and nothing changed ------------------------------------------------
def _nograd_view(lib, y):
    with lib.no_grad():
        return y[0]


def _nograd_modified(lib, y, view):
    with lib.no_grad():
        view.mul_(2)
    return view.grad_fn


REFUSED = {
    "view of a leaf": lambda lib, x, y: x[0].add_(1),
    "view of a view of a leaf": lambda lib, x, y: x.t()[1:].mul_(2),
    "reshaped leaf": lambda lib, x, y: x.view(12).zero_(),
    "setitem into a leaf's row": lambda lib, x, y: x.__setitem__(0, 1.0),
    "split output": lambda lib, x, y: y.split(1)[2].fill_(0),
    "chunk output": lambda lib, x, y: y.chunk(2, 1)[1].mul_(2),
    "unbind output": lambda lib, x, y: y.unbind(0)[1].add_(1),
    "iterated row": lambda lib, x, y: next(iter(y)).add_(1),
    "view of a split output": lambda lib, x, y: y.split(1)[1][0].mul_(2),
    "split output, base changed": lambda lib, x, y: (lambda p: (y.mul_(2), p[0].grad_fn))(y.split(1)),
    "view of an unbind output, base changed": lambda lib, x, y: (lambda q: (y.mul_(2), q.grad_fn))(y.unbind(0)[1][1:]),
    "unbind output changed under no_grad": lambda lib, x, y: _nograd_modified(lib, y, y.unbind(0)[0]),
    "split of a tensor that needs no grad": lambda lib, x, y: lib.zeros(3, 4, dtype=lib.float64).split(1)[0].add_(x[0]),
    "view made in no_grad": lambda lib, x, y: _nograd_view(lib, y).mul_(2),
    "view of a view made in no_grad": lambda lib, x, y: _nograd_view(lib, y)[1:].mul_(2),
    "view made in no_grad, base changed": lambda lib, x, y: (lambda v: (y.mul_(2), v.grad_fn))(_nograd_view(lib, y)),
    "view made and changed in no_grad": lambda lib, x, y: _nograd_modified(lib, y, _nograd_view(lib, y)),
    "detach_ of a view": lambda lib, x, y: y[1:].detach_(),
    "detach_ of a view of a plain tensor": lambda lib, x, y: lib.zeros(3)[1:].detach_(),
    "expanded view": lambda lib, x, y: y[:1].expand(3, 4).mul_(2),
    "saved, then changed through a view": lambda lib, x, y: (lambda s: (y[0].mul_(2), s.sum().backward()))(y.sin()),
    "a view saved, then its base changed": lambda lib, x, y: (lambda s: (y.mul_(2), s.sum().backward()))(y[0].sin()),
    "backward twice through CopySlices": lambda lib, x, y: (y[0].mul_(x[1]), y.sum().backward(), y.sum().backward()),
}


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_refused_as_in_torch_and_nothing_changes(name):
    data = rand(3, 4)
    errors, states = [], []
    for lib in (engine, torch):
        x = lib.tensor(data, requires_grad=True)
        y = x * 2
        before = (y._version, y.grad_fn)
        with pytest.raises(Exception) as raised:
            REFUSED[name](lib, x, y)
        errors.append((type(raised.value).__name__, str(raised.value)))
        states.append((x.tolist(), y.tolist() if y._version == before[0] else "changed"))
        if y._version == before[0]:
            assert y.grad_fn is before[1]
    (ours_type, ours), (theirs_type, theirs) = errors
    assert ours_type == theirs_type
    assert cpu_text(ours) == theirs
    assert states[0] == states[1]


def test_in_place_on_views_of_integer_tensors():
    for lib in (engine, torch):
        i = lib.zeros(3, 4, dtype=lib.long)
        i[1:].add_(1)
        i.t()[0] = 7
        assert i.tolist() == [[7, 0, 0, 0], [7, 1, 1, 1], [7, 1, 1, 1]]
        assert i._version == 2 and i[0]._base is i and i[0].grad_fn is None
