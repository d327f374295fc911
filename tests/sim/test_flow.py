"""The repair flow: partners, cancellations, follow-ups and revisits, checked ticket by ticket."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from planner.sim import (
    SimModel,
    generate_tickets,
    replication_kpis,
    run_replication,
    simulate,
)


def test_uncovered_tickets_go_to_partner(make_network: Callable[..., SimModel]) -> None:
    """With no outlet serving any point, every visit is a partner's, at its response time."""
    base = make_network(seed=9)
    model = base.replace(point_outlet=np.full(base.n_points, -1))
    s = generate_tickets(model, 10.0, seed=0)
    log = run_replication(model, s, horizon_min=10 * 1440.0, seed=0)
    visit = ~s.remote
    assert (log.partner == visit).all()
    np.testing.assert_allclose(
        log.first_visit_min[visit],
        s.created_min[visit] + model.service.partner_response_min,
    )
    assert len(log.v_tech) == 0
    res = simulate(model, horizon_days=10, n_reps=1, seed=0)
    fee = res.kpi("cost_outsourcing")["mean"]
    share = res.kpi("tickets_partner")["mean"] / res.kpi("tickets_created")["mean"]
    assert fee == pytest.approx(model.service.partner_fee_default * share)


def test_overflow_sends_to_partner(make_network: Callable[..., SimModel]) -> None:
    """A short overflow limit hands tickets of a loaded network to partners."""
    model = make_network(
        seed=10, tickets_per_year=30_000.0, overflow_queue_per_tech=1.0
    )
    res = simulate(model, horizon_days=10, n_reps=1, seed=0)
    assert res.kpi("tickets_partner")["mean"] > 0
    free = make_network(seed=10, tickets_per_year=30_000.0)
    assert (
        simulate(free, horizon_days=10, n_reps=1, seed=0).kpi("tickets_partner")["mean"]
        < res.kpi("tickets_partner")["mean"]
    )


def test_cancellation_after_patience(make_queue_model: Callable[..., SimModel]) -> None:
    """Overloaded single server, patience 60 min: nobody waits longer and is served."""
    model = make_queue_model(1, 1.5 / 60.0, 60.0).replace(cancel_after_min=60.0)
    s = generate_tickets(model, 10.0, seed=1)
    log = run_replication(model, s, horizon_min=10 * 1440.0, seed=1)
    served = log.n_visits > 0
    wait = log.queue_exit_min[served] - s.created_min[served]
    assert (wait <= 60.0 + 1e-9).all()
    can = log.status == 2
    assert can.sum() > 0
    assert (log.n_visits[can] == 0).all()
    np.testing.assert_allclose(log.cancelled_min[can], s.created_min[can] + 60.0)
    # Little's law holds for the queue with abandonment too
    s30 = generate_tickets(model, 30.0, seed=1)
    k = replication_kpis(model, run_replication(model, s30, horizon_min=30 * 1440.0))
    v = k[(k["urgency"] == "all") & (k["outlet"] == "all")].set_index("kpi")["value"]
    assert v["queue_length_mean"] == pytest.approx(v["little_lambda_w"], rel=0.03)


def test_followups_and_revisits(make_queue_model: Callable[..., SimModel]) -> None:
    """Follow-up probability 1: every ticket fixed at first visit gets a second visit;
    a missing part always makes a revisit."""
    model = make_queue_model(
        10, 2.0 / 60.0, 30.0, parts={"P": 0.5}, part_lead_days=0.5, stock=1
    ).replace(followup_prob=1.0)
    s = generate_tickets(model, 10.0, seed=2)
    h = 10 * 1440.0
    log = run_replication(model, s, horizon_min=h, seed=2)
    kinds = np.bincount(log.v_kind, minlength=3)
    assert kinds[1] > 0
    assert kinds[2] > 0
    # visits per ticket = first + revisit (if a part was missing) + follow-up
    n_rev = np.bincount(log.v_ticket[log.v_kind == 1], minlength=len(s))
    n_fup = np.bincount(log.v_ticket[log.v_kind == 2], minlength=len(s))
    np.testing.assert_array_equal(log.n_visits, (log.n_visits > 0) + n_rev + n_fup)
    assert (n_rev[log.missing_parts == 0] == 0).all()
    done = (log.status == 1) & (log.resolved_min < h - 24 * 60)
    assert (n_fup[done] == 1).all()
