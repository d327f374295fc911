"""One call from a catalogue (arrays per part and location) to a StockPlan.

:func:`plan_stock` prices every row with the service cost model
(:func:`~planner.inventory.cost_model.inventory_cost_parameters`), runs the
chosen optimizer over all rows at once and returns a
:class:`~planner.inventory.plan.StockPlan`. It is the entry point the scenario
pipeline and the CLI use; the optimizers stay usable on their own.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from planner.core.cost import CostRates
from planner.core.errors import InputError
from planner.inventory.base_stock import BaseStockPolicies, optimize_base_stock
from planner.inventory.cost_model import inventory_cost_parameters
from planner.inventory.plan import StockPlan
from planner.inventory.rq import RQPolicies, optimize_rQ
from planner.inventory.service import optimize_rQ_service
from planner.inventory.ss import SSPolicies, optimize_sS

__all__ = ["plan_stock"]

Policy = Literal["sS", "rQ", "base_stock"]


def plan_stock(
    part_id: npt.ArrayLike,
    location_id: npt.ArrayLike,
    demand_mean: npt.ArrayLike,
    unit_cost: npt.ArrayLike,
    *,
    rates: CostRates | None = None,
    policy: Policy = "sS",
    lead_time: npt.ArrayLike = 0,
    fill_rate: npt.ArrayLike | None = None,
    period_days: float = 7.0,
    progress: Callable[[int, int], None] | None = None,
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
        The service cost model's rates (default :class:`CostRates`).
    policy
        ``"sS"`` (Zheng-Federgruen), ``"rQ"`` (Federgruen-Zheng; with
        ``fill_rate`` the cheapest (r,Q) meeting it) or ``"base_stock"``
        (critical fractile; with ``fill_rate`` the smallest level meeting it).
    lead_time
        Periods (whole for ``"sS"`` and ``"base_stock"``).
    fill_rate
        Optional target per row (``"rQ"`` and ``"base_stock"`` only).
    period_days
        Length of one period, to turn yearly and daily rates into per period.
    progress
        ``progress(done, total)`` callback (``"sS"`` only).

    >>> p = plan_stock(["a", "b"], ["x", "x"], [2.0, 0.3], [100.0, 800.0])
    >>> p.policy.tolist(), len(p)
    (['sS', 'sS'], 2)
    """
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
    pols: SSPolicies | RQPolicies | BaseStockPolicies
    if policy == "sS":
        if fill_rate is not None:
            raise InputError(
                field="fill_rate",
                expected="None for policy 'sS' (use 'rQ' or 'base_stock' for targets)",
                got="a target",
            )
        pols = optimize_sS(demand_mean, h, p, K, lead_time=lead_time, progress=progress)
    elif policy == "rQ":
        if fill_rate is None:
            pols = optimize_rQ(demand_mean, h, p, K, lead_time=lead_time)
        else:
            pols = optimize_rQ_service(
                demand_mean, h, p, K, lead_time=lead_time, fill_rate=fill_rate
            )
    elif policy == "base_stock":
        pols = optimize_base_stock(
            demand_mean, h, p, lead_time=lead_time, fill_rate=fill_rate
        )
    else:
        raise InputError(
            field="policy", expected="'sS', 'rQ' or 'base_stock'", got=policy
        )
    meta: dict[str, Any] = {"period_days": period_days, "policy": policy}
    return StockPlan.from_policies(part_id, location_id, pols, meta=meta)
