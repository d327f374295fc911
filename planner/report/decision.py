"""The decision views of a run: the recommendation against today, and its problems.

Built from a run folder (:class:`~planner.report.run.RunData`): with the
design stage, the recommended network, crew and stock against today's network
(existing outlets, ``[workforce]`` crew) simulated on the same tickets; with
the older stages (siting, inventory, simulation), the plan's network and its
simulation alone. Each view is a tidy DataFrame so a notebook can use it; the
HTML report (:mod:`planner.report.html`) renders them.

An outlet is *overloaded* when its technicians are busy (repair and travel)
more than :data:`OVERLOADED_BUSY` of their shift minutes, or a class's
simulated SLA interval lies wholly below its target there; *idle* when busy
less than :data:`IDLE_BUSY`. Without a simulation the siting load against
``outlets.capacity_per_year`` decides instead.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from planner.core.cost import CostBreakdown, CostCategory
from planner.report.kpi_names import COST_LABELS

if TYPE_CHECKING:
    from planner.report.run import RunData
    from planner.sim import SimResult

__all__ = [
    "IDLE_BUSY",
    "OVERLOADED_BUSY",
    "Problem",
    "annual_cost_frame",
    "class_sla_frame",
    "outlet_decision_frame",
    "problems",
    "recommendation_frame",
]

#: Busy share (repair + travel over shift minutes) above which an outlet is overloaded.
OVERLOADED_BUSY = 0.9
#: Busy share below which an outlet is idle.
IDLE_BUSY = 0.3

_CLASSES = ("urgent", "important", "general")


@dataclass(frozen=True, slots=True)
class Problem:
    """One finding of :func:`problems`: ``kind`` (a short tag), ``severity``
    (``"bad"``, ``"warn"`` or ``"ok"``) and the sentence to show."""

    kind: str
    severity: str
    text: str


def targets(run: RunData) -> dict[str, float]:
    """Each urgency class's SLA target share (the design's, else the scenario's)."""
    meta = run.design_meta or {}
    got = meta.get("targets")
    if isinstance(got, dict) and got:
        return {str(k): float(v) for k, v in got.items()}
    out: dict[str, float] = {}
    urg = run.inputs.get("urgency") or {}
    for c in _CLASSES:
        spec = urg.get(c)
        if isinstance(spec, dict):
            out[c] = float(spec.get("attainment", 0.9))
    return out


def _kpi(sim: SimResult, name: str, urgency: str = "all") -> pd.Series | None:
    k = sim.kpi_table
    row = k[(k["kpi"] == name) & (k["urgency"] == urgency) & (k["outlet"] == "all")]
    return None if row.empty else row.iloc[0]


def _mean(sim: SimResult | None, name: str, urgency: str = "all") -> float:
    if sim is None:
        return math.nan
    r = _kpi(sim, name, urgency)
    return math.nan if r is None else float(r["mean"])


def class_sla_frame(run: RunData) -> pd.DataFrame:
    """Per urgency class: target, simulated SLA with its interval (recommended
    and today), the queueing model's prediction, a verdict and the reason the
    prediction differs.

    ``verdict`` is ``"meets"`` when the interval's low end reaches the target,
    ``"misses"`` when its high end is below it, ``"in doubt"`` otherwise.
    """
    tg = targets(run)
    pred: dict[str, dict[Any, Any]] = {}
    if run.design is not None and "predicted" in run.design:
        pred = {
            str(r["urgency"]): r for r in run.design["predicted"].to_dict("records")
        }
    staffed: dict[str, float] = {}
    if run.staffing is not None:
        staffed = dict(
            zip(
                run.staffing.class_names,
                (float(x) for x in run.staffing.sla_by_class()),
                strict=True,
            )
        )
    rows = []
    for c in tg or dict.fromkeys(_CLASSES, math.nan):
        row: dict[str, Any] = {"urgency": c, "target": tg.get(c, math.nan)}
        for tag, sim in (("", run.simulation), ("today_", run.baseline)):
            r = _kpi(sim, "sla_attainment", c) if sim is not None else None
            row[f"{tag}sla"] = math.nan if r is None else float(r["mean"])
            row[f"{tag}ci_low"] = math.nan if r is None else float(r["ci_low"])
            row[f"{tag}ci_high"] = math.nan if r is None else float(r["ci_high"])
        p = pred.get(c, {})
        row["predicted"] = float(p.get("predicted", staffed.get(c, math.nan)))
        row["reason"] = str(p.get("reason") or "")
        t = row["target"]
        if math.isnan(row["sla"]) or math.isnan(t):
            row["verdict"] = ""
        elif row["ci_low"] >= t or (math.isnan(row["ci_low"]) and row["sla"] >= t):
            row["verdict"] = "meets"
        elif row["ci_high"] < t or (math.isnan(row["ci_high"]) and row["sla"] < t):
            row["verdict"] = "misses"
        else:
            row["verdict"] = "in doubt"
        rows.append(row)
    return pd.DataFrame(rows)


def _annual(sim: SimResult | None) -> CostBreakdown | None:
    return None if sim is None else sim.cost_breakdown().per_year()


def annual_cost_frame(run: RunData) -> pd.DataFrame:
    """Annual cost by the cost model's categories, recommended and today.

    One row per category (``category``, plain ``label``, ``recommended``,
    ``today``, ``change``) from the simulations' costs over their measured
    window scaled to 365 days; penalties are the last row, apart from the
    others (``is_penalty``). Empty when no simulation ran.
    """
    rec, today = _annual(run.simulation), _annual(run.baseline)
    if rec is None:
        return pd.DataFrame(
            columns=[
                "category",
                "label",
                "recommended",
                "today",
                "change",
                "is_penalty",
            ]
        )
    rows = []
    for c in CostCategory:
        a = rec[c.value]
        b = today[c.value] if today is not None else math.nan
        rows.append(
            {
                "category": c.value,
                "label": COST_LABELS.get(c.value, c.value),
                "recommended": a,
                "today": b,
                "change": a - b,
                "is_penalty": c is CostCategory.PENALTY,
            }
        )
    return pd.DataFrame(rows)


def _outlet_names(run: RunData) -> dict[str, str]:
    names: dict[str, str] = {}
    if run.demand is not None and "id" in run.demand:
        for i, n in zip(
            run.demand["id"].astype(str), run.demand["name"].astype(str), strict=True
        ):
            names.setdefault(i.split("~")[0], n)
    return names


def _outlet_lonlat(run: RunData) -> dict[str, tuple[float, float]]:
    out: dict[str, tuple[float, float]] = {}
    if run.demand is not None and "id" in run.demand:
        d = run.demand
        for i, lon, lat in zip(
            d["id"].astype(str),
            d["lon"].astype(float),
            d["lat"].astype(float),
            strict=True,
        ):
            out.setdefault(i.split("~")[0], (lon, lat))
    return out


def _busy(sim: SimResult | None) -> pd.Series:
    """Repair plus travel share of shift minutes per outlet id."""
    if sim is None:
        return pd.Series(dtype=float)
    k = sim.kpi_table
    sel = k["kpi"].isin(["utilization_repair", "utilization_travel"]) & (
        k["urgency"] == "all"
    )
    sel &= ~k["outlet"].isin(["all", "uncovered"])
    return k[sel].groupby("outlet")["mean"].sum()


def _sim_outlet_sla(sim: SimResult | None) -> pd.DataFrame:
    if sim is None:
        return pd.DataFrame(columns=["outlet", "urgency", "mean", "ci_low", "ci_high"])
    k = sim.kpi_table
    sel = (k["kpi"] == "sla_attainment") & ~k["outlet"].isin(["all", "uncovered"])
    return k[sel][["outlet", "urgency", "mean", "ci_low", "ci_high"]]


def _sim_tickets(sim: SimResult | None) -> pd.Series:
    if sim is None:
        return pd.Series(dtype=float)
    k = sim.kpi_table
    sel = (k["kpi"] == "tickets_created") & (k["urgency"] == "all")
    sel &= ~k["outlet"].isin(["all", "uncovered"])
    f = k[sel].set_index("outlet")["mean"]
    return f * 365.0 / max(sim.window_days, 1e-9)


def _flag(busy: float, sla_low_miss: bool, load: float, cap: float) -> str:
    if sla_low_miss or (math.isfinite(busy) and busy > OVERLOADED_BUSY):
        return "overloaded"
    if math.isfinite(busy):
        return "idle" if busy < IDLE_BUSY else ""
    if math.isfinite(cap) and cap > 0 and math.isfinite(load):
        if load > cap:
            return "overloaded"
        if load < IDLE_BUSY * cap:
            return "idle"
    return ""


def outlet_decision_frame(run: RunData) -> pd.DataFrame:
    """One row per outlet opened, kept or closed, with its load and technicians.

    Columns: ``outlet_id, name, status`` (``new``, ``kept``, ``closed``),
    ``lon, lat, tickets_per_year`` (siting load), ``technicians`` and one
    ``shift_<name>`` column per shift (with a staffing or design plan),
    ``busy`` (simulated repair + travel share of shift minutes), ``sla_<class>``
    (simulated), ``today_technicians``, ``today_busy`` and ``flag``
    (``overloaded``, ``idle`` or ``""``). Empty without a siting plan.
    """
    names = _outlet_names(run)
    where = _outlet_lonlat(run)
    cap = float((run.inputs.get("outlets") or {}).get("capacity_per_year") or math.nan)
    per_outlet = float(
        (run.inputs.get("workforce") or {}).get("technicians_per_outlet") or math.nan
    )
    tg = targets(run)
    if run.design is not None and len(run.design.get("outlets", [])):
        d = run.design["outlets"]
        base = pd.DataFrame(
            {
                "outlet_id": d["outlet_id"].astype(str),
                "name": d["name"].astype(str),
                "status": np.where(d["existing"].astype(bool), "kept", "new"),
                "lon": d["lon"].astype(float),
                "lat": d["lat"].astype(float),
                "tickets_per_year": d["tickets_per_year"].astype(float),
                "technicians": d["technicians"].astype(float),
            }
        )
        for c in d.columns:
            if str(c).startswith("shift_"):
                base[c] = d[c].to_numpy()
    elif run.sites is not None:
        s = run.sites
        ids = s["id"].astype(str) if "id" in s else s.index.astype(str)
        base = pd.DataFrame(
            {
                "outlet_id": ids.to_numpy(),
                "name": s.get("name", ids).astype(str).to_numpy(),
                "status": np.where(
                    s["existing"].astype(bool) if "existing" in s else False,
                    "kept",
                    "new",
                ),
                "lon": s["lon"].astype(float).to_numpy(),
                "lat": s["lat"].astype(float).to_numpy(),
                "tickets_per_year": (
                    s["tickets_per_year"].astype(float).to_numpy()
                    if "tickets_per_year" in s
                    else np.full(len(s), math.nan)
                ),
            }
        )
        if run.staffing is not None:
            tech = run.staffing.technicians
            by_id = dict(
                zip(
                    run.staffing.outlet_ids, tech.sum(axis=1).astype(float), strict=True
                )
            )
            base["technicians"] = base["outlet_id"].map(by_id).astype(float)
            for j, sh in enumerate(run.staffing.shifts):
                col = dict(zip(run.staffing.outlet_ids, tech[:, j], strict=True))
                base[f"shift_{sh.name}"] = base["outlet_id"].map(col)
        else:
            base["technicians"] = per_outlet
    else:
        return pd.DataFrame()
    # closed: today's outlets (the baseline's, else the plan's existing) not open
    closed_ids: list[str] = []
    if run.baseline is not None:
        k = run.baseline.kpi_table
        today_ids = sorted(set(k["outlet"].astype(str)) - {"all", "uncovered"})
        closed_ids = [i for i in today_ids if i not in set(base["outlet_id"])]
    elif run.plan is not None:
        gone = np.setdiff1d(np.asarray(run.plan.existing_idx), run.plan.open_idx)
        closed_ids = [f"candidate {int(i)}" for i in gone]
    if closed_ids:
        closed = pd.DataFrame(
            {
                "outlet_id": closed_ids,
                "name": [names.get(i, i) for i in closed_ids],
                "status": "closed",
                "lon": [where.get(i, (math.nan, math.nan))[0] for i in closed_ids],
                "lat": [where.get(i, (math.nan, math.nan))[1] for i in closed_ids],
                "tickets_per_year": 0.0,
                "technicians": 0.0,
            }
        )
        base = pd.concat([base, closed], ignore_index=True)
    busy = _busy(run.simulation)
    base["busy"] = base["outlet_id"].map(busy).astype(float)
    sla = _sim_outlet_sla(run.simulation)
    miss = pd.Series(False, index=base.index)
    for c in tg or _CLASSES:
        sc = sla[sla["urgency"] == c].set_index("outlet")
        base[f"sla_{c}"] = base["outlet_id"].map(sc["mean"]).astype(float)
        hi = base["outlet_id"].map(sc["ci_high"]).astype(float)
        if c in tg:
            miss |= hi < tg[c]
    if run.baseline is not None:
        k = run.baseline.kpi_table
        in_today = set(k["outlet"].astype(str)) - {"all", "uncovered"}
        base["today_technicians"] = np.where(
            base["outlet_id"].isin(in_today), per_outlet, 0.0
        )
        base["today_busy"] = base["outlet_id"].map(_busy(run.baseline)).astype(float)
        base["today_tickets_per_year"] = base["outlet_id"].map(
            _sim_tickets(run.baseline)
        )
    base["flag"] = [
        "" if st == "closed" else _flag(float(b), bool(m), float(t), cap)
        for st, b, m, t in zip(
            base["status"], base["busy"], miss, base["tickets_per_year"], strict=True
        )
    ]
    order = {"new": 0, "kept": 1, "closed": 2}
    return base.sort_values(
        ["status", "tickets_per_year"],
        key=lambda s: s.map(order) if s.name == "status" else -s,
        ignore_index=True,
    )


def _share(x: float) -> str:
    return "n/a" if not math.isfinite(x) else f"{100 * x:.1f} %"


def problems(run: RunData, outlets: pd.DataFrame | None = None) -> list[Problem]:
    """What a strategy team must look at: overloaded and idle outlets, demand
    left uncovered, SLA per class against its target, the backlog's trend."""
    out: list[Problem] = []
    f = outlet_decision_frame(run) if outlets is None else outlets
    open_ = f[f["status"] != "closed"] if len(f) else f
    if len(open_):
        over = open_[open_["flag"] == "overloaded"]
        idle = open_[open_["flag"] == "idle"]
        by = "busy" if open_["busy"].notna().any() else "tickets_per_year"

        def names(g: pd.DataFrame) -> str:
            top = g.sort_values(by, ascending=(g is idle)).head(5)
            return ", ".join(str(n) for n in top["name"]) + (
                ", ..." if len(g) > 5 else ""
            )

        rule = (
            f"busy above {OVERLOADED_BUSY:.0%} of shift time or an SLA interval "
            "below target"
            if by == "busy"
            else "siting load above the outlet capacity"
        )
        out.append(
            Problem(
                "overloaded",
                "bad" if len(over) else "ok",
                f"{len(over)} of {len(open_)} outlets overloaded ({rule})"
                + (f": {names(over)}" if len(over) else ""),
            )
        )
        out.append(
            Problem(
                "idle",
                "warn" if len(idle) else "ok",
                f"{len(idle)} of {len(open_)} outlets idle (busy below "
                f"{IDLE_BUSY:.0%})" + (f": {names(idle)}" if len(idle) else ""),
            )
        )
    if run.plan is not None:
        w = np.asarray(run.plan.weights, dtype=float)
        cov = np.asarray(run.plan.covered, dtype=bool)
        unc = float(w[~cov].sum())
        share = unc / max(float(w.sum()), 1e-12)
        radius = run.plan.radius
        within = f" within {radius:g} min" if radius is not None else ""
        out.append(
            Problem(
                "uncovered",
                "bad" if share > 0.05 else ("warn" if unc > 0 else "ok"),
                f"{unc:,.0f} tickets a year ({_share(share)}) from demand no open "
                f"outlet covers{within} ({int((~cov).sum()):,} demand points)",
            )
        )
    sim = run.simulation
    if sim is not None:
        far = _mean(sim, "tickets_beyond_reach")
        made = _mean(sim, "tickets_created")
        if math.isfinite(far) and far > 0:
            out.append(
                Problem(
                    "beyond_reach",
                    "warn",
                    f"{far:,.0f} simulated tickets ({_share(far / max(made, 1))}) "
                    "came from beyond every outlet's reach and went to partners",
                )
            )
    fail = (run.design or {}).get("failing")
    if fail is not None and len(fail):
        name = dict(zip(f["outlet_id"], f["name"], strict=True)) if len(f) else {}
        items = [
            f"{name.get(str(r['outlet_id']), r['outlet_id'])} ({r['class']}"
            + (
                f": {r['reason']}"
                if isinstance(r.get("reason"), str) and r["reason"]
                else ""
            )
            + ")"
            for r in fail.head(5).to_dict("records")
        ]
        out.append(
            Problem(
                "failing",
                "bad",
                f"{len(fail)} outlet and class pairs still below target after the "
                f"design loop: {'; '.join(items)}" + ("; ..." if len(fail) > 5 else ""),
            )
        )
    for r in class_sla_frame(run).to_dict("records"):
        if not math.isfinite(r["sla"]):
            continue
        sev = {"meets": "ok", "misses": "bad"}.get(str(r["verdict"]), "warn")
        ci = (
            f" [{r['ci_low']:.3f}, {r['ci_high']:.3f}]"
            if math.isfinite(r["ci_low"])
            else ""
        )
        out.append(
            Problem(
                f"sla_{r['urgency']}",
                sev,
                f"SLA {r['urgency']}: {r['sla']:.3f}{ci} against a target of "
                f"{r['target']:.2f}: {r['verdict']}",
            )
        )
    if sim is not None:
        g = _kpi(sim, "backlog_growth_per_day")
        flagged = _mean(sim, "backlog_growing")
        if g is not None:
            grows = math.isfinite(flagged) and flagged > 0
            out.append(
                Problem(
                    "backlog",
                    "bad" if grows else "ok",
                    (
                        f"backlog grows: {float(g['mean']):+,.1f} open tickets a day "
                        f"[{float(g['ci_low']):+,.1f}, {float(g['ci_high']):+,.1f}], "
                        f"flagged as growing in {_share(flagged)} of the replications"
                    )
                    if grows
                    else (
                        f"backlog stable: {float(g['mean']):+,.1f} open tickets a day "
                        f"[{float(g['ci_low']):+,.1f}, {float(g['ci_high']):+,.1f}] "
                        "over the window; in no replication did it more than double "
                        "and grow by more than a day's tickets"
                    ),
                )
            )
    return out


def _tech_text(f: pd.DataFrame) -> str:
    open_ = f[f["status"] != "closed"]
    tot = float(open_["technicians"].sum())
    if not math.isfinite(tot):
        return "n/a"
    shifts = [c for c in f.columns if str(c).startswith("shift_")]
    parts = [
        f"{c[6:]} {int(open_[c].sum()):,}" for c in shifts if open_[c].fillna(0).sum()
    ]
    return f"{int(tot):,}" + (f" ({', '.join(parts)})" if parts else "")


def recommendation_frame(
    run: RunData, outlets: pd.DataFrame | None = None
) -> pd.DataFrame:
    """The recommendation against today's network, one row per measure.

    Columns ``measure, recommended, today, change`` as display text (numbers
    formatted with their units and the scenario's currency).
    """
    f = outlet_decision_frame(run) if outlets is None else outlets
    cur = f" {run.currency}" if run.currency else ""
    per_outlet = (run.inputs.get("workforce") or {}).get("technicians_per_outlet")
    rows: list[dict[str, str]] = []

    def add(measure: str, rec: str, today: str = "", change: str = "") -> None:
        rows.append(
            {"measure": measure, "recommended": rec, "today": today, "change": change}
        )

    if len(f):
        n = {s: int((f["status"] == s).sum()) for s in ("new", "kept", "closed")}
        n_today = n["kept"] + n["closed"]
        add(
            "outlets",
            f"{n['new'] + n['kept']:,} ({n['new']} new, {n['kept']} kept, "
            f"{n['closed']} closed)",
            f"{n_today:,}" if run.baseline is not None or run.plan is not None else "",
            f"{n['new'] - n['closed']:+,}",
        )
        today_tech = ""
        if "today_technicians" in f:
            t = float(f["today_technicians"].sum())
            today_tech = f"{int(t):,}" + (
                f" ({per_outlet} per outlet)" if per_outlet else ""
            )
        rec_tech = float(f[f["status"] != "closed"]["technicians"].sum())
        change = (
            f"{rec_tech - float(f['today_technicians'].sum()):+,.0f}"
            if "today_technicians" in f and math.isfinite(rec_tech)
            else ""
        )
        add("technicians", _tech_text(f), today_tech, change)
    k = run.kpis.set_index("kpi")["mean"] if len(run.kpis) else pd.Series(dtype=float)
    if "inventory_on_hand_value" in k:
        add(
            "stock on hand",
            f"{float(k['inventory_on_hand_value']):,.0f}{cur}"
            + (
                f" ({float(k['inventory_on_hand_units']):,.0f} units)"
                if "inventory_on_hand_units" in k
                else ""
            ),
        )
    rec, today = _annual(run.simulation), _annual(run.baseline)
    if rec is not None:
        a = rec.total_excluding_penalties
        b = today.total_excluding_penalties if today is not None else math.nan
        add(
            "annual cost",
            f"{a:,.0f}{cur}",
            f"{b:,.0f}{cur}" if math.isfinite(b) else "",
            f"{(a - b) / b:+.1%}" if math.isfinite(b) and b else "",
        )
        pa, pb = rec["penalty"], today["penalty"] if today is not None else math.nan
        add(
            "SLA penalties",
            f"{pa:,.0f}{cur}",
            f"{pb:,.0f}{cur}" if math.isfinite(pb) else "",
            f"{(pa - pb) / pb:+.1%}" if math.isfinite(pb) and pb else "",
        )
        ca = _mean(run.simulation, "cost_per_ticket")
        cb = _mean(run.baseline, "cost_per_ticket")
        add(
            "cost per ticket",
            f"{ca:,.1f}{cur}",
            f"{cb:,.1f}{cur}" if math.isfinite(cb) else "",
            f"{ca - cb:+,.1f}{cur}" if math.isfinite(cb) else "",
        )
    for r in class_sla_frame(run).to_dict("records"):
        if not math.isfinite(r["sla"]):
            continue

        def sla(m: float, lo: float, hi: float) -> str:
            if not math.isfinite(m):
                return ""
            ci = f" [{lo:.3f}, {hi:.3f}]" if math.isfinite(lo) else ""
            return f"{m:.3f}{ci}"

        add(
            f"SLA {r['urgency']} (target {r['target']:.0%})",
            sla(r["sla"], r["ci_low"], r["ci_high"]) + f" {r['verdict']}",
            sla(r["today_sla"], r["today_ci_low"], r["today_ci_high"]),
            f"{r['sla'] - r['today_sla']:+.3f}"
            if math.isfinite(r["today_sla"])
            else "",
        )
    for tag, name in (("", "backlog_growth_per_day"),):
        a = _mean(run.simulation, name)
        b = _mean(run.baseline, name)
        if math.isfinite(a):
            add(
                "backlog change a day" + tag,
                f"{a:+,.1f} tickets",
                f"{b:+,.1f} tickets" if math.isfinite(b) else "",
            )
    return pd.DataFrame(rows, columns=["measure", "recommended", "today", "change"])
