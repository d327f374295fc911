"""Dispatch solvers behind one interface: :func:`solve_dispatch`.

Engine (chosen by measurement): PyVRP's iterated local search by default;
OR-Tools routing (``engine="ortools"``, :mod:`planner.routing.ortools_engine`)
for exact break intervals on small days. Earlier measurements
(``shared/MEASURED.md``, one core, 60 s, 2,000 jobs x 200 technicians):
OR-Tools no solution (803 jobs with insertion first solutions), VROOM 1,438
(113 s wall), PyVRP 1,498; Solomon at 10 s: PyVRP 0.25 % above best-known,
OR-Tools 2.4 % (none for R101, RC101).

Measured with this module (2 cores shared with four other jobs, load ~5, so
the search got well under one core; times are wall seconds)::

    benchmarks/bench_routing_solomon.py --time-limit 10       (56 instances, 25 vehicles)
        mean gap 0.59 % to best-known (full precision), max 4.84 % (RC103),
        56/56 plans accepted by the validator with every customer served
        (after the changes of 4., 5. and 7. below, 8.4 s per instance, less
        load: mean gap 0.28 %, max 3.30 %, 56/56 valid with all served)
    benchmarks/bench_routing_field_day.py --time-limit 60 --engines pyvrp,ortools,vroom
        (jobs served, travel h, h per job, wall s)
        fd_n500_m50_s1     pyvrp 355-361 (64.5-72.8 h, 0.18-0.20), ortools 334 (82.4 h,
                           0.247), VROOM 360-361 (74.9 h, 0.207)
        fd_n2000_m200_s1   pyvrp 1,499 (228.6 h, 0.152, 54 s, max RSS 2.4 GB),
                           VROOM 1,438 (208.3 h, 0.145, 136 s wall)
    (the 2,000-job day served 1,466 with PyVRP's default neighbourhood of 50;
    see the neighbourhood width below)
    now, with the short-job bonus (4. below) and travel swaps (7.), nearly a
    full core, seeds 0/1/2:
        fd_n2000_m200_s1   pyvrp 1,540/1,543/1,539 (0.136/0.130/0.137 h per
                           job, 58 s, 2.6 GB), VROOM 1,438 (0.144, 76 s)
        fd_n500_m50_s1     pyvrp 372 (0.187), VROOM 362 (0.191)

How the dispatch model maps onto PyVRP
--------------------------------------
1. *Screening* (numpy, per job and technician): skills, the job alone within
   the shift (travel from the start, a window, service, the break before or
   after, return, overtime and working-time limits), the job's parts against the
   van. A job no technician can serve alone is unassigned with its reason
   (``skill``, ``pinned``, ``window``, ``parts``) and not given to the search.
2. Each (job, window) is a PyVRP client; several windows of one job form a
   mutually exclusive optional client group. Each technician is a vehicle
   type (start/end depot, shift as time window with fixed departure at shift
   start, nominal duration, overtime with its cost, van stock and load as
   capacity dimensions, so parts are exact).
3. Skills and pins: one routing profile per distinct set of allowed jobs
   (technicians with equal skill sets share a profile; a technician with
   pinned jobs gets its own). Arcs into a job a profile may not serve cost
   more than any prize, so the search never keeps them (and step 5 would
   remove them anyway).
4. Prizes are lexicographic: every job is worth more than the whole travel and
   overtime it can cause, scaled by its unserved penalty relative to the
   smallest one (urgent > important > general by the cost model), so the
   number (weighted by urgency) of jobs served is maximised first, then cost.
   On an over-booked day, which jobs to leave out matters more than travel:
   each prize also carries a bonus of ``SERVICE_BONUS`` x the cost of one
   minute of travel for each minute of service the job takes less than the
   longest one, so among plans serving as many jobs the search prefers the
   one with less busy time (room for one more job). The bonus only changes
   which jobs are chosen when some must be left out (when all are served it
   is the same constant for every plan). Measured on the 2,000-job field day
   at 60 s, seeds 0/1/2 (2 cores shared with other jobs, 36-51 CPU s each):
   bonus 0: 1,506/1,517/1,505 served, 0.138/0.121/0.144 travel h per job;
   0.1: 1,522 (seed 0, 0.139); 0.25: 1,542/1,540/1,534, 0.139/0.134/0.144;
   0.5: 1,538/1,543/1,539, 0.141/0.150/0.145; 1.0: 1,539 (seed 0, 0.147).
   500 jobs, seed 0: 368 (0.188 h/job) with bonus 0, 369 (0.193) with 0.25.
5. Breaks: PyVRP has no breaks. The nominal shift given to PyVRP is shortened
   by the break (pessimistic when the break could be taken while waiting),
   and after solving the break is placed in one gap of each route (before
   the first visit, between two, or before the return) where its window
   allows; if it fits nowhere, the least valuable visit is dropped until it
   does. In a gap, the break starts as early as its window allows after the
   previous service: before driving or on the way (the arrival is delayed by
   it) or at the next stop while waiting for its window (the arrival is not),
   so the next service is ready at ``max(end + travel, break start) + break``.
   A plain float schedule is then recomputed and each route is checked again.
6. A greedy pass inserts left-over jobs where they still fit, then a
   1-out-2-in exchange (:func:`_exchange`) swaps a routed job for two
   unrouted ones on the same route while time remains.
7. Travel swaps (:func:`_travel_swaps`, ``SWAP_SHARE`` of the limit kept for
   them): a routed job is swapped for an unrouted one of at least its value
   that is cheaper to reach, undoing the short-job bonus's choices where
   they only cost travel now that the routes are final. 2,000 jobs at 60 s,
   bonus 0.25, seeds 0/1/2 (a full core): 248/210/160 travel minutes saved
   in 1-2 s; 1,545/1,537/1,543 served at 0.128/0.136/0.131 h/job (without
   them, seeds 0/1 on a full core: 1,532/1,532 at 0.146/0.145).

Where the time goes (2,000 x 200, 60 s, load ~2: ``stats.extra``): screening
0.1 s, building the PyVRP model 3.8 s (20 profiles, 2.4 GB), PyVRP's first
exhaustive local search about 8 s, then about 0.15 s per iterated-local-search
iteration with the wide neighbourhood (184 iterations), post-processing 1.5 s.
The search stops at a clock deadline (:class:`_Deadline`): PyVRP's
``MaxRuntime`` starts counting only after the first local search, and the old
code subtracted an estimate of that search as well, so 14 to 19 s of the 60 s
were left unused (46 s wall, 35 CPU s). Building the model and the first
local search cannot be interrupted: before building, the model is skipped
(the greedy pass plans the day) when its profiles at a pessimistic
``_BUILD_S_PER_CELL`` and a minimal first search would not fit in the time
left (2,000 jobs at 5 s: 17.3 s wall before, 4.7 s after, 953 jobs served by
the greedy pass); after building, the first search's width is capped using
the speed the build actually had (so it shrinks under load).

Neighbourhoods: with skills the first search uses PyVRP's own neighbourhood,
widened to ``2 * SKILL_NEIGHBOURS / g**2`` clients (at most ``MAX_NEIGHBOURS``,
and within half the budget), since most of the jobs served come from that
first exhaustive search; the iterated local search after it uses the
``ILS_NEIGHBOURS`` nearest clients that share a technician
(:func:`_compatible_neighbours`), about ten times the iterations. Measured
side by side (60 s, same load): 2,000 jobs, seeds 0/1/2: 1,503/1,501/1,502
-> 1,519/1,499/1,511 served, 221/214/227 -> 200/209/208 travel h (so +8 jobs
and -7 % travel on average, not on every seed); 500 jobs 355 -> 363. Alone
on a core (bench, seed 0): 369 and 1,517 (200.2 h, 0.132 h/job).

Tried and not kept (measured on the field days, same conditions side by side):

* ejection chains of depth one after the greedy pass (swap a served job out
  for an unserved one, re-insert the swapped one anywhere): 0 more jobs on
  either day; PyVRP's local search already leaves no such move.
* a neighbourhood of only the clients that share a technician
  (``COMPATIBLE_NEIGHBOURS``, :func:`_compatible_neighbours`): ten times the
  iterations but fewer jobs at 2,000 (1,460-1,481 for widths 60-200 against
  1,500 with the default wide neighbourhood at equal CPU); even on 500 (352-359
  against 355). Kept opt-in, tested.
* ``PRIZE_SCALE`` 0.1 and PyVRP's ``exhaustive_on_best`` off: within noise on
  the 500-job day (357, 359 against 355).
* the 1-out-2-in exchange (:func:`_exchange`) with 5 % of the limit kept for
  it (``EXCHANGE_SHARE`` 0.05), bonus 0.25, 2,000 jobs, seed 0: 0 swaps found,
  1,542 served as without it. It stays on in the time left after the greedy
  pass (it matters on tiny days, where PyVRP's shortened shift misses a
  break taken while waiting).

Times go to PyVRP in integer ticks of 1/1000 minute, with travel and service
rounded up and window ends rounded down, so a route feasible for PyVRP is
feasible in exact minutes.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from planner.core.checks import check_positive_number, check_seed
from planner.core.cost import CostBreakdown
from planner.core.errors import InfeasibleError, InputError
from planner.core.result import SolverStats, SolveStatus
from planner.routing.plan import DispatchPlan
from planner.routing.problem import DispatchProblem

__all__ = ["screen_jobs", "solve_dispatch"]

logger = logging.getLogger(__name__)
logger.addHandler(logging.NullHandler())

TICKS_PER_MIN = 1000
COST_SCALE = 10_000  # internal cost units per currency unit
_TOL = 1e-6
PRIZE_SCALE = 1.0  # prize of a job in units of the largest cost it can cause
# bonus in a job's prize for each minute of service it does *not* take (in
# units of the cost of one minute of travel): among plans serving as many
# jobs, the search then prefers the one with the least busy time
SERVICE_BONUS = 0.25
NUM_NEIGHBOURS = 50  # PyVRP's default granular neighbourhood, without skills
SKILL_NEIGHBOURS = 200  # with skills: 2 x this / g^2 (g: share of jobs a tech may do)
MAX_NEIGHBOURS = 700
# s of PyVRP's first local search per client and neighbour (bounds its width
# to half the budget; 3e-5 was measured at 2,000 x 400 under heavy load)
_LS_S_PER_PAIR = 2e-5
# s to build one routing profile's matrices per cell (PyVRP copies them);
# 3.8 s for 20 profiles of 2,200^2 alone, up to 3x that under load
_BUILD_S_PER_CELL = 1e-7
_INF_TICKS = np.iinfo(np.int64).max // 4
EXHAUSTIVE_ON_BEST = True
COMPATIBLE_NEIGHBOURS = False  # neighbourhood among clients sharing a technician
COMPAT_NEIGHBOURS = 60  # its width
ILS_NEIGHBOURS = (
    60  # if > 0: compatible neighbours of this width after the first search
)
RESERVE_S = 1.0  # time kept after the search for repair, insertion, reasons
EXCHANGE_SHARE = 0.0  # share of the time limit kept for the 1-out-2-in exchange pass
TRAVEL_SWAPS = True  # swap routed jobs for cheaper-to-reach unrouted ones at the end
SWAP_SHARE = 0.05  # share of the time limit kept for them
RESERVE_S_PER_JOB = 1e-3  # post-search took 1.5 s at 2,000 jobs (1,990 clients)  # PyVRP's full local search on each new best


class _Deadline:
    """PyVRP stopping criterion: stop once ``time.perf_counter()`` passes ``deadline``."""

    def __init__(self, deadline: float) -> None:
        self.deadline = deadline

    def __call__(self, best_cost: float) -> bool:
        return time.perf_counter() >= self.deadline


# ----------------------------------------------------------------- screening
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
            ready = dep + d[s0, lj]
            if pos == 0:
                cb = np.maximum(dep, be)
                good &= ~has_b | (cb <= bl + _TOL)
                ready = np.where(has_b, np.maximum(ready, cb) + brk, ready)
            stt = _earliest_start(ready, e, lt)
            good &= ~np.isnan(stt)
            cur = np.nan_to_num(stt) + float(p.service_min[j])
            ret = cur + d[lj, en]
            if pos == 1:
                cb = np.maximum(cur, be)
                good &= ~has_b | (cb <= bl + _TOL)
                ret = np.where(has_b, np.maximum(ret, cb) + brk, ret)
            good &= (ret <= limit + _TOL) & (
                ret - dep - np.where(has_b, brk, 0.0) <= maxw + _TOL
            )
            ok |= good
        time_ok[j] = ok
    return Screen(np.asarray(skill_ok), time_ok, np.asarray(parts_ok), pin_ok, cap_ok)


def _reason(screen: Screen, j: int, pinned: int) -> tuple[str, str]:
    """Why job ``j`` fits no technician alone: the first of skill, pinned, load, parts, window."""
    sk = screen.skill_ok[j]
    if not sk.any():
        return "skill", ""
    if pinned >= 0:
        return "pinned", ""
    fits = sk & screen.load_ok[j]
    if not fits.any():
        return "load", ""
    if not (fits & screen.parts_ok[j]).any():
        return "parts", ""
    if not (fits & screen.time_ok[j]).any():
        return "window", ""
    return "parts", ""


# ------------------------------------------------------------------ schedule
@dataclass(slots=True)
class _Sched:
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
    short_min: float = math.inf  # shift extension that would make it feasible


def _schedule(p: DispatchProblem, t: int, route: list[int], brk_after: int) -> _Sched:
    """Forward schedule of ``route`` for technician ``t`` with the break after ``brk_after`` visits."""
    d, dist = np.asarray(p.duration_min), np.asarray(p.distance_m)
    dep = float(p.shift_start_min[t])
    cur, loc = dep, int(p.tech_start_loc[t])
    brk = float(p.break_min[t])
    ok = True
    bs = math.nan
    arr, sts, ens = [], [], []
    trav = dd = svc = 0.0

    def leg(cur: float, tau: float, with_break: bool) -> tuple[float, float]:
        """Arrival at the next stop and when it is ready (after the break, if taken here)."""
        nonlocal bs, ok
        if not with_break:
            return cur + tau, cur + tau
        # the break starts as early as its window allows after the previous
        # service: before or on the way (arrival delayed by it) or at the
        # next stop while waiting (arrival not delayed)
        bs = max(cur, float(p.break_early_min[t]))
        ok &= bs <= float(p.break_late_min[t]) + _TOL
        arrive = cur + tau + brk if bs < cur + tau else cur + tau
        return arrive, max(arrive, bs + brk)

    for k, j in enumerate(route):
        lj = int(p.job_loc[j])
        a, ready = leg(cur, float(d[loc, lj]), brk > 0 and brk_after == k)
        trav += float(d[loc, lj])
        dd += float(dist[loc, lj])
        w0, w1 = int(p.tw_ptr[j]), int(p.tw_ptr[j + 1])
        s = None
        for e, lt in zip(
            np.asarray(p.tw_early_min)[w0:w1].tolist(),
            np.asarray(p.tw_late_min)[w0:w1].tolist(),
            strict=True,
        ):
            if ready <= lt + _TOL:
                c = max(ready, e)
                s = c if s is None else min(s, c)
        if s is None:
            ok = False
            s = ready
        arr.append(a)
        sts.append(s)
        ens.append(s + float(p.service_min[j]))
        svc += float(p.service_min[j])
        cur, loc = ens[-1], lj
    en = int(p.tech_end_loc[t])
    _, ret = leg(cur, float(d[loc, en]), brk > 0 and brk_after == len(route))
    trav += float(d[loc, en])
    dd += float(dist[loc, en])
    b_used = brk if brk > 0 else 0.0
    short = max(
        0.0,
        ret - float(p.shift_end_min[t]) - float(p.max_overtime_min[t]),
        ret - dep - b_used - float(p.max_work_min[t]),
    )
    ok_but_end = ok
    ok &= short <= _TOL
    if route:
        ok &= bool(
            (
                np.asarray(p.job_parts)[route].sum(axis=0)
                <= np.asarray(p.tech_stock)[t]
            ).all()
        )
        ok &= (
            float(np.asarray(p.job_load)[route].sum())
            <= float(p.tech_capacity[t]) + _TOL
        )
    return _Sched(
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


def _best_schedule(p: DispatchProblem, t: int, route: list[int]) -> _Sched:
    """The feasible schedule with the earliest return over break positions (or an infeasible one)."""
    if not route:
        return _Sched(
            True,
            float(p.shift_start_min[t]),
            float(p.shift_start_min[t]),
            math.nan,
            -1,
            [],
            [],
            [],
            0.0,
            0.0,
            0.0,
        )
    if float(p.break_min[t]) <= 0:
        return _schedule(p, t, route, -1)
    best: _Sched | None = None
    for b in range(len(route) + 1):
        s = _schedule(p, t, route, b)
        if s.ok and (best is None or s.ret < best.ret - _TOL):
            best = s
    return best if best is not None else _schedule(p, t, route, 0)


def _repair(
    p: DispatchProblem, t: int, route: list[int], value: np.ndarray, n_fixed: int
) -> tuple[list[int], list[int]]:
    """Drop visits (least valuable first) until the route is feasible; returns (route, dropped)."""
    dropped: list[int] = []
    route = list(route)
    while route and not _best_schedule(p, t, route).ok:
        best_k, best_v = None, math.inf
        for k in range(n_fixed, len(route)):
            good = _best_schedule(p, t, route[:k] + route[k + 1 :]).ok
            # prefer a removal that makes the route feasible, then the least valuable
            key = float(value[route[k]]) + (0.0 if good else 1e18)
            if key < best_v:
                best_k, best_v = k, key
        if best_k is None:  # only fixed jobs left and still infeasible
            break
        dropped.append(route.pop(best_k))
    return route, dropped


# ------------------------------------------------------------------- PyVRP
def _ceil_ticks(x: np.ndarray | float) -> np.ndarray:
    return np.ceil(np.asarray(x, float) * TICKS_PER_MIN - 1e-6).astype(np.int64)


def _floor_ticks(x: np.ndarray | float) -> np.ndarray:
    a = np.asarray(x, float) * TICKS_PER_MIN + 1e-6
    return np.where(
        np.isfinite(a), np.floor(np.where(np.isfinite(a), a, 0)), _INF_TICKS
    ).astype(np.int64)


def _compatible_neighbours(
    dur_t: np.ndarray,
    n_dep: int,
    client_loc: np.ndarray,
    client_job: list[int],
    tw_e: np.ndarray,
    tw_l: np.ndarray,
    svc: np.ndarray,
    allowed_c: np.ndarray,
    k: int,
) -> list[list[int]]:
    """The ``k`` nearest clients of each client among those some technician may also serve.

    Proximity as PyVRP's (travel plus 0.2 x waiting plus time warp, symmetric),
    but clients no technician could visit on one route are never neighbours,
    so the neighbourhood is spent on moves that can be kept. ``allowed_c`` is
    (clients, technicians) boolean.
    """
    li = n_dep + client_loc
    d = dur_t[np.ix_(li, li)].astype(float)
    arr = tw_e[:, None] + svc[:, None] + d  # leave i as early as possible
    wait = np.maximum(0.0, tw_e[None, :] - (tw_l[:, None] + svc[:, None] + d))
    warp = np.maximum(0.0, arr - tw_l[None, :])
    prox = d + 0.2 * wait + warp
    prox = np.minimum(prox, prox.T)
    a = allowed_c.astype(np.float32)
    prox[(a @ a.T) < 0.5] = np.inf
    cj = np.asarray(client_job)
    prox[cj[:, None] == cj[None, :]] = np.inf  # itself and its other windows
    k = max(1, min(k, len(cj) - 1))
    idx = np.argpartition(prox, k - 1, axis=1)[:, :k]
    out = []
    for i in range(len(cj)):
        row = idx[i][np.isfinite(prox[i, idx[i]])]
        out.append(row[np.argsort(prox[i, row], kind="stable")].tolist())
    return out


def _pyvrp_solve(
    data: Any,
    stop: Any,
    seed: int,
    params: Any,
    neighbours: list[list[int]] | None,
    init: Any,
    ils_neighbours: list[list[int]] | None = None,
) -> Any:
    """``pyvrp.solve`` (0.14) with given neighbourhoods (client indices per client).

    ``neighbours`` (None: PyVRP's own) serve the first local search,
    ``ils_neighbours`` (None: the same) the iterated local search after it.
    """
    import pyvrp
    from pyvrp.search import LocalSearch, PerturbationManager, compute_neighbours

    act, typ = pyvrp.Activity, pyvrp.ActivityType.CLIENT

    def as_dict(rows: list[list[int]]) -> Any:
        return {act(typ, i): [act(typ, j) for j in row] for i, row in enumerate(rows)}

    nb = (
        compute_neighbours(data, params.neighbourhood)
        if neighbours is None
        else as_dict(neighbours)
    )
    rng = pyvrp.RandomNumberGenerator(seed=seed)
    ls = LocalSearch(data, rng, nb, PerturbationManager(params.perturbation))
    for op in params.operators:
        if op.supports(data):
            ls.add_operator(op(data))
    pm = pyvrp.PenaltyManager(params.penalty.midpoint_penalties(data), params.penalty)
    if init is None:
        random = pyvrp.Solution.make_random(data, rng)
        init = ls(random, pm.max_cost_evaluator(), exhaustive=True)
    if ils_neighbours is not None:
        ls.neighbours = as_dict(ils_neighbours)
    algo = pyvrp.IteratedLocalSearch(data, pm, ls, init, params.ils)
    return algo.run(stop, False, False, params.display_interval)


def _solve_pyvrp(
    p: DispatchProblem,
    cand: np.ndarray,
    weight: np.ndarray,
    *,
    search_deadline: float,
    seed: int,
    max_iterations: int | None,
    lexicographic: bool,
    permitted: np.ndarray,
    memory_budget_mb: float,
    initial_routes: list[list[int]] | None = None,
    timing: dict[str, float] | None = None,
) -> tuple[list[list[int]], int]:
    """Routes per technician (job indices, after any fixed prefix) and iterations.

    ``timing``, if given, receives the seconds spent building the model
    (``model_s``) and in PyVRP (``search_s``).
    """
    t_model = time.perf_counter()
    import pyvrp
    from pyvrp.stop import MaxIterations

    n, m = p.n_jobs, p.n_techs
    fixed = [list(r) for r in p.fixed_routes]
    in_fixed = np.zeros(n, bool)
    for r in fixed:
        in_fixed[r] = True
    jobs = [j for j in range(n) if cand[j].any() and not in_fixed[j]]
    if not jobs:
        return [[] for _ in range(m)], 0
    d = np.asarray(p.duration_min)
    dist = np.asarray(p.distance_m)
    rates = p.rates

    # effective start of each technician (after its fixed prefix, if any)
    eff_start_loc = np.asarray(p.tech_start_loc).copy()
    eff_start_min = np.asarray(p.shift_start_min, float).copy()
    for t, r in enumerate(fixed):
        if r:
            s = _schedule(p, t, r, -1)
            eff_start_loc[t] = int(p.job_loc[r[-1]])
            eff_start_min[t] = s.end[-1]

    # PyVRP locations: depots first, then one per job
    depot_locs = sorted({*eff_start_loc.tolist(), *np.asarray(p.tech_end_loc).tolist()})
    dep_index = {loc: i for i, loc in enumerate(depot_locs)}
    L = np.array(depot_locs + [int(p.job_loc[j]) for j in jobs], np.int64)
    n_dep = len(depot_locs)
    dur_t = _ceil_ticks(d[np.ix_(L, L)])
    cost_f = (
        dist[np.ix_(L, L)] / 1000.0 * rates.travel_per_km
        + d[np.ix_(L, L)] / 60.0 * rates.travel_per_hour
    ) * COST_SCALE
    cost_t = np.rint(cost_f).astype(np.int64)
    np.fill_diagonal(dur_t, 0)
    np.fill_diagonal(cost_t, 0)

    # prizes
    ot_tick = np.asarray(p.overtime_per_hour, float) / 60.0 / TICKS_PER_MIN * COST_SCALE
    big = int(
        2 * cost_t.max()
        + ot_tick.max()
        * (float(np.max(p.service_min)) + 2 * float(d.max()))
        * TICKS_PER_MIN
        + 1
    )
    svc_min = np.asarray(p.service_min, float)
    bonus = np.zeros(n)
    if lexicographic and SERVICE_BONUS > 0:
        # the cost of one minute of travel (time and typical distance)
        d_ll = d[np.ix_(L, L)]
        moving = d_ll > 0
        per_min = (
            float(np.median(cost_f[moving] / d_ll[moving])) if moving.any() else 0.0
        )
        bonus = SERVICE_BONUS * per_min * (svc_min.max() - svc_min)
        big += math.ceil(bonus.max())
    if lexicographic:
        prize = np.maximum(1, np.rint(weight * big * PRIZE_SCALE + bonus)).astype(
            np.int64
        )
    else:
        prize = np.rint(np.asarray(p.drop_penalty, float) * COST_SCALE).astype(np.int64)
    prohibit = int(prize.max() * 4 + big)

    # part / load dimensions
    jp = np.asarray(p.job_parts)
    pdims = [q for q in range(jp.shape[1]) if jp[jobs, q].any()]
    load = np.asarray(p.job_load)
    use_load = bool(np.isfinite(np.asarray(p.tech_capacity)).any() and load[jobs].any())
    load_scale = 1000
    big_cap = 1 << 40

    clients: list[Any] = []
    groups: list[Any] = []
    client_job: list[int] = []
    first_client: dict[int, int] = {}
    locations = [pyvrp.Location(float(i), 0.0) for i in range(len(L))]
    for k, j in enumerate(jobs):
        a, b = int(p.tw_ptr[j]), int(p.tw_ptr[j + 1])
        deliv = [int(jp[j, q]) for q in pdims]
        if use_load:
            deliv.append(math.ceil(load[j] * load_scale - 1e-9))
        members = []
        first_client[j] = len(clients)
        for w in range(a, b):
            members.append(len(clients))
            clients.append(
                pyvrp.Client(
                    location=n_dep + k,
                    delivery=deliv,
                    service_duration=int(_ceil_ticks(p.service_min[j])),
                    tw_early=int(_ceil_ticks(p.tw_early_min[w])),
                    # a window narrower than a tick may round to early > late
                    tw_late=max(
                        int(_floor_ticks(p.tw_late_min[w])),
                        int(_ceil_ticks(p.tw_early_min[w])),
                    ),
                    prize=int(prize[j]),
                    required=False,
                    group=len(groups) if b - a > 1 else None,
                )
            )
            client_job.append(j)
        if b - a > 1:
            groups.append(pyvrp.ClientGroup(members, required=False))
    depots = [pyvrp.Depot(location=i) for i in range(n_dep)]

    # profiles: one per distinct set of jobs allowed by skills and pins (time
    # windows and parts are modelled directly); over the memory budget, rare
    # sets share the largest profile whose allowed jobs are a subset of theirs.
    allowed = permitted[jobs]  # (k, m)
    keys = [np.packbits(allowed[:, t]).tobytes() for t in range(m)]
    freq: dict[bytes, int] = {}
    for k_ in keys:
        freq[k_] = freq.get(k_, 0) + 1
    per_profile = 2 * 8 * len(L) ** 2
    max_prof = max(1, int(memory_budget_mb * 1e6 // per_profile))
    est_build = _BUILD_S_PER_CELL * len(L) ** 2  # s per profile
    n_prof = min(max_prof, len(freq))
    if max_iterations is None:
        # building cannot be interrupted either: if the profiles and a minimal
        # first search would not fit in the time left (at a pessimistic
        # speed), leave the day to the greedy pass (fewer profiles would not
        # do: technicians without one of their own lose most of their jobs)
        left = search_deadline - time.perf_counter()
        min_search = _LS_S_PER_PAIR * 20 * len(jobs)
        if left < est_build * n_prof + min_search:
            logger.info(
                "no time for the PyVRP model (%.1f s left, about %.1f s needed)",
                left,
                est_build * n_prof + min_search,
            )
            return [[] for _ in range(m)], 0
    order = sorted(freq, key=lambda k_: -freq[k_])
    cols = {k_: allowed[:, keys.index(k_)] for k_ in order}
    kept = order[:max_prof]
    prof_of = {k_: i for i, k_ in enumerate(kept)}
    prof_cols: list[np.ndarray] = [cols[k_] for k_ in kept]
    tech_prof = np.zeros(m, np.int64)
    for t in range(m):
        if keys[t] in prof_of:
            tech_prof[t] = prof_of[keys[t]]
            continue
        mine = allowed[:, t]
        subs = [i for i, c in enumerate(prof_cols) if not (c & ~mine).any()]
        if subs:
            tech_prof[t] = max(subs, key=lambda i: int(prof_cols[i].sum()))
        else:  # nothing narrower exists: a profile allowing no job
            if not prof_cols[-1].any():
                tech_prof[t] = len(prof_cols) - 1
            else:
                prof_cols.append(np.zeros(len(jobs), bool))
                tech_prof[t] = len(prof_cols) - 1
    dist_mats, dur_mats = [], []
    for col in prof_cols:
        c = cost_t.copy()
        bad_loc = n_dep + np.flatnonzero(~col)
        c[:, bad_loc] = prohibit
        c[bad_loc, :] = prohibit
        c[bad_loc, bad_loc] = 0
        dist_mats.append(c)
        dur_mats.append(dur_t)
    del cost_f
    logger.info(
        "pyvrp model: %d clients, %d vehicles, %d profiles",
        len(clients),
        m,
        len(prof_cols),
    )

    # vehicle types
    vts = []
    stock = np.asarray(p.tech_stock)
    cap = np.asarray(p.tech_capacity)
    for t in range(m):
        brk = float(p.break_min[t])
        start = float(eff_start_min[t])
        nominal = max(0.0, float(p.shift_end_min[t]) - start - brk)
        hard = min(
            nominal + float(p.max_overtime_min[t]),
            float(p.max_work_min[t]) - (start - float(p.shift_start_min[t])),
        )
        hard = max(0.0, hard)
        nom = min(nominal, hard)
        capv = [int(stock[t, q]) for q in pdims]
        if use_load:
            capv.append(
                big_cap
                if not np.isfinite(cap[t])
                else math.floor(cap[t] * load_scale + 1e-9)
            )
        tw0 = int(_ceil_ticks(start))
        vts.append(
            pyvrp.VehicleType(
                num_available=1,
                capacity=capv,
                start_depot=dep_index[int(eff_start_loc[t])],
                end_depot=dep_index[int(p.tech_end_loc[t])],
                tw_early=tw0,
                tw_late=int(tw0 + _floor_ticks(hard)),
                start_late=tw0,
                shift_duration=int(_floor_ticks(nom)),
                max_overtime=int(_floor_ticks(hard) - _floor_ticks(nom)),
                unit_overtime_cost=max(0, round(float(ot_tick[t]))),
                unit_distance_cost=1,
                profile=int(tech_prof[t]),
            )
        )
    data = pyvrp.ProblemData(
        locations,
        clients,
        depots,
        vts,
        dist_mats,  # type: ignore[arg-type]
        dur_mats,  # type: ignore[arg-type]
        groups=groups,
    )
    del dist_mats, dur_mats
    init = None
    if initial_routes is not None:
        act, typ = pyvrp.Activity, pyvrp.ActivityType.CLIENT
        pv_routes = []
        for t, r in enumerate(initial_routes):
            rest = [j for j in r[len(fixed[t]) :] if j in first_client]
            if not rest:
                continue
            sch = _best_schedule(p, t, r)
            starts = sch.start[len(r) - len(rest) :] if len(sch.start) == len(r) else []
            acts = []
            for i, j in enumerate(rest):
                a = int(p.tw_ptr[j])
                w = 0
                if starts:
                    lates = np.asarray(p.tw_late_min)[a : int(p.tw_ptr[j + 1])]
                    w = int(np.argmax(lates >= starts[i] - _TOL))
                acts.append(act(typ, first_client[j] + w))
            pv_routes.append(pyvrp.Route(data, acts, t))
        if pv_routes:
            init = pyvrp.Solution(data, pv_routes)
    from pyvrp.search import NeighbourhoodParams

    # With skills, a technician can use only a share g of the jobs, and of a
    # client's nearest neighbours only about g^2 share a technician with it on
    # a route; widen the neighbourhood accordingly. On the over-booked field
    # day most of the gain comes from PyVRP's first, exhaustive local search,
    # which a wider neighbourhood makes both better and slower (2,000 jobs:
    # 50 -> 1,429 jobs at 20 s; 100 -> 1,461; 160 -> 1,492; 250 -> 1,503;
    # 400 -> 1,516 at 30 s). That first search cannot be interrupted, so under a
    # time limit the width is also capped to keep it within half the budget.
    # Measured again at 60 s with the clock deadline, about 30 CPU s each
    # (jobs, travel h): 358 -> 1,503 (221.4); 500 -> 1,516 (207.3);
    # 700 -> 1,516 (201.5); 1,000 -> 1,508 (198.4); 1,236 -> 1,504 (203.3);
    # the iterations after it add little at 2,000 jobs (146 iterations with
    # 358 neighbours: 1,503 as after the first search alone).
    g = max(float(allowed.mean()), 1e-3) if allowed.size else 1.0
    k_nb = NUM_NEIGHBOURS
    if COMPATIBLE_NEIGHBOURS:  # neighbours share a technician: no widening
        k_nb = COMPAT_NEIGHBOURS
    elif g < 0.999:
        k_nb = min(MAX_NEIGHBOURS, math.ceil(2 * SKILL_NEIGHBOURS / g**2))
    if max_iterations is None:
        # the first search cannot be interrupted: its width is capped to half
        # the budget left, at a speed slowed down as much as building was
        now = time.perf_counter()
        slow = max(1.0, (now - t_model) / (est_build * len(prof_cols) + 0.05))
        budget = search_deadline - now
        s_pair = _LS_S_PER_PAIR * slow * max(1, len(clients))
        if budget < 20 * s_pair:
            logger.info("no time left for the PyVRP search (%.1f s)", budget)
            return [
                list(r[len(f) :])
                for r, f in zip(initial_routes or [[]] * m, fixed, strict=True)
            ], 0
        k_time = int(0.5 * budget / s_pair)
        k_nb = max(min(k_nb, k_time), min(k_nb, 20))
    k_nb = max(1, min(k_nb, len(clients) - 1))
    logger.info("pyvrp neighbourhood: %d", k_nb)
    params = pyvrp.SolveParams(
        neighbourhood=NeighbourhoodParams(num_neighbours=k_nb),
        ils=pyvrp.IteratedLocalSearchParams(exhaustive_on_best=EXHAUSTIVE_ON_BEST),
    )
    # PyVRP first improves its start with one exhaustive local search that no
    # stopping criterion interrupts (its time grows with clients x neighbours,
    # hence the cap above); the stopping criterion is first asked after it, so
    # it compares the clock with the deadline rather than counting a runtime
    # from its first call, and the whole budget is searched.
    stop: Any
    if max_iterations is not None:
        stop = MaxIterations(max_iterations)
    else:
        stop = _Deadline(search_deadline)
    t_search = time.perf_counter()
    # after the wide first search, iterate with a narrow neighbourhood of
    # clients that share a technician (with skills only; 12x the iterations)
    ils_k = ILS_NEIGHBOURS if g < 0.999 else 0
    if COMPATIBLE_NEIGHBOURS or ils_k:
        tw_e = np.array([c.tw_early for c in clients], float)
        tw_l = np.array([c.tw_late for c in clients], float)
        svc = np.array([c.service_duration for c in clients], float)
        cl_loc = np.array([c.location - n_dep for c in clients], np.int64)
        args = (dur_t, n_dep, cl_loc, client_job, tw_e, tw_l, svc, allowed[cl_loc])
        nbs = _compatible_neighbours(*args, k_nb) if COMPATIBLE_NEIGHBOURS else None
        ils_nbs = _compatible_neighbours(*args, ils_k) if ils_k else None
        res = _pyvrp_solve(data, stop, seed, params, nbs, init, ils_nbs)
    else:
        res = pyvrp.solve(
            data,
            stop,
            seed=seed,
            display=False,
            collect_stats=False,
            initial_solution=init,
            params=params,
        )
    if timing is not None:
        timing["model_s"] = t_search - t_model
        timing["search_s"] = time.perf_counter() - t_search
    routes: list[list[int]] = [[] for _ in range(m)]
    for route in res.best.routes():
        t = int(route.vehicle_type())
        routes[t] = [
            client_job[a.idx] for a in route if a.type == pyvrp.ActivityType.CLIENT
        ]
    return routes, int(res.num_iterations)


# -------------------------------------------------------------------- greedy
def _greedy_insert(
    p: DispatchProblem,
    routes: list[list[int]],
    todo: list[int],
    cand: np.ndarray,
    n_fixed: list[int],
    *,
    deadline: float,
    max_checks: int = 25,
) -> list[int]:
    """Insert jobs of ``todo`` (in order) at their cheapest feasible place.

    For each job, the insertion positions are ranked by added travel time and
    the ``max_checks`` cheapest are checked with the full schedule; jobs left
    when ``deadline`` (a ``perf_counter`` value) passes are not tried.
    """
    d = np.asarray(p.duration_min)
    left = []
    for i, j in enumerate(todo):
        if time.perf_counter() > deadline:
            left.extend(todo[i:])
            break
        lj = int(p.job_loc[j])
        opts: list[tuple[float, int, int]] = []
        for t in np.flatnonzero(cand[j]).tolist():
            r = routes[t]
            locs = np.array(
                [
                    int(p.tech_start_loc[t]),
                    *[int(p.job_loc[x]) for x in r],
                    int(p.tech_end_loc[t]),
                ]
            )
            a, b = locs[:-1], locs[1:]
            delta = d[a, lj] + d[lj, b] - d[a, b]
            for k in range(n_fixed[t], len(r) + 1):
                opts.append((float(delta[k]), t, k))
        opts.sort()
        for _, t, k in opts[:max_checks]:
            r = routes[t]
            if _best_schedule(p, t, [*r[:k], j, *r[k:]]).ok:
                r.insert(k, j)
                break
        else:
            left.append(j)
    return left


def _insert_best(
    p: DispatchProblem, t: int, route: list[int], j: int, n_fixed: int, max_checks: int
) -> list[int] | None:
    """``route`` with job ``j`` at its cheapest feasible place (by added travel), or None.

    Only the ``max_checks`` places with the least added travel are checked.
    """
    d = np.asarray(p.duration_min)
    lj = int(p.job_loc[j])
    locs = np.array(
        [
            int(p.tech_start_loc[t]),
            *[int(p.job_loc[x]) for x in route],
            int(p.tech_end_loc[t]),
        ]
    )
    delta = d[locs[:-1], lj] + d[lj, locs[1:]] - d[locs[:-1], locs[1:]]
    order = n_fixed + np.argsort(delta[n_fixed:], kind="stable")
    for k in order[:max_checks].tolist():
        new = [*route[:k], j, *route[k:]]
        if _best_schedule(p, t, new).ok:
            return new
    return None


def _exchange(
    p: DispatchProblem,
    routes: list[list[int]],
    left: list[int],
    cand: np.ndarray,
    n_fixed: list[int],
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
    d = np.asarray(p.duration_min)
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
            gap = d[np.ix_(np.asarray(p.job_loc)[pool], np.asarray(locs))].min(axis=1)
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


def _route_cost(p: DispatchProblem, t: int, s: _Sched) -> float:
    """Travel and overtime cost of technician ``t``'s schedule ``s`` (cost model units)."""
    r = p.rates
    ot = max(0.0, s.ret - float(p.shift_end_min[t]))
    return (
        s.dist / 1000.0 * r.travel_per_km
        + s.travel / 60.0 * r.travel_per_hour
        + ot / 60.0 * float(p.overtime_per_hour[t])
    )


def _travel_swaps(
    p: DispatchProblem,
    routes: list[list[int]],
    left: list[int],
    cand: np.ndarray,
    n_fixed: list[int],
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
    d = np.asarray(p.duration_min)
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
            old_cost = _route_cost(p, t, _best_schedule(p, t, r))
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
                    if float(delta[pos]) < float(saved) - _TOL:
                        opts.append((float(delta[pos] - saved), k, pos))
            opts.sort()
            for _, k, pos in opts[:max_checks]:
                base = r[:k] + r[k + 1 :]
                new = [*base[:pos], u, *base[pos:]]
                s = _best_schedule(p, t, new)
                if not s.ok:
                    continue
                gain = old_cost - _route_cost(p, t, s)
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


def _capacity_detail(
    p: DispatchProblem,
    routes: list[list[int]],
    j: int,
    cand: np.ndarray,
    n_fixed: list[int],
    max_checks: int = 12,
) -> tuple[str, tuple[int, int] | None]:
    """Who could serve job ``j`` alone, and the least shift extension that fits it.

    Checks the ``max_checks`` insertion places with the least added travel.
    Returns the text and, when a place needs no extension at all, that
    ``(tech, position)`` so the caller can insert the job there.
    """
    d = np.asarray(p.duration_min)
    techs = np.flatnonzero(cand[j]).tolist()
    names = [p.tech_ids[t] for t in techs[:3]]
    text = f"fits alone on {', '.join(names)}{' ...' if len(techs) > 3 else ''}"
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
    best: tuple[float, int, int] | None = None
    for _, t, k in opts[:max_checks]:
        route = [*routes[t][:k], j, *routes[t][k:]]
        if float(p.break_min[t]) > 0:
            short = min(
                _schedule(p, t, route, b).short_min for b in range(len(route) + 1)
            )
        else:
            short = _schedule(p, t, route, -1).short_min
        if math.isfinite(short) and (best is None or short < best[0]):
            best = (short, t, k)
    if best is not None:
        if (
            best[0] <= _TOL
            and _best_schedule(
                p,
                best[1],
                [*routes[best[1]][: best[2]], j, *routes[best[1]][best[2] :]],
            ).ok
        ):
            return text, (best[1], best[2])
        text += f"; {p.tech_ids[best[1]]} could take it with {math.ceil(best[0])} min more shift"
    return text, None


# --------------------------------------------------------------------- plan
def _build_plan(
    p: DispatchProblem,
    routes: list[list[int]],
    unassigned: list[tuple[int, str, str]],
    stats: SolverStats,
) -> DispatchPlan:
    m = p.n_techs
    cols: dict[str, list[Any]] = {
        k: []
        for k in (
            "stop_tech",
            "stop_job",
            "stop_loc",
            "arrival_min",
            "start_min",
            "end_min",
        )
    }
    tech: dict[str, np.ndarray] = {
        k: np.zeros(m)
        for k in (
            "depart_min",
            "return_min",
            "travel_min",
            "distance_m",
            "idle_min",
            "work_min",
            "overtime_min",
        )
    }
    tech["break_start_min"] = np.full(m, np.nan)
    tech["break_after"] = np.full(m, -1, np.int64)
    ot_cost = 0.0
    for t in range(m):
        r = routes[t]
        s = _best_schedule(p, t, r)
        tech["depart_min"][t] = s.depart
        tech["return_min"][t] = s.ret
        if not r:
            continue
        b = float(p.break_min[t]) if float(p.break_min[t]) > 0 else 0.0
        tech["break_start_min"][t] = s.brk_start
        tech["break_after"][t] = s.brk_after
        tech["travel_min"][t] = s.travel
        tech["distance_m"][t] = s.dist
        tech["work_min"][t] = s.ret - s.depart - b
        tech["idle_min"][t] = s.ret - s.depart - s.travel - s.service - b
        ot = max(0.0, s.ret - float(p.shift_end_min[t]))
        tech["overtime_min"][t] = ot
        ot_cost += ot / 60.0 * float(p.overtime_per_hour[t])
        for k, j in enumerate(r):
            cols["stop_tech"].append(t)
            cols["stop_job"].append(j)
            cols["stop_loc"].append(int(p.job_loc[j]))
            cols["arrival_min"].append(s.arr[k])
            cols["start_min"].append(s.start[k])
            cols["end_min"].append(s.end[k])
    un = sorted(unassigned)
    pen = float(np.asarray(p.drop_penalty)[[u[0] for u in un]].sum()) if un else 0.0
    cost = CostBreakdown(
        {
            "travel_distance": float(tech["distance_m"].sum())
            / 1000.0
            * p.rates.travel_per_km,
            "travel_time": float(tech["travel_min"].sum())
            / 60.0
            * p.rates.travel_per_hour,
            "overtime": ot_cost,
            "penalty": pen,
        }
    )
    return DispatchPlan(
        status=SolveStatus.FEASIBLE,
        objective=cost.total,
        **cols,  # type: ignore[arg-type]
        **tech,
        unassigned_job=np.asarray([u[0] for u in un]),
        unassigned_reason=tuple([u[1] for u in un]),
        unassigned_detail=tuple([u[2] for u in un]),
        job_ids=p.job_ids,
        tech_ids=p.tech_ids,
        job_urgency=p.job_urgency,
        cost=cost,
        stats=stats,
        location_lonlat=p.location_lonlat,
        tech_start_loc=np.asarray(p.tech_start_loc),
        tech_end_loc=np.asarray(p.tech_end_loc),
    )


def solve_dispatch(
    problem: DispatchProblem,
    *,
    time_limit_s: float = 60.0,
    seed: int = 0,
    max_iterations: int | None = None,
    engine: str = "auto",
    lexicographic: bool = True,
    memory_budget_mb: float = 2500.0,
    warm_start: bool = False,
) -> DispatchPlan:
    """Plan one dispatch day: routes per technician and the unassigned jobs with reasons.

    Parameters
    ----------
    problem
        The day to plan.
    time_limit_s
        Wall-time budget of the search (ignored when ``max_iterations`` is given).
    seed
        Seed of the search; the same seed and iteration limit give the same plan.
    max_iterations
        Stop the search after this many iterations (deterministic; for tests).
    engine
        ``"auto"`` or ``"pyvrp"`` (the search), ``"ortools"`` (OR-Tools routing
        with breaks as break intervals; slow on large days; ``max_iterations``
        is its solution limit), or ``"greedy"`` (insertion only).
    lexicographic
        Maximise the (urgency-weighted) number of jobs served first, then cost;
        if False, trade unserved penalties against cost in money.
    memory_budget_mb
        Bound on the routing-profile matrices given to PyVRP (two int64
        matrices per profile); beyond it, technicians with rare skill sets
        share a narrower profile (they may then miss some jobs they could do).
    warm_start
        Start the search from a greedy insertion construction (bounded to 15 %
        of the time limit) instead of PyVRP's random start. Off by default:
        on the 500-job field day it served fewer jobs in 20 s (355 vs 358).

    Returns
    -------
    DispatchPlan
        Always a plan (status ``FEASIBLE``); every job is routed or unassigned
        with a reason.

    Examples
    --------
    >>> import numpy as np
    >>> d = np.array([[0.0, 10.0, 15.0], [10.0, 0.0, 8.0], [15.0, 8.0, 0.0]])
    >>> p = DispatchProblem(d, d * 500, [1, 2], [30, 30], [0, 1, 2], [480, 480],
    ...     [600, 600], [0], [0], [480], [1020])
    >>> plan = solve_dispatch(p, max_iterations=50)
    >>> plan.n_served, round(plan.kpis["travel_h"] * 60)
    (2, 33)
    """
    if engine not in ("auto", "pyvrp", "ortools", "greedy"):
        raise InputError(
            field="engine",
            expected="'auto', 'pyvrp', 'ortools' or 'greedy'",
            got=engine,
        )
    time_limit_s = float(check_positive_number(time_limit_s, "time_limit_s") or 0.0)
    seed = check_seed(seed)
    if max_iterations is not None and (
        isinstance(max_iterations, bool)
        or not isinstance(max_iterations, int | np.integer)
        or max_iterations < 0
    ):
        raise InputError(
            field="max_iterations", expected=">= 0 or None", got=max_iterations
        )
    t0 = time.perf_counter()
    p = problem
    n, m = p.n_jobs, p.n_techs
    scr = screen_jobs(p)
    cand = scr.candidate
    pin = np.asarray(p.job_pinned_tech)
    unassigned: list[tuple[int, str, str]] = []
    fixed = [list(r) for r in p.fixed_routes]
    n_fixed = [len(r) for r in fixed]
    in_fixed = np.zeros(n, bool)
    for r in fixed:
        in_fixed[r] = True
    for t, r in enumerate(fixed):
        if r and not _best_schedule(p, t, r).ok:
            s = _schedule(p, t, r, -1)
            raise InfeasibleError(
                f"the fixed route of technician {p.tech_ids[t]!r} "
                f"({', '.join(p.job_ids[j] for j in r)}) cannot be kept: it returns at "
                f"{s.ret:.0f} min (shift end {float(p.shift_end_min[t]):g} + overtime "
                f"{float(p.max_overtime_min[t]):g}) or misses a window, the break or the van stock"
            )
    for j in np.flatnonzero(~cand.any(axis=1) & ~in_fixed).tolist():
        why, det = _reason(scr, j, int(pin[j]))
        unassigned.append((j, why, det))
    pen = np.asarray(p.drop_penalty, float)
    pos = pen[pen > 0]
    weight = pen / pos.min() if len(pos) else np.ones(n)
    weight = np.where(pin >= 0, weight.max(initial=1.0) * 2, weight)
    weight = np.maximum(weight, 1.0)
    value = weight + 1e-6 * pen

    iters = 0
    # the search runs until a deadline that leaves a reserve for the repair,
    # greedy and plan-building passes (the greedy pass stops at the limit)
    reserve = min(0.25 * time_limit_s, RESERVE_S + RESERVE_S_PER_JOB * n)
    x_share = 0.0 if max_iterations is not None else EXCHANGE_SHARE * time_limit_s
    s_share = (
        0.0
        if max_iterations is not None or not TRAVEL_SWAPS
        else SWAP_SHARE * time_limit_s
    )
    search_deadline = t0 + time_limit_s - reserve - x_share - s_share
    start_routes: list[list[int]] | None = None
    if warm_start and engine in ("auto", "pyvrp"):
        # a greedy construction (most valuable jobs first) as the search's start
        start_routes = [list(r) for r in fixed]
        order = [j for j in range(n) if cand[j].any() and not in_fixed[j]]
        order.sort(key=lambda j: (-value[j], float(p.tw_late_min[int(p.tw_ptr[j])])))
        cdl = math.inf if max_iterations is not None else t0 + 0.15 * time_limit_s
        _greedy_insert(p, start_routes, order, cand, n_fixed, deadline=cdl)
    timing: dict[str, float] = {"screen_s": time.perf_counter() - t0}
    if engine in ("auto", "pyvrp"):
        solved, iters = _solve_pyvrp(
            p,
            cand,
            weight,
            search_deadline=search_deadline,
            seed=seed,
            max_iterations=max_iterations,
            lexicographic=lexicographic,
            permitted=scr.skill_ok & scr.pin_ok,
            memory_budget_mb=memory_budget_mb,
            initial_routes=start_routes,
            timing=timing,
        )
    elif engine == "ortools":
        from planner.routing.ortools_engine import solve_ortools

        full, iters = solve_ortools(
            p, cand, weight, deadline=search_deadline, solution_limit=max_iterations
        )
        solved = [[j for j in r if not in_fixed[j]] for r in full]
    else:
        solved = [[] for _ in range(m)]
    t_post = time.perf_counter()
    routes: list[list[int]] = []
    dropped_all: list[int] = []
    for t in range(m):
        r = [j for j in solved[t] if cand[j, t]]
        dropped_all += [j for j in solved[t] if not cand[j, t]]
        r, dr = _repair(p, t, fixed[t] + r, value, n_fixed[t])
        dropped_all += dr
        routes.append(r)
    served = np.zeros(n, bool)
    for r in routes:
        served[r] = True
    todo = [j for j in range(n) if cand[j].any() and not served[j] and not in_fixed[j]]
    todo.sort(key=lambda j: -value[j])
    end = t0 + time_limit_s
    x_end = end - 0.5 * reserve - s_share
    left = _greedy_insert(p, routes, todo, cand, n_fixed, deadline=x_end - x_share)
    logger.info("after search: %d to insert, %d left by greedy", len(todo), len(left))
    n_left = len(left)
    left = _exchange(p, routes, left, cand, n_fixed, value, deadline=x_end)
    left = _greedy_insert(p, routes, left, cand, n_fixed, deadline=x_end)
    timing["exchanged"] = n_left - len(left)
    if TRAVEL_SWAPS:
        s_end = x_end + s_share
        tr0 = sum(_best_schedule(p, t, r).travel for t, r in enumerate(routes))
        left = _travel_swaps(p, routes, left, cand, n_fixed, value, deadline=s_end)
        timing["swap_saved_min"] = tr0 - sum(
            _best_schedule(p, t, r).travel for t, r in enumerate(routes)
        )
        left = _greedy_insert(p, routes, left, cand, n_fixed, deadline=s_end)
    for j in left:
        detail, place = "", None
        if time.perf_counter() < end - 0.25 * reserve:
            detail, place = _capacity_detail(p, routes, j, cand, n_fixed)
        if place is not None:  # it fits after all (the greedy pass ran out of checks)
            routes[place[0]].insert(place[1], j)
            continue
        unassigned.append((j, "capacity", detail))
    stats = SolverStats(
        {"auto": "pyvrp"}.get(engine, engine),
        time.perf_counter() - t0,
        n_iterations=iters,
        seed=seed,
        extra={
            "dropped_in_repair": len(dropped_all),
            **{k: round(v, 2) for k, v in timing.items()},
            "post_s": round(time.perf_counter() - t_post, 2),
        },
    )
    return _build_plan(p, routes, unassigned, stats)
