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
from scipy.special import ndtr

from planner.core.checks import as_array, readonly
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
from planner.inventory.base_stock import _unit_pmf, compound_poisson_pmf
from planner.inventory.metrics import PolicyMetrics
from planner.inventory.ss import newsvendor_cost_poisson

__all__ = [
    "RQPolicies",
    "evaluate_rQ",
    "evaluate_rQ_normal",
    "optimize_rQ",
    "optimize_rQ_normal",
]


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
    unit_pmf: np.ndarray | None = None

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
            unit_pmf=self.unit_pmf,
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
    unit_pmf: npt.ArrayLike | None = None,
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
    unit_pmf
        Compound Poisson demand: ``demand_rate`` is then the rate of repairs
        and ``unit_pmf[k-1]`` (or ``[i, k-1]`` per part) the probability that
        a repair takes k units. The policy is then (r, nQ): when the position
        falls to ``r`` or below, the smallest multiple of ``Q`` lifting it
        above ``r`` is ordered (one order, cost ``K``). The position is again
        uniform on ``r+1 .. r+Q`` (Hadley & Whitin), orders are placed at rate
        ``lambda E[min(U, Q)] / Q``, and ``G`` uses the compound distribution
        of lead-time demand (Panjer), so the search is the same exact one.
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
    u = None if unit_pmf is None else np.ascontiguousarray(_unit_pmf(unit_pmf, n))
    if len(live) and u is None:
        r_l, Q_l, c_l = _optimize(
            lam[live], h[live], p[live], K[live], L[live], budget_cells
        )
        r_out[live], Q_out[live], c_out[live] = r_l, Q_l, c_l
    elif len(live) and u is not None:
        for idx in batches_by_size(np.ones(len(live), dtype=np.int64), 256):
            sel = live[idx]
            r_l, Q_l, c_l = _optimize_compound(
                lam[sel], h[sel], p[sel], K[sel], L[sel], u[sel]
            )
            r_out[sel], Q_out[sel], c_out[sel] = r_l, Q_l, c_l
    stats = SolverStats(
        solver="federgruen-zheng (sorted G)", runtime_s=time.perf_counter() - t0
    )
    return RQPolicies(r_out, Q_out, c_out, lam, h, p, K, L, stats, u)


class _LeadTimeTable:
    """Compound Poisson lead-time demand ``D_L`` from pmf tables (Panjer).

    ``E[(y - D)^+]`` and ``P(D <= y)`` for integer ``y`` (any sign); the
    support ``0 .. n-1`` holds all but < 1e-12 of the mass.
    """

    def __init__(self, lamL: np.ndarray, u: np.ndarray) -> None:
        k = u.shape[1]
        units = np.arange(1, k + 1)[None, :]
        eu = (u * units).sum(axis=1)
        ev2 = (u * units**2).sum(axis=1)
        self.mean = lamL * eu
        n = int(np.ceil((self.mean + 15.0 * np.sqrt(lamL * ev2) + 5 * k + 20).max()))
        self.n = n
        self.F = np.cumsum(compound_poisson_pmf(lamL, u, n), axis=1)
        # C(y) = sum_{x<y} F(x) = E[(y - D)^+] for y = 0..n
        self.C = np.concatenate(
            [np.zeros((len(lamL), 1)), np.cumsum(self.F, axis=1)], axis=1
        )

    def onhand(self, y: np.ndarray) -> np.ndarray:
        """``E[(y - D)^+]`` for ``y`` of shape (P, W)."""
        yc = np.clip(y, 0, self.n).astype(np.int64)
        rows = np.arange(len(self.C))[:, None]
        return np.where(y <= 0, 0.0, self.C[rows, yc] + np.maximum(y - self.n, 0))

    def cdf(self, y: np.ndarray) -> np.ndarray:
        """``P(D <= y)`` for ``y`` of shape (P, W)."""
        yc = np.clip(y, 0, self.n - 1).astype(np.int64)
        rows = np.arange(len(self.F))[:, None]
        F = self.F[rows, yc]
        return np.where(y < 0, 0.0, np.where(y >= self.n, 1.0, F))

    def G(self, y: np.ndarray, h: np.ndarray, p: np.ndarray) -> np.ndarray:
        oh = self.onhand(y)
        bo = oh - (y - self.mean[:, None])  # E[(D - y)^+]
        return h[:, None] * oh + p[:, None] * np.maximum(bo, 0.0)


def _order_term(
    lam: np.ndarray, K: np.ndarray, u: np.ndarray, Q: np.ndarray
) -> np.ndarray:
    """``K lambda E[min(U, Q)]`` for Q of shape (P, W)."""
    k = u.shape[1]
    units = np.arange(1, k + 1)
    emin = (u[:, None, :] * np.minimum(units[None, None, :], Q[:, :, None])).sum(axis=2)
    return K[:, None] * lam[:, None] * emin


def _optimize_compound(
    lam: np.ndarray,
    h: np.ndarray,
    p: np.ndarray,
    K: np.ndarray,
    L: np.ndarray,
    u: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Exact (r,nQ) under compound Poisson demand: sorted G over a level set.

    An optimal window holds only values ``G <= g*`` (dropping a larger one
    would lower the cost, as ``E[min(U, Q)]`` does not grow when ``Q``
    shrinks), so with ``c_u >= g*`` from any window the grid
    ``{y : G(y) <= c_u}`` contains it.
    """
    tab = _LeadTimeTable(lam * L, u)
    P = len(lam)
    m = tab.mean
    # c_u: an EOQ-sized window of the smallest G on a wide grid around the mean
    sd = np.sqrt(np.maximum(m, 1.0))
    mean_units = (u * np.arange(1, u.shape[1] + 1)[None, :]).sum(axis=1)
    q0 = np.maximum(np.round(np.sqrt(2.0 * K * lam * mean_units / h * (h + p) / p)), 1)
    lo0 = np.floor(m - 10.0 * sd - q0 - 10.0)
    W0 = int((np.ceil(m + 10.0 * sd + q0 + 10.0) - lo0 + 1).max())
    y0 = lo0[:, None] + np.arange(W0)[None, :]
    G0 = tab.G(y0, h, p)
    s0 = np.sort(G0, axis=1)
    q0i = np.minimum(q0.astype(np.int64), W0)
    cu = (
        _order_term(lam, K, u, q0i[:, None].astype(np.float64))[:, 0]
        + np.cumsum(s0, axis=1)[np.arange(P), q0i - 1]
    ) / q0i
    cu = cu * (1.0 + 1e-9) + 1e-9
    lo = np.floor(m - cu / p) - 1.0
    hi = np.ceil(m + cu / h) + 1.0
    width = (hi - lo + 1).astype(np.int64)
    W = int(width.max())
    y = lo[:, None] + np.arange(W)[None, :]
    G = tab.G(y, h, p)
    G = np.where(np.arange(W)[None, :] < width[:, None], G, np.inf)
    order = np.argsort(G, axis=1, kind="stable")
    Gs = np.take_along_axis(G, order, axis=1)
    Qs = np.arange(1, W + 1, dtype=np.float64)[None, :].repeat(P, axis=0)
    cost = (_order_term(lam, K, u, Qs) + np.cumsum(Gs, axis=1)) / Qs
    cost = np.where(np.isfinite(cost), cost, np.inf)
    k = np.argmin(cost, axis=1)
    rows = np.arange(P)
    first = np.minimum.accumulate(order, axis=1)[rows, k]
    return (lo + first - 1).astype(np.int64), k + 1, cost[rows, k]


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
    unit_pmf: npt.ArrayLike | None = None,
    budget_cells: int = 250_000,
) -> PolicyMetrics:
    """Exact cost and service of continuous-review (r,Q) policies (Poisson demand).

    The position is uniform on ``r+1 .. r+Q``; a demand arriving at position
    ``y`` is filled at once iff ``D_L <= y - 1`` (PASTA), so the fill rate is
    ``mean_y P(D_L <= y-1)`` and the ready rate ``mean_y P(D_L <= y)``.
    With ``unit_pmf`` (compound Poisson, (r,nQ), see :func:`optimize_rQ`) a
    repair of U units at position y is served ``min(U, (y - D_L)^+)`` units
    from stock, so the fill rate is ``E[min(U, (y - D_L)^+)] / E[U]``.

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
    if unit_pmf is not None:
        u = np.ascontiguousarray(_unit_pmf(unit_pmf, n))
        for idx in batches_by_size(Qi * u.shape[1], budget_cells):
            _evaluate_compound(idx, r_b, Qi, lam, h, p, K, L, u, out)
        return PolicyMetrics(**out)
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


def _evaluate_compound(
    idx: np.ndarray,
    r: np.ndarray,
    Qi: np.ndarray,
    lam: np.ndarray,
    h: np.ndarray,
    p: np.ndarray,
    K: np.ndarray,
    L: np.ndarray,
    u: np.ndarray,
    out: dict[str, np.ndarray],
) -> None:
    """Metrics of (r,nQ) under compound Poisson demand for parts ``idx``."""
    tab = _LeadTimeTable(lam[idx] * L[idx], u[idx])
    W = int(Qi[idx].max())
    j = np.arange(W)[None, :]
    w = (j < Qi[idx, None]) / Qi[idx, None]
    y = r[idx, None] + 1 + j
    oh = tab.onhand(y)
    bo = np.maximum(oh - (y - tab.mean[:, None]), 0.0)
    k = u.shape[1]
    # E[min(U, (y - D)^+)] = sum_k u(k) sum_{i<k} P(D <= y - 1 - i)
    served = np.zeros(y.shape)
    tail = u[idx][:, ::-1].cumsum(axis=1)[:, ::-1]  # P(U > i) for i = 0..k-1
    for i in range(k):
        served += tail[:, i, None] * tab.cdf(y - 1 - i)
    units = (u[idx] * np.arange(1, k + 1)[None, :]).sum(axis=1)
    emin = (
        u[idx][:, None, :] * np.minimum(np.arange(1, k + 1), Qi[idx, None, None])
    ).sum(axis=2)[:, 0]
    out["backorders"][idx] = (w * bo).sum(axis=1)
    out["on_hand"][idx] = (w * oh).sum(axis=1)
    out["ready_rate"][idx] = np.clip((w * tab.cdf(y)).sum(axis=1), 0, 1)
    out["fill_rate"][idx] = np.clip((w * served).sum(axis=1) / units, 0, 1)
    out["order_rate"][idx] = lam[idx] * emin / Qi[idx]
    out["holding_cost"][idx] = h[idx] * out["on_hand"][idx]
    out["backorder_cost"][idx] = p[idx] * out["backorders"][idx]
    out["ordering_cost"][idx] = K[idx] * out["order_rate"][idx]


# --- normal demand (continuous approximation) --------------------------------


def _norm_losses(
    x: np.ndarray, m: np.ndarray, sd: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """First- and second-order loss ``E[(X-x)^+]``, ``E[((X-x)^+)^2] / 2``, X normal."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        z = (x - m) / sd
        sf = ndtr(-z)
        pdf = np.exp(-0.5 * z * z) / np.sqrt(2.0 * np.pi)
        n1 = sd * (pdf - z * sf)
        n2 = sd**2 * 0.5 * ((z**2 + 1.0) * sf - z * pdf)
    d = np.maximum(m - x, 0.0)
    return np.where(sd > 0, n1, d), np.where(sd > 0, n2, 0.5 * d**2)


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
    n1r, n2r = _norm_losses(r, m, sd)
    n1q, n2q = _norm_losses(r + Q, m, sd)
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
    prm = broadcast_params(
        positive=("holding_cost", "backorder_cost"),
        demand_rate=demand_rate,
        demand_sd=demand_sd,
        holding_cost=holding_cost,
        backorder_cost=backorder_cost,
        fixed_cost=fixed_cost,
        lead_time=lead_time,
    )
    r_b, Q_b, lam, sd, h, p, K, L = np.broadcast_arrays(
        np.atleast_1d(as_array(r, "r")),
        np.atleast_1d(as_array(Q, "Q", positive=True)),
        *prm.values(),
    )
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
    from scipy.stats import norm

    t0 = time.perf_counter()
    prm = broadcast_params(
        positive=("holding_cost", "backorder_cost"),
        demand_rate=demand_rate,
        demand_sd=demand_sd,
        holding_cost=holding_cost,
        backorder_cost=backorder_cost,
        fixed_cost=fixed_cost,
        lead_time=lead_time,
    )
    lam, sd_t, h, p, K, L = prm.values()
    m, sd = lam * L, sd_t * np.sqrt(L)
    ystar = m + sd * norm.ppf(p / (p + h))

    def G(y: np.ndarray) -> np.ndarray:
        return h * (y - m) + (h + p) * _norm_losses(y, m, sd)[0]

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
