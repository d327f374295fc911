"""The design loop against what a user finds by hand, on the same tickets.

Side by side, every network simulated with the scenario's seed (common random
numbers, so every row sees the same tickets) and the same replications:

- ``today``: the existing outlets with the ``[workforce]`` crew;
- ``sweep N``: the scenario's siting plan with a uniform crew of N
  technicians per outlet on the ``[workforce]`` shift, for each N of
  ``--sweep`` (what ``planner sweep`` over ``workforce.technicians_per_outlet``
  gives a user);
- ``design``: ``run_design`` (the loop's own iterations are printed as it goes).

Columns: technicians, annual cost (simulated, penalties apart), SLA per class
with its 95 % interval, whether every class meets its target with confidence,
backlog growth, wall and CPU seconds. The design must be cheaper than the best
sweep at equal or better SLA. One process; replications in ``n_jobs``
processes as the scenario says (cores stated in the header).

    .venv/bin/python benchmarks/bench_design.py scenarios/default.toml
    .venv/bin/python benchmarks/bench_design.py scenarios/default.toml --sweep 4,6,8,10,12
    .venv/bin/python benchmarks/bench_design.py --jiangsu     # the test scenario
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path
from typing import Any

from planner.scenario import build, load_scenario
from planner.scenario.design import backlog_growing, class_sla, holds, run_design
from planner.scenario.stages import run_inventory, run_simulation, run_siting
from planner.sim import SimResult

JIANGSU = Path(__file__).resolve().parents[1] / "scenarios" / "jiangsu.toml"


def row(
    label: str,
    techs: int,
    sim: SimResult,
    targets: dict[str, float],
    wall: float,
    cpu: float,
) -> dict[str, Any]:
    """One table row from a simulation."""
    sla = class_sla(sim)
    cost = sim.cost_breakdown().per_year().total_excluding_penalties
    return {
        "network": label,
        "technicians": techs,
        "cost": cost,
        **{c: sla[c] for c in targets if c in sla},
        "holds": holds(sim, targets),
        "backlog": backlog_growing(sim),
        "wall": wall,
        "cpu": cpu,
    }


def show(rows: list[dict[str, Any]], targets: dict[str, float]) -> None:
    """Print the table."""
    head = (
        f"{'network':<12} {'techs':>6} {'cost/year':>14} "
        + " ".join(
            f"{c + ' (' + format(t, '.2f') + ')':>22}" for c, t in targets.items()
        )
        + f" {'holds':>6} {'backlog':>8} {'wall s':>7} {'CPU s':>7}"
    )
    print(head)
    for r in rows:
        cells = " ".join(
            f"{r[c].mean:.3f} [{r[c].ci_low:.3f},{r[c].ci_high:.3f}]".rjust(22)
            if c in r
            else f"{'-':>22}"
            for c in targets
        )
        print(
            f"{r['network']:<12} {r['technicians']:>6,} {r['cost']:>14,.0f} {cells} "
            f"{'yes' if r['holds'] else 'no':>6} {r['backlog']:>8.0%} "
            f"{r['wall']:>7.0f} {r['cpu']:>7.0f}"
        )


def main() -> None:
    """Run the comparison."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("scenario", nargs="?", default="scenarios/default.toml")
    ap.add_argument("--jiangsu", action="store_true", help="the small test scenario")
    ap.add_argument("--sweep", default="4,6,8,10,12", help="uniform crews per outlet")
    ap.add_argument(
        "--reps", type=int, default=None, help="replications (default [design] n_reps)"
    )
    a = ap.parse_args()
    sc = load_scenario(JIANGSU if a.jiangsu else a.scenario)
    print(f"scenario {sc.name}; cores {os.cpu_count()}; load {os.getloadavg()[0]:.1f}")
    reps = a.reps or sc.spec.design.n_reps
    rows: list[dict[str, Any]] = []
    t0, c0 = time.perf_counter(), time.process_time()
    data = build(sc.with_overrides({"simulation.n_reps": reps}))
    targets = {
        u.urgency.value: getattr(sc.spec.urgency, u.urgency.value).attainment
        for u in data.urgency
    }
    sim = run_simulation(data, None, run_inventory(data, None))
    rows.append(
        row(
            "today",
            len(data.technicians),
            sim,
            targets,
            time.perf_counter() - t0,
            time.process_time() - c0,
        )
    )
    show(rows[-1:], targets)
    plan = run_siting(data)
    stock = run_inventory(data, plan)
    for n in [int(v) for v in a.sweep.split(",") if v]:
        t0, c0 = time.perf_counter(), time.process_time()
        d_n = build(
            sc.with_overrides(
                {"simulation.n_reps": reps, "workforce.technicians_per_outlet": n}
            )
        )
        sim = run_simulation(d_n, plan, stock)
        rows.append(
            row(
                f"sweep {n}",
                n * plan.p,
                sim,
                targets,
                time.perf_counter() - t0,
                time.process_time() - c0,
            )
        )
        show(rows[-1:], targets)
    t0, c0 = time.perf_counter(), time.process_time()
    design = run_design(
        data, progress=lambda m: print("  " + m, flush=True), baseline=False
    )
    rows.append(
        row(
            "design",
            design.n_technicians,
            design.simulation,
            targets,
            time.perf_counter() - t0,
            time.process_time() - c0,
        )
    )
    print()
    show(rows, targets)
    best = [r for r in rows if r["network"].startswith("sweep")]
    if best:
        top = max(
            best, key=lambda r: (r["holds"], min(r[c].mean for c in targets if c in r))
        )
        d = rows[-1]
        print(
            f"\nbest sweep: {top['network']} ({top['cost']:,.0f} a year); design "
            f"{d['cost']:,.0f} a year, {'cheaper' if d['cost'] < top['cost'] else 'NOT cheaper'}, "
            f"SLA {'equal or better' if all(d[c].mean >= top[c].mean - 1e-9 for c in targets) else 'lower'} "
            "in every class"
        )


if __name__ == "__main__":
    main()
