"""The parts a :class:`~planner.sim.model.SimModel` is composed of.

Each record holds one concern as validated, read-only arrays: where demand is
and when it comes (:class:`Demand`), what breaks and what fixes it
(:class:`Faults`, :class:`Parts`), the outlets and the travel inside their
areas (:class:`Network`), the technicians (:class:`Crew`), the stock policy
(:class:`Stock`) and the rules of the service process (:class:`Service`).
Shapes that tie two records together are checked by the model.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from planner.core.checks import as_array, readonly
from planner.core.errors import InputError
from planner.core.hours import ServiceHours
from planner.geo.speed import SpeedProfile

__all__ = [
    "Crew",
    "Demand",
    "Faults",
    "Network",
    "Parts",
    "RepairDist",
    "Service",
    "Stock",
    "check_profile",
]

RepairDist = Literal["lognormal", "exponential", "deterministic"]
DAY_MIN = 1440.0


def _unset() -> np.ndarray:
    """Default of an optional array field: empty, filled in by ``__post_init__``."""
    return np.empty(0)


def _ro(x: npt.ArrayLike, dtype: Any = np.float64) -> np.ndarray:
    return readonly(np.array(x, dtype=dtype))


def _floats(obj: object, spec: dict[str, tuple[int | None, ...]]) -> None:
    """Check and freeze float arrays of ``obj`` (values >= 0 unless lon/lat)."""
    for name, shape in spec.items():
        a = as_array(getattr(obj, name), name, shape=shape, copy=True)
        if name != "lonlat" and (a < 0).any():
            raise InputError(field=name, expected="values >= 0", got=a.min())
        object.__setattr__(obj, name, readonly(a))


def _ints(obj: object, name: str, n: int, lo: int, upper: int | None) -> np.ndarray:
    a = as_array(getattr(obj, name), name, dtype=np.int64, shape=(n,))
    if a.size and (a.min() < lo or (upper is not None and a.max() >= upper)):
        raise InputError(
            field=name,
            expected=f"indices in [{lo}, {upper})",
            got=f"[{a.min()}, {a.max()}]",
        )
    object.__setattr__(obj, name, readonly(a.copy()))
    return a


def check_profile(x: npt.ArrayLike, name: str, n_cat: int, length: int) -> np.ndarray:
    """A per-category profile of ``length`` factors whose mean is 1.

    A 1-d profile is shared by all ``n_cat`` categories.

    >>> check_profile([2.0, 0.0], "p", 3, 2).shape
    (3, 2)
    >>> check_profile([2.0, 1.0], "p", 1, 2)
    Traceback (most recent call last):
    ...
    planner.core.errors.InputError: p must be 2 factors >= 0 with mean 1 per category; got 'mean 1.5 (row 0)'
    """
    a = as_array(x, name, nonneg=True)
    if a.ndim == 1:
        a = np.broadcast_to(a, (n_cat, a.shape[0]))
    if a.shape != (n_cat, length):
        raise InputError(
            field=name,
            expected=f"{length} factors (or {n_cat} x {length}, one row per category)",
            got=f"shape {a.shape}",
        )
    mean = a.mean(axis=1)
    bad = np.abs(mean - 1.0) > 1e-6
    if bad.any():
        i = int(np.argmax(bad))
        raise InputError(
            field=name,
            expected=f"{length} factors >= 0 with mean 1 per category",
            got=f"mean {mean[i]:.4g} (row {i})",
        )
    return readonly(np.array(a, dtype=np.float64))


@dataclass(frozen=True, slots=True, eq=False)
class Demand:
    """Demand points and when their tickets come.

    ``rate_per_year``: expected tickets per year, ``(n_points, n_categories)``;
    ``radius_m``: the radius of the area each point stands for (0: a point;
    travel to and inside it grows with it, see :class:`Network`);
    ``seasonal``: ``(n_categories, 12)`` monthly factors with mean 1;
    ``week_profile``: ``(n_categories, 168)`` hour-of-week factors with mean 1
    (Monday 00:00 first).
    """

    category_names: tuple[str, ...]
    ids: np.ndarray
    lonlat: np.ndarray
    rate_per_year: np.ndarray
    seasonal: np.ndarray
    week_profile: np.ndarray
    radius_m: np.ndarray = field(default_factory=_unset)

    def __post_init__(self) -> None:
        n_c, n_p = len(self.category_names), len(self.ids)
        if n_c == 0 or n_p == 0:
            raise InputError(
                field="demand",
                expected="at least one category and demand point",
                got=f"{n_c}, {n_p}",
            )
        object.__setattr__(self, "ids", _ro(self.ids, object))
        if np.asarray(self.radius_m).size == 0:
            object.__setattr__(self, "radius_m", np.zeros(n_p))
        _floats(
            self, {"lonlat": (n_p, 2), "rate_per_year": (n_p, n_c), "radius_m": (n_p,)}
        )
        object.__setattr__(
            self, "seasonal", check_profile(self.seasonal, "seasonal", n_c, 12)
        )
        object.__setattr__(
            self,
            "week_profile",
            check_profile(self.week_profile, "week_profile", n_c, 168),
        )

    @property
    def n_points(self) -> int:
        """Number of demand points."""
        return len(self.ids)


@dataclass(frozen=True, slots=True, eq=False)
class Parts:
    """Part numbers: unit cost and replenishment lead time (minutes)."""

    ids: tuple[str, ...]
    unit_cost: np.ndarray
    lead_min: np.ndarray

    def __post_init__(self) -> None:
        n = len(self.ids)
        _floats(self, {"unit_cost": (n,), "lead_min": (n,)})


@dataclass(frozen=True, slots=True, eq=False)
class Faults:
    """One row per fault type, grouped by category.

    ``part_prob`` is ``(n_faults, n_parts)``; ``diagnosis_prob``: the chance
    its part needs are only known after an on-site diagnosis;
    ``rework_prob``: the chance its repair fails within the rework window (a
    repeat ticket).
    """

    names: tuple[str, ...]
    category: np.ndarray
    share: np.ndarray
    skill: np.ndarray
    repair_min: np.ndarray
    remote_rate: np.ndarray
    part_prob: np.ndarray
    diagnosis_prob: np.ndarray = field(default_factory=_unset)
    rework_prob: np.ndarray = field(default_factory=_unset)

    def __post_init__(self) -> None:
        n = len(self.names)
        if n == 0:
            raise InputError(field="faults", expected="at least one fault", got=0)
        if np.asarray(self.diagnosis_prob).size == 0:
            object.__setattr__(self, "diagnosis_prob", np.ones(n))
        if np.asarray(self.rework_prob).size == 0:
            object.__setattr__(self, "rework_prob", np.zeros(n))
        pp = np.asarray(self.part_prob, dtype=np.float64)
        _floats(
            self,
            {
                "share": (n,),
                "repair_min": (n,),
                "remote_rate": (n,),
                "part_prob": (n, pp.shape[1] if pp.ndim == 2 else None),
                "diagnosis_prob": (n,),
                "rework_prob": (n,),
            },
        )
        for name in ("remote_rate", "part_prob", "diagnosis_prob", "rework_prob"):
            if (getattr(self, name) > 1).any():
                raise InputError(field=f"faults.{name}", expected="<= 1", got="> 1")
        cat = _ints(self, "category", n, 0, None)
        _ints(self, "skill", n, 0, None)
        if (np.diff(cat) < 0).any():
            raise InputError(
                field="fault_category",
                expected="faults grouped by category",
                got="unsorted",
            )


@dataclass(frozen=True, slots=True, eq=False)
class Network:
    """Outlets, the outlet serving each demand point, travel inside outlet areas.

    ``point_outlet``: outlet index serving each point; -1 sends its tickets to
    a partner (no outlet, or beyond every outlet's reach: ``beyond_reach``).
    Outlet ``o`` owns a ``local_size[o] x local_size[o]`` block of the flat
    ``local_dur_min`` / ``local_dist_m`` starting at ``local_offset[o]``;
    position 0 is the outlet, ``point_local[p]`` the point. With ``speed``
    (hour-of-day factors) the blocks hold the working day's mean durations;
    ``local_dur_min * free_flow_factor`` are the free-flow ones, which the
    engine times by the hour each leg leaves.
    """

    outlet_ids: np.ndarray
    partner: np.ndarray
    fee: np.ndarray
    fixed_cost_per_year: np.ndarray
    point_outlet: np.ndarray
    point_local: np.ndarray
    local_offset: np.ndarray
    local_size: np.ndarray
    local_dur_min: np.ndarray
    local_dist_m: np.ndarray
    beyond_reach: np.ndarray = field(default_factory=_unset)
    reach_min: float = math.inf
    speed: SpeedProfile | None = None
    free_flow_factor: float = 1.0

    def __post_init__(self) -> None:
        n_o = len(self.outlet_ids)
        n_p = len(np.asarray(self.point_outlet))
        if n_o == 0:
            raise InputError(field="outlets", expected="at least one outlet", got=0)
        object.__setattr__(self, "outlet_ids", _ro(self.outlet_ids, object))
        object.__setattr__(self, "partner", _ro(self.partner, bool))
        if np.asarray(self.beyond_reach).size == 0:
            object.__setattr__(self, "beyond_reach", np.zeros(n_p, dtype=bool))
        object.__setattr__(self, "beyond_reach", _ro(self.beyond_reach, bool))
        _floats(
            self,
            {
                "fee": (n_o,),
                "fixed_cost_per_year": (n_o,),
                "local_dur_min": (None,),
                "local_dist_m": (None,),
            },
        )
        _ints(self, "point_outlet", n_p, -1, n_o)
        _ints(self, "point_local", n_p, 0, None)
        _ints(self, "local_offset", n_o + 1, 0, None)
        _ints(self, "local_size", n_o, 0, None)
        if not (self.reach_min > 0):
            raise InputError(
                field="reach_min", expected="> 0 (or inf)", got=self.reach_min
            )
        if (
            len(self.beyond_reach) != n_p
            or (self.beyond_reach & (self.point_outlet >= 0)).any()
        ):
            raise InputError(
                field="beyond_reach",
                expected="points beyond reach sent to a partner (point_outlet -1)",
                got="a point beyond reach with an outlet",
            )
        sizes = np.diff(self.local_offset)
        if (sizes != self.local_size**2).any() or self.local_offset[-1] != len(
            self.local_dur_min
        ):
            raise InputError(
                field="local_offset",
                expected="blocks of local_size^2 travel times",
                got="inconsistent sizes",
            )
        own = self.point_outlet >= 0
        too_far = self.point_local[own] >= self.local_size[self.point_outlet[own]]
        if too_far.any():
            i = int(np.flatnonzero(own)[np.argmax(too_far)])
            raise InputError(
                location=f"demand point {i}",
                field="point_local",
                expected="a position inside its outlet's travel block",
                got=int(self.point_local[i]),
            )

    @property
    def n_outlets(self) -> int:
        """Number of outlets."""
        return len(self.outlet_ids)


@dataclass(frozen=True, slots=True, eq=False)
class Crew:
    """The technicians: base outlet, skills, shifts and days, van stock.

    ``skills``: ``(n_techs, n_skills)`` bool; ``workdays``: ``(n_techs, 7)``
    bool, Monday first; ``urgent_only``: on call for urgent tickets only;
    ``van_stock``: ``(n_techs, n_parts)`` units each van is refilled to.
    """

    ids: np.ndarray
    outlet: np.ndarray
    skills: np.ndarray
    shift_start: np.ndarray
    shift_end: np.ndarray
    break_start: np.ndarray
    break_end: np.ndarray
    break_min: np.ndarray
    cost_per_hour: np.ndarray
    max_overtime_min: np.ndarray
    workdays: np.ndarray = field(default_factory=_unset)
    urgent_only: np.ndarray = field(default_factory=_unset)
    van_stock: np.ndarray = field(default_factory=_unset)

    def __post_init__(self) -> None:
        object.__setattr__(self, "ids", _ro(self.ids, object))
        n_t = len(self.ids)
        _floats(
            self,
            dict.fromkeys(
                (
                    "shift_start",
                    "shift_end",
                    "break_start",
                    "break_end",
                    "break_min",
                    "cost_per_hour",
                    "max_overtime_min",
                ),
                (n_t,),
            ),
        )
        _ints(self, "outlet", n_t, 0, None)
        ts = np.asarray(self.skills, dtype=bool)
        if ts.ndim != 2 or ts.shape[0] != n_t:
            raise InputError(
                field="tech_skills", expected=f"shape ({n_t}, n_skills)", got=ts.shape
            )
        object.__setattr__(self, "skills", readonly(ts.copy()))
        wd = (
            np.ones((n_t, 7), dtype=bool)
            if np.asarray(self.workdays).size == 0
            else np.asarray(self.workdays, dtype=bool)
        )
        if wd.shape != (n_t, 7) or (n_t and not wd.any(axis=1).all()):
            raise InputError(
                field="tech_workdays",
                expected=f"shape ({n_t}, 7) with at least one workday per technician",
                got=f"shape {wd.shape}"
                if wd.shape != (n_t, 7)
                else "a technician with none",
            )
        object.__setattr__(self, "workdays", readonly(wd.copy()))
        uo = (
            np.zeros(n_t, dtype=bool)
            if np.asarray(self.urgent_only).size == 0
            else np.asarray(self.urgent_only, dtype=bool)
        )
        if uo.shape != (n_t,):
            raise InputError(field="urgent_only", expected=f"{n_t} flags", got=uo.shape)
        object.__setattr__(self, "urgent_only", readonly(uo.copy()))
        if self.van_stock is not None:
            van = as_array(
                self.van_stock, "tech_van_stock", dtype=np.int64, nonneg=True
            )
            if van.ndim != 2 or van.shape[0] != n_t:
                raise InputError(
                    field="tech_van_stock",
                    expected=f"shape (n_techs, n_parts) = ({n_t}, n_parts)",
                    got=van.shape,
                )
            object.__setattr__(self, "van_stock", readonly(van.copy()))
        if (self.shift_end <= self.shift_start).any() or (
            self.shift_end > DAY_MIN
        ).any():
            raise InputError(
                field="tech_shift",
                expected="start < end <= 1440 minutes",
                got="a bad shift",
            )

    @property
    def n_techs(self) -> int:
        """Number of technicians."""
        return len(self.ids)


@dataclass(frozen=True, slots=True, eq=False)
class Stock:
    """Stock policy per part and outlet, ``(n_parts, n_outlets)``.

    ``base_stock``: order-up-to level ``S``; ``reorder_point``: ``s``
    (``-1 <= s < S``), or None for ``s = S - 1`` (one for one). Continuous
    review: when a unit demanded drops the inventory position (shelf + vans +
    on order - backorders) to ``s`` or below, one order lifts it back to ``S``,
    arriving after the part's lead time. An (r,Q) policy is ``s = r``,
    ``S = r + Q``.
    """

    base_stock: np.ndarray
    reorder_point: np.ndarray | None = None

    def __post_init__(self) -> None:
        bs = as_array(self.base_stock, "base_stock", dtype=np.int64, nonneg=True)
        if bs.ndim != 2:
            raise InputError(
                field="base_stock", expected="shape (n_parts, n_outlets)", got=bs.shape
            )
        object.__setattr__(self, "base_stock", readonly(bs.copy()))
        if self.reorder_point is not None:
            rp = as_array(self.reorder_point, "reorder_point", dtype=np.int64)
            if rp.shape != bs.shape:
                raise InputError(
                    field="reorder_point",
                    expected=f"shape (n_parts, n_outlets) = {bs.shape}",
                    got=rp.shape,
                )
            bad = (rp < -1) | (rp >= bs)
            if bad.any():
                i, j = (int(v[0]) for v in np.nonzero(bad))
                raise InputError(
                    field="reorder_point",
                    location=f"part {i}, outlet {j}",
                    expected=f"-1 <= s < S = {int(bs[i, j])}",
                    got=int(rp[i, j]),
                )
            object.__setattr__(self, "reorder_point", readonly(rp.copy()))


@dataclass(frozen=True, slots=True, eq=False)
class Service:
    """The rules of the service process (see :mod:`planner.sim.engine`).

    Attributes
    ----------
    urgency_share, urgency_target_min, urgency_business
        Share, response target and clock (True: business hours) per urgency
        class, urgent first.
    service_hours
        Opening hours a business-hours target counts.
    repair_dist, repair_cv
        Distribution of a repair's duration around the fault's mean.
    diagnosis_share
        Length of a visit that ends unresolved (a part missing), as a share of
        the repair.
    remote_fix_min
        Time to solve a ticket by phone.
    partner_response_min, partner_fee_default
        A partner's time from hand-over to visit; its fee where the outlet
        table sets none.
    overflow_queue_per_tech
        A ticket goes to a partner when its outlet's queue is longer than this
        many jobs per technician (``inf``: never).
    followup_prob, followup_min
        Probability and length of a follow-up visit after a repair.
    rework_window_days
        A failed repair comes back as a repeat ticket uniformly within this
        many days of the repair.
    complaint_late_share
        A ticket whose first visit is later than its target by more than this
        share of the target complains (so does one whose repair fails).
    cancel_after_min
        Customers cancel a ticket not visited after this long (``inf``: never).
    always_on
        Queue mode: technicians work 24/7 (no shifts, breaks or overtime).
    use_parts
        Whether repairs consume parts (False: parts are ignored).
    """

    urgency_share: np.ndarray
    urgency_target_min: np.ndarray
    urgency_business: np.ndarray = field(default_factory=_unset)
    service_hours: ServiceHours = field(default_factory=ServiceHours.always)
    repair_dist: RepairDist = "lognormal"
    repair_cv: float = 0.5
    diagnosis_share: float = 0.5
    remote_fix_min: float = 15.0
    partner_response_min: float = 2 * DAY_MIN
    partner_fee_default: float = 95.0
    overflow_queue_per_tech: float = math.inf
    followup_prob: float = 0.0
    followup_min: float = 20.0
    rework_window_days: float = 30.0
    complaint_late_share: float = 0.5
    cancel_after_min: float = math.inf
    always_on: bool = False
    use_parts: bool = True

    def __post_init__(self) -> None:
        if np.asarray(self.urgency_business).size == 0:
            object.__setattr__(self, "urgency_business", np.zeros(3, dtype=bool))
        object.__setattr__(self, "urgency_business", _ro(self.urgency_business, bool))
        _floats(self, {"urgency_share": (3,), "urgency_target_min": (3,)})
        if self.urgency_business.shape != (3,):
            raise InputError(field="urgency_business", expected="3 flags", got="other")
        if abs(self.urgency_share.sum() - 1.0) > 1e-6:
            raise InputError(
                field="urgency_share",
                expected="shares that sum to 1",
                got=round(float(self.urgency_share.sum()), 6),
            )
        if not isinstance(self.service_hours, ServiceHours):
            raise InputError(
                field="service_hours",
                expected="a ServiceHours",
                got=type(self.service_hours).__name__,
            )
        if self.repair_dist not in ("lognormal", "exponential", "deterministic"):
            raise InputError(
                field="repair_dist",
                expected="'lognormal', 'exponential' or 'deterministic'",
                got=self.repair_dist,
            )
        for name in (
            "repair_cv",
            "remote_fix_min",
            "partner_response_min",
            "partner_fee_default",
            "followup_min",
            "diagnosis_share",
            "rework_window_days",
            "complaint_late_share",
        ):
            v = getattr(self, name)
            if not (isinstance(v, int | float) and math.isfinite(v) and v >= 0):
                raise InputError(field=name, expected="a finite number >= 0", got=v)
        for name in ("overflow_queue_per_tech", "cancel_after_min"):
            v = getattr(self, name)
            if not (isinstance(v, int | float) and v > 0):
                raise InputError(field=name, expected="a number > 0 (or inf)", got=v)
        if not 0 <= self.followup_prob <= 1:
            raise InputError(
                field="followup_prob", expected="in [0, 1]", got=self.followup_prob
            )
