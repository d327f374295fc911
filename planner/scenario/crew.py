"""The scenario's technicians: generated per outlet and shift, or read from a file.

:func:`workforce` generates each outlet's crew from ``[workforce]`` (shifts
per outlet and weekday, breaks, skills following the demand's repair
workload, seeded per outlet and shift); :func:`read_technicians` reads and
checks a technicians table instead; :func:`van_stock` is the van's parts
for a skill set.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np
import numpy.typing as npt

from planner.core.errors import InputError
from planner.core.hours import DAY_NAMES
from planner.core.tables import DemandPoints, Outlets
from planner.core.timewindow import TimeWindow
from planner.core.workforce import Technician
from planner.geo.formats import number_column, read_table
from planner.scenario.catalog import Catalog
from planner.scenario.schema import ScenarioSpec

__all__ = ["day_numbers", "read_technicians", "van_stock", "workforce"]

#: The seed stream of generated technicians (build.py: households 0, sites 1).
_STREAM_TECHS = 2


def day_numbers(names: list[str]) -> frozenset[int]:
    """Weekday numbers (0 = Monday) of day names and groups."""
    groups = {
        "weekdays": DAY_NAMES[:5],
        "weekend": DAY_NAMES[5:],
        "every_day": DAY_NAMES,
    }
    out: set[int] = set()
    for n in names:
        out.update(DAY_NAMES.index(d) for d in groups.get(n, (n,)))
    return frozenset(out)


def _break_for(
    shift: TimeWindow, window: str | None, minutes: float | None, w: Any
) -> tuple[TimeWindow | None, float]:
    """The break of a shift: its own, the workforce's if inside, or the middle 2 h."""
    brk_min = w.break_min if minutes is None else minutes
    if brk_min <= 0:
        return None, 0.0
    if window is not None:
        return TimeWindow.parse(window), brk_min
    d = TimeWindow.parse(w.break_window)
    if shift.start_min <= d.start_min and d.end_min <= shift.end_min:
        return d, brk_min
    if shift.duration_min > 360:
        mid = (shift.start_min + shift.end_min) / 2
        return TimeWindow(mid - 60, mid + 60), brk_min
    return None, 0.0


def _crew_plan(spec: ScenarioSpec, outlet_id: str) -> list[Any]:
    """The shifts of one outlet: ``outlet_shifts``, ``shifts`` or the single one."""
    w = spec.workforce
    from planner.scenario.schema import ShiftSpec

    if outlet_id in w.outlet_shifts:
        return list(w.outlet_shifts[outlet_id])
    if w.shifts:
        return list(w.shifts)
    return [
        ShiftSpec(
            name="day",
            window=w.shift,
            days=list(w.workdays),
            technicians=w.technicians_per_outlet,
            break_window=w.break_window,
            break_min=w.break_min,
        )
    ]


def workforce(
    spec: ScenarioSpec,
    sites: Outlets,
    catalog: Catalog,
    demand: DemandPoints,
    outlet_idx: npt.ArrayLike,
) -> tuple[Technician, ...]:
    """Each outlet's crew, shift by shift; skills follow the demand mix.

    Without ``[[workforce.shifts]]``, ``technicians_per_outlet`` work
    ``shift`` on ``workdays``. Within each shift's crew every skill is dealt
    once, in order of decreasing repair workload, round-robin over the
    technicians (so all skills are held wherever technicians x
    skills_per_technician allows), then each technician's remaining slots are
    drawn without replacement in proportion to workload; on-call
    (``urgent_only``) technicians hold every skill. Each outlet and shift
    draws from its own stream (scenario seed, outlet position, shift
    position), so an outlet's technicians are the same whichever other
    outlets are open.
    """
    w = spec.workforce
    skill_load: Counter[str] = Counter()
    totals = demand.tickets_per_year.sum(axis=0)
    for c, tot in zip(catalog.categories, totals, strict=True):
        for f in c.faults:
            skill_load[f.skill] += tot * f.share * f.repair_min
    skills = sorted(skill_load, key=lambda s: (-skill_load[s], s))
    prob = np.array([skill_load[s] for s in skills], dtype=float)
    prob = (
        prob / prob.sum() if prob.sum() > 0 else np.full(len(skills), 1 / len(skills))
    )
    k = min(w.skills_per_technician, len(skills))
    techs: list[Technician] = []
    for oi in np.asarray(outlet_idx, dtype=np.int64):
        oid = str(sites.ids[oi])
        loc = (float(sites.lon[oi]), float(sites.lat[oi]))
        n_done = 0
        for si, sh in enumerate(_crew_plan(spec, oid)):
            rng = np.random.default_rng(
                np.random.SeedSequence(
                    spec.seed,
                    spawn_key=(_STREAM_TECHS, int(oi), *((si,) if si else ())),
                )
            )
            shift = TimeWindow.parse(sh.window)
            brk, brk_min = _break_for(shift, sh.break_window, sh.break_min, w)
            n_t = sh.technicians
            held_by: list[set[str]] = [set() for _ in range(n_t)]
            if sh.urgent_only:
                held_by = [set(skills) for _ in range(n_t)]
            else:
                for i, sk in enumerate(skills[: n_t * k]):
                    held_by[i % n_t].add(sk)
                for j in range(n_t):
                    rest = [sk for sk in skills if sk not in held_by[j]]
                    need = min(k - len(held_by[j]), len(rest))
                    if need > 0:
                        p_rest = np.array([prob[skills.index(sk)] for sk in rest])
                        pick = rng.choice(
                            len(rest), size=need, replace=False, p=p_rest / p_rest.sum()
                        )
                        held_by[j].update(rest[int(i)] for i in pick)
            for j in range(n_t):
                held = held_by[j]
                n_done += 1
                techs.append(
                    Technician(
                        id=f"{oid}-T{n_done:02d}",
                        outlet_id=oid,
                        start_lonlat=loc,
                        skills=held,
                        shift=shift,
                        van_stock=van_stock(held, catalog),
                        break_window=brk,
                        break_min=brk_min,
                        cost_per_hour=w.cost_per_hour,
                        max_overtime_min=w.max_overtime_min,
                        workdays=day_numbers(list(sh.days)),
                        urgent_only=sh.urgent_only,
                    )
                )
    return tuple(techs)


_TECH_COLUMNS = (
    "id",
    "outlet_id",
    "lon",
    "lat",
    "skills",
    "shift_start",
    "shift_end",
    "break_start",
    "break_end",
    "break_min",
    "cost_per_hour",
    "max_overtime_min",
    "stock",
    "workdays",
    "urgent_only",
)


def read_technicians(
    path: str, sites: Outlets, catalog: Catalog, spec: ScenarioSpec
) -> tuple[Technician, ...]:
    """Technicians from a CSV or Parquet table, validated row by row.

    Columns: ``id``, ``skills`` (``"hvac;electronics"``), and ``outlet_id`` (an
    existing outlet, where the day starts) or ``lon``/``lat``; optional
    ``shift_start``/``shift_end`` and ``break_start``/``break_end`` (``HH:MM``),
    ``break_min``, ``cost_per_hour``, ``max_overtime_min``, ``stock``
    (``"AC-PCB:2;AC-FAN:1"``), ``workdays`` (``"monday;tuesday"`` or
    ``"weekdays"``) and ``urgent_only`` (true/false: on call for urgent
    tickets). Missing optional values take the scenario's ``[workforce]``
    defaults.
    """
    g = read_table(
        path, what="technicians", text_columns=_TECH_COLUMNS, required=("id", "skills")
    )
    fsrc = str(g.attrs["source"])
    unknown = sorted(set(g.columns) - set(_TECH_COLUMNS))
    if unknown:
        raise InputError(
            source=fsrc, expected=f"columns among {list(_TECH_COLUMNS)}", got=unknown
        )
    if g.empty:
        raise InputError(source=fsrc, expected="at least one technician", got="no rows")
    w = spec.workforce
    outlet = {str(v): i for i, v in enumerate(sites.ids) if sites.existing[i]}
    skills_known = set(catalog.skills)
    parts_known = {pt.id for pt in catalog.parts}
    out: list[Technician] = []
    seen: dict[str, int] = {}

    def val(row: Any, col: str, default: str = "") -> str:
        v = row.get(col, default)
        return default if v is None or str(v).strip() == "" else str(v).strip()

    # numbers checked as a column first: the row, the column and the cell as written
    nums = {
        c: number_column(
            g, c, source=fsrc, ids=g["id"], default=d, minimum=lo, maximum=hi
        )
        for c, d, lo, hi in (
            ("break_min", w.break_min, 0.0, 240.0),
            ("cost_per_hour", w.cost_per_hour, 0.0, None),
            ("max_overtime_min", w.max_overtime_min, 0.0, 720.0),
            ("lon", float("nan"), -180.0, 180.0),
            ("lat", float("nan"), -90.0, 90.0),
        )
    }
    for k, row in enumerate(g.to_dict("records")):
        tid = val(row, "id")
        where = f'row {k + 1} (id "{tid}")'
        if not tid:
            raise InputError(
                source=fsrc,
                location=f"row {k + 1}",
                field="id",
                expected="a non-empty id",
                got="",
            )
        if tid in seen:
            raise InputError(
                source=fsrc,
                location=where,
                field="id",
                expected=f"unique (also in row {seen[tid] + 1})",
                got=tid,
            )
        seen[tid] = k
        try:
            oid = val(row, "outlet_id") or None
            if oid is not None:
                if oid not in outlet:
                    raise InputError(
                        field="outlet_id",
                        expected="the id of an existing outlet",
                        got=oid,
                    )
                start = (float(sites.lon[outlet[oid]]), float(sites.lat[outlet[oid]]))
            elif val(row, "lon") and val(row, "lat"):
                start = (float(nums["lon"][k]), float(nums["lat"][k]))
            else:
                raise InputError(
                    field="outlet_id",
                    expected="an outlet_id or lon/lat (a start location)",
                    got="neither",
                )
            skills = {x.strip() for x in val(row, "skills").split(";") if x.strip()}
            bad = sorted(skills - skills_known)
            if bad:
                raise InputError(
                    field="skills",
                    expected=f"among {sorted(skills_known)}",
                    got=bad,
                )
            stock: dict[str, int] = {}
            for item in filter(None, val(row, "stock").split(";")):
                pid, _, q = item.partition(":")
                if pid.strip() not in parts_known or not q.strip().isdigit():
                    raise InputError(
                        field="stock",
                        expected='"PART:units;..." with known parts',
                        got=item,
                    )
                stock[pid.strip()] = int(q)
            shift = TimeWindow.parse(
                f"{val(row, 'shift_start', w.shift.split('-')[0])}-"
                f"{val(row, 'shift_end', w.shift.split('-')[1])}",
                field="shift_start/shift_end",
            )
            brk_min = float(nums["break_min"][k])
            brk = TimeWindow.parse(
                f"{val(row, 'break_start', w.break_window.split('-')[0])}-"
                f"{val(row, 'break_end', w.break_window.split('-')[1])}",
                field="break_start/break_end",
            )
            out.append(
                Technician(
                    id=tid,
                    outlet_id=oid,
                    start_lonlat=start,
                    skills=skills,
                    shift=shift,
                    break_window=brk if brk_min > 0 else None,
                    break_min=brk_min,
                    cost_per_hour=float(nums["cost_per_hour"][k]),
                    max_overtime_min=float(nums["max_overtime_min"][k]),
                    van_stock=stock,
                    workdays=_day_list(val(row, "workdays"), list(w.workdays)),
                    urgent_only=_flag(val(row, "urgent_only", "false")),
                )
            )
        except InputError as e:
            raise InputError(
                e.detail,
                source=fsrc,
                location=where,
                field=e.field,
                expected=e.expected,
                got=e.got,
                hint=e.hint,
            ) from None
        except ValueError as e:
            raise InputError(
                source=fsrc,
                location=where,
                expected="numbers where numbers go",
                got=str(e),
            ) from None
    return tuple(out)


def _day_list(text: str, default: list[str]) -> frozenset[int]:
    """Weekdays of ``"monday;tuesday"`` / ``"weekdays"`` (default when empty)."""
    names = [x.strip().lower() for x in text.split(";") if x.strip()] or default
    known = {*DAY_NAMES, "weekdays", "weekend", "every_day"}
    bad = [n for n in names if n not in known]
    if bad:
        raise InputError(
            field="workdays",
            expected="day names or weekdays / weekend / every_day, separated by ';'",
            got=bad[0],
        )
    return day_numbers(names)


def _flag(text: str) -> bool:
    v = text.strip().lower()
    if v not in ("true", "false", "1", "0", "yes", "no"):
        raise InputError(field="urgent_only", expected="true or false", got=text)
    return v in ("true", "1", "yes")


def van_stock(skills: set[str], catalog: Catalog) -> dict[str, int]:
    """Parts a van carries: those of the technician's skills, by unit cost.

    Two units of parts under 100, one of parts under 150, none of dearer ones
    (compressors, panels), which are ordered for the job.
    """
    cost = {p.id: p.unit_cost for p in catalog.parts}
    stock: dict[str, int] = {}
    for c in catalog.categories:
        for f in c.faults:
            if f.skill in skills:
                for pid in f.parts:
                    q = 2 if cost[pid] < 100 else (1 if cost[pid] < 150 else 0)
                    if q:
                        stock[pid] = q
    return dict(sorted(stock.items()))
