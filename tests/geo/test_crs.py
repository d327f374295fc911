"""UTM zone choice and projections against pyproj's own database and Geod."""

from __future__ import annotations

import numpy as np
import pyproj
import pytest
from pyproj.aoi import AreaOfInterest
from pyproj.database import query_utm_crs_info

from planner.core.errors import InputError
from planner.geo import to_lonlat, to_metric, utm_crs


@pytest.mark.parametrize(
    ("lon", "lat"),
    [(24.94, 60.17), (116.41, 39.90), (151.21, -33.87), (-74.0, 40.71), (-58.4, -34.6)],
)
def test_utm_zone_matches_pyproj_database(lon: float, lat: float) -> None:
    """The zone is the one pyproj's database lists for the point."""
    infos = query_utm_crs_info(
        datum_name="WGS 84", area_of_interest=AreaOfInterest(lon, lat, lon, lat)
    )
    codes = {int(i.code) for i in infos}
    assert utm_crs(lon, lat).to_epsg() in codes


def test_centroid_across_the_antimeridian() -> None:
    """Points on both sides of 180 degrees get zone 60 or 1, not one near 0."""
    assert utm_crs([179.5, -179.5], [-17.0, -17.0]).to_epsg() in (32760, 32701)


def test_metric_distances_match_geodesic_and_round_trip() -> None:
    """Planar distances in the UTM zone are within 0.1 % of geodesic; inverse works."""
    rng = np.random.default_rng(0)
    pts = np.column_stack([rng.uniform(24.5, 25.5, 40), rng.uniform(60.0, 60.5, 40)])
    crs = utm_crs(pts[:, 0], pts[:, 1])
    xy = to_metric(pts, crs)
    planar = np.hypot(*(xy[1:] - xy[:-1]).T)
    _, _, geo = pyproj.Geod(ellps="WGS84").inv(
        pts[:-1, 0], pts[:-1, 1], pts[1:, 0], pts[1:, 1]
    )
    np.testing.assert_allclose(planar, geo, rtol=1e-3)
    np.testing.assert_allclose(to_lonlat(xy, crs), pts, atol=1e-9)


def test_bad_coordinates_raise_input_error() -> None:
    """Out-of-range or mismatched coordinates raise InputError."""
    with pytest.raises(InputError, match="lat"):
        utm_crs(10.0, 95.0)
    with pytest.raises(InputError, match="shapes"):
        utm_crs([1.0, 2.0], [3.0])
