"""numpy arrays and scalars as operands of a tensor's operators, against PyTorch.

PyTorch reads a numpy scalar as a Python number (np.bool_ as a float). Its operators refuse a
numpy array, so numpy computes on the tensor's values (`__array__`) and wraps its result back
into a tensor (`__array_wrap__`), outside the graph, in numpy's dtype; with the array on the left,
numpy defers to the tensor (`__array_priority__`), which refuses it, and Python raises. Only `==`
reads an array as a tensor, and `/` works from the left, as PyTorch computes `a / x` as
`x.reciprocal() * a`. Each case is a program run with `torch` meaning the engine and then the real
PyTorch; its last line's value (or the error's class and message) must agree.
"""
import numpy as np
import pytest

import engine
from torch_oracle import outcome

torch = pytest.importorskip("torch")

SCALAR_CASES = [
    "np.float64(2) * torch.tensor([1., 2.])",
    "torch.tensor([1., 2.]) * np.float64(2)",
    "np.float32(2) * torch.tensor([1., 2.])",
    "np.int64(2) * torch.tensor([1., 2.])",
    "np.int64(2) * torch.tensor([1, 2])",
    "np.float64(2) * torch.tensor([1, 2])",
    "torch.tensor([1, 2]) * np.float64(2)",
    "np.float64(2.5) + torch.tensor([1, 2])",
    "np.float16(2) * torch.tensor([1.], dtype=torch.float64)",
    "np.int8(2) * torch.tensor([1, 2], dtype=torch.int8)",
    "np.uint8(3) * torch.tensor([1, 2])",
    "np.int64(2) + torch.tensor([True, False])",
    "torch.tensor([1, 2]) + np.int32(2)",
    # np.bool_ reads as a float
    "np.bool_(True) * torch.tensor([1, 2])",
    "np.bool_(True) + torch.tensor([True, False])",
    "np.bool_(True) & torch.tensor([True, False])",
    "torch.tensor([1, 2]) ^ np.bool_(True)",
    "np.int64(5) & torch.tensor([1, 2])",
    "np.float64(2) - torch.tensor([1., 2.])",
    "np.float64(2) / torch.tensor([1., 2.])",
    "np.float64(2) ** torch.tensor([1., 2.])",
    "torch.tensor([1., 2.]) ** np.float64(2)",
    "np.float64(2) ** torch.tensor([1, 2])",
    "torch.tensor([1, 2]) ** np.float64(2)",
    "np.int64(5) // torch.tensor([1, 2])",
    "np.float64(5) % torch.tensor([1, 2])",
    "np.int64(2) @ torch.tensor([1, 2])",
    "np.float64(0.1) == torch.tensor([0.1, 2.])",  # compared as float32, the number being weak
    "np.float64(0.1) != torch.tensor([0.1, 2.])",
    "np.float64(2) < torch.tensor([1., 2.])",
    "torch.tensor([1., 2.]) > np.float64(1)",
    "torch.tensor([1., 2.]).add(np.float64(2))",
    "torch.where(torch.tensor([True, False]), torch.tensor([1., 2.]), np.float64(2))",
    # with autograd: the number is saved as PyTorch wraps it
    "np.float64(2) - torch.tensor([1., 2.], requires_grad=True)",
    "np.float64(2) / torch.tensor([1., 2.], requires_grad=True)",
    "(np.float64(2) * torch.tensor([1., 2.], requires_grad=True)).grad_fn._saved_other",
    "(np.int64(2) * torch.tensor([1., 2.], requires_grad=True)).grad_fn._saved_other",
    "(np.bool_(True) * torch.tensor([1., 2.], requires_grad=True)).grad_fn._saved_other",
    "(torch.tensor([1., 2.], requires_grad=True) * np.float32(2)).grad_fn._saved_other",
    "x = torch.tensor([1., 2.], requires_grad=True)\n(np.float64(3) * x).sum().backward()\nx.grad",
    "x = torch.tensor([1., 2.], requires_grad=True)\n(x ** np.float64(2)).grad_fn._saved_exponent",
    "x = torch.tensor([1., 2.], requires_grad=True)\n(np.float64(2) ** x).grad_fn._saved_self",
    # in place
    "x = torch.tensor([1., 2.])\ny = x\nx *= np.float64(2)\n(x, y is x)",
    "x = torch.tensor([1, 2])\nx *= np.float64(2)\nx",
    # numpy's integers as sizes
    "torch.ones(np.int64(2))",
    "torch.ones(2, np.int32(3))",
    "torch.zeros((np.int64(2),))",
    "torch.ones(torch.tensor(2))",
    # refused by a method, whose message names the type with its module
    "torch.tensor([1., 2.]).add_(np.array(3.))",
    "torch.tensor([1., 2.]).copy_(np.array([3., 4.]))",
    "torch.ones(2, 2).matmul(np.ones((2, 2)))",
]

ARRAY_CASES = [
    # the tensor on the left: numpy computes, in its dtypes, and gives back a tensor
    "torch.tensor([1., 2.]) + np.array([1., 2.])",
    "torch.tensor([1., 2.]) - np.array([1., 2.])",
    "torch.tensor([1., 2.]) * np.array([1., 2.])",
    "torch.tensor([1., 2.]) / np.array([1., 2.])",
    "torch.tensor([1., 2.]) // np.array([1., 2.])",
    "torch.tensor([1., 2.]) % np.array([1., 2.])",
    "torch.tensor([1., 2.]) ** np.array([1., 2.])",
    "torch.tensor([1., 2.]) @ np.array([1., 2.])",
    "torch.ones(2, 2) @ np.ones((2, 2))",
    "torch.tensor([1., 2.]) * np.array(2.)",
    "torch.tensor([1, 2]) + np.array(2.)",
    "torch.tensor([1, 2]) + np.array([1, 2], dtype=np.int32)",
    "torch.tensor([True, False]) + np.array([True, True])",  # numpy's bool, as uint8
    "torch.tensor([True, False]) & np.array([True, True])",
    "torch.tensor([6, 3]) & np.array([5, 5])",
    "torch.tensor([6, 3]) | np.array([5, 5])",
    "torch.tensor([6, 3]) ^ np.array([5, 5])",
    "torch.tensor([1., 2.]) + np.array([1., 2., 3.])",
    "torch.tensor([1., 2.]) + np.array(['a', 'b'])",
    "torch.tensor([1., 2.], requires_grad=True) + np.array([1., 2.])",
    "x = torch.tensor([1., 2.])\ny = x\nx += np.array([1., 2.])\n(x, y is x)",
    # the array on the left: numpy defers, the tensor refuses
    "np.array([1., 2.]) + torch.tensor([1., 2.])",
    "np.array([1., 2.]) - torch.tensor([1., 2.])",
    "np.array([1., 2.]) * torch.tensor([1., 2.])",
    "np.array([1., 2.]) // torch.tensor([1., 2.])",
    "np.array([1., 2.]) ** torch.tensor([1., 2.])",
    "np.array([1., 2.]) @ torch.tensor([1., 2.])",
    "np.array([5, 5]) & torch.tensor([6, 3])",
    "np.array([1., 2.]) / torch.tensor([1., 2.])",
    "np.array([1., 2.]) / torch.tensor([1., 2.], requires_grad=True)",
    # comparisons: == reads the array as a tensor, the others refuse it
    "torch.tensor([1., 2.]) == np.array([1., 2.])",
    "np.array([1., 2.]) == torch.tensor([1., 2.])",
    "torch.tensor([0.1, 2.]) == np.array(0.1)",
    "torch.tensor([0.1, 2.]) == np.array([0.1, 2.])",
    "torch.tensor(0.1) == np.array(0.1)",
    "torch.tensor([1, 2]) == np.array([1.5, 2.])",
    "torch.tensor([1., 2.], requires_grad=True) == np.array([1., 2.])",
    "torch.tensor([1., 2.]) == np.array([1., 2., 3.])",
    "torch.tensor([1., 2.]) == np.array(['a', 'b'])",
    "torch.tensor([1., 2.]) != np.array([1., 2.])",
    "np.array([1., 2.]) != torch.tensor([1., 2.])",
    "torch.tensor([1., 2.]) < np.array([1., 2.])",
    "np.array([1., 2.]) < torch.tensor([1., 2.])",
    "torch.tensor([1., 2.]) >= np.array([1., 2.])",
    # numpy's functions on a tensor
    "np.sin(torch.tensor([1., 2.]))",
    "np.add(torch.tensor([1., 2.]), np.array([1., 2.]))",
    "np.greater(torch.tensor([1., 2.]), 1)",
    "torch.tensor([1., 2.]).__array_priority__",
]


@pytest.mark.parametrize("program", SCALAR_CASES)
def test_numpy_scalar_like_torch(program):
    assert outcome(engine, program) == outcome(torch, program)


@pytest.mark.cpu_only  # numpy computes on the CPU tensor's values (see the next test)
@pytest.mark.parametrize("program", ARRAY_CASES)
def test_numpy_array_operand_like_torch(program):
    assert outcome(engine, program) == outcome(torch, program)


def test_numpy_cannot_compute_on_a_gpu_tensor(cuda_device):
    """On a GPU numpy cannot read the values: the conversion's error reaches the user, as with
    PyTorch on CUDA; == reads the array as a CPU tensor, which joins a GPU op only when 0-d."""
    x = engine.tensor([1.0, 2.0], device=cuda_device)
    with pytest.raises(TypeError, match=r"^can't convert cuda:0 device type tensor to numpy\. Use Tensor\.cpu\(\)"):
        x + np.array([1.0, 2.0])
    with pytest.raises(RuntimeError, match="^Expected all tensors to be on the same device"):
        x == np.array([1.0, 2.0])  # noqa: B015
    assert (x == np.array(1.0)).tolist() == [True, False]
    assert (np.float64(2) * x).device == cuda_device


def test_numpy_result_shares_memory_with_the_tensor_it_wraps():
    """The tensor numpy's result comes back in is that array itself (torch.from_numpy)."""
    for lib in (engine, torch):
        x = lib.tensor([1.0, 2.0], device="cpu")
        result = np.add(x, np.array([1.0, 2.0]))
        result.numpy()[0] = 100.0
        assert result.tolist() == [100.0, 4.0]
