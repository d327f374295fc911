"""Every bad scenario in tests/bad_scenarios/ fails with one line and exit code 2."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

from planner.cli import app

BAD = Path(__file__).resolve().parents[1] / "bad_scenarios"
CASES = sorted(BAD.glob("*.toml"))

# progress lines (log lines off a terminal) are not part of the error line
_LOG = re.compile(r"^\d\d:\d\d:\d\d (DEBUG|INFO|WARNING) planner")


def _expected(path: Path) -> str:
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("# expect: "), f"{path.name} lacks its '# expect:' line"
    return first.removeprefix("# expect: ")


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_validate_rejects_with_one_line(path: Path) -> None:
    """`planner validate BAD` exits 2 and prints one line naming the problem."""
    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.exit_code == 2, result.output
    lines = [
        ln for ln in result.stderr.splitlines() if ln.strip() and not _LOG.match(ln)
    ]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    assert _expected(path) in lines[0]


def _command(path: Path) -> str:
    """`run`, or `sweep` for a case marked `# command: sweep` (a bad variant)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return "sweep" if len(lines) > 1 and lines[1] == "# command: sweep" else "run"


def _tree(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*")}


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_run_writes_nothing(path: Path, tmp_path: Path) -> None:
    """`planner run BAD` exits 2 and writes nothing: no run folder, nothing beside it."""
    out = tmp_path / "runs"
    before = _tree(BAD)
    cmd = [_command(path), str(path), "--out", str(out)]
    result = CliRunner().invoke(app, [*cmd, "--serial"] if cmd[0] == "sweep" else cmd)
    assert result.exit_code == 2, result.output
    lines = [
        ln for ln in result.stderr.splitlines() if ln.strip() and not _LOG.match(ln)
    ]
    assert 1 <= len(lines) <= 3, result.stderr
    assert _expected(path) in " ".join(lines)
    assert not out.exists() or not any(out.rglob("*"))
    assert _tree(tmp_path) <= {"runs"}, "something was written beside the runs folder"
    assert _tree(BAD) == before, "something was written beside the scenario"


CALLS = sorted(BAD.glob("*.cli"))


def _call(path: Path, tmp: Path) -> list[str]:
    """Set up a `.cli` case in ``tmp``; return its command line.

    A case is `# expect: TEXT`, then `# setup: write PATH [TEXT]` or
    `# setup: garbage PATH` lines, then the arguments; `{bad}` is this folder
    and `{tmp}` the test's own.
    """
    args: list[str] = []
    for line in path.read_text(encoding="utf-8").splitlines()[1:]:
        line = line.replace("{bad}", str(BAD)).replace("{tmp}", str(tmp))
        if line.startswith("# setup: "):
            verb, target, *text = line.removeprefix("# setup: ").split(" ", 2)
            f = Path(target)
            f.parent.mkdir(parents=True, exist_ok=True)
            if verb == "garbage":
                f.write_bytes(b"this is not what the name says\x00\xff" * 40)
            else:
                f.write_text(text[0] if text else "", encoding="utf-8")
        elif line.strip():
            args += shlex.split(line)
    return args


@pytest.mark.parametrize("path", CALLS, ids=[p.stem for p in CALLS])
def test_bad_call_says_one_line_and_writes_nothing(path: Path, tmp_path: Path) -> None:
    """A bad command line exits 2 with at most 3 lines naming it and writes nothing."""
    args = _call(path, tmp_path)
    before = {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*")}
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2, result.output
    lines = [
        ln for ln in result.stderr.splitlines() if ln.strip() and not _LOG.match(ln)
    ]
    assert 1 <= len(lines) <= 3, result.stderr
    assert lines[0].startswith("error: ")
    assert _expected(path) in " ".join(lines), result.stderr
    after = {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*")}
    assert after == before, "the failed call wrote or changed files"


def test_there_are_enough_cases() -> None:
    """The folder covers the failure modes the foundation issue lists."""
    assert len(CASES) >= 15
