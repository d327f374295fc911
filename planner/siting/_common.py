"""Helpers shared by the siting models (not public)."""

from __future__ import annotations

import logging
import math
from typing import TYPE_CHECKING, Any

import numpy as np

from planner.core.errors import InputError
from planner.core.progress import Heartbeat, ProgressCallback
from planner.core.result import SolverStats, SolveStatus
from planner.core.rng import Seed, as_generator
from planner.siting.plan import SitingPlan, nearest_open

if TYPE_CHECKING:
    from planner.siting._options import Resolved

__all__ = [
    "check_method",
    "check_seed",
    "heartbeat",
    "is_integral",
    "make_plan",
    "status_for",
]


def check_seed(seed: Seed) -> int | None:
    """Check ``seed`` (InputError if bad); the int to record in the stats.

    >>> check_seed(3), check_seed(None)
    (3, None)
    >>> check_seed(-1)
    Traceback (most recent call last):
    ...
    planner.core.errors.InputError: seed must be an int >= 0 or a numpy Generator; got -1
    """
    try:
        as_generator(seed)
    except (TypeError, ValueError) as e:
        raise InputError(
            field="seed", expected="an int >= 0 or a numpy Generator", got=seed
        ) from e
    if isinstance(seed, bool):
        raise InputError(
            field="seed", expected="an int >= 0 or a numpy Generator", got=seed
        )
    return int(seed) if isinstance(seed, int | np.integer) else None


def check_method(
    method: str, allowed: tuple[str, ...] = ("auto", "heuristic", "exact")
) -> str:
    """``method`` if it is one of ``allowed``, else :class:`InputError`."""
    if method not in allowed:
        raise InputError(
            field="method",
            expected=" or ".join(repr(a) for a in allowed),
            got=method,
        )
    return method


def heartbeat(module: str, task: str, progress: ProgressCallback | None) -> Heartbeat:
    """A :class:`Heartbeat` on ``logging.getLogger(module)`` forwarding to ``progress``."""
    if progress is not None and not callable(progress):
        raise InputError(
            field="progress",
            expected="a callable taking a planner.core.progress.Progress",
            got=type(progress).__name__,
        )
    return Heartbeat(logging.getLogger(module), task, callback=progress)


def beating(hb: Heartbeat | None) -> bool:
    """Whether ``hb`` has anyone listening (a callback or an INFO logger)."""
    return hb is not None and (
        hb.callback is not None or hb.logger.isEnabledFor(logging.INFO)
    )


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
    options: Resolved | None = None,
    travel_cost: np.ndarray | None = None,
) -> SitingPlan:
    """Build a :class:`SitingPlan`, assigning demand to the nearest open outlet.

    ``partners``: partner candidates; those ``assign`` sends demand to are the
    plan's ``partner_idx``. ``options``: the plan carries their money (and
    their partners and existing outlets unless given). ``travel_cost``: the
    matrix as the user gave it (before partner capping or fees), which the
    plan's ``assign_cost`` is read from, so it never includes a fee.
    """
    costs: dict[str, Any] = {}
    if options is not None:
        costs = options.plan_costs()
        if partners is None:
            partners = options.partners
        if existing is None:
            existing = options.existing
    ai, ac = assign if assign is not None else nearest_open(cost, open_idx)
    if travel_cost is not None:
        ok = np.flatnonzero(ai >= 0)
        ac = np.full(ai.size, np.inf)
        ac[ok] = travel_cost[ok, ai[ok]]
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
        **costs,
    )


def assignment_rows(
    ii: np.ndarray, kk: np.ndarray, ny: int, w: np.ndarray, q: np.ndarray | None
) -> tuple[
    list[np.ndarray],
    list[np.ndarray],
    list[np.ndarray],
    list[np.ndarray],
    list[np.ndarray],
    int,
]:
    """Rows of the facility-location MIP over the pairs ``(ii[t], kk[t])``.

    Columns: ``y`` (``ny``), then one ``x`` per pair; ``kk`` holds each pair's
    ``y`` column. Rows: every point assigned once, ``x <= y`` and, with
    capacities ``q`` (per ``y`` column), ``sum_i w_i x_ij <= q_j y_j`` and the
    aggregate ``sum_j q_j y_j >= sum_i w_i``. Returns the COO blocks (rows,
    columns, values), the row bounds and the number of rows.
    """
    nx = ii.size
    n = w.size
    xc = ny + np.arange(nx)
    rows = [ii, np.arange(nx) + n, np.arange(nx) + n]
    cols = [xc, xc, kk]
    vals = [np.ones(nx), np.ones(nx), -np.ones(nx)]
    lo = [np.ones(n), np.full(nx, -np.inf)]
    hi = [np.ones(n), np.zeros(nx)]
    r = n + nx
    if q is not None:
        qf = np.asarray(q, dtype=np.float64)
        rows += [r + kk, r + np.arange(ny), np.full(ny, r + ny)]
        cols += [xc, np.arange(ny), np.arange(ny)]
        vals += [w[ii], -qf, qf]
        lo += [np.full(ny, -np.inf), np.array([float(w.sum())])]
        hi += [np.zeros(ny), np.array([np.inf])]
        r += ny + 1
    return rows, cols, vals, lo, hi, r
