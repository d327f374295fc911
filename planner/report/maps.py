"""Maps and charts for notebooks: siting plans, dispatch routes, technician days.

All functions return objects (folium maps, matplotlib Figures, DataFrames) and
never print or show anything. Folium maps load Leaflet from a CDN when
displayed (fine in a notebook online); the offline HTML report draws its map
with :func:`planner.report.leaflet_map` instead.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import MultipleLocator

from planner.core.errors import InputError
from planner.report.run import siting_frames

if TYPE_CHECKING:
    import folium

    from planner.routing import DispatchPlan
    from planner.siting import SitingPlan

__all__ = [
    "plot_gantt",
    "plot_routes",
    "plot_siting",
    "unassigned_points",
    "unassigned_summary",
]

_URGENCY_COLORS = {"urgent": "#d62728", "important": "#ff7f0e", "general": "#1f77b4"}
_URGENCY = ("urgent", "important", "general")


def _base_map(tiles: str | None) -> folium.Map:
    import folium

    return folium.Map(tiles=tiles, control_scale=True, prefer_canvas=True)


def plot_siting(
    plan: SitingPlan,
    demand: pd.DataFrame,
    sites: pd.DataFrame,
    *,
    radius_m: float | None = None,
    tiles: str | None = "OpenStreetMap",
    show_covered: bool = True,
) -> folium.Map:
    """A folium map of a siting plan: service areas, demand, outlets existing vs new.

    Parameters
    ----------
    plan, demand, sites, radius_m
        As :func:`planner.report.siting_frames` (``sites``: open outlets in
        ``plan.open_idx`` order, or all candidates).
    tiles
        Folium tiles (``None``: no background map).
    show_covered
        Also draw the covered demand points (grey); uncovered ones are red.
    """
    import folium

    f = siting_frames(plan, demand, sites, radius_m=radius_m)
    m = _base_map(tiles)
    f["areas"].explore(
        m=m,
        name="Service areas",
        color="#6a51a3",
        style_kwds={"fillOpacity": 0.12, "weight": 1},
        tooltip=["site_id", "name", "n_points", "tickets_per_year"],
    )
    dem = f["demand"].drop(columns=["lon", "lat"])
    point = {"marker_type": "circle_marker"}
    if show_covered and dem["covered"].any():
        dem[dem["covered"]].explore(
            m=m,
            name="Covered demand",
            color="#7f7f7f",
            marker_kwds={"radius": 2},
            style_kwds={"weight": 0, "fillOpacity": 0.5},
            tooltip=["name", "tickets_per_year", "travel", "outlet"],
            **point,
        )
    if (~dem["covered"]).any():
        dem[~dem["covered"]].explore(
            m=m,
            name="Uncovered demand",
            color="#d62728",
            marker_kwds={"radius": 4},
            style_kwds={"weight": 0.5, "fillOpacity": 0.7},
            tooltip=["name", "tickets_per_year", "travel", "outlet"],
            **point,
        )
    out = f["outlets"].drop(columns=["lon", "lat"])
    for label, mask, color in (
        ("Existing outlets", out["existing"], "#1f77b4"),
        ("New outlets", ~out["existing"], "#2ca02c"),
    ):
        if mask.any():
            out[mask].explore(
                m=m,
                name=label,
                color=color,
                marker_kwds={"radius": 6},
                style_kwds={"fillOpacity": 0.9},
                tooltip=["id", "name", "tickets_per_year"],
                **point,
            )
    folium.LayerControl(collapsed=False).add_to(m)
    b = f["demand"].total_bounds
    m.fit_bounds([[b[1], b[0]], [b[3], b[2]]])
    return m


def plot_routes(
    plan: DispatchPlan,
    *,
    tickets: pd.DataFrame | None = None,
    tiles: str | None = "OpenStreetMap",
) -> folium.Map:
    """A folium map of a dispatch day: a line per technician, stops by urgency.

    Parameters
    ----------
    plan
        A plan with coordinates (``location_lonlat``), e.g. from
        ``planner dispatch`` or :meth:`DispatchProblem.from_tables` with
        ``location_lonlat``.
    tickets
        Optional ticket table (``id``, ``lon``, ``lat``) to place the
        unassigned jobs (black, with their reason).
    tiles
        Folium tiles (``None``: no background map).
    """
    import folium

    g = plan.to_geodataframe()
    m = _base_map(tiles)
    lines = g[g["kind"] == "route"]
    if len(lines):
        lines[["tech_id", "geometry"]].explore(
            m=m,
            name="Routes",
            column="tech_id",
            categorical=True,
            cmap="tab20",
            legend=False,
            style_kwds={"weight": 3, "opacity": 0.8},
            tooltip=["tech_id"],
        )
    stops = g[g["kind"] == "stop"].drop(columns=["kind"])
    for urg, color in _URGENCY_COLORS.items():
        sub = stops[stops["urgency"] == urg]
        if len(sub):
            sub = sub.assign(
                start=[
                    f"{int(v // 60):02d}:{int(v % 60):02d}" for v in sub["start_min"]
                ]
            )
            sub[["tech_id", "seq", "job_id", "urgency", "start", "geometry"]].explore(
                m=m,
                name=f"{urg.capitalize()} jobs",
                color=color,
                marker_type="circle_marker",
                marker_kwds={"radius": 5},
                style_kwds={"fillOpacity": 0.9},
                tooltip=["job_id", "tech_id", "seq", "urgency", "start"],
            )
    ll = np.asarray(plan.location_lonlat)
    import geopandas as gpd

    homes = gpd.GeoDataFrame(
        {"tech_id": list(plan.tech_ids)},
        geometry=gpd.points_from_xy(
            ll[np.asarray(plan.tech_start_loc), 0],
            ll[np.asarray(plan.tech_start_loc), 1],
        ),
        crs="EPSG:4326",
    )
    homes.explore(
        m=m,
        name="Technicians' start",
        color="#2ca02c",
        marker_type="circle_marker",
        marker_kwds={"radius": 4},
        tooltip=["tech_id"],
    )
    un = unassigned_points(plan, tickets)
    if un is not None and len(un):
        un.explore(
            m=m,
            name="Unassigned jobs",
            color="#000000",
            marker_type="circle_marker",
            marker_kwds={"radius": 6},
            style_kwds={"fillOpacity": 0.2, "weight": 2},
            tooltip=["job_id", "urgency", "reason", "explanation"],
        )
    folium.LayerControl(collapsed=False).add_to(m)
    b = (g.total_bounds if len(g) else homes.total_bounds).tolist()
    m.fit_bounds([[b[1], b[0]], [b[3], b[2]]])
    return m


def unassigned_points(plan: DispatchPlan, tickets: pd.DataFrame | None) -> Any:
    """Unassigned jobs joined to ticket coordinates (a GeoDataFrame), or ``None``."""
    if tickets is None:
        return None
    import geopandas as gpd

    missing = {"id", "lon", "lat"} - set(tickets.columns)
    if missing:
        raise InputError(
            field="tickets",
            expected="columns id, lon, lat",
            got=sorted(tickets.columns),
        )
    un = plan.unassigned_frame()
    t = tickets.assign(id=tickets["id"].astype(str))[["id", "lon", "lat"]]
    j = un.merge(t, left_on="job_id", right_on="id", how="left")
    j = j[np.isfinite(j["lon"].to_numpy(dtype=float))]
    return gpd.GeoDataFrame(
        j.drop(columns=["id", "lon", "lat"]),
        geometry=gpd.points_from_xy(j["lon"], j["lat"]),
        crs="EPSG:4326",
    )


def _hhmm(x: float, _pos: Any = None) -> str:
    return f"{int(x // 60):02d}:{int(x % 60):02d}"


def plot_gantt(plan: DispatchPlan, *, only_used: bool = False) -> Figure:
    """A Gantt chart of the technicians' day (a Figure; no pyplot state).

    Per technician: the working day from departure to return (light grey),
    travel and waiting before each job (hatched), each job coloured by
    urgency, and the break (a black bar).

    Parameters
    ----------
    plan
        The dispatch plan.
    only_used
        Leave out technicians with no job.
    """
    st = np.asarray(plan.stop_tech)
    techs = [
        t for t in range(len(plan.tech_ids)) if not only_used or bool((st == t).any())
    ]
    fig = Figure(figsize=(10.0, 1.4 + 0.32 * max(len(techs), 3)), layout="constrained")
    ax = fig.subplots()
    urg = np.asarray(plan.job_urgency)
    dep, ret = np.asarray(plan.depart_min), np.asarray(plan.return_min)
    for row, t in enumerate(techs):
        idx = np.flatnonzero(st == t)
        if np.isfinite(dep[t]) and np.isfinite(ret[t]) and idx.size:
            ax.broken_barh(
                [(dep[t], ret[t] - dep[t])], (row - 0.35, 0.7), color="#eeeeee"
            )
        prev = dep[t]
        for i in idx:
            s0, s1 = float(plan.start_min[i]), float(plan.end_min[i])
            if np.isfinite(prev) and s0 > prev:
                ax.broken_barh(
                    [(prev, s0 - prev)],
                    (row - 0.2, 0.4),
                    facecolor="none",
                    edgecolor="#999999",
                    hatch="///",
                    lw=0.5,
                )
            color = _URGENCY_COLORS[_URGENCY[int(urg[plan.stop_job[i]])]]
            ax.broken_barh(
                [(s0, s1 - s0)], (row - 0.35, 0.7), color=color, gid="service"
            )
            prev = s1
        bs = float(np.asarray(plan.break_start_min)[t])
        if np.isfinite(bs):
            ax.plot([bs, bs], [row - 0.4, row + 0.4], color="black", lw=3)
    ax.set_yticks(range(len(techs)), [plan.tech_ids[t] for t in techs])
    ax.invert_yaxis()
    ax.xaxis.set_major_locator(MultipleLocator(60.0))
    ax.xaxis.set_major_formatter(_hhmm)
    ax.set_xlabel("time of day")
    ax.grid(alpha=0.3, axis="x")
    handles = [Patch(color=c, label=u) for u, c in _URGENCY_COLORS.items()]
    handles.append(
        Patch(facecolor="none", edgecolor="#999999", hatch="///", label="travel / wait")
    )
    fig.legend(handles=handles, frameon=False, loc="outside lower center", ncol=4)
    ax.set_title(
        f"{plan.n_served} jobs on {len(np.unique(st))} technicians, "
        f"{len(np.asarray(plan.unassigned_job))} unassigned"
    )
    return fig


def unassigned_summary(plan: DispatchPlan) -> pd.DataFrame:
    """Unassigned jobs counted by reason and urgency, with what each reason means.

    >>> from planner.routing import DispatchPlan
    >>> s = unassigned_summary(DispatchPlan.empty(["J1", "J2"], ["T1"]))
    >>> s[["reason", "urgent", "general", "total"]]
         reason  urgent  general  total
    0  capacity       0        2      2
    """
    from planner.routing import REASONS

    un = plan.unassigned_frame()
    if un.empty:
        return pd.DataFrame(
            columns=["reason", *_URGENCY, "total", "explanation"]
        ).astype(dict.fromkeys((*_URGENCY, "total"), int))
    tab = (
        pd.crosstab(un["reason"], un["urgency"])
        .reindex(columns=list(_URGENCY), fill_value=0)
        .astype(int)
    )
    tab["total"] = tab.sum(axis=1)
    tab = tab.sort_values("total", ascending=False).reset_index()
    tab.columns.name = None
    tab["explanation"] = [REASONS[r] for r in tab["reason"]]
    return tab
