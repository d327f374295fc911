"""Periodic review every R periods: (R,S) and (R,s,S) policies, Poisson demand.

(R,S): every ``R`` periods the inventory position is raised to ``S`` (fixed cost
``K`` if anything is ordered); the order arrives ``L`` periods later. The net
inventory at the end of the k-th period after an order's arrival window
(``k = 1..R``) is ``S - D_{L+k}``, ``D_n ~ Poisson(n mu)``, so per period

    cost(S) = K (1 - e^{-mu R}) / R + (1/R) sum_{k=1}^{R} G_{L+k}(S),

convex in S; the optimum is the smallest S with
``(1/R) sum_k P(D_{L+k} <= S) >= p / (p + h)``. Fill rate
``1 - (n_{L+R}(S) - n_L(S)) / (R mu)`` (units short over a cycle), ready rate
``(1/R) sum_k P(D_{L+k} <= S)``. ``R = 1`` is the periodic base-stock policy.

(R,s,S): at a review, a position ``<= s`` is raised to ``S``. Seen at reviews
this is an (s,S) problem with demand Poisson(R mu) per step and the cost
``sum_{k=1}^{R} G_{L+k}(y)`` charged per step, whose ``G`` is again convex, so
the Zheng-Federgruen engine applies unchanged; ``cost`` is per period.
"""

from __future__ import annotations

import logging
import time

import numpy as np
import numpy.typing as npt

from planner.core.progress import Heartbeat, ProgressCallback
from planner.core.result import SolverStats
from planner.inventory import _zheng_federgruen as zf
from planner.inventory._checks import (
    check_order,
    policy_params,
    reals,
    service_target,
    whole_numbers,
    with_params,
)
from planner.inventory._distributions import (
    poisson_cdf,
    poisson_loss,
    poisson_quantile,
)
from planner.inventory._lattice_demand import ReviewDemand
from planner.inventory.base_stock import BaseStockPolicies
from planner.inventory.policy import PolicyMetrics
from planner.inventory.ss import SSPolicies

__all__ = ["evaluate_RS", "evaluate_RsS", "optimize_RS", "optimize_RsS"]

_log = logging.getLogger(__name__)


def _params(*args: npt.ArrayLike) -> dict[str, np.ndarray]:
    """mu, h, p, K, R, L checked (keys in the order mu, h, p, K, L, R)."""
    mu, h, p, K, R, L = args
    return policy_params("demand_mean", mu, h, p, K, L, review_period=R)


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
    return PolicyMetrics.priced(
        oh, bo, fill, ready, orders, h, p, ordering_cost=K * orders
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
    dec, prm = with_params({"S": reals(S, "S")}, prm)
    mu, h, p, K, L, R = prm.values()
    return _metrics(dec["S"], mu, h, p, K, R, L)


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
    mu, h, p, K, L, R = prm.values()
    n = len(mu)
    fr = service_target(fill_rate, "fill_rate", n)
    rr = service_target(ready_rate, "ready_rate", n)
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


def optimize_RsS(
    demand_mean: npt.ArrayLike,
    holding_cost: npt.ArrayLike,
    backorder_cost: npt.ArrayLike,
    fixed_cost: npt.ArrayLike,
    *,
    review_period: npt.ArrayLike = 1,
    lead_time: npt.ArrayLike = 0,
    budget_cells: int = 250_000,
    progress: ProgressCallback | None = None,
) -> SSPolicies:
    """Exact cost-optimal (R,s,S) per part: review every R periods (Poisson).

    The (s,S) search of :func:`~planner.inventory.optimize_sS` on review
    cycles (see the module notes); ``R = 1`` is :func:`optimize_sS`.

    >>> r = optimize_RsS(6, 1, 4, 5, review_period=1)
    >>> int(r.s[0]), int(r.S[0]), round(float(r.cost[0]), 4)
    (4, 10, 8.0341)
    """
    t0 = time.perf_counter()
    prm = _params(
        demand_mean, holding_cost, backorder_cost, fixed_cost, review_period, lead_time
    )
    mu, h, p, K, L, R = prm.values()
    n = len(mu)
    beat = Heartbeat(_log, "inventory", callback=progress)
    s_out = np.full(n, -1, dtype=np.int64)
    S_out = np.zeros(n, dtype=np.int64)
    c_out = np.zeros(n)
    live = np.flatnonzero(mu > 0)
    if len(live):
        dem = ReviewDemand(mu, L, R)
        s_l, S_l, c_l = zf.optimize(dem, live, h, p, K, budget_cells, beat, n)
        s_out[live], S_out[live], c_out[live] = s_l, S_l, c_l / R[live]
    stats = SolverStats(
        solver="zheng-federgruen on review cycles (box enumeration)",
        runtime_s=time.perf_counter() - t0,
    )
    return SSPolicies(s_out, S_out, c_out, mu, h, p, K, L, stats, None, R)


def evaluate_RsS(
    s: npt.ArrayLike,
    S: npt.ArrayLike,
    demand_mean: npt.ArrayLike,
    holding_cost: npt.ArrayLike,
    backorder_cost: npt.ArrayLike,
    fixed_cost: npt.ArrayLike,
    *,
    review_period: npt.ArrayLike = 1,
    lead_time: npt.ArrayLike = 0,
    budget_cells: int = 250_000,
) -> PolicyMetrics:
    """Exact per-period cost and service of (R,s,S) policies (Poisson demand).

    The position after a review is ``S - j`` with probability
    ``m(j) / M(S - s)`` (renewal of Poisson(R mu)); the k-th period of the
    cycle ends with net inventory ``y - D_{L+k}``. Fill rate: one minus the
    units short over a cycle, ``E[(D_{L+R} - y)^+ - (D_L - y)^+]``, per
    ``R mu``.

    >>> m = evaluate_RsS(4, 10, 6, 1, 4, 5, review_period=1)
    >>> round(float(m.cost[0]), 4)
    8.0341
    """
    dec = {"s": whole_numbers(s, "s"), "S": whole_numbers(S, "S")}
    prm = _params(
        demand_mean, holding_cost, backorder_cost, fixed_cost, review_period, lead_time
    )
    dec, prm = with_params(dec, prm)
    check_order(dec["s"], dec["S"], "S")
    mu, h, p, K, L, R = prm.values()
    return zf.evaluate_review(dec["s"], dec["S"], mu, h, p, K, L, R, budget_cells)
