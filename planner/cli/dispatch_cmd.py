"""``planner dispatch``: the nightly dispatch job.

Reads tomorrow's tickets and technicians (CSV, Parquet, GeoJSON, GeoPackage or
GeoParquet; WGS84 lon/lat or point geometries), builds the travel matrix with a straight-line model, plans the day
with :func:`planner.routing.solve_dispatch`, checks the plan with the
independent validator and writes, atomically, into ``--out``::

    routes/<tech>.csv, routes/<tech>.geojson   one per technician with visits
    technicians.csv                            departure, return, break, travel, overtime
    unassigned.csv                             every job not served, with its reason
    summary.json                               KPIs and cost
    plan/                                      the full plan (DispatchPlan.load)

Exit code 0 when every urgent job is served, 3 when some is not, 2 for bad input.
With ``--json`` the summary (plus the folder written) is printed on stdout as
one JSON document (schema ``planner.dispatch/1``). While the search runs a
progress line says how much of the time limit is used (a spinner on a
terminal, log lines elsewhere).

Ticket columns: ``id``, ``lon``/``lat`` (or point geometry), ``service_min``,
``tw_start``/``tw_end`` or ``windows`` (``"08:00-10:00;13:00-15:00"``; times as
``HH:MM``, minutes after midnight, or ISO date-times on ``--date``), optional
``skills`` (``"gas;oil"``), ``urgency``, ``parts`` (``"P1:2;P7:1"``),
``pinned_tech``. Technician columns: ``id``, ``lon``/``lat`` (home, where the
day starts; optional ``end_lon``/``end_lat``), ``shift_start``, ``shift_end``,
optional ``skills``, ``break_start``/``break_end``/``break_min``,
``max_work_min``, ``max_overtime_min``, ``overtime_per_hour``, ``stock``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import math
import os
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Annotated, Any

import typer

from planner.cli.common import (
    EXIT_URGENT_UNSERVED,
    console,
    handle_errors,
    print_json,
    progress_reporter,
)
from planner.core.atomic import atomic_dir, check_new_folder, remove_stale
from planner.core.checks import check_seed
from planner.core.errors import InputError

__all__ = ["EXIT_URGENT_UNSERVED", "register", "route_file_stems"]

log = logging.getLogger(__name__)


@contextlib.contextmanager
def ticking(
    say: Callable[[str], None], what: str, budget_s: float | None, every_s: float = 10.0
) -> Iterator[None]:
    """Call ``say`` every ``every_s`` seconds while the body runs (a heartbeat).

    The solver cannot report from inside PyVRP's search, so the CLI says how
    long it has been searching and how much of the budget is left.
    """
    stop = threading.Event()
    t0 = time.perf_counter()

    def beat() -> None:
        while not stop.wait(every_s):
            el = time.perf_counter() - t0
            tail = f" of {budget_s:.0f} s" if budget_s is not None else ""
            say(f"{what}: searching, {el:.0f} s{tail}")

    th = threading.Thread(target=beat, name="planner-heartbeat", daemon=True)
    th.start()
    try:
        yield
    finally:
        stop.set()
        th.join()


def _seconds_since_process_start() -> float:
    """Wall seconds since this process started (Linux; 0 where unknown).

    The time limit covers the whole command, including the imports before it.
    """
    try:
        start_ticks = float(
            Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()[19]
        )
        uptime = float(Path("/proc/uptime").read_text().split()[0])
        return max(0.0, uptime - start_ticks / os.sysconf("SC_CLK_TCK"))
    except (OSError, ValueError, IndexError):
        return 0.0


#: iterations of the first step of a time-limited search; each step doubles it
FIRST_STEP_ITERATIONS = 250
#: above this many jobs, or with less time than STEPPED_MIN_S, the search runs
#: to the time limit in one piece: a step of iterations cannot be interrupted,
#: and a big day's first step may not fit (measured: 250 iterations took
#: 4.5-7 s on Helsinki days of 130 jobs, 50 s on one of 353; load ~9)
STEPPED_MAX_JOBS = 200
STEPPED_MIN_S = 30.0


def _quality(plan: Any) -> tuple[float, float, float, float]:
    """What makes a plan better, in order: urgent, important, all jobs served; cost."""
    k = plan.kpi_dict()
    return (
        float(k.get("served_urgent", 0.0)),
        float(k.get("served_important", 0.0)),
        float(k.get("served", 0.0)),
        -float(plan.objective),
    )


def stepped_search(
    solve: Callable[..., Any],
    problem: Any,
    *,
    deadline: float,
    seed: int,
    say: Callable[[str], None],
) -> Any:
    """Search in steps of doubling iterations until a step stalls or time runs out.

    Each step is a deterministic search of ``FIRST_STEP_ITERATIONS * 2**k``
    iterations from the same seed; the next step runs only when the last one
    improved the plan (more urgent, important or any jobs served, or a
    lower cost) and, at twice the last step's time, fits before ``deadline``
    (``time.perf_counter()``). The best plan is returned; the log says why
    the search stopped. Days of more than ``STEPPED_MAX_JOBS`` jobs, or less
    than ``STEPPED_MIN_S`` seconds, run one search to the time limit instead
    (an iteration step cannot be interrupted, so its first one must surely
    fit).
    """
    left = deadline - time.perf_counter()
    if problem.n_jobs > STEPPED_MAX_JOBS or left < STEPPED_MIN_S:
        log.info(
            "dispatch: %s jobs, %.0f s: one search to the time limit (steps "
            "for up to %d jobs and %.0f s or more)",
            f"{problem.n_jobs:,}",
            left,
            STEPPED_MAX_JOBS,
            STEPPED_MIN_S,
        )
        return solve(problem, time_limit_s=max(1.0, left), seed=seed)
    n_it, best, took = FIRST_STEP_ITERATIONS, None, 0.0
    while True:
        t = time.perf_counter()
        plan = solve(
            problem, time_limit_s=max(1.0, left), seed=seed, max_iterations=n_it
        )
        took = time.perf_counter() - t
        left = deadline - time.perf_counter()
        if best is not None and _quality(plan) <= _quality(best):
            log.info(
                "dispatch: search stalled: %s iterations no better than %s; "
                "stopping with %.0f s of the time limit left",
                f"{n_it:,}",
                f"{n_it // 2:,}",
                max(0.0, left),
            )
            return best
        best = plan
        say(
            f"dispatch: {n_it:,} iterations in {took:.1f} s: "
            f"{plan.n_served:,}/{problem.n_jobs:,} served"
        )
        if 2.0 * took > left:
            log.info(
                "dispatch: time limit: %s iterations (~%.0f s) would not fit in "
                "the %.0f s left; stopping",
                f"{2 * n_it:,}",
                2.0 * took,
                max(0.0, left),
            )
            return best
        n_it *= 2


def route_file_stems(tech_ids: list[str], source: str) -> dict[str, str]:
    """The file name (without suffix) of each technician's route files.

    Characters other than letters, digits, ``-``, ``_`` and ``.`` become
    ``_``; two ids that would share a file (``T01/A`` and ``T01_A``, or ids
    differing only in case, on a case-insensitive disk) are refused, naming
    both rows.
    """
    stems: dict[str, str] = {}
    seen: dict[str, int] = {}
    for i, tid in enumerate(tech_ids):
        safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in tid)
        if safe.startswith("."):
            safe = "_" + safe[1:]
        key = safe.casefold()
        if key in seen:
            j = seen[key]
            raise InputError(
                source=source,
                location=f"rows {j + 1} and {i + 1}",
                field="id",
                expected="ids that give distinct route file names "
                "(letters, digits, '-', '_', '.'; case ignored)",
                got=f"{tech_ids[j]!r} and {tid!r} both write routes/{safe}.csv",
            )
        seen[key] = i
        stems[tid] = safe
    return stems


def _summary(plan: Any, meta: dict[str, Any]) -> dict[str, Any]:
    """``summary.json``: the run's inputs, KPIs, cost and solver stats."""
    return {
        **meta,
        "status": str(plan.status),
        "objective": plan.objective,
        "n_served": int(plan.n_served),
        "kpis": plan.kpi_dict(),
        "cost": plan.cost.to_dict(),
        "solver": plan.stats.to_dict(),
        "unassigned_by_reason": {
            str(k): int(v)
            for k, v in plan.unassigned_frame()["reason"].value_counts().items()
        },
        "all_urgent_served": bool(plan.all_urgent_served),
    }


def _write(
    out: Path, plan: Any, problem: Any, meta: dict[str, Any], stems: dict[str, str]
) -> None:
    check_new_folder(out, "--out")
    remove_stale(out.parent, target=out.name)  # left by a killed run
    if out.exists():
        out.rmdir()
    with atomic_dir(out) as tmp:
        routes = tmp / "routes"
        routes.mkdir()
        stops = plan.to_frame()
        gdf = plan.to_geodataframe() if plan.location_lonlat is not None else None
        for tid in plan.tech_ids:
            sub = stops[stops["tech_id"] == tid]
            if sub.empty:
                continue
            safe = stems[tid]
            sub.to_csv(routes / f"{safe}.csv", index=False)
            if gdf is not None:
                g = gdf[gdf["tech_id"] == tid]
                g.to_file(routes / f"{safe}.geojson", driver="GeoJSON")
        plan.techs_frame().to_csv(tmp / "technicians.csv", index=False)
        plan.unassigned_frame().to_csv(tmp / "unassigned.csv", index=False)
        summary = _summary(plan, meta)
        (tmp / "summary.json").write_text(json.dumps(summary, indent=2, default=str))
        plan.save(tmp / "plan")


def register(app: typer.Typer) -> None:
    """Add the ``dispatch`` command to ``app``."""

    @app.command("dispatch")
    @handle_errors
    def dispatch(
        tickets: Annotated[
            Path,
            typer.Option(
                "--tickets",
                help="Tickets: CSV, Parquet, GeoParquet, GeoJSON or GeoPackage.",
            ),
        ],
        technicians: Annotated[
            Path,
            typer.Option(
                "--technicians",
                help="Technicians: CSV, Parquet, GeoParquet, GeoJSON or GeoPackage.",
            ),
        ],
        date: Annotated[
            str, typer.Option("--date", help="The day planned, YYYY-MM-DD.")
        ],
        out: Annotated[
            Path, typer.Option("--out", help="Output folder (new or empty).")
        ],
        time_limit: Annotated[
            float,
            typer.Option(
                "--time-limit",
                help="Seconds for the whole run at most: the search doubles its "
                "iterations while that improves the plan and fits, and stops "
                "early when it stalls (the log says why).",
            ),
        ] = 300.0,
        seed: Annotated[int, typer.Option("--seed")] = 0,
        scenario: Annotated[
            Path | None,
            typer.Option(
                "--scenario",
                help="Scenario whose travel model and cost rates to use "
                "(default: straight line x 1.3 at 30 km/h, default rates).",
            ),
        ] = None,
        max_iterations: Annotated[
            int | None,
            typer.Option(
                "--max-iterations",
                help="Stop the search after N iterations (deterministic; "
                "--time-limit is then not used). A few hundred plan a day of "
                "150 jobs in seconds.",
            ),
        ] = None,
        as_json: Annotated[
            bool,
            typer.Option(
                "--json",
                help="Print the summary as one JSON document on stdout "
                "(`planner schema dispatch`).",
            ),
        ] = False,
    ) -> None:
        """Plan tomorrow's routes; exit 0 if every urgent job is served, 3 if not.

        Writes routes/, technicians.csv, unassigned.csv, summary.json and plan/
        into --out (atomically). Exit codes: 0 every urgent job served, 3 some
        urgent job not served, 2 bad input, 130 interrupted.
        """
        from planner.routing import check_plan, solve_dispatch
        from planner.routing.tables import problem_from_tables, read_dispatch_table

        # count the start-up (imports) too, unless we run inside a long-lived
        # host process (tests, notebooks), where its age says nothing
        age = _seconds_since_process_start()
        t0 = time.perf_counter() - (age if age < 60 else 0.0)
        try:
            day = dt.date.fromisoformat(date)
        except ValueError:
            raise InputError(field="--date", expected="YYYY-MM-DD", got=date) from None
        if not (time_limit > 0 and math.isfinite(time_limit)):
            raise InputError(
                field="--time-limit",
                expected="a finite number > 0 seconds",
                got=time_limit,
            )
        check_seed(seed, "--seed")
        if max_iterations is not None and max_iterations < 0:
            raise InputError(
                field="--max-iterations", expected="an integer >= 0", got=max_iterations
            )
        check_new_folder(out, "--out")
        travel, rates = None, None
        if scenario is not None:
            from planner.scenario import load_scenario
            from planner.scenario.build import cost_rates, travel_model

            spec = load_scenario(scenario).spec
            travel, rates = travel_model(spec), cost_rates(spec)
        with progress_reporter("dispatch: reading the tables") as say:
            tk = read_dispatch_table(tickets, "tickets")
            tw = read_dispatch_table(technicians, "technicians")
            say(
                f"dispatch: travel times for {len(tk):,} tickets, {len(tw):,} technicians"
            )
            problem = problem_from_tables(
                tk,
                tw,
                day,
                travel=travel,
                rates=rates,
                t_src=tickets.name,
                w_src=technicians.name,
            )
            stems = route_file_stems(list(problem.tech_ids), technicians.name)
            left = max(1.0, time_limit * 0.85 - (time.perf_counter() - t0))
            budget = None if max_iterations is not None else left
            say(
                f"dispatch: searching ({problem.n_jobs:,} jobs, "
                + (
                    f"{max_iterations:,} iterations)"
                    if max_iterations is not None
                    else f"at most {left:.0f} s)"
                )
            )
            with ticking(say, "dispatch", budget):
                if max_iterations is not None:
                    plan = solve_dispatch(
                        problem,
                        time_limit_s=left,
                        seed=seed,
                        max_iterations=max_iterations,
                    )
                else:
                    plan = stepped_search(
                        solve_dispatch,
                        problem,
                        deadline=time.perf_counter() + left,
                        seed=seed,
                        say=say,
                    )
            say(f"dispatch: {plan.n_served:,}/{problem.n_jobs:,} jobs served; writing")
        try:
            check_plan(problem, plan)
        except Exception as e:  # the validator disagreeing with the solver is a bug
            raise RuntimeError(
                f"internal error: the plan failed validation: {e}"
            ) from e
        _write(
            out,
            plan,
            problem,
            {
                "date": day.isoformat(),
                "tickets": str(tickets),
                "technicians": str(technicians),
                "seed": seed,
                "n_jobs": int(problem.n_jobs),
            },
            stems,
        )
        log.info("dispatch: %s", plan.summary())
        if as_json:
            meta = {
                "out": str(out),
                "date": day.isoformat(),
                "seed": seed,
                "n_jobs": int(problem.n_jobs),
            }
            print_json({"schema": "planner.dispatch/1", **_summary(plan, meta)})
        else:
            console.print(plan.summary(), markup=False, soft_wrap=True)
            console.print(f"written to {out}", markup=False)
        if not plan.all_urgent_served:
            raise typer.Exit(EXIT_URGENT_UNSERVED)
