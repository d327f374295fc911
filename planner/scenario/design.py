"""The closed design loop: price candidate networks, then simulate and correct.

1. **Candidates.** The scenario's siting model is solved for each ``p`` of
   ``[design]``; every network is staffed by sizing
   (:func:`~planner.scenario.staffing.run_staffing`: queueing per outlet,
   class and hour of the week), stocked (:func:`~planner.scenario.stages.run_inventory`)
   and priced per year in the cost model's categories (:func:`network_cost`).
   The cheapest network whose predicted SLA meets every class's
   ``attainment`` is chosen; the table of all of them is the cost-vs-SLA
   frontier.
2. **Simulate and correct.** The chosen network is simulated with common
   random numbers (every iteration sees the same tickets). Where an outlet's
   simulated SLA for a class misses its target, its sized target share is
   raised by the miss and its headcount must grow by one; once the network
   holds (every class's 95 % interval at or above its target, no
   replication's backlog growing), outlets whose every class is above target
   by ``slack`` with confidence lose one technician, kept only where the
   network still holds. The loop stops when a trim changes nothing, or at
   ``max_iterations`` / ``time_limit_s`` (then the outlets still failing are
   named with the reason).
3. **Confirm.** The ``neighbours`` candidates next to the chosen one in cost
   are simulated with their sized crews, so the frontier shows whether a
   cheaper network would have held.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from planner.core.cost import CostBreakdown, CostCategory
from planner.core.errors import InfeasibleError
from planner.core.progress import Heartbeat
from planner.core.result import SolverStats, SolveStatus
from planner.inventory import StockPlan
from planner.scenario.build import ScenarioData
from planner.scenario.design_result import DesignResult
from planner.scenario.staffing import (
    StaffingInputs,
    run_staffing,
    staffing_problem,
    technicians_from_staffing,
    ticket_work,
)
from planner.scenario.stages import (
    SitingInputs,
    run_inventory,
    sim_model,
    siting_inputs,
)
from planner.sim import SimResult, simulate
from planner.siting import SITING_MODELS, SitingPlan
from planner.siting.models import SitingCase
from planner.staffing import StaffingPlan

__all__ = [
    "Candidate",
    "DesignState",
    "candidate_networks",
    "network_cost",
    "run_design",
]

logger = logging.getLogger(__name__)

_CLASS_NAMES = ("urgent", "important", "general")

#: An outlet-class pair is judged only with this many tickets in the window.
MIN_TICKETS = 5

#: Simulated utilization (repair and travel over shift minutes) above which an
#: outlet that misses is short of hands; its crew grows to reach BUSY_TARGET.
BUSY, BUSY_TARGET = 0.75, 0.65


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


@dataclass(slots=True)
class DesignState:
    """What the loop carries from one iteration to the next."""

    target_share: np.ndarray
    min_per_outlet: np.ndarray
    max_per_outlet: np.ndarray
    min_staff: np.ndarray
    no_trim: np.ndarray
    rows: list[dict[str, Any]] = field(default_factory=list)


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


def _simulate(
    data: ScenarioData,
    cand: Candidate,
    n_reps: int,
    executor: Any = None,
    *,
    keep_log: bool = False,
) -> SimResult:
    techs = technicians_from_staffing(data, cand.staffing)
    model = sim_model(data, cand.siting, cand.stock, techs)
    spec = data.spec.simulation
    return simulate(
        model,
        dispatch=spec.dispatch,
        horizon_days=spec.horizon_days,
        warmup_days=spec.warmup_days,
        n_reps=n_reps,
        seed=data.spec.seed,
        n_jobs=spec.n_jobs if executor is None else 1,
        executor=executor,
        keep_log=keep_log,
    )


def missed_windows(
    data: ScenarioData, cand: Candidate, sim: SimResult
) -> dict[tuple[int, int], np.ndarray]:
    """Per (staffing outlet, class): the hours of the week in which a
    technician on duty could have met each missed ticket.

    From the simulation's ticket log: own tickets created after the warm-up
    whose first visit came after their deadline (on their class's clock), or
    never came though the deadline fell inside the horizon. A ticket's window
    runs from its creation to its deadline less the outlet's mean drive.
    Returns ``(n_missed, 168)`` booleans per key.
    """
    log = sim.log_frame()
    if log.empty:
        return {}
    spec = data.spec.simulation
    warm, horizon = spec.warmup_days * 1440.0, spec.horizon_days * 1440.0
    t0 = float(
        (dt.date.fromisoformat(spec.start_date).weekday()) * 1440
    )  # sim time 0 is midnight of start_date
    row = {o: i for i, o in enumerate(cand.staffing.outlet_ids)}
    site_row = {
        int(si): row.get(str(data.sites.ids[si]), -1) for si in cand.inputs.outlet_site
    }
    hours = data.service_hours
    sd = dt.date.fromisoformat(spec.start_date).weekday()
    out: dict[tuple[int, int], list[np.ndarray]] = {}
    created = log["created_min"].to_numpy(float)
    first = log["first_visit_min"].to_numpy(float)
    urg = log["urgency"].to_numpy(int)
    outlet = log["outlet"].to_numpy(int)
    own = ~log["partner"].to_numpy(bool) & ~log["remote"].to_numpy(bool)
    own &= (created >= warm) & (outlet >= 0)
    for j, u in enumerate(data.urgency):
        tgt = float(u.response_target_min)
        sel = own & (urg == j)
        c = created[sel]
        if u.clock == "business" and hours is not None:
            dl = hours.deadline(c, tgt, start_weekday=sd)
        else:
            dl = c + tgt
        f = first[sel]
        miss = (f > dl) | (np.isnan(f) & (dl < horizon))
        if not miss.any():
            continue
        o = outlet[sel][miss]
        c, dl = c[miss], dl[miss]
        for k in np.unique(o):
            r = site_row.get(int(k), -1)
            if r < 0:
                continue
            m = o == k
            off = float(cand.inputs.problem.response_offset_min[r, j])
            a = ((c[m] + t0) // 60).astype(np.int64)
            b = np.maximum(a, ((dl[m] - off + t0) // 60).astype(np.int64))
            w = np.zeros((int(m.sum()), 168), dtype=bool)
            for i, (lo, hi) in enumerate(zip(a, b, strict=True)):
                w[i, np.arange(lo, min(hi, lo + 167) + 1) % 168] = True
            out.setdefault((r, j), []).append(w)
    return {k: np.vstack(v) for k, v in out.items()}


def best_shift(cand: Candidate, r: int, windows: np.ndarray) -> int | None:
    """The allowed shift that covers the most missed tickets per unit of cost."""
    prob = cand.inputs.problem
    best, score = None, 0.0
    for j, sh in enumerate(prob.shifts):
        if not prob.shift_allowed[r, j]:
            continue
        covered = float((windows & sh.on_duty()[None, :]).any(axis=1).sum())
        cost = sh.paid_h_per_week * sh.cost_factor
        if covered > 0 and covered / cost > score:
            best, score = j, covered / cost
    return best


@dataclass(frozen=True, slots=True)
class ClassSla:
    """One class's simulated SLA attainment with its 95 % interval."""

    mean: float
    ci_low: float
    ci_high: float
    n_reps: int


def class_sla(sim: SimResult) -> dict[str, ClassSla]:
    """Simulated SLA attainment per class (classes with tickets only)."""
    k = sim.kpi_table
    sel = (
        (k["kpi"] == "sla_attainment")
        & (k["outlet"] == "all")
        & (k["urgency"] != "all")
    )
    return {
        str(u): ClassSla(float(m), float(lo), float(hi), int(n))
        for u, m, lo, hi, n in zip(
            k.loc[sel, "urgency"],
            k.loc[sel, "mean"],
            k.loc[sel, "ci_low"],
            k.loc[sel, "ci_high"],
            k.loc[sel, "n_reps"],
            strict=True,
        )
    }


def backlog_growing(sim: SimResult) -> float:
    """Share of replications whose backlog grew."""
    k = sim.kpi_table
    row = k[
        (k["kpi"] == "backlog_growing")
        & (k["urgency"] == "all")
        & (k["outlet"] == "all")
    ]
    return float(row["mean"].iloc[0]) if len(row) else 0.0


def holds(sim: SimResult, targets: dict[str, float]) -> bool:
    """Every class's interval at or above its target, and no backlog growing."""
    sla = class_sla(sim)
    ok = all(
        name not in sla or sla[name].ci_low >= t - 1e-12 for name, t in targets.items()
    )
    return ok and backlog_growing(sim) == 0.0


def outlet_sla(
    sim: SimResult, staffing: StaffingPlan
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per staffing outlet x class: simulated SLA mean, ci_low, ci_high, tickets."""
    n, k = staffing.n_outlets, len(staffing.class_names)
    mean = np.full((n, k), np.nan)
    lo, hi, cnt = mean.copy(), mean.copy(), np.zeros((n, k))
    row = {o: i for i, o in enumerate(staffing.outlet_ids)}
    for j, c in enumerate(staffing.class_names):
        s = sim.by_outlet("sla_attainment", urgency=c)
        t = sim.by_outlet("tickets_created", urgency=c)
        for oid, r in s.iterrows():
            i = row.get(str(oid))
            if i is None:
                continue
            mean[i, j], lo[i, j], hi[i, j] = r["mean"], r["ci_low"], r["ci_high"]
        for oid, r in t.iterrows():
            i = row.get(str(oid))
            if i is not None:
                cnt[i, j] = r["mean"]
    return mean, lo, hi, cnt


def _iteration_row(
    it: int, action: str, cand: Candidate, sim: SimResult, t0: float
) -> dict[str, Any]:
    sla = class_sla(sim)
    row: dict[str, Any] = {
        "iteration": it,
        "action": action,
        "network": cand.label,
        "outlets": int(cand.siting.p),
        "technicians": cand.staffing.n_technicians,
        "cost_per_year": cand.cost.total_excluding_penalties,
        "backlog_growing": backlog_growing(sim),
        "elapsed_s": round(time.perf_counter() - t0, 1),
    }
    for c, v in sla.items():
        row[f"sla_{c}"] = v.mean
        row[f"sla_{c}_low"] = v.ci_low
        row[f"sla_{c}_high"] = v.ci_high
    for name, pv in cand.predicted.items():
        row[f"predicted_{name}"] = pv
    return row


def _restaff(
    data: ScenarioData, x: SitingInputs, cand: Candidate, st: DesignState
) -> Candidate:
    plan = run_staffing(
        data,
        cand.siting,
        inputs=cand.inputs,
        target_share=st.target_share,
        min_per_outlet=st.min_per_outlet,
        max_per_outlet=st.max_per_outlet,
        min_staff=st.min_staff,
    )
    cost = network_cost(data, x, cand.siting, cand.inputs, plan, cand.stock)
    return replace(cand, staffing=plan, cost=cost)


def run_design(
    data: ScenarioData,
    *,
    progress: Callable[[str], None] | None = None,
    executor: Any = None,
    baseline: bool = True,
) -> DesignResult:
    """Run the design loop (module docstring) and return its recommendation.

    ``executor``: where replications run (a Dask client or scheduler
    address, as :func:`~planner.sim.simulate` takes; default the scenario's
    ``[simulation]`` scheduler or local processes). ``baseline``: also
    simulate today's network on the same tickets.
    """
    t0 = time.perf_counter()
    d = data.spec.design
    executor = executor if executor is not None else data.spec.simulation.scheduler
    hb = Heartbeat(logger, "design", interval_s=0.0)

    def say(msg: str) -> None:
        hb(msg, force=True)
        if progress:
            progress(msg)

    x = siting_inputs(data)
    cands = candidate_networks(data, x, say=say)
    if not cands:
        raise InfeasibleError("design: no candidate network has a siting solution")
    notes: list[str] = []
    chosen_i = next((i for i, c in enumerate(cands) if c.meets), None)
    if chosen_i is None:
        chosen_i = int(np.argmax([min(c.predicted.values()) for c in cands]))
        notes.append(
            "no candidate network is predicted to meet every target; the loop "
            f"starts from the closest ({cands[chosen_i].label})"
        )
    cand = cands[chosen_i]
    targets = {c.name: c.share for c in cand.inputs.problem.classes}
    tgt = np.array(list(targets.values()))[None, :]
    n = cand.staffing.n_outlets
    st = DesignState(
        target_share=np.tile(tgt[0], (n, 1)),
        min_per_outlet=np.zeros(n, dtype=np.int64),
        max_per_outlet=np.full(n, d.max_per_outlet or 100_000, dtype=np.int64),
        min_staff=np.zeros((n, cand.inputs.problem.n_shifts), dtype=np.int64),
        no_trim=np.zeros(n, dtype=bool),
    )
    say(
        f"chosen {cand.label}: {cand.siting.p} outlets, "
        f"{cand.staffing.n_technicians:,} technicians, "
        f"{cand.cost.total_excluding_penalties:,.0f} a year (predicted)"
    )
    held: tuple[Candidate, SimResult] | None = None
    trimmed = np.zeros(n, dtype=bool)
    action, status, sim = "sized", SolveStatus.FEASIBLE, None
    reps = d.n_reps
    for it in range(1, d.max_iterations + 1):
        say(
            f"iteration {it} ({action}): simulating {cand.staffing.n_technicians:,} "
            f"technicians x {d.n_reps} replications"
        )
        sim = _simulate(data, cand, reps, executor, keep_log=True)
        st.rows.append(_iteration_row(it, action, cand, sim, t0))
        say(_row_text(st.rows[-1]))
        ok = holds(sim, targets)
        if not ok and reps < d.max_reps and _only_uncertain(sim, targets):
            # every mean is on target: more replications, not more staff
            reps = min(2 * reps, d.max_reps)
            action = f"{reps} replications"
            continue
        mean, _lo, _hi, cnt = outlet_sla(sim, cand.staffing)
        miss = (mean < tgt - 1e-9) & (cnt >= MIN_TICKETS)
        if not ok and held is None:
            action = _grow(data, cand, sim, st, miss, mean, tgt)
        else:
            if ok:
                held = (cand, sim)
                keep = trimmed
            else:  # the last trim broke it: keep the trims that held
                assert held is not None
                bad = trimmed & miss.any(axis=1)
                if not bad.any():
                    bad = trimmed.copy()
                st.no_trim |= bad
                keep = trimmed & ~bad
                st.max_per_outlet = np.where(
                    bad, held[0].staffing.headcount, st.max_per_outlet
                )
            base, bsim = held
            can = _trimmable(base, bsim, tgt, d.slack) & ~st.no_trim
            if not ok:
                can |= keep
            if not can.any():
                cand, sim = held
                status = SolveStatus.OPTIMAL
                break
            hc_b = base.staffing.headcount
            step = np.maximum(1, np.floor(0.1 * hc_b)).astype(np.int64)
            st.max_per_outlet = np.where(can & ~keep, hc_b - step, st.max_per_outlet)
            st.min_per_outlet = np.minimum(st.min_per_outlet, st.max_per_outlet)
            st.min_staff[can] = 0
            trimmed = can
            cand = base
            action = f"trim {int(can.sum())} outlets"
        if time.perf_counter() - t0 > d.time_limit_s:
            notes.append(
                f"time limit {d.time_limit_s:g} s reached after {it} iterations"
            )
            break
        if it == d.max_iterations:
            notes.append(f"iteration limit {d.max_iterations} reached")
            break
        before = cand.staffing.headcount
        cand = _restaff(data, x, cand, st)
        if trimmed.any():
            same = trimmed & (cand.staffing.headcount >= before)
            st.no_trim |= same  # the sizing cannot go lower there
            trimmed &= ~same
            if not trimmed.any():
                assert held is not None
                cand, sim = held
                status = SolveStatus.OPTIMAL
                break
    assert sim is not None
    if held is not None and not holds(sim, targets):
        cand, sim = held
    sim = replace(sim, log=None)  # the log served the corrections
    final = holds(sim, targets)
    if not final:
        status = SolveStatus.FEASIBLE
        notes.append(
            "the design does not hold yet: " + _failing_text(sim, cand, targets)
        )
    confirm: dict[str, SimResult] = {}
    lo_i, hi_i = (
        max(0, chosen_i - d.neighbours),
        min(len(cands), chosen_i + d.neighbours + 1),
    )
    for j in range(lo_i, hi_i):
        if j != chosen_i:
            say(f"confirming neighbour {cands[j].label} (sized, not corrected)")
            confirm[cands[j].label] = _simulate(data, cands[j], reps, executor)
    base_sim = None
    if baseline:
        say("simulating today's network on the same tickets")
        base_sim = _simulate_today(data, reps, executor)
    stats = SolverStats(
        "design loop",
        time.perf_counter() - t0,
        n_iterations=len(st.rows),
        seed=data.spec.seed,
        extra={"candidates": len(cands)},
    )
    return DesignResult(
        siting=cand.siting,
        staffing=cand.staffing,
        stock=cand.stock,
        simulation=sim,
        baseline=base_sim,
        iterations=pd.DataFrame(st.rows),
        frontier=_frontier(cands, confirm, chosen=cand, chosen_sim=sim),
        failing=failing_outlets(sim, cand, targets),
        predicted=predicted_vs_simulated(cand, sim, targets),
        outlets=outlet_table(data, cand, sim),
        holds=final,
        status=status,
        stats=stats,
        notes=tuple(notes),
        currency=data.spec.currency,
        targets=targets,
    )


def _grow(
    data: ScenarioData,
    cand: Candidate,
    sim: SimResult,
    st: DesignState,
    miss: np.ndarray,
    mean: np.ndarray,
    tgt: np.ndarray,
) -> str:
    """Add the cheapest capacity where outlets miss: a technician on the shift
    that covers most of the missed tickets per unit of cost, or (no shift
    covers them) a tighter sized target and one more technician."""
    win = missed_windows(data, cand, sim)
    stf = cand.staffing
    shifts_added, tightened, loaded = 0, 0, 0
    util = outlet_utilization(sim, stf)
    grow = miss.any(axis=1)
    if not grow.any():  # the network misses without a clear outlet
        margin = np.nan_to_num(mean - tgt, nan=1.0).min(axis=1)
        grow = margin <= np.quantile(margin, 0.1)
        miss = np.where(grow[:, None], mean - tgt <= margin[:, None] + 1e-12, False)
    for r in np.flatnonzero(grow):
        if util[r] > BUSY:  # load: grow the crew in proportion
            need = math.ceil(stf.headcount[r] * util[r] / BUSY_TARGET)
            st.min_per_outlet[r] = max(st.min_per_outlet[r], need, stf.headcount[r] + 1)
            loaded += 1
            continue
        js = [j for j in range(miss.shape[1]) if miss[r, j]]
        windows = [win[(int(r), j)] for j in js if (int(r), j) in win]
        best = best_shift(cand, int(r), np.vstack(windows)) if windows else None
        if best is not None:
            st.min_staff[r, best] = max(
                st.min_staff[r, best], int(stf.technicians[r, best]) + 1
            )
            shifts_added += 1
        else:
            gap = np.where(miss[r], tgt[0] - mean[r], 0.0)
            st.target_share[r] = np.minimum(0.995, st.target_share[r] + gap + 0.02)
            st.min_per_outlet[r] = max(st.min_per_outlet[r], int(stf.headcount[r]) + 1)
            tightened += 1
    st.max_per_outlet = np.maximum(
        st.max_per_outlet, np.maximum(st.min_per_outlet, st.min_staff.sum(axis=1))
    )
    return (
        f"grow {loaded} busy crews, add a shift at {shifts_added}, "
        f"tighten {tightened} outlets"
    )


def outlet_utilization(sim: SimResult, staffing: StaffingPlan) -> np.ndarray:
    """Per staffing outlet: simulated repair plus travel minutes over shift minutes."""
    out = np.zeros(staffing.n_outlets)
    row = {o: i for i, o in enumerate(staffing.outlet_ids)}
    for name in ("utilization_repair", "utilization_travel"):
        f = sim.by_outlet(name)
        for oid, m in zip(f.index, f["mean"], strict=True):
            i = row.get(str(oid))
            if i is not None and np.isfinite(m):
                out[i] += float(m)
    return out


def _only_uncertain(sim: SimResult, targets: dict[str, float]) -> bool:
    """Every class's mean at or above target and no backlog growing: only the
    interval is too wide to tell."""
    sla = class_sla(sim)
    return backlog_growing(sim) == 0.0 and all(
        c not in sla or sla[c].mean >= t for c, t in targets.items()
    )


def _trimmable(
    base: Candidate, bsim: SimResult, tgt: np.ndarray, slack: float
) -> np.ndarray:
    """Outlets above every class's target by ``slack`` (with their interval at
    or above the target where they have tickets enough to tell)."""
    m, lo, _hi, cnt = outlet_sla(bsim, base.staffing)
    enough = cnt >= MIN_TICKETS
    ok = np.where(enough, (m >= tgt + slack) & (lo >= tgt), True).all(axis=1)
    hc = base.staffing.headcount
    return ok & (hc > 1) & ~base.staffing.partner


def _row_text(r: dict[str, Any]) -> str:
    sla = ", ".join(
        f"{c} {r[f'sla_{c}']:.3f} [{r[f'sla_{c}_low']:.3f}, {r[f'sla_{c}_high']:.3f}]"
        for c in _CLASS_NAMES
        if f"sla_{c}" in r
    )
    return (
        f"  {r['technicians']:,} technicians, {r['cost_per_year']:,.0f} a year; "
        f"SLA {sla}; backlog growing in {r['backlog_growing']:.0%}"
    )


def _simulate_today(data: ScenarioData, n_reps: int, executor: Any) -> SimResult:
    """Today's network: existing outlets with the ``[workforce]`` crew."""
    stock = run_inventory(data, None)
    model = sim_model(data, None, stock, None)
    spec = data.spec.simulation
    return simulate(
        model,
        dispatch=spec.dispatch,
        horizon_days=spec.horizon_days,
        warmup_days=spec.warmup_days,
        n_reps=n_reps,
        seed=data.spec.seed,
        n_jobs=spec.n_jobs if executor is None else 1,
        executor=executor,
    )


def predicted_vs_simulated(
    cand: Candidate, sim: SimResult, targets: dict[str, float]
) -> pd.DataFrame:
    """Per class: the queueing model's SLA next to the simulated one, and why
    they differ where the prediction is outside the simulated interval."""
    sla = class_sla(sim)
    pred = cand.predicted
    rows = []
    for c, t in targets.items():
        if c not in sla:
            continue
        m, lo, hi = sla[c].mean, sla[c].ci_low, sla[c].ci_high
        pv = pred.get(c, math.nan)
        reason = ""
        if pv > hi:
            reason = (
                "the model pools an outlet's on-duty technicians per hour; in the "
                "simulation a ticket waits for a free technician with its skill, "
                "second visits wait for their part, and days end with work left"
            )
        elif pv < lo:
            reason = (
                "the model sizes each outlet and hour for its own peak; the "
                "simulated crews also use overtime and lulls between peaks"
            )
        rows.append(
            {
                "urgency": c,
                "target": t,
                "predicted": pv,
                "simulated": m,
                "ci_low": lo,
                "ci_high": hi,
                "n_reps": sla[c].n_reps,
                "reason": reason,
            }
        )
    return pd.DataFrame(
        rows,
        columns=[
            "urgency",
            "target",
            "predicted",
            "simulated",
            "ci_low",
            "ci_high",
            "n_reps",
            "reason",
        ],
    )


def outlet_table(data: ScenarioData, cand: Candidate, sim: SimResult) -> pd.DataFrame:
    """One row per open outlet: ids, new/kept, crew per shift, load, SLA."""
    plan, stf = cand.siting, cand.staffing
    s = data.sites
    row = {o: i for i, o in enumerate(stf.outlet_ids)}
    mean = outlet_sla(sim, stf)[0]
    recs = []
    for idx in np.asarray(plan.open_idx):
        oid = str(s.ids[idx])
        i = row.get(oid)
        rec: dict[str, Any] = {
            "outlet_id": oid,
            "name": str(s.names[idx]),
            "lon": float(s.lon[idx]),
            "lat": float(s.lat[idx]),
            "existing": bool(s.existing[idx]),
            "open": True,
            "tickets_per_year": float(np.asarray(plan.outlet_load)[idx]),
            "capacity_per_year": float(s.capacity_per_year[idx]),
            "technicians": int(stf.headcount[i]) if i is not None else 0,
            "partner": bool(stf.partner[i]) if i is not None else False,
            "utilization": float(stf.utilization[i]) if i is not None else math.nan,
        }
        for j, sh in enumerate(stf.shifts):
            rec[f"shift_{sh.name}"] = int(stf.technicians[i, j]) if i is not None else 0
        for j, c in enumerate(stf.class_names):
            rec[f"predicted_{c}"] = float(stf.sla[i, j]) if i is not None else math.nan
            rec[f"sla_{c}"] = float(mean[i, j]) if i is not None else math.nan
        recs.append(rec)
    return pd.DataFrame(recs)


def failing_outlets(
    sim: SimResult, cand: Candidate, targets: dict[str, float]
) -> pd.DataFrame:
    """Outlets whose simulated SLA misses a class's target, with the likely reason."""
    mean, lo, hi, cnt = outlet_sla(sim, cand.staffing)
    util = cand.staffing.utilization
    rows = []
    names = list(targets)
    for i in range(cand.staffing.n_outlets):
        for j, c in enumerate(names):
            if not (cnt[i, j] >= MIN_TICKETS and mean[i, j] < targets[c] - 1e-9):
                continue
            reason = (
                "load: its technicians are busy most of their hours"
                if util[i] > 0.8
                else "cover: tickets arrive when too few technicians are on duty"
                if cand.staffing.sla[i, j] >= targets[c]
                else "sizing: the queueing model predicts the miss too"
            )
            rows.append(
                {
                    "outlet_id": cand.staffing.outlet_ids[i],
                    "class": c,
                    "sla": mean[i, j],
                    "ci_low": lo[i, j],
                    "ci_high": hi[i, j],
                    "tickets": cnt[i, j],
                    "target": targets[c],
                    "predicted": cand.staffing.sla[i, j],
                    "technicians": int(cand.staffing.headcount[i]),
                    "utilization": float(util[i]),
                    "reason": reason,
                }
            )
    cols = [
        "outlet_id",
        "class",
        "sla",
        "ci_low",
        "ci_high",
        "tickets",
        "target",
        "predicted",
        "technicians",
        "utilization",
        "reason",
    ]
    return pd.DataFrame(rows, columns=cols)


def _failing_text(sim: SimResult, cand: Candidate, targets: dict[str, float]) -> str:
    f = failing_outlets(sim, cand, targets)
    sla = class_sla(sim)
    low = [
        f"{c} {sla[c].ci_low:.3f} < {t:.2f}"
        for c, t in targets.items()
        if c in sla and sla[c].ci_low < t
    ]
    bits = []
    if low:
        bits.append("interval below target: " + ", ".join(low))
    if backlog_growing(sim) > 0:
        bits.append(f"backlog grows in {backlog_growing(sim):.0%} of replications")
    if len(f):
        bits.append(
            f"{f['outlet_id'].nunique()} outlets miss a class, e.g. "
            + "; ".join(
                f"{r.outlet_id} {r['class']} {r.sla:.2f} ({r.reason})"
                for _, r in f.head(3).iterrows()
            )
        )
    return "; ".join(bits) or "unknown"


def _frontier(
    cands: list[Candidate],
    confirm: dict[str, SimResult] | None = None,
    *,
    chosen: Candidate | None = None,
    chosen_sim: SimResult | None = None,
) -> pd.DataFrame:
    """One row per candidate: outlets, technicians, annual cost by category, SLA."""
    rows = []
    sims = dict(confirm or {})
    entries: list[tuple[Candidate, bool]] = [(c, False) for c in cands]
    if chosen is not None:
        entries.append((chosen, True))
        if chosen_sim is not None:
            sims[chosen.label + " (design)"] = chosen_sim
    for c, is_design in entries:
        label = c.label + (" (design)" if is_design else "")
        row: dict[str, Any] = {
            "network": label,
            "p": c.p,
            "outlets": int(c.siting.p),
            "technicians": c.staffing.n_technicians,
            "chosen": is_design,
            "meets_predicted": c.meets,
            "cost_per_year": c.cost.total_excluding_penalties,
        }
        for cat, v in c.cost.to_dict().items():
            row[f"cost_{cat}"] = v
        for name, v in c.predicted.items():
            row[f"predicted_{name}"] = v
        s = sims.get(label)
        if s is not None:
            sla = class_sla(s)
            for name, cs in sla.items():
                row[f"sla_{name}"] = cs.mean
                row[f"sla_{name}_low"] = cs.ci_low
                row[f"sla_{name}_high"] = cs.ci_high
            row["backlog_growing"] = backlog_growing(s)
        rows.append(row)
    return pd.DataFrame(rows)
