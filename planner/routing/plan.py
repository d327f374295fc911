"""DispatchPlan: the result of one dispatch day.

A plan is self-contained (it does not hold the problem): one row per visit
(technician, sequence, job, arrival, start, end), one entry per technician
(departure, return, break, travel, idle, overtime), and the unassigned jobs
with a reason code each. Save and load go through JSON (no pickle).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from planner.core.atomic import atomic_path
from planner.core.checks import readonly
from planner.core.cost import CostBreakdown
from planner.core.errors import InputError
from planner.core.result import SolverStats, SolveStatus

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

__all__ = ["REASONS", "DispatchPlan"]

#: Reason codes for an unassigned job, and what each one means.
REASONS: Mapping[str, str] = {
    "skill": "no technician has every required skill",
    "window": "no window can be reached and served within any qualified shift",
    "load": "its load exceeds the van capacity of every qualified technician",
    "parts": "no qualified technician carries the parts",
    "pinned": "the pinned technician cannot serve it within the shift",
    "capacity": "it fits some technician's day on its own; the day is full",
}

_STOP_FIELDS = (
    "stop_tech",
    "stop_job",
    "stop_loc",
    "arrival_min",
    "start_min",
    "end_min",
)
_TECH_FIELDS = (
    "depart_min",
    "return_min",
    "break_start_min",
    "break_after",
    "travel_min",
    "distance_m",
    "idle_min",
    "work_min",
    "overtime_min",
)


@dataclass(frozen=True, slots=True, eq=False)
class DispatchPlan:
    """Routes per technician, the unassigned jobs with reasons, KPIs and cost.

    Attributes
    ----------
    status
        :class:`~planner.core.result.SolveStatus` (``FEASIBLE`` for a heuristic).
    objective
        Travel distance + travel time + overtime cost + unserved penalties.
    stop_tech, stop_job, stop_loc, arrival_min, start_min, end_min
        One entry per visit, grouped by technician in route order.
    depart_min ... overtime_min
        One entry per technician. ``break_after`` is the number of visits done
        before the break (-1: no break); ``break_start_min`` is NaN then.
    unassigned_job, unassigned_reason
        Jobs not served and their reason code (see :data:`REASONS`).
    job_ids, tech_ids, job_urgency
        Ids for the tables and the urgency rank of each job (0 urgent).
    cost
        Cost by :class:`~planner.core.cost.CostCategory`.
    """

    status: SolveStatus
    objective: float
    stop_tech: np.ndarray
    stop_job: np.ndarray
    stop_loc: np.ndarray
    arrival_min: np.ndarray
    start_min: np.ndarray
    end_min: np.ndarray
    depart_min: np.ndarray
    return_min: np.ndarray
    break_start_min: np.ndarray
    break_after: np.ndarray
    travel_min: np.ndarray
    distance_m: np.ndarray
    idle_min: np.ndarray
    work_min: np.ndarray
    overtime_min: np.ndarray
    unassigned_job: np.ndarray
    unassigned_reason: tuple[str, ...]
    job_ids: tuple[str, ...]
    tech_ids: tuple[str, ...]
    job_urgency: np.ndarray
    cost: CostBreakdown = field(default_factory=CostBreakdown)
    stats: SolverStats = field(default_factory=lambda: SolverStats("none", 0.0))
    unassigned_detail: tuple[str, ...] = ()
    location_lonlat: np.ndarray = None  # type: ignore[assignment]
    tech_start_loc: np.ndarray = None  # type: ignore[assignment]
    tech_end_loc: np.ndarray = None  # type: ignore[assignment]

    def __post_init__(self) -> None:
        s = object.__setattr__
        s(self, "status", SolveStatus(self.status))
        s(self, "objective", float(self.objective))
        s(self, "job_ids", tuple(str(x) for x in self.job_ids))
        s(self, "tech_ids", tuple(str(x) for x in self.tech_ids))
        n_s = len(np.asarray(self.stop_job))
        m = len(self.tech_ids)
        for name in _STOP_FIELDS:
            dt = np.int64 if name in ("stop_tech", "stop_job", "stop_loc") else float
            a = np.asarray(getattr(self, name), dtype=dt).reshape(-1)
            if a.shape != (n_s,):
                raise InputError(
                    source="DispatchPlan",
                    field=name,
                    expected=f"{n_s} entries",
                    got=a.shape[0],
                )
            s(self, name, readonly(a))
        for name in _TECH_FIELDS:
            dt = np.int64 if name == "break_after" else float
            a = np.asarray(getattr(self, name), dtype=dt).reshape(-1)
            if a.shape != (m,):
                raise InputError(
                    source="DispatchPlan",
                    field=name,
                    expected=f"{m} entries",
                    got=a.shape[0],
                )
            s(self, name, readonly(a))
        st = np.asarray(self.stop_tech)
        if n_s and (np.diff(st) < 0).any():
            raise InputError(
                source="DispatchPlan",
                field="stop_tech",
                expected="grouped by technician, ascending",
            )
        un = np.asarray(self.unassigned_job, dtype=np.int64).reshape(-1)
        s(self, "unassigned_job", readonly(un))
        s(self, "unassigned_reason", tuple(str(x) for x in self.unassigned_reason))
        if len(self.unassigned_reason) != len(un):
            raise InputError(
                source="DispatchPlan",
                field="unassigned_reason",
                expected=f"{len(un)} entries",
                got=len(self.unassigned_reason),
            )
        det = tuple(str(x) for x in self.unassigned_detail) or tuple("" for _ in un)
        s(self, "unassigned_detail", det)
        for r in self.unassigned_reason:
            if r not in REASONS:
                raise InputError(
                    source="DispatchPlan",
                    field="unassigned_reason",
                    expected=f"one of {sorted(REASONS)}",
                    got=r,
                )
        s(
            self,
            "job_urgency",
            readonly(np.asarray(self.job_urgency, dtype=np.int64).reshape(-1)),
        )
        if len(self.job_urgency) != len(self.job_ids):
            raise InputError(
                source="DispatchPlan",
                field="job_urgency",
                expected=f"{len(self.job_ids)} entries",
            )
        for name in ("location_lonlat", "tech_start_loc", "tech_end_loc"):
            v = getattr(self, name)
            if v is not None:
                s(
                    self,
                    name,
                    readonly(
                        np.asarray(
                            v, dtype=float if name == "location_lonlat" else np.int64
                        )
                    ),
                )

    # ------------------------------------------------------------ accessors
    @property
    def n_served(self) -> int:
        """Number of jobs served."""
        return len(np.asarray(self.stop_job))

    def route(self, t: int) -> np.ndarray:
        """Job indices of technician ``t`` in visiting order."""
        return np.asarray(self.stop_job)[np.asarray(self.stop_tech) == t]

    @property
    def kpis(self) -> dict[str, float]:
        """Jobs served by urgency, travel hours, overtime and lateness."""
        urg = np.asarray(self.job_urgency)
        served = np.asarray(self.stop_job)
        out: dict[str, float] = {
            "jobs": float(len(urg)),
            "served": float(len(served)),
            "unassigned": float(len(np.asarray(self.unassigned_job))),
        }
        for r, name in enumerate(("urgent", "important", "general")):
            out[f"served_{name}"] = (
                float((urg[served] == r).sum()) if len(served) else 0.0
            )
            out[f"jobs_{name}"] = float((urg == r).sum())
        out["travel_h"] = float(np.sum(self.travel_min)) / 60.0
        out["distance_km"] = float(np.sum(self.distance_m)) / 1000.0
        out["idle_h"] = float(np.sum(self.idle_min)) / 60.0
        out["overtime_h"] = float(np.sum(self.overtime_min)) / 60.0
        out["lateness_h"] = 0.0  # windows are hard
        out["techs_used"] = float(len(np.unique(np.asarray(self.stop_tech))))
        return out

    @property
    def all_urgent_served(self) -> bool:
        """Whether every urgent job is on a route."""
        k = self.kpis
        return k["served_urgent"] == k["jobs_urgent"]

    def summary(self) -> str:
        """A few lines for humans."""
        k = self.kpis
        return (
            f"DispatchPlan ({self.status}, {self.stats.solver}, {self.stats.runtime_s:.1f} s): "
            f"{int(k['served'])}/{int(k['jobs'])} jobs served "
            f"(urgent {int(k['served_urgent'])}/{int(k['jobs_urgent'])}, "
            f"important {int(k['served_important'])}/{int(k['jobs_important'])}, "
            f"general {int(k['served_general'])}/{int(k['jobs_general'])}), "
            f"travel {k['travel_h']:.1f} h, {k['distance_km']:.1f} km, "
            f"overtime {k['overtime_h']:.1f} h, objective {self.objective:.2f}"
        )

    def __str__(self) -> str:
        return self.summary()

    # ------------------------------------------------------------- tables
    def to_frame(self) -> pd.DataFrame:
        """One row per visit: technician, sequence, job, times (minutes after midnight)."""
        import pandas as pd

        st = np.asarray(self.stop_tech)
        seq = np.zeros(len(st), np.int64)
        for t in np.unique(st):
            idx = np.flatnonzero(st == t)
            seq[idx] = np.arange(len(idx))
        return pd.DataFrame(
            {
                "tech_id": [self.tech_ids[t] for t in st],
                "seq": seq,
                "job_id": [self.job_ids[j] for j in np.asarray(self.stop_job)],
                "location": np.asarray(self.stop_loc),
                "arrival_min": np.asarray(self.arrival_min),
                "start_min": np.asarray(self.start_min),
                "end_min": np.asarray(self.end_min),
                "urgency": [
                    ("urgent", "important", "general")[u]
                    for u in np.asarray(self.job_urgency)[np.asarray(self.stop_job)]
                ],
            }
        )

    def techs_frame(self) -> pd.DataFrame:
        """One row per technician: departure, return, break, travel, idle, overtime."""
        import pandas as pd

        st = np.asarray(self.stop_tech)
        d: dict[str, Any] = {
            "tech_id": list(self.tech_ids),
            "n_jobs": np.bincount(st, minlength=len(self.tech_ids)),
        }
        for name in _TECH_FIELDS:
            d[name] = np.asarray(getattr(self, name))
        return pd.DataFrame(d)

    def unassigned_frame(self) -> pd.DataFrame:
        """One row per unassigned job with its reason code and explanation."""
        import pandas as pd

        un = np.asarray(self.unassigned_job)
        return pd.DataFrame(
            {
                "job_id": [self.job_ids[j] for j in un],
                "urgency": [
                    ("urgent", "important", "general")[u]
                    for u in np.asarray(self.job_urgency)[un]
                ],
                "reason": list(self.unassigned_reason),
                "explanation": [REASONS[r] for r in self.unassigned_reason],
                "detail": list(self.unassigned_detail),
            }
        )

    def to_geodataframe(self) -> gpd.GeoDataFrame:
        """Stops (points) and routes (lines) in WGS84; needs ``location_lonlat``."""
        import geopandas as gpd
        from shapely.geometry import LineString, Point

        if self.location_lonlat is None or self.tech_start_loc is None:
            raise InputError(
                source="DispatchPlan",
                field="location_lonlat",
                expected="coordinates of the locations",
            )
        ll = np.asarray(self.location_lonlat)
        df = self.to_frame()
        df["kind"] = "stop"
        geoms: list[Any] = [Point(*ll[i]) for i in np.asarray(self.stop_loc)]
        rows = []
        st = np.asarray(self.stop_tech)
        for t, tid in enumerate(self.tech_ids):
            locs = [
                int(np.asarray(self.tech_start_loc)[t]),
                *np.asarray(self.stop_loc)[st == t].tolist(),
                int(np.asarray(self.tech_end_loc)[t]),
            ]
            if len(locs) > 2:
                rows.append(
                    {"tech_id": tid, "kind": "route", "geometry": LineString(ll[locs])}
                )
        import pandas as pd

        stops = gpd.GeoDataFrame(df, geometry=geoms, crs="EPSG:4326")
        if not rows:
            return stops
        lines = gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")
        return gpd.GeoDataFrame(
            pd.concat([stops, lines], ignore_index=True),
            geometry="geometry",
            crs="EPSG:4326",
        )

    # ------------------------------------------------------------ pictures
    def plot_gantt(self, ax: Any = None) -> Any:
        """A Gantt chart of the day (travel+wait, service, break) per technician.

        Returns the matplotlib Axes (for notebooks).
        """
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(10, 0.35 * max(4, len(self.tech_ids))))
        st = np.asarray(self.stop_tech)
        for t in range(len(self.tech_ids)):
            idx = np.flatnonzero(st == t)
            if not len(idx):
                continue
            dep, ret = (
                float(np.asarray(self.depart_min)[t]),
                float(np.asarray(self.return_min)[t]),
            )
            ax.broken_barh([(dep / 60, (ret - dep) / 60)], (t - 0.3, 0.6), color="0.85")
            s0 = np.asarray(self.start_min)[idx] / 60
            s1 = np.asarray(self.end_min)[idx] / 60
            ax.broken_barh(
                list(zip(s0, s1 - s0, strict=True)), (t - 0.3, 0.6), color="tab:blue"
            )
            bs = float(np.asarray(self.break_start_min)[t])
            if np.isfinite(bs):
                ax.plot([bs / 60], [t], marker="|", color="tab:orange", markersize=12)
        ax.set_yticks(range(len(self.tech_ids)), list(self.tech_ids))
        ax.set_xlabel("hour of day")
        ax.invert_yaxis()
        return ax

    def route_map(self) -> Any:
        """An interactive folium map of routes and stops (needs ``location_lonlat``)."""
        return self.to_geodataframe().explore(column="tech_id", legend=False)

    # ----------------------------------------------------------- save/load
    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able dict (used by :meth:`save`)."""
        d: dict[str, Any] = {
            "status": str(self.status),
            "objective": self.objective,
            "job_ids": list(self.job_ids),
            "tech_ids": list(self.tech_ids),
            "job_urgency": np.asarray(self.job_urgency).tolist(),
            "unassigned_job": np.asarray(self.unassigned_job).tolist(),
            "unassigned_reason": list(self.unassigned_reason),
            "unassigned_detail": list(self.unassigned_detail),
            "cost": self.cost.to_dict(),
            "stats": {
                "solver": self.stats.solver,
                "runtime_s": self.stats.runtime_s,
                "n_iterations": self.stats.n_iterations,
                "seed": self.stats.seed,
                "extra": self.stats.extra,
            },
        }
        for name in (*_STOP_FIELDS, *_TECH_FIELDS):
            a = np.asarray(getattr(self, name))
            d[name] = [
                None if isinstance(x, float) and np.isnan(x) else x for x in a.tolist()
            ]
        for name in ("location_lonlat", "tech_start_loc", "tech_end_loc"):
            v = getattr(self, name)
            d[name] = None if v is None else np.asarray(v).tolist()
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> DispatchPlan:
        """Inverse of :meth:`to_dict`."""
        kw = dict(d)
        st = kw.pop("stats")
        kw["stats"] = SolverStats(
            st["solver"],
            st["runtime_s"],
            st["n_iterations"],
            st["seed"],
            dict(st.get("extra", {})),
        )
        kw["cost"] = CostBreakdown(kw["cost"])
        for name in (*_STOP_FIELDS, *_TECH_FIELDS):
            kw[name] = [np.nan if x is None else x for x in kw[name]]
        return cls(**kw)

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the plan to a JSON file, atomically.

        >>> import tempfile, pathlib
        >>> p = DispatchPlan.empty(["J1"], ["T1"])
        >>> f = pathlib.Path(tempfile.mkdtemp()) / "plan.json"
        >>> p.save(f); DispatchPlan.load(f).unassigned_reason
        ('capacity',)
        """
        with atomic_path(path) as tmp:
            tmp.write_text(json.dumps(self.to_dict(), allow_nan=True))

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> DispatchPlan:
        """Read a plan written by :meth:`save`."""
        return cls.from_dict(json.loads(Path(path).read_text()))

    @classmethod
    def empty(cls, job_ids: Sequence[str], tech_ids: Sequence[str]) -> DispatchPlan:
        """A plan with no routes (every job unassigned for ``capacity``); for tests and docs."""
        m = len(tech_ids)
        z = np.zeros(m)
        return cls(
            status=SolveStatus.NO_SOLUTION,
            objective=0.0,
            stop_tech=np.zeros(0, np.int64),
            stop_job=np.zeros(0, np.int64),
            stop_loc=np.zeros(0, np.int64),
            arrival_min=np.zeros(0),
            start_min=np.zeros(0),
            end_min=np.zeros(0),
            depart_min=z,
            return_min=z,
            break_start_min=np.full(m, np.nan),
            break_after=np.full(m, -1),
            travel_min=z,
            distance_m=z,
            idle_min=z,
            work_min=z,
            overtime_min=z,
            unassigned_job=np.arange(len(job_ids)),
            unassigned_reason=("capacity",) * len(job_ids),
            job_ids=tuple(job_ids),
            tech_ids=tuple(tech_ids),
            job_urgency=np.full(len(job_ids), 2),
        )
