"""Periodic-review (s,S) policies: Poisson, compound Poisson or any pmf per period.

Each period starts with a review; a position ``<= s`` is raised to ``S``
(fixed cost ``K``), the order arrives ``L`` periods later, shortages are
backordered, holding ``h`` and backorder ``p`` are charged on the end-of-period
net inventory (Zheng & Federgruen 1991; Snyder & Shen sec. 4.6). The exact
search and the renewal evaluation are the engine in
:mod:`planner.inventory._zheng_federgruen`; this module checks the arguments
and holds the result, :class:`SSPolicies`, which every (s,S)-type optimizer of
the package returns ((R,s,S), normal demand and service targets too). The
power approximation is the classic heuristic for comparison.
"""

from __future__ import annotations

import functools
import logging
import time
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from planner.core.progress import Heartbeat, ProgressCallback
from planner.core.result import SolverStats
from planner.inventory import _zheng_federgruen as zf
from planner.inventory._checks import (
    check_order,
    numbers,
    pmf_table,
    policy_params,
    whole_numbers,
    with_params,
)
from planner.inventory._lattice_demand import LatticeDemand, TableDemand, make_demand
from planner.inventory.policy import Policies, PolicyMetrics

__all__ = [
    "SSPolicies",
    "evaluate_sS",
    "optimize_sS",
    "optimize_sS_discrete",
    "power_approximation_sS",
]

_log = logging.getLogger(__name__)

_POSITIVE_ALL = (
    "demand_mean",
    "demand_sd",
    "holding_cost",
    "backorder_cost",
    "fixed_cost",
)


@dataclass(frozen=True, slots=True, eq=False)
class SSPolicies(Policies):
    """(s,S) policies, one per part, with the inputs they were found for.

    Attributes
    ----------
    s, S
        Reorder point and order-up-to level (int64; float for normal demand,
        multiples of the lattice step).
    cost
        Expected cost per period of ``(s, S)``.
    demand_mean, holding_cost, backorder_cost, fixed_cost, lead_time
        The inputs, broadcast to one length.
    stats
        Solver name and run time.
    unit_pmf, review_period, target_met, demand_sd, step, period_pmf
        Set by the optimizers that use them: units per repair (compound
        Poisson), the review period ((R,s,S)), whether the service target is
        met, the normal demand's standard deviation and lattice step, the
        per-period pmf (any discrete demand).
    """

    s: np.ndarray
    S: np.ndarray
    cost: np.ndarray
    demand_mean: np.ndarray
    holding_cost: np.ndarray
    backorder_cost: np.ndarray
    fixed_cost: np.ndarray
    lead_time: np.ndarray
    stats: SolverStats = field(
        default_factory=lambda: SolverStats(solver="zheng-federgruen", runtime_s=0.0)
    )
    unit_pmf: np.ndarray | None = None
    review_period: np.ndarray | None = None
    target_met: np.ndarray | None = None
    demand_sd: np.ndarray | None = None
    step: np.ndarray | None = None
    period_pmf: np.ndarray | None = None

    _decisions = ("s", "S")
    _inputs = (
        "demand_mean",
        "demand_sd",
        "holding_cost",
        "backorder_cost",
        "fixed_cost",
        "lead_time",
    )

    def __post_init__(self) -> None:
        # normal demand: s and S are real (multiples of the lattice step)
        kind = np.int64 if self.demand_sd is None else np.float64
        n = self._freeze(("s", "S"), kind)
        self._freeze(("target_met",), bool, n)
        self._freeze(
            (
                "cost",
                "demand_mean",
                "holding_cost",
                "backorder_cost",
                "fixed_cost",
                "lead_time",
                "review_period",
                "demand_sd",
                "step",
            ),
            np.float64,
            n,
        )
        self._freeze(("unit_pmf", "period_pmf"), np.float64, n)
        check_order(self.s, self.S, "S")

    def evaluate(self) -> PolicyMetrics:
        """Exact cost and service metrics of these policies (the model they were
        optimized for: see :func:`evaluate_sS`)."""
        s = np.asarray(self.s, dtype=np.float64)
        S = np.asarray(self.S, dtype=np.float64)
        mu, h, p = self.demand_mean, self.holding_cost, self.backorder_cost
        K, L = self.fixed_cost, self.lead_time
        if self.demand_sd is not None:
            step = zf.lattice_step(mu, self.demand_sd, self.step)
            return zf.evaluate_normal(s, S, mu, self.demand_sd, h, p, K, L, step)
        if self.review_period is not None:
            return zf.evaluate_review(s, S, mu, h, p, K, L, self.review_period)
        if self.period_pmf is not None:
            return zf.evaluate(s, S, LatticeDemand(self.period_pmf, L), h, p, K)
        return zf.evaluate(s, S, make_demand(mu, L, self.unit_pmf), h, p, K)


#: the inputs of a per-period (s,S) model, checked
_params = functools.partial(policy_params, "demand_mean")


def optimize_sS(
    demand_mean: npt.ArrayLike,
    holding_cost: npt.ArrayLike,
    backorder_cost: npt.ArrayLike,
    fixed_cost: npt.ArrayLike,
    *,
    lead_time: npt.ArrayLike = 0,
    unit_pmf: npt.ArrayLike | None = None,
    budget_cells: int = 250_000,
    progress: ProgressCallback | None = None,
) -> SSPolicies:
    """Exact cost-optimal periodic-review (s,S) policy per part (Poisson demand).

    Parameters
    ----------
    demand_mean
        Mean demand per period (Poisson), ``>= 0``; a part with no demand gets
        ``s = -1, S = 0`` at cost 0.
    holding_cost, backorder_cost
        ``h`` and ``p`` per unit and period, ``> 0``.
    fixed_cost
        ``K`` per order, ``>= 0``.
    lead_time
        Whole periods, ``>= 0``.
    unit_pmf
        Compound Poisson demand: ``demand_mean`` is then the mean number of
        repairs per period and ``unit_pmf[k-1]`` (or ``unit_pmf[i, k-1]`` per
        part) the probability that a repair uses k units.
    budget_cells
        Size of the padded work arrays per batch (memory knob).
    progress
        Receives :class:`~planner.core.progress.Progress` records (policies
        done of the total) at most every few seconds, and at the end; the
        same lines go to this module's logger.

    Returns
    -------
    SSPolicies
        Arrays ``s``, ``S``, ``cost`` (scalars in give length-1 arrays).

    Examples
    --------
    Snyder & Shen Example 4.7:

    >>> r = optimize_sS(6, 1, 4, 5)
    >>> int(r.s[0]), int(r.S[0]), round(float(r.cost[0]), 4)
    (4, 10, 8.0341)
    """
    t0 = time.perf_counter()
    prm = _params(demand_mean, holding_cost, backorder_cost, fixed_cost, lead_time)
    mu, h, p, K, L = prm.values()
    n = len(mu)
    beat = Heartbeat(_log, "inventory", callback=progress)
    s_out = np.full(n, -1, dtype=np.int64)
    S_out = np.zeros(n, dtype=np.int64)
    c_out = np.zeros(n)
    dem = make_demand(mu, L, unit_pmf)
    live = np.flatnonzero(mu > 0)
    beat("(s,S) policies", done=n - len(live), total=n, force=True)
    if len(live):
        s_l, S_l, c_l = zf.optimize(dem, live, h, p, K, budget_cells, beat, n)
        s_out[live], S_out[live], c_out[live] = s_l, S_l, c_l
    stats = SolverStats(
        solver="zheng-federgruen (box enumeration)",
        runtime_s=time.perf_counter() - t0,
    )
    u = dem.unit_pmf if isinstance(dem, TableDemand) else None
    return SSPolicies(s_out, S_out, c_out, mu, h, p, K, L, stats, u)


def evaluate_sS(
    s: npt.ArrayLike,
    S: npt.ArrayLike,
    demand_mean: npt.ArrayLike,
    holding_cost: npt.ArrayLike,
    backorder_cost: npt.ArrayLike,
    fixed_cost: npt.ArrayLike,
    *,
    lead_time: npt.ArrayLike = 0,
    unit_pmf: npt.ArrayLike | None = None,
    budget_cells: int = 250_000,
) -> PolicyMetrics:
    """Exact cost and service of periodic-review (s,S) policies (Poisson demand).

    The inventory position after ordering takes value ``S - j`` with
    probability ``m(j) / M(S - s)`` (``j < S - s``); net inventory at the end
    of the period ``L`` periods later is that minus ``D_{L+1}``. Fill rate is
    ``1 - E[(D_{L+1} - y)^+ - (D_L - y)^+] / mu`` (units short in the period).
    A part with zero demand has cost 0 and service 1.

    >>> m = evaluate_sS(4, 10, 6, 1, 4, 5)
    >>> round(float(m.cost[0]), 4)
    8.0341
    """
    dec = {"s": whole_numbers(s, "s"), "S": whole_numbers(S, "S")}
    prm = _params(
        demand_mean,
        holding_cost,
        backorder_cost,
        fixed_cost,
        lead_time,
        positive=("holding_cost",),
    )
    dec, prm = with_params(dec, prm)
    check_order(dec["s"], dec["S"], "S")
    mu, h, p, K, L = prm.values()
    dem = make_demand(mu, L, unit_pmf)
    return zf.evaluate(dec["s"], dec["S"], dem, h, p, K, budget_cells)


def optimize_sS_discrete(
    period_pmf: npt.ArrayLike,
    holding_cost: npt.ArrayLike,
    backorder_cost: npt.ArrayLike,
    fixed_cost: npt.ArrayLike,
    *,
    lead_time: npt.ArrayLike = 0,
    budget_cells: int = 250_000,
    progress: ProgressCallback | None = None,
) -> SSPolicies:
    """Exact cost-optimal (s,S) for any demand pmf on 0, 1, 2, ... per period.

    ``period_pmf[i, k]`` = P(part i's demand in a period is k units). Same
    model and search as :func:`optimize_sS` (which is this with Poisson
    rows); the result keeps the pmf, so ``evaluate()`` uses it too.
    ``demand_mean`` of the result is the pmf's mean.

    >>> from scipy.stats import poisson
    >>> r = optimize_sS_discrete(poisson.pmf(np.arange(40), 6.0), 1, 4, 5)
    >>> int(r.s[0]), int(r.S[0]), round(float(r.cost[0]), 4)
    (4, 10, 8.0341)
    """
    t0 = time.perf_counter()
    prm = policy_params(None, None, holding_cost, backorder_cost, fixed_cost, lead_time)
    h, p, K, L = prm.values()
    f = np.atleast_2d(numbers(period_pmf, "period_pmf", finite=False))
    n = max(len(h), f.shape[0])
    h, p, K, L = (np.ascontiguousarray(np.broadcast_to(a, n)) for a in (h, p, K, L))
    f = pmf_table(f, n)
    beat = Heartbeat(_log, "inventory", callback=progress)
    dem = LatticeDemand(f, L)
    s, S, c = zf.optimize(dem, np.arange(n), h, p, K, budget_cells, beat, n)
    stats = SolverStats(
        solver="zheng-federgruen (discrete demand)",
        runtime_s=time.perf_counter() - t0,
    )
    return SSPolicies(s, S, c, dem.mean1, h, p, K, L, stats, period_pmf=f)


def power_approximation_sS(
    demand_mean: npt.ArrayLike,
    demand_sd: npt.ArrayLike,
    holding_cost: npt.ArrayLike,
    backorder_cost: npt.ArrayLike,
    fixed_cost: npt.ArrayLike,
    *,
    lead_time: npt.ArrayLike = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Heuristic (s,S) for normal demand: the revised power approximation.

    Ehrhardt & Mosier (1984), as in Snyder & Shen eqs. (4.77)-(4.80), with
    ``mu_L = (L+1) mu`` and ``sigma_L^2 = (L+1) sigma^2``::

        Q = 1.30 mu^0.494 (K/h)^0.506 (1 + sigma_L^2 / mu^2)^0.116
        z = sqrt(Q h / (sigma_L p))
        s = 0.973 mu_L + sigma_L (0.183 / z + 1.063 - 2.192 z),  S = s + Q

    Not exact (no optimality claim); use :func:`optimize_sS` for Poisson or
    compound Poisson demand. Snyder & Shen Example 4.8:

    >>> s, S = power_approximation_sS(50, 8, 0.18, 0.70, 2.5)
    >>> round(float(s[0]), 2), round(float(S[0]), 2)
    (40.19, 74.29)
    """
    args = (demand_mean, holding_cost, backorder_cost, fixed_cost, lead_time)
    prm = policy_params(
        "demand_mean", *args, demand_sd=demand_sd, positive=_POSITIVE_ALL
    )
    mu, sd, h, p, K, L = prm.values()
    mu_L, sd_L = mu * (L + 1.0), sd * np.sqrt(L + 1.0)
    Q = 1.30 * mu**0.494 * (K / h) ** 0.506 * (1.0 + sd_L**2 / mu**2) ** 0.116
    z = np.sqrt(Q * h / (sd_L * p))
    s = 0.973 * mu_L + sd_L * (0.183 / z + 1.063 - 2.192 * z)
    return s, s + Q
