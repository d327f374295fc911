"""``planner run`` and ``planner validate``."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add the scenario commands to ``app``."""
