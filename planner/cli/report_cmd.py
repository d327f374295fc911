"""``planner report FOLDER``: the HTML report of a run folder or a sweep folder."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from planner.cli.common import console, handle_errors

__all__ = ["register"]


@handle_errors
def report(
    folder: Annotated[Path, typer.Argument(help="A run folder or a sweep folder.")],
    tiles: Annotated[
        str | None,
        typer.Option(
            "--tiles",
            help="Tile URL template for an online background map, e.g. "
            "https://tile.openstreetmap.org/{z}/{x}/{y}.png (default: none, offline).",
        ),
    ] = None,
    attribution: Annotated[
        str, typer.Option("--attribution", help="Attribution of the tiles.")
    ] = "",
) -> None:
    """Write report.html into a run folder (or a sweep folder and each variant)."""
    from planner.report import write_folder_report
    from planner.report.html import check_tiles

    check_tiles(tiles)

    path = write_folder_report(folder, tiles=tiles, attribution=attribution)
    console.print(f"report: {path}", markup=False)


def register(app: typer.Typer) -> None:
    """Add the ``report`` command to ``app``."""
    app.command("report")(report)
