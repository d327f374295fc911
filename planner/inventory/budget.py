"""Budget-constrained stock: base-stock levels by marginal analysis (Sherbrooke).

:func:`allocate_budget` chooses base-stock levels per part maximizing
availability for a stock budget: it repeatedly buys the unit with the largest
reduction of expected backorders per unit of money, with a heap. Expected
backorders are convex in S, so every point the greedy passes is on the
efficient frontier.
"""

from __future__ import annotations

import heapq
import logging
import time
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import pandas as pd

from planner.core.checks import readonly
from planner.core.errors import InputError
from planner.core.progress import Heartbeat, ProgressCallback
from planner.core.result import SolverStats
from planner.inventory._checks import broadcast_params, numbers, service_target
from planner.inventory._distributions import (
    poisson_cdf,
    poisson_loss,
    poisson_quantile,
    poisson_sf,
)

__all__ = ["BudgetAllocation", "allocate_budget"]

_log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True, eq=False)
class BudgetAllocation:
    """Base-stock levels per part chosen by marginal analysis under a budget.

    Attributes
    ----------
    S
        Stock level per part.
    backorders, fill_rate, ready_rate
        Exact metrics per part at ``S``.
    spent
        Money tied up in stock, ``sum(unit_cost * S)``.
    budget
        The budget.
    curve
        The efficient frontier the greedy walked: ``spent`` and
        ``backorders`` (total) after each purchase.
    target_met
        Per part, whether its ready-rate target (if any) is met.
    stats
        Run time and number of purchases.
    """

    S: np.ndarray
    backorders: np.ndarray
    fill_rate: np.ndarray
    ready_rate: np.ndarray
    spent: float
    budget: float
    curve: pd.DataFrame
    target_met: np.ndarray
    stats: SolverStats = field(
        default_factory=lambda: SolverStats(solver="marginal analysis", runtime_s=0.0)
    )

    def __post_init__(self) -> None:
        for name in ("S", "backorders", "fill_rate", "ready_rate"):
            a = np.asarray(getattr(self, name), dtype=np.float64)
            object.__setattr__(self, name, readonly(a))
        object.__setattr__(
            self, "target_met", readonly(np.asarray(self.target_met, dtype=bool))
        )
        if self.spent > self.budget * (1 + 1e-12) + 1e-9:
            raise InputError(field="spent", expected=f"<= budget {self.budget}")

    def to_frame(self) -> pd.DataFrame:
        """One row per part."""
        return pd.DataFrame(
            {
                "S": self.S,
                "backorders": self.backorders,
                "fill_rate": self.fill_rate,
                "ready_rate": self.ready_rate,
                "target_met": self.target_met,
            }
        )

    def summary(self) -> str:
        """One line: spent, backorders, unmet targets."""
        return (
            f"BudgetAllocation: {len(self.S)} parts, spent {self.spent:.2f} of "
            f"{self.budget:.2f}, expected backorders {self.backorders.sum():.4f}, "
            f"targets unmet {int((~self.target_met).sum())}"
        )

    def __str__(self) -> str:
        return self.summary()


def allocate_budget(
    demand_mean: npt.ArrayLike,
    unit_cost: npt.ArrayLike,
    budget: float,
    *,
    lead_time: npt.ArrayLike = 0.0,
    ready_rate: npt.ArrayLike | None = None,
    progress: ProgressCallback | None = None,
) -> BudgetAllocation:
    """Base-stock levels minimizing total expected backorders within a budget.

    Continuous-review base stock (``S - 1, S``) with Poisson demand over the
    lead time (replenishment or repair time): ``EBO(S) = E[(D_L - S)^+]``,
    convex in S with ``EBO(S) - EBO(S+1) = P(D_L > S)``. Marginal analysis buys
    the unit with the largest ``P(D_L > S_i) / unit_cost_i`` while it fits the
    budget (Sherbrooke's METRIC allocation for one echelon). With per-part
    ``ready_rate`` targets the greedy first buys what each target needs
    (cheapest first); a part whose target the budget cannot cover is reported
    in ``target_met``, never relaxed silently. ``progress`` receives
    :class:`~planner.core.progress.Progress` records (money spent, best
    backorders so far) at most every few seconds; they are also logged.

    >>> a = allocate_budget([1.0, 0.2], [10.0, 100.0], 50.0, lead_time=1.0)
    >>> a.S.tolist(), a.spent
    ([5.0, 0.0], 50.0)
    """
    t0 = time.perf_counter()
    prm = broadcast_params(
        positive=("unit_cost",),
        demand_mean=demand_mean,
        unit_cost=unit_cost,
        lead_time=lead_time,
    )
    b = _budget(budget)
    lam = prm["demand_mean"] * prm["lead_time"]
    c = prm["unit_cost"]
    n = len(lam)
    tgt = service_target(ready_rate, "ready_rate", n)
    S = np.zeros(n, dtype=np.int64)
    spent = 0.0
    met = np.ones(n, dtype=bool)
    if tgt is not None:
        need = poisson_quantile(tgt, lam).astype(np.int64)
        cost_need = need * c
        for i in np.argsort(cost_need, kind="stable"):
            if spent + cost_need[i] <= b + 1e-9:
                S[i] = need[i]
                spent += float(cost_need[i])
            else:
                met[i] = False
    gain = poisson_sf(S, lam)  # EBO(S) - EBO(S+1)
    heap = [(-float(gain[i] / c[i]), int(i)) for i in range(n) if gain[i] > 0]
    heapq.heapify(heap)
    ebo_total = float(poisson_loss(S, lam).sum())
    spent_list = [spent]
    ebo_list = [ebo_total]
    n_buy = 0
    beat = Heartbeat(_log, "inventory", callback=progress)
    beat("budget allocation", done=spent, total=b, best=ebo_total, force=True)
    while heap:
        if n_buy % 1024 == 0:
            beat("budget allocation", done=spent, total=b, best=ebo_total)
        neg, i = heapq.heappop(heap)
        if spent + c[i] > b + 1e-9:
            continue  # this part no longer fits; cheaper parts may still
        ebo_total -= -neg * c[i]
        spent += float(c[i])
        S[i] += 1
        n_buy += 1
        spent_list.append(spent)
        ebo_list.append(ebo_total)
        g = float(poisson_sf(S[i], lam[i]))
        if g > 1e-15:
            heapq.heappush(heap, (-g / float(c[i]), i))
    beat("budget allocation", done=spent, total=b, best=ebo_total, force=True)
    bo = poisson_loss(S, lam)
    stats = SolverStats(
        solver="marginal analysis (heap)",
        runtime_s=time.perf_counter() - t0,
        n_iterations=n_buy,
    )
    return BudgetAllocation(
        S=S.astype(np.float64),
        backorders=bo,
        fill_rate=np.where(lam > 0, poisson_cdf(S - 1, lam), 1.0),
        ready_rate=poisson_cdf(S, lam),
        spent=spent,
        budget=b,
        curve=pd.DataFrame({"spent": spent_list, "backorders": ebo_list}),
        target_met=met,
        stats=stats,
    )


def _budget(budget: float) -> float:
    """The budget as one finite number >= 0."""
    a = numbers(budget, "budget", nonneg=True)
    if a.ndim != 0:
        raise InputError(field="budget", expected="one number", got=f"shape {a.shape}")
    return float(a)
