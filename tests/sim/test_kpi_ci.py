"""KPI confidence intervals stay inside the range a KPI can take.

The oracle is the raw 95 % t interval computed here with scipy from the
per-replication values: clipped bounds must equal ``max(raw, 0)`` and, for
shares, ``min(raw, 1)``; paired differences keep the raw interval.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
from scipy import stats

from planner.sim import KPIS, SimModel, compare_results, confidence_table, simulate


def _raw(rep_kpis: pd.DataFrame) -> pd.DataFrame:
    """Mean and raw t interval per key, straight from scipy (no clipping)."""
    rows = []
    for key, g in rep_kpis.groupby(["kpi", "urgency", "outlet"], sort=False):
        v = g["value"].dropna().to_numpy()
        n = len(v)
        if n > 1:
            half = stats.t.ppf(0.975, n - 1) * v.std(ddof=1) / np.sqrt(n)
        else:
            half = np.nan
        m = v.mean() if n else np.nan
        rows.append((*key, m - half, m + half))
    return pd.DataFrame(rows, columns=["kpi", "urgency", "outlet", "lo", "hi"])


def test_tiny_table_clipped() -> None:
    """A wait of 0, 0, 3 min: the raw interval dips below 0, the table's starts at 0;
    a share of 0.9, 1, 1 would pass 1 and stops there; an unknown KPI is left alone."""
    df = pd.DataFrame(
        {
            "rep": [0, 1, 2] * 3,
            "kpi": ["queue_wait_mean_min"] * 3 + ["sla_attainment"] * 3 + ["x"] * 3,
            "urgency": "all",
            "outlet": "all",
            "value": [0.0, 0.0, 3.0, 0.9, 1.0, 1.0, 0.0, 0.0, 3.0],
            "unit": ["min"] * 3 + ["share"] * 3 + ["min"] * 3,
        }
    )
    raw = _raw(df).set_index("kpi")
    ci = confidence_table(df).set_index("kpi")
    assert raw.loc["queue_wait_mean_min", "lo"] < 0
    assert raw.loc["sla_attainment", "hi"] > 1
    assert ci.loc["queue_wait_mean_min", "ci_low"] == 0.0
    assert np.isclose(
        ci.loc["queue_wait_mean_min", "ci_high"], raw.loc["queue_wait_mean_min", "hi"]
    )
    assert ci.loc["sla_attainment", "ci_high"] == 1.0
    assert np.isclose(
        ci.loc["sla_attainment", "ci_low"], raw.loc["sla_attainment", "lo"]
    )
    assert np.isclose(ci.loc["x", "ci_low"], raw.loc["x", "lo"])  # not a known KPI
    assert (
        ci["mean"].to_numpy() == df.groupby("kpi", sort=False)["value"].mean()
    ).all()


def test_simulated_kpis_within_range(make_queue_model: Callable[..., SimModel]) -> None:
    """Two short replications of a lightly loaded M/M/2: every known KPI's interval
    is the raw one clipped to [0, inf) ([0, 1] for shares), and some raw interval
    did cross 0 (so the clipping was exercised)."""
    m = make_queue_model(2, 0.4 / 60.0, 60.0)
    r = simulate(m, horizon_days=2, n_reps=2, seed=4)
    k = r.kpi_table.merge(_raw(r.rep_kpis), on=["kpi", "urgency", "outlet"])
    assert set(k["kpi"]) <= set(KPIS)
    ok = k["lo"].notna()
    assert (k.loc[ok, "lo"] < 0).any()
    share = k["unit"] == "share"
    signed = k["kpi"].map(lambda x: KPIS[x].lo < 0)[ok]
    lo = np.where(signed, k.loc[ok, "lo"], np.maximum(k.loc[ok, "lo"], 0.0))
    np.testing.assert_allclose(k.loc[ok, "ci_low"], lo)
    hi = np.where(share[ok], np.minimum(k.loc[ok, "hi"], 1.0), k.loc[ok, "hi"])
    np.testing.assert_allclose(k.loc[ok, "ci_high"], hi)
    assert (k.loc[ok & ~k["kpi"].map(lambda x: KPIS[x].lo < 0), "ci_low"] >= 0).all()
    assert (k.loc[ok & share, "ci_high"] <= 1).all()
    assert (k.loc[ok, "ci_low"] <= k.loc[ok, "mean"] + 1e-12).all()


def test_differences_not_clipped(make_queue_model: Callable[..., SimModel]) -> None:
    """Paired differences between two crews keep the raw t interval (may be < 0)."""
    a = simulate(make_queue_model(2, 1 / 60.0, 60.0), horizon_days=3, n_reps=3, seed=2)
    b = simulate(make_queue_model(3, 1 / 60.0, 60.0), horizon_days=3, n_reps=3, seed=2)
    d = compare_results(a, b)
    keys = ["rep", "kpi", "urgency", "outlet"]
    m = a.rep_kpis.merge(b.rep_kpis, on=[*keys, "unit"], suffixes=("_a", "_b"))
    m["value"] = m["value_b"] - m["value_a"]
    raw = _raw(m[[*keys, "value"]]).set_index(["kpi", "urgency", "outlet"])
    d = d.set_index(["kpi", "urgency", "outlet"]).loc[raw.index]
    np.testing.assert_allclose(d["ci_low"], raw["lo"])
    np.testing.assert_allclose(d["ci_high"], raw["hi"])
    row = d.loc[("queue_wait_mean_min", "all", "all")]
    assert row["ci_low"] < 0  # a third technician shortens the wait
