"""Dispatch tables: tomorrow's tickets and technicians as files, to a problem.

The nightly job reads two tables (CSV, Parquet or GeoJSON, WGS84 lon/lat) and
:func:`problem_from_tables` turns them, with a travel model, into a
:class:`~planner.routing.problem.DispatchProblem`.

Ticket columns: ``id``, ``lon``/``lat`` (or point geometry), ``service_min``,
``tw_start``/``tw_end`` or ``windows`` (``"08:00-10:00;13:00-15:00"``; times as
``HH:MM``, minutes after midnight, or ISO date-times on the day), optional
``skills`` (``"gas;oil"``), ``urgency``, ``parts`` (``"P1:2;P7:1"``),
``pinned_tech``. Technician columns: ``id``, ``lon``/``lat`` (home, where the
day starts; optional ``end_lon``/``end_lat``), ``shift_start``, ``shift_end``,
optional ``skills``, ``break_start``/``break_end``/``break_min``,
``max_work_min``, ``max_overtime_min``, ``overtime_per_hour``, ``stock``.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from planner.core.cost import CostRates
from planner.core.errors import InputError
from planner.geo import GreatCircle, TravelModel
from planner.routing.problem import DispatchProblem

__all__ = ["DEFAULT_TRAVEL", "problem_from_tables", "read_table"]

#: The travel model of the nightly job when no scenario names one: crow-fly
#: distance x 1.3 at 30 km/h (city traffic).
DEFAULT_TRAVEL = GreatCircle(circuity=1.3, speed_kmh=30.0)


def read_table(path: Path, what: str) -> pd.DataFrame:
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
            location=f'row {row + 1} (id "{rid}")',
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
                    location=f'row {i + 1} (id "{df["id"].iloc[i]}")',
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
            location=f'row {i + 1} (id "{df["id"].iloc[i]}")',
            field=f"{lon}/{lat}",
            expected="WGS84 degrees",
            got=f"{df[lon].iloc[i]}, {df[lat].iloc[i]}",
        )
    return xy


def problem_from_tables(
    tickets: pd.DataFrame,
    techs: pd.DataFrame,
    day: dt.date,
    *,
    travel: TravelModel | None = None,
    rates: CostRates | None = None,
    t_src: str = "tickets",
    w_src: str = "technicians",
) -> DispatchProblem:
    """A :class:`DispatchProblem` from the two raw tables and a travel model.

    Locations are the technicians' starts, their ends, then the tickets; the
    matrices come from ``travel`` (default :data:`DEFAULT_TRAVEL`).
    """
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
    tm = (travel or DEFAULT_TRAVEL).matrix(lonlat, lonlat)
    jobs = tickets.assign(location=np.arange(2 * m, 2 * m + n))
    tw = techs.assign(start_location=np.arange(m), end_location=np.arange(m, 2 * m))
    return DispatchProblem.from_tables(
        jobs,
        tw,
        np.asarray(tm.duration_min),
        np.asarray(tm.distance_m),
        rates=rates,
        location_lonlat=lonlat,
        jobs_source=t_src,
        techs_source=w_src,
    )
