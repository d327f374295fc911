"""The simulator's KPIs: one registry (name, unit, bounds, definition).

:data:`KPIS` is the only list of the simulator's KPIs. It feeds the units of
every KPI table (:mod:`planner.sim.measure`), the interval clipping of
:func:`confidence_table` (each KPI's bounds), the headline lines of
``SimResult.summary``, the ``sim_`` rows of ``SimResult.kpis()`` and the KPI
list in the README (:func:`kpi_markdown`; a test keeps the README in step).

Ticket KPIs count the tickets created in the window ``[warmup, horizon)``
(repeat tickets included); time KPIs (utilization, overtime, stock) count
what happens in the window. Each KPI is reported overall (``urgency="all",
outlet="all"``), per urgency class and per outlet (``outlet="uncovered"`` for
addresses no outlet serves); the ticket KPIs also per outlet x urgency.

Confidence intervals (:func:`confidence_table`) are 95 % t intervals over the
replications, clipped to the range the KPI can take (its bounds here: no
count, time, rate or cost below 0, no share above 1; with few replications
and a KPI near its bound the raw interval would cross it). The mean is never
changed. Paired differences (:func:`~planner.sim.compare_results`) are not
clipped.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
import pandas as pd
from scipy import stats

from planner.core.cost import CostCategory

__all__ = [
    "KPIS",
    "Kpi",
    "confidence_table",
    "kpi_bounds",
    "kpi_markdown",
    "kpi_unit",
]


@dataclass(frozen=True, slots=True)
class Kpi:
    """One KPI: its unit, the range it can take and its definition.

    ``per_class``: ``SimResult.kpis()`` also gives it per urgency class
    (``sim_<name>_<urgency>``); ``headline``: shown by ``SimResult.summary``.
    """

    name: str
    unit: str
    doc: str
    lo: float = 0.0
    hi: float = math.inf
    per_class: bool = False
    headline: bool = False


def _share(name: str, doc: str, **kw: bool) -> Kpi:
    return Kpi(name, "share", doc, 0.0, 1.0, **kw)


_COST_DOC = {
    "facility": "outlets' fixed cost over the window",
    "labour": "technicians' shift hours at their hourly cost",
    "overtime": "hours past shift end at the overtime rate",
    "travel_distance": "km driven at the per-km rate",
    "travel_time": "hours driven at the per-hour travel rate",
    "parts": "parts used at unit cost",
    "holding": "stock on hand (shelves and vans) at the holding rate",
    "ordering": "replenishment orders",
    "shortage": "backordered units and unit-days",
    "communication": "per ticket (call centre)",
    "outsourcing": "partner fees",
    "rework": "second visits and visits to repeat tickets",
    "penalty": "SLA penalties: hours late, cancelled tickets",
}

_LIST: tuple[Kpi, ...] = (
    Kpi(
        "tickets_created",
        "tickets",
        "tickets created in the window (repeat tickets included)",
        per_class=True,
        headline=True,
    ),
    Kpi("tickets_resolved", "tickets", "of those, resolved by the horizon"),
    Kpi(
        "tickets_open",
        "tickets",
        "of those, neither resolved nor cancelled at the horizon",
        headline=True,
    ),
    Kpi(
        "tickets_cancelled",
        "tickets",
        "of those, cancelled by the customer (not visited in time)",
    ),
    Kpi(
        "tickets_partner",
        "tickets",
        "of those, served by a partner (uncovered, beyond reach, no skill, overflow)",
    ),
    Kpi("tickets_remote", "tickets", "of those, solved by phone at triage"),
    Kpi(
        "tickets_beyond_reach",
        "tickets",
        "of those, from addresses farther than the reach from their outlet (sent to partners)",
    ),
    Kpi(
        "tickets_repeat",
        "tickets",
        "of those, repeat tickets: a repair that failed within the rework window",
    ),
    Kpi(
        "response_time_mean_h",
        "h",
        "creation to first visit (own or partner), visited non-remote tickets",
        per_class=True,
        headline=True,
    ),
    Kpi(
        "response_time_p90_h",
        "h",
        "90th percentile of the same",
        per_class=True,
        headline=True,
    ),
    _share(
        "sla_attainment",
        "non-remote tickets whose deadline (target on its class's clock: calendar or business hours) lies inside the horizon, visited by it; cancelled count as missed",
        per_class=True,
        headline=True,
    ),
    Kpi("resolution_time_mean_h", "h", "creation to resolution, resolved tickets"),
    _share(
        "first_time_fix_rate",
        "own tickets whose first visit (ended by the horizon) resolved them, read from the visit log",
        per_class=True,
        headline=True,
    ),
    _share(
        "repeat_visit_rate",
        "own visited tickets with more than one visit (second visits and follow-ups)",
    ),
    _share(
        "repeat_ticket_rate",
        "tickets that are repeat tickets (a repair failed within the rework window)",
    ),
    _share(
        "complaint_rate",
        "non-remote tickets that complain: first visit later than the target by more than the complaint margin, or the repair failed",
        per_class=True,
        headline=True,
    ),
    _share(
        "satisfaction",
        "proxy per ticket: 1 fixed on the first visit within target with no repeat (and remote fixes), 0 complaint or cancelled, 0.5 otherwise; decided tickets",
        headline=True,
    ),
    Kpi(
        "queue_wait_mean_min",
        "min",
        "creation to dispatch for the first visit (own technicians; the queueing wait when travel is zero)",
        per_class=True,
    ),
    Kpi("travel_mean_min", "min", "one-way drive per own visit"),
    _share(
        "utilization_travel",
        "travel minutes of visits dispatched in the window over shift minutes",
    ),
    _share(
        "utilization_repair",
        "repair minutes of those visits over shift minutes",
        headline=True,
    ),
    _share("utilization_idle", "the rest of the shift minutes (>= 0)"),
    Kpi("overtime_hours", "h", "hours worked past shift end"),
    _share(
        "parts_fill_rate",
        "units served from stock on hand (van or shelf) when demanded / units demanded",
        headline=True,
    ),
    Kpi("backorders", "units", "units demanded when out of stock"),
    Kpi("backorder_days", "unit-days", "days waited by backordered units"),
    Kpi(
        "queue_length_mean",
        "tickets",
        "time-average number of tickets waiting for a first visit (kept by the event loop)",
    ),
    Kpi(
        "little_lambda_w",
        "tickets",
        "arrival rate into that queue x mean time in it (censored at the horizon); equals queue_length_mean but for tickets queued at the warm-up end (Little's law)",
    ),
    Kpi("backlog_start", "tickets", "open tickets at the warm-up end"),
    Kpi("backlog_end", "tickets", "open tickets at the horizon"),
    Kpi(
        "backlog_growth_per_day",
        "tickets/day",
        "change of open tickets a day over the last whole weeks of the window (the whole window when shorter than a week)",
        lo=-math.inf,
    ),
    _share(
        "backlog_growing",
        "1 when, over the last whole weeks of the window, the backlog more than doubled and grew by more than a day's tickets; its mean is the share of replications flagged (overloaded)",
    ),
    Kpi(
        "cost_per_ticket",
        "money/ticket",
        "all cost categories per ticket created in the window",
        headline=True,
    ),
    *(Kpi(f"cost_{c.value}", "money/ticket", _COST_DOC[c.value]) for c in CostCategory),
)

#: The simulator's KPIs by name, in report order.
KPIS: Mapping[str, Kpi] = MappingProxyType({k.name: k for k in _LIST})


def kpi_unit(name: str) -> str:
    """The unit of a registered KPI ('' for other names)."""
    k = KPIS.get(name)
    return k.unit if k is not None else ""


def kpi_bounds(kpi: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """The range each KPI can take (unbounded for names not in :data:`KPIS`)."""
    names = kpi.astype(str).to_numpy()
    lo = np.array([KPIS[n].lo if n in KPIS else -np.inf for n in names], dtype=float)
    hi = np.array([KPIS[n].hi if n in KPIS else np.inf for n in names], dtype=float)
    return lo, hi


def kpi_markdown() -> str:
    """The KPI list as a Markdown table (the README's copy is kept equal to it)."""
    lines = ["| KPI | unit | range | definition |", "|---|---|---|---|"]
    for k in KPIS.values():
        lo = "-inf" if k.lo == -math.inf else f"{k.lo:g}"
        hi = "inf" if k.hi == math.inf else f"{k.hi:g}"
        cls = " (also per class)" if k.per_class else ""
        lines.append(f"| `sim_{k.name}`{cls} | {k.unit} | [{lo}, {hi}] | {k.doc} |")
    return "\n".join(lines)


def confidence_table(
    rep_kpis: pd.DataFrame, *, level: float = 0.95, clip: bool = True
) -> pd.DataFrame:
    """Mean and t confidence interval per (kpi, urgency, outlet) over replications.

    ``n_reps`` counts the replications where the KPI is defined (not NaN); the
    interval is NaN with fewer than two. With ``clip`` the interval is cut to
    the KPI's bounds in :data:`KPIS`; other names are left alone.

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
    keys = [c for c in ("kpi", "urgency", "outlet", "tech", "unit") if c in rep_kpis]
    g = rep_kpis.groupby(keys, sort=False)["value"]
    out = g.agg(mean="mean", std="std", n_reps="count").reset_index()
    n = out["n_reps"].to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        tq = np.where(n > 1, stats.t.ppf(0.5 + level / 2, np.maximum(n - 1, 1)), np.nan)
        half = tq * out["std"].to_numpy() / np.sqrt(n)
    lo, hi = out["mean"] - half, out["mean"] + half
    if clip:
        blo, bhi = kpi_bounds(out["kpi"])
        lo, hi = lo.clip(lower=blo), hi.clip(upper=bhi)
    out["ci_low"] = lo
    out["ci_high"] = hi
    out["n_reps"] = out["n_reps"].astype(np.int64)
    cols = [c for c in keys if c != "unit"]
    return out[[*cols, "mean", "ci_low", "ci_high", "n_reps", "unit"]]
