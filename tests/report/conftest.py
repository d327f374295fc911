"""Fixtures of the report tests: one small run folder, written once."""

from __future__ import annotations

from pathlib import Path

import pytest

from planner.scenario import run_scenario, spec_from_dict


@pytest.fixture(scope="session")
def run_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """China's towns of 300,000+ residents (364 points): MCLP with p = 15, then stock."""
    s = spec_from_dict(
        {
            "name": "tiny",
            "seed": 5,
            "region": {"kind": "gazetteer", "country": "CN", "min_population": 300000},
            "demand": {"spread": {"enabled": False}},  # one point per town
            "outlets": {"existing_largest": 10},
            "siting": {"model": "mclp", "p": 15, "radius_min": 120.0},
            "run": {"stages": ["summary", "siting", "inventory"]},
        }
    )
    return run_scenario(s, tmp_path_factory.mktemp("runs")).folder


@pytest.fixture(scope="session")
def design_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Jiangsu's 12 towns of 200,000+ residents (one point each), the design
    stage over p = 4 and 6 with 2 replications of 6 days: a recommendation,
    today's network (3 outlets, 8 technicians each) simulated beside it."""
    s = spec_from_dict(
        {
            "name": "tinyd",
            "seed": 11,
            "currency": "CNY",
            "region": {
                "kind": "gazetteer",
                "country": "CN",
                "min_population": 200_000,
                "admin1": ["04"],
            },
            "demand": {"spread": {"enabled": False}},
            "outlets": {"existing_largest": 3},
            "siting": {"model": "mclp", "p": 5, "radius_min": 120.0},
            "simulation": {
                "horizon_days": 6,
                "warmup_days": 2,
                "n_jobs": 1,
                "n_reps": 2,
            },
            "design": {"p": [4, 6], "n_reps": 2, "max_iterations": 3, "neighbours": 0},
            "run": {"stages": ["summary", "design"]},
        }
    )
    return run_scenario(s, tmp_path_factory.mktemp("druns")).folder
