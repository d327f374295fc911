"""From the core data model to the records of a :class:`~planner.sim.SimModel`.

Helpers of :meth:`SimModel.from_core <planner.sim.SimModel.from_core>`: fault
and crew arrays, arrival factors, stock levels, and the travel blocks inside
each outlet's area (with demand points standing for discs of addresses and
points beyond the outlets' reach handed to partners).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import numpy.typing as npt

from planner.core.catalog import Catalog
from planner.core.checks import as_array
from planner.core.errors import InputError
from planner.core.tables import Outlets
from planner.core.workforce import Technician
from planner.geo.matrix import TravelModel
from planner.geo.speed import SpeedProfile, TimeDependentTravel, speed_of
from planner.sim.records import Crew, Faults, Network, check_profile

__all__ = [
    "crew_arrays",
    "fault_arrays",
    "local_travel",
    "stock_levels",
    "week_factors",
]

DAY_MIN = 1440.0
_EARTH_M = 6_371_008.8


def fault_arrays(
    catalog: Catalog, skills: Sequence[str], part_ids: Sequence[str]
) -> Faults:
    """One row per fault of the catalogue, categories in catalogue order."""
    names, cat, share, skill, rep, rem, diag, rework, parts = ([] for _ in range(9))
    for ci, c in enumerate(catalog.categories):
        for f in c.faults:
            names.append(f"{c.name}.{f.name}")
            cat.append(ci)
            share.append(f.share)
            skill.append(list(skills).index(f.skill))
            rep.append(f.repair_min)
            rem.append(f.remote_fix_rate)
            diag.append(f.diagnosis_prob)
            rework.append(f.rework_prob)
            row = np.zeros(len(part_ids))
            for pid, prob in f.parts.items():
                if pid not in part_ids:
                    raise InputError(
                        location=f"fault {c.name}.{f.name}",
                        field="parts",
                        expected=f"a catalogue part id ({len(part_ids)} known)",
                        got=pid,
                    )
                row[list(part_ids).index(pid)] = prob
            parts.append(row)
    return Faults(
        names=tuple(names),
        category=np.array(cat, dtype=np.int64),
        share=np.array(share),
        skill=np.array(skill, dtype=np.int64),
        repair_min=np.array(rep),
        remote_rate=np.array(rem),
        part_prob=np.array(parts).reshape(len(names), len(part_ids)),
        diagnosis_prob=np.array(diag),
        rework_prob=np.array(rework),
    )


def crew_arrays(
    technicians: Sequence[Technician],
    outlets: Outlets,
    skills: Sequence[str],
    part_ids: Sequence[str],
    *,
    always_on: bool = False,
) -> Crew:
    """The technicians as arrays; a technician without outlet joins the nearest."""
    oid = {str(x): i for i, x in enumerate(outlets.ids)}
    n_t = len(technicians)
    out = np.zeros(n_t, dtype=np.int64)
    sk = np.zeros((n_t, len(skills)), dtype=bool)
    s0, s1, b0, b1, bm, cph, ot = (np.zeros(n_t) for _ in range(7))
    van = np.zeros((n_t, len(part_ids)), dtype=np.int64)
    wd = np.zeros((n_t, 7), dtype=bool)
    uo = np.zeros(n_t, dtype=bool)
    for k, t in enumerate(technicians):
        if t.outlet_id is None:
            assert t.start_lonlat is not None
            d2 = ((outlets.lonlat - np.asarray(t.start_lonlat)) ** 2).sum(axis=1)
            out[k] = int(np.argmin(d2))
        elif t.outlet_id not in oid:
            raise InputError(
                location=f"technician {t.id!r}",
                field="outlet_id",
                expected="the id of an outlet",
                got=t.outlet_id,
            )
        else:
            out[k] = oid[t.outlet_id]
        for s in t.skills:
            sk[k, list(skills).index(s)] = True
        s0[k], s1[k] = t.shift.start_min, min(t.shift.end_min, DAY_MIN)
        if t.break_window is not None and t.break_min > 0:
            b0[k], b1[k] = t.break_window.start_min, t.break_window.end_min
            bm[k] = t.break_min
        cph[k], ot[k] = t.cost_per_hour, t.max_overtime_min
        wd[k, sorted(t.workdays)] = True
        uo[k] = t.urgent_only
        for pid, q in t.van_stock.items():
            if pid not in part_ids:
                raise InputError(
                    location=f"technician {t.id!r}",
                    field=f"van_stock.{pid}",
                    expected="a catalogue part id",
                    got=pid,
                )
            van[k, list(part_ids).index(pid)] = int(q)
    if always_on:
        s0[:], s1[:], bm[:], ot[:] = 0.0, DAY_MIN, 0.0, 0.0
        wd[:] = True
    return Crew(
        ids=np.array([t.id for t in technicians], dtype=object),
        outlet=out,
        skills=sk,
        shift_start=s0,
        shift_end=s1,
        break_start=b0,
        break_end=b1,
        break_min=bm,
        cost_per_hour=cph,
        max_overtime_min=ot,
        workdays=wd,
        urgent_only=uo,
        van_stock=van,
    )


def week_factors(
    catalog: Catalog,
    week_profile: npt.ArrayLike | None,
    dow_profile: npt.ArrayLike | None,
    hour_profile: npt.ArrayLike | None,
) -> np.ndarray:
    """``(n_categories, 168)`` hour-of-week factors with mean 1."""
    n_c = len(catalog.categories)
    if week_profile is not None:
        return check_profile(week_profile, "week_profile", n_c, 168)
    if dow_profile is not None or hour_profile is not None:
        dow = check_profile(
            np.ones(7) if dow_profile is None else dow_profile, "dow_profile", n_c, 7
        )
        hour = check_profile(
            np.ones(24) if hour_profile is None else hour_profile,
            "hour_profile",
            n_c,
            24,
        )
        return (dow[:, :, None] * hour[:, None, :]).reshape(n_c, 168)
    return np.array([c.arrivals.hour_of_week() * 168.0 for c in catalog.categories])


def stock_levels(
    stock: npt.ArrayLike | Mapping[str, npt.ArrayLike] | None,
    reorder_point: npt.ArrayLike | None,
    part_ids: Sequence[str],
    n_o: int,
) -> tuple[np.ndarray, np.ndarray | None]:
    """Order-up-to levels ``(n_parts, n_outlets)`` and reorder points (or None)."""
    n_parts = len(part_ids)
    if stock is None:
        base = np.zeros((n_parts, n_o), dtype=np.int64)
    elif isinstance(stock, Mapping):
        base = np.zeros((n_parts, n_o), dtype=np.int64)
        for pid, levels in stock.items():
            if pid not in part_ids:
                raise InputError(field="stock", expected="catalogue part ids", got=pid)
            base[list(part_ids).index(pid)] = as_array(
                levels, f"stock.{pid}", dtype=np.int64, nonneg=True
            ) * np.ones(n_o, dtype=np.int64)
    else:
        base = as_array(
            stock, "stock", dtype=np.int64, shape=(n_parts, n_o), nonneg=True
        )
    rp = (
        None
        if reorder_point is None
        else as_array(reorder_point, "reorder_point", dtype=np.int64)
    )
    return base, rp


def _crow_m(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Great-circle metres between every row of ``a`` and of ``b`` (lon, lat)."""
    la, lb = np.radians(a[:, None, 1]), np.radians(b[None, :, 1])
    dlon = np.radians(b[None, :, 0] - a[:, None, 0])
    h = np.sin((lb - la) / 2) ** 2 + np.cos(la) * np.cos(lb) * np.sin(dlon / 2) ** 2
    return 2 * _EARTH_M * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


def _disc_travel(
    travel: TravelModel,
    ll: np.ndarray,
    r: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Travel minutes and metres between the discs ``(ll, r)``.

    The crow-fly distance ``g`` between two centres becomes the root-mean-
    square distance between uniform addresses of the two discs,
    ``sqrt(g^2 + (r_a^2 + r_b^2) / 2)``, and the travel model's time and
    distance are scaled by the same ratio; between addresses of one disc
    (``g = 0``) the model's circuity and speed price ``r`` (1.3 and 40 km/h
    when the model does not say).
    """
    tm = travel.matrix(ll, ll)
    k = _mean_multiplier(travel)
    if isinstance(travel, TimeDependentTravel):
        travel = travel.base
    dur = np.array(tm.duration_min, dtype=np.float64)
    dist = np.array(tm.distance_m, dtype=np.float64)
    if not r.any():
        return dur, dist
    g = _crow_m(ll, ll)
    e2 = (r[:, None] ** 2 + r[None, :] ** 2) / 2.0
    new = np.sqrt(g**2 + e2)
    pos = g > 1.0
    ratio = np.where(pos, new / np.where(pos, g, 1.0), 1.0)
    circ = float(getattr(travel, "circuity", 1.3))
    speed = float(getattr(travel, "speed_kmh", 40.0)) * 1000.0 / 60.0
    dist = np.where(pos, dist * ratio, new * circ)
    dur = np.where(pos, dur * ratio, new * circ / speed * k)
    return dur, dist


def _rush(travel: TravelModel | None) -> SpeedProfile | None:
    """The model's speed profile where it is not free flow every hour."""
    sp = speed_of(travel)
    return None if sp is None or sp.is_free_flow else sp


def _mean_multiplier(travel: TravelModel | None) -> float:
    """The working day's mean duration over the free-flow one (1 if static)."""
    sp = speed_of(travel)
    if sp is None or not isinstance(travel, TimeDependentTravel):
        return 1.0
    return sp.mean_multiplier(*travel.day_min)


def local_travel(
    outlets: Outlets,
    lonlat: np.ndarray,
    radius_m: np.ndarray,
    assign: np.ndarray,
    travel: TravelModel | None,
    *,
    reach_min: float,
) -> Network:
    """Per own outlet, the travel block between it and the points it serves.

    Points whose one-way travel from their outlet exceeds ``reach_min`` are
    handed to a partner (``point_outlet = -1``) and flagged ``beyond_reach``.
    """
    n_o, n_p = outlets.n_sites, len(lonlat)
    own = assign.copy()
    beyond = np.zeros(n_p, dtype=bool)
    sizes = np.ones(n_o, dtype=np.int64)
    p_local = np.zeros(n_p, dtype=np.int64)
    blocks_d: list[np.ndarray] = []
    blocks_m: list[np.ndarray] = []
    olonlat = outlets.lonlat
    for o in range(n_o):
        pts = (
            np.flatnonzero(own == o).astype(np.int64)
            if not outlets.partner[o]
            else np.zeros(0, dtype=np.int64)
        )
        if travel is None or len(pts) == 0:
            p_local[pts] = np.arange(1, len(pts) + 1)
            sizes[o] = len(pts) + 1
            blocks_d.append(np.zeros(sizes[o] ** 2))
            blocks_m.append(np.zeros(sizes[o] ** 2))
            continue
        ll = np.vstack([olonlat[o : o + 1], lonlat[pts]])
        r = np.concatenate([[0.0], radius_m[pts]])
        dur, dist = _disc_travel(travel, ll, r)
        far = dur[0, 1:] > reach_min
        if far.any():
            beyond[pts[far]] = True
            own[pts[far]] = -1
            keep = np.concatenate([[True], ~far])
            dur, dist = dur[np.ix_(keep, keep)], dist[np.ix_(keep, keep)]
            pts = pts[~far]
        p_local[pts] = np.arange(1, len(pts) + 1)
        sizes[o] = len(pts) + 1
        blocks_d.append(dur.ravel())
        blocks_m.append(dist.ravel())
    offset = np.concatenate([[0], np.cumsum(sizes**2)])
    fee = np.where(outlets.fee_per_ticket > 0, outlets.fee_per_ticket, 0.0)
    return Network(
        outlet_ids=outlets.ids,
        partner=outlets.partner,
        fee=fee,
        fixed_cost_per_year=outlets.fixed_cost_per_year,
        point_outlet=own,
        point_local=p_local,
        local_offset=offset,
        local_size=sizes,
        local_dur_min=np.concatenate(blocks_d),
        local_dist_m=np.concatenate(blocks_m),
        beyond_reach=beyond,
        reach_min=reach_min,
        speed=_rush(travel),
        free_flow_factor=1.0 / _mean_multiplier(travel),
    )
