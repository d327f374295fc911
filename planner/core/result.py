"""The one protocol every stage's result follows, and the helpers behind it.

SitingPlan, StaffingPlan, DispatchPlan, StockPlan and SimResult all offer:

- ``status`` (:class:`SolveStatus`) and ``stats`` (:class:`SolverStats`);
- ``summary()`` (also ``str(result)``): a few lines for a person;
- ``to_frame()``: the decision as a tidy table, one row per item;
- ``cost_breakdown()``: a :class:`~planner.core.cost.CostBreakdown` in the
  cost model's categories, with the period it covers;
- ``kpis()``: headline figures as rows ``(kpi, mean, ci_low, ci_high,
  n_reps, unit)`` named with the stage's prefix (``siting_``, ``staffing_``,
  ``routing_``, ``inventory_``, ``sim_``), so a run's KPI table is their
  concatenation; deterministic figures have ``ci_low == ci_high == mean``
  and ``n_reps == 1``;
- ``save(path) -> Path``: a new folder holding ``result.json`` (a format tag
  ``planner.<Type>`` and a version) and Parquet tables, written atomically;
  and ``load(path)``, which raises :class:`~planner.core.errors.InputError`
  naming the path for a missing, foreign, corrupt or newer folder.

:func:`write_result` and :func:`read_result` implement the folder format once,
so every type writes and checks it the same way.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, Self, runtime_checkable

import numpy as np

from planner.core.atomic import atomic_dir
from planner.core.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

    from planner.core.cost import CostBreakdown

__all__ = [
    "KPI_COLUMNS",
    "STAGE_PREFIXES",
    "Result",
    "SolveStatus",
    "SolverStats",
    "from_json_value",
    "kpi_frame",
    "read_result",
    "reading_saved",
    "to_json_value",
    "write_result",
]

#: Columns of every ``kpis()`` table, in this order.
KPI_COLUMNS = ("kpi", "mean", "ci_low", "ci_high", "n_reps", "unit")

#: The prefix each stage puts before its KPI names.
STAGE_PREFIXES: Mapping[str, str] = {
    "SitingPlan": "siting_",
    "StaffingPlan": "staffing_",
    "DispatchPlan": "routing_",
    "HorizonPlan": "routing_horizon_",
    "StockPlan": "inventory_",
    "SimResult": "sim_",
    "DesignResult": "design_",
}

_RESULT_FILE = "result.json"


class SolveStatus(StrEnum):
    """How a solve ended.

    ``OPTIMAL``: proven optimal (within the solver's tolerance);
    ``FEASIBLE``: a solution without proof of optimality (time limit, heuristic);
    ``INFEASIBLE``: proven to have no solution;
    ``NO_SOLUTION``: none found, infeasibility not proven.
    """

    OPTIMAL = "optimal"
    FEASIBLE = "feasible"
    INFEASIBLE = "infeasible"
    NO_SOLUTION = "no_solution"

    @property
    def has_solution(self) -> bool:
        """Whether a solution is present.

        >>> SolveStatus.FEASIBLE.has_solution
        True
        """
        return self in (SolveStatus.OPTIMAL, SolveStatus.FEASIBLE)


@dataclass(frozen=True, slots=True)
class SolverStats:
    """Which solver ran, for how long, how far, with which seed.

    ``extra`` holds solver-specific figures (nodes, bound history, threads);
    its values must be JSON-able.
    """

    solver: str
    runtime_s: float
    n_iterations: int = 0
    seed: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able dict; :meth:`from_dict` reads it back.

        >>> SolverStats("highs", 1.5, extra={"nodes": 3}).to_dict()["extra"]
        {'nodes': 3}
        """
        return {
            "solver": self.solver,
            "runtime_s": float(self.runtime_s),
            "n_iterations": int(self.n_iterations),
            "seed": self.seed,
            "extra": {k: to_json_value(v) for k, v in self.extra.items()},
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any], *, source: str | None = None) -> Self:
        """Inverse of :meth:`to_dict` (also reads the older ``extra.<k>`` keys)."""
        try:
            extra = dict(d.get("extra") or {})
            extra.update(
                {k[6:]: v for k, v in d.items() if str(k).startswith("extra.")}
            )
            return cls(
                solver=str(d["solver"]),
                runtime_s=float(d["runtime_s"]),
                n_iterations=int(d.get("n_iterations", 0)),
                seed=None if d.get("seed") is None else int(d["seed"]),
                extra={k: from_json_value(v) for k, v in extra.items()},
            )
        except (KeyError, TypeError, ValueError, AttributeError) as e:
            raise InputError(
                source=source,
                field="stats",
                expected="solver statistics (solver, runtime_s, ...)",
                got=type(d).__name__ if not isinstance(d, Mapping) else sorted(d),
            ) from e


@runtime_checkable
class Result(Protocol):
    """What every stage's result offers (see the module docstring)."""

    @property
    def status(self) -> SolveStatus: ...

    @property
    def stats(self) -> SolverStats: ...

    def summary(self) -> str: ...

    def to_frame(self) -> pd.DataFrame: ...

    def cost_breakdown(self) -> CostBreakdown: ...

    def kpis(self) -> pd.DataFrame: ...

    def save(self, path: str | os.PathLike[str]) -> Path: ...

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Self: ...


KpiRow = tuple[str, float, str] | tuple[str, float, float, float, int, str]


def kpi_frame(rows: Iterable[KpiRow], *, prefix: str = "") -> pd.DataFrame:
    """A ``kpis()`` table from rows ``(kpi, value, unit)`` or the full six.

    >>> kpi_frame([("open_outlets", 3, "outlets")], prefix="siting_")
                        kpi  mean  ci_low  ci_high  n_reps     unit
    0  siting_open_outlets   3.0     3.0      3.0       1  outlets
    """
    import pandas as pd

    out: list[tuple[str, float, float, float, int, str]] = []
    for r in rows:
        if len(r) == 3:
            name, v, unit = r
            out.append((prefix + str(name), float(v), float(v), float(v), 1, unit))
        elif len(r) == 6:
            name, m, lo, hi, n, unit = r
            out.append(
                (prefix + str(name), float(m), float(lo), float(hi), int(n), unit)
            )
        else:
            raise InputError(
                field="kpi row", expected="3 or 6 values", got=f"{len(r)} values"
            )
    df = pd.DataFrame(out, columns=list(KPI_COLUMNS))
    df["n_reps"] = df["n_reps"].astype(np.int64)
    df["unit"] = df["unit"].astype(str)
    return df


def to_json_value(x: Any) -> Any:
    """``x`` as plain JSON: numpy scalars and arrays to Python, nan/inf as strings.

    >>> to_json_value({"a": np.float64("nan"), "b": np.arange(2)})
    {'a': 'nan', 'b': [0, 1]}
    """
    if isinstance(x, Mapping):
        return {str(k): to_json_value(v) for k, v in x.items()}
    if isinstance(x, np.ndarray):
        return [to_json_value(v) for v in x.tolist()]
    if isinstance(x, list | tuple):
        return [to_json_value(v) for v in x]
    if isinstance(x, bool | np.bool_):
        return bool(x)
    if isinstance(x, np.integer):
        return int(x)
    if isinstance(x, float | np.floating):
        v = float(x)
        return v if math.isfinite(v) else str(v)
    if isinstance(x, Path):
        return str(x)
    if isinstance(x, StrEnum):
        return x.value
    return x


def from_json_value(x: Any) -> Any:
    """Undo :func:`to_json_value` for non-finite floats (``"nan"``, ``"inf"``)."""
    if isinstance(x, str) and x in ("nan", "inf", "-inf"):
        return float(x)
    if isinstance(x, list):
        return [from_json_value(v) for v in x]
    if isinstance(x, dict):
        return {k: from_json_value(v) for k, v in x.items()}
    return x


def write_result(
    path: str | os.PathLike[str],
    *,
    kind: str,
    version: int,
    meta: Mapping[str, Any],
    frames: Mapping[str, pd.DataFrame] | None = None,
    children: Mapping[str, Result] | None = None,
) -> Path:
    """Write a result folder: ``result.json`` and one Parquet file per frame.

    ``path`` must not exist; the folder appears complete or not at all.
    ``result.json`` holds ``{"format": "planner.<kind>", "version": version,
    "frames": [...], "children": [...], **meta}``; ``meta`` is passed through
    :func:`to_json_value`. ``children`` are results saved in sub-folders of
    their name (a result made of other results).
    """
    target = Path(path)
    if target.exists():
        raise InputError(
            source=str(target),
            expected="a path that does not exist yet (results are never overwritten)",
            got="an existing " + ("folder" if target.is_dir() else "file"),
        )
    frames = dict(frames or {})
    kids = dict(children or {})
    head = {
        "format": f"planner.{kind}",
        "version": int(version),
        "frames": sorted(frames),
        "children": sorted(kids),
    }
    clash = set(head) & set(meta)
    if clash:
        raise InputError(field="meta", expected="no reserved keys", got=sorted(clash))
    body = json.dumps({**head, **to_json_value(dict(meta))}, indent=2)
    try:
        with atomic_dir(target) as tmp:
            for name, df in frames.items():
                df.to_parquet(tmp / f"{name}.parquet", index=False)
            for name, child in kids.items():
                child.save(tmp / name)
            (tmp / _RESULT_FILE).write_text(body + "\n", encoding="utf-8")
    except PermissionError as e:
        raise InputError(
            source=str(target), expected="a writable location", got=str(e)
        ) from e
    return target


@contextmanager
def reading_saved(path: str | os.PathLike[str], kind: str) -> Iterator[None]:
    """Around the body of a ``load``: what the folder's contents break becomes one InputError.

    An :class:`InputError` raised inside keeps its own source (or gets
    ``path``); a missing key, a wrong type or value ("expected a saved
    ``kind``") names ``path`` and what went wrong.
    """
    try:
        yield
    except InputError as e:
        err = e.with_source(str(path))
        if err is e:
            raise
        raise err from e
    except (KeyError, TypeError, ValueError, IndexError) as e:
        raise InputError(
            source=str(path),
            expected=f"a saved {kind}",
            got=f"{type(e).__name__}: {e}",
        ) from e


def read_result(
    path: str | os.PathLike[str],
    *,
    kind: str,
    versions: Sequence[int] = (1,),
) -> tuple[dict[str, Any], dict[str, pd.DataFrame]]:
    """Read a folder written by :func:`write_result`: ``(meta, frames)``.

    Raises :class:`~planner.core.errors.InputError` naming the path when it is
    missing, not a result folder, of another type, of an unknown version, or
    has a table that cannot be read.
    """
    import pandas as pd

    p = Path(path)
    head = p / _RESULT_FILE
    want = f"planner.{kind}"
    if not p.exists():
        raise InputError(
            source=str(p), expected=f"a saved {kind} folder", got="nothing there"
        )
    if not head.is_file():
        raise InputError(
            source=str(p),
            expected=f"a saved {kind} folder with {_RESULT_FILE}",
            got="a file" if p.is_file() else "a folder without it",
        )
    try:
        meta = json.loads(head.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise InputError(source=str(head), expected="valid JSON", got=str(e)) from e
    if not isinstance(meta, dict) or meta.get("format") != want:
        got = meta.get("format") if isinstance(meta, dict) else type(meta).__name__
        raise InputError(source=str(head), field="format", expected=repr(want), got=got)
    if meta.get("version") not in versions:
        raise InputError(
            source=str(head),
            field="version",
            expected=" or ".join(str(v) for v in versions),
            got=meta.get("version"),
            hint="written by another version of planner",
        )
    frames: dict[str, pd.DataFrame] = {}
    for name in meta.get("frames", []):
        f = p / f"{name}.parquet"
        try:
            frames[name] = pd.read_parquet(f)
        except Exception as e:  # pyarrow raises many types for a bad file
            raise InputError(
                source=str(f), expected="a readable Parquet table", got=type(e).__name__
            ) from e
    meta = {
        k: from_json_value(v)
        for k, v in meta.items()
        if k not in ("format", "version", "frames", "children")
    }
    return meta, frames
