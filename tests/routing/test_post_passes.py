"""The passes after the search: 1-out-2-in exchange and travel swaps."""

from __future__ import annotations

import numpy as np
import pytest

from planner.core.result import SolverStats
from planner.routing import DispatchProblem, check_plan
from planner.routing.insertion import exchange, travel_swaps
from planner.routing.schedule import best_schedule
from planner.routing.screen import screen_jobs
from planner.routing.solver import build_plan


def _line(service: list[float], x: list[float], shift_end: float) -> DispatchProblem:
    """One technician at x = 0, jobs on a line (1 min per unit), windows all day."""
    xs = np.array([0.0, *x])
    d = np.abs(xs[:, None] - xs[None, :])
    n = len(x)
    return DispatchProblem(
        duration_min=d,
        distance_m=d * 500,
        job_loc=np.arange(1, n + 1),
        service_min=service,
        tw_ptr=np.arange(n + 1),
        tw_early_min=[480] * n,
        tw_late_min=[1000] * n,
        tech_start_loc=[0],
        tech_end_loc=[0],
        shift_start_min=[480],
        shift_end_min=[shift_end],
    )


def _plan_cost(p: DispatchProblem, routes: list[list[int]], left: list[int]) -> float:
    plan = build_plan(
        p, routes, [(j, "capacity", "") for j in left], SolverStats("t", 0.0)
    )
    check_plan(p, plan)
    return float(plan.cost["travel_time"] + plan.cost["travel_distance"])


def test_travel_swap_takes_the_nearer_job() -> None:
    """Room for one 60-min job: the far one (50 min away) is swapped for the near one (5 min)."""
    p = _line([60, 60], [50, 5], 480 + 160)
    routes, left = [[0]], [1]
    before = _plan_cost(p, routes, left)
    cand = screen_jobs(p).candidate
    left = travel_swaps(p, routes, left, cand, [0], np.ones(2), deadline=np.inf)
    assert routes == [[1]]
    assert left == [0]
    assert _plan_cost(p, routes, left) == pytest.approx(
        before
        - 90 / 60 * p.rates.travel_per_hour
        - 90 * 500 / 1000 * p.rates.travel_per_km
    )


@pytest.mark.parametrize("seed", range(6))
def test_travel_swaps_keep_count_and_never_cost_more(seed: int) -> None:
    """Random one-technician lines: same jobs served, a valid plan, cost not higher."""
    rng = np.random.default_rng(seed)
    n = 7
    p = _line(
        rng.integers(20, 80, size=n).tolist(),
        rng.uniform(-40, 40, size=n).tolist(),
        480 + 200,
    )
    route: list[int] = []
    left: list[int] = []
    for j in rng.permutation(n).tolist():  # a random feasible start
        if best_schedule(p, 0, [*route, j]).ok:
            route.append(j)
        else:
            left.append(j)
    routes = [route]
    before = _plan_cost(p, routes, left)
    cand = screen_jobs(p).candidate
    left = travel_swaps(p, routes, left, cand, [0], np.ones(n), deadline=np.inf)
    assert len(routes[0]) == len(route)
    assert sorted(routes[0] + left) == list(range(n))
    assert _plan_cost(p, routes, left) <= before + 1e-9


def test_exchange_serves_two_short_jobs_instead_of_one_long() -> None:
    """A day filled by one 150-min job: two 40-min jobs next to it replace it."""
    p = _line([150, 40, 40], [10, 12, 14], 480 + 180)
    routes, left = [[0]], [1, 2]
    cand = screen_jobs(p).candidate
    left = exchange(p, routes, left, cand, [0], np.ones(3), deadline=np.inf)
    assert sorted(routes[0]) == [1, 2]
    assert left == [0]
    _plan_cost(p, routes, left)  # valid
