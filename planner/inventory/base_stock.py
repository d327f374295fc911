"""Base-stock policies: newsvendor optimum, service targets, exact metrics.

Demand per period (or per unit of time) is Poisson, normal, or compound
Poisson (a Poisson number of repairs, each using ``k >= 1`` units with a given
distribution). With ``review="periodic"`` the order placed at the start of a
period arrives ``L`` periods later and costs are charged on the end-of-period
net inventory ``S - D_{L+1}`` (Snyder & Shen sec. 4.3-4.4); with
``review="continuous"`` net inventory at a random time is ``S - D_L``.

The cost-optimal level is the critical fractile ``S* = F^{-1}(p / (p + h))``
of the relevant demand; the cheapest level meeting a service target is
``max(S*, S_target)`` (the cost is convex in S, the service non-decreasing).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy.stats import norm

from planner.core.errors import InputError
from planner.core.progress import Heartbeat, ProgressCallback
from planner.core.result import SolverStats
from planner.inventory._checks import (
    check_choice,
    policy_params,
    reals,
    service_target,
    unit_pmf_table,
    with_params,
)
from planner.inventory._distributions import (
    CompoundTable,
    compound_support,
    normal_losses,
    poisson_cdf,
    poisson_loss,
    poisson_quantile,
    unit_moments,
)
from planner.inventory.policy import Policies, PolicyMetrics

__all__ = [
    "BaseStockPolicies",
    "evaluate_base_stock",
    "evaluate_base_stock_compound",
    "optimize_base_stock",
    "optimize_base_stock_compound",
]

Review = Literal["periodic", "continuous"]

_log = logging.getLogger(__name__)
_KEYS = ("demand_mean", "holding_cost", "backorder_cost", "lead_time")


@dataclass(frozen=True, slots=True, eq=False)
class BaseStockPolicies(Policies):
    """Base-stock levels per part with their metrics.

    Attributes
    ----------
    S
        Base-stock (order-up-to) level per part (float for normal demand,
        whole numbers otherwise).
    metrics
        Exact cost and service of ``S``.
    target_met
        Whether the service target (if any) is met; a part whose target cannot
        be met within ``max_stock`` keeps ``S = max_stock`` and ``False`` here.
    model
        ``"poisson"``, ``"normal"`` or ``"compound_poisson"`` and the review.
    stats
        Run time.
    """

    S: np.ndarray
    metrics: PolicyMetrics
    target_met: np.ndarray
    model: str = "poisson/periodic"
    stats: SolverStats = field(
        default_factory=lambda: SolverStats(solver="critical fractile", runtime_s=0.0)
    )

    _decisions = ("S",)

    def __post_init__(self) -> None:
        self._freeze(("S",), np.float64, len(self.metrics))
        self._freeze(("target_met",), bool, len(self.metrics))

    @property
    def cost(self) -> np.ndarray:
        """Expected cost per period of each part's policy."""
        return self.metrics.cost

    def evaluate(self) -> PolicyMetrics:
        """The exact metrics of ``S`` (computed with the levels)."""
        return self.metrics

    def _label(self) -> str:
        return f"BaseStockPolicies ({self.model})"

    def to_frame(self) -> pd.DataFrame:
        """One row per part: target met, S, and every metric."""
        df = Policies.to_frame(self)
        more = self.metrics.to_frame().drop(columns="cost")
        return pd.concat([df, more], axis=1)


def _windows(L: np.ndarray, review: str) -> tuple[np.ndarray, np.ndarray]:
    """Periods of demand in the net inventory, and in the one before."""
    if review == "periodic":
        return L + 1.0, L
    return L, np.maximum(L, 0.0)


def _poisson_metrics(
    S: np.ndarray,
    mu: np.ndarray,
    h: np.ndarray,
    p: np.ndarray,
    L: np.ndarray,
    review: str,
) -> PolicyMetrics:
    t1, t0 = _windows(L, review)
    lam1 = mu * t1
    n1 = poisson_loss(S, lam1)
    on_hand = S - lam1 + n1
    ready = poisson_cdf(S, lam1)
    if review == "periodic":
        n0 = poisson_loss(S, mu * t0)
        with np.errstate(divide="ignore", invalid="ignore"):
            fill = np.where(mu > 0, 1.0 - (n1 - n0) / mu, 1.0)
    else:
        fill = poisson_cdf(S - 1, lam1)  # PASTA: a demand needs IL >= 1
        fill = np.where(mu > 0, fill, 1.0)
    orders = np.where(mu > 0, mu, 0.0) if review == "periodic" else mu
    return PolicyMetrics.priced(on_hand, n1, fill, ready, orders, h, p)


def _normal_metrics(
    S: np.ndarray,
    mu: np.ndarray,
    sd: np.ndarray,
    h: np.ndarray,
    p: np.ndarray,
    L: np.ndarray,
    review: str,
) -> PolicyMetrics:
    t1, t0 = _windows(L, review)
    m1, s1 = mu * t1, sd * np.sqrt(t1)
    n1 = normal_losses(S, m1, s1)[0]
    on_hand = S - m1 + n1
    with np.errstate(divide="ignore", invalid="ignore"):
        ready = np.where(s1 > 0, norm.cdf((S - m1) / s1), (m1 <= S).astype(float))
    if review == "periodic":
        n0 = normal_losses(S, mu * t0, sd * np.sqrt(t0))[0]
        with np.errstate(divide="ignore", invalid="ignore"):
            fill = np.where(mu > 0, 1.0 - (n1 - n0) / mu, 1.0)
    else:
        fill = ready  # fluid demand: served while stock is positive
    return PolicyMetrics.priced(on_hand, n1, fill, ready, mu, h, p)


def _smallest_meeting(
    fn: Callable[[np.ndarray], np.ndarray],
    target: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
) -> np.ndarray:
    """Smallest whole S in (lo, hi] with fn(S) >= target (NaN if none): bisection.

    ``fn`` must be non-decreasing in S; ``fn(lo) < target`` is assumed.
    """
    lo = lo.copy()
    hi = hi.copy()
    ok_hi = fn(hi) >= target
    while np.any(hi - lo > 1):
        mid = np.floor((lo + hi) / 2.0)
        open_ = hi - lo > 1
        good = fn(mid) >= target
        hi = np.where(good & open_, mid, hi)
        lo = np.where(~good & open_, mid, lo)
    return np.where(ok_hi, hi, np.nan)


def optimize_base_stock(
    demand_mean: npt.ArrayLike,
    holding_cost: npt.ArrayLike,
    backorder_cost: npt.ArrayLike,
    *,
    lead_time: npt.ArrayLike = 0,
    demand_sd: npt.ArrayLike | None = None,
    review: Review = "periodic",
    fill_rate: npt.ArrayLike | None = None,
    ready_rate: npt.ArrayLike | None = None,
    max_stock: npt.ArrayLike | None = None,
    progress: ProgressCallback | None = None,
) -> BaseStockPolicies:
    """Cost-optimal base-stock level per part, optionally meeting a service target.

    Parameters
    ----------
    demand_mean
        Mean demand per period (Poisson unless ``demand_sd`` is given).
    holding_cost, backorder_cost
        ``h`` and ``p`` per unit and period, ``> 0``.
    lead_time
        Periods (or units of time for continuous review), ``>= 0``.
    demand_sd
        Standard deviation of demand per period: normal demand.
    review
        ``"periodic"`` (net inventory ``S - D_{L+1}``) or ``"continuous"``
        (``S - D_L``).
    fill_rate, ready_rate
        Optional service targets in (0, 1) (scalar or per part): the cheapest
        S meeting them is returned.
    max_stock
        Optional cap on S per part; a target not reachable within it is
        reported in ``target_met`` (never relaxed silently).
    progress
        Receives :class:`~planner.core.progress.Progress` records at the start
        and the end (the search is one vectorized pass); also logged.

    Examples
    --------
    Snyder & Shen Examples 4.3 and 4.4 (normal demand N(50, 8)):

    >>> r = optimize_base_stock(50, 0.18, 0.7, demand_sd=8, lead_time=[0, 4])
    >>> [round(float(x), 3) for x in r.S]
    [56.604, 264.767]
    """
    t0 = time.perf_counter()
    check_choice(review, "review", ("periodic", "continuous"))
    args = (demand_mean, holding_cost, backorder_cost)
    prm = policy_params(
        "demand_mean",
        *args,
        lead_time=lead_time,
        demand_sd=demand_sd,
        whole_lead_time=False,
        max_stock=max_stock,
    )
    mu, h, p, L = (prm[k] for k in _KEYS)
    n = len(mu)
    fr = service_target(fill_rate, "fill_rate", n)
    rr = service_target(ready_rate, "ready_rate", n)
    beat = Heartbeat(_log, "inventory", callback=progress)
    beat("base-stock levels", done=0, total=n, force=True)
    q = p / (p + h)
    t1, _ = _windows(L, review)
    normal = demand_sd is not None
    if normal:
        sd = prm["demand_sd"]
        m1, s1 = mu * t1, sd * np.sqrt(t1)
        S = m1 + s1 * norm.ppf(q)

        def metrics(x: np.ndarray) -> PolicyMetrics:
            return _normal_metrics(x, mu, sd, h, p, L, review)

    else:
        S = poisson_quantile(q, mu * t1)

        def metrics(x: np.ndarray) -> PolicyMetrics:
            return _poisson_metrics(x, mu, h, p, L, review)

    met = np.ones(n, dtype=bool)
    if fr is not None or rr is not None:
        cap = prm.get("max_stock")
        need = S.copy()
        for tgt, attr in ((fr, "fill_rate"), (rr, "ready_rate")):
            if tgt is None:
                continue
            s_t = _service_level(metrics, attr, tgt, mu, t1, normal, prm, review)
            need = np.maximum(need, np.where(np.isnan(s_t), np.inf, s_t))
        if cap is not None:
            met = need <= cap
            S = np.where(met, need, cap)
        else:
            met = np.isfinite(need)
            S = np.where(met, need, S)
    elif "max_stock" in prm:
        S = np.minimum(S, prm["max_stock"])
    stats = SolverStats(solver="critical fractile", runtime_s=time.perf_counter() - t0)
    model = ("normal" if normal else "poisson") + "/" + review
    out = BaseStockPolicies(S, metrics(S), met, model, stats)
    beat("base-stock levels", done=n, total=n, force=True)
    return out


def _service_level(
    metrics: Callable[[np.ndarray], PolicyMetrics],
    attr: str,
    target: np.ndarray,
    mu: np.ndarray,
    t1: np.ndarray,
    normal: bool,
    prm: dict[str, np.ndarray],
    review: str,
) -> np.ndarray:
    """Smallest S with ``metrics(S).attr >= target`` (NaN if beyond the search)."""

    def fn(x: np.ndarray) -> np.ndarray:
        if not normal and attr == "fill_rate":
            return fill_fast(x)
        return np.asarray(getattr(metrics(x), attr))

    t0 = t1 - 1.0 if review == "periodic" else t1

    def fill_fast(x: np.ndarray) -> np.ndarray:
        """Poisson fill rate without the other metrics."""
        if review == "periodic":
            n1 = poisson_loss(x, mu * t1)
            n0 = poisson_loss(x, mu * t0)
            with np.errstate(divide="ignore", invalid="ignore"):
                return np.where(mu > 0, 1.0 - (n1 - n0) / mu, 1.0)
        return np.where(mu > 0, poisson_cdf(x - 1, mu * t1), 1.0)

    m1 = mu * t1
    if normal:
        sd1 = prm["demand_sd"] * np.sqrt(np.maximum(t1, 1e-300))
        lo = m1 - 40.0 * sd1 - 1.0
        hi = m1 + 40.0 * sd1 + mu + 1.0
        for _ in range(80):  # bisection on a continuous S
            mid = 0.5 * (lo + hi)
            good = fn(mid) >= target
            hi = np.where(good, mid, hi)
            lo = np.where(good, lo, mid)
        return np.where(fn(hi) >= target, hi, np.nan)
    if attr == "ready_rate":  # P(D <= S) >= target: a quantile
        return poisson_quantile(target, m1)
    lo = np.full_like(mu, -1.0)
    hi = np.ceil(m1 + 10.0 * np.sqrt(m1) + 10.0)
    grow = fn(hi) < target
    while grow.any():  # widen until the target is met (fill rate -> 1 as S grows)
        hi = np.where(grow, 2.0 * hi + 1.0, hi)
        grow = fn(hi) < target
    return _smallest_meeting(fn, target, lo, hi)


def evaluate_base_stock(
    S: npt.ArrayLike,
    demand_mean: npt.ArrayLike,
    holding_cost: npt.ArrayLike,
    backorder_cost: npt.ArrayLike,
    *,
    lead_time: npt.ArrayLike = 0,
    demand_sd: npt.ArrayLike | None = None,
    review: Review = "periodic",
) -> PolicyMetrics:
    """Exact cost and service of base-stock levels (Poisson or normal demand).

    >>> m = evaluate_base_stock(3, 2.0, 1.0, 9.0)
    >>> round(float(m.ready_rate[0]), 4), round(float(m.fill_rate[0]), 4)
    (0.8571, 0.891)
    """
    check_choice(review, "review", ("periodic", "continuous"))
    args = (demand_mean, holding_cost, backorder_cost)
    prm = policy_params(
        "demand_mean",
        *args,
        lead_time=lead_time,
        demand_sd=demand_sd,
        whole_lead_time=False,
    )
    dec, prm = with_params({"S": reals(S, "S")}, prm)
    S_b = dec["S"]
    mu, h, p, L = (prm[k] for k in _KEYS)
    if demand_sd is not None:
        return _normal_metrics(S_b, mu, prm["demand_sd"], h, p, L, review)
    if np.any(S_b != np.round(S_b)):
        raise InputError(field="S", expected="whole numbers for Poisson demand")
    return _poisson_metrics(S_b, mu, h, p, L, review)


# --- compound Poisson -------------------------------------------------------


def _compound_params(
    repair_rate: npt.ArrayLike,
    holding_cost: npt.ArrayLike,
    backorder_cost: npt.ArrayLike,
    lead_time: npt.ArrayLike,
) -> dict[str, np.ndarray]:
    return policy_params(
        "repair_rate", repair_rate, holding_cost, backorder_cost, lead_time=lead_time
    )


def _compound_tables(
    mu: np.ndarray, u: np.ndarray, L: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """pmf of demand over L+1 and L periods on a common support, and E[units]."""
    lam1 = mu * (L + 1.0)
    n = compound_support(lam1, u)
    f1 = CompoundTable(lam1, u, n).pmf
    f0 = CompoundTable(mu * L, u, n).pmf
    return f1, f0, unit_moments(u)[0]


def _compound_metrics(
    S: np.ndarray,
    mu: np.ndarray,
    u: np.ndarray,
    h: np.ndarray,
    p: np.ndarray,
    L: np.ndarray,
) -> PolicyMetrics:
    f1, f0, eu = _compound_tables(mu, u, L)
    x = np.arange(f1.shape[1])[None, :]
    Sc = S[:, None]
    n1 = (f1 * np.maximum(x - Sc, 0)).sum(axis=1)
    n0 = (f0 * np.maximum(x - Sc, 0)).sum(axis=1)
    oh = (f1 * np.maximum(Sc - x, 0)).sum(axis=1)
    ready = (f1 * (x <= Sc)).sum(axis=1)
    dem = mu * eu
    with np.errstate(divide="ignore", invalid="ignore"):
        fill = np.where(dem > 0, 1.0 - (n1 - n0) / dem, 1.0)
    return PolicyMetrics.priced(oh, n1, fill, ready, mu, h, p)


def optimize_base_stock_compound(
    repair_rate: npt.ArrayLike,
    unit_pmf: npt.ArrayLike,
    holding_cost: npt.ArrayLike,
    backorder_cost: npt.ArrayLike,
    *,
    lead_time: npt.ArrayLike = 0,
) -> BaseStockPolicies:
    """Cost-optimal periodic-review base stock for compound Poisson demand.

    ``repair_rate`` repairs per period (Poisson), each using ``k`` units with
    probability ``unit_pmf[k-1]``; the optimum is the critical fractile of the
    demand over ``L + 1`` periods, its metrics computed exactly.

    >>> r = optimize_base_stock_compound(1.0, [0.5, 0.5], 1.0, 9.0)
    >>> int(r.S[0])
    4
    """
    t0 = time.perf_counter()
    prm = _compound_params(repair_rate, holding_cost, backorder_cost, lead_time)
    mu, h, p, L = prm.values()
    u = unit_pmf_table(unit_pmf, len(mu))
    f1, _, _ = _compound_tables(mu, u, L)
    q = p / (p + h)
    cdf = np.cumsum(f1, axis=1)
    S = np.argmax(cdf >= q[:, None] - 1e-15, axis=1).astype(np.float64)
    stats = SolverStats(solver="critical fractile", runtime_s=time.perf_counter() - t0)
    return BaseStockPolicies(
        S,
        _compound_metrics(S, mu, u, h, p, L),
        np.ones(len(S), dtype=bool),
        "compound_poisson/periodic",
        stats,
    )


def evaluate_base_stock_compound(
    S: npt.ArrayLike,
    repair_rate: npt.ArrayLike,
    unit_pmf: npt.ArrayLike,
    holding_cost: npt.ArrayLike,
    backorder_cost: npt.ArrayLike,
    *,
    lead_time: npt.ArrayLike = 0,
) -> PolicyMetrics:
    """Exact metrics of periodic-review base stock under compound Poisson demand.

    The fill rate counts units: a repair needing more units than on hand is
    partly filled (``1 - E[units short per period] / E[units per period]``).
    """
    prm = _compound_params(repair_rate, holding_cost, backorder_cost, lead_time)
    dec, prm = with_params({"S": reals(S, "S")}, prm)
    mu = prm["repair_rate"]
    u = unit_pmf_table(unit_pmf, len(mu))
    return _compound_metrics(
        dec["S"], mu, u, prm["holding_cost"], prm["backorder_cost"], prm["lead_time"]
    )
