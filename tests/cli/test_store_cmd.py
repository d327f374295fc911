"""`planner sweep`, `planner runs` and `planner compare` through the CLI."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from planner.cli import app
from tests.towns import write_towns


def _scenario(tmp: Path) -> Path:
    towns = write_towns(
        tmp / "towns.csv",
        25,
        seed=2,
        lon=(116.0, 2.0),
        lat=(39.0, 1.0),
        max_population=500_000,
        label="T",
    )
    sc = tmp / "s.toml"
    sc.write_text(f"""
name = "cmp"
[region]
kind = "file"
demand_file = "{towns}"
[siting]
model = "mclp"
p = 2
radius_min = 60.0
[run]
stages = ["summary", "siting"]
[sweep.grid]
"siting.p" = [2, 4]
""")
    return sc


def test_sweep_runs_compare(tmp_path: Path) -> None:
    """A serial sweep is listed by `runs`; `compare` marks the coverage gain significant."""
    sc, out = _scenario(tmp_path), tmp_path / "runs"
    r = CliRunner().invoke(app, ["sweep", str(sc), "--out", str(out), "--serial"])
    assert r.exit_code == 0, r.output
    assert "2 variants (2 run now, 0 reused)" in r.stdout
    listed = CliRunner().invoke(app, ["runs", "--out", str(out)])
    assert listed.exit_code == 0
    assert "2 runs in" in listed.stdout
    c = CliRunner().invoke(
        app,
        ["compare", "--sweep", "", "--out", str(out), "--kpi", "siting_coverage_share"],
    )
    assert c.exit_code == 0, c.output
    line = next(ln for ln in c.stdout.splitlines() if "siting_coverage_share" in ln)
    assert "p=4" in line
    assert line.rstrip().rstrip("│").rstrip().endswith("*")


def test_compare_errors_are_one_line(tmp_path: Path) -> None:
    """No store, or an unknown run, exits 2 with one line."""
    r = CliRunner().invoke(app, ["compare", "a", "b", "--out", str(tmp_path / "none")])
    assert r.exit_code == 2
    assert "results store" in r.stderr
    sc, out = _scenario(tmp_path), tmp_path / "runs"
    CliRunner().invoke(app, ["sweep", str(sc), "--out", str(out), "--serial"])
    r = CliRunner().invoke(app, ["compare", "nope", "cmp", "--out", str(out)])
    assert r.exit_code == 2
    assert "nope" in r.stderr


def test_compare_two_runs_with_plot(tmp_path: Path) -> None:
    """`compare A B --plot` prints the differences and writes the plot file."""
    sc, out = _scenario(tmp_path), tmp_path / "runs"
    CliRunner().invoke(app, ["sweep", str(sc), "--out", str(out), "--serial"])
    from planner.scenario.store import RunStore

    ids = RunStore(out / "index.sqlite").list()["run_id"].tolist()
    png = tmp_path / "diff.png"
    r = CliRunner().invoke(
        app, ["compare", ids[0], ids[1], "--out", str(out), "--plot", str(png)]
    )
    assert r.exit_code == 0, r.output
    assert png.read_bytes()[:4] == b"\x89PNG"
    bad = CliRunner().invoke(
        app,
        [
            "compare",
            ids[0],
            ids[1],
            "--out",
            str(out),
            "--plot",
            str(tmp_path / "x.txt"),
        ],
    )
    assert bad.exit_code == 2
    assert not (tmp_path / "x.txt").exists()
    page = tmp_path / "cmp.html"
    r = CliRunner().invoke(
        app, ["compare", ids[0], ids[1], "--out", str(out), "--html", str(page)]
    )
    assert r.exit_code == 0, r.output
    text = page.read_text()
    assert ids[0].split("/")[-1] in text
    assert ids[1].split("/")[-1] in text
    r = CliRunner().invoke(
        app,
        [
            "compare",
            ids[0],
            ids[1],
            "--out",
            str(out),
            "--html",
            str(tmp_path / "c.txt"),
        ],
    )
    assert r.exit_code == 2
    assert "--html" in r.stderr
    assert not (tmp_path / "c.txt").exists()
