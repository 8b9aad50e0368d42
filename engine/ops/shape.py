"""Shape ops: views (reshape/view, flatten, transpose/permute, squeeze/unsqueeze, expand, select,
slice), joins and splits (cat, stack, split, chunk, unbind), repeat, flip, and copies (clone, to).

Views share their base's array memory and its version counter, so an in-place change to either is
seen by both. Each is a View (engine/tensor.py) that remembers its base and the step that reads it
out of its input's array (`lambda a: a.T`): replayed, the steps tell where it lies in the base.
Their backward moves the gradient back into the input's shape; where PyTorch builds that gradient
with a differentiable op of its own (select_backward, slice_backward), so do we, so that double
backward works and shows PyTorch's node names.

Dims are saved on the nodes as the caller gave them (`_saved_dim` of `unsqueeze(-1)` is -1;
PyTorch shows the same number as an unsigned 64-bit integer).
"""
import operator

from .. import backend, dtypes
from ..autograd.graph import Node, sum_to
from ..tensor import Tensor, _wrap_dim, attach, needs_grad, view_of, wrap
from ._binary import array_module, check_same_device


def _int_sizes(op, sizes):
    """Sizes given to reshape/view/repeat as plain ints (numpy and 0-d tensor ints allowed)."""
    try:
        return tuple(operator.index(size) for size in sizes)
    except TypeError:
        position = next(i for i, s in enumerate(sizes) if not hasattr(s, "__index__"))
        raise TypeError(
            f"{op}(): argument 'shape' (position 1) must be tuple of ints, but found element of "
            f"type {type(sizes[position]).__name__} at pos {position}"
        ) from None


def _zeros(shape, like):
    """A zero tensor shaped `shape` with `like`'s dtype and device (a gradient filler)."""
    data = array_module(like).zeros(shape, dtype=like._dtype.numpy)
    return wrap(data, like._dtype, like._device)


def _conform_piece(grad, shape, dtype):
    """The gradient of one output of a multi-output op, summed back to that output's shape and
    cast to its dtype (the executor does this only for output 0; see graph._conform)."""
    if grad._data.shape != shape:
        grad = sum_to(grad, shape)
    return grad if grad._dtype is dtype else grad.to(dtype)


# --- reshape and view -----------------------------------------------------------------------
class ViewBackward0(Node):
    def backward(self, grad):
        return (grad.reshape(self._saved_self_sym_sizes),)


class ReshapeAliasBackward0(Node):
    """reshape of a tensor that is not row-major but can still be viewed in the new shape."""

    def backward(self, grad):
        return (grad.reshape(self._saved_self_sym_sizes),)


class UnsafeViewBackward0(Node):
    """reshape of a tensor that no view can give: a contiguous copy, then this view of it."""

    def backward(self, grad):
        return (grad.reshape(self._saved_self_sym_sizes),)


def _infer_shape(shape, numel):
    """A reshape target with its -1 filled in, checked as PyTorch's infer_size checks it."""
    inferred = None
    known = 1
    for index, size in enumerate(shape):
        if size == -1:
            if inferred is not None:
                raise RuntimeError("only one dimension can be inferred")
            inferred = index
        elif size >= 0:
            known *= size
        else:
            raise RuntimeError(f"invalid shape dimension {size} at index {index} of shape {list(shape)}")
    if numel == known or (inferred is not None and known > 0 and numel % known == 0):
        if inferred is None:
            return tuple(shape)
        if known == 0:
            raise RuntimeError(
                f"cannot reshape tensor of 0 elements into shape {list(shape)} because the "
                "unspecified dimension size -1 can be any value and is ambiguous"
            )
        shape = list(shape)
        shape[inferred] = numel // known
        return tuple(shape)
    raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")


def _viewable(old_shape, old_strides, new_shape):
    """Whether memory laid out as (old_shape, old_strides) can be read as new_shape without a
    copy: PyTorch's computeStride. Runs of dims that are contiguous with each other ("chunks")
    may be regrouped freely; a new dim may not span two chunks."""
    if not old_shape:
        return True
    numel = 1
    for size in old_shape:
        numel *= size
    if numel == 0:
        return True
    view_d = len(new_shape) - 1
    chunk_base_stride = old_strides[-1]
    tensor_numel = view_numel = 1
    for tensor_d in range(len(old_shape) - 1, -1, -1):
        tensor_numel *= old_shape[tensor_d]
        # at the end of a chunk, the new dims taken so far must cover it exactly
        if tensor_d == 0 or (
            old_shape[tensor_d - 1] != 1
            and old_strides[tensor_d - 1] != tensor_numel * chunk_base_stride
        ):
            while view_d >= 0 and (view_numel < tensor_numel or new_shape[view_d] == 1):
                view_numel *= new_shape[view_d]
                view_d -= 1
            if view_numel != tensor_numel:
                return False
            if tensor_d > 0:
                chunk_base_stride = old_strides[tensor_d - 1]
                tensor_numel = view_numel = 1
    return view_d == -1


def _view_data(input, shape):
    return view_of(input, input._data.reshape(shape), lambda a: a.reshape(shape))


def view(input, shape):
    shape = _infer_shape(_int_sizes("view", shape), input._data.size)
    data = input._data
    if not _viewable(data.shape, data.strides, shape):
        raise RuntimeError(
            "view size is not compatible with input tensor's size and stride (at least one "
            "dimension spans across two contiguous subspaces). Use .reshape(...) instead."
        )
    out = _view_data(input, shape)
    if needs_grad(input):
        attach(out, ViewBackward0(input)).grad_fn.save(self_sym_sizes=data.shape)
    return out


def reshape(input, shape):
    """A view where one is possible, else a contiguous copy (CloneBackward0 + UnsafeViewBackward0).
    As in PyTorch, the view of a row-major tensor records ViewBackward0, any other view
    ReshapeAliasBackward0."""
    shape = _infer_shape(_int_sizes("reshape", shape), input._data.size)
    data = input._data
    contiguous = data.flags.c_contiguous
    if contiguous or _viewable(data.shape, data.strides, shape):
        out = _view_data(input, shape)
        if needs_grad(input):
            node_class = ViewBackward0 if contiguous else ReshapeAliasBackward0
            attach(out, node_class(input)).grad_fn.save(self_sym_sizes=data.shape)
        return out
    copy = _clone(input, order="C")
    out = wrap(copy._data.reshape(shape), copy._dtype, copy._device)
    if needs_grad(copy):
        attach(out, UnsafeViewBackward0(copy)).grad_fn.save(self_sym_sizes=data.shape)
    return out


def flatten(input, start_dim=0, end_dim=-1):
    ndim = input._data.ndim
    start, end = _wrap_dim(start_dim, ndim), _wrap_dim(end_dim, ndim)
    if ndim == 0:
        return reshape(input, (1,))
    if start > end:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    if start == end:
        return input  # PyTorch returns the very same tensor
    shape = input._data.shape
    merged = 1
    for size in shape[start:end + 1]:
        merged *= size
    return reshape(input, shape[:start] + (merged,) + shape[end + 1:])


# --- transpose and permute ----------------------------------------------------------------------
class TransposeBackward0(Node):
    def backward(self, grad):
        return (grad.transpose(self._saved_dim0, self._saved_dim1),)


def transpose(input, dim0, dim1):
    ndim = input._data.ndim
    d0, d1 = _wrap_dim(dim0, ndim), _wrap_dim(dim1, ndim)
    if ndim:
        out = view_of(input, input._data.swapaxes(d0, d1), lambda a: a.swapaxes(d0, d1))
    else:
        out = view_of(input, input._data, _same)
    if needs_grad(input):
        attach(out, TransposeBackward0(input)).grad_fn.save(dim0=dim0, dim1=dim1)
    return out


swapaxes = swapdims = transpose


class TBackward0(Node):
    def backward(self, grad):
        return (grad.t(),)


def t(input):
    ndim = input._data.ndim
    if ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {ndim}D")
    out = view_of(input, input._data.T, lambda a: a.T) if ndim == 2 else view_of(input, input._data, _same)
    if needs_grad(input):
        attach(out, TBackward0(input))
    return out


class PermuteBackward0(Node):
    def backward(self, grad):
        dims = self._saved_dims
        ndim = len(dims)
        inverse = [0] * ndim
        for position, dim in enumerate(dims):
            inverse[dim % ndim] = position
        return (grad.permute(inverse),)


def permute(input, dims):
    ndim = input._data.ndim
    if len(dims) != ndim:
        raise RuntimeError(
            "permute(sparse_coo): number of dimensions in the tensor input does not match the "
            "length of the desired ordering of dimensions i.e. input.dim() = "
            f"{ndim} is not equal to len(dims) = {len(dims)}"
        )
    wrapped = tuple(_wrap_dim(d, ndim) for d in dims)
    if len(set(wrapped)) != ndim:
        raise RuntimeError("permute(): duplicate dims are not allowed.")
    out = view_of(input, input._data.transpose(wrapped), lambda a: a.transpose(wrapped))
    if needs_grad(input):
        attach(out, PermuteBackward0(input)).grad_fn.save(dims=tuple(dims))
    return out


# --- squeeze, unsqueeze, expand -------------------------------------------------------------------
class UnsqueezeBackward0(Node):
    def backward(self, grad):
        return (grad.squeeze(self._saved_dim),)


def unsqueeze(input, dim):
    d = _wrap_dim(dim, input._data.ndim + 1)
    shape = input._data.shape
    out = _view_data(input, shape[:d] + (1,) + shape[d:])
    if needs_grad(input):
        attach(out, UnsqueezeBackward0(input)).grad_fn.save(dim=dim)
    return out


def _unsqueeze_to(grad, sizes, dims):
    """Put back the size-1 dims among `dims` that a squeeze took out of `sizes`."""
    for d in sorted(dims):
        if sizes[d] == 1:
            grad = grad.unsqueeze(d)
    return grad


class SqueezeBackward0(Node):
    """squeeze() of every size-1 dim."""

    def backward(self, grad):
        sizes = self._saved_self_sym_sizes
        return (_unsqueeze_to(grad, sizes, range(len(sizes))),)


class SqueezeBackward1(Node):
    """squeeze(dim)"""

    def backward(self, grad):
        sizes = self._saved_self_sym_sizes
        if not sizes:
            return (grad,)
        return (_unsqueeze_to(grad, sizes, (self._saved_dim % len(sizes),)),)


class SqueezeBackward2(Node):
    """squeeze(dims) with a tuple of dims"""

    def backward(self, grad):
        sizes = self._saved_self_sym_sizes
        return (_unsqueeze_to(grad, sizes, {d % len(sizes) for d in self._saved_dim}),)


def squeeze(input, dim=None):
    shape = input._data.shape
    ndim = len(shape)
    if dim is None:
        dims = range(ndim)
        node_class = SqueezeBackward0
    elif isinstance(dim, (tuple, list)):
        dims = []
        for d in dim:
            wrapped = _wrap_dim(d, ndim)
            if wrapped in dims:
                raise RuntimeError(f"dim {wrapped} appears multiple times in the list of dims")
            dims.append(wrapped)
        node_class = SqueezeBackward2
    else:
        dims = (_wrap_dim(dim, ndim),)
        node_class = SqueezeBackward1
    kept = tuple(size for i, size in enumerate(shape) if size != 1 or i not in dims)
    out = _view_data(input, kept)
    if needs_grad(input):
        node = attach(out, node_class(input)).grad_fn
        node.save(self_sym_sizes=shape)
        if node_class is SqueezeBackward1:
            node.save(dim=dim)
        elif node_class is SqueezeBackward2:
            node.save(dim=tuple(dim))
    return out


class ExpandBackward0(Node):
    def backward(self, grad):
        return (grad,)  # the executor sums it back to the input's shape


def _expanded_shape(input, sizes):
    """expand's target shape, checked from the last dim backwards as PyTorch checks it."""
    shape = input._data.shape
    extra = len(sizes) - len(shape)
    if extra < 0:
        raise RuntimeError(
            f"expand({input.type()}{{{list(shape)}}}, size={list(sizes)}): the number of sizes "
            f"provided ({len(sizes)}) must be greater or equal to the number of dimensions in the "
            f"tensor ({len(shape)})"
        )
    target = list(sizes)
    for i in range(len(sizes) - 1, -1, -1):
        d = i - extra
        size = shape[d] if d >= 0 else 1
        if target[i] == -1:
            if d < 0:
                raise RuntimeError(
                    f"The expanded size of the tensor (-1) isn't allowed in a leading, "
                    f"non-existing dimension {i}"
                )
            target[i] = size
        elif size != target[i] and size != 1:
            raise RuntimeError(
                f"The expanded size of the tensor ({target[i]}) must match the existing size "
                f"({size}) at non-singleton dimension {i}.  Target sizes: {list(sizes)}.  "
                f"Tensor sizes: {list(shape)}"
            )
    if any(size < 0 for size in target):
        raise RuntimeError("numel: integer multiplication overflow")  # PyTorch's words for it
    return tuple(target)


def expand(input, sizes):
    target = _expanded_shape(input, _int_sizes("expand", sizes))
    if target != input._data.shape:
        xp = array_module(input)
        out = view_of(input, xp.broadcast_to(input._data, target), lambda a: xp.broadcast_to(a, target))
    else:
        out = view_of(input, input._data, _same)
    if needs_grad(input):
        attach(out, ExpandBackward0(input)).grad_fn.save(self_sym_sizes=input._data.shape)
    return out


# --- select, slice, alias: the views that indexing is made of ---------------------------------
def _along(dim, item):
    """A numpy index taking `item` along `dim` and everything elsewhere. The trailing Ellipsis
    keeps the result an array view even when every dim is taken (numpy would give a scalar)."""
    return (slice(None),) * dim + (item, Ellipsis)


def _same(array):
    return array


def _view_at(input, index, multi_output=False):
    """input[index] (a numpy basic index), as a view."""
    return view_of(input, input._data[index], lambda a: a[index], multi_output)


class SelectBackward0(Node):
    def backward(self, grad):
        return (select_backward(grad, self._saved_self_sym_sizes, self._saved_dim, self._saved_index),)


def select(input, dim, index, *, real_dim=None):
    """input[..., index, ...] along `dim`: a view one dim smaller. `real_dim` is the position in
    the user's index tuple, which is the dimension PyTorch names when `index` is out of range."""
    shape = input._data.shape
    if not shape:
        if index == 0:
            raise IndexError(
                "invalid index of a 0-dim tensor. Use `tensor.item()` in Python or "
                "`tensor.item<T>()` in C++ to convert a 0-dim tensor to a number"
            )
        raise IndexError(f"index {index} is out of bounds for dimension 0 with size 0")
    d = dim if 0 <= dim < len(shape) else _wrap_dim(dim, len(shape))
    size = shape[d]
    if not -size <= index < size:
        if real_dim is None:
            raise IndexError(
                f"select(): index {index} out of range for tensor of size {list(shape)} at dimension {d}"
            )
        raise IndexError(f"index {index} is out of bounds for dimension {real_dim} with size {size}")
    out = _view_at(input, _along(d, index))
    if needs_grad(input):
        attach(out, SelectBackward0(input)).grad_fn.save(dim=dim, index=index, self_sym_sizes=shape)
    return out


class SelectBackwardBackward0(Node):
    def backward(self, grad):
        return (select(grad, self._saved_dim, self._saved_index),)


def select_backward(grad, sizes, dim, index):
    """The gradient of select: zeros shaped like its input, with `grad` at the selected index."""
    out = _zeros(sizes, grad)
    out._data[_along(_wrap_dim(dim, len(sizes)), index)] = grad._data
    if needs_grad(grad):
        attach(out, SelectBackwardBackward0(grad)).grad_fn.save(dim=dim, index=index)
    return out


class SliceBackward0(Node):
    def backward(self, grad):
        return (slice_backward(grad, self._saved_self_sym_sizes, self._saved_dim,
                               self._saved_start, self._saved_end, self._saved_step),)


def slice_along(input, dim, start, end, step=1):
    """input[start:end:step] along `dim`, a view; bounds as Python's, clamped to the size.
    `start` and `end` are saved as given (an open end is saved as 2**63 - 1, as PyTorch does)."""
    shape = input._data.shape
    d = dim if 0 <= dim < len(shape) else _wrap_dim(dim, len(shape))
    out = _view_at(input, _along(d, slice(start, end, step)))
    if needs_grad(input):
        attach(out, SliceBackward0(input)).grad_fn.save(
            dim=dim, end=end, self_sym_sizes=shape, start=start, step=step
        )
    return out


def narrow(input, dim, start, length):
    """input[start:start + length] along `dim`: a slice (SliceBackward0), its start wrapped."""
    shape = input._data.shape
    if not shape:
        raise RuntimeError("narrow() cannot be applied to a 0-dim tensor.")
    d = _wrap_dim(dim, len(shape))
    size = shape[d]
    start = operator.index(start)
    if not -size <= start <= size:
        raise IndexError(f"start out of range (expected to be in range of [{-size}, {size}], but got {start})")
    if length < 0:
        raise RuntimeError("narrow(): length must be non-negative.")
    if start < 0:
        start += size
    if start + length > size:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({size}).")
    return slice_along(input, dim, start, start + length)


class SliceBackwardBackward0(Node):
    def backward(self, grad):
        return (slice_along(grad, self._saved_dim, self._saved_start, self._saved_end, self._saved_step),)


def slice_backward(grad, sizes, dim, start, end, step):
    """The gradient of slice: zeros shaped like its input, with `grad` in the sliced part."""
    out = _zeros(sizes, grad)
    out._data[_along(_wrap_dim(dim, len(sizes)), slice(start, end, step))] = grad._data
    if needs_grad(grad):
        attach(out, SliceBackwardBackward0(grad)).grad_fn.save(dim=dim, end=end, start=start, step=step)
    return out


class AliasBackward0(Node):
    def backward(self, grad):
        return (grad,)


def alias(input):
    """The same values as a new tensor (a view of all of it): what `x[...]` gives."""
    out = view_of(input, input._data, _same)
    if needs_grad(input):
        attach(out, AliasBackward0(input))
    return out


# --- cat and stack --------------------------------------------------------------------------------
def _tensor_list(op, tensors):
    """cat/stack's first argument: a tuple or list of tensors, else PyTorch's TypeError."""
    if not isinstance(tensors, (tuple, list)):
        raise TypeError(
            f"{op}(): argument 'tensors' (position 1) must be tuple of Tensors, not "
            f"{type(tensors).__name__}"
        )
    for position, tensor in enumerate(tensors):
        if not isinstance(tensor, Tensor):
            raise TypeError(
                f"expected Tensor as element {position} in argument 0, but got {type(tensor).__name__}"
            )
    return tensors


def _joined_dtype(tensors):
    """cat and stack promote their inputs' dtypes as a binary op would (all are tensors)."""
    dtype = tensors[0]._dtype
    for tensor in tensors[1:]:
        dtype = dtypes.promote_types(dtype, tensor._dtype)
    return dtype


def _join_arrays(tensors, dtype):
    for tensor in tensors[1:]:
        check_same_device(tensors[0], tensor)
    return [t._data if t._dtype is dtype else t._data.astype(dtype.numpy) for t in tensors]


class CatBackward0(Node):
    def backward(self, grad):
        d = _wrap_dim(self._saved_dim, grad.ndim)
        grads, offset = [], 0
        for index, size in enumerate(self._input_sizes):
            if size == (0,):  # maybe a legacy empty input, left out of the join: no slice of grad
                grads.append(_zeros(size, grad) if self.should_compute_output(index) else None)
                continue
            end = offset + size[d]
            grads.append(slice_along(grad, d, offset, end) if self.should_compute_output(index) else None)
            offset = end
        return tuple(grads)


def cat(tensors, dim=0):
    tensors = _tensor_list("cat", tensors)
    if not tensors:
        raise ValueError("torch.cat(): expected a non-empty list of Tensors")
    for position, tensor in enumerate(tensors):
        if tensor._data.ndim == 0:
            raise RuntimeError(f"zero-dimensional tensor (at position {position}) cannot be concatenated")
    dtype = _joined_dtype(tensors)
    # NOTE: 1-d empty tensors are skipped (a legacy PyTorch allows): cat([empty, x]) is x
    joined = [t for t in tensors if t._data.shape != (0,)] or tensors[:1]
    first = joined[0]._data.shape
    d = _wrap_dim(dim, len(first))
    for position, tensor in enumerate(tensors):
        shape = tensor._data.shape
        if shape == (0,) and tensor is not joined[0]:
            continue
        if len(shape) != len(first):
            raise RuntimeError(
                f"Tensors must have same number of dimensions: got {len(first)} and {len(shape)}"
            )
        for i, (expected, got) in enumerate(zip(first, shape)):
            if i != d and expected != got:
                raise RuntimeError(
                    f"Sizes of tensors must match except in dimension {d}. Expected size "
                    f"{expected} but got size {got} for tensor number {position} in the list."
                )
    xp = array_module(tensors[0])
    out = wrap(xp.concatenate(_join_arrays(joined, dtype), axis=d), dtype, tensors[0]._device)
    if needs_grad(*tensors):
        node = attach(out, CatBackward0(*tensors)).grad_fn
        node.save(dim=dim)
        node._input_sizes = tuple(t._data.shape for t in tensors)
    return out


concat = concatenate = cat


class StackBackward0(Node):
    def backward(self, grad):
        d = _wrap_dim(self._saved_dim, grad.ndim)
        return tuple(
            select(grad, d, index) if self.should_compute_output(index) else None
            for index in range(len(self.next_functions))
        )


def stack(tensors, dim=0):
    tensors = _tensor_list("stack", tensors)
    if not tensors:
        raise RuntimeError("stack expects a non-empty TensorList")
    first = tensors[0]._data.shape
    for position, tensor in enumerate(tensors):
        if tensor._data.shape != first:
            raise RuntimeError(
                f"stack expects each tensor to be equal size, but got {list(first)} at entry 0 "
                f"and {list(tensor._data.shape)} at entry {position}"
            )
    d = _wrap_dim(dim, len(first) + 1)
    dtype = _joined_dtype(tensors)
    xp = array_module(tensors[0])
    out = wrap(xp.stack(_join_arrays(tensors, dtype), axis=d), dtype, tensors[0]._device)
    if needs_grad(*tensors):
        attach(out, StackBackward0(*tensors)).grad_fn.save(dim=dim)
    return out


# --- split, chunk, unbind: one node, many outputs -------------------------------------------------
def _multi_output(input, pieces, node):
    """Make `node` the grad_fn of every piece, each with its output number."""
    node.num_outputs = len(pieces)
    node._piece_meta = tuple((p._data.shape, p._dtype) for p in pieces)
    if pieces:
        attach(pieces[0], node)
    for nr, piece in enumerate(pieces[1:], 1):
        piece.grad_fn = node
        piece._output_nr = nr
    return tuple(pieces)


def _filled_grads(node, grads):
    """Gradients of all outputs in their shapes; zeros for outputs no gradient reached."""
    like = next(g for g in grads if g is not None)
    return [
        _zeros(shape, like) if grad is None else _conform_piece(grad, shape, dtype)
        for grad, (shape, dtype) in zip(grads, node._piece_meta)
    ]


class SplitBackward0(Node):
    def backward(self, *grads):
        return (cat(_filled_grads(self, grads), self._saved_dim),)


class SplitWithSizesBackward0(Node):
    def backward(self, *grads):
        return (cat(_filled_grads(self, grads), self._saved_dim),)


def _pieces(input, d, sizes):
    pieces, start = [], 0
    for size in sizes:
        pieces.append(_view_at(input, _along(d, slice(start, start + size)), multi_output=True))
        start += size
    return pieces


def split(tensor, split_size_or_sections, dim=0):
    if isinstance(split_size_or_sections, (tuple, list)):
        return split_with_sizes(tensor, split_size_or_sections, dim)
    split_size = operator.index(split_size_or_sections)
    if tensor._data.ndim == 0:
        raise RuntimeError("split expects at least a 1-dimensional tensor")
    if split_size < 0:
        raise RuntimeError(f"split expects split_size be non-negative, but got split_size={split_size}")
    d = _wrap_dim(dim, tensor._data.ndim)
    dim_size = tensor._data.shape[d]
    if split_size == 0 and dim_size != 0:
        raise RuntimeError(
            f"split_size can only be 0 if dimension size is 0, but got dimension size of {dim_size}"
        )
    count = max(-(-dim_size // split_size), 1) if split_size else 1
    sizes = [split_size] * (count - 1) + [dim_size - split_size * (count - 1)]
    pieces = _pieces(tensor, d, sizes)
    if not needs_grad(tensor):
        return tuple(pieces)
    node = SplitBackward0(tensor)
    node.save(dim=dim, self_sym_sizes=tensor._data.shape, split_size=split_size)
    return _multi_output(tensor, pieces, node)


def split_with_sizes(tensor, split_sizes, dim=0):
    split_sizes = [operator.index(size) for size in split_sizes]
    if tensor._data.ndim == 0:
        raise RuntimeError("split expects at least a 1-dimensional tensor")
    d = _wrap_dim(dim, tensor._data.ndim)
    dim_size = tensor._data.shape[d]
    if any(size < 0 for size in split_sizes):
        raise RuntimeError(
            f"split_with_sizes expects split_sizes have only non-negative entries, but got "
            f"split_sizes={split_sizes}"
        )
    if sum(split_sizes) != dim_size:
        raise RuntimeError(
            f"split_with_sizes expects split_sizes to sum exactly to {dim_size} (input tensor's "
            f"size at dimension {d}), but got split_sizes={split_sizes}"
        )
    pieces = _pieces(tensor, d, split_sizes)
    if not needs_grad(tensor):
        return tuple(pieces)
    node = SplitWithSizesBackward0(tensor)
    node.save(dim=dim, self_sym_sizes=tensor._data.shape, split_sizes=tuple(split_sizes))
    return _multi_output(tensor, pieces, node)


def chunk(input, chunks, dim=0):
    """split into `chunks` pieces of ceil(size / chunks); fewer when they run out."""
    if input._data.ndim == 0:
        raise RuntimeError("chunk expects at least a 1-dimensional tensor")
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    dim_size = input._data.shape[_wrap_dim(dim, input._data.ndim)]
    split_size = -(-dim_size // chunks)
    if split_size == 0 and dim_size == 0:
        # split would give one empty piece; chunk promises `chunks` of them (as PyTorch does)
        return split_with_sizes(input, [0] * chunks, dim)
    return split(input, split_size, dim)


class UnbindBackward0(Node):
    def backward(self, *grads):
        return (stack(_filled_grads(self, grads), self._saved_dim),)


def unbind(input, dim=0):
    ndim = input._data.ndim
    if ndim == 0:
        raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
    d = _wrap_dim(dim, ndim)
    pieces = [_view_at(input, _along(d, index), multi_output=True) for index in range(input._data.shape[d])]
    if not needs_grad(input):
        return tuple(pieces)
    node = UnbindBackward0(input)
    node.save(dim=dim)
    return _multi_output(input, pieces, node)


# --- repeat ---------------------------------------------------------------------------------------
class RepeatBackward0(Node):
    def backward(self, grad):
        # Read the gradient as (repeat, size) pairs per dim and sum the repeats away; the leading
        # dims repeat added have size 1 in the input, so they keep only their repeat.
        repeats, sizes = self._saved_repeats, self._saved_self_sym_sizes
        extra = len(repeats) - len(sizes)
        split_shape, summed = [], []
        for i, count in enumerate(repeats):
            summed.append(len(split_shape))
            split_shape.append(count)
            if i >= extra:
                split_shape.append(sizes[i - extra])
        return (grad.reshape(split_shape).sum(summed),)


def repeat(input, repeats):
    repeats = _int_sizes("repeat", repeats)
    shape = input._data.shape
    if len(repeats) < len(shape):
        raise RuntimeError(
            "Number of dimensions of repeat dims can not be smaller than number of dimensions of tensor"
        )
    padded = (1,) * (len(repeats) - len(shape)) + shape
    target = [count * size for count, size in zip(repeats, padded)]
    for size in target:
        if size < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {size}: {target}")
    data = array_module(input).tile(input._data.reshape(padded), repeats)
    out = wrap(data, input._dtype, input._device)
    if needs_grad(input):
        attach(out, RepeatBackward0(input)).grad_fn.save(repeats=repeats, self_sym_sizes=shape)
    return out


# --- flip: a copy, reversed along some dims --------------------------------------------------------
class FlipBackward0(Node):
    def backward(self, grad):
        return (grad.flip(self._saved_dims),)


def flip(input, dims):
    dims = int_dims("flip", 2, dims)
    ndim = input._data.ndim
    wrapped = tuple(_wrap_dim(d, ndim) for d in dims)
    for d in wrapped:
        if wrapped.count(d) > 1:
            raise RuntimeError(f"dim {d} appears multiple times in the list of dims")
    # a copy, as PyTorch's flip makes (numpy's flip is a view with negative strides)
    data = array_module(input).flip(input._data, axis=wrapped) if ndim else input._data
    out = wrap(data.copy(), input._dtype, input._device)
    if needs_grad(input):
        attach(out, FlipBackward0(input)).grad_fn.save(dims=dims)
    return out


def int_dims(op, position, dims):
    """`dims`, a tuple or list of ints, as a tuple; else PyTorch's TypeError, as its argument
    parser words it (it looks at the first element before unpacking the rest). `position` counts
    the op's arguments from 1, the tensor a method is called on left out."""
    where = f"argument 'dims' (position {position})"
    if not isinstance(dims, (tuple, list)):
        raise TypeError(f"{op}(): {where} must be tuple of ints, not {type(dims).__name__}")
    for index, dim in enumerate(dims):
        if not hasattr(dim, "__index__"):
            kind = type(dim).__name__
            if index == 0:
                raise TypeError(
                    f"{op}(): {where} must be tuple of ints, but found element of type {kind} at pos 0"
                )
            raise TypeError(
                f"{op}(): argument 'dims' failed to unpack the object at pos {index + 1} with error "
                f'"type must be tuple of ints,but got {kind}"'
            )
    return tuple(operator.index(dim) for dim in dims)


# --- copies between layouts, dtypes and devices -------------------------------------------------
class CloneBackward0(Node):
    def backward(self, grad):
        return (grad,)


def _clone(input, order):
    out = wrap(input._data.copy(order=order), input._dtype, input._device)
    if needs_grad(input):
        attach(out, CloneBackward0(input))
    return out


def clone(input, *, memory_format=None):
    # like PyTorch's preserve_format, a copy keeps the input's memory order where it is dense
    return _clone(input, order="K")


def contiguous(input):
    """input itself when its memory is in row-major order, else a row-major copy."""
    if input._data.flags.c_contiguous:
        return input
    return _clone(input, order="C")


class ToCopyBackward0(Node):
    def backward(self, grad):
        # back to the input's device; the executor casts the dtype back
        return (grad.to(self._input_device),)


def _parse_to(args, kwargs):
    """`.to(dtype)`, `.to(device)`, `.to(device, dtype)`, `.to(other_tensor)`, keywords too."""
    dtype, device = kwargs.get("dtype"), kwargs.get("device")
    for arg in args:
        if isinstance(arg, dtypes.dtype):
            dtype = arg
        elif isinstance(arg, Tensor):
            dtype, device = arg._dtype, arg._device
        elif isinstance(arg, (str, backend.device)) or type(arg) is int:  # an int: that GPU
            device = arg
        else:
            raise TypeError(f"to() received an invalid combination of arguments - got ({type(arg).__name__})")
    return dtype, device


def to(input, *args, **kwargs):
    dtype, device = _parse_to(args, kwargs)
    dtype = dtype or input._dtype
    device = input._device if device is None else backend.canonical(device)
    if dtype is input._dtype and device == input._device and not kwargs.get("copy"):
        return input
    data = input._data
    if device != input._device:
        data = backend.to_device(data, device)
    out = wrap(data.astype(dtype.numpy, copy=data is input._data), dtype, device)
    if needs_grad(input) and dtype.is_floating_point:
        # PyTorch keeps the input's device unseen (no _saved_ attribute): so do we
        attach(out, ToCopyBackward0(input)).grad_fn._input_device = input._device
    return out


# --- triangles and diagonals ------------------------------------------------------------------------
class TrilBackward0(Node):
    def backward(self, grad):
        return (grad.tril(self._saved_diagonal),)


class TriuBackward0(Node):
    def backward(self, grad):
        return (grad.triu(self._saved_diagonal),)


def tril(input, diagonal=0):
    return _triangle(input, diagonal, "tril", TrilBackward0)


def triu(input, diagonal=0):
    return _triangle(input, diagonal, "triu", TriuBackward0)


def _triangle(input, diagonal, name, node_class):
    if input._data.ndim < 2:
        raise RuntimeError(f"{name}: input tensor must have at least 2 dimensions")
    data = getattr(array_module(input), name)(input._data, diagonal)
    out = wrap(data, input._dtype, input._device)
    if needs_grad(input):
        attach(out, node_class(input)).grad_fn.save(diagonal=diagonal)
    return out


class DiagEmbedBackward0(Node):
    """diag of a vector: the matrix with it on a diagonal."""

    def backward(self, grad):
        return (diag(grad, self._saved_offset),)


class DiagonalBackward0_copy(Node):  # noqa: N801 - PyTorch's name
    """diag of a matrix: one of its diagonals, as a vector (a copy)."""

    def backward(self, grad):
        return (_diagonal_into_zeros(grad, self._saved_self_sym_sizes, self._saved_offset,
                                     DiagonalBackwardBackward0),)


class DiagonalBackwardBackward0(Node):
    """The gradient of a matrix's diag, as a function of the incoming gradient (double backward)."""

    def backward(self, grad):
        return (diag(grad, self._saved_offset),)


def _diagonal_positions(sizes, offset):
    """(rows, columns) of the diagonal `offset` of a matrix shaped `sizes`, as Python ranges."""
    rows, columns = sizes
    start_row, start_column = (0, offset) if offset >= 0 else (-offset, 0)
    length = max(0, min(rows - start_row, columns - start_column))
    return range(start_row, start_row + length), range(start_column, start_column + length)


def _diagonal_index(xp, sizes, offset):
    """The numpy index of a matrix's diagonal `offset`: its rows and its columns."""
    rows, columns = _diagonal_positions(sizes, offset)
    return xp.arange(rows.start, rows.stop), xp.arange(columns.start, columns.stop)


def _diagonal_into_zeros(grad, sizes, offset, node_class):
    """A zero matrix shaped `sizes` with `grad` on its diagonal `offset`."""
    out = _zeros(sizes, grad)
    out._data[_diagonal_index(array_module(grad), sizes, offset)] = grad._data
    if needs_grad(grad):
        node = attach(out, node_class(grad)).grad_fn
        if node_class is DiagEmbedBackward0:
            node.save(dim1=-2, dim2=-1, offset=offset)
        else:
            node.save(dim1=0, dim2=1, offset=offset)
    return out


def diag(input, diagonal=0):
    ndim = input._data.ndim
    if ndim == 1:
        n = input._data.shape[0] + abs(diagonal)
        return _diagonal_into_zeros(input, (n, n), diagonal, DiagEmbedBackward0)
    if ndim != 2:
        raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {ndim}D")
    sizes = input._data.shape
    data = input._data[_diagonal_index(array_module(input), sizes, diagonal)]
    out = wrap(data, input._dtype, input._device)
    if needs_grad(input):
        attach(out, DiagonalBackward0_copy(input)).grad_fn.save(
            dim1=0, dim2=1, offset=diagonal, self_sym_sizes=sizes
        )
    return out


# --- outer: a column times a row ------------------------------------------------------------------------
def outer(input, vec2):
    """input[:, None] * vec2, as PyTorch computes it (ViewBackward0, then MulBackward0)."""
    from .arithmetic import mul

    for name, operand in (("self", input), ("vec2", vec2)):
        if operand._data.ndim != 1:
            raise RuntimeError(f"outer: Expected 1-D argument {name}, but got {operand._data.ndim}-D")
    return mul(reshape(input, (-1, 1)), vec2)
