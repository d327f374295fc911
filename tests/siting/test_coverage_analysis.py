"""Coverage analysis helpers: tables and curves against direct computation."""

from __future__ import annotations

import numpy as np
import pytest

from planner.core.errors import InputError
from planner.siting import (
    coverage_curve_p,
    coverage_curve_radius,
    coverage_table,
    solve_mclp,
)
from tests.siting.oracles import brute_mclp, random_instance


def test_coverage_table_matches_direct() -> None:
    """Per point nearest open outlet and covered flag equal a direct min/argmin."""
    cost, w, _, _ = random_instance(30, 10, 1)
    tab = coverage_table(cost, w, [2, 5, 7], 20.0)
    sub = cost[:, [2, 5, 7]]
    np.testing.assert_array_equal(tab["outlet_idx"], np.array([2, 5, 7])[sub.argmin(1)])
    np.testing.assert_array_equal(tab["covered"], sub.min(1) <= 20.0)


def test_curve_p_exact_matches_brute_force_and_greedy_below() -> None:
    """Exact curve equals brute force per p; greedy never above; both non-decreasing."""
    cost, w, _, _ = random_instance(12, 8, 2)
    ex = coverage_curve_p(cost, w, 25, [1, 2, 3], method="exact")
    gr = coverage_curve_p(cost, w, 25, [1, 2, 3])
    for p, v in zip(ex["p"], ex["covered_weight"], strict=True):
        assert v == pytest.approx(brute_mclp(cost, w, int(p), 25))
    assert np.all(
        gr["covered_weight"].to_numpy() <= ex["covered_weight"].to_numpy() + 1e-9
    )
    assert np.all(np.diff(gr["covered_weight"]) >= 0)
    assert np.all(np.diff(ex["covered_weight"]) >= 0)


def test_curve_radius_fixed_and_reoptimized() -> None:
    """Fixed-outlet curve equals counting; re-optimized curve equals MCLP per radius."""
    cost, w, _, _ = random_instance(20, 8, 3)
    fixed = coverage_curve_radius(cost, w, [10, 20, 30], open_idx=[1, 4])
    d = cost[:, [1, 4]].min(1)
    for r, v in zip(fixed["radius"], fixed["covered_weight"], strict=True):
        assert v == pytest.approx(w[d <= r].sum())
    opt = coverage_curve_radius(cost, w, [10, 20], p=2)
    for r, v in zip(opt["radius"], opt["covered_weight"], strict=True):
        assert v == pytest.approx(solve_mclp(cost, w, 2, r).objective)


def test_curve_radius_needs_exactly_one_mode() -> None:
    """Passing both or neither of open_idx and p is an InputError."""
    with pytest.raises(InputError, match="exactly one"):
        coverage_curve_radius(np.ones((2, 2)), None, [1.0])
