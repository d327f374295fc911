"""Plans for a single-source capacitated open set: assignment and site moves.

The heuristic side of :mod:`planner.siting._sscfl`: a regret assignment of
the points to the open sites (largest regret first, cheapest site with room),
then shift and swap moves until neither improves; close and open moves on the
best plan, each candidate open set evaluated that way.
"""

from __future__ import annotations

import time

import numpy as np

__all__ = ["Primal", "site_moves"]


class Primal:
    """Plans for an open set: regret assignment, shift and swap moves."""

    def __init__(
        self,
        c: np.ndarray,
        w: np.ndarray,
        Q: np.ndarray,
        f: np.ndarray,
        forced: np.ndarray,
    ):
        self.c, self.w, self.Q, self.f = c, w, Q.astype(np.float64), f
        self.forced = forced  # paid for whether used or not
        self.n_evals = 0

    def plan(
        self, S: np.ndarray, *, swaps: bool = True
    ) -> tuple[float, np.ndarray] | None:
        """Best found assignment to the open columns ``S`` (None: none found)."""
        self.n_evals += 1
        c, w = self.c[:, S], self.w
        n, k = c.shape
        if k == 0 or self.Q[S].sum() < w.sum():
            return None
        res = self.Q[S].copy()
        if k >= 2:
            part = np.partition(c, 1, axis=1)
            regret = part[:, 1] - part[:, 0]
        else:
            regret = np.zeros(n)
        order = np.lexsort((-w, -regret))
        a = np.empty(n, np.int64)
        big = np.inf
        for i in order:
            row = np.where(res >= w[i], c[i], big)
            j = int(row.argmin())
            if row[j] == big:
                return None
            a[i] = j
            res[j] -= w[i]
        self._improve(c, w, res, a, swaps)
        paid = self.forced.copy()
        paid[S[a]] = True
        cost = float(self.f[paid].sum() + c[np.arange(n), a].sum())
        return cost, S[a]

    def _improve(
        self, c: np.ndarray, w: np.ndarray, res: np.ndarray, a: np.ndarray, swaps: bool
    ) -> None:
        """Shift and swap moves until neither improves (in place)."""
        n = c.shape[0]
        ar = np.arange(n)
        for _ in range(200):
            moved = False
            # shifts: each point to its best site with room
            d = c[ar, a]
            gain = d[:, None] - np.where(res[None, :] >= w[:, None], c, np.inf)
            best = gain.argmax(axis=1)
            gbest = gain[ar, best]
            for i in np.flatnonzero(gbest > 1e-9)[np.argsort(-gbest[gbest > 1e-9])]:
                j = int(best[i])
                if res[j] >= w[i] and c[i, j] < c[i, a[i]] - 1e-9:
                    res[a[i]] += w[i]
                    res[j] -= w[i]
                    a[i] = j
                    moved = True
            if moved:
                continue
            if not swaps:
                return
            # swaps: i takes k's site and k takes i's
            d = c[ar, a]
            A = c[:, a]  # cost of i at the site of k
            delta = A + A.T - d[:, None] - d[None, :]
            ra = res[a]
            ok = (ra[None, :] + w[None, :] - w[:, None] >= 0) & (
                ra[:, None] + w[:, None] - w[None, :] >= 0
            )
            delta[~ok] = 0.0
            ii, kk = np.nonzero(delta < -1e-9)
            if ii.size == 0:
                return
            used = np.zeros(n, bool)
            for t in np.argsort(delta[ii, kk]):
                i, k = int(ii[t]), int(kk[t])
                if used[i] or used[k]:
                    continue
                ji, jk = a[i], a[k]
                if ji == jk:
                    continue
                if res[jk] + w[k] - w[i] < 0 or res[ji] + w[i] - w[k] < 0:
                    continue
                if c[i, jk] + c[k, ji] >= c[i, ji] + c[k, jk] - 1e-9:
                    continue
                res[jk] += w[k] - w[i]
                res[ji] += w[i] - w[k]
                a[i], a[k] = jk, ji
                used[i] = used[k] = True
                moved = True
            if not moved:
                return


def site_moves(
    pr: Primal,
    best: tuple[float, np.ndarray],
    forced: np.ndarray,
    g: np.ndarray,
    deadline: float,
    max_tries: int = 12,
) -> tuple[float, np.ndarray]:
    """Close / open / swap-one-site moves on the best plan while they improve."""
    mk = g.size
    for _ in range(20):
        S = np.unique(best[1])
        improved = False
        # close: sites with the least load first
        load = np.bincount(np.searchsorted(S, best[1]), weights=pr.w, minlength=S.size)
        closable = [int(S[t]) for t in np.argsort(load) if not forced[S[t]]]
        for j in closable[:max_tries]:
            if time.perf_counter() > deadline:
                return best
            got = pr.plan(np.setdiff1d(S, [j]), swaps=False)
            if got is not None and got[0] < best[0] - 1e-9:
                best, improved = got, True
                break
        if improved:
            continue
        # open: closed sites in order of their Lagrangian opening value
        closed = np.setdiff1d(np.arange(mk), S)
        for j in closed[np.argsort(g[closed])][:max_tries]:
            if time.perf_counter() > deadline:
                return best
            got = pr.plan(np.union1d(S, [j]), swaps=False)
            if got is not None and got[0] < best[0] - 1e-9:
                best, improved = got, True
                break
        if not improved:
            return best
    return best
