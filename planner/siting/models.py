"""The siting models by name: one registry for the scenario schema and stage.

:data:`SITING_MODELS` maps each model name a scenario may give as
``[siting] model`` to an adapter that solves a :class:`SitingCase` (the
arrays of one siting question: a travel and a money matrix, weights, ``p``,
radius, capacities and :class:`~planner.siting.SiteOptions`). The scenario
schema takes its choices from here and the stage calls the adapter, so a new
model is one entry.

The travel-time models (p-median, MCLP, p-center) optimize minutes, not
money: their adapters keep existing outlets open (``p`` counts them) and give
partners no fee in the objective (a partner serves at its travel time). The
money models (LSCP with the sites' fixed costs, facility location) take every
option as given. Fixed costs and a budget constrain every model. Either way
the plan carries the options' money (fixed costs, closing costs, fees), so
:meth:`~planner.siting.SitingPlan.cost_breakdown` prices it the same way.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import numpy as np

from planner.core.errors import InputError
from planner.core.progress import ProgressCallback
from planner.core.rng import Seed
from planner.siting._options import resolve
from planner.siting.facility import solve_facility_location
from planner.siting.lscp import solve_lscp
from planner.siting.mclp import solve_mclp
from planner.siting.options import SiteOptions
from planner.siting.pcenter import solve_pcenter
from planner.siting.plan import SitingPlan
from planner.siting.pmedian import solve_pmedian

__all__ = ["SITING_MODELS", "SitingCase", "SitingModel", "check_model_name"]


@dataclass(frozen=True, slots=True, eq=False)
class SitingCase:
    """One siting question as arrays, the same for every model.

    Attributes
    ----------
    travel
        Demand x candidate travel cost (minutes): what ``radius`` and the
        travel-time models measure.
    money
        Demand x candidate cost of serving one ticket (currency), for the
        facility-location model (``None``: use ``travel``).
    weights
        Tickets per year per demand point.
    p, radius, target_share
        Number of outlets (p-median, MCLP, p-center), service radius (MCLP,
        LSCP; also the radius the plan's coverage KPI uses) and the share of
        demand to cover (LSCP).
    capacity
        Tickets per year per candidate (facility location; ``None``:
        uncapacitated).
    options
        Existing, excluded and partner sites with their money.
    time_limit_s, seed, progress
        As every solver takes them.
    """

    travel: np.ndarray
    weights: np.ndarray
    options: SiteOptions = dataclasses.field(default_factory=SiteOptions)
    money: np.ndarray | None = None
    p: int = 1
    radius: float = 0.0
    target_share: float = 1.0
    capacity: np.ndarray | None = None
    time_limit_s: float | None = None
    seed: Seed = 0
    progress: ProgressCallback | None = None


@dataclass(frozen=True, slots=True)
class SitingModel:
    """A registered model: its name, what it optimizes, and its adapter."""

    name: str
    objective: str
    solve: Callable[[SitingCase], SitingPlan]


def _time_options(o: SiteOptions) -> SiteOptions:
    """Options for a travel-time objective: existing stay open, no fee in it."""
    return dataclasses.replace(o, closing_cost=None, partner_fee=0.0)


def _priced(plan: SitingPlan, case: SitingCase) -> SitingPlan:
    """``plan`` carrying the case's money, service radius and travel times."""
    o = resolve(case.options, plan.n_candidates)
    ai = plan.assign_idx
    travel = np.full(ai.size, np.inf)
    ok = np.flatnonzero(ai >= 0)
    travel[ok] = case.travel[ok, ai[ok]]
    return dataclasses.replace(
        plan,
        **o.plan_costs(),
        service_radius=case.radius if case.radius > 0 else plan.service_radius,
        travel_min=travel,
    )


def _run(
    c: SitingCase, solve: Callable[..., SitingPlan], *args: Any, **kwargs: Any
) -> SitingPlan:
    """``solve(*args, **kwargs)`` with the case's limits, priced by the case."""
    plan = solve(
        *args,
        time_limit_s=c.time_limit_s,
        seed=c.seed,
        progress=c.progress,
        **kwargs,
    )
    return _priced(plan, c)


def _pmedian(c: SitingCase) -> SitingPlan:
    o = _time_options(c.options)
    return _run(c, solve_pmedian, c.travel, c.weights, c.p, options=o)


def _mclp(c: SitingCase) -> SitingPlan:
    o = _time_options(c.options)
    return _run(c, solve_mclp, c.travel, c.weights, c.p, c.radius, options=o)


def _pcenter(c: SitingCase) -> SitingPlan:
    o = _time_options(c.options)
    return _run(c, solve_pcenter, c.travel, c.weights, c.p, options=o)


def _lscp(c: SitingCase) -> SitingPlan:
    return _run(
        c,
        solve_lscp,
        c.travel,
        c.weights,
        c.radius,
        target_share=c.target_share,
        options=c.options,
    )


def _facility(c: SitingCase) -> SitingPlan:
    money = c.money if c.money is not None else c.travel
    return _run(
        c,
        solve_facility_location,
        money,
        c.weights,
        options=c.options,
        capacity=c.capacity,
    )


#: Every siting model a scenario can name, in the order the docs list them.
SITING_MODELS: Mapping[str, SitingModel] = MappingProxyType(
    {
        m.name: m
        for m in (
            SitingModel("pmedian", "demand-weighted travel time, p outlets", _pmedian),
            SitingModel("mclp", "demand covered within the radius, p outlets", _mclp),
            SitingModel(
                "lscp", "cheapest cover of the target share within the radius", _lscp
            ),
            SitingModel("pcenter", "worst travel time, p outlets", _pcenter),
            SitingModel(
                "facility_location",
                "fixed cost per year plus service cost, within capacity",
                _facility,
            ),
        )
    }
)


def check_model_name(name: str) -> str:
    """``name`` if it names a registered model, else :class:`InputError`.

    >>> check_model_name("mclp")
    'mclp'
    """
    if name not in SITING_MODELS:
        raise InputError(
            field="siting.model",
            expected="one of " + ", ".join(repr(k) for k in SITING_MODELS),
            got=name,
        )
    return name
