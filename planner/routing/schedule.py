"""Route schedules: when a technician arrives, serves and breaks on a given route.

:func:`schedule_route` times a sequence of jobs for one technician with the
break after a given number of visits; :func:`best_schedule` tries every
break position and keeps the feasible one that returns first (exact for a
given sequence: services start as early as their windows allow, and the
break starts as early as its window allows after the previous service,
before or on the way, or at the next stop while waiting). These are the
planner's one definition of a feasible route; the solver passes, the
capacity proof and later re-planning build on them.

:func:`route_slack` gives, for a feasible route, the earliest end of every
visit and the latest start that keeps the rest feasible, without the break
(a relaxation: the break only makes a route later). :func:`insertion_places`
uses it to screen all insertion places of a job in one pass and confirms the
survivors with :func:`best_schedule`, so it finds every feasible place.

With speed factors (``problem.speed_factors``) every leg leaves at the
previous end (or after a break on the way) and takes its departure-time
dependent duration; travel is FIFO, so earliest-start schedules stay exact,
and the latest departures of :func:`route_slack` invert the profile.
:func:`static_problem` gives the searches their one static matrix.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from planner.routing.problem import DispatchProblem

__all__ = [
    "TOL",
    "RouteSchedule",
    "RouteSlack",
    "best_schedule",
    "candidate_places",
    "insertion_places",
    "repair_route",
    "route_cost",
    "route_slack",
    "schedule_route",
    "static_problem",
]

#: Tolerance (minutes) of every time comparison.
TOL = 1e-6


@dataclass(slots=True)
class RouteSchedule:
    """One timed route of one technician (times in minutes after midnight).

    ``ok`` says whether every window, the break window, the shift limit
    (end plus overtime, working time) and the van hold; ``short_min`` is the
    shift extension that would make it feasible when only the end is
    violated (``inf`` otherwise).
    """

    ok: bool
    depart: float
    ret: float
    brk_start: float
    brk_after: int
    arr: list[float]
    start: list[float]
    end: list[float]
    travel: float
    dist: float
    service: float
    short_min: float = math.inf


def _earliest_in(ready: float, early: Sequence[float], late: Sequence[float]) -> float:
    """Earliest start >= ``ready`` in one of the windows (NaN if none)."""
    best = math.nan
    for e, lt in zip(early, late, strict=True):
        if ready <= lt + TOL:
            c = max(ready, e)
            if not best <= c:
                best = c
    return best


def schedule_route(
    p: DispatchProblem, t: int, route: Sequence[int], brk_after: int
) -> RouteSchedule:
    """Forward schedule of ``route`` for technician ``t`` with the break after ``brk_after`` visits.

    ``brk_after`` = -1 (or a technician without break) schedules no break.
    """
    d, dist = p.duration_min, p.distance_m
    dep = float(p.shift_start_min[t])
    cur, loc = dep, int(p.tech_start_loc[t])
    brk = float(p.break_min[t])
    ok = True
    bs = math.nan
    arr, sts, ens = [], [], []
    trav = dd = svc = 0.0

    sp = p.speed_factors

    def leg(cur: float, tau: float, with_break: bool) -> tuple[float, float, float]:
        """Arrival at the next stop, when it is ready (after the break, if taken
        here) and the minutes driven (``tau`` for static travel)."""
        nonlocal bs, ok
        if not with_break:
            if sp is None:
                return cur + tau, cur + tau, tau
            a = sp.arrive(tau, cur)
            return a, a, a - cur
        # the break starts as early as its window allows after the previous
        # service: before or on the way (arrival delayed by it) or at the
        # next stop while waiting (arrival not delayed)
        bs = max(cur, float(p.break_early_min[t]))
        ok &= bs <= float(p.break_late_min[t]) + TOL
        if sp is None:
            arrive = cur + tau + brk if bs < cur + tau else cur + tau
            return arrive, max(arrive, bs + brk), tau
        arrive = sp.arrive_paused(tau, cur, bs, brk)
        drive = arrive - cur - (brk if bs < sp.arrive(tau, cur) else 0.0)
        return arrive, max(arrive, bs + brk), drive

    ptr, twe, twl = p.tw_ptr, p.tw_early_min, p.tw_late_min
    for k, j in enumerate(route):
        lj = int(p.job_loc[j])
        a, ready, drive = leg(cur, float(d[loc, lj]), brk > 0 and brk_after == k)
        trav += drive
        dd += float(dist[loc, lj])
        w0, w1 = int(ptr[j]), int(ptr[j + 1])
        s = _earliest_in(ready, twe[w0:w1].tolist(), twl[w0:w1].tolist())
        if math.isnan(s):
            ok = False
            s = ready
        arr.append(a)
        sts.append(s)
        ens.append(s + float(p.service_min[j]))
        svc += float(p.service_min[j])
        cur, loc = ens[-1], lj
    en = int(p.tech_end_loc[t])
    _, ret, drive = leg(cur, float(d[loc, en]), brk > 0 and brk_after == len(route))
    trav += drive
    dd += float(dist[loc, en])
    b_used = brk if brk > 0 else 0.0
    short = max(
        0.0,
        ret - float(p.shift_end_min[t]) - float(p.max_overtime_min[t]),
        ret - dep - b_used - float(p.max_work_min[t]),
    )
    ok_but_end = ok
    ok &= short <= TOL
    if len(route):
        r = list(route)
        ok &= bool((p.job_parts[r].sum(axis=0) <= p.tech_stock[t]).all())
        ok &= float(p.job_load[r].sum()) <= float(p.tech_capacity[t]) + TOL
    return RouteSchedule(
        ok,
        dep,
        ret,
        bs,
        brk_after if brk > 0 else -1,
        arr,
        sts,
        ens,
        trav,
        dd,
        svc,
        short if ok_but_end else math.inf,
    )


def best_schedule(p: DispatchProblem, t: int, route: Sequence[int]) -> RouteSchedule:
    """The feasible schedule with the earliest return over break positions (or an infeasible one)."""
    if not len(route):
        dep = float(p.shift_start_min[t])
        return RouteSchedule(True, dep, dep, math.nan, -1, [], [], [], 0.0, 0.0, 0.0)
    if float(p.break_min[t]) <= 0:
        return schedule_route(p, t, route, -1)
    best: RouteSchedule | None = None
    for b in range(len(route) + 1):
        s = schedule_route(p, t, route, b)
        if s.ok and (best is None or s.ret < best.ret - TOL):
            best = s
    return best if best is not None else schedule_route(p, t, route, 0)


def route_cost(p: DispatchProblem, t: int, s: RouteSchedule) -> float:
    """Travel and overtime cost of technician ``t``'s schedule ``s`` (cost model units)."""
    r = p.rates
    ot = max(0.0, s.ret - float(p.shift_end_min[t]))
    return (
        s.dist / 1000.0 * r.travel_per_km
        + s.travel / 60.0 * r.travel_per_hour
        + ot / 60.0 * float(p.overtime_per_hour[t])
    )


def repair_route(
    p: DispatchProblem, t: int, route: Sequence[int], value: np.ndarray, n_fixed: int
) -> tuple[list[int], list[int]]:
    """Drop visits (least valuable first) until the route is feasible; returns (route, dropped).

    The first ``n_fixed`` visits are never dropped.
    """
    dropped: list[int] = []
    route = list(route)
    while route and not best_schedule(p, t, route).ok:
        best_k, best_v = None, math.inf
        for k in range(n_fixed, len(route)):
            good = best_schedule(p, t, route[:k] + route[k + 1 :]).ok
            # prefer a removal that makes the route feasible, then the least valuable
            key = float(value[route[k]]) + (0.0 if good else 1e18)
            if key < best_v:
                best_k, best_v = k, key
        if best_k is None:  # only fixed jobs left and still infeasible
            break
        dropped.append(route.pop(best_k))
    return route, dropped


# ------------------------------------------------------------ insertion
@dataclass(frozen=True, slots=True)
class RouteSlack:
    """Break-free bounds of one route: where a job could go at all.

    ``locs`` are the route's locations with the start first and the end last
    (``len(route) + 2``); ``end_min[k]`` the earliest end of the visit before
    gap ``k`` (the departure for gap 0); ``latest_min[k]`` the latest arrival
    after gap ``k`` that keeps the rest feasible (the return limit for the
    last gap); ``parts``, ``load`` what the route already takes from the van.
    """

    locs: np.ndarray
    end_min: np.ndarray
    latest_min: np.ndarray
    parts: np.ndarray
    load: float


def _return_limit(p: DispatchProblem, t: int) -> float:
    brk = max(0.0, float(p.break_min[t]))
    return min(
        float(p.shift_end_min[t]) + float(p.max_overtime_min[t]),
        float(p.shift_start_min[t]) + float(p.max_work_min[t]) + brk,
    )


def _latest_in(bound: float, early: Sequence[float], late: Sequence[float]) -> float:
    """Latest start <= ``bound`` in one of the windows (-inf if none)."""
    best = -math.inf
    for e, lt in zip(early, late, strict=True):
        if e <= bound + TOL:
            best = max(best, min(lt, bound))
    return best


def route_slack(p: DispatchProblem, t: int, route: Sequence[int]) -> RouteSlack:
    """Earliest ends and latest arrivals of ``route`` for ``t``, the break left out."""
    d = p.duration_min
    ptr, twe, twl, svc = p.tw_ptr, p.tw_early_min, p.tw_late_min, p.service_min
    locs = np.array(
        [
            int(p.tech_start_loc[t]),
            *[int(p.job_loc[j]) for j in route],
            int(p.tech_end_loc[t]),
        ],
        np.int64,
    )
    n = len(route)
    end = np.empty(n + 1)
    cur = float(p.shift_start_min[t])
    end[0] = cur
    sp = p.speed_factors
    for k, j in enumerate(route):
        a, b = int(ptr[j]), int(ptr[j + 1])
        tau = float(d[locs[k], locs[k + 1]])
        s = _earliest_in(
            cur + tau if sp is None else sp.arrive(tau, cur),
            twe[a:b].tolist(),
            twl[a:b].tolist(),
        )
        cur = (math.inf if math.isnan(s) else s) + float(svc[j])
        end[k + 1] = cur
    latest = np.empty(n + 1)
    bound = _return_limit(p, t)
    latest[n] = bound
    for k in range(n - 1, -1, -1):
        j = route[k]
        a, b = int(ptr[j]), int(ptr[j + 1])
        # the latest start at visit k from which the next arrival is in time
        tau = float(d[locs[k + 1], locs[k + 2]])
        leave = bound - tau if sp is None else sp.depart_by(tau, bound)
        s = _latest_in(leave - float(svc[j]), twe[a:b].tolist(), twl[a:b].tolist())
        latest[k] = s
        bound = s
    r = list(route)
    parts = p.job_parts[r].sum(axis=0) if r else np.zeros(p.job_parts.shape[1])
    load = float(p.job_load[r].sum()) if r else 0.0
    return RouteSlack(locs, end, latest, parts, load)


def candidate_places(
    p: DispatchProblem,
    t: int,
    route: Sequence[int],
    j: int,
    *,
    n_fixed: int = 0,
    slack: RouteSlack | None = None,
) -> list[tuple[float, int]]:
    """Places of job ``j`` in ``t``'s route that pass the break-free bounds.

    ``(added travel min, position)`` sorted by added travel. A place that is
    not listed cannot hold the job (the van, a window or the return limit
    fails even without the break); a listed one still needs
    :func:`best_schedule` to confirm it.
    """
    s = slack if slack is not None else route_slack(p, t, route)
    if (s.parts + p.job_parts[j] > p.tech_stock[t]).any():
        return []
    if s.load + float(p.job_load[j]) > float(p.tech_capacity[t]) + TOL:
        return []
    d = p.duration_min
    lj = int(p.job_loc[j])
    a, b = int(p.tw_ptr[j]), int(p.tw_ptr[j + 1])
    twe, twl = p.tw_early_min[a:b].tolist(), p.tw_late_min[a:b].tolist()
    sv = float(p.service_min[j])
    locs = s.locs
    prev, nxt = locs[:-1], locs[1:]
    sp = p.speed_factors
    if sp is None:
        arrive = (s.end_min + d[prev, lj]).tolist()
    else:
        arrive = sp.arrival_min(d[prev, lj], s.end_min).tolist()
    back = d[lj, nxt].tolist()
    latest = s.latest_min.tolist()
    delta = (d[prev, lj] + d[lj, nxt] - d[prev, nxt]).tolist()
    out: list[tuple[float, int]] = []
    for k in range(n_fixed, len(route) + 1):
        st = _earliest_in(arrive[k], twe, twl)
        if math.isnan(st):
            continue
        home = st + sv + back[k] if sp is None else sp.arrive(back[k], st + sv)
        if home > latest[k] + TOL:
            continue
        out.append((delta[k], k))
    out.sort()
    return out


def insertion_places(
    p: DispatchProblem,
    t: int,
    route: Sequence[int],
    j: int,
    *,
    n_fixed: int = 0,
    slack: RouteSlack | None = None,
    first_only: bool = False,
) -> list[tuple[float, int]]:
    """Every feasible place of job ``j`` in ``t``'s route: ``(added travel min, position)``.

    Exhaustive: every gap from ``n_fixed`` to the end is screened by
    :func:`candidate_places` and each survivor is confirmed with
    :func:`best_schedule`. Sorted by added travel time; with ``first_only``
    the cheapest feasible place only (fewer schedules computed).

    >>> import numpy as np
    >>> d = np.array([[0.0, 10.0, 10.0], [10.0, 0.0, 5.0], [10.0, 5.0, 0.0]])
    >>> p = DispatchProblem(d, d * 500, [1, 2], [60, 60], [0, 1, 2], [480, 480],
    ...     [900, 900], [0], [0], [480], [640])
    >>> insertion_places(p, 0, [0], 1)
    [(5.0, 0), (5.0, 1)]
    """
    r = list(route)
    out = []
    for dl, k in candidate_places(p, t, r, j, n_fixed=n_fixed, slack=slack):
        if best_schedule(p, t, [*r[:k], j, *r[k:]]).ok:
            out.append((dl, k))
            if first_only:
                break
    return out


def static_problem(p: DispatchProblem) -> DispatchProblem:
    """``p`` with static travel at the day's mean speed (``p`` itself if static).

    Searches that take one matrix (PyVRP, OR-Tools) plan on it: free-flow
    minutes times the mean of ``1 / factor`` over the working hours (first
    shift start to last shift end). Their routes are then scheduled, repaired
    and completed exactly with the time-dependent travel of ``p``.
    """
    sp = p.speed_factors
    if sp is None:
        return p
    lo = float(np.min(p.shift_start_min))
    hi = float(np.max(p.shift_end_min + p.max_overtime_min))
    k = sp.mean_multiplier(lo, hi)
    return p.replace(duration_min=np.asarray(p.duration_min) * k, speed_factors=None)


#: The helpers other passes reuse (slots' re-sequencing search).
earliest_in = _earliest_in
return_limit = _return_limit
