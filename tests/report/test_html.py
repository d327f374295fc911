"""The HTML report of a run folder: content, offline-ness, atomic writing."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely

from planner.core.errors import InputError
from planner.report import read_run, siting_frames, write_report


def test_report_has_kpis_map_and_plots(run_folder: Path) -> None:
    """report.html lists every KPI of kpis.parquet, has the map and inline SVG plots."""
    path = write_report(run_folder)
    assert path == run_folder / "report.html"
    text = path.read_text(encoding="utf-8")
    kpis = pd.read_parquet(run_folder / "kpis.parquet")
    table = re.search(r'<table id="kpi-table">.*?</table>', text, re.S)
    assert table is not None
    rows = re.findall(r'<tr data-kpi="([^"]+)">', table.group(0))
    assert sorted(rows) == sorted(kpis["kpi"])
    assert '<div id="map"' in text
    assert text.count("<svg") >= 3
    assert "L.map(" in text
    assert "Leaflet 1.9.4" in text


def test_report_fetches_nothing(run_folder: Path) -> None:
    """No external scripts, stylesheets, images or tiles: the page opens offline."""
    text = write_report(run_folder).read_text(encoding="utf-8")
    assert not re.search(r"<script[^>]+src=", text)
    assert not re.search(r"<link[^>]+href=", text)
    assert not re.search(r"<img[^>]+src=", text)
    assert not re.search(r"url\((?!data:|#)", text)
    assert '"tiles":null' in text


def test_tiles_are_optional(run_folder: Path, tmp_path: Path) -> None:
    """A tile URL, when given, is passed to the map (for online use)."""
    url = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    out = write_report(
        run_folder, tiles=url, attribution="OSM", path=tmp_path / "r.html"
    )
    assert '"tiles":"https://tile.openstreetmap.org/{z}/{x}/{y}.png"' in out.read_text()


def test_rewrite_is_atomic(run_folder: Path, tmp_path: Path) -> None:
    """Writing twice replaces the report and leaves no temporary file behind."""
    folder = tmp_path / "run"
    shutil.copytree(run_folder, folder)
    (folder / "report.html").write_text("old")
    write_report(folder)
    assert (folder / "report.html").read_text().startswith("<!DOCTYPE html>")
    assert not [p for p in folder.iterdir() if p.name.endswith(".tmp")]


def test_not_a_run_folder(tmp_path: Path) -> None:
    """A folder that is not a run gives one InputError naming what is missing."""
    with pytest.raises(InputError, match=r"missing manifest\.json"):
        write_report(tmp_path)
    with pytest.raises(InputError, match="no such folder"):
        write_report(tmp_path / "nope")
    assert not (tmp_path / "report.html").exists()


def test_siting_frames_against_the_plan(run_folder: Path) -> None:
    """Map layers agree with the plan: uncovered points, outlet kinds, areas hold their towns."""
    run = read_run(run_folder)
    assert run.plan is not None
    assert run.demand is not None
    assert run.sites is not None
    f = siting_frames(run.plan, run.demand, run.sites, radius_m=run.radius_m)
    plan = run.plan
    uncovered = run.plan.assign_cost > plan.radius  # independent of plan.covered
    assert int((~f["demand"]["covered"]).sum()) == int(uncovered.sum())
    assert len(f["outlets"]) == plan.p
    n_existing = int(np.isin(plan.open_idx, plan.existing_idx).sum())
    assert int(f["outlets"]["existing"].sum()) == n_existing == 10
    # every covered town lies in the service area of its outlet
    areas = f["areas"].set_index("site_id")
    dem = f["demand"][f["demand"]["covered"]]
    for outlet, grp in dem.groupby("outlet"):
        poly = areas.loc[outlet, "geometry"]
        pts = shapely.points(grp[["lon", "lat"]].to_numpy())
        assert shapely.covers(poly.buffer(1e-6), pts).all(), outlet
    # covered tickets per area add up to the covered demand
    total = float(run.demand["tickets_per_year"][~uncovered].sum())
    assert float(areas["tickets_per_year"].sum()) == pytest.approx(total)


def test_report_without_siting(tmp_path: Path) -> None:
    """A run without the siting stage still gets a report, with a demand-only map."""
    from planner.scenario import run_scenario, spec_from_dict

    s = spec_from_dict(
        {
            "name": "summary-only",
            "region": {"kind": "gazetteer", "country": "CN", "min_population": 1000000},
            "outlets": {"existing_largest": 5},
            "run": {"stages": ["summary"]},
        }
    )
    folder = run_scenario(s, tmp_path).folder
    text = write_report(folder).read_text()
    assert "Map: demand" in text
    assert '"label":"Demand points"' in text
    assert re.search(r'<table id="kpi-table">', text)


def test_report_lists_spare_parts(run_folder: Path) -> None:
    """The stock table lists the parts with the most value on hand, dearest first."""
    from planner.inventory import StockPlan
    from planner.scenario import read_catalog

    text = write_report(run_folder).read_text(encoding="utf-8")
    table = re.search(r'<table id="stock-table">.*?</table>', text, re.S)
    assert table is not None
    listed = re.findall(r"<tr><td>([^<]+)</td>", table.group(0))
    stock = StockPlan.load(run_folder / "inventory").to_frame()
    cost = {p.id: p.unit_cost for p in read_catalog().parts}
    value = (
        (stock["on_hand"] * stock["part_id"].map(cost)).groupby(stock["part_id"]).sum()
    )
    expected = value.sort_values(ascending=False).index[:20].tolist()
    assert listed == expected
    assert "Fill rate of the stocking policies" in text


def test_kpi_table_intervals_and_missing_values(
    run_folder: Path, tmp_path: Path
) -> None:
    """Replicated KPIs show their interval (shares in per cent), a NaN KPI
    shows n/a (not 'nan')."""
    folder = tmp_path / "run"
    shutil.copytree(run_folder, folder)
    k = pd.read_parquet(folder / "kpis.parquet")
    extra = pd.DataFrame(
        {
            "kpi": ["sim_sla_attainment", "siting_bound"],
            "mean": [0.9, np.nan],
            "ci_low": [0.88, np.nan],
            "ci_high": [0.92, np.nan],
            "n_reps": [10, 1],
            "unit": ["share", "min"],
        }
    )
    pd.concat([k, extra], ignore_index=True).to_parquet(folder / "kpis.parquet")
    text = write_report(folder).read_text()
    row = re.search(r'<tr data-kpi="sim_sla_attainment">.*?</tr>', text)
    assert row is not None
    assert "SLA attainment" in row.group(0)
    assert "88 to 92" in row.group(0)
    assert "<td>%</td>" in row.group(0)
    row = re.search(r'<tr data-kpi="siting_bound">.*?</tr>', text)
    assert row is not None
    assert "n/a" in row.group(0)
    assert "nan" not in row.group(0)


def test_report_shows_the_run_notes(run_folder: Path, tmp_path: Path) -> None:
    """Notes in the manifest (e.g. a growing backlog) appear, escaped, in a list."""
    import json
    import shutil

    folder = tmp_path / "run"
    shutil.copytree(run_folder, folder)
    man = json.loads((folder / "manifest.json").read_text())
    plain = write_report(folder).read_text()
    assert 'id="run-notes"' not in plain or man.get("notes")
    man["notes"] = ["simulation: backlog grows <fast> in 3/3 replications"]
    (folder / "manifest.json").write_text(json.dumps(man))
    text = write_report(folder).read_text()
    assert 'id="run-notes"' in text
    assert "backlog grows &lt;fast&gt; in 3/3 replications" in text
