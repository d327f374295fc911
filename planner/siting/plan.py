"""The result of every siting model: :class:`SitingPlan`."""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from planner.core.atomic import atomic_dir
from planner.core.checks import readonly
from planner.core.errors import InputError
from planner.core.result import SolverStats, SolveStatus

__all__ = ["SitingPlan", "nearest_open"]

_FORMAT = "planner.siting.SitingPlan/1"


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
        Per demand point its cost to the serving outlet (``inf``: none).
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
        set_(self, "objective", float(self.objective))
        set_(self, "bound", float(self.bound))
        if self.radius is not None:
            set_(self, "radius", float(self.radius))

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
        lines.append(
            f"  solver       : {self.stats.solver}, {self.stats.runtime_s:.3f} s"
        )
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()

    # ------------------------------------------------------------- save / load
    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write ``plan.json``, ``allocation.parquet`` and ``candidates.parquet``.

        ``path`` is a folder that must not exist yet; it appears complete or not
        at all.
        """
        meta = {
            "format": _FORMAT,
            "model": self.model,
            "n_candidates": self.n_candidates,
            "open_idx": [int(v) for v in self.open_idx],
            "existing_idx": [int(v) for v in self.existing_idx],
            "partner_idx": [int(v) for v in self.partner_idx],
            "objective": _num(self.objective),
            "bound": _num(self.bound),
            "status": self.status.value,
            "sense": self.sense,
            "radius": self.radius,
            "stats": {
                "solver": self.stats.solver,
                "runtime_s": self.stats.runtime_s,
                "n_iterations": self.stats.n_iterations,
                "seed": self.stats.seed,
                "extra": self.stats.extra,
            },
        }
        with atomic_dir(path) as tmp:
            (tmp / "plan.json").write_text(json.dumps(meta, indent=2, default=_num))
            pd.DataFrame(
                {
                    "weight": np.asarray(self.weights),
                    "outlet_idx": np.asarray(self.assign_idx),
                    "cost": np.asarray(self.assign_cost),
                }
            ).to_parquet(tmp / "allocation.parquet", index=False)
            cand = pd.DataFrame({"load": np.asarray(self.outlet_load)})
            if self.capacity is not None:
                cand["capacity"] = np.asarray(self.capacity)
            cand.to_parquet(tmp / "candidates.parquet", index=False)
        return Path(path)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> SitingPlan:
        """Read a plan written by :meth:`save`."""
        p = Path(path)
        meta = json.loads((p / "plan.json").read_text())
        if meta.get("format") != _FORMAT:
            raise InputError(
                source=str(p / "plan.json"),
                field="format",
                expected=repr(_FORMAT),
                got=meta.get("format"),
            )
        alloc = pd.read_parquet(p / "allocation.parquet")
        cand = pd.read_parquet(p / "candidates.parquet")
        st = meta["stats"]
        return cls(
            model=meta["model"],
            n_candidates=int(meta["n_candidates"]),
            open_idx=np.asarray(meta["open_idx"], dtype=np.int64),
            assign_idx=alloc["outlet_idx"].to_numpy(),
            assign_cost=alloc["cost"].to_numpy(),
            weights=alloc["weight"].to_numpy(),
            objective=_denum(meta["objective"]),
            bound=_denum(meta["bound"]),
            status=SolveStatus(meta["status"]),
            stats=SolverStats(
                solver=st["solver"],
                runtime_s=st["runtime_s"],
                n_iterations=st["n_iterations"],
                seed=st["seed"],
                extra=st["extra"],
            ),
            sense=meta["sense"],
            radius=meta["radius"],
            outlet_load=cand["load"].to_numpy(),
            capacity=cand["capacity"].to_numpy() if "capacity" in cand else None,
            existing_idx=np.asarray(meta["existing_idx"], dtype=np.int64),
            partner_idx=np.asarray(meta.get("partner_idx", []), dtype=np.int64),
        )


def _num(x: Any) -> Any:
    """JSON has no nan/inf: write them as strings."""
    if isinstance(x, float | np.floating):
        v = float(x)
        return v if math.isfinite(v) else str(v)
    if isinstance(x, np.integer):
        return int(x)
    raise TypeError(f"not JSON serializable: {type(x).__name__}")


def _denum(x: Any) -> float:
    return float(x)
