"""Fast vertex substitution on each point's nearest candidates, and an iterated local search.

The dense swap search of :mod:`planner.siting._search` passes over the whole
``n x m`` matrix for its first evaluation. On large matrices only a point's
entries below its second-nearest open outlet change a swap's value (Resende &
Werneck 2007 keep them in sparse structures), and those sit among its few
cheapest candidates: here each point keeps its ``K`` cheapest (the sorted rows
of the Lagrangian, :class:`~planner.siting._search.SortedRows`), and the rare
point whose second-nearest open outlet lies beyond them is read from the dense
row. Swap values are then exact: the same ``gain``, ``loss`` and ``extra`` as
the dense search, kept up to date after each move over the points it touches.

On top, an iterated local search (Lourenco, Martin & Stuetzle 2003, in the
spirit of the VNS of Hansen & Mladenovic 1997 for the p-median): close a
random outlet and open a candidate near one of its points, descend, keep the
result if it is better, else restore the saved state. A move costs about the
number of points it touches, so thousands of such rounds fit where the dense
search makes a handful.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

import numpy as np

from planner.siting._search import SortedRows

__all__ = ["SparseSwap"]


class SparseSwap:
    """Swap-search state for a p-median over sorted rows (no budget row).

    ``C`` is the dense cost matrix (read only for points whose second-nearest
    open outlet is beyond their kept candidates), ``w`` the weights, ``f`` the
    opening costs, ``srt`` the sorted rows, ``S`` the start (``p`` outlets).
    """

    def __init__(
        self,
        C: np.ndarray,
        w: np.ndarray,
        f: np.ndarray,
        srt: SortedRows,
        S: np.ndarray,
        *,
        forced: np.ndarray,
        banned: np.ndarray,
    ) -> None:
        self.C = C
        self.w = np.asarray(w, dtype=np.float64)
        self.f = np.asarray(f, dtype=np.float64)
        self.srt = srt
        self.n, self.m = C.shape
        self.K = srt.m
        self.forced = np.zeros(self.m, dtype=bool)
        self.forced[forced] = True
        self.banned = np.zeros(self.m, dtype=bool)
        self.banned[banned] = True
        self.big = float(srt.Cs[:, -1].max()) * 4.0 + 1.0 if self.n else 1.0
        # for each candidate, the points that keep it and its cost there
        flat_j = srt.order.ravel()
        o = np.argsort(flat_j, kind="stable")
        self.inv_ptr = np.searchsorted(flat_j[o], np.arange(self.m + 1))
        self.inv_row = (o // self.K).astype(np.int64)
        self.inv_cost = srt.Cs.ravel()[o]
        self.n_moves = 0
        self.reset(S)

    # ----------------------------------------------------------- state
    def reset(self, S: np.ndarray) -> None:
        """Evaluate every point for open set ``S`` from scratch."""
        self.S = np.sort(np.asarray(S, dtype=np.int64))
        k = self.S.size
        self.pos = np.full(self.m, -1, dtype=np.int64)
        self.pos[self.S] = np.arange(k)
        everyone = np.arange(self.n)
        self.d1, self.c1, self.d2, self.c2, self.r2, self.fb = self._top2(everyone)
        self.gain = np.zeros(self.m)
        self.loss = np.zeros(k)
        self.extra = np.zeros((k, self.m))
        self._contrib(everyone, 1.0)
        self.value = float(self.w @ self.d1) + float(self.f[self.S].sum())

    def snapshot(self) -> tuple[np.ndarray, ...]:
        """A copy of the state (restored by :meth:`restore`)."""
        return (
            self.S.copy(), self.pos.copy(), self.d1.copy(), self.c1.copy(),
            self.d2.copy(), self.c2.copy(), self.r2.copy(), self.fb.copy(),
            self.gain.copy(), self.loss.copy(), self.extra.copy(),
            np.array([self.value]),
        )  # fmt: skip

    def restore(self, snap: tuple[np.ndarray, ...]) -> None:
        """Back to a :meth:`snapshot` (the arrays are taken, not copied)."""
        (
            self.S, self.pos, self.d1, self.c1, self.d2, self.c2, self.r2,
            self.fb, self.gain, self.loss, self.extra, v,
        ) = snap  # fmt: skip
        self.value = float(v[0])

    def _top2(
        self, rows: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Nearest and second-nearest open (cost, candidate), the second's rank, fallback flag.

        The rank is the position of the second-nearest in the kept row (the
        entries before it are those below ``d2``); rows with fewer than two
        open among the kept candidates are read densely (flag set, rank -1).
        """
        is_open = self.pos >= 0
        cand = self.srt.order[rows]
        M = is_open[cand]
        a = rows.size
        ar = np.arange(a)
        k1 = np.argmax(M, axis=1)
        has1 = M[ar, k1]
        M[ar, k1] = False
        k2 = np.argmax(M, axis=1)
        has2 = M[ar, k2] & has1
        Cs = self.srt.Cs[rows]
        d1 = Cs[ar, k1]
        c1 = cand[ar, k1]
        d2 = Cs[ar, k2]
        c2 = cand[ar, k2]
        r2 = k2.astype(np.int64)
        fb = ~has2
        if fb.any():
            fr = np.flatnonzero(fb)
            B = np.asarray(self.C[rows[fr]][:, self.S], dtype=np.float64)
            j1 = np.argmin(B, axis=1)
            af = np.arange(fr.size)
            d1[fr] = B[af, j1]
            c1[fr] = self.S[j1]
            if self.S.size > 1:
                B[af, j1] = np.inf
                j2 = np.argmin(B, axis=1)
                d2[fr] = B[af, j2]
                c2[fr] = self.S[j2]
            else:
                d2[fr] = self.big
                c2[fr] = -1
            r2[fr] = -1
        return d1, c1, d2, c2, r2, fb

    def _contrib(self, rows: np.ndarray, sign: float) -> None:
        """Add (``sign=1``) or remove (``-1``) the swap-value terms of ``rows``."""
        if rows.size == 0:
            return
        fb = self.fb[rows]
        sp_rows = rows[~fb]
        k = self.S.size
        m = self.m
        if sp_rows.size:
            cnt = self.r2[sp_rows]
            tot = int(cnt.sum())
            row = np.repeat(sp_rows, cnt)
            start = np.cumsum(cnt) - cnt
            rank = np.arange(tot) - np.repeat(start, cnt)
            flat = row * self.K + rank
            c = self.srt.Cs.ravel()[flat]
            j = self.srt.order.ravel()[flat]
            wr = self.w[row] * sign
            d1 = self.d1[row]
            d2 = self.d2[row]
            self.gain += np.bincount(
                j, weights=wr * np.maximum(d1 - c, 0.0), minlength=m
            )
            slot = self.pos[self.c1[row]]
            self.extra += np.bincount(
                slot * m + j, weights=wr * (d2 - np.maximum(c, d1)), minlength=k * m
            ).reshape(k, m)
        dr = rows[fb]
        if dr.size:
            B = np.asarray(self.C[dr], dtype=np.float64)
            wr = self.w[dr] * sign
            d1 = self.d1[dr]
            d2 = self.d2[dr]
            self.gain += wr @ np.maximum(d1[:, None] - B, 0.0)
            E = np.maximum(np.minimum(d2[:, None] - B, (d2 - d1)[:, None]), 0.0)
            slot = self.pos[self.c1[dr]]
            for s in np.unique(slot):
                sel = slot == s
                self.extra[s] += wr[sel] @ E[sel]
        self.loss += np.bincount(
            self.pos[self.c1[rows]],
            weights=self.w[rows] * sign * (self.d2[rows] - self.d1[rows]),
            minlength=k,
        )

    # ----------------------------------------------------------- moves
    def best_swap(self) -> tuple[float, int, int]:
        """Most improving (delta, slot out, candidate in); delta ``inf`` if none."""
        bad = self.banned | (self.pos >= 0)
        delta = (self.f - self.gain)[None, :] + (self.loss - self.f[self.S])[:, None]
        delta -= self.extra
        delta[:, bad] = np.inf
        delta[self.forced[self.S], :] = np.inf
        flat = int(np.argmin(delta))
        ri, j = divmod(flat, self.m)
        return float(delta[ri, j]), ri, j

    def swap(self, ri: int, j: int) -> None:
        """Close the outlet in slot ``ri``, open candidate ``j``; update every touched point."""
        r = int(self.S[ri])
        lo, hi = self.inv_ptr[j], self.inv_ptr[j + 1]
        near = self.inv_row[lo:hi]
        near = near[self.inv_cost[lo:hi] < self.d2[near]]
        fbr = np.flatnonzero(self.fb)
        if fbr.size:
            col = np.asarray(self.C[fbr, j], dtype=np.float64)
            near = np.concatenate([near, fbr[col < self.d2[fbr]]])
        lost = np.flatnonzero((self.c1 == r) | (self.c2 == r))
        aff = np.union1d(near, lost)
        self._contrib(aff, -1.0)
        self.value -= float(self.w[aff] @ self.d1[aff]) + float(self.f[r])
        self.S[ri] = j
        self.pos[r] = -1
        self.pos[j] = ri
        d1, c1, d2, c2, r2, fb = self._top2(aff)
        self.d1[aff], self.c1[aff], self.d2[aff] = d1, c1, d2
        self.c2[aff], self.r2[aff], self.fb[aff] = c2, r2, fb
        self._contrib(aff, 1.0)
        self.value += float(self.w[aff] @ self.d1[aff]) + float(self.f[j])
        self.n_moves += 1

    def descend(self, deadline: float = math.inf, max_moves: int = 100_000) -> int:
        """Best-improvement swaps to a local optimum; returns the number of moves."""
        moves = 0
        while moves < max_moves and time.perf_counter() <= deadline:
            dv, ri, j = self.best_swap()
            if not math.isfinite(dv) or dv >= -1e-9 * max(1.0, abs(self.value)):
                break
            self.swap(ri, j)
            moves += 1
        return moves

    def iterate(
        self,
        rng: np.random.Generator,
        deadline: float,
        *,
        max_rounds: int | None = None,
        stall: int | None = None,
        n_kick: int = 2,
        report: Callable[[int, float], None] | None = None,
    ) -> int:
        """Iterated local search until ``deadline``: kick, descend, keep if better.

        A kick of ``n_kick`` swaps each closes a random free outlet and opens a
        random candidate nearer than the second-nearest open outlet of a
        random point it serves (a nearby site, so the descent repairs a
        region, not the whole plan). Stops at ``deadline``, after
        ``max_rounds`` rounds or after ``stall`` rounds in a row without a
        better plan. ``report(rounds, value)`` is called after each round
        (for a heartbeat). Returns the rounds run.
        """
        self.descend(deadline)
        # forced outlets are never swapped out, so their slots never change
        free_slots = np.flatnonzero(~self.forced[self.S])
        if free_slots.size == 0:
            return 0
        rounds = since = 0
        while time.perf_counter() <= deadline and (
            max_rounds is None or rounds < max_rounds
        ):
            if stall is not None and since >= stall:
                break
            rounds += 1
            since += 1
            snap = self.snapshot()
            v0 = self.value
            for _ in range(n_kick):
                ri = int(rng.choice(free_slots))
                served = np.flatnonzero(self.c1 == self.S[ri])
                if served.size == 0:
                    continue
                i = int(rng.choice(served))
                top = self.K if self.fb[i] else max(2, int(self.r2[i]) + 1)
                cand = self.srt.order[i, :top]
                cand = cand[(self.pos[cand] < 0) & ~self.banned[cand]]
                if cand.size == 0:
                    continue
                self.swap(ri, int(rng.choice(cand)))
            self.descend(deadline)
            if self.value < v0 - 1e-9 * max(1.0, abs(v0)):
                since = 0
            else:
                self.restore(snap)
            if report is not None:
                report(rounds, self.value)
        return rounds
