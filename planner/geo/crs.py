"""Coordinates: validation of WGS84 lon/lat and the automatic metric CRS (UTM).

Coordinates at the edge are WGS84 longitude/latitude in degrees, as ``(n, 2)``
arrays ``[[lon, lat], ...]``. Geometry (distances in a plane, nearest
neighbours, offsets in metres) happens in the UTM zone of the points' centroid,
which :func:`utm_crs` picks.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pyproj

from planner.core.errors import InputError

__all__ = [
    "EARTH_RADIUS_M",
    "check_lonlat",
    "to_lonlat",
    "to_metric",
    "unit_vectors",
    "utm_crs",
]

#: Mean Earth radius (IUGG, R1 = (2a + b) / 3) in metres, used for great circles.
EARTH_RADIUS_M = 6_371_008.8


def check_lonlat(
    points: npt.ArrayLike, name: str = "points", *, source: str | None = None
) -> np.ndarray:
    """Validate an ``(n, 2)`` array of WGS84 lon/lat and return it as float64.

    Raises :class:`~planner.core.errors.InputError` naming the row when a value
    is not finite or out of range (lon in [-180, 180], lat in [-90, 90]).

    >>> check_lonlat([[24.94, 60.17]]).shape
    (1, 2)
    >>> check_lonlat([[24.94, 91.0]], "origins")
    Traceback (most recent call last):
    ...
    planner.core.errors.InputError: origins row 0: lat must be in [-90, 90]; got 91.0
    """
    try:
        a = np.asarray(points, dtype=np.float64)
    except (TypeError, ValueError) as e:
        raise InputError(
            source=source,
            field=name,
            expected="an (n, 2) array of lon, lat numbers",
            got=type(points).__name__,
        ) from e
    if a.ndim != 2 or a.shape[1] != 2:
        raise InputError(
            source=source,
            field=name,
            expected="an (n, 2) array of lon, lat",
            got=f"shape {a.shape}",
        )
    for col, (field, lo, hi) in enumerate(
        (("lon", -180.0, 180.0), ("lat", -90.0, 90.0))
    ):
        v = a[:, col]
        bad = ~np.isfinite(v) | (v < lo) | (v > hi)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise InputError(
                source=source or name,
                location=f"row {i}",
                field=field,
                expected=f"in [{lo:g}, {hi:g}]",
                got=float(v[i]),
            )
    return a


def unit_vectors(lonlat: np.ndarray, dtype: npt.DTypeLike = np.float64) -> np.ndarray:
    """Points on the unit sphere, ``(n, 3)``, for lon/lat in degrees.

    The chord between two unit vectors gives the great-circle angle without
    cancellation for short distances: ``angle = 2 asin(chord / 2)``.

    >>> unit_vectors(np.array([[0.0, 0.0], [90.0, 0.0]])).round(12).tolist()
    [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]
    """
    lon = np.radians(np.asarray(lonlat, dtype=np.float64)[:, 0])
    lat = np.radians(np.asarray(lonlat, dtype=np.float64)[:, 1])
    cos_lat = np.cos(lat)
    xyz = np.column_stack([cos_lat * np.cos(lon), cos_lat * np.sin(lon), np.sin(lat)])
    return xyz.astype(dtype, copy=False)


def utm_crs(lon: npt.ArrayLike, lat: npt.ArrayLike) -> pyproj.CRS:
    """The WGS84 UTM zone (EPSG 326xx north / 327xx south) of the points' centroid.

    The centroid is the mean of the points as unit vectors, so a set of points
    across the antimeridian gets the right zone. The standard 6-degree zones are
    used (without the Norway and Svalbard exceptions), which is metric enough
    for distances and nearest neighbours.

    >>> utm_crs(24.94, 60.17).to_epsg()   # Helsinki
    32635
    >>> utm_crs([-58.4], [-34.6]).to_epsg()  # Buenos Aires
    32721
    """
    lo = np.atleast_1d(np.asarray(lon, dtype=np.float64))
    la = np.atleast_1d(np.asarray(lat, dtype=np.float64))
    if lo.shape != la.shape or lo.size == 0:
        raise InputError(
            field="lon, lat",
            expected="two non-empty arrays of equal length",
            got=f"shapes {lo.shape} and {la.shape}",
        )
    pts = check_lonlat(np.column_stack([lo.ravel(), la.ravel()]), "lon, lat")
    c = unit_vectors(pts).mean(axis=0)
    clon = float(np.degrees(np.arctan2(c[1], c[0])))
    clat = float(np.degrees(np.arctan2(c[2], np.hypot(c[0], c[1]))))
    zone = min(int((clon + 180.0) // 6.0) + 1, 60)
    return pyproj.CRS.from_epsg((32600 if clat >= 0 else 32700) + zone)


def to_metric(lonlat: npt.ArrayLike, crs: pyproj.CRS | None = None) -> np.ndarray:
    """Project ``(n, 2)`` lon/lat to ``(n, 2)`` x/y metres in ``crs``.

    ``crs`` defaults to :func:`utm_crs` of the points.

    >>> xy = to_metric([[24.94, 60.17], [24.95, 60.17]])
    >>> round(float(xy[1, 0] - xy[0, 0]))   # 0.01 degree of longitude at 60 N
    555
    """
    pts = check_lonlat(lonlat, "lonlat")
    if crs is None:
        crs = utm_crs(pts[:, 0], pts[:, 1])
    tr = pyproj.Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    x, y = tr.transform(pts[:, 0], pts[:, 1])
    return np.column_stack(
        [np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)]
    )


def to_lonlat(xy: npt.ArrayLike, crs: pyproj.CRS) -> np.ndarray:
    """Inverse of :func:`to_metric`: ``(n, 2)`` x/y in ``crs`` to lon/lat degrees.

    >>> crs = utm_crs(24.94, 60.17)
    >>> to_lonlat(to_metric([[24.94, 60.17]], crs), crs).round(9).tolist()
    [[24.94, 60.17]]
    """
    a = np.asarray(xy, dtype=np.float64)
    if a.ndim != 2 or a.shape[1] != 2:
        raise InputError(field="xy", expected="an (n, 2) array", got=f"shape {a.shape}")
    tr = pyproj.Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    lon, lat = tr.transform(a[:, 0], a[:, 1])
    return np.column_stack(
        [np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)]
    )
