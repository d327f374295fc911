"""Travel times a user brings: a long-format matrix in a CSV or Parquet file.

The file has one row per origin x destination pair with columns
``origin_id, destination_id, distance_m, duration_min`` (the id column names
can be changed), e.g. exported from OSRM's or Valhalla's table service. When it
also has ``origin_lon, origin_lat, destination_lon, destination_lat``, points
can be looked up by their coordinates (:meth:`MatrixFile.matrix`); otherwise
by id (:meth:`MatrixFile.matrix_by_id`). Ids are compared as text. Row numbers
in messages count data rows from 1 (the CSV header is not counted).
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy.spatial import cKDTree

from planner.core.atomic import atomic_path
from planner.core.checks import readonly
from planner.core.errors import InputError
from planner.geo.crs import EARTH_RADIUS_M, check_lonlat, unit_vectors
from planner.geo.formats import read_table
from planner.geo.matrix import TravelMatrix, check_dtype

__all__ = ["COORDINATE_COLUMNS", "VALUE_COLUMNS", "MatrixFile"]

#: The value columns of a matrix file.
VALUE_COLUMNS = ("distance_m", "duration_min")
#: Optional coordinate columns (all four or none).
COORDINATE_COLUMNS = ("origin_lon", "origin_lat", "destination_lon", "destination_lat")
_SUFFIXES = (".csv", ".parquet")


class MatrixFile:
    """A travel matrix read from a file, answering by id or by coordinates.

    Parameters
    ----------
    origin_ids, destination_ids
        The distinct ids (text) of the rows and columns.
    distance_m, duration_min
        ``(n_origins, n_destinations)`` values.
    origin_lonlat, destination_lonlat
        Optional ``(n, 2)`` coordinates of the ids, for :meth:`matrix`.
    source
        Name used in messages (the file name).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> tm = TravelMatrix(np.array([[0.0, 900.0]]), np.array([[0.0, 2.0]]))
    >>> p = MatrixFile.write(pathlib.Path(tempfile.mkdtemp()) / "m.csv",
    ...                      ["depot"], ["depot", "shop"], tm)
    >>> mf = MatrixFile.from_file(p)
    >>> mf.matrix_by_id(["depot"], ["shop"]).duration_min.tolist()
    [[2.0]]
    """

    name: str = "matrix_file"

    def __init__(
        self,
        origin_ids: Sequence[Any],
        destination_ids: Sequence[Any],
        distance_m: npt.ArrayLike,
        duration_min: npt.ArrayLike,
        *,
        origin_lonlat: npt.ArrayLike | None = None,
        destination_lonlat: npt.ArrayLike | None = None,
        source: str = "matrix",
    ) -> None:
        self._source = source
        self._origin_ids = tuple(str(x) for x in origin_ids)
        self._destination_ids = tuple(str(x) for x in destination_ids)
        for name, ids in (
            ("origin_ids", self._origin_ids),
            ("destination_ids", self._destination_ids),
        ):
            if len(set(ids)) != len(ids):
                raise InputError(source=source, field=name, expected="unique ids")
        self._tm = TravelMatrix(
            np.asarray(distance_m, dtype=np.float64),
            np.asarray(duration_min, dtype=np.float64),
        )
        if self._tm.shape != (len(self._origin_ids), len(self._destination_ids)):
            raise InputError(
                source=source,
                field="distance_m",
                expected=f"shape ({len(self._origin_ids)}, {len(self._destination_ids)})",
                got=f"shape {self._tm.shape}",
            )
        self._o_index = {k: i for i, k in enumerate(self._origin_ids)}
        self._d_index = {k: i for i, k in enumerate(self._destination_ids)}
        self._o_lonlat: np.ndarray | None = None
        self._d_lonlat: np.ndarray | None = None
        if (origin_lonlat is None) != (destination_lonlat is None):
            raise InputError(
                source=source,
                field="origin_lonlat, destination_lonlat",
                expected="both or neither",
            )
        if origin_lonlat is not None and destination_lonlat is not None:
            self._o_lonlat = readonly(check_lonlat(origin_lonlat, "origin_lonlat"))
            self._d_lonlat = readonly(
                check_lonlat(destination_lonlat, "destination_lonlat")
            )
            if len(self._o_lonlat) != len(self._origin_ids) or len(
                self._d_lonlat
            ) != len(self._destination_ids):
                raise InputError(
                    source=source,
                    field="origin_lonlat, destination_lonlat",
                    expected="one point per id",
                )

    # ---------------------------------------------------------------- reading
    @classmethod
    def from_file(
        cls,
        path: str | os.PathLike[str],
        *,
        origin_col: str = "origin_id",
        destination_col: str = "destination_id",
    ) -> MatrixFile:
        """Read and validate a long-format matrix from a table file.

        Any format :func:`~planner.geo.formats.read_table` reads (CSV,
        Parquet, GeoJSON, ...); geometries are ignored.

        Raises :class:`~planner.core.errors.InputError` naming the file, row
        and field for: a missing or unreadable file, missing columns, empty
        ids, non-numeric / NaN / negative values, duplicate pairs (both rows
        named), missing pairs, coordinates out of range.
        """
        frame = read_table(
            path, what="travel times", text_columns=(origin_col, destination_col)
        )
        source = str(frame.attrs["source"])
        return cls.from_frame(
            frame, origin_col=origin_col, destination_col=destination_col, source=source
        )

    @classmethod
    def from_frame(
        cls,
        frame: pd.DataFrame,
        *,
        origin_col: str = "origin_id",
        destination_col: str = "destination_id",
        source: str = "matrix",
    ) -> MatrixFile:
        """Validate a long-format DataFrame (see :meth:`from_file`)."""
        wanted = (origin_col, destination_col, *VALUE_COLUMNS)
        missing = [c for c in wanted if c not in frame.columns]
        if missing:
            raise InputError(
                source=source,
                field=", ".join(missing),
                expected=f"columns {', '.join(wanted)}"
                f" (optionally {', '.join(COORDINATE_COLUMNS)})",
                got=f"columns {', '.join(map(str, frame.columns)) or 'none'}",
            )
        if len(frame) == 0:
            raise InputError(source=source, expected="at least one row", got="no rows")
        frame = frame.reset_index(drop=True)
        ids = {}
        for col in (origin_col, destination_col):
            raw = frame[col]
            bad = raw.isna().to_numpy()
            if bad.any():
                i = int(np.flatnonzero(bad)[0])
                raise InputError(
                    source=source,
                    location=f"row {i + 1}",
                    field=col,
                    expected="an id",
                    got="empty",
                )
            ids[col] = np.array([_id_text(x) for x in raw], dtype=object)
        oid, did = ids[origin_col], ids[destination_col]

        def where(i: int) -> str:
            return (
                f"row {i + 1} ({origin_col} {oid[i]!r}, {destination_col} {did[i]!r})"
            )

        values = {}
        for col in VALUE_COLUMNS:
            v = pd.to_numeric(frame[col], errors="coerce").to_numpy(dtype=np.float64)
            bad = ~np.isfinite(v) | (v < 0)
            if bad.any():
                i = int(np.flatnonzero(bad)[0])
                raw = frame[col].iloc[i]
                raise InputError(
                    source=source,
                    location=where(i),
                    field=col,
                    expected="a finite number >= 0",
                    got="empty" if pd.isna(raw) else raw,
                )
            values[col] = v

        pair = pd.DataFrame({"o": oid, "d": did})
        dup = pair.duplicated(keep=False).to_numpy()
        if dup.any():
            i = int(np.flatnonzero(dup)[0])
            same = dup & (oid == oid[i]) & (did == did[i])
            j = int(np.flatnonzero(same)[1])
            raise InputError(
                source=source,
                location=f"rows {i + 1} and {j + 1}",
                field=f"{origin_col}, {destination_col}",
                expected="each pair once",
                got=f"({oid[i]!r}, {did[i]!r}) twice",
            )
        o_keys, o_pos = np.unique(oid.astype(str), return_inverse=True)
        d_keys, d_pos = np.unique(did.astype(str), return_inverse=True)
        # keep the ids in order of first appearance
        o_order = np.argsort(np.unique(o_pos, return_index=True)[1], kind="stable")
        d_order = np.argsort(np.unique(d_pos, return_index=True)[1], kind="stable")
        o_rank = np.empty_like(o_order)
        o_rank[o_order] = np.arange(len(o_order))
        d_rank = np.empty_like(d_order)
        d_rank[d_order] = np.arange(len(d_order))
        r, c = o_rank[o_pos], d_rank[d_pos]
        n, m = len(o_keys), len(d_keys)
        if n * m != len(frame):
            have = np.zeros((n, m), dtype=bool)
            have[r, c] = True
            i, j = (int(k) for k in np.argwhere(~have)[0])
            raise InputError(
                source=source,
                location=f"{origin_col} {o_keys[o_order][i]!r}, "
                f"{destination_col} {d_keys[d_order][j]!r}",
                expected="a row for every origin x destination pair",
                got=f"{n * m - len(frame)} of {n * m} pairs missing",
            )
        dist = np.empty((n, m))
        dur = np.empty((n, m))
        dist[r, c] = values["distance_m"]
        dur[r, c] = values["duration_min"]

        coords = [c for c in COORDINATE_COLUMNS if c in frame.columns]
        o_ll = d_ll = None
        if coords:
            if len(coords) != len(COORDINATE_COLUMNS):
                raise InputError(
                    source=source,
                    field=", ".join(c for c in COORDINATE_COLUMNS if c not in coords),
                    expected=f"all of {', '.join(COORDINATE_COLUMNS)} or none",
                    got=f"only {', '.join(coords)}",
                )
            ll = {}
            for col in COORDINATE_COLUMNS:
                v = pd.to_numeric(frame[col], errors="coerce").to_numpy(
                    dtype=np.float64
                )
                lo, hi = (-180.0, 180.0) if col.endswith("lon") else (-90.0, 90.0)
                bad = ~np.isfinite(v) | (v < lo) | (v > hi)
                if bad.any():
                    i = int(np.flatnonzero(bad)[0])
                    raise InputError(
                        source=source,
                        location=where(i),
                        field=col,
                        expected=f"in [{lo:g}, {hi:g}]",
                        got=frame[col].iloc[i],
                    )
                ll[col] = v
            o_ll = np.empty((n, 2))
            o_ll[r] = np.column_stack([ll["origin_lon"], ll["origin_lat"]])
            d_ll = np.empty((m, 2))
            d_ll[c] = np.column_stack([ll["destination_lon"], ll["destination_lat"]])
        return cls(
            list(o_keys[o_order]),
            list(d_keys[d_order]),
            dist,
            dur,
            origin_lonlat=o_ll,
            destination_lonlat=d_ll,
            source=source,
        )

    # ------------------------------------------------------------- properties
    @property
    def origin_ids(self) -> tuple[str, ...]:
        """Origin ids, in order of first appearance in the file."""
        return self._origin_ids

    @property
    def destination_ids(self) -> tuple[str, ...]:
        """Destination ids, in order of first appearance in the file."""
        return self._destination_ids

    @property
    def has_coordinates(self) -> bool:
        """Whether the file gave lon/lat per id (needed by :meth:`matrix`)."""
        return self._o_lonlat is not None

    @property
    def full(self) -> TravelMatrix:
        """The whole matrix, rows :attr:`origin_ids`, columns :attr:`destination_ids`."""
        return self._tm

    def __repr__(self) -> str:
        n, m = self._tm.shape
        return f"MatrixFile({self._source!r}, {n} x {m})"

    def describe(self) -> str:
        """One line for summaries."""
        n, m = self._tm.shape
        return f"matrix from {self._source} ({n:,} x {m:,})"

    # ---------------------------------------------------------------- queries
    def matrix_by_id(
        self, origin_ids: Sequence[Any], destination_ids: Sequence[Any]
    ) -> TravelMatrix:
        """The sub-matrix for these ids (compared as text), in the order given."""
        oi = self._lookup(origin_ids, self._o_index, "origin_ids")
        di = self._lookup(destination_ids, self._d_index, "destination_ids")
        return TravelMatrix(
            self._tm.distance_m[np.ix_(oi, di)], self._tm.duration_min[np.ix_(oi, di)]
        )

    def matrix(
        self,
        origins: np.ndarray,
        destinations: np.ndarray,
        *,
        chunk_rows: int | None = None,
        dtype: npt.DTypeLike = np.float64,
        tolerance_m: float = 1.0,
    ) -> TravelMatrix:
        """The sub-matrix for points given by lon/lat, matched to the file's ids.

        Each point must lie within ``tolerance_m`` of an id's coordinates in
        the file (which must have the coordinate columns). ``chunk_rows`` is
        accepted for the common interface; nothing is computed here.
        """
        o = check_lonlat(origins, "origins")
        d = check_lonlat(destinations, "destinations")
        dt = check_dtype(dtype)
        if self._o_lonlat is None or self._d_lonlat is None:
            raise InputError(
                source=self._source,
                expected=f"columns {', '.join(COORDINATE_COLUMNS)} to match points",
                got="ids only",
                hint="use matrix_by_id(origin_ids, destination_ids)",
            )
        if not (tolerance_m >= 0 and math.isfinite(tolerance_m)):
            raise InputError(field="tolerance_m", expected=">= 0", got=tolerance_m)
        oi = _match(o, self._o_lonlat, tolerance_m, "origins", self._source)
        di = _match(d, self._d_lonlat, tolerance_m, "destinations", self._source)
        return TravelMatrix(
            self._tm.distance_m[np.ix_(oi, di)].astype(dt),
            self._tm.duration_min[np.ix_(oi, di)].astype(dt),
        )

    def first_unmatched(
        self, points: npt.ArrayLike, *, origins: bool = True, tolerance_m: float = 1.0
    ) -> tuple[int, float] | None:
        """The first of ``points`` with no id of the file within ``tolerance_m``.

        Returns its position and the distance to the nearest id, or ``None``
        when every point matches, so a caller can name the point as its user
        knows it (a table row) before asking for :meth:`matrix`.
        """
        known = self._o_lonlat if origins else self._d_lonlat
        pts = check_lonlat(points, "points")
        if known is None or len(pts) == 0:
            return None
        tree = cKDTree(unit_vectors(known) * EARTH_RADIUS_M)
        dist, _ = tree.query(unit_vectors(pts) * EARTH_RADIUS_M)
        bad = np.flatnonzero(dist > tolerance_m)
        return None if bad.size == 0 else (int(bad[0]), float(dist[bad[0]]))

    # ---------------------------------------------------------------- writing
    @staticmethod
    def write(
        path: str | os.PathLike[str],
        ids_from: Sequence[Any],
        ids_to: Sequence[Any],
        tm: TravelMatrix,
        *,
        origins: npt.ArrayLike | None = None,
        destinations: npt.ArrayLike | None = None,
    ) -> Path:
        """Write ``tm`` in the long format :meth:`from_file` reads, atomically.

        ``.csv`` or ``.parquet`` by suffix. With ``origins`` and
        ``destinations`` (lon/lat per id) the coordinate columns are written
        too. Returns the path.
        """
        target = Path(path)
        suffix = target.suffix.lower()
        if suffix not in _SUFFIXES:
            raise InputError(
                source=target.name,
                field="file type",
                expected=f"one of {', '.join(_SUFFIXES)}",
                got=suffix or "no suffix",
            )
        frame = tm.to_frame(list(ids_from), list(ids_to))
        frame["origin_id"] = frame["origin_id"].map(str)
        frame["destination_id"] = frame["destination_id"].map(str)
        if (origins is None) != (destinations is None):
            raise InputError(field="origins, destinations", expected="both or neither")
        if origins is not None and destinations is not None:
            n, m = tm.shape
            o = check_lonlat(origins, "origins")
            d = check_lonlat(destinations, "destinations")
            if len(o) != n or len(d) != m:
                raise InputError(
                    field="origins, destinations",
                    expected=f"{n} and {m} points (the matrix shape)",
                    got=f"{len(o)} and {len(d)}",
                )
            frame["origin_lon"] = np.repeat(o[:, 0], m)
            frame["origin_lat"] = np.repeat(o[:, 1], m)
            frame["destination_lon"] = np.tile(d[:, 0], n)
            frame["destination_lat"] = np.tile(d[:, 1], n)
        with atomic_path(target) as tmp:
            if suffix == ".csv":
                # repr precision, so that a read gives back the same floats
                frame.to_csv(tmp, index=False, float_format="%.17g")
            else:
                frame.to_parquet(tmp, index=False)
        return target

    # -------------------------------------------------------------- internals
    def _lookup(
        self, ids: Sequence[Any], index: dict[str, int], name: str
    ) -> np.ndarray:
        out = np.empty(len(ids), dtype=np.int64)
        for k, x in enumerate(ids):
            i = index.get(_id_text(x))
            if i is None:
                raise InputError(
                    source=self._source,
                    location=f"{name} item {k + 1}",
                    field=name,
                    expected=f"an id present in {self._source}",
                    got=_id_text(x),
                )
            out[k] = i
        return out


def _id_text(x: Any) -> str:
    """An id as text; integral floats (from a Parquet column with gaps) lose '.0'."""
    if isinstance(x, float | np.floating) and float(x).is_integer():
        return str(int(x))
    return str(x)


def _match(
    points: np.ndarray, known: np.ndarray, tolerance_m: float, name: str, source: str
) -> np.ndarray:
    """Index into ``known`` of the point within ``tolerance_m`` of each point."""
    if len(points) == 0:
        return np.empty(0, dtype=np.int64)
    tree = cKDTree(unit_vectors(known) * EARTH_RADIUS_M)
    dist, idx = tree.query(unit_vectors(points) * EARTH_RADIUS_M)
    bad = dist > tolerance_m
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(
            source=source,
            location=f"{name} point {i + 1} ({points[i, 0]:.6f}, {points[i, 1]:.6f})",
            expected=f"a point within {tolerance_m:g} m of one in the file",
            got=f"nearest {float(dist[i]):.1f} m away",
        )
    return np.asarray(idx, dtype=np.int64)
