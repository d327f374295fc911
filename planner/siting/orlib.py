"""Reader for the OR-Library p-median instances (Beasley 1985), pmed1..pmed40."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import shortest_path

from planner.core.errors import InputError

__all__ = ["read_orlib_pmed"]


def read_orlib_pmed(path: str | os.PathLike[str]) -> tuple[np.ndarray, int]:
    """Read ``pmedN.txt`` into an all-pairs shortest-path matrix and ``p``.

    The file lists ``n m p`` then ``m`` undirected edges ``i j cost``
    (1-based). Where an edge appears more than once (either orientation) the
    **last** listing counts, the convention that reproduces the published
    optima. Every vertex is a demand point (weight 1) and a candidate.

    Returns
    -------
    (cost, p)
        ``cost`` is an ``n x n`` float64 matrix of shortest-path lengths.
    """
    src = Path(path)
    tokens = src.read_text().split()
    try:
        n, m, p = (int(t) for t in tokens[:3])
        body = np.asarray(tokens[3 : 3 + 3 * m], dtype=np.int64).reshape(m, 3)
    except ValueError as e:
        raise InputError(
            source=str(src), expected="'n m p' then m lines 'i j cost'", got=str(e)
        ) from e
    i = np.minimum(body[:, 0], body[:, 1]) - 1
    j = np.maximum(body[:, 0], body[:, 1]) - 1
    key = i * n + j
    # keep the last listing of each edge
    _, last_rev = np.unique(key[::-1], return_index=True)
    last = m - 1 - last_rev
    i, j, c = i[last], j[last], body[last, 2].astype(np.float64)
    g = sp.coo_matrix((c, (i, j)), shape=(n, n)).tocsr()
    dist = shortest_path(g, method="D", directed=False)
    return np.ascontiguousarray(dist), p
