"""Insertion places and the capacity proof against brute force and an own route checker."""

from __future__ import annotations

import numpy as np
import pytest

from planner.routing import DispatchProblem, check_plan, solve_dispatch
from planner.routing.insertion import SlackCache
from planner.routing.schedule import best_schedule, candidate_places, insertion_places


def _day(
    seed: int, n: int, m: int, *, breaks: bool, over: float = 1.0
) -> DispatchProblem:
    """A random day with windows (some with two), skills, parts, load and maybe breaks."""
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, 30, size=(m + n, 2))
    d = np.sqrt(((xy[:, None] - xy[None]) ** 2).sum(axis=2)) * 2
    n_win = rng.integers(1, 3, size=n)
    ptr = np.concatenate([[0], np.cumsum(n_win)])
    early = np.sort(rng.uniform(480, 900, size=int(ptr[-1])))
    late = early + rng.uniform(0, 150, size=len(early))
    # windows of one job must not overlap: keep them sorted by construction
    for j in range(n):
        a, b = int(ptr[j]), int(ptr[j + 1])
        for w in range(a + 1, b):
            early[w] = max(early[w], late[w - 1] + 1)
            late[w] = max(late[w], early[w])
    return DispatchProblem(
        duration_min=d,
        distance_m=d * 400,
        job_loc=np.arange(m, m + n),
        service_min=rng.uniform(10, 90, size=n) * over,
        tw_ptr=ptr,
        tw_early_min=early,
        tw_late_min=late,
        tech_start_loc=np.arange(m),
        tech_end_loc=rng.integers(0, m, size=m),
        shift_start_min=np.full(m, 480.0),
        shift_end_min=rng.uniform(760, 1020, size=m),
        job_skills=rng.random((n, 2)) < 0.3,
        tech_skills=rng.random((m, 2)) < 0.7,
        job_parts=rng.integers(0, 2, size=(n, 2)) * (rng.random((n, 2)) < 0.3),
        tech_stock=rng.integers(0, 3, size=(m, 2)),
        job_load=rng.uniform(0, 3, size=n),
        tech_capacity=rng.uniform(4, 12, size=m),
        break_min=np.where(rng.random(m) < 0.7, 30.0, 0.0) if breaks else np.zeros(m),
        break_early_min=np.full(m, 660.0),
        break_late_min=np.full(m, 720.0),
        max_overtime_min=rng.choice([0.0, 45.0], size=m),
        max_work_min=rng.choice([np.inf, 420.0], size=m),
    )


def _random_routes(p: DispatchProblem, rng: np.random.Generator) -> list[list[int]]:
    """Feasible routes built by random insertion (checked with best_schedule)."""
    routes: list[list[int]] = [[] for _ in range(p.n_techs)]
    for j in rng.permutation(p.n_jobs).tolist():
        t = int(rng.integers(p.n_techs))
        k = int(rng.integers(len(routes[t]) + 1))
        new = [*routes[t][:k], j, *routes[t][k:]]
        if best_schedule(p, t, new).ok:
            routes[t] = new
    return routes


@pytest.mark.parametrize("seed", range(12))
def test_places_are_exactly_the_feasible_ones(seed: int) -> None:
    """Every position where best_schedule accepts the job is found, and nothing else."""
    p = _day(seed, 14, 3, breaks=True)
    rng = np.random.default_rng(seed)
    routes = _random_routes(p, rng)
    routed = {j for r in routes for j in r}
    for j in set(range(p.n_jobs)) - routed:
        for t in range(p.n_techs):
            r = routes[t]
            brute = {
                k
                for k in range(len(r) + 1)
                if best_schedule(p, t, [*r[:k], j, *r[k:]]).ok
            }
            got = {k for _, k in insertion_places(p, t, r, j)}
            assert got == brute
            screened = {k for _, k in candidate_places(p, t, r, j)}
            assert brute <= screened


@pytest.mark.parametrize("seed", range(6))
def test_flat_index_matches_route_by_route(seed: int) -> None:
    """SlackCache.places over all routes equals candidate_places route by route."""
    p = _day(seed, 16, 4, breaks=True)
    routes = _random_routes(p, np.random.default_rng(seed))
    n_fixed = [min(1, len(r)) for r in routes]
    cache = SlackCache(p, routes, n_fixed)
    for j in range(p.n_jobs):
        flat = {(t, k) for _, t, k in cache.places(j, np.ones(p.n_techs, bool))}
        each = {
            (t, k)
            for t in range(p.n_techs)
            for _, k in candidate_places(p, t, routes[t], j, n_fixed=n_fixed[t])
        }
        assert flat == each
    routes[0].insert(0, routes[0].pop()) if len(routes[0]) > 1 else None
    j = 0
    flat = {(t, k) for _, t, k in cache.places(j, np.ones(p.n_techs, bool))}
    each = {
        (t, k)
        for t in range(p.n_techs)
        for _, k in candidate_places(p, t, routes[t], j, n_fixed=n_fixed[t])
    }
    assert flat == each  # the changed route was re-indexed


def _fits(p: DispatchProblem, t: int, route: list[int]) -> bool:
    """Own check of one route without a break: windows, shift, overtime, work, van, skills."""
    d = p.duration_min
    cur, loc = float(p.shift_start_min[t]), int(p.tech_start_loc[t])
    for j in route:
        if (p.job_skills[j] & ~p.tech_skills[t]).any():
            return False
        lj = int(p.job_loc[j])
        arrive = cur + float(d[loc, lj])
        starts = [
            max(arrive, float(e))
            for e, lt in p.windows(j).tolist()
            if arrive <= lt + 1e-9
        ]
        if not starts:
            return False
        cur, loc = min(starts) + float(p.service_min[j]), lj
    ret = cur + float(d[loc, int(p.tech_end_loc[t])])
    if ret > float(p.shift_end_min[t]) + float(p.max_overtime_min[t]) + 1e-9:
        return False
    if ret - float(p.shift_start_min[t]) > float(p.max_work_min[t]) + 1e-9:
        return False
    if (p.job_parts[route].sum(axis=0) > p.tech_stock[t]).any():
        return False
    return float(p.job_load[route].sum()) <= float(p.tech_capacity[t]) + 1e-9


@pytest.mark.parametrize("seed", range(8))
def test_capacity_means_no_place_on_any_route(seed: int) -> None:
    """Over-booked days without breaks: a job left for capacity fits no position of any route."""
    p = _day(seed, 18, 3, breaks=False, over=2.5)
    plan = solve_dispatch(p, max_iterations=30, seed=seed)
    check_plan(p, plan)
    routes = [plan.route(t).tolist() for t in range(p.n_techs)]
    n_cap = 0
    for j, why in zip(
        plan.unassigned_job.tolist(), plan.unassigned_reason, strict=True
    ):
        if why != "capacity":
            continue
        n_cap += 1
        for t in range(p.n_techs):
            r = routes[t]
            for k in range(len(r) + 1):
                assert not _fits(p, t, [*r[:k], j, *r[k:]])
    assert (
        n_cap
        + plan.n_served
        + len([w for w in plan.unassigned_reason if w != "capacity"])
        == p.n_jobs
    )
