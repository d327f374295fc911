"""Solomon VRPTW (56 instances): solve_dispatch and plain PyVRP vs best-known distances.

Prints one row per instance and engine: the distance (full precision), the
best-known routes re-costed in full precision (``distance_float`` in
bks.csv), the gap, vehicles used (ours / best-known), customers served,
whether the plan is valid with every customer served (ours: the independent
validator; PyVRP: its own feasibility), wall and CPU seconds. One core.

``--fleet 25`` gives every instance 25 vehicles; ``--fleet bks`` only the
best-known vehicle count (where serving every customer is hard; customers
left out are counted). Plain PyVRP (``--engines ours,pyvrp``) gets the same
data in integer units of 1/1000 (distances and times rounded to nearest),
required clients, default parameters and ``MaxRuntime``; its distance is
re-costed in full precision.

``--cpu-clock`` makes every time limit CPU seconds of this process (equal
CPU for both engines on a loaded machine).

    .venv/bin/python benchmarks/bench_routing_solomon.py [--time-limit 10] [--only C101,R101] [--fleet bks] [--engines ours,pyvrp]
"""

from __future__ import annotations

import argparse
import csv
import resource
import time
from pathlib import Path

import numpy as np

from planner.routing import DispatchProblem, solve_dispatch, validate_plan
from planner.routing.instances import read_solomon
from planner.routing.params import DispatchParams

SOLOMON = (
    Path(__file__).resolve().parents[1].parent / "shared" / "benchmarks" / "solomon"
)


def _cpu_s() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def run_pyvrp(
    p: DispatchProblem, time_limit_s: float, seed: int
) -> tuple[float, int, int, bool]:
    """Plain PyVRP: (full-precision distance, vehicles used, served, feasible)."""
    import pyvrp
    from pyvrp.stop import MaxRuntime

    s = 1000
    d = np.asarray(p.duration_min)
    mat = np.rint(d * s).astype(np.int64)
    np.fill_diagonal(mat, 0)
    n, m = p.n_jobs, p.n_techs
    locs = [pyvrp.Location(float(i), 0.0) for i in range(n + 1)]
    clients = [
        pyvrp.Client(
            location=k + 1,
            delivery=[round(float(p.job_load[k]))],
            service_duration=round(float(p.service_min[k]) * s),
            tw_early=round(float(p.tw_early_min[k]) * s),
            tw_late=round(float(p.tw_late_min[k]) * s),
        )
        for k in range(n)
    ]
    vt = pyvrp.VehicleType(
        num_available=m,
        capacity=[round(float(p.tech_capacity[0]))],
        tw_early=round(float(p.shift_start_min[0]) * s),
        tw_late=round(float(p.shift_end_min[0]) * s),
    )
    data = pyvrp.ProblemData(
        locs, clients, [pyvrp.Depot(location=0)], [vt], [mat], [mat]
    )
    res = pyvrp.solve(data, MaxRuntime(time_limit_s), seed=seed, display=False)
    dist, served = 0.0, 0
    for r in res.best.routes():
        path = [
            0,
            *[int(a.idx) + 1 for a in r if a.type == pyvrp.ActivityType.CLIENT],
            0,
        ]
        served += len(path) - 2
        dist += float(d[path[:-1], path[1:]].sum())
    return dist, res.best.num_routes(), served, bool(res.best.is_feasible())


def main() -> None:
    """Run the benchmark and print the table."""
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--time-limit", type=float, default=10.0)
    ap.add_argument("--only", default="", help="comma-separated instance names")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--fleet", default="25", help="25 or bks (best-known count)")
    ap.add_argument("--engines", default="ours", help="ours, pyvrp")
    ap.add_argument(
        "--params", default=None, help="a TOML file of DispatchParams fields for ours"
    )
    ap.add_argument(
        "--cpu-clock",
        action="store_true",
        help="time limits in CPU seconds of this process (a loaded machine)",
    )
    args = ap.parse_args()
    params = DispatchParams.from_file(args.params) if args.params else None
    if args.cpu_clock:  # every deadline (ours and PyVRP's) reads this clock
        time.perf_counter = time.process_time
    with (SOLOMON / "bks.csv").open() as f:
        bks = {r["instance"]: r for r in csv.DictReader(f)}
    names = [x for x in args.only.split(",") if x] or sorted(bks)
    engines = [e for e in args.engines.split(",") if e]
    print(
        f"{'instance':9} {'engine':6} {'distance':>10} {'best-known':>10} {'gap %':>7} "
        f"{'veh':>7} {'served':>6} {'valid':>5} {'wall s':>6} {'cpu s':>6}"
    )
    gaps: dict[str, list[float]] = {e: [] for e in engines}
    ok_n = dict.fromkeys(engines, 0)
    left = dict.fromkeys(engines, 0)
    for name in names:
        nv = 25 if args.fleet == "25" else int(bks[name]["vehicles"])
        p = read_solomon(SOLOMON / f"{name}.txt", n_vehicles=nv)
        for eng in engines:
            t0, c0 = time.perf_counter(), _cpu_s()
            if eng == "pyvrp":
                dist, used, served, feas = run_pyvrp(p, args.time_limit, args.seed)
                ok = feas and served == p.n_jobs
            else:
                plan = solve_dispatch(
                    p, time_limit_s=args.time_limit, seed=args.seed, params=params
                )
                served = plan.n_served
                ok = not validate_plan(p, plan) and served == p.n_jobs
                dist = float(np.sum(plan.distance_m))
                used = int(plan.kpi_dict()["techs_used"])
            wall, cpu = time.perf_counter() - t0, _cpu_s() - c0
            ok_n[eng] += ok
            left[eng] += p.n_jobs - served
            ref = float(bks[name]["distance_float"])
            gap = 100 * (dist / ref - 1)
            if served == p.n_jobs:
                gaps[eng].append(gap)
            print(
                f"{name:9} {eng:6} {dist:10.2f} {ref:10.2f} {gap:7.2f} "
                f"{used:>3}/{bks[name]['vehicles']:>3} {served:6d} {ok!s:>5} "
                f"{wall:6.1f} {cpu:6.1f}",
                flush=True,
            )
    for eng in engines:
        g = gaps[eng] or [float("nan")]
        print(
            f"{eng}: mean gap {np.mean(g):.2f} % over {len(gaps[eng])} with all "
            f"served, max {np.max(g):.2f} %; valid with all served "
            f"{ok_n[eng]}/{len(names)}; customers left out {left[eng]}"
        )


if __name__ == "__main__":
    main()
