"""The scenario layer reports progress with the one callback signature of
every solver: :class:`~planner.core.progress.Progress` records."""

from __future__ import annotations

from pathlib import Path

from planner.core.progress import Progress
from planner.scenario import spec_from_dict
from planner.scenario.pipeline import run_stages

TOWNS = Path(__file__).resolve().parents[1] / "bad_scenarios" / "data" / "towns_ok.csv"


def test_stages_report_progress_records() -> None:
    scenario = spec_from_dict(
        {
            "name": "p",
            "region": {"kind": "file", "demand_file": str(TOWNS)},
            "outlets": {"existing": ["T1", "T2"]},
            "siting": {"model": "pmedian", "p": 3},
            "simulation": {"horizon_days": 3, "warmup_days": 1, "n_reps": 2},
        }
    )
    seen: list[Progress] = []
    run_stages(
        scenario,
        stages=["summary", "siting", "inventory", "simulation"],
        progress=seen.append,
    )
    assert seen
    assert all(isinstance(p, Progress) for p in seen)
    tasks = {p.task for p in seen}
    assert {"scenario", "siting", "inventory", "simulation"} <= tasks
    reps = [p for p in seen if p.task == "sim" and p.total]
    assert reps
    assert reps[-1].done == reps[-1].total == 2
