"""The validator catches broken plans (so the solver tests can fail)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from planner.routing import (
    DispatchPlan,
    DispatchProblem,
    PlanViolationError,
    check_plan,
    solve_dispatch,
    validate_plan,
)


@pytest.fixture(scope="module")
def day() -> tuple[DispatchProblem, DispatchPlan]:
    """Four jobs, two technicians with different skills and a lunch break."""
    rng = np.random.default_rng(5)
    xy = rng.uniform(0, 10, size=(6, 2))
    d = np.sqrt(((xy[:, None] - xy[None]) ** 2).sum(axis=2)) * 3
    p = DispatchProblem(
        duration_min=d,
        distance_m=d * 500,
        job_loc=[2, 3, 4, 5],
        service_min=[30, 40, 20, 30],
        tw_ptr=[0, 1, 2, 3, 5],
        tw_early_min=[480, 500, 600, 480, 800],
        tw_late_min=[700, 800, 900, 520, 900],
        tech_start_loc=[0, 1],
        tech_end_loc=[0, 1],
        shift_start_min=[480, 480],
        shift_end_min=[1000, 1000],
        job_skills=[[True, False], [False, True], [False, False], [True, False]],
        tech_skills=[[True, False], [False, True]],
        job_parts=[[1], [0], [0], [0]],
        tech_stock=[[1], [0]],
        break_min=[30, 30],
        break_early_min=[700, 700],
        break_late_min=[760, 760],
    )
    plan = solve_dispatch(p, max_iterations=100)
    return p, plan


def test_solver_plan_is_valid(day: tuple[DispatchProblem, DispatchPlan]) -> None:
    """The solver's own plan serves all four jobs and passes."""
    p, plan = day
    check_plan(p, plan)
    assert plan.n_served == 4
    assert (np.asarray(plan.break_after) >= 0).all()


def _kinds(p: DispatchProblem, plan: DispatchPlan) -> set[str]:
    return {v.kind for v in validate_plan(p, plan)}


def test_catches_shifted_time(day: tuple[DispatchProblem, DispatchPlan]) -> None:
    """A reported start that is not the recomputed one is a violation."""
    p, plan = day
    s = np.asarray(plan.start_min).copy()
    s[0] += 5
    assert "time" in _kinds(p, dataclasses.replace(plan, start_min=s))


def test_catches_wrong_skill(day: tuple[DispatchProblem, DispatchPlan]) -> None:
    """Moving every visit to the other technician breaks skills."""
    p, plan = day
    bad = dataclasses.replace(plan, stop_tech=np.sort(1 - np.asarray(plan.stop_tech)))
    assert "skill" in _kinds(p, bad)


def test_catches_job_twice_and_missing(
    day: tuple[DispatchProblem, DispatchPlan],
) -> None:
    """A job listed twice or never is a violation."""
    p, plan = day
    un = np.asarray(plan.stop_job)[:1]
    with pytest.raises(PlanViolationError, match="once"):
        check_plan(
            p,
            dataclasses.replace(
                plan, unassigned_job=un, unassigned_reason=["capacity"]
            ),
        )


def test_catches_false_reason_and_objective(
    day: tuple[DispatchProblem, DispatchPlan],
) -> None:
    """An empty plan claiming 'skill' for servable jobs, with objective 0, is caught."""
    p, _ = day
    empty = DispatchPlan.empty(p.job_ids, p.tech_ids)
    empty = dataclasses.replace(
        empty, unassigned_reason=["skill"] * 4, job_urgency=p.job_urgency
    )
    assert {"reason", "objective"} <= _kinds(p, empty)


def test_catches_break_outside_window(
    day: tuple[DispatchProblem, DispatchPlan],
) -> None:
    """A break reported at 9:00 (window 11:40-12:40) is caught."""
    p, plan = day
    b = np.asarray(plan.break_start_min).copy()
    b[0] = 540.0
    assert "break" in _kinds(p, dataclasses.replace(plan, break_start_min=b))


def test_save_load_roundtrip(
    day: tuple[DispatchProblem, DispatchPlan], tmp_path: object
) -> None:
    """A saved plan loads back identical and still valid; to_frame has one row per visit."""
    p, plan = day
    f = tmp_path / "plan.json"  # type: ignore[operator]
    plan.save(f)
    back = DispatchPlan.load(f)
    check_plan(p, back)
    assert back.to_frame().equals(plan.to_frame())
    assert len(plan.to_frame()) == plan.n_served
    assert "served_urgent" in plan.kpis
    assert str(plan).startswith("DispatchPlan")
