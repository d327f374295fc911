"""Nightly routing inside a replication: each outlet's queue planned by the solver.

At midnight before each day, the tickets queued at each outlet (by urgency,
then age; at most ``cap``, and only as many as fill ``fill`` times the crew's
shift minutes, counting expected repair plus the drive from the outlet) are
planned for that day's technicians (on-call technicians excluded: they keep
the day's urgent tickets) by :func:`planner.routing.solve_dispatch`
(``iter_per_job`` search iterations per ticket, at most ``iterations``; seed
0: deterministic), with the expected repair times and the outlet's travel
matrix. A batch of fewer than ``min_batch`` tickets is not planned: the greedy
rule hands them out at shift start (each call into the solver costs a few
milliseconds whatever the batch, and on the 500-outlet benchmark planning
batches of 1-3 tickets did not shorten the drives; see
``benchmarks/README.md``).

The nightly problems carry no part needs and no van stock: a first visit's
parts are unknown until the diagnosis (or collected at the outlet, where every
route starts), and a revisit's parts wait reserved at the outlet. Routing on
the vans would turn revisits away from technicians who can pick the part up.

With ``horizon_days`` above 1 each outlet's night is planned over that many
days by :func:`planner.routing.solve_horizon`: first visits carry their SLA
deadline, technicians not working a day are absent, and only day 0's routes
are handed out; tickets the horizon moves to a later day stay queued.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from planner.core.errors import InputError
from planner.routing import DispatchParams
from planner.sim.model import DAY_MIN, SimModel

__all__ = ["NightlyRouting", "plan_outlet", "select_batch"]

Entry = tuple[float, float, int, int]  # (priority, created, ticket, kind)


@dataclass(frozen=True, slots=True)
class NightlyRouting:
    """Parameters of nightly routing (``dispatch="routing"``).

    Attributes
    ----------
    cap
        Tickets planned per outlet and night, at most.
    iterations
        The solver's iteration limit per plan.
    fill
        Plan at most this multiple of the crew's shift minutes of work.
    min_batch
        Smaller batches are left to the greedy rule.
    iter_per_job
        Search iterations per planned ticket (capped by ``iterations``).
    solver
        The routing solver's own tunables
        (:class:`~planner.routing.DispatchParams`; its defaults when None).
    horizon_days
        Days planned each night (1: today only; more: deadlines decide what
        waits, see the module docstring).

    >>> NightlyRouting(cap=0)
    Traceback (most recent call last):
    ...
    planner.core.errors.InputError: routing.cap must be an integer >= 1; got 0
    """

    cap: int = 40
    iterations: int = 200
    fill: float = 1.2
    min_batch: int = 4
    iter_per_job: float = 1.0
    solver: DispatchParams | None = None
    horizon_days: int = 1

    def __post_init__(self) -> None:
        for name in ("cap", "iterations", "min_batch", "horizon_days"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int | np.integer) or v < 1:
                raise InputError(
                    field=f"routing.{name}", expected="an integer >= 1", got=v
                )
        for name in ("fill", "iter_per_job"):
            v = getattr(self, name)
            if not (isinstance(v, int | float) and math.isfinite(v) and v > 0):
                raise InputError(field=f"routing.{name}", expected="> 0", got=v)
        if self.horizon_days > 7:
            raise InputError(
                field="routing.horizon_days",
                expected="an integer in [1, 7]",
                got=self.horizon_days,
            )

    def to_dict(self) -> dict[str, Any]:
        """Plain dict (for a result's parameters)."""
        return asdict(self)

    def iterations_for(self, n_jobs: int) -> int:
        """Search iterations for a batch of ``n_jobs`` tickets."""
        return min(self.iterations, max(1, round(self.iter_per_job * n_jobs)))


def select_batch(
    entries: list[Entry],
    params: NightlyRouting,
    *,
    cap_min: float,
    expect: Sequence[float],
    drive: Sequence[float],
) -> list[Entry]:
    """The head of ``entries`` (sorted) that fits ``fill`` times the crew's minutes.

    ``expect[i]`` and ``drive[i]`` are the expected repair and the drive from
    the outlet of ``entries[i]``; at least one entry is kept.
    """
    load = 0.0
    n_take = 0
    limit = params.fill * cap_min
    for i in range(min(len(entries), params.cap)):
        load += expect[i] + drive[i]
        if load > limit and n_take:
            break
        n_take += 1
    return entries[:n_take]


def plan_outlet(
    model: SimModel,
    params: NightlyRouting,
    o: int,
    ks: Sequence[int],
    batch: list[Entry],
    *,
    loc: Sequence[int],
    expect: Sequence[float],
    skill: Sequence[int],
    priority: Sequence[int],
    deadline: npt.ArrayLike | None = None,
    absent: np.ndarray | None = None,
) -> list[list[Entry]]:
    """Routes for technicians ``ks`` of outlet ``o`` over ``batch``.

    ``loc``, ``expect``, ``skill`` and ``priority`` describe each entry of the
    batch: its position in the outlet's travel block, expected minutes on
    site, skill index and urgency for the solver. With ``horizon_days > 1``,
    ``deadline`` (minutes after tonight's midnight, ``inf``: none) and
    ``absent`` (technicians x days) shape the horizon. Returns one ordered
    list of entries per technician for today (entries the solver left out or
    moved to a later day are in none).
    """
    from planner.routing import (
        DispatchProblem,
        HorizonProblem,
        solve_dispatch,
        solve_horizon,
    )

    net, crew = model.network, model.crew
    off, sz = int(net.local_offset[o]), int(net.local_size[o])
    locs = np.unique(np.array([0, *loc], np.int64))
    pos = np.searchsorted(locs, np.asarray(loc, np.int64))
    block = np.ix_(locs, locs)
    dur = net.local_dur_min[off : off + sz * sz].reshape(sz, sz)[block]
    dist = net.local_dist_m[off : off + sz * sz].reshape(sz, sz)[block]
    n_j = len(batch)
    n_s = len(model.skill_names)
    jsk = np.zeros((n_j, n_s), dtype=bool)
    jsk[np.arange(n_j), np.asarray(skill, np.int64)] = True
    ka = np.asarray(ks, dtype=np.int64)
    b0, b1, bm = crew.break_start[ka], crew.break_end[ka], crew.break_min[ka]
    prob = DispatchProblem(
        duration_min=dur,
        distance_m=dist,
        job_loc=pos,
        service_min=np.asarray(expect, dtype=np.float64),
        tw_ptr=np.arange(n_j + 1),
        tw_early_min=np.zeros(n_j),
        tw_late_min=np.full(n_j, DAY_MIN),
        tech_start_loc=np.zeros(len(ks), np.int64),
        tech_end_loc=np.zeros(len(ks), np.int64),
        shift_start_min=crew.shift_start[ka],
        shift_end_min=crew.shift_end[ka],
        job_skills=jsk,
        tech_skills=crew.skills[ka],
        job_urgency=np.asarray(priority, dtype=np.int64),
        break_min=bm,
        break_early_min=b0,
        break_late_min=np.maximum(b0, b1 - bm),
        max_overtime_min=crew.max_overtime_min[ka],
        rates=model.costs,
        job_ids=tuple(str(i) for i in range(n_j)),
    )
    run = {
        "seed": 0,
        "max_iterations": params.iterations_for(n_j),
        "time_limit_s": 3600.0,
        "params": params.solver,
    }
    if params.horizon_days > 1:
        h = params.horizon_days
        dl = np.full(n_j, np.inf) if deadline is None else np.asarray(deadline, float)
        horizon = HorizonProblem(
            prob,
            n_days=h,
            deadline_min=dl,
            absent=np.zeros((len(ks), h), bool) if absent is None else absent,
        )
        plan = solve_horizon(horizon, **run).today  # type: ignore[arg-type]
    else:
        plan = solve_dispatch(prob, **run)  # type: ignore[arg-type]
    routes: list[list[Entry]] = [[] for _ in ks]
    for t, jj in zip(plan.stop_tech.tolist(), plan.stop_job.tolist(), strict=True):
        routes[t].append(batch[int(plan.job_ids[jj])])
    return routes
