"""One `%%grad` cell, start to end: run it on an engine, then build and show its view.

The magic only parses options; this is the machinery, usable from Python as well:
`run_cell(shell, body, settings)` returns the cell's CellView (or raises what the cell raised).

A Plan is what a cell runs and how: its code, the engine (ours, with `torch` aliased to it, or
a real PyTorch: grad_magic.engines), the device, the roots, and values to swap in. One run of a
Plan (`run_once`) executes the cell in the user's namespace and builds its view:

* a cell whose backward failed still gets a view, with what went wrong in plain words
  (grad_magic.failure); run_cell shows it, then raises the cell's own exception;
* `--compare torch` runs the cell a second time on PyTorch and adds what differs
  (grad_magic.compare);
* `--interact x` keeps the Plan, so that a slider can run it again with other values in `x`
  (grad_magic.interact).
"""
import sys
from contextlib import contextmanager
from dataclasses import dataclass, field

from . import engines, execute, failure, gradflow, steps, substitute
from .compare import Comparison
from .snapshot import NamespaceSnapshot, default_roots, user_tensors

_latest = None  # the CellView of the latest %%grad cell (or re-run) that has one


def latest_view():
    return _latest


def engine_module():
    return engines.get(None).module


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


@dataclass
class Plan:
    """What a `%%grad` cell runs, and how: all it takes to run it again. Holds no tensor."""

    shell: object
    cell: object  # an execute.PreparedCell
    settings: object  # a Settings
    engine: engines.Engine
    title: str
    device: str | None = None
    roots: list | None = None  # --roots names
    compare_with: engines.Engine | None = None
    swaps: dict = field(default_factory=dict)  # name -> host values put in it (--interact)


def make_plan(shell, body, settings, device=None, roots=None, engine=None, compare=None):
    """A Plan for a cell body; OptionError when an engine asked for is not installed."""
    try:
        runs_on = engines.get(engine)
        compare_with = engines.get(compare) if compare else None
    except engines.EngineMissing as error:
        raise OptionError(f"--{'compare' if compare else 'engine'} torch: {error}") from None
    title = f"%%grad  In [{execute.cell_number(shell)}]"
    if runs_on.name != "grad_magic":
        title += f"  on {runs_on.label}"
    cell = execute.prepare(shell, body)
    return Plan(shell, cell, settings, runs_on, title, device, roots, compare_with)


def run_cell(shell, body, settings, device=None, roots=None, engine=None, compare=None, interact=None):
    """Run a `%%grad` cell body in the shell's namespace and show its view; returns the CellView.

    roots: names whose graphs to draw (default: the cell's tensors whose graphs no other contains).
    engine: None (ours) or "torch"; compare: None or "torch", the engine to run the cell again on;
    interact: names of small leaf tensors (or numbers) to give sliders.
    The cell's own exceptions propagate unchanged (after the view, when a backward failed); a
    failure to build the view after a cell that ran is reported in one line on stderr and
    leaves the cell a success.
    """
    global _latest
    __tracebackhide__ = True  # noqa: F841 - tracebacks go from the cell's line to the user's code
    _latest = None
    plan = make_plan(shell, body, settings, device, roots, engine, compare)
    view, error = run_once(plan)
    if error is not None:
        if view is not None:
            _show(view, plan.settings)
        raise error
    if view is None:
        return None
    interaction = None
    if interact:
        from .interact import Interaction

        interaction = Interaction(plan, interact, view)  # OptionError: a name that can't have sliders
    _show(view, plan.settings)
    if interaction is not None and view.widget is not None:
        interaction.connect(view.widget)
    return view


def run_once(plan, display=True):
    """Run the plan's cell once in the user's namespace: (view, the exception it raised or None).

    display: show the last expression as the cell's output (the first run), or not (a re-run).
    The view is None when it can't be built, or the cell failed in a way we can't explain.
    """
    global _latest
    __tracebackhide__ = True  # noqa: F841
    namespace, engine = plan.shell.user_ns, plan.engine
    snapshot = NamespaceSnapshot(namespace, engine.is_tensor)
    comparison = (Comparison(namespace, engine, plan.compare_with, plan.cell.body, plan.swaps)
                  if plan.compare_with else None)
    error = None
    with default_device(engine.module, plan.device), engine.context(namespace, plan.cell.source):
        with steps.recording(engine.module) as recorder:  # each backward call, step by step
            try:
                _execute(plan, comparison, display)
            except Exception as raised:  # noqa: BLE001 - given back to the caller to raise
                error = raised
    if error is not None:
        view = _failure_view(plan, snapshot, error, recorder)
    else:
        view = _view(plan, snapshot, recorder, comparison)
    _latest = view if view is not None else _latest
    return view, error


def _execute(plan, comparison, display):
    """Execute the cell; with names to swap (or record for the comparison), in pieces."""
    __tracebackhide__ = True  # noqa: F841
    shell, cell = plan.shell, plan.cell
    names = [*plan.swaps, *(comparison.names if comparison else ())]
    if display and not names:
        execute.run(shell, cell)
        return
    namespace, engine = shell.user_ns, plan.engine
    places = substitute.swap_places(cell.body, names)

    def at_place(name):
        if name in plan.swaps:
            if name not in namespace:
                line = substitute.line_of(cell.body, places[name])
                raise substitute.SwapError(f"{name} is not defined at line {line}")
            namespace[name] = substitute.replacement(namespace[name], plan.swaps[name],
                                                     engine.module, engine.is_tensor)
        if comparison is not None:
            comparison.record(namespace, name)

    substitute.run(shell, cell, namespace, places, at_place, display)


def _names(namespace, is_tensor):
    return {id(t): name for name, t in user_tensors(namespace, is_tensor).items()}


def _view(plan, snapshot, recorder, comparison):
    namespace, is_tensor = plan.shell.user_ns, plan.engine.is_tensor
    shown = snapshot.shown(namespace)
    chosen = pick_roots(namespace, plan.roots, is_tensor) if plan.roots else default_roots(shown)
    view = _built(plan, shown, chosen, _names(namespace, is_tensor), recorder)
    if view is not None and comparison is not None:
        view.compare = comparison.finish(plan.shell, plan.cell, shown,
                                         default_device(plan.compare_with.module, plan.device))
    return view


def _failure_view(plan, snapshot, error, recorder):
    """The view of a cell whose backward failed, with what went wrong; None for other errors."""
    namespace, is_tensor = plan.shell.user_ns, plan.engine.is_tensor
    names = _names(namespace, is_tensor)
    found = failure.explain(error, plan.cell, names, is_tensor, snapshot.touched(namespace))
    if found is None:
        return None
    shown = snapshot.shown(namespace)
    try:
        chosen = pick_roots(namespace, plan.roots, is_tensor) if plan.roots else default_roots(shown)
    except OptionError:
        chosen = {}
    tensor = found.tensor
    if tensor is not None and all(t is not tensor for t in shown.values()) and found.tensor_name:
        shown[found.tensor_name] = tensor
    if tensor is not None and tensor.requires_grad and all(t is not tensor for t in chosen.values()):
        chosen[found.tensor_name or "(backward's tensor)"] = tensor
    return _built(plan, shown, chosen, names, recorder, found)


def _built(plan, shown, roots, names, recorder, found=None):
    """The CellView, or None (said in one line on stderr) when drawing it fails."""
    from .views import build_view

    try:
        view = build_view(plan.title, shown, roots, names, plan.settings, recorder,
                          mark=found.node if found else None)
    except Exception as error:  # noqa: BLE001 - the user's cell ran; our drawing must not fail it
        print(f"grad_magic: no view for this cell ({type(error).__name__}: {error})", file=sys.stderr)
        return None
    if found is not None:
        view.failure = found.as_data((view.graph or {}).get("marked"))
    gradflow.watch([t.grad_fn for t in roots.values()])
    return view


def _show(view, settings):
    if settings.widget and not view.is_empty():
        show(view)


def show(view):
    from IPython.display import display

    from .views.widget import GradWidget

    view.widget = GradWidget(view)
    display(view.widget)
