"""Time windows, in minutes (of a day or of a horizon)."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from planner.core.errors import InputError

__all__ = ["TimeWindow", "parse_clock"]

_CLOCK = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*$")


def parse_clock(text: str, *, field: str = "time") -> float:
    """Parse ``"HH:MM"`` into minutes after midnight (``"24:00"`` allowed).

    >>> parse_clock("08:30")
    510.0
    """
    m = _CLOCK.match(text) if isinstance(text, str) else None
    if not m or int(m.group(2)) >= 60 or int(m.group(1)) * 60 + int(m.group(2)) > 1440:
        raise InputError(
            field=field,
            expected='a clock time "HH:MM" between 00:00 and 24:00',
            got=text,
        )
    return float(int(m.group(1)) * 60 + int(m.group(2)))


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
        """Parse ``"HH:MM-HH:MM"``."""
        parts = text.split("-") if isinstance(text, str) else []
        if len(parts) != 2:
            raise InputError(field=field, expected='"HH:MM-HH:MM"', got=text)
        start, end = (
            parse_clock(parts[0], field=field),
            parse_clock(parts[1], field=field),
        )
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
