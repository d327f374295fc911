"""Field days (over-booked): ours, plain PyVRP and VROOM side by side.

Every engine gets the same data (travel in whole seconds as the instance file
defines it, hard windows, skills, shifts, one core). The objective is
lexicographic: the most urgency-weighted jobs served (urgent 20, important 4,
general 1, as the cost model's default penalties; the shared days have no
urgency, so every job weighs 1), then the least travel time.

* ``ours``: ``solve_dispatch``, its plan checked by the independent validator;
* ``pyvrp``: plain PyVRP 0.14 (one routing profile per skill set whose arcs
  into jobs it may not do cost more than any prize, optional clients with
  prize ``weight * 10**6`` seconds, default parameters, ``MaxRuntime``, no
  post-processing), feasibility from PyVRP itself;
* ``vroom``: VROOM (exploration level 5, unweighted: it has no prizes).

Days: the shared ``fd_n500_m50_s1`` and ``fd_n2000_m200_s1`` and days made by
:func:`planner.routing.instances.generate_field_day` (``gen_n{N}_s{seed}``,
``N / 10`` technicians). Columns: served, urgency-weighted served, travel h,
travel h per served job, valid, wall s, CPU s of this run, peak RSS of the
process so far (MB; run one engine per process for a clean figure).

    .venv/bin/python benchmarks/bench_routing_field_day.py [--time-limit 60]
        [--only fd_n500_m50_s1,gen_n300_s2] [--engines ours,pyvrp,vroom]
        [--params ours.toml]

``--cpu-clock`` makes every time limit (ours and PyVRP's, not VROOM's) CPU
seconds of this process, so that engines get equal CPU on a loaded machine
(the wall column then shows CPU seconds too).

Measurements and their history: ``benchmarks/README.md``.
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np

from planner.routing import solve_dispatch, validate_plan
from planner.routing.instances import field_day_problem, generate_field_day
from planner.routing.params import DispatchParams

FIELD = (
    Path(__file__).resolve().parents[1].parent / "shared" / "benchmarks" / "field_day"
)
WEIGHT = {"urgent": 20.0, "important": 4.0, "general": 1.0}
DEFAULT_DAYS = (
    "fd_n500_m50_s1,fd_n2000_m200_s1,"
    "gen_n300_s1,gen_n300_s2,gen_n300_s3,gen_n1000_s1,gen_n1000_s2,gen_n1000_s3,"
    "gen_n2000_s2"
)


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cpu_s() -> float:
    """CPU seconds (user + system) of this process so far."""
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def load_day(name: str) -> dict[str, Any]:
    """A shared day by file name, or ``gen_n{N}_s{seed}`` generated."""
    g = re.fullmatch(r"gen_n(\d+)_s(\d+)", name)
    if g:
        n, s = int(g[1]), int(g[2])
        return generate_field_day(n, n // 10, s)
    return dict(json.loads((FIELD / f"{name}.json").read_text()))


def _seconds(d: dict[str, Any]) -> np.ndarray:
    """Travel seconds between homes (first) and jobs, as the file defines them."""
    xy = np.array(
        [[t["x_km"], t["y_km"]] for t in d["techs"]]
        + [[j["x_km"], j["y_km"]] for j in d["jobs"]]
    )
    e = np.sqrt(((xy[:, None] - xy[None]) ** 2).sum(axis=2))
    return np.rint(1.3 * e / 30.0 * 3600).astype(np.int64)


def weights(d: dict[str, Any]) -> np.ndarray:
    """Each job's weight in the urgency-weighted count."""
    return np.array([WEIGHT[j.get("urgency", "general")] for j in d["jobs"]])


def pyvrp_data(d: dict[str, Any]) -> Any:
    """The plain-PyVRP peer's model of the day (``pyvrp.ProblemData``)."""
    import pyvrp

    jobs, techs = d["jobs"], d["techs"]
    m, n = len(techs), len(jobs)
    sec = _seconds(d)
    w = weights(d)
    prize = np.rint(w * 1_000_000).astype(np.int64)
    prohibit = int(prize.max() * 4)
    locs = [pyvrp.Location(float(i), 0.0) for i in range(m + n)]
    depots = [pyvrp.Depot(location=i) for i in range(m)]
    clients = [
        pyvrp.Client(
            location=m + k,
            service_duration=int(j["service_min"] * 60),
            tw_early=int(j["tw_start_min"] * 60),
            tw_late=int(j["tw_end_min"] * 60),
            prize=int(prize[k]),
            required=False,
        )
        for k, j in enumerate(jobs)
    ]
    sets = sorted({tuple(t["skills"]) for t in techs})
    dist_mats, dur_mats = [], []
    skill = np.array([j["skill"] for j in jobs])
    for s in sets:
        bad = m + np.flatnonzero(~np.isin(skill, s))
        c = sec.copy()
        c[:, bad] = prohibit
        c[bad, :] = prohibit
        np.fill_diagonal(c, 0)
        dist_mats.append(c)
        dur_mats.append(sec)
    vts = [
        pyvrp.VehicleType(
            num_available=1,
            start_depot=i,
            end_depot=i,
            tw_early=int(t["shift_start_min"] * 60),
            tw_late=int(t["shift_end_min"] * 60),
            profile=sets.index(tuple(t["skills"])),
        )
        for i, t in enumerate(techs)
    ]
    return pyvrp.ProblemData(locs, clients, depots, vts, dist_mats, dur_mats)


def run_pyvrp(
    d: dict[str, Any], time_limit_s: float, seed: int
) -> tuple[list[int], float, bool]:
    """Plain PyVRP: (jobs served, travel hours, feasible)."""
    import pyvrp
    from pyvrp.stop import MaxRuntime

    m = len(d["techs"])
    sec = _seconds(d)
    data = pyvrp_data(d)
    res = pyvrp.solve(data, MaxRuntime(time_limit_s), seed=seed, display=False)
    served: list[int] = []
    travel = 0
    for r in res.best.routes():
        visits = [int(a.idx) for a in r if a.type == pyvrp.ActivityType.CLIENT]
        served += visits
        path = [int(r.vehicle_type()), *[m + c for c in visits], int(r.vehicle_type())]
        travel += int(sec[path[:-1], path[1:]].sum())
    return served, travel / 3600.0, bool(res.best.is_feasible())


def run_vroom(d: dict[str, Any], time_limit_s: float) -> tuple[list[int], float]:
    """VROOM on the day: (jobs served, travel hours)."""
    import vroom

    jobs, techs = d["jobs"], d["techs"]
    sec = _seconds(d)
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
    sol = inp.solve(
        exploration_level=5, nb_threads=1, timeout=timedelta(seconds=time_limit_s)
    )
    routes = sol.routes
    served = [int(x) for x in routes.loc[routes["type"] == "job", "id"]]
    travel_h = float(sol.summary.duration) / 3600.0
    return served, travel_h


def main() -> None:
    """Run the benchmark and print the table."""
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--time-limit", type=float, default=60.0)
    ap.add_argument("--only", default=DEFAULT_DAYS, help="comma-separated days")
    ap.add_argument("--engines", default="ours,pyvrp", help="ours, pyvrp, vroom")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument(
        "--cpu-clock",
        action="store_true",
        help="time limits in CPU seconds of this process (a loaded machine)",
    )
    ap.add_argument(
        "--params", default=None, help="a TOML file of DispatchParams fields for ours"
    )
    args = ap.parse_args()
    params = DispatchParams.from_file(args.params) if args.params else None
    if args.cpu_clock:  # every deadline (ours and PyVRP's) reads this clock
        time.perf_counter = time.process_time
    names = [x for x in args.only.split(",") if x]
    engines = [e for e in args.engines.split(",") if e]
    print(
        f"{'day':18} {'engine':6} {'served':>6} {'weighted':>8} {'travel h':>8} "
        f"{'h/job':>6} {'valid':>5} {'wall s':>6} {'cpu s':>6} {'RSS MB':>6}"
    )
    for name in names:
        d = load_day(name)
        w = weights(d)
        for eng in engines:
            c0, t0 = _cpu_s(), time.perf_counter()
            if eng == "vroom":
                served, th = run_vroom(d, args.time_limit)
                ok = "-"
            elif eng == "pyvrp":
                served, th, feas = run_pyvrp(d, args.time_limit, args.seed)
                ok = str(feas)
            else:
                p = field_day_problem(d)
                plan = solve_dispatch(
                    p, time_limit_s=args.time_limit, seed=args.seed, params=params
                )
                ok = str(not validate_plan(p, plan))
                served = np.asarray(plan.stop_job).tolist()
                th = plan.kpi_dict()["travel_h"]
            wall = time.perf_counter() - t0
            ws = float(w[served].sum())
            print(
                f"{name:18} {eng:6} {len(served):6d} {ws:8.0f} {th:8.1f} "
                f"{th / max(1, len(served)):6.3f} {ok:>5} {wall:6.1f} "
                f"{_cpu_s() - c0:6.1f} {_rss_mb():6.0f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
