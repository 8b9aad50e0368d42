"""How values are shown: numbers, colours, grids, summaries, histograms, slices."""
import numpy as np

from grad_magic.views.values import (
    BINS, GRID_LIMIT, clamp_index, colour, describe_array, format_number, statistics,
)


def texts(block):
    return [[cell["text"] for cell in row] for row in block["rows"]]


def test_numbers():
    assert [format_number(v) for v in (4.5, 27.0, 0.123456, 1234567.0, -0.0001)] == [
        "4.5", "27", "0.1235", "1.235e+06", "-0.0001"]
    assert [format_number(v) for v in (float("nan"), float("inf"), -float("inf"), 3, True)] == [
        "nan", "inf", "-inf", "3", "True"]


def test_colours_go_blue_white_red():
    assert colour(0.0, 1.0) == ("#ffffff", "#000000")
    red, blue = colour(1.0, 1.0)[0], colour(-1.0, 1.0)[0]
    assert int(red[1:3], 16) > int(red[5:7], 16) and int(blue[5:7], 16) > int(blue[1:3], 16)
    assert colour(float("nan"), 1.0)[0] == "#bdbdbd"


def test_small_tensors_are_grids_of_every_value():
    assert texts(describe_array(np.float32(2.5))) == [["2.5"]]
    assert texts(describe_array(np.arange(3.0))) == [["0", "1", "2"]]
    block = describe_array(np.ones((2, 3)))
    assert texts(block) == [["1"] * 3] * 2 and block["head"] == [] and block["slicer"] is None


def test_larger_tensors_are_summarised_with_their_leading_values():
    block = describe_array(np.arange(GRID_LIMIT + 1, dtype=np.float32))
    assert block["rows"] == [] and block["head"][:3] == ["0", "1", "2"]
    assert block["summary"].startswith(f"[{GRID_LIMIT + 1}] n={GRID_LIMIT + 1} x∈[0, 400]")


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
    assert texts(block)[0] == ["12", "13", "14", "15"]
    assert clamp_index([2, 5], [9, -1]) == [1, 0] and clamp_index([2, 5], []) == [0, 0]


def test_empty_tensors():
    block = describe_array(np.zeros((0, 3)))
    assert block["rows"] == [] and block["summary"] == "[0, 3] empty"
