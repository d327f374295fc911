"""Every fenced code block of README.md runs as written.

``python`` blocks run in a fresh namespace from the repository root; ``sh``
blocks run line by line in bash in an empty folder holding links to
``scenarios/`` and ``.venv`` (so ``.venv/bin/planner ...`` works as in the
README) and must exit 0; ``toml`` blocks are loaded as scenarios next to a
copy of ``scenarios/``. A comment just above a block changes that:
``<!-- readme-test: skip REASON -->`` skips it (the reason is required and
shown), ``<!-- readme-test: slow REASON -->`` runs it only with ``-m slow``,
``<!-- readme-test: exit 0 3 -->`` accepts those exit codes.
Blocks without a language (directory listings) must be skipped with a reason.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
README = REPO / "README.md"
_FENCE = re.compile(r"^```(\w*)\s*$")
_DIRECTIVE = re.compile(r"^<!--\s*readme-test:\s*(\w+)\s*(.*?)\s*-->\s*$")


@dataclass(frozen=True)
class Block:
    """One fenced block: its language, code, line and the directive above it."""

    lang: str
    code: str
    line: int
    directive: str | None
    arg: str


def blocks(text: str) -> list[Block]:
    """The fenced blocks of ``text`` with the ``readme-test`` directive above each."""
    out: list[Block] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        m = _FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        start, lang = i, m.group(1)
        j = i + 1
        while j < len(lines) and not lines[j].startswith("```"):
            j += 1
        k = start - 1
        while k >= 0 and not lines[k].strip():
            k -= 1
        d = _DIRECTIVE.match(lines[k]) if k >= 0 else None
        out.append(
            Block(
                lang,
                "\n".join(lines[start + 1 : j]) + "\n",
                start + 1,
                d.group(1) if d else None,
                d.group(2) if d else "",
            )
        )
        i = j + 1
    return out


BLOCKS = blocks(README.read_text(encoding="utf-8"))


def test_the_parser_sees_every_block() -> None:
    """Each opening fence is one block (the closing fences pair up)."""
    fences = [ln for ln in README.read_text().splitlines() if ln.startswith("```")]
    assert len(fences) == 2 * len(BLOCKS)
    assert len(BLOCKS) >= 10


def _commands(code: str) -> list[str]:
    """Shell lines with backslash continuations joined; comments and blanks dropped."""
    joined = re.sub(r"\\\n\s*", " ", code)
    return [
        ln.strip()
        for ln in joined.splitlines()
        if ln.strip() and not ln.lstrip().startswith("#")
    ]


def _sandbox(tmp: Path) -> Path:
    """An empty folder with the README's relative paths: scenarios/ and .venv."""
    (tmp / "scenarios").symlink_to(REPO / "scenarios")
    venv = Path(sys.executable).parent.parent
    (tmp / ".venv").symlink_to(venv)
    return tmp


@pytest.mark.parametrize(
    "block",
    [
        pytest.param(b, marks=[pytest.mark.slow] if b.directive == "slow" else [])
        for b in BLOCKS
    ],
    ids=[f"line{b.line}-{b.lang or 'text'}" for b in BLOCKS],
)
def test_readme_block_runs(block: Block, tmp_path: Path) -> None:
    """The block runs as written (or is skipped with a stated reason)."""
    if block.directive == "skip":
        assert block.arg, f"README line {block.line}: a skip needs its reason"
        pytest.skip(block.arg)
    assert block.lang in ("python", "sh", "toml"), (
        f"README line {block.line}: a ```{block.lang} block must run or be skipped "
        "with a reason"
    )
    if block.lang == "python":
        cwd = os.getcwd()
        os.chdir(REPO)
        try:
            exec(compile(block.code, f"README.md:{block.line}", "exec"), {})
        finally:
            os.chdir(cwd)
        return
    if block.lang == "toml":
        from planner.scenario import load_scenario
        from planner.scenario.sweep import expand_sweep

        shutil.copytree(REPO / "scenarios", tmp_path / "scenarios")
        path = tmp_path / "scenarios" / f"readme_{block.line}.toml"
        path.write_text(block.code, encoding="utf-8")
        sc = load_scenario(path)
        if sc.spec.sweep is not None:
            assert len(expand_sweep(sc)) > 0
        return
    ok = {0}
    if block.directive == "exit":
        ok = {int(x) for x in block.arg.split()}
    box = _sandbox(tmp_path)
    env = {**os.environ, "OMP_NUM_THREADS": "1", "COLUMNS": "200"}
    for cmd in _commands(block.code):
        r = subprocess.run(
            ["bash", "-c", cmd],
            cwd=box,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        assert r.returncode in ok, (
            f"README line {block.line}: `{cmd}` exited {r.returncode}\n"
            f"{r.stdout[-2000:]}\n{r.stderr[-3000:]}"
        )
        assert "Traceback" not in r.stderr, r.stderr[-3000:]
