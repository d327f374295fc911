"""The dispatch day as a PyVRP model (``pyvrp.ProblemData``).

* Each (job, window) is a PyVRP client; several windows of one job form a
  mutually exclusive optional client group. Each technician is a vehicle
  type: start/end depot, the shift as time window with fixed departure at
  shift start, nominal duration, overtime with its cost, van stock and load
  as capacity dimensions (so parts are exact). A fixed route prefix moves the
  vehicle's start to the end of its last fixed visit.
* Skills and pins: as load dimensions (:func:`skill_dims`): a job delivers
  a unit of each dimension it needs, a technician who may not do it carries
  none, so a route is within its loads exactly when its technician may do
  every job on it; the unit outweighs any prize at PyVRP's penalties. One
  routing profile for everyone. Without ``skill_loads`` (or above 32
  dimensions): one routing profile per distinct set of allowed jobs
  (technicians with equal sets share one), whose arcs into a job it may not
  serve cost more than any prize; over the memory budget, rare sets share
  the largest profile whose allowed jobs are a subset of theirs.
* Prizes are lexicographic: every job is worth more than the whole travel and
  overtime it can cause (``prize_scale`` times), scaled by its weight
  (urgency), plus a bonus for each
  minute of service it takes less than the longest job (``service_bonus``),
  so among plans serving as many jobs the one with less busy time wins.
* Breaks are not modelled by PyVRP: the nominal shift is shortened by the
  break (pessimistic when the break could be taken while waiting); the
  solver places the break afterwards and repairs.
* Times go to PyVRP in integer ticks of 1/1000 minute, with travel and
  service rounded up and window ends rounded down, so a route feasible for
  PyVRP is feasible in exact minutes.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from planner.routing.params import DispatchParams
from planner.routing.problem import DispatchProblem
from planner.routing.schedule import TOL, best_schedule, schedule_route

__all__ = ["TICKS_PER_MIN", "PyvrpModel", "build_model", "initial_solution"]

logger = logging.getLogger(__name__)

TICKS_PER_MIN = 1000
COST_SCALE = 10_000  # internal cost units per currency unit
_INF_TICKS = np.iinfo(np.int64).max // 4


def ceil_ticks(x: np.ndarray | float) -> np.ndarray:
    """Minutes to ticks, rounded up."""
    return np.ceil(np.asarray(x, float) * TICKS_PER_MIN - 1e-6).astype(np.int64)


def floor_ticks(x: np.ndarray | float) -> np.ndarray:
    """Minutes to ticks, rounded down (infinite values to a large tick count)."""
    a = np.asarray(x, float) * TICKS_PER_MIN + 1e-6
    return np.where(
        np.isfinite(a), np.floor(np.where(np.isfinite(a), a, 0)), _INF_TICKS
    ).astype(np.int64)


@dataclass
class PyvrpModel:
    """A built PyVRP model and how its clients map back to jobs.

    ``client_job[c]`` is the job of client ``c``; ``first_client[j]`` the
    first client (window) of job ``j``; ``allowed`` (jobs in the model x
    technicians) whom each job's profile permits; ``dur_t`` the tick matrix
    over the model's locations (depots first); ``g`` the share of allowed
    (job, technician) pairs; ``prize_scale`` how much the prizes were scaled
    up (PyVRP's penalties are scaled as much).
    """

    data: Any
    jobs: list[int]
    client_job: list[int]
    first_client: dict[int, int]
    n_dep: int
    dur_t: np.ndarray
    allowed: np.ndarray
    n_profiles: int
    build_est_s: float
    g: float
    prize_scale: float = 1.0
    n_skill_dims: int = 0

    def client_arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Per client: window early, late, service (ticks) and location index among jobs."""
        cl = self.data.clients()
        return (
            np.array([c.tw_early for c in cl], float),
            np.array([c.tw_late for c in cl], float),
            np.array([c.service_duration for c in cl], float),
            np.array([c.location - self.n_dep for c in cl], np.int64),
        )


def _prizes(
    p: DispatchProblem,
    weight: np.ndarray,
    d_ll: np.ndarray,
    cost_f: np.ndarray,
    cost_t: np.ndarray,
    lexicographic: bool,
    params: DispatchParams,
) -> tuple[np.ndarray, int]:
    """Prize of every job (internal cost units) and the prohibitive arc cost."""
    d = p.duration_min
    ot_tick = p.overtime_per_hour.astype(float) / 60.0 / TICKS_PER_MIN * COST_SCALE
    big = int(
        2 * cost_t.max()
        + ot_tick.max()
        * (float(np.max(p.service_min)) + 2 * float(d.max()))
        * TICKS_PER_MIN
        + 1
    )
    svc_min = p.service_min.astype(float)
    bonus = np.zeros(p.n_jobs)
    if lexicographic and params.service_bonus > 0:
        # the cost of one minute of travel (time and typical distance)
        moving = d_ll > 0
        per_min = (
            float(np.median(cost_f[moving] / d_ll[moving])) if moving.any() else 0.0
        )
        bonus = params.service_bonus * per_min * (svc_min.max() - svc_min)
        big += math.ceil(bonus.max())
    if lexicographic:
        prize = np.maximum(1, np.rint(weight * big * params.prize_scale + bonus))
    else:
        prize = np.rint(p.drop_penalty.astype(float) * COST_SCALE)
    prize = prize.astype(np.int64)
    return prize, int(prize.max() * 4 + big)


def _profiles(
    allowed: np.ndarray, memory_budget_mb: float, n_loc: int
) -> tuple[list[np.ndarray], np.ndarray]:
    """Allowed-job columns of each profile and each technician's profile."""
    k, m = allowed.shape
    keys = [np.packbits(allowed[:, t]).tobytes() for t in range(m)]
    freq: dict[bytes, int] = {}
    for k_ in keys:
        freq[k_] = freq.get(k_, 0) + 1
    per_profile = 2 * 8 * n_loc**2
    max_prof = max(1, int(memory_budget_mb * 1e6 // per_profile))
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
        elif not prof_cols[-1].any():  # nothing narrower: a profile allowing no job
            tech_prof[t] = len(prof_cols) - 1
        else:
            prof_cols.append(np.zeros(k, bool))
            tech_prof[t] = len(prof_cols) - 1
    return prof_cols, tech_prof


Dims = tuple[np.ndarray, np.ndarray]


def dims_by_pattern(allowed: np.ndarray) -> Dims:
    """One dimension per distinct restricted column of ``allowed`` (jobs x techs)."""
    k, m = allowed.shape
    index: dict[bytes, int] = {}
    pats: list[np.ndarray] = []
    lack_of = np.full(m, -1)
    for t in range(m):
        c = allowed[:, t]
        if not c.all():
            key = np.packbits(c).tobytes()
            if key not in index:
                index[key] = len(pats)
                pats.append(c)
            lack_of[t] = index[key]
    need = ~np.array(pats, bool).reshape(len(pats), k).T
    lack = lack_of[:, None] == np.arange(len(pats))[None, :]
    return need, lack


def dims_by_skill(p: DispatchProblem, jobs: list[int]) -> Dims:
    """One dimension per skill some technician lacks, one per technician jobs are pinned to."""
    m = p.n_techs
    js, ts = np.asarray(p.job_skills)[jobs], np.asarray(p.tech_skills)
    sk = [q for q in range(ts.shape[1]) if (~ts[:, q]).any() and js[:, q].any()]
    pin = np.asarray(p.job_pinned_tech)[jobs]
    pinned = np.unique(pin[pin >= 0])
    need = np.concatenate([js[:, sk], pin[:, None] == pinned[None, :]], axis=1)
    lack = np.concatenate(
        [~ts[:, sk], np.arange(m)[:, None] != pinned[None, :]], axis=1
    )
    return need, lack


def allows(d: Dims) -> np.ndarray:
    """Jobs x techs: the technician carries every dimension the job needs."""
    need, lack = d
    return ~(need.astype(np.int32) @ lack.T.astype(np.int32)).astype(bool)


def skill_dims(
    p: DispatchProblem, jobs: list[int], allowed: np.ndarray, most: int = 32
) -> Dims | None:
    """Who may do which job as load dimensions: ``need`` (jobs x D), ``lack`` (techs x D).

    A job delivers a unit of each dimension it needs; a technician lacking a
    dimension carries none of it, the others unlimited: a route is within
    these loads exactly when its technician may do every job on it. Of the
    two encodings (:func:`dims_by_pattern`, always exact; :func:`dims_by_skill`,
    used only where it gives ``allowed`` exactly) the one with fewer
    dimensions; None above ``most`` (the model then uses routing profiles).
    """
    cands = [dims_by_pattern(allowed)]
    by_skill = dims_by_skill(p, jobs)
    if np.array_equal(allows(by_skill), allowed):
        cands.append(by_skill)
    best = min(cands, key=lambda d: d[0].shape[1])
    return None if best[0].shape[1] > most else best


def build_model(
    p: DispatchProblem,
    cand: np.ndarray,
    weight: np.ndarray,
    *,
    permitted: np.ndarray,
    lexicographic: bool,
    memory_budget_mb: float,
    params: DispatchParams,
    deadline: float | None,
    required: bool | np.ndarray = False,
) -> PyvrpModel | None:
    """The PyVRP model of the jobs some technician can serve, or None.

    With ``required`` (True, or a boolean mask over all jobs) those jobs must
    be served: PyVRP then searches through infeasible solutions towards one
    serving them all, which optional clients with prizes rarely reach when
    the fleet is tight.

    None when no job is left for the search, or when ``deadline`` (a
    ``perf_counter`` value; None: no limit) leaves no time to build the
    profiles and run a minimal first search at a pessimistic speed: building
    cannot be interrupted, so the greedy pass then plans the day.
    """
    import pyvrp

    n, m = p.n_jobs, p.n_techs
    fixed = [list(r) for r in p.fixed_routes]
    in_fixed = np.zeros(n, bool)
    for r in fixed:
        in_fixed[r] = True
    jobs = [j for j in range(n) if cand[j].any() and not in_fixed[j]]
    if not jobs:
        return None
    d, dist, rates = p.duration_min, p.distance_m, p.rates

    # effective start of each technician (after its fixed prefix, if any)
    eff_start_loc = p.tech_start_loc.copy()
    eff_start_min = p.shift_start_min.astype(float).copy()
    for t, r in enumerate(fixed):
        if r:
            s = schedule_route(p, t, r, -1)
            eff_start_loc[t] = int(p.job_loc[r[-1]])
            eff_start_min[t] = s.end[-1]

    # PyVRP locations: depots first, then one per job
    depot_locs = sorted({*eff_start_loc.tolist(), *p.tech_end_loc.tolist()})
    dep_index = {loc: i for i, loc in enumerate(depot_locs)}
    L = np.array(depot_locs + [int(p.job_loc[j]) for j in jobs], np.int64)
    n_dep = len(depot_locs)
    allowed = permitted[jobs]  # (k, m)
    sdims = skill_dims(p, jobs, allowed) if params.skill_loads else None
    if sdims is not None:
        prof_cols, tech_prof = [np.ones(len(jobs), bool)], np.zeros(m, np.int64)
        skill_need, skill_lack = sdims
    else:
        prof_cols, tech_prof = _profiles(allowed, memory_budget_mb, len(L))
        skill_need = np.zeros((len(jobs), 0), bool)
        skill_lack = np.zeros((m, 0), bool)
    est_build = params.build_s_per_cell * len(L) ** 2  # s per profile
    if deadline is not None:
        left = deadline - time.perf_counter()
        need = est_build * len(prof_cols) + params.ls_s_per_pair * 20 * len(jobs)
        if left < need:
            logger.info(
                "no time for the PyVRP model (%.1f s left, about %.1f s needed)",
                left,
                need,
            )
            return None

    d_ll = d[np.ix_(L, L)]
    dur_t = ceil_ticks(d_ll)
    cost_f = (
        dist[np.ix_(L, L)] / 1000.0 * rates.travel_per_km
        + d_ll / 60.0 * rates.travel_per_hour
    ) * COST_SCALE
    cost_t = np.rint(cost_f).astype(np.int64)
    np.fill_diagonal(dur_t, 0)
    np.fill_diagonal(cost_t, 0)
    prize, prohibit = _prizes(p, weight, d_ll, cost_f, cost_t, lexicographic, params)
    del cost_f

    # part / load dimensions
    jp = p.job_parts
    pdims = [q for q in range(jp.shape[1]) if jp[jobs, q].any()]
    load = p.job_load
    use_load = bool(np.isfinite(p.tech_capacity).any() and load[jobs].any())
    load_scale = 1000
    big_cap = 1 << 40

    req = np.broadcast_to(np.asarray(required, bool), (n,))
    # a skill unit outweighs any prize at a 25th of PyVRP's top penalty, so
    # the search keeps no route a technician may not do while penalties ease
    scale = params.prize_scale if lexicographic and not req[jobs].all() else 1.0
    top = min(1e9, params.max_penalty * max(1.0, scale))
    skill_unit = max(1, math.ceil(4.0 * float(prize.max()) / top)) * 25
    skill_cap = skill_unit * (len(jobs) + 1)  # more than all jobs deliver
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
        deliv.extend((skill_unit * skill_need[k]).tolist())
        members = []
        first_client[j] = len(clients)
        for w in range(a, b):
            members.append(len(clients))
            clients.append(
                pyvrp.Client(
                    location=n_dep + k,
                    delivery=deliv,
                    service_duration=int(ceil_ticks(p.service_min[j])),
                    tw_early=int(ceil_ticks(p.tw_early_min[w])),
                    # a window narrower than a tick may round to early > late
                    tw_late=max(
                        int(floor_ticks(p.tw_late_min[w])),
                        int(ceil_ticks(p.tw_early_min[w])),
                    ),
                    prize=int(prize[j]),
                    required=bool(req[j]) and b - a == 1,
                    group=len(groups) if b - a > 1 else None,
                )
            )
            client_job.append(j)
        if b - a > 1:
            groups.append(pyvrp.ClientGroup(members, required=bool(req[j])))
    depots = [pyvrp.Depot(location=i) for i in range(n_dep)]

    dist_mats, dur_mats = [], []
    for col in prof_cols:
        c = cost_t.copy()
        bad_loc = n_dep + np.flatnonzero(~col)
        c[:, bad_loc] = prohibit
        c[bad_loc, :] = prohibit
        c[bad_loc, bad_loc] = 0
        dist_mats.append(c)
        dur_mats.append(dur_t)
    logger.info(
        "pyvrp model: %d clients, %d vehicles, %d profiles, %d skill loads",
        len(clients),
        m,
        len(prof_cols),
        skill_need.shape[1],
    )

    # vehicle types
    ot_tick = p.overtime_per_hour.astype(float) / 60.0 / TICKS_PER_MIN * COST_SCALE
    stock, cap = p.tech_stock, p.tech_capacity
    vts = []
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
        capv.extend(np.where(skill_lack[t], 0, skill_cap).tolist())
        tw0 = int(ceil_ticks(start))
        vts.append(
            pyvrp.VehicleType(
                num_available=1,
                capacity=capv,
                start_depot=dep_index[int(eff_start_loc[t])],
                end_depot=dep_index[int(p.tech_end_loc[t])],
                tw_early=tw0,
                tw_late=int(tw0 + floor_ticks(hard)),
                start_late=tw0,
                shift_duration=int(floor_ticks(nom)),
                max_overtime=int(floor_ticks(hard) - floor_ticks(nom)),
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
    g = max(float(allowed.mean()), 1e-3) if allowed.size else 1.0
    return PyvrpModel(
        data,
        jobs,
        client_job,
        first_client,
        n_dep,
        dur_t,
        allowed,
        len(prof_cols),
        est_build * len(prof_cols),
        g,
        # prizes matter only when some job is optional
        params.prize_scale if lexicographic and not req[jobs].all() else 1.0,
        skill_need.shape[1],
    )


def initial_solution(
    model: PyvrpModel, p: DispatchProblem, routes: list[list[int]]
) -> Any:
    """``routes`` (job lists with their fixed prefixes) as a PyVRP solution, or None.

    Each job takes the window its start falls in.
    """
    import pyvrp

    act, typ = pyvrp.Activity, pyvrp.ActivityType.CLIENT
    fixed = p.fixed_routes
    pv_routes = []
    for t, r in enumerate(routes):
        rest = [j for j in r[len(fixed[t]) :] if j in model.first_client]
        if not rest:
            continue
        sch = best_schedule(p, t, r)
        starts = sch.start[len(r) - len(rest) :] if len(sch.start) == len(r) else []
        acts = []
        for i, j in enumerate(rest):
            a = int(p.tw_ptr[j])
            w = 0
            if starts:
                lates = p.tw_late_min[a : int(p.tw_ptr[j + 1])]
                w = int(np.argmax(lates >= starts[i] - TOL))
            acts.append(act(typ, model.first_client[j] + w))
        pv_routes.append(pyvrp.Route(model.data, acts, t))
    return pyvrp.Solution(model.data, pv_routes) if pv_routes else None
