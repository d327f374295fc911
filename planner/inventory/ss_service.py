"""The cheapest periodic-review (s,S) policy meeting a service target.

Cost per period of (s,S) is ``(K + sum_{j<Q} m(j) G(S-j)) / M(Q)`` with
``Q = S - s`` (see :mod:`planner.inventory._zheng_federgruen`); here ``G(y) = h E[(y -
D_{L+1})^+] + p E[(D_{L+1} - y)^+]`` with ``p >= 0`` (``p = 0``: holding and
ordering only, the usual setting when a service target replaces a shortage
price). Fill rate and ready rate are ``E_w[f(y)]`` and ``E_w[r(y)]`` over the
position ``y = S - j`` (weights ``w(j) = m(j) / M(Q)``) of the per-position
fill ``f(y) = 1 - E[(D_{L+1}-y)^+ - (D_L-y)^+] / mu`` and ready rate
``r(y) = P(D_{L+1} <= y)``, both non-decreasing in ``y``.

Exact search:

1. ``y_t`` = the smallest position whose own fill (ready) rate meets the
   target. ``f(S) >= E_w f`` gives ``S >= y_t``; and ``s = y_t - 1`` meets the
   target for every ``Q``. So for each ``Q`` the smallest feasible ``S`` lies in
   ``[y_t, y_t - 1 + Q]`` (feasibility is monotone in ``S`` at fixed ``Q``); with
   ``p > 0`` the cost-minimizing ``S`` at fixed ``Q`` is at most ``y* - 1 + Q``
   (``y*`` the minimizer of ``G``), and the cost is convex in ``S`` at fixed
   ``Q``, so the optimum for that ``Q`` is in ``[y_t, max(y_t, y*) - 1 + Q]``.
2. A bound on ``Q``: the cost is at least ``h`` times the mean on-hand stock.
   Positions ``y <= 0`` serve nothing, so ``P_w(y >= 1) >= beta`` (``y >= 0``
   for the ready rate); each position carries weight at most
   ``u(Q) = m_max mu / Q`` (``M(Q) >= Q / mu`` by Wald, ``m(j) <= m_max``,
   where ``m_max`` is the largest renewal mass over one demand support, which
   bounds every later one since ``m(j)`` is a sub-average of its predecessors).
   Putting weight ``u`` on ``1, 2, ...`` until ``beta`` is used bounds the
   on-hand stock from below by Jensen (``E (y-D)^+ >= (y - E D)^+``); the bound
   grows with ``Q``, so ``Q`` beyond the point where it exceeds the cost of a
   known feasible policy cannot be optimal.
3. Every ``(S, Q)`` in that box is evaluated exactly at once (cumulative sums
   over ``j`` per ``S``), vectorized over parts in padded batches; the cheapest
   cell meeting the targets is the optimum.

A part whose target cannot be met with ``S <= max_stock`` gets
``target_met = False`` and the policy ``(max_stock - 1, max_stock)``; targets
are never relaxed.
"""

from __future__ import annotations

import functools
import itertools
import logging
import time

import numpy as np
import numpy.typing as npt

from planner.core.errors import InputError
from planner.core.progress import Heartbeat, ProgressCallback
from planner.core.result import SolverStats
from planner.inventory._checks import policy_params, service_target, stock_cap
from planner.inventory._distributions import batches_by_size
from planner.inventory._lattice_demand import (
    PoissonDemand,
    TableDemand,
    make_demand,
    restrict,
)
from planner.inventory._zheng_federgruen import evaluate, newsvendor, renewal
from planner.inventory.ss import SSPolicies

__all__ = ["optimize_sS_service"]

_EPS = 1e-12

Dem = PoissonDemand | TableDemand

_log = logging.getLogger(__name__)


def _position_service(
    dem: Dem,
    idx: np.ndarray,
    y: np.ndarray,
    fr: np.ndarray | None,
    rr: np.ndarray | None,
) -> np.ndarray:
    """Whether the single position ``y`` meets the targets (parts ``idx``)."""
    ok = np.ones(y.shape, dtype=bool)
    mu = dem.period_mean(idx)
    if fr is not None:
        phi = dem.loss(idx, y, 1) - dem.loss(idx, y, 0)
        ok &= 1.0 - phi / mu >= fr[idx] - _EPS
    if rr is not None:
        ok &= dem.cdf(idx, y, 1) >= rr[idx] - _EPS
    return ok


def _smallest_position(
    dem: Dem, idx: np.ndarray, fr: np.ndarray | None, rr: np.ndarray | None
) -> np.ndarray:
    """``y_t``: the smallest position meeting the targets on its own."""
    mean = dem.period_mean(idx) * (dem.L[idx] + 1.0)
    lo = np.full(len(idx), -1.0)  # position -1 never serves
    hi = np.ceil(mean + 6.0 * np.sqrt(mean) + 6.0)
    while True:
        good = _position_service(dem, idx, hi, fr, rr)
        if good.all():
            break
        lo = np.where(good, lo, hi)
        hi = np.where(good, hi, 2.0 * hi + 1.0)
    while np.any(hi - lo > 1):
        mid = np.floor((lo + hi) / 2.0)
        open_ = hi - lo > 1
        good = _position_service(dem, idx, mid, fr, rr)
        hi = np.where(open_ & good, mid, hi)
        lo = np.where(open_ & ~good, mid, lo)
    return hi


def _onhand_lower_bound(
    Q: np.ndarray, u_num: np.ndarray, beta: np.ndarray, c: np.ndarray
) -> np.ndarray:
    """Least ``sum_y w_y (y - c)^+`` with ``w_y <= u_num / Q`` on ``y = 1, 2, ..``
    and total weight ``beta``."""
    u = np.minimum(1.0, u_num / Q)
    k = np.floor(beta / u)
    rest = beta - k * u
    a = np.maximum(1.0, np.floor(c) + 1.0)  # first y with y > c
    cnt = np.maximum(k - a + 1.0, 0.0)
    tot = cnt * (a + k) / 2.0 - c * cnt
    return u * tot + rest * np.maximum(k + 1.0 - c, 0.0)


def optimize_sS_service(
    demand_mean: npt.ArrayLike,
    holding_cost: npt.ArrayLike,
    fixed_cost: npt.ArrayLike,
    *,
    fill_rate: npt.ArrayLike | None = None,
    ready_rate: npt.ArrayLike | None = None,
    lead_time: npt.ArrayLike = 0,
    unit_pmf: npt.ArrayLike | None = None,
    max_stock: npt.ArrayLike | None = None,
    backorder_cost: npt.ArrayLike = 0.0,
    budget_cells: int = 2_000_000,
    progress: ProgressCallback | None = None,
) -> SSPolicies:
    """Exact cheapest periodic-review (s,S) per part meeting service targets.

    Parameters
    ----------
    demand_mean
        Mean demand per period (Poisson; of repairs with ``unit_pmf``), ``>= 0``.
        A part without demand gets ``(s, S) = (-1, 0)``, cost 0, target met.
    holding_cost
        ``h`` per unit and period, ``> 0``.
    fixed_cost
        ``K`` per order, ``>= 0``.
    fill_rate, ready_rate
        Targets in (0, 1), scalar or per part; at least one is required. Fill
        rate: share of demand served from stock; ready rate: probability of
        no backorder at the end of a period.
    lead_time
        Whole periods, ``>= 0``.
    unit_pmf
        Compound Poisson: ``unit_pmf[k-1]`` (or per part ``[i, k-1]``) is the
        probability that a repair takes k units.
    max_stock
        Largest order-up-to level allowed, per part or scalar (whole number);
        a part that cannot meet its target within it is reported in
        ``target_met`` (policy ``(max_stock - 1, max_stock)``).
    backorder_cost
        Optional ``p >= 0`` per unit backordered and period (default 0).
    budget_cells, progress
        As in :func:`~planner.inventory.optimize_sS`.

    Returns
    -------
    SSPolicies
        ``s``, ``S``, ``cost`` (holding + ordering [+ backorder] per period)
        and ``target_met`` per part.

    Examples
    --------
    >>> r = optimize_sS_service(6, 1, 5, fill_rate=0.95)
    >>> int(r.s[0]), int(r.S[0]), bool(r.evaluate().fill_rate[0] >= 0.95)
    (5, 9, True)
    """
    t0 = time.perf_counter()
    args = (demand_mean, holding_cost, backorder_cost, fixed_cost, lead_time)
    prm = policy_params("demand_mean", *args, positive=("holding_cost",))
    mu, h, p, K, L = prm.values()
    n = len(mu)
    fr = service_target(fill_rate, "fill_rate", n)
    rr = service_target(ready_rate, "ready_rate", n)
    if fr is None and rr is None:
        raise InputError(
            field="fill_rate, ready_rate", expected="at least one target", got=None
        )
    cap = stock_cap(max_stock, n)
    dem = make_demand(mu, L, unit_pmf)
    s_out = np.full(n, -1, dtype=np.int64)
    S_out = np.zeros(n, dtype=np.int64)
    c_out = np.zeros(n)
    met = np.ones(n, dtype=bool)
    live = np.flatnonzero(mu > 0)
    beat = Heartbeat(_log, "inventory", callback=progress)
    beat("(s,S) policies with targets", done=n - len(live), total=n, force=True)
    if len(live):
        _solve(
            dem,
            live,
            h,
            p,
            K,
            fr,
            rr,
            cap,
            budget_cells,
            beat,
            n,
            out=(s_out, S_out, c_out, met),
        )
    beat("(s,S) policies with targets", done=n, total=n, force=True)
    stats = SolverStats(
        solver="(s,S) with service target (exact box enumeration)",
        runtime_s=time.perf_counter() - t0,
        extra={"targets_unmet": int((~met).sum())},
    )
    u = dem.unit_pmf if isinstance(dem, TableDemand) else None
    return SSPolicies(s_out, S_out, c_out, mu, h, p, K, L, stats, u, None, met)


def _solve(
    dem: Dem,
    live: np.ndarray,
    h: np.ndarray,
    p: np.ndarray,
    K: np.ndarray,
    fr: np.ndarray | None,
    rr: np.ndarray | None,
    cap: np.ndarray,
    budget: int,
    beat: Heartbeat | None,
    n_total: int,
    *,
    out: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
) -> None:
    s_out, S_out, c_out, met = out
    mu = dem.period_mean(live)
    yt = _smallest_position(dem, live, fr, rr)
    has_p = p[live] > 0
    ystar = np.where(
        has_p,
        dem.quantile(np.where(has_p, p[live] / (p[live] + h[live]), 0.5), live),
        yt,
    )
    top = np.maximum(yt, ystar)
    # parts that cannot meet the target within max_stock
    bad = yt > cap[live]
    if bad.any():
        b = live[bad]
        met[b] = False
        S_out[b] = cap[b].astype(np.int64)
        s_out[b] = S_out[b] - 1
        ev = evaluate(s_out[b], S_out[b], restrict(dem, b), h[b], p[b], K[b], budget)
        c_out[b] = ev.cost
    ok = np.flatnonzero(~bad)
    live, mu, yt, top = live[ok], mu[ok], yt[ok], top[ok]
    if not len(live):
        return
    # renewal mass maximum over one demand support (bounds all later masses)
    # m(j) <= max of the lmax masses before it, so every m(j), j >= J0, is at
    # most the largest of m(J0 - lmax) .. m(J0 - 1) (J0 > lmax + 1). Options:
    # m(0) and the k largest of m(1) .. m(J0 - 1) set apart ("head", allowed
    # full service for free), the rest capped by the largest remaining mass.
    opts = (0, 4, 16, 64)
    mmax = np.empty((len(live), len(opts)))
    mhead = np.empty((len(live), len(opts)))
    skipped = n_total - len(live)

    def tick(stage: str) -> None:
        if beat is not None:
            beat(f"(s,S) policies with targets: {stage}", done=skipped, total=n_total)

    for idx in batches_by_size(np.ones(len(live), dtype=np.int64), 512):
        tick("renewal bounds")
        f = dem.period_pmf(live[idx], 10**9)
        lmax = f.shape[1] - 1
        J0 = 2 * lmax + 2
        m, _ = renewal(f, J0)
        tail = m[:, J0 - lmax :].max(axis=1)
        desc = -np.sort(-m[:, 1:], axis=1)
        csum = np.cumsum(desc, axis=1)
        for o, k in enumerate(opts):
            k = min(k, desc.shape[1] - 1)
            mmax[idx, o] = np.maximum(desc[:, k], tail)
            mhead[idx, o] = m[:, 0] + (csum[:, k - 1] if k > 0 else 0.0)
    # a feasible policy: s = y_t - 1 with a few Q (capped by max_stock)
    qcap = np.maximum(cap[live] - yt + 1.0, 1.0)
    eoq = np.sqrt(2.0 * K[live] * mu / h[live])
    cf = np.full(len(live), np.inf)
    for fac in (0.5, 1.0, 2.0):
        tick("a feasible policy")
        Q = np.clip(np.round(fac * eoq), 1.0, qcap)
        ev = evaluate(
            yt - 1, yt - 1 + Q, restrict(dem, live), h[live], p[live], K[live], budget
        )
        cf = np.minimum(cf, ev.cost)
    cf = cf * (1.0 + 1e-9) + 1e-9
    # Q bound: h * (least on-hand stock) > cf for every larger Q
    mean1 = mu * (dem.L[live] + 1.0)
    unum = mmax * mu[:, None]
    head = mhead * mu[:, None]  # weight of the head masses is at most head / Q

    def lb(Q: np.ndarray) -> np.ndarray:
        v = np.zeros(len(live))
        for o in range(unum.shape[1]):
            un, hd = unum[:, o], head[:, o]
            if fr is not None:
                b = np.maximum(fr[live] - hd / Q, 0.0)
                v = np.maximum(v, _onhand_lower_bound(Q, un, b, mean1))
            if rr is not None:
                b = np.maximum(rr[live] - hd / Q, 0.0)
                v = np.maximum(v, _onhand_lower_bound(Q, un, b, mean1 + 1.0))
        return h[live] * v

    def qbound(cf: np.ndarray) -> np.ndarray:
        """Largest Q whose on-hand lower bound still fits under cf."""
        lo = np.ones(len(live))
        hi = np.ones(len(live))
        while True:
            grow = lb(hi) <= cf
            if not grow.any():
                break
            lo = np.where(grow, hi, lo)
            hi = np.where(grow, 2.0 * hi, hi)
        while np.any(hi - lo > 1):
            mid = np.floor((lo + hi) / 2.0)
            open_ = hi - lo > 1
            g = lb(mid) <= cf
            lo = np.where(open_ & g, mid, lo)
            hi = np.where(open_ & ~g, mid, hi)
        return lo.astype(np.int64)  # lb(lo + 1) > cf (or lo = 1)

    # phase 1: Q up to a few EOQs (within the bound); its optimum is a much
    # tighter feasible cost, which gives the final bound on Q (phase 2)
    tick("order quantity bound")
    qmax = qbound(cf)
    q1 = np.minimum(qmax, np.maximum(np.ceil(3.0 * eoq), 16)).astype(np.int64)
    done = [n_total - len(live)]
    grid = functools.partial(
        _grid,
        dem,
        live,
        yt_all=yt,
        top_all=top,
        h=h,
        p=p,
        K=K,
        fr=fr,
        rr=rr,
        cap=cap,
        budget=budget,
        beat=beat,
        n_total=n_total,
    )
    c1, S1, Q1 = grid(np.arange(len(live)), q1, done=done)
    c1b = c1 * (1.0 + 1e-9) + 1e-9
    q2 = qbound(c1b)
    q2 = np.minimum(
        q2, _dual_qbound(dem, live, q1, q2, c1b, h, fr, rr, unum, head, budget)
    )
    again = np.flatnonzero(q2 > q1)
    if len(again):
        done = [n_total - len(again)]
        c2, S2, Q2 = grid(again, q2[again], done=done, qmin=q1[again])
        better = c2 < c1[again]
        g = again[better]
        c1[g], S1[g], Q1[g] = c2[better], S2[better], Q2[better]
    S_out[live] = S1
    s_out[live] = S1 - Q1
    c_out[live] = c1


def _dual_qbound(
    dem: Dem,
    live: np.ndarray,
    q1: np.ndarray,
    q2: np.ndarray,
    cf: np.ndarray,
    h: np.ndarray,
    fr: np.ndarray | None,
    rr: np.ndarray | None,
    unum: np.ndarray,
    head: np.ndarray,
    budget: int,
) -> np.ndarray:
    """A tighter bound on Q from the LP over position weights (weak duality).

    For a policy with order quantity Q, the mean on-hand stock is at least
    ``LP(Q) = min sum_y w_y h g(y)`` over weights with ``sum_y w_y f(y) >=
    beta - head / Q``, ``sum_y w_y <= 1`` and ``0 <= w_y <= u(Q)`` (``f`` the
    per-position fill or ready rate, ``g(y) = E[(y - D_{L+1})^+]``; the first
    renewal masses, ``head``, are allowed full service for free). ``LP(Q)`` is
    non-decreasing in Q (the constraints tighten), and for any prices
    ``lambda, nu >= 0``::

        LP(Q) >= lambda beta' - nu - u sum_y (lambda f(y) - h g(y) - nu)^+.

    So once this exceeds ``cf`` (a feasible cost) at some ``Q_t``, no ``Q >=
    Q_t`` can be optimal. Prices: ``lambda = h 2^i`` and the best ``nu``.
    Returns per part ``Q_t - 1`` for the first such ``Q_t`` on a geometric
    grid between ``q1`` and ``q2`` (``q2`` if none).
    """
    n = len(live)
    out = q2.astype(np.int64).copy()
    mean1 = dem.period_mean(live) * (dem.L[live] + 1.0)
    need = np.flatnonzero(q2 > q1)
    if not len(need):
        return out
    lams = [2.0**i for i in range(0, 13)]
    targets = [(t, kind) for t, kind in ((fr, "fill"), (rr, "ready")) if t is not None]
    chunk = max(1, budget // int(mean1[need].max() + lams[-1] + 3))
    for c0 in range(0, len(need), chunk):
        sub = need[c0 : c0 + chunk]
        sel = live[sub]
        hh = h[sel]
        mu = dem.period_mean(sel)
        tables = []  # per (target, lambda): sorted a (desc) and its prefix sums
        Ymax = int(mean1[sub].max() + lams[-1] + 3)
        y = np.broadcast_to(np.arange(Ymax, dtype=np.float64), (len(sub), Ymax))
        n1 = dem.loss(sel, y, 1)
        g = y - mean1[sub, None] + n1
        for tgt, kind in targets:
            if kind == "fill":
                f = 1.0 - (n1 - dem.loss(sel, y, 0)) / mu[:, None]
            else:
                f = dem.cdf(sel, y, 1)
            for lam_h in lams:
                Y = int(mean1[sub].max() + lam_h + 3)
                a = hh[:, None] * (lam_h * f[:, :Y] - g[:, :Y])  # lambda = h 2^i
                a_s = -np.sort(-a, axis=1)
                tables.append((tgt[sel], lam_h, a_s, np.cumsum(a_s, axis=1)))
        lo = q1[sub].astype(np.float64)
        hi = q2[sub].astype(np.float64)
        found = np.zeros(len(sub), dtype=bool)
        Qt = lo + 1.0
        while True:
            act = ~found & (Qt <= hi)
            if not act.any():
                break
            lb = np.zeros(len(sub))
            for (beta, lam_h, a_s, P), o in itertools.product(
                tables, range(unum.shape[1])
            ):
                u = np.minimum(1.0, unum[sub, o] / Qt)
                Y = a_s.shape[1]
                b = np.maximum(beta - head[sub, o] / Qt, 0.0)
                k = np.minimum(np.floor(1.0 / u), Y).astype(np.int64)
                rows = np.arange(len(sub))
                nu = np.where(
                    k < Y, np.maximum(a_s[rows, np.minimum(k, Y - 1)], 0.0), 0.0
                )
                kk = (a_s > nu[:, None]).sum(axis=1)
                top = np.where(kk > 0, P[rows, np.maximum(kk - 1, 0)], 0.0) - kk * nu
                lb = np.maximum(lb, hh * lam_h * b - nu - u * top)
            hit = act & (lb > cf[sub])
            out[sub[hit]] = (Qt[hit] - 1.0).astype(np.int64)
            found |= hit
            Qt = np.where(act, np.ceil(Qt * 1.15 + 1.0), Qt)
    del n
    return out


def _grid(
    dem: Dem,
    live: np.ndarray,
    sub: np.ndarray,
    qmax: np.ndarray,
    yt_all: np.ndarray,
    top_all: np.ndarray,
    h: np.ndarray,
    p: np.ndarray,
    K: np.ndarray,
    fr: np.ndarray | None,
    rr: np.ndarray | None,
    cap: np.ndarray,
    budget: int,
    beat: Heartbeat | None,
    n_total: int,
    done: list[int],
    qmin: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cheapest feasible (S, Q), ``qmin < Q <= qmax``, ``y_t <= S <= top - 1 + Q``.

    ``sub`` indexes ``live`` (and ``yt_all``, ``top_all``); returns cost, S, Q
    per entry of ``sub`` (cost inf where no cell is feasible). Rows below
    ``S_lb(qmin + 1)`` are skipped: positions ``y <= 0`` serve nothing, so a
    fill rate beta needs ``P_w(y >= 1) = M(min(S, Q)) / M(Q) >= beta`` (ready
    rate: ``y >= 0``), and ``M`` grows with Q.
    """
    if qmin is None:
        qmin = np.zeros(len(sub), dtype=np.int64)
    lv = live[sub]
    yt, top = yt_all[sub], top_all[sub]
    mu = dem.period_mean(lv)
    srow = np.minimum(top - 1.0 + qmax, cap[lv]) - yt + 1.0
    nrow = np.maximum(srow, 1.0).astype(np.int64)
    c_res = np.empty(len(sub))
    S_res = np.empty(len(sub), dtype=np.int64)
    Q_res = np.empty(len(sub), dtype=np.int64)
    for idx in batches_by_size(nrow * qmax, budget):
        sel = lv[idx]
        B = len(idx)
        Jm = int(qmax[idx].max())
        Wm = int(nrow[idx].max())
        m, M = renewal(dem.period_pmf(sel, Jm), Jm)
        M1 = M[np.arange(B), qmin[idx] + 1]
        start = yt[idx].copy()
        if fr is not None:
            lb = np.argmax(fr[sel, None] * M1[:, None] * (1 - 1e-12) <= M, axis=1)
            start = np.maximum(start, lb)
        if rr is not None:
            lb = np.argmax(rr[sel, None] * M1[:, None] * (1 - 1e-12) <= M, axis=1)
            start = np.maximum(start, lb - 1.0)
        last = np.minimum(top[idx] - 1.0 + qmax[idx], cap[sel])
        nrow_b = np.maximum(last - start + 1.0, 0.0).astype(np.int64)
        Wm = max(int(nrow_b.max()), 1)
        y0 = start - Jm + 1.0
        y = y0[:, None] + np.arange(Wm + Jm - 1)[None, :]
        hp = np.zeros(len(dem.L))
        pp = np.zeros(len(dem.L))
        hp[sel], pp[sel] = h[sel], p[sel]
        vals = [newsvendor(dem, sel, y, hp, pp)]
        if fr is not None:
            vals.append(dem.loss(sel, y, 1) - dem.loss(sel, y, 0))
        if rr is not None:
            vals.append(dem.cdf(sel, y, 1))
        step = max(1, budget // max(B * Jm, 1))
        best_c = np.full(B, np.inf)
        best_r = np.zeros(B, dtype=np.int64)
        best_q = np.zeros(B, dtype=np.int64)
        rows = np.arange(B)
        Mq = M[:, 1:]  # M(Q) for Q = 1..Jm
        qv = np.arange(1, Jm + 1)
        for r0 in range(0, Wm, step):
            r1 = min(Wm, r0 + step)
            cums = []
            for v in vals:
                win = np.lib.stride_tricks.sliding_window_view(
                    v[:, r0 : r1 + Jm - 1], Jm, axis=1
                )[:, :, ::-1]  # [b, r, j] = v at y = S - j, S = start + r0 + r
                cums.append(np.cumsum(win * m[:, None, :], axis=2))
            cost = (K[sel, None, None] + cums[0]) / Mq[:, None, :]
            feas = (
                (qv[None, None, :] <= qmax[idx, None, None])
                & (qv[None, None, :] > qmin[idx, None, None])
                & (np.arange(r0, r1)[None, :, None] < nrow_b[:, None, None])
            )
            k = 1
            if fr is not None:
                fill = 1.0 - cums[k] / (mu[idx, None, None] * Mq[:, None, :])
                feas &= fill >= fr[sel, None, None] - _EPS
                k += 1
            if rr is not None:
                feas &= cums[k] / Mq[:, None, :] >= rr[sel, None, None] - _EPS
            flat = np.where(feas, cost, np.inf).reshape(B, -1)
            arg = np.argmin(flat, axis=1)
            c = flat[rows, arg]
            better = c < best_c
            r_opt, q_opt = np.divmod(arg, Jm)
            best_c = np.where(better, c, best_c)
            best_r = np.where(better, r0 + r_opt, best_r)
            best_q = np.where(better, q_opt + 1, best_q)
        S_res[idx] = (start + best_r).astype(np.int64)
        Q_res[idx] = best_q
        c_res[idx] = best_c
        done[0] += len(idx)
        if beat is not None:
            beat("(s,S) policies with targets", done=done[0], total=n_total)
    return c_res, S_res, Q_res
