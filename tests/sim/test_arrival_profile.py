"""Hour-of-week arrival profiles: the public profile, the generator, bad input,
and the README's KPI list kept equal to the registry."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from planner.core import (
    ArrivalProfile,
    Catalog,
    DemandPoints,
    FaultType,
    InputError,
    Outlets,
    ProductCategory,
    Technician,
    TimeWindow,
    UrgencyClass,
    hour_of_week_profile,
)
from planner.scenario import read_catalog
from planner.sim import KPIS, SimModel, generate_tickets, kpi_markdown

REPO = Path(__file__).resolve().parents[2]


def test_builtin_profile_shape() -> None:
    """168 shares, Monday 00:00 first, summing to 1; calls in opening hours, a
    weekend dip, nights near zero (the catalogue's documented profile)."""
    cat = read_catalog()
    p = hour_of_week_profile(cat)
    assert p.shape == (168,)
    assert p.sum() == pytest.approx(1.0)
    assert (p >= 0).all()
    week = p.reshape(7, 24)
    day = week.sum(axis=1)
    assert day[0] == day.max()  # Monday peak
    assert day[5:].max() < day[1:5].min()  # weekend dip
    assert week[:, 9:18].sum() > 0.6  # most calls in opening hours
    assert week[:, 1:5].sum() < 0.02  # hardly any at night
    # the overall profile is the categories' weighted by their failure rates
    w = np.array([c.failure_rate_per_1000 for c in cat.categories])
    mix = sum(
        wi * hour_of_week_profile(cat, c.name)
        for wi, c in zip(w, cat.categories, strict=True)
    )
    np.testing.assert_allclose(p, mix / mix.sum())


def test_profile_by_hand() -> None:
    """Shares multiply: day share x hour share, the weekend's own hours at weekends."""
    hod = np.zeros(24)
    hod[10] = 1.0
    wk = np.zeros(24)
    wk[14] = 1.0
    dow = np.array([0.3, 0.1, 0.1, 0.1, 0.1, 0.2, 0.1])
    p = ArrivalProfile(hod, dow, wk).hour_of_week()
    expect = np.zeros(168)
    for d in range(7):
        expect[d * 24 + (14 if d >= 5 else 10)] = dow[d]
    np.testing.assert_allclose(p, expect)


@pytest.mark.parametrize(
    ("kw", "match"),
    [
        (
            {"hour_of_day": np.r_[-0.1, 0.1 + np.full(23, 1 / 23) * 0]},
            "hour_of_day must be shares >= 0; got '-0.1 at position 1'",
        ),
        (
            {"day_of_week": np.full(7, 0.1)},
            "day_of_week must be 7 shares that sum to 1; got 'sum 0.7'",
        ),
        (
            {"hour_of_day": np.full(12, 1 / 12)},
            "hour_of_day must be 24 finite shares; got '12 values'",
        ),
    ],
    ids=["negative", "sum", "length"],
)
def test_bad_profiles_are_one_line(kw: dict[str, np.ndarray], match: str) -> None:
    """A negative share, shares not summing to 1, a wrong length: one clear line."""
    args = {"hour_of_day": np.full(24, 1 / 24), "day_of_week": np.full(7, 1 / 7), **kw}
    with pytest.raises(InputError) as e:
        ArrivalProfile(**args)
    assert match in str(e.value)
    assert "\n" not in str(e.value)


def test_generator_follows_the_hour_of_week_profile() -> None:
    """Ticket counts per hour of the week are within 4 standard deviations of the
    Poisson expectation from the profile (one category, flat seasons)."""
    hod = np.r_[np.zeros(8), np.full(10, 0.08), np.full(6, 0.2 / 6)]
    wk = np.r_[np.zeros(10), np.full(8, 0.1), np.full(6, 0.2 / 6)]
    dow = np.array([0.2, 0.16, 0.16, 0.16, 0.16, 0.1, 0.06])
    prof = ArrivalProfile(hod, dow, wk)
    cat = Catalog(
        (
            ProductCategory(
                "x", 1.0, np.ones(12), (FaultType("f", 1.0, "s", 30.0),), prof
            ),
        ),
        (),
    )
    d = DemandPoints.from_arrays(
        ["p"], [0.0], [0.0], tickets_per_year=[[100_000.0]], categories=["x"]
    )
    o = Outlets.from_arrays(["o"], [0.0], [0.0])
    t = [Technician("t", (0.0, 0.0), {"s"}, TimeWindow(0, 1440), outlet_id="o")]
    m = SimModel.from_core(
        d, o, t, cat, [UrgencyClass("general", 4320, 1.0)], start_date="2026-01-05"
    )  # a Monday
    s = generate_tickets(m, 7 * 20, seed=2)
    how = ((s.created_min // 60) % 168).astype(int)
    count = np.bincount(how, minlength=168).astype(float)
    expect = len(s) * prof.hour_of_week()
    dev = np.abs(count - expect) / np.sqrt(np.maximum(expect, 1.0))
    assert (dev < 4.0).all()
    assert (count[expect == 0] == 0).all()


def test_readme_kpi_list_matches_the_registry() -> None:
    """The README's KPI table is the registry's (planner.sim.kpi_markdown)."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    start = text.index("<!-- sim-kpis:start -->") + len("<!-- sim-kpis:start -->")
    end = text.index("<!-- sim-kpis:end -->")
    assert text[start:end].strip() == kpi_markdown()
    assert len(KPIS) > 30
