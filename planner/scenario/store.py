"""The results store: every run and sweep variant, indexed in SQLite.

``runs/index.sqlite`` holds one row per run (its scenario, sweep, variant,
parameters, folder, seed, scenario hash) and its KPI rows (kpi, mean, ci_low,
ci_high, n_reps, unit). A run is added in one transaction keyed by its id, so
the store holds each run exactly once, however often a sweep is resumed.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd

from planner.core.errors import InputError

__all__ = ["RunStore"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    run_id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    scenario TEXT NOT NULL,
    sweep_id TEXT,
    variant TEXT,
    params TEXT NOT NULL,
    folder TEXT NOT NULL,
    started_utc TEXT,
    seed INTEGER,
    scenario_sha256 TEXT
);
CREATE TABLE IF NOT EXISTS kpis (
    run_id TEXT NOT NULL REFERENCES runs(run_id),
    kpi TEXT NOT NULL,
    mean REAL, ci_low REAL, ci_high REAL, n_reps INTEGER, unit TEXT,
    PRIMARY KEY (run_id, kpi)
);
"""


class RunStore:
    """An index of runs in a SQLite file (created on first use).

    >>> import tempfile, pathlib
    >>> store = RunStore(pathlib.Path(tempfile.mkdtemp()) / "index.sqlite")
    >>> kpis = pd.DataFrame({"kpi": ["cost"], "mean": [1.0], "ci_low": [1.0],
    ...                      "ci_high": [1.0], "n_reps": [1], "unit": ["CNY"]})
    >>> store.add("s/1", kind="run", scenario="s", folder="runs/s/1", kpis=kpis)
    >>> store.add("s/1", kind="run", scenario="s", folder="runs/s/1", kpis=kpis)
    >>> len(store.list())
    1
    """

    def __init__(self, path: str | Path, *, create: bool = True) -> None:
        self.path = Path(path)
        if not create and not self.path.is_file():
            raise InputError(
                source=str(self.path),
                expected="a results store",
                got="no such file",
                hint="run a scenario first, or give the --out it was run with",
            )
        if create:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as con:
            if create:
                con.executescript(_SCHEMA)
            tables = {
                r[0]
                for r in con.execute(
                    "SELECT name FROM sqlite_master WHERE type='table'"
                )
            }
            if not {"runs", "kpis"} <= tables:
                raise InputError(
                    source=str(self.path),
                    expected="a planner results store (tables runs and kpis)",
                    got=f"tables {sorted(tables)}",
                )

    @contextlib.contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        try:
            con = sqlite3.connect(self.path, timeout=30)
        except sqlite3.Error as e:
            raise InputError(
                source=str(self.path), expected="a readable results store", got=str(e)
            ) from None
        try:
            with con:
                yield con
        except sqlite3.DatabaseError as e:  # not a database, damaged, locked
            raise InputError(
                source=str(self.path),
                expected="a planner results store (SQLite)",
                got=f"{type(e).__name__}: {e}",
                hint="move the file away; `planner run` starts a new one",
            ) from None
        finally:
            con.close()

    def add(
        self,
        run_id: str,
        *,
        kind: str,
        scenario: str,
        folder: str | Path,
        kpis: pd.DataFrame,
        sweep_id: str | None = None,
        variant: str | None = None,
        params: dict[str, Any] | None = None,
        started_utc: str | None = None,
        seed: int | None = None,
        scenario_sha256: str | None = None,
    ) -> None:
        """Add or replace a run and its KPIs, atomically."""
        with self._connect() as con:
            con.execute("DELETE FROM kpis WHERE run_id = ?", (run_id,))
            con.execute(
                "INSERT OR REPLACE INTO runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    run_id,
                    kind,
                    scenario,
                    sweep_id,
                    variant,
                    json.dumps(params or {}, sort_keys=True, default=str),
                    str(folder),
                    started_utc,
                    seed,
                    scenario_sha256,
                ),
            )
            con.executemany(
                "INSERT INTO kpis VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        run_id,
                        str(r["kpi"]),
                        float(r["mean"]),
                        float(r["ci_low"]),
                        float(r["ci_high"]),
                        int(r["n_reps"]),
                        str(r["unit"]),
                    )
                    for r in kpis.to_dict("records")
                ],
            )

    def list(
        self, *, scenario: str | None = None, sweep_id: str | None = None
    ) -> pd.DataFrame:
        """Runs as a table, newest first."""
        q = "SELECT * FROM runs"
        cond, args = [], []
        if scenario:
            cond.append("scenario = ?")
            args.append(scenario)
        if sweep_id:
            cond.append("sweep_id = ?")
            args.append(sweep_id)
        if cond:
            q += " WHERE " + " AND ".join(cond)
        q += " ORDER BY started_utc DESC, run_id"
        with self._connect() as con:
            return pd.read_sql_query(q, con, params=args)

    def resolve(self, ref: str) -> str:
        """A run id from an id, a unique prefix, or a run folder path."""
        runs = self.list()
        if ref in set(runs["run_id"]):
            return ref
        folder = str(Path(ref).resolve()) if Path(ref).exists() else None
        if folder is not None:
            hit = runs[runs["folder"].map(lambda f: str(Path(f).resolve())) == folder]
            if len(hit) == 1:
                return str(hit["run_id"].iloc[0])
        pref = runs[runs["run_id"].str.startswith(ref)]
        if len(pref) == 1:
            return str(pref["run_id"].iloc[0])
        raise InputError(
            source=str(self.path),
            field="run",
            expected="the id, a unique id prefix, or the folder of a stored run"
            + (f" ({len(pref)} runs start with it)" if len(pref) > 1 else ""),
            got=ref,
            hint="`planner runs` lists them",
        )

    def kpis(self, run_id: str) -> pd.DataFrame:
        """The KPI rows of one run."""
        with self._connect() as con:
            return pd.read_sql_query(
                "SELECT kpi, mean, ci_low, ci_high, n_reps, unit FROM kpis WHERE run_id = ? "
                "ORDER BY kpi",
                con,
                params=[run_id],
            )

    def count(self, run_id: str) -> int:
        """How many rows the run has in the index (0 or 1)."""
        with self._connect() as con:
            row = con.execute(
                "SELECT COUNT(*) FROM runs WHERE run_id = ?", (run_id,)
            ).fetchone()
        return int(row[0])
