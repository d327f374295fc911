"""The stages of a scenario run, each from :class:`ScenarioData` to a result.

Each function prepares the arrays a planning module takes (cost matrices from
the travel model, weights, forced-open and excluded sites) and calls it; it
never writes files (the pipeline does) or prints.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from planner.core.progress import Progress, ProgressCallback
from planner.core.workforce import Technician
from planner.inventory import StockPlan, plan_stock
from planner.routing import DispatchPlan, check_plan, solve_dispatch
from planner.routing.tables import problem_from_tables
from planner.scenario.build import ScenarioData
from planner.scenario.crew import workforce
from planner.scenario.generate import generate_day
from planner.sim import NightlyRouting, SimModel, SimResult, simulate
from planner.siting import SITING_MODELS, SiteOptions, SitingCase, SitingPlan

__all__ = [
    "SitingInputs",
    "allocation",
    "part_demand",
    "run_inventory",
    "run_routing",
    "run_simulation",
    "run_siting",
    "sim_model",
    "siting_inputs",
    "stock_levels",
]


@dataclass(frozen=True, slots=True, eq=False)
class SitingInputs:
    """Arrays of the siting question of a scenario.

    Attributes
    ----------
    duration_min
        Demand point x site travel minutes (float32).
    cost_per_ticket
        Demand point x site cost of serving one ticket: a round trip priced by
        the cost model (distance x travel_per_km + time x labour and travel
        per hour).
    weights
        Tickets per year per demand point.
    existing_idx, excluded_idx
        Existing outlets and sites never opened.
    options
        The sites' options from the outlets table: existing outlets with
        their closing costs, excluded sites, partners with their fees, every
        site's fixed cost per year, and ``[siting] budget``.
    """

    duration_min: np.ndarray
    cost_per_ticket: np.ndarray
    weights: np.ndarray
    existing_idx: np.ndarray
    excluded_idx: np.ndarray
    options: SiteOptions = field(default_factory=SiteOptions)


def siting_inputs(data: ScenarioData) -> SitingInputs:
    """Travel matrices and weights for the scenario's siting question."""
    tm = data.travel.matrix(data.demand.lonlat, data.sites.lonlat, dtype=np.float32)
    r = data.costs
    per_hour = r.labour_per_hour + r.travel_per_hour
    cost = 2.0 * (
        tm.distance_m / 1000.0 * r.travel_per_km + tm.duration_min / 60.0 * per_hour
    )
    ids = {str(v): i for i, v in enumerate(data.sites.ids)}
    excluded = np.array(
        sorted(ids[s] for s in data.spec.outlets.excluded), dtype=np.int64
    )
    return SitingInputs(
        duration_min=np.asarray(tm.duration_min, dtype=np.float32),
        cost_per_ticket=np.asarray(cost, dtype=np.float32),
        weights=data.demand.total_per_year,
        existing_idx=np.flatnonzero(data.sites.existing),
        excluded_idx=excluded,
        options=SiteOptions.from_outlets(
            data.sites, excluded=excluded, budget=data.spec.siting.budget
        ),
    )


def run_siting(
    data: ScenarioData,
    inputs: SitingInputs | None = None,
    *,
    time_limit_s: float | None = None,
    progress: ProgressCallback | None = None,
) -> SitingPlan:
    """Solve the scenario's siting model (``[siting]``) on its region.

    The model comes from :data:`planner.siting.SITING_MODELS` and gets the
    sites' options (partners and their fees, closing and fixed costs, the
    budget): the travel-time models keep existing outlets open (``p`` counts
    them) and serve partner demand at its travel time; set covering and
    facility location price fees and closing costs in the scenario's
    currency; the facility-location model prices travel with the cost model
    and opens sites at their fixed cost per year, within their capacity.
    Every plan carries the money, so its ``cost_breakdown()`` prices it.
    """
    s = data.spec.siting
    x = inputs if inputs is not None else siting_inputs(data)
    limit = s.time_limit_s if time_limit_s is None else time_limit_s
    seed = data.spec.seed
    tell(
        progress,
        "siting",
        f"solving {s.model} on {x.duration_min.shape[0]:,} x "
        f"{x.duration_min.shape[1]:,} (time limit {limit:g} s)",
    )
    case = SitingCase(
        travel=x.duration_min,
        weights=x.weights,
        options=x.options,
        money=x.cost_per_ticket,
        p=s.p,
        radius=s.radius_min,
        target_share=s.target_share,
        capacity=data.sites.capacity_per_year,
        time_limit_s=limit,
        seed=seed,
        progress=progress,
    )
    return SITING_MODELS[s.model].solve(case)


def tell(progress: ProgressCallback | None, task: str, message: str) -> None:
    """Report one step of ``task`` as a :class:`Progress` record (if asked)."""
    if progress is not None:
        progress(Progress(task, message))


def allocation(data: ScenarioData, plan: SitingPlan | None = None) -> np.ndarray:
    """Site index serving each demand point.

    The siting plan's allocation when there is one; otherwise the nearest
    existing outlet by travel time (all demand unallocated, -1, if there is
    none).
    """
    if plan is not None:
        return np.asarray(plan.assign_idx, dtype=np.int64)
    ex = np.flatnonzero(data.sites.existing)
    if len(ex) == 0:
        return np.full(data.demand.n_points, -1, dtype=np.int64)
    tm = data.travel.matrix(data.demand.lonlat, data.sites.lonlat[ex], dtype=np.float32)
    return ex[np.argmin(tm.duration_min, axis=1)]


def part_demand(
    data: ScenarioData, assign_idx: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Expected units per day of each part at each serving outlet.

    A category's tickets use a part at the rate ``sum over faults of
    share x (1 - remote_fix_rate) x P(part)``: tickets fixed by phone use no
    parts. Returns the part ids, the outlet (site) indices that serve demand,
    and the ``(n_parts, n_outlets)`` daily rates.
    """
    cat = data.catalog
    part_ids = np.array([p.id for p in cat.parts], dtype=object)
    col = {p.id: i for i, p in enumerate(cat.parts)}
    usage = np.zeros((len(cat.categories), len(part_ids)))
    for ci, c in enumerate(cat.categories):
        for f in c.faults:
            for pid, prob in f.parts.items():
                usage[ci, col[pid]] += f.share * (1.0 - f.remote_fix_rate) * prob
    served = assign_idx >= 0
    outlets = np.unique(assign_idx[served])
    pos = np.searchsorted(outlets, assign_idx[served])
    per_outlet = np.zeros((len(outlets), len(cat.categories)))
    np.add.at(per_outlet, pos, data.demand.tickets_per_year[served])
    rate = (per_outlet @ usage).T / 365.0
    return part_ids, outlets, rate


def run_inventory(
    data: ScenarioData,
    plan: SitingPlan | None = None,
    *,
    progress: ProgressCallback | None = None,
) -> StockPlan:
    """Reorder policy per part at every outlet that serves demand (``[inventory]``).

    One :func:`~planner.inventory.plan_stock` call over all (part, outlet)
    rows: daily periods, the parts' lead times in days, costs from
    ``[costs]``, the policy and targets of ``[inventory]``.
    """
    spec = data.spec.inventory
    part_ids, outlets, rate = part_demand(data, allocation(data, plan))
    n_p, n_o = rate.shape
    unit_cost = np.array([p.unit_cost for p in data.catalog.parts], dtype=float)
    lead = np.array([p.lead_time_days for p in data.catalog.parts], dtype=float)
    tell(
        progress,
        "inventory",
        f"optimizing {spec.policy} for {n_p} parts x {n_o} outlets",
    )

    loc_ids = np.asarray(data.sites.ids, dtype=object)[outlets]
    return plan_stock(
        np.repeat(part_ids, n_o),
        np.tile(loc_ids, n_p),
        rate.reshape(-1),
        np.repeat(unit_cost, n_o),
        rates=data.costs,
        policy=spec.policy,
        lead_time_days=np.repeat(lead, n_o),
        fill_rate=spec.fill_rate,
        ready_rate=spec.ready_rate,
        period_days=1.0,
        meta={"currency": data.spec.currency},
        progress=progress,
    )


def stock_levels(
    data: ScenarioData, stock: StockPlan | None
) -> tuple[np.ndarray, np.ndarray] | None:
    """Order-up-to levels and reorder points ``(n_parts, n_sites)`` for the simulator.

    Base-stock rows give ``S`` and ``s = S - 1`` (one for one); (s,S) rows
    their ``s`` (at least -1) and ``S``. The simulator reviews continuously
    (at every unit used) where the plan assumed a daily review, which orders
    a little earlier: the run's manifest says so.
    """
    if stock is None:
        return None
    f = stock.to_frame()
    part = {p.id: i for i, p in enumerate(data.catalog.parts)}
    site = {str(v): i for i, v in enumerate(data.sites.ids)}
    big_s = np.maximum(f["order_up_to"].to_numpy(dtype=float), 0.0)
    s = np.where(
        f["policy"].to_numpy() == "sS",
        f["reorder_point"].to_numpy(dtype=float),
        big_s - 1.0,
    )
    s = np.clip(s, -1.0, big_s - 1.0)
    up = np.zeros((len(part), data.sites.n_sites))
    low = np.full((len(part), data.sites.n_sites), -1.0)
    rows = f["part_id"].map(part).to_numpy(dtype=np.int64)
    cols = f["location_id"].map(site).to_numpy(dtype=np.int64)
    up[rows, cols] = big_s
    low[rows, cols] = s
    return up, low


def sim_model(
    data: ScenarioData,
    siting: SitingPlan | None = None,
    stock: StockPlan | None = None,
    technicians: tuple[Technician, ...] | None = None,
) -> SimModel:
    """The scenario's network as a :class:`~planner.sim.SimModel`.

    With a siting plan, its open outlets serve its allocation and each new
    outlet gets the ``[workforce]`` crew; without one, the existing outlets
    and workforce serve the nearest demand. ``technicians`` replaces the
    whole workforce (e.g. a sized one). Demand points carry their area's
    radius, business-hours targets count ``[service_hours]``, and
    ``[simulation.process]`` sets reach, follow-ups, complaints and rework.
    """
    spec = data.spec.simulation
    pr = spec.process
    techs = data.technicians if technicians is None else technicians
    assign = None
    if siting is not None:
        assign = np.asarray(siting.assign_idx, dtype=np.int64)
        if technicians is None:
            staffed = {t.outlet_id for t in techs}
            new = [
                int(i) for i in siting.open_idx if str(data.sites.ids[i]) not in staffed
            ]
            techs = techs + workforce(
                data.spec, data.sites, data.catalog, data.demand, new
            )
    levels = stock_levels(data, stock)
    return SimModel.from_core(
        data.demand,
        data.sites,
        techs,
        data.catalog,
        data.urgency,
        data.costs,
        assign_idx=assign,
        travel=data.travel,
        stock=None if levels is None else levels[0],
        reorder_point=None if levels is None else levels[1],
        point_radius_m=data.demand_radius_m,
        reach_min=math.inf if pr.reach_h is None else pr.reach_h * 60.0,
        service_hours=data.service_hours,
        partner_response_min=spec.partner_response_h * 60.0,
        followup_prob=pr.followup_prob,
        followup_min=pr.followup_min,
        complaint_late_share=pr.complaint_late_share,
        rework_window_days=pr.rework_window_days,
        cancel_after_min=math.inf
        if pr.cancel_after_h is None
        else pr.cancel_after_h * 60,
        start_date=spec.start_date,
    )


def run_simulation(
    data: ScenarioData,
    siting: SitingPlan | None = None,
    stock: StockPlan | None = None,
    *,
    technicians: tuple[Technician, ...] | None = None,
    progress: ProgressCallback | None = None,
) -> SimResult:
    """Simulate the scenario's network (``[simulation]``) and summarize its KPIs.

    The network is :func:`sim_model`'s; every replication uses the scenario's
    seed, so two networks simulated from one scenario see the same tickets.
    """
    spec = data.spec.simulation
    model = sim_model(data, siting, stock, technicians)
    tell(
        progress,
        "simulation",
        f"simulating {spec.horizon_days} days x {spec.n_reps} replications",
    )

    return simulate(
        model,
        dispatch=spec.dispatch,
        routing=NightlyRouting(horizon_days=spec.routing_horizon_days),
        horizon_days=spec.horizon_days,
        warmup_days=spec.warmup_days,
        n_reps=spec.n_reps,
        seed=data.spec.seed,
        n_jobs=spec.n_jobs if spec.scheduler is None else 1,
        executor=spec.scheduler,
        target_half_width=spec.target_half_width,
        progress=progress,
    )


def run_routing(
    data: ScenarioData, *, progress: ProgressCallback | None = None
) -> DispatchPlan:
    """Draw the ``[routing]`` dispatch day, plan it, and check it independently.

    The day's tickets and technicians come from :func:`generate_day`; travel
    and costs from the scenario. The plan passes the route validator (which
    shares no code with the solver) or this raises.
    """
    import datetime as dt

    spec = data.spec.routing
    day = dt.date.fromisoformat(spec.date)
    d = generate_day(data, day, n_tickets=spec.jobs, outlets=spec.outlets or None)
    tell(
        progress,
        "routing",
        f"planning {len(d.tickets):,} jobs for {len(d.technicians):,} "
        f"technicians on {day}",
    )
    problem = problem_from_tables(
        d.tickets, d.technicians, day, travel=data.travel, rates=data.costs
    )
    plan = solve_dispatch(
        problem,
        time_limit_s=spec.time_limit_s,
        seed=data.spec.seed,
        max_iterations=spec.max_iterations,
    )
    check_plan(problem, plan)
    return plan
