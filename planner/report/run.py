"""Reading a run folder back, and the siting map layers of a plan."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from planner.core.errors import InputError
from planner.core.result import read_result as read_result_folder
from planner.geo import service_areas
from planner.geo.formats import read_result
from planner.inventory import StockPlan
from planner.sim import SimResult
from planner.siting import SitingPlan
from planner.staffing import StaffingPlan

__all__ = ["RunData", "read_run", "siting_frames"]

_REQUIRED = ("manifest.json", "summary.json", "inputs.json", "kpis.parquet")


@dataclass(frozen=True, slots=True, eq=False)
class RunData:
    """What a run folder holds, read back.

    Attributes
    ----------
    folder
        The run folder.
    manifest, inputs, summary
        ``manifest.json``, ``inputs.json`` (the scenario as resolved) and
        ``summary.json``.
    kpis
        The KPI table (kpi, mean, ci_low, ci_high, n_reps, unit).
    demand
        Demand points (id, name, lon, lat, population, tickets_per_year), if written.
    plan, sites
        The siting plan and its open outlets, if the siting stage ran.
    stock
        The inventory stage's policies (``StockPlan.to_frame()``: one row per
        part and outlet), if it ran.
    simulation, baseline
        The simulation of the plans (``simulation/``) and of today's network
        on the same tickets (``baseline/``, written by the design stage).
    staffing
        The staffing plan, if the staffing or design stage ran.
    design, design_meta
        The design loop's tables (``iterations``, ``frontier``, ``failing``,
        ``predicted``, ``outlets``) and its ``result.json`` (holds, targets,
        currency, notes), if the design stage ran.
    """

    folder: Path
    manifest: dict[str, Any]
    inputs: dict[str, Any]
    summary: dict[str, Any]
    kpis: pd.DataFrame
    demand: pd.DataFrame | None = None
    plan: SitingPlan | None = None
    sites: pd.DataFrame | None = None
    stock: pd.DataFrame | None = None
    simulation: SimResult | None = None
    baseline: SimResult | None = None
    staffing: StaffingPlan | None = None
    design: dict[str, pd.DataFrame] | None = None
    design_meta: dict[str, Any] | None = None

    @property
    def currency(self) -> str:
        """The scenario's currency ('' when it names none)."""
        return str(self.inputs.get("currency") or "")

    @property
    def radius_m(self) -> float | None:
        """Crow-fly metres of the siting radius, where travel is great-circle."""
        if self.plan is None or self.plan.radius is None:
            return None
        travel = self.inputs.get("travel", {})
        if travel.get("model", "great_circle") != "great_circle":
            return None
        speed = float(travel.get("speed_kmh", 40.0))
        circuity = float(travel.get("circuity", 1.3))
        return float(self.plan.radius) / 60.0 * speed * 1000.0 / circuity


def read_run(folder: str | Path) -> RunData:
    """Read a run folder written by ``planner run`` (or a sweep variant's folder).

    Raises
    ------
    InputError
        If ``folder`` is not a finished run folder.
    """
    f = Path(folder)
    if not f.is_dir():
        raise InputError(source=str(f), expected="a run folder", got="no such folder")
    missing = [n for n in _REQUIRED if not (f / n).is_file()]
    if missing:
        raise InputError(
            source=str(f),
            expected=f"a run folder with {', '.join(_REQUIRED)}",
            got=f"missing {', '.join(missing)}",
            hint="give a folder written by `planner run`",
        )

    def load(name: str) -> dict[str, Any]:
        try:
            out = json.loads((f / name).read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            raise InputError(
                source=str(f / name), expected="a JSON object", got=str(e)
            ) from None
        if not isinstance(out, dict):
            raise InputError(
                source=str(f / name), expected="a JSON object", got=type(out).__name__
            )
        return out

    kpis = read_result(f / "kpis.parquet")
    need = {"kpi", "mean", "ci_low", "ci_high", "n_reps", "unit"}
    if not need <= set(kpis.columns):
        raise InputError(
            source=str(f / "kpis.parquet"),
            expected=f"columns {sorted(need)}",
            got=sorted(kpis.columns),
        )
    demand = (
        read_result(f / "demand.parquet") if (f / "demand.parquet").is_file() else None
    )
    plan = SitingPlan.load(f / "siting") if (f / "siting").is_dir() else None
    sites = (
        read_result(f / "siting_sites.parquet")
        if (f / "siting_sites.parquet").is_file()
        else None
    )
    stock = (
        StockPlan.load(f / "inventory").to_frame()
        if (f / "inventory").is_dir()
        else None
    )
    sim = SimResult.load(f / "simulation") if (f / "simulation").is_dir() else None
    base = SimResult.load(f / "baseline") if (f / "baseline").is_dir() else None
    staff = StaffingPlan.load(f / "staffing") if (f / "staffing").is_dir() else None
    design: dict[str, pd.DataFrame] | None = None
    design_meta: dict[str, Any] | None = None
    if (f / "design").is_dir():
        design_meta, design = read_result_folder(f / "design", kind="DesignResult")
    return RunData(
        folder=f,
        manifest=load("manifest.json"),
        inputs=load("inputs.json"),
        summary=load("summary.json"),
        kpis=kpis,
        demand=demand,
        plan=plan,
        sites=sites,
        stock=stock,
        simulation=sim,
        baseline=base,
        staffing=staff,
        design=design,
        design_meta=design_meta,
    )


def _points(frame: pd.DataFrame) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        frame,
        geometry=gpd.points_from_xy(frame["lon"], frame["lat"]),
        crs="EPSG:4326",
    )


def siting_frames(
    plan: SitingPlan,
    demand: pd.DataFrame,
    sites: pd.DataFrame,
    *,
    radius_m: float | None = None,
    margin_m: float | None = None,
) -> dict[str, gpd.GeoDataFrame]:
    """Map layers of a siting plan: service areas, demand points, open outlets.

    Parameters
    ----------
    plan
        The siting plan.
    demand
        One row per demand point of the plan (``lon``, ``lat``; ``name`` and
        ``tickets_per_year`` if present).
    sites
        Either the open outlets in ``plan.open_idx`` order or all candidates
        (``len == plan.n_candidates``); ``lon``, ``lat``, optional ``id``,
        ``name``.
    radius_m
        Clip each service area to this crow-fly radius (see
        :func:`planner.geo.service_areas`).
    margin_m
        How far areas reach beyond the demand points' hull; default 2 % of
        the extent's diagonal, between 200 m and 5 km.

    Returns
    -------
    dict
        ``"areas"`` (site_id, name, n_points, tickets_per_year, polygon),
        ``"demand"`` (name, tickets_per_year, travel, covered, outlet, point)
        and ``"outlets"`` (id, name, existing, status "existing"/"new",
        tickets_per_year, point), all EPSG:4326.

    Examples
    --------
    >>> from planner.siting import solve_pmedian
    >>> plan = solve_pmedian([[1.0, 9.0], [9.0, 1.0], [2.0, 8.0]], None, 1)
    >>> d = pd.DataFrame({"lon": [24.90, 24.96, 24.91], "lat": [60.17] * 3})
    >>> s = pd.DataFrame({"lon": [24.90, 24.96], "lat": [60.17] * 2})
    >>> f = siting_frames(plan, d, s)
    >>> len(f["outlets"]), f["demand"]["outlet"].tolist()
    (1, ['0', '0', '0'])
    """
    n = plan.n_demand
    if len(demand) != n:
        raise InputError(
            field="demand",
            expected=f"{n} rows (the plan's demand points)",
            got=len(demand),
        )
    open_idx = np.asarray(plan.open_idx)
    if len(sites) == plan.n_candidates and len(sites) != len(open_idx):
        sites = sites.iloc[open_idx]
    if len(sites) != len(open_idx):
        raise InputError(
            field="sites",
            expected=f"{len(open_idx)} open outlets or {plan.n_candidates} candidates",
            got=len(sites),
        )
    sites = sites.reset_index(drop=True)
    ids = (
        sites["id"].astype(str)
        if "id" in sites
        else pd.Series([str(i) for i in open_idx])
    )
    names = sites["name"].astype(str) if "name" in sites else ids
    existing = np.isin(open_idx, np.asarray(plan.existing_idx))
    if "existing" in sites:
        existing = sites["existing"].to_numpy(dtype=bool)
    load = np.asarray(plan.outlet_load)[open_idx]
    outlets = _points(
        pd.DataFrame(
            {
                "id": ids,
                "name": names,
                "existing": existing,
                "status": np.where(existing, "existing", "new"),
                "tickets_per_year": load,
                "lon": sites["lon"].to_numpy(dtype=float),
                "lat": sites["lat"].to_numpy(dtype=float),
            }
        )
    )
    pos = np.full(plan.n_candidates, -1, dtype=np.int64)
    pos[open_idx] = np.arange(open_idx.size)
    ai = np.asarray(plan.assign_idx)
    assign = np.where(ai >= 0, pos[np.maximum(ai, 0)], -1)
    covered = np.asarray(plan.covered)
    dlonlat = demand[["lon", "lat"]].to_numpy(dtype=float)
    tickets = (
        demand["tickets_per_year"].to_numpy(dtype=float)
        if "tickets_per_year" in demand
        else np.asarray(plan.weights)
    )
    dnames = (
        demand["name"].astype(str).to_numpy()
        if "name" in demand
        else np.arange(n).astype(str)
    )
    dem = _points(
        pd.DataFrame(
            {
                "name": dnames,
                "tickets_per_year": tickets,
                "travel": np.asarray(plan.assign_cost),
                "covered": covered,
                "outlet": np.where(
                    assign >= 0, ids.to_numpy()[np.maximum(assign, 0)], ""
                ),
                "lon": dlonlat[:, 0],
                "lat": dlonlat[:, 1],
            }
        )
    )
    if margin_m is None:
        lon0, lat0 = dlonlat.min(axis=0)
        lon1, lat1 = dlonlat.max(axis=0)
        kx = 111_195.0 * np.cos(np.radians((lat0 + lat1) / 2))
        diag = float(np.hypot((lon1 - lon0) * kx, (lat1 - lat0) * 111_195.0))
        margin_m = float(np.clip(0.02 * diag, 200.0, 5000.0))
    areas = service_areas(
        outlets[["lon", "lat"]].to_numpy(),
        dlonlat,
        assign,
        site_ids=list(ids),
        covered=covered,
        radius_m=radius_m,
        margin_m=margin_m,
    )
    areas["name"] = names.to_numpy()
    areas["tickets_per_year"] = np.bincount(
        assign[covered & (assign >= 0)],
        weights=tickets[covered & (assign >= 0)],
        minlength=len(ids),
    )
    return {"areas": areas, "demand": dem, "outlets": outlets}
