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
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from planner.core.checks import row_label
from planner.core.cost import CostRates
from planner.core.errors import InputError
from planner.geo import GreatCircle, MatrixFile, TravelModel
from planner.geo.formats import id_column, number_column, read_table
from planner.routing.problem import DispatchProblem

__all__ = ["DEFAULT_TRAVEL", "problem_from_tables", "read_dispatch_table"]

#: The travel model of the nightly job when no scenario names one: crow-fly
#: distance x 1.3 at 30 km/h (city traffic).
DEFAULT_TRAVEL = GreatCircle(circuity=1.3, speed_kmh=30.0)


#: Ticket columns read as text (ids, lists, times).
TICKET_TEXT = (
    "id",
    "pinned_tech",
    "skills",
    "parts",
    "urgency",
    "windows",
    "tw_start",
    "tw_end",
)
#: Technician columns read as text.
TECH_TEXT = (
    "id",
    "skills",
    "stock",
    "fixed_route",
    "shift_start",
    "shift_end",
    "break_start",
    "break_end",
)

_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]")
_TIME_FORMS = "HH:MM, HH:MM:SS, minutes after midnight or an ISO date-time"


def read_dispatch_table(path: Path, what: str) -> pd.DataFrame:
    """Read the tickets or technicians table (``what``) of a dispatch day."""
    text = TICKET_TEXT if what == "tickets" else TECH_TEXT
    return read_table(path, what=what, text_columns=text, required=("id",))


def _minutes(v: Any, day: dt.date) -> float | None:
    """A time cell -> minutes after midnight of ``day``; ``None`` if not a time.

    Accepts minutes (a number >= 0), ``HH:MM`` or ``HH:MM:SS`` up to 24:00,
    and ISO date-times on or after ``day``.
    """
    if isinstance(v, bool):
        return None
    if isinstance(v, int | float | np.integer | np.floating):
        x = float(v)
        return x if math.isfinite(x) and x >= 0 else None
    s = str(v).strip()
    try:
        x = float(s)
    except ValueError:
        pass
    else:
        return x if math.isfinite(x) and x >= 0 else None
    m = _CLOCK.match(s)
    if m:
        h, mi, sec = int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)
        total = h * 60 + mi + sec / 60.0
        return total if mi < 60 and sec < 60 and total <= 1440 else None
    if _ISO.match(s):
        try:
            t = dt.datetime.fromisoformat(s)
        except ValueError:
            return None
        if t.tzinfo is not None:
            t = t.replace(tzinfo=None)
        off = (t - dt.datetime.combine(day, dt.time())).total_seconds() / 60.0
        return off if off >= 0 else None
    return None


def _time_error(source: str, row: int, rid: Any, fld: str, got: Any) -> InputError:
    return InputError(
        source=source,
        location=row_label(row, rid),
        field=fld,
        expected=_TIME_FORMS,
        got=got,
    )


def _convert_times(
    df: pd.DataFrame,
    cols: dict[str, str],
    day: dt.date,
    source: str,
    pairs: tuple[tuple[str, str, str], ...] = (),
) -> pd.DataFrame:
    """Time columns to minutes (``cols``: user column -> minutes column).

    ``pairs`` (start column, end column, name) must not end before they start.
    """
    out = df.copy()
    ids = df["id"].tolist()
    for src, dst in cols.items():
        if src not in df.columns:
            continue
        vals = []
        for i, v in enumerate(df[src].tolist()):
            if _blank(v):
                vals.append(math.nan)
                continue
            x = _minutes(v, day)
            if x is None:
                raise _time_error(source, i, ids[i], src, v)
            vals.append(x)
        out[dst] = vals
    for a, b, name in pairs:
        if a not in df.columns or b not in df.columns:
            continue
        ea, eb = out[cols[a]].to_numpy(float), out[cols[b]].to_numpy(float)
        bad = np.isfinite(ea) & np.isfinite(eb) & (eb < ea)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise InputError(
                source=source,
                location=row_label(i, ids[i]),
                field=f"{a}/{b}",
                expected=f"a {name} that does not end before it starts",
                got=f"{df[a].iloc[i]}-{df[b].iloc[i]}",
            )
    return out


def _convert_windows(df: pd.DataFrame, day: dt.date, source: str) -> pd.DataFrame:
    if "windows" not in df.columns:
        return df
    out = df.copy()
    ids = df["id"].tolist()
    conv = []
    for i, v in enumerate(df["windows"].tolist()):
        pairs = []
        if _blank(v):
            raise InputError(
                source=source,
                location=row_label(i, ids[i]),
                field="windows",
                expected="at least one window 'start-end'",
                got="empty",
            )
        for tok in str(v).replace(",", ";").split(";"):
            tok = tok.strip()
            if not tok:
                continue
            # split on the '-' between two times (ISO date-times contain '-' too)
            parts = tok.split("-")
            if len(parts) % 2 == 0:
                k = len(parts) // 2
                a, b = "-".join(parts[:k]).strip(), "-".join(parts[k:]).strip()
            else:
                a = b = ""
            ta, tb = _minutes(a, day), _minutes(b, day)
            if not a or not b or ta is None or tb is None:
                raise InputError(
                    source=source,
                    location=row_label(i, ids[i]),
                    field="windows",
                    expected=f"'start-end' windows with times as {_TIME_FORMS}",
                    got=tok,
                )
            if tb < ta:
                raise InputError(
                    source=source,
                    location=row_label(i, ids[i]),
                    field="windows",
                    expected="'start-end' with the end not before the start",
                    got=tok,
                )
            pairs.append((ta, tb))
        conv.append(pairs)
    out["windows"] = pd.Series(conv, index=out.index, dtype=object)
    return out


def _blank(v: Any) -> bool:
    if v is None:
        return True
    if isinstance(v, float) and math.isnan(v):
        return True
    return isinstance(v, str) and not v.strip()


def _check_numbers(
    df: pd.DataFrame, source: str, cols: dict[str, bool]
) -> pd.DataFrame:
    """Numeric columns (name -> inf allowed) checked cell by cell: >= 0, finite."""
    out = df.copy()
    for c, inf in cols.items():
        if c in df.columns:
            v = number_column(
                df, c, source=source, ids=df["id"], default=math.nan, allow_inf=inf
            )
            out[c] = v
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
            location=row_label(i, df["id"].iloc[i]),
            field=f"{lon}/{lat}",
            expected="WGS84 degrees",
            got=f"{df[lon].iloc[i]}, {df[lat].iloc[i]}",
        )
    return xy


def _require_times(
    df: pd.DataFrame,
    source: str,
    one: tuple[str, ...],
    pair: tuple[str, str],
    what: str,
) -> None:
    """Every row has a ``what``: in the ``one`` column or in both ``pair`` columns."""
    names = [*one, " and ".join(pair)]
    minutes = tuple(f"{c}_min" for c in pair)
    if any(c in df.columns for c in one) or all(c in df.columns for c in minutes):
        return
    if not all(c in df.columns for c in pair):
        raise InputError(
            source=source,
            field=" or ".join(names),
            expected=f"columns giving each row's {what}",
            got=f"columns {', '.join(map(str, df.columns))}",
        )
    for c in pair:
        blank = [i for i, v in enumerate(df[c].tolist()) if _blank(v)]
        if blank:
            i = blank[0]
            raise InputError(
                source=source,
                location=row_label(i, df["id"].iloc[i]),
                field=c,
                expected=_TIME_FORMS,
                got="empty",
            )


def _check_in_matrix(
    mf: MatrixFile,
    lonlat: np.ndarray,
    m: int,
    t_src: str,
    w_src: str,
    job_ids: list[Any],
    tech_ids: list[Any],
) -> None:
    """Name the table row of a point the matrix file does not know."""
    for origins in (True, False):
        miss = mf.first_unmatched(lonlat, origins=origins)
        if miss is None:
            continue
        k, dist = miss
        if k < m:
            src, where, fld = w_src, row_label(k, tech_ids[k]), "lon/lat"
        elif k < 2 * m:
            src, where, fld = (
                w_src,
                row_label(k - m, tech_ids[k - m]),
                "end_lon/end_lat",
            )
        else:
            src, where, fld = t_src, row_label(k - 2 * m, job_ids[k - 2 * m]), "lon/lat"
        raise InputError(
            source=src,
            location=where,
            field=fld,
            expected=f"a point of the travel matrix {mf.describe()} within 1 m "
            f"(as {'an origin' if origins else 'a destination'})",
            got=f"({lonlat[k, 0]:.6f}, {lonlat[k, 1]:.6f}), nearest {dist:.1f} m away",
        )


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
    tickets = pd.DataFrame(tickets).reset_index(drop=True)
    techs = pd.DataFrame(techs).reset_index(drop=True)
    for df, src in ((tickets, t_src), (techs, w_src)):
        df["id"] = id_column(df, "id", source=src)
    if len(techs) == 0:
        raise InputError(
            source=w_src, expected="at least one technician", got="no rows"
        )
    _require_times(tickets, t_src, ("windows",), ("tw_start", "tw_end"), "window")
    _require_times(techs, w_src, (), ("shift_start", "shift_end"), "shift")
    tickets = _check_numbers(
        tickets, t_src, {"service_min": False, "load": False, "drop_penalty": False}
    )
    techs = _check_numbers(
        techs,
        w_src,
        {
            "break_min": False,
            "max_work_min": True,
            "max_overtime_min": False,
            "overtime_per_hour": False,
            "capacity": True,
        },
    )
    tickets = _convert_times(
        tickets,
        {"tw_start": "tw_start_min", "tw_end": "tw_end_min"},
        day,
        t_src,
        (("tw_start", "tw_end", "window"),),
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
        (
            ("shift_start", "shift_end", "shift"),
            ("break_start", "break_end", "break window"),
        ),
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
    model = travel or DEFAULT_TRAVEL
    if isinstance(model, MatrixFile):
        _check_in_matrix(
            model, lonlat, m, t_src, w_src, list(tickets["id"]), list(techs["id"])
        )
    tm = model.matrix(lonlat, lonlat)
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
