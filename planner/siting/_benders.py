"""Branch-and-Benders-cut for p-median (Duran-Mateluna, Ales & Elloumi 2023).

Master problem over the open sites ``y`` and one variable ``theta_i`` per
demand point (its service cost)::

    min  sum_i w_i theta_i + sum_j f_j y_j
    s.t. sum_j y_j = p,   y binary,
         theta_i + sum_{j: c_ij < D} (D - c_ij) y_j >= D
             for every point i and every distance level D of row i.

The optimality cuts are the Benders cuts of the radius formulation of Garcia,
Labbe & Marin (2011); at a (fractional) ``y`` the most violated one of point
``i`` is found combinatorially: ``D`` is the first sorted distance at which the
open mass ``sum_{j: c_ij <= D} y_j`` reaches 1 (the maximum of the concave
function ``D - sum_j (D - c_ij)^+ y_j``). With all cuts the LP relaxation
equals the radius formulation's, but only a few cuts per point are needed.

Algorithm: a cut loop on the master LP (warm-started dual simplex in HiGHS,
separation vectorized in numpy, separation points stabilized in-out towards
the incumbent, Ben-Ameur & Neto 2007), reduced-cost fixing of ``y`` against
the incumbent, LP probing, then the master MIP is solved with the cut pool on
a compact copy (free ``y`` only), its integer solution is checked exactly and
the violated cuts are added, until the MIP optimum is a true plan (or its
bound meets the incumbent).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import highspy
import numpy as np

from planner.core.highs import quiet_highs
from planner.siting._highs import _watch

if TYPE_CHECKING:
    from planner.core.progress import Heartbeat

__all__ = ["BendersResult", "benders_pmedian"]


@dataclass(slots=True)
class BendersResult:
    """Best open set (candidate indices), its value and a proven lower bound."""

    open_set: np.ndarray
    value: float
    bound: float
    info: dict[str, float | int | str] = field(default_factory=dict)


class _Cuts:
    """Sorted rows of the reduced matrix and the combinatorial separation."""

    def __init__(self, sub: np.ndarray) -> None:
        self.order = np.argsort(sub, axis=1, kind="stable")
        self.cs = np.take_along_axis(sub, self.order, axis=1)
        self.n, self.m = sub.shape

    def separate(
        self, y: np.ndarray, theta: np.ndarray, rows: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Most violated cut per point: level ``D``, cut value at ``y``, point ids."""
        idx = np.arange(self.n) if rows is None else rows
        order = self.order[idx]
        cs = self.cs[idx]
        ys = y[order]
        cum = np.cumsum(ys, axis=1)
        k = np.argmax(cum >= 1.0 - 1e-9, axis=1)
        D = cs[np.arange(idx.size), k]
        gap = np.maximum(D[:, None] - cs, 0.0)
        val = D - (gap * ys).sum(axis=1)
        return D, val, idx

    def rows_for(
        self, pts: np.ndarray, D: np.ndarray, n_y: int
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """CSR arrays of cuts ``theta_i + sum (D - c_ij) y_j >= D``."""
        starts = [0]
        idx: list[np.ndarray] = []
        val: list[np.ndarray] = []
        for i, d in zip(pts.tolist(), D.tolist(), strict=True):
            cs = self.cs[i]
            t = int(np.searchsorted(cs, d, side="left"))
            idx.append(self.order[i, :t])
            idx.append(np.array([n_y + i]))
            val.append(d - cs[:t])
            val.append(np.array([1.0]))
            starts.append(starts[-1] + t + 1)
        return (
            np.asarray(starts[:-1], dtype=np.int32),
            np.concatenate(idx).astype(np.int32),
            np.concatenate(val).astype(np.float64),
            np.asarray(D, dtype=np.float64),
        )


def benders_pmedian(
    sub: np.ndarray,
    w: np.ndarray,
    f: np.ndarray,
    p: int,
    fixed_open: np.ndarray,
    start: np.ndarray,
    start_value: float,
    *,
    integral: bool,
    time_limit_s: float | None = None,
    node_limit: int | None = None,
    max_rounds: int = 500,
    probe: bool = True,
    probe_rounds: int = 2,
    probe_share: float = 0.4,
    probe_patience: int | None = 6,
    prune_slack: float | None = None,
    heartbeat: Heartbeat | None = None,
) -> BendersResult:
    """Solve p-median on a reduced matrix by branch-and-Benders-cut.

    Parameters
    ----------
    sub
        Costs of the points with positive weight to the candidates still in
        play (n x m', float64).
    w, f
        Weights (positive) and opening costs of the columns of ``sub``.
    p
        Number to open.
    fixed_open
        Column positions fixed open.
    start, start_value
        Incumbent (column positions) and its value ``w @ d + f[start].sum()``.
    integral
        Whether all data are whole numbers (bounds are rounded up).
    time_limit_s
        Wall-time limit.
    node_limit
        Node cap of each master MIP solve (deterministic stop in tests).
    max_rounds
        Cap on LP cut rounds at the root.
    probe_patience
        Probing (``y_j = 1`` cannot beat the incumbent -> fix ``y_j = 0``)
        visits candidates by falling reduced cost and stops after this many
        failures in a row (``None``: all). On pmed36 15 kept 184 of 186
        fixings for two thirds of the probing time; 6 keeps 177 in 10.7
        CPU-s instead of 15 and the master MIP is no slower (9.7 CPU-s).
    heartbeat
        Reports cut rounds, probing and the master MIP (nodes, bounds).
    """
    t0 = time.perf_counter()
    c0 = time.process_time()
    deadline = math.inf if time_limit_s is None else t0 + time_limit_s
    n, m = sub.shape
    cuts = _Cuts(sub)
    thr_gap = (1 - 1e-6) if integral else 1e-9 * max(1.0, abs(start_value))
    best = np.sort(np.asarray(start, dtype=np.int64))
    best_v = float(start_value)
    info: dict[str, float | int | str] = {}

    def true_value(S: np.ndarray) -> tuple[float, np.ndarray]:
        d = sub[:, S].min(axis=1)
        return float(w @ d) + float(f[S].sum()), d

    def beat(msg: str, lb: float, *, force: bool = False) -> None:
        if heartbeat is not None:
            heartbeat(msg, best=best_v, bound=lb, force=force)

    def finish(lb: float) -> BendersResult:
        if integral:
            lb = math.ceil(lb - 1e-6)
        info["benders_s"] = time.perf_counter() - t0
        return BendersResult(best, best_v, min(lb, best_v), info)

    # -- master LP: columns y (m), theta (n)
    h = quiet_highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("presolve", "off")  # LP phases: hot starts, no presolve
    h.setOptionValue("threads", 1)
    h.setOptionValue("random_seed", 0)
    inf = highspy.kHighsInf
    lo_y = np.zeros(m)
    lo_y[fixed_open] = 1.0
    h.addVars(
        m + n,
        np.concatenate([lo_y, cuts.cs[:, 0]]),
        np.concatenate([np.ones(m), np.full(n, inf)]),
    )
    h.changeColsCost(
        m + n,
        np.arange(m + n, dtype=np.int32),
        np.concatenate([f, w]).astype(np.float64),
    )
    h.addRow(float(p), float(p), m, np.arange(m, dtype=np.int32), np.ones(m))
    # first cuts: at the incumbent
    ystart = np.zeros(m)
    ystart[best] = 1.0
    _, dstart = true_value(best)
    n_cuts = 0

    def add(pts: np.ndarray, D: np.ndarray) -> None:
        nonlocal n_cuts
        if pts.size == 0:
            return
        st, ix, vl, rhs = cuts.rows_for(pts, D, m)
        h.addRows(pts.size, rhs, np.full(pts.size, inf), ix.size, st, ix, vl)
        n_cuts += pts.size

    add(np.arange(n), dstart)
    lp_bound = -math.inf
    core = ystart.copy()
    alpha = 0.5
    rounds = 0
    stall = 0
    while rounds < max_rounds and time.perf_counter() < deadline:
        rounds += 1
        h.run()
        if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            break
        sol = h.getSolution()
        x = np.asarray(sol.col_value)
        y, th = x[:m], x[m:]
        obj = float(h.getInfo().objective_function_value)
        lp_bound = max(lp_bound, obj)
        beat(f"Benders root LP, round {rounds}, {n_cuts:,} cuts", lp_bound)
        if lp_bound >= best_v - thr_gap:
            info |= {"lp_rounds": rounds, "lp_cuts": n_cuts, "lp_bound": lp_bound}
            return finish(lp_bound)
        # in-out separation point between the stability center and the LP point
        ysep = alpha * core + (1 - alpha) * y if stall == 0 else y
        D, val, pts = cuts.separate(ysep, th)
        # cuts at ysep are valid everywhere; keep those violated at the LP point
        lhs = th + _lhs(cuts, pts, D, y)
        viol = lhs < D - 1e-7 * np.maximum(1.0, D)
        if not viol.any():
            if stall == 0 and alpha > 0:
                stall = 1  # separate at the LP point itself next
                continue
            D, val, pts = cuts.separate(y, th)
            viol = val > th + 1e-7 * np.maximum(1.0, D)
            if not viol.any():
                break
        stall = 0
        add(pts[viol], D[viol])
        core = 0.5 * core + 0.5 * y
    info |= {"lp_rounds": rounds, "lp_cuts": n_cuts, "lp_bound": lp_bound}
    info["lp_s"] = time.perf_counter() - t0
    info["lp_cpu_s"] = time.process_time() - c0
    lb = lp_bound
    # -- reduced-cost fixing of y against the incumbent
    if math.isfinite(lp_bound):
        rc = np.asarray(h.getSolution().col_dual)[:m]
        y = np.asarray(h.getSolution().col_value)[:m]
        thr = best_v - thr_gap
        fix0 = np.flatnonzero((y < 1e-9) & (lp_bound + rc > thr))
        fix1 = np.flatnonzero((y > 1 - 1e-9) & (lp_bound - rc > thr))
        if fix0.size:
            h.changeColsBounds(
                fix0.size,
                fix0.astype(np.int32),
                np.zeros(fix0.size),
                np.zeros(fix0.size),
            )
        if fix1.size:
            h.changeColsBounds(
                fix1.size, fix1.astype(np.int32), np.ones(fix1.size), np.ones(fix1.size)
            )
        info |= {"rc_fixed_closed": int(fix0.size), "rc_fixed_open": int(fix1.size)}
    # -- probing: fix y_j = 0 where the master LP with y_j = 1 cannot beat the incumbent
    if math.isfinite(lp_bound) and probe:
        t_probe = time.perf_counter()
        c_probe = time.process_time()
        pdead = (
            min(deadline, t_probe + probe_share * (deadline - t_probe))
            if time_limit_s is not None
            else math.inf
        )
        lo = np.asarray(h.getLp().col_lower_)[:m]
        hi = np.asarray(h.getLp().col_upper_)[:m]
        y = np.asarray(h.getSolution().col_value)[:m]
        rc = np.asarray(h.getSolution().col_dual)[:m]
        cand = np.flatnonzero((lo < 0.5) & (hi > 0.5) & (y < 1e-9))
        cand = cand[np.argsort(-rc[cand], kind="stable")]
        thr = best_v - thr_gap
        n_probe = n_fixed = misses = 0
        # dual simplex stops once its (valid) dual objective passes thr
        h.setOptionValue("objective_bound", float(thr))
        cutoff = (
            highspy.HighsModelStatus.kInfeasible,
            highspy.HighsModelStatus.kObjectiveBound,
        )
        # every probe starts from the root LP's basis (cut rows added since
        # then basic): one bound away from the probe, where the last probe's
        # end state is two (pmed36: 44k simplex iterations instead of 64k)
        root = _RootBasis(h.getBasis())
        for j in cand.tolist():
            if time.perf_counter() > pdead:
                break
            root.restore(h)
            n_probe += 1
            beat(f"probing, {n_probe} tried, {n_fixed} fixed", lb)
            h.changeColBounds(j, 1.0, 1.0)
            fixed = False
            for _ in range(probe_rounds):
                h.run()
                if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
                    fixed = h.getModelStatus() in cutoff
                    break
                if float(h.getInfo().objective_function_value) > thr:
                    fixed = True
                    break
                x = np.asarray(h.getSolution().col_value)
                D, val, pts = cuts.separate(x[:m], x[m:])
                viol = val > x[m:] + 1e-7 * np.maximum(1.0, D)
                if not viol.any():
                    break
                add(pts[viol], D[viol])
            if fixed:
                n_fixed += 1
                misses = 0
                h.changeColBounds(j, 0.0, 0.0)
            else:
                misses += 1
                h.changeColBounds(j, 0.0, 1.0)
                if probe_patience is not None and misses >= probe_patience:
                    break  # candidates come by falling reduced cost: few fix later
        h.setOptionValue("objective_bound", highspy.kHighsInf)
        h.run()
        if h.getModelStatus() == highspy.HighsModelStatus.kOptimal:
            lb = max(lb, float(h.getInfo().objective_function_value))
            n_fixed += _rc_fix(h, m, lb, thr)
        elif h.getModelStatus() == highspy.HighsModelStatus.kInfeasible:
            lb = best_v  # no plan better than the incumbent
        info |= {
            "probed": n_probe,
            "probe_fixed": n_fixed,
            "probe_s": time.perf_counter() - t_probe,
            "probe_cpu_s": time.process_time() - c_probe,
        }
    # -- drop cuts with a large slack at the final LP (smaller node LPs)
    if (
        prune_slack is not None
        and h.getModelStatus() == highspy.HighsModelStatus.kOptimal
    ):
        rv = np.asarray(h.getSolution().row_value)
        rl = np.asarray(h.getLp().row_lower_)
        slack = rv - rl
        drop = np.flatnonzero(slack > prune_slack * np.maximum(1.0, np.abs(rl)))
        drop = drop[drop > 0]
        if drop.size:
            h.deleteRows(drop.size, drop.astype(np.int32))
        info["cuts_dropped"] = int(drop.size)
    # -- master MIP, cuts added at its integer solutions; without presolve
    # (measured on pmed36: 249 nodes instead of 577-1,027, 53 CPU-s instead of
    # 69-81; pmed38 9.9 s instead of 13.0), on a compact copy of the master:
    # only the free y columns, fixed ones folded into the rows, cuts left with
    # no free y turned into bounds on theta (pmed1..40: see benchmarks/README)
    hm, cmap, ny = _compact_master(h, m, n)
    info["mip_cols"] = int(ny + n)
    info["mip_rows"] = int(hm.getNumRow())
    hm.changeColsIntegrality(
        ny, np.arange(ny, dtype=np.int32), np.full(ny, highspy.HighsVarType.kInteger)
    )
    hm.setOptionValue("mip_rel_gap", 1e-9)
    hm.setOptionValue("mip_abs_gap", float(thr_gap))
    hm.setOptionValue("mip_allow_restart", False)
    # the incumbent is usually optimal already (the heuristic and the
    # Lagrangian find it): HiGHS' improvement heuristics only cost time
    # (pmed36 15 CPU-s instead of 23, pmed39 5.9 instead of 7.6)
    for opt in _NO_MIP_HEURISTICS:
        hm.setOptionValue(opt, False)
    hm.setOptionValue("mip_heuristic_effort", 0.0)
    # branch on pseudo-costs at once instead of strong branching until they
    # are reliable (pmed36 10 CPU-s instead of 13.4, pmed39 2.3 instead of 4.4)
    hm.setOptionValue("mip_pscost_minreliable", 0)
    if node_limit is not None:
        hm.setOptionValue("mip_max_nodes", int(node_limit))
    # the incumbent may be cut off by fixing (only better plans are kept):
    # tell HiGHS its value as the upper limit instead
    hm.setOptionValue("objective_bound", float(best_v) + 1e-9 * max(1.0, abs(best_v)))
    mip_rounds = 0
    nodes = 0
    c_mip = time.process_time()
    free_cols = np.flatnonzero(cmap >= 0)
    _watch(hm, heartbeat, "Benders master MIP")
    while time.perf_counter() < deadline:
        mip_rounds += 1
        if time_limit_s is not None:
            hm.setOptionValue("time_limit", max(0.01, deadline - time.perf_counter()))
        if np.all(cmap[best] != -1):
            ys = np.zeros(ny)
            ys[cmap[best][cmap[best] >= 0]] = 1.0
            _, dbest = true_value(best)
            s = highspy.HighsSolution()
            s.col_value = np.concatenate([ys, dbest]).tolist()
            s.value_valid = True
            hm.setSolution(s)
        hm.run()
        inf_ = hm.getInfo()
        nodes += int(inf_.mip_node_count)
        info[f"mip{mip_rounds}"] = (
            f"{inf_.mip_node_count} nodes, bound {inf_.mip_dual_bound:.1f}, "
            f"best {inf_.objective_function_value:.1f}"
        )
        mb = float(inf_.mip_dual_bound)
        if math.isfinite(mb):
            lb = max(lb, mb)
        if inf_.primal_solution_status != highspy.kSolutionStatusFeasible:
            if hm.getModelStatus() == highspy.HighsModelStatus.kInfeasible:
                lb = max(lb, best_v)  # nothing better than the incumbent
            break
        x = np.asarray(hm.getSolution().col_value)
        S = np.union1d(free_cols[x[:ny] > 0.5], np.flatnonzero(cmap == -2))
        if S.size != p:
            break
        v, d = true_value(S)
        if v < best_v - 1e-12:
            best, best_v = np.sort(S), v
        if lb >= best_v - thr_gap:
            break
        bad = np.flatnonzero(x[ny:] < d - 1e-7 * np.maximum(1.0, d))
        ms = hm.getModelStatus()
        if bad.size == 0:
            # the MIP optimum is a true plan: its bound is the optimum
            if ms == highspy.HighsModelStatus.kOptimal:
                lb = max(lb, min(v, best_v))
            break
        n_cuts += bad.size
        _add_compact(hm, *cuts.rows_for(bad, d[bad], m), cmap, m, ny)
        if ms != highspy.HighsModelStatus.kOptimal:
            break
    info |= {
        "mip_rounds": mip_rounds,
        "mip_nodes": nodes,
        "cuts": n_cuts,
        "mip_cpu_s": time.process_time() - c_mip,
    }
    return finish(lb)


_NO_MIP_HEURISTICS = (
    "mip_heuristic_run_rins",
    "mip_heuristic_run_rens",
    "mip_heuristic_run_root_reduced_cost",
    "mip_heuristic_run_feasibility_jump",
)


def _compact_master(
    h: highspy.Highs, m: int, n: int
) -> tuple[highspy.Highs, np.ndarray, int]:
    """A new master over the free ``y`` columns and every ``theta``.

    Returns the model, the column map of ``y`` (new position, ``-1`` fixed
    closed, ``-2`` fixed open) and the number of ``y`` columns kept; the
    opening costs of the fixed-open ones move into the model's offset.
    Rows are the old ones with fixed columns folded into their bounds; a cut
    left with no free ``y`` is the bound ``theta_i >= D`` and leaves the rows.
    """
    import scipy.sparse as sp

    lp = h.getLp()
    lo = np.asarray(lp.col_lower_)
    hi = np.asarray(lp.col_upper_)
    cost = np.asarray(lp.col_cost_)
    am = lp.a_matrix_
    parts = (np.asarray(am.value_), np.asarray(am.index_), np.asarray(am.start_))
    shape = (lp.num_row_, lp.num_col_)
    if am.format_ == highspy.MatrixFormat.kRowwise:
        A = sp.csc_matrix(sp.csr_matrix(parts, shape=shape))
    else:
        A = sp.csc_matrix(parts, shape=shape)
    rlo = np.asarray(lp.row_lower_, dtype=np.float64).copy()
    rhi = np.asarray(lp.row_upper_, dtype=np.float64).copy()
    ylo, yhi = lo[:m], hi[:m]
    one = np.flatnonzero(ylo > 0.5)
    free = np.flatnonzero((ylo < 0.5) & (yhi > 0.5))
    cmap = np.full(m, -1, dtype=np.int64)
    cmap[one] = -2
    cmap[free] = np.arange(free.size)
    if one.size:
        fold = np.asarray(A[:, one].sum(axis=1)).ravel()
        rlo -= fold
        rhi -= fold
    off = float(cost[one].sum())
    ny = free.size
    B = sp.csr_matrix(A[:, np.concatenate([free, m + np.arange(n)])])
    tlo = lo[m:].copy()
    ynnz = np.asarray((B[:, :ny] != 0).sum(axis=1)).ravel()
    bound_rows = np.flatnonzero(ynnz == 0)
    bound_rows = bound_rows[bound_rows > 0]  # row 0: sum y = p
    if bound_rows.size:
        T = sp.csr_matrix(B[bound_rows][:, ny:])
        pt = T.indices[T.indptr[:-1]]  # each cut has its one theta entry
        np.maximum.at(tlo, pt, rlo[bound_rows] / T.data[T.indptr[:-1]])
    keep = np.setdiff1d(np.arange(B.shape[0]), bound_rows)
    B = sp.csc_matrix(B[keep])
    new = highspy.HighsLp()
    new.num_col_ = ny + n
    new.num_row_ = keep.size
    new.col_cost_ = np.concatenate([cost[free], cost[m:]])
    new.col_lower_ = np.concatenate([np.zeros(ny), tlo])
    new.col_upper_ = np.concatenate([np.ones(ny), hi[m:]])
    inf = highspy.kHighsInf
    new.row_lower_ = np.where(np.isfinite(rlo[keep]), rlo[keep], -inf)
    new.row_upper_ = np.where(np.isfinite(rhi[keep]), rhi[keep], inf)
    new.offset_ = float(lp.offset_) + off
    new.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    new.a_matrix_.start_ = B.indptr.astype(np.int32)
    new.a_matrix_.index_ = B.indices.astype(np.int32)
    new.a_matrix_.value_ = B.data.astype(np.float64)
    hm = quiet_highs()
    hm.setOptionValue("output_flag", False)
    hm.setOptionValue("presolve", "off")
    hm.setOptionValue("threads", 1)
    hm.setOptionValue("random_seed", 0)
    hm.passModel(new)
    return hm, cmap, ny


def _add_compact(
    hm: highspy.Highs,
    st: np.ndarray,
    ix: np.ndarray,
    vl: np.ndarray,
    rhs: np.ndarray,
    cmap: np.ndarray,
    m: int,
    ny: int,
) -> None:
    """Add full-space cuts (:meth:`_Cuts.rows_for`) to the compact master."""
    k = rhs.size
    row = np.repeat(np.arange(k), np.diff(np.append(st, ix.size)))
    is_y = ix < m
    tgt = np.where(is_y, cmap[np.minimum(ix, m - 1)], ny + (ix - m))
    rhs = rhs.copy()
    np.subtract.at(rhs, row[is_y & (tgt == -2)], vl[is_y & (tgt == -2)])
    ok = tgt >= 0
    row, tgt, vl = row[ok], tgt[ok], vl[ok]
    starts = np.searchsorted(row, np.arange(k)).astype(np.int32)
    hm.addRows(
        k,
        rhs,
        np.full(k, highspy.kHighsInf),
        tgt.size,
        starts,
        tgt.astype(np.int32),
        vl.astype(np.float64),
    )


class _RootBasis:
    """The basis saved at the root, set again with the rows added since then basic."""

    def __init__(self, root: highspy.HighsBasis) -> None:
        self.cols = root.col_status
        self.rows = list(root.row_status)  # converted once, not per probe

    def restore(self, h: highspy.Highs) -> None:
        b = highspy.HighsBasis()
        b.col_status = self.cols
        b.row_status = self.rows + [highspy.HighsBasisStatus.kBasic] * (
            h.getNumRow() - len(self.rows)
        )
        b.valid = True
        h.setBasis(b)


def _rc_fix(h: highspy.Highs, m: int, bound: float, thr: float) -> int:
    """Fix to 0 every ``y_j`` at 0 whose reduced cost lifts ``bound`` above ``thr``."""
    sol = h.getSolution()
    rc = np.asarray(sol.col_dual)[:m]
    y = np.asarray(sol.col_value)[:m]
    hi = np.asarray(h.getLp().col_upper_)[:m]
    fix0 = np.flatnonzero((hi > 0.5) & (y < 1e-9) & (bound + rc > thr))
    if fix0.size:
        z = np.zeros(fix0.size)
        h.changeColsBounds(fix0.size, fix0.astype(np.int32), z, z)
    return int(fix0.size)


def _lhs(cuts: _Cuts, pts: np.ndarray, D: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``sum_j (D_i - c_ij)^+ y_j`` for each point's cut level."""
    ys = y[cuts.order[pts]]
    gap = np.maximum(D[:, None] - cuts.cs[pts], 0.0)
    return (gap * ys).sum(axis=1)
