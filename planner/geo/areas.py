"""Service areas: polygons of the demand each outlet serves.

Geometry is done in the UTM zone of the points (:func:`~planner.geo.crs.utm_crs`)
and returned in WGS84 lon/lat.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pyproj
import shapely

from planner.core.errors import InputError
from planner.geo.crs import check_lonlat, to_metric, utm_crs

__all__ = ["service_areas", "voronoi_cells"]


def voronoi_cells(
    points: npt.ArrayLike,
    *,
    crs: pyproj.CRS | None = None,
    margin_m: float = 5000.0,
) -> np.ndarray:
    """The Voronoi cell of each point, in metric ``crs`` coordinates.

    Cells are clipped to the convex hull of the points grown by ``margin_m``.
    Points at the same place share one cell. ``crs`` defaults to the UTM zone
    of the points.

    >>> cells = voronoi_cells([[24.90, 60.17], [24.92, 60.17]], margin_m=100.0)
    >>> len(cells), all(c.geom_type == "Polygon" for c in cells)
    (2, True)
    """
    lonlat = check_lonlat(points, "points")
    if not margin_m >= 0:
        raise InputError(field="margin_m", expected=">= 0", got=margin_m)
    if len(lonlat) == 0:
        return np.empty(0, dtype=object)
    if crs is None:
        crs = utm_crs(lonlat[:, 0], lonlat[:, 1])
    cells, inverse = _unique_cells(to_metric(lonlat, crs), margin_m)
    return cells[inverse]


def _unique_cells(xy: np.ndarray, margin_m: float) -> tuple[np.ndarray, np.ndarray]:
    """Voronoi cells of the distinct points of ``xy`` and each point's cell."""
    uniq, inverse = np.unique(xy, axis=0, return_inverse=True)
    inverse = inverse.ravel()
    region = shapely.convex_hull(shapely.multipoints(uniq)).buffer(margin_m)
    if len(uniq) == 1:
        cells = np.array([region], dtype=object)
    else:
        diagram = shapely.voronoi_polygons(
            shapely.multipoints(uniq), extend_to=region, ordered=True
        )
        cells = shapely.intersection(
            np.asarray(shapely.get_parts(diagram), dtype=object), region
        )
    return np.asarray(cells, dtype=object), inverse


def service_areas(
    site_lonlat: npt.ArrayLike,
    demand_lonlat: npt.ArrayLike,
    assignment: npt.ArrayLike,
    *,
    site_ids: Sequence[Any] | None = None,
    covered: npt.ArrayLike | None = None,
    radius_m: float | None = None,
    margin_m: float = 5000.0,
) -> gpd.GeoDataFrame:
    """One polygon per site: the union of its demand points' Voronoi cells.

    Parameters
    ----------
    site_lonlat
        ``(k, 2)`` lon/lat of the sites (outlets).
    demand_lonlat
        ``(n, 2)`` lon/lat of the demand points.
    assignment
        ``(n,)`` index of the site serving each demand point; ``-1`` for none.
    site_ids
        Ids of the sites for the ``site_id`` column (default: positions).
    covered
        Optional ``(n,)`` booleans: only covered points add their cell.
    radius_m
        If given, each area is clipped to the disc of this crow-fly radius
        around its site (an isochrone-like shape where travel is straight-line;
        with road travel it is an outer bound).
    margin_m
        How far cells reach beyond the convex hull of the demand points.

    Returns
    -------
    geopandas.GeoDataFrame
        ``site_idx``, ``site_id``, ``n_points`` and the polygon (EPSG:4326);
        a site without points has an empty geometry.

    Examples
    --------
    >>> sites = [[24.90, 60.17], [24.96, 60.17]]
    >>> demand = [[24.89, 60.17], [24.91, 60.17], [24.95, 60.17], [24.97, 60.17]]
    >>> areas = service_areas(sites, demand, [0, 0, 1, 1], site_ids=["west", "east"])
    >>> areas[["site_id", "n_points"]].values.tolist()
    [['west', 2], ['east', 2]]
    >>> bool(areas.geometry.iloc[0].contains(shapely.Point(24.90, 60.17)))
    True
    """
    sites = check_lonlat(site_lonlat, "site_lonlat")
    demand = check_lonlat(demand_lonlat, "demand_lonlat")
    k, n = len(sites), len(demand)
    assign = np.asarray(assignment)
    if assign.shape != (n,) or (n and assign.dtype.kind not in "iu"):
        raise InputError(
            field="assignment",
            expected=f"{n} site indices (integers, -1 for none)",
            got=f"{assign.dtype} of shape {assign.shape}",
        )
    bad = (assign < -1) | (assign >= k)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(
            location=f"assignment[{i}]",
            field="assignment",
            expected=f"in [-1, {k - 1}]",
            got=int(assign[i]),
        )
    use = assign >= 0
    if covered is not None:
        cov = np.asarray(covered, dtype=bool)
        if cov.shape != (n,):
            raise InputError(
                field="covered", expected=f"{n} booleans", got=f"shape {cov.shape}"
            )
        use &= cov
    ids = list(range(k)) if site_ids is None else list(site_ids)
    if len(ids) != k:
        raise InputError(field="site_ids", expected=f"{k} ids", got=len(ids))
    if radius_m is not None and not radius_m > 0:
        raise InputError(field="radius_m", expected="> 0", got=radius_m)
    both = np.vstack([sites, demand]) if n else sites
    crs = utm_crs(both[:, 0], both[:, 1])
    if not margin_m >= 0:
        raise InputError(field="margin_m", expected=">= 0", got=margin_m)
    if n:
        cells, cell_of = _unique_cells(to_metric(demand, crs), margin_m)
    else:
        cells, cell_of = np.empty(0, dtype=object), np.empty(0, dtype=np.int64)
    site_xy = to_metric(sites, crs) if k else np.empty((0, 2))
    geoms = []
    counts = []
    for j in range(k):
        mine = np.flatnonzero(use & (assign == j))
        counts.append(len(mine))
        if len(mine) == 0:
            geoms.append(shapely.Polygon())
            continue
        # the cells tile the plane without overlap: a coverage union is exact
        area = shapely.coverage_union_all(cells[np.unique(cell_of[mine])])
        if radius_m is not None:
            area = area.intersection(shapely.Point(site_xy[j]).buffer(radius_m))
        geoms.append(area)
    frame = gpd.GeoDataFrame(
        {
            "site_idx": np.arange(k),
            "site_id": ids,
            "n_points": np.asarray(counts, dtype=np.int64),
        },
        geometry=gpd.GeoSeries(geoms, crs=crs),
    )
    return frame.to_crs("EPSG:4326")
