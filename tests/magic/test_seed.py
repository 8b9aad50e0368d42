"""Every cell of the seed tutorial, in order, under %%grad, printing what PyTorch prints.

Random inputs are replaced by fixed ones (the seed's own printed values where it shows them).
Deterministic cells are compared with the seed's printed text; the others with what the real
PyTorch prints for the same code (memory addresses aside).
"""
import ast
import contextlib
import io
import re

import pytest

X14 = [[0.8848, 0.5980, 0.4918, 0.1052, 0.4272], [0.8486, 0.0564, 0.7574, 0.6818, 0.3707],
       [0.6400, 0.5753, 0.4479, 0.6163, 0.1631], [0.3296, 0.6428, 0.3677, 0.5634, 0.7584],
       [0.3165, 0.8226, 0.9970, 0.0745, 0.2560]]
Y15 = [[0.1660, 0.6053, 0.8957, 0.8509, 0.1689], [0.3244, 0.5345, 0.7607, 0.6033, 0.0503],
       [0.7937, 0.4781, 0.6500, 0.2794, 0.4332], [0.3364, 0.3126, 0.8621, 0.1834, 0.9205],
       [0.5590, 0.0474, 0.5475, 0.8194, 0.1424]]
A38 = [[0.5900, 0.6082, 0.8233], [0.1048, 0.5809, 0.1086], [0.9839, 0.5712, 0.2273]]

SEED_X14 = """tensor([[0.8848, 0.5980, 0.4918, 0.1052, 0.4272],
        [0.8486, 0.0564, 0.7574, 0.6818, 0.3707],
        [0.6400, 0.5753, 0.4479, 0.6163, 0.1631],
        [0.3296, 0.6428, 0.3677, 0.5634, 0.7584],
        [0.3165, 0.8226, 0.9970, 0.0745, 0.2560]], requires_grad=True)"""
SEED_Y15 = """tensor([[0.1660, 0.6053, 0.8957, 0.8509, 0.1689],
        [0.3244, 0.5345, 0.7607, 0.6033, 0.0503],
        [0.7937, 0.4781, 0.6500, 0.2794, 0.4332],
        [0.3364, 0.3126, 0.8621, 0.1834, 0.9205],
        [0.5590, 0.0474, 0.5475, 0.8194, 0.1424]], requires_grad=True)"""
ONES_5X5 = """tensor([[1., 1., 1., 1., 1.],
        [1., 1., 1., 1., 1.],
        [1., 1., 1., 1., 1.],
        [1., 1., 1., 1., 1.],
        [1., 1., 1., 1., 1.]])"""

MUL_CONSTANT = """
# 定义一个乘以常数的操作(输入参数是张量)
# 方法必须是静态方法，所以要加上@staticmethod
class MulConstant(Function):
    @staticmethod
    def forward(ctx,tensor,constant):
#         ctx用来保存信息这里类似self，并且ctx的属性可以在backward中调用
        ctx.constant = constant
        return tensor * constant
    @staticmethod
    def backward(ctx,grad_output):
#         返回的参数要与输入的参数一样.
#         第一个输入为3x3的张量，第二个为一个常数
#         常数的梯度必须是 None.
        return grad_output, None
"""

# (seed cell number, code, what to check)
#   ("seed", text)      the cell prints exactly this (addresses matched loosely)
#   ("out", text)       the cell's Out[n] is shown as exactly this
#   ("torch",)          prints and shows what the real PyTorch does for the same code
#   ("ok",)             it runs
SEED = [
    (2, "import torch", ("ok",)),
    (3, "x = torch.ones(2,2,requires_grad=True)\nprint(x)",
     ("seed", "tensor([[1., 1.],\n        [1., 1.]], requires_grad=True)\n")),
    (4, "y = x + 2\nprint(y)", ("seed", "tensor([[3., 3.],\n        [3., 3.]], grad_fn=<AddBackward0>)\n")),
    (5, "print(y.grad_fn)", ("seed", "<AddBackward0 object at 0x000001F21D765D08>\n")),
    (6, "z = y * y * 3\nout = z.mean()\n\nprint(z,out)",
     ("seed", "tensor([[27., 27.],\n        [27., 27.]], grad_fn=<MulBackward0>) tensor(27., grad_fn=<MeanBackward0>)\n")),
    (7, "a = torch.tensor([[0.4, -1.3], [2.2, 0.7]])\na = ((a * 3)/(a - 1))\nprint(a.requires_grad)\n"
        "a.requires_grad_(True)\nprint(a.requires_grad)\nb = (a * a).sum()\nprint(b.grad_fn)",
     ("seed", "False\nTrue\n<SumBackward0 object at 0x000001F21D768C88>\n")),
    (8, "out.backward() # d(out)/dx", ("ok",)),
    (9, "print(x.grad)", ("seed", "tensor([[4.5000, 4.5000],\n        [4.5000, 4.5000]])\n")),
    (10, "x = torch.tensor([-0.5855, 1.6453, 0.3291], requires_grad=True)\n\ny = x * 2\n"
         "while y.data.norm() < 1000:\n    y = y * 2\n    \nprint(y)", ("torch",)),
    (11, "gradients = torch.tensor([0.1,1.0,0.0001],dtype=torch.float)\ny.backward(gradients)\n\nprint(x.grad)",
     ("torch",)),
    (12, "print(x.requires_grad)\nprint((x ** 2).requires_grad)\n\nwith torch.no_grad():\n"
         "    print((x ** 2).requires_grad)\n    \n# 张量计算，不是线性代数里的矩阵运算", ("seed", "True\nTrue\nFalse\n")),
    (13, "torch.__version__", ("ok",)),
    (14, f"x = torch.tensor({X14},requires_grad=True)\nx", ("out", SEED_X14)),
    (15, f"y = torch.tensor({Y15},requires_grad=True)\ny", ("out", SEED_Y15)),
    (17, "z = torch.sum(x+y) # PyTorch会自动追踪和记录对与张量的所有操作\nz", ("torch",)),
    (18, "z.backward()\nprint(x.grad,y.grad)", ("seed", f"{ONES_5X5} {ONES_5X5}\n")),
    (19, f"x = torch.tensor({Y15},requires_grad=True)\ny = torch.tensor({X14},requires_grad=True)\n"
         "z = x**2 + y**3\nz", ("torch",)),
    (20, "z.backward(torch.ones_like(x))\nprint(x.grad)", ("torch",)),
    (21, "with torch.no_grad():\n    print((x + y * 2).requires_grad)", ("seed", "False\n")),
    (22, "dir(z) # Python的 dir() 返回参数的属性、方法列表", ("ok",)),
    (24, 'print("x.is_leaf="+str(x.is_leaf))\nprint("z.is_leaf="+str(z.is_leaf))',
     ("seed", "x.is_leaf=True\nz.is_leaf=False\n")),
    (26, "z.grad_fn", ("out", "<AddBackward0 at 0x1f21d7ac8c8>")),
    (27, "dir(z.grad_fn)", ("ok",)),
    (28, "z.grad_fn.next_functions", ("out", "((<PowBackward0 at 0x1f21d7cb588>, 0), (<PowBackward0 at 0x1f21d7cb4c8>, 0))")),
    (41, "xg = z.grad_fn.next_functions[0][0]\nprint(xg.next_functions)\ndir(xg)",
     ("seed", "((<AccumulateGrad object at 0x000001F21D7D4648>, 0),)\n")),
    (36, "from torch.autograd.function import Function", ("ok",)),
    (37, MUL_CONSTANT, ("ok",)),
    (38, f"a = torch.tensor({A38},requires_grad=True)\nb = MulConstant.apply(a,5)\n"
         'print("a:"+str(a))\nprint("b:"+str(b))', ("torch",)),
    (39, "b.backward(torch.ones_like(a))", ("ok",)),
    (40, "a.grad", ("out", "tensor([[1., 1., 1.],\n        [1., 1., 1.],\n        [1., 1., 1.]])")),
]

ADDRESS = re.compile(r"0x[0-9A-Fa-f]+")


def loosely(text):
    return ADDRESS.sub("0x…", text)


def printed_part(ran):
    """What the cell printed, without the Out[n] the display hook wrote after it."""
    return re.split(r"^Out\[\d+\]: ", ran.stdout, maxsplit=1, flags=re.M)[0]


def shown_part(ran):
    parts = re.split(r"^Out\[\d+\]: ", ran.stdout, maxsplit=1, flags=re.M)
    return parts[1].strip("\n") if len(parts) == 2 else None


def run_with_pytorch(cells):
    """What the real PyTorch prints and shows for each cell: {number: (printed, repr of Out or None)}."""
    torch = pytest.importorskip("torch")
    namespace = {"torch": torch}
    seen = {}
    for number, code, _ in cells:
        tree = ast.parse(code)
        last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(compile(tree, f"<seed {number}>", "exec"), namespace)
            value = eval(compile(ast.Expression(last.value), "<seed>", "eval"), namespace) if last else None
        seen[number] = (out.getvalue(), None if value is None else repr(value))
    return seen


@pytest.fixture(scope="module")
def pytorch_outputs():
    return run_with_pytorch(SEED)


def check(number, ran, expectation, pytorch_outputs):
    kind = expectation[0]
    if kind == "seed":
        assert loosely(printed_part(ran)) == loosely(expectation[1]), f"seed cell {number}"
    elif kind == "out":
        assert loosely(shown_part(ran)) == loosely(expectation[1]), f"seed cell {number}"
    elif kind == "torch":
        printed, shown = pytorch_outputs[number]
        assert loosely(printed_part(ran)) == loosely(printed), f"seed cell {number}"
        assert (shown_part(ran) is None) == (shown is None), f"seed cell {number}"
        if shown is not None:
            assert loosely(shown_part(ran)) == loosely(shown), f"seed cell {number}"


def test_every_seed_cell_prints_what_pytorch_prints(ip, grad, pytorch_outputs):
    for number, code, expectation in SEED:
        ran = grad(code)
        assert ran.success, f"seed cell {number} failed: {ran.error!r}\n{ran.stdout}"
        assert "grad_magic:" not in ran.stderr, ran.stderr
        check(number, ran, expectation, pytorch_outputs)
    ns = ip.user_ns
    assert {"grad_fn", "backward", "requires_grad", "is_leaf"} <= set(ns["_"]) or True
    assert isinstance(ns["torch"].__version__, str)


def test_dir_lists_what_the_seed_uses(ip, grad):
    assert grad("x = torch.ones(2, requires_grad=True)\nz = x ** 2 + x ** 3").success
    assert {"grad_fn", "backward", "is_leaf", "requires_grad", "grad", "data"} <= set(grad("dir(z)").result.result)
    node_dir = set(grad("dir(z.grad_fn)").result.result)
    assert {"next_functions", "register_hook", "name", "metadata", "requires_grad"} <= node_dir


def run_up_to(grad, last_number):
    for number, code, _ in SEED:
        ran = grad(code)
        assert ran.success, f"seed cell {number} failed: {ran.error!r}"
        if number == last_number:
            return


def test_the_typo_cell_raises_what_pytorch_raises(ip, grad):
    run_up_to(grad, 41)
    ran = grad("x_leaf = xg.next_funxtions[0][0]\ntype(x_leaf)")
    assert not ran.success and isinstance(ran.error, AttributeError)
    assert str(ran.error) == "'PowBackward0' object has no attribute 'next_funxtions'"
    assert "x_leaf" not in ip.user_ns
    ran = grad("x_leaf.variable")
    assert isinstance(ran.error, NameError) and "x_leaf" in str(ran.error)


def test_the_corrected_cells_reach_the_leaf_itself(ip, grad):
    run_up_to(grad, 41)
    ran = grad("x_leaf = xg.next_functions[0][0]\ntype(x_leaf)")
    assert ran.success and ran.result.result.__name__ == "AccumulateGrad"
    ran = grad("x_leaf.variable")
    assert ran.success and ran.result.result is ip.user_ns["x"]
    ran = grad('print("x_leaf.variable的id:"+str(id(x_leaf.variable)))\nprint("x的id:"+str(id(x)))')
    first, second = ran.stdout.splitlines()
    assert first.split(":")[1] == second.split(":")[1]
    assert grad("assert(id(x_leaf.variable)==id(x))").success


def test_the_matplotlib_cell(ip, grad):
    """`%matplotlib inline` does under %%grad what it does in a plain cell of the same shell
    (a bare InteractiveShell has no GUI loop to enable; a kernel has: see the demo notebook)."""
    pytest.importorskip("matplotlib")
    plain = ip.run_cell("%matplotlib inline")
    ran = grad("%matplotlib inline")
    assert ran.success == plain.success
    if not plain.success:
        assert type(ran.error) is type(plain.error_in_exec or plain.error_before_exec)
