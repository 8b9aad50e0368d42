"""How values are shown: numbers as PyTorch prints them, colours, grids, summaries, histograms, slices."""
import math
import re

import numpy as np
import pytest

import engine
from engine.printing import printoptions
from grad_magic.views.values import (
    BINS, FORMAT_SAMPLE, GRID_LIMIT, clamp_index, colour, describe_array, element_formatter,
    format_number, statistics, to_host,
)

NAN, INF = float("nan"), float("inf")

# Tensors whose printed notation differs: whole floats, fixed, scientific (wide range, tiny, huge),
# negative zero, nan and inf among finite values, half precision, integers and bools.
PRINTED = [
    ([[1.0, 2.0], [3.0, 27.0]], "float32"),
    ([[4.5, 4.5], [4.5, 4.5]], "float32"),
    ([1.0240e02, 1.0240e03, 1.0240e-01], "float32"),
    ([1e-5, 1.0, -3.25], "float32"),
    ([2e9, 1.0], "float64"),
    ([[1.5, NAN], [INF, -2.0]], "float32"),
    ([-0.0, 0.0, 7.0], "float32"),
    ([0.1, 0.2, 0.3], "float16"),
    ([0.0, 0.0], "float32"),
    ([[3, -12], [100, 0]], "int64"),
    ([True, False], "bool"),
]


def texts(block):
    return [[cell["text"] for cell in row] for row in block["rows"]]


def printed_elements(tensor):
    """The elements of `repr(tensor)` (of a tensor printed in full), as written."""
    body = repr(tensor)
    body = body[body.index("["):body.rindex("]") + 1]
    return re.findall(r"-?(?:inf|nan|\d+\.?\d*(?:e[+-]\d+)?)|True|False", body)


def grid_elements(block):
    return [text for row in texts(block) for text in row]


def test_numbers_are_written_as_pytorch_prints_a_tensor_holding_them():
    assert [format_number(v) for v in (4.5, 27.0, 0.123456, 1234567.0, -0.00001)] == [
        "4.5000", "27.", "0.1235", "1234567.", "-1.0000e-05"]
    assert [format_number(v) for v in (NAN, INF, -INF, 3, True)] == ["nan", "inf", "-inf", "3", "True"]


@pytest.mark.parametrize("values, dtype", PRINTED)
def test_a_grid_writes_each_element_as_the_engines_print_does(values, dtype):
    tensor = engine.tensor(values, dtype=getattr(engine, dtype))
    assert grid_elements(describe_array(to_host(tensor))) == printed_elements(tensor)


@pytest.mark.parametrize("values, dtype", PRINTED + [([0.1, 0.25], "bfloat16")])
def test_real_pytorch_tensors_read_as_pytorch_prints_them(values, dtype):
    torch = pytest.importorskip("torch")
    tensor = torch.tensor(values, dtype=getattr(torch, dtype))
    assert grid_elements(describe_array(to_host(tensor))) == printed_elements(tensor)


def test_the_notation_is_the_whole_tensors_in_every_slice():
    # Slice 0 holds whole numbers only, but the tensor prints 1.0000 because of 5.5 in slice 1.
    array = np.array([[[1.0, 2.0], [3.0, 4.0]], [[5.5, 6.0], [7.0, 8.0]]], dtype=np.float32)
    assert texts(describe_array(array, [0])) == [["1.0000", "2.0000"], ["3.0000", "4.0000"]]
    assert texts(describe_array(array, [1]))[0] == ["5.5000", "6.0000"]


def test_a_summary_writes_its_values_as_the_summarised_print_does():
    torch = pytest.importorskip("torch")
    tensor = torch.arange(GRID_LIMIT + 1, dtype=torch.float32) / 4
    block = describe_array(to_host(tensor))
    assert block["head"][:3] == printed_elements(tensor)[:3] == ["0.0000", "0.2500", "0.5000"]
    assert block["summary"].startswith(f"[{GRID_LIMIT + 1}] n={GRID_LIMIT + 1} x∈[0.0000, 100.0000] μ=50. σ=28.9396")
    integers = describe_array(np.arange(GRID_LIMIT + 1))
    assert integers["head"][:3] == ["0", "1", "2"] and "x∈[0, 400]" in integers["summary"]


def test_above_format_sample_the_edges_choose_the_notation_even_for_a_full_print():
    array = np.ones(FORMAT_SAMPLE + 1)
    array[FORMAT_SAMPLE // 2] = 0.5  # in full, the print would write 1.0000; its edges are whole
    with printoptions(profile="full"):
        assert element_formatter(array)(1.0) == "1."
        assert element_formatter(array[:FORMAT_SAMPLE])(1.0) == "1.0000"


# --- colours --------------------------------------------------------------------------------------
def luminance(hex_colour):
    def linear(c):
        c = int(c, 16) / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (linear(hex_colour[i:i + 2]) for i in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a, b):
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def redness(hex_colour):
    return int(hex_colour[1:3], 16) - int(hex_colour[5:7], 16)


def test_colours_diverge_from_white_at_zero():
    assert colour(0.0, 1.0)[0] == "#ffffff"
    red, blue = colour(1.0, 1.0)[0], colour(-1.0, 1.0)[0]
    assert redness(red) > 0 > redness(blue)
    assert 0 < redness(colour(0.25, 1.0)[0]) < redness(colour(0.5, 1.0)[0]) < redness(red)  # |value| / max
    assert colour(NAN, 1.0)[0] == "#bdbdbd"


def test_every_background_keeps_its_text_legible():
    values = [v / 20 for v in range(-20, 21)] + [NAN, INF, -INF]
    for value in values:
        background, text = colour(value, 1.0)
        assert contrast(background, text) >= 4.5, (value, background, text)


def cells(block):
    return [cell for row in block["rows"] for cell in row]


def test_equal_values_and_scalars_are_a_calm_tint_not_the_strongest_colour():
    strongest = colour(1.0, 1.0)[0]
    for array in (np.float32(27.0), np.full((2, 2), 4.5, dtype=np.float32), np.ones(3)):
        backgrounds = {cell["bg"] for cell in cells(describe_array(array))}
        assert len(backgrounds) == 1
        (background,) = backgrounds
        assert background != strongest and luminance(background) > 0.7 and redness(background) > 0
    (negative,) = {cell["bg"] for cell in cells(describe_array(np.full(2, -3.0)))}
    assert luminance(negative) > 0.7 and redness(negative) < 0
    assert {cell["bg"] for cell in cells(describe_array(np.zeros(3)))} == {"#ffffff"}


def test_intensity_is_relative_to_the_whole_tensors_largest_magnitude():
    array = np.array([[[1.0, 2.0]], [[-4.0, 0.0]]])  # slice 0 is pale: the tensor's |max| is 4
    first = cells(describe_array(array, [0]))
    assert [cell["bg"] for cell in first] == [colour(1.0, 4.0)[0], colour(2.0, 4.0)[0]]
    assert cells(describe_array(array, [1]))[0]["bg"] == colour(-4.0, 4.0)[0]


# --- grids, summaries, slices -------------------------------------------------------------------
def test_small_tensors_are_grids_of_every_value():
    assert texts(describe_array(np.float32(2.5))) == [["2.5000"]]
    assert texts(describe_array(np.arange(3.0))) == [["0.", "1.", "2."]]
    block = describe_array(np.ones((2, 3)))
    assert texts(block) == [["1."] * 3] * 2 and block["head"] == [] and block["slicer"] is None


def test_larger_tensors_are_summarised_with_their_leading_values():
    block = describe_array(np.arange(GRID_LIMIT + 1, dtype=np.float32))
    assert block["rows"] == [] and block["head"][:3] == ["0.", "1.", "2."]
    assert block["summary"].startswith(f"[{GRID_LIMIT + 1}] n={GRID_LIMIT + 1} x∈[0., 400.]")


def test_statistics_count_nan_and_inf_and_skip_them():
    stats = statistics(np.array([1.0, 3.0, np.nan, np.inf, -np.inf]))
    assert (stats["nan"], stats["inf"], stats["min"], stats["max"], stats["mean"]) == (1, 2, 1.0, 3.0, 2.0)
    assert sum(stats["histogram"]) == 2 and len(stats["histogram"]) == BINS


def test_histograms_of_constant_and_huge_values():
    assert statistics(np.full(5, 2e7, dtype=np.float32))["histogram"][BINS // 2] == 5
    assert sum(statistics(np.array([1.0, np.nextafter(1.0, 2.0)]))["histogram"]) == 2
    assert statistics(np.array([np.nan]))["min"] is None


def test_booleans_and_integers():
    assert texts(describe_array(np.array([True, False]))) == [["True", "False"]]
    assert texts(describe_array(np.array([[1, -2]], dtype=np.int64))) == [["1", "-2"]]


def test_three_dimensions_are_sliced():
    array = np.arange(24.0).reshape(2, 3, 4)
    block = describe_array(array, [1])
    assert block["slicer"] == {"dims": [2], "index": [1]}
    assert texts(block)[0] == ["12.", "13.", "14.", "15."]
    assert clamp_index([2, 5], [9, -1]) == [1, 0] and clamp_index([2, 5], []) == [0, 0]


def test_empty_tensors():
    block = describe_array(np.zeros((0, 3)))
    assert block["rows"] == [] and block["summary"] == "[0, 3] empty"


def test_print_options_apply_to_the_views_too():
    with printoptions(precision=2):
        assert format_number(math.pi) == "3.14"
    assert format_number(math.pi) == "3.1416"
