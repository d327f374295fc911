"""Maximal covering location (MCLP, Church & ReVelle 1974).

Formulation, with ``N_i = {j : c_ij <= radius}``::

    max  sum_i w_i u_i
    s.t. u_i <= sum_{j in N_i} y_j   for all i
         sum_j y_j <= p,   sum_j f_j y_j <= budget (if given)
         y_j = 1 forced-open existing, y_j = 0 excluded
         y binary, 0 <= u_i <= 1

Before solving, points covered by a forced-open outlet leave the model,
points with identical coverage sets are merged (weights summed) and
candidates whose coverage set is inside a no-more-expensive candidate's are
dropped; that keeps an optimal solution and shrinks the model by orders of
magnitude on dense instances. A greedy add plus swap local search gives the
MIP start and the fallback; HiGHS (``highspy``) proves the optimum.
"""

from __future__ import annotations

import math
import time
from typing import Literal

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from planner.core.checks import as_array
from planner.core.errors import InfeasibleError, InputError
from planner.core.result import SolveStatus
from planner.core.rng import Seed
from planner.siting._common import is_integral, make_plan, status_for
from planner.siting._cover import Reduced, coverage_matrix, reduce_cover
from planner.siting._highs import MipResult, solve_mip
from planner.siting.plan import SitingPlan
from planner.siting.problem import (
    check_cost,
    check_index_set,
    check_p,
    check_per_candidate,
    check_weights,
    disjoint,
)

__all__ = ["solve_mclp"]


def check_radius(radius: float) -> float:
    """A finite radius >= 0."""
    try:
        r = float(radius)
    except (TypeError, ValueError) as e:
        raise InputError(field="radius", expected="a number", got=radius) from e
    if not (math.isfinite(r) and r >= 0):
        raise InputError(field="radius", expected="a finite number >= 0", got=radius)
    return r


def solve_mclp(
    cost: npt.ArrayLike,
    weights: npt.ArrayLike | None,
    p: int,
    radius: float,
    *,
    existing: npt.ArrayLike | None = None,
    excluded: npt.ArrayLike | None = None,
    fixed_cost: npt.ArrayLike | float | None = None,
    budget: float | None = None,
    time_limit_s: float | None = None,
    seed: Seed = 0,
    method: Literal["auto", "heuristic", "exact"] = "auto",
    node_limit: int | None = None,
) -> SitingPlan:
    """Open at most ``p`` outlets covering the most demand within ``radius``.

    Parameters
    ----------
    cost
        Demand x candidate matrix (minutes or metres).
    weights
        Demand per point (``None``: all 1).
    p
        Maximum number of open outlets (existing ones included).
    radius
        Service radius in the units of ``cost``; covered means ``cost <= radius``.
    existing
        Existing outlets, forced open (they count towards ``p`` and ``budget``).
    excluded
        Candidates that may not open.
    fixed_cost, budget
        Opening cost per candidate and a cap on their sum.
    time_limit_s
        Wall-time limit of the MIP.
    seed
        Unused (the greedy is deterministic); kept for the common signature.
    method
        ``"exact"`` (MIP), ``"heuristic"`` (greedy + swaps, bound from the LP
        is not computed: ``bound`` is the total coverable weight) or ``"auto"``
        (= exact).
    node_limit
        Branch-and-bound node cap (deterministic stop for tests).

    Returns
    -------
    SitingPlan
        ``objective`` is the covered weight, ``bound`` an upper bound
        (``sense="max"``), demand assigned to its nearest open outlet.

    Examples
    --------
    >>> cost = np.array([[1, 9, 9], [9, 1, 9], [9, 1, 2], [9, 9, 1]])
    >>> plan = solve_mclp(cost, [5, 1, 1, 3], 2, radius=2)
    >>> plan.open_idx.tolist(), plan.objective, plan.status.value
    ([0, 2], 9.0, 'optimal')
    """
    t0 = time.perf_counter()
    if method not in ("auto", "heuristic", "exact"):
        raise InputError(
            field="method", expected="'auto', 'heuristic' or 'exact'", got=method
        )
    C = check_cost(cost)
    n, m = C.shape
    w = check_weights(weights, n)
    r = check_radius(radius)
    forced = check_index_set(existing, m, "existing")
    excl = check_index_set(excluded, m, "excluded")
    disjoint(forced, excl)
    p = check_p(p, m, n_forced=forced.size, n_excluded=excl.size, closable=False)
    f = check_per_candidate(fixed_cost, m, "fixed_cost")
    if budget is not None:
        budget = float(as_array(budget, "budget", nonneg=True))
        if f[forced].sum() > budget + 1e-9:
            raise InfeasibleError(
                f"MCLP: the {forced.size} existing outlets cost "
                f"{f[forced].sum():g}, above the budget {budget:g}"
            )
    cov = coverage_matrix(C, r)
    red = reduce_cover(cov, w, forced=forced, excluded=excl, col_cost=f)
    k = p - forced.size
    bud = None if budget is None else budget - float(f[forced].sum())
    chosen = _greedy_swap(red, k, f[red.cand], bud)
    heur_v = red.const_covered + _covered(red, chosen)
    total_coverable = red.const_covered + float(red.gw.sum())
    best_local = chosen
    bound = total_coverable
    info: dict[str, float | int | str] = {
        "groups": int(red.A.shape[0]),
        "candidates_kept": int(red.cand.size),
    }
    solver = "greedy+swap"
    integral = is_integral(w) and is_integral(f)
    if method != "heuristic" and k > 0 and red.A.shape[0] > 0 and heur_v < bound:
        res = _mip(red, k, f[red.cand], bud, chosen, time_limit_s, node_limit, integral)
        solver = "highspy MCLP MIP (aggregated)"
        info.update(
            mip_nodes=res.n_nodes, mip_status=res.status, mip_runtime_s=res.runtime_s
        )
        if res.x is not None:
            y = res.x[: red.cand.size] > 0.5
            v = red.const_covered + _covered(red, np.flatnonzero(y))
            if v > heur_v:
                best_local, heur_v = np.flatnonzero(y), v
        if res.infeasible:
            bound = heur_v
        else:
            bound = min(bound, red.const_covered + res.bound)
    if integral:
        bound = math.floor(bound + 1e-6)
    bound = max(bound, heur_v)
    open_idx = np.union1d(forced, red.cand[best_local])
    status = status_for(heur_v, bound, integral=integral, sense="max")
    if status is SolveStatus.NO_SOLUTION:  # pragma: no cover - greedy always finds one
        status = SolveStatus.FEASIBLE
    return make_plan(
        "mclp",
        C,
        w,
        open_idx,
        objective=heur_v,
        bound=bound,
        status=status,
        solver=solver,
        runtime_s=time.perf_counter() - t0,
        extra=info,
        sense="max",
        radius=r,
        existing=forced,
        seed=seed if isinstance(seed, int) else None,
    )


def _covered(red: Reduced, chosen: np.ndarray) -> float:
    if red.A.shape[0] == 0 or len(chosen) == 0:
        return 0.0
    hit = np.asarray(red.A[:, chosen].sum(axis=1)).ravel() > 0
    return float(red.gw[hit].sum())


def _greedy_swap(
    red: Reduced, k: int, f: np.ndarray, budget: float | None
) -> np.ndarray:
    """Greedy add by covered weight, then first-improvement 1-swaps."""
    A = sp.csc_matrix(red.A)
    mk = red.cand.size
    if k <= 0 or mk == 0 or red.A.shape[0] == 0:
        return np.zeros(0, dtype=np.int64)
    gw = red.gw
    cnt = np.zeros(red.A.shape[0])  # number of open candidates covering each group
    S: list[int] = []
    spent = 0.0
    while len(S) < k:
        unc = gw * (cnt == 0)
        gain = A.T @ unc
        gain[S] = -1
        if budget is not None:
            gain[spent + f > budget + 1e-9] = -1
        j = int(np.argmax(gain))
        if gain[j] <= 0:
            break
        S.append(j)
        spent += f[j]
        cnt += A[:, j].toarray().ravel()
    # swaps: remove r (loss = weight covered only by r), add j (gain on uncovered)
    improved = True
    rounds = 0
    while improved and rounds < 50 and S:
        improved = False
        rounds += 1
        for r in list(S):
            col_r = A[:, r].toarray().ravel()
            cnt_wo = cnt - col_r
            loss = float(gw[(cnt_wo == 0) & (col_r > 0)].sum())
            unc = gw * (cnt_wo == 0)
            gain = A.T @ unc
            gain[S] = -1
            if budget is not None:
                gain[spent - f[r] + f > budget + 1e-9] = -1
            j = int(np.argmax(gain))
            if gain[j] > loss + 1e-9:
                S.remove(r)
                S.append(j)
                spent += f[j] - f[r]
                cnt = cnt_wo + A[:, j].toarray().ravel()
                improved = True
    return np.sort(np.asarray(S, dtype=np.int64))


def _mip(
    red: Reduced,
    k: int,
    f: np.ndarray,
    budget: float | None,
    start_set: np.ndarray,
    time_limit_s: float | None,
    node_limit: int | None,
    integral: bool,
) -> MipResult:
    g, mk = red.A.shape
    # columns: y (mk), u (g); rows: u_g - sum y <= 0 (g rows), sum y <= k, budget
    A_u = sp.hstack([-red.A, sp.identity(g, format="csr")], format="csr")
    rows = [A_u, sp.csr_matrix(np.concatenate([np.ones(mk), np.zeros(g)])[None, :])]
    lo: list[np.ndarray] = [np.full(g, -np.inf), np.array([-np.inf])]
    hi: list[np.ndarray] = [np.zeros(g), np.array([float(k)])]
    if budget is not None:
        rows.append(sp.csr_matrix(np.concatenate([f, np.zeros(g)])[None, :]))
        lo.append(np.array([-np.inf]))
        hi.append(np.array([budget]))
    A = sp.vstack(rows, format="csc")
    c = np.concatenate([np.zeros(mk), red.gw])
    integer = np.zeros(mk + g, dtype=bool)
    integer[:mk] = True
    start = np.zeros(mk + g)
    start[start_set] = 1.0
    hit = np.asarray(red.A[:, start_set].sum(axis=1)).ravel() > 0
    start[mk:] = hit
    return solve_mip(
        c,
        A,
        np.concatenate(lo),
        np.concatenate(hi),
        np.zeros(mk + g),
        np.ones(mk + g),
        integer,
        maximize=True,
        time_limit_s=time_limit_s,
        start=start,
        abs_gap=(1 - 1e-6) if integral else 1e-6,
        node_limit=node_limit,
    )
