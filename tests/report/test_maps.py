"""Notebook helpers: siting and route maps, the Gantt chart, unassigned jobs."""

from __future__ import annotations

from pathlib import Path

import folium
import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from planner.report import read_run
from planner.report.maps import (
    plot_gantt,
    plot_routes,
    plot_siting,
    unassigned_summary,
)
from planner.routing import DispatchProblem, solve_dispatch


def _layers(m: folium.Map) -> dict[str, object]:
    return {
        getattr(c, "layer_name", ""): c
        for c in m._children.values()
        if getattr(c, "layer_name", "")
    }


@pytest.fixture(scope="module")
def day() -> tuple[object, pd.DataFrame]:
    """Two technicians at 60.17 N, five jobs; J5 wants 06:00-06:30, before any shift.

    So at most four jobs are served and J5 is unassigned for ``window``.
    """
    rng = np.random.default_rng(3)
    jobs_ll = np.column_stack(
        [24.90 + 0.08 * rng.random(5), 60.15 + 0.05 * rng.random(5)]
    )
    lonlat = np.vstack([[[24.93, 60.17], [24.95, 60.18]], jobs_ll])
    d = np.hypot(*(lonlat[:, None, :] - lonlat[None, :, :]).transpose(2, 0, 1))
    metres = d * 80_000.0
    minutes = metres / 500.0  # 30 km/h
    jobs = pd.DataFrame(
        {
            "id": [f"J{i + 1}" for i in range(5)],
            "location": np.arange(2, 7),
            "service_min": [45, 60, 30, 90, 30],
            "tw_start_min": [480] * 4 + [360],
            "tw_end_min": [1020] * 4 + [390],
            "skills": ["hvac", "hvac", "laundry", "hvac", "hvac"],
            "urgency": ["urgent", "general", "important", "general", "urgent"],
        }
    )
    techs = pd.DataFrame(
        {
            "id": ["T1", "T2"],
            "start_location": [0, 1],
            "shift_start_min": [480, 480],
            "shift_end_min": [1020, 1020],
            "skills": ["hvac;laundry", "hvac"],
        }
    )
    problem = DispatchProblem.from_tables(
        jobs, techs, minutes, metres, location_lonlat=lonlat
    )
    plan = solve_dispatch(problem, max_iterations=50, seed=0)
    tickets = jobs.assign(lon=jobs_ll[:, 0], lat=jobs_ll[:, 1])
    return plan, tickets


def test_gantt_has_one_bar_per_visit(day: tuple) -> None:
    """Service bars match the plan's visits (count and start times)."""
    plan, _ = day
    assert plan.n_served == 4
    fig = plot_gantt(plan)
    assert isinstance(fig, Figure)
    bars = [c for c in fig.axes[0].collections if c.get_gid() == "service"]
    assert len(bars) == plan.n_served
    starts = sorted(float(b.get_paths()[0].vertices[:, 0].min()) for b in bars)
    np.testing.assert_allclose(starts, sorted(np.asarray(plan.start_min)))
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert labels == ["T1", "T2"]


def test_unassigned_summary_and_route_map(day: tuple) -> None:
    """J5 (a window before every shift) is reported with its reason on the table and the map."""
    plan, tickets = day
    s = unassigned_summary(plan)
    assert s[["reason", "urgent", "total"]].values.tolist() == [["window", 1, 1]]
    m = plot_routes(plan, tickets=tickets, tiles=None)
    layers = _layers(m)
    assert "Unassigned jobs" in layers
    assert "Routes" in layers
    assert "Urgent jobs" in layers
    html = m.get_root().render()
    assert "J5" in html


def test_siting_map_layers(run_folder: Path) -> None:
    """The siting map has the five layers; uncovered points as in the plan."""
    run = read_run(run_folder)
    assert run.plan is not None
    assert run.demand is not None
    assert run.sites is not None
    m = plot_siting(run.plan, run.demand, run.sites, radius_m=run.radius_m, tiles=None)
    layers = _layers(m)
    for name in (
        "Service areas",
        "Covered demand",
        "Uncovered demand",
        "Existing outlets",
        "New outlets",
    ):
        assert name in layers, name
    feats = layers["Uncovered demand"].data["features"]  # type: ignore[attr-defined]
    assert len(feats) == int((~np.asarray(run.plan.covered)).sum())
