"""Fixed-charge facility location: uncapacitated (UFL) and capacitated (CFL).

Formulation (Balinski 1965; Daskin 2013, ch. 6), ``c_ij`` the cost of serving
one unit of demand of point ``i`` from ``j`` (money per ticket)::

    min  sum_j f_j y_j + sum_i sum_j w_i c_ij x_ij
    s.t. sum_j x_ij = 1                  for all i
         x_ij <= y_j                     (strong linking)
         sum_i w_i x_ij <= Q_j y_j       (CFL only)
         sum_j f_j y_j <= budget         (if given)
         y binary; 0 <= x_ij <= 1 (binary with ``single_source``)

Partner sites (third-party providers) have no opening cost; serving a ticket
there costs ``c_ij + fee_j``. Existing outlets are forced open, or may close
at ``closing_cost`` (opening cost ``-closing_cost`` plus the constant).

UFL without budget uses the same machinery as the p-median: greedy
add/drop/swap local search, a Lagrangian bound (assignment rows relaxed) with
reduced-cost fixing, and the radius formulation of Garcia, Labbe & Marin
(2011) without the cardinality row, solved by HiGHS. Single-source CFL with
whole demands (no budget or promise) uses :mod:`planner.siting._sscfl`: a
Lagrangian bound with exact knapsacks, fixing, a reduced MIP. The rest builds
the dense ``x_ij`` model above: fine up to a few hundred thousand pairs.
"""

from __future__ import annotations

import dataclasses
import math
import time
from typing import Literal

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from planner.core.checks import check_positive_number
from planner.core.errors import InfeasibleError, InputError
from planner.core.progress import Heartbeat, ProgressCallback
from planner.core.result import SolveStatus
from planner.core.rng import Seed
from planner.siting._common import (
    assignment_rows,
    check_method,
    check_seed,
    heartbeat,
    is_integral,
    make_plan,
    status_for,
)
from planner.siting._highs import solve_mip
from planner.siting._options import Resolved, resolve
from planner.siting._radius import build_radius_model
from planner.siting._search import Engine
from planner.siting._sscfl import applicable, sscfl_plan
from planner.siting.options import SiteOptions
from planner.siting.plan import SitingPlan, nearest_open
from planner.siting.problem import (
    check_cost,
    check_per_candidate,
    check_weights,
)

__all__ = ["solve_facility_location"]


def solve_facility_location(
    cost: npt.ArrayLike,
    weights: npt.ArrayLike | None,
    fixed_cost: npt.ArrayLike | float | None = None,
    *,
    options: SiteOptions | None = None,
    capacity: npt.ArrayLike | float | None = None,
    single_source: bool = False,
    service_radius: float | None = None,
    service_share: float = 1.0,
    service_cost: npt.ArrayLike | None = None,
    time_limit_s: float | None = None,
    seed: Seed = 0,
    method: Literal["auto", "heuristic", "exact"] = "auto",
    node_limit: int | None = None,
    progress: ProgressCallback | None = None,
) -> SitingPlan:
    """Open outlets minimizing opening plus service cost.

    Parameters
    ----------
    cost
        Demand x candidate cost per unit of demand (money per ticket).
    weights
        Demand per point (tickets per year; ``None``: all 1).
    fixed_cost
        Opening cost per candidate (scalar or array; per year). May be left
        out when ``options.fixed_cost`` holds it (giving both is an error).
    options
        :class:`~planner.siting.SiteOptions`: existing outlets forced open or
        free to close at ``closing_cost`` (added to the objective); excluded
        candidates; partners (no opening cost, ``partner_fee`` per ticket
        added to ``cost``); ``budget`` caps the opening plus closing costs.
    capacity
        Capacity per candidate in demand units (``None``: uncapacitated;
        ``inf`` for single candidates without a limit).
    single_source
        Each point served by exactly one outlet (capacitated case).
    service_radius, service_share, service_cost
        The service promise as a constraint (hybrid model): at least
        ``service_share`` of the demand weight is served by an outlet within
        ``service_radius`` in ``service_cost`` units (a demand x candidate
        matrix of travel minutes or metres; default ``cost``). With share 1
        every point is served within the radius. Solved by the dense MIP.
    time_limit_s, node_limit
        Limits of the MIP.
    seed
        Seed of the heuristic restarts (UFL).
    method
        ``"auto"``, ``"heuristic"`` (UFL only) or ``"exact"``.
    progress
        Called with :class:`~planner.core.progress.Progress` records during
        long solves (also logged at INFO by ``planner.siting.facility``).

    Raises
    ------
    InfeasibleError
        Capacities (of allowed candidates) below total demand, a single-sourced
        point larger than every capacity, forced-open costs above the budget.

    Examples
    --------
    >>> cost = np.array([[0, 4, 9], [4, 0, 5], [9, 5, 0], [8, 6, 1]])
    >>> plan = solve_facility_location(cost, [1, 1, 1, 1], [5, 6, 5])
    >>> plan.open_idx.tolist(), plan.objective
    ([0, 2], 15.0)
    >>> cap = solve_facility_location(cost, [1, 1, 1, 1], [5, 6, 5], capacity=2,
    ...                               single_source=True)
    >>> cap.open_idx.tolist(), cap.objective, cap.outlet_load.tolist()
    ([0, 2], 15.0, [2.0, 0.0, 2.0])
    """
    t0 = time.perf_counter()
    check_method(method)
    time_limit_s = check_positive_number(time_limit_s, "time_limit_s", allow_none=True)
    C = check_cost(cost)
    n, m = C.shape
    w = check_weights(weights, n)
    options = _with_fixed_cost(options, fixed_cost)
    opt = resolve(options, m)
    seed_int = check_seed(seed)
    hb = heartbeat(__name__, "facility location", progress)
    budget = opt.budget
    ex, excl, part, forced = opt.existing, opt.excluded, opt.partners, opt.forced
    # f: opening cost, minus the closing cost saved by keeping an existing
    # outlet; const: every closing cost (the plan pays the others back)
    f = opt.b.copy()
    const = opt.closing_total
    hb.offset = const  # inner stages report in the plan's objective units
    C_travel = C
    if part.size:
        f[part] = 0.0
        C = C.copy()  # partner fees change the matrix: one copy, documented
        C[:, part] += opt.fee[None, :]
    cap = None
    if capacity is not None:
        # inf (unlimited, e.g. a partner) serves all demand at most: cap there
        c = np.asarray(capacity, dtype=np.float64)
        cap = check_per_candidate(
            np.where(np.isposinf(c), max(float(w.sum()), 1.0), c), m, "capacity"
        )
    if opt.budget is not None:
        budget = opt.budget
        if f[forced].sum() > budget + 1e-9:
            raise InfeasibleError(
                f"facility location: the {forced.size} existing outlets cost "
                f"{f[forced].sum():g}, above the budget {budget:g}"
            )
    allowed = np.setdiff1d(np.arange(m), excl)
    if allowed.size == 0:
        raise InputError(
            field="excluded", expected="to leave at least one candidate", got=f"all {m}"
        )
    if budget is not None:
        # least spend of any plan: at least one outlet open; every existing
        # outlet either kept (its fixed cost) or closed (its closing cost)
        fa = f[allowed]
        neg = fa[fa < 0]
        least = const + (float(neg.sum()) if neg.size else float(fa.min()))
        least = max(least, float(f[forced].sum()) + const)
        if least > budget + 1e-9:
            raise InfeasibleError(
                f"facility location: every plan spends at least {least:g} (fixed "
                f"costs of open outlets plus closing costs), above the budget "
                f"{budget:g}"
            )
    if cap is not None:
        total = float(w.sum())
        have = float(cap[allowed].sum())
        if have < total - 1e-9:
            raise InfeasibleError(
                f"facility location: total capacity {have:g} of the {allowed.size} "
                f"allowed candidates is below total demand {total:g} "
                f"(short by {total - have:g})"
            )
        if single_source:
            big = float(cap[allowed].max())
            over = np.flatnonzero(w > big + 1e-9)
            if over.size:
                raise InfeasibleError(
                    f"facility location: {over.size} demand points exceed the largest "
                    f"capacity {big:g} and cannot be single-sourced, e.g. point "
                    f"{int(over[0])} with demand {w[over[0]]:g}"
                )
    svc = None
    if service_radius is not None:
        from planner.core.checks import check_fraction
        from planner.siting.mclp import check_radius

        R = check_radius(service_radius)
        share = check_fraction(service_share, "service_share", open_high=False)
        T = (
            C_travel
            if service_cost is None
            else check_cost(service_cost, "service_cost")
        )
        if T.shape != C.shape:
            raise InputError(
                field="service_cost",
                expected=f"shape {C.shape}",
                got=f"shape {T.shape}",
            )
        mask = np.asarray(T[:, allowed] <= R)
        reach = mask.any(axis=1) & (w > 0)
        total = float(w.sum())
        reachable = float(w[reach].sum())
        if reachable < share * total - 1e-9 * max(1.0, total):
            bad = np.flatnonzero(~reach & (w > 0))
            raise InfeasibleError(
                f"facility location: {bad.size} demand points (weight "
                f"{float(w[bad].sum()):g}) have no allowed candidate within "
                f"service_radius {R:g}, e.g. point {int(bad[0])}; at most "
                f"{reachable / total:.4f} of demand can meet the promise "
                f"(service_share {share:g})"
            )
        svc = (mask, share)
    if cap is None and budget is None and svc is None:
        plan = _ufl(
            C,
            w,
            f,
            forced,
            excl,
            const,
            ex,
            method,
            time_limit_s,
            node_limit,
            seed,
            seed_int,
            t0,
            partners=part,
            hb=hb,
        )
        return _priced(plan, opt, C_travel, hb)
    if method == "heuristic":
        raise InputError(
            field="method",
            expected="'exact' or 'auto' with capacity or budget",
            got=method,
        )
    plain = budget is None and svc is None and single_source
    if plain and cap is not None and applicable(w, cap[allowed]):  # see _sscfl
        plan = sscfl_plan(C, w, f, cap, forced, excl, const, ex, part, hb,
                          time_limit_s, node_limit, seed_int, t0)  # fmt: skip
        return _priced(plan, opt, C_travel, hb)
    plan = _dense(
        C,
        w,
        f,
        cap,
        single_source,
        forced,
        excl,
        opt.cap,  # the budget row: sum_j f_j y_j <= budget - closing costs
        const,
        ex,
        time_limit_s,
        node_limit,
        seed_int,
        t0,
        svc,
        partners=part,
        hb=hb,
    )
    return _priced(plan, opt, C_travel, hb)


def _priced(
    plan: SitingPlan, opt: Resolved, C: np.ndarray, hb: Heartbeat
) -> SitingPlan:
    """``plan`` with the options' money, its costs read from ``C`` (no fees)."""
    hb.offset = 0.0  # the plan's figures already hold the constant
    hb(f"done, {plan.status.value}", best=plan.objective, bound=plan.bound, force=True)
    ai = plan.assign_idx
    ok = np.flatnonzero(ai >= 0)
    ac = np.full(ai.size, np.inf)
    ac[ok] = C[ok, ai[ok]]
    return dataclasses.replace(plan, assign_cost=ac, **opt.plan_costs())


def _ufl(
    C: np.ndarray,
    w: np.ndarray,
    f: np.ndarray,
    forced: np.ndarray,
    excl: np.ndarray,
    const: float,
    ex: np.ndarray,
    method: str,
    time_limit_s: float | None,
    node_limit: int | None,
    seed: Seed,
    seed_int: int | None,
    t0: float,
    partners: np.ndarray | None = None,
    hb: Heartbeat | None = None,
) -> SitingPlan:
    from planner.core.rng import as_generator

    rng = as_generator(seed)
    eng = Engine(C, w, f, p=None, forced=forced, banned=excl)
    integral = is_integral(w, f) and is_integral(C)
    best = eng.local_search(eng.greedy(None))
    best_v = eng.value(best)
    for _ in range(2):
        S = eng.local_search(eng.greedy(None, rng=rng, rcl=3))
        v = eng.value(S)
        if v < best_v - 1e-9 * max(1.0, abs(best_v)):
            best, best_v = S, v
    d1, _, _ = eng.nearest2(best)
    lag = eng.lagrange(
        best_v, w * d1, max_iter=300, integral=integral, improve_every=50, ub_set=best
    )
    if lag.best_open is not None and lag.best_value < best_v:
        best, best_v = lag.best_open, lag.best_value
    lb = min(math.ceil(lag.bound - 1e-6) if integral else lag.bound, best_v)
    info: dict[str, float | int | str] = {"lagrange_iterations": lag.n_iterations}
    solver = "greedy+add/drop/swap+lagrange"
    status = status_for(best_v, lb, integral=integral)
    if method != "heuristic" and status is not SolveStatus.OPTIMAL:
        rho = lag.rho
        thr = best_v - (1 - 1e-6) if integral else best_v - 1e-9 * max(1.0, abs(best_v))
        free = np.ones(C.shape[1], dtype=bool)
        free[forced] = False
        free[excl] = False
        fix0 = np.flatnonzero(free & (rho >= 0) & (lag.bound + rho > thr))
        fix1 = np.flatnonzero(free & (rho < 0) & (lag.bound - rho > thr))
        keep = np.setdiff1d(np.arange(C.shape[1]), np.union1d(excl, fix0))
        model = build_radius_model(
            C,
            w,
            f,
            p=None,
            keep=keep,
            fixed_open=np.union1d(forced, fix1),
            start_set=best,
        )
        remaining = (
            None
            if time_limit_s is None
            else max(0.01, time_limit_s - (time.perf_counter() - t0))
        )
        res = solve_mip(
            model.c,
            model.A,
            model.row_lo,
            model.row_hi,
            model.col_lo,
            model.col_hi,
            model.integer,
            offset=model.offset,
            time_limit_s=remaining,
            start=model.start,
            abs_gap=(1 - 1e-6) if integral else 1e-6,
            node_limit=node_limit,
            heartbeat=hb,
            label="UFL radius MIP",
        )
        info.update(
            fixed_closed=int(fix0.size),
            fixed_open=int(fix1.size),
            mip_nodes=res.n_nodes,
            mip_status=res.status,
        )
        if res.x is not None:
            S = model.cand[res.x[: model.cand.size] > 0.5]
            if S.size:
                v = eng.value(S)
                if v < best_v:
                    best, best_v = S, v
        mip_bound = math.inf if res.infeasible else res.bound
        lb = max(lag.bound, min(best_v, mip_bound))
        if integral:
            lb = math.ceil(lb - 1e-6)
        lb = min(lb, best_v)
        solver = "highspy radius MIP (UFL) + lagrange fixing"
        status = status_for(best_v, lb, integral=integral)
    assign = nearest_open(C, best)
    if partners is not None and partners.size:
        best = np.setdiff1d(best, partners)  # contracted, not opened
    return make_plan(
        "ufl",
        C,
        w,
        best,
        assign=assign,
        partners=partners,
        objective=best_v + const,
        bound=lb + const,
        status=status,
        solver=solver,
        runtime_s=time.perf_counter() - t0,
        n_iterations=lag.n_iterations,
        seed=seed_int,
        extra=info,
        existing=ex,
    )


def _dense(
    C: np.ndarray,
    w: np.ndarray,
    f: np.ndarray,
    cap: np.ndarray | None,
    single_source: bool,
    forced: np.ndarray,
    excl: np.ndarray,
    budget: float | None,
    const: float,
    ex: np.ndarray,
    time_limit_s: float | None,
    node_limit: int | None,
    seed_int: int | None,
    t0: float,
    svc: tuple[np.ndarray, float] | None = None,
    partners: np.ndarray | None = None,
    hb: Heartbeat | None = None,
) -> SitingPlan:
    n, m = C.shape
    allowed = np.setdiff1d(np.arange(m), excl)
    mk = allowed.size
    Ca = np.asarray(C[:, allowed], dtype=np.float64)
    nx = n * mk
    # columns: y (mk), then x (i-major: i * mk + k)
    ii = np.repeat(np.arange(n), mk)
    kk = np.tile(np.arange(mk), n)
    xc = mk + np.arange(nx)
    q = None if cap is None else cap[allowed]
    blocks_r, blocks_c, blocks_v, lo, hi, r = assignment_rows(ii, kk, mk, w, q)
    if budget is not None:
        blocks_r.append(np.full(mk, r))
        blocks_c.append(np.arange(mk))
        blocks_v.append(f[allowed])
        lo.append(np.array([-np.inf]))
        hi.append(np.array([budget]))
        r += 1
    if svc is not None and svc[1] < 1.0:
        mask, share = svc
        sel = mask.ravel()
        blocks_r.append(np.full(int(sel.sum()), r))
        blocks_c.append(xc[sel])
        blocks_v.append(w[ii][sel])
        lo.append(np.array([share * float(w.sum())]))
        hi.append(np.array([np.inf]))
        r += 1
    A = sp.csc_matrix(
        (
            np.concatenate(blocks_v),
            (np.concatenate(blocks_r), np.concatenate(blocks_c)),
        ),
        shape=(r, mk + nx),
    )
    c = np.concatenate([f[allowed], (w[:, None] * Ca).ravel()])
    col_lo = np.zeros(mk + nx)
    col_lo[np.searchsorted(allowed, forced)] = 1.0
    col_hi = np.ones(mk + nx)
    if svc is not None and svc[1] >= 1.0:
        # full promise: points with demand may only use outlets in range
        col_hi[mk:][~svc[0].ravel() & (w[ii] > 0)] = 0.0
    integer = np.zeros(mk + nx, dtype=bool)
    integer[:mk] = True
    if single_source:
        integer[mk:] = True
    integral = is_integral(w, f) and is_integral(Ca) and (single_source or cap is None)
    res = solve_mip(
        c,
        A,
        np.concatenate(lo),
        np.concatenate(hi),
        col_lo,
        col_hi,
        integer,
        time_limit_s=time_limit_s,
        node_limit=node_limit,
        abs_gap=(1 - 1e-6) if integral else 1e-6,
        heartbeat=hb,
        label="facility MIP",
    )
    model = "cfl" if cap is not None else "ufl"
    solver = "highspy dense MIP"
    info: dict[str, float | int | str] = {
        "mip_nodes": res.n_nodes,
        "mip_status": res.status,
    }
    if res.x is None:
        status = SolveStatus.INFEASIBLE if res.infeasible else SolveStatus.NO_SOLUTION
        return make_plan(
            model,
            C,
            w,
            np.zeros(0, np.int64),
            objective=math.nan,
            bound=res.bound + const if not res.infeasible else math.nan,
            status=status,
            solver=solver,
            runtime_s=time.perf_counter() - t0,
            seed=seed_int,
            extra=info,
            existing=ex,
            assign=(np.full(n, -1, np.int64), np.full(n, np.inf)),
            capacity=cap,
        )
    y = res.x[:mk] > 0.5
    X = res.x[mk:].reshape(n, mk)
    X = np.where(y[None, :], np.clip(X, 0, 1), 0.0)
    X /= np.maximum(X.sum(axis=1, keepdims=True), 1e-12)
    main = X.argmax(axis=1)
    ai = allowed[main]
    ac = Ca[np.arange(n), main]
    load = np.zeros(m)
    load[allowed] = w @ X
    obj = float(f[allowed][y].sum() + (w[:, None] * Ca * X).sum())
    bound = res.bound
    if integral:
        bound = math.ceil(bound - 1e-6)
    bound = min(bound, obj)
    status = status_for(obj, bound, integral=integral)
    info["split_points"] = int(((X > 1e-9).sum(axis=1) > 1).sum())
    if svc is not None:
        info["service_share"] = float(
            (w @ (X * svc[0]).sum(axis=1)) / max(w.sum(), 1e-300)
        )
    opened = allowed[y]
    if partners is not None and partners.size:
        opened = np.setdiff1d(opened, partners)  # contracted, not opened
    return make_plan(
        model,
        C,
        w,
        opened,
        partners=partners,
        objective=obj + const,
        bound=bound + const,
        status=status,
        solver=solver,
        runtime_s=time.perf_counter() - t0,
        seed=seed_int,
        extra=info,
        existing=ex,
        assign=(ai, ac),
        load=load,
        capacity=cap,
    )


def _with_fixed_cost(
    options: SiteOptions | None, fixed_cost: npt.ArrayLike | float | None
) -> SiteOptions:
    """``options`` carrying the opening costs, given once (positionally or in them)."""
    opts = SiteOptions() if options is None else options
    if not isinstance(opts, SiteOptions):
        raise InputError(
            field="options",
            expected="a planner.siting.SiteOptions",
            got=type(opts).__name__,
        )
    if fixed_cost is None:
        if opts.fixed_cost is None:
            raise InputError(
                field="fixed_cost",
                expected="opening costs (positionally or as options.fixed_cost)",
                got="neither",
            )
        return opts
    if opts.fixed_cost is not None:
        raise InputError(
            field="fixed_cost",
            expected="given once: positionally or as options.fixed_cost",
            got="both",
        )
    return dataclasses.replace(opts, fixed_cost=fixed_cost)
