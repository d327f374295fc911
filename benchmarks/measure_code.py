"""Size and repetition of the code: the largest modules and `duplicates` pairs.

Prints the modules of ``planner/`` over a line threshold (largest first) and,
where the ``duplicates`` command is on PATH, its pair counts for ``planner/``
and for the whole tree. Issue 14's measure: no module over about 600 lines
without a stated reason; duplicate pairs down from 169 (whole tree, before).

    .venv/bin/python benchmarks/measure_code.py [--over 600]
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def module_sizes(root: Path) -> list[tuple[int, str]]:
    """(lines, path) of every Python module under ``root``, largest first."""
    out = []
    for f in root.rglob("*.py"):
        n = sum(1 for _ in f.open(encoding="utf-8"))
        out.append((n, str(f.relative_to(REPO))))
    return sorted(out, reverse=True)


def duplicate_pairs(folder: Path) -> str:
    """The first line of ``duplicates`` run in ``folder`` (or why not)."""
    exe = shutil.which("duplicates")
    if exe is None:
        return "duplicates: not on PATH"
    res = subprocess.run(
        [exe, "--seconds", "120"],
        cwd=folder,
        capture_output=True,
        text=True,
        check=False,
    )
    first = res.stdout.splitlines()[0] if res.stdout else res.stderr.strip()
    m = re.match(r"(\d+) pairs", first)
    return f"{m.group(1) if m else '?'} pairs  ({first})"


def main() -> None:
    """Print the table."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--over", type=int, default=600, help="list modules over N lines")
    a = ap.parse_args()
    sizes = module_sizes(REPO / "planner")
    print(f"{'lines':>6}  module (over {a.over} lines)")
    for n, path in sizes:
        if n > a.over:
            print(f"{n:>6}  {path}")
    print(f"modules: {len(sizes)}, lines: {sum(n for n, _ in sizes):,}")
    print("planner/ :", duplicate_pairs(REPO / "planner"))
    print("tree     :", duplicate_pairs(REPO))


if __name__ == "__main__":
    main()
