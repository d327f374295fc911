"""The dispatcher's day: promised slots and an 11:00 re-plan, timed, against peers.

For each day (the shared 500-job field day and generated days of other
sizes and seeds) the script plans the day once, then:

* **slots**: ``offer_slots`` for ``--tickets`` new tickets (random place,
  60 min, a random skill, 2-hour slots), against a naive peer that tries
  every position of every route with the full schedule (no bounds): the
  same offers must come out (checked), ours faster;
* **re-plan** at 11:00 with 20 new urgent jobs and the technician with the
  most visits left absent: ``replan`` against a peer that re-solves the rest
  of the day from scratch (``solve_dispatch`` on the same from-now problem,
  ``--peer-s`` seconds): jobs served, urgent served, published visits moved
  and wall time. Both plans are checked by the validator.

    .venv/bin/python benchmarks/bench_routing_day.py [--only fd_n500] [--plan-s 20] [--peer-s 10] [--rush]

With ``--rush`` the day is also planned with rush hours (07-09 at 0.6, 16-18
at 0.7 of free-flow speed), validated hour by hour; with ``--horizon`` over
three days (SLA deadlines from creation times in the two days before, the
busiest technician absent on day 1). ``--rush-split ITERS`` only compares
static travel, rush hours and the mean matrix the search sees, by iterations.

Measurements and their history: ``benchmarks/README.md``.
"""

from __future__ import annotations

import argparse
import os
import resource
import time
from pathlib import Path

import numpy as np

from planner.core.cost import CostRates
from planner.geo import SpeedProfile
from planner.routing import DispatchProblem, check_plan, solve_dispatch
from planner.routing.edit import NewJob, add_jobs, plan_routes
from planner.routing.horizon import HorizonProblem
from planner.routing.horizon_solve import solve_horizon
from planner.routing.instances import read_field_day
from planner.routing.replan import Absent, replan
from planner.routing.schedule import best_schedule, route_cost
from planner.routing.slots import offer_slots

FIELD = (
    Path(__file__).resolve().parents[1].parent / "shared" / "benchmarks" / "field_day"
)


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def generated_day(n: int, m: int, seed: int) -> DispatchProblem:
    """A field day like the shared ones: clustered jobs on 40 x 40 km, 4-hour windows, 3 skills."""
    rng = np.random.default_rng(seed)
    centres = rng.uniform(5, 35, size=(6, 2))
    c = rng.integers(0, 6, size=n)
    jx = np.clip(centres[c] + rng.normal(0, 4.5, size=(n, 2)), 0, 40)
    hx = rng.uniform(5, 35, size=(m, 2))
    xy = np.vstack([hx, jx])
    e = np.sqrt(((xy[:, None] - xy[None]) ** 2).sum(axis=2))
    dur = np.rint(1.3 * e / 30.0 * 3600) / 60.0
    early = rng.choice([480.0, 600.0, 720.0, 840.0], size=n)
    js = np.zeros((n, 3), bool)
    js[np.arange(n), rng.integers(0, 3, size=n)] = True
    ts = rng.random((m, 3)) < 0.6
    ts[np.arange(m), rng.integers(0, 3, size=m)] = True
    return DispatchProblem(
        duration_min=dur,
        distance_m=1.3 * e * 1000,
        job_loc=np.arange(m, m + n),
        service_min=rng.integers(30, 120, size=n).astype(float),
        tw_ptr=np.arange(n + 1),
        tw_early_min=early,
        tw_late_min=early + 240,
        tech_start_loc=np.arange(m),
        tech_end_loc=np.arange(m),
        shift_start_min=np.full(m, 480.0),
        shift_end_min=np.full(m, 1020.0),
        job_skills=js,
        tech_skills=ts,
        skill_names=("0", "1", "2"),
        rates=CostRates(travel_per_km=0.0, travel_per_hour=1.0),
        drop_penalty=np.full(n, 100.0),
        job_ids=tuple(f"J{i}" for i in range(n)),
        tech_ids=tuple(f"T{i}" for i in range(m)),
    )


def naive_slots(plan, p, ticket, slot_min=120.0):  # type: ignore[no-untyped-def]
    """Every (slot, technician, position) with the full schedule: the reference offers."""
    pk = add_jobs(p, [ticket])
    j = pk.n_jobs - 1
    routes = plan_routes(plan)
    out = {}
    lo = float(np.min(pk.shift_start_min))
    hi = float(np.max(pk.shift_end_min + pk.max_overtime_min))
    s = np.floor(lo / slot_min) * slot_min
    js = np.asarray(pk.job_skills)[j]
    while s < hi:
        w0 = int(pk.tw_ptr[j])
        q = pk.replace(
            tw_early_min=np.concatenate([pk.tw_early_min[:w0], [max(s, lo)]]),
            tw_late_min=np.concatenate([pk.tw_late_min[:w0], [s + slot_min]]),
        )
        best = None
        for t in range(pk.n_techs):
            if (js & ~np.asarray(pk.tech_skills)[t]).any():
                continue
            r = routes[t]
            c0 = route_cost(q, t, best_schedule(q, t, r))
            for k in range(len(r) + 1):
                sc = best_schedule(q, t, [*r[:k], j, *r[k:]])
                if sc.ok:
                    c = route_cost(q, t, sc) - c0
                    best = c if best is None else min(best, c)
        if best is not None:
            out[float(max(s, lo))] = best
        s += slot_min
    return out


def bench_day(name: str, p: DispatchProblem, args: argparse.Namespace) -> list[tuple]:
    rows = []
    t0, c0 = time.perf_counter(), _cpu()
    plan = solve_dispatch(p, time_limit_s=args.plan_s, seed=0)
    check_plan(p, plan)
    rows.append(
        (
            name,
            "plan the day (served)",
            plan.n_served,
            "",
            "",
            time.perf_counter() - t0,
            _cpu() - c0,
            1,
        )
    )
    rng = np.random.default_rng(7)
    skills = p.skill_names
    walls, cpus, n_off, ref_walls, same = [], [], [], [], 0
    for i in range(args.tickets):
        loc = int(rng.integers(p.n_locations))
        sk = (skills[int(rng.integers(len(skills)))],) if skills else ()
        tk = NewJob(f"new{i}", 60.0, loc=loc, skills=sk)
        t0, c0 = time.perf_counter(), _cpu()
        offers = offer_slots(plan, p, tk, slot_min=120.0)
        walls.append(time.perf_counter() - t0)
        cpus.append(_cpu() - c0)
        n_off.append(len(offers))
        if i < args.ref_tickets:
            t0 = time.perf_counter()
            ref = naive_slots(plan, p, tk)
            ref_walls.append(time.perf_counter() - t0)
            mine = {o.start_min: o.cost for o in offers.offers}
            same += int(
                set(mine) == set(ref) and all(abs(mine[k] - ref[k]) < 1e-6 for k in ref)
            )
        if i == 0 and len(offers):
            p2, plan2 = offers.book(0)
            check_plan(p2, plan2)
    rows.append(
        (
            name,
            f"slots: offers per ticket (mean of {args.tickets})",
            f"{np.mean(n_off):.1f}",
            f"same as naive {same}/{len(ref_walls)}",
            "",
            float(np.mean(walls)),
            float(np.mean(cpus)),
            1,
        )
    )
    rows.append(
        (
            name,
            "slots: max wall s per ticket",
            f"{max(walls):.3f}",
            f"naive {np.mean(ref_walls):.2f} s" if ref_walls else "",
            "",
            max(walls),
            max(cpus),
            1,
        )
    )
    # re-plan at 11:00: 20 urgent jobs, the busiest technician absent
    now = 660.0
    st = np.asarray(plan.stop_tech)
    later = np.asarray(plan.start_min) > now
    busiest = int(np.bincount(st[later], minlength=p.n_techs).argmax())
    events: list[object] = [Absent(p.tech_ids[busiest])]
    for i in range(20):
        j = int(rng.integers(p.n_jobs))
        sk = tuple(p.skill_names[q] for q in np.flatnonzero(p.job_skills[j]))
        events.append(
            NewJob(
                f"U{i}",
                45.0,
                loc=int(p.job_loc[j]),
                skills=sk,
                urgency="urgent",
                windows=((now, 1020.0),),
            )
        )
    t0, c0 = time.perf_counter(), _cpu()
    r = replan(plan, p, now=now, events=events)  # type: ignore[arg-type]
    wall, cpu = time.perf_counter() - t0, _cpu() - c0
    check_plan(r.problem, r.plan)
    urgent = sum(
        1 for j in r.plan.stop_job.tolist() if r.problem.job_ids[j].startswith("U")
    )
    # the peer: re-solve the same rest of the day from scratch
    t1, c1 = time.perf_counter(), _cpu()
    peer = solve_dispatch(r.problem, time_limit_s=args.peer_s, seed=0)
    pwall, pcpu = time.perf_counter() - t1, _cpu() - c1
    check_plan(r.problem, peer)
    pub = {}
    for t, j, s in zip(
        st.tolist(), plan.stop_job.tolist(), plan.start_min.tolist(), strict=True
    ):
        if s > now:
            pub[p.job_ids[j]] = (t, s)
    pm = 0
    got = {
        r.problem.job_ids[j]: (t, s)
        for t, j, s in zip(
            peer.stop_tech.tolist(),
            peer.stop_job.tolist(),
            peer.start_min.tolist(),
            strict=True,
        )
    }
    for jid, (t, s) in pub.items():
        g = got.get(jid)
        if g is None or g[0] != t or abs(g[1] - s) > 60.0:
            pm += 1
    purg = sum(
        1 for j in peer.stop_job.tolist() if r.problem.job_ids[j].startswith("U")
    )
    rows.append(
        (
            name,
            "replan 11:00: served after 11:00",
            r.plan.n_served,
            f"re-solve {peer.n_served}",
            f"{r.plan.n_served - peer.n_served:+d}",
            wall,
            cpu,
            1,
        )
    )
    rows.append(
        (
            name,
            "replan 11:00: urgent new served /20",
            urgent,
            f"re-solve {purg}",
            f"{urgent - purg:+d}",
            wall,
            cpu,
            1,
        )
    )
    rows.append(
        (
            name,
            f"replan 11:00: published visits moved (of {len(pub)})",
            r.n_moved,
            f"re-solve {pm}",
            f"{r.n_moved - pm:+d}",
            wall,
            cpu,
            1,
        )
    )
    rows.append((name, "re-solve peer (wall, CPU)", "", "", "", pwall, pcpu, 1))
    if args.horizon:
        # three days, deadlines from creation times in the last two days, one absence
        created = rng.uniform(-2 * 1440.0, 480.0, size=p.n_jobs)
        urg = rng.choice([0, 1, 2], p=[0.1, 0.3, 0.6], size=p.n_jobs)
        hd = p.replace(job_urgency=urg)
        absent = np.zeros((p.n_techs, 3), bool)
        absent[busiest, 1] = True
        h = HorizonProblem.from_sla(hd, 3, created, absent=absent)
        t0, c0 = time.perf_counter(), _cpu()
        hp = solve_horizon(h, time_limit_s=args.plan_s, seed=0)
        w, c = time.perf_counter() - t0, _cpu() - c0
        check_plan(hp.flat_problem, hp.flat)
        k = hp.kpi_dict()
        on_time = int(((hp.job_day >= 0) & ~hp.job_late).sum())
        rows.append(
            (
                name,
                "horizon 3 days: on time / today / late",
                on_time,
                f"today {int(k['served_today'])}",
                f"late {int(k['served_late'])}",
                w,
                c,
                1,
            )
        )
        overdue = int((h.deadline_min < float(np.min(p.shift_start_min))).sum())
        rows.append(
            (
                name,
                "horizon: overdue before day 0 starts / unserved",
                overdue,
                f"unserved {int(k['not_in_horizon'])}",
                "",
                w,
                c,
                1,
            )
        )
    if args.rush:
        # the day with rush hours: planned on the mean matrix, timed exactly
        td = p.replace(speed_factors=SpeedProfile({"7-9": 0.6, "16-18": 0.7}))
        t0, c0 = time.perf_counter(), _cpu()
        tplan = solve_dispatch(td, time_limit_s=args.plan_s, seed=0)
        w, c = time.perf_counter() - t0, _cpu() - c0
        check_plan(td, tplan)
        rows.append(
            (
                name,
                "rush hours 7-9 x0.6, 16-18 x0.7: served",
                tplan.n_served,
                f"static {plan.n_served}",
                f"{tplan.n_served - plan.n_served:+d}",
                w,
                c,
                1,
            )
        )
    return rows


def rush_split(p: DispatchProblem, name: str, iters: int) -> list[tuple]:
    """Served on static travel, on rush hours, and on the mean matrix the search sees (by iterations)."""
    from planner.routing.schedule import static_problem

    td = p.replace(speed_factors=SpeedProfile({"7-9": 0.6, "16-18": 0.7}))
    rows = []
    for what, q in (
        ("static", p),
        ("rush hours", td),
        ("mean matrix", static_problem(td)),
    ):
        t0, c0 = time.perf_counter(), _cpu()
        plan = solve_dispatch(q, max_iterations=iters, seed=0)
        check_plan(q, plan)
        rows.append(
            (
                name,
                f"{what}, {iters} iterations: served",
                plan.n_served,
                f"travel {plan.kpi_dict()['travel_h']:.1f} h",
                "",
                time.perf_counter() - t0,
                _cpu() - c0,
                1,
            )
        )
    return rows


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", default=None)
    ap.add_argument("--plan-s", type=float, default=20.0)
    ap.add_argument("--peer-s", type=float, default=10.0)
    ap.add_argument("--tickets", type=int, default=20)
    ap.add_argument("--ref-tickets", type=int, default=3)
    ap.add_argument("--rush", action="store_true", help="also plan with rush hours")
    ap.add_argument("--horizon", action="store_true", help="also plan three days")
    ap.add_argument(
        "--rush-split",
        type=int,
        default=0,
        metavar="ITERS",
        help="only: static vs rush hours vs the mean matrix, by iterations",
    )
    args = ap.parse_args()
    days = [
        ("fd_n500_m50_s1", lambda: read_field_day(FIELD / "fd_n500_m50_s1.json")),
        ("gen_n200_m20_s2", lambda: generated_day(200, 20, 2)),
        ("gen_n250_m50_s3 (room)", lambda: generated_day(250, 50, 3)),
        ("gen_n500_m100_s4 (room)", lambda: generated_day(500, 100, 4)),
        ("gen_n1000_m100_s5", lambda: generated_day(1000, 100, 5)),
    ]
    print(f"load: {os.getloadavg()[0]:.1f} (1 min), cores {os.cpu_count()}")
    print(
        f"{'instance':24} {'what':45} {'ours':>8} {'reference':>22} {'gap':>6} "
        f"{'wall s':>8} {'CPU s':>8} {'thr':>3}"
    )
    for name, make in days:
        if args.only and not name.startswith(args.only):
            continue
        rows = (
            rush_split(make(), name, args.rush_split)
            if args.rush_split
            else bench_day(name, make(), args)
        )
        for row in rows:
            inst, what, ours, ref, gap, w, c, th = row
            print(
                f"{inst:24} {what:45} {ours!s:>8} {ref!s:>22} {gap!s:>6} "
                f"{w:8.3f} {c:8.3f} {th:3d}",
                flush=True,
            )


if __name__ == "__main__":
    main()
