"""Large p-median: 50,000 demand points x 2,000 candidates, p = 100 (printed only).

Points and sites uniform in a 300 x 300 km square, float32 kilometres, integer
weights 1..20, one instance per seed. Heuristic mode (greedy, sparse swaps in an
iterated local search, Lagrangian bound) with a time limit, one thread. Prints
a row per seed: objective, bound, gap, wall and CPU seconds, thread pools,
Lagrangian iterations, ILS rounds and the peak resident memory of this process
(the matrix alone is 400 MB). Figures are in ``benchmarks/README.md`` (Siting).

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/bench_siting_scale.py \\
        [--n 50000 --m 2000 --p 100] [--seeds 0 1 2] [--time-limit 300] [--spopt]
    (ulimit -v 14000000; .venv/bin/python benchmarks/bench_siting_scale.py --spopt --skip-ours)
"""

from __future__ import annotations

import argparse
import resource
import time

import numpy as np
from bench_siting_layouts import clock, load, threads

from planner.siting import solve_pmedian


def instance(n: int, m: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Cost (km, float32, built in blocks) and weights."""
    rng = np.random.default_rng(seed)
    d = rng.uniform(0, 300, size=(n, 2)).astype(np.float32)
    s = rng.uniform(0, 300, size=(m, 2)).astype(np.float32)
    cost = np.empty((n, m), dtype=np.float32)
    for r0 in range(0, n, 2000):
        blk = d[r0 : r0 + 2000]
        cost[r0 : r0 + 2000] = np.hypot(
            blk[:, None, 0] - s[None, :, 0], blk[:, None, 1] - s[None, :, 1]
        )
    w = rng.integers(1, 21, size=n).astype(float)
    return cost, w


def main() -> None:
    """Run one instance per seed and print a row for each."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n", type=int, default=50_000)
    ap.add_argument("--m", type=int, default=2_000)
    ap.add_argument("--p", type=int, default=100)
    ap.add_argument("--seeds", type=int, nargs="+", default=[0])
    ap.add_argument("--time-limit", type=float, default=300.0)
    ap.add_argument(
        "--spopt", action="store_true", help="also try spopt (may run out of memory)"
    )
    ap.add_argument(
        "--skip-ours", action="store_true", help="only spopt (with --spopt)"
    )
    args = ap.parse_args()
    print(f"{load()}; n={args.n} m={args.m} p={args.p} time_limit={args.time_limit}")
    print(
        "| seed | objective | bound | gap % | wall s | CPU s | threads | Lagrangian its "
        "| ILS rounds | peak RSS MB |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for seed in args.seeds:
        cost, w = instance(args.n, args.m, seed)
        if args.skip_ours:
            if args.spopt:
                run_spopt(cost, w, args.p, args.time_limit)
            continue
        with threads(1) as pools, clock() as t:
            plan = solve_pmedian(
                cost,
                w,
                args.p,
                method="heuristic",
                time_limit_s=args.time_limit,
                seed=seed,
            )
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        x = plan.stats.extra
        print(
            f"| {seed} | {plan.objective:,.0f} | {plan.bound:,.0f} | {100 * plan.gap:.3f} "
            f"| {t['wall']:.1f} | {t['cpu']:.1f} | {pools} "
            f"| {x.get('lagrange_iterations', '-')} | {x.get('ils_rounds', '-')} "
            f"| {rss:,.0f} |",
            flush=True,
        )
        if args.spopt:
            run_spopt(cost, w, args.p, args.time_limit)
    print(load())


def run_spopt(cost: np.ndarray, w: np.ndarray, p: int, time_limit: float) -> None:
    """spopt PMedian (pulp + HiGHS) on the same instance: result or failure.

    Run it under a memory cap (``ulimit -v``): on 50,000 x 2,000 pulp's model
    outgrows the machine.
    """
    t0 = time.perf_counter()
    try:
        import pulp
        from spopt.locate import PMedian

        model = PMedian.from_cost_matrix(cost.astype(float), w, p_facilities=p)
        print(f"spopt: model built in {time.perf_counter() - t0:.1f} s", flush=True)
        model.solve(pulp.HiGHS(msg=False, threads=1, timeLimit=time_limit))
        print(
            f"spopt: {pulp.value(model.problem.objective)} in "
            f"{time.perf_counter() - t0:.1f} s"
        )
    except MemoryError:
        print(f"spopt: MemoryError after {time.perf_counter() - t0:.1f} s")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"spopt: peak RSS {rss:.0f} MB")


if __name__ == "__main__":
    main()
