"""Demand per part and location: rates, intermittent forecasts, classes, targets.

- :func:`demand_matrix` turns a usage history ``(part, location, period,
  quantity)`` into a dense array (series x periods), checking every row and
  that every part is in the catalogue.
- :func:`estimate_rates` gives per series the rate per period, the rate of
  demand occurrences and the mean units per occurrence (the compound Poisson
  parameters).
- :func:`croston`, :func:`sba`, :func:`tsb`, :func:`ses`: intermittent-demand
  forecasts vectorized over series (one Python loop over periods).
- :func:`classify_demand`: ADI / CV^2 classes (Syntetos, Boylan & Croston 2005:
  cut-offs 1.32 and 0.49): smooth, erratic, intermittent, lumpy;
  :func:`forecast_demand` picks the method per series: Croston for smooth
  series, SBA for the other three classes (the SBC recommendation), or TSB /
  SES when asked.
- :func:`abc_xyz` classes (ABC by annual value share, XYZ by the coefficient
  of variation of per-period demand) and :func:`service_targets`, a rule table
  from class to target (e.g. A 0.98, B 0.95, C 0.90).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from planner.core.checks import check_fraction
from planner.core.errors import InputError
from planner.inventory._checks import numbers

__all__ = [
    "DemandClass",
    "abc_xyz",
    "classify_demand",
    "croston",
    "demand_matrix",
    "estimate_rates",
    "forecast_demand",
    "rates_from_failures",
    "sba",
    "service_targets",
    "ses",
    "tsb",
]

DemandClass = Literal["smooth", "erratic", "intermittent", "lumpy", "none"]
ADI_CUTOFF = 1.32
CV2_CUTOFF = 0.49
HISTORY_COLUMNS = ("part", "location", "period", "quantity")


def demand_matrix(
    history: pd.DataFrame,
    catalogue: Sequence[str] | None = None,
    *,
    n_periods: int | None = None,
    source: str = "history",
) -> tuple[pd.DataFrame, np.ndarray]:
    """Dense demand per (part, location) and period from a usage history.

    Parameters
    ----------
    history
        Columns ``part``, ``location``, ``period`` (whole numbers >= 0) and
        ``quantity`` (>= 0). Several rows for one cell are added.
    catalogue
        Known part ids; a part in the history but not here is an error.
    n_periods
        Length of the horizon (default: last period + 1).

    Returns
    -------
    index, Y
        ``index``: one row per series with ``part`` and ``location``;
        ``Y``: array (n_series, n_periods) of quantities.

    >>> h = pd.DataFrame({"part": ["a", "a", "b"], "location": ["x", "x", "x"],
    ...                   "period": [0, 2, 1], "quantity": [1, 2, 1]})
    >>> idx, Y = demand_matrix(h)
    >>> Y.tolist()
    [[1.0, 0.0, 2.0], [0.0, 1.0, 0.0]]
    """
    missing = [c for c in HISTORY_COLUMNS if c not in history.columns]
    if missing:
        raise InputError(
            source=source,
            field=", ".join(missing),
            expected=f"columns {', '.join(HISTORY_COLUMNS)}",
            got=list(history.columns),
        )
    for col in ("period", "quantity"):
        try:
            v = np.asarray(history[col], dtype=np.float64)
        except (TypeError, ValueError) as e:
            raise InputError(source=source, field=col, expected="numbers") from e
        bad = ~np.isfinite(v) | (v < 0)
        if col == "period":
            bad |= v != np.round(v)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise InputError(
                source=source,
                location=f'row {i + 1} (part "{history["part"].iloc[i]}")',
                field=col,
                expected="a whole number >= 0" if col == "period" else "a number >= 0",
                got=history[col].iloc[i],
            )
    if catalogue is not None:
        known = set(catalogue)
        unknown = ~history["part"].isin(known).to_numpy()
        if unknown.any():
            i = int(np.flatnonzero(unknown)[0])
            raise InputError(
                source=source,
                location=f"row {i + 1}",
                field="part",
                expected="a part in the catalogue",
                got=history["part"].iloc[i],
            )
    period = history["period"].to_numpy(dtype=np.int64)
    T = int(period.max()) + 1 if len(period) else 0
    if n_periods is not None:
        if n_periods < T:
            raise InputError(
                source=source,
                field="n_periods",
                expected=f">= {T} (the last period in the history + 1)",
                got=n_periods,
            )
        T = n_periods
    keys = history[["part", "location"]].astype(str)
    codes, uniq = pd.factorize(pd.MultiIndex.from_frame(keys), sort=True)
    Y = np.zeros((len(uniq), T))
    np.add.at(Y, (codes, period), history["quantity"].to_numpy(dtype=np.float64))
    index = pd.DataFrame(list(uniq), columns=["part", "location"])
    return index, Y


def _as_series(y: npt.ArrayLike) -> np.ndarray:
    a = numbers(y, "demand", nonneg=True)
    if a.ndim == 1:
        a = a[None, :]
    if a.ndim != 2 or a.shape[1] == 0:
        raise InputError(
            field="demand", expected="shape (n_series, n_periods)", got=a.shape
        )
    return a


def estimate_rates(y: npt.ArrayLike) -> pd.DataFrame:
    """Per series: units per period, occurrences per period, units per occurrence.

    The first is the Poisson rate; the last two are the compound Poisson
    parameters (a repair rate and its mean size).

    >>> estimate_rates([[0, 2, 0, 4]]).round(3).to_dict("records")
    [{'rate': 1.5, 'occurrence_rate': 0.5, 'mean_size': 3.0}]
    """
    Y = _as_series(y)
    T = Y.shape[1]
    nz = (Y > 0).sum(axis=1)
    tot = Y.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        size = np.where(nz > 0, tot / nz, 0.0)
    return pd.DataFrame({"rate": tot / T, "occurrence_rate": nz / T, "mean_size": size})


def ses(y: npt.ArrayLike, alpha: float = 0.1) -> np.ndarray:
    """Simple exponential smoothing; forecast after the last period, per series.

    >>> ses([[2, 4]], alpha=0.5).tolist()
    [3.0]
    """
    Y = _as_series(y)
    a = check_fraction(alpha, "alpha", open_high=False)
    f = Y[:, 0].copy()
    for t in range(1, Y.shape[1]):
        f += a * (Y[:, t] - f)
    return f


def croston(y: npt.ArrayLike, alpha: float = 0.1) -> np.ndarray:
    """Croston's forecast ``z / p`` (smoothed size over smoothed interval).

    Initialized with the first demand and the periods up to it; updated only
    in periods with demand. A series without demand forecasts 0.

    >>> croston([[0, 3, 0, 0, 6]], alpha=0.5).round(4).tolist()
    [1.8]
    """
    z, p = _croston_state(y, alpha)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(p > 0, z / np.where(p > 0, p, 1.0), 0.0)


def _croston_state(y: npt.ArrayLike, alpha: float) -> tuple[np.ndarray, np.ndarray]:
    Y = _as_series(y)
    a = check_fraction(alpha, "alpha", open_high=False)
    n, T = Y.shape
    z = np.zeros(n)
    p = np.zeros(n)  # 0 until the first demand
    since = np.zeros(n)  # periods since the last demand (incl. this one)
    seen = np.zeros(n, dtype=bool)
    for t in range(T):
        since += 1
        d = Y[:, t] > 0
        first = d & ~seen
        upd = d & seen
        z = np.where(first, Y[:, t], np.where(upd, z + a * (Y[:, t] - z), z))
        p = np.where(first, since, np.where(upd, p + a * (since - p), p))
        since = np.where(d, 0.0, since)
        seen |= d
    return z, p


def sba(y: npt.ArrayLike, alpha: float = 0.1) -> np.ndarray:
    """Syntetos-Boylan approximation: Croston times ``1 - alpha / 2``.

    >>> sba([[0, 3, 0, 0, 6]], alpha=0.5).round(4).tolist()
    [1.35]
    """
    return (1.0 - alpha / 2.0) * croston(y, alpha)


def tsb(y: npt.ArrayLike, alpha: float = 0.1, beta: float = 0.1) -> np.ndarray:
    """Teunter-Syntetos-Babai: demand probability updated every period.

    ``prob += beta (1{d>0} - prob)`` each period; ``size += alpha (d - size)``
    in periods with demand; forecast ``prob * size``. Initialized with the
    share of periods with demand and the mean nonzero size.

    >>> tsb([[0, 4, 0, 4]], alpha=0.5, beta=0.5).round(4).tolist()
    [2.625]
    """
    Y = _as_series(y)
    a = check_fraction(alpha, "alpha", open_high=False)
    b = check_fraction(beta, "beta", open_high=False)
    nz = Y > 0
    cnt = nz.sum(axis=1)
    prob = cnt / Y.shape[1]
    with np.errstate(divide="ignore", invalid="ignore"):
        size = np.where(cnt > 0, Y.sum(axis=1) / np.maximum(cnt, 1), 0.0)
    for t in range(Y.shape[1]):
        d = nz[:, t]
        prob = prob + b * (d - prob)
        size = np.where(d, size + a * (Y[:, t] - size), size)
    return prob * size


def classify_demand(y: npt.ArrayLike) -> pd.DataFrame:
    """ADI and CV^2 of nonzero demand sizes, and the class per series.

    ADI = periods / periods with demand; CV^2 = (sd / mean)^2 of the nonzero
    sizes (0 with fewer than two). Classes: smooth (ADI < 1.32, CV^2 < 0.49),
    erratic (ADI < 1.32), intermittent (CV^2 < 0.49), lumpy; ``none`` without
    demand.

    >>> classify_demand([[1, 1, 1, 1], [0, 0, 0, 5], [0, 1, 0, 9]])["class"].tolist()
    ['smooth', 'intermittent', 'lumpy']
    """
    Y = _as_series(y)
    nz = Y > 0
    cnt = nz.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        adi = np.where(cnt > 0, Y.shape[1] / cnt, np.inf)
        mean = np.where(cnt > 0, Y.sum(axis=1) / np.maximum(cnt, 1), 0.0)
        var = np.where(
            cnt > 1,
            ((Y - mean[:, None]) ** 2 * nz).sum(axis=1) / np.maximum(cnt - 1, 1),
            0.0,
        )
        cv2 = np.where(mean > 0, var / mean**2, 0.0)
    hi_adi = adi >= ADI_CUTOFF
    hi_cv = cv2 >= CV2_CUTOFF
    cls = np.where(
        cnt == 0,
        "none",
        np.where(
            hi_adi,
            np.where(hi_cv, "lumpy", "intermittent"),
            np.where(hi_cv, "erratic", "smooth"),
        ),
    )
    return pd.DataFrame({"adi": adi, "cv2": cv2, "class": cls})


def forecast_demand(
    y: npt.ArrayLike,
    *,
    method: Literal["auto", "croston", "sba", "tsb", "ses"] = "auto",
    alpha: float = 0.1,
    beta: float = 0.1,
) -> pd.DataFrame:
    """Rate per period per series by the method its demand pattern calls for.

    ``auto``: Croston for smooth series, SBA for erratic, intermittent and
    lumpy ones (Syntetos, Boylan & Croston 2005), 0 without demand.

    >>> forecast_demand([[1, 1, 1, 1], [0, 0, 0, 5]])["method"].tolist()
    ['croston', 'sba']
    """
    Y = _as_series(y)
    cls = classify_demand(Y)
    methods = {
        "croston": lambda: croston(Y, alpha),
        "sba": lambda: sba(Y, alpha),
        "tsb": lambda: tsb(Y, alpha, beta),
        "ses": lambda: ses(Y, alpha),
    }
    if method == "auto":
        c, s = methods["croston"](), methods["sba"]()
        smooth = (cls["class"] == "smooth").to_numpy()
        rate = np.where(smooth, c, s)
        used = np.where(smooth, "croston", "sba")
    elif method in methods:
        rate = methods[method]()
        used = np.full(len(Y), method)
    else:
        raise InputError(
            field="method",
            expected="'auto', 'croston', 'sba', 'tsb' or 'ses'",
            got=method,
        )
    none = (cls["class"] == "none").to_numpy()
    rate = np.where(none, 0.0, rate)
    used = np.where(none, "none", used)
    return cls.assign(method=used, rate=rate)


def abc_xyz(
    annual_value: npt.ArrayLike,
    y: npt.ArrayLike,
    *,
    abc: tuple[float, float] = (0.8, 0.95),
    xyz: tuple[float, float] = (0.5, 1.0),
) -> pd.DataFrame:
    """ABC class by cumulative share of value, XYZ by CV of per-period demand.

    A: the most valuable parts making up the first ``abc[0]`` of total value
    (the part crossing the line included), B: up to ``abc[1]``, C: the rest.
    X: CV < ``xyz[0]``, Y: CV < ``xyz[1]``, Z: otherwise (or no demand).

    >>> abc_xyz([85, 10, 5], [[5, 5, 5], [1, 4, 1], [0, 0, 9]])["class"].tolist()
    ['AX', 'BY', 'CZ']
    """
    v = numbers(annual_value, "annual_value", nonneg=True, ndim=1)
    Y = _as_series(y)
    if len(v) != len(Y):
        raise InputError(
            field="annual_value", expected=f"length {len(Y)} (series)", got=len(v)
        )
    order = np.argsort(-v, kind="stable")
    total = v.sum()
    share_before = np.zeros(len(v))
    if total > 0:
        share_before[order] = np.concatenate([[0.0], np.cumsum(v[order])[:-1]]) / total
    letter_abc = np.where(
        share_before < abc[0], "A", np.where(share_before < abc[1], "B", "C")
    )
    mean = Y.mean(axis=1)
    sd = Y.std(axis=1, ddof=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        cv = np.where(mean > 0, sd / mean, np.inf)
    letter_xyz = np.where(cv < xyz[0], "X", np.where(cv < xyz[1], "Y", "Z"))
    return pd.DataFrame(
        {
            "abc": letter_abc,
            "xyz": letter_xyz,
            "class": np.char.add(letter_abc.astype(str), letter_xyz.astype(str)),
            "value_share_before": share_before,
            "cv": cv,
        }
    )


def service_targets(
    classes: Sequence[str] | pd.Series,
    rules: Mapping[str, float] | None = None,
) -> np.ndarray:
    """Service target per part from its class by a rule table.

    A rule for the full class (``"AX"``) wins over one for its ABC letter
    (``"A"``); a class with no rule is an error. Default: A 0.98, B 0.95,
    C 0.90.

    >>> service_targets(["AX", "BZ", "CY"], {"A": 0.98, "B": 0.95, "C": 0.9, "BZ": 0.93}).tolist()
    [0.98, 0.93, 0.9]
    """
    table = dict(rules) if rules is not None else {"A": 0.98, "B": 0.95, "C": 0.90}
    for k, v in table.items():
        try:
            check_fraction(v, f"rules[{k!r}]")
        except InputError as e:
            raise InputError(
                field="rules", location=k, expected="a target in (0, 1)", got=v
            ) from e
    out = np.empty(len(classes))
    for i, c in enumerate(classes):
        if not isinstance(c, str):
            raise InputError(
                location=f"part {i}", field="class", expected="a class name", got=c
            )
        if c in table:
            out[i] = table[c]
        elif c[:1] in table:
            out[i] = table[c[:1]]
        else:
            raise InputError(
                location=f"part {i}",
                field="class",
                expected=f"a class with a rule ({', '.join(sorted(table))})",
                got=c,
            )
    return out


def rates_from_failures(
    installed_base: npt.ArrayLike,
    failure_rate: npt.ArrayLike,
    usage: npt.ArrayLike,
) -> np.ndarray:
    """Part demand per location from installed machines and their failure rates.

    Parameters
    ----------
    installed_base
        Machines of each product at each location, shape (locations, products).
    failure_rate
        Failures per machine and period, per product, shape (products,).
    usage
        Expected units of each part per failure of each product (the share of
        repairs needing it times the units used), shape (products, parts).

    Returns
    -------
    np.ndarray
        Demand rate per part and location and period, shape (parts, locations);
        Poisson by superposition of independent failures.

    >>> rates_from_failures([[10, 0], [5, 2]], [0.1, 0.5], [[1.0, 0.0], [0.5, 2.0]])
    array([[1., 1.],
           [0., 2.]])
    """
    base = numbers(installed_base, "installed_base", nonneg=True, ndim=2)
    fr = numbers(failure_rate, "failure_rate", nonneg=True, ndim=1)
    use = numbers(usage, "usage", nonneg=True, ndim=2)
    if base.shape[1] != len(fr):
        raise InputError(
            field="failure_rate",
            expected=f"one rate per product ({base.shape[1]})",
            got=len(fr),
        )
    if use.shape[0] != len(fr):
        raise InputError(
            field="usage",
            expected=f"one row per product ({len(fr)})",
            got=use.shape,
        )
    failures = base * fr[None, :]  # (locations, products)
    return np.asarray((failures @ use).T)
