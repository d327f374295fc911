"""Validation of the array inputs shared by every siting model.

All siting solvers take a demand x candidate ``cost`` matrix (minutes, metres or
money per ticket), demand ``weights`` (tickets per year) and index sets of
candidates (``existing``, ``excluded``). The helpers here turn them into
arrays once, raise one-line :class:`~planner.core.errors.InputError` on bad
input, and never copy a float32 or float64 cost matrix.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from planner.core.checks import as_array, check_positive_int
from planner.core.errors import InputError

__all__ = [
    "check_cost",
    "check_index_set",
    "check_p",
    "check_per_candidate",
    "check_weights",
]

_CHUNK = 1 << 22  # elements per block when scanning a big matrix


def check_cost(cost: npt.ArrayLike, name: str = "cost") -> np.ndarray:
    """Return ``cost`` as a 2-D float array (no copy for float32/float64).

    Raises :class:`InputError` on NaN, infinite or negative entries, naming the
    first offending (demand, candidate) position.

    >>> check_cost([[1, 2], [3, 4]]).dtype
    dtype('float64')
    >>> check_cost([[1, -2]])
    Traceback (most recent call last):
    ...
    planner.core.errors.InputError: cost[0, 1]: cost must be a finite number >= 0; got -2.0
    """
    try:
        a = np.asarray(cost)
    except (TypeError, ValueError):  # ragged rows, mixed objects
        raise InputError(
            field=name,
            expected="a numeric demand x candidate matrix (rows of equal length)",
            got=type(cost).__name__,
        ) from None
    if a.dtype not in (np.float32, np.float64):
        try:
            a = a.astype(np.float64)
        except (TypeError, ValueError) as e:
            raise InputError(
                field=name, expected="a numeric matrix", got=str(a.dtype)
            ) from e
    if a.ndim != 2:
        raise InputError(
            field=name,
            expected="a 2-dimensional demand x candidate matrix",
            got=f"shape {a.shape}",
        )
    if a.shape[0] == 0 or a.shape[1] == 0:
        raise InputError(
            field=name,
            expected="at least one demand point and one candidate",
            got=f"shape {a.shape}",
        )
    rows = max(1, _CHUNK // a.shape[1])
    for r0 in range(0, a.shape[0], rows):
        block = a[r0 : r0 + rows]
        bad = ~(np.isfinite(block) & (block >= 0))
        if bad.any():
            i, j = (int(v) for v in np.argwhere(bad)[0])
            raise InputError(
                location=f"{name}[{r0 + i}, {j}]",
                field=name,
                expected="a finite number >= 0",
                got=float(block[i, j]),
            )
    return a


def check_weights(weights: npt.ArrayLike | None, n: int) -> np.ndarray:
    """Return demand weights as float64 of length ``n`` (``None`` means all 1).

    >>> check_weights(None, 2)
    array([1., 1.])
    """
    if weights is None:
        return np.ones(n)
    return as_array(weights, "weights", ndim=1, shape=(n,), nonneg=True)


def check_index_set(idx: npt.ArrayLike | None, m: int, name: str) -> np.ndarray:
    """Return sorted unique candidate indices in ``[0, m)``, or an empty array.

    Accepts a boolean mask of length ``m`` too.

    >>> check_index_set([3, 1, 3], 5, "existing")
    array([1, 3])
    """
    if idx is None:
        return np.zeros(0, dtype=np.int64)
    a = np.asarray(idx)
    if a.dtype == bool:
        if a.shape != (m,):
            raise InputError(
                field=name, expected=f"a mask of length {m}", got=f"shape {a.shape}"
            )
        return np.flatnonzero(a).astype(np.int64)
    a = np.atleast_1d(a)
    if a.size == 0:
        return np.zeros(0, dtype=np.int64)
    if a.ndim != 1 or a.dtype.kind not in "iu":
        raise InputError(
            field=name, expected="a 1-D array of candidate indices", got=repr(idx)
        )
    bad = (a < 0) | (a >= m)
    if bad.any():
        k = int(np.flatnonzero(bad)[0])
        raise InputError(
            location=f"{name}[{k}]",
            field=name,
            expected=f"a candidate index in [0, {m})",
            got=int(a[k]),
        )
    return np.unique(a).astype(np.int64)


def check_per_candidate(
    x: npt.ArrayLike | None, m: int, name: str, *, default: float = 0.0
) -> np.ndarray:
    """Return a scalar or length-``m`` array as float64 of length ``m``, >= 0."""
    if x is None:
        return np.full(m, default)
    a = np.asarray(x, dtype=np.float64)
    if a.ndim == 0:
        a = np.full(m, float(a))
    return as_array(a, name, ndim=1, shape=(m,), nonneg=True)


def check_p(
    p: Any, m: int, *, n_forced: int = 0, n_excluded: int = 0, closable: bool = True
) -> int:
    """Check the number of outlets ``p`` against the candidates.

    >>> check_p(3, 2)
    Traceback (most recent call last):
    ...
    planner.core.errors.InputError: p must be <= 2 (the number of candidates that may open); got 3
    """
    p = check_positive_int(p, "p")
    avail = m - n_excluded
    if p > avail:
        what = "the number of candidates"
        if n_excluded:
            what += f" that may open: {m} minus {n_excluded} excluded"
        else:
            what += " that may open"
        raise InputError(field="p", expected=f"<= {avail} ({what})", got=p)
    if p < n_forced:
        raise InputError(
            field="p",
            expected=f">= {n_forced} (the number of existing outlets forced open)",
            got=p,
            hint="pass closing_cost to let existing outlets close"
            if closable
            else None,
        )
    return p


def disjoint(existing: np.ndarray, excluded: np.ndarray) -> None:
    """Raise :class:`InputError` if a candidate is both existing and excluded."""
    both = np.intersect1d(existing, excluded)
    if both.size:
        raise InputError(
            field="excluded",
            expected="disjoint from existing (forced-open) outlets",
            got=f"{both.size} shared, e.g. candidate {int(both[0])}",
        )
