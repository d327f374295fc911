"""p-median: open ``p`` outlets minimizing demand-weighted travel.

Formulation (Hakimi 1964; ReVelle & Swain 1970)::

    min  sum_i sum_j w_i c_ij x_ij  (+ sum_j f_j y_j for closing costs)
    s.t. sum_j x_ij = 1  for all i,   x_ij <= y_j,   sum_j y_j = p,
         y_j = 1 for forced-open existing outlets, y_j = 0 for excluded sites,
         sum_j b_j y_j <= budget - sum closing_cost   (if a budget is given)
         x, y binary.

Partner sites (third-party providers, ``partners``) serve demand at
``c_ik + partner_fee_k`` per unit weight, are never opened as own outlets and
do not count in ``p``. With at least one own outlet open, point ``i`` then
costs ``min(own nearest, pc_i)`` with ``pc_i`` its cheapest partner, so the
model runs on the capped matrix ``min(c_ij, pc_i)`` (one copy of the matrix,
made only when partners are given) with the partner columns closed.
The budget follows :mod:`planner.siting._options`: ``b_j`` is the
``fixed_cost`` of an own outlet, minus its closing cost for an existing outlet
that may close; closing costs count against it, partner fees do not.

Heuristic (``method="heuristic"``): greedy add, then fast vertex substitution
(best-improvement swaps, Whitaker 1983 / Resende & Werneck 2007, vectorized in
numpy over the dense matrix), randomized-greedy restarts driven by ``seed``,
and a Lagrangian relaxation of the assignment rows solved by subgradient
optimization (Beasley 1993): it gives the lower bound that every plan reports,
and its relaxed solutions seed more local searches. On matrices above
:data:`AUTO_EXACT_MAX_ENTRIES` entries (no budget) the swaps run on each
point's nearest candidates instead (:mod:`planner.siting._sparse_swap`, the
same swap values without passing over the whole matrix) inside an iterated
local search before and after the Lagrangian bound; there a dense search costs
seconds a descent, the sparse one milliseconds a round.

Exact (``method="exact"``): the heuristic's plan and Lagrangian multipliers
reduce the problem first (Lagrangian reduced-cost fixing: a candidate whose
forced opening or closing lifts the bound above the incumbent is fixed), then
a Lagrangian branch-and-bound (:mod:`planner.siting._lagrange_bb`: the same
bound at every node, warm-started, with reduced-cost fixing in the tree; a
node costs milliseconds). Where that tree would take long (its searched share
is tracked; the nodes hardly prune when the root gap is mostly the
subgradient's inaccuracy) or on larger matrices,
a branch-and-Benders-cut on the master over ``y`` and one service cost per
point (Duran-Mateluna, Ales & Elloumi 2023; see
:mod:`planner.siting._benders`): combinatorial optimality cuts from the sorted
distance levels in a root LP cut loop, LP reduced-cost fixing and probing,
then the master MIP in HiGHS (``highspy``) with cuts added at its integer
solutions until they are true plans (on a compact copy of the master, see
:mod:`planner.siting._benders`). OR-Library pmed1..40 figures are in
``benchmarks/README.md`` (Siting). The earlier path (the full radius
formulation of Garcia, Labbe & Marin 2011, :mod:`planner.siting._radius`,
after Lagrangian probing) stays available as ``_exact(..., engine="radius")``.
On a time limit the best plan so far is returned with its bound.

With a budget the heuristic keeps every plan within it (greedy adds leave room
for the outlets still to open, swaps over budget are masked) and the
Lagrangian bound relaxes the budget row with the assignment rows, so it stays
a valid lower bound; the Benders path does not take the budget row, so the
exact solve falls back to the radius MIP with the row added (noted in
``plan.stats.extra["exact_path"]``).
"""

from __future__ import annotations

import dataclasses
import math
import time
from typing import Literal

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from planner.core.checks import check_positive_int, check_positive_number
from planner.core.progress import Heartbeat, ProgressCallback
from planner.core.result import SolveStatus
from planner.core.rng import Seed, as_generator
from planner.siting._benders import benders_pmedian
from planner.siting._common import (
    check_method,
    check_seed,
    heartbeat,
    is_integral,
    make_plan,
    status_for,
)
from planner.siting._highs import solve_mip
from planner.siting._lagrange_bb import lagrange_branch_and_bound, lagrange_fixing
from planner.siting._options import capped_by_partners, partner_cost, resolve
from planner.siting._radius import RadiusModel, build_radius_model
from planner.siting._search import Engine
from planner.siting._sparse_swap import SparseSwap
from planner.siting.options import SiteOptions
from planner.siting.plan import SitingPlan, nearest_open
from planner.siting.problem import check_cost, check_p, check_weights

__all__ = ["solve_pmedian"]

Method = Literal["auto", "heuristic", "exact"]

#: ``method="auto"`` solves exactly up to this many matrix entries.
AUTO_EXACT_MAX_ENTRIES = 2_000_000
#: Lagrangian probing runs when (demand points x remaining candidates) is at most this.
PROBE_MAX_ENTRIES = 4_000_000
#: Wall-time cap of Lagrangian probing without a time limit (else 30 % of it).
PROBE_MAX_S = 30.0
#: The Lagrangian branch-and-bound runs first when (points x remaining
#: candidates) is at most this; the branch-and-Benders-cut takes over after
#: :data:`TREE_MAX_NODES` nodes or half the time limit.
TREE_MAX_ENTRIES = 4_000_000
TREE_MAX_NODES = 20_000
#: ... and when the share of the tree searched puts the whole tree above this
#: many seconds (checked after its first :data:`TREE_MIN_S`).
TREE_EST_MAX_S = 40.0
TREE_MIN_S = 2.0
#: Large matrices with a time limit: the iterated local search runs to this
#: share of it, the Lagrangian to the second (it stops earlier once its step
#: has converged), the iterated search again to the end.
ILS_SHARE = (0.3, 0.65)
#: ... and the second iterated search stops at this share of the limit.
ILS_END = 0.98
#: Without a time limit each iterated search stops after this many rounds in
#: a row without a better plan.
ILS_STALL = 500
#: The sparse search is used when at most this share of the points has its
#: second-nearest open outlet beyond its kept candidates.
SPARSE_MAX_FALLBACK = 0.05


def solve_pmedian(
    cost: npt.ArrayLike,
    weights: npt.ArrayLike | None,
    p: int,
    *,
    options: SiteOptions | None = None,
    time_limit_s: float | None = None,
    seed: Seed = 0,
    method: Method = "auto",
    n_restarts: int = 0,
    lagrange_iterations: int | None = None,
    node_limit: int | None = None,
    improve_every: int | None = None,
    progress: ProgressCallback | None = None,
) -> SitingPlan:
    """Open ``p`` outlets minimizing the demand-weighted cost to the nearest.

    Parameters
    ----------
    cost
        Demand x candidate matrix (minutes or metres), float32 or float64 is
        used without a copy.
    weights
        Demand per point (``None``: all 1).
    p
        Number of outlets to open.
    options
        :class:`~planner.siting.SiteOptions`. Existing outlets are forced
        open unless a ``closing_cost`` (in objective units) lets them close;
        each point may be served by a partner at its cost plus the
        ``partner_fee`` (per unit weight); ``fixed_cost`` only enters the
        budget, not the objective.
    time_limit_s
        Wall-time limit of the exact solve (``None``: none).
    seed
        Seed of the randomized restarts.
    method
        ``"heuristic"``, ``"exact"`` or ``"auto"`` (exact up to
        :data:`AUTO_EXACT_MAX_ENTRIES` matrix entries).
    n_restarts
        Randomized-greedy restarts after the plain greedy start (default 0:
        the local searches from Lagrangian relaxed solutions improve the plan
        more per second, and before an exact solve two restarts cost 1.8 s
        over pmed1..40 without changing the branch-and-cut's work).
    lagrange_iterations
        Cap on subgradient iterations (default 300 before an exact solve,
        100 for a heuristic one, or 1,000 on matrices above
        :data:`AUTO_EXACT_MAX_ENTRIES` entries where no exact solve follows
        and the bound converges more slowly).
    node_limit
        Node cap of the exact solve's Lagrangian tree and of its master MIP,
        each (a deterministic stop: the tree's hand-over estimate, which uses
        the clock, is off then).
    improve_every
        A local search starts from the Lagrangian relaxed solution every so
        many subgradient iterations (``0``: never). Default 100 in heuristic
        mode (once; on pmed1..40 this halves the time of every 50th for a
        mean gap of 0.03 % instead of 0.014 %), 50 before an exact solve.
        Matrices above :data:`AUTO_EXACT_MAX_ENTRIES` entries default to
        their own schedule (none beside the iterated search, or a search
        every 300 iterations); a value given here holds there too.
    progress
        Called with :class:`~planner.core.progress.Progress` records during
        long solves (also logged at INFO by ``planner.siting.pmedian``).

    Returns
    -------
    SitingPlan
        ``objective`` and a proven lower ``bound``; ``status`` is ``OPTIMAL``
        when they meet.

    Raises
    ------
    InputError
        Bad arrays, options or seed.
    InfeasibleError
        No ``p`` outlets fit the budget.

    Examples
    --------
    >>> cost = np.array([[0, 4, 9], [4, 0, 5], [9, 5, 0], [8, 6, 1]])
    >>> plan = solve_pmedian(cost, [1, 1, 1, 1], 2)
    >>> plan.objective, plan.bound, plan.status.value
    (5.0, 5.0, 'optimal')
    >>> part = solve_pmedian(cost, [2, 1, 1, 1], 1,
    ...                      options=SiteOptions(partners=[2], partner_fee=2))
    >>> part.open_idx.tolist(), part.partner_idx.tolist(), part.objective
    ([0], [2], 9.0)
    """
    t0 = time.perf_counter()
    time_limit_s = check_positive_number(time_limit_s, "time_limit_s", allow_none=True)
    C = check_cost(cost)
    n, m = C.shape
    w = check_weights(weights, n)
    opt = resolve(options, m)
    seed_int = check_seed(seed)
    check_method(method)
    hb = heartbeat(__name__, "p-median", progress)
    ex, forced, excl = opt.existing, opt.forced, opt.banned
    f = np.zeros(m)
    f[ex] = -opt.closing
    p = check_p(p, m, n_forced=forced.size, n_excluded=excl.size)
    opt.check_budget("p-median", n_open=p, at_most=False)
    C0 = C
    pc = pk = None
    if opt.partners.size:
        pc, pk = partner_cost(C, opt.partners, opt.fee)
        pc = pc.astype(C.dtype).astype(np.float64)  # the precision of the copy
        C = capped_by_partners(C, pc)
    if method == "auto":
        method = "exact" if n * m <= AUTO_EXACT_MAX_ENTRIES else "heuristic"
    n_restarts = check_positive_int(n_restarts, "n_restarts", minimum=0)
    if improve_every is not None:
        improve_every = check_positive_int(improve_every, "improve_every", minimum=0)
    if lagrange_iterations is not None:
        lagrange_iterations = check_positive_int(
            lagrange_iterations, "lagrange_iterations"
        )
    if node_limit is not None:
        node_limit = check_positive_int(node_limit, "node_limit")
    const = -float(f.sum())  # closing costs are paid for every existing not kept
    hb.offset = const  # every stage's heartbeat in the plan's objective units
    rng = as_generator(seed)
    eng = Engine(
        C, w, f, p=p, forced=forced, banned=excl, budget_cost=opt.b, budget_cap=opt.cap
    )
    eng.heartbeat = hb
    hb(f"{n:,} x {m:,}, p = {p}, {method}", force=True)
    if time_limit_s is not None:
        # the heuristic phase gets all of a heuristic run, half of an exact one
        share = 1.0 if method == "heuristic" else 0.5
        eng.deadline = t0 + share * float(time_limit_s)
    integral = is_integral(w, f) and is_integral(C)

    large = n * m > AUTO_EXACT_MAX_ENTRIES
    lim_end = eng.deadline
    # -- large matrices: swaps on each point's nearest candidates, iterated
    start = eng.greedy(p)
    sw = _sparse_start(eng, p, start) if large and opt.cap is None else None
    ils_rounds = 0

    def ils(share: float) -> None:
        """The iterated search to ``share`` of the limit (or to its stall rule)."""
        nonlocal ils_rounds
        assert sw is not None
        if time_limit_s is not None:
            eng.deadline = t0 + share * (lim_end - t0)
        done = ils_rounds
        ils_rounds += sw.iterate(
            rng,
            eng.deadline,
            stall=None if time_limit_s else ILS_STALL,
            report=lambda r, v: hb("iterated local search", done=done + r, best=v),
        )

    if sw is not None:
        ils(ILS_SHARE[0])
        best, best_v = sw.S.copy(), sw.value
        hb("iterated local search", best=best_v)
        if time_limit_s is not None:
            eng.deadline = t0 + ILS_SHARE[1] * (lim_end - t0)
    else:
        # -- heuristic: greedy + swaps, randomized restarts
        best = eng.local_search(start)
        best_v = eng.value(best)
        for _ in range(n_restarts):
            if time.perf_counter() > eng.deadline:
                break
            S = eng.local_search(eng.greedy(p, rng=rng, rcl=3))
            v = eng.value(S)
            if v < best_v - 1e-9 * max(1.0, abs(best_v)):
                best, best_v = S, v
        hb("greedy + swap", best=best_v)
    # -- Lagrangian bound, seeded by the incumbent's assignment costs
    d1, _, _ = eng.nearest2(best)
    if lagrange_iterations is None:
        if large:
            # a long run to the deadline when there is one
            lagrange_iterations = 1000 if time_limit_s is None else 100_000
        else:
            lagrange_iterations = 300 if method == "exact" else 100
    if improve_every is not None:
        improve = improve_every  # the caller's schedule, on every path
    elif sw is not None:
        improve = 0  # the iterated search below improves the plan more per second
    elif large:
        # on large matrices a local search from the relaxed solution every
        # 300 iterations (each costs a few seconds there, and lowers the
        # incumbent more than restarts do)
        improve = 300
    else:
        improve = 50 if method == "exact" else 100
    lag = eng.lagrange(
        best_v,
        w * d1,
        max_iter=lagrange_iterations,
        patience=15,
        integral=integral,
        improve_every=improve,
        ub_set=best,
        schedule="progress" if large else "patience",
    )
    if lag.best_open is not None and lag.best_value < best_v:
        best, best_v = lag.best_open, lag.best_value
    if sw is not None:
        ils(ILS_END)  # a little time is left for the plan's assignment and frames
        if sw.value < best_v:
            best = sw.S.copy()
        best_v = eng.value(best)  # exact, free of the search's running sums
    lb = lag.bound
    if integral:
        lb = math.ceil(lb - 1e-6)
    lb = min(lb, best_v)
    solver = "greedy+swap+lagrange"
    extra: dict[str, float | int | str] = {
        "lagrange_iterations": lag.n_iterations,
        "swap_evaluations": eng.n_evals,
    }
    if sw is not None:
        extra["ils_rounds"] = ils_rounds
        extra["ils_moves"] = sw.n_moves
    if opt.cap is not None:
        extra["budget_spent"] = opt.spend(best)
    status = status_for(best_v, lb, integral=integral)
    if method == "exact" and status is not SolveStatus.OPTIMAL:
        remaining = None
        if time_limit_s is not None:
            remaining = max(0.01, time_limit_s - (time.perf_counter() - t0))
        args = (C, w, f, p, forced, excl)
        if opt.cap is None:
            best, best_v, lb, info = _exact(
                *args,
                best,
                best_v,
                lag.rho,
                lag.bound,
                lag.lam,
                integral=integral,
                time_limit_s=remaining,
                node_limit=node_limit,
                heartbeat=hb,
            )
            extra.update(info)
            if info.get("tree_status") == "proven":
                solver = "lagrange fixing + Lagrangian branch-and-bound"
            else:
                solver = "branch-and-Benders-cut (Duran-Mateluna et al.) on highspy + lagrange fixing"
        else:
            best, best_v, lb, info = _exact_budget(
                *args,
                best,
                best_v,
                lag.rho,
                lag.bound,
                lag.lam,
                integral=integral,
                time_limit_s=remaining,
                node_limit=node_limit,
                budget_row=(opt.b, opt.cap),
                heartbeat=hb,
            )
            extra.update(info)
            solver = str(info["exact_path"])
            extra["budget_spent"] = opt.spend(best)
        status = status_for(best_v, lb, integral=integral)
    hb(f"done, {status.value}", best=best_v, bound=lb, force=True)
    return make_plan(
        "pmedian",
        C,
        w,
        best,
        assign=_assign(C0, best, pc, pk),
        partners=opt.partners,
        options=opt,
        travel_cost=C0,
        objective=best_v + const,
        bound=lb + const,
        status=status,
        solver=solver,
        runtime_s=time.perf_counter() - t0,
        n_iterations=int(lag.n_iterations),
        seed=seed_int,
        extra=extra,
        existing=ex,
    )


def _sparse_start(eng: Engine, p: int, start: np.ndarray) -> SparseSwap | None:
    """The sparse search from ``start``, or ``None`` when too many rows fall back to dense."""
    srt = eng.sorted_rows()
    if srt is None or p < 2:
        return None
    sw = SparseSwap(
        eng.C,
        eng.w,
        eng.f,
        srt,
        start,
        forced=np.flatnonzero(eng.forced),
        banned=np.flatnonzero(eng.banned),
    )
    if float(sw.fb.mean()) > SPARSE_MAX_FALLBACK:
        return None
    return sw


def _exact(
    C: np.ndarray,
    w: np.ndarray,
    f: np.ndarray,
    p: int,
    forced: np.ndarray,
    excl: np.ndarray,
    best: np.ndarray,
    best_v: float,
    rho: np.ndarray,
    lag_bound: float,
    lam: np.ndarray,
    *,
    integral: bool,
    time_limit_s: float | None,
    node_limit: int | None,
    engine: str = "benders",
    budget_row: tuple[np.ndarray, float] | None = None,
    heartbeat: Heartbeat | None = None,
) -> tuple[np.ndarray, float, float, dict[str, float | int | str]]:
    """Reduce by Lagrangian reduced costs, then a Lagrangian tree, then branch-and-Benders-cut.

    ``engine="radius"`` solves the full radius MIP on the reduced candidates
    instead (the earlier method, kept for comparison; the path with a
    ``budget_row`` ``(b, cap)``: ``b @ y <= cap``). Fixing by the Lagrangian
    (which ignores the budget) stays valid: it relaxes the budgeted problem.
    """
    m = C.shape[1]
    fixed0, fixed1 = lagrange_fixing(rho, lag_bound, best_v, p, forced, excl, integral)
    keep = np.setdiff1d(np.arange(m), np.union1d(excl, fixed0))
    fixed_open = np.union1d(forced, fixed1)
    info: dict[str, float | int | str] = {
        "fixed_closed": int(fixed0.size),
        "fixed_open": int(fixed1.size),
    }
    if engine == "benders":
        rows = np.flatnonzero(w > 0)
        if rows.size * keep.size <= TREE_MAX_ENTRIES:
            t_tree = time.perf_counter()
            deadline = math.inf if time_limit_s is None else t_tree + 0.5 * time_limit_s
            in_keep = np.isin(best, keep).all()
            tree = lagrange_branch_and_bound(
                np.asarray(C[np.ix_(rows, keep)]),
                w[rows],
                f[keep],
                p,
                np.searchsorted(keep, fixed_open),
                lam[rows],
                np.searchsorted(keep, best) if in_keep else None,
                best_v,
                integral=integral,
                deadline=deadline,
                node_limit=min(node_limit or TREE_MAX_NODES, TREE_MAX_NODES),
                give_up_s=TREE_EST_MAX_S if node_limit is None else None,
                min_s=TREE_MIN_S,
                heartbeat=heartbeat,
            )
            info |= tree.info
            if tree.value < best_v:
                best, best_v = np.sort(keep[tree.open_set]), tree.value
            lag_bound = max(lag_bound, tree.bound)
            if tree.proven:
                lb = math.ceil(best_v - 1e-6) if integral else best_v
                return best, best_v, min(lb, best_v), info
            if time_limit_s is not None:
                time_limit_s = max(0.01, time_limit_s - (time.perf_counter() - t_tree))
        keep = np.union1d(keep, best)
        sub = np.asarray(C[np.ix_(rows, keep)], dtype=np.float64)
        pos = np.searchsorted(keep, fixed_open)
        r = benders_pmedian(
            sub,
            np.asarray(w[rows], dtype=np.float64),
            np.asarray(f[keep], dtype=np.float64),
            p,
            pos,
            np.searchsorted(keep, best),
            best_v,
            integral=integral,
            time_limit_s=time_limit_s,
            node_limit=node_limit,
            heartbeat=heartbeat,
        )
        info |= r.info
        lb = max(lag_bound, r.bound)
        if integral:
            lb = math.ceil(lb - 1e-6)
        return np.sort(keep[r.open_set]), r.value, min(lb, r.value), info
    t_probe = time.perf_counter()
    if keep.size * C.shape[0] <= PROBE_MAX_ENTRIES:
        budget = PROBE_MAX_S if time_limit_s is None else 0.3 * time_limit_s
        keep, n_probed = lagrange_probe(
            C,
            w,
            f,
            p,
            keep,
            fixed_open,
            lam,
            best_v,
            integral,
            deadline=t_probe + budget,
        )
        info["probe_closed"] = n_probed
        info["probe_s"] = time.perf_counter() - t_probe
        if time_limit_s is not None:
            time_limit_s = max(0.01, time_limit_s - (time.perf_counter() - t_probe))
    if keep.size < p:
        # no plan better than the incumbent exists: it is optimal
        info["mip_status"] = "skipped: incumbent proven optimal by probing"
        lb = math.ceil(best_v - 1e-6) if integral else best_v
        return best, best_v, min(lb, best_v), info
    model = build_radius_model(
        C, w, f, p=p, keep=keep, fixed_open=fixed_open, start_set=best
    )
    if budget_row is not None:
        model = _with_budget_row(model, budget_row[0], budget_row[1])
    res = solve_mip(
        model.c,
        model.A,
        model.row_lo,
        model.row_hi,
        model.col_lo,
        model.col_hi,
        model.integer,
        offset=model.offset,
        time_limit_s=time_limit_s,
        start=model.start,
        abs_gap=(1 - 1e-6) if integral else 1e-6,
        node_limit=node_limit,
        heartbeat=heartbeat,
        label="radius MIP",
    )
    info |= {
        "mip_rows": int(model.A.shape[0]),
        "mip_cols": int(model.A.shape[1]),
        "mip_nonzeros": int(model.A.nnz),
        "mip_nodes": res.n_nodes,
        "mip_status": res.status,
        "mip_runtime_s": res.runtime_s,
    }
    if res.x is not None:
        y = res.x[: model.cand.size] > 0.5
        S = model.cand[y]
        fits = budget_row is None or budget_row[0][S].sum() <= budget_row[1] + 1e-6
        if S.size == p and fits:
            d = C[:, S].min(axis=1)
            v = float(w @ d) + float(f[S].sum())
            if v < best_v:
                best, best_v = np.sort(S), v
    # optimum = min(incumbent, restricted optimum) >= min(incumbent, MIP bound)
    mip_bound = res.bound if not res.infeasible else math.inf
    lb = max(lag_bound, min(best_v, mip_bound))
    if integral:
        lb = math.ceil(lb - 1e-6)
    return best, best_v, min(lb, best_v), info


def _exact_budget(
    C: np.ndarray,
    w: np.ndarray,
    f: np.ndarray,
    p: int,
    forced: np.ndarray,
    excl: np.ndarray,
    best: np.ndarray,
    best_v: float,
    rho: np.ndarray,
    lag_bound: float,
    lam: np.ndarray,
    *,
    integral: bool,
    time_limit_s: float | None,
    node_limit: int | None,
    budget_row: tuple[np.ndarray, float],
    heartbeat: Heartbeat | None = None,
) -> tuple[np.ndarray, float, float, dict[str, float | int | str]]:
    """Exact p-median with a budget row.

    The Benders path takes no budget row, so it first solves the problem
    without it (a relaxation: its bound is valid here) from the budget-feasible
    incumbent. If the plan it returns fits the budget, that settles it as far
    as its bound goes; otherwise the radius MIP with the budget row follows
    (in the remaining time), and the better of the two bounds is kept.
    """
    t0 = time.perf_counter()
    b, cap = budget_row
    tol = 1e-9 * max(1.0, abs(cap))
    first = None if time_limit_s is None else 0.5 * time_limit_s
    S_r, v_r, lb_r, info_r = _exact(
        C,
        w,
        f,
        p,
        forced,
        excl,
        best,
        best_v,
        rho,
        lag_bound,
        lam,
        integral=integral,
        time_limit_s=first,
        node_limit=node_limit,
        heartbeat=heartbeat,
    )
    info: dict[str, float | int | str] = {f"relaxed_{k}": v for k, v in info_r.items()}
    if float(b[S_r].sum()) <= cap + tol and v_r < best_v:
        best, best_v = S_r, v_r
    lb = min(lb_r, best_v)  # the relaxation's bound holds for the budgeted problem
    if status_for(best_v, lb, integral=integral) is SolveStatus.OPTIMAL:
        info["exact_path"] = (
            "branch-and-Benders-cut without the budget row (its optimum fits)"
        )
        return best, best_v, lb, info
    remaining = None
    if time_limit_s is not None:
        remaining = max(0.01, time_limit_s - (time.perf_counter() - t0))
    best, best_v, lb2, info2 = _exact(
        C,
        w,
        f,
        p,
        forced,
        excl,
        best,
        best_v,
        rho,
        lag_bound,
        lam,
        integral=integral,
        time_limit_s=remaining,
        node_limit=node_limit,
        engine="radius",
        budget_row=budget_row,
        heartbeat=heartbeat,
    )
    info |= info2
    info["exact_path"] = (
        "highspy radius MIP with the budget row (the Benders path takes none; "
        "its relaxed optimum broke the budget) + lagrange fixing"
    )
    lb = max(lb, lb2)
    if integral:
        lb = math.ceil(lb - 1e-6)
    return best, best_v, min(lb, best_v), info


def _with_budget_row(model: RadiusModel, b: np.ndarray, cap: float) -> RadiusModel:
    """The radius model with ``sum_j b_j y_j <= cap`` appended."""
    mk = model.cand.size
    row = np.zeros(model.A.shape[1])
    row[:mk] = b[model.cand]
    A = sp.vstack([model.A, sp.csr_matrix(row[None, :])], format="csc")
    return dataclasses.replace(
        model,
        A=A,
        row_lo=np.append(model.row_lo, -np.inf),
        row_hi=np.append(model.row_hi, cap),
    )


def _assign(
    C: np.ndarray,
    open_idx: np.ndarray,
    pc: np.ndarray | None,
    pk: np.ndarray | None,
) -> tuple[np.ndarray, np.ndarray]:
    """Nearest open outlet, or the cheapest partner where that costs less."""
    ai, ac = nearest_open(C, open_idx)
    if pc is not None and pk is not None:
        use = pc < ac
        ai[use] = pk[use]
        ac[use] = pc[use]
    return ai, ac


def lagrange_probe(
    C: np.ndarray,
    w: np.ndarray,
    f: np.ndarray,
    p: int,
    keep: np.ndarray,
    fixed_open: np.ndarray,
    lam: np.ndarray,
    ub: float,
    integral: bool,
    *,
    iterations: int = 100,
    deadline: float = math.inf,
) -> tuple[np.ndarray, int]:
    """Lagrangian probing: close every candidate whose forced opening cannot beat ``ub``.

    For each remaining free candidate ``j`` (least promising first) the
    Lagrangian dual is re-optimized, warm-started from ``lam``, with ``j``
    forced open and the candidates closed so far banned. If its bound reaches
    ``ub`` (``ub - 1`` for integral data) no plan better than the incumbent
    opens ``j``, so ``j`` is closed. Each probe is valid given the earlier ones,
    because all of them describe the set of strictly better plans. Works on a
    copy of the kept columns only (bounded by :data:`PROBE_MAX_ENTRIES`) and
    stops at ``deadline`` (``time.perf_counter()`` value).
    Returns the candidates still kept and the number closed.
    """
    sub = np.ascontiguousarray(C[:, keep])
    fk = f[keep]
    pos_open = np.searchsorted(keep, fixed_open)
    base = Engine(sub, w, fk, p=p, forced=pos_open, banned=np.zeros(0, np.int64))
    rho = base.reduced_costs(lam)
    srt = base.sorted_rows()
    free = np.setdiff1d(np.arange(keep.size), pos_open)
    order = free[np.argsort(-rho[free], kind="stable")]
    thr = ub - (1 - 1e-6) if integral else ub - 1e-9 * max(1.0, abs(ub))
    closed: list[int] = []
    for j in order:
        if keep.size - len(closed) < p or time.perf_counter() > deadline:
            break
        eng = Engine(
            sub,
            w,
            fk,
            p=p,
            forced=np.append(pos_open, j),
            banned=np.asarray(closed, dtype=np.int64),
            sorted_rows=srt,
        )
        res = eng.lagrange(ub, lam, max_iter=iterations, patience=10, integral=integral)
        if res.bound > thr:
            closed.append(int(j))
    mask = np.ones(keep.size, dtype=bool)
    mask[closed] = False
    return keep[mask], len(closed)
