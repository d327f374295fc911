"""Maximal covering location (MCLP, Church & ReVelle 1974).

Formulation, with ``N_i = {j : c_ij <= radius}``::

    max  sum_i w_i u_i
    s.t. u_i <= sum_{j in N_i} y_j   for all i
         sum_j y_j <= p,   sum_j b_j y_j <= budget - sum closing_cost (if given)
         y_j = 1 forced-open existing, y_j = 0 excluded
         y binary, 0 <= u_i <= 1

Options follow :mod:`planner.siting._options`. ``b_j`` is the opening cost
``fixed_cost_j``; with ``closing_cost`` existing outlets may close, a kept one
counts towards ``p`` and its fixed cost, a closed one pays its closing cost
from the budget (the objective is covered demand, not money: without a budget
closing is free). Partner sites (``partners``) cover every point within the
radius of them, do not count towards ``p`` and are never opened; their
``partner_fee`` is per ticket and, as the objective is coverage and the
budget is for own outlets, does not enter this model (price partner tickets
with :func:`planner.siting.solve_lscp` or
:func:`planner.siting.solve_facility_location`).

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

from planner.core.checks import check_positive_number
from planner.core.errors import InputError
from planner.core.progress import ProgressCallback
from planner.core.result import SolveStatus
from planner.core.rng import Seed
from planner.siting._common import (
    check_method,
    check_seed,
    heartbeat,
    is_integral,
    make_plan,
    status_for,
)
from planner.siting._cover import Reduced, coverage_matrix, reduce_cover
from planner.siting._coverage_exact import covered_weight, solve_max_cover, swap_search
from planner.siting._options import resolve
from planner.siting.options import SiteOptions
from planner.siting.plan import SitingPlan, nearest_open
from planner.siting.problem import check_cost, check_p, check_weights

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
    options: SiteOptions | None = None,
    time_limit_s: float | None = None,
    seed: Seed = 0,
    method: Literal["auto", "heuristic", "exact"] = "auto",
    node_limit: int | None = None,
    progress: ProgressCallback | None = None,
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
    options
        :class:`~planner.siting.SiteOptions`: existing outlets are forced
        open (they count towards ``p`` and the budget) unless a
        ``closing_cost`` lets them close, paid from the budget; demand within
        ``radius`` of a partner counts as covered (allocated to the partner),
        partners do not count towards ``p`` and their fee plays no part here
        (see the module docstring).
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
    progress
        Called with :class:`~planner.core.progress.Progress` records during
        the MIP (also logged at INFO by ``planner.siting.mclp``).

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
    check_method(method)
    time_limit_s = check_positive_number(time_limit_s, "time_limit_s", allow_none=True)
    C = check_cost(cost)
    n, m = C.shape
    w = check_weights(weights, n)
    r = check_radius(radius)
    opt = resolve(options, m)
    seed_int = check_seed(seed)
    hb = heartbeat(__name__, "MCLP", progress)
    forced = opt.forced
    p = check_p(p, m, n_forced=forced.size, n_excluded=opt.banned.size)
    opt.check_budget("MCLP", n_open=p, at_most=True)
    f = opt.b
    cov = coverage_matrix(C, r)
    # partners cover like forced-open outlets; only own outlets are decisions
    negative = opt.cap is not None and bool((f < 0).any())
    red = reduce_cover(
        cov,
        w,
        forced=np.union1d(forced, opt.partners),
        excluded=opt.excluded,
        col_cost=f,
        drop_dominated=not negative,  # dropping a negative-cost column may break the budget
    )
    k = p - forced.size
    bud = None if opt.cap is None else opt.cap - float(f[forced].sum())
    init = None
    if negative:
        # keeping the existing outlets that cost less than closing them frees budget
        fc = f[red.cand]
        neg = np.flatnonzero(fc < 0)
        init = neg[np.argsort(fc[neg], kind="stable")][:k]
    chosen = _greedy_swap(red, k, f[red.cand], bud, init)
    A = sp.csc_matrix(red.A)
    better = swap_search(A, red.gw, chosen, k, f=f[red.cand], budget=bud)
    if covered_weight(A, red.gw, better) > covered_weight(A, red.gw, chosen):
        chosen = better
    heur_v = red.const_covered + covered_weight(A, red.gw, chosen)
    total_coverable = red.const_covered + float(red.gw.sum())
    best_local = chosen
    bound = total_coverable
    info: dict[str, float | int | str] = {
        "groups": int(red.A.shape[0]),
        "candidates_kept": int(red.cand.size),
    }
    solver = "greedy+swap"
    integral = is_integral(w)
    if method != "heuristic" and k > 0 and red.A.shape[0] > 0 and heur_v < bound:
        hb(f"{red.A.shape[0]:,} groups x {red.cand.size:,} sites", force=True)
        res = solve_max_cover(
            red,
            k,
            f[red.cand],
            bud,
            chosen,
            integral=integral,
            time_limit_s=time_limit_s,
            node_limit=node_limit,
            hb=hb,
            seed=seed_int or 0,
        )
        solver = "LP bound + reduced-cost fixing + highspy MIP (aggregated)"
        info.update(res.info)
        v = red.const_covered + res.value
        if v >= heur_v:
            best_local, heur_v = res.open_cols, v
        bound = min(bound, red.const_covered + res.bound)
    if integral:
        bound = math.floor(bound + 1e-6)
    bound = max(bound, heur_v)
    open_idx = np.union1d(forced, red.cand[best_local])
    if opt.cap is not None:
        info["budget_spent"] = opt.spend(open_idx)
    status = status_for(heur_v, bound, integral=integral, sense="max")
    if status is SolveStatus.NO_SOLUTION:  # pragma: no cover - greedy always finds one
        status = SolveStatus.FEASIBLE
    hb(f"done, {status.value}", best=heur_v, bound=bound, force=True)
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
        existing=opt.existing,
        seed=seed_int,
        assign=cover_assign(C, open_idx, opt.partners, r),
        partners=opt.partners,
        options=opt,
    )


def cover_assign(
    C: np.ndarray,
    open_idx: np.ndarray,
    partners: np.ndarray,
    radius: float,
    contract: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Nearest open outlet; a point it leaves uncovered goes to its nearest partner in range.

    ``contract`` (a mask) limits the hand-over to the points contracted out.
    """
    ai, ac = nearest_open(C, open_idx)
    if partners.size:
        pa, pcost = nearest_open(C, partners)
        use = (ac > radius) & (pcost <= radius)
        if contract is not None:
            use &= contract
        ai[use] = pa[use]
        ac[use] = pcost[use]
    return ai, ac


def _greedy_swap(
    red: Reduced,
    k: int,
    f: np.ndarray,
    budget: float | None,
    init: np.ndarray | None = None,
) -> np.ndarray:
    """Greedy add by covered weight (from ``init``), then first-improvement 1-swaps."""
    A = sp.csc_matrix(red.A)
    mk = red.cand.size
    if k <= 0 or mk == 0 or red.A.shape[0] == 0:
        return np.sort(np.zeros(0, dtype=np.int64) if init is None else init)
    gw = red.gw
    cnt = np.zeros(red.A.shape[0])  # number of open candidates covering each group
    S: list[int] = []
    spent = 0.0
    for j in [] if init is None else init:
        S.append(int(j))
        spent += f[j]
        cnt += A[:, j].toarray().ravel()
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
