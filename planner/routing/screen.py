"""Screening: which technician could serve which job alone in the day.

Per (job, technician) pair, in numpy: skills, pins, the generic load, the
job's parts against the van, and time (travel from the start, a window,
service, the break before or after, return, overtime and working-time
limits). A job no technician can serve alone is unassigned with the first
reason that rules it out and is never given to the search; the search only
considers pairs that pass.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from planner.routing.problem import DispatchProblem
from planner.routing.schedule import TOL as _TOL

__all__ = ["Screen", "looks_feasible", "parts_detail", "reason_alone", "screen_jobs"]


@dataclass(frozen=True, slots=True)
class Screen:
    """Which technician could serve which job alone (boolean ``(n_jobs, n_techs)``)."""

    skill_ok: np.ndarray
    time_ok: np.ndarray
    parts_ok: np.ndarray
    pin_ok: np.ndarray
    load_ok: np.ndarray

    @property
    def candidate(self) -> np.ndarray:
        """All of the above."""
        return self.skill_ok & self.time_ok & self.parts_ok & self.pin_ok & self.load_ok


def _earliest_start(arrive: np.ndarray, e: np.ndarray, lt: np.ndarray) -> np.ndarray:
    """Earliest start >= arrive in one of the windows (NaN if none); arrive is (m,)."""
    best = np.full(arrive.shape, np.nan)
    for a, b in zip(e.tolist(), lt.tolist(), strict=True):
        s = np.where(arrive <= b + _TOL, np.maximum(arrive, a), np.nan)
        best = np.fmin(best, s)
    return best


def screen_jobs(problem: DispatchProblem) -> Screen:
    """Screen every (job, technician) pair for the job served alone in the day."""
    p = problem
    n, m = p.n_jobs, p.n_techs
    js, ts = np.asarray(p.job_skills), np.asarray(p.tech_skills)
    skill_ok = (
        ~(js[:, None, :] & ~ts[None, :, :]).any(axis=2)
        if js.shape[1]
        else np.ones((n, m), bool)
    )
    jp, st = np.asarray(p.job_parts), np.asarray(p.tech_stock)
    parts_ok = (
        (jp[:, None, :] <= st[None, :, :]).all(axis=2)
        if jp.shape[1]
        else np.ones((n, m), bool)
    )
    pin = np.asarray(p.job_pinned_tech)
    pin_ok = (pin[:, None] < 0) | (pin[:, None] == np.arange(m)[None, :])
    d = np.asarray(p.duration_min)
    s0, en = np.asarray(p.tech_start_loc), np.asarray(p.tech_end_loc)
    dep = np.asarray(p.shift_start_min, float)
    brk = np.asarray(p.break_min, float)
    be, bl = np.asarray(p.break_early_min, float), np.asarray(p.break_late_min, float)
    limit = np.asarray(p.shift_end_min, float) + np.asarray(p.max_overtime_min, float)
    maxw = np.asarray(p.max_work_min, float)
    cap_ok = (
        np.asarray(p.job_load)[:, None] <= np.asarray(p.tech_capacity)[None, :] + _TOL
    )
    has_b = brk > 0
    sp = p.speed_factors

    def arrive(
        tau: np.ndarray, dep: np.ndarray, pause: np.ndarray | None
    ) -> np.ndarray:
        """Arrival after ``tau``, with the break starting at ``pause`` if given."""
        if pause is None:
            return dep + tau if sp is None else sp.arrival_min(tau, dep)
        if sp is None:  # the break before arriving delays the arrival
            return np.where(has_b, np.maximum(dep + tau, pause) + brk, dep + tau)
        paused = np.maximum(
            sp.arrival_with_pause_min(tau, dep, pause, brk), pause + brk
        )
        return np.where(has_b, paused, sp.arrival_min(tau, dep))

    time_ok = np.zeros((n, m), bool)
    for j in range(n):
        lj = int(p.job_loc[j])
        a, b = int(p.tw_ptr[j]), int(p.tw_ptr[j + 1])
        e, lt = np.asarray(p.tw_early_min)[a:b], np.asarray(p.tw_late_min)[a:b]
        ok = np.zeros(m, bool)
        for pos in (0, 1):
            # the break starts as early as allowed after the previous service
            # (on the way or waiting at the next stop): the next service is
            # ready at max(end + travel, break start) + break
            good = np.ones(m, bool)
            if pos == 0:
                cb = np.maximum(dep, be)
                good &= ~has_b | (cb <= bl + _TOL)
                ready = arrive(d[s0, lj], dep, cb)
            else:
                ready = arrive(d[s0, lj], dep, None)
            stt = _earliest_start(ready, e, lt)
            good &= ~np.isnan(stt)
            cur = np.nan_to_num(stt) + float(p.service_min[j])
            if pos == 1:
                cb = np.maximum(cur, be)
                good &= ~has_b | (cb <= bl + _TOL)
                ret = arrive(d[lj, en], cur, cb)
            else:
                ret = arrive(d[lj, en], cur, None)
            good &= (ret <= limit + _TOL) & (
                ret - dep - np.where(has_b, brk, 0.0) <= maxw + _TOL
            )
            ok |= good
        time_ok[j] = ok
    return Screen(np.asarray(skill_ok), time_ok, np.asarray(parts_ok), pin_ok, cap_ok)


def reason_alone(
    screen: Screen, j: int, pinned: int, *, problem: DispatchProblem | None = None
) -> tuple[str, str]:
    """Why job ``j`` fits no technician alone: the first of skill, pinned, load, parts, window.

    With ``problem``, a ``parts`` reason names the part(s) missing and the
    vans short of them.
    """
    sk = screen.skill_ok[j]
    if not sk.any():
        return "skill", ""
    if pinned >= 0:
        return "pinned", ""
    fits = sk & screen.load_ok[j]
    if not fits.any():
        return "load", ""
    if not (fits & screen.parts_ok[j]).any():
        det = "" if problem is None else parts_detail(problem, j, fits)
        return "parts", det
    if not (fits & screen.time_ok[j]).any():
        return "window", ""
    if problem is None:
        return "parts", ""
    det = parts_detail(problem, j, fits & screen.time_ok[j])
    return "parts", f"{det}; the vans that carry it cannot reach it in time"


def parts_detail(p: DispatchProblem, j: int, vans: np.ndarray, *, show: int = 3) -> str:
    """``needs 2 x P1 (short on T1 with 0, T2 with 1 ...)`` for job ``j`` and the masked vans."""
    need = np.asarray(p.job_parts)[j]
    stock = np.asarray(p.tech_stock)
    ts = np.flatnonzero(vans)
    out = []
    for q in np.flatnonzero(need > 0).tolist():
        short = [t for t in ts.tolist() if stock[t, q] < need[q]]
        if not short:
            continue
        names = ", ".join(
            f"{p.tech_ids[t]} with {int(stock[t, q])}" for t in short[:show]
        )
        more = f" +{len(short) - show} more" if len(short) > show else ""
        out.append(f"{int(need[q])} x {p.part_names[q]} (short on {names}{more})")
    return "needs " + "; ".join(out) if out else ""


def looks_feasible(p: DispatchProblem, cand: np.ndarray, fit_margin: float) -> bool:
    """Whether every job seems to fit: hours, load and parts well within the fleet's.

    Service plus, for every job, the trip from its nearest other location
    must be at most ``fit_margin`` of the technicians' hours (shift, overtime
    and working-time limits, less breaks). Days with fixed routes, pins or a
    job no technician can serve alone are never taken for such days.
    """
    n = p.n_jobs
    if fit_margin <= 0 or n == 0 or not cand.any(axis=1).all():
        return False
    if (
        any(len(r) for r in p.fixed_routes)
        or (np.asarray(p.job_pinned_tech) >= 0).any()
    ):
        return False
    hours = np.minimum(
        p.shift_end_min + p.max_overtime_min - p.shift_start_min, p.max_work_min
    ) - np.maximum(p.break_min, 0.0)
    locs = np.unique(np.concatenate([p.job_loc, p.tech_start_loc, p.tech_end_loc]))
    d = np.asarray(p.duration_min)[np.ix_(np.asarray(p.job_loc), locs)].astype(float)
    d[np.asarray(p.job_loc)[:, None] == locs[None, :]] = np.inf
    trip = np.min(d, axis=1, initial=np.inf)
    trip = np.where(np.isfinite(trip), trip, 0.0)
    need = float(np.sum(p.service_min) + trip.sum())
    if need > fit_margin * float(np.maximum(hours, 0.0).sum()):
        return False
    cap = np.asarray(p.tech_capacity, float)
    if np.isfinite(cap).all() and float(np.sum(p.job_load)) > float(cap.sum()):
        return False
    jp = np.asarray(p.job_parts)
    return not (
        jp.shape[1] and (jp.sum(axis=0) > np.asarray(p.tech_stock).sum(axis=0)).any()
    )
