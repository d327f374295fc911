"""Time-dependent travel: hour-of-day speed factors (rush hours).

Formulation (Ichoua, Gendreau and Potvin's model): a trip is a free-flow
duration ``tau`` (minutes at factor 1, what a static travel model gives).
During clock hour ``h`` the vehicle progresses at ``factors[h]`` free-flow
minutes per minute (0.5: half speed, the trip takes twice as long). With the
cumulative progress ``P(t) = integral of f(s) ds`` (piecewise linear,
strictly increasing, periodic with one day), a trip leaving at ``t``
arrives at ``P^-1(P(t) + tau)``. Travel times are thus FIFO: leaving later
never arrives earlier, so earliest-arrival schedules stay exact, and the
latest departure to arrive by ``a`` is ``P^-1(P(a) - tau)``.

:class:`SpeedProfile` holds the factors and evaluates these, vectorised;
:class:`TimeDependentTravel` wraps any travel model with a profile. Times
are minutes after midnight of day 0; the profile repeats every day.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from planner.core.checks import readonly
from planner.core.errors import InputError
from planner.geo.matrix import TravelMatrix, TravelModel

__all__ = [
    "DAY_MIN",
    "SpeedProfile",
    "TimeDependentTravel",
    "free_flow_matrix",
    "speed_of",
    "travel_info",
    "with_speed_factors",
]

#: Minutes in a day: the period of a speed profile.
DAY_MIN = 1440.0


def _parse_hour(text: str, fld: str) -> int:
    t = text.strip()
    hh = t.split(":", 1)[0] if ":" in t else t
    if t.count(":") > 1 or (":" in t and t.split(":", 1)[1] not in ("00", "0")):
        raise InputError(field=fld, expected="whole hours like 7 or 07:00", got=text)
    try:
        h = int(hh)
    except ValueError:
        raise InputError(
            field=fld, expected="hours like 7-9 or 07:00-09:00", got=text
        ) from None
    if not 0 <= h <= 24:
        raise InputError(field=fld, expected="hours in [0, 24]", got=text)
    return h


class SpeedProfile:
    """Speed factors per hour of the day (24 positive numbers, 1 = free flow).

    ``factors`` is a sequence of 24 numbers, or a mapping of hour ranges
    (``"7-9"``, ``"07:00-09:00"``, ``"16"``) to a factor, other hours at 1.

    Examples
    --------
    >>> sp = SpeedProfile({"7-9": 0.5})
    >>> float(sp.arrival_min(30.0, 420.0))    # 30 free-flow minutes at half speed
    480.0
    >>> float(sp.arrival_min(30.0, 405.0))    # 15 min at full speed, then half
    450.0
    >>> float(sp.latest_departure_min(30.0, 450.0))
    405.0
    >>> SpeedProfile([1.0] * 24).is_free_flow
    True
    """

    __slots__ = ("_cum", "_cum_l", "_f", "_f_l", "_per_day", "_w")

    def __init__(
        self,
        factors: Sequence[float] | Mapping[str, float] | npt.ArrayLike,
        *,
        field: str = "speed_factors",
    ) -> None:
        if isinstance(factors, SpeedProfile):
            f = np.array(factors.factors)
        elif isinstance(factors, Mapping):
            f = np.ones(24)
            for key, v in factors.items():
                k = str(key)
                a, _, b = k.partition("-")
                h0 = _parse_hour(a, f"{field}.{k}")
                h1 = _parse_hour(b, f"{field}.{k}") if b else h0 + 1
                if not h0 < h1 <= 24:
                    raise InputError(
                        field=f"{field}.{k}",
                        expected="a range of hours start-end with start < end <= 24",
                        got=k,
                    )
                f[h0:h1] = _factor(v, f"{field}.{k}")
        else:
            try:
                f = np.asarray(factors, dtype=float).reshape(-1)
            except (TypeError, ValueError):
                raise InputError(
                    field=field, expected="24 numbers", got=repr(factors)[:60]
                ) from None
            if f.shape != (24,):
                raise InputError(
                    field=field, expected="24 numbers (one per hour)", got=len(f)
                )
            for h, v in enumerate(f.tolist()):
                _factor(v, f"{field}[{h}]")
        self._f = readonly(f)
        self._w = DAY_MIN / len(f)
        # progress at the start of each bin, and over the whole day
        self._cum = readonly(np.concatenate([[0.0], np.cumsum(f * self._w)]))
        self._per_day = float(self._cum[-1])
        self._f_l: list[float] = self._f.tolist()
        self._cum_l: list[float] = self._cum.tolist()

    # ----------------------------------------------------------- describe
    @property
    def factors(self) -> np.ndarray:
        """The 24 hourly factors (read-only)."""
        return self._f

    @property
    def is_free_flow(self) -> bool:
        """Whether every factor is exactly 1 (travel is static)."""
        return bool((self._f == 1.0).all())

    def __repr__(self) -> str:
        return f"SpeedProfile({self._f.tolist()!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SpeedProfile) and bool(
            np.array_equal(self._f, other._f)
        )

    def __hash__(self) -> int:
        return hash(tuple(self._f.tolist()))

    def describe(self) -> str:
        """The hours whose factor is not 1, e.g. ``07-09 x0.6, 16-18 x0.7``."""
        parts, h = [], 0
        f = self._f.tolist()
        while h < 24:
            k = h
            while k + 1 < 24 and f[k + 1] == f[h]:
                k += 1
            if f[h] != 1.0:
                parts.append(f"{h:02d}-{k + 1:02d} x{f[h]:g}")
            h = k + 1
        return ", ".join(parts) if parts else "free flow all day"

    def to_dict(self) -> dict[str, Any]:
        """The factors as a plain dict (for plan and run files)."""
        return {"speed_factors": self._f.tolist(), "rush_hours": self.describe()}

    # --------------------------------------------------------------- maths
    def progress(self, t: npt.ArrayLike) -> np.ndarray:
        """Free-flow minutes covered from day-0 midnight to clock time ``t``."""
        t = np.asarray(t, dtype=float)
        day = np.floor(t / DAY_MIN)
        r = t - day * DAY_MIN
        b = np.minimum((r // self._w).astype(np.int64), len(self._f) - 1)
        return day * self._per_day + self._cum[b] + self._f[b] * (r - b * self._w)

    def clock(self, v: npt.ArrayLike) -> np.ndarray:
        """Inverse of :meth:`progress`: the clock time at which ``v`` is reached."""
        v = np.asarray(v, dtype=float)
        day = np.floor(v / self._per_day)
        r = v - day * self._per_day
        b = np.searchsorted(self._cum, r, side="right") - 1
        b = np.clip(b, 0, len(self._f) - 1)
        return day * DAY_MIN + b * self._w + (r - self._cum[b]) / self._f[b]

    def arrival_min(self, tau: npt.ArrayLike, depart_min: npt.ArrayLike) -> np.ndarray:
        """Arrival of a trip of free-flow ``tau`` minutes leaving at ``depart_min``."""
        tau = np.asarray(tau, dtype=float)
        dep = np.asarray(depart_min, dtype=float)
        fin = np.isfinite(dep)
        safe = np.where(fin, dep, 0.0)
        out = self.clock(self.progress(safe) + tau)
        # a zero-length trip arrives when it leaves (no rounding)
        return np.where(fin & (tau > 0), np.maximum(out, safe), dep)

    def travel_min(self, tau: npt.ArrayLike, depart_min: npt.ArrayLike) -> np.ndarray:
        """Duration of a trip of free-flow ``tau`` minutes leaving at ``depart_min``."""
        return self.arrival_min(tau, depart_min) - np.asarray(depart_min, dtype=float)

    def latest_departure_min(
        self, tau: npt.ArrayLike, arrive_min: npt.ArrayLike
    ) -> np.ndarray:
        """Latest departure that arrives by ``arrive_min`` (``-inf`` stays ``-inf``)."""
        tau = np.asarray(tau, dtype=float)
        a = np.asarray(arrive_min, dtype=float)
        fin = np.isfinite(a)
        safe = np.where(fin, a, 0.0)
        out = np.where(
            tau > 0, np.minimum(self.clock(self.progress(safe) - tau), safe), safe
        )
        return np.where(fin, out, a)

    def arrival_with_pause_min(
        self,
        tau: npt.ArrayLike,
        depart_min: npt.ArrayLike,
        pause_start_min: npt.ArrayLike,
        pause_min: npt.ArrayLike,
    ) -> np.ndarray:
        """Arrival of a trip that stops for ``pause_min`` at ``pause_start_min`` on the way.

        A pause starting at or after the arrival does not delay it (the
        pause is then taken at the destination). One starting before the
        departure is taken before leaving.
        """
        tau = np.asarray(tau, dtype=float)
        dep = np.asarray(depart_min, dtype=float)
        ps = np.maximum(np.asarray(pause_start_min, dtype=float), dep)
        pm = np.asarray(pause_min, dtype=float)
        plain = self.arrival_min(tau, dep)
        done = self.progress(ps) - self.progress(dep)
        rest = np.maximum(tau - done, 0.0)
        paused = self.arrival_min(rest, ps + pm)
        return np.where(ps < plain, np.maximum(paused, ps + pm), plain)

    # ------------------------------------------ scalar versions (hot loops)
    def _prog(self, t: float) -> float:
        day = math.floor(t / DAY_MIN)
        r = t - day * DAY_MIN
        b = min(int(r // self._w), len(self._f_l) - 1)
        return day * self._per_day + self._cum_l[b] + self._f_l[b] * (r - b * self._w)

    def _clock(self, v: float) -> float:
        day = math.floor(v / self._per_day)
        r = v - day * self._per_day
        b = min(max(bisect.bisect_right(self._cum_l, r) - 1, 0), len(self._f_l) - 1)
        return day * DAY_MIN + b * self._w + (r - self._cum_l[b]) / self._f_l[b]

    def arrive(self, tau: float, depart: float) -> float:
        """Scalar :meth:`arrival_min`."""
        if tau <= 0 or not math.isfinite(depart):
            return depart
        return max(self._clock(self._prog(depart) + tau), depart)

    def depart_by(self, tau: float, arrive: float) -> float:
        """Scalar :meth:`latest_departure_min`."""
        if tau <= 0 or not math.isfinite(arrive):
            return arrive
        return min(self._clock(self._prog(arrive) - tau), arrive)

    def arrive_paused(
        self, tau: float, depart: float, pause_start: float, pause: float
    ) -> float:
        """Scalar :meth:`arrival_with_pause_min`."""
        plain = self.arrive(tau, depart)
        ps = max(pause_start, depart)
        if ps >= plain or not math.isfinite(ps):
            return plain
        rest = max(tau - (self._prog(ps) - self._prog(depart)), 0.0)
        return max(self.arrive(rest, ps + pause), ps + pause)

    def mean_multiplier(self, start_min: float, end_min: float) -> float:
        """Mean of ``1 / factor`` over clock times in ``[start_min, end_min)``.

        A short trip leaving at a random time in that span takes ``tau`` times
        this on average; the representative static matrix of a day.
        """
        if not end_min > start_min:
            return float(1.0 / self._f[int((start_min % DAY_MIN) // self._w)])
        edges = np.arange(
            math.floor(start_min / self._w) * self._w, end_min + self._w, self._w
        )
        lo = np.clip(edges[:-1], start_min, end_min)
        hi = np.clip(edges[1:], start_min, end_min)
        b = ((edges[:-1] % DAY_MIN) // self._w).astype(np.int64)
        return float(((hi - lo) / self._f[b]).sum() / (end_min - start_min))


def _factor(v: Any, fld: str) -> float:
    if isinstance(v, bool):
        raise InputError(field=fld, expected="a number > 0", got=v)
    try:
        x = float(v)
    except (TypeError, ValueError):
        raise InputError(field=fld, expected="a number > 0", got=v) from None
    if not (math.isfinite(x) and x > 0):
        raise InputError(field=fld, expected="a finite speed factor > 0", got=v)
    return x


class TimeDependentTravel:
    """A travel model whose durations depend on the hour of departure.

    Distances and free-flow durations come from ``base`` (great circle, road
    network or matrix file); ``speed`` scales them by the hour of departure.
    ``matrix(o, d)`` gives the working day's mean durations (``day_min``),
    for models that do not know the hour (coverage, staffing);
    ``matrix(o, d, depart_min=t)`` those of trips leaving at ``t``; and
    :meth:`free_flow_matrix` the factor-1 durations that routing schedules
    exactly with the profile.

    >>> from planner.geo.great_circle import GreatCircle
    >>> td = TimeDependentTravel(GreatCircle(1.0, 60.0), SpeedProfile({"7-9": 0.5}))
    >>> o = np.array([[0.0, 0.0]]); d = np.array([[0.0, 0.1]])
    >>> round(float(td.matrix(o, d, depart_min=480).duration_min[0, 0]), 2)
    22.24
    >>> td.describe()
    'great circle x 1.00 at 60 km/h; speed factors 07-09 x0.5'
    """

    def __init__(
        self,
        base: TravelModel,
        speed: SpeedProfile | Sequence[float] | Mapping[str, float],
        *,
        day_min: tuple[float, float] = (480.0, 1020.0),
    ) -> None:
        self.base = base
        self.speed = speed if isinstance(speed, SpeedProfile) else SpeedProfile(speed)
        self.name = str(getattr(base, "name", "travel"))
        lo, hi = (float(x) for x in day_min)
        if not (0 <= lo < hi <= 2 * DAY_MIN):
            raise InputError(
                field="day_min", expected="(start, end) with start < end", got=day_min
            )
        self.day_min = (lo, hi)

    def __repr__(self) -> str:
        return f"TimeDependentTravel({self.base!r}, {self.speed!r})"

    def describe(self) -> str:
        """The base model and the hours that differ from free flow."""
        return f"{self.base.describe()}; speed factors {self.speed.describe()}"

    def matrix(
        self,
        origins: np.ndarray,
        destinations: np.ndarray,
        *,
        chunk_rows: int | None = None,
        dtype: npt.DTypeLike = np.float64,
        depart_min: float | None = None,
    ) -> TravelMatrix:
        """The day's mean durations, or those of trips leaving at ``depart_min``.

        The mean is the short-trip mean: free-flow minutes times the mean of
        ``1 / factor`` over ``day_min``.
        """
        tm = self.free_flow_matrix(
            origins, destinations, chunk_rows=chunk_rows, dtype=dtype
        )
        if self.speed.is_free_flow:
            return tm
        if depart_min is None:
            k = self.speed.mean_multiplier(*self.day_min)
            return TravelMatrix(tm.distance_m, tm.duration_min * k)
        dur = self.speed.travel_min(tm.duration_min, float(depart_min))
        return TravelMatrix(tm.distance_m, dur.astype(tm.duration_min.dtype))

    def free_flow_matrix(
        self,
        origins: np.ndarray,
        destinations: np.ndarray,
        *,
        chunk_rows: int | None = None,
        dtype: npt.DTypeLike = np.float64,
    ) -> TravelMatrix:
        """Durations at factor 1 (the base model's)."""
        return self.base.matrix(
            origins, destinations, chunk_rows=chunk_rows, dtype=dtype
        )


def with_speed_factors(
    model: TravelModel,
    factors: SpeedProfile | Sequence[float] | Mapping[str, float] | None,
) -> TravelModel:
    """``model`` with hour-of-day speed factors (``model`` itself for None)."""
    if factors is None:
        return model
    if isinstance(model, TimeDependentTravel):
        model = model.base
    return TimeDependentTravel(model, factors)


def free_flow_matrix(
    model: TravelModel, origins: np.ndarray, destinations: np.ndarray
) -> TravelMatrix:
    """The factor-1 matrix of any travel model (its plain matrix if static)."""
    if isinstance(model, TimeDependentTravel):
        return model.free_flow_matrix(origins, destinations)
    return model.matrix(origins, destinations)


def speed_of(model: Any) -> SpeedProfile | None:
    """The speed profile of a travel model (None for a static one)."""
    sp = getattr(model, "speed", None)
    return sp if isinstance(sp, SpeedProfile) else None


_PARAMS = ("circuity", "speed_kmh", "access_speed_kmh", "path", "n_nodes")


def travel_info(model: Any, *, note: str | None = None) -> dict[str, Any]:
    """The model's name, one-line description and parameters, for plan files.

    >>> from planner.geo.great_circle import GreatCircle
    >>> travel_info(GreatCircle(1.3, 30.0), note="straight lines (no scenario)")["parameters"]
    {'circuity': 1.3, 'speed_kmh': 30.0}
    """
    base = model.base if isinstance(model, TimeDependentTravel) else model
    params: dict[str, Any] = {}
    for k in _PARAMS:
        v = getattr(base, k, None)
        if isinstance(v, int | float | str) and not isinstance(v, bool):
            params[k] = v
        elif v is not None and k == "path":
            params[k] = str(v)
    out: dict[str, Any] = {
        "model": str(getattr(base, "name", type(base).__name__)),
        "description": str(model.describe()),
        "parameters": params,
    }
    sp = speed_of(model)
    if sp is not None:
        out.update(sp.to_dict())
    if note:
        out["note"] = note
    return out
