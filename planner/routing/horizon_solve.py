"""Planning a :class:`~planner.routing.horizon.HorizonProblem`: :func:`solve_horizon`.

See :mod:`planner.routing.horizon` for the model and the method. The result,
:class:`HorizonPlan`, holds the plan of the technician-days (checked against
the flat problem), each day as its own :class:`DispatchPlan` (day 0 is the
one to publish) and every job not served today with its reason.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

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
from planner.core.rng import Seed
from planner.routing.edit import plan_routes
from planner.routing.horizon import DAY, MOVE_REASONS, HorizonProblem
from planner.routing.insertion import SlackCache, cheapest_insertion, prove_capacity
from planner.routing.params import DispatchParams
from planner.routing.plan import DispatchPlan, clock_text
from planner.routing.problem import DispatchProblem
from planner.routing.schedule import best_schedule, route_cost
from planner.routing.screen import reason_alone, screen_jobs
from planner.routing.solver import build_plan, solve_dispatch

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["HorizonPlan", "solve_horizon"]

FORMAT_VERSION = 2  # 2: the flat and day plans as children, a jobs table


@dataclass(frozen=True, slots=True, eq=False)
class HorizonPlan:
    """The plan of a horizon: technician-day routes, each day's plan, jobs moved.

    Attributes
    ----------
    flat
        The plan of the horizon as one problem (vehicles are technician-days;
        late jobs have their windows on every day), validator-checked.
    day_plans
        Day ``k`` as its own dispatch day; ``day_plans[0]`` is to publish.
    job_ids, job_urgency, deadline_min
        The horizon's jobs (urgency rank 0 urgent .. 2 general; deadlines in
        minutes after day 0's midnight, ``inf``: none).
    job_day, job_late
        The day each job is served (-1: not in the horizon) and whether
        after its deadline.
    moved_job, moved_reason, moved_detail
        Every job not served on day 0, with a code of :data:`MOVE_REASONS`.
    horizon, flat_problem, day_problems
        The problems the plans answer; ``None`` in a plan read back by
        :meth:`load` (a result folder holds plans, not problems).
    """

    flat: DispatchPlan
    day_plans: tuple[DispatchPlan, ...]
    job_ids: tuple[str, ...]
    job_urgency: np.ndarray
    deadline_min: np.ndarray
    job_day: np.ndarray
    job_late: np.ndarray
    moved_job: np.ndarray
    moved_reason: tuple[str, ...]
    moved_detail: tuple[str, ...]
    stats: SolverStats
    horizon: HorizonProblem | None = None
    flat_problem: DispatchProblem | None = None
    day_problems: tuple[DispatchProblem, ...] | None = None

    @property
    def status(self) -> SolveStatus:
        """The status of the flat plan."""
        return self.flat.status

    @property
    def objective(self) -> float:
        """Travel, overtime and unserved penalties over the horizon."""
        return self.flat.objective

    @property
    def n_days(self) -> int:
        """Days in the horizon (one plan each)."""
        return len(self.day_plans)

    @property
    def date(self) -> str | None:
        """Day 0's date (ISO), if the day had one."""
        return self.today.date

    @property
    def today(self) -> DispatchPlan:
        """Day 0's plan: the routes to publish."""
        return self.day_plans[0]

    def day(self, k: int) -> tuple[DispatchProblem, DispatchPlan]:
        """Day ``k``'s problem and plan (minutes after that day's midnight)."""
        if self.day_problems is None:
            raise InputError(
                source="HorizonPlan",
                field="day problems",
                expected="a plan from solve_horizon (a loaded plan holds no problems)",
                got="a plan read back by HorizonPlan.load",
                hint="solve the HorizonProblem again, or use day_plans[k]",
            )
        return self.day_problems[k], self.day_plans[k]

    def cost_breakdown(self) -> CostBreakdown:
        """Costs over the horizon (``period_days`` = the number of days)."""
        return CostBreakdown(
            dict(self.flat.cost.amounts), period_days=float(self.n_days)
        )

    def kpi_dict(self) -> dict[str, float]:
        """Jobs served on time, late, today, later, and not in the horizon."""
        d = np.asarray(self.job_day)
        return {
            "jobs": float(len(d)),
            "served_today": float((d == 0).sum()),
            "served_later": float((d > 0).sum()),
            "served_late": float(np.asarray(self.job_late).sum()),
            "not_in_horizon": float((d < 0).sum()),
            "travel_h": float(np.sum(self.flat.travel_min)) / 60.0,
            "days": float(self.n_days),
        }

    def kpis(self) -> pd.DataFrame:
        """``routing_horizon_`` KPI rows."""
        k = self.kpi_dict()
        rows = [
            ("jobs", k["jobs"], "jobs"),
            ("served_today", k["served_today"], "jobs"),
            ("served_later", k["served_later"], "jobs"),
            ("served_late", k["served_late"], "jobs"),
            ("not_in_horizon", k["not_in_horizon"], "jobs"),
            ("travel_h", k["travel_h"], "h"),
            ("cost", self.cost_breakdown().total, "money/horizon"),
        ]
        return kpi_frame(rows, prefix="routing_horizon_")

    def summary(self) -> str:
        """A line for humans."""
        k = self.kpi_dict()
        return (
            f"HorizonPlan ({self.n_days} days, {self.stats.runtime_s:.1f} s): "
            f"{int(k['jobs'])} jobs, {int(k['served_today'])} today, "
            f"{int(k['served_later'])} later ({int(k['served_late'])} late), "
            f"{int(k['not_in_horizon'])} not in the horizon; "
            f"travel {k['travel_h']:.1f} h, objective {self.objective:.2f}"
        )

    def __str__(self) -> str:
        return self.summary()

    def to_frame(self) -> pd.DataFrame:
        """One row per visit over the horizon: day, date, technician, job, times."""
        import pandas as pd

        frames = []
        for k, plan in enumerate(self.day_plans):
            f = plan.to_frame()
            f.insert(0, "day", k)
            f.insert(1, "date", plan.date or "")
            frames.append(f)
        return pd.concat(frames, ignore_index=True)

    def moved_frame(self) -> pd.DataFrame:
        """One row per job not served today: the day it is served, deadline, reason."""
        import pandas as pd

        mj = np.asarray(self.moved_job)
        dl = np.asarray(self.deadline_min, float)[mj]
        hh, iso = clock_text(np.where(np.isfinite(dl), dl, np.nan), self.date)
        return pd.DataFrame(
            {
                "job_id": [self.job_ids[j] for j in mj],
                "urgency": [
                    ("urgent", "important", "general")[u]
                    for u in np.asarray(self.job_urgency)[mj]
                ],
                "day": np.asarray(self.job_day)[mj],
                "late": np.asarray(self.job_late)[mj],
                "deadline_min": np.round(dl, 2) + 0.0,
                "deadline": hh,
                "deadline_at": iso,
                "reason": list(self.moved_reason),
                "explanation": [MOVE_REASONS[r] for r in self.moved_reason],
                "detail": list(self.moved_detail),
            }
        )

    def jobs_frame(self) -> pd.DataFrame:
        """One row per job of the horizon: urgency rank, deadline, the day served, late."""
        import pandas as pd

        return pd.DataFrame(
            {
                "job_id": list(self.job_ids),
                "urgency_rank": np.asarray(self.job_urgency, np.int64),
                "deadline_min": np.asarray(self.deadline_min, float),
                "day": np.asarray(self.job_day, np.int64),
                "late": np.asarray(self.job_late, bool),
            }
        )

    def save(self, path: str | os.PathLike[str]) -> Path:
        """A result folder: visits, jobs and moved jobs; the flat and day plans inside."""
        kids: dict[str, DispatchPlan] = {"flat": self.flat}
        kids.update({f"day_{k}": plan for k, plan in enumerate(self.day_plans)})
        return write_result(
            path,
            kind="HorizonPlan",
            version=FORMAT_VERSION,
            meta={
                "n_days": self.n_days,
                "objective": self.objective,
                "cost": dict(self.flat.cost.amounts),
                "stats": self.stats.to_dict(),
                "date": self.date,
                "travel": dict(self.today.travel_info or {}),
            },
            frames={
                "stops": self.to_frame(),
                "jobs": self.jobs_frame(),
                "moved": self.moved_frame(),
            },
            children=kids,
        )

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> HorizonPlan:
        """Read a plan written by :meth:`save` (its problems are not in the folder)."""
        meta, frames = read_result(path, kind="HorizonPlan", versions=(FORMAT_VERSION,))
        p = Path(path)
        with reading_saved(p, "HorizonPlan"):
            n_days = int(meta["n_days"])
            jobs, moved = frames["jobs"], frames["moved"]
            missing = [
                f"day_{k}" for k in range(n_days) if not (p / f"day_{k}").is_dir()
            ]
            if not (p / "flat").is_dir():
                missing.insert(0, "flat")
            if missing:
                raise InputError(
                    source=str(p),
                    expected="a horizon folder with its flat and day plans",
                    got=f"missing {', '.join(missing)}",
                )
            job_ids = tuple(str(x) for x in jobs["job_id"])
            jx = {j: i for i, j in enumerate(job_ids)}
            return cls(
                flat=DispatchPlan.load(p / "flat"),
                day_plans=tuple(
                    DispatchPlan.load(p / f"day_{k}") for k in range(n_days)
                ),
                job_ids=job_ids,
                job_urgency=readonly(jobs["urgency_rank"].to_numpy(np.int64)),
                deadline_min=readonly(jobs["deadline_min"].to_numpy(float)),
                job_day=readonly(jobs["day"].to_numpy(np.int64)),
                job_late=readonly(jobs["late"].to_numpy(bool)),
                moved_job=readonly(
                    np.array([jx[str(x)] for x in moved["job_id"]], np.int64)
                ),
                moved_reason=tuple(str(x) for x in moved["reason"]),
                moved_detail=tuple(str(x) for x in moved["detail"]),
                stats=SolverStats.from_dict(meta["stats"], source=str(p)),
            )


def _value(p: DispatchProblem) -> np.ndarray:
    pen = np.asarray(p.drop_penalty, float)
    return pen / max(float(pen[pen > 0].min()) if (pen > 0).any() else 1.0, 1e-9)


def _pull_forward(
    fp: DispatchProblem,
    routes: list[list[int]],
    vday: np.ndarray,
    cand: np.ndarray,
    n_fixed: list[int],
    deadline: np.ndarray,
) -> int:
    """Move jobs to the earliest day whose routes take them (exact insertion); returns moves."""
    moved = 0
    sl = SlackCache(fp, routes, n_fixed)
    for k in range(1, int(vday.max()) + 1 if len(vday) else 1):
        earlier = np.flatnonzero(vday < k).tolist()
        for v in np.flatnonzero(vday == k).tolist():
            for j in sorted(routes[v][n_fixed[v] :], key=lambda j: deadline[j]):
                techs = [t for t in earlier if cand[j, t]]
                if not techs:
                    continue
                place = cheapest_insertion(fp, routes, j, techs, n_fixed, sl)
                if place is None:
                    continue
                rest = [x for x in routes[v] if x != j]
                if not best_schedule(fp, v, rest).ok:
                    continue
                routes[v] = rest
                routes[place[0]].insert(place[1], j)
                moved += 1
    return moved


def solve_horizon(
    horizon: HorizonProblem,
    *,
    time_limit_s: float = 60.0,
    seed: Seed = 0,
    max_iterations: int | None = None,
    engine: str = "auto",
    prefer_early: bool = True,
    params: DispatchParams | None = None,
) -> HorizonPlan:
    """Plan every day of ``horizon``: deadlines first, then cost; today's routes to publish.

    The flat problem of technician-days is planned with
    :func:`~planner.routing.solve_dispatch` (same ``time_limit_s``, ``seed``,
    ``max_iterations``, ``engine``, ``params``); see
    :mod:`planner.routing.horizon` for the passes after it.

    Examples
    --------
    >>> import numpy as np
    >>> d = np.array([[0.0, 10.0, 12.0], [10.0, 0.0, 5.0], [12.0, 5.0, 0.0]])
    >>> day = DispatchProblem(d, d * 500, [1, 2], [300, 300], [0, 1, 2],
    ...     [480, 480], [900, 900], [0], [0], [480], [1020])
    >>> h = HorizonProblem(day, n_days=2, deadline_min=[1020.0, 2460.0])
    >>> plan = solve_horizon(h, max_iterations=50)
    >>> plan.job_day.tolist(), plan.moved_reason
    ([0, 1], ('capacity',))
    """
    t0 = time.perf_counter()
    if not isinstance(horizon, HorizonProblem):
        raise InputError(
            field="horizon", expected="a HorizonProblem", got=type(horizon).__name__
        )
    h = horizon
    p = h.day
    veh = h.vehicles()
    vt = np.array([t for t, _ in veh], np.int64)
    vday = np.array([k for _, k in veh], np.int64)
    fp = h.flat_problem()
    first = solve_dispatch(
        fp,
        time_limit_s=time_limit_s,
        seed=seed,
        max_iterations=max_iterations,
        engine=engine,
        params=params,
    )
    routes = plan_routes(first)
    n_fixed = [len(r) for r in fp.fixed_routes]
    dl = np.asarray(h.deadline_min)
    served = np.zeros(p.n_jobs, bool)
    for r in routes:
        served[r] = True
    # late: jobs whose deadline falls in the horizon and that are not on time
    late_ok = ~served & (dl <= DAY * h.n_days)
    fp2 = h.flat_problem(late=late_ok) if late_ok.any() else fp
    scr = screen_jobs(fp2)
    cand = scr.candidate
    n_pulled = (
        _pull_forward(fp2, routes, vday, cand, n_fixed, dl) if prefer_early else 0
    )
    value = _value(fp2)
    sl = SlackCache(fp2, routes, n_fixed)
    unassigned: list[tuple[int, str, str]] = []
    for j in sorted(np.flatnonzero(~served).tolist(), key=lambda j: -value[j]):
        if not cand[j].any():
            why, det = reason_alone(scr, j, int(fp2.job_pinned_tech[j]), problem=fp2)
            unassigned.append((j, why, det))
            continue
        if late_ok[j]:  # late: the earliest day that takes it
            place = None
            for k in range(h.n_days):
                techs = np.flatnonzero((vday == k) & cand[j]).tolist()
                if techs:
                    place = cheapest_insertion(fp2, routes, j, techs, n_fixed, sl)
                if place is not None:
                    break
            if place is not None:
                routes[place[0]].insert(place[1], j)
                continue
        det, place = prove_capacity(fp2, routes, j, cand, n_fixed, slacks=sl)
        if place is not None:
            routes[place[0]].insert(place[1], j)
        else:
            unassigned.append((j, "capacity", det))
    stats = SolverStats(
        first.stats.solver,
        time.perf_counter() - t0,
        n_iterations=first.stats.n_iterations,
        seed=first.stats.seed,
        extra={**first.stats.extra, "pulled_forward": n_pulled, "days": h.n_days},
    )
    flat = build_plan(fp2, routes, unassigned, stats)
    # the day of each job, lateness
    job_day = np.full(p.n_jobs, -1, np.int64)
    job_late = np.zeros(p.n_jobs, bool)
    st = np.asarray(flat.start_min)
    for i, (v, j) in enumerate(
        zip(
            np.asarray(flat.stop_tech).tolist(),
            np.asarray(flat.stop_job).tolist(),
            strict=True,
        )
    ):
        job_day[j] = vday[v]
        job_late[j] = st[i] > dl[j] + 1e-6
    # each day on its own
    day_problems, day_plans = [], []
    for k in range(h.n_days):
        jobs: list[int] = []
        local: list[list[int]] = [[] for _ in range(p.n_techs)]
        for v in np.flatnonzero(vday == k).tolist():
            for j in routes[v]:
                local[int(vt[v])].append(len(jobs))
                jobs.append(j)
        dp = h.day_problem(k, jobs)
        day_problems.append(dp)
        day_plans.append(
            build_plan(dp, local, [], SolverStats("horizon", 0.0, seed=stats.seed))
        )
    # why each job is not served today
    day0 = vday == 0
    base = screen_jobs(fp)
    able = (base.skill_ok & base.parts_ok & base.load_ok & base.pin_ok)[:, day0]
    fits0 = base.candidate[:, day0]
    sl0 = SlackCache(fp2, routes, n_fixed)
    moved, why_l, det_l = [], [], []
    un_reason = {j: (w, d) for j, w, d in unassigned}
    for j in range(p.n_jobs):
        if job_day[j] == 0:
            continue
        moved.append(j)
        if job_day[j] < 0:
            w, d = un_reason.get(j, ("capacity", ""))
            code = "beyond_horizon" if dl[j] > DAY * h.n_days else "unserved"
            why_l.append(code)
            det_l.append(f"{w}: {d}" if d else w)
            continue
        if job_late[j]:
            why_l.append("late")
            det_l.append(f"served on day {job_day[j]}, after its deadline")
            continue
        det = f"served on day {job_day[j]}"
        if not day0.any() or not able[j].any():
            why_l.append("no_technician")
        elif not fits0[j].any():
            why_l.append("window")
        else:
            techs = np.flatnonzero(day0 & cand[j]).tolist()
            place = (
                cheapest_insertion(fp2, routes, j, techs, n_fixed, sl0)
                if techs
                else None
            )
            why_l.append("capacity" if place is None else "cost")
            if place is not None:
                r = routes[place[0]]
                extra = route_cost(
                    fp2,
                    place[0],
                    best_schedule(fp2, place[0], [*r[: place[1]], j, *r[place[1] :]]),
                ) - route_cost(fp2, place[0], best_schedule(fp2, place[0], r))
                det += f"; today it would add {extra:.2f} on {p.tech_ids[int(vt[place[0]])]}"
        det_l.append(det)
    return HorizonPlan(
        flat=flat,
        day_plans=tuple(day_plans),
        job_ids=tuple(p.job_ids),
        job_urgency=readonly(np.asarray(p.job_urgency, np.int64)),
        deadline_min=readonly(dl.astype(float)),
        horizon=h,
        flat_problem=fp2,
        day_problems=tuple(day_problems),
        job_day=readonly(job_day),
        job_late=readonly(job_late),
        moved_job=readonly(np.asarray(moved, np.int64)),
        moved_reason=tuple(why_l),
        moved_detail=tuple(det_l),
        stats=stats,
    )
