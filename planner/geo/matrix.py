"""The one interface of travel models: origins x destinations metres and minutes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

from planner.core.checks import readonly
from planner.core.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["TravelMatrix", "TravelModel", "default_chunk_rows"]


@dataclass(frozen=True, slots=True, eq=False)
class TravelMatrix:
    """Distances and durations from each origin (row) to each destination (column).

    Attributes
    ----------
    distance_m
        ``(n, m)`` distances in metres, finite and non-negative, read-only.
    duration_min
        ``(n, m)`` durations in minutes, same shape, finite and non-negative.

    Examples
    --------
    >>> tm = TravelMatrix(np.array([[0.0, 1000.0]]), np.array([[0.0, 1.5]]))
    >>> tm.shape
    (1, 2)
    >>> tm.duration_min.flags.writeable
    False
    """

    distance_m: np.ndarray
    duration_min: np.ndarray

    def __post_init__(self) -> None:
        arrays = {}
        for name in ("distance_m", "duration_min"):
            a = np.asarray(getattr(self, name))
            if a.dtype.kind not in "fiu":
                raise InputError(
                    field=name, expected="a numeric array", got=f"dtype {a.dtype}"
                )
            if a.dtype.kind != "f":
                a = a.astype(np.float64)
            if a.ndim != 2:
                raise InputError(
                    field=name,
                    expected="a 2-d (origins x destinations) array",
                    got=f"shape {a.shape}",
                )
            # two reductions, no temporaries: min is NaN if any value is NaN
            ok = a.size == 0 or (a.min() >= 0 and np.isfinite(a.max()))
            if not ok:
                bad = ~np.isfinite(a) | (a < 0)
                i, j = (int(k) for k in np.argwhere(bad)[0])
                raise InputError(
                    location=f"origin {i}, destination {j}",
                    field=name,
                    expected="finite and >= 0",
                    got=float(a[i, j]),
                )
            arrays[name] = readonly(a)
        if arrays["distance_m"].shape != arrays["duration_min"].shape:
            raise InputError(
                field="duration_min",
                expected=f"the shape of distance_m {arrays['distance_m'].shape}",
                got=f"shape {arrays['duration_min'].shape}",
            )
        for name, a in arrays.items():
            object.__setattr__(self, name, a)

    @property
    def shape(self) -> tuple[int, int]:
        """``(n_origins, n_destinations)``."""
        n, m = self.distance_m.shape
        return int(n), int(m)

    @property
    def n_origins(self) -> int:
        """Number of origins (rows)."""
        return self.shape[0]

    @property
    def n_destinations(self) -> int:
        """Number of destinations (columns)."""
        return self.shape[1]

    def to_frame(
        self,
        origin_ids: Sequence[Any] | None = None,
        destination_ids: Sequence[Any] | None = None,
    ) -> pd.DataFrame:
        """Long format: ``origin_id, destination_id, distance_m, duration_min``.

        Ids default to positions. This is the format :class:`MatrixFile` reads.

        >>> TravelMatrix(np.ones((1, 2)), np.ones((1, 2))).to_frame(["a"], ["x", "y"])
          origin_id destination_id  distance_m  duration_min
        0         a              x         1.0           1.0
        1         a              y         1.0           1.0
        """
        import pandas as pd

        n, m = self.shape
        oid = (
            np.arange(n) if origin_ids is None else np.asarray(origin_ids, dtype=object)
        )
        did = (
            np.arange(m)
            if destination_ids is None
            else np.asarray(destination_ids, dtype=object)
        )
        if len(oid) != n or len(did) != m:
            raise InputError(
                field="origin_ids, destination_ids",
                expected=f"{n} and {m} ids (the matrix shape)",
                got=f"{len(oid)} and {len(did)}",
            )
        return pd.DataFrame(
            {
                "origin_id": np.repeat(oid, m),
                "destination_id": np.tile(did, n),
                "distance_m": self.distance_m.ravel(),
                "duration_min": self.duration_min.ravel(),
            }
        )


@runtime_checkable
class TravelModel(Protocol):
    """A travel model: origin x destination matrices of metres and minutes.

    ``origins`` and ``destinations`` are ``(n, 2)`` / ``(m, 2)`` arrays of WGS84
    lon/lat; implementations validate them (finite, lon in [-180, 180], lat in
    [-90, 90]) and raise :class:`~planner.core.errors.InputError` otherwise.
    ``chunk_rows`` bounds the rows computed at once (memory); ``dtype`` is the
    float type of the result arrays.
    """

    name: str

    def matrix(
        self,
        origins: np.ndarray,
        destinations: np.ndarray,
        *,
        chunk_rows: int | None = None,
        dtype: npt.DTypeLike = np.float64,
    ) -> TravelMatrix:
        """Distances and durations from each origin to each destination."""
        ...

    def describe(self) -> str:
        """One line for summaries, e.g. ``great circle x 1.30 at 40 km/h``."""
        ...


def default_chunk_rows(n_cols: int, *, budget_elements: int = 1 << 20) -> int:
    """Rows per chunk so that one chunk holds about ``budget_elements`` values.

    >>> default_chunk_rows(5000)
    209
    """
    return max(1, budget_elements // max(1, n_cols))


def check_dtype(dtype: npt.DTypeLike) -> np.dtype[Any]:
    """Accept float32 or float64 only, as the dtype of a result matrix."""
    dt = np.dtype(dtype)
    if dt not in (np.dtype(np.float32), np.dtype(np.float64)):
        raise InputError(field="dtype", expected="float32 or float64", got=str(dt))
    return dt


def check_chunk_rows(chunk_rows: int | None, n_cols: int) -> int:
    """Validate ``chunk_rows`` (None picks :func:`default_chunk_rows`)."""
    if chunk_rows is None:
        return default_chunk_rows(n_cols)
    if isinstance(chunk_rows, bool) or not isinstance(chunk_rows, int | np.integer):
        raise InputError(
            field="chunk_rows", expected="a positive integer", got=chunk_rows
        )
    if chunk_rows < 1:
        raise InputError(field="chunk_rows", expected=">= 1", got=int(chunk_rows))
    return int(chunk_rows)
