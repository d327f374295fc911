"""MCLP and LSCP on 5,000 weighted points x 500 candidates (printed, not asserted).

A 100 x 100 km square, seeded generator, radius 10 km, p = 20. Usage::

    .venv/bin/python benchmarks/bench_siting_mclp.py [--spopt] [--lscp] [--seed 0]

Timings are wall seconds on a shared machine; read them as +-30 %.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from planner.siting import solve_mclp


def instance(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Cost (km, float32) 5,000 x 500 and integer weights 1..100."""
    rng = np.random.default_rng(seed)
    d = rng.uniform(0, 100, size=(5000, 2))
    s = rng.uniform(0, 100, size=(500, 2))
    cost = np.hypot(d[:, None, 0] - s[None, :, 0], d[:, None, 1] - s[None, :, 1])
    w = rng.integers(1, 101, size=5000).astype(float)
    return cost.astype(np.float32), w


def main() -> None:
    """Run the table."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--spopt", action="store_true")
    ap.add_argument("--lscp", action="store_true")
    ap.add_argument("--time-limit", type=float, default=600.0)
    args = ap.parse_args()
    cost, w = instance(args.seed)
    print(f"seed={args.seed} n=5000 m=500 radius=10 p=20 total weight={w.sum():.0f}")
    print(
        f"{'model':6} {'solver':8} {'objective':>10} {'bound':>10} {'gap%':>7} {'s':>7} status"
    )
    t0 = time.perf_counter()
    c0 = time.process_time()
    plan = solve_mclp(cost, w, 20, 10.0, time_limit_s=args.time_limit)
    dt = time.perf_counter() - t0
    print(f"(cpu {time.process_time() - c0:.2f} s)")
    print(
        f"{'mclp':6} {'ours':8} {plan.objective:10.0f} {plan.bound:10.0f} "
        f"{100 * plan.gap:7.3f} {dt:7.2f} {plan.status.value}  {plan.stats.extra}"
    )
    t0 = time.perf_counter()
    heur = solve_mclp(cost, w, 20, 10.0, method="heuristic")
    dt = time.perf_counter() - t0
    print(
        f"{'mclp':6} {'greedy':8} {heur.objective:10.0f} {'':>10} "
        f"{100 * (plan.objective - heur.objective) / plan.objective:7.3f} {dt:7.2f} (gap to ours)"
    )
    if args.lscp:
        from planner.siting import solve_lscp

        t0 = time.perf_counter()
        c0 = time.process_time()
        lp = solve_lscp(cost, w, 10.0, time_limit_s=args.time_limit)
        dt = time.perf_counter() - t0
        print(f"(cpu {time.process_time() - c0:.2f} s) {lp.stats.extra}")
        print(
            f"{'lscp':6} {'ours':8} {lp.objective:10.0f} {lp.bound:10.0f} "
            f"{100 * lp.gap:7.3f} {dt:7.2f} {lp.status.value}"
        )
    if args.spopt:
        import pulp
        from spopt.locate import MCLP

        t0 = time.perf_counter()
        model = MCLP.from_cost_matrix(
            cost.astype(float), w, service_radius=10.0, p_facilities=20
        )
        model.solve(pulp.HiGHS(msg=False, threads=1, timeLimit=args.time_limit))
        dt = time.perf_counter() - t0
        val = float(pulp.value(model.problem.objective))
        print(f"{'mclp':6} {'spopt':8} {val:10.0f} {'':>10} {'':>7} {dt:7.2f}")


if __name__ == "__main__":
    main()
