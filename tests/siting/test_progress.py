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


def test_every_pmedian_record_is_in_the_plans_objective_units(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With closing costs (a constant the inner stages leave out) no record passes the plan.

    A minimization's incumbents only fall and its bounds only rise, so every
    record's ``best`` is at least the plan's objective and every ``bound`` at
    most it; a stage reporting without the constant breaks one of the two.
    """
    import importlib

    from planner.siting import SiteOptions, _common

    def every_record(*a: object, **k: object) -> object:
        hb = _common.heartbeat(*a, **k)  # type: ignore[arg-type]
        hb.interval_s = 0.0
        return hb

    module = SOLVERS["pmedian"][0]
    monkeypatch.setattr(importlib.import_module(module), "heartbeat", every_record)
    cost, w, _, _ = random_instance(60, 14, 3, integer=False)
    opt = SiteOptions(existing=[0, 1, 2, 3], closing_cost=500.0)
    seen: list[Progress] = []
    plan = solve_pmedian(np.asarray(cost), w, 4, options=opt, progress=seen.append)
    tol = 1e-6 * max(1.0, abs(plan.objective))
    bests = [r.best for r in seen if r.best is not None]
    bounds = [r.bound for r in seen if r.bound is not None]
    assert len(bests) > 2
    assert len(bounds) > 1
    assert min(bests) >= plan.objective - tol
    assert max(bounds) <= plan.objective + tol
