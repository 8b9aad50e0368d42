"""Reading with [] against PyTorch: ints, slices, None, `...`, masks, integer lists and tensors,
and their mixes; the graph each builds; the errors for bad indices.

Every case is one lambda `fn(lib, x)` run with `lib` the engine and with torch on the same
float64 input; `compare` checks values, dtype, the whole chain of grad_fn nodes down to the leaf
(names and saved values), the gradient, and runs gradcheck.
"""
import numpy as np
import pytest

import engine
from on_device import cpu_text
from engine.autograd import gradcheck

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(2)

# the deprecated forms are tested on purpose (and their warnings checked below)
pytestmark = pytest.mark.filterwarnings(
    "ignore:Using a non-tuple sequence", "ignore:indexing with dtype torch.uint8"
)


# --- the one helper --------------------------------------------------------------------------------
def rand(*shape):
    return RNG.uniform(-2.0, 2.0, shape)


def _plain(value):
    """A saved value as PyTorch shows it: negative ints as unsigned 64-bit (its SymInt storage)."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return value % 2**64
    if isinstance(value, (tuple, list)):
        return tuple(_plain(v) for v in value)
    if hasattr(value, "detach"):
        return ("tensor", str(value.dtype), value.detach().cpu().numpy().tolist())
    return str(value)


def chain(tensor):
    """The grad_fn nodes from `tensor` down its first input to the leaf: names, saved values and
    next_functions' names."""
    links = []
    node = tensor.grad_fn
    while node is not None and node.next_functions:
        links.append((
            node.name(),
            {a: _plain(getattr(node, a)) for a in dir(node) if a.startswith("_saved_")},
            tuple((None if n is None else n.name(), nr) for n, nr in node.next_functions),
        ))
        node = node.next_functions[0][0]
    return links


def compare(fn, array, check_gradcheck=True):
    x_ours = engine.tensor(array, requires_grad=True)
    x_theirs = torch.tensor(array, requires_grad=True)
    ours, theirs = fn(engine, x_ours), fn(torch, x_theirs)
    assert str(ours.dtype) == str(theirs.dtype)
    assert tuple(ours.shape) == tuple(theirs.shape)
    np.testing.assert_allclose(ours.detach().cpu().numpy(), theirs.detach().numpy())
    assert chain(ours) == chain(theirs)
    weights = rand(*theirs.shape)
    ours.backward(engine.tensor(weights))
    theirs.backward(torch.tensor(weights))
    np.testing.assert_allclose(x_ours.grad.cpu().numpy(), x_theirs.grad.numpy())
    if check_gradcheck and ours.numel() and x_ours.numel():
        assert gradcheck(lambda x: fn(engine, x), (engine.tensor(array, requires_grad=True),))
    return ours


def compare_error(fn, array):
    """Same exception class and message (first line) from both; the input is left as it was."""
    x_ours = engine.tensor(array, requires_grad=True)
    with pytest.raises(Exception) as theirs:
        fn(torch, torch.tensor(array, requires_grad=True))
    with pytest.raises(type(theirs.value)) as ours:
        fn(engine, x_ours)
    assert cpu_text(str(ours.value)).splitlines()[0] == str(theirs.value).splitlines()[0]
    assert x_ours.grad_fn is None and x_ours.grad is None and x_ours._version == 0
    np.testing.assert_array_equal(x_ours.detach().cpu().numpy(), array)


# --- the cases: x has shape (3, 4, 5) unless the name says otherwise ------------------------------
BASIC = {
    # ints: nested selects, as PyTorch builds them
    "int": lambda lib, x: x[1],
    "int_negative": lambda lib, x: x[-1],
    "int_int": lambda lib, x: x[0, 1],
    "int_int_int": lambda lib, x: x[2, -1, 3],
    "int_in_list_with_slice": lambda lib, x: x[[0, slice(None)]],
    "numpy_ints": lambda lib, x: x[np.int64(2), np.int32(1)],
    "tensor_0d_int": lambda lib, x: x[lib.tensor(1)],
    "tensor_0d_ints": lambda lib, x: x[lib.tensor(1), lib.tensor(-2)],
    "list_of_0d_tensor_and_int": lambda lib, x: x[[lib.tensor(0), 1]],
    # slices
    "slice_lone_full": lambda lib, x: x[:],
    "slice_start": lambda lib, x: x[1:],
    "slice_step": lambda lib, x: x[::2],
    "slice_negative_bounds": lambda lib, x: x[-2:-1],
    "slice_negative_end": lambda lib, x: x[:, 1:-1],
    "slice_beyond_size": lambda lib, x: x[0:100],
    "slice_empty": lambda lib, x: x[2:1],
    "slice_far_negative_start": lambda lib, x: x[-10:2],
    "slice_start_past_end": lambda lib, x: x[:, 10:],
    "slice_step_from_negative": lambda lib, x: x[-1::2],
    "slices_several": lambda lib, x: x[:, 1:3, ::2],
    "slice_full_in_tuple_skipped": lambda lib, x: x[0:3, 1],
    "slice_covering_in_tuple_skipped": lambda lib, x: x[0:100, 1],
    "slice_negative_full_not_skipped": lambda lib, x: x[-3:, 1],
    "slice_tensor_bounds": lambda lib, x: x[lib.tensor(1):lib.tensor(3)],
    # None, Ellipsis, ()
    "none": lambda lib, x: x[None],
    "none_middle": lambda lib, x: x[:, None],
    "none_none": lambda lib, x: x[None, None],
    "none_then_int": lambda lib, x: x[None, 0],
    "ellipsis": lambda lib, x: x[...],
    "ellipsis_int": lambda lib, x: x[..., 0],
    "ellipsis_none": lambda lib, x: x[..., None],
    "ellipsis_twice": lambda lib, x: x[..., ...],
    "ellipsis_in_the_middle": lambda lib, x: x[:, ..., None, 1],
    "two_ellipses_and_int": lambda lib, x: x[..., 0, ...],
    "empty_tuple": lambda lib, x: x[()],
    "full_slices_alias": lambda lib, x: x[:, :],
}

ADVANCED = {
    # masks
    "mask_from_comparison": lambda lib, x: x[x > 0],
    "mask_1d": lambda lib, x: x[lib.tensor([True, False, True])],
    "mask_2d": lambda lib, x: x[lib.tensor(RNG_MASK_2D)],
    "mask_all_true_2d": lambda lib, x: x[lib.ones(3, 4, dtype=lib.bool)],
    "mask_after_slice": lambda lib, x: x[:, lib.tensor([True, False, True, False])],
    "mask_2d_then_int": lambda lib, x: x[lib.tensor(RNG_MASK_2D), 0],
    "mask_2d_then_list": lambda lib, x: x[lib.tensor(RNG_MASK_2D), [1]],
    "mask_as_python_list": lambda lib, x: x[[True, False, True]],
    "mask_list_after_int": lambda lib, x: x[[True, False, True], 1],
    "mask_numpy": lambda lib, x: x[np.array([True, False, True])],
    "mask_uint8": lambda lib, x: x[lib.tensor([1, 0, 1], dtype=lib.uint8)],
    "mask_none_true": lambda lib, x: x[x > 100],
    # integer lists and tensors
    "list": lambda lib, x: x[[0, 2]],
    "list_repeated": lambda lib, x: x[[0, 2, 0, 0]],
    "list_negative": lambda lib, x: x[[0, -1, -3]],
    "list_single": lambda lib, x: x[[1]],
    "list_empty": lambda lib, x: x[[]],
    "list_nested_is_tuple": lambda lib, x: x[[[0, 1]]],
    "list_of_bool_and_int": lambda lib, x: x[[True, 1]],
    "tensor_index": lambda lib, x: x[lib.tensor([0, 2, 2])],
    "tensor_index_2d": lambda lib, x: x[lib.tensor([[0, 2], [1, 1]])],
    "tensor_index_int32": lambda lib, x: x[lib.tensor([0, 1, 0], dtype=lib.int32)],
    "numpy_index": lambda lib, x: x[np.array([2, 0])],
    "two_lists": lambda lib, x: x[[0, 1], [1, 2]],
    "two_lists_broadcast": lambda lib, x: x[[[0], [1]], [1, 2]],
    "two_lists_repeated_pairs": lambda lib, x: x[[0, 0, 1], [1, 1, 1]],
    "tuple_of_lists": lambda lib, x: x[([0, 1], [1, 2])],
    "lists_around_slice": lambda lib, x: x[[0, 1], :, [1, 2]],
    "slice_then_list": lambda lib, x: x[1:, [0, 2, 0]],
    "int_then_list": lambda lib, x: x[0, [0, 2]],
    "list_then_int": lambda lib, x: x[[0, 2], 1],
    "int_slice_list_torch_order": lambda lib, x: x[0, :, [1, 2]],
    "list_int_list": lambda lib, x: x[[0, 1], 0, [1, 2]],
    "slice_int_list": lambda lib, x: x[:, 0, [1, 2]],
    "none_then_list": lambda lib, x: x[None, [0, 1]],
    "ellipsis_then_list": lambda lib, x: x[..., [4, 4, 0]],
    "list_then_none": lambda lib, x: x[[2, 2], None],
    # Python and 0-d bools
    "true": lambda lib, x: x[True],
    "false": lambda lib, x: x[False],
    "tensor_0d_true": lambda lib, x: x[lib.tensor(True)],
    "tensor_0d_false": lambda lib, x: x[lib.tensor(False)],
    "tensor_0d_uint8": lambda lib, x: x[lib.tensor(1, dtype=lib.uint8)],
    "true_then_int": lambda lib, x: x[True, 1],
}

RNG_MASK_2D = RNG.uniform(size=(3, 4)) > 0.4


@pytest.mark.parametrize("name", sorted(BASIC))
def test_basic_indexing(name):
    compare(BASIC[name], rand(3, 4, 5))


@pytest.mark.parametrize("name", sorted(ADVANCED))
def test_advanced_indexing(name):
    compare(ADVANCED[name], rand(3, 4, 5))


OTHER_SHAPES = {
    "0d_none": ((), lambda lib, x: x[None]),
    "0d_ellipsis": ((), lambda lib, x: x[...]),
    "0d_true": ((), lambda lib, x: x[True]),
    "0d_tensor_true": ((), lambda lib, x: x[lib.tensor(True)]),
    "1d_int": ((4,), lambda lib, x: x[2]),
    "1d_repeated_many": ((4,), lambda lib, x: x[[0, 0, 0, 3, 0]]),
    "1d_index_tensor_2d": ((4,), lambda lib, x: x[lib.tensor([[3, 3], [0, 3]])]),
    "2d_mask_both_dims": ((3, 3), lambda lib, x: x[x.abs() > 1]),
    "2d_rows_and_cols": ((3, 3), lambda lib, x: x[[0, 2]][:, [1, 1]]),
    "2d_diagonal": ((3, 3), lambda lib, x: x[[0, 1, 2], [0, 1, 2]]),
    "indexing_a_view": ((3, 4), lambda lib, x: x.t()[[1, 3], 1:]),
    "chained": ((3, 4), lambda lib, x: x[1:][0][[0, 0, 2]]),
    "4d_separated_lists": ((2, 3, 4, 5), lambda lib, x: x[[0, 1], :, [2, 3]]),
    "4d_adjacent_lists": ((2, 3, 4, 5), lambda lib, x: x[:, [0, 2], [1, 1], :]),
    "4d_mask_middle": ((2, 3, 4, 5), lambda lib, x: x[:, lib.tensor([[True, False, True, True]] * 3)]),
}


@pytest.mark.parametrize("name", sorted(OTHER_SHAPES))
def test_indexing_other_shapes(name):
    shape, fn = OTHER_SHAPES[name]
    compare(fn, rand(*shape))


ERRORS = {
    "int_out_of_range": ((3, 4, 5), lambda lib, x: x[5]),
    "int_negative_out_of_range": ((3, 4, 5), lambda lib, x: x[-4]),
    "int_out_of_range_dim1": ((3, 4, 5), lambda lib, x: x[0, 4]),
    "int_out_of_range_after_none": ((3, 4, 5), lambda lib, x: x[None, 0, 9]),
    "int_out_of_range_after_ellipsis": ((3, 4, 5), lambda lib, x: x[..., 9]),
    "int_out_of_range_after_slice": ((3, 4, 5), lambda lib, x: x[1:, 2, 9]),
    "too_many": ((3, 4, 5), lambda lib, x: x[0, 0, 0, 0]),
    "too_many_with_mask": ((3, 4, 5), lambda lib, x: x[lib.ones(3, 4, 5, dtype=lib.bool), 0]),
    "0d_int": ((), lambda lib, x: x[0]),
    "0d_int_1": ((), lambda lib, x: x[1]),
    "0d_tuple": ((), lambda lib, x: x[0, ]),
    "0d_slice": ((), lambda lib, x: x[:]),
    "0d_list": ((), lambda lib, x: x[[0]]),
    "list_out_of_range": ((3, 4, 5), lambda lib, x: x[[0, 3]]),
    "list_out_of_range_dim1": ((3, 4, 5), lambda lib, x: x[:, [0, 4]]),
    "list_out_of_range_second_index": ((3, 4, 5), lambda lib, x: x[[0], :, [0, 5]]),
    "list_negative_out_of_range": ((3, 4, 5), lambda lib, x: x[[0, -4]]),
    "mask_wrong_size": ((3, 4, 5), lambda lib, x: x[lib.tensor([True, False])]),
    "mask_wrong_size_dim1": ((3, 4, 5), lambda lib, x: x[:, lib.tensor([True, False])]),
    "mask_2d_wrong_size": ((3, 4, 5), lambda lib, x: x[lib.ones(3, 5, dtype=lib.bool)]),
    "lists_not_broadcastable": ((3, 4, 5), lambda lib, x: x[[0, 1], [0, 1, 2]]),
    "float_tensor_index": ((3, 4, 5), lambda lib, x: x[lib.tensor([0.0, 1.0])]),
    "float_0d_tensor_index": ((3, 4, 5), lambda lib, x: x[lib.tensor(1.0)]),
    "int16_tensor_index": ((3, 4, 5), lambda lib, x: x[lib.tensor([0], dtype=lib.int16)]),
    "float_index": ((3, 4, 5), lambda lib, x: x[1.5]),
    "string_index": ((3, 4, 5), lambda lib, x: x["a"]),
    "slice_step_zero": ((3, 4, 5), lambda lib, x: x[::0]),
    "slice_step_negative": ((3, 4, 5), lambda lib, x: x[::-1]),
    "slice_step_negative_in_tuple": ((3, 4, 5), lambda lib, x: x[0, ::-2]),
}


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_indexing_errors(name):
    shape, fn = ERRORS[name]
    compare_error(fn, rand(*shape))


# --- views, version counters, repeated indices --------------------------------------------------
def test_basic_results_share_the_version_counter_and_advanced_ones_do_not():
    x = engine.tensor(rand(3, 4, 5))
    views = [x[0], x[1:], x[:, None], x[..., 2], x[...], x[:, :], x[0, 1:, None], x[engine.tensor(1)]]
    copies = [x[[0, 1]], x[x > 0], x[True], x[0, [1, 2]]]
    assert all(v._version_box is x._version_box for v in views)
    assert not any(c._version_box is x._version_box for c in copies)


def test_basic_results_share_memory_with_their_base():
    x = engine.tensor(rand(3, 4, 5))
    view = x[1, 1:, ::2]
    x._data[1, 2, 2] = 123.0  # under the tensor's back, on any device
    assert view[1, 1].item() == 123.0


def test_repeated_indices_accumulate_gradient():
    x = engine.tensor([1.0, 2.0, 3.0], requires_grad=True)
    x[[0, 0, 2, 0]].sum().backward()
    assert x.grad.tolist() == [3.0, 0.0, 1.0]
    y = engine.tensor(rand(2, 2), requires_grad=True)
    (y[[0, 0, 1], [1, 1, 1]] * engine.tensor([1.0, 10.0, 100.0])).sum().backward()
    assert y.grad.tolist() == [[0.0, 11.0], [0.0, 100.0]]


def test_iterating_a_tensor_unbinds_it():
    array = rand(3, 2)
    rows = [list(lib.tensor(array, requires_grad=True)) for lib in (engine, torch)]
    ours, theirs = ([(r.grad_fn.name(), r.output_nr) for r in side] for side in rows)
    assert ours == theirs


# --- double backward ----------------------------------------------------------------------------
DOUBLE = {
    "select": lambda lib, x: x[1] ** 2,
    "slice": lambda lib, x: x[1:, ::2] ** 2,
    "index_repeated": lambda lib, x: x[[0, 0, 2]] ** 2,
    "mask": lambda lib, x: x[x > 0] ** 3,
    "mixed": lambda lib, x: x[None, 1:, [0, 3, 3]] ** 2,
}


@pytest.mark.parametrize("name", sorted(DOUBLE))
def test_double_backward(name):
    assert_double_backward_like_torch(DOUBLE[name])


def assert_double_backward_like_torch(fn):
    """The first gradient's graph (names, against torch), and the gradients of (grad · w) with
    respect to x and to the incoming gradient v."""
    x_, w_ = rand(3, 4), rand(3, 4)
    v_ = rand(*fn(torch, torch.tensor(x_)).shape)
    results = []
    for lib in (engine, torch):
        x, v = lib.tensor(x_, requires_grad=True), lib.tensor(v_, requires_grad=True)
        (gx,) = lib.autograd.grad(fn(lib, x), x, v, create_graph=True)
        names = [name for name, _, _ in chain(gx)]
        ggx, ggv = lib.autograd.grad(gx, (x, v), lib.tensor(w_), allow_unused=True)
        results.append((gx, ggx, ggv, names))
    for ours, theirs in zip(results[0][:3], results[1][:3]):
        assert (ours is None) == (theirs is None)
        if theirs is not None:
            np.testing.assert_allclose(ours.detach().cpu().numpy(), theirs.detach().numpy())
    assert results[0][3][0] == results[1][3][0]  # the node our backward made (the rest is pow's)


def test_gradcheck_through_index_of_index():
    x = engine.tensor(rand(4, 3), requires_grad=True)
    assert gradcheck(lambda t: t[[3, 0, 3]][:, [2, 2]] * t[0, 0], (x,))


@pytest.mark.parametrize("index, phrase", [
    (lambda lib: [[0, 1]], "non-tuple sequence for multidimensional indexing is deprecated"),
    (lambda lib: lib.tensor([1, 0, 1], dtype=lib.uint8), "indexing with dtype torch.uint8 is now deprecated"),
])
def test_deprecated_index_forms_warn_as_torch_does(index, phrase):
    array = rand(3, 4)
    for lib in (engine, torch):
        with pytest.warns(UserWarning, match=phrase):
            lib.tensor(array)[index(lib)]


# --- gather, index_select, narrow, select, masked_select --------------------------------------------
PICKS = {
    "gather": ((3, 4), lambda lib, x: lib.gather(x, 1, lib.tensor([[0, 1], [3, 0], [1, 1]]))),
    "gather_dim_0": ((3, 4), lambda lib, x: x.gather(0, lib.tensor([[0, 2, 2, 1]]))),
    "gather_negative_dim": ((2, 3, 2), lambda lib, x: x.gather(-2, lib.tensor([[[2, 0]], [[1, 1]]]))),
    "gather_int32_index": ((3, 4), lambda lib, x: x.gather(1, lib.tensor([[3], [2]], dtype=lib.int32))),
    "gather_repeated": ((2, 3), lambda lib, x: x.gather(1, lib.tensor([[0, 0, 0], [2, 2, 1]]))),
    "gather_sparse_grad_false": ((2, 3), lambda lib, x: x.gather(1, lib.tensor([[1], [0]]), sparse_grad=False)),
    "index_select": ((3, 4), lambda lib, x: lib.index_select(x, 0, lib.tensor([2, 0, 2]))),
    "index_select_negative_dim": ((3, 4), lambda lib, x: x.index_select(-1, lib.tensor([3, 1]))),
    "index_select_0d_index": ((3, 4), lambda lib, x: x.index_select(0, lib.tensor(1))),
    "index_select_int32": ((3, 4), lambda lib, x: x.index_select(1, lib.tensor([0], dtype=lib.int32))),
    "index_select_0d_input": ((), lambda lib, x: x.index_select(0, lib.tensor([0]))),
    "narrow": ((3, 4), lambda lib, x: lib.narrow(x, 1, 1, 2)),
    "narrow_negative_start": ((3, 4), lambda lib, x: x.narrow(0, -2, 1)),
    "narrow_tensor_start": ((3, 4), lambda lib, x: x.narrow(0, lib.tensor(1), 2)),
    "narrow_empty": ((3, 4), lambda lib, x: x.narrow(1, 4, 0)),
    "select_method": ((3, 4), lambda lib, x: x.select(1, -1)),
    "select_function": ((3, 4, 2), lambda lib, x: lib.select(x, 0, 1)),
    "masked_select": ((3, 4), lambda lib, x: lib.masked_select(x, x > 0)),
    "masked_select_broadcast_mask": ((3, 4), lambda lib, x: x.masked_select(lib.tensor([True, False, True, True]))),
    "masked_select_broadcast_input": ((4,), lambda lib, x: x.masked_select(lib.tensor([[True], [False]]))),
}
PICK_ERRORS = {
    "gather_float_index": ((3, 4), lambda lib, x: x.gather(1, lib.tensor([[0.0]]))),
    "gather_out_of_range": ((3, 4), lambda lib, x: x.gather(1, lib.tensor([[5]]))),
    "gather_negative_index": ((3, 4), lambda lib, x: x.gather(1, lib.tensor([[-1]]))),
    "gather_fewer_dims": ((3, 4), lambda lib, x: x.gather(1, lib.tensor([0, 1]))),
    "gather_index_too_large": ((3, 4), lambda lib, x: x.gather(1, lib.zeros(4, 1, dtype=lib.int64))),
    "gather_dim_out_of_range": ((3, 4), lambda lib, x: x.gather(2, lib.tensor([[0]]))),
    "index_select_out_of_range": ((3, 4), lambda lib, x: x.index_select(0, lib.tensor([3]))),
    "index_select_2d_index": ((3, 4), lambda lib, x: x.index_select(0, lib.tensor([[0]]))),
    "index_select_float_index": ((3, 4), lambda lib, x: x.index_select(0, lib.tensor([0.0]))),
    "narrow_past_the_end": ((3, 4), lambda lib, x: x.narrow(1, 3, 2)),
    "narrow_start_out_of_range": ((3, 4), lambda lib, x: x.narrow(1, 5, 0)),
    "narrow_negative_start_out_of_range": ((3, 4), lambda lib, x: x.narrow(1, -5, 1)),
    "narrow_negative_length": ((3, 4), lambda lib, x: x.narrow(1, 0, -1)),
    "narrow_0d": ((), lambda lib, x: x.narrow(0, 0, 1)),
    "select_out_of_range": ((3, 4), lambda lib, x: x.select(0, 3)),
    "masked_select_int_mask": ((3, 4), lambda lib, x: x.masked_select(lib.tensor([1, 0, 1, 0]))),
    "masked_select_mismatch": ((3, 4), lambda lib, x: x.masked_select(lib.tensor([True, False]))),
}


@pytest.mark.parametrize("name", sorted(PICKS))
def test_gather_index_select_narrow_select_masked_select(name):
    shape, fn = PICKS[name]
    compare(fn, rand(*shape))


@pytest.mark.parametrize("name", sorted(PICK_ERRORS))
def test_pick_errors(name):
    shape, fn = PICK_ERRORS[name]
    compare_error(fn, rand(*shape))


PICK_DOUBLE = {
    "gather": lambda lib, x: x.gather(1, lib.tensor([[0, 0], [3, 1], [2, 2]])) ** 2,
    "index_select": lambda lib, x: x.index_select(1, lib.tensor([0, 0, 3])) ** 2,
    "masked_select": lambda lib, x: x.masked_select(x > 0) ** 3,
    "narrow": lambda lib, x: x.narrow(1, 1, 2) ** 2,
}


@pytest.mark.parametrize("name", sorted(PICK_DOUBLE))
def test_pick_double_backward(name):
    assert_double_backward_like_torch(PICK_DOUBLE[name])


def test_gather_with_sparse_grad_says_it_is_not_supported():
    x = engine.tensor(rand(2, 3), requires_grad=True)
    with pytest.raises(NotImplementedError, match="sparse"):
        x.gather(1, engine.tensor([[0], [1]]), sparse_grad=True)
