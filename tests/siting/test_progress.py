"""Long siting solves report progress: a callback and log lines, ending with the result."""

from __future__ import annotations

import logging
from collections.abc import Callable

import numpy as np
import pytest

from planner.core.progress import Progress
from planner.siting import (
    SitingPlan,
    solve_facility_location,
    solve_lscp,
    solve_mclp,
    solve_pcenter,
    solve_pmedian,
)
from tests.siting.oracles import random_instance

SOLVERS: dict[str, tuple[str, Callable[..., SitingPlan]]] = {
    "pmedian": (
        "planner.siting.pmedian",
        lambda c, w, **k: solve_pmedian(c, w, 3, **k),
    ),
    "mclp": ("planner.siting.mclp", lambda c, w, **k: solve_mclp(c, w, 3, 30.0, **k)),
    "lscp": ("planner.siting.lscp", lambda c, w, **k: solve_lscp(c, w, 40.0, **k)),
    "pcenter": (
        "planner.siting.pcenter",
        lambda c, w, **k: solve_pcenter(c, w, 3, **k),
    ),
    "facility": (
        "planner.siting.facility",
        lambda c, w, **k: solve_facility_location(c, w, 50.0, **k),
    ),
}


@pytest.mark.parametrize("name", sorted(SOLVERS))
def test_progress_callback_and_log_end_with_the_plan(
    name: str, caplog: pytest.LogCaptureFixture
) -> None:
    """The last record is "done" with the plan's objective; the module's logger saw it."""
    logger, solve = SOLVERS[name]
    cost, w, _, _ = random_instance(30, 12, 4, integer=False)
    seen: list[Progress] = []
    with caplog.at_level(logging.INFO, logger=logger):
        plan = solve(np.asarray(cost), w, progress=seen.append)
    assert seen
    assert seen[-1].message.startswith("done")
    assert seen[-1].best == pytest.approx(plan.objective)
    assert any(r.name == logger and "done" in r.getMessage() for r in caplog.records)
