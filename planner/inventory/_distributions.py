"""Demand distributions shared by every inventory model, and the batching of work.

Poisson (cdf, survival, pmf, first- and second-order loss, quantile), normal
(first- and second-order loss, the lattice pmf), compound Poisson (Panjer pmf
and :class:`CompoundTable`, its cdf and expected leftover on a common
support), the newsvendor cost ``G``, and :func:`batches_by_size`, which cuts
per-part work into padded batches of similar size. All functions work on numpy
arrays and broadcast; nothing here loops over parts in Python.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from scipy.special import gammaln, ndtr, pdtr, pdtrc
from scipy.stats import poisson

from planner.core.checks import check_positive_int

__all__ = [
    "CompoundTable",
    "batches_by_size",
    "compound_poisson_pmf",
    "compound_support",
    "expected_min_units",
    "newsvendor_cost_poisson",
    "normal_lattice_pmf",
    "normal_losses",
    "poisson_cdf",
    "poisson_loss",
    "poisson_loss2",
    "poisson_pmf",
    "poisson_quantile",
    "poisson_sf",
    "unit_moments",
]


def poisson_cdf(k: npt.ArrayLike, lam: npt.ArrayLike) -> np.ndarray:
    """``P(D <= k)`` for ``D ~ Poisson(lam)``; 0 for ``k < 0``.

    >>> float(poisson_cdf(0, 2.0).round(6)), float(poisson_cdf(-1, 2.0))
    (0.135335, 0.0)
    """
    k = np.asarray(k, dtype=np.float64)
    lam = np.asarray(lam, dtype=np.float64)
    out = pdtr(np.maximum(k, 0.0), lam)
    return np.where(k < 0, 0.0, out)


def poisson_sf(k: npt.ArrayLike, lam: npt.ArrayLike) -> np.ndarray:
    """``P(D > k)`` for ``D ~ Poisson(lam)``; 1 for ``k < 0``."""
    k = np.asarray(k, dtype=np.float64)
    lam = np.asarray(lam, dtype=np.float64)
    out = pdtrc(np.maximum(k, 0.0), lam)
    return np.where(k < 0, 1.0, out)


def poisson_pmf(k: npt.ArrayLike, lam: npt.ArrayLike) -> np.ndarray:
    """``P(D = k)`` for ``D ~ Poisson(lam)`` (0 for negative ``k``)."""
    k = np.asarray(k, dtype=np.float64)
    lam = np.asarray(lam, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        logp = k * np.log(lam) - lam - gammaln(np.maximum(k, 0.0) + 1.0)
        out = np.exp(logp)
    out = np.where(lam == 0, (k == 0).astype(np.float64), out)
    return np.where(k < 0, 0.0, out)


def poisson_loss(y: npt.ArrayLike, lam: npt.ArrayLike) -> np.ndarray:
    """First-order loss ``E[(D - y)^+]`` for ``D ~ Poisson(lam)``, integer ``y``.

    Uses ``E[(D-y)^+] = lam P(D >= y) - y P(D > y)`` (exact for Poisson).

    >>> float(poisson_loss(0, 3.0)), float(poisson_loss(-2, 3.0))
    (3.0, 5.0)
    """
    y = np.asarray(y, dtype=np.float64)
    lam = np.asarray(lam, dtype=np.float64)
    out = lam * poisson_sf(y - 1.0, lam) - y * poisson_sf(y, lam)
    return np.maximum(out, np.maximum(lam - y, 0.0))


def poisson_loss2(x: npt.ArrayLike, lam: npt.ArrayLike) -> np.ndarray:
    """``sum_{y >= x} E[(D - y)^+]`` for ``D ~ Poisson(lam)`` (second-order loss).

    Equals ``E[(D - x)(D - x + 1) / 2; D >= x]``, written with Poisson factorial
    moments ``E[D(D-1); D >= x] = lam^2 P(D >= x-2)``.

    >>> float(poisson_loss2(0, 2.0))  # E[D(D+1)/2] = (lam^2 + 2 lam) / 2
    4.0
    """
    x = np.asarray(x, dtype=np.float64)
    lam = np.asarray(lam, dtype=np.float64)
    out = 0.5 * (
        lam**2 * poisson_sf(x - 3.0, lam)
        - 2.0 * (x - 1.0) * lam * poisson_sf(x - 2.0, lam)
        + x * (x - 1.0) * poisson_sf(x - 1.0, lam)
    )
    return np.maximum(out, 0.0)


def poisson_quantile(q: npt.ArrayLike, lam: npt.ArrayLike) -> np.ndarray:
    """Smallest integer ``y >= 0`` with ``P(D <= y) >= q``, ``D ~ Poisson(lam)``.

    >>> poisson_quantile(0.9, 5.0)
    array(8.)
    """
    q = np.asarray(q, dtype=np.float64)
    lam = np.asarray(lam, dtype=np.float64)
    y = np.asarray(poisson.ppf(q, lam), dtype=np.float64)
    y = np.where(np.isfinite(y), y, 0.0)
    # ppf may be off by one through rounding: step to the first y with F(y) >= q
    y = np.where((y > 0) & (poisson_cdf(y - 1, lam) >= q), y - 1, y)
    return np.where(poisson_cdf(y, lam) < q, y + 1, y)


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


# --- normal -----------------------------------------------------------------


def normal_losses(
    x: np.ndarray, m: np.ndarray, sd: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """``E[(X - x)^+]`` and ``E[((X - x)^+)^2] / 2`` for ``X ~ N(m, sd^2)``.

    With ``sd = 0`` these are ``(m - x)^+`` and half its square.

    >>> [round(float(v), 6) for v in normal_losses(np.array(0.0), 0.0, 1.0)]
    [0.398942, 0.25]
    """
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        z = (x - m) / sd
        sf = ndtr(-z)
        pdf = np.exp(-0.5 * z * z) / np.sqrt(2.0 * np.pi)
        n1 = sd * (pdf - z * sf)
        n2 = sd**2 * 0.5 * ((z**2 + 1.0) * sf - z * pdf)
    d = np.maximum(m - x, 0.0)
    return np.where(sd > 0, n1, d), np.where(sd > 0, n2, 0.5 * d**2)


def normal_lattice_pmf(
    mean: npt.ArrayLike, sd: npt.ArrayLike, step: npt.ArrayLike
) -> np.ndarray:
    """Pmf (rows = parts) of ``round(max(D, 0) / step)``, ``D ~ N(mean, sd^2)``.

    Cell ``k`` holds ``P((k - 1/2) step < D <= (k + 1/2) step)``; cell 0 also
    holds the negative mass. Rows are padded with zeros to a common width
    reaching 10 standard deviations above the mean.

    >>> f = normal_lattice_pmf(10.0, 2.0, 1.0)
    >>> round(float(f.sum()), 12), round(float(f[0] @ np.arange(f.shape[1])), 6)
    (1.0, 10.0)
    """
    mu = np.atleast_1d(np.asarray(mean, dtype=np.float64))
    sd_ = np.atleast_1d(np.asarray(sd, dtype=np.float64))
    d = np.atleast_1d(np.asarray(step, dtype=np.float64))
    mu, sd_, d = np.broadcast_arrays(mu, sd_, d)
    top = np.ceil((mu + 10.0 * sd_) / d).astype(np.int64) + 1
    n1 = int(top.max()) + 1 if len(top) else 1
    k = np.arange(n1, dtype=np.float64)[None, :]
    upper = ndtr(((k + 0.5) * d[:, None] - mu[:, None]) / sd_[:, None])
    f = np.diff(upper, axis=1, prepend=0.0)
    f[:, -1] += 1.0 - upper[:, -1]
    return np.where(k <= top[:, None], np.maximum(f, 0.0), 0.0)


# --- compound Poisson -------------------------------------------------------


def compound_poisson_pmf(
    rate: npt.ArrayLike, unit_pmf: npt.ArrayLike, n: int
) -> np.ndarray:
    """pmf on ``0 .. n-1`` of a compound Poisson sum (Panjer recursion).

    ``rate`` (shape (P,)) is the mean number of repairs; ``unit_pmf`` (shape
    (P, k) or (k,)) gives ``P(units = 1), ..., P(units = k)`` per repair.

    >>> compound_poisson_pmf(1.0, [1.0], 3).round(4)  # Poisson(1)
    array([[0.3679, 0.3679, 0.1839]])
    """
    lam = np.atleast_1d(np.asarray(rate, dtype=np.float64))
    u = np.atleast_2d(np.asarray(unit_pmf, dtype=np.float64))
    u = np.broadcast_to(u, (len(lam), u.shape[1]))
    k = u.shape[1]
    g = np.zeros((len(lam), n))
    g[:, 0] = np.exp(-lam * u.sum(axis=1))
    ju = u * np.arange(1, k + 1)[None, :]  # j u(j)
    for x in range(1, n):
        m = min(x, k)
        # g(x) = lam / x * sum_{j=1}^{m} j u(j) g(x - j)
        g[:, x] = lam / x * np.einsum("pi,pi->p", ju[:, :m], g[:, x - m : x][:, ::-1])
    return g


def unit_moments(u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``E[U]`` and ``E[U^2]`` of units per repair, rows of ``u``."""
    units = np.arange(1, u.shape[1] + 1)[None, :]
    return (u * units).sum(axis=1), (u * units**2).sum(axis=1)


def compound_support(rate: np.ndarray, u: np.ndarray) -> int:
    """A support ``0 .. n-1`` holding all but < 1e-12 of each compound sum."""
    eu, ev2 = unit_moments(u)
    k = u.shape[1]
    return int(np.ceil((rate * eu + 15.0 * np.sqrt(rate * ev2) + 5 * k + 20).max()))


class CompoundTable:
    """A compound Poisson sum ``X`` (``rate`` repairs, units ``u``) on ``0 .. n-1``.

    Holds its pmf, cdf ``F`` and ``C(y) = sum_{x<y} F(x) = E[(y - X)^+]`` for
    ``y = 0 .. n``; :meth:`leftover` and :meth:`cdf_at` extend them to any
    integer ``y`` (the mass beyond the support, < 1e-12, is ignored).
    """

    def __init__(self, rate: np.ndarray, u: np.ndarray, n: int) -> None:
        self.n = n
        self.mean = rate * unit_moments(u)[0]
        self.pmf = compound_poisson_pmf(rate, u, n)
        self.F = np.cumsum(self.pmf, axis=1)
        self.C = np.concatenate(
            [np.zeros((len(rate), 1)), np.cumsum(self.F, axis=1)], 1
        )

    @classmethod
    def fitted(cls, rate: np.ndarray, u: np.ndarray) -> CompoundTable:
        """The table on a support fitted to these sums (:func:`compound_support`)."""
        return cls(rate, u, compound_support(rate, u))

    def _rows(self, rows: np.ndarray | None) -> np.ndarray:
        return np.arange(len(self.F))[:, None] if rows is None else rows

    def leftover(self, y: np.ndarray, rows: np.ndarray | None = None) -> np.ndarray:
        """``E[(y - X)^+]`` of the rows ``rows`` (default: all, one per row of
        ``y``), broadcast with ``y``."""
        yc = np.clip(y, 0, self.n).astype(np.int64)
        C = self.C[self._rows(rows), yc]
        return np.where(y <= 0, 0.0, C + np.maximum(y - self.n, 0))

    def cdf_at(self, y: np.ndarray, rows: np.ndarray | None = None) -> np.ndarray:
        """``P(X <= y)`` of the rows ``rows`` (as :meth:`leftover`)."""
        yc = np.clip(y, 0, self.n - 1).astype(np.int64)
        F = self.F[self._rows(rows), yc]
        return np.where(y < 0, 0.0, np.where(y >= self.n, 1.0, F))

    def newsvendor(self, y: np.ndarray, h: np.ndarray, p: np.ndarray) -> np.ndarray:
        """``G(y) = h E[(y - X)^+] + p E[(X - y)^+]``, ``y`` of shape (rows, W)."""
        oh = self.leftover(y)
        bo = oh - (y - self.mean[:, None])  # E[(X - y)^+]
        return h[:, None] * oh + p[:, None] * np.maximum(bo, 0.0)


def expected_min_units(u: np.ndarray, Q: np.ndarray) -> np.ndarray:
    """``E[min(U, Q)]`` for units per repair ``U`` (rows of ``u``), Q (rows, W)."""
    units = np.arange(1, u.shape[1] + 1)
    return (u[:, None, :] * np.minimum(units[None, None, :], Q[:, :, None])).sum(axis=2)


# --- batching ---------------------------------------------------------------


def batches_by_size(sizes: np.ndarray, budget: int = 2_000_000) -> list[np.ndarray]:
    """Split indices into batches of similar size, each within ``budget``.

    ``sizes`` is the work per item (cells of its padded array); items are
    sorted by size and cut so that ``len(batch) * max(size in batch)`` stays
    within ``budget`` (an item larger than ``budget`` gets a batch of its own).

    >>> [b.tolist() for b in batches_by_size(np.array([5, 1, 5, 2]), budget=6)]
    [[1, 3], [0], [2]]
    """
    budget = check_positive_int(budget, "budget_cells")
    order = np.argsort(sizes, kind="stable")
    out: list[np.ndarray] = []
    start = 0
    n = len(order)
    while start < n:
        end = start + 1
        while end < n and (end - start + 1) * int(sizes[order[end]]) <= budget:
            end += 1
        out.append(order[start:end])
        start = end
    return out
