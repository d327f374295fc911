"""Promised slots: offered slots book into valid plans; slots not offered are infeasible or dearer."""

from __future__ import annotations

import numpy as np
import pytest

from planner.core.errors import InputError
from planner.core.result import SolverStats
from planner.geo import GreatCircle, SpeedProfile
from planner.routing import DispatchProblem, check_plan, solve_dispatch, validate_plan
from planner.routing.edit import NewJob, add_jobs, plan_routes
from planner.routing.horizon import HorizonProblem
from planner.routing.horizon_solve import solve_horizon
from planner.routing.slots import offer_slots
from planner.routing.solver import build_plan


def small_day(seed: int, n: int = 6, m: int = 2, **kw: object) -> DispatchProblem:
    """A small day on a 20 x 20 km square, lunch breaks, some tight windows."""
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, 20, size=(n + m, 2))
    d = np.sqrt(((xy[:, None] - xy[None]) ** 2).sum(axis=2)) * 2.5
    early = rng.choice([480.0, 600.0, 720.0, 840.0], size=n)
    return DispatchProblem(
        duration_min=d,
        distance_m=d * 500,
        job_loc=np.arange(m, m + n),
        service_min=rng.integers(30, 90, size=n),
        tw_ptr=np.arange(n + 1),
        tw_early_min=early,
        tw_late_min=early + 120,
        tech_start_loc=np.arange(m),
        tech_end_loc=np.arange(m),
        shift_start_min=np.full(m, 480.0),
        shift_end_min=np.full(m, 1020.0),
        break_min=np.full(m, 30.0),
        break_early_min=np.full(m, 690.0),
        break_late_min=np.full(m, 780.0),
        max_overtime_min=np.full(m, 30.0),
        **kw,  # type: ignore[arg-type]
    )


def _brute(p: DispatchProblem, routes: list[list[int]], a: float, b: float) -> float:
    """Least marginal cost over every technician and position of the ticket (last job)
    started in ``[a, b]``, each candidate checked by the independent validator; inf if none."""
    j = p.n_jobs - 1
    w0 = int(p.tw_ptr[j])
    ptr = np.asarray(p.tw_ptr).copy()
    e = np.concatenate([p.tw_early_min[:w0], [max(a, float(p.tw_early_min[w0]))]])
    lt = np.concatenate([p.tw_late_min[:w0], [min(b, float(p.tw_late_min[w0]))]])
    if e[-1] > lt[-1]:
        return np.inf
    ptr[-1] = len(e)
    q = p.replace(tw_ptr=ptr, tw_early_min=e, tw_late_min=lt)
    stats = SolverStats("brute", 0.0)
    old = build_plan(q, routes, [(j, "capacity", "")], stats)
    best = np.inf
    for t in range(p.n_techs):
        for k in range(len(routes[t]) + 1):
            r2 = [list(r) for r in routes]
            r2[t].insert(k, j)
            plan = build_plan(q, r2, [], stats)
            if not validate_plan(q, plan):
                best = min(
                    best, plan.objective - (old.objective - float(q.drop_penalty[j]))
                )
    return best


@pytest.mark.parametrize("case", range(6))
def test_offered_slots_are_exactly_the_feasible_ones(case: int) -> None:
    """Brute force over every place: offered = feasible, at the least marginal cost."""
    p = small_day(100 + case)
    plan = solve_dispatch(p, max_iterations=100, seed=0)
    check_plan(p, plan)
    ticket = NewJob(
        "new",
        service_min=45,
        loc=int(np.random.default_rng(case).integers(p.n_locations)),
    )
    offers = offer_slots(plan, p, ticket, slot_min=90, step_min=60)
    pk = add_jobs(p, [ticket])
    routes = plan_routes(plan)
    got = {(o.start_min, o.end_min): o.cost for o in offers.offers}
    for _, a, b in offers.slots_tried:
        ref = _brute(pk, routes, a, b)
        if (a, b) in got:
            assert got[(a, b)] == pytest.approx(ref, abs=1e-6)
        else:
            assert ref == np.inf, (a, b)
    costs = [o.cost for o in offers.offers]
    assert costs == sorted(costs)


@pytest.mark.parametrize("case", range(4))
def test_every_offer_books_into_a_valid_plan(case: int) -> None:
    """Booking any offer keeps every booked visit and passes the validator."""
    p = small_day(200 + case, n=8)
    plan = solve_dispatch(p, max_iterations=100, seed=0)
    offers = offer_slots(plan, p, NewJob("T", service_min=30, loc=0), slot_min=120)
    assert len(offers) > 0
    for i in range(len(offers)):
        p2, plan2 = offers.book(i)
        assert validate_plan(p2, plan2) == []
        assert plan2.n_served == plan.n_served + 1
        assert set(plan.stop_job.tolist()) <= set(plan2.stop_job.tolist())
        o = offers.offers[i]
        s = float(plan2.start_min[plan2.stop_job == p2.n_jobs - 1][0])
        assert o.start_min - 1e-9 <= s <= o.end_min + 1e-9
        assert plan2.objective - plan.objective == pytest.approx(o.cost, abs=1e-6)


def test_max_offers_keeps_the_cheapest() -> None:
    """A slot cut by ``max_offers`` is dearer than every slot offered."""
    p = small_day(7, n=5)
    plan = solve_dispatch(p, max_iterations=100, seed=0)
    t = NewJob("T", service_min=30, loc=3)
    every = offer_slots(plan, p, t, slot_min=60, step_min=30)
    top = offer_slots(plan, p, t, slot_min=60, step_min=30, max_offers=3)
    assert len(top) == 3 < len(every)
    kept = {(o.start_min, o.tech) for o in top.offers}
    worst = max(o.cost for o in top.offers)
    for o in every.offers:
        if (o.start_min, o.tech) not in kept:
            assert o.cost >= worst - 1e-9


def test_ticket_windows_and_not_before_bound_the_slots() -> None:
    """No slot outside the customer's availability or before now."""
    p = small_day(8)
    plan = solve_dispatch(p, max_iterations=50, seed=0)
    t = NewJob("T", service_min=30, loc=1, windows=((600.0, 900.0),))
    offers = offer_slots(plan, p, t, slot_min=60, not_before_min=660.0)
    assert len(offers) > 0
    for i in range(len(offers)):
        p2, plan2 = offers.book(i)
        s = float(plan2.start_min[plan2.stop_job == p2.n_jobs - 1][0])
        assert 660.0 - 1e-9 <= s <= 900.0 + 1e-9


def test_slots_at_coordinates_need_a_travel_model_and_work_with_rush_hours() -> None:
    """A ticket at lon/lat is reached with the travel model; rush-hour travel books validly."""
    rng = np.random.default_rng(3)
    ll = np.column_stack([rng.uniform(24.8, 25.1, 8), rng.uniform(60.15, 60.3, 8)])
    gc = GreatCircle(1.3, 30.0)
    tm = gc.matrix(ll, ll)
    base = small_day(9)
    p = base.replace(
        duration_min=tm.duration_min,
        distance_m=tm.distance_m,
        location_lonlat=ll,
        speed_factors=SpeedProfile({"7-9": 0.5, "16-18": 0.6}),
    )
    plan = solve_dispatch(p, max_iterations=80, seed=0)
    t = NewJob("T", service_min=40, lonlat=(24.95, 60.2))
    with pytest.raises(InputError, match="lonlat"):
        offer_slots(plan, p, t)
    offers = offer_slots(plan, p, t, travel=gc)
    assert len(offers) > 0
    p2, plan2 = offers.book(0)
    assert validate_plan(p2, plan2) == []
    assert list(offers.to_frame().columns)[:4] == ["rank", "day", "date", "slot"]


def test_slots_over_a_horizon() -> None:
    """Over three days: offers on later days too, each booking valid on its day."""
    day = small_day(11, n=10)
    h = HorizonProblem(day, n_days=3, deadline_min=np.full(10, 3 * 1440.0))
    hp = solve_horizon(h, max_iterations=80, seed=0)
    offers = offer_slots(hp, h, NewJob("T", service_min=60, loc=2), days=3)
    assert {o.day for o in offers.offers} == {0, 1, 2}
    for i in range(0, len(offers), 3):
        p2, plan2 = offers.book(i)
        assert validate_plan(p2, plan2) == []


def test_bad_slot_requests_are_one_line_each() -> None:
    """A ticket already in the plan, too many days, a slot of 0 min: InputError naming the field."""
    p = small_day(12)
    plan = solve_dispatch(p, max_iterations=20, seed=0)
    cases = [
        (NewJob(p.job_ids[0], 30, loc=1), {}, "ticket.job_id"),
        (NewJob("T", 30, loc=1), {"days": 2}, "days"),
        (NewJob("T", 30, loc=1), {"days": 0}, "days"),
        (NewJob("T", 30, loc=1), {"slot_min": 0}, "slot_min"),
        (NewJob("T", 30, loc=99), {}, "loc"),
        (NewJob("T", 30, loc=1, skills=("gas",)), {}, "skills"),
    ]
    for ticket, kw, field in cases:
        with pytest.raises(InputError) as e:
            offer_slots(plan, p, ticket, **kw)  # type: ignore[arg-type]
        assert e.value.field == field, (field, str(e.value))
        assert "\n" not in str(e.value)


def _brute_any_order(
    p: DispatchProblem, routes: list[list[int]], a: float, b: float
) -> float:
    """Least marginal cost over every technician and every order of its visits plus the
    ticket started in ``[a, b]``, each checked by the independent validator; inf if none."""
    import itertools

    j = p.n_jobs - 1
    w0 = int(p.tw_ptr[j])
    e = np.concatenate([p.tw_early_min[:w0], [max(a, float(p.tw_early_min[w0]))]])
    lt = np.concatenate([p.tw_late_min[:w0], [min(b, float(p.tw_late_min[w0]))]])
    if e[-1] > lt[-1]:
        return np.inf
    q = p.replace(tw_early_min=e, tw_late_min=lt)
    stats = SolverStats("brute", 0.0)
    old = build_plan(q, routes, [(j, "capacity", "")], stats)
    base = old.objective - float(q.drop_penalty[j])
    best = np.inf
    for t in range(p.n_techs):
        for perm in itertools.permutations([*routes[t], j]):
            r2 = [list(r) for r in routes]
            r2[t] = list(perm)
            plan = build_plan(q, r2, [], stats)
            if not validate_plan(q, plan):
                best = min(best, plan.objective - base)
    return best


@pytest.mark.parametrize("case", range(1, 6))
def test_resequenced_slots_match_brute_force_over_every_order(case: int) -> None:
    """With re-sequencing, offered = feasible in some order of the booked visits, at least cost."""
    p = small_day(300 + case, n=5)
    plan = solve_dispatch(p, max_iterations=100, seed=0)
    loc = int(np.random.default_rng(case).integers(p.n_locations))
    ticket = NewJob("new", service_min=120, loc=loc)
    offers = offer_slots(plan, p, ticket, slot_min=30, resequence_max=8)
    plain = offer_slots(plan, p, ticket, slot_min=30)
    assert len(offers) < len(offers.slots_tried)  # some slots cannot be had
    assert len(offers) >= len(plain)
    pk = add_jobs(p, [ticket])
    routes = plan_routes(plan)
    got = {(o.start_min, o.end_min): o.cost for o in offers.offers}
    for _, a, b in offers.slots_tried:
        ref = _brute_any_order(pk, routes, a, b)
        if (a, b) in got:
            assert got[(a, b)] == pytest.approx(ref, abs=1e-6)
        else:
            assert ref == np.inf, (a, b)
    for i in range(len(offers)):
        p2, plan2 = offers.book(i)
        assert validate_plan(p2, plan2) == []
        assert plan2.n_served == plan.n_served + 1
