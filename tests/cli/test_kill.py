"""SIGKILL at random points of `planner run`: the next run starts clean, the index stays true."""

from __future__ import annotations

import multiprocessing
import multiprocessing.process
import os
import signal
import time
from pathlib import Path

import numpy as np
from typer.testing import CliRunner

from planner.cli import app
from planner.scenario.store import RunStore

DATA = Path(__file__).resolve().parents[1] / "bad_scenarios" / "data"


def _child(scenario: str, out: str) -> None:
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    app(["run", scenario, "--out", out])


def _start(scenario: Path, out: Path) -> multiprocessing.process.BaseProcess:
    """`planner run` in a forked process (planner already imported: no start-up)."""
    proc = multiprocessing.get_context("fork").Process(
        target=_child, args=(str(scenario), str(out))
    )
    proc.start()
    return proc


def _wait(proc: multiprocessing.process.BaseProcess) -> int | None:
    proc.join(timeout=120)
    return proc.exitcode


def _indexed_runs_are_whole(out: Path) -> int:
    store = out / "index.sqlite"
    if not store.exists():
        return 0
    runs = RunStore(store, create=False).list()
    for f in runs["folder"]:
        for name in ("manifest.json", "kpis.parquet", "report.html"):
            assert (Path(f) / name).is_file(), f"indexed run {f} lacks {name}"
    return len(runs)


def test_kills_leave_no_half_run_behind(tmp_path: Path) -> None:
    """Runs killed at seeded random moments: no partial folder or index row survives.

    The first, unkilled run measures how long a run takes; three more are
    killed at random fractions of that (most late, where the folder is
    written); a last run removes what the killed ones left, indexes a run a
    kill caught between its rename and its index row, and completes.
    """
    sc = tmp_path / "tiny.toml"
    sc.write_text(
        'name = "tiny"\n[region]\nkind = "file"\n'
        f'demand_file = "{DATA / "towns_ok.csv"}"\n'
        f'[outlets]\nexisting_file = "{DATA / "existing_ok.csv"}"\n'
    )
    out = tmp_path / "runs"
    # one run in this process first, so every lazy import is done before the forks
    warm = CliRunner().invoke(app, ["run", str(sc), "--out", str(tmp_path / "warm")])
    assert warm.exit_code == 0, warm.output
    t0 = time.monotonic()
    assert _wait(_start(sc, out)) == 0
    took = time.monotonic() - t0
    rng = np.random.default_rng(20261202)
    for frac in rng.uniform(0.5, 1.05, size=3):
        proc = _start(sc, out)
        time.sleep(float(frac) * took)
        if proc.pid is not None and proc.is_alive():
            os.kill(proc.pid, signal.SIGKILL)
        _wait(proc)
        n = _indexed_runs_are_whole(out)
        folders = [p for p in (out / "tiny").iterdir() if not p.name.startswith(".")]
        assert len(folders) >= n  # a renamed folder may be not yet indexed
        for f in folders:
            assert (f / "report.html").is_file(), f"{f} was renamed before it was whole"
    assert _wait(_start(sc, out)) == 0
    whole = [p for p in (out / "tiny").iterdir() if not p.name.startswith(".")]
    assert _indexed_runs_are_whole(out) == len(whole) >= 2  # orphans indexed too
    assert not [p for p in (out / "tiny").iterdir() if p.name.startswith(".")]
