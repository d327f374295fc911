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
from planner.siting import SiteOptions, _sscfl, solve_facility_location
from planner.siting._sscfl import _core, _evaluate, _knapsack, _penalties, solve_sscfl
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


@pytest.mark.parametrize("seed", range(4))
def test_penalties_bound_plans_with_a_pair_forced(seed: int) -> None:
    """``L(lam) + pen[i, j]`` is below every enumerated plan that serves i by j.

    Any multipliers give valid bounds; these are perturbed cheapest-service
    values. Some penalty bound is tight enough to matter (within 25 %).
    """
    C, w, f, q = generate_sscfl(6, 3, 1.8, seed)
    n, m = C.shape
    c = w[:, None] * C
    wi = w.astype(np.int64)
    Q = np.floor(q).astype(np.int64)
    forced = np.zeros(m, bool)
    rng = np.random.default_rng(seed)
    lam = (c + w[:, None] * (f / Q)[None, :]).min(axis=1) * rng.uniform(0.8, 1.2, n)
    cT = np.ascontiguousarray(c.T)
    lag = _evaluate(lam, cT, wi, Q, f, forced, tables=True)
    pen = _penalties(lag, lam, cT, wi, Q, f, forced)
    best = np.full((n, m), np.inf)
    for a in itertools.product(range(m), repeat=n):
        arr = np.asarray(a)
        if np.any(np.bincount(arr, weights=w, minlength=m) > q + 1e-9):
            continue
        v = float(f[np.unique(arr)].sum() + c[np.arange(n), arr].sum())
        best[np.arange(n), arr] = np.minimum(best[np.arange(n), arr], v)
    ok = np.isfinite(best)
    assert np.all(lag.value + pen[ok] <= best[ok] + 1e-6)
    assert np.any(lag.value + pen[ok] >= 0.75 * best[ok])


def test_core_holds_best_two_per_point_and_the_plan() -> None:
    """The core: about ``per * n`` pairs of least penalty, each point's two, the plan."""
    rng = np.random.default_rng(3)
    pen = rng.uniform(0, 100, (50, 10))
    keep = pen < 90
    best = rng.integers(0, 10, 50)
    core = _core(pen, keep, best, 1.0)
    assert np.all(core[np.arange(50), best])
    p = np.where(keep, pen, np.inf)
    two = np.argsort(p, axis=1)[:, :2]
    assert np.all(core[np.arange(50)[:, None], two])
    assert not np.any(core & ~keep & ~(np.arange(10)[None, :] == best[:, None]))
    cut = np.sort(p.ravel())[49]
    assert np.all(core[p <= cut])
    assert core.sum() <= 50 + 2 * 50 + 50


@pytest.mark.parametrize(("seed", "r"), [(0, 2.0), (1, 3.0), (2, 1.5)])
def test_core_path_matches_dense_mip(
    seed: int, r: float, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The core MIPs (taken above ``_MAX_EXACT_PAIRS``), on 40 x 8.

    A core of every unfixed pair finds the dense MIP's optimum; a small core
    gives a feasible plan no better than it, and the bound stays below it.
    """
    C, w, f, q = generate_sscfl(40, 8, r, seed)
    e = np.zeros(0, np.int64)
    ref = _dense(
        C, w, f, q, True, e, e, None, 0.0, e, None, None, 0, time.perf_counter()
    )
    assert ref.status is SolveStatus.OPTIMAL
    monkeypatch.setattr(_sscfl, "_MAX_EXACT_PAIRS", 0)
    monkeypatch.setattr(_sscfl, "_MAX_KERNEL_PAIRS", 0)
    monkeypatch.setattr(_sscfl, "_CORE_PAIRS", (100.0,))
    plan = solve_facility_location(C, w, f, capacity=q, single_source=True)
    assert recomputed(C, w, f, q, plan) == pytest.approx(ref.objective)
    assert plan.bound <= ref.objective + 1e-9
    monkeypatch.setattr(_sscfl, "_CORE_PAIRS", (0.5,))
    small = solve_facility_location(C, w, f, capacity=q, single_source=True)
    assert recomputed(C, w, f, q, small) >= ref.objective - 1e-9
    assert small.bound <= ref.objective + 1e-9


@pytest.mark.parametrize(("seed", "r"), [(0, 2.0), (1, 3.0), (2, 1.5)])
def test_core_plan_refixes_for_the_exact_mip(
    seed: int, r: float, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After the core MIPs the fixing is redone with their plan.

    The first round is sent to the cores (``_MAX_EXACT_PAIRS = 0``); the core
    then lifts the limit to the pairs it was given, so the next round (no more
    pairs: the incumbent only got better) goes to the exact MIP, which proves
    the dense MIP's optimum.
    """
    C, w, f, q = generate_sscfl(40, 8, r, seed)
    e = np.zeros(0, np.int64)
    ref = _dense(
        C, w, f, q, True, e, e, None, 0.0, e, None, None, 0, time.perf_counter()
    )
    calls: list[int] = []

    def core(pen, keep, best, per):
        calls.append(int(keep.sum()))
        monkeypatch.setattr(_sscfl, "_MAX_EXACT_PAIRS", int(keep.sum()))
        return _core(pen, keep, best, per)

    monkeypatch.setattr(_sscfl, "_MAX_EXACT_PAIRS", 0)
    monkeypatch.setattr(_sscfl, "_MAX_KERNEL_PAIRS", 0)
    monkeypatch.setattr(_sscfl, "_core", core)
    plan = solve_facility_location(C, w, f, capacity=q, single_source=True)
    assert recomputed(C, w, f, q, plan) == pytest.approx(ref.objective)
    if calls:  # not proven by the heuristic and the Lagrangian bound alone
        assert plan.status is SolveStatus.OPTIMAL
        assert plan.bound == pytest.approx(ref.objective)
        assert plan.stats.extra["mip_rounds"] == 2
