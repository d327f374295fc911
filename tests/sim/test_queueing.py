"""Queueing theory as the oracle: M/M/c waits (Erlang C) and Little's law."""

from __future__ import annotations

import math
from collections.abc import Callable

import pytest

from planner.sim import SimModel, simulate


def erlang_c_wait(c: int, rho: float) -> float:
    """Mean wait in queue of M/M/c in service times (Erlang C), computed directly."""
    a = c * rho
    term = 1.0
    head = 0.0
    for k in range(c):
        head += term
        term *= a / (k + 1)
    tail = term / (1.0 - rho)  # a^c / c! / (1 - rho)
    p_wait = tail / (head + tail)
    return p_wait / (c * (1.0 - rho))


@pytest.mark.parametrize(
    ("c", "rho", "published"), [(20, 0.85, 0.1284), (5, 0.7, 0.2519), (1, 0.9, 9.0)]
)
def test_oracle_matches_published(c: int, rho: float, published: float) -> None:
    """The test's own Erlang C reproduces the published values of the issue."""
    assert erlang_c_wait(c, rho) == pytest.approx(published, abs=6e-5)


def _check_mmc(
    make: Callable[..., SimModel],
    c: int,
    rho: float,
    horizon_days: float,
    warmup_days: float,
    n_reps: int = 10,
) -> None:
    mean_s = 60.0
    model = make(c, rho * c / mean_s, mean_s)
    res = simulate(
        model, horizon_days=horizon_days, warmup_days=warmup_days, n_reps=n_reps, seed=0
    )
    row = res.kpi("queue_wait_mean_min")
    want = erlang_c_wait(c, rho) * mean_s
    assert row["ci_low"] <= want <= row["ci_high"], (
        f"Erlang C {want:.3f} min outside the 95 % CI "
        f"[{row['ci_low']:.3f}, {row['ci_high']:.3f}] (mean {row['mean']:.3f})"
    )
    # utilization of the repair crew = rho
    util = res.kpi("utilization_repair")
    assert util["mean"] == pytest.approx(rho, rel=0.03)
    # Little's law on every replication: L_q = lambda W_q (edge effects only)
    rk = res.rep_kpis
    lq = rk[rk["kpi"] == "queue_length_mean"].set_index("rep")["value"]
    lw = rk[rk["kpi"] == "little_lambda_w"].set_index("rep")["value"]
    for r in lq.index:
        assert lq[r] == pytest.approx(lw[r], rel=0.05, abs=0.02)


def test_erlang_c_20_servers(make_queue_model: Callable[..., SimModel]) -> None:
    """c=20, rho=0.85: mean wait 0.1284 service times inside the CI of 10 reps."""
    _check_mmc(make_queue_model, 20, 0.85, horizon_days=60, warmup_days=2)


def test_erlang_c_5_servers(make_queue_model: Callable[..., SimModel]) -> None:
    """c=5, rho=0.7: mean wait 0.2519 service times inside the CI of 10 reps."""
    _check_mmc(make_queue_model, 5, 0.7, horizon_days=150, warmup_days=3)


@pytest.mark.slow
def test_erlang_c_1_server(make_queue_model: Callable[..., SimModel]) -> None:
    """c=1, rho=0.9: mean wait 9 service times (long relaxation: a slow test)."""
    _check_mmc(make_queue_model, 1, 0.9, horizon_days=3000, warmup_days=100)


@pytest.mark.slow
def test_erlang_c_20_servers_long(make_queue_model: Callable[..., SimModel]) -> None:
    """c=20, rho=0.85 with 10x longer runs (tighter interval)."""
    _check_mmc(make_queue_model, 20, 0.85, horizon_days=250, warmup_days=5)


def test_deterministic_single_server(make_queue_model: Callable[..., SimModel]) -> None:
    """M/D/1 (Pollaczek-Khinchine): Wq = rho S / (2 (1 - rho)) inside the CI."""
    mean_s, rho = 30.0, 0.6
    model = make_queue_model(1, rho / mean_s, mean_s, repair_dist="deterministic")
    res = simulate(model, horizon_days=60, warmup_days=2, n_reps=10, seed=3)
    row = res.kpi("queue_wait_mean_min")
    want = rho * mean_s / (2 * (1 - rho))
    assert row["ci_low"] <= want <= row["ci_high"], (want, row.to_dict())
    assert math.isfinite(row["mean"])


def test_priority_classes_match_cobham(
    make_queue_model: Callable[..., SimModel],
) -> None:
    """Urgent before general (non-preemptive, M/M/c): Cobham's per-class waits.

    W_k = P_wait / (c mu) / ((1 - s_{k-1}) (1 - s_k)), s_k the load of classes
    up to k; each class's mean wait lies inside its 95 % CI.
    """
    import numpy as np

    c, rho, mean_s = 5, 0.8, 60.0
    shares = np.array([0.3, 0.0, 0.7])
    model = make_queue_model(c, rho * c / mean_s, mean_s).replace(urgency_share=shares)
    res = simulate(model, horizon_days=100, warmup_days=3, n_reps=10, seed=0)
    p_wait = erlang_c_wait(c, rho) * c * (1 - rho)  # Erlang C probability of waiting
    w0 = p_wait * mean_s / c
    s1 = rho * shares[0]
    want = {"urgent": w0 / (1 - s1), "general": w0 / ((1 - s1) * (1 - rho))}
    for u, w in want.items():
        row = res.kpi("queue_wait_mean_min", urgency=u)
        assert row["ci_low"] <= w <= row["ci_high"], (u, w, row.to_dict())


@pytest.mark.parametrize(
    ("c", "rho", "t_min"), [(5, 0.8, 15.0), (2, 0.7, 30.0), (10, 0.9, 5.0)]
)
def test_sla_attainment_is_the_erlang_c_wait_distribution(
    make_queue_model: Callable[..., SimModel], c: int, rho: float, t_min: float
) -> None:
    """In queue mode (no travel) the SLA attainment of a target t is P(W <= t) of
    M/M/c: 1 - C(c, a) exp(-(c mu - lambda) t), inside the simulated 95 % CI."""
    import numpy as np

    mean_s = 60.0
    lam = rho * c / mean_s
    model = make_queue_model(c, lam, mean_s).replace(
        urgency_target_min=np.array([240.0, 1440.0, t_min])
    )
    res = simulate(model, horizon_days=60, warmup_days=5, n_reps=8, seed=3)
    p_wait = erlang_c_wait(c, rho) * c * (1 - rho)
    want = 1.0 - p_wait * math.exp(-(c / mean_s - lam) * t_min)
    row = res.kpi("sla_attainment")
    assert row["ci_low"] <= want <= row["ci_high"], (want, row.to_dict())
