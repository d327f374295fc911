"""``planner dispatch``: the nightly dispatch job.

Reads tomorrow's tickets and technicians (CSV, Parquet or GeoJSON with WGS84
lon/lat), builds the travel matrix with a straight-line model, plans the day
with :func:`planner.routing.solve_dispatch`, checks the plan with the
independent validator and writes, atomically, into ``--out``::

    routes/<tech>.csv, routes/<tech>.geojson   one per technician with visits
    technicians.csv                            departure, return, break, travel, overtime
    unassigned.csv                             every job not served, with its reason
    summary.json, plan.json                    KPIs and cost; the full plan

Exit code 0 when every urgent job is served, 3 when some is not, 2 for bad input.

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

import datetime as dt
import json
import math
import os
import time
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import pandas as pd
import typer

from planner.cli.common import console, handle_errors
from planner.core.atomic import atomic_dir
from planner.core.errors import InputError

__all__ = ["EXIT_URGENT_UNSERVED", "register", "straight_line_matrices"]

EXIT_URGENT_UNSERVED = 3
EARTH_RADIUS_M = 6_371_008.8


def straight_line_matrices(
    lonlat: np.ndarray, *, circuity: float = 1.3, speed_kmh: float = 30.0
) -> tuple[np.ndarray, np.ndarray]:
    """Travel minutes and metres between WGS84 points: haversine x circuity at a speed.

    The one place the CLI's travel model lives (to be replaced by the geo
    package's great-circle model).

    >>> d, m = straight_line_matrices(np.array([[0.0, 0.0], [0.0, 0.1]]))
    >>> round(float(m[0, 1])), round(float(d[0, 1]), 1)
    (14455, 28.9)
    """
    lon, lat = np.radians(lonlat[:, 0]), np.radians(lonlat[:, 1])
    dlat = lat[:, None] - lat[None, :]
    dlon = lon[:, None] - lon[None, :]
    a = (
        np.sin(dlat / 2) ** 2
        + np.cos(lat[:, None]) * np.cos(lat[None, :]) * np.sin(dlon / 2) ** 2
    )
    metres = 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0))) * circuity
    minutes = metres / 1000.0 / speed_kmh * 60.0
    return minutes, metres


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


def _read_table(path: Path, what: str) -> pd.DataFrame:
    if not path.is_file():
        raise InputError(
            source=str(path), expected=f"a {what} file", got="no such file"
        )
    suf = path.suffix.lower()
    try:
        if suf == ".csv":
            df = pd.read_csv(path, dtype={"id": str, "pinned_tech": str})
        elif suf in (".parquet", ".pq"):
            df = pd.read_parquet(path)
        elif suf in (".geojson", ".json", ".gpkg"):
            import geopandas as gpd

            g = gpd.read_file(path)
            if g.crs is not None and not g.crs.equals("EPSG:4326"):
                g = g.to_crs("EPSG:4326")
            df = pd.DataFrame(g.drop(columns="geometry"))
            if "lon" not in df.columns:
                if not (g.geom_type == "Point").all():
                    raise InputError(
                        source=path.name, field="geometry", expected="points"
                    )
                df["lon"], df["lat"] = g.geometry.x.to_numpy(), g.geometry.y.to_numpy()
        else:
            raise InputError(
                source=path.name, expected="a .csv, .parquet or .geojson file", got=suf
            )
    except InputError:
        raise
    except Exception as e:  # a parser error is the user's file, not a bug
        raise InputError(
            source=path.name,
            expected=f"a readable {what} table",
            got=str(e).splitlines()[0],
        ) from e
    if "id" in df.columns:
        df["id"] = df["id"].astype(str)
    return df.reset_index(drop=True)


def _minutes(v: Any, day: dt.date, source: str, row: int, rid: str, fld: str) -> float:
    """``HH:MM``, minutes, or an ISO date-time on ``day`` -> minutes after midnight."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return math.nan
    if isinstance(v, int | float | np.integer | np.floating):
        return float(v)
    s = str(v).strip()
    try:
        return float(s)
    except ValueError:
        pass
    if len(s) <= 5 and ":" in s:
        h, _, m = s.partition(":")
        try:
            return int(h) * 60.0 + int(m)
        except ValueError:
            pass
    try:
        t = pd.Timestamp(s)
    except (ValueError, TypeError):
        t = None
    if t is None or pd.isna(t):
        raise InputError(
            source=source,
            location=f"row {row} (id {rid!r})",
            field=fld,
            expected="HH:MM, minutes or an ISO date-time",
            got=s,
        )
    base = pd.Timestamp(day)
    if t.tzinfo is not None:
        t = t.tz_localize(None)
    return (t - base).total_seconds() / 60.0


def _convert_times(
    df: pd.DataFrame, cols: dict[str, str], day: dt.date, source: str
) -> pd.DataFrame:
    out = df.copy()
    for src, dst in cols.items():
        if src in df.columns:
            out[dst] = [
                _minutes(v, day, source, i, str(df["id"].iloc[i]), src)
                for i, v in enumerate(df[src].tolist())
            ]
    return out


def _convert_windows(df: pd.DataFrame, day: dt.date, source: str) -> pd.DataFrame:
    if "windows" not in df.columns:
        return df
    out = df.copy()
    conv = []
    for i, v in enumerate(df["windows"].tolist()):
        pairs = []
        for tok in str(v).replace(",", ";").split(";"):
            tok = tok.strip()
            if not tok:
                continue
            # split on the '-' between two times (ISO date-times contain '-' too)
            parts = tok.split("-")
            if len(parts) == 2:
                a, b = parts
            elif len(parts) % 2 == 0:
                k = len(parts) // 2
                a, b = "-".join(parts[:k]), "-".join(parts[k:])
            else:
                raise InputError(
                    source=source,
                    location=f"row {i} (id {df['id'].iloc[i]!r})",
                    field="windows",
                    expected="'start-end' pairs",
                    got=tok,
                )
            rid = str(df["id"].iloc[i])
            pairs.append(
                (
                    _minutes(a, day, source, i, rid, "windows"),
                    _minutes(b, day, source, i, rid, "windows"),
                )
            )
        conv.append(pairs)
    out["windows"] = pd.Series(conv, index=out.index, dtype=object)
    return out


def _coords(
    df: pd.DataFrame, source: str, lon: str = "lon", lat: str = "lat"
) -> np.ndarray:
    for c in (lon, lat):
        if c not in df.columns:
            raise InputError(source=source, field=c, expected="a column", got="missing")
    xy = np.column_stack(
        [
            pd.to_numeric(df[lon], errors="coerce"),
            pd.to_numeric(df[lat], errors="coerce"),
        ]
    ).astype(float)
    bad = (
        ~np.isfinite(xy).all(axis=1)
        | (np.abs(xy[:, 0]) > 180)
        | (np.abs(xy[:, 1]) > 90)
    )
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(
            source=source,
            location=f"row {i} (id {df['id'].iloc[i]!r})",
            field=f"{lon}/{lat}",
            expected="WGS84 degrees",
            got=f"{df[lon].iloc[i]}, {df[lat].iloc[i]}",
        )
    return xy


def build_problem(
    tickets: pd.DataFrame,
    techs: pd.DataFrame,
    day: dt.date,
    *,
    t_src: str = "tickets",
    w_src: str = "technicians",
) -> Any:
    """A :class:`~planner.routing.DispatchProblem` from the two raw tables."""
    from planner.routing import DispatchProblem

    for df, src in ((tickets, t_src), (techs, w_src)):
        if "id" not in df.columns:
            raise InputError(source=src, field="id", expected="a column", got="missing")
    tickets = _convert_times(
        tickets, {"tw_start": "tw_start_min", "tw_end": "tw_end_min"}, day, t_src
    )
    tickets = _convert_windows(tickets, day, t_src)
    techs = _convert_times(
        techs,
        {
            "shift_start": "shift_start_min",
            "shift_end": "shift_end_min",
            "break_start": "break_start_min",
            "break_end": "break_end_min",
        },
        day,
        w_src,
    )
    home = _coords(techs, w_src)
    end = home.copy()
    if "end_lon" in techs.columns and "end_lat" in techs.columns:
        e_lon = pd.to_numeric(techs["end_lon"], errors="coerce").to_numpy(float)
        e_lat = pd.to_numeric(techs["end_lat"], errors="coerce").to_numpy(float)
        has = np.isfinite(e_lon) & np.isfinite(e_lat)
        end[has] = np.column_stack([e_lon, e_lat])[has]
    jobs_xy = _coords(tickets, t_src)
    m, n = len(techs), len(tickets)
    lonlat = np.vstack([home, end, jobs_xy])
    dur, dist = straight_line_matrices(lonlat)
    jobs = tickets.assign(location=np.arange(2 * m, 2 * m + n))
    tw = techs.assign(start_location=np.arange(m), end_location=np.arange(m, 2 * m))
    return DispatchProblem.from_tables(
        jobs,
        tw,
        dur,
        dist,
        location_lonlat=lonlat,
        jobs_source=t_src,
        techs_source=w_src,
    )


def _write(out: Path, plan: Any, problem: Any, meta: dict[str, Any]) -> None:
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
        routes = tmp / "routes"
        routes.mkdir()
        stops = plan.to_frame()
        gdf = plan.to_geodataframe() if plan.location_lonlat is not None else None
        for tid in plan.tech_ids:
            sub = stops[stops["tech_id"] == tid]
            if sub.empty:
                continue
            safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in tid)
            sub.to_csv(routes / f"{safe}.csv", index=False)
            if gdf is not None:
                g = gdf[gdf["tech_id"] == tid]
                g.to_file(routes / f"{safe}.geojson", driver="GeoJSON")
        plan.techs_frame().to_csv(tmp / "technicians.csv", index=False)
        plan.unassigned_frame().to_csv(tmp / "unassigned.csv", index=False)
        summary = {
            **meta,
            "status": str(plan.status),
            "objective": plan.objective,
            "kpis": plan.kpis,
            "cost": plan.cost.to_dict(),
            "solver": plan.stats.to_dict(),
            "unassigned_by_reason": plan.unassigned_frame()["reason"]
            .value_counts()
            .to_dict(),
            "all_urgent_served": plan.all_urgent_served,
        }
        (tmp / "summary.json").write_text(json.dumps(summary, indent=2, default=str))
        plan.save(tmp / "plan.json")


def register(app: typer.Typer) -> None:
    """Add the ``dispatch`` command to ``app``."""

    @app.command("dispatch")
    @handle_errors
    def dispatch(
        tickets: Annotated[
            Path, typer.Option("--tickets", help="Tickets: CSV, Parquet or GeoJSON.")
        ],
        technicians: Annotated[
            Path,
            typer.Option("--technicians", help="Technicians: CSV, Parquet or GeoJSON."),
        ],
        date: Annotated[
            str, typer.Option("--date", help="The day planned, YYYY-MM-DD.")
        ],
        out: Annotated[
            Path, typer.Option("--out", help="Output folder (new or empty).")
        ],
        time_limit: Annotated[
            float, typer.Option("--time-limit", help="Seconds for the whole run.")
        ] = 300.0,
        seed: Annotated[int, typer.Option("--seed")] = 0,
        max_iterations: Annotated[
            int | None,
            typer.Option(
                "--max-iterations",
                help="Stop the search after N iterations (deterministic).",
            ),
        ] = None,
    ) -> None:
        """Plan tomorrow's routes; exit 0 if every urgent job is served, 3 if not."""
        from planner.routing import check_plan, solve_dispatch

        # count the start-up (imports) too, unless we run inside a long-lived
        # host process (tests, notebooks), where its age says nothing
        age = _seconds_since_process_start()
        t0 = time.perf_counter() - (age if age < 60 else 0.0)
        try:
            day = dt.date.fromisoformat(date)
        except ValueError:
            raise InputError(field="--date", expected="YYYY-MM-DD", got=date) from None
        if not time_limit > 0:
            raise InputError(
                field="--time-limit", expected="> 0 seconds", got=time_limit
            )
        tk = _read_table(tickets, "tickets")
        tw = _read_table(technicians, "technicians")
        problem = build_problem(tk, tw, day, t_src=tickets.name, w_src=technicians.name)
        left = time_limit * 0.85 - (time.perf_counter() - t0)
        plan = solve_dispatch(
            problem,
            time_limit_s=max(1.0, left),
            seed=seed,
            max_iterations=max_iterations,
        )
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
            },
        )
        console.print(plan.summary(), markup=False, soft_wrap=True)
        console.print(f"written to {out}", markup=False)
        if not plan.all_urgent_served:
            raise typer.Exit(EXIT_URGENT_UNSERVED)
