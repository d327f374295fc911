"""Days where every job fits: searched with every job required first; the polish."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from planner.routing import DispatchParams, check_plan, solve_dispatch
from planner.routing.instances import (
    field_day_problem,
    generate_field_day,
    read_solomon,
)
from planner.routing.screen import looks_feasible, screen_jobs

#: The shared Solomon files, or the five the tests use, kept in tests/data.
SOLOMON = next(
    d
    for d in (
        Path(__file__).resolve().parents[2].parent
        / "shared"
        / "benchmarks"
        / "solomon",
        Path(__file__).resolve().parents[1] / "data" / "solomon",
    )
    if d.is_dir()
)


def _solomon(name: str, fleet: str) -> tuple:
    with (SOLOMON / "bks.csv").open() as f:
        bks = {r["instance"]: r for r in csv.DictReader(f)}
    nv = 25 if fleet == "25" else int(bks[name]["vehicles"])
    return read_solomon(SOLOMON / f"{name}.txt", n_vehicles=nv), bks[name]


def test_fit_estimate_tells_tight_fleets_from_overbooked_days() -> None:
    """Solomon with the best-known fleet looks feasible; a field day (service 1.25x the shifts) does not."""
    p, _ = _solomon("RC105", "bks")
    assert looks_feasible(p, screen_jobs(p).candidate, 0.9)
    assert not looks_feasible(p, screen_jobs(p).candidate, 0.0)
    q = field_day_problem(generate_field_day(80, 8, 1))
    assert not looks_feasible(q, screen_jobs(q).candidate, 0.9)


def test_best_known_fleet_serves_every_customer() -> None:
    """RC103 with its best-known 11 vehicles (a plan serving all exists): all 100 served, valid.

    With optional customers only (``fit_margin=0``) the same 1,000 iterations
    leave one customer out.
    """
    p, bks = _solomon("RC103", "bks")
    plan = solve_dispatch(p, max_iterations=1000, seed=0)
    check_plan(p, plan)
    assert plan.n_served == p.n_jobs
    assert plan.stats.extra.get("all_required") == 1.0
    dist = float(np.sum(plan.distance_m))
    assert dist >= float(bks["distance_float"]) * (1 - 1e-3)


def test_polish_keeps_every_job_accounted_for() -> None:
    """With the polish (PyVRP again, the served jobs required) the plan is valid and every job appears once."""
    p = field_day_problem(generate_field_day(70, 7, 3))
    prm = DispatchParams(polish_share=0.3)
    plan = solve_dispatch(p, max_iterations=300, seed=1, params=prm)
    check_plan(p, plan)
    jobs = np.concatenate([np.asarray(plan.stop_job), np.asarray(plan.unassigned_job)])
    assert sorted(jobs.tolist()) == list(range(p.n_jobs))
    assert "polish_s" in plan.stats.extra
