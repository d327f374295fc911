"""Product categories, fault types and parts: what breaks and what fixes it."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np

from planner.core.checks import readonly
from planner.core.errors import InputError

__all__ = ["Catalog", "FaultType", "Part", "ProductCategory"]


def _nonneg(where: str, name: str, v: float, *, positive: bool = False) -> float:
    if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
        raise InputError(location=where, field=name, expected="a finite number", got=v)
    if (positive and v <= 0) or v < 0:
        raise InputError(
            location=where, field=name, expected="> 0" if positive else ">= 0", got=v
        )
    return float(v)


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
    """

    name: str
    share: float
    skill: str
    repair_min: float
    remote_fix_rate: float = 0.0
    parts: Mapping[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        where = f"fault {self.name!r}"
        _nonneg(where, "share", self.share)
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
    """

    name: str
    failure_rate_per_1000: float
    seasonal: np.ndarray
    faults: tuple[FaultType, ...]

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

    def category(self, name: str) -> ProductCategory:
        """The category called ``name``."""
        for c in self.categories:
            if c.name == name:
                return c
        raise InputError(
            field="category", expected=f"one of {list(self.category_names)}", got=name
        )
