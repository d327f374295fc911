"""What every CLI command shares: the console and the error contract.

Errors a user can cause (:class:`~planner.core.errors.PlannerError`) print one
line ``error: ...`` on stderr and exit with code 2; anything else is a bug and
keeps its traceback.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

import typer
from rich.console import Console

from planner.core.errors import PlannerError

__all__ = ["EXIT_BAD_INPUT", "console", "err_console", "handle_errors"]

EXIT_BAD_INPUT = 2

console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)

P = ParamSpec("P")
R = TypeVar("R")


def handle_errors(fn: Callable[P, R]) -> Callable[P, R]:
    """Turn a :class:`PlannerError` raised by ``fn`` into one line and exit 2."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except PlannerError as e:
            err_console.print(f"error: {e}", markup=False, soft_wrap=True)
            raise typer.Exit(EXIT_BAD_INPUT) from None

    return wrapper
