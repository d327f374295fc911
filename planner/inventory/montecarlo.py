"""Monte-Carlo evaluation of stock policies, vectorized over parts and replications.

:func:`simulate_sS` steps periodic-review (s,S) policies (base stock is
``s = S - 1``) through time for every part and replication at once (numpy
arrays of shape (replications, parts)); demand is Poisson or compound Poisson.
Events within a period follow the analytic model of :mod:`planner.inventory.ss`:
review and order at the start (an order placed at ``t`` arrives at the start of
``t + L``, before that period's demand), then demand, then costs on the
end-of-period net inventory.

:func:`simulate_rQ` replays continuous-review (r,Q) policies event by event
(unit Poisson demand, constant lead time) with time averages.

Every metric comes with a confidence interval over independent replications
(Student t), so an analytic number can be checked against it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy.stats import t as student_t

from planner.core.checks import check_positive_int, readonly
from planner.core.errors import InputError
from planner.core.progress import Heartbeat, ProgressCallback
from planner.core.rng import Seed, as_generator
from planner.inventory._checks import (
    check_order,
    numbers,
    policy_params,
    positive_number,
    unit_pmf_table,
    whole_numbers,
    with_params,
)
from planner.inventory.policy import METRIC_NAMES

__all__ = ["SimulatedMetrics", "simulate_rQ", "simulate_sS"]

_log = logging.getLogger(__name__)

METRICS = METRIC_NAMES


@dataclass(frozen=True, slots=True, eq=False)
class SimulatedMetrics:
    """Per-replication estimates of each metric, shape (n_reps, n_parts).

    ``mean(name)`` and ``ci(name, level)`` summarize over replications.
    """

    values: dict[str, np.ndarray]
    n_periods: int
    seed: int | None = None

    def __post_init__(self) -> None:
        shape = None
        clean = {}
        for k in METRICS:
            if k not in self.values:
                raise InputError(field="values", expected=f"a '{k}' entry")
            a = np.asarray(self.values[k], dtype=np.float64)
            if a.ndim != 2 or (shape is not None and a.shape != shape):
                raise InputError(field=k, expected=f"shape {shape}", got=a.shape)
            shape = a.shape
            clean[k] = readonly(a)
        object.__setattr__(self, "values", clean)

    @property
    def n_reps(self) -> int:
        """Number of independent replications."""
        return int(self.values["cost"].shape[0])

    def mean(self, name: str) -> np.ndarray:
        """Mean over replications, per part."""
        return np.asarray(self.values[name].mean(axis=0))

    def half_width(self, name: str, level: float = 0.95) -> np.ndarray:
        """Half-width of the two-sided ``level`` confidence interval, per part."""
        v = self.values[name]
        se = v.std(axis=0, ddof=1) / np.sqrt(v.shape[0])
        return np.asarray(student_t.ppf(0.5 + level / 2.0, v.shape[0] - 1) * se)

    def to_frame(self, level: float = 0.95) -> pd.DataFrame:
        """Tidy rows ``(part, kpi, mean, ci_low, ci_high, n_reps)``."""
        rows = []
        for k in METRICS:
            m, hw = self.mean(k), self.half_width(k, level)
            rows.append(
                pd.DataFrame(
                    {
                        "part": np.arange(len(m)),
                        "kpi": k,
                        "mean": m,
                        "ci_low": m - hw,
                        "ci_high": m + hw,
                        "n_reps": self.n_reps,
                    }
                )
            )
        return pd.concat(rows, ignore_index=True)

    def summary(self) -> str:
        """One line: parts, replications, periods, mean total cost."""
        return (
            f"SimulatedMetrics: {self.values['cost'].shape[1]} parts x "
            f"{self.n_reps} replications x {self.n_periods} periods, "
            f"cost/period {self.mean('cost').sum():.4f}"
        )

    def __str__(self) -> str:
        return self.summary()


def _demand(
    rng: np.random.Generator,
    mu: np.ndarray,
    shape: tuple[int, int],
    unit_cdf: np.ndarray | None,
    sd: np.ndarray | None = None,
) -> np.ndarray:
    if sd is not None:  # normal demand, censored at 0
        return np.maximum(rng.normal(np.broadcast_to(mu, shape), sd), 0.0)
    n = rng.poisson(np.broadcast_to(mu, shape))
    if unit_cdf is None:
        return n
    # compound: sum of n draws of units per repair; draw max(n) per cell
    kmax = int(n.max()) if n.size else 0
    if kmax == 0:
        return n
    u = rng.random((*shape, kmax))
    units = (u[..., None] > unit_cdf[None, :, None, :]).sum(axis=-1) + 1
    mask = np.arange(kmax)[None, None, :] < n[..., None]
    return (units * mask).sum(axis=-1)


def simulate_sS(
    s: npt.ArrayLike,
    S: npt.ArrayLike,
    demand_mean: npt.ArrayLike,
    holding_cost: npt.ArrayLike,
    backorder_cost: npt.ArrayLike,
    fixed_cost: npt.ArrayLike,
    *,
    lead_time: npt.ArrayLike = 0,
    review_period: npt.ArrayLike = 1,
    unit_pmf: npt.ArrayLike | None = None,
    demand_sd: npt.ArrayLike | None = None,
    n_periods: int = 10_000,
    n_warmup: int = 500,
    n_reps: int = 10,
    seed: Seed = 0,
    progress: ProgressCallback | None = None,
) -> SimulatedMetrics:
    """Simulate periodic-review (s,S) policies for many parts at once.

    ``demand_mean`` is the Poisson mean per period (of repairs when
    ``unit_pmf`` gives the units per repair, compound Poisson); with
    ``demand_sd`` demand is normal instead, ``max(N(mean, sd^2), 0)``, and
    ``s``, ``S`` may be real numbers. With
    ``review_period`` R > 1 the position is reviewed only every R periods
    ((R,s,S); (R,S) is ``s = S - 1``). Returns
    per-replication estimates of every metric of :class:`PolicyMetrics`.
    ``progress`` receives :class:`~planner.core.progress.Progress` records
    (periods done) at most every few seconds; they are also logged.

    >>> sim = simulate_sS(4, 10, 6.0, 1, 4, 5, n_periods=2000, n_reps=4, seed=1)
    >>> bool(abs(sim.mean("cost")[0] - 8.0341) < 0.3)
    True
    """
    n_periods = check_positive_int(n_periods, "n_periods")
    n_warmup = check_positive_int(n_warmup, "n_warmup", minimum=0)
    n_reps = check_positive_int(n_reps, "n_reps", minimum=2)
    if demand_sd is None:
        s_a = whole_numbers(s, "s")
        S_a = whole_numbers(S, "S")
    else:
        s_a = numbers(s, "s", nonneg=False)
        S_a = numbers(S, "S", nonneg=False)
    args = (demand_mean, holding_cost, backorder_cost, fixed_cost, lead_time)
    prm = policy_params(
        "demand_mean",
        *args,
        demand_sd=1.0 if demand_sd is None else demand_sd,
        review_period=review_period,
        positive=(),
    )
    dec, prm = with_params({"s": s_a, "S": S_a}, prm)
    s_b, S_b = dec["s"], dec["S"]
    check_order(s_b, S_b, "S")
    mu, sd_b, h, p, K, L, Rv = prm.values()
    P = len(mu)
    unit_cdf = None
    if unit_pmf is not None:
        u = unit_pmf_table(unit_pmf, P)
        unit_cdf = np.cumsum(u, axis=1)[:, :-1]
    rng = as_generator(seed)
    R = n_reps
    Li = L.astype(np.int64)
    Ri = Rv.astype(np.int64)
    M = int(Li.max()) + 1
    pipe = np.zeros((M, R, P))
    S_i = S_b.astype(np.float64)
    IP = np.broadcast_to(S_i, (R, P)).copy()
    IL = IP.copy()
    acc = {
        k: np.zeros((R, P)) for k in ("hold", "bo", "ready", "short", "dem", "orders")
    }
    cols = np.arange(P)[None, :].repeat(R, 0)
    rows = np.arange(R)[:, None].repeat(P, 1)
    T_all = n_warmup + n_periods
    beat = Heartbeat(_log, "inventory", callback=progress)
    beat("simulated (s,S) periods", done=0, total=T_all, force=True)
    for t in range(T_all):
        beat("simulated (s,S) periods", done=t, total=T_all)
        order = (s_b >= IP) & (t % Ri == 0)
        q = np.where(order, S_i - IP, 0.0)
        IP += q
        pipe[(t + Li)[None, :].repeat(R, 0) % M, rows, cols] += q
        slot = t % M
        IL += pipe[slot]
        pipe[slot] = 0.0
        d = _demand(rng, mu, (R, P), unit_cdf, None if demand_sd is None else sd_b)
        short = d - np.minimum(d, np.maximum(IL, 0.0))
        IL -= d
        IP -= d
        if t >= n_warmup:
            acc["hold"] += np.maximum(IL, 0.0)
            acc["bo"] += np.maximum(-IL, 0.0)
            acc["ready"] += IL >= 0
            acc["short"] += short
            acc["dem"] += d
            acc["orders"] += order
    beat("simulated (s,S) periods", done=T_all, total=T_all, force=True)
    T = float(n_periods)
    on_hand = acc["hold"] / T
    bo = acc["bo"] / T
    with np.errstate(divide="ignore", invalid="ignore"):
        fill = np.where(acc["dem"] > 0, 1.0 - acc["short"] / acc["dem"], 1.0)
    values = {
        "holding_cost": h * on_hand,
        "backorder_cost": p * bo,
        "ordering_cost": K * acc["orders"] / T,
        "fill_rate": fill,
        "ready_rate": acc["ready"] / T,
        "backorders": bo,
        "on_hand": on_hand,
        "order_rate": acc["orders"] / T,
    }
    values["cost"] = (
        values["holding_cost"] + values["backorder_cost"] + values["ordering_cost"]
    )
    return SimulatedMetrics(values, n_periods, seed if isinstance(seed, int) else None)


def simulate_rQ(
    r: npt.ArrayLike,
    Q: npt.ArrayLike,
    demand_rate: npt.ArrayLike,
    holding_cost: npt.ArrayLike,
    backorder_cost: npt.ArrayLike,
    fixed_cost: npt.ArrayLike,
    *,
    lead_time: npt.ArrayLike = 0.0,
    horizon: float = 5_000.0,
    n_reps: int = 10,
    seed: Seed = 0,
    progress: ProgressCallback | None = None,
) -> SimulatedMetrics:
    """Event simulation of continuous-review (r,Q) policies (unit Poisson demand).

    Each replication starts at ``IP = IL = r + Q`` and runs ``horizon`` units of
    time after a warm-up of ``max(10 L, 10 Q / rate)``; net inventory is a step
    function of demand arrivals (``-1``) and order receipts (``+Q``, ``L``
    after the order), integrated exactly. A demand is filled at once iff the
    net inventory just before it is ``>= 1``. Loops over parts and
    replications; each replay is vectorized over its events. ``progress``
    receives :class:`~planner.core.progress.Progress` records (parts done).
    """
    n_reps = check_positive_int(n_reps, "n_reps", minimum=2)
    horizon = positive_number(horizon, "horizon")
    r_a = whole_numbers(r, "r")
    Q_a = whole_numbers(Q, "Q")
    args = (demand_rate, holding_cost, backorder_cost, fixed_cost, lead_time)
    prm = policy_params("demand_rate", *args, whole_lead_time=False, positive=())
    dec, prm = with_params({"r": r_a, "Q": Q_a}, prm)
    r_b, Q_b = dec["r"], dec["Q"]
    lam, h, p, K, L = prm.values()
    P = len(lam)
    rng = as_generator(seed)
    out = {k: np.zeros((n_reps, P)) for k in METRICS}
    beat = Heartbeat(_log, "inventory", callback=progress)
    beat("simulated (r,Q) parts", done=0, total=P, force=True)
    for i in range(P):
        beat("simulated (r,Q) parts", done=i, total=P)
        warm = max(10.0 * L[i], 10.0 * Q_b[i] / max(lam[i], 1e-12))
        T0, T1 = warm, warm + horizon
        for k in range(n_reps):
            n = rng.poisson(lam[i] * T1)
            arr = np.sort(rng.uniform(0.0, T1, n))
            # IP starts at r+Q; the j-th demand (1-based) triggers an order when
            # IP after it hits r: j = Q, 2Q, ...
            q = int(Q_b[i])
            order_t = arr[q - 1 :: q]
            recv_t = order_t + L[i]
            times = np.concatenate([arr, recv_t])
            delta = np.concatenate([-np.ones(n), np.full(len(recv_t), float(q))])
            # receipts at the same instant as a demand come first
            kind = np.concatenate([np.ones(n), np.zeros(len(recv_t))])
            o = np.lexsort((kind, times))
            times, delta, kind = times[o], delta[o], kind[o]
            IL = r_b[i] + q + np.cumsum(delta)
            before = np.concatenate([[r_b[i] + q], IL[:-1]])
            # time integrals over [T0, T1]
            t_edges = np.concatenate([[0.0], times, [T1]])
            level = np.concatenate([[r_b[i] + q], IL])
            seg = np.clip(t_edges[1:], T0, T1) - np.clip(t_edges[:-1], T0, T1)
            on_hand = np.sum(seg * np.maximum(level, 0.0)) / horizon
            bo = np.sum(seg * np.maximum(-level, 0.0)) / horizon
            ready = np.sum(seg * (level >= 0)) / horizon
            dem = (kind == 1) & (times >= T0) & (times < T1)
            fill = np.mean(before[dem] >= 1) if dem.any() else 1.0
            n_orders = np.sum((order_t >= T0) & (order_t < T1))
            out["on_hand"][k, i] = on_hand
            out["backorders"][k, i] = bo
            out["ready_rate"][k, i] = ready
            out["fill_rate"][k, i] = fill
            out["order_rate"][k, i] = n_orders / horizon
    beat("simulated (r,Q) parts", done=P, total=P, force=True)
    out["holding_cost"] = h * out["on_hand"]
    out["backorder_cost"] = p * out["backorders"]
    out["ordering_cost"] = K * out["order_rate"]
    out["cost"] = out["holding_cost"] + out["backorder_cost"] + out["ordering_cost"]
    return SimulatedMetrics(out, int(horizon), seed if isinstance(seed, int) else None)
