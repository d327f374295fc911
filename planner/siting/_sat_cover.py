"""Unit-cost set cover by CP-SAT's core-guided search (one worker).

Every row is a hard clause, every column a soft clause "closed"; the search
raises its bound by unsatisfiable cores rather than by LP branching, which
suits the LSCP cores whose LP optimum lies a few columns below the integer
one on uniform layouts (``benchmarks/README.md``). Only for unit costs: with
weighted columns the LP-based MIP is far faster.
"""

from __future__ import annotations

import math
import time

import numpy as np
import scipy.sparse as sp

from planner.core.progress import Heartbeat
from planner.siting._highs import MipResult

__all__ = ["solve_unit_cover"]


def solve_unit_cover(
    A: sp.csr_matrix | sp.csc_matrix,
    unit: float,
    start: np.ndarray,
    *,
    offset: float = 0.0,
    time_limit_s: float | None = None,
    heartbeat: Heartbeat | None = None,
) -> MipResult:
    """Fewest columns of ``A`` (rows x columns, 0/1) covering every row, each costing ``unit``.

    ``start`` (a 0/1 cover) is the incumbent kept when the search finds none
    better in time; the bound is the search's (a count of columns times
    ``unit``, plus ``offset``).
    """
    from ortools.sat.python import cp_model

    t0 = time.perf_counter()
    A = sp.csr_matrix(A)
    g, m = A.shape
    md = cp_model.CpModel()
    y = [md.new_bool_var(f"y{j}") for j in range(m)]
    for i in range(g):
        md.add_bool_or([y[j] for j in A.indices[A.indptr[i] : A.indptr[i + 1]]])
    md.minimize(sum(y))
    s = cp_model.CpSolver()
    prm = s.parameters
    prm.num_workers = 1
    prm.random_seed = 0
    prm.optimize_with_core = True
    # the assumption order that proved the benchmark cores fastest
    prm.max_sat_reverse_assumption_order = True
    if time_limit_s is not None:
        prm.max_time_in_seconds = max(float(time_limit_s), 0.01)
    x0 = np.asarray(start, dtype=np.float64)
    n0 = round(float(x0.sum()))
    if heartbeat is not None:
        heartbeat(
            "CP-SAT core search", best=offset + unit * n0, bound=offset, force=True
        )
    if heartbeat is not None:
        hb = heartbeat

        def on_bound(b: float) -> None:
            hb("CP-SAT core search", best=offset + unit * n0, bound=offset + unit * b)

        s.best_bound_callback = on_bound
    st = s.solve(md)
    name = s.status_name(st)
    if name == "INFEASIBLE":
        return MipResult(
            x=None,
            objective=math.nan,
            bound=math.inf,
            optimal=False,
            infeasible=True,
            runtime_s=time.perf_counter() - t0,
            n_nodes=0,
            status="CP-SAT: infeasible",
        )
    x = x0
    if name in ("OPTIMAL", "FEASIBLE"):
        xs = np.array([s.value(v) for v in y], dtype=np.float64)
        if xs.sum() < n0 or name == "OPTIMAL":
            x = xs
    count = round(float(x.sum()))
    lb = min(count, math.ceil(s.best_objective_bound - 1e-6))
    return MipResult(
        x=x,
        objective=offset + unit * count,
        bound=offset + unit * max(lb, 0),
        optimal=lb >= count,
        infeasible=False,
        runtime_s=time.perf_counter() - t0,
        n_nodes=int(s.num_branches),
        status=f"CP-SAT core search: {name.lower()}",
    )
