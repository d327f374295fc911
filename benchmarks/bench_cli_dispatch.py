"""`planner dispatch --time-limit T`: the stepped search against one timed search.

For each day (the shared 500-job field day, and Helsinki days drawn by
``generate_day`` of other sizes and dates on the road network) the script
plans the day three ways, one core each, in the same run:

* **stepped**: what ``planner dispatch --time-limit T`` does now
  (:func:`planner.cli.dispatch_cmd.stepped_search`: 250, 500, 1,000, ...
  iterations while each step improves and the next fits, stop on a stall);
* **timed**: the former behaviour, one ``solve_dispatch(time_limit_s=T)``;
* **iters300**: ``--max-iterations 300`` (the README's earlier reference).

It prints served (urgent), objective, wall and CPU seconds per day and way.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/bench_cli_dispatch.py [--time-limit 30] [--jobs 150,400]

Measurements: ``benchmarks/README.md`` (CLI section).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("OMP_NUM_THREADS", "1")

from planner.cli.dispatch_cmd import stepped_search
from planner.routing import check_plan, solve_dispatch
from planner.routing.instances import read_field_day
from planner.routing.tables import problem_from_tables

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "benchmarks"
REPO = Path(__file__).resolve().parents[1]


def _days(jobs: list[int]) -> list[tuple[str, Any]]:
    from planner.scenario import build, load_scenario
    from planner.scenario.build import cost_rates, travel_model
    from planner.scenario.generate import generate_day

    out: list[tuple[str, Any]] = []
    fd = SHARED / "field_day" / "fd_n500_m50_s1.json"
    if fd.is_file():
        out.append(("fd_n500_m50_s1", read_field_day(fd)))
    sc = load_scenario(REPO / "scenarios" / "helsinki.toml")
    data = build(sc)
    travel, rates = travel_model(sc.spec), cost_rates(sc.spec)
    for n, date in ((n, d) for n in jobs for d in ("2026-07-15", "2026-01-20")):
        day = dt.date.fromisoformat(date)
        d = generate_day(data, day, n_tickets=n)
        p = problem_from_tables(
            d.tickets, d.technicians, day, travel=travel, rates=rates
        )
        out.append((f"helsinki_n{n}_{date}", p))
    return out


def _run(way: str, problem: Any, limit: float) -> tuple[Any, float, float]:
    w0, c0 = time.perf_counter(), time.process_time()
    if way == "stepped":
        plan = stepped_search(
            solve_dispatch,
            problem,
            deadline=time.perf_counter() + limit,
            seed=0,
            say=lambda _m: None,
        )
    elif way == "timed":
        plan = solve_dispatch(problem, time_limit_s=limit, seed=0)
    else:
        plan = solve_dispatch(problem, seed=0, max_iterations=300)
    wall, cpu = time.perf_counter() - w0, time.process_time() - c0
    check_plan(problem, plan)
    return plan, wall, cpu


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--time-limit", type=float, default=30.0)
    ap.add_argument("--jobs", default="150,400")
    a = ap.parse_args()
    jobs = [int(x) for x in a.jobs.split(",") if x]
    print(
        f"{'instance':<28} {'way':<9} {'jobs':>5} {'served':>7} {'urgent':>9} "
        f"{'objective':>12} {'wall s':>7} {'CPU s':>7} threads"
    )
    for name, problem in _days(jobs):
        for way in ("stepped", "timed", "iters300"):
            plan, wall, cpu = _run(way, problem, a.time_limit)
            k = plan.kpi_dict()
            urgent = f"{k['served_urgent']:.0f}/{k['jobs_urgent']:.0f}"
            print(
                f"{name:<28} {way:<9} {problem.n_jobs:>5} {plan.n_served:>7} "
                f"{urgent:>9} {plan.objective:>12.1f} {wall:>7.1f} {cpu:>7.1f} 1",
                flush=True,
            )


if __name__ == "__main__":
    main()
