"""Predicted service level of a weekly staffing: fluid backlog plus stationary noise.

For technicians on duty ``n(h)`` in each hour of the week, a class-``k``
ticket arriving in hour ``h`` waits

1. a *fluid* delay ``w``: the time until the work of classes ``<= k``
   queued ahead of it (the periodic fluid backlog ``B(h+1) = max(0, B(h) +
   work(h) - n(h))``, less the jobs the other ``c - 1`` technicians on duty
   start in parallel) is done by the capacity left over by higher classes
   still arriving; this is what a night without anyone on duty, or a Monday
   morning after a weekend, costs. It is spread normally with the variance
   of the compound-Poisson work ahead (``B E[S^2] / E[S]``) over the
   clearing rate squared;
2. then a *stationary* random wait: it waits at all with the Erlang C
   probability of the hour it is served in (1 when the time left is at most
   4 hours and any class still has a fluid backlog, which keeps every server
   busy), and given that, as in the non-preemptive priority M/M/c queue
   (:mod:`planner.staffing.priority`) with the servers and MOL loads averaged
   over the time left to its target (one hour to a week; Erlang C extended to
   real server counts).

So ``P(wait <= tau) ~ P_stat(W_k <= tau - w)``, weighted over arrival hours;
``tau`` is the class's wall-clock target for that arrival hour (business
clocks stop outside business hours). Exact for a stationary M/M/c; an
approximation for time-varying demand, checked by simulation in the tests.
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


def _fluid_backlog(cum_work: np.ndarray, n_duty: np.ndarray) -> np.ndarray:
    """Periodic fluid backlog at each hour start, ``(n, k, 168)`` (3 passes)."""
    b = np.zeros(cum_work.shape[:2])
    out = np.empty(cum_work.shape)
    cap = n_duty[:, None, :].astype(np.float64)
    for _ in range(3):
        for h in range(H):
            out[..., h] = b
            b = np.maximum(0.0, b + cum_work[..., h] - cap[..., h])
    return out


def _first_reach(q_cum: np.ndarray, start: np.ndarray, need: np.ndarray) -> np.ndarray:
    """Hours after ``start`` until the monotone ``q_cum`` has risen by ``need``.

    ``q_cum`` is ``(rows, 2*168+1)`` at hour boundaries over two weeks;
    ``start`` and ``need`` are ``(rows, 168)`` with ``start`` in [0, 168).
    """
    rows, nb = q_cum.shape
    grid = np.arange(nb, dtype=np.float64)
    big = (
        float((q_cum[:, -1] - q_cum[:, 0]).max(initial=0.0))
        + 2.0 * need.max(initial=0.0)
        + 1.0
    )
    off = np.arange(rows)[:, None] * big - q_cum[:, :1]  # rows kept apart
    flat = (q_cum + off).ravel()
    h0 = np.floor(start).astype(np.int64)
    q0 = np.take_along_axis(q_cum, h0, 1) + (start - h0) * (
        np.take_along_axis(q_cum, h0 + 1, 1) - np.take_along_axis(q_cum, h0, 1)
    )
    goal = q0 + need
    reach = goal <= q_cum[:, -1:]
    idx = np.searchsorted(flat, (goal + off).ravel(), side="left").reshape(goal.shape)
    idx -= (np.arange(rows) * nb)[:, None]
    idx = np.clip(idx, 1, nb - 1)
    lo = np.take_along_axis(q_cum, idx - 1, 1)
    hi = np.take_along_axis(q_cum, idx, 1)
    t = grid[idx - 1] + np.clip((goal - lo) / np.maximum(hi - lo, 1e-12), 0.0, 1.0)
    return np.where(reach, np.maximum(t - start, 0.0), np.inf)


def predict_service(
    problem: StaffingProblem,
    n_duty: np.ndarray,
    *,
    pre: Precomputed | None = None,
    outlets: np.ndarray | None = None,
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
    above = cum_work - work  # classes < k
    week_cap = nd.sum(-1)
    stable = cum_work.sum(-1) < week_cap[:, None] - 1e-9
    back = _fluid_backlog(cum_work, nd)  # (n, k, 168) at hour start
    mid = np.maximum(0.0, back + 0.5 * (cum_work - nd[:, None, :]))
    net = np.maximum(nd[:, None, :] - above, 0.0)
    q = np.concatenate([np.zeros((n, k, 1)), np.cumsum(np.tile(net, 2), -1)], -1)
    start = np.broadcast_to(np.arange(H) + 0.5, (n * k, H))
    qf = q.reshape(n * k, -1)
    # mean and E[S^2]/E[S] (hours) of the visits of classes <= k
    wk = work.sum(-1)  # (n, k) hours a week
    tk = np.maximum(lam.sum(-1), 1e-300)
    m2k = tk * (mean / 60.0) ** 2 * (1.0 + cv**2)  # (n, k) E[S^2] x tickets
    es = np.cumsum(wk, 1) / np.maximum(np.cumsum(tk, 1), 1e-300)
    s2s = np.cumsum(m2k, 1) / np.maximum(np.cumsum(wk, 1), 1e-300)
    # pass 1: the whole backlog ahead; pass 2: less what the other servers on
    # duty start in parallel (the ticket starts when one of them frees)
    w1 = _first_reach(qf, start, np.maximum(mid, 1e-9).reshape(n * k, H)).reshape(
        n, k, H
    )
    hs1 = (
        np.floor(np.arange(H) + 0.5 + np.where(np.isfinite(w1), w1, 0.0)).astype(
            np.int64
        )
        % H
    )
    c_at = np.take_along_axis(np.broadcast_to(nd[:, None, :], (n, k, H)), hs1, -1)
    need = np.maximum(mid - np.maximum(c_at - 1.0, 0.0) * es[..., None], 0.0)
    w_h = _first_reach(qf, start, np.maximum(need, 1e-9).reshape(n * k, H)).reshape(
        n, k, H
    )
    w_h = np.where(stable[..., None], w_h, np.inf)
    w_min = w_h * 60.0
    hs2 = (
        np.floor(np.arange(H) + 0.5 + np.where(np.isfinite(w_h), w_h, 0.0)).astype(
            np.int64
        )
        % H
    )
    r_end = np.maximum(np.take_along_axis(net, hs2, -1), 1e-6)
    # spread of the clearing time: compound-Poisson work ahead over the rate
    sig_min = np.where(need > 1e-9, np.sqrt(mid * s2s[..., None]) / r_end * 60.0, 0.0)
    any_back = back[:, -1, :] > 1e-9  # lowest class total: some backlog at hour start
    # window sums over two weeks, to average servers and loads over the time left
    cn = np.concatenate([np.zeros((n, 1)), np.cumsum(np.tile(nd, 2), -1)], -1)
    lam_k = np.moveaxis(lam_eff, 1, -1)  # (n, 168, k)
    cl = np.concatenate(
        [np.zeros((n, 1, k)), np.cumsum(np.tile(lam_k, (1, 2, 1)), 1)], 1
    )
    by_hour = np.zeros((n, k, H))
    rows = np.arange(n)[:, None]
    for j in range(k):
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
        c_loc = nd[rows, hs]
        lam_loc = lam_k[rows, hs]
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
