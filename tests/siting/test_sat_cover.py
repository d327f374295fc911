"""The unit-cost set cover by CP-SAT's core search, against brute force and the LSCP of a plain MIP."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import scipy.sparse as sp

from planner.siting import solve_lscp
from planner.siting._highs import solve_mip
from planner.siting._sat_cover import solve_unit_cover


def _random_cover(seed: int, g: int, m: int, dens: float) -> np.ndarray:
    rng = np.random.default_rng(seed)
    A = rng.random((g, m)) < dens
    A[np.arange(g), rng.integers(0, m, size=g)] = True  # every row coverable
    return A


def _brute(A: np.ndarray) -> int:
    """Fewest columns covering every row, by enumeration."""
    m = A.shape[1]
    for k in range(m + 1):
        for cols in itertools.combinations(range(m), k):
            if A[:, list(cols)].any(axis=1).all():
                return k
    raise AssertionError("no cover")


@pytest.mark.parametrize("seed", range(12))
def test_unit_cover_is_the_brute_force_optimum(seed: int) -> None:
    """Tiny covers: the count, a valid cover, the bound equal to it."""
    A = _random_cover(seed, g=int(8 + seed), m=10, dens=0.2)
    res = solve_unit_cover(sp.csr_matrix(A), 2.0, np.ones(10), offset=1.0)
    k = _brute(A)
    assert res.optimal
    assert res.x is not None
    assert A[:, res.x > 0.5].any(axis=1).all()
    assert res.objective == 1.0 + 2.0 * k
    assert res.bound == res.objective


@pytest.mark.parametrize("seed", range(3))
def test_unit_cover_matches_a_plain_mip_on_larger_covers(seed: int) -> None:
    """120 x 60: the optimum of HiGHS on the same cover."""
    A = _random_cover(100 + seed, g=120, m=60, dens=0.06)
    mip = solve_mip(
        np.ones(60),
        sp.csc_matrix(A.astype(float)),
        np.ones(120),
        np.full(120, np.inf),
        np.zeros(60),
        np.ones(60),
        np.ones(60, dtype=bool),
    )
    res = solve_unit_cover(sp.csr_matrix(A), 1.0, np.ones(60))
    assert mip.optimal
    assert res.optimal
    assert res.objective == pytest.approx(mip.objective)
    assert A[:, res.x > 0.5].any(axis=1).all()


def test_out_of_time_keeps_the_start_and_a_valid_bound() -> None:
    """No time to search: the start comes back, the bound is at most the optimum."""
    A = _random_cover(7, g=14, m=10, dens=0.2)
    start = np.ones(10)
    res = solve_unit_cover(sp.csr_matrix(A), 1.0, start, time_limit_s=1e-9)
    assert res.x is not None
    assert res.objective <= 10
    assert A[:, res.x > 0.5].any(axis=1).all()
    assert res.bound <= _brute(A)
    assert res.optimal == (res.bound >= res.objective)


def test_lscp_on_a_tiny_day_is_the_brute_force_optimum() -> None:
    """The whole LSCP path (reductions, then the core search) on a tiny day."""
    rng = np.random.default_rng(3)
    pts, cands = rng.uniform(0, 10, (25, 2)), rng.uniform(0, 10, (9, 2))
    cost = np.sqrt(((pts[:, None] - cands[None]) ** 2).sum(axis=2))
    r = 3.5
    cover = cost <= r
    keep = cover.any(axis=1)
    plan = solve_lscp(cost[keep], None, r)
    assert plan.status.value == "optimal"
    assert plan.objective == _brute(cover[keep])
    assert plan.stats.solver.startswith(("CP-SAT", "greedy", "highspy"))


def test_progress_records_bound_the_result_from_both_sides() -> None:
    """Each record's bound is at most the optimum found, each best at least it; bounds rise."""
    import logging

    from planner.core.progress import Heartbeat, Progress

    seen: list[Progress] = []
    hb = Heartbeat(
        logging.getLogger("test"), "cover", callback=seen.append, interval_s=0
    )
    A = _random_cover(11, g=300, m=120, dens=0.03)
    res = solve_unit_cover(
        sp.csr_matrix(A), 1.0, np.ones(120), offset=5.0, heartbeat=hb
    )
    assert res.optimal
    assert len(seen) >= 2
    bounds = [r.bound for r in seen]
    assert all(b <= res.objective + 1e-9 for b in bounds)
    assert bounds == sorted(bounds)
    assert all(r.best >= res.objective - 1e-9 for r in seen)
