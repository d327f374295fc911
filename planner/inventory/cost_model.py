"""Inventory prices from the service cost model (:class:`planner.core.cost.CostRates`).

Core holds the rates; this module turns them into the per-period ``h``, ``p``
and ``K`` the policy optimizers take, so every stock plan is priced with the
same rates as the rest of planner and reported in the same categories
(:meth:`PolicyMetrics.cost_breakdown`, :meth:`StockPlan.cost_breakdown`:
``holding``, ``ordering``, ``shortage``).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from planner.core.cost import CostRates
from planner.inventory._checks import numbers

__all__ = ["inventory_cost_parameters"]


def inventory_cost_parameters(
    unit_cost: npt.ArrayLike, rates: CostRates, *, period_days: float = 1.0
) -> dict[str, np.ndarray]:
    """Holding, backorder and fixed order cost per period from the rates.

    ``holding_cost = holding_rate_per_year * unit_cost * period_days / 365``;
    ``backorder_cost = shortage_per_unit_day * period_days`` (per unit and
    period short); ``fixed_cost = ordering_per_order``. The one-off
    ``shortage_per_unit`` is not per period; add it to a plan's cost as
    ``shortage_per_unit * (1 - fill_rate) * demand`` if wanted.

    >>> p = inventory_cost_parameters([365.0], CostRates(), period_days=7)
    >>> float(p["holding_cost"][0]), float(p["backorder_cost"][0]), float(p["fixed_cost"][0])
    (1.75, 14.0, 20.0)
    """
    c = np.atleast_1d(numbers(unit_cost, "unit_cost", nonneg=True))
    days = float(numbers(period_days, "period_days", positive=True))
    n = len(c)
    return {
        "holding_cost": rates.holding_rate_per_year * c * days / 365.0,
        "backorder_cost": np.full(n, rates.shortage_per_unit_day * days),
        "fixed_cost": np.full(n, rates.ordering_per_order),
    }
