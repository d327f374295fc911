"""The sweep report: variants table, trade-off plot, links to variant reports."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import numpy as np
import pytest

from planner.core.errors import InputError
from planner.report.sweep import read_sweep, write_sweep_report
from planner.scenario import spec_from_dict
from planner.scenario.sweep import run_sweep


@pytest.fixture(scope="module")
def sweep_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Four variants (p = 2, 3, 4, 5) of 30 towns in a 3 x 2 degree box, run serially."""
    tmp = tmp_path_factory.mktemp("sweep")
    rng = np.random.default_rng(5)
    towns = tmp / "towns.csv"
    rows = ["id,name,lon,lat,population"]
    for i in range(30):
        rows.append(
            f"T{i},Town {i},{110 + 3 * rng.random():.4f},{30 + 2 * rng.random():.4f},"
            f"{int(rng.integers(5_000, 500_000))}"
        )
    towns.write_text("\n".join(rows) + "\n")
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
