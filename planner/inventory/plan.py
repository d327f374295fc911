"""StockPlan: the policy per part and location with its expected cost and service.

A plan is a table, one row per (part, location): the policy kind, its
parameters in one convention (``reorder_point`` s or r, ``order_up_to`` S or
r + Q, ``order_quantity`` Q for (r,Q)) and the metrics of
:class:`~planner.inventory.policy.PolicyMetrics`. It is saved as a folder with
``plan.parquet`` (the table) and ``plan.json`` (metadata), never pickled.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from planner.core.checks import readonly
from planner.core.cost import CostBreakdown, CostCategory
from planner.core.errors import InputError
from planner.core.result import (
    SolverStats,
    SolveStatus,
    kpi_frame,
    read_result,
    write_result,
)
from planner.inventory.base_stock import BaseStockPolicies
from planner.inventory.policy import METRIC_NAMES, Policies, PolicyMetrics
from planner.inventory.rq import RQPolicies
from planner.inventory.ss import SSPolicies

__all__ = ["StockPlan"]

POLICY_KINDS = ("sS", "RsS", "rQ", "base_stock", "RS")
_NUM = (
    "review_period",
    "reorder_point",
    "order_up_to",
    "order_quantity",
    *METRIC_NAMES,
)
FORMAT_VERSION = 2


@dataclass(frozen=True, slots=True, eq=False)
class StockPlan:
    """Policy and expected performance per (part, location).

    Attributes
    ----------
    part_id, location_id
        String ids (object arrays), one per row; pairs are unique.
    policy
        ``"sS"``, ``"RsS"``, ``"rQ"``, ``"base_stock"`` or ``"RS"`` per row.
    review_period
        Periods between reviews (1: every period; NaN: continuous review).
    reorder_point, order_up_to, order_quantity
        s or r; S or r + Q; Q (NaN unless (r,Q)).
    cost, holding_cost, ordering_cost, backorder_cost, fill_rate, ready_rate,
    backorders, on_hand, order_rate
        Expected values per period (see :mod:`planner.inventory.policy`).
    target_met
        Whether the row's service target (if any) is met.
    meta
        JSON-able metadata (period length, currency, model, solver, ...).
    """

    part_id: np.ndarray
    location_id: np.ndarray
    policy: np.ndarray
    review_period: np.ndarray
    reorder_point: np.ndarray
    order_up_to: np.ndarray
    order_quantity: np.ndarray
    cost: np.ndarray
    holding_cost: np.ndarray
    ordering_cost: np.ndarray
    backorder_cost: np.ndarray
    fill_rate: np.ndarray
    ready_rate: np.ndarray
    backorders: np.ndarray
    on_hand: np.ndarray
    order_rate: np.ndarray
    target_met: np.ndarray
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        n = len(np.atleast_1d(self.part_id))
        for name in ("part_id", "location_id", "policy"):
            a = np.asarray(getattr(self, name), dtype=object).astype(str).astype(object)
            if a.shape != (n,):
                raise InputError(field=name, expected=f"length {n}", got=a.shape)
            object.__setattr__(self, name, readonly(a))
        bad = ~np.isin(self.policy, POLICY_KINDS)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise InputError(
                location=f"row {i + 1}",
                field="policy",
                expected=" or ".join(POLICY_KINDS),
                got=self.policy[i],
            )
        for name in _NUM:
            a = np.asarray(getattr(self, name), dtype=np.float64)
            if a.shape != (n,):
                raise InputError(field=name, expected=f"length {n}", got=a.shape)
            object.__setattr__(self, name, readonly(a))
        ok = np.asarray(self.target_met, dtype=bool)
        if ok.shape != (n,):
            raise InputError(field="target_met", expected=f"length {n}", got=ok.shape)
        object.__setattr__(self, "target_met", readonly(ok))
        keys = pd.MultiIndex.from_arrays([self.part_id, self.location_id])
        if keys.has_duplicates:
            i = int(np.flatnonzero(keys.duplicated())[0])
            raise InputError(
                location=f"row {i + 1}",
                field="part_id, location_id",
                expected="one row per (part, location)",
                got=f"{self.part_id[i]} at {self.location_id[i]} twice",
            )
        json.dumps(self.meta)  # must be JSON-able

    # --- construction ---------------------------------------------------------

    @classmethod
    def from_policies(
        cls,
        part_id: npt.ArrayLike,
        location_id: npt.ArrayLike,
        policies: SSPolicies | RQPolicies | BaseStockPolicies,
        *,
        review_period: npt.ArrayLike | None = None,
        meta: dict[str, Any] | None = None,
    ) -> StockPlan:
        """A plan from optimized policies (their metrics evaluated exactly).

        ``review_period`` is needed only for (R,S) results of
        :func:`optimize_RS` (which do not carry R).
        """
        if not isinstance(policies, Policies):
            raise InputError(
                field="policies",
                expected="SSPolicies, RQPolicies or BaseStockPolicies",
                got=type(policies).__name__,
            )
        n = len(policies)
        nan = np.full(n, np.nan)
        R = np.ones(n)
        m: PolicyMetrics = policies.evaluate()
        tm = policies.target_met
        met = np.ones(n, dtype=bool) if tm is None else np.asarray(tm, dtype=bool)
        if isinstance(policies, SSPolicies):
            kind = "sS"
            if policies.review_period is not None:
                kind, R = "RsS", np.asarray(policies.review_period, dtype=float)
            rp, up, q = policies.s, policies.S, nan
        elif isinstance(policies, RQPolicies):
            kind = "rQ"
            R = nan
            rp, up, q = policies.r, policies.r + policies.Q, policies.Q
        else:
            assert isinstance(policies, BaseStockPolicies)
            kind = "RS" if "(R,S)" in policies.model else "base_stock"
            if review_period is not None:
                R = np.broadcast_to(np.asarray(review_period, dtype=float), (n,))
            if policies.model.endswith("continuous"):
                R = nan
            rp, up, q = policies.S - 1, policies.S, nan
        info: dict[str, Any] = {
            "solver": policies.stats.solver,
            "runtime_s": float(policies.stats.runtime_s),
        }
        info.update(meta or {})
        return cls(
            part_id=np.asarray(part_id, dtype=object),
            location_id=np.asarray(location_id, dtype=object),
            policy=np.full(n, kind, dtype=object),
            review_period=R,
            reorder_point=rp,
            order_up_to=up,
            order_quantity=q,
            cost=m.cost,
            holding_cost=m.holding_cost,
            ordering_cost=m.ordering_cost,
            backorder_cost=m.backorder_cost,
            fill_rate=m.fill_rate,
            ready_rate=m.ready_rate,
            backorders=m.backorders,
            on_hand=m.on_hand,
            order_rate=m.order_rate,
            target_met=met,
            meta=info,
        )

    # --- views ----------------------------------------------------------------

    def __len__(self) -> int:
        return len(self.part_id)

    def to_frame(self) -> pd.DataFrame:
        """One row per (part, location) with the policy and its metrics."""
        cols: dict[str, Any] = {
            "part_id": self.part_id,
            "location_id": self.location_id,
            "policy": self.policy,
        }
        cols.update({name: getattr(self, name) for name in _NUM})
        cols["target_met"] = self.target_met
        df = pd.DataFrame(cols)
        for c in ("part_id", "location_id", "policy"):
            df[c] = df[c].astype(str)
        return df

    def cost_breakdown(self) -> CostBreakdown:
        """Expected cost per period of the whole plan, by cost category."""
        return CostBreakdown(
            {
                CostCategory.HOLDING: float(self.holding_cost.sum()),
                CostCategory.ORDERING: float(self.ordering_cost.sum()),
                CostCategory.SHORTAGE: float(self.backorder_cost.sum()),
            },
            period_days=self.period_days,
        )

    def summary(self) -> str:
        """A few lines: size, cost, service, unmet targets.

        >>> from planner.inventory import optimize_sS
        >>> p = StockPlan.from_policies(["a"], ["x"], optimize_sS(6, 1, 4, 5))
        >>> print(p.summary().splitlines()[0])
        StockPlan: 1 rows (1 parts x 1 locations), cost/period 8.0341
        """
        n_p = len(set(self.part_id.tolist()))
        n_l = len(set(self.location_id.tolist()))
        lines = [
            f"StockPlan: {len(self)} rows ({n_p} parts x {n_l} locations), "
            f"cost/period {self.cost.sum():.4f}",
            f"  holding {self.holding_cost.sum():.4f}, ordering "
            f"{self.ordering_cost.sum():.4f}, backorders {self.backorder_cost.sum():.4f}",
        ]
        if len(self):
            lines.append(
                f"  fill rate {self.fill_rate.min():.4f}..{self.fill_rate.max():.4f} "
                f"(mean {self.fill_rate.mean():.4f}), expected backorders "
                f"{self.backorders.sum():.4f}, on hand {self.on_hand.sum():.2f}"
            )
        lines.append(f"  targets unmet: {int((~self.target_met).sum())}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()

    # --- protocol -------------------------------------------------------------

    @property
    def status(self) -> SolveStatus:
        """``OPTIMAL`` when every row's policy is optimal for its problem and every
        target is met; ``FEASIBLE`` when some target is unmet."""
        return (
            SolveStatus.OPTIMAL if bool(self.target_met.all()) else SolveStatus.FEASIBLE
        )

    @property
    def stats(self) -> SolverStats:
        """Solver name and runtime from :attr:`meta`."""
        return SolverStats(
            solver=str(self.meta.get("solver", "")),
            runtime_s=float(self.meta.get("runtime_s", 0.0)),
        )

    @property
    def period_days(self) -> float:
        """Days per period (what the per-period costs cover); 1 if unstated."""
        return float(self.meta.get("period_days", 1.0))

    def kpis(self) -> pd.DataFrame:
        """Headline figures with ``inventory_`` names (per period where a rate)."""
        n = len(self)
        w = self.order_rate
        fr = (
            float((w * self.fill_rate).sum() / w.sum())
            if n and w.sum() > 0
            else (float(self.fill_rate.mean()) if n else 1.0)
        )
        rows: list[tuple[str, float, str]] = [
            ("policies", float(n), "policies"),
            ("cost_per_day", float(self.cost.sum()) / self.period_days, "money/day"),
            ("fill_rate_min", float(self.fill_rate.min()) if n else 1.0, "share"),
            ("fill_rate_mean", float(self.fill_rate.mean()) if n else 1.0, "share"),
            ("fill_rate_weighted", fr, "share"),
            ("on_hand_units", float(self.on_hand.sum()), "units"),
            ("targets_unmet", float((~self.target_met).sum()), "policies"),
        ]
        value = self.meta.get("on_hand_value")
        if value is not None:
            rows.append(("on_hand_value", float(value), "money"))
        return kpi_frame(rows, prefix="inventory_")

    # --- files ----------------------------------------------------------------

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write a result folder: ``plan.parquet`` and ``result.json`` (atomically)."""
        return write_result(
            path,
            kind="StockPlan",
            version=FORMAT_VERSION,
            meta={"rows": len(self), "meta": self.meta},
            frames={"plan": self.to_frame()},
        )

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> StockPlan:
        """Read a plan written by :meth:`save` (validated again)."""
        info, frames = read_result(path, kind="StockPlan", versions=(FORMAT_VERSION,))
        df = frames.get("plan")
        cols = ["part_id", "location_id", "policy", *_NUM, "target_met"]
        missing = [c for c in cols if df is None or c not in df.columns]
        if missing:
            raise InputError(
                source=str(Path(path) / "plan.parquet"),
                field=", ".join(missing),
                expected="present",
            )
        assert df is not None
        return cls(
            **{c: df[c].to_numpy() for c in cols},
            meta=info.get("meta", {}),
        )
