"""Scenario shifts, on-call crews, service hours, SLA clocks and demand spread."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from planner.core import InputError
from planner.scenario import build, spec_from_dict
from planner.scenario.stages import sim_model

TOWNS = Path(__file__).resolve().parents[1] / "bad_scenarios" / "data" / "towns_ok.csv"


def _spec(**over: object) -> dict[str, object]:
    raw: dict[str, object] = {
        "name": "s",
        "seed": 3,
        "region": {"kind": "file", "demand_file": str(TOWNS)},
        "outlets": {"existing": ["T1", "T2"]},
    }
    raw.update(over)
    return raw


def test_shifts_build_crews_per_outlet_and_weekday() -> None:
    """[[workforce.shifts]] gives each outlet its day and on-call crews with their
    days; outlet_shifts replaces them for one outlet; on-call technicians hold
    every skill and reach the simulator as urgent-only."""
    data = build(
        spec_from_dict(
            _spec(
                workforce={
                    "skills_per_technician": 2,
                    "shifts": [
                        {"name": "day", "window": "08:00-17:00", "days": ["weekdays"], "technicians": 4},
                        {"name": "sat", "window": "09:00-15:00", "days": ["saturday"], "technicians": 2},
                        {"name": "on_call", "window": "17:00-23:00", "days": ["every_day"], "technicians": 1, "urgent_only": True},
                    ],
                    "outlet_shifts": {"T2": [{"window": "07:00-16:00", "technicians": 3}]},
                }
            )
        )
    )  # fmt: skip
    t1 = [t for t in data.technicians if t.outlet_id == "T1"]
    t2 = [t for t in data.technicians if t.outlet_id == "T2"]
    assert len(t1) == 7
    assert len(t2) == 3
    day = [t for t in t1 if t.shift.start_min == 480]
    assert len(day) == 4
    assert all(t.workdays == frozenset(range(5)) for t in day)
    sat = [t for t in t1 if t.shift.start_min == 540]
    assert all(t.workdays == frozenset({5}) for t in sat)
    # the workforce's break (11:30-13:30) lies inside 09:00-15:00: it is kept
    assert all(str(t.break_window) == "11:30-13:30" for t in sat)
    on_call = [t for t in t1 if t.urgent_only]
    assert len(on_call) == 1
    assert on_call[0].skills == frozenset(data.catalog.skills)
    assert on_call[0].workdays == frozenset(range(7))
    assert on_call[0].break_window is None  # 6 h evening: no break
    assert all(t.shift.start_min == 420 and not t.urgent_only for t in t2)
    m = sim_model(data)
    assert int(m.crew.urgent_only.sum()) == 1
    np.testing.assert_array_equal(
        m.crew.workdays[: len(t1)].sum(axis=1), [5, 5, 5, 5, 1, 1, 7]
    )


def test_clock_and_service_hours_reach_the_simulator() -> None:
    """urgency.<class>.clock and [service_hours] become the model's clocks and hours."""
    data = build(
        spec_from_dict(
            _spec(
                urgency={
                    "urgent": {"target_h": 4, "share": 0.1, "clock": "calendar"},
                    "important": {"target_h": 24, "share": 0.4, "clock": "business"},
                    "general": {"target_h": 72, "share": 0.5, "clock": "business"},
                },
                service_hours={"weekdays": "08:00-18:00", "weekend": "closed"},
            )
        )
    )
    assert [u.clock for u in data.urgency] == ["calendar", "business", "business"]
    m = sim_model(data)
    np.testing.assert_array_equal(m.service.urgency_business, [False, True, True])
    assert m.service.service_hours.open_min_per_week == 5 * 600
    assert m.network.reach_min == 180.0  # [simulation.process] reach_h = 3


def test_technicians_file_workdays_and_on_call(tmp_path: Path) -> None:
    """A technicians table may give workdays and urgent_only; bad values are one line."""
    f = tmp_path / "techs.csv"
    f.write_text(
        "id,outlet_id,skills,workdays,urgent_only\n"
        "a,T1,hvac;laundry;refrigeration;plumbing;electronics,weekdays,false\n"
        "b,T1,hvac;laundry;refrigeration;plumbing;electronics,saturday;sunday,true\n"
    )
    data = build(spec_from_dict(_spec(workforce={"technicians_file": str(f)})))
    a, b = data.technicians
    assert a.workdays == frozenset(range(5))
    assert not a.urgent_only
    assert b.workdays == frozenset({5, 6})
    assert b.urgent_only
    f.write_text(
        "id,outlet_id,skills,workdays\na,T1,hvac;laundry;refrigeration;plumbing;electronics,someday\n"
    )
    with pytest.raises(InputError) as e:
        build(spec_from_dict(_spec(workforce={"technicians_file": str(f)})))
    msg = str(e.value)
    assert "techs.csv" in msg
    assert "row 1" in msg
    assert "someday" in msg
    assert "\n" not in msg


def test_spread_keeps_population_and_prices_inside_travel() -> None:
    """Gazetteer towns over 500,000 residents become several points whose
    populations add up to the town's; the simulator drives to them."""
    from planner.scenario.build import gazetteer_towns, spread_towns

    ids, names, lon, lat, pop = gazetteer_towns("CN", min_population=2_000_000)
    out = spread_towns(
        ids, names, lon, lat, pop, people_per_point=500_000, density_per_km2=6000,
        max_points=64,
    )  # fmt: skip
    town = np.array([str(i).split("~")[0] for i in out[0]])
    for i, t in enumerate(ids):
        assert out[4][town == t].sum() == pytest.approx(pop[i])
        n = int((town == t).sum())
        assert n == min(64, int(np.ceil(pop[i] / 500_000)))
        r_town = np.sqrt(pop[i] / 6000 / np.pi) * 1000
        # every point lies inside the town's disc
        dx = (out[2][town == t] - lon[i]) * 111_195 * np.cos(np.radians(lat[i]))
        dy = (out[3][town == t] - lat[i]) * 111_195
        assert (np.hypot(dx, dy) <= r_town * (1 + 1e-9)).all()
    assert (out[5] > 0).all()
