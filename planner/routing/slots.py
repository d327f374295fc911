"""Promised slots: the windows a new ticket fits into without dropping a booked job.

:func:`offer_slots` takes a published day (its problem and plan, or a
multi-day :class:`~planner.routing.horizon.HorizonPlan`) and a new ticket,
cuts each day into slots of ``slot_min`` minutes (service starts inside the
slot), and for every slot and technician finds every place on the booked
route that holds the ticket with every booked visit kept, in its order
(exhaustive: every gap passing the break-free bounds is confirmed with the
exact schedule, :func:`~planner.routing.insertion.SlackCache.places` and
:func:`~planner.routing.schedule.best_schedule`). A slot is offered with its
cheapest place: the technician and the marginal cost (travel and overtime
the route gains). Offers are ranked by cost, then time.

:meth:`SlotOffers.book` inserts the ticket there, with the slot as its
window, and returns the new problem and plan, checked by the independent
validator.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from planner.core.errors import InputError
from planner.core.result import SolverStats
from planner.geo.matrix import TravelModel
from planner.routing.edit import NewJob, add_jobs, plan_routes
from planner.routing.horizon import HorizonProblem
from planner.routing.horizon_solve import HorizonPlan
from planner.routing.insertion import SlackCache
from planner.routing.plan import DispatchPlan, clock_text
from planner.routing.problem import DispatchProblem
from planner.routing.schedule import (
    TOL,
    best_schedule,
    earliest_in,
    return_limit,
    route_cost,
)
from planner.routing.solver import build_plan
from planner.routing.validate import check_plan

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["SlotOffer", "SlotOffers", "offer_slots", "resequence"]


@dataclass(frozen=True, slots=True)
class SlotOffer:
    """One slot a ticket can be promised: day, service start window, technician, cost."""

    day: int
    start_min: float
    end_min: float
    tech: int
    tech_id: str
    cost: float
    position: int
    route: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True, eq=False)
class SlotOffers:
    """The ranked slots of one ticket, and what booking one needs.

    ``offers`` cheapest first; ``slots_tried`` every ``(day, start, end)``
    considered; ``problems[d]``/``plans[d]`` the booked day ``d`` with the
    ticket appended (window: any time) and the plan as published.
    """

    ticket: NewJob
    offers: tuple[SlotOffer, ...]
    slots_tried: tuple[tuple[int, float, float], ...]
    problems: tuple[DispatchProblem, ...]
    plans: tuple[DispatchPlan, ...]
    runtime_s: float = 0.0
    dates: tuple[str | None, ...] = field(default=())

    def __len__(self) -> int:
        return len(self.offers)

    def to_frame(self) -> pd.DataFrame:
        """One row per offer: rank, day, slot (minutes, HH:MM, ISO), technician, cost."""
        import pandas as pd

        rows = []
        for i, o in enumerate(self.offers):
            date = self.dates[o.day] if o.day < len(self.dates) else None
            (a,), (a_iso,) = clock_text([o.start_min], date)
            (b,), (b_iso,) = clock_text([o.end_min], date)
            rows.append(
                {
                    "rank": i + 1,
                    "day": o.day,
                    "date": date or "",
                    "slot": f"{a}-{b}",
                    "start_min": o.start_min,
                    "end_min": o.end_min,
                    "start_at": a_iso,
                    "end_at": b_iso,
                    "tech_id": o.tech_id,
                    "marginal_cost": round(o.cost, 2) + 0.0,
                }
            )
        cols = [
            "rank",
            "day",
            "date",
            "slot",
            "start_min",
            "end_min",
            "start_at",
            "end_at",
            "tech_id",
            "marginal_cost",
        ]
        return pd.DataFrame(rows, columns=cols)

    def book(self, i: int = 0) -> tuple[DispatchProblem, DispatchPlan]:
        """Book offer ``i``: the day's problem with the ticket (window: the slot) and its plan.

        The plan keeps every booked visit (the ticket is inserted at the
        offered place) and is checked by the independent validator.
        """
        if not 0 <= i < len(self.offers):
            raise InputError(
                field="offer",
                expected=f"an offer index in [0, {len(self.offers)})",
                got=i,
            )
        o = self.offers[i]
        off = 1440.0 * o.day
        p = _with_window(self.problems[o.day], o.start_min - off, o.end_min - off)
        assert p is not None  # it was offered
        plan = self.plans[o.day]
        routes = plan_routes(plan)
        j = p.n_jobs - 1
        if o.route:  # re-sequenced: the technician's whole new order
            routes[o.tech] = list(o.route)
        else:
            routes[o.tech].insert(o.position, j)
        un = list(
            zip(
                np.asarray(plan.unassigned_job).tolist(),
                plan.unassigned_reason,
                plan.unassigned_detail,
                strict=True,
            )
        )
        new = build_plan(p, routes, un, SolverStats("slots", 0.0, seed=None))
        check_plan(p, new)
        return p, new


def _with_window(p: DispatchProblem, a: float, b: float) -> DispatchProblem | None:
    """``p`` whose last job (the ticket) must start in ``[a, b]`` and one of its windows.

    None when no window of the ticket meets ``[a, b]``.
    """
    j = p.n_jobs - 1
    w0 = int(p.tw_ptr[j])
    e, lt = np.asarray(p.tw_early_min[w0:]), np.asarray(p.tw_late_min[w0:])
    e2, l2 = np.maximum(e, a), np.minimum(lt, b)
    keep = e2 <= l2
    if not keep.any():
        return None
    twe = np.concatenate([p.tw_early_min[:w0], e2[keep]])
    twl = np.concatenate([p.tw_late_min[:w0], l2[keep]])
    ptr = np.asarray(p.tw_ptr).copy()
    ptr[-1] = len(twe)
    return p.replace(tw_ptr=ptr, tw_early_min=twe, tw_late_min=twl)


def _day_inputs(
    plan: Any, problem: Any, days: int
) -> tuple[list[DispatchProblem], list[DispatchPlan]]:
    """The booked days: a one-day plan, or the first ``days`` of a horizon plan."""
    if isinstance(plan, DispatchPlan) and isinstance(problem, DispatchProblem):
        if days != 1:
            raise InputError(
                field="days",
                expected="1 for a one-day plan (give a HorizonPlan for more days)",
                got=days,
            )
        return [problem], [plan]
    if isinstance(plan, HorizonPlan) and isinstance(problem, HorizonProblem):
        if days > problem.n_days:
            raise InputError(
                field="days",
                expected=f"at most the horizon's {problem.n_days} days",
                got=days,
            )
        ps, pl = [], []
        for k in range(days):
            dp, dplan = plan.day(k)
            ps.append(dp)
            pl.append(dplan)
        return ps, pl
    raise InputError(
        field="plan",
        expected="a DispatchPlan with its DispatchProblem, or a HorizonPlan with its "
        "HorizonProblem",
        got=f"{type(plan).__name__} and {type(problem).__name__}",
    )


def offer_slots(
    plan: Any,
    problem: Any,
    ticket: NewJob,
    *,
    days: int = 1,
    slot_min: float = 120.0,
    step_min: float | None = None,
    not_before_min: float | None = None,
    travel: TravelModel | None = None,
    max_offers: int | None = None,
    resequence_max: int = 0,
) -> SlotOffers:
    """The slots over the next ``days`` into which ``ticket`` fits, ranked by marginal cost.

    Parameters
    ----------
    plan, problem
        The published day (a :class:`DispatchPlan` and its
        :class:`DispatchProblem`) or several (a ``HorizonPlan`` and its
        ``HorizonProblem``; day ``d`` of them is its own dispatch day).
    ticket
        The new ticket (:class:`~planner.routing.edit.NewJob`); its
        ``windows`` (minutes after midnight of day 0) bound the slots.
    days
        How many days to offer (1 for a one-day plan).
    slot_min, step_min
        Slot length (the service starts inside it) and the distance between
        slot starts (default ``slot_min``: slots do not overlap); slots are
        aligned to midnight and cover every shift.
    not_before_min
        No slot starting before this (minutes after midnight of day 0; e.g.
        now, while on the phone).
    travel
        The travel model that reaches ``ticket.lonlat`` (not needed with ``loc``).
    max_offers
        Keep only the cheapest offers (default: all).
    resequence_max
        Let the booked visits change order (each still in its window) on
        routes of up to this many visits with the ticket: every order is
        searched (depth first, pruned by windows and the return limit), so a
        slot is offered if any order holds it, at the cheapest order's cost
        (0: keep every booked order; only insertions).

    Examples
    --------
    >>> import numpy as np
    >>> from planner.routing import DispatchProblem, solve_dispatch
    >>> d = np.array([[0.0, 10.0, 15.0], [10.0, 0.0, 8.0], [15.0, 8.0, 0.0]])
    >>> p = DispatchProblem(d, d * 500, [1], [60], [0, 1], [480], [600],
    ...     [0], [0], [480], [840])
    >>> plan = solve_dispatch(p, max_iterations=20)
    >>> offers = offer_slots(plan, p, NewJob("new", 30, loc=2), slot_min=120)
    >>> [(o.start_min, o.tech_id) for o in offers.offers][:2]
    [(480.0, '0'), (600.0, '0')]
    >>> p2, plan2 = offers.book(0)
    >>> plan2.n_served
    2
    """
    t0 = time.perf_counter()
    if isinstance(days, bool) or not isinstance(days, int) or days < 1:
        raise InputError(field="days", expected="an integer >= 1", got=days)
    for name, v in (("slot_min", slot_min), ("step_min", step_min)):
        if v is not None and not (
            isinstance(v, int | float) and not isinstance(v, bool) and 0 < v <= 1440
        ):
            raise InputError(field=name, expected="minutes in (0, 1440]", got=v)
    if not isinstance(ticket, NewJob):
        raise InputError(field="ticket", expected="a NewJob", got=type(ticket).__name__)
    step = float(step_min or slot_min)
    day_p, day_plan = _day_inputs(plan, problem, days)
    for k, (dp, dpl) in enumerate(zip(day_p, day_plan, strict=True)):
        if ticket.job_id in dp.job_ids:
            raise InputError(
                field="ticket.job_id",
                expected="a ticket not in the plan yet",
                got=f"{ticket.job_id} (day {k})",
            )
        if tuple(dpl.job_ids) != tuple(dp.job_ids) or tuple(dpl.tech_ids) != tuple(
            dp.tech_ids
        ):
            raise InputError(
                field="plan", expected="the plan of this problem", got="other ids"
            )
    offers: list[SlotOffer] = []
    tried: list[tuple[int, float, float]] = []
    problems: list[DispatchProblem] = []
    for k, (dp, dpl) in enumerate(zip(day_p, day_plan, strict=True)):
        off = 1440.0 * k
        shifted = NewJob(
            **{
                **{f: getattr(ticket, f) for f in ticket.__dataclass_fields__},
                "windows": tuple((a - off, b - off) for a, b in ticket.windows),
            }
        )
        pk = add_jobs(dp, [shifted], travel=travel)
        problems.append(pk)
        lo = float(np.min(pk.shift_start_min))
        hi = float(np.max(pk.shift_end_min + pk.max_overtime_min))
        if not_before_min is not None:
            lo = max(lo, float(not_before_min) - off)
        start = math.floor(float(np.min(pk.shift_start_min)) / step) * step
        routes = plan_routes(dpl)
        n_fixed = [len(r) for r in pk.fixed_routes]
        slack = SlackCache(pk, routes, n_fixed)
        s = start
        while s < hi:
            a, b = s, s + float(slot_min)
            s += step
            if b < lo:
                continue
            a = max(a, lo)  # not before now
            tried.append((k, a + off, b + off))
            found = _best_place(pk, routes, slack, a, b, n_fixed, resequence_max)
            if found is not None:
                t, pos, cost, order = found
                offers.append(
                    SlotOffer(
                        k, a + off, b + off, t, pk.tech_ids[t], cost, pos, tuple(order)
                    )
                )
    offers.sort(key=lambda o: (round(o.cost, 9), o.day, o.start_min, o.tech))
    if max_offers is not None:
        offers = offers[: int(max_offers)]
    return SlotOffers(
        ticket=ticket,
        offers=tuple(offers),
        slots_tried=tuple(tried),
        problems=tuple(problems),
        plans=tuple(day_plan),
        runtime_s=time.perf_counter() - t0,
        dates=tuple(dp.date for dp in day_p),
    )


def _best_place(
    pk: DispatchProblem,
    routes: list[list[int]],
    sl: SlackCache,
    a: float,
    b: float,
    n_fixed: list[int],
    resequence_max: int,
) -> tuple[int, int, float, list[int]] | None:
    """``(tech, position, marginal cost, new order)`` of the cheapest place in ``[a, b]``.

    The order is empty for an insertion (the booked order kept). ``sl``
    holds the booked routes' bounds; they do not depend on the ticket, so
    one cache serves every slot (its problem is switched to the slot's).
    """
    p = _with_window(pk, a, b)
    if p is None:
        return None
    j = p.n_jobs - 1
    sl.p = p
    js = np.asarray(p.job_skills)[j]
    mask = ~(js[None, :] & ~np.asarray(p.tech_skills)).any(axis=1)
    best: tuple[float, int, int, list[int]] | None = None
    base: dict[int, float] = {}

    def cost0(t: int) -> float:
        if t not in base:
            base[t] = route_cost(p, t, best_schedule(p, t, routes[t]))
        return base[t]

    for _, t, k in sl.places(j, mask):
        r = routes[t]
        s = best_schedule(p, t, [*r[:k], j, *r[k:]])
        if not s.ok:
            continue
        c = route_cost(p, t, s) - cost0(t)
        if best is None or c < best[0] - 1e-12:
            best = (c, t, k, [])
    if resequence_max > 0:
        for t in np.flatnonzero(mask).tolist():
            if len(routes[t]) + 1 > resequence_max:
                continue
            found = resequence(p, t, routes[t], j, n_fixed[t])
            if found is not None:
                c = found[1] - cost0(t)
                if best is None or c < best[0] - 1e-9:
                    best = (c, t, -1, found[0])
    return None if best is None else (best[1], best[2], best[0], best[3])


def resequence(
    p: DispatchProblem, t: int, route: Sequence[int], j: int, n_fixed: int = 0
) -> tuple[list[int], float] | None:
    """The cheapest order of ``route`` plus job ``j`` that ``t`` can drive, or None.

    Exhaustive depth-first search over the orders (the first ``n_fixed``
    visits stay first): a partial order is cut when a visit misses its
    windows or the technician could not get home in time, even without the
    break (a relaxation); every complete order is timed with
    :func:`~planner.routing.schedule.best_schedule`. Returns the order and
    its travel and overtime cost.
    """
    rest = [*route[n_fixed:], j]
    prefix = list(route[:n_fixed])
    d = np.asarray(p.duration_min)
    sp = p.speed_factors
    ptr, twe, twl = p.tw_ptr, p.tw_early_min, p.tw_late_min
    home = int(p.tech_end_loc[t])
    limit = return_limit(p, t)
    best: tuple[list[int], float] | None = None

    def arrive(cur: float, a: int, b: int) -> float:
        tau = float(d[a, b])
        return cur + tau if sp is None else sp.arrive(tau, cur)

    def go(order: list[int], left: list[int], cur: float, loc: int) -> None:
        nonlocal best
        if not left:
            s = best_schedule(p, t, order)
            if s.ok:
                c = route_cost(p, t, s)
                if best is None or c < best[1] - 1e-12:
                    best = (list(order), c)
            return
        for i, x in enumerate(left):
            lx = int(p.job_loc[x])
            w0, w1 = int(ptr[x]), int(ptr[x + 1])
            st = earliest_in(
                arrive(cur, loc, lx), twe[w0:w1].tolist(), twl[w0:w1].tolist()
            )
            if math.isnan(st):
                continue
            end = st + float(p.service_min[x])
            if arrive(end, lx, home) > limit + TOL:
                continue
            go([*order, x], left[:i] + left[i + 1 :], end, lx)

    cur, loc = float(p.shift_start_min[t]), int(p.tech_start_loc[t])
    for x in prefix:  # the fixed visits, in their order
        lx = int(p.job_loc[x])
        w0, w1 = int(ptr[x]), int(ptr[x + 1])
        st = earliest_in(arrive(cur, loc, lx), twe[w0:w1].tolist(), twl[w0:w1].tolist())
        if math.isnan(st):
            return None
        cur, loc = st + float(p.service_min[x]), lx
    go(prefix, rest, cur, loc)
    return best


def slots_for(
    plan: Any, problem: Any, tickets: Sequence[NewJob], **kw: Any
) -> list[SlotOffers]:
    """:func:`offer_slots` for each ticket on its own (each against the plan as it stands)."""
    return [offer_slots(plan, problem, t, **kw) for t in tickets]
