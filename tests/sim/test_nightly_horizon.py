"""Nightly routing over a horizon: tickets due today go first, later ones wait.

Oracle: a night built by hand where only half the batch fits today; the
tickets due today are the far ones, so a one-day plan (equal urgency,
cheaper travel first) serves the near ones, while the horizon serves every
ticket due today that fits and moves the others. And a replication with
``horizon_days = 2`` keeps every ticket accounted for (the engine's balance
check).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from planner.core.errors import InputError
from planner.sim import NightlyRouting, SimModel, generate_tickets, run_replication
from planner.sim.engine import KIND_FIRST
from planner.sim.nightly import plan_outlet


def _night(model: SimModel, horizon_days: int) -> tuple[set[int], set[int]]:
    net = model.network
    sz, off = int(net.local_size[0]), int(net.local_offset[0])
    drive = net.local_dur_min[off : off + sz * sz].reshape(sz, sz)[0, 1:]
    order = np.argsort(drive) + 1  # block positions, nearest first
    near, far = order[:3].tolist(), order[-3:].tolist()
    locs = [*near, *near, *far, *far]  # 6 due later, 6 due today
    due = [np.inf] * 6 + [1020.0] * 6
    batch = [(2, 0.0, j, KIND_FIRST) for j in range(12)]
    k = int(np.flatnonzero(model.crew.outlet == 0)[0])
    skill = int(np.flatnonzero(model.crew.skills[k])[0])
    routes = plan_outlet(
        model,
        NightlyRouting(iterations=300, horizon_days=horizon_days),
        0,
        [k],
        batch,  # type: ignore[arg-type]
        loc=locs,
        expect=[90.0] * 12,
        skill=[skill] * 12,
        priority=[2] * 12,
        deadline=due,
        absent=np.zeros((1, horizon_days), bool),
    )
    served = {int(e[2]) for r in routes for e in r}
    return served & set(range(6, 12)), served & set(range(6))


def test_the_horizon_serves_what_is_due_today(
    make_network: Callable[..., SimModel],
) -> None:
    m = make_network(seed=0)
    due1, later1 = _night(m, 1)
    due2, later2 = _night(m, 2)
    assert len(due1) + len(later1) <= 6  # half the batch fits a day
    assert len(due2) > len(due1)
    assert len(due2) >= len(due1) + len(later1) - 1  # the day goes to the due
    assert len(later2) < len(later1)


def test_a_replication_with_a_two_day_horizon_balances(
    make_network: Callable[..., SimModel],
) -> None:
    m = make_network(seed=2, tickets_per_year=6000.0)
    s = generate_tickets(m, 5.0, seed=1)
    log = run_replication(
        m,
        s,
        horizon_min=5 * 1440.0,
        seed=1,
        dispatch="routing",
        routing=NightlyRouting(horizon_days=2, min_batch=2),
        check=True,
    )
    assert len(log.v_ticket) > 20


@pytest.mark.parametrize("bad", [0, 8, 1.5, True])
def test_horizon_days_checked(bad: object) -> None:
    with pytest.raises(InputError, match="horizon_days"):
        NightlyRouting(horizon_days=bad)  # type: ignore[arg-type]
