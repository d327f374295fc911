"""Plan against optimum against bound on smaller analogues of the 50,000 x 2,000 p-median.

Same instance family as ``bench_siting_scale.py`` (uniform points and sites in a
300 km square, weights 1..20), same ratios (25 points a site, 20 sites an
outlet). Per seed: the heuristic path at a time limit scaled to the size, then
``method="exact"`` (branch-and-Benders-cut; half its limit goes to the heuristic
phase) with its own limit. Prints a row per run (objective, bound, gap, wall
and CPU seconds) and, for the exact run, the Benders root LP bound and the
master MIP's record. ``--large`` takes the large-matrix path (sparse ILS) at
any size. Figures are in ``benchmarks/README.md`` (Siting, issue 17).

    OMP_NUM_THREADS=1 ../.venv/bin/python bench_siting_scale_gap.py \\
        [--n 5000 --m 200 --p 10] [--large] [--seeds 0 1 2] [--heur-limit 3] \\
        [--exact-limit 300] [--skip-exact]
"""

from __future__ import annotations

import argparse

from bench_siting_layouts import clock, load, threads
from bench_siting_scale import instance

from planner.siting import pmedian, solve_pmedian


def main() -> None:
    """One row per seed and method."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n", type=int, default=10_000)
    ap.add_argument("--m", type=int, default=400)
    ap.add_argument("--p", type=int, default=20)
    ap.add_argument("--seeds", type=int, nargs="+", default=[0])
    ap.add_argument("--heur-limit", type=float, default=12.0)
    ap.add_argument("--exact-limit", type=float, default=600.0)
    ap.add_argument("--skip-exact", action="store_true")
    ap.add_argument(
        "--large", action="store_true", help="the large-matrix path at any size"
    )
    args = ap.parse_args()
    if args.large:
        pmedian.AUTO_EXACT_MAX_ENTRIES = 0
    print(f"{load()}; n={args.n} m={args.m} p={args.p}")
    print("| seed | method | objective | bound | gap % | wall s | CPU s | status |")
    print("|---|---|---|---|---|---|---|---|")
    for seed in args.seeds:
        cost, w = instance(args.n, args.m, seed)
        runs = [("heuristic", args.heur_limit)]
        if not args.skip_exact:
            runs.append(("exact", args.exact_limit))
        for method, lim in runs:
            with threads(1), clock() as t:
                plan = solve_pmedian(
                    cost, w, args.p, method=method, time_limit_s=lim, seed=seed
                )
            print(
                f"| {seed} | {method} {lim:g} s | {plan.objective:,.0f} "
                f"| {plan.bound:,.0f} | {100 * plan.gap:.3f} | {t['wall']:.1f} "
                f"| {t['cpu']:.1f} | {plan.status.value} |",
                flush=True,
            )
            if method == "exact":
                x = plan.stats.extra
                keys = ("lp_bound", "mip1", "mip_nodes", "fixed_closed", "probe_fixed")
                print("   ", {k: x[k] for k in keys if k in x}, flush=True)
    print(load())


if __name__ == "__main__":
    main()
