"""Shifts, urgency classes and their clocks, and arrival rates over the week.

A week has 168 hourly periods, Monday 00:00-01:00 first; plans repeat every
week. A :class:`Shift` is a pattern one technician works every week; a
:class:`ServiceClass` is a target on the calendar or the business clock.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from planner.core.checks import as_array
from planner.core.errors import InputError

__all__ = [
    "CLOCKS",
    "DAY_NAMES",
    "DEFAULT_CLASSES",
    "DEFAULT_SHIFTS",
    "HOURS_PER_WEEK",
    "WEEKS_PER_YEAR",
    "ServiceClass",
    "Shift",
    "clock_gap_min",
    "week_rates",
    "when",
]

HOURS_PER_WEEK = 168
WEEKS_PER_YEAR = 365.0 / 7.0
CLOCKS = ("calendar", "business")
DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _hhmm(m: float) -> str:
    m = round(m) % 1440
    return f"{m // 60:02d}:{m % 60:02d}"


def when(hour_of_week: int) -> str:
    """``'Tue 07:00'`` for hour 31 of the week."""
    h = int(hour_of_week) % HOURS_PER_WEEK
    return f"{DAY_NAMES[h // 24]} {h % 24:02d}:00"


def _minutes(x: Any, name: str) -> int:
    if isinstance(x, str):
        m = re.fullmatch(r"(\d{1,2}):(\d{2})", x.strip())
        if not m or int(m.group(2)) >= 60:
            raise InputError(field=name, expected="'HH:MM'", got=x)
        return int(m.group(1)) * 60 + int(m.group(2))
    if isinstance(x, bool) or not isinstance(x, int | float | np.integer | np.floating):
        raise InputError(field=name, expected="minutes or 'HH:MM'", got=x)
    return round(float(x))


@dataclass(frozen=True, slots=True)
class Shift:
    """A shift pattern one technician works every week.

    Attributes
    ----------
    name
        Name (unique in a catalogue).
    start_min, end_min
        Start and end in minutes after midnight, on whole hours (the model's
        periods are hours); ``end_min`` may pass midnight (``23:00-07:00`` is
        1380-1860). ``'HH:MM'`` strings are accepted; an end at or before the
        start means the next day.
    weekdays
        Days the shift starts on, 0 = Monday.
    cost_factor
        Multiplier on the labour rate (evening, night and weekend premiums).
    urgent_only
        An on-call shift: its technicians take tickets of the first class
        (urgent) only, and hold every skill.
    break_min, break_start_min
        A break of ``break_min`` minutes a day, taken somewhere in a window of
        ``max(2, ceil(break_min / 60))`` hours from ``break_start_min`` (by
        default the middle of the shift); the model counts the window's
        hours as that much less available (:meth:`availability`). Paid hours
        include the break.

    >>> s = Shift("night", "23:00", "07:00", weekdays=range(7), cost_factor=1.3)
    >>> s.end_min, s.paid_h_per_week, int(s.on_duty()[0])  # Mon 00:00 from Sun
    (1860, 56.0, 1)
    >>> d = Shift("day", "08:00", "17:00", break_min=60)
    >>> d.break_start_min, float(d.availability()[11]), d.worked_h_per_week
    (660, 0.5, 40.0)
    """

    name: str
    start_min: int | str
    end_min: int | str
    weekdays: tuple[int, ...] | Sequence[int] = (0, 1, 2, 3, 4)
    cost_factor: float = 1.0
    urgent_only: bool = False
    break_min: float = 0.0
    break_start_min: int | str | None = None

    def __post_init__(self) -> None:
        where = f"shift {self.name!r}"
        if not isinstance(self.name, str) or not self.name:
            raise InputError(
                field="shift name", expected="a non-empty string", got=self.name
            )
        s = _minutes(self.start_min, "start")
        e = _minutes(self.end_min, "end")
        if not 0 <= s < 1440:
            raise InputError(
                location=where, field="start", expected="in [00:00, 24:00)", got=s
            )
        if e <= s:
            e += 1440
        if e - s > 1440 or s % 60 or e % 60:
            raise InputError(
                location=where,
                field="start/end",
                expected="whole hours, at most 24 h long",
                got=f"{_hhmm(s)}-{_hhmm(e)}",
            )
        days = tuple(sorted({int(d) for d in self.weekdays}))
        if not days or days[0] < 0 or days[-1] > 6:
            raise InputError(
                location=where, field="weekdays", expected="days 0 (Mon) to 6", got=days
            )
        cf = float(self.cost_factor)
        if not (math.isfinite(cf) and cf > 0):
            raise InputError(
                location=where, field="cost_factor", expected="> 0", got=cf
            )
        object.__setattr__(self, "start_min", s)
        object.__setattr__(self, "end_min", e)
        object.__setattr__(self, "weekdays", days)
        object.__setattr__(self, "cost_factor", cf)
        object.__setattr__(self, "urgent_only", bool(self.urgent_only))
        bm = float(self.break_min)
        if not (math.isfinite(bm) and 0 <= bm < e - s):
            raise InputError(
                location=where,
                field="break_min",
                expected=f"in [0, {e - s}) minutes",
                got=bm,
            )
        object.__setattr__(self, "break_min", bm)
        win = max(2, math.ceil(bm / 60.0)) * 60
        if bm == 0:
            object.__setattr__(self, "break_start_min", None)
            return
        if self.break_start_min is None:
            b0 = s + ((e - s - win) // 120) * 60  # the middle, on the hour
        else:
            b0 = _minutes(self.break_start_min, "break_start")
            if b0 < s:
                b0 += 1440
        if b0 % 60 or b0 < s or b0 + win > e:
            raise InputError(
                location=where,
                field="break_start",
                expected=f"a whole hour with the {win // 60} h window inside the shift",
                got=_hhmm(b0),
            )
        object.__setattr__(self, "break_start_min", int(b0))

    @property
    def length_h(self) -> float:
        """Hours per working day."""
        return (int(self.end_min) - int(self.start_min)) / 60.0

    @property
    def paid_h_per_week(self) -> float:
        """Hours per week."""
        return self.length_h * len(self.weekdays)

    @property
    def worked_h_per_week(self) -> float:
        """Hours per week less the breaks."""
        return (self.length_h - float(self.break_min) / 60.0) * len(self.weekdays)

    def availability(self) -> np.ndarray:
        """168 shares of an hour a technician of this shift is available.

        1 on duty, less the break spread over its window's hours, 0 off duty.
        """
        out = self.on_duty().astype(np.float64)
        if self.break_start_min is None:
            return out
        win = max(2, math.ceil(float(self.break_min) / 60.0))
        h0 = int(self.break_start_min) // 60
        for d in self.weekdays:
            out[(d * 24 + h0 + np.arange(win)) % HOURS_PER_WEEK] -= (
                float(self.break_min) / 60.0 / win
            )
        return out

    def on_duty(self) -> np.ndarray:
        """168 booleans: the hours of the week this shift is on duty."""
        out = np.zeros(HOURS_PER_WEEK, dtype=bool)
        h0, n = int(self.start_min) // 60, int(self.length_h)
        for d in self.weekdays:
            out[(d * 24 + h0 + np.arange(n)) % HOURS_PER_WEEK] = True
        return out

    def end_hours(self) -> np.ndarray:
        """Hour-of-week index of the last hour of each working day."""
        h1 = int(self.end_min) // 60 - 1
        return np.array([(d * 24 + h1) % HOURS_PER_WEEK for d in self.weekdays])

    def label(self) -> str:
        """``'day 08:00-17:00 Mon-Fri'``."""
        d = self.weekdays
        days = (
            f"{DAY_NAMES[d[0]]}-{DAY_NAMES[d[-1]]}"
            if len(d) > 1 and d == tuple(range(d[0], d[-1] + 1))
            else ",".join(DAY_NAMES[i] for i in d)
        )
        tail = " (urgent only)" if self.urgent_only else ""
        return (
            f"{self.name} {_hhmm(int(self.start_min))}-{_hhmm(int(self.end_min))}"
            f" {days}{tail}"
        )


@dataclass(frozen=True, slots=True)
class ServiceClass:
    """An urgency class and its target: ``share`` of tickets wait at most ``target_min``.

    ``clock`` is ``"calendar"`` (the target runs day and night) or
    ``"business"`` (waiting counts only inside the problem's business hours).

    >>> ServiceClass("urgent", 240, 0.9).clock
    'calendar'
    """

    name: str
    target_min: float
    share: float
    clock: str = "calendar"

    def __post_init__(self) -> None:
        where = f"class {self.name!r}"
        if self.clock not in CLOCKS:
            raise InputError(
                location=where,
                field="clock",
                expected=" or ".join(repr(c) for c in CLOCKS),
                got=self.clock,
            )
        t = float(self.target_min)
        if not (math.isfinite(t) and t >= 0):
            raise InputError(location=where, field="target_min", expected=">= 0", got=t)
        sh = float(self.share)
        if not (math.isfinite(sh) and 0 < sh <= 1):
            raise InputError(
                location=where, field="share", expected="in (0, 1]", got=sh
            )
        object.__setattr__(self, "target_min", t)
        object.__setattr__(self, "share", sh)


#: Urgent 4 h on the calendar, important 24 h and general 72 h on business hours.
DEFAULT_CLASSES = (
    ServiceClass("urgent", 240.0, 0.9, "calendar"),
    ServiceClass("important", 1440.0, 0.9, "business"),
    ServiceClass("general", 4320.0, 0.9, "business"),
)

#: A catalogue that can staff every hour of the week.
DEFAULT_SHIFTS = (
    Shift("early", "07:00", "15:00", range(5)),
    Shift("day", "08:00", "17:00", range(5)),
    Shift("late", "12:00", "21:00", range(5)),
    Shift("weekend", "08:00", "17:00", (5, 6), 1.25),
    Shift("evening", "17:00", "23:00", range(7), 1.15),
    Shift("night", "23:00", "07:00", range(7), 1.3),
)


def week_rates(
    tickets_per_year: npt.ArrayLike,
    *,
    hour_profile: npt.ArrayLike | None = None,
    dow_profile: npt.ArrayLike | None = None,
) -> np.ndarray:
    """Arrivals per hour for each of the 168 hours of the week.

    ``hour_profile`` is the share of a day's tickets per hour (24 values) or of
    a week's per hour of the week (168 values); ``dow_profile`` the share of a
    week's tickets per day (7 values). Each must be >= 0 and sum to 1; a
    leading axis matching the last axis of ``tickets_per_year`` gives one
    profile per class. Flat when omitted.

    >>> r = week_rates([8766.0], hour_profile=np.r_[np.zeros(12), np.full(12, 1/12)])
    >>> r.shape, float(r[0, 0]), round(float(r[0, 12]), 6)
    ((1, 168), 0.0, 2.0)
    """
    y = as_array(tickets_per_year, "tickets_per_year", nonneg=True)
    k = y.shape[-1] if y.ndim else 1
    hp = _profile(hour_profile, "hour_profile", (24, HOURS_PER_WEEK), k)
    dp = _profile(dow_profile, "dow_profile", (7,), k)
    if hp.shape[-1] == 24:
        week = (dp[..., :, None] * hp[..., None, :]).reshape(*hp.shape[:-1], 168)
    else:
        week = hp * 1.0 if dow_profile is None else hp * np.repeat(dp * 7, 24, -1)
        week = week / week.sum(-1, keepdims=True)
    return np.asarray(y[..., None] / WEEKS_PER_YEAR * week)


def _profile(
    p: npt.ArrayLike | None, name: str, lengths: tuple[int, ...], k: int
) -> np.ndarray:
    if p is None:
        n = lengths[0]
        return np.full(n, 1.0 / n)
    a = as_array(p, name)
    if a.shape[-1] not in lengths or a.ndim > 2 or (a.ndim == 2 and a.shape[0] != k):
        raise InputError(
            field=name,
            expected=f"{' or '.join(map(str, lengths))} values (or one row per class)",
            got=f"shape {a.shape}",
        )
    if (a < 0).any():
        i = np.argwhere(a < 0)[0].tolist()
        raise InputError(
            field=name, location=f"value {i}", expected=">= 0", got=float(a[tuple(i)])
        )
    tot = a.sum(-1)
    if not np.allclose(tot, 1.0, atol=1e-6):
        raise InputError(
            field=name,
            expected="values summing to 1",
            got=round(float(np.ravel(tot)[np.argmax(np.abs(np.ravel(tot) - 1))]), 6),
        )
    return a


def clock_gap_min(cover: np.ndarray, clock: str, business: np.ndarray) -> np.ndarray:
    """Clock minutes from the start of each hour to the next hour someone is on duty.

    ``cover`` is ``(..., 168)`` booleans; the result has its shape, ``inf``
    where nobody is ever on duty. On the business clock only business hours
    count.
    """
    runs = np.ones(HOURS_PER_WEEK) if clock == "calendar" else business.astype(float)
    cov = np.asarray(cover, dtype=bool)
    out = np.full(cov.shape, np.inf)
    two = np.concatenate([cov, cov], -1)
    clk = np.concatenate([runs, runs]) * 60.0
    # walk backwards over two weeks: gap(h) = 0 if covered else clk[h] + gap(h+1)
    g = np.full(cov.shape[:-1], np.inf)
    for h in range(2 * HOURS_PER_WEEK - 1, -1, -1):
        g = np.where(two[..., h], 0.0, clk[h] + g)
        if h < HOURS_PER_WEEK:
            out[..., h] = g
    return out
