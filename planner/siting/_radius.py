"""The radius formulation of Garcia, Labbe & Marin (2011), built for HiGHS.

For demand point ``i`` let ``D_i^1 < ... < D_i^G`` be the distinct costs to the
candidates still in play (up to a cap, see below). Binary ``y_j`` opens
candidate ``j``; continuous ``z_i^k`` in [0, 1] is 1 when point ``i`` is served
at a cost above ``D_i^k``::

    min  sum_j f_j y_j + sum_i w_i (D_i^1 + sum_{k<G} (D_i^{k+1} - D_i^k) z_i^k)
    s.t. z_i^1 + sum_{j: c_ij = D_i^1} y_j >= 1
         z_i^k - z_i^{k-1} + sum_{j: c_ij = D_i^k} y_j >= 0   (1 < k < G)
         -z_i^{G-1} + sum_{j: c_ij = D_i^G} y_j >= 0
         sum_j y_j = p        (p-median only)

Each candidate appears once per point, so the matrix has about
``n * m`` nonzeros at most, and far fewer after the reductions:
the cap per point is the cost to the nearest outlet fixed open and, with
exactly ``p`` open among ``m'`` candidates, the ``(m' - p + 1)``-th smallest
cost (some open outlet is always at least that close).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

__all__ = ["RadiusModel", "build_radius_model"]


@dataclass(frozen=True, slots=True, eq=False)
class RadiusModel:
    """Arrays for :func:`planner.siting._highs.solve_mip`."""

    c: np.ndarray
    A: sp.csc_matrix
    row_lo: np.ndarray
    row_hi: np.ndarray
    col_lo: np.ndarray
    col_hi: np.ndarray
    integer: np.ndarray
    offset: float
    cand: np.ndarray  # candidate index of each y column (first len(cand) columns)
    start: np.ndarray | None


def build_radius_model(
    C: np.ndarray,
    w: np.ndarray,
    f: np.ndarray,
    *,
    p: int | None,
    keep: np.ndarray,
    fixed_open: np.ndarray,
    start_set: np.ndarray | None = None,
) -> RadiusModel:
    """Build the (reduced) radius model.

    Parameters
    ----------
    C, w, f
        Costs (n x m), weights, opening costs per candidate.
    p
        Exactly ``p`` open (``None``: free number, facility location).
    keep
        Candidate indices allowed to open (includes ``fixed_open``).
    fixed_open
        Candidate indices fixed open.
    start_set
        An open set to pass as MIP start (dropped if it uses a removed column).
    """
    keep = np.sort(np.asarray(keep, dtype=np.int64))
    fixed_open = np.asarray(fixed_open, dtype=np.int64)
    mk = keep.size
    col_of = np.full(C.shape[1], -1, dtype=np.int64)
    col_of[keep] = np.arange(mk)
    is_fixed = np.zeros(mk, dtype=bool)
    is_fixed[col_of[fixed_open]] = True
    start_y = None
    if start_set is not None and np.all(col_of[start_set] >= 0):
        start_y = np.zeros(mk)
        start_y[col_of[start_set]] = 1.0
        if not np.all(start_y[is_fixed] == 1):
            start_y = None
    rows_i: list[np.ndarray] = []
    cols_i: list[np.ndarray] = []
    vals_i: list[np.ndarray] = []
    row_lo: list[np.ndarray] = []
    zcost: list[np.ndarray] = []
    zstart: list[np.ndarray] = []
    offset = 0.0
    n_rows = 0
    n_z = 0
    kth = None if p is None else mk - p  # 0-based index of the (m'-p+1)-th smallest
    for i in range(C.shape[0]):
        wi = float(w[i])
        if wi <= 0:
            continue
        row = np.asarray(C[i, keep], dtype=np.float64)
        cap = np.inf
        if fixed_open.size:
            cap = float(C[i, fixed_open].min())
        if kth is not None and 0 <= kth < mk:
            cap = min(cap, float(np.partition(row, kth)[kth]))
        sel = np.flatnonzero(row <= cap)
        levels, inv = np.unique(row[sel], return_inverse=True)
        G = levels.size
        offset += wi * float(levels[0])
        # y entries: row n_rows + level
        rows_i.append(n_rows + inv)
        cols_i.append(sel)
        vals_i.append(np.ones(sel.size))
        if G > 1:
            zc = mk + n_z + np.arange(G - 1)
            # +z_k in row k (k = 0..G-2), -z_k in row k+1
            rows_i.append(n_rows + np.arange(G - 1))
            cols_i.append(zc)
            vals_i.append(np.ones(G - 1))
            rows_i.append(n_rows + 1 + np.arange(G - 1))
            cols_i.append(zc)
            vals_i.append(-np.ones(G - 1))
            zcost.append(wi * np.diff(levels))
            if start_y is not None and start_set is not None:
                di = float(C[i, start_set].min())
                zstart.append((levels[:-1] < di).astype(np.float64))
            n_z += G - 1
        lo = np.zeros(G)
        lo[0] = 1.0
        row_lo.append(lo)
        n_rows += G
    n_col = mk + n_z
    rlo = np.concatenate(row_lo) if row_lo else np.zeros(0)
    rhi = np.full(rlo.size, np.inf)
    rr = np.concatenate(rows_i) if rows_i else np.zeros(0, np.int64)
    cc = np.concatenate(cols_i) if cols_i else np.zeros(0, np.int64)
    vv = np.concatenate(vals_i) if vals_i else np.zeros(0)
    if p is not None:
        rr = np.concatenate([rr, np.full(mk, n_rows)])
        cc = np.concatenate([cc, np.arange(mk)])
        vv = np.concatenate([vv, np.ones(mk)])
        rlo = np.concatenate([rlo, [float(p)]])
        rhi = np.concatenate([rhi, [float(p)]])
        n_rows += 1
    A = sp.csc_matrix((vv, (rr, cc)), shape=(n_rows, n_col))
    c = (
        np.concatenate([f[keep].astype(np.float64), *zcost])
        if zcost
        else f[keep].astype(np.float64)
    )
    col_lo = np.zeros(n_col)
    col_lo[:mk][is_fixed] = 1.0
    col_hi = np.ones(n_col)
    integer = np.zeros(n_col, dtype=bool)
    integer[:mk] = True
    start = None
    if start_y is not None:
        start = np.concatenate([start_y, *zstart]) if zstart else start_y
    return RadiusModel(
        c=c,
        A=A,
        row_lo=rlo,
        row_hi=rhi,
        col_lo=col_lo,
        col_hi=col_hi,
        integer=integer,
        offset=offset,
        cand=keep,
        start=start,
    )
