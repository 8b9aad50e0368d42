"""What `%%grad` costs: the time it adds to a seed cell, and the time to build a view of big graphs.

    python -m bench.bench_magic

Prints numbers; asserts nothing (timings belong here, never in a test). The target for the seed
cell is under 50 ms added. Everything runs in one process through a real IPython shell, with the
display publisher formatting the widget's bundle (text and HTML) as a front end would ask it to.
"""
import contextlib
import io
import statistics
import time

from IPython.core.interactiveshell import InteractiveShell
from traitlets.config import Config

import engine
from grad_magic.settings import Settings, dot_binary, renderer_status
from grad_magic.views import build_view
from grad_magic.views.widget import GradWidget

SEED_CELL = """x = torch.ones(2,2,requires_grad=True)
y = x + 2
z = y * y * 3
out = z.mean()
out.backward()
print(x.grad)
"""

CHAIN = """h = torch.ones(4, requires_grad=True)
for _ in range({n}):
    h = h * 1.0001
"""

# Each step adds a product to the running sum: nodes with two inputs, so nothing folds into a chain.
BRANCHING = """x = torch.ones(4, requires_grad=True)
h = x * 1.0
for i in range({n}):
    h = h + x * float(i)
"""


def median_ms(run, repeats):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


def quietly(shell, code):
    with contextlib.redirect_stdout(io.StringIO()):
        result = shell.run_cell(code, store_history=True)
    if not result.success:
        raise RuntimeError(f"cell failed: {result.error_in_exec!r}")


def seed_cell_overhead(shell, repeats=40):
    shell.user_ns["torch"] = engine  # the plain run: the same code on the engine, no magic
    quietly(shell, SEED_CELL)
    quietly(shell, "%%grad\n" + SEED_CELL)  # warm up imports
    plain = median_ms(lambda: quietly(shell, SEED_CELL), repeats)
    print(f"seed cell, {'plain:':<29}{plain:8.2f} ms")
    runs = ["", "--renderer builtin", "--quiet"] + (["--renderer graphviz"] if dot_binary() else [])
    for options in runs:
        magic = median_ms(lambda: quietly(shell, f"%%grad {options}\n" + SEED_CELL), repeats)
        label = f"%%grad {options}".strip() + ":"
        print(f"seed cell, {label:<29}{magic:8.2f} ms   (+{magic - plain:.2f} ms; target < 50 ms)")
    print(f"  (renderer {renderer_status('auto')})")


def big_cell_overhead(shell, n=100_000, repeats=3):
    code = CHAIN.format(n=n) + "loss = h.sum()\n"
    plain = median_ms(lambda: quietly(shell, code), repeats)
    magic = median_ms(lambda: quietly(shell, "%%grad\n" + code), repeats)
    print(f"cell making a {n}-op chain: plain {plain:8.1f} ms, %%grad {magic:8.1f} ms (+{magic - plain:.1f} ms)")


def graph_of(code, n):
    namespace = {"torch": engine}
    exec(code.format(n=n), namespace)
    return namespace["h"]


def view_build(repeats=3):
    settings = Settings()
    for kind, code, steps in [("chain", CHAIN, (8, 1_000, 100_000)), ("branching", BRANCHING, (3, 500, 50_000))]:
        for n in steps:
            h = graph_of(code, n)
            shown, names = {"h": h}, {id(h): "h"}
            build = median_ms(lambda: build_view("bench", shown, shown, names, settings), repeats)
            view = build_view("bench", shown, shown, names, settings)
            widget = median_ms(lambda: GradWidget(view), repeats)
            bundle = median_ms(lambda: GradWidget(view)._repr_mimebundle_(), repeats)
            size = len(view.graph["nodes"]) + view.graph["hidden"]
            print(f"{kind:>9} graph of ~{size:>7} nodes: build_view {build:8.1f} ms, widget {widget:5.1f} ms, "
                  f"widget + text/html bundle {bundle:6.1f} ms  (drawn: {len(view.graph['nodes'])} nodes, "
                  f"{view.graph['renderer']})")


def main():
    config = Config()
    config.HistoryManager.hist_file = ":memory:"  # IPython's own history writes are not ours to time
    shell = InteractiveShell.instance(config=config, colors="nocolor")
    shell.run_cell("%load_ext grad_magic")
    print(f"engine {engine.__version__}")
    seed_cell_overhead(shell)
    big_cell_overhead(shell)
    view_build()


if __name__ == "__main__":
    main()
