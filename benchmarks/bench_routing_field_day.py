"""Field-day instances (over-booked): jobs served and travel, ours vs VROOM.

Both engines get the same data (travel in whole seconds as the instance file
defines it, hard windows, skills, shifts). The objective is lexicographic:
most jobs served, then least travel time. Our plan is checked by the
independent validator; peak memory is the process's max RSS so far.

    .venv/bin/python benchmarks/bench_routing_field_day.py [--time-limit 60] [--only fd_n500_m50_s1] [--engines pyvrp,ortools,vroom]

Measurements and their history: ``benchmarks/README.md``.
"""

from __future__ import annotations

import argparse
import json
import resource
import time
from datetime import timedelta
from pathlib import Path

import numpy as np

from planner.routing import solve_dispatch, validate_plan
from planner.routing.instances import read_field_day

FIELD = (
    Path(__file__).resolve().parents[1].parent / "shared" / "benchmarks" / "field_day"
)


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cpu_s() -> float:
    """CPU seconds (user + system) of this process so far."""
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def run_vroom(path: Path, time_limit_s: float) -> tuple[int, float, float]:
    """VROOM on the instance: (jobs served, travel hours, wall seconds)."""
    import vroom

    d = json.loads(path.read_text())
    jobs, techs = d["jobs"], d["techs"]
    xy = np.array(
        [[t["x_km"], t["y_km"]] for t in techs] + [[j["x_km"], j["y_km"]] for j in jobs]
    )
    e = np.sqrt(((xy[:, None] - xy[None]) ** 2).sum(axis=2))
    sec = np.rint(1.3 * e / 30.0 * 3600).astype(np.int64)
    m = len(techs)
    inp = vroom.Input()
    inp.set_durations_matrix(profile="car", matrix_input=sec.tolist())
    for i, t in enumerate(techs):
        inp.add_vehicle(
            vroom.Vehicle(
                id=i,
                start=i,
                end=i,
                profile="car",
                skills={int(s) for s in t["skills"]},
                time_window=vroom.TimeWindow(
                    int(t["shift_start_min"] * 60), int(t["shift_end_min"] * 60)
                ),
            )
        )
    for k, j in enumerate(jobs):
        inp.add_job(
            vroom.Job(
                id=k,
                location=m + k,
                default_service=int(j["service_min"] * 60),
                skills={int(j["skill"])},
                time_windows=[
                    vroom.TimeWindow(
                        int(j["tw_start_min"] * 60), int(j["tw_end_min"] * 60)
                    )
                ],
            )
        )
    t0 = time.perf_counter()
    sol = inp.solve(
        exploration_level=5, nb_threads=1, timeout=timedelta(seconds=time_limit_s)
    )
    wall = time.perf_counter() - t0
    routes = sol.routes
    served = int((routes["type"] == "job").sum())
    travel_h = (
        float(sol.summary.duration) / 3600.0
        if hasattr(sol, "summary")
        else float("nan")
    )
    return served, travel_h, wall


def main() -> None:
    """Run the benchmark and print the table."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--time-limit", type=float, default=60.0)
    ap.add_argument("--only", default="")
    ap.add_argument(
        "--engines",
        default="pyvrp,vroom",
        help="comma-separated: pyvrp, ortools, vroom",
    )
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    names = [x for x in args.only.split(",") if x] or [
        "fd_n500_m50_s1",
        "fd_n2000_m200_s1",
    ]
    print(
        f"{'instance':18} {'engine':12} {'served':>7} {'travel h':>9} {'h/job':>6} {'valid':>5} {'s':>6} {'cpu s':>6} {'RSS MB':>7}"
    )
    engines = [e for e in args.engines.split(",") if e]
    for name in names:
        path = FIELD / f"{name}.json"
        p = read_field_day(path)
        for eng in engines:
            c0 = _cpu_s()
            if eng == "vroom":
                served, vh, wall = run_vroom(path, args.time_limit)
                row = (served, vh, "-", wall)
            else:
                t0 = time.perf_counter()
                plan = solve_dispatch(
                    p, time_limit_s=args.time_limit, seed=args.seed, engine=eng
                )
                sec = time.perf_counter() - t0
                ok = not validate_plan(p, plan)
                row = (plan.n_served, plan.kpi_dict()["travel_h"], str(ok), sec)
            served, th, ok_s, sec = row
            label = "vroom" if eng == "vroom" else f"ours-{eng}"
            print(
                f"{name:18} {label:12} {served:7d} {th:9.1f} {th / max(1, served):6.3f} "
                f"{ok_s:>5} {sec:6.1f} {_cpu_s() - c0:6.1f} {_rss_mb():7.0f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
