"""In-place ops (`add_`, `mul_`, `fill_`, `copy_`, ...): they change a tensor's values where they lie.

Each one takes PyTorch's steps, in this order:
1. refuse what autograd can't record (`check_inplace`): a leaf that requires grad while grad
   mode is on (`w -= lr * w.grad` belongs under `no_grad()`), or a view of one;
2. compute the new values and check them (shape, dtype) without touching the tensor, so that
   an error leaves every tensor and graph as it was;
3. write them into the tensor's own array, which its views share, and bump the version counter
   it shares with them (`commit`): a node that saved the tensor for backward sees the change;
4. when a graph is recorded, the op's node becomes the tensor's grad_fn, its first edge the
   tensor's previous grad_fn: after `y = x * 2; y.add_(1)`, y.grad_fn is AddBackward0 and its
   next_functions start with (MulBackward0, 0).

The arithmetic ones run the out-of-place op (`add_` runs `add`) and write its result back, so
both record the same node, as in PyTorch (AddBackward0 for `x + 1` and `x.add_(1)`). Where that
node keeps the tensor's values for backward (MulBackward0 keeps `self` for the other operand's
gradient), it is given a copy of the old values, as PyTorch keeps the original self.

NOTE: PyTorch remembers each view's base: an in-place op on a view `y[0].mul_(2)` rewrites the
base's grad_fn (CopySlices), and a view taken before its base changed in place gets a fresh
grad_fn when next used. Engine tensors do not record their base, so an in-place op on a view
that is part of a recorded graph is refused with a clear error (`y[index] = value`, which
knows its base, is the way to write into part of a tensor that requires grad), and a view taken
before its base changed in place keeps its old grad_fn: gradients through it miss that change.
"""
import builtins
import math
import numbers

from .. import backend, dtypes, random
from ..autograd import graph
from ..autograd.graph import AccumulateGrad, Node
from ..tensor import Tensor, attach, needs_grad, wrap
from . import arithmetic, pointwise
from ._binary import array_module

LEAF_MESSAGE = "a leaf Variable that requires grad is being used in an in-place operation."
VIEW_OF_LEAF_MESSAGE = "a view of a leaf Variable that requires grad is being used in an in-place operation."

# Backward nodes of ops whose output is a view of their input (shares its memory).
_VIEW_NODES = frozenset({
    "AliasBackward0", "AsStridedBackward0", "DiagonalBackward0", "ExpandBackward0",
    "NarrowBackward0", "PermuteBackward0", "SelectBackward0", "SliceBackward0",
    "SqueezeBackward0", "SqueezeBackward1", "SqueezeBackward2", "TBackward0",
    "TransposeBackward0", "UnfoldBackward0", "UnsqueezeBackward0", "ViewBackward0",
})
# Views that come several at a time: PyTorch refuses in-place ops on them outright.
_MULTI_VIEW_NODES = {"SplitBackward0": "Split", "SplitWithSizesBackward0": "SplitWithSizes",
                     "UnbindBackward0": "Unbind"}

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
def check_inplace(tensor, region_is_view=False):
    """Raise PyTorch's error when an in-place op on `tensor` can't be recorded.

    Called only when the op records a graph (grad mode on, something requires grad).
    `region_is_view`: the op writes through a view of `tensor` (`x[0] = 1` fills the view x[0]).
    """
    node = tensor.grad_fn
    if node is None:
        if tensor._requires_grad:
            raise RuntimeError(VIEW_OF_LEAF_MESSAGE if region_is_view else LEAF_MESSAGE)
        return
    name = type(node).__name__
    if name in _MULTI_VIEW_NODES:
        raise RuntimeError(
            f"Output {tensor._output_nr} of {_MULTI_VIEW_NODES[name]} is a view and is being "
            "modified inplace. This view is the output of a function that returns multiple views. "
            "Such functions do not allow the output views to be modified inplace. You should "
            "replace the inplace operation by an out-of-place one."
        )
    if name not in _VIEW_NODES:
        return
    base = node  # a view of a view shares the first one's base: look through them all
    while base is not None and type(base).__name__ in _VIEW_NODES:
        base = base.next_functions[0][0]
    if isinstance(base, AccumulateGrad):
        raise RuntimeError(VIEW_OF_LEAF_MESSAGE)
    raise NotImplementedError(
        f"in-place operation on a view ({name}) of a tensor that requires grad: PyTorch would "
        "rewrite the base tensor's grad_fn (CopySlices), but engine tensors do not record their "
        "base, so this engine does not support it. Write into the base instead "
        "(`base[index] = new_values`) or use the out-of-place op (`y = y.add(1)`)."
    )


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
    with backend.quiet_float_errors(tensor._device):  # NaN into an integer array: no warning
        tensor._data[index] = data


def commit(tensor, node=None):
    """The values have changed: bump the version and, when recorded, make `node` the grad_fn."""
    tensor._version_box[0] += 1
    if node is not None:
        previous = tensor.grad_fn
        if tensor._retains_grad and previous is not None and previous._hooks is not None:
            # retain_grad() follows the tensor: its .grad is that of the new values
            previous._hooks.retained.pop(tensor._output_nr, None)
        attach(tensor, node)
        tensor._output_nr = 0
        if tensor._retains_grad:
            graph.retain_grad(tensor)
    return tensor


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
    record = needs_grad(input, *operands) and input._dtype.is_floating_point
    if record:
        check_inplace(input)
    return record


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


def _plain(input, other):
    """The common case of an optimizer step (`w -= lr * w.grad` under no_grad): nothing to
    record, a floating point tensor, and a Python number or a tensor of its dtype and device."""
    if not input._dtype.is_floating_point or needs_grad(input, other):
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
    if ufunc == "true_divide":
        with backend.quiet_float_errors(input._device):  # x / 0 is inf, without a warning
            compute(data, other_data, out=data)
    else:
        compute(data, other_data, out=data)
    return commit(input)


def _check_operand(op, value, name="other"):
    if not isinstance(value, (Tensor, numbers.Number)):
        raise TypeError(
            f"{op}(): argument '{name}' (position 1) must be Tensor, not {type(value).__name__}"
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
                f"copy_(): argument 'other' (position 1) must be Tensor, not {type(source).__name__}"
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
def normal_(input, mean=0.0, std=1.0):
    if not input._dtype.is_floating_point:
        raise NotImplementedError(
            f"\"normal_kernel_{input._device.type}\" not implemented for '{scalar_type_name(input._dtype)}'"
        )
    if std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std:g}")
    values = backend.as_host_array(random.normal(input._data.shape, "float64") * std + mean)
    return _fill(input, backend.to_device(values, input._device), NormalBackward0)


def uniform_(input, a=0.0, b=1.0):
    if not input._dtype.is_floating_point:
        raise NotImplementedError(
            f"\"check_uniform_bounds\" not implemented for '{scalar_type_name(input._dtype)}'"
        )
    if a > b:
        raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found from={a:g} > to={b:g}")
    host = backend.array_module(backend.CPU)  # engine.random draws on the host
    values = host.asarray(random.uniform(input._data.shape, "float64") * (b - a) + a).astype(input._dtype.numpy)
    if a < b:  # NOTE: rounding to float32 or float16 can reach b itself; the range is [a, b)
        below_b = host.nextafter(host.asarray(b, dtype=values.dtype), host.asarray(a, dtype=values.dtype))
        values = host.minimum(values, below_b)
    return _fill(input, backend.to_device(values, input._device), UniformBackward0)
