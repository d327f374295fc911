"""dispatch_problem_from_geodataframes: the problem of the same tables, any CRS, GeoParquet."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from planner.core.errors import InputError
from planner.routing import dispatch_problem_from_geodataframes, solve_dispatch
from planner.routing.tables import problem_from_tables, read_dispatch_table

DAY = dt.date(2026, 7, 15)


def _tables() -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(3)
    n = 12
    tk = pd.DataFrame(
        {
            "id": [f"J{i}" for i in range(n)],
            "lon": 24.9 + rng.uniform(0, 0.1, n),
            "lat": 60.15 + rng.uniform(0, 0.05, n),
            "service_min": rng.integers(20, 60, n),
            "tw_start": ["08:00"] * n,
            "tw_end": ["16:00"] * n,
        }
    )
    tw = pd.DataFrame(
        {
            "id": ["T1", "T2"],
            "lon": [24.92, 24.97],
            "lat": [60.16, 60.18],
            "shift_start": ["08:00", "08:00"],
            "shift_end": ["16:00", "16:00"],
        }
    )
    return tk, tw


def _geo(df: pd.DataFrame, crs: int) -> gpd.GeoDataFrame:
    g = gpd.GeoDataFrame(
        df.drop(columns=["lon", "lat"]),
        geometry=gpd.points_from_xy(df["lon"], df["lat"]),
        crs=4326,
    )
    return g.to_crs(crs)


def test_frames_in_metres_give_the_problem_of_the_lonlat_tables() -> None:
    """EPSG:3067 frames: the same matrices as the CSV-style tables with lon/lat."""
    tk, tw = _tables()
    want = problem_from_tables(tk, tw, DAY)
    got = dispatch_problem_from_geodataframes(_geo(tk, 3067), _geo(tw, 3067), DAY)
    np.testing.assert_allclose(got.duration_min, want.duration_min, atol=1e-6)
    np.testing.assert_allclose(got.distance_m, want.distance_m, atol=1e-3)
    assert list(got.job_ids) == list(want.job_ids)
    plan = solve_dispatch(got, max_iterations=100)
    assert plan.n_served + len(plan.unassigned_frame()) == len(tk)


def test_geoparquet_reads_as_the_frame(tmp_path: Path) -> None:
    """A GeoParquet file (EPSG:3067) read by the dispatch reader: same problem."""
    tk, tw = _tables()
    _geo(tk, 3067).to_parquet(tmp_path / "tickets.parquet")
    _geo(tw, 3067).to_parquet(tmp_path / "techs.parquet")
    a = read_dispatch_table(tmp_path / "tickets.parquet", "tickets")
    b = read_dispatch_table(tmp_path / "techs.parquet", "technicians")
    got = problem_from_tables(a, b, DAY)
    want = problem_from_tables(tk, tw, DAY)
    np.testing.assert_allclose(got.duration_min, want.duration_min, atol=1e-6)


def test_frame_without_crs_is_refused() -> None:
    """No CRS: one InputError naming the frame, not a silent degree/metre mix-up."""
    tk, tw = _tables()
    g = _geo(tk, 4326).set_crs(None, allow_override=True)
    with pytest.raises(InputError, match="tickets: crs must be set"):
        dispatch_problem_from_geodataframes(g, _geo(tw, 4326), DAY)
    with pytest.raises(InputError, match="day must be YYYY-MM-DD"):
        dispatch_problem_from_geodataframes(_geo(tk, 4326), _geo(tw, 4326), "15.7.")
