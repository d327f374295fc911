"""Where ours' travel comes from: served, weighted and travel per job after each stage.

Runs ``solve_dispatch`` on one field day (``bench_routing_field_day`` names)
and prints the routes' figures before and after each pass (greedy insertion,
exchange, travel swaps) and the solver's timing record, to tell the search's
share of the travel per served job from the passes'. Time limits are CPU
seconds of this process (the figures printed before and after the passes count in
it, a few hundredths of a second each).

    .venv/bin/python benchmarks/bench_routing_stages.py --day gen_n1000_s2 --time-limit 20

Measurements: ``benchmarks/README.md``.
"""

from __future__ import annotations

import argparse
import time
from typing import Any

import numpy as np
from bench_routing_field_day import load_day, weights

import planner.routing.solver as solver
from planner.routing import solve_dispatch, validate_plan
from planner.routing.instances import field_day_problem
from planner.routing.schedule import best_schedule


def main() -> None:
    """Run one day and print the figures after each stage."""
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--day", default="gen_n1000_s2")
    ap.add_argument("--time-limit", type=float, default=20.0)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    time.perf_counter = time.process_time  # every deadline in CPU seconds
    d = load_day(args.day)
    w = weights(d)
    p = field_day_problem(d)
    t0 = time.process_time()

    def show(tag: str, routes: list[list[int]]) -> None:
        tr = sum(best_schedule(p, t, r).travel for t, r in enumerate(routes)) / 60
        js = [j for r in routes for j in r]
        print(
            f"{tag:22} {len(js):6d} {w[js].sum():8.0f} {tr:8.1f} "
            f"{tr / max(1, len(js)):7.4f} {time.process_time() - t0:6.1f}",
            flush=True,
        )

    def wrap(name: str) -> None:
        inner = getattr(solver, name)

        def run(*a: Any, **k: Any) -> Any:
            show(f"before {name}", a[1])
            out = inner(*a, **k)
            show(f"after {name}", a[1])
            return out

        setattr(solver, name, run)

    for name in ("greedy_insert", "exchange", "travel_swaps"):
        wrap(name)
    print(
        f"{'stage':22} {'served':>6} {'weighted':>8} {'travel h':>8} {'h/job':>7} {'cpu s':>6}"
    )
    plan = solve_dispatch(p, time_limit_s=args.time_limit, seed=args.seed)
    served = np.asarray(plan.stop_job, int)
    th = plan.kpi_dict()["travel_h"]
    print(
        f"{'plan':22} {len(served):6d} {w[served].sum():8.0f} {th:8.1f} "
        f"{th / max(1, len(served)):7.4f} {time.process_time() - t0:6.1f} "
        f"valid {not validate_plan(p, plan)}"
    )
    print("iterations", plan.stats.n_iterations, "timing", plan.stats.extra)


if __name__ == "__main__":
    main()
