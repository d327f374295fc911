"""Demand estimation: history to series, Croston/SBA/TSB, ADI-CV2, ABC-XYZ, targets."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from planner.core.errors import InputError
from planner.inventory import (
    abc_xyz,
    classify_demand,
    croston,
    demand_matrix,
    estimate_rates,
    forecast_demand,
    sba,
    service_targets,
    ses,
    tsb,
)


def history() -> pd.DataFrame:
    """A small usage table: part a at two outlets, part b at one."""
    return pd.DataFrame(
        {
            "part": ["a", "a", "a", "b", "a"],
            "location": ["x", "y", "x", "x", "x"],
            "period": [0, 1, 3, 2, 3],
            "quantity": [2, 1, 1, 4, 1],
        }
    )


def test_demand_matrix_sums_rows_per_cell() -> None:
    """Rows for one (part, location, period) add up; series sorted by id."""
    idx, Y = demand_matrix(history(), ["a", "b"], n_periods=5)
    assert idx.to_dict("records") == [
        {"part": "a", "location": "x"},
        {"part": "a", "location": "y"},
        {"part": "b", "location": "x"},
    ]
    assert Y.tolist() == [[2, 0, 0, 2, 0], [0, 1, 0, 0, 0], [0, 0, 4, 0, 0]]
    r = estimate_rates(Y)
    assert r["rate"].tolist() == [0.8, 0.2, 0.8]
    assert r["occurrence_rate"].tolist() == [0.4, 0.2, 0.2]
    assert r["mean_size"].tolist() == [2.0, 1.0, 4.0]


@pytest.mark.parametrize(
    ("change", "match"),
    [
        (
            {"part": ["a", "a", "a", "zz", "a"]},
            "part must be a part in the catalogue; got 'zz'",
        ),
        ({"quantity": [2, -1, 1, 4, 1]}, "row 2"),
        ({"quantity": [2, 1, float("nan"), 4, 1]}, "quantity"),
        ({"period": [0, 1.5, 3, 2, 3]}, "period"),
    ],
)
def test_bad_history_rows_are_named(
    change: dict[str, list[object]], match: str
) -> None:
    """A part missing from the catalogue or a bad quantity/period: one clear error."""
    h = history().assign(**change)
    with pytest.raises(InputError, match=match):
        demand_matrix(h, ["a", "b"])


def test_croston_sba_tsb_by_hand() -> None:
    """Forecasts equal hand computations on short series (alpha = beta = 0.5)."""
    y = np.array([[0, 3, 0, 0, 6], [0, 4, 0, 4, 0], [0, 0, 0, 0, 0]])
    # Croston: z 3 -> 4.5, p 2 -> 2.5 => 1.8 ; second: z 4, p 2 -> 2 => 2.0
    np.testing.assert_allclose(croston(y, 0.5), [1.8, 2.0, 0.0])
    np.testing.assert_allclose(sba(y, 0.5), [1.35, 1.5, 0.0])
    # TSB second series: prob 0.4 -> .2 .6 .3 .65 .325, size 4
    np.testing.assert_allclose(tsb(y[1:2], 0.5, 0.5), [0.325 * 4])
    np.testing.assert_allclose(ses([[2, 4, 0]], 0.5), [1.5])


def test_croston_unbiased_rate_on_long_series() -> None:
    """On a long Bernoulli-size series SBA is close to the true mean rate."""
    rng = np.random.default_rng(0)
    y = (rng.random((200, 3000)) < 0.2) * rng.integers(1, 5, (200, 3000))
    est = sba(y, 0.05)
    assert abs(est.mean() - 0.2 * 2.5) < 0.02


def test_classes_and_method_choice() -> None:
    """ADI / CV2 quadrants and the method chosen for each."""
    y = [[1, 1, 1, 1], [1, 9, 1, 9], [0, 0, 0, 5], [0, 1, 0, 9], [0, 0, 0, 0]]
    c = classify_demand(y)
    assert c["class"].tolist() == ["smooth", "erratic", "intermittent", "lumpy", "none"]
    f = forecast_demand(y, alpha=0.5)
    assert f["method"].tolist() == ["croston", "sba", "sba", "sba", "none"]
    assert f["rate"].iloc[-1] == 0.0
    assert forecast_demand(y, method="tsb")["method"].iloc[0] == "tsb"


def test_abc_xyz_and_rule_table() -> None:
    """ABC by value share, XYZ by CV, then targets from the rule table."""
    cls = abc_xyz([85, 10, 5], [[5, 5, 5], [1, 4, 1], [0, 0, 9]])
    assert cls["class"].tolist() == ["AX", "BY", "CZ"]
    t = service_targets(cls["class"])
    assert t.tolist() == [0.98, 0.95, 0.90]
    t2 = service_targets(cls["class"], {"A": 0.99, "B": 0.9, "CZ": 0.8})
    assert t2.tolist() == [0.99, 0.9, 0.8]
    with pytest.raises(InputError, match="class"):
        service_targets(["DX"])
    with pytest.raises(InputError, match="rules"):
        service_targets(["AX"], {"A": 1.5})


def test_rates_from_failures_by_hand() -> None:
    """Installed base x failure rate x usage per failure, summed over products."""
    from planner.inventory import rates_from_failures

    r = rates_from_failures([[10, 0], [5, 2]], [0.1, 0.5], [[1.0, 0.0], [0.5, 2.0]])
    # location 1: 5 * 0.1 = 0.5 failures of product 0, 2 * 0.5 = 1 of product 1
    assert r[:, 1].tolist() == [0.5 * 1.0 + 1.0 * 0.5, 1.0 * 2.0]
    with pytest.raises(InputError, match="failure_rate"):
        rates_from_failures([[1, 2]], [0.1], [[1.0]])
    with pytest.raises(InputError, match="failure_rate"):
        rates_from_failures([[1]], [-0.1], [[1.0]])
