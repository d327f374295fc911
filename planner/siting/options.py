"""What every siting model may be told besides cost and demand: :class:`SiteOptions`.

One frozen object carries the existing outlets and what closing one costs,
the excluded candidates, the partner sites and their fees, the opening cost
of every candidate and a budget. Every solver takes it whole as
``options=``, so a what-if is ``dataclasses.replace(options, budget=...)``
(validated again) and all models read the same words the same way.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from planner.core.checks import readonly
from planner.core.errors import InputError

if TYPE_CHECKING:
    from planner.core.tables import Outlets

__all__ = ["SiteOptions"]


@dataclass(frozen=True, slots=True, eq=False)
class SiteOptions:
    """Existing, excluded and partner sites, their costs and a budget.

    Candidates are named by column index of the cost matrix (or by a boolean
    mask over the columns). The meaning is the same in every model:

    Attributes
    ----------
    existing
        Outlets that stand today. Forced open, unless ``closing_cost`` is
        given: then each may close, paying it.
    closing_cost
        Cost of closing an existing outlet: a scalar, or one per existing
        outlet in sorted index order. ``None``: existing outlets stay open.
    excluded
        Candidates that may not open.
    partners
        Sites of third-party providers: they serve demand at
        ``partner_fee`` per unit of demand weight (ticket), are never opened
        as own outlets and never count towards ``p``. Disjoint from
        ``existing`` and ``excluded``.
    partner_fee
        Fee per ticket: a scalar or one per partner in sorted index order.
    fixed_cost
        Opening cost of every candidate (scalar or one per candidate;
        ``None``: the model's default, 0, or 1 for set covering). Existing
        outlets kept pay it too: pass 0 for sunk costs.
    budget
        Cap on the spend on the own network: the fixed cost of every open own
        outlet plus the closing cost of every existing outlet closed. Partner
        fees are per ticket (operating cost) and never count against it.

    Where a model's objective is money (set covering, facility location;
    p-median in the units of its matrix), closing costs and fees enter it;
    coverage and time models (MCLP, p-center) pay closing costs from the
    budget only. Each solver's docstring says how.

    Index sets are stored as sorted unique ``int64`` arrays (a mask stays a
    read-only mask, checked against the matrix width when solving); costs as
    read-only ``float64`` arrays of the shape given (a scalar stays a scalar,
    so ``replace(options, existing=...)`` keeps a scalar closing cost
    meaningful).

    Examples
    --------
    >>> o = SiteOptions(existing=[4, 1], closing_cost=5.0, partners=[3],
    ...                 partner_fee=2.0)
    >>> o.existing.tolist(), o.closable, float(o.partner_fee)
    ([1, 4], True, 2.0)
    >>> SiteOptions(excluded=[2], partners=[2])
    Traceback (most recent call last):
    ...
    planner.core.errors.InputError: SiteOptions: partners must be disjoint from excluded; got '1 shared, e.g. candidate 2'
    """

    existing: npt.ArrayLike | None = None
    closing_cost: npt.ArrayLike | float | None = None
    excluded: npt.ArrayLike | None = None
    partners: npt.ArrayLike | None = None
    partner_fee: npt.ArrayLike | float = 0.0
    fixed_cost: npt.ArrayLike | float | None = None
    budget: float | None = None
    #: Length of the boolean masks given (``None`` if all are index lists).
    mask_length: int | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        lengths: set[int] = set()
        idx: dict[str, np.ndarray] = {}
        for name in ("existing", "excluded", "partners"):
            a, k = _index_set(getattr(self, name), name)
            set_(self, name, a)
            idx[name] = np.flatnonzero(a) if a.dtype == bool else a
            if k is not None:
                lengths.add(k)
        if len(lengths) > 1:
            raise _err("existing", "masks of one length", f"lengths {sorted(lengths)}")
        set_(self, "mask_length", lengths.pop() if lengths else None)
        for one, two in (
            ("existing", "excluded"),
            ("partners", "excluded"),
            ("partners", "existing"),
        ):
            both = np.intersect1d(idx[one], idx[two])
            if both.size:
                field_ = "excluded" if one == "existing" else one
                other = two if one != "existing" else "existing (forced-open) outlets"
                raise _err(
                    field_,
                    f"disjoint from {other}",
                    f"{both.size} shared, e.g. candidate {int(both[0])}",
                )
        if self.closing_cost is not None:
            set_(
                self,
                "closing_cost",
                _costs(self.closing_cost, idx["existing"].size, "closing_cost"),
            )
        set_(
            self,
            "partner_fee",
            _costs(self.partner_fee, idx["partners"].size, "partner_fee"),
        )
        if self.fixed_cost is not None:
            set_(self, "fixed_cost", _costs(self.fixed_cost, None, "fixed_cost"))
        if self.budget is not None:
            set_(self, "budget", _number(self.budget, "budget"))

    @property
    def closable(self) -> bool:
        """Whether existing outlets may close (a ``closing_cost`` is given)."""
        return self.closing_cost is not None

    @classmethod
    def from_outlets(
        cls,
        outlets: Outlets,
        *,
        excluded: npt.ArrayLike | None = None,
        closable: bool = True,
        fees: bool = True,
        budget: float | None = None,
    ) -> SiteOptions:
        """Options from an outlets table (one column per site, in table order).

        Existing outlets get the table's ``closing_cost`` (``closable=False``:
        they stay open), partners its ``fee_per_ticket`` (``fees=False``: 0,
        for models whose objective is not money), every site its
        ``fixed_cost_per_year``.

        >>> from planner.core.tables import Outlets
        >>> t = Outlets.from_arrays(["a", "b", "c"], [0, 1, 2], [0, 0, 0],
        ...     existing=[True, False, False], partner=[False, False, True],
        ...     closing_cost=[7.0, 0, 0], fee_per_ticket=[0, 0, 30.0],
        ...     fixed_cost_per_year=100.0)
        >>> o = SiteOptions.from_outlets(t)
        >>> o.existing.tolist(), o.partners.tolist(), o.closing_cost.tolist()
        ([0], [2], [7.0])
        """
        ex = np.flatnonzero(np.asarray(outlets.existing))
        part = np.flatnonzero(np.asarray(outlets.partner))
        fee = np.asarray(outlets.fee_per_ticket, dtype=np.float64)[part]
        return cls(
            existing=ex,
            closing_cost=(
                np.asarray(outlets.closing_cost, dtype=np.float64)[ex]
                if closable
                else None
            ),
            excluded=excluded,
            partners=part,
            partner_fee=fee if fees else 0.0,
            fixed_cost=np.asarray(outlets.fixed_cost_per_year, dtype=np.float64),
            budget=budget,
        )

    def __repr__(self) -> str:
        bits = []
        for name in ("existing", "excluded", "partners"):
            a = getattr(self, name)
            if a.size:
                shown = a.tolist() if a.size <= 6 else f"{a.size} sites"
                bits.append(f"{name}={shown}")
        if self.closing_cost is not None:
            bits.append(f"closing_cost={_short(self.closing_cost)}")
        if np.asarray(self.partner_fee).size and np.any(self.partner_fee):
            bits.append(f"partner_fee={_short(self.partner_fee)}")
        if self.fixed_cost is not None:
            bits.append(f"fixed_cost={_short(self.fixed_cost)}")
        if self.budget is not None:
            bits.append(f"budget={self.budget:g}")
        return f"SiteOptions({', '.join(bits)})"


def _err(name: str, expected: str, got: Any) -> InputError:
    return InputError(source="SiteOptions", field=name, expected=expected, got=got)


def _short(a: Any) -> str:
    v = np.asarray(a)
    if v.ndim == 0:
        return f"{float(v):g}"
    return f"[{v.size} values]" if v.size > 6 else str([float(x) for x in v])


def _index_set(x: Any, name: str) -> tuple[np.ndarray, int | None]:
    """Sorted unique int64 indices >= 0, or a read-only bool mask and its length."""
    if x is None:
        return readonly(np.zeros(0, dtype=np.int64)), None
    a = np.asarray(x)
    if a.dtype == bool:
        if a.ndim != 1:
            raise _err(name, "a 1-D mask over the candidates", f"shape {a.shape}")
        return readonly(a.copy()), int(a.size)
    a = np.atleast_1d(a)
    if a.size == 0:
        return readonly(np.zeros(0, dtype=np.int64)), None
    if a.ndim != 1 or a.dtype.kind not in "iu":
        raise _err(name, "candidate indices (integers) or a boolean mask", repr(x))
    if (a < 0).any():
        k = int(np.flatnonzero(a < 0)[0])
        raise InputError(
            source="SiteOptions",
            location=f"{name}[{k}]",
            field=name,
            expected="a candidate index >= 0",
            got=int(a[k]),
        )
    return readonly(np.unique(a).astype(np.int64)), None


def _costs(x: Any, k: int | None, name: str) -> np.ndarray:
    """A scalar or a 1-D array (of length ``k`` when given), finite and >= 0."""
    try:
        a = np.array(x, dtype=np.float64)
    except (TypeError, ValueError) as e:
        raise _err(name, "a number or an array of numbers", repr(x)) from e
    if a.ndim > 1 or (a.ndim == 1 and k is not None and a.size != k):
        what = {"closing_cost": "existing outlet", "partner_fee": "partner"}
        want = f"a scalar or {k} values (one per {what.get(name, 'item')})"
        raise _err(name, want, f"shape {a.shape}")
    bad = ~(np.isfinite(a) & (a >= 0))
    if bad.any():
        v = float(a.reshape(-1)[np.flatnonzero(bad.reshape(-1))[0]])
        raise _err(name, "finite numbers >= 0", v)
    return readonly(a)


def _number(x: Any, name: str) -> float:
    try:
        v = float(x)
    except (TypeError, ValueError) as e:
        raise _err(name, "a number", repr(x)) from e
    if isinstance(x, bool) or not (math.isfinite(v) and v >= 0):
        raise _err(name, "a finite number >= 0", x)
    return v
