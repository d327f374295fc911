"""What every CLI command shares: consoles, exit codes, logging, progress, JSON.

Errors a user can cause (:class:`~planner.core.errors.PlannerError`, and a bad
flag or a missing argument) print one line ``error: ...`` on stderr and exit
with code 2; anything else is a bug and keeps its traceback (exit 1).

Logging: the package logs through ``logging.getLogger(__name__)``; the CLI
attaches one handler to the ``planner`` logger on stderr (progress lines when
stderr is not a terminal, warnings only on a terminal, where a spinner shows
progress; ``-v`` adds info / debug, ``-q`` keeps warnings and errors only)
and, with ``--log-file``, one on the file (info, or debug with ``-v``, with
timestamps), so a cron log sees every progress line and error.
"""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import math
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, ParamSpec, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from planner.core.errors import InputError, PlannerError

__all__ = [
    "EXIT_BAD_INPUT",
    "EXIT_BUG",
    "EXIT_CODES_HELP",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_URGENT_UNSERVED",
    "console",
    "err_console",
    "handle_errors",
    "make_table",
    "print_json",
    "progress_reporter",
    "settings",
    "setup_logging",
]

EXIT_OK = 0
EXIT_BUG = 1
EXIT_BAD_INPUT = 2
EXIT_URGENT_UNSERVED = 3
EXIT_INTERRUPTED = 130

#: The exit codes, as ``planner --help`` and the README list them.
EXIT_CODES_HELP = (
    "Exit codes: 0 done; "
    "1 internal error (a bug: the traceback is printed); "
    "2 bad input (a file, key, argument or flag; one line 'error: ...' on stderr); "
    "3 dispatch: the plan is written but some urgent job is not served; "
    "130 interrupted (Ctrl-C or SIGTERM; finished sweep variants are kept)."
)

console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)

log = logging.getLogger("planner.cli")

P = ParamSpec("P")
R = TypeVar("R")


@dataclass(slots=True)
class Settings:
    """The global flags of one invocation (set by the app's callback)."""

    verbosity: int = 0  # -1 quiet, 0 default, 1 info, 2 debug
    log_file: Path | None = None


settings = Settings()


class _StderrHandler(logging.StreamHandler[IO[str]]):
    """A stream handler on whatever ``sys.stderr`` is when a record is written."""

    @property
    def stream(self) -> IO[str]:
        return sys.stderr

    @stream.setter
    def stream(self, _value: IO[str]) -> None:
        pass

    _last: tuple[str, float] = ("", 0.0)

    def emit(self, record: logging.LogRecord) -> None:
        """On a terminal, print through the rich console (above a live spinner)."""
        if err_console.is_terminal:
            try:
                err_console.print(self.format(record), markup=False, soft_wrap=True)
            except Exception:  # logging must never raise
                self.handleError(record)
            return
        super().emit(record)

    def filter(self, record: logging.LogRecord) -> bool:
        """Drop a message repeated within a second (a heartbeat relayed twice).

        A stage's heartbeat is logged by its module and also relayed to the
        CLI's progress callback, which logs it again off a terminal.
        """
        if not super().filter(record):
            return False
        msg, now = record.getMessage(), record.created
        last, when = self._last
        self._last = (msg, now)
        return not (msg == last and now - when < 1.0)


_HANDLER_MARK = "_planner_cli_handler"


def _stderr_is_terminal() -> bool:
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


def setup_logging(verbosity: int, log_file: Path | None) -> None:
    """Attach the CLI's handlers to the ``planner`` logger (replacing earlier ones).

    On a terminal stderr shows warnings (``-v`` info, ``-vv`` debug), since a
    spinner shows progress there; elsewhere it shows info lines, i.e. the
    progress (``-v`` debug); ``-q`` keeps warnings and errors only. The log
    file gets info lines (debug with ``-v``) with timestamps.
    """
    root = logging.getLogger("planner")
    for h in list(root.handlers):
        if getattr(h, _HANDLER_MARK, False):
            root.removeHandler(h)
            h.close()
    tty = _stderr_is_terminal()
    if verbosity < 0:
        level = logging.WARNING
    elif tty:
        level = (logging.WARNING, logging.INFO, logging.DEBUG)[min(verbosity, 2)]
    else:
        level = logging.DEBUG if verbosity > 0 else logging.INFO
    handlers: list[logging.Handler] = []
    h_err = _StderrHandler()
    h_err.setLevel(level)
    h_err.setFormatter(
        logging.Formatter(
            "%(asctime)s %(levelname)s %(name)s: %(message)s", datefmt="%H:%M:%S"
        )
    )
    handlers.append(h_err)
    if log_file is not None:
        try:
            h_file = logging.FileHandler(log_file, encoding="utf-8", delay=False)
        except OSError as e:
            raise InputError(
                field="--log-file",
                expected="a file that can be opened for appending",
                got=f"{log_file} ({e.strerror or e})",
            ) from None
        h_file.setLevel(logging.DEBUG if verbosity > 0 else logging.INFO)
        h_file.setFormatter(
            logging.Formatter(
                "%(asctime)s %(levelname)s %(name)s: %(message)s",
                datefmt="%Y-%m-%dT%H:%M:%S%z",
            )
        )
        handlers.append(h_file)
    for h in handlers:
        setattr(h, _HANDLER_MARK, True)
        root.addHandler(h)
    root.setLevel(min(h.level for h in handlers))


def close_logging() -> None:
    """Detach and close the CLI's handlers (the log file is flushed)."""
    root = logging.getLogger("planner")
    for h in list(root.handlers):
        if getattr(h, _HANDLER_MARK, False):
            root.removeHandler(h)
            h.close()
    root.setLevel(logging.NOTSET)


def handle_errors(fn: Callable[P, R]) -> Callable[P, R]:
    """Turn a :class:`PlannerError` raised by ``fn`` into one line and exit 2.

    The line also goes to the log (and so to ``--log-file``).
    """

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except PlannerError as e:
            err_console.print(f"error: {e}", markup=False, soft_wrap=True)
            _log_to_file_only(logging.ERROR, f"error: {e}")
            raise typer.Exit(EXIT_BAD_INPUT) from None

    return wrapper


def _log_to_file_only(level: int, msg: str) -> None:
    """Write ``msg`` to the log file's handler only (stderr already has it)."""
    root = logging.getLogger("planner")
    for h in root.handlers:
        if (
            getattr(h, _HANDLER_MARK, False)
            and isinstance(h, logging.FileHandler)
            and level >= h.level
        ):
            h.handle(log.makeRecord(log.name, level, "", 0, msg, (), None))


def fit_console() -> None:
    """Print tables at full width when stdout is not a terminal (never cut ids)."""
    if not console.is_terminal:
        console.width = 100_000
    if not err_console.is_terminal:
        err_console.width = 100_000


def make_table(*columns: str, title: str | None = None, **kw: Any) -> Table:
    """A table whose cells wrap (fold) instead of being cut with an ellipsis.

    ``columns`` are header names; names starting with ``>`` are right-aligned
    (the ``>`` is dropped).
    """
    t = Table(title=title, **kw)
    for c in columns:
        right = c.startswith(">")
        t.add_column(
            c[1:] if right else c,
            justify="right" if right else "left",
            overflow="fold",
        )
    return t


def _jsonable(v: Any) -> Any:
    """Plain JSON values: numpy scalars to Python, NaN and infinities to null."""
    if isinstance(v, dict):
        return {str(k): _jsonable(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [_jsonable(x) for x in v]
    if hasattr(v, "item") and callable(v.item) and not isinstance(v, str | bytes):
        with contextlib.suppress(ValueError, TypeError):
            v = v.item()
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if v is None or isinstance(v, bool | int | float | str):
        return v
    if isinstance(v, Path):
        return str(v)
    return str(v)


def print_json(doc: dict[str, Any]) -> None:
    """Print ``doc`` as one JSON document on stdout (NaN as null, sorted keys)."""
    sys.stdout.write(json.dumps(_jsonable(doc), indent=2, allow_nan=False) + "\n")
    sys.stdout.flush()


@contextlib.contextmanager
def progress_reporter(
    first: str = "starting", *, enabled: bool = True
) -> Iterator[Callable[[str], None]]:
    """A callback for progress messages: a spinner on a terminal, else log lines.

    Off a terminal (a pipe, cron) each message is an info line of the
    ``planner.cli`` logger, so it reaches stderr and ``--log-file``; on a
    terminal it updates a spinner on stderr (and still reaches the log file).
    ``enabled=False`` (``-q``) keeps only the log file.
    """
    show = enabled and settings.verbosity >= 0 and err_console.is_terminal
    if not show:

        def say(msg: str) -> None:
            log.info("%s", msg)

        say(first)
        yield say
        return
    with err_console.status(first) as status:

        def say_tty(msg: str) -> None:
            status.update(msg)
            _log_to_file_only(logging.INFO, msg)

        _log_to_file_only(logging.INFO, first)
        yield say_tty
