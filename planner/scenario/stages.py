"""The stages of a scenario run, each from :class:`ScenarioData` to a result.

Each function prepares the arrays a planning module takes (cost matrices from
the travel model, weights, forced-open and excluded sites) and calls it; it
never writes files (the pipeline does) or prints.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from planner.scenario.build import ScenarioData
from planner.siting import (
    SitingPlan,
    solve_facility_location,
    solve_lscp,
    solve_mclp,
    solve_pcenter,
    solve_pmedian,
)

__all__ = ["SitingInputs", "run_siting", "siting_inputs"]


@dataclass(frozen=True, slots=True, eq=False)
class SitingInputs:
    """Arrays of the siting question of a scenario.

    Attributes
    ----------
    duration_min
        Demand point x site travel minutes (float32).
    cost_per_ticket
        Demand point x site cost of serving one ticket: a round trip priced by
        the cost model (distance x travel_per_km + time x labour and travel
        per hour).
    weights
        Tickets per year per demand point.
    existing_idx, excluded_idx
        Sites forced open (existing outlets) and never opened.
    """

    duration_min: np.ndarray
    cost_per_ticket: np.ndarray
    weights: np.ndarray
    existing_idx: np.ndarray
    excluded_idx: np.ndarray


def siting_inputs(data: ScenarioData) -> SitingInputs:
    """Travel matrices and weights for the scenario's siting question."""
    tm = data.travel.matrix(data.demand.lonlat, data.sites.lonlat, dtype=np.float32)
    r = data.costs
    per_hour = r.labour_per_hour + r.travel_per_hour
    cost = 2.0 * (
        tm.distance_m / 1000.0 * r.travel_per_km + tm.duration_min / 60.0 * per_hour
    )
    ids = {str(v): i for i, v in enumerate(data.sites.ids)}
    excluded = np.array(
        sorted(ids[s] for s in data.spec.outlets.excluded), dtype=np.int64
    )
    return SitingInputs(
        duration_min=np.asarray(tm.duration_min, dtype=np.float32),
        cost_per_ticket=np.asarray(cost, dtype=np.float32),
        weights=data.demand.total_per_year,
        existing_idx=np.flatnonzero(data.sites.existing),
        excluded_idx=excluded,
    )


def run_siting(
    data: ScenarioData,
    inputs: SitingInputs | None = None,
    *,
    time_limit_s: float | None = None,
    progress: Callable[[str], None] | None = None,
) -> SitingPlan:
    """Solve the scenario's siting model (``[siting]``) on its region.

    Existing outlets are kept open; ``p`` counts them. The facility-location
    model prices travel with the cost model and opens sites at their fixed
    cost per year, within their capacity.
    """
    s = data.spec.siting
    x = inputs if inputs is not None else siting_inputs(data)
    limit = s.time_limit_s if time_limit_s is None else time_limit_s
    seed = data.spec.seed
    if progress:
        progress(
            f"solving {s.model} on {x.duration_min.shape[0]:,} x "
            f"{x.duration_min.shape[1]:,} (time limit {limit:g} s)"
        )
    ex, no = x.existing_idx, x.excluded_idx
    if s.model == "pmedian":
        return solve_pmedian(
            x.duration_min,
            x.weights,
            s.p,
            existing=ex,
            excluded=no,
            time_limit_s=limit,
            seed=seed,
        )
    if s.model == "mclp":
        return solve_mclp(
            x.duration_min,
            x.weights,
            s.p,
            s.radius_min,
            existing=ex,
            excluded=no,
            time_limit_s=limit,
            seed=seed,
        )
    if s.model == "lscp":
        return solve_lscp(
            x.duration_min,
            x.weights,
            s.radius_min,
            target_share=s.target_share,
            existing=ex,
            excluded=no,
            time_limit_s=limit,
            seed=seed,
        )
    if s.model == "pcenter":
        return solve_pcenter(
            x.duration_min,
            x.weights,
            s.p,
            existing=ex,
            excluded=no,
            time_limit_s=limit,
            seed=seed,
        )
    return solve_facility_location(
        x.cost_per_ticket,
        x.weights,
        data.sites.fixed_cost_per_year,
        capacity=data.sites.capacity_per_year,
        existing=ex,
        excluded=no,
        time_limit_s=limit,
        seed=seed,
    )
