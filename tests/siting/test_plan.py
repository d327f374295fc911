"""SitingPlan: read-only arrays, frames, save/load round trip, validation."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from planner.core.errors import InputError
from planner.core.result import SolverStats, SolveStatus
from planner.siting import SiteOptions, SitingPlan, nearest_open, solve_pmedian


def _plan() -> SitingPlan:
    cost = np.array([[0.0, 4, 9], [4, 0, 5], [9, 5, 0], [8, 6, 1]])
    return solve_pmedian(cost, [1, 2, 1, 1], 2, options=SiteOptions(existing=[2]))


def test_arrays_read_only_and_frozen() -> None:
    """Plan arrays cannot be written and fields cannot be reassigned."""
    plan = _plan()
    with pytest.raises(ValueError, match="read-only"):
        plan.open_idx[0] = 1
    with pytest.raises(ValueError, match="read-only"):
        plan.assign_cost[0] = 1.0
    with pytest.raises(AttributeError):
        plan.objective = 0.0  # type: ignore[misc]


def test_frames_consistent() -> None:
    """to_frame has one row per candidate, allocation_frame one per demand point."""
    plan = _plan()
    cand = plan.to_frame()
    alloc = plan.allocation_frame()
    assert len(cand) == 3
    assert len(alloc) == 4
    assert cand["open"].sum() == plan.p == 2
    assert bool(cand.loc[2, "existing"])
    assert cand["load"].sum() == pytest.approx(5.0)
    assert (alloc["weight"] * alloc["cost"]).sum() == pytest.approx(plan.objective)
    assert set(alloc["outlet_idx"]) <= set(plan.open_idx.tolist())
    assert "pmedian" in str(plan)


def test_save_load_round_trip(tmp_path: Path) -> None:
    """save/load reproduces every field, with no pickle involved."""
    plan = _plan()
    plan.save(tmp_path / "plan")
    assert sorted(p.name for p in (tmp_path / "plan").iterdir()) == [
        "allocation.parquet",
        "candidates.parquet",
        "result.json",
    ]
    back = SitingPlan.load(tmp_path / "plan")
    assert back.open_idx.tolist() == plan.open_idx.tolist()
    np.testing.assert_array_equal(back.assign_idx, plan.assign_idx)
    np.testing.assert_array_equal(back.assign_cost, plan.assign_cost)
    assert back.objective == plan.objective
    assert back.bound == plan.bound
    assert back.status is plan.status
    assert back.existing_idx.tolist() == [2]
    assert back.stats.solver == plan.stats.solver


def test_assignment_to_closed_outlet_rejected() -> None:
    """A plan whose allocation uses a closed candidate is refused."""
    with pytest.raises(InputError, match="assign_idx"):
        SitingPlan(
            model="pmedian",
            n_candidates=3,
            open_idx=np.array([0]),
            assign_idx=np.array([1]),
            assign_cost=np.array([1.0]),
            weights=np.array([1.0]),
            objective=1.0,
            bound=1.0,
            status=SolveStatus.OPTIMAL,
            stats=SolverStats(solver="x", runtime_s=0.0),
        )


def test_nearest_open_matches_argmin() -> None:
    """nearest_open agrees with a direct argmin, also across small blocks."""
    rng = np.random.default_rng(0)
    cost = rng.uniform(size=(50, 20))
    idx, c = nearest_open(cost, [3, 7, 11], chunk=10)
    sub = cost[:, [3, 7, 11]]
    np.testing.assert_array_equal(idx, np.array([3, 7, 11])[sub.argmin(1)])
    np.testing.assert_array_equal(c, sub.min(1))


def test_save_load_every_model(tmp_path: Path) -> None:
    """Plans of every model (radius, capacity, max sense) survive save/load."""
    from planner.siting import (
        solve_facility_location,
        solve_lscp,
        solve_mclp,
        solve_pcenter,
    )

    cost = np.array([[0.0, 4, 9], [4, 0, 5], [9, 5, 0], [8, 6, 1]])
    w = np.array([1.0, 2.0, 1.0, 1.0])
    plans = {
        "mclp": solve_mclp(cost, w, 1, 4.0),
        "lscp": solve_lscp(cost, w, 4.0),
        "pcenter": solve_pcenter(cost, w, 2),
        "cfl": solve_facility_location(cost, w, 3.0, capacity=3.0),
    }
    for name, plan in plans.items():
        back = SitingPlan.load(plan.save(tmp_path / name))
        assert back.model == plan.model
        assert back.sense == plan.sense
        assert back.radius == plan.radius
        assert back.objective == plan.objective
        assert back.bound == plan.bound
        assert back.coverage_share == plan.coverage_share
        np.testing.assert_array_equal(back.outlet_load, plan.outlet_load)
        if plan.capacity is not None:
            assert back.capacity is not None
            np.testing.assert_array_equal(back.capacity, plan.capacity)
