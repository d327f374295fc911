"""METRIC two-echelon evaluation and optimization against an exact replay.

Tolerance: METRIC's outlet backorders must lie within the simulation's
95 % CI (Bonferroni over the checks of a case) or within 5 % of it, where
METRIC is exact in law (no warehouse stock: every wait equals the lead time;
ample warehouse stock: no wait). In between, METRIC's known bias shows: it
underestimates outlet backorders because the outlet pipeline is more variable
than Poisson; the test states that bias instead of hiding it.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import t as student_t

from planner.core.errors import InputError
from planner.inventory import evaluate_metric, optimize_metric, simulate_two_echelon

M = np.array([0.5, 1.0, 0.3])
S_OUT = np.array([2, 3, 1])
T0 = 4.0
tr = np.array([1.0, 1.0, 2.0])


def close(
    metric: np.ndarray, mean: np.ndarray, hw: np.ndarray, n_checks: int
) -> np.ndarray:
    """Within the Bonferroni-widened CI, or within 5 % relative."""
    widen = student_t.ppf(1 - 0.025 / n_checks, 9) / student_t.ppf(0.975, 9)
    err = np.abs(metric - mean)
    return (err <= hw * widen + 1e-9) | (err <= 0.05 * mean)


@pytest.mark.parametrize("s0", [0, 40])
def test_metric_matches_simulation_where_exact(s0: int) -> None:
    """No warehouse stock or ample stock: METRIC agrees with the replay."""
    ev = evaluate_metric(s0, S_OUT[None, :], M[None, :], T0, tr)
    sim = simulate_two_echelon(s0, S_OUT, M, T0, tr, horizon=8000, n_reps=10, seed=3)
    out = sim[sim["outlet"] >= 0]
    assert close(
        ev.backorders[0],
        out["backorders"].to_numpy(),
        out["backorders_hw"].to_numpy(),
        7,
    ).all()
    assert close(
        ev.fill_rate[0], out["fill_rate"].to_numpy(), out["fill_rate_hw"].to_numpy(), 7
    ).all()
    dep = sim[sim["outlet"] == -1]
    assert close(
        ev.depot_backorders,
        dep["backorders"].to_numpy(),
        dep["backorders_hw"].to_numpy(),
        7,
    ).all()


def test_metric_bias_with_some_warehouse_stock() -> None:
    """With a little warehouse stock METRIC underestimates outlet backorders.

    The warehouse's own backorders stay exact (its pipeline is Poisson).
    """
    ev = evaluate_metric(5, S_OUT[None, :], M[None, :], T0, tr)
    sim = simulate_two_echelon(5, S_OUT, M, T0, tr, horizon=8000, n_reps=10, seed=4)
    out = sim[sim["outlet"] >= 0]
    assert ev.backorders[0].sum() < (out["backorders"] - out["backorders_hw"]).sum()
    dep = sim[sim["outlet"] == -1]
    assert close(
        ev.depot_backorders,
        dep["backorders"].to_numpy(),
        dep["backorders_hw"].to_numpy(),
        1,
    ).all()


def test_optimize_metric_meets_target_and_recomputes() -> None:
    """The greedy plan meets the target; its numbers equal a fresh evaluation."""
    rng = np.random.default_rng(0)
    m = rng.uniform(0.0, 1.0, (6, 4))
    cost = rng.uniform(1, 50, 6)
    plan = optimize_metric(m, cost, 3.0, 0.5, target_fill_rate=0.9)
    assert plan.target_met
    ev = evaluate_metric(plan.depot_stock, plan.outlet_stock, m, 3.0, 0.5)
    assert ev.system_fill_rate == pytest.approx(plan.evaluation.system_fill_rate)
    assert ev.system_fill_rate >= 0.9
    assert plan.investment == pytest.approx(
        float((cost * (plan.depot_stock + plan.outlet_stock.sum(axis=1))).sum())
    )
    assert np.all(np.diff(plan.curve["backorders"]) <= 1e-12)
    df = plan.to_frame()
    assert len(df) == 6 + 6 * 4


def test_optimize_metric_reports_budget_shortfall() -> None:
    """A budget too small for the target: target_met is False, budget kept."""
    plan = optimize_metric(
        [[2.0, 2.0]], [10.0], 3.0, 0.5, target_fill_rate=0.99, budget=35.0
    )
    assert not plan.target_met
    assert plan.investment <= 35.0


def test_bad_metric_input() -> None:
    """Negative rates or lead times and a target outside (0,1): InputError."""
    with pytest.raises(InputError, match="demand_rate"):
        evaluate_metric(0, [[0, 0]], [[1.0, -1.0]], 1.0, 0.0)
    with pytest.raises(InputError, match="transit_time"):
        evaluate_metric(0, [[0, 0]], [[1.0, 1.0]], 1.0, [1.0, 2.0, 3.0])
    with pytest.raises(InputError, match="target_fill_rate"):
        optimize_metric([[1.0]], [1.0], 1.0, 0.0, target_fill_rate=1.0)


@pytest.mark.parametrize("s0", [2, 5, 8])
def test_vari_metric_removes_the_bias(s0: int) -> None:
    """VARI-METRIC (two-moment outlet pipeline) agrees with the replay where
    METRIC does not, and is never further from it than METRIC."""
    a = evaluate_metric(s0, S_OUT[None, :], M[None, :], T0, tr)
    b = evaluate_metric(s0, S_OUT[None, :], M[None, :], T0, tr, method="vari-metric")
    sim = simulate_two_echelon(s0, S_OUT, M, T0, tr, horizon=8000, n_reps=10, seed=6)
    out = sim[sim["outlet"] >= 0]
    mean, hw = out["backorders"].to_numpy(), out["backorders_hw"].to_numpy()
    assert close(b.backorders[0], mean, hw, 9).all()
    assert np.all(
        np.abs(b.backorders[0] - mean) <= np.abs(a.backorders[0] - mean) + 1e-3
    )
    f_mean, f_hw = out["fill_rate"].to_numpy(), out["fill_rate_hw"].to_numpy()
    assert close(b.fill_rate[0], f_mean, f_hw, 9).all()


def test_optimize_vari_metric_meets_target_in_its_own_evaluation() -> None:
    """The greedy with VARI-METRIC meets the target by the VARI-METRIC numbers."""
    rng = np.random.default_rng(1)
    m = rng.uniform(0.0, 1.0, (4, 3))
    plan = optimize_metric(
        m, rng.uniform(1, 20, 4), 3.0, 0.5, target_fill_rate=0.85, method="vari-metric"
    )
    ev = evaluate_metric(
        plan.depot_stock, plan.outlet_stock, m, 3.0, 0.5, method="vari-metric"
    )
    assert plan.target_met
    assert ev.system_fill_rate == pytest.approx(plan.evaluation.system_fill_rate)
    assert ev.system_fill_rate >= 0.85
