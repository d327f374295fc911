"""Service areas: Voronoi unions checked by point-in-polygon and areas."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from planner.core.errors import InputError
from planner.geo import service_areas, to_metric, utm_crs, voronoi_cells


def _instance(seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """4 sites and 200 demand points around Helsinki, each on its nearest site."""
    rng = np.random.default_rng(seed)
    sites = np.column_stack([rng.uniform(24.8, 25.1, 4), rng.uniform(60.15, 60.3, 4)])
    demand = np.column_stack(
        [rng.uniform(24.75, 25.15, 200), rng.uniform(60.1, 60.35, 200)]
    )
    crs = utm_crs(demand[:, 0], demand[:, 1])
    s_xy, d_xy = to_metric(sites, crs), to_metric(demand, crs)
    assign = np.argmin(((d_xy[:, None, :] - s_xy[None, :, :]) ** 2).sum(-1), axis=1)
    return sites, demand, assign


def test_each_point_lies_in_its_own_site_area_only() -> None:
    """Every demand point is inside its site's area and outside the others'."""
    sites, demand, assign = _instance()
    areas = service_areas(sites, demand, assign)
    assert areas.crs.to_epsg() == 4326
    assert areas["n_points"].sum() == len(demand)
    for i, (lon, lat) in enumerate(demand):
        inside = [g.covers(shapely.Point(lon, lat)) for g in areas.geometry]
        assert inside[assign[i]]
        assert sum(inside) == 1


def test_areas_tile_the_region_without_overlap() -> None:
    """The areas do not overlap and add up to the whole clipped region."""
    sites, demand, assign = _instance(1)
    areas = service_areas(sites, demand, assign, margin_m=1000.0).to_crs(
        utm_crs(demand[:, 0], demand[:, 1])
    )
    total = sum(g.area for g in areas.geometry)
    union = shapely.union_all(areas.geometry.to_numpy()).area
    assert total == pytest.approx(union, rel=1e-9)
    cells = voronoi_cells(demand, crs=areas.crs, margin_m=1000.0)
    assert union == pytest.approx(shapely.union_all(cells).area, rel=1e-9)


def test_radius_clips_each_area_to_its_disc_and_covered_filters() -> None:
    """With radius_m no part lies beyond the radius; uncovered points add nothing."""
    sites, demand, assign = _instance(2)
    crs = utm_crs(demand[:, 0], demand[:, 1])
    covered = np.zeros(len(demand), dtype=bool)
    covered[::2] = True
    areas = service_areas(
        sites, demand, assign, radius_m=3000.0, covered=covered
    ).to_crs(crs)
    s_xy = to_metric(sites, crs)
    for j, g in enumerate(areas.geometry):
        if g.is_empty:
            continue
        xy = shapely.get_coordinates(g)
        assert np.hypot(*(xy - s_xy[j]).T).max() <= 3000.0 * 1.001
    assert areas["n_points"].sum() == covered.sum()


def test_duplicate_points_and_unserved_sites() -> None:
    """Points at one place share a cell; a site without points is empty."""
    sites = [[24.9, 60.2], [25.0, 60.2], [26.0, 60.5]]
    demand = [[24.91, 60.2], [24.91, 60.2], [25.01, 60.2]]
    areas = service_areas(sites, demand, [0, 0, 1], site_ids=["a", "b", "c"])
    assert areas["n_points"].tolist() == [2, 1, 0]
    assert areas.geometry.iloc[2].is_empty
    assert not areas.geometry.iloc[0].is_empty


def test_bad_assignment_raises_input_error() -> None:
    """An assignment out of range or of the wrong length is named."""
    with pytest.raises(InputError, match=r"assignment\[1\]"):
        service_areas([[24.9, 60.2]], [[24.9, 60.2], [25.0, 60.2]], [0, 3])
    with pytest.raises(InputError, match="2 site indices"):
        service_areas([[24.9, 60.2]], [[24.9, 60.2], [25.0, 60.2]], [0])
