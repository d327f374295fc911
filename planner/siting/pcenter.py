"""p-center: open ``p`` outlets minimizing the worst cost of any demand point.

Formulation (Hakimi 1965; minimax)::

    min  r
    s.t. sum_j x_ij = 1, x_ij <= y_j, sum_j y_j = p,
         c_ij x_ij <= r              for every point with w_i > 0

Weights only say which points count (weight 0: ignored); the objective is not
weighted. Solved exactly by binary search over the sorted distinct costs
``r`` between a lower bound (the largest nearest-candidate cost) and the
greedy plan's value: ``r`` is feasible iff the set covering problem at radius
``r`` (:mod:`planner.siting.lscp`) needs at most ``p`` outlets, decided by a
greedy cover when that already fits and otherwise by a HiGHS MIP (Minieka
1970; Daskin 2013, ch. 5). On a time limit the best plan found is returned
with the largest radius proven infeasible as bound.
"""

from __future__ import annotations

import time
from typing import Literal

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from planner.core.errors import InputError
from planner.core.result import SolveStatus
from planner.core.rng import Seed
from planner.siting._common import make_plan
from planner.siting._cover import coverage_matrix, reduce_cover
from planner.siting._highs import solve_mip
from planner.siting.lscp import _greedy
from planner.siting.plan import SitingPlan
from planner.siting.problem import (
    check_cost,
    check_index_set,
    check_p,
    check_weights,
    disjoint,
)

__all__ = ["solve_pcenter"]


def solve_pcenter(
    cost: npt.ArrayLike,
    weights: npt.ArrayLike | None,
    p: int,
    *,
    existing: npt.ArrayLike | None = None,
    excluded: npt.ArrayLike | None = None,
    time_limit_s: float | None = None,
    seed: Seed = 0,
    method: Literal["auto", "heuristic", "exact"] = "auto",
) -> SitingPlan:
    """Open ``p`` outlets minimizing the worst cost of a demand point.

    Parameters
    ----------
    cost
        Demand x candidate matrix.
    weights
        Points with weight 0 are ignored (``None``: all count).
    p
        Number of outlets.
    existing, excluded
        Forced-open and forbidden candidates.
    time_limit_s
        Wall-time limit of the whole binary search.
    seed
        Unused (deterministic); kept for the common signature.
    method
        ``"exact"``/``"auto"`` (binary search) or ``"heuristic"`` (greedy).

    Examples
    --------
    >>> cost = np.array([[0, 4, 9], [4, 0, 5], [9, 5, 0], [8, 6, 1]])
    >>> plan = solve_pcenter(cost, None, 2)
    >>> plan.objective, plan.status.value
    (4.0, 'optimal')
    """
    t0 = time.perf_counter()
    if method not in ("auto", "heuristic", "exact"):
        raise InputError(
            field="method", expected="'auto', 'heuristic' or 'exact'", got=method
        )
    C = check_cost(cost)
    n, m = C.shape
    w = check_weights(weights, n)
    forced = check_index_set(existing, m, "existing")
    excl = check_index_set(excluded, m, "excluded")
    disjoint(forced, excl)
    p = check_p(p, m, n_forced=forced.size, n_excluded=excl.size, closable=False)
    pts = np.flatnonzero(w > 0)
    allowed = np.setdiff1d(np.arange(m), excl)
    S = _greedy_minimax(C, pts, p, forced, allowed)
    ub = _worst(C, pts, S)
    if pts.size:
        lb = float(np.max(C[np.ix_(pts, allowed)].min(axis=1)))
        if forced.size:
            lb = max(lb, 0.0)
    else:
        lb = 0.0
    n_mip = 0
    timed_out = False
    if method != "heuristic" and ub > lb and pts.size:
        sub = C[pts]
        vals = np.unique(sub[:, allowed])
        vals = vals[(vals >= lb) & (vals < ub)]
        lo, hi = 0, vals.size  # vals[:lo] infeasible; vals[hi:] (and ub) feasible
        while lo < hi:
            mid = (lo + hi) // 2
            r = float(vals[mid])
            remaining = None
            if time_limit_s is not None:
                remaining = time_limit_s - (time.perf_counter() - t0)
                if remaining <= 0:
                    timed_out = True
                    break
            feas, T, used_mip = _feasible(sub, r, p, forced, excl, remaining)
            n_mip += used_mip
            if feas is None:
                timed_out = True
                break
            if feas:
                assert T is not None
                hi = mid
                S, ub = T, _worst(C, pts, T)
                hi = int(np.searchsorted(vals, ub, side="left"))
            else:
                lo = mid + 1
        lb = float(vals[lo]) if lo < vals.size else ub
        if lo >= hi and not timed_out:
            lb = ub
    status = SolveStatus.OPTIMAL if ub <= lb else SolveStatus.FEASIBLE
    return make_plan(
        "pcenter",
        C,
        w,
        S,
        objective=ub,
        bound=min(lb, ub),
        status=status,
        solver="greedy"
        if method == "heuristic"
        else "binary search + highspy set cover",
        runtime_s=time.perf_counter() - t0,
        extra={"cover_mips": n_mip},
        existing=forced,
        seed=seed if isinstance(seed, int) else None,
    )


def _worst(C: np.ndarray, pts: np.ndarray, S: np.ndarray) -> float:
    if pts.size == 0:
        return 0.0
    return float(C[np.ix_(pts, S)].min(axis=1).max())


def _greedy_minimax(
    C: np.ndarray, pts: np.ndarray, p: int, forced: np.ndarray, allowed: np.ndarray
) -> np.ndarray:
    """Add the candidate that most lowers the worst cost, from the forced set."""
    S = [int(j) for j in forced]
    sub = C[pts][:, allowed] if pts.size else np.zeros((0, allowed.size))
    d = np.full(sub.shape[0], np.inf)
    if S and pts.size:
        d = C[np.ix_(pts, np.asarray(S))].min(axis=1)
    chosen = np.zeros(allowed.size, dtype=bool)
    chosen[np.isin(allowed, forced)] = True
    while len(S) < p:
        if sub.shape[0] == 0:
            j = int(np.flatnonzero(~chosen)[0])
        else:
            worst = np.minimum(d[:, None], sub).max(axis=0)
            worst[chosen] = np.inf
            j = int(np.argmin(worst))
            d = np.minimum(d, sub[:, j])
        chosen[j] = True
        S.append(int(allowed[j]))
    return np.sort(np.asarray(S, dtype=np.int64))


def _feasible(
    sub: np.ndarray,
    r: float,
    p: int,
    forced: np.ndarray,
    excl: np.ndarray,
    time_limit_s: float | None,
) -> tuple[bool | None, np.ndarray | None, int]:
    """Can ``p`` outlets cover every point within ``r``? (answer, open set, used MIP)."""
    cov = coverage_matrix(sub, r)
    w1 = np.ones(sub.shape[0])
    red = reduce_cover(cov, w1, forced=forced, excluded=excl)
    if red.uncoverable.size:
        return False, None, 0
    k = p - forced.size
    if red.A.shape[0] == 0:
        return True, _pad(forced, np.zeros(0, np.int64), p, sub.shape[1], excl), 0
    if k <= 0:
        return False, None, 0
    fk = np.ones(red.cand.size)
    g = _greedy(red, fk, float(red.gw.sum()), True)
    if g.size <= k:
        return True, _pad(forced, red.cand[g], p, sub.shape[1], excl), 0
    g_, mk = red.A.shape
    start = np.zeros(mk)
    start[g] = 1
    res = solve_mip(
        fk,
        sp.csc_matrix(red.A),
        np.ones(g_),
        np.full(g_, np.inf),
        np.zeros(mk),
        np.ones(mk),
        np.ones(mk, dtype=bool),
        time_limit_s=time_limit_s,
        start=start,
        abs_gap=1 - 1e-6,
    )
    if res.x is not None and res.objective <= k + 0.5:
        T = red.cand[np.flatnonzero(res.x > 0.5)]
        return True, _pad(forced, T, p, sub.shape[1], excl), 1
    if res.bound > k + 1e-6 or res.infeasible:
        return False, None, 1
    if res.optimal:
        return False, None, 1
    return None, None, 1


def _pad(
    forced: np.ndarray, T: np.ndarray, p: int, m: int, excl: np.ndarray
) -> np.ndarray:
    """Fill up to exactly ``p`` open outlets with unused allowed candidates."""
    S = np.union1d(forced, T)
    if S.size < p:
        free = np.setdiff1d(np.setdiff1d(np.arange(m), S), excl)
        S = np.union1d(S, free[: p - S.size])
    return S.astype(np.int64)
