"""Rush hours in the simulator: each leg timed from the hour it leaves.

Oracles: a constant factor is the static model at the scaled speed (same
tickets, same KPIs), and every visit's travel equals a step-by-step
integration of the speed factors written here, from the visit's free-flow
minutes (its metres at the base model's speed) and its departure.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from planner.geo import GreatCircle
from planner.geo.speed import TimeDependentTravel
from planner.sim import (
    SimModel,
    generate_tickets,
    replication_kpis,
    run_replication,
)

DAYS = 6.0


Make = Callable[..., SimModel]


def _run(make: Make, travel: Any, seed: int = 3) -> tuple[SimModel, Any]:
    m = make(seed=1, tickets_per_year=20_000.0, travel=travel)
    s = generate_tickets(m, DAYS, seed=seed)
    return m, run_replication(m, s, horizon_min=DAYS * 1440.0, seed=seed)


def _arrive(factors: list[float], tau: float, depart: float) -> float:
    """Leave at ``depart`` and progress ``factors[hour]`` free-flow minutes a
    minute until ``tau`` free-flow minutes are driven (hour by hour)."""
    t, left = depart, tau
    while left > 1e-12:
        f = factors[math.floor(t / 60.0) % 24]
        edge = (math.floor(t / 60.0) + 1) * 60.0
        if (edge - t) * f >= left:
            return t + left / f
        left -= (edge - t) * f
        t = edge
    return t


def test_a_constant_factor_is_the_static_model_at_that_speed(
    make_network: Make,
) -> None:
    slow = TimeDependentTravel(GreatCircle(1.3, 40.0), [0.5] * 24)
    m1, a = _run(make_network, slow)
    m2, b = _run(make_network, GreatCircle(1.3, 20.0))
    np.testing.assert_allclose(m1.network.local_dur_min, m2.network.local_dur_min)
    assert m1.network.speed is not None
    assert m2.network.speed is None
    assert len(a.v_ticket) == len(b.v_ticket) > 100
    np.testing.assert_allclose(a.v_travel_min, b.v_travel_min, rtol=1e-9)
    ka, kb = replication_kpis(m1, a), replication_kpis(m2, b)
    np.testing.assert_allclose(ka["value"], kb["value"], rtol=1e-9, equal_nan=True)


def test_every_leg_is_timed_from_its_departure_hour(make_network: Make) -> None:
    factors = [1.0] * 24
    factors[8] = 0.4  # 08-09 crawl
    factors[16] = 0.6  # 16-17
    _, log = _run(make_network, TimeDependentTravel(GreatCircle(1.3, 40.0), factors))
    one_leg = log.v_kind != 1  # a second visit may fetch its part first
    tau = log.v_dist_m[one_leg] / (40_000.0 / 60.0)
    dep = log.v_dispatch_min[one_leg]
    want = np.array([_arrive(factors, t, d) - d for t, d in zip(tau, dep, strict=True)])
    got = log.v_travel_min[one_leg]
    assert len(got) > 100
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-9)
    rush = (dep % 1440 >= 480) & (dep % 1440 < 540) & (tau > 0)
    assert rush.any()
    # a leg leaving in the crawl that stays inside it takes tau / 0.4
    inside = rush & (dep % 1440 + tau / 0.4 <= 540)
    assert got[inside] == pytest.approx(tau[inside] / 0.4)


def test_free_flow_factors_leave_the_engine_unchanged(make_network: Make) -> None:
    m1, a = _run(make_network, TimeDependentTravel(GreatCircle(1.3, 40.0), [1.0] * 24))
    _, b = _run(make_network, GreatCircle(1.3, 40.0))
    assert m1.network.speed is None
    np.testing.assert_array_equal(a.v_travel_min, b.v_travel_min)
