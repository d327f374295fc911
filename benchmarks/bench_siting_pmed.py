"""OR-Library p-median pmed1..pmed40: ours vs the proven optima (printed, not asserted).

Usage::

    .venv/bin/python benchmarks/bench_siting_pmed.py --mode heuristic
    .venv/bin/python benchmarks/bench_siting_pmed.py --mode exact --time-limit 120
    .venv/bin/python benchmarks/bench_siting_pmed.py --mode exact --only 1 6 20 --spopt

Timings: wall seconds and this process's CPU seconds (single-threaded, so
CPU seconds are the better figure on a shared, loaded machine).

Figures (ours and spopt, with the commands and the machine load) are in
``benchmarks/README.md``, section Siting.
"""

from __future__ import annotations

import argparse
import csv
import time
from pathlib import Path

import numpy as np
from bench_siting_layouts import load, threads

from planner.siting import read_orlib_pmed, solve_pmedian

ORLIB = (
    Path(__file__).resolve().parents[1].parent / "shared" / "benchmarks" / "orlib-pmed"
)


def run_spopt(
    cost: np.ndarray, p: int, time_limit: float
) -> tuple[float, float, float]:
    """spopt PMedian (pulp + HiGHS): objective, build+solve wall and CPU seconds.

    The objective is NaN when pulp reports no solution. HiGHS runs in this
    process (highspy), so CPU seconds include it.
    """
    import pulp
    from spopt.locate import PMedian

    t0 = time.perf_counter()
    c0 = time.process_time()
    model = PMedian.from_cost_matrix(cost, np.ones(cost.shape[0]), p_facilities=p)
    try:
        model.solve(pulp.HiGHS(msg=False, timeLimit=time_limit, threads=1))
        obj = pulp.value(model.problem.objective)
    except Exception:  # report, do not stop the table
        obj = None
    val = float("nan") if obj is None else float(obj)
    return val, time.perf_counter() - t0, time.process_time() - c0


def main() -> None:
    """Run the table."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--mode", choices=["heuristic", "exact"], default="exact")
    ap.add_argument("--time-limit", type=float, default=120.0)
    ap.add_argument("--only", type=int, nargs="*", default=None)
    ap.add_argument("--spopt", action="store_true", help="add a spopt column")
    ap.add_argument(
        "--spopt-time-limit", type=float, default=None, help="default: --time-limit"
    )
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    with (ORLIB / "optimal.csv").open() as fh:
        opt = {r["instance"]: float(r["optimum"]) for r in csv.DictReader(fh)}
    ids = args.only or list(range(1, 41))
    head = f"{'instance':9} {'n':>4} {'p':>4} {'ours':>8} {'optimum':>8} {'gap%':>7} {'bound':>8} {'s':>7} {'cpu_s':>7} status"
    if args.spopt:
        head += f" {'spopt':>8} {'spopt_s':>8} {'sp_cpu':>8} spopt_status"
    with threads(1) as pools:
        print(
            f"mode={args.mode} time_limit={args.time_limit} seed={args.seed}; "
            f"threads: {pools}; {load()}"
        )
        run(args, ids, opt, head)
    print(load())


def run(
    args: argparse.Namespace, ids: list[int], opt: dict[str, float], head: str
) -> None:
    """Solve each instance and print its row, then the totals."""
    sp_tot = sp_cpu_tot = 0.0
    sp_opt = 0
    print(head)
    tot = tot_cpu = 0.0
    gaps = []
    n_opt = n_at = 0
    for k in ids:
        name = f"pmed{k}"
        cost, p = read_orlib_pmed(ORLIB / f"{name}.txt")
        t0 = time.perf_counter()
        c0 = time.process_time()
        plan = solve_pmedian(
            cost,
            None,
            p,
            method=args.mode,
            time_limit_s=args.time_limit,
            seed=args.seed,
        )
        dt = time.perf_counter() - t0
        cpu = time.process_time() - c0
        tot += dt
        tot_cpu += cpu
        gap = 100 * (plan.objective - opt[name]) / opt[name]
        gaps.append(gap)
        n_opt += plan.status.value == "optimal"
        n_at += plan.objective == opt[name]
        line = (
            f"{name:9} {cost.shape[0]:4d} {p:4d} {plan.objective:8.0f} {opt[name]:8.0f} "
            f"{gap:7.3f} {plan.bound:8.0f} {dt:7.2f} {cpu:7.2f} {plan.status.value}"
        )
        if args.spopt:
            sl = args.spopt_time_limit or args.time_limit
            so, st, sc = run_spopt(cost, p, sl)
            sp_tot += st
            sp_cpu_tot += sc
            ok = so == opt[name] and st < sl
            sp_opt += ok
            status = "optimal" if ok else ("no solution" if so != so else "time limit")
            line += f" {so:8.0f} {st:8.2f} {sc:8.2f} {status}"
        print(line, flush=True)
    print(
        f"total {tot:.1f} s wall, {tot_cpu:.1f} s cpu, mean gap to optimum {np.mean(gaps):.4f} %, "
        f"max {np.max(gaps):.4f} %, at optimum {n_at}/{len(ids)}, proven {n_opt}/{len(ids)}"
    )
    if args.spopt:
        print(
            f"spopt total {sp_tot:.1f} s wall, {sp_cpu_tot:.1f} s cpu, optimal within "
            f"its limit {sp_opt}/{len(ids)}; ours {sp_cpu_tot / max(tot_cpu, 1e-9):.1f}x "
            "faster in CPU seconds (a lower bound where spopt hit its limit)"
        )


if __name__ == "__main__":
    main()
