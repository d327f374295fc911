"""Array tables of the data model: demand points and outlets.

Each table is a frozen dataclass of read-only, equally long arrays, validated
once when built. Ids are strings at the edge; solvers use positions.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from planner.core.checks import readonly
from planner.core.errors import InputError

__all__ = ["DemandPoints", "Outlets", "check_ids", "check_lonlat"]


def _row(i: int, ids: np.ndarray | None) -> str:
    return f'row {i + 1} (id "{ids[i]}")' if ids is not None else f"row {i + 1}"


def check_ids(
    ids: npt.ArrayLike, *, source: str | None = None, field: str = "id"
) -> np.ndarray:
    """Ids as a read-only array of ``str``; empty or duplicate ids raise."""
    arr = np.asarray(ids, dtype=object)
    if arr.ndim != 1:
        raise InputError(
            source=source,
            field=field,
            expected="a 1-d list of ids",
            got=f"shape {arr.shape}",
        )
    out = np.empty(arr.shape, dtype=object)
    seen: dict[str, int] = {}
    for i, v in enumerate(arr):
        if v is None or (isinstance(v, float) and np.isnan(v)) or str(v).strip() == "":
            raise InputError(
                source=source,
                location=f"row {i + 1}",
                field=field,
                expected="a non-empty id",
                got=v,
            )
        s = str(v)
        if s in seen:
            raise InputError(
                source=source,
                location=f"row {i + 1}",
                field=field,
                expected=f"unique ids; {s!r} is also in row {seen[s] + 1}",
                got=s,
            )
        seen[s] = i
        out[i] = s
    return readonly(out)


def check_lonlat(
    lon: npt.ArrayLike,
    lat: npt.ArrayLike,
    *,
    ids: np.ndarray | None = None,
    source: str | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Longitudes and latitudes as read-only float arrays, range-checked."""
    lo = np.asarray(lon, dtype=np.float64)
    la = np.asarray(lat, dtype=np.float64)
    for name, a, bound in (("lon", lo, 180.0), ("lat", la, 90.0)):
        bad = ~np.isfinite(a) | (np.abs(a) > bound)
        if bad.any():
            i = int(np.argmax(bad))
            raise InputError(
                source=source,
                location=_row(i, ids),
                field=name,
                expected=f"in [-{bound:g}, {bound:g}]",
                got=float(a[i]),
            )
    return readonly(lo.copy()), readonly(la.copy())


def _column(
    x: Any,
    n: int,
    name: str,
    *,
    ids: np.ndarray,
    source: str | None,
    nonneg: bool = True,
    allow_inf: bool = False,
    default: float | None = None,
) -> np.ndarray:
    if x is None:
        if default is None:
            raise InputError(
                source=source, field=name, expected="a value per row", got=None
            )
        x = np.full(n, default)
    a = np.asarray(x, dtype=np.float64)
    if a.ndim == 0:
        a = np.full(n, float(a))
    if a.shape[:1] != (n,):
        raise InputError(source=source, field=name, expected=f"{n} values", got=len(a))
    flat = a.reshape(n, -1)
    bad = np.isnan(flat) | (np.isinf(flat) if not allow_inf else np.isneginf(flat))
    if nonneg:
        bad |= flat < 0
    if bad.any():
        i, j = (int(v) for v in np.argwhere(bad)[0])
        expected = "a number >= 0" if nonneg else "a number"
        expected = expected if allow_inf else f"a finite {expected[2:]}"
        raise InputError(
            source=source,
            location=_row(i, ids),
            field=name,
            expected=expected,
            got=float(flat[i, j]),
        )
    return readonly(a.copy())


@dataclass(frozen=True, slots=True, eq=False)
class DemandPoints:
    """Where tickets come from, and how many per year by product category.

    Attributes
    ----------
    ids, names
        One per point.
    lon, lat
        WGS84 coordinates.
    population
        Residents (0 where unknown).
    tickets_per_year
        ``(n_points, n_categories)`` expected tickets per year.
    categories
        Names of the columns of ``tickets_per_year``.

    >>> d = DemandPoints.from_arrays(["a", "b"], [116.4, 121.5], [39.9, 31.2],
    ...                              tickets_per_year=[[10.0], [5.0]], categories=["tv"])
    >>> d.total_per_year.tolist()
    [10.0, 5.0]
    """

    ids: np.ndarray
    names: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    population: np.ndarray
    tickets_per_year: np.ndarray
    categories: tuple[str, ...]
    source: str | None = None

    def __post_init__(self) -> None:
        src = self.source
        ids = check_ids(self.ids, source=src)
        n = len(ids)
        if n == 0:
            raise InputError(
                source=src,
                field="demand points",
                expected="at least one point",
                got="an empty table",
            )
        lon, lat = check_lonlat(self.lon, self.lat, ids=ids, source=src)
        if lon.shape != (n,) or lat.shape != (n,):
            raise InputError(
                source=src,
                field="lon/lat",
                expected=f"{n} values each",
                got=f"{lon.shape}, {lat.shape}",
            )
        cats = tuple(str(c) for c in self.categories)
        tpy = _column(self.tickets_per_year, n, "tickets_per_year", ids=ids, source=src)
        if tpy.ndim == 1:
            tpy = readonly(tpy.reshape(n, 1))
        if tpy.shape != (n, len(cats)):
            raise InputError(
                source=src,
                field="tickets_per_year",
                expected=f"shape ({n}, {len(cats)}) for categories {list(cats)}",
                got=f"shape {tpy.shape}",
            )
        pop = _column(
            self.population, n, "population", ids=ids, source=src, default=0.0
        )
        names = np.asarray(self.names, dtype=object)
        if names.shape != (n,):
            raise InputError(
                source=src, field="names", expected=f"{n} values", got=len(names)
            )
        for k, v in (
            ("ids", ids),
            ("names", readonly(names.copy())),
            ("lon", lon),
            ("lat", lat),
            ("population", pop),
            ("tickets_per_year", tpy),
            ("categories", cats),
        ):
            object.__setattr__(self, k, v)

    @classmethod
    def from_arrays(
        cls,
        ids: Sequence[Any] | np.ndarray,
        lon: npt.ArrayLike,
        lat: npt.ArrayLike,
        *,
        tickets_per_year: npt.ArrayLike,
        categories: Sequence[str],
        names: Sequence[str] | None = None,
        population: npt.ArrayLike | None = None,
        source: str | None = None,
    ) -> DemandPoints:
        """Build and validate from plain arrays."""
        ids_a = np.asarray(ids, dtype=object)
        n = len(ids_a)
        return cls(
            ids=ids_a,
            names=np.asarray(names if names is not None else ids_a, dtype=object),
            lon=np.asarray(lon),
            lat=np.asarray(lat),
            population=np.zeros(n) if population is None else np.asarray(population),
            tickets_per_year=np.asarray(tickets_per_year, dtype=np.float64),
            categories=tuple(categories),
            source=source,
        )

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def n_points(self) -> int:
        """Number of demand points."""
        return len(self.ids)

    @property
    def lonlat(self) -> np.ndarray:
        """``(n, 2)`` lon, lat."""
        return np.column_stack([self.lon, self.lat])

    @property
    def total_per_year(self) -> np.ndarray:
        """Tickets per year over all categories, per point."""
        return self.tickets_per_year.sum(axis=1)

    def scaled(self, factor: float) -> DemandPoints:
        """The same points with every rate times ``factor`` (demand growth)."""
        return dataclasses.replace(
            self, tickets_per_year=self.tickets_per_year * factor
        )


@dataclass(frozen=True, slots=True, eq=False)
class Outlets:
    """Service outlets: existing ones and candidate sites, own or partner.

    Attributes
    ----------
    ids, names, lon, lat
        One per site.
    existing
        True for outlets that stand today.
    partner
        True for third-party providers contracted at ``fee_per_ticket``.
    capacity_per_year
        Tickets per year the outlet can serve (``inf`` = unlimited).
    fixed_cost_per_year
        Cost of running the outlet for a year (own outlets).
    closing_cost
        One-off cost of closing an existing outlet.
    fee_per_ticket
        Partner's fee per ticket (0 for own outlets).
    """

    ids: np.ndarray
    names: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    existing: np.ndarray
    partner: np.ndarray
    capacity_per_year: np.ndarray
    fixed_cost_per_year: np.ndarray
    closing_cost: np.ndarray
    fee_per_ticket: np.ndarray
    source: str | None = None

    def __post_init__(self) -> None:
        src = self.source
        ids = check_ids(self.ids, source=src)
        n = len(ids)
        if n == 0:
            raise InputError(
                source=src,
                field="outlets",
                expected="at least one site",
                got="an empty table",
            )
        lon, lat = check_lonlat(self.lon, self.lat, ids=ids, source=src)
        vals: dict[str, Any] = {"ids": ids, "lon": lon, "lat": lat}
        for k in ("existing", "partner"):
            a = np.asarray(getattr(self, k))
            if a.ndim == 0:
                a = np.full(n, bool(a))
            if a.shape != (n,) or a.dtype.kind not in "bi":
                raise InputError(
                    source=src,
                    field=k,
                    expected=f"{n} true/false values",
                    got=f"{a.dtype} shape {a.shape}",
                )
            vals[k] = readonly(a.astype(bool))
        vals["capacity_per_year"] = _column(
            self.capacity_per_year,
            n,
            "capacity_per_year",
            ids=ids,
            source=src,
            allow_inf=True,
        )
        for k in ("fixed_cost_per_year", "closing_cost", "fee_per_ticket"):
            vals[k] = _column(getattr(self, k), n, k, ids=ids, source=src)
        names = np.asarray(self.names, dtype=object)
        vals["names"] = readonly(names.copy()) if names.shape == (n,) else ids
        for k, v in vals.items():
            object.__setattr__(self, k, v)

    @classmethod
    def from_arrays(
        cls,
        ids: Sequence[Any] | np.ndarray,
        lon: npt.ArrayLike,
        lat: npt.ArrayLike,
        *,
        names: Sequence[str] | None = None,
        existing: npt.ArrayLike = False,
        partner: npt.ArrayLike = False,
        capacity_per_year: npt.ArrayLike = np.inf,
        fixed_cost_per_year: npt.ArrayLike = 0.0,
        closing_cost: npt.ArrayLike = 0.0,
        fee_per_ticket: npt.ArrayLike = 0.0,
        source: str | None = None,
    ) -> Outlets:
        """Build and validate from plain arrays (scalars broadcast).

        >>> o = Outlets.from_arrays(["x"], [116.4], [39.9], existing=True)
        >>> bool(o.existing[0]), float(o.capacity_per_year[0])
        (True, inf)
        """
        ids_a = np.asarray(ids, dtype=object)
        return cls(
            ids=ids_a,
            names=np.asarray(names if names is not None else ids_a, dtype=object),
            lon=np.asarray(lon),
            lat=np.asarray(lat),
            existing=np.asarray(existing),
            partner=np.asarray(partner),
            capacity_per_year=np.asarray(capacity_per_year),
            fixed_cost_per_year=np.asarray(fixed_cost_per_year),
            closing_cost=np.asarray(closing_cost),
            fee_per_ticket=np.asarray(fee_per_ticket),
            source=source,
        )

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def n_sites(self) -> int:
        """Number of sites."""
        return len(self.ids)

    @property
    def lonlat(self) -> np.ndarray:
        """``(n, 2)`` lon, lat."""
        return np.column_stack([self.lon, self.lat])
