"""Arrival streams: profiles, shares and the replay of a ticket table."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from planner.core.errors import InputError
from planner.sim import (
    SimModel,
    generate_tickets,
    read_tickets,
    run_replication,
    simulate,
    tickets_frame,
)
from planner.sim.model import check_profile


def _within(count: np.ndarray, expected: np.ndarray, z: float = 5.0) -> None:
    """Poisson counts within z standard deviations of their expectation."""
    dev = np.abs(count - expected) / np.sqrt(np.maximum(expected, 1.0))
    assert (dev < z).all(), (count, expected.round(1))


def test_seasonal_weekday_and_hour_profiles(
    make_network: Callable[..., SimModel],
) -> None:
    """Monthly, weekday and hourly counts follow the product of the profiles."""
    dow = np.array([1.4, 1.2, 1.0, 1.0, 1.0, 0.8, 0.6])
    model = make_network(seed=0, tickets_per_year=200_000.0, dow_profile=dow)
    s = generate_tickets(model, 365.0, seed=5)
    rate = model.demand.rate_per_year.sum(axis=0)  # per category
    days = np.datetime64("2026-01-01") + np.arange(365)
    month = days.astype("datetime64[M]").astype(int) % 12
    wd = (days.astype(int) + 3) % 7
    # expected per day and category: rate/365 * season * dow (hour profile mean 1)
    week = model.demand.week_profile.reshape(-1, 7, 24)
    dow_f = week.mean(axis=2)  # the day factors (the profile is dow x hour here)
    per_day = rate[None, :] / 365.0 * model.demand.seasonal[:, month].T * dow_f[:, wd].T
    day = (s.created_min // 1440).astype(int)
    _within(
        np.bincount(month[day], minlength=12).astype(float),
        np.bincount(month, weights=per_day.sum(axis=1), minlength=12),
    )
    _within(
        np.bincount(wd[day], minlength=7).astype(float),
        np.bincount(wd, weights=per_day.sum(axis=1), minlength=7),
    )
    hour = ((s.created_min % 1440) // 60).astype(int)
    hp = week[0].mean(axis=0)
    _within(np.bincount(hour, minlength=24).astype(float), len(s) * hp / hp.sum())
    assert (hp[hour] > 0).all()  # no ticket in a zero-rate hour


def test_triage_shares(make_network: Callable[..., SimModel]) -> None:
    """Urgency, fault, remote-fix and part-usage frequencies match the catalogue."""
    model = make_network(seed=1, tickets_per_year=100_000.0)
    s = generate_tickets(model, 365.0, seed=2)
    n = len(s)
    _within(
        np.bincount(s.urgency, minlength=3).astype(float),
        n * model.service.urgency_share,
    )
    cat_n = np.bincount(s.category, minlength=len(model.category_names))
    exp_f = model.faults.share * cat_n[model.faults.category]
    f_n = np.bincount(s.fault, minlength=len(model.fault_names)).astype(float)
    _within(f_n, exp_f)
    _within(
        np.array([s.remote.sum()], dtype=float),
        np.array([model.faults.remote_rate[s.fault].sum()]),
    )
    # part usage of non-remote tickets
    used = np.zeros(model.n_parts)
    np.add.at(used, s.part_idx, 1.0)
    nonremote = np.bincount(s.fault[~s.remote], minlength=len(model.fault_names))
    _within(used, (model.faults.part_prob * nonremote[:, None]).sum(axis=0))
    assert np.diff(s.created_min).min() >= 0


def test_profile_validation() -> None:
    """Profiles must have the right length and mean 1."""
    with pytest.raises(InputError, match="mean 1"):
        check_profile(np.ones(24) * 2, "hour_profile", 1, 24)
    with pytest.raises(InputError, match="hour_profile"):
        check_profile(np.ones(23), "hour_profile", 1, 24)


def _table(model: SimModel) -> pd.DataFrame:
    lon, lat = model.demand.lonlat[:3].T
    return pd.DataFrame(
        {
            "ticket_id": ["T1", "T2", "T3"],
            "created": ["2026-01-01 09:00", "2026-01-01 08:30", "2026-01-02 10:15"],
            "lon": lon,
            "lat": lat,
            "category": ["air_conditioner", "television", "refrigerator"],
            "fault": ["compressor", "panel", "door_seal"],
            "urgency": ["urgent", "general", "Important"],
            "service_min": ["100", "", "40"],
            "parts": ["AC-COMP;AC-REFR", "TV-PANEL", ""],
        }
    )


def test_replay_unchanged(
    make_network: Callable[..., SimModel], tmp_path: Path
) -> None:
    """A replayed table keeps its tickets, times, faults and parts; sorted by time."""
    model = make_network(seed=2)
    df = _table(model)
    df.to_csv(tmp_path / "t.csv", index=False)
    s = read_tickets(tmp_path / "t.csv", model)
    assert list(s.ticket_id) == ["T2", "T1", "T3"]
    np.testing.assert_allclose(s.created_min, [510.0, 540.0, 1440 + 615.0])
    assert [model.fault_names[f] for f in s.fault] == [
        "television.panel",
        "air_conditioner.compressor",
        "refrigerator.door_seal",
    ]
    assert s.repair_min[1] == 100.0
    assert np.isnan(s.repair_min[0])
    parts = [
        [model.part_ids[p] for p in s.part_idx[s.part_ptr[j] : s.part_ptr[j + 1]]]
        for j in range(3)
    ]
    assert parts == [["TV-PANEL"], ["AC-COMP", "AC-REFR"], []]
    df.to_parquet(tmp_path / "t.parquet")
    s2 = read_tickets(tmp_path / "t.parquet", model)
    np.testing.assert_array_equal(s.created_min, s2.created_min)
    res = simulate(model, horizon_days=5, n_reps=2, tickets=s, keep_log=True)
    assert res.kpi("tickets_created")["mean"] == 3
    assert res.log is not None
    assert list(res.log["ticket"][:3]) == ["T2", "T1", "T3"]


@pytest.mark.parametrize(
    ("change", "match"),
    [
        (
            lambda d: d.drop(columns=["fault"]),
            r"t\.csv: columns must be .*missing \['fault'\]",
        ),
        (
            lambda d: d.assign(created=["2026-01-01 09:00", "yesterday", "x"]),
            r't\.csv row 2 \(id "T2"\): created must be a date-time; got .yesterday.',
        ),
        (
            lambda d: d.assign(category=["air_conditioner", "toaster", "x"]),
            r't\.csv row 2 \(id "T2"\): category must be one of',
        ),
        (
            lambda d: d.assign(fault=["compressor", "melted", "door_seal"]),
            r"row 2 .*fault must be a fault of 'television'",
        ),
        (
            lambda d: d.assign(parts=["AC-COMP", "NOPE", ""]),
            r"row 2 .*parts must be catalogue part ids.*got 'NOPE'",
        ),
        (
            lambda d: d.assign(lat=[60.1, 10.0, 60.1]),
            r"row 2 .*lon/lat must be within 50 km",
        ),
        (
            lambda d: d.assign(ticket_id=["T1", "T2", "T1"]),
            r"t\.csv row 3: ticket_id must be unique ids; 'T1' is also in row 1",
        ),
        (
            lambda d: d.assign(urgency=["urgent", "asap", "general"]),
            r"row 2 .*urgency must be one of",
        ),
        (
            lambda d: d.assign(
                created=["2026-01-01 09:00", "2025-12-31 10:00", "2026-01-02 10:15"]
            ),
            r"row 2 .*created must be not before the start",
        ),
    ],
)
def test_replay_bad_input(
    make_network: Callable[..., SimModel],
    tmp_path: Path,
    change,
    match: str,  # type: ignore[no-untyped-def]
) -> None:
    """Each bad table gives one InputError naming file, row and field."""
    model = make_network(seed=2)
    change(_table(model)).to_csv(tmp_path / "t.csv", index=False)
    with pytest.raises(InputError, match=match):
        read_tickets(tmp_path / "t.csv", model)


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_generated_tickets_replay_identically(
    make_network: Callable[..., SimModel], tmp_path: Path, fmt: str
) -> None:
    """Generated tickets written as a table and replayed give the same run."""
    model = make_network(seed=3, tickets_per_year=20_000.0)
    s = generate_tickets(model, 10.0, seed=4)
    df = tickets_frame(model, s)
    path = tmp_path / f"t.{fmt}"
    if fmt == "csv":
        df.to_csv(path, index=False)
    else:
        df.to_parquet(path)
    back = read_tickets(path, model)
    for name in ("created_min", "point", "fault", "urgency", "remote", "repair_min"):
        np.testing.assert_array_equal(getattr(back, name), getattr(s, name))
    np.testing.assert_array_equal(back.part_idx, s.part_idx)
    a = run_replication(model, s, horizon_min=10 * 1440.0, seed=4)
    b = run_replication(model, back, horizon_min=10 * 1440.0, seed=4)
    np.testing.assert_array_equal(a.resolved_min, b.resolved_min)
    np.testing.assert_array_equal(a.v_tech, b.v_tech)
