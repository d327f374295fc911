"""PyVRP's iterated local search on the dispatch model, within a clock deadline.

Neighbourhoods: with skills, the first (exhaustive) local search uses
PyVRP's own neighbourhood widened to ``2 * skill_neighbours / g**2`` clients
(``g``: share of jobs a technician may do; at most ``max_neighbours``),
since a client's nearest neighbours share a technician with it only about
``g**2`` of the time; the iterated local search after it uses the
``ils_neighbours`` nearest clients that share a technician
(:func:`compatible_neighbours`), which gives many more iterations.

Time: the first local search cannot be interrupted, so its width is capped to
half the time left at a speed slowed as much as building the model was. The
search stops at a clock deadline (:class:`Deadline`), not after a runtime
counted from PyVRP's first call (which comes only after the first search).
"""

from __future__ import annotations

import logging
import math
import time
import warnings
from typing import Any

import numpy as np

from planner.routing.params import DispatchParams
from planner.routing.problem import DispatchProblem
from planner.routing.pyvrp_model import PyvrpModel, build_model, initial_solution

__all__ = [
    "Deadline",
    "FeasibleBy",
    "compatible_neighbours",
    "polish_pyvrp",
    "solve_pyvrp",
]

logger = logging.getLogger(__name__)


class Deadline:
    """PyVRP stopping criterion: stop once ``time.perf_counter()`` passes ``deadline``."""

    def __init__(self, deadline: float) -> None:
        self.deadline = deadline

    def __call__(self, best_cost: float) -> bool:
        return time.perf_counter() >= self.deadline


def compatible_neighbours(
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


def _run(
    data: Any,
    stop: Any,
    seed: int,
    solve_params: Any,
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
        compute_neighbours(data, solve_params.neighbourhood)
        if neighbours is None
        else as_dict(neighbours)
    )
    rng = pyvrp.RandomNumberGenerator(seed=seed)
    ls = LocalSearch(data, rng, nb, PerturbationManager(solve_params.perturbation))
    for op in solve_params.operators:
        if op.supports(data):
            ls.add_operator(op(data))
    pm = pyvrp.PenaltyManager(
        solve_params.penalty.midpoint_penalties(data), solve_params.penalty
    )
    if init is None:
        random = pyvrp.Solution.make_random(data, rng)
        t_ls = time.perf_counter()
        init = ls(random, pm.max_cost_evaluator(), exhaustive=True)
        logger.info("first local search: %.2f s", time.perf_counter() - t_ls)
    if ils_neighbours is not None:
        ls.neighbours = as_dict(ils_neighbours)
    algo = pyvrp.IteratedLocalSearch(data, pm, ls, init, solve_params.ils)
    return algo.run(stop, False, False, solve_params.display_interval)


def _width(
    model: PyvrpModel,
    params: DispatchParams,
    deadline: float | None,
    t_model: float,
) -> int | None:
    """Neighbourhood width of the first local search (None: no time for it)."""
    k_nb = params.num_neighbours
    if params.compatible_neighbours:  # neighbours share a technician: no widening
        k_nb = params.compat_neighbours
    elif model.g < 0.999:
        k_nb = min(
            params.max_neighbours, math.ceil(2 * params.skill_neighbours / model.g**2)
        )
    n_clients = model.data.num_clients
    if deadline is not None:
        now = time.perf_counter()
        slow = max(1.0, (now - t_model) / (model.build_est_s + 0.05))
        budget = deadline - now
        s_pair = params.ls_s_per_pair * slow * max(1, n_clients)
        if budget < 20 * s_pair:
            logger.info("no time left for the PyVRP search (%.1f s)", budget)
            return None
        k_nb = max(min(k_nb, int(0.5 * budget / s_pair)), min(k_nb, 20))
    return max(1, min(k_nb, n_clients - 1))


class FeasibleBy(Deadline):
    """Stop at ``deadline``, or already at ``cut`` while no feasible solution is known."""

    def __init__(self, cut: float, deadline: float) -> None:
        super().__init__(deadline)
        self.cut = cut

    def __call__(self, best_cost: float) -> bool:
        now = time.perf_counter()
        return now >= self.deadline or (now >= self.cut and best_cost >= 2**62)


def _search(
    model: PyvrpModel,
    init: Any,
    stop: Any,
    *,
    seed: int,
    params: DispatchParams,
    deadline: float | None,
    t_model: float,
) -> Any:
    """PyVRP's result on ``model`` from ``init`` (None: random), or None without time."""
    import pyvrp
    from pyvrp.search import NeighbourhoodParams, PerturbationParams

    k_nb = _width(model, params, deadline, t_model)
    if k_nb is None:
        return None
    logger.info("pyvrp neighbourhood: %d", k_nb)
    solve_params = pyvrp.SolveParams(
        # capped: penalty x time warp in ticks must stay far inside int64
        penalty=pyvrp.PenaltyParams(
            max_penalty=min(1e9, params.max_penalty * max(1.0, model.prize_scale))
        ),
        neighbourhood=NeighbourhoodParams(num_neighbours=k_nb),
        ils=pyvrp.IteratedLocalSearchParams(
            exhaustive_on_best=params.exhaustive_on_best,
            history_length=params.history_length,
            num_iters_no_improvement=params.iters_no_improvement,
        ),
        perturbation=PerturbationParams(max_perturbations=params.max_perturbations),
    )
    ils_k = params.ils_neighbours if model.g < 0.999 else 0
    if params.compatible_neighbours or ils_k:
        tw_e, tw_l, svc, cl_loc = model.client_arrays()
        args = (
            model.dur_t,
            model.n_dep,
            cl_loc,
            model.client_job,
            tw_e,
            tw_l,
            svc,
            model.allowed[cl_loc],
        )
        nbs = (
            compatible_neighbours(*args, k_nb) if params.compatible_neighbours else None
        )
        ils_nbs = compatible_neighbours(*args, ils_k) if ils_k else None
        return _run(model.data, stop, seed, solve_params, nbs, init, ils_nbs)
    return pyvrp.solve(
        model.data,
        stop,
        seed=seed,
        display=False,
        collect_stats=False,
        initial_solution=init,
        params=solve_params,
    )


def _routes(model: PyvrpModel, solution: Any, m: int) -> list[list[int]]:
    """Job lists per technician of a PyVRP solution."""
    import pyvrp

    routes: list[list[int]] = [[] for _ in range(m)]
    for route in solution.routes():
        t = int(route.vehicle_type())
        routes[t] = [
            model.client_job[a.idx]
            for a in route
            if a.type == pyvrp.ActivityType.CLIENT
        ]
    return routes


def solve_pyvrp(
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
    params: DispatchParams,
    initial_routes: list[list[int]] | None = None,
    timing: dict[str, float] | None = None,
    all_required: bool = False,
    width_deadline: float | None = None,
) -> tuple[list[list[int]], int]:
    """Routes per technician (job indices, after any fixed prefix) and iterations.

    With ``max_iterations`` the search is deterministic and ignores the
    deadline. ``timing``, if given, receives the seconds spent building the
    model (``model_s``) and in PyVRP (``search_s``). With ``all_required``
    (the day looks as if every job fits) the search first runs with every
    job required; if it has no feasible solution by ``required_share`` of
    the search time, the search goes on with optional jobs from its best
    solution (with ``max_iterations``: both runs get that many iterations).
    ``width_deadline`` (default ``search_deadline``) is what the first local
    search's width is budgeted against: the region LNS after the search
    lends it time, since it cannot be interrupted and sets the day's travel.
    """
    from pyvrp.exceptions import PenaltyBoundWarning
    from pyvrp.stop import MaxIterations

    t_model = time.perf_counter()
    m = p.n_techs
    fixed = [list(r) for r in p.fixed_routes]
    deadline = search_deadline if max_iterations is None else None
    empty: list[list[int]] = [[] for _ in range(m)]
    kw: dict[str, Any] = {
        "permitted": permitted,
        "lexicographic": lexicographic,
        "memory_budget_mb": memory_budget_mb,
        "params": params,
        "deadline": deadline,
    }
    iters = 0
    t_search = t_model
    if all_required and initial_routes is None:
        model = build_model(p, cand, weight, required=True, **kw)
        if model is not None:
            stop: Any
            if max_iterations is None:
                cut = t_model + params.required_share * (search_deadline - t_model)
                stop = FeasibleBy(cut, search_deadline)
            else:
                stop = MaxIterations(max_iterations)
            t_search = time.perf_counter()
            with warnings.catch_warnings():
                # no feasible plan may exist: then the optional search goes on
                warnings.simplefilter("ignore", PenaltyBoundWarning)
                res = _search(
                    model,
                    None,
                    stop,
                    seed=seed,
                    params=params,
                    deadline=deadline,
                    t_model=t_model,
                )
            if res is not None:
                iters = int(res.num_iterations)
                routes = _routes(model, res.best, m)
                if res.best.is_feasible():
                    if timing is not None:
                        timing["model_s"] = t_search - t_model
                        timing["search_s"] = time.perf_counter() - t_search
                        timing["all_required"] = 1.0
                    return routes, iters
                initial_routes = routes
            logger.info("no plan serving every job yet: optional jobs from here")
    model = build_model(p, cand, weight, **kw)
    if model is None:
        return empty, iters
    init = (
        None if initial_routes is None else initial_solution(model, p, initial_routes)
    )
    stop = (
        MaxIterations(max_iterations)
        if max_iterations is not None
        else Deadline(search_deadline)
    )
    t_search = time.perf_counter()
    wdl = deadline if width_deadline is None or deadline is None else width_deadline
    res = _search(
        model, init, stop, seed=seed, params=params, deadline=wdl, t_model=t_model
    )
    if res is None:
        return [
            list(r[len(f) :])
            for r, f in zip(initial_routes or empty, fixed, strict=True)
        ], iters
    if timing is not None:
        timing["model_s"] = t_search - t_model
        timing["search_s"] = time.perf_counter() - t_search
    return _routes(model, res.best, m), iters + int(res.num_iterations)


def polish_pyvrp(
    p: DispatchProblem,
    cand: np.ndarray,
    weight: np.ndarray,
    routes: list[list[int]],
    *,
    deadline: float,
    seed: int,
    max_iterations: int | None,
    permitted: np.ndarray,
    memory_budget_mb: float,
    params: DispatchParams,
) -> list[list[int]] | None:
    """Less travel for the jobs ``routes`` serve: PyVRP with those jobs required.

    ``routes`` (with their fixed prefixes) are the start; the others stay
    optional with their lexicographic prizes, so one that fits is still
    taken. No short-job bonus: the set is chosen, only travel counts now.
    Returns the routes after the fixed prefixes, or None when PyVRP found no
    feasible plan or had no time.
    """
    from pyvrp.stop import MaxIterations

    t_model = time.perf_counter()
    served = np.zeros(p.n_jobs, bool)
    for r in routes:
        served[r] = True
    for fr in p.fixed_routes:
        served[list(fr)] = False
    pp = params.replace(service_bonus=0.0)
    dl = deadline if max_iterations is None else None
    model = build_model(
        p,
        cand,
        weight,
        permitted=permitted,
        lexicographic=True,
        memory_budget_mb=memory_budget_mb,
        params=pp,
        deadline=dl,
        required=served,
    )
    if model is None:
        return None
    init = initial_solution(model, p, routes)
    if init is None:
        return None
    stop: Any = (
        MaxIterations(max_iterations)
        if max_iterations is not None
        else Deadline(deadline)
    )
    res = _search(model, init, stop, seed=seed, params=pp, deadline=dl, t_model=t_model)
    if res is None or not res.best.is_feasible():
        return None
    return _routes(model, res.best, p.n_techs)
