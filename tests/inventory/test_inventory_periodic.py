"""(R,S) periodic review: reduces to base stock, brute force, simulation CI."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import t as student_t

from planner.inventory import (
    evaluate_base_stock,
    evaluate_RS,
    optimize_base_stock,
    optimize_RS,
    simulate_sS,
)


def test_review_period_one_is_base_stock() -> None:
    """R = 1 and K = 0: the same S and metrics as periodic base stock."""
    mu = np.array([0.4, 2.0, 9.0])
    a = optimize_RS(mu, 1.0, 9.0, 0.0, review_period=1, lead_time=2)
    b = optimize_base_stock(mu, 1.0, 9.0, lead_time=2)
    assert a.S.tolist() == b.S.tolist()
    m = evaluate_base_stock(a.S, mu, 1.0, 9.0, lead_time=2)
    np.testing.assert_allclose(a.metrics.fill_rate, m.fill_rate, rtol=1e-12)
    np.testing.assert_allclose(a.metrics.cost, m.cost, rtol=1e-12)


@pytest.mark.parametrize(("R", "L"), [(2, 0), (4, 1), (7, 3)])
def test_rs_optimum_and_targets_by_brute_force(R: int, L: int) -> None:
    """S minimizes the exact cost over 0..80; targets give the smallest such S."""
    mu = 1.7
    r = optimize_RS(mu, 1.0, 6.0, 3.0, review_period=R, lead_time=L)
    grid = np.arange(0, 81)
    m = evaluate_RS(grid, mu, 1.0, 6.0, 3.0, review_period=R, lead_time=L)
    assert r.S[0] == grid[np.argmin(m.cost)]
    t = optimize_RS(mu, 1.0, 6.0, 3.0, review_period=R, lead_time=L, fill_rate=0.99)
    ok = grid[m.fill_rate >= 0.99]
    assert t.S[0] == max(ok.min(), r.S[0])
    u = optimize_RS(mu, 1.0, 6.0, 3.0, review_period=R, lead_time=L, ready_rate=0.97)
    ok = grid[m.ready_rate >= 0.97]
    assert u.S[0] == max(ok.min(), r.S[0])


def test_rs_metrics_within_simulation_ci() -> None:
    """Exact (R,S) metrics lie in the simulation's family-wise 95 % intervals."""
    mu, R, L = np.array([2.0, 0.5, 5.0]), np.array([1, 4, 3]), np.array([1, 0, 2])
    r = optimize_RS(mu, 1.0, 9.0, 5.0, review_period=R, lead_time=L)
    sim = simulate_sS(
        r.S - 1,
        r.S,
        mu,
        1.0,
        9.0,
        5.0,
        lead_time=L,
        review_period=R,
        n_periods=3000,
        n_reps=10,
        seed=2,
    )
    names = ("cost", "fill_rate", "ready_rate", "backorders", "on_hand", "order_rate")
    level = 1 - 0.05 / (len(names) * 3)
    for k in names:
        hw = sim.half_width(k, level)
        # 1e-6: a metric that never varies in the simulation has a zero-width CI
        assert np.all(np.abs(getattr(r.metrics, k) - sim.mean(k)) <= hw + 1e-6), k
    assert student_t.ppf(0.975, 9) > 2


def test_RsS_reduces_to_sS_and_beats_RS() -> None:
    """R = 1 gives the (s,S) optimum; for R > 1 (R,s,S) is never worse than (R,S)."""
    from planner.inventory import optimize_RsS, optimize_sS

    mu = np.array([2.0, 0.5, 5.0])
    a = optimize_RsS(mu, 1.0, 9.0, 30.0, review_period=1, lead_time=1)
    b = optimize_sS(mu, 1.0, 9.0, 30.0, lead_time=1)
    assert a.s.tolist() == b.s.tolist()
    assert a.S.tolist() == b.S.tolist()
    np.testing.assert_allclose(a.cost, b.cost, rtol=1e-12)
    R, L = np.array([2, 4, 3]), np.array([1, 0, 2])
    c = optimize_RsS(mu, 1.0, 9.0, 30.0, review_period=R, lead_time=L)
    d = optimize_RS(mu, 1.0, 9.0, 30.0, review_period=R, lead_time=L)
    assert np.all(c.cost <= d.cost + 1e-9)


@pytest.mark.parametrize(("R", "L"), [(2, 1), (4, 0)])
def test_RsS_optimum_matches_brute_force(R: int, L: int) -> None:
    """No (s,S) in a wide box, reviewed every R periods, is cheaper."""
    from planner.inventory import evaluate_RsS, optimize_RsS

    mu = np.array([2.0, 0.6])
    r = optimize_RsS(mu, 1.0, 9.0, 30.0, review_period=R, lead_time=L)
    sg, Sg = np.meshgrid(np.arange(-5, 35), np.arange(-4, 60), indexing="ij")
    keep = Sg > sg
    for i in range(2):
        c = evaluate_RsS(
            sg[keep], Sg[keep], mu[i], 1.0, 9.0, 30.0, review_period=R, lead_time=L
        ).cost
        assert r.cost[i] == pytest.approx(c.min(), rel=1e-12)
    np.testing.assert_allclose(r.evaluate().cost, r.cost, rtol=1e-12)


def test_RsS_metrics_within_simulation_ci() -> None:
    """Exact (R,s,S) metrics lie in the simulation's family-wise 95 % intervals."""
    from planner.inventory import optimize_RsS

    mu, R, L = np.array([2.0, 0.5, 5.0]), np.array([2, 4, 3]), np.array([1, 0, 2])
    r = optimize_RsS(mu, 1.0, 9.0, 30.0, review_period=R, lead_time=L)
    an = r.evaluate()
    sim = simulate_sS(
        r.s,
        r.S,
        mu,
        1.0,
        9.0,
        30.0,
        lead_time=L,
        review_period=R,
        n_periods=3000,
        n_reps=10,
        seed=4,
    )
    names = ("cost", "fill_rate", "ready_rate", "backorders", "on_hand", "order_rate")
    level = 1 - 0.05 / (len(names) * 3)
    for k in names:
        hw = sim.half_width(k, level)
        assert np.all(np.abs(getattr(an, k) - sim.mean(k)) <= hw + 1e-6), k
