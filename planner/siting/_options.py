"""Options shared by the siting models: existing, excluded, partners, budget.

One checker turns the keyword arguments every model accepts into arrays with
the same meaning everywhere (the semantics of
:func:`planner.siting.solve_facility_location`):

* ``existing`` outlets are forced open; with ``closing_cost`` (scalar or one
  per existing outlet in sorted index order) they may close, paying it.
* ``excluded`` candidates may not open.
* ``partners`` are candidate sites of third-party providers: never opened as
  own outlets and never counted in ``p``; contracting one costs
  ``partner_fee`` per unit of demand weight (ticket) it serves (scalar or one
  per partner in sorted index order). Partners may not also be existing or
  excluded.
* ``budget`` caps what the plan spends on its own network: the ``fixed_cost``
  of every open own outlet (existing ones kept included, at their
  ``fixed_cost``; pass 0 for sunk costs) plus the ``closing_cost`` of every
  existing outlet closed. Partner fees are per ticket (an operating cost) and
  never count against it.

With ``b_j = fixed_cost_j`` (minus ``closing_cost_j`` for existing outlets
that may close) the budget reads ``sum_j b_j y_j <= budget - sum closing_cost``,
one knapsack row over the open variables.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from planner.core.checks import as_array
from planner.core.errors import InputError
from planner.siting.problem import check_index_set, check_per_candidate, disjoint

__all__ = ["SiteOptions", "check_options", "partner_cost"]


@dataclass(frozen=True, slots=True, eq=False)
class SiteOptions:
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


def check_options(
    m: int,
    *,
    existing: npt.ArrayLike | None = None,
    closing_cost: npt.ArrayLike | float | None = None,
    excluded: npt.ArrayLike | None = None,
    partners: npt.ArrayLike | None = None,
    partner_fee: npt.ArrayLike | float = 0.0,
    fixed_cost: npt.ArrayLike | float | None = None,
    budget: float | None = None,
    fixed_default: float = 0.0,
) -> SiteOptions:
    """Check the shared siting options for ``m`` candidates.

    Raises :class:`~planner.core.errors.InputError` naming the argument: an
    index out of range, a partner that is also existing or excluded, negative
    or non-finite fees, costs or budget, a per-item array of the wrong length,
    or nothing left to open.

    >>> o = check_options(4, existing=[1], closing_cost=5.0, partners=[3],
    ...                   partner_fee=2.0, fixed_cost=10.0, budget=25.0)
    >>> o.banned.tolist(), o.b.tolist(), o.cap
    ([3], [10.0, 5.0, 10.0, 10.0], 20.0)
    >>> check_options(3, excluded=[2], partners=[2])
    Traceback (most recent call last):
    ...
    planner.core.errors.InputError: partners must be disjoint from excluded; got '1 shared, e.g. candidate 2'
    """
    ex = check_index_set(existing, m, "existing")
    excl = check_index_set(excluded, m, "excluded")
    disjoint(ex, excl)
    part = check_index_set(partners, m, "partners")
    for other, name in ((excl, "excluded"), (ex, "existing")):
        both = np.intersect1d(part, other)
        if both.size:
            raise InputError(
                field="partners",
                expected=f"disjoint from {name}",
                got=f"{both.size} shared, e.g. candidate {int(both[0])}",
            )
    fee = _per_item(partner_fee, part.size, "partner_fee", "partner")
    closable = closing_cost is not None
    closing = np.zeros(ex.size)
    if closing_cost is not None:
        closing = _per_item(closing_cost, ex.size, "closing_cost", "existing outlet")
    fixed = check_per_candidate(fixed_cost, m, "fixed_cost", default=fixed_default)
    b = fixed.copy()
    if closable:
        b[ex] -= closing
    bud = None
    cap = None
    if budget is not None:
        bud = float(as_array(budget, "budget", nonneg=True))
        cap = bud - float(closing.sum())
    banned = np.union1d(excl, part)
    if banned.size >= m:
        raise InputError(
            field="excluded",
            expected="to leave at least one candidate that may open",
            got=f"all {m} excluded ({excl.size}) or partners ({part.size})",
        )
    return SiteOptions(
        existing=ex,
        forced=np.zeros(0, np.int64) if closable else ex,
        closable=closable,
        closing=closing,
        excluded=excl,
        partners=part,
        fee=fee,
        banned=banned,
        fixed=fixed,
        budget=bud,
        b=b,
        cap=cap,
    )


def _per_item(x: npt.ArrayLike | float, k: int, name: str, what: str) -> np.ndarray:
    """A scalar or ``k`` values (one per ``what``), each finite and >= 0."""
    a = np.asarray(x, dtype=np.float64)
    if a.ndim == 0:
        a = np.full(k, float(a))
    if a.shape != (k,):
        raise InputError(
            field=name,
            expected=f"a scalar or {k} values (one per {what}, in sorted index order)",
            got=f"shape {a.shape}",
        )
    return as_array(a, name, nonneg=True)


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
