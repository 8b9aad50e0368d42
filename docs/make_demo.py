"""Write demo.ipynb: the seed tutorial, cell by cell, under %%grad, with what the widgets add.

    .venv/bin/python docs/make_demo.py            # write demo.ipynb and execute it in place
    .venv/bin/python docs/make_demo.py --no-run   # write it without outputs

The seed is shared/seed/000_6278e3ce8ffddf35.txt, a Chinese walk-through of PyTorch's autograd
tutorial. Its code cells are kept as they are (each one prefixed with `%%grad`); its Chinese
explanations are kept as markdown with an English line beside each. Cells the seed lacks are
marked "(added)" in the markdown above them. The executed notebook is committed without widget
state, so a notebook viewer (GitHub, nbviewer, nbconvert) shows each widget's static HTML.

Cells whose error is part of the lesson carry the tag `raises-exception`, so that a run of the
whole notebook (nbclient, JupyterLab's Run All) goes past them.
"""
import argparse
import sys
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "demo.ipynb"
RAISES = ["raises-exception"]


def md(text, cell_id):
    return new_markdown_cell(text.strip("\n"), id=cell_id)


def code(text, cell_id, tags=()):
    cell = new_code_cell(text.strip("\n"), id=cell_id)
    if tags:
        cell.metadata["tags"] = list(tags)
    return cell


def grad(body, cell_id, options="", tags=()):
    head = f"%%grad {options}".rstrip()
    return code(f"{head}\n{body.strip(chr(10))}", cell_id, tags)


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

CELLS = [
    md("""
# grad_magic: PyTorch's autograd tutorial under `%%grad`

This notebook is a Chinese walk-through of PyTorch's autograd tutorial, cell by cell. Every code
cell starts with `%%grad`: it runs unchanged, with `torch` meaning grad_magic's own autograd engine,
prints what PyTorch prints, and then shows one widget with three tabs:

* **Tensors**: every tensor the cell made or changed: shape, dtype, device, `requires_grad`,
  `is_leaf`, `grad_fn` and its values;
* **Graph**: the backward graph that `backward()` walks, from the cell's results down to the
  leaves; click a node to see its inputs, saved tensors and the gradient that flowed through it;
* **Gradients**: each leaf's `.grad`.

The Chinese explanations are kept, each with an English line beside it. Cells that the tutorial
does not have are marked *(added)*. Where the widgets can't run (GitHub, nbviewer), each widget
shows the same content as static HTML.
""", "intro"),
    code("%load_ext grad_magic", "load-ext"),
    md("""
The tutorial begins with `%matplotlib inline` (nothing below plots, but the cell runs under `%%grad`
as it does anywhere). `import torch` under `%%grad` gives grad_magic's engine (a real PyTorch, if installed, is untouched
outside `%%grad` cells). *(added)* `torch.manual_seed(0)` makes the random tensors below the same
on every run.
""", "md-import"),
    grad("%matplotlib inline", "seed-01-matplotlib"),
    grad("import torch", "seed-02-import"),
    grad("torch.manual_seed(0);", "added-manual-seed"),
    md("## 1. Tensors that require grad, and their `grad_fn`", "md-part1"),
    grad("x = torch.ones(2,2,requires_grad=True)\nprint(x)", "seed-03-x"),
    grad("y = x + 2\nprint(y)", "seed-04-y"),
    grad("print(y.grad_fn)", "seed-05-grad-fn"),
    grad("z = y * y * 3\nout = z.mean()\n\nprint(z,out)", "seed-06-out"),
    md("""
**What the widget adds: the graph of `out`.** Open the widget's *Graph* tab above: `out` (green)
comes from `MeanBackward0`, which takes the gradient to the two `MulBackward0` nodes of
`z = y * y * 3`, then to `AddBackward0` of `y = x + 2` and to `AccumulateGrad`, which writes it
into the leaf `x` (blue). Click a node to see its inputs and saved tensors; after `backward()`
it also shows the gradient that flowed through it.
""", "md-graph-of-out"),
    grad("""
a = torch.randn(2,2)
a = ((a * 3)/(a - 1))
print(a.requires_grad)
a.requires_grad_(True)
print(a.requires_grad)
b = (a * a).sum()
print(b.grad_fn)
""", "seed-07-a"),
    grad("out.backward() # d(out)/dx", "seed-08-backward"),
    grad("print(x.grad)", "seed-09-x-grad"),
    md("""
得到矩阵 4.5.将 out叫做 Tensor “$o$”.\\
*We get a matrix of 4.5. Call the tensor `out` “$o$”.*

得到 $o = \\frac{1}{4}\\sum_i z_i$, $z_i = 3(x_i+2)^2$ 和 $z_i\\bigr\\rvert_{x_i=1} = 27$.\\
*We have $o = \\frac{1}{4}\\sum_i z_i$, $z_i = 3(x_i+2)^2$ and $z_i\\bigr\\rvert_{x_i=1} = 27$.*

因此, $\\frac{\\partial o}{\\partial x_i} = \\frac{3}{2}(x_i+2)$, 则 $\\frac{\\partial o}{\\partial x_i}\\bigr\\rvert_{x_i=1} = \\frac{9}{2} = 4.5$.\\
*Therefore $\\frac{\\partial o}{\\partial x_i} = \\frac{3}{2}(x_i+2)$, so $\\frac{\\partial o}{\\partial x_i}\\bigr\\rvert_{x_i=1} = \\frac{9}{2} = 4.5$.*

The widget under `out.backward()` shows the same in its *Gradients* tab: `x.grad` is 4.5
everywhere.
""", "md-4-5"),
    md("## 2. Backward from a non-scalar: the `gradient` argument", "md-part2"),
    grad("""
x = torch.randn(3,requires_grad=True)

y = x * 2
while y.data.norm() < 1000:
    y = y * 2
    
print(y)
""", "seed-10-loop"),
    md("""
The loop above builds one `MulBackward0` per doubling: the *Graph* tab shows the whole chain.
(A graph of more than 300 nodes, or `--max-nodes N`, has its long chains folded into one node.)
""", "md-loop"),
    grad("""
gradients = torch.tensor([0.1,1.0,0.0001],dtype=torch.float)
y.backward(gradients)

print(x.grad)
""", "seed-11-vjp"),
    md("""
The comments in the next cell: a tensor is computed element by element, not as linear-algebra
matrices (so `a*b == b*a`); a scalar is a tensor of order 0, a vector of order 1, a matrix of
order 2; a tensor with one element needs no argument to `backward()`, while one with more needs
a `gradient` argument of the same shape.
""", "md-comments-12"),
    grad("""
print(x.requires_grad)
print((x ** 2).requires_grad)

with torch.no_grad():
    print((x ** 2).requires_grad)
    
# 张量计算，不是线性代数里的矩阵运算，而且元素直接计算,比如a*b=b*a
# 我们可以将标量视为零阶张量，矢量视为一阶张量，那么矩阵就是二阶张量
# 如果Tensor是一个标量（即它包含一个元素数据）则不需要为backward()指定任何参数
# 然而如果它有更多的元素，你需要指定一个gradient 参数来匹配张量的形状
""", "seed-12-no-grad"),
    md("The engine reports a PyTorch version with its own suffix:", "md-version"),
    grad("torch.__version__", "seed-13-version"),
    md("## 3. `backward()` on a sum, leaves and `next_functions`", "md-part3"),
    grad("x = torch.rand(5,5,requires_grad=True)\nx", "seed-14-x"),
    grad("y = torch.rand(5,5,requires_grad=True)\ny", "seed-15-y"),
    md("""
The comment in the next cell: PyTorch tracks and records every operation on tensors; when the
computation is done, `.backward()` computes the gradients and stores them in the `grad` attribute.
""", "md-comments-17"),
    grad("z = torch.sum(x+y) # PyTorch会自动追踪和记录对与张量的所有操作，当计算完成后调用.backward()方法自动计算梯度并且将计算结果保存到grad属性中\nz", "seed-17-sum"),
    md("""
The comments in the next cell: a scalar tensor needs no argument to `backward()`; a tensor with
more elements needs a `gradient` argument of matching shape.
""", "md-comments-18"),
    grad("""
z.backward()
print(x.grad,y.grad)
# 如果Tensor类表示的是一个标量（即它包含一个元素的张量），则不需要为backward()指定任何参数
# 但是如果它有更多的元素，则需要指定一个gradient参数，它是形状匹配的张量
""", "seed-18-backward"),
    grad("""
x = torch.rand(5,5,requires_grad=True)
y = torch.rand(5,5,requires_grad=True)
z = x**2 + y**3
z
""", "seed-19-pow"),
    grad("z.backward(torch.ones_like(x))\nprint(x.grad)", "seed-20-backward"),
    grad("with torch.no_grad():\n    print((x + y * 2).requires_grad)", "seed-21-no-grad"),
    md("`dir()` lists an object's attributes and methods (the comment in the next cell):", "md-dir"),
    grad("dir(z) # Python的 dir() 返回参数的属性、方法列表", "seed-22-dir"),
    md("""
The comment in the next cell: `x` was created by hand, not computed, so it is a leaf (a variable
the user created); `z` was computed from `x` and `y`, so it is not a leaf (a result).
""", "md-comments-24"),
    grad("""
print("x.is_leaf="+str(x.is_leaf))
print("z.is_leaf="+str(z.is_leaf))
# x是手动创建的没有通过计算，所以他被认为是一个叶子节点也就是一个创建变量，而z是通过x与y的一系列计算得到的，所以不是叶子结点也就是结果变量
""", "seed-24-is-leaf"),
    md("""
**What the widget adds: the leaf flags** *(added)*. The *Tensors* tab has an `is_leaf` and a
`requires_grad` column for every tensor of the cell. A tensor the user made is a leaf whether it
requires grad or not; only leaves that require grad get an `AccumulateGrad` node and a `.grad`.
A tensor made by an op on tensors that require grad is not a leaf, and has a `grad_fn`.
""", "md-leaf-flags"),
    grad("""
w = torch.ones(3, requires_grad=True)  # made by the user, requires grad: a leaf with a .grad
c = torch.full((3,), 2.0)              # made by the user, needs no grad: a leaf, never in the graph
r = (w * c).sum()                      # made by ops: not a leaf, grad_fn=<SumBackward0>
r.backward()
print(w.is_leaf, c.is_leaf, r.is_leaf)
""", "added-leaf-flags"),
    grad("z.grad_fn", "seed-26-grad-fn"),
    grad("dir(z.grad_fn)", "seed-27-dir-grad-fn"),
    grad("z.grad_fn.next_functions", "seed-28-next-functions"),
    grad("""
xg = z.grad_fn.next_functions[0][0]
print(xg.next_functions)
dir(xg)
""", "seed-41-xg"),
    md("""
The tutorial's next cell has a typo (`next_funxtions`): it raises PyTorch's `AttributeError`, as it
did in the original. This cell is tagged `raises-exception`, so running the whole notebook goes on.
""", "md-typo"),
    grad("x_leaf = xg.next_funxtions[0][0]\ntype(x_leaf)", "seed-42-typo", tags=RAISES),
    md("*(added)* The same with the typo fixed: the leaf's `AccumulateGrad` node.", "md-typo-fixed"),
    grad("x_leaf = xg.next_functions[0][0]\ntype(x_leaf)", "added-typo-fixed"),
    md("Its `variable` is the leaf tensor `x` itself, the very same object:", "md-variable"),
    grad("x_leaf.variable", "seed-33-variable"),
    grad("""
print("x_leaf.variable的id:"+str(id(x_leaf.variable)))
print("x的id:"+str(id(x)))
""", "seed-34-ids"),
    grad("assert(id(x_leaf.variable)==id(x))", "seed-35-assert"),
    md("""
这样整个规程就很清晰了：\\
*Now the whole process is clear:*

1.当我们执行z.backward()的时候。这个操作将调用z里面的grad_fn这个属性，执行求导的操作。\\
*1. When we run `z.backward()`, it calls `z`'s `grad_fn` attribute, which computes the derivative.*

2.这个操作将遍历grad_fn的next_functions，然后分别取出里面的Function（AccumulateGrad），执行求导操作。这部分是一个递归的过程直到最后类型为叶子节点。\\
*2. This walks `grad_fn`'s `next_functions`, takes out each Function in it (`AccumulateGrad`) and
runs its derivative; this repeats, recursively, until it reaches the leaves.*

3.计算出结果以后，将结果保存到他们对应的variable 这个变量所引用的对象（x和y）的 grad这个属性里面。\\
*3. The results are stored in the `grad` attribute of the objects (`x` and `y`) that their
`variable` refers to.*

4.求导结束。所有的叶节点的grad变量都得到了相应的更新\\
*4. Differentiation is done: the `grad` of every leaf has been updated.*

最终当我们执行完c.backward()之后，a和b里面的grad值就得到了更新。\\
*So, after `c.backward()` has run, the `grad` values in `a` and `b` are updated.*
""", "md-process"),
    md("## 4. A custom `Function`", "md-part4"),
    md("""
一个自定义的Function需要一下三个方法：\\
*A custom Function needs the following three methods:*

    __init__ (optional)：如果这个操作需要额外的参数则需要定义这个Function的构造函数，不需要的话可以忽略。

*`__init__` (optional): if the operation needs extra parameters, define the Function's
constructor; otherwise leave it out.*

    forward()：执行前向传播的计算代码

*`forward()`: the code of the forward computation.*

    backward()：反向传播时梯度计算的代码。 参数的个数和forward返回值的个数一样，每个参数代表传回到此操作的梯度。

*`backward()`: the code computing the gradient in the backward pass. It takes as many arguments
as `forward` returns values; each is the gradient passed back to this operation.*
""", "md-function"),
    grad("from torch.autograd.function import Function", "seed-36-import-function"),
    md("""
The comments in the next cell: define an operation that multiplies a tensor by a constant; the
methods must be static, hence `@staticmethod`. `ctx` keeps information, much like `self`, and its
attributes can be used in `backward`. `backward` returns as many values as `forward` took inputs:
the first input is a 3x3 tensor, the second a constant, whose gradient must be `None`.
""", "md-comments-37"),
    grad(MUL_CONSTANT, "seed-37-mul-constant"),
    grad("""
a = torch.rand(3,3,requires_grad=True)
b = MulConstant.apply(a,5)
print("a:"+str(a))
print("b:"+str(b))
""", "seed-38-apply"),
    md("""
**What the widget adds: the custom Function's node.** In the *Graph* tab above, `b` comes from a
node named `MulConstantBackward`, the class name plus `Backward`, as PyTorch names it, between `b`
and `a`'s `AccumulateGrad`. Clicking it shows what `forward` kept on `ctx` for `backward`
(`ctx.constant: 5`, and `ctx.saved_tensors`). After `b.backward(...)` in the next cell, clicking
that node in the next widget shows the gradient that went in (all ones) and the one that came out
of the custom `backward`.
""", "md-custom-node"),
    grad("b.backward(torch.ones_like(a))", "seed-39-backward"),
    grad("a.grad", "seed-40-a-grad"),
    md("""
The custom `backward` passes `grad_output` through unchanged, so `a.grad` is all ones (and
not 5, the true derivative of `5 * a`: autograd trusts the Function's `backward`).

## 5. Options of `%%grad` *(added)*

`%%grad?` prints every option. The line magic `%grad` prints the current settings and changes
the defaults of later cells (for example `%grad --device cuda`, `%grad --no-graph`,
`%grad --reset`).
""", "md-options"),
    code("%grad", "added-line-magic"),
    md("""
### `--device`: one cell on the GPU

`%%grad --device cuda` runs one cell with `cuda` as the default device (`%grad --device cuda`
for every later cell). It needs a GPU and CuPy (`pip install 'grad-magic[cuda]'`). This notebook
was run on a machine without either, so the cell stops with a clear error before running
anything (it is tagged `raises-exception`); on a GPU machine it shows the tensors on `cuda:0`.
""", "md-device"),
    grad("""
g = torch.ones(2, 2, requires_grad=True)
h = (g * 3).sum()
h.backward()
print(g.device, g.grad)
""", "added-device-cuda", options="--device cuda", tags=RAISES),
    md("The same cell on the CPU:", "md-device-cpu"),
    grad("""
g = torch.ones(2, 2, requires_grad=True)
h = (g * 3).sum()
h.backward()
print(g.device, g.grad)
""", "added-device-cpu", options="--device cpu"),
    md("""
### `--roots`: which graphs to draw

By default the Graph tab draws the graphs of the cell's tensors that are not part of another
one's graph (here `loss`). `--roots` names the tensors whose graphs to draw instead, e.g. the
intermediate `hidden`:
""", "md-roots"),
    grad("""
inp = torch.rand(2, 3, requires_grad=True)
hidden = (inp * 2).relu()
loss = (hidden ** 2).mean()
""", "added-roots", options="--roots hidden"),
    md("""
### `--renderer`: the layout

The graph is laid out by Graphviz's `dot` where it is installed and by a built-in layout where it
is not, so a plain `pip install` draws it too. `--renderer builtin` or `--renderer graphviz`
chooses one. Here the built-in layout; the gradient `2w` shows the colour scale of values:
blue below zero, white at zero, red above, deeper the larger.
""", "md-renderer"),
    grad("""
w = torch.tensor([1.0, -2.0, 0.0, 3.0], requires_grad=True)
loss = (w ** 2).sum()
loss.backward()
""", "added-renderer", options="--renderer builtin"),
    md("""
### `--no-graph`: tensors and gradients only

For a cell whose graph is not of interest (or is large), `--no-graph` skips drawing it. Large
tensors are summarised (shape, range, mean, std, a histogram) rather than shown value by value.
""", "md-no-graph"),
    grad("""
big = torch.randn(100, 100, requires_grad=True)
loss = (big * big).mean()
loss.backward()
""", "added-no-graph", options="--no-graph"),
    md("""
### `--quiet`: no widget

`--quiet` shows nothing; `grad_magic.last_view()` still gives the cell's view as plain data:
""", "md-quiet"),
    grad("q = torch.ones(3, requires_grad=True) * 2", "added-quiet", options="--quiet"),
    code("""
import grad_magic
view = grad_magic.last_view()
[(row["name"], row["shape"], row["grad_fn"]) for row in view.tensors]
""", "added-last-view"),
    md("""
## 6. Backward, step by step *(added)*

The *Graph* tab of a cell that ran `backward()` can replay it: **◀ previous**, **next ▶** and the
slider go through the nodes in the order the engine ran them. The node being run is outlined in
purple in the graph, with the edges it sends gradients down; beside it are the gradient that
arrived, the node's rule (`MulBackward0`: grad * other to self, grad * self to other) and what it
sent to each input. An `AccumulateGrad` step shows the leaf's `.grad` before and after, so the
second of two `backward()` calls below shows the accumulation (18 + 18 = 36).

Tick **gradients on edges** to write on each edge the shape and norm of the gradient that went
along it; where two paths meet (`h * h` sends one down each of its two edges to `h`'s node),
their sum is written beside the node.
""", "md-steps"),
    grad("""
w = torch.ones(2, requires_grad=True)
h = w * 3
loss = (h * h).sum()
loss.backward(retain_graph=True)
loss.backward()
print(w.grad)
""", "added-steps"),
    md("""
`h` is not a leaf: its gradient went through its `grad_fn` and was not kept, and the *Gradients*
tab says so ("not kept (call .retain_grad())"). With `retain_grad()` it is kept. `backward` of a
non-scalar takes the gradient to start from, which is the first step's arriving gradient:
""", "md-retain-grad"),
    grad("""
v = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
u = v * 2
u.retain_grad()
u.backward(torch.tensor([0.1, 1.0, 0.0001]))
print(v.grad, u.grad)
""", "added-retain-grad"),
    md("""
## 7. What if, what went wrong, and PyTorch itself *(added)*

### `--interact`: what-if sliders

`%%grad --interact x` gives each element of a small leaf tensor (or a number) a slider. Moving
one runs the cell again with that value put in `x` right after the statement that makes it, and
redraws the same widget: values, graph and gradients. A re-run is not a new cell (no `In`/`Out`
entry, no new number), but it is a real run: the namespace ends as the latest one left it.
Here `x.grad` is `2 * x * k`; drag `x[0]` or `k` and watch the *Gradients* tab. (In a saved copy
of this notebook the sliders can't run: its static view lists their values.)
""", "md-interact"),
    grad("""
k = 3.0
x = torch.tensor([1.0, -2.0], requires_grad=True)
y = (k * x ** 2).sum()
y.backward()
print(y.item())
""", "added-interact", options="--interact x,k"),
    md("""
### When backward fails

A cell whose backward fails still shows its widget, which says in plain words what happened and
which tensor and node it was about, above the real traceback: here a second `backward()` through
a graph the first one freed (also explained: a tensor that does not require grad, a saved tensor
changed in place, a non-scalar start without a gradient). The cell is tagged `raises-exception`.
""", "md-failure"),
    grad("""
w = torch.ones(2, requires_grad=True)
out = (w * w).sum()
out.backward()
out.backward()  # the graph's saved tensors were freed by the first call
""", "added-backward-twice", tags=RAISES),
    md("""
### `--engine torch` and `--compare torch`

With PyTorch installed (`pip install torch`), `--engine torch` runs a cell on PyTorch itself and
shows the same widget from PyTorch's own graph; `--compare torch` runs it on both (ours in the
notebook's namespace, PyTorch's in a copy) and lists every value or gradient that differs in a
*Compare* tab. The two runs draw from generators seeded apart, so a tensor made by `torch.randn`
gets our values in PyTorch's run. Without PyTorch these cells say so and the notebook goes on
(they are tagged `raises-exception`).
""", "md-torch"),
    grad("""
x = torch.ones(2, 2, requires_grad=True)
out = (3 * (x + 2) ** 2).mean()
out.backward()
print(type(x), x.grad)
""", "added-engine-torch", options="--engine torch", tags=RAISES),
    grad("""
a = torch.randn(3, requires_grad=True)
b = torch.nn.functional.softmax(a * 2, dim=0)
loss = (b * torch.tensor([1.0, 2.0, 3.0])).sum()
loss.backward()
""", "added-compare", options="--compare torch", tags=RAISES),
]


def build():
    notebook = new_notebook(cells=CELLS)
    notebook.metadata.update({
        "kernelspec": {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"},
        "language_info": {"name": "python"},
    })
    nbformat.validate(notebook)
    return notebook


def execute(notebook, timeout=300):
    from nbclient import NotebookClient

    # No widget state in the saved file: with it, nbconvert and nbviewer draw the widgets from
    # their state (a blank space where the widget front end can't load) instead of the static
    # HTML that every widget output carries. JupyterLab shows that HTML too until the cell is run.
    NotebookClient(notebook, timeout=timeout, kernel_name="python3", store_widget_state=False,
                   resources={"metadata": {"path": str(ROOT)}}).execute()
    return notebook


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-run", action="store_true", help="write the notebook without executing it")
    parser.add_argument("--output", type=Path, default=NOTEBOOK)
    args = parser.parse_args(argv)
    notebook = build()
    if not args.no_run:
        execute(notebook)
    nbformat.write(notebook, args.output)
    print(f"wrote {args.output} ({len(notebook.cells)} cells{'' if args.no_run else ', executed'})")


if __name__ == "__main__":
    sys.exit(main())
