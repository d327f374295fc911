"""What every policy result shares: its metrics and one base class.

:class:`PolicyMetrics` holds the exact cost and service of one policy per
part; :class:`Policies` is the base of :class:`~planner.inventory.SSPolicies`,
:class:`~planner.inventory.RQPolicies` and
:class:`~planner.inventory.BaseStockPolicies` (length, ``evaluate()``, the
frame and the summary line).

Definitions used throughout planner.inventory (all per period, or per unit of
time for continuous review):

- ``cost``: expected holding + ordering + backorder cost per period;
- ``fill_rate``: share of demanded units served from stock on hand at once;
- ``ready_rate``: probability that no backorder is outstanding (net inventory
  >= 0) at a random time (continuous review) or at the end of a period
  (periodic review);
- ``backorders``: expected backorders (time-average, or at period end);
- ``on_hand``: expected stock on hand (same convention);
- ``order_rate``: expected number of orders per period.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import pandas as pd

from planner.core.checks import readonly
from planner.core.cost import CostBreakdown, CostCategory
from planner.core.errors import InputError
from planner.core.result import SolverStats

__all__ = ["METRIC_NAMES", "Policies", "PolicyMetrics"]

#: every metric of a policy, in the order of tables: cost, then its parts
METRIC_NAMES = _FIELDS = (
    "cost",
    "holding_cost",
    "ordering_cost",
    "backorder_cost",
    "fill_rate",
    "ready_rate",
    "backorders",
    "on_hand",
    "order_rate",
)


@dataclass(frozen=True, slots=True, eq=False)
class PolicyMetrics:
    """Expected cost and service of one policy per part (arrays of one length).

    ``cost = holding_cost + ordering_cost + backorder_cost``.
    """

    holding_cost: np.ndarray
    ordering_cost: np.ndarray
    backorder_cost: np.ndarray
    fill_rate: np.ndarray
    ready_rate: np.ndarray
    backorders: np.ndarray
    on_hand: np.ndarray
    order_rate: np.ndarray

    def __post_init__(self) -> None:
        n = None
        for name in _FIELDS[1:]:
            a = np.atleast_1d(np.asarray(getattr(self, name), dtype=np.float64))
            if a.ndim != 1 or (n is not None and len(a) != n):
                raise InputError(
                    field=name, expected=f"a 1-D array of length {n}", got=a.shape
                )
            n = len(a)
            object.__setattr__(self, name, readonly(a))

    @classmethod
    def priced(
        cls,
        on_hand: np.ndarray,
        backorders: np.ndarray,
        fill_rate: np.ndarray,
        ready_rate: np.ndarray,
        order_rate: np.ndarray,
        h: np.ndarray,
        p: np.ndarray,
        ordering_cost: np.ndarray | None = None,
    ) -> PolicyMetrics:
        """Metrics from a policy's stock, backorders, service (clipped to
        [0, 1]) and the cost rates; no order cost unless ``ordering_cost``."""
        return cls(
            holding_cost=h * on_hand,
            ordering_cost=(
                np.zeros_like(on_hand) if ordering_cost is None else ordering_cost
            ),
            backorder_cost=p * backorders,
            fill_rate=np.clip(fill_rate, 0.0, 1.0),
            ready_rate=np.clip(ready_rate, 0.0, 1.0),
            backorders=backorders,
            on_hand=on_hand,
            order_rate=order_rate,
        )

    @staticmethod
    def fields() -> tuple[str, ...]:
        """The names of the stored metrics (``cost`` is their sum)."""
        return _FIELDS[1:]

    @property
    def cost(self) -> np.ndarray:
        """Expected total cost per period."""
        return readonly(self.holding_cost + self.ordering_cost + self.backorder_cost)

    def __len__(self) -> int:
        return len(self.fill_rate)

    def to_frame(self) -> pd.DataFrame:
        """One row per part, one column per metric."""
        return pd.DataFrame({name: getattr(self, name) for name in _FIELDS})

    def cost_breakdown(self) -> CostBreakdown:
        """Total expected cost per period in the service cost model's categories."""
        return CostBreakdown(
            {
                CostCategory.HOLDING: float(self.holding_cost.sum()),
                CostCategory.ORDERING: float(self.ordering_cost.sum()),
                CostCategory.SHORTAGE: float(self.backorder_cost.sum()),
            }
        )

    def summary(self) -> str:
        """A few lines: totals and service ranges."""
        return (
            f"PolicyMetrics: {len(self)} parts, cost/period {self.cost.sum():.4f}, "
            f"fill rate {_rng(self.fill_rate)}, ready rate {_rng(self.ready_rate)}, "
            f"backorders {self.backorders.sum():.4f}, on hand {self.on_hand.sum():.4f}"
        )

    def __str__(self) -> str:
        return self.summary()

    def to_dict(self) -> dict[str, Any]:
        """Plain lists, JSON-able."""
        return {name: getattr(self, name).tolist() for name in _FIELDS[1:]}


def _rng(a: np.ndarray) -> str:
    if not len(a):
        return "-"
    return f"{a.min():.4f}..{a.max():.4f}"


class Policies:
    """Base of the policy results: one policy per part, arrays of one length.

    A subclass is a frozen dataclass naming its decision arrays
    (``_decisions``, e.g. ``("s", "S")``) and the inputs it keeps
    (``_inputs``), with a ``cost`` array, ``stats`` and ``target_met`` (None
    when no target was set); it implements :meth:`evaluate`. The frame, the
    summary line and the length come from here.
    """

    __slots__ = ()
    _decisions: ClassVar[tuple[str, ...]] = ()
    _inputs: ClassVar[tuple[str, ...]] = ()
    _per: ClassVar[str] = "period"

    if TYPE_CHECKING:
        stats: SolverStats
        target_met: np.ndarray | None

        @property
        def cost(self) -> np.ndarray: ...

    def evaluate(self) -> PolicyMetrics:
        """Exact cost and service metrics of these policies."""
        raise NotImplementedError

    def __len__(self) -> int:
        return len(getattr(self, self._decisions[0]))

    def _freeze(self, names: tuple[str, ...], dtype: Any, n: int | None = None) -> int:
        """Set the arrays ``names`` (None stays None) read-only, of length ``n``
        (default: the first one's); returns ``n``."""
        for name in names:
            v = getattr(self, name)
            if v is None:
                continue
            a = readonly(np.atleast_1d(np.asarray(v, dtype=dtype)))
            n = len(a) if n is None else n
            if len(a) != n:
                raise InputError(field=name, expected=f"length {n}", got=len(a))
            object.__setattr__(self, name, a)
        return 0 if n is None else n

    def _label(self) -> str:
        return type(self).__name__

    def to_frame(self) -> pd.DataFrame:
        """One row per part: the inputs kept, whether the target is met, the
        decision and its cost."""
        cols: dict[str, Any] = {}
        for name in self._inputs:
            v = getattr(self, name)
            if v is not None:
                cols[name] = v
        if self.target_met is not None:
            cols["target_met"] = self.target_met
        for name in self._decisions:
            cols[name] = getattr(self, name)
        cols["cost"] = self.cost
        return pd.DataFrame(cols)

    def summary(self) -> str:
        """One line: parts, total cost, unmet targets, run time and solver."""
        unmet = 0 if self.target_met is None else int((~self.target_met).sum())
        return (
            f"{self._label()}: {len(self)} parts, total cost/{self._per} "
            f"{self.cost.sum():.4f}, targets unmet {unmet}, "
            f"{self.stats.runtime_s:.3f} s ({self.stats.solver})"
        )

    def __str__(self) -> str:
        return self.summary()
