"""`planner run` writes one complete run folder; `planner validate` writes nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from planner.cli import app

REPO = Path(__file__).resolve().parents[2]


def test_run_default_writes_a_complete_run_folder(tmp_path: Path) -> None:
    """The default scenario (a short simulation) writes a complete run folder."""
    out = tmp_path / "runs"
    short = tmp_path / "short.toml"
    short.write_text(
        f'extends = "{REPO / "scenarios" / "default.toml"}"\n'
        "[simulation]\nhorizon_days = 4\nwarmup_days = 1\nn_reps = 2\n"
        '[run]\nstages = ["summary", "siting", "inventory", "simulation"]\n'
    )
    result = CliRunner().invoke(app, ["run", str(short), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "tickets per year" in result.stdout
    (folder,) = list((out / "default").iterdir())
    names = {p.name for p in folder.iterdir()}
    assert {
        "inputs.json",
        "summary.json",
        "manifest.json",
        "demand.parquet",
        "kpis.parquet",
        "siting",
        "inventory",
        "simulation",
    } <= names
    kpis = pd.read_parquet(folder / "kpis.parquet")
    sla = kpis[kpis["kpi"] == "sim_sla_attainment"].iloc[0]
    assert sla["n_reps"] == 2
    assert sla["ci_low"] <= sla["mean"] <= sla["ci_high"]
    assert manifest_stages_ok(folder)
    pred = pd.read_parquet(folder / "predicted_vs_simulated.parquet")
    assert set(pred["source"]) == {"siting", "inventory"}
    assert (pred["ci_low"] <= pred["simulated"]).all()
    assert (folder / "report.html").exists() or "report" not in result.stdout
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["seed"] == 20261127
    assert len(manifest["scenario_sha256"]) == 64
    assert "numpy" in manifest["versions"]
    summary = json.loads((folder / "summary.json").read_text())
    demand = pd.read_parquet(folder / "demand.parquet")
    assert len(demand) == summary["demand_points"]
    assert (
        abs(demand["tickets_per_year"].sum() - summary["tickets_per_year"])
        < 1e-6 * (summary["tickets_per_year"])
    )
    # no temporary folders are left next to the run
    assert not [p for p in (out / "default").iterdir() if p.name.startswith(".")]


def test_validate_writes_nothing(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """`planner validate` checks without writing a run folder."""
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(
        app, ["validate", str(REPO / "scenarios" / "growth30.toml")]
    )
    assert result.exit_code == 0, result.output
    assert "ok" in result.stdout
    assert not any(tmp_path.iterdir())


def manifest_stages_ok(folder: Path) -> bool:
    """Every stage of the default scenario ran and none was skipped."""
    m = json.loads((folder / "manifest.json").read_text())
    return (
        m["stages_run"] == ["summary", "siting", "inventory", "simulation"]
        and not m["stages_skipped"]
    )
