"""Continuous-review (r,Q) policies under Poisson demand with a lead time.

Model (Snyder & Shen, sec. 5.3; Federgruen & Zheng 1992): demand arrives one
unit at a time at rate ``lambda``; when the inventory position falls to ``r``
an order of ``Q`` is placed (fixed cost ``K``) and arrives ``L`` later;
shortages are backordered. The inventory position is uniform on
``r+1 .. r+Q`` and the net inventory is that minus the lead-time demand
``D_L ~ Poisson(lambda L)``, so with ``G(y) = E[h (y - D_L)^+ + p (D_L - y)^+]``

    g(r, Q) = (K lambda + sum_{y=r+1}^{r+Q} G(y)) / Q.

Optimization (Federgruen & Zheng 1992): for each ``Q`` the best window is the
``Q`` smallest values of the convex ``G`` (an interval), so with the values of
``G`` sorted, ``g*(Q) = (K lambda + cumsum_Q) / Q``; its minimum over ``Q`` is
the optimum. All parts are handled at once in padded batches.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import pandas as pd

from planner.core.checks import readonly
from planner.core.errors import InputError
from planner.core.result import SolverStats
from planner.inventory._common import (
    batches_by_size,
    broadcast_params,
    poisson_cdf,
    poisson_loss,
    poisson_quantile,
    whole_numbers,
)
from planner.inventory.metrics import PolicyMetrics
from planner.inventory.ss import newsvendor_cost_poisson

__all__ = ["RQPolicies", "evaluate_rQ", "optimize_rQ"]


@dataclass(frozen=True, slots=True, eq=False)
class RQPolicies:
    """Cost-optimal (r,Q) policies, one per part.

    Attributes
    ----------
    r, Q
        Reorder point and order quantity (int64 arrays).
    cost
        Expected cost per unit of time.
    demand_rate, holding_cost, backorder_cost, fixed_cost, lead_time
        The inputs, broadcast to one length.
    stats
        Solver name and run time.
    """

    r: np.ndarray
    Q: np.ndarray
    cost: np.ndarray
    demand_rate: np.ndarray
    holding_cost: np.ndarray
    backorder_cost: np.ndarray
    fixed_cost: np.ndarray
    lead_time: np.ndarray
    stats: SolverStats = field(
        default_factory=lambda: SolverStats(solver="federgruen-zheng", runtime_s=0.0)
    )

    def __post_init__(self) -> None:
        for name in ("r", "Q"):
            a = np.atleast_1d(np.asarray(getattr(self, name), dtype=np.int64))
            object.__setattr__(self, name, readonly(a))
        for name in (
            "cost",
            "demand_rate",
            "holding_cost",
            "backorder_cost",
            "fixed_cost",
            "lead_time",
        ):
            a = np.atleast_1d(np.asarray(getattr(self, name), dtype=np.float64))
            object.__setattr__(self, name, readonly(a))
            if len(a) != len(self.r):
                raise InputError(
                    field=name, expected=f"length {len(self.r)} (as r)", got=len(a)
                )
        if np.any(self.Q < 1):
            i = int(np.flatnonzero(self.Q < 1)[0])
            raise InputError(
                location=f"part {i}", field="Q", expected=">= 1", got=int(self.Q[i])
            )

    def __len__(self) -> int:
        return len(self.r)

    def evaluate(self) -> PolicyMetrics:
        """Cost and service metrics of these policies (see :func:`evaluate_rQ`)."""
        return evaluate_rQ(
            self.r,
            self.Q,
            self.demand_rate,
            self.holding_cost,
            self.backorder_cost,
            self.fixed_cost,
            lead_time=self.lead_time,
        )

    def to_frame(self) -> pd.DataFrame:
        """One row per part: inputs, r, Q, cost."""
        return pd.DataFrame(
            {
                "demand_rate": self.demand_rate,
                "holding_cost": self.holding_cost,
                "backorder_cost": self.backorder_cost,
                "fixed_cost": self.fixed_cost,
                "lead_time": self.lead_time,
                "r": self.r,
                "Q": self.Q,
                "cost": self.cost,
            }
        )

    def summary(self) -> str:
        """One line: parts, total cost, run time."""
        return (
            f"RQPolicies: {len(self)} parts, total cost/time "
            f"{self.cost.sum():.4f}, {self.stats.runtime_s:.3f} s ({self.stats.solver})"
        )

    def __str__(self) -> str:
        return self.summary()


def _params(
    demand_rate: npt.ArrayLike,
    holding_cost: npt.ArrayLike,
    backorder_cost: npt.ArrayLike,
    fixed_cost: npt.ArrayLike,
    lead_time: npt.ArrayLike,
) -> dict[str, np.ndarray]:
    return broadcast_params(
        positive=("holding_cost", "backorder_cost"),
        demand_rate=demand_rate,
        holding_cost=holding_cost,
        backorder_cost=backorder_cost,
        fixed_cost=fixed_cost,
        lead_time=lead_time,
    )


def optimize_rQ(
    demand_rate: npt.ArrayLike,
    holding_cost: npt.ArrayLike,
    backorder_cost: npt.ArrayLike,
    fixed_cost: npt.ArrayLike,
    *,
    lead_time: npt.ArrayLike = 0.0,
    budget_cells: int = 250_000,
) -> RQPolicies:
    """Exact cost-optimal (r,Q) per part (Poisson demand, Federgruen-Zheng).

    Parameters
    ----------
    demand_rate
        Poisson demand per unit of time, ``>= 0`` (0 gives ``r = -1, Q = 1``,
        cost 0).
    holding_cost, backorder_cost
        ``h`` and ``p`` per unit and unit of time, ``> 0``.
    fixed_cost
        ``K`` per order, ``>= 0``.
    lead_time
        In units of time, ``>= 0`` (need not be whole).
    budget_cells
        Size of the padded work arrays per batch.

    Examples
    --------
    Snyder & Shen Example 5.8:

    >>> r = optimize_rQ(1.5, 20, 150, 100, lead_time=2)
    >>> int(r.r[0]), int(r.Q[0]), round(float(r.cost[0]), 3)
    (3, 5, 107.924)
    """
    t0 = time.perf_counter()
    prm = _params(demand_rate, holding_cost, backorder_cost, fixed_cost, lead_time)
    lam, h, p, K, L = (
        prm["demand_rate"],
        prm["holding_cost"],
        prm["backorder_cost"],
        prm["fixed_cost"],
        prm["lead_time"],
    )
    n = len(lam)
    r_out = np.full(n, -1, dtype=np.int64)
    Q_out = np.ones(n, dtype=np.int64)
    c_out = np.zeros(n)
    live = np.flatnonzero(lam > 0)
    if len(live):
        r_l, Q_l, c_l = _optimize(
            lam[live], h[live], p[live], K[live], L[live], budget_cells
        )
        r_out[live], Q_out[live], c_out[live] = r_l, Q_l, c_l
    stats = SolverStats(
        solver="federgruen-zheng (sorted G)", runtime_s=time.perf_counter() - t0
    )
    return RQPolicies(r_out, Q_out, c_out, lam, h, p, K, L, stats)


def _optimize(
    lam: np.ndarray,
    h: np.ndarray,
    p: np.ndarray,
    K: np.ndarray,
    L: np.ndarray,
    budget: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    lamL = lam * L
    ystar = poisson_quantile(p / (p + h), lamL)
    # an upper bound on g*: a window of EOQ size around y*
    q = np.maximum(np.round(np.sqrt(2.0 * K * lam / h * (h + p) / p)), 1.0)
    lo_w = ystar - np.ceil(q / 2.0) + 1
    cu = K * lam / q + np.maximum(
        newsvendor_cost_poisson(lo_w, lamL, h, p),
        newsvendor_cost_poisson(lo_w + q - 1, lamL, h, p),
    )
    cu = cu * (1.0 + 1e-9) + 1e-9
    lo = np.minimum(np.floor(lamL - cu / p) - 1.0, ystar)
    hi = np.maximum(np.ceil(lamL + cu / h) + 1.0, ystar)
    width = (hi - lo + 1).astype(np.int64)
    n = len(lam)
    r_out = np.empty(n, dtype=np.int64)
    Q_out = np.empty(n, dtype=np.int64)
    c_out = np.empty(n)
    for idx in batches_by_size(width, budget):
        W = int(width[idx].max())
        y = lo[idx, None] + np.arange(W)[None, :]
        G = newsvendor_cost_poisson(y, lamL[idx, None], h[idx, None], p[idx, None])
        G = np.where(np.arange(W)[None, :] < width[idx, None], G, np.inf)
        order = np.argsort(G, axis=1, kind="stable")
        Gs = np.take_along_axis(G, order, axis=1)
        Qs = np.arange(1, W + 1)[None, :]
        cost = (K[idx, None] * lam[idx, None] + np.cumsum(Gs, axis=1)) / Qs
        cost = np.where(np.isfinite(cost), cost, np.inf)
        k = np.argmin(cost, axis=1)
        rows = np.arange(len(idx))
        c_out[idx] = cost[rows, k]
        Q_out[idx] = k + 1
        first = np.minimum.accumulate(order, axis=1)[rows, k]
        r_out[idx] = (lo[idx] + first - 1).astype(np.int64)
    return r_out, Q_out, c_out


def evaluate_rQ(
    r: npt.ArrayLike,
    Q: npt.ArrayLike,
    demand_rate: npt.ArrayLike,
    holding_cost: npt.ArrayLike,
    backorder_cost: npt.ArrayLike,
    fixed_cost: npt.ArrayLike,
    *,
    lead_time: npt.ArrayLike = 0.0,
    budget_cells: int = 250_000,
) -> PolicyMetrics:
    """Exact cost and service of continuous-review (r,Q) policies (Poisson demand).

    The position is uniform on ``r+1 .. r+Q``; a demand arriving at position
    ``y`` is filled at once iff ``D_L <= y - 1`` (PASTA), so the fill rate is
    ``mean_y P(D_L <= y-1)`` and the ready rate ``mean_y P(D_L <= y)``.

    >>> m = evaluate_rQ(3, 5, 1.5, 20, 150, 100, lead_time=2)
    >>> round(float(m.cost[0]), 3)
    107.924
    """
    r_arr = whole_numbers(r, "r")
    Q_arr = whole_numbers(Q, "Q")
    prm = _params(demand_rate, holding_cost, backorder_cost, fixed_cost, lead_time)
    try:
        r_b, Q_b, *rest = np.broadcast_arrays(
            r_arr,
            Q_arr,
            *(prm[k] for k in prm),
        )
    except ValueError as e:
        raise InputError(
            field="r, Q", expected="the same length as the parameters", got=len(r_arr)
        ) from e
    lam, h, p, K, L = rest
    if np.any(Q_b < 1):
        i = int(np.flatnonzero(Q_b < 1)[0])
        raise InputError(location=f"Q[{i}]", field="Q", expected=">= 1", got=Q_b[i])
    n = len(lam)
    out = {
        k: np.zeros(n)
        for k in (
            "holding_cost",
            "ordering_cost",
            "backorder_cost",
            "backorders",
            "on_hand",
            "order_rate",
            "fill_rate",
            "ready_rate",
        )
    }
    Qi = Q_b.astype(np.int64)
    for idx in batches_by_size(Qi, budget_cells):
        W = int(Qi[idx].max())
        j = np.arange(W)[None, :]
        w = (j < Qi[idx, None]) / Qi[idx, None]
        y = r_b[idx, None] + 1 + j
        lamL = (lam[idx] * L[idx])[:, None]
        nl = poisson_loss(y, lamL)
        bo = (w * nl).sum(axis=1)
        oh = (w * (y - lamL + nl)).sum(axis=1)
        out["backorders"][idx] = bo
        out["on_hand"][idx] = oh
        out["ready_rate"][idx] = np.clip((w * poisson_cdf(y, lamL)).sum(axis=1), 0, 1)
        out["fill_rate"][idx] = np.clip(
            (w * poisson_cdf(y - 1, lamL)).sum(axis=1), 0, 1
        )
        out["order_rate"][idx] = lam[idx] / Qi[idx]
        out["holding_cost"][idx] = h[idx] * oh
        out["backorder_cost"][idx] = p[idx] * bo
        out["ordering_cost"][idx] = K[idx] * lam[idx] / Qi[idx]
    return PolicyMetrics(**out)
