"""A small independent event simulation of a priority multi-server queue.

Shares no code with ``planner.staffing`` (nor with ``planner.sim``): Poisson
arrivals with a rate per hour of the week (periodic), gamma visit times per
class, servers on duty per hour of the week; a free server on duty takes the
first job of the best class (rank 0 first, first come first served within a
class) and never interrupts it; a server going off duty finishes its job
first. Servers are individuals: in each hour servers ``0 .. on_duty - 1`` are
on duty, so those staying take new work while those leaving finish theirs.
Waits are measured in clock minutes: calendar, or only the minutes
inside a 168-hour business mask.
"""

from __future__ import annotations

import heapq
import math
from collections import deque
from dataclasses import dataclass

import numpy as np

WEEK = 168 * 60.0


@dataclass
class SimOut:
    """Per class: the waits (clock minutes) of tickets that arrived after warm-up."""

    waits: list[np.ndarray]
    arrival_hour: list[np.ndarray]


def simulate(
    rate_per_h: np.ndarray,
    mean_min: np.ndarray,
    cv: np.ndarray,
    on_duty: np.ndarray,
    *,
    weeks: float,
    warmup_weeks: float = 1.0,
    seed: int = 0,
    business: list[np.ndarray | None] | None = None,
    on_call: np.ndarray | None = None,
) -> SimOut:
    """Simulate; ``rate_per_h`` is ``(k, 168)``, ``on_duty`` ``(168,)`` ints.

    ``on_call`` (168 ints) are further servers that take class 0 only; a free
    one takes an urgent job before a server of every class does.
    """
    rng = np.random.default_rng(seed)
    k = rate_per_h.shape[0]
    horizon = weeks * WEEK
    warm = warmup_weeks * WEEK
    # arrivals by thinning a homogeneous Poisson process per class
    arrivals: list[tuple[float, int]] = []
    for j in range(k):
        top = float(rate_per_h[j].max())
        if top <= 0:
            continue
        n = rng.poisson(top * horizon / 60.0)
        t = np.sort(rng.uniform(0.0, horizon, n))
        h = (t // 60.0).astype(np.int64) % 168
        keep = rng.uniform(0.0, top, n) < rate_per_h[j, h]
        arrivals += [(float(x), j) for x in t[keep]]
    arrivals.sort()
    shape = np.where(cv > 0, 1.0 / np.maximum(cv, 1e-9) ** 2, np.inf)

    def service(j: int) -> float:
        if not math.isfinite(shape[j]):
            return float(mean_min[j])
        return float(rng.gamma(shape[j], mean_min[j] / shape[j]))

    queues: list[deque[float]] = [deque() for _ in range(k)]
    events: list[
        tuple[float, int, int]
    ] = []  # (time, kind, data): 0 end, 1 tick, 2 arrival
    for i, (t, _j) in enumerate(arrivals):
        events.append((t, 2, i))
    n_hours = math.ceil(horizon / 60.0)
    events += [(h * 60.0, 1, h) for h in range(n_hours)]
    heapq.heapify(events)
    n_srv = int(np.max(on_duty, initial=0))
    call = np.zeros(168, int) if on_call is None else np.asarray(on_call, int)
    n_call = int(call.max(initial=0))
    free = [True] * (n_srv + n_call)  # server i on duty while i < on_duty(h);
    # on-call server n_srv + i while i < on_call(h)
    waits: list[list[float]] = [[] for _ in range(k)]
    arr_h: list[list[int]] = [[] for _ in range(k)]
    starts: list[list[tuple[float, float]]] = [[] for _ in range(k)]

    def duty(t: float) -> int:
        return int(on_duty[int(t // 60.0) % 168])

    def dispatch(t: float) -> None:
        h = int(t // 60.0) % 168
        for i in range(n_srv, n_srv + int(call[h])):
            if free[i] and queues[0]:
                a = queues[0].popleft()
                free[i] = False
                heapq.heappush(events, (t + service(0), 0, i))
                if a >= warm:
                    starts[0].append((a, t))
        for i in range(duty(t)):
            if not free[i]:
                continue
            for j in range(k):
                if queues[j]:
                    a = queues[j].popleft()
                    free[i] = False
                    heapq.heappush(events, (t + service(j), 0, i))
                    if a >= warm:
                        starts[j].append((a, t))
                    break
            else:
                return

    while events:
        t, kind, data = heapq.heappop(events)
        if t > horizon:
            break
        if kind == 0:
            free[data] = True
        elif kind == 2:
            queues[arrivals[data][1]].append(t)
        dispatch(t)
    for j in range(k):
        if not starts[j]:
            waits[j] = []
            continue
        a = np.array([s[0] for s in starts[j]])
        b = np.array([s[1] for s in starts[j]])
        mask = None if business is None else business[j]
        waits[j] = list(_clock(b, mask) - _clock(a, mask))
        arr_h[j] = list((a // 60.0).astype(np.int64) % 168)
    # tickets still queued at the horizon count as waiting beyond any target
    for j in range(k):
        late = [a for a in queues[j] if a >= warm]
        waits[j] += [math.inf] * len(late)
        arr_h[j] += [int(a // 60.0) % 168 for a in late]
    return SimOut(
        waits=[np.asarray(w, dtype=np.float64) for w in waits],
        arrival_hour=[np.asarray(h, dtype=np.int64) for h in arr_h],
    )


def _clock(t: np.ndarray, mask: np.ndarray | None) -> np.ndarray:
    """Clock minutes elapsed at times ``t`` (calendar, or business minutes)."""
    if mask is None:
        return t
    per_h = np.asarray(mask, dtype=float) * 60.0
    cum_week = np.concatenate([[0.0], np.cumsum(per_h)])
    weeks = np.floor(t / WEEK)
    r = t - weeks * WEEK
    h = np.minimum((r // 60.0).astype(np.int64), 167)
    return weeks * cum_week[-1] + cum_week[h] + per_h[h] * (r - h * 60.0) / 60.0


def share_within(
    out: SimOut, j: int, target_min: float, n_batches: int = 10
) -> tuple[float, float]:
    """Share of class ``j`` waits within target and a batch-means standard error."""
    w = out.waits[j]
    ok = (w <= target_min + 1e-9).astype(float)
    p = float(ok.mean())
    batches = np.array_split(ok, n_batches)
    se = float(np.std([b.mean() for b in batches], ddof=1) / math.sqrt(n_batches))
    return p, se
