"""Hour-of-day speed factors: the travel maths, the travel models, and routing on them."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from planner.core.errors import InputError
from planner.core.result import SolverStats
from planner.geo import GreatCircle, SpeedProfile, TimeDependentTravel
from planner.routing import DispatchProblem, solve_dispatch, validate_plan
from planner.routing.schedule import best_schedule
from planner.routing.solver import build_plan

RUSH = {"7-9": 0.5, "16-18": 0.7}


def _walk(f: list[float], tau: float, t: float, step: float = 1e-3) -> float:
    """Arrival by integrating the speed in tiny steps (a numerical oracle)."""
    left = tau
    while left > 1e-12:
        rate = f[int(t // 60) % 24]
        edge = (t // 60 + 1) * 60
        dt = min(step, edge - t)
        if dt * rate >= left:
            return t + left / rate
        left -= dt * rate
        t += dt
    return t


def test_hand_computed_rush_hour() -> None:
    """30 free-flow minutes leaving 06:45: 15 at full speed, 15 at half speed = 45 min."""
    sp = SpeedProfile(RUSH)
    assert float(sp.arrival_min(30.0, 405.0)) == pytest.approx(450.0)
    assert float(sp.travel_min(30.0, 480.0)) == pytest.approx(60.0)
    # leaving 17:50 with 20 free-flow minutes: 10 min at 0.7 cover 7, then 13 at full speed
    assert float(sp.arrival_min(20.0, 17 * 60 + 50.0)) == pytest.approx(18 * 60 + 13)


@given(
    tau=st.floats(0.0, 300.0),
    dep=st.floats(0.0, 4000.0),
    factors=st.lists(st.floats(0.2, 2.0), min_size=24, max_size=24),
)
def test_arrival_matches_numerical_integration_and_inverse(
    tau: float, dep: float, factors: list[float]
) -> None:
    """Arrival equals a step-by-step integration; latest departure inverts it."""
    sp = SpeedProfile(factors)
    a = float(sp.arrival_min(tau, dep))
    assert a == pytest.approx(_walk(factors, tau, dep, step=5.0), abs=1e-6)
    assert sp.arrive(tau, dep) == pytest.approx(a, abs=1e-9)
    assert float(sp.latest_departure_min(tau, a)) == pytest.approx(dep, abs=1e-6)


@given(
    tau=st.floats(0.0, 200.0),
    d1=st.floats(0.0, 3000.0),
    gap=st.floats(0.0, 300.0),
)
def test_fifo(tau: float, d1: float, gap: float) -> None:
    """Leaving later never arrives earlier (FIFO), so earliest schedules are exact."""
    sp = SpeedProfile(RUSH)
    assert sp.arrive(tau, d1 + gap) >= sp.arrive(tau, d1) - 1e-9


def test_pause_on_the_way() -> None:
    """A break on the way stops the clock of progress: 10 min driven, 30 paused, rest at rush speed."""
    sp = SpeedProfile(RUSH)
    # leave 06:40, 30 free-flow min; pause 06:50-07:20; 20 left at half speed = 40 min
    assert sp.arrive_paused(30.0, 400.0, 410.0, 30.0) == pytest.approx(480.0)
    # a pause after the arrival does not delay it
    assert sp.arrive_paused(5.0, 300.0, 400.0, 30.0) == pytest.approx(305.0)


@pytest.mark.parametrize(
    ("factors", "field"),
    [
        ([1.0] * 23 + [0.0], "speed_factors[23]"),
        ([-1.0] + [1.0] * 23, "speed_factors[0]"),
        ([1.0] * 23 + [float("nan")], "speed_factors[23]"),
        ([1.0] * 12, "speed_factors"),
        ({"7-9": 0}, "speed_factors.7-9"),
        ({"9-7": 0.5}, "speed_factors.9-7"),
        ({"rush": 0.5}, "speed_factors.rush"),
    ],
)
def test_bad_factors_name_the_field(factors: object, field: str) -> None:
    """A factor of 0 or below, a wrong count or a bad hour range: one InputError naming it."""
    with pytest.raises(InputError) as e:
        SpeedProfile(factors)  # type: ignore[arg-type]
    assert e.value.field == field
    assert "\n" not in str(e.value)


def test_problem_rejects_bad_speed_factors() -> None:
    """A dispatch problem with a speed factor <= 0 is refused, naming the field."""
    d = np.array([[0.0, 10.0], [10.0, 0.0]])
    with pytest.raises(InputError, match="speed_factors"):
        DispatchProblem(
            d,
            d,
            [1],
            [30],
            [0, 1],
            [480],
            [600],
            [0],
            [0],
            [480],
            [1020],
            speed_factors=[0.0] * 24,
        )


def test_time_dependent_travel_model() -> None:
    """The wrapper keeps distances, scales durations by the departure hour, the day's mean by default."""
    gc = GreatCircle(1.3, 30.0)
    td = TimeDependentTravel(gc, RUSH)
    o = np.array([[24.9, 60.2], [25.0, 60.25]])
    base = gc.matrix(o, o)
    assert np.array_equal(td.free_flow_matrix(o, o).duration_min, base.duration_min)
    at8 = td.matrix(o, o, depart_min=480.0)
    assert np.array_equal(at8.distance_m, base.distance_m)
    # a short trip wholly inside 07-09 at half speed takes twice as long
    assert at8.duration_min[0, 1] == pytest.approx(2 * base.duration_min[0, 1])
    mean = td.matrix(o, o)
    k = (60 * 2.0 + 60 / 0.7 + 7 * 60) / 540  # 08-09 x0.5, 16-17 x0.7, 7 h free
    assert mean.duration_min[0, 1] == pytest.approx(k * base.duration_min[0, 1])
    assert "speed factors 07-09 x0.5, 16-18 x0.7" in td.describe()


# ------------------------------------------------------------------ routing
def _day(rng: np.random.Generator, n: int, m: int, **kw: object) -> DispatchProblem:
    xy = rng.uniform(0, 20, size=(n + m, 2))
    d = np.sqrt(((xy[:, None] - xy[None]) ** 2).sum(axis=2)) * 2.0
    early = rng.integers(420, 900, size=n).astype(float)
    return DispatchProblem(
        duration_min=d,
        distance_m=d * 600,
        job_loc=np.arange(m, m + n),
        service_min=rng.integers(20, 60, size=n),
        tw_ptr=np.arange(n + 1),
        tw_early_min=early,
        tw_late_min=early + rng.integers(30, 180, size=n),
        tech_start_loc=np.arange(m),
        tech_end_loc=np.arange(m),
        shift_start_min=np.full(m, 420.0),
        shift_end_min=np.full(m, 1020.0),
        break_min=np.full(m, 30.0),
        break_early_min=np.full(m, 690.0),
        break_late_min=np.full(m, 780.0),
        **kw,  # type: ignore[arg-type]
    )


def _same_plan(a: object, b: object) -> bool:
    names = (
        "stop_tech",
        "stop_job",
        "arrival_min",
        "start_min",
        "end_min",
        "return_min",
        "travel_min",
        "unassigned_job",
    )
    return (
        all(
            np.array_equal(np.asarray(getattr(a, k)), np.asarray(getattr(b, k)))
            for k in names
        )
        and a.objective == b.objective
    )  # type: ignore[attr-defined]


def test_factors_of_one_give_todays_plan() -> None:
    """Factors 1.0 everywhere: the very same plan, bit for bit, as static travel."""
    p = _day(np.random.default_rng(3), 25, 3)
    q = p.replace(speed_factors=[1.0] * 24)
    a = solve_dispatch(p, max_iterations=200, seed=1)
    b = solve_dispatch(q, max_iterations=200, seed=1)
    assert _same_plan(a, b)
    assert validate_plan(q, b) == []


def test_constant_factor_equals_scaled_matrix() -> None:
    """Half speed all day behaves as a static matrix of doubled durations (time-dependent path)."""
    p = _day(np.random.default_rng(4), 20, 3)
    half = p.replace(speed_factors=[0.5] * 24)
    slow = p.replace(duration_min=np.asarray(p.duration_min) * 2.0)
    a = solve_dispatch(half, max_iterations=150, seed=2)
    b = solve_dispatch(slow, max_iterations=150, seed=2)
    assert validate_plan(half, a) == []
    assert a.n_served == b.n_served
    assert np.array_equal(a.stop_job, b.stop_job)
    np.testing.assert_allclose(a.start_min, b.start_min, atol=1e-6)
    np.testing.assert_allclose(a.travel_min, b.travel_min, atol=1e-6)


@pytest.mark.parametrize("case", range(4))
def test_rush_hour_plans_pass_the_validator(case: int) -> None:
    """Plans on rush-hour travel are valid for the independent validator, and differ from static ones."""
    p = _day(np.random.default_rng(10 + case), 30, 3, speed_factors=SpeedProfile(RUSH))
    plan = solve_dispatch(p, max_iterations=150, seed=0)
    assert validate_plan(p, plan) == []
    # the same routes timed with static travel break the rush-hour rules
    static = p.replace(speed_factors=None)
    timed = build_plan(
        static, [list(plan.route(t)) for t in range(p.n_techs)], [], SolverStats("x", 0)
    )
    kinds = {v.kind for v in validate_plan(p, timed)}
    assert kinds & {"time", "report", "window", "objective", "once", "cost"}


@pytest.mark.parametrize("case", range(6))
def test_schedules_and_validator_agree(case: int) -> None:
    """For every order of 4 jobs on one technician: the schedule is feasible iff the validator agrees."""
    rng = np.random.default_rng(40 + case)
    p = _day(rng, 4, 1, speed_factors=SpeedProfile(RUSH))
    p = p.replace(shift_end_min=[float(rng.integers(820, 960))])
    for perm in itertools.permutations(range(4)):
        r = list(perm)
        s = best_schedule(p, 0, r)
        if not s.ok:
            continue
        plan = build_plan(p, [r], [], SolverStats("x", 0))
        assert validate_plan(p, plan) == [], r
    # and a route the schedule refuses is refused by the validator too
    bad = [
        r
        for r in itertools.permutations(range(4))
        if not best_schedule(p, 0, list(r)).ok
    ]
    for r in bad[:5]:
        plan = build_plan(
            p.replace(speed_factors=None), [list(r)], [], SolverStats("x", 0)
        )
        assert validate_plan(p, plan) != []


def test_scenario_speed_factors(tmp_path: object) -> None:
    """``[travel] speed_factors`` reaches the travel model; a factor of 0 is one clear line."""
    from pathlib import Path

    from planner.scenario import load_scenario
    from planner.scenario.build import travel_model

    d = Path(str(tmp_path))
    (d / "s.toml").write_text(
        'extends = "%s"\n[travel]\nspeed_factors = {"7-9" = 0.6}\n'
        % (Path(__file__).resolve().parents[2] / "scenarios" / "default.toml")
    )
    tm = travel_model(load_scenario(d / "s.toml").spec)
    assert isinstance(tm, TimeDependentTravel)
    assert tm.speed.factors[7] == 0.6
    assert tm.speed.factors[9] == 1.0
    (d / "bad.toml").write_text(
        'extends = "%s"\n[travel]\nspeed_factors = {"7-9" = 0}\n'
        % (Path(__file__).resolve().parents[2] / "scenarios" / "default.toml")
    )
    with pytest.raises(InputError) as e:
        load_scenario(d / "bad.toml")
    assert "speed_factors" in str(e.value)
    assert "\n" not in str(e.value)
