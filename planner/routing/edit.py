"""Edits of a dispatch day: new tickets, and the routes of a plan as job lists.

:class:`NewJob` describes a ticket that is not in the problem yet (at an
existing location or at coordinates reached with a travel model);
:func:`add_jobs` returns the problem with them appended (new locations get
their matrix rows and columns from the travel model). These are the inputs
of promised slots (:mod:`planner.routing.slots`) and re-planning
(:mod:`planner.routing.replan`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from planner.core.errors import InputError
from planner.core.urgency import Urgency
from planner.geo.matrix import TravelModel
from planner.geo.speed import free_flow_matrix
from planner.routing.plan import DispatchPlan
from planner.routing.problem import URGENCY_ORDER, DispatchProblem

__all__ = ["NewJob", "add_jobs", "new_locations", "plan_routes", "rest_of_day"]


@dataclass(frozen=True, slots=True)
class NewJob:
    """A ticket to add to a day: where, how long, what it needs.

    ``loc`` (a location index of the problem) or ``lonlat`` (reached with
    the travel model given to :func:`add_jobs`) says where; ``windows``
    (minutes after midnight of day 0) when the customer is available (empty:
    any time); ``skills`` and ``parts`` by the problem's names.

    >>> NewJob("J9", service_min=45, loc=3).urgency
    'general'
    """

    job_id: str
    service_min: float
    loc: int | None = None
    lonlat: tuple[float, float] | None = None
    urgency: str = "general"
    skills: tuple[str, ...] = ()
    parts: Mapping[str, int] = field(default_factory=dict)
    windows: tuple[tuple[float, float], ...] = ()
    load: float = 0.0
    drop_penalty: float | None = None

    def __post_init__(self) -> None:
        src = f'new job "{self.job_id}"'
        if not str(self.job_id):
            raise InputError(source="new job", field="job_id", expected="an id", got="")
        object.__setattr__(self, "job_id", str(self.job_id))
        if isinstance(self.skills, str):
            object.__setattr__(self, "skills", (self.skills,))
        try:
            svc = float(self.service_min)
        except (TypeError, ValueError):
            svc = math.nan
        if not (math.isfinite(svc) and svc >= 0):
            raise InputError(
                source=src,
                field="service_min",
                expected="a number >= 0",
                got=self.service_min,
            )
        if (self.loc is None) == (self.lonlat is None):
            raise InputError(
                source=src,
                field="loc/lonlat",
                expected="exactly one of a location index or (lon, lat)",
                got=f"loc={self.loc}, lonlat={self.lonlat}",
            )
        try:
            Urgency(str(self.urgency).strip().lower())
        except ValueError:
            raise InputError(
                source=src,
                field="urgency",
                expected="one of urgent, important, general",
                got=self.urgency,
            ) from None
        for a, b in self.windows:
            if not (math.isfinite(float(a)) and float(b) >= float(a)):
                raise InputError(
                    source=src,
                    field="windows",
                    expected="(start, end) with start <= end",
                    got=(a, b),
                )


def plan_routes(plan: DispatchPlan) -> list[list[int]]:
    """The plan's routes: one list of job indices per technician, in visiting order."""
    st, sj = np.asarray(plan.stop_tech), np.asarray(plan.stop_job)
    return [sj[st == t].tolist() for t in range(len(plan.tech_ids))]


def _index_of(
    names: Sequence[str], wanted: Sequence[str], src: str, fld: str
) -> list[int]:
    pos = {n: i for i, n in enumerate(names)}
    out = []
    for w in wanted:
        if str(w) not in pos:
            raise InputError(
                source=src, field=fld, expected=f"one of {sorted(pos)}", got=w
            )
        out.append(pos[str(w)])
    return out


def new_locations(
    p: DispatchProblem,
    lonlat: Sequence[tuple[float, float]],
    travel: TravelModel | None,
    *,
    source: str = "positions",
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """The matrices and coordinates of ``p`` with ``lonlat`` appended as new locations.

    Travel to and from them comes from ``travel`` (free-flow minutes); the
    problem needs ``location_lonlat``.
    """
    dur, dist = np.asarray(p.duration_min), np.asarray(p.distance_m)
    ll = None if p.location_lonlat is None else np.asarray(p.location_lonlat)
    if not len(lonlat):
        return dur, dist, ll
    if travel is None or ll is None:
        raise InputError(
            source=source,
            field="lonlat",
            expected="a travel model and a problem with location coordinates "
            "(or a location index)",
            got="no travel model" if travel is None else "no coordinates",
        )
    n_loc = p.n_locations
    pts = np.asarray(lonlat, dtype=float).reshape(-1, 2)
    allp = np.vstack([ll, pts])
    fwd = free_flow_matrix(travel, pts, allp)  # new -> all
    back = free_flow_matrix(travel, ll, pts)  # old -> new
    k = len(pts)
    nd = np.zeros((n_loc + k, n_loc + k))
    ns = np.zeros((n_loc + k, n_loc + k))
    nd[:n_loc, :n_loc], ns[:n_loc, :n_loc] = dur, dist
    nd[n_loc:, :] = fwd.duration_min
    ns[n_loc:, :] = fwd.distance_m
    nd[:n_loc, n_loc:] = back.duration_min
    ns[:n_loc, n_loc:] = back.distance_m
    return nd, ns, allp


def add_jobs(
    problem: DispatchProblem,
    jobs: Sequence[NewJob],
    *,
    travel: TravelModel | None = None,
    window_default: tuple[float, float] | None = None,
) -> DispatchProblem:
    """``problem`` with ``jobs`` appended (after its jobs, in order), validated again.

    A job at ``lonlat`` gets a new location whose travel to and from every
    location comes from ``travel`` (free-flow minutes; the problem needs
    ``location_lonlat``). A job without ``windows`` may start any time from
    ``window_default`` (default: the earliest shift start to the latest
    shift end).
    """
    p = problem
    if not jobs:
        return p
    known = set(p.job_ids)
    for nj in jobs:
        if nj.job_id in known:
            raise InputError(
                source=f'new job "{nj.job_id}"',
                field="job_id",
                expected="an id not in the plan yet",
                got=nj.job_id,
            )
        known.add(nj.job_id)
    n_loc = p.n_locations
    new_ll = [nj.lonlat for nj in jobs if nj.lonlat is not None]
    dur, dist, ll = new_locations(
        p,
        new_ll,
        travel,
        source=f'new job "{next((nj.job_id for nj in jobs if nj.lonlat), "")}"',
    )
    locs: list[int] = []
    nxt = n_loc
    for nj in jobs:
        if nj.loc is not None:
            if not 0 <= int(nj.loc) < n_loc:
                raise InputError(
                    source=f'new job "{nj.job_id}"',
                    field="loc",
                    expected=f"a location index in [0, {n_loc})",
                    got=nj.loc,
                )
            locs.append(int(nj.loc))
        else:
            locs.append(nxt)
            nxt += 1
    lo = (
        float(np.min(p.shift_start_min))
        if window_default is None
        else window_default[0]
    )
    hi = float(np.max(p.shift_end_min)) if window_default is None else window_default[1]
    ptr = list(np.asarray(p.tw_ptr).tolist())
    twe = list(np.asarray(p.tw_early_min).tolist())
    twl = list(np.asarray(p.tw_late_min).tolist())
    for nj in jobs:
        ws = nj.windows or ((lo, hi),)
        for a, b in ws:
            twe.append(float(a))
            twl.append(float(b))
        ptr.append(len(twe))
    k_sk = len(p.skill_names)
    js = np.zeros((len(jobs), k_sk), bool)
    q = len(p.part_names)
    jp = np.zeros((len(jobs), q), np.int64)
    for i, nj in enumerate(jobs):
        src = f'new job "{nj.job_id}"'
        js[i, _index_of(p.skill_names, list(nj.skills), src, "skills")] = True
        for name, cnt in nj.parts.items():
            (col,) = _index_of(p.part_names, [name], src, "parts")
            jp[i, col] = int(cnt)
    per = {u.value: p.rates.unserved_penalty.get(u.value, 0.0) for u in URGENCY_ORDER}
    urg = [URGENCY_ORDER.index(Urgency(str(nj.urgency).strip().lower())) for nj in jobs]
    pen = [
        per[URGENCY_ORDER[u].value]
        if nj.drop_penalty is None
        else float(nj.drop_penalty)
        for nj, u in zip(jobs, urg, strict=True)
    ]
    fixed = p.fixed_routes
    changes: dict[str, Any] = {
        "duration_min": dur,
        "distance_m": dist,
        "job_loc": np.concatenate([p.job_loc, locs]),
        "service_min": np.concatenate([p.service_min, [nj.service_min for nj in jobs]]),
        "tw_ptr": np.asarray(ptr),
        "tw_early_min": np.asarray(twe),
        "tw_late_min": np.asarray(twl),
        "job_skills": np.vstack([p.job_skills, js]),
        "tech_skills": p.tech_skills,
        "job_urgency": np.concatenate([p.job_urgency, urg]),
        "job_parts": np.vstack([p.job_parts, jp]),
        "job_load": np.concatenate([p.job_load, [nj.load for nj in jobs]]),
        "drop_penalty": np.concatenate([p.drop_penalty, pen]),
        "job_pinned_tech": np.concatenate([p.job_pinned_tech, np.full(len(jobs), -1)]),
        "fixed_routes": fixed,
        "job_ids": (*p.job_ids, *[nj.job_id for nj in jobs]),
        "location_lonlat": ll,
    }
    return p.replace(**changes)


def rest_of_day(
    p: DispatchProblem,
    keep: list[int],
    free_at: np.ndarray,
    free_loc: np.ndarray,
    brk_done: np.ndarray,
    worked: np.ndarray,
    used: np.ndarray,
    absent: set[int],
) -> DispatchProblem:
    """The jobs ``keep`` and every technician from where (``free_loc``) and when
    (``free_at``) they are free, with what is left of their day.

    The shift starts when the technician is free (absent ones get an empty
    shift), the break is dropped if taken (``brk_done``) or no longer
    possible, working time shrinks by ``worked``, the van by ``used`` parts,
    and the overtime allowance by what is already used past the shift end.
    """
    m = p.n_techs
    ab = np.zeros(m, bool)
    ab[list(absent)] = True
    se = np.asarray(p.shift_end_min, float)
    ot0 = np.where(ab, 0.0, p.max_overtime_min)
    ss = np.minimum(free_at, se + ot0)
    se2 = np.where(ab, ss, np.maximum(se, ss))
    # what is left of the overtime allowance (none for the absent)
    ot = np.where(ab, 0.0, np.maximum(0.0, se + ot0 - se2))
    brk = np.where(brk_done | ab, 0.0, p.break_min)
    be = np.maximum(np.asarray(p.break_early_min), ss)
    bl = np.asarray(p.break_late_min, float).copy()
    # a break whose window has passed, or no longer fits the shift, is dropped
    missed = (bl < be) | (be + brk > se2)
    brk = np.where(missed, 0.0, brk)
    be = np.where(brk > 0, be, ss)
    bl = np.where(brk > 0, bl, se2)
    kk = np.asarray(keep, np.int64)
    ptr, twe, twl = [0], [], []
    for j in keep:
        a, b = int(p.tw_ptr[j]), int(p.tw_ptr[j + 1])
        twe += p.tw_early_min[a:b].tolist()
        twl += p.tw_late_min[a:b].tolist()
        ptr.append(len(twe))
    pin = np.asarray(p.job_pinned_tech)[kk] if len(kk) else np.zeros(0, np.int64)
    return p.replace(
        job_loc=np.asarray(p.job_loc)[kk],
        service_min=np.asarray(p.service_min)[kk],
        tw_ptr=np.asarray(ptr),
        tw_early_min=np.asarray(twe, float),
        tw_late_min=np.asarray(twl, float),
        tech_start_loc=free_loc,
        shift_start_min=ss,
        shift_end_min=se2,
        job_skills=np.asarray(p.job_skills)[kk],
        job_urgency=np.asarray(p.job_urgency)[kk],
        job_parts=np.asarray(p.job_parts)[kk],
        tech_stock=np.maximum(np.asarray(p.tech_stock) - used, 0),
        job_load=np.asarray(p.job_load)[kk],
        break_early_min=be,
        break_late_min=bl,
        break_min=brk,
        max_work_min=np.maximum(np.asarray(p.max_work_min) - worked, 0.0),
        max_overtime_min=ot,
        drop_penalty=np.asarray(p.drop_penalty)[kk],
        job_pinned_tech=pin,
        fixed_routes=None,
        job_ids=tuple(p.job_ids[j] for j in keep),
    )
