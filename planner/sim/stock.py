"""Spare parts inside a replication: outlet shelves, vans, orders, backorders.

Stock follows an (s,S) policy per part and outlet with continuous review,
one for one by default (``s = S - 1``, a base-stock policy): when a unit
demanded drops the inventory position (shelf + vans + on order - backorders)
to ``s`` or below, one order lifts it back to ``S`` and arrives after the
part's lead time; arrivals fill backorders first come, first served. A
technician's van is refilled from the outlet's shelf at the first look of each
workday; van units used are reordered to the outlet like shelf units, so the
position stays in ``(s, S]`` plus the van levels (checked at the end of every
run by :func:`check_stock`).

A unit is *demanded* when it is taken: from the van at the visit, from the
shelf when a technician leaving the outlet collects a part the dispatcher
knew was needed, or (reserved or ordered) after a visit that found it
missing. ``filled`` counts units served from stock on hand at that moment.
Orders that reach the shelf without waiting backorders are received lazily at
the next look, which is exact for the time integrals (they use arrival times).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from functools import partial
from itertools import repeat
from typing import Any

import numpy as np
import simpy

from planner.core.errors import PlannerError
from planner.sim.model import SimModel

__all__ = ["StockLedger", "check_stock"]


class StockLedger:
    """Shelves, vans, pipeline and backorders of one replication.

    ``on_fill(j, now)`` is called when an order reserved for ticket ``j``
    arrives (one call per backordered unit).
    """

    __slots__ = (
        "S",
        "bo_min",
        "bo_units",
        "boq",
        "dem",
        "env",
        "filled",
        "fillers",
        "ip",
        "lead",
        "n_o",
        "oh_area",
        "oh_last",
        "on_fill",
        "on_hand",
        "orders",
        "pipe",
        "refill_parts",
        "s",
        "van",
        "van_level",
        "van_tot",
        "warm",
    )

    def __init__(
        self,
        model: SimModel,
        env: simpy.Environment,
        warm: float,
        on_fill: Callable[[int, float], None],
    ) -> None:
        n_o = model.n_outlets
        n_f = model.n_parts * n_o
        self.env = env
        self.warm = warm
        self.on_fill = on_fill
        self.n_o = n_o
        self.lead: list[float] = model.parts.lead_min.tolist()
        self.on_hand: list[int] = model.stock.base_stock.ravel().tolist()
        self.pipe: list[deque[float]] = [deque() for _ in range(n_f)]
        self.oh_last = [warm] * n_f
        self.oh_area = [0.0] * n_f
        self.dem = [0] * n_f
        self.filled = [0] * n_f
        self.bo_units = [0] * n_f
        self.bo_min = [0.0] * n_f
        self.orders = [0] * n_f
        self.boq: list[deque[tuple[int, float]]] = [deque() for _ in range(n_f)]
        self.fillers: dict[int, Callable[[simpy.Event], None]] = {}
        lvl = np.asarray(model.crew.van_stock, dtype=np.int64)
        self.van_level = lvl
        self.van: list[list[int]] = lvl.tolist()
        vf = np.zeros((n_o, model.n_parts), dtype=np.int64)
        np.add.at(vf, model.crew.outlet, lvl)
        vflat = vf.T.ravel()
        self.van_tot: list[int] = vflat.tolist()
        self.refill_parts = [
            [(int(p), int(lvl[k, p])) for p in np.flatnonzero(lvl[k])]
            for k in range(model.n_techs)
        ]
        big_s = model.stock.base_stock.ravel() + vflat
        small_s = (
            big_s - 1
            if model.stock.reorder_point is None
            else model.stock.reorder_point.ravel() + vflat
        )
        self.ip: list[int] = big_s.tolist()
        self.S: list[int] = big_s.tolist()
        self.s: list[int] = small_s.tolist()

    # ------------------------------------------------------------- helpers
    def _flush(self, f: int, now: float) -> None:
        """Put the orders of ``f`` that arrived by ``now`` on the shelf."""
        q = self.pipe[f]
        warm = self.warm
        while q and q[0] <= now:
            t = q.popleft()
            if t > warm:
                last = self.oh_last[f] if self.oh_last[f] > warm else warm
                self.oh_area[f] += (self.on_hand[f] + self.van_tot[f]) * (t - last)
            self.oh_last[f] = t
            self.on_hand[f] += 1

    def _look(self, f: int, now: float) -> None:
        if not self.boq[f]:
            q = self.pipe[f]
            if q and q[0] <= now:
                self._flush(f, now)

    def _area(self, f: int, now: float) -> None:
        warm = self.warm
        if now > warm:
            last = self.oh_last[f] if self.oh_last[f] > warm else warm
            self.oh_area[f] += (self.on_hand[f] + self.van_tot[f]) * (now - last)
        self.oh_last[f] = now

    def _demand(self, f: int, p: int, now: float) -> None:
        """One unit demanded: lower the position, order up to S at s."""
        if now >= self.warm:
            self.dem[f] += 1
        self.ip[f] -= 1
        if self.ip[f] <= self.s[f]:
            self.pipe[f].extend(repeat(now + self.lead[p], self.S[f] - self.ip[f]))
            self.ip[f] = self.S[f]
            if now >= self.warm:
                self.orders[f] += 1

    def _fill(self, f: int, _ev: simpy.Event) -> None:
        """The order reserved for the oldest backorder of ``f`` arrives now."""
        now = self.env.now
        self.pipe[f].popleft()
        j, td = self.boq[f].popleft()
        if td >= self.warm:
            self.bo_min[f] += now - td
        self.on_fill(j, now)

    # -------------------------------------------------------------- actions
    def use_van(self, k: int, o: int, now: float, parts: list[int]) -> list[int]:
        """Take ``parts`` from technician ``k``'s van; return those it lacks."""
        vk = self.van[k]
        missing: list[int] = []
        n_o = self.n_o
        for p in parts:
            if vk[p] > 0:
                f = p * n_o + o
                self._look(f, now)
                self._demand(f, p, now)
                self._area(f, now)
                vk[p] -= 1
                self.van_tot[f] -= 1
                if now >= self.warm:
                    self.filled[f] += 1
            else:
                missing.append(p)
        return missing

    def use_shelf(self, o: int, now: float, parts: list[int]) -> list[int]:
        """Take ``parts`` from outlet ``o``'s shelf if there; return those it lacks."""
        missing: list[int] = []
        n_o = self.n_o
        for p in parts:
            f = p * n_o + o
            self._look(f, now)
            if self.on_hand[f] > 0:
                self._demand(f, p, now)
                self._area(f, now)
                self.on_hand[f] -= 1
                if now >= self.warm:
                    self.filled[f] += 1
            else:
                missing.append(p)
        return missing

    def reserve(self, j: int, o: int, now: float, parts: list[int]) -> int:
        """Reserve ``parts`` for ticket ``j`` at outlet ``o``, ordering what is out.

        Returns the units still to arrive; each calls ``on_fill(j, t)`` when
        its order arrives (orders of a part arrive in order, each reserved by
        the oldest backorder).
        """
        waiting = 0
        n_o = self.n_o
        for p in self.use_shelf(o, now, parts):
            f = p * n_o + o
            self._demand(f, p, now)
            bq = self.boq[f]
            bq.append((j, now))
            waiting += 1
            if now >= self.warm:
                self.bo_units[f] += 1
            cb = self.fillers.get(f)
            if cb is None:
                cb = self.fillers[f] = partial(self._fill, f)
            self.env.timeout(self.pipe[f][len(bq) - 1] - now).callbacks.append(cb)
        return waiting

    def refill(self, k: int, o: int, now: float) -> None:
        """Top technician ``k``'s van up from the outlet's shelf (day start).

        Shelf units become van units: the total on hand, hence the holding
        area, is unchanged.
        """
        vk = self.van[k]
        n_o = self.n_o
        for p, lvl in self.refill_parts[k]:
            short = lvl - vk[p]
            if short <= 0:
                continue
            f = p * n_o + o
            self._look(f, now)
            got = min(short, self.on_hand[f])
            if got > 0:
                self.on_hand[f] -= got
                vk[p] += got
                self.van_tot[f] += got

    def close(self, horizon: float) -> dict[str, Any]:
        """Close the time integrals at the horizon; the ledger's end state."""
        warm = self.warm
        for f in range(len(self.on_hand)):
            if not self.boq[f]:
                self._flush(f, horizon)
            if horizon > warm:
                last = self.oh_last[f] if self.oh_last[f] > warm else warm
                self.oh_area[f] += (self.on_hand[f] + self.van_tot[f]) * (
                    horizon - last
                )
            for _j, td in self.boq[f]:
                if td >= warm:
                    self.bo_min[f] += horizon - td
        return {
            "demand_units": np.array(self.dem, dtype=np.int64),
            "filled_units": np.array(self.filled, dtype=np.int64),
            "backorder_units": np.array(self.bo_units, dtype=np.int64),
            "backorder_min": np.array(self.bo_min),
            "orders": np.array(self.orders, dtype=np.int64),
            "on_hand_area": np.array(self.oh_area),
            "end_on_hand": np.array(self.on_hand, dtype=np.int64),
            "end_on_order": np.array([len(q) for q in self.pipe], dtype=np.int64),
            "end_backorders": np.array([len(q) for q in self.boq], dtype=np.int64),
            "end_van": np.array(self.van_tot, dtype=np.int64),
            "end_van_tech": np.array(self.van, dtype=np.int64).reshape(
                self.van_level.shape
            ),
        }


def check_stock(
    end: dict[str, Any],
    *,
    model: SimModel,
    error: type[PlannerError] = PlannerError,
) -> None:
    """The inventory position of every part x outlet lies in ``(s, S]``.

    Position = shelf + vans + on order - backorders; ``S`` and ``s`` include
    the van levels. Vans hold between 0 and their level.
    """
    n_o = model.n_outlets
    vf = np.zeros((n_o, model.n_parts), dtype=np.int64)
    np.add.at(vf, model.crew.outlet, np.asarray(model.crew.van_stock, dtype=np.int64))
    vflat = vf.T.ravel()
    big_s = model.stock.base_stock.ravel() + vflat
    low = (
        big_s - 1
        if model.stock.reorder_point is None
        else model.stock.reorder_point.ravel() + vflat
    )
    if (end["end_on_hand"] < 0).any():
        raise error("negative stock on hand")
    vt = end["end_van_tech"]
    if (vt < 0).any() or (vt > np.asarray(model.crew.van_stock)).any():
        raise error("van stock outside [0, van level]")
    pos = (
        end["end_on_hand"]
        + end["end_on_order"]
        - end["end_backorders"]
        + end["end_van"]
    )
    bad = (pos > big_s) | (pos <= low)
    if bad.any():
        f = int(np.argmax(bad))
        raise error(
            f"inventory position {int(pos[f])} outside ({int(low[f])}, "
            f"{int(big_s[f])}] (part x outlet {f})"
        )
