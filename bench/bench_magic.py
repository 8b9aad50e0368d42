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
from grad_magic.settings import Settings
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
    magic = median_ms(lambda: quietly(shell, "%%grad\n" + SEED_CELL), repeats)
    quiet = median_ms(lambda: quietly(shell, "%%grad --quiet\n" + SEED_CELL), repeats)
    print(f"seed cell, plain:            {plain:8.2f} ms")
    print(f"seed cell, %%grad:           {magic:8.2f} ms   (+{magic - plain:.2f} ms; target < 50 ms)")
    print(f"seed cell, %%grad --quiet:   {quiet:8.2f} ms   (+{quiet - plain:.2f} ms)")


def big_cell_overhead(shell, n=100_000, repeats=3):
    code = CHAIN.format(n=n) + "loss = h.sum()\n"
    plain = median_ms(lambda: quietly(shell, code), repeats)
    magic = median_ms(lambda: quietly(shell, "%%grad\n" + code), repeats)
    print(f"cell making a {n}-op chain: plain {plain:8.1f} ms, %%grad {magic:8.1f} ms (+{magic - plain:.1f} ms)")


def chain(n):
    namespace = {"torch": engine}
    exec(CHAIN.format(n=n), namespace)
    return namespace["h"]


def view_build(sizes=(10, 1_000, 100_000), repeats=3):
    settings = Settings()
    for n in sizes:
        h = chain(n)
        shown, names = {"h": h}, {id(h): "h"}
        build = median_ms(lambda: build_view("bench", shown, shown, names, settings), repeats)
        view = build_view("bench", shown, shown, names, settings)
        widget = median_ms(lambda: GradWidget(view), repeats)
        bundle = median_ms(lambda: GradWidget(view)._repr_mimebundle_(), repeats)
        print(f"graph of {n + 2:>7} nodes: build_view {build:8.1f} ms, widget {widget:6.1f} ms, "
              f"widget + text/html bundle {bundle:7.1f} ms  (shown: {len(view.graph['nodes'])} nodes)")


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
