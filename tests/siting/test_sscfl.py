"""Single-source capacitated facility location (Lagrangian + fixing + reduced MIP).

Checked against enumeration of every assignment on tiny instances, against the
plain dense MIP (the model main solved before) on small generated ones, and
the 0-1 knapsack DP against enumeration of subsets.
"""

from __future__ import annotations

import itertools
import time

import numpy as np
import pytest

from planner.core.errors import InfeasibleError
from planner.core.result import SolveStatus
from planner.siting import SiteOptions, solve_facility_location
from planner.siting._sscfl import _knapsack, solve_sscfl
from planner.siting.facility import _dense
from planner.siting.instances import generate_sscfl


def brute(
    C: np.ndarray,
    w: np.ndarray,
    f: np.ndarray,
    q: np.ndarray,
    *,
    forced: tuple[int, ...] = (),
    allowed: tuple[int, ...] | None = None,
) -> float:
    """Cheapest plan over every assignment of every point to one allowed site."""
    n, m = C.shape
    sites = tuple(range(m)) if allowed is None else allowed
    best = np.inf
    for a in itertools.product(sites, repeat=n):
        arr = np.asarray(a)
        load = np.bincount(arr, weights=w, minlength=m)
        if np.any(load > q + 1e-9):
            continue
        used = np.union1d(arr, np.asarray(forced, dtype=np.int64))
        best = min(best, float(f[used].sum() + (w * C[np.arange(n), arr]).sum()))
    return best


def recomputed(C, w, f, q, plan) -> float:
    """Objective from the plan's open sites and assignment; checks capacities."""
    a = np.asarray(plan.assign_idx)
    assert np.all(np.isin(a, plan.open_idx))
    assert np.all(np.bincount(a, weights=w, minlength=C.shape[1]) <= q + 1e-9)
    return float(
        f[np.asarray(plan.open_idx)].sum() + (w * C[np.arange(a.size), a]).sum()
    )


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
@pytest.mark.parametrize("r", [1.15, 1.6, 3.0])
def test_tiny_matches_enumeration(seed: int, r: float) -> None:
    """7 points x 4 sites: optimum equals enumeration of all 4^7 assignments.

    Ratios 1.15 and 1.6 make the capacities tight (few open sets can hold the
    demand), 3 leaves room. The bound is never above the true optimum.
    """
    C, w, f, q = generate_sscfl(7, 4, r, seed)
    opt = brute(C, w, f, q)
    assert np.isfinite(opt)
    plan = solve_facility_location(C, w, f, capacity=q, single_source=True)
    assert "lagrange" in plan.stats.solver
    assert recomputed(C, w, f, q, plan) == pytest.approx(opt)
    assert plan.objective == pytest.approx(opt)
    assert plan.bound <= opt + 1e-9
    assert plan.status is SolveStatus.OPTIMAL


@pytest.mark.parametrize("seed", [0, 1])
def test_lagrangian_bound_below_optimum_and_mip_closes(seed: int) -> None:
    """With no MIP time the returned bound is still valid; with time it closes.

    The reduced MIP gets ``node_limit=0``: whatever is returned, bound <= the
    enumerated optimum <= objective.
    """
    C, w, f, q = generate_sscfl(7, 4, 1.3, seed + 10)
    opt = brute(C, w, f, q)
    res = solve_sscfl(
        C, w, f, q, np.zeros(4, bool), integral=True, time_limit_s=None, node_limit=0
    )
    assert res.bound <= opt + 1e-9 <= res.objective + 2e-9
    full = solve_sscfl(
        C, w, f, q, np.zeros(4, bool), integral=True, time_limit_s=None, node_limit=None
    )
    assert full.objective == pytest.approx(opt)
    assert full.bound == pytest.approx(opt)


@pytest.mark.parametrize(("seed", "r"), [(0, 2.0), (1, 3.0), (2, 5.0), (3, 1.5)])
def test_small_matches_dense_mip(seed: int, r: float) -> None:
    """40 points x 8 sites: same optimum as the plain dense MIP (HiGHS, proven)."""
    C, w, f, q = generate_sscfl(40, 8, r, seed)
    e = np.zeros(0, np.int64)
    ref = _dense(
        C, w, f, q, True, e, e, None, 0.0, e, None, None, 0, time.perf_counter()
    )
    assert ref.status is SolveStatus.OPTIMAL
    plan = solve_facility_location(C, w, f, capacity=q, single_source=True)
    assert plan.status is SolveStatus.OPTIMAL
    assert recomputed(C, w, f, q, plan) == pytest.approx(ref.objective)
    assert plan.bound <= ref.objective + 1e-9


def test_options_existing_excluded_partner_match_enumeration() -> None:
    """Existing (forced open), excluded and partner sites on the new path.

    Site 0 is an existing outlet (kept open, fixed cost paid), site 3 is
    excluded, site 1 is a partner: no opening cost, 2 per ticket on top.
    """
    C, w, f, q = generate_sscfl(6, 4, 1.8, 5)
    fee = 2.0
    Cp = C.copy()
    Cp[:, 1] += fee
    fp = f.copy()
    fp[1] = 0.0
    opt = brute(Cp, w, fp, q, forced=(0,), allowed=(0, 1, 2))
    plan = solve_facility_location(
        C,
        w,
        f,
        capacity=q,
        single_source=True,
        options=SiteOptions(existing=[0], excluded=[3], partners=[1], partner_fee=fee),
    )
    assert "lagrange" in plan.stats.solver
    assert plan.objective == pytest.approx(opt)
    assert 0 in plan.open_idx.tolist()
    assert 3 not in plan.assign_idx.tolist()
    assert 1 not in plan.open_idx.tolist()  # contracted, not opened


def test_fractional_demand_uses_dense_mip() -> None:
    """Non-integral demands have no exact knapsack DP: the dense MIP solves them."""
    C, w, f, q = generate_sscfl(6, 3, 2.0, 1)
    w = w + 0.5
    plan = solve_facility_location(C, w, f, capacity=q * 1.2, single_source=True)
    assert plan.stats.solver == "highspy dense MIP"
    assert plan.objective == pytest.approx(brute(C, w, f, q * 1.2))


def test_capacity_below_demand_raises() -> None:
    """Whole demands above total capacity raise InfeasibleError before solving."""
    C, w, f, q = generate_sscfl(6, 3, 2.0, 0)
    q = np.floor(q * 0.9 * w.sum() / q.sum())
    with pytest.raises(InfeasibleError, match="below total demand"):
        solve_facility_location(C, w, f, capacity=q, single_source=True)


@pytest.mark.parametrize("seed", range(6))
def test_knapsack_dp_matches_enumeration(seed: int) -> None:
    """The DP's value, its chosen items and its table agree with enumeration."""
    rng = np.random.default_rng(seed)
    k = 9
    p = rng.uniform(0.1, 10, k)
    wt = rng.integers(0, 8, k)
    Q = int(rng.integers(5, 25))
    val, take, tab = _knapsack(p, wt, Q, table=True)
    assert tab is not None
    assert wt[take].sum() <= Q
    assert p[take].sum() == pytest.approx(val)
    for cap in range(Q + 1):
        best = max(
            p[list(S)].sum()
            for r in range(k + 1)
            for S in itertools.combinations(range(k), r)
            if wt[list(S)].sum() <= cap
        )
        assert tab[cap] == pytest.approx(best)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_existing_outlet_paid_even_when_unused(seed: int) -> None:
    """An existing outlet is open and paid for even if no point is served there.

    The costliest site, moved far from every point, is the existing outlet:
    the optimum keeps it open and empty; enumeration with it forced agrees.
    """
    C, w, f, q = generate_sscfl(6, 4, 2.0, seed)
    j = int(np.argmax(f))
    C[:, j] += 500.0
    opt = brute(C, w, f, q, forced=(j,))
    plan = solve_facility_location(
        C, w, f, capacity=q, single_source=True, options=SiteOptions(existing=[j])
    )
    assert "lagrange" in plan.stats.solver
    assert j in plan.open_idx.tolist()
    assert plan.objective == pytest.approx(opt)
    assert plan.bound <= opt + 1e-9
