"""Trade-off views: the Pareto front against brute force, frames and figures."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from matplotlib.figure import Figure

from planner.core.errors import InputError
from planner.report.tradeoff import (
    cost_service_frame,
    coverage_curve_frame,
    pareto_front,
    plot_coverage_curve,
    plot_stock_fill,
    plot_tradeoff,
    stock_fill_frame,
    tradeoff_frame,
)


def brute_force(points: np.ndarray, sense: list[str]) -> np.ndarray:
    """Efficient iff no other row is >= as good everywhere and better somewhere."""
    flip = np.array([1.0 if s == "min" else -1.0 for s in sense])
    v = points * flip
    n = len(v)
    ok = [bool(np.isfinite(v[i]).all()) for i in range(n)]
    out = []
    for i in range(n):
        if not ok[i]:
            out.append(False)
            continue
        dominated = False
        for j in range(n):
            if j == i or not ok[j]:
                continue
            if all(v[j][k] <= v[i][k] for k in range(v.shape[1])) and any(
                v[j][k] < v[i][k] for k in range(v.shape[1])
            ):
                dominated = True
        out.append(not dominated)
    return np.array(out, dtype=bool)


values = st.sampled_from([0.0, 1.0, 2.0, 3.0, np.nan])  # few values: many ties


@given(
    st.integers(0, 12).flatmap(
        lambda n: st.tuples(
            st.lists(values, min_size=n, max_size=n),
            st.lists(values, min_size=n, max_size=n),
            st.lists(values, min_size=n, max_size=n),
        )
    ),
    st.sampled_from(list(itertools.product(["min", "max"], repeat=3))),
)
def test_pareto_front_matches_brute_force(cols: tuple, sense: tuple) -> None:
    """2 and 3 objectives, ties, duplicates and NaNs: same flags as brute force."""
    pts3 = np.column_stack([np.array(c, dtype=float) for c in cols]).reshape(-1, 3)
    for k in (2, 3):
        pts = pts3[:, :k]
        got = pareto_front(pts, list(sense[:k]))
        np.testing.assert_array_equal(got, brute_force(pts, list(sense[:k])))


def test_pareto_front_known_case() -> None:
    """Hand-checked: (cost, sla) = (10,.8) (20,.95) (15,.8) (30,.9) (10,.8)."""
    pts = np.array([[10, 0.8], [20, 0.95], [15, 0.8], [30, 0.9], [10, 0.8]])
    assert pareto_front(pts, ["min", "max"]).tolist() == [
        True,
        True,
        False,
        False,
        True,
    ]


def test_pareto_front_bad_input() -> None:
    """Wrong shapes or senses raise InputError."""
    with pytest.raises(InputError, match="sense"):
        pareto_front(np.zeros((3, 2)), ["min"])
    with pytest.raises(InputError, match="sense"):
        pareto_front(np.zeros((3, 2)), ["min", "up"])
    with pytest.raises(InputError, match="points"):
        pareto_front(np.zeros(3), ["min"])


def _sweep_kpis() -> pd.DataFrame:
    rows = []
    for vid, (p, cov, hw) in enumerate(
        [(10, 0.70, 0.0), (20, 0.85, 0.0), (30, 0.84, 0.0), (40, 0.95, 0.01)]
    ):
        for kpi, m in (("siting_open_outlets", p), ("siting_coverage_share", cov)):
            rows.append(
                {
                    "variant_id": f"v{vid}",
                    "variant": f"p={p}",
                    "kpi": kpi,
                    "mean": float(m),
                    "ci_low": float(m) - (hw if kpi != "siting_open_outlets" else 0),
                    "ci_high": float(m) + (hw if kpi != "siting_open_outlets" else 0),
                    "n_reps": 1,
                    "unit": "",
                }
            )
    return pd.DataFrame(rows)


def test_tradeoff_frame_and_plot() -> None:
    """The variant with more outlets and less coverage is the only dominated one."""
    f = cost_service_frame(_sweep_kpis(), fixed_cost_per_year=100.0)
    assert f["variant"].tolist() == ["p=10", "p=20", "p=30", "p=40"]
    assert f["efficient"].tolist() == [True, True, False, True]
    assert f["x"].tolist() == [1000.0, 2000.0, 3000.0, 4000.0]
    assert f["y_high"].iloc[-1] == pytest.approx(0.96)
    fig = plot_tradeoff(f)
    assert isinstance(fig, Figure)
    assert fig.axes[0].get_xlabel() == "outlet fixed cost per year"


def test_tradeoff_frame_unknown_kpi() -> None:
    """Asking for a KPI the sweep does not have names the available ones."""
    with pytest.raises(InputError, match="siting_coverage_share"):
        tradeoff_frame(_sweep_kpis(), "cost_per_ticket", "siting_coverage_share")


def test_coverage_and_stock_curves() -> None:
    """Marginal gains per outlet; stock frontier drops the dearer, worse point."""
    c = coverage_curve_frame([4, 2, 1], [0.9, 0.8, 0.5], bound=[0.95, 0.8, 0.5])
    assert c["p"].tolist() == [1, 2, 4]
    np.testing.assert_allclose(c["gain"], [0.5, 0.3, 0.05])
    assert isinstance(plot_coverage_curve({"60 min": c}, current=(2, 0.8)), Figure)
    s = stock_fill_frame([0, 100, 200, 250], [0.5, 0.9, 0.97, 0.96])
    assert s["efficient"].tolist() == [True, True, True, False]
    assert isinstance(plot_stock_fill(s, target=0.95, currency="CNY"), Figure)
    with pytest.raises(InputError, match="fill_rate"):
        stock_fill_frame([1.0], [1.5])
