"""Every bad scenario in tests/bad_scenarios/ fails with one line and exit code 2."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from planner.cli import app

BAD = Path(__file__).resolve().parents[1] / "bad_scenarios"
CASES = sorted(BAD.glob("*.toml"))


def _expected(path: Path) -> str:
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("# expect: "), f"{path.name} lacks its '# expect:' line"
    return first.removeprefix("# expect: ")


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_validate_rejects_with_one_line(path: Path) -> None:
    """`planner validate BAD` exits 2 and prints one line naming the problem."""
    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.exit_code == 2, result.output
    lines = [ln for ln in result.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    assert _expected(path) in lines[0]


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_run_writes_nothing(path: Path, tmp_path: Path) -> None:
    """`planner run BAD` exits 2 and leaves no run folder behind, not even a partial one."""
    out = tmp_path / "runs"
    result = CliRunner().invoke(app, ["run", str(path), "--out", str(out)])
    assert result.exit_code == 2, result.output
    assert not out.exists() or not any(out.rglob("*"))


def test_there_are_enough_cases() -> None:
    """The folder covers the failure modes the foundation issue lists."""
    assert len(CASES) >= 15
