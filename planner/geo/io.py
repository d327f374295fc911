"""GeoDataFrames at the edges: read points, write frames, by file suffix.

The formats are those of :data:`planner.geo.formats.TABLE_FORMATS`:
GeoPackage, GeoJSON, (Geo)Parquet and CSV with lon/lat columns in WGS84
degrees. Row numbers in messages count data rows (features) from 1; the
header of a CSV is not counted.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from planner.core.atomic import atomic_path
from planner.core.checks import row_label
from planner.core.errors import InputError
from planner.geo.formats import (
    TABLE_FORMATS,
    as_geo,
    id_column,
    read_table,
    table_format,
)

__all__ = ["POINT_SUFFIXES", "points_lonlat", "read_points", "write_frame"]

#: File suffixes :func:`read_points` and :func:`write_frame` know, by format.
POINT_SUFFIXES = {k: f.name for k, f in TABLE_FORMATS.items()}


def read_points(
    path: str | os.PathLike[str],
    *,
    id_col: str | None = "id",
    lon_col: str = "lon",
    lat_col: str = "lat",
    layer: str | None = None,
    required: Sequence[str] = (),
    what: str = "points",
) -> gpd.GeoDataFrame:
    """Read points from any table file :func:`~planner.geo.formats.read_table` reads.

    Geometry files (and GeoParquet) must hold Point geometries; their CRS is
    checked against the coordinates and converted to EPSG:4326 (a file
    without a CRS is taken as EPSG:4326). CSV and plain Parquet need
    ``lon_col`` and ``lat_col`` columns. The result is an EPSG:4326
    GeoDataFrame with the file's columns, ``lon_col`` and ``lat_col`` (from
    the geometry) and the ids as strings.

    Raises :class:`~planner.core.errors.InputError`, with ``source`` the file
    name, when the file is missing, unreadable or empty, holds other
    geometries than points, lacks the id, lon/lat or ``required`` columns, or
    has NaN / out-of-range coordinates or duplicate ids (the rows are named).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "towns.csv"
    >>> _ = p.write_text("id,lon,lat,pop\\nA,24.9,60.2,100\\nB,25.0,60.3,50\\n")
    >>> read_points(p, required=["pop"])[["id", "pop"]].values.tolist()
    [['A', 100], ['B', 50]]
    >>> _ = p.write_text("id,lon,lat\\nA,24.9,60.2\\nA,25.0,60.3\\n")
    >>> read_points(p)
    Traceback (most recent call last):
    ...
    planner.core.errors.InputError: towns.csv rows 1 and 2: id must be unique; got 'A'
    """
    wanted = [c for c in (id_col, *required) if c is not None]
    frame = read_table(
        path,
        what=what,
        text_columns=() if id_col is None else (id_col,),
        required=wanted,
        layer=layer,
        points=True,
        lon_col=lon_col,
        lat_col=lat_col,
    )
    source = str(frame.attrs["source"])
    if len(frame) == 0:
        raise InputError(source=source, expected="at least one row", got="no rows")
    ids = None if id_col is None else id_column(frame, id_col, source=source)
    lon = _numeric(frame[lon_col], lon_col, source, ids)
    lat = _numeric(frame[lat_col], lat_col, source, ids)
    for name, v, lo, hi in ((lon_col, lon, -180.0, 180.0), (lat_col, lat, -90.0, 90.0)):
        bad = ~np.isfinite(v) | (v < lo) | (v > hi)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise InputError(
                source=source,
                location=row_label(i, None if ids is None else ids[i]),
                field=name,
                expected=f"in [{lo:g}, {hi:g}]",
                got=float(v[i]),
                hint="the values look like metres; give WGS84 degrees or a "
                "geometry file with its CRS"
                if np.nanmax(np.abs(v)) > 1000
                else None,
            )
    out = pd.DataFrame(frame).reset_index(drop=True)
    out.attrs = {}
    if ids is not None and id_col is not None:
        out[id_col] = ids
    out[lon_col] = lon
    out[lat_col] = lat
    g = gpd.GeoDataFrame(out, geometry=gpd.points_from_xy(lon, lat), crs="EPSG:4326")
    g.attrs["source"] = source
    return g


def points_lonlat(frame: gpd.GeoDataFrame) -> np.ndarray:
    """``(n, 2)`` lon/lat of a GeoDataFrame of points (converted to EPSG:4326).

    >>> g = gpd.GeoDataFrame(geometry=gpd.points_from_xy([24.9], [60.2]), crs=4326)
    >>> points_lonlat(g).tolist()
    [[24.9, 60.2]]
    """
    if frame.crs is not None and not _is_wgs84(frame):
        frame = frame.to_crs("EPSG:4326")
    types = frame.geometry.geom_type.to_numpy()
    bad = types != "Point"
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(
            location=row_label(i), field="geometry", expected="Point", got=types[i]
        )
    return np.column_stack(
        [
            frame.geometry.x.to_numpy(dtype=np.float64),
            frame.geometry.y.to_numpy(dtype=np.float64),
        ]
    )


def write_frame(frame: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
    """Write a (Geo)DataFrame by the suffix of ``path``, atomically.

    ``.gpkg`` and ``.geojson``/``.json`` need a GeoDataFrame (or a DataFrame
    with ``lon``/``lat`` columns, made into points); GeoJSON is written in
    EPSG:4326. ``.parquet`` writes GeoParquet for a GeoDataFrame and plain
    Parquet otherwise. ``.csv`` writes point geometries as ``lon``/``lat``
    columns in EPSG:4326 (other geometries as WKT in a ``geometry`` column).
    The index is not written. Returns the path written.

    >>> import tempfile, pathlib
    >>> g = gpd.GeoDataFrame({"id": ["A"]}, geometry=gpd.points_from_xy([24.9], [60.2]),
    ...                      crs=4326)
    >>> p = write_frame(g, pathlib.Path(tempfile.mkdtemp()) / "out.csv")
    >>> p.read_text().splitlines()
    ['id,lon,lat', 'A,24.9,60.2']
    """
    target = Path(path)
    fmt = table_format(target)
    if not isinstance(frame, pd.DataFrame):
        raise InputError(
            source=target.name,
            field="frame",
            expected="a (Geo)DataFrame",
            got=type(frame).__name__,
        )
    if fmt.name in ("GeoPackage", "GeoJSON"):
        as_geo(frame, target.name)  # refuse before anything is written
    _atomic_write(target, lambda p: fmt.write(frame, p, target.stem))
    return target


# ----------------------------------------------------------------- internals
def _atomic_write(target: Path, write: Callable[[Path], Any]) -> None:
    """Write with ``write(p)`` where ``p`` has the target's suffix, then rename.

    GDAL wants the right suffix on the file it writes, so the data goes to a
    sibling of :func:`~planner.core.atomic.atomic_path`'s temporary name first.
    """
    with atomic_path(target) as tmp:
        real = tmp.with_name(tmp.name + target.suffix)
        try:
            write(real)
            os.replace(real, tmp)
        finally:
            if real.exists():
                real.unlink()


def _is_wgs84(frame: gpd.GeoDataFrame) -> bool:
    return bool(frame.crs is not None and frame.crs.to_epsg() == 4326)


def _numeric(
    col: pd.Series, name: str, source: str, ids: np.ndarray | None
) -> np.ndarray:
    values = pd.to_numeric(col, errors="coerce").to_numpy(dtype=np.float64)
    bad = np.isnan(values)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raw = col.iloc[i]
        raise InputError(
            source=source,
            location=row_label(i, None if ids is None else ids[i]),
            field=name,
            expected="a number",
            got="empty" if _blank(raw) else raw,
        )
    return values


def _blank(x: Any) -> bool:
    return x is None or (isinstance(x, str) and not x.strip()) or bool(pd.isna(x))
