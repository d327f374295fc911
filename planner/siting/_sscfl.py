"""Single-source capacitated facility location: Lagrangian bound, heuristic, MIP.

Model (``c_ij = w_i C_ij``, integral demands ``w_i``, capacities ``Q_j``)::

    min sum_j f_j y_j + sum_ij c_ij x_ij
    s.t. sum_j x_ij = 1,  sum_i w_i x_ij <= Q_j y_j,  x, y binary

Relaxing the assignment rows with multipliers ``lam`` (Holmberg, Ronnqvist &
Yuan 1999) leaves one 0-1 knapsack per site: ``L(lam) = sum_i lam_i + sum_j
min(0, f_j - P_j)`` with ``P_j = max sum_i (lam_i - c_ij) x_i`` s.t. ``sum_i
w_i x_i <= Q_j``, solved exactly by dynamic programming over the integer
capacity (so ``L`` is a valid bound, well above the LP's). Subgradient ascent
with a Polyak step towards the incumbent maximises it. Each new open set of the
relaxation is repaired into a plan (regret assignment, then shift and swap
moves); the best plan gets close/open moves. At the best multipliers the
knapsack tables give cheap lower bounds on forcing ``y_j`` or ``x_ij``; what
cannot beat the incumbent is fixed, and HiGHS solves the reduced MIP with the
incumbent as cutoff. Its bound (for plans better than the incumbent) and the
Lagrangian bound together give the returned bound.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp

from planner.core.result import SolveStatus
from planner.siting._common import assignment_rows, is_integral, make_plan, status_for
from planner.siting._highs import solve_mip
from planner.siting._sscfl_search import Primal, site_moves
from planner.siting.plan import SitingPlan

if TYPE_CHECKING:
    from planner.core.progress import Heartbeat

__all__ = ["SscflResult", "applicable", "solve_sscfl", "sscfl_plan"]

# the knapsack tables (sites x capacity) may hold at most this many cells
_MAX_CELLS = 4_000_000
# above this many pairs left after fixing the exact MIP is not tried
_MAX_EXACT_PAIRS = 30_000
# a kernel MIP over open sets before fixing up to this many pairs
_MAX_KERNEL_PAIRS = 4_000
# above _MAX_EXACT_PAIRS pairs in all the subgradient repairs a new open set
# into a plan only every this many steps (a plan costs 10x a step at 1,000 x
# 100; the core MIPs make the plan), runs until the step factor is this small
# or this share of the time is spent; below, every improving step gets a plan
# (the exact MIP needs a good incumbent early) down to 0.02, within 30 %
_PLAN_EVERY = 25
_MIN_THETA = 1e-3
_LAG_SHARE = 0.25
# above _MAX_EXACT_PAIRS the exact assignment of the best open set gets only
# this share (the core MIPs assign too; at 35 % it took a third of the run on
# 1,000 x 100 r=3 s=2 and r=5 s=1, with 10 % it is quick on r=10)
_GAP_SHARE_LARGE = 0.1
# core MIPs above _MAX_EXACT_PAIRS: pairs per point, tried in turn
_CORE_PAIRS = (3.0, 6.0, 12.0)


@dataclass(frozen=True, slots=True, eq=False)
class SscflResult:
    """Open columns and assignment (positions in the allowed columns), bound."""

    open_k: np.ndarray
    assign_k: np.ndarray
    objective: float
    bound: float
    info: dict[str, float | int | str] = field(default_factory=dict)


def applicable(w: np.ndarray, cap: np.ndarray) -> bool:
    """Whether the knapsack DP applies: whole demands, tables of bounded size."""
    if not np.all(w == np.round(w)) or np.any(w < 0):
        return False
    q = np.minimum(np.floor(cap + 1e-9), w.sum())
    # one site's DP table holds (its positive points + 1) x (Q_j + 1) values
    return float(q.sum()) <= _MAX_CELLS and w.size * float(q.max()) <= 25 * _MAX_CELLS


def _knapsack(
    p: np.ndarray, wt: np.ndarray, Q: int, *, table: bool = False
) -> tuple[float, np.ndarray, np.ndarray | None]:
    """Max ``p x`` s.t. ``wt x <= Q`` over binary ``x`` (``p > 0``, ``wt`` whole).

    Returns the value, the chosen items and, with ``table``, the best value for
    every capacity ``0..Q``.
    """
    k = p.size
    if k == 0:
        return 0.0, np.zeros(0, bool), (np.zeros(Q + 1) if table else None)
    if not table and int(wt.sum()) <= Q:
        return float(p.sum()), np.ones(k, bool), None
    D = np.zeros((k + 1, Q + 1))
    for t in range(k):
        a, b, v = D[t], D[t + 1], int(wt[t])
        b[:] = a
        if v <= Q:
            np.maximum(a[: Q + 1 - v] + p[t], a[v:], out=b[v:])
    take = np.zeros(k, bool)
    q = Q
    for t in range(k - 1, -1, -1):
        if D[t + 1, q] != D[t, q]:
            take[t] = True
            q -= int(wt[t])
    return float(D[k, Q]), take, (D[k].copy() if table else None)


@dataclass(slots=True)
class _Lag:
    """One evaluation of the Lagrangian at ``lam``."""

    value: float
    open_mask: np.ndarray
    count: np.ndarray  # times each point is served by an open site
    g: np.ndarray  # f_j - P_j
    tables: list[np.ndarray] | None


def _evaluate(
    lam: np.ndarray,
    cT: np.ndarray,
    w: np.ndarray,
    Q: np.ndarray,
    f: np.ndarray,
    forced: np.ndarray,
    *,
    tables: bool = False,
) -> _Lag:
    mk, n = cT.shape
    prof = lam[None, :] - cT
    g = np.empty(mk)
    open_mask = np.zeros(mk, bool)
    count = np.zeros(n)
    tabs: list[np.ndarray] | None = [] if tables else None
    # a site whose positive profits all together do not pay its fixed cost
    # stays closed without a knapsack (its g is then only a lower bound)
    total = np.maximum(prof, 0.0).sum(axis=1)
    skip = (f >= total) & ~forced & (not tables)
    for j in range(mk):
        if skip[j]:
            g[j] = f[j] - total[j]
            continue
        idx = np.flatnonzero(prof[j] > 0)
        P, take, tab = _knapsack(prof[j, idx], w[idx], int(Q[j]), table=tables)
        g[j] = f[j] - P
        if tabs is not None and tab is not None:
            tabs.append(tab)
        if g[j] < 0 or forced[j]:
            open_mask[j] = True
            count[idx[take]] += 1
    value = float(lam.sum() + g[open_mask].sum())
    return _Lag(value, open_mask, count, g, tabs)


def _penalties(
    lag: _Lag,
    lam: np.ndarray,
    cT: np.ndarray,
    w: np.ndarray,
    Q: np.ndarray,
    f: np.ndarray,
    forced: np.ndarray,
) -> np.ndarray:
    """``pen[i, j]``: ``L(lam) + pen[i, j]`` bounds every plan serving ``i`` by ``j``.

    With ``x_ij = 1`` site ``j`` is open, pays ``f_j + c_ij - lam_i`` and packs
    the best of the others into ``Q_j - w_i`` (the knapsack table); the other
    sites keep their terms (forced sites count ``g_j`` whatever its sign).
    """
    assert lag.tables is not None
    g = lag.g
    base = np.where(forced, g, np.minimum(g, 0.0))
    pen = np.empty(cT.shape[::-1])
    for j in range(cT.shape[0]):
        tab = lag.tables[j]
        room = Q[j] - w
        val = np.where(room >= 0, tab[np.clip(room, 0, None)], -np.inf)
        pen[:, j] = f[j] + cT[j] - lam - val - base[j]
    return pen


def solve_sscfl(
    C: np.ndarray,
    w: np.ndarray,
    f: np.ndarray,
    cap: np.ndarray,
    forced: np.ndarray,
    *,
    integral: bool,
    time_limit_s: float | None,
    node_limit: int | None,
    max_iter: int = 3000,
    hb: Heartbeat | None = None,
) -> SscflResult:
    """Lagrangian bound and heuristic, fixing, then HiGHS on the reduced model.

    ``C`` (n x k unit costs), ``f``, ``cap`` and the boolean ``forced`` are
    over the allowed columns only; ``integral``: objective values are whole.
    """
    t0 = time.perf_counter()
    limit = math.inf if time_limit_s is None else float(time_limit_s)
    n, mk = C.shape
    wi = np.round(w).astype(np.int64)
    c = w[:, None] * C
    cT = np.ascontiguousarray(c.T)
    Q = np.minimum(np.floor(cap + 1e-9), wi.sum()).astype(np.int64)
    tol = (1 - 1e-6) if integral else 0.0

    def better(lb: float, ub: float) -> bool:  # is ub proven by lb?
        return ub - lb < tol + 1e-9 * max(1.0, abs(ub))

    pr = Primal(c, w, Q, f, forced)

    def value(x: np.ndarray) -> float:  # a plan's cost, forced sites paid
        return float(
            f[np.unique(x)].sum()
            + f[forced & ~np.isin(np.arange(mk), x)].sum()
            + c[np.arange(n), x].sum()
        )

    # multipliers: cheapest service plus the site's fixed cost per unit when full
    share = f / np.maximum(Q, 1)
    lam = (c + w[:, None] * share[None, :]).min(axis=1)
    ub, best = math.inf, None
    seen: set[bytes] = set()
    top: list[tuple[float, bytes, np.ndarray]] = []  # the best open sets
    freq = np.zeros(mk)  # how often each site opened lately
    lb, lam_best = -math.inf, lam.copy()
    theta, stall, it = 2.0, 0, 0
    large = n * mk > _MAX_EXACT_PAIRS
    min_theta, lag_share = (_MIN_THETA, _LAG_SHARE) if large else (0.02, 0.3)
    while it < max_iter:
        it += 1
        lag = _evaluate(lam, cT, wi, Q, f, forced)
        if lb == -math.inf or lag.value > lb + 1e-9 * max(1.0, abs(lb)):
            lb, lam_best, stall = lag.value, lam.copy(), 0
        else:
            stall += 1
        freq = 0.97 * freq + lag.open_mask
        key = np.packbits(lag.open_mask).tobytes()
        if key not in seen and (
            it % _PLAN_EVERY == 1 if large else (stall == 0 or it % 5 == 0)
        ):
            seen.add(key)
            S = np.flatnonzero(lag.open_mask)
            if Q[S].sum() < wi.sum():  # add the cheapest capacity
                rest = np.setdiff1d(np.arange(mk), S)
                order = rest[np.argsort(lag.g[rest] / np.maximum(Q[rest], 1))]
                need = np.cumsum(Q[order]) < wi.sum() - Q[S].sum()
                S = np.union1d(S, order[: int(need.sum()) + 1])
            got = pr.plan(S, swaps=False)
            if got is not None:
                top = sorted([*top, (got[0], key, S)], key=lambda t: t[0])[:3]
                if got[0] < ub:
                    ub, best = got
        if better(lb, ub) or time.perf_counter() - t0 > lag_share * limit:
            break
        s = 1.0 - lag.count
        norm = float(s @ s)
        if norm == 0.0:  # the relaxed solution is feasible: it is optimal
            break
        target = ub if math.isfinite(ub) else lag.value + 0.05 * abs(lag.value) + 1
        lam = lam + theta * (target - lag.value) / norm * s
        if stall >= 25:
            theta, stall = theta / 2, 0
            lam = lam_best.copy()
            if theta < min_theta:
                break
    info: dict[str, float | int | str] = {
        "lagrange_iterations": it,
        "lagrange_bound": lb,
        "heuristic_plans": pr.n_evals,
    }
    final = _evaluate(lam_best, cT, wi, Q, f, forced, tables=True)
    lb = max(lb, final.value)
    if best is None:
        S = np.arange(mk)
        got = pr.plan(S)
        if got is not None:
            ub, best = got
    for _, _, S in top:  # the best open sets again, now with swap moves
        got = pr.plan(S)
        if got is not None and got[0] < ub:
            ub, best = got
    if best is not None:
        ub, best = site_moves(pr, (ub, best), forced, final.g, t0 + 0.35 * limit)
    info["heuristic_objective"] = ub
    gap_share = _GAP_SHARE_LARGE if large else 0.35
    if best is not None and not better(lb, ub) and gap_share > 0:
        # the assignment to the best open set, exactly (a GAP on each point's
        # cheapest few open sites) within a share of the time
        S = np.unique(best)
        kern = np.zeros(mk, bool)
        kern[S] = True
        x, _, st, _ = _reduced_mip(
            c, w, f, Q, _near(c, kern, 5, best), kern, ~kern, cut=math.inf,
            integral=integral, time_limit_s=_left(t0, limit, gap_share), node_limit=2000,
            start=best,
        )  # fmt: skip
        if x is not None:
            v = value(x)
            if v < ub:
                ub, best = v, x
        info.update(gap_status=st, gap_objective=ub)
    if best is not None and not better(lb, ub) and n * 8 <= _MAX_KERNEL_PAIRS:
        # small enough: the open set too, over the sites the relaxation opened
        # often (each point's 8 cheapest of them), from the incumbent
        kern = (freq > 0.5) | forced
        kern[best] = True
        x, _, st, _ = _reduced_mip(
            c, w, f, Q, _near(c, kern, 8, best), forced, ~kern, cut=math.inf,
            integral=integral, time_limit_s=_left(t0, limit, 0.3), node_limit=2000,
            start=best,
        )  # fmt: skip
        if x is not None and value(x) < ub:
            ub, best = value(x), x
        info.update(open_set_status=st, open_set_objective=ub)
    info["heuristic_s"] = time.perf_counter() - t0
    if best is not None and better(lb, ub):
        return SscflResult(np.unique(best), best, ub, min(lb, ub), info)
    # fixing: lower bounds on L with y_j flipped or x_ij forced to 1, from
    # the knapsack tables (capacity Q_j - w_i for the others; forced sites
    # count g_j whatever its sign)
    g = final.g
    pen = _penalties(final, lam_best, cT, wi, Q, f, forced)
    bound, x, one = lb, None, math.isfinite(ub)
    cored = False
    # rounds: the first MIP stops at its first better plan, which tightens
    # the fixing; the next runs to the end (more stops lose the tree each
    # time: 300 x 40 r=5 s=2 unproven at 60 CPU-s with four, 39.5 with one)
    for rnd in range(5):
        cut = ub - tol if math.isfinite(ub) else math.inf
        fix0 = ~forced & (g >= 0) & (final.value + g > cut)
        fix1 = ~forced & (g < 0) & (final.value - g > cut)
        keep = (final.value + pen <= cut) & ~fix0[None, :]
        info.update(
            fixed_closed=int(fix0.sum()),
            fixed_open=int(fix1.sum()),
            pairs_left=int(keep.sum()),
            mip_rounds=rnd + 1,
        )
        if keep.sum() > _MAX_EXACT_PAIRS and best is not None:
            if cored:
                break
            # too large to prove: core MIPs for a better plan, over the pairs
            # whose Lagrangian penalty is smallest (about _CORE_PAIRS per point,
            # growing while a core is solved to optimality in time)
            for size in _CORE_PAIRS:
                kk = _core(pen, keep, best, size)
                x, _, st, nodes = _reduced_mip(
                    c, w, f, Q, kk, forced | fix1, fix0, cut=math.inf,
                    integral=integral, time_limit_s=_left(t0, limit, 1.0),
                    node_limit=node_limit, start=best, hb=hb,
                )  # fmt: skip
                info.update(core_pairs=int(kk.sum()), core_status=st)
                if x is not None:
                    v = value(x)
                    if v < ub:
                        ub, best = v, x
                if st != "Optimal" or time.perf_counter() - t0 > limit:
                    break
            # the better plan may fix enough for the exact MIP (1,000 x 100
            # r=10 s=3: 261,192 from the cores, then 19,905 pairs left on main)
            cored = True
            if time.perf_counter() - t0 > limit:
                break
            continue
        # exact: every plan better than the incumbent lies in the reduced model
        x, mip_bound, st, nodes = _reduced_mip(
            c, w, f, Q, keep, forced | fix1, fix0, cut=cut, integral=integral,
            time_limit_s=_left(t0, limit, 1.0), node_limit=node_limit, hb=hb,
            max_sols=1 if rnd == 0 and one else None,
        )  # fmt: skip
        info.update(mip_status=st, mip_nodes=nodes)
        bound = max(bound, min(ub, mip_bound))
        improved = False
        if x is not None:
            v = value(x)
            if v < ub:
                ub, best, improved = v, x, True
        if better(bound, ub) or st in ("Optimal", "Infeasible"):
            break
        if not improved:  # HiGHS' first plan was no better: once more, to the end
            if not one:
                break
            one = False
        if math.isfinite(limit) and time.perf_counter() - t0 > limit:
            break
    if best is None:
        return SscflResult(np.zeros(0, np.int64), np.full(n, -1), math.nan, lb, info)
    return SscflResult(np.unique(best), best, ub, min(bound, ub), info)


def _core(
    pen: np.ndarray, keep: np.ndarray, best: np.ndarray, per: float
) -> np.ndarray:
    """The ``per * n`` unfixed pairs of least penalty, each point's best two, ``best``.

    ``pen[i, j]`` is how much the Lagrangian bound rises when ``i`` must be
    served by ``j``: small penalties mark the pairs good plans use, a closer
    core than each point's cheapest sites (1,000 x 100 r=3 s=1: 234,735 after
    13 CPU-s of HiGHS on 2,951 pairs, against 235,424 from 6,000 cheapest).
    """
    n = pen.shape[0]
    p = np.where(keep, pen, np.inf)
    k = min(int(per * n), int(keep.sum())) - 1
    delta = np.partition(p.ravel(), k)[k]
    core = p <= delta
    two = np.argsort(p, axis=1)[:, :2]
    core[np.arange(n)[:, None], two] = True
    core &= np.isfinite(p)
    core[np.arange(n), best] = True
    return core


def _left(t0: float, limit: float, share: float) -> float | None:
    """``share`` of the time left (None without a limit)."""
    if not math.isfinite(limit):
        return None
    return max(0.01, share * (limit - (time.perf_counter() - t0)))


def _near(c: np.ndarray, kern: np.ndarray, k: int, best: np.ndarray) -> np.ndarray:
    """Pairs of each point with its ``k`` cheapest sites in ``kern`` and ``best``."""
    n, mk = c.shape
    cs = np.where(kern[None, :], c, np.inf)
    k = min(k, int(kern.sum()))
    near = np.argpartition(cs, k - 1, axis=1)[:, :k]
    keep = np.zeros((n, mk), bool)
    keep[np.arange(n)[:, None], near] = True
    keep &= kern[None, :] & np.isfinite(cs)
    keep[np.arange(n), best] = True
    return keep


def _reduced_mip(
    c: np.ndarray,
    w: np.ndarray,
    f: np.ndarray,
    Q: np.ndarray,
    keep: np.ndarray,
    must_open: np.ndarray,
    closed: np.ndarray,
    *,
    cut: float,
    integral: bool,
    time_limit_s: float | None,
    node_limit: int | None,
    start: np.ndarray | None = None,
    hb: Heartbeat | None = None,
    max_sols: int | None = None,
) -> tuple[np.ndarray | None, float, str, int]:
    """HiGHS on the pairs left by fixing; returns (assignment, bound, status, nodes).

    The bound holds for every plan of value below ``cut`` (each lies in the
    reduced model); an infeasible reduced model proves the incumbent.
    """
    n, mk = c.shape
    keep = keep & ~closed[None, :]
    if np.any(~keep.any(axis=1)):
        return None, math.inf, "every site fixed for some point", 0
    ii, kk = np.nonzero(keep)
    nx = ii.size
    ycols = np.flatnonzero(~closed)
    ypos = np.full(mk, -1)
    ypos[ycols] = np.arange(ycols.size)
    ny = ycols.size
    rows, cols, vals, lo, hi, r = assignment_rows(ii, ypos[kk], ny, w, Q[ycols])
    A = sp.csc_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
        shape=(r, ny + nx),
    )
    cost = np.concatenate([f[ycols], c[ii, kk]])
    col_lo = np.zeros(ny + nx)
    col_lo[:ny] = must_open[ycols]
    x0 = None
    if start is not None and np.all(keep[np.arange(n), start]):
        pos = np.full((n, mk), -1)
        pos[ii, kk] = np.arange(nx)
        x0 = np.zeros(ny + nx)
        x0[ypos[np.unique(start)]] = 1.0
        x0[ny + pos[np.arange(n), start]] = 1.0
    opts: dict[str, float | int | bool | str] = {}
    if max_sols is not None:
        opts["mip_max_improving_sols"] = max_sols
    if math.isfinite(cut):
        opts["objective_bound"] = float(cut + (1e-6 if integral else 0.0))
    res = solve_mip(
        cost,
        A,
        np.concatenate(lo),
        np.concatenate(hi),
        col_lo,
        np.ones(ny + nx),
        np.ones(ny + nx, bool),
        time_limit_s=time_limit_s,
        node_limit=node_limit,
        abs_gap=(1 - 1e-6) if integral else 1e-6,
        heartbeat=hb,
        label="SSCFL reduced MIP",
        options=opts,
        start=x0,
    )
    if res.infeasible:
        return None, math.inf, res.status, res.n_nodes
    bound = res.bound
    if res.x is None:
        return None, bound, res.status, res.n_nodes
    X = res.x[ny:] > 0.5
    a = np.full(n, -1)
    a[ii[X]] = kk[X]
    return a, bound, res.status, res.n_nodes


def sscfl_plan(
    C: np.ndarray,
    w: np.ndarray,
    f: np.ndarray,
    cap: np.ndarray,
    forced: np.ndarray,
    excl: np.ndarray,
    const: float,
    ex: np.ndarray,
    partners: np.ndarray,
    hb: Heartbeat | None,
    time_limit_s: float | None,
    node_limit: int | None,
    seed_int: int | None,
    t0: float,
) -> SitingPlan:
    """:func:`solve_sscfl` on the allowed columns, as a :class:`SitingPlan`."""
    n, m = C.shape
    allowed = np.setdiff1d(np.arange(m), excl)
    Ca = np.asarray(C[:, allowed], dtype=np.float64)
    fa = f[allowed]
    forced_k = np.isin(allowed, forced)
    integral = is_integral(w, fa) and is_integral(Ca)
    res = solve_sscfl(
        Ca,
        w,
        fa,
        cap[allowed],
        forced_k,
        integral=integral,
        time_limit_s=time_limit_s,
        node_limit=node_limit,
        hb=hb,
    )
    solver = "lagrange (knapsack DP) + heuristic + fixing + highspy MIP"
    load = np.zeros(m)
    if not math.isfinite(res.objective):
        return make_plan(
            "cfl",
            C,
            w,
            np.zeros(0, np.int64),
            objective=math.nan,
            bound=res.bound + const,
            status=SolveStatus.NO_SOLUTION,
            solver=solver,
            runtime_s=time.perf_counter() - t0,
            seed=seed_int,
            extra=res.info,
            existing=ex,
            assign=(np.full(n, -1, np.int64), np.full(n, np.inf)),
            capacity=cap,
        )
    open_k = np.union1d(res.open_k, np.flatnonzero(forced_k))
    ai = allowed[res.assign_k]
    ac = Ca[np.arange(n), res.assign_k]
    np.add.at(load, ai, w)
    obj = float(fa[open_k].sum() + (w * ac).sum())
    bound = min(math.ceil(res.bound - 1e-6) if integral else res.bound, obj)
    opened = allowed[open_k]
    if partners.size:
        opened = np.setdiff1d(opened, partners)  # contracted, not opened
    return make_plan(
        "cfl",
        C,
        w,
        opened,
        partners=partners,
        objective=obj + const,
        bound=bound + const,
        status=status_for(obj, bound, integral=integral),
        solver=solver,
        runtime_s=time.perf_counter() - t0,
        seed=seed_int,
        extra=res.info,
        existing=ex,
        assign=(ai, ac),
        load=load,
        capacity=cap,
    )
