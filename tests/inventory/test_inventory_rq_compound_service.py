"""Cheapest (r, nQ) under compound Poisson demand meeting a service target."""

from __future__ import annotations

import numpy as np
import pytest

from planner.inventory import evaluate_rQ, optimize_rQ_service


@pytest.mark.parametrize("seed", range(12))
def test_compound_service_optimum_matches_brute_force(seed: int) -> None:
    """The optimum equals the cheapest feasible (r,Q) of a full grid search.

    Every (r,Q) in a box far wider than any optimum here is evaluated with
    evaluate_rQ (the exact compound evaluator); the cheapest one meeting the
    target must cost what the solver reports, and the solver's policy must
    meet the target.
    """
    rng = np.random.default_rng(seed)
    lam, h, p = rng.uniform(0.2, 6), rng.uniform(0.5, 3), rng.uniform(1, 30)
    K, L = rng.uniform(1, 80), rng.uniform(0, 3)
    u = rng.dirichlet(np.ones(int(rng.integers(2, 5))))
    kind = ("fill_rate", "ready_rate")[seed % 2]
    target = rng.uniform(0.7, 0.99)
    res = optimize_rQ_service(lam, h, p, K, lead_time=L, unit_pmf=u, **{kind: target})
    R, Q = np.meshgrid(np.arange(-10, 90), np.arange(1, 100), indexing="ij")
    m = evaluate_rQ(R.ravel(), Q.ravel(), lam, h, p, K, lead_time=L, unit_pmf=u)
    feasible = getattr(m, kind) >= target - 1e-12
    best = np.where(feasible, m.cost, np.inf).min()
    assert res.cost[0] == pytest.approx(best, rel=1e-9)
    own = res.evaluate()
    assert getattr(own, kind)[0] >= target - 1e-12
    assert own.cost[0] == pytest.approx(res.cost[0], rel=1e-9)


def test_single_unit_repairs_give_the_poisson_answer() -> None:
    """With one unit per repair the compound search gives the Poisson optimum."""
    rng = np.random.default_rng(4)
    n = 40
    lam, h = rng.uniform(0.2, 20, n), rng.uniform(0.5, 3, n)
    p, K, L = rng.uniform(1, 30, n), rng.uniform(1, 80, n), rng.uniform(0, 3, n)
    a = optimize_rQ_service(lam, h, p, K, lead_time=L, ready_rate=0.9)
    b = optimize_rQ_service(lam, h, p, K, lead_time=L, ready_rate=0.9, unit_pmf=[1.0])
    np.testing.assert_array_equal(a.r, b.r)
    np.testing.assert_array_equal(a.Q, b.Q)
    np.testing.assert_allclose(a.cost, b.cost, rtol=1e-9)


def test_both_targets_and_a_catalogue_at_once() -> None:
    """Fill and ready targets together, many parts: each part meets both."""
    rng = np.random.default_rng(8)
    n = 25
    lam, h = rng.uniform(0.1, 10, n), rng.uniform(0.5, 3, n)
    p, K, L = rng.uniform(1, 30, n), rng.uniform(1, 80, n), rng.uniform(0, 3, n)
    u = rng.dirichlet(np.ones(3), size=n)
    res = optimize_rQ_service(
        lam, h, p, K, lead_time=L, unit_pmf=u, fill_rate=0.95, ready_rate=0.9
    )
    m = res.evaluate()
    assert np.all(m.fill_rate >= 0.95 - 1e-12)
    assert np.all(m.ready_rate >= 0.9 - 1e-12)
    # and no cheaper Q-neighbour with a target-meeting r exists
    for dq in (-1, 1):
        Q2 = np.maximum(res.Q + dq, 1)
        R = res.r[:, None] + np.arange(-30, 60)[None, :]
        ev = evaluate_rQ(
            R.ravel(),
            np.repeat(Q2, R.shape[1]),
            np.repeat(lam, R.shape[1]),
            np.repeat(h, R.shape[1]),
            np.repeat(p, R.shape[1]),
            np.repeat(K, R.shape[1]),
            lead_time=np.repeat(L, R.shape[1]),
            unit_pmf=np.repeat(u, R.shape[1], axis=0),
        )
        ok = (ev.fill_rate >= 0.95 - 1e-12) & (ev.ready_rate >= 0.9 - 1e-12)
        c = np.where(ok, ev.cost, np.inf).reshape(R.shape).min(axis=1)
        assert np.all(c >= res.cost * (1 - 1e-9))
