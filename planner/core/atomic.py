"""Atomic file output: never leave a half-written file or folder behind.

Temporary files and folders sit next to their target, named
``.<target>.<host>-<pid>-<random>.tmp``, and are renamed over it when
complete. A process killed in between leaves its temporary behind;
:func:`remove_stale` finds those of dead processes on this host at the next
start and removes them. Folders and files are created with the user's umask
(not the 0700 of :func:`tempfile.mkdtemp`). :func:`check_writable_dir` and
:func:`check_new_folder` check an output location before any work is done.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import shutil
import socket
from collections.abc import Iterator
from pathlib import Path

from planner.core.errors import InputError

__all__ = [
    "atomic_dir",
    "atomic_path",
    "check_new_folder",
    "check_writable_dir",
    "remove_stale",
    "temporary_name",
]

_TMP = re.compile(r"^\.(?P<target>.+)\.(?P<host>[^.]*)-(?P<pid>\d+)-[0-9a-f]{8}\.tmp$")


def _host() -> str:
    return re.sub(r"[^A-Za-z0-9_]", "_", socket.gethostname()) or "host"


def temporary_name(target: str | os.PathLike[str]) -> Path:
    """A fresh temporary sibling of ``target`` (not created).

    >>> temporary_name("/runs/x").name.startswith(".x.")
    True
    """
    t = Path(target)
    return t.with_name(f".{t.name}.{_host()}-{os.getpid()}-{secrets.token_hex(4)}.tmp")


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; rename it over ``path`` on success.

    On an exception the temporary file is removed and ``path`` is untouched.
    The writer creates the file itself (pyarrow, GDAL want to), so it gets
    the user's umask.

    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> with atomic_path(d / "x.txt") as tmp:
    ...     _ = tmp.write_text("hi")
    >>> (d / "x.txt").read_text()
    'hi'
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = temporary_name(target)
    try:
        yield tmp
        os.replace(tmp, target)
    finally:
        if tmp.is_dir():
            shutil.rmtree(tmp, ignore_errors=True)
        elif tmp.exists():
            tmp.unlink()


@contextlib.contextmanager
def atomic_dir(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary folder next to ``path``; rename it to ``path`` on success.

    ``path`` must not exist yet. On an exception the temporary folder is
    removed. The folder is made with the user's umask.

    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> with atomic_dir(d / "run") as tmp:
    ...     _ = (tmp / "a.txt").write_text("a")
    >>> sorted(p.name for p in d.iterdir())
    ['run']
    """
    target = Path(path)
    if target.exists():
        raise FileExistsError(f"{target} already exists")
    target.parent.mkdir(parents=True, exist_ok=True)
    while True:
        tmp = temporary_name(target)
        try:
            os.mkdir(tmp)  # mode 0o777 & ~umask
            break
        except FileExistsError:  # pragma: no cover - 32 random bits collided
            continue
    try:
        yield tmp
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


def remove_stale(
    folder: str | os.PathLike[str], *, target: str | None = None
) -> tuple[list[Path], list[Path]]:
    """Remove the temporaries in ``folder`` left by dead processes of this host.

    ``target``: only those of this file or folder name. Returns
    ``(removed, kept)``: ``kept`` are temporaries of live processes or of
    other hosts, which may still be writing (report them, don't touch).
    """
    d = Path(folder)
    removed: list[Path] = []
    kept: list[Path] = []
    if not d.is_dir():
        return removed, kept
    for p in sorted(d.iterdir()):
        m = _TMP.match(p.name)
        if m is None or (target is not None and m["target"] != target):
            continue
        if m["host"] == _host() and not _alive(int(m["pid"])):
            if p.is_dir() and not p.is_symlink():
                shutil.rmtree(p, ignore_errors=True)
            else:
                p.unlink(missing_ok=True)
            removed.append(p)
        else:
            kept.append(p)
    return removed, kept


def check_writable_dir(path: str | os.PathLike[str], what: str) -> Path:
    """Check that ``path`` is, or can be made as, a folder this user writes in.

    ``what`` names the argument in the message (``"--out"``). Nothing is
    created.

    >>> import tempfile, pathlib
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "file"
    >>> _ = f.write_text("")
    >>> check_writable_dir(f / "runs", "--out")
    Traceback (most recent call last):
    ...
    planner.core.errors.InputError: --out must be a folder that can be created; got '.../file/runs' (.../file is a file)
    """
    p = Path(path)
    probe = p
    while not probe.exists():
        if probe.parent == probe:
            break
        probe = probe.parent
    if not probe.is_dir():
        raise InputError(
            field=what,
            expected="a folder" if probe == p else "a folder that can be created",
            got=str(p),
            hint=f"{probe} is a file",
        )
    if not os.access(probe, os.W_OK | os.X_OK):
        raise InputError(
            field=what,
            expected="a folder you may write in",
            got=str(p),
            hint=f"{probe} is not writable",
        )
    return p


def check_new_folder(path: str | os.PathLike[str], what: str) -> Path:
    """Check that ``path`` is a new or empty folder that can be written."""
    p = Path(path)
    if p.exists() and (not p.is_dir() or any(p.iterdir())):
        raise InputError(
            field=what,
            expected="a new or empty folder",
            got=str(p),
            hint="it is a file" if not p.is_dir() else "it is not empty",
        )
    return check_writable_dir(p, what)
