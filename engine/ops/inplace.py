"""In-place ops (`add_`, `mul_`, `fill_`, `copy_`, ...): they change a tensor's values where they lie.

Each one takes PyTorch's steps, in this order:
1. refuse what autograd can't record (`check_inplace`): a leaf that requires grad while grad
   mode is on (`w -= lr * w.grad` belongs under `no_grad()`), a view of one, a view made in
   no_grad mode or one of several views one op returned (split, unbind);
2. compute the new values and check them (shape, dtype) without touching the tensor, so that
   an error leaves every tensor and graph as it was;
3. write them into the tensor's own array, which its views share, and bump the version counter
   it shares with them (`commit`): a node that saved the tensor for backward sees the change;
4. when a graph is recorded, the op's node becomes the tensor's grad_fn, its first edge the
   tensor's previous grad_fn: after `y = x * 2; y.add_(1)`, y.grad_fn is AddBackward0 and its
   next_functions start with (MulBackward0, 0). On a view (`y[0].mul_(2)`) the change is the
   base's: the base's grad_fn becomes CopySlices, which runs the op's node on the view's part of
   the gradient, and the view's grad_fn is made afresh from it (AsStridedBackward0), as any view
   of a base changed in place gets when next looked at.

The arithmetic ones run the out-of-place op (`add_` runs `add`) and write its result back, so
both record the same node, as in PyTorch (AddBackward0 for `x + 1` and `x.add_(1)`). Where that
node keeps the tensor's values for backward (MulBackward0 keeps `self` for the other operand's
gradient), it is given a copy of the old values, as PyTorch keeps the original self.
"""
import builtins
import math
import numbers

from .. import backend, dtypes, random
from ..autograd import graph
from ..autograd.grad_mode import _GradMode
from ..autograd.graph import Node, _short_name
from ..tensor import _GRAD_FN, DEFAULT, MULTI_OUTPUT, NO_GRAD, Tensor, View, attach, needs_grad, wrap
from . import arithmetic, bitwise, indexing, pointwise
from ._binary import array_module, operands, type_name

LEAF_MESSAGE = "a leaf Variable that requires grad is being used in an in-place operation."
VIEW_OF_LEAF_MESSAGE = "a view of a leaf Variable that requires grad is being used in an in-place operation."
_MULTI_OUTPUT_ADVICE = (
    " This view is the output of a function that returns multiple views. Such functions do not "
    "allow the output views to be modified inplace. You should replace the inplace operation by an "
    "out-of-place one."
)
_NO_GRAD_ADVICE = (
    " Given that this use case is ambiguous and error-prone, it is forbidden. You can clarify your "
    "code by moving both the view and the inplace either both inside the no_grad block (if you "
    "don't want the inplace to be tracked) or both outside (if you want the inplace to be tracked)."
)

_SCALAR_TYPE_NAMES = {  # PyTorch's ScalarType names, used in its dtype messages
    "float16": "Half", "float32": "Float", "float64": "Double", "int64": "Long", "int32": "Int",
    "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool",
}
_C_TYPE_NAMES = {  # the C++ element types, which some of PyTorch's messages name instead
    "float16": "c10::Half", "float32": "float", "float64": "double", "int64": "int64_t",
    "int32": "int", "int16": "int16_t", "int8": "int8_t", "uint8": "uint8_t", "bool": "bool",
}


def scalar_type_name(dtype):
    return _SCALAR_TYPE_NAMES[dtype.name]


# --- the steps every in-place op takes --------------------------------------------------------
def check_inplace(tensor):
    """Raise PyTorch's error when an in-place op on `tensor` can't be recorded.

    Called only when the op records a graph (grad mode on, something requires grad).
    """
    if tensor.__class__ is View:
        if tensor._view_creation != DEFAULT:
            raise RuntimeError(_view_refused(tensor, "is being"))
        base = tensor._view_base
        if base.grad_fn is None and base._requires_grad:
            raise RuntimeError(VIEW_OF_LEAF_MESSAGE)
    elif tensor.grad_fn is None and tensor._requires_grad:
        raise RuntimeError(LEAF_MESSAGE)


def _view_refused(view, modified):
    """PyTorch's words for a view whose base can't be rewritten: one made in no_grad mode, or one
    of several views one op returned. `modified`: "is being" for an in-place op on the view
    itself, or "its base or another view of its base has been"."""
    node = _GRAD_FN.__get__(view)  # as it was: looking at view.grad_fn would make a fresh one
    creation = view._view_creation
    output = None if node is None else f"Output {view._output_nr} of {_short_name(node)}"
    if creation == NO_GRAD or node is None:
        prefix = "A view was" if node is None else f"{output} is a view of a view which was"
        message = f"{prefix} created in no_grad mode and {modified} modified inplace with grad mode enabled."
    else:
        message = f"{output} is a view and {modified} modified inplace."
    return message + (_MULTI_OUTPUT_ADVICE if creation == MULTI_OUTPUT else _NO_GRAD_ADVICE)


def check_writable(tensor):
    """Writing into an expanded tensor would write one memory location many times."""
    data = tensor._data
    if data.flags.c_contiguous:  # the common case, and never overlapping
        return
    for size, stride in zip(data.shape, data.strides):
        if stride == 0 and size > 1:
            raise RuntimeError(
                "unsupported operation: more than one element of the written-to tensor refers to "
                "a single memory location. Please clone() the tensor before performing the "
                "operation."
            )


def check_result(tensor, shape, dtype):
    """The op's result must fit the tensor it is written into: same shape, a castable dtype."""
    if tuple(shape) != tensor._data.shape:
        raise RuntimeError(
            f"output with shape {list(tensor._data.shape)} doesn't match the broadcast shape "
            f"{list(shape)}"
        )
    check_cast(dtype, tensor._dtype)


def check_cast(dtype, target, type_names=_SCALAR_TYPE_NAMES):
    if not _can_cast(dtype, target):
        raise RuntimeError(
            f"result type {_SCALAR_TYPE_NAMES[dtype.name]} can't be cast to the desired output "
            f"type {type_names[target.name]}"
        )


def check_broadcast(shape, target):
    """A `shape` written into a tensor shaped `target` must broadcast to exactly `target`."""
    result = list(target)
    extra = len(shape) - len(target)
    result[:0] = shape[:extra] if extra > 0 else []
    for i in range(1, min(len(shape), len(target)) + 1):
        size, own = shape[-i], target[-i]
        if size != own and size != 1 and own != 1:
            raise RuntimeError(
                f"The size of tensor a ({own}) must match the size of tensor b ({size}) at "
                f"non-singleton dimension {len(result) - i}"
            )
        if own == 1:
            result[-i] = size
    if tuple(result) != tuple(target):
        raise RuntimeError(
            f"output with shape {list(target)} doesn't match the broadcast shape {result}"
        )


def _can_cast(source, target):
    # PyTorch's canCast: no floating -> integral, no non-bool -> bool
    if source.is_floating_point and not target.is_floating_point:
        return False
    return source.name == "bool" or target.name != "bool"


def check_number_fits(value, dtype, floats=True):
    """PyTorch refuses a Python number the dtype can't hold (c10::overflows): 300 into int8.
    Unsigned types take negatives down to -max (they wrap, as `a - b` needs)."""
    if isinstance(value, bool) or dtype.name == "bool":
        return
    xp = backend.array_module(backend.CPU)
    if dtype.is_floating_point:
        if not floats or math.isinf(value) or math.isnan(value):
            return
        fits = builtins.abs(value) <= float(xp.finfo(dtype.numpy).max)
    elif isinstance(value, float) and (math.isinf(value) or math.isnan(value)):
        fits = False
    else:
        info = xp.iinfo(dtype.numpy)
        low = -int(info.max) if int(info.min) == 0 else int(info.min)
        fits = low <= value <= int(info.max)
    if not fits:
        raise RuntimeError(
            f"value cannot be converted to type {_C_TYPE_NAMES[dtype.name]} without overflow"
        )


def write(tensor, data, index=Ellipsis):
    """tensor[index] = data (an array or number, broadcastable, any dtype) in its own array."""
    if tensor._dtype.is_floating_point or getattr(data, "dtype", None) is None or data.dtype.kind != "f":
        tensor._data[index] = data
        return
    tensor._data[index] = data


def commit(tensor, node=None):
    """The values have changed: bump the version and, when recorded, make `node` the grad_fn
    (on a view, the base's grad_fn becomes CopySlices around `node`)."""
    tensor._version_box[0] += 1
    if node is not None:
        if tensor.__class__ is View:
            base = tensor._view_base
            _set_grad_fn(base, CopySlices(base, tensor, node), base.grad_fn)
        else:
            _set_grad_fn(tensor, node, tensor.grad_fn)
    return tensor


def _set_grad_fn(tensor, node, previous):
    if tensor._retains_grad and previous is not None and previous._hooks is not None:
        # retain_grad() follows the tensor: its .grad is that of the new values
        previous._hooks.retained.pop(tensor._output_nr, None)
    attach(tensor, node)
    tensor._output_nr = 0
    if tensor._retains_grad:
        graph.retain_grad(tensor)


# --- in-place on views: the base's history rewritten (CopySlices) ----------------------------------
def _positions(base_shape, device, replay):
    """Where each element of a view lies in its base: the base's element numbers (row-major),
    read out by the steps that made the view (the base's memory order does not matter)."""
    at = backend.array_module(device).arange(math.prod(base_shape)).reshape(base_shape)
    for step in replay:
        at = step(at)
    return at


class _ViewPlace:
    """What CopySlices and AsStridedBackward0 keep of a view: its base's shape and device and the
    steps that read the view out of it; the positions are worked out in backward, when needed
    (`y[i] = v` in a loop makes many such nodes)."""

    def _keep_place(self, base, view):
        self._base_shape = base._data.shape
        self._base_device = base._device
        self._replay = view._view_replay

    def _index(self):
        """The view's positions as a numpy index into the flattened base, and as a tensor."""
        positions = _positions(self._base_shape, self._base_device, self._replay)
        return (positions,), (wrap(positions, dtypes.int64, self._base_device),)


class CopySlices(_ViewPlace, Node):
    """An in-place op on a view, recorded on the view's base. The base's gradient passes through
    outside the view; on the view's part, the op's own node (`fn`, hidden) runs. Its edges are the
    base's old grad_fn and the op's other inputs, as in PyTorch."""

    def __init__(self, base, view, fn):
        Node.__init__(self, base)
        self.next_functions += fn.next_functions[1:]
        self._fn = fn
        self._keep_place(base, view)

    def name(self):
        return "torch::autograd::CopySlices"

    def backward(self, grad):
        fn = self._fn
        if fn._versions_of_saved is not None or fn._freed:
            fn.check_saved()  # the executor checks only this node's own
        index, indices = self._index()
        flat = grad.reshape(-1)
        grads = fn.backward(indexing._gather(flat, index, indices))
        if type(grads) is not tuple:
            grads = (grads,)
        grad_base = None
        if self.should_compute_output(0):
            outside = array_module(grad).ones(flat._data.shape, dtype=dtypes.bool.numpy)
            outside[index] = False
            grad_base = pointwise.where(wrap(outside, dtypes.bool, grad._device), flat, 0.0)
            if grads[0] is not None:  # what the op's node gives its input goes in the view's place
                grad_base = grad_base + indexing._put_into_zeros(grads[0], flat._data.shape, index, indices)
            grad_base = grad_base.reshape(self._base_shape)
        return (grad_base, *grads[1:])

    def release(self):
        self._fn.release()
        Node.release(self)


class AsStridedBackward0(_ViewPlace, Node):
    """A view's grad_fn made afresh after its base (or another of its views) changed in place:
    the gradient goes back into the view's place in the base (added up where an expanded view
    repeats an element). PyTorch names it after as_strided, which it uses to remake the view."""

    def backward(self, grad):
        index, indices = self._index()
        flat = indexing._put_into_zeros(grad, (math.prod(self._base_shape),), index, indices)
        return (flat.reshape(self._base_shape),)

    @property
    def _saved_storage_offset(self):
        """Where the view's first element lies in the base's memory (NOTE: counted from the base's
        own first element, which in PyTorch may itself lie further into its storage)."""
        positions = _positions(self._base_shape, self._base_device, self._replay)
        if positions.size == 0:
            return 0
        first, offset = int(positions.reshape(-1)[0].item()), 0
        for size, stride in reversed(tuple(zip(self._base_shape, self._base_strides))):
            first, place = divmod(first, size)
            offset += place * stride
        return offset


def view_grad_fn(view, node):
    """The grad_fn of a view whose base (or another of its views) changed in place since `node`
    was set: a fresh AsStridedBackward0 from the base's grad_fn now (View.grad_fn asks)."""
    base = view._view_base
    if node is None and not base.requires_grad:
        return None
    if view._view_creation != DEFAULT:
        raise RuntimeError(_view_refused(view, "its base or another view of its base has been"))
    view._view_version = view._version_box[0]
    fresh = AsStridedBackward0(base)
    fresh._keep_place(base, view)
    itemsize = view._dtype.itemsize
    fresh._base_strides = tuple(stride // itemsize for stride in base._data.strides)
    fresh.save(size=view._data.shape, stride=tuple(stride // itemsize for stride in view._data.strides))
    _set_grad_fn(view, fresh, node)
    return fresh


def _old_values(tensor):
    """A copy of the tensor's values as they are now, at the same place in the graph: what a node
    keeps for backward when the op is about to overwrite the tensor."""
    old = wrap(tensor._data.copy(), tensor._dtype, tensor._device, grad_fn=tensor.grad_fn,
               output_nr=tensor._output_nr)
    old._requires_grad = tensor._requires_grad
    return old


def _through_out_of_place(input, op, operands, keeps_self=False):
    """Run the out-of-place `op(self)` and write its result into `input`.

    `keeps_self`: the op's node may keep `self` for backward; it gets a copy of the old values.
    """
    record = _records(input, *operands)
    check_writable(input)
    out = op(_old_values(input) if record and keeps_self else input)
    if out._device is not input._device:  # a CPU scalar written with a GPU tensor
        raise RuntimeError(
            "Expected all tensors to be on the same device, but found at least two devices, "
            f"{out._device} and {input._device}!"
        )
    check_result(input, out._data.shape, out._dtype)
    write(input, out._data)
    return commit(input, out.grad_fn if record else None)


def _records(input, *operands):
    """Whether to record a graph (only floating point tensors take part in one), after
    PyTorch's checks that it can be recorded."""
    record = _needs_grad_in_place(input, *operands) and input._dtype.is_floating_point
    if record:
        check_inplace(input)
    return record


def _needs_grad_in_place(input, *operands):
    """Grad mode is on and something requires grad. A view requires grad where its base does; its
    grad_fn is not looked at here (that might make a fresh one), as PyTorch does not."""
    if input.__class__ is View:
        return _GradMode.enabled and (input.requires_grad or needs_grad(*operands))
    return needs_grad(input, *operands)


def _zeros_like(grad):
    xp = array_module(grad)
    return wrap(xp.zeros_like(grad._data), grad._dtype, grad._device)


# --- arithmetic -----------------------------------------------------------------------------------
def add_(input, other, *, alpha=1):
    _check_operand("add_", other)
    if _plain(input, other):
        return _in_one_pass(input, "add", other if alpha == 1 else _scaled(other, alpha))
    return _through_out_of_place(input, lambda self: arithmetic.add(self, other, alpha=alpha), (other,))


def sub_(input, other, *, alpha=1):
    _check_operand("sub_", other)
    if _plain(input, other):
        return _in_one_pass(input, "subtract", other if alpha == 1 else _scaled(other, alpha))
    return _through_out_of_place(input, lambda self: arithmetic.sub(self, other, alpha=alpha), (other,))


def mul_(input, other):
    _check_operand("mul_", other)
    if _plain(input, other):
        return _in_one_pass(input, "multiply", other)
    return _through_out_of_place(input, lambda self: arithmetic.mul(self, other), (other,), keeps_self=True)


def div_(input, other):
    _check_operand("div_", other)
    if _plain(input, other):
        return _in_one_pass(input, "true_divide", other)
    return _through_out_of_place(input, lambda self: arithmetic.div(self, other), (other,), keeps_self=True)


def pow_(input, exponent):
    _check_operand("pow_", exponent, name="exponent")
    return _through_out_of_place(input, lambda self: arithmetic.pow(self, exponent), (exponent,), keeps_self=True)


def floor_divide_(input, other):
    return _through_out_of_place(input, lambda self: arithmetic.floor_divide(self, other), (other,))


def remainder_(input, other):
    return _through_out_of_place(
        input, lambda self: arithmetic.remainder(self, other), (other,), keeps_self=True
    )


def fmod_(input, other):
    return _through_out_of_place(
        input, lambda self: arithmetic.fmod(self, other), (other,), keeps_self=True
    )


# --- unary: the out-of-place op's node, as PyTorch records it (ExpBackward0 for exp_) -------------
def _unary_(input, op, keeps_self=False):
    return _through_out_of_place(input, op, (), keeps_self=keeps_self)


def _unary_keeping_result_(input, op):
    """For a node that keeps its result (ExpBackward0): PyTorch's result is the tensor itself, so
    the node keeps `input` at its new version, and a later in-place change to it makes backward
    raise, as in PyTorch."""
    results = []
    _through_out_of_place(input, lambda self: results.append(op(self)) or results[0], ())
    node = results[0].grad_fn
    if node is not None and input.grad_fn is node:
        node._versions_of_saved = [kept for kept in node._versions_of_saved if kept[0] != "_saved_result"]
        node.save(result=input)
    return input


def exp_(input):
    return _unary_keeping_result_(input, pointwise.exp)


def log_(input):
    return _unary_(input, pointwise.log, keeps_self=True)


def sqrt_(input):
    return _unary_keeping_result_(input, pointwise.sqrt)


def square_(input):
    return _unary_(input, pointwise.square, keeps_self=True)


def sigmoid_(input):
    return _unary_keeping_result_(input, pointwise.sigmoid)


def tanh_(input):
    return _unary_keeping_result_(input, pointwise.tanh)


def relu_(input):
    return _unary_keeping_result_(input, pointwise.relu)


def abs_(input):
    return _unary_(input, pointwise.abs, keeps_self=True)


absolute_ = abs_


def neg_(input):
    return _unary_(input, arithmetic.neg)


def floor_(input):
    return _unary_(input, pointwise.floor)


def ceil_(input):
    return _unary_(input, pointwise.ceil)


def trunc_(input):
    return _unary_(input, pointwise.trunc)


def round_(input, *, decimals=None):
    return _unary_(input, lambda self: pointwise.round(self, decimals=decimals))


def _plain(input, other):
    """The common case of an optimizer step (`w -= lr * w.grad` under no_grad): nothing to
    record, a floating point tensor, and a Python number or a tensor of its dtype and device."""
    if not input._dtype.is_floating_point or _needs_grad_in_place(input, other):
        return False
    kind = type(other)
    if kind is float or kind is int:
        return True
    return kind is Tensor and other._dtype is input._dtype and other._device == input._device


def _scaled(other, alpha):
    return other * alpha if type(other) is not Tensor else other._data * alpha


def _in_one_pass(input, ufunc, other):
    """input = input <ufunc> other, computed into input's own array (no temporary)."""
    data = input._data
    other_data = other._data if type(other) is Tensor else other
    shape = getattr(other_data, "shape", ())
    if shape != data.shape and shape != ():
        check_broadcast(shape, data.shape)
    check_writable(input)
    compute = getattr(array_module(input), ufunc)
    compute(data, other_data, out=data)
    return commit(input)


def _check_operand(op, value, name="other"):
    if not isinstance(value, (Tensor, numbers.Number)):
        raise TypeError(
            f"{op}(): argument '{name}' (position 1) must be Tensor, not {type_name(value)}"
        )


def clamp_(input, min=None, max=None):  # noqa: A002 - PyTorch's parameter names
    bounds = [b for b in (min, max) if b is not None]
    if not bounds:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    tensor_bounds = [isinstance(b, Tensor) for b in bounds]
    if builtins.any(tensor_bounds) and not builtins.all(tensor_bounds):
        got = ", ".join("Tensor" if isinstance(b, Tensor) else type(b).__name__ for b in (min, max))
        raise TypeError(
            f"clamp_() received an invalid combination of arguments - got ({got}), but expected "
            "one of:\n * (Tensor min = None, Tensor max = None)\n * (Number min = None, Number max = None)\n"
        )
    if not builtins.any(tensor_bounds):
        # with number bounds PyTorch names the C++ type (`long int`), where other ops say `Long`
        names = dict(_SCALAR_TYPE_NAMES, int64="long int", int32="int", int16="short int",
                     int8="signed char", uint8="unsigned char", bool="bool")
        check_cast(dtypes.result_type([input, *bounds]), input._dtype, names)
    return _through_out_of_place(input, lambda self: pointwise.clamp(self, min, max), bounds, keeps_self=True)


clip_ = clamp_


def masked_fill_(input, mask, value):
    if not isinstance(value, Tensor):
        check_number_fits(value, input._dtype)
    return _through_out_of_place(input, lambda self: pointwise.masked_fill(self, mask, value), (value,))


# --- bitwise: integers and bools only, so nothing to record ----------------------------------------
def bitwise_and_(input, other):
    return _bitwise_(input, bitwise.bitwise_and, other)


def bitwise_or_(input, other):
    return _bitwise_(input, bitwise.bitwise_or, other)


def bitwise_xor_(input, other):
    return _bitwise_(input, bitwise.bitwise_xor, other)


def bitwise_left_shift_(input, other):
    return _bitwise_(input, bitwise.bitwise_left_shift, other)


def bitwise_right_shift_(input, other):
    return _bitwise_(input, bitwise.bitwise_right_shift, other)


def _bitwise_(input, op, other):
    # PyTorch checks that the result's dtype fits before its kernel refuses floats (`x &= 1.5` on
    # an integer tensor is a cast error)
    check_cast(operands(input, other)[2], input._dtype)
    return _through_out_of_place(input, lambda self: op(self, other), (other,))


def bitwise_not_(input):
    return _through_out_of_place(input, bitwise.bitwise_not, ())


# --- fill and copy: the new values do not depend on the old -----------------------------------
class ZeroBackward0(Node):
    def backward(self, grad):
        return (_zeros_like(grad),)


class FillBackward2(Node):
    """fill_ with a number"""

    def backward(self, grad):
        return (_zeros_like(grad),)


class FillBackward3(Node):
    """fill_ with a 0-d tensor, which takes the gradient of every place it filled"""

    def backward(self, grad):
        return (
            _zeros_like(grad) if self.should_compute_output(0) else None,
            grad.sum() if self.should_compute_output(1) else None,
        )


class CopyBackwards(Node):
    """copy_: the old values get no gradient, the source all of it (summed back to its shape
    and cast to its dtype by the executor; moved back to its device here)."""

    def name(self):
        return "torch::autograd::CopyBackwards"

    def backward(self, grad):
        grad_source = None
        if self.should_compute_output(1):
            device = self._source_device
            grad_source = grad if grad._device == device else grad.to(device)
        return (_zeros_like(grad) if self.should_compute_output(0) else None, grad_source)


class NormalBackward0(Node):
    def backward(self, grad):
        return (_zeros_like(grad),)


class UniformBackward0(Node):
    def backward(self, grad):
        return (_zeros_like(grad),)


def _fill(input, data, node_class, *operands):
    """Write `data` (the new values, broadcastable) and record `node_class(input, *operands)`."""
    record = _records(input, *operands)
    check_writable(input)
    node = node_class(input, *operands) if record else None
    write(input, data)
    return commit(input, node)


def zero_(input):
    return _fill(input, 0, ZeroBackward0)


def fill_(input, value):
    if isinstance(value, Tensor):
        if value.ndim:
            raise RuntimeError(
                f"fill_ only supports 0-dimension value tensor but got tensor with {value.ndim} dimensions."
            )
        return _fill(input, backend.to_device(value._data, input._device), FillBackward3, value)
    if not isinstance(value, numbers.Number):
        raise TypeError(
            f"fill_() received an invalid combination of arguments - got ({type(value).__name__}), "
            "but expected one of:\n * (Tensor value)\n * (Number value)\n"
        )
    check_number_fits(value, input._dtype)
    return _fill(input, value, FillBackward2)


def copy_(input, source, non_blocking=False):
    if not isinstance(source, Tensor):
        if not isinstance(source, numbers.Number):
            raise TypeError(
                f"copy_(): argument 'other' (position 1) must be Tensor, not {type_name(source)}"
            )
        dtype = dtypes.scalar_dtype(source)
        source = wrap(array_module(input).asarray(source, dtype=dtype.numpy), dtype, input._device)
    check_broadcast(source._data.shape, input._data.shape)
    record = _records(input, source)
    check_writable(input)
    node = None
    if record:
        node = CopyBackwards(input, source)
        node._source_device = source._device
    write(input, backend.to_device(source._data, input._device))
    return commit(input, node)


# --- random fills ---------------------------------------------------------------------------------
def normal_(input, mean=0.0, std=1.0, *, generator=None):
    if not input._dtype.is_floating_point:
        raise NotImplementedError(
            f"\"normal_kernel_{input._device.type}\" not implemented for '{scalar_type_name(input._dtype)}'"
        )
    if std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std:g}")
    values = random.normal_like(input._data, mean, std, generator)  # on the host, as engine.random draws
    return _fill(input, backend.to_device(values, input._device), NormalBackward0)


def uniform_(input, a=0.0, b=1.0, *, generator=None):
    if not input._dtype.is_floating_point:
        raise NotImplementedError(
            f"\"check_uniform_bounds\" not implemented for '{scalar_type_name(input._dtype)}'"
        )
    if a > b:
        raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found from={a:g} > to={b:g}")
    values = random.uniform_like(input._data, a, b, generator)
    return _fill(input, backend.to_device(values, input._device), UniformBackward0)
