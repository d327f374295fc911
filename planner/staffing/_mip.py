"""A small HiGHS wrapper for the per-outlet shift-covering MIPs (one thread, quiet)."""

from __future__ import annotations

from dataclasses import dataclass

import highspy
import numpy as np
import scipy.sparse as sp

from planner.core.highs import quiet_highs

__all__ = ["MipSolver"]

INF = highspy.kHighsInf


@dataclass(frozen=True, slots=True, eq=False)
class MipOut:
    """Solution, objective, whether proven optimal, nodes."""

    x: np.ndarray | None
    objective: float
    optimal: bool
    n_nodes: int


class MipSolver:
    """One reusable HiGHS instance: ``solve`` a ``min c x, lo <= A x <= hi`` MIP."""

    def __init__(self, *, rel_gap: float = 1e-6, node_limit: int = 20_000) -> None:
        h = quiet_highs()
        h.setOptionValue("output_flag", False)
        h.setOptionValue("threads", 1)
        h.setOptionValue("random_seed", 0)
        h.setOptionValue("mip_rel_gap", float(rel_gap))
        h.setOptionValue("mip_max_nodes", int(node_limit))
        self._h = h

    def solve(
        self,
        c: np.ndarray,
        a: sp.csc_matrix,
        row_lo: np.ndarray,
        row_hi: np.ndarray,
        col_lo: np.ndarray,
        col_hi: np.ndarray,
        integer: np.ndarray,
        *,
        lp_first: bool = True,
    ) -> MipOut:
        """Solve and return the incumbent (``x`` is ``None`` without one).

        The LP relaxation is solved first; when its solution is integral it is
        optimal for the MIP and the branch and bound is skipped (about 3 of 4
        covering problems here).
        """
        integer = np.asarray(integer, dtype=bool)
        if not lp_first:
            return self._run(c, a, row_lo, row_hi, col_lo, col_hi, integer)
        lp_out = self._run(c, a, row_lo, row_hi, col_lo, col_hi, None)
        if lp_out.x is None or not lp_out.optimal:
            return lp_out
        xi = lp_out.x[integer]
        if np.abs(xi - np.round(xi)).max(initial=0.0) <= 1e-7:
            x = lp_out.x.copy()
            x[integer] = np.round(xi)
            return MipOut(x=x, objective=float(c @ x), optimal=True, n_nodes=0)
        return self._run(c, a, row_lo, row_hi, col_lo, col_hi, integer)

    def solve_lp(
        self,
        c: np.ndarray,
        a: sp.csc_matrix,
        row_lo: np.ndarray,
        row_hi: np.ndarray,
        col_lo: np.ndarray,
        col_hi: np.ndarray,
    ) -> MipOut:
        """The LP relaxation only."""
        return self._run(c, a, row_lo, row_hi, col_lo, col_hi, None)

    def _run(
        self,
        c: np.ndarray,
        a: sp.csc_matrix,
        row_lo: np.ndarray,
        row_hi: np.ndarray,
        col_lo: np.ndarray,
        col_hi: np.ndarray,
        integer: np.ndarray | None,
    ) -> MipOut:
        h = self._h
        h.clearModel()
        lp = highspy.HighsLp()
        n_col = a.shape[1]
        lp.num_col_ = n_col
        lp.num_row_ = a.shape[0]
        lp.col_cost_ = np.asarray(c, dtype=np.float64)
        lp.col_lower_ = np.asarray(col_lo, dtype=np.float64)
        lp.col_upper_ = np.where(np.isinf(col_hi), INF, col_hi).astype(np.float64)
        lp.row_lower_ = np.where(np.isinf(row_lo), -INF, row_lo).astype(np.float64)
        lp.row_upper_ = np.where(np.isinf(row_hi), INF, row_hi).astype(np.float64)
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_ = a.indptr.astype(np.int32)
        lp.a_matrix_.index_ = a.indices.astype(np.int32)
        lp.a_matrix_.value_ = a.data.astype(np.float64)
        lp.a_matrix_.num_col_ = n_col
        lp.a_matrix_.num_row_ = a.shape[0]
        if integer is not None:
            lp.integrality_ = [
                highspy.HighsVarType.kInteger if b else highspy.HighsVarType.kContinuous
                for b in integer
            ]
        h.passModel(lp)
        h.run()
        ms = h.getModelStatus()
        info = h.getInfo()
        has = info.primal_solution_status == highspy.kSolutionStatusFeasible
        x = np.asarray(h.getSolution().col_value, dtype=np.float64) if has else None
        return MipOut(
            x=x,
            objective=float(info.objective_function_value) if has else float("nan"),
            optimal=ms == highspy.HighsModelStatus.kOptimal,
            n_nodes=int(info.mip_node_count) if integer is not None else 0,
        )
