"""The cheapest continuous-review (r,Q) policy meeting a service target.

:func:`optimize_rQ_service`: the cheapest (r,Q) per part (Poisson demand,
lead time) whose fill rate and/or ready rate meets a target. For each ``Q``
the cost is convex in ``r`` and the service non-decreasing, so the best ``r``
is ``max(r_cost(Q), r_target(Q))``; ``Q`` is enumerated up to the largest
value whose *unconstrained* optimum is still below a feasible cost (the
unconstrained ``g*(Q)`` is quasi-convex, Federgruen & Zheng 1992), so the
result is exact. Closed forms (first- and second-order Poisson loss) make
every candidate O(1); parts and ``Q`` values form one 2-D array. Compound
Poisson demand has its own exact grid search (:func:`_compound_service`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

import numpy as np
import numpy.typing as npt

from planner.core.checks import check_positive_int
from planner.core.progress import Heartbeat, ProgressCallback
from planner.core.result import SolverStats
from planner.inventory._checks import policy_params, service_target
from planner.inventory._distributions import (
    CompoundTable,
    batches_by_size,
    expected_min_units,
    newsvendor_cost_poisson,
    poisson_loss,
    poisson_loss2,
    poisson_quantile,
)
from planner.inventory.rq import RQPolicies, optimize_rQ

__all__ = ["optimize_rQ_service", "rq_cost_closed_form"]

_log = logging.getLogger(__name__)


def rq_cost_closed_form(
    r: npt.ArrayLike,
    Q: npt.ArrayLike,
    lam: npt.ArrayLike,
    lamL: npt.ArrayLike,
    h: npt.ArrayLike,
    p: npt.ArrayLike,
    K: npt.ArrayLike,
) -> np.ndarray:
    """``g(r,Q)`` for Poisson demand in O(1) (arrays broadcast).

    >>> round(float(rq_cost_closed_form(3, 5, 1.5, 3.0, 20, 150, 100)), 3)
    107.924
    """
    r = np.asarray(r, dtype=np.float64)
    Q = np.asarray(Q, dtype=np.float64)
    lamL = np.asarray(lamL, dtype=np.float64)
    h = np.asarray(h, dtype=np.float64)
    p = np.asarray(p, dtype=np.float64)
    lin = Q * (r + (Q + 1.0) / 2.0 - lamL)
    loss = poisson_loss2(r + 1.0, lamL) - poisson_loss2(r + Q + 1.0, lamL)
    return (np.asarray(K) * np.asarray(lam) + h * lin + (h + p) * loss) / Q


def _fill_rq(r: np.ndarray, Q: np.ndarray, lamL: np.ndarray) -> np.ndarray:
    """``1 - (n(r) - n(r+Q)) / Q`` (share of demand served from stock)."""
    return 1.0 - (poisson_loss(r, lamL) - poisson_loss(r + Q, lamL)) / Q


def _ready_rq(r: np.ndarray, Q: np.ndarray, lamL: np.ndarray) -> np.ndarray:
    """``1 - (n(r+1) - n(r+Q+1)) / Q`` (probability of no backorder)."""
    return 1.0 - (poisson_loss(r + 1, lamL) - poisson_loss(r + Q + 1, lamL)) / Q


def _bisect(
    pred: Callable[[np.ndarray], np.ndarray], lo: np.ndarray, hi: np.ndarray
) -> np.ndarray:
    """Smallest integer x in (lo, hi] with pred(x); pred(hi) must hold."""
    lo = lo.astype(np.float64).copy()
    hi = hi.astype(np.float64).copy()
    while True:
        open_ = hi - lo > 1
        if not open_.any():
            return hi
        mid = np.floor((lo + hi) / 2.0)
        good = pred(mid)
        hi = np.where(open_ & good, mid, hi)
        lo = np.where(open_ & ~good, mid, lo)


def optimize_rQ_service(
    demand_rate: npt.ArrayLike,
    holding_cost: npt.ArrayLike,
    backorder_cost: npt.ArrayLike,
    fixed_cost: npt.ArrayLike,
    *,
    lead_time: npt.ArrayLike = 0.0,
    fill_rate: npt.ArrayLike | None = None,
    ready_rate: npt.ArrayLike | None = None,
    unit_pmf: npt.ArrayLike | None = None,
    max_Q: int = 100_000,
    progress: ProgressCallback | None = None,
) -> RQPolicies:
    """Cheapest (r,Q) per part meeting a fill-rate and/or ready-rate target.

    Any target in (0, 1) is reachable by raising ``r``, so every part gets a
    policy; ``max_Q`` caps the enumeration (a part whose search hits it is
    reported through ``stats.extra["parts_at_max_Q"]``). With ``unit_pmf``
    (compound Poisson: ``demand_rate`` repairs, ``unit_pmf[k-1]`` = P(k
    units per repair)) the policy is (r, nQ) as in
    :func:`~planner.inventory.optimize_rQ`, the fill rate counts units
    (``E[min(U, (y - D_L)^+)] / E[U]``), and the search is
    :func:`_compound_service` (exact as well).

    >>> r = optimize_rQ_service(1.5, 20, 150, 100, lead_time=2, fill_rate=0.95)
    >>> int(r.r[0]), int(r.Q[0]), bool(r.evaluate().fill_rate[0] >= 0.95)
    (4, 7, True)
    """
    t0 = time.perf_counter()
    max_Q = check_positive_int(max_Q, "max_Q")
    args = (demand_rate, holding_cost, backorder_cost, fixed_cost, lead_time)
    prm = policy_params("demand_rate", *args, whole_lead_time=False)
    lam, h, p, K, L = prm.values()
    n = len(lam)
    fr = service_target(fill_rate, "fill_rate", n)
    rr = service_target(ready_rate, "ready_rate", n)
    base = optimize_rQ(lam, h, p, K, lead_time=L, unit_pmf=unit_pmf)
    if fr is None and rr is None:
        return base
    beat = Heartbeat(_log, "inventory", callback=progress)
    if base.unit_pmf is not None:
        return _compound_service(base, fr, rr, t0, beat)
    lamL = lam * L
    ystar = poisson_quantile(p / (p + h), lamL)
    q_fill = poisson_quantile(fr, lamL) if fr is not None else None
    q_ready = poisson_quantile(rr, lamL) if rr is not None else None

    def best_r(Q: np.ndarray, sel: np.ndarray) -> np.ndarray:
        """max(r_cost(Q), r_target(Q)) for parts ``sel`` (rows) and Q (B, C)."""
        lL = lamL[sel][:, None]
        hh, pp = h[sel][:, None], p[sel][:, None]
        ys = ystar[sel][:, None] + 0 * Q

        def cost_up(x: np.ndarray) -> np.ndarray:
            return newsvendor_cost_poisson(x + Q + 1, lL, hh, pp) >= (
                newsvendor_cost_poisson(x + 1, lL, hh, pp)
            )

        r = _bisect(cost_up, ys - Q - 1, ys - 1)
        if q_fill is not None:
            qf = q_fill[sel][:, None] + 0 * Q
            tf = fr[sel][:, None]  # type: ignore[index]
            rt = _bisect(lambda x: _fill_rq(x, Q, lL) >= tf, qf - Q - 1, qf)
            r = np.maximum(r, rt)
        if q_ready is not None:
            qr = q_ready[sel][:, None] - 1 + 0 * Q
            tr = rr[sel][:, None]  # type: ignore[index]
            rt = _bisect(lambda x: _ready_rq(x, Q, lL) >= tr, qr - Q - 1, qr)
            r = np.maximum(r, rt)
        return r

    def cost_of(r: np.ndarray, Q: np.ndarray, sel: np.ndarray) -> np.ndarray:
        return rq_cost_closed_form(
            r,
            Q,
            lam[sel][:, None],
            lamL[sel][:, None],
            h[sel][:, None],
            p[sel][:, None],
            K[sel][:, None],
        )

    live = np.flatnonzero(lam > 0)
    r_out = np.asarray(base.r, dtype=np.int64).copy()
    Q_out = np.asarray(base.Q, dtype=np.int64).copy()
    c_out = np.asarray(base.cost, dtype=np.float64).copy()
    at_cap = 0
    if len(live):
        Q0 = base.Q[live].astype(np.float64)[:, None]
        cf = cost_of(best_r(Q0, live), Q0, live)[:, 0]  # a feasible cost
        cf = cf * (1 + 1e-12) + 1e-12

        def gstar(Qv: np.ndarray) -> np.ndarray:
            lL = lamL[live][:, None]
            ys = ystar[live][:, None] + 0 * Qv
            hh, pp = h[live][:, None], p[live][:, None]
            r = _bisect(
                lambda x: (
                    newsvendor_cost_poisson(x + Qv + 1, lL, hh, pp)
                    >= newsvendor_cost_poisson(x + 1, lL, hh, pp)
                ),
                ys - Qv - 1,
                ys - 1,
            )
            return cost_of(r, Qv, live)[:, 0]

        # largest Q with g*(Q) <= c_f: doubling, then bisection (g* quasi-convex)
        lo = Q0[:, 0].copy()
        hi = lo.copy()
        bound = "(r,Q) policies with targets: order quantity bound"
        while True:
            beat(bound, done=n - len(live), total=n)
            grow = (gstar(hi[:, None]) <= cf) & (hi < max_Q)
            if not grow.any():
                break
            lo = np.where(grow, hi, lo)
            hi = np.where(grow, np.minimum(hi * 2, max_Q), hi)
        # lo: g* <= c_f (or Q0), hi: g* > c_f (or max_Q)
        while np.any(hi - lo > 1):
            beat(bound, done=n - len(live), total=n)
            mid = np.floor((lo + hi) / 2)
            ok = gstar(mid[:, None]) <= cf
            lo = np.where(ok & (hi - lo > 1), mid, lo)
            hi = np.where(~ok & (hi - lo > 1), mid, hi)
        qmax = np.where(gstar(hi[:, None]) <= cf, hi, lo).astype(np.int64)
        at_cap = int((qmax >= max_Q).sum())
        done = n - len(live)
        beat("(r,Q) policies with targets", done=done, total=n, force=True)
        for grp in batches_by_size(qmax):
            sel = live[grp]
            Qm = int(qmax[grp].max())
            Qv = np.arange(1, Qm + 1, dtype=np.float64)[None, :].repeat(len(sel), 0)
            r = best_r(Qv, sel)
            c = cost_of(r, Qv, sel)
            c = np.where(Qv <= qmax[grp][:, None], c, np.inf)
            k = np.argmin(c, axis=1)
            rows = np.arange(len(sel))
            r_out[sel] = r[rows, k].astype(np.int64)
            Q_out[sel] = k + 1
            c_out[sel] = c[rows, k]
            done += len(sel)
            beat("(r,Q) policies with targets", done=done, total=n, force=done == n)
    stats = SolverStats(
        solver="federgruen-zheng with service constraint",
        runtime_s=time.perf_counter() - t0,
        extra={"parts_at_max_Q": at_cap},
    )
    met = np.ones(n, dtype=bool)
    return RQPolicies(r_out, Q_out, c_out, lam, h, p, K, L, stats, target_met=met)


def _compound_service(
    base: RQPolicies,
    fr: np.ndarray | None,
    rr: np.ndarray | None,
    t0: float,
    beat: Heartbeat,
) -> RQPolicies:
    """Cheapest (r, nQ) meeting the targets under compound Poisson demand.

    For a fixed ``Q`` the cost is a window sum of the convex ``G`` (convex in
    ``r``) and both services are window means of non-decreasing functions of
    the position, so the best ``r`` is ``max(r_cost(Q), r_target(Q))``, each
    found by bisection on prefix sums over a grid of positions. With ``c_f``
    the cost of a feasible policy and ``M = c_f / min(h, p)``, a window
    costing at most ``c_f`` has mean ``max(h (y - m), p (m - y)) <= c_f``
    (``G`` lies above it by Jensen, ``m = E[D_L]``), hence ``Q <= 4 M + 1``
    and it lies within ``3 M`` of ``m``: the grid and the ``Q`` range hold
    the optimum, so the search is exact.
    """
    lam = base.demand_rate
    h, p, K, L = base.holding_cost, base.backorder_cost, base.fixed_cost, base.lead_time
    u = base.unit_pmf
    assert u is not None
    r_out = base.r.copy()
    Q_out = base.Q.copy()
    c_out = base.cost.copy()
    live = np.flatnonzero(lam > 0)
    k = u.shape[1]
    units = np.arange(1, k + 1, dtype=np.float64)
    n = len(lam)
    done = n - len(live)
    beat("(r,Q) policies with targets", done=done, total=n, force=True)
    for grp in batches_by_size(np.ones(len(live), dtype=np.int64), 64):
        sel = live[grp]
        P = len(sel)
        tab = CompoundTable.fitted(lam[sel] * L[sel], u[sel])
        eu = u[sel] @ units
        tail = u[sel][:, ::-1].cumsum(axis=1)[:, ::-1]  # P(U > i), i = 0..k-1
        hh, pp = h[sel], p[sel]

        def tables(
            lo: np.ndarray, W: int, tab: CompoundTable = tab
        ) -> dict[str, np.ndarray]:
            y = lo[:, None] + np.arange(W)[None, :]
            served = np.zeros(y.shape)
            for i in range(k):
                served += tail[:, i, None] * tab.cdf_at(y - 1 - i)  # noqa: B023
            vals = {
                "G": tab.newsvendor(y, hh, pp),  # noqa: B023
                "fill": served / eu[:, None],  # noqa: B023
                "ready": tab.cdf_at(y),
            }
            return {
                key: np.concatenate([np.zeros((len(lo), 1)), np.cumsum(v, axis=1)], 1)
                for key, v in vals.items()
            }

        # a feasible cost: the unconstrained Q with r raised to the targets
        # (on a grid widened until the targets are reachable on it)
        Q0 = base.Q[sel].astype(np.float64)
        m = tab.mean
        M0 = base.cost[sel] / np.minimum(hh, pp) + np.sqrt(np.maximum(m, 1.0))
        cf = np.full(P, np.inf)
        for _ in range(60):
            lo0 = np.floor(m - 3.0 * M0 - Q0) - 2.0
            W0 = int((np.ceil(m + 3.0 * M0 + 2.0 * Q0) - lo0 + 3).max())
            _, c0 = _best_window(
                tables(lo0, W0), Q0[:, None], W0, lam[sel], K[sel], u[sel], fr, rr, sel
            )
            cf = np.minimum(cf, c0[:, 0] * (1 + 1e-12) + 1e-12)
            if np.all(np.isfinite(cf)):
                break
            M0 = 2.0 * M0
        M = cf / np.minimum(hh, pp)
        lo = np.floor(m - 3.0 * M) - 2.0
        W = int((np.ceil(m + 3.0 * M) + 2.0 - lo + 1).max())
        qcap = np.minimum(np.ceil(4.0 * M) + 2.0, W).astype(np.int64)
        pre = tables(lo, W)
        Qm = int(qcap.max())
        Qv = np.arange(1, Qm + 1, dtype=np.float64)[None, :].repeat(P, 0)
        a, c = _best_window(pre, Qv, W, lam[sel], K[sel], u[sel], fr, rr, sel)
        c = np.where(Qv <= qcap[:, None], c, np.inf)
        j = np.argmin(c, axis=1)
        rows = np.arange(P)
        r_out[sel] = (lo + a[rows, j] - 1).astype(np.int64)
        Q_out[sel] = j + 1
        c_out[sel] = c[rows, j]
        done += len(sel)
        beat("(r,Q) policies with targets", done=done, total=n, force=done == n)
    stats = SolverStats(
        solver="federgruen-zheng with service constraint (compound, grid)",
        runtime_s=time.perf_counter() - t0,
    )
    met = np.ones(n, dtype=bool)
    return RQPolicies(r_out, Q_out, c_out, lam, h, p, K, L, stats, u, met)


def _best_window(
    pre: dict[str, np.ndarray],
    Q: np.ndarray,
    W: int,
    lam: np.ndarray,
    K: np.ndarray,
    u: np.ndarray,
    fr: np.ndarray | None,
    rr: np.ndarray | None,
    sel: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Best window start ``a`` (grid index) and its cost for each ``Q`` (P, C).

    Windows are grid cells ``a .. a+Q-1``; ``a`` ranges over ``0 .. W-Q``.
    """
    rows = np.arange(len(Q))[:, None]
    Qi = Q.astype(np.int64)
    last = np.maximum(W - Qi, 0).astype(np.float64)  # largest start

    def window(key: str, a: np.ndarray) -> np.ndarray:
        ai = np.clip(a, 0, W).astype(np.int64)
        bi = np.clip(a + Qi, 0, W).astype(np.int64)
        return pre[key][rows, bi] - pre[key][rows, ai]

    def cell(a: np.ndarray) -> np.ndarray:
        """G at grid cell a (from the prefix sums)."""
        ai = np.clip(a, 0, W - 1).astype(np.int64)
        return pre["G"][rows, ai + 1] - pre["G"][rows, ai]

    # cost(a+1) - cost(a) = G(a+Q) - G(a): the smallest a where it is >= 0
    a = _bisect(lambda x: (x >= last) | (cell(x + Qi) >= cell(x)), -1.0 + 0 * Q, last)
    for key, target in (("fill", fr), ("ready", rr)):
        if target is None:
            continue
        tg = target[sel][:, None]
        ok_last = window(key, last) / Qi >= tg - 1e-12
        at = _bisect(lambda x: window(key, x) / Qi >= tg - 1e-12, -1.0 + 0 * Q, last)  # noqa: B023
        a = np.where(ok_last, np.maximum(a, at), np.inf)
    fits = np.isfinite(a) & (a <= last)
    a = np.where(fits, a, 0.0)
    order = K[:, None] * lam[:, None] * expected_min_units(u, Q)
    cost = (order + window("G", a)) / Q
    return a, np.where(fits, cost, np.inf)
