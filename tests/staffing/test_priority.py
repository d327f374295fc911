"""Priority M/M/c waits against an independent simulation and Cobham's means."""

from __future__ import annotations

import math

import numpy as np
import pytest

from planner.staffing import (
    priority_mean_wait_min,
    priority_prob_wait_le,
    prob_wait_le,
    required_servers_priority,
)
from planner.staffing.priority import conditional_wait_survival
from tests.staffing.qsim import share_within, simulate


def test_single_class_is_fcfs_erlang_c() -> None:
    """With one class the priority model is the FCFS M/M/c formula."""
    for c, lam, t in ((1, 0.5, 30.0), (4, 3.0, 10.0), (12, 10.0, 0.0)):
        got = priority_prob_wait_le([lam], 60.0, c, target_min=[t])[0]
        assert got == pytest.approx(float(prob_wait_le(lam, 60.0, c, target_min=t)))


@pytest.mark.parametrize(("above", "upto"), [(0.3, 0.7), (0.1, 0.95), (0.6, 0.8)])
def test_conditional_wait_mean_is_cobham(above: float, upto: float) -> None:
    """The inverted survival integrates to 1 / ((1 - sigma_{k-1}) (1 - sigma_k))."""
    mean = 1.0 / ((1 - above) * (1 - upto))
    t = np.linspace(0.0, 60 * mean, 40_001)
    s = conditional_wait_survival(t, above, upto)
    assert np.all(np.diff(s) <= 1e-9)  # a survival function
    assert np.trapezoid(s, t) == pytest.approx(mean, rel=1e-4)


def test_top_class_survival_is_exponential() -> None:
    """The top class (nobody above) waits Exp(1 - sigma_0) given it waits."""
    t = np.array([0.1, 1.0, 4.0, 15.0])
    assert conditional_wait_survival(t, 0.0, 0.6) == pytest.approx(np.exp(-0.4 * t))
    # the numerical inversion gives the same for a vanishing class above
    got = conditional_wait_survival(t, 1e-9, 0.6)
    assert got == pytest.approx(np.exp(-0.4 * t), rel=1e-6)


def test_matches_simulation_three_classes(seed: int) -> None:
    """P(W_k <= t_k) per class within 3.5 standard errors of an independent simulation."""
    lam = np.array([0.6, 1.0, 1.2])
    mean = np.full(3, 60.0)
    cv = np.ones(3)
    target = np.array([20.0, 60.0, 120.0])
    p = priority_prob_wait_le(lam, mean, 4, target_min=target)
    out = simulate(
        np.repeat(lam[:, None], 168, 1), mean, cv, np.full(168, 4), weeks=60, seed=seed
    )
    for j in range(3):
        sim, se = share_within(out, j, target[j])
        assert abs(p[j] - sim) <= 3.5 * se + 1e-3, (j, p[j], sim, se)
    w = priority_mean_wait_min(lam, mean, 4)
    for j in range(3):
        sim_w = float(out.waits[j].mean())
        assert sim_w == pytest.approx(w[j], rel=0.15), (j, w[j], sim_w)


def test_mixed_visits_approximation_within_three_points(seed: int) -> None:
    """Different means and cvs per class (an approximation): within 0.03 of simulation."""
    lam = np.array([0.6, 1.0, 1.2])
    mean = np.array([45.0, 60.0, 90.0])
    cv = np.array([0.5, 0.7, 1.0])
    target = np.array([20.0, 60.0, 120.0])
    p = priority_prob_wait_le(lam, mean, 4, target_min=target, service_cv=cv)
    out = simulate(
        np.repeat(lam[:, None], 168, 1), mean, cv, np.full(168, 4), weeks=60, seed=seed
    )
    for j in range(3):
        sim, se = share_within(out, j, target[j])
        assert abs(p[j] - sim) <= 0.03 + 2 * se, (j, p[j], sim)


def test_required_servers_priority_is_smallest() -> None:
    """The count meets every binding class and one fewer does not."""
    lam = np.array([[0.5, 2.0, 3.0], [0.1, 0.1, 4.0]])
    target = np.array([30.0, 240.0, 1440.0])
    share = np.array([0.9, 0.8, 0.8])
    c = required_servers_priority(lam, 60.0, target_min=target, target_share=share)
    for row, ci in zip(lam, c, strict=True):
        ok = priority_prob_wait_le(row, 60.0, ci, target_min=target) >= share
        assert ok.all()
        less = priority_prob_wait_le(row, 60.0, ci - 1, target_min=target) >= share
        assert not less.all()
    # only the urgent class binding: fewer servers, the others just load them
    c0 = required_servers_priority(
        lam, 60.0, target_min=target, target_share=share, binding=[True, False, False]
    )
    assert (c0 <= c).all()
    assert math.isfinite(float(c0.sum()))


def test_chernoff_bound_holds() -> None:
    """The bound used to skip negligible tails is above the inverted survival (within
    the inversion's 1e-10) on random loads and times, and above the exact top class."""
    from planner.staffing.priority import _chernoff, _talbot_survival

    rng = np.random.default_rng(0)
    lam = rng.uniform(0, 0.9, 3000)
    sig = lam + rng.uniform(0.001, 0.999, 3000) * (1 - lam)
    t = rng.uniform(0.1, 300, 3000)
    assert (_talbot_survival(t, lam, sig) <= _chernoff(t, lam, sig) + 1e-10).all()
    top = _chernoff(t, np.zeros_like(t), sig)
    assert (np.exp(-(1 - sig) * t) <= top * (1 + 1e-9)).all()
