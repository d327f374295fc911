"""Random towns tables for tests: ``id,name,lon,lat,population`` in a box."""

from __future__ import annotations

from pathlib import Path

import numpy as np


def write_towns(
    path: Path,
    n: int,
    *,
    seed: int,
    lon: tuple[float, float] = (116.0, 2.0),
    lat: tuple[float, float] = (39.0, 1.0),
    max_population: int = 500_000,
    label: str = "T",
) -> Path:
    """``n`` towns uniform in ``lon[0] + [0, lon[1])`` x ``lat[0] + [0, lat[1])``
    with populations in [5,000, ``max_population``); names ``label`` + index."""
    rng = np.random.default_rng(seed)
    rows = ["id,name,lon,lat,population"]
    for i in range(n):
        rows.append(
            f"T{i},{label}{i},{lon[0] + lon[1] * rng.random():.4f},"
            f"{lat[0] + lat[1] * rng.random():.4f},"
            f"{int(rng.integers(5_000, max_population))}"
        )
    path.write_text("\n".join(rows) + "\n")
    return path
