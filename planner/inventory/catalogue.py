"""One call from a catalogue (arrays per part and location) to a StockPlan.

:func:`plan_stock` prices every row with the service cost model
(:func:`~planner.inventory.cost_model.inventory_cost_parameters`), picks the
optimizer for the policy and the targets, runs it over all rows at once and
returns a :class:`~planner.inventory.plan.StockPlan`. It is the one dispatcher
the scenario's inventory stage and the CLI use; the optimizers stay usable on
their own.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from planner.core.cost import CostRates
from planner.core.errors import InputError
from planner.core.progress import Heartbeat, ProgressCallback
from planner.inventory._checks import check_choice, numbers
from planner.inventory.base_stock import optimize_base_stock
from planner.inventory.cost_model import inventory_cost_parameters
from planner.inventory.plan import StockPlan
from planner.inventory.policy import Policies
from planner.inventory.rq import optimize_rQ
from planner.inventory.rq_service import optimize_rQ_service
from planner.inventory.ss import optimize_sS
from planner.inventory.ss_service import optimize_sS_service

__all__ = ["plan_stock"]

Policy = Literal["sS", "rQ", "base_stock"]

_log = logging.getLogger(__name__)


def plan_stock(
    part_id: npt.ArrayLike,
    location_id: npt.ArrayLike,
    demand_mean: npt.ArrayLike,
    unit_cost: npt.ArrayLike,
    *,
    rates: CostRates | None = None,
    policy: Policy = "sS",
    lead_time: npt.ArrayLike | None = None,
    lead_time_days: npt.ArrayLike | None = None,
    fill_rate: npt.ArrayLike | None = None,
    ready_rate: npt.ArrayLike | None = None,
    period_days: float = 7.0,
    meta: dict[str, Any] | None = None,
    progress: ProgressCallback | None = None,
) -> StockPlan:
    """Optimal policy per (part, location) row, priced by the cost model.

    Parameters
    ----------
    part_id, location_id
        Ids per row (pairs unique).
    demand_mean
        Mean Poisson demand per period per row.
    unit_cost
        Part value per row (holding cost = rate x value).
    rates
        The service cost model's rates (default :class:`CostRates`): holding,
        backorder (shortage per unit and day) and ordering cost.
    policy
        ``"sS"`` (Zheng-Federgruen; with targets the cheapest (s,S) meeting
        them, :func:`~planner.inventory.optimize_sS_service`), ``"rQ"``
        (Federgruen-Zheng; with targets
        :func:`~planner.inventory.optimize_rQ_service`) or ``"base_stock"``
        (critical fractile; with targets the smallest level meeting them).
    lead_time, lead_time_days
        Lead time per row in periods, or in days (then divided by
        ``period_days`` and, for the periodic ``"sS"`` and ``"base_stock"``,
        rounded up to whole periods); at most one of the two (default 0).
    fill_rate, ready_rate
        Optional service targets in (0, 1), scalar or per row.
    period_days
        Length of one period, to turn yearly and daily rates into per period.
    meta
        Extra JSON-able metadata for the plan (currency, ...).
    progress
        Receives :class:`~planner.core.progress.Progress` records from the
        optimizer and one when the plan is evaluated.

    The plan's metadata holds the period, the policy, the solver and
    ``on_hand_value`` (expected stock on hand times unit cost).

    >>> p = plan_stock(["a", "b"], ["x", "x"], [2.0, 0.3], [100.0, 800.0])
    >>> p.policy.tolist(), len(p)
    (['sS', 'sS'], 2)
    """
    check_choice(policy, "policy", ("sS", "rQ", "base_stock"))
    if rates is not None and not isinstance(rates, CostRates):
        raise InputError(field="rates", expected="CostRates", got=type(rates).__name__)
    r = rates if rates is not None else CostRates()
    c = inventory_cost_parameters(unit_cost, r, period_days=period_days)
    h, p, K = c["holding_cost"], c["backorder_cost"], c["fixed_cost"]
    if np.any(h <= 0):
        i = int(np.flatnonzero(h <= 0)[0])
        raise InputError(
            location=f"row {i + 1}",
            field="unit_cost",
            expected="> 0 (and a holding rate > 0) so that stock has a cost",
            got=float(np.atleast_1d(np.asarray(unit_cost, dtype=float))[i]),
        )
    L = _lead_time(lead_time, lead_time_days, period_days, whole=policy != "rQ")
    targets = fill_rate is not None or ready_rate is not None
    pols: Policies
    if policy == "sS" and targets:
        pols = optimize_sS_service(
            demand_mean,
            h,
            K,
            fill_rate=fill_rate,
            ready_rate=ready_rate,
            lead_time=L,
            backorder_cost=p,
            progress=progress,
        )
    elif policy == "sS":
        pols = optimize_sS(demand_mean, h, p, K, lead_time=L, progress=progress)
    elif policy == "rQ" and targets:
        pols = optimize_rQ_service(
            demand_mean,
            h,
            p,
            K,
            lead_time=L,
            fill_rate=fill_rate,
            ready_rate=ready_rate,
            progress=progress,
        )
    elif policy == "rQ":
        pols = optimize_rQ(demand_mean, h, p, K, lead_time=L, progress=progress)
    else:
        pols = optimize_base_stock(
            demand_mean,
            h,
            p,
            lead_time=L,
            fill_rate=fill_rate,
            ready_rate=ready_rate,
            progress=progress,
        )
    beat = Heartbeat(_log, "inventory", callback=progress)
    beat("evaluating the plan", done=0, total=len(pols), force=True)
    info: dict[str, Any] = {"period_days": period_days, "policy": policy}
    info.update(meta or {})
    plan = StockPlan.from_policies(part_id, location_id, pols, meta=info)
    beat("evaluating the plan", done=len(pols), total=len(pols), force=True)
    value = np.asarray(plan.on_hand) * np.broadcast_to(
        np.asarray(unit_cost, dtype=float), (len(plan),)
    )
    return dataclasses.replace(
        plan, meta={**plan.meta, "on_hand_value": float(value.sum())}
    )


def _lead_time(
    lead_time: npt.ArrayLike | None,
    lead_time_days: npt.ArrayLike | None,
    period_days: float,
    *,
    whole: bool,
) -> npt.ArrayLike:
    """Lead time in periods from periods or days (rounded up where ``whole``)."""
    if lead_time is not None and lead_time_days is not None:
        raise InputError(
            field="lead_time, lead_time_days", expected="at most one", got="both"
        )
    if lead_time_days is None:
        return 0 if lead_time is None else lead_time
    periods = numbers(lead_time_days, "lead_time_days", nonneg=True) / period_days
    return np.ceil(periods) if whole else periods
