"""What an iteration of PyVRP's search costs on ours' model and on the peer's.

Builds ours' model of a field day (``build_model`` as ``solve_dispatch``
calls it) and plain PyVRP's (``bench_routing_field_day.pyvrp_data``), then
variants of ours' with one difference to the peer's removed, and runs on each
PyVRP's first local search from its random start and a fixed number of
iterations of its iterated local search, all at PyVRP's default parameters.
Prints CPU seconds of each part, ms per iteration and clients in the result.

    .venv/bin/python benchmarks/bench_routing_iter_cost.py --day gen_n1000_s2 --iters 300

Measurements: ``benchmarks/README.md``.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

from bench_routing_field_day import load_day, pyvrp_data

from planner.routing.instances import field_day_problem
from planner.routing.params import DispatchParams
from planner.routing.pyvrp_model import build_model
from planner.routing.schedule import static_problem
from planner.routing.screen import screen_jobs
from planner.routing.solver import _unserved_weight


def ours_data(d: dict[str, Any], params: DispatchParams) -> Any:
    """Ours' PyVRP model of the day, as ``solve_dispatch`` builds it."""
    p = field_day_problem(d)
    scr = screen_jobs(p)
    model = build_model(
        static_problem(p),
        scr.candidate,
        _unserved_weight(p),
        permitted=scr.skill_ok & scr.pin_ok,
        lexicographic=True,
        memory_budget_mb=1000.0,
        params=params,
        deadline=None,
    )
    assert model is not None
    return model.data


def plain_vehicles(data: Any) -> Any:
    """Vehicle types without shift duration, overtime or fixed departure."""
    import pyvrp

    vts = [
        pyvrp.VehicleType(
            num_available=v.num_available,
            capacity=v.capacity,
            start_depot=v.start_depot,
            end_depot=v.end_depot,
            tw_early=v.tw_early,
            tw_late=v.tw_late,
            profile=v.profile,
        )
        for v in data.vehicle_types()
    ]
    return data.replace(vehicle_types=vts)


def peer_prizes(data: Any) -> Any:
    """Prizes scaled as the peer's: weight x 10**6 travel seconds."""
    import pyvrp

    cl = data.clients()
    lo = min(c.prize for c in cl)
    # a travel second in ours' cost units: 10,000 per hour
    unit = 10_000 / 3600
    out = [
        pyvrp.Client(
            location=c.location,
            delivery=c.delivery,
            service_duration=c.service_duration,
            tw_early=c.tw_early,
            tw_late=c.tw_late,
            prize=round(c.prize / lo * 1e6 * unit),
            required=c.required,
            group=c.group,
        )
        for c in cl
    ]
    return data.replace(clients=out)


def time_search(data: Any, iters: int, seed: int) -> tuple[float, float, int, int]:
    """CPU s of the first local search and of ``iters`` ILS iterations; clients before, after."""
    import pyvrp
    from pyvrp.search import LocalSearch, PerturbationManager, compute_neighbours
    from pyvrp.stop import MaxIterations

    sp = pyvrp.SolveParams()
    rng = pyvrp.RandomNumberGenerator(seed=seed)
    nb = compute_neighbours(data, sp.neighbourhood)
    ls = LocalSearch(data, rng, nb, PerturbationManager(sp.perturbation))
    for op in sp.operators:
        if op.supports(data):
            ls.add_operator(op(data))
    pm = pyvrp.PenaltyManager(sp.penalty.midpoint_penalties(data), sp.penalty)
    t0 = time.process_time()
    init = ls(pyvrp.Solution.make_random(data, rng), pm.max_cost_evaluator(), True)
    t1 = time.process_time()
    algo = pyvrp.IteratedLocalSearch(data, pm, ls, init, sp.ils)
    res = algo.run(MaxIterations(iters), False, False)
    t2 = time.process_time()
    return t1 - t0, t2 - t1, init.num_clients(), res.best.num_clients()


def main() -> None:
    """Time the search on each model variant."""
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--day", default="gen_n1000_s2")
    ap.add_argument("--iters", type=int, default=300)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--only", default="")
    args = ap.parse_args()
    d = load_day(args.day)
    prm = DispatchParams()
    variants: dict[str, Callable[[], Any]] = {
        "peer": lambda: pyvrp_data(d),
        "ours": lambda: ours_data(d, prm),
        "ours_plain_vehicles": lambda: plain_vehicles(ours_data(d, prm)),
        "ours_peer_prizes": lambda: peer_prizes(ours_data(d, prm)),
        "ours_both": lambda: peer_prizes(plain_vehicles(ours_data(d, prm))),
        "ours_no_bonus": lambda: ours_data(d, prm.replace(service_bonus=0.0)),
    }
    only = [v for v in args.only.split(",") if v] or list(variants)
    print(
        f"{'model':22} {'types':>5} {'prof':>4} {'first s':>7} {'ils s':>7} "
        f"{'ms/it':>6} {'cl0':>5} {'cl':>5}"
    )
    for name in only:
        data = variants[name]()
        a, b, c0, c1 = time_search(data, args.iters, args.seed)
        print(
            f"{name:22} {data.num_vehicle_types:5d} {data.num_profiles:4d} "
            f"{a:7.2f} {b:7.2f} {1000 * b / args.iters:6.1f} {c0:5d} {c1:5d}",
            flush=True,
        )


if __name__ == "__main__":
    main()
