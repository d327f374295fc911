"""Shared helpers of planner.inventory: input checks and Poisson functions.

All functions work on numpy arrays and broadcast; nothing here loops over
parts in Python.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from scipy.special import gammaln, pdtr, pdtrc
from scipy.stats import poisson

from planner.core.checks import as_array
from planner.core.errors import InputError

__all__ = [
    "batches_by_size",
    "broadcast_params",
    "poisson_cdf",
    "poisson_loss",
    "poisson_pmf",
    "poisson_quantile",
    "poisson_sf",
    "whole_numbers",
]


def broadcast_params(
    source: str | None = None,
    *,
    integer: tuple[str, ...] = (),
    positive: tuple[str, ...] = (),
    **arrays: npt.ArrayLike,
) -> dict[str, np.ndarray]:
    """Validate and broadcast keyword arrays to one common 1-D shape.

    Every array must be finite and >= 0; names in ``positive`` must be > 0;
    names in ``integer`` must hold whole numbers. Scalars give length-1
    arrays.

    >>> p = broadcast_params(a=1.0, b=[1, 2])
    >>> p["a"], p["b"]
    (array([1., 1.]), array([1., 2.]))
    """
    checked: dict[str, np.ndarray] = {}
    for name, x in arrays.items():
        if isinstance(x, str | bytes):
            raise InputError(
                source=source, field=name, expected="a number or array", got=x
            )
        a = as_array(x, name, nonneg=True, positive=name in positive, source=source)
        if a.ndim > 1:
            raise InputError(
                source=source,
                field=name,
                expected="a scalar or a 1-D array",
                got=f"shape {a.shape}",
            )
        if name in integer and a.size and np.any(a != np.round(a)):
            i = int(np.flatnonzero(a != np.round(a))[0])
            raise InputError(
                source=source,
                location=f"{name}[{i}]",
                field=name,
                expected="a whole number of periods",
                got=float(np.atleast_1d(a)[i]),
            )
        checked[name] = np.atleast_1d(a)
    try:
        out = np.broadcast_arrays(*checked.values())
    except ValueError as e:
        shapes = {k: v.shape for k, v in checked.items()}
        raise InputError(
            source=source,
            field=", ".join(checked),
            expected="arrays of one common length (or scalars)",
            got=str(shapes),
        ) from e
    return {
        k: np.ascontiguousarray(v, dtype=np.float64)
        for k, v in zip(checked, out, strict=True)
    }


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


def batches_by_size(sizes: np.ndarray, budget: int = 2_000_000) -> list[np.ndarray]:
    """Split indices into batches of similar size, each within ``budget``.

    ``sizes`` is the work per item (cells of its padded array); items are
    sorted by size and cut so that ``len(batch) * max(size in batch)`` stays
    within ``budget`` (an item larger than ``budget`` gets a batch of its own).
    """
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


def whole_numbers(x: npt.ArrayLike, name: str) -> np.ndarray:
    """A 1-D float array of whole numbers (may be negative), else InputError."""
    a = np.atleast_1d(as_array(x, name))
    bad = a != np.round(a)
    if a.ndim != 1 or bad.any():
        i = int(np.flatnonzero(bad)[0]) if bad.any() else 0
        raise InputError(
            location=f"{name}[{i}]",
            field=name,
            expected="whole numbers in a 1-D array",
            got=a.ravel()[i].item() if a.size else a.shape,
        )
    return a


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
