"""The ``planner`` command line.

Each command lives in its own module of this package and is registered here.
"""

from __future__ import annotations

import typer

from planner.cli import day_cmd, dispatch_cmd, report_cmd, scenario_cmd, store_cmd

__all__ = ["app", "main"]

app = typer.Typer(
    name="planner",
    help="Siting, dispatch, spare parts and simulation for after-sales service networks.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

scenario_cmd.register(app)
dispatch_cmd.register(app)
day_cmd.register(app)
store_cmd.register(app)
report_cmd.register(app)


def main() -> None:
    """Entry point for ``python -m planner``."""
    app()
