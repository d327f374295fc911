"""``planner report FOLDER...``: the HTML report of a run or sweep folder, or
the comparison of several run folders."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from planner.cli.common import console, handle_errors

__all__ = ["register"]


@handle_errors
def report(
    folders: Annotated[
        list[Path],
        typer.Argument(
            help="A run folder or a sweep folder; or several run folders to "
            "compare (the first is the reference).",
            metavar="FOLDER",
        ),
    ],
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
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Where to write the comparison of several run folders "
            "(default: compare.html in the current folder).",
        ),
    ] = None,
) -> None:
    """Write report.html into a run folder (or a sweep folder and each variant).

    With several run folders, write one comparison page instead: their
    simulated KPIs side by side with intervals, the differences from the
    first, annual cost by category and the cost-vs-SLA frontier.
    """
    from planner.report import write_compare_report, write_folder_report
    from planner.report.html import check_tiles

    check_tiles(tiles)

    if len(folders) > 1:
        path = write_compare_report(folders, out or Path("compare.html"))
    else:
        path = write_folder_report(folders[0], tiles=tiles, attribution=attribution)
    console.print(f"report: {path}", markup=False)


def register(app: typer.Typer) -> None:
    """Add the ``report`` command to ``app``."""
    app.command("report")(report)
