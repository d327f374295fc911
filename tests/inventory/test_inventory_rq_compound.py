"""(r,Q) under compound Poisson demand: brute force and an event simulation."""

from __future__ import annotations

from collections import deque

import numpy as np
import pytest

from planner.inventory import evaluate_rQ, optimize_rQ


def _simulate(
    r: int,
    Q: int,
    lam: float,
    L: float,
    u: list[float],
    *,
    horizon: float,
    warmup: float,
    seed: int,
) -> dict[str, float]:
    """Event simulation of (r, nQ) with compound Poisson repairs (independent check)."""
    rng = np.random.default_rng(seed)
    n = rng.poisson(lam * (horizon + warmup))
    times = np.sort(rng.uniform(0.0, horizon + warmup, n))
    sizes = rng.choice(np.arange(1, len(u) + 1), n, p=u)
    ip = net = r + Q
    pipe: deque[tuple[float, int]] = deque()
    t_prev = warmup
    oh = bo = served = demanded = orders = 0.0

    def advance(t: float) -> None:
        nonlocal t_prev, oh, bo
        if t > warmup:
            oh += max(net, 0) * (t - t_prev)
            bo += max(-net, 0) * (t - t_prev)
            t_prev = t

    for t, k in zip(times, sizes, strict=True):
        while pipe and pipe[0][0] <= t:
            ta, q = pipe.popleft()
            advance(ta)
            net += q
        advance(t)
        if t > warmup:
            served += min(int(k), max(net, 0))
            demanded += int(k)
        net -= int(k)
        ip -= int(k)
        if ip <= r:
            q = Q * int(np.ceil((r + 1 - ip) / Q))
            ip += q
            pipe.append((t + L, q))
            orders += t > warmup
    advance(horizon + warmup)
    return {
        "on_hand": oh / horizon,
        "backorders": bo / horizon,
        "fill_rate": served / demanded,
        "order_rate": orders / horizon,
    }


def test_unit_pmf_one_is_poisson() -> None:
    """unit_pmf = [1] reproduces Snyder & Shen Ex. 5.8 (r=3, Q=5, 107.924)."""
    r = optimize_rQ(1.5, 20, 150, 100, lead_time=2, unit_pmf=[1.0])
    assert (int(r.r[0]), int(r.Q[0])) == (3, 5)
    assert round(float(r.cost[0]), 3) == 107.924
    assert float(r.evaluate().fill_rate[0]) == pytest.approx(
        float(evaluate_rQ(3, 5, 1.5, 20, 150, 100, lead_time=2).fill_rate[0])
    )


def test_compound_optimum_matches_brute_force() -> None:
    """The exact search equals the cheapest (r,Q) of a full grid (exact evaluation)."""
    u = [0.5, 0.3, 0.2]
    cases = [(1.5, 20, 150, 100, 2.0), (0.3, 1, 9, 20, 1.5), (4.0, 2, 30, 5, 0.5)]
    lam, h, p, K, L = (np.array(c, dtype=float) for c in zip(*cases, strict=True))
    res = optimize_rQ(lam, h, p, K, lead_time=L, unit_pmf=u)
    rr, QQ = (a.ravel() for a in np.meshgrid(np.arange(-10, 40), np.arange(1, 60)))
    for i in range(len(lam)):
        m = evaluate_rQ(rr, QQ, lam[i], h[i], p[i], K[i], lead_time=L[i], unit_pmf=u)
        j = int(np.argmin(m.cost))
        assert float(res.cost[i]) == pytest.approx(float(m.cost[j]), rel=1e-10)
        assert float(res.evaluate().cost[i]) == pytest.approx(float(res.cost[i]))


@pytest.mark.parametrize(
    ("r", "Q", "lam", "L", "u"),
    [(4, 3, 1.2, 1.5, [0.5, 0.3, 0.2]), (1, 6, 0.6, 2.0, [0.4, 0.0, 0.0, 0.6])],
)
def test_compound_metrics_match_simulation(
    r: int, Q: int, lam: float, L: float, u: list[float]
) -> None:
    """On hand, backorders, fill rate and order rate agree with a simulation's 99 % CI."""
    m = evaluate_rQ(r, Q, lam, 1.0, 1.0, 1.0, lead_time=L, unit_pmf=u)
    reps = [
        _simulate(r, Q, lam, L, u, horizon=4000.0, warmup=50.0, seed=s)
        for s in range(8)
    ]
    for name in ("on_hand", "backorders", "fill_rate", "order_rate"):
        x = np.array([rep[name] for rep in reps])
        hw = 3.5 * x.std(ddof=1) / np.sqrt(len(x))  # t(7) 99.5 % ~ 3.5
        assert abs(float(getattr(m, name)[0]) - x.mean()) <= hw + 1e-9, name
