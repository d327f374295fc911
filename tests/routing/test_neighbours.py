"""The PyVRP neighbourhood restricted to clients that share a technician."""

from __future__ import annotations

import numpy as np

from planner.routing.pyvrp_engine import compatible_neighbours


def test_neighbours_are_the_nearest_compatible_clients() -> None:
    """Each list holds the k nearest other jobs some technician may serve with it, nearest first."""
    rng = np.random.default_rng(3)
    n_dep, n, m, k = 2, 30, 4, 5
    xy = rng.uniform(0, 50, size=(n_dep + n, 2))
    dur = np.rint(np.abs(xy[:, None] - xy[None]).sum(axis=2) * 1000).astype(np.int64)
    tw_e = rng.uniform(0, 2e5, n)
    tw_l = tw_e + rng.uniform(0, 1e5, n)
    svc = np.full(n, 3e4)
    allowed = rng.random((n, m)) < 0.4
    nbs = compatible_neighbours(
        dur, n_dep, np.arange(n), list(range(n)), tw_e, tw_l, svc, allowed, k
    )

    def prox(i: int, j: int) -> float:
        def one(a: int, b: int) -> float:
            d = float(dur[n_dep + a, n_dep + b])
            wait = max(0.0, tw_e[b] - (tw_l[a] + svc[a] + d))
            warp = max(0.0, tw_e[a] + svc[a] + d - tw_l[b])
            return d + 0.2 * wait + warp

        return min(one(i, j), one(j, i))

    for i in range(n):
        ok = [j for j in range(n) if j != i and (allowed[i] & allowed[j]).any()]
        want = sorted(ok, key=lambda j: (prox(i, j), j))[:k]
        assert len(nbs[i]) == len(want)
        assert [round(prox(i, j), 6) for j in nbs[i]] == [
            round(prox(i, j), 6) for j in want
        ]
        assert set(nbs[i]) <= set(ok)
