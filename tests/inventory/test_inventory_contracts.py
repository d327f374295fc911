"""Contracts over the policy optimizers: inputs unmutated, shapes, monotonicity."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.core.progress import Progress
from planner.inventory import (
    evaluate_base_stock,
    optimize_base_stock,
    optimize_rQ,
    optimize_sS,
)


def test_inputs_are_not_mutated_and_results_read_only() -> None:
    """Optimizers leave their input arrays alone and return read-only arrays."""
    mu = np.array([1.0, 5.0, 0.0])
    h = np.array([1.0, 2.0, 1.0])
    copies = mu.copy(), h.copy()
    r = optimize_sS(mu, h, 9.0, 10.0, lead_time=1)
    q = optimize_rQ(mu, h, 9.0, 10.0, lead_time=1.0)
    b = optimize_base_stock(mu, h, 9.0, fill_rate=0.9)
    np.testing.assert_array_equal(mu, copies[0])
    np.testing.assert_array_equal(h, copies[1])
    for a in (r.s, r.S, r.cost, q.r, q.Q, b.S, b.metrics.fill_rate):
        assert not a.flags.writeable


def test_progress_callback_reaches_the_total() -> None:
    """optimize_sS reports Progress records, ending at the number of parts."""
    seen: list[Progress] = []
    optimize_sS(
        np.linspace(0.0, 30.0, 40),
        1.0,
        9.0,
        20.0,
        budget_cells=5000,
        progress=seen.append,
    )
    assert (seen[-1].done, seen[-1].total) == (40, 40)
    assert [p.done for p in seen] == sorted(p.done for p in seen)


@settings(max_examples=20)
@given(
    mu=st.floats(0.05, 40.0),
    L=st.integers(0, 4),
    review=st.sampled_from(["periodic", "continuous"]),
)
def test_base_stock_service_non_decreasing_in_S(mu: float, L: int, review: str) -> None:
    """Fill and ready rate never drop, backorders never rise, as S grows."""
    S = np.arange(-2, int(mu * (L + 1) + 10 * np.sqrt(mu * (L + 1)) + 10))
    m = evaluate_base_stock(S, mu, 1.0, 9.0, lead_time=L, review=review)  # type: ignore[arg-type]
    assert np.all(np.diff(m.fill_rate) >= -1e-12)
    assert np.all(np.diff(m.ready_rate) >= -1e-12)
    assert np.all(np.diff(m.backorders) <= 1e-12)


@settings(max_examples=15)
@given(mu=st.floats(0.1, 30.0), K=st.floats(0.0, 200.0), L=st.integers(0, 3))
def test_fixed_cost_never_helps(mu: float, K: float, L: int) -> None:
    """The optimal (s,S) cost is non-decreasing in K and equals base stock at K=0."""
    r = optimize_sS(mu, 1.0, 9.0, [0.0, K, K + 10.0], lead_time=L)
    assert np.all(np.diff(r.cost) >= -1e-9)
    b = optimize_base_stock(mu, 1.0, 9.0, lead_time=L)
    assert abs(r.cost[0] - b.cost[0]) <= 1e-9 * max(1.0, b.cost[0])
