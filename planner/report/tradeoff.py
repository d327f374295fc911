"""Trade-off views: cost vs service across a sweep, outlets vs coverage, stock vs fill.

Each view has a ``*_frame`` function building the data (a tidy DataFrame) and a
``plot_*`` function drawing it (a matplotlib Figure, no pyplot state), so a
notebook can show either and a report can embed both.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from planner.core.errors import InputError

__all__ = [
    "cost_service_frame",
    "coverage_curve_frame",
    "pareto_front",
    "plot_coverage_curve",
    "plot_stock_fill",
    "plot_tradeoff",
    "stock_fill_frame",
    "tradeoff_frame",
]

Sense = Literal["min", "max"]


def _compact(x: float, _pos: object = None) -> str:
    """Short tick labels (1.2M, 350k, 0.95) that do not run into each other."""
    a = abs(x)
    if a >= 1e6:
        return f"{x / 1e6:.3g}M"
    if a >= 1e4:
        return f"{x / 1e3:.3g}k"
    return f"{x:.3g}"


def pareto_front(points: npt.ArrayLike, sense: Sequence[Sense]) -> np.ndarray:
    """Which points are Pareto-efficient (not dominated by any other point).

    A point dominates another if it is at least as good in every objective and
    strictly better in one. Equal points do not dominate each other (both stay
    efficient). Rows with a NaN are never efficient and dominate nothing.

    Parameters
    ----------
    points
        ``(n, k)`` objective values.
    sense
        ``k`` entries, ``"min"`` or ``"max"`` per objective.

    Returns
    -------
    numpy.ndarray
        ``(n,)`` booleans.

    Examples
    --------
    >>> cost = [10, 20, 15, 30]; sla = [0.80, 0.95, 0.80, 0.90]
    >>> pareto_front(np.column_stack([cost, sla]), ["min", "max"]).tolist()
    [True, True, False, False]
    """
    a = np.asarray(points, dtype=float)
    if a.ndim != 2:
        raise InputError(field="points", expected="an (n, k) array", got=a.shape)
    if len(sense) != a.shape[1] or any(s not in ("min", "max") for s in sense):
        raise InputError(
            field="sense",
            expected=f"{a.shape[1]} entries of 'min' or 'max'",
            got=list(sense),
        )
    flip = np.array([1.0 if s == "min" else -1.0 for s in sense])
    v = a * flip  # now every objective is minimized
    ok = np.isfinite(v).all(axis=1)
    eff = ok.copy()
    idx = np.flatnonzero(ok)
    if idx.size <= 1:
        return eff
    w = v[idx]
    if w.shape[1] == 2:
        # sort by first objective, then second; a point is dominated iff an
        # earlier point (better or equal first) has a smaller-or-equal second
        # objective and differs from it
        order = np.lexsort((w[:, 1], w[:, 0]))
        best = np.inf
        best_pt: np.ndarray | None = None
        for i in order:
            x, y = w[i]
            if best_pt is not None and (
                y > best or (y == best and (x, y) != (best_pt[0], best_pt[1]))
            ):
                eff[idx[i]] = False
            elif y <= best:
                best, best_pt = y, w[i]
        return eff
    for j in range(w.shape[0]):  # k >= 3: pairwise, vectorized per point
        le = (w <= w[j]).all(axis=1)
        lt = (w < w[j]).any(axis=1)
        if (le & lt).any():
            eff[idx[j]] = False
    return eff


def tradeoff_frame(
    kpis: pd.DataFrame,
    x: str,
    y: str,
    *,
    x_sense: Sense = "min",
    y_sense: Sense = "max",
) -> pd.DataFrame:
    """One row per variant of a sweep's KPI table with two KPIs and Pareto flags.

    Parameters
    ----------
    kpis
        Long KPI table with ``variant_id``, ``variant``, ``kpi``, ``mean``,
        ``ci_low``, ``ci_high`` (``SweepResult.kpis``).
    x, y
        KPI names for the axes.
    x_sense, y_sense
        Whether less (``"min"``) or more (``"max"``) is better.

    Returns
    -------
    pandas.DataFrame
        ``variant_id, variant, x, x_low, x_high, y, y_low, y_high, efficient``
        sorted by ``x``.
    """
    need = {"variant_id", "variant", "kpi", "mean", "ci_low", "ci_high"}
    if not need <= set(kpis.columns):
        raise InputError(
            field="kpis", expected=f"columns {sorted(need)}", got=sorted(kpis.columns)
        )
    parts = []
    for name, tag in ((x, "x"), (y, "y")):
        sub = kpis[kpis["kpi"] == name]
        if sub.empty:
            raise InputError(
                field="kpi",
                expected=f"one of {sorted(kpis['kpi'].unique())}",
                got=name,
            )
        parts.append(
            sub.set_index(["variant_id", "variant"])[
                ["mean", "ci_low", "ci_high"]
            ].set_axis([tag, f"{tag}_low", f"{tag}_high"], axis=1)
        )
    wide = parts[0].join(parts[1], how="inner").reset_index()
    wide["efficient"] = pareto_front(wide[["x", "y"]].to_numpy(), [x_sense, y_sense])
    wide.attrs.update(x=x, y=y, x_sense=x_sense, y_sense=y_sense)
    return wide.sort_values(["x", "y"], ignore_index=True)


def cost_service_frame(
    kpis: pd.DataFrame,
    *,
    fixed_cost_per_year: float | None = None,
    currency: str = "",
    sla_class: str | None = None,
) -> pd.DataFrame:
    """Cost vs service across a sweep, with the best measures available.

    With the simulator's KPIs: ``sim_cost_per_ticket`` against
    ``sim_sla_attainment`` (or ``sim_sla_attainment_<sla_class>``), each with
    its 95 % interval over the replications. Otherwise (siting only): the
    outlets' fixed cost per year (open outlets x ``fixed_cost_per_year``, or
    the number of open outlets when it is not given) vs
    ``siting_coverage_share``.

    Examples
    --------
    >>> rows = [(v, k, m) for v, (o, c) in enumerate([(10, .8), (20, .9), (30, .85)])
    ...         for k, m in (("siting_open_outlets", o), ("siting_coverage_share", c))]
    >>> k = pd.DataFrame(rows, columns=["variant_id", "kpi", "mean"])
    >>> k["variant"] = k["variant_id"].astype(str); k["ci_low"] = k["ci_high"] = k["mean"]
    >>> cost_service_frame(k, fixed_cost_per_year=1000.0)[["x", "efficient"]]
             x  efficient
    0  10000.0       True
    1  20000.0       True
    2  30000.0      False
    """
    names = set(kpis["kpi"])
    sla = "sim_sla_attainment" + (f"_{sla_class}" if sla_class else "")
    if {"sim_cost_per_ticket", sla} <= names:
        out = tradeoff_frame(kpis, "sim_cost_per_ticket", sla)
        cur = currency or "money"
        out.attrs.update(
            x_label=f"cost per ticket ({cur}, simulated)",
            y_label=f"SLA attainment{f' ({sla_class})' if sla_class else ''}, simulated",
        )
        return out
    out = tradeoff_frame(kpis, "siting_open_outlets", "siting_coverage_share")
    if fixed_cost_per_year is not None:
        for c in ("x", "x_low", "x_high"):
            out[c] = out[c] * float(fixed_cost_per_year)
        out.attrs.update(
            x_label="outlet fixed cost per year"
            + (f" ({currency})" if currency else "")
        )
    else:
        out.attrs.update(x_label="open outlets")
    out.attrs.update(y_label="share of tickets covered")
    return out


def plot_tradeoff(
    frame: pd.DataFrame,
    *,
    x_label: str | None = None,
    y_label: str | None = None,
    annotate: bool = True,
) -> Figure:
    """Scatter of variants with CI bars; the Pareto-efficient ones joined and marked.

    ``frame`` is a :func:`tradeoff_frame` (or :func:`cost_service_frame`).
    """
    fig = Figure(figsize=(7.0, 4.5))
    ax = fig.subplots()
    xl = x_label or frame.attrs.get("x_label") or frame.attrs.get("x", "x")
    yl = y_label or frame.attrs.get("y_label") or frame.attrs.get("y", "y")
    eff = frame["efficient"].to_numpy(dtype=bool)
    xerr = np.vstack([frame["x"] - frame["x_low"], frame["x_high"] - frame["x"]])
    yerr = np.vstack([frame["y"] - frame["y_low"], frame["y_high"] - frame["y"]])
    ax.errorbar(
        frame["x"],
        frame["y"],
        xerr=np.abs(xerr),
        yerr=np.abs(yerr),
        fmt="none",
        ecolor="#bbbbbb",
        lw=1,
    )
    ax.scatter(
        frame["x"][~eff], frame["y"][~eff], color="#7f7f7f", label="dominated", zorder=3
    )
    front = frame[eff].sort_values("x")
    ax.plot(
        front["x"],
        front["y"],
        "-o",
        color="#d62728",
        label=f"Pareto-efficient ({int(eff.sum())})",
        zorder=4,
    )
    if annotate:  # one label per point; variants at the same point share it
        labels: dict[tuple[float, float], list[str]] = {}
        for name, fx, fy in zip(
            front["variant"].astype(str),
            front["x"].to_numpy(dtype=float),
            front["y"].to_numpy(dtype=float),
            strict=True,
        ):
            labels.setdefault((float(fx), float(fy)), []).append(name)
        for i, ((fx, fy), names) in enumerate(sorted(labels.items())):
            # alternate above and below so neighbours' labels do not overlap
            ax.annotate(
                " / ".join(names),
                (fx, fy),
                xytext=(5, 6 if i % 2 == 0 else -12),
                textcoords="offset points",
                fontsize=7,
            )
    for axis in (ax.xaxis, ax.yaxis):
        # few, short tick labels: long numbers side by side overlapped
        axis.set_major_locator(MaxNLocator(6))
        axis.set_major_formatter(FuncFormatter(_compact))
    ax.set_xlabel(str(xl))
    ax.set_ylabel(str(yl))
    ax.grid(alpha=0.3)
    ax.legend(frameon=False, loc="best")
    fig.tight_layout()
    return fig


def coverage_curve_frame(
    p_values: npt.ArrayLike,
    share: npt.ArrayLike,
    *,
    bound: npt.ArrayLike | None = None,
) -> pd.DataFrame:
    """Outlets vs coverage: ``p, share, gain`` (coverage added by the p-th outlet).

    Takes the columns of :func:`planner.siting.coverage_curve_p`; ``bound`` is
    an optional proven upper bound on the share per ``p`` (exact curves).

    >>> coverage_curve_frame([1, 2, 4], [0.5, 0.8, 0.9])["gain"].round(3).tolist()
    [0.5, 0.3, 0.05]
    """
    p = np.asarray(p_values, dtype=float)
    s = np.asarray(share, dtype=float)
    if p.shape != s.shape or p.ndim != 1 or p.size == 0:
        raise InputError(
            field="p_values, share",
            expected="two 1-D arrays of one length",
            got=f"{p.shape}, {s.shape}",
        )
    order = np.argsort(p)
    p, s = p[order], s[order]
    dp = np.diff(np.concatenate([[0.0], p]))
    gain = np.diff(np.concatenate([[0.0], s])) / np.where(dp > 0, dp, np.nan)
    out = pd.DataFrame({"p": p.astype(int), "share": s, "gain": gain})
    if bound is not None:
        out["bound"] = np.asarray(bound, dtype=float)[order]
    return out


def plot_coverage_curve(
    frame: pd.DataFrame | Mapping[str, pd.DataFrame],
    *,
    current: tuple[float, float] | None = None,
    label: str = "coverage",
) -> Figure:
    """Share of demand covered against the number of outlets (one or more curves).

    ``frame`` is a :func:`coverage_curve_frame` or ``{name: frame}`` (e.g. one
    curve per radius); ``current`` marks today's ``(outlets, share)``.
    """
    curves = dict(frame) if isinstance(frame, Mapping) else {label: frame}
    fig = Figure(figsize=(6.5, 4.0))
    ax = fig.subplots()
    for name, f in curves.items():
        ax.plot(f["p"], f["share"], "-o", ms=3, label=str(name))
        if "bound" in f and np.isfinite(f["bound"]).any():
            ax.plot(f["p"], f["bound"], ":", color="#7f7f7f", label=f"{name} bound")
    if current is not None:
        ax.scatter(
            [current[0]], [current[1]], marker="*", s=150, color="#d62728", zorder=5
        )
        ax.annotate(
            "today",
            current,
            xytext=(6, -12),
            textcoords="offset points",
            color="#d62728",
        )
    ax.set_xlabel("open outlets")
    ax.set_ylabel("share of tickets covered")
    ax.set_ylim(0, 1.02)
    ax.grid(alpha=0.3)
    ax.legend(frameon=False, loc="lower right")
    fig.tight_layout()
    return fig


def stock_fill_frame(
    investment: npt.ArrayLike,
    fill_rate: npt.ArrayLike,
    *,
    policy: npt.ArrayLike | None = None,
) -> pd.DataFrame:
    """Stock investment vs fill rate, with the efficient frontier marked.

    A point is efficient if no other point reaches at least its fill rate with
    less (or equal) investment while being strictly better in one.

    >>> stock_fill_frame([100, 200, 150], [0.90, 0.95, 0.85])["efficient"].tolist()
    [True, True, False]
    """
    inv = np.asarray(investment, dtype=float)
    fr = np.asarray(fill_rate, dtype=float)
    if inv.shape != fr.shape or inv.ndim != 1:
        raise InputError(
            field="investment, fill_rate",
            expected="two 1-D arrays of one length",
            got=f"{inv.shape}, {fr.shape}",
        )
    bad = (fr < 0) | (fr > 1)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(
            location=f"row {i}", field="fill_rate", expected="in [0, 1]", got=fr[i]
        )
    out = pd.DataFrame({"investment": inv, "fill_rate": fr})
    if policy is not None:
        out["policy"] = np.asarray(policy)
    out["efficient"] = pareto_front(np.column_stack([inv, fr]), ["min", "max"])
    return out


def plot_stock_fill(
    frame: pd.DataFrame | Mapping[str, pd.DataFrame],
    *,
    target: float | None = None,
    currency: str = "",
) -> Figure:
    """Fill rate against stock investment (one or more curves), frontier marked.

    ``frame`` is a :func:`stock_fill_frame` or ``{name: frame}``; ``target``
    draws the fill-rate target.
    """
    curves = dict(frame) if isinstance(frame, Mapping) else {"policy": frame}
    fig = Figure(figsize=(6.5, 4.0))
    ax = fig.subplots()
    for name, f in curves.items():
        f = f.sort_values("investment")
        eff = f["efficient"].to_numpy(dtype=bool)
        (line,) = ax.plot(
            f["investment"][eff], f["fill_rate"][eff], "-o", ms=3, label=str(name)
        )
        if (~eff).any():
            ax.scatter(
                f["investment"][~eff],
                f["fill_rate"][~eff],
                s=10,
                color=line.get_color(),
                alpha=0.35,
            )
    if target is not None:
        ax.axhline(target, color="#d62728", ls="--", lw=1, label=f"target {target:g}")
    ax.set_xlabel(f"stock investment{f' ({currency})' if currency else ''}")
    ax.set_ylabel("fill rate")
    ax.grid(alpha=0.3)
    ax.legend(frameon=False, loc="lower right")
    fig.tight_layout()
    return fig
