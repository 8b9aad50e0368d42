"""A tensor's values as the views show them, computed in Python from a host copy.

Small tensors (up to 2-D, a few hundred elements) become a grid of numbers, each written as
PyTorch prints it and coloured on a diverging scale (blue negative, white zero, red positive).
Larger ones become a one-line summary in the manner of lovely-tensors: shape, range, mean, std,
NaN/Inf counts and a small histogram, plus the leading values. Three and more dimensions are cut
into 2-D slices chosen by an index over the leading dimensions. Everything returned is plain
Python (str, float, int, list, dict).
"""
import math

import numpy as np

from engine import printing

GRID_LIMIT = 400  # a 2-D slice with at most this many elements is shown as a grid
HEAD = 10  # leading values shown with a summary
BINS = 16
STATS_SAMPLE = 2_000_000  # the histogram of a bigger tensor is taken from an even sample
FORMAT_SAMPLE = 100_000  # above this many elements the notation is chosen from a print's edges
SPARKS = "▁▂▃▄▅▆▇█"


def to_host(tensor):
    """The tensor's values as a numpy array in host memory (a copy when it lives on a GPU)."""
    tensor = tensor.detach()
    if str(tensor.device) != "cpu":
        tensor = tensor.cpu()
    try:
        return np.asarray(tensor.numpy())
    except TypeError:  # a real PyTorch dtype numpy lacks (bfloat16): its values are exact in float32
        return np.asarray(tensor.float().numpy())


# --- numbers: as PyTorch prints them ----------------------------------------------------------
def element_formatter(array):
    """value -> its text as PyTorch prints it among the elements of this whole array.

    PyTorch chooses one notation for a whole tensor from the values its print shows: whole
    floats as `27.`, fixed `4.5000`, or scientific `1.0240e+02` when magnitudes span a wide
    range; integers and bools as Python writes them. The engine's printer does exactly that, so
    it decides here too (user print options included), without the padding a grid doesn't need.
    """
    # above FORMAT_SAMPLE elements the edges decide, as in a summarised print, even where the
    # options print every value: choosing among all of them costs a Python format each
    summarize = array.size > min(printing.PRINT_OPTS.threshold, FORMAT_SAMPLE)
    return printing.element_formatter(array, summarize)


def format_values(values):
    """The texts of a list of numbers, written together as one tensor's elements."""
    array = np.asarray(values)
    fmt = element_formatter(array)
    return [fmt(value) for value in array.tolist()]


def format_number(value):
    """One number as PyTorch prints a tensor holding only it: 4.5000, 27., 1.0240e+02, 3, True."""
    return format_values([value])[0]


# --- colours: a diverging scale centred at zero -----------------------------------------------
_POSITIVE = (214, 96, 77)  # ColorBrewer RdBu's mid red and blue: clear, never alarming
_NEGATIVE = (67, 147, 195)
_STRONGEST = 0.85  # the largest |value| of a tensor gets this much colour over white
_CALM = 0.2  # every value of the tensor is the same: a pale tint of its sign, nothing to compare
_NAN = "#bdbdbd"
_INF = {True: "#b2182b", False: "#2166ac"}


def _mix(rgb, amount):
    """White mixed with `rgb` by `amount` in [0, 1], as #rrggbb."""
    r, g, b = (round(255 + (c - 255) * amount) for c in rgb)
    return f"#{r:02x}{g:02x}{b:02x}"


def _luminance(hex_colour):
    """WCAG relative luminance of #rrggbb."""
    def linear(channel):
        c = int(channel, 16) / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(hex_colour[i:i + 2]) for i in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def text_colour(background):
    """Black or white, whichever contrasts more with the background."""
    light = _luminance(background)
    return "#000000" if (light + 0.05) / 0.05 >= 1.05 / (light + 0.05) else "#ffffff"


def colour(value, scale):
    """(background, text colour) of a value; |value| == scale is full colour.

    scale 0 (or None) means every value of the tensor is this one: with nothing to compare, a
    pale tint of its sign.
    """
    value = float(value)
    if math.isnan(value):
        background = _NAN
    elif math.isinf(value):
        background = _INF[value > 0]
    elif value == 0:
        background = "#ffffff"
    else:
        amount = _CALM if not scale else min(abs(value) / scale, 1.0) * _STRONGEST
        background = _mix(_POSITIVE if value > 0 else _NEGATIVE, amount)
    return background, text_colour(background)


def colour_scale(stats):
    """The scale of a tensor for `colour`: its largest finite |value|, or 0 if all are the same."""
    if stats is None or stats["min"] is None or stats["min"] == stats["max"]:
        return 0.0
    return max(abs(stats["min"]), abs(stats["max"]))


def _cell(value, fmt, scale):
    background, foreground = colour(value, scale)
    return {"text": fmt(value), "bg": background, "fg": foreground}


# --- grids and summaries ------------------------------------------------------------------------
def grid(array, fmt=None, scale=None):
    """Rows of cells for a 0-, 1- or 2-D array; 0-D and 1-D are one row.

    fmt and scale are those of the whole tensor the array is cut from (by default, its own).
    """
    fmt = fmt or element_formatter(array)
    if scale is None:
        scale = colour_scale(statistics(array)) if array.size else 0.0
    return [[_cell(value, fmt, scale) for value in row.tolist()] for row in np.atleast_2d(array)]


def statistics(array):
    """min, max, mean, std over finite values; NaN and Inf counts; a histogram of the finite values."""
    values = array.reshape(-1)
    if values.dtype.kind != "f":
        values = values.astype(np.float64)
    finite_mask = np.isfinite(values)
    all_finite = bool(finite_mask.all())
    finite = values if all_finite else values[finite_mask]
    nan = 0 if all_finite else int(np.isnan(values).sum())
    stats = {"numel": int(values.size), "nan": nan, "inf": int(values.size - finite.size - nan)}
    if finite.size == 0:
        return {**stats, "min": None, "max": None, "mean": None, "std": None, "histogram": [0] * BINS}
    low, high = float(finite.min()), float(finite.max())
    return {
        **stats,
        "min": low,
        "max": high,
        "mean": float(finite.mean(dtype=np.float64)),
        "std": float(finite.std(dtype=np.float64)),
        "histogram": histogram(finite[:: max(1, finite.size // STATS_SAMPLE)], low, high),
    }


def histogram(values, low, high):
    """Counts of values in BINS equal bins over [low, high]; (about) one value fills the middle bin."""
    if high - low <= 1e-9 * max(1.0, abs(low), abs(high)):
        counts = [0] * BINS
        counts[BINS // 2] = int(values.size)
        return counts
    bins = ((values.astype(np.float64) - low) * (BINS / (high - low))).astype(np.int64)
    np.minimum(bins, BINS - 1, out=bins)
    return np.bincount(bins, minlength=BINS).tolist()


def sparkline(counts):
    top = max(counts) if counts else 0
    if top == 0:
        return ""
    return "".join(" " if c == 0 else SPARKS[(c * len(SPARKS) - 1) // top] for c in counts)


def summary_line(shape, stats, element=format_number):
    """`[1000, 1000] n=1000000 x∈[-4.9190, 4.7834] μ=0.0012 σ=1.0001 ▁▂▅█▅▂▁` with NaN!/Inf! counts.

    element writes min and max as elements of the tensor; the mean and std (over the finite
    values, std with n in the denominator) each as PyTorch prints a one-number tensor.
    """
    parts = [f"[{', '.join(map(str, shape))}]", f"n={stats['numel']}"]
    if stats["min"] is not None:
        parts.append(f"x∈[{element(stats['min'])}, {element(stats['max'])}]")
        parts.append(f"μ={format_number(stats['mean'])}")
        parts.append(f"σ={format_number(stats['std'])}")
    if stats["nan"]:
        parts.append(f"NaN!{stats['nan']}")
    if stats["inf"]:
        parts.append(f"Inf!{stats['inf']}")
    spark = sparkline(stats["histogram"])
    if spark:
        parts.append(spark)
    return " ".join(parts)


def _plane(array, index):
    """The 2-D slice `array[index]` of an array of 3 or more dimensions."""
    return array[tuple(index)]


def _show(array, fmt, scale):
    """The grid, or else the leading values, of an array of at most 2 dimensions."""
    if array.size <= GRID_LIMIT:
        return {"rows": grid(array, fmt, scale), "head": []}
    return {"rows": [], "head": [fmt(v) for v in array.reshape(-1)[:HEAD].tolist()]}


def describe_array(array, index=None):
    """The values block of a view: summary, grid or leading values, and the slicer if any.

    Numbers and colours are chosen from the whole array, so every slice of it reads alike.
    """
    if not array.size:
        return {"summary": f"[{', '.join(map(str, array.shape))}] empty", "stats": None, "sparkline": "",
                "slicer": None, "rows": [], "head": []}
    stats = statistics(array)
    fmt = element_formatter(array)
    block = {
        "summary": summary_line(array.shape, stats, lambda value: fmt(array.dtype.type(value).item())),
        "stats": stats,
        "sparkline": sparkline(stats["histogram"]),
        "slicer": None,
    }
    if array.ndim >= 3:
        leading = list(array.shape[:-2])
        index = list(index) if index is not None else [0] * len(leading)
        block["slicer"] = {"dims": leading, "index": index}
        array = _plane(array, index)
    return {**block, **_show(array, fmt, colour_scale(stats))}


def clamp_index(dims, index):
    """An index over `dims` from user input, each entry brought into range."""
    index = list(index)[: len(dims)] + [0] * max(0, len(dims) - len(index))
    return [min(max(int(i), 0), d - 1) for i, d in zip(index, dims)]
