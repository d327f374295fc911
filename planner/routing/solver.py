"""Dispatch solvers behind one interface: :func:`solve_dispatch`.

The day goes through these steps (each in its own module):

1. *Screening* (:mod:`planner.routing.screen`): a job no technician can
   serve alone is unassigned with its reason (``skill``, ``pinned``,
   ``load``, ``parts``, ``window``) and not given to the search.
2. *Search* (:mod:`planner.routing.pyvrp_engine` on the model of
   :mod:`planner.routing.pyvrp_model`): PyVRP's iterated local search with
   lexicographic prizes (most urgency-weighted jobs served, then cost); on
   a day that looks as if every job fits, first with every job required
   (optional jobs rarely reach a plan serving all when the fleet is tight);
   ``engine="ortools"`` uses OR-Tools routing with exact break intervals
   (:mod:`planner.routing.ortools_engine`); ``engine="greedy"`` skips it.
3. *Breaks and repair* (:mod:`planner.routing.schedule`): the break is placed
   in the best gap of each route; visits are dropped, least valuable first,
   until every route is feasible in exact minutes.
4. *Region LNS* (:mod:`planner.routing.lns`, timed lexicographic runs):
   PyVRP again on a few neighbouring technicians and their jobs at a time,
   from the current routes, kept when it serves more or costs less.
5. *Passes* (:mod:`planner.routing.insertion`): greedy insertion of the jobs
   left, a 1-out-2-in exchange, an optional polish (PyVRP again with the
   served jobs required), travel swaps, and for every job still left an
   exhaustive proof that no route can take it (else it is inserted).

Every tunable is a field of :class:`~planner.routing.params.DispatchParams`.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from planner.core.cost import CostBreakdown
from planner.core.errors import InfeasibleError, InputError
from planner.core.result import SolverStats, SolveStatus
from planner.core.rng import Seed
from planner.routing.insertion import (
    SlackCache,
    exchange,
    greedy_insert,
    prove_capacity,
    travel_swaps,
)
from planner.routing.params import DispatchParams
from planner.routing.plan import DispatchPlan, travel_record
from planner.routing.problem import DispatchProblem
from planner.routing.schedule import (
    best_schedule,
    repair_route,
    route_cost,
    schedule_route,
    static_problem,
)
from planner.routing.screen import looks_feasible, reason_alone, screen_jobs

__all__ = ["build_plan", "solve_dispatch"]

logger = logging.getLogger(__name__)

_ENGINES = ("auto", "pyvrp", "ortools", "greedy")


def _check_seed(seed: Seed) -> int:
    """``seed`` as PyVRP's 32-bit seed; a Generator gives one draw."""
    if isinstance(seed, np.random.Generator):
        return int(seed.integers(2**32))
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer):
        raise InputError(
            field="seed",
            expected="an integer in [0, 2**32) or a numpy Generator",
            got=seed,
        )
    if not 0 <= int(seed) < 2**32:
        raise InputError(field="seed", expected="an integer in [0, 2**32)", got=seed)
    return int(seed)


def build_plan(
    p: DispatchProblem,
    routes: list[list[int]],
    unassigned: list[tuple[int, str, str]],
    stats: SolverStats,
) -> DispatchPlan:
    """The plan of ``routes`` (feasible, job lists per technician) and the unassigned jobs."""
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
        s = best_schedule(p, t, r)
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
        date=p.date,
        travel_info=travel_record(p),
    )


def _unserved_weight(p: DispatchProblem) -> np.ndarray:
    """Each job's weight in the prizes: its penalty over the smallest one; pins count double the most."""
    pen = p.drop_penalty.astype(float)
    if not len(pen):  # a day without jobs
        return np.ones(0)
    pos = pen[pen > 0]
    weight = pen / pos.min() if len(pos) else np.ones(p.n_jobs)
    weight = np.where(p.job_pinned_tech >= 0, weight.max(initial=1.0) * 2, weight)
    return np.maximum(weight, 1.0)


def solve_dispatch(
    problem: DispatchProblem,
    *,
    time_limit_s: float = 60.0,
    seed: Seed = 0,
    max_iterations: int | None = None,
    engine: str = "auto",
    lexicographic: bool = True,
    memory_budget_mb: float = 1000.0,
    warm_start: bool = False,
    params: DispatchParams | None = None,
) -> DispatchPlan:
    """Plan one dispatch day: routes per technician and the unassigned jobs with reasons.

    Parameters
    ----------
    problem
        The day to plan.
    time_limit_s
        Wall-time budget of the whole solve (ignored when ``max_iterations``
        is given).
    seed
        Seed of the search (an integer in [0, 2**32) or a numpy Generator);
        the same seed and iteration limit give the same plan.
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
        matrices per profile) when skills go to PyVRP as profiles
        (``params.skill_loads`` off, or more than 32 skill dimensions); beyond
        it, technicians with rare skill sets share a narrower profile (they
        may then miss some jobs they could do).
    warm_start
        Start the search from a greedy insertion construction (bounded to 15 %
        of the time limit) instead of PyVRP's random start.
    params
        The solver's tunables (:class:`~planner.routing.params.DispatchParams`;
        default: the measured defaults).

    Returns
    -------
    DispatchPlan
        Always a plan (status ``FEASIBLE``); every job is routed or unassigned
        with a reason, and ``capacity`` only when no place on any route can
        take the job.

    Examples
    --------
    >>> import numpy as np
    >>> d = np.array([[0.0, 10.0, 15.0], [10.0, 0.0, 8.0], [15.0, 8.0, 0.0]])
    >>> p = DispatchProblem(d, d * 500, [1, 2], [30, 30], [0, 1, 2], [480, 480],
    ...     [600, 600], [0], [0], [480], [1020])
    >>> plan = solve_dispatch(p, max_iterations=50)
    >>> plan.n_served, round(plan.kpi_dict()["travel_h"] * 60)
    (2, 33)
    """
    if engine not in _ENGINES:
        raise InputError(
            field="engine",
            expected="'auto', 'pyvrp', 'ortools' or 'greedy'",
            got=engine,
        )
    if (
        isinstance(time_limit_s, bool)
        or not isinstance(time_limit_s, int | float)
        or not math.isfinite(time_limit_s)
        or time_limit_s <= 0
    ):
        raise InputError(
            field="time_limit_s", expected="a finite number > 0", got=time_limit_s
        )
    if max_iterations is not None and (
        isinstance(max_iterations, bool)
        or not isinstance(max_iterations, int | np.integer)
        or max_iterations < 0
    ):
        raise InputError(
            field="max_iterations",
            expected="an integer >= 0 or None",
            got=max_iterations,
        )
    if params is None:
        params = DispatchParams()
    elif not isinstance(params, DispatchParams):
        raise InputError(
            field="params", expected="a DispatchParams", got=type(params).__name__
        )
    seed_i = _check_seed(seed)
    t0 = time.perf_counter()
    p = problem
    n, m = p.n_jobs, p.n_techs
    scr = screen_jobs(p)
    cand = scr.candidate
    unassigned: list[tuple[int, str, str]] = []
    fixed = [list(r) for r in p.fixed_routes]
    n_fixed = [len(r) for r in fixed]
    in_fixed = np.zeros(n, bool)
    for r in fixed:
        in_fixed[r] = True
    for t, r in enumerate(fixed):
        if r and not best_schedule(p, t, r).ok:
            s = schedule_route(p, t, r, -1)
            raise InfeasibleError(
                f"the fixed route of technician {p.tech_ids[t]!r} "
                f"({', '.join(p.job_ids[j] for j in r)}) cannot be kept: it returns at "
                f"{s.ret:.0f} min (shift end {float(p.shift_end_min[t]):g} + overtime "
                f"{float(p.max_overtime_min[t]):g}) or misses a window, the break or the van stock"
            )
    for j in np.flatnonzero(~cand.any(axis=1) & ~in_fixed).tolist():
        why, det = reason_alone(scr, j, int(p.job_pinned_tech[j]), problem=p)
        unassigned.append((j, why, det))
    weight = _unserved_weight(p)
    value = weight + 1e-6 * p.drop_penalty.astype(float)

    iters = 0
    timed = max_iterations is None
    # the search runs until a deadline that leaves a reserve for the repair,
    # greedy and plan-building passes (the greedy pass stops at the limit)
    reserve = min(0.25 * time_limit_s, params.reserve_s + params.reserve_s_per_job * n)
    all_req = (
        engine in ("auto", "pyvrp")
        and lexicographic
        and looks_feasible(p, cand, params.fit_margin)
    )
    # swaps and exchanges need jobs left over: not kept for when all should fit
    x_share = params.exchange_share * time_limit_s if timed and not all_req else 0.0
    s_share = (
        params.swap_share * time_limit_s
        if timed and params.travel_swaps and not all_req
        else 0.0
    )
    use_polish = (
        engine in ("auto", "pyvrp") and lexicographic and params.polish_share > 0
    )
    pol_share = params.polish_share * time_limit_s if timed and use_polish else 0.0
    use_lns = (
        engine in ("auto", "pyvrp") and lexicographic and timed and m > 1 and n > 0
    )
    lns_s = params.lns_share * time_limit_s if use_lns else 0.0
    search_deadline = (
        t0 + time_limit_s - reserve - x_share - s_share - pol_share - lns_s
    )
    start_routes: list[list[int]] | None = None
    if warm_start and engine in ("auto", "pyvrp"):
        # a greedy construction (most valuable jobs first) as the search's start
        start_routes = [list(r) for r in fixed]
        order = [j for j in range(n) if cand[j].any() and not in_fixed[j]]
        order.sort(key=lambda j: (-value[j], float(p.tw_late_min[int(p.tw_ptr[j])])))
        cdl = t0 + 0.15 * time_limit_s if timed else math.inf
        greedy_insert(p, start_routes, order, cand, n_fixed, deadline=cdl)
    timing: dict[str, float] = {"screen_s": time.perf_counter() - t0}
    if engine in ("auto", "pyvrp"):
        from planner.routing.pyvrp_engine import solve_pyvrp

        solved, iters = solve_pyvrp(
            static_problem(p),
            cand,
            weight,
            search_deadline=search_deadline,
            seed=seed_i,
            max_iterations=max_iterations,
            lexicographic=lexicographic,
            permitted=scr.skill_ok & scr.pin_ok,
            memory_budget_mb=memory_budget_mb,
            params=params,
            initial_routes=start_routes,
            timing=timing,
            all_required=all_req,
            width_deadline=search_deadline + lns_s,
        )
    elif engine == "ortools":
        from planner.routing.ortools_engine import solve_ortools

        full, iters = solve_ortools(
            static_problem(p),
            cand,
            weight,
            deadline=search_deadline,
            solution_limit=max_iterations,
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
        r, dr = repair_route(p, t, fixed[t] + r, value, n_fixed[t])
        dropped_all += dr
        routes.append(r)
    if lns_s > 0:
        from planner.routing.lns import region_lns

        t_lns = time.perf_counter()
        timing |= region_lns(
            p,
            routes,
            cand,
            scr.skill_ok & scr.pin_ok,
            weight,
            value,
            n_fixed,
            deadline=search_deadline + lns_s,
            seed=seed_i,
            params=params,
            memory_budget_mb=memory_budget_mb,
        )
        timing["lns_s"] = time.perf_counter() - t_lns
    polish: Polish | None = None
    if use_polish:
        from planner.routing.pyvrp_engine import polish_pyvrp

        def polish(rs: list[list[int]], deadline: float) -> list[list[int]] | None:
            return polish_pyvrp(
                static_problem(p),
                cand,
                weight,
                rs,
                deadline=deadline,
                seed=seed_i,
                max_iterations=max_iterations,
                permitted=scr.skill_ok & scr.pin_ok,
                memory_budget_mb=memory_budget_mb,
                params=params,
            )

    routes, left, post = _post_passes(
        p,
        routes,
        cand,
        n_fixed,
        value,
        in_fixed,
        params,
        t0,
        time_limit_s,
        timed,
        reserve,
        polish,
        x_share,
        s_share,
    )
    timing.update(post)
    unassigned += [(j, "capacity", det) for j, det in left]
    stats = SolverStats(
        {"auto": "pyvrp"}.get(engine, engine),
        time.perf_counter() - t0,
        n_iterations=iters,
        seed=seed_i,
        extra={
            "dropped_in_repair": len(dropped_all),
            **{k: round(v, 2) for k, v in timing.items()},
            "post_s": round(time.perf_counter() - t_post, 2),
        },
    )
    return build_plan(p, routes, unassigned, stats)


Polish = Callable[[list[list[int]], float], "list[list[int]] | None"]


def _polish(
    p: DispatchProblem,
    routes: list[list[int]],
    left: list[int],
    cand: np.ndarray,
    n_fixed: list[int],
    value: np.ndarray,
    polish: Polish,
    deadline: float,
    slacks: SlackCache,
    timing: dict[str, float],
) -> list[int]:
    """Run ``polish`` on ``routes`` (in place) and keep it if it is no worse.

    Its routes are repaired (breaks, exact minutes), the jobs left are
    offered to the greedy pass, and the result is kept when it serves at
    least the value served before at a lower cost (or more value).
    """
    t1 = time.perf_counter()
    new = polish([list(r) for r in routes], deadline)
    timing["polish_s"] = time.perf_counter() - t1
    if new is None:
        return left
    fixed = p.fixed_routes
    cand_routes = []
    for t in range(p.n_techs):
        r, _ = repair_route(p, t, [*fixed[t], *new[t]], value, n_fixed[t])
        cand_routes.append(r)

    def score(rs: list[list[int]]) -> tuple[float, float]:
        v = float(sum(value[r].sum() for r in rs if r))
        c = sum(route_cost(p, t, best_schedule(p, t, r)) for t, r in enumerate(rs))
        return v, c

    v0, c0 = score(routes)
    served = np.zeros(p.n_jobs, bool)
    for r in cand_routes:
        served[r] = True
    rest = [j for j in left if not served[j]]
    rest += [j for r in routes for j in r if not served[j]]
    rest.sort(key=lambda j: -value[j])
    trial = [list(r) for r in cand_routes]
    rest = greedy_insert(p, trial, rest, cand, n_fixed, deadline=math.inf)
    v1, c1 = score(trial)
    timing["polish_saved"] = round(c0 - c1, 4) if v1 >= v0 - 1e-9 else 0.0
    if v1 > v0 + 1e-9 or (v1 >= v0 - 1e-9 and c1 < c0 - 1e-9):
        routes[:] = trial
        return rest
    return left


def _post_passes(
    p: DispatchProblem,
    routes: list[list[int]],
    cand: np.ndarray,
    n_fixed: list[int],
    value: np.ndarray,
    in_fixed: np.ndarray,
    params: DispatchParams,
    t0: float,
    time_limit_s: float,
    timed: bool,
    reserve: float,
    polish: Polish | None = None,
    x_share: float = 0.0,
    s_share: float = 0.0,
) -> tuple[list[list[int]], list[tuple[int, str]], dict[str, float]]:
    """Greedy insertion, exchange, the polish, travel swaps, then the capacity proof.

    Returns the routes, the jobs left with the detail of their ``capacity``
    reason, and timing figures. The proof runs whatever the clock says: a
    ``capacity`` reason is never given without it.
    """
    n = p.n_jobs
    served = np.zeros(n, bool)
    for r in routes:
        served[r] = True
    todo = [j for j in range(n) if cand[j].any() and not served[j] and not in_fixed[j]]
    todo.sort(key=lambda j: -value[j])
    end = t0 + time_limit_s if timed else math.inf
    x_end = end - 0.5 * reserve - s_share
    slacks = SlackCache(p, routes, n_fixed)
    left = greedy_insert(
        p, routes, todo, cand, n_fixed, deadline=x_end - x_share, slacks=slacks
    )
    logger.info("after search: %d to insert, %d left by greedy", len(todo), len(left))
    n_left = len(left)
    left = exchange(
        p,
        routes,
        left,
        cand,
        n_fixed,
        value,
        deadline=x_end,
        near=params.exchange_near,
        max_checks=params.exchange_checks,
    )
    left = greedy_insert(p, routes, left, cand, n_fixed, deadline=x_end, slacks=slacks)
    timing: dict[str, float] = {"exchanged": n_left - len(left)}
    if polish is not None:
        left = _polish(
            p, routes, left, cand, n_fixed, value, polish, x_end, slacks, timing
        )
    if params.travel_swaps:
        s_end = x_end + s_share
        tr0 = sum(best_schedule(p, t, r).travel for t, r in enumerate(routes))
        left = travel_swaps(
            p,
            routes,
            left,
            cand,
            n_fixed,
            value,
            deadline=s_end,
            near=params.swap_near,
            max_checks=params.swap_checks,
        )
        timing["swap_saved_min"] = tr0 - sum(
            best_schedule(p, t, r).travel for t, r in enumerate(routes)
        )
    out: list[tuple[int, str]] = []
    n_proved = 0
    for j in sorted(left, key=lambda j: -value[j]):
        explain = time.perf_counter() < end - 0.25 * reserve
        detail, place = prove_capacity(
            p, routes, j, cand, n_fixed, slacks=slacks, explain=explain
        )
        if place is not None:  # it fits after all
            routes[place[0]].insert(place[1], j)
            n_proved += 1
            continue
        out.append((j, detail))
    timing["inserted_by_proof"] = n_proved
    return routes, out, timing
