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
import numbers
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from planner.core.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

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


def _rate(default: float, doc: str) -> Any:
    return field(default=default, metadata={"doc": doc})


@dataclass(frozen=True, slots=True)
class CostRates:
    """Unit rates of the service cost model.

    Each field's meaning is in its ``metadata["doc"]`` (see :meth:`docs`); the
    scenario's ``[costs]`` table is derived from these fields, so a rate added
    here is a scenario key at once.

    >>> CostRates().labour_per_hour
    35.0
    """

    labour_per_hour: float = _rate(35.0, "Cost of one regular technician hour.")
    overtime_per_hour: float = _rate(52.5, "Cost of one overtime hour.")
    travel_per_km: float = _rate(0.45, "Vehicle cost per km driven.")
    travel_per_hour: float = _rate(
        0.0, "Extra cost per hour driven, on top of labour (0 if labour covers it)."
    )
    holding_rate_per_year: float = _rate(
        0.25, "Holding cost per year as a share of a part's unit cost."
    )
    ordering_per_order: float = _rate(20.0, "Fixed cost of one replenishment order.")
    shortage_per_unit: float = _rate(15.0, "Cost per unit backordered.")
    shortage_per_unit_day: float = _rate(2.0, "Cost per unit and day of backorder.")
    communication_per_ticket: float = _rate(
        1.5, "Call-centre and messaging cost per ticket."
    )
    outsourcing_per_job: float = _rate(95.0, "Partner fee per job handed over.")
    rework_per_visit: float = _rate(
        25.0, "Cost of a repeat visit beyond its labour and travel (admin, goodwill)."
    )
    late_penalty_per_hour: Mapping[str, float] = field(
        default_factory=lambda: {"urgent": 50.0, "important": 10.0, "general": 2.0},
        metadata={"doc": "SLA penalty per hour of lateness, by urgency class name."},
    )
    unserved_penalty: Mapping[str, float] = field(
        default_factory=lambda: {"urgent": 1000.0, "important": 200.0, "general": 50.0},
        metadata={
            "doc": "Penalty for a job not served in its horizon, by urgency class."
        },
    )

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            v = getattr(self, f.name)
            if isinstance(v, Mapping):
                for k, x in v.items():
                    _check_rate(f"costs.{f.name}.{k}", x)
            else:
                _check_rate(f"costs.{f.name}", v)

    @classmethod
    def docs(cls) -> dict[str, str]:
        """Field name -> what the rate means.

        >>> CostRates.docs()["travel_per_km"]
        'Vehicle cost per km driven.'
        """
        return {f.name: f.metadata.get("doc", "") for f in dataclasses.fields(cls)}

    def replace(self, **changes: Any) -> CostRates:
        """A copy with ``changes`` applied (validated again)."""
        return dataclasses.replace(self, **changes)


def _check_rate(name: str, v: Any) -> None:
    """One rate: named as the scenario's ``[costs]`` key, like the schema does."""
    if (
        isinstance(v, bool)
        or not isinstance(v, numbers.Real)
        or not math.isfinite(v)
        or v < 0
    ):
        raise InputError(field=name, expected="a finite number >= 0", got=v)


@dataclass(frozen=True, slots=True)
class CostBreakdown:
    """Amounts by :class:`CostCategory` over a period; add two with ``+``.

    ``period_days`` says what the amounts cover: 365 for a year, 1 for a day,
    ``None`` when unstated (a total of something, or a rate per ticket).
    Two breakdowns add only when their periods agree (or one is unstated);
    :meth:`per_year` converts to a year.

    >>> a = CostBreakdown({"labour": 10.0}) + CostBreakdown({"travel_distance": 2.5})
    >>> a.total
    12.5
    >>> CostBreakdown({"holding": 2.0}, period_days=1.0).per_year()["holding"]
    730.0
    """

    amounts: Mapping[str, float] = field(default_factory=dict)
    period_days: float | None = None

    def __post_init__(self) -> None:
        clean: dict[str, float] = {}
        for k, v in self.amounts.items():
            try:
                cat = CostCategory(k)
            except ValueError:
                raise InputError(
                    field="cost category",
                    expected="one of " + ", ".join(c.value for c in CostCategory),
                    got=k,
                ) from None
            if isinstance(v, bool) or not isinstance(v, int | float):
                try:
                    v = float(v)  # numpy scalars
                except (TypeError, ValueError):
                    raise InputError(
                        field=f"cost.{cat.value}", expected="a number", got=v
                    ) from None
            if not math.isfinite(float(v)):
                raise InputError(field=f"cost.{cat.value}", expected="finite", got=v)
            clean[cat.value] = clean.get(cat.value, 0.0) + float(v)
        object.__setattr__(self, "amounts", clean)
        if self.period_days is not None:
            pd_ = float(self.period_days)
            if not (math.isfinite(pd_) and pd_ > 0):
                raise InputError(
                    field="period_days", expected="a finite number > 0", got=pd_
                )
            object.__setattr__(self, "period_days", pd_)

    @property
    def total(self) -> float:
        """The sum over all categories."""
        return float(sum(self.amounts.values()))

    @property
    def total_excluding_penalties(self) -> float:
        """The sum over all categories but :attr:`CostCategory.PENALTY`."""
        return self.total - self[CostCategory.PENALTY]

    def __getitem__(self, key: str) -> float:
        return self.amounts.get(CostCategory(key).value, 0.0)

    def __add__(self, other: CostBreakdown) -> CostBreakdown:
        a, b = self.period_days, other.period_days
        if a is not None and b is not None and not math.isclose(a, b):
            raise InputError(
                field="period_days",
                expected="equal periods to add (use per_year() first)",
                got=f"{a:g} and {b:g} days",
            )
        keys: Iterable[str] = {*self.amounts, *other.amounts}
        return CostBreakdown(
            {k: self[k] + other[k] for k in keys}, period_days=a if a is not None else b
        )

    def scaled(
        self, factor: float, *, period_days: float | None = None
    ) -> CostBreakdown:
        """Every amount times ``factor`` (e.g. per ticket), over ``period_days``."""
        return CostBreakdown(
            {k: v * factor for k, v in self.amounts.items()}, period_days=period_days
        )

    def per_year(self) -> CostBreakdown:
        """The same costs over 365 days (needs ``period_days``)."""
        if self.period_days is None:
            raise InputError(
                field="period_days",
                expected="a stated period to convert to a year",
                got=None,
            )
        return self.scaled(365.0 / self.period_days, period_days=365.0)

    def to_dict(self) -> dict[str, float]:
        """All categories in their fixed order, zeros included."""
        return {c.value: self[c.value] for c in CostCategory}

    def to_frame(self) -> pd.DataFrame:
        """One row per category: ``category, amount, share`` (zeros included)."""
        import pandas as pd

        d = self.to_dict()
        tot = self.total
        return pd.DataFrame(
            {
                "category": list(d),
                "amount": list(d.values()),
                "share": [v / tot if tot else 0.0 for v in d.values()],
            }
        )
