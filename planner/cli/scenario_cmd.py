"""``planner run`` and ``planner validate``: a scenario from the command line."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from planner.cli.common import console, handle_errors
from planner.scenario import build, load_scenario, run_scenario, scenario_summary

__all__ = ["register"]

ScenarioArg = Annotated[
    Path, typer.Argument(help="Scenario file (TOML).", show_default=False)
]


def _fmt(v: Any) -> str:
    if isinstance(v, bool):
        return str(v)
    if isinstance(v, float):
        return f"{v:,.0f}" if abs(v) >= 100 else f"{v:,.3g}"
    if isinstance(v, int):
        return f"{v:,}"
    if isinstance(v, list):
        return ", ".join(map(str, v))
    return str(v)


def _summary_table(summary: dict[str, Any]) -> Table:
    t = Table(title=f"scenario {summary['scenario']}", show_header=False, box=None)
    t.add_column("what", style="bold")
    t.add_column("value")
    for k, v in summary.items():
        if k == "scenario":
            continue
        if isinstance(v, dict):
            for kk, vv in v.items():
                t.add_row(f"  {kk}", _fmt(vv))
        else:
            t.add_row(k.replace("_", " "), str(v) if k == "seed" else _fmt(v))
    return t


def _run(scenario: Path, out: Path, stages: list[str] | None) -> None:
    with console.status("starting") as status:
        result = run_scenario(
            load_scenario(scenario),
            out_root=out,
            stages=stages,
            progress=lambda msg: status.update(msg),
        )
    console.print(_summary_table(result.summary))
    plan = result.results.get("siting")
    if plan is not None:
        console.print(plan.summary(), markup=False)
    skipped = result.manifest.get("stages_skipped", {})
    for stage, why in skipped.items():
        console.print(f"stage {stage}: skipped ({why})")
    console.print(f"run folder: {result.folder}")


OutOption = Annotated[Path, typer.Option(help="Root folder of run folders.")]


@handle_errors
def run(scenario: ScenarioArg, out: OutOption = Path("runs")) -> None:
    """Run a scenario's stages and write a run folder under OUT/<scenario>/<time>/."""
    _run(scenario, out, None)


@handle_errors
def site(scenario: ScenarioArg, out: OutOption = Path("runs")) -> None:
    """Solve the scenario's siting model ([siting]) and write a run folder."""
    _run(scenario, out, ["summary", "siting"])


@handle_errors
def validate(scenario: ScenarioArg) -> None:
    """Check a scenario and all the data it names, without running it."""
    data = build(load_scenario(scenario))
    console.print(_summary_table(scenario_summary(data)))
    console.print(f"{scenario}: ok")


def register(app: typer.Typer) -> None:
    """Add ``run`` and ``validate`` to ``app``."""
    app.command("run")(run)
    app.command("site")(site)
    app.command("validate")(validate)
