"""``planner sweep``, ``planner runs`` and ``planner compare``."""

from __future__ import annotations

import contextlib
import json
import logging
import signal
from collections.abc import Mapping
from pathlib import Path
from types import FrameType
from typing import Annotated, Any

import pandas as pd
import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from planner.cli.common import (
    EXIT_INTERRUPTED,
    console,
    err_console,
    handle_errors,
    make_table,
    print_json,
    settings,
)
from planner.core.atomic import check_writable_dir
from planner.core.errors import InputError
from planner.core.progress import Progress as Step
from planner.scenario import load_scenario
from planner.scenario.compare import compare_kpis
from planner.scenario.store import RunStore
from planner.scenario.sweep import run_sweep

__all__ = ["register"]

log = logging.getLogger(__name__)

OutOption = Annotated[
    Path, typer.Option(help="Root folder of run folders and the store.")
]


def _sweep_table(wide: pd.DataFrame, title: str) -> Table:
    """Variants x KPIs when it fits the console, else one row per KPI and variant.

    A wide sweep (many differing KPIs) would squeeze every column to nothing;
    the long form keeps every name and number whole.
    """
    t = make_table("variant", *(f">{c}" for c in wide.columns), title=title)
    for name, row in wide.iterrows():
        t.add_row(str(name), *(f"{v:.4g}" for v in row.to_numpy()))
    need = console.measure(t).minimum
    fits = need <= console.width and len(wide.columns) <= 12
    if fits:
        return t
    t = make_table("kpi", "variant", ">mean", title=title)
    for c in wide.columns:
        for name, v in wide[c].items():
            t.add_row(str(c), str(name), f"{v:.4g}")
    return t


def _sigterm_as_interrupt(_sig: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt


@handle_errors
def sweep(
    scenario: Annotated[
        Path, typer.Argument(help="Scenario file with a [sweep] table.")
    ],
    out: OutOption = Path("runs"),
    scheduler: Annotated[
        str | None,
        typer.Option(help="Address of a running Dask scheduler (tcp://host:8786)."),
    ] = None,
    workers: Annotated[
        int | None, typer.Option(min=1, help="Worker processes of the local cluster.")
    ] = None,
    serial: Annotated[
        bool, typer.Option(help="Run in this process, without Dask.")
    ] = False,
) -> None:
    """Run a scenario's sweep on Dask; resumes where an interrupted sweep stopped."""
    check_writable_dir(out, "--out")
    sc = load_scenario(scenario)
    signal.signal(signal.SIGTERM, _sigterm_as_interrupt)
    with contextlib.ExitStack() as stack:
        if err_console.is_terminal and settings.verbosity >= 0:
            bar = stack.enter_context(
                Progress(
                    TextColumn("[bold]{task.description}"),
                    BarColumn(),
                    MofNCompleteColumn(),
                    TimeElapsedColumn(),
                    console=err_console,
                    transient=True,
                )
            )
            task = bar.add_task(f"sweep {sc.name}", total=None)

            def tick(p: Step) -> None:
                bar.update(
                    task,
                    completed=p.done,
                    total=p.total,
                    description=f"sweep: {p.message}",
                )

        else:

            def tick(p: Step) -> None:
                log.info(
                    "sweep %s: %d/%d variants done (%s)",
                    sc.name,
                    p.done,
                    p.total,
                    p.message,
                )

        try:
            result = run_sweep(
                sc,
                out,
                scheduler=scheduler,
                n_workers=workers,
                serial=serial,
                progress=tick,
            )
        except KeyboardInterrupt:
            err_console.print(
                "interrupted: finished variants are kept; run the same "
                "command again to resume"
            )
            raise typer.Exit(EXIT_INTERRUPTED) from None
    wide = result.kpis.pivot_table(
        index="variant", columns="kpi", values="mean", sort=False
    )
    spread = (wide.max() - wide.min()).abs()
    wide = wide.loc[:, spread > 1e-9 * wide.abs().max().clip(lower=1e-300)]
    wide.columns = [str(c).removeprefix("siting_") for c in wide.columns]
    title = (
        f"sweep {result.sweep_id}: {len(result.variants)} variants "
        f"({len(result.ran)} run now, {len(result.reused)} reused); "
        "KPIs that differ between variants"
    )
    console.print(_sweep_table(wide, title))
    from planner.report import write_sweep_report

    console.print(f"report: {write_sweep_report(result.folder)}", markup=False)
    console.print(f"sweep folder: {result.folder}")


JsonOption = Annotated[
    bool,
    typer.Option("--json", help="Print one JSON document (see `planner schema NAME`)."),
]


@handle_errors
def runs(
    out: OutOption = Path("runs"),
    scenario: Annotated[str | None, typer.Option(help="Only this scenario.")] = None,
    as_json: JsonOption = False,
) -> None:
    """List the runs and sweep variants in the store (full ids, never cut)."""
    store = RunStore(out / "index.sqlite", create=False)
    frame = store.list(scenario=scenario)
    if as_json:
        rows = []
        for r in frame.to_dict("records"):
            row = {k: (None if pd.isna(v) else v) for k, v in r.items()}
            try:
                row["params"] = json.loads(str(r.get("params") or "{}"))
            except ValueError:
                row["params"] = {}
            seed = row.get("seed")
            row["seed"] = None if seed is None else int(seed)
            rows.append(row)
        print_json({"schema": "planner.runs/1", "store": str(store.path), "runs": rows})
        return
    cols = ("run_id", "kind", "variant", "started_utc", "seed")
    t = make_table(*cols, title=f"{len(frame)} runs in {store.path}")
    for r in frame.to_dict("records"):
        t.add_row(*("" if pd.isna(r[c]) else str(r[c]) for c in cols))
    console.print(t)


@handle_errors
def compare(
    a: Annotated[
        str | None, typer.Argument(help="Run id, unique prefix or folder (baseline).")
    ] = None,
    b: Annotated[
        str | None, typer.Argument(help="Run id, unique prefix or folder.")
    ] = None,
    sweep: Annotated[
        str | None,
        typer.Option(
            help="Compare every variant of this sweep (id or prefix) with A, "
            "or with its first variant."
        ),
    ] = None,
    kpi: Annotated[
        list[str] | None, typer.Option(help="Only these KPIs (repeatable).")
    ] = None,
    plot: Annotated[
        Path | None,
        typer.Option(
            help="Also plot the differences with their intervals (.png/.svg)."
        ),
    ] = None,
    html: Annotated[
        Path | None,
        typer.Option(
            help="Also write the comparison report (KPIs side by side with "
            "intervals, annual cost, cost-vs-SLA frontier) to this .html file."
        ),
    ] = None,
    out: OutOption = Path("runs"),
    as_json: JsonOption = False,
) -> None:
    """KPI differences B - A with 95 % confidence intervals; * marks significant ones.

    With --sweep, one row per variant and KPI against the baseline.
    """
    if html is not None:
        if html.suffix.lower() != ".html":
            raise InputError(field="--html", expected="a .html file", got=str(html))
        if sweep is not None:
            raise InputError(
                field="--html",
                expected="two runs A B (a sweep's folder has its own report.html)",
                got=f"--sweep {sweep}",
            )
        check_writable_dir(html.parent if str(html.parent) else Path("."), "--html")
    store = RunStore(out / "index.sqlite", create=False)
    if sweep is not None:
        _compare_sweep(store, sweep, a, kpi, as_json)
        return
    if a is None or b is None:
        raise InputError(
            field="compare",
            expected="two runs A B, or --sweep ID",
            got=" ".join(x for x in (a, b) if x) or "nothing",
        )
    ra, rb = store.resolve(a), store.resolve(b)
    diff = compare_kpis(store.kpis(ra), store.kpis(rb))
    if kpi:
        diff = diff[diff["kpi"].isin(kpi)]
    if plot is not None and plot.suffix.lower() not in (".png", ".svg", ".pdf"):
        raise InputError(
            field="--plot", expected="a .png, .svg or .pdf file", got=str(plot)
        )
    if as_json:
        print_json(
            {
                "schema": "planner.compare/1",
                "baseline": ra,
                "runs": [rb],
                "sweep_id": None,
                "rows": [
                    {"run_id": rb, "variant": None, **r}
                    for r in diff.to_dict("records")
                ],
            }
        )
    else:
        t = make_table(
            "kpi", ">A", ">B", ">B - A", ">95 % CI", "", title=f"{rb}  vs  {ra}"
        )
        for r in diff.to_dict("records"):
            t.add_row(
                str(r["kpi"]),
                f"{r['a']:,.4g}",
                f"{r['b']:,.4g}",
                f"{r['diff']:+,.4g}",
                _ci(r),
                "*" if r["significant"] else "",
            )
        console.print(t)
    if plot is not None:
        from planner.core.atomic import atomic_path
        from planner.report.plots import plot_comparison

        with atomic_path(plot) as tmp:
            plot_comparison(diff).savefig(
                tmp, format=plot.suffix[1:].lower(), bbox_inches="tight"
            )
        if not as_json:
            console.print(f"plot: {plot}", markup=False)
    if html is not None:
        from planner.report import write_compare_report

        runs = store.list().set_index("run_id")["folder"]
        write_compare_report([runs[ra], runs[rb]], html)
        if not as_json:
            console.print(f"report: {html}", markup=False)


def _ci(r: Mapping[Any, Any]) -> str:
    if r["exact"]:
        return "exact"
    return f"[{r['ci_low']:,.4g}, {r['ci_high']:,.4g}]"


def _compare_sweep(
    store: RunStore,
    sweep: str,
    baseline: str | None,
    kpis: list[str] | None,
    as_json: bool = False,
) -> None:
    runs = store.list()
    ids = sorted({str(x) for x in runs["sweep_id"].dropna()})
    hits = [x for x in ids if x.startswith(sweep)]
    if len(hits) != 1:
        raise InputError(
            source=str(store.path),
            field="--sweep",
            expected=f"the id (or a unique prefix) of a stored sweep {ids}",
            got=sweep,
        )
    members = runs[runs["sweep_id"] == hits[0]].sort_values("run_id")
    if baseline:
        base = store.resolve(baseline)
    else:  # the sweep's first variant, in the order of its sweep.json
        folder = Path(str(members["folder"].iloc[0])).parent.parent
        meta = folder / "sweep.json"
        try:
            first = json.loads(meta.read_text(encoding="utf-8"))["variants"][0]["id"]
        except (OSError, ValueError, KeyError, IndexError, TypeError) as e:
            raise InputError(
                source=str(meta),
                expected="the sweep's description (variants in order)",
                got=f"{type(e).__name__}: {e}",
                hint="give the baseline run as A",
            ) from None
        base = str(members["run_id"].iloc[0]).rsplit("/", 1)[0] + f"/{first}"
    ka = store.kpis(base)
    rows: list[dict[str, Any]] = []
    compared: list[str] = []
    for r in members.to_dict("records"):
        if r["run_id"] == base:
            continue
        compared.append(str(r["run_id"]))
        d = compare_kpis(ka, store.kpis(str(r["run_id"])))
        d = d[d["kpi"].isin(kpis)] if kpis else d[d["diff"].abs() > 0]
        rows += [
            {"run_id": str(r["run_id"]), "variant": r["variant"]}
            | {str(k): v for k, v in x.items()}
            for x in d.to_dict("records")
        ]
    if as_json:
        print_json(
            {
                "schema": "planner.compare/1",
                "baseline": base,
                "runs": compared,
                "sweep_id": hits[0],
                "rows": rows,
            }
        )
        return
    t = make_table(
        "variant",
        "kpi",
        ">value",
        ">diff",
        ">95 % CI",
        "",
        title=f"sweep {hits[0]}: each variant vs {base}",
    )
    for x in rows:
        t.add_row(
            str(x["variant"]),
            str(x["kpi"]),
            f"{x['b']:,.4g}",
            f"{x['diff']:+,.4g}",
            _ci(x),
            "*" if x["significant"] else "",
        )
    console.print(t)


def register(app: typer.Typer) -> None:
    """Add ``sweep``, ``runs`` and ``compare`` to ``app``."""
    app.command("sweep")(sweep)
    app.command("runs")(runs)
    app.command("compare")(compare)
