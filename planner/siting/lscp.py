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
A full cover at equal opening costs (no budget, no partners) left after the
set-cover reductions goes to CP-SAT's core-guided search
(:mod:`planner.siting._sat_cover`), which proves the hard uniform cores
several times faster than HiGHS' branch-and-cut; every other variant to the
HiGHS MIP.
If some demand can never be covered, that is reported before solving, with
the largest ``target_share`` that is still feasible.

Options follow :mod:`planner.siting._options`:

* ``closing_cost``: existing outlets may close at that cost, added to the
  objective (``f_j`` of an existing outlet becomes ``f_j - closing_cost_j``
  plus the constant ``sum closing_cost``); one that costs no more kept than
  closed is kept.
* ``partners``: a point within ``radius`` of a partner may be contracted to
  its cheapest such partner at ``partner_fee`` per unit of demand weight
  (ticket), continuous ``z_i`` in [0, 1]::

      sum_{j in N_i} y_j + z_i >= 1        (full cover)
      u_i <= sum_{j in N_i} y_j + z_i      (target share)
      objective + sum_i fee_i w_i z_i

  With a target share a point may be contracted in part (per ticket); the
  allocation then shows it as partner-served and ``stats.extra`` holds the
  contracted weight. Given the open outlets the best contracts are simple
  (every uncovered point, or the cheapest fees first until the share is
  met), so every plan's value is recomputed that way.
* ``budget``: ``sum_j b_j y_j <= budget - sum closing_cost`` over own outlets
  (fixed plus closing costs; partner fees are not part of it). If the MIP
  proves that no cover meets the target within it, the plan's status is
  ``INFEASIBLE`` (a sweep keeps running) and ``stats.extra["infeasible"]``
  names the best coverage share the budget buys (one
  :func:`planner.siting.solve_mclp` solve) and suggests that model. A greedy
  that cannot meet the target within the budget hands over to the MIP, also
  with ``method="heuristic"``.
"""

from __future__ import annotations

import dataclasses
import math
import time
from typing import Literal

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from planner.core.checks import check_fraction, check_positive_number
from planner.core.errors import InfeasibleError
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
from planner.siting._cover import (
    Reduced,
    coverage_matrix,
    reduce_cover,
    reduce_set_cover,
)
from planner.siting._highs import MipResult, solve_mip_checked
from planner.siting._options import Resolved, resolve
from planner.siting._sat_cover import solve_unit_cover
from planner.siting.mclp import check_radius
from planner.siting.options import SiteOptions
from planner.siting.plan import SitingPlan, nearest_open
from planner.siting.problem import check_cost, check_weights

__all__ = ["solve_lscp"]


def solve_lscp(
    cost: npt.ArrayLike,
    weights: npt.ArrayLike | None,
    radius: float,
    *,
    target_share: float = 1.0,
    options: SiteOptions | None = None,
    time_limit_s: float | None = None,
    seed: Seed = 0,
    method: Literal["auto", "heuristic", "exact"] = "auto",
    node_limit: int | None = None,
    progress: ProgressCallback | None = None,
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
    options
        :class:`~planner.siting.SiteOptions`: existing outlets are forced
        open (their cost counts) unless a ``closing_cost`` lets them close,
        added to the objective; a point within ``radius`` of a partner may be
        contracted to it at ``partner_fee`` per unit of demand weight, added
        to the objective; ``fixed_cost`` is the opening cost (default 1:
        minimize the count); ``budget`` caps fixed plus closing costs.
    time_limit_s, node_limit
        Limits of the MIP (a ``node_limit`` keeps the HiGHS MIP also where
        the core search would serve).
    seed
        Unused (deterministic); kept for the common signature.
    method
        ``"exact"``/``"auto"`` (MIP) or ``"heuristic"`` (greedy only).
    progress
        Called with :class:`~planner.core.progress.Progress` records during
        the MIP (also logged at INFO by ``planner.siting.lscp``).

    Returns
    -------
    SitingPlan
        With ``status`` ``INFEASIBLE`` (no open outlets, ``objective`` nan)
        when the MIP proves that no cover within the budget meets the
        target; ``stats.extra["infeasible"]`` then names the best coverage
        share the budget buys.

    Raises
    ------
    InfeasibleError
        If the target cannot be met even with every allowed candidate open
        (and partner contracted), or the budget is below the least any plan
        spends: both known before solving.

    Examples
    --------
    >>> cost = np.array([[1, 9, 9], [9, 1, 9], [9, 1, 2], [9, 9, 1]])
    >>> solve_lscp(cost, None, radius=2).open_idx.tolist()
    [0, 1, 2]
    >>> solve_lscp(cost, None, radius=2, target_share=0.75).objective
    2.0
    >>> plan = solve_lscp(cost, [1, 1, 1, 1], radius=2,
    ...                   options=SiteOptions(partners=[2], partner_fee=0.4))
    >>> plan.open_idx.tolist(), plan.partner_idx.tolist(), plan.objective
    ([0, 1], [2], 2.4)
    """
    t0 = time.perf_counter()
    check_method(method)
    time_limit_s = check_positive_number(time_limit_s, "time_limit_s", allow_none=True)
    C = check_cost(cost)
    n, m = C.shape
    w = check_weights(weights, n)
    r = check_radius(radius)
    share = check_fraction(target_share, "target_share", open_high=False)
    opt = resolve(options, m, fixed_default=1.0)
    seed_int = check_seed(seed)
    hb = heartbeat(__name__, "LSCP", progress)
    opt.check_budget("LSCP", n_open=None, at_most=True)
    b = opt.b
    # an existing outlet that costs no more kept than closed is kept
    forced = np.union1d(opt.forced, opt.existing[b[opt.existing] <= 0])
    cov = coverage_matrix(C, r)
    fee_i, pk_i = _partner_in_range(C, opt.partners, opt.fee, r)
    has_p = opt.partners.size > 0
    red = reduce_cover(
        cov,
        w,
        forced=forced,
        excluded=opt.banned,
        col_cost=b,
        row_key=fee_i if has_p else None,
    )
    total = float(w.sum())
    need = share * total - red.const_covered  # weight still to cover
    coverable = float(red.gw.sum())
    if share >= 1.0 and red.uncoverable.size:
        _raise_uncoverable(red, w, r, total, partners=has_p)
    if need > coverable + 1e-9 * max(1.0, total):
        best = (red.const_covered + coverable) / total
        raise InfeasibleError(
            f"LSCP: target_share {share:g} needs weight {share * total:g} covered "
            f"within radius {r:g}, but at most {red.const_covered + coverable:g} "
            f"({100 * best:.2f} %) is coverable; {red.uncoverable.size} demand "
            f"points have no candidate{' or partner' if has_p else ''} in range; "
            f"use target_share <= {math.floor(best * 1e4) / 1e4:g}"
        )
    full = share >= 1.0
    g, mk = red.A.shape
    fk = b[red.cand]
    gfee = np.full(g, np.inf)
    live = red.group >= 0
    gfee[red.group[live]] = fee_i[live]
    pg = np.flatnonzero(np.isfinite(gfee))  # groups a partner may serve
    pcost = gfee[pg] * red.gw[pg]
    ext = red
    if pg.size:
        P = sp.csr_matrix(
            (np.ones(pg.size), (pg, np.arange(pg.size))), shape=(g, pg.size)
        )
        ext = dataclasses.replace(red, A=sp.hstack([red.A, P], format="csr"))
    c_ext = np.concatenate([fk, pcost])
    bud = None if opt.cap is None else opt.cap - float(b[forced].sum())
    bud_row = None if bud is None else (np.concatenate([fk, np.zeros(pg.size)]), bud)

    def settle(own: np.ndarray) -> tuple[float, np.ndarray]:
        """Value of own set ``own`` (kept columns) with its best contracts ``z``."""
        return _settle(red, fk, gfee, own, need, full, bud)

    chosen = _greedy(ext, c_ext, need, full, budget=bud_row)
    best_own = chosen[chosen < mk]
    best_v, best_z = settle(best_own)
    integral = (
        is_integral(fk)
        and (full or is_integral(w))
        and (pg.size == 0 or (full and is_integral(pcost)))
    )
    bound = 0.0
    info: dict[str, float | int | str] = {
        "groups": int(g),
        "candidates_kept": int(mk),
        "partner_groups": int(pg.size),
    }
    solver = "greedy"
    status_override: SolveStatus | None = None
    run_mip = method != "heuristic" or not math.isfinite(best_v)
    if not math.isfinite(best_v):
        info["greedy"] = "missed the target within the budget: MIP"
    if run_mip and g:
        res, cols, ess = _mip(
            ext,
            c_ext,
            mk,
            need,
            full,
            chosen,
            bud_row,
            time_limit_s,
            node_limit,
            integral,
            hb,
        )
        solver = (
            "CP-SAT LSCP core search (aggregated)"
            if res.status.startswith("CP-SAT")
            else "highspy LSCP MIP (aggregated)"
        )
        info.update(
            mip_nodes=res.n_nodes, mip_status=res.status, mip_runtime_s=res.runtime_s
        )
        if res.x is not None:
            y = np.union1d(ess, cols[np.flatnonzero(res.x[: cols.size] > 0.5)])
            own = y[y < mk].astype(np.int64)
            v, z = settle(own)
            if v < best_v:
                best_own, best_v, best_z = own, v, z
        if res.infeasible:
            if bud is not None and not math.isfinite(best_v):
                info["infeasible"] = _budget_note(
                    C, w, r, share, options, opt, time_limit_s
                )
                status_override = SolveStatus.INFEASIBLE
            bound = best_v
        else:
            bound = max(0.0, res.bound) if math.isfinite(res.bound) else 0.0
    elif not g:
        bound = best_v
    const = float(b[forced].sum()) + opt.closing_total
    open_idx = np.union1d(forced, red.cand[best_own])
    if not math.isfinite(best_v):
        status = status_override or SolveStatus.NO_SOLUTION
        objective = math.nan
        open_idx = np.zeros(0, dtype=np.int64)
        bound_out = bound + const
        contract = np.zeros(n, dtype=bool)
    else:
        if integral:
            bound = math.ceil(bound - 1e-6)
        bound = min(bound, best_v)
        status = status_for(best_v, bound, integral=integral)
        objective = best_v + const
        bound_out = bound + const
        contract = np.zeros(n, dtype=bool)
        if g:
            contract = live & (best_z[np.maximum(red.group, 0)] > 0)
        info["partner_weight"] = float(best_z @ red.gw)
        info["partner_fees"] = (
            float((best_z * red.gw)[pg] @ gfee[pg]) if pg.size else 0.0
        )
    if opt.cap is not None:
        info["budget_spent"] = opt.spend(open_idx)
    ai, ac = nearest_open(C, open_idx)
    ai[contract] = pk_i[contract]
    ac[contract] = C[np.flatnonzero(contract), pk_i[contract]]
    hb(f"done, {status.value}", best=objective, bound=bound_out, force=True)
    return make_plan(
        "lscp",
        C,
        w,
        open_idx,
        objective=objective,
        bound=bound_out,
        status=status,
        solver=solver,
        runtime_s=time.perf_counter() - t0,
        extra=info,
        radius=r,
        existing=opt.existing,
        seed=seed_int,
        assign=(ai, ac),
        partners=opt.partners,
        options=opt,
    )


def _partner_in_range(
    C: np.ndarray, partners: np.ndarray, fee: np.ndarray, r: float
) -> tuple[np.ndarray, np.ndarray]:
    """Per point the lowest fee of a partner within ``r`` and that partner (inf, -1)."""
    n = C.shape[0]
    if partners.size == 0:
        return np.full(n, np.inf), np.full(n, -1, dtype=np.int64)
    near = np.asarray(C[:, partners]) <= r
    F = np.where(near, fee[None, :], np.inf)
    k = F.argmin(axis=1)
    best = F[np.arange(n), k]
    return best, np.where(np.isfinite(best), partners[k], -1)


def _settle(
    red: Reduced,
    fk: np.ndarray,
    gfee: np.ndarray,
    own: np.ndarray,
    need: float,
    full: bool,
    bud: float | None,
) -> tuple[float, np.ndarray]:
    """Cost of own set ``own`` plus its cheapest partner contracts ``z`` (inf if none meet)."""
    g = red.A.shape[0]
    z = np.zeros(g)
    v = float(fk[own].sum())
    if bud is not None and v > bud + 1e-9 * max(1.0, abs(bud)):
        return math.inf, z
    hit = (
        np.asarray(red.A[:, own].sum(axis=1)).ravel() > 0
        if own.size and g
        else np.zeros(g, dtype=bool)
    )
    unc = np.flatnonzero(~hit & np.isfinite(gfee))
    if full:
        if (~hit & ~np.isfinite(gfee)).any():
            return math.inf, z
        z[unc] = 1.0
        return v + float((gfee[unc] * red.gw[unc]).sum()), z
    rest = need - float(red.gw[hit].sum())
    tol = 1e-9 * max(1.0, abs(need))
    if rest > tol:
        order = unc[np.argsort(gfee[unc], kind="stable")]
        gw = red.gw[order]
        before = np.cumsum(gw) - gw
        take = np.clip((rest - before) / np.maximum(gw, 1e-300), 0.0, 1.0)
        z[order] = take
        v += float((take * gw * gfee[order]).sum())
        rest -= float((take * gw).sum())
    if rest > tol:
        return math.inf, z
    return v, z


def _mip(
    ext: Reduced,
    c_ext: np.ndarray,
    n_own: int,
    need: float,
    full: bool,
    chosen: np.ndarray,
    bud_row: tuple[np.ndarray, float] | None,
    time_limit_s: float | None,
    node_limit: int | None,
    integral: bool,
    hb: Heartbeat | None = None,
) -> tuple[MipResult, np.ndarray, np.ndarray]:
    """The cover MIP over own columns (the first ``n_own``, binary) and partner columns.

    Partner columns are continuous (contracts per ticket), except in the pure
    set cover (full cover, no budget) where binary ones have the same optimum.

    Returns the result, the model's columns (into ``ext``) and the columns
    fixed open by the set-cover reductions.
    """
    g, mk = ext.A.shape
    ess = np.zeros(0, dtype=np.int64)
    ess_cost = 0.0
    cols = np.arange(mk)
    unit_cover = False
    if full and bud_row is None:
        # a pure weighted set cover: the classic reductions keep an optimum
        A_r, cols, ess = reduce_set_cover(ext.A, c_ext)
        A = sp.csc_matrix(A_r)
        g_r, m_r = A.shape
        lo, hi = np.ones(g_r), np.full(g_r, np.inf)
        c = c_ext[cols]
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
        ess_cost = float(c_ext[ess].sum())
        unit_cover = m_r > 0 and bool(np.all(c == c[0])) and float(c[0]) > 0
    else:
        if full:
            A = sp.csc_matrix(ext.A)
            lo, hi = np.ones(g), np.full(g, np.inf)
            c = c_ext.copy()
            start = np.zeros(mk)
            start[chosen] = 1.0
        else:
            A = sp.vstack(
                [
                    sp.hstack([-ext.A, sp.identity(g)]),
                    sp.csr_matrix(np.concatenate([np.zeros(mk), ext.gw])[None, :]),
                ],
                format="csc",
            )
            lo = np.concatenate([np.full(g, -np.inf), [need]])
            hi = np.concatenate([np.zeros(g), [np.inf]])
            c = np.concatenate([c_ext, np.zeros(g)])
            start = np.zeros(mk + g)
            start[chosen] = 1.0
            start[mk:] = np.asarray(ext.A[:, chosen].sum(axis=1)).ravel() > 0
        col_hi = np.ones(c.size)
        if bud_row is not None:
            row = np.zeros(c.size)
            row[:mk] = bud_row[0]
            A = sp.vstack([A, sp.csr_matrix(row[None, :])], format="csc")
            lo = np.concatenate([lo, [-np.inf]])
            hi = np.concatenate([hi, [bud_row[1]]])
            if float(bud_row[0][chosen].sum()) > bud_row[1] + 1e-9:
                start = None
        integer = np.zeros(c.size, dtype=bool)
        integer[:n_own] = True
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
    elif unit_cover and node_limit is None and start is not None:
        res = solve_unit_cover(
            A,
            float(c[0]),
            start,
            offset=ess_cost,
            time_limit_s=time_limit_s,
            heartbeat=hb,
        )
    else:
        res = solve_mip_checked(
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
            heartbeat=hb,
            label="LSCP MIP",
        )
    return res, cols, ess


def _budget_note(
    C: np.ndarray,
    w: np.ndarray,
    r: float,
    share: float,
    options: SiteOptions | None,
    opt: Resolved,
    time_limit_s: float | None,
) -> str:
    """No cover within the budget: name the best share it buys (one MCLP solve)."""
    from planner.siting.mclp import solve_mclp

    assert opt.budget is not None
    mc = solve_mclp(
        C,
        w,
        C.shape[1] - opt.banned.size,
        r,
        options=options,
        time_limit_s=time_limit_s,
    )
    total = float(w.sum())
    got = mc.objective / total
    hi = mc.bound / total
    best = f"{100 * got:.2f} %" + (f" (at most {100 * hi:.2f} %)" if hi > got else "")
    return (
        f"LSCP: no plan within the budget {opt.budget:g} covers target_share "
        f"{share:g} of demand within radius {r:g}; the best one covers {best}: "
        f"use target_share <= {math.floor(got * 1e4) / 1e4:g}, a larger budget, or "
        f"solve_mclp(..., options=SiteOptions(budget={opt.budget:g})) for the "
        "most coverage it buys"
    )


def _raise_uncoverable(
    red: Reduced, w: np.ndarray, r: float, total: float, *, partners: bool = False
) -> None:
    idx = red.uncoverable
    lost = float(w[idx].sum())
    best = (total - lost) / total
    shown = ", ".join(str(int(i)) for i in idx[:10]) + (
        ", ..." if idx.size > 10 else ""
    )
    raise InfeasibleError(
        f"LSCP: {idx.size} demand points (weight {lost:g}, {100 * lost / total:.2f} % "
        f"of demand) have no allowed candidate{' or partner' if partners else ''} within radius {r:g}: indices [{shown}]; "
        f"use target_share <= {math.floor(best * 1e4) / 1e4:g} or a larger radius"
    )


def _meets(red: Reduced, chosen: np.ndarray, need: float, full: bool) -> bool:
    if red.A.shape[0] == 0:
        return True
    hit = np.asarray(red.A[:, chosen].sum(axis=1)).ravel() > 0
    if full:
        return bool(hit.all())
    return float(red.gw[hit].sum()) >= need - 1e-9 * max(1.0, abs(need))


def _greedy(
    red: Reduced,
    f: np.ndarray,
    need: float,
    full: bool,
    *,
    budget: tuple[np.ndarray, float] | None = None,
) -> np.ndarray:
    """Chvatal greedy by covered weight (count if ``full``) per cost, then prune.

    With ``budget`` ``(b, cap)`` only columns keeping ``b @ y <= cap`` are added
    (the result may then miss the target).
    """
    A = sp.csc_matrix(red.A)
    g = A.shape[0]
    if g == 0 or need <= 0:
        return np.zeros(0, dtype=np.int64)
    val = np.ones(g) if full else red.gw
    cnt = np.zeros(g)
    S: list[int] = []
    spent = 0.0
    while not _done(cnt, red.gw, need, full):
        gain = A.T @ (val * (cnt == 0))
        ratio = np.where(gain > 0, gain / np.maximum(f, 1e-12), -1.0)
        ratio[S] = -1.0
        if budget is not None:
            ratio[spent + budget[0] > budget[1] + 1e-9 * max(1.0, abs(budget[1]))] = -1
        j = int(np.argmax(ratio))
        if ratio[j] <= 0:
            break
        S.append(j)
        if budget is not None:
            spent += float(budget[0][j])
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
