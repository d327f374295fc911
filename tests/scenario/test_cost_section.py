"""The scenario's [costs] table is derived from planner.core.CostRates."""

from __future__ import annotations

import dataclasses

import pytest

from planner.core import CostRates, InputError
from planner.scenario.schema import CostSpec


def test_every_rate_is_a_key_with_the_same_default():
    """Each CostRates field is a [costs] key, with its default and its doc."""
    rates = CostRates()
    spec = CostSpec()
    names = [f.name for f in dataclasses.fields(CostRates)]
    assert list(CostSpec.model_fields) == names
    for name in names:
        assert getattr(spec, name) == getattr(rates, name)
        assert CostSpec.model_fields[name].description == CostRates.docs()[name]
        assert CostRates.docs()[name]


def test_rates_and_penalties_reach_the_cost_model():
    """Values set in [costs] come out of CostRates(**spec) unchanged."""
    spec = CostSpec(labour_per_hour=40.0, unserved_penalty={"urgent": 5.0})
    r = CostRates(**spec.model_dump())
    assert r.labour_per_hour == 40.0
    assert r.unserved_penalty == {"urgent": 5.0}


@pytest.mark.parametrize(
    "bad",
    [
        {"labour_per_hour": float("inf")},
        {"travel_per_km": -1.0},
        {"late_penalty_per_hour": {"urgent": float("nan")}},
        {"lunch_per_day": 3.0},
    ],
)
def test_bad_rates_are_refused(bad):
    """Non-finite, negative or unknown rates are refused by the schema."""
    from pydantic import ValidationError

    with pytest.raises((ValidationError, InputError)):
        CostSpec(**bad)
