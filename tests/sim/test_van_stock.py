"""Van stock: used before the outlet shelf, refilled each day, units accounted for."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np
import pytest

from planner.core import Technician, TimeWindow
from planner.core.errors import InputError
from planner.sim import (
    BalanceError,
    NightlyRouting,
    RepLog,
    SimModel,
    generate_tickets,
    run_replication,
)
from planner.sim.stock import check_stock


def _position(model: SimModel, log: RepLog) -> np.ndarray:
    """Shelf + on order - backorders + vans, per part x outlet (flat)."""
    assert log.end_van is not None
    return log.end_on_hand + log.end_on_order - log.end_backorders + log.end_van


def _van_per_outlet(model: SimModel, per_tech: np.ndarray) -> np.ndarray:
    v = np.zeros((model.n_outlets, model.n_parts), dtype=np.int64)
    np.add.at(v, model.crew.outlet, per_tech)
    return v.T.ravel()


@pytest.mark.parametrize("dispatch", ["greedy", "routing"])
def test_van_accounting_invariant(
    make_network: Callable[..., SimModel], dispatch: str
) -> None:
    """Shelf + on order - backorders + vans = base stock + van levels, vans in range.

    Checked independently of the engine's own check, from the end state: the
    units in the vans at the end (per technician) add up to the per-outlet
    van totals, lie in [0, level], and the inventory position of the whole
    system (outlet + its vans) equals its target.
    """
    base = make_network(
        seed=21, tickets_per_year=15_000.0, stock_level=1, followup_prob=0.1
    )
    rng = np.random.default_rng(0)
    lvl = rng.integers(0, 3, size=(base.n_techs, base.n_parts))
    model = base.replace(van_stock=lvl)
    s = generate_tickets(model, 10.0, seed=np.random.SeedSequence(2))
    log = run_replication(
        model,
        s,
        horizon_min=10 * 1440.0,
        seed=np.random.SeedSequence(2),
        dispatch=dispatch,
        routing=NightlyRouting(iterations=50),
    )
    vt = log.end_van_tech
    assert vt is not None
    assert (vt >= 0).all()
    assert (vt <= lvl).all()
    assert (vt < lvl).any()  # vans were used
    np.testing.assert_array_equal(log.end_van, _van_per_outlet(model, vt))
    assert (log.end_on_hand >= 0).all()
    target = model.stock.base_stock.ravel() + _van_per_outlet(model, lvl)
    np.testing.assert_array_equal(_position(model, log), target)
    assert (log.filled_units <= log.demand_units).all()
    # the check can fail: one unit too many in a van breaks the balance
    bad = dataclasses.replace(log, end_van=log.end_van + 1)
    with pytest.raises(BalanceError, match="inventory position"):
        check_stock(bad.stock_end(), model=model, error=BalanceError)


def test_van_used_before_shelf(make_queue_model: Callable[..., SimModel]) -> None:
    """No shelf stock, a van of 2: exactly the first two first visits have the part.

    Queue mode (always on, no refill), one technician, every ticket needs one
    unit of P with a 30-day lead time: the van's two units serve the first two
    tickets visited; every later ticket within the lead time finds none.
    """
    m0 = make_queue_model(1, 1 / 120.0, 30.0, parts={"P": 1.0}, part_lead_days=30.0)
    s = generate_tickets(m0, 5.0, seed=np.random.SeedSequence(3))
    no_van = run_replication(m0, s, horizon_min=5 * 1440.0, seed=3)
    m = m0.replace(van_stock=np.array([[2]]))
    log = run_replication(m, s, horizon_min=5 * 1440.0, seed=3)
    first = log.v_ticket[log.v_kind == 0]
    assert len(first) > 5
    np.testing.assert_array_equal(log.missing_parts[first[:2]], [0, 0])
    assert (log.missing_parts[first[2:]] == 1).all()
    first0 = no_van.v_ticket[no_van.v_kind == 0]
    assert (no_van.missing_parts[first0] == 1).all()
    assert log.filled_units.sum() == 2


def test_van_refilled_from_shelf_each_day(
    make_network: Callable[..., SimModel],
) -> None:
    """With shift days, a van emptied on day 0 is topped up from the shelf later.

    Every technician carries 3 units of each part; the shelf holds 50 per part
    and outlet (never empty in 4 days): then every part demanded is filled,
    and at the end no van is short by more than what one day's visits used.
    """
    base = make_network(seed=22, tickets_per_year=20_000.0, stock_level=50)
    lvl = np.full((base.n_techs, base.n_parts), 3)
    model = base.replace(van_stock=lvl)
    s = generate_tickets(model, 4.0, seed=np.random.SeedSequence(4))
    log = run_replication(
        model, s, horizon_min=4 * 1440.0 - 1.0, seed=np.random.SeedSequence(4)
    )
    assert log.demand_units.sum() > 0
    assert log.filled_units.sum() == log.demand_units.sum()
    vt = log.end_van_tech
    assert vt is not None
    # units used on the last day (day 3) by each technician, per part
    ev = log.v_dispatch_min >= 3 * 1440.0
    first = ev & (log.v_kind == 0)
    used = np.zeros_like(lvl)
    for t, j in zip(log.v_tech[first], log.v_ticket[first], strict=True):
        for i in range(log.part_ptr[j], log.part_ptr[j + 1]):
            used[t, log.part_idx[i]] += 1
    # refilled at the start of day 3: short by at most what day 3 used
    np.testing.assert_array_equal(lvl - vt, np.minimum(used, lvl))


def test_van_stock_unknown_part() -> None:
    """A technician's van part that is not in the catalogue is an InputError."""
    from planner.core import (
        Catalog,
        DemandPoints,
        FaultType,
        Outlets,
        ProductCategory,
        UrgencyClass,
    )

    cat = Catalog(
        (ProductCategory("x", 1.0, np.ones(12), (FaultType("f", 1.0, "s", 30.0),)),),
        (),
    )
    d = DemandPoints.from_arrays(
        ["p"], [0.0], [0.0], tickets_per_year=[[100.0]], categories=["x"]
    )
    o = Outlets.from_arrays(["o"], [0.0], [0.0])
    t = [
        Technician(
            "t1",
            (0.0, 0.0),
            {"s"},
            TimeWindow(480, 1020),
            outlet_id="o",
            van_stock={"ZZ": 1},
        )
    ]
    with pytest.raises(InputError, match=r"van_stock\.ZZ"):
        SimModel.from_core(d, o, t, cat, [UrgencyClass("general", 4320, 1.0)])
