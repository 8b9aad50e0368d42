"""The Tensor's dunder methods against PyTorch: operators with operands they refuse (PyTorch
returns NotImplemented, so Python words the TypeError), bitwise operators, conversions,
format(), `in`, del, copy.copy, copy.deepcopy, pickle. Each case is a program run with `torch`
meaning the engine and then the real PyTorch; its last line's value (or the error's class and
message) must agree.
"""
import copy

import pytest

import engine
from torch_oracle import outcome

torch = pytest.importorskip("torch")


CASES = [
    'torch.tensor([1., 2.]) @ 3',
    '3 @ torch.tensor([1., 2.])',
    "torch.tensor([1., 2.]) @ 'a'",
    'torch.tensor([1., 2.]).__matmul__(3)',
    'torch.tensor([1., 2.]).__rmatmul__(3)',
    'torch.tensor([1., 2.]).__rmatmul__(torch.tensor([1., 2.]))',
    'torch.tensor([[1., 2.]]).__rmatmul__(torch.tensor([[1.], [2.]]))',
    '2 ** torch.tensor([1., 2.])',
    "torch.tensor([1., 2.]) ** 'a'",
    "'a' ** torch.tensor([1., 2.])",
    '2 ** torch.tensor([1, 2])',
    '2.5 ** torch.tensor([1, 2])',
    'torch.tensor([1, 2]).__rpow__(2)',
    "torch.tensor([1., 2.]).__pow__('a')",
    "torch.tensor([1., 2.]).__rpow__('a')",
    'abs(torch.tensor([-1., 2.]))',
    'abs(torch.tensor([-1, 2]))',
    'abs(torch.tensor([True]))',
    '~torch.tensor([True, False])',
    '~torch.tensor([1, 2])',
    '~torch.tensor([1., 2.])',
    '~torch.tensor(3, dtype=torch.uint8)',
    'torch.tensor([7., -7.]) // 2',
    '7 // torch.tensor([2., -2.])',
    'torch.tensor([7, -7]) // 2',
    '7 // torch.tensor([2, -2])',
    'torch.tensor([7., -7.]) // torch.tensor([2., 2.])',
    "torch.tensor([7., 2.]) // 'a'",
    "'a' // torch.tensor([7., 2.])",
    'torch.tensor([7., -7.]) % 3',
    '7 % torch.tensor([3., -3.])',
    'torch.tensor([7, -7]) % 3',
    '7 % torch.tensor([3, -3])',
    '7.5 % torch.tensor([3, -3])',
    'torch.tensor([7, -7]) % 2.5',
    'torch.tensor([7., -7.]) % torch.tensor([3, 3])',
    "torch.tensor([7., 2.]) % 'a'",
    "'a' % torch.tensor([7., 2.])",
    'torch.tensor([True]) % 2',
    'torch.tensor([True]) % torch.tensor([True])',
    'torch.tensor([6, 3]) & 5',
    'torch.tensor([6, 3]) | 5',
    'torch.tensor([6, 3]) ^ 5',
    '5 & torch.tensor([6, 3])',
    '5 | torch.tensor([6, 3])',
    '5 ^ torch.tensor([6, 3])',
    'torch.tensor([True, False]) & True',
    'True | torch.tensor([True, False])',
    'torch.tensor([True, False]) ^ torch.tensor([True, True])',
    'torch.tensor([True, False]) & 1',
    'torch.tensor([True, False]) & torch.tensor([3, 1])',
    'torch.tensor([1., 2.]) & 1',
    'torch.tensor([1, 2]) & 1.5',
    "torch.tensor([1, 2]) & 'a'",
    "'a' & torch.tensor([1, 2])",
    'torch.tensor([1, 2]) | None',
    "torch.tensor([1, 2]) + 'a'",
    "'a' + torch.tensor([1, 2])",
    'torch.tensor([1, 2]) * None',
    "torch.tensor([1, 2]) - 'a'",
    "'a' - torch.tensor([1, 2])",
    "torch.tensor([1, 2]) / 'a'",
    "'a' / torch.tensor([1, 2])",
    'torch.tensor([1, 2]) * [1, 2]',
    '[1, 2] * torch.tensor([1, 2])',
    'torch.tensor([1, 2]) + (1, 2)',
    "torch.tensor([1, 2]) == 'a'",
    "torch.tensor([1, 2]) < 'a'",
    'torch.tensor([1, 2]) == None',
    'torch.tensor([1, 2]) != None',
    'torch.tensor([1, 2]) < None',
    '-torch.tensor([True])',
    '+torch.tensor([1, 2])',
    '+torch.tensor([True])',
    '-torch.tensor([1, 2])',
    'torch.tensor([3]).__index__()',
    'torch.tensor(3).__index__()',
    'torch.tensor(3.).__index__()',
    'torch.tensor([1, 2]).__index__()',
    'torch.tensor(True).__index__()',
    '[10, 20, 30][torch.tensor(1)]',
    '[10, 20, 30][torch.tensor(1.)]',
    'range(10)[torch.tensor(2):torch.tensor(5)]',
    'operator.index(torch.tensor([[2]]))',
    'operator.index(torch.tensor([], dtype=torch.int64))',
    'hex(torch.tensor(255))',
    'bin(torch.tensor(5, dtype=torch.uint8))',
    'int(torch.tensor(True))',
    'int(torch.tensor([]))',
    'int(torch.tensor(3.7, requires_grad=True))',
    'float(torch.tensor([], dtype=torch.int64))',
    'complex(torch.tensor(3.5))',
    'complex(torch.tensor(3))',
    'complex(torch.tensor([1., 2.]))',
    'complex(torch.tensor([2.5]))',
    'complex(torch.tensor(True))',
    'complex(torch.tensor(1., requires_grad=True))',
    "bool(torch.tensor([float('nan')]))",
    "format(torch.tensor(3.14159), '.2f')",
    "format(torch.tensor([3.14159]), '.2f')",
    "format(torch.tensor([1., 2.]), '')",
    "format(torch.tensor([1., 2.]), '.2f')",
    "format(torch.tensor(3), 'd')",
    "format(torch.tensor(3), '>5')",
    "f'{torch.tensor(2.5)}'",
    "f'{torch.tensor([1., 2.])}'",
    "f'{torch.tensor([1., 2.]):>30}'",
    "f'{torch.tensor(2.5, requires_grad=True):.3f}'",
    "f'{torch.tensor(2.5, requires_grad=True)}'",
    "f'{torch.tensor(True)}'",
    "f'{torch.tensor(1, dtype=torch.int32):x}'",
    "format(torch.tensor(2.5, dtype=torch.float16), '.2f')",
    "format(torch.tensor(2.5), '')",
    "f'{torch.tensor(1/3)}'",
    'str(torch.tensor(1/3))',
    '5 in torch.tensor([1, 5])',
    '5 in torch.tensor([1, 2])',
    '5. in torch.tensor([1, 5])',
    'True in torch.tensor([1, 5])',
    'torch.tensor(5) in torch.tensor([1, 5])',
    'torch.tensor([1, 5]) in torch.tensor([1, 5])',
    'torch.tensor([1, 6]) in torch.tensor([1, 5])',
    'torch.tensor([[1, 5]]) in torch.tensor([1, 5])',
    'torch.tensor([1, 5, 7]) in torch.tensor([1, 5])',
    "'a' in torch.tensor([1, 5])",
    'None in torch.tensor([1, 5])',
    '[1] in torch.tensor([1, 5])',
    '5 in torch.tensor(5)',
    "float('nan') in torch.tensor([float('nan')])",
    '1 in torch.tensor([], dtype=torch.int64)',
    '5 in torch.tensor([1., 5.], requires_grad=True)',
    '{torch.tensor(1): 1}.__len__()',
    'torch.tensor([1, 2]).__delitem__(0)',
    'torch.tensor([1., 2.]) * np.float64(2)',    # in place, refused operands: Python falls back to the plain operator, then words the error
    "operator.iadd(torch.tensor([1., 2.]), 'a')",
    "operator.imatmul(torch.ones(2, 2), 3)",
    "operator.ipow(torch.tensor([1., 2.]), None)",
    "torch.tensor([1, 2]).matmul(torch.tensor([3, 4]))",
    "torch.matmul(torch.ones(2, 2), 3)",
    "torch.matmul(3, torch.ones(2, 2))",
    "torch.matmul(torch.ones(2, 2), 'a')",
    # a method counts its arguments from 1, the tensor it is called on left out
    "torch.ones(2, 2).matmul(3)",
    "torch.ones(2, 2).matmul(None)",
    "torch.ones(2, 2).matmul(np.ones((2, 2)))",
    "torch.ones(2, 2).mm(3)",
    "torch.mm(torch.ones(2, 2), 3)",
    "torch.ones(2, 2, 2).bmm(3)",
    "torch.ones(2, 2).mv(3)",
    "torch.ones(2).dot(3)",
    "torch.dot(3, torch.ones(2))",
    "torch.ones(2, 2).matmul(torch.float32)",
    "torch.matmul(torch.ones(2, 2), torch.Size([2]))",
    # on views, whose type reads as Tensor
    "torch.ones(2, 2)[0] @ 3",
    "3 @ torch.ones(2, 2).t()",
    "torch.ones(2, 2).t() + 'a'",
    "type(torch.ones(2, 2)[0]).__name__",
    "type(torch.ones(2, 2)[0]).__qualname__",
    "isinstance(torch.ones(2, 2)[0], torch.Tensor)",
    # bitwise and logical
    "torch.logical_not(torch.tensor([1, 0]))",
    "torch.logical_not(torch.tensor([1.5, 0.]))",
    "torch.tensor([1, 2]) & torch.tensor([1, 2, 3])",
    # copy.deepcopy
    "copy.deepcopy(torch.tensor([1., 2.], requires_grad=True))",
    "copy.deepcopy(torch.tensor([1., 2.], requires_grad=True) * 2)",
    "copy.deepcopy(torch.tensor([1., 2.], requires_grad=True))._version",
    "copy.deepcopy(torch.tensor([1, 2]))",
    "copy.deepcopy(torch.tensor([1., 2.])[0])",
    "copy.deepcopy(torch.tensor([1., 2.])[0])._base",
]


@pytest.mark.parametrize("source", CASES)
def test_dunder_like_torch(source):
    assert outcome(engine, source) == outcome(torch, source)


# copy.copy and pickle take a tensor apart (__reduce_ex__) and put it together again as PyTorch
# does: a leaf without grad, hooks or base; copy.copy's shares the values, pickle's has its own
COPY_AND_PICKLE = [  # each run after GIVEN
    "copy.copy(x)",
    "c = copy.copy(x)\n(c is x, c.is_leaf, c._version)",
    "(x * x).sum().backward()\nc = copy.copy(x)\n(c.grad, x.grad)",
    "c = copy.copy(x)\n(c * 3).sum().backward()\n(x.grad, c.grad)",
    "calls = []\nh = x.register_hook(lambda g: calls.append(1))\nc = copy.copy(x)\n(c * 1).sum().backward()\ncalls",
    "copy.copy(x * 2)",
    "y = x * 2\ny.retain_grad()\ny.sum().backward()\nc = copy.copy(y)\n(c.grad, c.retains_grad)",
    "copy.copy(torch.tensor([1, 2]))",
    "c = copy.copy(m[0])\n(c, c._base, c._version)",
    "c = copy.copy(m)\nc[0, 0] = 5.\n(m, c._version, m._version)",  # the values shared, not the version
    "c = copy.copy(m.t())\nc[0, 1] = 10.\nm",
    "pickle.loads(pickle.dumps(m[0]))",
    "pickle.loads(pickle.dumps(m.t()))",
    "pickle.loads(pickle.dumps(m[:, :1].expand(2, 3)))",
    "p = pickle.loads(pickle.dumps(m[1]))\n(p._base, p._version, p.is_leaf)",
    "a, b = pickle.loads(pickle.dumps([m, m[1:]]))\nb[0, 0] = 10.\na",
    "a, b = pickle.loads(pickle.dumps([m, m]))\na is b",
    "pickle.loads(pickle.dumps(x))",
    "pickle.loads(pickle.dumps(x * 2))",
    "(x * x).sum().backward()\npickle.loads(pickle.dumps(x)).grad",
    "pickle.loads(pickle.dumps(torch.tensor([1, 2], dtype=torch.int8)))",
    "pickle.loads(pickle.dumps(torch.tensor([1., 2.], dtype=torch.float16)))",
    "pickle.loads(pickle.dumps(torch.tensor(True)))",
    "pickle.loads(pickle.dumps([x, torch.float64]))",
]
GIVEN = "x = torch.tensor([1., 2.], requires_grad=True)\nm = torch.tensor([[1., 2.], [3., 4.]])\n"


@pytest.mark.parametrize("program", COPY_AND_PICKLE)
def test_copy_and_pickle_like_torch(program):
    assert outcome(engine, GIVEN + program) == outcome(torch, GIVEN + program)


def test_deepcopy_of_a_leaf_copies_its_grad():
    copies = []
    for lib in (engine, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        (x * x).sum().backward()
        x_copy, shared = copy.deepcopy([x, x])
        assert shared is x_copy  # the memo: one copy of one tensor
        assert x_copy.grad is not x.grad and x_copy.is_leaf
        x_copy.grad.add_(1)
        assert x.grad.tolist() == [2.0, 4.0]
        copies.append((x_copy.tolist(), x_copy.requires_grad, x_copy.grad.tolist()))
    assert copies[0] == copies[1]


def test_del_item():
    for lib in (engine, torch):
        t = lib.tensor([1, 2])
        with pytest.raises(TypeError, match="^Tensor does not support deleting items$"):
            del t[0]


# the dunders PyTorch's Tensor has and the engine's leaves out, each for a reason (see the
# report in the commit that added this list): DLPack, Python 2 names, __dict__ (tensors are
# slotted), __setstate__ (pickling goes through __reduce_ex__), __torch_function__
LEFT_OUT = {
    "__annotations__", "__dict__", "__div__", "__dlpack__", "__dlpack_c_exchange_api__",
    "__dlpack_device__", "__idiv__", "__long__", "__nonzero__",
    "__rdiv__", "__setstate__", "__torch_dispatch__", "__torch_function__",
}


def test_dunders_are_torch_s_but_those_left_out():
    def dunders(t):
        # (not __slotnames__, which copyreg caches on torch.Tensor once a test pickles one)
        return {name for name in dir(t) if name.startswith("__") and name.endswith("__")} - {"__slotnames__"}

    assert dunders(torch.ones(2)) - dunders(engine.ones(2)) == LEFT_OUT
    assert dunders(engine.ones(2)) - dunders(torch.ones(2)) == {"__slots__"}
