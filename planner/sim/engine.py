"""One replication on SimPy: tickets through outlets, technicians and stock.

The process, per ticket:

1. Triage: a remote fix is solved by phone (no visit). The ticket goes to the
   outlet of its address, or to a partner when the address is uncovered or
   beyond every outlet's reach, the outlet lacks the skill or its queue
   overflows (the partner visits after its response time and charges its fee).
2. A queue per outlet and skill, ordered by urgency and then creation time.
   Greedy dispatch: a technician who becomes free (or starts the shift) takes
   the first ticket of the queues of its skills; an on-call technician
   (``crew.urgent_only``) takes urgent tickets only. Every job, the first of
   the day included, must be expected to end before shift end + overtime
   allowance (a job that fits no shift is taken at shift start, else it would
   wait forever). Travel from the technician's position (the outlet at the
   start of a day).
3. The first visit: a fault needs an on-site diagnosis with its catalogue
   probability (``faults.diagnosis_prob``); otherwise its parts are known and
   a technician leaving the outlet collects them from the shelf. At the visit
   the parts come from the van (what it lacks and was not collected). A part
   missing ends the visit unresolved (a diagnosis of ``diagnosis_share`` of
   the repair); at its end the part is reserved at the outlet or ordered with
   its lead time (:mod:`planner.sim.stock`), and a second visit is queued once
   every part is there (reserved for it; the technician fetches it at the
   outlet on the way). First-time fix is whether the first visit resolved the
   ticket, read from the visit log.
4. Quality: a resolved repair fails within ``rework_window_days`` with its
   fault's ``rework_prob`` (drawn up front, so common random numbers hold): a
   repeat ticket is created uniformly in the window, served like a new one
   by the same outlet (or partner), and priced as rework. After a repair, a
   follow-up visit with ``followup_prob``.

Causality: a visit starts when the technician arrives (dispatch + break +
travel) and ends ``work`` later; part reservations and orders happen at the
end of the visit that found the part missing, so a second visit never starts
before the first has ended; the van is the technician's own, so checking it
at dispatch equals checking it at arrival. With rush hours
(``Network.speed``) each leg takes the time of the hour it leaves in (FIFO
speed profile), from the free-flow minutes of the outlet's block.

Technicians work their shift on their workdays and take a due lunch break
(``break_min`` inside ``break_window``) before leaving for the next job; idle
time inside the window counts as the break. Simplifications: the drive back to
the outlet at the end of a day is neither simulated nor costed; a partner
visits exactly ``partner_response_min`` after the hand-over; a cancelled
ticket leaves its queue when a technician would next have taken it (or at the
horizon); a repeat ticket does not fail again.

Nightly routing (``dispatch="routing"``): see :mod:`planner.sim.nightly`. A
technician follows its route in the planned order (travel from its actual
position, stochastic repair times); an urgent ticket at the head of its queues
is taken first (same-day insertion); a planned visit that no longer fits the
shift plus overtime ends the day and returns the rest of the route to the
queue; after the route the technician takes queued tickets greedily.

Performance: technicians are long-lived processes; arrivals are one process
stepping through pre-drawn columns; one SimPy timeout per arrival and per
visit, one per backordered part unit and per repeat ticket; shift timers
shared by the technicians of an outlet with the same shift; an arrival hands
its ticket straight to an idle technician (the visit's end is scheduled on the
event the technician waits on). All random numbers are drawn before the run;
per-ticket results go into numpy arrays through memoryviews, visits into
``array`` columns. (The module is over 600 lines for that reason: the
processes and callbacks of :func:`run_replication` share these views and the
per-technician lists as locals of one scope, CPython's fast path; the stock
ledger, nightly routing, up-front draws and the log are their own modules.)
"""

from __future__ import annotations

import math
from array import array
from collections import deque
from collections.abc import Generator
from dataclasses import dataclass
from functools import partial
from heapq import heapify, heappop, heappush
from typing import Any, cast

import numpy as np
import simpy

from planner.core.errors import InputError
from planner.core.rng import Seed
from planner.sim.arrivals import TicketStream, as_seed_sequence, complete_tickets
from planner.sim.model import DAY_MIN, SimModel, deadlines
from planner.sim.nightly import NightlyRouting, plan_outlet, select_batch
from planner.sim.replog import (
    BalanceError,
    RepLog,
    TicketDraws,
    check_balance,
    draw_tickets,
)
from planner.sim.stock import StockLedger

__all__ = ["BalanceError", "NightlyRouting", "RepLog", "run_replication"]

KIND_FIRST, KIND_REVISIT, KIND_FOLLOWUP = 0, 1, 2
IDLE, DAY_OVER = -1.0, -2.0


def _route(model: SimModel, s: TicketDraws) -> tuple[np.ndarray, np.ndarray]:
    """Outlet and partner flag per ticket slot, before the run."""
    net = model.network
    skill = model.faults.skill[s.fault]
    outlet = net.point_outlet[s.point]
    has = np.zeros((model.n_outlets, len(model.skill_names)), dtype=bool)
    np.logical_or.at(has, model.crew.outlet, model.crew.skills)
    oc = np.maximum(outlet, 0)
    partner = (outlet < 0) | net.partner[oc] | ~has[oc, skill]
    partner &= ~s.remote
    return np.asarray(outlet, dtype=np.int64), partner


def _view(a: np.ndarray, dtype: Any = None) -> Any:
    """A memoryview on ``a`` (contiguous): fast scalar reads and writes from Python."""
    arr = np.ascontiguousarray(a, dtype=dtype)
    return memoryview(cast(Any, arr))


@dataclass(slots=True)
class _Visits:
    """Visit columns, appended during the run."""

    tech: array[int]
    ticket: array[int]
    kind: array[int]
    resolved: array[int]
    dispatch: array[float]
    travel: array[float]
    work: array[float]
    dist: array[float]

    @classmethod
    def empty(cls) -> _Visits:
        return cls(
            array("q"),
            array("q"),
            array("b"),
            array("b"),
            array("d"),
            array("d"),
            array("d"),
            array("d"),
        )


def run_replication(
    model: SimModel,
    stream: TicketStream,
    *,
    horizon_min: float,
    warmup_min: float = 0.0,
    seed: Seed = 0,
    check: bool = True,
    dispatch: str = "greedy",
    routing: NightlyRouting | None = None,
) -> RepLog:
    """Run one replication of ``stream`` through ``model`` until ``horizon_min``.

    ``seed`` (an int, SeedSequence or Generator) spawns the replication's
    streams (see :data:`planner.sim.arrivals.STREAMS`); only those the stream
    leaves open (replayed tables), the diagnosis, quality, repeat and
    follow-up draws are used here. With ``check`` the ticket balance and the
    stock positions are verified (:class:`BalanceError` if violated).
    ``dispatch="routing"`` plans each night with ``routing``
    (:class:`~planner.sim.nightly.NightlyRouting`, default parameters when
    None); it needs shifts (not ``always_on``).
    """
    if dispatch not in ("greedy", "routing"):
        raise InputError(
            field="dispatch", expected="'greedy' or 'routing'", got=dispatch
        )
    sv = model.service
    use_routing = dispatch == "routing"
    if use_routing and sv.always_on:
        raise InputError(
            field="dispatch",
            expected="'greedy' for an always-on (queue mode) model",
            got=dispatch,
        )
    params = routing if routing is not None else NightlyRouting()
    ss = as_seed_sequence(seed)
    stream = complete_tickets(model, stream, ss)
    horizon = float(horizon_min)
    warm = float(warmup_min)
    tk = draw_tickets(model, stream, ss, horizon)
    n_all = tk.n_slots
    n_o = model.n_outlets
    n_skill = len(model.skill_names)
    crew, net = model.crew, model.network

    outlet_a, partner = _route(model, tk)
    created_a = tk.created_min.copy()
    repair_a = tk.repair_min
    fv_a = np.full(n_all, np.nan)
    qexit_a = np.full(n_all, np.nan)
    res_a = np.full(n_all, np.nan)
    canc_a = np.full(n_all, np.nan)
    nv_a = np.zeros(n_all, dtype=np.int64)
    miss_a = np.zeros(n_all, dtype=np.int64)
    ftech_a = np.full(n_all, -1, dtype=np.int64)
    partner_a = np.zeros(n_all, dtype=bool)
    n = tk.n_tickets
    remote = tk.remote
    res_a[:n][remote[:n]] = created_a[:n][remote[:n]] + sv.remote_fix_min

    fv, qexit, res, canc = (_view(a) for a in (fv_a, qexit_a, res_a, canc_a))
    nv, miss_mv, ftech = _view(nv_a), _view(miss_a), _view(ftech_a)
    part_mv = _view(partner_a.view(np.uint8))
    created = _view(created_a)
    rep = _view(repair_a)
    mean_rep = _view(model.faults.repair_min[tk.fault])
    skill_of = _view(model.faults.skill[tk.fault], np.int64)
    urg = _view(tk.urgency, np.int64)
    pout = _view(outlet_a, np.int64)
    ploc = _view(net.point_local[tk.point], np.int64)
    pptr = _view(tk.part_ptr, np.int64)
    pidx = _view(tk.part_idx, np.int64)
    diag = _view(tk.needs_diagnosis.view(np.uint8))
    fup = _view(tk.followup_u)
    slot_of = _view(tk.repeat_slot, np.int64)
    parent_of = _view(tk.parent, np.int64)
    delay_of = _view(tk.repeat_delay_min)
    ldur = _view(net.local_dur_min)
    # rush hours: each leg is timed from the hour it leaves (FIFO profile)
    arrive = net.speed.arrive if net.speed is not None else None
    ff = net.free_flow_factor
    ldist = _view(net.local_dist_m)
    loff = net.local_offset.tolist()
    lsz = net.local_size.tolist()

    env = simpy.Environment()
    timeout = env.timeout
    heaps: list[list[tuple[float, float, int, int]]] = [
        [] for _ in range(n_o * n_skill)
    ]
    techs_at = np.bincount(crew.outlet, minlength=n_o)
    limit = (sv.overflow_queue_per_tech * np.maximum(techs_at, 1)).tolist()
    qlen = [0] * n_o
    idle: list[list[tuple[int, simpy.Event]]] = [[] for _ in range(n_o)]
    tsk = crew.skills.tolist()
    uo_ = crew.urgent_only.tolist()
    pending = [0] * n_all  # parts still missing per ticket
    use_parts = bool(sv.use_parts)
    visits = _Visits.empty()
    qs = [0, warm, 0.0]  # first-visit queue: [count, last change, area]
    patience = float(sv.cancel_after_min)
    can_cancel = math.isfinite(patience)
    presp = float(sv.partner_response_min)
    diag_share = float(sv.diagnosis_share)
    fprob = float(sv.followup_prob)
    fmin = float(sv.followup_min)
    always_on = sv.always_on

    def q_change(now: float, delta: int) -> None:
        if now > warm:
            last = qs[1] if qs[1] > warm else warm
            qs[2] += qs[0] * (now - last)
        qs[1] = now
        qs[0] += delta

    def wake(o: int, s: int, u: int, now: float) -> None:
        """Hand the new head of queue (outlet ``o``, skill ``s``) to an idle technician."""
        lst = idle[o]
        if lst:
            for i, (k, ev) in enumerate(lst):
                if tsk[k][s] and (u == 0 or not uo_[k]) and not ev.triggered:
                    del lst[i]
                    hand_over(k, ev, now)
                    break

    def enqueue(j: int, o: int, kind: int, now: float) -> None:
        s = skill_of[j]
        u = 2 if kind == KIND_FOLLOWUP else urg[j]
        heappush(
            heaps[o * n_skill + s],
            (2, now, j, kind) if kind == KIND_FOLLOWUP else (u, created[j], j, kind),
        )
        qlen[o] += 1
        if kind == KIND_FIRST:
            q_change(now, 1)
        wake(o, s, u, now)

    def on_fill(j: int, now: float) -> None:
        pending[j] -= 1
        if pending[j] == 0:
            enqueue(j, pout[j], KIND_REVISIT, now)

    ledger = StockLedger(model, env, warm, on_fill)
    has_van = bool(np.asarray(crew.van_stock).any()) and use_parts

    def create_repeat(r: int, _ev: simpy.Event | None = None) -> None:
        """Repeat ticket ``r`` (a failed repair) is created now."""
        now = env.now
        created[r] = now
        o = pout[r]
        if part_mv[parent_of[r]] or o < 0 or partner[r] or qlen[o] >= limit[o]:
            to_partner(r, now)
        else:
            enqueue(r, o, KIND_FIRST, now)

    def schedule_repeat(j: int, t_res: float) -> None:
        """Create the repeat ticket of ``j``'s failed repair (if drawn) in time."""
        r = slot_of[j]
        if r >= 0 and t_res + delay_of[j] < horizon:
            t = t_res + delay_of[j] - env.now
            timeout(t).callbacks.append(partial(create_repeat, r))

    def to_partner(j: int, now: float) -> None:
        part_mv[j] = 1
        fv[j] = now + presp
        res[j] = now + presp + rep[j]
        schedule_repeat(j, res[j])

    # shift timers shared by the technicians of an outlet with the same shift
    s1_of = crew.shift_end.tolist()
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

    n_t = model.n_techs
    t_out = crew.outlet.tolist()
    s0_ = crew.shift_start.tolist()
    s1_ = crew.shift_end.tolist()
    b0_ = crew.break_start.tolist()
    b1_ = crew.break_end.tolist()
    bm_ = crew.break_min.tolist()
    ot_ = crew.max_overtime_min.tolist()
    mine_ = [
        [heaps[t_out[k] * n_skill + s] for s in range(n_skill) if tsk[k][s]]
        for k in range(n_t)
    ]
    loc_ = [0] * n_t
    brk_day_ = [-1] * n_t
    work_day_ = [-1] * n_t
    refill_day = [0] * n_t  # vans start full on day 0
    post_: list[tuple[int, int, list[int] | None, bool] | None] = [None] * n_t
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
            wake(o, s, int(e[0]), now)

    def next_job(k: int, now: float, d: int, ds: float) -> float:
        """Give technician ``k`` (on shift) its next job, if any.

        Returns the minutes until it is free again (break + travel + work),
        ``IDLE`` when none of its queues has a ticket for it, or ``DAY_OVER``
        when the best ticket would end after the shift plus the overtime
        allowance.
        """
        o = t_out[k]
        if has_van and refill_day[k] != d:
            ledger.refill(k, o, now)
            refill_day[k] = d
        only_urgent = uo_[k]
        best = None
        bh: list[tuple[float, float, int, int]] = []
        for h in mine_[k]:
            if can_cancel:
                while h and h[0][3] == KIND_FIRST and now - h[0][1] > patience:
                    cancel_now(heappop(h), o, now)
            if h and (best is None or h[0] < best) and not (only_urgent and h[0][0]):
                best = h[0]
                bh = h
        planned = False
        if use_routing:
            route = route_[k]
            if can_cancel:
                while (
                    route and route[0][3] == KIND_FIRST and now - route[0][1] > patience
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
        revisit = kind == KIND_REVISIT and loc
        if revisit:
            # fetch the reserved part at the outlet on the way
            tr = ldur[off + loc * sz] + ldur[off + pl]
            dist = ldist[off + loc * sz] + ldist[off + pl]
        else:
            tr = ldur[off + loc * sz + pl]
            dist = ldist[off + loc * sz + pl]
        brk = 0.0
        # the break, when due, is taken before leaving for the next job
        if (
            not always_on
            and bm_[k] > 0
            and brk_day_[k] != d
            and b0_[k] <= now - ds < b1_[k]
        ):
            brk = bm_[k]
        if arrive is not None:
            t0 = now + brk
            if revisit:
                mid = arrive(ldur[off + loc * sz] * ff, t0)
                tr = arrive(ldur[off + pl] * ff, mid) - t0
            else:
                tr = arrive(tr * ff, t0) - t0
        if not always_on:
            expect = fmin if kind == KIND_FOLLOWUP else mean_rep[j]
            if now + brk + tr + expect > ds + s1_[k] + ot_[k] and (
                work_day_[k] == d or now - ds > s0_[k] + 1e-6
            ):
                if use_routing:
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
        missing: list[int] | None = None
        resolved = False
        if kind == KIND_FOLLOWUP:
            work = fmin
        else:
            work = rep[j]
            if kind == KIND_FIRST:
                q_change(now, -1)
                qexit[j] = now
                fv[j] = start
                ftech[j] = k
                if use_parts and pptr[j + 1] > pptr[j]:
                    need = pidx[pptr[j] : pptr[j + 1]].tolist()
                    missing = ledger.use_van(k, o, now, need) if has_van else need
                    if missing and loc == 0 and not diag[j]:
                        missing = ledger.use_shelf(o, now, missing)
            if missing:
                work *= diag_share
                miss_mv[j] = len(missing)
            else:
                missing = None
                res[j] = start + work
                resolved = True
        nv[j] += 1
        visits.tech.append(k)
        visits.ticket.append(j)
        visits.kind.append(kind)
        visits.resolved.append(resolved)
        visits.dispatch.append(leave)
        visits.travel.append(tr)
        visits.work.append(work)
        visits.dist.append(dist)
        loc_[k] = pl
        work_day_[k] = d
        post_[k] = (j, kind, missing, resolved)
        return brk + tr + work

    def after_visit(k: int) -> None:
        """At the end of a visit: reserve or order missing parts, queue what follows."""
        post = post_[k]
        post_[k] = None
        if post is None:
            return
        j, _kind, missing, resolved = post
        now = env.now
        o = t_out[k]
        if missing:
            w = ledger.reserve(j, o, now, missing)
            pending[j] = w
            if w == 0:
                enqueue(j, o, KIND_REVISIT, now)
        elif resolved:
            if fup[j] < fprob:
                enqueue(j, o, KIND_FOLLOWUP, now)
            schedule_repeat(j, now)

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
    workdays = np.asarray(crew.workdays, dtype=bool).tolist()
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

    if use_routing:
        techs_of: list[list[int]] = [[] for _ in range(n_o)]
        for k in range(n_t):
            if not uo_[k]:
                techs_of[t_out[k]].append(k)
        tsk_a = np.asarray(crew.skills, dtype=bool)

        def horizon_of(
            batch: list[Any], ks: list[int], wd: int, now: float
        ) -> tuple[np.ndarray, np.ndarray]:
            """First visits' SLA deadlines after tonight's midnight (others
            none) and who is off on each day of the horizon."""
            first = np.array([e[3] == KIND_FIRST for e in batch])
            created = np.array([e[1] for e in batch], dtype=np.float64)
            u = np.array([urg[e[2]] for e in batch], dtype=np.int64)
            dl = np.where(first, deadlines(model, created, u) - now, np.inf)
            h = params.horizon_days
            off = np.array(
                [[not workdays[k][(wd + i) % 7] for i in range(h)] for k in ks]
            )
            return dl, off

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
                head = entries[: params.cap]
                expect = [
                    fmin if e[3] == KIND_FOLLOWUP else mean_rep[e[2]] for e in head
                ]
                off = loff[o]
                batch = select_batch(
                    head,
                    params,
                    cap_min=sum(s1_[k] - s0_[k] - bm_[k] + ot_[k] for k in ks),
                    expect=expect,
                    drive=[ldur[off + ploc[e[2]]] for e in head],
                )
                if len(batch) < params.min_batch:
                    continue  # too few to plan: the greedy rule takes them
                dl, absent = None, None
                if params.horizon_days > 1:
                    dl, absent = horizon_of(batch, ks, wd, now)
                routes = plan_outlet(
                    model,
                    params,
                    o,
                    ks,
                    batch,
                    loc=[ploc[e[2]] for e in batch],
                    expect=expect[: len(batch)],
                    skill=[skill_of[e[2]] for e in batch],
                    priority=[int(e[0]) for e in batch],
                    deadline=dl,
                    absent=absent,
                )
                n_planned[1] += 1
                taken: set[int] = set()
                for k, r in zip(ks, routes, strict=True):
                    route_[k].extend(r)
                    taken.update(e[2] for e in r)
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

    # tickets that need no event: remote fixes, partners from the start
    for j in np.flatnonzero(partner[:n]).tolist():
        to_partner(j, created[j])
    own_list = np.flatnonzero(~remote[:n] & ~partner[:n]).tolist()

    def arrivals() -> Generator[simpy.Event, Any, None]:
        for j in own_list:
            t = created[j]
            now = env.now
            if t > now:
                yield timeout(t - now)
                now = t
            o = pout[j]
            if qlen[o] >= limit[o]:
                to_partner(j, now)
                continue
            enqueue(j, o, KIND_FIRST, now)

    env.process(arrivals())
    for k in range(n_t):
        env.process(technician(k))
    env.run(until=horizon)

    q_change(horizon, 0)
    stock_end = ledger.close(horizon)
    # where each unfinished ticket is at the horizon
    queued = np.zeros(n_all, dtype=bool)
    for h in [*heaps, *route_]:
        for e in h:
            if e[3] == KIND_FIRST and can_cancel and e[1] + patience <= horizon:
                canc[e[2]] = e[1] + patience  # left the queue; qexit stays NaN
            elif e[3] != KIND_FOLLOWUP:
                queued[e[2]] = True
    in_visit = np.zeros(n_all, dtype=bool)
    for p in post_:
        if p is not None:
            in_visit[p[0]] = True
    log = RepLog.assemble(
        model,
        stream,
        tk,
        horizon=horizon,
        warm=warm,
        created=created_a,
        outlet=outlet_a,
        partner=partner_a,
        first_visit=fv_a,
        queue_exit=qexit_a,
        resolved=res_a,
        cancelled=canc_a,
        n_visits=nv_a,
        missing=miss_a,
        first_tech=ftech_a,
        visits={
            "v_tech": np.frombuffer(visits.tech, dtype=np.int64),
            "v_ticket": np.frombuffer(visits.ticket, dtype=np.int64),
            "v_kind": np.frombuffer(visits.kind, dtype=np.int8),
            "v_resolved": np.frombuffer(visits.resolved, dtype=np.int8).astype(bool),
            "v_dispatch_min": np.frombuffer(visits.dispatch, dtype=np.float64),
            "v_travel_min": np.frombuffer(visits.travel, dtype=np.float64),
            "v_work_min": np.frombuffer(visits.work, dtype=np.float64),
            "v_dist_m": np.frombuffer(visits.dist, dtype=np.float64),
        },
        stock=stock_end,
        queue_area=float(qs[2]),
        n_events=int(next(env._eid)),
        n_planned_visits=n_planned[0],
        n_plans=n_planned[1],
    )
    if check:
        keep = np.isfinite(created_a)
        check_balance(
            log,
            model,
            stock_end,
            queued=queued[keep],
            waiting_parts=(np.asarray(pending, dtype=np.int64) > 0)[keep],
            in_visit=in_visit[keep],
        )
    return log
