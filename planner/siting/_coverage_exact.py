"""Exact maximal covering made small: a strong start, the LP bound, reduced-cost fixing.

On the aggregated MCLP (:mod:`planner.siting._cover`) the plain MIP spends
most of its time in the root LP (dual simplex) and closing a gap of about 1 %
left by the greedy start. Here:

1. a best-improvement swap search (every (in, out) pair scored at once:
   ``gain_j - loss_r + shared_jr``, Resende & Werneck's idea for p-median
   applied to coverage) improves the greedy plan;
2. the LP relaxation is solved by interior point with crossover (10-20x
   faster than simplex on these LPs) for the bound and the reduced costs;
3. its solution, rounded to the ``k`` largest ``y`` and improved by the same
   search plus a seeded iterated local search, starts a kernel MIP over the
   LP's most promising columns, whose plan is the strong start;
4. reduced-cost fixing (Nemhauser & Wolsey): a site whose forced opening
   (closing) drops the LP bound to the start's value or below cannot be in
   (out of) a better plan, so it is fixed; the model is aggregated again;
5. the MIP (HiGHS) solves what is left, from the start; both MIPs run
   without primal heuristics and with IPM for their LPs (``_FROM_START``).

The restricted problem contains every plan better than the start, so the
optimum is the better of the two and the bound the larger of the start and
the restricted bound (never above the LP bound).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp

from planner.siting._cover import Reduced, reduce_cover
from planner.siting._highs import solve_lp, solve_mip_checked

if TYPE_CHECKING:
    from planner.core.progress import Heartbeat

__all__ = ["CoverResult", "covered_weight", "solve_max_cover", "swap_search"]

# HiGHS options for the kernel and the final MIP, which both start from a
# plan at or near the optimum: the work is the proof, not the search, so no
# primal heuristics; pseudo-cost branching without strong branching first;
# LPs by interior point (the root LP of these models is 5-10x faster so).
_FROM_START: dict[str, object] = {
    "mip_heuristic_effort": 0.0,
    "mip_heuristic_run_feasibility_jump": False,
    "mip_heuristic_run_rins": False,
    "mip_heuristic_run_rens": False,
    "mip_heuristic_run_root_reduced_cost": False,
    "mip_pscost_minreliable": 0,
    "mip_lp_solver": "ipm",
}


@dataclass(slots=True)
class CoverResult:
    """Open columns (into the reduced model), covered weight, a proven upper bound."""

    open_cols: np.ndarray
    value: float
    bound: float
    info: dict[str, float | int | str] = field(default_factory=dict)


def covered_weight(A: sp.csc_matrix, gw: np.ndarray, S: np.ndarray) -> float:
    """Weight of the groups that the columns ``S`` cover."""
    if A.shape[0] == 0 or len(S) == 0:
        return 0.0
    y = np.zeros(A.shape[1])
    y[np.asarray(S, dtype=np.int64)] = 1.0
    return float(gw[(A @ y) > 0.5].sum())


def swap_search(
    A: sp.csc_matrix,
    gw: np.ndarray,
    S: np.ndarray,
    k: int,
    *,
    f: np.ndarray | None = None,
    budget: float | None = None,
    max_moves: int = 10_000,
) -> np.ndarray:
    """Best-improvement adds and 1-swaps for at most ``k`` columns covering most weight.

    ``f``/``budget``: moves that would spend more than ``budget`` are skipped.
    Each move scores every pair at once: with ``cnt`` the number of open
    columns covering each group, adding ``j`` gains the uncovered weight it
    covers, removing ``r`` loses the weight only ``r`` covers, and the pair
    keeps what both cover among those.
    """
    g, mk = A.shape
    if k <= 0 or mk == 0 or g == 0:
        return np.sort(np.asarray(S, dtype=np.int64))
    A = sp.csc_matrix(A)
    AT = sp.csr_matrix(A.T)
    cost = np.zeros(mk) if f is None else np.asarray(f, dtype=np.float64)
    cap = math.inf if budget is None else float(budget) + 1e-9 * max(1.0, abs(budget))
    inS = np.zeros(mk, dtype=bool)
    inS[np.asarray(S, dtype=np.int64)] = True
    cnt = A @ inS.astype(np.float64)
    spent = float(cost[inS].sum())
    tol = 1e-9 * max(1.0, float(gw.sum()))
    for _ in range(max_moves):
        unc = gw * (cnt < 0.5)
        gain = AT @ unc
        if inS.sum() < k:
            gain_add = np.where(inS | (spent + cost > cap), -np.inf, gain)
            j = int(np.argmax(gain_add))
            if gain_add[j] > tol:
                inS[j] = True
                spent += cost[j]
                cnt += A[:, j].toarray().ravel()
                continue
        Sx = np.flatnonzero(inS)
        if Sx.size == 0:
            break
        single = gw * (np.abs(cnt - 1.0) < 0.5)
        loss = AT[Sx] @ single
        shared = (AT @ sp.csr_matrix(A[:, Sx].multiply(single[:, None]))).toarray()
        delta = gain[:, None] + shared - loss[None, :]
        delta[inS, :] = -np.inf
        if budget is not None:
            over = spent - cost[Sx][None, :] + cost[:, None] > cap
            delta[over] = -np.inf
        flat = int(np.argmax(delta))
        j, ri = divmod(flat, Sx.size)
        if not delta[j, ri] > tol:
            break
        r = int(Sx[ri])
        inS[r], inS[j] = False, True
        spent += cost[j] - cost[r]
        cnt += A[:, j].toarray().ravel() - A[:, r].toarray().ravel()
    return np.flatnonzero(inS).astype(np.int64)


def _kick(
    A: sp.csc_matrix,
    gw: np.ndarray,
    S: np.ndarray,
    k: int,
    rng: np.random.Generator,
    f: np.ndarray | None,
    budget: float | None,
) -> np.ndarray:
    """Drop a few random columns and refill at random among the best gains."""
    q = max(1, min(S.size, max(2, S.size // 8)))
    keep = np.setdiff1d(S, rng.choice(S, size=q, replace=False))
    AT = sp.csr_matrix(A.T)
    inS = np.zeros(A.shape[1], dtype=bool)
    inS[keep] = True
    cnt = A @ inS.astype(np.float64)
    cost = np.zeros(A.shape[1]) if f is None else f
    cap = math.inf if budget is None else budget
    spent = float(cost[inS].sum())
    while inS.sum() < k:
        gain = AT @ (gw * (cnt < 0.5))
        gain[inS | (spent + cost > cap + 1e-9)] = -np.inf
        top = np.argsort(-gain)[:3]
        top = top[np.isfinite(gain[top]) & (gain[top] > 0)]
        if top.size == 0:
            break
        j = int(rng.choice(top))
        inS[j] = True
        spent += cost[j]
        cnt += A[:, j].toarray().ravel()
    return np.flatnonzero(inS).astype(np.int64)


def _model(
    A: sp.csr_matrix, gw: np.ndarray, k: int, f: np.ndarray, budget: float | None
) -> tuple[np.ndarray, sp.csc_matrix, np.ndarray, np.ndarray]:
    """The aggregated MCLP: columns y (mk), u (g); rows u - A y <= 0, sum y <= k, budget."""
    g, mk = A.shape
    rows = [
        sp.hstack([-A, sp.identity(g, format="csr")], format="csr"),
        sp.csr_matrix(np.concatenate([np.ones(mk), np.zeros(g)])[None, :]),
    ]
    lo = [np.full(g, -np.inf), np.array([-np.inf])]
    hi = [np.zeros(g), np.array([float(k)])]
    if budget is not None:
        rows.append(sp.csr_matrix(np.concatenate([f, np.zeros(g)])[None, :]))
        lo.append(np.array([-np.inf]))
        hi.append(np.array([budget]))
    c = np.concatenate([np.zeros(mk), gw])
    return c, sp.vstack(rows, format="csc"), np.concatenate(lo), np.concatenate(hi)


def _mip(
    A: sp.csr_matrix,
    gw: np.ndarray,
    k: int,
    f: np.ndarray,
    budget: float | None,
    start: np.ndarray | None,
    *,
    integral: bool,
    time_limit_s: float | None,
    node_limit: int | None,
    hb: Heartbeat | None,
    options: dict[str, object] | None = None,
) -> tuple[np.ndarray | None, float, bool, dict[str, float | int | str]]:
    """The MIP on ``A``: (open columns or None, bound, infeasible, info)."""
    g, mk = A.shape
    c, M, lo, hi = _model(A, gw, k, f, budget)
    integer = np.zeros(mk + g, dtype=bool)
    integer[:mk] = True
    x0 = None
    if start is not None:
        x0 = np.zeros(mk + g)
        x0[start] = 1.0
        x0[mk:] = (A @ x0[:mk]) > 0.5
    res = solve_mip_checked(
        c,
        M,
        lo,
        hi,
        np.zeros(mk + g),
        np.ones(mk + g),
        integer,
        maximize=True,
        time_limit_s=time_limit_s,
        start=x0,
        abs_gap=(1 - 1e-6) if integral else 1e-6,
        node_limit=node_limit,
        heartbeat=hb,
        label="MCLP MIP",
        options=options,
    )
    info: dict[str, float | int | str] = {
        "mip_nodes": res.n_nodes,
        "mip_status": res.status,
        "mip_runtime_s": res.runtime_s,
        "mip_groups": int(g),
        "mip_candidates": int(mk),
    }
    cols = None if res.x is None else np.flatnonzero(res.x[:mk] > 0.5)
    return cols, res.bound, res.infeasible, info


def solve_max_cover(
    red: Reduced,
    k: int,
    f: np.ndarray,
    budget: float | None,
    start: np.ndarray,
    *,
    integral: bool,
    time_limit_s: float | None = None,
    node_limit: int | None = None,
    hb: Heartbeat | None = None,
    seed: int = 0,
    ils_rounds: int = 40,
    fixing: bool = True,
    kernel_size: int | None = None,
) -> CoverResult:
    """Exact MCLP on a reduced model (values exclude ``red.const_covered``).

    ``f``/``budget``: the budget row over the model's columns. ``start``: a
    feasible plan (column positions). ``fixing=False`` solves the full MIP
    after the start (the earlier method, kept for comparison).
    ``kernel_size``: columns of the kernel MIP (default ``max(150, 3 k)``).
    """
    t0 = time.perf_counter()
    deadline = math.inf if time_limit_s is None else t0 + time_limit_s
    A = sp.csc_matrix(red.A)
    gw = red.gw
    g, mk = A.shape
    thr = (1 - 1e-6) if integral else 1e-9 * max(1.0, float(gw.sum()))
    info: dict[str, float | int | str] = {}

    def value(S: np.ndarray) -> float:
        return covered_weight(A, gw, S)

    best = swap_search(A, gw, start, k, f=f, budget=budget)
    if value(best) < value(start):
        best = np.asarray(start, dtype=np.int64)
    best_v = value(best)
    info["start_swap"] = best_v
    if not fixing:
        cols, bound, infeasible, mi = _mip(
            red.A, gw, k, f, budget, best,
            integral=integral, time_limit_s=time_limit_s,
            node_limit=node_limit, hb=hb,
        )  # fmt: skip
        info |= mi
        if cols is not None and value(cols) > best_v:
            best, best_v = cols, value(cols)
        return CoverResult(
            best, best_v, best_v if infeasible else max(bound, best_v), info
        )
    c, M, lo, hi = _model(red.A, gw, k, f, budget)
    lp = solve_lp(
        c,
        M,
        lo,
        hi,
        np.zeros(mk + g),
        np.ones(mk + g),
        maximize=True,
        time_limit_s=None if time_limit_s is None else max(0.01, deadline - t0),
    )
    info["lp_s"] = lp.runtime_s
    if not lp.optimal or lp.x is None or lp.col_dual is None:
        info["lp"] = "not solved: full MIP"
        remaining = (
            None if time_limit_s is None else max(0.01, deadline - time.perf_counter())
        )
        return solve_max_cover(
            red, k, f, budget, best, integral=integral, time_limit_s=remaining,
            node_limit=node_limit, hb=hb, fixing=False,
        )  # fmt: skip
    z = lp.objective
    ub = math.floor(z + 1e-6) if integral else z
    info["lp_bound"] = z
    y, rc = lp.x[:mk], lp.col_dual[:mk]
    # strong start: the LP's k largest y (within the budget), then the searches
    order = np.argsort(-y, kind="stable")
    S_lp: list[int] = []
    spent = 0.0
    for j in order:
        if len(S_lp) >= k:
            break
        if budget is None or spent + f[j] <= budget + 1e-9:
            S_lp.append(int(j))
            spent += f[j]
    cand = swap_search(A, gw, np.asarray(S_lp, dtype=np.int64), k, f=f, budget=budget)
    if value(cand) > best_v:
        best, best_v = cand, value(cand)
    # a seeded iterated local search from the better start: the kernel MIP
    # below is the faster the closer its start is to the optimum
    rng = np.random.default_rng(seed)
    cur, cur_v = best, best_v
    for _ in range(ils_rounds):
        if ub - best_v < thr or time.perf_counter() > deadline or cur.size == 0:
            break
        T = swap_search(
            A, gw, _kick(A, gw, cur, k, rng, f, budget), k, f=f, budget=budget
        )
        tv = value(T)
        if tv >= cur_v:
            cur, cur_v = T, tv
            if tv > best_v:
                best, best_v = T, tv
    info["ils_value"] = best_v
    # kernel: the MIP over the most promising columns (LP support, then the
    # largest reduced costs), from the best plan so far
    n_kernel = min(mk, kernel_size if kernel_size else max(150, 3 * k))
    if ub - best_v >= thr and n_kernel < mk:
        score = np.where(y > 1e-9, np.inf, rc)
        ker = np.sort(np.argsort(-score, kind="stable")[:n_kernel])
        kr = reduce_cover(
            sp.csr_matrix(A),
            gw,
            forced=np.zeros(0, dtype=np.int64),
            excluded=np.setdiff1d(np.arange(mk), ker),
            col_cost=f,
            drop_dominated=not (budget is not None and bool((f < 0).any())),
        )
        if kr.A.shape[0] and kr.A.shape[1]:
            remaining = max(0.01, 0.25 * (deadline - time.perf_counter()))
            # the best plan so far, as far as the kernel holds it, is its start
            kpos = np.full(mk, -1, dtype=np.int64)
            kpos[kr.cand] = np.arange(kr.cand.size)
            kin = kpos[best]
            kst = swap_search(sp.csc_matrix(kr.A), kr.gw, kin[kin >= 0], k,
                              f=f[kr.cand], budget=budget)  # fmt: skip
            cols, _, _, _ = _mip(
                kr.A, kr.gw, k, f[kr.cand], budget, kst, integral=integral,
                time_limit_s=None if time_limit_s is None else remaining,
                node_limit=node_limit, hb=None, options=_FROM_START,
            )  # fmt: skip
            if cols is not None:
                T = swap_search(A, gw, kr.cand[cols], k, f=f, budget=budget)
                info["kernel_value"] = value(T)
                if value(T) > best_v:
                    best, best_v = T, value(T)
    info["start_value"] = best_v
    if hb is not None:
        hb("LP bound and start", best=best_v, bound=ub)
    if ub - best_v < thr:
        info["proof"] = "LP bound"
        return CoverResult(best, best_v, max(ub, best_v), info)
    # reduced-cost fixing against the start
    need = best_v + thr
    fix0 = np.flatnonzero((y < 1e-9) & (z + rc < need))
    fix1 = np.flatnonzero((y > 1 - 1e-9) & (z - rc < need))
    info |= {"rc_fixed_closed": int(fix0.size), "rc_fixed_open": int(fix1.size)}
    negative = budget is not None and bool((f < 0).any())
    red2 = reduce_cover(
        sp.csr_matrix(A),
        gw,
        forced=fix1,
        excluded=fix0,
        col_cost=f,
        drop_dominated=not negative,
    )
    k2 = k - fix1.size
    bud2 = None if budget is None else budget - float(f[fix1].sum())
    base = red2.const_covered
    g2, mk2 = red2.A.shape
    info |= {"fixed_groups": int(g2), "fixed_candidates": int(mk2)}
    rbest: np.ndarray | None = None
    rbound = base
    infeasible = False
    if k2 >= 0 and g2 and mk2 and k2 > 0:
        A2 = sp.csc_matrix(red2.A)
        pos = np.full(mk, -1, dtype=np.int64)
        pos[red2.cand] = np.arange(mk2)
        st = None
        if np.isin(fix1, best).all() and not np.isin(best, fix0).any():
            sb = pos[np.setdiff1d(best, fix1)]
            st = sb[sb >= 0]
        st = swap_search(A2, red2.gw, st if st is not None else np.zeros(0, np.int64),
                         k2, f=f[red2.cand], budget=bud2)  # fmt: skip
        remaining = (
            None if time_limit_s is None else max(0.01, deadline - time.perf_counter())
        )
        cols, b2, infeasible, mi = _mip(
            red2.A, red2.gw, k2, f[red2.cand], bud2, st,
            integral=integral, time_limit_s=remaining, node_limit=node_limit, hb=hb,
            options=_FROM_START,
        )  # fmt: skip
        info |= mi
        if cols is not None:
            rbest = np.union1d(fix1, red2.cand[cols])
        rbound = base + b2 if not infeasible else -math.inf
    elif k2 >= 0:
        rbest = fix1  # nothing left to decide: the fixed-open sites are the plan
        rbound = base
    else:
        infeasible = True
        rbound = -math.inf
    if rbest is not None and value(rbest) > best_v:
        best, best_v = rbest, value(rbest)
    bound = min(ub, max(best_v, rbound))
    if integral:
        bound = math.floor(bound + 1e-6)
    return CoverResult(best, best_v, max(bound, best_v), info)
