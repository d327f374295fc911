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

from planner.core.errors import InputError
from planner.core.progress import Heartbeat, ProgressCallback
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
from planner.siting._highs import MipResult, solve_mip_checked
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
    heur_v = red.const_covered + _covered(red, chosen)
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
        hb(f"MIP on {red.A.shape[0]:,} groups x {red.cand.size:,} sites", force=True)
        res = _mip(
            red, k, f[red.cand], bud, chosen, time_limit_s, node_limit, integral, hb
        )
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


def _covered(red: Reduced, chosen: np.ndarray) -> float:
    if red.A.shape[0] == 0 or len(chosen) == 0:
        return 0.0
    hit = np.asarray(red.A[:, chosen].sum(axis=1)).ravel() > 0
    return float(red.gw[hit].sum())


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


def _mip(
    red: Reduced,
    k: int,
    f: np.ndarray,
    budget: float | None,
    start_set: np.ndarray,
    time_limit_s: float | None,
    node_limit: int | None,
    integral: bool,
    hb: Heartbeat | None = None,
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
    return solve_mip_checked(
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
        heartbeat=hb,
        label="MCLP MIP",
    )
