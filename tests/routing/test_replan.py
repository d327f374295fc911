"""In-day re-planning: frozen visits unchanged, the new plan valid from ``now`` on."""

from __future__ import annotations

import numpy as np
import pytest

from planner.core.errors import InputError
from planner.geo import SpeedProfile
from planner.routing import DispatchPlan, DispatchProblem, solve_dispatch, validate_plan
from planner.routing.edit import NewJob
from planner.routing.replan import Absent, Cancel, replan


def day(seed: int, n: int = 30, m: int = 4, **kw: object) -> DispatchProblem:
    """A day on a 25 x 25 km square with lunch breaks and two-hour windows."""
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, 25, size=(n + m, 2))
    d = np.sqrt(((xy[:, None] - xy[None]) ** 2).sum(axis=2)) * 2.0
    early = rng.choice([480.0, 600.0, 720.0, 840.0], size=n)
    return DispatchProblem(
        duration_min=d,
        distance_m=d * 500,
        job_loc=np.arange(m, m + n),
        service_min=rng.integers(20, 70, size=n),
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
        job_urgency=rng.choice(["important", "general"], size=n),
        **kw,  # type: ignore[arg-type]
    )


def _events(p: DispatchProblem, rng: np.random.Generator) -> list[object]:
    return [
        NewJob("N1", 40, loc=int(rng.integers(p.n_locations)), urgency="urgent"),
        NewJob(
            "N2", 30, loc=int(rng.integers(p.n_locations)), windows=((700.0, 900.0),)
        ),
        NewJob("N3", 50, loc=int(rng.integers(p.n_locations))),
        Cancel(p.job_ids[int(rng.integers(p.n_jobs))]),
        Absent(p.tech_ids[1]),
    ]


def _check(
    p: DispatchProblem, plan: DispatchPlan, now: float, events: list[object]
) -> None:
    r = replan(plan, p, now=now, events=events)
    assert validate_plan(r.problem, r.plan) == []
    full = plan.to_frame()
    # frozen visits are exactly the published rows, unchanged
    for _, row in r.frozen.iterrows():
        pub = full[full["job_id"] == row["job_id"]].iloc[0]
        assert pub["tech_id"] == row["tech_id"]
        assert pub["start_min"] == row["start_min"]
        assert pub["end_min"] == row["end_min"]
    # every visit that started by now is frozen
    started = set(full.loc[full["start_min"] <= now, "job_id"])
    assert started <= set(r.frozen["job_id"])
    # nothing new starts before now; the absent technician gets nothing new
    assert (np.asarray(r.plan.start_min) >= now - 1e-9).all()
    absent = [e.tech_id for e in events if isinstance(e, Absent)]
    for tid in absent:
        assert len(r.plan.route(r.plan.tech_ids.index(tid))) == 0
    # every job accounted for exactly once
    cancelled = {e.job_id for e in events if isinstance(e, Cancel)} - set(
        r.frozen["job_id"]
    )
    new = {e.job_id for e in events if isinstance(e, NewJob)}
    seen = list(r.frozen["job_id"]) + list(r.problem.job_ids)
    assert sorted(seen + sorted(cancelled)) == sorted(set(p.job_ids) | new)
    # the technicians leave from where the last frozen visit ends, not before it ends
    for t, tid in enumerate(p.tech_ids):
        fz = r.frozen[r.frozen["tech_id"] == tid]
        if len(fz) and len(r.plan.route(t)):
            assert float(r.plan.depart_min[t]) >= float(fz["end_min"].max()) - 0.005


@pytest.mark.parametrize("now", [480.0, 600.0, 660.0, 750.0, 900.0])
def test_replan_keeps_the_frozen_and_is_valid(now: float) -> None:
    """New, cancelled, absent: frozen visits unchanged; the validator accepts the rest of the day."""
    p = day(1)
    plan = solve_dispatch(p, max_iterations=150, seed=0)
    _check(p, plan, now, _events(p, np.random.default_rng(int(now))))


@pytest.mark.parametrize("case", range(3))
def test_replan_on_rush_hour_travel(case: int) -> None:
    """With speed factors the re-planned day is valid for the hour-by-hour validator."""
    p = day(10 + case, speed_factors=SpeedProfile({"7-9": 0.5, "16-18": 0.6}))
    plan = solve_dispatch(p, max_iterations=100, seed=0)
    _check(p, plan, 650.0, _events(p, np.random.default_rng(case)))


def test_nothing_happened_nothing_moves() -> None:
    """No events: every published visit keeps its technician and start; nothing unassigned newly."""
    p = day(2)
    plan = solve_dispatch(p, max_iterations=150, seed=0)
    r = replan(plan, p, now=650.0)
    assert r.n_moved == 0
    whole = r.to_frame()
    pub = plan.to_frame()
    for _, row in pub.iterrows():
        got = whole[whole["job_id"] == row["job_id"]].iloc[0]
        assert got["tech_id"] == row["tech_id"]
        assert got["start_min"] == pytest.approx(row["start_min"], abs=1e-6)
    assert len(r.plan.unassigned_job) == len(plan.unassigned_job)


def test_absent_technician_moves_are_counted() -> None:
    """The absent technician's unstarted visits all count as moved (reassigned or unassigned)."""
    p = day(3)
    plan = solve_dispatch(p, max_iterations=150, seed=0)
    now = 600.0
    r = replan(plan, p, now=now, events=[Absent(p.tech_ids[2])])
    f = plan.to_frame()
    theirs = set(f.loc[(f["tech_id"] == p.tech_ids[2]), "job_id"]) - set(
        r.frozen["job_id"]
    )
    assert theirs <= set(r.moved_job_ids)
    assert r.disruption_cost == pytest.approx(r.n_moved * 30.0)


def test_positions_start_the_technician_there() -> None:
    """A technician reported at another location leaves from it, not before now."""
    p = day(4)
    plan = solve_dispatch(p, max_iterations=100, seed=0)
    r = replan(plan, p, now=620.0, positions={p.tech_ids[0]: 3})
    assert int(r.problem.tech_start_loc[0]) == 3
    assert float(r.problem.shift_start_min[0]) >= 620.0
    assert validate_plan(r.problem, r.plan) == []


def test_urgent_new_jobs_take_the_place_of_less_valuable_ones() -> None:
    """On a full day an urgent ticket is served, a general job giving way if need be."""
    p = day(5, n=45, m=2)
    plan = solve_dispatch(p, max_iterations=150, seed=0)
    new = [
        NewJob(f"U{i}", 40, loc=int(p.job_loc[i]), urgency="urgent") for i in range(3)
    ]
    r = replan(plan, p, now=560.0, events=new)
    assert validate_plan(r.problem, r.plan) == []
    served = {r.problem.job_ids[j] for j in r.plan.stop_job.tolist()}
    assert {"U0", "U1", "U2"} <= served


def test_bad_replan_input_is_one_line_each() -> None:
    """now outside every shift, unknown technicians or jobs: InputError naming the field."""
    p = day(6, n=8, m=2)
    plan = solve_dispatch(p, max_iterations=30, seed=0)
    cases = [
        ({"now": 200.0}, "now"),
        ({"now": 1500.0}, "now"),
        ({"now": 600.0, "positions": {"ghost": 1}}, "ghost"),
        ({"now": 600.0, "positions": {p.tech_ids[0]: 999}}, p.tech_ids[0]),
        ({"now": 600.0, "events": [Cancel("nope")]}, "job_id"),
        ({"now": 600.0, "events": [Absent("ghost")]}, "tech_id"),
        ({"now": 600.0, "events": [NewJob(p.job_ids[0], 30, loc=1)]}, "job_id"),
    ]
    for kw, field in cases:
        with pytest.raises(InputError) as e:
            replan(plan, p, **kw)  # type: ignore[arg-type]
        assert e.value.field == field, str(e.value)
        assert "\n" not in str(e.value)


def test_days_without_jobs() -> None:
    """No jobs: an empty valid plan; slots on it; a late re-plan with nothing left."""
    from planner.routing.slots import offer_slots

    p = day(7, n=1, m=2)
    empty = day(7, n=0, m=2)
    plan = solve_dispatch(empty, max_iterations=10)
    assert validate_plan(empty, plan) == []
    offers = offer_slots(plan, empty, NewJob("N", 30, loc=1))
    assert len(offers) > 0
    assert validate_plan(*offers.book(0)) == []
    full = solve_dispatch(p, max_iterations=10)
    r = replan(full, p, now=1040.0)
    assert r.problem.n_jobs == 0
    assert validate_plan(r.problem, r.plan) == []


def test_positions_at_coordinates_with_rush_hours() -> None:
    """A technician reported at lon/lat (reached with the travel model) on rush-hour travel."""
    from planner.geo import GreatCircle

    rng = np.random.default_rng(8)
    ll = np.column_stack([rng.uniform(24.8, 25.1, 34), rng.uniform(60.15, 60.3, 34)])
    gc = GreatCircle(1.3, 30.0)
    tm = gc.matrix(ll, ll)
    p = day(8).replace(
        duration_min=tm.duration_min,
        distance_m=tm.distance_m,
        location_lonlat=ll,
        speed_factors=SpeedProfile({"7-9": 0.5, "16-18": 0.6}),
    )
    plan = solve_dispatch(p, max_iterations=80, seed=0)
    with pytest.raises(InputError, match="lonlat"):
        replan(plan, p, now=640.0, positions={p.tech_ids[0]: (24.9, 60.2)})
    new = NewJob("N", 30, lonlat=(25.0, 60.25), urgency="urgent")
    r = replan(
        plan,
        p,
        now=640.0,
        positions={p.tech_ids[0]: (24.9, 60.2)},
        events=[new],
        travel=gc,
    )
    assert int(r.problem.tech_start_loc[0]) == p.n_locations
    np.testing.assert_allclose(r.problem.location_lonlat[p.n_locations], [24.9, 60.2])
    assert validate_plan(r.problem, r.plan) == []
    assert "N" in {r.problem.job_ids[j] for j in r.plan.stop_job.tolist()}
