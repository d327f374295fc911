"""Service-constrained (r,Q), closed forms, and budget allocation by marginal analysis."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy.stats import poisson

from planner.core.errors import InputError
from planner.inventory import (
    allocate_budget,
    evaluate_rQ,
    optimize_rQ,
    optimize_rQ_service,
    poisson_loss2,
    rq_cost_closed_form,
)


def test_second_order_loss_equals_direct_sum() -> None:
    """sum_{y >= x} E[(D - y)^+] by closed form equals a direct double sum."""
    lam = 3.7
    d = np.arange(300)
    f = poisson.pmf(d, lam)
    for x in range(-4, 15):
        direct = sum(np.sum(f * np.maximum(d - y, 0)) for y in range(x, 200))
        assert float(poisson_loss2(x, lam)) == pytest.approx(
            direct, rel=1e-10, abs=1e-13
        )


def test_closed_form_cost_equals_evaluation() -> None:
    """The O(1) (r,Q) cost equals the window sum of evaluate_rQ."""
    r = np.array([-3, 0, 2, 7])
    Q = np.array([1, 4, 9, 3])
    c = rq_cost_closed_form(r, Q, 2.0, 2.0 * 1.5, 1.0, 7.0, 12.0)
    m = evaluate_rQ(r, Q, 2.0, 1.0, 7.0, 12.0, lead_time=1.5)
    np.testing.assert_allclose(c, m.cost, rtol=1e-10)


@pytest.mark.parametrize("kind", ["fill_rate", "ready_rate"])
def test_service_constrained_rq_matches_brute_force(seed: int, kind: str) -> None:
    """No (r,Q) in a wide box meeting the target is cheaper than the optimizer's."""
    rng = np.random.default_rng(seed + 20)
    n = 5
    lam = rng.uniform(0.2, 6, n)
    h = rng.uniform(0.5, 3, n)
    p = h * rng.uniform(1.5, 10, n)
    K = rng.uniform(0, 40, n)
    L = rng.uniform(0.2, 2.5, n)
    target = rng.uniform(0.85, 0.995, n)
    res = optimize_rQ_service(lam, h, p, K, lead_time=L, **{kind: target})
    got = getattr(res.evaluate(), kind)
    assert np.all(got >= target - 1e-12)
    rg, Qg = np.meshgrid(np.arange(-10, 45), np.arange(1, 60), indexing="ij")
    rg, Qg = rg.ravel(), Qg.ravel()
    for i in range(n):
        m = evaluate_rQ(rg, Qg, lam[i], h[i], p[i], K[i], lead_time=L[i])
        ok = getattr(m, kind) >= target[i]
        assert res.cost[i] == pytest.approx(m.cost[ok].min(), rel=1e-10)
    free = optimize_rQ(lam, h, p, K, lead_time=L)
    assert np.all(res.cost >= free.cost - 1e-9)


def test_allocation_equal_costs_is_optimal_by_brute_force() -> None:
    """With equal unit costs the greedy allocation minimizes total EBO exactly."""
    mu = np.array([0.4, 1.3, 2.2])
    a = allocate_budget(mu, 1.0, 7.0, lead_time=1.0)
    best = min(
        poisson_expected_backorders(np.array(S), mu)
        for S in itertools.product(range(8), repeat=3)
        if sum(S) <= 7
    )
    assert a.backorders.sum() == pytest.approx(best, rel=1e-12)
    assert a.spent <= 7.0
    assert np.all(np.diff(a.curve["backorders"]) <= 1e-12)


def poisson_expected_backorders(S: np.ndarray, lam: np.ndarray) -> float:
    """Total E[(D - S)^+] by explicit sums (test oracle)."""
    d = np.arange(100)
    return float(
        sum(
            np.sum(poisson.pmf(d, m) * np.maximum(d - s, 0))
            for s, m in zip(S, lam, strict=True)
        )
    )


def test_allocation_reports_unmet_targets_per_part() -> None:
    """Targets the budget cannot cover are flagged per part, never relaxed."""
    a = allocate_budget([2.0, 2.0], [1.0, 50.0], 10.0, lead_time=1.0, ready_rate=0.95)
    assert a.target_met.tolist() == [True, False]
    assert a.ready_rate[0] >= 0.95
    assert "targets unmet 1" in a.summary()


def test_bad_service_input() -> None:
    """Targets outside (0, 1) and a negative budget raise InputError."""
    with pytest.raises(InputError, match="fill_rate"):
        optimize_rQ_service(1.0, 1, 2, 3, fill_rate=1.2)
    with pytest.raises(InputError, match="budget"):
        allocate_budget([1.0], [1.0], -5.0)
