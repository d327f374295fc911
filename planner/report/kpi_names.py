"""Plain names, groups and display units of the KPIs a run folder holds.

The simulator's KPIs (``sim_<name>`` and ``sim_<name>_<class>``) are those of
the registry :data:`planner.sim.kpi.KPIS`; their definitions come from it. The
stages' own KPIs (``siting_``, ``staffing_``, ``inventory_``, ``design_``)
and the scenario summary's are named here. A name not listed keeps its own
words, so a new KPI still shows, in the "Other" group.
"""

from __future__ import annotations

from planner.sim.kpi import KPIS

__all__ = ["COST_LABELS", "GROUPS", "display_unit", "kpi_label"]

#: Plain names of the cost model's categories.
COST_LABELS: dict[str, str] = {
    "facility": "outlets (fixed cost)",
    "labour": "technicians (regular hours)",
    "overtime": "overtime",
    "travel_distance": "driving (per km)",
    "travel_time": "driving (per hour)",
    "parts": "parts used",
    "holding": "stock holding",
    "ordering": "stock orders",
    "shortage": "stock shortages",
    "communication": "call centre",
    "outsourcing": "partners",
    "rework": "rework (repeat visits)",
    "penalty": "SLA penalties",
}

#: Report order of the KPI groups.
GROUPS = (
    "Demand and network",
    "Staffing plan",
    "Stock plan",
    "Design loop",
    "Service (simulated)",
    "Quality (simulated)",
    "Workload (simulated)",
    "Backlog (simulated)",
    "Stock (simulated)",
    "Cost (simulated)",
    "Other",
)

_CLASSES = ("urgent", "important", "general")

_SIM: dict[str, tuple[str, str]] = {
    "tickets_created": ("Service (simulated)", "tickets created"),
    "tickets_resolved": ("Service (simulated)", "tickets resolved"),
    "tickets_open": ("Backlog (simulated)", "tickets still open at the end"),
    "tickets_cancelled": ("Service (simulated)", "tickets cancelled by the customer"),
    "tickets_partner": ("Service (simulated)", "tickets sent to partners"),
    "tickets_remote": ("Service (simulated)", "tickets solved by phone"),
    "tickets_beyond_reach": ("Service (simulated)", "tickets from beyond reach"),
    "tickets_repeat": ("Quality (simulated)", "repeat tickets (failed repairs)"),
    "response_time_mean_h": ("Service (simulated)", "mean response time"),
    "response_time_p90_h": ("Service (simulated)", "response time, 90th percentile"),
    "sla_attainment": ("Service (simulated)", "SLA attainment"),
    "resolution_time_mean_h": ("Service (simulated)", "mean time to resolution"),
    "first_time_fix_rate": ("Quality (simulated)", "first-time fix rate"),
    "repeat_visit_rate": ("Quality (simulated)", "tickets needing a second visit"),
    "repeat_ticket_rate": ("Quality (simulated)", "repeat ticket rate"),
    "complaint_rate": ("Quality (simulated)", "complaint rate"),
    "satisfaction": ("Quality (simulated)", "satisfaction (proxy)"),
    "queue_wait_mean_min": ("Service (simulated)", "mean wait for dispatch"),
    "travel_mean_min": ("Workload (simulated)", "mean drive per visit"),
    "utilization_travel": ("Workload (simulated)", "shift time driving"),
    "utilization_repair": ("Workload (simulated)", "shift time repairing"),
    "utilization_idle": ("Workload (simulated)", "shift time idle"),
    "overtime_hours": ("Workload (simulated)", "overtime"),
    "parts_fill_rate": ("Stock (simulated)", "parts served from stock"),
    "backorders": ("Stock (simulated)", "parts backordered"),
    "backorder_days": ("Stock (simulated)", "days waited for backordered parts"),
    "queue_length_mean": ("Backlog (simulated)", "mean tickets waiting"),
    "little_lambda_w": ("Backlog (simulated)", "Little's law check (arrivals x wait)"),
    "backlog_start": ("Backlog (simulated)", "open tickets after warm-up"),
    "backlog_end": ("Backlog (simulated)", "open tickets at the end"),
    "backlog_growth_per_day": ("Backlog (simulated)", "backlog change a day"),
    "backlog_growing": ("Backlog (simulated)", "replications with a growing backlog"),
    "cost_per_ticket": ("Cost (simulated)", "cost per ticket, all categories"),
}

_OWN: dict[str, tuple[str, str]] = {
    "tickets_per_year": ("Demand and network", "tickets a year (demand)"),
    "existing_outlets": ("Demand and network", "outlets today"),
    "technicians": ("Demand and network", "technicians today"),
    "siting_open_outlets": ("Demand and network", "outlets in the plan"),
    "siting_objective": ("Demand and network", "siting objective"),
    "siting_gap": ("Demand and network", "siting optimality gap"),
    "siting_mean_travel_min": ("Demand and network", "mean travel to the outlet"),
    "siting_coverage_share": ("Demand and network", "demand within the radius"),
    "staffing_technicians": ("Staffing plan", "technicians"),
    "staffing_outlets_staffed": ("Staffing plan", "outlets staffed"),
    "staffing_partner_outlets": ("Staffing plan", "outlets served by partners"),
    "staffing_partner_urgent_outlets": (
        "Staffing plan",
        "outlets sending urgent work to partners",
    ),
    "staffing_partner_tickets_per_year": ("Staffing plan", "partner tickets a year"),
    "staffing_utilization": ("Staffing plan", "predicted utilization"),
    "staffing_labour_per_year": ("Staffing plan", "labour a year"),
    "staffing_overtime_per_year": ("Staffing plan", "overtime a year"),
    "staffing_outsourcing_per_year": ("Staffing plan", "partner fees a year"),
    "staffing_cost_per_year": ("Staffing plan", "staffing cost a year"),
    "staffing_cost_per_ticket": ("Staffing plan", "staffing cost per ticket"),
    "inventory_policies": ("Stock plan", "stocking policies (part x outlet)"),
    "inventory_cost_per_day": ("Stock plan", "stock cost a day"),
    "inventory_fill_rate_min": ("Stock plan", "lowest planned fill rate"),
    "inventory_fill_rate_mean": ("Stock plan", "mean planned fill rate"),
    "inventory_fill_rate_weighted": ("Stock plan", "demand-weighted fill rate"),
    "inventory_on_hand_units": ("Stock plan", "units on hand"),
    "inventory_targets_unmet": ("Stock plan", "policies below their fill target"),
    "inventory_on_hand_value": ("Stock plan", "stock value on hand"),
    "design_holds": ("Design loop", "the design holds (1 = yes)"),
    "design_iterations": ("Design loop", "iterations"),
    "design_outlets": ("Design loop", "outlets"),
    "design_outlets_new": ("Design loop", "new outlets"),
    "design_outlets_kept": ("Design loop", "outlets kept"),
    "design_outlets_closed": ("Design loop", "outlets closed"),
    "design_technicians": ("Design loop", "technicians"),
    "design_cost_per_year": ("Design loop", "annual cost (penalties apart)"),
    "design_baseline_cost_per_year": ("Design loop", "today's annual cost"),
}


def _cost_label(cat: str) -> str:
    return "cost per ticket: " + COST_LABELS.get(cat, cat.replace("_", " "))


def kpi_label(name: str) -> tuple[str, str, str]:
    """``(group, plain name, definition)`` of a KPI name of a run's table.

    >>> kpi_label("sim_sla_attainment_urgent")[:2]
    ('Service (simulated)', 'SLA attainment (urgent)')
    >>> kpi_label("sim_cost_labour")[1]
    'cost per ticket: technicians (regular hours)'
    >>> kpi_label("design_sla_urgent")[:2]
    ('Design loop', 'simulated SLA (urgent)')
    """
    if name in _OWN:
        g, label = _OWN[name]
        return g, label, ""
    if name.startswith("sim_"):
        base, cls = name[4:], ""
        for c in _CLASSES:
            if base.endswith("_" + c) and base[: -len(c) - 1] in KPIS:
                base, cls = base[: -len(c) - 1], c
        spec = KPIS.get(base)
        doc = spec.doc if spec is not None else ""
        if base.startswith("cost_") and base != "cost_per_ticket":
            g, label = "Cost (simulated)", _cost_label(base[5:])
        elif base in _SIM:
            g, label = _SIM[base]
        else:
            g, label = "Other", base.replace("_", " ")
        return g, label + (f" ({cls})" if cls else ""), doc
    for c in _CLASSES:
        if name == f"design_sla_{c}":
            return "Design loop", f"simulated SLA ({c})", ""
        if name == f"design_predicted_sla_{c}":
            return "Design loop", f"predicted SLA ({c})", "the queueing model's"
        if name == f"staffing_sla_{c}":
            return "Staffing plan", f"predicted SLA ({c})", "the queueing model's"
    return "Other", name.replace("_", " "), ""


def display_unit(unit: str, currency: str = "") -> str:
    """The unit as a reader reads it: money in the scenario's currency, shares in %.

    >>> display_unit("money/ticket", "CNY"), display_unit("share"), display_unit("h")
    ('CNY/ticket', '%', 'h')
    """
    if unit.startswith("money"):
        return (currency or "money") + unit[len("money") :]
    if unit == "share":
        return "%"
    return unit
