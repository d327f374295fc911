"""Predicted service level of a weekly staffing: fluid queue plus stationary noise.

For technicians on duty ``n(h)`` in each hour of the week, a class-``k``
ticket arriving in hour ``h`` waits

1. a *fluid* delay ``w``: in a periodic fluid model of the priority queue in
   jobs (busy servers decay at the visit rate, arrivals queue, free servers
   on duty start queued jobs in rank order, so a visit of hours holds its
   server into the next hours and servers going off duty finish their jobs),
   the time until its class has started everything that arrived before it;
   this is what a night without anyone on duty, or a Monday morning after a
   weekend, costs. It is spread normally with the Poisson count of jobs of
   classes ``<= k`` ahead and their service noise, ``sqrt(Q (1 + cv^2))``,
   over the start rate in the hour before it starts;
2. then a *stationary* random wait: it waits at all with the Erlang C
   probability of the hour it is served in (1 when the time left is at most
   4 hours and jobs are queued at that hour's start, which keeps every server
   busy), and given that, as in the non-preemptive priority M/M/c queue
   (:mod:`planner.staffing.priority`) with the servers and MOL loads averaged
   over the time left to its target (one hour to a week; Erlang C extended to
   real server counts).

So ``P(wait <= tau) ~ Phi((tau - w) / sd) P_stat(W_k <= tau - w)``, weighted
over arrival hours; ``tau`` is the class's wall-clock target for that arrival
hour (business clocks stop outside business hours). Exact for a stationary
M/M/c; an approximation for time-varying demand, checked by simulation in
the tests.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special

from planner.staffing.erlang import erlang_c_real
from planner.staffing.priority import priority_prob_wait_le
from planner.staffing.problem import StaffingProblem
from planner.staffing.shifts import HOURS_PER_WEEK
from planner.staffing.timevarying import mol_load, wall_target_min

__all__ = ["Precomputed", "Prediction", "precompute", "predict_service"]

H = HOURS_PER_WEEK
_WINDOW_H = 168  # servers and loads are averaged over the time left, up to this
_BUSY_H = 4  # within this, a fluid backlog at service keeps every server busy


@dataclass(frozen=True, slots=True, eq=False)
class Precomputed:
    """Per outlet, class and hour: MOL loads, wall targets and fluid work."""

    mol: np.ndarray  # (n, k, 168) Erlangs
    lam_eff: np.ndarray  # (n, k, 168) per hour, mol / mean
    wall: np.ndarray  # (n, k, 168) wall minutes to wait at most
    work: np.ndarray  # (n, k, 168) technician hours arriving per hour


def precompute(problem: StaffingProblem) -> Precomputed:
    """Loads and targets that do not depend on the staffing."""
    lam = problem.arrival_per_h
    mean = problem.visit_mean_min
    mol = mol_load(lam, mean, problem.visit_cv)
    lam_eff = mol / (mean[..., None] / 60.0)
    wall = np.empty(lam.shape)
    for j, c in enumerate(problem.classes):
        wait = c.target_min - problem.response_offset_min[:, j]
        wall[:, j] = wall_target_min(wait, c.clock, problem.business_hours)
    work = lam * mean[..., None] / 60.0
    return Precomputed(mol=mol, lam_eff=lam_eff, wall=wall, work=work)


@dataclass(frozen=True, slots=True, eq=False)
class Prediction:
    """Predicted service per outlet and class (and per arrival hour)."""

    sla: np.ndarray  # (n, k) share of tickets within target
    by_hour: np.ndarray  # (n, k, 168)
    fluid_wait_min: np.ndarray  # (n, k, 168)
    stable: np.ndarray  # (n, k) fluid capacity above the work of classes <= k
    utilization: np.ndarray  # (n,) work / on-duty hours
    busy_at_hour: np.ndarray  # (n, 168) expected share of technicians busy


_SUB = 4  # fluid steps per hour (even: mid-hour is a step boundary)
_WEEKS = 3  # one week to warm up, two recorded (the second for waits that run on)


@dataclass(frozen=True, slots=True, eq=False)
class _Fluid:
    arrived: np.ndarray  # (n, k, T) cumulative arrivals at step boundaries
    started: np.ndarray  # (n, k, T) cumulative starts
    queued_mid: np.ndarray  # (n, k, 168) jobs queued at mid-hour (first week)
    queued_start: np.ndarray  # (n, 168) all jobs queued at the hour's start


def _fluid(
    lam: np.ndarray, mean_h: np.ndarray, nd: np.ndarray, nu: np.ndarray
) -> _Fluid:
    """Periodic fluid of the priority queue in jobs, with busy servers.

    Per step ``dt``: busy servers of class ``j`` decay by ``exp(-dt / E[S_j])``
    (fluid completions), arrivals join the queues, and the free servers on
    duty ``max(n(h) - busy, 0)`` start queued jobs in rank order. A job lasts
    its visit time, so a long visit holds its server into the next hours, as
    in the MOL load. When fewer are on duty, the leavers are a random share
    of those on duty: they finish their jobs off the books, and only the busy
    share of those staying holds capacity. ``nu`` of the ``nd`` on duty are on
    call: they start urgent (first-class) jobs only, before the others do.
    """
    n, k, _ = lam.shape
    m = _SUB
    dt = 1.0 / m
    decay = np.exp(-dt / mean_h)
    busy = np.zeros((n, k))
    busy_u = np.zeros(n)  # on-call servers busy (with urgent jobs)
    nr = nd - nu
    queue = np.zeros((n, k))
    arr_c = np.zeros((n, k))
    st_c = np.zeros((n, k))
    t_rec = 2 * H * m + 1
    arrived = np.zeros((n, k, t_rec))
    started = np.zeros((n, k, t_rec))
    q_mid = np.zeros((n, k, H))
    q_start = np.zeros((n, H))
    rec0 = (_WEEKS - 2) * H * m
    for step in range(_WEEKS * H * m):
        r = step - rec0
        h = (step // m) % H
        if r >= 0:
            arrived[..., r] = arr_c
            started[..., r] = st_c
            if r < H * m:
                if r % m == 0:
                    q_start[:, h] = queue.sum(1)
                elif r % m == m // 2:
                    q_mid[..., h] = queue
        if step % m == 0:  # the leavers are a random share of those on duty
            for pool, b in ((nr, busy), (nu, busy_u)):
                prev = pool[:, (h - 1) % H]
                keep = np.where(
                    prev > pool[:, h], pool[:, h] / np.maximum(prev, 1e-300), 1
                )
                b *= keep[:, None] if b.ndim == 2 else keep
        a = lam[:, :, h] * dt
        busy *= decay
        busy_u *= decay[:, 0]
        queue += a
        arr_c += a
        st_u = np.minimum(queue[:, 0], np.maximum(nu[:, h] - busy_u, 0.0))
        queue[:, 0] -= st_u
        busy_u += st_u
        st_c[:, 0] += st_u
        free = np.maximum(nr[:, h] - busy.sum(1), 0.0)[:, None]
        ahead = np.cumsum(queue, 1) - queue  # queued in better classes
        st = np.clip(free - ahead, 0.0, queue)
        queue -= st
        busy += st
        st_c += st
    arrived[..., -1] = arr_c
    started[..., -1] = st_c
    return _Fluid(arrived, started, q_mid, q_start)


def _first_at_least(cum: np.ndarray, t0: int, goal: np.ndarray) -> np.ndarray:
    """Steps after ``t0 + i * _SUB`` until the monotone ``cum`` reaches ``goal``.

    ``cum`` is ``(rows, T)``; ``goal`` is ``(rows, 168)``, one per hour ``i``
    of the first recorded week. Interpolated inside a step; inf if never.
    """
    rows, nt = cum.shape
    cum = np.maximum.accumulate(cum, axis=1)
    big = (
        float(np.ptp(cum, axis=1).max(initial=0.0))
        + float(np.abs(goal).max(initial=0.0))
        + 1.0
    )
    off = np.arange(rows)[:, None] * (2.0 * big) - cum[:, :1]
    flat = (cum + off).ravel()
    idx = np.searchsorted(flat, (goal + off).ravel(), side="left").reshape(goal.shape)
    idx -= (np.arange(rows) * nt)[:, None]
    reach = (idx < nt) & (goal <= cum[:, -1:] + 1e-12)
    idx = np.clip(idx, 1, nt - 1)
    lo = np.take_along_axis(cum, idx - 1, 1)
    hi = np.take_along_axis(cum, idx, 1)
    pos = idx - 1 + np.clip((goal - lo) / np.maximum(hi - lo, 1e-300), 0.0, 1.0)
    start = t0 + np.arange(H)[None, :] * _SUB
    return np.where(reach, np.maximum(pos - start, 0.0), np.inf)


def predict_service(
    problem: StaffingProblem,
    n_duty: np.ndarray,
    *,
    pre: Precomputed | None = None,
    outlets: np.ndarray | None = None,
    n_urgent_only: np.ndarray | None = None,
) -> Prediction:
    """Predicted share within target per outlet and class for ``n_duty``.

    Parameters
    ----------
    problem
        The sizing problem.
    n_duty
        ``(n, 168)`` technicians on duty per hour (``n`` outlets, or the
        rows of ``outlets``).
    pre
        :func:`precompute` of ``problem`` (computed when omitted).
    outlets
        Optional outlet indices the rows of ``n_duty`` belong to.
    n_urgent_only
        How many of ``n_duty`` are on call for urgent tickets only (they
        count for the first class; the others see the rest, with the urgent
        load shared in proportion).

    Returns
    -------
    Prediction

    Examples
    --------
    Nobody on duty from 17:00 to 08:00 on weekdays, an urgent target of 4 h
    on the calendar clock: most urgent tickets of the evening miss.

    >>> from planner.staffing.shifts import ServiceClass, Shift
    >>> p = StaffingProblem.from_arrays(
    ...     np.full((1, 1, 168), 0.5), 60.0, classes=[ServiceClass("urgent", 240, 0.9)],
    ...     shifts=[Shift("all", "00:00", "00:00", range(7))])
    >>> day = np.zeros((1, 168)); day[0, [d * 24 + h for d in range(7) for h in range(8, 17)]] = 2
    >>> pr = predict_service(p, day)
    >>> [round(float(pr.by_hour[0, 0, h]), 2) for h in (6, 14, 20)]
    [0.38, 1.0, 0.0]
    >>> round(float(pr.sla[0, 0]), 2)  # an independent simulation gives 0.40
    0.41
    """
    pre = precompute(problem) if pre is None else pre
    sel = slice(None) if outlets is None else np.asarray(outlets)
    lam = problem.arrival_per_h[sel]
    work = pre.work[sel]
    wall = pre.wall[sel]
    lam_eff = pre.lam_eff[sel]
    mean = problem.visit_mean_min[sel]
    cv = problem.visit_cv[sel]
    nd = np.asarray(n_duty, dtype=np.float64)
    n, k, _ = lam.shape
    cum_work = np.cumsum(work, axis=1)  # classes <= k
    week_cap = nd.sum(-1)
    stable = cum_work.sum(-1) < week_cap[:, None] - 1e-9
    nu = (
        np.zeros_like(nd) if n_urgent_only is None else np.asarray(n_urgent_only, float)
    )
    fl = _fluid(lam, mean / 60.0, nd, nu)
    half = _SUB // 2
    # a ticket arriving mid-hour starts when its class has started everything
    # that arrived before it (first come first served within the class)
    goal = fl.arrived[..., half : H * _SUB : _SUB] * (1.0 - 1e-12)  # (n, k, 168)
    steps = _first_at_least(
        fl.started.reshape(n * k, -1), half, goal.reshape(n * k, H)
    ).reshape(n, k, H)
    w_h = np.where(stable[..., None], steps / _SUB, np.inf)
    w_min = w_h * 60.0
    # spread: Poisson count ahead (classes <= k) and its service noise, over the
    # rate at which classes <= k start in the hour before it does
    ahead = np.cumsum(fl.queued_mid, 1)
    s_le = np.cumsum(fl.started, 1)
    i0 = half + np.arange(H) * _SUB
    fin = np.isfinite(w_h)
    i1 = np.clip(
        i0 + np.where(fin, steps, 0.0).round().astype(np.int64), 0, s_le.shape[-1] - 1
    )
    back_steps = np.clip(np.where(fin, steps, 0.0).round(), 0, _SUB).astype(np.int64)
    i_lo = np.maximum(i1 - np.maximum(back_steps, 1), 0)
    # the rate just before it starts (not over a night nobody works)
    rate = (np.take_along_axis(s_le, i1, -1) - np.take_along_axis(s_le, i_lo, -1)) * (
        _SUB / np.maximum(i1 - i_lo, 1)
    )
    cv2 = np.cumsum(lam.sum(-1) * cv**2, 1) / np.maximum(
        np.cumsum(lam.sum(-1), 1), 1e-300
    )
    sig_min = np.where(
        fin & (w_h > 1.0 / _SUB) & (rate > 0),
        np.sqrt(ahead * (1.0 + cv2[..., None])) / np.maximum(rate, 1e-9) * 60.0,
        0.0,
    )
    any_back = fl.queued_start > 1e-6  # some job waits at the hour's start
    # window sums over two weeks, to average servers and loads over the time left
    # the urgent class sees every server; the others those not on call, with the
    # urgent load spread over all servers in proportion
    lam_k = np.moveaxis(lam_eff, 1, -1)  # (n, 168, k)
    pools = [(nd, lam_k)]
    if nu.any():
        share_r = np.where(nd > 0, (nd - nu) / np.maximum(nd, 1e-300), 0.0)
        lam_r = lam_k.copy()
        lam_r[..., 0] *= share_r
        pools.append((nd - nu, lam_r))
    cums = [
        (
            nn,
            ll,
            np.concatenate([np.zeros((n, 1)), np.cumsum(np.tile(nn, 2), -1)], -1),
            np.concatenate(
                [np.zeros((n, 1, k)), np.cumsum(np.tile(ll, (1, 2, 1)), 1)], 1
            ),
        )
        for nn, ll in pools
    ]
    by_hour = np.zeros((n, k, H))
    rows = np.arange(n)[:, None]
    for j in range(k):
        n_j, lam_kj, cn, cl = cums[min(j, len(cums) - 1)]
        fin = np.isfinite(w_h[:, j])
        wj = np.where(fin, w_h[:, j], 0.0)
        hs = np.floor(np.arange(H) + 0.5 + wj).astype(np.int64) % H  # hour served in
        slack = wall[:, j] - wj * 60.0
        rest = np.maximum(slack, 0.0)
        span = np.clip(np.ceil(rest / 60.0), 1, _WINDOW_H).astype(np.int64)
        c_s = (cn[rows, hs + span] - cn[rows, hs]) / span
        lam_s = (cl[rows, hs + span] - cl[rows, hs]) / span[..., None]
        # waiting at all: Erlang C of the hour served in (1 while a short-window
        # backlog keeps everyone busy); how long: the window's averages
        c_loc = n_j[rows, hs]
        lam_loc = lam_kj[rows, hs]
        mix = (lam_loc * mean[:, None, :]).sum(-1) / np.maximum(lam_loc.sum(-1), 1e-300)
        pw = erlang_c_real(c_loc, lam_loc.sum(-1) * mix / 60.0)
        busy = any_back[rows, hs] & (span <= _BUSY_H) & (sig_min[:, j] == 0)
        pw = np.where(busy, 1.0, pw)
        t_all = np.zeros((n, H, k))
        t_all[..., j] = rest
        mask = np.zeros((n, H, k), dtype=bool)
        mask[..., j] = fin & (c_s > 0)
        p = _stat(lam_s, mean, cv, c_s, t_all, pw, mask)[..., j]
        sg = sig_min[:, j]
        with np.errstate(divide="ignore", invalid="ignore"):
            cleared = np.where(sg > 0, special.ndtr(slack / sg), (slack >= 0) * 1.0)
        by_hour[:, j] = np.where(mask[..., j], p * cleared, 0.0)
    by_hour = np.where(lam > 0, by_hour, 1.0)
    tot = lam.sum(-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        sla = np.where(tot > 0, (lam * by_hour).sum(-1) / tot, 1.0)
        util = np.where(week_cap > 0, work.sum((1, 2)) / week_cap, np.inf)
        busy = np.where(nd > 0, np.minimum(1.0, pre.mol[sel].sum(1) / nd), 0.0)
    busy = np.where(any_back & (nd > 0), 1.0, busy)
    return Prediction(
        sla=sla,
        by_hour=by_hour,
        fluid_wait_min=w_min,
        stable=stable,
        utilization=np.where(work.sum((1, 2)) > 0, util, 0.0),
        busy_at_hour=busy,
    )


def _stat(
    lam_s: np.ndarray,
    mean: np.ndarray,
    cv: np.ndarray,
    c_s: np.ndarray,
    t_all: np.ndarray,
    p_wait: np.ndarray,
    mask: np.ndarray,
) -> np.ndarray:
    """Stationary priority P(W <= t) on ``(n, 168, k)`` cells under ``mask``."""
    cells = mask.any(-1)
    out = np.full(lam_s.shape, np.nan)
    if not cells.any():
        return out
    s = np.broadcast_to(mean[:, None, :], lam_s.shape)[cells]
    v = np.broadcast_to(cv[:, None, :], lam_s.shape)[cells]
    lam_c = lam_s[cells]
    pw = p_wait[cells]
    out[cells] = priority_prob_wait_le(
        lam_c,
        s,
        c_s[cells],
        target_min=t_all[cells],
        service_cv=v,
        p_wait=pw,
        where=mask[cells],
    )
    return out
