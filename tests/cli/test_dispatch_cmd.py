"""`planner dispatch` end to end through typer's CliRunner."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from planner.cli import app
from planner.routing import DispatchPlan, check_plan
from planner.routing.tables import problem_from_tables

# progress lines (log lines off a terminal) are not part of the error line
_LOG = re.compile(r"^\d\d:\d\d:\d\d (DEBUG|INFO|WARNING) planner")


def _tables(tmp: Path, *, urgent_impossible: bool = False) -> tuple[Path, Path]:
    rng = np.random.default_rng(1)
    n = 12
    tickets = pd.DataFrame(
        {
            "id": [f"T{i:02d}" for i in range(n)],
            "lon": 13.40 + rng.uniform(-0.05, 0.05, n),
            "lat": 52.52 + rng.uniform(-0.03, 0.03, n),
            "service_min": rng.integers(20, 60, n),
            "windows": ["08:00-12:00"] * 6 + ["12:00-16:00;16:30-17:30"] * 6,
            "skills": ["gas"] * 8 + ["oil"] * 4,
            "urgency": ["urgent", "important", "general"] * 4,
        }
    )
    if urgent_impossible:
        tickets.loc[0, "windows"] = "05:00-05:10"  # before any shift
    techs = pd.DataFrame(
        {
            "id": ["W1", "W2"],
            "lon": [13.38, 13.43],
            "lat": [52.51, 52.53],
            "shift_start": ["08:00", "08:00"],
            "shift_end": ["17:00", "16:00"],
            "skills": ["gas;oil", "gas"],
            "break_start": ["11:30", "11:30"],
            "break_end": ["13:30", "13:30"],
            "break_min": [30, 30],
        }
    )
    t, w = tmp / "tickets.csv", tmp / "techs.csv"
    tickets.to_csv(t, index=False)
    techs.to_csv(w, index=False)
    return t, w


def _run(t: Path, w: Path, out: Path, *extra: str) -> Any:
    return CliRunner().invoke(
        app,
        [
            "dispatch",
            "--tickets",
            str(t),
            "--technicians",
            str(w),
            "--date",
            "2026-11-28",
            "--out",
            str(out),
            "--time-limit",
            "30",
            "--max-iterations",
            "200",
            *extra,
        ],
    )


def test_dispatch_writes_valid_plan(tmp_path: Path) -> None:
    """Exit 0 with all urgent served; per-technician CSV and GeoJSON; the plan re-validates."""
    t, w = _tables(tmp_path)
    out = tmp_path / "out"
    r = _run(t, w, out)
    assert r.exit_code == 0, r.output
    summary = json.loads((out / "summary.json").read_text())
    assert summary["all_urgent_served"] is True
    routes = sorted(p.name for p in (out / "routes").iterdir())
    assert any(x.endswith(".csv") for x in routes)
    assert any(x.endswith(".geojson") for x in routes)
    plan = DispatchPlan.load(out / "plan")
    problem = problem_from_tables(pd.read_csv(t), pd.read_csv(w), dt.date(2026, 11, 28))
    check_plan(problem, plan)
    un = pd.read_csv(out / "unassigned.csv")
    assert plan.n_served + len(un) == 12


def test_dispatch_exit_3_when_urgent_unserved(tmp_path: Path) -> None:
    """An urgent ticket whose window lies before every shift: exit 3, reason 'window'."""
    t, w = _tables(tmp_path, urgent_impossible=True)
    out = tmp_path / "out"
    r = _run(t, w, out)
    assert r.exit_code == 3, r.output
    un = pd.read_csv(out / "unassigned.csv")
    assert un.loc[un["job_id"] == "T00", "reason"].tolist() == ["window"]


@pytest.mark.parametrize(
    ("column", "value", "needle"),
    [
        ("skills", "welding", "welding"),
        ("lat", 123.0, "lon/lat"),
        ("windows", "09:00-08:00", "windows must be 'start-end'"),
        ("windows", "8am-10am", "got '8am-10am'"),
        ("windows", "25:00-26:30", "got '25:00-26:30'"),
        ("windows", "10:75-11:00", "got '10:75-11:00'"),
        ("service_min", "inf", "service_min must be a number >= 0; got inf"),
        ("id", "T00", "unique"),
    ],
)
def test_dispatch_bad_input_exit_2(
    tmp_path: Path, column: str, value: object, needle: str
) -> None:
    """Bad tickets: exit 2, one line naming the file, the row and the field; no output folder."""
    t, w = _tables(tmp_path)
    df = pd.read_csv(t)
    df[column] = df[column].astype(object)
    df.loc[3, column] = value
    df.to_csv(t, index=False)
    out = tmp_path / "out"
    r = _run(t, w, out)
    assert r.exit_code == 2, r.output
    lines = [ln for ln in r.stderr.splitlines() if ln.strip() and not _LOG.match(ln)]
    assert len(lines) == 1
    assert lines[0].startswith(
        ("error: tickets.csv row 4 (id ", "error: tickets.csv rows 1 and 4")
    )
    assert needle in lines[0]
    assert not out.exists()


def test_dispatch_reads_geojson_and_parquet(tmp_path: Path) -> None:
    """Tickets as GeoJSON points and technicians as Parquet give the same kind of plan."""
    import geopandas as gpd

    t, w = _tables(tmp_path)
    tk = pd.read_csv(t)
    g = gpd.GeoDataFrame(
        tk.drop(columns=["lon", "lat"]),
        geometry=gpd.points_from_xy(tk["lon"], tk["lat"]),
        crs="EPSG:4326",
    )
    tg = tmp_path / "tickets.geojson"
    g.to_file(tg, driver="GeoJSON")
    wp = tmp_path / "techs.parquet"
    pd.read_csv(w).to_parquet(wp)
    out = tmp_path / "out"
    r = _run(tg, wp, out)
    assert r.exit_code == 0, r.output
    assert (out / "summary.json").is_file()


def test_dispatch_uses_the_scenario_travel_model(tmp_path: Path) -> None:
    """--scenario: the plan's travel times follow the scenario's speed; a bad one exits 2."""
    import json

    t, w = _tables(tmp_path)
    slow = tmp_path / "slow.toml"
    slow.write_text('name = "slow"\n[travel]\nspeed_kmh = 10.0\ncircuity = 1.3\n')
    runs = {}
    for name, extra in (("default", ()), ("slow", ("--scenario", str(slow)))):
        out = tmp_path / name
        r = _run(t, w, out, *extra)
        assert r.exit_code in (0, 3), r.output
        runs[name] = json.loads((out / "summary.json").read_text())["kpis"]
    # the same kilometres take three times longer at 10 km/h than at 30 km/h
    per_km = {k: v["travel_h"] / max(v["distance_km"], 1e-9) for k, v in runs.items()}
    assert abs(per_km["slow"] / per_km["default"] - 3.0) < 1e-6
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "bad"\n[travel]\nspeed_kmh = -1\n')
    r = _run(t, w, tmp_path / "never", "--scenario", str(bad))
    assert r.exit_code == 2
    assert "speed_kmh" in r.stderr
    assert not (tmp_path / "never").exists()


def test_header_only_tickets_plan_an_empty_day(tmp_path: Path) -> None:
    """A tickets file with only its header: exit 0, an empty valid plan, no job served."""
    t, w = _tables(tmp_path)
    t.write_text(t.read_text().splitlines()[0] + "\n")
    out = tmp_path / "out"
    r = _run(t, w, out)
    assert r.exit_code == 0, r.output
    summary = json.loads((out / "summary.json").read_text())
    assert summary["all_urgent_served"] is True
    assert pd.read_csv(out / "unassigned.csv").empty


def test_times_with_seconds_mean_the_same_as_without(tmp_path: Path) -> None:
    """Shifts and windows written HH:MM:SS give the same plan as HH:MM (not an empty one)."""
    t, w = _tables(tmp_path)
    base = _run(t, w, tmp_path / "a")
    assert base.exit_code == 0, base.output
    techs = pd.read_csv(w)
    for c in ("shift_start", "shift_end", "break_start", "break_end"):
        techs[c] = techs[c] + ":00"
    techs.to_csv(w, index=False)
    tickets = pd.read_csv(t)
    tickets["windows"] = tickets["windows"].str.replace(
        r"(\d\d:\d\d)", r"\1:00", regex=True
    )
    tickets.to_csv(t, index=False)
    again = _run(t, w, tmp_path / "b")
    assert again.exit_code == 0, again.output
    a = json.loads((tmp_path / "a" / "summary.json").read_text())
    b = json.loads((tmp_path / "b" / "summary.json").read_text())
    assert b["kpis"]["served"] == a["kpis"]["served"] > 0
