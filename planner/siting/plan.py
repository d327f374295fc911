"""The result of every siting model: :class:`SitingPlan`.

It follows the shared result protocol (:mod:`planner.core.result`): status and
stats, ``summary()``, ``to_frame()``, ``kpis()``, ``cost_breakdown()`` and a
versioned ``save``/``load``.
"""

from __future__ import annotations

import math
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
    reading_saved,
    write_result,
)

__all__ = ["SitingPlan", "nearest_open"]

_KIND = "SitingPlan"
_VERSION = 2


def nearest_open(
    cost: np.ndarray, open_idx: npt.ArrayLike, *, chunk: int = 1 << 22
) -> tuple[np.ndarray, np.ndarray]:
    """Nearest open candidate and its cost for every demand point.

    Parameters
    ----------
    cost
        Demand x candidate matrix.
    open_idx
        Open candidate indices.
    chunk
        Elements per block (bounds the temporary memory).

    Returns
    -------
    (assign_idx, assign_cost)
        Candidate index (``-1`` if nothing is open) and cost (``inf``) per point.

    Examples
    --------
    >>> nearest_open(np.array([[1.0, 5.0], [4.0, 2.0]]), [0, 1])
    (array([0, 1]), array([1., 2.]))
    """
    idx = np.asarray(open_idx, dtype=np.int64)
    n = cost.shape[0]
    if idx.size == 0:
        return np.full(n, -1, dtype=np.int64), np.full(n, np.inf)
    a = np.empty(n, dtype=np.int64)
    c = np.empty(n, dtype=np.float64)
    rows = max(1, chunk // max(1, idx.size))
    for r0 in range(0, n, rows):
        block = cost[r0 : r0 + rows][:, idx]
        k = block.argmin(axis=1)
        a[r0 : r0 + rows] = idx[k]
        c[r0 : r0 + rows] = block[np.arange(block.shape[0]), k]
    return a, c


def _arr(x: Any, dtype: Any, name: str, shape: tuple[int, ...] | None) -> np.ndarray:
    a = np.array(x, dtype=dtype, copy=True)
    if shape is not None and a.shape != shape:
        raise InputError(
            source="SitingPlan",
            field=name,
            expected=f"shape {shape}",
            got=f"shape {a.shape}",
        )
    return readonly(a)


@dataclass(frozen=True, slots=True, eq=False)
class SitingPlan:
    """Open outlets, the allocation of demand to them, and how good it is.

    Attributes
    ----------
    model
        ``"pmedian"``, ``"mclp"``, ``"lscp"``, ``"pcenter"``, ``"ufl"``, ``"cfl"``.
    n_candidates
        Number of candidate sites (columns of the cost matrix).
    open_idx
        Sorted indices of open candidates.
    assign_idx
        Per demand point the candidate serving it (``-1``: none).
    assign_cost
        Per demand point its cost to the serving outlet or partner, in the
        units of the cost matrix and without partner fees (``inf``: none).
    weights
        Demand weight per point (tickets per year).
    objective, bound
        Objective of the plan and a proven bound (lower for minimization,
        upper for maximization); ``nan`` without a solution.
    status
        :class:`~planner.core.result.SolveStatus`.
    stats
        :class:`~planner.core.result.SolverStats`.
    sense
        ``"min"`` or ``"max"``.
    radius
        Service radius in cost units, if the model has one; ``covered`` means
        ``assign_cost <= radius``.
    outlet_load
        Demand weight served per candidate.
    capacity
        Capacity per candidate, if the model has capacities.
    existing_idx
        Existing outlets of the input (for reporting which were kept).
    partner_idx
        Partner sites (third-party providers) contracted: demand assigned to
        them is served at a fee per ticket; they are not open outlets.
    fixed_cost, closing_cost, partner_fee
        Per candidate: the cost per year of running an open own outlet, the
        one-off cost of closing an existing one, the fee per ticket of a
        partner (``None``: not given). :meth:`cost_breakdown` prices the plan
        with them, in the units of the options (the scenario's currency when
        the scenario stage built them).
    service_radius
        The service promise (travel minutes) the coverage KPI measures
        against; defaults to ``radius``.
    travel_min
        Per demand point the travel time to its server, when the model's
        ``cost`` is not travel time (facility location prices money);
        ``None``: ``assign_cost`` is the travel time.
    """

    model: str
    n_candidates: int
    open_idx: np.ndarray
    assign_idx: np.ndarray
    assign_cost: np.ndarray
    weights: np.ndarray
    objective: float
    bound: float
    status: SolveStatus
    stats: SolverStats
    sense: str = "min"
    radius: float | None = None
    outlet_load: np.ndarray | None = None
    capacity: np.ndarray | None = None
    existing_idx: np.ndarray = field(
        default_factory=lambda: np.zeros(0, dtype=np.int64)
    )
    partner_idx: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    fixed_cost: np.ndarray | None = None
    closing_cost: np.ndarray | None = None
    partner_fee: np.ndarray | None = None
    service_radius: float | None = None
    travel_min: np.ndarray | None = None

    def __post_init__(self) -> None:
        m = int(self.n_candidates)
        set_ = object.__setattr__
        set_(self, "status", SolveStatus(self.status))
        if self.sense not in ("min", "max"):
            raise InputError(
                source="SitingPlan",
                field="sense",
                expected="'min' or 'max'",
                got=self.sense,
            )
        oi = np.unique(np.asarray(self.open_idx, dtype=np.int64))
        if oi.size and (oi[0] < 0 or oi[-1] >= m):
            raise InputError(
                source="SitingPlan",
                field="open_idx",
                expected=f"indices in [0, {m})",
                got=f"{oi[0]}..{oi[-1]}",
            )
        set_(self, "open_idx", readonly(oi))
        pi = np.unique(np.asarray(self.partner_idx, dtype=np.int64))
        if pi.size and (pi[0] < 0 or pi[-1] >= m or np.isin(pi, oi).any()):
            raise InputError(
                source="SitingPlan",
                field="partner_idx",
                expected=f"indices in [0, {m}) that are not open outlets",
                got=pi.tolist(),
            )
        set_(self, "partner_idx", readonly(pi))
        ai = _arr(self.assign_idx, np.int64, "assign_idx", None)
        if ai.ndim != 1:
            raise InputError(
                source="SitingPlan",
                field="assign_idx",
                expected="1-D",
                got=f"shape {ai.shape}",
            )
        n = ai.shape[0]
        bad = (ai >= 0) & ~np.isin(ai, oi) & ~np.isin(ai, pi)
        if bad.any():
            k = int(np.flatnonzero(bad)[0])
            raise InputError(
                source="SitingPlan",
                location=f"demand point {k}",
                field="assign_idx",
                expected="an open candidate, a partner or -1",
                got=int(ai[k]),
            )
        set_(self, "assign_idx", ai)
        set_(
            self, "assign_cost", _arr(self.assign_cost, np.float64, "assign_cost", (n,))
        )
        set_(self, "weights", _arr(self.weights, np.float64, "weights", (n,)))
        load = self.outlet_load
        if load is None:
            load = np.bincount(ai[ai >= 0], weights=self.weights[ai >= 0], minlength=m)
        set_(self, "outlet_load", _arr(load, np.float64, "outlet_load", (m,)))
        if self.capacity is not None:
            set_(self, "capacity", _arr(self.capacity, np.float64, "capacity", (m,)))
        set_(
            self,
            "existing_idx",
            readonly(np.unique(np.asarray(self.existing_idx, dtype=np.int64))),
        )
        for name in ("fixed_cost", "closing_cost", "partner_fee"):
            v = getattr(self, name)
            if v is not None:
                a = np.broadcast_to(np.asarray(v, dtype=np.float64), (m,))
                set_(self, name, _arr(a, np.float64, name, (m,)))
        if self.travel_min is not None:
            set_(
                self,
                "travel_min",
                _arr(self.travel_min, np.float64, "travel_min", (n,)),
            )
        set_(self, "objective", float(self.objective))
        set_(self, "bound", float(self.bound))
        for name in ("radius", "service_radius"):
            v = getattr(self, name)
            if v is not None:
                set_(self, name, float(v))

    # ------------------------------------------------------------------ derived
    @property
    def n_demand(self) -> int:
        """Number of demand points."""
        return int(self.assign_idx.shape[0])

    @property
    def p(self) -> int:
        """Number of open outlets."""
        return int(self.open_idx.size)

    @property
    def gap(self) -> float:
        """Relative gap ``|objective - bound| / max(|objective|, 1e-9)``; ``nan`` if unknown."""
        if not (math.isfinite(self.objective) and math.isfinite(self.bound)):
            return math.nan
        diff = (
            self.objective - self.bound
            if self.sense == "min"
            else self.bound - self.objective
        )
        return max(0.0, diff) / max(abs(self.objective), 1e-9)

    @property
    def covered(self) -> np.ndarray:
        """Per demand point: served within the radius (or served at all)."""
        if self.radius is None:
            return readonly(self.assign_idx >= 0)
        return readonly(self.assign_cost <= self.radius * (1 + 1e-12))

    @property
    def coverage_share(self) -> float:
        """Share of total demand weight covered."""
        total = float(self.weights.sum())
        if total <= 0:
            return 1.0
        return float(self.weights[self.covered].sum()) / total

    @property
    def mean_cost(self) -> float:
        """Demand-weighted mean cost to the serving outlet (served points only)."""
        ok = self.assign_idx >= 0
        w = self.weights[ok]
        if w.sum() <= 0:
            return math.nan
        return float((w * self.assign_cost[ok]).sum() / w.sum())

    @property
    def travel(self) -> np.ndarray:
        """Per demand point the travel time to its server (``inf``: unserved)."""
        return self.travel_min if self.travel_min is not None else self.assign_cost

    @property
    def mean_travel(self) -> float:
        """Demand-weighted mean travel time to the server (served points only)."""
        ok = self.assign_idx >= 0
        w = self.weights[ok]
        if w.sum() <= 0:
            return math.nan
        return float((w * self.travel[ok]).sum() / w.sum())

    @property
    def service_coverage_share(self) -> float:
        """Share of demand weight served within :attr:`service_radius` (travel).

        Falls back to the model's ``radius``, and to :attr:`coverage_share`
        without either.
        """
        r = self.service_radius if self.service_radius is not None else self.radius
        total = float(self.weights.sum())
        if r is None or total <= 0:
            return self.coverage_share
        ok = (self.assign_idx >= 0) & (self.travel <= r * (1 + 1e-12) + 1e-9)
        return float(self.weights[ok].sum()) / total

    # ------------------------------------------------------- result protocol
    def kpis(self) -> pd.DataFrame:
        """Headline figures named ``siting_*`` (:func:`~planner.core.result.kpi_frame`).

        ``open_outlets``, ``objective`` (unit: the model), ``gap``,
        ``mean_travel_min`` and ``coverage_share`` (demand within the service
        radius of its server), plus ``partner_share`` with partners.

        >>> plan = SitingPlan("pmedian", 2, [0], [0, 0], [1.0, 3.0], [1.0, 1.0],
        ...     4.0, 4.0, "optimal", SolverStats("x", 0.0), service_radius=2.0)
        >>> plan.kpis().set_index("kpi")["mean"].round(2).to_dict()
        {'siting_open_outlets': 1.0, 'siting_objective': 4.0, 'siting_gap': 0.0, 'siting_mean_travel_min': 2.0, 'siting_coverage_share': 0.5}
        """
        rows: list[tuple[str, float, str]] = [
            ("open_outlets", float(self.p), "outlets"),
            ("objective", float(self.objective), self.model),
            ("gap", float(self.gap), "share"),
            ("mean_travel_min", float(self.mean_travel), "min"),
            ("coverage_share", float(self.service_coverage_share), "share"),
        ]
        if self.partner_idx.size:
            total = max(float(self.weights.sum()), 1e-300)
            share = float(self.weights[self.served_by_partner].sum()) / total
            rows.append(("partner_share", share, "share"))
        return kpi_frame(rows, prefix="siting_")

    def cost_breakdown(self) -> CostBreakdown:
        """The plan's money per year: facility and outsourcing.

        ``facility``: the fixed cost of every open own outlet plus the closing
        cost of every existing outlet not kept; ``outsourcing``: the partner
        fee of every ticket a partner serves. Amounts the plan does not carry
        (no ``fixed_cost`` given, say) count 0.
        """
        facility = 0.0
        if self.fixed_cost is not None:
            facility += float(self.fixed_cost[self.open_idx].sum())
        if self.closing_cost is not None:
            closed = np.setdiff1d(self.existing_idx, self.open_idx)
            facility += float(self.closing_cost[closed].sum())
        outsourcing = 0.0
        if self.partner_fee is not None:
            by = self.served_by_partner
            outsourcing = float(
                self.weights[by] @ self.partner_fee[self.assign_idx[by]]
            )
        return CostBreakdown(
            {CostCategory.FACILITY: facility, CostCategory.OUTSOURCING: outsourcing},
            period_days=365.0,
        )

    # ----------------------------------------------------------------- frames
    @property
    def served_by_partner(self) -> np.ndarray:
        """Per demand point: served by a contracted partner."""
        return readonly(np.isin(self.assign_idx, self.partner_idx))

    def to_frame(self) -> pd.DataFrame:
        """One row per candidate: open, existing, partner, load, capacity, points served."""
        m = self.n_candidates
        is_open = np.zeros(m, dtype=bool)
        is_open[self.open_idx] = True
        existing = np.zeros(m, dtype=bool)
        existing[self.existing_idx] = True
        partner = np.zeros(m, dtype=bool)
        partner[self.partner_idx] = True
        ai = self.assign_idx
        n_assigned = np.bincount(ai[ai >= 0], minlength=m)
        assert self.outlet_load is not None
        df = pd.DataFrame(
            {
                "candidate_idx": np.arange(m),
                "open": is_open,
                "existing": existing,
                "partner": partner,
                "load": np.asarray(self.outlet_load),
                "n_assigned": n_assigned,
            }
        )
        if self.capacity is not None:
            df["capacity"] = np.asarray(self.capacity)
        for name in ("fixed_cost", "closing_cost", "partner_fee"):
            v = getattr(self, name)
            if v is not None:
                df[name] = np.asarray(v)
        return df

    def allocation_frame(self) -> pd.DataFrame:
        """One row per demand point: serving outlet (or partner), cost, covered flag."""
        return pd.DataFrame(
            {
                "demand_idx": np.arange(self.n_demand),
                "weight": np.asarray(self.weights),
                "outlet_idx": np.asarray(self.assign_idx),
                "partner": np.asarray(self.served_by_partner),
                "cost": np.asarray(self.assign_cost),
                "covered": np.asarray(self.covered),
            }
        )

    def summary(self) -> str:
        """A few lines for humans."""
        gap = self.gap
        gap_s = "n/a" if math.isnan(gap) else f"{100 * gap:.4f} %"
        lines = [
            f"SitingPlan ({self.model}, {self.status.value})",
            f"  open outlets : {self.p} of {self.n_candidates} candidates",
            f"  objective    : {self.objective:.6g} (bound {self.bound:.6g}, gap {gap_s})",
            f"  demand       : {self.n_demand} points, weight {float(self.weights.sum()):.6g}",
            f"  mean cost    : {self.mean_cost:.6g}",
        ]
        if self.travel_min is not None:
            lines.append(f"  mean travel  : {self.mean_travel:.6g} min")
        if self.partner_idx.size:
            share = float(self.weights[self.served_by_partner].sum()) / max(
                float(self.weights.sum()), 1e-300
            )
            lines.append(
                f"  partners     : {self.partner_idx.size} contracted, "
                f"{100 * share:.2f} % of demand"
            )
        if self.radius is not None:
            lines.append(
                f"  covered      : {100 * self.coverage_share:.2f} % within {self.radius:.6g}"
            )
        elif self.service_radius is not None:
            lines.append(
                f"  covered      : {100 * self.service_coverage_share:.2f} % within "
                f"{self.service_radius:.6g} min"
            )
        cost = self.cost_breakdown()
        if cost.total:
            lines.append(
                f"  cost / year  : facility {cost['facility']:,.0f}, "
                f"outsourcing {cost['outsourcing']:,.0f}"
            )
        lines.append(
            f"  solver       : {self.stats.solver}, {self.stats.runtime_s:.3f} s"
        )
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()

    # ------------------------------------------------------------- save / load
    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the plan to a new folder (``result.json`` and Parquet tables).

        ``path`` must not exist yet; it appears complete or not at all
        (:func:`~planner.core.result.write_result`).
        """
        meta = {
            "model": self.model,
            "n_candidates": self.n_candidates,
            "open_idx": self.open_idx,
            "existing_idx": self.existing_idx,
            "partner_idx": self.partner_idx,
            "objective": self.objective,
            "bound": self.bound,
            "status": self.status.value,
            "sense": self.sense,
            "radius": self.radius,
            "service_radius": self.service_radius,
            "stats": self.stats.to_dict(),
        }
        alloc = pd.DataFrame(
            {
                "weight": np.asarray(self.weights),
                "outlet_idx": np.asarray(self.assign_idx),
                "cost": np.asarray(self.assign_cost),
            }
        )
        if self.travel_min is not None:
            alloc["travel_min"] = np.asarray(self.travel_min)
        cand = pd.DataFrame({"load": np.asarray(self.outlet_load)})
        for name in ("capacity", "fixed_cost", "closing_cost", "partner_fee"):
            v = getattr(self, name)
            if v is not None:
                cand[name] = np.asarray(v)
        return write_result(
            path,
            kind=_KIND,
            version=_VERSION,
            meta=meta,
            frames={"allocation": alloc, "candidates": cand},
        )

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> SitingPlan:
        """Read a plan written by :meth:`save` (:class:`InputError` naming the path if not one)."""
        meta, frames = read_result(path, kind=_KIND, versions=(_VERSION,))
        with reading_saved(path, "SitingPlan"):
            alloc, cand = frames["allocation"], frames["candidates"]
            return cls(
                model=str(meta["model"]),
                n_candidates=int(meta["n_candidates"]),
                open_idx=np.asarray(meta["open_idx"], dtype=np.int64),
                assign_idx=alloc["outlet_idx"].to_numpy(),
                assign_cost=alloc["cost"].to_numpy(),
                weights=alloc["weight"].to_numpy(),
                objective=float(meta["objective"]),
                bound=float(meta["bound"]),
                status=SolveStatus(meta["status"]),
                stats=SolverStats.from_dict(meta["stats"], source=str(path)),
                sense=str(meta["sense"]),
                radius=meta["radius"],
                outlet_load=cand["load"].to_numpy(),
                capacity=_col(cand, "capacity"),
                existing_idx=np.asarray(meta["existing_idx"], dtype=np.int64),
                partner_idx=np.asarray(meta["partner_idx"], dtype=np.int64),
                fixed_cost=_col(cand, "fixed_cost"),
                closing_cost=_col(cand, "closing_cost"),
                partner_fee=_col(cand, "partner_fee"),
                service_radius=meta.get("service_radius"),
                travel_min=_col(alloc, "travel_min"),
            )


def _col(df: pd.DataFrame, name: str) -> np.ndarray | None:
    """Column ``name`` of ``df`` as an array, or ``None`` if absent."""
    return df[name].to_numpy() if name in df else None
