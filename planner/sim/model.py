"""The simulation model: everything a replication needs, as validated arrays.

A :class:`SimModel` is built once from the core data model
(:meth:`SimModel.from_core`) and then only read. It holds no SimPy objects, so
it can be sent to worker processes and compared across scenarios. It is
composed of the records of :mod:`planner.sim.records`: ``demand``,
``faults``, ``parts``, ``network``, ``crew``, ``stock`` and ``service``.

Time is in minutes from midnight of ``start_date``; distances in metres.
Urgency classes are indexed in the order of :class:`~planner.core.Urgency`
(0 urgent, 1 important, 2 general).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from planner.core.catalog import Catalog
from planner.core.checks import as_array
from planner.core.cost import CostRates
from planner.core.errors import InputError
from planner.core.hours import ServiceHours
from planner.core.tables import DemandPoints, Outlets
from planner.core.urgency import DEFAULT_RESPONSE_TARGET_MIN, Urgency, UrgencyClass
from planner.core.workforce import Technician
from planner.geo.great_circle import GreatCircle
from planner.geo.matrix import TravelModel
from planner.sim.records import (
    Crew,
    Demand,
    Faults,
    Network,
    Parts,
    RepairDist,
    Service,
    Stock,
    check_profile,
)

__all__ = ["URGENCIES", "RepairDist", "SimModel", "check_profile", "deadlines"]

#: Urgency classes in index order.
URGENCIES: tuple[Urgency, ...] = tuple(Urgency)

DAY_MIN = 1440.0
YEAR_MIN = 365.0 * DAY_MIN
_RECORDS = ("demand", "faults", "parts", "network", "crew", "stock", "service")


def _workdays(x: Sequence[int] | npt.ArrayLike | None, n_t: int) -> np.ndarray | None:
    if x is None:
        return None
    a = np.asarray(x)
    if a.dtype == bool:
        return a
    days = a.astype(np.int64).ravel()
    if days.size == 0 or days.min() < 0 or days.max() > 6:
        raise InputError(
            field="workdays", expected="weekday numbers 0 (Monday) to 6", got=list(days)
        )
    wd = np.zeros((n_t, 7), dtype=bool)
    wd[:, days] = True
    return wd


@dataclass(frozen=True, slots=True, eq=False)
class SimModel:
    """One simulated service network, composed of its records.

    Attributes
    ----------
    demand, faults, parts, network, crew, stock, service
        See :mod:`planner.sim.records`.
    skill_names
        Names of the skill indices of ``faults.skill`` and ``crew.skills``.
    costs
        The cost rates.
    start_date
        Calendar date of minute 0 (``YYYY-MM-DD``).
    travel_name
        Description of the travel model.
    """

    demand: Demand
    faults: Faults
    parts: Parts
    network: Network
    crew: Crew
    stock: Stock
    service: Service
    skill_names: tuple[str, ...]
    costs: CostRates = field(default_factory=CostRates)
    start_date: str = "2026-01-01"
    travel_name: str = ""

    def __post_init__(self) -> None:
        n_c = len(self.demand.category_names)
        n_p, n_o = self.demand.n_points, self.network.n_outlets
        n_t, n_s, n_parts = (
            self.crew.n_techs,
            len(self.skill_names),
            len(self.parts.ids),
        )
        f = self.faults
        checks = (
            (
                len(self.network.point_outlet) == n_p,
                "network.point_outlet",
                f"{n_p} points",
            ),
            (int(f.category.max()) < n_c, "faults.category", f"categories < {n_c}"),
            (n_s > 0 and int(f.skill.max()) < n_s, "faults.skill", f"skills < {n_s}"),
            (self.crew.skills.shape[1] == n_s, "crew.skills", f"{n_s} skill columns"),
            (
                n_t == 0 or int(self.crew.outlet.max()) < n_o,
                "crew.outlet",
                f"outlets < {n_o}",
            ),
            (
                f.part_prob.shape[1] == n_parts,
                "faults.part_prob",
                f"{n_parts} part columns",
            ),
            (
                self.stock.base_stock.shape == (n_parts, n_o),
                "base_stock",
                f"shape (n_parts, n_outlets) = ({n_parts}, {n_o})",
            ),
        )
        for ok, name, want in checks:
            if not ok:
                raise InputError(field=name, expected=want, got="other")
        if (
            self.crew.van_stock.shape != (n_t, n_parts)
            and self.crew.van_stock.size == 0
        ):
            object.__setattr__(
                self,
                "crew",
                dataclasses.replace(
                    self.crew, van_stock=np.zeros((n_t, n_parts), dtype=np.int64)
                ),
            )
        elif self.crew.van_stock.shape != (n_t, n_parts):
            raise InputError(
                field="tech_van_stock",
                expected=f"shape (n_techs, n_parts) = ({n_t}, {n_parts})",
                got=self.crew.van_stock.shape,
            )
        for c in range(n_c):
            s = f.share[f.category == c].sum()
            if abs(s - 1.0) > 1e-6:
                raise InputError(
                    location=f"category {self.demand.category_names[c]!r}",
                    field="fault_share",
                    expected="shares that sum to 1 per category",
                    got=round(float(s), 6),
                )
        try:
            np.datetime64(self.start_date, "D")
        except ValueError:
            raise InputError(
                field="start_date", expected="a date YYYY-MM-DD", got=self.start_date
            ) from None

    # ------------------------------------------------------------------ sizes
    @property
    def category_names(self) -> tuple[str, ...]:
        """Product category names (index order)."""
        return self.demand.category_names

    @property
    def fault_names(self) -> tuple[str, ...]:
        """Fault names ``category.fault`` (index order)."""
        return self.faults.names

    @property
    def part_ids(self) -> tuple[str, ...]:
        """Part numbers (index order)."""
        return self.parts.ids

    @property
    def outlet_ids(self) -> np.ndarray:
        """Outlet ids (index order)."""
        return self.network.outlet_ids

    @property
    def n_points(self) -> int:
        """Number of demand points."""
        return self.demand.n_points

    @property
    def n_outlets(self) -> int:
        """Number of outlets."""
        return self.network.n_outlets

    @property
    def n_techs(self) -> int:
        """Number of technicians."""
        return self.crew.n_techs

    @property
    def n_parts(self) -> int:
        """Number of part numbers."""
        return len(self.parts.ids)

    @property
    def start_weekday(self) -> int:
        """Weekday of ``start_date`` (0 = Monday)."""
        return int((np.datetime64(self.start_date, "D").astype(np.int64) + 3) % 7)

    @property
    def tickets_per_year(self) -> float:
        """Expected tickets per year over all points and categories."""
        return float(self.demand.rate_per_year.sum())

    def replace(self, **changes: Any) -> SimModel:
        """A copy with ``changes`` applied (validated again).

        Keys are this model's fields (``crew=...``) or fields of one of its
        records (``base_stock=...``, ``van_stock=...``, ``followup_prob=...``),
        which are routed to the record that holds them.

        >>> from planner.sim.model import SimModel
        >>> SimModel.__dataclass_fields__.keys() >= {"crew", "stock"}
        True
        """
        top: dict[str, Any] = {}
        per: dict[str, dict[str, Any]] = {}
        for k, v in changes.items():
            if k in SimModel.__dataclass_fields__:
                top[k] = v
                continue
            owner = next(
                (
                    r
                    for r in _RECORDS
                    if k in type(getattr(self, r)).__dataclass_fields__
                ),
                None,
            )
            if owner is None:
                raise InputError(
                    field=k,
                    expected="a field of SimModel or of one of its records",
                    got=k,
                )
            per.setdefault(owner, {})[k] = v
        for r, ch in per.items():
            top[r] = dataclasses.replace(top.get(r, getattr(self, r)), **ch)
        return dataclasses.replace(self, **top)

    def summary(self) -> str:
        """One paragraph describing the model."""
        far = int(self.network.beyond_reach.sum())
        return (
            f"SimModel: {self.n_points} demand points, {self.n_outlets} outlets "
            f"({int(self.network.partner.sum())} partners), {self.n_techs} technicians "
            f"({int(self.crew.urgent_only.sum())} on call for urgent work), "
            f"{len(self.category_names)} categories, {len(self.fault_names)} faults, "
            f"{self.n_parts} parts; {self.tickets_per_year:,.0f} tickets/year; "
            f"travel {self.travel_name or 'n/a'}"
            + (f"; {far} demand points beyond reach (to partners)" if far else "")
            + ("; queue mode (24/7)" if self.service.always_on else "")
        )

    def __str__(self) -> str:
        return self.summary()

    # ------------------------------------------------------------ from_core
    @classmethod
    def from_core(
        cls,
        demand: DemandPoints,
        outlets: Outlets,
        technicians: Sequence[Technician],
        catalog: Catalog,
        urgency: Sequence[UrgencyClass],
        costs: CostRates | None = None,
        *,
        assign_idx: npt.ArrayLike | None = None,
        travel: TravelModel | None = None,
        stock: npt.ArrayLike | Mapping[str, npt.ArrayLike] | None = None,
        reorder_point: npt.ArrayLike | None = None,
        week_profile: npt.ArrayLike | None = None,
        dow_profile: npt.ArrayLike | None = None,
        hour_profile: npt.ArrayLike | None = None,
        point_radius_m: npt.ArrayLike | None = None,
        reach_min: float = math.inf,
        service_hours: ServiceHours | None = None,
        repair_dist: RepairDist = "lognormal",
        repair_cv: float = 0.5,
        partner_response_min: float = 2 * DAY_MIN,
        overflow_queue_per_tech: float = math.inf,
        followup_prob: float = 0.0,
        followup_min: float = 20.0,
        rework_window_days: float = 30.0,
        complaint_late_share: float = 0.5,
        cancel_after_min: float = math.inf,
        diagnosis_share: float = 0.5,
        remote_fix_min: float = 15.0,
        always_on: bool = False,
        use_parts: bool = True,
        start_date: str = "2026-01-01",
        workdays: Sequence[int] | npt.ArrayLike | None = None,
    ) -> SimModel:
        """Build the model from the core tables.

        Parameters
        ----------
        demand, outlets, technicians, catalog, urgency, costs
            The core data model. Categories of ``demand`` must be in ``catalog``.
        assign_idx
            Outlet index serving each demand point (-1: partner). Default: the
            nearest outlet, by travel time, that has technicians or is a partner.
        travel
            Travel model (default ``GreatCircle()``); zero travel in queue mode
            when None.
        stock, reorder_point
            Base-stock (order-up-to) level per part and outlet: an
            ``(n_parts, n_outlets)`` array in catalogue part order, or
            ``{part_id: (n_outlets,) levels}``; with reorder points, (s,S)
            policies (see :class:`~planner.sim.records.Stock`). Default 0.
        week_profile, dow_profile, hour_profile
            Arrival factors with mean 1: 168 hours of the week (Monday 00:00
            first), or the older product of 7 day and 24 hour factors; 1-d
            (shared) or one row per catalogue category. Default: each
            category's :class:`~planner.core.ArrivalProfile`.
        point_radius_m
            Radius of the area each demand point stands for: the travel to a
            point becomes the root-mean-square distance to a uniform address
            in its disc, ``sqrt(d^2 + (r_a^2 + r_b^2) / 2)``, so visits inside
            a town are not free (default 0: points).
        reach_min
            Demand points farther than this (one-way travel minutes) from the
            outlet serving them go to a partner and are flagged
            (``network.beyond_reach``) instead of being driven to.
        service_hours
            The opening hours business-hours targets count (default 24/7).
        always_on
            Queue mode: technicians work 24/7, no shifts, breaks or overtime.
        workdays
            Weekdays everybody works (0 = Monday ... 6 = Sunday), or an
            ``(n_techs, 7)`` bool array; default each technician's own.

        Examples
        --------
        >>> from planner.core import *
        >>> cat = Catalog((ProductCategory("tv", 1.0, np.ones(12),
        ...                (FaultType("f", 1.0, "el", 60.0),)),), ())
        >>> d = DemandPoints.from_arrays(["p"], [0.0], [0.0],
        ...                              tickets_per_year=[[1000.0]], categories=["tv"])
        >>> o = Outlets.from_arrays(["o"], [0.0], [0.01])
        >>> t = [Technician("t", (0.0, 0.01), {"el"}, TimeWindow(480, 1020),
        ...                 outlet_id="o")]
        >>> u = [UrgencyClass(Urgency.GENERAL, 4320, 1.0)]
        >>> m = SimModel.from_core(d, o, t, cat, u)
        >>> m.n_techs, int(m.network.point_outlet[0]), round(float(m.network.local_dur_min[1]), 1)
        (1, 0, 2.2)
        """
        from planner.sim.assemble import (
            crew_arrays,
            fault_arrays,
            local_travel,
            stock_levels,
            week_factors,
        )

        costs = costs if costs is not None else CostRates()
        cat_names = catalog.category_names
        for c in demand.categories:
            if c not in cat_names:
                raise InputError(
                    source=demand.source,
                    field="categories",
                    expected=f"catalogue categories {list(cat_names)}",
                    got=c,
                )
        n_p, n_c, n_o = demand.n_points, len(cat_names), outlets.n_sites
        rate = np.zeros((n_p, n_c))
        for j, c in enumerate(demand.categories):
            rate[:, cat_names.index(c)] += demand.tickets_per_year[:, j]
        part_ids = tuple(p.id for p in catalog.parts)
        skills = sorted(
            set(catalog.skills) | {s for t in technicians for s in t.skills}
        )
        faults = fault_arrays(catalog, skills, part_ids)
        share = np.zeros(3)
        target = np.array([DEFAULT_RESPONSE_TARGET_MIN[u] for u in URGENCIES])
        business = np.zeros(3, dtype=bool)
        for uc in urgency:
            i = URGENCIES.index(uc.urgency)
            share[i] = uc.share
            target[i] = uc.response_target_min
            business[i] = uc.clock == "business"
        crew = crew_arrays(technicians, outlets, skills, part_ids, always_on=always_on)
        wd = _workdays(workdays, crew.n_techs)
        if wd is not None:
            crew = dataclasses.replace(crew, workdays=wd)
        if travel is None and not always_on:
            travel = GreatCircle()
        has_tech = np.zeros(n_o, dtype=bool)
        has_tech[crew.outlet] = True
        if (has_tech & outlets.partner).any():
            i = int(np.argmax(has_tech & outlets.partner))
            raise InputError(
                location=f"outlet {outlets.ids[i]!r}",
                field="partner",
                expected="own outlets only for technicians",
                got="a partner outlet with technicians",
            )
        radius = (
            np.zeros(n_p)
            if point_radius_m is None
            else as_array(point_radius_m, "point_radius_m", shape=(n_p,), nonneg=True)
        )
        if assign_idx is None:
            usable = np.flatnonzero(has_tech | outlets.partner)
            if usable.size == 0:
                assign = np.full(n_p, -1, dtype=np.int64)
            elif travel is None:
                d2 = (
                    (demand.lonlat[:, None, :] - outlets.lonlat[None, usable, :]) ** 2
                ).sum(axis=2)
                assign = usable[np.argmin(d2, axis=1)]
            else:
                tm = travel.matrix(demand.lonlat, outlets.lonlat[usable])
                assign = usable[np.argmin(tm.duration_min, axis=1)]
        else:
            assign = as_array(assign_idx, "assign_idx", dtype=np.int64, shape=(n_p,))
            bad = (assign < -1) | (assign >= n_o)
            if bad.any():
                i = int(np.argmax(bad))
                raise InputError(
                    location=f"demand point {demand.ids[i]!r}",
                    field="assign_idx",
                    expected=f"an outlet index in [-1, {n_o})",
                    got=int(assign[i]),
                )
        if not reach_min > 0:
            raise InputError(field="reach_min", expected="> 0 (or inf)", got=reach_min)
        network = local_travel(
            outlets,
            demand.lonlat,
            radius,
            np.asarray(assign, dtype=np.int64),
            travel,
            reach_min=float(reach_min),
        )
        base, rp = stock_levels(stock, reorder_point, part_ids, n_o)
        return cls(
            demand=Demand(
                category_names=cat_names,
                ids=demand.ids,
                lonlat=demand.lonlat,
                rate_per_year=rate,
                seasonal=np.array([c.seasonal for c in catalog.categories]),
                week_profile=week_factors(
                    catalog, week_profile, dow_profile, hour_profile
                ),
                radius_m=radius,
            ),
            faults=faults,
            parts=Parts(
                ids=part_ids,
                unit_cost=np.array([p.unit_cost for p in catalog.parts]),
                lead_min=np.array([p.lead_time_days * DAY_MIN for p in catalog.parts]),
            ),
            network=network,
            crew=crew,
            stock=Stock(base_stock=base, reorder_point=rp),
            service=Service(
                urgency_share=share,
                urgency_target_min=target,
                urgency_business=business,
                service_hours=service_hours or ServiceHours.always(),
                repair_dist=repair_dist,
                repair_cv=repair_cv,
                diagnosis_share=diagnosis_share,
                remote_fix_min=remote_fix_min,
                partner_response_min=partner_response_min,
                partner_fee_default=costs.outsourcing_per_job,
                overflow_queue_per_tech=overflow_queue_per_tech,
                followup_prob=followup_prob,
                followup_min=followup_min,
                rework_window_days=rework_window_days,
                complaint_late_share=complaint_late_share,
                cancel_after_min=cancel_after_min,
                always_on=always_on,
                use_parts=use_parts,
            ),
            skill_names=tuple(skills),
            costs=costs,
            start_date=start_date,
            travel_name=travel.describe() if travel is not None else "zero travel",
        )


def deadlines(model: SimModel, created: np.ndarray, urgency: np.ndarray) -> np.ndarray:
    """The minute each ticket's response target runs out, on its class's clock."""
    sv = model.service
    target = sv.urgency_target_min[urgency]
    out = np.asarray(created + target, dtype=np.float64)
    biz = sv.urgency_business[urgency]
    if biz.any():
        out[biz] = sv.service_hours.deadline(
            created[biz], target[biz], start_weekday=model.start_weekday
        )
    return out
