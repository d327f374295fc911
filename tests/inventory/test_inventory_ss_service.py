"""Cheapest (s,S) meeting a fill-rate / ready-rate target: brute force, simulation."""

from __future__ import annotations

import numpy as np
import pytest

from planner.core.errors import InputError
from planner.inventory import (
    StockPlan,
    evaluate_sS,
    optimize_sS,
    optimize_sS_service,
    simulate_sS,
)


def _brute(
    mu: float,
    h: float,
    K: float,
    *,
    fill: float | None,
    ready: float | None,
    L: int = 0,
    p: float = 0.0,
    unit_pmf: list[float] | None = None,
    cap: int | None = None,
    lo: int = -12,
    hi: int = 40,
) -> tuple[float, int, int] | None:
    """Cheapest feasible (s,S) on a grid, by the exact evaluation."""
    pairs = [
        (s, S)
        for s in range(lo, hi)
        for S in range(s + 1, hi + 1)
        if cap is None or cap >= S
    ]
    ss, SS = np.array(pairs).T
    m = evaluate_sS(ss, SS, mu, h, p, K, lead_time=L, unit_pmf=unit_pmf)
    ok = np.ones(len(ss), dtype=bool)
    if fill is not None:
        ok &= m.fill_rate >= fill - 1e-12
    if ready is not None:
        ok &= m.ready_rate >= ready - 1e-12
    if not ok.any():
        return None
    c = np.where(ok, m.cost, np.inf)
    i = int(np.argmin(c))
    return float(c[i]), int(ss[i]), int(SS[i])


CASES = [
    # mu, h, K, fill, ready, L, p, unit_pmf, cap
    (6.0, 1.0, 5.0, 0.95, None, 0, 0.0, None, None),
    (1.3, 2.0, 20.0, 0.9, None, 1, 0.0, None, None),
    (0.4, 1.0, 8.0, None, 0.97, 2, 0.0, None, None),
    (2.5, 0.7, 12.0, 0.92, 0.85, 1, 0.0, None, None),
    (2.0, 1.0, 10.0, 0.9, None, 0, 4.0, None, None),
    (1.1, 1.5, 6.0, 0.93, None, 1, 0.0, [0.5, 0.3, 0.2], None),
    (0.8, 1.0, 3.0, None, 0.9, 0, 2.0, [0.6, 0.0, 0.4], None),
    (3.0, 1.0, 10.0, 0.95, None, 1, 0.0, None, 11),
    (3.0, 1.0, 10.0, 0.95, None, 1, 0.0, None, 9),
]


@pytest.mark.parametrize("case", CASES)
def test_matches_brute_force(case: tuple) -> None:  # type: ignore[type-arg]
    """The optimum equals the cheapest feasible policy of a full grid search."""
    mu, h, K, fill, ready, L, p, u, cap = case
    r = optimize_sS_service(
        mu,
        h,
        K,
        fill_rate=fill,
        ready_rate=ready,
        lead_time=L,
        backorder_cost=p,
        unit_pmf=u,
        max_stock=cap,
    )
    b = _brute(mu, h, K, fill=fill, ready=ready, L=L, p=p, unit_pmf=u, cap=cap)
    assert r.target_met is not None
    if b is None:  # nothing within max_stock meets the target
        assert not bool(r.target_met[0])
        return
    assert bool(r.target_met[0])
    assert float(r.cost[0]) == pytest.approx(b[0], rel=1e-9)
    m = r.evaluate()
    assert float(m.cost[0]) == pytest.approx(b[0], rel=1e-9)
    if fill is not None:
        assert m.fill_rate[0] >= fill - 1e-12
    if ready is not None:
        assert m.ready_rate[0] >= ready - 1e-12


def test_vectorized_equals_one_by_one() -> None:
    """A catalogue solved at once gives the same policies as part by part."""
    mu = np.array([0.0, 0.3, 2.0, 7.5, 15.0])
    h = np.array([1.0, 2.0, 0.5, 1.0, 3.0])
    K = np.array([4.0, 10.0, 0.0, 30.0, 100.0])
    fr = np.array([0.9, 0.95, 0.8, 0.99, 0.95])
    r = optimize_sS_service(mu, h, K, fill_rate=fr, lead_time=1)
    for i in range(len(mu)):
        one = optimize_sS_service(mu[i], h[i], K[i], fill_rate=fr[i], lead_time=1)
        assert (int(one.s[0]), int(one.S[0])) == (int(r.s[i]), int(r.S[i]))
    assert r.target_met is not None
    assert r.target_met.all()
    assert (int(r.s[0]), int(r.S[0]), float(r.cost[0])) == (-1, 0, 0.0)


def test_unconstrained_optimum_kept_when_it_meets_the_target() -> None:
    """With a backorder cost, the cost-optimal (s,S) is returned if it is feasible."""
    base = optimize_sS(6, 1, 4, 5)  # Snyder & Shen Ex. 4.7: (4, 10)
    fill = float(base.evaluate().fill_rate[0])
    r = optimize_sS_service(6, 1, 5, backorder_cost=4, fill_rate=fill - 1e-6)
    assert (int(r.s[0]), int(r.S[0])) == (4, 10)
    assert float(r.cost[0]) == pytest.approx(8.0341, abs=5e-5)


def test_unreachable_target_reported_not_relaxed() -> None:
    """A target no S <= max_stock can meet gives target_met False, per part."""
    r = optimize_sS_service(
        [5.0, 5.0], 1.0, 10.0, fill_rate=0.99, lead_time=2, max_stock=[8, 60]
    )
    assert r.target_met is not None
    assert r.target_met.tolist() == [False, True]
    assert (int(r.s[0]), int(r.S[0])) == (7, 8)
    m = r.evaluate()
    assert m.fill_rate[0] < 0.99 <= m.fill_rate[1]
    plan = StockPlan.from_policies(["a", "b"], ["x", "x"], r)
    assert plan.target_met.tolist() == [False, True]


def test_meets_target_in_simulation() -> None:
    """The Monte-Carlo fill rate of the optimum is within its CI of the target or above."""
    mu = np.array([0.7, 3.0, 9.0])
    r = optimize_sS_service(mu, 1.0, [5.0, 20.0, 60.0], fill_rate=0.95, lead_time=1)
    m = r.evaluate()
    sim = simulate_sS(
        r.s,
        r.S,
        mu,
        1.0,
        0.0,
        [5.0, 20.0, 60.0],
        lead_time=1,
        n_periods=4000,
        n_reps=8,
        seed=3,
    )
    est = sim.mean("fill_rate")
    hw = sim.half_width("fill_rate")
    assert np.all(np.abs(est - m.fill_rate) <= hw + 1e-3)
    assert np.all(est + hw >= 0.95)


def test_bad_input() -> None:
    """No target, a target outside (0,1), or a fractional max_stock: InputError."""
    with pytest.raises(InputError, match="target"):
        optimize_sS_service(1.0, 1.0, 1.0)
    with pytest.raises(InputError, match="fill_rate"):
        optimize_sS_service(1.0, 1.0, 1.0, fill_rate=1.2)
    with pytest.raises(InputError, match="max_stock"):
        optimize_sS_service(1.0, 1.0, 1.0, fill_rate=0.9, max_stock=2.5)
    with pytest.raises(InputError, match="holding_cost"):
        optimize_sS_service(1.0, 0.0, 1.0, fill_rate=0.9)
