"""Workforce sizing: speed, cost against the LP bound, predicted and simulated SLA.

Instances: the default scenario's existing outlets with their nearest-outlet
allocation (travel inside the visit time), and generated networks of several
sizes, seeds and hour profiles. Printed per instance: outlets, technicians,
labour + overtime per year, the LP bound of the shift covering (the same
per-hour requirement, fractional technicians; scipy's HiGHS, not our wrapper)
and the gap to it, the uniform 8-per-outlet staffing of today for context,
predicted SLA per class, the SLA an independent event simulation
(``tests/staffing/qsim.py``) finds on a sample of outlets against the
prediction for the same outlets, wall and CPU seconds, threads.

    .venv/bin/python benchmarks/bench_staffing.py
    .venv/bin/python benchmarks/bench_staffing.py --sizes 50,250,1000 --seeds 0,1,2
    .venv/bin/python benchmarks/bench_staffing.py --networks 20   # pricing networks
    .venv/bin/python benchmarks/bench_staffing.py --skip-default --on-call

Figures and their history: ``benchmarks/README.md`` (Staffing).
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import time
from pathlib import Path

import numpy as np
from scipy.optimize import linprog

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from planner.staffing import (
    StaffingProblem,
    period_requirement,
    size_workforce,
    visit_moments,
)
from tests.staffing.qsim import simulate

SHARES = np.array([0.1, 0.4, 0.5])  # urgent, important, general
BUSINESS_HP = np.r_[np.full(7, 0.01), np.full(13, 0.07), np.full(4, 0.01)]
BUSINESS_HP = BUSINESS_HP / BUSINESS_HP.sum()
FLAT = np.full(24, 1 / 24)
PEAKY = np.exp(-0.5 * ((np.arange(24) - 11.0) / 2.5) ** 2) + 0.02
PEAKY = PEAKY / PEAKY.sum()
PROFILES = {
    "business": np.stack([FLAT, BUSINESS_HP, BUSINESS_HP]),  # urgent around the clock
    "flat": np.stack([FLAT, FLAT, FLAT]),
    "peaky": np.stack([PEAKY, PEAKY, PEAKY]),
}
DOW = np.array([1.1, 1.05, 1.0, 1.0, 1.05, 0.5, 0.3])
DOW = DOW / DOW.sum()


def generated(n: int, seed: int, profile: str) -> StaffingProblem:
    """Outlets with lognormal demand (median 4,000 tickets a year), visits 70-150 min."""
    rng = np.random.default_rng(seed)
    y = rng.lognormal(np.log(4000), 0.9, n)
    vm = rng.uniform(70, 150, (n, 1)) * np.array([1.1, 1.0, 0.9])
    return StaffingProblem.from_arrays(
        tickets_per_year=y[:, None] * SHARES,
        hour_profile=PROFILES[profile],
        dow_profile=DOW,
        visit_mean_min=vm,
        visit_cv=rng.uniform(0.5, 1.0, (n, 1)),
    )


def on_call(p: StaffingProblem) -> StaffingProblem:
    """The same problem with the evening and night shifts on call (urgent only)."""
    shifts = tuple(
        dataclasses.replace(s, urgent_only=s.name in ("evening", "night"))
        for s in p.shifts
    )
    return dataclasses.replace(p, shifts=shifts)


def default_scenario() -> tuple[StaffingProblem, dict]:
    """The default scenario's existing outlets, nearest allocation, catalogue repairs."""
    from planner.scenario import load_scenario
    from planner.scenario.build import build
    from planner.scenario.stages import allocation

    data = build(
        load_scenario(Path(__file__).resolve().parents[1] / "scenarios/default.toml")
    )
    ex = np.flatnonzero(data.sites.existing)
    tm = data.travel.matrix(data.demand.lonlat, data.sites.lonlat[ex], dtype=np.float32)
    a_site = allocation(data)
    a = np.searchsorted(ex, a_site)
    one_way = tm.duration_min[np.arange(len(a)), a].astype(np.float64)
    w = data.demand.total_per_year
    shares = [f.share for c in data.catalog.categories for f in c.faults]
    reps = [f.repair_min for c in data.catalog.categories for f in c.faults]
    sw = np.asarray(shares) / np.sum(shares)
    m1 = float(sw @ np.asarray(reps))
    m2 = float(sw @ (np.asarray(reps) ** 2 * 1.25))  # lognormal cv 0.5 per fault
    rcv = np.sqrt(max(m2 / m1**2 - 1, 0.0))
    mean, cv = visit_moments(m1, rcv, one_way, w, a, len(ex))
    tickets = np.bincount(a, weights=w, minlength=len(ex))
    p = StaffingProblem.from_arrays(
        tickets_per_year=tickets[:, None] * SHARES,
        hour_profile=PROFILES["business"],
        dow_profile=DOW,
        visit_mean_min=mean[:, None],
        visit_cv=cv[:, None],
        outlet_ids=[str(data.sites.ids[i]) for i in ex],
    )
    info = {
        "matrix": data.travel.matrix(
            data.demand.lonlat, data.sites.lonlat, dtype=np.float32
        ),
        "weights": w,
        "repair": (m1, rcv),
    }
    return p, info


def lp_bound(p: StaffingProblem, max_utilization: float = 0.85) -> float:
    """Labour cost of fractional technicians covering the per-hour requirement."""
    req = period_requirement(p)
    cov = p.shift_matrix().astype(float)
    paid = np.array([s.paid_h_per_week for s in p.shifts])
    cost = (
        paid * np.array([s.cost_factor for s in p.shifts]) * p.labour_per_hour * 365 / 7
    )
    work = p.work_h_per_week()
    total = 0.0
    for o in range(p.n_outlets):
        if work[o] == 0:
            continue
        rows = req[o] > 0
        a_ub = -np.vstack([cov[rows], paid[None, :]])
        b_ub = -np.concatenate([req[o, rows], [work[o] / max_utilization]])
        bounds = [(0, None if ok else 0) for ok in p.shift_allowed[o]]
        res = linprog(cost, A_ub=a_ub, b_ub=b_ub, bounds=bounds, method="highs")
        total += float(res.fun)
    return total


def uniform_cost(p: StaffingProblem, per_outlet: int = 8) -> float:
    """Today's staffing: 8 technicians per outlet on the day shift."""
    day = next(s for s in p.shifts if s.name == "day")
    return p.n_outlets * per_outlet * day.paid_h_per_week * p.labour_per_hour * 365 / 7


def simulated(
    p: StaffingProblem, plan, n_sample: int, weeks: float, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Simulated and predicted SLA per class over a sample of own outlets (ticket-weighted)."""
    own = np.flatnonzero(~plan.partner & (p.tickets_per_week().sum(1) > 0))
    # partner tickets are neither predicted nor simulated here
    if not own.size or n_sample == 0:
        return np.full(p.n_classes, np.nan), np.full(p.n_classes, np.nan)
    order = own[np.argsort(p.tickets_per_week()[own].sum(1))]
    pick = order[
        np.unique(np.linspace(0, len(order) - 1, min(n_sample, len(order))).astype(int))
    ]
    bh = p.business_hours
    clocks = [None if c.clock == "calendar" else bh for c in p.classes]
    ok = np.zeros(p.n_classes)
    cnt = np.zeros(p.n_classes)
    pred = np.zeros(p.n_classes)
    w = np.zeros(p.n_classes)
    for o in pick:
        uo = np.array([s.urgent_only for s in p.shifts])
        nu = (plan.technicians[o] * uo) @ p.shift_matrix().T
        own_cls = ~plan.partner_classes[o]  # partner tickets are not simulated
        out = simulate(
            p.arrival_per_h[o] * own_cls[:, None],
            p.visit_mean_min[o],
            p.visit_cv[o],
            plan.on_duty()[o] - nu,
            weeks=weeks,
            seed=seed + int(o),
            business=clocks,
            on_call=nu,
        )
        for j, c in enumerate(p.classes):
            if not own_cls[j]:
                continue
            ok[j] += float((out.waits[j] <= c.target_min).sum())
            cnt[j] += len(out.waits[j])
            pred[j] += plan.sla[o, j] * p.tickets_per_week()[o, j]
            w[j] += p.tickets_per_week()[o, j]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(cnt > 0, ok / cnt, np.nan), np.where(w > 0, pred / w, np.nan)


def row(name: str, p: StaffingProblem, args: argparse.Namespace, **kw) -> None:
    t0, c0 = time.perf_counter(), time.process_time()
    plan = size_workforce(p, **kw)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    lab = plan.labour_per_year.sum()
    ot = plan.overtime_per_year.sum()
    plain = not kw and not any(s.urgent_only for s in p.shifts)
    lp = lp_bound(p) if plain else float("nan")  # the LP knows no on-call rules
    gap = 100 * (lab - lp) / lp if lp == lp else float("nan")
    sim, pred = simulated(p, plan, args.sim_outlets, args.sim_weeks, args.seed)
    f = lambda v: "/".join(f"{x:.3f}" for x in v)  # noqa: E731
    print(
        f"{name:<26} {p.n_outlets:>5} {plan.n_technicians:>6} {int(plan.partner.sum()):>4} "
        f"{(lab + ot) / 1e6:>9.2f} {lp / 1e6:>9.2f} {gap:>6.1f} {uniform_cost(p) / 1e6:>8.2f} "
        f"{f(plan.sla_by_class()):>17} {f(pred):>17} {f(sim):>17} {wall:>6.2f} {cpu:>6.2f} "
        f"{plan.stats.extra.get('threads', 1):>3}",
        flush=True,
    )


def networks(info: dict, p0: StaffingProblem, n_networks: int, seed: int) -> None:
    """Price candidate networks (random p among the default sites, nearest allocation)."""
    rng = np.random.default_rng(seed)
    mat, w = info["matrix"], info["weights"]
    m1, rcv = info["repair"]
    total_wall = total_cpu = 0.0
    print(
        f"\n{'network':<10} {'p':>4} {'techs':>6} {'partner':>7} {'urg->p':>6} "
        f"{'cost M/yr':>10} {'urgent':>7} {'wall s':>7} {'CPU s':>6}"
    )
    for k in range(n_networks):
        n_open = int(rng.integers(150, 351))
        open_idx = np.sort(rng.choice(mat.duration_min.shape[1], n_open, replace=False))
        t0, c0 = time.perf_counter(), time.process_time()
        d = mat.duration_min[:, open_idx]
        a = np.argmin(d, axis=1)
        one_way = d[np.arange(len(a)), a].astype(np.float64)
        mean, cv = visit_moments(m1, rcv, one_way, w, a, n_open)
        tickets = np.bincount(a, weights=w, minlength=n_open)
        p = StaffingProblem.from_arrays(
            tickets_per_year=tickets[:, None] * SHARES,
            hour_profile=PROFILES["business"],
            dow_profile=DOW,
            visit_mean_min=mean[:, None],
            visit_cv=cv[:, None],
        )
        plan = size_workforce(p, partner_overflow=True)
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        total_wall += wall
        total_cpu += cpu
        print(
            f"net{k:<7} {n_open:>4} {plan.n_technicians:>6} {int(plan.partner.sum()):>7} "
            f"{int((plan.partner_classes[:, 0] & ~plan.partner).sum()):>6} "
            f"{plan.total_cost_per_year / 1e6:>10.2f} "
            f"{plan.sla_by_class()[0]:>7.3f} {wall:>7.2f} {cpu:>6.2f}",
            flush=True,
        )
    print(
        f"{n_networks} networks priced in {total_wall:.1f} s wall, {total_cpu:.1f} CPU s "
        "(allocation, visit moments and sizing each)"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="250", help="generated network sizes")
    ap.add_argument("--seeds", default="0")
    ap.add_argument("--profiles", default="business,flat,peaky")
    ap.add_argument("--skip-default", action="store_true")
    ap.add_argument("--sim-outlets", type=int, default=5)
    ap.add_argument("--sim-weeks", type=float, default=20.0)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--networks", type=int, default=0)
    ap.add_argument("--on-call", action="store_true", help="also evening/night on call")
    args = ap.parse_args()
    print(f"load: {os.getloadavg()[0]:.2f} (1-min), {os.cpu_count()} cores")
    print(
        f"{'instance':<26} {'outl':>5} {'techs':>6} {'prt':>4} {'lab+OT M':>9} {'LP lab M':>9} "
        f"{'gap %':>6} {'8/outl M':>8} {'pred SLA u/i/g':>17} {'pred(sample)':>17} "
        f"{'sim(sample)':>17} {'wall s':>6} {'CPU s':>6} {'thr':>3}"
    )
    info = None
    if not args.skip_default or args.networks:
        p, info = default_scenario()
        if not args.skip_default:
            row("default existing", p, args)
            row("default existing+partner", p, args, partner_overflow=True)
    for n in (int(x) for x in args.sizes.split(",") if x):
        for s in (int(x) for x in args.seeds.split(",") if x):
            for prof in args.profiles.split(","):
                row(f"gen n{n} s{s} {prof}", generated(n, s, prof), args)
            if args.on_call:
                row(
                    f"gen n{n} s{s} business on-call",
                    on_call(generated(n, s, "business")),
                    args,
                )
    if args.networks and info is not None:
        networks(info, p, args.networks, args.seed)


if __name__ == "__main__":
    main()
