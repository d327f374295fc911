"""Sparse coverage matrices and their reductions (shared by MCLP, LSCP, p-center)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

__all__ = ["Reduced", "coverage_matrix", "reduce_cover", "reduce_set_cover"]


def coverage_matrix(
    C: np.ndarray, radius: float, *, block_elems: int = 1 << 22
) -> sp.csr_matrix:
    """Boolean CSR matrix ``C <= radius`` built in row blocks (no dense copy)."""
    n, m = C.shape
    rows = max(1, block_elems // m)
    parts = []
    for r0 in range(0, n, rows):
        parts.append(sp.csr_matrix(C[r0 : r0 + rows] <= radius))
    out = sp.vstack(parts, format="csr") if len(parts) > 1 else parts[0]
    out.sort_indices()
    return sp.csr_matrix(out, dtype=np.float64)


@dataclass(frozen=True, slots=True, eq=False)
class Reduced:
    """A coverage problem after aggregation.

    ``A`` (groups x kept candidates) has one row per distinct coverage set of
    the demand still to cover; ``gw`` is each group's weight and ``group`` maps
    every original demand point to its group (``-1``: covered by a forced
    outlet or by nothing, or weight 0). ``cand`` lists the kept candidates.
    """

    A: sp.csr_matrix
    gw: np.ndarray
    group: np.ndarray
    cand: np.ndarray
    const_covered: float
    uncoverable: np.ndarray


def reduce_cover(
    cov: sp.csr_matrix,
    w: np.ndarray,
    *,
    forced: np.ndarray,
    excluded: np.ndarray,
    col_cost: np.ndarray | None = None,
    drop_dominated: bool = True,
    row_key: np.ndarray | None = None,
) -> Reduced:
    """Aggregate identical coverage rows and drop dominated candidates.

    Points covered by a forced-open outlet count as ``const_covered`` weight and
    leave the model; points no allowed candidate covers are listed in
    ``uncoverable`` (by index, weight > 0 only). A candidate whose coverage set
    is contained in another's that costs no more (``col_cost``) is dropped,
    which keeps at least one optimal solution.

    ``row_key`` (one float per point, e.g. the fee of its cheapest partner in
    range): only points with the same key merge, and a point with a finite key
    stays in the model even if no candidate covers it (a group with an empty
    coverage set), as something else (a partner) can.
    """
    n, m = cov.shape
    allowed = np.ones(m, dtype=bool)
    allowed[excluded] = False
    allowed[forced] = False
    cov = sp.csr_matrix(cov)
    by_forced = (
        np.asarray(cov[:, forced].sum(axis=1)).ravel() > 0
        if forced.size
        else np.zeros(n, dtype=bool)
    )
    sub = cov[:, np.flatnonzero(allowed)]
    sub = sp.csr_matrix(sub)
    cnt = np.diff(sub.indptr)
    pos = w > 0
    const = float(w[by_forced].sum())
    has_key = np.isfinite(row_key) if row_key is not None else np.zeros(n, dtype=bool)
    uncoverable = np.flatnonzero(pos & ~by_forced & (cnt == 0) & ~has_key)
    live = np.flatnonzero(pos & ~by_forced & ((cnt > 0) | has_key))
    cand = np.flatnonzero(allowed)
    group = np.full(n, -1, dtype=np.int64)
    keys: dict[bytes, int] = {}
    rows: list[np.ndarray] = []
    gw: list[float] = []
    for i in live:
        idx = sub.indices[sub.indptr[i] : sub.indptr[i + 1]]
        key = idx.tobytes()
        if row_key is not None:
            key += np.float64(row_key[i]).tobytes()
        g = keys.get(key)
        if g is None:
            g = len(rows)
            keys[key] = g
            rows.append(idx)
            gw.append(0.0)
        gw[g] += float(w[i])
        group[i] = g
    ng = len(rows)
    if ng:
        ind = np.concatenate(rows)
        ptr = np.concatenate([[0], np.cumsum([r.size for r in rows])])
    else:
        ind = np.zeros(0, dtype=np.int64)
        ptr = np.zeros(1, dtype=np.int64)
    A = sp.csr_matrix((np.ones(ind.size), ind, ptr), shape=(ng, cand.size))
    if drop_dominated and ng and cand.size > 1:
        keep = _undominated(A, None if col_cost is None else col_cost[cand])
        A = sp.csr_matrix(A[:, keep])
        cand = cand[keep]
    return Reduced(
        A=A,
        gw=np.asarray(gw),
        group=group,
        cand=cand,
        const_covered=const,
        uncoverable=uncoverable,
    )


def _undominated(A: sp.csr_matrix, cost: np.ndarray | None) -> np.ndarray:
    """Columns not dominated (coverage subset of a no-more-expensive column)."""
    Ac = sp.csc_matrix(A)
    size = np.diff(Ac.indptr)
    m = A.shape[1]
    keep = size > 0
    if m > 5000:  # the pairwise overlap would be too big; keep all non-empty
        return np.flatnonzero(keep)
    ov = (Ac.T @ Ac).tocoo()
    c = np.zeros(m) if cost is None else cost
    i, j, v = ov.row, ov.col, ov.data
    # column i dominated by j != i if overlap == |N_i| and (|N_j| > |N_i| or tie by index)
    sub = (i != j) & (v >= size[i]) & (c[j] <= c[i])
    strict = (size[j] > size[i]) | (c[j] < c[i]) | (j < i)
    dom = np.zeros(m, dtype=bool)
    dom[i[sub & strict]] = True
    return np.flatnonzero(keep & ~dom)


def reduce_set_cover(
    A: sp.csr_matrix, cost: np.ndarray, *, max_rounds: int = 10
) -> tuple[sp.csr_matrix, np.ndarray, np.ndarray]:
    """Classic set-covering reductions (Toregas & ReVelle 1973), repeated.

    * a row whose set contains another row's set is implied by it: dropped;
    * a column whose set (over the remaining rows) is inside a no-more-expensive
      column's set: dropped;
    * a row covered by a single column makes that column essential: it opens
      and the rows it covers are dropped.

    Returns the reduced matrix, the kept column indices (into ``A``) and the
    essential columns (into ``A``). Keeps at least one optimal cover.
    """
    A = sp.csr_matrix(A)
    cols = np.arange(A.shape[1])
    essential: list[int] = []
    for _ in range(max_rounds):
        g0, m0 = A.shape
        if g0 == 0:
            break
        # essential columns
        size = np.diff(A.indptr)
        single = np.flatnonzero(size == 1)
        if single.size:
            ess = np.unique(A.indices[A.indptr[single]])
            essential.extend(int(cols[e]) for e in ess)
            hit = np.asarray(A[:, ess].sum(axis=1)).ravel() > 0
            A = sp.csr_matrix(A[~hit])
            keepc = np.setdiff1d(np.arange(A.shape[1]), ess)
            A = sp.csr_matrix(A[:, keepc])
            cols = cols[keepc]
            if A.shape[0] == 0:
                break
        # row dominance: drop b if N_a is a proper subset of N_b
        size = np.diff(A.indptr)
        if A.shape[0] <= 200_000:
            ov = (A @ A.T).tocoo()
            a, b, v = ov.row, ov.col, ov.data
            dom = (a != b) & (v >= size[a]) & (size[a] < size[b])
            drop = np.zeros(A.shape[0], dtype=bool)
            drop[b[dom]] = True
            A = sp.csr_matrix(A[~drop])
        # column dominance
        keep = _undominated(A, cost[cols])
        A = sp.csr_matrix(A[:, keep])
        cols = cols[keep]
        if A.shape == (g0, m0):
            break
    return A, cols, np.asarray(sorted(set(essential)), dtype=np.int64)
