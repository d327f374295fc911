"""``planner run`` and ``planner validate``: a scenario from the command line."""

from __future__ import annotations

import datetime as dt
import logging
import typing
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer
from rich.table import Table

from planner.cli.common import (
    console,
    handle_errors,
    make_table,
    print_json,
    progress_reporter,
)
from planner.core.atomic import (
    atomic_dir,
    check_new_folder,
    check_writable_dir,
    remove_stale,
)
from planner.core.errors import InputError, PlannerError
from planner.scenario import build, load_scenario, run_scenario, scenario_summary
from planner.scenario.generate import generate_day
from planner.scenario.preflight import preflight
from planner.scenario.schema import Stage
from planner.scenario.sweep import check_variant, expand_sweep

__all__ = ["register"]

log = logging.getLogger(__name__)

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


def _run(
    scenario: Path, out: Path, stages: list[str] | None, *, as_json: bool = False
) -> None:
    check_writable_dir(out, "--out")
    sc = load_scenario(scenario)
    if sc.spec.sweep is not None:
        n = len(expand_sweep(sc))  # a bad sweep is an error here too
        log.warning(
            f"{scenario} declares a sweep of {n} variants; this runs the base "
            "scenario (`planner sweep` runs the variants)"
        )
    from planner.report import write_report

    def finish(tmp: Path, folder: Path) -> None:
        # the report is part of the folder: written before the rename, so a
        # run the index lists always has it
        write_report(tmp, folder_name=folder.name)

    with progress_reporter(f"{sc.name}: starting") as say:
        result = run_scenario(
            sc,
            out_root=out,
            stages=stages,
            progress=lambda p: say(str(p)),
            finish=finish,
        )
    log.info("%s: done, run folder %s", sc.name, result.folder)
    if as_json:
        kpis = result.kpis if result.kpis is not None else pd.DataFrame()
        print_json(
            {
                "schema": "planner.simulate/1",
                "scenario": sc.name,
                "run_id": f"{sc.name}/{result.folder.name}",
                "folder": str(result.folder),
                "report": str(result.folder / "report.html"),
                "seed": int(sc.spec.seed),
                "stages": list(result.stages),
                "kpis": [
                    {c: r.get(c) for c in _KPI_COLS} for r in kpis.to_dict("records")
                ],
            }
        )
        return
    console.print(_summary_table(result.summary))
    design = result.results.get("design")
    if design is not None:
        _print_design(design)
    for stage in ("siting", "staffing", "inventory", "routing", "simulation"):
        res = result.results.get(stage)
        if res is not None:
            console.print(res.summary(), markup=False)
    if design is not None:
        console.print(design.summary(), markup=False)
    skipped = result.manifest.get("stages_skipped", {})
    for stage, why in skipped.items():
        console.print(f"stage {stage}: skipped ({why})")
    if result.predicted is not None and len(result.predicted):
        t = make_table(
            "measure",
            ">predicted",
            ">simulated",
            ">95 % CI",
            title="plans' predictions vs simulation (95 % CI)",
        )
        for r in result.predicted.to_dict("records"):
            t.add_row(
                str(r["measure"]),
                f"{r['predicted']:.3f}",
                f"{r['simulated']:.3f}",
                f"[{r['ci_low']:.3f}, {r['ci_high']:.3f}]",
            )
        console.print(t)
    console.print(f"report: {result.folder / 'report.html'}", markup=False)
    console.print(f"run folder: {result.folder}", markup=False)


OutOption = Annotated[Path, typer.Option(help="Root folder of run folders.")]
JsonOption = Annotated[
    bool,
    typer.Option(
        "--json",
        help="Print one JSON document on stdout instead of tables "
        "(`planner schema NAME` prints its schema).",
    ),
]
_KPI_COLS = ("kpi", "mean", "ci_low", "ci_high", "n_reps", "unit")


def _print_design(design: Any) -> None:
    """The loop's iterations and the candidate networks, as two tables."""
    it = make_table(
        ">it",
        "action",
        ">technicians",
        ">cost/year",
        ">urgent",
        ">important",
        ">general",
        ">backlog",
        title="design iterations (simulated SLA, 95 % CI; * the recommendation)",
    )

    def cell(r: dict[str, Any], c: str) -> str:
        if f"sla_{c}" not in r or pd.isna(r[f"sla_{c}"]):
            return "-"
        return (
            f"{r[f'sla_{c}']:.3f} [{r[f'sla_{c}_low']:.3f}, {r[f'sla_{c}_high']:.3f}]"
        )

    for r in design.iterations.to_dict("records"):
        it.add_row(
            ("* " if r.get("recommended") else "") + str(r["iteration"]),
            str(r["action"]),
            f"{r['technicians']:,}",
            f"{r['cost_per_year']:,.0f}",
            cell(r, "urgent"),
            cell(r, "important"),
            cell(r, "general"),
            f"{r['backlog_growing']:.0%}",
        )
    console.print(it)
    fr = make_table(
        "network",
        ">outlets",
        ">technicians",
        ">cost/year",
        ">urgent",
        ">important",
        ">general",
        ">simulated urgent",
        title="candidate networks (annual cost; predicted SLA)",
    )
    for r in design.frontier.to_dict("records"):
        sim_u = r.get("sla_urgent")
        fr.add_row(
            str(r["network"]),
            f"{r['outlets']:,}",
            f"{r['technicians']:,}",
            f"{r['cost_per_year']:,.0f}",
            f"{r.get('predicted_urgent', float('nan')):.3f}",
            f"{r.get('predicted_important', float('nan')):.3f}",
            f"{r.get('predicted_general', float('nan')):.3f}",
            "-" if sim_u is None or pd.isna(sim_u) else f"{sim_u:.3f}",
        )
    console.print(fr)


@handle_errors
def run(scenario: ScenarioArg, out: OutOption = Path("runs")) -> None:
    """Run a scenario's stages and write a run folder under OUT/<scenario>/<time>/."""
    _run(scenario, out, None)


@handle_errors
def design(scenario: ScenarioArg, out: OutOption = Path("runs")) -> None:
    """Design the network: price candidate networks, size crews, simulate, correct.

    Runs the ``[design]`` loop (siting for several p, workforce sizing,
    stock, simulation with common random numbers, corrections until every
    urgency class meets its target with 95 % confidence) and writes a run
    folder with the recommendation, the iterations and the cost-vs-SLA
    frontier.
    """
    _run(scenario, out, ["summary", "design"])


@handle_errors
def site(scenario: ScenarioArg, out: OutOption = Path("runs")) -> None:
    """Solve the scenario's siting model ([siting]) and write a run folder."""
    _run(scenario, out, ["summary", "siting"])


@handle_errors
def inventory(scenario: ScenarioArg, out: OutOption = Path("runs")) -> None:
    """Optimize reorder policies per part and outlet ([inventory]); write a run folder.

    Outlets are the siting plan's when the scenario's stages include siting,
    otherwise its existing outlets.
    """
    sc = load_scenario(scenario)
    first = ["siting"] if "siting" in sc.spec.run.stages else []
    _run(scenario, out, ["summary", *first, "inventory"])


@handle_errors
def simulate(
    scenario: ScenarioArg, out: OutOption = Path("runs"), as_json: JsonOption = False
) -> None:
    """Simulate the scenario's network ([simulation]) on the plans its stages make.

    Siting and inventory run first when the scenario's stages include them,
    so the simulation uses their plans; otherwise the existing network. With
    --json: the run folder and every KPI row (kpi, mean, ci_low, ci_high,
    n_reps, unit) as JSON (schema planner.simulate/1).
    """
    sc = load_scenario(scenario)
    first = [s for s in ("siting", "inventory") if s in sc.spec.run.stages]
    _run(scenario, out, ["summary", *first, "simulation"], as_json=as_json)


@handle_errors
def validate(
    scenario: ScenarioArg,
    stage: Annotated[
        list[str] | None,
        typer.Option(
            help="Check this stage (repeatable) instead of the scenario's "
            "[run] stages, e.g. --stage siting for `planner site`.",
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Check a scenario, all the data it names and its sweep, without running it.

    Runs every check ``planner run`` makes before its first solver call, for
    the scenario's stages (or ``--stage``) and for each sweep variant: "ok"
    means the run will not fail on its input. With --json the verdict is a
    JSON document on stdout (schema planner.validate/1; "ok": false with the
    error line, exit 2, when it fails).
    """
    if not as_json:
        _validate(scenario, stage, as_json=False)
        return
    try:
        _validate(scenario, stage, as_json=True)
    except PlannerError as e:
        print_json(
            {
                "schema": "planner.validate/1",
                "scenario": str(scenario),
                "ok": False,
                "error": str(e),
                "stages": list(stage or []),
                "n_variants": 0,
                "summary": None,
            }
        )
        raise


def _validate(scenario: Path, stage: list[str] | None, *, as_json: bool) -> None:
    known = typing.get_args(Stage)
    for s in stage or []:
        if s not in known:
            raise InputError(field="--stage", expected=f"one of {list(known)}", got=s)
    with progress_reporter(f"{scenario}: loading") as say:
        sc = load_scenario(scenario)
        variants = expand_sweep(sc) if sc.spec.sweep is not None else []
        say(f"{sc.name}: building its data")
        data = build(sc)
        stages = list(stage) if stage else list(sc.spec.run.stages)
        say(f"{sc.name}: checking stages {', '.join(stages)}")
        preflight(data, stages)
        for i, v in enumerate(variants):
            say(f"{sc.name}: checking sweep variant {i + 1}/{len(variants)}")
            check_variant(sc, data, v, stages=stage or None)
    summary = scenario_summary(data)
    if as_json:
        print_json(
            {
                "schema": "planner.validate/1",
                "scenario": str(scenario),
                "ok": True,
                "error": None,
                "stages": stages,
                "n_variants": len(variants),
                "summary": summary,
            }
        )
        return
    console.print(_summary_table(summary))
    if variants:
        console.print(f"sweep: {len(variants)} variants, each valid")
    console.print(f"{scenario}: ok (stages {', '.join(stages)})", markup=False)


@handle_errors
def day(
    scenario: ScenarioArg,
    date: Annotated[
        str, typer.Option(help="The dispatch day, YYYY-MM-DD.", show_default=False)
    ],
    out: Annotated[
        Path, typer.Option(help="Folder to write tickets.csv and technicians.csv.")
    ],
    jobs: Annotated[
        int | None,
        typer.Option(
            help="Tickets drawn for the day (default: expected for the date); "
            "those fixed by phone at triage do not reach dispatch, so the "
            "tickets file holds fewer.",
        ),
    ] = None,
    outlet: Annotated[
        list[str] | None, typer.Option(help="Only this existing outlet (repeatable).")
    ] = None,
) -> None:
    """Generate a dispatch day (seeded): tomorrow's tickets and the technicians."""
    try:
        when = dt.date.fromisoformat(date)
    except ValueError:
        raise InputError(
            field="--date", expected="a date YYYY-MM-DD", got=date
        ) from None
    if jobs is not None and jobs < 0:
        raise InputError(field="--jobs", expected=">= 0", got=jobs)
    check_new_folder(out, "--out")
    with progress_reporter(f"day: building {scenario}") as say:
        data = build(load_scenario(scenario))
        say(f"day: drawing the tickets of {when}")
        d = generate_day(data, when, n_tickets=jobs, outlets=outlet or None)
    check_new_folder(out, "--out")
    remove_stale(out.parent, target=out.name)  # left by a killed run
    if out.exists():
        out.rmdir()
    with atomic_dir(out) as tmp:
        d.tickets.to_csv(tmp / "tickets.csv", index=False)
        d.technicians.to_csv(tmp / "technicians.csv", index=False)
    console.print(
        f"{len(d.tickets):,} tickets ({d.n_remote_fixed:,} more fixed by phone at triage) "
        f"and {len(d.technicians):,} technicians for {when} -> {out}"
    )


def register(app: typer.Typer) -> None:
    """Add ``run`` and ``validate`` to ``app``."""
    app.command("run")(run)
    app.command("design")(design)
    app.command("site")(site)
    app.command("inventory")(inventory)
    app.command("simulate")(simulate)
    app.command("validate")(validate)
    app.command("day")(day)
