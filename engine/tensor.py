"""Tensor: an array on a device plus its autograd state. Operators and methods delegate to ops/."""
import numbers
import warnings

from . import backend, dtypes
from .autograd import graph
from .autograd.grad_mode import _GradMode


class Size(tuple):
    """A tensor's shape; prints as `torch.Size([2, 3])`."""

    def __repr__(self):
        return f"torch.Size({list(self)})"

    def numel(self):
        count = 1
        for size in self:
            count *= size
        return count


_TYPE_NAMES = {
    "float32": "FloatTensor", "float64": "DoubleTensor", "float16": "HalfTensor",
    "int64": "LongTensor", "int32": "IntTensor", "int16": "ShortTensor", "int8": "CharTensor",
    "uint8": "ByteTensor", "bool": "BoolTensor",
}


class Tensor:
    __slots__ = (
        "_data", "_dtype", "_device", "_requires_grad", "grad_fn", "_output_nr", "_grad",
        "_version_box", "_accumulate_node", "_hooks", "_retains_grad", "__weakref__",
        # a View's own (see View; left unset on other tensors, so that they cost nothing)
        "_view_base", "_view_replay", "_view_version", "_view_creation",
    )

    def __init__(self, *args, **kwargs):
        raise TypeError("create tensors with torch.tensor(...), torch.zeros(...) and friends")

    # --- autograd state -------------------------------------------------------------------------
    @property
    def data(self):
        """The same values, cut off from the graph (changes to it are not tracked)."""
        return wrap(self._data, self._dtype, self._device)

    @data.setter
    def data(self, value):
        if not isinstance(value, Tensor):
            raise TypeError(f"Variable data has to be a tensor, but got {type(value).__name__}")
        if self.requires_grad and not value._dtype.is_floating_point:
            raise RuntimeError(
                "data set to a tensor that requires gradients must be floating point or complex dtype"
            )
        if (value._data.shape, value._dtype, value._device) != (self._data.shape, self._dtype, self._device):
            # PyTorch's leaf holds its AccumulateGrad weakly, so new graphs get one that expects
            # the new shape; graphs made before keep theirs
            self._accumulate_node = None
        self._data, self._dtype, self._device = value._data, value._dtype, value._device

    @property
    def requires_grad(self):
        return self._requires_grad or self.grad_fn is not None

    @requires_grad.setter
    def requires_grad(self, flag):
        if self.grad_fn is not None:
            if flag:
                raise RuntimeError("you can only change requires_grad flags of leaf variables.")
            raise RuntimeError(_NON_LEAF_REQUIRES_GRAD)
        if flag and not self._dtype.is_floating_point:
            raise RuntimeError("only Tensors of floating point and complex dtype can require gradients")
        self._requires_grad = bool(flag)

    def requires_grad_(self, requires_grad=True):
        # PyTorch's own words differ from the setter's; True on a non-leaf changes nothing
        if self.grad_fn is not None:
            if requires_grad:
                return self
            raise RuntimeError(_NON_LEAF_REQUIRES_GRAD)
        if requires_grad and not self._dtype.is_floating_point:
            raise RuntimeError("only Tensors of floating point dtype can require gradients")
        self._requires_grad = bool(requires_grad)
        return self

    @property
    def is_leaf(self):
        return self.grad_fn is None

    @property
    def grad(self):
        return self._grad

    @grad.setter
    def grad(self, value):
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(f"assigned grad expected to be a Tensor or None but got grad of type {type(value).__name__}")
            if value is self:
                raise RuntimeError("can't assign Variable as its own grad")
            if value._data.shape != self._data.shape:
                raise RuntimeError(
                    f"attempting to assign a gradient of size '{list(value.shape)}' to a tensor of "
                    f"size '{list(self.shape)}'. Please ensure that the gradient and the tensor are "
                    "the same size"
                )
            if value._dtype is not self._dtype:
                raise RuntimeError(_grad_dtype_message(value._dtype, self._dtype))
            if value._device is not self._device and value._device != self._device:
                raise RuntimeError("assigned grad has data located on a different device")
        self._grad = value

    @grad.deleter
    def grad(self):
        self._grad = None

    @property
    def retains_grad(self):
        return self._retains_grad

    def retain_grad(self):
        if self.grad_fn is None:
            if not self._requires_grad:
                raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
            return  # a leaf keeps its grad anyway
        if not self._retains_grad:
            graph.retain_grad(self)
            self._retains_grad = True

    def register_hook(self, hook):
        """`hook(grad)` runs when this tensor's gradient is computed; it may return a new one."""
        if not self.requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self.grad_fn is not None:
            return graph.register_tensor_hook(self, hook)
        if self._hooks is None:
            self._hooks = []
        self._hooks.append(hook)
        return graph.RemovableHandle(self._hooks, hook)

    def _accumulator(self):
        """This leaf's AccumulateGrad node (one per leaf, so graphs share it)."""
        node = self._accumulate_node
        if node is None:
            node = self._accumulate_node = graph.AccumulateGrad(self)
        return node

    @property
    def _version(self):
        return self._version_box[0]

    @property
    def output_nr(self):
        return self._output_nr

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        autograd.backward(self, gradient, retain_graph, create_graph, inputs=inputs)

    def detach(self):
        return wrap(self._data, self._dtype, self._device, version_box=self._version_box)

    @property
    def _base(self):
        """The tensor this one is a view of; None: it is not a view (see View)."""
        return None

    def _is_view(self):
        return False

    def detach_(self):
        if self.grad_fn is not None:
            self.grad_fn = None
        self._requires_grad = False
        return self

    # --- facts ----------------------------------------------------------------------------------
    @property
    def shape(self):
        return Size(self._data.shape)

    def size(self, dim=None):
        if dim is None:
            return Size(self._data.shape)
        return self._data.shape[_wrap_dim(dim, self._data.ndim)]

    @property
    def dtype(self):
        return self._dtype

    @property
    def device(self):
        return self._device

    @property
    def is_cuda(self):
        return self._device.type == "cuda"

    @property
    def is_cpu(self):
        return self._device.type == "cpu"

    def get_device(self):
        """The GPU's index for a CUDA tensor, -1 for a CPU one (PyTorch's convention)."""
        return -1 if self._device.type == "cpu" else self._device.index

    @property
    def ndim(self):
        return self._data.ndim

    def dim(self):
        return self._data.ndim

    ndimension = dim

    def numel(self):
        return self._data.size

    nelement = numel

    def element_size(self):
        return self._dtype.itemsize

    def is_floating_point(self):
        return self._dtype.is_floating_point

    def type(self, dtype=None):
        if dtype is not None:
            return self.to(dtype)
        prefix = "torch.cuda." if self._device.type == "cuda" else "torch."
        return prefix + _TYPE_NAMES[self._dtype.name]

    # --- conversion -----------------------------------------------------------------------------
    def item(self):
        if self._data.size != 1:
            raise RuntimeError(
                f"a Tensor with {self._data.size} elements cannot be converted to Scalar"
            )
        return self._data.reshape(()).item()

    def tolist(self):
        return backend.to_host(self._data).tolist()

    def numpy(self, force=False):
        if self._device.type != "cpu":
            raise TypeError(
                f"can't convert {self._device} device type tensor to numpy. Use Tensor.cpu() to "
                "copy the tensor to host memory first."
            )
        if self.requires_grad and not force:
            raise RuntimeError(
                "Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead."
            )
        return self._data

    # numpy interplay, as PyTorch's: numpy defers to a tensor's operators (its priority outranks
    # numpy's), and where they refuse an array (`x + array`), numpy computes on the tensor's values
    # and wraps its result back into a tensor, outside the graph
    __array_priority__ = 1000

    def __array__(self, dtype=None, copy=None):
        array = self.numpy()
        return array if dtype is None else array.astype(dtype, copy=False)

    def __array_wrap__(self, array, context=None, return_scalar=False):
        if array.dtype.kind == "b":
            array = array.astype("uint8")  # as PyTorch's does, from before it had a bool dtype
        return wrap(array, dtypes.from_numpy(array.dtype), backend.CPU)

    def __len__(self):
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return iter(self.unbind(0))  # PyTorch iterates by unbind: grad_fn=<UnbindBackward0>

    def __bool__(self):
        if self._data.size != 1:
            amount = "no values" if self._data.size == 0 else "more than one value"
            raise RuntimeError(f"Boolean value of Tensor with {amount} is ambiguous")
        return bool(self.item())

    def __float__(self):
        if self._data.size != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")
        return float(self.item())

    def __int__(self):
        if self._data.size != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")
        return int(self.item())

    def __index__(self):
        if self._dtype.is_floating_point or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self.item())

    def __hash__(self):
        return id(self)

    def __repr__(self):
        from .printing import tensor_repr

        return tensor_repr(self)

    __str__ = __repr__

    def __format__(self, spec):
        # a 0-d tensor formats as its number; any other only as its text, with no format spec
        if self._data.ndim == 0:
            return format(self._data.item(), spec)
        if spec:
            raise TypeError("unsupported format string passed to Tensor.__format__")
        return repr(self)

    def __complex__(self):
        if self._data.size != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")
        return complex(self.item())

    def __contains__(self, element):
        if not isinstance(element, (Tensor, numbers.Number)):
            raise RuntimeError(
                f"Tensor.__contains__ only supports Tensor or scalar, but you passed in a {type(element)}."
            )
        return bool((element == self).any().item())  # element broadcast against the whole tensor

    def __delitem__(self, index):
        raise TypeError("Tensor does not support deleting items")

    def __deepcopy__(self, memo):
        if self.grad_fn is not None:
            raise RuntimeError(
                "Only Tensors created explicitly by the user (graph leaves) support the deepcopy "
                "protocol at the moment.  If you were attempting to deepcopy a module, this may be "
                "because of a torch.nn.utils.weight_norm usage, see "
                "https://github.com/pytorch/pytorch/pull/103001"
            )
        # PyTorch fills a new tensor's storage with set_, which counts as one change: version 1
        copy = wrap(self._data.copy(), self._dtype, self._device, version_box=[1])
        copy._requires_grad = self.requires_grad
        if self._grad is not None:
            copy._grad = self._grad.__deepcopy__(memo)
        memo[id(self)] = copy
        return copy

    def __reduce_ex__(self, protocol):
        # pickle and copy.copy take a tensor apart into its values and requires_grad, and put it
        # together again as PyTorch does: a leaf without grad, hooks or base (copy.copy's shares
        # the array, as PyTorch's shares the storage; pickle's has its own)
        return _rebuilt, (self._data, self._dtype, self._device, self.requires_grad)

    # --- dtype and device moves (differentiable) ------------------------------------------------
    def to(self, *args, **kwargs):
        return shape.to(self, *args, **kwargs)

    def float(self):
        return shape.to(self, dtypes.float32)

    def double(self):
        return shape.to(self, dtypes.float64)

    def half(self):
        return shape.to(self, dtypes.float16)

    def long(self):
        return shape.to(self, dtypes.int64)

    def int(self):
        return shape.to(self, dtypes.int32)

    def bool(self):
        return shape.to(self, dtypes.bool)

    def cpu(self):
        """This tensor on the CPU: itself when it is there, else a copy (differentiable)."""
        return shape.to(self, backend.CPU)

    def cuda(self, device=None, non_blocking=False):
        """This tensor on the GPU: itself when it is there, else a copy (differentiable)."""
        return shape.to(self, backend.CUDA if device is None else backend.device(device))

    def clone(self):
        return shape.clone(self)

    def contiguous(self):
        return shape.contiguous(self)

    def is_contiguous(self, memory_format=None):
        # NOTE: numpy's flag, as PyTorch's check, ignores the strides of dimensions of size 1
        return bool(self._data.flags.c_contiguous)

    def type_as(self, other):
        if not isinstance(other, Tensor):
            raise TypeError(
                f"type_as(): argument 'other' (position 1) must be Tensor, not {type(other).__name__}"
            )
        return shape.to(self, device=other._device, dtype=other._dtype)

    # --- new tensors with this one's dtype and device, unless told otherwise ------------------------
    def new_tensor(self, data, *, dtype=None, device=None, requires_grad=False):
        if isinstance(data, Tensor):
            warnings.warn(
                "To copy construct from a tensor, it is recommended to use sourceTensor.detach().clone() "
                "or sourceTensor.detach().clone().requires_grad_(True), rather than "
                "tensor.new_tensor(sourceTensor).",
                UserWarning,
                stacklevel=2,
            )
            data = backend.to_host(data._data)
        return factories.tensor(data, dtype=dtype or self._dtype, device=self._new_device(device),
                                requires_grad=requires_grad)

    def new_zeros(self, *size, dtype=None, device=None, requires_grad=False):
        _check_new_size("new_zeros", size)
        return factories.zeros(*size, dtype=dtype or self._dtype, device=self._new_device(device),
                               requires_grad=requires_grad)

    def new_ones(self, *size, dtype=None, device=None, requires_grad=False):
        _check_new_size("new_ones", size)
        return factories.ones(*size, dtype=dtype or self._dtype, device=self._new_device(device),
                              requires_grad=requires_grad)

    def new_empty(self, *size, dtype=None, device=None, requires_grad=False):
        _check_new_size("new_empty", size)
        return factories.empty(*size, dtype=dtype or self._dtype, device=self._new_device(device),
                               requires_grad=requires_grad)

    def new_full(self, size, fill_value, *, dtype=None, device=None, requires_grad=False):
        if not isinstance(size, (tuple, list, Size)):
            raise TypeError(
                f"new_full(): argument 'size' (position 1) must be tuple of ints, not {type(size).__name__}"
            )
        return factories.full(size, fill_value, dtype=dtype or self._dtype,
                              device=self._new_device(device), requires_grad=requires_grad)

    def _new_device(self, device):
        return self._device if device is None else device

    # --- arithmetic -------------------------------------------------------------------------------
    # NOTE: as in PyTorch, a binary operator whose op refuses the operand's type (a TypeError)
    # returns NotImplemented, so that Python tries the other side and then says, in its own words,
    # "unsupported operand type(s) for @: 'Tensor' and 'int'" (a try costs nothing until it raises)
    def __add__(self, other):
        try:
            return arithmetic.add(self, other)
        except TypeError:
            return NotImplemented

    def __radd__(self, other):
        try:
            return arithmetic.add(self, other)
        except TypeError:
            return NotImplemented

    def __sub__(self, other):
        try:
            return arithmetic.sub(self, other)
        except TypeError:
            return NotImplemented

    def __rsub__(self, other):
        try:
            return arithmetic.rsub(self, other)
        except TypeError:
            return NotImplemented

    def __mul__(self, other):
        try:
            return arithmetic.mul(self, other)
        except TypeError:
            return NotImplemented

    def __rmul__(self, other):
        try:
            return arithmetic.mul(self, other)
        except TypeError:
            return NotImplemented

    def __truediv__(self, other):
        try:
            return arithmetic.div(self, other)
        except TypeError:
            return NotImplemented

    def __rtruediv__(self, other):
        try:
            return arithmetic.rdiv(self, other)
        except TypeError:
            return NotImplemented

    def __floordiv__(self, other):
        try:
            return arithmetic.floor_divide(self, other)
        except TypeError:
            return NotImplemented

    def __rfloordiv__(self, other):
        try:
            return arithmetic.floor_divide(other, self)
        except TypeError:
            return NotImplemented

    def __mod__(self, other):
        try:
            return arithmetic.remainder(self, other)
        except TypeError:
            return NotImplemented

    def __rmod__(self, other):
        try:
            return arithmetic.remainder(other, self)
        except TypeError:
            return NotImplemented

    def __pow__(self, exponent):
        try:
            return arithmetic.pow(self, exponent)
        except TypeError:
            return NotImplemented

    def __rpow__(self, base):
        try:
            return arithmetic.rpow(self, base)
        except TypeError:
            return NotImplemented

    def __matmul__(self, other):
        try:
            return linalg.matmul(self, other)
        except TypeError:
            return NotImplemented

    def __rmatmul__(self, other):
        try:
            return linalg.matmul(other, self)
        except TypeError:
            return NotImplemented

    def __neg__(self):
        return arithmetic.neg(self)

    def __pos__(self):
        if self._dtype is dtypes.bool:
            raise RuntimeError("The `+` operator, on a bool tensor is not supported.")
        return self

    def __abs__(self):
        return pointwise.abs(self)

    def add(self, other, *, alpha=1):
        return arithmetic.add(self, other, alpha=alpha)

    def sub(self, other, *, alpha=1):
        return arithmetic.sub(self, other, alpha=alpha)

    def mul(self, other):
        return arithmetic.mul(self, other)

    def div(self, other, *, rounding_mode=None):
        return arithmetic.div(self, other, rounding_mode=rounding_mode)

    def pow(self, exponent):
        return arithmetic.pow(self, exponent)

    def neg(self):
        return arithmetic.neg(self)

    def reciprocal(self):
        return arithmetic.reciprocal(self)

    def floor_divide(self, other):
        return arithmetic.floor_divide(self, other)

    def remainder(self, other):
        return arithmetic.remainder(self, other)

    def fmod(self, other):
        return arithmetic.fmod(self, other)

    # --- comparisons (no gradient), operands turned away as arithmetic's are --------------------------
    def __eq__(self, other):
        try:
            if backend.is_host_array(other):
                # NOTE: of the operators, PyTorch's == alone reads a numpy array as a tensor
                other = wrap(other, dtypes.from_numpy(other.dtype), backend.CPU)
            return comparison.eq(self, other)
        except TypeError:
            return NotImplemented

    def __ne__(self, other):
        try:
            return comparison.ne(self, other)
        except TypeError:
            return NotImplemented

    def __lt__(self, other):
        try:
            return comparison.lt(self, other)
        except TypeError:
            return NotImplemented

    def __le__(self, other):
        try:
            return comparison.le(self, other)
        except TypeError:
            return NotImplemented

    def __gt__(self, other):
        try:
            return comparison.gt(self, other)
        except TypeError:
            return NotImplemented

    def __ge__(self, other):
        try:
            return comparison.ge(self, other)
        except TypeError:
            return NotImplemented

    # --- bitwise (logical on bool tensors), operands turned away as arithmetic's are -------------------
    def __and__(self, other):
        try:
            return bitwise.bitwise_and(self, other)
        except TypeError:
            return NotImplemented

    def __rand__(self, other):
        try:
            return bitwise.bitwise_and(self, other)
        except TypeError:
            return NotImplemented

    def __or__(self, other):
        try:
            return bitwise.bitwise_or(self, other)
        except TypeError:
            return NotImplemented

    def __ror__(self, other):
        try:
            return bitwise.bitwise_or(self, other)
        except TypeError:
            return NotImplemented

    def __xor__(self, other):
        try:
            return bitwise.bitwise_xor(self, other)
        except TypeError:
            return NotImplemented

    def __rxor__(self, other):
        try:
            return bitwise.bitwise_xor(self, other)
        except TypeError:
            return NotImplemented

    def __lshift__(self, other):
        try:
            return bitwise.bitwise_left_shift(self, other)
        except TypeError:
            return NotImplemented

    def __rlshift__(self, other):
        try:
            return bitwise.bitwise_left_shift(other, self)
        except TypeError:
            return NotImplemented

    def __rshift__(self, other):
        try:
            return bitwise.bitwise_right_shift(self, other)
        except TypeError:
            return NotImplemented

    def __rrshift__(self, other):
        try:
            return bitwise.bitwise_right_shift(other, self)
        except TypeError:
            return NotImplemented

    def __invert__(self):
        if self._dtype.is_floating_point:
            raise TypeError("~ (operator.invert) is only implemented on integer and Boolean-type tensors")
        return bitwise.bitwise_not(self)

    def bitwise_and(self, other):
        return bitwise.bitwise_and(self, other)

    def bitwise_or(self, other):
        return bitwise.bitwise_or(self, other)

    def bitwise_xor(self, other):
        return bitwise.bitwise_xor(self, other)

    def bitwise_not(self):
        return bitwise.bitwise_not(self)

    def bitwise_left_shift(self, other):
        return bitwise.bitwise_left_shift(self, other)

    def bitwise_right_shift(self, other):
        return bitwise.bitwise_right_shift(self, other)

    def eq(self, other):
        return comparison.eq(self, other)

    def ne(self, other):
        return comparison.ne(self, other)

    def lt(self, other):
        return comparison.lt(self, other)

    def le(self, other):
        return comparison.le(self, other)

    def gt(self, other):
        return comparison.gt(self, other)

    def ge(self, other):
        return comparison.ge(self, other)

    def logical_and(self, other):
        return comparison.logical_and(self, other)

    def logical_or(self, other):
        return comparison.logical_or(self, other)

    def logical_xor(self, other):
        return comparison.logical_xor(self, other)

    def logical_not(self):
        return comparison.logical_not(self)

    def equal(self, other):
        return comparison.equal(self, other)

    def allclose(self, other, rtol=1e-05, atol=1e-08, equal_nan=False):
        return comparison.allclose(self, other, rtol, atol, equal_nan)

    def isnan(self):
        return comparison.isnan(self)

    def isinf(self):
        return comparison.isinf(self)

    def isfinite(self):
        return comparison.isfinite(self)

    def any(self, dim=None, keepdim=False):
        return comparison.any(self, dim, keepdim)

    def all(self, dim=None, keepdim=False):
        return comparison.all(self, dim, keepdim)

    def argmax(self, dim=None, keepdim=False):
        return comparison.argmax(self, dim, keepdim)

    def argmin(self, dim=None, keepdim=False):
        return comparison.argmin(self, dim, keepdim)

    # --- pointwise math -------------------------------------------------------------------------
    def exp(self):
        return pointwise.exp(self)

    def log(self):
        return pointwise.log(self)

    def log1p(self):
        return pointwise.log1p(self)

    def log2(self):
        return pointwise.log2(self)

    def log10(self):
        return pointwise.log10(self)

    def sqrt(self):
        return pointwise.sqrt(self)

    def square(self):
        return pointwise.square(self)

    def rsqrt(self):
        return pointwise.rsqrt(self)

    def sin(self):
        return pointwise.sin(self)

    def cos(self):
        return pointwise.cos(self)

    def tan(self):
        return pointwise.tan(self)

    def sinh(self):
        return pointwise.sinh(self)

    def cosh(self):
        return pointwise.cosh(self)

    def tanh(self):
        return pointwise.tanh(self)

    def sigmoid(self):
        return pointwise.sigmoid(self)

    def relu(self):
        return pointwise.relu(self)

    def abs(self):
        return pointwise.abs(self)

    absolute = abs

    def floor(self):
        return pointwise.floor(self)

    def ceil(self):
        return pointwise.ceil(self)

    def round(self, *, decimals=None):
        return pointwise.round(self, decimals=decimals)

    def trunc(self):
        return pointwise.trunc(self)

    def sign(self):
        return pointwise.sign(self)

    def clamp(self, min=None, max=None):  # noqa: A002 - PyTorch's parameter names
        return pointwise.clamp(self, min, max)

    clip = clamp

    def clamp_min(self, min):  # noqa: A002 - PyTorch's parameter name
        return pointwise.clamp_min(self, min)

    def clamp_max(self, max):  # noqa: A002 - PyTorch's parameter name
        return pointwise.clamp_max(self, max)

    def maximum(self, other):
        return pointwise.maximum(self, other)

    def minimum(self, other):
        return pointwise.minimum(self, other)

    def masked_fill(self, mask, value):
        return pointwise.masked_fill(self, mask, value)

    def where(self, condition, other):
        return pointwise.where(condition, self, other)

    # --- reductions -----------------------------------------------------------------------------
    def sum(self, dim=None, keepdim=False, *, dtype=None):
        return reduction.sum(self, dim, keepdim, dtype=dtype)

    def mean(self, dim=None, keepdim=False, *, dtype=None):
        return reduction.mean(self, dim, keepdim, dtype=dtype)

    def prod(self, dim=None, keepdim=False, *, dtype=None):
        return reduction.prod(self, dim, keepdim, dtype=dtype)

    def max(self, dim=None, keepdim=False):
        return reduction.max(self, dim, keepdim)

    def min(self, dim=None, keepdim=False):
        return reduction.min(self, dim, keepdim)

    def amax(self, dim=(), keepdim=False):
        return reduction.amax(self, dim, keepdim)

    def amin(self, dim=(), keepdim=False):
        return reduction.amin(self, dim, keepdim)

    def norm(self, p="fro", dim=None, keepdim=False, dtype=None):
        return reduction.norm(self, p, dim, keepdim, dtype=dtype)

    def var(self, dim=None, unbiased=None, keepdim=False, *, correction=None):
        return reduction.var(self, dim, unbiased, keepdim, correction=correction)

    def std(self, dim=None, unbiased=None, keepdim=False, *, correction=None):
        return reduction.std(self, dim, unbiased, keepdim, correction=correction)

    def logsumexp(self, dim, keepdim=False):
        return reduction.logsumexp(self, dim, keepdim)

    def softmax(self, dim, dtype=None):
        return reduction.softmax(self, dim, dtype=dtype)

    def log_softmax(self, dim, dtype=None):
        return reduction.log_softmax(self, dim, dtype=dtype)

    def sort(self, dim=-1, descending=False, *, stable=None):
        return reduction.sort(self, dim, descending, stable=stable)

    def argsort(self, dim=-1, descending=False, *, stable=False):
        return reduction.argsort(self, dim, descending, stable=stable)

    def topk(self, k, dim=-1, largest=True, sorted=True):  # noqa: A002 - PyTorch's name
        return reduction.topk(self, k, dim, largest, sorted)

    def cumsum(self, dim, *, dtype=None):
        return reduction.cumsum(self, dim, dtype=dtype)

    def cumprod(self, dim, *, dtype=None):
        return reduction.cumprod(self, dim, dtype=dtype)

    # --- shape ----------------------------------------------------------------------------------
    def reshape(self, *shape_):
        return shape.reshape(self, _shape_args(shape_))

    def view(self, *shape_):
        return shape.view(self, _shape_args(shape_))

    def view_as(self, other):
        return shape.view(self, other.shape)

    def reshape_as(self, other):
        return shape.reshape(self, other.shape)

    def flatten(self, start_dim=0, end_dim=-1):
        return shape.flatten(self, start_dim, end_dim)

    def transpose(self, dim0, dim1):
        return shape.transpose(self, dim0, dim1)

    def t(self):
        return shape.t(self)

    @property
    def T(self):  # noqa: N802 - PyTorch's name
        ndim = self._data.ndim
        if ndim != 2:
            _warn_once(_T_NOT_2D if ndim else _T_0D)
        return shape.permute(self, tuple(reversed(range(ndim))))

    # the matrix transposes (H and mH are the adjoints, the same on real tensors): the identity on
    # a 0-d tensor, with PyTorch's warnings; an error on a 1-d one
    @property
    def mT(self):  # noqa: N802 - PyTorch's name
        if self._data.ndim < 2:
            return self._matrix_transpose_of_few_dims("mT")
        return shape.transpose(self, -2, -1)

    @property
    def mH(self):  # noqa: N802 - PyTorch's name
        if self._data.ndim < 2:
            return self._matrix_transpose_of_few_dims("mH")
        return shape.transpose(self, -2, -1)

    @property
    def H(self):  # noqa: N802 - PyTorch's name
        ndim = self._data.ndim
        if ndim == 2:
            return shape.transpose(self, -2, -1)
        if ndim == 0:
            return self._matrix_transpose_of_few_dims("H")
        batches_hint = " For batches of matrices, consider using tensor.mH" if ndim > 2 else ""
        raise RuntimeError(
            f"tensor.H is only supported on matrices (2-D tensors). Got {ndim}-D tensor.{batches_hint}"
        )

    def _matrix_transpose_of_few_dims(self, name):
        if self._data.ndim == 1:
            raise RuntimeError(
                f"tensor.{name} is only supported on matrices or batches of matrices. Got 1-D tensor."
            )
        advice = "This function is the identity in these cases." if name == "mT" else "Consider using x.conj()."
        _warn_once(f"Tensor.{name} is deprecated on 0-D tensors. {advice}", stacklevel=4)
        return self

    def permute(self, *dims):
        return shape.permute(self, _shape_args(dims))

    def squeeze(self, dim=None):
        return shape.squeeze(self, dim)

    def unsqueeze(self, dim):
        return shape.unsqueeze(self, dim)

    def expand(self, *sizes):
        return shape.expand(self, _shape_args(sizes))

    def expand_as(self, other):
        return shape.expand(self, other.shape)

    def split(self, split_size, dim=0):
        return shape.split(self, split_size, dim)

    def chunk(self, chunks, dim=0):
        return shape.chunk(self, chunks, dim)

    def unbind(self, dim=0):
        return shape.unbind(self, dim)

    def repeat(self, *sizes):
        return shape.repeat(self, _shape_args(sizes))

    def flip(self, *dims):
        if not dims:
            raise TypeError('flip() missing 1 required positional arguments: "dims"')
        if len(dims) == 1 and not hasattr(dims[0], "__index__"):
            dims = dims[0]  # `x.flip((0, 1))` as `x.flip(0, 1)`; anything else for the check to word
        return shape.flip(self, shape.int_dims("flip", 1, dims))

    def narrow(self, dim, start, length):
        return shape.narrow(self, dim, start, length)

    def select(self, dim, index):
        return shape.select(self, dim, index)

    def tril(self, diagonal=0):
        return shape.tril(self, diagonal)

    def triu(self, diagonal=0):
        return shape.triu(self, diagonal)

    def diag(self, diagonal=0):
        return shape.diag(self, diagonal)

    def outer(self, vec2):
        return shape.outer(self, vec2)

    def __reversed__(self):
        """Reversed along dim 0 (a 0-d tensor is itself), as in PyTorch."""
        return self if self._data.ndim == 0 else shape.flip(self, (0,))

    # --- linear algebra ---------------------------------------------------------------------------
    # (the operand is checked here too, so that PyTorch's message counts its position as a
    # method's: `x.matmul(3)` says position 1, `torch.matmul(x, 3)` position 2)
    def matmul(self, other):
        linalg.check_tensor("matmul", "other", 1, other)
        return linalg.matmul(self, other)

    def mm(self, mat2):
        linalg.check_tensor("mm", "mat2", 1, mat2)
        return linalg.mm(self, mat2)

    def bmm(self, mat2):
        linalg.check_tensor("bmm", "mat2", 1, mat2)
        return linalg.bmm(self, mat2)

    def mv(self, vec):
        linalg.check_tensor("mv", "vec", 1, vec)
        return linalg.mv(self, vec)

    def dot(self, other):
        linalg.check_tensor("dot", "tensor", 1, other)
        return linalg.dot(self, other)

    # --- indexing -------------------------------------------------------------------------------
    def __getitem__(self, index):
        return indexing.getitem(self, index)

    def gather(self, dim, index, *, sparse_grad=False):
        return indexing.gather(self, dim, index, sparse_grad=sparse_grad)

    def index_select(self, dim, index):
        return indexing.index_select(self, dim, index)

    def masked_select(self, mask):
        return indexing.masked_select(self, mask)

    def __setitem__(self, index, value):
        indexing.setitem(self, index, value)

    # --- in place -------------------------------------------------------------------------------
    def add_(self, other, *, alpha=1):
        return inplace.add_(self, other, alpha=alpha)

    def sub_(self, other, *, alpha=1):
        return inplace.sub_(self, other, alpha=alpha)

    def mul_(self, other):
        return inplace.mul_(self, other)

    def div_(self, other):
        return inplace.div_(self, other)

    def pow_(self, exponent):
        return inplace.pow_(self, exponent)

    def clamp_(self, min=None, max=None):  # noqa: A002 - PyTorch's parameter names
        return inplace.clamp_(self, min, max)

    def exp_(self):
        return inplace.exp_(self)

    def log_(self):
        return inplace.log_(self)

    def sqrt_(self):
        return inplace.sqrt_(self)

    def square_(self):
        return inplace.square_(self)

    def sigmoid_(self):
        return inplace.sigmoid_(self)

    def tanh_(self):
        return inplace.tanh_(self)

    def relu_(self):
        return inplace.relu_(self)

    def abs_(self):
        return inplace.abs_(self)

    absolute_ = abs_

    def neg_(self):
        return inplace.neg_(self)

    def floor_(self):
        return inplace.floor_(self)

    def ceil_(self):
        return inplace.ceil_(self)

    def round_(self, *, decimals=None):
        return inplace.round_(self, decimals=decimals)

    def trunc_(self):
        return inplace.trunc_(self)

    def zero_(self):
        return inplace.zero_(self)

    def fill_(self, value):
        return inplace.fill_(self, value)

    def copy_(self, source):
        return inplace.copy_(self, source)

    def masked_fill_(self, mask, value):
        return inplace.masked_fill_(self, mask, value)

    def normal_(self, mean=0.0, std=1.0, *, generator=None):
        return inplace.normal_(self, mean, std, generator=generator)

    def uniform_(self, a=0.0, b=1.0, *, generator=None):
        return inplace.uniform_(self, a, b, generator=generator)

    def __iadd__(self, other):
        try:
            return inplace.add_(self, other)
        except TypeError:
            return NotImplemented

    def __isub__(self, other):
        try:
            return inplace.sub_(self, other)
        except TypeError:
            return NotImplemented

    def __imul__(self, other):
        try:
            return inplace.mul_(self, other)
        except TypeError:
            return NotImplemented

    def __itruediv__(self, other):
        try:
            return inplace.div_(self, other)
        except TypeError:
            return NotImplemented

    def __ipow__(self, exponent):
        try:
            return inplace.pow_(self, exponent)
        except TypeError:
            return NotImplemented

    def floor_divide_(self, other):
        return inplace.floor_divide_(self, other)

    def remainder_(self, other):
        return inplace.remainder_(self, other)

    def fmod_(self, other):
        return inplace.fmod_(self, other)

    def __ifloordiv__(self, other):
        try:
            return inplace.floor_divide_(self, other)
        except TypeError:
            return NotImplemented

    def __imod__(self, other):
        try:
            return inplace.remainder_(self, other)
        except TypeError:
            return NotImplemented

    def bitwise_and_(self, other):
        return inplace.bitwise_and_(self, other)

    def bitwise_or_(self, other):
        return inplace.bitwise_or_(self, other)

    def bitwise_xor_(self, other):
        return inplace.bitwise_xor_(self, other)

    def bitwise_not_(self):
        return inplace.bitwise_not_(self)

    def bitwise_left_shift_(self, other):
        return inplace.bitwise_left_shift_(self, other)

    def bitwise_right_shift_(self, other):
        return inplace.bitwise_right_shift_(self, other)

    def __iand__(self, other):
        try:
            return inplace.bitwise_and_(self, other)
        except TypeError:
            return NotImplemented

    def __ior__(self, other):
        try:
            return inplace.bitwise_or_(self, other)
        except TypeError:
            return NotImplemented

    def __ixor__(self, other):
        try:
            return inplace.bitwise_xor_(self, other)
        except TypeError:
            return NotImplemented

    def __ilshift__(self, other):
        try:
            return inplace.bitwise_left_shift_(self, other)
        except TypeError:
            return NotImplemented

    def __irshift__(self, other):
        try:
            return inplace.bitwise_right_shift_(self, other)
        except TypeError:
            return NotImplemented


_GRAD_FN = Tensor.grad_fn  # the slot itself, which View's grad_fn property reads and writes

# How a view came to be, as PyTorch's CreationMeta: an in-place op on a view made in no_grad mode,
# or on one of several views one op returned (split, unbind), is refused.
DEFAULT, NO_GRAD, MULTI_OUTPUT = "default", "no_grad", "multi_output"


class View(Tensor):
    """A tensor sharing its base's memory (`y[0]`, `y.t()`, `y.view(4)`), as PyTorch's views do.

    It remembers its base (`_base`: the first tensor that is not a view; a view of a view has its
    base's), the steps that read it out of the base's array (`_view_replay`, replayed to find
    where it lies in the base), and the version it had when its grad_fn was last set. An in-place
    op on it rewrites the base's history (CopySlices, ops/inplace.py); once the base or any of its
    views changed in place, its grad_fn is made afresh from the base's when next looked at
    (AsStridedBackward0), as PyTorch does.
    """

    __slots__ = ()

    @property
    def grad_fn(self):
        node = _GRAD_FN.__get__(self)
        if self._view_version == self._version_box[0]:
            return node
        return inplace.view_grad_fn(self, node)

    @grad_fn.setter
    def grad_fn(self, node):
        _GRAD_FN.__set__(self, node)

    @property
    def requires_grad(self):
        # PyTorch's rule for views: a view of a base that requires grad does (even one made in
        # no_grad mode, which has no grad_fn)
        return self._requires_grad or _GRAD_FN.__get__(self) is not None or self._view_base.requires_grad

    requires_grad = requires_grad.setter(Tensor.requires_grad.fset)

    @property
    def _base(self):
        return self._view_base

    def _is_view(self):
        return True

    def detach_(self):
        raise RuntimeError(
            "Can't detach views in-place. Use detach() instead. If you are using "
            "DistributedDataParallel (DDP) for training, and gradient_as_bucket_view is set as True, "
            "gradients are views of DDP buckets, and hence detach_() cannot be called on these "
            "gradients. To fix this error, please refer to the Optimizer.zero_grad() function in "
            "torch/optim/optimizer.py as the solution."
        )


# PyTorch's TORCH_WARN_ONCE: each of these warns once per process, whatever the warning filters say
_warned_once = set()


def _warn_once(message, stacklevel=3):
    if message not in _warned_once:
        _warned_once.add(message)
        warnings.warn(message, UserWarning, stacklevel=stacklevel)


_T_0D = "Tensor.T is deprecated on 0-D tensors. This function is the identity in these cases."
_T_NOT_2D = (
    "The use of `x.T` on tensors of dimension other than 2 to reverse their shape is deprecated and "
    "it will throw an error in a future release. Consider `x.mT` to transpose batches of matrices or "
    "`x.permute(*torch.arange(x.ndim - 1, -1, -1))` to reverse the dimensions of a tensor."
)

# PyTorch has one class for tensors and views: a view's type reads as Tensor too (type(x[0]),
# Python's "unsupported operand type(s) for @: 'Tensor' and 'int'"), though `type(x[0]) is Tensor`
# stays False (`isinstance` is True)
View.__name__ = View.__qualname__ = "Tensor"

_NON_LEAF_REQUIRES_GRAD = (
    "you can only change requires_grad flags of leaf variables. If you want to use a computed "
    "variable in a subgraph that doesn't require differentiation use var_no_grad = var.detach()."
)

_CPP_TYPE_NAMES = {"float32": "float", "float64": "double", "float16": "c10::Half", "int64": "long int",
                   "int32": "int", "int16": "short int", "int8": "signed char", "uint8": "unsigned char",
                   "bool": "bool"}


def _grad_dtype_message(got, expected):
    return (
        f"attempting to assign a gradient with dtype '{_CPP_TYPE_NAMES[got.name]}' to a tensor with "
        f"grad_dtype '{_TYPE_NAMES[expected.name][:-6]}'. The gradient must match the tensor's "
        "grad_dtype (defaults to the tensor's dtype). You can set the tensor's grad_dtype attribute "
        "with a specific dtype, or None to allow any dtype. Set grad_dtype with caution. Diverging "
        "the dtypes of a tensor and its gradient may break downstream systems that assume they match."
    )


def _check_new_size(name, size):
    """new_zeros(2.5): PyTorch words it as an argument of the wrong type."""
    if len(size) == 1 and not isinstance(size[0], (tuple, list)) and not hasattr(size[0], "__index__"):
        raise TypeError(
            f"{name}(): argument 'size' (position 1) must be tuple of ints, not {type(size[0]).__name__}"
        )


def _shape_args(args):
    """`view(2, 3)` and `view((2, 3))` mean the same."""
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        return tuple(args[0])
    return tuple(args)


def _wrap_dim(dim, ndim):
    """A dimension index, negative ones counted from the end, checked as PyTorch checks it."""
    bound = max(ndim, 1)
    if not -bound <= dim < bound:
        raise IndexError(
            f"Dimension out of range (expected to be in range of [{-bound}, {bound - 1}], but got {dim})"
        )
    return dim % bound


_new = object.__new__


def wrap(data, dtype, device, grad_fn=None, output_nr=0, version_box=None):
    """A tensor around an array; the one constructor every op uses (kept lean: it is hot)."""
    if data.__class__ in backend.SCALAR_TYPES:
        data = backend.as_host_array(data)  # numpy gives 0-d results as scalars: keep an array
    tensor = _new(Tensor)
    tensor._data = data
    tensor._dtype = dtype
    tensor._device = device
    tensor._requires_grad = False
    tensor.grad_fn = grad_fn
    tensor._output_nr = output_nr
    tensor._grad = None
    tensor._version_box = [0] if version_box is None else version_box
    tensor._accumulate_node = None
    tensor._hooks = None
    tensor._retains_grad = False
    return tensor


def _rebuilt(data, dtype, device, requires_grad):
    """A tensor unpickled or copied by copy.copy, as PyTorch rebuilds one: around `data`, put
    there by set_, which counts as one change (version 1)."""
    tensor = wrap(data, dtype, device, version_box=[1])
    tensor._requires_grad = requires_grad
    return tensor


def view_of(input, data, step, multi_output=False):
    """A View of `input` around `data` (a view of input's array), which `step(array)` reads out of
    an array shaped like input's; it shares input's version counter."""
    view = wrap(data, input._dtype, input._device, version_box=input._version_box)
    view.__class__ = View
    if input.__class__ is View:  # a view of a view: the same base, one step more
        view._view_base = input._view_base
        view._view_replay = input._view_replay + (step,)
        inherited = input._view_creation
    else:
        view._view_base = input
        view._view_replay = (step,)
        inherited = DEFAULT
    view._view_version = input._version_box[0]
    if not _GradMode.enabled:
        view._view_creation = NO_GRAD
    else:
        view._view_creation = MULTI_OUTPUT if multi_output else inherited
    return view


def wrapped_number(value):
    """A Python number as PyTorch wraps it to take part in an op: a 0-d CPU tensor of the number's
    own C++ type (long, double, bool), as `(x * 2).grad_fn._saved_other` shows `tensor(2)`; a
    numpy scalar as the number PyTorch reads it as."""
    value = dtypes.as_python_number(value)
    dtype = {int: dtypes.int64, float: dtypes.float64, bool: dtypes.bool}.get(value.__class__)
    if dtype is None:
        dtype = dtypes.scalar_dtype(value)
    return wrap(backend.as_host_array(value).astype(dtype.numpy), dtype, backend.CPU)


def attach(out, node):
    """Make `node` the grad_fn of an op's output (called only when the op records a graph)."""
    out.grad_fn = node
    node._out_shape = out._data.shape
    node._out_dtype = out._dtype
    node._out_device = out._device
    return out


def needs_grad(*inputs):
    """Whether an op on these inputs records a node: grad mode on and some input requires grad."""
    if not _GradMode.enabled:
        return False
    for t in inputs:
        if isinstance(t, Tensor) and (
            t._requires_grad or t.grad_fn is not None
            # a view made in no_grad mode has no grad_fn, but requires grad where its base does
            or (t.__class__ is View and t._view_base.requires_grad)
        ):
            return True
    return False


from . import autograd  # noqa: E402 - loaded before this module, which it never imports
from . import factories  # noqa: E402 - it needs Tensor defined first
from .ops import (  # noqa: E402 - the ops need Tensor defined first
    arithmetic, bitwise, comparison, indexing, inplace, linalg, pointwise, reduction, shape,
)
