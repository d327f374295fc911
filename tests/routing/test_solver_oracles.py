"""solve_dispatch against outside answers: Solomon best-known, brute force, the validator."""

from __future__ import annotations

import csv
import itertools
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.routing import (
    DispatchParams,
    DispatchProblem,
    check_plan,
    solve_dispatch,
    validate_plan,
)
from planner.routing.instances import read_solomon

BENCH = Path(__file__).resolve().parents[2].parent / "shared" / "benchmarks"


def _bench() -> Path:
    """The shared benchmarks, or the Solomon files kept in tests/data."""
    if (BENCH / "solomon").is_dir():
        return BENCH
    return Path(__file__).resolve().parents[1] / "data"


# Bound on distance above best-known (full precision) after 2,000 iterations.
SOLOMON_BOUND = {"C101": 0.005, "R101": 0.02, "RC101": 0.03}


@pytest.mark.parametrize("name", sorted(SOLOMON_BOUND))
def test_solomon_within_bound(name: str) -> None:
    """Solomon instance, 25 vehicles, 2,000 iterations: all served, valid, near best-known."""
    bench = _bench()
    with (bench / "solomon" / "bks.csv").open() as f:
        bks = {r["instance"]: r for r in csv.DictReader(f)}
    p = read_solomon(bench / "solomon" / f"{name}.txt", n_vehicles=25)
    plan = solve_dispatch(p, max_iterations=2000, seed=0)
    check_plan(p, plan)
    assert plan.n_served == 100
    dist = float(np.sum(plan.distance_m))
    best = float(bks[name]["distance_float"])
    assert dist <= best * (1 + SOLOMON_BOUND[name])
    assert dist >= best * (1 - 1e-3)  # nobody beats the best-known by much


# ---------------------------------------------------------------- brute force
def _tiny(rng: np.random.Generator, n: int, m: int) -> DispatchProblem:
    xy = rng.integers(0, 20, size=(m + n, 2))
    d = np.abs(xy[:, None, :] - xy[None, :, :]).sum(axis=2).astype(float)
    early = rng.integers(480, 600, size=n)
    return DispatchProblem(
        duration_min=d,
        distance_m=d * 500,
        job_loc=np.arange(m, m + n),
        service_min=rng.integers(20, 60, size=n),
        tw_ptr=np.arange(n + 1),
        tw_early_min=early,
        tw_late_min=early + rng.integers(0, 120, size=n),
        tech_start_loc=np.arange(m),
        tech_end_loc=np.arange(m),
        shift_start_min=np.full(m, 480),
        shift_end_min=np.full(m, 480 + int(rng.integers(90, 200))),
    )


def _route_ok(p: DispatchProblem, t: int, route: tuple[int, ...]) -> float | None:
    """Travel distance of a route if time-feasible (own code, no breaks)."""
    d, dist = p.duration_min, p.distance_m
    cur, loc, km = float(p.shift_start_min[t]), int(p.tech_start_loc[t]), 0.0
    for j in route:
        lj = int(p.job_loc[j])
        cur = max(cur + d[loc, lj], float(p.tw_early_min[j]))
        if cur > p.tw_late_min[j]:
            return None
        km += dist[loc, lj]
        cur += float(p.service_min[j])
        loc = lj
    cur += d[loc, int(p.tech_end_loc[t])]
    if cur > p.shift_end_min[t]:
        return None
    return float(km + dist[loc, int(p.tech_end_loc[t])])


def _brute(p: DispatchProblem) -> tuple[int, float]:
    """Most jobs served, then least distance, by enumerating every assignment and order."""
    n, m = p.n_jobs, p.n_techs
    best = (0, 0.0)
    best_route: dict[tuple[int, tuple[int, ...]], float | None] = {}

    def cost(t: int, jobs: tuple[int, ...]) -> float | None:
        key = (t, jobs)
        if key not in best_route:
            vals = [
                c
                for perm in itertools.permutations(jobs)
                if (c := _route_ok(p, t, perm)) is not None
            ]
            best_route[key] = min(vals) if vals else None
        return best_route[key]

    for assign in itertools.product(range(-1, m), repeat=n):
        served = sum(a >= 0 for a in assign)
        if served < best[0]:
            continue
        total = 0.0
        for t in range(m):
            c = cost(t, tuple(j for j in range(n) if assign[j] == t))
            if c is None:
                break
            total += c
        else:
            if (served, -total) > (best[0], -best[1]) or (
                served == best[0] and total < best[1]
            ):
                best = (served, total)
    return best


@pytest.mark.parametrize(
    ("case", "n", "m"), [(0, 5, 1), (1, 6, 1), (2, 6, 2), (3, 7, 2), (4, 8, 1)]
)
def test_tiny_instances_match_brute_force(case: int, n: int, m: int) -> None:
    """Up to 8 jobs: the solver serves as many jobs as possible at the least distance."""
    p = _tiny(np.random.default_rng(100 + case), n, m)
    served, dist = _brute(p)
    plan = solve_dispatch(p, max_iterations=300, seed=0)
    check_plan(p, plan)
    assert plan.n_served == served
    assert float(np.sum(plan.distance_m)) == pytest.approx(dist, rel=1e-9, abs=1e-6)


@pytest.mark.parametrize(("case", "n", "m"), [(0, 5, 1), (2, 6, 2), (3, 7, 2)])
def test_compatible_neighbours_match_brute_force(case: int, n: int, m: int) -> None:
    """The opt-in neighbourhood of compatible clients also finds the brute-force optimum."""
    p = _tiny(np.random.default_rng(100 + case), n, m)
    served, dist = _brute(p)
    params = DispatchParams(compatible_neighbours=True)
    plan = solve_dispatch(p, max_iterations=300, seed=0, params=params)
    check_plan(p, plan)
    assert plan.n_served == served
    assert float(np.sum(plan.distance_m)) == pytest.approx(dist, rel=1e-9, abs=1e-6)


# ------------------------------------------------------------------ hypothesis
@st.composite
def problems(draw: st.DrawFn) -> DispatchProblem:
    """Small random days with skills, parts, breaks, multiple windows, pins and overtime."""
    seed = draw(st.integers(0, 2**31 - 1))
    rng = np.random.default_rng(seed)
    n, m = draw(st.integers(1, 12)), draw(st.integers(1, 3))
    k, q = 2, 2
    xy = rng.uniform(0, 30, size=(m + n, 2))
    d = np.sqrt(((xy[:, None] - xy[None]) ** 2).sum(axis=2)) * 2
    n_win = rng.integers(1, 3, size=n)
    ptr = np.concatenate([[0], np.cumsum(n_win)])
    early = rng.uniform(480, 900, size=int(ptr[-1]))
    late = early + rng.uniform(0, 180, size=len(early))
    ts = rng.random((m, k)) < 0.7
    js = rng.random((n, k)) < 0.3
    pin = np.full(n, -1)
    for j in range(n):
        if rng.random() < 0.15:
            ok = np.flatnonzero(~(js[j] & ~ts).any(axis=1))
            if len(ok):
                pin[j] = rng.choice(ok)
    has_break = rng.random(m) < 0.6
    return DispatchProblem(
        duration_min=d,
        distance_m=d * 400,
        job_loc=np.arange(m, m + n),
        service_min=rng.uniform(10, 90, size=n),
        tw_ptr=ptr,
        tw_early_min=early,
        tw_late_min=late,
        tech_start_loc=np.arange(m),
        tech_end_loc=rng.integers(0, m, size=m),
        shift_start_min=np.full(m, 480.0),
        shift_end_min=rng.uniform(730, 1020, size=m),
        job_skills=js,
        tech_skills=ts,
        job_urgency=rng.integers(0, 3, size=n),
        job_parts=rng.integers(0, 2, size=(n, q)) * (rng.random((n, q)) < 0.3),
        tech_stock=rng.integers(0, 3, size=(m, q)),
        break_min=np.where(has_break, 30.0, 0.0),
        break_early_min=np.full(m, 660.0),
        break_late_min=np.full(m, 690.0),
        max_overtime_min=rng.choice([0.0, 60.0], size=m),
        max_work_min=rng.choice([np.inf, 400.0], size=m),
        job_pinned_tech=pin,
    )


@settings(max_examples=25, deadline=None)
@given(problems())
def test_random_days_always_valid(p: DispatchProblem) -> None:
    """Any small day: the plan passes the validator and lists every job exactly once."""
    plan = solve_dispatch(p, max_iterations=40, seed=0)
    assert validate_plan(p, plan) == []
    listed = np.concatenate([plan.stop_job, plan.unassigned_job])
    assert sorted(listed.tolist()) == list(range(p.n_jobs))


def test_same_seed_same_plan() -> None:
    """Same seed and iteration limit give the same routes."""
    p = _tiny(np.random.default_rng(7), 8, 2)
    a = solve_dispatch(p, max_iterations=100, seed=3)
    b = solve_dispatch(p, max_iterations=100, seed=3)
    assert a.stop_job.tolist() == b.stop_job.tolist()
    assert a.objective == b.objective


@settings(max_examples=10, deadline=None)
@given(problems())
def test_tiny_memory_budget_still_valid(p: DispatchProblem) -> None:
    """Skills as profiles with room for one: technicians share narrower ones, still valid."""
    params = DispatchParams(skill_loads=False)
    plan = solve_dispatch(
        p, max_iterations=30, seed=1, memory_budget_mb=1e-9, params=params
    )
    assert validate_plan(p, plan) == []
    listed = np.concatenate([plan.stop_job, plan.unassigned_job])
    assert sorted(listed.tolist()) == list(range(p.n_jobs))


# ------------------------------------------------------------ OR-Tools engine
@pytest.mark.parametrize(("case", "n", "m"), [(0, 5, 1), (2, 6, 2), (3, 7, 2)])
def test_ortools_engine_matches_brute_force_count(case: int, n: int, m: int) -> None:
    """The OR-Tools engine serves the brute-force maximum number of jobs on tiny days."""
    p = _tiny(np.random.default_rng(100 + case), n, m)
    served, dist = _brute(p)
    plan = solve_dispatch(p, engine="ortools", max_iterations=200)
    check_plan(p, plan)
    assert plan.n_served == served
    assert float(np.sum(plan.distance_m)) >= dist - 1e-6


@settings(max_examples=20, deadline=None)
@given(problems())
def test_ortools_engine_always_valid(p: DispatchProblem) -> None:
    """Random days with breaks, windows with gaps, parts and pins: valid OR-Tools plans."""
    plan = solve_dispatch(p, engine="ortools", max_iterations=50)
    assert validate_plan(p, plan) == []
    listed = np.concatenate([plan.stop_job, plan.unassigned_job])
    assert sorted(listed.tolist()) == list(range(p.n_jobs))


@settings(max_examples=10, deadline=None)
@given(problems())
def test_compatible_neighbours_always_valid(p: DispatchProblem) -> None:
    """With skills, pins and breaks, the opt-in neighbourhoods give valid plans."""
    params = DispatchParams(compatible_neighbours=True, ils_neighbours=3)
    plan = solve_dispatch(p, max_iterations=40, seed=0, params=params)
    assert validate_plan(p, plan) == []
    listed = np.concatenate([plan.stop_job, plan.unassigned_job])
    assert sorted(listed.tolist()) == list(range(p.n_jobs))
