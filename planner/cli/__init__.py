"""The ``planner`` command line.

Each command lives in its own module of this package and is registered here.
The app's callback holds the global flags (``--version``, ``-v``/``-q``,
``--log-file``); :class:`_Group` turns click's usage errors (a bad flag type,
a missing option) into one line ``error: ...`` and exit 2, like every other
input error.
"""

from __future__ import annotations

import sys
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Annotated, Any

import click
import typer
from typer.core import TyperGroup

from planner.cli import (
    day_cmd,
    dispatch_cmd,
    report_cmd,
    scenario_cmd,
    schema_cmd,
    store_cmd,
)
from planner.cli.common import (
    EXIT_BAD_INPUT,
    EXIT_CODES_HELP,
    close_logging,
    err_console,
    fit_console,
    settings,
    setup_logging,
)
from planner.core.errors import InputError

__all__ = ["app", "main"]

# typer >= 0.20 vendors click as typer._click: its usage errors and aborts are
# not click's classes, so both are caught
_USAGE_ERRORS: tuple[type[Exception], ...] = tuple(
    {click.ClickException}
    | {c for c in typer.BadParameter.__mro__ if c.__name__ == "ClickException"}
)
_ABORTS: tuple[type[BaseException], ...] = (typer.Abort, click.exceptions.Abort)


def _version() -> str:
    try:
        return version("planner")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "unknown"


class _Group(TyperGroup):
    """Typer's group with click's usage errors as one line and exit 2."""

    def main(self, *args: Any, **kwargs: Any) -> Any:
        standalone = kwargs.pop("standalone_mode", True)
        kwargs["standalone_mode"] = False
        try:
            rv = super().main(*args, **kwargs)
        except _USAGE_ERRORS as e:
            if type(e).__name__ == "NoArgsIsHelpError":  # `planner` alone: the help
                err_console.print(str(e.format_message()), markup=False)  # type: ignore[attr-defined]
                rv = getattr(e, "exit_code", EXIT_BAD_INPUT)
                if not standalone:
                    return rv
                sys.exit(rv)
            ctx = getattr(e, "ctx", None)
            where = ctx.command_path if ctx is not None else "planner"
            msg = str(e.format_message()).replace("\n", " ")  # type: ignore[attr-defined]
            err_console.print(
                f"error: {msg} (see '{where} --help')", markup=False, soft_wrap=True
            )
            code = getattr(e, "exit_code", EXIT_BAD_INPUT)
            rv = code if code != 1 else EXIT_BAD_INPUT
        except _ABORTS:
            rv = 130
        finally:
            close_logging()
        if not standalone:
            return rv
        sys.exit(rv if isinstance(rv, int) else 0)


app = typer.Typer(
    name="planner",
    help="Siting, dispatch, spare parts and simulation for after-sales service "
    "networks.",
    epilog=EXIT_CODES_HELP,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    cls=_Group,
)


def _print_version(value: bool) -> None:
    if value:
        print(f"planner {_version()}")
        raise typer.Exit(0)


@app.callback()
def _main(
    version_: Annotated[
        bool,
        typer.Option(
            "--version",
            is_eager=True,
            callback=_print_version,
            help="Print the version and exit.",
        ),
    ] = False,
    verbose: Annotated[
        int,
        typer.Option(
            "--verbose",
            "-v",
            count=True,
            show_default=False,
            help="More log lines on stderr: -v info (progress, on a terminal), "
            "-vv debug.",
        ),
    ] = 0,
    quiet: Annotated[
        bool,
        typer.Option(
            "--quiet", "-q", help="Only warnings and errors on stderr; no progress."
        ),
    ] = False,
    log_file: Annotated[
        Path | None,
        typer.Option(
            "--log-file",
            help="Append log lines (progress, warnings, errors; with timestamps) "
            "to this file.",
            dir_okay=False,
        ),
    ] = None,
) -> None:
    """Siting, dispatch, spare parts and simulation for after-sales service networks.

    Progress goes to stderr: a spinner on a terminal, log lines elsewhere
    (pipes, cron). Results go to stdout; --json on runs, compare, validate,
    dispatch and simulate prints one JSON document instead (`planner schema
    NAME` prints its JSON Schema).
    """
    settings.verbosity = -1 if quiet else verbose
    settings.log_file = log_file
    fit_console()
    try:
        setup_logging(settings.verbosity, log_file)
    except InputError as e:  # an unopenable log file: one line, exit 2
        err_console.print(f"error: {e}", markup=False, soft_wrap=True)
        raise typer.Exit(EXIT_BAD_INPUT) from None


scenario_cmd.register(app)
dispatch_cmd.register(app)
day_cmd.register(app)
store_cmd.register(app)
report_cmd.register(app)
schema_cmd.register(app)


def main() -> None:
    """Entry point for ``python -m planner``."""
    app()
