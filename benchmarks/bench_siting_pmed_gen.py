"""Exact p-median on generated instances: the default path against Benders only.

Instances not in ``shared/benchmarks``: OR-Library-style random graphs
(``planner.siting.instances.generate_pmed_graph``, Beasley's edge ratio, other
seeds) and Euclidean squares (uniform or clustered points, whole distances),
each solved by ``solve_pmedian(..., method="exact")`` twice in this process:
as shipped (Lagrangian branch-and-bound first, the branch-and-Benders-cut
after it if needed) and with the tree switched off (the Benders path alone,
the method before). Both objectives are recomputed from the open sites; the
table prints whether each is proven, their wall and CPU seconds and the
thread count (one: HiGHS runs single-threaded, numpy is pinned by the
environment).

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/bench_siting_pmed_gen.py [--seeds 1 2] [--time-limit 120] [--sizes 300 600 900] [--euclid-n 800]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from bench_siting_layouts import load, threads

from planner.siting import pmedian as pm
from planner.siting import solve_pmedian
from planner.siting.instances import generate_pmed_graph


def euclid(n: int, seed: int, clustered: bool) -> np.ndarray:
    """``n`` points that are also the candidates, whole rounded distances."""
    rng = np.random.default_rng([seed, n, int(clustered)])
    if clustered:
        centres = rng.uniform(0, 100, size=(12, 2))
        xy = centres[rng.integers(0, 12, n)] + rng.normal(0, 6, size=(n, 2))
    else:
        xy = rng.uniform(0, 100, size=(n, 2))
    d = np.hypot(xy[:, None, 0] - xy[None, :, 0], xy[:, None, 1] - xy[None, :, 1])
    return np.round(10 * d)


def run(
    C: np.ndarray, p: int, limit: float, tree: bool
) -> tuple[float, bool, float, float]:
    """(objective from the open sites, proven, wall s, CPU s)."""
    saved = pm.TREE_MAX_ENTRIES
    pm.TREE_MAX_ENTRIES = saved if tree else 0
    try:
        t0, c0 = time.perf_counter(), time.process_time()
        plan = solve_pmedian(C, None, p, method="exact", time_limit_s=limit, seed=0)
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    finally:
        pm.TREE_MAX_ENTRIES = saved
    S = np.asarray(plan.open_idx)
    obj = float(C[:, S].min(axis=1).sum())
    return obj, plan.status.value == "optimal", wall, cpu


def main() -> None:
    """Print the table."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--seeds", type=int, nargs="*", default=[1, 2])
    ap.add_argument("--time-limit", type=float, default=120.0)
    ap.add_argument("--sizes", type=int, nargs="*", default=[300, 600, 900])
    ap.add_argument("--euclid-n", type=int, default=800, help="points of the squares")
    a = ap.parse_args()
    with threads(1) as t:
        print(f"threads: {t}; {load()}; one core")
        table(a)


def table(a: argparse.Namespace) -> None:
    """Solve every case both ways and print a row each."""
    head = (
        f"{'instance':24} {'p':>4} {'ours':>9} {'benders':>9} {'same':>5} "
        f"{'proven':>7} {'wall s':>7} {'cpu s':>7} {'b wall':>7} {'b cpu':>7}"
    )
    print(head)
    tot = np.zeros(4)
    n_proven = [0, 0]
    rows = 0
    for seed in a.seeds:
        cases: list[tuple[str, np.ndarray, int]] = []
        for n in a.sizes:
            C = generate_pmed_graph(n, seed)
            cases += [(f"graph n{n} s{seed}", C, p) for p in (5, 10, n // 10)]
        for kind in ("uniform", "clustered"):
            C = euclid(a.euclid_n, seed, kind == "clustered")
            cases += [(f"{kind} n{a.euclid_n} s{seed}", C, p) for p in (10, 20)]
        for name, C, p in cases:
            o, ok, w, c = run(C, p, a.time_limit, True)
            ob, okb, wb, cb = run(C, p, a.time_limit, False)
            tot += (w, c, wb, cb)
            n_proven[0] += ok
            n_proven[1] += okb
            rows += 1
            print(
                f"{name:24} {p:4d} {o:9.0f} {ob:9.0f} {o == ob!s:>5} "
                f"{ok!s:>3}/{okb!s:<3} {w:7.2f} {c:7.2f} {wb:7.2f} {cb:7.2f}",
                flush=True,
            )
    print(
        f"total: ours {tot[0]:.1f} s wall / {tot[1]:.1f} CPU-s, proven {n_proven[0]}/{rows}; "
        f"Benders only {tot[2]:.1f} s wall / {tot[3]:.1f} CPU-s, proven {n_proven[1]}/{rows}; "
        f"load {load()}"
    )


if __name__ == "__main__":
    main()
