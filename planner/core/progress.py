"""Progress of long work: one callback signature and a logging heartbeat.

Every entry point that can run for more than a few seconds takes
``progress: ProgressCallback | None`` and reports :class:`Progress` records
through a :class:`Heartbeat`, which also writes them to the module's logger at
INFO level (at most one line per ``interval_s``), so a cron log sees the same
lines a terminal does. The library only ever adds a ``NullHandler``; the CLI
decides where log lines go.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["Heartbeat", "Progress", "ProgressCallback"]


@dataclass(frozen=True, slots=True)
class Progress:
    """One report of a long task.

    ``done``/``total`` count units of work where they are known (replications,
    policies, iterations); ``best`` is the best objective so far and ``bound``
    the best proven bound, where the task has them.

    >>> str(Progress("siting", "Benders", done=3, total=10, elapsed_s=1.5))
    'siting: Benders (3/10, 1.5 s)'
    """

    task: str
    message: str
    done: float | None = None
    total: float | None = None
    best: float | None = None
    bound: float | None = None
    elapsed_s: float | None = None

    def __str__(self) -> str:
        bits = []
        if self.done is not None:
            bits.append(
                f"{self.done:g}/{self.total:g}" if self.total else f"{self.done:g}"
            )
        if self.best is not None:
            bits.append(f"best {self.best:.6g}")
        if self.bound is not None:
            bits.append(f"bound {self.bound:.6g}")
        if self.elapsed_s is not None:
            bits.append(f"{self.elapsed_s:.1f} s")
        tail = f" ({', '.join(bits)})" if bits else ""
        return f"{self.task}: {self.message}{tail}"


ProgressCallback = Callable[[Progress], None]


class Heartbeat:
    """Report progress to a callback and a logger, at most every ``interval_s``.

    Calls with ``force=True`` (a stage starting or ending) always go through.
    ``offset`` is added to every ``best`` and ``bound`` reported: a solver
    whose inner stages work on a shifted objective (a constant left out)
    sets it once, and every stage then reports in the user's units.

    >>> seen = []
    >>> hb = Heartbeat(logging.getLogger("x"), "sim", callback=seen.append,
    ...                interval_s=3600)
    >>> hb("replication", done=1, total=3, force=True); hb("replication", done=2)
    >>> [p.done for p in seen]
    [1]
    """

    def __init__(
        self,
        logger: logging.Logger,
        task: str,
        *,
        callback: ProgressCallback | None = None,
        interval_s: float = 5.0,
    ) -> None:
        self.logger = logger
        self.task = task
        self.callback = callback
        self.interval_s = float(interval_s)
        self.t0 = time.perf_counter()
        self._last = -float("inf")
        self.offset = 0.0

    @property
    def elapsed_s(self) -> float:
        """Seconds since the heartbeat was made."""
        return time.perf_counter() - self.t0

    def __call__(
        self,
        message: str,
        *,
        done: float | None = None,
        total: float | None = None,
        best: float | None = None,
        bound: float | None = None,
        force: bool = False,
    ) -> None:
        now = time.perf_counter()
        if not force and now - self._last < self.interval_s:
            return
        self._last = now
        if best is not None:
            best = best + self.offset
        if bound is not None:
            bound = bound + self.offset
        p = Progress(
            self.task, message, done, total, best, bound, elapsed_s=now - self.t0
        )
        self.logger.info("%s", p)
        if self.callback is not None:
            self.callback(p)
