"""The seeded dispatch-day generator."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from planner.cli import app
from planner.core.timewindow import TimeWindow
from planner.scenario import build, load_scenario
from planner.scenario.generate import generate_day

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def data():  # type: ignore[no-untyped-def]
    """The default scenario, built once."""
    return build(load_scenario(REPO / "scenarios" / "default.toml"))


def test_same_date_same_day_other_date_differs(data) -> None:  # type: ignore[no-untyped-def]
    """Same scenario and date give identical tables; another date gives others."""
    a = generate_day(data, dt.date(2026, 7, 15), n_tickets=300)
    b = generate_day(data, dt.date(2026, 7, 15), n_tickets=300)
    c = generate_day(data, dt.date(2026, 7, 16), n_tickets=300)
    assert a.tickets.equals(b.tickets)
    assert not a.tickets[["lon", "lat"]].equals(c.tickets[["lon", "lat"]])


def test_expected_volume_follows_season(data) -> None:  # type: ignore[no-untyped-def]
    """July has more air-conditioner tickets than January, as the seasonal profile says."""
    jul = generate_day(data, dt.date(2026, 7, 15)).tickets
    jan = generate_day(data, dt.date(2026, 1, 15)).tickets
    ac = data.catalog.category("air_conditioner")
    expected_jul = data.demand.tickets_per_year[:, 0].sum() / 365 * ac.seasonal[6]
    n_jul = int((jul["category"] == "air_conditioner").sum())
    remote = sum(f.share * f.remote_fix_rate for f in ac.faults)
    mean = expected_jul * (1 - remote)
    assert abs(n_jul - mean) < 5 * np.sqrt(mean)
    assert n_jul > 2 * int((jan["category"] == "air_conditioner").sum())


def test_tickets_are_consistent_with_catalogue_and_shift(data) -> None:  # type: ignore[no-untyped-def]
    """Skills, parts and windows of every ticket agree with the catalogue and shift."""
    day = generate_day(data, dt.date(2026, 3, 2), n_tickets=500)
    t = day.tickets
    assert len(t) + day.n_remote_fixed == 500
    assert t["id"].is_unique
    shift = TimeWindow.parse(data.spec.workforce.shift)
    faults = {(c.name, f.name): f for c in data.catalog.categories for f in c.faults}
    for row in t.itertuples():
        f = faults[(row.category, row.fault)]
        assert row.skills == f.skill
        parts = [p.split(":")[0] for p in row.parts.split(";") if p]
        assert set(parts) <= set(f.parts)
        w = TimeWindow.parse(row.windows)
        assert shift.start_min <= w.start_min
        assert w.end_min <= shift.end_min
        assert row.service_min % 5 == 0


def test_outlet_filter_keeps_its_technicians_and_nearby_tickets(data) -> None:  # type: ignore[no-untyped-def]
    """Filtering by an outlet keeps its technicians and tickets nearest to it."""
    oid = str(data.sites.ids[np.flatnonzero(data.sites.existing)[0]])
    day = generate_day(data, dt.date(2026, 7, 15), outlets=[oid])
    assert set(day.technicians["outlet_id"]) == {oid}
    assert 0 < len(day.tickets) < 500


def test_cli_day_writes_tables(tmp_path: Path) -> None:
    """`planner day` writes tickets.csv and technicians.csv; a bad date exits 2."""
    out = tmp_path / "day"
    args = [
        "day",
        str(REPO / "scenarios" / "default.toml"),
        "--date",
        "2026-07-15",
        "--jobs",
        "50",
        "--out",
        str(out),
    ]
    r = CliRunner().invoke(app, args)
    assert r.exit_code == 0, r.output
    assert {p.name for p in out.iterdir()} == {"tickets.csv", "technicians.csv"}
    bad = CliRunner().invoke(
        app, [*args[:3], "2026-13-40", *args[4:-1], str(tmp_path / "x")]
    )
    assert bad.exit_code == 2
    assert "--date" in bad.stderr
    assert not (tmp_path / "x").exists()
