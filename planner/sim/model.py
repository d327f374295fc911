"""The simulation model: everything a replication needs, as validated arrays.

A :class:`SimModel` is built once from the core data model
(:meth:`SimModel.from_core`) and then only read. It holds no SimPy objects, so
it can be sent to worker processes and compared across scenarios.

Time is in minutes from midnight of ``start_date``; distances in metres.
Urgency classes are indexed in the order of :class:`~planner.core.Urgency`
(0 urgent, 1 important, 2 general).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from planner.core.catalog import Catalog
from planner.core.checks import as_array, readonly
from planner.core.cost import CostRates
from planner.core.errors import InputError
from planner.core.tables import DemandPoints, Outlets
from planner.core.urgency import DEFAULT_RESPONSE_TARGET_MIN, Urgency, UrgencyClass
from planner.core.workforce import Technician
from planner.geo.great_circle import GreatCircle
from planner.geo.matrix import TravelModel

__all__ = ["URGENCIES", "RepairDist", "SimModel", "check_profile"]

#: Urgency classes in index order.
URGENCIES: tuple[Urgency, ...] = tuple(Urgency)

RepairDist = Literal["lognormal", "exponential", "deterministic"]

DAY_MIN = 1440.0
YEAR_MIN = 365.0 * DAY_MIN


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


def _ro(x: npt.ArrayLike, dtype: Any = np.float64) -> np.ndarray:
    return readonly(np.array(x, dtype=dtype))


@dataclass(frozen=True, slots=True, eq=False)
class SimModel:
    """Arrays of one simulated service network (see :meth:`from_core`).

    Attributes
    ----------
    category_names, fault_names, skill_names, part_ids
        Names of the indices used in the arrays.
    point_ids, point_lonlat, point_rate_per_year
        Demand points and their expected tickets per year by category.
    seasonal, dow_profile, hour_profile
        ``(n_categories, 12 | 7 | 24)`` factors with mean 1 (month, day of
        week Monday first, hour of day).
    urgency_share, urgency_target_min
        Share and response target of each urgency class.
    fault_category, fault_share, fault_skill, fault_repair_min,
    fault_remote_rate, fault_part_prob
        One row per fault type; ``fault_part_prob`` is ``(n_faults, n_parts)``.
    part_unit_cost, part_lead_min
        Per part.
    outlet_ids, outlet_partner, outlet_fee, outlet_fixed_cost_per_year
        Per outlet.
    point_outlet
        Outlet index serving each point; -1 sends its tickets to a partner.
    local_offset, local_size, point_local, local_dur_min, local_dist_m
        Travel inside each outlet's area: outlet ``o`` owns a
        ``local_size[o] x local_size[o]`` block of the flat arrays starting at
        ``local_offset[o]``; position 0 is the outlet, ``point_local[p]`` the point.
    tech_ids, tech_outlet, tech_skills, tech_shift_start, tech_shift_end,
    tech_break_start, tech_break_end, tech_break_min, tech_cost_per_hour,
    tech_max_overtime_min
        Per technician; ``tech_skills`` is ``(n_techs, n_skills)`` bool.
    tech_workdays
        ``(n_techs, 7)`` bool, Monday first: the days each technician works
        (None: every day).
    base_stock
        ``(n_parts, n_outlets)`` order-up-to level ``S`` (with no
        ``reorder_point``: a base-stock level, one-for-one replenishment).
    reorder_point
        ``(n_parts, n_outlets)`` reorder point ``s`` (``-1 <= s < S``), or None
        for ``s = S - 1`` (one for one). Continuous review: when a unit used
        drops the inventory position (on hand + vans + on order - backorders)
        to ``s`` or below, one order lifts it back to ``S``, arriving after the
        part's lead time. ``s >= -1`` keeps an order outstanding for every
        backordered unit. An (r,Q) policy is ``s = r``, ``S = r + Q``.
    tech_van_stock
        ``(n_techs, n_parts)`` van stock levels (None: no van stock). A visit
        takes parts from the van first, then from the outlet; each van is
        refilled from the outlet's shelf to its level at the technician's first
        look of each workday (shift start). The van units are part of the
        outlet's base stock system: every unit used is reordered to the outlet.
    repair_dist, repair_cv
        Distribution of a repair's duration around the fault's mean.
    diagnosis_share
        Length of a visit that finds a part missing, as a share of the repair.
    remote_fix_min
        Time to solve a ticket by phone.
    partner_response_min
        A partner's time from hand-over to visit.
    partner_fee_default
        Fee per ticket for tickets without a partner outlet of their own.
    overflow_queue_per_tech
        A ticket goes to a partner when its outlet's queue is longer than
        this many jobs per technician (``inf``: never).
    followup_prob, followup_min
        Probability and length of a follow-up visit after a repair.
    cancel_after_min
        Customers cancel a ticket not visited after this long (``inf``: never).
    always_on
        Queue mode: technicians work 24/7 (no shifts, breaks or overtime).
    use_parts
        Whether repairs consume parts (False: parts are ignored).
    costs
        The cost rates.
    start_date
        Calendar date of minute 0 (``YYYY-MM-DD``).
    travel_name
        Description of the travel model.
    """

    category_names: tuple[str, ...]
    fault_names: tuple[str, ...]
    skill_names: tuple[str, ...]
    part_ids: tuple[str, ...]
    point_ids: np.ndarray
    point_lonlat: np.ndarray
    point_rate_per_year: np.ndarray
    seasonal: np.ndarray
    dow_profile: np.ndarray
    hour_profile: np.ndarray
    urgency_share: np.ndarray
    urgency_target_min: np.ndarray
    fault_category: np.ndarray
    fault_share: np.ndarray
    fault_skill: np.ndarray
    fault_repair_min: np.ndarray
    fault_remote_rate: np.ndarray
    fault_part_prob: np.ndarray
    part_unit_cost: np.ndarray
    part_lead_min: np.ndarray
    outlet_ids: np.ndarray
    outlet_partner: np.ndarray
    outlet_fee: np.ndarray
    outlet_fixed_cost_per_year: np.ndarray
    point_outlet: np.ndarray
    local_offset: np.ndarray
    local_size: np.ndarray
    point_local: np.ndarray
    local_dur_min: np.ndarray
    local_dist_m: np.ndarray
    tech_ids: np.ndarray
    tech_outlet: np.ndarray
    tech_skills: np.ndarray
    tech_shift_start: np.ndarray
    tech_shift_end: np.ndarray
    tech_break_start: np.ndarray
    tech_break_end: np.ndarray
    tech_break_min: np.ndarray
    tech_cost_per_hour: np.ndarray
    tech_max_overtime_min: np.ndarray
    base_stock: np.ndarray
    repair_dist: RepairDist = "lognormal"
    repair_cv: float = 0.5
    diagnosis_share: float = 0.5
    remote_fix_min: float = 15.0
    partner_response_min: float = 2 * DAY_MIN
    partner_fee_default: float = 95.0
    overflow_queue_per_tech: float = math.inf
    followup_prob: float = 0.0
    followup_min: float = 20.0
    cancel_after_min: float = math.inf
    always_on: bool = False
    use_parts: bool = True
    costs: CostRates = field(default_factory=CostRates)
    start_date: str = "2026-01-01"
    travel_name: str = ""
    tech_workdays: np.ndarray | None = None
    tech_van_stock: np.ndarray | None = None
    reorder_point: np.ndarray | None = None

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        n_c = len(self.category_names)
        n_p = len(self.point_ids)
        n_o = len(self.outlet_ids)
        n_t = len(self.tech_ids)
        n_f = len(self.fault_names)
        n_s = len(self.skill_names)
        n_parts = len(self.part_ids)
        if n_c == 0 or n_p == 0 or n_o == 0 or n_f == 0:
            raise InputError(
                field="model",
                expected="at least one category, demand point, outlet and fault",
                got=f"{n_c}, {n_p}, {n_o}, {n_f}",
            )
        set_(self, "point_ids", _ro(self.point_ids, object))
        set_(self, "outlet_ids", _ro(self.outlet_ids, object))
        set_(self, "tech_ids", _ro(self.tech_ids, object))
        fl = {
            "point_lonlat": (n_p, 2),
            "point_rate_per_year": (n_p, n_c),
            "urgency_share": (3,),
            "urgency_target_min": (3,),
            "fault_share": (n_f,),
            "fault_repair_min": (n_f,),
            "fault_remote_rate": (n_f,),
            "fault_part_prob": (n_f, n_parts),
            "part_unit_cost": (n_parts,),
            "part_lead_min": (n_parts,),
            "outlet_fee": (n_o,),
            "outlet_fixed_cost_per_year": (n_o,),
            "local_dur_min": (None,),
            "local_dist_m": (None,),
            "tech_shift_start": (n_t,),
            "tech_shift_end": (n_t,),
            "tech_break_start": (n_t,),
            "tech_break_end": (n_t,),
            "tech_break_min": (n_t,),
            "tech_cost_per_hour": (n_t,),
            "tech_max_overtime_min": (n_t,),
        }
        for name, shape in fl.items():
            a = as_array(getattr(self, name), name, shape=shape, copy=True)
            if name != "point_lonlat" and (a < 0).any():
                raise InputError(field=name, expected="values >= 0", got=a.min())
            set_(self, name, readonly(a))
        for name, length in (
            ("seasonal", 12),
            ("dow_profile", 7),
            ("hour_profile", 24),
        ):
            set_(self, name, check_profile(getattr(self, name), name, n_c, length))
        ints = {
            "fault_category": ((n_f,), n_c),
            "fault_skill": ((n_f,), n_s),
            "point_outlet": ((n_p,), n_o),
            "local_offset": ((n_o + 1,), None),
            "local_size": ((n_o,), None),
            "point_local": ((n_p,), None),
            "tech_outlet": ((n_t,), n_o),
        }
        for name, (shape, upper) in ints.items():
            a = as_array(getattr(self, name), name, dtype=np.int64, shape=shape)
            lo = -1 if name == "point_outlet" else 0
            if a.size and (a.min() < lo or (upper is not None and a.max() >= upper)):
                raise InputError(
                    field=name,
                    expected=f"indices in [{lo}, {upper})",
                    got=f"[{a.min()}, {a.max()}]",
                )
            set_(self, name, readonly(a.copy()))
        ts = np.asarray(self.tech_skills, dtype=bool)
        if ts.shape != (n_t, n_s):
            raise InputError(
                field="tech_skills", expected=f"shape ({n_t}, {n_s})", got=ts.shape
            )
        set_(self, "tech_skills", readonly(ts.copy()))
        wd = (
            np.ones((n_t, 7), dtype=bool)
            if self.tech_workdays is None
            else np.asarray(self.tech_workdays, dtype=bool)
        )
        if wd.shape != (n_t, 7) or (n_t and not wd.any(axis=1).all()):
            raise InputError(
                field="tech_workdays",
                expected=f"shape ({n_t}, 7) with at least one workday per technician",
                got=f"shape {wd.shape}"
                if wd.shape != (n_t, 7)
                else "a technician with none",
            )
        set_(self, "tech_workdays", readonly(wd.copy()))
        bs = as_array(self.base_stock, "base_stock", dtype=np.int64, nonneg=True)
        if bs.shape != (n_parts, n_o):
            raise InputError(
                field="base_stock",
                expected=f"shape (n_parts, n_outlets) = ({n_parts}, {n_o})",
                got=bs.shape,
            )
        set_(self, "base_stock", readonly(bs.copy()))
        if self.reorder_point is not None:
            rp = as_array(self.reorder_point, "reorder_point", dtype=np.int64)
            if rp.shape != bs.shape:
                raise InputError(
                    field="reorder_point",
                    expected=f"shape (n_parts, n_outlets) = ({n_parts}, {n_o})",
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
            set_(self, "reorder_point", readonly(rp.copy()))
        van = as_array(
            np.zeros((n_t, n_parts), dtype=np.int64)
            if self.tech_van_stock is None
            else self.tech_van_stock,
            "tech_van_stock",
            dtype=np.int64,
            nonneg=True,
        )
        if van.shape != (n_t, n_parts):
            raise InputError(
                field="tech_van_stock",
                expected=f"shape (n_techs, n_parts) = ({n_t}, {n_parts})",
                got=van.shape,
            )
        set_(self, "tech_van_stock", readonly(van.copy()))
        set_(self, "outlet_partner", _ro(self.outlet_partner, bool))
        if abs(self.urgency_share.sum() - 1.0) > 1e-6:
            raise InputError(
                field="urgency_share",
                expected="shares that sum to 1",
                got=round(float(self.urgency_share.sum()), 6),
            )
        if (self.fault_remote_rate > 1).any() or (self.fault_part_prob > 1).any():
            raise InputError(
                field="fault_remote_rate / fault_part_prob", expected="<= 1", got=">1"
            )
        for c in range(n_c):
            s = self.fault_share[self.fault_category == c].sum()
            if abs(s - 1.0) > 1e-6:
                raise InputError(
                    location=f"category {self.category_names[c]!r}",
                    field="fault_share",
                    expected="shares that sum to 1 per category",
                    got=round(float(s), 6),
                )
        if (np.diff(self.fault_category) < 0).any():
            raise InputError(
                field="fault_category",
                expected="faults grouped by category",
                got="unsorted",
            )
        if (self.tech_shift_end <= self.tech_shift_start).any() or (
            self.tech_shift_end > DAY_MIN
        ).any():
            raise InputError(
                field="tech_shift",
                expected="start < end <= 1440 minutes",
                got="a bad shift",
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
                location=f"demand point {self.point_ids[i]!r}",
                field="point_local",
                expected="a position inside its outlet's travel block",
                got=int(self.point_local[i]),
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
        try:
            np.datetime64(self.start_date, "D")
        except ValueError:
            raise InputError(
                field="start_date", expected="a date YYYY-MM-DD", got=self.start_date
            ) from None

    # ------------------------------------------------------------------ sizes
    @property
    def n_points(self) -> int:
        """Number of demand points."""
        return len(self.point_ids)

    @property
    def n_outlets(self) -> int:
        """Number of outlets."""
        return len(self.outlet_ids)

    @property
    def n_techs(self) -> int:
        """Number of technicians."""
        return len(self.tech_ids)

    @property
    def start_weekday(self) -> int:
        """Weekday of ``start_date`` (0 = Monday)."""
        return int((np.datetime64(self.start_date, "D").astype(np.int64) + 3) % 7)

    @property
    def n_parts(self) -> int:
        """Number of part numbers."""
        return len(self.part_ids)

    @property
    def tickets_per_year(self) -> float:
        """Expected tickets per year over all points and categories."""
        return float(self.point_rate_per_year.sum())

    def replace(self, **changes: Any) -> SimModel:
        """A copy with ``changes`` applied (validated again)."""
        return dataclasses.replace(self, **changes)

    def summary(self) -> str:
        """One paragraph describing the model."""
        return (
            f"SimModel: {self.n_points} demand points, {self.n_outlets} outlets "
            f"({int(self.outlet_partner.sum())} partners), {self.n_techs} technicians, "
            f"{len(self.category_names)} categories, {len(self.fault_names)} faults, "
            f"{self.n_parts} parts; {self.tickets_per_year:,.0f} tickets/year; "
            f"travel {self.travel_name or 'n/a'}"
            + ("; queue mode (24/7)" if self.always_on else "")
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
        dow_profile: npt.ArrayLike | None = None,
        hour_profile: npt.ArrayLike | None = None,
        repair_dist: RepairDist = "lognormal",
        repair_cv: float = 0.5,
        partner_response_min: float = 2 * DAY_MIN,
        overflow_queue_per_tech: float = math.inf,
        followup_prob: float = 0.0,
        followup_min: float = 20.0,
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
            Points assigned to a partner outlet go to that partner.
        travel
            Travel model (default ``GreatCircle()``); zero travel in queue mode
            when None.
        stock
            Base-stock level per part and outlet: an ``(n_parts, n_outlets)``
            array in catalogue part order, or ``{part_id: (n_outlets,) levels}``.
            Default 0 everywhere. With ``reorder_point`` (same shape, in
            catalogue part order) these are the order-up-to levels of (s,S)
            policies; see :class:`SimModel`.
        dow_profile, hour_profile
            Day-of-week (Monday first) and hour-of-day factors, mean 1; 1-d
            (shared) or one row per catalogue category. Default flat.
        always_on
            Queue mode: technicians work 24/7, no shifts, breaks or overtime.
        workdays
            Weekdays everybody works (0 = Monday ... 6 = Sunday), or an
            ``(n_techs, 7)`` bool array; default every day.

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
        >>> m.n_techs, int(m.point_outlet[0]), round(float(m.local_dur_min[1]), 1)
        (1, 0, 2.2)
        """
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
        # faults, skills, parts
        part_ids = tuple(p.id for p in catalog.parts)
        skills = sorted(
            set(catalog.skills) | {s for t in technicians for s in t.skills}
        )
        f_names, f_cat, f_share, f_skill, f_rep, f_rem, f_parts = (
            [],
            [],
            [],
            [],
            [],
            [],
            [],
        )
        for ci, cat in enumerate(catalog.categories):
            for f in cat.faults:
                f_names.append(f"{cat.name}.{f.name}")
                f_cat.append(ci)
                f_share.append(f.share)
                f_skill.append(skills.index(f.skill))
                f_rep.append(f.repair_min)
                f_rem.append(f.remote_fix_rate)
                row = np.zeros(len(part_ids))
                for pid, prob in f.parts.items():
                    if pid not in part_ids:
                        raise InputError(
                            location=f"fault {cat.name}.{f.name}",
                            field="parts",
                            expected=f"a catalogue part id ({len(part_ids)} known)",
                            got=pid,
                        )
                    row[part_ids.index(pid)] = prob
                f_parts.append(row)
        # urgency
        share = np.zeros(3)
        target = np.array([DEFAULT_RESPONSE_TARGET_MIN[u] for u in URGENCIES])
        for uc in urgency:
            i = URGENCIES.index(uc.urgency)
            share[i] = uc.share
            target[i] = uc.response_target_min
        # technicians
        oid = {str(x): i for i, x in enumerate(outlets.ids)}
        n_t = len(technicians)
        t_out = np.zeros(n_t, dtype=np.int64)
        t_sk = np.zeros((n_t, len(skills)), dtype=bool)
        t_s0, t_s1, t_b0, t_b1, t_bm, t_cph, t_ot = (np.zeros(n_t) for _ in range(7))
        t_van = np.zeros((n_t, len(part_ids)), dtype=np.int64)
        olonlat = outlets.lonlat
        for k, t in enumerate(technicians):
            if t.outlet_id is None:
                assert t.start_lonlat is not None
                d2 = ((olonlat - np.asarray(t.start_lonlat)) ** 2).sum(axis=1)
                t_out[k] = int(np.argmin(d2))
            elif t.outlet_id not in oid:
                raise InputError(
                    location=f"technician {t.id!r}",
                    field="outlet_id",
                    expected="the id of an outlet",
                    got=t.outlet_id,
                )
            else:
                t_out[k] = oid[t.outlet_id]
            for s in t.skills:
                t_sk[k, skills.index(s)] = True
            t_s0[k], t_s1[k] = t.shift.start_min, min(t.shift.end_min, DAY_MIN)
            if t.break_window is not None and t.break_min > 0:
                t_b0[k], t_b1[k] = t.break_window.start_min, t.break_window.end_min
                t_bm[k] = t.break_min
            t_cph[k], t_ot[k] = t.cost_per_hour, t.max_overtime_min
            for pid, q in t.van_stock.items():
                if pid not in part_ids:
                    raise InputError(
                        location=f"technician {t.id!r}",
                        field=f"van_stock.{pid}",
                        expected="a catalogue part id",
                        got=pid,
                    )
                t_van[k, part_ids.index(pid)] = int(q)
        if always_on:
            t_s0[:], t_s1[:], t_bm[:], t_ot[:] = 0.0, DAY_MIN, 0.0, 0.0
        if travel is None and not always_on:
            travel = GreatCircle()
        has_tech = np.zeros(n_o, dtype=bool)
        has_tech[t_out] = True
        if (has_tech & outlets.partner).any():
            i = int(np.argmax(has_tech & outlets.partner))
            raise InputError(
                location=f"outlet {outlets.ids[i]!r}",
                field="partner",
                expected="own outlets only for technicians",
                got="a partner outlet with technicians",
            )
        # assignment
        if assign_idx is None:
            usable = np.flatnonzero(has_tech | outlets.partner)
            if usable.size == 0:
                assign = np.full(n_p, -1, dtype=np.int64)
            elif travel is None:
                d2 = ((demand.lonlat[:, None, :] - olonlat[None, usable, :]) ** 2).sum(
                    axis=2
                )
                assign = usable[np.argmin(d2, axis=1)]
            else:
                tm = travel.matrix(demand.lonlat, olonlat[usable])
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
        own = np.asarray(assign, dtype=np.int64)
        # local travel blocks
        sizes = np.ones(n_o, dtype=np.int64)
        p_local = np.zeros(n_p, dtype=np.int64)
        blocks_d: list[np.ndarray] = []
        blocks_m: list[np.ndarray] = []
        for o in range(n_o):
            pts = np.flatnonzero(own == o) if not outlets.partner[o] else np.array([])
            pts = pts.astype(np.int64)
            p_local[pts] = np.arange(1, len(pts) + 1)
            sizes[o] = len(pts) + 1
            if travel is None or len(pts) == 0:
                blocks_d.append(np.zeros(sizes[o] ** 2))
                blocks_m.append(np.zeros(sizes[o] ** 2))
                continue
            ll = np.vstack([olonlat[o : o + 1], demand.lonlat[pts]])
            tm = travel.matrix(ll, ll)
            blocks_d.append(np.asarray(tm.duration_min).ravel())
            blocks_m.append(np.asarray(tm.distance_m).ravel())
        offset = np.concatenate([[0], np.cumsum(sizes**2)])
        if stock is None:
            base = np.zeros((len(part_ids), n_o), dtype=np.int64)
        elif isinstance(stock, Mapping):
            base = np.zeros((len(part_ids), n_o), dtype=np.int64)
            for pid, levels in stock.items():
                if pid not in part_ids:
                    raise InputError(
                        field="stock", expected="catalogue part ids", got=pid
                    )
                base[part_ids.index(pid)] = as_array(
                    levels, f"stock.{pid}", dtype=np.int64, nonneg=True
                ) * np.ones(n_o, dtype=np.int64)
        else:
            base = as_array(
                stock, "stock", dtype=np.int64, shape=(len(part_ids), n_o), nonneg=True
            )
        fee = np.where(outlets.fee_per_ticket > 0, outlets.fee_per_ticket, 0.0)
        return cls(
            category_names=cat_names,
            fault_names=tuple(f_names),
            skill_names=tuple(skills),
            part_ids=part_ids,
            point_ids=demand.ids,
            point_lonlat=demand.lonlat,
            point_rate_per_year=rate,
            seasonal=np.array([c.seasonal for c in catalog.categories]),
            dow_profile=np.asarray(np.ones(7) if dow_profile is None else dow_profile),
            hour_profile=np.asarray(
                np.ones(24) if hour_profile is None else hour_profile
            ),
            urgency_share=share,
            urgency_target_min=target,
            fault_category=np.array(f_cat, dtype=np.int64),
            fault_share=np.array(f_share),
            fault_skill=np.array(f_skill, dtype=np.int64),
            fault_repair_min=np.array(f_rep),
            fault_remote_rate=np.array(f_rem),
            fault_part_prob=np.array(f_parts).reshape(len(f_names), len(part_ids)),
            part_unit_cost=np.array([p.unit_cost for p in catalog.parts]),
            part_lead_min=np.array([p.lead_time_days * DAY_MIN for p in catalog.parts]),
            outlet_ids=outlets.ids,
            outlet_partner=outlets.partner,
            outlet_fee=fee,
            outlet_fixed_cost_per_year=outlets.fixed_cost_per_year,
            point_outlet=own,
            local_offset=offset,
            local_size=sizes,
            point_local=p_local,
            local_dur_min=np.concatenate(blocks_d),
            local_dist_m=np.concatenate(blocks_m),
            tech_ids=np.array([t.id for t in technicians], dtype=object),
            tech_outlet=t_out,
            tech_skills=t_sk,
            tech_shift_start=t_s0,
            tech_shift_end=t_s1,
            tech_break_start=t_b0,
            tech_break_end=t_b1,
            tech_break_min=t_bm,
            tech_cost_per_hour=t_cph,
            tech_max_overtime_min=t_ot,
            tech_workdays=_workdays(workdays, n_t),
            tech_van_stock=t_van,
            base_stock=base,
            reorder_point=None
            if reorder_point is None
            else as_array(reorder_point, "reorder_point", dtype=np.int64),
            repair_dist=repair_dist,
            repair_cv=repair_cv,
            diagnosis_share=diagnosis_share,
            remote_fix_min=remote_fix_min,
            partner_response_min=partner_response_min,
            partner_fee_default=costs.outsourcing_per_job,
            overflow_queue_per_tech=overflow_queue_per_tech,
            followup_prob=followup_prob,
            followup_min=followup_min,
            cancel_after_min=cancel_after_min,
            always_on=always_on,
            use_parts=use_parts,
            costs=costs,
            start_date=start_date,
            travel_name=travel.describe() if travel is not None else "zero travel",
        )
