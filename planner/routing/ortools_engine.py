"""OR-Tools routing as the secondary engine of :func:`~planner.routing.solve_dispatch`.

Used with ``engine="ortools"``, for what OR-Tools expresses natively: lunch
breaks as break intervals of the time dimension (PyVRP has none), and windows
with gaps (one allowed range per job with the gaps removed). It is much slower
than PyVRP on large days (``/work/shared/MEASURED.md``: no solution for 2,000
jobs in 60 s with the default first solution), so it is not the default.

Model: one node per depot location and per job; time in whole seconds with
travel and service rounded up and window ends rounded down; departure fixed at
shift start; return by shift end plus allowed overtime, overtime priced as a
soft upper bound on the end time; working time bounded by the span; skills,
pins and solo feasibility as the allowed values of each node's vehicle
variable; parts and load as capacity dimensions; dropping a job costs its
(lexicographic) prize.
"""

from __future__ import annotations

import math
import time
from typing import Any

import numpy as np

from planner.routing.problem import DispatchProblem

__all__ = ["solve_ortools"]

_S = 60  # seconds per minute


def _up(x: float) -> int:
    return math.ceil(x * _S - 1e-6)


def _down(x: float) -> int:
    return math.floor(x * _S + 1e-6)


def solve_ortools(
    p: DispatchProblem,
    cand: np.ndarray,
    weight: np.ndarray,
    *,
    deadline: float,
    solution_limit: int | None,
) -> tuple[list[list[int]], int]:
    """Routes per technician (job indices; fixed prefixes included) and solutions found."""
    from ortools.constraint_solver import pywrapcp, routing_enums_pb2

    n, m = p.n_jobs, p.n_techs
    fixed = [list(r) for r in p.fixed_routes]
    in_fixed = {j for r in fixed for j in r}
    jobs = [j for j in range(n) if (cand[j].any() or j in in_fixed)]
    d = np.asarray(p.duration_min)
    dist = np.asarray(p.distance_m)
    starts = [int(x) for x in p.tech_start_loc]
    ends = [int(x) for x in p.tech_end_loc]
    depot_locs = sorted({*starts, *ends})
    L = np.array(depot_locs + [int(p.job_loc[j]) for j in jobs])
    n_dep = len(depot_locs)
    didx = {loc: i for i, loc in enumerate(depot_locs)}
    node_job = {n_dep + k: j for k, j in enumerate(jobs)}
    job_node = {j: nd for nd, j in node_job.items()}
    travel_s = np.ceil(d[np.ix_(L, L)] * _S - 1e-6).astype(np.int64)
    service_s = np.zeros(len(L), np.int64)
    for k, j in enumerate(jobs):
        service_s[n_dep + k] = _up(float(p.service_min[j]))
    rates = p.rates
    cost = np.rint(
        (
            dist[np.ix_(L, L)] / 1000 * rates.travel_per_km
            + d[np.ix_(L, L)] / 60 * rates.travel_per_hour
        )
        * 1000
    ).astype(np.int64)

    # every job is worth more than any travel and overtime it can cause
    ot_max = float(np.max(p.overtime_per_hour)) / 3600 * 1000
    big = (
        2 * int(cost.max())
        + ot_max * (int(service_s.max()) + 2 * int(travel_s.max()))
        + 1
    )
    prize = np.maximum(1, np.rint(weight * big)).astype(np.int64)

    man = pywrapcp.RoutingIndexManager(
        len(L), m, [didx[s] for s in starts], [didx[e] for e in ends]
    )
    model = pywrapcp.RoutingModel(man)
    node_of = man.IndexToNode

    def cost_cb(i: int, j: int) -> int:
        return int(cost[node_of(i), node_of(j)])

    def time_cb(i: int, j: int) -> int:
        a = node_of(i)
        return int(service_s[a] + travel_s[a, node_of(j)])

    model.SetArcCostEvaluatorOfAllVehicles(model.RegisterTransitCallback(cost_cb))
    t_cb = model.RegisterTransitCallback(time_cb)
    horizon = 3 * 24 * 3600
    model.AddDimension(t_cb, horizon, horizon, False, "time")
    tdim = model.GetDimensionOrDie("time")
    solver = model.solver()

    for k, j in enumerate(jobs):
        idx = man.NodeToIndex(n_dep + k)
        a, b = int(p.tw_ptr[j]), int(p.tw_ptr[j + 1])
        e = [_up(float(x)) for x in np.asarray(p.tw_early_min)[a:b]]
        lt = [_down(float(x)) for x in np.asarray(p.tw_late_min)[a:b]]
        order = np.argsort(e)
        lo, hi = min(e), max(lt)
        tdim.CumulVar(idx).SetRange(lo, hi)
        prev_end = None
        for w in order.tolist():  # remove the gaps between windows
            if prev_end is not None and e[w] > prev_end + 1:
                tdim.CumulVar(idx).RemoveInterval(prev_end + 1, e[w] - 1)
            prev_end = lt[w] if prev_end is None else max(prev_end, lt[w])
        allowed = [int(t) for t in np.flatnonzero(cand[j])]
        if j in in_fixed:
            allowed = [t for t in range(m) if j in fixed[t]]
        else:
            model.AddDisjunction([idx], int(prize[j]))
        model.VehicleVar(idx).SetValues([-1, *allowed])

    for t in range(m):
        s0 = _up(float(p.shift_start_min[t]))
        tdim.CumulVar(model.Start(t)).SetRange(s0, s0)
        lim = _down(float(p.shift_end_min[t]) + float(p.max_overtime_min[t]))
        tdim.CumulVar(model.End(t)).SetRange(s0, max(s0, lim))
        ot_cost = round(float(p.overtime_per_hour[t]) / 3600 * 1000)
        tdim.SetCumulVarSoftUpperBound(
            model.End(t), _down(float(p.shift_end_min[t])), ot_cost
        )
        brk = float(p.break_min[t])
        if np.isfinite(float(p.max_work_min[t])):
            tdim.SetSpanUpperBoundForVehicle(
                _down(float(p.max_work_min[t]) + max(brk, 0.0)), t
            )
        if brk > 0:
            iv = solver.FixedDurationIntervalVar(
                _up(float(p.break_early_min[t])),
                _down(float(p.break_late_min[t])),
                _up(brk),
                False,
                f"break {t}",
            )
            tdim.SetBreakIntervalsOfVehicle([iv], t, [int(x) for x in service_s])

    # parts and load as capacities
    jp = np.asarray(p.job_parts)
    for q in range(jp.shape[1]):
        if not jp[jobs, q].any():
            continue
        dem = np.zeros(len(L), np.int64)
        for k, j in enumerate(jobs):
            dem[n_dep + k] = int(jp[j, q])

        def dem_cb(i: int, dem: np.ndarray = dem) -> int:
            return int(dem[node_of(i)])

        model.AddDimensionWithVehicleCapacity(
            model.RegisterUnaryTransitCallback(dem_cb),
            0,
            [int(x) for x in np.asarray(p.tech_stock)[:, q]],
            True,
            f"part {q}",
        )
    load = np.asarray(p.job_load)
    cap = np.asarray(p.tech_capacity)
    if load[jobs].any() and np.isfinite(cap).any():
        ld = np.zeros(len(L), np.int64)
        for k, j in enumerate(jobs):
            ld[n_dep + k] = math.ceil(load[j] * 1000 - 1e-9)

        def load_cb(i: int) -> int:
            return int(ld[node_of(i)])

        model.AddDimensionWithVehicleCapacity(
            model.RegisterUnaryTransitCallback(load_cb),
            0,
            [
                (1 << 40) if not np.isfinite(c) else math.floor(c * 1000 + 1e-9)
                for c in cap
            ],
            True,
            "load",
        )

    # fixed prefixes: keep their order right after the start
    for t, r in enumerate(fixed):
        prev = model.Start(t)
        for j in r:
            nxt = man.NodeToIndex(job_node[j])
            model.NextVar(prev).SetValues([nxt])
            prev = nxt

    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = (
        routing_enums_pb2.FirstSolutionStrategy.PARALLEL_CHEAPEST_INSERTION
    )
    if solution_limit is not None:
        # deterministic: plain descent to a local optimum, at most this many solutions
        params.local_search_metaheuristic = (
            routing_enums_pb2.LocalSearchMetaheuristic.GREEDY_DESCENT
        )
        params.solution_limit = int(solution_limit)
    else:
        params.local_search_metaheuristic = (
            routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
        )
    left = max(0.1, deadline - time.perf_counter())
    params.time_limit.seconds = int(left)
    params.time_limit.nanos = int((left - int(left)) * 1e9)
    sol: Any = model.SolveWithParameters(params)
    routes: list[list[int]] = [[] for _ in range(m)]
    if sol is None:
        return routes, 0
    for t in range(m):
        idx = sol.Value(model.NextVar(model.Start(t)))
        while not model.IsEnd(idx):
            routes[t].append(node_job[node_of(idx)])
            idx = sol.Value(model.NextVar(idx))
    return routes, int(model.solver().Solutions())
