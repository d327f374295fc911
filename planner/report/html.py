"""The HTML report of a run folder: one self-contained file that opens offline.

``report.html`` opens with the decision (the recommendation against today's
network on the same tickets, SLA per class against its target, the problems),
then annual cost by category, the outlets opened, kept and closed, backlog
over time, a map coloured by load, the design loop, plots, the grouped KPI
table and the scenario summary. Leaflet is inlined from the vendored copy, the map
has no tile layer unless a tile URL is given, and nothing is fetched from the
network.
"""

from __future__ import annotations

import datetime as dt
import html
import math
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from planner.core.atomic import atomic_path
from planner.core.errors import InputError
from planner.report._assets import LEAFLET_VERSION
from planner.report.decision import outlet_decision_frame
from planner.report.leaflet import MapLayer, leaflet_head, leaflet_map
from planner.report.plots import (
    figure_svg,
    plot_demand_by_category,
    plot_fill_rates,
    plot_outlet_load,
    plot_travel_cdf,
)
from planner.report.run import RunData, read_run, siting_frames
from planner.report.views import (
    cost_section,
    decision_section,
    design_section,
    kpi_table,
    load_map_layers,
    map_legend,
    outlets_section,
    sla_section,
    timeline_section,
)
from planner.scenario import read_catalog

__all__ = ["render_report", "siting_map_layers", "write_report"]

_CSS = """
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif;
       margin: 0 auto; max-width: 1280px; padding: 0 16px 40px; color: #222; }
h1 { font-size: 1.6em; margin: 0.8em 0 0.2em; }
h2 { font-size: 1.2em; margin-top: 1.6em; border-bottom: 1px solid #ddd; }
.meta { color: #666; }
table { border-collapse: collapse; margin: 0.5em 0; }
th, td { padding: 3px 10px; border-bottom: 1px solid #eee; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
th { background: #f5f5f5; }
.planner-map { border: 1px solid #ccc; background: #eef3f7; }
.map-error { color: #b00; padding: 1em; }
.plots { display: grid; gap: 16px;
         grid-template-columns: repeat(auto-fill, minmax(460px, 1fr)); }
.plots figure { margin: 0; }
.plots svg { width: 100%; height: auto; }
.note { color: #666; font-size: 0.9em; }
h3 { font-size: 1.05em; margin: 0.8em 0 0.3em; }
.decision { display: grid; gap: 16px; align-items: start;
            grid-template-columns: minmax(0, 1.2fr) minmax(0, 1fr); }
.decision figure { margin: 0; }
.decision svg, #backlog-chart svg, #frontier-chart svg { width: 100%; height: auto; }
#backlog-chart, #frontier-chart, #iterations-chart { max-width: 720px; margin: 0; }
#iterations-chart svg { width: 100%; height: auto; }
#recommendation-table td:first-child { font-weight: 600; }
#recommendation-table { width: 100%; }
#recommendation-table td, #recommendation-table th { padding: 2px 6px; }
#recommendation-table td:first-child { white-space: nowrap; }
.verdict { padding: 6px 10px; border-left: 4px solid #999; background: #f7f7f7; }
.verdict.ok { border-color: #2ca02c; } .verdict.bad { border-color: #d62728; }
.verdict.warn { border-color: #ff7f0e; }
.problems { list-style: none; padding-left: 0; margin: 0.3em 0; }
.problems li { padding: 1px 0; } .problems .icon { display: inline-block; width: 1.2em; }
.problems .bad .icon { color: #d62728; } .problems .warn .icon { color: #ff7f0e; }
.problems .ok .icon { color: #2ca02c; }
tr.group th { background: #e8eef5; }
tr.total td { font-weight: 600; border-top: 1px solid #999; }
tr.penalty td { color: #b00; }
tr.overloaded td { background: #fde0dd; } tr.idle td { background: #e6f0fa; }
tr.closed td { color: #888; }
.scroll { max-height: 480px; overflow-y: auto; }
.legend span { margin-right: 12px; font-size: 0.9em; }
.swatch { display: inline-block; width: 10px; height: 10px; margin-right: 4px; }
@media (max-width: 800px) { .decision { grid-template-columns: 1fr; } }
"""


def _fmt(v: Any) -> str:
    if isinstance(v, bool | np.bool_):
        return "yes" if v else "no"
    if isinstance(v, int | np.integer):
        return f"{int(v):,}"
    if isinstance(v, float | np.floating):
        x = float(v)
        if math.isnan(x):
            return "n/a"
        if not math.isfinite(x):
            return str(x)
        if x == int(x) and abs(x) < 1e15:
            return f"{int(x):,}"
        if abs(x) >= 1000:
            return f"{x:,.0f}"
        return f"{x:.4g}"
    if isinstance(v, list | tuple):
        return ", ".join(str(x) for x in v)
    return str(v)


def _num(v: Any) -> bool:
    return isinstance(v, int | float | np.integer | np.floating) and not isinstance(
        v, bool
    )


def _table(rows: list[list[Any]], header: list[str], *, table_id: str = "") -> str:
    idattr = f' id="{html.escape(table_id)}"' if table_id else ""
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = []
    for r in rows:
        cells = "".join(
            f'<td class="num">{html.escape(_fmt(v))}</td>'
            if _num(v)
            else f"<td>{html.escape(_fmt(v))}</td>"
            for v in r
        )
        body.append(f"<tr>{cells}</tr>")
    return (
        f"<table{idattr}><thead><tr>{head}</tr></thead>"
        f"<tbody>{''.join(body)}</tbody></table>"
    )


def _kpi_table(kpis: pd.DataFrame) -> str:
    rows: list[list[Any]] = []
    for r in kpis.to_dict("records"):
        mean, lo, hi = float(r["mean"]), float(r["ci_low"]), float(r["ci_high"])
        if math.isnan(mean):
            ci = ""
        elif lo == hi == mean:
            ci = "exact"
        else:
            ci = f"{_fmt(lo)} to {_fmt(hi)}"
        kpi = str(r["kpi"]).replace("_", " ")
        rows.append([kpi, mean, ci, int(r["n_reps"]), str(r["unit"])])
    return _table(
        rows,
        ["KPI", "value", "95 % interval", "replications", "unit"],
        table_id="kpi-table",
    )


def _summary_rows(summary: Mapping[str, Any]) -> list[list[Any]]:
    rows: list[list[Any]] = []
    for k, v in summary.items():
        if isinstance(v, Mapping):
            continue  # nested tables are plotted or listed elsewhere
        rows.append([k.replace("_", " "), v])
    return rows


def _stock_table(run: RunData, top: int = 20) -> str:
    """Per part over its outlets: policies, fill rates, units and value on hand."""
    st = run.stock
    assert st is not None
    unit: dict[str, float] = {}
    try:
        cat = read_catalog(
            str(run.inputs.get("demand", {}).get("catalog", "builtin:appliances"))
        )
        unit = {p.id: p.unit_cost for p in cat.parts}
    except (InputError, OSError):
        pass  # a catalogue that moved: show units only
    g = st.assign(value=st["on_hand"] * st["part_id"].map(unit).astype(float)).groupby(
        "part_id", sort=False
    )
    t = pd.DataFrame(
        {
            "outlets": g.size(),
            "policy": g["policy"].first(),
            "fill_mean": g["fill_rate"].mean(),
            "fill_min": g["fill_rate"].min(),
            "on_hand": g["on_hand"].sum(),
            "value": g["value"].sum(min_count=1),
            "cost": g["cost"].sum(),
        }
    ).sort_values(["value", "on_hand"], ascending=False)
    rows: list[list[Any]] = []
    for pid, r in t.head(top).to_dict("index").items():
        value = float(r["value"])
        rows.append(
            [
                str(pid),
                int(r["outlets"]),
                str(r["policy"]),
                float(r["fill_mean"]),
                float(r["fill_min"]),
                float(r["on_hand"]),
                value if math.isfinite(value) else "",
                float(r["cost"]),
            ]
        )
    note = (
        f'<p class="note">{len(st):,} policies (part x outlet) for {len(t)} parts; '
        f"the {min(top, len(t))} with the most stock value on hand.</p>"
    )
    return note + _table(
        rows,
        [
            "part",
            "outlets",
            "policy",
            "mean fill rate",
            "min fill rate",
            "units on hand",
            "value on hand",
            "cost per period",
        ],
        table_id="stock-table",
    )


def siting_map_layers(
    frames: Mapping[str, Any], *, unit: str = "min"
) -> list[MapLayer]:
    """The report's map overlays from :func:`~planner.report.run.siting_frames`.

    Service areas, covered demand, uncovered demand (red, sized by tickets),
    existing outlets (blue) and new outlets (green).
    """
    dem = frames["demand"].copy()
    w = dem["tickets_per_year"].to_numpy(dtype=float)
    scale = np.sqrt(w / max(float(np.percentile(w, 95)) if len(w) else 1.0, 1e-12))
    dem["r"] = np.clip(2.0 + 6.0 * scale, 2.0, 10.0)
    out = frames["outlets"]
    tip_d = {
        "name": "town",
        "tickets_per_year": "tickets/year",
        "travel": f"travel ({unit})",
        "outlet": "outlet",
    }
    tip_o = {"name": "outlet", "id": "id", "tickets_per_year": "tickets/year"}
    return [
        MapLayer(
            "Service areas",
            frames["areas"],
            color="#6a51a3",
            tooltip={
                "name": "outlet",
                "n_points": "towns",
                "tickets_per_year": "tickets/year",
            },
            fill_opacity=0.12,
            weight=0.8,
        ),
        MapLayer(
            "Covered demand",
            dem[dem["covered"]],
            color="#7f7f7f",
            tooltip=tip_d,
            radius=2.0,
            fill_opacity=0.5,
            weight=0.0,
            visible=len(dem) <= 5000,
        ),
        MapLayer(
            "Uncovered demand",
            dem[~dem["covered"]],
            color="#d62728",
            tooltip=tip_d,
            radius="r",
            fill_opacity=0.7,
            weight=0.5,
        ),
        MapLayer(
            "Existing outlets",
            out[out["existing"]],
            color="#1f77b4",
            tooltip=tip_o,
            radius=5.0,
            fill_opacity=0.9,
        ),
        MapLayer(
            "New outlets",
            out[~out["existing"]],
            color="#2ca02c",
            tooltip=tip_o,
            radius=5.0,
            fill_opacity=0.9,
        ),
    ]


_TILES = re.compile(r"^https?://[^\s\"'<>]+$")


def check_tiles(tiles: str | None) -> None:
    """Refuse a tile URL that is not an http(s) template with {z}, {x}, {y}.

    >>> check_tiles("javascript:alert(1)")
    Traceback (most recent call last):
    ...
    planner.core.errors.InputError: --tiles must be an http(s) URL template with {z}, {x} and {y}; got 'javascript:alert(1)'
    """
    if tiles is None:
        return
    if not (
        isinstance(tiles, str)
        and _TILES.match(tiles)
        and all(k in tiles for k in ("{z}", "{x}", "{y}"))
    ):
        raise InputError(
            field="--tiles",
            expected="an http(s) URL template with {z}, {x} and {y}",
            got=tiles,
        )


def render_report(
    run: RunData,
    *,
    tiles: str | None = None,
    attribution: str = "",
    folder_name: str | None = None,
) -> str:
    """The HTML text of a run's report (see :func:`write_report`).

    ``attribution`` is shown as text (Leaflet would render it as HTML, so it
    is escaped); ``tiles`` must be an http(s) URL template.
    """
    check_tiles(tiles)
    attribution = html.escape(str(attribution), quote=True)
    m, s = run.manifest, run.summary
    title = f"planner run: {s.get('scenario', m.get('scenario', ''))}"
    parts: list[str] = []
    meta = [
        f"run folder {folder_name or run.folder.name}",
        f"seed {m.get('seed')}",
        f"started {m.get('started_utc', '?')}",
        f"runtime {m.get('runtime_s', '?')} s",
        f"scenario sha256 {str(m.get('scenario_sha256', ''))[:12]}",
    ]
    parts.append(f"<h1>{html.escape(title)}</h1>")
    desc = run.inputs.get("description")
    if desc:
        parts.append(f"<p>{html.escape(str(desc))}</p>")
    parts.append(f'<p class="meta">{html.escape(" · ".join(meta))}</p>')
    outlets = outlet_decision_frame(run)
    parts.append(decision_section(run, outlets))
    notes = [str(x) for x in (m.get("notes") or [])]
    if notes:
        # the run's warnings (a growing backlog, a stage's caveat)
        items = "".join(f"<li>{html.escape(x)}</li>" for x in notes)
        parts.append(f'<h2>Notes</h2><ul class="note" id="run-notes">{items}</ul>')
    parts.append(sla_section(run))
    parts.append(cost_section(run))
    parts.append(outlets_section(run, outlets))
    parts.append(timeline_section(run))
    skipped = m.get("stages_skipped") or {}
    if skipped:
        items = "".join(
            f"<li>{html.escape(k)}: {html.escape(str(v))}</li>"
            for k, v in skipped.items()
        )
        parts.append(
            f'<p class="note">Stages not run:</p><ul class="note">{items}</ul>'
        )
    has_map = run.plan is not None and run.demand is not None and run.sites is not None
    head_extra = ""
    if has_map:
        assert run.plan is not None
        assert run.demand is not None
        assert run.sites is not None
        plan = run.plan
        frames = siting_frames(plan, run.demand, run.sites, radius_m=run.radius_m)
        layers = (
            load_map_layers(run, frames, outlets)
            if len(outlets)
            else siting_map_layers(frames)
        )
        n_unc = int((~frames["demand"]["covered"]).sum())
        parts.append("<h2>Map: outlets and service areas by load</h2>")
        radius = (
            f" within {plan.radius:g} min" if plan.radius is not None else " (served)"
        )
        parts.append(
            f'<p class="note">{plan.p} open outlets '
            f"({int(frames['outlets']['existing'].sum())} existing, "
            f"{int((~frames['outlets']['existing']).sum())} new); "
            f"{n_unc:,} demand points not covered{html.escape(radius)}. "
            "Service areas are the Voronoi cells of the demand points each outlet serves"
            + (", clipped to the crow-fly radius." if run.radius_m is not None else ".")
            + (
                " No background map (offline): country outlines from Natural Earth."
                if not tiles
                else ""
            )
            + "</p>"
        )
        parts.append(map_legend())
        b = frames["demand"].total_bounds  # fit the towns, not the areas' margins
        parts.append(
            leaflet_map(
                layers,
                element_id="map",
                tiles=tiles,
                attribution=attribution,
                bounds=[float(v) for v in b],
            )
        )
        head_extra = leaflet_head()
    elif run.demand is not None and len(run.demand):
        import geopandas as gpd

        d = run.demand
        pts = gpd.GeoDataFrame(
            d[["name", "tickets_per_year"]],
            geometry=gpd.points_from_xy(d["lon"], d["lat"]),
            crs="EPSG:4326",
        )
        parts.append("<h2>Map: demand</h2>")
        parts.append(
            '<p class="note">The siting stage did not run: demand points only.</p>'
        )
        layer = MapLayer(
            "Demand points",
            pts,
            color="#7f7f7f",
            tooltip={"name": "place", "tickets_per_year": "tickets/year"},
            radius=3.0,
        )
        parts.append(
            leaflet_map([layer], element_id="map", tiles=tiles, attribution=attribution)
        )
        head_extra = leaflet_head()
    parts.append(design_section(run))
    figs = []
    if has_map:
        assert run.plan is not None
        figs.append(
            (
                "Travel to the serving outlet",
                plot_travel_cdf(
                    run.plan.assign_cost, run.plan.weights, radius=run.plan.radius
                ),
            )
        )
        cap = run.inputs.get("outlets", {}).get("capacity_per_year")
        figs.append(
            (
                "Load of the open outlets",
                plot_outlet_load(
                    np.asarray(run.plan.outlet_load)[run.plan.open_idx],
                    np.isin(run.plan.open_idx, run.plan.existing_idx),
                    capacity=float(cap) if cap else None,
                ),
            )
        )
    if run.stock is not None and len(run.stock):
        figs.append(
            (
                "Fill rate of the stocking policies",
                plot_fill_rates(run.stock["fill_rate"]),
            )
        )
    by_cat = s.get("tickets_per_year_by_category")
    if isinstance(by_cat, Mapping) and by_cat:
        figs.append(("Tickets per year by category", plot_demand_by_category(by_cat)))
    if figs:
        parts.append("<h2>Plots</h2>")
    parts.append('<div class="plots">')
    for cap_text, fig in figs:
        parts.append(
            f"<figure>{figure_svg(fig)}<figcaption>{html.escape(cap_text)}"
            "</figcaption></figure>"
        )
    parts.append("</div>")
    if run.stock is not None and len(run.stock):
        parts.append("<h2>Spare parts</h2>")
        parts.append(_stock_table(run))
    parts.append("<h2>Key figures</h2>")
    parts.append(kpi_table(run.kpis, currency=run.currency))
    parts.append("<h2>Scenario</h2>")
    parts.append(_table(_summary_rows(s), ["", ""], table_id="summary-table"))
    parts.append("<h2>Versions</h2>")
    versions = m.get("versions") or {}
    parts.append(_table([[k, v] for k, v in versions.items()], ["package", "version"]))
    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    parts.append(
        f'<p class="note">Written {stamp} by planner. Map drawn with Leaflet '
        f"{LEAFLET_VERSION} (BSD-2-Clause, (c) Volodymyr Agafonkin and "
        "contributors), inlined; country outlines from Natural Earth (public "
        "domain).</p>"
    )
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(title)}</title>\n<style>{_CSS}</style>\n"
        f"{head_extra}</head>\n<body>\n" + "\n".join(parts) + "\n</body>\n</html>\n"
    )


def write_report(
    run_folder: str | Path,
    *,
    tiles: str | None = None,
    attribution: str = "",
    path: str | Path | None = None,
    folder_name: str | None = None,
) -> Path:
    """Write ``report.html`` into a run folder (atomically); return its path.

    Parameters
    ----------
    run_folder
        A folder written by ``planner run`` (or a sweep variant's folder).
    tiles
        Optional tile URL template for a background map when online, e.g.
        ``"https://tile.openstreetmap.org/{z}/{x}/{y}.png"``; default none, so
        the report opens offline with nothing fetched.
    attribution
        Attribution text of the tiles.
    path
        Where to write instead of ``run_folder/report.html``.
    folder_name
        The run folder's name to show, when ``run_folder`` is the temporary
        folder of a run still being written.

    Raises
    ------
    InputError
        If ``run_folder`` is not a run folder.
    """
    run = read_run(run_folder)
    text = render_report(
        run, tiles=tiles, attribution=attribution, folder_name=folder_name
    )
    out = Path(path) if path is not None else run.folder / "report.html"
    with atomic_path(out) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return out
