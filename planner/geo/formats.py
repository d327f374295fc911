"""One table reader for every file a user gives: one suffix map, one wording.

:func:`read_table` reads CSV, Parquet (``.parquet``, ``.pq``), GeoParquet,
GeoJSON and GeoPackage by the file's suffix (:data:`TABLE_FORMATS`) and
raises one :class:`~planner.core.errors.InputError` naming the file for
anything it cannot read. Point geometries become ``lon``/``lat`` columns in
WGS84 degrees, after a check that the coordinates fit the file's CRS (a
file labelled EPSG:3857 whose coordinates are degrees is refused). Adding a
format is one entry in :data:`TABLE_FORMATS` with its reader and writer.

Row numbers in messages count data rows (features) from 1, as a spreadsheet
shows them below the header; :func:`number_column` and :func:`id_column`
check cells with the same wording.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from planner.core.checks import row_label
from planner.core.errors import InputError

__all__ = [
    "TABLE_FORMATS",
    "TableFormat",
    "allowed_suffixes",
    "id_column",
    "number_column",
    "points_frame",
    "read_result",
    "read_table",
    "table_format",
]


@dataclass(frozen=True, slots=True)
class _ReadArgs:
    text_columns: tuple[str, ...]
    layer: str | None


@dataclass(frozen=True, slots=True)
class TableFormat:
    """A file format: its name, a reader and a writer.

    ``read(path, args)`` returns a DataFrame or a GeoDataFrame;
    ``write(frame, path, stem)`` writes one to ``path`` (a temporary name the
    caller renames; ``stem`` is the final file's, e.g. a GeoPackage layer).
    """

    name: str
    read: Callable[[Path, _ReadArgs], pd.DataFrame]
    write: Callable[[pd.DataFrame, Path, str], None]


# ------------------------------------------------------------------ readers
#: What pandas reads as missing by default (kept for non-text CSV columns).
_NA_STRINGS = (
    "", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND",
    "1.#QNAN", "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null",
)  # fmt: skip


def _read_csv(p: Path, args: _ReadArgs) -> pd.DataFrame:
    with p.open(newline="", encoding="utf-8-sig") as f:
        header = next(csv.reader(f), [])
    names = [h.strip() for h in header]
    seen: set[str] = set()
    for k, h in enumerate(names):
        if h in seen:
            raise InputError(
                source=p.name,
                location=f"header, column {k + 1}",
                expected="each column name once",
                got=f"{h!r} twice",
            )
        seen.add(h)
    text = set(args.text_columns)
    # ids keep what is written ("NA" is a valid id); only an empty cell is missing
    na = {h: ([""] if h.strip() in text else list(_NA_STRINGS)) for h in header}
    frame = pd.read_csv(
        p,
        encoding="utf-8-sig",
        dtype={h: str for h in header if h.strip() in text},
        keep_default_na=False,
        na_values=na,
        skipinitialspace=True,
    )
    frame.columns = names
    return frame


def _read_parquet(p: Path, _args: _ReadArgs) -> pd.DataFrame:
    import pyarrow.parquet as pq

    meta = pq.read_schema(p).metadata or {}
    if b"geo" in meta:  # GeoParquet
        import geopandas as gpd

        return gpd.read_parquet(p)
    return pd.read_parquet(p)


def _read_ogr(p: Path, args: _ReadArgs) -> pd.DataFrame:
    import geopandas as gpd
    import pyogrio

    layers = [str(x) for x in pyogrio.list_layers(p)[:, 0]]
    layer = args.layer
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


# ------------------------------------------------------------------ writers
def _write_csv(frame: pd.DataFrame, p: Path, _stem: str) -> None:
    _flatten_geometry(frame).to_csv(p, index=False)


def _write_parquet(frame: pd.DataFrame, p: Path, _stem: str) -> None:
    # a GeoDataFrame becomes GeoParquet (WKB geometry, CRS in the metadata)
    frame.to_parquet(p, index=False)


def _ogr_writer(driver: str) -> Callable[[pd.DataFrame, Path, str], None]:
    def write(frame: pd.DataFrame, p: Path, stem: str) -> None:
        g = as_geo(frame, p.name)
        if driver == "GeoJSON" and g.crs is not None and not _is_wgs84(g):
            g = g.to_crs("EPSG:4326")
        kwargs: dict[str, Any] = {"layer": stem} if driver == "GPKG" else {}
        g.to_file(p, driver=driver, engine="pyogrio", index=False, **kwargs)

    return write


_CSV = TableFormat("CSV", _read_csv, _write_csv)
_PARQUET = TableFormat("Parquet", _read_parquet, _write_parquet)
_GEOJSON = TableFormat("GeoJSON", _read_ogr, _ogr_writer("GeoJSON"))
_GPKG = TableFormat("GeoPackage", _read_ogr, _ogr_writer("GPKG"))

#: Every file suffix planner reads and writes tables in, with its format.
TABLE_FORMATS: dict[str, TableFormat] = {
    ".csv": _CSV,
    ".parquet": _PARQUET,
    ".pq": _PARQUET,
    ".geoparquet": _PARQUET,
    ".geojson": _GEOJSON,
    ".json": _GEOJSON,
    ".gpkg": _GPKG,
}


def allowed_suffixes() -> str:
    """The known suffixes, for messages: ``".csv, .parquet, ..."``."""
    return ", ".join(TABLE_FORMATS)


def table_format(path: str | os.PathLike[str]) -> TableFormat:
    """The format of ``path`` by its suffix, or an :class:`InputError` naming it."""
    p = Path(path)
    fmt = TABLE_FORMATS.get(p.suffix.lower())
    if fmt is None:
        raise InputError(
            source=p.name,
            field="file type",
            expected=f"one of {allowed_suffixes()}",
            got=p.suffix or "no suffix",
        )
    return fmt


# ------------------------------------------------------------------ reading
def read_table(
    path: str | os.PathLike[str],
    *,
    what: str,
    text_columns: Sequence[str] = ("id",),
    required: Sequence[str] = (),
    layer: str | None = None,
    points: bool = False,
    lon_col: str = "lon",
    lat_col: str = "lat",
    source: str | None = None,
) -> pd.DataFrame:
    """Read a table a user gives, by its suffix; one :class:`InputError` if bad.

    Parameters
    ----------
    path
        A CSV, Parquet, GeoParquet, GeoJSON or GeoPackage file.
    what
        What the table holds, for messages (``"tickets"``).
    text_columns
        Columns kept as text (ids): in a CSV only an empty cell is missing
        there (``"NA"`` is an id), and integral numbers lose their ``.0``.
    required
        Columns that must be present.
    layer
        The layer of a GeoPackage with several.
    points
        The rows are points: a geometry file must hold Point geometries, and
        a file without geometry must have ``lon_col`` and ``lat_col``.
    lon_col, lat_col
        The columns point geometries are written to (WGS84 degrees).
    source
        How messages name the file (default: its name; a result file read
        back may want its whole path).

    Returns a plain DataFrame with a fresh index; ``attrs["source"]`` is the
    file name, ``attrs["format"]`` its format name.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "jobs.pq"
    >>> pd.DataFrame({"id": [1, 2], "service_min": [30, 45]}).to_parquet(p)
    >>> read_table(p, what="tickets")["id"].tolist()
    ['1', '2']
    >>> read_table(p.with_suffix(".xlsx"), what="tickets")
    Traceback (most recent call last):
    ...
    planner.core.errors.InputError: jobs.xlsx: expected an existing file of tickets; got 'no file at ...'
    """
    p = Path(path)
    source = source or p.name
    if not p.exists():
        raise InputError(
            source=source,
            expected=f"an existing file of {what}",
            got=f"no file at {p}",
        )
    if not p.is_file():
        raise InputError(
            source=source, expected=f"a file of {what}", got="a folder or device"
        )
    fmt = table_format(p)
    args = _ReadArgs(tuple(text_columns), layer)
    try:
        frame = fmt.read(p, args)
    except InputError:
        raise
    except UnicodeDecodeError:
        raise InputError(
            source=source,
            expected=f"a {fmt.name} file of {what} in UTF-8",
            got="another text encoding",
            hint="save it as UTF-8",
        ) from None
    except Exception as e:  # any reader failure is the file's fault here
        first = str(e).strip().splitlines()[0] if str(e).strip() else ""
        raise InputError(
            source=source,
            expected=f"a readable {fmt.name} file of {what}"
            + (f" with layer {layer!r}" if layer else ""),
            got=f"{type(e).__name__}: {first}" if first else type(e).__name__,
        ) from None
    frame = _from_geometry(frame, source, points, lon_col, lat_col)
    frame = frame.reset_index(drop=True)
    for col in text_columns:
        if col in frame.columns:  # object dtype: a missing cell is None, not NaN
            frame[col] = pd.Series(
                [None if _missing(x) else _id_text(x) for x in frame[col].tolist()],
                dtype=object,
                index=frame.index,
            )
    missing = [c for c in required if c not in frame.columns]
    if points and not missing:
        missing = [c for c in (lon_col, lat_col) if c not in frame.columns]
    if missing:
        wanted = [*required, *((lon_col, lat_col) if points else ())]
        cols = [str(c) for c in frame.columns]
        hint = None
        if len(cols) == 1 and ";" in cols[0]:
            hint = "the file seems to separate columns by ';'; write it with ','"
        elif points and (lon_col in missing or lat_col in missing):
            hint = "or use a GeoPackage, GeoJSON or GeoParquet file with points"
        raise InputError(
            f"missing column{'s' if len(missing) > 1 else ''} {', '.join(missing)}",
            source=source,
            expected=f"columns {', '.join(dict.fromkeys(wanted))}",
            got=f"columns {', '.join(cols) or 'none'}",
            hint=hint,
        )
    frame.attrs["source"] = source
    frame.attrs["format"] = fmt.name
    return frame


def read_result(path: str | os.PathLike[str]) -> pd.DataFrame:
    """A table planner wrote (``kpis.parquet``, ...) read back; bad: one line.

    The message names the whole path, so a damaged run folder is found.
    """
    return read_table(path, what="results", text_columns=(), source=str(path))


def _from_geometry(
    frame: pd.DataFrame, source: str, points: bool, lon_col: str, lat_col: str
) -> pd.DataFrame:
    """A GeoDataFrame as a plain frame; point geometries as lon/lat in degrees."""
    import geopandas as gpd

    if (
        not isinstance(frame, gpd.GeoDataFrame)
        or frame._geometry_column_name not in frame
    ):
        return pd.DataFrame(frame)
    geom = frame.geometry
    gname = str(geom.name)
    plain = pd.DataFrame(frame.drop(columns=gname))
    absent = (geom.isna() | geom.is_empty).to_numpy()
    types = geom.geom_type.to_numpy()
    is_point = (types == "Point") & ~absent
    if not points and not is_point.any():
        return plain
    ids = plain["id"].to_numpy(dtype=object) if "id" in plain else None
    if points:
        for bad, expected, got in (
            (absent, "a point", lambda i: "no geometry"),
            (~is_point & ~absent, "Point geometries", lambda i: str(types[i])),
        ):
            if bad.any():
                i = int(np.flatnonzero(bad)[0])
                raise InputError(
                    source=source,
                    location=row_label(i, None if ids is None else ids[i]),
                    field="geometry",
                    expected=expected,
                    got=got(i),
                )
    x = np.full(len(frame), np.nan)
    y = np.full(len(frame), np.nan)
    pts = geom[is_point]
    if frame.crs is not None and frame.crs.is_projected and len(pts):
        px, py = pts.x.to_numpy(float), pts.y.to_numpy(float)
        if (np.abs(px) <= 180).all() and (np.abs(py) <= 90).all():
            raise InputError(
                source=source,
                field="crs",
                expected=f"coordinates in the units of {frame.crs.to_string()} "
                "(metres), as the file says",
                got=f"values that look like degrees, e.g. ({px[0]:g}, {py[0]:g})",
                hint="label the file EPSG:4326 if they are lon/lat",
            )
    if frame.crs is not None and not _is_wgs84(frame):
        pts = pts.to_crs("EPSG:4326")
    x[is_point] = pts.x.to_numpy(float)
    y[is_point] = pts.y.to_numpy(float)
    plain[lon_col] = x
    plain[lat_col] = y
    return plain


def points_frame(
    frame: Any,
    *,
    what: str,
    lon_col: str = "lon",
    lat_col: str = "lat",
    areas: bool = False,
) -> pd.DataFrame:
    """An in-memory GeoDataFrame as the plain frame :func:`read_table` would give.

    The geometry column becomes WGS84 ``lon_col``/``lat_col`` (reprojected
    from the frame's CRS, which must be set); with ``areas=True`` polygons
    stand for their representative point (a point inside each, computed in
    the frame's own CRS). ``what`` names the frame in errors.

    >>> import geopandas as gpd
    >>> g = gpd.GeoDataFrame({"id": ["A"]}, geometry=gpd.points_from_xy([385000],
    ...     [6672000]), crs="EPSG:3067")
    >>> points_frame(g, what="towns").round(2).values.tolist()
    [['A', 24.93, 60.17]]
    >>> points_frame(g.set_crs(None, allow_override=True), what="towns")
    Traceback (most recent call last):
    ...
    planner.core.errors.InputError: towns: crs must be set (gdf.set_crs(...), e.g. EPSG:4326 for lon/lat); got 'None'
    """
    import geopandas as gpd

    if not isinstance(frame, gpd.GeoDataFrame):
        raise InputError(
            source=what,
            expected="a GeoDataFrame",
            got=type(frame).__name__,
            hint="gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(df.lon, df.lat), "
            "crs=4326)",
        )
    if frame._geometry_column_name not in frame:
        raise InputError(source=what, field="geometry", expected="a column", got="none")
    if frame.crs is None:
        raise InputError(
            source=what,
            field="crs",
            expected="set (gdf.set_crs(...), e.g. EPSG:4326 for lon/lat)",
            got="None",
        )
    if len(frame) == 0:
        raise InputError(source=what, expected="at least one row", got="no rows")
    if areas:
        geom = frame.geometry
        poly = geom.geom_type.isin(["Polygon", "MultiPolygon"]).to_numpy()
        if poly.any():
            frame = frame.copy()
            pts = geom.copy()
            pts[poly] = geom[poly].representative_point()
            frame[frame._geometry_column_name] = pts
    out = _from_geometry(frame, what, True, lon_col, lat_col).reset_index(drop=True)
    out.attrs = {"source": what}
    return out


# ------------------------------------------------------------------- cells
def _missing(x: Any) -> bool:
    if x is None:
        return True
    if isinstance(x, float | np.floating):
        return bool(np.isnan(x))
    if isinstance(x, str):
        return x.strip() == ""
    try:
        return bool(pd.isna(x))
    except (TypeError, ValueError):
        return False


def _id_text(x: Any) -> str:
    """An id as text; integral floats (from a column with gaps) lose '.0'."""
    if isinstance(x, float | np.floating) and float(x).is_integer():
        return str(int(x))
    return str(x).strip()


def id_column(frame: pd.DataFrame, col: str = "id", *, source: str) -> np.ndarray:
    """The ids of ``frame[col]`` as text: present, non-empty and unique.

    >>> id_column(pd.DataFrame({"id": ["a", "b", "a"]}), source="t.csv")
    Traceback (most recent call last):
    ...
    planner.core.errors.InputError: t.csv rows 1 and 3: id must be unique; got 'a'
    """
    if col not in frame.columns:
        raise InputError(
            source=source,
            field=col,
            expected="a column of ids",
            got=f"columns {', '.join(map(str, frame.columns)) or 'none'}",
        )
    raw = frame[col].tolist()
    ids = np.empty(len(raw), dtype=object)
    first: dict[str, int] = {}
    for i, v in enumerate(raw):
        if _missing(v):
            raise InputError(
                source=source,
                location=row_label(i),
                field=col,
                expected="an id",
                got="empty",
            )
        s = _id_text(v)
        if s in first:
            raise InputError(
                source=source,
                location=f"rows {first[s] + 1} and {i + 1}",
                field=col,
                expected="unique",
                got=s,
            )
        first[s] = i
        ids[i] = s
    return ids


def number_column(
    frame: pd.DataFrame,
    col: str,
    *,
    source: str,
    ids: Iterable[Any] | None = None,
    default: float | None = None,
    minimum: float | None = 0.0,
    maximum: float | None = None,
    allow_inf: bool = False,
    integer: bool = False,
) -> np.ndarray:
    """``frame[col]`` as float64, each cell checked, the bad one named as written.

    A missing column or an empty cell takes ``default`` (an error when it is
    ``None``). ``minimum`` and ``maximum`` are inclusive; ``allow_inf``
    admits ``inf``.

    >>> f = pd.DataFrame({"id": ["K1", "K2"], "population": ["1200", "90,000"]})
    >>> number_column(f, "population", source="towns.csv", ids=f["id"])
    Traceback (most recent call last):
    ...
    planner.core.errors.InputError: towns.csv row 2 (id "K2"): population must be a number >= 0; got '90,000' (write numbers without thousands separators)
    """
    n = len(frame)
    if col not in frame.columns:
        if default is None:
            raise InputError(
                source=source,
                field=col,
                expected="a column",
                got=f"columns {', '.join(map(str, frame.columns)) or 'none'}",
            )
        return np.full(n, float(default))
    ids_l = None if ids is None else list(ids)
    out = np.empty(n, dtype=np.float64)
    want = "a whole number" if integer else "a number"
    if minimum is not None and maximum is not None:
        want += f" in [{minimum:g}, {maximum:g}]"
    elif minimum is not None:
        want += f" >= {minimum:g}"
    elif maximum is not None:
        want += f" <= {maximum:g}"
    for i, v in enumerate(frame[col].tolist()):
        where = row_label(i, None if ids_l is None else ids_l[i])
        if _missing(v):
            if default is None:
                raise InputError(
                    source=source, location=where, field=col, expected=want, got="empty"
                )
            out[i] = default
            continue
        x = _to_float(v)
        ok = x is not None and not np.isnan(x)
        ok = ok and (allow_inf or bool(np.isfinite(x)))  # type: ignore[arg-type]
        ok = ok and (minimum is None or x >= minimum)  # type: ignore[operator]
        ok = ok and (maximum is None or x <= maximum)  # type: ignore[operator]
        ok = ok and (not integer or not np.isfinite(x) or float(x).is_integer())  # type: ignore[arg-type]
        if not ok:
            hint = None
            if isinstance(v, str) and "," in v:
                hint = "write numbers without thousands separators"
            raise InputError(
                source=source,
                location=where,
                field=col,
                expected=want,
                got=v if isinstance(v, str) else (x if x is not None else v),
                hint=hint,
            )
        out[i] = x
    return out


def _to_float(v: Any) -> float | None:
    if isinstance(v, bool | np.bool_):
        return None
    if isinstance(v, int | float | np.integer | np.floating):
        return float(v)
    if isinstance(v, str):
        try:
            return float(v.strip())
        except ValueError:
            return None
    return None


# ---------------------------------------------------------------- geometry
def _is_wgs84(frame: Any) -> bool:
    return bool(frame.crs is not None and frame.crs.to_epsg() == 4326)


def as_geo(frame: pd.DataFrame, name: str) -> Any:
    """``frame`` as a GeoDataFrame: as is, or points from ``lon``/``lat`` columns."""
    import geopandas as gpd

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
    import geopandas as gpd

    if (
        not isinstance(frame, gpd.GeoDataFrame)
        or frame._geometry_column_name not in frame
    ):
        return frame
    gname = str(frame.geometry.name)
    g: Any = frame if _is_wgs84(frame) or frame.crs is None else frame.to_crs(4326)
    out = pd.DataFrame(g.drop(columns=gname))
    geom = g.geometry
    if len(geom) and (geom.geom_type == "Point").all():
        out["lon"] = geom.x.to_numpy()
        out["lat"] = geom.y.to_numpy()
    else:
        out[gname] = geom.to_wkt().to_numpy()
    return out
