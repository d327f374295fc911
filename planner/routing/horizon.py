"""A rolling multi-day horizon: jobs with SLA deadlines over D days of shifts.

Model
-----
A :class:`HorizonProblem` is a dispatch day (its jobs, technicians, travel)
planned over ``n_days`` days. Technician ``t`` works on day ``k`` from
``shift_start_min[t, k]`` to ``shift_end_min[t, k]`` (minutes after that
day's midnight) unless ``absent[t, k]``; the van is restocked every night.
A job's windows repeat every day (customer availability); its SLA
``deadline_min`` (minutes after midnight of day 0, from its creation time and
its urgency's response target, :meth:`HorizonProblem.from_sla`) bounds the
days it may be served on time.

Method
------
The horizon becomes one dispatch problem whose vehicles are technician-days
(day ``k``'s times offset by ``1440 k``) and whose job windows are the daily
windows up to the deadline (:meth:`HorizonProblem.flat_problem`).
:func:`solve_horizon` plans it with :func:`~planner.routing.solve_dispatch`
(most urgency-weighted jobs served on time, then cost; jobs whose deadline
lies beyond the horizon weigh less, since leaving them for later is not
late). Then, with ``prefer_early``, jobs are pulled to the earliest day
that takes them (exact insertion), and jobs that could not be served on
time get their windows on every horizon day and are inserted late, on the
earliest day with a place that holds them. Day 0's routes are the ones to
publish; every job served later, or not in the horizon, is listed with the
reason.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from planner.core.checks import readonly
from planner.core.errors import InputError
from planner.core.urgency import DEFAULT_RESPONSE_TARGET_MIN, Urgency
from planner.routing.problem import URGENCY_ORDER, DispatchProblem

__all__ = ["DAY", "MOVE_REASONS", "HorizonProblem"]

DAY = 1440.0

#: Why a job is not served today, and what each code means.
MOVE_REASONS: Mapping[str, str] = {
    "window": "the customer is not available today (or it was released later)",
    "no_technician": "no technician working today has the skills, parts or shift for it",
    "capacity": "it fits a technician today on its own, but today's routes are full",
    "cost": "it fits today, but a later day (before its deadline) is cheaper",
    "beyond_horizon": "not served in the horizon; its deadline lies beyond it",
    "late": "served after its deadline: no plan found serves it on time",
    "unserved": "not served in the horizon although its deadline falls inside it",
}


def _mat(v: Any, m: int, d: int, default: np.ndarray, name: str) -> np.ndarray:
    if v is None:
        return np.repeat(np.asarray(default, float)[:, None], d, axis=1)
    a = np.asarray(v, dtype=float)
    if a.ndim == 1 and a.shape == (m,):
        a = np.repeat(a[:, None], d, axis=1)
    if a.shape != (m, d):
        raise InputError(
            source="HorizonProblem",
            field=name,
            expected=f"({m} technicians, {d} days) or {m} values",
            got=f"shape {a.shape}",
        )
    return a


@dataclass(frozen=True, slots=True, eq=False)
class HorizonProblem:
    """Jobs with deadlines and technicians with a shift per day, over ``n_days`` days.

    ``day`` holds the jobs, technicians and travel (its shifts are the
    default of every day); ``shift_start_min``/``shift_end_min`` are
    ``(n_techs, n_days)`` (or one value per technician), minutes after each
    day's midnight; ``absent`` ``(n_techs, n_days)`` booleans;
    ``deadline_min`` one per job, minutes after midnight of day 0 (``inf``:
    none); ``release_min`` the earliest service start (``-inf``: none).

    >>> import numpy as np
    >>> d = np.array([[0.0, 10.0], [10.0, 0.0]])
    >>> day = DispatchProblem(d, d * 500, [1], [30], [0, 1], [480], [600],
    ...     [0], [0], [480], [1020])
    >>> h = HorizonProblem(day, n_days=3, deadline_min=[2000.0])
    >>> h.n_days, h.shift_start_min.shape
    (3, (1, 3))
    """

    day: DispatchProblem
    n_days: int
    deadline_min: np.ndarray = None  # type: ignore[assignment]
    shift_start_min: np.ndarray = None  # type: ignore[assignment]
    shift_end_min: np.ndarray = None  # type: ignore[assignment]
    absent: np.ndarray = None  # type: ignore[assignment]
    beyond_weight: float = 0.25
    release_min: np.ndarray = None  # type: ignore[assignment]

    def __post_init__(self) -> None:
        s = object.__setattr__
        if not isinstance(self.day, DispatchProblem):
            raise InputError(
                source="HorizonProblem", field="day", expected="a DispatchProblem"
            )
        nd = self.n_days
        if isinstance(nd, bool) or not isinstance(nd, int | np.integer) or nd < 1:
            raise InputError(
                source="HorizonProblem",
                field="n_days",
                expected="an integer >= 1 (days in the horizon)",
                got=nd,
            )
        s(self, "n_days", int(nd))
        n, m = self.day.n_jobs, self.day.n_techs
        dl = (
            np.full(n, np.inf)
            if self.deadline_min is None
            else np.asarray(self.deadline_min, dtype=float).reshape(-1)
        )
        if dl.shape != (n,) or np.isnan(dl).any():
            raise InputError(
                source="HorizonProblem",
                field="deadline_min",
                expected=f"{n} numbers (minutes after midnight of day 0; inf: none)",
                got=f"shape {dl.shape}",
            )
        s(self, "deadline_min", readonly(dl))
        rl = (
            np.full(n, -np.inf)
            if self.release_min is None
            else np.asarray(self.release_min, dtype=float).reshape(-1)
        )
        if rl.shape != (n,) or np.isnan(rl).any():
            raise InputError(
                source="HorizonProblem",
                field="release_min",
                expected=f"{n} numbers (minutes after midnight of day 0; -inf: none)",
                got=f"shape {rl.shape}",
            )
        s(self, "release_min", readonly(rl))
        ss = _mat(
            self.shift_start_min, m, nd, self.day.shift_start_min, "shift_start_min"
        )
        se = _mat(self.shift_end_min, m, nd, self.day.shift_end_min, "shift_end_min")
        if (se < ss).any():
            t, k = (int(x) for x in np.argwhere(se < ss)[0])
            raise InputError(
                source="HorizonProblem",
                location=f'technician "{self.day.tech_ids[t]}", day {k}',
                field="shift_end_min",
                expected=f">= shift_start_min ({ss[t, k]:g})",
                got=float(se[t, k]),
            )
        ab = (
            np.zeros((m, nd), bool)
            if self.absent is None
            else np.asarray(self.absent, dtype=bool)
        )
        if ab.shape != (m, nd):
            raise InputError(
                source="HorizonProblem",
                field="absent",
                expected=f"({m} technicians, {nd} days) booleans",
                got=f"shape {ab.shape}",
            )
        if not 0 <= float(self.beyond_weight) <= 1:
            raise InputError(
                source="HorizonProblem",
                field="beyond_weight",
                expected="in [0, 1]",
                got=self.beyond_weight,
            )
        s(self, "shift_start_min", readonly(ss))
        s(self, "shift_end_min", readonly(se))
        s(self, "absent", readonly(ab))

    @classmethod
    def from_sla(
        cls,
        day: DispatchProblem,
        n_days: int,
        created_min: Any,
        *,
        targets_min: Mapping[Urgency | str, float] | None = None,
        **kw: Any,
    ) -> HorizonProblem:
        """Deadlines from creation times (minutes after midnight of day 0) and urgency targets.

        A job is not served before it was created (``release_min``).
        """
        tg = {
            Urgency(str(k)): float(v)
            for k, v in (targets_min or DEFAULT_RESPONSE_TARGET_MIN).items()
        }
        c = np.asarray(created_min, dtype=float).reshape(-1)
        if c.shape != (day.n_jobs,) or not np.isfinite(c).all():
            raise InputError(
                source="HorizonProblem",
                field="created_min",
                expected=f"{day.n_jobs} finite numbers",
                got=f"shape {c.shape}",
            )
        per = np.array([tg.get(u, math.inf) for u in URGENCY_ORDER])
        kw.setdefault("release_min", c)
        return cls(day, n_days, deadline_min=c + per[np.asarray(day.job_urgency)], **kw)

    # ------------------------------------------------------------- vehicles
    def vehicles(self) -> list[tuple[int, int]]:
        """The technician-days that work: ``(tech, day)`` in day-major order."""
        return [
            (t, k)
            for k in range(self.n_days)
            for t in range(self.day.n_techs)
            if not self.absent[t, k]
        ]

    def flat_problem(self, *, late: np.ndarray | None = None) -> DispatchProblem:
        """The horizon as one dispatch problem whose vehicles are technician-days.

        A job's windows are its daily windows on every day, cut at its
        deadline (``late[j]``: not cut). Pinned jobs go to their technician
        on any day (as a skill only that technician's vehicles have).
        """
        p = self.day
        veh = self.vehicles()
        if not veh:
            raise InputError(
                source="HorizonProblem",
                field="absent",
                expected="at least one technician working on some day",
                got="everyone absent",
            )
        vt = np.array([t for t, _ in veh])
        vd = np.array([k for _, k in veh], dtype=float)
        n = p.n_jobs
        late = np.zeros(n, bool) if late is None else np.asarray(late, bool)
        ptr, twe, twl = [0], [], []
        dl = np.asarray(self.deadline_min)
        rl = np.asarray(self.release_min)
        for j in range(n):
            a, b = int(p.tw_ptr[j]), int(p.tw_ptr[j + 1])
            cut = math.inf if late[j] else float(dl[j])
            rel = float(rl[j])
            for k in range(self.n_days):
                for e, lt in zip(
                    p.tw_early_min[a:b].tolist(),
                    p.tw_late_min[a:b].tolist(),
                    strict=True,
                ):
                    e2, l2 = max(e + DAY * k, rel), min(lt + DAY * k, cut)
                    if e2 <= l2:
                        twe.append(e2)
                        twl.append(l2)
            if len(twe) == ptr[-1]:  # no window before the deadline: never on time
                twe.append(-1.0)
                twl.append(-1.0)
            ptr.append(len(twe))
        ss = np.array([self.shift_start_min[t, k] + DAY * k for t, k in veh])
        se = np.array([self.shift_end_min[t, k] + DAY * k for t, k in veh])
        brk = np.asarray(p.break_min)[vt]
        # the day's break window, shifted to the day and clipped to its shift
        be = np.asarray(p.break_early_min)[vt] + DAY * vd
        bl = np.asarray(p.break_late_min)[vt] + DAY * vd
        be = np.clip(be, ss, se)
        bl = np.clip(bl, be, np.maximum(se - brk, be))
        brk = np.where(bl + brk <= se + 1e-9, brk, 0.0)
        pin = np.asarray(p.job_pinned_tech)
        js, ts = np.asarray(p.job_skills), np.asarray(p.tech_skills)[vt]
        names = list(p.skill_names)
        pinned_techs = sorted(set(pin[pin >= 0].tolist()))
        if pinned_techs:
            extra_j = np.zeros((n, len(pinned_techs)), bool)
            extra_t = np.zeros((len(veh), len(pinned_techs)), bool)
            for c, t in enumerate(pinned_techs):
                extra_j[pin == t, c] = True
                extra_t[vt == t, c] = True
                names.append(f"pinned to {p.tech_ids[t]}")
            js = np.hstack([js, extra_j])
            ts = np.hstack([ts, extra_t])
        fixed: list[tuple[int, ...]] = [()] * len(veh)
        for t, r in enumerate(p.fixed_routes):
            if r:
                if self.absent[t, 0]:
                    raise InputError(
                        source="HorizonProblem",
                        field="absent",
                        expected=f"technician {p.tech_ids[t]!r} present on day 0 "
                        "(a fixed route starts today)",
                        got=True,
                    )
                fixed[veh.index((t, 0))] = tuple(r)
        far = dl > DAY * self.n_days
        pen = np.where(
            far, np.asarray(p.drop_penalty) * self.beyond_weight, p.drop_penalty
        )
        return DispatchProblem(
            duration_min=p.duration_min,
            distance_m=p.distance_m,
            job_loc=p.job_loc,
            service_min=p.service_min,
            tw_ptr=np.asarray(ptr),
            tw_early_min=np.asarray(twe, float),
            tw_late_min=np.asarray(twl, float),
            tech_start_loc=np.asarray(p.tech_start_loc)[vt],
            tech_end_loc=np.asarray(p.tech_end_loc)[vt],
            shift_start_min=ss,
            shift_end_min=se,
            job_skills=js,
            tech_skills=ts,
            job_urgency=p.job_urgency,
            job_parts=p.job_parts,
            tech_stock=np.asarray(p.tech_stock)[vt],
            job_load=p.job_load,
            tech_capacity=np.asarray(p.tech_capacity)[vt],
            break_early_min=be,
            break_late_min=bl,
            break_min=brk,
            max_work_min=np.asarray(p.max_work_min)[vt],
            max_overtime_min=np.asarray(p.max_overtime_min)[vt],
            overtime_per_hour=np.asarray(p.overtime_per_hour)[vt],
            drop_penalty=pen,
            fixed_routes=tuple(fixed),
            rates=p.rates,
            job_ids=p.job_ids,
            tech_ids=tuple(f"{p.tech_ids[t]}@{k}" for t, k in veh),
            skill_names=tuple(names),
            part_names=p.part_names,
            location_lonlat=p.location_lonlat,
            speed_factors=p.speed_factors,
            date=p.date,
            travel_info=p.travel_info,
        )

    def day_problem(self, k: int, jobs: list[int]) -> DispatchProblem:
        """Day ``k`` as its own dispatch day (minutes after its midnight) with ``jobs``.

        Every technician is listed (an absent one with an empty shift); a
        job keeps its windows of that day.
        """
        p = self.day
        ab = np.asarray(self.absent)[:, k]
        ss = np.asarray(self.shift_start_min)[:, k]
        se = np.where(ab, ss, np.asarray(self.shift_end_min)[:, k])
        brk = np.where(ab, 0.0, p.break_min)
        be = np.clip(np.asarray(p.break_early_min), ss, se)
        bl = np.clip(np.asarray(p.break_late_min), be, np.maximum(se - brk, be))
        brk = np.where(bl + brk <= se + 1e-9, brk, 0.0)
        ptr, twe, twl = [0], [], []
        for j in jobs:
            a, b = int(p.tw_ptr[j]), int(p.tw_ptr[j + 1])
            twe += p.tw_early_min[a:b].tolist()
            twl += p.tw_late_min[a:b].tolist()
            ptr.append(len(twe))
        date = p.date
        if date is not None:
            date = (
                datetime.date.fromisoformat(date) + datetime.timedelta(days=k)
            ).isoformat()
        jj = np.asarray(jobs, dtype=np.int64)
        pin = np.asarray(p.job_pinned_tech)[jj] if len(jj) else np.zeros(0, np.int64)
        pos = {j: i for i, j in enumerate(jobs)}
        fixed = tuple(
            tuple(pos[j] for j in r) if k == 0 else () for r in p.fixed_routes
        )
        return DispatchProblem(
            duration_min=p.duration_min,
            distance_m=p.distance_m,
            job_loc=np.asarray(p.job_loc)[jj],
            service_min=np.asarray(p.service_min)[jj],
            tw_ptr=np.asarray(ptr),
            tw_early_min=np.asarray(twe, float),
            tw_late_min=np.asarray(twl, float),
            tech_start_loc=p.tech_start_loc,
            tech_end_loc=p.tech_end_loc,
            shift_start_min=ss,
            shift_end_min=se,
            job_skills=np.asarray(p.job_skills)[jj],
            tech_skills=p.tech_skills,
            job_urgency=np.asarray(p.job_urgency)[jj],
            job_parts=np.asarray(p.job_parts)[jj],
            tech_stock=p.tech_stock,
            job_load=np.asarray(p.job_load)[jj],
            tech_capacity=p.tech_capacity,
            break_early_min=be,
            break_late_min=bl,
            break_min=brk,
            max_work_min=p.max_work_min,
            max_overtime_min=np.where(ab, 0.0, p.max_overtime_min),
            overtime_per_hour=p.overtime_per_hour,
            drop_penalty=np.asarray(p.drop_penalty)[jj],
            job_pinned_tech=pin,
            fixed_routes=fixed,
            rates=p.rates,
            job_ids=tuple(p.job_ids[j] for j in jobs),
            tech_ids=p.tech_ids,
            skill_names=p.skill_names,
            part_names=p.part_names,
            location_lonlat=p.location_lonlat,
            speed_factors=p.speed_factors,
            date=date,
            travel_info=p.travel_info,
        )
