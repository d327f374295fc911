"""Product categories, fault types and parts: what breaks and what fixes it."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np

from planner.core.checks import readonly
from planner.core.errors import InputError

__all__ = [
    "ArrivalProfile",
    "Catalog",
    "FaultType",
    "Part",
    "ProductCategory",
    "hour_of_week_profile",
]


def _nonneg(where: str, name: str, v: float, *, positive: bool = False) -> float:
    if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
        raise InputError(location=where, field=name, expected="a finite number", got=v)
    if (positive and v <= 0) or v < 0:
        raise InputError(
            location=where, field=name, expected="> 0" if positive else ">= 0", got=v
        )
    return float(v)


def check_shares(
    x: object, n: int, *, where: str | None, field_name: str
) -> np.ndarray:
    """``n`` non-negative shares that sum to 1 (one clear line otherwise)."""
    try:
        a = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError):
        raise InputError(
            location=where, field=field_name, expected=f"{n} numbers", got=x
        ) from None
    if a.shape != (n,) or not np.isfinite(a).all():
        raise InputError(
            location=where,
            field=field_name,
            expected=f"{n} finite shares",
            got=f"{a.size} values" if a.ndim == 1 else f"shape {a.shape}",
        )
    if (a < 0).any():
        i = int(np.argmax(a < 0))
        raise InputError(
            location=where,
            field=field_name,
            expected="shares >= 0",
            got=f"{a[i]:g} at position {i + 1}",
        )
    if abs(a.sum() - 1.0) > 1e-6:
        raise InputError(
            location=where,
            field=field_name,
            expected=f"{n} shares that sum to 1",
            got=f"sum {a.sum():.6g}",
        )
    return readonly(a.copy())


@dataclass(frozen=True, slots=True, eq=False)
class ArrivalProfile:
    """When tickets are created within a week: shares by day and by hour.

    ``day_of_week``: 7 shares, Monday first, summing to 1; ``hour_of_day``:
    24 shares (00:00-01:00 first) summing to 1, for Monday to Friday and, when
    ``weekend_hour_of_day`` is None, for the weekend too. The rate in hour
    ``h`` of day ``d`` is proportional to ``day_of_week[d] * hour[d][h]``.

    >>> ArrivalProfile.flat().hour_of_week().sum().round(12)
    np.float64(1.0)
    """

    hour_of_day: np.ndarray
    day_of_week: np.ndarray
    weekend_hour_of_day: np.ndarray | None = None
    where: str | None = None

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(
            self,
            "hour_of_day",
            check_shares(
                self.hour_of_day, 24, where=self.where, field_name="hour_of_day"
            ),
        )
        set_(
            self,
            "day_of_week",
            check_shares(
                self.day_of_week, 7, where=self.where, field_name="day_of_week"
            ),
        )
        if self.weekend_hour_of_day is not None:
            set_(
                self,
                "weekend_hour_of_day",
                check_shares(
                    self.weekend_hour_of_day,
                    24,
                    where=self.where,
                    field_name="weekend_hour_of_day",
                ),
            )

    @classmethod
    def flat(cls) -> ArrivalProfile:
        """The same rate around the clock, every day."""
        return cls(np.full(24, 1 / 24), np.full(7, 1 / 7))

    def hour_of_week(self) -> np.ndarray:
        """168 shares, Monday 00:00-01:00 first, summing to 1."""
        wk = (
            self.hour_of_day
            if self.weekend_hour_of_day is None
            else self.weekend_hour_of_day
        )
        days = [self.hour_of_day] * 5 + [wk] * 2
        out = np.concatenate(
            [d * h for d, h in zip(self.day_of_week, days, strict=True)]
        )
        return readonly(out / out.sum())


@dataclass(frozen=True, slots=True)
class Part:
    """A spare part number.

    Attributes
    ----------
    id
        Part number.
    name
        Human-readable name.
    unit_cost
        Purchase cost of one unit.
    lead_time_days
        Replenishment lead time from the supplier or the central warehouse.
    """

    id: str
    name: str
    unit_cost: float
    lead_time_days: float = 3.0

    def __post_init__(self) -> None:
        where = f"part {self.id!r}"
        if not self.id:
            raise InputError(
                location="part", field="id", expected="a non-empty id", got=self.id
            )
        object.__setattr__(
            self, "unit_cost", _nonneg(where, "unit_cost", self.unit_cost)
        )
        object.__setattr__(
            self,
            "lead_time_days",
            _nonneg(where, "lead_time_days", self.lead_time_days),
        )


@dataclass(frozen=True, slots=True)
class FaultType:
    """A kind of failure of a product category.

    Attributes
    ----------
    name
        Fault name, unique within its category.
    share
        Share of the category's tickets with this fault (shares sum to 1).
    skill
        The technician skill the repair needs.
    repair_min
        Mean diagnosis + repair time on site, minutes.
    remote_fix_rate
        Share of these tickets solved by phone at triage, without a visit.
    parts
        Part id -> probability that the repair uses one unit of it.
    diagnosis_prob
        Probability that the part needs cannot be told at triage: only the
        on-site diagnosis finds them (else the dispatcher knows them and the
        technician collects them at the outlet before the first visit).
    rework_prob
        Probability that the repair fails within 30 days: the customer calls
        again (a repeat ticket, priced as rework).
    """

    name: str
    share: float
    skill: str
    repair_min: float
    remote_fix_rate: float = 0.0
    parts: Mapping[str, float] = field(default_factory=dict)
    diagnosis_prob: float = 1.0
    rework_prob: float = 0.0

    def __post_init__(self) -> None:
        where = f"fault {self.name!r}"
        _nonneg(where, "share", self.share)
        for name in ("diagnosis_prob", "rework_prob"):
            v = getattr(self, name)
            if not (isinstance(v, int | float) and 0 <= v <= 1):
                raise InputError(
                    location=where, field=name, expected="in [0, 1]", got=v
                )
        _nonneg(where, "repair_min", self.repair_min, positive=True)
        if not 0 <= self.remote_fix_rate <= 1:
            raise InputError(
                location=where,
                field="remote_fix_rate",
                expected="in [0, 1]",
                got=self.remote_fix_rate,
            )
        for pid, p in self.parts.items():
            if not 0 <= p <= 1:
                raise InputError(
                    location=where, field=f"parts.{pid}", expected="in [0, 1]", got=p
                )
        object.__setattr__(self, "parts", MappingProxyType(dict(self.parts)))


@dataclass(frozen=True, slots=True, eq=False)
class ProductCategory:
    """An appliance category and how often and how it fails.

    Attributes
    ----------
    name
        Category name (``"air_conditioner"``).
    failure_rate_per_1000
        Tickets per 1,000 residents per year (the brand's installed base).
    seasonal
        12 monthly factors (January first) whose mean is 1.
    faults
        The fault types of this category; their shares sum to 1.
    arrivals
        When in the week its tickets are created (default: flat).
    """

    name: str
    failure_rate_per_1000: float
    seasonal: np.ndarray
    faults: tuple[FaultType, ...]
    arrivals: ArrivalProfile = field(default_factory=ArrivalProfile.flat)

    def __post_init__(self) -> None:
        where = f"category {self.name!r}"
        _nonneg(where, "failure_rate_per_1000", self.failure_rate_per_1000)
        s = np.asarray(self.seasonal, dtype=np.float64)
        if s.shape != (12,) or not np.isfinite(s).all() or (s < 0).any():
            raise InputError(
                location=where,
                field="seasonal",
                expected="12 monthly factors >= 0",
                got=list(np.ravel(s)),
            )
        if abs(s.mean() - 1.0) > 1e-6:
            raise InputError(
                location=where,
                field="seasonal",
                expected="12 monthly factors with mean 1",
                got=f"mean {s.mean():.4f}",
            )
        object.__setattr__(self, "seasonal", readonly(s.copy()))
        if not isinstance(self.arrivals, ArrivalProfile):
            raise InputError(
                location=where,
                field="arrivals",
                expected="an ArrivalProfile",
                got=type(self.arrivals).__name__,
            )
        faults = tuple(self.faults)
        if not faults:
            raise InputError(
                location=where,
                field="faults",
                expected="at least one fault type",
                got="none",
            )
        total = sum(f.share for f in faults)
        if abs(total - 1.0) > 1e-6:
            raise InputError(
                location=where,
                field="faults.share",
                expected="shares that sum to 1",
                got=round(total, 6),
            )
        names = [f.name for f in faults]
        if len(set(names)) != len(names):
            dup = next(n for n in names if names.count(n) > 1)
            raise InputError(
                location=where, field="faults", expected="unique fault names", got=dup
            )
        object.__setattr__(self, "faults", faults)

    @property
    def skills(self) -> frozenset[str]:
        """Skills any of its faults needs."""
        return frozenset(f.skill for f in self.faults)

    @property
    def mean_repair_min(self) -> float:
        """Share-weighted mean repair time."""
        return float(sum(f.share * f.repair_min for f in self.faults))


@dataclass(frozen=True, slots=True, eq=False)
class Catalog:
    """Product categories and spare parts, consistent with each other."""

    categories: tuple[ProductCategory, ...]
    parts: tuple[Part, ...]

    @property
    def category_names(self) -> tuple[str, ...]:
        """Category names in catalogue order."""
        return tuple(c.name for c in self.categories)

    @property
    def skills(self) -> tuple[str, ...]:
        """All skills any fault needs, sorted."""
        return tuple(sorted({s for c in self.categories for s in c.skills}))

    def hour_of_week_profile(
        self, category: str | None = None, *, month: int | None = None
    ) -> np.ndarray:
        """See :func:`hour_of_week_profile`."""
        return hour_of_week_profile(self, category, month=month)

    def category(self, name: str) -> ProductCategory:
        """The category called ``name``."""
        for c in self.categories:
            if c.name == name:
                return c
        raise InputError(
            field="category", expected=f"one of {list(self.category_names)}", got=name
        )


def hour_of_week_profile(
    catalog: Catalog, category: str | None = None, *, month: int | None = None
) -> np.ndarray:
    """The 168-long hour-of-week arrival profile (Monday 00:00 first, sums to 1).

    For one ``category``, its own profile; overall (``None``), the categories'
    profiles weighted by their failure rates (times their seasonal factor of
    ``month``, 1-12, when given), i.e. the shape of all tickets together. This
    is what sizing needs to staff shifts period by period.

    >>> cat = Catalog((ProductCategory("tv", 1.0, np.ones(12),
    ...                (FaultType("f", 1.0, "el", 60.0),)),), ())
    >>> p = hour_of_week_profile(cat)
    >>> p.shape, round(float(p.sum()), 12)
    ((168,), 1.0)
    """
    if category is not None:
        return catalog.category(category).arrivals.hour_of_week()
    if month is not None and not (isinstance(month, int) and 1 <= month <= 12):
        raise InputError(field="month", expected="1 to 12", got=month)
    w = np.array(
        [
            c.failure_rate_per_1000 * (1.0 if month is None else c.seasonal[month - 1])
            for c in catalog.categories
        ]
    )
    if not w.sum() > 0:
        w = np.ones(len(catalog.categories))
    prof = sum(
        wi * c.arrivals.hour_of_week()
        for wi, c in zip(w, catalog.categories, strict=True)
    )
    out = np.asarray(prof, dtype=np.float64)
    return readonly(out / out.sum())
