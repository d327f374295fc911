"""The dispatch day's tables at the edge: read, every cell checked, times to minutes.

:func:`read_dispatch_table` reads tickets or technicians through the one
table reader; the helpers check cells in the user's words (the column as
written, the row as a spreadsheet counts it, the value as written) before
:func:`~planner.routing.tables.problem_from_tables` builds the problem, so
its own checks, which speak in minutes and internal fields, never see a
user's mistake.
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
from planner.core.errors import InputError
from planner.geo import MatrixFile
from planner.geo.formats import number_column, read_table

__all__ = ["TECH_TEXT", "TICKET_TEXT", "read_dispatch_table"]


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
    """Read a table of a dispatch day: tickets, technicians or another (``what``).

    Ticket tables (``what`` names tickets) keep :data:`TICKET_TEXT` columns
    as text, technician tables :data:`TECH_TEXT`, others their ``id``.
    """
    if "ticket" in what:
        text: tuple[str, ...] = TICKET_TEXT
    elif "technician" in what:
        text = TECH_TEXT
    else:
        text = ("id",)
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


def _check_breaks(techs: pd.DataFrame, source: str) -> None:
    """A break (``break_min`` > 0) starts in its window, inside the shift."""
    if "break_min" not in techs.columns:
        return
    n = len(techs)

    def col(c: str) -> np.ndarray:
        if c not in techs.columns:
            return np.full(n, np.nan)
        return np.asarray(techs[c], dtype=float)

    bmin = np.nan_to_num(col("break_min"))
    ss, se = col("shift_start_min"), col("shift_end_min")
    bs, be = col("break_start_min"), col("break_end_min")
    bs = np.where(np.isnan(bs), ss, bs)
    be = np.where(np.isnan(be), se, be)
    bad = (bmin > 0) & ((bs < ss) | (be + bmin > se))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])

        def text(c: str) -> str:
            return str(techs[c].iloc[i]) if c in techs.columns else "?"

        raise InputError(
            source=source,
            location=row_label(i, techs["id"].iloc[i]),
            field="break_start/break_end/break_min",
            expected=f"a break of break_min starting in its window, inside the shift "
            f"{text('shift_start')}-{text('shift_end')}",
            got=f"{text('break_start')}-{text('break_end')} + {bmin[i]:g} min",
        )


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


def _end_points(techs: pd.DataFrame, source: str) -> tuple[np.ndarray, np.ndarray]:
    """``end_lon``/``end_lat``: both or neither per row, numbers in range."""
    lon = number_column(
        techs, "end_lon", source=source, ids=techs["id"], default=np.nan, minimum=-180,
        maximum=180,
    )  # fmt: skip
    lat = number_column(
        techs, "end_lat", source=source, ids=techs["id"], default=np.nan, minimum=-90,
        maximum=90,
    )  # fmt: skip
    half = np.isfinite(lon) != np.isfinite(lat)
    if half.any():
        i = int(np.flatnonzero(half)[0])
        raise InputError(
            source=source,
            location=row_label(i, techs["id"].iloc[i]),
            field="end_lon/end_lat",
            expected="both (where the day ends) or neither (back home)",
            got="only one",
        )
    return lon, lat
