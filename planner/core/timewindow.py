"""Time windows, in minutes (of a day or of a horizon)."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from planner.core.errors import InputError

__all__ = ["CLOCK_FORMS", "TimeWindow", "parse_clock"]

_CLOCK = re.compile(r"^\s*(\d{1,2}):(\d{2})(?::(\d{2}))?\s*$")

#: How a clock time may be written, for messages.
CLOCK_FORMS = '"HH:MM" or "HH:MM:SS" between 00:00 and 24:00'


def parse_clock(text: str, *, field: str = "time") -> float:
    """Parse ``"HH:MM"`` or ``"HH:MM:SS"`` into minutes after midnight.

    ``"24:00"`` is allowed (the end of the day); hours above 24, minutes or
    seconds of 60 and more are refused.

    >>> parse_clock("08:30"), parse_clock("08:30:30")
    (510.0, 510.5)
    >>> parse_clock("10:75")
    Traceback (most recent call last):
    ...
    planner.core.errors.InputError: time must be "HH:MM" or "HH:MM:SS" between 00:00 and 24:00; got '10:75'
    """
    m = _CLOCK.match(text) if isinstance(text, str) else None
    if m:
        h, mi, sec = int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)
        total = h * 60 + mi + sec / 60.0
        if mi < 60 and sec < 60 and total <= 1440:
            return float(total)
    raise InputError(field=field, expected=CLOCK_FORMS, got=text)


@dataclass(frozen=True, slots=True)
class TimeWindow:
    """A closed interval ``[start_min, end_min]`` of minutes.

    >>> TimeWindow.parse("08:00-17:00").duration_min
    540.0
    """

    start_min: float
    end_min: float

    def __post_init__(self) -> None:
        for name in ("start_min", "end_min"):
            v = getattr(self, name)
            if (
                isinstance(v, bool)
                or not isinstance(v, int | float)
                or not math.isfinite(v)
            ):
                raise InputError(
                    field=name, expected="a finite number of minutes", got=v
                )
        if self.end_min < self.start_min:
            raise InputError(
                field="time window",
                expected="end >= start",
                got=f"{self.start_min}-{self.end_min}",
            )
        object.__setattr__(self, "start_min", float(self.start_min))
        object.__setattr__(self, "end_min", float(self.end_min))

    @classmethod
    def parse(cls, text: str, *, field: str = "window") -> TimeWindow:
        """Parse ``"HH:MM-HH:MM"`` (or with seconds); the error shows ``text`` whole.

        >>> TimeWindow.parse("25:00-26:30")
        Traceback (most recent call last):
        ...
        planner.core.errors.InputError: window must be "HH:MM-HH:MM" (or HH:MM:SS) between 00:00 and 24:00; got '25:00-26:30'
        """
        parts = text.split("-") if isinstance(text, str) else []
        try:
            if len(parts) != 2:
                raise InputError(field=field)
            start, end = (parse_clock(parts[0]), parse_clock(parts[1]))
        except InputError:
            raise InputError(
                field=field,
                expected='"HH:MM-HH:MM" (or HH:MM:SS) between 00:00 and 24:00',
                got=text,
            ) from None
        if end < start:
            raise InputError(
                field=field,
                expected="a window whose end is not before its start",
                got=text,
            )
        return cls(start, end)

    @property
    def duration_min(self) -> float:
        """Length of the window."""
        return self.end_min - self.start_min

    def contains(self, t: float) -> bool:
        """Whether ``t`` lies in the window."""
        return self.start_min <= t <= self.end_min

    def __str__(self) -> str:
        def hhmm(x: float) -> str:
            return f"{int(x // 60):02d}:{round(x % 60):02d}"

        return f"{hhmm(self.start_min)}-{hhmm(self.end_min)}"
