"""Siting from GeoDataFrames: demand and candidate sites as geopandas frames.

A thin adapter in the manner of spopt's ``from_geodataframe``: it checks the
frames (a CRS, point or polygon geometries, a numeric weights column),
converts their geometry to WGS84 lon/lat, asks the travel model for the
demand x candidate matrix and returns the :class:`SitingCase` every model in
:data:`~planner.siting.SITING_MODELS` solves. The arrays are indexed by row
position: ``candidates.iloc[plan.open_idx]`` are the open sites.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from planner.core.errors import InputError
from planner.core.rng import Seed
from planner.geo.formats import number_column, points_frame
from planner.geo.great_circle import GreatCircle
from planner.siting.models import SitingCase
from planner.siting.options import SiteOptions

if TYPE_CHECKING:
    from planner.geo.matrix import TravelModel

__all__ = ["siting_case_from_geodataframes"]


def siting_case_from_geodataframes(
    demand: Any,
    candidates: Any,
    *,
    weights: str,
    travel: TravelModel | None = None,
    p: int = 1,
    radius: float = 0.0,
    target_share: float = 1.0,
    capacity: str | None = None,
    options: SiteOptions | None = None,
    money_per_km: float | None = None,
    time_limit_s: float | None = None,
    seed: Seed = 0,
) -> SitingCase:
    """The siting question of two GeoDataFrames, for any model of ``SITING_MODELS``.

    Parameters
    ----------
    demand
        Demand points (or areas: polygons stand for a point inside each), a
        GeoDataFrame with a CRS (reprojected to WGS84 for the travel model).
    candidates
        Candidate sites, likewise.
    weights
        The column of ``demand`` with each point's tickets per year (>= 0).
    travel
        A travel model (:class:`~planner.geo.GreatCircle`,
        :class:`~planner.geo.RoadNetwork`, :class:`~planner.geo.MatrixFile`,
        ...); default: great circle x 1.3 at 40 km/h.
    p, radius, target_share
        Outlets to open; service radius in minutes; share of demand to cover
        (as :class:`SitingCase` takes them).
    capacity
        A column of ``candidates`` with tickets per year each may serve
        (facility location), or None (uncapacitated).
    options
        Existing, excluded and partner sites (row positions of
        ``candidates``) with their money.
    money_per_km
        If given, the money matrix (facility location) is a round trip per
        ticket: ``2 * km * money_per_km``; otherwise the models use minutes.
    time_limit_s, seed
        As every solver takes them.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from planner.siting import SITING_MODELS
    >>> towns = gpd.GeoDataFrame({"tickets": [100.0, 100.0, 1.0]},
    ...     geometry=gpd.points_from_xy([24.90, 24.92, 25.40], [60.17, 60.17, 60.40]),
    ...     crs="EPSG:4326")
    >>> sites = towns.iloc[[0, 2]].reset_index(drop=True)
    >>> case = siting_case_from_geodataframes(towns, sites, weights="tickets", p=1)
    >>> SITING_MODELS["pmedian"].solve(case).open_idx.tolist()
    [0]
    """
    d = points_frame(demand, what="demand", areas=True)
    c = points_frame(candidates, what="candidates", areas=True)
    if not isinstance(weights, str) or weights not in d.columns:
        raise InputError(
            source="demand",
            field="weights",
            expected=f"one of its columns {[str(x) for x in d.columns]}",
            got=weights,
        )
    ids_d = d["id"] if "id" in d.columns else None
    w = number_column(d, weights, source="demand", ids=ids_d, minimum=0.0)
    cap = None
    if capacity is not None:
        if capacity not in c.columns:
            raise InputError(
                source="candidates",
                field="capacity",
                expected=f"one of its columns {[str(x) for x in c.columns]}",
                got=capacity,
            )
        ids_c = c["id"] if "id" in c.columns else None
        cap = number_column(c, capacity, source="candidates", ids=ids_c, minimum=0.0)
    model = travel if travel is not None else GreatCircle()
    tm = model.matrix(
        d[["lon", "lat"]].to_numpy(dtype=np.float64),
        c[["lon", "lat"]].to_numpy(dtype=np.float64),
    )
    money = None
    if money_per_km is not None:
        if not (
            isinstance(money_per_km, int | float)
            and np.isfinite(money_per_km)
            and money_per_km >= 0
        ):
            raise InputError(
                field="money_per_km", expected="a finite number >= 0", got=money_per_km
            )
        money = 2.0 * np.asarray(tm.distance_m) / 1000.0 * float(money_per_km)
    return SitingCase(
        travel=np.asarray(tm.duration_min, dtype=np.float64),
        weights=w,
        options=options if options is not None else SiteOptions(),
        money=money,
        p=p,
        radius=radius,
        target_share=target_share,
        capacity=cap,
        time_limit_s=time_limit_s,
        seed=seed,
    )
