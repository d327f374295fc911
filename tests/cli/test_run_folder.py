"""Run folders: complete before they are indexed, the user's umask, nothing outside."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from planner.cli import app
from planner.core.atomic import temporary_name
from planner.scenario.store import RunStore

DATA = Path(__file__).resolve().parents[1] / "bad_scenarios" / "data"


def _tiny(tmp: Path, **extra: str) -> Path:
    lines = [
        'name = "tiny"',
        *(f"{k} = {v}" for k, v in extra.items()),
        "[region]",
        'kind = "file"',
        f'demand_file = "{DATA / "towns_ok.csv"}"',
        "[outlets]",
        f'existing_file = "{DATA / "existing_ok.csv"}"',
    ]
    p = tmp / "tiny.toml"
    p.write_text("\n".join(lines) + "\n")
    return p


@pytest.fixture
def umask_022() -> object:
    old = os.umask(0o022)
    yield
    os.umask(old)


def test_run_is_indexed_complete_with_its_report(
    tmp_path: Path, umask_022: object
) -> None:
    """The indexed folder holds report.html; folders follow the umask (0755, not 0700)."""
    out = tmp_path / "runs"
    r = CliRunner().invoke(app, ["run", str(_tiny(tmp_path)), "--out", str(out)])
    assert r.exit_code == 0, r.output
    runs = RunStore(out / "index.sqlite", create=False).list()
    assert len(runs) == 1
    folder = Path(runs["folder"].iloc[0])
    assert (folder / "report.html").is_file()
    assert (folder / "manifest.json").is_file()
    assert "run folder " + folder.name in (folder / "report.html").read_text()
    for d in (folder, folder.parent):
        assert stat.S_IMODE(d.stat().st_mode) == 0o755
    assert stat.S_IMODE((folder / "manifest.json").stat().st_mode) == 0o644
    assert not [p for p in folder.parent.iterdir() if p.name.startswith(".")]


def test_stale_temporary_of_a_dead_process_is_removed(tmp_path: Path) -> None:
    """A temporary folder left by a killed run (its process gone) is removed at the next run."""
    out = tmp_path / "runs"
    dead = temporary_name(out / "tiny" / "20260101T000000000000Z")
    dead = dead.with_name(dead.name.replace(f"-{os.getpid()}-", "-999999999-"))
    dead.mkdir(parents=True)
    (dead / "manifest.json").write_text("{}")
    r = CliRunner().invoke(app, ["run", str(_tiny(tmp_path)), "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert not dead.exists()
    assert len(RunStore(out / "index.sqlite").list()) == 1


def test_name_that_climbs_out_is_refused_and_nothing_is_written(tmp_path: Path) -> None:
    """`name = "../x"` exits 2 with one line; nothing appears beside or in the runs folder."""
    sc = tmp_path / "sc"
    sc.mkdir()
    p = _tiny(sc)
    p.write_text(p.read_text().replace('name = "tiny"', 'name = "../x"'))
    out = tmp_path / "work" / "runs"
    out.parent.mkdir()
    r = CliRunner().invoke(app, ["run", str(p), "--out", str(out)])
    assert r.exit_code == 2, r.output
    assert "name must be a plain folder name" in r.stderr
    assert sorted(x.name for x in tmp_path.rglob("*")) == ["sc", "tiny.toml", "work"]


def test_report_attribution_is_text_not_script(tmp_path: Path) -> None:
    """`--attribution "<img src=x onerror=...>"` reaches the HTML escaped."""
    out = tmp_path / "runs"
    r = CliRunner().invoke(app, ["run", str(_tiny(tmp_path)), "--out", str(out)])
    assert r.exit_code == 0, r.output
    folder = Path(RunStore(out / "index.sqlite").list()["folder"].iloc[0])
    evil = "<img src=x onerror=alert(1)>"
    r = CliRunner().invoke(
        app,
        [
            "report",
            str(folder),
            "--tiles",
            "https://tile.example.org/{z}/{x}/{y}.png",
            "--attribution",
            evil,
        ],
    )
    assert r.exit_code == 0, r.output
    text = (folder / "report.html").read_text()
    assert "<img src=x" not in text
    # in the map's JSON, as the entity text Leaflet shows, not as a tag
    assert "\\u0026lt;img src=x onerror=alert(1)\\u0026gt;" in text


def test_a_whole_run_left_unindexed_is_indexed_at_the_next_run(tmp_path: Path) -> None:
    """A folder renamed into place but not indexed (killed in between) joins the index."""
    from planner.scenario import load_scenario, run_scenario

    out = tmp_path / "runs"
    sc = _tiny(tmp_path)
    first = run_scenario(load_scenario(sc), out, index=False)
    assert not (out / "index.sqlite").exists()
    r = CliRunner().invoke(app, ["run", str(sc), "--out", str(out)])
    assert r.exit_code == 0, r.output
    folders = set(RunStore(out / "index.sqlite", create=False).list()["folder"])
    assert str(first.folder) in folders
    assert len(folders) == 2
