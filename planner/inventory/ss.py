"""Periodic-review (s,S) policies under Poisson demand with a lead time.

Model (Zheng & Federgruen 1991; Snyder & Shen, *Fundamentals of Supply Chain
Theory*, sec. 4.6): each period starts with a review of the inventory position
``IP``; if ``IP <= s`` an order raises it to ``S`` (fixed cost ``K``); the order
arrives ``L`` periods later; demand ``D ~ Poisson(mu)`` per period is
backordered when short; holding ``h`` and backorder ``p`` are charged on the
net inventory at the end of each period. With ``G(y) = E[h (y - D_{L+1})^+ +
p (D_{L+1} - y)^+]`` (``D_{L+1}`` the demand over ``L + 1`` periods),

    c(s, S) = (K + sum_{j=0}^{S-s-1} m(j) G(S-j)) / M(S-s),

where ``m`` is the renewal mass function of one period's demand
(``m(0) = 1/(1-f(0))``, ``m(j) = m(0) sum_{l=1}^{j} f(l) m(j-l)``) and
``M(n) = sum_{j<n} m(j)`` is the expected length of an order cycle.

Optimization uses the Zheng-Federgruen bounds: an optimal policy has
``s* < y* <= S*`` (``y*`` the minimizer of ``G``) and ``G(y) <= c*`` on
``s*+1 .. S*``. An upper bound ``c_u >= c*`` thus confines ``s*+1`` and ``S*``
to the level set ``{y : G(y) <= c_u}``; every (s,S) in that box is then
evaluated at once (a cumulative sum over ``j`` for all ``S``), vectorized over
parts in padded batches of similar size. The minimum over the box is the exact
optimum.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import fft as sp_fft

from planner.core.checks import readonly
from planner.core.errors import InputError
from planner.core.result import SolverStats
from planner.inventory._common import (
    batches_by_size,
    broadcast_params,
    poisson_cdf,
    poisson_loss,
    poisson_pmf,
    poisson_quantile,
    whole_numbers,
)
from planner.inventory.base_stock import _unit_pmf, compound_poisson_pmf
from planner.inventory.metrics import PolicyMetrics

__all__ = [
    "SSPolicies",
    "evaluate_RsS",
    "evaluate_sS",
    "newsvendor_cost_poisson",
    "optimize_RsS",
    "optimize_sS",
    "power_approximation_sS",
]

_TOL = 1e-12


def newsvendor_cost_poisson(
    y: npt.ArrayLike, lam: npt.ArrayLike, h: npt.ArrayLike, p: npt.ArrayLike
) -> np.ndarray:
    """``G(y) = E[h (y - D)^+ + p (D - y)^+]`` for ``D ~ Poisson(lam)``.

    >>> round(float(newsvendor_cost_poisson(6, 6.0, 1.0, 4.0)), 6)
    4.818694
    """
    y = np.asarray(y, dtype=np.float64)
    lam = np.asarray(lam, dtype=np.float64)
    h = np.asarray(h, dtype=np.float64)
    p = np.asarray(p, dtype=np.float64)
    return h * (y - lam) + (h + p) * poisson_loss(y, lam)


class _PoissonDemand:
    """Poisson demand per period (mean ``mu``), lead time ``L`` periods."""

    def __init__(self, mu: np.ndarray, L: np.ndarray) -> None:
        self.mu = mu
        self.L = L

    def period_mean(self, idx: np.ndarray) -> np.ndarray:
        return self.mu[idx]

    def mean(self, idx: np.ndarray, extra: int, y: np.ndarray) -> np.ndarray:
        """Mean demand over ``L + extra`` periods, shaped to broadcast with y."""
        m = self.mu[idx] * (self.L[idx] + extra)
        return m[:, None] if y.ndim == 2 else m

    def loss(self, idx: np.ndarray, y: np.ndarray, extra: int = 1) -> np.ndarray:
        return poisson_loss(y, self.mean(idx, extra, y))

    def cdf(self, idx: np.ndarray, y: np.ndarray, extra: int = 1) -> np.ndarray:
        return poisson_cdf(y, self.mean(idx, extra, y))

    def quantile(self, q: np.ndarray, idx: np.ndarray) -> np.ndarray:
        return poisson_quantile(q, self.mu[idx] * (self.L[idx] + 1))

    def period_pmf(self, idx: np.ndarray, n: int) -> np.ndarray:
        mu = self.mu[idx]
        lmax = (
            int(np.ceil(mu.max() + 12.0 * np.sqrt(mu.max()) + 12.0)) if len(mu) else 1
        )
        lmax = min(lmax, n)
        return poisson_pmf(np.arange(lmax + 1)[None, :], mu[:, None])


class _TableDemand:
    """Compound Poisson demand from pmf tables (Panjer), lead time ``L``.

    ``rate`` repairs per period, ``unit_pmf[:, k-1]`` = P(k units per repair).
    Tables hold the pmf of demand over 1, ``L`` and ``L + 1`` periods on a
    common support; the mass beyond it (< 1e-12) is ignored.
    """

    def __init__(self, rate: np.ndarray, unit_pmf: np.ndarray, L: np.ndarray) -> None:
        k = unit_pmf.shape[1]
        units = np.arange(1, k + 1)[None, :]
        eu = (unit_pmf * units).sum(axis=1)
        ev2 = (unit_pmf * units**2).sum(axis=1)
        self.unit_mean = eu
        self.rate = rate
        self.unit_pmf = unit_pmf
        lam1 = rate * (L + 1.0)
        n = int(np.ceil((lam1 * eu + 15.0 * np.sqrt(lam1 * ev2) + 5 * k + 20).max()))
        self.n = n
        self.pmf = {
            0: compound_poisson_pmf(rate * L, unit_pmf, n),
            1: compound_poisson_pmf(lam1, unit_pmf, n),
        }
        self.period = compound_poisson_pmf(rate, unit_pmf, n)
        self.cdf_t = {e: np.cumsum(f, axis=1) for e, f in self.pmf.items()}
        # C(y) = sum_{x<y} F(x) = E[(y - X)^+] for y = 0..n
        self.C = {
            e: np.concatenate([np.zeros((len(rate), 1)), np.cumsum(F, axis=1)], axis=1)
            for e, F in self.cdf_t.items()
        }
        self.L = L

    def period_mean(self, idx: np.ndarray) -> np.ndarray:
        return self.rate[idx] * self.unit_mean[idx]

    def _rows(self, idx: np.ndarray, y: np.ndarray) -> np.ndarray:
        return idx[:, None] if y.ndim == 2 else idx

    def loss(self, idx: np.ndarray, y: np.ndarray, extra: int = 1) -> np.ndarray:
        m = self.rate[idx] * (self.L[idx] + extra) * self.unit_mean[idx]
        m = m[:, None] if y.ndim == 2 else m
        yc = np.clip(y, 0, self.n).astype(np.int64)
        C = self.C[extra][self._rows(idx, y), yc] + np.maximum(y - self.n, 0)
        C = np.where(y <= 0, 0.0, C)
        return np.maximum(m - y + C, np.maximum(m - y, 0.0))

    def cdf(self, idx: np.ndarray, y: np.ndarray, extra: int = 1) -> np.ndarray:
        yc = np.clip(y, 0, self.n - 1).astype(np.int64)
        F = self.cdf_t[extra][self._rows(idx, y), yc]
        return np.where(y < 0, 0.0, np.where(y >= self.n, 1.0, F))

    def quantile(self, q: np.ndarray, idx: np.ndarray) -> np.ndarray:
        F = self.cdf_t[1][idx]
        return np.argmax(q[:, None] - 1e-15 <= F, axis=1).astype(np.float64)

    def period_pmf(self, idx: np.ndarray, n: int) -> np.ndarray:
        return self.period[idx, : min(n, self.n - 1) + 1]


class _ReviewDemand:
    """Poisson demand reviewed every ``R`` periods: one step is one review cycle.

    Demand per step is Poisson(R mu); the cost charged for a position y is the
    sum over the cycle's periods of ``G_{L+k}(y)``, k = 1..R.
    """

    def __init__(self, mu: np.ndarray, L: np.ndarray, R: np.ndarray) -> None:
        self.mu = mu
        self.L = L
        self.R = R

    def period_mean(self, idx: np.ndarray) -> np.ndarray:
        return self.mu[idx] * self.R[idx]

    def _lam(self, idx: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Means mu (L + k) for k = 1..R_max (trailing axis) and the k mask."""
        Rm = int(self.R[idx].max())
        k = np.arange(1, Rm + 1)
        lam = self.mu[idx, None] * (self.L[idx, None] + k[None, :])  # (B, Rm)
        use = k[None, :] <= self.R[idx, None]
        if y.ndim == 2:
            return lam[:, None, :], use[:, None, :]
        return lam, use

    def G(
        self, idx: np.ndarray, y: np.ndarray, hh: np.ndarray, pp: np.ndarray
    ) -> np.ndarray:
        lam, use = self._lam(idx, y)
        yk = y[..., None]
        g = hh[..., None] * (yk - lam) + (hh + pp)[..., None] * poisson_loss(yk, lam)
        return np.where(use, g, 0.0).sum(axis=-1)

    def avg(self, idx: np.ndarray, y: np.ndarray, fn: str) -> np.ndarray:
        """Mean over the cycle's periods of ``loss`` or ``cdf`` at ``y``."""
        lam, use = self._lam(idx, y)
        yk = y[..., None]
        v = poisson_loss(yk, lam) if fn == "loss" else poisson_cdf(yk, lam)
        R = self.R[idx][:, None] if y.ndim == 2 else self.R[idx]
        return np.where(use, v, 0.0).sum(axis=-1) / R

    def quantile(self, q: np.ndarray, idx: np.ndarray) -> np.ndarray:
        """Minimizer of G: smallest y with the mean cdf over the cycle >= q."""
        lo = poisson_quantile(q, self.mu[idx] * (self.L[idx] + 1.0)) - 1.0
        hi = poisson_quantile(q, self.mu[idx] * (self.L[idx] + self.R[idx]))
        lo = np.minimum(lo, hi - 1.0)
        while np.any(hi - lo > 1):
            mid = np.floor((lo + hi) / 2.0)
            open_ = hi - lo > 1
            good = self.avg(idx, mid, "cdf") >= q
            hi = np.where(open_ & good, mid, hi)
            lo = np.where(open_ & ~good, mid, lo)
        return hi

    def period_pmf(self, idx: np.ndarray, n: int) -> np.ndarray:
        lam = self.mu[idx] * self.R[idx]
        lmax = int(np.ceil(lam.max() + 12.0 * np.sqrt(lam.max()) + 12.0))
        lmax = min(lmax, n)
        return poisson_pmf(np.arange(lmax + 1)[None, :], lam[:, None])


class _LatticeDemand:
    """Demand on the lattice 0, 1, 2, ... from a per-period pmf table.

    Row ``i`` of ``period_pmf`` is one part's pmf of demand per period in
    lattice units (an empirical distribution, or a continuous one discretized
    with a step, see :mod:`planner.inventory.ss_normal`). The pmf over ``L``
    and ``L + 1`` periods are convolution powers (FFT). Positions may be
    fractional: the loss ``E[(X - y)^+]`` of a lattice variable is linear
    between integers, so interpolating it is exact, and the cdf steps.
    """

    def __init__(
        self, period_pmf: np.ndarray, L: np.ndarray, continuous: bool = False
    ) -> None:
        self.continuous = continuous
        f = np.asarray(period_pmf, dtype=np.float64)
        f = f / f.sum(axis=1, keepdims=True)
        B, n1 = f.shape
        self.L = L
        self.period = f
        self.mean1 = f @ np.arange(n1, dtype=np.float64)
        Li = L.astype(np.int64)
        Lmax = int(Li.max()) if B else 0
        n = (Lmax + 1) * (n1 - 1) + 1
        size = sp_fft.next_fast_len(n, real=True)
        F = sp_fft.rfft(f, size, axis=1)
        powers = {0: np.ones_like(F)}
        P = np.ones_like(F)
        for k in range(1, Lmax + 2):
            P = P * F
            powers[k] = P
        Fl = np.empty_like(F)
        Fl1 = np.empty_like(F)
        for k in np.unique(Li):
            rows = Li == k
            Fl[rows] = powers[int(k)][rows]
            Fl1[rows] = powers[int(k) + 1][rows]
        self.n = n
        self.pmf: dict[int, np.ndarray] = {}
        self.cdf_t: dict[int, np.ndarray] = {}
        self.C: dict[int, np.ndarray] = {}
        for e, spec in ((0, Fl), (1, Fl1)):
            g = np.clip(sp_fft.irfft(spec, size, axis=1)[:, :n], 0.0, None)
            g /= g.sum(axis=1, keepdims=True)
            cdf = np.minimum(np.cumsum(g, axis=1), 1.0)
            self.pmf[e] = g
            self.cdf_t[e] = cdf
            # C(y) = E[(y - X)^+] = sum_{x<y} F(x) for y = 0..n
            self.C[e] = np.concatenate([np.zeros((B, 1)), np.cumsum(cdf, axis=1)], 1)

    def period_mean(self, idx: np.ndarray) -> np.ndarray:
        return self.mean1[idx]

    def _C(self, e: int, rows: np.ndarray, k: np.ndarray) -> np.ndarray:
        kc = np.clip(k, 0, self.n).astype(np.int64)
        C = self.C[e][rows, kc] + np.maximum(k - self.n, 0.0)
        return np.where(k <= 0, 0.0, C)

    def loss(self, idx: np.ndarray, y: np.ndarray, extra: int = 1) -> np.ndarray:
        m = self.mean1[idx] * (self.L[idx] + extra)
        m = m[:, None] if y.ndim == 2 else m
        rows = idx[:, None] if y.ndim == 2 else idx
        y = np.asarray(y, dtype=np.float64)
        k = np.floor(y)
        t = y - k
        C = (1.0 - t) * self._C(extra, rows, k) + t * self._C(extra, rows, k + 1.0)
        return np.maximum(m - y + C, np.maximum(m - y, 0.0))

    def _F(self, e: int, rows: np.ndarray, k: np.ndarray) -> np.ndarray:
        kc = np.clip(k, 0, self.n - 1).astype(np.int64)
        F = self.cdf_t[e][rows, kc]
        return np.where(k < 0, 0.0, np.where(k >= self.n - 1, 1.0, F))

    def cdf(self, idx: np.ndarray, y: np.ndarray, extra: int = 1) -> np.ndarray:
        """``P(X <= y)``; for a discretized continuous demand (``continuous``)
        the lattice cdf at ``k`` stands for the continuous one at ``k + 1/2``
        and is interpolated (a continuity correction)."""
        rows = idx[:, None] if y.ndim == 2 else idx
        y = np.asarray(y, dtype=np.float64)
        if not self.continuous:
            return self._F(extra, rows, np.floor(y))
        u = y - 0.5
        k = np.floor(u)
        t = u - k
        return (1.0 - t) * self._F(extra, rows, k) + t * self._F(extra, rows, k + 1.0)

    def quantile(self, q: np.ndarray, idx: np.ndarray) -> np.ndarray:
        F = self.cdf_t[1][idx]
        return np.argmax(q[:, None] - 1e-15 <= F, axis=1).astype(np.float64)

    def period_pmf(self, idx: np.ndarray, n: int) -> np.ndarray:
        return self.period[idx, : min(n, self.period.shape[1] - 1) + 1]


Demand = _PoissonDemand | _TableDemand | _ReviewDemand | _LatticeDemand


def _G(
    dem: Demand, idx: np.ndarray, y: np.ndarray, h: np.ndarray, p: np.ndarray
) -> np.ndarray:
    """Expected holding + backorder cost charged for position ``y`` (parts idx).

    One period's ``E[h (y - D_{L+1})^+ + p (D_{L+1} - y)^+]``, or for a review
    demand the sum over the R periods of a review cycle.
    """
    hh, pp = h[idx], p[idx]
    if y.ndim == 2:
        hh, pp = hh[:, None], pp[:, None]
    if isinstance(dem, _ReviewDemand):
        return dem.G(idx, y, hh, pp)
    m = dem.period_mean(idx) * (dem.L[idx] + 1.0)
    m = m[:, None] if y.ndim == 2 else m
    return hh * (y - m) + (hh + pp) * dem.loss(idx, y)


def _bounds(
    dem: Demand, idx: np.ndarray, cu: np.ndarray, h: np.ndarray, p: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """An interval of y holding the level set ``{G(y) <= cu}``.

    ``G(y) >= h (y - E D)`` and ``G(y) >= p (E D - y)``, summed over the
    periods of a review cycle.
    """
    hh, pp = h[idx], p[idx]
    if isinstance(dem, _ReviewDemand):
        mu, L, R = dem.mu[idx], dem.L[idx], dem.R[idx]
        return mu * (L + 1.0) - cu / (R * pp), mu * (L + R) + cu / (R * hh)
    m = dem.period_mean(idx) * (dem.L[idx] + 1.0)
    return m - cu / pp, m + cu / hh


def _renewal(f: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Renewal mass ``m`` (B, n) and cumulative ``M`` (B, n + 1) of pmf rows ``f``.

    ``m(0) = 1 / (1 - f(0))``, ``m(j) = m(0) sum_{l=1}^{j} f(l) m(j - l)``; ``f``
    may be shorter than ``n`` (mass beyond it taken as 0).
    """
    n = max(int(n), 1)
    B = len(f)
    lmax = min(f.shape[1] - 1, n)
    m = np.zeros((B, n))
    m0 = 1.0 / (1.0 - f[:, 0])
    m[:, 0] = m0
    for j in range(1, n):
        k = min(j, lmax)
        # sum_{l=1}^{k} f(l) m(j-l)
        m[:, j] = m0 * np.einsum("bi,bi->b", f[:, 1 : k + 1], m[:, j - k : j][:, ::-1])
    M = np.zeros((B, n + 1))
    np.cumsum(m, axis=1, out=M[:, 1:])
    return m, M


def _demand(
    mu: np.ndarray, L: np.ndarray, unit_pmf: npt.ArrayLike | None
) -> _PoissonDemand | _TableDemand:
    if unit_pmf is None:
        return _PoissonDemand(mu, L)
    return _TableDemand(mu, np.ascontiguousarray(_unit_pmf(unit_pmf, len(mu))), L)


@dataclass(frozen=True, slots=True, eq=False)
class SSPolicies:
    """Cost-optimal (s,S) policies, one per part.

    Attributes
    ----------
    s, S
        Reorder point and order-up-to level (integers, as int64 arrays).
    cost
        Expected cost per period of ``(s, S)``.
    demand_mean, holding_cost, backorder_cost, fixed_cost, lead_time
        The inputs, broadcast to one length.
    stats
        Solver name and run time.
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

    def __post_init__(self) -> None:
        n = len(np.atleast_1d(self.s))
        if self.target_met is not None:
            met = np.atleast_1d(np.asarray(self.target_met, dtype=bool))
            object.__setattr__(self, "target_met", readonly(met))
        # normal demand: s and S are real (multiples of the lattice step)
        kind = np.int64 if self.demand_sd is None else np.float64
        for name in ("s", "S"):
            a = np.atleast_1d(np.asarray(getattr(self, name), dtype=kind))
            object.__setattr__(self, name, readonly(a))
        for name in ("demand_sd", "step"):
            if getattr(self, name) is not None:
                a = np.atleast_1d(np.asarray(getattr(self, name), dtype=np.float64))
                object.__setattr__(self, name, readonly(a))
        for name in (
            "cost",
            "demand_mean",
            "holding_cost",
            "backorder_cost",
            "fixed_cost",
            "lead_time",
        ):
            a = np.atleast_1d(np.asarray(getattr(self, name), dtype=np.float64))
            object.__setattr__(self, name, readonly(a))
        for name in ("S", "cost", "demand_mean", "lead_time"):
            if len(getattr(self, name)) != n:
                raise InputError(
                    field=name,
                    expected=f"length {n} (as s)",
                    got=len(getattr(self, name)),
                )
        if np.any(self.s >= self.S):
            i = int(np.flatnonzero(self.s >= self.S)[0])
            raise InputError(
                location=f"part {i}", field="S", expected="> s", got=int(self.S[i])
            )

    def __len__(self) -> int:
        return len(self.s)

    def evaluate(self) -> PolicyMetrics:
        """Cost and service metrics of these policies (see :func:`evaluate_sS`)."""
        if self.demand_sd is not None:
            from planner.inventory.ss_normal import evaluate_sS_normal

            return evaluate_sS_normal(
                self.s,
                self.S,
                self.demand_mean,
                self.demand_sd,
                self.holding_cost,
                self.backorder_cost,
                self.fixed_cost,
                lead_time=self.lead_time,
                step=self.step,
            )
        if self.review_period is not None:
            return evaluate_RsS(
                self.s,
                self.S,
                self.demand_mean,
                self.holding_cost,
                self.backorder_cost,
                self.fixed_cost,
                review_period=self.review_period,
                lead_time=self.lead_time,
            )
        return evaluate_sS(
            self.s,
            self.S,
            self.demand_mean,
            self.holding_cost,
            self.backorder_cost,
            self.fixed_cost,
            lead_time=self.lead_time,
            unit_pmf=self.unit_pmf,
        )

    def to_frame(self) -> pd.DataFrame:
        """One row per part: inputs, s, S, cost."""
        sd = {} if self.demand_sd is None else {"demand_sd": self.demand_sd}
        return pd.DataFrame(
            {
                "demand_mean": self.demand_mean,
                **sd,
                "holding_cost": self.holding_cost,
                "backorder_cost": self.backorder_cost,
                "fixed_cost": self.fixed_cost,
                "lead_time": self.lead_time,
                "s": self.s,
                "S": self.S,
                "cost": self.cost,
            }
        )

    def summary(self) -> str:
        """One line: parts, total cost, run time."""
        return (
            f"SSPolicies: {len(self)} parts, total cost/period "
            f"{self.cost.sum():.4f}, {self.stats.runtime_s:.3f} s ({self.stats.solver})"
        )

    def __str__(self) -> str:
        return self.summary()


def _params(
    demand_mean: npt.ArrayLike,
    holding_cost: npt.ArrayLike,
    backorder_cost: npt.ArrayLike,
    fixed_cost: npt.ArrayLike,
    lead_time: npt.ArrayLike,
    positive: tuple[str, ...] = ("holding_cost", "backorder_cost"),
) -> dict[str, np.ndarray]:
    return broadcast_params(
        integer=("lead_time",),
        positive=positive,
        demand_mean=demand_mean,
        holding_cost=holding_cost,
        backorder_cost=backorder_cost,
        fixed_cost=fixed_cost,
        lead_time=lead_time,
    )


def _upper_bound(
    dem: Demand, idx: np.ndarray, h: np.ndarray, p: np.ndarray, K: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(y*, c_u): minimizer of G and an upper bound on the optimal cost.

    ``c(s, S) <= K mu / (S - s) + max(G(s+1), G(S))`` since a cycle lasts at
    least ``(S - s) / mu`` periods on average (Wald) and ``G`` is convex.
    """
    hh, pp, KK = h[idx], p[idx], K[idx]
    mu = dem.period_mean(idx)
    ystar = dem.quantile(pp / (pp + hh), idx)
    eoq = np.sqrt(2.0 * KK * mu / hh)
    best = _G(dem, idx, ystar, h, p) + KK * mu
    for factor in (0.25, 0.5, 1.0, 1.5, 2.0, 3.0):
        d = np.maximum(np.round(factor * eoq), 1.0)
        for shift in (0.5, 0.3, 0.7):
            s = ystar - np.ceil(shift * d)
            S = s + d
            g = np.maximum(_G(dem, idx, s + 1, h, p), _G(dem, idx, S, h, p))
            best = np.minimum(best, KK * mu / d + g)
    return ystar, best


def optimize_sS(
    demand_mean: npt.ArrayLike,
    holding_cost: npt.ArrayLike,
    backorder_cost: npt.ArrayLike,
    fixed_cost: npt.ArrayLike,
    *,
    lead_time: npt.ArrayLike = 0,
    unit_pmf: npt.ArrayLike | None = None,
    budget_cells: int = 250_000,
    progress: Callable[[int, int], None] | None = None,
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
        Called as ``progress(parts_done, n_parts)`` after each batch (for a
        progress bar on catalogue runs).

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
    mu, h, p, K, L = (
        prm["demand_mean"],
        prm["holding_cost"],
        prm["backorder_cost"],
        prm["fixed_cost"],
        prm["lead_time"],
    )
    n = len(mu)
    s_out = np.full(n, -1, dtype=np.int64)
    S_out = np.zeros(n, dtype=np.int64)
    c_out = np.zeros(n)
    dem = _demand(mu, L, unit_pmf)
    live = np.flatnonzero(mu > 0)
    if len(live):
        s_l, S_l, c_l = _optimize(dem, live, h, p, K, budget_cells, progress, n)
        s_out[live], S_out[live], c_out[live] = s_l, S_l, c_l
    stats = SolverStats(
        solver="zheng-federgruen (box enumeration)",
        runtime_s=time.perf_counter() - t0,
    )
    u = dem.unit_pmf if isinstance(dem, _TableDemand) else None
    return SSPolicies(s_out, S_out, c_out, mu, h, p, K, L, stats, u)


def _optimize(
    dem: Demand,
    live: np.ndarray,
    h: np.ndarray,
    p: np.ndarray,
    K: np.ndarray,
    budget: int,
    progress: Callable[[int, int], None] | None = None,
    n_total: int = 0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Optimal (s, S, cost) for parts ``live`` (positive demand)."""
    mu = dem.period_mean(live)
    ystar, cu = _upper_bound(dem, live, h, p, K)
    blo, bhi = _bounds(dem, live, cu * (1.0 + 1e-9) + 1e-9, h, p)
    h, p, K = h[live], p[live], K[live]
    cu = cu * (1.0 + 1e-9) + 1e-9
    # 1) G on a grid wide enough to hold the level set {G <= c_u}
    lo = np.floor(blo) - 1.0
    hi = np.ceil(bhi) + 1.0
    lo = np.minimum(lo, ystar - 1.0)
    hi = np.maximum(hi, ystar + 1.0)
    width = (hi - lo + 1).astype(np.int64)
    n = len(mu)
    hp = np.zeros(len(dem.L))
    pp = np.zeros(len(dem.L))
    hp[live], pp[live] = h, p  # full-length, for _G
    a = np.empty(n)
    b = np.empty(n)
    eoq = np.maximum(np.sqrt(2.0 * K * mu / h * (h + p) / p), 1.0)
    for idx in batches_by_size(width, budget):
        B = len(idx)
        W = int(width[idx].max())
        y = lo[idx, None] + np.arange(W)[None, :]
        G = _G(dem, live[idx], y, hp, pp)
        G = np.where(np.arange(W)[None, :] < width[idx, None], G, np.inf)
        # tighten c_u with the exact cost of a few windows: the D smallest
        # values of the convex G form the window y = S-D+1 .. S
        order = np.argsort(G, axis=1, kind="stable")
        dc = np.clip(
            np.round(eoq[idx, None] * np.array([0.6, 0.8, 1.0, 1.25, 1.6])[None, :]),
            1,
            width[idx, None],
        ).astype(np.int64)  # (B, C)
        dmax = int(dc.max())
        top = np.maximum.accumulate(order[:, :dmax], axis=1)  # index of S per D
        S_i = np.take_along_axis(top, dc - 1, axis=1)  # (B, C)
        m, M = _renewal(dem.period_pmf(live[idx], dmax), dmax)
        jj = np.arange(dmax)
        gi = S_i[:, :, None] - jj[None, None, :]
        Gw = G[np.arange(B)[:, None, None], np.clip(gi, 0, W - 1)]
        terms = np.where(jj[None, None, :] < dc[:, :, None], Gw * m[:, None, :], 0.0)
        exact = (K[idx, None] + terms.sum(axis=2)) / np.take_along_axis(M, dc, axis=1)
        fits = S_i - dc + 1 >= 0  # the window lies inside the grid
        exact = np.where(np.isfinite(exact) & fits, exact, np.inf)
        c2 = np.minimum(cu[idx], exact.min(axis=1) * (1.0 + 1e-9) + 1e-9)
        cu[idx] = c2
        inside = c2[:, None] >= G
        first = np.argmax(inside, axis=1)
        last = W - 1 - np.argmax(inside[:, ::-1], axis=1)
        a[idx] = lo[idx] + first
        b[idx] = lo[idx] + last
    a = np.minimum(a, ystar)
    b = np.maximum(b, ystar)
    # 2) every (s, S) with a-1 <= s < y* <= S <= b, in padded batches
    nS = (b - ystar + 1).astype(np.int64)
    J = (b - a + 1).astype(np.int64)  # largest S - s
    s_best = np.empty(n, dtype=np.int64)
    S_best = np.empty(n, dtype=np.int64)
    c_best = np.empty(n)
    done = n_total - len(live)  # parts without demand need no work
    for idx in batches_by_size(nS * J, budget):
        nSm = int(nS[idx].max())
        Jm = int(J[idx].max())
        m, M = _renewal(dem.period_pmf(live[idx], Jm), Jm)
        off = (ystar[idx] - a[idx]).astype(np.int64)  # index of y* from a
        # G(a + k) for k in 0..Jm-1
        yk = a[idx, None] + np.arange(Jm)[None, :]
        Gs = _G(dem, live[idx], yk, hp, pp)
        # rows of S in chunks, so one huge part never exceeds the memory budget
        step = max(1, budget // max(len(idx) * Jm, 1))
        best_c = np.full(len(idx), np.inf)
        best_k = np.zeros(len(idx), dtype=np.int64)
        best_j = np.zeros(len(idx), dtype=np.int64)
        j = np.arange(Jm)
        d = j + 1  # Delta = S - s
        rows = np.arange(len(idx))
        for k0 in range(0, nSm, step):
            kS = np.arange(k0, min(nSm, k0 + step))
            gi = off[:, None, None] + kS[None, :, None] - j[None, None, :]
            A = Gs[rows[:, None, None], np.clip(gi, 0, Jm - 1)]
            A = np.where(gi >= 0, A * m[:, None, :], 0.0)
            T = np.cumsum(A, axis=2)
            cost = (K[idx, None, None] + T) / M[:, None, 1:]
            valid = (
                (kS[None, :, None] < nS[idx, None, None])
                & (d[None, None, :] >= kS[None, :, None] + 1)
                & (d[None, None, :] <= kS[None, :, None] + off[:, None, None] + 1)
            )
            flat = np.where(valid, cost, np.inf).reshape(len(idx), -1)
            arg = np.argmin(flat, axis=1)
            c = flat[rows, arg]
            better = c < best_c  # strict: the smallest S wins ties, as before
            k_opt, j_opt = np.divmod(arg, Jm)
            best_c = np.where(better, c, best_c)
            best_k = np.where(better, kS[0] + k_opt, best_k)
            best_j = np.where(better, j_opt, best_j)
        c_best[idx] = best_c
        S_best[idx] = (ystar[idx] + best_k).astype(np.int64)
        s_best[idx] = S_best[idx] - (best_j + 1)
        done += len(idx)
        if progress is not None:
            progress(done, n_total)
    return s_best, S_best, c_best


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
    s_arr = whole_numbers(s, "s")
    S_arr = whole_numbers(S, "S")
    prm = _params(
        demand_mean,
        holding_cost,
        backorder_cost,
        fixed_cost,
        lead_time,
        positive=("holding_cost",),
    )
    mu, h, p, K, L = (
        prm["demand_mean"],
        prm["holding_cost"],
        prm["backorder_cost"],
        prm["fixed_cost"],
        prm["lead_time"],
    )
    try:
        s_b, S_b, *rest = np.broadcast_arrays(s_arr, S_arr, mu, h, p, K, L)
    except ValueError as e:
        raise InputError(
            field="s, S", expected="the same length as the parameters", got=len(s_arr)
        ) from e
    mu, h, p, K, L = rest
    if np.any(S_b <= s_b):
        i = int(np.flatnonzero(S_b <= s_b)[0])
        raise InputError(
            location=f"part {i}", field="S", expected="> s", got=float(S_b[i])
        )
    mu, h, p, K, L = (np.ascontiguousarray(a) for a in (mu, h, p, K, L))
    return _evaluate(s_b, S_b, _demand(mu, L, unit_pmf), h, p, K, budget_cells)


def _evaluate(
    s: np.ndarray,
    S: np.ndarray,
    dem: _PoissonDemand | _TableDemand | _LatticeDemand,
    h: np.ndarray,
    p: np.ndarray,
    K: np.ndarray,
    budget: int,
) -> PolicyMetrics:
    n = len(s)
    allidx = np.arange(n)
    mu = dem.period_mean(allidx)
    out: dict[str, np.ndarray] = {
        k: np.zeros(n)
        for k in (
            "holding_cost",
            "ordering_cost",
            "backorder_cost",
            "backorders",
            "on_hand",
            "order_rate",
        )
    }
    out["fill_rate"] = np.ones(n)
    out["ready_rate"] = np.ones(n)
    live = np.flatnonzero(mu > 0)
    dead = np.flatnonzero(mu == 0)
    # no demand: the position stays where it starts (take S) and no order is placed
    out["on_hand"][dead] = np.maximum(S[dead], 0.0)
    out["holding_cost"][dead] = h[dead] * out["on_hand"][dead]
    delta = np.rint(S - s).astype(np.int64)
    for idx in batches_by_size(np.maximum(delta[live], 1), budget):
        idx = live[idx]
        Jm = int(delta[idx].max())
        m, M = _renewal(dem.period_pmf(idx, Jm), Jm)
        j = np.arange(Jm)[None, :]
        Md = M[np.arange(len(idx)), delta[idx]]
        w = np.where(j < delta[idx, None], m, 0.0) / Md[:, None]
        y = S[idx, None] - j
        mean1 = (mu[idx] * (dem.L[idx] + 1.0))[:, None]
        n1 = dem.loss(idx, y, 1)
        n0 = dem.loss(idx, y, 0)
        bo = (w * n1).sum(axis=1)
        oh = (w * (y - mean1 + n1)).sum(axis=1)
        rr = (w * dem.cdf(idx, y, 1)).sum(axis=1)
        short = (w * (n1 - n0)).sum(axis=1)
        out["backorders"][idx] = bo
        out["on_hand"][idx] = oh
        out["ready_rate"][idx] = np.clip(rr, 0.0, 1.0)
        out["fill_rate"][idx] = np.clip(1.0 - short / mu[idx], 0.0, 1.0)
        out["order_rate"][idx] = 1.0 / Md
        out["holding_cost"][idx] = h[idx] * oh
        out["backorder_cost"][idx] = p[idx] * bo
        out["ordering_cost"][idx] = K[idx] / Md
    return PolicyMetrics(**out)


# --- (R,s,S): review every R periods ------------------------------------------


def _review_params(
    demand_mean: npt.ArrayLike,
    holding_cost: npt.ArrayLike,
    backorder_cost: npt.ArrayLike,
    fixed_cost: npt.ArrayLike,
    review_period: npt.ArrayLike,
    lead_time: npt.ArrayLike,
) -> dict[str, np.ndarray]:
    return broadcast_params(
        integer=("lead_time", "review_period"),
        positive=("holding_cost", "backorder_cost", "review_period"),
        demand_mean=demand_mean,
        holding_cost=holding_cost,
        backorder_cost=backorder_cost,
        fixed_cost=fixed_cost,
        lead_time=lead_time,
        review_period=review_period,
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
) -> SSPolicies:
    """Exact cost-optimal (R,s,S) per part: review every R periods (Poisson).

    At a review, a position ``<= s`` is raised to ``S``. Seen at reviews this
    is an (s,S) problem with demand Poisson(R mu) per step and the cost
    ``sum_{k=1}^{R} G_{L+k}(y)`` charged per step, whose ``G`` is again convex,
    so the Zheng-Federgruen bounds and the box enumeration of
    :func:`optimize_sS` apply unchanged; ``cost`` is per period. ``R = 1`` is
    :func:`optimize_sS`.

    >>> r = optimize_RsS(6, 1, 4, 5, review_period=1)
    >>> int(r.s[0]), int(r.S[0]), round(float(r.cost[0]), 4)
    (4, 10, 8.0341)
    """
    t0 = time.perf_counter()
    prm = _review_params(
        demand_mean, holding_cost, backorder_cost, fixed_cost, review_period, lead_time
    )
    mu, h, p, K, L, R = prm.values()
    n = len(mu)
    s_out = np.full(n, -1, dtype=np.int64)
    S_out = np.zeros(n, dtype=np.int64)
    c_out = np.zeros(n)
    live = np.flatnonzero(mu > 0)
    if len(live):
        dem = _ReviewDemand(mu, L, R)
        s_l, S_l, c_l = _optimize(dem, live, h, p, K, budget_cells)
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
    s_arr = whole_numbers(s, "s")
    S_arr = whole_numbers(S, "S")
    prm = _review_params(
        demand_mean, holding_cost, backorder_cost, fixed_cost, review_period, lead_time
    )
    try:
        s_b, S_b, *rest = (
            np.ascontiguousarray(a, dtype=np.float64)
            for a in np.broadcast_arrays(s_arr, S_arr, *prm.values())
        )
    except ValueError as e:
        raise InputError(
            field="s, S", expected="the same length as the parameters", got=len(s_arr)
        ) from e
    mu, h, p, K, L, R = rest
    if np.any(S_b <= s_b):
        i = int(np.flatnonzero(S_b <= s_b)[0])
        raise InputError(
            location=f"part {i}", field="S", expected="> s", got=float(S_b[i])
        )
    dem = _ReviewDemand(mu, L, R)
    n = len(mu)
    out = {
        k: np.zeros(n)
        for k in (
            "holding_cost",
            "ordering_cost",
            "backorder_cost",
            "backorders",
            "on_hand",
            "order_rate",
        )
    }
    out["fill_rate"] = np.ones(n)
    out["ready_rate"] = np.ones(n)
    dead = np.flatnonzero(mu == 0)
    out["on_hand"][dead] = np.maximum(S_b[dead], 0.0)
    out["holding_cost"][dead] = h[dead] * out["on_hand"][dead]
    live = np.flatnonzero(mu > 0)
    delta = (S_b - s_b).astype(np.int64)
    cells = np.maximum(delta[live], 1) * R[live].astype(np.int64)
    for idx in batches_by_size(cells, budget_cells):
        idx = live[idx]
        Jm = int(delta[idx].max())
        m, M = _renewal(dem.period_pmf(idx, Jm), Jm)
        j = np.arange(Jm)[None, :]
        Md = M[np.arange(len(idx)), delta[idx]]
        w = np.where(j < delta[idx, None], m, 0.0) / Md[:, None]
        y = S_b[idx, None] - j
        nbar = dem.avg(idx, y, "loss")
        mbar = (mu[idx] * (L[idx] + (R[idx] + 1.0) / 2.0))[:, None]
        lamR = (mu[idx] * (L[idx] + R[idx]))[:, None]
        lam0 = (mu[idx] * L[idx])[:, None]
        short = (w * (poisson_loss(y, lamR) - poisson_loss(y, lam0))).sum(axis=1)
        bo = (w * nbar).sum(axis=1)
        oh = (w * (y - mbar + nbar)).sum(axis=1)
        orders = 1.0 / (R[idx] * Md)
        out["backorders"][idx] = bo
        out["on_hand"][idx] = oh
        out["ready_rate"][idx] = np.clip((w * dem.avg(idx, y, "cdf")).sum(axis=1), 0, 1)
        out["fill_rate"][idx] = np.clip(1.0 - short / (R[idx] * mu[idx]), 0.0, 1.0)
        out["order_rate"][idx] = orders
        out["holding_cost"][idx] = h[idx] * oh
        out["backorder_cost"][idx] = p[idx] * bo
        out["ordering_cost"][idx] = K[idx] * orders
    return PolicyMetrics(**out)


# --- normal demand: the power approximation ------------------------------------


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
    prm = broadcast_params(
        integer=("lead_time",),
        positive=(
            "demand_mean",
            "demand_sd",
            "holding_cost",
            "backorder_cost",
            "fixed_cost",
        ),
        demand_mean=demand_mean,
        demand_sd=demand_sd,
        holding_cost=holding_cost,
        backorder_cost=backorder_cost,
        fixed_cost=fixed_cost,
        lead_time=lead_time,
    )
    mu, sd, h, p, K, L = prm.values()
    mu_L, sd_L = mu * (L + 1.0), sd * np.sqrt(L + 1.0)
    Q = 1.30 * mu**0.494 * (K / h) ** 0.506 * (1.0 + sd_L**2 / mu**2) ** 0.116
    z = np.sqrt(Q * h / (sd_L * p))
    s = 0.973 * mu_L + sd_L * (0.183 / z + 1.063 - 2.192 * z)
    return s, s + Q
