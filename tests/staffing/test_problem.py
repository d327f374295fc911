"""The sizing input: rates per hour of the week, visit moments, shifts, validation."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from planner.core.errors import InputError
from planner.staffing import (
    Shift,
    StaffingProblem,
    required_servers,
    visit_moments,
    week_rates,
)


def test_week_rates_profiles() -> None:
    """Hour and day profiles multiply; the week sums to the yearly tickets / 52.14."""
    hp = np.r_[np.zeros(8), np.full(10, 0.1), np.zeros(6)]
    dp = np.r_[np.full(5, 0.18), 0.06, 0.04]
    r = week_rates([[5214.0, 0.0]], hour_profile=hp, dow_profile=dp)
    assert r.shape == (1, 2, 168)
    assert r[0, 0].sum() == pytest.approx(5214.0 * 7 / 365)
    assert r[0, 0, 24 * 5 + 9] == pytest.approx(r[0, 0].sum() * 0.06 * 0.1)
    assert r[0, 0, :8].sum() == 0
    assert (r[0, 1] == 0).all()
    per_class = week_rates(
        [[1.0, 1.0]], hour_profile=np.stack([hp, np.full(24, 1 / 24)])
    )
    assert per_class[0, 1].std() == pytest.approx(0.0)
    assert per_class[0, 0].std() > 0


def test_visit_moments_against_samples() -> None:
    """Mean and cv of repair + round trip equal those of a direct weighted sample."""
    rng = np.random.default_rng(0)
    t = rng.uniform(0, 60, 400)
    w = rng.uniform(0, 3, 400)
    a = rng.integers(-1, 3, 400)
    mean, cv = visit_moments(80.0, 0.5, t, w, a, 4)
    for o in range(3):
        k = a == o
        tm = np.average(2 * t[k], weights=w[k])
        tv = np.average((2 * t[k] - tm) ** 2, weights=w[k])
        assert mean[o] == pytest.approx(80.0 + tm)
        assert cv[o] == pytest.approx(np.sqrt(40.0**2 + tv) / (80.0 + tm))
    assert mean[3] == pytest.approx(80.0)  # no demand: repair alone
    assert cv[3] == pytest.approx(0.5)


def test_overnight_shift_wraps_the_week() -> None:
    """A Sunday 22:00-06:00 shift covers Sunday night and Monday morning."""
    s = Shift("n", "22:00", "06:00", (6,))
    on = s.on_duty()
    assert on.sum() == 8
    assert on[6 * 24 + 22 : 168].all()
    assert on[:6].all()
    assert s.end_hours().tolist() == [5]
    assert s.label() == "n 22:00-06:00 Sun"


def test_replace_validates_again() -> None:
    """A what-if by dataclasses.replace runs the checks again."""
    p = StaffingProblem.from_arrays(tickets_per_year=[[100, 400, 500]])
    q = dataclasses.replace(p, labour_per_hour=40.0)
    assert q.labour_per_hour == 40.0
    with pytest.raises(InputError, match="labour_per_hour"):
        dataclasses.replace(p, labour_per_hour=-1.0)


def test_classes_from_mapping_and_business_hours_tuple() -> None:
    """Classes may come as a mapping (insertion order = priority); hours as a tuple."""
    p = StaffingProblem.from_arrays(
        tickets_per_year=[[10, 20]],
        classes={
            "urgent": {"target_min": 120, "share": 0.8},
            "other": {"target_min": 600, "share": 0.9, "clock": "business"},
        },
        business_hours=("09:00", "17:00", range(6)),
    )
    assert [c.name for c in p.classes] == ["urgent", "other"]
    assert int(p.business_hours.sum()) == 48


@given(
    lam=st.floats(0.01, 50.0),
    s=st.floats(5.0, 300.0),
    t=st.floats(0.0, 600.0),
    share=st.floats(0.05, 0.99),
)
def test_required_servers_monotone(
    lam: float, s: float, t: float, share: float
) -> None:
    """More arrivals or a higher share never need fewer servers; a longer target never more."""
    c = float(required_servers(lam, s, target_min=t, target_share=share))
    assert c >= lam * s / 60.0
    assert float(required_servers(lam * 1.3, s, target_min=t, target_share=share)) >= c
    hi = min(0.995, share + 0.04)
    assert float(required_servers(lam, s, target_min=t, target_share=hi)) >= c
    assert (
        float(required_servers(lam, s, target_min=t * 2 + 1, target_share=share)) <= c
    )


def test_select_resizes_a_subset_alike() -> None:
    """Sizing a subset of outlets costs what those outlets cost in the full sizing
    (the shift mix may be another optimum of the same cost)."""
    from planner.staffing import size_workforce

    p = StaffingProblem.from_arrays(
        tickets_per_year=[[100, 400, 500], [2000, 8000, 10000], [700, 2800, 3500]],
        outlet_ids=("a", "b", "c"),
    )
    full = size_workforce(p)
    sub = size_workforce(p.select([2, 0]))
    assert sub.outlet_ids == ("c", "a")
    assert sub.labour_per_year == pytest.approx(full.labour_per_year[[2, 0]])
    assert (sub.sla >= 0.9).all()
    assert p.select(np.array([False, True, False])).outlet_ids == ("b",)
    with pytest.raises(InputError, match="indices in"):
        p.select([3])


def test_breaks_reduce_availability_not_duty() -> None:
    """A 60 min break in a 2 h window halves those hours' availability, keeps the
    technician on duty, and is refused when it does not fit the shift."""
    s = Shift("day", "08:00", "17:00", range(5), break_min=60, break_start_min="12:00")
    av = s.availability()
    assert av[12] == pytest.approx(0.5)
    assert av[13] == pytest.approx(0.5)
    assert av[11] == 1.0
    assert s.on_duty()[12]
    assert av.sum() == pytest.approx(s.worked_h_per_week)
    assert s.paid_h_per_week == 45.0
    with pytest.raises(InputError, match="break_start"):
        Shift("day", "08:00", "17:00", break_min=60, break_start_min="16:00")
    with pytest.raises(InputError, match="break_min"):
        Shift("day", "08:00", "10:00", break_min=150)
    night = Shift("n", "22:00", "06:00", (0,), break_min=30)
    assert night.break_start_min == 22 * 60 + 180  # 01:00 the next day
    assert night.availability()[25] == pytest.approx(0.75)
