"""The sizing input: demand per outlet, class and hour of the week; targets; shifts.

A week has 168 hourly periods, Monday 00:00 first; the plan repeats every
week. Classes are listed in priority order (rank 0 first, as the simulator
serves them). Visit minutes are what a technician spends per ticket: repair
plus round-trip travel (see :func:`visit_moments`).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from planner.core.checks import as_array, readonly
from planner.core.errors import InputError
from planner.staffing.shifts import (
    DEFAULT_CLASSES,
    DEFAULT_SHIFTS,
    HOURS_PER_WEEK,
    ServiceClass,
    Shift,
    clock_gap_min,
    week_rates,
    when,
)

__all__ = ["StaffingProblem", "visit_moments"]

_SRC = "StaffingProblem"


def visit_moments(
    repair_mean_min: npt.ArrayLike,
    repair_cv: npt.ArrayLike,
    travel_one_way_min: npt.ArrayLike,
    weights: npt.ArrayLike,
    assign_idx: npt.ArrayLike,
    n_outlets: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Mean and cv of visit minutes per outlet: repair plus round-trip travel.

    Travel is the demand-weighted distribution of ``2 * travel_one_way_min``
    over the points allocated to each outlet (``assign_idx``, ``-1``: none),
    independent of the repair time. Outlets without demand get the repair
    moments alone.

    >>> m, cv = visit_moments(60.0, 0.0, [10.0, 20.0], [1.0, 1.0], [0, 0], 1)
    >>> float(m[0]), round(float(cv[0]), 4)  # 60 + 30, sd 10 / 90
    (90.0, 0.1111)
    """
    t = as_array(travel_one_way_min, "travel_one_way_min", ndim=1, nonneg=True)
    w = as_array(weights, "weights", shape=t.shape, nonneg=True)
    a = as_array(assign_idx, "assign_idx", dtype=np.int64, shape=t.shape)
    rm = np.broadcast_to(
        as_array(repair_mean_min, "repair_mean_min", positive=True), (n_outlets,)
    )
    rcv = np.broadcast_to(as_array(repair_cv, "repair_cv", nonneg=True), (n_outlets,))
    ok = a >= 0
    if (a[ok] >= n_outlets).any():
        raise InputError(
            field="assign_idx", expected=f"< {n_outlets}", got=int(a.max())
        )
    sw = np.bincount(a[ok], weights=w[ok], minlength=n_outlets)
    s1 = np.bincount(a[ok], weights=w[ok] * 2 * t[ok], minlength=n_outlets)
    s2 = np.bincount(a[ok], weights=w[ok] * (2 * t[ok]) ** 2, minlength=n_outlets)
    with np.errstate(divide="ignore", invalid="ignore"):
        tm = np.where(sw > 0, s1 / sw, 0.0)
        tv = np.where(sw > 0, np.maximum(s2 / sw - tm**2, 0.0), 0.0)
    mean = rm + tm
    var = (rm * rcv) ** 2 + tv
    return mean, np.sqrt(var) / mean


@dataclass(frozen=True, slots=True, eq=False)
class StaffingProblem:
    """Everything the sizing needs, validated; build with :meth:`from_arrays`.

    Attributes
    ----------
    arrival_per_h
        Tickets per hour, shape ``(n_outlets, n_classes, 168)``.
    visit_mean_min, visit_cv
        Mean and coefficient of variation of visit minutes (repair and
        round-trip travel), ``(n_outlets, n_classes)``.
    classes
        Targets in priority order.
    shifts
        The shift catalogue.
    shift_allowed
        ``(n_outlets, n_shifts)``: which shifts each outlet may use.
    business_hours
        168 booleans: when a ``"business"`` clock runs.
    response_offset_min
        Minutes between the technician's start and the clock stopping (for
        example the one-way drive when the target is arrival at the door),
        ``(n_outlets, n_classes)``; the wait target is the target minus this.
    labour_per_hour, overtime_per_hour, partner_fee_per_ticket
        Money per regular hour, per overtime hour, per ticket handed over.
    skill_names, skill_share
        Optional: the share of each outlet's work that needs each skill,
        ``(n_outlets, n_skills)``, rows summing to 1.
    outlet_ids
        Names of the outlets, for messages and tables.
    """

    arrival_per_h: np.ndarray
    visit_mean_min: np.ndarray
    visit_cv: np.ndarray
    classes: tuple[ServiceClass, ...] = DEFAULT_CLASSES
    shifts: tuple[Shift, ...] = DEFAULT_SHIFTS
    shift_allowed: np.ndarray = None  # type: ignore[assignment]  # filled in
    business_hours: np.ndarray = None  # type: ignore[assignment]  # filled in
    response_offset_min: np.ndarray = None  # type: ignore[assignment]  # filled in
    labour_per_hour: float = 35.0
    overtime_per_hour: float = 52.5
    partner_fee_per_ticket: float = 95.0
    skill_names: tuple[str, ...] = ()
    skill_share: np.ndarray | None = None
    outlet_ids: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        lam = as_array(
            self.arrival_per_h,
            "arrival_per_h",
            ndim=3,
            nonneg=True,
            source=_SRC,
            copy=True,
        )
        n, k, h = lam.shape
        if h != HOURS_PER_WEEK:
            raise InputError(
                source=_SRC,
                field="arrival_per_h",
                expected="168 hours on the last axis",
                got=f"shape {lam.shape}",
            )
        classes = tuple(
            c if isinstance(c, ServiceClass) else ServiceClass(*c) for c in self.classes
        )
        if len(classes) != k:
            raise InputError(
                source=_SRC,
                field="classes",
                expected=f"{k} classes (axis 1 of arrival_per_h)",
                got=len(classes),
            )
        if len({c.name for c in classes}) != k:
            raise InputError(
                source=_SRC,
                field="classes",
                expected="unique names",
                got=[c.name for c in classes],
            )
        shifts = tuple(s if isinstance(s, Shift) else Shift(*s) for s in self.shifts)
        if not shifts or len({s.name for s in shifts}) != len(shifts):
            raise InputError(
                source=_SRC,
                field="shifts",
                expected="a non-empty catalogue with unique names",
                got=[s.name for s in shifts],
            )
        set_(self, "classes", classes)
        set_(self, "shifts", shifts)
        set_(self, "arrival_per_h", readonly(lam))
        vm = np.broadcast_to(
            as_array(self.visit_mean_min, "visit_mean_min", positive=True, source=_SRC),
            (n, k),
        )
        vc = np.broadcast_to(
            as_array(self.visit_cv, "visit_cv", nonneg=True, source=_SRC), (n, k)
        )
        set_(self, "visit_mean_min", readonly(np.array(vm)))
        set_(self, "visit_cv", readonly(np.array(vc)))
        m = len(shifts)
        al = (
            np.ones((n, m), dtype=bool)
            if self.shift_allowed is None
            else np.asarray(self.shift_allowed, dtype=bool)
        )
        al = (
            np.array(np.broadcast_to(al, (n, m)))
            if al.ndim < 2 or al.shape == (m,)
            else al
        )
        if al.shape != (n, m):
            raise InputError(
                source=_SRC,
                field="shift_allowed",
                expected=f"shape ({n}, {m})",
                got=f"shape {al.shape}",
            )
        set_(self, "shift_allowed", readonly(al))
        bh = (
            np.zeros(HOURS_PER_WEEK, bool)
            if self.business_hours is None
            else np.asarray(self.business_hours)
        )
        if bh.shape != (HOURS_PER_WEEK,):
            raise InputError(
                source=_SRC,
                field="business_hours",
                expected="168 values (Monday 00:00 first)",
                got=f"shape {bh.shape}",
            )
        set_(self, "business_hours", readonly(bh.astype(bool)))
        if any(c.clock == "business" for c in classes) and not bh.any():
            raise InputError(
                source=_SRC,
                field="business_hours",
                expected="at least one business hour for a class on the business clock",
                got="none",
            )
        off = np.broadcast_to(
            as_array(
                0.0 if self.response_offset_min is None else self.response_offset_min,
                "response_offset_min",
                nonneg=True,
                source=_SRC,
            ),
            (n, k),
        )
        set_(self, "response_offset_min", readonly(np.array(off)))
        for name in ("labour_per_hour", "overtime_per_hour", "partner_fee_per_ticket"):
            v = float(getattr(self, name))
            if not (math.isfinite(v) and v >= 0):
                raise InputError(source=_SRC, field=name, expected=">= 0", got=v)
            set_(self, name, v)
        ids = tuple(str(i) for i in self.outlet_ids) or tuple(str(i) for i in range(n))
        if len(ids) != n:
            raise InputError(
                source=_SRC, field="outlet_ids", expected=f"{n} ids", got=len(ids)
            )
        set_(self, "outlet_ids", ids)
        self._check_skills(n)
        self._check_targets()

    def _check_skills(self, n: int) -> None:
        if self.skill_share is None:
            if self.skill_names:
                raise InputError(
                    source=_SRC,
                    field="skill_share",
                    expected="a share per outlet and skill",
                    got=None,
                )
            return
        names = tuple(self.skill_names)
        sh = as_array(self.skill_share, "skill_share", nonneg=True, source=_SRC)
        sh = np.array(np.broadcast_to(sh, (n, len(names)))) if sh.ndim == 1 else sh
        if sh.shape != (n, len(names)) or not names:
            raise InputError(
                source=_SRC,
                field="skill_share",
                expected=f"shape ({n}, {len(names)})",
                got=f"shape {sh.shape}",
            )
        if not np.allclose(sh.sum(1), 1.0, atol=1e-6):
            i = int(np.argmax(np.abs(sh.sum(1) - 1)))
            raise InputError(
                source=_SRC,
                location=f"outlet {self.outlet_ids[i]!r}",
                field="skill_share",
                expected="a row summing to 1",
                got=round(float(sh[i].sum()), 6),
            )
        object.__setattr__(self, "skill_names", names)
        object.__setattr__(self, "skill_share", readonly(sh))

    def _check_targets(self) -> None:
        lam = self.arrival_per_h
        has = lam.sum(-1) > 0  # (n, k)
        cover = self.coverage()  # (n, 168)
        none = has.any(1) & ~self.shift_allowed.any(1)
        if none.any():
            i = int(np.flatnonzero(none)[0])
            raise InputError(
                source=_SRC,
                location=f"outlet {self.outlet_ids[i]!r}",
                field="shift_allowed",
                expected="at least one allowed shift where tickets arrive",
                got="none",
            )
        for j, c in enumerate(self.classes):
            wait = c.target_min - self.response_offset_min[:, j]
            bad = has[:, j] & (wait < 0)
            if bad.any():
                i = int(np.flatnonzero(bad)[0])
                raise InputError(
                    source=_SRC,
                    location=f"outlet {self.outlet_ids[i]!r}",
                    field=f"classes.{c.name}.target_min",
                    expected=f"at least the {self.response_offset_min[i, j]:g} min travel before the clock stops",
                    got=c.target_min,
                    hint="no staffing can meet it",
                )
            if c.share >= 1.0 and has[:, j].any():
                raise InputError(
                    source=_SRC,
                    field=f"classes.{c.name}.share",
                    expected="below 1.0: with random arrivals some wait beyond any target whatever the staffing",
                    got=c.share,
                )
            gap = clock_gap_min(cover, c.clock, self.business_hours)  # (n, 168)
            # Tickets created where the next technician on duty comes too late
            # miss whatever the crew; the class fails only when those alone
            # exceed the share it may miss.
            late = np.where(gap > wait[:, None], lam[:, j], 0.0).sum(-1)
            tot = lam[:, j].sum(-1)
            with np.errstate(invalid="ignore", divide="ignore"):
                reach = np.where(tot > 0, 1.0 - late / np.maximum(tot, 1e-300), 1.0)
            over = reach < c.share - 1e-9
            if over.any():
                i = int(np.flatnonzero(over)[0])
                h = int(np.argmax(np.where(gap[i] > wait[i], lam[i, j], -1.0)))
                raise InputError(
                    f"{100 * (1 - reach[i]):.1f} % of its {c.name} tickets arrive when "
                    f"nobody can be on duty within the target (e.g. {gap[i, h]:g} "
                    f"{c.clock} min from {when(h)}), more than the "
                    f"{100 * (1 - c.share):.1f} % the target may miss",
                    source=_SRC,
                    location=f"outlet {self.outlet_ids[i]!r}",
                    field="shifts",
                    expected=(
                        f"someone on duty within the {c.name} target of {wait[i]:g} min"
                    ),
                    hint="add a shift covering these hours (evening or on-call) "
                    "or lengthen the target",
                )

    @property
    def n_outlets(self) -> int:
        """Number of outlets."""
        return int(self.arrival_per_h.shape[0])

    @property
    def n_classes(self) -> int:
        """Number of classes."""
        return int(self.arrival_per_h.shape[1])

    @property
    def n_shifts(self) -> int:
        """Number of shifts in the catalogue."""
        return len(self.shifts)

    def select(self, outlets: npt.ArrayLike) -> StaffingProblem:
        """The same problem for a subset of outlets (indices or a boolean mask).

        For re-sizing only the outlets a simulation found short; plans of the
        subset line up with ``outlets`` in the given order.

        >>> p = StaffingProblem.from_arrays(tickets_per_year=[[1, 2, 3], [4, 5, 6]],
        ...                                 outlet_ids=("a", "b"))
        >>> p.select([1]).outlet_ids, float(p.select([1]).tickets_per_week()[0, 0]) * 365 / 7
        (('b',), 4.0)
        """
        idx = np.asarray(outlets)
        if idx.dtype == bool:
            idx = np.flatnonzero(idx)
        idx = idx.astype(np.int64)
        if idx.ndim != 1 or ((idx < 0) | (idx >= self.n_outlets)).any():
            raise InputError(
                source=_SRC,
                field="outlets",
                expected=f"indices in [0, {self.n_outlets})",
                got=idx.tolist()[:5],
            )
        return dataclasses.replace(
            self,
            arrival_per_h=self.arrival_per_h[idx],
            visit_mean_min=self.visit_mean_min[idx],
            visit_cv=self.visit_cv[idx],
            shift_allowed=self.shift_allowed[idx],
            response_offset_min=self.response_offset_min[idx],
            skill_share=None if self.skill_share is None else self.skill_share[idx],
            outlet_ids=tuple(self.outlet_ids[i] for i in idx),
        )

    def shift_matrix(self) -> np.ndarray:
        """``(168, n_shifts)`` booleans: which shifts are on duty in which hour."""
        return np.stack([s.on_duty() for s in self.shifts], axis=1)

    def capacity_matrix(self) -> np.ndarray:
        """``(168, n_shifts)``: the share of each hour a shift's technician is
        available (1 on duty, less breaks; see :meth:`Shift.availability`)."""
        return np.stack([s.availability() for s in self.shifts], axis=1)

    def coverage(self) -> np.ndarray:
        """``(n_outlets, 168)``: whether any allowed shift is on duty."""
        return np.asarray(self.shift_allowed @ self.shift_matrix().T.astype(int) > 0)

    def tickets_per_week(self) -> np.ndarray:
        """``(n_outlets, n_classes)`` tickets per week."""
        return np.asarray(self.arrival_per_h.sum(-1))

    def work_h_per_week(self) -> np.ndarray:
        """``(n_outlets,)`` technician hours of visits per week."""
        return np.asarray(
            (self.tickets_per_week() * self.visit_mean_min / 60.0).sum(-1)
        )

    @classmethod
    def from_arrays(
        cls,
        arrival_per_h: npt.ArrayLike | None = None,
        visit_mean_min: npt.ArrayLike = 90.0,
        visit_cv: npt.ArrayLike = 1.0,
        *,
        tickets_per_year: npt.ArrayLike | None = None,
        hour_profile: npt.ArrayLike | None = None,
        dow_profile: npt.ArrayLike | None = None,
        classes: Sequence[ServiceClass | tuple[Any, ...]]
        | Mapping[str, Mapping[str, Any]] = DEFAULT_CLASSES,
        shifts: Sequence[Shift | tuple[Any, ...]] = DEFAULT_SHIFTS,
        shift_allowed: npt.ArrayLike | None = None,
        business_hours: npt.ArrayLike | tuple[str, str, Sequence[int]] | None = None,
        response_offset_min: npt.ArrayLike | None = None,
        labour_per_hour: float = 35.0,
        overtime_per_hour: float = 52.5,
        partner_fee_per_ticket: float = 95.0,
        skill_names: Sequence[str] = (),
        skill_share: npt.ArrayLike | None = None,
        outlet_ids: Sequence[Any] = (),
    ) -> StaffingProblem:
        """Build from plain arrays, tuples and dicts.

        Give either ``arrival_per_h`` ``(n_outlets, n_classes, 168)`` or
        ``tickets_per_year`` ``(n_outlets, n_classes)`` with optional hour and
        day profiles (see :func:`week_rates`). ``classes`` may be a mapping
        ``{"urgent": {"target_min": 240, "share": 0.9, "clock": "calendar"}}``
        (insertion order is priority order); ``shifts`` tuples
        ``(name, start, end, weekdays, cost_factor)``; ``business_hours`` a
        168 mask or ``("08:00", "18:00", weekdays)``.

        >>> p = StaffingProblem.from_arrays(tickets_per_year=[[500, 2000, 2500]],
        ...                                 business_hours=("08:00", "18:00", range(5)))
        >>> p.n_outlets, p.n_classes, p.n_shifts, int(p.business_hours.sum())
        (1, 3, 6, 50)
        """
        if (arrival_per_h is None) == (tickets_per_year is None):
            raise InputError(
                source=_SRC,
                expected="either arrival_per_h or tickets_per_year",
                got="both" if arrival_per_h is not None else "neither",
            )
        if arrival_per_h is None:
            lam = week_rates(
                np.atleast_2d(np.asarray(tickets_per_year, dtype=float)),
                hour_profile=hour_profile,
                dow_profile=dow_profile,
            )
        else:
            lam = np.asarray(arrival_per_h, dtype=np.float64)
        if isinstance(classes, Mapping):
            cl = tuple(ServiceClass(str(k), **dict(v)) for k, v in classes.items())
        else:
            cl = tuple(
                c if isinstance(c, ServiceClass) else ServiceClass(*c) for c in classes
            )
        sh = tuple(s if isinstance(s, Shift) else Shift(*s) for s in shifts)
        bh: npt.ArrayLike | None
        if (
            isinstance(business_hours, tuple)
            and len(business_hours) == 3
            and isinstance(business_hours[0], str)
        ):
            b = Shift(
                "business", business_hours[0], business_hours[1], business_hours[2]
            )
            bh = b.on_duty()
        else:
            bh = business_hours
        if bh is None and any(c.clock == "business" for c in cl):
            bh = Shift("business", "08:00", "18:00", range(5)).on_duty()
        return cls(
            arrival_per_h=lam,
            visit_mean_min=np.asarray(visit_mean_min, dtype=np.float64),
            visit_cv=np.asarray(visit_cv, dtype=np.float64),
            classes=cl,
            shifts=sh,
            shift_allowed=np.asarray(
                True if shift_allowed is None else shift_allowed, dtype=bool
            ),
            business_hours=np.asarray(
                np.zeros(HOURS_PER_WEEK) if bh is None else bh, dtype=bool
            ),
            response_offset_min=np.asarray(
                0.0 if response_offset_min is None else response_offset_min,
                dtype=np.float64,
            ),
            labour_per_hour=labour_per_hour,
            overtime_per_hour=overtime_per_hour,
            partner_fee_per_ticket=partner_fee_per_ticket,
            skill_names=tuple(skill_names),
            skill_share=None
            if skill_share is None
            else np.asarray(skill_share, dtype=np.float64),
            outlet_ids=tuple(str(i) for i in outlet_ids),
        )
