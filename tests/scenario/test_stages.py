"""Scenario stages: the siting stage on a small region, checked independently."""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path

import numpy as np
import pytest

from planner.scenario import build, spec_from_dict
from planner.scenario.stages import run_siting, siting_inputs
from tests.towns import write_towns


@pytest.fixture(scope="module")
def small_region(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Twelve towns in a 3 x 1 degree box with random populations."""
    path = write_towns(
        tmp_path_factory.mktemp("region") / "towns.csv",
        12,
        seed=5,
        lon=(116.0, 3.0),
        lat=(39.0, 1.0),
        max_population=500_000,
        label="Town ",
    )
    return path


def _spec(path: Path, **siting: object) -> dict[str, object]:
    return {
        "name": "small",
        "seed": 1,
        "region": {"kind": "file", "demand_file": str(path)},
        "outlets": {"existing": ["T0"]},
        "workforce": {"technicians_per_outlet": 5},
        "siting": {"time_limit_s": 30, **siting},
    }


@pytest.mark.parametrize("model", ["pmedian", "mclp"])
def test_siting_stage_matches_brute_force(small_region: Path, model: str) -> None:
    """The stage's plan keeps the existing outlet and is optimal by enumeration."""
    data = build(spec_from_dict(_spec(small_region, model=model, p=3, radius_min=60.0)))
    x = siting_inputs(data)
    plan = run_siting(data, x)
    assert 0 in set(plan.open_idx.tolist())
    assert len(plan.open_idx) == 3
    c, w = x.duration_min.astype(np.float64), x.weights
    best = None
    for rest in itertools.combinations(range(1, 12), 2):
        cols = [0, *rest]
        if model == "pmedian":
            val = float((c[:, cols].min(axis=1) * w).sum())
            best = val if best is None else min(best, val)
        else:
            val = float(w[(c[:, cols] <= 60.0).any(axis=1)].sum())
            best = val if best is None else max(best, val)
    assert plan.objective == pytest.approx(best, rel=1e-5)


def test_siting_inputs_price_round_trips(small_region: Path) -> None:
    """Cost per ticket = 2 x (km x travel_per_km + hours x labour per hour)."""
    data = build(spec_from_dict(_spec(small_region)))
    x = siting_inputs(data)
    tm = data.travel.matrix(data.demand.lonlat, data.sites.lonlat)
    r = data.costs
    expected = 2 * (
        tm.distance_m / 1000 * r.travel_per_km
        + tm.duration_min / 60 * (r.labour_per_hour + r.travel_per_hour)
    )
    np.testing.assert_allclose(x.cost_per_ticket, expected, rtol=1e-5, atol=1e-2)
    assert x.existing_idx.tolist() == [0]


def test_part_demand_conserves_units(small_region: Path) -> None:
    """Part demand summed over outlets equals tickets x usage summed over points."""
    from planner.scenario.stages import allocation, part_demand

    data = build(spec_from_dict(_spec(small_region, model="pmedian", p=3)))
    plan = run_siting(data)
    part_ids, outlets, rate = part_demand(data, allocation(data, plan))
    assert set(outlets.tolist()) <= set(plan.open_idx.tolist())
    # independent: per part, sum over categories and faults, on the whole region
    total = data.demand.tickets_per_year.sum(axis=0) / 365.0
    expected = dict.fromkeys(part_ids.tolist(), 0.0)
    for ci, c in enumerate(data.catalog.categories):
        for f in c.faults:
            for pid, prob in f.parts.items():
                expected[pid] += total[ci] * f.share * (1 - f.remote_fix_rate) * prob
    np.testing.assert_allclose(rate.sum(axis=1), [expected[p] for p in part_ids])


def test_inventory_stage_rows_are_optimal_policies(small_region: Path) -> None:
    """Each (part, outlet) row is the (s,S) optimum for its own demand and costs."""
    from planner.inventory import optimize_sS
    from planner.scenario.stages import allocation, part_demand, run_inventory

    data = build(spec_from_dict(_spec(small_region, model="pmedian", p=2)))
    plan = run_siting(data)
    stock = run_inventory(data, plan)
    _, outlets, rate = part_demand(data, allocation(data, plan))
    assert len(stock) == rate.size
    f = stock.to_frame()
    part = data.catalog.parts[3]
    row = f[
        (f["part_id"] == part.id)
        & (f["location_id"] == str(data.sites.ids[outlets[0]]))
    ].iloc[0]
    h = data.costs.holding_rate_per_year * part.unit_cost / 365
    direct = optimize_sS(
        rate[3, 0],
        h,
        data.costs.shortage_per_unit_day,
        data.costs.ordering_per_order,
        lead_time=int(np.ceil(part.lead_time_days)),
    )
    assert (row["reorder_point"], row["order_up_to"]) == (direct.s[0], direct.S[0])
    assert row["cost"] == pytest.approx(direct.cost[0])


def test_routing_stage_plans_the_generated_day(small_region: Path) -> None:
    """The routing stage plans the drawn day; every ticket is served or explained once."""
    from planner.scenario.generate import generate_day
    from planner.scenario.stages import run_routing

    spec = _spec(small_region)
    spec["routing"] = {"jobs": 40, "max_iterations": 300, "time_limit_s": 60}
    data = build(spec_from_dict(spec))
    plan = run_routing(data)
    day = generate_day(data, dt.date(2026, 7, 15), n_tickets=40)
    served = set(np.asarray(plan.job_ids)[np.asarray(plan.stop_job)].tolist())
    unassigned = set(np.asarray(plan.job_ids)[np.asarray(plan.unassigned_job)].tolist())
    assert served.isdisjoint(unassigned)
    assert served | unassigned == set(day.tickets["id"])
    assert plan.kpi_dict()["served"] > 0
    again = run_routing(data)
    assert np.array_equal(np.asarray(again.stop_job), np.asarray(plan.stop_job))


@pytest.mark.parametrize("policy", ["sS", "base_stock"])
def test_inventory_stage_meets_fill_rate_target(
    small_region: Path, policy: str
) -> None:
    """With a fill-rate target, every policy meets it or is flagged as not meeting it."""
    from planner.scenario.stages import run_inventory

    spec = _spec(small_region, model="pmedian", p=2)
    spec["inventory"] = {"policy": policy, "fill_rate": 0.95}
    f = run_inventory(build(spec_from_dict(spec)), None).to_frame()
    met = f["target_met"].to_numpy(dtype=bool)
    assert met.any()
    assert (f["fill_rate"].to_numpy()[met] >= 0.95 - 1e-9).all()
    assert set(f["policy"]) == {policy}


def test_stock_levels_carry_the_plans_reorder_points(small_region: Path) -> None:
    """The simulator gets each (s,S) row's s (at least -1) and S, per part and site.

    Rows are looked up in the stock plan's frame independently; sites and
    parts the plan does not stock get S = 0 and s = -1.
    """
    from planner.scenario.stages import run_inventory, stock_levels

    data = build(spec_from_dict(_spec(small_region, model="pmedian", p=2)))
    plan = run_siting(data)
    stock = run_inventory(data, plan)
    levels = stock_levels(data, stock)
    assert levels is not None
    up, low = levels
    assert np.all(low < up)
    f = stock.to_frame()
    parts = [p.id for p in data.catalog.parts]
    sites = [str(v) for v in data.sites.ids]
    for r in f.itertuples():
        i, j = parts.index(r.part_id), sites.index(r.location_id)
        assert up[i, j] == max(r.order_up_to, 0)
        assert low[i, j] == min(max(r.reorder_point, -1), max(r.order_up_to, 0) - 1)
    stocked = np.zeros(up.shape, dtype=bool)
    for r in f.itertuples():
        stocked[parts.index(r.part_id), sites.index(r.location_id)] = True
    assert np.all(up[~stocked] == 0)
    assert np.all(low[~stocked] == -1)
