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
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from planner.core.errors import InfeasibleError
from planner.core.progress import Heartbeat, ProgressCallback
from planner.core.result import SolverStats, SolveStatus
from planner.scenario.build import ScenarioData
from planner.scenario.design_judge import (
    MIN_TICKETS,
    ClassSla,
    backlog_growing,
    class_sla,
    failing_outlets,
    failing_text,
    frontier,
    holds,
    outlet_sla,
    outlet_table,
    outlet_utilization,
    predicted_vs_simulated,
)
from planner.scenario.design_price import (
    Candidate,
    candidate_networks,
    network_cost,
    predicted_sla,
    price,
)
from planner.scenario.design_result import DesignResult
from planner.scenario.staffing import (
    run_staffing,
    technicians_from_staffing,
)
from planner.scenario.stages import (
    SitingInputs,
    run_inventory,
    sim_model,
    siting_inputs,
)
from planner.sim import NightlyRouting, SimResult, simulate

__all__ = [
    "Candidate",
    "ClassSla",
    "DesignState",
    "backlog_growing",
    "candidate_networks",
    "class_sla",
    "holds",
    "network_cost",
    "predicted_sla",
    "price",
    "run_design",
]

logger = logging.getLogger(__name__)

_CLASS_NAMES = ("urgent", "important", "general")

#: Grow iterations whose worst class gains less than this (over two steps)
#: have stalled: the loop moves to the next network.
STALL = 0.01

#: Simulated utilization (repair and travel over shift minutes) above which an
#: outlet that misses is short of hands; its crew grows to reach BUSY_TARGET.
BUSY, BUSY_TARGET = 0.75, 0.65


@dataclass(slots=True)
class DesignState:
    """What the loop carries from one iteration to the next."""

    target_share: np.ndarray
    min_per_outlet: np.ndarray
    max_per_outlet: np.ndarray
    min_staff: np.ndarray
    no_trim: np.ndarray
    rows: list[dict[str, Any]] = field(default_factory=list)


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
        routing=NightlyRouting(horizon_days=spec.routing_horizon_days),
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
    progress: ProgressCallback | None = None,
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
    hb = Heartbeat(logger, "design", callback=progress, interval_s=0.0)

    def say(msg: str) -> None:
        hb(msg, force=True)

    x = siting_inputs(data)
    cands = candidate_networks(data, x, say=say)
    if not cands:
        raise InfeasibleError("design: no candidate network has a siting solution")
    notes: list[str] = []
    chosen_i = next(
        (i for i, c in enumerate(cands) if _meets(c, d.margin)),
        next((i for i, c in enumerate(cands) if c.meets), None),
    )
    if chosen_i is None:
        chosen_i = int(np.argmax([min(c.predicted.values()) for c in cands]))
        notes.append(
            "no candidate network is predicted to meet every target; the loop "
            f"starts from the closest ({cands[chosen_i].label})"
        )
    cand = cands[chosen_i]
    targets = {c.name: c.share for c in cand.inputs.problem.classes}
    tgt = np.array(list(targets.values()))[None, :]
    st = _fresh_state(cand, tgt, d.max_per_outlet)
    n = cand.staffing.n_outlets
    tried = {chosen_i}
    worst: list[float] = []
    say(
        f"chosen {cand.label}: {cand.siting.p} outlets, "
        f"{cand.staffing.n_technicians:,} technicians, "
        f"{cand.cost.total_excluding_penalties:,.0f} a year (predicted)"
    )
    held: tuple[Candidate, SimResult] | None = None
    held_it = 0
    trimmed = np.zeros(n, dtype=bool)
    action, status, sim = "sized", SolveStatus.FEASIBLE, None
    reps = d.n_reps
    for it in range(1, d.max_iterations + 1):
        say(
            f"iteration {it} ({action}): simulating {cand.staffing.n_technicians:,} "
            f"technicians x {reps} replications"
        )
        sim = _simulate(data, cand, reps, executor, keep_log=True)
        st.rows.append(_iteration_row(it, action, cand, sim, t0))
        say(_row_text(st.rows[-1]))
        ok = holds(sim, targets)
        st.rows[-1]["holds"] = ok
        if not ok and reps < d.max_reps and _only_uncertain(sim, targets):
            # every mean is on target: more replications, not more staff
            reps = min(2 * reps, d.max_reps)
            action = f"{reps} replications"
            continue
        mean, _lo, _hi, cnt = outlet_sla(sim, cand.staffing)
        miss = (mean < tgt - 1e-9) & (cnt >= MIN_TICKETS)
        if not ok and held is None:
            sla = class_sla(sim)
            worst.append(min(sla[c].mean - t for c, t in targets.items() if c in sla))
            nxt = _next_network(cands, tried, chosen_i)
            if len(worst) >= 3 and worst[-1] - worst[-3] < STALL and nxt is not None:
                # corrections no longer move it: the network itself is short
                # (demand beyond reach, drives longer than the target)
                notes.append(
                    f"{cand.label} stalled at {worst[-1]:+.3f} below target after "
                    f"{len(worst)} iterations; moved to {cands[nxt].label}"
                )
                chosen_i, cand = nxt, cands[nxt]
                tried.add(nxt)
                st = _fresh_state(cand, tgt, d.max_per_outlet, rows=st.rows)
                n = cand.staffing.n_outlets
                trimmed = np.zeros(n, dtype=bool)
                worst = []
                action = f"switch to {cand.label}"
                continue
            action = _grow(data, cand, sim, st, miss, mean, tgt)
        else:
            if ok:
                held, held_it = (cand, sim), it
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
    last_it = len(st.rows)
    if held is not None and (sim is held[1] or not holds(sim, targets)):
        cand, sim = held
        last_it = held_it
    for r in st.rows:
        r["recommended"] = r["iteration"] == last_it
    sim = replace(sim, log=None)  # the log served the corrections
    final = holds(sim, targets)
    if not final:
        status = SolveStatus.FEASIBLE
        notes.append(
            "the design does not hold yet: " + failing_text(sim, cand, targets)
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
        frontier=frontier(cands, confirm, chosen=cand, chosen_sim=sim),
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


def _meets(c: Candidate, margin: float) -> bool:
    """Predicted to meet every class's target with ``margin`` to spare."""
    return all(
        not math.isfinite(v) or v >= cl.share + margin - 1e-9
        for cl, v in zip(c.inputs.problem.classes, c.predicted.values(), strict=True)
    )


def _next_network(cands: list[Candidate], tried: set[int], cur: int) -> int | None:
    """The cheapest untried candidate predicted to do better than ``cur``."""
    base = min(cands[cur].predicted.values())
    for i, c in enumerate(cands):
        if i not in tried and min(c.predicted.values()) > base + 1e-9:
            return i
    return None


def _fresh_state(
    cand: Candidate,
    tgt: np.ndarray,
    max_per_outlet: int | None,
    rows: list[dict[str, Any]] | None = None,
) -> DesignState:
    n = cand.staffing.n_outlets
    return DesignState(
        target_share=np.tile(tgt[0], (n, 1)),
        min_per_outlet=np.zeros(n, dtype=np.int64),
        max_per_outlet=np.full(n, max_per_outlet or 100_000, dtype=np.int64),
        min_staff=np.zeros((n, cand.inputs.problem.n_shifts), dtype=np.int64),
        no_trim=np.zeros(n, dtype=bool),
        rows=rows if rows is not None else [],
    )


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
        routing=NightlyRouting(horizon_days=spec.routing_horizon_days),
        horizon_days=spec.horizon_days,
        warmup_days=spec.warmup_days,
        n_reps=n_reps,
        seed=data.spec.seed,
        n_jobs=spec.n_jobs if executor is None else 1,
        executor=executor,
    )
