"""Region LNS: PyVRP again on a few neighbouring technicians at a time.

After the search on the whole day, the day is improved region by region: a
random technician and the ``lns_techs - 1`` technicians whose routes lie
nearest (by travel time between the routes' middle stops) form a region;
its jobs are those routes' jobs plus the unrouted jobs one of them may do
that lie nearer the stops of the region's routes that may take them than
those of any other route that may (a route out of a job's skills does not
keep it away). PyVRP searches
that sub-day from the current routes for ``lns_sub_s`` seconds; the routes
are repaired on the exact day (breaks, time-dependent travel) and kept when
they serve more value, or the same value at a lower cost. On a day of 1,000
jobs or more PyVRP's search over the whole day finds a new best a handful of
times a minute; a sub-day of 50-100 jobs gets a few hundred iterations in
0.3 s, and about half the regions come back better, which is where the jobs
and travel of a large day are won (``benchmarks/README.md``).
"""

from __future__ import annotations

import logging
import time

import numpy as np

from planner.routing.params import DispatchParams
from planner.routing.problem import DispatchProblem
from planner.routing.schedule import (
    best_schedule,
    repair_route,
    route_cost,
    static_problem,
)

__all__ = ["region_lns", "subset_problem"]

logger = logging.getLogger(__name__)

_JOB_FIELDS = (
    "job_loc",
    "service_min",
    "job_skills",
    "job_urgency",
    "job_parts",
    "job_load",
    "drop_penalty",
    "job_pinned_tech",
)
_TECH_FIELDS = (
    "tech_start_loc",
    "tech_end_loc",
    "shift_start_min",
    "shift_end_min",
    "tech_skills",
    "tech_stock",
    "tech_capacity",
    "break_early_min",
    "break_late_min",
    "break_min",
    "max_work_min",
    "max_overtime_min",
    "overtime_per_hour",
)


def subset_problem(
    p: DispatchProblem, jobs: np.ndarray, techs: np.ndarray
) -> DispatchProblem:
    """The day of ``jobs`` and ``techs`` only (the locations and rates unchanged).

    Pins to a technician outside ``techs`` become -1; a fixed route keeps
    its jobs, which must be among ``jobs``.
    """
    J = np.asarray(jobs, dtype=np.int64)
    T = np.asarray(techs, dtype=np.int64)
    kw: dict[str, object] = {f: np.asarray(getattr(p, f))[J] for f in _JOB_FIELDS}
    kw |= {f: np.asarray(getattr(p, f))[T] for f in _TECH_FIELDS}
    tpos = np.full(p.n_techs, -1, dtype=np.int64)
    tpos[T] = np.arange(T.size)
    pin = np.asarray(p.job_pinned_tech)[J]
    kw["job_pinned_tech"] = np.where(pin >= 0, tpos[np.maximum(pin, 0)], -1)
    ptr = np.asarray(p.tw_ptr)
    lo, hi = ptr[J], ptr[J + 1]
    win = np.concatenate([np.arange(a, b) for a, b in zip(lo, hi, strict=True)])
    kw["tw_ptr"] = np.concatenate([[0], np.cumsum(hi - lo)])
    kw["tw_early_min"] = np.asarray(p.tw_early_min)[win]
    kw["tw_late_min"] = np.asarray(p.tw_late_min)[win]
    jpos = np.full(p.n_jobs, -1, dtype=np.int64)
    jpos[J] = np.arange(J.size)
    kw["fixed_routes"] = tuple(
        tuple(int(jpos[j]) for j in p.fixed_routes[t]) for t in T
    )
    kw["job_ids"] = tuple(p.job_ids[j] for j in J)
    kw["tech_ids"] = tuple(p.tech_ids[t] for t in T)
    return p.replace(**kw)


def _region(
    p: DispatchProblem,
    routes: list[list[int]],
    cand: np.ndarray,
    t0: int,
    k: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Technicians and jobs of the region around technician ``t0``."""
    D = np.asarray(p.duration_min)
    loc = np.asarray(p.job_loc)
    rep = np.array(
        [
            loc[r[len(r) // 2]] if r else p.tech_start_loc[t]
            for t, r in enumerate(routes)
        ]
    )
    T = np.sort(np.argsort(D[rep[t0], rep], kind="stable")[:k])
    inT = np.zeros(p.n_techs, bool)
    inT[T] = True
    mine = [j for t in T for j in routes[t]]
    served = np.zeros(p.n_jobs, bool)
    for r in routes:
        served[r] = True
    un = np.flatnonzero(~served & cand[:, T].any(axis=1))
    if un.size:
        # a job joins when it lies nearer the region's routes it may join than
        # any other route it may join (another route out of its skills or
        # pins does not keep it away)
        start = np.asarray(p.tech_start_loc)
        stops = [
            np.concatenate([loc[r], [start[t]]]).astype(int)
            for t, r in enumerate(routes)
        ]
        sizes = np.array([s.size for s in stops])
        dmin = np.minimum.reduceat(
            D[np.ix_(loc[un], np.concatenate(stops))],
            np.r_[0, np.cumsum(sizes)[:-1]],
            axis=1,
        )
        ok = cand[un]
        near = np.where(ok & inT, dmin, np.inf).min(axis=1)
        far = np.where(ok & ~inT, dmin, np.inf).min(axis=1)
        un = un[near <= far]
    return T, np.union1d(np.asarray(mine, dtype=np.int64), un)


def region_lns(
    p: DispatchProblem,
    routes: list[list[int]],
    cand: np.ndarray,
    permitted: np.ndarray,
    weight: np.ndarray,
    value: np.ndarray,
    n_fixed: list[int],
    *,
    deadline: float,
    seed: int,
    params: DispatchParams,
    memory_budget_mb: float,
) -> dict[str, float]:
    """Improve ``routes`` (full routes, fixed prefixes included) in place until ``deadline``.

    Returns counts for the solver's statistics: regions searched and kept.
    """
    from planner.routing.pyvrp_engine import solve_pyvrp

    rng = np.random.default_rng(seed)
    m = p.n_techs
    k = min(params.lns_techs, m)
    tried = kept = 0
    pp = params.replace(lns_share=0.0)
    while time.perf_counter() + 0.5 * params.lns_sub_s < deadline:
        t0 = int(rng.integers(m))
        T, J = _region(p, routes, cand, t0, k)
        if J.size == 0:
            continue
        tried += 1
        sub = subset_problem(p, J, T)
        jpos = np.full(p.n_jobs, -1, dtype=np.int64)
        jpos[J] = np.arange(J.size)
        init = [[int(jpos[j]) for j in routes[t]] for t in T]
        end = min(deadline, time.perf_counter() + params.lns_sub_s)
        new, _ = solve_pyvrp(
            static_problem(sub),
            cand[np.ix_(J, T)],
            weight[J],
            search_deadline=end,
            seed=int(rng.integers(2**31)),
            max_iterations=None,
            lexicographic=True,
            permitted=permitted[np.ix_(J, T)],
            memory_budget_mb=memory_budget_mb,
            params=pp,
            initial_routes=init,
        )
        trial = []
        for i, t in enumerate(T.tolist()):
            r = [int(J[j]) for j in new[i] if cand[J[j], t]]
            r, _ = repair_route(p, t, [*p.fixed_routes[t], *r], value, n_fixed[t])
            trial.append(r)
        v0 = sum(float(value[routes[t]].sum()) for t in T.tolist())
        v1 = sum(float(value[r].sum()) for r in trial)
        c0 = sum(route_cost(p, t, best_schedule(p, t, routes[t])) for t in T.tolist())
        c1 = sum(
            route_cost(p, t, best_schedule(p, t, r))
            for t, r in zip(T.tolist(), trial, strict=True)
        )
        tol = 1e-9 * max(1.0, abs(v0))
        if v1 > v0 + tol or (v1 >= v0 - tol and c1 < c0 - 1e-9 * max(1.0, c0)):
            kept += 1
            for t, r in zip(T.tolist(), trial, strict=True):
                routes[t] = r
    logger.info("region LNS: %d regions, %d kept", tried, kept)
    return {"lns_regions": float(tried), "lns_kept": float(kept)}
