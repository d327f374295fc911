"""``planner slots`` and ``planner replan``: the dispatcher's day after the nightly plan.

Both read the day's tickets and technicians (as ``planner dispatch`` does, with
the same ``--scenario`` travel model) and the published plan (the ``--plan``
folder ``planner dispatch`` wrote, or its ``plan/`` inside), which must match
them (checked by the validator).

``planner slots --ticket new.csv`` prints the slots the new ticket(s) fit
into, cheapest first; ``--book N --out DIR`` books offer N and writes the
updated plan there. ``planner horizon --days 3`` plans several days at once:
tickets may carry ``created`` (ISO date-time, or ``HH:MM`` on ``--date``) for
their SLA deadline, technicians ``absent`` (dates or day numbers, ``;``
separated); each day goes to ``DIR/day<k>/`` and the jobs not served today
to ``DIR/moved.csv``. ``planner replan --now 11:00`` applies new tickets
(``--new-tickets``), cancellations (``--cancel``), absences (``--absent``)
and technicians' positions (``--positions``: id, lon, lat) and writes the rest
of the day to ``--out``.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer

from planner.cli.common import console, handle_errors, progress_reporter
from planner.cli.dispatch_cmd import ticking
from planner.core.atomic import atomic_dir, check_new_folder
from planner.core.checks import check_seed
from planner.core.errors import InputError

__all__ = ["register"]


def _load(
    tickets: Path,
    technicians: Path,
    date: str,
    scenario: Path | None,
    extra: Path | None,
) -> tuple[Any, Any, list[Any]]:
    """(problem, travel model, the extra tickets as new jobs)."""
    from planner.routing.edit import NewJob
    from planner.routing.tables import (
        DEFAULT_TRAVEL,
        problem_from_tables,
        read_dispatch_table,
    )

    try:
        day = dt.date.fromisoformat(date)
    except ValueError:
        raise InputError(field="--date", expected="YYYY-MM-DD", got=date) from None
    travel, rates = None, None
    if scenario is not None:
        from planner.scenario import load_scenario
        from planner.scenario.build import cost_rates, travel_model

        spec = load_scenario(scenario).spec
        travel, rates = travel_model(spec), cost_rates(spec)
    tk = read_dispatch_table(tickets, "tickets")
    tw = read_dispatch_table(technicians, "technicians")
    kw = {
        "travel": travel,
        "rates": rates,
        "t_src": tickets.name,
        "w_src": technicians.name,
    }
    problem = problem_from_tables(tk, tw, day, **kw)  # type: ignore[arg-type]
    new: list[Any] = []
    if extra is not None:
        nt = read_dispatch_table(extra, "new tickets")
        if not {"windows", "tw_start", "tw_end"} & set(nt.columns):
            nt = nt.assign(windows="00:00-23:59")  # the customer is in all day
        kw["t_src"] = extra.name
        full = problem_from_tables(nt, tw, day, **kw)  # type: ignore[arg-type]
        for j in range(full.n_jobs):
            a, b = int(full.tw_ptr[j]), int(full.tw_ptr[j + 1])
            new.append(
                NewJob(
                    full.job_ids[j],
                    float(full.service_min[j]),
                    lonlat=tuple(full.location_lonlat[int(full.job_loc[j])].tolist()),
                    urgency=("urgent", "important", "general")[
                        int(full.job_urgency[j])
                    ],
                    skills=tuple(
                        full.skill_names[q] for q in np.flatnonzero(full.job_skills[j])
                    ),
                    parts={
                        full.part_names[q]: int(full.job_parts[j, q])
                        for q in np.flatnonzero(full.job_parts[j])
                    },
                    windows=tuple(
                        zip(
                            full.tw_early_min[a:b].tolist(),
                            full.tw_late_min[a:b].tolist(),
                            strict=True,
                        )
                    ),
                )
            )
    return problem, travel or DEFAULT_TRAVEL, new


def _plan(path: Path, problem: Any) -> Any:
    from planner.routing import DispatchPlan, validate_plan

    folder = path / "plan" if (path / "plan" / "result.json").is_file() else path
    plan = DispatchPlan.load(folder)
    bad = validate_plan(problem, plan)
    if bad:
        raise InputError(
            source=str(folder),
            expected="the plan of these tickets and technicians",
            got=str(bad[0]),
        )
    return plan


def _minutes(text: str, fld: str) -> float:
    t = text.strip()
    try:
        if ":" in t:
            h, m = t.split(":", 1)
            return int(h) * 60.0 + float(m)
        return float(t)
    except ValueError:
        raise InputError(
            field=fld, expected="HH:MM or minutes after midnight", got=text
        ) from None


def _write_plan(
    out: Path, plan: Any, extra: dict[str, Any], frames: dict[str, Any]
) -> None:
    if out.exists():
        if out.is_dir() and not any(out.iterdir()):
            out.rmdir()
        else:
            raise InputError(
                source=str(out),
                expected="a new or empty output folder",
                got="exists and is not empty",
            )
    with atomic_dir(out) as tmp:
        plan.to_frame().to_csv(tmp / "stops.csv", index=False)
        plan.techs_frame().to_csv(tmp / "technicians.csv", index=False)
        plan.unassigned_frame().to_csv(tmp / "unassigned.csv", index=False)
        for name, df in frames.items():
            df.to_csv(tmp / f"{name}.csv", index=False)
        summary = {
            **extra,
            "kpis": plan.kpi_dict(),
            "travel": dict(plan.travel_info or {}),
        }
        (tmp / "summary.json").write_text(json.dumps(summary, indent=2, default=str))
        plan.save(tmp / "plan")


def _check_out(out: Path | None) -> None:
    """``--out``: a new or empty folder that can be written (checked before work)."""
    if out is not None:
        check_new_folder(out, "--out")


def _created(tk: Any, day: dt.date, src: str) -> np.ndarray:
    """Creation times as minutes after midnight of ``day`` (``day`` 00:00 if absent)."""
    import pandas as pd

    if "created" not in tk.columns:
        return np.zeros(len(tk))
    out = np.zeros(len(tk))
    base = pd.Timestamp(day)
    for i, v in enumerate(tk["created"].tolist()):
        text = str(v).strip()
        try:
            if ":" in text and len(text) <= 5:
                out[i] = _minutes(text, "created")
                continue
            t = pd.Timestamp(text)
            if t.tzinfo is not None:
                t = t.tz_localize(None)
            out[i] = (t - base).total_seconds() / 60.0
        except (ValueError, TypeError, InputError):
            raise InputError(
                source=src,
                location=f'row {i + 1} (id "{tk["id"].iloc[i]}")',
                field="created",
                expected="an ISO date-time or HH:MM",
                got=v,
            ) from None
    return out


def _absent(tw: Any, day: dt.date, n_days: int, src: str) -> np.ndarray:
    """``(technicians, days)`` absences from an ``absent`` column of dates or day numbers."""
    ab = np.zeros((len(tw), n_days), bool)
    if "absent" not in tw.columns:
        return ab
    for i, v in enumerate(tw["absent"].tolist()):
        if v is None or (isinstance(v, float) and np.isnan(v)):
            continue
        for part in str(v).split(";"):
            x = part.strip()
            if not x:
                continue
            try:
                k = int(x) if x.isdigit() else (dt.date.fromisoformat(x) - day).days
            except ValueError:
                raise InputError(
                    source=src,
                    location=f'row {i + 1} (id "{tw["id"].iloc[i]}")',
                    field="absent",
                    expected="dates YYYY-MM-DD or day numbers, ';' separated",
                    got=v,
                ) from None
            if 0 <= k < n_days:
                ab[i, k] = True
    return ab


def register(app: typer.Typer) -> None:
    """Add ``slots``, ``replan`` and ``horizon`` to ``app``."""

    @app.command("horizon")
    @handle_errors
    def horizon_cmd(
        tickets: Annotated[Path, typer.Option("--tickets")],
        technicians: Annotated[Path, typer.Option("--technicians")],
        date: Annotated[str, typer.Option("--date", help="Day 0, YYYY-MM-DD.")],
        out: Annotated[Path, typer.Option("--out")],
        days: Annotated[int, typer.Option("--days", help="Days in the horizon.")] = 3,
        scenario: Annotated[Path | None, typer.Option("--scenario")] = None,
        time_limit: Annotated[float, typer.Option("--time-limit")] = 300.0,
        max_iterations: Annotated[int | None, typer.Option("--max-iterations")] = None,
        seed: Annotated[int, typer.Option("--seed")] = 0,
    ) -> None:
        """Plan several days: SLA deadlines, a shift per day, absences; day 0 to publish."""
        from planner.core.urgency import DEFAULT_RESPONSE_TARGET_MIN
        from planner.routing import HorizonProblem, solve_horizon
        from planner.routing.tables import read_dispatch_table

        _check_out(out)
        if days < 1:
            raise InputError(field="--days", expected="an integer >= 1", got=days)
        check_seed(seed, "--seed")
        with progress_reporter("horizon: reading the tables") as say:
            problem, _, _ = _load(tickets, technicians, date, scenario, None)
            say(f"horizon: {problem.n_jobs:,} jobs over {days} days")
        day0 = dt.date.fromisoformat(date)
        targets: dict[Any, float] = dict(DEFAULT_RESPONSE_TARGET_MIN)
        if scenario is not None:
            from planner.scenario import load_scenario

            u = load_scenario(scenario).spec.urgency
            targets = {
                k: getattr(u, k).target_h * 60.0
                for k in ("urgent", "important", "general")
            }
        tk = read_dispatch_table(tickets, "tickets")
        tw = read_dispatch_table(technicians, "technicians")
        h = HorizonProblem.from_sla(
            problem,
            days,
            _created(tk, day0, tickets.name),
            targets_min=targets,
            absent=_absent(tw, day0, days, technicians.name),
        )
        with (
            progress_reporter(f"horizon: planning {days} days") as say,
            ticking(say, "horizon", None if max_iterations else time_limit),
        ):
            hp = solve_horizon(
                h, time_limit_s=time_limit, seed=seed, max_iterations=max_iterations
            )
        if out.exists():
            out.rmdir()
        with atomic_dir(out) as tmp:
            for k in range(days):
                _write_plan(tmp / f"day{k}", hp.day_plans[k], {"day": k}, {})
            hp.moved_frame().to_csv(tmp / "moved.csv", index=False)
            (tmp / "summary.json").write_text(
                json.dumps({"summary": hp.summary(), "kpis": hp.kpi_dict()}, indent=2)
            )
        console.print(hp.summary(), markup=False, soft_wrap=True)
        console.print(f"written to {out}", markup=False)

    @app.command("slots")
    @handle_errors
    def slots(
        tickets: Annotated[Path, typer.Option("--tickets", help="The day's tickets.")],
        technicians: Annotated[Path, typer.Option("--technicians")],
        date: Annotated[str, typer.Option("--date", help="The day, YYYY-MM-DD.")],
        plan: Annotated[
            Path, typer.Option("--plan", help="The published plan folder.")
        ],
        ticket: Annotated[
            Path, typer.Option("--ticket", help="The new ticket(s), same columns.")
        ],
        scenario: Annotated[Path | None, typer.Option("--scenario")] = None,
        slot_min: Annotated[float, typer.Option("--slot-min")] = 120.0,
        not_before: Annotated[
            str | None, typer.Option("--not-before", help="HH:MM")
        ] = None,
        max_offers: Annotated[int, typer.Option("--max-offers")] = 10,
        resequence: Annotated[
            int,
            typer.Option(
                "--resequence",
                help="Let booked visits change order on routes of up to N visits.",
            ),
        ] = 0,
        book: Annotated[
            int | None, typer.Option("--book", help="Book offer N (1-based).")
        ] = None,
        out: Annotated[
            Path | None, typer.Option("--out", help="Where the booked plan goes.")
        ] = None,
    ) -> None:
        """The slots a new ticket can be promised, cheapest first; --book N --out DIR books one."""
        from planner.routing.slots import offer_slots

        if book is not None and out is None:
            raise InputError(
                field="--out", expected="a folder for the booked plan", got="none"
            )
        _check_out(out)
        with progress_reporter("slots: reading the tables"):
            problem, travel, new = _load(tickets, technicians, date, scenario, ticket)
        if not new:
            raise InputError(source=str(ticket), expected="at least one ticket", got=0)
        if book is not None and len(new) != 1:
            raise InputError(
                source=str(ticket),
                field="--book",
                expected="one ticket to book",
                got=len(new),
            )
        pub = _plan(plan, problem)
        nb = None if not_before is None else _minutes(not_before, "--not-before")
        for tk in new:
            offers = offer_slots(
                pub,
                problem,
                tk,
                slot_min=slot_min,
                travel=travel,
                not_before_min=nb,
                max_offers=max_offers,
                resequence_max=resequence,
            )
            console.print(
                f"ticket {tk.job_id}: {len(offers)} slot(s), {offers.runtime_s:.2f} s",
                markup=False,
            )
            frame = offers.to_frame()
            if len(frame):
                console.print(
                    frame[
                        ["rank", "date", "slot", "tech_id", "marginal_cost"]
                    ].to_string(index=False),
                    markup=False,
                )
            if book is not None:
                if not 1 <= book <= len(offers):
                    raise InputError(
                        field="--book",
                        expected=f"an offer in 1..{len(offers)}",
                        got=book,
                    )
                _, plan2 = offers.book(book - 1)
                assert out is not None
                _write_plan(
                    out,
                    plan2,
                    {"booked": tk.job_id, "slot": frame.iloc[book - 1].to_dict()},
                    {},
                )
                console.print(
                    f"booked offer {book}; plan written to {out}", markup=False
                )

    @app.command("replan")
    @handle_errors
    def replan_cmd(
        tickets: Annotated[Path, typer.Option("--tickets")],
        technicians: Annotated[Path, typer.Option("--technicians")],
        date: Annotated[str, typer.Option("--date")],
        plan: Annotated[
            Path, typer.Option("--plan", help="The published plan folder.")
        ],
        now: Annotated[
            str, typer.Option("--now", help="HH:MM (or minutes after midnight).")
        ],
        out: Annotated[Path, typer.Option("--out")],
        new_tickets: Annotated[Path | None, typer.Option("--new-tickets")] = None,
        cancel: Annotated[
            str, typer.Option("--cancel", help="Job ids, comma separated.")
        ] = "",
        absent: Annotated[
            str, typer.Option("--absent", help="Technician ids, comma separated.")
        ] = "",
        positions: Annotated[
            Path | None, typer.Option("--positions", help="id, lon, lat")
        ] = None,
        scenario: Annotated[Path | None, typer.Option("--scenario")] = None,
    ) -> None:
        """Re-plan the rest of the day at --now: keep what started, repair the rest."""
        from planner.routing.replan import Absent, Cancel, replan
        from planner.routing.tables import read_dispatch_table

        _check_out(out)
        with progress_reporter("replan: reading the tables"):
            problem, travel, new = _load(
                tickets, technicians, date, scenario, new_tickets
            )
        pub = _plan(plan, problem)
        events: list[Any] = list(new)
        events += [Cancel(x.strip()) for x in cancel.split(",") if x.strip()]
        events += [Absent(x.strip()) for x in absent.split(",") if x.strip()]
        pos: dict[str, Any] = {}
        if positions is not None:
            df = read_dispatch_table(positions, "positions")
            for col in ("id", "lon", "lat"):
                if col not in df.columns:
                    raise InputError(
                        source=positions.name,
                        field=col,
                        expected="a column",
                        got="missing",
                    )
            for i, row in enumerate(df[["id", "lon", "lat"]].itertuples(index=False)):
                try:
                    pos[str(row[0])] = (float(row[1]), float(row[2]))
                except (TypeError, ValueError):
                    raise InputError(
                        source=positions.name,
                        location=f"row {i + 1}",
                        field="lon/lat",
                        expected="numbers",
                        got=(row[1], row[2]),
                    ) from None
        with (
            progress_reporter(f"replan: the day from {now}") as say,
            ticking(say, "replan", None),
        ):
            r = replan(
                pub,
                problem,
                now=_minutes(now, "--now"),
                positions=pos,
                events=events,
                travel=travel,
            )
        import pandas as pd

        moved = pd.DataFrame(
            {"job_id": list(r.moved_job_ids), "change": list(r.moved_detail)}
        )
        _write_plan(
            out,
            r.plan,
            {"now": now, "moved": r.n_moved, "summary": r.summary()},
            {"day": r.to_frame(), "moved": moved, "frozen": r.frozen},
        )
        console.print(r.summary(), markup=False, soft_wrap=True)
        console.print(f"written to {out}", markup=False)
