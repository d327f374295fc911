"""SimResult save/load, summaries, KPI table shape; model and argument validation."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from planner.core import Technician, TimeWindow
from planner.core.errors import InputError
from planner.sim import SimModel, SimResult, simulate


def test_save_load_round_trip(
    make_network: Callable[..., SimModel], tmp_path: Path
) -> None:
    """A saved result loads back with identical tables and log; no pickle files."""
    model = make_network(seed=5, followup_prob=0.2)
    res = simulate(
        model, horizon_days=10, warmup_days=1, n_reps=2, seed=1, keep_log=True
    )
    out = res.save(tmp_path / "run")
    assert sorted(p.name for p in out.iterdir()) == [
        "kpi_table.parquet",
        "log.parquet",
        "rep_kpis.parquet",
        "result.json",
        "tech_table.parquet",
        "timeseries.parquet",
    ]
    back = SimResult.load(out)
    pd.testing.assert_frame_equal(back.kpi_table, res.kpi_table)
    pd.testing.assert_frame_equal(back.timeseries, res.timeseries)
    assert back.log is not None
    assert res.log is not None
    for k in res.log:
        np.testing.assert_array_equal(back.log[k], res.log[k])
    assert back.params == res.params
    assert "response_time_mean_h" in back.summary()
    with pytest.raises(InputError, match="does not exist yet"):
        res.save(out)
    f = res.write_log(tmp_path / "log.parquet")
    back_log = pd.read_parquet(f)
    assert len(back_log) == len(res.log["rep"])
    np.testing.assert_array_equal(back_log["resolved_min"], res.log["resolved_min"])
    no_log = simulate(model, horizon_days=2, n_reps=1)
    with pytest.raises(InputError, match="keep_log"):
        no_log.write_log(tmp_path / "x.parquet")


def test_kpi_table_shape(make_network: Callable[..., SimModel]) -> None:
    """KPIs come per urgency class and per outlet, with units and ordered intervals."""
    model = make_network(seed=6)
    res = simulate(model, horizon_days=10, n_reps=3, seed=2)
    k = res.kpi_table
    assert list(k.columns) == [
        "kpi",
        "urgency",
        "outlet",
        "mean",
        "ci_low",
        "ci_high",
        "n_reps",
        "unit",
    ]
    assert set(k["urgency"]) == {"all", "urgent", "important", "general"}
    assert {"o0", "o1", "o2", "all"} <= set(k["outlet"])
    ok = k.dropna(subset=["ci_low"])
    assert (ok["ci_low"] <= ok["mean"] + 1e-12).all()
    assert (ok["mean"] <= ok["ci_high"] + 1e-12).all()
    # cost categories add up to the total per ticket, replication by replication
    rk = res.rep_kpis[
        (res.rep_kpis["urgency"] == "all") & (res.rep_kpis["outlet"] == "all")
    ]
    for _, g in rk.groupby("rep"):
        v = g.set_index("kpi")["value"]
        cats = v[
            [i for i in v.index if i.startswith("cost_") and i != "cost_per_ticket"]
        ]
        assert cats.sum() == pytest.approx(v["cost_per_ticket"])
    # time series: one row per day and replication, backlog never negative
    assert len(res.timeseries) == 3 * 10
    assert (res.timeseries["backlog"] >= 0).all()
    assert (res.timeseries["created"].groupby(res.timeseries["rep"]).sum() > 0).all()


def test_shift_discipline(make_network: Callable[..., SimModel]) -> None:
    """Visits start inside shifts; overtime is only the allowed spill-over."""
    model = make_network(seed=7, tickets_per_year=20_000.0)
    res = simulate(model, horizon_days=7, n_reps=1, seed=0, keep_log=True)
    from planner.sim import generate_tickets, run_replication

    s = generate_tickets(model, 7.0, seed=np.random.SeedSequence(0))
    log = run_replication(model, s, horizon_min=7 * 1440.0)
    tod = log.v_dispatch_min % 1440
    t = log.v_tech
    assert (tod >= model.crew.shift_start[t] - 1e-9).all()
    assert (tod < model.crew.shift_end[t]).all()
    assert res.kpi("overtime_hours")["mean"] >= 0


def test_bad_arguments(make_network: Callable[..., SimModel]) -> None:
    """Warm-up longer than the run, unknown rules and bad counts are InputErrors."""
    model = make_network(seed=8)
    with pytest.raises(InputError, match="warmup_days must be in"):
        simulate(model, horizon_days=5, warmup_days=5)
    with pytest.raises(InputError, match="dispatch"):
        simulate(model, horizon_days=5, dispatch="magic")
    with pytest.raises(InputError, match="n_reps"):
        simulate(model, horizon_days=5, n_reps=0)
    with pytest.raises(InputError, match="kpi"):
        simulate(model, horizon_days=2, n_reps=2).kpi("nonsense")


def test_model_validation(make_network: Callable[..., SimModel]) -> None:
    """A technician of an unknown outlet, bad stock shape or profile raise InputError."""
    from planner.core import DemandPoints, Outlets, UrgencyClass
    from planner.scenario import read_catalog

    cat = read_catalog()
    d = DemandPoints.from_arrays(
        ["p"],
        [24.9],
        [60.2],
        tickets_per_year=[[10.0] * 6],
        categories=cat.category_names,
    )
    o = Outlets.from_arrays(["o"], [24.9], [60.2])
    t = [Technician("t", (24.9, 60.2), {"hvac"}, TimeWindow(480, 960), outlet_id="zz")]
    u = [UrgencyClass("general", 4320, 1.0)]
    with pytest.raises(
        InputError,
        match="technician 't': outlet_id must be the id of an outlet; got 'zz'",
    ):
        SimModel.from_core(d, o, t, cat, u)
    t = [Technician("t", (24.9, 60.2), {"hvac"}, TimeWindow(480, 960), outlet_id="o")]
    with pytest.raises(InputError, match="stock must be shape"):
        SimModel.from_core(d, o, t, cat, u, stock=np.zeros((2, 2)))
    with pytest.raises(InputError, match="dow_profile"):
        SimModel.from_core(d, o, t, cat, u, dow_profile=np.ones(7) * 3)
    with pytest.raises(InputError, match="assign_idx"):
        SimModel.from_core(d, o, t, cat, u, assign_idx=[4])
    m = SimModel.from_core(d, o, t, cat, u)
    with pytest.raises(InputError, match="urgency_share"):
        m.replace(urgency_share=np.array([0.5, 0.0, 0.0]))
    assert "1 technicians" in str(m)


def test_workdays(make_network: Callable[..., SimModel]) -> None:
    """Monday-Friday crews dispatch on weekdays only and are paid 10 of 14 days."""
    from planner.sim import generate_tickets, replication_kpis, run_replication

    every = make_network(seed=12, tickets_per_year=20_000.0)
    week = make_network(seed=12, tickets_per_year=20_000.0, workdays=[0, 1, 2, 3, 4])
    assert week.start_weekday == 3  # 2026-01-01 is a Thursday
    s = generate_tickets(week, 14.0, seed=0)
    totals = []
    for m in (every, week):
        log = run_replication(m, s, horizon_min=14 * 1440.0)
        wd = (m.start_weekday + (log.v_dispatch_min // 1440).astype(int)) % 7
        if m is week:
            assert (wd < 5).all()
        k = replication_kpis(m, log).query("urgency == 'all' and outlet == 'all'")
        v = k.set_index("kpi")["value"]
        totals.append(v["cost_labour"] * v["tickets_created"])
    assert totals[1] / totals[0] == pytest.approx(10 / 14)
    with pytest.raises(InputError, match="workdays"):
        make_network(seed=12, workdays=[7])


def test_no_tickets(make_network: Callable[..., SimModel]) -> None:
    """A run without tickets reports zero counts and undefined means, not a crash."""
    from planner.sim import generate_tickets, replication_kpis, run_replication

    base = make_network(seed=13)
    model = base.replace(rate_per_year=np.zeros_like(base.demand.rate_per_year))
    s = generate_tickets(model, 3.0, seed=0)
    assert len(s) == 0
    k = replication_kpis(model, run_replication(model, s, horizon_min=3 * 1440.0))
    v = k.query("urgency == 'all' and outlet == 'all'").set_index("kpi")["value"]
    assert v["tickets_created"] == 0
    assert np.isnan(v["response_time_mean_h"])


def test_outlet_by_urgency_rows(make_network: Callable[..., SimModel]) -> None:
    """Outlet x urgency rows exist and their ticket counts add up to the margins."""
    model = make_network(seed=6)
    res = simulate(model, horizon_days=10, n_reps=2, seed=2)
    rk = res.rep_kpis
    both = rk[(rk["urgency"] != "all") & (rk["outlet"] != "all")]
    assert not both.empty
    assert {"response_time_mean_h", "sla_attainment"} <= set(both["kpi"])
    for rep, g in rk.groupby("rep"):
        created = g[g["kpi"] == "tickets_created"]
        cells = created[(created["urgency"] != "all") & (created["outlet"] != "all")]
        by_outlet = cells.groupby("outlet")["value"].sum()
        margin = created[created["urgency"] == "all"].set_index("outlet")["value"]
        for o, v in by_outlet.items():
            assert v == margin[o], (rep, o)
        by_urg = cells.groupby("urgency")["value"].sum()
        umargin = created[created["outlet"] == "all"].set_index("urgency")["value"]
        for u, v in by_urg.items():
            assert v == umargin[u], (rep, u)
        assert by_urg.sum() == umargin["all"]
