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
