"""Dispatch tables: tomorrow's tickets and technicians as files, to a problem.

The nightly job reads two tables (CSV, Parquet or GeoJSON, WGS84 lon/lat) and
:func:`problem_from_tables` turns them, with a travel model, into a
:class:`~planner.routing.problem.DispatchProblem`; :func:`problem_from_frames`
builds one from tables that already index into travel matrices.

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
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from planner.core.cost import CostRates
from planner.core.errors import InputError
from planner.core.urgency import Urgency
from planner.geo import GreatCircle, MatrixFile, TravelModel
from planner.geo.formats import id_column
from planner.geo.speed import free_flow_matrix, speed_of, travel_info
from planner.routing._edge import (
    _check_breaks,
    _check_in_matrix,
    _check_numbers,
    _convert_times,
    _convert_windows,
    _coords,
    _end_points,
    _require_times,
    read_dispatch_table,
)
from planner.routing.problem import DispatchProblem, _bad

__all__ = [
    "DEFAULT_TRAVEL",
    "problem_from_frames",
    "problem_from_tables",
    "read_dispatch_table",
]

#: The travel model of the nightly job when no scenario names one: crow-fly
#: distance x 1.3 at 30 km/h (city traffic).
DEFAULT_TRAVEL = GreatCircle(circuity=1.3, speed_kmh=30.0)


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
    _check_breaks(techs, w_src)
    home = _coords(techs, w_src)
    end = home.copy()
    if "end_lon" in techs.columns or "end_lat" in techs.columns:
        e_lon, e_lat = _end_points(techs, w_src)
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
    tm = free_flow_matrix(model, lonlat, lonlat)  # speed factors apply on top
    jobs = tickets.assign(location=np.arange(2 * m, 2 * m + n))
    tw = techs.assign(start_location=np.arange(m), end_location=np.arange(m, 2 * m))
    return problem_from_frames(
        jobs,
        tw,
        np.asarray(tm.duration_min),
        np.asarray(tm.distance_m),
        rates=rates,
        location_lonlat=lonlat,
        jobs_source=t_src,
        techs_source=w_src,
    ).replace(
        speed_factors=speed_of(model),
        date=day.isoformat(),
        travel_info=travel_info(
            model, note=None if travel else "straight lines (no travel model given)"
        ),
    )


def problem_from_frames(
    jobs: Any,
    techs: Any,
    duration_min: npt.ArrayLike,
    distance_m: npt.ArrayLike,
    *,
    location_ids: Sequence[Any] | None = None,
    rates: CostRates | None = None,
    location_lonlat: npt.ArrayLike | None = None,
    jobs_source: str = "jobs",
    techs_source: str = "technicians",
) -> DispatchProblem:
    """A :class:`DispatchProblem` from two tables (pandas DataFrames) and the matrices.

    Jobs columns: ``id``, ``location``, ``service_min``, windows as
    ``tw_start_min``/``tw_end_min`` or ``windows`` (``"600-840;900-960"`` or
    a list of pairs), optional ``skills`` (``"a;b"`` or a list), ``urgency``,
    ``parts`` (``"P1:2;P7:1"`` or a mapping), ``load``, ``pinned_tech``
    (a technician id), ``drop_penalty``.
    Technician columns: ``id``, ``start_location``, optional
    ``end_location`` (default start), ``shift_start_min``, ``shift_end_min``,
    ``skills``, ``break_start_min``/``break_end_min``/``break_min``,
    ``max_work_min``, ``max_overtime_min``, ``overtime_per_hour``, ``stock``
    (like ``parts``), ``capacity``, ``fixed_route`` (job ids ``"J1;J2"``).
    Locations are matched against ``location_ids`` (default: integer
    indices into the matrices).

    >>> import pandas as pd
    >>> jobs = pd.DataFrame({"id": ["J1"], "location": [1], "service_min": [30],
    ...     "tw_start_min": [480], "tw_end_min": [600], "skills": ["gas"]})
    >>> techs = pd.DataFrame({"id": ["T1"], "start_location": [0],
    ...     "shift_start_min": [480], "shift_end_min": [1020], "skills": ["gas;oil"]})
    >>> p = problem_from_frames(jobs, techs, [[0, 5], [5, 0]], [[0, 2500], [2500, 0]])
    >>> p.skill_names, p.tech_skills.tolist()
    (('gas', 'oil'), [[True, True]])
    """
    import pandas as pd

    jobs = pd.DataFrame(jobs).reset_index(drop=True)
    techs = pd.DataFrame(techs).reset_index(drop=True)
    n_loc = int(np.asarray(duration_min).shape[0]) if np.ndim(duration_min) == 2 else 0
    loc_index: dict[Any, int] = (
        {str(x): i for i, x in enumerate(location_ids)}
        if location_ids is not None
        else {}
    )

    def col(df: Any, name: str, table: str, required: bool = True) -> Any:
        if name in df.columns:
            return df[name]
        if required:
            raise InputError(
                source=table, field=name, expected="a column", got="missing"
            )
        return None

    def ids_of(df: Any, table: str) -> list[str]:
        c = col(df, "id", table)
        out = []
        for i, v in enumerate(c.tolist()):
            if v is None or (isinstance(v, float) and np.isnan(v)) or str(v) == "":
                raise InputError(
                    source=table,
                    location=f"row {i + 1}",
                    field="id",
                    expected="a non-empty id",
                    got=v,
                )
            out.append(str(v))
        return out

    jids = ids_of(jobs, jobs_source)
    tids = ids_of(techs, techs_source)

    def loc(v: Any, table: str, row: int, ids: list[str], fld: str) -> int:
        if v is None or (isinstance(v, float) and np.isnan(v)):
            raise _bad(table, row, ids, fld, "a location", "missing")
        if loc_index:
            if str(v) not in loc_index:
                raise _bad(table, row, ids, fld, "a known location id", str(v))
            return loc_index[str(v)]
        try:
            iv = int(v)
        except (TypeError, ValueError):
            raise _bad(
                table, row, ids, fld, f"a location index in [0, {n_loc})", v
            ) from None
        return iv

    def num(
        df: Any, name: str, table: str, ids: list[str], default: float | None = None
    ) -> np.ndarray:
        c = col(df, name, table, required=default is None)
        if c is None:
            return np.full(len(df), default, dtype=float)
        out = np.empty(len(df))
        for i, v in enumerate(c.tolist()):
            if v is None or (isinstance(v, float) and np.isnan(v)):
                if default is None:
                    raise _bad(table, i, ids, name, "a number", "missing")
                out[i] = default
                continue
            try:
                out[i] = float(v)
            except (TypeError, ValueError):
                raise _bad(table, i, ids, name, "a number", v) from None
        return out

    def split_list(v: Any) -> list[str]:
        if v is None or (isinstance(v, float) and np.isnan(v)):
            return []
        if isinstance(v, str):
            return [x.strip() for x in v.replace(",", ";").split(";") if x.strip()]
        return [str(x) for x in v]

    def parse_qty(
        v: Any, table: str, row: int, ids: list[str], fld: str
    ) -> dict[str, int]:
        if v is None or (isinstance(v, float) and np.isnan(v)):
            return {}
        items: list[tuple[str, Any]]
        if isinstance(v, Mapping):
            items = [(str(a), b) for a, b in v.items()]
        else:
            items = []
            for tok in split_list(v):
                name, _, q = tok.partition(":")
                items.append((name.strip(), q.strip() or "1"))
        out: dict[str, int] = {}
        for name, q in items:
            try:
                qi = int(q)
            except (TypeError, ValueError):
                raise _bad(
                    table,
                    row,
                    ids,
                    fld,
                    "'PART:qty' with an integer qty",
                    f"{name}:{q}",
                ) from None
            if qi < 0:
                raise _bad(table, row, ids, fld, "quantities >= 0", f"{name}:{qi}")
            out[name] = out.get(name, 0) + qi
        return out

    # windows
    ptr = [0]
    twe: list[float] = []
    twl: list[float] = []
    if "windows" in jobs.columns:
        for i, v in enumerate(jobs["windows"].tolist()):
            pairs: list[tuple[Any, Any]] = []
            if isinstance(v, str):
                for tok in split_list(v):
                    a, sep, b = tok.partition("-")
                    if not sep:
                        raise _bad(
                            jobs_source,
                            i,
                            jids,
                            "windows",
                            "'start-end' pairs",
                            tok,
                        )
                    pairs.append((a, b))
            elif v is not None and not (isinstance(v, float) and np.isnan(v)):
                pairs = [tuple(p) for p in v]
            if not pairs:
                raise _bad(jobs_source, i, jids, "windows", "at least one window", v)
            for a, b in pairs:
                try:
                    twe.append(float(a))
                    twl.append(float(b))
                except (TypeError, ValueError):
                    raise _bad(
                        jobs_source,
                        i,
                        jids,
                        "windows",
                        "numbers of minutes",
                        f"{a}-{b}",
                    ) from None
            ptr.append(len(twe))
    else:
        e = num(jobs, "tw_start_min", jobs_source, jids)
        l_ = num(jobs, "tw_end_min", jobs_source, jids)
        twe, twl = e.tolist(), l_.tolist()
        ptr = list(range(len(jobs) + 1))

    # skills
    job_sk = [
        split_list(v)
        for v in (
            jobs["skills"].tolist() if "skills" in jobs.columns else [None] * len(jobs)
        )
    ]
    tech_sk = [
        split_list(v)
        for v in (
            techs["skills"].tolist()
            if "skills" in techs.columns
            else [None] * len(techs)
        )
    ]
    tech_names = sorted({x for sk in tech_sk for x in sk})
    skill_idx = {x: i for i, x in enumerate(tech_names)}
    for i, sk in enumerate(job_sk):
        for x in sk:
            if x not in skill_idx:
                raise _bad(
                    jobs_source,
                    i,
                    jids,
                    "skills",
                    f"skills some technician has ({', '.join(tech_names) or 'none'})",
                    x,
                )
    js = np.zeros((len(jobs), len(tech_names)), bool)
    ts = np.zeros((len(techs), len(tech_names)), bool)
    for i, sk in enumerate(job_sk):
        js[i, [skill_idx[x] for x in sk]] = True
    for i, sk in enumerate(tech_sk):
        ts[i, [skill_idx[x] for x in sk]] = True

    # parts
    jparts = [
        parse_qty(v, jobs_source, i, jids, "parts")
        for i, v in enumerate(
            jobs["parts"].tolist() if "parts" in jobs.columns else [None] * len(jobs)
        )
    ]
    tstock = [
        parse_qty(v, techs_source, i, tids, "stock")
        for i, v in enumerate(
            techs["stock"].tolist() if "stock" in techs.columns else [None] * len(techs)
        )
    ]
    part_names = sorted({x for d in jparts for x in d} | {x for d in tstock for x in d})
    pidx = {x: i for i, x in enumerate(part_names)}
    jp = np.zeros((len(jobs), len(part_names)), np.int64)
    st = np.zeros((len(techs), len(part_names)), np.int64)
    for i, d in enumerate(jparts):
        for x, q in d.items():
            jp[i, pidx[x]] = q
    for i, d in enumerate(tstock):
        for x, q in d.items():
            st[i, pidx[x]] = q

    # urgency
    urg: list[Any] = (
        jobs["urgency"].tolist()
        if "urgency" in jobs.columns
        else [Urgency.GENERAL] * len(jobs)
    )

    tidx = {t: i for i, t in enumerate(tids)}
    jidx = {j: i for i, j in enumerate(jids)}
    pin = np.full(len(jobs), -1, np.int64)
    if "pinned_tech" in jobs.columns:
        for i, v in enumerate(jobs["pinned_tech"].tolist()):
            if v is None or (isinstance(v, float) and np.isnan(v)) or str(v) == "":
                continue
            if str(v) not in tidx:
                raise _bad(
                    jobs_source, i, jids, "pinned_tech", "a technician id", str(v)
                )
            pin[i] = tidx[str(v)]
    fixed: list[list[int]] = [[] for _ in tids]
    if "fixed_route" in techs.columns:
        for i, v in enumerate(techs["fixed_route"].tolist()):
            for x in split_list(v):
                if x not in jidx:
                    raise _bad(techs_source, i, tids, "fixed_route", "job ids", x)
                fixed[i].append(jidx[x])

    start = [
        loc(v, techs_source, i, tids, "start_location")
        for i, v in enumerate(col(techs, "start_location", techs_source).tolist())
    ]
    if "end_location" in techs.columns:
        end = [
            start[i]
            if v is None or (isinstance(v, float) and np.isnan(v))
            else loc(v, techs_source, i, tids, "end_location")
            for i, v in enumerate(techs["end_location"].tolist())
        ]
    else:
        end = list(start)
    ss = num(techs, "shift_start_min", techs_source, tids)
    se = num(techs, "shift_end_min", techs_source, tids)
    kw: dict[str, Any] = {}
    if "drop_penalty" in jobs.columns:
        kw["drop_penalty"] = num(jobs, "drop_penalty", jobs_source, jids)
    r = rates or CostRates()
    lonlat: Any = None if location_lonlat is None else np.asarray(location_lonlat)
    try:
        return DispatchProblem(
            duration_min=np.asarray(duration_min),
            distance_m=np.asarray(distance_m),
            job_loc=np.array(
                [
                    loc(v, jobs_source, i, jids, "location")
                    for i, v in enumerate(col(jobs, "location", jobs_source).tolist())
                ]
            ),
            service_min=np.asarray(num(jobs, "service_min", jobs_source, jids)),
            tw_ptr=np.asarray(ptr),
            tw_early_min=np.asarray(twe),
            tw_late_min=np.asarray(twl),
            tech_start_loc=np.asarray(start),
            tech_end_loc=np.asarray(end),
            shift_start_min=np.asarray(ss),
            shift_end_min=np.asarray(se),
            job_skills=js,
            tech_skills=ts,
            job_urgency=np.asarray(urg),
            job_parts=jp,
            tech_stock=st,
            job_load=num(jobs, "load", jobs_source, jids, 0.0),
            tech_capacity=num(techs, "capacity", techs_source, tids, np.inf),
            break_early_min=np.where(
                np.isnan(
                    be := num(techs, "break_start_min", techs_source, tids, np.nan)
                ),
                ss,
                be,
            ),
            break_late_min=np.where(
                np.isnan(bl := num(techs, "break_end_min", techs_source, tids, np.nan)),
                se,
                bl,
            ),
            break_min=num(techs, "break_min", techs_source, tids, 0.0),
            max_work_min=num(techs, "max_work_min", techs_source, tids, np.inf),
            max_overtime_min=num(techs, "max_overtime_min", techs_source, tids, 0.0),
            overtime_per_hour=num(
                techs, "overtime_per_hour", techs_source, tids, r.overtime_per_hour
            ),
            job_pinned_tech=pin,
            fixed_routes=tuple(tuple(r) for r in fixed),
            rates=r,
            job_ids=tuple(jids),
            tech_ids=tuple(tids),
            skill_names=tuple(tech_names),
            part_names=tuple(part_names),
            location_lonlat=lonlat,
            **kw,
        )
    except InputError as e:
        names = {"jobs": jobs_source, "technicians": techs_source}
        if e.source in names and names[e.source] != e.source:
            raise InputError(
                e.detail,
                source=names[e.source],
                location=e.location,
                field=e.field,
                expected=e.expected,
                got=e.got,
                hint=e.hint,
            ) from None
        raise
