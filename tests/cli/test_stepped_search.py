"""The time-limited dispatch search: doubling steps, stop on a stall or the deadline."""

from __future__ import annotations

import logging
import time
from types import SimpleNamespace
from typing import Any

import pytest

from planner.cli.dispatch_cmd import FIRST_STEP_ITERATIONS, stepped_search


class _Fake:
    """A solver whose plan after N iterations is given by a table (N -> served, cost)."""

    def __init__(self, table: dict[int, tuple[int, float]], step_s: float = 0.0):
        self.table, self.calls, self.step_s = table, [], step_s

    def __call__(
        self,
        problem: Any,
        *,
        time_limit_s: float,
        seed: int,
        max_iterations: int | None = None,
    ) -> Any:
        self.calls.append(max_iterations)
        served, cost = self.table[max_iterations or 0]
        time.sleep(self.step_s)
        return SimpleNamespace(
            n_served=served,
            objective=cost,
            kpi_dict=lambda: {"served": served, "served_urgent": 0.0},
        )


PROBLEM = SimpleNamespace(n_jobs=100)
N = FIRST_STEP_ITERATIONS


def test_stops_at_the_first_step_that_does_not_improve(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """250 -> 500 improves, 1,000 does not: 3 steps, the 500-iteration plan, a log line."""
    fake = _Fake({N: (80, 10.0), 2 * N: (82, 9.0), 4 * N: (82, 9.5), 8 * N: (99, 1.0)})
    with caplog.at_level(logging.INFO, logger="planner"):
        plan = stepped_search(
            fake,
            PROBLEM,
            deadline=time.perf_counter() + 3600,
            seed=0,
            say=lambda _m: None,
        )
    assert fake.calls == [N, 2 * N, 4 * N]
    assert (plan.n_served, plan.objective) == (82, 9.0)
    assert "search stalled" in caplog.text


def test_serving_more_beats_a_lower_cost() -> None:
    """A step serving one more job at a higher cost is an improvement."""
    fake = _Fake({N: (80, 5.0), 2 * N: (81, 50.0), 4 * N: (81, 50.0)})
    plan = stepped_search(
        fake, PROBLEM, deadline=time.perf_counter() + 3600, seed=0, say=lambda _m: None
    )
    assert plan.n_served == 81


def test_a_step_that_would_not_fit_is_not_started(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Steps of 0.05 s before a deadline 0.12 s away: the second (~0.1 s) would not fit."""
    monkeypatch.setattr("planner.cli.dispatch_cmd.STEPPED_MIN_S", 0.0)
    table = {N * 2**k: (50 + k, 10.0 - k) for k in range(8)}
    fake = _Fake(table, step_s=0.05)
    with caplog.at_level(logging.INFO, logger="planner"):
        stepped_search(
            fake,
            PROBLEM,
            deadline=time.perf_counter() + 0.12,
            seed=0,
            say=lambda _m: None,
        )
    assert fake.calls == [N]
    assert "would not fit" in caplog.text


@pytest.mark.parametrize(("n_jobs", "limit_s"), [(10_000, 3600.0), (50, 5.0)])
def test_big_days_and_short_limits_run_one_timed_search(
    n_jobs: int, limit_s: float
) -> None:
    """Above STEPPED_MAX_JOBS jobs or under STEPPED_MIN_S: one call, no iteration limit."""
    fake = _Fake({0: (1, 1.0)})
    stepped_search(
        fake,
        SimpleNamespace(n_jobs=n_jobs),
        deadline=time.perf_counter() + limit_s,
        seed=0,
        say=lambda _m: None,
    )
    assert fake.calls == [None]
