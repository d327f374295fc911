"""Plots of a run (matplotlib Figures, no pyplot state) and SVG export."""

from __future__ import annotations

import io
import re
from collections.abc import Mapping

import matplotlib as mpl
import numpy as np
import numpy.typing as npt
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator, StrMethodFormatter

__all__ = [
    "figure_svg",
    "plot_comparison",
    "plot_demand_by_category",
    "plot_fill_rates",
    "plot_outlet_load",
    "plot_travel_cdf",
]


def figure_svg(fig: Figure) -> str:
    """The figure as an inline ``<svg>`` element (text kept as text, no date).

    >>> fig = Figure(); _ = fig.subplots().plot([0, 1])
    >>> figure_svg(fig).startswith("<svg")
    True
    """
    buf = io.StringIO()
    with mpl.rc_context({"svg.fonttype": "none", "svg.hashsalt": "planner"}):
        fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None})
    text = buf.getvalue()
    start = text.find("<svg")
    return re.sub(r"\s+$", "", text[start:])


def plot_travel_cdf(
    travel: npt.ArrayLike,
    weights: npt.ArrayLike,
    *,
    radius: float | None = None,
    unit: str = "min",
) -> Figure:
    """Share of demand within a travel time to its outlet (a cumulative curve).

    >>> fig = plot_travel_cdf([10.0, 20.0, 30.0], [1.0, 1.0, 2.0], radius=25.0)
    >>> fig.axes[0].get_ylabel()
    'share of tickets within'
    """
    t = np.asarray(travel, dtype=float)
    w = np.asarray(weights, dtype=float)
    ok = np.isfinite(t)
    order = np.argsort(t[ok])
    ts = t[ok][order]
    share = np.cumsum(w[ok][order]) / max(float(w.sum()), 1e-12)
    fig = Figure(figsize=(6.0, 3.6))
    ax = fig.subplots()
    ax.step(ts, share, where="post", color="#1f77b4")
    if radius is not None:
        covered = float(w[ok & (t <= radius * (1 + 1e-12))].sum()) / max(
            float(w.sum()), 1e-12
        )
        ax.axvline(radius, color="#d62728", ls="--", lw=1)
        ax.annotate(
            f"{100 * covered:.1f} % within {radius:g} {unit}",
            (radius, covered),
            xytext=(8, -14),
            textcoords="offset points",
            color="#d62728",
        )
    ax.set_xlabel(f"travel to the serving outlet ({unit})")
    ax.set_ylabel("share of tickets within")
    ax.set_ylim(0, 1.02)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def plot_outlet_load(
    load: npt.ArrayLike,
    existing: npt.ArrayLike,
    *,
    capacity: float | None = None,
) -> Figure:
    """Histogram of tickets per year per open outlet, existing vs new.

    >>> fig = plot_outlet_load([100.0, 900.0, 400.0], [True, False, True], capacity=800)
    >>> len(fig.axes)
    1
    """
    x = np.asarray(load, dtype=float)
    ex = np.asarray(existing, dtype=bool)
    fig = Figure(figsize=(6.0, 3.6))
    ax = fig.subplots()
    top = max(float(x.max()) if x.size else 1.0, capacity or 0.0, 1.0)
    bins = np.linspace(0.0, top * 1.02, 31).tolist()
    ax.hist(
        [x[ex], x[~ex]],
        bins=bins,
        stacked=True,
        color=["#1f77b4", "#2ca02c"],
        label=[f"existing ({int(ex.sum())})", f"new ({int((~ex).sum())})"],
    )
    if capacity is not None:
        ax.axvline(capacity, color="#d62728", ls="--", lw=1, label="capacity")
    ax.set_xlabel("tickets per year served")
    ax.set_ylabel("outlets")
    ax.legend(frameon=False)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def plot_demand_by_category(by_category: Mapping[str, float]) -> Figure:
    """Horizontal bars of tickets per year by product category.

    >>> plot_demand_by_category({"tv": 10.0, "fridge": 20.0}).axes[0].get_xlabel()
    'tickets per year'
    """
    items = sorted(by_category.items(), key=lambda kv: kv[1])
    fig = Figure(figsize=(6.0, 0.5 + 0.35 * max(len(items), 1)))
    ax = fig.subplots()
    ax.barh([k.replace("_", " ") for k, _ in items], [v for _, v in items])
    ax.xaxis.set_major_locator(MaxNLocator(5))
    ax.xaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
    ax.set_xlabel("tickets per year")
    ax.grid(alpha=0.3, axis="x")
    fig.tight_layout()
    return fig


def plot_fill_rates(fill_rate: npt.ArrayLike, *, target: float | None = None) -> Figure:
    """Histogram of fill rates over the stocking policies (part x outlet).

    >>> plot_fill_rates([0.9, 0.95, 0.99], target=0.95).axes[0].get_xlabel()
    'fill rate'
    """
    f = np.asarray(fill_rate, dtype=float)
    f = f[np.isfinite(f)]
    fig = Figure(figsize=(6.0, 3.6))
    ax = fig.subplots()
    lo = min(float(f.min()) if f.size else 0.0, target or 1.0)
    ax.hist(f, bins=np.linspace(max(0.0, lo - 0.01), 1.0, 31).tolist(), color="#1f77b4")
    if target is not None:
        below = float((f < target).mean()) if f.size else 0.0
        ax.axvline(target, color="#d62728", ls="--", lw=1)
        ax.annotate(
            f"{100 * below:.1f} % below {target:g}",
            (target, 0),
            xytext=(6, 40),
            textcoords="offset points",
            color="#d62728",
        )
    ax.set_xlabel("fill rate")
    ax.set_ylabel("policies (part x outlet)")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def plot_comparison(diff: pd.DataFrame, *, relative: bool = True) -> Figure:
    """KPI differences B - A with their 95 % intervals (from ``compare_kpis``).

    Bars are relative to A (``relative=True``) so KPIs of different units
    share an axis; significant differences are drawn solid, others hollow.

    >>> import pandas as pd
    >>> d = pd.DataFrame({"kpi": ["sla", "cost"], "a": [0.9, 100.0], "b": [0.95, 98.0],
    ...     "diff": [0.05, -2.0], "ci_low": [0.03, -5.0], "ci_high": [0.07, 1.0],
    ...     "significant": [True, False]})
    >>> len(plot_comparison(d).axes[0].patches)
    2
    """
    d = diff.dropna(subset=["diff"]).reset_index(drop=True)
    scale = np.abs(d["a"].to_numpy(dtype=float)) if relative else np.ones(len(d))
    scale = np.where(scale > 0, scale, 1.0)
    mid = d["diff"].to_numpy(dtype=float) / scale
    lo = d["ci_low"].to_numpy(dtype=float) / scale
    hi = d["ci_high"].to_numpy(dtype=float) / scale
    sig = d["significant"].to_numpy(dtype=bool)
    fig = Figure(figsize=(6.5, 0.35 * len(d) + 1.2))
    ax = fig.subplots()
    y = np.arange(len(d))
    ax.barh(y, mid, color=np.where(sig, "#1f77b4", "none"), edgecolor="#1f77b4")
    ax.errorbar(
        mid, y, xerr=[mid - lo, hi - mid], fmt="none", ecolor="#444444", capsize=3
    )
    ax.axvline(0.0, color="#888888", linewidth=0.8)
    ax.set_yticks(y, [str(k) for k in d["kpi"]])
    ax.invert_yaxis()
    ax.set_xlabel("difference B - A" + (" (share of A)" if relative else ""))
    ax.set_title("solid: significant at 95 %")
    return fig
