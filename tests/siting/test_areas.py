"""Map layers: outlets, service-area polygons and uncovered demand."""

from __future__ import annotations

import numpy as np
import shapely

from planner.siting import (
    outlets_layer,
    service_area_layer,
    solve_mclp,
    uncovered_layer,
)


def _instance() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Demand and sites around Helsinki with crow-fly metres (equirectangular)."""
    rng = np.random.default_rng(4)
    demand = np.column_stack(
        [rng.uniform(24.8, 25.1, 60), rng.uniform(60.15, 60.30, 60)]
    )
    sites = np.column_stack(
        [rng.uniform(24.8, 25.1, 12), rng.uniform(60.15, 60.30, 12)]
    )
    kx = 111_320 * np.cos(np.radians(60.2))
    ky = 110_570
    dx = (demand[:, None, 0] - sites[None, :, 0]) * kx
    dy = (demand[:, None, 1] - sites[None, :, 1]) * ky
    return demand, sites, np.hypot(dx, dy)


def test_layers_consistent_with_plan() -> None:
    """Covered points lie in their outlet's area, areas do not overlap, uncovered listed."""
    demand, sites, cost = _instance()
    plan = solve_mclp(cost, None, 3, 4000.0)
    outs = outlets_layer(plan, sites)
    assert outs["open"].sum() == plan.p
    areas = service_area_layer(plan, sites, demand)
    assert sorted(areas["candidate_idx"]) == plan.open_idx.tolist()
    geom = dict(zip(areas["candidate_idx"], areas.geometry, strict=True))
    cov = np.asarray(plan.covered)
    for i in np.flatnonzero(cov):
        pt = shapely.Point(demand[i])
        assert geom[int(plan.assign_idx[i])].buffer(1e-9).contains(pt)
    polys = list(areas.geometry)
    for a in range(len(polys)):
        for b in range(a + 1, len(polys)):
            assert polys[a].intersection(polys[b]).area < 1e-10
    unc = uncovered_layer(plan, demand)
    assert len(unc) == int((~cov).sum())
    assert not unc["covered"].any()


def test_radius_clip_keeps_area_near_outlet() -> None:
    """With radius_m every area lies within that crow-fly distance of its outlet."""
    demand, sites, cost = _instance()
    plan = solve_mclp(cost, None, 3, 4000.0)
    areas = service_area_layer(plan, sites, demand, radius_m=4000.0).to_crs(
        areas_crs := "EPSG:3067"
    )
    import geopandas as gpd

    pts = gpd.GeoSeries(
        gpd.points_from_xy(sites[plan.open_idx, 0], sites[plan.open_idx, 1]),
        crs="EPSG:4326",
    ).to_crs(areas_crs)
    for poly, pt in zip(areas.geometry, pts, strict=True):
        if not poly.is_empty:
            assert poly.hausdorff_distance(pt) <= 4000.0 * 1.01
