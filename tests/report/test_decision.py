"""The decision views of a run, checked against the run folder's own tables."""

from __future__ import annotations

import json
import math
import re
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from planner.report import read_run, write_report
from planner.report.decision import (
    annual_cost_frame,
    class_sla_frame,
    outlet_decision_frame,
    problems,
    recommendation_frame,
)


def _year_cost(folder: Path) -> dict[str, float]:
    """Annual cost by category recomputed from the replications' per-ticket costs."""
    rk = pd.read_parquet(folder / "rep_kpis.parquet")
    rk = rk[(rk["urgency"] == "all") & (rk["outlet"] == "all")]
    wide = rk.pivot_table(index="rep", columns="kpi", values="value")
    p = json.loads((folder / "result.json").read_text())["params"]
    days = float(p["horizon_days"]) - float(p["warmup_days"])
    return {
        c[5:]: float((wide[c] * wide["tickets_created"]).mean()) * 365.0 / days
        for c in wide.columns
        if c.startswith("cost_") and c != "cost_per_ticket"
    }


def test_annual_cost_matches_the_replications(design_folder: Path) -> None:
    """Each category's annual cost, recommended and today, equals the mean over
    replications of cost per ticket x tickets, scaled from the window to 365 days."""
    run = read_run(design_folder)
    f = annual_cost_frame(run).set_index("category")
    rec = _year_cost(design_folder / "simulation")
    today = _year_cost(design_folder / "baseline")
    for cat, v in rec.items():
        assert f.at[cat, "recommended"] == pytest.approx(v, rel=1e-9, abs=1e-6)
        assert f.at[cat, "today"] == pytest.approx(today[cat], rel=1e-9, abs=1e-6)
    assert bool(f.at["penalty", "is_penalty"])
    assert f["is_penalty"].sum() == 1


def test_outlets_new_kept_closed(design_folder: Path) -> None:
    """New + kept are the design's open outlets, kept + closed today's (the
    baseline's), and the technicians are the staffing plan's, per shift too."""
    run = read_run(design_folder)
    f = outlet_decision_frame(run)
    d = pd.read_parquet(design_folder / "design" / "outlets.parquet")
    base = pd.read_parquet(design_folder / "baseline" / "kpi_table.parquet")
    today = set(base["outlet"]) - {"all", "uncovered"}
    opened = f[f["status"] != "closed"]
    assert set(opened["outlet_id"]) == set(d["outlet_id"])
    assert set(f[f["status"] != "new"]["outlet_id"]) == today
    assert set(f[f["status"] == "kept"]["outlet_id"]) == today & set(d["outlet_id"])
    assert run.staffing is not None
    tech = run.staffing.technicians
    assert opened["technicians"].sum() == tech.sum()
    for j, sh in enumerate(run.staffing.shifts):
        assert opened[f"shift_{sh.name}"].sum() == tech[:, j].sum()
    rec = recommendation_frame(run, f).set_index("measure")
    n_new = int((~d["existing"]).sum())
    assert f"({n_new} new," in rec.at["outlets", "recommended"]
    assert rec.at["technicians", "recommended"].startswith(f"{int(tech.sum()):,}")


def test_sla_verdicts_follow_the_interval(design_folder: Path) -> None:
    """Per class the verdict is 'meets' iff the interval's low end reaches the
    target, 'misses' iff its high end is below it, with the design's targets."""
    run = read_run(design_folder)
    s = class_sla_frame(run)
    k = pd.read_parquet(design_folder / "simulation" / "kpi_table.parquet")
    k = k[(k["kpi"] == "sla_attainment") & (k["outlet"] == "all")].set_index("urgency")
    assert list(s["urgency"]) == ["urgent", "important", "general"]
    for r in s.to_dict("records"):
        lo, hi = k.at[r["urgency"], "ci_low"], k.at[r["urgency"], "ci_high"]
        want = "meets" if lo >= 0.9 else ("misses" if hi < 0.9 else "in doubt")
        assert r["target"] == 0.9
        assert r["verdict"] == want
        assert math.isfinite(r["predicted"])


def test_problems_name_the_overloaded_outlets(design_folder: Path) -> None:
    """Today's network (3 outlets, 8 technicians each) swamped by the region's
    tickets: seen as the recommendation of a run without design, its problems
    list every outlet busy above 90 % as overloaded and the backlog as growing."""
    run = read_run(design_folder)
    assert run.baseline is not None
    today = replace(
        run,
        simulation=run.baseline,
        baseline=None,
        design=None,
        design_meta=None,
        staffing=None,
    )
    k = run.baseline.kpi_table
    busy = (
        k[
            k["kpi"].isin(["utilization_repair", "utilization_travel"])
            & (k["urgency"] == "all")
            & ~k["outlet"].isin(["all", "uncovered"])
        ]
        .groupby("outlet")["mean"]
        .sum()
    )
    f = outlet_decision_frame(today)
    over = set(f[f["flag"] == "overloaded"]["outlet_id"])
    assert set(busy[busy > 0.9].index) <= over
    texts = {p.kind: p for p in problems(today, f)}
    grow = k[
        (k["kpi"] == "backlog_growing")
        & (k["outlet"] == "all")
        & (k["urgency"] == "all")
    ]["mean"].iloc[0]
    assert texts["backlog"].severity == ("bad" if grow > 0 else "ok")


def test_older_stages_still_get_a_decision_screen(
    run_folder: Path, tmp_path: Path
) -> None:
    """A siting + inventory run (no simulation, no design) still opens with the
    recommendation: its outlets new/kept, stock, and problems from the siting
    load against capacity and the uncovered demand."""
    page = write_report(run_folder, path=tmp_path / "r.html").read_text()
    sec = re.search(r'<section id="decision">.*?</section>', page, re.S)
    assert sec is not None
    first_h2 = re.search(r"<h2>([^<]*)</h2>", page)
    assert first_h2 is not None
    assert first_h2.group(1) == "Recommendation"
    assert "No simulation ran" in sec.group(0)
    run = read_run(run_folder)
    assert run.plan is not None
    w = np.asarray(run.plan.weights)
    unc = float(w[~np.asarray(run.plan.covered)].sum())
    assert f"{unc:,.0f} tickets a year" in sec.group(0)
    assert 'id="recommendation-table"' in sec.group(0)
    assert "stock on hand" in sec.group(0)


def test_failing_outlets_are_named(design_folder: Path) -> None:
    """Outlets the design loop could not bring to target are named, by their
    town, with class and reason, in the problems; none listed when none fail."""
    run = read_run(design_folder)
    assert run.design is not None
    kinds = {p.kind for p in problems(run)}
    assert ("failing" in kinds) == bool(len(run.design["failing"]))
    d = run.design["outlets"].iloc[0]
    fail = pd.DataFrame(
        {
            "outlet_id": [d["outlet_id"]],
            "class": ["urgent"],
            "reason": ["no technician on duty at night"],
        }
    )
    worse = replace(run, design={**run.design, "failing": fail})
    got = {p.kind: p for p in problems(worse)}["failing"]
    assert got.severity == "bad"
    assert f"{d['name']} (urgent: no technician on duty at night)" in got.text
    assert got.text.startswith("1 outlet and class pairs")
