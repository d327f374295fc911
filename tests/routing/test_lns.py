"""The region LNS (:mod:`planner.routing.lns`).

A sub-day must be the same day for its technicians and jobs (a route costs
and schedules the same in both), the LNS must never give back value or add
cost, and a plan after it must pass the independent validator, fixed
prefixes and pins included.
"""

from __future__ import annotations

import time

import numpy as np
import pytest

from planner.routing import DispatchParams, solve_dispatch, validate_plan
from planner.routing.instances import field_day_problem, generate_field_day
from planner.routing.lns import region_lns, subset_problem
from planner.routing.schedule import best_schedule, route_cost
from planner.routing.screen import screen_jobs
from planner.routing.solver import _unserved_weight

NO_LNS = DispatchParams(lns_share=0.0)


def _routes(plan, m: int) -> list[list[int]]:  # type: ignore[no-untyped-def]
    st, sj = np.asarray(plan.stop_tech), np.asarray(plan.stop_job)
    return [sj[st == t].tolist() for t in range(m)]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_route_costs_the_same_in_the_sub_day(seed: int) -> None:
    """Every planned route scheduled on the sub-day: same travel, return and cost."""
    p = field_day_problem(generate_field_day(60, 6, seed))
    routes = _routes(solve_dispatch(p, max_iterations=200, seed=seed, params=NO_LNS), 6)
    rng = np.random.default_rng(seed)
    T = np.sort(rng.choice(6, size=3, replace=False))
    served = [j for t in T for j in routes[t]]
    extra = rng.choice(np.setdiff1d(np.arange(60), served), size=5, replace=False)
    J = np.union1d(served, extra)
    sub = subset_problem(p, J, T)
    assert sub.n_jobs == J.size
    assert sub.n_techs == T.size
    jpos = {int(j): i for i, j in enumerate(J)}
    for i, t in enumerate(T.tolist()):
        a = best_schedule(p, t, routes[t])
        b = best_schedule(sub, i, [jpos[j] for j in routes[t]])
        assert a.ok
        assert b.ok
        assert b.travel == pytest.approx(a.travel)
        assert b.ret == pytest.approx(a.ret)
        assert route_cost(sub, i, b) == pytest.approx(route_cost(p, t, a))
    for i, j in enumerate(J.tolist()):
        assert sub.job_ids[i] == p.job_ids[j]
        w0, w1 = p.windows(j), sub.windows(i)
        assert np.array_equal(w0, w1)
        assert np.array_equal(
            np.asarray(sub.job_skills)[i], np.asarray(p.job_skills)[j]
        )


def test_pins_outside_the_region_are_dropped_and_inside_remapped() -> None:
    """A pin to a technician of the region follows it; a pin elsewhere becomes none."""
    p = field_day_problem(generate_field_day(20, 4, 3))
    pin = np.full(20, -1)
    pin[0], pin[1] = 2, 3
    p = p.replace(job_pinned_tech=pin)
    sub = subset_problem(p, np.array([0, 1, 5]), np.array([1, 2]))
    assert np.asarray(sub.job_pinned_tech).tolist() == [1, -1, -1]


@pytest.mark.parametrize("seed", [0, 4])
def test_lns_never_gives_back_value_or_adds_cost(seed: int) -> None:
    """From a short search's routes, the LNS keeps or raises the value, and at equal value the cost falls."""
    p = field_day_problem(generate_field_day(80, 8, seed))
    plan = solve_dispatch(p, max_iterations=50, seed=seed, params=NO_LNS)
    routes = _routes(plan, 8)
    scr = screen_jobs(p)
    weight = _unserved_weight(p)
    value = weight + 1e-6 * p.drop_penalty.astype(float)

    def score(rs: list[list[int]]) -> tuple[float, float]:
        v = float(sum(value[r].sum() for r in rs))
        c = sum(route_cost(p, t, best_schedule(p, t, r)) for t, r in enumerate(rs))
        return v, c

    v0, c0 = score(routes)
    out = region_lns(
        p,
        routes,
        scr.candidate,
        scr.skill_ok & scr.pin_ok,
        weight,
        value,
        [0] * 8,
        deadline=time.perf_counter() + 3.0,
        seed=seed,
        params=DispatchParams(lns_techs=3, lns_sub_s=0.3),
        memory_budget_mb=1000.0,
    )
    assert out["lns_regions"] >= 1
    v1, c1 = score(routes)
    assert v1 >= v0 - 1e-9
    if v1 <= v0 + 1e-9:
        assert c1 <= c0 + 1e-9
    seen = [j for r in routes for j in r]
    assert len(seen) == len(set(seen))
    for t, r in enumerate(routes):
        assert best_schedule(p, t, r).ok
        assert scr.candidate[r, t].all()


def test_a_timed_plan_with_fixed_prefixes_and_pins_is_valid() -> None:
    """Re-planning shape: fixed prefixes and pins through the LNS, checked by the validator."""
    p = field_day_problem(generate_field_day(70, 7, 5))
    first = _routes(solve_dispatch(p, max_iterations=100, seed=0, params=NO_LNS), 7)
    fixed = tuple(tuple(r[:1]) for r in first)
    pin = np.full(70, -1)
    free = [j for j in range(70) if all(j not in f for f in fixed)]
    for t, j in enumerate(free[:3]):
        if screen_jobs(p).candidate[j, t]:
            pin[j] = t
    q = p.replace(fixed_routes=fixed, job_pinned_tech=pin)
    plan = solve_dispatch(
        q, time_limit_s=3.0, seed=1, params=DispatchParams(lns_sub_s=0.3)
    )
    assert plan.stats.extra.get("lns_regions", 0) >= 1
    assert not validate_plan(q, plan)
    got = _routes(plan, 7)
    for t, f in enumerate(fixed):
        assert tuple(got[t][: len(f)]) == f


def test_the_first_search_borrows_the_lns_time_for_its_width(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A search deadline too near for a wide first local search is widened by ``width_deadline``."""
    import logging

    from planner.routing.pyvrp_engine import solve_pyvrp
    from planner.routing.schedule import static_problem

    p = field_day_problem(generate_field_day(120, 12, 2))
    scr = screen_jobs(p)
    # a neighbour costs 24 ms (2e-4 s a client): 2 s left buys about 40
    params = DispatchParams(ls_s_per_pair=2e-4)

    def width(width_deadline: float | None = None) -> int:
        caplog.clear()
        with caplog.at_level(logging.INFO, logger="planner.routing.pyvrp_engine"):
            routes, _ = solve_pyvrp(
                static_problem(p),
                scr.candidate,
                _unserved_weight(p),
                search_deadline=time.perf_counter() + 2.0,
                seed=0,
                max_iterations=None,
                lexicographic=True,
                permitted=scr.skill_ok & scr.pin_ok,
                memory_budget_mb=1000.0,
                params=params,
                width_deadline=width_deadline,
            )
        assert len(routes) == 12
        got = [
            r.getMessage() for r in caplog.records if "neighbourhood" in r.getMessage()
        ]
        assert got, "the search did not run"
        return int(got[0].rsplit(" ", 1)[1])

    narrow = width()
    wide = width(width_deadline=time.perf_counter() + 600.0)
    assert narrow <= 45 < wide


def test_a_route_that_may_not_take_a_job_does_not_keep_it_out_of_a_region() -> None:
    """An unrouted job only technician 0 may do joins 0's region, though 1's route passes nearer."""
    from planner.routing.lns import _region

    p = field_day_problem(generate_field_day(30, 2, 6))
    D, loc = np.asarray(p.duration_min), np.asarray(p.job_loc)
    s0 = int(p.tech_start_loc[0])

    def case(u: int) -> tuple[int, int] | None:
        # v: u's nearest job, nearer u than technician 0's start and than a,
        # the job furthest from u (technician 0's only stop)
        d = D[loc[u], loc].astype(float)
        d[u] = np.inf
        v, a = int(np.argmin(d)), int(np.argmax(np.where(np.isfinite(d), d, -1)))
        ok = a != v and D[loc[u], loc[v]] < min(D[loc[u], s0], D[loc[u], loc[a]])
        return (v, a) if ok else None

    found = [(u, va) for u in range(30) if (va := case(u)) is not None]
    assert found, "the fixed day (30 jobs, seed 6) no longer holds the case"
    u, (v, a) = found[0]
    cand = np.ones((30, 2), dtype=bool)
    cand[u, 1] = False  # only technician 0 may do u
    T, J = _region(p, [[a], [v]], cand, 0, 1)
    assert T.tolist() == [0]
    assert u in J.tolist()
    # a job both may do stays with the nearer route
    cand[u, 1] = True
    _, J2 = _region(p, [[a], [v]], cand, 0, 1)
    assert u not in J2.tolist()
