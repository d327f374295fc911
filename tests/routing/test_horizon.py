"""The multi-day horizon: deadlines kept whenever a plan can keep them, valid day plans, reasons."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from planner.core.errors import InputError
from planner.core.result import SolverStats
from planner.geo import SpeedProfile
from planner.routing import DispatchProblem, validate_plan
from planner.routing.horizon import HorizonProblem
from planner.routing.horizon_solve import solve_horizon
from planner.routing.solver import build_plan

DAY = 1440.0


def tiny(seed: int, n: int, m: int = 1, **kw: object) -> DispatchProblem:
    """Long jobs on a small grid: one technician does two or three a day."""
    rng = np.random.default_rng(seed)
    xy = rng.integers(0, 20, size=(n + m, 2))
    d = np.abs(xy[:, None, :] - xy[None, :, :]).sum(axis=2).astype(float)
    early = rng.choice([480.0, 600.0, 780.0], size=n)
    return DispatchProblem(
        duration_min=d,
        distance_m=d * 500,
        job_loc=np.arange(m, m + n),
        service_min=rng.integers(120, 220, size=n),
        tw_ptr=np.arange(n + 1),
        tw_early_min=early,
        tw_late_min=early + rng.choice([60.0, 240.0], size=n),
        tech_start_loc=np.arange(m),
        tech_end_loc=np.arange(m),
        shift_start_min=np.full(m, 480.0),
        shift_end_min=np.full(m, 1020.0),
        **{"job_urgency": rng.integers(0, 3, size=n), **kw},  # type: ignore[arg-type]
    )


def _brute_on_time(h: HorizonProblem) -> float:
    """Most penalty-weighted jobs served on time over every split into technician-days
    and every visiting order, each plan checked by the independent validator."""
    fp = h.flat_problem()
    n, v = fp.n_jobs, fp.n_techs
    pen = np.asarray(h.day.drop_penalty)
    stats = SolverStats("brute", 0.0)
    best = 0.0
    feasible: dict[tuple[int, tuple[int, ...]], bool] = {}

    def ok(t: int, r: tuple[int, ...]) -> bool:
        if (t, r) not in feasible:
            routes = [[] for _ in range(v)]
            routes[t] = list(r)
            plan = build_plan(fp, routes, [], stats)
            bad = [
                x
                for x in validate_plan(fp, plan)
                if x.kind not in ("once", "objective", "cost")
            ]
            feasible[(t, r)] = not bad
        return feasible[(t, r)]

    for assign in itertools.product(range(-1, v), repeat=n):
        val = float(pen[[j for j in range(n) if assign[j] >= 0]].sum())
        if val <= best:
            continue
        if all(
            any(
                ok(t, perm)
                for perm in itertools.permutations(
                    [j for j in range(n) if assign[j] == t]
                )
            )
            for t in range(v)
        ):
            best = val
    return best


@pytest.mark.parametrize("case", range(8))
def test_no_job_late_while_a_plan_keeps_its_deadline(case: int) -> None:
    """Tiny horizons (4 jobs, 2 days): the on-time weight served equals brute force's."""
    rng = np.random.default_rng(500 + case)
    n = 4
    day = tiny(500 + case, n)
    dl = rng.choice([DAY * 0 + 1020, DAY + 1020, DAY + 700], size=n)
    h = HorizonProblem(day, n_days=2, deadline_min=dl)
    hp = solve_horizon(h, max_iterations=200, seed=0)
    assert validate_plan(hp.flat_problem, hp.flat) == []
    pen = np.asarray(day.drop_penalty)
    on_time = (hp.job_day >= 0) & ~hp.job_late
    assert float(pen[on_time].sum()) == pytest.approx(_brute_on_time(h))
    # lateness only where the deadline could not be kept
    for j in np.flatnonzero(hp.job_late):
        assert hp.moved_reason[list(hp.moved_job).index(j)] == "late"


@pytest.mark.parametrize("case", range(4))
def test_two_technicians_one_absent_day(case: int) -> None:
    """Two technicians, one absent today: brute force agrees; nobody absent has a route."""
    rng = np.random.default_rng(600 + case)
    n = 4
    day = tiny(600 + case, n, m=2)
    absent = np.array([[True, False], [False, False]])
    dl = rng.choice([1020.0, DAY + 1020], size=n)
    h = HorizonProblem(day, n_days=2, deadline_min=dl, absent=absent)
    hp = solve_horizon(h, max_iterations=200, seed=0)
    pen = np.asarray(day.drop_penalty)
    on_time = (hp.job_day >= 0) & ~hp.job_late
    assert float(pen[on_time].sum()) == pytest.approx(_brute_on_time(h))
    assert len(hp.today.route(0)) == 0


@pytest.mark.parametrize("case", range(3))
def test_day_plans_are_valid_dispatch_days(case: int) -> None:
    """Each day's plan passes the validator on its own day; together they are the flat plan."""
    day = tiny(
        700 + case,
        12,
        m=3,
        break_min=np.full(3, 30.0),
        break_early_min=np.full(3, 690.0),
        break_late_min=np.full(3, 780.0),
    )
    if case == 2:  # rush hours repeat every day
        day = day.replace(speed_factors=SpeedProfile({"7-9": 0.5, "16-18": 0.7}))
    h = HorizonProblem.from_sla(day, 3, created_min=np.full(12, 420.0))
    hp = solve_horizon(h, max_iterations=150, seed=1)
    assert validate_plan(hp.flat_problem, hp.flat) == []
    served = 0
    for k in range(3):
        dp, plan = hp.day(k)
        assert validate_plan(dp, plan) == []
        served += plan.n_served
        if dp.date is not None:
            assert plan.date == dp.date
    assert served == hp.flat.n_served
    frame = hp.moved_frame()
    assert set(frame["reason"]) <= {
        "capacity",
        "cost",
        "late",
        "unserved",
        "beyond_horizon",
        "window",
        "no_technician",
    }
    assert len(frame) == int((hp.job_day != 0).sum())


def test_sla_deadlines_from_urgency_and_creation() -> None:
    """An urgent job created at 07:00 is due at 11:00; a general one 72 h later."""
    day = tiny(1, 2, job_urgency=["urgent", "general"])
    h = HorizonProblem.from_sla(day, 2, created_min=[420.0, 420.0])
    assert h.deadline_min.tolist() == [660.0, 420.0 + 72 * 60]


def test_jobs_pulled_to_the_earliest_day_and_reasons() -> None:
    """With room today, every job with a later deadline is still served today; without, 'capacity'."""
    day = tiny(2, 3)
    roomy = day.replace(
        service_min=[30.0, 30.0, 30.0],
        tw_early_min=[480.0] * 3,
        tw_late_min=[900.0] * 3,
    )
    h = HorizonProblem(roomy, n_days=3, deadline_min=[3 * DAY] * 3)
    hp = solve_horizon(h, max_iterations=50)
    assert hp.job_day.tolist() == [0, 0, 0]
    full = roomy.replace(service_min=[400.0, 400.0, 400.0])
    hp = solve_horizon(
        HorizonProblem(full, 3, deadline_min=[3 * DAY] * 3), max_iterations=50
    )
    assert sorted(hp.job_day.tolist()) == [0, 1, 2]
    assert hp.moved_reason == ("capacity", "capacity")


def test_bad_horizons_are_one_line_each() -> None:
    """A horizon of 0 days, wrong shapes: InputError naming the field."""
    day = tiny(3, 2)
    for kw, field in [
        ({"n_days": 0}, "n_days"),
        ({"n_days": 2, "deadline_min": [1.0]}, "deadline_min"),
        ({"n_days": 2, "absent": [[True]]}, "absent"),
        ({"n_days": 2, "shift_start_min": [[480.0, 480.0, 480.0]]}, "shift_start_min"),
    ]:
        with pytest.raises(InputError) as e:
            HorizonProblem(day, **kw)  # type: ignore[arg-type]
        assert e.value.field == field
        assert "\n" not in str(e.value)


def test_a_job_created_after_todays_windows_waits_for_tomorrow() -> None:
    """Created at 16:30 with a window to 15:00 each day: served tomorrow, reason 'window'."""
    day = tiny(4, 2).replace(
        service_min=[30.0, 30.0],
        tw_early_min=[480.0, 480.0],
        tw_late_min=[900.0, 900.0],
    )
    h = HorizonProblem.from_sla(
        day,
        2,
        created_min=[420.0, 990.0],
        targets_min={"urgent": 2880, "important": 2880, "general": 2880},
    )
    hp = solve_horizon(h, max_iterations=50)
    assert hp.job_day.tolist() == [0, 1]
    assert hp.moved_reason == ("window",)
    assert validate_plan(hp.flat_problem, hp.flat) == []
    s = float(hp.flat.start_min[hp.flat.stop_job == 1][0])
    assert s >= 990.0


def test_late_jobs_go_to_the_earliest_day_that_takes_them() -> None:
    """A job already past its deadline is served today if today has room, else tomorrow."""
    day = tiny(5, 2).replace(
        service_min=[200.0, 200.0],
        tw_early_min=[480.0, 480.0],
        tw_late_min=[900.0, 900.0],
    )
    h = HorizonProblem(day, 3, deadline_min=[-60.0, 3 * DAY])
    hp = solve_horizon(h, max_iterations=50)
    assert hp.job_day[0] == 0
    assert hp.job_late[0]
    full = day.replace(service_min=[400.0, 400.0])
    hp = solve_horizon(
        HorizonProblem(full, 3, deadline_min=[-60.0, 1020.0]), max_iterations=50
    )
    # job 1 is due today and can be on time; job 0 is late anyway: it waits a day
    assert hp.job_day.tolist() == [1, 0]
    assert hp.moved_reason == ("late",)


def test_a_loaded_horizon_plan_keeps_days_and_reasons(tmp_path) -> None:
    """save/load: every day's plan is valid against the day re-made from the horizon."""
    import json

    from planner.routing import HorizonPlan

    day = tiny(703, 12, m=3)
    h = HorizonProblem.from_sla(day, 3, created_min=np.full(12, 420.0))
    hp = solve_horizon(h, max_iterations=150, seed=1)
    back = HorizonPlan.load(hp.save(tmp_path / "h"))
    assert back.job_day.tolist() == hp.job_day.tolist()
    assert back.moved_reason == hp.moved_reason
    assert back.moved_detail == hp.moved_detail
    assert validate_plan(hp.flat_problem, back.flat) == []
    for k in range(3):
        dp, _ = hp.day(k)
        assert validate_plan(dp, back.day_plans[k]) == []
    # a loaded plan holds no problems: asking for one is one clear line
    with pytest.raises(InputError, match="loaded plan holds no problems") as e:
        back.day(0)
    assert "\n" not in str(e.value)
    # a folder missing a day's plan names it
    import shutil

    cut = tmp_path / "cut"
    shutil.copytree(tmp_path / "h", cut)
    shutil.rmtree(cut / "day_1")
    with pytest.raises(InputError, match="missing day_1"):
        HorizonPlan.load(cut)
    # a folder of the first format (no day plans inside) is refused by version
    old = tmp_path / "h"
    meta = json.loads((old / "result.json").read_text())
    meta["version"] = 1
    (old / "result.json").write_text(json.dumps(meta))
    with pytest.raises(InputError, match="version"):
        HorizonPlan.load(old)
