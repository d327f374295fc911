"""DispatchPlan: the result of one dispatch day.

A plan is self-contained (it does not hold the problem): one row per visit
(technician, sequence, job, arrival, start, end), one entry per technician
(departure, return, break, travel, idle, overtime), and the unassigned jobs
with a reason code each. It follows the result protocol of
:mod:`planner.core.result` (KPIs with ``routing_`` names, costs of one day,
a result folder); pictures of it live in :mod:`planner.report`.
"""

from __future__ import annotations

import datetime
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import numpy as np

from planner.core.checks import readonly
from planner.core.cost import CostBreakdown
from planner.core.errors import InputError
from planner.core.result import (
    SolverStats,
    SolveStatus,
    kpi_frame,
    read_result,
    reading_saved,
    write_result,
)
from planner.routing.readable import clock_text, tidy_min, travel_record

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

__all__ = ["REASONS", "DispatchPlan", "clock_text", "travel_record"]


#: Version of the result folder written by :meth:`DispatchPlan.save`
#: (1 was a single JSON file).
FORMAT_VERSION = 2

_URGENCY = ("urgent", "important", "general")

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
    date: str | None = None
    travel_info: Mapping[str, Any] | None = None

    def __post_init__(self) -> None:
        s = object.__setattr__
        if self.date is not None:
            try:
                s(self, "date", datetime.date.fromisoformat(str(self.date)).isoformat())
            except ValueError:
                raise InputError(
                    source="DispatchPlan",
                    field="date",
                    expected="YYYY-MM-DD",
                    got=self.date,
                ) from None
        if self.travel_info is not None:
            s(self, "travel_info", MappingProxyType(dict(self.travel_info)))
        s(self, "status", SolveStatus(self.status))
        if not isinstance(self.cost, CostBreakdown):
            raise InputError(
                source="DispatchPlan", field="cost", expected="a CostBreakdown"
            )
        if self.cost.period_days is None:  # a plan covers one day
            s(self, "cost", CostBreakdown(dict(self.cost.amounts), period_days=1.0))
        elif self.cost.period_days != 1.0:
            raise InputError(
                source="DispatchPlan",
                field="cost.period_days",
                expected="1 (a plan covers one day)",
                got=self.cost.period_days,
            )
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

    def kpi_dict(self) -> dict[str, float]:
        """Jobs served by urgency, travel hours, overtime and lateness, as a dict."""
        urg = self.job_urgency
        served = self.stop_job
        out: dict[str, float] = {
            "jobs": float(len(urg)),
            "served": float(len(served)),
            "unassigned": float(len(self.unassigned_job)),
        }
        for r, name in enumerate(_URGENCY):
            out[f"served_{name}"] = (
                float((urg[served] == r).sum()) if len(served) else 0.0
            )
            out[f"jobs_{name}"] = float((urg == r).sum())
        out["travel_h"] = float(np.sum(self.travel_min)) / 60.0
        out["distance_km"] = float(np.sum(self.distance_m)) / 1000.0
        out["idle_h"] = float(np.sum(self.idle_min)) / 60.0
        out["overtime_h"] = float(np.sum(self.overtime_min)) / 60.0
        out["lateness_h"] = 0.0  # windows are hard
        out["techs_used"] = float(len(np.unique(self.stop_tech)))
        return out

    def kpis(self) -> pd.DataFrame:
        """Headline figures of the day as ``routing_`` rows (see :mod:`planner.core.result`)."""
        k = self.kpi_dict()
        served, jobs = k["served"], k["jobs"]
        rows: list[tuple[str, float, str]] = [
            ("jobs", jobs, "jobs"),
            ("served", served, "jobs"),
            ("served_share", served / max(jobs, 1.0), "share"),
            (
                "urgent_served_share",
                k["served_urgent"] / max(k["jobs_urgent"], 1.0),
                "share",
            ),
            *[(f"served_{u}", k[f"served_{u}"], "jobs") for u in _URGENCY],
            ("unassigned", k["unassigned"], "jobs"),
            ("travel_h", k["travel_h"], "h"),
            ("travel_h_per_job", k["travel_h"] / max(served, 1.0), "h/job"),
            ("distance_km", k["distance_km"], "km"),
            ("idle_h", k["idle_h"], "h"),
            ("overtime_h", k["overtime_h"], "h"),
            ("techs_used", k["techs_used"], "technicians"),
            ("cost", self.cost_breakdown().total, "money/day"),
        ]
        return kpi_frame(rows, prefix="routing_")

    def cost_breakdown(self) -> CostBreakdown:
        """Travel, overtime and unserved penalties of the day (``period_days`` 1)."""
        return self.cost

    @property
    def all_urgent_served(self) -> bool:
        """Whether every urgent job is on a route."""
        k = self.kpi_dict()
        return k["served_urgent"] == k["jobs_urgent"]

    def summary(self) -> str:
        """A few lines for humans."""
        k = self.kpi_dict()
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
        d: dict[str, Any] = {
            "tech_id": [self.tech_ids[t] for t in st],
            "seq": seq,
            "job_id": [self.job_ids[j] for j in np.asarray(self.stop_job)],
            "location": np.asarray(self.stop_loc),
            "arrival_min": tidy_min(self.arrival_min),
            "start_min": tidy_min(self.start_min),
            "end_min": tidy_min(self.end_min),
            "urgency": [
                ("urgent", "important", "general")[u]
                for u in np.asarray(self.job_urgency)[np.asarray(self.stop_job)]
            ],
        }
        for name in ("arrival", "start", "end"):
            hhmm, iso = clock_text(getattr(self, f"{name}_min"), self.date)
            d[name] = hhmm
            if self.date:
                d[f"{name}_at"] = iso
        if self.location_lonlat is not None:
            ll = np.asarray(self.location_lonlat)[np.asarray(self.stop_loc)]
            d["lon"] = np.round(ll[:, 0], 6) + 0.0
            d["lat"] = np.round(ll[:, 1], 6) + 0.0
        return pd.DataFrame(d)

    def techs_frame(self) -> pd.DataFrame:
        """One row per technician: departure, return, break, travel, idle, overtime."""
        import pandas as pd

        st = np.asarray(self.stop_tech)
        d: dict[str, Any] = {
            "tech_id": list(self.tech_ids),
            "n_jobs": np.bincount(st, minlength=len(self.tech_ids)),
        }
        for name in _TECH_FIELDS:
            a = np.asarray(getattr(self, name))
            d[name] = a if name == "break_after" else tidy_min(a)
        for name in ("depart", "return", "break_start"):
            hhmm, iso = clock_text(getattr(self, f"{name}_min"), self.date)
            d[name] = hhmm
            if self.date:
                d[f"{name}_at"] = iso
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

    # ----------------------------------------------------------- save/load
    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the plan as a new result folder (``result.json`` and Parquet tables).

        ``stops``, ``technicians`` and ``unassigned`` are the frames of
        :meth:`to_frame`, :meth:`techs_frame` and :meth:`unassigned_frame`;
        ``jobs`` and ``locations`` hold the ids, urgencies and coordinates.

        >>> import tempfile, pathlib
        >>> p = DispatchPlan.empty(["J1"], ["T1"])
        >>> f = pathlib.Path(tempfile.mkdtemp()) / "plan"
        >>> DispatchPlan.load(p.save(f)).unassigned_reason
        ('capacity',)
        """
        import pandas as pd

        techs = self.techs_frame()
        stops = self.to_frame()
        # the folder keeps exact minutes (load + validate round-trips); the
        # tables people read are rounded
        for name in _TECH_FIELDS:
            techs[name] = np.asarray(getattr(self, name))
        for name in _STOP_FIELDS[3:]:
            stops[name] = np.asarray(getattr(self, name))
        if self.tech_start_loc is not None:
            techs["start_loc"] = np.asarray(self.tech_start_loc)
            techs["end_loc"] = np.asarray(self.tech_end_loc)
        frames = {
            "stops": stops,
            "technicians": techs,
            "unassigned": self.unassigned_frame(),
            "jobs": pd.DataFrame(
                {"job_id": list(self.job_ids), "urgency_rank": self.job_urgency}
            ),
        }
        if self.location_lonlat is not None:
            ll = np.asarray(self.location_lonlat).reshape(-1, 2)
            frames["locations"] = pd.DataFrame({"lon": ll[:, 0], "lat": ll[:, 1]})
        return write_result(
            path,
            kind="DispatchPlan",
            version=FORMAT_VERSION,
            meta={
                "status": str(self.status),
                "objective": self.objective,
                "cost": dict(self.cost.amounts),
                "stats": self.stats.to_dict(),
                "date": self.date,
                "travel": dict(self.travel_info) if self.travel_info else None,
            },
            frames=frames,
        )

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> DispatchPlan:
        """Read a plan written by :meth:`save` (validated again)."""
        meta, frames = read_result(
            path, kind="DispatchPlan", versions=(FORMAT_VERSION,)
        )
        want = {
            "stops": ("tech_id", "job_id", "location", *_STOP_FIELDS[3:]),
            "technicians": ("tech_id", *_TECH_FIELDS),
            "unassigned": ("job_id", "reason", "detail"),
            "jobs": ("job_id", "urgency_rank"),
        }
        for name, cols in want.items():
            df = frames.get(name)
            missing = [c for c in cols if df is None or c not in df.columns]
            if missing:
                raise InputError(
                    source=str(Path(path) / f"{name}.parquet"),
                    field=", ".join(missing),
                    expected="present",
                )
        with reading_saved(path, "DispatchPlan"):
            jobs, techs = frames["jobs"], frames["technicians"]
            job_ids = [str(x) for x in jobs["job_id"]]
            tech_ids = [str(x) for x in techs["tech_id"]]
            jx = {j: i for i, j in enumerate(job_ids)}
            tx = {t: i for i, t in enumerate(tech_ids)}
            st, un = frames["stops"], frames["unassigned"]
            kw: dict[str, Any] = {
                "stop_tech": [tx[str(x)] for x in st["tech_id"]],
                "stop_job": [jx[str(x)] for x in st["job_id"]],
                "stop_loc": st["location"].to_numpy(),
                **{c: st[c].to_numpy(float) for c in _STOP_FIELDS[3:]},
                **{c: techs[c].to_numpy() for c in _TECH_FIELDS},
                "unassigned_job": [jx[str(x)] for x in un["job_id"]],
                "unassigned_reason": tuple(str(x) for x in un["reason"]),
                "unassigned_detail": tuple(str(x) for x in un["detail"]),
            }
            if "start_loc" in techs.columns:
                kw["tech_start_loc"] = techs["start_loc"].to_numpy()
                kw["tech_end_loc"] = techs["end_loc"].to_numpy()
            loc = frames.get("locations")
            if loc is not None:
                kw["location_lonlat"] = loc[["lon", "lat"]].to_numpy(float)
            return cls(
                status=SolveStatus(meta["status"]),
                objective=float(meta["objective"]),
                job_ids=tuple(job_ids),
                tech_ids=tuple(tech_ids),
                job_urgency=jobs["urgency_rank"].to_numpy(),
                cost=CostBreakdown(meta["cost"], period_days=1.0),
                stats=SolverStats.from_dict(meta["stats"], source=str(path)),
                date=meta.get("date"),
                travel_info=meta.get("travel"),
                **kw,
            )

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
