"""The dispatch problem: one day of jobs, technicians and a travel matrix.

Everything is held in read-only numpy arrays indexed by position; string ids
only live at the edges (``job_ids``, ``tech_ids``, ...). Units: minutes after
midnight for times, minutes for durations, metres for distances.

Model
-----
* A job ``j`` sits at location ``job_loc[j]`` and needs ``service_min[j]``
  minutes. Service must *start* inside one of its windows
  ``[tw_early_min[w], tw_late_min[w]]`` for ``w`` in
  ``range(tw_ptr[j], tw_ptr[j + 1])``. A technician arriving early waits.
* A job needs every skill in ``job_skills[j]`` and ``job_parts[j, p]`` units of
  part ``p``; a technician's route consumes parts from ``tech_stock[t]`` (the van),
  so the parts of all jobs on one route must fit the van. ``job_load[j]``
  against ``tech_capacity[t]`` is a generic load (used by the Solomon VRPTW).
* Technician ``t`` leaves ``tech_start_loc[t]`` at ``shift_start_min[t]`` and
  returns to ``tech_end_loc[t]``; returning after ``shift_end_min[t]`` is
  overtime, at most ``max_overtime_min[t]`` minutes, paid at
  ``overtime_per_hour[t]``. Working time (return minus departure minus the
  break) is at most ``max_work_min[t]``. A lunch break of ``break_min[t]``
  minutes (0: none) starts in ``[break_early_min[t], break_late_min[t]]``,
  between two visits (or while waiting), never during service.
* ``job_pinned_tech[j] >= 0`` forces job ``j`` onto that technician (or leaves
  it unassigned with a reason). ``fixed_routes[t]`` is a sequence of jobs
  technician ``t`` must do first, in this order (re-planning during the day).
* ``speed_factors`` (a :class:`~planner.geo.speed.SpeedProfile`, None for
  static travel) makes travel depend on the departure time: ``duration_min``
  holds free-flow minutes and a trip leaving at ``t`` takes
  ``speed_factors.travel_min(duration, t)`` (FIFO). ``date`` (ISO day the
  minutes count from) and ``travel_info`` (the travel model and its
  parameters) are carried into the plan for people to read.
* A job not served costs ``drop_penalty[j]`` (from the cost model by urgency
  unless given). Windows are hard, so lateness is zero by construction.

The objective of a plan is the sum of travel distance cost, travel time cost,
overtime and unserved penalties priced by :class:`~planner.core.cost.CostRates`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np
import numpy.typing as npt

from planner.core.checks import as_array, readonly
from planner.core.cost import CostRates
from planner.core.errors import InfeasibleError, InputError
from planner.core.urgency import Urgency
from planner.geo.speed import SpeedProfile

__all__ = ["URGENCY_ORDER", "DispatchProblem"]

#: Urgency classes in rank order; ``job_urgency`` holds indices into it.
URGENCY_ORDER: tuple[Urgency, ...] = tuple(Urgency)


def _bad(
    table: str, row: int, ids: Sequence[str], fld: str, expected: str, got: Any
) -> InputError:
    rid = ids[row] if 0 <= row < len(ids) else row
    return InputError(
        source=table,
        location=f'row {row + 1} (id "{rid}")',
        field=fld,
        expected=expected,
        got=got,
    )


def _first(mask: np.ndarray) -> int:
    return int(np.flatnonzero(mask)[0])


@dataclass(frozen=True, slots=True, eq=False)
class DispatchProblem:
    """One dispatch day, validated on construction (see the module docstring).

    Build one from plain tables with :meth:`from_tables` or from arrays
    directly; ``dataclasses.replace`` validates again.

    Examples
    --------
    >>> import numpy as np
    >>> d = np.array([[0.0, 10.0], [10.0, 0.0]])
    >>> p = DispatchProblem(
    ...     duration_min=d, distance_m=d * 500, job_loc=[1], service_min=[30],
    ...     tw_ptr=[0, 1], tw_early_min=[480], tw_late_min=[600],
    ...     tech_start_loc=[0], tech_end_loc=[0], shift_start_min=[480],
    ...     shift_end_min=[1020])
    >>> p.n_jobs, p.n_techs, p.n_locations
    (1, 1, 2)
    """

    duration_min: np.ndarray
    distance_m: np.ndarray
    job_loc: np.ndarray
    service_min: np.ndarray
    tw_ptr: np.ndarray
    tw_early_min: np.ndarray
    tw_late_min: np.ndarray
    tech_start_loc: np.ndarray
    tech_end_loc: np.ndarray
    shift_start_min: np.ndarray
    shift_end_min: np.ndarray
    job_skills: np.ndarray = None  # type: ignore[assignment]
    tech_skills: np.ndarray = None  # type: ignore[assignment]
    job_urgency: np.ndarray = None  # type: ignore[assignment]
    job_parts: np.ndarray = None  # type: ignore[assignment]
    tech_stock: np.ndarray = None  # type: ignore[assignment]
    job_load: np.ndarray = None  # type: ignore[assignment]
    tech_capacity: np.ndarray = None  # type: ignore[assignment]
    break_early_min: np.ndarray = None  # type: ignore[assignment]
    break_late_min: np.ndarray = None  # type: ignore[assignment]
    break_min: np.ndarray = None  # type: ignore[assignment]
    max_work_min: np.ndarray = None  # type: ignore[assignment]
    max_overtime_min: np.ndarray = None  # type: ignore[assignment]
    overtime_per_hour: np.ndarray = None  # type: ignore[assignment]
    drop_penalty: np.ndarray = None  # type: ignore[assignment]
    job_pinned_tech: np.ndarray = None  # type: ignore[assignment]
    fixed_routes: tuple[tuple[int, ...], ...] = None  # type: ignore[assignment]
    rates: CostRates = field(default_factory=CostRates)
    job_ids: tuple[str, ...] = None  # type: ignore[assignment]
    tech_ids: tuple[str, ...] = None  # type: ignore[assignment]
    skill_names: tuple[str, ...] = None  # type: ignore[assignment]
    part_names: tuple[str, ...] = None  # type: ignore[assignment]
    location_lonlat: np.ndarray = None  # type: ignore[assignment]
    speed_factors: SpeedProfile | None = None
    date: str | None = None
    travel_info: Mapping[str, Any] | None = None

    # ------------------------------------------------------------------ checks
    def __post_init__(self) -> None:
        s = object.__setattr__
        dur = as_array(
            self.duration_min, "duration_min", ndim=2, nonneg=True, source="matrix"
        )
        n_loc = dur.shape[0]
        if dur.shape != (n_loc, n_loc) or n_loc == 0:
            raise InputError(
                source="matrix",
                field="duration_min",
                expected="a square non-empty matrix",
                got=f"shape {dur.shape}",
            )
        dist = as_array(
            self.distance_m,
            "distance_m",
            shape=(n_loc, n_loc),
            nonneg=True,
            source="matrix",
        )
        s(self, "duration_min", readonly(dur))
        s(self, "distance_m", readonly(dist))

        job_loc = as_array(
            self.job_loc, "job_loc", dtype=np.int64, ndim=1, source="jobs"
        )
        n = job_loc.shape[0]
        s(self, "job_ids", tuple(str(x) for x in (self.job_ids or range(n))))
        jids: tuple[str, ...] = self.job_ids
        if len(jids) != n:
            raise InputError(
                source="jobs", field="id", expected=f"{n} ids", got=len(jids)
            )
        if ((job_loc < 0) | (job_loc >= n_loc)).any():
            r = _first((job_loc < 0) | (job_loc >= n_loc))
            raise _bad(
                "jobs",
                r,
                jids,
                "location",
                f"an index in [0, {n_loc})",
                int(job_loc[r]),
            )
        s(self, "job_loc", readonly(job_loc))
        svc = as_array(self.service_min, "service_min", shape=(n,), source="jobs")
        if (svc < 0).any():
            r = _first(svc < 0)
            raise _bad("jobs", r, jids, "service_min", ">= 0", float(svc[r]))
        s(self, "service_min", readonly(svc))

        ptr = as_array(
            self.tw_ptr, "tw_ptr", dtype=np.int64, shape=(n + 1,), source="jobs"
        )
        if ptr[0] != 0 or (np.diff(ptr) < 1).any():
            r = _first(np.diff(ptr) < 1) if (np.diff(ptr) < 1).any() else 0
            raise _bad(
                "jobs", r, jids, "time windows", "at least one window per job", "none"
            )
        n_w = int(ptr[-1])
        twe = as_array(self.tw_early_min, "tw_early_min", shape=(n_w,), source="jobs")
        twl = as_array(self.tw_late_min, "tw_late_min", shape=(n_w,), source="jobs")
        win_job = np.repeat(np.arange(n), np.diff(ptr))
        if (twl < twe).any():
            w = _first(twl < twe)
            raise _bad(
                "jobs",
                int(win_job[w]),
                jids,
                "tw_end_min",
                f">= tw_start_min ({twe[w]:g})",
                float(twl[w]),
            )
        s(self, "tw_ptr", readonly(ptr))
        s(self, "tw_early_min", readonly(twe))
        s(self, "tw_late_min", readonly(twl))

        # technicians
        start = as_array(
            self.tech_start_loc,
            "tech_start_loc",
            dtype=np.int64,
            ndim=1,
            source="technicians",
        )
        m = start.shape[0]
        if m == 0:
            raise InputError(
                source="technicians", expected="at least one technician", got=0
            )
        s(self, "tech_ids", tuple(str(x) for x in (self.tech_ids or range(m))))
        tids: tuple[str, ...] = self.tech_ids
        if len(tids) != m:
            raise InputError(
                source="technicians", field="id", expected=f"{m} ids", got=len(tids)
            )
        for table, ids in (("jobs", jids), ("technicians", tids)):
            if len(set(ids)) != len(ids):
                seen: set[str] = set()
                for i, x in enumerate(ids):
                    if x in seen:
                        raise _bad(table, i, ids, "id", "unique", x)
                    seen.add(x)
        end = as_array(
            self.tech_end_loc,
            "tech_end_loc",
            dtype=np.int64,
            shape=(m,),
            source="technicians",
        )
        for name, a in (("start_location", start), ("end_location", end)):
            bad = (a < 0) | (a >= n_loc)
            if bad.any():
                r = _first(bad)
                raise _bad(
                    "technicians", r, tids, name, f"an index in [0, {n_loc})", int(a[r])
                )
        s(self, "tech_start_loc", readonly(start))
        s(self, "tech_end_loc", readonly(end))
        ss = as_array(
            self.shift_start_min, "shift_start_min", shape=(m,), source="technicians"
        )
        se = as_array(
            self.shift_end_min, "shift_end_min", shape=(m,), source="technicians"
        )
        if (se < ss).any():
            r = _first(se < ss)
            raise _bad(
                "technicians",
                r,
                tids,
                "shift_end_min",
                f">= shift_start_min ({ss[r]:g})",
                float(se[r]),
            )
        s(self, "shift_start_min", readonly(ss))
        s(self, "shift_end_min", readonly(se))

        def tech_vec(name: str, default: float, *, finite: bool = True) -> np.ndarray:
            v = getattr(self, name)
            a = (
                np.full(m, default, dtype=float)
                if v is None
                else as_array(v, name, shape=(m,), finite=finite, source="technicians")
            )
            if (a < 0).any():
                r = _first(a < 0)
                raise _bad("technicians", r, tids, name, ">= 0", float(a[r]))
            return readonly(a)

        bmin = tech_vec("break_min", 0.0)
        bearly = (
            np.asarray(ss, float).copy()
            if self.break_early_min is None
            else as_array(
                self.break_early_min,
                "break_early_min",
                shape=(m,),
                source="technicians",
            )
        )
        blate = (
            np.asarray(se, float).copy()
            if self.break_late_min is None
            else as_array(
                self.break_late_min, "break_late_min", shape=(m,), source="technicians"
            )
        )
        has_b = bmin > 0
        bad = has_b & ((blate < bearly) | (bearly < ss) | (blate + bmin > se))
        if bad.any():
            r = _first(bad)
            raise _bad(
                "technicians",
                r,
                tids,
                "break window",
                f"inside the shift [{ss[r]:g}, {se[r]:g}] with start <= end",
                f"[{bearly[r]:g}, {blate[r]:g}] + {bmin[r]:g} min",
            )
        s(self, "break_min", bmin)
        s(self, "break_early_min", readonly(bearly))
        s(self, "break_late_min", readonly(blate))
        s(self, "max_work_min", tech_vec("max_work_min", np.inf, finite=False))
        s(self, "max_overtime_min", tech_vec("max_overtime_min", 0.0))
        s(
            self,
            "overtime_per_hour",
            tech_vec("overtime_per_hour", self.rates.overtime_per_hour),
        )
        s(self, "tech_capacity", tech_vec("tech_capacity", np.inf, finite=False))
        if self.job_load is None:
            load = np.zeros(n)
        else:
            load = as_array(self.job_load, "job_load", shape=(n,), source="jobs")
            if (load < 0).any():
                r = _first(load < 0)
                raise _bad("jobs", r, jids, "load", ">= 0", float(load[r]))
        s(self, "job_load", readonly(load))

        # skills
        if self.job_skills is None and self.tech_skills is None:
            js = np.zeros((n, 0), bool)
            ts = np.zeros((m, 0), bool)
        else:
            js = np.asarray(
                self.job_skills if self.job_skills is not None else np.zeros((n, 0)),
                bool,
            )
            ts = np.asarray(
                self.tech_skills if self.tech_skills is not None else np.zeros((m, 0)),
                bool,
            )
            k = max(
                js.shape[1] if js.ndim == 2 else 0, ts.shape[1] if ts.ndim == 2 else 0
            )
            if js.shape != (n, k) or ts.shape != (m, k):
                raise InputError(
                    field="job_skills/tech_skills",
                    expected=f"boolean matrices ({n}, k) and ({m}, k)",
                    got=f"shapes {js.shape} and {ts.shape}",
                )
        k = js.shape[1]
        s(self, "skill_names", tuple(str(x) for x in (self.skill_names or range(k))))
        if len(self.skill_names) != k:
            raise InputError(
                field="skill_names", expected=f"{k} names", got=len(self.skill_names)
            )
        s(self, "job_skills", readonly(js))
        s(self, "tech_skills", readonly(ts))

        # parts
        if self.job_parts is None and self.tech_stock is None:
            jp = np.zeros((n, 0), np.int64)
            st = np.zeros((m, 0), np.int64)
        else:
            jp = as_array(
                self.job_parts if self.job_parts is not None else np.zeros((n, 0)),
                "job_parts",
                dtype=np.int64,
                ndim=2,
                nonneg=True,
                source="jobs",
            )
            st = as_array(
                self.tech_stock
                if self.tech_stock is not None
                else np.zeros((m, jp.shape[1])),
                "tech_stock",
                dtype=np.int64,
                ndim=2,
                nonneg=True,
                source="technicians",
            )
            if jp.shape[0] != n or st.shape != (m, jp.shape[1]):
                raise InputError(
                    field="job_parts/tech_stock",
                    expected=f"integer matrices ({n}, p) and ({m}, p)",
                    got=f"shapes {jp.shape} and {st.shape}",
                )
        s(
            self,
            "part_names",
            tuple(str(x) for x in (self.part_names or range(jp.shape[1]))),
        )
        s(self, "job_parts", readonly(jp))
        s(self, "tech_stock", readonly(st))

        # urgency and penalties
        if self.job_urgency is None:
            urg = np.full(n, URGENCY_ORDER.index(Urgency.GENERAL), np.int64)
        else:
            urg = np.array(
                [
                    _urgency_rank(u, i, jids)
                    for i, u in enumerate(np.asarray(self.job_urgency).tolist())
                ],
                np.int64,
            ).reshape(n)
        s(self, "job_urgency", readonly(urg))
        if self.drop_penalty is None:
            per = np.array(
                [self.rates.unserved_penalty.get(u.value, 0.0) for u in URGENCY_ORDER]
            )
            pen = per[urg] if n else np.zeros(0)
        else:
            pen = as_array(
                self.drop_penalty,
                "drop_penalty",
                shape=(n,),
                nonneg=True,
                source="jobs",
            )
        s(self, "drop_penalty", readonly(np.asarray(pen, float)))

        # pinned jobs and fixed routes
        if self.job_pinned_tech is None:
            pin = np.full(n, -1, np.int64)
        else:
            pin = as_array(
                self.job_pinned_tech,
                "job_pinned_tech",
                dtype=np.int64,
                shape=(n,),
                source="jobs",
                copy=True,  # fixed routes pin their jobs below; replace() passes ours
            )
            bad = (pin < -1) | (pin >= m)
            if bad.any():
                r = _first(bad)
                raise _bad(
                    "jobs",
                    r,
                    jids,
                    "pinned_tech",
                    f"-1 or a technician index < {m}",
                    int(pin[r]),
                )
        for j in np.flatnonzero(pin >= 0).tolist():
            t = int(pin[j])
            if (js[j] & ~ts[t]).any():
                miss = [self.skill_names[q] for q in np.flatnonzero(js[j] & ~ts[t])]
                raise _bad(
                    "jobs",
                    int(j),
                    jids,
                    "pinned_tech",
                    f"a technician with skills {miss}",
                    tids[t],
                )
        fixed: list[tuple[int, ...]] = [()] * m
        if self.fixed_routes is not None:
            if len(self.fixed_routes) != m:
                raise InputError(
                    field="fixed_routes",
                    expected=f"one sequence per technician ({m})",
                    got=len(self.fixed_routes),
                )
            seen_j: set[int] = set()
            for t, r_ in enumerate(self.fixed_routes):
                seq = tuple(int(j) for j in r_)
                for j in seq:
                    if not 0 <= j < n or j in seen_j:
                        raise _bad(
                            "technicians",
                            t,
                            tids,
                            "fixed_route",
                            "distinct job indices",
                            j,
                        )
                    seen_j.add(j)
                    if pin[j] not in (-1, t):
                        raise _bad(
                            "jobs",
                            j,
                            jids,
                            "pinned_tech",
                            f"{tids[t]} (it is on that fixed route)",
                            tids[int(pin[j])],
                        )
                    pin[j] = t
                fixed[t] = seq
        s(self, "job_pinned_tech", readonly(pin))
        s(self, "fixed_routes", tuple(fixed))
        self._check_extras()
        if self.location_lonlat is not None:
            s(
                self,
                "location_lonlat",
                readonly(
                    as_array(
                        self.location_lonlat,
                        "location_lonlat",
                        shape=(n_loc, 2),
                        source="locations",
                    )
                ),
            )

    def _check_extras(self) -> None:
        """Speed factors (a profile; free flow becomes None), the date, the travel info."""
        s = object.__setattr__
        sp = self.speed_factors
        if sp is not None and not isinstance(sp, SpeedProfile):
            sp = SpeedProfile(sp)
        s(self, "speed_factors", None if sp is None or sp.is_free_flow else sp)
        if self.date is not None:
            try:
                s(self, "date", dt.date.fromisoformat(str(self.date)).isoformat())
            except ValueError:
                raise InputError(
                    field="date", expected="an ISO date YYYY-MM-DD", got=self.date
                ) from None
        if self.travel_info is not None:
            s(self, "travel_info", MappingProxyType(dict(self.travel_info)))

    # -------------------------------------------------------------- properties
    @property
    def n_jobs(self) -> int:
        """Number of jobs."""
        return int(self.job_loc.shape[0])

    @property
    def n_techs(self) -> int:
        """Number of technicians."""
        return int(self.tech_start_loc.shape[0])

    @property
    def n_locations(self) -> int:
        """Number of locations (rows of the matrices)."""
        return int(self.duration_min.shape[0])

    def windows(self, j: int) -> np.ndarray:
        """The windows of job ``j`` as an array of ``(early, late)`` rows."""
        a, b = int(self.tw_ptr[j]), int(self.tw_ptr[j + 1])
        return np.column_stack([self.tw_early_min[a:b], self.tw_late_min[a:b]])

    def replace(self, **changes: Any) -> DispatchProblem:
        """A copy with ``changes`` applied, validated again.

        New ``fixed_routes`` (without new ``job_pinned_tech``) release the
        pins the old fixed routes put on their jobs, so a job may move to
        another technician's fixed route.

        >>> import numpy as np
        >>> d = np.array([[0.0, 10.0], [10.0, 0.0]])
        >>> p = DispatchProblem(d, d * 500, [1], [30], [0, 1], [480], [600],
        ...     [0, 0], [0, 0], [480, 480], [1020, 1020])
        >>> p.replace(fixed_routes=((0,), ())).replace(fixed_routes=((), (0,))).job_pinned_tech
        array([1])
        """
        if "fixed_routes" in changes and "job_pinned_tech" not in changes:
            pin = np.array(self.job_pinned_tech, dtype=np.int64)
            for t, route in enumerate(self.fixed_routes):
                for j in route:
                    if pin[j] == t:
                        pin[j] = -1
            changes["job_pinned_tech"] = pin
        return dataclasses.replace(self, **changes)

    def check_feasible_skills(self) -> None:
        """Raise :class:`InfeasibleError` if an urgent job needs a skill nobody has."""
        js = np.asarray(self.job_skills)
        have = np.asarray(self.tech_skills).any(axis=0)
        lack = (js & ~have).any(axis=1) & (np.asarray(self.job_urgency) == 0)
        if lack.any():
            j = _first(lack)
            miss = [self.skill_names[q] for q in np.flatnonzero(js[j] & ~have)]
            raise InfeasibleError(
                f"{int(lack.sum())} urgent job(s) need a skill no technician has; "
                f"first: job {self.job_ids[j]!r} needs {miss}"
            )

    # ---------------------------------------------------------------- builder
    @classmethod
    def from_tables(
        cls,
        jobs: Any,
        techs: Any,
        duration_min: npt.ArrayLike,
        distance_m: npt.ArrayLike,
        **kwargs: Any,
    ) -> DispatchProblem:
        """Build a problem from two tables and the matrices.

        The same as :func:`planner.routing.tables.problem_from_frames` (see
        there for the columns and keywords).
        """
        from planner.routing.tables import problem_from_frames

        return problem_from_frames(jobs, techs, duration_min, distance_m, **kwargs)


def _urgency_rank(u: Any, row: int, ids: Sequence[str]) -> int:
    if isinstance(u, int | np.integer) and not isinstance(u, bool):
        if 0 <= int(u) < len(URGENCY_ORDER):
            return int(u)
    else:
        try:
            return URGENCY_ORDER.index(Urgency(str(u).strip().lower()))
        except ValueError:
            pass
    raise _bad("jobs", row, ids, "urgency", "one of urgent, important, general", u)
