"""Passes on routes after (or instead of) the search: insertion, exchange, travel swaps.

All of them change ``routes`` (one job list per technician) in place, keep
every route feasible (checked with :func:`~planner.routing.schedule.best_schedule`)
and return the jobs still unrouted:

* :func:`greedy_insert` puts each job at its cheapest feasible place over all
  technicians (exhaustive: every place that passes the break-free bounds is
  a candidate, the cheapest confirmed one wins);
* :func:`exchange` swaps one routed job for two unrouted ones on its route;
* :func:`travel_swaps` swaps a routed job for an unrouted one of at least its
  value that is cheaper to reach;
* :func:`prove_capacity` is the last word on a job left out: it inserts the
  job if any place on any route holds it, and otherwise says why not.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence

import numpy as np

from planner.routing.problem import DispatchProblem
from planner.routing.schedule import (
    TOL,
    RouteSlack,
    best_schedule,
    candidate_places,
    route_cost,
    route_slack,
    schedule_route,
)

__all__ = [
    "SlackCache",
    "cheapest_insertion",
    "exchange",
    "greedy_insert",
    "prove_capacity",
    "travel_swaps",
]


class SlackCache:
    """Every route's break-free bounds (:func:`route_slack`), as one flat table of gaps.

    Finds the places of a job on all routes at once (numpy over every gap of
    every route): the same test as
    :func:`~planner.routing.schedule.candidate_places` route by route. A
    route's bounds are recomputed only after the route changed (``routes``
    is compared with what was indexed on every query).
    """

    def __init__(
        self,
        p: DispatchProblem,
        routes: list[list[int]],
        n_fixed: Sequence[int] | None = None,
    ) -> None:
        self.p = p
        self.routes = routes
        self.n_fixed = list(n_fixed) if n_fixed is not None else [0] * p.n_techs
        self._key: list[tuple[int, ...] | None] = [None] * p.n_techs
        self._slack: list[RouteSlack | None] = [None] * p.n_techs
        self._flat: tuple[np.ndarray, ...] | None = None
        self._seg: list[tuple[np.ndarray, ...]] = [()] * p.n_techs
        q = p.job_parts.shape[1]
        self._parts = np.zeros((p.n_techs, q))
        self._load = np.zeros(p.n_techs)

    def __getitem__(self, t: int) -> RouteSlack:
        self._refresh()
        s = self._slack[t]
        assert s is not None
        return s

    def _refresh(self) -> None:
        for t in range(self.p.n_techs):
            key = tuple(self.routes[t])
            if key != self._key[t]:
                s = route_slack(self.p, t, key)
                self._key[t], self._slack[t] = key, s
                self._parts[t], self._load[t] = s.parts, s.load
                k0 = self.n_fixed[t]
                n = len(s.end_min)
                self._seg[t] = (
                    np.full(n - k0, t, np.int64),
                    np.arange(k0, n, dtype=np.int64),
                    s.locs[k0:-1],
                    s.locs[k0 + 1 :],
                    s.end_min[k0:],
                    s.latest_min[k0:],
                )
                self._flat = None
        if self._flat is None:
            self._flat = tuple(
                np.concatenate([seg[i] for seg in self._seg]) for i in range(6)
            )

    def places(self, j: int, techs: np.ndarray) -> list[tuple[float, int, int]]:
        """``(added travel, tech, position)`` of every gap that passes the bounds.

        ``techs`` is a boolean mask of the technicians to consider. Sorted by
        added travel; each still needs :func:`best_schedule` to confirm it.
        """
        self._refresh()
        assert self._flat is not None
        p = self.p
        tech, pos, prev, nxt, end, late = self._flat
        ok_t = techs & (p.job_load[j] + self._load <= p.tech_capacity + TOL)
        if p.job_parts.shape[1]:
            ok_t &= (self._parts + p.job_parts[j] <= p.tech_stock).all(axis=1)
        sel = ok_t[tech]
        if not sel.any():
            return []
        tech, pos, prev, nxt, end, late = (
            x[sel] for x in (tech, pos, prev, nxt, end, late)
        )
        d = p.duration_min
        lj = int(p.job_loc[j])
        sp = p.speed_factors
        arrive = end + d[prev, lj] if sp is None else sp.arrival_min(d[prev, lj], end)
        st = np.full(len(arrive), np.inf)
        for w in range(int(p.tw_ptr[j]), int(p.tw_ptr[j + 1])):
            e, lt = float(p.tw_early_min[w]), float(p.tw_late_min[w])
            st = np.minimum(
                st, np.where(arrive <= lt + TOL, np.maximum(arrive, e), np.inf)
            )
        back = d[lj, nxt]
        if sp is None:
            good = st + float(p.service_min[j]) + back <= late + TOL
        else:
            fin = np.isfinite(st)
            home = sp.arrival_min(
                back, np.where(fin, st, 0.0) + float(p.service_min[j])
            )
            good = fin & (home <= late + TOL)
        if not good.any():
            return []
        delta = (d[prev, lj] + back - d[prev, nxt])[good]
        tg, kg = tech[good], pos[good]
        order = np.lexsort((kg, tg, delta))
        return list(
            zip(
                delta[order].tolist(),
                tg[order].tolist(),
                kg[order].tolist(),
                strict=True,
            )
        )


def cheapest_insertion(
    p: DispatchProblem,
    routes: list[list[int]],
    j: int,
    techs: Sequence[int],
    n_fixed: Sequence[int],
    slacks: SlackCache | None = None,
) -> tuple[int, int] | None:
    """``(tech, position)`` of job ``j``'s cheapest feasible place among ``techs``, or None.

    Exhaustive over every technician and gap: places are screened by the
    break-free bounds and confirmed in order of added travel.
    """
    sl = slacks if slacks is not None else SlackCache(p, routes, n_fixed)
    mask = np.zeros(p.n_techs, bool)
    mask[list(techs)] = True
    for _, t, k in sl.places(j, mask):
        r = routes[t]
        if best_schedule(p, t, [*r[:k], j, *r[k:]]).ok:
            return t, k
    return None


def greedy_insert(
    p: DispatchProblem,
    routes: list[list[int]],
    todo: Sequence[int],
    cand: np.ndarray,
    n_fixed: Sequence[int],
    *,
    deadline: float,
    slacks: SlackCache | None = None,
) -> list[int]:
    """Insert the jobs of ``todo`` (in order) at their cheapest feasible place.

    Jobs left when ``deadline`` (a ``perf_counter`` value) passes are not
    tried; returns the jobs not inserted.
    """
    sl = slacks if slacks is not None else SlackCache(p, routes, n_fixed)
    left: list[int] = []
    for i, j in enumerate(todo):
        if time.perf_counter() > deadline:
            left.extend(todo[i:])
            break
        place = cheapest_insertion(
            p, routes, j, np.flatnonzero(cand[j]).tolist(), n_fixed, sl
        )
        if place is None:
            left.append(j)
        else:
            routes[place[0]].insert(place[1], j)
    return left


def _insert_best(
    p: DispatchProblem, t: int, route: list[int], j: int, n_fixed: int, max_checks: int
) -> list[int] | None:
    """``route`` with job ``j`` at its cheapest feasible place, or None.

    At most ``max_checks`` places that pass the break-free bounds are confirmed.
    """
    for _, k in candidate_places(p, t, route, j, n_fixed=n_fixed)[:max_checks]:
        new = [*route[:k], j, *route[k:]]
        if best_schedule(p, t, new).ok:
            return new
    return None


def exchange(
    p: DispatchProblem,
    routes: list[list[int]],
    left: list[int],
    cand: np.ndarray,
    n_fixed: Sequence[int],
    value: np.ndarray,
    *,
    deadline: float,
    near: int = 8,
    max_checks: int = 12,
) -> list[int]:
    """Swap one routed job for two unrouted ones on its route: one more job served.

    For each route and each job ``v`` on it (after the fixed prefix), the
    ``near`` unrouted jobs closest to the route that its technician could
    serve are tried: those that fit the route without ``v`` (at their cheapest
    place), then pairs of them, the second inserted into the route with the
    first. A swap is kept when both fit and together are worth more than
    ``v``, which goes back to the unrouted list (for the greedy pass to place
    elsewhere). Repeats until no swap is found or ``deadline`` passes; returns
    the unrouted jobs.
    """
    left = list(left)
    d = p.duration_min
    changed = True
    while changed and len(left) >= 2:
        changed = False
        for t in range(p.n_techs):
            if time.perf_counter() > deadline:
                return left
            r = routes[t]
            pool = [u for u in left if cand[u, t]]
            if len(pool) < 2 or len(r) <= n_fixed[t]:
                continue
            locs = [int(p.tech_start_loc[t]), *[int(p.job_loc[x]) for x in r]]
            gap = d[np.ix_(p.job_loc[pool], np.asarray(locs))].min(axis=1)
            pool = [pool[i] for i in np.argsort(gap, kind="stable")[:near].tolist()]
            found = False
            for k in range(n_fixed[t], len(r)):
                v = r[k]
                base = r[:k] + r[k + 1 :]
                ones = [
                    (u, r1)
                    for u in pool
                    if (r1 := _insert_best(p, t, base, u, n_fixed[t], max_checks))
                    is not None
                ]
                for a, (u1, r1) in enumerate(ones):
                    for u2, _ in ones[a + 1 :]:
                        if value[u1] + value[u2] <= value[v]:
                            continue
                        r2 = _insert_best(p, t, r1, u2, n_fixed[t], max_checks)
                        if r2 is not None:
                            routes[t] = r2
                            left.remove(u1)
                            left.remove(u2)
                            left.append(v)
                            found = changed = True
                            break
                    if found:
                        break
                if found:
                    break
    return left


def travel_swaps(
    p: DispatchProblem,
    routes: list[list[int]],
    left: list[int],
    cand: np.ndarray,
    n_fixed: Sequence[int],
    value: np.ndarray,
    *,
    deadline: float,
    near: int = 6,
    max_checks: int = 3,
) -> list[int]:
    """Swap a routed job for an unrouted one of at least its value where that costs less.

    The served count stays (the short-job bonus of the search chose which
    jobs to keep for room; once the routes are final, a job that is cheaper
    to reach is better). For each unrouted job, the ``near`` routes with a
    stop closest to it are tried: each job ``v`` on them, ranked by the
    travel saved by removing ``v`` minus the cheapest added travel of the
    new job, checked with the full schedule; the best swap that lowers the
    route's travel and overtime cost is kept and ``v`` goes back to the
    unrouted list. Stops when ``deadline`` passes; returns the unrouted jobs.
    """
    left = list(left)
    d = p.duration_min
    for u in list(left):
        if time.perf_counter() > deadline:
            break
        lu = int(p.job_loc[u])
        techs = [
            t for t in np.flatnonzero(cand[u]).tolist() if len(routes[t]) > n_fixed[t]
        ]
        if not techs:
            continue
        gap = [
            float(d[lu, [int(p.job_loc[x]) for x in routes[t]]].min()) for t in techs
        ]
        best: tuple[float, int, list[int], int] | None = None
        for i in np.argsort(gap, kind="stable")[:near].tolist():
            t = techs[i]
            r = routes[t]
            old_cost = route_cost(p, t, best_schedule(p, t, r))
            locs = np.array(
                [
                    int(p.tech_start_loc[t]),
                    *[int(p.job_loc[x]) for x in r],
                    int(p.tech_end_loc[t]),
                ]
            )
            opts: list[tuple[float, int, int]] = []
            for k in range(n_fixed[t], len(r)):
                v = r[k]
                if value[v] > value[u] + 1e-12:
                    continue
                a, lv, b = locs[k], locs[k + 1], locs[k + 2]
                saved = d[a, lv] + d[lv, b] - d[a, b]
                bl = np.concatenate([locs[: k + 1], locs[k + 2 :]])
                delta = d[bl[:-1], lu] + d[lu, bl[1:]] - d[bl[:-1], bl[1:]]
                for q in np.argsort(delta[n_fixed[t] :], kind="stable")[:max_checks]:
                    pos = int(q) + n_fixed[t]
                    if float(delta[pos]) < float(saved) - TOL:
                        opts.append((float(delta[pos] - saved), k, pos))
            opts.sort()
            for _, k, pos in opts[:max_checks]:
                base = r[:k] + r[k + 1 :]
                new = [*base[:pos], u, *base[pos:]]
                s = best_schedule(p, t, new)
                if not s.ok:
                    continue
                gain = old_cost - route_cost(p, t, s)
                if gain > 1e-9 * max(1.0, old_cost) and (
                    best is None or gain > best[0]
                ):
                    best = (gain, t, new, r[k])
                break
        if best is not None:
            _, t, new, v = best
            routes[t] = new
            left.remove(u)
            left.append(v)
    return left


def _least_extension(
    p: DispatchProblem,
    routes: list[list[int]],
    j: int,
    techs: Sequence[int],
    n_fixed: Sequence[int],
    max_checks: int = 12,
) -> tuple[float, int] | None:
    """The least shift extension (min) that would fit ``j``, with its technician.

    An explanation, not a proof: only the ``max_checks`` places with the
    least added travel are timed.
    """
    d = p.duration_min
    lj = int(p.job_loc[j])
    opts: list[tuple[float, int, int]] = []
    for t in techs:
        r = routes[t]
        locs = np.array(
            [
                int(p.tech_start_loc[t]),
                *[int(p.job_loc[x]) for x in r],
                int(p.tech_end_loc[t]),
            ]
        )
        delta = d[locs[:-1], lj] + d[lj, locs[1:]] - d[locs[:-1], locs[1:]]
        opts += [(float(delta[k]), t, k) for k in range(n_fixed[t], len(r) + 1)]
    opts.sort()
    best: tuple[float, int] | None = None
    for _, t, k in opts[:max_checks]:
        route = [*routes[t][:k], j, *routes[t][k:]]
        if float(p.break_min[t]) > 0:
            short = min(
                schedule_route(p, t, route, b).short_min for b in range(len(route) + 1)
            )
        else:
            short = schedule_route(p, t, route, -1).short_min
        if TOL < short < math.inf and (best is None or short < best[0]):
            best = (short, t)
    return best


def prove_capacity(
    p: DispatchProblem,
    routes: list[list[int]],
    j: int,
    cand: np.ndarray,
    n_fixed: Sequence[int],
    *,
    slacks: SlackCache | None = None,
    explain: bool = True,
) -> tuple[str, tuple[int, int] | None]:
    """Whether job ``j`` (which fits some technician alone) fits any route as it stands.

    Exhaustive over every technician who could serve it alone and every
    place on their routes. Returns ``("", (tech, position))`` when a place
    holds it (the caller inserts it there), else the detail for the
    ``capacity`` reason: who could serve it alone and, with ``explain``, the
    least shift extension that would fit it on one route.
    """
    techs = np.flatnonzero(cand[j]).tolist()
    place = cheapest_insertion(p, routes, j, techs, n_fixed, slacks)
    if place is not None:
        return "", place
    names = [p.tech_ids[t] for t in techs[:3]]
    text = f"fits alone on {', '.join(names)}{' ...' if len(techs) > 3 else ''}"
    if explain:
        ext = _least_extension(p, routes, j, techs, n_fixed)
        if ext is not None:
            text += (
                f"; {p.tech_ids[ext[1]]} could take it with "
                f"{max(1, math.ceil(ext[0] - TOL))} min more shift"
            )
    return text, None
