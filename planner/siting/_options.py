"""The checked form of :class:`~planner.siting.SiteOptions` for ``m`` candidates.

:func:`resolve` turns the public options into index arrays and cost vectors
over the ``m`` columns of a cost matrix (the semantics are documented on
:class:`~planner.siting.SiteOptions`). With ``b_j = fixed_cost_j`` (minus
``closing_cost_j`` for existing outlets that may close) the budget reads
``sum_j b_j y_j <= budget - sum closing_cost``, one knapsack row over the open
variables.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from planner.core.errors import InputError
from planner.siting.options import SiteOptions
from planner.siting.problem import check_index_set

__all__ = ["Resolved", "capped_by_partners", "partner_cost", "resolve"]


@dataclass(frozen=True, slots=True, eq=False)
class Resolved:
    """Checked options (candidate indices sorted, arrays float64).

    ``forced`` are the existing outlets forced open (empty when they may close);
    ``closing`` holds one closing cost per existing outlet (zeros when they are
    forced open); ``banned`` are the candidates that may not open as own outlets
    (excluded and partners); ``b``/``cap`` the budget row ``b @ y <= cap``
    (``cap`` is ``None`` without a budget).
    """

    existing: np.ndarray
    forced: np.ndarray
    closable: bool
    closing: np.ndarray
    excluded: np.ndarray
    partners: np.ndarray
    fee: np.ndarray
    banned: np.ndarray
    fixed: np.ndarray
    budget: float | None
    b: np.ndarray
    cap: float | None
    fixed_given: bool = False

    def plan_costs(self) -> dict[str, Any]:
        """Per candidate the money a plan carries: fixed, closing, partner fee."""
        m = self.fixed.size
        closing = fee = None
        if self.closable:
            closing = np.zeros(m)
            closing[self.existing] = self.closing
        if self.partners.size:
            fee = np.zeros(m)
            fee[self.partners] = self.fee
        return {
            "fixed_cost": self.fixed if self.fixed_given else None,
            "closing_cost": closing,
            "partner_fee": fee,
        }

    @property
    def closing_total(self) -> float:
        """Sum of all closing costs (paid if every existing outlet closed)."""
        return float(self.closing.sum())

    def spend(self, open_idx: np.ndarray) -> float:
        """What plan ``open_idx`` spends against the budget."""
        return float(self.b[np.asarray(open_idx, dtype=np.int64)].sum()) + (
            self.closing_total
        )

    def min_spend(self, *, n_open: int | None, at_most: bool = False) -> float:
        """Least budget any plan needs: ``n_open`` own outlets exactly (or at most).

        ``n_open=None``: any number. Forced outlets always count.
        """
        forced_cost = float(self.b[self.forced].sum())
        free = np.ones(self.b.size, dtype=bool)
        free[self.banned] = False
        free[self.forced] = False
        bf = np.sort(self.b[free])
        k = None if n_open is None else n_open - self.forced.size
        if k is None or at_most:
            neg = bf[bf < 0]
            extra = float(neg[: k if k is not None else neg.size].sum())
        else:
            extra = float(bf[: max(k, 0)].sum())
        return forced_cost + extra + self.closing_total

    def check_budget(self, model: str, *, n_open: int | None, at_most: bool) -> None:
        """Raise :class:`~planner.core.errors.InfeasibleError` if no plan fits."""
        if self.budget is None:
            return
        from planner.core.errors import InfeasibleError

        need = self.min_spend(n_open=n_open, at_most=at_most)
        if need > self.budget + 1e-9 * max(1.0, abs(self.budget)):
            what = []
            if self.forced.size:
                what.append(
                    f"the {self.forced.size} forced-open existing outlets cost "
                    f"{float(self.fixed[self.forced].sum()):g}"
                )
            if self.closable and self.existing.size:
                what.append(
                    f"each of the {self.existing.size} existing outlets costs "
                    "its fixed_cost kept or its closing_cost closed"
                )
            if n_open is not None and not at_most:
                what.append(f"exactly {n_open} outlets must open")
            raise InfeasibleError(
                f"{model}: every plan spends at least {need:g}, above the budget "
                f"{self.budget:g} ({'; '.join(what) or 'fixed costs'})"
            )


def resolve(
    options: SiteOptions | None, m: int, *, fixed_default: float = 0.0
) -> Resolved:
    """Check ``options`` against ``m`` candidates and return the arrays solvers use.

    Raises :class:`~planner.core.errors.InputError` naming the option: an
    index out of range, a mask or ``fixed_cost`` of the wrong length, or
    nothing left to open.

    >>> o = resolve(SiteOptions(existing=[1], closing_cost=5.0, partners=[3],
    ...             partner_fee=2.0, fixed_cost=10.0, budget=25.0), 4)
    >>> o.banned.tolist(), o.b.tolist(), o.cap
    ([3], [10.0, 5.0, 10.0, 10.0], 20.0)
    """
    if options is None:
        options = SiteOptions()
    elif not isinstance(options, SiteOptions):
        raise InputError(
            field="options",
            expected="a planner.siting.SiteOptions",
            got=type(options).__name__,
        )
    ex = check_index_set(options.existing, m, "existing")
    excl = check_index_set(options.excluded, m, "excluded")
    part = check_index_set(options.partners, m, "partners")
    fee = np.broadcast_to(np.asarray(options.partner_fee, np.float64), (part.size,))
    closable = options.closing_cost is not None
    closing = np.zeros(ex.size)
    if options.closing_cost is not None:
        closing = np.broadcast_to(
            np.asarray(options.closing_cost, np.float64), (ex.size,)
        ).copy()
    if options.fixed_cost is None:
        fixed = np.full(m, float(fixed_default))
    else:
        fc = np.asarray(options.fixed_cost, np.float64)
        if fc.ndim == 1 and fc.size != m:
            raise InputError(
                source="SiteOptions",
                field="fixed_cost",
                expected=f"a scalar or {m} values (one per candidate)",
                got=f"shape {fc.shape}",
            )
        fixed = np.broadcast_to(fc, (m,)).copy()
    b = fixed.copy()
    if closable:
        b[ex] -= closing
    bud = options.budget
    cap = None if bud is None else float(bud) - float(closing.sum())
    banned = np.union1d(excl, part)
    if banned.size >= m:
        raise InputError(
            field="excluded",
            expected="to leave at least one candidate that may open",
            got=f"all {m} excluded ({excl.size}) or partners ({part.size})",
        )
    return Resolved(
        existing=ex,
        forced=np.zeros(0, np.int64) if closable else ex,
        closable=closable,
        closing=closing,
        excluded=excl,
        partners=part,
        fee=np.array(fee),
        banned=banned,
        fixed=fixed,
        budget=None if bud is None else float(bud),
        b=b,
        cap=cap,
        fixed_given=options.fixed_cost is not None,
    )


def partner_cost(
    C: np.ndarray, partners: np.ndarray, fee: np.ndarray, *, block_elems: int = 1 << 22
) -> tuple[np.ndarray, np.ndarray]:
    """Per demand point the cheapest partner by ``cost + fee``: (cost, candidate).

    Without partners the cost is ``inf`` and the candidate ``-1``.
    """
    n = C.shape[0]
    if partners.size == 0:
        return np.full(n, np.inf), np.full(n, -1, dtype=np.int64)
    pc = np.empty(n)
    pk = np.empty(n, dtype=np.int64)
    rows = max(1, block_elems // max(1, partners.size))
    for r0 in range(0, n, rows):
        B = np.asarray(C[r0 : r0 + rows][:, partners], dtype=np.float64) + fee
        k = B.argmin(axis=1)
        pc[r0 : r0 + rows] = B[np.arange(B.shape[0]), k]
        pk[r0 : r0 + rows] = partners[k]
    return pc, pk


def capped_by_partners(
    C: np.ndarray, pc: np.ndarray, *, block_elems: int = 1 << 22
) -> np.ndarray:
    """``min(C, pc[:, None])`` as a new matrix of ``C``'s dtype (one copy).

    Each point may be served by its cheapest partner, so with at least one own
    outlet open its cost to the open set is ``min(own nearest, partner cost)``:
    the capped matrix turns a model with partners into one without.
    """
    out = np.empty(C.shape, dtype=C.dtype)
    rows = max(1, block_elems // max(1, C.shape[1]))
    for r0 in range(0, C.shape[0], rows):
        np.minimum(
            C[r0 : r0 + rows],
            pc[r0 : r0 + rows, None].astype(C.dtype),
            out=out[r0 : r0 + rows],
        )
    return out
