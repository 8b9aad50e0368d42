"""One `%%grad` cell, start to end: run it with `torch` as the engine, then build and show its view.

The magic only parses options; this is the machinery, usable from Python as well:
`run_cell(shell, body, settings)` returns the cell's CellView (or raises what the cell raised).
"""
import sys
from contextlib import contextmanager

from . import execute, gradflow, steps
from .capture import TorchAlias
from .snapshot import NamespaceSnapshot, default_roots, user_tensors

_latest = None  # the CellView of the latest %%grad cell that ran to the end


def latest_view():
    return _latest


def engine_module():
    import engine

    return engine


class OptionError(Exception):
    """An option that can't be honoured: a device this machine lacks, a --roots name with no tensor."""


@contextmanager
def default_device(engine, device):
    """The engine's default device is `device` inside (unchanged when None)."""
    if device is None:
        yield
        return
    previous = engine.get_default_device()
    try:
        engine.set_default_device(device)
    except RuntimeError as error:  # the engine's own words: no CuPy, no GPU, a bad device string
        raise OptionError(str(error)) from None
    try:
        yield
    finally:
        engine.set_default_device(previous)


def pick_roots(namespace, names, is_tensor):
    roots = {}
    for name in names:
        value = namespace.get(name)
        if not is_tensor(value):
            what = "is not defined" if name not in namespace else f"is not a tensor (type {type(value).__name__})"
            raise OptionError(f"--roots: {name!r} {what}")
        roots[name] = value
    return roots


def run_cell(shell, body, settings, device=None, roots=None):
    """Run a `%%grad` cell body in the shell's namespace and show its view; returns the CellView.

    roots: names whose graphs to draw (default: the cell's tensors whose graphs no other contains).
    The cell's own exceptions propagate unchanged; a failure to build the view after a cell that
    ran is reported in one line on stderr and leaves the cell a success.
    """
    global _latest
    __tracebackhide__ = True  # noqa: F841 - tracebacks go from the cell's line to the user's code
    _latest = None
    engine = engine_module()
    is_tensor = lambda value: isinstance(value, engine.Tensor)  # noqa: E731
    namespace = shell.user_ns
    cell = execute.prepare(shell, body)
    snapshot = NamespaceSnapshot(namespace, is_tensor)
    with default_device(engine, device), TorchAlias(engine, namespace, cell.source):
        with steps.recording(engine) as recorder:  # each backward call, step by step
            execute.run(shell, cell)

    shown = snapshot.shown(namespace)
    chosen = pick_roots(namespace, roots, is_tensor) if roots else default_roots(shown)
    names = {id(t): name for name, t in user_tensors(namespace, is_tensor).items()}
    try:
        view = _view(execute.cell_number(shell), shown, chosen, names, settings, recorder)
    except Exception as error:  # noqa: BLE001 - the user's cell ran; our drawing must not fail it
        print(f"grad_magic: no view for this cell ({type(error).__name__}: {error})", file=sys.stderr)
        return None
    _latest = view
    return view


def _view(number, shown, roots, names, settings, recorder=None):
    from .views import build_view

    view = build_view(f"%%grad  In [{number}]", shown, roots, names, settings, recorder)
    gradflow.watch([t.grad_fn for t in roots.values()])
    if settings.widget and not view.is_empty():
        show(view)
    return view


def show(view):
    from IPython.display import display

    from .views.widget import GradWidget

    view.widget = GradWidget(view)
    display(view.widget)
