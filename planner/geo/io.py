"""GeoDataFrames at the edges: read points, write frames, by file suffix.

Formats: GeoPackage (``.gpkg``), GeoJSON (``.geojson``, ``.json``),
(Geo)Parquet (``.parquet``, ``.geoparquet``) and CSV (``.csv``) with lon/lat
columns in WGS84 degrees. Row numbers in messages count data rows (features)
from 1; the header of a CSV is not counted.
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
from planner.core.errors import InputError

__all__ = ["POINT_SUFFIXES", "points_lonlat", "read_points", "write_frame"]

#: File suffixes :func:`read_points` and :func:`write_frame` know, by format.
POINT_SUFFIXES = {
    ".gpkg": "GeoPackage",
    ".geojson": "GeoJSON",
    ".json": "GeoJSON",
    ".parquet": "Parquet",
    ".geoparquet": "Parquet",
    ".csv": "CSV",
}


def _allowed() -> str:
    return ", ".join(POINT_SUFFIXES)


def _where(row: int, ident: Any = None) -> str:
    return f'row {row + 1} (id "{ident}")' if ident is not None else f"row {row + 1}"


def read_points(
    path: str | os.PathLike[str],
    *,
    id_col: str | None = "id",
    lon_col: str = "lon",
    lat_col: str = "lat",
    layer: str | None = None,
    required: Sequence[str] = (),
) -> gpd.GeoDataFrame:
    """Read points from a GeoPackage, GeoJSON, (Geo)Parquet or CSV file.

    Geometry files (and GeoParquet) must hold Point geometries; their CRS is
    converted to EPSG:4326 (a file without a CRS is taken as EPSG:4326). CSV
    and plain Parquet need ``lon_col`` and ``lat_col`` columns. The result is
    an EPSG:4326 GeoDataFrame with the file's columns, ``lon_col`` and
    ``lat_col`` (from the geometry) and the ids as strings.

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
    p = Path(path)
    source = p.name
    if not p.is_file():
        raise InputError(
            source=source, expected="an existing file", got=f"no file at {p}"
        )
    suffix = p.suffix.lower()
    if suffix not in POINT_SUFFIXES:
        raise InputError(
            source=source,
            field="file type",
            expected=f"one of {_allowed()}",
            got=suffix or "no suffix",
        )
    frame = _read_any(p, suffix, layer, id_col)
    if len(frame) == 0:
        raise InputError(source=source, expected="at least one row", got="no rows")
    columns = [c for c in frame.columns if c != _geometry_name(frame)]
    wanted = [c for c in (id_col, *required) if c is not None]
    missing = [c for c in wanted if c not in frame.columns]
    if missing:
        raise InputError(
            source=source,
            field=", ".join(missing),
            expected=f"columns {', '.join(wanted)} present",
            got=f"columns {', '.join(map(str, columns)) or 'none'}",
        )
    ids: np.ndarray | None = None
    if id_col is not None:
        raw = frame[id_col]
        bad = raw.isna().to_numpy()
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise InputError(
                source=source,
                location=_where(i),
                field=id_col,
                expected="an id",
                got="empty",
            )
        ids = np.array([_id_text(x) for x in raw], dtype=object)
        dup = pd.Series(ids).duplicated(keep=False).to_numpy()
        if dup.any():
            i = int(np.flatnonzero(dup)[0])
            j = int(np.flatnonzero(dup & (ids == ids[i]))[1])
            raise InputError(
                source=source,
                location=f"rows {i + 1} and {j + 1}",
                field=id_col,
                expected="unique",
                got=ids[i],
            )

    if isinstance(frame, gpd.GeoDataFrame):
        lon, lat = _point_coordinates(frame, source, ids)
        out = pd.DataFrame(frame.drop(columns=_geometry_name(frame)))
    else:
        missing = [c for c in (lon_col, lat_col) if c not in frame.columns]
        if missing:
            raise InputError(
                source=source,
                field=", ".join(missing),
                expected=f"columns {lon_col!r} and {lat_col!r} (WGS84 degrees)",
                got=f"columns {', '.join(map(str, frame.columns))}",
                hint="or use a GeoPackage, GeoJSON or GeoParquet file with points",
            )
        lon = _numeric(frame[lon_col], lon_col, source, ids)
        lat = _numeric(frame[lat_col], lat_col, source, ids)
        out = pd.DataFrame(frame)
    for name, v, lo, hi in ((lon_col, lon, -180.0, 180.0), (lat_col, lat, -90.0, 90.0)):
        bad = ~np.isfinite(v) | (v < lo) | (v > hi)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise InputError(
                source=source,
                location=_where(i, None if ids is None else ids[i]),
                field=name,
                expected=f"in [{lo:g}, {hi:g}]",
                got=float(v[i]),
            )
    out = out.reset_index(drop=True)
    if ids is not None and id_col is not None:
        out[id_col] = ids
    out[lon_col] = lon
    out[lat_col] = lat
    return gpd.GeoDataFrame(out, geometry=gpd.points_from_xy(lon, lat), crs="EPSG:4326")


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
            location=_where(i), field="geometry", expected="Point", got=types[i]
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
    suffix = target.suffix.lower()
    fmt = POINT_SUFFIXES.get(suffix)
    if fmt is None:
        raise InputError(
            source=target.name,
            field="file type",
            expected=f"one of {_allowed()}",
            got=suffix or "no suffix",
        )
    if not isinstance(frame, pd.DataFrame):
        raise InputError(
            source=target.name,
            field="frame",
            expected="a (Geo)DataFrame",
            got=type(frame).__name__,
        )
    if fmt in ("GeoPackage", "GeoJSON"):
        g = _as_geo(frame, target.name)
        if fmt == "GeoJSON" and g.crs is not None and not _is_wgs84(g):
            g = g.to_crs("EPSG:4326")
        driver = "GPKG" if fmt == "GeoPackage" else "GeoJSON"
        kwargs: dict[str, Any] = {"layer": target.stem} if driver == "GPKG" else {}
        _atomic_write(
            target,
            lambda p: g.to_file(
                p, driver=driver, engine="pyogrio", index=False, **kwargs
            ),
        )
    elif fmt == "Parquet":
        # a GeoDataFrame becomes GeoParquet (WKB geometry, CRS in the metadata)
        _atomic_write(target, lambda p: frame.to_parquet(p, index=False))
    else:
        flat = _flatten_geometry(frame)
        _atomic_write(target, lambda p: flat.to_csv(p, index=False))
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


def _read_any(
    p: Path, suffix: str, layer: str | None, id_col: str | None
) -> pd.DataFrame:
    fmt = POINT_SUFFIXES[suffix]
    try:
        if fmt == "CSV":
            return pd.read_csv(p, dtype=None if id_col is None else {id_col: str})
        if fmt == "Parquet":
            import pyarrow.parquet as pq

            meta = pq.read_schema(p).metadata or {}
            if b"geo" in meta:
                return gpd.read_parquet(p)
            return pd.read_parquet(p)
        import pyogrio

        layers = [str(x) for x in pyogrio.list_layers(p)[:, 0]]
        if layer is None and len(layers) > 1:
            raise InputError(
                source=p.name,
                field="layer",
                expected=f"one of {', '.join(layers)} (the file has several)",
                got="none given",
            )
        if layer is not None and layer not in layers:
            raise InputError(
                source=p.name,
                field="layer",
                expected=f"one of {', '.join(layers)}",
                got=layer,
            )
        kwargs = {} if layer is None else {"layer": layer}
        return gpd.read_file(p, engine="pyogrio", **kwargs)
    except InputError:
        raise
    except Exception as e:  # any reader failure is the file's fault here
        raise InputError(
            source=p.name,
            expected=f"a readable {fmt} file"
            + (f" with layer {layer!r}" if layer else ""),
            got=f"{type(e).__name__}: {str(e).strip().splitlines()[0] if str(e).strip() else ''}",
        ) from e


def _geometry_name(frame: pd.DataFrame) -> str | None:
    if isinstance(frame, gpd.GeoDataFrame) and frame._geometry_column_name in frame:
        return str(frame.geometry.name)
    return None


def _is_wgs84(frame: gpd.GeoDataFrame) -> bool:
    return bool(frame.crs is not None and frame.crs.to_epsg() == 4326)


def _id_text(x: Any) -> str:
    """An id as text; integral floats (from a Parquet column with gaps) lose '.0'."""
    if isinstance(x, float | np.floating) and float(x).is_integer():
        return str(int(x))
    return str(x)


def _point_coordinates(
    frame: gpd.GeoDataFrame, source: str, ids: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray]:
    geom = frame.geometry
    missing = (geom.isna() | geom.is_empty).to_numpy()
    if missing.any():
        i = int(np.flatnonzero(missing)[0])
        raise InputError(
            source=source,
            location=_where(i, None if ids is None else ids[i]),
            field="geometry",
            expected="a point",
            got="no geometry",
        )
    types = geom.geom_type.to_numpy()
    bad = types != "Point"
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(
            source=source,
            location=_where(i, None if ids is None else ids[i]),
            field="geometry",
            expected="Point geometries",
            got=str(types[i]),
        )
    if frame.crs is not None and not _is_wgs84(frame):
        geom = geom.to_crs("EPSG:4326")
    return geom.x.to_numpy(dtype=np.float64), geom.y.to_numpy(dtype=np.float64)


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
            location=_where(i, None if ids is None else ids[i]),
            field=name,
            expected="a number",
            got="empty" if pd.isna(raw) else raw,
        )
    return values


def _as_geo(frame: pd.DataFrame, name: str) -> gpd.GeoDataFrame:
    if isinstance(frame, gpd.GeoDataFrame):
        return frame
    if "lon" in frame.columns and "lat" in frame.columns:
        return gpd.GeoDataFrame(
            frame,
            geometry=gpd.points_from_xy(frame["lon"], frame["lat"]),
            crs="EPSG:4326",
        )
    raise InputError(
        source=name,
        field="frame",
        expected="a GeoDataFrame or a DataFrame with lon and lat columns",
        got=f"columns {', '.join(map(str, frame.columns))}",
    )


def _flatten_geometry(frame: pd.DataFrame) -> pd.DataFrame:
    """A plain DataFrame for CSV: points as lon/lat, other geometries as WKT."""
    gname = _geometry_name(frame)
    if gname is None:
        return frame
    geo: Any = frame
    g = geo if _is_wgs84(geo) or geo.crs is None else geo.to_crs("EPSG:4326")
    out = pd.DataFrame(g.drop(columns=gname))
    geom = g.geometry
    if len(geom) and (geom.geom_type == "Point").all():
        out["lon"] = geom.x.to_numpy()
        out["lat"] = geom.y.to_numpy()
    else:
        out[gname] = geom.to_wkt().to_numpy()
    return out
