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

Options follow :mod:`planner.siting._options`. Partner sites serve a point at
``c_ik + partner_fee_k`` (in the units of ``cost``, e.g. minutes of delay a
partner adds), are never opened and do not count in ``p``: the search runs on
the matrix capped by each point's best partner (one copy, only with
partners). With a budget every radius test asks for exactly ``p`` outlets
within it (the set-cover MIP gets the cardinality and budget rows; no column
dominance, which could break the budget) and the greedy keeps room for the
outlets still to open. ``closing_cost`` lets existing outlets close; as the
objective is a time, not money, the closing cost is paid from the budget only
(without a budget closing is free, as for an ordinary candidate).
"""

from __future__ import annotations

import time
from typing import Literal

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from planner.core.checks import check_positive_number
from planner.core.progress import ProgressCallback
from planner.core.result import SolveStatus
from planner.core.rng import Seed
from planner.siting._common import check_method, check_seed, heartbeat, make_plan
from planner.siting._cover import coverage_matrix, reduce_cover
from planner.siting._highs import solve_mip_checked
from planner.siting._options import capped_by_partners, partner_cost, resolve
from planner.siting._search import Engine
from planner.siting.lscp import _greedy
from planner.siting.options import SiteOptions
from planner.siting.plan import SitingPlan
from planner.siting.pmedian import _assign
from planner.siting.problem import check_cost, check_p, check_weights

__all__ = ["solve_pcenter"]


def solve_pcenter(
    cost: npt.ArrayLike,
    weights: npt.ArrayLike | None,
    p: int,
    *,
    options: SiteOptions | None = None,
    time_limit_s: float | None = None,
    seed: Seed = 0,
    method: Literal["auto", "heuristic", "exact"] = "auto",
    progress: ProgressCallback | None = None,
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
    options
        :class:`~planner.siting.SiteOptions`: existing outlets forced open
        unless a ``closing_cost`` lets them close (paid from the budget);
        partners serve at their cost plus the fee (in cost units) and do not
        count in ``p``; points they serve show in ``plan.partner_idx``.
    time_limit_s
        Wall-time limit of the whole binary search.
    seed
        Unused (deterministic); kept for the common signature.
    method
        ``"exact"``/``"auto"`` (binary search) or ``"heuristic"`` (greedy).
    progress
        Called with :class:`~planner.core.progress.Progress` records per
        radius tested (also logged at INFO by ``planner.siting.pcenter``).

    Examples
    --------
    >>> cost = np.array([[0, 4, 9], [4, 0, 5], [9, 5, 0], [8, 6, 1]])
    >>> plan = solve_pcenter(cost, None, 2)
    >>> plan.objective, plan.status.value
    (4.0, 'optimal')
    >>> solve_pcenter(cost, None, 2,
    ...               options=SiteOptions(fixed_cost=[1, 1, 5], budget=2)).objective
    6.0
    """
    t0 = time.perf_counter()
    check_method(method)
    time_limit_s = check_positive_number(time_limit_s, "time_limit_s", allow_none=True)
    C = check_cost(cost)
    n, m = C.shape
    w = check_weights(weights, n)
    opt = resolve(options, m)
    seed_int = check_seed(seed)
    hb = heartbeat(__name__, "p-center", progress)
    forced, excl = opt.forced, opt.banned
    p = check_p(p, m, n_forced=forced.size, n_excluded=excl.size)
    opt.check_budget("p-center", n_open=p, at_most=False)
    C0 = C
    pc = pk = None
    if opt.partners.size:
        pc, pk = partner_cost(C, opt.partners, opt.fee)
        pc = pc.astype(C.dtype).astype(np.float64)
        C = capped_by_partners(C, pc)
    bud = None if opt.cap is None else (opt.b, opt.cap)
    pts = np.flatnonzero(w > 0)
    allowed = np.setdiff1d(np.arange(m), excl)
    S = _greedy_minimax(C, pts, p, forced, allowed, bud)
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
            hb(f"radius {r:g}", best=ub, bound=lb if lo == 0 else float(vals[lo - 1]))
            feas, T, used_mip = _feasible(sub, r, p, forced, excl, remaining, bud)
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
    hb(f"done, {status.value}", best=ub, bound=min(lb, ub), force=True)
    info: dict[str, float | int | str] = {"cover_mips": n_mip}
    if opt.cap is not None:
        info["budget_spent"] = opt.spend(S)
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
        extra=info,
        existing=opt.existing,
        seed=seed_int,
        assign=_assign(C0, S, pc, pk),
        partners=opt.partners,
        options=opt,
        travel_cost=C0,
    )


def _worst(C: np.ndarray, pts: np.ndarray, S: np.ndarray) -> float:
    if pts.size == 0:
        return 0.0
    return float(C[np.ix_(pts, S)].min(axis=1).max())


def _greedy_minimax(
    C: np.ndarray,
    pts: np.ndarray,
    p: int,
    forced: np.ndarray,
    allowed: np.ndarray,
    budget: tuple[np.ndarray, float] | None = None,
) -> np.ndarray:
    """Add the candidate that most lowers the worst cost, from the forced set.

    With ``budget`` ``(b, cap)`` only candidates leaving room for the outlets
    still to open are added.
    """
    eng = None
    if budget is not None:
        banned = np.setdiff1d(np.arange(C.shape[1]), allowed)
        eng = Engine(
            C[:1],
            np.ones(1),
            np.zeros(C.shape[1]),
            p=p,
            forced=forced,
            banned=banned,
            budget_cost=budget[0],
            budget_cap=budget[1],
        )
    S = [int(j) for j in forced]
    sub = C[pts][:, allowed] if pts.size else np.zeros((0, allowed.size))
    d = np.full(sub.shape[0], np.inf)
    if S and pts.size:
        d = C[np.ix_(pts, np.asarray(S))].min(axis=1)
    chosen = np.zeros(allowed.size, dtype=bool)
    chosen[np.isin(allowed, forced)] = True
    while len(S) < p:
        ok = ~chosen
        if eng is not None:
            in_s = np.zeros(C.shape[1], dtype=bool)
            in_s[S] = True
            ok &= eng.budget_ok(in_s, p - len(S))[allowed]
        if sub.shape[0] == 0:
            j = int(np.flatnonzero(ok)[0])
        else:
            worst = np.minimum(d[:, None], sub).max(axis=0)
            worst[~ok] = np.inf
            j = int(np.flatnonzero(ok)[np.argmin(worst[ok])])
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
    budget: tuple[np.ndarray, float] | None = None,
) -> tuple[bool | None, np.ndarray | None, int]:
    """Can ``p`` outlets cover every point within ``r``? (answer, open set, used MIP).

    With ``budget`` ``(b, cap)`` the ``p`` outlets must also satisfy
    ``b @ y <= cap``.
    """
    cov = coverage_matrix(sub, r)
    w1 = np.ones(sub.shape[0])
    red = reduce_cover(
        cov, w1, forced=forced, excluded=excl, drop_dominated=budget is None
    )
    if red.uncoverable.size:
        return False, None, 0
    k = p - forced.size
    m = sub.shape[1]
    b = None if budget is None else budget[0]
    if red.A.shape[0] == 0:
        return True, _pad(forced, np.zeros(0, np.int64), p, m, excl, b), 0
    if k <= 0:
        return False, None, 0
    fk = np.ones(red.cand.size)
    g = _greedy(red, fk, float(red.gw.sum()), True)
    if g.size <= k:
        T = _pad(forced, red.cand[g], p, m, excl, b)
        if budget is None or budget[0][T].sum() <= budget[1] + 1e-9:
            return True, T, 0
    g_, mk = red.A.shape
    start_y = np.zeros(mk)
    start_y[g] = 1
    start: np.ndarray | None = start_y
    A = sp.csc_matrix(red.A)
    lo, hi = np.ones(g_), np.full(g_, np.inf)
    c = fk
    if budget is not None:
        # exactly k more outlets (all allowed columns are kept), within budget
        bk = budget[0][red.cand]
        A = sp.vstack(
            [A, sp.csr_matrix(np.ones((1, mk))), sp.csr_matrix(bk[None, :])],
            format="csc",
        )
        rest = budget[1] - float(budget[0][forced].sum())
        lo = np.concatenate([lo, [float(k), -np.inf]])
        hi = np.concatenate([hi, [float(k), rest]])
        c = bk
        start = None
    res = solve_mip_checked(
        c,
        A,
        lo,
        hi,
        np.zeros(mk),
        np.ones(mk),
        np.ones(mk, dtype=bool),
        time_limit_s=time_limit_s,
        start=start,
        abs_gap=1 - 1e-6 if budget is None else 1e30,  # any cover answers
    )
    if res.x is not None and (budget is not None or res.objective <= k + 0.5):
        T = red.cand[np.flatnonzero(res.x > 0.5)]
        return True, _pad(forced, T, p, m, excl, b), 1
    if res.infeasible:
        return False, None, 1
    if budget is None and (res.bound > k + 1e-6 or res.optimal):
        return False, None, 1
    return None, None, 1


def _pad(
    forced: np.ndarray,
    T: np.ndarray,
    p: int,
    m: int,
    excl: np.ndarray,
    b: np.ndarray | None = None,
) -> np.ndarray:
    """Fill up to exactly ``p`` open outlets with unused allowed candidates (cheapest first)."""
    S = np.union1d(forced, T)
    if S.size < p:
        free = np.setdiff1d(np.setdiff1d(np.arange(m), S), excl)
        if b is not None:
            free = free[np.argsort(b[free], kind="stable")]
        S = np.union1d(S, free[: p - S.size])
    return S.astype(np.int64)
