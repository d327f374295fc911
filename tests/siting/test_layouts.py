"""MCLP and LSCP on the benchmark layouts, at small sizes, against a plain MIP.

The layouts are the ones `benchmarks/bench_siting_layouts.py` generates
(uniform, clustered towns with lognormal weights, a corridor); the reference
is the textbook formulation (one coverage row per demand point, no
aggregation, reduction or fixing) solved by scipy's ``milp``.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.optimize import Bounds, LinearConstraint, milp

from planner.core.result import SolveStatus
from planner.siting import solve_lscp, solve_mclp

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_siting_layouts.py"


if TYPE_CHECKING:
    from planner.siting._cover import Reduced
    from planner.siting._coverage_exact import CoverResult


def _layouts() -> ModuleType:
    """The benchmark's layout module, loaded from its file."""
    spec = importlib.util.spec_from_file_location("bench_siting_layouts", BENCH)
    assert spec is not None
    assert spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _plain_mclp(cost: np.ndarray, w: np.ndarray, p: int, r: float) -> float:
    """max w u s.t. u_i <= sum_{j: c_ij <= r} y_j, sum y <= p (textbook, per point)."""
    n, m = cost.shape
    N = sp.csr_matrix(cost <= r, dtype=float)
    A = sp.vstack(
        [
            sp.hstack([-N, sp.identity(n)]),
            sp.hstack([sp.csr_matrix(np.ones((1, m))), sp.csr_matrix((1, n))]),
        ]
    )
    ub = np.concatenate([np.zeros(n), [p]])
    res = milp(
        -np.concatenate([np.zeros(m), w]),
        constraints=LinearConstraint(A, -np.inf, ub),
        integrality=np.concatenate([np.ones(m), np.zeros(n)]),
        bounds=Bounds(0, 1),
    )
    assert res.status == 0
    return float(-res.fun)


def _plain_lscp(cost: np.ndarray, r: float) -> float:
    """min sum y s.t. every point has an open site within r (textbook)."""
    N = sp.csr_matrix(cost <= r, dtype=float)
    m = cost.shape[1]
    res = milp(
        np.ones(m),
        constraints=LinearConstraint(N, 1, np.inf),
        integrality=np.ones(m),
        bounds=Bounds(0, 1),
    )
    assert res.status == 0
    return float(res.fun)


LAYOUTS = ["benchmark", "uniform", "clustered", "corridor"]


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("seed", [0, 1])
def test_mclp_layouts_match_plain_mip(layout: str, seed: int) -> None:
    """Our exact MCLP (start, LP fixing, kernel, MIP) reaches the plain MIP's optimum."""
    cost, w = _layouts().instance(layout, n=400, m=80, seed=seed)
    p = 6
    ref = _plain_mclp(cost.astype(np.float64), w, p, 10.0)
    plan = solve_mclp(cost, w, p, 10.0)
    assert plan.status is SolveStatus.OPTIMAL
    assert plan.objective == pytest.approx(ref)
    assert plan.bound == pytest.approx(ref)
    covered = (cost[:, plan.open_idx] <= 10.0).any(axis=1)
    assert float(w[covered].sum()) == pytest.approx(plan.objective)


@pytest.mark.parametrize("layout", LAYOUTS)
def test_lscp_layouts_match_plain_mip(layout: str) -> None:
    """Our exact LSCP reaches the plain set-cover MIP's optimum where a cover exists."""
    cost, w = _layouts().instance(layout, n=300, m=80, seed=2)
    r = 15.0
    reach = (cost <= r).any(axis=1)
    w = np.where(reach, w, 0.0)  # points no site reaches need no cover
    ref = _plain_lscp(cost[reach].astype(np.float64), r)
    plan = solve_lscp(cost, w, r)
    assert plan.status is SolveStatus.OPTIMAL
    assert plan.objective == pytest.approx(ref)
    assert (cost[np.ix_(reach, plan.open_idx)] <= r).any(axis=1).all()


def _small_kernel(
    cost: np.ndarray, w: np.ndarray, p: int, f: np.ndarray, budget: float | None
) -> tuple[Reduced, CoverResult]:
    """The reduced model at r = 10 and ``solve_max_cover`` on it with a 12-column kernel."""
    from planner.siting._cover import coverage_matrix, reduce_cover
    from planner.siting._coverage_exact import solve_max_cover

    red = reduce_cover(
        coverage_matrix(cost, 10.0),
        w,
        forced=np.zeros(0, np.int64),
        excluded=np.zeros(0, np.int64),
        col_cost=f,
    )
    res = solve_max_cover(
        red,
        p,
        f[red.cand],
        budget,
        np.zeros(0, np.int64),
        integral=True,
        kernel_size=12,
        ils_rounds=3,
    )
    return red, res


@pytest.mark.parametrize("layout", ["uniform", "corridor"])
def test_small_kernel_and_fixing_keep_the_optimum(layout: str) -> None:
    """With a kernel of 12 columns and fixing, the exact core still returns the optimum."""
    from planner.siting._coverage_exact import covered_weight

    cost, w = _layouts().instance(layout, n=400, m=80, seed=3)
    p = 6
    ref = _plain_mclp(cost.astype(np.float64), w, p, 10.0)
    red, res = _small_kernel(cost, w, p, np.zeros(80), None)
    A = sp.csc_matrix(red.A)
    assert red.const_covered + covered_weight(A, red.gw, res.open_cols) == ref
    assert red.const_covered + res.bound == pytest.approx(ref)


@pytest.mark.parametrize("layout", ["uniform", "corridor"])
def test_small_kernel_under_a_budget_keeps_the_optimum(layout: str) -> None:
    """A budget row with site costs: the kernel's start and plan stay within it.

    The reference is the textbook MIP with the same budget row; the kernel of
    12 columns starts from the best plan it holds, so a start that broke the
    budget or lost the optimum would show here.
    """
    from planner.siting._coverage_exact import covered_weight

    cost, w = _layouts().instance(layout, n=400, m=80, seed=5)
    rng = np.random.default_rng(5)
    f = rng.integers(1, 6, size=80).astype(np.float64)
    p, budget = 8, 14.0
    N = sp.csr_matrix(cost <= 10.0, dtype=float)
    n = cost.shape[0]
    rows = sp.vstack(
        [
            sp.hstack([-N, sp.identity(n)]),
            sp.hstack([sp.csr_matrix(np.ones((1, 80))), sp.csr_matrix((1, n))]),
            sp.hstack([sp.csr_matrix(f[None, :]), sp.csr_matrix((1, n))]),
        ]
    )
    ref = milp(
        -np.concatenate([np.zeros(80), w]),
        constraints=LinearConstraint(
            rows, -np.inf, np.concatenate([np.zeros(n), [p, budget]])
        ),
        integrality=np.concatenate([np.ones(80), np.zeros(n)]),
        bounds=Bounds(0, 1),
    )
    assert ref.status == 0
    red, res = _small_kernel(cost, w, p, f, budget)
    fc = f[red.cand]
    A = sp.csc_matrix(red.A)
    assert fc[res.open_cols].sum() <= budget + 1e-9
    assert res.open_cols.size <= p
    assert red.const_covered + covered_weight(
        A, red.gw, res.open_cols
    ) == pytest.approx(-ref.fun)
    assert red.const_covered + res.bound == pytest.approx(-ref.fun)


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("seed", [0, 4])
def test_set_cover_reductions_reach_a_fixpoint_and_keep_the_optimum(
    layout: str, seed: int
) -> None:
    """Row/column dominance and essential columns stop at a fixpoint, optimum kept.

    A second pass over the reduced matrix finds nothing more to drop, and the
    essential columns plus a minimum cover of what is left (plain MIP on the
    reduced matrix) cost what the plain MIP on every point costs.
    """
    from planner.siting._cover import coverage_matrix, reduce_cover, reduce_set_cover

    cost, w = _layouts().instance(layout, n=300, m=80, seed=seed)
    r = 15.0
    reach = (cost <= r).any(axis=1)
    ref = _plain_lscp(cost[reach].astype(np.float64), r)
    none = np.zeros(0, np.int64)
    red = reduce_cover(
        coverage_matrix(cost, r),
        np.where(reach, w, 0.0),
        forced=none,
        excluded=none,
        col_cost=np.ones(80),
    )
    A, _, ess = reduce_set_cover(red.A, np.ones(red.cand.size))
    again, cols2, ess2 = reduce_set_cover(A, np.ones(A.shape[1]))
    assert again.shape == A.shape
    assert ess2.size == 0
    assert np.array_equal(cols2, np.arange(A.shape[1]))
    rest = 0.0
    if A.shape[0]:
        res = milp(
            np.ones(A.shape[1]),
            constraints=LinearConstraint(A, 1, np.inf),
            integrality=np.ones(A.shape[1]),
            bounds=Bounds(0, 1),
        )
        assert res.status == 0
        rest = float(res.fun)
    assert ess.size + rest == pytest.approx(ref)
