"""An upper bound on the (weighted) jobs any plan of a day can serve.

Used to tell how much a dispatch plan could still gain. A technician's
served jobs take their service plus travel: over the day at least half of
each job's shortest way in and out (from and to two other places it could
be: its start, its end, another job it could serve); those whose windows
all end by ``T`` must fit, with their shortest ways in, before ``T`` plus
the longest of their services, and those whose windows all start at ``T``
or later after ``T`` (less one way in). The bound is the optimum of the
linear relaxation of this assignment (every job at most once, only to a
technician who could serve it alone), solved with HiGHS through SciPy.
Loads, parts and the order of visits are not used: it is valid, not tight.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import linprog
from scipy.sparse import coo_matrix

from planner.core.errors import InputError
from planner.routing.problem import DispatchProblem
from planner.routing.screen import screen_jobs

__all__ = ["served_upper_bound"]


def _two_smallest(a: np.ndarray, axis: int) -> tuple[np.ndarray, np.ndarray]:
    """The smallest and second smallest along ``axis`` (inf where missing)."""
    k = a.shape[axis]
    if k == 0:
        shape = a.shape[:axis] + a.shape[axis + 1 :]
        return np.full(shape, np.inf), np.full(shape, np.inf)
    if k == 1:
        return np.take(a, 0, axis=axis), np.full(np.take(a, 0, axis=axis).shape, np.inf)
    part = np.partition(a, 1, axis=axis)
    return np.take(part, 0, axis=axis), np.take(part, 1, axis=axis)


def _ways(p: DispatchProblem, cand: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(jobs, techs) minutes of the shortest way into each job, and of half its shortest way in and out.

    A technician comes from its start or another job it could serve and
    leaves to another such job or its end; in and out are different places
    unless they are the start and the end.
    """
    n, m = p.n_jobs, p.n_techs
    way_in, half = np.zeros((n, m)), np.zeros((n, m))
    if p.speed_factors is not None:  # rush hours may change trips: count none
        return way_in, half
    d = np.asarray(p.duration_min, float)
    jl = np.asarray(p.job_loc)
    for t in range(m):
        js = np.flatnonzero(cand[:, t])
        if not len(js):
            continue
        dj = d[np.ix_(jl[js], jl[js])]
        np.fill_diagonal(dj, np.inf)
        ds = d[int(p.tech_start_loc[t]), jl[js]]
        de = d[jl[js], int(p.tech_end_loc[t])]
        in1, in2 = _two_smallest(dj, 0)  # from another job, into each column
        out1, out2 = _two_smallest(dj, 1)  # out of each row
        same = np.argmin(dj, axis=0) == np.argmin(dj, axis=1)
        pair = np.where(same, np.minimum(in1 + out2, in2 + out1), in1 + out1)
        both = np.minimum.reduce([ds + de, ds + out1, in1 + de, pair])
        way_in[js, t] = np.minimum(ds, in1)
        half[js, t] = 0.5 * both
    return way_in, half


def served_upper_bound(
    problem: DispatchProblem, weight: np.ndarray | None = None
) -> float:
    """The most weight any plan of ``problem`` can serve (an LP bound, >= the optimum).

    ``weight`` (one per job, >= 0; default 1 each) is what a served job
    counts. Days with fixed routes are not supported.

    Examples
    --------
    >>> d = np.array([[0.0, 10.0, 15.0], [10.0, 0.0, 8.0], [15.0, 8.0, 0.0]])
    >>> p = DispatchProblem(d, d * 500, [1, 2], [30, 30], [0, 1, 2], [480, 480],
    ...     [600, 600], [0], [0], [480], [1020])
    >>> served_upper_bound(p)
    2.0
    """
    p = problem
    n, m = p.n_jobs, p.n_techs
    w = np.ones(n) if weight is None else np.asarray(weight, float)
    if w.shape != (n,) or not np.isfinite(w).all() or (w < 0).any():
        raise InputError(
            field="weight",
            expected=f"{n} finite numbers >= 0",
            got=f"shape {w.shape}" if w.shape != (n,) else "a negative or NaN value",
        )
    if any(len(r) for r in p.fixed_routes):
        raise InputError(
            field="problem", expected="a day without fixed routes", got="fixed routes"
        )
    cand = screen_jobs(p).candidate & (w > 0)[:, None]
    jj, tt = np.nonzero(cand)
    if not len(jj):
        return 0.0
    svc = np.asarray(p.service_min, float)
    way, half = _ways(p, cand)
    use = svc[jj] + way[jj, tt]  # in the windows' rows: the way in only
    use_day = svc[jj] + half[jj, tt]
    ptr = np.asarray(p.tw_ptr)
    e = np.minimum.reduceat(np.asarray(p.tw_early_min, float), ptr[:-1])
    lt = np.maximum.reduceat(np.asarray(p.tw_late_min, float), ptr[:-1])
    start = np.asarray(p.shift_start_min, float)
    end = np.asarray(p.shift_end_min, float) + np.asarray(p.max_overtime_min, float)
    brk = np.maximum(np.asarray(p.break_min, float), 0.0)
    day = np.minimum(end - start - brk, np.asarray(p.max_work_min, float))

    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    vals: list[np.ndarray] = []
    rhs: list[float] = []
    k = np.arange(len(jj))
    rows.append(jj)  # each job at most once
    cols.append(k)
    vals.append(np.ones(len(jj)))
    rhs += [1.0] * n
    r0 = n
    for t in range(m):  # the whole day: half of each way in and out
        mine = k[tt == t]
        if len(mine):
            rows.append(np.full(len(mine), r0))
            cols.append(mine)
            vals.append(use_day[mine])
            rhs.append(float(day[t]))
            r0 += 1
    for t in range(m):
        mine = k[tt == t]
        if not len(mine):
            continue
        groups = []
        jm = jj[mine]
        for T in np.unique(lt[jm]):  # windows all ending by T: started by T
            sel = mine[lt[jm] <= T]
            groups.append((sel, T - start[t] + svc[jj[sel]].max()))
        for T in np.unique(e[jm]):  # windows all starting at T or later
            sel = mine[e[jm] >= T]
            groups.append((sel, end[t] - T + way[jj[sel], t].max()))
        for sel, cap in groups:
            rows.append(np.full(len(sel), r0))
            cols.append(sel)
            vals.append(use[sel])
            rhs.append(float(cap))
            r0 += 1
    a = coo_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
        shape=(r0, len(jj)),
    ).tocsr()
    res = linprog(
        -w[jj],
        A_ub=a,
        b_ub=np.asarray(rhs),
        bounds=(0.0, 1.0),
        method="highs",
    )
    if res.status != 0:  # cannot happen (x = 0 is feasible); be explicit anyway
        raise RuntimeError(f"the bound's LP failed: {res.message}")
    return float(-res.fun)
