"""StaffingPlan on the shared result protocol: tables, costs, KPIs, save and load."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from planner.core.cost import CostBreakdown
from planner.core.errors import InputError
from planner.core.result import KPI_COLUMNS, Result, SolveStatus
from planner.staffing import StaffingPlan, StaffingProblem, size_workforce


@pytest.fixture(scope="module")
def plan() -> StaffingPlan:
    """Two outlets and a tiny one that goes to the partner, with skills."""
    p = StaffingProblem.from_arrays(
        tickets_per_year=[[2000, 8000, 10000], [3000, 12000, 15000], [10, 20, 30]],
        skill_names=("hvac", "laundry", "refrigeration"),
        skill_share=[0.5, 0.3, 0.2],
        outlet_ids=("north", "south", "island"),
    )
    return size_workforce(p, partner_overflow=True, partner_urgent=False, skills=2)


def test_is_a_result(plan: StaffingPlan) -> None:
    """The plan satisfies the Result protocol and has a solution."""
    assert isinstance(plan, Result)
    assert plan.status.has_solution
    assert plan.stats.runtime_s >= 0
    assert str(plan) == plan.summary()
    assert "technicians" in plan.summary()


def test_frames(plan: StaffingPlan) -> None:
    """to_frame has one row per outlet and shift; the per-technician view one per person."""
    df = plan.to_frame()
    assert len(df) == plan.n_outlets * len(plan.shifts)
    assert int(df["technicians"].sum()) == plan.n_technicians
    assert set(df.columns) >= {
        "outlet_idx",
        "shift",
        "start_min",
        "end_min",
        "weekdays",
    }
    tf = plan.technicians_frame()
    assert len(tf) == plan.n_technicians
    assert (tf["outlet_idx"] != 2).all()  # the partner outlet has nobody
    assert tf["skills"].map(len).eq(2).all()
    for _, r in tf.iterrows():
        s = next(s for s in plan.shifts if s.name == r["shift"])
        assert (r["start_min"], r["end_min"]) == (s.start_min, s.end_min)
    of = plan.outlets_frame()
    assert of["partner"].tolist() == [False, False, True]


def test_costs_and_kpis(plan: StaffingPlan) -> None:
    """Costs per year add up from the per-outlet arrays; KPI names carry the prefix."""
    cb = plan.cost_breakdown()
    assert isinstance(cb, CostBreakdown)
    assert cb.period_days == 365
    assert cb["labour"] == pytest.approx(plan.labour_per_year.sum())
    assert cb["outsourcing"] == pytest.approx(60 * 95.0)
    assert cb.total == pytest.approx(
        plan.labour_per_year.sum()
        + plan.overtime_per_year.sum()
        + plan.outsourcing_per_year.sum()
    )
    k = plan.kpis()
    assert tuple(k.columns) == KPI_COLUMNS
    assert k["kpi"].str.startswith("staffing_").all()
    row = k.set_index("kpi").loc["staffing_technicians"]
    assert row["mean"] == plan.n_technicians
    assert row["ci_low"] == row["ci_high"] == row["mean"]
    assert {"staffing_sla_urgent", "staffing_cost_per_year"} <= set(k["kpi"])
    # labour recomputed from the shift hours and cost factors
    want = (
        sum(
            plan.technicians[:, j].sum() * s.paid_h_per_week * s.cost_factor
            for j, s in enumerate(plan.shifts)
        )
        * 35.0
        * 365
        / 7
    )
    assert cb["labour"] == pytest.approx(want)


def test_save_load_roundtrip(plan: StaffingPlan, tmp_path: Path) -> None:
    """save writes a new folder; load gives back the same arrays and labels."""
    out = plan.save(tmp_path / "staffing")
    back = StaffingPlan.load(out)
    assert back.outlet_ids == plan.outlet_ids
    assert [s.label() for s in back.shifts] == [s.label() for s in plan.shifts]
    for name in ("technicians", "partner", "requirement", "tech_skills"):
        assert np.array_equal(getattr(back, name), getattr(plan, name)), name
    for name in ("sla", "target_share", "labour_per_year", "overtime_per_year"):
        assert np.allclose(getattr(back, name), getattr(plan, name), equal_nan=True)
    assert back.status == plan.status
    assert back.stats.to_dict() == plan.stats.to_dict()
    assert back.technicians_frame().equals(plan.technicians_frame())
    with pytest.raises(InputError, match="exist"):
        plan.save(out)


def test_load_refuses_bad_folders(plan: StaffingPlan, tmp_path: Path) -> None:
    """Missing, foreign, newer and corrupt folders give an InputError naming the path."""
    with pytest.raises(InputError, match="nothing there"):
        StaffingPlan.load(tmp_path / "missing")
    out = plan.save(tmp_path / "p")
    meta = json.loads((out / "result.json").read_text())
    meta["format"] = "planner.SitingPlan"
    (out / "result.json").write_text(json.dumps(meta))
    with pytest.raises(InputError, match="format"):
        StaffingPlan.load(out)
    meta["format"], meta["version"] = "planner.StaffingPlan", 99
    (out / "result.json").write_text(json.dumps(meta))
    with pytest.raises(InputError, match="version"):
        StaffingPlan.load(out)
    meta["version"] = 1
    (out / "result.json").write_text(json.dumps(meta))
    (out / "technicians.parquet").write_bytes(b"not parquet")
    with pytest.raises(InputError, match=r"technicians\.parquet"):
        StaffingPlan.load(out)


def test_validates_its_arrays(plan: StaffingPlan) -> None:
    """A plan with a wrong shape or negative technicians is refused in one line."""
    import dataclasses

    with pytest.raises(InputError, match="technicians"):
        dataclasses.replace(plan, technicians=plan.technicians[:1])
    with pytest.raises(InputError, match=">= 0"):
        dataclasses.replace(plan, technicians=-plan.technicians, tech_skills=None)
    assert dataclasses.replace(plan, status="feasible").status is SolveStatus.FEASIBLE


def test_duty_segments_cover_the_same_hours(plan: StaffingPlan) -> None:
    """Pieces inside a day add up to the plan's on-duty count in every hour."""
    seg = plan.duty_segments()
    assert (seg["end_min"] <= 1440).all()
    assert (seg["start_min"] < seg["end_min"]).all()
    duty = np.zeros((plan.n_outlets, 168), int)
    for r in seg.itertuples():
        for d in r.weekdays:
            duty[
                r.outlet_idx, d * 24 + r.start_min // 60 : d * 24 + r.end_min // 60
            ] += 1
    assert (duty == plan.on_duty()).all()
    assert seg["tech_idx"].nunique() == plan.n_technicians


def test_on_call_flag_survives_save_and_load(tmp_path: Path) -> None:
    """An urgent-only shift is saved and read back as such."""
    from planner.staffing import Shift

    shifts = [
        Shift("day", "08:00", "20:00", range(7)),
        Shift("night", "20:00", "08:00", range(7), 1.3, urgent_only=True),
    ]
    p = StaffingProblem.from_arrays(tickets_per_year=[[500, 2000, 2500]], shifts=shifts)
    plan = size_workforce(p)
    back = StaffingPlan.load(plan.save(tmp_path / "p"))
    assert [s.urgent_only for s in back.shifts] == [False, True]
    assert back.to_frame()["urgent_only"].tolist() == [False, True]


def test_breaks_need_more_heads_and_round_trip(tmp_path: Path) -> None:
    """With lunch breaks the available technicians still cover the requirement,
    the plan needs at least as many people, and the breaks are saved and split
    with the overnight pieces."""
    from planner.staffing import DEFAULT_SHIFTS, Shift

    brk = tuple(
        Shift(s.name, s.start_min, s.end_min, s.weekdays, s.cost_factor, break_min=60)
        if s.length_h >= 8
        else s
        for s in DEFAULT_SHIFTS
    )
    y = [[2000, 8000, 10000], [600, 2400, 3000]]
    plain = size_workforce(StaffingProblem.from_arrays(tickets_per_year=y))
    p = StaffingProblem.from_arrays(tickets_per_year=y, shifts=brk)
    plan = size_workforce(p)
    cover = p.coverage()
    assert (plan.available() >= np.where(cover, plan.requirement, 0) - 1e-9).all()
    assert plan.n_technicians >= plain.n_technicians
    back = StaffingPlan.load(plan.save(tmp_path / "b"))
    assert [s.break_start_min for s in back.shifts] == [s.break_start_min for s in brk]
    seg = plan.duty_segments()
    night = seg[seg["shift"] == "night"]
    assert set(night["break_min"]) <= {0.0, 60.0}
    assert (night.groupby("tech_idx")["break_min"].sum() == 60.0).all()
