"""The served upper bound against a brute force over every plan of tiny days."""

from __future__ import annotations

import itertools
from functools import cache

import numpy as np
import pytest

from planner.core.errors import InputError
from planner.routing import DispatchProblem, solve_dispatch
from planner.routing.bound import served_upper_bound
from planner.routing.schedule import best_schedule


def _day(seed: int, n: int = 5, m: int = 2) -> tuple[DispatchProblem, np.ndarray]:
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, 20, size=(m + n, 2))
    d = np.rint(np.sqrt(((xy[:, None] - xy[None]) ** 2).sum(axis=2)) * 3)
    e = rng.choice([480, 540, 600, 660], size=n).astype(float)
    late = e + rng.choice([30, 60, 120, 240], size=n)
    shift_end = rng.choice([600, 660, 720], size=m).astype(float)
    js = np.zeros((n, 2), bool)
    js[np.arange(n), rng.integers(0, 2, size=n)] = True
    ts = rng.random((m, 2)) < 0.7
    ts[:, 0] |= ~ts.any(axis=1)
    p = DispatchProblem(
        d,
        d * 500,
        list(range(m, m + n)),
        rng.choice([20, 45, 60, 90], size=n).astype(float).tolist(),
        list(range(n + 1)),
        e.tolist(),
        late.tolist(),
        list(range(m)),
        list(range(m)),
        [480.0] * m,
        shift_end.tolist(),
        job_skills=js,
        tech_skills=ts,
    )
    return p, rng.choice([1.0, 4.0, 20.0], size=n)


def _best(p: DispatchProblem, w: np.ndarray) -> float:
    """The most weight any plan serves: every split of the jobs, every order, skills."""

    js, ts = np.asarray(p.job_skills), np.asarray(p.tech_skills)

    @cache
    def fits(t: int, jobs: frozenset[int]) -> bool:
        if any((js[j] & ~ts[t]).any() for j in jobs):
            return False
        return any(
            best_schedule(p, t, list(o)).ok for o in itertools.permutations(jobs)
        )

    best = 0.0
    for owner in itertools.product(range(-1, p.n_techs), repeat=p.n_jobs):
        sets = [
            frozenset(j for j, o in enumerate(owner) if o == t)
            for t in range(p.n_techs)
        ]
        if all(fits(t, s) for t, s in enumerate(sets)):
            best = max(best, float(sum(w[j] for s in sets for j in s)))
    return best


@pytest.mark.parametrize("seed", range(12))
def test_bound_is_at_least_the_brute_force_optimum(seed: int) -> None:
    p, w = _day(seed)
    opt = _best(p, w)
    ub = served_upper_bound(p, w)
    assert opt - 1e-6 <= ub <= w.sum() + 1e-6
    plan = solve_dispatch(p, max_iterations=50, seed=seed)
    assert float(w[np.asarray(plan.stop_job, int)].sum()) <= ub + 1e-6


def test_bound_counts_travel_and_time() -> None:
    # one technician, 08:00-09:50, two 45-minute jobs 20 minutes out and 10
    # apart: one fits (20 + 45 + 20), not both; the bound counts for both at
    # least 90 of service and half of 20 + 10 in and out of each (120 > 110)
    d = np.array([[0.0, 20.0, 20.0], [20.0, 0.0, 10.0], [20.0, 10.0, 0.0]])
    p = DispatchProblem(
        d, d * 500, [1, 2], [45, 45], [0, 1, 2], [480, 480], [600, 600],
        [0], [0], [480], [590],
    )  # fmt: skip
    assert _best(p, np.ones(2)) == 1.0
    assert served_upper_bound(p) < 2.0 - 0.1


def test_bad_weight_names_the_argument() -> None:
    p, _ = _day(0)
    with pytest.raises(InputError, match="weight"):
        served_upper_bound(p, np.ones(3))
