"""Indexing with `[]`: Python's index forms turned into PyTorch's ops, the way PyTorch does it.

An index is read item by item, left to right (PyTorch's applySlicing): an int selects (a view,
SelectBackward0), a slice slices (a view, SliceBackward0; a full `:` inside a tuple is skipped),
None inserts a dim (UnsqueezeBackward0) and `...` skips the dims the others leave unnamed.
Tensors, lists and masks ("advanced" indices) are collected on the way and applied last, all at
once, as one gather (IndexBackward0); its gradient scatters back, repeated indices adding up.

NOTE: ints select before any advanced index is applied, so `x[0, :, [1, 2]]` has shape
(x.shape[1], 2) in PyTorch, where numpy, which counts the 0 as an advanced index, gives
(2, x.shape[1]). We follow PyTorch.
"""
import numbers
import operator
import warnings

from .. import backend, dtypes
from ..autograd.graph import Node
from ..tensor import Tensor, _wrap_dim, attach, needs_grad, wrap
from ._binary import array_module
from .shape import _zeros, alias, select, slice_along, unsqueeze

_INT64_MAX = 2**63 - 1  # the end PyTorch records for an open slice `start:`
_MASK_DTYPES = (dtypes.bool, dtypes.uint8)  # uint8 indices are masks too (deprecated in PyTorch)
_INDEX_DTYPES = (dtypes.int64, dtypes.int32)
_BAD_INDEX_DTYPE = "tensors used as indices must be long, int, byte or bool tensors"


# --- getitem ------------------------------------------------------------------------------------
def getitem(input, index):
    # the common single items first, as PyTorch's THPVariable_getitem takes them
    kind = type(index)
    if kind is slice:
        # NOTE: a lone `x[:]` records a slice; a full `:` inside a tuple (`x[:, 0]`) does not
        return _slice(input, 0, index, skip_full=False)
    if kind is int or _is_int(index):
        return select(input, 0, int(index), real_dim=0)
    if index is None:
        return unsqueeze(input, 0)
    if index is Ellipsis:
        return alias(input)
    result, advanced = _apply_basic(input, _as_tuple(index))
    if advanced:
        return _index(result, advanced)
    # `x[...]` and `x[:, :]` still give a new tensor (a view of all of x), never x itself
    return alias(result) if result is input else result


def _is_int(item):
    """An int, or a numpy integer; not a bool (True indexes like None, not like 1)."""
    kind = type(item)
    if kind is int:
        return True
    if kind is slice or kind is tuple or kind is list or kind is bool or item is None or item is Ellipsis:
        return False
    return isinstance(item, numbers.Integral)


def _as_tuple(index):
    """The index as a tuple of items. A list is one advanced index, unless it holds slices,
    None, `...` or sequences: then it is read as a tuple (NumPy's old rule, kept by PyTorch)."""
    if type(index) is tuple:
        return index
    if isinstance(index, list) and len(index) < 32 and any(_tuple_like_item(i) for i in index):
        warnings.warn(
            "Using a non-tuple sequence for multidimensional indexing is deprecated and will be "
            "changed in pytorch 2.9; use x[tuple(seq)] instead of x[seq]. In pytorch 2.9 this will "
            "be interpreted as tensor index, x[torch.tensor(seq)], which will result either in an "
            "error or a different result",
            UserWarning, stacklevel=4,
        )
        return tuple(index)
    return (index,)


def _tuple_like_item(item):
    return (
        item is None or item is Ellipsis or isinstance(item, (slice, list, tuple, Tensor))
        or getattr(item, "ndim", 0) > 0  # an array
    )


def _dims_named(item):
    """How many of the input's dims an item uses up (PyTorch's count_specified_dimensions)."""
    kind = type(item)
    if kind is slice or kind is int:
        return 1
    if isinstance(item, Tensor):
        return item._data.ndim if item._dtype in _MASK_DTYPES else 1
    if item is None or item is Ellipsis or isinstance(item, bool):
        return 0
    return 1


def _apply_basic(input, items):
    """Apply the view items (ints, slices, None, `...`) in order and collect the advanced ones
    in PyTorch's list: a None for each dim of the view before the first, then one entry per
    item (None for a slice, None or `...`'s dims), trailing Nones left out. Returns the view
    and that list ([] when there is no advanced item)."""
    ndim = input._data.ndim
    named = 0
    for item in items:
        named += _dims_named(item)
    if named > ndim:
        raise IndexError(f"too many indices for tensor of dimension {ndim}")
    result, dim, advanced = input, 0, []
    for position, item in enumerate(items):
        if type(item) is slice:
            result = _slice(result, dim, item, skip_full=True)
            dim += 1
            _skip(advanced, 1)
        elif _is_int(item):
            result = select(result, dim, int(item), real_dim=position)
        elif item is Ellipsis:
            dim += ndim - named
            _skip(advanced, ndim - named)
        elif item is None:
            result = unsqueeze(result, dim)
            dim += 1
            _skip(advanced, 1)
        elif isinstance(item, bool):  # x[True] is x[None] kept whole, x[False] the same emptied
            result = unsqueeze(result, dim)
            dim = _record(advanced, dim, _bool_index(item, result))
        else:
            tensor = _index_tensor(item, result)
            if tensor._data.ndim == 0 and not tensor._dtype.is_floating_point:
                if tensor._dtype in _MASK_DTYPES:
                    result = unsqueeze(result, dim)
                    dim = _record(advanced, dim, _bool_index(bool(tensor.item()), result))
                else:  # a 0-d integer tensor indexes like the int it holds
                    result = select(result, dim, int(tensor.item()), real_dim=position)
            else:
                dim = _record(advanced, dim, tensor)
    while advanced and advanced[-1] is None:
        advanced.pop()  # trailing dims no advanced index names are left out, as in PyTorch
    return result, advanced


def _slice(input, dim, item, skip_full):
    if input._data.ndim == 0:
        raise IndexError("slice() cannot be applied to a 0-dim tensor.")
    step = 1 if item.step is None else operator.index(item.step)
    if step == 0:
        raise ValueError("slice step cannot be zero")
    if step < 0:
        raise ValueError("step must be greater than zero")
    start = 0 if item.start is None else operator.index(item.start)
    end = _INT64_MAX if item.stop is None else operator.index(item.stop)
    if skip_full and start == 0 and step == 1 and end >= input._data.shape[dim]:
        return input
    return slice_along(input, dim, start, end, step)


def _record(advanced, dim, tensor):
    """Add an advanced index; returns the next dim. The list starts at the first one, with a
    None for each dim before it, and then gets one entry per item, whatever dims it covers (a
    mask covers several) - PyTorch's recordTensorIndex."""
    if not advanced:
        advanced.extend([None] * dim)
    advanced.append(tensor)
    return dim + (tensor._data.ndim if tensor._dtype in _MASK_DTYPES else 1)


def _skip(advanced, dims):
    """Dims that no advanced index names, once the list has begun."""
    if advanced:
        advanced.extend([None] * dims)


def _bool_index(value, like):
    """x[True] indexes the new dim with [0], x[False] with []."""
    data = array_module(like).zeros(1 if value else 0, dtype=dtypes.int64.numpy)
    return wrap(data, dtypes.int64, like._device)


def _index_tensor(item, like):
    """An advanced index item as a tensor on `like`'s device: lists and arrays become int64
    tensors, or bool ones where all their values are bool (PyTorch's indexing_tensor_from_data)."""
    if not isinstance(item, Tensor):
        is_array = hasattr(item, "__array__") and not isinstance(item, numbers.Number)
        if not (is_array or isinstance(item, (list, tuple, str))):
            raise IndexError(
                "only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables "
                f"are valid indices (got {type(item).__name__})"
            )
        from ..factories import tensor as new_tensor

        item = new_tensor(item)  # TypeError for what can't be a tensor, as in PyTorch
        empty = item._data.size == 0  # `x[[]]` takes no rows: an empty int64 index, not a mask
        if (empty or item._dtype not in _MASK_DTYPES) and item._dtype is not dtypes.int64:
            item = item.to(dtypes.int64)
    if item._device != like._device:
        if item._device.type != "cpu":
            raise RuntimeError(
                "indices should be either on cpu or on the same device as the indexed tensor "
                f"({like._device})"
            )
        item = wrap(backend.to_device(item._data, like._device), item._dtype, like._device)
    return item


# --- advanced indexing: one gather, its gradient one scatter-add ----------------------------------
def _index(input, indices):
    return _gather(input, _numpy_index(input, indices), tuple(indices))


def _numpy_index(input, indices):
    """The numpy index for PyTorch's `index(input, indices)`: masks turned into the integer
    arrays of their nonzero positions, checked as PyTorch checks them (mask shapes, then
    broadcasting, then bounds)."""
    shape = input._data.shape
    xp = array_module(input)
    parts = []  # one entry per input dim, up to the last indexed: slice(None) or an integer array
    for tensor in indices:
        if tensor is None:
            parts.append(slice(None))
        elif tensor._dtype in _MASK_DTYPES:
            start = len(parts)
            for j, size in enumerate(tensor._data.shape):
                if start + j >= len(shape):
                    raise IndexError(f"too many indices for tensor of dimension {len(shape)}")
                if size != shape[start + j]:
                    raise IndexError(
                        f"The shape of the mask {list(tensor._data.shape)} at index {j} does not "
                        f"match the shape of the indexed tensor {list(shape)} at index {start + j}"
                    )
            if tensor._dtype is dtypes.uint8:
                warnings.warn(
                    "indexing with dtype torch.uint8 is now deprecated, please use a dtype "
                    "torch.bool instead.", UserWarning, stacklevel=5,
                )
            mask = tensor._data if tensor._dtype is dtypes.bool else tensor._data != 0
            parts.extend(xp.nonzero(mask))
        elif tensor._dtype in _INDEX_DTYPES:
            parts.append(tensor._data)
        else:
            raise IndexError(_BAD_INDEX_DTYPE)
    arrays = [(dim, part) for dim, part in enumerate(parts) if type(part) is not slice]
    _check_broadcast([part.shape for _, part in arrays])
    for ordinal, (dim, part) in enumerate(arrays):
        size = shape[dim]
        out_of_range = (part < -size) | (part >= size)
        if out_of_range.any():
            # NOTE: PyTorch names the index's position among the index tensors, not the dim
            value = int(part[out_of_range].reshape(-1)[0])
            raise IndexError(f"index {value} is out of bounds for dimension {ordinal} with size {size}")
    return tuple(parts)


def _check_broadcast(shapes):
    result = []
    for shape in shapes:
        for i, size in enumerate(reversed(shape)):
            if i == len(result):
                result.append(size)
            elif result[i] == 1:
                result[i] = size
            elif size != 1 and size != result[i]:
                raise IndexError(
                    "shape mismatch: indexing tensors could not be broadcast together with shapes "
                    + ", ".join(str(list(s)) for s in shapes)
                )


class IndexBackward0(Node):
    def backward(self, grad):
        return (_put_into_zeros(grad, self._saved_self_sym_sizes, self._index, self._saved_indices),)


def _gather(input, np_index, indices):
    out = wrap(input._data[np_index], input._dtype, input._device)
    if needs_grad(input):
        node = attach(out, IndexBackward0(input)).grad_fn
        node.save(indices=indices, self_sym_sizes=input._data.shape)
        node._index = np_index
    return out


class IndexPutImplBackward0(Node):
    """The gradient of IndexBackward0 as a function of the incoming gradient (double backward):
    its inputs are the zeros (no gradient) and the values put into them."""

    def backward(self, grad):
        return None, _gather(grad, self._index, self._saved_indices)


def _put_into_zeros(values, sizes, np_index, indices):
    """zeros(sizes) with `values` added at the index; a position indexed twice gets both."""
    out = _zeros(sizes, values)
    backend.index_add(array_module(values), out._data, np_index, values._data)
    if needs_grad(values):
        node = attach(out, IndexPutImplBackward0(None, values)).grad_fn
        node.save(accumulate=True, indices=indices)
        node._index = np_index
    return out


# --- gather, index_select, masked_select: copies picked by an index tensor ------------------------
def _full_index(xp, index_shape, d, index):
    """The numpy index that picks, at every position of `index`, the element that `index` names
    along dim `d` (the position itself along every other dim): gather's reading of an index."""
    parts = []
    for i, size in enumerate(index_shape):
        if i == d:
            parts.append(index)
        else:
            parts.append(xp.arange(size).reshape((-1,) + (1,) * (len(index_shape) - i - 1)))
    return tuple(parts)


def _check_gather_index(input, d, index, op):
    if index._dtype not in _INDEX_DTYPES:
        raise RuntimeError(f"{op}(): Expected dtype int32/int64 for index")
    shape, index_shape = input._data.shape, index._data.shape
    if max(len(index_shape), 1) != max(len(shape), 1):  # a 0-d tensor counts as 1-d here
        raise RuntimeError("Index tensor must have the same number of dimensions as input tensor")
    for i, (size, own) in enumerate(zip(index_shape, shape)):
        if i != d and size > own:
            raise RuntimeError(
                f"Size does not match at dimension {i} expected index {list(index_shape)} to be no "
                f"larger than self {list(shape)} apart from dimension {d}"
            )
    size = shape[d] if shape else 1
    out_of_range = (index._data < 0) | (index._data >= size)
    if out_of_range.any():
        value = int(index._data[out_of_range].reshape(-1)[0])
        raise RuntimeError(f"index {value} is out of bounds for dimension {d} with size {size}")


class GatherBackward0(Node):
    def backward(self, grad):
        input = self._saved_self
        return (_scatter_add_into_zeros(grad, input._data.shape, self._saved_dim, self._saved_index),)


class ScatterAddBackward0(Node):
    """gather's gradient, as a function of the incoming gradient (double backward): its inputs
    are the zeros (no gradient) and the values added into them."""

    def backward(self, grad):
        return None, gather(grad, self._saved_dim, self._saved_index)


class ScatterBackward0(Node):
    """The gradient of sort and topk (whose indices never repeat along dim), as a function of
    the incoming gradient (double backward)."""

    def backward(self, grad):
        return None, gather(grad, self._saved_dim, self._saved_index)


def scatter_into_zeros(values, sizes, dim, index):
    """zeros(sizes) with `values` put where `index` names along `dim` (no index repeated)."""
    return _scatter_add_into_zeros(values, sizes, dim, index, ScatterBackward0)


def _scatter_add_into_zeros(values, sizes, dim, index, node_class=ScatterAddBackward0):
    out = _zeros(sizes, values)
    if sizes:
        xp = array_module(values)
        d = dim % len(sizes)
        backend.index_add(xp, out._data, _full_index(xp, index._data.shape, d, index._data), values._data)
    else:
        out._data[...] += values._data.reshape(())
    if needs_grad(values):
        attach(out, node_class(None, values)).grad_fn.save(dim=dim, index=index)
    return out


def gather(input, dim, index, *, sparse_grad=False):
    if sparse_grad:
        raise NotImplementedError("gather(sparse_grad=True): this engine has no sparse tensors")
    d = _wrap_dim(dim, input._data.ndim)
    _check_gather_index(input, d, index, "gather")
    xp = array_module(input)
    if input._data.ndim == 0:
        data = input._data.reshape(index._data.shape).copy()
    else:
        data = input._data[_full_index(xp, index._data.shape, d, index._data)]
    out = wrap(data, input._dtype, input._device)
    if needs_grad(input):
        attach(out, GatherBackward0(input)).grad_fn.save(
            dim=dim, index=index, self=input, sparse_grad=sparse_grad
        )
    return out


class IndexSelectBackward0(Node):
    def backward(self, grad):
        return (_index_add_into_zeros(grad, self._saved_self_sym_sizes, self._saved_dim, self._saved_index),)


class IndexAddBackward0(Node):
    """index_select's gradient, as a function of the incoming gradient (double backward)."""

    def backward(self, grad):
        return None, index_select(grad, self._saved_dim, self._saved_index)


def _index_add_into_zeros(values, sizes, dim, index):
    out = _zeros(sizes, values)
    if sizes:
        d = dim % len(sizes)
        np_index = (slice(None),) * d + (index._data.reshape(-1),)
        backend.index_add(array_module(values), out._data, np_index, values._data)
    else:
        out._data[...] += values._data.reshape(())
    if needs_grad(values):
        attach(out, IndexAddBackward0(None, values)).grad_fn.save(
            alpha=1, dim=dim, index=index, source=values, source_dim=values._data.ndim
        )
    return out


def index_select(input, dim, index):
    ndim = input._data.ndim
    d = _wrap_dim(dim, ndim)
    if index._data.ndim > 1:
        raise IndexError("index_select(): Index is supposed to be a vector")
    if index._dtype not in _INDEX_DTYPES:
        raise RuntimeError("index_select(): Expected dtype int32 or int64 for index")
    flat = index._data.reshape(-1)
    size = input._data.shape[d] if ndim else 1
    if (flat < 0).any():
        value = int(flat[flat < 0][0])
        raise IndexError(f"INDICES element is out of DATA bounds, id={value} axis_dim={size}")
    if (flat >= size).any():
        raise IndexError("index out of range in self")
    if ndim == 0:
        data = input._data.copy()
    else:
        data = array_module(input).take(input._data, flat, axis=d)
    out = wrap(data, input._dtype, input._device)
    if needs_grad(input):
        attach(out, IndexSelectBackward0(input)).grad_fn.save(
            dim=dim, index=index, self_sym_sizes=input._data.shape
        )
    return out


class MaskedSelectBackward0(Node):
    def backward(self, grad):
        return (_masked_scatter_into_zeros(grad, self._saved_self, self._saved_mask),)


class MaskedScatterBackward0(Node):
    """masked_select's gradient, as a function of the incoming gradient (double backward)."""

    def backward(self, grad):
        return None, masked_select(grad, self._saved_mask)


def _masked_scatter_into_zeros(values, input, mask):
    xp = array_module(values)
    shape = xp.broadcast_arrays(input._data, mask._data)[0].shape
    out = _zeros(shape, values)
    out._data[xp.broadcast_to(mask._data, shape)] = values._data
    if needs_grad(values):
        attach(out, MaskedScatterBackward0(None, values)).grad_fn.save(
            mask=mask, source_sym_sizes=values._data.shape
        )
    return out


def masked_select(input, mask):
    if mask._dtype is not dtypes.bool:
        raise RuntimeError("masked_select: expected BoolTensor for mask")
    shape = _broadcast_shape(mask._data.shape, input._data.shape)  # PyTorch names the mask "a"
    xp = array_module(input)
    data = xp.broadcast_to(input._data, shape)[xp.broadcast_to(mask._data, shape)]
    out = wrap(data, input._dtype, input._device)
    if needs_grad(input):
        attach(out, MaskedSelectBackward0(input)).grad_fn.save(mask=mask, self=input)
    return out


def _broadcast_shape(a, b):
    """The shape two shapes broadcast to, or PyTorch's error for sizes that differ."""
    result = []
    for i in range(1, max(len(a), len(b)) + 1):
        size_a = a[-i] if i <= len(a) else 1
        size_b = b[-i] if i <= len(b) else 1
        if size_a != size_b and 1 not in (size_a, size_b):
            dim = max(len(a), len(b)) - i
            raise RuntimeError(
                f"The size of tensor a ({size_a}) must match the size of tensor b ({size_b}) at "
                f"non-singleton dimension {dim}"
            )
        result.append(size_a if size_b == 1 else size_b)
    return tuple(reversed(result))


# === setitem =======================================================================================
# `x[index] = value` as PyTorch's set_item does it: the view items of the index (ints, slices,
# None) pick a view of x, as getitem does; with no advanced item left the value is copied into
# that view (copy_, or fill_ for a 0-d value), else it is put at the advanced indices
# (index_put_). Written through a view, the write is an in-place op on a view like any other:
# x's grad_fn becomes CopySlices (ops/inplace.py). Either way x's old values keep the gradient
# outside the written region, and the value gets the region's.
from .inplace import (  # noqa: E402 - setitem's own imports, kept with its section
    CopyBackwards, FillBackward3, _records, check_number_fits, check_writable, commit,
    scalar_type_name, write,
)
from .pointwise import where  # noqa: E402


class IndexPutBackward0(Node):
    """`x[index] = value` with advanced indices (`x[mask] = v`, `x[:, [0, 2]] = v`)."""

    def backward(self, grad):
        index = self._index
        grad_self = grad_value = None
        if self.should_compute_output(0):  # the old values were overwritten at the index
            keep = array_module(grad).ones(grad._data.shape, dtype=dtypes.bool.numpy)
            keep[index] = False
            grad_self = where(wrap(keep, dtypes.bool, grad._device), grad, 0.0)
        if self.should_compute_output(1):
            # NOTE: an index repeated in index_put_ gets the gradient twice
            grad_value = _gather(grad, index, self._saved_indices)
        return grad_self, grad_value


def setitem(input, index, value):
    value = _value_tensor(input, value)
    if index is False:  # x[False] = v writes nowhere
        return
    if index is True:  # x[True] = v writes all of x[None]
        index = None
    region, advanced = _locate(input, index)
    if not advanced:
        value = _copyable_to(value, region)
    record = _records(region, value)
    check_writable(input)
    if advanced:
        np_index, value = _index_put_operands(region, advanced, value)
    else:
        np_index = Ellipsis
    node = None
    if record:
        if advanced:
            node = IndexPutBackward0(region, value)
            node.save(accumulate=False, indices=tuple(advanced))
            node._index = np_index
        elif value._data.ndim == 0:
            node = FillBackward3(region, value)
        else:
            node = CopyBackwards(region, value)
            node._source_device = value._device
    write(region, backend.to_device(value._data, input._device), np_index)
    commit(region, node)


def _value_tensor(input, value):
    """The value as a tensor: a Python number becomes a 0-d tensor of the input's dtype."""
    if isinstance(value, Tensor):
        return value
    if isinstance(value, numbers.Number):
        check_number_fits(value, input._dtype, floats=False)
        data = array_module(input).asarray(value).astype(input._dtype.numpy)
        return wrap(data, input._dtype, input._device)
    kind = type(value)
    name = kind.__qualname__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__qualname__}"
    raise TypeError(f"can't assign a {name} to a {input.type()}")


def _locate(input, index):
    """The part of `input` that the index's view items pick (`input` itself, or a view of it) and
    the advanced indices left to apply to it."""
    if _is_int(index):  # a lone int or slice is taken as getitem takes it (its errors too)
        return select(input, 0, int(index), real_dim=0), []
    if type(index) is slice:
        return _slice(input, 0, index, skip_full=True), []
    return _apply_basic(input, _as_tuple(index))


def _copyable_to(value, region):
    """copy_ into the region takes a value of its shape: PyTorch drops the value's leading
    size-1 dims (a view) and expands it (ViewBackward0 and ExpandBackward0 in the graph).
    A 0-d value is filled in as it is."""
    shape = region._data.shape
    if value._data.shape == shape or value._data.ndim == 0:
        return value
    value = value.view(_without_leading_ones(value._data.shape))
    return value if value._data.shape == shape else value.expand(shape)


def _without_leading_ones(shape):
    start = 0
    while start < len(shape) and shape[start] == 1:
        start += 1
    return tuple(shape[start:])


def _index_put_operands(region, advanced, value):
    """The numpy index for the advanced indices and the value as index_put_ takes it, checked
    as PyTorch checks them."""
    np_index = _numpy_index(region, advanced)
    single_mask = len(advanced) == 1 and advanced[0]._dtype in _MASK_DTYPES
    if single_mask and value._data.size == 1:  # PyTorch fills a masked place with one value
        if advanced[0]._dtype is not dtypes.bool:
            raise RuntimeError("masked_fill_ only supports boolean masks, but got mask with dtype unsigned char")
    elif value._dtype is not region._dtype:
        raise RuntimeError(
            "Index put requires the source and destination dtypes match, got "
            f"{scalar_type_name(region._dtype)} for the destination and "
            f"{scalar_type_name(value._dtype)} for the source."
        )
    stripped = _without_leading_ones(value._data.shape)
    if stripped != value._data.shape:
        value = value.view(stripped)
    target = region._data[np_index].shape
    fits = len(stripped) <= len(target) and all(
        size in (1, own) for size, own in zip(reversed(stripped), reversed(target))
    )
    if not fits:
        raise RuntimeError(
            f"shape mismatch: value tensor of shape {list(value._data.shape)} cannot be broadcast "
            f"to indexing result of shape {list(target)}"
        )
    return np_index, value
