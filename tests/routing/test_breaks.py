"""Lunch breaks taken while waiting at a stop (or on the way), against brute force."""

from __future__ import annotations

import dataclasses
import itertools

import numpy as np
import pytest

from planner.routing import DispatchProblem, check_plan, solve_dispatch, validate_plan


def _route_ready(
    p: DispatchProblem, route: tuple[int, ...], gap: int, bs: int, *, old: bool
) -> bool:
    """Is ``route`` feasible for technician 0 with the break starting at ``bs`` in gap ``gap``?

    The issue's rule, written as intervals: the break ``[bs, bs + b]`` lies in
    its window and inside the gap between the previous service end (or the
    departure) and the next service start (or the return), and that gap also
    holds the whole travel. With ``old``, the break must start the gap (taken
    before driving), as the solver did before.
    """
    d = p.duration_min
    brk = float(p.break_min[0])
    if not float(p.break_early_min[0]) <= bs <= float(p.break_late_min[0]):
        return False
    cur, loc = float(p.shift_start_min[0]), int(p.tech_start_loc[0])
    stops = [int(p.job_loc[j]) for j in route] + [int(p.tech_end_loc[0])]
    for k, nxt in enumerate(stops):
        tau = float(d[loc, nxt])
        earliest = cur + tau  # earliest next start (or return)
        if k == gap:
            if bs < cur:
                return False
            earliest = max(cur + tau + brk, bs + brk)
            if old:
                earliest = bs + brk + tau
        if k == len(route):
            return earliest <= float(p.shift_end_min[0])
        j = route[k]
        start = max(earliest, float(p.tw_early_min[j]))
        if start > float(p.tw_late_min[j]):
            return False
        cur, loc = start + float(p.service_min[j]), nxt
    return False  # pragma: no cover


def _brute(p: DispatchProblem, *, old: bool = False) -> int:
    """Most jobs one technician can serve, over every order, gap and whole-minute break start."""
    n = p.n_jobs
    lo, hi = int(p.break_early_min[0]), int(p.break_late_min[0])
    for size in range(n, 0, -1):
        for sub in itertools.combinations(range(n), size):
            for route in itertools.permutations(sub):
                for gap in range(size + 1):
                    if any(
                        _route_ready(p, route, gap, bs, old=old)
                        for bs in range(lo, hi + 1)
                    ):
                        return size
    return 0


def _lunch_at_the_job() -> DispatchProblem:
    """One job 60 min away whose window [640, 650] opens just after the break window [600, 610].

    Driving first and eating while waiting serves it (break 600-630, service
    640-670, home at 730); eating before driving arrives at 690, and eating
    after the job starts the break at 670, after its window.
    """
    d = np.array([[0.0, 60.0], [60.0, 0.0]])
    return DispatchProblem(
        duration_min=d,
        distance_m=d * 500,
        job_loc=[1],
        service_min=[30],
        tw_ptr=[0, 1],
        tw_early_min=[640],
        tw_late_min=[650],
        tech_start_loc=[0],
        tech_end_loc=[0],
        shift_start_min=[480],
        shift_end_min=[740],
        break_min=[30],
        break_early_min=[600],
        break_late_min=[610],
    )


@pytest.mark.parametrize("engine", ["auto", "ortools", "greedy"])
def test_break_taken_while_waiting_at_the_job(engine: str) -> None:
    """The only way to serve the job is lunch at its door: brute force says 1 (old rule 0); so do all engines."""
    p = _lunch_at_the_job()
    assert _brute(p) == 1
    assert _brute(p, old=True) == 0
    plan = solve_dispatch(p, max_iterations=50, engine=engine)
    check_plan(p, plan)
    assert plan.n_served == 1
    bs = float(plan.break_start_min[0])
    assert float(plan.arrival_min[0]) == pytest.approx(540.0)
    assert 600.0 <= bs <= 610.0
    assert bs + 30.0 <= float(plan.start_min[0]) + 1e-9


def test_validator_rejects_break_overlapping_service() -> None:
    """A break reported during the service (or before the departure) is a violation."""
    p = _lunch_at_the_job()
    plan = solve_dispatch(p, max_iterations=50)
    for bad_start in (650.0, 470.0):
        b = np.asarray(plan.break_start_min).copy()
        b[0] = bad_start
        kinds = {
            v.kind
            for v in validate_plan(p, dataclasses.replace(plan, break_start_min=b))
        }
        assert kinds & {"break", "time", "window"}


def _tiny_with_break(rng: np.random.Generator, n: int) -> DispatchProblem:
    xy = rng.integers(0, 25, size=(n + 1, 2))
    d = np.abs(xy[:, None, :] - xy[None, :, :]).sum(axis=2).astype(float)
    early = rng.integers(480, 720, size=n)
    be = int(rng.integers(560, 640))
    return DispatchProblem(
        duration_min=d,
        distance_m=d * 500,
        job_loc=np.arange(1, n + 1),
        service_min=rng.integers(20, 60, size=n),
        tw_ptr=np.arange(n + 1),
        tw_early_min=early,
        tw_late_min=early + rng.integers(0, 40, size=n),
        tech_start_loc=[0],
        tech_end_loc=[0],
        shift_start_min=[480],
        shift_end_min=[int(rng.integers(700, 800))],
        break_min=[30],
        break_early_min=[be],
        break_late_min=[be + int(rng.integers(0, 30))],
    )


@pytest.mark.parametrize("case", range(8))
def test_tiny_days_with_breaks_match_brute_force(case: int) -> None:
    """Up to 4 jobs, one technician with a lunch break: as many jobs as brute force, valid plan."""
    p = _tiny_with_break(np.random.default_rng(300 + case), 3 + case % 2)
    best = _brute(p)
    for engine in ("auto", "ortools"):
        plan = solve_dispatch(p, max_iterations=200, seed=0, engine=engine)
        check_plan(p, plan)
        assert plan.n_served == best, engine
