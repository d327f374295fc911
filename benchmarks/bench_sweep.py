"""Sweep machinery: overhead of Dask over a plain loop, and speed-up with workers.

Prints two tables:

1. 100 trivial variants (summary stage of a 40-town region): a plain loop in
   this process vs the local Dask cluster (2 workers). Goal: Dask within
   2 x loop + 10 s.
2. A 32-variant sweep of the default scenario (siting.p x siting.radius_min;
   stages from --stages) on a local cluster of 1 and of 2 workers.

Usage: .venv/bin/python benchmarks/bench_sweep.py [--skip-default] [--stages summary,siting]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

from planner.scenario import load_scenario, spec_from_dict
from planner.scenario.sweep import expand_sweep, run_sweep, run_variant

REPO = Path(__file__).resolve().parents[1]


def trivial(tmp: Path) -> None:
    rng = np.random.default_rng(0)
    towns = tmp / "towns.csv"
    rows = ["id,name,lon,lat,population"]
    for i in range(40):
        rows.append(
            f"T{i},T{i},{110 + 4 * rng.random():.4f},{30 + 2 * rng.random():.4f},"
            f"{int(rng.integers(5_000, 900_000))}"
        )
    towns.write_text("\n".join(rows) + "\n")
    sc = spec_from_dict(
        {
            "name": "trivial",
            "region": {"kind": "file", "demand_file": str(towns)},
            "run": {"stages": ["summary"]},
            "sweep": {
                "grid": {"demand.growth": [round(0.01 * i, 2) for i in range(100)]}
            },
        }
    )
    variants = expand_sweep(sc)
    base = dict(sc.resolved)
    base.pop("sweep")
    t0 = time.perf_counter()
    for v in variants:
        run_variant(base, None, v.overrides, str(tmp / "loop" / v.id))
    loop = time.perf_counter() - t0
    t0 = time.perf_counter()
    run_sweep(sc, tmp / "dask", n_workers=2)
    dask = time.perf_counter() - t0
    print(
        "| sweep | variants | plain loop s | local Dask (2 workers) s | goal: <= 2 x loop + 10 s |"
    )
    print("|---|---|---|---|---|")
    ok = "met" if dask <= 2 * loop + 10 else "missed"
    print(
        f"| trivial | {len(variants)} | {loop:.1f} | {dask:.1f} | {2 * loop + 10:.1f} ({ok}) |"
    )


def default(tmp: Path, stages: list[str]) -> None:
    sc = load_scenario(REPO / "scenarios" / "default.toml").with_overrides(
        {
            "run.stages": stages,
            "sweep": {
                "grid": {
                    "siting.p": [210, 220, 230, 240, 250, 260, 270, 280],
                    "siting.radius_min": [60.0, 90.0, 120.0, 150.0],
                }
            },
        }
    )
    print()
    print("| sweep | variants | stages | workers | wall s |")
    print("|---|---|---|---|---|")
    walls = {}
    for workers in (1, 2):
        t0 = time.perf_counter()
        r = run_sweep(sc, tmp / f"default{workers}", n_workers=workers)
        walls[workers] = time.perf_counter() - t0
        print(
            f"| default | {len(r.variants)} | {','.join(stages)} | {workers} | "
            f"{walls[workers]:.1f} |"
        )
    print(f"speed-up 1 -> 2 workers: {walls[1] / walls[2]:.2f}x")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--skip-default", action="store_true")
    ap.add_argument("--stages", default="summary,siting")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        trivial(Path(d))
        if not a.skip_default:
            default(Path(d), a.stages.split(","))


if __name__ == "__main__":
    main()
