"""Helpers shared by the siting models (not public)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from planner.core.result import SolverStats, SolveStatus
from planner.siting.plan import SitingPlan, nearest_open

__all__ = ["is_integral", "make_plan", "status_for"]


def is_integral(*arrays: np.ndarray, block: int = 1 << 22) -> bool:
    """Whether every array holds only whole numbers (scanned in blocks)."""
    for a in arrays:
        flat = a.reshape(-1) if a.flags.c_contiguous else np.ravel(a)
        for s in range(0, flat.size, block):
            b = flat[s : s + block]
            if not np.all(b == np.round(b)):
                return False
    return True


def status_for(
    objective: float, bound: float, *, integral: bool, sense: str = "min"
) -> SolveStatus:
    """``OPTIMAL`` when ``bound`` proves ``objective``; else ``FEASIBLE``."""
    if not math.isfinite(objective):
        return SolveStatus.NO_SOLUTION
    diff = objective - bound if sense == "min" else bound - objective
    tol = 1 - 1e-6 if integral else 1e-9 * max(1.0, abs(objective))
    return SolveStatus.OPTIMAL if diff < tol else SolveStatus.FEASIBLE


def make_plan(
    model: str,
    cost: np.ndarray,
    weights: np.ndarray,
    open_idx: np.ndarray,
    *,
    objective: float,
    bound: float,
    status: SolveStatus,
    solver: str,
    runtime_s: float,
    n_iterations: int = 0,
    seed: int | None = None,
    extra: dict[str, Any] | None = None,
    sense: str = "min",
    radius: float | None = None,
    existing: np.ndarray | None = None,
    assign: tuple[np.ndarray, np.ndarray] | None = None,
    load: np.ndarray | None = None,
    capacity: np.ndarray | None = None,
    partners: np.ndarray | None = None,
) -> SitingPlan:
    """Build a :class:`SitingPlan`, assigning demand to the nearest open outlet.

    ``partners``: partner candidates; those ``assign`` sends demand to are the
    plan's ``partner_idx``.
    """
    ai, ac = assign if assign is not None else nearest_open(cost, open_idx)
    used = np.zeros(0, np.int64)
    if partners is not None and partners.size:
        used = np.intersect1d(partners, ai[ai >= 0])
    return SitingPlan(
        model=model,
        n_candidates=cost.shape[1],
        open_idx=np.asarray(open_idx, dtype=np.int64),
        assign_idx=ai,
        assign_cost=ac,
        weights=weights,
        objective=objective,
        bound=bound,
        status=status,
        stats=SolverStats(
            solver=solver,
            runtime_s=runtime_s,
            n_iterations=n_iterations,
            seed=seed,
            extra=dict(extra or {}),
        ),
        sense=sense,
        radius=radius,
        existing_idx=existing if existing is not None else np.zeros(0, np.int64),
        outlet_load=load,
        capacity=capacity,
        partner_idx=used,
    )
