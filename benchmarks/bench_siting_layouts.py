"""Siting benchmark instances and the shared table helpers (run: prints the layouts).

Layouts of ``n`` demand points and ``m`` candidates in kilometres (float32),
all seeded:

- ``benchmark``: the instance `bench_siting_mclp.py` has always used (uniform
  100 x 100 km square, integer weights 1..100, seed 0);
- ``uniform``: the same generator at another seed (``seed + 1``);
- ``clustered``: towns around 60 centres (normal spread 3-15 km) in a
  200 x 200 km square, lognormal weights (sigma 1.3), the candidates at
  500 of the towns;
- ``corridor``: a 300 x 25 km band (a highway corridor) with points denser
  near its axis, weights 1..100, candidates spread along it.

``threads()`` limits numpy's BLAS and OpenMP pools (threadpoolctl) so every
figure is one core unless stated; ``clock()`` returns wall and CPU seconds.

    .venv/bin/python benchmarks/bench_siting_layouts.py
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator

import numpy as np

LAYOUTS = ("benchmark", "uniform", "clustered", "corridor")


def instance(
    layout: str, n: int = 5000, m: int = 500, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Cost (km, float32, n x m) and weights of one layout."""
    offset = {"benchmark": 0, "uniform": 1, "clustered": 2, "corridor": 3}.get(
        layout, 0
    )
    rng = np.random.default_rng(seed + offset)
    if layout in ("benchmark", "uniform"):
        d = rng.uniform(0, 100, size=(n, 2))
        s = rng.uniform(0, 100, size=(m, 2))
        w = rng.integers(1, 101, size=n).astype(float)
    elif layout == "clustered":
        k = 60
        centres = rng.uniform(0, 200, size=(k, 2))
        spread = rng.uniform(3, 15, size=k)
        size = rng.dirichlet(np.full(k, 0.8))
        c = rng.choice(k, size=n, p=size)
        d = centres[c] + rng.normal(size=(n, 2)) * spread[c, None]
        s = d[rng.choice(n, size=m, replace=False)]  # candidates are towns
        w = np.ceil(rng.lognormal(2.0, 1.3, size=n))
    elif layout == "corridor":
        x = rng.uniform(0, 300, size=n)
        y = rng.laplace(0, 3.0, size=n).clip(-12.5, 12.5)
        d = np.column_stack([x, y])
        s = np.column_stack([rng.uniform(0, 300, size=m), rng.uniform(-10, 10, size=m)])
        w = rng.integers(1, 101, size=n).astype(float)
    else:
        raise ValueError(f"unknown layout {layout!r}; one of {LAYOUTS}")
    return distances(d, s), w


def distances(d: np.ndarray, s: np.ndarray, block: int = 4000) -> np.ndarray:
    """Euclidean distances (float32), built in row blocks."""
    out = np.empty((d.shape[0], s.shape[0]), dtype=np.float32)
    for r0 in range(0, d.shape[0], block):
        b = d[r0 : r0 + block]
        out[r0 : r0 + block] = np.hypot(
            b[:, None, 0] - s[None, :, 0], b[:, None, 1] - s[None, :, 1]
        )
    return out


@contextlib.contextmanager
def threads(n: int = 1) -> Iterator[str]:
    """Limit BLAS/OpenMP pools to ``n`` threads; yields a description of them."""
    from threadpoolctl import threadpool_info, threadpool_limits

    with threadpool_limits(limits=n):
        pools = sorted(
            {f"{p['internal_api']}={p['num_threads']}" for p in threadpool_info()}
        )
        yield f"{', '.join(pools) or 'no pools'}; HiGHS threads=1"


@contextlib.contextmanager
def clock() -> Iterator[dict[str, float]]:
    """Measure wall and CPU seconds of the block into the yielded dict."""
    out: dict[str, float] = {}
    t0, c0 = time.perf_counter(), time.process_time()
    try:
        yield out
    finally:
        out["wall"] = time.perf_counter() - t0
        out["cpu"] = time.process_time() - c0


def load() -> str:
    """The machine's load averages, to print beside every figure."""
    one, five, fifteen = os.getloadavg()
    return f"load {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} cores"


def main() -> None:
    """Print each layout's size, weight and nearest-candidate distances."""
    print(load())
    for name in LAYOUTS:
        cost, w = instance(name)
        near = cost.min(axis=1)
        print(
            f"{name:10} n={cost.shape[0]} m={cost.shape[1]} weight={w.sum():.0f} "
            f"nearest km: median {np.median(near):.2f} max {near.max():.2f} "
            f"share within 10 km {float((near <= 10).mean()):.3f}"
        )


if __name__ == "__main__":
    main()
