"""Bad input: one clear InputError line each, with the numbers, before any sizing."""

from __future__ import annotations

import numpy as np
import pytest

from planner.core.errors import InputError
from planner.staffing import (
    ServiceClass,
    Shift,
    StaffingProblem,
    required_servers,
    size_workforce,
)

DAY_ONLY = [Shift("day", "08:00", "17:00", range(5))]


def _one_line(e: pytest.ExceptionInfo[InputError]) -> str:
    msg = str(e.value)
    assert "\n" not in msg
    return msg


def test_share_one_with_random_waits() -> None:
    """share 1.0 where tickets arrive at random: no staffing meets it."""
    with pytest.raises(InputError) as e:
        required_servers(2.0, 60.0, target_min=30, target_share=1.0)
    assert "1.0 at 2 arrivals/h, target 30 min" in _one_line(e)
    with pytest.raises(InputError) as e:
        StaffingProblem.from_arrays(
            tickets_per_year=[[100, 0, 0]],
            classes=[
                ("urgent", 240, 1.0),
                ("important", 1440, 0.9),
                ("general", 4320, 0.9),
            ],
        )
    assert "urgent.share" in _one_line(e)


def test_target_shorter_than_travel() -> None:
    """A wait target below the travel before the clock stops, with the numbers."""
    with pytest.raises(InputError) as e:
        StaffingProblem.from_arrays(
            tickets_per_year=[[100, 100, 100], [100, 100, 100]],
            response_offset_min=[[30, 0, 0], [250, 0, 0]],
            outlet_ids=("a", "b"),
        )
    msg = _one_line(e)
    assert "outlet 'b'" in msg
    assert "250 min travel" in msg
    assert "got 240" in msg


@pytest.mark.parametrize(
    ("profile", "words"),
    [
        (np.r_[-0.1, np.full(23, 1.1 / 23)], ">= 0; got -0.1"),
        (np.full(24, 0.05), "summing to 1; got 1.2"),
        (np.full(25, 1 / 25), "24 or 168 values"),
    ],
)
def test_bad_hour_profile(profile: np.ndarray, words: str) -> None:
    """An hour profile with a negative value, a wrong sum or length."""
    with pytest.raises(InputError) as e:
        StaffingProblem.from_arrays(tickets_per_year=[[1, 1, 1]], hour_profile=profile)
    assert words in _one_line(e)


def test_bad_day_profile() -> None:
    """A day-of-week profile must sum to 1 as well."""
    with pytest.raises(InputError) as e:
        StaffingProblem.from_arrays(
            tickets_per_year=[[1, 1, 1]], dow_profile=np.ones(7)
        )
    assert "dow_profile" in _one_line(e)


def test_unknown_clock() -> None:
    """A clock other than calendar or business."""
    with pytest.raises(InputError) as e:
        ServiceClass("urgent", 240, 0.9, clock="lunar")
    assert "'calendar' or 'business'; got 'lunar'" in _one_line(e)


def test_shifts_leave_clock_hours_uncovered() -> None:
    """Day shifts only, urgent on the calendar clock with 4 h: the night is uncovered."""
    with pytest.raises(InputError) as e:
        StaffingProblem.from_arrays(tickets_per_year=[[100, 100, 100]], shifts=DAY_ONLY)
    msg = _one_line(e)
    assert "urgent target of 240 min" in msg
    # Flat arrivals; a ticket of hour h is reachable when a shift hour starts
    # within 240 min: the 45 shift hours and the 4 hours before each 08:00
    # start (5 days), so 103 of 168 hours miss whatever the crew.
    assert f"{100 * 103 / 168:.1f} % of its urgent tickets arrive when nobody" in msg
    assert "more than the 10.0 % the target may miss" in msg


def test_business_clock_gap_counts_business_minutes() -> None:
    """On a business clock the weekend is no gap; business hours without staff are."""
    cls = [ServiceClass("important", 120, 0.9, "business")]
    lam = np.zeros((1, 1, 168))
    lam[0, 0, 8:17] = 1.0
    ok = StaffingProblem.from_arrays(lam, classes=cls, shifts=DAY_ONLY)
    assert ok.n_outlets == 1
    short = [Shift("am", "08:00", "12:00", range(5))]
    with pytest.raises(InputError) as e:
        StaffingProblem.from_arrays(lam, classes=cls, shifts=short)
    # Monday 12:00-16:00 the next shift hour (Tue 08:00) is 360 to 180
    # business minutes away (open until 18:00), beyond the 120-minute target;
    # from 16:00 it is 120: 4 of the 9 hours of tickets miss.
    msg = _one_line(e)
    assert f"{100 * 4 / 9:.1f} % of its important tickets" in msg
    assert "360 business min from Mon 12:00" in msg


def test_headcount_cap_below_fluid_minimum() -> None:
    """A cap below the visit work over the longest shift's hours."""
    p = StaffingProblem.from_arrays(tickets_per_year=[[2000, 8000, 10000]])
    with pytest.raises(InputError) as e:
        size_workforce(p, headcount_cap=3)
    msg = _one_line(e)
    assert "fluid minimum of 11 technicians" in msg
    assert "got 3" in msg


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"arrival_per_h": np.ones((1, 3, 24))}, "168 hours"),
        ({"arrival_per_h": -np.ones((1, 3, 168))}, ">= 0"),
        ({"arrival_per_h": np.ones((1, 2, 168))}, "2 classes"),
        ({"arrival_per_h": np.ones((1, 3, 168)), "visit_mean_min": 0.0}, "> 0"),
        (
            {"arrival_per_h": np.ones((2, 3, 168)), "shift_allowed": np.ones((3, 6))},
            "shape (2, 6)",
        ),
        (
            {
                "tickets_per_year": [[1, 1, 1]],
                "skill_names": ("a", "b"),
                "skill_share": [0.5, 0.6],
            },
            "summing to 1",
        ),
        ({}, "either arrival_per_h or tickets_per_year"),
    ],
)
def test_bad_arrays(kwargs: dict, words: str) -> None:
    """Wrong shapes and values of the problem's arrays."""
    with pytest.raises(InputError) as e:
        StaffingProblem.from_arrays(**kwargs)
    assert words in _one_line(e)


@pytest.mark.parametrize(
    ("spec", "words"),
    [
        (("x", "07:30", "15:00"), "whole hours"),
        (("x", "25:00", "26:00"), "start must be in [00:00, 24:00); got 1500"),
        (("x", "7h", "15:00"), "'HH:MM'"),
        (("x", "07:00", "15:00", (7,)), "days 0 (Mon) to 6"),
        (("x", "07:00", "15:00", (0,), 0.0), "cost_factor must be > 0"),
    ],
)
def test_bad_shift(spec: tuple, words: str) -> None:
    """Shifts off the hour grid, bad times, days or cost factors."""
    with pytest.raises(InputError) as e:
        Shift(*spec)
    assert words in _one_line(e)


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"min_staff": np.ones((1, 2))}, "min_staff"),
        ({"target_share": [[1.0, 0.9, 0.9]]}, "in (0, 1)"),
        ({"min_per_outlet": 5, "max_per_outlet": 4}, "<= max_per_outlet"),
        ({"skills": 2}, "skill_share"),
        ({"max_utilization": 1.5}, "in (0, 1]"),
    ],
)
def test_bad_options(kwargs: dict, words: str) -> None:
    """Options of size_workforce that cannot be right."""
    p = StaffingProblem.from_arrays(tickets_per_year=[[100, 400, 500]])
    with pytest.raises(InputError) as e:
        size_workforce(p, **kwargs)
    assert words in _one_line(e)


def test_outlet_without_any_shift() -> None:
    """An outlet with tickets but no allowed shift."""
    allowed = np.ones((2, 6), bool)
    allowed[1] = False
    with pytest.raises(InputError) as e:
        StaffingProblem.from_arrays(
            tickets_per_year=[[1, 1, 1], [1, 1, 1]],
            shift_allowed=allowed,
            outlet_ids=("a", "b"),
        )
    assert "outlet 'b': shift_allowed must be at least one allowed shift" in _one_line(
        e
    )
