"""Matrix file model: round trips and bad files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from planner.core.errors import InputError
from planner.geo import GreatCircle, MatrixFile, TravelMatrix, TravelModel

ORIGINS = np.array([[24.94, 60.17], [24.95, 60.18], [24.90, 60.20]])
DESTS = np.array([[24.93, 60.16], [25.00, 60.21]])
O_IDS = ["depot", "7", "shop-3"]
D_IDS = ["a", "b"]


@pytest.fixture
def tm() -> TravelMatrix:
    """A 3 x 2 great-circle matrix with irrational-looking floats."""
    return GreatCircle().matrix(ORIGINS, DESTS)


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_round_trip_by_id(tmp_path: Path, tm: TravelMatrix, suffix: str) -> None:
    """write then read gives back the same floats, in any id order."""
    p = MatrixFile.write(tmp_path / f"m{suffix}", O_IDS, D_IDS, tm)
    mf = MatrixFile.from_file(p)
    assert mf.origin_ids == tuple(O_IDS)
    assert mf.destination_ids == tuple(D_IDS)
    back = mf.matrix_by_id(O_IDS, D_IDS)
    assert np.array_equal(back.distance_m, tm.distance_m)
    assert np.array_equal(back.duration_min, tm.duration_min)
    sub = mf.matrix_by_id(["shop-3", 7], ["b"])  # ids compared as text
    assert sub.duration_min.tolist() == [
        [tm.duration_min[2, 1]],
        [tm.duration_min[1, 1]],
    ]


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_round_trip_by_coordinates(
    tmp_path: Path, tm: TravelMatrix, suffix: str
) -> None:
    """With lon/lat columns, matrix(points) looks points up by coordinates."""
    p = MatrixFile.write(
        tmp_path / f"m{suffix}", O_IDS, D_IDS, tm, origins=ORIGINS, destinations=DESTS
    )
    mf = MatrixFile.from_file(p)
    assert isinstance(mf, TravelModel)
    back = mf.matrix(ORIGINS[::-1], DESTS)
    assert np.array_equal(back.duration_min, tm.duration_min[::-1])
    with pytest.raises(InputError, match=r"origins point 1 \(10.000000, 10.000000\)"):
        mf.matrix([[10.0, 10.0]], DESTS)


def test_matrix_without_coordinates_explains_matrix_by_id(
    tmp_path: Path, tm: TravelMatrix
) -> None:
    """A file of ids only cannot answer by coordinates: the message says what to use."""
    mf = MatrixFile.from_file(MatrixFile.write(tmp_path / "m.csv", O_IDS, D_IDS, tm))
    with pytest.raises(InputError, match="matrix_by_id"):
        mf.matrix(ORIGINS, DESTS)
    with pytest.raises(InputError, match=r"origin_ids item 2.*'nope'"):
        mf.matrix_by_id(["depot", "nope"], D_IDS)


def test_other_column_names(tmp_path: Path) -> None:
    """origin_col / destination_col rename the id columns."""
    p = tmp_path / "osrm.csv"
    p.write_text("from,to,distance_m,duration_min\n1,1,0,0\n1,2,500,1.5\n")
    mf = MatrixFile.from_file(p, origin_col="from", destination_col="to")
    assert mf.matrix_by_id([1], [2, 1]).distance_m.tolist() == [[500.0, 0.0]]


GOOD = "origin_id,destination_id,distance_m,duration_min\n"


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("origin_id,distance_m,duration_min\na,1,1\n", ["destination_id", "columns"]),
        (GOOD, ["at least one row"]),
        (GOOD + "a,x,1,1\na,y,,2\n", ["row 2", "distance_m", "empty"]),
        (GOOD + "a,x,1,1\na,y,2,-3\n", ["row 2", "duration_min", "-3"]),
        (GOOD + "a,x,1,1\na,y,2,fast\n", ["row 2", "duration_min", "fast"]),
        (GOOD + "a,x,1,1\nb,x,1,1\na,x,2,2\n", ["rows 1 and 3", "'a'", "'x'"]),
        (GOOD + "a,x,1,1\na,y,1,1\nb,x,1,1\n", ["'b'", "'y'", "1 of 4 pairs missing"]),
        (GOOD + "a,x,1,1\n,y,1,1\n", ["row 2", "origin_id"]),
        (
            GOOD[:-1] + ",origin_lon,origin_lat,destination_lon,destination_lat\n"
            "a,x,1,1,24,95,24,60\n",
            ["row 1", "origin_lat", "[-90, 90]"],
        ),
        (
            GOOD[:-1] + ",origin_lon\na,x,1,1,24\n",
            ["origin_lat", "all of"],
        ),
    ],
)
def test_bad_files_name_row_and_field(
    tmp_path: Path, text: str, words: list[str]
) -> None:
    """Each bad file gives one InputError naming the file, row and field."""
    p = tmp_path / "times.csv"
    p.write_text(text)
    with pytest.raises(InputError) as e:
        MatrixFile.from_file(p)
    msg = str(e.value)
    assert msg.startswith("times.csv")
    for w in words:
        assert w in msg, msg


def test_missing_unreadable_and_unknown_files(tmp_path: Path) -> None:
    """Missing file, garbage Parquet, unknown suffix: InputError with the name."""
    with pytest.raises(InputError, match=r"gone\.csv"):
        MatrixFile.from_file(tmp_path / "gone.csv")
    bad = tmp_path / "bad.parquet"
    bad.write_bytes(b"PAR1 not really")
    with pytest.raises(InputError, match=r"bad\.parquet.*readable Parquet"):
        MatrixFile.from_file(bad)
    other = tmp_path / "m.xlsx"
    other.write_text("x")
    with pytest.raises(InputError, match=r"m.xlsx.*\.csv, \.parquet"):
        MatrixFile.from_file(other)


def test_parquet_with_integer_ids(tmp_path: Path) -> None:
    """Integer ids in Parquet are matched as text."""
    frame = pd.DataFrame(
        {
            "origin_id": [1, 1, 2, 2],
            "destination_id": [10, 20, 10, 20],
            "distance_m": [1.0, 2.0, 3.0, 4.0],
            "duration_min": [0.1, 0.2, 0.3, 0.4],
        }
    )
    frame.to_parquet(tmp_path / "m.parquet")
    mf = MatrixFile.from_file(tmp_path / "m.parquet")
    assert mf.matrix_by_id([2], ["20"]).distance_m.tolist() == [[4.0]]


def test_write_is_atomic_on_bad_input(tmp_path: Path, tm: TravelMatrix) -> None:
    """A failed write leaves no file behind."""
    with pytest.raises(InputError):
        MatrixFile.write(tmp_path / "m.csv", O_IDS[:2], D_IDS, tm)
    assert list(tmp_path.iterdir()) == []
