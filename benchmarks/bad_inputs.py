"""How planner answers bad input, by the classes of issue 15: one table.

Runs every case of ``tests/bad_scenarios/`` (scenario files through
``planner validate`` and ``planner run``/``sweep``, command lines with their
setup) in this process and counts a case *clean* when it exits 2 with at
most 3 lines, the first ``error: ...`` naming what the case expects, and
writes nothing. Prints one row per class: cases, clean, wall s, CPU s.

    .venv/bin/python benchmarks/bad_inputs.py
"""

from __future__ import annotations

import re
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from typer.testing import CliRunner

from planner.cli import app

REPO = Path(__file__).resolve().parents[1]
BAD = REPO / "tests" / "bad_scenarios"
sys.path.insert(0, str(REPO / "tests" / "cli"))

from test_bad_scenarios import _call, _command, _expected  # noqa: E402

#: The class of issue 15 each case stands for (the others predate it).
CLASS = {
    "seed_too_big": "traceback",
    "population_thousands": "traceback",
    "dispatch_seed_negative": "traceback",
    "run_out_under_file": "traceback",
    "runs_corrupt_index": "traceback",
    "report_garbage_kpis": "traceback",
    "dispatch_tickets_pq_garbage": "traceback",
    "dispatch_window_am_pm": "accepted silently",
    "dispatch_window_25h": "accepted silently",
    "capacity_inf": "accepted silently",
    "seed_bool": "accepted silently",
    "existing_twice": "accepted silently",
    "crs_degrees_as_metres": "accepted silently",
    "runs_typo_out": "accepted silently",
    "dispatch_route_file_clash": "accepted silently",
    "p_as_text": "accepted silently",
    "date_unquoted": "accepted silently",
    "labour_inf": "vague",
    "p_too_large": "vague",
    "matrix_missing_point": "vague",
    "shift_bad_minutes": "vague",
    "shift_am_pm": "vague",
    "dispatch_tw_order": "vague",
    "dispatch_break_outside_shift": "vague",
    "routing_unknown_outlet": "validate said ok",
    "all_excluded": "validate said ok",
    "capacity_short": "validate said ok",
    "sweep_variant_p_too_large": "validate said ok",
    "break_outside_shift": "validate said ok",
    "budget_too_small": "validate said ok",
    "no_demand": "validate said ok",
    "name_escapes": "writes outside",
    "name_absolute": "writes outside",
    "sweep_name_escapes": "writes outside",
    "report_tiles_script": "injection",
    "dispatch_out_not_empty": "leftovers",
    "compare_typo_out": "leftovers",
    "validate_stage_siting": "validate said ok",
}


def _tree(root: Path) -> dict[Path, int]:
    return {p: p.stat().st_mtime_ns for p in root.rglob("*")}


def _clean(result: object, expect: str, wrote: bool) -> bool:
    r = result
    # progress log lines (off a terminal, "HH:MM:SS INFO planner...") are not errors
    lines = [
        ln
        for ln in r.stderr.splitlines()  # type: ignore[attr-defined]
        if ln.strip() and not re.match(r"\d\d:\d\d:\d\d (DEBUG|INFO|WARNING) ", ln)
    ]
    return (
        r.exit_code == 2  # type: ignore[attr-defined]
        and 1 <= len(lines) <= 3
        and lines[0].startswith("error: ")
        and expect in " ".join(lines)
        and not wrote
    )


def _case(path: Path) -> bool:
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        before_bad = _tree(BAD)
        if path.suffix == ".cli":
            args = _call(path, tmp)
            before = _tree(tmp)
            r = CliRunner().invoke(app, args)
            return _clean(r, _expected(path), _tree(tmp) != before)
        out = tmp / "runs"
        v = CliRunner().invoke(app, ["validate", str(path)])
        cmd = [_command(path), str(path), "--out", str(out)]
        if cmd[0] == "sweep":
            cmd.append("--serial")
        r = CliRunner().invoke(app, cmd)
        wrote = bool(_tree(tmp)) or _tree(BAD) != before_bad
        ok_validate = _clean(v, _expected(path), False) or cmd[0] == "sweep"
        return ok_validate and _clean(r, _expected(path), wrote)


def main() -> None:
    """Print the table."""
    rows: dict[str, list[float]] = defaultdict(lambda: [0, 0, 0.0, 0.0])
    for path in sorted([*BAD.glob("*.toml"), *BAD.glob("*.cli")]):
        w0, c0 = time.perf_counter(), time.process_time()
        ok = _case(path)
        row = rows[CLASS.get(path.stem, "earlier cases")]
        row[0] += 1
        row[1] += ok
        row[2] += time.perf_counter() - w0
        row[3] += time.process_time() - c0
        if not ok:
            print(f"not clean: {path.name}", file=sys.stderr)
    print(f"{'class':<20} {'cases':>5} {'clean':>5} {'wall s':>7} {'CPU s':>6}")
    for cls, (n, ok, wall, cpu) in sorted(rows.items()):
        print(f"{cls:<20} {n:>5.0f} {ok:>5.0f} {wall:>7.1f} {cpu:>6.1f}")


if __name__ == "__main__":
    main()
