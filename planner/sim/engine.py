"""One replication on SimPy: tickets through outlets, technicians and stock.

The process, per ticket: triage (remote fix: solved by phone, no visit); the
outlet of the ticket's address, or a partner when the address is uncovered,
the outlet lacks the skill or its queue overflows (the partner visits after
its response time and charges its fee); a queue per outlet and skill, ordered
by urgency and then creation time; greedy dispatch: a technician who becomes
free (or starts the shift) takes the first ticket of the queues of its skills,
provided the job is expected to end before shift end + overtime allowance;
travel from the technician's position (the outlet at the start of a day);
the repair, with parts taken from the outlet stock. A missing part makes the
visit a diagnosis only; the part is backordered and the ticket is queued again
for a revisit when it arrives (a failed first-time fix). Stock follows an
(s,S) policy with continuous review, one for one by default (``s = S - 1``,
a base-stock policy): when a unit demanded drops the inventory position to
``s`` one order lifts it to ``S`` and arrives after the part's lead time;
arrivals fill backorders first come, first served. A
technician's van stock (``SimModel.tech_van_stock``) is used before the
outlet's shelf and topped up from the shelf at its first look of each day
(shift start; not in always-on mode); van units used are reordered to the
outlet like shelf units, so the position shelf + vans + on order -
backorders stays in ``(s, S]`` plus the van levels (checked at the end of
every run).
Technicians work their shift on their workdays. Simplifications: the drive back to
the outlet at the end of a day is neither simulated nor costed; a partner
visits exactly ``partner_response_min`` after the hand-over; a cancelled
ticket leaves its queue when a technician would next have taken it (or at the
horizon).

A technician takes a due lunch break (``break_min`` inside ``break_window``)
before leaving for the next job; idle time inside the window counts as the
break.

Parts and nightly routing: the nightly problems carry no part needs and no van
stock (``DispatchProblem.job_parts`` / ``tech_stock`` stay empty), because in
this model they would constrain nothing real. A first visit's parts are
unknown until the diagnosis (they are drawn up front only for speed), and at
the visit the van and then the outlet's shelf are checked: a part is missing
only when both are out, whichever technician goes. A revisit after a failed
first-time fix enters the queue only once every part it waits for has arrived
at the outlet, reserved for it; every technician starts the day at the outlet,
so each revisit in a nightly batch has its parts waiting there when the route
starts, whoever takes it. Routing on the vans would instead require the
reserved part to be in the chosen technician's van, turning revisits away from
technicians who can pick it up at the outlet. (With the greedy rule a revisit
queued during the day may be taken at once by a technician in the field; the
detour to the outlet for the part is not simulated.)

Performance: technicians are long-lived processes; arrivals are one process
stepping through pre-drawn columns; one SimPy timeout per arrival and per
visit, one per backordered part unit (orders that reach the shelf are
received lazily at the next look, which is exact for the time integrals),
shift timers shared by the technicians of an outlet with the same shift, and
an arrival hands its ticket straight to an idle technician (the visit's end
is scheduled on the event the technician waits on). All
random numbers are drawn before the run (per ticket, vectorized); per-ticket
results go straight into numpy arrays through memoryviews, and visits into
``array`` columns.
"""

from __future__ import annotations

import math
from array import array
from collections import deque
from collections.abc import Callable, Generator
from dataclasses import dataclass
from functools import partial
from heapq import heapify, heappop, heappush
from itertools import repeat
from typing import Any, cast

import numpy as np
import simpy

from planner.core.checks import readonly
from planner.core.errors import InputError, PlannerError
from planner.core.rng import spawn_seeds
from planner.sim.arrivals import STREAMS, TicketStream, complete_tickets
from planner.sim.model import DAY_MIN, SimModel

__all__ = ["BalanceError", "RepLog", "run_replication"]

KIND_FIRST, KIND_REVISIT, KIND_FOLLOWUP = 0, 1, 2
IDLE, DAY_OVER = -1.0, -2.0


class BalanceError(PlannerError):
    """Tickets were lost or double counted: created != resolved + open + cancelled."""


@dataclass(frozen=True, slots=True, eq=False)
class RepLog:
    """What one replication recorded (all times in minutes from the start).

    Per ticket (aligned with the :class:`TicketStream`): ``outlet`` (-1:
    uncovered), ``partner``, ``first_visit_min``, ``queue_exit_min`` (left
    the queue for its first visit or was found cancelled), ``resolved_min``,
    ``cancelled_min`` (NaN where it does not apply; times after the horizon
    mean "not yet"), ``n_visits``, ``missing_parts`` (units missing at the
    first visit), ``status`` (0 open, 1 resolved, 2 cancelled at the horizon).
    Per visit: ``v_tech``, ``v_ticket``, ``v_dispatch_min``, ``v_travel_min``,
    ``v_work_min``, ``v_dist_m``, ``v_kind`` (0 first, 1 revisit, 2 follow-up).
    Per part x outlet (flat ``p * n_outlets + o``, counted after warm-up):
    ``demand_units``, ``filled_units``, ``backorder_units``, ``backorder_min``,
    ``orders``, ``on_hand_area`` (unit-minutes), ``end_on_hand``,
    ``end_on_order``, ``end_backorders`` (``on_hand_area`` counts the shelf
    and the vans of the outlet; ``end_on_hand`` the shelf only; ``end_van``
    the units in the outlet's vans, ``end_van_tech`` per technician x part).
    ``n_planned_visits`` and ``n_plans``: visits made from a nightly plan and
    plans solved (``dispatch="routing"``). ``queue_area`` is the integral over
    the window of the number of tickets waiting for their first visit, kept
    by the event loop itself (for Little's law).
    """

    horizon_min: float
    warmup_min: float
    stream: TicketStream
    outlet: np.ndarray
    partner: np.ndarray
    first_visit_min: np.ndarray
    queue_exit_min: np.ndarray
    resolved_min: np.ndarray
    cancelled_min: np.ndarray
    n_visits: np.ndarray
    missing_parts: np.ndarray
    status: np.ndarray
    v_tech: np.ndarray
    v_ticket: np.ndarray
    v_dispatch_min: np.ndarray
    v_travel_min: np.ndarray
    v_work_min: np.ndarray
    v_dist_m: np.ndarray
    v_kind: np.ndarray
    demand_units: np.ndarray
    filled_units: np.ndarray
    backorder_units: np.ndarray
    backorder_min: np.ndarray
    orders: np.ndarray
    on_hand_area: np.ndarray
    end_on_hand: np.ndarray
    end_on_order: np.ndarray
    end_backorders: np.ndarray
    queue_area: float
    n_events: int
    n_planned_visits: int = 0
    n_plans: int = 0
    end_van: np.ndarray | None = None
    end_van_tech: np.ndarray | None = None

    @property
    def n_tickets(self) -> int:
        """Tickets created in the run."""
        return len(self.outlet)


def _route(
    model: SimModel, s: TicketStream
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Outlet, partner flag and remote flag per ticket, before the run."""
    n_o = model.n_outlets
    skill = model.fault_skill[s.fault]
    outlet = model.point_outlet[s.point]
    has = np.zeros((n_o, len(model.skill_names)), dtype=bool)
    np.logical_or.at(has, model.tech_outlet, model.tech_skills)
    oc = np.maximum(outlet, 0)
    partner = (outlet < 0) | model.outlet_partner[oc] | ~has[oc, skill]
    partner &= ~s.remote
    return outlet, partner, np.asarray(s.remote, dtype=bool)


def run_replication(
    model: SimModel,
    stream: TicketStream,
    *,
    horizon_min: float,
    warmup_min: float = 0.0,
    seed: np.random.SeedSequence | int = 0,
    check: bool = True,
    dispatch: str = "greedy",
    routing_cap: int = 40,
    routing_iterations: int = 200,
    routing_fill: float = 1.2,
    routing_min_batch: int = 4,
    routing_iter_per_job: float = 1.0,
) -> RepLog:
    """Run one replication of ``stream`` through ``model`` until ``horizon_min``.

    ``seed`` spawns the replication's streams (see
    :data:`planner.sim.arrivals.STREAMS`); only those the stream leaves open
    (replayed tables) and the follow-up draws are used here. With ``check``
    the ticket balance is verified (:class:`BalanceError` if violated).

    ``dispatch="routing"``: a nightly batch. At midnight before each day, the
    tickets queued at each outlet (by urgency, then age; at most
    ``routing_cap``, and only as many as fill ``routing_fill`` times the
    crew's shift minutes, counting expected repair plus the drive from the
    outlet) are planned for that day's technicians by
    :func:`planner.routing.solve_dispatch` (``routing_iter_per_job`` search
    iterations per ticket, at most ``routing_iterations``; seed 0:
    deterministic), with the expected repair times and the outlet's travel
    matrix. A batch of fewer than ``routing_min_batch`` tickets is not
    planned: the greedy rule hands them out at shift start (each call into
    the solver costs a few milliseconds whatever the batch, and on the
    500-outlet benchmark planning batches of 1-3 tickets did not shorten the
    drives; measured in ``benchmarks/bench_sim.py``: skipping them and one
    iteration per ticket instead of ``10 + 10 * tickets`` raised nightly
    routing from ~3,400 to ~7,800 tickets per CPU-second at +0.2 % travel
    per visit). A technician then follows its route in the
    planned order (travel from its actual position, stochastic repair times);
    an urgent ticket at the head of its queues is taken first (same-day
    insertion); a planned visit that no longer fits the shift plus overtime
    ends the day and returns the rest of the route to the queue; after the
    route the technician takes queued tickets greedily. Needs shifts (not
    ``always_on``).
    """
    ss = (
        seed
        if isinstance(seed, np.random.SeedSequence)
        else np.random.SeedSequence(seed)
    )
    stream = complete_tickets(model, stream, ss)
    keep = stream.created_min < horizon_min
    if not keep.all():
        stream = _head(stream, int(keep.sum()))
    n = len(stream)
    n_o = model.n_outlets
    n_skill = len(model.skill_names)
    routing = dispatch == "routing"
    if dispatch not in ("greedy", "routing"):
        raise InputError(
            field="dispatch", expected="'greedy' or 'routing'", got=dispatch
        )
    if routing and model.always_on:
        raise InputError(
            field="dispatch",
            expected="'greedy' for an always-on (queue mode) model",
            got=dispatch,
        )
    if routing and not (isinstance(routing_min_batch, int) and routing_min_batch >= 1):
        raise InputError(
            field="routing_min_batch", expected="an integer >= 1", got=routing_min_batch
        )
    if routing and not routing_iter_per_job > 0:
        raise InputError(
            field="routing_iter_per_job", expected="> 0", got=routing_iter_per_job
        )
    horizon = float(horizon_min)
    warm = float(warmup_min)
    fup_u = np.random.default_rng(spawn_seeds(ss, len(STREAMS))[4]).random(n)

    outlet, partner, remote = _route(model, stream)
    created_a = np.asarray(stream.created_min, dtype=np.float64)
    repair_a = np.asarray(stream.repair_min, dtype=np.float64)
    fv_a = np.full(n, np.nan)
    qexit_a = np.full(n, np.nan)
    res_a = np.full(n, np.nan)
    canc_a = np.full(n, np.nan)
    nv_a = np.zeros(n, dtype=np.int64)
    miss_a = np.zeros(n, dtype=np.int64)
    partner_a = partner.copy()
    # remote fixes and partner tickets need no event
    res_a[remote] = created_a[remote] + model.remote_fix_min
    fv_a[partner] = created_a[partner] + model.partner_response_min
    res_a[partner] = fv_a[partner] + repair_a[partner]

    own = np.flatnonzero(~remote & ~partner)
    fv, qexit, res, canc = (_view(a) for a in (fv_a, qexit_a, res_a, canc_a))
    nv, miss_mv = _view(nv_a), _view(miss_a)
    part_mv = _view(partner_a.view(np.uint8))
    created = _view(created_a)
    rep = _view(repair_a)
    mean_rep = _view(model.fault_repair_min[stream.fault])
    skill_of = _view(model.fault_skill[stream.fault], np.int64)
    urg = _view(stream.urgency, np.int64)
    pout = _view(outlet, np.int64)
    ploc = _view(model.point_local[stream.point], np.int64)
    pptr = _view(stream.part_ptr, np.int64)
    pidx = _view(stream.part_idx, np.int64)
    fup = _view(fup_u)
    ldur = _view(model.local_dur_min)
    ldist = _view(model.local_dist_m)
    loff = model.local_offset.tolist()
    lsz = model.local_size.tolist()
    lead = model.part_lead_min.tolist()

    env = simpy.Environment()
    timeout = env.timeout
    heaps: list[list[tuple[float, float, int, int]]] = [
        [] for _ in range(n_o * n_skill)
    ]
    techs_at = np.bincount(model.tech_outlet, minlength=n_o)
    limit = (model.overflow_queue_per_tech * np.maximum(techs_at, 1)).tolist()
    qlen = [0] * n_o
    idle: list[list[tuple[int, simpy.Event]]] = [[] for _ in range(n_o)]
    tsk = model.tech_skills.tolist()
    pending = [0] * n  # parts still missing per ticket
    use_parts_early = bool(model.use_parts)
    # stock, flat p * n_o + o
    n_f = model.n_parts * n_o
    on_hand = model.base_stock.ravel().tolist()
    pipe: list[deque[float]] = [deque() for _ in range(n_f)]  # order arrival times
    oh_last = [warm] * n_f
    oh_area = [0.0] * n_f
    dem = [0] * n_f
    filled = [0] * n_f
    bo_units = [0] * n_f
    bo_min = [0.0] * n_f
    orders = [0] * n_f
    boq: list[deque[tuple[int, float]]] = [deque() for _ in range(n_f)]
    # van stock: current units per technician and part; levels; units in the
    # vans of each outlet (flat p * n_o + o); parts each van is refilled with
    van_lvl = np.asarray(model.tech_van_stock, dtype=np.int64)
    van: list[list[int]] = van_lvl.tolist()
    van_f = np.zeros((n_o, model.n_parts), dtype=np.int64)
    np.add.at(van_f, model.tech_outlet, van_lvl)
    van_f_flat = van_f.T.ravel()
    van_tot: list[int] = van_f_flat.tolist()
    refill_parts = [
        [(int(p), int(van_lvl[k, p])) for p in np.flatnonzero(van_lvl[k])]
        for k in range(model.n_techs)
    ]
    has_van = bool(van_lvl.any()) and use_parts_early
    # inventory position per part x outlet (vans included) and its (s, S):
    # one for one unless the model gives reorder points
    S_pos = model.base_stock.ravel() + van_f_flat
    s_pos = (
        S_pos - 1
        if model.reorder_point is None
        else model.reorder_point.ravel() + van_f_flat
    )
    ip: list[int] = S_pos.tolist()
    s_l: list[int] = s_pos.tolist()
    S_l: list[int] = S_pos.tolist()
    refill_day = [0] * model.n_techs  # vans start full on day 0
    # visits
    v_tech, v_ticket, v_kind = array("q"), array("q"), array("b")
    v_disp, v_trav, v_work, v_dist = array("d"), array("d"), array("d"), array("d")
    # queue of tickets waiting for their first visit: [count, last change, area]
    qs = [0, warm, 0.0]
    patience = float(model.cancel_after_min)
    can_cancel = math.isfinite(patience)
    presp = float(model.partner_response_min)
    use_parts = model.use_parts
    diag = float(model.diagnosis_share)
    fprob = float(model.followup_prob)
    fmin = float(model.followup_min)
    always_on = model.always_on

    def q_change(now: float, delta: int) -> None:
        if now > warm:
            last = qs[1] if qs[1] > warm else warm
            qs[2] += qs[0] * (now - last)
        qs[1] = now
        qs[0] += delta

    def enqueue(j: int, o: int, kind: int, now: float) -> None:
        s = skill_of[j]
        if kind == KIND_FOLLOWUP:
            heappush(heaps[o * n_skill + s], (2, now, j, kind))
        else:
            heappush(heaps[o * n_skill + s], (urg[j], created[j], j, kind))
        qlen[o] += 1
        if kind == KIND_FIRST:
            q_change(now, 1)
        wake(o, s, now)

    def wake(o: int, s: int, now: float) -> None:
        """Hand the new head of queue (outlet ``o``, skill ``s``) to an idle technician."""
        lst = idle[o]
        if lst:
            for i, (k, ev) in enumerate(lst):
                if tsk[k][s] and not ev.triggered:
                    del lst[i]
                    hand_over(k, ev, now)
                    break

    def flush(f: int, now: float) -> None:
        """Put the orders of ``f`` that arrived by ``now`` on the shelf.

        Only called without backorders: then no arrival is reserved, and
        receiving lazily at the next look is exact (areas use arrival times).
        """
        q = pipe[f]
        while q and q[0] <= now:
            t = q.popleft()
            if t > warm:
                last = oh_last[f] if oh_last[f] > warm else warm
                oh_area[f] += (on_hand[f] + van_tot[f]) * (t - last)
            oh_last[f] = t
            on_hand[f] += 1

    def fill(f: int, _ev: simpy.Event) -> None:
        """The order reserved for the oldest backorder of ``f`` arrives now."""
        now = env.now
        pipe[f].popleft()
        j, td = boq[f].popleft()
        if td >= warm:
            bo_min[f] += now - td
        pending[j] -= 1
        if pending[j] == 0:
            enqueue(j, f % n_o, KIND_REVISIT, now)

    fillers: dict[int, Callable[[simpy.Event], None]] = {}

    def take_parts(j: int, o: int, now: float, k: int) -> int:
        """Demand one unit of each part of ticket ``j`` at outlet ``o``.

        Every unit demanded lowers the inventory position; at ``s`` or below
        one order lifts it back to ``S`` (one for one when ``s = S - 1``),
        arriving after the part's lead time (orders of a part arrive in order). A unit
        not on the shelf is backordered and reserves the first order not yet
        reserved; only then is an event scheduled, at that order's arrival.
        Technician ``k``'s van is used before the shelf (its units are reordered
        to the outlet too).
        """
        vk = van[k]
        missing = 0
        counted = now >= warm
        for i in range(pptr[j], pptr[j + 1]):
            p = pidx[i]
            f = p * n_o + o
            bq = boq[f]
            q = pipe[f]
            if not bq and q and q[0] <= now:
                flush(f, now)
            if counted:
                dem[f] += 1
            ip[f] -= 1
            if ip[f] <= s_l[f]:
                # one order lifts the position back to S (one unit when s = S-1)
                q.extend(repeat(now + lead[p], S_l[f] - ip[f]))
                ip[f] = S_l[f]
                if counted:
                    orders[f] += 1
            if vk[p] > 0:
                if now > warm:
                    last = oh_last[f] if oh_last[f] > warm else warm
                    oh_area[f] += (on_hand[f] + van_tot[f]) * (now - last)
                oh_last[f] = now
                vk[p] -= 1
                van_tot[f] -= 1
                if counted:
                    filled[f] += 1
            elif on_hand[f] > 0:
                if now > warm:
                    last = oh_last[f] if oh_last[f] > warm else warm
                    oh_area[f] += (on_hand[f] + van_tot[f]) * (now - last)
                oh_last[f] = now
                on_hand[f] -= 1
                if counted:
                    filled[f] += 1
            else:
                bq.append((j, now))
                missing += 1
                if counted:
                    bo_units[f] += 1
                cb = fillers.get(f)
                if cb is None:
                    cb = fillers[f] = partial(fill, f)
                timeout(q[len(bq) - 1] - now).callbacks.append(cb)
        return missing

    # Timers shared by the technicians of an outlet with the same shift: one
    # SimPy event per outlet, shift and day instead of one per technician.
    s1_of = model.tech_shift_end.tolist()
    starts: dict[tuple[int, float], tuple[float, simpy.Event]] = {}
    alarms: dict[tuple[int, float], float] = {}

    def shift_start(o: int, s0: float, t_abs: float, now: float) -> simpy.Event:
        got = starts.get((o, s0))
        if got is not None and got[0] == t_abs:
            return got[1]
        ev = timeout(t_abs - now)
        starts[(o, s0)] = (t_abs, ev)
        return ev

    def shift_end(o: int, s1: float, _t: simpy.Event) -> None:
        """Wake the idle technicians of ``o`` whose shift ends now."""
        for k, ev in idle[o]:
            if s1_of[k] == s1 and not ev.triggered:
                ev.succeed()

    def set_alarm(o: int, s1: float, t_abs: float, now: float) -> None:
        if alarms.get((o, s1)) != t_abs:
            alarms[(o, s1)] = t_abs
            timeout(t_abs - now).callbacks.append(partial(shift_end, o, s1))

    # per-technician state, shared by its process and by arrivals that hand a
    # ticket straight to it when it is idle
    n_t = model.n_techs
    t_out = model.tech_outlet.tolist()
    s0_ = model.tech_shift_start.tolist()
    s1_ = model.tech_shift_end.tolist()
    b0_ = model.tech_break_start.tolist()
    b1_ = model.tech_break_end.tolist()
    bm_ = model.tech_break_min.tolist()
    ot_ = model.tech_max_overtime_min.tolist()
    mine_ = [
        [heaps[t_out[k] * n_skill + s] for s in range(n_skill) if tsk[k][s]]
        for k in range(n_t)
    ]
    loc_ = [0] * n_t
    brk_day_ = [-1] * n_t
    work_day_ = [-1] * n_t
    post_: list[tuple[int, int, int] | None] = [None] * n_t
    # routing: the planned route of each technician for the current day
    route_: list[deque[tuple[float, float, int, int]]] = [deque() for _ in range(n_t)]
    n_planned = [0, 0]  # visits made from a plan, plans solved

    def cancel_now(e: tuple[float, float, int, int], o: int, now: float) -> None:
        canc[e[2]] = e[1] + patience
        qexit[e[2]] = now
        qlen[o] -= 1
        q_change(now, -1)

    def give_back(k: int, now: float) -> None:
        """Return the unvisited rest of ``k``'s route to the outlet's queues."""
        route = route_[k]
        o = t_out[k]
        while route:
            e = route.popleft()
            s = skill_of[e[2]]
            heappush(heaps[o * n_skill + s], e)
            wake(o, s, now)

    def refill(k: int, o: int, now: float) -> None:
        """Top technician ``k``'s van up from the outlet's shelf (day start).

        Shelf units become van units: the total on hand, hence the holding
        area, is unchanged.
        """
        vk = van[k]
        for p, lvl in refill_parts[k]:
            short = lvl - vk[p]
            if short <= 0:
                continue
            f = p * n_o + o
            q = pipe[f]
            if not boq[f] and q and q[0] <= now:
                flush(f, now)
            got = min(short, on_hand[f])
            if got > 0:
                on_hand[f] -= got
                vk[p] += got
                van_tot[f] += got

    def next_job(k: int, now: float, d: int, ds: float) -> float:
        """Give technician ``k`` (on shift) its next job, if any.

        Returns the minutes until it is free again (break + travel + work),
        ``IDLE`` when none of its queues has a ticket, or ``DAY_OVER`` when the
        best ticket would end after the shift plus the overtime allowance.
        """
        o = t_out[k]
        if has_van and refill_day[k] != d:
            refill(k, o, now)
            refill_day[k] = d
        best = None
        bh: list[tuple[float, float, int, int]] = []
        for h in mine_[k]:
            if can_cancel:
                while h and h[0][3] == KIND_FIRST and now - h[0][1] > patience:
                    cancel_now(heappop(h), o, now)
            if h and (best is None or h[0] < best):
                best = h[0]
                bh = h
        planned = False
        if routing:
            route = route_[k]
            if can_cancel:
                while (
                    route
                    and route[0][3] == KIND_FIRST
                    and (now - route[0][1] > patience)
                ):
                    cancel_now(route.popleft(), o, now)
            # an urgent ticket queued now goes before the planned route
            if route and (best is None or best[0] != 0):
                best = route[0]
                planned = True
        if best is None:
            return IDLE
        j = best[2]
        kind = best[3]
        pl = ploc[j]
        loc = loc_[k]
        off, sz = loff[o], lsz[o]
        tr = ldur[off + loc * sz + pl]
        brk = 0.0
        if not always_on:
            # the break, when due, is taken before leaving for the next job
            if bm_[k] > 0 and brk_day_[k] != d and b0_[k] <= now - ds < b1_[k]:
                brk = bm_[k]
            if work_day_[k] == d:
                expect = fmin if kind == KIND_FOLLOWUP else mean_rep[j]
                if now + brk + tr + expect > ds + s1_[k] + ot_[k]:
                    if routing:
                        give_back(k, now)
                    return DAY_OVER
            if brk:
                brk_day_[k] = d
        if planned:
            route_[k].popleft()
            n_planned[0] += 1
        else:
            heappop(bh)
        qlen[o] -= 1
        leave = now + brk
        start = leave + tr
        m = 0
        if kind == KIND_FOLLOWUP:
            work = fmin
        else:
            work = rep[j]
            if kind == KIND_FIRST:
                q_change(now, -1)
                qexit[j] = now
                fv[j] = start
                if use_parts and pptr[j + 1] > pptr[j]:
                    m = take_parts(j, o, now, k)
            if m:
                work *= diag
                pending[j] = m
                miss_mv[j] = m
            else:
                res[j] = start + work
        nv[j] += 1
        v_tech.append(k)
        v_ticket.append(j)
        v_kind.append(kind)
        v_disp.append(leave)
        v_trav.append(tr)
        v_work.append(work)
        v_dist.append(ldist[off + loc * sz + pl])
        loc_[k] = pl
        work_day_[k] = d
        post_[k] = (j, kind, m)
        return brk + tr + work

    def after_visit(k: int) -> None:
        """At the end of a visit: queue the follow-up, if one is drawn."""
        post = post_[k]
        post_[k] = None
        if post is not None:
            j, kind, m = post
            if kind != KIND_FOLLOWUP and not m and fup[j] < fprob:
                enqueue(j, t_out[k], KIND_FOLLOWUP, env.now)

    def hand_over(k: int, ev: simpy.Event, now: float) -> None:
        """Wake idle technician ``k``: start its next job right away if it has one.

        The job's end is then the event ``k`` waits on, scheduled ahead
        (SimPy's ``Event.succeed`` with a delay), which saves one event per
        wake-up; otherwise the event fires now and ``k`` looks again itself.
        """
        d = 0
        ds = 0.0
        if not always_on:
            d = int(now // DAY_MIN)
            ds = d * DAY_MIN
            if now - ds >= s1_[k]:
                ev.succeed()
                return
        dur = next_job(k, now, d, ds)
        if dur < 0:
            ev.succeed()
            return
        ev._ok = True  # what succeed() sets, but scheduled after `dur`
        ev._value = None
        env.schedule(ev, delay=dur)

    # days from weekday w to the technician's next workday (0 if w is one)
    wd0 = model.start_weekday
    workdays = np.asarray(model.tech_workdays, dtype=bool).tolist()
    gap_ = [
        [next(i for i in range(7) if workdays[k][(w + i) % 7]) for w in range(7)]
        for k in range(n_t)
    ]

    def technician(k: int) -> Generator[simpy.Event, Any, None]:
        o = t_out[k]
        s0 = s0_[k]
        s1 = s1_[k]
        gap = gap_[k]
        ds = 0.0
        d = 0
        while True:
            now = env.now
            if not always_on:
                d = int(now // DAY_MIN)
                ds = d * DAY_MIN
                tod = now - ds
                g = gap[(wd0 + d) % 7]
                if tod < s0 or g:  # before today's shift, or a day off
                    loc_[k] = 0
                    yield shift_start(o, s0, ds + g * DAY_MIN + s0, now)
                    continue
                if tod >= s1:
                    loc_[k] = 0
                    g = 1 + gap[(wd0 + d + 1) % 7]
                    yield shift_start(o, s0, ds + g * DAY_MIN + s0, now)
                    continue
            dur = next_job(k, now, d, ds)
            if dur >= 0:
                yield timeout(dur)
                after_visit(k)
                continue
            if dur == DAY_OVER:
                loc_[k] = 0  # the day is over for this technician
                g = 1 + gap[(wd0 + d + 1) % 7]
                yield shift_start(o, s0, ds + g * DAY_MIN + s0, now)
                continue
            ev = env.event()
            entry = (k, ev)
            idle[o].append(entry)
            if not always_on:
                set_alarm(o, s1, ds + s1, now)
            yield ev
            lst = idle[o]
            for i, e2 in enumerate(lst):
                if e2 is entry:
                    del lst[i]
                    break
            after_visit(k)  # a job handed over while idle has just ended

    if routing:
        from planner.routing import DispatchProblem, solve_dispatch

        techs_of: list[list[int]] = [[] for _ in range(n_o)]
        for k in range(n_t):
            techs_of[t_out[k]].append(k)
        ldur_a = np.asarray(model.local_dur_min, dtype=np.float64)
        ldist_a = np.asarray(model.local_dist_m, dtype=np.float64)
        tsk_a = np.asarray(model.tech_skills, dtype=bool)

        def plan_day(d: int) -> None:
            """Plan day ``d`` (now: its midnight) for every outlet."""
            now = env.now
            for k in range(n_t):
                if route_[k]:
                    give_back(k, now)
            wd = (wd0 + d) % 7
            for o in range(n_o):
                ks = [k for k in techs_of[o] if workdays[k][wd]]
                if not ks:
                    continue
                can: Any = tsk_a[ks].any(axis=0)
                entries = [
                    e
                    for s in range(n_skill)
                    if can[s]
                    for e in heaps[o * n_skill + s]
                    if not (can_cancel and e[3] == KIND_FIRST and now - e[1] > patience)
                ]
                if not entries:
                    continue
                entries.sort()
                # no more than the crew can do: the solver's repair of
                # unassigned jobs is slow, and they stay queued anyway
                cap_min = routing_fill * sum(
                    s1_[k] - s0_[k] - bm_[k] + ot_[k] for k in ks
                )
                off, sz = loff[o], lsz[o]
                load = 0.0
                n_take = 0
                for e in entries[:routing_cap]:
                    j = e[2]
                    load += (fmin if e[3] == KIND_FOLLOWUP else mean_rep[j]) + ldur[
                        off + ploc[j]
                    ]
                    if load > cap_min and n_take:
                        break
                    n_take += 1
                entries = entries[:n_take]
                if len(entries) < routing_min_batch:
                    # too few to plan: the greedy rule takes them at shift start
                    continue
                js = [e[2] for e in entries]
                kinds = [e[3] for e in entries]
                locs = np.unique(np.array([0, *(ploc[j] for j in js)], np.int64))
                pos = np.searchsorted(locs, [ploc[j] for j in js])
                block = np.ix_(locs, locs)
                dur = ldur_a[off : off + sz * sz].reshape(sz, sz)[block]
                dist = ldist_a[off : off + sz * sz].reshape(sz, sz)[block]
                n_j = len(js)
                jsk = np.zeros((n_j, n_skill), dtype=bool)
                jsk[np.arange(n_j), [skill_of[j] for j in js]] = True
                prob = DispatchProblem(
                    duration_min=dur,
                    distance_m=dist,
                    job_loc=pos,
                    service_min=np.array(
                        [
                            fmin if kd == KIND_FOLLOWUP else mean_rep[j]
                            for j, kd in zip(js, kinds, strict=True)
                        ]
                    ),
                    tw_ptr=np.arange(n_j + 1),
                    tw_early_min=np.zeros(n_j),
                    tw_late_min=np.full(n_j, DAY_MIN),
                    tech_start_loc=np.zeros(len(ks), np.int64),
                    tech_end_loc=np.zeros(len(ks), np.int64),
                    shift_start_min=np.array([s0_[k] for k in ks]),
                    shift_end_min=np.array([s1_[k] for k in ks]),
                    job_skills=jsk,
                    tech_skills=tsk_a[ks],
                    job_urgency=np.array(
                        [
                            2 if kd == KIND_FOLLOWUP else urg[j]
                            for j, kd in zip(js, kinds, strict=True)
                        ]
                    ),
                    break_min=np.array([bm_[k] for k in ks]),
                    break_early_min=np.array([b0_[k] for k in ks]),
                    break_late_min=np.array([max(b0_[k], b1_[k] - bm_[k]) for k in ks]),
                    max_overtime_min=np.array([ot_[k] for k in ks]),
                    rates=model.costs,
                )
                plan = solve_dispatch(
                    prob,
                    seed=0,
                    max_iterations=min(
                        routing_iterations, max(1, round(routing_iter_per_job * n_j))
                    ),
                    time_limit_s=3600.0,
                )
                n_planned[1] += 1
                taken = set()
                for t, jj in zip(
                    plan.stop_tech.tolist(), plan.stop_job.tolist(), strict=True
                ):
                    route_[ks[t]].append(entries[jj])
                    taken.add(entries[jj][2])
                if taken:
                    for s in range(n_skill):
                        h = heaps[o * n_skill + s]
                        if h:
                            h[:] = [e for e in h if e[2] not in taken]
                            heapify(h)

        def planner() -> Generator[simpy.Event, Any, None]:
            d = 0
            while True:
                t = d * DAY_MIN
                if t > env.now:
                    yield timeout(t - env.now)
                plan_day(d)
                d += 1

        env.process(planner())

    own_list = own.tolist()

    def arrivals() -> Generator[simpy.Event, Any, None]:
        for j in own_list:
            t = created[j]
            now = env.now
            if t > now:
                yield timeout(t - now)
                now = t
            o = pout[j]
            if qlen[o] >= limit[o]:
                part_mv[j] = 1
                fv[j] = now + presp
                res[j] = now + presp + rep[j]
                continue
            enqueue(j, o, KIND_FIRST, now)

    env.process(arrivals())
    for k in range(model.n_techs):
        env.process(technician(k))
    env.run(until=horizon)

    # close the time integrals at the horizon
    q_change(horizon, 0)
    for f in range(n_f):
        if not boq[f]:
            flush(f, horizon)
        if horizon > warm:
            last = oh_last[f] if oh_last[f] > warm else warm
            oh_area[f] += (on_hand[f] + van_tot[f]) * (horizon - last)
        for _j, td in boq[f]:
            if td >= warm:
                bo_min[f] += horizon - td
    # customers who ran out of patience while still queued at the horizon
    queued = np.zeros(n, dtype=bool)
    for h in [*heaps, *route_]:
        for e in h:
            if e[3] == KIND_FIRST and can_cancel and e[1] + patience <= horizon:
                canc[e[2]] = e[1] + patience  # left the queue; qexit stays NaN
            elif e[3] != KIND_FOLLOWUP:
                queued[e[2]] = True
    # status at the horizon
    status = np.zeros(n, dtype=np.int8)
    status[res_a <= horizon] = 1
    status[canc_a <= horizon] = 2
    log = RepLog(
        horizon_min=horizon,
        warmup_min=warm,
        stream=stream,
        outlet=readonly(np.asarray(outlet, dtype=np.int64)),
        partner=readonly(partner_a),
        first_visit_min=readonly(fv_a),
        queue_exit_min=readonly(qexit_a),
        resolved_min=readonly(res_a),
        cancelled_min=readonly(canc_a),
        n_visits=readonly(nv_a),
        missing_parts=readonly(miss_a),
        status=readonly(status),
        v_tech=readonly(np.frombuffer(v_tech, dtype=np.int64)),
        v_ticket=readonly(np.frombuffer(v_ticket, dtype=np.int64)),
        v_dispatch_min=readonly(np.frombuffer(v_disp, dtype=np.float64)),
        v_travel_min=readonly(np.frombuffer(v_trav, dtype=np.float64)),
        v_work_min=readonly(np.frombuffer(v_work, dtype=np.float64)),
        v_dist_m=readonly(np.frombuffer(v_dist, dtype=np.float64)),
        v_kind=readonly(np.frombuffer(v_kind, dtype=np.int8)),
        demand_units=readonly(np.array(dem, dtype=np.int64)),
        filled_units=readonly(np.array(filled, dtype=np.int64)),
        backorder_units=readonly(np.array(bo_units, dtype=np.int64)),
        backorder_min=readonly(np.array(bo_min)),
        orders=readonly(np.array(orders, dtype=np.int64)),
        on_hand_area=readonly(np.array(oh_area)),
        end_on_hand=readonly(np.array(on_hand, dtype=np.int64)),
        end_on_order=readonly(np.array([len(q) for q in pipe], dtype=np.int64)),
        end_backorders=readonly(np.array([len(q) for q in boq], dtype=np.int64)),
        queue_area=float(qs[2]),
        n_events=int(next(env._eid)),
        n_planned_visits=n_planned[0],
        n_plans=n_planned[1],
        end_van=readonly(np.array(van_tot, dtype=np.int64)),
        end_van_tech=readonly(np.array(van, dtype=np.int64).reshape(van_lvl.shape)),
    )
    if check:
        _check_balance(
            log,
            queued=queued,
            waiting_parts=np.asarray(pending, dtype=np.int64) > 0,
            base_stock=model.base_stock.ravel() + van_f_flat,
            van_level=van_lvl,
            reorder_point=s_pos,
        )
    return log


def _view(a: np.ndarray, dtype: Any = None) -> Any:
    """A memoryview on ``a`` (contiguous): fast scalar reads and writes from Python."""
    arr = np.ascontiguousarray(a, dtype=dtype)
    return memoryview(cast(Any, arr))


def _head(s: TicketStream, n: int) -> TicketStream:
    return TicketStream(
        created_min=s.created_min[:n],
        point=s.point[:n],
        category=s.category[:n],
        fault=s.fault[:n],
        urgency=s.urgency[:n],
        remote=s.remote[:n],
        repair_min=s.repair_min[:n],
        part_ptr=s.part_ptr[: n + 1],
        part_idx=s.part_idx[: s.part_ptr[n]],
        parts_known=s.parts_known,
        ticket_id=None if s.ticket_id is None else s.ticket_id[:n],
    )


def _check_balance(
    log: RepLog,
    *,
    queued: np.ndarray,
    waiting_parts: np.ndarray,
    base_stock: np.ndarray,
    van_level: np.ndarray | None = None,
    reorder_point: np.ndarray | None = None,
) -> None:
    """created = resolved + open + cancelled, and every open ticket is somewhere.

    ``queued`` and ``waiting_parts`` are masks over the tickets: in a queue at
    the horizon, and waiting for a backordered part.
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
    in_progress = (log.resolved_min > h) | (
        (log.first_visit_min > h) & (log.n_visits > 0)
    )
    partner_open = log.partner & not_done
    remote_open = np.asarray(log.stream.remote, dtype=bool) & not_done
    where = queued | waiting_parts | in_progress | partner_open | remote_open
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
    if (log.end_on_hand < 0).any():
        raise BalanceError("negative stock on hand")
    pos = log.end_on_hand + log.end_on_order - log.end_backorders
    if log.end_van is not None:
        pos = pos + log.end_van
    if log.end_van_tech is not None and van_level is not None:
        vt = log.end_van_tech
        if (vt < 0).any() or (vt > van_level).any():
            raise BalanceError("van stock outside [0, van level]")
    low = base_stock - 1 if reorder_point is None else reorder_point
    bad = (pos > base_stock) | (pos <= low)
    if bad.any():
        f = int(np.argmax(bad))
        raise BalanceError(
            f"inventory position {int(pos[f])} outside ({int(low[f])}, "
            f"{int(base_stock[f])}] (part x outlet {f})"
        )
