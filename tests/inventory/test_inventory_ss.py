"""Periodic-review (s,S): published optima, brute force, Markov-chain oracle."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from scipy.stats import poisson

from planner.core.errors import InputError
from planner.inventory import evaluate_sS, optimize_sS

# Zheng & Federgruen (1991) test bed, h=1, p=9, K=64 (as pinned in stockpyl's tests)
ZF_MU = [*range(10, 80, 5), 21, 22, 23, 24, 51, 52, 59, 61, 63, 64]
ZF_S_LOW = [6, 10, 14, 19, 23, 28, 33, 37, 42, 47, 52, 56, 62, 67]
ZF_S_LOW += [15, 16, 17, 18, 43, 44, 51, 52, 54, 55]
ZF_S_UP = [40, 49, 62, 56, 66, 77, 87, 97, 108, 118, 129, 75, 81, 86]
ZF_S_UP += [65, 68, 52, 54, 110, 112, 126, 131, 73, 74]
ZF_COST = [35.022, 42.698, 49.173, 54.262, 57.819, 61.215, 64.512, 67.776]
ZF_COST += [70.975, 74.149, 77.306, 78.518, 79.037, 79.554, 50.406, 51.632]
ZF_COST += [52.757, 53.518, 71.611, 72.246, 76.679, 77.929, 78.287, 78.402]


def markov_cost(
    s: int, S: int, mu: float, h: float, p: float, K: float, L: int
) -> tuple[float, float, float]:
    """Cost, fill rate and ready rate from the stationary law of the position.

    Independent of the renewal recursion: builds the transition matrix of the
    inventory position after ordering on s+1..S and solves for its stationary
    distribution; expectations are explicit sums over a truncated support.
    """
    states = np.arange(s + 1, S + 1)
    n = len(states)
    P = np.zeros((n, n))
    for i, y in enumerate(states):
        for k, z in enumerate(states):
            P[i, k] = poisson.pmf(y - z, mu)  # no order: y -> y - d
        P[i, -1] += poisson.sf(y - s - 1, mu)  # d >= y - s: order up to S
    A = np.vstack([P.T - np.eye(n), np.ones(n)])
    rhs = np.zeros(n + 1)
    rhs[-1] = 1.0
    pi = np.linalg.lstsq(A, rhs, rcond=None)[0]
    d = np.arange(0, int(mu * (L + 1) + 40 * np.sqrt(mu * (L + 1) + 1) + 60))
    f1 = poisson.pmf(d, mu * (L + 1))
    f0 = poisson.pmf(d, mu * L) if L > 0 else (d == 0).astype(float)
    order_prob = sum(pi[i] * poisson.sf(y - s - 1, mu) for i, y in enumerate(states))
    cost = K * order_prob
    short = 0.0
    ready = 0.0
    for i, y in enumerate(states):
        cost += pi[i] * np.sum(
            f1 * (h * np.maximum(y - d, 0) + p * np.maximum(d - y, 0))
        )
        short += pi[i] * (
            np.sum(f1 * np.maximum(d - y, 0)) - np.sum(f0 * np.maximum(d - y, 0))
        )
        ready += pi[i] * np.sum(f1[d <= y])
    return float(cost), 1.0 - short / mu, float(ready)


def test_zheng_federgruen_test_bed() -> None:
    """All 24 ZF (1991) instances: (s,S) exact and cost to the printed 3 digits."""
    r = optimize_sS(ZF_MU, 1, 9, 64)
    assert r.s.tolist() == ZF_S_LOW
    assert r.S.tolist() == ZF_S_UP
    assert np.round(r.cost, 3).tolist() == ZF_COST


def test_snyder_shen_example_4_7_and_problem_4_31() -> None:
    """Ex 4.7 -> (4,10) cost 8.0341; Prob 4.31 -> (2,7) cost 223.575."""
    r = optimize_sS([6, 4], [1, 40], [4, 125], [5, 150])
    assert r.s.tolist() == [4, 2]
    assert r.S.tolist() == [10, 7]
    assert round(float(r.cost[0]), 4) == 8.0341
    assert round(float(r.cost[1]), 3) == 223.575


def test_scalars_give_length_one_arrays() -> None:
    """Scalar inputs give arrays of length 1; the result evaluates to its cost."""
    r = optimize_sS(10, 1, 9, 64, lead_time=0)
    assert r.s.shape == r.S.shape == r.cost.shape == (1,)
    assert not r.s.flags.writeable
    np.testing.assert_allclose(r.evaluate().cost, r.cost, rtol=1e-12)
    assert "SSPolicies" in str(r)
    assert list(r.to_frame().columns)[-3:] == ["s", "S", "cost"]


@pytest.mark.parametrize("L", [0, 1, 3])
def test_evaluation_matches_markov_chain(L: int) -> None:
    """Cost, fill and ready rate equal a Markov-chain computation (with lead time)."""
    cases = [
        (2, 9, 3.0, 1.0, 6.0, 10.0),
        (-1, 4, 0.7, 2.0, 5.0, 3.0),
        (5, 6, 4.0, 1, 9, 0),
    ]
    for s, S, mu, h, p, K in cases:
        m = evaluate_sS(s, S, mu, h, p, K, lead_time=L)
        cost, fill, ready = markov_cost(s, S, mu, h, p, K, L)
        assert m.cost[0] == pytest.approx(cost, rel=1e-9)
        assert m.fill_rate[0] == pytest.approx(fill, rel=1e-9)
        assert m.ready_rate[0] == pytest.approx(ready, rel=1e-9)


@pytest.mark.parametrize("L", [0, 2])
def test_optimum_matches_brute_force(seed: int, L: int) -> None:
    """On random small parts, no (s,S) in a wide box beats the optimizer."""
    rng = np.random.default_rng(seed)
    n = 6
    mu = rng.uniform(0.2, 6, n)
    h = rng.uniform(0.5, 3, n)
    p = h * rng.uniform(1.5, 20, n)
    K = rng.uniform(0, 60, n)
    r = optimize_sS(mu, h, p, K, lead_time=L)
    s_grid, S_grid = np.meshgrid(np.arange(-15, 40), np.arange(-14, 60), indexing="ij")
    keep = S_grid > s_grid
    sg, Sg = s_grid[keep], S_grid[keep]
    for i in range(n):
        c = evaluate_sS(sg, Sg, mu[i], h[i], p[i], K[i], lead_time=L).cost
        assert r.cost[i] <= c.min() + 1e-9
        assert r.cost[i] == pytest.approx(c.min(), rel=1e-12)


def test_zero_demand_and_zero_fixed_cost() -> None:
    """No demand: (-1, 0) at cost 0; K = 0 gives a base-stock policy S = s + 1."""
    r = optimize_sS([0.0, 5.0], 1.0, 9.0, [10.0, 0.0])
    assert (int(r.s[0]), int(r.S[0]), float(r.cost[0])) == (-1, 0, 0.0)
    assert int(r.S[1]) == int(r.s[1]) + 1
    assert int(r.S[1]) == int(poisson.ppf(0.9, 5.0))


def test_identical_to_stockpyl(seed: int) -> None:
    """Same optima as stockpyl's Zheng-Federgruen on a few random parts."""
    ss = pytest.importorskip("stockpyl.ss")
    rng = np.random.default_rng(seed + 1)
    n = 4
    mu = rng.uniform(0.1, 30, n)
    h = rng.uniform(0.5, 5, n)
    p = h * rng.uniform(2, 30, n)
    K = rng.uniform(1, 200, n)
    r = optimize_sS(mu, h, p, K)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for i in range(n):
            s, S, c = ss.s_s_discrete_exact(h[i], p[i], K[i], True, mu[i])
            assert (int(s), int(S)) == (int(r.s[i]), int(r.S[i]))
            assert c == pytest.approx(r.cost[i], rel=1e-9)


@pytest.mark.slow
def test_identical_to_stockpyl_20_parts(seed: int) -> None:
    """Twenty random parts (means 0.1..60): same optima as stockpyl."""
    ss = pytest.importorskip("stockpyl.ss")
    rng = np.random.default_rng(seed + 2)
    n = 20
    mu = rng.uniform(0.1, 60, n)
    h = rng.uniform(0.5, 5, n)
    p = h * rng.uniform(2, 50, n)
    K = rng.uniform(1, 500, n)
    r = optimize_sS(mu, h, p, K)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for i in range(n):
            s, S, c = ss.s_s_discrete_exact(h[i], p[i], K[i], True, mu[i])
            assert (int(s), int(S)) == (int(r.s[i]), int(r.S[i]))
            assert c == pytest.approx(r.cost[i], rel=1e-9)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"demand_mean": [1.0, float("nan")]}, "demand_mean"),
        ({"holding_cost": -1.0}, "holding_cost"),
        ({"backorder_cost": 0.0}, "backorder_cost"),
        ({"fixed_cost": [1.0, -2.0]}, "fixed_cost"),
        ({"lead_time": "two"}, "lead_time"),
        ({"lead_time": 1.5}, "lead_time"),
        ({"demand_mean": [1.0, 2.0, 3.0]}, "demand_mean"),
    ],
)
def test_bad_input_names_the_field(kwargs: dict[str, object], field: str) -> None:
    """Bad rates, costs and lead times raise one InputError naming the field."""
    args: dict[str, object] = {
        "demand_mean": [1.0, 2.0],
        "holding_cost": 1.0,
        "backorder_cost": 9.0,
        "fixed_cost": [1.0, 2.0],
    }
    lead = kwargs.pop("lead_time", 0)
    args.update(kwargs)
    with pytest.raises(InputError, match=field):
        optimize_sS(
            args["demand_mean"],  # type: ignore[arg-type]
            args["holding_cost"],  # type: ignore[arg-type]
            args["backorder_cost"],  # type: ignore[arg-type]
            args["fixed_cost"],  # type: ignore[arg-type]
            lead_time=lead,  # type: ignore[arg-type]
        )


def test_compound_with_single_units_equals_poisson() -> None:
    """unit_pmf = [1] (one unit per repair) reproduces the ZF test bed exactly."""
    r = optimize_sS(ZF_MU[:6], 1, 9, 64, unit_pmf=[1.0])
    assert r.s.tolist() == ZF_S_LOW[:6]
    assert r.S.tolist() == ZF_S_UP[:6]
    np.testing.assert_allclose(r.cost, optimize_sS(ZF_MU[:6], 1, 9, 64).cost, rtol=1e-9)


@pytest.mark.parametrize("L", [0, 2])
def test_compound_optimum_matches_brute_force(L: int) -> None:
    """Compound Poisson (1-3 units per repair): no (s,S) in a box is cheaper."""
    u = np.array([[0.6, 0.3, 0.1], [0.2, 0.3, 0.5]])
    rate = np.array([1.5, 0.8])
    r = optimize_sS(rate, 1.0, [6.0, 12.0], [20.0, 8.0], lead_time=L, unit_pmf=u)
    s_grid, S_grid = np.meshgrid(np.arange(-10, 35), np.arange(-9, 60), indexing="ij")
    keep = S_grid > s_grid
    sg, Sg = s_grid[keep], S_grid[keep]
    for i in range(2):
        c = evaluate_sS(
            sg,
            Sg,
            rate[i],
            1.0,
            [6.0, 12.0][i],
            [20.0, 8.0][i],
            lead_time=L,
            unit_pmf=u[i],
        ).cost
        assert r.cost[i] == pytest.approx(c.min(), rel=1e-12)
    np.testing.assert_allclose(r.evaluate().cost, r.cost, rtol=1e-12)


def test_power_approximation_example_4_8_and_stockpyl() -> None:
    """Ex 4.8 (normal, power approximation): s=40.19, S=74.29; and stockpyl agrees."""
    from planner.inventory import power_approximation_sS

    s, S = power_approximation_sS(50, 8, 0.18, 0.70, 2.5)
    assert (round(float(s[0]), 2), round(float(S[0]), 2)) == (40.19, 74.29)
    ss = pytest.importorskip("stockpyl.ss")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = ss.s_s_power_approximation(1.0, 9.0, 40.0, 20.0, 5.0)
    s2, S2 = power_approximation_sS(20.0, 5.0, 1.0, 9.0, 40.0)
    assert (s2[0], S2[0]) == pytest.approx(ref, rel=1e-12)
