"""Service hours: the weekly opening hours a business-hours SLA clock counts.

A response target on the ``business`` clock (see
:class:`~planner.core.urgency.UrgencyClass`) only counts minutes inside these
hours; :meth:`ServiceHours.deadline` turns a creation time and a target into
the calendar minute the target runs out.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from planner.core.errors import InputError
from planner.core.timewindow import TimeWindow

__all__ = ["DAY_NAMES", "WEEK_MIN", "ServiceHours"]

#: Weekday names, Monday first (the order of every weekly array in planner).
DAY_NAMES = (
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
)
WEEK_MIN = 7 * 1440.0
_GROUPS = {
    "weekdays": DAY_NAMES[:5],
    "weekend": DAY_NAMES[5:],
    "every_day": DAY_NAMES,
}


@dataclass(frozen=True, slots=True, eq=False)
class ServiceHours:
    """Opening hours per weekday, Monday first: one window a day or ``None``.

    >>> h = ServiceHours.from_mapping({"weekdays": "08:00-18:00", "saturday": "09:00-13:00"})
    >>> h.open_min_per_week
    3240.0
    >>> # created Friday 17:00 (model starts on a Monday), 2 business hours:
    >>> float(h.deadline(4 * 1440 + 17 * 60, 120.0, start_weekday=0)) / 60 - 5 * 24
    10.0
    """

    windows: tuple[TimeWindow | None, ...]

    def __post_init__(self) -> None:
        w = tuple(self.windows)
        if len(w) != 7:
            raise InputError(
                field="service_hours", expected="7 days (Monday first)", got=len(w)
            )
        for d, x in zip(DAY_NAMES, w, strict=True):
            if x is not None and not (x.start_min >= 0 and x.end_min <= 1440):
                raise InputError(
                    field=f"service_hours.{d}",
                    expected="a window inside 00:00-24:00",
                    got=str(x),
                )
        w = tuple(None if x is None or x.duration_min <= 0 else x for x in w)
        if all(x is None for x in w):
            raise InputError(
                field="service_hours",
                expected="at least one day with opening hours",
                got="closed all week",
            )
        object.__setattr__(self, "windows", w)

    @classmethod
    def always(cls) -> ServiceHours:
        """Open 24/7 (the business clock equals the calendar)."""
        return cls((TimeWindow(0.0, 1440.0),) * 7)

    @classmethod
    def from_mapping(
        cls, spec: Mapping[str, str | None], *, source: str | None = None
    ) -> ServiceHours:
        """From ``{"weekdays": "08:00-20:00", "sunday": "closed", ...}``.

        Keys: day names, ``weekdays`` (Monday-Friday), ``weekend``,
        ``every_day``; a day named itself wins over its group. Values
        ``"HH:MM-HH:MM"``, or ``""`` / ``"closed"`` / None. Days not named are
        closed.
        """
        days: dict[str, TimeWindow | None] = dict.fromkeys(DAY_NAMES)
        order = sorted(spec, key=lambda k: (k not in _GROUPS, k))
        for key in order:
            if key not in _GROUPS and key not in DAY_NAMES:
                raise InputError(
                    source=source,
                    field=f"service_hours.{key}",
                    expected=f"a day name or one of {sorted(_GROUPS)}",
                    got=key,
                )
            v = spec[key]
            win = (
                None
                if v is None or str(v).strip().lower() in ("", "closed")
                else TimeWindow.parse(str(v), field=f"service_hours.{key}")
            )
            for d in _GROUPS.get(key, (key,)):
                days[d] = win
        return cls(tuple(days[d] for d in DAY_NAMES))

    @property
    def open_min_per_week(self) -> float:
        """Open minutes in a week."""
        return float(sum(x.duration_min for x in self.windows if x is not None))

    def hour_of_week_open(self) -> np.ndarray:
        """Share of each hour of the week (168, Monday 00:00 first) that is open."""
        out = np.zeros(168)
        for d, x in enumerate(self.windows):
            if x is None:
                continue
            h = np.arange(24) * 60.0
            out[d * 24 : d * 24 + 24] = (
                np.clip(
                    np.minimum(h + 60, x.end_min) - np.maximum(h, x.start_min), 0, 60
                )
                / 60.0
            )
        return out

    def _table(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        starts = np.array(
            [d * 1440.0 + x.start_min for d, x in enumerate(self.windows) if x]
        )
        lens = np.array([x.duration_min for x in self.windows if x])
        before = np.concatenate([[0.0], np.cumsum(lens)[:-1]])
        return starts, lens, before

    def business_min(self, t: npt.ArrayLike, *, start_weekday: int = 0) -> np.ndarray:
        """Open minutes between the Monday 00:00 before the start and ``t``.

        ``t`` counts minutes from midnight of a day with weekday
        ``start_weekday`` (0 = Monday).
        """
        starts, lens, before = self._table()
        u = np.asarray(t, dtype=np.float64) + start_weekday * 1440.0
        weeks = np.floor(u / WEEK_MIN)
        r = u - weeks * WEEK_MIN
        i = np.searchsorted(starts, r, side="right") - 1
        ic = np.maximum(i, 0)
        inside = np.where(
            i >= 0, before[ic] + np.clip(r - starts[ic], 0, lens[ic]), 0.0
        )
        return weeks * self.open_min_per_week + inside

    def deadline(
        self, t: npt.ArrayLike, target_min: npt.ArrayLike, *, start_weekday: int = 0
    ) -> np.ndarray:
        """The calendar minute at which ``target_min`` open minutes after ``t`` run out."""
        starts, _lens, before = self._table()
        w = self.open_min_per_week
        v = self.business_min(t, start_weekday=start_weekday) + np.asarray(
            target_min, dtype=np.float64
        )
        weeks = np.ceil(v / w) - 1.0
        rem = v - weeks * w
        cum_end = before + _lens
        i = np.minimum(np.searchsorted(cum_end, rem, side="left"), len(starts) - 1)
        u = weeks * WEEK_MIN + starts[i] + (rem - before[i])
        out = u - start_weekday * 1440.0
        # a zero target ends where it starts, also outside the opening hours
        return np.where(np.asarray(target_min) <= 0, np.asarray(t, float), out)
