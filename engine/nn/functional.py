"""torch.nn.functional: activations, softmax, linear and losses.

Each function records the graph PyTorch records for it: an activation or a loss is one node
(GeluBackward0, MseLossBackward0, NllLossBackward0, ...), `linear` is addmm (or mm) over the
weight's transpose, and `cross_entropy` is log_softmax followed by nll_loss. Backward rules are
written in Tensor ops, so double backward works through all of them.
"""
import math
import warnings

from .. import backend, dtypes
from ..autograd.grad_mode import _GradMode
from ..autograd.graph import Node
from ..tensor import attach, needs_grad, wrap  # first: the tensor module loads the ops in order
from ..ops import arithmetic, linalg, pointwise, shape  # noqa: I001
from ..ops import inplace as inplace_ops
from ..ops import reduction as reductions
from ..ops._binary import array_module, check_same_device, operands
from ..ops.linalg import check_tensor, scalar_type_name

# reduction modes as PyTorch numbers them (the `_saved_reduction` of a loss node)
NONE, MEAN, SUM = 0, 1, 2


def _float_only(dtype, kernel):
    """PyTorch's kernels for these ops exist for floating dtypes only."""
    if not dtype.is_floating_point:
        raise NotImplementedError(f'"{kernel}" not implemented for \'{scalar_type_name(dtype)}\'')


def _in_place(input, op, keeps_self=False):
    """`op(input)` written back into `input`, by the in-place family's steps (engine.ops.inplace):
    PyTorch's checks, the out-of-place op, its values written into the tensor, its node made the
    tensor's grad_fn. `keeps_self`: the node keeps its input, so it is given the old values."""
    record = needs_grad(input) and input._dtype.is_floating_point
    if record:
        inplace_ops.check_inplace(input)
    inplace_ops.check_writable(input)
    operand = input
    if record and keeps_self:
        operand = wrap(input._data.copy(), input._dtype, input._device, grad_fn=input.grad_fn,
                       output_nr=input._output_nr)
        operand._requires_grad = input._requires_grad
    out = op(operand)
    inplace_ops.write(input, out._data)
    return inplace_ops.commit(input, out.grad_fn if record else None)


# --- activations ----------------------------------------------------------------------------------
def relu(input, inplace=False):
    if inplace:
        return _in_place(input, pointwise.relu)
    return pointwise.relu(input)


def sigmoid(input):
    return pointwise.sigmoid(input)


def tanh(input):
    return pointwise.tanh(input)


class LeakyReluBackward0(Node):
    def backward(self, grad):
        return (_leaky_relu_backward(grad, self._saved_self, self._saved_negative_slope),)


class LeakyReluBackward1(Node):
    """leaky_relu in place: the input is overwritten, so the result (same signs) gives the mask."""

    def backward(self, grad):
        slope = self._saved_negative_slope
        if slope < 0:  # NOTE: then the result's signs are not the input's
            raise RuntimeError(
                "In-place leakyReLu backward calculation is triggered with a negative slope which is "
                "not supported. This is caused by calling in-place forward function with a negative "
                "slope, please call out-of-place version instead. File an issue at "
                "https://github.com/pytorch/pytorch if you do require supporting in-place leakRelu "
                "backward calculation with negative slope"
            )
        return (_leaky_relu_backward(grad, self._saved_result, slope),)


def leaky_relu(input, negative_slope=0.01, inplace=False):
    _float_only(input._dtype, "leaky_relu_cpu")
    if inplace:
        return _in_place(input, lambda x: _leaky_relu(x, negative_slope, LeakyReluBackward1))
    return _leaky_relu(input, negative_slope, LeakyReluBackward0)


def _leaky_relu(input, negative_slope, node_class):
    data = input._data
    values = array_module(input).where(data > 0, data, data * negative_slope)
    out = wrap(values.astype(data.dtype, copy=False), input._dtype, input._device)
    if needs_grad(input):
        node = attach(out, node_class(input)).grad_fn
        node.save(negative_slope=negative_slope)
        node.save(**({"self": input} if node_class is LeakyReluBackward0 else {"result": out}))
    return out


class LeakyReluBackwardBackward0(Node):
    def backward(self, grad):
        # linear in the incoming gradient, piecewise constant in self
        return (
            _leaky_relu_backward(grad, self._saved_self, self._saved_negative_slope)
            if self.should_compute_output(0) else None,
            _zeros_like(grad) if self.should_compute_output(1) else None,
        )


def _zeros_like(tensor):
    return wrap(array_module(tensor).zeros_like(tensor._data), tensor._dtype, tensor._device)


def _leaky_relu_backward(grad, input, negative_slope):
    """grad * leaky_relu'(input), an op of its own as in PyTorch (so double backward is recorded)."""
    # NOTE: at 0 the slope is the negative one (PyTorch's mask is input > 0)
    data = grad._data * array_module(grad).where(input._data > 0, 1, negative_slope)
    out = wrap(data.astype(grad._data.dtype, copy=False), grad._dtype, grad._device)
    if needs_grad(grad, input):
        attach(out, LeakyReluBackwardBackward0(grad, input)).grad_fn.save(
            negative_slope=negative_slope, self=input
        )
    return out


class SiluBackward0(Node):
    def backward(self, grad):
        x = self._saved_self
        s = pointwise.sigmoid(x)
        return (grad * s * (1 + x * (1 - s)),)


def silu(input, inplace=False):
    """x * sigmoid(x)."""
    _float_only(input._dtype, "silu_cpu")
    if inplace:
        return _in_place(input, silu, keeps_self=True)
    s = pointwise.sigmoid(input.detach())._data  # the overflow-safe sigmoid
    out = wrap(input._data * s, input._dtype, input._device)
    if needs_grad(input):
        attach(out, SiluBackward0(input)).grad_fn.save(self=input)
    return out


_SQRT1_2 = math.sqrt(0.5)
_SQRT_2_OVER_PI = math.sqrt(2 / math.pi)
_INV_SQRT_2PI = 1 / math.sqrt(2 * math.pi)
_CUBIC = 0.044715  # the tanh approximation's coefficient


class GeluBackward0(Node):
    def backward(self, grad):
        return (_gelu_backward(grad, self._saved_self, self._saved_approximate),)


def gelu(input, approximate="none"):
    """x * Phi(x), Phi the standard normal CDF; `approximate='tanh'` uses tanh's formula for it."""
    if approximate not in ("none", "tanh"):
        raise RuntimeError("approximate argument must be either none or tanh.")
    _float_only(input._dtype, "GeluKernelImpl")
    xp, x = array_module(input), input._data
    if approximate == "tanh":
        data = 0.5 * x * (1 + xp.tanh(_SQRT_2_OVER_PI * (x + _CUBIC * x * x * x)))
    else:
        data = 0.5 * x * (1 + backend.erf(xp, x * _SQRT1_2))
        if input._device is backend.CPU and x.dtype == "float32" and x.size > 1 and x.flags.c_contiguous:
            # NOTE: PyTorch's vectorized float32 CPU kernel (contiguous, more than one element)
            # gives nan at +inf where its scalar one, and every other dtype's, gives inf
            data[x == math.inf] = math.nan
    out = wrap(data.astype(x.dtype, copy=False), input._dtype, input._device)
    if needs_grad(input):
        attach(out, GeluBackward0(input)).grad_fn.save(approximate=approximate, self=input)
    return out


class GeluBackwardBackward0(Node):
    def backward(self, grad):
        x, approximate = self._saved_self, self._saved_approximate
        grad_grad_output = grad_self = None
        if self.should_compute_output(0):
            grad_grad_output = _gelu_backward(grad, x, approximate)
        if self.should_compute_output(1):
            grad_self = grad * self._saved_grad_output * _gelu_second_derivative(x, approximate)
        return grad_grad_output, grad_self


def _gelu_backward(grad, input, approximate):
    """grad * gelu'(input), an op of its own as in PyTorch (so double backward is recorded)."""
    xp, x = array_module(input), input._data
    if approximate == "tanh":
        t = xp.tanh(_SQRT_2_OVER_PI * (x + _CUBIC * x * x * x))
        d_inner = _SQRT_2_OVER_PI * (1 + 3 * _CUBIC * x * x)
        derivative = 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * d_inner
    else:
        cdf = 0.5 * (1 + backend.erf(xp, x * _SQRT1_2))
        derivative = cdf + x * xp.exp(-0.5 * x * x) * _INV_SQRT_2PI
    out = wrap((grad._data * derivative).astype(grad._data.dtype, copy=False), grad._dtype, grad._device)
    if needs_grad(grad, input):
        attach(out, GeluBackwardBackward0(grad, input)).grad_fn.save(
            approximate=approximate, grad_output=grad, self=input
        )
    return out


def _gelu_second_derivative(x, approximate):
    """gelu''(x) in Tensor ops, so that a third derivative works too."""
    if approximate == "tanh":
        t = pointwise.tanh(_SQRT_2_OVER_PI * (x + _CUBIC * x * x * x))
        sech2 = 1 - t * t
        d_inner = _SQRT_2_OVER_PI * (1 + 3 * _CUBIC * x * x)
        d2_inner = _SQRT_2_OVER_PI * 6 * _CUBIC * x
        return sech2 * d_inner + 0.5 * x * sech2 * (d2_inner - 2 * t * d_inner * d_inner)
    pdf = pointwise.exp(-0.5 * x * x) * _INV_SQRT_2PI
    return pdf * (2 - x * x)


# --- softmax ----------------------------------------------------------------------------------------
def _get_softmax_dim(name, ndim, stacklevel):
    warnings.warn(
        f"Implicit dimension choice for {name} has been deprecated. "
        "Change the call to include dim=X as an argument.",
        stacklevel=stacklevel,
    )
    return 0 if ndim in (0, 1, 3) else 1


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    if dim is None:
        dim = _get_softmax_dim("softmax", input.dim(), _stacklevel)
    return reductions.softmax(input, dim, dtype=dtype)


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    if dim is None:
        dim = _get_softmax_dim("log_softmax", input.dim(), _stacklevel)
    return reductions.log_softmax(input, dim, dtype=dtype)


# --- linear -------------------------------------------------------------------------------------------
def linear(input, weight, bias=None):
    """input @ weight.T + bias, recorded as PyTorch records it: addmm for a batch of vectors,
    addmm over a flattened view for other contiguous inputs with a vector bias, else matmul and
    an add."""
    check_tensor("linear", "input", 1, input)
    check_tensor("linear", "weight", 2, weight)
    if bias is not None:
        check_tensor("linear", "bias", 3, bias)
    if input.ndim == 0 or weight.ndim == 0:
        raise RuntimeError(
            f"both arguments to linear need to be at least 1D, but they are {input.ndim}D and {weight.ndim}D"
        )
    if bias is not None and input.ndim == 2:
        return linalg.addmm(bias, input, shape.t(weight))
    if bias is not None and bias.ndim == 1 and input._data.flags.c_contiguous:
        sizes = tuple(input.shape)
        rows = math.prod(sizes[:-1])
        result = linalg.addmm(bias, shape.reshape(input, (rows, sizes[-1])), shape.t(weight))
        return shape.view(result, sizes[:-1] + (result.shape[1],))
    output = linalg.matmul(input, shape.t(weight))
    if bias is None:
        return output
    # PyTorch adds the bias in place, so it may not grow the output
    broadcast = linalg.broadcast_shapes(output.shape, bias.shape)
    if broadcast != tuple(output.shape):
        raise RuntimeError(
            f"output with shape {list(output.shape)} doesn't match the broadcast shape {list(broadcast)}"
        )
    return arithmetic.add(output, bias)


# --- reductions of a loss -----------------------------------------------------------------------
_REDUCTIONS = {"none": NONE, "mean": MEAN, "sum": SUM}


def _reduction_enum(reduction_):
    if reduction_ == "elementwise_mean":
        warnings.warn(
            "reduction='elementwise_mean' is deprecated. Please use reduction='mean' instead.", stacklevel=3
        )
        return MEAN
    if reduction_ not in _REDUCTIONS:
        raise ValueError(f"{reduction_} is not a valid value for reduction")
    return _REDUCTIONS[reduction_]


def _legacy_reduction(size_average, reduce):
    """The deprecated size_average / reduce flags, as a reduction name (with PyTorch's warning)."""
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    name = "mean" if size_average and reduce else "sum" if reduce else "none"
    warnings.warn(
        f"size_average and reduce args will be deprecated, please use reduction='{name}' instead.",
        stacklevel=3,
    )
    return name


def _reduce(losses, mode, xp, device):
    """Sum or average an array of elementwise losses (an empty mean is nan, quietly)."""
    if mode == NONE:
        return losses
    total = losses.sum()
    if mode == SUM:
        return xp.asarray(total)
    return xp.asarray(total / losses.size if losses.size else total * float("nan"))


# --- mse_loss -------------------------------------------------------------------------------------
class MseLossBackward0(Node):
    def backward(self, grad):
        x, y = self._saved_self, self._saved_target
        scale = 2 / x.numel() if self._saved_reduction == MEAN else 2
        grad_input = (x - y) * scale * grad
        return (
            grad_input if self.should_compute_output(0) else None,
            -grad_input if self.should_compute_output(1) else None,
        )


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    check_tensor("mse_loss", "input", 1, input)
    check_tensor("mse_loss", "target", 2, target)
    if target.shape != input.shape:
        warnings.warn(
            f"Using a target size ({target.shape}) that is different to the input size ({input.shape}). "
            "This will likely lead to incorrect results due to broadcasting. "
            "Please ensure they have the same size.",
            stacklevel=2,
        )
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce)
    input, target = _broadcast_tensors(input, target)
    if weight is not None:
        return _weighted_mse_loss(input, target, weight, reduction)
    return _mse_loss(input, target, _reduction_enum(reduction))


def _broadcast_tensors(a, b):
    """torch.broadcast_tensors for two: each expanded to the common shape (unchanged if it has it)."""
    common = linalg.broadcast_shapes(a.shape, b.shape)
    return (
        a if tuple(a.shape) == common else shape.expand(a, common),
        b if tuple(b.shape) == common else shape.expand(b, common),
    )


def _mse_loss(input, target, mode):
    a, b, dtype, device = operands(input, target)
    _float_only(dtype, "mse_cpu")
    diff = a - b
    out = wrap(_reduce(diff * diff, mode, array_module(input), device), dtype, device)
    if needs_grad(input, target):
        attach(out, MseLossBackward0(input, target)).grad_fn.save(reduction=mode, self=input, target=target)
    return out


def _weighted_mse_loss(input, target, weight, reduction_):
    if weight.shape != input.shape:
        raise ValueError("Weights and input must have the same size.")
    weighted = arithmetic.pow(input - target, 2) * weight
    if reduction_ == "none":
        return weighted
    if reduction_ == "sum":
        return reductions.sum(weighted)
    if reduction_ == "mean":
        return reductions.sum(weighted) / reductions.sum(weight)
    raise ValueError(f"Invalid reduction mode: {reduction_}. Expected one of 'none', 'mean', 'sum'.")


# --- nll_loss -------------------------------------------------------------------------------------
class NllLossBackward0(Node):
    """-input[target] per sample (class dim 1, or 0 for a single sample), weighted and reduced."""

    class_dim = 1

    def backward(self, grad):
        # PyTorch's kernel: each sample's target class gets -grad (over the total weight for a
        # mean) times its weight, in that order; other classes and ignored samples get 0
        x = self._saved_self
        class_dim = self.class_dim if x.ndim > 1 else 0
        mean = self._saved_reduction == MEAN
        if not _GradMode.enabled:  # no graph to record (no create_graph): the values scattered at once
            per_sample = -(grad._data / self._saved_total_weight._data) if mean else -grad._data
            return (wrap(self._scattered(per_sample, class_dim), grad._dtype, grad._device),)
        per_sample = -(grad / self._saved_total_weight) if mean else -grad
        if self._saved_reduction == NONE and x.ndim > 1:
            per_sample = shape.unsqueeze(per_sample, class_dim)
        # nll_loss is linear in its input: the same values as a product, so it differentiates again
        return (per_sample * wrap(self._scattered(1, class_dim), x._dtype, x._device),)

    def _scattered(self, per_sample, class_dim):
        """An input-shaped array of zeros with per_sample (times the sample's class weight) at each
        sample's target class, but for ignored samples."""
        x, weight = self._saved_self, self._saved_weight
        xp = array_module(x)
        t = _target_indices(x, self._saved_target)
        if not self._every_sample_counted:
            valid = t != self._saved_ignore_index
            t = xp.where(valid, t, 0)
            if weight is not None:
                per_sample = weight._data[t] * per_sample
            per_sample = xp.where(valid, per_sample, 0)
        data = xp.zeros(x.shape, x._data.dtype)
        data[_class_index(xp, t, class_dim)] = per_sample
        return data


class NllLoss2DBackward0(NllLossBackward0):
    """nll_loss for (N, C, H, W) inputs: the same rule, class dim 1."""


def _class_index(xp, classes, class_dim):
    """An index picking, for each sample, the element at its class (`classes` holds one class per
    sample, shaped like the input without its class dim)."""
    if classes.ndim == 0:
        return (classes,)
    if classes.ndim == 1:  # the common case: one sample per row
        rows = xp.arange(classes.shape[0])
        return (rows, classes) if class_dim == 1 else (classes, rows)
    index = [
        xp.arange(size).reshape((1,) * dim + (size,) + (1,) * (classes.ndim - dim - 1))
        for dim, size in enumerate(classes.shape)
    ]
    index.insert(class_dim, classes)
    return tuple(index)


def _target_indices(input, target):
    """The class indices as int64; one sample (a 1-D input) may give its target as [t]."""
    t = target._data if target._dtype is dtypes.int64 else target._data.astype(dtypes.int64.numpy)
    return t.reshape(()) if input._data.ndim == 1 else t


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean"):
    check_tensor("nll_loss", "input", 1, input)
    check_tensor("nll_loss", "target", 2, target)
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce)
    return _nll_loss_nd(input, target, weight, _reduction_enum(reduction), ignore_index)


def _nll_loss_nd(input, target, weight, mode, ignore_index):
    """Dispatch by the input's dimensions as PyTorch's nll_loss_nd: 1-D and 2-D go to nll_loss,
    4-D to nll_loss2d, and others are viewed as 4-D (N, C, 1, -1) first."""
    if input._data.ndim < 1:
        raise ValueError(f"Expected 1 or more dimensions (got {input.ndim})")
    target_batch = target._data.shape[0] if target._data.ndim else 0
    if input._data.ndim != 1 and input._data.shape[0] != target_batch:
        raise ValueError(
            f"Expected input batch_size ({input.shape[0]}) to match target batch_size ({target_batch})."
        )
    if input._data.ndim <= 2:
        return _nll_loss(input, target, weight, mode, ignore_index)
    if input._data.ndim == 4:
        return _nll_loss2d(input, target, weight, mode, ignore_index)
    n, c = input.shape[0], input.shape[1]
    out_size = (n,) + tuple(input.shape[2:])
    if tuple(target.shape[1:]) != tuple(input.shape[2:]):
        raise RuntimeError(f"Expected target size {list(out_size)}, got {list(target.shape)}")
    input4 = shape.view(linalg.contiguous(input), (n, c, 1, -1) if input.numel() else (n, c, 0, 0))
    target3 = shape.view(linalg.contiguous(target), (n, 1, -1) if target.numel() else (n, 0, 0))
    out = _nll_loss2d(input4, target3, weight, mode, ignore_index)
    return out if mode != NONE else shape.view(out, out_size)


def _nll_loss(input, target, weight, mode, ignore_index):
    _weight_without_grad(weight, "nll_loss_forward")
    if not 1 <= input._data.ndim <= 2:
        raise RuntimeError("input tensor should be 1D or 2D")
    if target._data.ndim > 1:
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    if input._data.ndim == 1 and target._data.ndim == 1 and target._data.shape[0] != 1:
        raise ValueError(f"For 1D input, 1D target must have size 1, but got target size: {target.shape[0]}")
    n_classes = input._data.shape[-1]
    if weight is not None and (weight.ndim != 1 or weight.numel() != n_classes):
        raise RuntimeError(
            f"weight tensor should be defined either for all {n_classes} classes or no classes but got "
            f"weight tensor of shape: {list(weight.shape)}"
        )
    _check_nll_dtypes(input, target, weight, "nll_loss_out_frame")
    return _nll_forward(input, target, weight, mode, ignore_index, NllLossBackward0)


def _nll_loss2d(input, target, weight, mode, ignore_index):
    _weight_without_grad(weight, "nll_loss2d_forward")
    if target._data.ndim != 3:
        raise RuntimeError(
            f"only batches of spatial targets supported (3D tensors) but got targets of dimension: {target.ndim}"
        )
    if input._data.ndim != 4:
        raise RuntimeError(
            f"only batches of spatial inputs supported (4D tensors), but got input of dimension: {input.ndim}"
        )
    if weight is not None and weight.numel() != input.shape[1]:
        raise RuntimeError("weight tensor should be defined either for all or no classes")
    if (input.shape[0], input.shape[2], input.shape[3]) != tuple(target.shape):
        raise RuntimeError(
            f"size mismatch (got input: {list(input.shape)} , target: {list(target.shape)}"
        )
    _check_nll_dtypes(input, target, weight, "nll_loss2d_forward_out_frame")
    return _nll_forward(input, target, weight, mode, ignore_index, NllLoss2DBackward0)


def _check_nll_dtypes(input, target, weight, kernel):
    if target._dtype is not dtypes.int64 and target._dtype is not dtypes.uint8:
        raise RuntimeError(
            f"expected target dtype to be Long or Byte, but got {scalar_type_name(target._dtype)}"
        )
    if weight is not None and weight._dtype is not input._dtype:
        raise RuntimeError(
            f"expected scalar type {scalar_type_name(input._dtype)} but found {scalar_type_name(weight._dtype)}"
        )
    _float_only(input._dtype, kernel)
    if target._device is not input._device:
        check_same_device(input, target)


def _weight_without_grad(weight, function):
    """Class weights are constants of nll_loss: PyTorch refuses one that requires grad."""
    if weight is not None and needs_grad(weight):
        raise RuntimeError(
            f"The function '{function}' is not differentiable with respect to argument 'weight'. "
            "This input cannot have requires_grad True."
        )


def _nll_forward(input, target, weight, mode, ignore_index, node_class):
    xp = array_module(input)
    x, t = input._data, _target_indices(input, target)
    class_dim = 1 if x.ndim > 1 else 0
    every_sample_counted = weight is None and _every_target_a_class(xp, t, x.shape[class_dim], ignore_index)
    if every_sample_counted:  # the common case, which needs no masks: each sample counts once
        losses, counted = -x[_class_index(xp, t, class_dim)], t.size
    else:
        losses, counted = _weighted_losses(xp, x, t, weight, ignore_index, class_dim)
    # the weight counted (PyTorch leaves it 0 when a batch is not reduced)
    total_weight = xp.asarray(0 if mode == NONE and x.ndim > 1 else counted, dtype=x.dtype)
    if mode == NONE:
        data = losses
    elif mode == SUM:
        data = losses.sum()
    else:
        # NOTE: nothing counted (all ignored, or zero weights) gives nan, as 0 / 0 does
        data = losses.sum() / total_weight
    out = wrap(data if data.dtype == x.dtype else data.astype(x.dtype), input._dtype, input._device)
    if needs_grad(input):
        node = attach(out, node_class(input)).grad_fn
        node.save(
            ignore_index=ignore_index, reduction=mode, self=input, target=target,
            total_weight=wrap(total_weight, input._dtype, input._device), weight=weight,
        )
        node._every_sample_counted = every_sample_counted  # still so at backward: target is saved
    return out


def _every_target_a_class(xp, t, n_classes, ignore_index):
    """Whether no target is ignored or out of bounds, the common case, which needs no masks. One
    comparison finds both: as unsigned numbers, negative targets are huge."""
    if 0 <= ignore_index < n_classes:
        return False
    return not xp.count_nonzero(t.view(xp.uint64) >= n_classes)


def _weighted_losses(xp, x, t, weight, ignore_index, class_dim):
    """(-weight[t] * x[t] per sample, 0 where ignored; their total weight), after PyTorch's check
    that every target not ignored is a class."""
    valid = t != ignore_index
    out_of_bounds = ((t < 0) | (t >= x.shape[class_dim])) & valid
    if out_of_bounds.any():
        raise IndexError(f"Target {int(t[out_of_bounds].reshape(-1)[0])} is out of bounds.")
    safe = xp.where(valid, t, 0)
    per_sample = weight._data[safe] * valid if weight is not None else valid.astype(x.dtype)
    losses = xp.where(valid, -x[_class_index(xp, safe, class_dim)] * per_sample, 0)
    return losses.astype(x.dtype, copy=False), per_sample.sum()


# --- cross_entropy ----------------------------------------------------------------------------------
def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
                  reduction="mean", label_smoothing=0.0):
    """log_softmax over the class dim, then nll_loss (targets are class indices); or, for targets
    shaped like the input, the cross entropy with those class probabilities."""
    check_tensor("cross_entropy", "input", 1, input)
    check_tensor("cross_entropy", "target", 2, target)
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce)
    mode = _reduction_enum(reduction)
    class_dim = 0 if input._data.ndim == 1 else 1
    if input._data.shape == target._data.shape:
        if not target._dtype.is_floating_point:
            raise RuntimeError(
                "Expected floating point type for target with class probabilities, got "
                f"{scalar_type_name(target._dtype)}"
            )
        if ignore_index >= 0:
            raise RuntimeError("ignore_index is not supported for floating point target")
        return _cross_entropy_probabilities(input, target, weight, mode, label_smoothing, class_dim)
    if label_smoothing > 0:
        _check_label_smoothing(label_smoothing)
        return _cross_entropy_smoothed(input, target, weight, mode, ignore_index, label_smoothing, class_dim)
    return _nll_loss_nd(reductions.log_softmax(input, class_dim), target, weight, mode, ignore_index)


def _check_label_smoothing(label_smoothing):
    if label_smoothing > 1:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")


def _class_shaped(weight, ndim, class_dim):
    """The class weights viewed to broadcast along the class dim of an ndim-D input."""
    sizes = [1] * ndim
    sizes[class_dim] = weight.shape[0]
    return shape.view(weight, tuple(sizes))


def _cross_entropy_probabilities(input, target, weight, mode, label_smoothing, class_dim):
    n_classes = input.shape[class_dim]
    if weight is not None and (weight.ndim != 1 or weight.numel() != n_classes):
        raise RuntimeError(
            f"cross_entropy: weight tensor should be defined either for all {n_classes} classes or no "
            f"classes but got weight tensor of shape: {list(weight.shape)}"
        )
    if label_smoothing > 0:
        _check_label_smoothing(label_smoothing)
    log_probabilities = reductions.log_softmax(input, class_dim)
    if label_smoothing > 0:
        target = target * (1 - label_smoothing) + label_smoothing / n_classes
    product = log_probabilities * target
    if weight is not None:
        product = product * (_class_shaped(weight, input.ndim, 1) if input.ndim > 1 else weight)
    if mode == MEAN:
        if input.numel() == 0:
            return -reductions.sum(product) * float("nan")
        return -reductions.sum(product) / (input.numel() // n_classes)
    if mode == SUM:
        return -reductions.sum(product)
    return -reductions.sum(product, class_dim)


def _cross_entropy_smoothed(input, target, weight, mode, ignore_index, label_smoothing, class_dim):
    """(1 - eps) * nll_loss + eps / C * (the loss against a uniform target), as PyTorch splits it."""
    log_probabilities = reductions.log_softmax(input, class_dim)
    nll = _nll_loss_nd(log_probabilities, target, weight, mode, ignore_index)
    n_classes = log_probabilities.shape[class_dim]
    if weight is not None:
        smooth = -reductions.sum(log_probabilities * _class_shaped(weight, input.ndim, class_dim), class_dim)
    else:
        smooth = -reductions.sum(log_probabilities, class_dim)
    ignored = target == ignore_index
    smooth = pointwise.masked_fill(smooth, ignored, 0.0)
    if mode == MEAN:
        if weight is not None:
            # the same normaliser as nll_loss's mean: the weights of the samples counted
            kept = target._data[~ignored._data].astype("int64")
            denominator = wrap(array_module(weight).asarray(weight._data[kept].sum()), weight._dtype,
                               weight._device)
        else:
            denominator = reductions.sum(~ignored)
        smooth = reductions.sum(smooth) / denominator
    elif mode == SUM:
        smooth = reductions.sum(smooth)
    return (1 - label_smoothing) * nll + smooth * (label_smoothing / n_classes)


# --- binary_cross_entropy ---------------------------------------------------------------------------
_BCE_EPSILON = 1e-12


class BinaryCrossEntropyBackward0(Node):
    def backward(self, grad):
        x, y, weight = self._saved_self, self._saved_target, self._saved_weight
        scale = grad if self._saved_reduction != MEAN else grad / x.numel()
        if weight is not None:
            scale = scale * weight
        grad_input = grad_target = None
        if self.should_compute_output(0):
            # NOTE: the denominator x (1 - x) is kept from 0 by 1e-12, as in PyTorch
            grad_input = scale * (x - y) / pointwise.clamp((1 - x) * x, min=_BCE_EPSILON)
        if self.should_compute_output(1):
            grad_target = scale * -pointwise.log(x / (1 - x))  # -logit(x)
        return grad_input, grad_target


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None, reduction="mean"):
    check_tensor("binary_cross_entropy", "input", 1, input)
    check_tensor("binary_cross_entropy", "target", 2, target)
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce)
    mode = _reduction_enum(reduction)
    if target.shape != input.shape:
        raise ValueError(
            f"Using a target size ({target.shape}) that is different to the input size ({input.shape}) is "
            "deprecated. Please ensure they have the same size."
        )
    if weight is not None:
        weight = shape.expand(weight, _broadcast_to_target(target.shape, weight.shape))
    for other in (target, weight):
        if other is not None and other._dtype is not input._dtype:
            raise RuntimeError(
                f"Found dtype {scalar_type_name(other._dtype)} but expected {scalar_type_name(input._dtype)}"
            )
    _float_only(input._dtype, "binary_cross_entropy")
    xp, x, y = array_module(input), input._data, target._data
    if not ((x >= 0) & (x <= 1)).all():  # nan fails this too
        raise RuntimeError("all elements of input should be between 0 and 1")
    # NOTE: each log is clamped at -100, so x = 0 or 1 gives a large finite loss, not inf
    losses = -(y * xp.maximum(xp.log(x), -100) + (1 - y) * xp.maximum(xp.log(1 - x), -100))
    if weight is not None:
        losses = losses * weight._data
    data = _reduce(losses.astype(x.dtype, copy=False), mode, xp, input._device)
    out = wrap(data.astype(x.dtype, copy=False), input._dtype, input._device)
    if needs_grad(input, target):
        attach(out, BinaryCrossEntropyBackward0(input, target)).grad_fn.save(
            reduction=mode, self=input, target=target, weight=weight
        )
    return out


def _broadcast_to_target(target_shape, weight_shape):
    """torch.broadcast_shapes(target.size(), weight.size()), with its error."""
    for i in range(1, min(len(target_shape), len(weight_shape)) + 1):
        size, fixed = weight_shape[-i], target_shape[-i]
        if size != 1 and fixed != 1 and size != fixed:
            raise RuntimeError(
                f"Attempting to broadcast a dimension of length {size} at {-i}! Mismatching argument at "
                f"index 1 had {weight_shape}; but expected shape should be broadcastable to {list(target_shape)}"
            )
    return linalg.broadcast_shapes(target_shape, weight_shape)
