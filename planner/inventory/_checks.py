"""The one argument checker of planner.inventory: every user error an InputError.

Every public function of the package turns its array arguments into float
arrays here, so a ragged list, a string where a number goes, NaN, a negative
rate or arrays of different lengths give the same one-line
:class:`~planner.core.errors.InputError` wherever they are passed, never a
bare ``ValueError`` or ``TypeError`` from numpy.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import numpy.typing as npt

from planner.core.checks import as_array, check_fraction
from planner.core.errors import InputError

__all__ = [
    "broadcast_params",
    "check_choice",
    "check_order",
    "numbers",
    "pmf_table",
    "policy_params",
    "positive_number",
    "service_target",
    "stock_cap",
    "unit_pmf_table",
    "whole_numbers",
    "with_params",
]


def _has_text(x: Any) -> bool:
    """Whether ``x`` is, or holds, a string (numpy would read ``"5"`` as 5.0)."""
    if isinstance(x, str | bytes):
        return True
    if isinstance(x, np.ndarray):
        if x.dtype.kind in "USO":
            return x.dtype.kind != "O" or any(
                isinstance(v, str | bytes) for v in x.flat
            )
        return False
    if isinstance(x, list | tuple):
        return any(_has_text(v) for v in x)
    return False


def numbers(
    x: npt.ArrayLike,
    name: str,
    *,
    source: str | None = None,
    finite: bool = True,
    nonneg: bool = False,
    positive: bool = False,
    ndim: int | None = None,
) -> np.ndarray:
    """``x`` as a float array, or InputError: text, ragged rows, NaN, signs.

    >>> numbers([1, 2], "demand").tolist()
    [1.0, 2.0]
    >>> numbers([[1, 2], [3]], "demand")
    Traceback (most recent call last):
    ...
    planner.core.errors.InputError: demand must be numbers in a rectangular array...
    """
    if _has_text(x):
        raise InputError(
            source=source, field=name, expected="numbers, not text", got=_show(x)
        )
    if not isinstance(x, np.ndarray):
        try:
            np.asarray(x, dtype=np.float64)
        except (TypeError, ValueError) as e:
            raise InputError(
                source=source,
                field=name,
                expected="numbers in a rectangular array (rows of one length)",
                got=_show(x),
            ) from e
    return as_array(
        x,
        name,
        finite=finite,
        nonneg=nonneg,
        positive=positive,
        ndim=ndim,
        source=source,
    )


def _show(x: Any) -> Any:
    s = repr(x)
    return s if len(s) <= 40 else s[:37] + "..."


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
        a = numbers(x, name, nonneg=True, positive=name in positive, source=source)
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


def policy_params(
    demand_name: str | None,
    demand: npt.ArrayLike | None,
    holding_cost: npt.ArrayLike,
    backorder_cost: npt.ArrayLike,
    fixed_cost: npt.ArrayLike | None = None,
    lead_time: npt.ArrayLike = 0,
    *,
    whole_lead_time: bool = True,
    positive: tuple[str, ...] = ("holding_cost", "backorder_cost"),
    demand_sd: npt.ArrayLike | None = None,
    review_period: npt.ArrayLike | None = None,
    step: npt.ArrayLike | None = None,
    max_stock: npt.ArrayLike | None = None,
) -> dict[str, np.ndarray]:
    """The usual inputs of a policy model, checked by :func:`broadcast_params`.

    Keys in this order (those given): ``demand_name`` (skipped if None),
    ``demand_sd``, ``holding_cost``, ``backorder_cost``, ``fixed_cost``,
    ``lead_time`` (whole periods if ``whole_lead_time``), ``review_period``
    (whole, > 0), ``step``, ``max_stock``.

    >>> list(policy_params("demand_mean", 2.0, 1.0, 9.0))
    ['demand_mean', 'holding_cost', 'backorder_cost', 'lead_time']
    """
    arrays: dict[str, Any] = {} if demand_name is None else {demand_name: demand}
    optional = {"demand_sd": demand_sd}
    arrays.update({k: v for k, v in optional.items() if v is not None})
    arrays["holding_cost"] = holding_cost
    arrays["backorder_cost"] = backorder_cost
    if fixed_cost is not None:
        arrays["fixed_cost"] = fixed_cost
    arrays["lead_time"] = lead_time
    more = {"review_period": review_period, "step": step, "max_stock": max_stock}
    arrays.update({k: v for k, v in more.items() if v is not None})
    integer = ("lead_time",) if whole_lead_time else ()
    if review_period is not None:
        integer, positive = (*integer, "review_period"), (*positive, "review_period")
    return broadcast_params(integer=integer, positive=positive, **arrays)


def with_params(
    decisions: dict[str, np.ndarray], prm: dict[str, np.ndarray]
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Broadcast checked decision arrays (s, S, r, Q, ...) with the parameters.

    Returns both as contiguous float arrays of one length, or an InputError
    naming the decisions when the lengths disagree.
    """
    try:
        out = np.broadcast_arrays(*decisions.values(), *prm.values())
    except ValueError as e:
        n = len(next(iter(prm.values()))) if prm else 0
        raise InputError(
            field=", ".join(decisions),
            expected=f"scalars or length {n} (as the parameters)",
            got={k: v.shape for k, v in decisions.items()},
        ) from e
    if out and out[0].ndim != 1:
        raise InputError(
            field=", ".join(decisions),
            expected="scalars or 1-D arrays",
            got=f"shape {out[0].shape}",
        )
    arrays = [np.ascontiguousarray(a, dtype=np.float64) for a in out]
    k = len(decisions)
    return (
        dict(zip(decisions, arrays[:k], strict=True)),
        dict(zip(prm, arrays[k:], strict=True)),
    )


def whole_numbers(x: npt.ArrayLike, name: str) -> np.ndarray:
    """A 1-D float array of whole numbers (may be negative), else InputError."""
    a = np.atleast_1d(numbers(x, name))
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


def positive_number(x: Any, name: str) -> float:
    """One finite number > 0 (a horizon, a length of time), else InputError."""
    a = numbers(x, name, positive=True)
    if a.ndim != 0:
        raise InputError(field=name, expected="one number", got=f"shape {a.shape}")
    return float(a)


def reals(x: npt.ArrayLike, name: str, *, positive: bool = False) -> np.ndarray:
    """A 1-D float array of finite numbers (any sign unless ``positive``)."""
    a = np.atleast_1d(numbers(x, name, positive=positive))
    if a.ndim != 1:
        raise InputError(field=name, expected="a scalar or a 1-D array", got=a.shape)
    return a


def check_order(low: np.ndarray, high: np.ndarray, high_name: str) -> None:
    """``high > low`` for every part (S > s), else InputError naming the part."""
    bad = high <= low
    if np.any(bad):
        i = int(np.flatnonzero(bad)[0])
        raise InputError(
            location=f"part {i}",
            field=high_name,
            expected="> " + ("s" if high_name == "S" else "the reorder point"),
            got=float(high[i]),
        )


def check_choice(value: Any, name: str, options: Iterable[str]) -> None:
    """``value`` is one of ``options``, else InputError listing them."""
    opts = tuple(options)
    if not isinstance(value, str) or value not in opts:
        raise InputError(
            field=name, expected=" or ".join(repr(o) for o in opts), got=value
        )


def service_target(
    target: npt.ArrayLike | None, name: str, n: int
) -> np.ndarray | None:
    """A service target in (0, 1), scalar or per part, broadcast to length n."""
    if target is None:
        return None
    a = np.atleast_1d(numbers(target, name, finite=False))
    if a.ndim != 1 or a.size not in (1, n):
        raise InputError(field=name, expected=f"a scalar or length {n}", got=a.shape)
    for i, v in enumerate(a):
        try:
            check_fraction(v, name)
        except InputError as e:
            raise InputError(
                location=f"{name}[{i}]", field=name, expected="in (0, 1)", got=float(v)
            ) from e
    return np.broadcast_to(a, (n,)).copy()


def stock_cap(max_stock: npt.ArrayLike | None, n: int) -> np.ndarray:
    """Largest order-up-to level per part (whole numbers >= 0); inf if None."""
    if max_stock is None:
        return np.full(n, np.inf)
    a = np.atleast_1d(numbers(max_stock, "max_stock", nonneg=True))
    if a.ndim != 1 or a.size not in (1, n) or np.any(a != np.round(a)):
        raise InputError(
            field="max_stock",
            expected=f"whole numbers >= 0, a scalar or length {n}",
            got=a.tolist() if a.size < 5 else a.shape,
        )
    return np.broadcast_to(a.astype(np.float64), (n,)).copy()


def unit_pmf_table(unit_pmf: npt.ArrayLike, n: int) -> np.ndarray:
    """Units per repair: P(1 unit), P(2 units), ... per part, shape (n, k)."""
    u = np.atleast_2d(numbers(unit_pmf, "unit_pmf", nonneg=True))
    if u.ndim != 2 or u.shape[0] not in (1, n) or u.shape[1] < 1:
        raise InputError(
            field="unit_pmf", expected=f"shape (k,) or ({n}, k)", got=u.shape
        )
    tot = u.sum(axis=1)
    if np.any(np.abs(tot - 1.0) > 1e-9):
        i = int(np.flatnonzero(np.abs(tot - 1.0) > 1e-9)[0])
        raise InputError(
            location=f"unit_pmf[{i}]",
            field="unit_pmf",
            expected="probabilities of 1, 2, ... units summing to 1",
            got=float(tot[i]),
        )
    return np.broadcast_to(u, (n, u.shape[1]))


def pmf_table(pmf: npt.ArrayLike, n: int) -> np.ndarray:
    """Demand per period on 0, 1, 2, ... units: one pmf row per part (n rows)."""
    f = numbers(pmf, "period_pmf", finite=False)
    if f.ndim == 1:
        f = f[None, :]
    if f.ndim != 2 or f.shape[1] < 2:
        raise InputError(
            field="period_pmf",
            expected="a pmf over 0, 1, 2, ... units (1-D, or one row per part)",
            got=f"shape {f.shape}",
        )
    if not np.all(np.isfinite(f)) or np.any(f < 0):
        raise InputError(
            field="period_pmf", expected="finite probabilities >= 0", got="other"
        )
    tot = f.sum(axis=1)
    if np.any(np.abs(tot - 1.0) > 1e-6):
        i = int(np.flatnonzero(np.abs(tot - 1.0) > 1e-6)[0])
        raise InputError(
            location=f"part {i}", field="period_pmf", expected="sum 1", got=tot[i]
        )
    if np.any(f[:, 0] >= 1.0 - 1e-12):
        i = int(np.flatnonzero(f[:, 0] >= 1.0 - 1e-12)[0])
        raise InputError(
            location=f"part {i}",
            field="period_pmf",
            expected="some positive demand (P(0) < 1)",
            got=f[i, 0],
        )
    if f.shape[0] == 1 and n > 1:
        f = np.repeat(f, n, axis=0)
    elif f.shape[0] != n:
        raise InputError(field="period_pmf", expected=f"1 or {n} rows", got=f.shape[0])
    return f
