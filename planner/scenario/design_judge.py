"""Judging a simulated network: SLA per class and outlet, and the design's tables.

What the design loop reads from a :class:`~planner.sim.SimResult` (class and
outlet SLA with intervals, backlog growth, utilization) and the frames its
result carries (predicted against simulated SLA with the reason where they
differ, outlets, failing outlets, the cost-vs-SLA frontier).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from planner.scenario.build import ScenarioData
from planner.scenario.design_price import Candidate
from planner.sim import SimResult
from planner.staffing import StaffingPlan

__all__ = [
    "ClassSla",
    "backlog_growing",
    "class_sla",
    "failing_outlets",
    "frontier",
    "holds",
    "outlet_sla",
    "outlet_table",
    "outlet_utilization",
    "predicted_vs_simulated",
]

#: An outlet-class pair is judged only with this many tickets in the window.
MIN_TICKETS = 5


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


def failing_text(sim: SimResult, cand: Candidate, targets: dict[str, float]) -> str:
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


def frontier(
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
