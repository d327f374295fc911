"""CLI conventions: --version, -q, --log-file, --json against its schema, one-line usage errors."""

from __future__ import annotations

import json
import re
import tomllib
from importlib.metadata import version
from pathlib import Path

import jsonschema
import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from planner.cli import app
from planner.cli.schema_cmd import SCHEMAS
from tests.towns import write_towns

REPO = Path(__file__).resolve().parents[2]
_LOG = re.compile(r"^\d\d:\d\d:\d\d (DEBUG|INFO|WARNING) planner")


def _scenario(tmp: Path, stages: str = '["summary", "siting", "simulation"]') -> Path:
    """25 towns near Beijing, 2 outlets, a 4-day simulation of 2 replications."""
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
name = "conv"
seed = 20261127
[region]
kind = "file"
demand_file = "{towns}"
[outlets]
existing_largest = 2
[siting]
model = "mclp"
p = 2
radius_min = 60.0
[simulation]
horizon_days = 4
warmup_days = 1
n_reps = 2
[run]
stages = {stages}
[sweep.grid]
"siting.p" = [2, 3]
""")
    return sc


def _json(r, name: str) -> dict:  # type: ignore[no-untyped-def]
    """stdout parsed as one JSON document and validated against its schema."""
    doc = json.loads(r.stdout)
    jsonschema.validate(doc, SCHEMAS[name])
    assert doc["schema"] == f"planner.{name}/1"
    return doc


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict]:
    """Two `planner simulate --json` runs of the same scenario (seed 20261127)."""
    tmp = tmp_path_factory.mktemp("conv")
    sc, out = _scenario(tmp), tmp / "runs"
    docs = []
    for _ in range(2):
        r = CliRunner().invoke(app, ["simulate", str(sc), "--out", str(out), "--json"])
        assert r.exit_code == 0, r.output
        docs.append(_json(r, "simulate"))
    return sc, out, {"sims": docs}


def test_version_is_the_installed_package() -> None:
    """`planner --version` prints the distribution's version and exits 0."""
    r = CliRunner().invoke(app, ["--version"])
    assert r.exit_code == 0
    assert r.stdout.strip() == f"planner {version('planner')}"


def test_simulate_json_matches_the_run_folder(store) -> None:  # type: ignore[no-untyped-def]
    """The KPI rows of --json are the run folder's kpis.parquet, the seed the file's."""
    sc, _, docs = store
    doc = docs["sims"][0]
    assert doc["seed"] == tomllib.loads(sc.read_text())["seed"]
    folder = Path(doc["folder"])
    kpis = pd.read_parquet(folder / "kpis.parquet")
    assert [r["kpi"] for r in doc["kpis"]] == kpis["kpi"].tolist()
    got = np.array([np.nan if r["mean"] is None else r["mean"] for r in doc["kpis"]])
    np.testing.assert_allclose(got, kpis["mean"].to_numpy(dtype=float), equal_nan=True)
    assert "simulation" in doc["stages"]
    assert Path(doc["report"]).is_file()


def test_runs_json_lists_full_ids_and_the_seed(store) -> None:  # type: ignore[no-untyped-def]
    """`runs --json`: both runs with full ids (those simulate printed) and the seed."""
    _, out, docs = store
    doc = _json(CliRunner().invoke(app, ["runs", "--out", str(out), "--json"]), "runs")
    ids = {r["run_id"] for r in doc["runs"]}
    assert ids == {d["run_id"] for d in docs["sims"]}
    assert {r["seed"] for r in doc["runs"]} == {20261127}


def test_runs_table_never_cuts_ids_when_piped(store) -> None:  # type: ignore[no-untyped-def]
    """Piped (not a terminal), `planner runs` prints every id whole, seed unformatted."""
    _, out, docs = store
    r = CliRunner().invoke(app, ["runs", "--out", str(out)])
    assert r.exit_code == 0
    for d in docs["sims"]:
        assert d["run_id"] in r.stdout
    assert "20261127" in r.stdout
    assert "…" not in r.stdout


def test_compare_json_same_seed_differs_by_nothing(store) -> None:  # type: ignore[no-untyped-def]
    """Two runs of one scenario and seed: every difference is 0, none significant."""
    _, out, docs = store
    a, b = (d["run_id"] for d in docs["sims"])
    r = CliRunner().invoke(app, ["compare", a, b, "--out", str(out), "--json"])
    doc = _json(r, "compare")
    assert doc["baseline"] == a
    assert doc["runs"] == [b]
    assert len(doc["rows"]) == len(docs["sims"][0]["kpis"])
    for row in doc["rows"]:
        assert row["diff"] in (0.0, None), row
        assert not row["significant"]


def test_validate_json_ok_and_error(tmp_path: Path) -> None:
    """`validate --json`: ok with the stages and variants; a bad file: ok false, exit 2."""
    sc = _scenario(tmp_path)
    doc = _json(CliRunner().invoke(app, ["validate", str(sc), "--json"]), "validate")
    assert doc["ok"] is True
    assert doc["error"] is None
    assert doc["stages"] == ["summary", "siting", "simulation"]
    assert doc["n_variants"] == 2
    assert doc["summary"]["demand_points"] == 25
    bad = tmp_path / "bad.toml"
    bad.write_text(sc.read_text().replace("p = 2", "p = -2"))
    r = CliRunner().invoke(app, ["validate", str(bad), "--json"])
    assert r.exit_code == 2
    doc = _json(r, "validate")
    assert doc["ok"] is False
    assert "siting.p" in doc["error"]


def test_dispatch_json_is_its_summary_file(tmp_path: Path) -> None:
    """`dispatch --json` prints what summary.json holds, plus the folder and counts."""
    sc = tmp_path / "day.toml"
    sc.write_text(f'extends = "{REPO / "scenarios" / "helsinki.toml"}"\n')
    day = tmp_path / "day"
    r = CliRunner().invoke(
        app,
        ["day", str(sc), "--date", "2026-07-15", "--jobs", "25", "--out", str(day)],
    )
    assert r.exit_code == 0, r.output
    out = tmp_path / "plan"
    r = CliRunner().invoke(
        app,
        [
            "dispatch",
            "--tickets",
            str(day / "tickets.csv"),
            "--technicians",
            str(day / "technicians.csv"),
            "--date",
            "2026-07-15",
            "--max-iterations",
            "50",
            "--out",
            str(out),
            "--json",
        ],
    )
    assert r.exit_code in (0, 3), r.output
    doc = _json(r, "dispatch")
    summary = json.loads((out / "summary.json").read_text())
    for k in ("status", "n_served", "all_urgent_served", "unassigned_by_reason"):
        assert doc[k] == summary[k]
    assert doc["n_jobs"] == len(pd.read_csv(day / "tickets.csv"))
    assert doc["n_served"] + sum(doc["unassigned_by_reason"].values()) == doc["n_jobs"]
    assert (r.exit_code == 0) == doc["all_urgent_served"]


def test_quiet_prints_no_progress_and_log_file_gets_it(tmp_path: Path) -> None:
    """-q: no progress lines on stderr; --log-file: they are in the file, timestamped."""
    sc = _scenario(tmp_path, '["summary", "siting"]')
    log = tmp_path / "cron.log"
    r = CliRunner().invoke(
        app, ["-q", "--log-file", str(log), "site", str(sc), "--out", str(tmp_path)]
    )
    assert r.exit_code == 0, r.output
    assert not [ln for ln in r.stderr.splitlines() if " INFO planner" in ln], r.stderr
    text = log.read_text()
    assert re.search(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\S* INFO planner", text, re.M)
    assert "conv: " in text
    loud = CliRunner().invoke(app, ["site", str(sc), "--out", str(tmp_path)])
    assert loud.exit_code == 0, loud.output
    info = [ln for ln in loud.stderr.splitlines() if " INFO planner" in ln]
    assert info, loud.stderr
    assert len(info) == len(set(info)), "a progress line printed twice"


def test_log_file_gets_the_error_line(tmp_path: Path) -> None:
    """An input error reaches the log file as well as stderr (one line each)."""
    log = tmp_path / "cron.log"
    r = CliRunner().invoke(
        app, ["--log-file", str(log), "validate", str(tmp_path / "none.toml")]
    )
    assert r.exit_code == 2
    errs = [ln for ln in r.stderr.splitlines() if ln.strip() and not _LOG.match(ln)]
    assert len(errs) == 1
    assert errs[0].startswith("error: ")
    assert "ERROR planner" in log.read_text()
    assert errs[0] in log.read_text()


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["dispatch", "--seed", "x"], "Invalid value for '--seed'"),
        (["dispatch", "--tickets", "a.csv"], "Missing option"),
        (["nosuch"], "No such command 'nosuch'"),
        (["runs", "--bogus"], "No such option: --bogus"),
        (["--log-file", "/nonexistent/dir/x.log", "runs"], "--log-file"),
    ],
)
def test_usage_errors_are_one_line_exit_2(args: list[str], needle: str) -> None:
    """A bad flag type, a missing option, an unknown command: one line, exit 2."""
    r = CliRunner().invoke(app, args)
    assert r.exit_code == 2, r.output
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith("error: ")
    assert needle in lines[0]


def test_help_keeps_bracketed_words_and_lists_exit_codes() -> None:
    """Help text is not eaten by markup ([siting] stays) and names every exit code."""
    r = CliRunner().invoke(app, ["site", "--help"])
    assert "([siting])" in r.stdout
    top = CliRunner().invoke(app, ["--help"]).stdout
    for code in ("0 done", "1 internal error", "2 bad input", "3 dispatch", "130"):
        assert code in " ".join(top.split()), code
    readme = (REPO / "README.md").read_text()
    for code in ("`0`", "`1`", "`2`", "`3`", "`130`"):
        assert code in readme, code


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_schema_command_prints_valid_json_schema(name: str) -> None:
    """`planner schema NAME` prints a JSON Schema that is itself valid."""
    r = CliRunner().invoke(app, ["schema", name])
    assert r.exit_code == 0
    doc = json.loads(r.stdout)
    jsonschema.Draft202012Validator.check_schema(doc)
    assert doc == SCHEMAS[name]


def test_a_wide_sweep_table_prints_long_with_every_name_whole() -> None:
    """40 differing KPIs on an 80-column terminal: one row per KPI and variant, names whole."""
    from rich.console import Console

    from planner.cli.store_cmd import _sweep_table

    kpis = [f"sim_cost_category_number_{i:02d}" for i in range(40)]
    wide = pd.DataFrame(
        np.arange(3 * 40, dtype=float).reshape(3, 40),
        index=["p=210,radius=90", "p=230,radius=90", "summer+30%"],
        columns=kpis,
    )
    con = Console(width=80, record=True, highlight=False)
    con.print(_sweep_table(wide, "sweep"))
    text = con.export_text()
    for k in kpis:
        assert k in text, k
    for v in wide.index:
        assert text.count(v) == 40, v
    assert "…" not in text
