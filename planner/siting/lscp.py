"""Location set covering (LSCP, Toregas et al. 1971) and its target-share variant.

Formulation, with ``N_i = {j : c_ij <= radius}`` and opening cost ``f_j``
(1 by default: the number of outlets)::

    min  sum_j f_j y_j
    s.t. sum_{j in N_i} y_j >= 1        for every point with w_i > 0
         y_j = 1 forced-open existing, y_j = 0 excluded, y binary

Target-share variant (``target_share < 1``)::

    min  sum_j f_j y_j
    s.t. u_i <= sum_{j in N_i} y_j,  sum_i w_i u_i >= target_share * sum_i w_i,
         0 <= u_i <= 1

Points with identical coverage sets are merged and dominated candidates
dropped before solving (see :mod:`planner.siting.mclp`). A greedy
(covered weight per cost, then redundant outlets removed) gives the MIP start.
If some demand can never be covered, that is reported before solving, with
the largest ``target_share`` that is still feasible.
"""

from __future__ import annotations

import math
import time
from typing import Literal

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from planner.core.checks import check_fraction
from planner.core.errors import InfeasibleError, InputError
from planner.core.rng import Seed
from planner.siting._common import is_integral, make_plan, status_for
from planner.siting._cover import (
    Reduced,
    coverage_matrix,
    reduce_cover,
    reduce_set_cover,
)
from planner.siting._highs import MipResult, solve_mip
from planner.siting.mclp import check_radius
from planner.siting.plan import SitingPlan
from planner.siting.problem import (
    check_cost,
    check_index_set,
    check_per_candidate,
    check_weights,
    disjoint,
)

__all__ = ["solve_lscp"]


def solve_lscp(
    cost: npt.ArrayLike,
    weights: npt.ArrayLike | None,
    radius: float,
    *,
    target_share: float = 1.0,
    existing: npt.ArrayLike | None = None,
    excluded: npt.ArrayLike | None = None,
    fixed_cost: npt.ArrayLike | float | None = None,
    time_limit_s: float | None = None,
    seed: Seed = 0,
    method: Literal["auto", "heuristic", "exact"] = "auto",
    node_limit: int | None = None,
) -> SitingPlan:
    """Fewest (or cheapest) outlets covering the demand within ``radius``.

    Parameters
    ----------
    cost
        Demand x candidate matrix (minutes or metres).
    weights
        Demand per point (``None``: all 1). Points of weight 0 need no cover.
    radius
        Service radius in the units of ``cost``.
    target_share
        Share of total weight to cover, in (0, 1].
    existing
        Existing outlets, forced open (their cost counts).
    excluded
        Candidates that may not open.
    fixed_cost
        Opening cost per candidate (default 1: minimize the count).
    time_limit_s, node_limit
        Limits of the MIP.
    seed
        Unused (deterministic); kept for the common signature.
    method
        ``"exact"``/``"auto"`` (MIP) or ``"heuristic"`` (greedy only).

    Raises
    ------
    InfeasibleError
        If the target cannot be met even with every allowed candidate open.

    Examples
    --------
    >>> cost = np.array([[1, 9, 9], [9, 1, 9], [9, 1, 2], [9, 9, 1]])
    >>> solve_lscp(cost, None, radius=2).open_idx.tolist()
    [0, 1, 2]
    >>> solve_lscp(cost, None, radius=2, target_share=0.75).objective
    2.0
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
    share = check_fraction(target_share, "target_share", open_high=False)
    forced = check_index_set(existing, m, "existing")
    excl = check_index_set(excluded, m, "excluded")
    disjoint(forced, excl)
    f = check_per_candidate(fixed_cost, m, "fixed_cost", default=1.0)
    cov = coverage_matrix(C, r)
    red = reduce_cover(cov, w, forced=forced, excluded=excl, col_cost=f)
    total = float(w.sum())
    need = share * total - red.const_covered  # weight still to cover
    coverable = float(red.gw.sum())
    if share >= 1.0 and red.uncoverable.size:
        _raise_uncoverable(red, w, r, total)
    if need > coverable + 1e-9 * max(1.0, total):
        best = (red.const_covered + coverable) / total
        raise InfeasibleError(
            f"LSCP: target_share {share:g} needs weight {share * total:g} covered "
            f"within radius {r:g}, but at most {red.const_covered + coverable:g} "
            f"({100 * best:.2f} %) is coverable; {red.uncoverable.size} demand "
            f"points have no candidate in range; use target_share <= {math.floor(best * 1e4) / 1e4:g}"
        )
    full = share >= 1.0
    fk = f[red.cand]
    chosen = _greedy(red, fk, need, full)
    best_v = float(fk[chosen].sum())
    integral = is_integral(f) and (full or is_integral(w))
    bound = 0.0
    info: dict[str, float | int | str] = {
        "groups": int(red.A.shape[0]),
        "candidates_kept": int(red.cand.size),
    }
    solver = "greedy"
    if method != "heuristic" and chosen.size:
        g, mk = red.A.shape
        if full:
            A_r, cols, ess = reduce_set_cover(red.A, fk)
            info.update(
                cover_rows=int(A_r.shape[0]),
                cover_cols=int(A_r.shape[1]),
                essential=int(ess.size),
            )
            A = sp.csc_matrix(A_r)
            g_r, m_r = A.shape
            lo, hi = np.ones(g_r), np.full(g_r, np.inf)
            c = fk[cols]
            integer = np.ones(m_r, dtype=bool)
            # start: the greedy restricted to kept columns, repaired greedily
            start = np.isin(cols, chosen).astype(np.float64)
            unc = np.asarray(A @ start).ravel() == 0
            while unc.any():
                gain = np.asarray(A.T @ unc.astype(np.float64)).ravel()
                j = int(np.argmax(gain / np.maximum(c, 1e-12)))
                start[j] = 1.0
                unc &= A[:, j].toarray().ravel() == 0
            col_hi = np.ones(m_r)
            ess_cost = float(fk[ess].sum())
        else:
            A = sp.vstack(
                [
                    sp.hstack([-red.A, sp.identity(g)]),
                    sp.csr_matrix(np.concatenate([np.zeros(mk), red.gw])[None, :]),
                ],
                format="csc",
            )
            lo = np.concatenate([np.full(g, -np.inf), [need]])
            hi = np.concatenate([np.zeros(g), [np.inf]])
            c = np.concatenate([fk, np.zeros(g)])
            integer = np.zeros(mk + g, dtype=bool)
            integer[:mk] = True
            start = np.zeros(mk + g)
            start[chosen] = 1
            start[mk:] = np.asarray(red.A[:, chosen].sum(axis=1)).ravel() > 0
            col_hi = np.ones(mk + g)
            cols = np.arange(mk)
            ess = np.zeros(0, dtype=np.int64)
            ess_cost = 0.0
        if A.shape[0] == 0:  # the reductions solved it: essentials only
            res = MipResult(
                x=np.zeros(c.size),
                objective=ess_cost,
                bound=ess_cost,
                optimal=True,
                infeasible=False,
                runtime_s=0.0,
                n_nodes=0,
                status="solved by reductions",
            )
        else:
            res = solve_mip(
                c,
                A,
                lo,
                hi,
                np.zeros(c.size),
                col_hi,
                integer,
                offset=ess_cost,
                time_limit_s=time_limit_s,
                start=start,
                node_limit=node_limit,
                abs_gap=(1 - 1e-6) if integral else 1e-6,
            )
        solver = "highspy LSCP MIP (aggregated)"
        info.update(
            mip_nodes=res.n_nodes, mip_status=res.status, mip_runtime_s=res.runtime_s
        )
        if res.x is not None:
            y = np.union1d(ess, cols[np.flatnonzero(res.x[: cols.size] > 0.5)])
            v = float(fk[y].sum())
            if v < best_v and _meets(red, y, need, full):
                chosen, best_v = y, v
        bound = best_v if res.infeasible else max(0.0, res.bound)
    if integral:
        bound = math.ceil(bound - 1e-6)
    bound = min(bound, best_v)
    const = float(f[forced].sum())
    open_idx = np.union1d(forced, red.cand[chosen])
    status = status_for(best_v, bound, integral=integral)
    return make_plan(
        "lscp",
        C,
        w,
        open_idx,
        objective=best_v + const,
        bound=bound + const,
        status=status,
        solver=solver,
        runtime_s=time.perf_counter() - t0,
        extra=info,
        radius=r,
        existing=forced,
        seed=seed if isinstance(seed, int) else None,
    )


def _raise_uncoverable(red: Reduced, w: np.ndarray, r: float, total: float) -> None:
    idx = red.uncoverable
    lost = float(w[idx].sum())
    best = (total - lost) / total
    shown = ", ".join(str(int(i)) for i in idx[:10]) + (
        ", ..." if idx.size > 10 else ""
    )
    raise InfeasibleError(
        f"LSCP: {idx.size} demand points (weight {lost:g}, {100 * lost / total:.2f} % "
        f"of demand) have no allowed candidate within radius {r:g}: indices [{shown}]; "
        f"use target_share <= {math.floor(best * 1e4) / 1e4:g} or a larger radius"
    )


def _meets(red: Reduced, chosen: np.ndarray, need: float, full: bool) -> bool:
    if red.A.shape[0] == 0:
        return True
    hit = np.asarray(red.A[:, chosen].sum(axis=1)).ravel() > 0
    if full:
        return bool(hit.all())
    return float(red.gw[hit].sum()) >= need - 1e-9 * max(1.0, abs(need))


def _greedy(red: Reduced, f: np.ndarray, need: float, full: bool) -> np.ndarray:
    """Chvatal greedy by covered weight (count if ``full``) per cost, then prune."""
    A = sp.csc_matrix(red.A)
    g = A.shape[0]
    if g == 0 or need <= 0:
        return np.zeros(0, dtype=np.int64)
    val = np.ones(g) if full else red.gw
    cnt = np.zeros(g)
    S: list[int] = []
    while not _done(cnt, red.gw, need, full):
        gain = A.T @ (val * (cnt == 0))
        ratio = np.where(gain > 0, gain / np.maximum(f, 1e-12), -1.0)
        ratio[S] = -1.0
        j = int(np.argmax(ratio))
        if ratio[j] <= 0:
            break
        S.append(j)
        cnt += A[:, j].toarray().ravel()
    # drop redundant outlets, most expensive first
    for j in sorted(S, key=lambda k: -f[k]):
        col = A[:, j].toarray().ravel()
        if _done(cnt - col, red.gw, need, full):
            S.remove(j)
            cnt -= col
    return np.sort(np.asarray(S, dtype=np.int64))


def _done(cnt: np.ndarray, gw: np.ndarray, need: float, full: bool) -> bool:
    if full:
        return bool((cnt > 0).all())
    return float(gw[cnt > 0].sum()) >= need - 1e-9 * max(1.0, abs(need))
