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
from matplotlib.ticker import FuncFormatter, MaxNLocator, StrMethodFormatter

__all__ = [
    "figure_svg",
    "plot_annual_cost",
    "plot_backlog",
    "plot_comparison",
    "plot_demand_by_category",
    "plot_fill_rates",
    "plot_iterations",
    "plot_outlet_load",
    "plot_sla_by_class",
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


def _compact(x: float, _pos: object = None) -> str:
    """Tick labels short enough not to overlap: 1.2M, 350k, 12."""
    a = abs(x)
    if a >= 1e9:
        return f"{x / 1e9:.3g}G"
    if a >= 1e6:
        return f"{x / 1e6:.3g}M"
    if a >= 1e4:
        return f"{x / 1e3:.3g}k"
    return f"{x:.4g}"


def plot_sla_by_class(sla: pd.DataFrame) -> Figure:
    """Simulated SLA per urgency class with its 95 % interval against the target.

    ``sla`` is :func:`planner.report.decision.class_sla_frame`: the
    recommendation (blue), today's network (grey, where simulated), the
    queueing model's prediction (open diamond) and the target (red bar).

    >>> f = pd.DataFrame({"urgency": ["urgent"], "target": [0.9], "sla": [0.93],
    ...     "ci_low": [0.91], "ci_high": [0.95], "today_sla": [0.5],
    ...     "today_ci_low": [0.4], "today_ci_high": [0.6], "predicted": [0.98]})
    >>> plot_sla_by_class(f).axes[0].get_xlabel()
    'share of tickets within target'
    """
    d = sla.reset_index(drop=True)
    fig = Figure(figsize=(5.6, 1.0 + 0.5 * max(len(d), 1)))
    ax = fig.subplots()
    y = np.arange(len(d), dtype=float)
    for col, off, color, label in (
        ("", -0.13, "#1f77b4", "recommended"),
        ("today_", 0.13, "#8c8c8c", "today"),
    ):
        m = d[f"{col}sla"].to_numpy(dtype=float)
        if not np.isfinite(m).any():
            continue
        lo = d[f"{col}ci_low"].to_numpy(dtype=float)
        hi = d[f"{col}ci_high"].to_numpy(dtype=float)
        lo, hi = np.where(np.isfinite(lo), lo, m), np.where(np.isfinite(hi), hi, m)
        ax.errorbar(
            m,
            y + off,
            xerr=[m - lo, hi - m],
            fmt="o",
            color=color,
            capsize=3,
            label=label,
        )
    if "predicted" in d and np.isfinite(d["predicted"].to_numpy(dtype=float)).any():
        ax.scatter(
            d["predicted"],
            y - 0.13,
            marker="D",
            facecolors="none",
            edgecolors="#1f77b4",
            s=36,
            zorder=4,
            label="queueing model",
        )
    t = d["target"].to_numpy(dtype=float)
    ax.scatter(t, y, marker="|", s=600, color="#d62728", label="target", zorder=5)
    ax.set_yticks(y, [str(u) for u in d["urgency"]])
    ax.invert_yaxis()
    lo_all = (
        np.nanmin(
            np.concatenate(
                [
                    d[c].to_numpy(dtype=float)
                    for c in d.columns
                    if c in ("ci_low", "today_ci_low", "sla", "today_sla", "target")
                ]
            )
        )
        if len(d)
        else 0.0
    )
    ax.set_xlim(max(0.0, min(lo_all, 0.8) - 0.05), 1.01)
    ax.set_xlabel("share of tickets within target")
    ax.grid(alpha=0.3, axis="x")
    ax.legend(
        frameon=False,
        fontsize=8,
        loc="upper center",
        ncols=4,
        bbox_to_anchor=(0.5, -0.28 - 0.1 / max(len(d), 1)),
    )
    fig.tight_layout()
    return fig


def plot_annual_cost(cost: pd.DataFrame, *, currency: str = "") -> Figure:
    """Annual cost by category (penalties apart), recommended against today.

    ``cost`` is :func:`planner.report.decision.annual_cost_frame`; categories
    that are zero on both sides are left out; penalties are drawn hatched
    below a line, apart from the costs.

    >>> c = pd.DataFrame({"label": ["labour", "SLA penalties"], "recommended": [9.0, 1.0],
    ...     "today": [5.0, 4.0], "is_penalty": [False, True]})
    >>> plot_annual_cost(c, currency="CNY").axes[0].get_xlabel()
    'CNY a year'
    """
    d = cost.copy()
    both = d["recommended"].fillna(0).abs() + d["today"].fillna(0).abs()
    d = d[both > 0]
    d = pd.concat([d[~d["is_penalty"]], d[d["is_penalty"]]])
    fig = Figure(figsize=(6.4, 0.8 + 0.42 * max(len(d), 1)))
    ax = fig.subplots()
    y = np.arange(len(d), dtype=float)
    has_today = bool(np.isfinite(d["today"].to_numpy(dtype=float)).any())
    h = 0.38 if has_today else 0.7
    pen = d["is_penalty"].to_numpy(dtype=bool)
    ax.barh(
        y - (h / 2 if has_today else 0),
        d["recommended"].fillna(0),
        height=h,
        color=np.where(pen, "#f4b6b6", "#1f77b4").tolist(),
        hatch=None,
        label="recommended",
    )
    if has_today:
        ax.barh(
            y + h / 2,
            d["today"].fillna(0),
            height=h,
            color=np.where(pen, "#f9dcdc", "#bdbdbd").tolist(),
            label="today",
        )
    if pen.any() and (~pen).any():
        ax.axhline(
            float(np.flatnonzero(pen)[0]) - 0.5, color="#d62728", lw=0.8, ls="--"
        )
    ax.set_yticks(y, [str(x) for x in d["label"]])
    ax.invert_yaxis()
    ax.xaxis.set_major_locator(MaxNLocator(5))
    ax.xaxis.set_major_formatter(FuncFormatter(_compact))
    ax.set_xlabel(f"{currency} a year".strip() if currency else "a year")
    ax.grid(alpha=0.3, axis="x")
    ax.legend(frameon=False, fontsize=8, loc="lower right")
    fig.tight_layout()
    return fig


def plot_backlog(
    series: Mapping[str, pd.DataFrame], *, warmup_days: float | None = None
) -> Figure:
    """Open tickets and utilization per day: the mean over replications and
    their range, one line per network (``{"recommended": ts, "today": ts}``,
    each a ``SimResult.timeseries``). Where the time series carries daily SLA
    columns (``sla`` or ``sla_<class>``), a third panel draws them.

    >>> ts = pd.DataFrame({"rep": [0, 0, 1, 1], "time_min": [1440.0, 2880.0] * 2,
    ...     "created": [5, 6, 5, 7], "backlog": [3, 4, 2, 5],
    ...     "utilization": [0.5, 0.6, 0.4, 0.7]})
    >>> [a.get_ylabel() for a in plot_backlog({"recommended": ts}).axes]
    ['open tickets', 'utilization']
    >>> ts["sla_urgent"] = [0.9, 0.8, 0.95, 0.85]
    >>> [a.get_ylabel() for a in plot_backlog({"recommended": ts}).axes][-1]
    'SLA attainment'
    """
    sla_cols = sorted(
        {
            str(c)
            for ts in series.values()
            if ts is not None
            for c in ts.columns
            if str(c) == "sla" or str(c).startswith("sla_")
        }
    )
    rows = 3 if sla_cols else 2
    fig = Figure(figsize=(6.4, 4.6 + (1.6 if sla_cols else 0.0)))
    axes = fig.subplots(
        rows, 1, sharex=True, height_ratios=[2, 1, 1.2] if sla_cols else [2, 1]
    )
    ax, ax2 = axes[0], axes[1]
    colors = {"recommended": "#1f77b4", "today": "#8c8c8c"}
    styles = ["-", "--", ":", "-."]
    for name, ts in series.items():
        if ts is None or ts.empty:
            continue
        g = ts.assign(day=ts["time_min"] / 1440.0).groupby("day")
        c = colors.get(name, "#2ca02c")
        for a, col in ((ax, "backlog"), (ax2, "utilization")):
            m = g[col].mean()
            a.plot(m.index, m.to_numpy(), color=c, label=name)
            a.fill_between(
                m.index,
                g[col].min().to_numpy(),
                g[col].max().to_numpy(),
                color=c,
                alpha=0.18,
                lw=0,
            )
        for k, col in enumerate(sla_cols):
            if col in ts:
                m = g[col].mean()
                axes[2].plot(
                    m.index,
                    m.to_numpy(),
                    color=c,
                    ls=styles[k % len(styles)],
                    label=f"{name} {col[4:] or 'all'}",
                )
    for a in axes:
        if warmup_days:
            a.axvspan(0, warmup_days, color="#eeeeee", zorder=0)
        a.grid(alpha=0.3)
    ax.set_ylabel("open tickets")
    ax2.set_ylabel("utilization")
    if sla_cols:
        axes[2].set_ylabel("SLA attainment")
        axes[2].legend(frameon=False, fontsize=7, ncols=2, loc="lower left")
    axes[-1].set_xlabel("day of the simulation (grey: warm-up)")
    ax.yaxis.set_major_formatter(FuncFormatter(_compact))
    ax.legend(frameon=False, fontsize=8, loc="upper left")
    fig.tight_layout()
    return fig


def plot_iterations(
    iterations: pd.DataFrame, targets: Mapping[str, float], *, currency: str = ""
) -> Figure:
    """The design loop step by step: simulated SLA per class with its interval
    against the target, and the annual cost, per iteration.

    >>> it = pd.DataFrame({"iteration": [1, 2], "cost_per_year": [9e6, 1e7],
    ...     "sla_urgent": [0.85, 0.92], "sla_urgent_low": [0.8, 0.9],
    ...     "sla_urgent_high": [0.9, 0.94]})
    >>> [a.get_ylabel() for a in plot_iterations(it, {"urgent": 0.9}).axes]
    ['simulated SLA', 'a year']
    """
    fig = Figure(figsize=(6.4, 4.4))
    ax, ax2 = fig.subplots(2, 1, sharex=True, height_ratios=[2, 1])
    x = iterations["iteration"].to_numpy(dtype=float)
    colors = {"urgent": "#d62728", "important": "#ff7f0e", "general": "#1f77b4"}
    for i, (cls, t) in enumerate(targets.items()):
        col = f"sla_{cls}"
        if col not in iterations:
            continue
        m = iterations[col].to_numpy(dtype=float)
        lo = iterations.get(f"{col}_low", iterations[col]).to_numpy(dtype=float)
        hi = iterations.get(f"{col}_high", iterations[col]).to_numpy(dtype=float)
        c = colors.get(cls, "#2ca02c")
        off = (i - 1) * 0.08
        ax.errorbar(
            x + off,
            m,
            yerr=[m - lo, hi - m],
            fmt="-o",
            ms=3,
            color=c,
            capsize=2,
            label=cls,
        )
        ax.axhline(t, color=c, ls=":", lw=1)
    ax.set_ylabel("simulated SLA")
    ax.grid(alpha=0.3)
    ax.legend(frameon=False, fontsize=8, ncols=3, loc="lower right")
    ax2.plot(
        x,
        iterations["cost_per_year"].to_numpy(dtype=float),
        "-o",
        ms=3,
        color="#444444",
    )
    ax2.yaxis.set_major_locator(MaxNLocator(4))
    ax2.yaxis.set_major_formatter(FuncFormatter(_compact))
    ax2.set_ylabel(f"{currency} a year".strip() if currency else "a year")
    ax2.set_xlabel("iteration (dotted: targets)")
    ax2.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax2.grid(alpha=0.3)
    fig.tight_layout()
    return fig
