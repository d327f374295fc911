"""Benchmark planner.inventory: (s,S) optimization against stockpyl, and more.

Usage::

    .venv/bin/python benchmarks/bench_inventory.py            # stockpyl on 20 parts
    .venv/bin/python benchmarks/bench_inventory.py --full     # stockpyl on all parts
    .venv/bin/python benchmarks/bench_inventory.py --fill-rate --parts 10000 --outlets 200
    .venv/bin/python benchmarks/bench_inventory.py --fill-rate --policy rq
    .venv/bin/python benchmarks/bench_inventory.py --fill-rate --policy ss
    .venv/bin/python benchmarks/bench_inventory.py --ss-service    # (s,S), 95 % fill
    .venv/bin/python benchmarks/bench_inventory.py --fill-rate --policy ss --log

Prints tables; asserts nothing. Timings on a shared machine are noisy: each
run prints wall and CPU seconds. ``--log`` shows the solvers' heartbeat lines
(``planner.inventory`` loggers at INFO).
"""

from __future__ import annotations

import argparse
import logging
import resource
import time
import warnings

import numpy as np


def random_catalogue(n: int, seed: int) -> dict[str, np.ndarray]:
    """Random parts: Poisson means 0.1..60, h 0.5..5, p = h * 2..50, K 1..500."""
    rng = np.random.default_rng(seed)
    h = rng.uniform(0.5, 5.0, n)
    return {
        "demand_mean": rng.uniform(0.1, 60.0, n),
        "holding_cost": h,
        "backorder_cost": h * rng.uniform(2.0, 50.0, n),
        "fixed_cost": rng.uniform(1.0, 500.0, n),
    }


def bench_ss(n: int, n_ref: int, seed: int, lead_time: int) -> None:
    """(s,S) for ``n`` random parts; stockpyl on the first ``n_ref``."""
    from planner.inventory import optimize_sS

    cat = random_catalogue(n, seed)
    optimize_sS(1.0, 1.0, 2.0, 3.0)  # warm up imports
    t0, c0 = time.perf_counter(), time.process_time()
    r = optimize_sS(
        cat["demand_mean"],
        cat["holding_cost"],
        cat["backorder_cost"],
        cat["fixed_cost"],
        lead_time=lead_time,
    )
    ours_s, ours_cpu = time.perf_counter() - t0, time.process_time() - c0
    print(f"(s,S) Zheng-Federgruen, {n} parts, lead time {lead_time}")
    print(
        f"  ours: {ours_s:.3f} s total ({1e3 * ours_s / n:.3f} ms/part), "
        f"CPU {ours_cpu:.3f} s"
    )
    if n_ref <= 0 or lead_time != 0:
        return
    from stockpyl.ss import s_s_discrete_exact

    same = 0
    gaps: list[float] = []
    diff: list[tuple[int, tuple[int, int], tuple[int, int], float]] = []
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for i in range(n_ref):
            s, S, c = s_s_discrete_exact(
                cat["holding_cost"][i],
                cat["backorder_cost"][i],
                cat["fixed_cost"][i],
                True,
                cat["demand_mean"][i],
            )
            hit = int(s) == r.s[i] and int(S) == r.S[i]
            same += hit
            gaps.append(100.0 * (r.cost[i] - c) / c)
            if not hit:
                diff.append((i, (int(r.s[i]), int(r.S[i])), (int(s), int(S)), gaps[-1]))
    ref_s = time.perf_counter() - t0
    print(
        f"  stockpyl 1.0.2: {n_ref} parts in {ref_s:.2f} s ({ref_s / n_ref:.3f} s/part)"
    )
    print(
        f"  identical optima: {same}/{n_ref}; max |cost gap| "
        f"{max(abs(g) for g in gaps):.2e} %"
    )
    for i, ours, ref, gap in diff:
        print(
            f"    differs: part {i} ours {ours} stockpyl {ref}, cost gap {gap:+.1e} %"
        )
    print("  first rows (instance, ours (s,S) cost, gap %):")
    for i in range(min(5, n_ref)):
        print(
            f"    part {i}: mu={cat['demand_mean'][i]:.2f} "
            f"({r.s[i]},{r.S[i]}) {r.cost[i]:.4f}  {gaps[i]:+.1e}"
        )


def main() -> None:
    """Parse arguments and run the selected benchmarks."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--parts", type=int, default=1000)
    ap.add_argument("--ref", type=int, default=20, help="parts solved by stockpyl")
    ap.add_argument("--full", action="store_true", help="stockpyl on every part")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--lead-time", type=int, default=0)
    ap.add_argument("--fill-rate", action="store_true")
    ap.add_argument("--outlets", type=int, default=200)
    ap.add_argument("--target", type=float, default=0.95)
    ap.add_argument(
        "--policy", choices=["base_stock", "rq", "ss"], default="base_stock"
    )
    ap.add_argument("--ss-service", action="store_true")
    ap.add_argument("--log", action="store_true", help="print heartbeat lines")
    args = ap.parse_args()
    if args.log:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    if args.ss_service:
        bench_ss_service(args.parts, args.target, args.seed, args.lead_time)
        return
    if args.fill_rate:
        bench_fill_rate(args.parts, args.outlets, args.target, args.seed, args.policy)
        return
    n_ref = args.parts if args.full else min(args.ref, args.parts)
    bench_ss(args.parts, n_ref, args.seed, args.lead_time)


def bench_fill_rate(
    n_parts: int, n_outlets: int, target: float, seed: int, policy: str
) -> None:
    """Cheapest base stock or (r,Q) meeting a fill-rate target, parts x outlets.

    Part demand per period is lognormal (median 2 units over the network),
    split over outlets by random shares; lead times 1..4 periods; targets
    ``target`` for the top 20 % of parts by demand, 0.95 x target otherwise.
    """
    from planner.inventory import (
        optimize_base_stock,
        optimize_rQ_service,
        optimize_sS_service,
    )

    rng = np.random.default_rng(seed)
    part_rate = rng.lognormal(np.log(2.0), 1.2, n_parts)
    share = rng.dirichlet(np.full(n_outlets, 0.7), n_parts)
    mu = (part_rate[:, None] * share).ravel()
    h = np.repeat(rng.uniform(0.5, 5.0, n_parts), n_outlets)
    p = h * np.repeat(rng.uniform(5.0, 40.0, n_parts), n_outlets)
    L = np.repeat(rng.integers(1, 5, n_parts), n_outlets).astype(float)
    top = part_rate >= np.quantile(part_rate, 0.8)
    tgt = np.repeat(np.where(top, target, 0.95 * target), n_outlets)
    rss0 = _peak_rss_gb()
    t0 = time.perf_counter()
    c0 = time.process_time()
    if policy == "rq":
        K = np.repeat(rng.uniform(1.0, 100.0, n_parts), n_outlets)
        rq = optimize_rQ_service(mu, h, p, K, lead_time=L, fill_rate=tgt)
        sec, cpu = time.perf_counter() - t0, time.process_time() - c0
        fill = rq.evaluate().fill_rate
        met = fill >= tgt
        stock = float((rq.r + rq.Q).sum())
    elif policy == "ss":
        K = np.repeat(rng.uniform(1.0, 100.0, n_parts), n_outlets)
        ss = optimize_sS_service(mu, h, K, lead_time=L, fill_rate=tgt)
        sec, cpu = time.perf_counter() - t0, time.process_time() - c0
        fill = ss.evaluate().fill_rate
        met = fill >= tgt - 1e-12
        stock = float(ss.S.sum())
    else:
        res = optimize_base_stock(mu, h, p, lead_time=L, fill_rate=tgt)
        sec, cpu = time.perf_counter() - t0, time.process_time() - c0
        fill = res.metrics.fill_rate
        met = res.target_met
        stock = float(res.S.sum())
    print(
        f"{policy} with fill-rate targets: {n_parts} parts x {n_outlets} outlets "
        f"= {len(mu):,} policies"
    )
    print(
        f"  time {sec:.1f} s (CPU {cpu:.1f} s); "
        f"peak RSS {_peak_rss_gb():.2f} GB (before: {rss0:.2f} GB)"
    )
    print(
        f"  targets met {int(met.sum()):,}/{len(mu):,}; "
        f"min(fill - target) {np.min(fill - tgt):+.2e}; "
        f"total order-up-to stock {stock:,.0f}"
    )


def bench_ss_service(n: int, target: float, seed: int, lead_time: int) -> None:
    """Cheapest (s,S) meeting a fill-rate target for ``n`` random parts.

    Parts as :func:`random_catalogue` (holding and ordering cost only);
    the result is checked by the exact evaluation.
    """
    from planner.inventory import optimize_sS_service

    cat = random_catalogue(n, seed)
    optimize_sS_service(1.0, 1.0, 3.0, fill_rate=0.9)  # warm up imports
    t0, c0 = time.perf_counter(), time.process_time()
    r = optimize_sS_service(
        cat["demand_mean"],
        cat["holding_cost"],
        cat["fixed_cost"],
        fill_rate=target,
        lead_time=lead_time,
    )
    sec, cpu = time.perf_counter() - t0, time.process_time() - c0
    fill = r.evaluate().fill_rate
    print(f"(s,S) with fill rate >= {target}, {n} parts, lead time {lead_time}")
    print(
        f"  time {sec:.2f} s ({1e3 * sec / n:.2f} ms/part, CPU {cpu:.2f} s); "
        f"min(fill - target) {np.min(fill - target):+.2e}; "
        f"total cost/period {r.cost.sum():.2f}"
    )


def _peak_rss_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2


if __name__ == "__main__":
    main()
