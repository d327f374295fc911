"""HTML sections of the run report built on the decision views.

Each function takes a :class:`~planner.report.run.RunData` (and what it
needs computed once) and returns an HTML fragment; :mod:`planner.report.html`
puts them in order. The first section (:func:`decision_section`) is what a
strategy team reads on the first screen: the recommendation against today's
network, the SLA chart and the problems.
"""

from __future__ import annotations

import html
import math
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from planner.report.decision import (
    IDLE_BUSY,
    OVERLOADED_BUSY,
    Problem,
    annual_cost_frame,
    class_sla_frame,
    problems,
    recommendation_frame,
    targets,
)
from planner.report.kpi_names import GROUPS, display_unit, kpi_label
from planner.report.leaflet import MapLayer
from planner.report.plots import (
    figure_svg,
    plot_annual_cost,
    plot_backlog,
    plot_iterations,
    plot_sla_by_class,
)
from planner.report.regions import countries, provinces
from planner.report.run import RunData

__all__ = [
    "cost_section",
    "decision_section",
    "design_section",
    "kpi_table",
    "load_color",
    "load_map_layers",
    "outlets_section",
    "timeline_section",
]

_ICON = {"bad": "&#9888;", "warn": "&#9888;", "ok": "&#10003;"}


def _e(x: Any) -> str:
    return html.escape(str(x))


def _rows(frame: pd.DataFrame, cols: list[str], *, num: set[str]) -> str:
    out = []
    for r in frame.to_dict("records"):
        cells = []
        for c in cols:
            v = r.get(c, "")
            cls = ' class="num"' if c in num else ""
            cells.append(f"<td{cls}>{_e(v)}</td>")
        out.append("<tr>" + "".join(cells) + "</tr>")
    return "".join(out)


def _table(
    frame: pd.DataFrame, header: dict[str, str], table_id: str, num: set[str]
) -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in header.values())
    return (
        f'<table id="{_e(table_id)}"><thead><tr>{head}</tr></thead><tbody>'
        + _rows(frame, list(header), num=num)
        + "</tbody></table>"
    )


def _verdict(run: RunData) -> tuple[str, str]:
    meta = run.design_meta
    if meta is not None:
        if meta.get("holds"):
            return "ok", (
                "The design holds: every urgency class meets its SLA target with "
                "95 % confidence and no replication's backlog grows."
            )
        return "bad", (
            "The design does NOT hold yet: see the problems below and the outlets "
            "that still fail."
        )
    if run.simulation is not None:
        return "warn", (
            "No design stage: the plan's network and crew as configured, simulated. "
            "Run the design stage for a recommendation sized to the SLA targets."
        )
    return "warn", (
        "No simulation ran: the figures are the plans' own, untested against "
        "simulated tickets."
    )


def _problem_list(items: list[Problem]) -> str:
    lis = "".join(
        f'<li class="{_e(p.severity)}" data-kind="{_e(p.kind)}">'
        f'<span class="icon">{_ICON.get(p.severity, "")}</span> {_e(p.text)}</li>'
        for p in items
    )
    return f'<ul id="problems" class="problems">{lis}</ul>'


def decision_section(run: RunData, outlets: pd.DataFrame) -> str:
    """The first screen: verdict, recommendation against today, SLA chart, problems."""
    sev, verdict = _verdict(run)
    rec = recommendation_frame(run, outlets)
    sla = class_sla_frame(run)
    today = "today (same tickets)" if run.baseline is not None else "today"
    rec_html = (
        _table(
            rec,
            {
                "measure": "",
                "recommended": "recommended" if run.design is not None else "this run",
                "today": today,
                "change": "change",
            },
            "recommendation-table",
            num={"recommended", "today", "change"},
        )
        + '<p class="note">Annual cost: every category of the cost model but SLA '
        "penalties, shown apart; simulated over the measured window and scaled to "
        "a year. SLA: share of the class's tickets visited within its target, "
        "95 % interval in brackets.</p>"
        if len(rec)
        else '<p class="note">Nothing to recommend yet: run the siting stage '
        "(and the simulation, or the design stage) for a network to judge.</p>"
    )
    parts = [
        '<section id="decision">',
        "<h2>Recommendation</h2>",
        f'<p id="verdict" class="verdict {sev}">{_e(verdict)}</p>',
        '<div class="decision">',
        "<div>",
        rec_html,
        "</div>",
        "<div>",
    ]
    if len(sla) and np.isfinite(sla["sla"].to_numpy(dtype=float)).any():
        parts.append(
            f'<figure id="sla-chart">{figure_svg(plot_sla_by_class(sla))}'
            "<figcaption>SLA per class: simulated with its 95 % interval, the "
            "queueing model's prediction and the target</figcaption></figure>"
        )
    parts.append("<h3>Problems</h3>")
    parts.append(_problem_list(problems(run, outlets)))
    parts.append("</div></div>")
    parts.append("</section>")
    return "\n".join(parts)


def sla_section(run: RunData) -> str:
    """Per class: predicted next to simulated, with the reason where they differ."""
    sla = class_sla_frame(run)
    if not len(sla) or not np.isfinite(sla["sla"].to_numpy(dtype=float)).any():
        return ""

    def ci(m: float, lo: float, hi: float) -> str:
        if not math.isfinite(m):
            return ""
        return f"{m:.3f}" + (f" [{lo:.3f}, {hi:.3f}]" if math.isfinite(lo) else "")

    f = pd.DataFrame(
        {
            "urgency": sla["urgency"],
            "target": [f"{t:.2f}" for t in sla["target"]],
            "predicted": [
                f"{p:.3f}" if math.isfinite(p) else "" for p in sla["predicted"]
            ],
            "simulated": [
                ci(m, lo, hi)
                for m, lo, hi in zip(
                    sla["sla"], sla["ci_low"], sla["ci_high"], strict=True
                )
            ],
            "verdict": sla["verdict"],
            "today": [
                ci(m, lo, hi)
                for m, lo, hi in zip(
                    sla["today_sla"],
                    sla["today_ci_low"],
                    sla["today_ci_high"],
                    strict=True,
                )
            ],
            "reason": sla["reason"],
        }
    )
    return (
        "<h2>SLA per class: queueing model against simulation</h2>"
        '<p class="note">Share of each class\'s tickets visited within its target, '
        "simulated with common random numbers (95 % t interval over replications); "
        "the reason is given where the model's prediction lies outside the "
        "interval.</p>"
        + _table(
            f,
            {
                "urgency": "class",
                "target": "target",
                "predicted": "queueing model",
                "simulated": "simulated [95 % CI]",
                "verdict": "",
                "today": "today [95 % CI]",
                "reason": "why they differ",
            },
            "sla-table",
            num={"target", "predicted", "simulated", "today"},
        )
    )


def cost_section(run: RunData) -> str:
    """Annual cost by category in the scenario's currency: chart and table."""
    cost = annual_cost_frame(run)
    if cost.empty:
        return ""
    cur = run.currency
    has_today = bool(np.isfinite(cost["today"].to_numpy(dtype=float)).any())
    main = cost[~cost["is_penalty"]]
    pen = cost[cost["is_penalty"]]

    def money(x: float) -> str:
        return f"{x:,.0f}" if math.isfinite(x) else ""

    rows = []
    for r in main.to_dict("records"):
        if not (r["recommended"] or (has_today and r["today"])):
            continue
        rows.append([r["label"], r["recommended"], r["today"], r["change"]])
    tot_a = float(main["recommended"].sum())
    tot_b = float(main["today"].sum()) if has_today else math.nan
    body = []
    for label, a, b, c in rows:
        body.append(
            f'<tr><td>{_e(label)}</td><td class="num">{money(a)}</td>'
            + (
                f'<td class="num">{money(b)}</td><td class="num">{money(c)}</td>'
                if has_today
                else ""
            )
            + "</tr>"
        )
    body.append(
        f'<tr class="total"><td>total, penalties apart</td><td class="num">{money(tot_a)}</td>'
        + (
            f'<td class="num">{money(tot_b)}</td><td class="num">{money(tot_a - tot_b)}</td>'
            if has_today
            else ""
        )
        + "</tr>"
    )
    for r in pen.to_dict("records"):
        body.append(
            f'<tr class="penalty"><td>{_e(r["label"])} (apart)</td>'
            f'<td class="num">{money(r["recommended"])}</td>'
            + (
                f'<td class="num">{money(r["today"])}</td>'
                f'<td class="num">{money(r["change"])}</td>'
                if has_today
                else ""
            )
            + "</tr>"
        )
    head = f"<th>category</th><th>recommended ({_e(cur or 'money')}/year)</th>"
    if has_today:
        head += f"<th>today ({_e(cur or 'money')}/year)</th><th>change</th>"
    table = (
        f'<table id="cost-table"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table>"
    )
    fig = figure_svg(plot_annual_cost(cost, currency=cur))
    return (
        f"<h2>Annual cost by category ({_e(cur or 'money')})</h2>"
        '<p class="note">The simulation\'s costs over its measured window, scaled '
        "to 365 days; SLA penalties are shown apart and are not in the total.</p>"
        f'<div class="decision"><div>{table}</div>'
        f'<figure id="cost-chart">{fig}<figcaption>Annual cost by category'
        "</figcaption></figure></div>"
    )


def _fmt_int(x: Any) -> str:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return str(x)
    return "" if not math.isfinite(v) else f"{v:,.0f}"


def _fmt_share(x: Any) -> str:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return ""
    return "" if not math.isfinite(v) else f"{100 * v:.0f} %"


def outlets_section(run: RunData, outlets: pd.DataFrame) -> str:
    """Outlets opened, kept and closed with their load and technicians."""
    if outlets.empty:
        return ""
    shifts = [c for c in outlets.columns if str(c).startswith("shift_")]
    classes = [c for c in outlets.columns if str(c).startswith("sla_")]
    cols: dict[str, str] = {
        "name": "outlet",
        "status": "status",
        "tickets_per_year": "tickets a year",
        "technicians": "technicians",
    }
    cols.update({c: str(c)[6:] for c in shifts})
    if "today_technicians" in outlets:
        cols["today_technicians"] = "technicians today"
    cols["busy"] = "busy"
    if "today_busy" in outlets:
        cols["today_busy"] = "busy today"
    cols.update({c: f"SLA {str(c)[4:]}" for c in classes})
    cols["flag"] = ""
    show = outlets.copy()
    for c in ("tickets_per_year", "technicians", "today_technicians", *shifts):
        if c in show:
            show[c] = show[c].map(_fmt_int)
    for c in ("busy", "today_busy", *classes):
        if c in show:
            show[c] = show[c].map(_fmt_share)
    n = {s: int((outlets["status"] == s).sum()) for s in ("new", "kept", "closed")}
    head = "".join(f"<th>{_e(h)}</th>" for h in cols.values())
    body = []
    num = {"tickets_per_year", "technicians", "today_technicians", "busy", "today_busy"}
    num |= set(shifts) | set(classes)
    for r in show.to_dict("records"):
        cells = "".join(
            f'<td class="num">{_e(r.get(c, ""))}</td>'
            if c in num
            else f"<td>{_e(r.get(c, ''))}</td>"
            for c in cols
        )
        body.append(
            f'<tr class="{_e(r["status"])} {_e(r["flag"])}" '
            f'data-outlet="{_e(r["outlet_id"])}">{cells}</tr>'
        )
    return (
        f"<h2>Outlets: {n['new']} opened, {n['kept']} kept, {n['closed']} closed</h2>"
        '<p class="note">Tickets a year: the siting load. Busy: simulated repair and '
        f"travel share of shift time (overloaded above {OVERLOADED_BUSY:.0%} or "
        f"where a class's SLA interval lies below its target, idle below "
        f"{IDLE_BUSY:.0%}). Technicians per shift where the crew is sized by "
        "shift.</p>"
        f'<div class="scroll"><table id="outlets-table"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div>"
    )


def timeline_section(run: RunData) -> str:
    """Backlog and utilization over the simulated days, recommended and today."""
    series: dict[str, pd.DataFrame] = {}
    if run.simulation is not None and not run.simulation.timeseries.empty:
        series["recommended"] = run.simulation.timeseries
    if run.baseline is not None and not run.baseline.timeseries.empty:
        series["today"] = run.baseline.timeseries
    if not series:
        return ""
    warm = None
    if run.simulation is not None:
        warm = float(run.simulation.params.get("warmup_days", 0.0))
    fig = figure_svg(plot_backlog(series, warmup_days=warm))
    return (
        "<h2>Backlog and utilization over time</h2>"
        f'<figure id="backlog-chart">{fig}<figcaption>Open tickets and utilization '
        "at the end of each simulated day: mean over the replications, band from "
        "the lowest to the highest (daily SLA where the simulation's time series "
        "carries it; the window's SLA per class is in the tables above)"
        "</figcaption></figure>"
    )


def load_color(busy: float, status: str = "") -> str:
    """The map colour of an outlet's load: grey closed or unknown, blue idle,
    green to orange as busy grows, red overloaded.

    >>> load_color(0.95), load_color(0.1), load_color(float("nan"))
    ('#d62728', '#6baed6', '#8c8c8c')
    """
    if status == "closed" or not math.isfinite(busy):
        return "#8c8c8c"
    if busy > OVERLOADED_BUSY:
        return "#d62728"
    if busy < IDLE_BUSY:
        return "#6baed6"
    if busy < 0.6:
        return "#31a354"
    if busy < 0.75:
        return "#addd8e"
    return "#fd8d3c"


def _load_share(outlets: pd.DataFrame, cap: float) -> pd.Series:
    """Busy share where simulated, else siting load over capacity."""
    busy = outlets["busy"].astype(float)
    if busy.notna().any() or not (math.isfinite(cap) and cap > 0):
        return busy
    return outlets["tickets_per_year"].astype(float) / cap


def load_map_layers(
    run: RunData, frames: dict[str, gpd.GeoDataFrame], outlets: pd.DataFrame
) -> list[MapLayer]:
    """Map overlays coloured by load: country outlines, approximate provinces,
    service areas and outlets coloured by their busy share, closed outlets
    grey, uncovered demand purple (red is for overloaded outlets).
    """
    cap = float((run.inputs.get("outlets") or {}).get("capacity_per_year") or math.nan)
    share = _load_share(outlets, cap)
    o = outlets.assign(load=share)
    o["color"] = [
        load_color(float(b), str(s))
        for b, s in zip(o["load"], o["status"], strict=True)
    ]
    o["load_pct"] = [_fmt_share(x) for x in o["load"]]
    by_id = o.set_index("outlet_id")
    areas = frames["areas"].copy()
    ids = areas["site_id"].astype(str)
    areas["color"] = ids.map(by_id["color"]).fillna("#8c8c8c")
    areas["load_pct"] = ids.map(by_id["load_pct"]).fillna("")
    areas["technicians"] = ids.map(by_id["technicians"].map(_fmt_int)).fillna("")
    pts = o[np.isfinite(o["lon"].astype(float)) & np.isfinite(o["lat"].astype(float))]
    pts_g = gpd.GeoDataFrame(
        pts.assign(technicians=pts["technicians"].map(_fmt_int)),
        geometry=gpd.points_from_xy(pts["lon"], pts["lat"]),
        crs="EPSG:4326",
    )
    dem = frames["demand"].copy()
    w = dem["tickets_per_year"].to_numpy(dtype=float)
    scale = np.sqrt(w / max(float(np.percentile(w, 95)) if len(w) else 1.0, 1e-12))
    dem["r"] = np.clip(2.0 + 6.0 * scale, 2.0, 10.0)
    b = dem.total_bounds
    bounds = (float(b[0]), float(b[1]), float(b[2]), float(b[3]))
    world = countries(bounds)
    region = run.inputs.get("region") or {}
    prov = (
        provinces(str(region.get("country", "")), bounds)
        if region.get("kind") == "gazetteer"
        else None
    )
    tip_o = {
        "name": "outlet",
        "status": "status",
        "technicians": "technicians",
        "load_pct": "busy",
        "tickets_per_year": "tickets/year",
    }
    layers = [
        MapLayer(
            "Country outlines",
            world,
            color="#555555",
            tooltip={"name": "country"},
            fill_opacity=0.04,
            weight=1.0,
        ),
        *(
            [
                MapLayer(
                    "Provinces (approximate)",
                    prov,
                    color="#999999",
                    tooltip={"name": "province", "admin1": "GeoNames admin-1"},
                    fill_opacity=0.0,
                    weight=1.2,
                )
            ]
            if prov is not None and len(prov)
            else []
        ),
        MapLayer(
            "Service areas by load",
            areas,
            color="#6a51a3",
            color_field="color",
            tooltip={
                "name": "outlet",
                "load_pct": "busy",
                "technicians": "technicians",
                "tickets_per_year": "tickets/year",
            },
            fill_opacity=0.35,
            weight=0.8,
        ),
        MapLayer(
            "Uncovered demand",
            dem[~dem["covered"]],
            color="#7b3294",
            tooltip={
                "name": "town",
                "tickets_per_year": "tickets/year",
                "outlet": "outlet",
            },
            radius="r",
            fill_opacity=0.7,
            weight=0.5,
        ),
    ]
    for label, st, radius, stroke, weight in (
        ("Closed outlets", "closed", 4.0, "#8c8c8c", 0.8),
        ("Kept outlets", "kept", 6.0, "#1f3b73", 1.2),
        ("New outlets", "new", 6.5, "#000000", 2.5),
    ):
        sub = pts_g[pts_g["status"] == st]
        layers.append(
            MapLayer(
                label,
                sub,
                color=stroke,
                color_field="color",
                keep_stroke=True,
                tooltip=tip_o,
                radius=radius,
                fill_opacity=0.95 if st != "closed" else 0.3,
                weight=weight,
            )
        )
    return layers


def map_legend() -> str:
    """The colour key of :func:`load_color`."""
    keys = [
        (load_color(0.1), f"idle (busy below {IDLE_BUSY:.0%})"),
        (load_color(0.5), "30-60 %"),
        (load_color(0.7), "60-75 %"),
        (load_color(0.8), f"75-{OVERLOADED_BUSY:.0%}"),
        (load_color(0.95), f"overloaded (above {OVERLOADED_BUSY:.0%})"),
        (load_color(math.nan), "closed or not simulated"),
        ("#7b3294", "demand beyond the radius (sized by tickets)"),
    ]
    items = "".join(
        f'<span><span class="swatch" style="background:{c}"></span>{_e(t)}</span>'
        for c, t in keys
    )
    return f'<p class="legend" id="map-legend">{items}</p>'


def design_section(run: RunData) -> str:
    """The design loop: its iterations and the candidate networks' frontier."""
    if run.design is None:
        return ""
    it = run.design.get("iterations", pd.DataFrame())
    fr = run.design.get("frontier", pd.DataFrame())
    fail = run.design.get("failing", pd.DataFrame())
    cur = run.currency or "money"
    parts = ["<h2>How the design got there</h2>"]
    if len(it):
        classes = [
            c[4:] for c in it.columns if c.startswith("sla_") and c.count("_") == 1
        ]
        cols = [
            "iteration",
            "action",
            "network",
            "outlets",
            "technicians",
            "cost_per_year",
        ]
        f = it.copy()
        f["cost_per_year"] = f["cost_per_year"].map(_fmt_int)
        for c in classes:
            f[f"sla_{c}"] = [
                f"{m:.3f} [{lo:.3f}, {hi:.3f}]"
                for m, lo, hi in zip(
                    f[f"sla_{c}"], f[f"sla_{c}_low"], f[f"sla_{c}_high"], strict=True
                )
            ]
        header = {c: c.replace("_", " ") for c in cols}
        header["cost_per_year"] = f"cost ({cur}/year)"
        header.update({f"sla_{c}": f"SLA {c}" for c in classes})
        parts.append(
            _table(
                f,
                header,
                "iterations-table",
                num={"outlets", "technicians", "cost_per_year"},
            )
        )
        tg = targets(run)
        if tg:
            fig = plot_iterations(it, tg, currency=run.currency)
            parts.append(
                f'<figure id="iterations-chart">{figure_svg(fig)}<figcaption>The '
                "design loop: simulated SLA per class (95 % interval) and annual "
                "cost at each iteration</figcaption></figure>"
            )
    if len(fr):
        from planner.report.tradeoff import plot_tradeoff

        cls = "urgent" if "predicted_urgent" in fr else None
        if cls is not None:
            y = fr[f"sla_{cls}"].where(fr[f"sla_{cls}"].notna(), fr[f"predicted_{cls}"])
            lo = fr[f"sla_{cls}_low"].where(fr[f"sla_{cls}_low"].notna(), y)
            hi = fr[f"sla_{cls}_high"].where(fr[f"sla_{cls}_high"].notna(), y)
            from planner.report.tradeoff import pareto_front

            frame = pd.DataFrame(
                {
                    "variant_id": fr["network"].astype(str),
                    "variant": fr["network"].astype(str),
                    "x": fr["cost_per_year"].astype(float),
                    "x_low": fr["cost_per_year"].astype(float),
                    "x_high": fr["cost_per_year"].astype(float),
                    "y": y.astype(float),
                    "y_low": lo.astype(float),
                    "y_high": hi.astype(float),
                }
            )
            frame["efficient"] = pareto_front(
                frame[["x", "y"]].to_numpy(), ["min", "max"]
            )
            fig = plot_tradeoff(
                frame.sort_values("x", ignore_index=True),
                x_label=f"annual cost ({cur}, penalties apart)",
                y_label=f"SLA {cls} (simulated where simulated, else predicted)",
            )
            t = targets(run).get(cls)
            if t is not None:
                fig.axes[0].axhline(t, color="#d62728", ls=":", lw=1)
            parts.append(
                f'<figure id="frontier-chart">{figure_svg(fig)}<figcaption>Cost against '
                f"{cls} SLA of the candidate networks</figcaption></figure>"
            )
        f = fr.copy()
        f["cost_per_year"] = f["cost_per_year"].map(_fmt_int)
        f["chosen"] = f["chosen"].map(lambda b: "chosen" if b else "")
        pcols = [c for c in fr.columns if c.startswith("predicted_")]
        for c in pcols:
            f[c] = f[c].map(lambda v: f"{v:.3f}" if math.isfinite(float(v)) else "")
        header = {
            "network": "network",
            "outlets": "outlets",
            "technicians": "technicians",
            "cost_per_year": f"cost ({cur}/year)",
            **{c: "predicted " + c[10:] for c in pcols},
            "chosen": "",
        }
        parts.append(
            _table(
                f,
                header,
                "frontier-table",
                num={"outlets", "technicians", "cost_per_year", *pcols},
            )
        )
    if len(fail):
        parts.append("<h3>Outlets that still fail</h3>")
        f = fail.copy()
        for c in ("sla", "ci_low", "ci_high", "target", "predicted", "utilization"):
            if c in f:
                f[c] = f[c].map(lambda v: f"{float(v):.3f}")
        parts.append(
            _table(
                f,
                {c: c.replace("_", " ") for c in f.columns},
                "failing-table",
                num={"sla", "ci_low", "ci_high", "tickets", "target", "predicted"},
            )
        )
    return "\n".join(parts)


def kpi_table(kpis: pd.DataFrame, *, currency: str = "") -> str:
    """The KPI table grouped, with plain names and units (``id="kpi-table"``).

    Each row carries the KPI's name in ``data-kpi``; shares show in per cent.
    """
    rows: dict[str, list[str]] = {g: [] for g in GROUPS}
    for r in kpis.to_dict("records"):
        name = str(r["kpi"])
        group, label, doc = kpi_label(name)
        unit = str(r["unit"])
        scale = 100.0 if unit == "share" else 1.0
        mean, lo, hi = (float(r[c]) * scale for c in ("mean", "ci_low", "ci_high"))

        def f(x: float) -> str:
            if math.isnan(x):
                return "n/a"
            if abs(x) >= 1000:
                return f"{x:,.0f}"
            return f"{x:.4g}"

        if math.isnan(mean):
            ci = ""
        elif lo == hi == mean:
            ci = "exact"
        else:
            ci = f"{f(lo)} to {f(hi)}"
        title = f' title="{_e(doc)}"' if doc else ""
        rows.setdefault(group, []).append(
            f'<tr data-kpi="{_e(name)}"><td{title}>{_e(label)}</td>'
            f'<td class="num">{_e(f(mean))}</td><td class="num">{_e(ci)}</td>'
            f'<td class="num">{int(r["n_reps"])}</td>'
            f"<td>{_e(display_unit(unit, currency))}</td></tr>"
        )
    body = []
    for g, rs in rows.items():
        if rs:
            body.append(f'<tr class="group"><th colspan="5">{_e(g)}</th></tr>')
            body.extend(rs)
    head = "".join(
        f"<th>{h}</th>"
        for h in ("KPI", "value", "95 % interval", "replications", "unit")
    )
    return (
        f'<table id="kpi-table"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table>"
    )
