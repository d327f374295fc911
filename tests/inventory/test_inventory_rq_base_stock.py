"""(r,Q) and base-stock: published values, brute force, explicit sums, stockpyl."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from scipy.stats import norm, poisson

from planner.core.errors import InputError
from planner.inventory import (
    compound_poisson_pmf,
    evaluate_base_stock,
    evaluate_base_stock_compound,
    evaluate_rQ,
    optimize_base_stock,
    optimize_base_stock_compound,
    optimize_rQ,
)


def test_snyder_shen_example_5_8() -> None:
    """Ex 5.8: h=20, p=150, K=100, rate 1.5, L=2 -> r=3, Q=5, cost 107.924."""
    r = optimize_rQ(1.5, 20, 150, 100, lead_time=2)
    assert (int(r.r[0]), int(r.Q[0])) == (3, 5)
    assert round(float(r.cost[0]), 3) == 107.924
    np.testing.assert_allclose(r.evaluate().cost, r.cost, rtol=1e-12)


def test_rq_evaluation_explicit_sums() -> None:
    """Metrics of (r,Q) equal explicit sums over the uniform position."""
    r, Q, lam, h, p, K, L = 2, 4, 1.3, 2.0, 11.0, 7.0, 1.7
    m = evaluate_rQ(r, Q, lam, h, p, K, lead_time=L)
    d = np.arange(200)
    f = poisson.pmf(d, lam * L)
    ys = np.arange(r + 1, r + Q + 1)
    bo = np.mean([np.sum(f * np.maximum(d - y, 0)) for y in ys])
    oh = np.mean([np.sum(f * np.maximum(y - d, 0)) for y in ys])
    fill = np.mean([np.sum(f[d <= y - 1]) for y in ys])
    ready = np.mean([np.sum(f[d <= y]) for y in ys])
    assert m.backorders[0] == pytest.approx(bo, rel=1e-10)
    assert m.on_hand[0] == pytest.approx(oh, rel=1e-10)
    assert m.fill_rate[0] == pytest.approx(fill, rel=1e-10)
    assert m.ready_rate[0] == pytest.approx(ready, rel=1e-10)
    assert m.cost[0] == pytest.approx(h * oh + p * bo + K * lam / Q, rel=1e-10)


@pytest.mark.parametrize("L", [0.0, 0.6, 2.0])
def test_rq_optimum_matches_brute_force(seed: int, L: float) -> None:
    """No (r,Q) in a wide box is cheaper than the Federgruen-Zheng optimum."""
    rng = np.random.default_rng(seed + 10)
    n = 6
    lam = rng.uniform(0.1, 8, n)
    h = rng.uniform(0.5, 3, n)
    p = h * rng.uniform(1.5, 20, n)
    K = rng.uniform(0, 60, n)
    res = optimize_rQ(lam, h, p, K, lead_time=L)
    rg, Qg = np.meshgrid(np.arange(-15, 40), np.arange(1, 70), indexing="ij")
    rg, Qg = rg.ravel(), Qg.ravel()
    for i in range(n):
        c = evaluate_rQ(rg, Qg, lam[i], h[i], p[i], K[i], lead_time=L).cost
        assert res.cost[i] == pytest.approx(c.min(), rel=1e-12)
        assert res.cost[i] <= c.min() + 1e-9


def test_rq_identical_to_stockpyl(seed: int) -> None:
    """Same (r,Q) optimum as stockpyl's Federgruen-Zheng on random parts."""
    rq = pytest.importorskip("stockpyl.rq")
    rng = np.random.default_rng(seed + 11)
    n = 5
    lam = rng.uniform(0.2, 20, n)
    h = rng.uniform(0.5, 5, n)
    p = h * rng.uniform(2, 30, n)
    K = rng.uniform(1, 200, n)
    L = rng.uniform(0.1, 3, n)
    res = optimize_rQ(lam, h, p, K, lead_time=L)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for i in range(n):
            r, Q, c = rq.r_q_poisson_exact(h[i], p[i], K[i], lam[i], L[i])
            assert (int(r), int(Q)) == (int(res.r[i]), int(res.Q[i]))
            assert c == pytest.approx(res.cost[i], rel=1e-9)


def test_normal_base_stock_examples_4_3_and_4_4() -> None:
    """Ex 4.3/4.4: h=0.18, p=0.7, N(50, 8): S=56.604 (L=0), 264.767 (L=4)."""
    r = optimize_base_stock(50, 0.18, 0.7, demand_sd=8, lead_time=[0, 4])
    assert np.round(r.S, 3).tolist() == [56.604, 264.767]
    z = norm.ppf(0.7 / 0.88)
    # optimal newsvendor cost (h + p) sigma phi(z)
    np.testing.assert_allclose(
        r.cost, 0.88 * 8 * np.sqrt([1, 5]) * norm.pdf(z), rtol=1e-9
    )


@pytest.mark.parametrize("review", ["periodic", "continuous"])
def test_poisson_base_stock_is_critical_fractile_and_brute_force(review: str) -> None:
    """S* is the p/(p+h) fractile and no S in 0..60 is cheaper."""
    mu = np.array([0.3, 2.0, 7.5])
    L = 2
    r = optimize_base_stock(mu, 1.0, 9.0, lead_time=L, review=review)
    lam = mu * (L + 1 if review == "periodic" else L)
    assert r.S.tolist() == poisson.ppf(0.9, lam).tolist()
    for i in range(3):
        c = evaluate_base_stock(
            np.arange(61), mu[i], 1.0, 9.0, lead_time=L, review=review
        )
        assert r.cost[i] == pytest.approx(c.cost.min(), rel=1e-12)


def test_service_target_is_smallest_s_meeting_it() -> None:
    """With a fill-rate target S is the smallest level meeting it (and >= S*)."""
    mu = np.array([0.5, 3.0, 12.0])
    r = optimize_base_stock(mu, 1.0, 4.0, lead_time=1, fill_rate=0.98)
    free = optimize_base_stock(mu, 1.0, 4.0, lead_time=1)
    assert np.all(r.S >= free.S)
    assert np.all(r.metrics.fill_rate >= 0.98)
    below = evaluate_base_stock(r.S - 1, mu, 1.0, 4.0, lead_time=1)
    assert np.all((below.fill_rate < 0.98) | (r.S == free.S))
    rr = optimize_base_stock(mu, 1.0, 4.0, lead_time=1, ready_rate=0.99)
    assert np.all(rr.metrics.ready_rate >= 0.99)


def test_unreachable_target_is_reported_not_relaxed() -> None:
    """A target above what max_stock allows is flagged per part, S = max_stock."""
    r = optimize_base_stock([2.0, 5.0], 1.0, 9.0, fill_rate=0.999, max_stock=[30, 4])
    assert r.target_met.tolist() == [True, False]
    assert r.S[1] == 4
    assert "targets unmet 1" in str(r)


def test_compound_poisson_pmf_and_metrics() -> None:
    """Panjer pmf equals a direct convolution; metrics equal explicit sums."""
    lam, u = 1.7, np.array([0.5, 0.3, 0.2])
    g = compound_poisson_pmf(lam, u, 40)[0]
    direct = np.zeros(40)
    conv = np.zeros(40)
    conv[0] = 1.0
    for n in range(60):
        direct += poisson.pmf(n, lam) * conv
        conv = np.convolve(conv, np.r_[0.0, u])[:40]
    np.testing.assert_allclose(g, direct, atol=1e-14)
    S = 5
    m = evaluate_base_stock_compound(S, lam, u, 1.0, 9.0, lead_time=0)
    x = np.arange(40)
    short = np.sum(g * np.maximum(x - S, 0))
    assert m.backorders[0] == pytest.approx(short, rel=1e-10)
    assert m.fill_rate[0] == pytest.approx(1 - short / (lam * 1.7), rel=1e-10)
    r = optimize_base_stock_compound(lam, u, 1.0, 9.0)
    assert int(r.S[0]) == int(np.argmax(np.cumsum(g) >= 0.9))


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"fill_rate": 1.0}, "fill_rate"),
        ({"fill_rate": [0.9, 0.0]}, "fill_rate"),
        ({"ready_rate": float("nan")}, "ready_rate"),
        ({"demand_sd": -1.0}, "demand_sd"),
        ({"lead_time": "x"}, "lead_time"),
        ({"review": "weekly"}, "review"),
    ],
)
def test_bad_base_stock_input(kwargs: dict[str, object], field: str) -> None:
    """Targets outside (0,1), negative sd, bad lead time or review: InputError."""
    with pytest.raises(InputError, match=field):
        optimize_base_stock([1.0, 2.0], 1.0, 9.0, **kwargs)  # type: ignore[arg-type]


def test_bad_rq_input() -> None:
    """Negative rate, NaN cost or Q < 1 raise InputError naming the field."""
    with pytest.raises(InputError, match="demand_rate"):
        optimize_rQ(-1.0, 1, 2, 3)
    with pytest.raises(InputError, match="fixed_cost"):
        optimize_rQ(1.0, 1, 2, float("nan"))
    with pytest.raises(InputError, match="Q"):
        evaluate_rQ(1, 0, 1.0, 1, 2, 3)


def test_normal_rq_example_5_1_and_grid() -> None:
    """Ex 5.1 (normal): the optimum is at least as cheap as the published
    (126.8, 328.5), within 0.1 of it, and no point of a fine grid is cheaper."""
    from planner.inventory import evaluate_rQ_normal, optimize_rQ_normal

    res = optimize_rQ_normal(1300, 150, 0.225, 7.5, 8, lead_time=1 / 12)
    r, Q = res.stats.extra["r"][0], res.stats.extra["Q"][0]
    assert abs(r - 126.8) < 0.1
    assert abs(Q - 328.5) < 0.1
    book = evaluate_rQ_normal(126.8, 328.5, 1300, 150, 0.225, 7.5, 8, lead_time=1 / 12)
    assert res.cost[0] <= book.cost[0] + 1e-9
    rg, Qg = np.meshgrid(np.linspace(r - 3, r + 3, 61), np.linspace(Q - 5, Q + 5, 101))
    c = evaluate_rQ_normal(
        rg.ravel(), Qg.ravel(), 1300, 150, 0.225, 7.5, 8, lead_time=1 / 12
    )
    assert res.cost[0] <= c.cost.min() + 1e-9


def test_normal_rq_cost_equals_stockpyl_integral(seed: int) -> None:
    """Closed-form normal (r,Q) cost equals stockpyl's numerical integral."""
    rq = pytest.importorskip("stockpyl.rq")
    from planner.inventory import evaluate_rQ_normal

    rng = np.random.default_rng(seed + 30)
    for _ in range(5):
        lam, sd, L = rng.uniform(1, 100), rng.uniform(0.5, 20), rng.uniform(0.1, 3)
        h, p, K = rng.uniform(0.5, 3), rng.uniform(2, 30), rng.uniform(1, 100)
        r, Q = rng.uniform(0, lam * L * 1.5), rng.uniform(1, 50)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ref = rq.r_q_cost(r, Q, h, p, K, lam, sd, L)
        ours = evaluate_rQ_normal(r, Q, lam, sd, h, p, K, lead_time=L).cost[0]
        assert ours == pytest.approx(ref, rel=1e-7)
