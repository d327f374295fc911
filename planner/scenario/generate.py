"""Seeded generators of a scenario's day: tomorrow's tickets and technicians.

:func:`generate_day` draws the tickets a dispatcher faces on a given date and
lays them out, with the scenario's technicians, as the tables the nightly
``planner dispatch`` job reads. Everything comes from streams spawned from
the scenario's seed and the date, so the same scenario and date give the same
day, bit for bit.

How a day is drawn (documented in the README):

1. Tickets per category ~ Poisson(tickets per year / 365 x the month's
   seasonal factor x 7 x the weekday's share of the category's arrival
   profile), or ``n_tickets`` in all, split by the same shares.
2. Each ticket's demand point is drawn in proportion to that point's rate for
   the category; the address is jittered around it: normal with a standard
   deviation of half the point's radius where demand is spread over town
   areas (the spread of a uniform address in the disc), else ``jitter_m``
   metres (1,500 on a gazetteer region).
3. Fault type by its share; tickets the fault's remote-fix rate solves at
   triage never reach dispatch. Urgency by the scenario's shares.
4. Service minutes ~ lognormal with the fault's mean repair time and a 30 %
   coefficient of variation, rounded up to 5 minutes. Each part of the fault
   is needed with its probability.
5. Appointment windows: urgent tickets any time in the shift; others a
   customer-chosen 2-hour (60 %) or half-day (40 %) slot within the shift.
"""

from __future__ import annotations

import datetime as dt
import zlib
from dataclasses import dataclass

import numpy as np
import pandas as pd

from planner.core.errors import InputError
from planner.core.timewindow import TimeWindow
from planner.scenario.build import ScenarioData

__all__ = ["DispatchDay", "generate_day"]

_M_PER_DEG = 111_195.0


@dataclass(frozen=True, slots=True, eq=False)
class DispatchDay:
    """Tickets and technicians of one dispatch day, as the dispatch job reads them."""

    date: dt.date
    tickets: pd.DataFrame
    technicians: pd.DataFrame
    n_remote_fixed: int


def _clock(x: float) -> str:
    return f"{int(x // 60):02d}:{int(x % 60):02d}"


def _slots(shift: TimeWindow, length: float) -> list[tuple[float, float]]:
    out, t = [], shift.start_min
    while t + length <= shift.end_min + 1e-9:
        out.append((t, t + length))
        t += length
    return out or [(shift.start_min, shift.end_min)]


def generate_day(
    data: ScenarioData,
    date: dt.date,
    *,
    n_tickets: int | None = None,
    outlets: list[str] | None = None,
    jitter_m: float | None = None,
) -> DispatchDay:
    """Draw the tickets of ``date`` and list the technicians who work it.

    Parameters
    ----------
    data
        A built scenario.
    date
        The dispatch day (its month sets the seasonal factor).
    n_tickets
        Tickets drawn for the day, before the phone fixes some remotely
        (those never reach the tickets file); default: the expected number
        for the date, Poisson-drawn.
    outlets
        Only these existing outlets' technicians, and tickets from demand
        points whose nearest existing outlet is one of them (default: all).
    jitter_m
        Address jitter around a demand point; default 1,500 m for gazetteer
        regions, 0 otherwise.
    """
    spec = data.spec
    if n_tickets is not None and n_tickets < 0:
        raise InputError(field="n_tickets", expected=">= 0", got=n_tickets)
    key = zlib.crc32(date.isoformat().encode())
    rng = np.random.default_rng(np.random.SeedSequence([spec.seed, 7, key]))
    d = data.demand
    rate = d.tickets_per_year
    if outlets is not None:
        known = {
            str(v): i for i, v in enumerate(data.sites.ids) if data.sites.existing[i]
        }
        missing = sorted(set(outlets) - set(known))
        if missing:
            raise InputError(
                field="outlets", expected="ids of existing outlets", got=missing
            )
        ex = np.flatnonzero(data.sites.existing)
        tm = data.travel.matrix(d.lonlat, data.sites.lonlat[ex])
        nearest = ex[np.argmin(tm.duration_min, axis=1)]
        keep = np.isin(nearest, [known[o] for o in outlets])
        rate = rate * keep[:, None]
    month = date.month - 1
    seasonal = np.array([c.seasonal[month] for c in data.catalog.categories])
    weekday = np.array(
        [7.0 * c.arrivals.day_of_week[date.weekday()] for c in data.catalog.categories]
    )
    daily = rate.sum(axis=0) / 365.0 * seasonal * weekday
    if n_tickets is None:
        counts = rng.poisson(daily)
    else:
        share = (
            daily / daily.sum()
            if daily.sum() > 0
            else np.full(len(daily), 1 / len(daily))
        )
        counts = rng.multinomial(n_tickets, share)
    shift = TimeWindow.parse(spec.workforce.shift)
    two_h, half_day = _slots(shift, 120.0), _slots(shift, shift.duration_min / 2)
    urg_names = [u.urgency.value for u in data.urgency]
    urg_p = np.array([u.share for u in data.urgency])
    radius = data.demand_radius_m
    if jitter_m is None and radius is not None and radius.any():
        sd = radius / 2.0
    else:
        if jitter_m is None:
            jitter_m = 1500.0 if spec.region.kind == "gazetteer" else 0.0
        sd = np.full(d.n_points, float(jitter_m))
    rows: list[dict[str, object]] = []
    remote = 0
    for ci, cat in enumerate(data.catalog.categories):
        n = int(counts[ci])
        if n == 0:
            continue
        w = rate[:, ci]
        pts = rng.choice(d.n_points, size=n, p=w / w.sum())
        faults = rng.choice(len(cat.faults), size=n, p=[f.share for f in cat.faults])
        urg = rng.choice(len(urg_names), size=n, p=urg_p)
        u_remote = rng.random(n)
        z = rng.standard_normal((n, 2)) * sd[pts][:, None]
        ln_sd = np.sqrt(np.log(1 + 0.3**2))
        eps = rng.standard_normal(n)
        u_parts = rng.random((n, max(len(f.parts) for f in cat.faults) or 1))
        u_win = rng.random((n, 2))
        for k in range(n):
            f = cat.faults[int(faults[k])]
            if u_remote[k] < f.remote_fix_rate:
                remote += 1
                continue
            lat = float(d.lat[pts[k]]) + z[k, 1] / _M_PER_DEG
            lon = float(d.lon[pts[k]]) + z[k, 0] / (
                _M_PER_DEG * np.cos(np.radians(lat))
            )
            mu = np.log(f.repair_min) - ln_sd**2 / 2
            service = float(np.ceil(np.exp(mu + ln_sd * eps[k]) / 5.0) * 5.0)
            parts = [
                pid for j, (pid, p) in enumerate(f.parts.items()) if u_parts[k, j] < p
            ]
            urgency = urg_names[int(urg[k])]
            if urgency == "urgent":
                win = (shift.start_min, shift.end_min)
            else:
                slots = two_h if u_win[k, 0] < 0.6 else half_day
                win = slots[int(u_win[k, 1] * len(slots))]
            rows.append(
                {
                    "category": cat.name,
                    "fault": f.name,
                    "lon": round(lon, 6),
                    "lat": round(lat, 6),
                    "service_min": service,
                    "skills": f.skill,
                    "urgency": urgency,
                    "parts": ";".join(f"{p}:1" for p in parts),
                    "windows": f"{_clock(win[0])}-{_clock(win[1])}",
                    "demand_point": str(d.ids[pts[k]]),
                }
            )
    tickets = pd.DataFrame(
        rows,
        columns=[
            "category",
            "fault",
            "lon",
            "lat",
            "service_min",
            "skills",
            "urgency",
            "parts",
            "windows",
            "demand_point",
        ],
    )
    tickets.insert(0, "id", [f"{date:%Y%m%d}-{i + 1:05d}" for i in range(len(tickets))])
    techs = [t for t in data.technicians if outlets is None or t.outlet_id in outlets]
    technicians = pd.DataFrame(
        {
            "id": [t.id for t in techs],
            "outlet_id": [t.outlet_id for t in techs],
            "lon": [t.start_lonlat[0] if t.start_lonlat else np.nan for t in techs],
            "lat": [t.start_lonlat[1] if t.start_lonlat else np.nan for t in techs],
            "shift_start": [_clock(t.shift.start_min) for t in techs],
            "shift_end": [_clock(t.shift.end_min) for t in techs],
            "skills": [";".join(sorted(t.skills)) for t in techs],
            "break_start": [
                _clock(t.break_window.start_min) if t.break_window else ""
                for t in techs
            ],
            "break_end": [
                _clock(t.break_window.end_min) if t.break_window else "" for t in techs
            ],
            "break_min": [t.break_min for t in techs],
            "max_overtime_min": [t.max_overtime_min for t in techs],
            "stock": [
                ";".join(f"{k}:{v}" for k, v in t.van_stock.items()) for t in techs
            ],
        }
    )
    return DispatchDay(
        date=date, tickets=tickets, technicians=technicians, n_remote_fixed=remote
    )
