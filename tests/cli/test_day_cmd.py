"""`planner slots` and `planner replan` end to end through typer's CliRunner."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from typer.testing import CliRunner

from planner.cli import app
from planner.routing import DispatchPlan, check_plan, validate_plan
from planner.routing.tables import problem_from_tables

DATE = "2026-11-28"

_LOG = re.compile(r"^\d\d:\d\d:\d\d (DEBUG|INFO|WARNING) planner")


def _tables(tmp: Path) -> tuple[Path, Path]:
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


def _run(t: Path, w: Path, out: Path) -> Any:
    args = [
        "dispatch",
        "--tickets",
        str(t),
        "--technicians",
        str(w),
        "--date",
        DATE,
        "--out",
        str(out),
        "--time-limit",
        "30",
        "--max-iterations",
        "200",
    ]
    return CliRunner().invoke(app, args)


def _day(tmp: Path) -> tuple[Path, Path, Path]:
    t, w = _tables(tmp)
    out = tmp / "plan"
    r = _run(t, w, out)
    assert r.exit_code == 0, r.output
    return t, w, out


def test_slots_lists_and_books(tmp_path: Path) -> None:
    """Slots are printed cheapest first; booking one writes a plan the validator accepts."""
    t, w, plan = _day(tmp_path)
    new = pd.DataFrame(
        {
            "id": ["NEW1"],
            "lon": [13.41],
            "lat": [52.52],
            "service_min": [30],
            "skills": ["gas"],
        }
    )
    nt = tmp_path / "new.csv"
    new.to_csv(nt, index=False)
    base = [
        "slots",
        "--tickets",
        str(t),
        "--technicians",
        str(w),
        "--date",
        DATE,
        "--plan",
        str(plan),
        "--ticket",
        str(nt),
    ]
    r = CliRunner().invoke(app, base)
    assert r.exit_code == 0, r.output
    assert "ticket NEW1:" in r.output
    assert "marginal_cost" in r.output
    out = tmp_path / "booked"
    r = CliRunner().invoke(app, [*base, "--book", "1", "--out", str(out)])
    assert r.exit_code == 0, r.output
    booked = DispatchPlan.load(out / "plan")
    both = pd.concat([pd.read_csv(t), new], ignore_index=True)
    assert "NEW1" in set(pd.read_csv(out / "stops.csv")["job_id"])
    assert booked.n_served == DispatchPlan.load(plan / "plan").n_served + 1
    stops = pd.read_csv(out / "stops.csv")
    assert {"arrival", "start_at", "lon", "lat"} <= set(stops.columns)
    assert len(both) == len(booked.job_ids)


def test_slots_bad_input_is_one_line(tmp_path: Path) -> None:
    """A ticket already in the plan: exit 2 and one line naming it."""
    t, w, plan = _day(tmp_path)
    nt = tmp_path / "dup.csv"
    pd.read_csv(t).iloc[:1].to_csv(nt, index=False)
    r = CliRunner().invoke(
        app,
        [
            "slots",
            "--tickets",
            str(t),
            "--technicians",
            str(w),
            "--date",
            DATE,
            "--plan",
            str(plan),
            "--ticket",
            str(nt),
        ],
    )
    assert r.exit_code == 2
    # progress lines (log lines off a terminal) are not part of the error
    lines = [ln for ln in r.output.splitlines() if not _LOG.match(ln)]
    assert len(lines) == 1, r.output
    assert "error:" in lines[0]


def test_replan_writes_the_rest_of_the_day(tmp_path: Path) -> None:
    """At 11:00 with a new urgent ticket and an absent technician: a valid rest of the day."""
    t, w, plan = _day(tmp_path)
    new = pd.DataFrame(
        {
            "id": ["URG"],
            "lon": [13.42],
            "lat": [52.515],
            "service_min": [30],
            "skills": ["gas"],
            "urgency": ["urgent"],
            "windows": ["11:00-16:00"],
        }
    )
    nt = tmp_path / "new.csv"
    new.to_csv(nt, index=False)
    out = tmp_path / "re"
    r = CliRunner().invoke(
        app,
        [
            "replan",
            "--tickets",
            str(t),
            "--technicians",
            str(w),
            "--date",
            DATE,
            "--plan",
            str(plan),
            "--now",
            "11:00",
            "--new-tickets",
            str(nt),
            "--absent",
            "W2",
            "--out",
            str(out),
        ],
    )
    assert r.exit_code == 0, r.output
    summary = json.loads((out / "summary.json").read_text())
    assert "moved" in summary
    day = pd.read_csv(out / "day.csv")
    assert set(day["status"]) <= {"frozen", "planned"}
    assert not ((day["tech_id"] == "W2") & (day["status"] == "planned")).any()
    # --out must be new: checked before any work
    r = CliRunner().invoke(
        app,
        [
            "replan",
            "--tickets",
            str(t),
            "--technicians",
            str(w),
            "--date",
            DATE,
            "--plan",
            str(plan),
            "--now",
            "11:00",
            "--out",
            str(out),
        ],
    )
    assert r.exit_code == 2
    # now outside every shift
    r = CliRunner().invoke(
        app,
        [
            "replan",
            "--tickets",
            str(t),
            "--technicians",
            str(w),
            "--date",
            DATE,
            "--plan",
            str(plan),
            "--now",
            "03:00",
            "--out",
            str(tmp_path / "x"),
        ],
    )
    assert r.exit_code == 2
    assert "now" in r.output


def test_plan_files_are_readable(tmp_path: Path) -> None:
    """Clock times, coordinates, rounded minutes, the travel model named, folders not 0700."""
    t, w, plan = _day(tmp_path)
    stops = pd.read_csv(next((plan / "routes").glob("*.csv")))
    assert {"arrival", "start", "end", "arrival_at", "lon", "lat"} <= set(stops.columns)
    assert stops["start"].str.match(r"^\d\d:\d\d").all()
    assert stops["start_at"].str.startswith(DATE).all()
    for c in ("arrival_min", "start_min", "end_min"):
        assert (stops[c].round(2) == stops[c]).all()
    techs = pd.read_csv(plan / "technicians.csv")
    assert (techs["idle_min"] >= 0).all()
    summary = json.loads((plan / "summary.json").read_text())
    loaded = DispatchPlan.load(plan / "plan")
    assert "straight lines" in json.dumps(dict(loaded.travel_info or {}))
    problem = problem_from_tables(pd.read_csv(t), pd.read_csv(w), dt.date(2026, 11, 28))
    check_plan(problem, loaded)  # exact minutes kept in the result folder
    assert validate_plan(problem, loaded) == []
    assert summary["status"]
    mode = plan.stat().st_mode & 0o777
    assert mode & 0o055, oct(mode)  # readable by group/others under a usual umask


def test_iteration_limited_dispatch_is_reproducible(tmp_path: Path) -> None:
    """Same tables, seed and --max-iterations: identical plan files, twice."""
    t, w = _tables(tmp_path)
    outs = []
    for k in range(2):
        out = tmp_path / f"run{k}"
        r = _run(t, w, out)
        assert r.exit_code == 0, r.output
        outs.append(out)
    a = pd.read_csv(outs[0] / "technicians.csv")
    b = pd.read_csv(outs[1] / "technicians.csv")
    pd.testing.assert_frame_equal(a, b)
    pa, pb = (DispatchPlan.load(o / "plan") for o in outs)
    assert pa.stop_job.tolist() == pb.stop_job.tolist()
    assert pa.start_min.tolist() == pb.start_min.tolist()


def test_parts_reasons_name_the_part_and_the_vans() -> None:
    """A job needing a part no van carries enough of: the reason names the part and the vans."""
    from planner.routing import DispatchProblem, solve_dispatch

    d = np.array([[0.0, 10.0, 12.0], [10.0, 0.0, 5.0], [12.0, 5.0, 0.0]])
    p = DispatchProblem(
        d,
        d * 500,
        [1, 2],
        [30, 30],
        [0, 1, 2],
        [480, 480],
        [900, 900],
        [0, 0],
        [0, 0],
        [480, 480],
        [1020, 1020],
        job_parts=[[2, 0], [0, 0]],
        tech_stock=[[1, 0], [0, 3]],
        part_names=("valve", "belt"),
        tech_ids=("van A", "van B"),
    )
    plan = solve_dispatch(p, max_iterations=20)
    assert plan.unassigned_reason == ("parts",)
    det = plan.unassigned_detail[0]
    assert "2 x valve" in det
    assert "van A with 1" in det
    assert "van B with 0" in det
    assert validate_plan(p, plan) == []


def test_horizon_plans_three_days(tmp_path: Path) -> None:
    """Three days with creation times and an absence: a folder per day, moved jobs listed."""
    t, w = _tables(tmp_path)
    tk = pd.read_csv(t)
    tk["created"] = ["2026-11-27T09:00:00"] * 4 + ["07:30"] * 8
    tk.to_csv(t, index=False)
    tw = pd.read_csv(w)
    tw["absent"] = ["", "2026-11-28"]
    tw.to_csv(w, index=False)
    out = tmp_path / "h"
    args = [
        "horizon",
        "--tickets",
        str(t),
        "--technicians",
        str(w),
        "--date",
        DATE,
        "--days",
        "3",
        "--out",
        str(out),
        "--max-iterations",
        "100",
    ]
    r = CliRunner().invoke(app, args)
    assert r.exit_code == 0, r.output
    assert sorted(x.name for x in out.iterdir()) == [
        "day0",
        "day1",
        "day2",
        "moved.csv",
        "summary.json",
    ]
    d0 = pd.read_csv(out / "day0" / "stops.csv")
    assert "W2" not in set(d0["tech_id"])
    moved = pd.read_csv(out / "moved.csv")
    served = sum(DispatchPlan.load(out / f"day{k}" / "plan").n_served for k in range(3))
    assert served + int((moved["day"] < 0).sum()) == 12
    bad = CliRunner().invoke(
        app, [*args[:-4], "--days", "0", "--out", str(tmp_path / "z")]
    )
    assert bad.exit_code == 2
