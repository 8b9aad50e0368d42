"""`%%grad --interact x,w`: what-if sliders; moving one runs the cell again with the new value.

Each named value gets one slider per element: a small leaf tensor (at most MAX_ELEMENTS
elements, of a number dtype) or a Python number. A slider's range is fixed around the value the
cell's first run gave (RANGE below), so that it doesn't move under the pointer.

Moving a slider re-runs the cell in the user's namespace with the sliders' values swapped in
right after the statement that makes the name (grad_magic.substitute explains where), then
redraws values, graph and gradients in the same widget. A re-run is not a new cell: no In/Out
entry, no new execution count, no output; what it prints is shown in the widget, an exception
too (one line). It is a real run, though: the namespace ends as the latest re-run left it, and
what the cell does to tensors of earlier cells (a `.grad` accumulated into, an in-place change)
happens again at each move.

The Interaction holds the cell's Plan, the slider values as numpy arrays and the widget: no
tensor, so the graphs of earlier runs go as soon as the namespace lets them go.
"""
import contextlib
import io
import math

import numpy as np

from . import cell as grad_cell
from .views.values import to_host

MAX_ELEMENTS = 16  # per tensor: one slider per element
MAX_SLIDERS = 32  # per cell
STDOUT_LIMIT = 4_000  # characters of a re-run's printed output kept for the widget


class Interaction:
    """The sliders of one cell and the re-runs they ask for."""

    def __init__(self, plan, names, view):
        """Check that each name can have sliders (OptionError, one line, when not) and put the
        controls in `view`."""
        namespace, engine = plan.shell.user_ns, plan.engine
        self.plan = plan
        self.values = {name: _values_of(name, namespace, engine) for name in names}
        count = sum(array.size for array, _ in self.values.values())
        if count > MAX_SLIDERS:
            raise grad_cell.OptionError(f"--interact: {count} sliders is too many (at most {MAX_SLIDERS})")
        self.controls = [control for name, (array, integer) in self.values.items()
                         for control in _controls(name, array, integer)]
        self.runs, self.widget = 0, None
        view.interact = self.data()

    def connect(self, widget):
        self.widget = widget
        widget.on_interact = self.move

    def data(self, stdout="", error=""):
        """What the widget shows: the sliders with their current values, and the latest re-run."""
        controls = []
        for control in self.controls:
            array, integer = self.values[control["name"]]
            value = float(array[tuple(control["index"])])
            controls.append({**control, "value": value, "text": _text(value, integer)})
        return {"controls": controls, "runs": self.runs, "stdout": stdout, "error": error}

    def move(self, name, index, value):
        """A slider moved: put `value` at `index` of `name` and run the cell again; the new view."""
        array, integer = self.values[name]
        index = tuple(index)
        if len(index) != array.ndim or not all(0 <= i < n for i, n in zip(index, array.shape)):
            raise ValueError(f"no slider {name}{list(index)}")
        array[index] = round(value) if integer else value
        return self.rerun()

    def rerun(self):
        self.runs += 1
        self.plan.swaps = {name: array.copy() for name, (array, _) in self.values.items()}
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed), contextlib.redirect_stderr(printed):
            try:
                view, error = grad_cell.run_once(self.plan, display=False)
            except grad_cell.OptionError as refused:  # a --roots name the re-run left unbound
                view, error = None, refused
        message = "" if error is None else f"{type(error).__name__}: {_first_line(error)}"
        if view is None:  # the cell failed in a way with no view: keep the last one, say why
            view = self.widget.view if self.widget is not None else None
        if view is not None:
            view.interact = self.data(printed.getvalue()[-STDOUT_LIMIT:], message)
            if self.widget is not None:
                self.widget.show_view(view)
        return view


def _first_line(error):
    text = str(error)
    return text.splitlines()[0] if text else ""


def _values_of(name, namespace, engine):
    """(host values as float64, whether they are integers) of a name that can have sliders."""
    if name not in namespace:
        raise grad_cell.OptionError(f"--interact: {name!r} is not defined after the cell ran")
    value = namespace[name]
    if isinstance(value, bool) or not (engine.is_tensor(value) or isinstance(value, (int, float))):
        raise grad_cell.OptionError(f"--interact: {name!r} is a {type(value).__name__}, not a tensor or a number")
    if not engine.is_tensor(value):
        return np.array(float(value)), isinstance(value, int)
    if not value.is_leaf:
        raise grad_cell.OptionError(f"--interact: {name!r} is not a leaf tensor (it comes from "
                                    f"{value.grad_fn.name()}); name a leaf it is computed from")
    if value.numel() > MAX_ELEMENTS:
        raise grad_cell.OptionError(f"--interact: {name!r} has {value.numel()} elements; sliders are "
                                    f"for tensors of at most {MAX_ELEMENTS}")
    dtype = value.dtype
    if getattr(dtype, "is_complex", False) or str(dtype) == "torch.bool":
        raise grad_cell.OptionError(f"--interact: {name!r} is a {dtype} tensor; sliders need real numbers")
    return to_host(value).astype(np.float64), not dtype.is_floating_point


def _controls(name, array, integer):
    """One slider per element: its label, index and range (fixed from the first run's value)."""
    controls = []
    for index in np.ndindex(array.shape):
        low, high, step = _range(float(array[index]), integer)
        label = name + (f"[{', '.join(map(str, index))}]" if index else "")
        controls.append({"name": name, "index": list(index), "label": label,
                         "min": low, "max": high, "step": step})
    return controls


def _range(value, integer):
    """The value ± max(1, |value|) in 100 steps (whole numbers for integers)."""
    if not math.isfinite(value):
        value = 0.0
    spread = max(1.0, abs(value))
    if integer:
        spread = max(5.0, math.ceil(spread))
        return value - spread, value + spread, 1.0
    return value - spread, value + spread, spread / 50


def _text(value, integer):
    return str(int(value)) if integer else f"{value:.4g}"
