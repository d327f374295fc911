"""Periodic review every R periods: (R,S) policies under Poisson demand.

Every ``R`` periods the inventory position is raised to ``S`` (fixed cost
``K`` if anything is ordered); the order arrives ``L`` periods later. The net
inventory at the end of the k-th period after an order's arrival window
(``k = 1..R``) is ``S - D_{L+k}``, ``D_n ~ Poisson(n mu)``, so per period

    cost(S) = K (1 - e^{-mu R}) / R + (1/R) sum_{k=1}^{R} G_{L+k}(S),

convex in S; the optimum is the smallest S with
``(1/R) sum_k P(D_{L+k} <= S) >= p / (p + h)``. Fill rate
``1 - (n_{L+R}(S) - n_L(S)) / (R mu)`` (units short over a cycle), ready rate
``(1/R) sum_k P(D_{L+k} <= S)``. ``R = 1`` is the periodic base-stock policy.
"""

from __future__ import annotations

import time

import numpy as np
import numpy.typing as npt

from planner.core.result import SolverStats
from planner.inventory._common import (
    broadcast_params,
    poisson_cdf,
    poisson_loss,
    poisson_quantile,
)
from planner.inventory.base_stock import BaseStockPolicies, _target
from planner.inventory.metrics import PolicyMetrics

__all__ = ["evaluate_RS", "optimize_RS"]


def _params(
    demand_mean: npt.ArrayLike,
    holding_cost: npt.ArrayLike,
    backorder_cost: npt.ArrayLike,
    fixed_cost: npt.ArrayLike,
    review_period: npt.ArrayLike,
    lead_time: npt.ArrayLike,
) -> dict[str, np.ndarray]:
    return broadcast_params(
        integer=("review_period", "lead_time"),
        positive=("holding_cost", "backorder_cost", "review_period"),
        demand_mean=demand_mean,
        holding_cost=holding_cost,
        backorder_cost=backorder_cost,
        fixed_cost=fixed_cost,
        review_period=review_period,
        lead_time=lead_time,
    )


def _metrics(
    S: np.ndarray,
    mu: np.ndarray,
    h: np.ndarray,
    p: np.ndarray,
    K: np.ndarray,
    R: np.ndarray,
    L: np.ndarray,
) -> PolicyMetrics:
    Rm = int(R.max())
    k = np.arange(1, Rm + 1)[None, :]
    w = (k <= R[:, None]) / R[:, None]
    lam = mu[:, None] * (L[:, None] + k)
    Sc = S[:, None]
    nk = poisson_loss(Sc, lam)
    bo = (w * nk).sum(axis=1)
    oh = (w * (Sc - lam + nk)).sum(axis=1)
    ready = (w * poisson_cdf(Sc, lam)).sum(axis=1)
    short = poisson_loss(S, mu * (L + R)) - poisson_loss(S, mu * L)
    with np.errstate(divide="ignore", invalid="ignore"):
        fill = np.where(mu > 0, 1.0 - short / (R * mu), 1.0)
    orders = (1.0 - np.exp(-mu * R)) / R
    return PolicyMetrics(
        holding_cost=h * oh,
        ordering_cost=K * orders,
        backorder_cost=p * bo,
        fill_rate=np.clip(fill, 0.0, 1.0),
        ready_rate=np.clip(ready, 0.0, 1.0),
        backorders=bo,
        on_hand=oh,
        order_rate=orders,
    )


def evaluate_RS(
    S: npt.ArrayLike,
    demand_mean: npt.ArrayLike,
    holding_cost: npt.ArrayLike,
    backorder_cost: npt.ArrayLike,
    fixed_cost: npt.ArrayLike,
    *,
    review_period: npt.ArrayLike = 1,
    lead_time: npt.ArrayLike = 0,
) -> PolicyMetrics:
    """Exact cost and service of (R,S) policies (Poisson demand per period).

    >>> m = evaluate_RS(3, 2.0, 1.0, 9.0, 0.0)  # R = 1: base stock
    >>> round(float(m.fill_rate[0]), 3)
    0.891
    """
    prm = _params(
        demand_mean, holding_cost, backorder_cost, fixed_cost, review_period, lead_time
    )
    S_b, *rest = np.broadcast_arrays(
        np.atleast_1d(np.asarray(S, dtype=np.float64)), *prm.values()
    )
    mu, h, p, K, R, L = (np.ascontiguousarray(a) for a in rest)
    return _metrics(np.ascontiguousarray(S_b), mu, h, p, K, R, L)


def optimize_RS(
    demand_mean: npt.ArrayLike,
    holding_cost: npt.ArrayLike,
    backorder_cost: npt.ArrayLike,
    fixed_cost: npt.ArrayLike = 0.0,
    *,
    review_period: npt.ArrayLike = 1,
    lead_time: npt.ArrayLike = 0,
    fill_rate: npt.ArrayLike | None = None,
    ready_rate: npt.ArrayLike | None = None,
) -> BaseStockPolicies:
    """Cost-optimal order-up-to level S per part for review period R.

    With service targets the cheapest S meeting them (``max`` of the cost
    optimum and the smallest S meeting each target; cost is convex in S and
    the service non-decreasing).

    >>> r = optimize_RS(2.0, 1.0, 9.0, 5.0, review_period=[1, 4], lead_time=1)
    >>> r.S.tolist()
    [7.0, 12.0]
    """
    t0 = time.perf_counter()
    prm = _params(
        demand_mean, holding_cost, backorder_cost, fixed_cost, review_period, lead_time
    )
    mu, h, p, K, R, L = prm.values()
    n = len(mu)
    fr = _target(fill_rate, "fill_rate", n)
    rr = _target(ready_rate, "ready_rate", n)
    Rm = int(R.max())
    k = np.arange(1, Rm + 1)[None, :]
    w = (k <= R[:, None]) / R[:, None]
    lam = mu[:, None] * (L[:, None] + k)

    def avg_cdf(x: np.ndarray) -> np.ndarray:
        return (w * poisson_cdf(x[:, None], lam)).sum(axis=1)

    def fill(x: np.ndarray) -> np.ndarray:
        short = poisson_loss(x, mu * (L + R)) - poisson_loss(x, mu * L)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(mu > 0, 1.0 - short / (R * mu), 1.0)

    need = [(avg_cdf, p / (p + h))]
    if fr is not None:
        need.append((fill, fr))
    if rr is not None:
        need.append((avg_cdf, rr))
    S = np.zeros(n)
    for fn, tgt in need:
        # the answer lies between the quantiles of D_{L+1} and D_{L+R}
        lo = poisson_quantile(tgt, mu * (L + 1)) - 1.0
        hi = poisson_quantile(tgt, mu * (L + R))
        if fn is fill:
            lo = np.full(n, -1.0)
            hi = hi + 1.0
            grow = fn(hi) < tgt
            while grow.any():
                hi = np.where(grow, 2.0 * hi + 1.0, hi)
                grow = fn(hi) < tgt
        lo = np.minimum(lo, hi - 1.0)
        while np.any(hi - lo > 1):
            mid = np.floor((lo + hi) / 2.0)
            open_ = hi - lo > 1
            good = fn(mid) >= tgt
            hi = np.where(open_ & good, mid, hi)
            lo = np.where(open_ & ~good, mid, lo)
        S = np.maximum(S, hi)
    stats = SolverStats(solver="(R,S) fractile", runtime_s=time.perf_counter() - t0)
    return BaseStockPolicies(
        S,
        _metrics(S, mu, h, p, K, R, L),
        np.ones(n, dtype=bool),
        "poisson/(R,S)",
        stats,
    )
