"""How long report.html takes to write, and how big it is, per run folder.

For each run folder given (or, with none, small runs it makes: the Jiangsu
design of tests/report, China's towns of 300,000+ with siting, stock and
simulation), it reads the folder, renders the report (decision views, cost,
outlets, backlog, map, design loop, KPI table) and prints: instance, outlets,
demand points, page size, wall and CPU seconds (reading and rendering, one
thread), the number of inline SVG figures and map layers. There is no
reference to compare with: the figure to watch is CPU seconds against the run
it reports on.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/bench_report.py
    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/bench_report.py runs/default/2026...
"""

from __future__ import annotations

import argparse
import os
import re
import tempfile
import time
from pathlib import Path

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "1")

from planner.report import read_run, write_report  # noqa: E402
from planner.scenario import load_scenario, run_scenario, spec_from_dict  # noqa: E402

#: The small design scenario (as the design tests run it).
_JIANGSU = Path(__file__).resolve().parents[1] / "scenarios" / "jiangsu.toml"

_SMALL = {
    "cn300k_staged": {
        "name": "cn300k_staged",
        "seed": 5,
        "region": {"kind": "gazetteer", "country": "CN", "min_population": 300_000},
        "outlets": {"existing_largest": 10},
        "siting": {"model": "mclp", "p": 30, "radius_min": 120.0},
        "workforce": {"technicians_per_outlet": 12},
        "simulation": {"horizon_days": 7, "warmup_days": 2, "n_reps": 2, "n_jobs": 1},
        "run": {"stages": ["summary", "siting", "inventory", "simulation"]},
    },
}


def _measure(name: str, folder: Path, out: Path) -> str:
    w0, c0 = time.perf_counter(), time.process_time()
    run = read_run(folder)
    page = write_report(folder, path=out)
    wall, cpu = time.perf_counter() - w0, time.process_time() - c0
    text = page.read_text(encoding="utf-8")
    layers = re.search(r'"layers":\[', text)
    n_layers = text.count('"label":') if layers else 0
    outlets = len(run.plan.open_idx) if run.plan is not None else 0
    points = len(run.demand) if run.demand is not None else 0
    return (
        f"{name:<22} {outlets:>7} {points:>7} {len(text) / 1e6:>8.2f} "
        f"{wall:>7.2f} {cpu:>7.2f} {text.count('<svg'):>5} {n_layers:>6}   1"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folders", nargs="*", type=Path, help="run folders to report on")
    args = ap.parse_args()
    print(
        f"{'instance':<22} {'outlets':>7} {'points':>7} {'page MB':>8} "
        f"{'wall s':>7} {'CPU s':>7} {'svg':>5} {'layers':>6}   threads"
    )
    with tempfile.TemporaryDirectory() as tmp:
        folders = [(f.parent.name + "/" + f.name, f) for f in args.folders]
        if not folders:
            small = {"jiangsu_design": load_scenario(_JIANGSU)}
            small |= {k: spec_from_dict(v) for k, v in _SMALL.items()}
            for name, sc in small.items():
                r = run_scenario(sc, Path(tmp) / "runs", index=False)
                folders.append((name, r.folder))
        for name, f in folders:
            print(_measure(name, f, Path(tmp) / f"{name.replace('/', '_')}.html"))


if __name__ == "__main__":
    main()
