"""Coverage analysis on arrays: who is covered, and coverage curves.

``coverage_table`` lists per demand point its nearest open outlet, cost and
whether it is within the radius. ``coverage_curve_p`` gives the share of demand
covered against the number of outlets, either from one greedy sequence
(nested plans, one pass, a lower envelope) or from one exact MCLP per point;
``coverage_curve_radius`` the share against the radius, for a fixed set of
outlets (exact, from the sorted nearest costs) or re-optimized with ``p``
outlets per radius.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy.sparse as sp

from planner.core.errors import InputError
from planner.siting._cover import coverage_matrix
from planner.siting._options import resolve
from planner.siting.mclp import check_radius, solve_mclp
from planner.siting.options import SiteOptions
from planner.siting.plan import nearest_open
from planner.siting.problem import check_cost, check_index_set, check_weights

__all__ = ["coverage_curve_p", "coverage_curve_radius", "coverage_table"]


def coverage_table(
    cost: npt.ArrayLike,
    weights: npt.ArrayLike | None,
    open_idx: npt.ArrayLike,
    radius: float,
) -> pd.DataFrame:
    """Per demand point: nearest open outlet, its cost, covered within ``radius``.

    Examples
    --------
    >>> coverage_table([[1.0, 5.0], [4.0, 9.0]], None, [0], 2.0)
       demand_idx  weight  outlet_idx  cost  covered
    0           0     1.0           0   1.0     True
    1           1     1.0           0   4.0    False
    """
    C = check_cost(cost)
    w = check_weights(weights, C.shape[0])
    idx = check_index_set(open_idx, C.shape[1], "open_idx")
    r = check_radius(radius)
    a, c = nearest_open(C, idx)
    return pd.DataFrame(
        {
            "demand_idx": np.arange(C.shape[0]),
            "weight": w,
            "outlet_idx": a,
            "cost": c,
            "covered": c <= r,
        }
    )


def coverage_curve_p(
    cost: npt.ArrayLike,
    weights: npt.ArrayLike | None,
    radius: float,
    p_values: Iterable[int],
    *,
    method: Literal["greedy", "exact"] = "greedy",
    options: SiteOptions | None = None,
    time_limit_s: float | None = None,
) -> pd.DataFrame:
    """Share of demand covered within ``radius`` against the number of outlets.

    ``method="greedy"`` adds outlets one at a time (most newly covered weight
    first) and reads every ``p`` off that one sequence (nested plans);
    ``"exact"`` solves one MCLP per ``p`` and also reports its bound.
    ``options`` as in :func:`planner.siting.solve_mclp` (existing outlets
    start the greedy sequence and partners cover from the start; a budget
    needs ``method="exact"``).

    Returns
    -------
    pandas.DataFrame
        ``p, covered_weight, share, bound, status`` (greedy: ``bound`` NaN).

    Examples
    --------
    >>> cost = [[1, 9, 9], [9, 1, 9], [9, 9, 1]]
    >>> coverage_curve_p(cost, [3, 2, 1], 2, [1, 2, 3])[["p", "share"]]
       p     share
    0  1  0.500000
    1  2  0.833333
    2  3  1.000000
    """
    C = check_cost(cost)
    n, m = C.shape
    w = check_weights(weights, n)
    r = check_radius(radius)
    ps = sorted({int(v) for v in p_values})
    if not ps or ps[0] < 1 or ps[-1] > m:
        raise InputError(field="p_values", expected=f"integers in [1, {m}]", got=ps)
    total = float(w.sum()) or 1.0
    rows = []
    if method == "exact":
        for p in ps:
            plan = solve_mclp(
                C,
                w,
                p,
                r,
                options=options,
                time_limit_s=time_limit_s,
            )
            rows.append(
                (
                    p,
                    plan.objective,
                    plan.objective / total,
                    plan.bound,
                    plan.status.value,
                )
            )
        return pd.DataFrame(
            rows, columns=["p", "covered_weight", "share", "bound", "status"]
        )
    if method != "greedy":
        raise InputError(field="method", expected="'greedy' or 'exact'", got=method)
    opt = resolve(options, m)
    if opt.cap is not None:
        raise InputError(
            field="method", expected="'exact' with a budget", got="'greedy'"
        )
    forced = opt.existing
    A = sp.csc_matrix(coverage_matrix(C, r))
    covered = np.zeros(n, dtype=bool)
    for j in np.union1d(forced, opt.partners):
        covered |= A[:, j].toarray().ravel() > 0
    is_open = np.zeros(m, dtype=bool)
    is_open[forced] = True
    banned = np.zeros(m, dtype=bool)
    banned[opt.banned] = True
    k = int(forced.size)
    value = {k: float(w[covered].sum())}
    while k < ps[-1]:
        gain = A.T @ (w * ~covered)
        gain[is_open | banned] = -1.0
        j = int(np.argmax(gain))
        if gain[j] < 0:
            break
        is_open[j] = True
        covered |= A[:, j].toarray().ravel() > 0
        k += 1
        value[k] = float(w[covered].sum())
    for p in ps:
        v = value[min(max(p, int(forced.size)), k)]
        rows.append((p, v, v / total, np.nan, "feasible"))
    return pd.DataFrame(
        rows, columns=["p", "covered_weight", "share", "bound", "status"]
    )


def coverage_curve_radius(
    cost: npt.ArrayLike,
    weights: npt.ArrayLike | None,
    radii: Iterable[float],
    *,
    open_idx: npt.ArrayLike | None = None,
    p: int | None = None,
    time_limit_s: float | None = None,
) -> pd.DataFrame:
    """Share of demand covered against the radius.

    With ``open_idx``: for those outlets (exact, from the nearest costs). With
    ``p``: the best ``p`` outlets for each radius (one MCLP per radius).

    Examples
    --------
    >>> coverage_curve_radius([[1.0], [3.0], [5.0]], None, [2, 4, 6], open_idx=[0])
       radius  covered_weight     share
    0     2.0             1.0  0.333333
    1     4.0             2.0  0.666667
    2     6.0             3.0  1.000000
    """
    C = check_cost(cost)
    w = check_weights(weights, C.shape[0])
    rs = [check_radius(v) for v in radii]
    total = float(w.sum()) or 1.0
    if (open_idx is None) == (p is None):
        raise InputError(
            field="open_idx/p",
            expected="exactly one of open_idx and p",
            got="both or neither",
        )
    rows: list[tuple[float | str, ...]] = []
    if open_idx is not None:
        idx = check_index_set(open_idx, C.shape[1], "open_idx")
        _, d = nearest_open(C, idx)
        order = np.argsort(d, kind="stable")
        ds = d[order]
        cw = np.concatenate([[0.0], np.cumsum(w[order])])
        for r in rs:
            v = float(cw[np.searchsorted(ds, r, side="right")])
            rows.append((r, v, v / total))
        return pd.DataFrame(rows, columns=["radius", "covered_weight", "share"])
    assert p is not None
    for r in rs:
        plan = solve_mclp(C, w, p, r, time_limit_s=time_limit_s)
        rows.append(
            (r, plan.objective, plan.objective / total, plan.bound, plan.status.value)
        )
    return pd.DataFrame(
        rows, columns=["radius", "covered_weight", "share", "bound", "status"]
    )
