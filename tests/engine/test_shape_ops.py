"""Shape ops against PyTorch: views, joins, splits, repeat, flip, copies.

Every case is one lambda `fn(lib, *tensors)` run with `lib` the engine and with torch on the same
float64 inputs; `compare` checks values, dtypes, grad_fn names, next_functions, saved values,
output numbers and the gradient of every input, then runs gradcheck.
"""
import numpy as np
import pytest

import engine
from on_device import cpu_text
from engine.autograd import gradcheck

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(1)


# --- the one helper --------------------------------------------------------------------------------
def rand(*shape):
    return RNG.uniform(-2.0, 2.0, shape)


def edges(node):
    return tuple((None if n is None else n.name(), nr) for n, nr in node.next_functions)


def _plain(value):
    """A saved value as PyTorch shows it: negative ints as unsigned 64-bit (its SymInt storage)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value % 2**64
    if isinstance(value, (tuple, list)):
        return tuple(_plain(v) for v in value)
    if hasattr(value, "detach"):
        return ("tensor", tuple(value.shape), np.round(value.detach().cpu().numpy(), 9).tolist())
    return str(value)


def saved(node):
    return {a: _plain(getattr(node, a)) for a in dir(node) if a.startswith("_saved_")}


def assert_same_tensor(ours, theirs, atol=1e-9):
    assert str(ours.dtype) == str(theirs.dtype)
    assert tuple(ours.shape) == tuple(theirs.shape)
    np.testing.assert_allclose(ours.detach().cpu().numpy(), theirs.detach().numpy(), atol=atol)


def _outputs(result):
    return tuple(result) if isinstance(result, (tuple, list)) else (result,)


def compare(fn, *arrays, check_gradcheck=True):
    """Run `fn` on both libraries; compare everything a user can see of each output, then the
    gradients of a random-weighted sum of the outputs, then gradcheck."""
    ours_in = [engine.tensor(a, requires_grad=True) for a in arrays]
    theirs_in = [torch.tensor(a, requires_grad=True) for a in arrays]
    ours, theirs = _outputs(fn(engine, *ours_in)), _outputs(fn(torch, *theirs_in))
    assert len(ours) == len(theirs)
    for o, t in zip(ours, theirs):
        assert_same_tensor(o, t)
        assert o.requires_grad == t.requires_grad
        assert o.is_leaf == t.is_leaf
        assert o.output_nr == t.output_nr
        if t.grad_fn is None:
            assert o.grad_fn is None or o is ours_in[0]
            continue
        assert o.grad_fn.name() == t.grad_fn.name()
        assert edges(o.grad_fn) == edges(t.grad_fn)
        assert saved(o.grad_fn) == saved(t.grad_fn)
    # x.flatten(0, 0) is x itself in both
    assert [o is i for o in ours for i in ours_in] == [t is i for t in theirs for i in theirs_in]
    differentiable = [i for i, t in enumerate(theirs) if t.requires_grad]
    if not differentiable:
        return
    weights = [rand(*theirs[i].shape) for i in differentiable]
    engine.autograd.backward([ours[i] for i in differentiable], [engine.tensor(w) for w in weights])
    torch.autograd.backward([theirs[i] for i in differentiable], [torch.tensor(w) for w in weights])
    for o, t in zip(ours_in, theirs_in):
        assert (o.grad is None) == (t.grad is None)
        if t.grad is not None:
            assert_same_tensor(o.grad, t.grad)
    if check_gradcheck:
        fresh = tuple(engine.tensor(a, requires_grad=True) for a in arrays)
        assert gradcheck(lambda *xs: fn(engine, *xs), fresh)


def compare_error(fn, *arrays):
    """Both libraries raise the same exception class with the same message (first line); the
    inputs are left as they were."""
    ours_in = [engine.tensor(a, requires_grad=True) for a in arrays]
    theirs_in = [torch.tensor(a, requires_grad=True) for a in arrays]
    with pytest.raises(Exception) as theirs:
        fn(torch, *theirs_in)
    with pytest.raises(type(theirs.value)) as ours:
        fn(engine, *ours_in)
    assert cpu_text(str(ours.value)).splitlines()[0] == str(theirs.value).splitlines()[0]
    for tensor, array in zip(ours_in, arrays):
        assert tensor.grad_fn is None and tensor.grad is None and tensor._version == 0
        np.testing.assert_array_equal(tensor.detach().cpu().numpy(), array)


# --- views: reshape, flatten, transpose, permute, squeeze, expand -------------------------------
VIEWS = {
    "view": ([(2, 3, 4)], lambda lib, x: x.view(6, 4)),
    "view_infer": ([(2, 3, 4)], lambda lib, x: x.view(-1, 3)),
    "view_tuple": ([(2, 3, 4)], lambda lib, x: x.view((4, 6))),
    "view_same_shape": ([(2, 3, 4)], lambda lib, x: x.view(2, 3, 4)),
    "view_0d_to_1x1": ([()], lambda lib, x: x.view(1, 1)),
    "view_to_0d": ([(1,)], lambda lib, x: x.view(())),
    "view_of_transposed_ok": ([(2, 3, 4)], lambda lib, x: x.transpose(0, 1).view(3, 2, 4)),
    "view_split_dim_of_transposed": ([(2, 3, 4)], lambda lib, x: x.transpose(1, 2).view(2, 2, 2, 3)),
    "view_of_expanded": ([(3, 1)], lambda lib, x: x.expand(3, 4).view(3, 2, 2)),
    "view_as": ([(2, 6), (3, 4)], lambda lib, x, y: x.view_as(y) * y),
    "reshape": ([(2, 3, 4)], lambda lib, x: x.reshape(4, -1)),
    "reshape_fn": ([(2, 3, 4)], lambda lib, x: lib.reshape(x, (24,))),
    "reshape_copies_transposed": ([(2, 3, 4)], lambda lib, x: x.transpose(0, 1).reshape(-1)),
    "reshape_alias_of_transposed": ([(2, 3, 4)], lambda lib, x: x.transpose(0, 1).reshape(3, 2, 4)),
    "reshape_alias_of_sliced": ([(2, 3, 4)], lambda lib, x: x[:, 1:].reshape(2, 8)),
    "reshape_alias_of_stepped": ([(2, 3, 4)], lambda lib, x: x[:, :, ::2].reshape(-1)),
    "reshape_of_row_is_view": ([(2, 3, 4)], lambda lib, x: x[1].reshape(-1)),
    "reshape_copies_expanded": ([(3, 1)], lambda lib, x: x.expand(3, 4).reshape(12)),
    "reshape_0d": ([()], lambda lib, x: x.reshape(-1)),
    "reshape_as": ([(2, 6), (3, 4)], lambda lib, x, y: x.reshape_as(y) + y),
    "flatten": ([(2, 3, 4)], lambda lib, x: x.flatten()),
    "flatten_from_1": ([(2, 3, 4)], lambda lib, x: x.flatten(1)),
    "flatten_neg": ([(2, 3, 4)], lambda lib, x: lib.flatten(x, -2)),
    "flatten_0_1": ([(2, 3, 4)], lambda lib, x: x.flatten(0, 1)),
    "flatten_one_dim_is_self": ([(2, 3, 4)], lambda lib, x: x.flatten(1, 1)),
    "flatten_0d": ([()], lambda lib, x: x.flatten()),
    "flatten_transposed_copies": ([(2, 3, 4)], lambda lib, x: x.transpose(0, 2).flatten()),
    "transpose": ([(2, 3, 4)], lambda lib, x: x.transpose(0, 2)),
    "transpose_neg": ([(2, 3, 4)], lambda lib, x: lib.transpose(x, -1, 0)),
    "transpose_same_dim": ([(2, 3)], lambda lib, x: x.transpose(1, 1)),
    "transpose_0d": ([()], lambda lib, x: x.transpose(0, -1)),
    "swapaxes": ([(2, 3, 4)], lambda lib, x: lib.swapaxes(x, 0, 1)),
    "t_2d": ([(2, 3)], lambda lib, x: x.t()),
    "t_1d": ([(3,)], lambda lib, x: lib.t(x)),
    "t_0d": ([()], lambda lib, x: x.t()),
    "T_2d": ([(2, 3)], lambda lib, x: x.T),
    "mT": ([(2, 3, 4)], lambda lib, x: x.mT),
    "permute": ([(2, 3, 4)], lambda lib, x: x.permute(2, 0, 1)),
    "permute_tuple_neg": ([(2, 3, 4)], lambda lib, x: x.permute((-1, 0, 1))),
    "permute_fn": ([(2, 3, 4)], lambda lib, x: lib.permute(x, (1, 2, 0))),
    "permute_then_view": ([(2, 3, 4)], lambda lib, x: x.permute(1, 0, 2).reshape(3, 8)),
    "squeeze_all": ([(3, 1, 4, 1)], lambda lib, x: x.squeeze()),
    "squeeze_none_to_squeeze": ([(3, 4)], lambda lib, x: x.squeeze()),
    "squeeze_dim": ([(3, 1, 4, 1)], lambda lib, x: x.squeeze(1)),
    "squeeze_dim_neg": ([(3, 1, 4, 1)], lambda lib, x: lib.squeeze(x, -1)),
    "squeeze_dim_not_one": ([(3, 1, 4, 1)], lambda lib, x: x.squeeze(0)),
    "squeeze_tuple": ([(3, 1, 4, 1)], lambda lib, x: x.squeeze((1, -1))),
    "squeeze_list": ([(3, 1, 4, 1)], lambda lib, x: x.squeeze([1])),
    "squeeze_empty_tuple": ([(3, 1)], lambda lib, x: x.squeeze(())),
    "squeeze_0d": ([()], lambda lib, x: x.squeeze()),
    "squeeze_0d_dim": ([()], lambda lib, x: x.squeeze(0)),
    "unsqueeze": ([(2, 3)], lambda lib, x: x.unsqueeze(1)),
    "unsqueeze_neg": ([(2, 3)], lambda lib, x: lib.unsqueeze(x, -1)),
    "unsqueeze_0d": ([()], lambda lib, x: x.unsqueeze(0)),
    "expand": ([(3, 1)], lambda lib, x: x.expand(3, 4)),
    "expand_minus_one": ([(3, 1)], lambda lib, x: x.expand(-1, 5)),
    "expand_new_dims": ([(3, 1)], lambda lib, x: x.expand(2, 3, 4)),
    "expand_same": ([(3, 4)], lambda lib, x: x.expand(3, 4)),
    "expand_0d": ([()], lambda lib, x: x.expand(2, 2)),
    "expand_as": ([(1, 4), (3, 4)], lambda lib, x, y: x.expand_as(y) * y),
    "contiguous_of_transposed": ([(2, 3)], lambda lib, x: x.t().contiguous().view(-1)),
    "contiguous_is_self": ([(2, 3)], lambda lib, x: x.contiguous()),
    "clone": ([(2, 3)], lambda lib, x: x.clone()),
    "clone_fn": ([(2, 3)], lambda lib, x: lib.clone(x)),
    "clone_keeps_layout": ([(2, 3)], lambda lib, x: x.t().clone().reshape(-1)),
}


@pytest.mark.parametrize("name", sorted(VIEWS))
def test_views(name):
    shapes, fn = VIEWS[name]
    compare(fn, *(rand(*shape) for shape in shapes))


VIEW_ERRORS = {
    "view_bad_size": ((2, 3, 4), lambda lib, x: x.view(5, 5)),
    "view_two_minus_ones": ((2, 3, 4), lambda lib, x: x.view(-1, -1)),
    "view_negative": ((2, 3, 4), lambda lib, x: x.view(-2, 12)),
    "view_of_transposed": ((2, 3, 4), lambda lib, x: x.transpose(0, 1).view(-1)),
    "view_ambiguous_empty": ((0, 3), lambda lib, x: x.view(-1, 0)),
    "reshape_bad_size": ((2, 3, 4), lambda lib, x: x.reshape(-1, 0)),
    "reshape_float_size": ((2, 3, 4), lambda lib, x: x.reshape((2.0, 12))),
    "flatten_start_after_end": ((2, 3, 4), lambda lib, x: x.flatten(2, 1)),
    "flatten_bad_dim": ((2, 3, 4), lambda lib, x: x.flatten(0, 3)),
    "flatten_0d_bad_dim": ((), lambda lib, x: x.flatten(0, 1)),
    "transpose_bad_dim": ((2, 3, 4), lambda lib, x: x.transpose(0, 3)),
    "t_3d": ((2, 3, 4), lambda lib, x: x.t()),
    "permute_too_few": ((2, 3, 4), lambda lib, x: x.permute(0, 1)),
    "permute_too_few_and_bad": ((2, 3, 4), lambda lib, x: x.permute(0, 5)),
    "permute_duplicate": ((2, 3, 4), lambda lib, x: x.permute(0, -3, 1)),
    "permute_bad_dim": ((2, 3, 4), lambda lib, x: x.permute(0, 1, 5)),
    "squeeze_bad_dim": ((2, 1), lambda lib, x: x.squeeze(2)),
    "squeeze_dims_repeat": ((3, 1, 4, 1), lambda lib, x: x.squeeze((1, 1))),
    "squeeze_dims_bad": ((3, 1, 4, 1), lambda lib, x: x.squeeze((1, 5))),
    "squeeze_0d_bad_dim": ((), lambda lib, x: x.squeeze(5)),
    "unsqueeze_bad_dim": ((2, 3), lambda lib, x: x.unsqueeze(3)),
    "expand_mismatch": ((3, 1), lambda lib, x: x.expand(2, 2)),
    "expand_too_few": ((3, 1), lambda lib, x: x.expand(2)),
    "expand_minus_one_new_dim": ((3, 1), lambda lib, x: x.expand(-1, 3, 2)),
    "repeat_too_few": ((2, 3, 4), lambda lib, x: x.repeat(2, 2)),
    "repeat_negative": ((2, 3, 4), lambda lib, x: x.repeat(2, 2, -1)),
}


@pytest.mark.parametrize("name", sorted(VIEW_ERRORS))
def test_view_errors(name):
    shape, fn = VIEW_ERRORS[name]
    compare_error(fn, rand(*shape))


def test_flatten_of_one_dim_returns_the_tensor_itself():
    x = engine.tensor(rand(2, 3), requires_grad=True)
    assert x.flatten(1, 1) is x and x.flatten(-1, -1) is x


def test_views_share_the_version_counter_and_copies_do_not():
    x = engine.tensor(rand(2, 3, 4))
    views = [x.view(-1), x.reshape(6, 4), x.flatten(1), x.transpose(0, 1), x[0].t(),
             x.permute(2, 1, 0), x.unsqueeze(0), x[:, :1].squeeze(1), x[:, :1].expand(2, 5, 4),
             x.split(1)[1], x.chunk(2, 2)[0], x.unbind(1)[2], x[1], x[:, 1:], x[...], x[None]]
    copies = [x.clone(), x.transpose(0, 1).reshape(-1), x.repeat(1, 1, 1), engine.cat([x, x]),
              engine.stack([x, x]), x[[0, 1]], x[x > 0]]
    assert all(v._version_box is x._version_box for v in views)
    assert not any(c._version_box is x._version_box for c in copies)


# --- cat and stack ---------------------------------------------------------------------------------
JOINS = {
    "cat": ([(2, 3), (4, 3)], lambda lib, a, b: lib.cat([a, b])),
    "cat_dim1": ([(2, 3), (2, 1)], lambda lib, a, b: lib.cat((a, b), dim=1)),
    "cat_neg_dim": ([(2, 3, 1), (2, 3, 2)], lambda lib, a, b: lib.cat([a, b], -1)),
    "cat_three_one_repeated": ([(2, 3), (1, 3)], lambda lib, a, b: lib.cat([a, b, a])),
    "cat_one": ([(2, 3)], lambda lib, a: lib.cat([a])),
    "cat_legacy_empty": ([(0,), (2, 3)], lambda lib, a, b: lib.cat([a, b, a], 1)),
    "cat_all_empty": ([(0,), (0,)], lambda lib, a, b: lib.cat([a, b])),
    "cat_of_views": ([(4, 3)], lambda lib, a: lib.cat([a[1:], a[:2].t().t()])),
    "concat": ([(2, 3), (2, 3)], lambda lib, a, b: lib.concat([a, b], 1)),
    "concatenate": ([(2, 3), (2, 3)], lambda lib, a, b: lib.concatenate([a, b], 1)),
    "stack": ([(2, 3), (2, 3)], lambda lib, a, b: lib.stack([a, b])),
    "stack_dim1": ([(2, 3), (2, 3)], lambda lib, a, b: lib.stack((a, b, a), 1)),
    "stack_neg_dim": ([(2, 3), (2, 3)], lambda lib, a, b: lib.stack([a, b], -1)),
    "stack_0d": ([(), ()], lambda lib, a, b: lib.stack([a, b])),
}


@pytest.mark.parametrize("name", sorted(JOINS))
def test_joins(name):
    shapes, fn = JOINS[name]
    # gradcheck has nothing to perturb in an empty tensor
    compare(fn, *(rand(*shape) for shape in shapes), check_gradcheck="empty" not in name)


JOIN_ERRORS = {
    "cat_empty_list": ([], lambda lib: lib.cat([])),
    "cat_sizes": ([(2, 3), (2, 4)], lambda lib, a, b: lib.cat([a, b])),
    "cat_ndim": ([(2, 3), (3,)], lambda lib, a, b: lib.cat([a, b])),
    "cat_0d": ([(), ()], lambda lib, a, b: lib.cat([a, b])),
    "cat_bad_dim": ([(2, 3), (2, 3)], lambda lib, a, b: lib.cat([a, b], 2)),
    "cat_bad_dim_after_legacy_empty": ([(0,), (2, 3)], lambda lib, a, b: lib.cat([a, b], 5)),
    "cat_not_a_list": ([(2, 3)], lambda lib, a: lib.cat(a)),
    "cat_number_in_list": ([(2, 3)], lambda lib, a: lib.cat([a, 1])),
    "stack_empty_list": ([], lambda lib: lib.stack([])),
    "stack_sizes": ([(2, 3), (2, 4)], lambda lib, a, b: lib.stack([a, b])),
    "stack_bad_dim": ([(2, 3), (2, 3)], lambda lib, a, b: lib.stack([a, b], 3)),
    "stack_number_in_list": ([(2, 3)], lambda lib, a: lib.stack([a, 2.0])),
    "stack_not_a_list": ([(2, 3)], lambda lib, a: lib.stack(a)),
}


@pytest.mark.parametrize("name", sorted(JOIN_ERRORS))
def test_join_errors(name):
    shapes, fn = JOIN_ERRORS[name]
    compare_error(fn, *(rand(*shape) for shape in shapes))


@pytest.mark.parametrize("op", ["cat", "stack"])
@pytest.mark.parametrize("dtypes", [
    ("int64", "float32"), ("int32", "bool"), ("float32", "float64"), ("bool", "bool"),
    ("uint8", "int8"), ("float16", "float32"),
])
def test_join_promotes_dtypes(op, dtypes):
    values = [[1, 0, 2], [0, 3, 1]]
    ours = [engine.tensor(v, dtype=getattr(engine, d)) for v, d in zip(values, dtypes)]
    theirs = [torch.tensor(v, dtype=getattr(torch, d)) for v, d in zip(values, dtypes)]
    assert_same_tensor(getattr(engine, op)(ours), getattr(torch, op)(theirs))


def test_join_with_an_input_that_needs_no_grad():
    """The float64 input needs no gradient (None edge); the float32 leaf gets a float32 one."""
    a, b = rand(2, 3), rand(2, 3)
    for op in ("cat", "stack"):
        leaves = [lib.tensor(a, dtype=lib.float32, requires_grad=True) for lib in (engine, torch)]
        outs = [getattr(lib, op)([lib.tensor(b), leaf], 1) for lib, leaf in zip((engine, torch), leaves)]
        assert str(outs[0].dtype) == str(outs[1].dtype) == "torch.float64"
        assert edges(outs[0].grad_fn) == edges(outs[1].grad_fn)
        weights = rand(*outs[1].shape)
        outs[0].backward(engine.tensor(weights))
        outs[1].backward(torch.tensor(weights))
        assert_same_tensor(leaves[0].grad, leaves[1].grad, atol=1e-6)


# --- split, chunk, unbind: one node with several outputs ------------------------------------------
SPLITS = {
    "split": ([(3, 4)], lambda lib, x: x.split(2, 1)),
    "split_uneven": ([(5, 2)], lambda lib, x: lib.split(x, 2)),
    "split_bigger_than_dim": ([(3, 2)], lambda lib, x: x.split(10)),
    "split_neg_dim": ([(2, 5)], lambda lib, x: x.split(3, -1)),
    "split_sizes": ([(3, 6)], lambda lib, x: x.split([1, 3, 2], 1)),
    "split_sizes_with_zero": ([(3, 6)], lambda lib, x: lib.split(x, (4, 0, 2), dim=-1)),
    "split_use_one_piece": ([(4, 3)], lambda lib, x: x.split(2)[1]),
    "split_use_last_of_three": ([(5, 3)], lambda lib, x: x.split(2)[2] * 2),
    "split_pieces_combined": ([(4, 3)], lambda lib, x: x.split(2)[0] * x.split(2)[1]),
    "split_piece_broadcast": ([(4, 3), (5, 2, 3)], lambda lib, x, y: x.split(2)[1] + y),
    "split_piece_broadcast_dtype": ([(4, 3)], lambda lib, x: x.split(2)[1].float() + 1),
    "split_sizes_use_one": ([(3, 6)], lambda lib, x: x.split([1, 5], 1)[1].exp()),
    "chunk": ([(4, 3)], lambda lib, x: x.chunk(2)),
    "chunk_uneven": ([(3, 5)], lambda lib, x: lib.chunk(x, 2, 1)),
    "chunk_fewer_than_asked": ([(6,)], lambda lib, x: x.chunk(4)),
    "chunk_more_than_size": ([(3,)], lambda lib, x: x.chunk(5)),
    "chunk_use_one": ([(5, 2)], lambda lib, x: x.chunk(3)[0]),
    "unbind": ([(3, 2)], lambda lib, x: x.unbind()),
    "unbind_dim1": ([(2, 3, 2)], lambda lib, x: lib.unbind(x, 1)),
    "unbind_neg_dim": ([(2, 3)], lambda lib, x: x.unbind(-1)),
    "unbind_use_one": ([(4, 2)], lambda lib, x: x.unbind()[2].sin()),
    "unbind_iterate": ([(3, 2)], lambda lib, x: tuple(row * i for i, row in enumerate(x.unbind()))),
}


@pytest.mark.parametrize("name", sorted(SPLITS))
def test_splits(name):
    shapes, fn = SPLITS[name]
    # finite differences in float32 are too coarse for gradcheck
    compare(fn, *(rand(*shape) for shape in shapes), check_gradcheck="dtype" not in name)


def test_split_node_has_one_output_per_piece():
    x = engine.tensor(rand(5, 2), requires_grad=True)
    pieces = x.split(2)
    assert len({id(p.grad_fn) for p in pieces}) == 1
    assert pieces[0].grad_fn.num_outputs == 3
    assert [p.output_nr for p in pieces] == [0, 1, 2]


def test_chunk_of_empty_dim_gives_every_chunk():
    ours, theirs = engine.zeros(0, 2).chunk(3), torch.zeros(0, 2).chunk(3)
    assert [tuple(p.shape) for p in ours] == [tuple(p.shape) for p in theirs]


SPLIT_ERRORS = {
    "split_zero": ((2, 3), lambda lib, x: x.split(0, 1)),
    "split_negative": ((2, 3), lambda lib, x: x.split(-1, 1)),
    "split_0d": ((), lambda lib, x: x.split(1)),
    "split_bad_dim": ((2, 3), lambda lib, x: x.split(1, 2)),
    "split_sizes_sum": ((2, 3), lambda lib, x: x.split([1, 1], 1)),
    "split_sizes_negative": ((2, 3), lambda lib, x: x.split([4, -1], 1)),
    "chunk_zero": ((2, 3), lambda lib, x: x.chunk(0)),
    "chunk_negative": ((2, 3), lambda lib, x: x.chunk(-1)),
    "chunk_0d": ((), lambda lib, x: x.chunk(1)),
    "unbind_0d": ((), lambda lib, x: x.unbind()),
    "unbind_bad_dim": ((2, 3), lambda lib, x: x.unbind(2)),
}


@pytest.mark.parametrize("name", sorted(SPLIT_ERRORS))
def test_split_errors(name):
    shape, fn = SPLIT_ERRORS[name]
    compare_error(fn, rand(*shape))


# --- repeat -----------------------------------------------------------------------------------------
REPEATS = {
    "repeat": ([(2, 3)], lambda lib, x: x.repeat(2, 3)),
    "repeat_new_dims": ([(2, 3)], lambda lib, x: x.repeat(2, 1, 2)),
    "repeat_list": ([(2, 3)], lambda lib, x: x.repeat([1, 2])),
    "repeat_ones": ([(2, 3)], lambda lib, x: x.repeat(1, 1)),
    "repeat_zero": ([(2, 3)], lambda lib, x: x.repeat(2, 0)),
    "repeat_0d": ([()], lambda lib, x: x.repeat(2, 3)),
}


@pytest.mark.parametrize("name", sorted(REPEATS))
def test_repeat(name):
    shapes, fn = REPEATS[name]
    compare(fn, *(rand(*shape) for shape in shapes))


# --- flip and reversed: copies ----------------------------------------------------------------------
FLIPS = {
    "flip": ([(2, 3, 4)], lambda lib, x: lib.flip(x, (0, 2))),
    "flip_list_neg": ([(2, 3, 4)], lambda lib, x: lib.flip(x, [-1])),
    "flip_none": ([(2, 3)], lambda lib, x: lib.flip(x, ())),
    "flip_method": ([(2, 3)], lambda lib, x: x.flip(0)),
    "flip_method_dims": ([(2, 3)], lambda lib, x: x.flip(1, 0)),
    "flip_method_tuple": ([(2, 3)], lambda lib, x: x.flip((-1,))),
    "flip_0d": ([()], lambda lib, x: x.flip(0)),
    "flip_of_transposed": ([(2, 3)], lambda lib, x: x.t().flip(0)),
    "flip_then_in_place": ([(2, 3)], lambda lib, x: x.flip(0).mul_(2) + x),
    "reversed": ([(3, 2)], lambda lib, x: reversed(x)),
    "reversed_1d": ([(3,)], lambda lib, x: reversed(x * 2)),
    "reversed_0d_is_self": ([()], lambda lib, x: reversed(x)),
}
FLIP_ERRORS = {
    "flip_dim_twice": ([(2, 3)], lambda lib, x: x.flip(0, -2)),
    "flip_dim_out_of_range": ([(2, 3)], lambda lib, x: lib.flip(x, (2,))),
    "flip_int_dims_in_function": ([(2, 3)], lambda lib, x: lib.flip(x, 0)),
    "flip_float_dim": ([(2, 3)], lambda lib, x: x.flip([0.5])),
    "flip_float_second_dim": ([(2, 3)], lambda lib, x: lib.flip(x, [0, 0.5])),
    "flip_str_dims": ([(2, 3)], lambda lib, x: x.flip("a")),
    "flip_no_dims": ([(2, 3)], lambda lib, x: x.flip()),
}


@pytest.mark.parametrize("name", sorted(FLIPS))
def test_flip(name):
    shapes, fn = FLIPS[name]
    compare(fn, *(rand(*shape) for shape in shapes))


@pytest.mark.parametrize("name", sorted(FLIP_ERRORS))
def test_flip_errors(name):
    shapes, fn = FLIP_ERRORS[name]
    compare_error(fn, *(rand(*shape) for shape in shapes))


def test_flip_copies():
    for lib in (engine, torch):
        x = lib.tensor([[1, 2], [3, 4]])
        flipped = x.flip(0)
        flipped[0, 0] = 100
        assert x.tolist() == [[1, 2], [3, 4]] and flipped._base is None and x._version == 0


# --- double backward: the gradients are themselves differentiable ---------------------------------
DOUBLE = {
    "view": lambda lib, x: x.view(-1) ** 2,
    "transpose": lambda lib, x: x.transpose(0, 1) ** 2,
    "permute": lambda lib, x: x.permute(1, 0) ** 2,
    "t": lambda lib, x: x.t() ** 2,
    "squeeze": lambda lib, x: x.unsqueeze(1).squeeze() ** 2,
    "expand": lambda lib, x: x[:1].expand(3, 4) ** 2,
    "cat": lambda lib, x: lib.cat([x, x * x]) ** 2,
    "stack": lambda lib, x: lib.stack([x, x * x], 1) ** 2,
    "split": lambda lib, x: x.split(2)[0] ** 3,
    "split_sizes": lambda lib, x: x.split([1, 2], 0)[1] ** 3,
    "chunk": lambda lib, x: x.chunk(2, 1)[1] ** 3,
    "unbind": lambda lib, x: x.unbind(1)[2] ** 3,
    "repeat": lambda lib, x: x.repeat(2, 1) ** 2,
    "flip": lambda lib, x: x.flip(0, 1) ** 2,
}


@pytest.mark.parametrize("name", sorted(DOUBLE))
def test_double_backward(name):
    """grad of (grad · v) with respect to x and v, against torch; and the names of the nodes
    the first gradient was built from."""
    fn = DOUBLE[name]
    x_, w_ = rand(3, 4), rand(3, 4)
    v_ = rand(*fn(torch, torch.tensor(x_)).shape)
    results = []
    for lib in (engine, torch):
        x, v = lib.tensor(x_, requires_grad=True), lib.tensor(v_, requires_grad=True)
        (gx,) = lib.autograd.grad(fn(lib, x), x, v, create_graph=True)
        ggx, ggv = lib.autograd.grad(gx, (x, v), lib.tensor(w_), allow_unused=True)
        results.append((gx, ggx, ggv, gx.grad_fn.name()))
    (o_gx, o_ggx, o_ggv, o_name), (t_gx, t_ggx, t_ggv, t_name) = results
    assert_same_tensor(o_gx, t_gx)
    assert_same_tensor(o_ggv, t_ggv)
    assert (o_ggx is None) == (t_ggx is None)
    if t_ggx is not None:
        assert_same_tensor(o_ggx, t_ggx)
    assert o_name == t_name


# --- triangles, diagonals, outer products ---------------------------------------------------------
TRIANGLES = {
    "tril": ([(3, 4)], lambda lib, x: x.tril()),
    "tril_function_negative": ([(3, 4)], lambda lib, x: lib.tril(x, -1)),
    "tril_batched": ([(2, 3, 3)], lambda lib, x: x.tril(1)),
    "triu": ([(3, 4)], lambda lib, x: x.triu()),
    "triu_keyword": ([(4, 3)], lambda lib, x: lib.triu(x, diagonal=2)),
    "triu_batched": ([(2, 2, 3)], lambda lib, x: x.triu(-1)),
    "diag_vector": ([(3,)], lambda lib, x: lib.diag(x)),
    "diag_vector_above": ([(3,)], lambda lib, x: x.diag(1)),
    "diag_vector_below": ([(2,)], lambda lib, x: lib.diag(x, -2)),
    "diag_matrix": ([(3, 4)], lambda lib, x: x.diag()),
    "diag_matrix_above": ([(3, 4)], lambda lib, x: lib.diag(x, 2)),
    "diag_matrix_below": ([(4, 3)], lambda lib, x: x.diag(-1)),
    "diag_matrix_past_the_edge": ([(2, 3)], lambda lib, x: x.diag(5)),
    "outer": ([(3,), (2,)], lambda lib, x, y: lib.outer(x, y)),
    "outer_method": ([(2,), (4,)], lambda lib, x, y: x.outer(y)),
}
TRIANGLE_ERRORS = {
    "tril_of_vector": ([(3,)], lambda lib, x: x.tril()),
    "triu_of_0d": ([()], lambda lib, x: lib.triu(x)),
    "diag_of_3d": ([(2, 2, 2)], lambda lib, x: x.diag()),
    "outer_of_matrix": ([(2, 2), (2,)], lambda lib, x, y: lib.outer(x, y)),
    "outer_with_matrix": ([(2,), (2, 2)], lambda lib, x, y: x.outer(y)),
}


@pytest.mark.parametrize("name", sorted(TRIANGLES))
def test_triangles_diagonals_and_outer(name):
    shapes, fn = TRIANGLES[name]
    compare(fn, *(rand(*shape) for shape in shapes))


@pytest.mark.parametrize("name", sorted(TRIANGLE_ERRORS))
def test_triangle_errors(name):
    shapes, fn = TRIANGLE_ERRORS[name]
    compare_error(fn, *(rand(*shape) for shape in shapes))


def test_outer_promotes_like_mul():
    ours = engine.outer(engine.tensor([1, 2]), engine.tensor([1.5, 2.0]))
    theirs = torch.outer(torch.tensor([1, 2]), torch.tensor([1.5, 2.0]))
    assert_same_tensor(ours, theirs)


TRIANGLE_DOUBLE = {
    "tril": lambda x: x.tril(),
    "triu": lambda x: x.triu(1),
    "diag_of_matrix": lambda x: x.diag(1),
    "diag_of_vector": lambda x: x[0].diag(-1),
    "cumsum": lambda x: x.cumsum(1),
    "outer": lambda x: x[0].outer(x[1]),
}


@pytest.mark.parametrize("name", sorted(TRIANGLE_DOUBLE))
def test_triangle_double_backward(name):
    """The first gradient's node (against torch's) and the gradients of (grad . w) with respect
    to x and to the incoming gradient v."""
    fn = TRIANGLE_DOUBLE[name]
    x_, w_ = rand(2, 3), rand(2, 3)
    v_ = rand(*fn(torch.tensor(x_)).shape)
    results = []
    for lib in (engine, torch):
        x, v = lib.tensor(x_, requires_grad=True), lib.tensor(v_, requires_grad=True)
        y = fn(x) ** 2
        (gx,) = lib.autograd.grad(fn(x), x, v, create_graph=True)
        ggx, ggv = lib.autograd.grad(gx, (x, v), lib.tensor(w_), allow_unused=True)
        (g2,) = lib.autograd.grad(y, x, v, create_graph=True)
        (gg2,) = lib.autograd.grad((g2 * g2).sum(), x)
        results.append((gx.grad_fn.name(), ggx, ggv, g2, gg2))
    assert results[0][0] == results[1][0]
    for ours, theirs in zip(results[0][1:], results[1][1:]):
        assert (ours is None) == (theirs is None)
        if theirs is not None:
            assert_same_tensor(ours, theirs)
