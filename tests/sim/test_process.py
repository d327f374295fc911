"""The service process: second visits, repeat tickets, first-time fix from the
event log, causality, shifts, on-call crews, reach, town areas, SLA clocks.

Oracles: quantities recomputed here from the per-visit and per-ticket log
(never the engine's own flags), hand-computed deadlines and travel, and
invariants that any correct schedule satisfies.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.core import (
    Catalog,
    DemandPoints,
    FaultType,
    InputError,
    Outlets,
    Part,
    ProductCategory,
    ServiceHours,
    Technician,
    TimeWindow,
    UrgencyClass,
)
from planner.sim import (
    RepLog,
    SimModel,
    TicketStream,
    generate_tickets,
    replication_kpis,
    run_replication,
    simulate,
    ticket_outcomes,
)
from planner.sim.measure import deadlines


def _kpi(k, name: str) -> float:  # type: ignore[no-untyped-def]
    sel = (k["kpi"] == name) & (k["urgency"] == "all") & (k["outlet"] == "all")
    return float(k.loc[sel, "value"].iloc[0])


def _visit_end(log: RepLog) -> np.ndarray:
    return log.v_dispatch_min + log.v_travel_min + log.v_work_min


def _quality_network(
    *,
    rework: float = 0.3,
    diagnosis: float = 0.5,
    van: int = 1,
    n_techs: int = 3,
    tickets_per_year: float = 20_000.0,
    urgent_only: int = 0,
    **kw: object,
) -> SimModel:
    """Two outlets, five points, one fault needing part P (70 %), failing often."""
    cat = Catalog(
        (
            ProductCategory(
                "x",
                1.0,
                np.ones(12),
                (
                    FaultType(
                        "f",
                        1.0,
                        "s",
                        45.0,
                        remote_fix_rate=0.1,
                        parts={"P": 0.7},
                        diagnosis_prob=diagnosis,
                        rework_prob=rework,
                    ),
                ),
            ),
        ),
        (Part("P", "part", 10.0, lead_time_days=1.0),),
    )
    lon = np.array([24.90, 24.93, 24.96, 25.00, 25.04])
    lat = np.full(5, 60.17)
    d = DemandPoints.from_arrays(
        [f"p{i}" for i in range(5)],
        lon,
        lat,
        tickets_per_year=np.full((5, 1), tickets_per_year / 5),
        categories=["x"],
    )
    o = Outlets.from_arrays(["a", "b"], [24.91, 25.02], [60.17, 60.17], existing=True)
    techs = [
        Technician(
            f"t{i}.{k}",
            (float(o.lon[i]), float(o.lat[i])),
            {"s"},
            TimeWindow(480, 1020) if k >= urgent_only else TimeWindow(1020, 1380),
            outlet_id=str(o.ids[i]),
            break_window=TimeWindow(690, 810) if k >= urgent_only else None,
            break_min=30 if k >= urgent_only else 0,
            max_overtime_min=60,
            van_stock={"P": van},
            urgent_only=k < urgent_only,
        )
        for i in range(2)
        for k in range(n_techs)
    ]
    urg = [
        UrgencyClass("urgent", 240, 0.2),
        UrgencyClass("important", 1440, 0.3),
        UrgencyClass("general", 4320, 0.5),
    ]
    return SimModel.from_core(
        d,
        o,
        techs,
        cat,
        urg,
        stock=np.array([[2, 2]]),
        **kw,  # type: ignore[arg-type]
    )


def _run(model: SimModel, days: float, seed: int = 0, **kw: object) -> RepLog:
    s = generate_tickets(model, days, seed=seed)
    return run_replication(
        model,
        s,
        horizon_min=days * 1440.0,
        seed=seed,
        **kw,  # type: ignore[arg-type]
    )


def test_conservation_with_repeats_and_second_visits() -> None:
    """Every ticket, repeat tickets included, is resolved, open or cancelled; every
    repeat follows a repair of its parent within the window; every ticket whose
    first visit lacked a part and is resolved was resolved by a second visit."""
    model = _quality_network(rework=0.3, van=0, cancel_after_min=3 * 1440.0)
    log = _run(model, 30.0, seed=2)
    n_rep = log.n_repeats
    assert n_rep > 20
    assert log.n_tickets == len(log.stream) + n_rep
    assert np.bincount(log.status, minlength=3).sum() == log.n_tickets
    # repeats: created after the parent's repair, within 30 days, same address
    rep = np.flatnonzero(log.parent >= 0)
    par = log.parent[rep]
    assert (log.created_min[rep] >= log.resolved_min[par]).all()
    assert (log.created_min[rep] <= log.resolved_min[par] + 30 * 1440.0).all()
    np.testing.assert_array_equal(log.point[rep], log.point[par])
    assert (log.parent[par] == -1).all()  # a repeat does not fail again
    # second visits: tickets whose first visit lacked a part
    missed = np.flatnonzero((log.missing_parts > 0) & (log.status == 1))
    assert len(missed) > 20
    revisit = log.v_kind == 1
    resolving = {int(j) for j in log.v_ticket[revisit & log.v_resolved]}
    assert set(missed.tolist()) <= resolving
    k = replication_kpis(model, log)
    parts = sum(
        _kpi(k, x) for x in ("tickets_resolved", "tickets_open", "tickets_cancelled")
    )
    assert parts == _kpi(k, "tickets_created")
    assert _kpi(k, "tickets_repeat") > 0


def test_first_time_fix_recomputed_from_the_event_log() -> None:
    """FTF = share of own tickets whose first visit ended with the ticket resolved,
    recomputed from visit times (resolution time == first visit's end), not from
    the engine's flags."""
    model = _quality_network(van=1, diagnosis=0.5)
    days = 20.0
    log = _run(model, days, seed=3)
    first = log.v_kind == 0
    end = _visit_end(log)
    done = first & (end <= log.horizon_min)
    tickets = log.v_ticket[done]
    fixed = np.isclose(log.resolved_min[tickets], end[done])
    ftf = float(fixed.mean())
    assert 0.3 < ftf < 0.99  # both outcomes occur
    k = replication_kpis(model, log)
    assert _kpi(k, "first_time_fix_rate") == pytest.approx(ftf, abs=1e-12)
    # and a missing part is exactly what makes a first visit fail here
    np.testing.assert_array_equal(fixed, log.missing_parts[tickets] == 0)


@st.composite
def _networks(draw: st.DrawFn) -> tuple[SimModel, float, int]:
    model = _quality_network(
        rework=draw(st.sampled_from([0.0, 0.2, 0.6])),
        diagnosis=draw(st.sampled_from([0.0, 0.5, 1.0])),
        van=draw(st.integers(0, 2)),
        n_techs=draw(st.integers(1, 3)),
        tickets_per_year=draw(st.sampled_from([3000.0, 15000.0, 40000.0])),
        urgent_only=draw(st.integers(0, 1)),
        followup_prob=draw(st.sampled_from([0.0, 0.3])),
        cancel_after_min=draw(st.sampled_from([np.inf, 2000.0])),
        workdays=draw(st.sampled_from([None, [0, 1, 2, 3, 4]])),
    )
    return model, draw(st.floats(2.0, 15.0)), draw(st.integers(0, 5))


@settings(max_examples=25)
@given(_networks())
def test_causality(net: tuple[SimModel, float, int]) -> None:
    """No visit ends before it starts; a technician's visits do not overlap; a
    second visit never leaves before the first has ended; a repeat is never
    created before its parent's repair; every visit leaves inside its
    technician's shift on a workday; on-call technicians visit urgent tickets
    only."""
    model, days, seed = net
    log = _run(model, days, seed=seed)
    start = log.v_dispatch_min + log.v_travel_min
    end = start + log.v_work_min
    assert (log.v_travel_min >= 0).all()
    assert (end >= start).all()
    assert (
        log.first_visit_min[log.n_visits > 0] >= log.created_min[log.n_visits > 0]
    ).all()
    for t in range(model.n_techs):
        mine = np.flatnonzero(log.v_tech == t)
        order = mine[np.argsort(log.v_dispatch_min[mine], kind="stable")]
        assert (log.v_dispatch_min[order][1:] >= end[order][:-1] - 1e-9).all()
    first_end = np.full(log.n_tickets, np.inf)
    f = log.v_kind == 0
    first_end[log.v_ticket[f]] = end[f]
    r = log.v_kind == 1
    assert (log.v_dispatch_min[r] >= first_end[log.v_ticket[r]] - 1e-9).all()
    rep = np.flatnonzero(log.parent >= 0)
    assert (log.created_min[rep] >= log.resolved_min[log.parent[rep]]).all()
    crew = model.crew
    tod = log.v_dispatch_min % 1440.0
    day = (log.v_dispatch_min // 1440.0).astype(int)
    t = log.v_tech
    assert (tod >= crew.shift_start[t] - 1e-9).all()
    assert (tod < crew.shift_end[t] + 1e-9).all()
    assert crew.workdays[t, (model.start_weekday + day) % 7].all()
    on_call = crew.urgent_only[t]
    assert (log.urgency[log.v_ticket[on_call]] == 0).all()


def _one_tech(repair_min: float, overtime: float = 0.0) -> SimModel:
    cat = Catalog(
        (
            ProductCategory(
                "x", 1.0, np.ones(12), (FaultType("f", 1.0, "s", repair_min),)
            ),
        ),
        (),
    )
    d = DemandPoints.from_arrays(
        ["p"], [0.0], [0.0], tickets_per_year=[[100.0]], categories=["x"]
    )
    o = Outlets.from_arrays(["o"], [0.0], [0.0], existing=True)
    t = [
        Technician(
            "t", (0.0, 0.0), {"s"}, TimeWindow(480, 1020), outlet_id="o",
            max_overtime_min=overtime,
        )
    ]  # fmt: skip
    return SimModel.from_core(
        d, o, t, cat, [UrgencyClass("general", 4320, 1.0)], repair_dist="deterministic"
    )


def _stream(created: list[float], repair: float) -> TicketStream:
    n = len(created)
    return TicketStream(
        created_min=np.array(created),
        point=np.zeros(n, np.int64),
        category=np.zeros(n, np.int64),
        fault=np.zeros(n, np.int64),
        urgency=np.full(n, 2, np.int64),
        remote=np.zeros(n, bool),
        repair_min=np.full(n, repair),
        part_ptr=np.zeros(n + 1, np.int64),
        part_idx=np.zeros(0, np.int64),
    )


def test_shift_checked_for_the_first_job_of_the_day() -> None:
    """A 7-hour job created at 11:00 does not fit the 08:00-17:00 shift that day
    (the technician is idle, so it would be its first job): it starts at 08:00
    the next day. A 5-hour job created at 11:00 starts at once."""
    m = _one_tech(420.0)
    log = run_replication(m, _stream([660.0], 420.0), horizon_min=3 * 1440.0)
    assert log.first_visit_min[0] == 1440.0 + 480.0
    m5 = _one_tech(300.0)
    log5 = run_replication(m5, _stream([660.0], 300.0), horizon_min=3 * 1440.0)
    assert log5.first_visit_min[0] == 660.0
    # a job longer than any shift is still done, at a shift start
    m_long = _one_tech(700.0)
    log_l = run_replication(m_long, _stream([660.0], 700.0), horizon_min=3 * 1440.0)
    assert log_l.first_visit_min[0] == 1440.0 + 480.0


def test_on_call_crew_serves_urgent_evening_tickets() -> None:
    """With an evening on-call technician per outlet, urgent SLA improves on the
    same tickets, and the on-call technicians visit nothing but urgent tickets."""
    day = _quality_network(n_techs=3, tickets_per_year=8000.0)
    night = _quality_network(n_techs=3, tickets_per_year=8000.0, urgent_only=1)
    a = simulate(day, horizon_days=20, warmup_days=2, n_reps=2, seed=4, keep_log=True)
    b = simulate(night, horizon_days=20, warmup_days=2, n_reps=2, seed=4, keep_log=True)
    ua = a.kpi("sla_attainment", urgency="urgent")["mean"]
    ub = b.kpi("sla_attainment", urgency="urgent")["mean"]
    assert ub > ua + 0.05, (ua, ub)


def test_business_hours_deadlines() -> None:
    """Deadlines on the business clock, by hand: open 08:00-18:00 Monday to Friday."""
    hours = ServiceHours.from_mapping({"weekdays": "08:00-18:00"})
    model = _quality_network(service_hours=hours).replace(
        urgency_business=np.array([False, True, True])
    )
    # model day 0 is 2026-01-01, a Thursday (weekday 3)
    created = np.array([17 * 60.0, 17 * 60.0, 20 * 60.0])  # Thursday 17:00, 20:00
    urgency = np.array([0, 1, 1])
    dl = deadlines(model, created, urgency)
    assert dl[0] == 17 * 60.0 + 240.0  # urgent: calendar, 4 h
    # important, 24 business hours from Thursday 17:00: 1 h Thu, 10 h Fri, 10 h
    # Mon, 3 h Tue -> Tuesday 11:00 = day 5
    assert dl[1] == 5 * 1440.0 + 11 * 60.0
    # from Thursday 20:00: 10 Fri + 10 Mon + 4 Tue -> Tuesday 12:00
    assert dl[2] == 5 * 1440.0 + 12 * 60.0


def test_business_clock_sla_counts_only_opening_hours() -> None:
    """The same run measured on business hours meets at least as many targets as on
    the calendar (deadlines only move later), and strictly more here."""
    hours = ServiceHours.from_mapping({"weekdays": "08:00-18:00"})
    cal = _quality_network(tickets_per_year=30_000.0, service_hours=hours)
    biz = cal.replace(urgency_business=np.array([True, True, True]))
    s = generate_tickets(cal, 14.0, seed=1)
    la = run_replication(cal, s, horizon_min=14 * 1440.0, seed=1)
    lb = run_replication(biz, s, horizon_min=14 * 1440.0, seed=1)
    np.testing.assert_array_equal(la.first_visit_min, lb.first_visit_min)
    ma = ticket_outcomes(cal, la)["met"].to_numpy()
    mb = ticket_outcomes(biz, lb)["met"].to_numpy()
    both = np.isfinite(ma) & np.isfinite(mb)
    assert (mb[both] >= ma[both]).all()
    assert mb[both].sum() > ma[both].sum()


def test_demand_beyond_reach_goes_to_partners() -> None:
    """Points farther than the reach from their outlet are handed to partners and
    flagged; no own visit drives farther than the reach."""
    model = _quality_network(reach_min=4.0, travel=None)
    net = model.network
    assert net.beyond_reach.any()
    assert (net.point_outlet[net.beyond_reach] == -1).all()
    own = np.flatnonzero(net.point_outlet >= 0)
    o = net.point_outlet[own]
    drive = net.local_dur_min[net.local_offset[o] + net.point_local[own]]
    assert (drive <= 4.0).all()  # outlet -> point, one way
    log = _run(model, 10.0, seed=1)
    assert not np.isin(log.point[log.v_ticket], np.flatnonzero(net.beyond_reach)).any()
    k = replication_kpis(model, log)
    far = np.isin(log.point, np.flatnonzero(net.beyond_reach))
    assert _kpi(k, "tickets_beyond_reach") == float(far.sum())
    assert log.partner[far & ~log.remote].all()
    assert "beyond reach" in model.summary()


def test_town_area_prices_travel_inside_a_point() -> None:
    """A point with radius r: the outlet-to-point drive is the RMS distance of a
    uniform address in the disc, r / sqrt(2), priced by the travel model."""
    from planner.geo import GreatCircle

    r = 3000.0
    gc = GreatCircle(circuity=1.3, speed_kmh=40.0)
    m = SimModel.from_core(
        DemandPoints.from_arrays(["p"], [25.0], [60.0], tickets_per_year=[[10.0]], categories=["x"]),
        Outlets.from_arrays(["o"], [25.0], [60.0], existing=True),
        [Technician("t", (25.0, 60.0), {"s"}, TimeWindow(480, 1020), outlet_id="o")],
        Catalog((ProductCategory("x", 1.0, np.ones(12), (FaultType("f", 1.0, "s", 30.0),)),), ()),
        [UrgencyClass("general", 4320, 1.0)],
        travel=gc,
        point_radius_m=[r],
    )  # fmt: skip
    blk = m.network.local_dist_m.reshape(2, 2)
    assert blk[0, 1] == pytest.approx(1.3 * r / np.sqrt(2))
    assert blk[1, 1] == pytest.approx(1.3 * r)  # two addresses of the disc
    dur = m.network.local_dur_min.reshape(2, 2)
    assert dur[0, 1] == pytest.approx(1.3 * r / np.sqrt(2) / (40_000 / 60))


def test_same_tickets_whatever_the_staffing() -> None:
    """Common random numbers: one crew or three, the same seed gives the same
    stream tickets, and each repeat ticket the same fault and delay after its
    parent's repair."""
    small = _quality_network(n_techs=1, rework=0.3)
    big = _quality_network(n_techs=3, rework=0.3)
    la, lb = _run(small, 20.0, seed=6), _run(big, 20.0, seed=6)
    oa, ob = la.parent < 0, lb.parent < 0
    for key in (
        "created_min",
        "point",
        "fault",
        "urgency",
        "remote",
        "needs_diagnosis",
    ):
        np.testing.assert_array_equal(getattr(la, key)[oa], getattr(lb, key)[ob])
    delay_a = {
        int(p): c - la.resolved_min[p]
        for p, c in zip(la.parent[~oa], la.created_min[~oa], strict=True)
    }
    delay_b = {
        int(p): c - lb.resolved_min[p]
        for p, c in zip(lb.parent[~ob], lb.created_min[~ob], strict=True)
    }
    common = set(delay_a) & set(delay_b)
    assert len(common) > 10
    for p in common:
        assert delay_a[p] == pytest.approx(delay_b[p])


@pytest.mark.parametrize(
    "seed",
    [5, np.random.SeedSequence(5)],
    ids=["int", "SeedSequence"],
)
def test_seed_types(seed: object, make_queue_model: Callable[..., SimModel]) -> None:
    """An int and its SeedSequence give the same result; a Generator is a stream:
    the same state gives the same result."""
    m = make_queue_model(2, 1 / 60.0, 60.0)
    a = simulate(m, horizon_days=3, n_reps=2, seed=seed)  # type: ignore[arg-type]
    b = simulate(m, horizon_days=3, n_reps=2, seed=5)
    np.testing.assert_array_equal(a.rep_kpis["value"], b.rep_kpis["value"])
    g1 = simulate(m, horizon_days=3, n_reps=2, seed=np.random.default_rng(1))
    g2 = simulate(m, horizon_days=3, n_reps=2, seed=np.random.default_rng(1))
    np.testing.assert_array_equal(g1.rep_kpis["value"], g2.rep_kpis["value"])


def test_complaints_and_satisfaction_by_hand() -> None:
    """Complaints are late-by-margin or failed repairs, recomputed here; the
    satisfaction proxy of a complaining ticket is 0, of a ticket fixed on time at
    the first visit without repeat 1."""
    model = _quality_network(rework=0.3, tickets_per_year=30_000.0, van=0)
    log = _run(model, 20.0, seed=8)
    out = ticket_outcomes(model, log)
    h = log.horizon_min
    target = model.service.urgency_target_min[log.urgency]
    dl = log.created_min + target
    late = np.where(np.isnan(log.first_visit_min), dl + 0.5 * target <= h,
                    log.first_visit_min > dl + 0.5 * target)  # fmt: skip
    has_rep = np.isin(np.arange(log.n_tickets), log.parent[log.parent >= 0])
    np.testing.assert_array_equal(out["complaint"], (late | has_rep) & ~log.remote)
    sat = out["satisfaction"].to_numpy()
    assert (sat[out["complaint"].to_numpy()] == 0).all()
    good = (log.status == 1) & (out["ftf"] == 1) & (out["met"] == 1) & ~has_rep
    assert (sat[good.to_numpy() & ~out["complaint"].to_numpy()] == 1).all()
    assert out["complaint"].any()
    assert not out["complaint"].all()


def test_headline_rows_and_technician_table() -> None:
    """kpis() names overall rows sim_<kpi> and class rows sim_<kpi>_<urgency>,
    with the kpi_table's numbers; a technician's first-time fix rate is the share
    of its own first visits that resolved the ticket, recomputed from the log."""
    from planner.sim import technician_kpis

    model = _quality_network(van=1, tickets_per_year=15_000.0)
    r = simulate(model, horizon_days=10, warmup_days=1, n_reps=2, seed=3)
    k = r.kpis().set_index("kpi")
    for name in (
        "sim_cost_per_ticket",
        "sim_sla_attainment",
        "sim_sla_attainment_urgent",
    ):
        assert name in k.index
    assert (
        k.loc["sim_sla_attainment_urgent", "mean"]
        == r.kpi("sla_attainment", urgency="urgent")["mean"]
    )
    assert "sim_cost_rework_urgent" not in k.index  # not a per-class KPI
    log = _run(model, 10.0, seed=4)
    tk = technician_kpis(model, log)
    ftf = tk[tk["kpi"] == "first_time_fix_rate"].set_index("tech")["value"]
    end = _visit_end(log)
    first = (log.v_kind == 0) & (end <= log.horizon_min)
    for t in range(model.n_techs):
        mine = first & (log.v_tech == t)
        if not mine.any():
            continue
        fixed = np.isclose(log.resolved_min[log.v_ticket[mine]], end[mine])
        assert ftf[model.crew.ids[t]] == pytest.approx(fixed.mean())


def _gap_brute(clock: np.ndarray, duty: np.ndarray) -> int:
    """Longest run of clock minutes off duty, walking the week twice (wrap)."""
    best = run = 0
    for t in range(2 * len(clock)):
        m = t % len(clock)
        if not clock[m]:
            continue
        run = run + 1 if not duty[m] else 0
        best = max(best, min(run, int(clock.sum())))
    return best


def test_duty_gaps_against_a_minute_walk() -> None:
    """Longest off-duty stretches on each class's clock, checked by walking the
    minutes: day shifts 08:00-17:00 leave urgent tickets 15 h uncovered, an
    evening on-call shift to 23:00 leaves 9 h; on the business clock (08:00-18:00
    weekdays) one hour a day."""
    from planner.sim import duty_gaps
    from planner.sim.duty import on_duty

    hours = ServiceHours.from_mapping({"weekdays": "08:00-18:00"})
    for on_call, want_urgent in ((0, 15.0), (1, 9.0)):
        m = _quality_network(urgent_only=on_call, service_hours=hours).replace(
            urgency_business=np.array([False, False, True])
        )
        g = duty_gaps(m).set_index(["outlet", "urgency"])
        assert g.loc[("a", "urgent"), "longest_gap_h"] == want_urgent
        assert g.loc[("a", "important"), "longest_gap_h"] == 15.0
        assert g.loc[("a", "general"), "longest_gap_h"] == 1.0
        assert g.loc[("a", "general"), "clock"] == "business"
        clock = np.zeros(7 * 1440, bool)
        for d in range(5):
            clock[d * 1440 + 480 : d * 1440 + 1080] = True
        for i, u in enumerate(("urgent", "important", "general")):
            c = clock if i == 2 else np.ones(7 * 1440, bool)
            brute = _gap_brute(c, on_duty(m, 0, urgent=i == 0)) / 60.0
            assert g.loc[("a", u), "longest_gap_h"] == brute
        assert not g.loc[("a", "urgent"), "meets"]


def test_by_outlet_picks_the_outlet_rows() -> None:
    """by_outlet gives the kpi_table's per-outlet rows of one KPI and class."""
    model = _quality_network(tickets_per_year=10_000.0)
    r = simulate(model, horizon_days=8, warmup_days=1, n_reps=2, seed=2)
    t = r.by_outlet("sla_attainment", urgency="urgent")
    assert set(t.index) <= {"a", "b", "uncovered"}
    assert (
        t.loc["a", "mean"]
        == r.kpi("sla_attainment", urgency="urgent", outlet="a")["mean"]
    )
    with pytest.raises(InputError, match="one of"):
        r.by_outlet("nonsense")
