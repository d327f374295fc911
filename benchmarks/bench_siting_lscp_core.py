"""The reduced LSCP core of each layout, solved by HiGHS, SCIP and CP-SAT (printed only).

For every layout of `bench_siting_layouts.py` (5,000 x 500, radius 10 km) the
set cover that `solve_lscp` hands to its MIP is built the same way (rows
aggregated, dominated candidates dropped, then row/column dominance and
essential columns to a fixpoint), and printed with its size, the number of
connected components of its column graph and its LP bound. Then the core
is solved, one thread each, from nothing (no start):

- ``highs``: HiGHS (highspy), the solver `solve_lscp` uses;
- ``scip``: SCIP through OR-Tools' ``pywraplp``;
- ``cpsat``: CP-SAT (one worker) on the feasibility question the proof
  is about, "is there a cover with one site fewer than HiGHS' best?";
- ``core``: CP-SAT's core-guided search as `solve_lscp` runs it now
  (:func:`planner.siting._sat_cover.solve_unit_cover`, one worker, from the
  all-open start).

    .venv/bin/python benchmarks/bench_siting_lscp_core.py --layouts benchmark uniform

CPU seconds are the figure to read on a shared machine; the load is printed.
"""

from __future__ import annotations

import argparse
import math

import numpy as np
import scipy.sparse as sp
from bench_siting_layouts import LAYOUTS, clock, instance, load, threads
from scipy.sparse.csgraph import connected_components

from planner.siting._cover import coverage_matrix, reduce_cover, reduce_set_cover
from planner.siting._highs import solve_lp, solve_mip


def core(layout: str, seed: int, r: float) -> tuple[sp.csr_matrix, int]:
    """The reduced set cover of one layout and its number of essential columns."""
    cost, w = instance(layout, seed=seed)
    w = np.where(cost.min(axis=1) <= r, w, 0.0)
    none = np.zeros(0, np.int64)
    red = reduce_cover(
        coverage_matrix(cost, r),
        w,
        forced=none,
        excluded=none,
        col_cost=np.ones(cost.shape[1]),
    )
    A, _, ess = reduce_set_cover(red.A, np.ones(red.cand.size))
    return sp.csr_matrix(A), int(ess.size)


def _highs(A: sp.csr_matrix, tl: float) -> tuple[float, float, str]:
    g, m = A.shape
    res = solve_mip(
        np.ones(m),
        A,
        np.ones(g),
        np.full(g, np.inf),
        np.zeros(m),
        np.ones(m),
        np.ones(m, dtype=bool),
        abs_gap=1 - 1e-6,
        time_limit_s=tl,
    )
    return res.objective, res.bound, f"{res.status}, {res.n_nodes} nodes"


def _scip(A: sp.csr_matrix, tl: float) -> tuple[float, float, str]:
    from ortools.linear_solver import pywraplp

    s = pywraplp.Solver.CreateSolver("SCIP")
    s.SetNumThreads(1)
    s.SetTimeLimit(int(tl * 1000))
    y = [s.BoolVar(f"y{j}") for j in range(A.shape[1])]
    for i in range(A.shape[0]):
        s.Add(sum(y[j] for j in A.indices[A.indptr[i] : A.indptr[i + 1]]) >= 1)
    s.Minimize(sum(y))
    st = s.Solve()
    return s.Objective().Value(), s.Objective().BestBound(), f"{st}, {s.nodes()} nodes"


def _cpsat(A: sp.csr_matrix, tl: float, below: float) -> tuple[float, float, str]:
    from ortools.sat.python import cp_model

    md = cp_model.CpModel()
    y = [md.NewBoolVar(f"y{j}") for j in range(A.shape[1])]
    for i in range(A.shape[0]):
        md.AddBoolOr([y[j] for j in A.indices[A.indptr[i] : A.indptr[i + 1]]])
    md.Add(sum(y) <= int(below) - 1)
    s = cp_model.CpSolver()
    s.parameters.num_workers = 1
    s.parameters.max_time_in_seconds = tl
    st = s.Solve(md)
    name = s.StatusName(st)
    bound = below if name == "INFEASIBLE" else math.nan
    return math.nan, bound, f"cover with {int(below) - 1}: {name}"


def _core(A: sp.csr_matrix, tl: float) -> tuple[float, float, str]:
    from planner.siting._sat_cover import solve_unit_cover

    res = solve_unit_cover(A, 1.0, np.ones(A.shape[1]), time_limit_s=tl)
    return res.objective, res.bound, res.status


def _run(
    name: str, A: sp.csr_matrix, tl: float, opt: float
) -> tuple[float, float, str]:
    """One solver on the core: objective, bound, what it said."""
    if name == "highs":
        return _highs(A, tl)
    if name == "scip":
        return _scip(A, tl)
    if name == "core":
        return _core(A, tl)
    return _cpsat(A, tl, opt)


def main() -> None:
    """Print the table."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--radius", type=float, default=10.0)
    ap.add_argument("--layouts", nargs="*", default=list(LAYOUTS))
    ap.add_argument("--solvers", nargs="*", default=["highs", "scip", "cpsat", "core"])
    ap.add_argument("--time-limit", type=float, default=120.0)
    args = ap.parse_args()
    tl = args.time_limit
    print(f"radius={args.radius} seed={args.seed}; {load()}")
    with threads(1) as th:
        for layout in args.layouts:
            A, n_ess = core(layout, args.seed, args.radius)
            g, m = A.shape
            n_comp = connected_components(A.T @ A, directed=False)[0] if m else 0
            lp = solve_lp(
                np.ones(m), A, np.ones(g), np.full(g, np.inf), np.zeros(m), np.ones(m)
            )
            print(
                f"{layout}: core {g} rows x {m} columns, {n_ess} essential, "
                f"{n_comp} components, LP bound {lp.objective:.2f}"
            )
            opt = math.nan
            for name in args.solvers:
                if name == "cpsat" and math.isnan(opt):
                    continue
                with clock() as t:
                    obj, bound, what = _run(name, A, tl, opt)
                if name == "highs" and math.isfinite(obj):  # CP-SAT asks: one fewer?
                    opt = round(obj)
                print(
                    f"  {name:6} objective {obj:6.0f} bound {bound:8.2f} "
                    f"wall {t['wall']:7.2f} CPU {t['cpu']:7.2f}  {what}; {th}",
                    flush=True,
                )
    print(load())


if __name__ == "__main__":
    main()
