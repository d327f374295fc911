"""Demand models the Zheng-Federgruen engine works on: one lattice per part.

Each model gives, for parts ``idx`` and positions ``y`` (1-D, or 2-D with one
row per part), the mean demand per period, the loss ``E[(D - y)^+]`` and cdf
of the demand over ``L + extra`` periods (``extra`` 0 or 1), the quantile
(the minimizer of ``G``) and the pmf of one period's (or review cycle's)
demand, from which the engine builds the renewal function:

- :class:`PoissonDemand`: Poisson per period;
- :class:`TableDemand`: compound Poisson (repairs x units per repair), Panjer;
- :class:`ReviewDemand`: Poisson reviewed every ``R`` periods (one step is a
  review cycle, ``G`` summed over its periods);
- :class:`LatticeDemand`: any pmf per period (empirical, or a discretized
  normal), its ``L`` and ``L + 1`` period sums by FFT.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from scipy import fft as sp_fft

from planner.inventory._checks import unit_pmf_table
from planner.inventory._distributions import (
    CompoundTable,
    compound_poisson_pmf,
    compound_support,
    poisson_cdf,
    poisson_loss,
    poisson_pmf,
    poisson_quantile,
    unit_moments,
)

__all__ = [
    "Demand",
    "LatticeDemand",
    "PoissonDemand",
    "ReviewDemand",
    "TableDemand",
    "make_demand",
    "restrict",
]


class PoissonDemand:
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


class TableDemand:
    """Compound Poisson demand from pmf tables (Panjer), lead time ``L``.

    ``rate`` repairs per period, ``unit_pmf[:, k-1]`` = P(k units per repair).
    Tables hold the pmf of demand over 1, ``L`` and ``L + 1`` periods on a
    common support; the mass beyond it (< 1e-12) is ignored.
    """

    def __init__(self, rate: np.ndarray, unit_pmf: np.ndarray, L: np.ndarray) -> None:
        self.unit_mean = unit_moments(unit_pmf)[0]
        self.rate = rate
        self.unit_pmf = unit_pmf
        lam1 = rate * (L + 1.0)
        n = compound_support(lam1, unit_pmf)
        self.n = n
        self.tables = {
            0: CompoundTable(rate * L, unit_pmf, n),
            1: CompoundTable(lam1, unit_pmf, n),
        }
        self.period = compound_poisson_pmf(rate, unit_pmf, n)
        self.L = L

    def period_mean(self, idx: np.ndarray) -> np.ndarray:
        return self.rate[idx] * self.unit_mean[idx]

    def _rows(self, idx: np.ndarray, y: np.ndarray) -> np.ndarray:
        return idx[:, None] if y.ndim == 2 else idx

    def loss(self, idx: np.ndarray, y: np.ndarray, extra: int = 1) -> np.ndarray:
        m = self.rate[idx] * (self.L[idx] + extra) * self.unit_mean[idx]
        m = m[:, None] if y.ndim == 2 else m
        C = self.tables[extra].leftover(y, self._rows(idx, y))
        return np.maximum(m - y + C, np.maximum(m - y, 0.0))

    def cdf(self, idx: np.ndarray, y: np.ndarray, extra: int = 1) -> np.ndarray:
        return self.tables[extra].cdf_at(y, self._rows(idx, y))

    def quantile(self, q: np.ndarray, idx: np.ndarray) -> np.ndarray:
        F = self.tables[1].F[idx]
        return np.argmax(q[:, None] - 1e-15 <= F, axis=1).astype(np.float64)

    def period_pmf(self, idx: np.ndarray, n: int) -> np.ndarray:
        return self.period[idx, : min(n, self.n - 1) + 1]


class ReviewDemand:
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


class LatticeDemand:
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


Demand = PoissonDemand | TableDemand | ReviewDemand | LatticeDemand


def make_demand(
    mu: np.ndarray, L: np.ndarray, unit_pmf: npt.ArrayLike | None
) -> PoissonDemand | TableDemand:
    """Poisson demand, or compound Poisson with ``unit_pmf`` (checked here)."""
    if unit_pmf is None:
        return PoissonDemand(mu, L)
    u = np.ascontiguousarray(unit_pmf_table(unit_pmf, len(mu)))
    return TableDemand(mu, u, L)


def restrict(
    dem: PoissonDemand | TableDemand, idx: np.ndarray
) -> PoissonDemand | TableDemand:
    """The demand model of parts ``idx`` only."""
    if isinstance(dem, PoissonDemand):
        return PoissonDemand(dem.mu[idx], dem.L[idx])
    return TableDemand(dem.rate[idx], dem.unit_pmf[idx], dem.L[idx])
