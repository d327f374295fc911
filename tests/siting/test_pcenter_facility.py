"""p-center and facility location: brute force, independent LPs, infeasibility."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy.optimize import linprog

from planner.core.errors import InfeasibleError
from planner.core.result import SolveStatus
from planner.siting import SiteOptions, solve_facility_location, solve_pcenter
from tests.siting.oracles import brute_pcenter, brute_ufl, random_instance


@pytest.mark.parametrize(("seed", "p"), [(1, 1), (2, 2), (3, 3), (4, 4)])
def test_pcenter_brute_force(seed: int, p: int) -> None:
    """p-center on 12 x 9 equals brute force and is proven optimal."""
    cost, w, _, _ = random_instance(12, 9, seed)
    w[0] = 0.0  # a point without demand does not count
    plan = solve_pcenter(cost, w, p)
    assert plan.objective == pytest.approx(brute_pcenter(cost, w, p))
    assert plan.status is SolveStatus.OPTIMAL
    assert plan.p == p
    assert plan.objective == pytest.approx(
        float(cost[1:, plan.open_idx].min(axis=1).max())
    )


def test_pcenter_heuristic_bracketed() -> None:
    """The greedy p-center value is at least the optimum; its bound at most."""
    cost, w, _, _ = random_instance(12, 9, 8)
    opt = brute_pcenter(cost, w, 3)
    plan = solve_pcenter(cost, w, 3, method="heuristic")
    assert plan.bound <= opt <= plan.objective


def test_pcenter_existing_excluded() -> None:
    """p-center with a forced-open and an excluded site matches restricted brute force."""
    cost, w, _, _ = random_instance(12, 8, 9)
    plan = solve_pcenter(cost, w, 3, options=SiteOptions(existing=[2], excluded=[0]))
    best = min(
        float(cost[:, [2, *S]].min(axis=1).max())
        for S in itertools.combinations([1, 3, 4, 5, 6, 7], 2)
    )
    assert plan.objective == pytest.approx(best)
    assert 2 in plan.open_idx
    assert 0 not in plan.open_idx


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("method", ["heuristic", "exact"])
def test_ufl_brute_force(seed: int, method: str) -> None:
    """UFL on 12 x 8 with fixed costs: exact equals brute force, heuristic bracketed."""
    cost, w, _, _ = random_instance(12, 8, seed)
    f = np.random.default_rng(seed).integers(50, 400, size=8).astype(float)
    opt = brute_ufl(cost, w, f)
    plan = solve_facility_location(cost, w, f, method=method)  # type: ignore[arg-type]
    assert plan.bound <= opt + 1e-9 <= plan.objective + 1e-9
    recomputed = f[plan.open_idx].sum() + w @ cost[:, plan.open_idx].min(axis=1)
    assert plan.objective == pytest.approx(recomputed)
    if method == "exact":
        assert plan.objective == pytest.approx(opt)


def _cfl_split_brute(
    cost: np.ndarray, w: np.ndarray, f: np.ndarray, cap: np.ndarray
) -> float:
    """Enumerate open sets; solve each transportation LP with scipy (independent)."""
    n, m = cost.shape
    best = np.inf
    for k in range(1, m + 1):
        for S in itertools.combinations(range(m), k):
            s = list(S)
            if cap[s].sum() < w.sum():
                continue
            # variables x_ij (n*k): sum_j x_ij = w_i, sum_i x_ij <= cap_j
            c = cost[:, s].ravel()
            A_eq = np.kron(np.eye(n), np.ones(k))
            A_ub = np.kron(np.ones(n), np.eye(k))
            res = linprog(
                c, A_ub=A_ub, b_ub=cap[s], A_eq=A_eq, b_eq=w, bounds=(0, None)
            )
            if res.status == 0:
                best = min(best, f[s].sum() + res.fun)
    return float(best)


def _cfl_single_brute(
    cost: np.ndarray, w: np.ndarray, f: np.ndarray, cap: np.ndarray
) -> float:
    """Enumerate every single-source assignment."""
    n, m = cost.shape
    best = np.inf
    for a in itertools.product(range(m), repeat=n):
        arr = np.asarray(a)
        load = np.bincount(arr, weights=w, minlength=m)
        if np.any(load > cap + 1e-9):
            continue
        used = np.unique(arr)
        best = min(best, f[used].sum() + float(w @ cost[np.arange(n), arr]))
    return float(best)


@pytest.mark.parametrize("seed", [1, 2])
def test_cfl_split_matches_enumeration_of_lps(seed: int) -> None:
    """Capacitated (split allocation) equals enumeration over open sets with scipy LPs."""
    cost, w, _, _ = random_instance(8, 5, seed)
    f = np.full(5, 100.0)
    cap = np.full(5, w.sum() / 2.5)
    plan = solve_facility_location(cost, w, f, capacity=cap)
    assert plan.objective == pytest.approx(_cfl_split_brute(cost, w, f, cap), rel=1e-7)
    assert np.all(plan.outlet_load <= cap + 1e-6)
    assert plan.outlet_load.sum() == pytest.approx(w.sum())


@pytest.mark.parametrize("seed", [3, 4])
def test_cfl_single_source_matches_enumeration(seed: int) -> None:
    """Single-source capacitated equals enumeration of all assignments (7 x 3)."""
    cost, w, _, _ = random_instance(7, 3, seed)
    f = np.array([60.0, 80.0, 70.0])
    cap = np.full(3, w.sum() / 2 + 1)
    plan = solve_facility_location(cost, w, f, capacity=cap, single_source=True)
    assert plan.objective == pytest.approx(_cfl_single_brute(cost, w, f, cap))
    assert np.all(plan.outlet_load <= cap + 1e-9)
    assert plan.status is SolveStatus.OPTIMAL


def test_partner_fee_and_closing_cost() -> None:
    """A partner has no opening cost but a fee per ticket; closing costs are paid."""
    cost = np.array([[1.0, 1.0], [1.0, 1.0]])
    w = np.array([10.0, 10.0])
    # own site 0 costs 100 to open; partner site 1 charges 3 per ticket: 20*(1+3)=80
    plan = solve_facility_location(
        cost, w, [100.0, 100.0], options=SiteOptions(partners=[1], partner_fee=3.0)
    )
    assert plan.open_idx.tolist() == []  # contracted, not opened
    assert plan.partner_idx.tolist() == [1]
    assert plan.assign_idx.tolist() == [1, 1]
    assert plan.objective == pytest.approx(80.0)
    # existing 0 may close at 50: keeping it costs 100 + 20, closing 50 + 80
    keep = solve_facility_location(
        cost,
        w,
        [100.0, 100.0],
        options=SiteOptions(
            existing=[0], closing_cost=50.0, partners=[1], partner_fee=3.0
        ),
    )
    assert keep.objective == pytest.approx(min(120.0, 130.0))
    assert keep.open_idx.tolist() == [0]


def test_capacity_below_demand_reports_numbers() -> None:
    """Capacities summing below demand raise InfeasibleError with both totals."""
    cost = np.ones((3, 2))
    with pytest.raises(
        InfeasibleError, match=r"total capacity 4 .* below total demand 6"
    ):
        solve_facility_location(cost, [2, 2, 2], 1.0, capacity=[2, 2])
    with pytest.raises(InfeasibleError, match="cannot be single-sourced"):
        solve_facility_location(
            cost, [5, 1, 1], 1.0, capacity=[4, 4], single_source=True
        )


def test_budget_respected() -> None:
    """With a budget the opening cost stays within it; optimum by brute force."""
    cost, w, _, _ = random_instance(10, 6, 5)
    f = np.array([100.0, 120.0, 90.0, 150.0, 80.0, 110.0])
    plan = solve_facility_location(cost, w, f, options=SiteOptions(budget=200.0))
    assert f[plan.open_idx].sum() <= 200.0
    best = min(
        f[list(S)].sum() + w @ cost[:, list(S)].min(axis=1)
        for k in range(1, 7)
        for S in itertools.combinations(range(6), k)
        if f[list(S)].sum() <= 200.0
    )
    assert plan.objective == pytest.approx(best)


@pytest.mark.parametrize("share", [1.0, 0.9, 0.8])
def test_hybrid_service_promise_brute_force(share: float) -> None:
    """Cost-minimal plan serving >= share of demand within the radius, by enumeration.

    With single sourcing and no capacities every point goes to one outlet; for
    each open set the cheapest promise-keeping assignment is found by trying
    every assignment of the 7 points.
    """
    cost, w, _, _ = random_instance(7, 4, 12)
    f = np.array([600.0, 500.0, 550.0, 650.0])
    R = 45.0  # unconstrained optimum opens only site 2 and serves 83 % in range
    best = np.inf
    for a in itertools.product(range(4), repeat=7):
        arr = np.asarray(a)
        ok = w[cost[np.arange(7), arr] <= R].sum() >= share * w.sum() - 1e-9
        if ok:
            best = min(
                best, f[np.unique(arr)].sum() + float(w @ cost[np.arange(7), arr])
            )
    plan = solve_facility_location(
        cost,
        w,
        f,
        service_radius=R,
        service_share=share,
        single_source=True,
        capacity=np.full(4, w.sum()),
    )
    assert plan.objective == pytest.approx(best)
    assert plan.stats.extra["service_share"] >= share - 1e-9


def test_hybrid_unreachable_demand_reported() -> None:
    """A promise no candidate can keep for some points is refused with the numbers."""
    cost = np.array([[1.0, 2.0], [90.0, 95.0]])
    with pytest.raises(InfeasibleError, match="1 demand points"):
        solve_facility_location(cost, None, 1.0, service_radius=10.0)
