"""size_workforce: checked by an independent simulation, brute force and invariants."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.core.errors import InputError
from planner.staffing import (
    ServiceClass,
    Shift,
    StaffingProblem,
    period_requirement,
    size_workforce,
)
from tests.staffing.qsim import share_within, simulate

HOURLY = [Shift(f"h{i:02d}", i * 60, i * 60 + 60, range(7)) for i in range(24)]
ALL_DAY = [Shift("all", 0, 1440, range(7))]
H = np.arange(168)


def _simulate_plan(plan, problem, *, weeks, seed, business=None):
    return simulate(
        problem.arrival_per_h[0],
        problem.visit_mean_min[0],
        problem.visit_cv[0],
        plan.on_duty()[0],
        weeks=weeks,
        seed=seed,
        business=business,
    )


def test_single_outlet_mmc_prediction_within_ci(seed: int) -> None:
    """Stationary M/M/c: the plan's predicted P(wait <= t) is within the simulation's CI."""
    cls = [ServiceClass("urgent", 15.0, 0.8)]
    p = StaffingProblem.from_arrays(
        np.full((1, 1, 168), 5.0), 60.0, 1.0, classes=cls, shifts=ALL_DAY
    )
    plan = size_workforce(p, max_utilization=1.0)
    c = int(plan.on_duty()[0, 0])
    assert (plan.on_duty() == c).all()
    out = _simulate_plan(plan, p, weeks=40, seed=seed)
    sim, se = share_within(out, 0, 15.0)
    assert abs(plan.sla[0, 0] - sim) <= 3.5 * se + 1e-3, (plan.sla[0, 0], sim, se)
    assert sim >= 0.8 - 3 * se


def test_time_varying_sizing_holds_and_mean_rate_does_not(seed: int) -> None:
    """Sinusoidal arrivals: period-by-period sizing meets 80 % in 15 min in simulation;
    sizing at the mean rate (flat staffing, even with more technician-hours) does not."""
    lam = 6.0 * (1 + 0.7 * np.sin(2 * np.pi * (H + 0.5) / 24))
    cls = [ServiceClass("urgent", 15.0, 0.8)]
    sims = {}
    for name, rate in (("tv", lam), ("mean", np.full(168, lam.mean()))):
        p = StaffingProblem.from_arrays(
            rate[None, None, :], 60.0, 1.0, classes=cls, shifts=HOURLY
        )
        plan = size_workforce(p, max_utilization=1.0)
        true = StaffingProblem.from_arrays(
            lam[None, None, :], 60.0, 1.0, classes=cls, shifts=HOURLY
        )
        out = _simulate_plan(plan, true, weeks=30, seed=seed)
        sims[name] = (share_within(out, 0, 15.0), plan.on_duty().sum())
    (tv, tv_se), tv_hours = sims["tv"]
    (mean, mean_se), mean_hours = sims["mean"]
    assert tv >= 0.8 - 2 * tv_se, tv
    assert mean <= 0.8 - 3 * mean_se, mean
    assert mean_hours >= tv_hours  # the flat plan fails although it is not cheaper


def test_three_classes_default_shifts_meet_targets_in_simulation(seed: int) -> None:
    """Urgent on the calendar, important and general on business hours: every class
    meets its 90 % in an independent simulation of the sized plan."""
    hp = np.r_[np.full(7, 0.01), np.full(13, 0.07), np.full(4, 0.01)]
    hp = hp / hp.sum()
    flat = np.full(24, 1 / 24)
    for y in (3000.0, 20000.0):
        p = StaffingProblem.from_arrays(
            tickets_per_year=[[0.1 * y, 0.4 * y, 0.5 * y]],
            hour_profile=np.stack([flat, hp, hp]),
            visit_mean_min=[[100.0, 90.0, 80.0]],
            visit_cv=0.8,
        )
        plan = size_workforce(p)
        assert (plan.sla[0] >= 0.9).all()
        bh = p.business_hours
        out = _simulate_plan(plan, p, weeks=30, seed=seed, business=[None, bh, bh])
        for j, c in enumerate(p.classes):
            sim, se = share_within(out, j, c.target_min)
            assert sim >= 0.9 - 3 * se, (y, c.name, sim, se)


def test_covering_is_optimal_against_brute_force() -> None:
    """Without correction rounds the shift mix is the cheapest that covers the
    requirement and the paid-hours row, checked by enumeration."""
    shifts = [
        Shift("early", "06:00", "14:00", range(5)),
        Shift("late", "14:00", "22:00", range(5)),
        Shift("long", "08:00", "20:00", range(5), 1.3),
        Shift("night", "22:00", "06:00", range(7), 1.4),
        Shift("weekend", "06:00", "22:00", (5, 6), 1.2),
    ]
    cls = [ServiceClass("urgent", 60.0, 0.85)]
    lam = (2.0 + 1.5 * np.sin(2 * np.pi * (H - 6) / 24)).clip(0.2)[None, None, :]
    p = StaffingProblem.from_arrays(lam, 90.0, 1.0, classes=cls, shifts=shifts)
    req = period_requirement(p)[0]
    plan = size_workforce(p, max_rounds=0, max_utilization=0.9)
    cov = p.shift_matrix().astype(int)
    paid = np.array([s.paid_h_per_week for s in shifts])
    cost = paid * np.array([s.cost_factor for s in shifts])
    need_h = p.work_h_per_week()[0] / 0.9
    top = int(req.max()) + 1
    xs = np.array(list(itertools.product(range(top + 1), repeat=len(shifts))))
    ok = ((xs @ cov.T) >= req).all(1) & (xs @ paid >= need_h - 1e-9)
    best = float((xs[ok] @ cost).min())
    got = float(cost @ plan.technicians[0])
    assert got == pytest.approx(best)
    assert (plan.on_duty()[0] >= req).all()


def test_partner_takes_tiny_outlets_only() -> None:
    """A tiny outlet is cheaper at the partner's fee, a large one is not."""
    p = StaffingProblem.from_arrays(
        tickets_per_year=[[20, 80, 100], [3000, 12000, 15000]],
        partner_fee_per_ticket=95.0,
    )
    plan = size_workforce(p, partner_overflow=True, partner_urgent=False)
    assert plan.partner.tolist() == [True, False]
    assert plan.headcount[0] == 0
    own = size_workforce(p, partner_overflow=False)
    fee = 200 * 95.0  # 200 tickets a year at 95
    assert plan.outsourcing_per_year[0] == pytest.approx(fee, rel=1e-9)
    assert own.labour_per_year[0] + own.overtime_per_year[0] > fee
    assert plan.total_cost_per_year < own.total_cost_per_year
    assert plan.partner_tickets_per_year == pytest.approx(200.0)


def test_bounds_min_staff_and_tightening() -> None:
    """min_staff and per-outlet bounds hold; a tighter share never needs fewer people."""
    p = StaffingProblem.from_arrays(tickets_per_year=[[1000, 4000, 5000]] * 2)
    base = size_workforce(p)
    ms = np.zeros((2, p.n_shifts), int)
    ms[1, 1] = base.technicians[1, 1] + 3
    more = size_workforce(p, min_staff=ms)
    assert (more.technicians >= ms).all()
    assert more.headcount[0] == base.headcount[0]
    tight = size_workforce(p, target_share=[[0.99, 0.9, 0.9], [0.9, 0.9, 0.9]])
    assert tight.headcount[0] >= base.headcount[0]
    assert tight.sla[0, 0] >= 0.99
    assert tight.headcount[1] == base.headcount[1]
    low = size_workforce(p, min_per_outlet=[base.headcount[0] + 2, 0])
    assert low.headcount[0] >= base.headcount[0] + 2
    capped = size_workforce(p, max_per_outlet=[base.headcount[0] - 1, 100])
    assert capped.headcount[0] <= base.headcount[0] - 1
    assert capped.notes


def test_headcount_cap_binds_with_notes() -> None:
    """A cap above the fluid minimum but below the sizing: the plan keeps the cap
    and says which targets it misses."""
    p = StaffingProblem.from_arrays(tickets_per_year=[[2000, 8000, 10000]] * 3)
    free = size_workforce(p)
    cap = free.n_technicians - 3
    plan = size_workforce(p, headcount_cap=cap)
    assert plan.n_technicians <= cap
    assert any("cap" in n for n in plan.notes)


def test_skills_each_technician_holds_k_and_every_skill_is_covered() -> None:
    """k = 1 of 2 skills: every technician holds one skill; on duty in every hour
    there are holders of each skill; skills cost headcount versus pooling."""
    p = StaffingProblem.from_arrays(
        tickets_per_year=[[2000, 8000, 10000]],
        skill_names=("hvac", "refrigeration"),
        skill_share=[[0.7, 0.3]],
    )
    pooled = size_workforce(p)
    plan = size_workforce(p, skills=1)
    tf = plan.technicians_frame()
    assert len(tf) == plan.n_technicians
    assert all(len(s) == 1 for s in tf["skills"])
    assert plan.n_technicians >= pooled.n_technicians
    duty = np.zeros((2, 168), int)
    for _, row in tf.iterrows():
        sh = next(s for s in p.shifts if s.name == row["shift"])
        for sk in row["skills"]:
            duty[p.skill_names.index(sk)] += sh.on_duty()
    staffed = plan.on_duty()[0] > 0
    assert (duty[:, staffed] >= 1).all()
    assert (duty.sum(0) == plan.on_duty()[0]).all()
    both = size_workforce(p, skills=2)
    assert all(len(s) == 2 for s in both.technicians_frame()["skills"])
    assert both.n_technicians == pooled.n_technicians


def test_deterministic_and_inputs_unchanged() -> None:
    """Same input, same plan; the problem's arrays are read-only and unchanged."""
    p = StaffingProblem.from_arrays(tickets_per_year=[[500, 2000, 2500], [50, 20, 0]])
    before = p.arrival_per_h.copy()
    a = size_workforce(p, partner_overflow=True, seed=1)
    b = size_workforce(p, partner_overflow=True, seed=1)
    assert (a.technicians == b.technicians).all()
    assert np.array_equal(a.sla, b.sla, equal_nan=True)
    assert (p.arrival_per_h == before).all()
    assert not p.arrival_per_h.flags.writeable


def test_prediction_with_unstaffed_nights_matches_simulation(seed: int) -> None:
    """Two technicians 08:00-17:00 only (today's network), urgent 4 h on the calendar:
    the fluid-plus-noise prediction per arrival hour and overall is close to an
    independent simulation (overall within 0.03, per hour within 0.2)."""
    from planner.staffing import predict_service

    lam = np.full((1, 1, 168), 0.5)
    cls = [ServiceClass("urgent", 240.0, 0.9)]
    p = StaffingProblem.from_arrays(lam, 60.0, 1.0, classes=cls, shifts=ALL_DAY)
    day = np.zeros(168, int)
    day[[d * 24 + h for d in range(7) for h in range(8, 17)]] = 2
    pr = predict_service(p, day[None])
    out = simulate(lam[0], np.array([60.0]), np.array([1.0]), day, weeks=40, seed=seed)
    sim, se = share_within(out, 0, 240.0)
    assert abs(pr.sla[0, 0] - sim) <= 0.03 + 2 * se
    w, h = out.waits[0], out.arrival_hour[0] % 24
    by_hour_sim = np.array([(w[h == k] <= 240.0).mean() for k in range(24)])
    by_hour_pred = pr.by_hour[0, 0].reshape(7, 24).mean(0)
    assert np.abs(by_hour_sim - by_hour_pred).max() <= 0.2
    assert by_hour_pred[18:].max() <= 1e-3  # nobody comes within 4 h of the evening


def test_long_visits_time_varying_prediction_is_close_and_safe(seed: int) -> None:
    """Visits of 3 h under sinusoidal arrivals: the MOL-sized plan meets 80 % in
    20 min in simulation, and the prediction is within 0.08 below it (safe side)."""
    lam = 3.0 * (1 + 0.8 * np.sin(2 * np.pi * (H + 0.5) / 24))
    cls = [ServiceClass("urgent", 20.0, 0.8)]
    p = StaffingProblem.from_arrays(
        lam[None, None, :], 180.0, 1.0, classes=cls, shifts=HOURLY
    )
    plan = size_workforce(p, max_utilization=1.0)
    out = _simulate_plan(plan, p, weeks=30, seed=seed)
    sim, se = share_within(out, 0, 20.0)
    assert sim >= 0.8 - 2 * se
    assert plan.sla[0, 0] >= 0.8
    assert sim - 0.08 - 3 * se <= plan.sla[0, 0] <= sim + 3 * se + 0.01


@settings(max_examples=8)
@given(
    tickets=st.lists(st.floats(0.0, 30000.0), min_size=1, max_size=4),
    visit=st.floats(20.0, 400.0),
    cv=st.floats(0.0, 2.0),
    urgent_h=st.floats(1.0, 8.0),
    share=st.floats(0.5, 0.98),
    partner=st.booleans(),
)
def test_random_problems_hold_their_invariants(
    tickets: list[float],
    visit: float,
    cv: float,
    urgent_h: float,
    share: float,
    partner: bool,
) -> None:
    """On random outlets: no warning or error, coverage of the requirement where
    some shift can be on duty, predicted shares met unless a note says otherwise,
    costs that add up."""
    y = np.array(tickets)[:, None] * np.array([0.1, 0.4, 0.5])
    classes = [
        ("urgent", urgent_h * 60, share, "calendar"),
        ("important", 1440.0, share, "business"),
        ("general", 4320.0, share, "business"),
    ]
    p = StaffingProblem.from_arrays(
        tickets_per_year=y, visit_mean_min=visit, visit_cv=cv, classes=classes
    )
    plan = size_workforce(p, partner_overflow=partner)
    own = ~plan.partner
    duty = plan.on_duty()[own]
    assert (duty >= np.where(p.coverage()[own], plan.requirement[own], 0)).all()
    has = p.tickets_per_week()[own] > 0
    ok = (plan.sla[own] >= share - 1e-9) | ~has
    assert ok.all() or plan.notes
    cb = plan.cost_breakdown()
    assert cb.total == pytest.approx(
        plan.labour_per_year.sum()
        + plan.overtime_per_year.sum()
        + plan.outsourcing_per_year.sum()
    )
    assert (plan.headcount[plan.partner] == 0).all()


def test_headcount_cap_hands_outlets_to_the_partner_first() -> None:
    """With a partner allowed, a binding cap moves whole outlets to it before
    trimming anyone, and the cap holds."""
    p = StaffingProblem.from_arrays(
        tickets_per_year=[[2000, 8000, 10000], [300, 1200, 1500], [400, 1600, 2000]],
        partner_fee_per_ticket=500.0,  # dearer than own staff everywhere
    )
    free = size_workforce(p, partner_overflow=True, partner_urgent=False)
    assert not free.partner.any()
    cap = int(free.headcount[0])
    plan = size_workforce(
        p, partner_overflow=True, partner_urgent=False, headcount_cap=cap
    )
    assert plan.partner[1:].all()
    assert plan.n_technicians <= cap
    assert plan.headcount[0] == free.headcount[0]


def test_min_on_duty_is_covered_at_least_cost() -> None:
    """Asking for three on duty on weekday evenings adds the cheapest shifts that
    cover them; every other hour keeps at least what it had."""
    p = StaffingProblem.from_arrays(tickets_per_year=[[1000, 4000, 5000]])
    base = size_workforce(p)
    mod = np.zeros((1, 168), int)
    for d in range(5):
        mod[0, d * 24 + 18 : d * 24 + 21] = 3
    plan = size_workforce(p, min_on_duty=mod)
    assert (plan.on_duty() >= mod).all()
    assert (plan.on_duty() >= np.minimum(base.on_duty(), plan.requirement)).all()
    assert plan.labour_per_year.sum() >= base.labour_per_year.sum()
    with pytest.raises(InputError, match="min_on_duty"):
        size_workforce(p, min_on_duty=np.ones((1, 24)))


def test_on_call_shifts_take_urgent_only(seed: int) -> None:
    """Evening and night shifts on call for urgent tickets: the plan meets every
    class in a simulation where those technicians take urgent jobs only; it
    costs at least the plan whose evening and night staff take everything;
    on-call technicians hold every skill."""
    hp = np.r_[np.full(7, 0.01), np.full(13, 0.07), np.full(4, 0.01)]
    hp = hp / hp.sum()
    flat = np.full(24, 1 / 24)
    plans = {}
    for oncall in (False, True):
        shifts = [
            Shift("day", "08:00", "17:00", range(5)),
            Shift("early", "07:00", "15:00", range(5)),
            Shift("weekend", "08:00", "17:00", (5, 6), 1.25),
            Shift("evening", "17:00", "23:00", range(7), 1.15, urgent_only=oncall),
            Shift("night", "23:00", "07:00", range(7), 1.3, urgent_only=oncall),
        ]
        p = StaffingProblem.from_arrays(
            tickets_per_year=[[1200.0, 4800.0, 6000.0]],
            hour_profile=np.stack([flat, hp, hp]),
            visit_mean_min=[[100.0, 90.0, 80.0]],
            visit_cv=0.8,
            shifts=shifts,
            skill_names=("a", "b"),
            skill_share=[0.5, 0.5],
        )
        plans[oncall] = (p, size_workforce(p, skills=1))
    p, plan = plans[True]
    uo = np.array([s.urgent_only for s in p.shifts])
    nu = ((plan.technicians * uo) @ p.shift_matrix().T)[0]
    nd = plan.on_duty()[0]
    bh = p.business_hours
    out = simulate(
        p.arrival_per_h[0], p.visit_mean_min[0], p.visit_cv[0], nd - nu,
        weeks=30, seed=seed, business=[None, bh, bh], on_call=nu,
    )  # fmt: skip
    for j, c in enumerate(p.classes):
        sim, se = share_within(out, j, c.target_min)
        assert sim >= 0.9 - 3 * se, (c.name, sim)
    assert plan.labour_per_year.sum() >= plans[False][1].labour_per_year.sum()
    tf = plan.technicians_frame()
    assert tf.loc[tf["urgent_only"], "skills"].map(len).eq(2).all()
    assert tf.loc[~tf["urgent_only"], "skills"].map(len).eq(1).all()


def test_urgent_to_the_partner_where_cheapest(tmp_path) -> None:
    """A mid-sized outlet hands only its urgent tickets to the partner and drops
    its evening and night cover; the choice is the cheapest of the three options
    computed here from separate sizings."""
    y = [[600.0, 2400.0, 3000.0]]
    p = StaffingProblem.from_arrays(tickets_per_year=y, partner_fee_per_ticket=95.0)
    own = size_workforce(p)
    rest = size_workforce(
        StaffingProblem.from_arrays(tickets_per_year=[[0.0, 2400.0, 3000.0]])
    )
    plan = size_workforce(p, partner_overflow=True)
    options = {
        "own": own.total_cost_per_year,
        "all": 6000.0 * 95.0,
        "urgent": rest.total_cost_per_year + 600.0 * 95.0,
    }
    assert min(options, key=options.get) == "urgent"
    assert plan.total_cost_per_year == pytest.approx(options["urgent"])
    assert plan.partner_classes.tolist() == [[True, False, False]]
    assert not plan.partner[0]
    assert np.isnan(plan.sla[0, 0])
    assert (plan.sla[0, 1:] >= 0.9).all()
    assert plan.partner_tickets_per_year == pytest.approx(600.0)
    night = [s.name for s in p.shifts].index("night")
    assert plan.technicians[0, night] == 0
    k = plan.kpis().set_index("kpi")
    assert k.loc["staffing_partner_urgent_outlets", "mean"] == 1
    back = type(plan).load(plan.save(tmp_path / "split"))
    assert (back.partner_classes == plan.partner_classes).all()
    assert back.outsourcing_per_year[0] == pytest.approx(600.0 * 95.0)
