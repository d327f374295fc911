"""``planner dispatch``: the nightly dispatch job (filled in by the routing work)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add the ``dispatch`` command to ``app`` (none yet)."""
