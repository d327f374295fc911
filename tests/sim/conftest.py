"""Model factories for the simulator tests (tiny, queue-mode and national-ish)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from planner.core import (
    Catalog,
    DemandPoints,
    FaultType,
    Outlets,
    Part,
    ProductCategory,
    Technician,
    TimeWindow,
    UrgencyClass,
)
from planner.sim import SimModel


def queue_model(
    c: int,
    lam_per_min: float,
    mean_service_min: float = 60.0,
    *,
    parts: dict[str, float] | None = None,
    part_lead_days: float = 1.0,
    stock: int = 0,
    repair_dist: str = "exponential",
) -> SimModel:
    """One outlet with ``c`` technicians working 24/7, zero travel, Poisson arrivals."""
    cat = Catalog(
        (
            ProductCategory(
                "x",
                1.0,
                np.ones(12),
                (FaultType("f", 1.0, "s", mean_service_min, parts=parts or {}),),
            ),
        ),
        (Part("P", "part", 10.0, lead_time_days=part_lead_days),),
    )
    d = DemandPoints.from_arrays(
        ["p"],
        [0.0],
        [0.0],
        tickets_per_year=[[lam_per_min * 525_600]],
        categories=["x"],
    )
    o = Outlets.from_arrays(["o"], [0.0], [0.0], existing=True)
    techs = [
        Technician(f"t{k}", (0.0, 0.0), {"s"}, TimeWindow(0, 1440), outlet_id="o")
        for k in range(c)
    ]
    return SimModel.from_core(
        d,
        o,
        techs,
        cat,
        [UrgencyClass("general", 4320, 1.0)],
        always_on=True,
        repair_dist=repair_dist,  # type: ignore[arg-type]
        stock=np.array([[stock]]),
        use_parts=parts is not None,
    )


def small_network(
    *,
    seed: int = 0,
    n_points: int = 30,
    n_outlets: int = 3,
    techs_per_outlet: int = 3,
    tickets_per_year: float = 3000.0,
    stock_level: int = 2,
    **kw: Any,
) -> SimModel:
    """A few outlets with shifts, breaks, travel and the embedded catalogue."""
    from planner.scenario import read_catalog

    cat = read_catalog()
    rng = np.random.default_rng(seed)
    n_c = len(cat.categories)
    rate = rng.random((n_points, n_c))
    rate *= tickets_per_year / rate.sum()
    d = DemandPoints.from_arrays(
        [f"p{i}" for i in range(n_points)],
        24.5 + rng.random(n_points) * 0.5,
        60.0 + rng.random(n_points) * 0.3,
        tickets_per_year=rate,
        categories=cat.category_names,
    )
    o = Outlets.from_arrays(
        [f"o{i}" for i in range(n_outlets)],
        24.5 + rng.random(n_outlets) * 0.5,
        60.0 + rng.random(n_outlets) * 0.3,
        existing=True,
    )
    skills = list(cat.skills)
    techs = []
    for i in range(n_outlets):
        for k in range(techs_per_outlet):
            sk = {skills[(i + k) % len(skills)], skills[(i + 2 * k + 1) % len(skills)]}
            techs.append(
                Technician(
                    f"t{i}.{k}",
                    (float(o.lon[i]), float(o.lat[i])),
                    sk,
                    TimeWindow(480, 1020),
                    outlet_id=f"o{i}",
                    break_window=TimeWindow(690, 810),
                    break_min=30,
                    max_overtime_min=60,
                )
            )
    urg = [
        UrgencyClass("urgent", 240, 0.2),
        UrgencyClass("important", 1440, 0.3),
        UrgencyClass("general", 4320, 0.5),
    ]
    return SimModel.from_core(
        d,
        o,
        techs,
        cat,
        urg,
        stock=np.full((len(cat.parts), n_outlets), stock_level),
        hour_profile=np.r_[np.zeros(8), np.full(12, 2.0), np.zeros(4)],
        **kw,
    )


@pytest.fixture(scope="session")
def make_queue_model() -> Callable[..., SimModel]:
    """Factory of queue-mode models (see :func:`queue_model`)."""
    return queue_model


@pytest.fixture(scope="session")
def make_network() -> Callable[..., SimModel]:
    """Factory of small networks (see :func:`small_network`)."""
    return small_network
