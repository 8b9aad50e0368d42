"""A tensor's values as the views show them, computed in Python from a host copy.

Small tensors (up to 2-D, a few hundred elements) become a grid of formatted numbers coloured by
value (blue negative, white zero, red positive). Larger ones become a one-line summary in the
manner of lovely-tensors: shape, range, mean, std, NaN/Inf counts and a small histogram, plus the
leading values. Three and more dimensions are cut into 2-D slices chosen by an index over the
leading dimensions. Everything returned is plain Python (str, float, int, list, dict).
"""
import math

import numpy as np

GRID_LIMIT = 400  # a 2-D slice with at most this many elements is shown as a grid
HEAD = 10  # leading values shown with a summary
BINS = 16
STATS_SAMPLE = 2_000_000  # the histogram of a bigger tensor is taken from an even sample
SPARKS = "▁▂▃▄▅▆▇█"


def to_host(tensor):
    """The tensor's values as a numpy array in host memory (a copy when it lives on a GPU)."""
    tensor = tensor.detach()
    if str(tensor.device) != "cpu":
        tensor = tensor.cpu()
    return np.asarray(tensor.numpy())


# --- numbers and colours ------------------------------------------------------------------------
def format_number(value):
    if isinstance(value, (bool, np.bool_)):
        return "True" if value else "False"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    value = float(value)
    if math.isnan(value):
        return "nan"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return f"{value:.4g}"


def _mix(rgb, amount):
    """White mixed with `rgb` by `amount` in [0, 1], as #rrggbb."""
    r, g, b = (round(255 + (c - 255) * amount) for c in rgb)
    return f"#{r:02x}{g:02x}{b:02x}"


_POSITIVE = (178, 24, 43)
_NEGATIVE = (33, 102, 172)


def colour(value, scale):
    """(background, text colour) for a value, on a scale where `scale` is full colour."""
    value = float(value)
    if math.isnan(value):
        return "#bdbdbd", "#000000"
    if math.isinf(value):
        return ("#67001f" if value > 0 else "#053061"), "#ffffff"
    amount = 0.0 if scale == 0 else min(abs(value) / scale, 1.0) * 0.85
    background = _mix(_POSITIVE if value > 0 else _NEGATIVE, amount)
    return background, "#ffffff" if amount > 0.55 else "#000000"


def _cell(value, scale):
    background, foreground = colour(value, scale)
    return {"text": format_number(value), "bg": background, "fg": foreground}


def _scale(array):
    finite = np.abs(array[np.isfinite(array)]) if array.dtype.kind == "f" else np.abs(array)
    return float(finite.max()) if finite.size else 0.0


# --- grids and summaries ------------------------------------------------------------------------
def grid(array):
    """Rows of cells for a 0-, 1- or 2-D array; 0-D and 1-D are one row."""
    rows = np.atleast_2d(array).astype(np.float64) if array.dtype.kind != "b" else np.atleast_2d(array)
    scale = _scale(rows.astype(np.float64))
    return [[_cell(value, scale) for value in row.tolist()] for row in rows]


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


def summary_line(shape, stats):
    """`[1000, 1000] n=1000000 x∈[-4.9, 4.8] μ=0.0012 σ=1 ▁▂▅█▅▂▁` with NaN!/Inf! counts."""
    parts = [f"[{', '.join(map(str, shape))}]", f"n={stats['numel']}"]
    if stats["min"] is not None:
        parts.append(f"x∈[{format_number(stats['min'])}, {format_number(stats['max'])}]")
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


def _show(array):
    """The grid, or else the leading values, of an array of at most 2 dimensions."""
    if array.size <= GRID_LIMIT:
        return {"rows": grid(array), "head": []}
    return {"rows": [], "head": [format_number(v) for v in array.reshape(-1)[:HEAD].tolist()]}


def describe_array(array, index=None):
    """The values block of a view: summary, grid or leading values, and the slicer if any."""
    stats = statistics(array) if array.size else None
    block = {
        "summary": summary_line(array.shape, stats) if stats else f"[{', '.join(map(str, array.shape))}] empty",
        "stats": stats,
        "sparkline": sparkline(stats["histogram"]) if stats else "",
        "slicer": None,
        "rows": [],
        "head": [],
    }
    if not array.size:
        return block
    if array.ndim >= 3:
        leading = list(array.shape[:-2])
        index = list(index) if index is not None else [0] * len(leading)
        block["slicer"] = {"dims": leading, "index": index}
        return {**block, **_show(_plane(array, index))}
    return {**block, **_show(array)}


def clamp_index(dims, index):
    """An index over `dims` from user input, each entry brought into range."""
    index = list(index)[: len(dims)] + [0] * max(0, len(dims) - len(index))
    return [min(max(int(i), 0), d - 1) for i, d in zip(index, dims)]
