"""Solomon VRPTW (56 instances): solve_dispatch vs best-known distances.

Prints one row per instance: our distance (full precision), the best-known
routes re-costed in full precision (``distance_float`` in bks.csv), the gap,
vehicles used (ours / best-known), whether the independent validator accepts
the plan, and seconds. 25 vehicles per instance, one core.

    .venv/bin/python benchmarks/bench_routing_solomon.py [--time-limit 10] [--only C101,R101]
"""

from __future__ import annotations

import argparse
import csv
import time
from pathlib import Path

import numpy as np

from planner.routing import solve_dispatch, validate_plan
from planner.routing.instances import read_solomon

SOLOMON = (
    Path(__file__).resolve().parents[1].parent / "shared" / "benchmarks" / "solomon"
)


def main() -> None:
    """Run the benchmark and print the table."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--time-limit", type=float, default=10.0)
    ap.add_argument("--only", default="", help="comma-separated instance names")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    with (SOLOMON / "bks.csv").open() as f:
        bks = {r["instance"]: r for r in csv.DictReader(f)}
    names = [x for x in args.only.split(",") if x] or sorted(bks)
    print(
        f"{'instance':9} {'ours':>10} {'best-known':>10} {'gap %':>7} {'veh':>7} {'served':>6} {'valid':>5} {'s':>6}"
    )
    gaps, feas = [], 0
    for name in names:
        p = read_solomon(SOLOMON / f"{name}.txt", n_vehicles=25)
        t0 = time.perf_counter()
        plan = solve_dispatch(p, time_limit_s=args.time_limit, seed=args.seed)
        sec = time.perf_counter() - t0
        ok = not validate_plan(p, plan) and plan.n_served == p.n_jobs
        feas += ok
        ours = float(np.sum(plan.distance_m))
        ref = float(bks[name]["distance_float"])
        gap = 100 * (ours / ref - 1)
        gaps.append(gap)
        veh = f"{int(plan.kpi_dict()['techs_used'])}/{bks[name]['vehicles']}"
        print(
            f"{name:9} {ours:10.2f} {ref:10.2f} {gap:7.2f} {veh:>7} {plan.n_served:6d} {ok!s:>5} {sec:6.1f}",
            flush=True,
        )
    print(
        f"mean gap {np.mean(gaps):.2f} %, max {np.max(gaps):.2f} %, valid with all served {feas}/{len(names)}"
    )


if __name__ == "__main__":
    main()
