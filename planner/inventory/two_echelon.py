"""Two echelons: a central warehouse resupplying outlets, METRIC (Sherbrooke 1968).

Every part ``i`` has base stock ``S0[i]`` at the warehouse and ``S[i, j]`` at
outlet ``j`` (one-for-one replenishment, continuous review). Outlet ``j``
sees Poisson demand at rate ``m[i, j]``; each demand orders one unit from the
warehouse, which ships it after a transit time ``tr[i, j]`` if it has stock
and otherwise when its own replenishment (lead time ``T0[i]`` from the
supplier) arrives.

METRIC approximation: the warehouse pipeline is Poisson(``lambda0 T0``),
``lambda0 = sum_j m[i, j]``, its expected backorders ``EBO0(S0)``; by Little's
law a warehouse order waits ``EBO0 / lambda0`` on average; each outlet
pipeline is taken as Poisson with mean ``m (tr + EBO0 / lambda0)``. Its known
bias: the outlet pipeline is in truth more variable than Poisson (the waits
at the warehouse are correlated), so METRIC *underestimates* outlet
backorders, most when the warehouse holds some but little stock (Graves
1985); by 20-30 % on the case in ``tests/inventory`` with 5-8 units at
the warehouse.
``evaluate_metric(..., method="vari-metric")`` fits the outlet pipeline by
mean and variance (negative binomial, Sherbrooke 1986) and agrees with the
simulation within its confidence interval there.

:func:`optimize_metric` buys one unit at a time, where it removes the most
outlet backorders per unit of money (Sherbrooke's marginal analysis; a
warehouse unit helps every outlet of its part), until the system fill rate
(demand-weighted share of outlet demands served from stock) meets the target
or the budget is spent. :func:`simulate_two_echelon` replays the exact system
(FIFO, constant lead times), vectorized over demands, to check METRIC.
"""

from __future__ import annotations

import heapq
import logging
import time
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy.special import betainc
from scipy.stats import t as student_t

from planner.core.checks import check_fraction, check_positive_int, readonly
from planner.core.errors import InputError
from planner.core.progress import Heartbeat, ProgressCallback
from planner.core.result import SolverStats
from planner.core.rng import Seed, as_generator
from planner.inventory._checks import numbers, positive_number
from planner.inventory._distributions import poisson_cdf, poisson_loss, poisson_loss2

__all__ = [
    "MetricEvaluation",
    "MetricPlan",
    "evaluate_metric",
    "optimize_metric",
    "simulate_two_echelon",
]

_log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True, eq=False)
class MetricEvaluation:
    """METRIC metrics of a two-echelon stock plan.

    Attributes
    ----------
    depot_backorders
        Expected backorders at the warehouse, per part.
    depot_delay
        Expected wait of a warehouse order, per part.
    backorders, fill_rate, ready_rate
        Per part and outlet (shape (parts, outlets)).
    system_fill_rate
        Demand-weighted share of outlet demands served from stock.
    """

    depot_backorders: np.ndarray
    depot_delay: np.ndarray
    backorders: np.ndarray
    fill_rate: np.ndarray
    ready_rate: np.ndarray
    system_fill_rate: float

    def __post_init__(self) -> None:
        for name in (
            "depot_backorders",
            "depot_delay",
            "backorders",
            "fill_rate",
            "ready_rate",
        ):
            object.__setattr__(
                self, name, readonly(np.asarray(getattr(self, name), dtype=float))
            )

    @property
    def total_backorders(self) -> float:
        """Expected backorders over all outlets and parts."""
        return float(self.backorders.sum())


def _inputs(
    demand_rate: npt.ArrayLike,
    depot_lead_time: npt.ArrayLike,
    transit_time: npt.ArrayLike,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    m = numbers(demand_rate, "demand_rate", nonneg=True)
    if m.ndim == 1:
        m = m[None, :]
    if m.ndim != 2:
        raise InputError(
            field="demand_rate", expected="shape (parts, outlets)", got=m.shape
        )
    P, J = m.shape
    T0 = numbers(depot_lead_time, "depot_lead_time", nonneg=True)
    tr = numbers(transit_time, "transit_time", nonneg=True)
    try:
        T0 = np.broadcast_to(np.atleast_1d(T0), (P,)).astype(float)
    except ValueError as e:
        raise InputError(
            field="depot_lead_time", expected=f"a scalar or length {P}", got=T0.shape
        ) from e
    try:
        tr = np.broadcast_to(tr, (P, J)).astype(float)
    except ValueError as e:
        raise InputError(
            field="transit_time",
            expected=f"a scalar, length {J} or shape ({P}, {J})",
            got=tr.shape,
        ) from e
    return m, T0, tr


def _levels(
    x: npt.ArrayLike,
    name: str,
    shape: tuple[int, ...],
    *,
    whole: bool = True,
    positive: bool = False,
) -> np.ndarray:
    """``x`` checked (>= 0, whole numbers unless not ``whole``) and broadcast."""
    a = numbers(x, name, nonneg=True, positive=positive)
    if whole and np.any(a != np.round(a)):
        raise InputError(field=name, expected="whole numbers of units")
    try:
        return np.broadcast_to(a, shape).astype(float)
    except ValueError as e:
        raise InputError(field=name, expected=f"shape {shape}", got=a.shape) from e


def _two_moment(
    S: np.ndarray, mean: np.ndarray, var: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """EBO, P(X <= S-1), P(X <= S) for X with the given mean and variance.

    Poisson when ``var <= mean``, else negative binomial with that mean and
    variance (Sherbrooke's VARI-METRIC fit).
    """
    pois = var <= mean * (1.0 + 1e-12)
    with np.errstate(divide="ignore", invalid="ignore"):
        q = np.where(pois, 1.0, mean / var)  # success probability
        r = np.where(pois, 1.0, mean**2 / (var - mean))
    # nbinom cdf via the regularized incomplete beta: P(X <= k) = I_q(r, k + 1)
    Smax = int(max(S.max(), 0)) + 1
    k = np.arange(Smax)
    shape = (*S.shape, Smax)
    kk = np.broadcast_to(k, shape)
    F_nb = betainc(r[..., None], kk + 1.0, np.broadcast_to(q[..., None], shape))
    F_po = poisson_cdf(kk, np.broadcast_to(mean[..., None], shape))
    F = np.where(pois[..., None], F_po, F_nb)  # P(X <= k), k = 0..Smax-1
    below = np.where(kk < S[..., None], F, 0.0).sum(axis=-1)  # sum_{k<S} F(k)
    ebo = np.maximum(mean - S + below, 0.0)

    def cdf_at(x: np.ndarray) -> np.ndarray:
        xi = np.clip(x, 0, Smax - 1).astype(np.int64)
        v = np.take_along_axis(F, xi[..., None], axis=-1)[..., 0]
        return np.where(x < 0, 0.0, v)

    return ebo, cdf_at(S - 1), cdf_at(S)


def _evaluate(
    S0: np.ndarray,
    S: np.ndarray,
    m: np.ndarray,
    T0: np.ndarray,
    tr: np.ndarray,
    method: str = "metric",
) -> MetricEvaluation:
    lam0 = m.sum(axis=1)
    ebo0 = poisson_loss(S0, lam0 * T0)
    with np.errstate(divide="ignore", invalid="ignore"):
        delay = np.where(lam0 > 0, ebo0 / lam0, 0.0)
    mu = m * (tr + delay[:, None])
    if method == "metric":
        ebo = poisson_loss(S, mu)
        fill = poisson_cdf(S - 1, mu)
        ready = poisson_cdf(S, mu)
    elif method == "vari-metric":
        # Var of warehouse backorders: E[((X - S0)^+)^2] - EBO0^2
        sq = 2.0 * poisson_loss2(S0 + 1.0, lam0 * T0) + ebo0
        vbo0 = np.maximum(sq - ebo0**2, 0.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            f = np.where(lam0[:, None] > 0, m / lam0[:, None], 0.0)
        var = m * tr + f * (1.0 - f) * ebo0[:, None] + f**2 * vbo0[:, None]
        ebo, fill, ready = _two_moment(S, mu, var)
    else:
        raise InputError(
            field="method", expected="'metric' or 'vari-metric'", got=method
        )
    tot = m.sum()
    sys_fill = float((m * fill).sum() / tot) if tot > 0 else 1.0
    return MetricEvaluation(ebo0, delay, ebo, fill, ready, sys_fill)


def evaluate_metric(
    depot_stock: npt.ArrayLike,
    outlet_stock: npt.ArrayLike,
    demand_rate: npt.ArrayLike,
    depot_lead_time: npt.ArrayLike,
    transit_time: npt.ArrayLike,
    *,
    method: str = "metric",
) -> MetricEvaluation:
    """METRIC backorders and fill rates of given base-stock levels.

    ``demand_rate`` has shape (parts, outlets); ``depot_stock`` (parts,);
    ``outlet_stock`` (parts, outlets); lead times per part (warehouse) and per
    outlet or part and outlet (transit). ``method="vari-metric"`` fits the
    outlet pipeline by its mean and variance (negative binomial; Sherbrooke
    1986, Graves 1985), which removes most of METRIC's underestimation.

    >>> e = evaluate_metric(0, [[0, 0]], [[1.0, 1.0]], 1.0, 0.0)
    >>> e.depot_delay.round(4).tolist()  # no stock anywhere: wait = lead time
    [1.0]
    """
    m, T0, tr = _inputs(demand_rate, depot_lead_time, transit_time)
    S0 = _levels(depot_stock, "depot_stock", (m.shape[0],))
    S = _levels(outlet_stock, "outlet_stock", m.shape)
    return _evaluate(S0, S, m, T0, tr, method)


@dataclass(frozen=True, slots=True, eq=False)
class MetricPlan:
    """Two-echelon base-stock plan found by marginal analysis.

    Attributes
    ----------
    depot_stock, outlet_stock
        Levels per part, and per part and outlet.
    evaluation
        Its METRIC metrics.
    investment
        ``sum(unit_cost * stock)`` over both echelons.
    target_met
        Whether the system fill-rate target was reached within the budget.
    curve
        Investment, system fill rate and total backorders after each purchase.
    stats
        Run time and number of purchases.
    """

    depot_stock: np.ndarray
    outlet_stock: np.ndarray
    evaluation: MetricEvaluation
    investment: float
    target_met: bool
    curve: pd.DataFrame
    stats: SolverStats = field(
        default_factory=lambda: SolverStats(solver="metric greedy", runtime_s=0.0)
    )

    def __post_init__(self) -> None:
        for name in ("depot_stock", "outlet_stock"):
            object.__setattr__(
                self, name, readonly(np.asarray(getattr(self, name), dtype=float))
            )

    def to_frame(self) -> pd.DataFrame:
        """One row per part and location (``location = -1`` is the warehouse)."""
        P, J = self.outlet_stock.shape
        ev = self.evaluation
        depot = pd.DataFrame(
            {
                "part": np.arange(P),
                "location": -1,
                "stock": self.depot_stock,
                "backorders": ev.depot_backorders,
                "fill_rate": np.nan,
            }
        )
        outlets = pd.DataFrame(
            {
                "part": np.repeat(np.arange(P), J),
                "location": np.tile(np.arange(J), P),
                "stock": self.outlet_stock.ravel(),
                "backorders": ev.backorders.ravel(),
                "fill_rate": ev.fill_rate.ravel(),
            }
        )
        return pd.concat([depot, outlets], ignore_index=True)

    def summary(self) -> str:
        """One line: stock split, investment, service."""
        return (
            f"MetricPlan: {self.outlet_stock.shape[0]} parts x "
            f"{self.outlet_stock.shape[1]} outlets, warehouse stock "
            f"{self.depot_stock.sum():.0f}, outlet stock {self.outlet_stock.sum():.0f}, "
            f"investment {self.investment:.2f}, system fill rate "
            f"{self.evaluation.system_fill_rate:.4f}, outlet backorders "
            f"{self.evaluation.total_backorders:.4f}, target met {self.target_met}"
        )

    def __str__(self) -> str:
        return self.summary()


def optimize_metric(
    demand_rate: npt.ArrayLike,
    unit_cost: npt.ArrayLike,
    depot_lead_time: npt.ArrayLike,
    transit_time: npt.ArrayLike,
    *,
    target_fill_rate: float,
    budget: float | None = None,
    max_purchases: int = 10_000_000,
    method: str = "metric",
    progress: ProgressCallback | None = None,
) -> MetricPlan:
    """Greedy METRIC allocation for a system fill-rate target (or a budget).

    Each step buys the unit (at the warehouse or an outlet, any part) with the
    largest reduction of total expected outlet backorders per unit of money,
    until the demand-weighted outlet fill rate reaches ``target_fill_rate``
    or the next purchase would exceed ``budget``. Reaching neither is
    reported in ``target_met`` (never relaxed). ``method="vari-metric"``
    evaluates every step with the two-moment approximation. A warehouse unit
    can help little alone and much with others (backorders are not convex in
    the warehouse level), so the greedy is a heuristic, as in Sherbrooke.
    ``progress`` receives :class:`~planner.core.progress.Progress` records
    (purchases, best fill rate) at most every few seconds; also logged.

    >>> p = optimize_metric([[1.0, 0.5]], [10.0], 2.0, 0.5, target_fill_rate=0.9)
    >>> p.target_met, p.evaluation.system_fill_rate >= 0.9
    (True, True)
    """
    t0 = time.perf_counter()
    m, T0, tr = _inputs(demand_rate, depot_lead_time, transit_time)
    P, J = m.shape
    c = _levels(unit_cost, "unit_cost", (P,), whole=False, positive=True)
    t = numbers(target_fill_rate, "target_fill_rate")
    target = check_fraction(t.item() if t.ndim == 0 else t, "target_fill_rate")
    max_purchases = check_positive_int(max_purchases, "max_purchases", minimum=0)
    b = np.inf if budget is None else float(numbers(budget, "budget", nonneg=True))
    if method not in ("metric", "vari-metric"):
        raise InputError(
            field="method", expected="'metric' or 'vari-metric'", got=method
        )
    S0 = np.zeros(P)
    S = np.zeros((P, J))
    lam0 = m.sum(axis=1)
    tot = m.sum()

    def part_eval(i: int, s0: float, row: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Outlet EBO and fill rates of part i at warehouse stock s0, levels row."""
        e = _evaluate(
            np.array([s0]),
            row[None, :],
            m[i : i + 1],
            T0[i : i + 1],
            tr[i : i + 1],
            method,
        )
        return e.backorders[0], e.fill_rate[0]

    ebo_all = np.zeros((P, J))
    fill_all = np.zeros((P, J))
    for i in range(P):
        ebo_all[i], fill_all[i] = part_eval(i, 0.0, S[i])
    fill_sum = float((m * fill_all).sum())

    def best_move(i: int) -> tuple[float, int]:
        """Largest EBO reduction per money for part i; move -1 = warehouse."""
        if lam0[i] <= 0:
            return 0.0, -2
        up, _ = part_eval(i, S0[i], S[i] + 1.0)  # outlets are independent given S0
        gain_out = ebo_all[i] - up
        j = int(np.argmax(gain_out))
        g = float(gain_out[j])
        ebo_new, _ = part_eval(i, S0[i] + 1.0, S[i])
        g0 = float(ebo_all[i].sum() - ebo_new.sum())
        if g0 > g:
            return g0 / c[i], -1
        return g / c[i], j

    heap: list[tuple[float, int, int]] = []
    for i in range(P):
        r, j = best_move(i)
        if r > 0:
            heap.append((-r, i, j))
    heapq.heapify(heap)
    spent = 0.0
    steps = 0
    curve = {"investment": [0.0], "system_fill_rate": [fill_sum / tot if tot else 1.0]}
    curve["backorders"] = [float(ebo_all.sum())]
    beat = Heartbeat(_log, "inventory", callback=progress)
    beat("METRIC purchases", done=0, best=curve["system_fill_rate"][0], force=True)
    while heap and (tot == 0 or fill_sum / tot < target) and steps < max_purchases:
        beat("METRIC purchases", done=steps, best=fill_sum / tot if tot else 1.0)
        _, i, j = heapq.heappop(heap)
        if spent + c[i] > b + 1e-9:
            continue  # part i no longer fits the budget
        old_fill = float((m[i] * fill_all[i]).sum())
        if j == -1:
            S0[i] += 1
        else:
            S[i, j] += 1
        ebo_all[i], fill_all[i] = part_eval(i, S0[i], S[i])
        fill_sum += float((m[i] * fill_all[i]).sum()) - old_fill
        spent += c[i]
        steps += 1
        curve["investment"].append(spent)
        curve["system_fill_rate"].append(fill_sum / tot)
        curve["backorders"].append(float(ebo_all.sum()))
        r, j2 = best_move(i)
        if r > 0:
            heapq.heappush(heap, (-r, i, j2))
    ev = _evaluate(S0, S, m, T0, tr, method)
    beat("METRIC purchases", done=steps, best=ev.system_fill_rate, force=True)
    stats = SolverStats(
        solver=f"{method} marginal analysis",
        runtime_s=time.perf_counter() - t0,
        n_iterations=steps,
    )
    return MetricPlan(
        S0,
        S,
        ev,
        spent,
        bool(ev.system_fill_rate >= target),
        pd.DataFrame(curve),
        stats,
    )


def simulate_two_echelon(
    depot_stock: float,
    outlet_stock: npt.ArrayLike,
    demand_rate: npt.ArrayLike,
    depot_lead_time: float,
    transit_time: npt.ArrayLike,
    *,
    horizon: float = 20_000.0,
    n_reps: int = 10,
    seed: Seed = 0,
    progress: ProgressCallback | None = None,
) -> pd.DataFrame:
    """Exact replay of one part's two-echelon system; backorders with 95 % CI.

    FIFO everywhere and constant lead times make the replay closed-form: the
    warehouse serves its k-th request at ``max(a_k, a_{k-S0} + T0)`` (the
    unit ordered for request ``k - S0``); outlet ``j`` serves its n-th demand
    at ``max(b_n, R_{n-S_j})`` where ``R_m`` is when the unit for its m-th
    demand arrives. Time-average backorders follow from the waits (Little).

    Returns one row per outlet: ``backorders`` and ``fill_rate`` means, their
    CI half-widths, and the warehouse's in a last row (``outlet = -1``).
    ``progress`` receives :class:`~planner.core.progress.Progress` records
    (replications done).
    """
    n_reps = check_positive_int(n_reps, "n_reps", minimum=2)
    horizon = positive_number(horizon, "horizon")
    m = np.atleast_1d(numbers(demand_rate, "demand_rate", nonneg=True))
    J = len(m)
    S = _levels(outlet_stock, "outlet_stock", (J,)).astype(np.int64)
    tr = _levels(transit_time, "transit_time", (J,), whole=False)
    s0 = int(_levels(depot_stock, "depot_stock", (1,))[0])
    T0 = float(numbers(depot_lead_time, "depot_lead_time", nonneg=True))
    rng = as_generator(seed)
    warm = 10.0 * (T0 + float(tr.max()) + 1.0)
    T1 = warm + horizon
    lam0 = float(m.sum())
    bo = np.zeros((n_reps, J + 1))
    fill = np.ones((n_reps, J + 1))
    beat = Heartbeat(_log, "inventory", callback=progress)
    for k in range(n_reps):
        beat("two-echelon replications", done=k, total=n_reps, force=k == 0)
        n = rng.poisson(lam0 * T1)
        a = np.sort(rng.uniform(0.0, T1, n))
        who = rng.choice(J, size=n, p=m / lam0)
        ready0 = np.full(n, -np.inf)
        if s0 < n:
            ready0[s0:] = a[: n - s0] + T0
        ship = np.maximum(a, ready0)
        in_w = (a >= warm) & (a < T1)
        bo[k, J] = np.sum((ship - a)[in_w]) / horizon
        fill[k, J] = np.mean(ship[in_w] <= a[in_w]) if in_w.any() else 1.0
        for j in range(J):
            sel = who == j
            b_t = a[sel]
            R = ship[sel] + tr[j]
            nj = len(b_t)
            avail = np.full(nj, -np.inf)
            if S[j] < nj:
                avail[S[j] :] = R[: nj - S[j]]
            served = np.maximum(b_t, avail)
            w = (b_t >= warm) & (b_t < T1)
            bo[k, j] = np.sum((served - b_t)[w]) / horizon
            fill[k, j] = np.mean(served[w] <= b_t[w]) if w.any() else 1.0
    beat("two-echelon replications", done=n_reps, total=n_reps, force=True)
    tq = student_t.ppf(0.975, n_reps - 1)
    se_b = bo.std(axis=0, ddof=1) / np.sqrt(n_reps)
    se_f = fill.std(axis=0, ddof=1) / np.sqrt(n_reps)
    return pd.DataFrame(
        {
            "outlet": [*range(J), -1],
            "backorders": bo.mean(axis=0),
            "backorders_hw": tq * se_b,
            "fill_rate": fill.mean(axis=0),
            "fill_rate_hw": tq * se_f,
            "n_reps": n_reps,
        }
    )
