"""Every analytic metric agrees with the Monte-Carlo evaluator within its CI.

Each example checks several metrics at once, so the confidence level is
Bonferroni-adjusted: the family of checks in one example holds jointly with
95 % confidence (each single check at 1 - 0.05 / n_checks).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.inventory import (
    SimulatedMetrics,
    evaluate_base_stock_compound,
    evaluate_rQ,
    evaluate_sS,
    optimize_sS,
    simulate_rQ,
    simulate_sS,
)

CHECKED = ("cost", "fill_rate", "ready_rate", "backorders", "on_hand", "order_rate")


def assert_within_ci(
    analytic: object, sim: SimulatedMetrics, names: tuple[str, ...]
) -> None:
    """Analytic values lie in the simulation's (family-wise 95 %) intervals."""
    n_checks = len(names) * len(sim.mean("cost"))
    level = 1.0 - 0.05 / n_checks
    for k in names:
        a = np.asarray(getattr(analytic, k))
        m, hw = sim.mean(k), sim.half_width(k, level)
        bad = np.abs(a - m) > hw + 1e-9
        assert not bad.any(), f"{k}: analytic {a[bad]} vs sim {m[bad]} +- {hw[bad]}"


@settings(max_examples=4)
@given(
    mu=st.floats(0.3, 5.0),
    h=st.floats(0.5, 3.0),
    ratio=st.floats(1.5, 15.0),
    K=st.floats(0.0, 30.0),
    L=st.integers(0, 2),
    use_opt=st.booleans(),
    gap=st.integers(1, 6),
)
def test_sS_metrics_within_simulation_ci(
    mu: float, h: float, ratio: float, K: float, L: int, use_opt: bool, gap: int
) -> None:
    """(s,S) with lead time: cost, fill, ready, backorders, on hand, orders."""
    if use_opt:
        pol = optimize_sS(mu, h, h * ratio, K, lead_time=L)
        s, S = int(pol.s[0]), int(pol.S[0])
    else:
        s = int(mu * (L + 1))
        S = s + gap
    an = evaluate_sS(s, S, mu, h, h * ratio, K, lead_time=L)
    sim = simulate_sS(
        s, S, mu, h, h * ratio, K, lead_time=L, n_periods=2000, n_reps=12, seed=7
    )
    assert_within_ci(an, sim, CHECKED)


def test_many_parts_at_once_and_seeded() -> None:
    """Several parts in one run; the same seed gives identical results."""
    s, S = np.array([1, 4, -1]), np.array([5, 6, 2])
    mu, L = np.array([1.0, 3.0, 0.4]), np.array([0, 1, 3])
    a = simulate_sS(s, S, mu, 1.0, 9.0, 4.0, lead_time=L, n_periods=2500, n_reps=8)
    b = simulate_sS(s, S, mu, 1.0, 9.0, 4.0, lead_time=L, n_periods=2500, n_reps=8)
    np.testing.assert_array_equal(a.values["cost"], b.values["cost"])
    an = evaluate_sS(s, S, mu, 1.0, 9.0, 4.0, lead_time=L)
    assert_within_ci(an, a, CHECKED)
    df = a.to_frame()
    assert set(df.columns) == {"part", "kpi", "mean", "ci_low", "ci_high", "n_reps"}


def test_compound_base_stock_within_ci() -> None:
    """Compound Poisson base stock: analytic unit fill rate etc. match simulation."""
    u = [0.5, 0.3, 0.2]
    an = evaluate_base_stock_compound([5, 3], [1.7, 0.6], u, 1.0, 9.0, lead_time=[0, 1])
    sim = simulate_sS(
        [4, 2],
        [5, 3],
        [1.7, 0.6],
        1.0,
        9.0,
        0.0,
        lead_time=[0, 1],
        unit_pmf=u,
        n_periods=2500,
        n_reps=16,
        seed=3,
    )
    assert_within_ci(
        an, sim, ("cost", "fill_rate", "ready_rate", "backorders", "on_hand")
    )


def test_rq_within_ci() -> None:
    """Continuous-review (r,Q): event simulation agrees with the exact metrics."""
    r, Q, lam, L = [3, 0], [5, 2], [1.5, 0.7], [2.0, 1.3]
    an = evaluate_rQ(r, Q, lam, 20.0, 150.0, 100.0, lead_time=L)
    sim = simulate_rQ(
        r, Q, lam, 20.0, 150.0, 100.0, lead_time=L, horizon=4000, n_reps=8, seed=5
    )
    assert_within_ci(an, sim, CHECKED)


def test_simulator_detects_a_wrong_value() -> None:
    """The check can fail: a cost 3 % off lies outside the interval."""
    sim = simulate_sS(4, 10, 6.0, 1, 4, 5, n_periods=4000, n_reps=8, seed=2)
    an = evaluate_sS(4, 10, 6.0, 1, 4, 5)
    wrong = an.cost * 1.03
    with pytest.raises(AssertionError):
        assert np.all(np.abs(wrong - sim.mean("cost")) <= sim.half_width("cost"))


def test_compound_sS_within_ci() -> None:
    """Compound Poisson (s,S) with lead time: exact metrics match simulation."""
    u = [0.5, 0.3, 0.2]
    s, S, rate, L = [3, 1], [9, 6], [1.2, 0.5], [1, 2]
    an = evaluate_sS(s, S, rate, 1.0, 9.0, 10.0, lead_time=L, unit_pmf=u)
    sim = simulate_sS(
        s,
        S,
        rate,
        1.0,
        9.0,
        10.0,
        lead_time=L,
        unit_pmf=u,
        n_periods=2500,
        n_reps=16,
        seed=8,
    )
    assert_within_ci(an, sim, CHECKED)
