"""Building a scenario's data: the embedded default and generated parts."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from planner.scenario import (
    Scenario,
    build,
    load_scenario,
    read_catalog,
    scenario_summary,
    spec_from_dict,
)

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def default_data():  # type: ignore[no-untyped-def]
    """The embedded default scenario, built once."""
    return build(load_scenario(REPO / "scenarios" / "default.toml"))


def test_default_is_mainland_china_towns(default_data) -> None:  # type: ignore[no-untyped-def]
    """About 2,900 towns of 5,000+ residents (the sites), all inside China's
    bounding box; demand spread over their areas keeps every town's residents."""
    d = default_data.demand
    assert 2500 < default_data.sites.n_sites < 3500
    assert d.n_points > default_data.sites.n_sites
    town = np.array([str(i).split("~")[0] for i in d.ids])
    per_town = pd.Series(d.population).groupby(town).sum()
    assert per_town.min() >= 5000 - 1e-6
    assert len(per_town) == default_data.sites.n_sites
    assert (d.lon > 73).all()
    assert (d.lon < 135.5).all()
    assert (d.lat > 18).all()
    assert (d.lat < 54).all()


def test_demand_is_population_times_rates(default_data) -> None:  # type: ignore[no-untyped-def]
    """Tickets per year equal population x failure rate per 1,000, per category."""
    d = default_data.demand
    rates = (
        np.array([c.failure_rate_per_1000 for c in read_catalog().categories]) / 1000
    )
    np.testing.assert_allclose(
        d.tickets_per_year, d.population[:, None] * rates[None, :]
    )
    # about 2 million tickets a year nationally, as the catalogue says
    assert 1.5e6 < d.tickets_per_year.sum() < 3.5e6


def test_growth_whatif_scales_demand(default_data) -> None:  # type: ignore[no-untyped-def]
    """scenarios/growth30.toml: +30 % everywhere, air conditioners +50 %."""
    g = build(load_scenario(REPO / "scenarios" / "growth30.toml"))
    base = default_data.demand.tickets_per_year
    ratio = g.demand.tickets_per_year.sum(axis=0) / base.sum(axis=0)
    cats = list(g.demand.categories)
    expected = np.full(len(cats), 1.3)
    expected[cats.index("air_conditioner")] = 1.5
    np.testing.assert_allclose(ratio, expected)


def test_existing_outlets_and_technicians(default_data) -> None:  # type: ignore[no-untyped-def]
    """200 largest towns are existing outlets, each with 8 technicians covering every skill."""
    s = default_data.sites
    assert int(s.existing.sum()) == 200
    d = default_data.demand
    town = np.array([str(i).split("~")[0] for i in d.ids])
    per_town = pd.Series(d.population).groupby(town).sum()
    pop = per_town.reindex([str(x) for x in s.ids]).to_numpy()
    assert set(np.flatnonzero(s.existing)) == set(np.argsort(-pop, kind="stable")[:200])
    techs = default_data.technicians
    assert len(techs) == 200 * 8
    needed = set(default_data.catalog.skills)
    for oid in s.ids[s.existing]:
        held = {sk for t in techs if t.outlet_id == oid for sk in t.skills}
        assert held == needed, oid
    assert all(len(t.skills) == 2 for t in techs)


def test_build_is_deterministic() -> None:
    """The same scenario and seed give the same technicians; another seed differs."""
    towns = (
        Path(__file__).resolve().parents[1] / "bad_scenarios" / "data" / "towns_ok.csv"
    )

    def spec(seed: int) -> Scenario:
        return spec_from_dict(
            {
                "name": "a",
                "seed": seed,
                "region": {"kind": "file", "demand_file": str(towns)},
                "outlets": {"existing": ["T1", "T2", "T3"]},
                "workforce": {"technicians_per_outlet": 12},
            }
        )

    a, b, c = build(spec(1)), build(spec(1)), build(spec(2))
    skills = [sorted(t.skills) for t in a.technicians]
    assert skills == [sorted(t.skills) for t in b.technicians]
    assert skills != [sorted(t.skills) for t in c.technicians]


def test_summary_figures(default_data) -> None:  # type: ignore[no-untyped-def]
    """The summary reports what `planner run` prints, consistent with the data."""
    s = scenario_summary(default_data)
    assert s["demand_points"] == default_data.demand.n_points
    assert s["candidate_sites"] + s["existing_outlets"] == default_data.sites.n_sites
    assert s["tickets_per_year"] == pytest.approx(
        default_data.demand.tickets_per_year.sum()
    )
    assert "great circle" in s["travel_model"]


BAD = Path(__file__).resolve().parents[1] / "bad_scenarios" / "data"


def test_existing_partner_and_technician_files(tmp_path: Path) -> None:
    """Outlets, partners and technicians from files join the candidate sites."""
    techs = tmp_path / "techs.csv"
    techs.write_text(
        "id,outlet_id,lon,lat,skills,shift_start,shift_end,stock\n"
        "K1,E1,,,hvac;refrigeration,07:00,16:00,AC-PCB:2\n"
        "K2,,121.0,31.0,electronics;laundry;plumbing,,,\n"
    )
    data = build(
        spec_from_dict(
            {
                "name": "files",
                "region": {"kind": "file", "demand_file": str(BAD / "towns_ok.csv")},
                "outlets": {
                    "existing_file": str(BAD / "existing_ok.csv"),
                    "partners_file": str(BAD / "partners_ok.csv"),
                },
                "workforce": {"technicians_file": str(techs)},
            }
        )
    )
    s = data.sites
    assert list(s.ids) == ["T1", "T2", "T3", "E1", "P1"]
    assert s.existing.tolist() == [False, False, False, True, False]
    assert s.partner.tolist() == [False, False, False, False, True]
    assert s.capacity_per_year[3] == 20000
    assert s.fee_per_ticket[4] == 80
    k1, k2 = data.technicians
    assert k1.start_lonlat == (116.5, 39.95)
    assert k1.shift.start_min == 7 * 60
    assert dict(k1.van_stock) == {"AC-PCB": 2}
    assert k2.outlet_id is None
    assert k2.start_lonlat == (121.0, 31.0)
    assert k2.shift.start_min == 8 * 60


def test_outlet_workforce_does_not_depend_on_other_outlets() -> None:
    """An outlet's generated technicians are the same whichever outlets are open."""
    from planner.scenario.crew import workforce

    towns = BAD / "towns_ok.csv"
    data = build(
        spec_from_dict(
            {
                "name": "w",
                "seed": 4,
                "region": {"kind": "file", "demand_file": str(towns)},
                "workforce": {"technicians_per_outlet": 7},
            }
        )
    )
    args = (data.spec, data.sites, data.catalog, data.demand)
    both = workforce(*args, [0, 2])
    alone = workforce(*args, [2])
    assert [sorted(t.skills) for t in both[7:]] == [sorted(t.skills) for t in alone]
    assert {t.outlet_id for t in alone} == {"T3"}


def test_all_skills_held_when_slots_allow() -> None:
    """3 technicians x 2 skills cover the 5 skills at every outlet, whatever the seed."""
    towns = BAD / "towns_ok.csv"
    for seed in range(5):
        data = build(
            spec_from_dict(
                {
                    "name": "w",
                    "seed": seed,
                    "region": {"kind": "file", "demand_file": str(towns)},
                    "outlets": {"existing": ["T1", "T2"]},
                    "workforce": {
                        "technicians_per_outlet": 3,
                        "skills_per_technician": 2,
                    },
                }
            )
        )
        for oid in ("T1", "T2"):
            techs = [t for t in data.technicians if t.outlet_id == oid]
            assert {s for t in techs for s in t.skills} == set(data.catalog.skills)
            assert all(len(t.skills) == 2 for t in techs)


def test_scenario_speed_factors_reach_the_simulator() -> None:
    """``[travel] speed_factors`` give the simulated network its rush hours,
    and its blocks the working day's mean durations (free flow x the mean
    of 1 / factor over 08:00-17:00, computed here by hand)."""
    from planner.scenario.stages import sim_model

    towns = (
        Path(__file__).resolve().parents[1] / "bad_scenarios" / "data" / "towns_ok.csv"
    )
    base = {
        "name": "a",
        "region": {"kind": "file", "demand_file": str(towns)},
        "outlets": {"existing": ["T1", "T2", "T3"]},
    }
    rush = {**base, "travel": {"speed_factors": {"8-9": 0.5}}}
    m0 = sim_model(d0 := build(spec_from_dict(base)), None, None, None)
    m1 = sim_model(build(spec_from_dict(rush)), None, None, None)
    assert m0.network.speed is None
    assert m1.network.speed is not None
    assert m1.network.speed.arrive(10.0, 480.0) == 500.0
    k = (2.0 + 8.0) / 9.0  # one hour at half speed in nine
    np.testing.assert_allclose(m1.network.local_dur_min, m0.network.local_dur_min * k)
    assert d0.spec.travel.speed_factors is None
