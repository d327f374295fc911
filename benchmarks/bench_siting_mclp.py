"""MCLP and LSCP on 5,000 weighted points x 500 candidates, every layout (printed only).

Layouts from `bench_siting_layouts.py` (the benchmark instance, another
uniform seed, clustered towns with lognormal weights, a corridor); radius
10 km, p = 20. One thread (BLAS pools limited, HiGHS threads=1). Each row:
layout, model, ours (objective, bound, status), the reference's objective,
wall and CPU seconds, threads. ``--reference earlier`` runs the earlier exact
path in the same process (the aggregated MIP from the greedy start, no LP
fixing); ``--reference spopt`` runs spopt (pulp + HiGHS, one thread).
``--size 20000x2000 --p 80`` runs the large MCLP (a 200 x 200 km uniform
square, the same density).

    .venv/bin/python benchmarks/bench_siting_mclp.py [--lscp] [--reference earlier]
    .venv/bin/python benchmarks/bench_siting_mclp.py --size 20000x2000 --p 80 --layouts uniform

CPU seconds are the figure to read on a shared machine; the load is printed.
"""

from __future__ import annotations

import argparse
import functools
import math

import numpy as np
from bench_siting_layouts import LAYOUTS, clock, distances, instance, load, threads

import planner.siting.mclp as mclp_mod
from planner.siting import SitingPlan, solve_lscp, solve_mclp
from planner.siting._coverage_exact import solve_max_cover


def _row(
    layout: str, model: str, plan: SitingPlan, ref: float, t: dict[str, float], th: str
) -> str:
    gap = "" if math.isnan(ref) else f"{100 * (plan.objective - ref) / ref:+.3f}"
    return (
        f"{layout:10} {model:5} {plan.objective:10.0f} {plan.bound:10.0f} "
        f"{plan.status.value:9} {ref:10.0f} {gap:>8} {t['wall']:7.2f} {t['cpu']:7.2f}  {th}"
    )


def _earlier(fn, *args, **kw):  # type: ignore[no-untyped-def]
    """Run ``fn`` with the exact MCLP core in its earlier form (no LP fixing)."""
    saved = mclp_mod.solve_max_cover
    mclp_mod.solve_max_cover = functools.partial(solve_max_cover, fixing=False)
    try:
        return fn(*args, **kw)
    finally:
        mclp_mod.solve_max_cover = saved


def _spopt_mclp(cost: np.ndarray, w: np.ndarray, p: int, r: float, tl: float) -> float:
    import pulp
    from spopt.locate import MCLP

    model = MCLP.from_cost_matrix(
        cost.astype(float), w, service_radius=r, p_facilities=p
    )
    model.solve(pulp.HiGHS(msg=False, threads=1, timeLimit=tl))
    return float(pulp.value(model.problem.objective))


def _spopt_lscp(cost: np.ndarray, r: float, tl: float) -> float:
    import pulp
    from spopt.locate import LSCP

    model = LSCP.from_cost_matrix(cost.astype(float), service_radius=r)
    model.solve(pulp.HiGHS(msg=False, threads=1, timeLimit=tl))
    return float(pulp.value(model.problem.objective))


def main() -> None:
    """Run the table."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--size", default="5000x500")
    ap.add_argument("--p", type=int, default=20)
    ap.add_argument("--radius", type=float, default=10.0)
    ap.add_argument("--layouts", nargs="*", default=list(LAYOUTS))
    ap.add_argument("--lscp", action="store_true", help="also set covering")
    ap.add_argument("--no-mclp", action="store_true")
    ap.add_argument("--reference", choices=["none", "earlier", "spopt"], default="none")
    ap.add_argument("--time-limit", type=float, default=600.0)
    args = ap.parse_args()
    n, m = (int(v) for v in args.size.split("x"))
    r, p, tl = args.radius, args.p, args.time_limit
    print(f"n={n} m={m} radius={r} p={p} seed={args.seed}; {load()}")
    print(
        f"{'layout':10} {'model':5} {'objective':>10} {'bound':>10} {'status':9} "
        f"{'reference':>10} {'gap %':>8} {'wall s':>7} {'CPU s':>7}  threads"
    )
    with threads(1) as th:
        for layout in args.layouts:
            if (n, m) == (5000, 500):
                cost, w = instance(layout, seed=args.seed)
            else:
                rng = np.random.default_rng(args.seed)
                side = 100.0 * math.sqrt(n / 5000)
                d = rng.uniform(0, side, size=(n, 2))
                s = rng.uniform(0, side, size=(m, 2))
                cost, w = distances(d, s), rng.integers(1, 101, size=n).astype(float)
            if not args.no_mclp:
                with clock() as t:
                    plan = solve_mclp(cost, w, p, r, time_limit_s=tl)
                ref = math.nan
                if args.reference == "earlier":
                    with clock() as tr:
                        ref = _earlier(
                            solve_mclp, cost, w, p, r, time_limit_s=tl
                        ).objective
                    print(
                        f"  (earlier: wall {tr['wall']:.2f} s, CPU {tr['cpu']:.2f} s)"
                    )
                elif args.reference == "spopt":
                    with clock() as tr:
                        ref = _spopt_mclp(cost, w, p, r, tl)
                    print(f"  (spopt: wall {tr['wall']:.2f} s, CPU {tr['cpu']:.2f} s)")
                print(_row(layout, "mclp", plan, ref, t, th), flush=True)
            if args.lscp:
                reach = cost.min(axis=1) <= r
                wl = np.where(reach, w, 0.0)  # points no site reaches need no cover
                with clock() as t:
                    plan = solve_lscp(cost, wl, r, time_limit_s=tl)
                ref = math.nan
                if args.reference == "spopt":
                    with clock() as tr:
                        ref = _spopt_lscp(cost[reach], r, tl)
                    print(f"  (spopt: wall {tr['wall']:.2f} s, CPU {tr['cpu']:.2f} s)")
                print(_row(layout, "lscp", plan, ref, t, th), flush=True)
    print(load())


if __name__ == "__main__":
    main()
