"""`%%grad --compare torch`: the cell again on a real PyTorch, and every value or gradient that differs.

Our engine's run is the cell's own: it runs in the user's namespace and prints, displays and fails
as any cell does. PyTorch's run comes after it, silently (its prints are dropped), in a copy of
the namespace taken before the cell ran:

* tensors of earlier cells become PyTorch tensors with the same values, dtype, requires_grad and
  `.grad` (a non-leaf becomes a leaf there: its graph belongs to our engine);
* `torch`, and names bound to the engine's modules, classes and functions (`F`, `Function`), are
  PyTorch's own;
* everything else is shared, not copied: a cell that appends to a list appends twice, and magics
  or shell commands in the cell run twice;
* random numbers: each run draws from its own generator (ours computes as PyTorch's CPU one does,
  but the two are seeded apart, and a GPU's draws other numbers), so a name assigned by a
  statement that draws random numbers (torch.rand, randn, ...) gets our run's values in
  PyTorch's run, right after that statement (grad_magic.substitute). Random values not bound to
  a name can't be matched.

Then each tensor of the view is compared by name: shape, dtype, requires_grad, is_leaf, the
grad_fn's name, values and `.grad`, the numbers within torch.testing.assert_close's tolerances
for the dtype.
"""
import contextlib
import importlib
import io
import types

import numpy as np

from . import substitute
from .views.values import to_host

# (rtol, atol) by dtype, as torch.testing.assert_close has them
TOLERANCES = {"float16": (1e-3, 1e-5), "bfloat16": (1.6e-2, 1e-5), "float32": (1.3e-6, 1e-5),
              "float64": (1e-7, 1e-7)}
_SHELL_OWN = ("In", "Out", "get_ipython", "exit", "quit")


class Comparison:
    """Made before our run (it copies the namespace then); `record` is called at each swap place
    of our run; `finish` runs PyTorch's and compares."""

    def __init__(self, namespace, ours, theirs, body, swapped_names=()):
        self.ours, self.theirs = ours, theirs
        random_names = substitute.drawn_at_random(body, substitute.swap_places(body, _assigned(body)))
        self.names = list(dict.fromkeys([*random_names, *swapped_names]))
        self.places = substitute.swap_places(body, self.names)
        self.twin = twin_namespace(namespace, ours, theirs)
        self.recorded = {}  # name -> host values our run had at the name's swap place

    def record(self, namespace, name):
        value = namespace.get(name)
        if self.ours.is_tensor(value) and value.is_leaf:
            self.recorded[name] = to_host(value).copy()
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            self.recorded[name] = np.asarray(value)

    def finish(self, shell, cell, shown, device_context):
        """Run the cell on PyTorch and compare with `shown` (name -> our tensor): plain data."""
        swapped, error = [], ""
        try:
            with device_context, contextlib.redirect_stdout(io.StringIO()), \
                    contextlib.redirect_stderr(io.StringIO()):
                substitute.run(shell, cell, self.twin, self.places,
                               lambda name: self._swap(name, swapped), display=False)
        except Exception as failed:  # noqa: BLE001 - PyTorch's run failing is a finding, not our failure
            error = f"{type(failed).__name__}: {str(failed).splitlines()[0] if str(failed) else ''}"
        data = {"against": self.theirs.label, "error": error, "swapped": swapped}
        data.update(({"checked": [], "differences": []} if error else
                     compare_tensors(shown, self.twin, self.ours, self.theirs)))
        data["summary"] = _summary(data)
        problems = len(data["differences"]) + bool(error)
        data["tab"] = f"Compare ({problems})" if problems else "Compare ✓"
        self.twin = None  # PyTorch's tensors and graphs go with it
        return data

    def _swap(self, name, swapped):
        if name not in self.recorded or name not in self.twin:
            return
        try:
            self.twin[name] = substitute.replacement(self.twin[name], self.recorded[name],
                                                     self.theirs.module, self.theirs.is_tensor)
            swapped.append(name)
        except substitute.SwapError:
            pass  # PyTorch's run made something else of the name: the comparison will show it


def _assigned(body):
    return set().union(*(substitute.assigned_names(s) for s in body)) if body else set()


# --- the copy PyTorch runs in ----------------------------------------------------------------------
def twin_namespace(namespace, ours, theirs):
    """A shallow copy of the namespace for PyTorch's run: our tensors and modules made theirs."""
    made = {}  # id(our tensor) -> its PyTorch copy, so two names for one tensor stay one
    twin = {}
    for name, value in list(namespace.items()):
        if name in _SHELL_OWN:
            twin[name] = value
        elif ours.is_tensor(value):
            twin[name] = _as_theirs(value, theirs.module, made)
        else:
            twin[name] = _counterpart(value, ours.module, theirs.module)
    twin["torch"] = theirs.module
    return twin


def _as_theirs(tensor, torch, made):
    if id(tensor) not in made:
        dtype = getattr(torch, str(tensor.dtype).rpartition(".")[2])
        copy = torch.tensor(to_host(tensor), dtype=dtype).requires_grad_(bool(tensor.requires_grad))
        grad = tensor.grad if tensor.is_leaf else None
        if grad is not None:
            copy.grad = torch.tensor(to_host(grad), dtype=dtype)
        made[id(tensor)] = copy
    return made[id(tensor)]


def _counterpart(value, engine, torch):
    """PyTorch's module, class or function of the same name as an engine's one; else `value`."""
    prefix = engine.__name__
    if isinstance(value, types.ModuleType):
        name = value.__name__
        if name == prefix or name.startswith(prefix + "."):
            return _import("torch" + name[len(prefix):]) or value
        return value
    module = getattr(value, "__module__", None)
    if isinstance(module, str) and (module == prefix or module.startswith(prefix + ".")):
        home = _import("torch" + module[len(prefix):])
        found = home
        for part in getattr(value, "__qualname__", "").split("."):
            found = getattr(found, part, None)
        if found is not None:
            return found
    return value


def _import(name):
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


# --- comparing ----------------------------------------------------------------------------------
def _grad_of(tensor):
    if tensor.is_leaf or getattr(tensor, "retains_grad", False):
        return tensor.grad
    return None


def compare_tensors(shown, twin, ours, theirs):
    """{"checked": a row per tensor, "differences": a row per value or property that differs}."""
    checked, differences = [], []
    for name, tensor in shown.items():
        other = twin.get(name)
        if not theirs.is_tensor(other):
            found = "unbound" if name not in twin else type(other).__name__
            differences.append(_difference(name, "tensor", "a tensor", f"{found} in PyTorch's run"))
            continue
        found = _properties(name, tensor, other)
        values_diff = _numbers(name, "values", tensor, other, found)
        grad_diff = _gradients(name, _grad_of(tensor), _grad_of(other), found)
        differences += found
        checked.append({"name": name, "values_diff": values_diff, "grad_diff": grad_diff,
                        "values_text": _diff_text(values_diff), "grad_text": _diff_text(grad_diff),
                        "same": not found})
    return {"checked": checked, "differences": differences}


def _difference(name, what, ours, theirs, max_abs_diff=None):
    return {"name": name, "what": what, "ours": ours, "theirs": theirs, "max_abs_diff": max_abs_diff,
            "diff_text": _diff_text(max_abs_diff)}


def _diff_text(diff):
    return "—" if diff is None else "0" if diff == 0 else f"{diff:.3g}"


def _properties(name, ours, theirs):
    found = []
    for what, read in (("shape", lambda t: str(tuple(int(s) for s in t.shape))),
                       ("dtype", lambda t: str(t.dtype)),
                       ("requires_grad", lambda t: str(bool(t.requires_grad))),
                       ("is_leaf", lambda t: str(bool(t.is_leaf))),
                       ("grad_fn", lambda t: t.grad_fn.name() if t.grad_fn is not None else "None")):
        mine, other = read(ours), read(theirs)
        if mine != other:
            found.append(_difference(name, what, mine, other))
    return found


def _gradients(name, ours, theirs, found):
    if ours is None and theirs is None:
        return None
    if ours is None or theirs is None:
        state = lambda g: "not computed" if g is None else "computed"  # noqa: E731
        found.append(_difference(name, "gradient", state(ours), state(theirs)))
        return None
    return _numbers(name, "gradient", ours, theirs, found)


def _numbers(name, what, ours, theirs, found):
    """The max abs diff of two tensors' values (None when shapes differ); a row in `found` when
    they differ beyond the tolerance."""
    a, b = to_host(ours), to_host(theirs)
    if a.shape != b.shape:
        return None
    if not a.size:
        return 0.0
    if a.dtype.kind in "biu" and b.dtype.kind in "biu":
        diff = float(np.max(np.abs(a.astype(np.float64) - b.astype(np.float64))))
        if diff:
            found.append(_difference(name, what, _short(a), _short(b), diff))
        return diff
    a, b = a.astype(np.float64), b.astype(np.float64)
    rtol, atol = TOLERANCES.get(str(ours.dtype).rpartition(".")[2], (0.0, 0.0))
    same_nan = np.isnan(a) & np.isnan(b)
    with np.errstate(invalid="ignore"):
        gaps = np.where(same_nan | (a == b), 0.0, np.abs(a - b))  # a == b: equal infinities
    gaps = np.where(np.isnan(gaps), np.inf, gaps)  # NaN against a number
    diff = float(gaps.max())
    if np.any(gaps > atol + rtol * np.abs(np.where(np.isfinite(b), b, 0.0))):
        found.append(_difference(name, what, _short(a), _short(b), diff))
    return diff


def _short(array, count=6):
    """The first few values, for a row that says they differ."""
    flat = array.reshape(-1)
    text = ", ".join(f"{value:.4g}" for value in flat[:count].tolist())
    return f"[{text}{', …' if flat.size > count else ''}]"


def _summary(data):
    if data["error"]:
        return f"{data['against']} raised where our engine did not: {data['error']}"
    tensors = len(data["checked"])
    grads = sum(row["grad_diff"] is not None for row in data["checked"])
    counted = f"{tensors} tensor{'s' * (tensors != 1)} and {grads} gradient{'s' * (grads != 1)}"
    if not data["differences"]:
        return f"{counted}: all match {data['against']}"
    return f"{counted} compared: {len(data['differences'])} difference(s) from {data['against']}"
