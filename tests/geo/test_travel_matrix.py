"""TravelMatrix: validation, read-only arrays, long format."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from planner.core.errors import InputError
from planner.geo import TravelMatrix


@pytest.mark.parametrize(
    ("dist", "words"),
    [
        ([[1.0, np.nan]], ["origin 0, destination 1", "distance_m", "nan"]),
        ([[1.0], [-2.0]], ["origin 1, destination 0", "-2.0"]),
        ([[np.inf]], ["origin 0, destination 0", "inf"]),
        ([1.0, 2.0], ["2-d"]),
    ],
)
def test_bad_values_are_named(dist: list[object], words: list[str]) -> None:
    """NaN, negative, infinite values and wrong shapes raise InputError."""
    a = np.array(dist, dtype=float)
    with pytest.raises(InputError) as e:
        TravelMatrix(a, np.zeros_like(a))
    for w in words:
        assert w in str(e.value)


def test_shape_mismatch_and_dtype() -> None:
    """Both arrays must have one shape and a numeric dtype."""
    with pytest.raises(InputError, match="shape of distance_m"):
        TravelMatrix(np.zeros((2, 2)), np.zeros((2, 3)))
    with pytest.raises(InputError, match="numeric"):
        TravelMatrix(np.array([["a"]]), np.array([["b"]]))


def test_arrays_are_read_only_and_replace_revalidates() -> None:
    """Arrays are read-only; dataclasses.replace validates again."""
    tm = TravelMatrix(np.ones((2, 2)), np.ones((2, 2)))
    with pytest.raises(ValueError, match="read-only"):
        tm.distance_m[0, 0] = 5.0
    with pytest.raises(InputError):
        dataclasses.replace(tm, duration_min=-np.ones((2, 2)))
    ints = TravelMatrix(np.ones((1, 1), dtype=int), np.ones((1, 1), dtype=int))
    assert ints.distance_m.dtype == np.float64


def test_to_frame_is_long_format() -> None:
    """to_frame lists every pair, rows first."""
    tm = TravelMatrix(np.array([[1.0, 2.0], [3.0, 4.0]]), np.zeros((2, 2)))
    f = tm.to_frame(["a", "b"], ["x", "y"])
    assert f["origin_id"].tolist() == ["a", "a", "b", "b"]
    assert f["destination_id"].tolist() == ["x", "y", "x", "y"]
    assert f["distance_m"].tolist() == [1.0, 2.0, 3.0, 4.0]
    with pytest.raises(InputError, match="2 and 2 ids"):
        tm.to_frame(["a"], ["x", "y"])
