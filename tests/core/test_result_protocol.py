"""The shared result folder format, KPI rows and cost breakdowns."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from planner.core import CostBreakdown, CostCategory, InputError
from planner.core.result import (
    KPI_COLUMNS,
    SolverStats,
    kpi_frame,
    read_result,
    write_result,
)


def test_write_read_round_trip(tmp_path):
    """Meta (with nan and numpy values) and frames come back as written."""
    df = pd.DataFrame({"a": [1, 2], "b": [0.5, np.nan]})
    out = write_result(
        tmp_path / "r",
        kind="Thing",
        version=2,
        meta={"x": np.float64("inf"), "n": np.int64(3), "arr": np.arange(2)},
        frames={"table": df},
    )
    assert out == tmp_path / "r"
    meta, frames = read_result(out, kind="Thing", versions=(1, 2))
    assert meta == {"x": float("inf"), "n": 3, "arr": [0, 1]}
    pd.testing.assert_frame_equal(frames["table"], df)
    head = json.loads((out / "result.json").read_text())
    assert head["format"] == "planner.Thing"
    assert head["version"] == 2


def test_write_refuses_existing_path(tmp_path):
    """Results are never written over an existing path."""
    (tmp_path / "r").mkdir()
    with pytest.raises(InputError, match="does not exist yet"):
        write_result(tmp_path / "r", kind="Thing", version=1, meta={})


def test_write_refuses_reserved_meta_keys(tmp_path):
    """``format``, ``version`` and ``frames`` belong to the folder format."""
    with pytest.raises(InputError, match="reserved"):
        write_result(tmp_path / "r", kind="Thing", version=1, meta={"version": 3})
    assert not (tmp_path / "r").exists()


@pytest.mark.parametrize(
    ("setup", "match"),
    [
        ("missing", "nothing there"),
        ("file", "a file"),
        ("empty_dir", "without it"),
        ("bad_json", "valid JSON"),
        ("other_kind", "format must be 'planner.Thing'"),
        ("new_version", "version must be 1"),
        ("bad_parquet", "readable Parquet"),
    ],
)
def test_read_names_the_problem(tmp_path, setup, match):
    """Every way a folder can be wrong is one InputError naming the path."""
    p = tmp_path / "r"
    if setup == "file":
        p.write_text("x")
    elif setup == "empty_dir":
        p.mkdir()
    elif setup == "bad_json":
        p.mkdir()
        (p / "result.json").write_text("{not json")
    elif setup in ("other_kind", "new_version", "bad_parquet"):
        write_result(
            p,
            kind="Other" if setup == "other_kind" else "Thing",
            version=9 if setup == "new_version" else 1,
            meta={},
            frames={"t": pd.DataFrame({"a": [1]})},
        )
        if setup == "bad_parquet":
            (p / "t.parquet").write_bytes(b"garbage")
    with pytest.raises(InputError, match=match) as e:
        read_result(p, kind="Thing")
    assert str(p) in str(e.value)


def test_kpi_frame_rows():
    """Deterministic rows get a zero-width interval and one replication."""
    df = kpi_frame(
        [("open", 3, "outlets"), ("sla", 0.9, 0.85, 0.95, 5, "share")], prefix="x_"
    )
    assert tuple(df.columns) == KPI_COLUMNS
    assert df["kpi"].tolist() == ["x_open", "x_sla"]
    assert df.loc[0, ["mean", "ci_low", "ci_high"]].tolist() == [3.0, 3.0, 3.0]
    assert df["n_reps"].tolist() == [1, 5]
    with pytest.raises(InputError):
        kpi_frame([("bad", 1.0)])  # type: ignore[list-item]


def test_solver_stats_round_trip_and_legacy_keys():
    """Stats written by to_dict come back equal; the flat older form reads too."""
    s = SolverStats("highs", 1.25, 7, 3, {"nodes": 12, "gap": float("nan")})
    back = SolverStats.from_dict(json.loads(json.dumps(s.to_dict())))
    assert (back.solver, back.n_iterations, back.seed) == ("highs", 7, 3)
    assert back.extra["nodes"] == 12
    assert np.isnan(back.extra["gap"])
    legacy = {"solver": "x", "runtime_s": 1, "n_iterations": 0, "seed": None}
    assert SolverStats.from_dict({**legacy, "extra.k": 5}).extra == {"k": 5}
    with pytest.raises(InputError, match="stats"):
        SolverStats.from_dict({"runtime_s": 1.0})


def test_cost_breakdown_periods_and_errors():
    """Periods must agree to add; unknown categories are an InputError."""
    day = CostBreakdown({"holding": 1.0}, period_days=1.0)
    year = day.per_year()
    assert year.period_days == 365.0
    assert year["holding"] == 365.0
    with pytest.raises(InputError, match="equal periods"):
        _ = day + year
    assert (day + CostBreakdown({"labour": 2.0})).period_days == 1.0
    with pytest.raises(InputError, match="cost category"):
        CostBreakdown({"lunch": 1.0})
    with pytest.raises(InputError, match="finite"):
        CostBreakdown({"labour": float("inf")})
    with pytest.raises(InputError, match="period_days"):
        CostBreakdown({}).per_year()
    f = CostBreakdown({"labour": 3.0, "penalty": 1.0}).to_frame()
    assert len(f) == len(CostCategory)
    assert f["amount"].sum() == 4.0
    assert (
        CostBreakdown({"labour": 3.0, "penalty": 1.0}).total_excluding_penalties == 3.0
    )
