"""Validation of array arguments at the edge, with one-line :class:`InputError`.

Solvers call these on their inputs, so a bad argument from a notebook gets the
same clear message as a bad column in a file.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import numpy.typing as npt

from planner.core.errors import InputError

__all__ = [
    "SEED_MAX",
    "as_array",
    "check_fraction",
    "check_positive_int",
    "check_positive_number",
    "check_seed",
    "readonly",
    "row_label",
]

#: The largest seed every engine takes (PyVRP and OR-Tools use 32-bit seeds).
SEED_MAX = 2**32 - 1


def row_label(i: int, ident: Any = None) -> str:
    """How a person names data row ``i`` (0-based) of a table: from 1, with its id.

    >>> row_label(0, "T-0412")
    'row 1 (id "T-0412")'
    """
    return f'row {i + 1} (id "{ident}")' if ident is not None else f"row {i + 1}"


def check_seed(x: Any, name: str = "seed", *, source: str | None = None) -> int:
    """Check a seed is an integer in ``[0, SEED_MAX]`` (what the engines take).

    >>> check_seed(-1)
    Traceback (most recent call last):
    ...
    planner.core.errors.InputError: seed must be an integer in [0, 4294967295]; got -1
    """
    ok = not isinstance(x, bool | np.bool_) and isinstance(x, int | np.integer)
    if not ok or not 0 <= int(x) <= SEED_MAX:
        raise InputError(
            source=source,
            field=name,
            expected=f"an integer in [0, {SEED_MAX}]",
            got=x,
        )
    return int(x)


def check_positive_number(
    x: Any, name: str, *, source: str | None = None, allow_none: bool = False
) -> float | None:
    """Check ``x`` is a finite number > 0 (``None`` too when ``allow_none``).

    >>> check_positive_number("10", "time_limit_s")
    Traceback (most recent call last):
    ...
    planner.core.errors.InputError: time_limit_s must be a finite number > 0; got '10'
    """
    if x is None and allow_none:
        return None
    ok = not isinstance(x, bool | np.bool_) and isinstance(
        x, int | float | np.integer | np.floating
    )
    if not ok or not (math.isfinite(float(x)) and float(x) > 0):
        raise InputError(
            source=source, field=name, expected="a finite number > 0", got=x
        )
    return float(x)


def readonly(a: np.ndarray) -> np.ndarray:
    """Return ``a`` marked read-only (a view if ``a`` is not ours to change)."""
    if a.flags.writeable:
        a = a.view()
        a.flags.writeable = False
    return a


def as_array(
    x: npt.ArrayLike,
    name: str,
    *,
    dtype: Any = np.float64,
    ndim: int | None = None,
    shape: tuple[int | None, ...] | None = None,
    finite: bool = True,
    nonneg: bool = False,
    positive: bool = False,
    source: str | None = None,
    copy: bool = False,
) -> np.ndarray:
    """Convert ``x`` to an array and check it, raising :class:`InputError`.

    ``shape`` may hold ``None`` for free dimensions. The first offending
    element is named by its index.

    >>> as_array([1, 2], "demand", nonneg=True)
    array([1., 2.])
    >>> as_array([1, -2], "demand", nonneg=True)
    Traceback (most recent call last):
    ...
    planner.core.errors.InputError: demand[1]: demand must be >= 0; got -2.0
    """
    try:
        a = np.array(x, dtype=dtype, copy=copy) if copy else np.asarray(x, dtype=dtype)
    except (TypeError, ValueError) as e:
        raise InputError(
            source=source,
            field=name,
            expected=f"an array of {np.dtype(dtype).name}",
            got=type(x).__name__,
        ) from e
    if ndim is not None and a.ndim != ndim:
        raise InputError(
            source=source,
            field=name,
            expected=f"{ndim}-dimensional",
            got=f"shape {a.shape}",
        )
    if shape is not None and (
        a.ndim != len(shape)
        or any(s is not None and s != d for s, d in zip(shape, a.shape, strict=True))
    ):
        want = "(" + ", ".join("*" if s is None else str(s) for s in shape) + ")"
        raise InputError(
            source=source,
            field=name,
            expected=f"shape {want}",
            got=f"shape {a.shape}",
        )
    if a.dtype.kind == "f" and a.size:
        if finite:
            bad = ~np.isfinite(a)
            if bad.any():
                idx = tuple(int(i) for i in np.argwhere(bad)[0])
                raise InputError(
                    source=source,
                    location=f"{name}{list(idx)}",
                    field=name,
                    expected="a finite number",
                    got=float(a[idx]),
                )
        else:
            bad = np.isnan(a)
            if bad.any():
                idx = tuple(int(i) for i in np.argwhere(bad)[0])
                raise InputError(
                    source=source,
                    location=f"{name}{list(idx)}",
                    field=name,
                    expected="a number (not NaN)",
                    got=float(a[idx]),
                )
    if (nonneg or positive) and a.size:
        bad = a <= 0 if positive else a < 0
        if bad.any():
            idx = tuple(int(i) for i in np.argwhere(bad)[0])
            raise InputError(
                source=source,
                location=f"{name}{list(idx)}",
                field=name,
                expected="> 0" if positive else ">= 0",
                got=a[idx].item(),
            )
    return a


def check_positive_int(
    x: Any, name: str, *, minimum: int = 1, source: str | None = None
) -> int:
    """Check ``x`` is an integer >= ``minimum`` and return it as ``int``."""
    if isinstance(x, bool) or not isinstance(x, int | np.integer):
        raise InputError(source=source, field=name, expected="an integer", got=x)
    if x < minimum:
        raise InputError(
            source=source, field=name, expected=f">= {minimum}", got=int(x)
        )
    return int(x)


def check_fraction(
    x: Any,
    name: str,
    *,
    open_low: bool = True,
    open_high: bool = True,
    source: str | None = None,
) -> float:
    """Check ``x`` is a number in (0, 1) (bounds open or closed as asked)."""
    try:
        v = float(x)
    except (TypeError, ValueError) as e:
        raise InputError(source=source, field=name, expected="a number", got=x) from e
    lo_ok = v > 0 if open_low else v >= 0
    hi_ok = v < 1 if open_high else v <= 1
    if not (np.isfinite(v) and lo_ok and hi_ok):
        lo, hi = ("(" if open_low else "["), (")" if open_high else "]")
        raise InputError(source=source, field=name, expected=f"in {lo}0, 1{hi}", got=x)
    return v
