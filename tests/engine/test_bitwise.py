"""Bitwise ops against PyTorch: & | ^ ~ and the shifts << >>, as operators, functions and methods,
and their in-place forms (&= |= ^= <<= >>=, bitwise_and_ ...). Each case is a program run with
`torch` meaning the engine and then the real PyTorch; its last line's value (or the error's class
and message) must agree.
"""
import pytest

import engine
from torch_oracle import outcome

torch = pytest.importorskip("torch")

SHIFTS = [
    'torch.tensor([1, 2]) << 2',
    'torch.tensor([1, 2]) >> 1',
    '2 << torch.tensor([1, 2])',
    '16 >> torch.tensor([1, 2])',
    'torch.tensor([1, 2]) << torch.tensor([1, 3])',
    'torch.tensor([-8, 8]) >> 1',
    'torch.tensor([1., 2.]) << 2',
    'torch.tensor([1., 2.]) >> 1',
    'torch.tensor([1, 2]) << 2.5',
    'torch.tensor([1, 2]) << 1.0',
    '2.0 << torch.tensor([1, 2])',
    'torch.tensor([True, False]) << 1',
    'torch.tensor([True, False]) << True',
    'torch.tensor([True, False]) >> torch.tensor([True, False])',
    'torch.tensor([1, 2], dtype=torch.uint8) << 7',
    'torch.tensor([1, 2], dtype=torch.int8) << 7',
    'torch.tensor([1, 2], dtype=torch.int8) << 9',
    'torch.tensor([1, 2]) << 64',
    'torch.tensor([1, 2]) << 70',
    'torch.tensor([1, 2]) << -1',
    'torch.tensor([1, 2]) >> -1',
    'torch.tensor([-1, 2]) >> 70',
    'torch.tensor([1, 2], dtype=torch.int32) << 40',
    'torch.tensor([1, 2], dtype=torch.int32) << torch.tensor([40, 33])',
    'torch.tensor([1, 2], dtype=torch.uint8) >> 9',
    "torch.tensor([1, 2]) << 'a'",
    "'a' << torch.tensor([1, 2])",
    'torch.tensor([1, 2]) << None',
    'torch.tensor([1, 2], dtype=torch.int32) << torch.tensor([1, 2])',
    'torch.tensor([1, 2], dtype=torch.int32) << 2',
    'torch.tensor([1, 2], dtype=torch.uint8) << torch.tensor([1, 2], dtype=torch.int8)',
    'torch.tensor([1, 2]) << np.int64(1)',
    'torch.tensor([1, 2]).__lshift__(1)',
    'torch.tensor([1, 2]).__rlshift__(1)',
    'torch.tensor([1, 2]).__rshift__(1)',
    'torch.tensor([1, 2]).__rrshift__(8)',
    'torch.bitwise_left_shift(torch.tensor([1, 2]), 1)',
    'torch.bitwise_right_shift(torch.tensor([1, 2]), 1)',
    'torch.bitwise_left_shift(1, torch.tensor([1, 2]))',
    'torch.tensor([1, 2]).bitwise_left_shift(1)',
    'torch.tensor([1, 2]).bitwise_right_shift(torch.tensor([1, 0]))',
]

AND_OR_XOR_NOT = [
    'torch.bitwise_and(torch.tensor([6, 3]), 5)',
    'torch.bitwise_or(torch.tensor([6, 3]), 5)',
    'torch.bitwise_xor(torch.tensor([6, 3]), 5)',
    'torch.bitwise_not(torch.tensor([6, 3]))',
    'torch.tensor([6, 3]).bitwise_and(5)',
    'torch.tensor([6, 3]).bitwise_or(5)',
    'torch.tensor([6, 3]).bitwise_xor(5)',
    'torch.tensor([6, 3]).bitwise_not()',
    'torch.tensor([6, 3]).logical_and(torch.tensor([1, 0]))',
    'torch.tensor([6, 3]).logical_not()',
    'torch.bitwise_and(5, torch.tensor([6, 3]))',
    'torch.tensor([1., 0.]).logical_or(torch.tensor([0, 0]))',
    'torch.tensor([1., 0.]).logical_xor(torch.tensor([1, 1]))',
]

IN_PLACE = [
    'x = torch.tensor([6, 3])\ny = x\nx &= 5\n(x, y is x, x._version)',
    'x = torch.tensor([6, 3])\ny = x\nx |= 5\n(x, y is x, x._version)',
    'x = torch.tensor([6, 3])\ny = x\nx ^= 5\n(x, y is x, x._version)',
    'x = torch.tensor([6, 3])\ny = x\nx <<= 1\n(x, y is x, x._version)',
    'x = torch.tensor([6, 3])\ny = x\nx >>= 1\n(x, y is x, x._version)',
    'x = torch.tensor([True, False])\ny = x\nx &= torch.tensor([True, True])\n(x, y is x)',
    'x = torch.tensor([True, False])\nx |= 1\nx',
    'x = torch.tensor([True, False])\nx &= torch.tensor([1, 1])\nx',
    'x = torch.tensor([6, 3])\nx &= True\nx',
    'x = torch.tensor([6, 3], dtype=torch.uint8)\nx &= torch.tensor([5, 5])\nx',
    'x = torch.tensor([6, 3])\nx &= 1.5\nx',
    'x = torch.tensor([6., 3.])\nx &= 1\nx',
    'x = torch.tensor([6., 3.])\nx <<= 1\nx',
    'x = torch.tensor([6, 3])\nx <<= 1.5\nx',
    "x = torch.tensor([6, 3])\nx &= 'a'\nx",
    "x = torch.tensor([6, 3])\nx <<= 'a'\nx",
    'x = torch.tensor([6, 3])\nx &= torch.tensor([[1], [1]])\nx',
    'x = torch.tensor([6, 3])\nx &= np.int64(1)\nx',
    'x = torch.tensor([6, 3])\nx <<= torch.tensor([1, 2])\nx',
    'x = torch.tensor([6, 3])\n(x.bitwise_and_(5), x)',
    'x = torch.tensor([6, 3])\n(x.bitwise_or_(5), x)',
    'x = torch.tensor([6, 3])\n(x.bitwise_xor_(5), x)',
    'x = torch.tensor([6, 3])\n(x.bitwise_not_(), x)',
    'x = torch.tensor([6, 3])\n(x.bitwise_left_shift_(1), x)',
    'x = torch.tensor([6, 3])\n(x.bitwise_right_shift_(1), x)',
    'x = torch.tensor([6, 3])\n(x.__iand__(5), x)',
    "x = torch.tensor([6, 3])\nx.__iand__('a')",
    "x = torch.tensor([6, 3])\nx.__ilshift__('a')",
    'x = torch.tensor([6., 3.], requires_grad=True)\nx &= 1\nx',
    'x = torch.tensor([6, 3])\nv = x[0]\nv &= 1\n(x, x._version)',
    'x = torch.tensor([6., 3.], requires_grad=True) * 1\nx &= 1\nx',
    'x = torch.tensor([6., 3.], requires_grad=True)\nx.bitwise_not_()',
    'x = torch.tensor([6, 3])\nx.bitwise_not_()\nx._version',
    'x = torch.tensor([[6, 3], [1, 2]])\nv = x.t()\nv <<= torch.tensor([1, 2])\nx',
    'x = torch.tensor([6, 3]).expand(2, 2)\nx |= 1\nx',
]


@pytest.mark.parametrize("program", SHIFTS + AND_OR_XOR_NOT + IN_PLACE)
def test_bitwise_like_torch(program):
    assert outcome(engine, program) == outcome(torch, program)
