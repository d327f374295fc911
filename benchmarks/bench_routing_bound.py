"""Field days: the upper bound on urgency-weighted jobs served (how much is left to gain).

For each day, the weight of every job, of the jobs some technician could
serve alone, and :func:`planner.routing.bound.served_upper_bound` (an LP
bound that counts service and the shortest ways in and out); compare it with
the weighted served of ``bench_routing_field_day.py`` on the same day.

    .venv/bin/python benchmarks/bench_routing_bound.py [--only gen_n300_s1,...]

Measurements: ``benchmarks/README.md``.
"""

from __future__ import annotations

import argparse
import time

from bench_routing_field_day import DEFAULT_DAYS, load_day, weights

from planner.routing.bound import served_upper_bound
from planner.routing.instances import field_day_problem
from planner.routing.screen import screen_jobs


def main() -> None:
    """Print the bound of each day."""
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--only", default=DEFAULT_DAYS, help="comma-separated days")
    args = ap.parse_args()
    print(
        f"{'day':18} {'jobs':>5} {'all w':>7} {'alone w':>7} {'bound':>8} {'cpu s':>6}"
    )
    for name in [x for x in args.only.split(",") if x]:
        d = load_day(name)
        w = weights(d)
        p = field_day_problem(d)
        c0 = time.process_time()
        alone = float(w[screen_jobs(p).candidate.any(axis=1)].sum())
        ub = served_upper_bound(p, w)
        print(
            f"{name:18} {len(w):5d} {w.sum():7.0f} {alone:7.0f} {ub:8.1f} "
            f"{time.process_time() - c0:6.1f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
