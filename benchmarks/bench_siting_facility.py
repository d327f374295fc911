"""Single-source capacitated facility location: ours against the plain dense MIP.

Instances in the style of Holmberg, Ronnqvist & Yuan (1999) and Yang et al.
(2012): demand points and candidate sites uniform in a 100 x 100 square,
demands integer uniform 5..35, capacities uniform 10..160 scaled (and rounded
up) so total capacity / total demand = ``r``, fixed costs ``U(0, 90) +
U(100, 110) sqrt(Q_j)``, unit cost per ticket ``round(factor x distance)``
(whole numbers, so the optimum is an integer and "proven" means gap < 1).

Per instance it prints ours (``solve_facility_location(..., single_source=True)``)
and the peer, the textbook dense ``x_ij`` MIP on HiGHS with one thread and the
same time limit (the model main solved before: strong linking, capacity rows,
aggregate capacity row), each objective recomputed from the open sites and the
assignment, the bound, the gap to our bound, status, wall and CPU seconds.

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 .venv/bin/python \\
        benchmarks/bench_siting_facility.py --sizes 300x40 --ratios 3 5 10 --seeds 0 1
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np
from bench_siting_layouts import clock, load, threads

from planner.siting import solve_facility_location
from planner.siting.facility import _dense
from planner.siting.instances import generate_sscfl


def recompute(
    C: np.ndarray, w: np.ndarray, f: np.ndarray, q: np.ndarray, plan
) -> float:
    """Objective of a plan from its open sites and assignment (nan if infeasible)."""
    a = np.asarray(plan.assign_idx)
    if a.size == 0 or np.any(a < 0):
        return math.nan
    used = np.unique(a)
    if not np.all(np.isin(used, plan.open_idx)):
        return math.nan
    load_ = np.bincount(a, weights=w, minlength=C.shape[1])
    if np.any(load_ > q + 1e-9):
        return math.nan
    return float(
        f[np.asarray(plan.open_idx)].sum() + (w * C[np.arange(a.size), a]).sum()
    )


def run_peer(C, w, f, q, limit: float):
    """The plain dense MIP (what main solved before), one thread."""
    e = np.zeros(0, np.int64)
    return _dense(
        C, w, f, q, True, e, e, None, 0.0, e, limit, None, 0, time.perf_counter()
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", nargs="+", default=["300x40", "1000x100"])
    ap.add_argument("--ratios", nargs="+", type=float, default=[3.0, 5.0, 10.0])
    ap.add_argument("--seeds", nargs="+", type=int, default=[0, 1])
    ap.add_argument("--factor", type=float, default=1.0)
    ap.add_argument("--time-limit", type=float, default=60.0)
    ap.add_argument("--no-peer", action="store_true")
    args = ap.parse_args()
    with threads(1) as pools:
        print(f"{load()}; {pools}")
        hdr = (
            f"{'instance':22} {'ours':>10} {'bound':>10} {'gap%':>6} {'status':>8} "
            f"{'wall':>6} {'cpu':>6} | {'peer':>10} {'p.bound':>10} {'p.gap%':>6} "
            f"{'wall':>6} {'cpu':>6} {'ours-peer%':>10}"
        )
        print(hdr)
        rows = []
        for size in args.sizes:
            n, m = (int(x) for x in size.split("x"))
            for r in args.ratios:
                for seed in args.seeds:
                    C, w, f, q = generate_sscfl(n, m, r, seed, args.factor)
                    with clock() as t:
                        plan = solve_facility_location(
                            C,
                            w,
                            f,
                            capacity=q,
                            single_source=True,
                            time_limit_s=args.time_limit,
                        )
                    ours = recompute(C, w, f, q, plan)
                    gap = 100 * (ours - plan.bound) / ours
                    line = (
                        f"{size} r={r:g} s={seed:<3}".ljust(22)
                        + f" {ours:10.0f} {plan.bound:10.1f} {gap:6.3f} "
                        f"{plan.status.value[:8]:>8} {t['wall']:6.1f} {t['cpu']:6.1f}"
                    )
                    peer_v = math.nan
                    if not args.no_peer:
                        with clock() as tp:
                            pp = run_peer(C, w, f, q, args.time_limit)
                        peer_v = recompute(C, w, f, q, pp)
                        pgap = 100 * (peer_v - pp.bound) / peer_v
                        line += (
                            f" | {peer_v:10.0f} {pp.bound:10.1f} {pgap:6.3f} "
                            f"{tp['wall']:6.1f} {tp['cpu']:6.1f} "
                            f"{100 * (ours - peer_v) / peer_v:10.3f}"
                        )
                    print(line, flush=True)
                    x = plan.stats.extra
                    print(
                        "    "
                        + " ".join(
                            f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}"
                            for k, v in x.items()
                        ),
                        flush=True,
                    )
                    rows.append((size, r, seed, gap, t["cpu"], peer_v))
        print(load())


if __name__ == "__main__":
    main()
