"""One contract for every stage's result type (planner.core.result.Result).

Each entry of ``EXAMPLES`` builds a small real result by solving a tiny
problem; every check below runs on each. A new result type adds its example.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest

from planner.core import CostBreakdown, CostCategory, InputError
from planner.core.result import (
    KPI_COLUMNS,
    STAGE_PREFIXES,
    Result,
    SolverStats,
    SolveStatus,
    write_result,
)


def _stock_plan() -> Result:
    from planner.inventory import StockPlan, optimize_sS

    pol = optimize_sS([0.5, 2.0, 6.0], 1.0, 9.0, 5.0, lead_time=[0, 1, 2])
    return StockPlan.from_policies(
        ["a", "b", "c"], ["x", "x", "y"], pol, meta={"period_days": 1.0}
    )


def _dispatch_plan() -> Result:
    from planner.routing import DispatchProblem, solve_dispatch

    d = np.array([[0.0, 10.0, 15.0], [10.0, 0.0, 8.0], [15.0, 8.0, 0.0]])
    p = DispatchProblem(
        d, d * 500, [1, 2], [30, 300], [0, 1, 2], [480, 480], [600, 600], [0], [0],
        [480], [720], location_lonlat=[[7.0, 46.0], [7.1, 46.0], [7.0, 46.1]],
    )  # fmt: skip
    return solve_dispatch(p, max_iterations=20)  # one served, one unassigned


def _horizon_plan() -> Result:
    from planner.routing import DispatchProblem, HorizonProblem, solve_horizon

    d = np.array([[0.0, 10.0, 12.0], [10.0, 0.0, 5.0], [12.0, 5.0, 0.0]])
    day = DispatchProblem(
        d, d * 500, [1, 2], [300, 300], [0, 1, 2], [480, 480], [900, 900], [0], [0],
        [480], [1020], date="2026-07-15",
    )  # fmt: skip
    h = HorizonProblem(day, n_days=2, deadline_min=[1020.0, 2460.0])
    return solve_horizon(h, max_iterations=50)  # one job today, one moved


def _staffing_plan() -> Result:
    from planner.staffing import StaffingProblem, size_workforce

    p = StaffingProblem.from_arrays(
        tickets_per_year=[[2000, 8000, 10000], [10, 20, 30]],
        skill_names=("hvac", "laundry"),
        skill_share=[0.6, 0.4],
    )
    return size_workforce(p, partner_overflow=True, skills=1)  # one outlet to a partner


def _siting_plan() -> Result:
    from planner.siting import SiteOptions, solve_pmedian

    cost = np.array([[0.0, 4, 9, 3], [4, 0, 5, 6], [9, 5, 0, 2], [8, 6, 1, 0.5]])
    opts = SiteOptions(
        existing=[0],
        closing_cost=2.0,
        partners=[3],
        partner_fee=1.0,
        fixed_cost=[10.0, 20.0, 30.0, 0.0],
    )
    plan = solve_pmedian(cost, [2.0, 1.0, 1.0, 3.0], 1, options=opts)
    return dataclasses.replace(plan, service_radius=4.0)


def _sim_result() -> Result:
    from planner.core import (
        Catalog,
        DemandPoints,
        FaultType,
        Outlets,
        ProductCategory,
        Technician,
        TimeWindow,
        UrgencyClass,
    )
    from planner.sim import SimModel, simulate

    cat = Catalog(
        (ProductCategory("x", 1.0, np.ones(12), (FaultType("f", 1.0, "s", 60.0),)),),
        (),
    )
    d = DemandPoints.from_arrays(
        ["p"], [0.0], [0.0], tickets_per_year=[[5000.0]], categories=["x"]
    )
    o = Outlets.from_arrays(["o"], [0.0], [0.01], existing=True)
    techs = [
        Technician(f"t{k}", (0.0, 0.01), {"s"}, TimeWindow(480, 1020), outlet_id="o")
        for k in range(2)
    ]
    urg = [UrgencyClass("urgent", 240, 0.2), UrgencyClass("general", 4320, 0.8)]
    m = SimModel.from_core(d, o, techs, cat, urg)
    return simulate(m, horizon_days=6, warmup_days=1, n_reps=2, seed=1)


def _design_result() -> Result:
    from planner.scenario import build, spec_from_dict
    from planner.scenario.design import run_design

    spec = spec_from_dict(
        {
            "name": "contract",
            "seed": 3,
            "region": {
                "kind": "gazetteer",
                "country": "CN",
                "min_population": 200_000,
                "admin1": ["04"],
            },
            "outlets": {"existing_largest": 2},
            "siting": {"model": "mclp", "p": 6, "radius_min": 120.0},
            "simulation": {"horizon_days": 7, "warmup_days": 2, "n_jobs": 1},
            "design": {"p": [6], "n_reps": 2, "max_iterations": 2, "neighbours": 0},
        }
    )
    return run_design(build(spec), baseline=False)


EXAMPLES: dict[str, Callable[[], Result]] = {
    "DesignResult": _design_result,
    "DispatchPlan": _dispatch_plan,
    "HorizonPlan": _horizon_plan,
    "SimResult": _sim_result,
    "SitingPlan": _siting_plan,
    "StaffingPlan": _staffing_plan,
    "StockPlan": _stock_plan,
}


@pytest.fixture(params=sorted(EXAMPLES), scope="module")
def example(request: pytest.FixtureRequest) -> tuple[str, Result]:
    """A (type name, result) pair for each registered example."""
    return request.param, EXAMPLES[request.param]()


def test_follows_the_protocol(example):
    """Status, stats, summary and str agree with the protocol."""
    name, r = example
    assert type(r).__name__ == name
    assert isinstance(r, Result)
    assert isinstance(r.status, SolveStatus)
    assert isinstance(r.stats, SolverStats)
    assert r.summary().strip()
    assert str(r) == r.summary()
    f = r.to_frame()
    assert isinstance(f, pd.DataFrame)
    assert len(f) > 0


def test_kpis_are_prefixed_rows_with_ordered_intervals(example):
    """kpis() has the shared columns, the stage prefix, unique names, lo <= mean <= hi."""
    name, r = example
    k = r.kpis()
    assert tuple(k.columns) == KPI_COLUMNS
    assert len(k) > 0
    assert k["kpi"].is_unique
    assert k["kpi"].str.startswith(STAGE_PREFIXES[name]).all()
    assert (k["n_reps"] >= 1).all()
    # money is "money/<period>", which the report shows in the scenario's currency
    assert not k["unit"].str.contains("currency").any()
    finite = np.isfinite(k["mean"].to_numpy(float))
    lo, m, hi = (k[c].to_numpy(float)[finite] for c in ("ci_low", "mean", "ci_high"))
    assert (lo <= m + 1e-12).all()
    assert (m <= hi + 1e-12).all()


def test_cost_breakdown_adds_up(example):
    """Costs are in the cost model's categories, over a stated period, and add up."""
    _, r = example
    c = r.cost_breakdown()
    assert isinstance(c, CostBreakdown)
    assert c.period_days is not None
    assert set(c.amounts) <= {x.value for x in CostCategory}
    assert c.total == pytest.approx(sum(c.to_dict().values()))
    assert c.per_year().total == pytest.approx(c.total * 365.0 / c.period_days)


def test_save_load_round_trip(example, tmp_path):
    """What load() reads back has the same frame, KPIs, costs, status and summary."""
    _, r = example
    out = r.save(tmp_path / "r")
    assert out == tmp_path / "r"
    assert (out / "result.json").is_file()
    back = type(r).load(out)
    pd.testing.assert_frame_equal(back.to_frame(), r.to_frame())
    pd.testing.assert_frame_equal(back.kpis(), r.kpis())
    assert back.cost_breakdown() == r.cost_breakdown()
    assert back.status == r.status
    assert back.summary() == r.summary()
    if hasattr(r, "moved_frame"):  # a horizon: the moved jobs and their reasons too
        pd.testing.assert_frame_equal(back.moved_frame(), r.moved_frame())


def test_save_never_overwrites(example, tmp_path):
    """Saving onto an existing path is an InputError and leaves it alone."""
    _, r = example
    (tmp_path / "r").mkdir()
    (tmp_path / "r" / "keep.txt").write_text("x")
    with pytest.raises(InputError):
        r.save(tmp_path / "r")
    assert (tmp_path / "r" / "keep.txt").read_text() == "x"


def test_load_refuses_missing_and_foreign_folders(example, tmp_path):
    """A missing path or another type's folder is one InputError naming it."""
    _, r = example
    with pytest.raises(InputError, match="nothing there"):
        type(r).load(tmp_path / "missing")
    write_result(tmp_path / "other", kind="SomethingElse", version=1, meta={})
    with pytest.raises(InputError, match="format") as e:
        type(r).load(tmp_path / "other")
    assert str(tmp_path / "other") in str(e.value)


def test_reading_saved_turns_a_broken_folder_into_one_input_error() -> None:
    """A missing key names the folder and the kind; an inner error keeps its own file."""
    from planner.core.errors import InputError
    from planner.core.result import reading_saved

    with pytest.raises(InputError) as e, reading_saved("runs/x", "SitingPlan"):
        _ = {}["cand"]
    assert e.value.source == "runs/x"
    assert "a saved SitingPlan" in str(e.value)
    assert "KeyError" in str(e.value)
    with pytest.raises(InputError) as e, reading_saved("runs/x", "SitingPlan"):
        raise InputError(source="runs/x/day_0", expected="a plan", got="nothing")
    assert e.value.source == "runs/x/day_0"
    with pytest.raises(InputError) as e, reading_saved("runs/x", "SitingPlan"):
        raise InputError(field="n", expected="an integer", got="x")
    assert e.value.source == "runs/x"
