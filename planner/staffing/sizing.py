"""Workforce sizing: technicians per outlet and shift so every class meets its target.

Per outlet (all outlets are independent unless a headcount cap binds):

1. **Per-period requirement** (MOL, stationary per hour): for every hour of the
   week the smallest number on duty with which each class whose wall-clock
   target from that hour is at most ``period_target_max_min`` meets its share,
   in the non-preemptive priority M/M/c queue offered the hour's MOL loads of
   all classes (:mod:`planner.staffing.timevarying`,
   :mod:`planner.staffing.priority`). Classes with longer targets (a day on
   business hours) are deferrable: they load the servers but are sized by 2.
   and 3.
2. **Shift covering** (set-covering MIP in HiGHS): integer technicians per
   allowed shift at least annual labour cost, with the technicians available
   (on duty, less breaks) covering the requirement in every hour, hours at
   work at least the week's visit work over ``max_utilization``, the
   per-outlet bounds, ``min_staff`` and ``min_on_duty``
   (:mod:`planner.staffing.covering`). Unmet coverage is a slack at a large
   penalty (reported, never silent).
3. **Check and correct**: the plan's service is predicted by the fluid-backlog
   plus stationary model (:mod:`planner.staffing.predict`); where a class
   misses its share, the requirement is raised by one in the hours after the
   arrival hour that loses most tickets, and the outlet is solved again,
   until every class meets its share or ``max_rounds``.
4. **Partner overflow**: an outlet hands all its tickets to a partner where
   the fee is cheaper than its own labour and overtime (and it has no
   minimum staff).
5. **On-call shifts** (``Shift.urgent_only``) take urgent tickets only: they
   count toward the per-hour requirement (where the urgent class binds),
   not toward the other classes' needs nor the paid hours of their work; the
   prediction gives them their own pool in the fluid and the urgent class.
6. **Skills** (``skills=k``): each technician holds ``k`` skills; every skill
   group alone must meet the per-period requirement of its own share of the
   work (conservative: it ignores pooling across skills). Skills are
   assigned per shift in the MIP (integer holders per skill and shift, ``k``
   per technician) and dealt round-robin to the technicians.
7. **Headcount cap**: above the cap, outlets go to the partner where allowed
   (least extra cost per technician saved first), then technicians are
   removed one at a time where the outlet's utilization is lowest; the plan
   then says which targets are missed.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import time

import numpy as np
import numpy.typing as npt

from planner.core.errors import InputError
from planner.core.result import SolverStats, SolveStatus
from planner.core.rng import Seed, as_generator
from planner.staffing.covering import Covering
from planner.staffing.plan import StaffingPlan
from planner.staffing.predict import Precomputed, precompute, predict_service
from planner.staffing.priority import required_servers_priority
from planner.staffing.problem import StaffingProblem
from planner.staffing.shifts import HOURS_PER_WEEK, WEEKS_PER_YEAR

__all__ = ["period_requirement", "size_workforce"]

log = logging.getLogger(__name__)
H = HOURS_PER_WEEK


def _shares(problem: StaffingProblem, target_share: npt.ArrayLike | None) -> np.ndarray:
    n, k = problem.n_outlets, problem.n_classes
    base = np.array([c.share for c in problem.classes])
    if target_share is None:
        return np.broadcast_to(base, (n, k)).copy()
    ts = np.asarray(target_share, dtype=np.float64)
    try:
        ts = np.broadcast_to(ts, (n, k)).copy()
    except ValueError as e:
        raise InputError(
            field="target_share", expected=f"shape ({n}, {k})", got=f"shape {ts.shape}"
        ) from e
    bad = ~np.isfinite(ts) | (ts <= 0) | (ts >= 1)
    if bad.any():
        i, j = np.argwhere(bad)[0]
        raise InputError(
            location=f"outlet {problem.outlet_ids[i]!r}, class {problem.classes[j].name!r}",
            field="target_share",
            expected="in (0, 1)",
            got=float(ts[i, j]),
        )
    return ts


def period_requirement(
    problem: StaffingProblem,
    *,
    target_share: npt.ArrayLike | None = None,
    period_target_max_min: float = 480.0,
    scale: npt.ArrayLike | None = None,
    pre: Precomputed | None = None,
) -> np.ndarray:
    """Technicians needed on duty per outlet and hour, ``(n_outlets, 168)``.

    The per-period step of :func:`size_workforce` (see the module docstring):
    each class whose wall-clock target from that hour is at most
    ``period_target_max_min`` must meet its share at the hour's MOL loads.
    ``scale`` multiplies the arrival rates (``(n_outlets,)``; used per skill).

    >>> p = StaffingProblem.from_arrays(tickets_per_year=[[876.6, 0.0, 0.0]])
    >>> int(period_requirement(p).max())  # 0.1 urgent/h, 90 min, 90 % in 4 h
    1
    """
    pre = precompute(problem) if pre is None else pre
    share = _shares(problem, target_share)
    lam = (
        pre.lam_eff if scale is None else pre.lam_eff * np.asarray(scale)[:, None, None]
    )
    cover = problem.coverage()
    bind = (lam > 0) & (pre.wall <= period_target_max_min) & cover[:, None, :]
    n, k, _ = lam.shape
    mv = np.moveaxis
    r = np.zeros((n, H))
    cells = bind.any(1)  # (n, 168)
    if cells.any():
        lam_c = mv(lam, 1, -1)[cells]
        r[cells] = required_servers_priority(
            lam_c,
            np.broadcast_to(problem.visit_mean_min[:, None, :], (n, H, k))[cells],
            target_min=mv(pre.wall, 1, -1)[cells],
            target_share=np.broadcast_to(share[:, None, :], (n, H, k))[cells],
            service_cv=np.broadcast_to(problem.visit_cv[:, None, :], (n, H, k))[cells],
            binding=mv(bind, 1, -1)[cells],
        )
    return r.astype(np.int64)


def _bounds(x: npt.ArrayLike | None, n: int, name: str, default: float) -> np.ndarray:
    if x is None:
        return np.full(n, default)
    a = np.asarray(x, dtype=np.float64)
    try:
        a = np.broadcast_to(a, (n,)).copy()
    except ValueError as e:
        raise InputError(
            field=name, expected=f"a number or {n} values", got=f"shape {a.shape}"
        ) from e
    if (np.isnan(a) | (a < 0) | ((a != np.round(a)) & np.isfinite(a))).any():
        raise InputError(
            field=name,
            expected="whole numbers >= 0",
            got=a[np.isnan(a) | (a < 0)].tolist()[:3] or "fractions",
        )
    return a


def size_workforce(
    problem: StaffingProblem,
    *,
    headcount_cap: int | None = None,
    min_per_outlet: npt.ArrayLike | None = None,
    max_per_outlet: npt.ArrayLike | None = None,
    partner_overflow: bool | npt.ArrayLike = False,
    partner_urgent: bool = True,
    skills: int | None = None,
    min_staff: npt.ArrayLike | None = None,
    min_on_duty: npt.ArrayLike | None = None,
    target_share: npt.ArrayLike | None = None,
    max_utilization: float = 0.85,
    period_target_max_min: float = 480.0,
    max_rounds: int = 30,
    max_overtime_min: float = 120.0,
    seed: Seed = 0,
) -> StaffingPlan:
    """Technicians per outlet and shift so that every class meets its target.

    Parameters
    ----------
    problem
        Demand, visit times, targets and shifts (:class:`StaffingProblem`).
    headcount_cap
        Most technicians in total; below the fluid minimum (the week's visit
        work over the longest shift's hours, for outlets that cannot go to a
        partner) it is refused.
    min_per_outlet, max_per_outlet
        Headcount bounds per outlet (a number or one per outlet).
    partner_overflow
        Whether (bool, or one per outlet) an outlet may hand its tickets to a
        partner at ``problem.partner_fee_per_ticket`` where that is cheaper.
    partner_urgent
        Where the partner is allowed, also consider handing it only the
        first class (urgent) and serving the others with own technicians
        (no round-the-clock cover needed); the cheapest of the three is kept.
    skills
        Skills per technician ``k``; requires ``problem.skill_share``.
    min_staff
        ``(n_outlets, n_shifts)`` lower bounds on technicians per shift (the
        design loop's correction).
    min_on_duty
        ``(n_outlets, 168)`` lower bounds on technicians on duty per hour of
        the week (a correction where a simulation shows misses by hour; the
        covering picks the cheapest shifts for it). Hours no allowed shift
        covers are reported as unmet coverage.
    target_share
        ``(n_outlets, n_classes)`` shares to size for instead of the classes'
        (tightened where the simulation shows a miss).
    max_utilization
        Paid hours must cover the visit work divided by this.
    period_target_max_min
        Classes whose wall-clock target from an hour is at most this are
        sized in that hour; longer targets are deferrable.
    max_rounds
        Check-and-correct rounds per outlet.
    max_overtime_min
        Most overtime a technician works after a shift to finish a job (for
        the overtime cost estimate).
    seed
        Recorded in ``stats`` (the sizing itself is deterministic).

    Returns
    -------
    StaffingPlan

    Examples
    --------
    >>> p = StaffingProblem.from_arrays(tickets_per_year=[[500, 2000, 2500]])
    >>> plan = size_workforce(p)
    >>> bool((plan.sla >= 0.9).all()), plan.n_technicians > 0
    (True, True)
    """
    t0, c0 = time.perf_counter(), time.process_time()
    n, _k, m = problem.n_outlets, problem.n_classes, problem.n_shifts
    as_generator(seed)  # checked like every solver's seed, though unused
    if not (math.isfinite(max_overtime_min) and max_overtime_min >= 0):
        raise InputError(
            field="max_overtime_min", expected=">= 0", got=max_overtime_min
        )
    if not 0 < max_utilization <= 1:
        raise InputError(
            field="max_utilization", expected="in (0, 1]", got=max_utilization
        )
    if (
        isinstance(max_rounds, bool)
        or not isinstance(max_rounds, int)
        or max_rounds < 0
    ):
        raise InputError(field="max_rounds", expected="an integer >= 0", got=max_rounds)
    share = _shares(problem, target_share)
    lo = _bounds(min_per_outlet, n, "min_per_outlet", 0.0)
    hi = _bounds(max_per_outlet, n, "max_per_outlet", np.inf)
    if (lo > hi).any():
        i = int(np.argmax(lo > hi))
        raise InputError(
            location=f"outlet {problem.outlet_ids[i]!r}",
            field="min_per_outlet",
            expected=f"<= max_per_outlet ({hi[i]:g})",
            got=lo[i],
        )
    ms = (
        np.zeros((n, m), dtype=np.int64) if min_staff is None else np.asarray(min_staff)
    )
    if ms.shape != (n, m) or (ms < 0).any() or (ms != np.round(ms)).any():
        raise InputError(
            field="min_staff",
            expected=f"whole numbers >= 0 of shape ({n}, {m})",
            got=f"shape {ms.shape}"
            if ms.shape != (n, m)
            else "negative or fractional values",
        )
    ms = ms.astype(np.int64)
    can_partner = np.broadcast_to(np.asarray(partner_overflow, dtype=bool), (n,)).copy()
    can_partner &= (lo == 0) & (ms.sum(1) == 0)
    pre = precompute(problem)
    skill_req = None
    if skills is not None:
        if problem.skill_share is None:
            raise InputError(
                field="skills",
                expected="problem.skill_share when skills are given",
                got=skills,
            )
        if isinstance(skills, bool) or not isinstance(skills, int) or skills < 1:
            raise InputError(
                field="skills",
                expected="skills per technician, an integer >= 1",
                got=skills,
            )
        skill_req = np.stack(
            [
                period_requirement(
                    problem,
                    target_share=share,
                    period_target_max_min=period_target_max_min,
                    scale=problem.skill_share[:, s],
                    pre=pre,
                )
                for s in range(len(problem.skill_names))
            ],
            axis=1,
        )
    if headcount_cap is not None:
        _check_cap(problem, headcount_cap, can_partner)
    req = period_requirement(
        problem,
        target_share=share,
        period_target_max_min=period_target_max_min,
        pre=pre,
    )
    if min_on_duty is not None:
        mod = np.asarray(min_on_duty, dtype=np.float64)
        if (
            mod.shape != (n, H)
            or not np.isfinite(mod).all()
            or (mod < 0).any()
            or (mod != np.round(mod)).any()
        ):
            raise InputError(
                field="min_on_duty",
                expected=f"whole numbers >= 0 of shape ({n}, {H})",
                got=f"shape {mod.shape}" if mod.shape != (n, H) else "other values",
            )
        req = np.maximum(req, mod.astype(np.int64))
    req_regular = None
    if any(sh.urgent_only for sh in problem.shifts) and problem.n_classes > 1:
        mol, lam_eff = pre.mol.copy(), pre.lam_eff.copy()
        mol[:, 0] = lam_eff[:, 0] = 0.0  # what the others need from shifts for all
        req_regular = period_requirement(
            problem,
            target_share=share,
            period_target_max_min=period_target_max_min,
            pre=dataclasses.replace(pre, mol=mol, lam_eff=lam_eff),
        )
    outl = Covering(
        problem,
        max_utilization=max_utilization,
        skills=skills,
        min_staff=ms,
        lo=lo,
        hi=hi,
        skill_req=skill_req,
        req_regular=req_regular,
    )
    x = np.zeros((n, m), dtype=np.int64)
    y = np.zeros((n, 0 if skill_req is None else skill_req.shape[1], m), dtype=np.int64)
    unmet = np.zeros(n)
    cov = problem.capacity_matrix()  # available technicians per head and hour
    coverable = problem.coverage()
    active = np.flatnonzero(problem.tickets_per_week().sum(1) > 0)
    idle = np.setdiff1d(np.arange(n), active)
    first = np.concatenate([active, idle[(lo[idle] > 0) | (ms[idle].sum(1) > 0)]])
    for o, (xo, yo, uo) in zip(first, outl.solve_many(first, req), strict=True):
        x[o], y[o], unmet[o] = xo, yo, uo
    cache = _Cache(problem, pre, cov)
    todo = active
    rounds = 0
    while todo.size and rounds < max_rounds:
        rounds += 1
        cache.refresh(x, todo)
        nd = x[todo] @ cov.T
        has = problem.tickets_per_week()[todo] > 0
        miss = (cache.sla[todo] < share[todo] - 1e-9) & has
        fail = miss.any(1) & (x[todo].sum(1) < hi[todo])
        for r_i in np.flatnonzero(fail):
            o = int(todo[r_i])
            for j in np.flatnonzero(miss[r_i]):
                lost = problem.arrival_per_h[o, j] * (1.0 - cache.by_hour[o, j])
                h0 = int(np.argmax(lost))
                span = int(min(max(np.ceil(pre.wall[o, j, h0] / 60.0), 1), 8))
                hrs = (h0 + np.arange(2 * H)) % H
                hrs = hrs[coverable[o, hrs]][:span]
                req[o, hrs] = np.maximum(
                    req[o, hrs], np.floor(nd[r_i, hrs] + 1e-9).astype(np.int64) + 1
                )
            x[o], y[o], unmet[o] = outl.solve(o, req[o])
        todo = todo[fail]
    cache.refresh(x, todo)
    split = None
    tw = problem.tickets_per_week()
    cand = np.flatnonzero(can_partner & (tw[:, 0] > 0) & (tw[:, 1:].sum(1) > 0))
    if cand.size:  # skip outlets where even a bound on the split costs more
        own = x[cand] @ outl.cost + _overtime_h(
            problem, x, cache.busy, max_overtime_min
        )[cand] * (WEEKS_PER_YEAR * problem.overtime_per_hour)
        per_h = np.where(problem.shift_allowed, outl.cost / outl.worked, np.inf).min(1)
        bound = (
            tw[cand, 0] * WEEKS_PER_YEAR * problem.partner_fee_per_ticket
            + per_h[cand] * outl.work_regular[cand] / max_utilization
        )
        cand = cand[bound < own]
    if partner_urgent and problem.n_classes > 1 and cand.size:
        lam_c = problem.arrival_per_h[cand].copy()
        lam_c[:, 0] = 0.0  # the urgent tickets go to the partner
        sub = dataclasses.replace(problem.select(cand), arrival_per_h=lam_c)
        alt = size_workforce(
            sub,
            max_per_outlet=hi[cand],
            partner_overflow=False,
            partner_urgent=False,
            skills=skills,
            min_on_duty=None if min_on_duty is None else np.asarray(min_on_duty)[cand],
            target_share=share[cand],
            max_utilization=max_utilization,
            period_target_max_min=period_target_max_min,
            max_rounds=max_rounds,
            max_overtime_min=max_overtime_min,
            seed=seed,
        )
        split = (cand, alt)
    return _finish(
        problem,
        x=x,
        y=y,
        req=req,
        share=share,
        cache=cache,
        unmet=unmet,
        can_partner=can_partner,
        split=split,
        headcount_cap=headcount_cap,
        outl=outl,
        rounds=rounds,
        skills=skills,
        seed=seed,
        t0=t0,
        c0=c0,
        max_overtime_min=max_overtime_min,
    )


class _Cache:
    """Predicted service per outlet, refreshed for the outlets that changed."""

    def __init__(
        self, problem: StaffingProblem, pre: Precomputed, cov: np.ndarray
    ) -> None:
        n, k = problem.n_outlets, problem.n_classes
        self.p, self.pre, self.cov = problem, pre, cov
        self.sla = np.ones((n, k))
        self.by_hour = np.ones((n, k, H))
        self.utilization = np.zeros(n)
        self.busy = np.zeros((n, H))

    def refresh(self, x: np.ndarray, rows: np.ndarray) -> None:
        """Predict again for ``rows`` with technicians ``x``."""
        rows = np.asarray(rows, dtype=np.int64)
        if not rows.size:
            return
        uo = np.array([sh.urgent_only for sh in self.p.shifts], dtype=bool)
        pr = predict_service(
            self.p,
            x[rows] @ self.cov.T,
            pre=self.pre,
            outlets=rows,
            n_urgent_only=(x[rows] * uo) @ self.cov.T if uo.any() else None,
        )
        self.sla[rows] = pr.sla
        self.by_hour[rows] = pr.by_hour
        self.utilization[rows] = pr.utilization
        self.busy[rows] = pr.busy_at_hour


def _holders(plan: StaffingPlan) -> np.ndarray:
    """Skill holders per outlet, skill and shift, counted from the technicians."""
    tf = plan.technicians_frame()
    out = np.zeros((plan.n_outlets, len(plan.skill_names), len(plan.shifts)), np.int64)
    j_of = {s.name: j for j, s in enumerate(plan.shifts)}
    for t, o, name in zip(tf["tech_idx"], tf["outlet_idx"], tf["shift"], strict=True):
        out[o, :, j_of[name]] += plan.tech_skills[t]
    return out


def _check_cap(problem: StaffingProblem, cap: int, can_partner: np.ndarray) -> None:
    if isinstance(cap, bool) or not isinstance(cap, int | np.integer) or cap < 0:
        raise InputError(field="headcount_cap", expected="an integer >= 0", got=cap)
    longest = max(s.paid_h_per_week for s in problem.shifts)
    fluid = problem.work_h_per_week()[~can_partner].sum() / longest
    if cap < math.ceil(fluid - 1e-9):
        raise InputError(
            field="headcount_cap",
            expected=(
                f"at least the fluid minimum of {math.ceil(fluid - 1e-9)} technicians "
                f"({problem.work_h_per_week()[~can_partner].sum():.0f} h of visits a week "
                f"at {longest:g} h each)"
            ),
            got=cap,
        )


def _overtime_h(
    problem: StaffingProblem, x: np.ndarray, busy: np.ndarray, cap_min: float
) -> np.ndarray:
    """Expected overtime hours per week per outlet.

    A technician busy at the end of a shift finishes the job in hand, up to
    ``cap_min``: per shift end ``P(busy) E[min(R, cap)]`` with the residual
    visit ``R`` taken as exponential with the renewal mean
    ``E[S^2] / (2 E[S])`` of the outlet's visit mix.
    """
    lam = problem.tickets_per_week()
    s = problem.visit_mean_min / 60.0
    m2 = (s**2 * (1.0 + problem.visit_cv**2) * lam).sum(1)
    m1 = (s * lam).sum(1)
    cap = cap_min / 60.0
    with np.errstate(invalid="ignore", divide="ignore"):
        resid = np.where(m1 > 0, m2 / (2.0 * m1), 0.0)  # mean residual visit, hours
        per_end = np.where(resid > 0, resid * -np.expm1(-cap / resid), 0.0)
    out = np.zeros(problem.n_outlets)
    for j, sh in enumerate(problem.shifts):
        out += x[:, j] * busy[:, sh.end_hours()].sum(1) * per_end
    return out


def _finish(
    problem: StaffingProblem,
    *,
    x: np.ndarray,
    y: np.ndarray,
    req: np.ndarray,
    share: np.ndarray,
    cache: _Cache,
    unmet: np.ndarray,
    can_partner: np.ndarray,
    split: tuple[np.ndarray, StaffingPlan] | None,
    headcount_cap: int | None,
    outl: Covering,
    rounds: int,
    skills: int | None,
    seed: Seed,
    t0: float,
    c0: float,
    max_overtime_min: float,
) -> StaffingPlan:
    notes: list[str] = []
    tickets_y = problem.tickets_per_week().sum(1) * WEEKS_PER_YEAR
    fee = tickets_y * problem.partner_fee_per_ticket

    def costs(xx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        ot = _overtime_h(problem, xx, cache.busy, max_overtime_min) * WEEKS_PER_YEAR
        return xx @ outl.cost, ot * problem.overtime_per_hour

    lab, ot = costs(x)
    partner = can_partner & ((fee < lab + ot) | (unmet > 1e-6))
    part_urgent = np.zeros(problem.n_outlets, dtype=bool)
    if split is not None:  # urgent to the partner, the rest own: where cheapest
        cand, alt = split
        fee_u = problem.tickets_per_week()[cand, 0] * WEEKS_PER_YEAR
        cost_split = alt.labour_per_year + alt.overtime_per_year
        cost_split = cost_split + fee_u * problem.partner_fee_per_ticket
        cost_own = np.where(unmet[cand] > 1e-6, np.inf, lab[cand] + ot[cand])
        best = (cost_split < np.minimum(cost_own, fee[cand])) & ~alt.partner
        take = cand[best]
        part_urgent[take] = True
        partner[take] = False
        x[take] = alt.technicians[best]
        if y.shape[1]:
            y[take] = _holders(alt)[best]
        unmet[take] = 0.0
        cache.sla[take] = np.where(np.isnan(alt.sla[best]), 1.0, alt.sla[best])
        cache.utilization[take] = alt.utilization[best]
    if headcount_cap is not None:
        own = np.where(partner, 0, x.sum(1))
        if own.sum() > headcount_cap:
            extra = (fee - lab - ot) / np.maximum(x.sum(1), 1)
            for o in np.argsort(extra):
                if own.sum() <= headcount_cap:
                    break
                if can_partner[o] and not partner[o] and x[o].sum() > 0:
                    partner[o] = True
                    own[o] = 0
        while own.sum() > headcount_cap:
            util = np.where(
                ~partner & ~part_urgent & (x.sum(1) > outl.lo),
                cache.utilization,
                np.inf,
            )
            o = int(np.argmin(util))
            if not np.isfinite(util[o]):
                break
            outl.hi[o] = x[o].sum() - 1
            x[o], y[o], unmet[o] = outl.solve(o, req[o])
            own[o] = x[o].sum()
            cache.refresh(x, np.array([o]))
        notes.append(
            f"headcount cap {headcount_cap} binds: sized {int(own.sum())} technicians"
        )
    x = np.where(partner[:, None], 0, x)
    y = np.where(partner[:, None, None], 0, y)
    lab, ot = costs(x)
    part_urgent &= ~partner
    if split is not None and part_urgent.any():  # their own visit mix and busy hours
        cand, alt = split
        pos = {int(o): i for i, o in enumerate(cand)}
        for o in np.flatnonzero(part_urgent):
            lab[o] = alt.labour_per_year[pos[int(o)]]
            ot[o] = alt.overtime_per_year[pos[int(o)]]
    pclass = np.zeros((problem.n_outlets, problem.n_classes), dtype=bool)
    pclass[partner] = True
    pclass[part_urgent, 0] = True
    sla = np.where(pclass, np.nan, cache.sla)
    has = problem.tickets_per_week() > 0
    miss = (sla < share - 1e-9) & has & ~pclass
    for j, c in enumerate(problem.classes):
        bad = np.flatnonzero(miss[:, j])
        if bad.size:
            ids = ", ".join(problem.outlet_ids[i] for i in bad[:5]) + (
                " ..." if bad.size > 5 else ""
            )
            notes.append(
                f"{c.name}: predicted below {c.share:.0%} at {bad.size} outlets ({ids})"
            )
    if (unmet[~partner] > 1e-6).any():
        notes.append(
            f"coverage short at {int((unmet[~partner] > 1e-6).sum())} outlets "
            "(bounds or shifts)"
        )
    status = (
        SolveStatus.OPTIMAL if outl.optimal and not miss.any() else SolveStatus.FEASIBLE
    )
    log.debug(
        "sized %d outlets: %d technicians, %d rounds, %d MIP solves, %.2f s",
        problem.n_outlets,
        int(x.sum()),
        rounds,
        outl.n_solves,
        time.perf_counter() - t0,
    )
    stats = SolverStats(
        solver="planner.staffing (MOL + priority M/M/c + HiGHS covering)",
        runtime_s=time.perf_counter() - t0,
        n_iterations=int(rounds),
        seed=seed if isinstance(seed, int) else None,
        extra={
            "cpu_s": time.process_time() - c0,
            "mip_solves": outl.n_solves,
            "mip_nodes": outl.n_nodes,
            "threads": 1,
        },
    )
    return StaffingPlan.from_sizing(
        problem,
        technicians=x,
        skill_holders=y if skills is not None else None,
        partner=partner,
        requirement=req,
        sla=sla,
        target_share=share,
        utilization=np.where(partner, 0.0, cache.utilization),
        labour_per_year=lab,
        overtime_per_year=ot,
        outsourcing_per_year=(problem.tickets_per_week() * pclass).sum(1)
        * WEEKS_PER_YEAR
        * problem.partner_fee_per_ticket,
        partner_classes=pclass,
        status=status,
        stats=stats,
        notes=tuple(notes),
    )
