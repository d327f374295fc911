"""Shared test configuration: hypothesis profile, seed fixture, paths."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    derandomize=True,
    deadline=None,
    max_examples=25,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

REPO = Path(__file__).resolve().parents[1]
SHARED_BENCHMARKS = REPO.parent / "shared" / "benchmarks"


@pytest.fixture
def seed() -> int:
    """Seed for randomized tests: 0, or ``PLANNER_TEST_SEED`` (``any`` = random)."""
    v = os.environ.get("PLANNER_TEST_SEED", "0")
    if v == "any":
        import random

        return random.SystemRandom().randrange(2**31)
    return int(v)


@pytest.fixture(scope="session")
def repo() -> Path:
    """The repository root."""
    return REPO
