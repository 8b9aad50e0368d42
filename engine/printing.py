"""PyTorch's tensor printing, character for character, for the real dtypes.

`tensor_repr(t)` is what `repr(t)` and `str(t)` of the same torch tensor return. The steps follow
`torch/_tensor_str.py`: pick the values that will be shown (summarised with `...` above
`threshold` elements), let those values choose one formatter for the whole tensor (a common width,
and fixed, integer or scientific notation), lay the rows out nested and wrapped at `linewidth`, then
append the suffixes (device, size, dtype, grad_fn / requires_grad). `element_formatter(values)`
writes single elements as that print would, for views that lay values out themselves.

Print options are data (`PRINT_OPTS`), changed by `set_printoptions` or, for a while, by the
`printoptions(...)` context manager.
"""
import contextlib
import dataclasses
import math

import numpy as np

from . import backend, dtypes

PREFIX = "tensor("


# ---------------------------------------------------------------------------------------------
# Print options
# ---------------------------------------------------------------------------------------------

@dataclasses.dataclass
class PrinterOptions:
    precision: int = 4  # digits after the point (fixed) or in the mantissa (scientific)
    threshold: float = 1000  # more elements than this are summarised with `...`
    edgeitems: int = 3  # items kept at each end of a summarised dimension
    linewidth: int = 80  # characters per line before a row wraps
    sci_mode: bool | None = None  # None: chosen from the values


PRINT_OPTS = PrinterOptions()

_PROFILES = {
    "default": dict(precision=4, threshold=1000, edgeitems=3, linewidth=80),
    "short": dict(precision=2, threshold=1000, edgeitems=2, linewidth=80),
    "full": dict(precision=4, threshold=math.inf, edgeitems=3, linewidth=80),
}


def set_printoptions(
    precision=None, threshold=None, edgeitems=None, linewidth=None, profile=None, sci_mode=None
):
    """As `torch.set_printoptions`: a profile ('default', 'short', 'full') first, then overrides.

    As in PyTorch, an unknown profile is ignored, and every call sets `sci_mode` (back to None,
    automatic, unless given).
    """
    for name, value in _PROFILES.get(profile, {}).items():
        setattr(PRINT_OPTS, name, value)
    overrides = dict(
        precision=precision, threshold=threshold, edgeitems=edgeitems, linewidth=linewidth
    )
    for name, value in overrides.items():
        if value is not None:
            setattr(PRINT_OPTS, name, value)
    PRINT_OPTS.sci_mode = sci_mode


def get_printoptions():
    """The current options, as keyword arguments for `set_printoptions`."""
    return dataclasses.asdict(PRINT_OPTS)


@contextlib.contextmanager
def printoptions(**kwargs):
    """Change the print options inside a `with` block; the old ones come back however it ends."""
    saved = get_printoptions()
    set_printoptions(**kwargs)
    try:
        yield
    finally:
        set_printoptions(**saved)


# ---------------------------------------------------------------------------------------------
# One formatter per tensor: a common width and a notation, chosen from the values shown
# ---------------------------------------------------------------------------------------------

class _Formatter:
    """Turns each element into text of one common width.

    Floats use one of three notations, chosen from the nonzero finite values: integer-valued
    (`3.`), fixed (`3.1416`) or scientific (`3.1416e+00`). Integers and bools print as Python does.
    """

    def __init__(self, shown, floating):
        self.floating = floating
        self.int_mode = True
        self.sci_mode = False
        if floating:
            self.width = self._fit_floats(shown)
        else:
            self.width = max((len(str(value)) for value in shown.ravel().tolist()), default=1)

    def _fit_floats(self, shown):
        """Choose the notation from the nonzero finite values; return the width they need."""
        nonzero_finite = shown[np.isfinite(shown) & (shown != 0)]
        if nonzero_finite.size == 0:
            # NOTE: only zeros, nan and inf: PyTorch keeps integer mode even when sci_mode is set.
            return 1
        self.int_mode = bool(np.all(nonzero_finite == np.ceil(nonzero_finite)))
        self.sci_mode = _wants_scientific(nonzero_finite)
        return max(len(self._finite_text(value)) for value in nonzero_finite.tolist())

    def format(self, value):
        """The element `value` (a Python number or bool), right-aligned to the common width."""
        if not self.floating:
            text = str(value)
        elif self.sci_mode or not self.int_mode:
            text = self._finite_text(value)
        else:
            text = f"{value:.0f}"
            if math.isfinite(value):
                text += "."  # the point says "floating point" although the value is whole
        return text.rjust(self.width)

    def _finite_text(self, value):
        precision = PRINT_OPTS.precision
        if self.sci_mode:
            return f"{value:.{precision}e}"
        if self.int_mode:
            return f"{value:.0f}."
        return f"{value:.{precision}f}"


def _wants_scientific(nonzero_finite):
    """PyTorch's switch: a wide range of magnitudes, or very large or very small ones."""
    if PRINT_OPTS.sci_mode is not None:
        return PRINT_OPTS.sci_mode
    magnitudes = np.abs(nonzero_finite).astype(np.float64)
    smallest, largest = magnitudes.min(), magnitudes.max()
    return bool(largest / smallest > 1000.0 or largest > 1.0e8 or smallest < 1.0e-4)


# ---------------------------------------------------------------------------------------------
# Summarisation: which indices along a dimension are shown
# ---------------------------------------------------------------------------------------------

def _shown_indices(length, summarize):
    """Indices shown along a dimension of `length`, with None where `...` stands for the rest."""
    edge = PRINT_OPTS.edgeitems
    if not summarize or length <= 2 * edge:
        return list(range(length))
    return list(range(edge)) + [None] + list(range(length - edge, length))


def _shown_values(values):
    """The values a summarised print shows; they alone choose the formatter."""
    if values.ndim == 0:
        return values
    kept = [[i for i in _shown_indices(n, True) if i is not None] for n in values.shape]
    return values[np.ix_(*kept)]


# ---------------------------------------------------------------------------------------------
# Layout: scalars, rows wrapped at the line width, nested brackets
# ---------------------------------------------------------------------------------------------

def _vector_str(row, indent, summarize, formatter):
    """A 1-d row: `[a, b, c,` wrapped to fit the line width, continued under the first element."""
    # NOTE: a row's `...` follows an extra space, except when it stands alone (edgeitems=0)
    ellipsis = " ..." if PRINT_OPTS.edgeitems else "..."
    items = [
        ellipsis if i is None else formatter.format(row[i].item())
        for i in _shown_indices(len(row), summarize)
    ]
    per_line = max(1, math.floor((PRINT_OPTS.linewidth - indent) / (formatter.width + 2)))
    lines = [", ".join(items[i : i + per_line]) for i in range(0, len(items), per_line)]
    return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"


def _nested_str(values, indent, summarize, formatter):
    """Any number of dimensions; sub-tensors of a k-d tensor are separated by k-1 blank lines."""
    if values.ndim == 0:
        return formatter.format(values.item())
    if values.ndim == 1:
        return _vector_str(values, indent, summarize, formatter)
    parts = [
        "..." if i is None else _nested_str(values[i], indent + 1, summarize, formatter)
        for i in _shown_indices(len(values), summarize)
    ]
    separator = "," + "\n" * (values.ndim - 1) + " " * (indent + 1)
    return "[" + separator.join(parts) + "]"


def _values_str(values, floating, indent):
    """The bracketed values of a tensor whose text starts `indent` characters into the line."""
    if values.size == 0:
        return "[]"
    summarize = values.size > PRINT_OPTS.threshold
    formatter = _Formatter(_shown_values(values) if summarize else values, floating)
    return _nested_str(values, indent, summarize, formatter)


# ---------------------------------------------------------------------------------------------
# Suffixes: device, size, dtype, autograd
# ---------------------------------------------------------------------------------------------

def _device_suffixes(device):
    if device.type == "cpu":
        return []
    index = 0 if device.index is None else device.index  # a tensor always lives on a numbered GPU
    return [f"device='{device.type}:{index}'"]


def _size_and_dtype_suffixes(t, empty):
    """Size when the values don't show it; dtype when it can't be inferred from the values."""
    dtype_name = t.dtype.name
    default_name = dtypes.get_default_dtype().name
    suffixes = []
    if empty:
        if len(t.shape) != 1:
            suffixes.append(f"size={tuple(t.shape)}")
        # NOTE: with no values to infer int64 or bool from, only the default float goes unsaid
        shows_dtype = dtype_name != default_name
    else:
        if not PRINT_OPTS.edgeitems:
            suffixes.append(f"size={tuple(t.shape)}")
        shows_dtype = dtype_name not in (default_name, "int64", "bool")
    if shows_dtype:
        suffixes.append(f"dtype={t.dtype!r}")
    return suffixes


def _autograd_suffixes(t):
    if t.grad_fn is not None:
        return [f"grad_fn=<{t.grad_fn.name()}>"]
    if t.requires_grad:
        return ["requires_grad=True"]
    return []


def _add_suffixes(text, suffixes, indent):
    """Append `, suffix` to the last line, or start a new indented line for one that won't fit."""
    # NOTE: PyTorch's measure of the last line is one or two too long; kept for identical wrapping.
    last_line_len = len(text) - text.rfind("\n") + 1
    parts = [text]
    for suffix in suffixes:
        if last_line_len + len(suffix) + 2 > PRINT_OPTS.linewidth:
            parts.append(",\n" + " " * indent + suffix)
            last_line_len = indent + len(suffix)
        else:
            parts.append(", " + suffix)
            last_line_len += len(suffix) + 2
    return "".join(parts) + ")"


# ---------------------------------------------------------------------------------------------
# Entry points
# ---------------------------------------------------------------------------------------------

def tensor_repr(t):
    """What `repr(t)` and `str(t)` of the same PyTorch tensor return."""
    values = np.asarray(backend.to_host(t._data))
    indent = len(PREFIX)
    body = _values_str(values, t.dtype.is_floating_point, indent)
    suffixes = (
        _device_suffixes(t.device)
        + _size_and_dtype_suffixes(t, empty=values.size == 0)
        + _autograd_suffixes(t)
    )
    return _add_suffixes(PREFIX + body, suffixes, indent)


def element_formatter(values, summarize=None):
    """value -> its text as a print of the numpy array `values` writes that element, without
    the padding to a common width: `3.`, `4.5000`, `1.0240e+02`, `7`, `True`.

    One notation serves all elements, chosen from the values the print shows: the edges when it
    is summarised (`summarize`; by default, above PRINT_OPTS.threshold elements).
    """
    if summarize is None:
        summarize = values.size > PRINT_OPTS.threshold
    formatter = _Formatter(_shown_values(values) if summarize else values, values.dtype.kind == "f")
    return lambda value: formatter.format(value).strip()
