"""What a replication draws up front and what it records.

:func:`draw_tickets` extends a :class:`~planner.sim.arrivals.TicketStream`
with the draws the run needs per ticket (diagnosis, follow-up, repair failure)
and one *slot* per ticket whose repair would fail: the repeat ticket it
creates if it is repaired in time. Every draw comes from its own stream of the
replication's seed, one value per ticket, so two networks simulated with the
same seed see the same tickets, the same failures and the same repeats
(common random numbers), whatever their staffing.

:class:`RepLog` is the event log of one replication; :func:`check_balance`
verifies it (every ticket created is resolved, open somewhere, or
cancelled).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from planner.core.checks import readonly
from planner.core.errors import PlannerError
from planner.core.rng import spawn_seeds
from planner.sim.arrivals import STREAMS, TicketStream, draw_parts, draw_repair
from planner.sim.model import DAY_MIN, SimModel
from planner.sim.stock import check_stock

__all__ = ["BalanceError", "RepLog", "TicketDraws", "check_balance", "draw_tickets"]


class BalanceError(PlannerError):
    """Tickets were lost or double counted: created != resolved + open + cancelled."""


@dataclass(frozen=True, slots=True, eq=False)
class TicketDraws:
    """Per ticket slot (``n_tickets`` tickets, then one slot per possible repeat).

    A repeat slot copies its parent's point, category, fault and urgency; its
    ``created_min`` is NaN until the run creates it. ``repeat_slot[j]`` is the
    slot of ticket ``j``'s repeat (-1: its repair holds), created
    ``repeat_delay_min[j]`` after the repair.
    """

    n_tickets: int
    created_min: np.ndarray
    point: np.ndarray
    category: np.ndarray
    fault: np.ndarray
    urgency: np.ndarray
    remote: np.ndarray
    repair_min: np.ndarray
    part_ptr: np.ndarray
    part_idx: np.ndarray
    needs_diagnosis: np.ndarray
    followup_u: np.ndarray
    parent: np.ndarray
    repeat_slot: np.ndarray
    repeat_delay_min: np.ndarray

    @property
    def n_slots(self) -> int:
        """Tickets plus repeat slots."""
        return len(self.created_min)


def draw_tickets(
    model: SimModel, stream: TicketStream, ss: np.random.SeedSequence, horizon: float
) -> TicketDraws:
    """The stream's tickets created before ``horizon``, with the run's draws."""
    keep = int(np.searchsorted(stream.created_min, horizon, side="left"))
    n = keep
    _, _, _, _, s_fup, s_q, s_diag, s_rep = spawn_seeds(ss, len(STREAMS))
    rng_f = np.random.default_rng(s_fup)
    fup = rng_f.random(n)
    fup_rep = rng_f.random(n)
    fault = np.asarray(stream.fault[:n], dtype=np.int64)
    remote = np.asarray(stream.remote[:n], dtype=bool)
    f = model.faults
    fail = (np.random.default_rng(s_q).random(n) < f.rework_prob[fault]) & ~remote
    rng_d = np.random.default_rng(s_diag)
    diag = rng_d.random(n) < f.diagnosis_prob[fault]
    diag_rep = rng_d.random(n) < f.diagnosis_prob[fault]
    rng_r = np.random.default_rng(s_rep)
    delay = rng_r.random(n) * model.service.rework_window_days * DAY_MIN
    rep_repair = draw_repair(model, fault, rng_r)
    rep_ptr, rep_idx = draw_parts(model, fault, np.zeros(n, dtype=bool), rng_r)
    par = np.flatnonzero(fail)
    n_rep = len(par)
    slot = np.full(n + n_rep, -1, dtype=np.int64)
    slot[par] = n + np.arange(n_rep)
    ptr = np.asarray(stream.part_ptr[: n + 1], dtype=np.int64)
    idx = np.asarray(stream.part_idx[: ptr[-1]], dtype=np.int64)
    counts = np.diff(rep_ptr)[par]
    rep_parts = (
        np.concatenate([rep_idx[rep_ptr[j] : rep_ptr[j + 1]] for j in par])
        if counts.sum()
        else np.zeros(0, dtype=np.int64)
    )
    all_ptr = np.concatenate([ptr, ptr[-1] + np.cumsum(counts)]).astype(np.int64)

    def ext(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return np.concatenate([a[:n], b])

    return TicketDraws(
        n_tickets=n,
        created_min=ext(
            np.asarray(stream.created_min, dtype=np.float64), np.full(n_rep, np.nan)
        ),
        point=ext(np.asarray(stream.point, np.int64), np.asarray(stream.point)[par]),
        category=ext(
            np.asarray(stream.category, np.int64), np.asarray(stream.category)[par]
        ),
        fault=ext(fault, fault[par]),
        urgency=ext(
            np.asarray(stream.urgency, np.int64), np.asarray(stream.urgency)[par]
        ),
        remote=ext(remote, np.zeros(n_rep, dtype=bool)),
        repair_min=ext(np.asarray(stream.repair_min, np.float64), rep_repair[par]),
        part_ptr=all_ptr,
        part_idx=np.concatenate([idx, rep_parts]).astype(np.int64),
        needs_diagnosis=ext(diag, diag_rep[par]),
        followup_u=ext(fup, fup_rep[par]),
        parent=ext(np.full(n, -1, dtype=np.int64), par.astype(np.int64)),
        repeat_slot=slot,
        repeat_delay_min=ext(delay, np.zeros(n_rep)),
    )


_TICKET_COLS = (
    "created_min",
    "point",
    "category",
    "fault",
    "urgency",
    "remote",
    "parent",
    "needs_diagnosis",
    "outlet",
    "partner",
    "first_visit_min",
    "queue_exit_min",
    "resolved_min",
    "cancelled_min",
    "n_visits",
    "missing_parts",
    "first_tech",
    "status",
)
_VISIT_COLS = (
    "v_tech",
    "v_ticket",
    "v_kind",
    "v_resolved",
    "v_dispatch_min",
    "v_travel_min",
    "v_work_min",
    "v_dist_m",
)
_STOCK_COLS = (
    "demand_units",
    "filled_units",
    "backorder_units",
    "backorder_min",
    "orders",
    "on_hand_area",
    "end_on_hand",
    "end_on_order",
    "end_backorders",
    "end_van",
    "end_van_tech",
)


@dataclass(frozen=True, slots=True, eq=False)
class RepLog:
    """What one replication recorded (all times in minutes from the start).

    Per ticket created (the stream's tickets first, then the repeat tickets
    the run created, ``parent`` >= 0): ``created_min``, ``point``,
    ``category``, ``fault``, ``urgency``, ``remote``, ``needs_diagnosis``,
    ``outlet`` (-1: uncovered or beyond reach), ``partner``,
    ``first_visit_min``, ``queue_exit_min`` (left the queue for its first
    visit or was found cancelled), ``resolved_min``, ``cancelled_min`` (NaN
    where it does not apply; times after the horizon mean "not yet"),
    ``n_visits``, ``missing_parts`` (units missing at the first visit),
    ``first_tech`` (-1: none), ``status`` (0 open, 1 resolved, 2 cancelled at
    the horizon); the parts each ticket needs as CSR ``part_ptr`` /
    ``part_idx``.

    Per visit: ``v_tech``, ``v_ticket``, ``v_kind`` (0 first, 1 revisit, 2
    follow-up), ``v_resolved`` (the visit resolved its ticket),
    ``v_dispatch_min`` (leaves for it), ``v_travel_min``, ``v_work_min``
    (starts on arrival), ``v_dist_m``.

    Per part x outlet (flat ``p * n_outlets + o``, counted after warm-up):
    ``demand_units``, ``filled_units``, ``backorder_units``, ``backorder_min``,
    ``orders``, ``on_hand_area`` (unit-minutes, shelf and vans),
    ``end_on_hand`` (shelf), ``end_on_order``, ``end_backorders``, ``end_van``;
    ``end_van_tech`` per technician x part.

    ``queue_area``: integral over the window of the number of tickets waiting
    for their first visit, kept by the event loop (for Little's law);
    ``n_planned_visits`` and ``n_plans``: visits made from a nightly plan and
    plans solved.
    """

    horizon_min: float
    warmup_min: float
    stream: TicketStream
    created_min: np.ndarray
    point: np.ndarray
    category: np.ndarray
    fault: np.ndarray
    urgency: np.ndarray
    remote: np.ndarray
    parent: np.ndarray
    needs_diagnosis: np.ndarray
    outlet: np.ndarray
    partner: np.ndarray
    first_visit_min: np.ndarray
    queue_exit_min: np.ndarray
    resolved_min: np.ndarray
    cancelled_min: np.ndarray
    n_visits: np.ndarray
    missing_parts: np.ndarray
    first_tech: np.ndarray
    status: np.ndarray
    part_ptr: np.ndarray
    part_idx: np.ndarray
    v_tech: np.ndarray
    v_ticket: np.ndarray
    v_kind: np.ndarray
    v_resolved: np.ndarray
    v_dispatch_min: np.ndarray
    v_travel_min: np.ndarray
    v_work_min: np.ndarray
    v_dist_m: np.ndarray
    demand_units: np.ndarray
    filled_units: np.ndarray
    backorder_units: np.ndarray
    backorder_min: np.ndarray
    orders: np.ndarray
    on_hand_area: np.ndarray
    end_on_hand: np.ndarray
    end_on_order: np.ndarray
    end_backorders: np.ndarray
    end_van: np.ndarray
    end_van_tech: np.ndarray
    queue_area: float
    n_events: int
    n_planned_visits: int = 0
    n_plans: int = 0

    @property
    def n_tickets(self) -> int:
        """Tickets created in the run (repeat tickets included)."""
        return len(self.created_min)

    @property
    def n_repeats(self) -> int:
        """Repeat tickets created in the run."""
        return int((self.parent >= 0).sum())

    def ticket_ids(self) -> np.ndarray:
        """Ids: the stream's (or positions), ``<parent>-R`` for repeat tickets."""
        n0 = int((self.parent < 0).sum())
        s = self.stream
        base = (
            np.asarray(s.ticket_id, dtype=object)[:n0]
            if s.ticket_id is not None
            else np.arange(n0).astype(str).astype(object)
        )
        return np.concatenate([base, base[self.parent[n0:]] + "-R"])

    def stock_end(self) -> dict[str, np.ndarray]:
        """The end state of the stock ledger (for :func:`check_stock`)."""
        return {k: getattr(self, k) for k in _STOCK_COLS}

    @classmethod
    def assemble(
        cls,
        model: SimModel,
        stream: TicketStream,
        tk: TicketDraws,
        *,
        horizon: float,
        warm: float,
        created: np.ndarray,
        visits: dict[str, np.ndarray],
        stock: dict[str, np.ndarray],
        queue_area: float,
        n_events: int,
        n_planned_visits: int,
        n_plans: int,
        **per_ticket: np.ndarray,
    ) -> RepLog:
        """The log over the tickets created (repeat slots never created dropped)."""
        keep = np.isfinite(created)
        new_idx = np.cumsum(keep) - 1
        res = per_ticket["resolved"][keep]
        canc = per_ticket["cancelled"][keep]
        status = np.zeros(int(keep.sum()), dtype=np.int8)
        status[res <= horizon] = 1
        status[canc <= horizon] = 2
        par = tk.parent[keep]
        cols: dict[str, Any] = {
            "created_min": created[keep],
            "point": tk.point[keep],
            "category": tk.category[keep],
            "fault": tk.fault[keep],
            "urgency": tk.urgency[keep],
            "remote": tk.remote[keep],
            "parent": par,  # parents are stream tickets: their index is kept
            "needs_diagnosis": tk.needs_diagnosis[keep],
            "outlet": per_ticket["outlet"][keep],
            "partner": per_ticket["partner"][keep],
            "first_visit_min": per_ticket["first_visit"][keep],
            "queue_exit_min": per_ticket["queue_exit"][keep],
            "resolved_min": res,
            "cancelled_min": canc,
            "n_visits": per_ticket["n_visits"][keep],
            "missing_parts": per_ticket["missing"][keep],
            "first_tech": per_ticket["first_tech"][keep],
            "status": status,
        }
        counts = np.diff(tk.part_ptr)[keep]
        starts = tk.part_ptr[:-1][keep]
        cols["part_ptr"] = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        sel = np.repeat(starts - np.concatenate([[0], np.cumsum(counts)[:-1]]), counts)
        cols["part_idx"] = tk.part_idx[np.arange(int(counts.sum())) + sel]
        vis = dict(visits)
        vis["v_ticket"] = new_idx[vis["v_ticket"]]
        return cls(
            horizon_min=horizon,
            warmup_min=warm,
            stream=stream,
            **{k: readonly(np.ascontiguousarray(v)) for k, v in cols.items()},
            **{k: readonly(np.ascontiguousarray(v)) for k, v in vis.items()},
            **{k: readonly(np.asarray(stock[k])) for k in _STOCK_COLS},
            queue_area=queue_area,
            n_events=n_events,
            n_planned_visits=n_planned_visits,
            n_plans=n_plans,
        )


def check_balance(
    log: RepLog,
    model: SimModel,
    stock: dict[str, np.ndarray],
    *,
    queued: np.ndarray,
    waiting_parts: np.ndarray,
    in_visit: np.ndarray,
) -> None:
    """created = resolved + open + cancelled, and every open ticket is somewhere.

    ``queued``, ``waiting_parts`` and ``in_visit`` are masks over the tickets:
    in a queue at the horizon, waiting for a backordered part, in a visit.
    Also checks the visits' causality and the stock positions.
    """
    h = log.horizon_min
    n = log.n_tickets
    st = log.status
    n_res, n_open, n_can = (int((st == v).sum()) for v in (1, 0, 2))
    if n_res + n_open + n_can != n:
        raise BalanceError(
            f"created {n} != resolved {n_res} + open {n_open} + cancelled {n_can}"
        )
    not_done = ~(log.resolved_min <= h)
    in_progress = log.resolved_min > h
    partner_open = log.partner & not_done
    remote_open = log.remote & not_done
    where = queued | waiting_parts | in_visit | in_progress | partner_open | remote_open
    open_mask = st == 0
    lost = open_mask & ~where
    if lost.any():
        raise BalanceError(
            f"{int(lost.sum())} open tickets are in no queue, stock wait or visit "
            f"(first: ticket {int(np.argmax(lost))})"
        )
    closed = (queued | waiting_parts) & ~open_mask
    if closed.any():
        raise BalanceError(
            f"{int(closed.sum())} tickets are queued or waiting for parts but not "
            f"open (first: ticket {int(np.argmax(closed))})"
        )
    if (
        (log.parent >= 0)
        & ~(log.created_min >= log.resolved_min[np.maximum(log.parent, 0)])
    ).any():
        raise BalanceError("a repeat ticket was created before its parent's repair")
    check_stock(stock, model=model, error=BalanceError)
