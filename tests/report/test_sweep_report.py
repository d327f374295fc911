"""The sweep report: variants table, trade-off plot, links to variant reports."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

from planner.core.errors import InputError
from planner.report.sweep import read_sweep, write_sweep_report
from planner.scenario import spec_from_dict
from planner.scenario.sweep import run_sweep
from tests.towns import write_towns


def _towns(tmp: Path) -> Path:
    towns = write_towns(
        tmp / "towns.csv",
        30,
        seed=5,
        lon=(110.0, 3.0),
        lat=(30.0, 2.0),
        max_population=500_000,
        label="Town ",
    )
    return towns


@pytest.fixture(scope="module")
def sim_sweep_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two variants that differ only in crew: 1 and 6 technicians per outlet.

    Same 30 towns, outlets and tickets (common random numbers), simulated 5
    days: six technicians an outlet serve more tickets in time and cost more
    per ticket (idle hours are paid) than one, so on the cost-vs-SLA plane
    the order is known and neither dominates the other.
    """
    tmp = tmp_path_factory.mktemp("simsweep")
    s = spec_from_dict(
        {
            "name": "swsim",
            "seed": 3,
            "currency": "CNY",
            "region": {"kind": "file", "demand_file": str(_towns(tmp))},
            "outlets": {"existing": ["T0"]},
            "workforce": {"technicians_per_outlet": 3, "skills_per_technician": 5},
            "siting": {"model": "mclp", "p": 3, "radius_min": 60.0},
            "simulation": {
                "horizon_days": 5,
                "warmup_days": 1,
                "n_reps": 3,
                "n_jobs": 1,
            },
            "run": {"stages": ["summary", "siting", "inventory", "simulation"]},
            "sweep": {"grid": {"workforce.technicians_per_outlet": [1, 6]}},
        }
    )
    return run_sweep(s, tmp / "runs", serial=True).folder


def test_frontier_uses_the_simulated_kpis(sim_sweep_folder: Path) -> None:
    """The cost-vs-SLA frontier plots sim_cost_per_ticket against sim_sla_attainment.

    Checked against each variant's own kpis.parquet, read here: the frame's
    points are those KPIs with their intervals (not fixed cost and coverage,
    which are equal for the two variants), 6 technicians sit right of and
    above 1 technician, and both are Pareto-efficient.
    """
    from planner.report.tradeoff import cost_service_frame

    meta, kpis = read_sweep(sim_sweep_folder)
    f = cost_service_frame(kpis, currency="CNY")
    assert f.attrs["x"] == "sim_cost_per_ticket"
    assert f.attrs["y"] == "sim_sla_attainment"
    assert "CNY" in f.attrs["x_label"]
    by = f.set_index("variant")
    for v in meta["variants"]:
        own = pd.read_parquet(
            sim_sweep_folder / "variants" / str(v["id"]) / "kpis.parquet"
        ).set_index("kpi")
        row = by.loc[str(v["name"])]
        assert row["x"] == pytest.approx(own.at["sim_cost_per_ticket", "mean"])
        assert row["x_low"] == pytest.approx(own.at["sim_cost_per_ticket", "ci_low"])
        assert row["y"] == pytest.approx(own.at["sim_sla_attainment", "mean"])
        assert row["y_high"] == pytest.approx(own.at["sim_sla_attainment", "ci_high"])
    one = by.loc["technicians_per_outlet=1"]
    six = by.loc["technicians_per_outlet=6"]
    assert six["y"] > one["y"]
    assert six["x"] > one["x"]
    assert bool(one["efficient"])
    assert bool(six["efficient"])


def test_sweep_report_shows_simulated_kpis(
    sim_sweep_folder: Path, tmp_path: Path
) -> None:
    """The variants table shows simulated cost and SLA with intervals; the
    frontier figure is there and no fixed-cost chart stands in for it."""
    folder = tmp_path / "sweep"
    shutil.copytree(sim_sweep_folder, folder)
    text = write_sweep_report(folder, variant_reports=False).read_text()
    table = re.search(r'<table id="variants-table">.*?</table>', text, re.S)
    assert table is not None
    assert "SLA attainment" in table.group(0)
    assert "cost per ticket, all categories (CNY)" in table.group(0)
    assert re.search(r"\d \[\d", table.group(0))  # "value [low, high]"
    assert "Cost-vs-SLA frontier (simulated" in text
    assert "outlet fixed cost" not in text


@pytest.fixture(scope="module")
def sweep_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Four variants (p = 2, 3, 4, 5) of 30 towns in a 3 x 2 degree box, run serially."""
    tmp = tmp_path_factory.mktemp("sweep")
    towns = write_towns(
        tmp / "towns.csv",
        30,
        seed=5,
        lon=(110.0, 3.0),
        lat=(30.0, 2.0),
        max_population=500_000,
        label="Town ",
    )
    s = spec_from_dict(
        {
            "name": "sw",
            "seed": 3,
            "region": {"kind": "file", "demand_file": str(towns)},
            "outlets": {"existing": ["T0"]},
            "workforce": {"technicians_per_outlet": 5},
            "siting": {"model": "mclp", "p": 3, "radius_min": 60.0},
            "run": {"stages": ["summary", "siting"]},
            "sweep": {"grid": {"siting.p": [2, 3, 4, 5]}},
        }
    )
    return run_sweep(s, tmp / "runs", serial=True).folder


def test_sweep_report(sweep_folder: Path, tmp_path: Path) -> None:
    """One row per variant with a link to its report; the trade-off plot is there."""
    folder = tmp_path / "sweep"
    shutil.copytree(sweep_folder, folder)
    out = write_sweep_report(folder)
    text = out.read_text()
    table = re.search(r'<table id="variants-table">.*?</table>', text, re.S)
    assert table is not None
    rows = re.findall(r"<tr><td>([^<]+)</td>", table.group(0))
    assert rows == ["p=2", "p=3", "p=4", "p=5"]
    links = re.findall(r'<a href="([^"]+)">report</a>', table.group(0))
    assert len(links) == 4
    assert all((folder / link).is_file() for link in links)
    assert "Pareto-efficient" in text
    assert text.count("<svg") == 3  # cost-service, outlets-travel, outlets-coverage


def test_unfinished_variant_is_listed(sweep_folder: Path, tmp_path: Path) -> None:
    """A variant without a finished folder is listed as not finished, not read."""
    folder = tmp_path / "sweep"
    shutil.copytree(sweep_folder, folder)
    victim = sorted((folder / "variants").iterdir())[0]
    (victim / "manifest.json").unlink()
    _, kpis = read_sweep(folder)
    assert kpis["variant_id"].nunique() == 3
    text = write_sweep_report(folder, variant_reports=False).read_text()
    assert text.count("not finished") == 1


def test_not_a_sweep_folder(tmp_path: Path) -> None:
    """A folder without sweep.json gives one InputError."""
    with pytest.raises(InputError, match=r"sweep\.json"):
        write_sweep_report(tmp_path)
    assert not (tmp_path / "report.html").exists()


def test_folder_report_dispatches(sweep_folder: Path, tmp_path: Path) -> None:
    """write_folder_report writes a sweep report for a sweep, a run report for a run."""
    from planner.report import write_folder_report

    folder = tmp_path / "sweep"
    shutil.copytree(sweep_folder, folder)
    variant, *others = sorted((folder / "variants").iterdir())
    for v in others:  # one finished variant is enough here
        (v / "manifest.json").unlink()
    assert "planner sweep" in write_folder_report(folder).read_text()
    assert (variant / "report.html").is_file()
    assert "planner run" in write_folder_report(variant).read_text()
    with pytest.raises(InputError, match="run folder"):
        write_folder_report(folder / "variants")


def test_compare_report_of_two_runs(sim_sweep_folder: Path, tmp_path: Path) -> None:
    """``planner report A B --out`` compares two run folders on the simulated KPIs.

    A is the 1-technician variant, B the 6-technician one: the table's change
    for SLA attainment is B - A read from their kpis.parquet (positive, in
    per cent), cost per ticket rises, and the cost-vs-SLA frontier is drawn.
    """
    from typer.testing import CliRunner

    from planner.cli import app

    meta = json.loads((sim_sweep_folder / "sweep.json").read_text())
    ids = {str(v["name"]): str(v["id"]) for v in meta["variants"]}
    a = sim_sweep_folder / "variants" / ids["technicians_per_outlet=1"]
    b = sim_sweep_folder / "variants" / ids["technicians_per_outlet=6"]
    out = tmp_path / "cmp.html"
    res = CliRunner().invoke(app, ["report", str(a), str(b), "--out", str(out)])
    assert res.exit_code == 0, res.output
    text = out.read_text()
    ka = pd.read_parquet(a / "kpis.parquet").set_index("kpi")["mean"]
    kb = pd.read_parquet(b / "kpis.parquet").set_index("kpi")["mean"]
    row = re.search(r'<tr data-kpi="sim_sla_attainment">(.*?)</tr>', text)
    assert row is not None
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", row.group(1))
    diff = 100 * (kb["sim_sla_attainment"] - ka["sim_sla_attainment"])
    assert diff > 0
    assert cells[-1].startswith(f"+{diff:.1f}")
    assert cells[2].startswith(f"{100 * ka['sim_sla_attainment']:.1f}")
    assert kb["sim_cost_per_ticket"] > ka["sim_cost_per_ticket"]
    assert "Cost-vs-SLA frontier" in text
    assert 'id="compare-cost-table"' in text


def test_compare_needs_two_run_folders(sim_sweep_folder: Path, tmp_path: Path) -> None:
    """One folder is not a comparison; a folder that is not a run is named."""
    from planner.report import write_compare_report

    v = next((sim_sweep_folder / "variants").iterdir())
    with pytest.raises(InputError, match="two or more run folders"):
        write_compare_report([v], tmp_path / "c.html")
    with pytest.raises(InputError, match="no such folder"):
        write_compare_report([v, tmp_path / "nope"], tmp_path / "c.html")
    assert not (tmp_path / "c.html").exists()


def test_cli_compare_names_a_bad_folder(sim_sweep_folder: Path, tmp_path: Path) -> None:
    """``planner report A NOPE --out F``: exit 2, one error line naming NOPE, no F."""
    from typer.testing import CliRunner

    from planner.cli import app

    v = next((sim_sweep_folder / "variants").iterdir())
    out = tmp_path / "c.html"
    res = CliRunner().invoke(
        app, ["report", str(v), str(tmp_path / "nope"), "--out", str(out)]
    )
    assert res.exit_code == 2
    lines = [ln for ln in res.output.splitlines() if ln.strip()]
    assert len(lines) <= 3
    assert lines[0].startswith("error:")
    assert "nope" in res.output
    assert not out.exists()
