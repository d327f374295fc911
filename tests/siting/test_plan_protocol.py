"""SitingPlan's KPIs and costs against figures recomputed by hand from its decision."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from planner.core.cost import CostCategory
from planner.core.errors import InputError
from planner.siting import SiteOptions, SitingPlan, solve_facility_location


def _plan() -> tuple[SitingPlan, np.ndarray, np.ndarray, SiteOptions]:
    """Facility location on 4 points x 4 sites with an existing outlet and a partner."""
    cost = np.array(
        [[1.0, 8, 9, 7], [7, 1, 6, 8], [9, 6, 1, 3], [9, 8, 3, 2]], dtype=float
    )
    w = np.array([10.0, 10.0, 5.0, 2.0])
    opts = SiteOptions(
        existing=[0, 1],
        closing_cost=[4.0, 60.0],
        partners=[3],
        partner_fee=1.5,
        fixed_cost=[50.0, 50.0, 80.0, 0.0],
    )
    plan = solve_facility_location(cost, w, options=opts)
    return plan, cost, w, opts


def test_cost_breakdown_matches_the_decision() -> None:
    """Facility = fixed costs of open outlets + closing costs of closed existing ones;
    outsourcing = fee x tickets sent to partners; the total plus travel is the objective."""
    plan, cost, w, _ = _plan()
    fixed = {0: 50.0, 1: 50.0, 2: 80.0}
    closing = {0: 4.0, 1: 60.0}
    S = set(plan.open_idx.tolist())
    facility = sum(fixed[j] for j in S) + sum(
        c for j, c in closing.items() if j not in S
    )
    by_partner = plan.assign_idx == 3
    outsourcing = 1.5 * float(w[by_partner].sum())
    c = plan.cost_breakdown()
    assert c.period_days == 365.0
    assert c[CostCategory.FACILITY] == pytest.approx(facility)
    assert c[CostCategory.OUTSOURCING] == pytest.approx(outsourcing)
    travel = float(w @ cost[np.arange(4), plan.assign_idx])
    assert plan.objective == pytest.approx(c.total + travel)


def test_kpis_recomputed() -> None:
    """siting_* KPIs equal the figures computed from the allocation and the radius."""
    plan, cost, w, _ = _plan()
    plan = dataclasses.replace(plan, service_radius=2.0)
    k = plan.kpis().set_index("kpi")
    d = cost[np.arange(4), plan.assign_idx]
    assert k.loc["siting_open_outlets", "mean"] == len(plan.open_idx)
    assert k.loc["siting_mean_travel_min", "mean"] == pytest.approx(w @ d / w.sum())
    assert k.loc["siting_coverage_share", "mean"] == pytest.approx(
        w[d <= 2.0].sum() / w.sum()
    )
    assert k.loc["siting_objective", "unit"] == plan.model
    assert (k["n_reps"] == 1).all()


def test_money_and_travel_survive_save_load(tmp_path: Path) -> None:
    """The carried costs, service radius and travel times are read back as written."""
    plan, _, _, _ = _plan()
    plan = dataclasses.replace(
        plan, service_radius=3.0, travel_min=np.array([1.0, 2.0, 3.0, 4.0])
    )
    back = SitingPlan.load(plan.save(tmp_path / "p"))
    for name in ("fixed_cost", "closing_cost", "partner_fee", "travel_min"):
        np.testing.assert_array_equal(getattr(back, name), getattr(plan, name))
    assert back.service_radius == 3.0
    assert back.cost_breakdown() == plan.cost_breakdown()


def test_load_of_a_corrupt_folder_names_it(tmp_path: Path) -> None:
    """A result folder whose tables lack a column is one InputError naming the path."""
    plan, _, _, _ = _plan()
    out = plan.save(tmp_path / "p")
    import pandas as pd

    pd.DataFrame({"x": [1]}).to_parquet(out / "allocation.parquet")
    with pytest.raises(InputError, match=str(out)):
        SitingPlan.load(out)


def test_site_options_are_frozen_and_revalidated() -> None:
    """SiteOptions cannot be changed in place; replace() checks the new values."""
    o = SiteOptions(existing=[2, 0], closing_cost=3.0)
    with pytest.raises(dataclasses.FrozenInstanceError):
        o.budget = 5.0  # type: ignore[misc]
    with pytest.raises(ValueError, match="read-only"):
        o.existing[0] = 7
    assert dataclasses.replace(o, existing=[0, 1, 2]).closing_cost is not None
    with pytest.raises(InputError, match="disjoint"):
        dataclasses.replace(o, excluded=[2])
    with pytest.raises(InputError, match="closing_cost must be a scalar or 2 values"):
        SiteOptions(existing=[1, 2], closing_cost=[1.0, 2.0, 3.0])
    with pytest.raises(InputError, match="masks of one length"):
        SiteOptions(existing=[True, False], excluded=[False, False, True])
