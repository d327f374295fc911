"""What makes plan files readable: clock times, rounded minutes, the travel model.

The plan's arrays keep exact minutes (the validator checks them); the tables
people read round them (:func:`tidy_min`), add ``HH:MM`` and ISO date-times
(:func:`clock_text`), and the plan records how travel was computed
(:func:`travel_record`).
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import numpy as np

__all__ = ["DECIMALS", "clock_text", "tidy_min", "travel_record"]

#: Decimals of minutes in the tables people read (no float dust).
DECIMALS = 2

#: What a plan records when its problem says nothing about travel.
_UNKNOWN_TRAVEL: Mapping[str, Any] = MappingProxyType(
    {"model": "matrix", "description": "the problem's matrices, source not recorded"}
)


def travel_record(problem: Any) -> dict[str, Any]:
    """The travel model and its parameters as a plan records them.

    ``problem.travel_info`` (set by whoever built the matrices) plus the
    speed factors in force, if any.
    """
    info = dict(getattr(problem, "travel_info", None) or _UNKNOWN_TRAVEL)
    sp = getattr(problem, "speed_factors", None)
    if sp is not None:
        info.update(sp.to_dict())
    return info


def tidy_min(a: Any) -> np.ndarray:
    """Minutes rounded for people (``-1e-13`` -> ``0.0``; NaN stays)."""
    return np.round(np.asarray(a, dtype=float), DECIMALS) + 0.0


def clock_text(minutes: Any, date: str | None = None) -> tuple[list[str], list[str]]:
    """``HH:MM`` (``+1d`` past midnight, ``-1d`` before it) and ISO date-times of minutes.

    The ISO texts are empty without a ``date``; NaN gives empty texts.

    >>> clock_text([495.5, 1470.0], "2026-07-15")
    (['08:16', '00:30+1d'], ['2026-07-15T08:15:30', '2026-07-16T00:30:00'])
    """
    hhmm, iso = [], []
    base = datetime.datetime.fromisoformat(date) if date else None
    for m in np.asarray(minutes, dtype=float).reshape(-1).tolist():
        if not np.isfinite(m):
            hhmm.append("")
            iso.append("")
            continue
        r = round(m)
        day, rem = divmod(r, 1440)
        hhmm.append(f"{rem // 60:02d}:{rem % 60:02d}" + (f"{day:+d}d" if day else ""))
        iso.append(
            (base + datetime.timedelta(seconds=round(m * 60))).isoformat()
            if base
            else ""
        )
    return hhmm, iso
