"""In-day re-planning: keep what has started, repair the rest, count what moved.

:func:`replan` takes the published plan of a day at clock time ``now``:

* visits done or started (service start <= ``now``) are frozen, and so is a
  visit its technician is driving to (left for it by ``now``) unless the
  technician's position is given; the break is taken if it started;
* each technician continues from where they are (``positions``: a location
  index or lon/lat; default: where the plan puts them) once free, with the
  shift, working time and van stock they have left;
* ``events`` apply: new tickets (:class:`~planner.routing.edit.NewJob`),
  cancellations (:class:`Cancel`) and technicians out for the rest of the
  day (:class:`Absent`).

The rest of the day becomes a new dispatch problem (from ``now`` on). Its
first routes are the published ones in their order; a route that no longer
holds is repaired (least valuable visits out, exact schedules), then the
jobs to place (new tickets, the absent technicians' visits, those dropped,
the unassigned) go to their published technician if a place holds them,
else to the cheapest feasible place anywhere (exhaustive insertion), and a
job that fits nowhere may take the place of one less valuable. Every job
moved away from its published technician, or starting more than
``tolerance_min`` from its published start, costs ``disruption_penalty``.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from planner.core.errors import InputError
from planner.core.result import SolverStats
from planner.geo.matrix import TravelModel
from planner.routing.edit import (
    NewJob,
    add_jobs,
    new_locations,
    plan_routes,
    rest_of_day,
)
from planner.routing.insertion import (
    SlackCache,
    cheapest_insertion,
    exchange,
    greedy_insert,
    prove_capacity,
)
from planner.routing.plan import DispatchPlan, clock_text
from planner.routing.problem import DispatchProblem
from planner.routing.schedule import best_schedule, candidate_places, repair_route
from planner.routing.screen import reason_alone, screen_jobs
from planner.routing.solver import build_plan

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["Absent", "Cancel", "ReplanResult", "replan"]


@dataclass(frozen=True, slots=True)
class Cancel:
    """A job cancelled by the customer (its id)."""

    job_id: str


@dataclass(frozen=True, slots=True)
class Absent:
    """A technician out for the rest of the day (their id)."""

    tech_id: str


@dataclass(frozen=True, slots=True, eq=False)
class ReplanResult:
    """The day from ``now`` on: its problem and plan, what was kept, what moved.

    ``problem``/``plan`` start at ``now`` (validator-checkable together);
    ``frozen`` the visits kept from the published plan (a frame);
    ``moved_job_ids`` the published visits that changed technician or time
    beyond the tolerance, with ``moved_detail``.
    """

    now_min: float
    problem: DispatchProblem
    plan: DispatchPlan
    frozen: pd.DataFrame
    moved_job_ids: tuple[str, ...]
    moved_detail: tuple[str, ...]
    disruption_penalty: float
    runtime_s: float

    @property
    def n_moved(self) -> int:
        """Published visits moved (technician or time)."""
        return len(self.moved_job_ids)

    @property
    def disruption_cost(self) -> float:
        """``n_moved x disruption_penalty``."""
        return self.n_moved * self.disruption_penalty

    def summary(self) -> str:
        """A line for humans."""
        (now,), _ = clock_text([self.now_min])
        return (
            f"re-plan at {now}: {len(self.frozen)} visits kept, {self.plan.n_served} "
            f"planned, {len(self.plan.unassigned_job)} unassigned, "
            f"{self.n_moved} published visits moved (disruption "
            f"{self.disruption_cost:.2f}), {self.runtime_s:.2f} s"
        )

    def __str__(self) -> str:
        return self.summary()

    def to_frame(self) -> pd.DataFrame:
        """The whole day as it now stands: frozen visits, then the new plan's, by technician."""
        import pandas as pd

        new = self.plan.to_frame()
        new["status"] = "planned"
        old = self.frozen.copy()
        old["status"] = "frozen"
        cols = [c for c in new.columns if c in old.columns]
        out = pd.concat([old[cols], new[cols]], ignore_index=True)
        out = out.sort_values(["tech_id", "start_min"], kind="stable")
        out["seq"] = out.groupby("tech_id").cumcount()
        return out.reset_index(drop=True)


def _check_now(p: DispatchProblem, now: float) -> float:
    if (
        isinstance(now, bool)
        or not isinstance(now, int | float)
        or not math.isfinite(now)
    ):
        raise InputError(field="now", expected="minutes after midnight", got=now)
    lo = float(np.min(p.shift_start_min))
    hi = float(np.max(np.asarray(p.shift_end_min) + np.asarray(p.max_overtime_min)))
    if not lo <= now <= hi:
        (a, b), _ = clock_text([lo, hi])
        raise InputError(
            field="now",
            expected=f"a time inside some shift ({a}-{b})",
            got=clock_text([now])[0][0],
        )
    return float(now)


def _parse_events(
    p: DispatchProblem, events: Sequence[Any]
) -> tuple[list[NewJob], set[int], set[int]]:
    jx = {j: i for i, j in enumerate(p.job_ids)}
    tx = {t: i for i, t in enumerate(p.tech_ids)}
    new: list[NewJob] = []
    cancel: set[int] = set()
    absent: set[int] = set()
    for i, e in enumerate(events):
        where = f"event {i + 1}"
        if isinstance(e, NewJob):
            if e.job_id in jx or any(e.job_id == x.job_id for x in new):
                raise InputError(
                    source="events",
                    location=where,
                    field="job_id",
                    expected="a new job id",
                    got=e.job_id,
                )
            new.append(e)
        elif isinstance(e, Cancel):
            if e.job_id not in jx:
                raise InputError(
                    source="events",
                    location=where,
                    field="job_id",
                    expected="a job of the plan",
                    got=e.job_id,
                )
            cancel.add(jx[e.job_id])
        elif isinstance(e, Absent):
            if e.tech_id not in tx:
                raise InputError(
                    source="events",
                    location=where,
                    field="tech_id",
                    expected="a technician of the plan",
                    got=e.tech_id,
                )
            absent.add(tx[e.tech_id])
        else:
            raise InputError(
                source="events",
                location=where,
                expected="NewJob, Cancel or Absent",
                got=type(e).__name__,
            )
    return new, cancel, absent


def replan(
    plan: DispatchPlan,
    problem: DispatchProblem,
    *,
    now: float,
    positions: Mapping[str, int | tuple[float, float]] | None = None,
    events: Sequence[NewJob | Cancel | Absent] = (),
    travel: TravelModel | None = None,
    tolerance_min: float = 60.0,
    disruption_penalty: float = 30.0,
    exchange_s: float = 3.0,
) -> ReplanResult:
    """Re-plan the rest of the day at ``now`` (minutes after midnight); see the module docstring.

    Parameters
    ----------
    plan, problem
        The published plan and its problem.
    now
        The clock time of the re-plan; inside some shift.
    positions
        Where technicians are at ``now`` (by id): a location index or
        ``(lon, lat)`` (with ``travel``). Others are where the plan has them.
    events
        :class:`~planner.routing.edit.NewJob`, :class:`Cancel`, :class:`Absent`.
    travel
        The travel model reaching new coordinates (new tickets, positions).
    tolerance_min, disruption_penalty
        A published visit moved to another technician, or starting more than
        ``tolerance_min`` from its published start, costs ``disruption_penalty``.
    exchange_s
        At most this many seconds for swapping one routed job for two left
        out (one more served, one more moved; 0: no swaps). The swaps stop
        early when none is left, so a re-plan that finishes them is the same
        whatever the machine.

    Examples
    --------
    >>> import numpy as np
    >>> from planner.routing import DispatchProblem, solve_dispatch
    >>> d = np.array([[0.0, 10.0, 15.0], [10.0, 0.0, 8.0], [15.0, 8.0, 0.0]])
    >>> p = DispatchProblem(d, d * 500, [1, 2], [60, 60], [0, 1, 2],
    ...     [480, 600], [560, 700], [0], [0], [480], [900])
    >>> plan = solve_dispatch(p, max_iterations=20)
    >>> r = replan(plan, p, now=550.0, events=[Cancel("1")])
    >>> len(r.frozen), r.plan.n_served, r.n_moved
    (1, 0, 0)
    """
    t0 = time.perf_counter()
    p = problem
    if tuple(plan.job_ids) != tuple(p.job_ids) or tuple(plan.tech_ids) != tuple(
        p.tech_ids
    ):
        raise InputError(
            field="plan", expected="the plan of this problem", got="other ids"
        )
    now = _check_now(p, now)
    new_jobs, cancel, absent = _parse_events(p, events)
    tx = {t: i for i, t in enumerate(p.tech_ids)}
    pos_given: dict[int, int | tuple[float, float]] = {}
    for tid, where in (positions or {}).items():
        if str(tid) not in tx:
            raise InputError(
                source="positions",
                field=str(tid),
                expected=f"a technician of the plan ({len(tx)} known)",
                got="an unknown technician",
            )
        pos_given[tx[str(tid)]] = where
    m = p.n_techs
    routes = plan_routes(plan)
    st_t = np.asarray(plan.stop_tech)
    start = np.asarray(plan.start_min)
    end = np.asarray(plan.end_min)
    # -- what is frozen, and where each technician is free again
    frozen_idx: list[int] = []
    free_at = np.zeros(m)
    free_loc = np.zeros(m, np.int64)
    brk_done = np.zeros(m, bool)
    worked = np.zeros(m)
    used = np.zeros_like(np.asarray(p.tech_stock))
    left: list[list[int]] = []
    for t in range(m):
        idx = np.flatnonzero(st_t == t).tolist()
        dep = float(plan.depart_min[t])
        k_froz = 0
        while k_froz < len(idx) and start[idx[k_froz]] <= now + 1e-9:
            k_froz += 1  # done or in service
        if t not in pos_given and k_froz < len(idx):
            left_at = dep if k_froz == 0 else float(end[idx[k_froz - 1]])
            if left_at < now - 1e-9 and (
                k_froz > 0 or dep >= float(p.shift_start_min[t])
            ):
                k_froz += 1  # driving to it: it stays
        frozen_idx += idx[:k_froz]
        done = routes[t][:k_froz]
        left.append(routes[t][k_froz:])
        if done:
            used[t] = np.asarray(p.job_parts)[done].sum(axis=0)
            free_at[t] = max(now, float(end[idx[k_froz - 1]]))
            free_loc[t] = int(p.job_loc[done[-1]])
        else:
            free_at[t] = max(now, float(p.shift_start_min[t]))
            free_loc[t] = int(p.tech_start_loc[t])
        bs = float(plan.break_start_min[t])
        brk_t = float(p.break_min[t])
        if brk_t > 0 and math.isfinite(bs) and bs <= free_at[t] + 1e-9:
            brk_done[t] = True  # started (or done): taken
            free_at[t] = max(free_at[t], bs + brk_t)
        worked[t] = max(0.0, free_at[t] - dep - (brk_t if brk_done[t] else 0.0))
    # -- positions given: new start locations
    ll_new: list[tuple[float, float]] = []
    for t, where in pos_given.items():
        if isinstance(where, int | np.integer) and not isinstance(where, bool):
            if not 0 <= int(where) < p.n_locations:
                raise InputError(
                    source="positions",
                    field=p.tech_ids[t],
                    expected=f"a location index in [0, {p.n_locations}) or (lon, lat)",
                    got=where,
                )
            free_loc[t] = int(where)
        else:
            try:
                lon, lat = (float(x) for x in where)  # type: ignore[union-attr]
            except (TypeError, ValueError):
                raise InputError(
                    source="positions",
                    field=p.tech_ids[t],
                    expected="a location index or (lon, lat)",
                    got=where,
                ) from None
            free_loc[t] = p.n_locations + len(ll_new)
            ll_new.append((lon, lat))
    base = p
    if ll_new:
        dur, dist, ll = new_locations(p, ll_new, travel)
        base = p.replace(duration_min=dur, distance_m=dist, location_lonlat=ll)
    base = add_jobs(base, new_jobs, travel=travel)
    # -- the problem from now on: remaining jobs, technicians from where they are
    frozen_jobs = {int(np.asarray(plan.stop_job)[i]) for i in frozen_idx}
    n0 = p.n_jobs
    keep = [j for j in range(base.n_jobs) if j not in frozen_jobs and j not in cancel]
    q = rest_of_day(base, keep, free_at, free_loc, brk_done, worked, used, absent)
    newidx = {j: i for i, j in enumerate(keep)}
    routes_q = [[newidx[j] for j in left[t] if j in newidx] for t in range(m)]
    pub_tech = {newidx[j]: t for t in range(m) for j in left[t] if j in newidx}
    pub_start = {
        newidx[int(j)]: float(s)
        for j, s in zip(np.asarray(plan.stop_job).tolist(), start.tolist(), strict=True)
        if int(j) in newidx
    }
    value = _value(q)
    pool: list[int] = []
    for t in range(m):
        if t in absent:
            pool += routes_q[t]
            routes_q[t] = []
            continue
        r, dropped = repair_route(q, t, routes_q[t], value, 0)
        routes_q[t] = r
        pool += dropped
    in_route = {j for r in routes_q for j in r}
    unrouted_old = [
        newidx[j] for j in np.asarray(plan.unassigned_job).tolist() if j in newidx
    ]
    new_idx = [newidx[j] for j in range(n0, base.n_jobs) if j in newidx]
    pool += [j for j in unrouted_old + new_idx if j not in in_route and j not in pool]
    routes_q, unassigned = _place(q, routes_q, pool, pub_tech, value)
    if exchange_s > 0 and any(u[1] == "capacity" for u in unassigned):
        routes_q, unassigned = _exchange(q, routes_q, unassigned, value, exchange_s)
    stats = SolverStats(
        "replan",
        time.perf_counter() - t0,
        seed=None,
        extra={"pool": len(pool), "now_min": now},
    )
    new_plan = build_plan(q, routes_q, unassigned, stats)
    # -- what moved
    moved, detail = [], []
    ns_t = np.asarray(new_plan.stop_tech)
    ns_j = np.asarray(new_plan.stop_job)
    ns_s = np.asarray(new_plan.start_min)
    where_now = {
        int(j): (int(t), float(s)) for t, j, s in zip(ns_t, ns_j, ns_s, strict=True)
    }
    for j, t in sorted(pub_tech.items()):
        got = where_now.get(j)
        if got is None:
            moved.append(q.job_ids[j])
            detail.append(f"{p.tech_ids[t]} -> unassigned")
        elif got[0] != t:
            moved.append(q.job_ids[j])
            detail.append(f"{p.tech_ids[t]} -> {p.tech_ids[got[0]]}")
        elif abs(got[1] - pub_start[j]) > tolerance_min + 1e-9:
            moved.append(q.job_ids[j])
            (a, b), _ = clock_text([pub_start[j], got[1]])
            detail.append(f"{p.tech_ids[t]}: {a} -> {b}")
    frozen = plan.to_frame().iloc[sorted(frozen_idx)].reset_index(drop=True)
    return ReplanResult(
        now_min=now,
        problem=q,
        plan=new_plan,
        frozen=frozen,
        moved_job_ids=tuple(moved),
        moved_detail=tuple(detail),
        disruption_penalty=float(disruption_penalty),
        runtime_s=time.perf_counter() - t0,
    )


def _value(p: DispatchProblem) -> np.ndarray:
    pen = np.asarray(p.drop_penalty, float)
    lo = float(pen[pen > 0].min()) if (pen > 0).any() else 1.0
    return pen / lo


def _place(
    q: DispatchProblem,
    routes: list[list[int]],
    pool: list[int],
    pub_tech: dict[int, int],
    value: np.ndarray,
) -> tuple[list[list[int]], list[tuple[int, str, str]]]:
    """Insert the pool (most valuable first): published technician first, then anywhere,
    then in place of a less valuable job; the rest unassigned with their reasons."""
    scr = screen_jobs(q)
    cand = scr.candidate
    n_fixed = [0] * q.n_techs
    sl = SlackCache(q, routes, n_fixed)
    left: list[int] = []
    out: list[tuple[int, str, str]] = []
    order = sorted(set(pool), key=lambda j: (-value[j], j))
    for j in order:
        if not cand[j].any():
            why, det = reason_alone(scr, j, int(q.job_pinned_tech[j]), problem=q)
            out.append((j, why, det))
            continue
        own = pub_tech.get(j)
        place = None
        if own is not None and cand[j, own]:
            place = cheapest_insertion(q, routes, j, [own], n_fixed, sl)
        if place is None:
            place = cheapest_insertion(
                q, routes, j, np.flatnonzero(cand[j]).tolist(), n_fixed, sl
            )
        if place is None:
            left.append(j)
        else:
            routes[place[0]].insert(place[1], j)
    for j in left:
        if not _eject_for(q, routes, j, cand, value, sl):
            det, place = prove_capacity(q, routes, j, cand, n_fixed, slacks=sl)
            if place is not None:
                routes[place[0]].insert(place[1], j)
            else:
                out.append((j, "capacity", det))
    # jobs pushed out by ejections (published ones too)
    served = {x for r in routes for x in r}
    listed = {u[0] for u in out}
    rest = [j for j in range(q.n_jobs) if j not in served and j not in listed]
    for j in sorted(rest, key=lambda j: (-value[j], j)):
        if not cand[j].any():
            why, det = reason_alone(scr, j, int(q.job_pinned_tech[j]), problem=q)
            out.append((j, why, det))
            continue
        det, place = prove_capacity(q, routes, j, cand, n_fixed, slacks=sl)
        if place is not None:
            routes[place[0]].insert(place[1], j)
        else:
            out.append((j, "capacity", det))
    return routes, out


def _eject_for(
    q: DispatchProblem,
    routes: list[list[int]],
    j: int,
    cand: np.ndarray,
    value: np.ndarray,
    sl: SlackCache,
    max_tries: int = 60,
) -> bool:
    """Put ``j`` in place of one or two consecutive visits worth less than it.

    Cheapest first (then nearest to ``j``); the visits taken out are then
    placed elsewhere if they fit (else left out). True if ``j`` is in.
    """
    d = np.asarray(q.duration_min)
    lj = int(q.job_loc[j])
    opts = []
    for t in np.flatnonzero(cand[j]).tolist():
        r = routes[t]
        locs = [
            int(q.tech_start_loc[t]),
            *[int(q.job_loc[x]) for x in r],
            int(q.tech_end_loc[t]),
        ]
        for k in range(len(r)):
            for w in (1, 2):
                seg = r[k : k + w]
                if len(seg) < w:
                    continue
                worth = float(value[seg].sum())
                if worth < value[j] - 1e-12:
                    near = float(d[locs[k + 1], lj])
                    opts.append((w, worth, near, t, k))
    opts.sort()
    for w, _, _, t, k in opts[:max_tries]:
        r = routes[t]
        out = r[k : k + w]
        base = r[:k] + r[k + w :]
        for _, pos in candidate_places(q, t, base, j):
            new = [*base[:pos], j, *base[pos:]]
            if best_schedule(q, t, new).ok:
                routes[t] = new
                for v in out:
                    place = cheapest_insertion(
                        q,
                        routes,
                        v,
                        np.flatnonzero(cand[v]).tolist(),
                        [0] * q.n_techs,
                        sl,
                    )
                    if place is not None:
                        routes[place[0]].insert(place[1], v)
                return True
    return False


def _exchange(
    q: DispatchProblem,
    routes: list[list[int]],
    unassigned: list[tuple[int, str, str]],
    value: np.ndarray,
    seconds: float,
) -> tuple[list[list[int]], list[tuple[int, str, str]]]:
    """One routed job out, two left-out jobs in, where they are worth more; reasons redone."""
    cand = screen_jobs(q).candidate
    n_fixed = [0] * q.n_techs
    left = [j for j, why, _ in unassigned if why == "capacity"]
    keep = [u for u in unassigned if u[1] != "capacity"]
    deadline = time.perf_counter() + seconds
    left = exchange(q, routes, left, cand, n_fixed, value, deadline=deadline)
    sl = SlackCache(q, routes, n_fixed)
    left = greedy_insert(q, routes, left, cand, n_fixed, deadline=math.inf, slacks=sl)
    out = list(keep)
    for j in sorted(left, key=lambda j: (-value[j], j)):
        det, place = prove_capacity(q, routes, j, cand, n_fixed, slacks=sl)
        if place is not None:
            routes[place[0]].insert(place[1], j)
        else:
            out.append((j, "capacity", det))
    return routes, out
