"""KPIs of one replication, computed from its event log.

Every KPI here is registered, with its unit, bounds and definition, in
:data:`planner.sim.kpi.KPIS`. First-time fix, repeat visits, complaints and
satisfaction are read from the per-visit and per-ticket log, never set by the
engine. Per technician (:func:`technician_kpis`), a ticket's first-time fix,
complaint and satisfaction count for the technician of its first visit, a
failed repair for the technician whose visit resolved it.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from planner.core.cost import CostCategory
from planner.sim.engine import KIND_FIRST, KIND_REVISIT
from planner.sim.kpi import kpi_unit
from planner.sim.model import DAY_MIN, URGENCIES, YEAR_MIN, SimModel, deadlines
from planner.sim.replog import BalanceError, RepLog

__all__ = [
    "check_little",
    "deadlines",
    "replication_kpis",
    "technician_kpis",
    "ticket_outcomes",
    "time_series",
]

_KEYS = ["kpi", "urgency", "outlet", "value"]


def _outlet_labels(model: SimModel, outlet: np.ndarray) -> np.ndarray:
    labels = np.append(np.asarray(model.outlet_ids, dtype=object), "uncovered")
    return labels[np.where(outlet < 0, len(labels) - 1, outlet)]


def ticket_outcomes(model: SimModel, log: RepLog) -> pd.DataFrame:
    """Per ticket: deadline, first visit resolved, complaint, satisfaction, ...

    Columns ``deadline``, ``met`` (NaN when the deadline is after the horizon
    or the ticket was remote), ``ftf`` (first own visit resolved it; NaN
    without a finished first visit), ``has_repeat``, ``complaint``,
    ``satisfaction`` (NaN while undecided), ``resolver`` (technician of the
    resolving visit, -1).
    """
    h = log.horizon_min
    n = log.n_tickets
    created = log.created_min
    fv = log.first_visit_min
    remote = log.remote
    dl = deadlines(model, created, log.urgency)
    evaluable = (dl <= h) & ~remote
    met = np.where(evaluable, (fv <= dl).astype(float), np.nan)
    # first visits and resolving visits from the visit log
    vt, vk = log.v_ticket, log.v_kind
    end = log.v_dispatch_min + log.v_travel_min + log.v_work_min
    first = (vk == KIND_FIRST) & (end <= h)
    ftf = np.full(n, np.nan)
    ftf[vt[first]] = log.v_resolved[first].astype(float)
    resolver = np.full(n, -1, dtype=np.int64)
    rv = log.v_resolved
    resolver[vt[rv]] = log.v_tech[rv]
    has_repeat = np.zeros(n, dtype=bool)
    has_repeat[log.parent[log.parent >= 0]] = True
    target = model.service.urgency_target_min[log.urgency]
    margin = dl + model.service.complaint_late_share * target
    late = np.where(np.isnan(fv), margin <= h, fv > margin)
    complaint = (late | has_repeat) & ~remote
    resolved = log.status == 1
    cancelled = log.status == 2
    sat = np.full(n, np.nan)
    sat[resolved] = 0.5
    good = resolved & (ftf == 1) & (met == 1) & ~has_repeat
    sat[good] = 1.0
    sat[resolved & remote] = 1.0
    sat[complaint | cancelled] = 0.0
    return pd.DataFrame(
        {
            "deadline": dl,
            "met": met,
            "ftf": ftf,
            "has_repeat": has_repeat,
            "complaint": complaint,
            "satisfaction": sat,
            "resolver": resolver,
        }
    )


def _ticket_frame(model: SimModel, log: RepLog, out: pd.DataFrame) -> pd.DataFrame:
    h, w = log.horizon_min, log.warmup_min
    created = log.created_min
    fv = log.first_visit_min
    visited = fv <= h
    remote = log.remote
    resolved = log.status == 1
    own_visited = (log.n_visits > 0) & ~log.partner
    qx = log.queue_exit_min
    sojourn = np.where(qx <= h, qx - created, np.nan)  # incl. cancelled
    beyond = model.network.beyond_reach[log.point]
    df = pd.DataFrame(
        {
            "urgency": np.array([u.value for u in URGENCIES], dtype=object)[
                log.urgency
            ],
            "outlet": _outlet_labels(model, log.outlet),
            "resolved": resolved.astype(float),
            "open": (log.status == 0).astype(float),
            "cancelled": (log.status == 2).astype(float),
            "partner": log.partner.astype(float),
            "remote": remote.astype(float),
            "beyond": beyond.astype(float),
            "repeat": (log.parent >= 0).astype(float),
            "resp": np.where(visited & ~remote, fv - created, np.nan) / 60.0,
            "met": out["met"].to_numpy(),
            "res_time": np.where(resolved, log.resolved_min - created, np.nan) / 60.0,
            "ftf": np.where(~log.partner, out["ftf"].to_numpy(), np.nan),
            "revisit": np.where(own_visited, (log.n_visits > 1).astype(float), np.nan),
            "complaint": np.where(remote, np.nan, out["complaint"].to_numpy(float)),
            "satisfaction": out["satisfaction"].to_numpy(),
            "wait": np.where(log.n_visits > 0, sojourn, np.nan),
        }
    )
    return df[created >= w]


_TICKET_AGG = {
    "tickets_created": ("resolved", "size"),
    "tickets_resolved": ("resolved", "sum"),
    "tickets_open": ("open", "sum"),
    "tickets_cancelled": ("cancelled", "sum"),
    "tickets_partner": ("partner", "sum"),
    "tickets_remote": ("remote", "sum"),
    "tickets_beyond_reach": ("beyond", "sum"),
    "tickets_repeat": ("repeat", "sum"),
    "response_time_mean_h": ("resp", "mean"),
    "sla_attainment": ("met", "mean"),
    "resolution_time_mean_h": ("res_time", "mean"),
    "first_time_fix_rate": ("ftf", "mean"),
    "repeat_visit_rate": ("revisit", "mean"),
    "repeat_ticket_rate": ("repeat", "mean"),
    "complaint_rate": ("complaint", "mean"),
    "satisfaction": ("satisfaction", "mean"),
    "queue_wait_mean_min": ("wait", "mean"),
}


def _long(wide: pd.DataFrame, urgency: str | None, outlet: str | None) -> pd.DataFrame:
    wide = wide.copy()
    key = str(wide.index.name or "key")
    wide.index.name = key
    out = wide.reset_index().melt(id_vars=[key], var_name="kpi", value_name="value")
    out["urgency"] = out[key] if urgency is None else urgency
    out["outlet"] = out[key] if outlet is None else outlet
    return out[_KEYS]


def _ticket_kpis(df: pd.DataFrame) -> list[pd.DataFrame]:
    parts = []
    for by, u, o in (
        ("all", "all", "all"),
        ("urgency", None, "all"),
        ("outlet", None, None),
    ):
        g = df.assign(all="all").groupby("all") if by == "all" else df.groupby(by)
        wide = g.agg(**_TICKET_AGG)
        wide["response_time_p90_h"] = g["resp"].quantile(0.9)
        if by == "outlet" and len(df):
            go = df.groupby(["outlet", "urgency"], sort=True)
            ou = go.agg(**_TICKET_AGG)
            ou["response_time_p90_h"] = go["resp"].quantile(0.9)
            parts.append(
                ou.reset_index().melt(
                    id_vars=["outlet", "urgency"], var_name="kpi", value_name="value"
                )[_KEYS]
            )
        if by == "all" and wide.empty:  # no ticket in the window: counts are 0
            wide = pd.DataFrame(
                {k: [0.0 if str(k).startswith("tickets_") else np.nan] for k in wide},
                index=pd.Index(["all"], name="all"),
            )
        parts.append(_long(wide, "all", None) if by == "outlet" else _long(wide, u, o))
    return parts


def _works(model: SimModel, day_ix: np.ndarray) -> np.ndarray:
    """``(n_days, n_techs)``: whether each technician works on each day."""
    wd = np.asarray(model.crew.workdays, dtype=bool)
    return wd[:, (model.start_weekday + day_ix) % 7].T


def _tech_minutes(model: SimModel, log: RepLog) -> dict[str, np.ndarray]:
    """Per technician: shift, travel, repair and overtime minutes in the window."""
    h, w = log.horizon_min, log.warmup_min
    crew = model.crew
    n_t = model.n_techs
    if model.service.always_on:
        avail = np.full(n_t, h - w)
    else:
        day_ix = np.arange(int(w // DAY_MIN), int(np.ceil(h / DAY_MIN)) + 1)
        days = day_ix * DAY_MIN
        a = np.clip(days[:, None] + crew.shift_start[None, :], w, h)
        b = np.clip(days[:, None] + crew.shift_end[None, :], w, h)
        avail = np.asarray(
            ((b - a) * _works(model, day_ix)).sum(axis=0), dtype=np.float64
        )
    disp = log.v_dispatch_min
    inw = disp >= w
    tech = log.v_tech
    arrive = np.minimum(disp + log.v_travel_min, h)
    end = np.minimum(arrive + log.v_work_min, h)
    travel = np.bincount(tech[inw], (arrive - disp)[inw], minlength=n_t)
    repair = np.bincount(tech[inw], (end - arrive)[inw], minlength=n_t)
    overtime: np.ndarray = np.zeros(n_t)
    if not model.service.always_on and inw.any():
        full_end = disp + log.v_travel_min + log.v_work_min
        day = (disp // DAY_MIN).astype(np.int64)
        excess = full_end - (day * DAY_MIN + crew.shift_end[tech])
        key = tech[inw] * (int(day.max()) + 1) + day[inw]
        uk, inv = np.unique(key, return_inverse=True)
        mx = np.full(len(uk), -np.inf)
        np.maximum.at(mx, inv, excess[inw])
        owner = uk // (int(day.max()) + 1)
        overtime = np.bincount(owner, np.maximum(mx, 0.0), minlength=n_t).astype(
            np.float64
        )
    dist = np.bincount(tech[inw], log.v_dist_m[inw], minlength=n_t)
    n_vis = np.bincount(tech[inw], minlength=n_t).astype(np.float64)
    return {
        "avail": avail,
        "travel": travel,
        "repair": repair,
        "overtime": overtime,
        "dist": dist,
        "visits": n_vis,
    }


def _outlet_kpis(
    model: SimModel, log: RepLog, tm: dict[str, np.ndarray]
) -> pd.DataFrame:
    n_o = model.n_outlets
    to = model.crew.outlet
    sums = {k: np.bincount(to, v, minlength=n_o) for k, v in tm.items()}
    totals = {k: float(v.sum()) for k, v in tm.items()}
    n_parts = model.n_parts
    pd_ = {
        k: np.asarray(getattr(log, k), dtype=np.float64)
        .reshape(n_parts, n_o)
        .sum(axis=0)
        for k in ("demand_units", "filled_units", "backorder_units", "backorder_min")
    }
    rows = []
    labels = [*list(np.asarray(model.outlet_ids, dtype=object)), "all"]
    with np.errstate(invalid="ignore", divide="ignore"):
        for i, lab in enumerate(labels):
            if i < n_o:
                s = {k: float(v[i]) for k, v in sums.items()}
                p = {k: float(v[i]) for k, v in pd_.items()}
                if s["avail"] == 0 and p["demand_units"] == 0:
                    continue
            else:
                s = totals
                p = {k: float(v.sum()) for k, v in pd_.items()}
            av = s["avail"]
            ut = s["travel"] / av if av > 0 else np.nan
            ur = s["repair"] / av if av > 0 else np.nan
            vals = {
                "utilization_travel": ut,
                "utilization_repair": ur,
                "utilization_idle": max(0.0, 1.0 - ut - ur) if av > 0 else np.nan,
                "overtime_hours": s["overtime"] / 60.0,
                "travel_mean_min": s["travel"] / s["visits"] if s["visits"] else np.nan,
                "parts_fill_rate": (
                    p["filled_units"] / p["demand_units"]
                    if p["demand_units"]
                    else np.nan
                ),
                "backorders": p["backorder_units"],
                "backorder_days": p["backorder_min"] / DAY_MIN,
            }
            rows += [(k, "all", lab, v) for k, v in vals.items()]
    return pd.DataFrame(rows, columns=_KEYS)


def _costs(
    model: SimModel, log: RepLog, tm: dict[str, np.ndarray], n_created: int
) -> dict[str, float]:
    """Cost by category over the window (amounts, not per ticket)."""
    r = model.costs
    h, w = log.horizon_min, log.warmup_min
    years = (h - w) / YEAR_MIN
    sel = log.created_min >= w
    n_o = model.n_outlets
    p_of_f = np.repeat(np.arange(model.n_parts), n_o)
    cost = dict.fromkeys((c.value for c in CostCategory), 0.0)
    staffed = np.zeros(n_o, dtype=bool)
    staffed[model.crew.outlet] = True
    cost["facility"] = float(model.network.fixed_cost_per_year[staffed].sum() * years)
    cost["labour"] = float((tm["avail"] / 60.0 * model.crew.cost_per_hour).sum())
    cost["overtime"] = float(tm["overtime"].sum() / 60.0 * r.overtime_per_hour)
    cost["travel_distance"] = float(tm["dist"].sum() / 1000.0 * r.travel_per_km)
    cost["travel_time"] = float(tm["travel"].sum() / 60.0 * r.travel_per_hour)
    uc = model.parts.unit_cost[p_of_f]
    cost["parts"] = float((log.demand_units * uc).sum())
    cost["holding"] = float(
        (log.on_hand_area / YEAR_MIN * uc).sum() * r.holding_rate_per_year
    )
    cost["ordering"] = float(log.orders.sum() * r.ordering_per_order)
    cost["shortage"] = float(
        log.backorder_units.sum() * r.shortage_per_unit
        + log.backorder_min.sum() / DAY_MIN * r.shortage_per_unit_day
    )
    cost["communication"] = float(n_created * r.communication_per_ticket)
    part = log.partner & sel
    o = log.outlet[part]
    fee_o = model.network.fee[np.maximum(o, 0)]
    fee = np.where((o >= 0) & (fee_o > 0), fee_o, model.service.partner_fee_default)
    cost["outsourcing"] = float(fee.sum())
    vin = log.v_dispatch_min >= w
    rework = (log.v_kind == KIND_REVISIT) | (log.parent[log.v_ticket] >= 0)
    cost["rework"] = float((rework & vin).sum() * r.rework_per_visit)
    late_rate = np.array([r.late_penalty_per_hour.get(u.value, 0.0) for u in URGENCIES])
    unserved = np.array([r.unserved_penalty.get(u.value, 0.0) for u in URGENCIES])
    created = log.created_min
    late_h = np.maximum(
        0.0,
        log.first_visit_min - created - model.service.urgency_target_min[log.urgency],
    )
    late_h = np.where(
        sel & (log.first_visit_min <= h) & ~log.remote, late_h / 60.0, 0.0
    )
    cost["penalty"] = float(
        (late_h * late_rate[log.urgency]).sum()
        + unserved[log.urgency][sel & (log.status == 2)].sum()
    )
    return cost


def check_little(log: RepLog) -> tuple[float, float]:
    """Queue area kept by the event loop vs the same area from the ticket log.

    Both integrate, over ``[warmup, horizon]``, the number of tickets waiting
    for their first dispatch. Raises :class:`BalanceError` when they differ (a
    ticket entered or left the queue unrecorded).
    """
    h, w = log.horizon_min, log.warmup_min
    queued = ~log.partner & ~log.remote
    a = np.maximum(log.created_min[queued], w)
    qx = log.queue_exit_min[queued]
    b = np.minimum(np.where(np.isnan(qx), h, qx), h)
    from_log = float(np.maximum(b - a, 0.0).sum())
    if abs(from_log - log.queue_area) > 1e-6 * max(1.0, from_log) + 1e-6:
        raise BalanceError(
            f"queue area from the event loop {log.queue_area:.6g} != from the "
            f"ticket log {from_log:.6g} (Little's law bookkeeping)"
        )
    return log.queue_area, from_log


def _lambda_w(log: RepLog) -> float:
    """Arrival rate into the first-visit queue times the mean (censored) time in it."""
    h, w = log.horizon_min, log.warmup_min
    window = h - w
    created = log.created_min
    own = ~log.partner & ~log.remote & (created >= w)
    if window <= 0 or not own.any():
        return float("nan")
    qx = log.queue_exit_min[own]
    stay = np.minimum(np.where(np.isnan(qx), h, qx), h) - created[own]
    return float(own.sum()) / window * float(stay.mean())


def _open_at(log: RepLog, t: float) -> int:
    """Tickets created by ``t`` and neither resolved nor cancelled by then."""
    return int(
        (log.created_min <= t).sum()
        - (log.resolved_min <= t).sum()
        - (log.cancelled_min <= t).sum()
    )


def _backlog(log: RepLog, n_created: int) -> dict[str, float]:
    """Open tickets at the warm-up end and the horizon, and their trend.

    The trend is measured over the last whole weeks of the window (from the
    same weekday and hour as the horizon) when it holds one, so the weekly
    cycle (a weekend's queue) does not read as growth.
    """
    h, w = log.horizon_min, log.warmup_min
    days = (h - w) / DAY_MIN
    start, end = _open_at(log, w), _open_at(log, h)
    per_day = n_created / days if days > 0 else 0.0
    span = 7.0 * math.floor(days / 7.0) if days >= 7.0 else days
    base = _open_at(log, h - span * DAY_MIN) if span > 0 else start
    return {
        "backlog_start": float(start),
        "backlog_end": float(end),
        "backlog_growth_per_day": (end - base) / span if span > 0 else np.nan,
        "backlog_growing": float(end - base > max(base, per_day)),
    }


def replication_kpis(model: SimModel, log: RepLog) -> pd.DataFrame:
    """Long table ``kpi, urgency, outlet, value, unit`` of one replication."""
    check_little(log)
    out = ticket_outcomes(model, log)
    df = _ticket_frame(model, log, out)
    parts = _ticket_kpis(df)
    tm = _tech_minutes(model, log)
    parts.append(_outlet_kpis(model, log, tm))
    window = log.horizon_min - log.warmup_min
    n_created = len(df)
    cost = _costs(model, log, tm, n_created)
    per = max(n_created, 1)
    extra = {f"cost_{k}": v / per for k, v in cost.items()}
    extra["cost_per_ticket"] = sum(cost.values()) / per
    extra["queue_length_mean"] = log.queue_area / window if window > 0 else np.nan
    extra["little_lambda_w"] = _lambda_w(log)
    extra.update(_backlog(log, n_created))
    parts.append(
        pd.DataFrame([(k, "all", "all", v) for k, v in extra.items()], columns=_KEYS)
    )
    table = pd.concat(parts, ignore_index=True)
    table["value"] = table["value"].astype(np.float64)
    table["unit"] = table["kpi"].map(kpi_unit)
    return table


def technician_kpis(model: SimModel, log: RepLog) -> pd.DataFrame:
    """Per technician: ``kpi, tech, outlet, value, unit`` over the window.

    ``visits``; ``first_time_fix_rate`` of its first visits;
    ``repeat_visit_rate`` of the tickets whose first visit it made;
    ``repeat_ticket_rate``: its resolving repairs that failed;
    ``complaint_rate`` and ``satisfaction`` of the tickets whose first visit
    it made.
    """
    w = log.warmup_min
    out = ticket_outcomes(model, log)
    sel = log.created_min >= w
    n_t = model.n_techs
    ft = log.first_tech
    tm = _tech_minutes(model, log)

    def mean_by(owner: np.ndarray, v: np.ndarray) -> np.ndarray:
        ok = sel & (owner >= 0) & np.isfinite(v)
        num = np.bincount(owner[ok], v[ok], minlength=n_t)
        den = np.bincount(owner[ok], minlength=n_t)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(den > 0, num / np.maximum(den, 1), np.nan)

    vals = {
        "visits": tm["visits"],
        "first_time_fix_rate": mean_by(ft, out["ftf"].to_numpy()),
        "repeat_visit_rate": mean_by(
            ft, np.where(log.n_visits > 0, (log.n_visits > 1).astype(float), np.nan)
        ),
        "repeat_ticket_rate": mean_by(
            out["resolver"].to_numpy(), out["has_repeat"].to_numpy(float)
        ),
        "complaint_rate": mean_by(
            ft, np.where(log.remote, np.nan, out["complaint"].to_numpy(float))
        ),
        "satisfaction": mean_by(ft, out["satisfaction"].to_numpy()),
    }
    ids = np.asarray(model.crew.ids, dtype=object)
    outl = np.asarray(model.outlet_ids, dtype=object)[model.crew.outlet]
    frames = [
        pd.DataFrame({"kpi": k, "tech": ids, "outlet": outl, "value": v.astype(float)})
        for k, v in vals.items()
    ]
    table = pd.concat(frames, ignore_index=True)
    table["unit"] = np.where(table["kpi"] == "visits", "visits", "share")
    return table


def time_series(
    model: SimModel, log: RepLog, *, step_min: float = DAY_MIN
) -> pd.DataFrame:
    """Backlog (open tickets) at the end of each step, utilization and SLA per step.

    Columns ``time_min, created, backlog, utilization`` (busy / shift minutes
    of all technicians in the step), ``sla`` and ``sla_<class>``: the share
    of the tickets created in the step whose first visit met the deadline
    (tickets whose deadline is past the horizon, or remote, do not count;
    NaN where none does).
    """
    h = log.horizon_min
    crew = model.crew
    t = np.arange(step_min, h + 1e-9, step_min)
    created = np.sort(log.created_min)
    res = np.sort(log.resolved_min[np.isfinite(log.resolved_min)])
    can = np.sort(log.cancelled_min[np.isfinite(log.cancelled_min)])
    n_c = np.searchsorted(created, t, side="right")
    backlog = (
        n_c
        - np.searchsorted(res, t, side="right")
        - np.searchsorted(can, t, side="right")
    )
    edges = np.concatenate([[0.0], t])
    busy_per = np.histogram(
        log.v_dispatch_min, bins=edges, weights=log.v_travel_min + log.v_work_min
    )[0]
    if model.service.always_on:
        avail = np.full(len(t), step_min * model.n_techs)
    else:
        tod0 = edges[:-1, None] % DAY_MIN
        works = _works(model, (edges[:-1] // DAY_MIN).astype(np.int64))
        a = np.clip(crew.shift_start[None, :], tod0, tod0 + step_min)
        b = np.clip(crew.shift_end[None, :], tod0, tod0 + step_min)
        avail = (
            ((b - a) * works).sum(axis=1)
            if step_min <= DAY_MIN
            else np.full(
                len(t),
                (crew.shift_end - crew.shift_start).sum() * step_min / DAY_MIN,
            )
        )
    with np.errstate(invalid="ignore", divide="ignore"):
        util = np.where(avail > 0, busy_per / avail, np.nan)
    out = pd.DataFrame(
        {
            "time_min": t,
            "created": np.diff(np.concatenate([[0], n_c])),
            "backlog": backlog,
            "utilization": util,
        }
    )
    if len(t) == 0:
        return out
    met = ticket_outcomes(model, log)["met"].to_numpy(dtype=float)
    step = np.minimum((log.created_min // step_min).astype(np.int64), len(t) - 1)
    ok = np.isfinite(met)
    for name, sel in [("sla", ok)] + [
        (f"sla_{u.value}", ok & (log.urgency == i)) for i, u in enumerate(URGENCIES)
    ]:
        n = np.bincount(step[sel], minlength=len(t))
        hit = np.bincount(step[sel], weights=met[sel], minlength=len(t))
        with np.errstate(invalid="ignore", divide="ignore"):
            out[name] = np.where(n > 0, hit / np.maximum(n, 1), np.nan)
    return out
