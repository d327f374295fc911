"""The service cost model: one set of rates and one set of categories.

Every stage prices what it plans with :class:`CostRates` and reports a
:class:`CostBreakdown` in the same categories, so a siting plan, a dispatch
day, a stock plan and a simulated year can be added and compared.
Money is in the scenario's currency; rates are per hour, per km, per unit,
per unit-year, per order, per ticket or per job as their names say.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from planner.core.errors import InputError

__all__ = ["CostBreakdown", "CostCategory", "CostRates"]


class CostCategory(StrEnum):
    """The categories every cost is reported in."""

    FACILITY = "facility"  # outlet fixed cost per year, closing cost
    LABOUR = "labour"  # own technicians, regular hours
    OVERTIME = "overtime"
    TRAVEL_DISTANCE = "travel_distance"  # per km driven
    TRAVEL_TIME = "travel_time"  # per hour driven (if not in labour)
    PARTS = "parts"  # parts consumed, at unit cost
    HOLDING = "holding"
    ORDERING = "ordering"
    SHORTAGE = "shortage"  # backorders, per unit and per unit-time
    COMMUNICATION = "communication"  # per ticket (call centre, SMS)
    OUTSOURCING = "outsourcing"  # partner fee per job
    REWORK = "rework"  # repeat visits
    PENALTY = "penalty"  # SLA penalties: late or unserved jobs


@dataclass(frozen=True, slots=True)
class CostRates:
    """Unit rates of the service cost model.

    Attributes
    ----------
    labour_per_hour
        Cost of one regular technician hour.
    overtime_per_hour
        Cost of one overtime hour.
    travel_per_km
        Vehicle cost per km driven.
    travel_per_hour
        Extra cost per hour driven, on top of labour (0 if labour covers it).
    holding_rate_per_year
        Holding cost per year as a share of a part's unit cost.
    ordering_per_order
        Fixed cost of one replenishment order.
    shortage_per_unit
        Cost per unit backordered.
    shortage_per_unit_day
        Cost per unit and day of backorder.
    communication_per_ticket
        Call-centre and messaging cost per ticket.
    outsourcing_per_job
        Partner fee per job handed over.
    rework_per_visit
        Cost of a repeat visit beyond its labour and travel (admin, goodwill).
    late_penalty_per_hour
        SLA penalty per hour of lateness, by urgency class name.
    unserved_penalty
        Penalty for a job not served in its horizon, by urgency class name.

    >>> CostRates().labour_per_hour
    35.0
    """

    labour_per_hour: float = 35.0
    overtime_per_hour: float = 52.5
    travel_per_km: float = 0.45
    travel_per_hour: float = 0.0
    holding_rate_per_year: float = 0.25
    ordering_per_order: float = 20.0
    shortage_per_unit: float = 15.0
    shortage_per_unit_day: float = 2.0
    communication_per_ticket: float = 1.5
    outsourcing_per_job: float = 95.0
    rework_per_visit: float = 25.0
    late_penalty_per_hour: Mapping[str, float] = field(
        default_factory=lambda: {"urgent": 50.0, "important": 10.0, "general": 2.0}
    )
    unserved_penalty: Mapping[str, float] = field(
        default_factory=lambda: {"urgent": 1000.0, "important": 200.0, "general": 50.0}
    )

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            v = getattr(self, f.name)
            if isinstance(v, Mapping):
                for k, x in v.items():
                    _check_rate(f"{f.name}.{k}", x)
            else:
                _check_rate(f.name, v)

    def replace(self, **changes: Any) -> CostRates:
        """A copy with ``changes`` applied (validated again)."""
        return dataclasses.replace(self, **changes)


def _check_rate(name: str, v: Any) -> None:
    if (
        isinstance(v, bool)
        or not isinstance(v, int | float)
        or not math.isfinite(v)
        or v < 0
    ):
        raise InputError(field=name, expected="a finite number >= 0", got=v)


@dataclass(frozen=True, slots=True)
class CostBreakdown:
    """Amounts by :class:`CostCategory`; add two with ``+``.

    >>> a = CostBreakdown({"labour": 10.0}) + CostBreakdown({"travel_distance": 2.5})
    >>> a.total
    12.5
    """

    amounts: Mapping[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        clean: dict[str, float] = {}
        for k, v in self.amounts.items():
            cat = CostCategory(k)  # raises ValueError on unknown category
            clean[cat.value] = float(v)
        object.__setattr__(self, "amounts", clean)

    @property
    def total(self) -> float:
        """The sum over all categories."""
        return float(sum(self.amounts.values()))

    def __getitem__(self, key: str) -> float:
        return self.amounts.get(CostCategory(key).value, 0.0)

    def __add__(self, other: CostBreakdown) -> CostBreakdown:
        keys: Iterable[str] = {*self.amounts, *other.amounts}
        return CostBreakdown({k: self[k] + other[k] for k in keys})

    def scaled(self, factor: float) -> CostBreakdown:
        """Every amount times ``factor`` (e.g. per ticket)."""
        return CostBreakdown({k: v * factor for k, v in self.amounts.items()})

    def to_dict(self) -> dict[str, float]:
        """All categories in their fixed order, zeros included."""
        return {c.value: self[c.value] for c in CostCategory}
