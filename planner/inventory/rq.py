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

import functools
import logging
import time
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from planner.core.errors import InputError
from planner.core.progress import Heartbeat, ProgressCallback
from planner.core.result import SolverStats
from planner.inventory._checks import (
    policy_params,
    unit_pmf_table,
    whole_numbers,
    with_params,
)
from planner.inventory._distributions import (
    CompoundTable,
    batches_by_size,
    expected_min_units,
    newsvendor_cost_poisson,
    poisson_cdf,
    poisson_loss,
    poisson_quantile,
)
from planner.inventory.policy import Policies, PolicyMetrics

__all__ = ["RQPolicies", "evaluate_rQ", "optimize_rQ"]

_log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True, eq=False)
class RQPolicies(Policies):
    """(r,Q) policies, one per part, with the inputs they were found for.

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
    unit_pmf
        Units per repair (compound Poisson), else None.
    target_met
        Whether the service target is met (None: no target).
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
    target_met: np.ndarray | None = None

    _decisions = ("r", "Q")
    _inputs = (
        "demand_rate",
        "holding_cost",
        "backorder_cost",
        "fixed_cost",
        "lead_time",
    )
    _per = "time"

    def __post_init__(self) -> None:
        n = self._freeze(("r", "Q"), np.int64)
        self._freeze(("target_met",), bool, n)
        self._freeze(
            (
                "cost",
                "demand_rate",
                "holding_cost",
                "backorder_cost",
                "fixed_cost",
                "lead_time",
            ),
            np.float64,
            n,
        )
        self._freeze(("unit_pmf",), np.float64, n)
        if np.any(self.Q < 1):
            i = int(np.flatnonzero(self.Q < 1)[0])
            raise InputError(
                location=f"part {i}", field="Q", expected=">= 1", got=int(self.Q[i])
            )

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


#: the inputs of an (r,Q) model (lead time in any unit of time), checked
_params = functools.partial(policy_params, "demand_rate", whole_lead_time=False)


def optimize_rQ(
    demand_rate: npt.ArrayLike,
    holding_cost: npt.ArrayLike,
    backorder_cost: npt.ArrayLike,
    fixed_cost: npt.ArrayLike,
    *,
    lead_time: npt.ArrayLike = 0.0,
    unit_pmf: npt.ArrayLike | None = None,
    budget_cells: int = 250_000,
    progress: ProgressCallback | None = None,
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
    progress
        Receives :class:`~planner.core.progress.Progress` records (policies
        done of the total) at most every few seconds, and at the end; also
        logged.

    Examples
    --------
    Snyder & Shen Example 5.8:

    >>> r = optimize_rQ(1.5, 20, 150, 100, lead_time=2)
    >>> int(r.r[0]), int(r.Q[0]), round(float(r.cost[0]), 3)
    (3, 5, 107.924)
    """
    t0 = time.perf_counter()
    prm = _params(demand_rate, holding_cost, backorder_cost, fixed_cost, lead_time)
    lam, h, p, K, L = prm.values()
    n = len(lam)
    r_out = np.full(n, -1, dtype=np.int64)
    Q_out = np.ones(n, dtype=np.int64)
    c_out = np.zeros(n)
    live = np.flatnonzero(lam > 0)
    u = None if unit_pmf is None else np.ascontiguousarray(unit_pmf_table(unit_pmf, n))
    beat = Heartbeat(_log, "inventory", callback=progress)
    done = n - len(live)
    beat("(r,Q) policies", done=done, total=n, force=True)
    if len(live) and u is None:
        r_l, Q_l, c_l = _optimize(
            lam[live], h[live], p[live], K[live], L[live], budget_cells, beat, done
        )
        r_out[live], Q_out[live], c_out[live] = r_l, Q_l, c_l
    elif len(live) and u is not None:
        for idx in batches_by_size(np.ones(len(live), dtype=np.int64), 256):
            sel = live[idx]
            r_l, Q_l, c_l = _optimize_compound(
                lam[sel], h[sel], p[sel], K[sel], L[sel], u[sel]
            )
            r_out[sel], Q_out[sel], c_out[sel] = r_l, Q_l, c_l
            done += len(sel)
            beat("(r,Q) policies", done=done, total=n, force=done == n)
    stats = SolverStats(
        solver="federgruen-zheng (sorted G)", runtime_s=time.perf_counter() - t0
    )
    return RQPolicies(r_out, Q_out, c_out, lam, h, p, K, L, stats, u)


def _order_term(
    lam: np.ndarray, K: np.ndarray, u: np.ndarray, Q: np.ndarray
) -> np.ndarray:
    """``K lambda E[min(U, Q)]`` for Q of shape (P, W)."""
    return K[:, None] * lam[:, None] * expected_min_units(u, Q)


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
    tab = CompoundTable.fitted(lam * L, u)
    P = len(lam)
    m = tab.mean
    # c_u: an EOQ-sized window of the smallest G on a wide grid around the mean
    sd = np.sqrt(np.maximum(m, 1.0))
    mean_units = (u * np.arange(1, u.shape[1] + 1)[None, :]).sum(axis=1)
    q0 = np.maximum(np.round(np.sqrt(2.0 * K * lam * mean_units / h * (h + p) / p)), 1)
    lo0 = np.floor(m - 10.0 * sd - q0 - 10.0)
    W0 = int((np.ceil(m + 10.0 * sd + q0 + 10.0) - lo0 + 1).max())
    y0 = lo0[:, None] + np.arange(W0)[None, :]
    G0 = tab.newsvendor(y0, h, p)
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
    G = tab.newsvendor(y, h, p)
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
    beat: Heartbeat,
    done: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Exact (r,Q) under Poisson demand: the sorted values of ``G`` per part."""
    lamL = lam * L
    total = done + len(lam)
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
        done += len(idx)
        beat("(r,Q) policies", done=done, total=total, force=done == total)
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
    dec = {"r": whole_numbers(r, "r"), "Q": whole_numbers(Q, "Q")}
    prm = _params(demand_rate, holding_cost, backorder_cost, fixed_cost, lead_time)
    dec, prm = with_params(dec, prm)
    r_b, Q_b = dec["r"], dec["Q"]
    lam, h, p, K, L = prm.values()
    if np.any(Q_b < 1):
        i = int(np.flatnonzero(Q_b < 1)[0])
        raise InputError(location=f"Q[{i}]", field="Q", expected=">= 1", got=Q_b[i])
    n = len(lam)
    out = {k: np.zeros(n) for k in PolicyMetrics.fields()}
    Qi = Q_b.astype(np.int64)
    if unit_pmf is not None:
        u = np.ascontiguousarray(unit_pmf_table(unit_pmf, n))
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
    tab = CompoundTable.fitted(lam[idx] * L[idx], u[idx])
    W = int(Qi[idx].max())
    j = np.arange(W)[None, :]
    w = (j < Qi[idx, None]) / Qi[idx, None]
    y = r[idx, None] + 1 + j
    oh = tab.leftover(y)
    bo = np.maximum(oh - (y - tab.mean[:, None]), 0.0)
    k = u.shape[1]
    # E[min(U, (y - D)^+)] = sum_k u(k) sum_{i<k} P(D <= y - 1 - i)
    served = np.zeros(y.shape)
    tail = u[idx][:, ::-1].cumsum(axis=1)[:, ::-1]  # P(U > i) for i = 0..k-1
    for i in range(k):
        served += tail[:, i, None] * tab.cdf_at(y - 1 - i)
    units = (u[idx] * np.arange(1, k + 1)[None, :]).sum(axis=1)
    emin = expected_min_units(u[idx], Qi[idx, None].astype(np.float64))[:, 0]
    out["backorders"][idx] = (w * bo).sum(axis=1)
    out["on_hand"][idx] = (w * oh).sum(axis=1)
    out["ready_rate"][idx] = np.clip((w * tab.cdf_at(y)).sum(axis=1), 0, 1)
    out["fill_rate"][idx] = np.clip((w * served).sum(axis=1) / units, 0, 1)
    out["order_rate"][idx] = lam[idx] * emin / Qi[idx]
    out["holding_cost"][idx] = h[idx] * out["on_hand"][idx]
    out["backorder_cost"][idx] = p[idx] * out["backorders"][idx]
    out["ordering_cost"][idx] = K[idx] * out["order_rate"][idx]
