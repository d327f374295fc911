"""Little's law with censored waits, and the growing-backlog flag.

Oracles: the queue area integrated here from each ticket's creation and
queue-exit times (independent of the event loop's running area), the ticket
statuses at the horizon, and the daily backlog of :func:`time_series`.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from planner.core import (
    Catalog,
    DemandPoints,
    FaultType,
    Outlets,
    ProductCategory,
    Technician,
    TimeWindow,
    UrgencyClass,
)
from planner.sim import (
    RepLog,
    SimModel,
    generate_tickets,
    replication_kpis,
    run_replication,
    simulate,
    time_series,
)

DAY = 1440.0


def _run(model: SimModel, days: float, warm: float, seed: int = 1) -> RepLog:
    ss = np.random.SeedSequence(seed)
    s = generate_tickets(model, days, seed=ss)
    return run_replication(
        model, s, horizon_min=days * DAY, warmup_min=warm * DAY, seed=ss
    )


def _overall(model: SimModel, log: RepLog) -> dict[str, float]:
    k = replication_kpis(model, log)
    k = k[(k["urgency"] == "all") & (k["outlet"] == "all")]
    return dict(zip(k["kpi"], k["value"], strict=True))


def _waits(log: RepLog) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Creation, queue exit (NaN: still waiting) and the queued mask."""
    s = log.stream
    queued = ~log.partner & ~np.asarray(s.remote, dtype=bool)
    return np.asarray(s.created_min), np.asarray(log.queue_exit_min), queued


def priority_queue(c: int, rho: float) -> SimModel:
    """M/M/c, 24/7, zero travel, half the tickets urgent (served first)."""
    cat = Catalog(
        (ProductCategory("x", 1.0, np.ones(12), (FaultType("f", 1.0, "s", 60.0),)),),
        (),
    )
    lam = rho * c / 60.0
    d = DemandPoints.from_arrays(
        ["p"], [0.0], [0.0], tickets_per_year=[[lam * 525_600]], categories=["x"]
    )
    o = Outlets.from_arrays(["o"], [0.0], [0.0], existing=True)
    techs = [
        Technician(f"t{k}", (0.0, 0.0), {"s"}, TimeWindow(0, 1440), outlet_id="o")
        for k in range(c)
    ]
    urg = [UrgencyClass("urgent", 240, 0.5), UrgencyClass("general", 4320, 0.5)]
    return SimModel.from_core(
        d, o, techs, cat, urg, always_on=True, repair_dist="exponential"
    )


@pytest.mark.parametrize("c", [1, 3])
def test_little_law_overloaded_no_warmup(c: int) -> None:
    """rho = 1.5 (M/M/c, urgent first, 10 days, no warm-up): L = lambda * W to
    rounding, with the waits of the tickets still queued counted up to the
    horizon; the old definition (finished waits only) misses the growing
    backlog of starved general tickets by more than 40 %."""
    m = priority_queue(c, 1.5)
    log = _run(m, 10.0, 0.0)
    v = _overall(m, log)
    h = log.horizon_min
    created, qx, queued = _waits(log)
    assert np.isnan(qx[queued]).sum() > 50  # many waits censored: backlog grows
    # L from the ticket log, not from the event loop's area
    area = (np.where(np.isnan(qx), h, qx) - created)[queued].sum()
    assert v["queue_length_mean"] == pytest.approx(area / h, rel=1e-9)
    assert v["little_lambda_w"] == pytest.approx(v["queue_length_mean"], rel=1e-9)
    done = queued & ~np.isnan(qx)
    old = queued.sum() / h * float((qx - created)[done].mean())
    assert old < 0.6 * v["queue_length_mean"]
    assert v["backlog_growing"] == 1.0


def test_little_law_with_warmup_gap_is_carry_in(
    make_queue_model: Callable[..., SimModel],
) -> None:
    """With a warm-up, L - lambda * W is exactly the remaining queue time, over the
    window, of the tickets already waiting at the warm-up end (rho = 1.3)."""
    m = make_queue_model(2, 1.3 * 2 / 60.0, 60.0)
    log = _run(m, 12.0, 3.0, seed=5)
    v = _overall(m, log)
    h, w = log.horizon_min, log.warmup_min
    created, qx, queued = _waits(log)
    out = np.where(np.isnan(qx), h, qx)
    carry = queued & (created < w) & (out > w)
    assert carry.sum() > 10
    carry_in = float((out[carry] - w).sum()) / (h - w)
    gap = v["queue_length_mean"] - v["little_lambda_w"]
    assert gap == pytest.approx(carry_in, rel=1e-9)


def test_backlog_kpis_against_statuses_and_series(
    make_network: Callable[..., SimModel],
) -> None:
    """backlog_end = open tickets at the horizon (statuses); backlog_start = the
    time series' backlog at the warm-up end; the flag follows its rule."""
    m = make_network(seed=5, tickets_per_year=20_000.0, techs_per_outlet=2)
    log = _run(m, 10.0, 3.0, seed=2)
    v = _overall(m, log)
    assert v["backlog_end"] == float((log.status == 0).sum())
    ts = time_series(m, log)
    at_w = ts.loc[np.isclose(ts["time_min"], 3 * DAY), "backlog"]
    assert v["backlog_start"] == float(at_w.iloc[0])
    per_day = v["tickets_created"] / 7.0
    grow = v["backlog_end"] - v["backlog_start"]
    assert v["backlog_growth_per_day"] == pytest.approx(grow / 7.0)
    assert v["backlog_growing"] == float(grow > max(v["backlog_start"], per_day))
    assert v["backlog_growing"] == 1.0  # this crew cannot keep up


def test_summary_flags_growing_backlog() -> None:
    """The summary warns about an overloaded network, and not about a stable one."""
    over = simulate(priority_queue(2, 1.5), horizon_days=6, n_reps=2, seed=1)
    assert "backlog grows in 100%" in over.summary()
    ok = simulate(priority_queue(2, 0.5), horizon_days=6, warmup_days=1, n_reps=2)
    assert ok.backlog_note() == ""
    assert "backlog grows" not in ok.summary()


def test_stable_queue_not_flagged(make_queue_model: Callable[..., SimModel]) -> None:
    """An M/M/3 at rho = 0.6 with a warm-up is never flagged, and its L and
    lambda * W agree within a few percent; the flag's CI stays in [0, 1]."""
    m = make_queue_model(3, 0.6 * 3 / 60.0, 60.0)
    r = simulate(m, horizon_days=30, warmup_days=3, n_reps=3, seed=2)
    row = r.kpi("backlog_growing")
    assert row["mean"] == 0.0
    assert 0.0 <= row["ci_low"] <= row["ci_high"] <= 1.0
    lq = r.kpi("queue_length_mean")["mean"]
    assert r.kpi("little_lambda_w")["mean"] == pytest.approx(lq, rel=0.05)


def test_backlog_trend_over_whole_weeks(
    make_network: Callable[..., SimModel],
) -> None:
    """A 10-day window: the trend runs from the same hour a week before the
    horizon (open tickets counted from the statuses by hand), not from the
    warm-up end, so a weekend queue at the horizon is not read as growth."""
    m = make_network(seed=5, tickets_per_year=8_000.0, techs_per_outlet=3)
    log = _run(m, 13.0, 3.0, seed=4)
    v = _overall(m, log)
    t0 = 6.0 * DAY  # the horizon minus 7 days

    def open_at(t: float) -> int:
        done = np.fmin(log.resolved_min, log.cancelled_min)
        return int(((log.created_min <= t) & ~(done <= t)).sum())

    assert v["backlog_end"] == float(open_at(13.0 * DAY))
    assert v["backlog_start"] == float(open_at(3.0 * DAY))
    want = (open_at(13.0 * DAY) - open_at(t0)) / 7.0
    assert v["backlog_growth_per_day"] == pytest.approx(want)
    assert want != pytest.approx((v["backlog_end"] - v["backlog_start"]) / 10.0)


def test_daily_sla_in_the_time_series(
    make_network: Callable[..., SimModel],
) -> None:
    """``sla`` / ``sla_<class>`` per day: the share of the day's tickets whose
    first visit came by the deadline, recounted here from the log."""
    from planner.sim.measure import deadlines, time_series

    m = make_network(seed=5, tickets_per_year=20_000.0, techs_per_outlet=2)
    log = _run(m, 8.0, 2.0, seed=3)
    ts = time_series(m, log)
    dl = deadlines(m, log.created_min, log.urgency)
    fair = (dl <= log.horizon_min) & ~log.remote
    met = log.first_visit_min <= dl
    day = (log.created_min // DAY).astype(int)
    checked = 0
    for k in range(len(ts)):
        for col, cls in [("sla", None), ("sla_urgent", 0), ("sla_general", 2)]:
            sel = fair & (day == k)
            if cls is not None:
                sel &= log.urgency == cls
            got = ts[col].iloc[k]
            if sel.sum() == 0:
                assert np.isnan(got)
                continue
            assert got == pytest.approx(met[sel].mean())
            checked += 1
    assert checked > 10
    assert ts["sla"].min() < 1.0  # two technicians an outlet fall behind
