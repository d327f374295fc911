"""Skills and pins as PyVRP load dimensions (``DispatchParams.skill_loads``).

The encoding is checked against the problem's own skills and pins (not the
screen that feeds the model), route by route, and the solver with it against
a brute force over every assignment and order on tiny days with skills.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import pyvrp
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.routing import (
    DispatchParams,
    DispatchProblem,
    check_plan,
    solve_dispatch,
    validate_plan,
)
from planner.routing.pyvrp_model import (
    allows,
    build_model,
    dims_by_pattern,
    dims_by_skill,
    skill_dims,
)
from planner.routing.screen import screen_jobs

SKILLS = DispatchParams(skill_loads=True)


def _may(p: DispatchProblem, j: int, t: int) -> bool:
    """Whether technician ``t`` has every skill of job ``j`` and the job is not pinned elsewhere."""
    js, ts = np.asarray(p.job_skills), np.asarray(p.tech_skills)
    pin = int(p.job_pinned_tech[j])
    return not (js[j] & ~ts[t]).any() and pin in (-1, t)


def _day(
    rng: np.random.Generator,
    js: np.ndarray,
    ts: np.ndarray,
    *,
    shift_min: float,
    pin: np.ndarray | None = None,
) -> DispatchProblem:
    """Jobs with skills ``js`` (jobs x skills) for technicians with ``ts``, one window each."""
    n, m = len(js), len(ts)
    xy = rng.uniform(0, 20, size=(m + n, 2))
    d = np.sqrt(((xy[:, None] - xy[None]) ** 2).sum(axis=2)) * 1.5
    early = rng.integers(480, 700, size=n).astype(float)
    return DispatchProblem(
        duration_min=d,
        distance_m=d * 500,
        job_loc=np.arange(m, m + n),
        service_min=rng.integers(20, 60, size=n).astype(float),
        tw_ptr=np.arange(n + 1),
        tw_early_min=early,
        tw_late_min=early + rng.integers(0, 180, size=n),
        tech_start_loc=np.arange(m),
        tech_end_loc=np.arange(m),
        shift_start_min=np.full(m, 480.0),
        shift_end_min=np.full(m, 480.0 + shift_min),
        job_skills=js,
        tech_skills=ts,
        job_pinned_tech=np.full(n, -1) if pin is None else pin,
    )


@st.composite
def skill_days(draw: st.DrawFn) -> DispatchProblem:
    """Small days with up to 4 skills, 5 technicians and some pinned jobs."""
    rng = np.random.default_rng(draw(st.integers(0, 2**31 - 1)))
    n, m, k = draw(st.integers(1, 10)), draw(st.integers(1, 5)), draw(st.integers(0, 4))
    js, ts = rng.random((n, k)) < 0.4, rng.random((m, k)) < 0.6
    pin = np.full(n, -1)
    for j in range(n):
        ok = np.flatnonzero(~(js[j] & ~ts).any(axis=1))
        if ok.size and rng.random() < 0.2:
            pin[j] = rng.choice(ok)
    return _day(rng, js, ts, shift_min=540.0, pin=pin)


def _model(p: DispatchProblem):  # type: ignore[no-untyped-def]
    scr = screen_jobs(p)
    return build_model(
        p,
        np.ones((p.n_jobs, p.n_techs), bool),
        np.ones(p.n_jobs),
        permitted=scr.skill_ok & scr.pin_ok,
        lexicographic=True,
        memory_budget_mb=1000.0,
        params=SKILLS,
        deadline=None,
    )


@settings(max_examples=40, deadline=None)
@given(skill_days())
def test_a_route_is_within_its_skill_loads_exactly_when_its_technician_may_do_it(
    p: DispatchProblem,
) -> None:
    """Every job alone and every pair of jobs, on every technician's vehicle."""
    model = _model(p)
    assert model is not None
    assert model.n_profiles == 1
    dims = model.n_skill_dims
    act, typ = pyvrp.Activity, pyvrp.ActivityType.CLIENT
    clients = range(len(model.client_job))
    pairs = [(c,) for c in clients] + list(itertools.combinations(clients, 2))
    for visit in pairs:
        jobs = [model.client_job[c] for c in visit]
        for t in range(p.n_techs):
            route = pyvrp.Route(model.data, [act(typ, c) for c in visit], t)
            excess = route.excess_load()[len(route.excess_load()) - dims :]
            assert (sum(excess) == 0) == all(_may(p, j, t) for j in jobs), (visit, t)


@settings(max_examples=40, deadline=None)
@given(skill_days())
def test_both_encodings_give_exactly_who_may_do_each_job(p: DispatchProblem) -> None:
    """By distinct allowed sets and by skills plus pins: the same relation as the problem's."""
    jobs = list(range(p.n_jobs))
    want = np.array([[_may(p, j, t) for t in range(p.n_techs)] for j in jobs], bool)
    for d in (dims_by_pattern(want), dims_by_skill(p, jobs)):
        assert d[0].shape == (p.n_jobs, d[1].shape[1])
        assert np.array_equal(allows(d), want)
    best = skill_dims(p, jobs, want)
    assert best is not None
    assert np.array_equal(allows(best), want)


def test_patterns_are_the_distinct_restricted_technicians() -> None:
    """Technicians who may do every job add no dimension; equal ones share one."""
    allowed = np.array([[1, 1, 1, 0], [1, 0, 0, 1], [1, 1, 1, 1]], bool)
    need, lack = dims_by_pattern(allowed)
    assert sorted(map(tuple, (~need).T.tolist())) == [
        (False, True, True),
        (True, False, True),
    ]
    assert lack.sum(axis=0).tolist() in ([2, 1], [1, 2])
    assert not lack[0].any()


def test_too_many_dimensions_fall_back_to_profiles() -> None:
    """Forty technicians each with a job of their own and no skills to say so: None."""
    p = DispatchProblem(
        duration_min=np.ones((80, 80)),
        distance_m=np.ones((80, 80)),
        job_loc=np.arange(40, 80),
        service_min=np.full(40, 10.0),
        tw_ptr=np.arange(41),
        tw_early_min=np.full(40, 480.0),
        tw_late_min=np.full(40, 600.0),
        tech_start_loc=np.arange(40),
        tech_end_loc=np.arange(40),
        shift_start_min=np.full(40, 480.0),
        shift_end_min=np.full(40, 900.0),
    )
    assert skill_dims(p, list(range(40)), np.eye(40, dtype=bool), most=32) is None
    assert skill_dims(p, list(range(40)), np.eye(40, dtype=bool), most=40) is not None


def _tiny_skills(seed: int, n: int, m: int) -> DispatchProblem:
    """Two skills, technicians with one, the other or both; short shifts."""
    rng = np.random.default_rng(seed)
    ts = np.array([[True, False], [False, True], [True, True]])[:m]
    js = rng.random((n, 2)) < 0.5
    return _day(rng, js, ts, shift_min=float(rng.integers(120, 220)))


def _brute_served(p: DispatchProblem) -> int:
    """Most jobs any plan serves: every assignment a skill allows, every order."""

    def fits(t: int, jobs: tuple[int, ...]) -> bool:
        for perm in itertools.permutations(jobs):
            cur, loc = float(p.shift_start_min[t]), int(p.tech_start_loc[t])
            for j in perm:
                lj = int(p.job_loc[j])
                cur = max(cur + p.duration_min[loc, lj], float(p.tw_early_min[j]))
                if cur > p.tw_late_min[j]:
                    break
                cur += float(p.service_min[j])
                loc = lj
            else:
                if (
                    cur + p.duration_min[loc, int(p.tech_end_loc[t])]
                    <= p.shift_end_min[t]
                ):
                    return True
        return False

    n, m = p.n_jobs, p.n_techs
    best = 0
    for assign in itertools.product(range(-1, m), repeat=n):
        if any(a >= 0 and not _may(p, j, a) for j, a in enumerate(assign)):
            continue
        served = sum(a >= 0 for a in assign)
        if served > best and all(
            fits(t, tuple(j for j in range(n) if assign[j] == t)) for t in range(m)
        ):
            best = served
    return best


@pytest.mark.parametrize(
    ("seed", "n", "m"), [(1, 6, 2), (2, 7, 2), (3, 6, 3), (4, 7, 3)]
)
def test_skill_loads_serve_the_brute_force_most_jobs(seed: int, n: int, m: int) -> None:
    """Tiny days with skills: as many jobs as any plan that respects the skills."""
    p = _tiny_skills(seed, n, m)
    plan = solve_dispatch(p, max_iterations=300, seed=0, params=SKILLS)
    check_plan(p, plan)
    assert plan.n_served == _brute_served(p)


@settings(max_examples=15, deadline=None)
@given(skill_days())
def test_skill_loads_plans_pass_the_validator(p: DispatchProblem) -> None:
    """The validator (own skill and pin checks) accepts every plan; every job is listed once."""
    plan = solve_dispatch(p, max_iterations=40, seed=0, params=SKILLS)
    assert validate_plan(p, plan) == []
    listed = np.concatenate([plan.stop_job, plan.unassigned_job])
    assert sorted(listed.tolist()) == list(range(p.n_jobs))
