"""The shift-covering MIP of one outlet (HiGHS), and many outlets at once.

Integer technicians ``x_j`` per allowed shift at least annual labour cost
``sum_j paid_h_j cost_factor_j labour_per_hour 52.14 x_j``, subject to

- coverage: ``sum_j avail[h, j] x_j >= r(h)`` for every hour with a
  requirement (hours with the same covering shifts share one row), each row
  with a slack priced at 100 times the dearest shift (reported as unmet);
- hours at work ``sum_j worked_h_j x_j >= work / max_utilization`` (slack
  priced too), ``avail`` and ``worked_h`` net of breaks;
- headcount bounds ``lo <= sum_j x_j <= hi`` and ``x_j >= min_staff_j``;
- with skills (``k`` per technician): integer holders ``y_sj <= x_j``,
  ``sum_s y_sj = k x_j`` and per skill ``sum_j on_duty[h, j] y_sj >= r_s(h)``;
- on-call (urgent-only) shifts count toward ``r(h)``, and hold every skill
  (``y_sj = x_j``), but not toward ``r_regular(h)`` (the requirement of the
  other classes where they bind) nor the paid hours of the non-urgent work.

The LP relaxation of all outlets is solved first as one block-diagonal LP;
an outlet whose LP solution is integral is optimal, the others get their
own branch and bound.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import scipy.sparse as sp

from planner.staffing._mip import MipSolver
from planner.staffing.problem import StaffingProblem
from planner.staffing.shifts import WEEKS_PER_YEAR

__all__ = ["Covering"]


class Covering:
    """Builds and solves the covering MIP of one outlet."""

    def __init__(
        self,
        problem: StaffingProblem,
        *,
        max_utilization: float,
        skills: int | None,
        min_staff: np.ndarray,
        lo: np.ndarray,
        hi: np.ndarray,
        skill_req: np.ndarray | None,
        req_regular: np.ndarray | None = None,
    ) -> None:
        self.p = problem
        self.urgent_only = np.array([s.urgent_only for s in problem.shifts], dtype=bool)
        self.req_regular = req_regular  # (n, 168) for shifts that take every class
        tw = problem.tickets_per_week()
        self.work_regular = (tw[:, 1:] * problem.visit_mean_min[:, 1:] / 60.0).sum(1)
        self.cov = problem.capacity_matrix()  # (168, m) available per head
        sh = problem.shifts
        self.paid = np.array([s.paid_h_per_week for s in sh])
        self.worked = np.array([s.worked_h_per_week for s in sh])
        self.cost = (
            self.paid
            * np.array([s.cost_factor for s in sh])
            * problem.labour_per_hour
            * WEEKS_PER_YEAR
        )
        self.work = problem.work_h_per_week()
        self.rho = max_utilization
        self.k = skills
        self.min_staff = min_staff
        self.lo, self.hi = lo, hi
        self.skill_req = skill_req  # (n, n_skills, 168) or None
        self.solver = MipSolver()
        self.n_nodes = 0
        self.n_solves = 0
        self.optimal = True

    def solve(self, o: int, req: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
        """Technicians per shift, skill holders per (skill, shift), unmet coverage."""
        model = self._model(o, req)
        out = self.solver.solve(*model[:7])
        return self._decode(o, out.x, out.optimal, out.n_nodes, model[7])

    def solve_many(
        self, outlets: np.ndarray, req: np.ndarray
    ) -> list[tuple[np.ndarray, np.ndarray, float]]:
        """:meth:`solve` for many outlets: one LP relaxation of all of them (block
        diagonal), then a MIP only for the outlets whose LP solution is fractional."""
        models = [self._model(int(o), req[o]) for o in outlets]
        if not models:
            return []
        c = np.concatenate([m[0] for m in models])
        a = sp.block_diag([m[1] for m in models], format="csc")
        cat = [np.concatenate([m[i] for m in models]) for i in range(2, 6)]
        lp = self.solver.solve_lp(c, a, *cat)
        res = []
        c0 = 0
        for o, m in zip(outlets, models, strict=True):
            nc = m[0].size
            xb = None if lp.x is None else lp.x[c0 : c0 + nc]
            c0 += nc
            integral = (
                lp.optimal
                and xb is not None
                and np.abs(xb[m[6]] - np.round(xb[m[6]])).max(initial=0.0) <= 1e-7
            )
            if integral and xb is not None:
                res.append(self._decode(int(o), xb, True, 0, m[7]))
            else:
                out = self.solver.solve(*m[:7], lp_first=lp.x is None)
                res.append(self._decode(int(o), out.x, out.optimal, out.n_nodes, m[7]))
        return res

    def _model(self, o: int, req: np.ndarray) -> tuple[Any, ...]:
        """The covering MIP of outlet ``o``: arrays for the solver and a layout.

        Hours with the same set of covering shifts give one row (their largest
        requirement); every coverage row has a slack at a large penalty.
        """
        p = self.p
        allowed = np.flatnonzero(p.shift_allowed[o] | (self.min_staff[o] > 0))
        ma = allowed.size
        cov = self.cov[:, allowed]
        n_sk = (
            0 if self.skill_req is None or self.k is None else self.skill_req.shape[1]
        )
        ky = ma * n_sk
        uo = self.urgent_only[allowed]
        pats = [(0, *_patterns(cov, req))]
        if uo.any() and self.req_regular is not None:
            pats.append((0, *_patterns(cov * ~uo[None, :], self.req_regular[o])))
        if n_sk and self.skill_req is not None:
            pats += [
                (s + 1, *_patterns(cov, self.skill_req[o, s])) for s in range(n_sk)
            ]
        n_cov = sum(len(r) for _, _, r in pats)
        n_col = ma + ky + n_cov + 1
        n_row = n_cov + 3 + (n_sk + 1) * ma * (n_sk > 0)
        a = np.zeros((n_row, n_col))
        lo_r = np.zeros(n_row)
        hi_r = np.full(n_row, np.inf)
        r0 = 0
        for g, pat, r in pats:
            cols = slice(0, ma) if g == 0 else slice(ma + (g - 1) * ma, ma + g * ma)
            rows = r0 + np.arange(len(r))
            a[rows, cols] = pat
            a[rows, ma + ky + rows] = 1.0  # one slack per row
            lo_r[rows] = r
            r0 += len(r)
        paid = self.worked[allowed]  # hours at work, breaks excluded
        a[r0, :ma] = paid  # hours at work cover the work / max_utilization
        a[r0, -1] = 1.0
        lo_r[r0] = self.work[o] / self.rho
        a[r0 + 1, :ma] = paid * ~uo  # and those of every class the non-urgent work
        a[r0 + 1, -1] = 1.0
        lo_r[r0 + 1] = self.work_regular[o] / self.rho if uo.any() else 0.0
        a[r0 + 2, :ma] = 1.0  # headcount bounds
        lo_r[r0 + 2], hi_r[r0 + 2] = self.lo[o], self.hi[o]
        r0 += 3
        if n_sk:
            kk = min(int(self.k or 1), n_sk)
            ar = np.arange(ma)
            for s_ in range(n_sk):  # y_sj <= x_j (= x_j on call: every skill)
                a[r0 + ar, ma + s_ * ma + ar] = 1.0
                a[r0 + ar, ar] = -1.0
                lo_r[r0 : r0 + ma] = np.where(uo, 0.0, -np.inf)
                hi_r[r0 : r0 + ma] = 0.0
                r0 += ma
            for s_ in range(n_sk):  # sum_s y_sj = k x_j (not on call)
                a[r0 + ar, ma + s_ * ma + ar] = 1.0
            a[r0 + ar, ar] = -float(kk)
            lo_r[r0 : r0 + ma] = np.where(uo, -np.inf, 0.0)
            hi_r[r0 : r0 + ma] = np.where(uo, np.inf, 0.0)
        big = 100.0 * float(self.cost.max())
        c = np.concatenate(
            [self.cost[allowed], np.zeros(ky), np.full(n_cov, big), [big / 10]]
        )
        col_lo = np.concatenate(
            [self.min_staff[o, allowed].astype(np.float64), np.zeros(ky + n_cov + 1)]
        )
        cap = np.where(p.shift_allowed[o, allowed], np.inf, self.min_staff[o, allowed])
        col_hi = np.concatenate([cap, np.full(ky + n_cov + 1, np.inf)])
        integer = np.concatenate([np.ones(ma + ky, bool), np.zeros(n_cov + 1, bool)])
        a_sp = sp.csc_matrix(a)
        return (
            c,
            a_sp,
            lo_r,
            hi_r,
            col_lo,
            col_hi,
            integer,
            (allowed, ma, ky, n_cov, n_sk),
        )

    def _decode(
        self,
        o: int,
        xs: np.ndarray | None,
        optimal: bool,
        n_nodes: int,
        layout: tuple[Any, ...],
    ) -> tuple[np.ndarray, np.ndarray, float]:
        allowed, ma, ky, n_cov, n_sk = layout
        m = self.p.n_shifts
        self.n_solves += 1
        self.n_nodes += n_nodes
        self.optimal &= optimal
        x = np.zeros(m, dtype=np.int64)
        y = np.zeros((n_sk, m), dtype=np.int64)
        if xs is None:  # cannot happen with the slacks; keep the bounds
            self.optimal = False
            x[allowed] = self.min_staff[o, allowed]
            return x, y, math.inf
        x[allowed] = np.round(xs[:ma]).astype(np.int64)
        if n_sk:
            y[:, allowed] = (
                np.round(xs[ma : ma + ky]).reshape(n_sk, ma).astype(np.int64)
            )
        unmet = float(xs[ma + ky : ma + ky + n_cov].sum())
        return x, y, unmet


def _patterns(cov: np.ndarray, req: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct covering patterns of the hours with a requirement, and the largest each."""
    h = np.flatnonzero(req > 0)
    if not h.size:
        return np.zeros((0, cov.shape[1])), np.zeros(0)
    pat, inv = np.unique(cov[h], axis=0, return_inverse=True)
    r = np.zeros(len(pat))
    np.maximum.at(r, np.ravel(inv), req[h].astype(np.float64))
    return pat, r
