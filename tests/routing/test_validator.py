"""The validator catches broken plans (so the solver tests can fail)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from planner.core.errors import InfeasibleError
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
    f = tmp_path / "plan"  # type: ignore[operator]
    assert plan.save(f) == f
    back = DispatchPlan.load(f)
    check_plan(p, back)
    assert back.to_frame().equals(plan.to_frame())
    assert back.techs_frame().equals(plan.techs_frame())
    assert back.unassigned_frame().equals(plan.unassigned_frame())
    assert back.stats == plan.stats
    assert len(plan.to_frame()) == plan.n_served
    assert "served_urgent" in plan.kpi_dict()
    assert str(plan).startswith("DispatchPlan")


def _line_day(**kw: object) -> DispatchProblem:
    """Five jobs on a line, one technician at 0; travel 10 min per step."""
    x = np.arange(6) * 10.0
    d = np.abs(x[:, None] - x[None, :])
    base: dict[str, object] = {
        "duration_min": d,
        "distance_m": d * 500,
        "job_loc": [1, 2, 3, 4, 5],
        "service_min": [20] * 5,
        "tw_ptr": [0, 1, 2, 3, 4, 5],
        "tw_early_min": [480] * 5,
        "tw_late_min": [900] * 5,
        "tech_start_loc": [0, 0],
        "tech_end_loc": [0, 0],
        "shift_start_min": [480, 480],
        "shift_end_min": [720, 720],
    }
    base.update(kw)
    return DispatchProblem(**base)  # type: ignore[arg-type]


def test_fixed_route_is_kept_as_prefix() -> None:
    """A fixed route (re-planning during the day) stays first and in order."""
    p = _line_day(fixed_routes=[[4, 0], []])
    plan = solve_dispatch(p, max_iterations=100)
    check_plan(p, plan)
    assert plan.route(0)[:2].tolist() == [4, 0]


def test_pinned_jobs_stay_with_their_technician() -> None:
    """Pinned jobs are served by their technician only."""
    p = _line_day(job_pinned_tech=[1, 1, -1, -1, 1])
    plan = solve_dispatch(p, max_iterations=100)
    check_plan(p, plan)
    assert set(plan.route(1).tolist()) >= {0, 1, 4}


def test_infeasible_fixed_route_raises() -> None:
    """A fixed route that cannot be kept is reported before solving, with numbers."""
    p = _line_day(fixed_routes=[[4, 0, 3, 1, 2], []], shift_end_min=[560, 720])
    with pytest.raises(InfeasibleError, match="fixed route"):
        solve_dispatch(p, max_iterations=10)


def test_unassigned_reasons_are_checked() -> None:
    """Skill, window and parts reasons are given and accepted by the validator."""
    p = _line_day(
        tw_early_min=[480, 480, 300, 480, 480],
        tw_late_min=[900, 900, 310, 900, 900],
        job_skills=[[False], [True], [False], [False], [False]],
        tech_skills=[[False], [False]],
        job_parts=[[0], [0], [0], [3], [0]],
        tech_stock=[[1], [2]],
    )
    plan = solve_dispatch(p, max_iterations=50)
    check_plan(p, plan)
    got = dict(zip(plan.unassigned_job.tolist(), plan.unassigned_reason, strict=True))
    assert got == {1: "skill", 2: "window", 3: "parts"}


def test_load_and_parts_beyond_every_van_have_their_own_reason() -> None:
    """A job heavier than every van is 'load', one needing more parts than any van holds 'parts'.

    Both jobs also have a window no shift can reach, so the old screen called
    them 'window'; the validator accepts the new reasons and rejects 'window'
    for the heavy job and 'load' for the light one.
    """
    p = _line_day(
        tw_early_min=[480, 300, 300, 480, 480],
        tw_late_min=[900, 310, 310, 900, 900],
        job_load=[1, 9, 1, 1, 1],
        tech_capacity=[5, 8],
        job_parts=[[0], [0], [3], [0], [0]],
        tech_stock=[[1], [2]],
    )
    plan = solve_dispatch(p, max_iterations=50)
    check_plan(p, plan)
    got = dict(zip(plan.unassigned_job.tolist(), plan.unassigned_reason, strict=True))
    assert got == {1: "load", 2: "parts"}
    # swap the two claims: both are now false
    swapped = dataclasses.replace(
        plan,
        unassigned_reason=tuple(
            {"load": "window", "parts": "load"}[r] for r in plan.unassigned_reason
        ),
    )
    bad = {v.where for v in validate_plan(p, swapped) if v.kind == "reason"}
    assert bad == {p.job_ids[1], p.job_ids[2]}


@pytest.mark.parametrize("engine", ["pyvrp", "ortools"])
def test_break_taken_in_waiting_time(engine: str) -> None:
    """Shift 8:00-12:00 with a fixed 10:00-11:00 lunch: A (8:05, 110 min), lunch, B (11:05-11:40, 50 min).

    The day is exactly full (return at 12:00), so both jobs are served only if
    the lunch goes into the wait before B; any engine must find that.
    """
    d = np.full((3, 3), 5.0)
    np.fill_diagonal(d, 0.0)
    p = DispatchProblem(
        duration_min=d,
        distance_m=d * 500,
        job_loc=[1, 2],
        service_min=[110, 50],
        tw_ptr=[0, 1, 2],
        tw_early_min=[485, 665],
        tw_late_min=[485, 700],
        tech_start_loc=[0],
        tech_end_loc=[0],
        shift_start_min=[480],
        shift_end_min=[720],
        break_min=[60],
        break_early_min=[600],
        break_late_min=[600],
    )
    plan = solve_dispatch(p, engine=engine, max_iterations=50)
    check_plan(p, plan)
    assert plan.n_served == 2
    assert float(plan.break_start_min[0]) == 600.0
    assert float(plan.return_min[0]) == 720.0
