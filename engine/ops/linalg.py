"""Matrix products: mm, bmm, mv, dot, and matmul, which picks among them by the operands'
dimensions exactly as PyTorch's at::matmul does, so its graph shows the same nodes
(MmBackward0 for 2-D @ 2-D, BmmBackward0 behind expand and view for batches, ...).

Each product's backward is two more products of the same kind, written in Tensor ops so that
double backward works. Operands must share a dtype: PyTorch does not promote here.
"""
from ..autograd.grad_mode import _GradMode
from ..autograd.graph import Node
from ..tensor import Tensor, _wrap_dim, attach, needs_grad, wrap
from . import shape
from ._binary import array_module, check_same_device, type_name

# PyTorch names dtypes in two spellings in these errors: C++ types and ScalarType names
_CPP_NAMES = {
    "float32": "float", "float64": "double", "float16": "c10::Half", "int64": "long int",
    "int32": "int", "int16": "short int", "int8": "signed char", "uint8": "unsigned char",
    "bool": "bool",
}
_SCALAR_NAMES = {
    "float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long", "int32": "Int",
    "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool",
}


def check_tensor(function, argument, position, value):
    """PyTorch's TypeError for an argument that is no tensor. `position` counts from 1, the tensor
    a method is called on not counted (`x.matmul(3)` is position 1, `torch.matmul(x, 3)` 2)."""
    if not isinstance(value, Tensor):
        where = f"argument '{argument}' (position {position})"
        raise TypeError(f"{function}(): {where} must be Tensor, not {type_name(value)}")


def scalar_type_name(dtype):
    """PyTorch's ScalarType name of a dtype, as its error messages spell it (Float, Long, ...)."""
    return _SCALAR_NAMES[dtype.name]


def _not_for_bool(dtype, kernel):
    if dtype.name == "bool":
        raise NotImplementedError(f'"{kernel}" not implemented for \'Bool\'')


def _strides(matrix):
    """A matrix's strides in elements, as PyTorch reports them (numpy counts bytes)."""
    rows, columns = matrix._data.strides
    itemsize = matrix._data.itemsize
    return (rows // itemsize, columns // itemsize)


# --- mm: matrix @ matrix -------------------------------------------------------------------------
class MmBackward0(Node):
    def backward(self, grad):
        mat1, mat2 = self._saved_self, self._saved_mat2
        if not _GradMode.enabled:  # no graph to record (no create_graph): the products on the arrays
            return (
                wrap(grad._data @ mat2._data.T, grad._dtype, grad._device) if mat2 is not None else None,
                wrap(mat1._data.T @ grad._data, grad._dtype, grad._device) if mat1 is not None else None,
            )
        return (
            mm(grad, shape.t(mat2)) if self.should_compute_output(0) else None,
            mm(shape.t(mat1), grad) if self.should_compute_output(1) else None,
        )


def mm(input, mat2):
    if not (
        type(input) is Tensor and type(mat2) is Tensor and input._dtype is mat2._dtype
        and input._dtype.is_floating_point and input._device is mat2._device
        and input._data.ndim == 2 and mat2._data.ndim == 2 and input._data.shape[1] == mat2._data.shape[0]
    ):  # all is well in the common case, checked at once; else find what is wrong, if anything
        _check_mm(input, mat2)
    out = wrap(input._data @ mat2._data, input._dtype, input._device)
    if needs_grad(input, mat2):
        node = attach(out, MmBackward0(input, mat2)).grad_fn
        _save_matrices(node, "self", input, "mat2", mat2)
    return out


def _check_mm(input, mat2):
    """PyTorch's errors for operands mm refuses, in its order."""
    check_tensor("mm", "input", 1, input)
    check_tensor("mm", "mat2", 2, mat2)
    a, b = input._data, mat2._data
    if a.ndim != 2:
        raise RuntimeError("self must be a matrix")
    if b.ndim != 2:
        raise RuntimeError("mat2 must be a matrix")
    if a.shape[1] != b.shape[0]:
        raise RuntimeError(
            f"mat1 and mat2 shapes cannot be multiplied ({a.shape[0]}x{a.shape[1]} and "
            f"{b.shape[0]}x{b.shape[1]})"
        )
    _check_same_dtype(input, mat2)
    _not_for_bool(input._dtype, "addmm_impl_cpu_")
    check_same_device(input, mat2)


def _check_same_dtype(mat1, mat2):
    if mat1._dtype is not mat2._dtype:
        raise RuntimeError(
            "expected m1 and m2 to have the same dtype, but got: "
            f"{_CPP_NAMES[mat1._dtype.name]} != {_CPP_NAMES[mat2._dtype.name]}"
        )


def _save_matrices(node, first_name, first, second_name, second):
    """What PyTorch's mm and addmm keep: each side (and its strides) only where the other
    side's gradient needs it; the sizes always."""
    first_needed, second_needed = node.should_compute_output(0), node.should_compute_output(1)
    if first_name == "mat1":  # addmm: input 0 is the bias
        first_needed, second_needed = node.should_compute_output(1), node.should_compute_output(2)
    node.save(**{first_name: first if second_needed else None, second_name: second if first_needed else None})
    for name, matrix, needed in ((first_name, first, first_needed), (second_name, second, second_needed)):
        sizes, strides = _SIZES_AND_STRIDES[name]  # plain values: set as they are, not through save
        setattr(node, sizes, matrix._data.shape)
        setattr(node, strides, _strides(matrix) if needed else ())


_SIZES_AND_STRIDES = {name: (f"_saved_{name}_sym_sizes", f"_saved_{name}_sym_strides") for name in ("self", "mat1", "mat2")}


# --- addmm: bias + matrix @ matrix (what linear is for a batch of vectors) ---------------------------
class AddmmBackward0(Node):
    def backward(self, grad):
        alpha, beta = self._saved_alpha, self._saved_beta
        grad_mat1 = grad_mat2 = None
        if self.should_compute_output(1):
            grad_mat1 = mm(grad, shape.t(self._saved_mat2))
            grad_mat1 = grad_mat1 if alpha == 1 else grad_mat1 * alpha
        if self.should_compute_output(2):
            grad_mat2 = mm(shape.t(self._saved_mat1), grad)
            grad_mat2 = grad_mat2 if alpha == 1 else grad_mat2 * alpha
        # the bias was broadcast to the output: the executor sums its gradient back
        grad_input = (grad if beta == 1 else grad * beta) if self.should_compute_output(0) else None
        return grad_input, grad_mat1, grad_mat2


def addmm(input, mat1, mat2, *, beta=1, alpha=1):
    """beta * input + alpha * (mat1 @ mat2), the input broadcast to the product's shape."""
    check_tensor("addmm", "input", 1, input)
    check_tensor("addmm", "mat1", 2, mat1)
    check_tensor("addmm", "mat2", 3, mat2)
    if input._dtype is not mat2._dtype:
        raise RuntimeError(
            f"self and mat2 must have the same dtype, but got {scalar_type_name(input._dtype)} and "
            f"{scalar_type_name(mat2._dtype)}"
        )
    if mat1._dtype is not mat2._dtype:
        raise RuntimeError(
            f"mat1 and mat2 must have the same dtype, but got {scalar_type_name(mat1._dtype)} and "
            f"{scalar_type_name(mat2._dtype)}"
        )
    a, b = mat1._data, mat2._data
    if a.ndim != 2:
        raise RuntimeError(f"mat1 must be a matrix, got {a.ndim}-D tensor")
    if b.ndim != 2:
        raise RuntimeError(f"mat2 must be a matrix, got {b.ndim}-D tensor")
    if a.shape[1] != b.shape[0]:
        raise RuntimeError(
            f"mat1 and mat2 shapes cannot be multiplied ({a.shape[0]}x{a.shape[1]} and "
            f"{b.shape[0]}x{b.shape[1]})"
        )
    _check_expandable(input, (a.shape[0], b.shape[1]))
    _not_for_bool(input._dtype, "addmm_impl_cpu_")
    check_same_device(mat1, mat2)
    check_same_device(mat1, input)
    data = array_module(mat1).matmul(a, b)  # a fresh array: scale and add in place
    if alpha != 1:
        data *= alpha
    if beta != 0:  # NOTE: beta == 0 ignores the input entirely, nan and inf included
        data += input._data if beta == 1 else input._data * beta
    out = wrap(data, mat1._dtype, mat1._device)
    if needs_grad(input, mat1, mat2):
        node = attach(out, AddmmBackward0(input, mat1, mat2)).grad_fn
        node.save(alpha=alpha, beta=beta)
        _save_matrices(node, "mat1", mat1, "mat2", mat2)
    return out


def _check_expandable(input, sizes):
    """addmm expands its input to the product's shape: the same checks and words as expand."""
    shape_ = input._data.shape
    if len(shape_) > len(sizes):
        raise RuntimeError(
            f"expand({input.type()}{{{list(shape_)}}}, size={list(sizes)}): the number of sizes "
            f"provided ({len(sizes)}) must be greater or equal to the number of dimensions in the "
            f"tensor ({len(shape_)})"
        )
    extra = len(sizes) - len(shape_)
    for i, size in enumerate(shape_):
        if size != 1 and size != sizes[i + extra]:
            raise RuntimeError(
                f"The expanded size of the tensor ({sizes[i + extra]}) must match the existing size "
                f"({size}) at non-singleton dimension {i + extra}.  Target sizes: {list(sizes)}.  "
                f"Tensor sizes: {list(shape_)}"
            )


# --- bmm: a batch of matrix products ---------------------------------------------------------------
class BmmBackward0(Node):
    def backward(self, grad):
        return (
            bmm(grad, shape.transpose(self._saved_mat2, 1, 2)) if self.should_compute_output(0) else None,
            bmm(shape.transpose(self._saved_self, 1, 2), grad) if self.should_compute_output(1) else None,
        )


def bmm(input, mat2):
    check_tensor("bmm", "input", 1, input)
    check_tensor("bmm", "mat2", 2, mat2)
    a, b = input._data, mat2._data
    if a.ndim != 3:
        raise RuntimeError("batch1 must be a 3D tensor")
    if b.ndim != 3:
        raise RuntimeError("batch2 must be a 3D tensor")
    if b.shape[0] != a.shape[0] or b.shape[1] != a.shape[2]:
        raise RuntimeError(
            "Expected size for first two dimensions of batch2 tensor to be: "
            f"[{a.shape[0]}, {a.shape[2]}] but got: [{b.shape[0]}, {b.shape[1]}]."
        )
    if input._dtype is not mat2._dtype:
        raise RuntimeError(
            f"expected scalar type {_SCALAR_NAMES[input._dtype.name]} but found "
            f"{_SCALAR_NAMES[mat2._dtype.name]}"
        )
    _not_for_bool(input._dtype, "bmm")
    check_same_device(input, mat2)
    out = wrap(array_module(input).matmul(a, b), input._dtype, input._device)
    if needs_grad(input, mat2):
        node = attach(out, BmmBackward0(input, mat2)).grad_fn
        node.save(
            self=input if node.should_compute_output(1) else None,
            mat2=mat2 if node.should_compute_output(0) else None,
        )
    return out


# --- mv: matrix @ vector ---------------------------------------------------------------------------
class MvBackward0(Node):
    def backward(self, grad):
        return (
            # the outer product grad ⊗ vec, as a broadcast multiply
            shape.unsqueeze(grad, 1) * self._saved_vec if self.should_compute_output(0) else None,
            mv(shape.t(self._saved_self), grad) if self.should_compute_output(1) else None,
        )


def mv(input, vec):
    check_tensor("mv", "input", 1, input)
    check_tensor("mv", "vec", 2, vec)
    a, v = input._data, vec._data
    if a.ndim != 2 or v.ndim != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got 1, {a.ndim}, {v.ndim}")
    if a.shape[1] != v.shape[0]:
        raise RuntimeError(
            f"size mismatch, got input ({a.shape[0]}), mat ({a.shape[0]}x{a.shape[1]}), vec ({v.shape[0]})"
        )
    if input._dtype is not vec._dtype:
        # PyTorch computes mv as addmv into a result of the vector's dtype, and names all three
        vec_name, mat_name = _SCALAR_NAMES[vec._dtype.name], _SCALAR_NAMES[input._dtype.name]
        raise RuntimeError(
            f"addmv input tensors must have the same dtype, but got {vec_name}, {mat_name}, and {vec_name}"
        )
    _not_for_bool(input._dtype, "addmv_impl_cpu")
    check_same_device(input, vec)
    out = wrap(array_module(input).matmul(a, v), input._dtype, input._device)
    if needs_grad(input, vec):
        node = attach(out, MvBackward0(input, vec)).grad_fn
        node.save(
            self=input if node.should_compute_output(1) else None,
            vec=vec if node.should_compute_output(0) else None,
        )
    return out


# --- dot: vector . vector --------------------------------------------------------------------------
class DotBackward0(Node):
    def backward(self, grad):
        return (
            grad * self._saved_tensor if self.should_compute_output(0) else None,
            grad * self._saved_self if self.should_compute_output(1) else None,
        )


def dot(input, tensor):
    check_tensor("dot", "input", 1, input)
    check_tensor("dot", "tensor", 2, tensor)
    a, b = input._data, tensor._data
    if a.ndim != 1 or b.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {a.ndim}D and {b.ndim}D tensors")
    if input._dtype is not tensor._dtype:
        raise RuntimeError(
            "dot : expected both vectors to have same dtype, but found "
            f"{_SCALAR_NAMES[input._dtype.name]} and {_SCALAR_NAMES[tensor._dtype.name]}"
        )
    if a.shape[0] != b.shape[0]:
        raise RuntimeError(
            f"inconsistent tensor size, expected tensor [{a.shape[0]}] and src [{b.shape[0]}] to have "
            f"the same number of elements, but got {a.shape[0]} and {b.shape[0]} elements respectively"
        )
    _not_for_bool(input._dtype, "dot")
    check_same_device(input, tensor)
    xp = array_module(input)
    out = wrap(xp.asarray(xp.dot(a, b)), input._dtype, input._device)
    if needs_grad(input, tensor):
        node = attach(out, DotBackward0(input, tensor)).grad_fn
        node.save(
            self=input if node.should_compute_output(1) else None,
            tensor=tensor if node.should_compute_output(0) else None,
        )
    return out


# --- matmul: dispatch by dimensions, as at::matmul ---------------------------------------------
def matmul(input, other):
    """input @ other. The dimensions pick the kernel, and so the nodes the graph shows:
    1-D . 1-D is dot, 2-D @ 1-D is mv, 2-D @ 2-D is mm, a vector on the left is a row matrix,
    and batches are either folded into one mm/mv or broadcast, flattened and given to bmm."""
    if type(input) is Tensor and type(other) is Tensor and input._data.ndim == 2 and other._data.ndim == 2:
        return mm(input, other)  # the common case, at once
    check_tensor("matmul", "input", 1, input)
    check_tensor("matmul", "other", 2, other)
    dim1, dim2 = input.ndim, other.ndim
    if dim1 == 0 or dim2 == 0:
        raise RuntimeError(
            f"both arguments to matmul need to be at least 1D, but they are {dim1}D and {dim2}D"
        )
    if dim1 == 1 and dim2 == 1:
        return dot(input, other)
    if dim1 == 2 and dim2 == 1:
        return mv(input, other)
    if dim1 == 1 and dim2 == 2:
        return _squeeze_(mm(shape.unsqueeze(input, 0), other), 0)
    if dim1 == 2 and dim2 == 2:
        return mm(input, other)
    if _should_fold(input, other):
        return _folded_matmul(input, other)
    return _batched_matmul(input, other)


def _should_fold(tensor1, tensor2):
    """Whether the larger operand's batch can be folded into the rows of one mm/mv (PyTorch's
    should_fold). It folds whenever the smaller operand requires grad, so that its gradient is
    one product rather than a batch of them summed; otherwise only when folding needs no copy."""
    larger_is_first = tensor1.ndim >= tensor2.ndim
    large = tensor1._data if larger_is_first else tensor2._data.swapaxes(-1, -2)
    small_ndim = tensor2.ndim if larger_is_first else tensor1.ndim
    if not (large.ndim >= 3 and small_ndim <= 2):
        return False
    if (tensor2 if larger_is_first else tensor1).requires_grad:
        return True
    if tensor1.ndim == 2:
        return False  # the result would need a transposed copy
    if large.size == 0:
        return True
    itemsize = large.itemsize
    strides = [s // itemsize for s in large.strides]
    return all(strides[i] == strides[i + 1] * large.shape[i + 1] for i in range(large.ndim - 2))


def _folded_matmul(tensor1, tensor2):
    transpose = tensor2.ndim > tensor1.ndim
    if transpose:  # (A @ B) = (B^T @ A^T)^T puts the batched operand on the left
        t1 = shape.transpose(tensor2, -2, -1)
        t2 = shape.t(tensor1) if tensor1.ndim == 2 else tensor1
    else:
        t1, t2 = tensor1, tensor2
    sizes = tuple(t1.shape)
    output_shape = sizes[:-1]
    rows = _product(output_shape)
    folded = shape.reshape(t1, (rows, sizes[-1]))
    if t2.ndim == 2:
        output = _unsafe_view(mm(folded, t2), output_shape + (t2.shape[1],))
        return contiguous(shape.transpose(output, -2, -1)) if transpose else output
    return _unsafe_view(mv(folded, t2), output_shape)


def _batched_matmul(tensor1, tensor2):
    dim1, dim2 = tensor1.ndim, tensor2.ndim
    shape1, shape2 = tuple(tensor1.shape), tuple(tensor2.shape)
    n = shape1[-2] if dim1 > 1 else 1
    m1 = shape1[-1]
    batch1 = shape1[:max(dim1 - 2, 0)]
    m2 = shape2[-2] if dim2 > 1 else shape2[0]
    p = shape2[-1] if dim2 > 1 else 1
    batch2 = shape2[:max(dim2 - 2, 0)]
    # a batch of one that would be broadcast: drop it and fold instead (its gradient is one mm)
    if dim1 == 3 and dim2 == 3 and batch1[0] != batch2[0]:
        if batch1[0] == 1 and tensor1.requires_grad:
            return matmul(shape.squeeze(tensor1, 0), tensor2)
        if batch2[0] == 1 and tensor2.requires_grad:
            return matmul(tensor1, shape.squeeze(tensor2, 0))
    batch = broadcast_shapes(batch1, batch2)
    count = _product(batch)
    expanded1 = shape.reshape(shape.expand(tensor1, batch + (n, m1)), (count, n, m1))
    if dim2 == 1:  # a vector on the right is a column: (count, m2, 1)
        expanded2 = shape.reshape(shape.expand(tensor2, batch + (m2,)), (count, m2))
        expanded2 = shape.unsqueeze(expanded2, 2)
    else:
        expanded2 = shape.reshape(shape.expand(tensor2, batch + (m2, p)), (count, m2, p))
    output_shape = batch + ((n,) if dim1 > 1 else ()) + ((p,) if dim2 > 1 else ())
    product = bmm(expanded1, expanded2)
    if dim2 == 1:
        product = shape.squeeze(product, -1)
    return _unsafe_view(product, output_shape)


def _product(sizes):
    count = 1
    for size in sizes:
        count *= size
    return count


def broadcast_shapes(shape1, shape2):
    """Two shapes broadcast together, with PyTorch's infer_size error."""
    ndim = max(len(shape1), len(shape2))
    padded1 = (1,) * (ndim - len(shape1)) + tuple(shape1)
    padded2 = (1,) * (ndim - len(shape2)) + tuple(shape2)
    for dim, (a, b) in enumerate(zip(padded1, padded2)):
        if a != b and a != 1 and b != 1:
            raise RuntimeError(
                f"The size of tensor a ({a}) must match the size of tensor b ({b}) at "
                f"non-singleton dimension {dim}"
            )
    return tuple(b if a == 1 else a for a, b in zip(padded1, padded2))


# --- the views matmul needs, recorded as PyTorch records them ------------------------------------
class UnsafeViewBackward0(Node):
    def backward(self, grad):
        return (grad.reshape(self._saved_self_sym_sizes),)


def _unsafe_view(input, sizes):
    """A reshape of a fresh result (at::_unsafe_view): no copy, and not tracked as a view."""
    out = wrap(input._data.reshape(sizes), input._dtype, input._device)
    if needs_grad(input):
        attach(out, UnsafeViewBackward0(input)).grad_fn.save(self_sym_sizes=tuple(input._data.shape))
    return out


def contiguous(input):
    """Tensor.contiguous(): the tensor itself when its memory is in order, else a copy."""
    return input if input._data.flags.c_contiguous else shape.clone(input)


class SqueezeBackward4(Node):
    """squeeze_(dim) in place on mm's fresh result (how matmul turns a row back into a vector)."""

    def backward(self, grad):
        return (grad.reshape(self._saved_self_sym_sizes),)


def _squeeze_(input, dim):
    sizes = tuple(input._data.shape)
    dim = _wrap_dim(dim, len(sizes))
    kept = sizes[:dim] + sizes[dim + 1:] if sizes[dim] == 1 else sizes
    out = wrap(input._data.reshape(kept), input._dtype, input._device, version_box=input._version_box)
    if needs_grad(input):
        attach(out, SqueezeBackward4(input)).grad_fn.save(dim=dim, self_sym_sizes=sizes)
    return out
