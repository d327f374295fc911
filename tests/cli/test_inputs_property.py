"""Any value a user can write: a clean one-line error, or a run that completes.

Hypothesis draws scenario values (seed, siting.p, capacities, rates, times,
names) and table cells (population, latitude) of a tiny scenario, writes
them as a TOML file and a CSV, and runs `planner validate` and `planner run`
(summary stage). Either both say ok and the run folder is whole, or both
exit 2 with one line starting ``error:`` and nothing is written.
"""

from __future__ import annotations

import json
import math
import re
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from planner.cli import app

DATA = Path(__file__).resolve().parents[1] / "bad_scenarios" / "data"

_numbers = st.one_of(
    st.integers(-3, 10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.text(st.characters(exclude_categories=("Cs",)), max_size=4),
)
_clock = st.builds(
    lambda h, m: f"{h:02d}:{m:02d}", st.integers(0, 30), st.integers(0, 90)
)
_times = st.one_of(
    st.builds(lambda a, b: f"{a}-{b}", _clock, _clock),
    st.sampled_from(["8am-5pm", "08:00:00-17:00:00", "08:00", "", "24:00-24:00"]),
)
_values: dict[str, Any] = {
    "seed": _numbers,
    "siting.p": _numbers,
    "outlets.capacity_per_year": _numbers,
    "costs.labour_per_hour": _numbers,
    "workforce.shift": _times,
    "workforce.break_min": _numbers,
    "name": st.one_of(
        st.sampled_from(["ok", "../x", "/abs", ".hidden", "a/b", "C:x", " sp"]),
        st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=6),
    ),
}
_cells = st.one_of(
    st.sampled_from(["100", "90,000", "-5", "", "abc", "1e3", "inf", "nan", " 12 "]),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
)

# progress lines (log lines off a terminal) are not part of the error line
_LOG = re.compile(r"^\d\d:\d\d:\d\d (DEBUG|INFO|WARNING) planner")


def _toml(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return (
            "nan"
            if math.isnan(v)
            else ("inf" if v > 0 else "-inf")
            if math.isinf(v)
            else repr(v)
        )
    if isinstance(v, str):
        return json.dumps(v)
    return str(v)


def _write(tmp: Path, values: dict[str, Any], pop: str, lat: str) -> Path:
    towns = tmp / "towns.csv"
    towns.write_text(
        "id,name,lon,lat,population\n"
        "T1,One,116.40,39.90,100000\n"
        f"T2,Two,121.47,{json.dumps(lat)},{json.dumps(pop)}\n"
    )
    tables: dict[str, dict[str, Any]] = {}
    top = {"name": "tiny"}
    for k, v in values.items():
        if "." in k:
            t, key = k.split(".")
            tables.setdefault(t, {})[key] = v
        else:
            top[k] = v
    lines = [f"{k} = {_toml(v)}" for k, v in top.items()]
    tables.setdefault("region", {}).update(kind="file", demand_file=str(towns))
    tables.setdefault("outlets", {})["existing_file"] = str(DATA / "existing_ok.csv")
    for t, kv in tables.items():
        lines.append(f"[{t}]")
        lines += [f"{k} = {_toml(v)}" for k, v in kv.items()]
    sc = tmp / "s.toml"
    sc.write_text("\n".join(lines) + "\n")
    return sc


def _one_line(result: Any) -> None:
    lines = [
        ln for ln in result.stderr.splitlines() if ln.strip() and not _LOG.match(ln)
    ]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: "), result.stderr


@settings(max_examples=12)
@given(
    values=st.dictionaries(
        st.sampled_from(sorted(_values)), st.none(), max_size=3
    ).flatmap(lambda d: st.fixed_dictionaries({k: _values[k] for k in d})),
    pop=st.one_of(st.just("80000"), _cells),
    lat=st.one_of(st.just("31.23"), st.just("31.23"), st.just("31.23"), _cells),
)
def test_any_value_gives_one_line_or_a_whole_run(
    values: dict[str, Any], pop: str, lat: str
) -> None:
    """validate and run agree; an error is one line and leaves nothing behind."""
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        sc = _write(tmp, values, pop, lat)
        out = tmp / "runs"
        v = CliRunner().invoke(app, ["validate", str(sc)])
        r = CliRunner().invoke(app, ["run", str(sc), "--out", str(out)])
        assert v.exit_code in (0, 2), v.output
        assert r.exit_code == v.exit_code, (v.output, r.output)
        if r.exit_code == 2:
            _one_line(v)
            _one_line(r)
            assert not out.exists() or not any(out.rglob("*"))
        else:
            (folder,) = [p for p in out.glob("*/*") if not p.name.startswith(".")]
            assert (folder / "manifest.json").is_file()
            assert (folder / "report.html").is_file()
