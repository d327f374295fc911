"""Continuous-review (r,Q) policies under normal demand (continuous approximation).

Demand per unit of time has mean ``rate`` and standard deviation ``sd``; the
lead-time demand is N(``rate L``, ``sd^2 L``) and the inventory position is
uniform on ``[r, r + Q]`` (Zipkin 2000, Snyder & Shen sec. 5.2), so backorders
and on-hand stock follow from the second-order normal loss. The cost is
jointly convex in (r, Q): :func:`optimize_rQ_normal` finds the best ``r`` for
each ``Q`` by bisection and ``Q`` by golden section, vectorized over parts.
"""

from __future__ import annotations

import time

import numpy as np
import numpy.typing as npt
from scipy.stats import norm

from planner.core.checks import check_positive_int
from planner.core.result import SolverStats
from planner.inventory._checks import policy_params, reals, with_params
from planner.inventory._distributions import normal_losses
from planner.inventory.policy import PolicyMetrics
from planner.inventory.rq import RQPolicies

__all__ = ["evaluate_rQ_normal", "optimize_rQ_normal"]


def _normal_rq_parts(
    r: np.ndarray,
    Q: np.ndarray,
    lam: np.ndarray,
    m: np.ndarray,
    sd: np.ndarray,
    h: np.ndarray,
    p: np.ndarray,
    K: np.ndarray,
) -> dict[str, np.ndarray]:
    n1r, n2r = normal_losses(r, m, sd)
    n1q, n2q = normal_losses(r + Q, m, sd)
    bo = (n2r - n2q) / Q
    oh = r + Q / 2.0 - m + bo
    ready = 1.0 - (n1r - n1q) / Q
    return {
        "holding_cost": h * oh,
        "ordering_cost": K * lam / Q,
        "backorder_cost": p * bo,
        "fill_rate": np.clip(ready, 0.0, 1.0),
        "ready_rate": np.clip(ready, 0.0, 1.0),
        "backorders": bo,
        "on_hand": oh,
        "order_rate": lam / Q,
    }


def evaluate_rQ_normal(
    r: npt.ArrayLike,
    Q: npt.ArrayLike,
    demand_rate: npt.ArrayLike,
    demand_sd: npt.ArrayLike,
    holding_cost: npt.ArrayLike,
    backorder_cost: npt.ArrayLike,
    fixed_cost: npt.ArrayLike,
    *,
    lead_time: npt.ArrayLike = 0.0,
) -> PolicyMetrics:
    """(r,Q) metrics for normal demand (continuous position uniform on [r, r+Q]).

    ``demand_sd`` is the standard deviation of demand per unit of time; the
    lead-time demand is N(``rate L``, ``sd^2 L``). Fill and ready rate are both
    ``P(IL > 0)`` (fluid demand). Snyder & Shen Example 5.1:

    >>> m = evaluate_rQ_normal(126.8, 328.5, 1300, 150, 0.225, 7.5, 8, lead_time=1/12)
    >>> round(float(m.cost[0]), 4)
    78.0712
    """
    args = (demand_rate, holding_cost, backorder_cost, fixed_cost, lead_time)
    prm = policy_params(
        "demand_rate", *args, demand_sd=demand_sd, whole_lead_time=False
    )
    dec = {"r": reals(r, "r"), "Q": reals(Q, "Q", positive=True)}
    dec, prm = with_params(dec, prm)
    r_b, Q_b = dec["r"], dec["Q"]
    lam, sd, h, p, K, L = prm.values()
    return PolicyMetrics(
        **_normal_rq_parts(r_b, Q_b, lam, lam * L, sd * np.sqrt(L), h, p, K)
    )


def optimize_rQ_normal(
    demand_rate: npt.ArrayLike,
    demand_sd: npt.ArrayLike,
    holding_cost: npt.ArrayLike,
    backorder_cost: npt.ArrayLike,
    fixed_cost: npt.ArrayLike,
    *,
    lead_time: npt.ArrayLike = 0.0,
    n_iter: int = 60,
) -> RQPolicies:
    """Cost-optimal continuous (r,Q) for normal demand, per part (vectorized).

    The cost is jointly convex in (r,Q) (Zipkin 2000); for each Q the best r
    has ``G(r) = G(r + Q)`` (bisection), and the resulting cost is convex in
    Q (golden-section search on a bracket grown until the cost rises).
    ``r`` and ``Q`` are real numbers here; the int arrays of
    :class:`RQPolicies` hold ``floor(r)`` and ``round(Q)``, the exact values
    are in ``stats.extra["r"]`` and ``["Q"]``, ``cost`` is that of the exact
    values.

    Snyder & Shen Example 5.1 (published r = 126.8, Q = 328.5, cost 78.07;
    the exact optimum is r = 126.87, Q = 328.45):

    >>> res = optimize_rQ_normal(1300, 150, 0.225, 7.5, 8, lead_time=1/12)
    >>> [round(x, 2) for x in res.stats.extra["r"] + res.stats.extra["Q"]]
    [126.87, 328.45]
    >>> round(float(res.cost[0]), 3)
    78.071
    """
    t0 = time.perf_counter()
    n_iter = check_positive_int(n_iter, "n_iter")
    args = (demand_rate, holding_cost, backorder_cost, fixed_cost, lead_time)
    prm = policy_params(
        "demand_rate", *args, demand_sd=demand_sd, whole_lead_time=False
    )
    lam, sd_t, h, p, K, L = prm.values()
    m, sd = lam * L, sd_t * np.sqrt(L)
    ystar = m + sd * norm.ppf(p / (p + h))

    def G(y: np.ndarray) -> np.ndarray:
        return h * (y - m) + (h + p) * normal_losses(y, m, sd)[0]

    def best_r(Q: np.ndarray) -> np.ndarray:
        lo, hi = ystar - Q, ystar.copy()
        for _ in range(n_iter):
            mid = 0.5 * (lo + hi)
            up = G(mid + Q) >= G(mid)
            hi = np.where(up, mid, hi)
            lo = np.where(up, lo, mid)
        return 0.5 * (lo + hi)

    def cost(Q: np.ndarray) -> np.ndarray:
        parts = _normal_rq_parts(best_r(Q), Q, lam, m, sd, h, p, K)
        return parts["holding_cost"] + parts["ordering_cost"] + parts["backorder_cost"]

    qa = np.full_like(lam, 1e-9)
    qb = np.maximum(np.sqrt(2.0 * K * lam * (h + p) / (h * p)), 1.0) + sd
    grow = cost(qb * 1.01) < cost(qb)
    while grow.any():
        qb = np.where(grow, 2.0 * qb, qb)
        grow = cost(qb * 1.01) < cost(qb)
    phi = (np.sqrt(5.0) - 1.0) / 2.0
    x1, x2 = qb - phi * (qb - qa), qa + phi * (qb - qa)
    f1, f2 = cost(x1), cost(x2)
    for _ in range(n_iter):
        left = f1 < f2
        qb = np.where(left, x2, qb)
        qa = np.where(left, qa, x1)
        x1n = qb - phi * (qb - qa)
        x2n = qa + phi * (qb - qa)
        x1, x2 = x1n, x2n
        f1, f2 = cost(x1), cost(x2)
    Q = 0.5 * (qa + qb)
    r = best_r(Q)
    c = cost(Q)
    stats = SolverStats(
        solver="normal (r,Q): bisection + golden section",
        runtime_s=time.perf_counter() - t0,
        extra={"r": r.tolist(), "Q": Q.tolist()},
    )
    return RQPolicies(
        np.floor(r).astype(np.int64),
        np.maximum(np.round(Q), 1).astype(np.int64),
        c,
        lam,
        h,
        p,
        K,
        L,
        stats,
    )
