"""Technicians and tickets: who repairs, and what needs repairing."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from planner.core.errors import InputError
from planner.core.timewindow import TimeWindow
from planner.core.urgency import Urgency

__all__ = ["Technician", "Ticket"]


def _lonlat(where: str, name: str, v: tuple[float, float] | None) -> None:
    if v is None:
        return
    if len(v) != 2 or not all(
        isinstance(x, int | float) and math.isfinite(x) for x in v
    ):
        raise InputError(location=where, field=name, expected="(lon, lat)", got=v)
    lon, lat = v
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise InputError(
            location=where,
            field=name,
            expected="lon in [-180, 180] and lat in [-90, 90]",
            got=v,
        )


@dataclass(frozen=True, slots=True)
class Technician:
    """A field technician and their working day.

    Attributes
    ----------
    id
        Technician id.
    outlet_id
        The outlet the technician belongs to (their base), if any.
    start_lonlat, end_lonlat
        Where the day starts and ends (home or outlet); ``end`` defaults to start.
    skills
        Skills held (``{"hvac", "electronics"}``).
    shift
        Working window, minutes after midnight.
    break_window, break_min
        Lunch break of ``break_min`` minutes starting within ``break_window``.
    cost_per_hour
        Regular labour cost.
    max_overtime_min
        Overtime allowed after the shift ends.
    van_stock
        Part id -> units carried in the van.
    workdays
        Weekdays worked, 0 = Monday ... 6 = Sunday (default: every day).
    urgent_only
        On call for urgent tickets only (an evening or night shift): takes no
        other work.

    >>> t = Technician("T1", start_lonlat=(24.94, 60.17), skills={"hvac"},
    ...                shift=TimeWindow(480, 1020))
    >>> t.end_lonlat == t.start_lonlat, t.shift.duration_min
    (True, 540.0)
    """

    id: str
    start_lonlat: tuple[float, float] | None
    skills: frozenset[str] | set[str]
    shift: TimeWindow
    outlet_id: str | None = None
    end_lonlat: tuple[float, float] | None = None
    break_window: TimeWindow | None = None
    break_min: float = 0.0
    cost_per_hour: float = 35.0
    max_overtime_min: float = 0.0
    van_stock: Mapping[str, int] = field(default_factory=dict)
    workdays: frozenset[int] = frozenset(range(7))
    urgent_only: bool = False

    def __post_init__(self) -> None:
        where = f"technician {self.id!r}"
        if not self.id:
            raise InputError(
                location="technician",
                field="id",
                expected="a non-empty id",
                got=self.id,
            )
        if self.start_lonlat is None:
            raise InputError(
                location=where,
                field="start_lonlat",
                expected="a start location (home or outlet)",
                got=None,
            )
        _lonlat(where, "start_lonlat", self.start_lonlat)
        _lonlat(where, "end_lonlat", self.end_lonlat)
        if self.end_lonlat is None:
            object.__setattr__(self, "end_lonlat", self.start_lonlat)
        if not self.skills:
            raise InputError(
                location=where,
                field="skills",
                expected="at least one skill",
                got="none",
            )
        object.__setattr__(self, "skills", frozenset(self.skills))
        for name in ("break_min", "cost_per_hour", "max_overtime_min"):
            v = getattr(self, name)
            if not (isinstance(v, int | float) and math.isfinite(v) and v >= 0):
                raise InputError(
                    location=where, field=name, expected="a number >= 0", got=v
                )
        if self.break_min > 0 and self.break_window is None:
            raise InputError(
                location=where,
                field="break_window",
                expected="a window when break_min > 0",
                got=None,
            )
        if self.break_window is not None and not (
            self.shift.start_min <= self.break_window.start_min
            and self.break_window.end_min <= self.shift.end_min
        ):
            raise InputError(
                location=where,
                field="break_window",
                expected=f"inside the shift {self.shift}",
                got=str(self.break_window),
            )
        for pid, q in self.van_stock.items():
            if not isinstance(q, int) or q < 0:
                raise InputError(
                    location=where,
                    field=f"van_stock.{pid}",
                    expected="an integer >= 0",
                    got=q,
                )
        object.__setattr__(self, "van_stock", MappingProxyType(dict(self.van_stock)))
        days = frozenset(self.workdays)
        if not days or not all(
            isinstance(d, int) and not isinstance(d, bool) and 0 <= d <= 6 for d in days
        ):
            raise InputError(
                location=where,
                field="workdays",
                expected="weekday numbers 0 (Monday) to 6 (Sunday), at least one",
                got=sorted(days, key=str),
            )
        object.__setattr__(self, "workdays", days)
        if not isinstance(self.urgent_only, bool):
            raise InputError(
                location=where,
                field="urgent_only",
                expected="true or false",
                got=self.urgent_only,
            )


@dataclass(frozen=True, slots=True)
class Ticket:
    """A service request.

    Attributes
    ----------
    id
        Ticket id.
    created_min
        Creation time, minutes from the start of the horizon.
    lon, lat
        The customer's address.
    category, fault
        Product category and fault type.
    urgency
        Urgency class.
    skill
        Skill required for the repair.
    service_min
        Expected minutes on site.
    parts
        Part ids needed (one unit each; repeat an id for several units).
    windows
        Appointment windows bounding the start of service (empty: any time).
    """

    id: str
    created_min: float
    lon: float
    lat: float
    category: str
    fault: str
    urgency: Urgency
    skill: str
    service_min: float
    parts: tuple[str, ...] = ()
    windows: tuple[TimeWindow, ...] = ()

    def __post_init__(self) -> None:
        where = f"ticket {self.id!r}"
        if not self.id:
            raise InputError(
                location="ticket", field="id", expected="a non-empty id", got=self.id
            )
        _lonlat(where, "lon/lat", (self.lon, self.lat))
        try:
            object.__setattr__(self, "urgency", Urgency(self.urgency))
        except ValueError:
            raise InputError(
                location=where,
                field="urgency",
                expected=f"one of {[u.value for u in Urgency]}",
                got=self.urgency,
            ) from None
        for name in ("created_min", "service_min"):
            v = getattr(self, name)
            if not (isinstance(v, int | float) and math.isfinite(v) and v >= 0):
                raise InputError(
                    location=where, field=name, expected="a number >= 0", got=v
                )
        object.__setattr__(self, "parts", tuple(self.parts))
        object.__setattr__(self, "windows", tuple(self.windows))
