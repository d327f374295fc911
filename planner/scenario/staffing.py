"""The staffing stage: a scenario's network as a sizing problem, and back.

:func:`staffing_problem` turns a siting plan's open outlets and allocation
into a :class:`~planner.staffing.StaffingProblem`: visits per outlet, urgency
class and hour of the week (tickets that need a visit, plus the second visits
for parts the van lacks, follow-ups and repeat repairs), visit minutes of
repair plus the round trip to the demand point (inside a town's area too),
the classes' targets and clocks, the shift catalogue of ``[design]``.
:func:`technicians_from_staffing` turns a :class:`~planner.staffing.StaffingPlan`
into the technicians the simulator runs.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import inspect
import math
from dataclasses import dataclass

import numpy as np

from planner.core.timewindow import TimeWindow
from planner.core.workforce import Technician
from planner.scenario.build import ScenarioData
from planner.scenario.crew import van_stock
from planner.scenario.stages import SitingInputs, siting_inputs
from planner.sim import SimModel
from planner.siting import SitingPlan
from planner.staffing import ServiceClass, Shift, StaffingPlan, StaffingProblem
from planner.staffing import size_workforce as _size

#: The simulator's coefficient of variation of repair minutes (its default).
REPAIR_CV: float = inspect.signature(SimModel.from_core).parameters["repair_cv"].default

__all__ = [
    "StaffingInputs",
    "TicketWork",
    "deal_skills",
    "redeal_skills",
    "run_staffing",
    "service_classes",
    "staffing_problem",
    "technicians_from_staffing",
    "ticket_work",
]


@dataclass(frozen=True, slots=True, eq=False)
class StaffingInputs:
    """A sizing problem and what links it back to the scenario.

    ``outlet_site`` is the site index of each of the problem's outlets (the
    plan's open own outlets that serve demand); ``beyond_reach`` marks the
    demand points handed to partners because they lie beyond
    ``[simulation.process] reach_h``; ``visits_per_ticket`` is the workload
    multiplier per class (first visits, second visits for parts, follow-ups,
    repeat repairs).
    """

    problem: StaffingProblem
    outlet_site: np.ndarray
    beyond_reach: np.ndarray
    visits_per_ticket: np.ndarray
    tickets_per_year: np.ndarray
    partner_tickets_per_year: float = 0.0
    legs_per_ticket: np.ndarray | None = None


def service_classes(data: ScenarioData) -> tuple[ServiceClass, ...]:
    """The scenario's urgency classes as sizing targets (in priority order)."""
    u = data.spec.urgency
    return tuple(
        ServiceClass(
            c.urgency.value,
            float(c.response_target_min),
            float(getattr(u, c.urgency.value).attainment),
            c.clock,
        )
        for c in data.urgency
    )


def design_shifts(data: ScenarioData) -> tuple[Shift, ...]:
    """The ``[design] shifts`` catalogue as :class:`~planner.staffing.Shift`."""
    from planner.scenario.crew import day_numbers

    out = []
    for s in data.spec.design.shifts:
        w = TimeWindow.parse(s.window)
        out.append(
            Shift(
                s.name,
                round(w.start_min),
                round(w.end_min),
                tuple(sorted(day_numbers(list(s.days)))),
                s.cost_factor,
            )
        )
    return tuple(out)


@dataclass(frozen=True, slots=True, eq=False)
class TicketWork:
    """Per category: what one ticket costs the crew.

    ``visit_share``: share of tickets needing a visit (the rest are fixed by
    phone); per such ticket, ``visits`` (the first, a second one when the
    on-site diagnosis finds a part the van does not carry, a follow-up, a
    repeat repair) and ``onsite_min`` (the repair, done once across the
    first and second visit as the simulator splits it, plus repeat repairs
    and follow-ups).
    """

    visit_share: np.ndarray
    visits: np.ndarray
    onsite_min: np.ndarray


def ticket_work(data: ScenarioData) -> TicketWork:
    """The crew's work per ticket of each category (see :class:`TicketWork`).

    Vans carry the parts under 150 of their skills
    (:func:`~planner.scenario.crew.van_stock`); a fault whose parts are known
    at triage (``1 - diagnosis_prob``) has them collected before the visit.
    """
    pr = data.spec.simulation.process
    carried = set(van_stock(set(data.catalog.skills), data.catalog))
    n_c = len(data.catalog.categories)
    share, visits, onsite = np.zeros(n_c), np.ones(n_c), np.zeros(n_c)
    for i, c in enumerate(data.catalog.categories):
        w = np.array([f.share for f in c.faults], dtype=float)
        w = w / w.sum() if w.sum() > 0 else w
        wv = w * np.array([1.0 - f.remote_fix_rate for f in c.faults])
        share[i] = float(wv.sum())
        if wv.sum() <= 0:
            onsite[i] = c.mean_repair_min
            continue
        wv = wv / wv.sum()
        second = np.array(
            [
                f.diagnosis_prob
                * (
                    1.0
                    - math.prod(
                        1.0 - q for pid, q in f.parts.items() if pid not in carried
                    )
                )
                for f in c.faults
            ]
        )
        rework = np.array([f.rework_prob for f in c.faults])
        rep = np.array([f.repair_min for f in c.faults])
        visits[i] = 1.0 + float((wv * (second + rework)).sum()) + pr.followup_prob
        onsite[i] = float((wv * rep * (1.0 + rework)).sum()) + (
            pr.followup_prob * pr.followup_min
        )
    return TicketWork(share, visits, onsite)


def _one_way_min(data: ScenarioData, x: SitingInputs, assign: np.ndarray) -> np.ndarray:
    """One-way minutes from each point's outlet to an address of its area."""
    t = np.zeros(len(assign))
    ok = assign >= 0
    t[ok] = x.duration_min[np.flatnonzero(ok), assign[ok]]
    r = data.demand_radius_m
    if r is not None:
        circ = float(getattr(data.travel, "circuity", 1.3))
        speed = float(getattr(data.travel, "speed_kmh", 40.0)) * 1000.0 / 60.0
        inner = np.asarray(r, dtype=float) / math.sqrt(2.0) * circ / speed
        t = np.sqrt(t**2 + inner**2)
    return t


def staffing_problem(
    data: ScenarioData,
    siting: SitingPlan,
    *,
    inputs: SitingInputs | None = None,
    month: int | None = None,
) -> StaffingInputs:
    """The sizing problem of ``siting``'s network in the scenario.

    Arrivals per hour of the week follow the catalogue's hour-of-week profile
    for ``month`` (default: the month ``[simulation] start_date`` falls in,
    with its seasonal factors), so the crew is sized for the month simulated.
    """
    x = inputs if inputs is not None else siting_inputs(data)
    if month is None:
        month = dt.date.fromisoformat(data.spec.simulation.start_date).month
    assign = np.asarray(siting.assign_idx, dtype=np.int64).copy()
    partner = (
        np.isin(assign, siting.partner_idx) | data.sites.partner[np.maximum(assign, 0)]
    )
    assign[partner] = -1
    one_way = _one_way_min(data, x, assign)
    pr = data.spec.simulation.process
    reach = math.inf if pr.reach_h is None else pr.reach_h * 60.0
    beyond = (assign >= 0) & (one_way > reach)
    assign[beyond] = -1
    sites = np.unique(assign[assign >= 0])
    pos = np.searchsorted(sites, np.maximum(assign, 0))
    seasonal = np.array([c.seasonal[month - 1] for c in data.catalog.categories])
    tw = ticket_work(data)
    tpy = np.asarray(data.demand.tickets_per_year, dtype=float) * seasonal
    per_visit = tpy * tw.visit_share  # tickets needing a visit, per point x category
    n_o, n_k = len(sites), len(data.urgency)
    ushare = np.array([c.share for c in data.urgency])
    ok = assign >= 0
    tickets = np.zeros(n_o)
    np.add.at(tickets, pos[ok], per_visit[ok].sum(axis=1))
    nvis = np.zeros(n_o)  # visits per year
    np.add.at(nvis, pos[ok], (per_visit[ok] * tw.visits).sum(axis=1))
    site_min = np.zeros(n_o)  # on-site minutes per year
    np.add.at(site_min, pos[ok], (per_visit[ok] * tw.onsite_min).sum(axis=1))
    with np.errstate(invalid="ignore", divide="ignore"):
        safe = np.maximum(tickets, 1e-300)
        onsite = np.where(tickets > 0, site_min / safe, tw.onsite_min.mean())
        vpt = np.where(tickets > 0, nvis / safe, 1.0)
    # A day's route is a chain outlet -> customers -> outlet: n visits drive
    # n + 1 legs of about the outlet-to-customer distance.
    w = per_visit.sum(axis=1)
    sw = np.bincount(pos[ok], weights=w[ok], minlength=n_o)
    s1 = np.bincount(pos[ok], weights=w[ok] * one_way[ok], minlength=n_o)
    s2 = np.bincount(pos[ok], weights=w[ok] * one_way[ok] ** 2, minlength=n_o)
    with np.errstate(invalid="ignore", divide="ignore"):
        leg = np.where(sw > 0, s1 / np.maximum(sw, 1e-300), 0.0)
        leg_var = np.where(
            sw > 0, np.maximum(s2 / np.maximum(sw, 1e-300) - leg**2, 0.0), 0.0
        )
    shift_min = float(
        np.mean([int(sh.end_min) - int(sh.start_min) for sh in design_shifts(data)])
    )
    per_visit_min = onsite / np.maximum(vpt, 1e-9) + leg
    legs = vpt * (1.0 + per_visit_min / max(shift_min, 1.0))
    vmean = onsite + legs * leg
    vcv = np.sqrt((onsite * REPAIR_CV) ** 2 + legs * leg_var) / np.maximum(vmean, 1e-9)
    tm = leg
    visits_year = tickets[:, None] * ushare[None, :]
    profile = data.catalog.hour_of_week_profile(month=month)
    # visits per hour of week: yearly visits / weeks per year x profile
    lam = visits_year[:, :, None] / (365.0 / 7.0) * profile[None, None, :]
    hours = data.service_hours
    business = (
        np.ones(168, dtype=bool)
        if hours is None
        else np.asarray(hours.hour_of_week_open(), dtype=float) >= 0.5
    )
    classes = service_classes(data)
    shifts = design_shifts(data)
    skills = data.catalog.skills
    skill_work = np.zeros((n_o, len(skills)))
    col = {s: i for i, s in enumerate(skills)}
    for ci, c in enumerate(data.catalog.categories):
        for f in c.faults:
            amt = f.share * (1 - f.remote_fix_rate) * f.repair_min
            np.add.at(skill_work[:, col[f.skill]], pos[ok], tpy[ok, ci] * amt)
    rows = skill_work.sum(axis=1, keepdims=True)
    skill_share = np.where(
        rows > 0, skill_work / np.maximum(rows, 1e-300), 1.0 / len(skills)
    )
    problem = StaffingProblem.from_arrays(
        arrival_per_h=lam,
        visit_mean_min=np.repeat(vmean[:, None], n_k, axis=1),
        visit_cv=np.repeat(vcv[:, None], n_k, axis=1),
        classes=classes,
        shifts=shifts,
        business_hours=business,
        response_offset_min=np.repeat(tm[:, None], n_k, axis=1),
        labour_per_hour=data.costs.labour_per_hour,
        overtime_per_hour=data.costs.overtime_per_hour,
        partner_fee_per_ticket=data.spec.outlets.partner_fee_per_ticket,
        skill_names=skills,
        skill_share=skill_share,
        outlet_ids=[str(data.sites.ids[i]) for i in sites],
    )
    return StaffingInputs(
        problem=problem,
        outlet_site=sites,
        beyond_reach=beyond,
        visits_per_ticket=vpt,
        tickets_per_year=tickets,
        partner_tickets_per_year=float(per_visit[~ok].sum()),
        legs_per_ticket=legs,
    )


def run_staffing(
    data: ScenarioData,
    siting: SitingPlan,
    *,
    inputs: StaffingInputs | None = None,
    min_staff: np.ndarray | None = None,
    target_share: np.ndarray | None = None,
    min_per_outlet: np.ndarray | None = None,
    max_per_outlet: np.ndarray | None = None,
) -> StaffingPlan:
    """Size the crew of ``siting``'s outlets for the scenario's targets."""
    si = inputs if inputs is not None else staffing_problem(data, siting)
    d = data.spec.design
    k = data.spec.workforce.skills_per_technician
    plan = _size(
        si.problem,
        skills=data.spec.workforce.skills_per_technician,
        partner_overflow=d.partner_overflow,
        headcount_cap=d.headcount_cap,
        min_per_outlet=min_per_outlet,
        max_per_outlet=max_per_outlet
        if max_per_outlet is not None
        else d.max_per_outlet,
        min_staff=min_staff,
        target_share=target_share,
        max_utilization=d.max_utilization,
        seed=data.spec.seed,
    )
    share = si.problem.skill_share
    return plan if share is None else redeal_skills(plan, share, k)


def deal_skills(share: np.ndarray, n_techs: int, k: int) -> np.ndarray:
    """Skills of a crew of ``n_techs`` holding ``k`` skills each, by workload.

    Every skill is held once while slots allow (largest workload first), then
    each free slot goes to the skill furthest below its workload share of
    the crew's ``n_techs * k`` slots (at most one per technician and skill),
    so a skill with most of the work is held by most of the crew.
    Returns ``(n_techs, n_skills)`` booleans.

    >>> deal_skills(np.array([0.7, 0.2, 0.1]), 3, 2).sum(axis=0).tolist()
    [3, 2, 1]
    """
    n_sk = len(share)
    held = np.zeros((n_techs, n_sk), dtype=bool)
    if n_techs == 0:
        return held
    k = min(k, n_sk)
    order = np.argsort(-share, kind="stable")
    for i, sk in enumerate(order[: n_techs * k]):
        held[i % n_techs, sk] = True
    want = share / max(share.sum(), 1e-300) * n_techs * k
    for t in range(n_techs):
        while held[t].sum() < k:
            deficit = np.where(held[t], -np.inf, want - held.sum(axis=0))
            held[t, int(np.argmax(deficit))] = True
    return held


def redeal_skills(plan: StaffingPlan, share: np.ndarray, k: int) -> StaffingPlan:
    """The plan with each shift crew's skills dealt by :func:`deal_skills`.

    ``share``: the outlets' workload share per skill (rows of the plan's
    outlets, columns of its skills). The sizing's own holders count each
    technician fully in every skill group; dealing by workload makes the
    skills with most of the work held by most of the crew.
    """
    if not plan.skill_names:
        return plan
    rows = [
        deal_skills(share[o], int(plan.technicians[o, j]), k)
        for o in range(plan.n_outlets)
        for j in range(len(plan.shifts))
        if plan.technicians[o, j]
    ]
    ts = np.concatenate(rows) if rows else np.zeros((0, len(plan.skill_names)), bool)
    return dataclasses.replace(plan, tech_skills=ts)


def technicians_from_staffing(
    data: ScenarioData, plan: StaffingPlan
) -> tuple[Technician, ...]:
    """The plan's technicians: each at its outlet, on its shift's days and hours.

    Breaks follow ``[workforce]`` when its break window lies inside the
    shift, else the middle of shifts over six hours; vans carry the parts of
    the technician's skills (:func:`~planner.scenario.crew.van_stock`).
    Skills are the plan's (:func:`redeal_skills` deals them by workload).
    """
    w = data.spec.workforce
    brk = TimeWindow.parse(w.break_window)
    site_of = {str(data.sites.ids[i]): int(i) for i in range(data.sites.n_sites)}
    out: list[Technician] = []
    t = 0
    for o in range(plan.n_outlets):
        oid = plan.outlet_ids[o]
        si = site_of[oid]
        loc = (float(data.sites.lon[si]), float(data.sites.lat[si]))
        k = 0
        for j, sh in enumerate(plan.shifts):
            start, end = int(sh.start_min), min(int(sh.end_min), 1440)
            length = end - start
            if brk.start_min >= start and brk.end_min <= end:
                bw, bmin = brk, float(w.break_min)
            elif length > 360:
                mid = start + length / 2
                bw, bmin = TimeWindow(mid - 60, mid + 60), float(w.break_min)
            else:
                bw, bmin = None, 0.0
            for _ in range(int(plan.technicians[o, j])):
                held: list[int] = (
                    np.flatnonzero(plan.tech_skills[t]).tolist()
                    if plan.skill_names
                    else []
                )
                skills = (
                    {plan.skill_names[i] for i in held}
                    if len(held)
                    else set(data.catalog.skills)
                )
                t += 1
                k += 1
                out.append(
                    Technician(
                        id=f"{oid}-{sh.name}-{k:02d}",
                        outlet_id=oid,
                        start_lonlat=loc,
                        skills=skills,
                        shift=TimeWindow(start, end),
                        break_window=bw,
                        break_min=bmin,
                        cost_per_hour=data.costs.labour_per_hour * sh.cost_factor,
                        max_overtime_min=float(w.max_overtime_min),
                        van_stock=van_stock(skills, data.catalog),
                        workdays=frozenset(int(d) for d in sh.weekdays),
                    )
                )
    return tuple(out)
