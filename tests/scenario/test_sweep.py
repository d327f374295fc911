"""Sweeps: expansion, validation, Dask vs serial, interruption and resume, the store."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from planner.core.errors import InputError
from planner.scenario import spec_from_dict
from planner.scenario.store import RunStore
from planner.scenario.sweep import expand_sweep, run_sweep
from tests.towns import write_towns


@pytest.fixture(scope="module")
def towns(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Forty towns in a 4 x 2 degree box."""
    path = write_towns(
        tmp_path_factory.mktemp("sweep") / "towns.csv",
        40,
        seed=11,
        lon=(110.0, 4.0),
        lat=(30.0, 2.0),
        max_population=900_000,
        label="Town ",
    )
    return path


def _scenario(towns: Path, sweep: dict[str, object]) -> dict[str, object]:
    return {
        "name": "sw",
        "seed": 3,
        "region": {"kind": "file", "demand_file": str(towns)},
        "outlets": {"existing": ["T0"]},
        "workforce": {"technicians_per_outlet": 5},
        "siting": {"model": "mclp", "p": 3, "radius_min": 60.0},
        "run": {"stages": ["summary", "siting"]},
        "sweep": sweep,
    }


def test_grid_times_variants(towns: Path) -> None:
    """A grid of 2 x 2 crossed with 2 named variants gives 8 distinct variants."""
    s = spec_from_dict(
        _scenario(
            towns,
            {
                "grid": {"siting.p": [2, 4], "siting.radius_min": [45.0, 90.0]},
                "variants": [
                    {"name": "base"},
                    {"name": "fast", "travel.speed_kmh": 60.0},
                ],
            },
        )
    )
    vs = expand_sweep(s)
    assert len(vs) == 8
    assert len({v.id for v in vs}) == 8
    assert vs[-1].overrides == {
        "travel.speed_kmh": 60.0,
        "siting.p": 4,
        "siting.radius_min": 90.0,
    }


@pytest.mark.parametrize(
    ("sweep", "message"),
    [
        ({"grid": {"siting.q": [1, 2]}}, "'q' is not one of"),
        ({"grid": {"sitting.p": [1, 2]}}, "'sitting' is not one of"),
        (
            {"variants": [{"name": "bad", "travel.speed_kmh": -3}]},
            "sweep variant 'bad'",
        ),
        ({"grid": {"siting.p": []}}, "empty list"),
        ({}, "non-empty grid or at least one variant"),
    ],
)
def test_bad_sweeps_name_the_problem(
    towns: Path, sweep: dict[str, object], message: str
) -> None:
    """A missing field, an empty grid or a failing variant is one clear error."""
    with pytest.raises(InputError, match=message):
        expand_sweep(spec_from_dict(_scenario(towns, sweep)))


def test_dask_equals_serial_bit_for_bit(towns: Path, tmp_path: Path) -> None:
    """8 variants on a local Dask cluster give the same KPI table as run serially."""
    sweep = {"grid": {"siting.p": [2, 3, 4, 5], "siting.radius_min": [45.0, 90.0]}}
    s = spec_from_dict(_scenario(towns, sweep))
    serial = run_sweep(s, tmp_path / "serial", serial=True)
    dask = run_sweep(s, tmp_path / "dask", n_workers=2)
    assert len(serial.variants) == 8
    pd.testing.assert_frame_equal(serial.kpis, dask.kpis, check_exact=True)
    cover = serial.kpis[serial.kpis["kpi"] == "siting_coverage_share"][
        "mean"
    ].to_numpy()
    assert (
        np.diff(cover.reshape(4, 2), axis=0) >= -1e-12
    ).all()  # more outlets, more cover
    again = run_sweep(s, tmp_path / "serial", serial=True)
    assert again.ran == ()
    assert len(again.reused) == 8
    store = RunStore(tmp_path / "serial" / "index.sqlite")
    assert len(store.list(sweep_id=serial.sweep_id)) == 8


def test_interrupted_sweep_resumes_without_rerunning(
    towns: Path, tmp_path: Path
) -> None:
    """SIGTERM mid-sweep, then resume: only unfinished variants run; each stored once."""
    import tomllib  # noqa: F401  (the scenario file below is TOML)

    sc = tmp_path / "sweep.toml"
    sc.write_text(f"""
name = "sw"
seed = 3
[region]
kind = "file"
demand_file = "{towns}"
[outlets]
existing = ["T0"]
[siting]
model = "pmedian"
p = 3
[run]
stages = ["summary", "siting"]
[sweep.grid]
"siting.p" = [2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]
""")
    out = tmp_path / "runs"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "planner",
            "sweep",
            str(sc),
            "--out",
            str(out),
            "--serial",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=env,
    )
    deadline = time.monotonic() + 120
    finished: list[Path] = []
    while time.monotonic() < deadline and proc.poll() is None:
        finished = [
            p
            for p in out.glob("sw/sweep-*/variants/*")
            if (p / "manifest.json").exists() and not p.name.startswith(".")
        ]
        if len(finished) >= 2:
            break
        time.sleep(0.05)
    assert proc.poll() is None, "the sweep finished before it could be interrupted"
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert b"interrupted" in err
    vdir = next(out.glob("sw/sweep-*/variants"))
    done = {p.name for p in vdir.iterdir() if (p / "manifest.json").exists()}
    assert 2 <= len(done) < 12
    assert not [
        p
        for p in vdir.iterdir()
        if not (p / "manifest.json").exists() and not p.name.startswith(".")
    ], "a half-written variant looks finished"
    from planner.scenario import load_scenario

    result = run_sweep(load_scenario(sc), out, serial=True)
    assert set(result.reused) == done
    assert set(result.ran) == {v.id for v in result.variants} - done
    store = RunStore(out / "index.sqlite")
    listed = store.list(sweep_id=result.sweep_id)
    assert len(listed) == 12
    assert listed["run_id"].is_unique


def test_unreachable_scheduler_fails_fast(towns: Path, tmp_path: Path) -> None:
    """A scheduler that does not answer is a clear error within seconds, not a hang."""
    s = spec_from_dict(_scenario(towns, {"grid": {"siting.p": [2, 3]}}))
    t0 = time.monotonic()
    with pytest.raises(InputError, match="scheduler"):
        run_sweep(s, tmp_path, scheduler="tcp://127.0.0.1:9")
    assert time.monotonic() - t0 < 10
