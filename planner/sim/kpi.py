"""KPIs of one replication, and their confidence intervals over replications.

Ticket KPIs count the tickets created in the window ``[warmup, horizon)``;
time KPIs (utilization, overtime, stock) count what happens in the window.
Each KPI is reported overall (``urgency="all", outlet="all"``), per urgency
class and per outlet (``outlet="uncovered"`` for addresses no outlet serves);
the ticket KPIs also per outlet x urgency (both set; only the pairs with
tickets in the window).

Definitions:

- ``response_time_*``: creation to the first visit (own or partner), over the
  visited tickets (remote fixes have no visit and are left out);
- ``sla_attainment``: share of non-remote tickets whose target deadline lies
  inside the horizon that were visited by it (cancelled ones count as missed);
- ``resolution_time_mean_h``: creation to resolution, resolved tickets;
- ``first_time_fix_rate``: share of the tickets resolved by own technicians
  whose first visit had all parts; ``repeat_visit_rate``: share of visited
  tickets with more than one visit (revisits and follow-ups);
- ``queue_wait_mean_min``: creation to dispatch for the first visit (own
  technicians, visited tickets; the wait of queueing theory when travel is
  zero);
- ``utilization_*``: travel / repair minutes of visits dispatched in the window
  over the technicians' shift minutes in it; ``idle`` is the rest (>= 0);
- ``parts_fill_rate``: units served from stock on hand at the visit / units
  demanded; ``backorder_days``: unit-days waited by backordered units;
- ``cost_*``: the cost model's categories, per ticket created in the window;
- ``queue_length_mean`` and ``little_lambda_w``: the time-average number of
  tickets waiting for a first visit (kept by the event loop) and the arrival
  rate into that queue times the mean time spent in it inside the window
  (cancelled tickets included, and tickets still waiting at the horizon with
  their wait so far: a censored wait counts up to the horizon, else a growing
  backlog would drop out of ``lambda * W``). Little's law: they differ only by
  the tickets already queued at the warm-up end (their remaining wait over the
  window length; exactly equal without warm-up), whether or not the queue is
  stable;
- ``backlog_start``, ``backlog_end``: open tickets (all, not yet resolved or
  cancelled) at the warm-up end and at the horizon; ``backlog_growth_per_day``
  their difference per day of the window (may be negative); and
  ``backlog_growing``: 1 when the backlog more than doubled over the window and
  grew by more than a day's tickets (``end - start > max(start, tickets per
  day)``), else 0; its mean is the share of replications flagged. A network
  flagged in most replications is overloaded: its waiting-time KPIs depend
  on the horizon and do not describe a steady state.

Confidence intervals (:func:`confidence_table`) are 95 % t intervals over the
replications, clipped to the range the KPI can take: every KPI here is a count,
time, rate, share or cost, so ``ci_low`` is at least 0, and for shares
(``unit == "share"``) ``ci_high`` is at most 1. (With few replications and a
KPI near its bound, e.g. a waiting time that is zero in most replications,
the raw interval would cross the bound.) The mean is never changed; clipping
makes the interval asymmetric around it. Paired differences
(:func:`~planner.sim.compare_results`) are not clipped.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from planner.core.cost import CostCategory
from planner.sim.engine import KIND_REVISIT, BalanceError, RepLog
from planner.sim.model import DAY_MIN, URGENCIES, YEAR_MIN, SimModel

__all__ = ["confidence_table", "kpi_bounds", "replication_kpis", "time_series"]

UNITS = {
    "tickets_created": "tickets",
    "tickets_resolved": "tickets",
    "tickets_open": "tickets",
    "tickets_cancelled": "tickets",
    "tickets_partner": "tickets",
    "tickets_remote": "tickets",
    "response_time_mean_h": "h",
    "response_time_p90_h": "h",
    "sla_attainment": "share",
    "resolution_time_mean_h": "h",
    "first_time_fix_rate": "share",
    "repeat_visit_rate": "share",
    "queue_wait_mean_min": "min",
    "utilization_travel": "share",
    "utilization_repair": "share",
    "utilization_idle": "share",
    "overtime_hours": "h",
    "parts_fill_rate": "share",
    "backorders": "units",
    "backorder_days": "unit-days",
    "queue_length_mean": "tickets",
    "little_lambda_w": "tickets",
    "backlog_start": "tickets",
    "backlog_end": "tickets",
    "backlog_growth_per_day": "tickets/day",
    "backlog_growing": "share",
    "cost_per_ticket": "money/ticket",
    **{f"cost_{c.value}": "money/ticket" for c in CostCategory},
}


#: KPIs of :data:`UNITS` that can be negative (not clipped at 0).
SIGNED = frozenset({"backlog_growth_per_day"})


def _outlet_labels(model: SimModel, outlet: np.ndarray) -> np.ndarray:
    labels = np.append(np.asarray(model.outlet_ids, dtype=object), "uncovered")
    return labels[np.where(outlet < 0, len(labels) - 1, outlet)]


def _ticket_frame(model: SimModel, log: RepLog) -> pd.DataFrame:
    s = log.stream
    h, w = log.horizon_min, log.warmup_min
    created = np.asarray(s.created_min)
    sel = created >= w
    fv = np.asarray(log.first_visit_min)
    visited = fv <= h
    remote = np.asarray(s.remote, dtype=bool)
    resp = np.where(visited & ~remote, fv - created, np.nan) / 60.0
    target = model.urgency_target_min[s.urgency]
    evaluable = (created + target <= h) & ~remote
    met = np.where(evaluable, (fv <= created + target).astype(float), np.nan)
    resolved = log.status == 1
    res_time = np.where(resolved, log.resolved_min - created, np.nan) / 60.0
    own_res = resolved & ~log.partner & ~remote
    ftf = np.where(own_res, (log.missing_parts == 0).astype(float), np.nan)
    own_visited = (log.n_visits > 0) & ~log.partner
    repeat = np.where(own_visited, (log.n_visits > 1).astype(float), np.nan)
    qx = np.asarray(log.queue_exit_min)
    sojourn = np.where(qx <= h, qx - created, np.nan)  # incl. cancelled
    wait = np.where(log.n_visits > 0, sojourn, np.nan)
    df = pd.DataFrame(
        {
            "urgency": np.array([u.value for u in URGENCIES], dtype=object)[s.urgency],
            "outlet": _outlet_labels(model, np.asarray(log.outlet)),
            "resolved": resolved.astype(float),
            "open": (log.status == 0).astype(float),
            "cancelled": (log.status == 2).astype(float),
            "partner": np.asarray(log.partner, dtype=float),
            "remote": remote.astype(float),
            "resp": resp,
            "met": met,
            "res_time": res_time,
            "ftf": ftf,
            "repeat": repeat,
            "wait": wait,
            "sojourn": sojourn,
        }
    )
    return df[sel]


_TICKET_AGG = {
    "tickets_created": ("resolved", "size"),
    "tickets_resolved": ("resolved", "sum"),
    "tickets_open": ("open", "sum"),
    "tickets_cancelled": ("cancelled", "sum"),
    "tickets_partner": ("partner", "sum"),
    "tickets_remote": ("remote", "sum"),
    "response_time_mean_h": ("resp", "mean"),
    "sla_attainment": ("met", "mean"),
    "resolution_time_mean_h": ("res_time", "mean"),
    "first_time_fix_rate": ("ftf", "mean"),
    "repeat_visit_rate": ("repeat", "mean"),
    "queue_wait_mean_min": ("wait", "mean"),
}


def _long(wide: pd.DataFrame, urgency: str | None, outlet: str | None) -> pd.DataFrame:
    wide = wide.copy()
    key = str(wide.index.name or "key")
    wide.index.name = key
    out = wide.reset_index().melt(id_vars=[key], var_name="kpi", value_name="value")
    out["urgency"] = out[key] if urgency is None else urgency
    out["outlet"] = out[key] if outlet is None else outlet
    return out[["kpi", "urgency", "outlet", "value"]]


def _outlet_urgency(df: pd.DataFrame) -> pd.DataFrame:
    """Ticket KPIs per (outlet, urgency) pair that has tickets, in long form."""
    g = df.groupby(["outlet", "urgency"], sort=True)
    wide = g.agg(**_TICKET_AGG)
    wide["response_time_p90_h"] = g["resp"].quantile(0.9)
    out = wide.reset_index().melt(
        id_vars=["outlet", "urgency"], var_name="kpi", value_name="value"
    )
    return out[["kpi", "urgency", "outlet", "value"]]


def _ticket_kpis(df: pd.DataFrame) -> list[pd.DataFrame]:
    parts = []
    for by, u, o in (
        ("all", "all", "all"),
        ("urgency", None, "all"),
        ("outlet", None, None),
    ):
        if by == "all":
            g = df.assign(all="all").groupby("all")
        else:
            g = df.groupby(by)
        wide = g.agg(**_TICKET_AGG)
        wide["response_time_p90_h"] = g["resp"].quantile(0.9)
        if by == "outlet" and len(df):
            parts.append(_outlet_urgency(df))
        if by == "all" and wide.empty:  # no ticket in the window: counts are 0
            wide = pd.DataFrame(
                {k: [0.0 if str(k).startswith("tickets_") else np.nan] for k in wide},
                index=pd.Index(["all"], name="all"),
            )
        if by == "outlet":
            parts.append(_long(wide, "all", None))
        else:
            parts.append(_long(wide, u, o))
    return parts


def _works(model: SimModel, day_ix: np.ndarray) -> np.ndarray:
    """``(n_days, n_techs)``: whether each technician works on each day."""
    wd = np.asarray(model.tech_workdays, dtype=bool)
    return wd[:, (model.start_weekday + day_ix) % 7].T


def _tech_minutes(model: SimModel, log: RepLog) -> dict[str, np.ndarray]:
    """Per technician: shift, travel, repair and overtime minutes in the window."""
    h, w = log.horizon_min, log.warmup_min
    n_t = model.n_techs
    if model.always_on:
        avail = np.full(n_t, h - w)
    else:
        day_ix = np.arange(int(w // DAY_MIN), int(np.ceil(h / DAY_MIN)) + 1)
        days = day_ix * DAY_MIN
        a = np.clip(days[:, None] + model.tech_shift_start[None, :], w, h)
        b = np.clip(days[:, None] + model.tech_shift_end[None, :], w, h)
        works = _works(model, day_ix)
        avail = np.asarray(((b - a) * works).sum(axis=0), dtype=np.float64)
    disp = np.asarray(log.v_dispatch_min)
    inw = disp >= w
    tech = np.asarray(log.v_tech)
    arrive = np.minimum(disp + log.v_travel_min, h)
    end = np.minimum(arrive + log.v_work_min, h)
    travel = np.bincount(tech[inw], (arrive - disp)[inw], minlength=n_t)
    repair = np.bincount(tech[inw], (end - arrive)[inw], minlength=n_t)
    overtime: np.ndarray = np.zeros(n_t)
    if not model.always_on and inw.any():
        full_end = disp + log.v_travel_min + log.v_work_min
        day = (disp // DAY_MIN).astype(np.int64)
        excess = full_end - (day * DAY_MIN + model.tech_shift_end[tech])
        key = tech[inw] * (int(day.max()) + 1) + day[inw]
        uk, inv = np.unique(key, return_inverse=True)
        mx = np.full(len(uk), -np.inf)
        np.maximum.at(mx, inv, excess[inw])
        owner = uk // (int(day.max()) + 1)
        overtime = np.bincount(owner, np.maximum(mx, 0.0), minlength=n_t).astype(
            np.float64
        )
    dist = np.bincount(tech[inw], np.asarray(log.v_dist_m)[inw], minlength=n_t)
    return {
        "avail": avail,
        "travel": travel,
        "repair": repair,
        "overtime": overtime,
        "dist": dist,
    }


def _outlet_kpis(
    model: SimModel, log: RepLog, tm: dict[str, np.ndarray]
) -> pd.DataFrame:
    n_o = model.n_outlets
    to = model.tech_outlet
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
                "parts_fill_rate": (
                    p["filled_units"] / p["demand_units"]
                    if p["demand_units"]
                    else np.nan
                ),
                "backorders": p["backorder_units"],
                "backorder_days": p["backorder_min"] / DAY_MIN,
            }
            rows += [(k, "all", lab, v) for k, v in vals.items()]
    return pd.DataFrame(rows, columns=["kpi", "urgency", "outlet", "value"])


def _costs(
    model: SimModel, log: RepLog, tm: dict[str, np.ndarray], n_created: int
) -> dict[str, float]:
    r = model.costs
    h, w = log.horizon_min, log.warmup_min
    years = (h - w) / YEAR_MIN
    s = log.stream
    sel = np.asarray(s.created_min) >= w
    n_o = model.n_outlets
    p_of_f = np.repeat(np.arange(model.n_parts), n_o)
    cost = dict.fromkeys((c.value for c in CostCategory), 0.0)
    staffed = np.zeros(n_o, dtype=bool)
    staffed[model.tech_outlet] = True
    cost["facility"] = float(model.outlet_fixed_cost_per_year[staffed].sum() * years)
    cost["labour"] = float((tm["avail"] / 60.0 * model.tech_cost_per_hour).sum())
    cost["overtime"] = float(tm["overtime"].sum() / 60.0 * r.overtime_per_hour)
    cost["travel_distance"] = float(tm["dist"].sum() / 1000.0 * r.travel_per_km)
    cost["travel_time"] = float(tm["travel"].sum() / 60.0 * r.travel_per_hour)
    uc = model.part_unit_cost[p_of_f]
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
    part = np.asarray(log.partner) & sel
    o = np.asarray(log.outlet)[part]
    fee = np.where(
        (o >= 0) & (model.outlet_fee[np.maximum(o, 0)] > 0),
        model.outlet_fee[np.maximum(o, 0)],
        model.partner_fee_default,
    )
    cost["outsourcing"] = float(fee.sum())
    vin = np.asarray(log.v_dispatch_min) >= w
    cost["rework"] = float(
        ((log.v_kind == KIND_REVISIT) & vin).sum() * r.rework_per_visit
    )
    late_rate = np.array([r.late_penalty_per_hour.get(u.value, 0.0) for u in URGENCIES])
    unserved = np.array([r.unserved_penalty.get(u.value, 0.0) for u in URGENCIES])
    created = np.asarray(s.created_min)
    late_h = np.maximum(
        0.0, log.first_visit_min - created - model.urgency_target_min[s.urgency]
    )
    late_h = np.where(sel & (log.first_visit_min <= h) & ~s.remote, late_h / 60.0, 0.0)
    cost["penalty"] = float(
        (late_h * late_rate[s.urgency]).sum()
        + unserved[s.urgency][sel & (log.status == 2)].sum()
    )
    per = max(n_created, 1)
    out = {f"cost_{k}": v / per for k, v in cost.items()}
    out["cost_per_ticket"] = sum(cost.values()) / per
    return out


def check_little(log: RepLog) -> tuple[float, float]:
    """Queue area kept by the event loop vs the same area from the ticket log.

    Both integrate, over ``[warmup, horizon]``, the number of tickets waiting
    for their first dispatch: one online in the event loop, one from each
    ticket's creation and queue-exit times. Raises :class:`BalanceError` when
    they differ (a ticket entered or left the queue unrecorded).
    """
    h, w = log.horizon_min, log.warmup_min
    s = log.stream
    queued = ~log.partner & ~np.asarray(s.remote, dtype=bool)
    a = np.maximum(np.asarray(s.created_min)[queued], w)
    qx = np.asarray(log.queue_exit_min)[queued]
    b = np.minimum(np.where(np.isnan(qx), h, qx), h)
    from_log = float(np.maximum(b - a, 0.0).sum())
    if abs(from_log - log.queue_area) > 1e-6 * max(1.0, from_log) + 1e-6:
        raise BalanceError(
            f"queue area from the event loop {log.queue_area:.6g} != from the "
            f"ticket log {from_log:.6g} (Little's law bookkeeping)"
        )
    return log.queue_area, from_log


def _lambda_w(log: RepLog) -> float:
    """Arrival rate into the first-visit queue times the mean time in it.

    Over the tickets queued in the window: ``lambda = n / T`` and ``W`` the
    mean of ``min(queue exit, horizon) - creation``, so a ticket still waiting
    at the horizon counts with its wait so far (a censored wait) instead of
    dropping out. ``lambda * W`` is then the queue area of these tickets over
    ``T``: the time-average queue length but for the tickets that were already
    waiting at the warm-up end.
    """
    h, w = log.horizon_min, log.warmup_min
    window = h - w
    s = log.stream
    created = np.asarray(s.created_min)
    own = ~log.partner & ~np.asarray(s.remote, dtype=bool) & (created >= w)
    if window <= 0 or not own.any():
        return float("nan")
    qx = np.asarray(log.queue_exit_min)[own]
    stay = np.minimum(np.where(np.isnan(qx), h, qx), h) - created[own]
    return float(own.sum()) / window * float(stay.mean())


def _open_at(log: RepLog, t: float) -> int:
    """Tickets created by ``t`` and neither resolved nor cancelled by then."""
    created = np.asarray(log.stream.created_min)
    return int(
        (created <= t).sum()
        - (log.resolved_min <= t).sum()
        - (log.cancelled_min <= t).sum()
    )


def _backlog(log: RepLog, n_created: int) -> dict[str, float]:
    """Open tickets at the warm-up end and at the horizon, and the growth flag."""
    h, w = log.horizon_min, log.warmup_min
    days = (h - w) / DAY_MIN
    start = _open_at(log, w)
    end = _open_at(log, h)
    per_day = n_created / days if days > 0 else 0.0
    return {
        "backlog_start": float(start),
        "backlog_end": float(end),
        "backlog_growth_per_day": (end - start) / days if days > 0 else np.nan,
        "backlog_growing": float(end - start > max(start, per_day)),
    }


def replication_kpis(model: SimModel, log: RepLog) -> pd.DataFrame:
    """Long table ``kpi, urgency, outlet, value, unit`` of one replication."""
    check_little(log)
    df = _ticket_frame(model, log)
    parts = _ticket_kpis(df)
    tm = _tech_minutes(model, log)
    parts.append(_outlet_kpis(model, log, tm))
    window = log.horizon_min - log.warmup_min
    n_created = len(df)
    extra = _costs(model, log, tm, n_created)
    extra["queue_length_mean"] = log.queue_area / window if window > 0 else np.nan
    extra["little_lambda_w"] = _lambda_w(log)
    extra.update(_backlog(log, n_created))
    parts.append(
        pd.DataFrame(
            [(k, "all", "all", v) for k, v in extra.items()],
            columns=["kpi", "urgency", "outlet", "value"],
        )
    )
    out = pd.concat(parts, ignore_index=True)
    out["value"] = out["value"].astype(np.float64)
    out["unit"] = out["kpi"].map(UNITS).fillna("")
    return out


def time_series(
    model: SimModel, log: RepLog, *, step_min: float = DAY_MIN
) -> pd.DataFrame:
    """Backlog (open tickets) at the end of each step and utilization per step.

    Columns ``time_min, created, backlog, utilization`` (busy / shift minutes
    of all technicians in the step).
    """
    h = log.horizon_min
    t = np.arange(step_min, h + 1e-9, step_min)
    created = np.sort(np.asarray(log.stream.created_min))
    res = np.sort(log.resolved_min[np.isfinite(log.resolved_min)])
    can = np.sort(log.cancelled_min[np.isfinite(log.cancelled_min)])
    n_c = np.searchsorted(created, t, side="right")
    backlog = (
        n_c
        - np.searchsorted(res, t, side="right")
        - np.searchsorted(can, t, side="right")
    )
    edges = np.concatenate([[0.0], t])
    disp = np.asarray(log.v_dispatch_min)
    busy_per = np.histogram(
        disp, bins=edges, weights=log.v_travel_min + log.v_work_min
    )[0]
    if model.always_on:
        avail = np.full(len(t), step_min * model.n_techs)
    else:
        tod0 = edges[:-1, None] % DAY_MIN
        works = _works(model, (edges[:-1] // DAY_MIN).astype(np.int64))
        # shift minutes inside each step, steps of whole days or within a day
        a = np.clip(model.tech_shift_start[None, :], tod0, tod0 + step_min)
        b = np.clip(model.tech_shift_end[None, :], tod0, tod0 + step_min)
        avail = (
            ((b - a) * works).sum(axis=1)
            if step_min <= DAY_MIN
            else np.full(
                len(t),
                (model.tech_shift_end - model.tech_shift_start).sum()
                * step_min
                / DAY_MIN,
            )
        )
    with np.errstate(invalid="ignore", divide="ignore"):
        util = np.where(avail > 0, busy_per / avail, np.nan)
    return pd.DataFrame(
        {
            "time_min": t,
            "created": np.diff(np.concatenate([[0], n_c])),
            "backlog": backlog,
            "utilization": util,
        }
    )


def kpi_bounds(kpi: pd.Series, unit: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """The range each KPI can take: ``[0, 1]`` for shares, ``[0, inf)`` for the
    other KPIs of :data:`UNITS` (except :data:`SIGNED`), unbounded for names
    not in it."""
    known = kpi.isin(list(UNITS)).to_numpy()
    share = known & (unit == "share").to_numpy()
    lo = np.where(known & ~kpi.isin(list(SIGNED)).to_numpy(), 0.0, -np.inf)
    hi = np.where(share, 1.0, np.inf)
    return lo, hi


def confidence_table(
    rep_kpis: pd.DataFrame, *, level: float = 0.95, clip: bool = True
) -> pd.DataFrame:
    """Mean and t confidence interval per (kpi, urgency, outlet) over replications.

    ``n_reps`` counts the replications where the KPI is defined (not NaN); the
    interval is NaN with fewer than two. With ``clip`` the interval is cut to
    the range the KPI can take (:func:`kpi_bounds`: no negative counts, times
    or costs, no share above 1); names not in :data:`UNITS` are left alone.

    >>> df = pd.DataFrame({"rep": [0, 1, 2], "kpi": "x", "urgency": "all",
    ...                    "outlet": "all", "value": [1.0, 2.0, 3.0], "unit": "h"})
    >>> confidence_table(df)[["mean", "ci_low", "ci_high", "n_reps"]].round(3)
       mean  ci_low  ci_high  n_reps
    0   2.0  -0.484    4.484       3
    >>> df["kpi"] = "queue_wait_mean_min"
    >>> confidence_table(df)[["mean", "ci_low", "ci_high"]].round(3)
       mean  ci_low  ci_high
    0   2.0     0.0    4.484
    """
    keys = ["kpi", "urgency", "outlet", "unit"]
    g = rep_kpis.groupby(keys, sort=False)["value"]
    out = g.agg(mean="mean", std="std", n_reps="count").reset_index()
    n = out["n_reps"].to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        tq = np.where(n > 1, stats.t.ppf(0.5 + level / 2, np.maximum(n - 1, 1)), np.nan)
        half = tq * out["std"].to_numpy() / np.sqrt(n)
    lo, hi = out["mean"] - half, out["mean"] + half
    if clip:
        blo, bhi = kpi_bounds(out["kpi"], out["unit"])
        lo, hi = lo.clip(lower=blo), hi.clip(upper=bhi)
    out["ci_low"] = lo
    out["ci_high"] = hi
    out["n_reps"] = out["n_reps"].astype(np.int64)
    return out[
        ["kpi", "urgency", "outlet", "mean", "ci_low", "ci_high", "n_reps", "unit"]
    ]
