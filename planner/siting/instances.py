"""Generated siting instances for tests and benchmarks."""

from __future__ import annotations

import numpy as np

__all__ = ["generate_pmed_graph", "generate_sscfl"]


def generate_sscfl(
    n: int, m: int, ratio: float, seed: int, factor: float = 1.0
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """A single-source capacitated facility location instance, Holmberg style.

    Points and sites uniform in a 100 x 100 square, demands whole 5..35,
    capacities U(10, 160) scaled so that total capacity / total demand is
    ``ratio`` (each at least the largest demand), fixed costs U(0, 90) +
    U(100, 110) sqrt(capacity), unit costs ``round(factor * distance)``: whole
    numbers, so objectives are too. Returns unit cost (n x m), demand, fixed
    cost and capacity.
    """
    rng = np.random.default_rng([seed, n, m, int(10 * ratio)])
    d = rng.uniform(0, 100, size=(n, 2))
    s = rng.uniform(0, 100, size=(m, 2))
    w = rng.integers(5, 36, size=n).astype(np.float64)
    q = rng.uniform(10, 160, size=m)
    q = np.maximum(np.ceil(q * ratio * w.sum() / q.sum()), w.max())
    f = np.round(rng.uniform(0, 90, m) + rng.uniform(100, 110, m) * np.sqrt(q))
    dist = np.hypot(d[:, None, 0] - s[None, :, 0], d[:, None, 1] - s[None, :, 1])
    C = np.round(factor * dist.astype(np.float32).astype(np.float64))
    return C, w, f, q


def generate_pmed_graph(n: int, seed: int, edges: int | None = None) -> np.ndarray:
    """An OR-Library-style p-median matrix: shortest paths of a random graph.

    As Beasley (1990) made pmed1..40: ``n`` vertices, ``edges`` undirected
    edges (default ``n**2 / 50``, his ratio) with whole costs uniform in
    1..100, and the all-pairs shortest path lengths as the (n x n) cost
    matrix. A random spanning tree comes first so the graph is connected.
    """
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import shortest_path

    rng = np.random.default_rng([seed, n])
    e = n * n // 50 if edges is None else int(edges)
    e = max(n - 1, min(e, n * (n - 1) // 2))
    perm = rng.permutation(n)
    tree_u = perm[1:]
    tree_v = perm[rng.integers(0, np.arange(1, n))]  # each vertex to an earlier one
    pairs = {
        (min(a, b), max(a, b))
        for a, b in zip(tree_u.tolist(), tree_v.tolist(), strict=True)
    }
    while len(pairs) < e:
        a, b = rng.integers(0, n, size=2).tolist()
        if a != b:
            pairs.add((min(a, b), max(a, b)))
    u, v = np.array(sorted(pairs)).T
    c = rng.integers(1, 101, size=u.size).astype(np.float64)
    g = coo_matrix((c, (u, v)), shape=(n, n)).tocsr()
    return shortest_path(g, method="D", directed=False)
