"""Candidate networks for the design: staffed by sizing, stocked and priced per year.

Each siting solution is staffed by queueing per outlet, class and hour of the
week (:func:`~planner.scenario.staffing.run_staffing`), stocked, and priced in
the cost model's categories (:func:`network_cost`); its network-wide predicted
SLA counts partner and beyond-reach tickets at the partner's response time.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from planner.core.cost import CostBreakdown, CostCategory
from planner.inventory import StockPlan
from planner.scenario.build import ScenarioData
from planner.scenario.staffing import (
    StaffingInputs,
    run_staffing,
    staffing_problem,
    ticket_work,
)
from planner.scenario.stages import SitingInputs, run_inventory
from planner.siting import SITING_MODELS, SitingPlan
from planner.siting.models import SitingCase
from planner.staffing import StaffingPlan

__all__ = ["Candidate", "candidate_networks", "network_cost", "predicted_sla", "price"]


@dataclass(frozen=True, slots=True, eq=False)
class Candidate:
    """One candidate network, staffed and priced by the models (not simulated)."""

    label: str
    p: int
    siting: SitingPlan
    inputs: StaffingInputs
    staffing: StaffingPlan
    stock: StockPlan
    cost: CostBreakdown
    meets: bool
    partner_tickets: float = 0.0
    partner_response_min: float = 2880.0

    @property
    def predicted(self) -> dict[str, float]:
        """Predicted SLA attainment per class over all tickets needing a visit.

        Own outlets at the staffing plan's prediction; tickets handed to
        partners (beyond reach, partner sites, outlets overflowing to a
        partner) meet the target only when the partner's response time does.
        """
        return predicted_sla(
            self.inputs, self.staffing, self.partner_tickets, self.partner_response_min
        )


def predicted_sla(
    si: StaffingInputs,
    staffing: StaffingPlan,
    partner_tickets: float,
    partner_response_min: float,
) -> dict[str, float]:
    """Network-wide predicted share within target per class (see :class:`Candidate`)."""
    own = np.where(staffing.partner[:, None], 0.0, staffing.tickets_per_week)
    mine = (np.nan_to_num(staffing.sla) * own).sum(axis=0)
    out = {}
    for j, c in enumerate(si.problem.classes):
        away = staffing.tickets_per_week[staffing.partner, j].sum()
        ushare = own[:, j].sum() + away
        # partner tickets of this class per week, split as the own ones are
        extra = partner_tickets / (365.0 / 7.0) * _class_split(si, j)
        tot = ushare + extra
        met = mine[j] + (away + extra) * (partner_response_min <= c.target_min)
        out[c.name] = float(met / tot) if tot > 0 else float("nan")
    return out


def _class_split(si: StaffingInputs, j: int) -> float:
    lam = si.problem.arrival_per_h.sum(axis=(0, 2))
    return float(lam[j] / lam.sum()) if lam.sum() > 0 else 0.0


def _one_way_km(x: SitingInputs, data: ScenarioData) -> np.ndarray:
    """Point x site one-way km, from the siting money matrix (no new matrix)."""
    r = data.costs
    per_hour = r.labour_per_hour + r.travel_per_hour
    km_cost = x.cost_per_ticket / 2.0 - x.duration_min / 60.0 * per_hour
    if r.travel_per_km <= 0:
        return np.zeros_like(km_cost)
    return np.maximum(km_cost / r.travel_per_km, 0.0)


def network_cost(
    data: ScenarioData,
    x: SitingInputs,
    siting: SitingPlan,
    si: StaffingInputs,
    staffing: StaffingPlan,
    stock: StockPlan,
) -> CostBreakdown:
    """Annual cost of a network by the cost model's categories.

    Facility (fixed costs of open outlets, closing costs) from the siting
    plan; labour, overtime and partner overflow from the staffing plan;
    travel from the visits and their round trips; stock holding, ordering
    and shortage from the stock plan; outsourcing of demand beyond reach at
    the partner fee; communication per ticket; rework per repeat repair.
    """
    r = data.costs
    cb = siting.cost_breakdown() + staffing.cost_breakdown()
    cb = cb + stock.cost_breakdown().per_year()
    assign = np.asarray(siting.assign_idx, dtype=np.int64)
    own = (assign >= 0) & ~si.beyond_reach & ~np.isin(assign, siting.partner_idx)
    own &= ~data.sites.partner[np.maximum(assign, 0)]
    tickets = np.asarray(data.demand.total_per_year, dtype=float)
    pts = np.flatnonzero(own)
    km = _one_way_km(x, data)[pts, assign[pts]]
    hours = x.duration_min[pts, assign[pts]] / 60.0
    legs = np.zeros(len(tickets))
    if si.legs_per_ticket is not None and len(si.outlet_site):
        at = np.searchsorted(si.outlet_site, assign[pts]).clip(
            0, len(si.outlet_site) - 1
        )
        legs[pts] = si.legs_per_ticket[at] * ~staffing.partner[at]
    share = float(np.average(ticket_work(data).visit_share))
    driven = tickets * share * legs  # legs driven per year, per point
    extra = {
        CostCategory.TRAVEL_DISTANCE: float((driven[pts] * km).sum() * r.travel_per_km),
        CostCategory.TRAVEL_TIME: float(
            (driven[pts] * hours).sum() * r.travel_per_hour
        ),
        CostCategory.OUTSOURCING: float(
            tickets[si.beyond_reach].sum() * data.spec.outlets.partner_fee_per_ticket
        ),
        CostCategory.COMMUNICATION: float(tickets.sum() * r.communication_per_ticket),
        CostCategory.REWORK: float(
            _rework_rate(data) * tickets.sum() * r.rework_per_visit
        ),
    }
    return cb + CostBreakdown({k.value: v for k, v in extra.items()}, period_days=365.0)


def _rework_rate(data: ScenarioData) -> float:
    """Repeat repairs per ticket, demand-weighted over categories and faults."""
    tpc = np.asarray(data.demand.tickets_per_year, dtype=float).sum(axis=0)
    rate = []
    for c in data.catalog.categories:
        rate.append(
            sum(f.share * (1 - f.remote_fix_rate) * f.rework_prob for f in c.faults)
        )
    tot = tpc.sum()
    return float((tpc * np.array(rate)).sum() / tot) if tot > 0 else 0.0


def _p_values(data: ScenarioData) -> list[int]:
    d, s = data.spec.design, data.spec.siting
    if d.p:
        return sorted(set(d.p))
    lo = (
        int(data.sites.existing.sum())
        if s.model in ("pmedian", "mclp", "pcenter")
        else 1
    )
    n_open = int((~data.sites.partner).sum())
    vals = {min(max(round(s.p * f), lo, 1), n_open) for f in (0.6, 0.8, 1.0, 1.2, 1.4)}
    return sorted(vals)


def candidate_networks(
    data: ScenarioData,
    x: SitingInputs,
    *,
    say: Callable[[str], None] | None = None,
) -> list[Candidate]:
    """Every ``[design] p`` network, staffed, stocked and priced (cheapest first)."""
    s = data.spec.siting
    model = SITING_MODELS[s.model]
    out = []
    for p in _p_values(data):
        if say:
            say(f"candidate network: {s.model} with p = {p}")
        case = SitingCase(
            travel=x.duration_min,
            weights=x.weights,
            options=x.options,
            money=x.cost_per_ticket,
            p=p,
            radius=s.radius_min,
            target_share=s.target_share,
            capacity=data.sites.capacity_per_year,
            time_limit_s=s.time_limit_s,
            seed=data.spec.seed,
        )
        plan = model.solve(case)
        if not plan.status.has_solution:
            continue
        out.append(price(data, x, plan, label=f"p={p}", p=p))
    out.sort(key=lambda c: c.cost.total_excluding_penalties)
    return out


def price(
    data: ScenarioData,
    x: SitingInputs,
    plan: SitingPlan,
    *,
    label: str,
    p: int,
    staffing: StaffingPlan | None = None,
    inputs: StaffingInputs | None = None,
) -> Candidate:
    """Staff (unless given), stock and price one network."""
    si = inputs if inputs is not None else staffing_problem(data, plan, inputs=x)
    st = staffing if staffing is not None else run_staffing(data, plan, inputs=si)
    stock = run_inventory(data, plan)
    cost = network_cost(data, x, plan, si, st, stock)
    resp = data.spec.simulation.partner_response_h * 60.0
    pred = predicted_sla(si, st, si.partner_tickets_per_year, resp)
    meets = all(
        not math.isfinite(pred[c.name]) or pred[c.name] >= c.share - 1e-9
        for c in si.problem.classes
    )
    return Candidate(
        label, p, plan, si, st, stock, cost, meets, si.partner_tickets_per_year, resp
    )
