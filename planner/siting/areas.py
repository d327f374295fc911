"""Map layers of a :class:`~planner.siting.plan.SitingPlan`.

The plan itself is positional (indices into the cost matrix); these helpers
take the lon/lat of candidates and demand points and return GeoDataFrames in
EPSG:4326: outlets as points, service areas as polygons (the union of the
Voronoi cells of the demand points each outlet covers, optionally clipped to
a crow-fly radius; see :func:`planner.geo.service_areas`) and the uncovered
demand as its own layer.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt

from planner.core.errors import InputError
from planner.geo import check_lonlat
from planner.geo import service_areas as _geo_service_areas
from planner.siting.plan import SitingPlan

__all__ = ["outlets_layer", "service_area_layer", "uncovered_layer"]


def _lonlat(x: npt.ArrayLike, n: int, name: str) -> np.ndarray:
    a = check_lonlat(x, name)
    if len(a) != n:
        raise InputError(field=name, expected=f"{n} lon/lat rows", got=len(a))
    return a


def outlets_layer(
    plan: SitingPlan,
    site_lonlat: npt.ArrayLike,
    *,
    site_ids: Sequence[Any] | None = None,
) -> gpd.GeoDataFrame:
    """Every candidate as a point with the columns of :meth:`SitingPlan.to_frame`.

    >>> import numpy as np
    >>> from planner.siting import solve_pmedian
    >>> plan = solve_pmedian(np.array([[0.0, 5.0], [5.0, 0.0]]), None, 1)
    >>> outlets_layer(plan, [[24.9, 60.2], [25.0, 60.2]]).crs.to_epsg()
    4326
    """
    xy = _lonlat(site_lonlat, plan.n_candidates, "site_lonlat")
    df = plan.to_frame()
    if site_ids is not None:
        if len(site_ids) != plan.n_candidates:
            raise InputError(
                field="site_ids", expected=f"{plan.n_candidates} ids", got=len(site_ids)
            )
        df.insert(1, "site_id", list(site_ids))
    return gpd.GeoDataFrame(
        df, geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]), crs="EPSG:4326"
    )


def service_area_layer(
    plan: SitingPlan,
    site_lonlat: npt.ArrayLike,
    demand_lonlat: npt.ArrayLike,
    *,
    site_ids: Sequence[Any] | None = None,
    radius_m: float | None = None,
    covered_only: bool = True,
    margin_m: float = 5000.0,
) -> gpd.GeoDataFrame:
    """One polygon per open outlet: the area of the demand it serves.

    Parameters
    ----------
    plan
        The plan.
    site_lonlat, demand_lonlat
        Lon/lat of all candidates and of all demand points.
    site_ids
        Ids per candidate (default: candidate index).
    radius_m
        Clip each area to this crow-fly radius (metres) around its outlet.
    covered_only
        Only covered demand (``plan.covered``) adds its cell.
    margin_m
        How far cells reach beyond the demand's convex hull.

    Returns
    -------
    geopandas.GeoDataFrame
        ``candidate_idx``, ``site_id``, ``n_points``, ``load`` and polygons.
    """
    sites = _lonlat(site_lonlat, plan.n_candidates, "site_lonlat")
    demand = _lonlat(demand_lonlat, plan.n_demand, "demand_lonlat")
    open_idx = np.asarray(plan.open_idx)
    pos = np.full(plan.n_candidates, -1, dtype=np.int64)
    pos[open_idx] = np.arange(open_idx.size)
    ai = np.asarray(plan.assign_idx)
    assign = np.where(ai >= 0, pos[np.maximum(ai, 0)], -1)
    ids = list(range(plan.n_candidates)) if site_ids is None else list(site_ids)
    frame = _geo_service_areas(
        sites[open_idx],
        demand,
        assign,
        site_ids=[ids[j] for j in open_idx],
        covered=np.asarray(plan.covered) if covered_only else None,
        radius_m=radius_m,
        margin_m=margin_m,
    )
    frame = frame.rename(columns={"site_idx": "candidate_idx"})
    frame["candidate_idx"] = open_idx
    assert plan.outlet_load is not None
    frame["load"] = np.asarray(plan.outlet_load)[open_idx]
    return frame


def uncovered_layer(plan: SitingPlan, demand_lonlat: npt.ArrayLike) -> gpd.GeoDataFrame:
    """Demand points not covered by the plan, with weight, outlet and cost."""
    xy = _lonlat(demand_lonlat, plan.n_demand, "demand_lonlat")
    df = plan.allocation_frame()
    keep = ~df["covered"].to_numpy()
    return gpd.GeoDataFrame(
        df[keep].reset_index(drop=True),
        geometry=gpd.points_from_xy(xy[keep, 0], xy[keep, 1]),
        crs="EPSG:4326",
    )
