"""(s,S) for discrete (empirical) and normal demand, against independent oracles."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import norm, poisson

from planner.core.errors import InputError
from planner.inventory import (
    evaluate_sS_normal,
    normal_lattice_pmf,
    optimize_sS,
    optimize_sS_discrete,
    optimize_sS_normal,
    power_approximation_sS,
    simulate_sS,
)


def _markov_cost(
    f: np.ndarray, s: int, S: int, h: float, p: float, K: float, L: int
) -> float:
    """Cost per period of (s,S) from the stationary law of the position chain.

    The chain is the position after ordering, on s+1..S: it moves to y - D, or
    back to S (paying K) once y - D <= s. Solved with linear algebra; shares
    nothing with the renewal formulas of the solver.
    """
    states = np.arange(s + 1, S + 1)
    n = len(states)
    P = np.zeros((n, n))
    order = np.zeros(n)
    for a, y in enumerate(states):
        for d, prob in enumerate(f):
            nxt = y - d
            if nxt <= s:
                P[a, n - 1] += prob
                order[a] += prob
            else:
                P[a, nxt - s - 1] += prob
    A = np.vstack([P.T - np.eye(n), np.ones(n)])
    b = np.zeros(n + 1)
    b[-1] = 1.0
    pi = np.linalg.lstsq(A, b, rcond=None)[0]
    g = np.array([1.0])
    for _ in range(L + 1):
        g = np.convolve(g, f)
    x = np.arange(len(g))
    G = np.array(
        [
            (g * (h * np.maximum(y - x, 0) + p * np.maximum(x - y, 0))).sum()
            for y in states
        ]
    )
    return float(pi @ (G + K * order))


def test_discrete_with_poisson_rows_is_optimize_sS() -> None:
    """Poisson pmf rows through the discrete solver give optimize_sS's answers."""
    rng = np.random.default_rng(5)
    n = 40
    mu = rng.uniform(0.2, 25, n)
    h = rng.uniform(0.5, 3, n)
    p = rng.uniform(2, 30, n)
    K = rng.uniform(0, 80, n)
    L = rng.integers(0, 4, n)
    f = poisson.pmf(np.arange(120)[None, :], mu[:, None])
    f /= f.sum(axis=1, keepdims=True)
    a = optimize_sS_discrete(f, h, p, K, lead_time=L)
    b = optimize_sS(mu, h, p, K, lead_time=L)
    np.testing.assert_array_equal(a.s, b.s)
    np.testing.assert_array_equal(a.S, b.S)
    np.testing.assert_allclose(a.cost, b.cost, rtol=1e-9)


@pytest.mark.parametrize("seed", range(6))
def test_discrete_optimum_matches_markov_brute_force(seed: int) -> None:
    """On random empirical pmfs the optimum equals a brute force over (s,S).

    Every (s,S) in a generous box is priced by the stationary distribution
    of the position chain (an independent evaluator).
    """
    rng = np.random.default_rng(seed)
    k = int(rng.integers(3, 8))
    f = rng.dirichlet(np.ones(k) * 0.7)
    if f[0] > 0.9:
        f = np.roll(f, 1)
    h, p, K = (
        float(rng.uniform(0.5, 2)),
        float(rng.uniform(2, 15)),
        float(rng.uniform(1, 40)),
    )
    L = int(rng.integers(0, 3))
    r = optimize_sS_discrete(f, h, p, K, lead_time=L)
    mean = float(f @ np.arange(k))
    lo, hi = -5, int(mean * (L + 1) + 6 * k + 15)
    best = min(
        (_markov_cost(f, s, S, h, p, K, L), s, S)
        for s in range(lo, hi)
        for S in range(s + 1, hi + 1)
    )
    assert r.cost[0] == pytest.approx(best[0], rel=1e-9)
    assert _markov_cost(f, int(r.s[0]), int(r.S[0]), h, p, K, L) == pytest.approx(
        best[0], rel=1e-9
    )


def _random_normal_parts(seed: int, n: int) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(seed)
    mu = rng.uniform(2, 40, n)
    sd = mu * rng.uniform(0.15, 0.6, n)
    h = rng.uniform(0.5, 2, n)
    p = rng.uniform(2, 20, n)
    K = rng.uniform(5, 100, n)
    L = rng.integers(0, 3, n)
    return mu, sd, h, p, K, L


def test_normal_lattice_pmf_moments() -> None:
    """The lattice pmf keeps the mean and (Sheppard) variance of N(mu, sd)."""
    f = normal_lattice_pmf([30.0, 12.0], [5.0, 3.0], [0.25, 0.5])
    x = np.arange(f.shape[1])
    mean = f @ x
    var = f @ x**2 - mean**2
    np.testing.assert_allclose(f.sum(axis=1), 1.0, atol=1e-12)
    # E[max(D, 0)] = mu Phi(mu/sd) + sd phi(mu/sd)
    m, s = np.array([30.0, 12.0]), np.array([5.0, 3.0])
    censored = m * norm.cdf(m / s) + s * norm.pdf(m / s)
    np.testing.assert_allclose(mean * [0.25, 0.5], censored, rtol=1e-7)
    sheppard = np.array([5.0**2 / 0.25**2, 3.0**2 / 0.5**2]) + 1 / 12
    np.testing.assert_allclose(var, sheppard, rtol=1e-4)


def test_normal_optimum_converges_as_the_step_shrinks() -> None:
    """The default step's policy costs within 5e-4 of a 4x finer lattice's.

    Both policies are priced on the finest lattice, so this measures the
    loss from optimizing on the coarser one.
    """
    mu, sd, h, p, K, L = _random_normal_parts(1, 12)
    r = optimize_sS_normal(mu, sd, h, p, K, lead_time=L)
    fine = optimize_sS_normal(mu, sd, h, p, K, lead_time=L, step=sd / 64)
    c_r = evaluate_sS_normal(r.s, r.S, mu, sd, h, p, K, lead_time=L, step=sd / 64)
    np.testing.assert_allclose(c_r.cost, fine.cost, rtol=5e-4)
    assert np.all(c_r.cost >= fine.cost * (1 - 2e-4))
    np.testing.assert_allclose(r.cost, fine.cost, rtol=5e-4)


def test_normal_metrics_agree_with_simulated_continuous_demand() -> None:
    """Every metric of the optimum agrees with a simulation of N(mu, sd) demand.

    The simulation draws continuous normal demand per period (censored at 0)
    and runs the real-valued (s,S); analytic values must lie within 3 CI
    half-widths (plus 1e-3 slack for rates near their bounds).
    """
    mu, sd, h, p, K, L = _random_normal_parts(2, 6)
    r = optimize_sS_normal(mu, sd, h, p, K, lead_time=L)
    m = r.evaluate()
    np.testing.assert_allclose(m.cost, r.cost, rtol=1e-12)
    sim = simulate_sS(
        r.s, r.S, mu, h, p, K, lead_time=L, demand_sd=sd, n_periods=20_000, seed=3
    )
    for name in (
        "cost",
        "fill_rate",
        "ready_rate",
        "backorders",
        "on_hand",
        "order_rate",
    ):
        ours = m.cost if name == "cost" else getattr(m, name)
        gap = np.abs(ours - sim.mean(name))
        assert np.all(gap <= 3 * sim.half_width(name) + 1e-3), (name, gap)


def test_normal_optimum_beats_the_power_approximation() -> None:
    """No part's optimum costs more than the power approximation's policy."""
    mu, sd, h, p, K, L = _random_normal_parts(3, 30)
    r = optimize_sS_normal(mu, sd, h, p, K, lead_time=L)
    s, S = power_approximation_sS(mu, sd, h, p, K, lead_time=L)
    ok = s < S
    c = evaluate_sS_normal(
        s[ok], S[ok], mu[ok], sd[ok], h[ok], p[ok], K[ok], lead_time=L[ok]
    )
    assert np.all(r.cost[ok] <= c.cost * (1 + 1e-9))


def test_normal_optimum_is_a_local_minimum_on_a_grid() -> None:
    """Moving s or S by a fraction of sd never lowers the cost (beyond 2e-4)."""
    mu, sd, h, p, K = 20.0, 6.0, 1.0, 9.0, 40.0
    r = optimize_sS_normal(mu, sd, h, p, K, lead_time=1)
    ds = np.linspace(-3, 3, 13)
    s = (r.s[0] + ds[:, None] + 0 * ds[None, :]).ravel()
    S = (r.S[0] + 0 * ds[:, None] + ds[None, :]).ravel()
    c = evaluate_sS_normal(s, S, mu, sd, h, p, K, lead_time=1)
    assert c.cost.min() >= r.cost[0] * (1 - 2e-4)


def test_policies_frame_and_round_trip_through_evaluate() -> None:
    """The result keeps sd and real s, S; its frame has a demand_sd column."""
    r = optimize_sS_normal([10.0, 30.0], [3.0, 5.0], 1.0, 5.0, 20.0)
    assert r.s.dtype == np.float64
    assert r.demand_sd is not None
    df = r.to_frame()
    assert list(df["demand_sd"]) == [3.0, 5.0]
    assert np.all(r.s < r.S)


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda: optimize_sS_normal(10, 0, 1, 5, 20), "demand_sd"),
        (lambda: optimize_sS_normal(10, 2, 1, 5, 20, step=-1), "step"),
        (lambda: optimize_sS_normal(10, 2, float("nan"), 5, 20), "holding_cost"),
        (lambda: evaluate_sS_normal(5, 5, 10, 2, 1, 5, 20), "S"),
        (lambda: optimize_sS_discrete([0.5, 0.2], 1, 5, 20), "period_pmf"),
        (lambda: optimize_sS_discrete([1.0, 0.0], 1, 5, 20), "period_pmf"),
    ],
)
def test_bad_input_names_the_field(call: object, field: str) -> None:
    """Bad arguments raise one InputError naming the field."""
    with pytest.raises(InputError, match=field):
        call()  # type: ignore[operator]
