"""Conservation: no ticket is lost, no stock goes negative, in any small network."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from planner.core import (
    Catalog,
    DemandPoints,
    FaultType,
    Outlets,
    Part,
    ProductCategory,
    Technician,
    TimeWindow,
    UrgencyClass,
)
from planner.sim import (
    BalanceError,
    SimModel,
    check_little,
    generate_tickets,
    replication_kpis,
    run_replication,
)

CAT = Catalog(
    (
        ProductCategory(
            "a",
            1.0,
            np.ones(12),
            (
                FaultType("x", 0.6, "s1", 50.0, remote_fix_rate=0.1, parts={"P1": 0.7}),
                FaultType("y", 0.4, "s2", 30.0, parts={"P1": 0.3, "P2": 0.5}),
            ),
        ),
        ProductCategory(
            "b",
            1.0,
            np.r_[np.full(6, 0.5), np.full(6, 1.5)],
            (FaultType("z", 1.0, "s2", 70.0, parts={"P2": 0.9}),),
        ),
    ),
    (Part("P1", "p1", 5.0, 0.5), Part("P2", "p2", 9.0, 2.0)),
)


@st.composite
def networks(draw: st.DrawFn) -> tuple[SimModel, float]:
    """A random small network and a horizon in days."""
    n_p = draw(st.integers(1, 4))
    n_o = draw(st.integers(1, 3))
    rng = np.random.default_rng(draw(st.integers(0, 10_000)))
    rate = rng.random((n_p, 2)) * draw(st.floats(500, 20_000))
    d = DemandPoints.from_arrays(
        [f"p{i}" for i in range(n_p)],
        10 + rng.random(n_p) * 0.2,
        50 + rng.random(n_p) * 0.2,
        tickets_per_year=rate,
        categories=["a", "b"],
    )
    partner = [draw(st.booleans()) and i > 0 for i in range(n_o)]
    o = Outlets.from_arrays(
        [f"o{i}" for i in range(n_o)],
        10 + rng.random(n_o) * 0.2,
        50 + rng.random(n_o) * 0.2,
        partner=partner,
        fee_per_ticket=[80.0 if p else 0.0 for p in partner],
    )
    always_on = draw(st.booleans())
    techs = []
    for i in range(n_o):
        if partner[i]:
            continue
        for k in range(draw(st.integers(0, 3))):
            skills = draw(st.sets(st.sampled_from(["s1", "s2"]), min_size=1))
            start = draw(st.integers(0, 12)) * 60
            end = start + draw(st.integers(2, 12)) * 60
            techs.append(
                Technician(
                    f"t{i}.{k}",
                    (float(o.lon[i]), float(o.lat[i])),
                    skills,
                    TimeWindow(start, end),
                    outlet_id=f"o{i}",
                    max_overtime_min=draw(st.sampled_from([0.0, 60.0])),
                )
            )
    stock = rng.integers(0, 3, size=(2, n_o))
    model = SimModel.from_core(
        d,
        o,
        techs,
        CAT,
        [UrgencyClass("urgent", 240, 0.3), UrgencyClass("general", 4320, 0.7)],
        stock=stock,
        always_on=always_on,
        followup_prob=draw(st.sampled_from([0.0, 0.3])),
        cancel_after_min=draw(st.sampled_from([np.inf, 600.0])),
        overflow_queue_per_tech=draw(st.sampled_from([np.inf, 2.0])),
        partner_response_min=draw(st.sampled_from([60.0, 3000.0])),
        workdays=draw(st.sampled_from([None, [0, 1, 2, 3, 4], [2, 6]])),
    )
    return model, draw(st.floats(1.0, 12.0))


@given(networks(), st.integers(0, 3))
def test_no_ticket_lost_no_negative_stock(
    net: tuple[SimModel, float], seed: int
) -> None:
    """created = resolved + open + cancelled; stock >= 0; position = base stock."""
    model, days = net
    stream = generate_tickets(model, days, seed=seed)
    log = run_replication(
        model, stream, horizon_min=days * 1440, warmup_min=days * 360, seed=seed
    )  # check=True: raises BalanceError on any lost ticket
    n = log.n_tickets
    assert n == len(stream) + log.n_repeats
    counts = np.bincount(log.status, minlength=3)
    assert counts.sum() == n
    assert (log.end_on_hand >= 0).all()
    pos = log.end_on_hand + log.end_on_order - log.end_backorders
    np.testing.assert_array_equal(pos, model.stock.base_stock.ravel())
    assert (log.filled_units <= log.demand_units).all()
    # every visit belongs to a ticket of the stream and to a technician
    assert (log.v_ticket < n).all()
    assert (log.v_tech < model.n_techs).all()
    k = replication_kpis(model, log)
    created = k.query(
        "kpi == 'tickets_created' and urgency == 'all' and outlet == 'all'"
    )
    parts = [
        k.query(f"kpi == '{x}' and urgency == 'all' and outlet == 'all'")["value"].iloc[
            0
        ]
        for x in ("tickets_resolved", "tickets_open", "tickets_cancelled")
    ]
    assert sum(parts) == created["value"].iloc[0]


def test_queue_bookkeeping_check_can_fail(make_network) -> None:  # type: ignore[no-untyped-def]
    """The Little's-law bookkeeping check raises when the queue area is off."""
    model = make_network(seed=4)
    stream = generate_tickets(model, 5.0, seed=0)
    log = run_replication(model, stream, horizon_min=5 * 1440.0, seed=0)
    check_little(log)
    bad = dataclasses.replace(log, queue_area=log.queue_area + 60.0)
    with pytest.raises(BalanceError, match="queue area"):
        check_little(bad)


@pytest.mark.slow
def test_regional_network_balance(make_network) -> None:  # type: ignore[no-untyped-def]
    """A 50-outlet network over 60 days: balance, Little bookkeeping, stock position."""
    model = make_network(
        seed=11,
        n_points=500,
        n_outlets=50,
        techs_per_outlet=4,
        tickets_per_year=150_000.0,
        followup_prob=0.05,
        cancel_after_min=10 * 1440.0,
        overflow_queue_per_tech=8.0,
    )
    stream = generate_tickets(model, 60.0, seed=1)
    log = run_replication(model, stream, horizon_min=60 * 1440.0, warmup_min=7 * 1440.0)
    check_little(log)
    pos = log.end_on_hand + log.end_on_order - log.end_backorders
    np.testing.assert_array_equal(pos, model.stock.base_stock.ravel())
    k = replication_kpis(model, log)
    assert k["value"].notna().any()


def test_balance_check_can_fail(make_queue_model) -> None:  # type: ignore[no-untyped-def]
    """The ticket balance check raises when open tickets are unaccounted for."""
    from planner.sim.replog import check_balance

    model = make_queue_model(1, 3.0 / 60.0, 60.0)  # overloaded: a queue builds up
    s = generate_tickets(model, 2.0, seed=0)
    log = run_replication(model, s, horizon_min=2 * 1440.0, seed=0)
    assert (log.status == 0).sum() > 10
    none = np.zeros(log.n_tickets, dtype=bool)
    with pytest.raises(BalanceError, match="open tickets are in no queue"):
        check_balance(
            log, model, log.stock_end(), queued=none, waiting_parts=none, in_visit=none
        )
    bad = dataclasses.replace(log, status=np.where(log.status == 0, 1, log.status))
    with pytest.raises(BalanceError, match="not open"):
        check_balance(
            bad,
            model,
            log.stock_end(),
            queued=log.status == 0,
            waiting_parts=none,
            in_visit=none,
        )
