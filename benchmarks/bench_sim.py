"""Simulator throughput: tickets per second through the full process.

A generated national-size network (default 500 outlets, 5,000 demand points,
the embedded appliance catalogue, about 2 million tickets a year, technicians
sized to ~75 % load, base-stock levels at the Poisson 90 % quantile of
lead-time demand, vans stocked as the scenario stocks them) is simulated with the greedy dispatch rule for ``--days``
days, then the first ``--routing-days`` days again with the greedy rule and
with nightly routing (``dispatch="routing"``: one ``solve_dispatch`` per outlet
and night), side by side: tickets/s, travel minutes per visit, SLA. Printed: tickets, seconds and tickets/s for generation, the SimPy run
(triage, dispatch, travel, repair, parts) and the KPIs; bytes of the
per-ticket log and the extrapolation to 2 million tickets; peak RSS.

    .venv/bin/python benchmarks/bench_sim.py --days 30
    .venv/bin/python benchmarks/bench_sim.py --outlets 50 --points 500 --days 365
    .venv/bin/python benchmarks/bench_sim.py --outlets 50 --points 500 --days 14 \
        --routing-days 14 --skip-mmc
    .venv/bin/python benchmarks/bench_sim.py --days 14 --routing-days 14 --skip-mmc \
        --routing-min-batch 2 --routing-iter-per-job 10   # the old nightly routing

Also an M/M/c queue (c=20, rho=0.85, queue mode) for comparison with the
bare-SimPy figures in MEASURED.md. Timings on a shared machine are noisy.
"""

from __future__ import annotations

import argparse
import os
import resource
import time

import numpy as np
from scipy.stats import poisson

from planner.core import (
    Catalog,
    DemandPoints,
    FaultType,
    Outlets,
    ProductCategory,
    Technician,
    TimeWindow,
    UrgencyClass,
)
from planner.scenario import read_catalog
from planner.sim import (
    NightlyRouting,
    SimModel,
    generate_tickets,
    replication_kpis,
    run_replication,
)
from planner.sim.simulate import ticket_log


def national(
    n_outlets: int, n_points: int, tickets_per_year: float, seed: int
) -> SimModel:
    """A generated network on mainland-China-like coordinates."""
    cat = read_catalog()
    rng = np.random.default_rng(seed)
    lon = rng.uniform(100, 122, n_points)
    lat = rng.uniform(22, 42, n_points)
    pop = rng.lognormal(11, 1.0, n_points)
    share = np.array([c.failure_rate_per_1000 for c in cat.categories])
    rate = pop[:, None] * share[None, :]
    rate *= tickets_per_year / rate.sum()
    d = DemandPoints.from_arrays(
        [f"p{i}" for i in range(n_points)],
        lon,
        lat,
        tickets_per_year=rate,
        categories=cat.category_names,
    )
    pick = rng.choice(n_points, n_outlets, replace=False, p=pop / pop.sum())
    olon = lon[pick] + rng.normal(0, 0.02, n_outlets)
    olat = lat[pick] + rng.normal(0, 0.02, n_outlets)
    o = Outlets.from_arrays(
        [f"o{i}" for i in range(n_outlets)], olon, olat, existing=True
    )
    # nearest outlet (crow-fly) to size the crews
    d2 = (lon[:, None] - olon[None, :]) ** 2 + (lat[:, None] - olat[None, :]) ** 2
    near = np.argmin(d2, axis=1)
    load = np.bincount(near, rate.sum(axis=1), minlength=n_outlets)
    # crews for the peak month (air conditioners in July), not the mean
    seas = np.array([c.seasonal for c in cat.categories])  # (n_cat, 12)
    peak = float((rate.sum(axis=0) @ seas).max() / rate.sum())
    load = load * peak
    visit_min = 140.0  # repair + travel (long in this sparse network) + revisits
    per_tech = 540.0 * 365 * 0.75
    crew = np.maximum(1, np.ceil(load * 0.87 * visit_min / per_tech)).astype(int)
    skills = set(cat.skills)
    # vans as the scenario stocks them: 2 units of parts under 100, 1 under 150
    cost = {p.id: p.unit_cost for p in cat.parts}
    van = {
        pid: (2 if cost[pid] < 100 else 1)
        for c in cat.categories
        for f in c.faults
        for pid in f.parts
        if cost[pid] < 150
    }
    techs = [
        Technician(
            f"t{i}.{k}",
            (float(olon[i]), float(olat[i])),
            skills,
            TimeWindow(480, 1020),
            outlet_id=f"o{i}",
            break_window=TimeWindow(690, 810),
            break_min=30,
            max_overtime_min=60,
            van_stock=van,
        )
        for i in range(n_outlets)
        for k in range(crew[i])
    ]
    # base stock: Poisson 90 % quantile of lead-time demand per part and outlet
    cat_rate = np.zeros((n_outlets, len(cat.categories)))
    np.add.at(cat_rate, near, rate)
    part_ids = [p.id for p in cat.parts]
    use = np.zeros((len(cat.categories), len(part_ids)))
    for ci, c in enumerate(cat.categories):
        for f in c.faults:
            for pid, pr in f.parts.items():
                use[ci, part_ids.index(pid)] += f.share * pr * (1 - f.remote_fix_rate)
    lead = np.array([p.lead_time_days for p in cat.parts])
    mean_lt = (cat_rate @ use).T * lead[:, None] / 365.0
    stock = poisson.ppf(0.9, np.maximum(mean_lt, 1e-9)).astype(np.int64)
    urg = [
        UrgencyClass("urgent", 240, 0.15),
        UrgencyClass("important", 1440, 0.35),
        UrgencyClass("general", 4320, 0.5),
    ]
    hour = np.r_[np.full(7, 0.2), np.full(13, 1.6), np.full(4, 0.2)]
    hour *= 24 / hour.sum()
    return SimModel.from_core(
        d,
        o,
        techs,
        cat,
        urg,
        stock=stock,
        hour_profile=hour,
        dow_profile=np.array([1.1, 1.0, 1.0, 1.0, 1.0, 1.0, 0.9]),
        followup_prob=0.05,
    )


def queue_model(c: int, lam_per_min: float, mean_min: float) -> SimModel:
    """M/M/c in queue mode: one outlet, ``c`` technicians 24/7, zero travel."""
    cat = Catalog(
        (
            ProductCategory(
                "x", 1.0, np.ones(12), (FaultType("f", 1.0, "s", mean_min),)
            ),
        ),
        (),
    )
    d = DemandPoints.from_arrays(
        ["p"],
        [0.0],
        [0.0],
        tickets_per_year=[[lam_per_min * 525_600]],
        categories=["x"],
    )
    o = Outlets.from_arrays(["o"], [0.0], [0.0])
    techs = [
        Technician(f"t{k}", (0.0, 0.0), {"s"}, TimeWindow(0, 1440), outlet_id="o")
        for k in range(c)
    ]
    return SimModel.from_core(
        d,
        o,
        techs,
        cat,
        [UrgencyClass("general", 4320, 1.0)],
        always_on=True,
        repair_dist="exponential",
    )


def log_bytes(model: SimModel, log: object) -> int:
    """Bytes of the per-ticket log columns plus the visit columns."""
    cols = ticket_log(model, log)  # type: ignore[arg-type]
    b = sum(v.nbytes for v in cols.values())
    for name in (
        "v_tech",
        "v_ticket",
        "v_dispatch_min",
        "v_travel_min",
        "v_work_min",
        "v_dist_m",
        "v_kind",
        "v_resolved",
    ):
        b += getattr(log, name).nbytes
    return int(b)


def main() -> None:
    """Run the benchmark and print one table."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--outlets", type=int, default=500)
    ap.add_argument("--points", type=int, default=5000)
    ap.add_argument("--tickets-per-year", type=float, default=2.0e6)
    ap.add_argument("--days", type=float, default=30.0)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--skip-mmc", action="store_true")
    ap.add_argument(
        "--routing-days",
        type=float,
        default=7.0,
        help="days simulated with nightly routing (0: skip); greedy is rerun "
        "on the same days for comparison",
    )
    ap.add_argument("--routing-iterations", type=int, default=200)
    ap.add_argument(
        "--routing-min-batch",
        type=int,
        default=4,
        help="smallest nightly batch of an outlet given to the solver",
    )
    ap.add_argument(
        "--routing-iter-per-job",
        type=float,
        default=1.0,
        help="search iterations per ticket of a batch (capped by --routing-iterations)",
    )
    a = ap.parse_args()
    print("load average (1, 5, 15 min): {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    t0 = time.perf_counter()
    model = national(a.outlets, a.points, a.tickets_per_year, a.seed)
    t_build = time.perf_counter() - t0
    print(model.summary())
    print(f"model built in {t_build:.1f} s")
    print(
        f"{'instance':<42} {'tickets':>10} {'wall s':>8} {'cpu s':>8} {'tickets/cpu-s':>13}"
    )
    ss = np.random.SeedSequence(a.seed)
    w0, c0 = time.perf_counter(), time.process_time()
    stream = generate_tickets(model, a.days, seed=ss)
    w1, c1 = time.perf_counter(), time.process_time()
    n = len(stream)
    log = run_replication(model, stream, horizon_min=a.days * 1440.0, seed=ss)
    w2, c2 = time.perf_counter(), time.process_time()
    k = replication_kpis(model, log)
    w3, c3 = time.perf_counter(), time.process_time()
    name = f"national {a.outlets}o/{a.points}p {a.days:g}d"
    for label, w, c in (
        ("generate", w1 - w0, c1 - c0),
        ("SimPy run (greedy)", w2 - w1, c2 - c1),
        ("KPIs", w3 - w2, c3 - c2),
        ("total", w3 - w0, c3 - c0),
    ):
        print(f"{name + ' ' + label:<42} {n:>10,} {w:>8.2f} {c:>8.2f} {n / c:>13,.0f}")
    print(
        f"SimPy events scheduled: {log.n_events:,} ({log.n_events / n:.2f} per ticket); "
        f"visits {len(log.v_tech):,} ({len(log.v_tech) / n:.2f} per ticket)"
    )
    lb = log_bytes(model, log)
    print(
        f"event log: {lb / 1e6:.1f} MB for {n:,} tickets "
        f"({lb / max(n, 1):.0f} B/ticket; 2 M tickets -> {lb / max(n, 1) * 2e6 / 1e9:.2f} GB)"
    )
    sel = (k["urgency"] == "all") & (k["outlet"] == "all")
    show = k[
        sel
        & k["kpi"].isin(
            [
                "tickets_created",
                "response_time_mean_h",
                "sla_attainment",
                "first_time_fix_rate",
                "utilization_repair",
                "utilization_travel",
                "parts_fill_rate",
                "cost_per_ticket",
            ]
        )
    ]
    for _, r in show.iterrows():
        print(f"  {r['kpi']:<24} {r['value']:>12.4g} {r['unit']}")
    if a.routing_days > 0:
        rd = min(a.routing_days, a.days)
        keep = int(np.searchsorted(stream.created_min, rd * 1440.0))
        print(
            f"{'dispatch, ' + format(rd, 'g') + ' days':<42} {'tickets':>10} "
            f"{'wall s':>8} {'cpu s':>8} {'tickets/cpu-s':>13} {'travel min/visit':>16} "
            f"{'SLA':>6} {'plans':>6} {'planned visits':>14}"
        )
        for rule in ("greedy", "routing"):
            w0, c0 = time.perf_counter(), time.process_time()
            lg = run_replication(
                model,
                stream,
                horizon_min=rd * 1440.0,
                seed=ss,
                dispatch=rule,
                routing=NightlyRouting(
                    iterations=a.routing_iterations,
                    min_batch=a.routing_min_batch,
                    iter_per_job=a.routing_iter_per_job,
                ),
            )
            w, c = time.perf_counter() - w0, time.process_time() - c0
            kk = replication_kpis(model, lg)
            sla = float(
                kk[
                    (kk["kpi"] == "sla_attainment")
                    & (kk["urgency"] == "all")
                    & (kk["outlet"] == "all")
                ]["value"].iloc[0]
            )
            print(
                f"{name + ' ' + rule:<42} {keep:>10,} {w:>8.2f} {c:>8.2f} "
                f"{keep / c:>13,.0f} {float(np.mean(lg.v_travel_min)):>16.2f} "
                f"{sla:>6.3f} {lg.n_plans:>6,} {lg.n_planned_visits:>14,}"
            )
    if not a.skip_mmc:
        m = queue_model(20, 0.85 * 20 / 60.0, 60.0)
        s = generate_tickets(m, 100.0, seed=1)
        w0, c0 = time.perf_counter(), time.process_time()
        run_replication(m, s, horizon_min=100 * 1440.0, seed=1)
        w, c = time.perf_counter() - w0, time.process_time() - c0
        print(
            f"{'M/M/20 rho 0.85 queue mode':<42} {len(s):>10,} {w:>8.2f} {c:>8.2f} {len(s) / c:>13,.0f}"
        )
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {rss:.0f} MB")
    print("load average (1, 5, 15 min): {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))


if __name__ == "__main__":
    main()
