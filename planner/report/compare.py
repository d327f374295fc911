"""The comparison report of several run folders, on the simulated KPIs.

``planner report RUN_A RUN_B ...`` writes one HTML page: the headline KPIs of
each run with their 95 % intervals, each run's difference from the first with
a Welch interval and whether it is significant
(:func:`planner.scenario.compare_kpis`), annual cost by category, and the
cost-vs-SLA frontier of the runs. Runs of one scenario family share random
numbers (common random numbers), so their differences are not noise.
"""

from __future__ import annotations

import html
import math
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from planner.core.atomic import atomic_path
from planner.core.errors import InputError
from planner.report.decision import annual_cost_frame
from planner.report.html import _CSS
from planner.report.kpi_names import display_unit, kpi_label
from planner.report.plots import figure_svg, plot_comparison
from planner.report.run import RunData, read_run
from planner.report.tradeoff import cost_service_frame, plot_tradeoff
from planner.scenario.compare import compare_kpis

__all__ = ["COMPARE_KPIS", "compare_frame", "write_compare_report"]

#: The KPIs compared, in order, where the runs have them.
COMPARE_KPIS = (
    "sim_cost_per_ticket",
    "sim_sla_attainment",
    "sim_sla_attainment_urgent",
    "sim_sla_attainment_important",
    "sim_sla_attainment_general",
    "sim_response_time_mean_h",
    "sim_response_time_mean_h_urgent",
    "sim_backlog_growth_per_day",
    "sim_backlog_growing",
    "sim_utilization_repair",
    "sim_utilization_travel",
    "sim_first_time_fix_rate",
    "sim_complaint_rate",
    "sim_parts_fill_rate",
    "design_cost_per_year",
    "design_technicians",
    "staffing_technicians",
    "technicians",
    "siting_open_outlets",
    "siting_coverage_share",
    "siting_mean_travel_min",
)


def _at(frame: pd.DataFrame, row: Any, col: str) -> float:
    v: Any = frame.at[row, col]
    return float(v)


def _label(run: RunData) -> str:
    return f"{run.manifest.get('scenario', run.folder.parent.name)}/{run.folder.name}"


def compare_frame(runs: Sequence[RunData]) -> pd.DataFrame:
    """Long table: one row per run and compared KPI with its interval and its
    difference from the first run (``diff, diff_low, diff_high, significant``).
    """
    if not runs:
        raise InputError(field="runs", expected="at least one run folder", got=0)
    base = runs[0].kpis
    rows = []
    for i, run in enumerate(runs):
        k = run.kpis[run.kpis["kpi"].isin(COMPARE_KPIS)]
        d = (
            compare_kpis(base, run.kpis).set_index("kpi")
            if i
            else pd.DataFrame(columns=["diff", "ci_low", "ci_high", "significant"])
        )
        for r in k.to_dict("records"):
            name = str(r["kpi"])
            has = i > 0 and name in d.index
            rows.append(
                {
                    "run": _label(run),
                    "order": i,
                    "kpi": name,
                    "mean": float(r["mean"]),
                    "ci_low": float(r["ci_low"]),
                    "ci_high": float(r["ci_high"]),
                    "n_reps": int(r["n_reps"]),
                    "unit": str(r["unit"]),
                    "diff": _at(d, name, "diff") if has else math.nan,
                    "diff_low": _at(d, name, "ci_low") if has else math.nan,
                    "diff_high": _at(d, name, "ci_high") if has else math.nan,
                    "significant": bool(d.at[name, "significant"]) if has else False,
                }
            )
    return pd.DataFrame(rows)


def _num(x: float, unit: str) -> str:
    if not math.isfinite(x):
        return ""
    if unit == "share":
        return f"{100 * x:.1f}"
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    return f"{x:.4g}"


def _headline_table(frame: pd.DataFrame, labels: list[str], currency: str) -> str:
    head = "<th>KPI</th><th>unit</th>" + "".join(
        f"<th>{html.escape(lab)}</th>" + ("<th>change from the first</th>" if i else "")
        for i, lab in enumerate(labels)
    )
    body = []
    order = [k for k in COMPARE_KPIS if k in set(frame["kpi"])]
    for k in order:
        sub = frame[frame["kpi"] == k].set_index("order")
        unit = str(sub["unit"].iloc[0])
        cells = [
            f"<td>{html.escape(kpi_label(k)[1])}</td>",
            f"<td>{html.escape(display_unit(unit, currency))}</td>",
        ]
        for i in range(len(labels)):
            if i not in sub.index:
                cells.append("<td></td>" + ("<td></td>" if i else ""))
                continue
            r: Any = sub.loc[i]
            text = _num(float(r["mean"]), unit)
            if float(r["ci_low"]) != float(r["ci_high"]):
                text += (
                    f" [{_num(float(r['ci_low']), unit)}, "
                    f"{_num(float(r['ci_high']), unit)}]"
                )
            cells.append(f'<td class="num">{html.escape(text)}</td>')
            if i:
                diff = float(r["diff"])
                dt = "" if not math.isfinite(diff) else f"{_num(diff, unit)}"
                if dt and not dt.startswith("-"):
                    dt = "+" + dt
                if (
                    math.isfinite(float(r["diff_low"]))
                    and r["diff_low"] != r["diff_high"]
                ):
                    dt += (
                        f" [{_num(float(r['diff_low']), unit)}, "
                        f"{_num(float(r['diff_high']), unit)}]"
                    )
                mark = " *" if bool(r["significant"]) else ""
                cells.append(f'<td class="num">{html.escape(dt + mark)}</td>')
        body.append(f'<tr data-kpi="{html.escape(k)}">' + "".join(cells) + "</tr>")
    return (
        f'<table id="compare-table"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table>"
    )


def _cost_table(runs: Sequence[RunData], labels: list[str], currency: str) -> str:
    frames = [annual_cost_frame(r).set_index("category") for r in runs]
    if any(f.empty for f in frames):
        return ""
    cats = [
        c
        for c in frames[0].index
        if any(abs(_at(f, c, "recommended")) > 0 for f in frames)
    ]
    head = "<th>category</th>" + "".join(
        f"<th>{html.escape(lab)}</th>" for lab in labels
    )
    body = []
    for c in [c for c in cats if c != "penalty"]:
        body.append(
            f"<tr><td>{html.escape(str(frames[0].at[c, 'label']))}</td>"
            + "".join(
                f'<td class="num">{_at(f, c, "recommended"):,.0f}</td>' for f in frames
            )
            + "</tr>"
        )
    tot = [float(f[~f["is_penalty"].astype(bool)]["recommended"].sum()) for f in frames]
    body.append(
        '<tr class="total"><td>total, penalties apart</td>'
        + "".join(f'<td class="num">{t:,.0f}</td>' for t in tot)
        + "</tr>"
    )
    body.append(
        '<tr class="penalty"><td>SLA penalties (apart)</td>'
        + "".join(
            f'<td class="num">{_at(f, "penalty", "recommended"):,.0f}</td>'
            for f in frames
        )
        + "</tr>"
    )
    return (
        f"<h2>Annual cost by category ({html.escape(currency or 'money')} a year, "
        "simulated)</h2>"
        f'<table id="compare-cost-table"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table>"
    )


def write_compare_report(
    folders: Sequence[str | os.PathLike[str]], path: str | os.PathLike[str]
) -> Path:
    """Write the comparison of run folders to ``path`` (atomically); return it.

    The first folder is the reference every other run is compared with.

    Raises
    ------
    InputError
        If fewer than two folders are given or one is not a run folder.
    """
    if len(folders) < 2:
        raise InputError(
            field="folders", expected="two or more run folders", got=len(folders)
        )
    runs = [read_run(Path(f)) for f in folders]
    labels = [_label(r) for r in runs]
    if len(set(labels)) < len(labels):
        labels = [f"{i + 1}. {lab}" for i, lab in enumerate(labels)]
    currency = next((r.currency for r in runs if r.currency), "")
    frame = compare_frame(runs)
    out = Path(path)
    title = "planner comparison: " + " vs ".join(labels)
    parts = [f"<h1>{html.escape(title)}</h1>"]
    items = []
    for lab, run in zip(labels, runs, strict=True):
        rep = run.folder / "report.html"
        link = ""
        if rep.is_file():
            href = Path(os.path.relpath(rep, out.resolve().parent)).as_posix()
            link = f' (<a href="{html.escape(href)}">report</a>)'
        items.append(
            f"<li>{html.escape(lab)}: seed {html.escape(str(run.manifest.get('seed')))}"
            f", stages {html.escape(', '.join(run.manifest.get('stages_run') or []))}"
            f"{link}</li>"
        )
    parts.append(f'<ul class="meta" id="runs">{"".join(items)}</ul>')
    parts.append(
        '<p class="note">Mean [95 % interval over replications]; shares in %. '
        "Change from the first run with a Welch 95 % interval; * marks a "
        "significant difference.</p>"
    )
    parts.append("<h2>Key figures side by side</h2>")
    parts.append(_headline_table(frame, labels, currency))
    parts.append(_cost_table(runs, labels, currency))
    figs = []
    long = frame.assign(variant_id=frame["run"], variant=frame["run"])
    names = set(long["kpi"])
    for cls in (None, "urgent"):
        sla = "sim_sla_attainment" + (f"_{cls}" if cls else "")
        if {"sim_cost_per_ticket", sla} <= names:
            f = cost_service_frame(long, currency=currency, sla_class=cls)
            figs.append(
                (
                    f"Cost-vs-SLA frontier{f' ({cls})' if cls else ''}: the runs with "
                    "their 95 % intervals, Pareto-efficient ones joined",
                    plot_tradeoff(f),
                )
            )
    for i, run in enumerate(runs[1:], start=1):
        d = compare_kpis(runs[0].kpis, run.kpis)
        d = d[d["kpi"].isin(COMPARE_KPIS) & np.isfinite(d["diff"].astype(float))]
        d = d[d["a"].astype(float) != 0]
        d = d.assign(kpi=[kpi_label(str(k))[1] for k in d["kpi"]])
        if len(d):
            figs.append(
                (
                    f"{labels[i]} against {labels[0]}: relative differences with "
                    "95 % intervals",
                    plot_comparison(d),
                )
            )
    if figs:
        parts.append("<h2>Trade-offs</h2>")
        parts.append('<div class="plots">')
        for cap, fig in figs:
            parts.append(
                f"<figure>{figure_svg(fig)}<figcaption>{html.escape(cap)}"
                "</figcaption></figure>"
            )
        parts.append("</div>")
    text = (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{html.escape(title)}</title>\n<style>{_CSS}</style>\n</head>\n"
        "<body>\n" + "\n".join(parts) + "\n</body>\n</html>\n"
    )
    with atomic_path(out) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return out
