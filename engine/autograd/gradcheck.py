"""gradcheck: compare autograd's gradients with central finite differences (use float64)."""
import numpy

from .grad_mode import no_grad


class GradcheckError(RuntimeError):
    pass


def _outputs(func, inputs):
    from ..tensor import Tensor

    outputs = func(*inputs)
    outputs = outputs if isinstance(outputs, tuple) else (outputs,)
    return [o for o in outputs if isinstance(o, Tensor) and o._dtype.is_floating_point]


def _host_flat(outputs):
    from ..backend import to_host

    return numpy.concatenate([to_host(o._data).astype("float64").reshape(-1) for o in outputs])


def _numerical_jacobian(func, inputs, tensor, eps):
    """Rows: elements of `tensor`; columns: all output elements. Central differences."""
    flat = tensor._data.reshape(-1)  # a view: perturbing it perturbs the input
    rows = []
    with no_grad():
        for index in range(flat.size):
            original = flat[index].item()
            flat[index] = original + eps
            plus = _host_flat(_outputs(func, inputs))
            flat[index] = original - eps
            minus = _host_flat(_outputs(func, inputs))
            flat[index] = original
            rows.append((plus - minus) / (2 * eps))
    return numpy.array(rows).reshape(flat.size, -1)


def _analytical_jacobian(outputs, tensor_inputs):
    """One vector-Jacobian product per output element, through our own backward."""
    from . import grad as autograd_grad
    from ..backend import to_host

    columns = []
    for output in outputs:
        for flat_out in range(output.numel()):
            one_hot = (output.detach() * 0).contiguous()  # row-major, so reshape(-1) is a view
            one_hot._data.reshape(-1)[flat_out] = 1
            grads = autograd_grad(output, tensor_inputs, one_hot, retain_graph=True, allow_unused=True)
            columns.append([
                numpy.zeros(t.numel()) if g is None else to_host(g._data).astype("float64").reshape(-1)
                for g, t in zip(grads, tensor_inputs)
            ])
    return [numpy.array([column[i] for column in columns]).T.reshape(t.numel(), -1)
            for i, t in enumerate(tensor_inputs)]


def gradcheck(func, inputs, *, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True, **_ignored):
    """True when every analytical gradient of `func` at `inputs` matches finite differences."""
    from ..tensor import Tensor

    inputs = inputs if isinstance(inputs, tuple) else (inputs,)
    positions = [i for i, t in enumerate(inputs) if isinstance(t, Tensor) and t.requires_grad]
    tensor_inputs = [inputs[i] for i in positions]
    analytical = _analytical_jacobian(_outputs(func, inputs), tensor_inputs)
    for position, tensor, got in zip(positions, tensor_inputs, analytical):
        expected = _numerical_jacobian(func, inputs, tensor, eps)
        if not numpy.allclose(got, expected, rtol=rtol, atol=atol):
            if not raise_exception:
                return False
            raise GradcheckError(
                f"Jacobian mismatch for output 0 with respect to input {position},\n"
                f"numerical:{expected}\nanalytical:{got}\n"
            )
    return True
