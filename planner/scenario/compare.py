"""Comparing runs: KPI differences with confidence intervals and significance."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

__all__ = ["compare_kpis"]


def _se(row_low: np.ndarray, row_high: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Standard error from a 95 % t half-width over ``n`` replications (0 if n <= 1)."""
    hw = (row_high - row_low) / 2.0
    t = np.where(n > 1, stats.t.ppf(0.975, np.maximum(n - 1, 1)), np.inf)
    return np.where(n > 1, hw / t, 0.0)


def compare_kpis(
    a: pd.DataFrame, b: pd.DataFrame, *, alpha: float = 0.05
) -> pd.DataFrame:
    """KPI differences ``b - a`` with a Welch confidence interval and significance.

    ``a`` and ``b`` are KPI tables (kpi, mean, ci_low, ci_high, n_reps, unit).
    Deterministic KPIs (one replication on both sides) differ exactly:
    ``significant`` is whether they differ at all. Otherwise the standard
    errors are recovered from the 95 % half-widths and combined by Welch's
    t-test (Welch-Satterthwaite degrees of freedom).

    >>> k = lambda m, hw: pd.DataFrame({"kpi": ["sla"], "mean": [m], "ci_low": [m - hw],
    ...     "ci_high": [m + hw], "n_reps": [10], "unit": ["share"]})
    >>> bool(compare_kpis(k(0.90, 0.01), k(0.95, 0.01))["significant"].iloc[0])
    True
    >>> bool(compare_kpis(k(0.90, 0.05), k(0.91, 0.05))["significant"].iloc[0])
    False
    """
    m = a.merge(b, on="kpi", how="outer", suffixes=("_a", "_b"))
    na = m["n_reps_a"].fillna(0).to_numpy(dtype=float)
    nb = m["n_reps_b"].fillna(0).to_numpy(dtype=float)
    sa = _se(
        m["ci_low_a"].to_numpy(dtype=float), m["ci_high_a"].to_numpy(dtype=float), na
    )
    sb = _se(
        m["ci_low_b"].to_numpy(dtype=float), m["ci_high_b"].to_numpy(dtype=float), nb
    )
    diff = m["mean_b"].to_numpy(dtype=float) - m["mean_a"].to_numpy(dtype=float)
    se = np.sqrt(sa**2 + sb**2)
    with np.errstate(divide="ignore", invalid="ignore"):
        df = se**4 / (
            np.where(na > 1, sa**4 / np.maximum(na - 1, 1), 0.0)
            + np.where(nb > 1, sb**4 / np.maximum(nb - 1, 1), 0.0)
        )
    df = np.where(np.isfinite(df) & (df > 0), df, 1.0)
    tcrit = stats.t.ppf(1 - alpha / 2, df)
    half = np.where(se > 0, tcrit * se, 0.0)
    exact = se == 0
    significant = np.where(
        exact, np.abs(diff) > 1e-12 * np.maximum(1, np.abs(diff)), np.abs(diff) > half
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = diff / np.abs(m["mean_a"].to_numpy(dtype=float))
    return pd.DataFrame(
        {
            "kpi": m["kpi"],
            "unit": m["unit_a"].fillna(m["unit_b"]),
            "a": m["mean_a"],
            "b": m["mean_b"],
            "diff": diff,
            "rel_diff": rel,
            "ci_low": diff - half,
            "ci_high": diff + half,
            "significant": significant & np.isfinite(diff),
            "exact": exact,
        }
    ).sort_values("kpi", ignore_index=True)
