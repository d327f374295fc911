"""StockPlan: built from policies, frames, summary, Parquet + JSON round trip."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from planner.core.cost import CostRates
from planner.core.errors import InputError
from planner.inventory import (
    StockPlan,
    evaluate_sS,
    inventory_cost_parameters,
    optimize_base_stock,
    optimize_rQ,
    optimize_sS,
)


def test_plan_from_each_policy_kind(tmp_path: Path) -> None:
    """sS, rQ and base-stock plans carry exact metrics and round-trip on disk."""
    mu = np.array([1.0, 4.0, 0.0])
    parts, locs = ["p1", "p2", "p3"], ["x", "x", "y"]
    for pol in (
        optimize_sS(mu, 1.0, 9.0, 10.0, lead_time=1),
        optimize_rQ(mu, 1.0, 9.0, 10.0, lead_time=1.0),
        optimize_base_stock(mu, 1.0, 9.0, lead_time=1, fill_rate=0.95),
    ):
        plan = StockPlan.from_policies(parts, locs, pol, meta={"period_days": 7})
        np.testing.assert_allclose(plan.cost, pol.cost, rtol=1e-12)
        df = plan.to_frame()
        assert df["part_id"].tolist() == parts
        out = plan.save(tmp_path / f"plan_{plan.policy[0]}")
        back = StockPlan.load(out)
        assert back.to_frame().equals(df)
        assert back.meta["period_days"] == 7
        assert "StockPlan: 3 rows" in str(back)
        assert back.cost_breakdown().total == pytest.approx(plan.cost.sum())
    sS = optimize_sS(mu, 1.0, 9.0, 10.0, lead_time=1)
    plan = StockPlan.from_policies(parts, locs, sS)
    m = evaluate_sS(
        plan.reorder_point, plan.order_up_to, mu, 1.0, 9.0, 10.0, lead_time=1
    )
    np.testing.assert_allclose(plan.fill_rate, m.fill_rate)


def test_plan_rejects_duplicates_and_bad_files(tmp_path: Path) -> None:
    """Duplicate (part, location) rows and foreign folders raise InputError."""
    pol = optimize_sS([1.0, 2.0], 1.0, 9.0, 10.0)
    with pytest.raises(InputError, match="one row per"):
        StockPlan.from_policies(["a", "a"], ["x", "x"], pol)
    (tmp_path / "junk").mkdir()
    with pytest.raises(InputError, match=r"result\.json"):
        StockPlan.load(tmp_path / "junk")


def test_cost_parameters_from_core_rates() -> None:
    """h, p and K per period follow the core CostRates."""
    p = inventory_cost_parameters([100.0, 730.0], CostRates(), period_days=1)
    np.testing.assert_allclose(p["holding_cost"], [0.25 * 100 / 365, 0.5])
    assert p["backorder_cost"].tolist() == [2.0, 2.0]
    assert p["fixed_cost"].tolist() == [20.0, 20.0]


def test_plan_records_review_periods(tmp_path: Path) -> None:
    """(R,s,S) and (R,S) plans keep their review periods through save/load."""
    from planner.inventory import optimize_RS, optimize_RsS

    a = StockPlan.from_policies(
        ["a", "b"],
        ["x", "x"],
        optimize_RsS([1.0, 2.0], 1.0, 9.0, 10.0, review_period=[2, 3]),
    )
    assert a.policy.tolist() == ["RsS", "RsS"]
    assert a.review_period.tolist() == [2.0, 3.0]
    b = StockPlan.from_policies(
        ["a"], ["y"], optimize_RS(1.0, 1.0, 9.0, 10.0, review_period=4), review_period=4
    )
    assert (b.policy[0], b.review_period[0]) == ("RS", 4.0)
    back = StockPlan.load(a.save(tmp_path / "rss"))
    assert back.review_period.tolist() == [2.0, 3.0]


def test_plan_stock_from_catalogue_arrays() -> None:
    """plan_stock prices rows with CostRates and matches the optimizers directly."""
    from planner.inventory import optimize_base_stock, plan_stock

    rates = CostRates()
    mu = np.array([2.0, 0.3, 5.0])
    value = np.array([100.0, 800.0, 20.0])
    plan = plan_stock(["a", "b", "c"], ["x", "x", "y"], mu, value, rates=rates)
    prm = inventory_cost_parameters(value, rates, period_days=7.0)
    direct = optimize_sS(
        mu, prm["holding_cost"], prm["backorder_cost"], prm["fixed_cost"]
    )
    assert plan.order_up_to.tolist() == direct.S.tolist()
    bs = plan_stock(
        ["a", "b", "c"],
        ["x", "x", "y"],
        mu,
        value,
        policy="base_stock",
        lead_time=1,
        fill_rate=0.95,
    )
    ref = optimize_base_stock(
        mu, prm["holding_cost"], prm["backorder_cost"], lead_time=1, fill_rate=0.95
    )
    assert bs.order_up_to.tolist() == ref.S.tolist()
    assert np.all(bs.fill_rate >= 0.95)
    rq = plan_stock(
        ["a", "b", "c"],
        ["x", "x", "y"],
        mu,
        value,
        policy="rQ",
        lead_time=1,
        fill_rate=0.9,
    )
    assert np.all(rq.fill_rate >= 0.9)
    with pytest.raises(InputError, match="policy"):
        plan_stock(["a"], ["x"], [1.0], [1.0], policy="weekly")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="unit_cost"):
        plan_stock(["a"], ["x"], [1.0], [0.0])
