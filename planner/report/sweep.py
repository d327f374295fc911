"""The HTML report of a sweep folder: variants, KPIs side by side, trade-offs.

``runs/<scenario>/sweep-<id>/report.html`` lists every variant with its
overrides and headline KPIs with their 95 % intervals, plots the cost-vs-SLA
frontier on the simulated KPIs (``sim_cost_per_ticket`` against
``sim_sla_attainment``, overall and urgent; cost against coverage when the
sweep did not simulate) with the Pareto-efficient variants marked, and links each finished variant's own
report (written with :func:`~planner.report.write_report` when asked).
"""

from __future__ import annotations

import html
import json
import math
from pathlib import Path
from typing import Any

import pandas as pd

from planner.core.atomic import atomic_path
from planner.core.errors import InputError
from planner.geo.formats import read_result
from planner.report.html import _CSS, _fmt
from planner.report.html import write_report as write_run_report
from planner.report.plots import figure_svg
from planner.report.tradeoff import (
    cost_service_frame,
    coverage_curve_frame,
    plot_coverage_curve,
    plot_tradeoff,
    tradeoff_frame,
)

__all__ = [
    "outlets_coverage_curves",
    "read_sweep",
    "write_folder_report",
    "write_sweep_report",
]


def read_sweep(folder: str | Path) -> tuple[dict[str, Any], pd.DataFrame]:
    """``sweep.json`` and the long KPI table of the finished variants.

    The table has ``variant_id, variant`` before the KPI columns; variants
    without a finished run folder are left out (see ``sweep.json``).

    Raises
    ------
    InputError
        If ``folder`` is not a sweep folder.
    """
    f = Path(folder)
    meta_path = f / "sweep.json"
    if not meta_path.is_file():
        raise InputError(
            source=str(f),
            expected="a sweep folder (with sweep.json)",
            got="no sweep.json",
            hint="give a folder written by `planner sweep`",
        )
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        variants = list(meta["variants"])
    except (ValueError, KeyError, TypeError) as e:
        raise InputError(
            source=str(meta_path), expected="a sweep description", got=str(e)
        ) from None
    frames = []
    for v in variants:
        vdir = f / "variants" / str(v["id"])
        if not (vdir / "manifest.json").is_file():
            continue
        k = read_result(vdir / "kpis.parquet")
        k.insert(0, "variant", str(v["name"]))
        k.insert(0, "variant_id", str(v["id"]))
        frames.append(k)
    cols = ["variant_id", "variant", "kpi", "mean", "ci_low", "ci_high", "n_reps"]
    kpis = (
        pd.concat(frames, ignore_index=True)
        if frames
        else pd.DataFrame(columns=[*cols, "unit"])
    )
    return meta, kpis


def outlets_coverage_curves(
    meta: dict[str, Any], kpis: pd.DataFrame
) -> dict[str, pd.DataFrame]:
    """Coverage against open outlets from a sweep, one curve per other setting.

    Variants are grouped by their overrides other than ``siting.p``; each group
    with at least two outlet counts and a coverage KPI gives a
    :func:`~planner.report.coverage_curve_frame`.

    >>> meta = {"variants": [{"id": str(p), "overrides": {"siting.p": p}}
    ...                      for p in (2, 4)]}
    >>> k = pd.DataFrame({"variant_id": ["2", "2", "4", "4"],
    ...     "kpi": ["siting_open_outlets", "siting_coverage_share"] * 2,
    ...     "mean": [2, 0.5, 4, 0.8]})
    >>> outlets_coverage_curves(meta, k)["all"][["p", "share"]].values.tolist()
    [[2.0, 0.5], [4.0, 0.8]]
    """
    need = {"siting_open_outlets", "siting_coverage_share"}
    if kpis.empty or not need <= set(kpis["kpi"]):
        return {}
    wide = kpis[kpis["kpi"].isin(need)].pivot_table(
        index="variant_id", columns="kpi", values="mean"
    )
    groups: dict[str, list[str]] = {}
    for v in meta["variants"]:
        over = {k: val for k, val in v.get("overrides", {}).items() if k != "siting.p"}
        label = ", ".join(f"{k}={val}" for k, val in sorted(over.items())) or "all"
        groups.setdefault(label, []).append(str(v["id"]))
    out = {}
    for label, ids in groups.items():
        w = wide.reindex([i for i in ids if i in wide.index]).dropna()
        if w["siting_open_outlets"].nunique() >= 2:
            out[label] = coverage_curve_frame(
                w["siting_open_outlets"].to_numpy(),
                w["siting_coverage_share"].to_numpy(),
            )
    return out


#: The variants table's columns, where the sweep has them.
_HEAD_KPIS = (
    "sim_cost_per_ticket",
    "sim_sla_attainment",
    "sim_sla_attainment_urgent",
    "sim_backlog_growth_per_day",
    "design_cost_per_year",
    "design_technicians",
    "staffing_technicians",
    "siting_open_outlets",
    "siting_coverage_share",
    "siting_mean_travel_min",
)


def _head_label(kpi: str, wide: pd.DataFrame, currency: str) -> str:
    from planner.report.kpi_names import kpi_label

    label = kpi_label(kpi)[1]
    if kpi in ("sim_cost_per_ticket", "design_cost_per_year"):
        label += f" ({currency or 'money'})"
    return label


def _cell(
    stat: dict[str, pd.DataFrame], vid: str, kpi: str
) -> tuple[float, float, float]:
    out = []
    for c in ("mean", "ci_low", "ci_high"):
        f = stat[c]
        v: Any = f.at[vid, kpi] if vid in f.index and kpi in f.columns else math.nan
        out.append(float(v))
    return out[0], out[1], out[2]


def _currency(folder: Path, variant_ids: list[str]) -> str:
    """The scenario's currency, read from a finished variant's inputs."""
    for vid in variant_ids:
        p = folder / "variants" / vid / "inputs.json"
        try:
            cur = json.loads(p.read_text(encoding="utf-8")).get("currency")
        except (OSError, ValueError, AttributeError):
            continue
        if cur:
            return str(cur)
    return ""


def _fixed_cost(folder: Path, variant_ids: list[str]) -> float | None:
    """The outlets' fixed cost per year if every variant has the same one."""
    values = set()
    for vid in variant_ids:
        p = folder / "variants" / vid / "inputs.json"
        try:
            inputs = json.loads(p.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        values.add(inputs.get("outlets", {}).get("fixed_cost_per_year"))
    return float(values.pop()) if len(values) == 1 and None not in values else None


def write_sweep_report(
    sweep_folder: str | Path,
    *,
    variant_reports: bool = True,
    path: str | Path | None = None,
) -> Path:
    """Write ``report.html`` for a sweep folder (atomically); return its path.

    Parameters
    ----------
    sweep_folder
        A ``runs/<scenario>/sweep-<id>/`` folder.
    variant_reports
        Also write each finished variant's ``report.html`` and link it.
    path
        Where to write instead of ``sweep_folder/report.html``.
    """
    folder = Path(sweep_folder)
    meta, kpis = read_sweep(folder)
    variants = meta["variants"]
    done = list(dict.fromkeys(kpis["variant_id"]))
    links: dict[str, str] = {}
    if variant_reports:
        for vid in done:
            rep = write_run_report(folder / "variants" / vid)
            links[vid] = rep.relative_to(folder).as_posix()
    title = f"planner sweep: {meta.get('scenario', '')} ({meta.get('sweep_id', '')})"
    parts = [f"<h1>{html.escape(title)}</h1>"]
    parts.append(
        f'<p class="meta">{len(variants)} variants, {len(done)} finished · '
        f"seed {html.escape(str(meta.get('seed')))} (common random numbers)</p>"
    )
    stat = {
        c: (
            kpis.pivot_table(index="variant_id", columns="kpi", values=c, sort=False)
            if len(kpis)
            else pd.DataFrame()
        )
        for c in ("mean", "ci_low", "ci_high")
    }
    wide = stat["mean"]
    currency = _currency(folder, done)
    head_kpis = [k for k in _HEAD_KPIS if k in wide.columns]
    units = dict(zip(kpis["kpi"], kpis["unit"], strict=False)) if len(kpis) else {}
    shares = {k for k in head_kpis if units.get(k) == "share"}
    header = [
        "variant",
        "overrides",
        *[
            _head_label(k, wide, currency) + (" (%)" if k in shares else "")
            for k in head_kpis
        ],
        "",
    ]
    body = []
    for v in variants:
        vid = str(v["id"])
        over = ", ".join(f"{k} = {val}" for k, val in v.get("overrides", {}).items())
        cells = [
            f"<td>{html.escape(str(v['name']))}</td>",
            f"<td>{html.escape(over)}</td>",
        ]
        for k in head_kpis:
            val = _cell(stat, vid, k)
            if k in shares:  # shares read as per cent
                val = (100 * val[0], 100 * val[1], 100 * val[2])
            if not math.isfinite(val[0]):
                cells.append("<td></td>")
                continue
            text = _fmt(val[0])
            if math.isfinite(val[1]) and math.isfinite(val[2]) and val[1] != val[2]:
                text += f" [{_fmt(val[1])}, {_fmt(val[2])}]"
            cells.append(f'<td class="num">{html.escape(text)}</td>')
        if vid in links:
            cells.append(f'<td><a href="{html.escape(links[vid])}">report</a></td>')
        else:
            cells.append("<td>not finished</td>" if vid not in done else "<td></td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    parts.append("<h2>Variants</h2>")
    parts.append(
        f'<table id="variants-table"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table>"
    )
    figs = []
    names = set(kpis["kpi"])
    if {"sim_cost_per_ticket", "sim_sla_attainment"} <= names:
        f = cost_service_frame(kpis, currency=currency)
        figs.append(
            (
                "Cost-vs-SLA frontier (simulated, 95 % intervals); "
                "Pareto-efficient variants joined",
                f,
            )
        )
        if "sim_sla_attainment_urgent" in names:
            f = cost_service_frame(kpis, currency=currency, sla_class="urgent")
            figs.append(("Cost against urgent SLA (simulated)", f))
    elif {"siting_open_outlets", "siting_coverage_share"} <= names:
        f = cost_service_frame(
            kpis, fixed_cost_per_year=_fixed_cost(folder, done), currency=currency
        )
        figs.append(
            (
                "Cost against coverage (no simulation in this sweep); "
                "Pareto-efficient variants joined",
                f,
            )
        )
    if {"siting_open_outlets", "siting_mean_travel_min"} <= names and (
        wide["siting_open_outlets"].nunique() > 1
    ):
        f = tradeoff_frame(
            kpis, "siting_open_outlets", "siting_mean_travel_min", y_sense="min"
        )
        f.attrs.update(x_label="open outlets", y_label="mean travel (min)")
        figs.append(("Outlets against mean travel", f))
    curves = outlets_coverage_curves(meta, kpis)
    if figs or curves:
        parts.append("<h2>Trade-offs</h2>")
        parts.append('<div class="plots">')
        for cap, frame in figs:
            parts.append(
                f"<figure>{figure_svg(plot_tradeoff(frame))}"
                f"<figcaption>{html.escape(cap)}</figcaption></figure>"
            )
        if curves:
            parts.append(
                f"<figure>{figure_svg(plot_coverage_curve(curves))}"
                "<figcaption>Outlets against coverage, one curve per setting of "
                "the other parameters</figcaption></figure>"
            )
        parts.append("</div>")
    text = (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{html.escape(title)}</title>\n<style>{_CSS}</style>\n</head>\n"
        "<body>\n" + "\n".join(parts) + "\n</body>\n</html>\n"
    )
    out = Path(path) if path is not None else folder / "report.html"
    with atomic_path(out) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return out


def write_folder_report(
    folder: str | Path, *, tiles: str | None = None, attribution: str = ""
) -> Path:
    """Write the report of a run folder or a sweep folder, whichever it is.

    A folder with ``sweep.json`` gets :func:`write_sweep_report` (and every
    finished variant its own report); any other folder :func:`write_report`.

    Raises
    ------
    InputError
        If ``folder`` is neither (nothing is written).
    """
    f = Path(folder)
    if (f / "sweep.json").is_file():
        return write_sweep_report(f)
    return write_run_report(f, tiles=tiles, attribution=attribution)
