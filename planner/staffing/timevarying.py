"""Time-varying demand over the hours of a week: offered loads and wall-clock targets.

Offered load by the modified-offered-load (MOL) method (Jennings, Mandelbaum,
Massey and Whitt, "Server staffing to meet time-varying demand", Management
Science 42(10), 1996, 1383-1394): the load at time ``t`` is the mean number
of busy servers in an infinite-server queue, ``m(t) = E[lambda(t - S_e)] E[S]
= integral lambda(t - u) P(S > u) du``, which lags and smooths the arrival
rate when visits last hours. Each period is then staffed as a stationary queue
offered ``m(t)`` (:mod:`planner.staffing.sizing`). ``lambda`` is constant per
hour and periodic over the week; the visit time is gamma with the given mean
and cv (exponential for cv 1, deterministic for cv 0), and ``m`` is averaged
over each hour.
"""

from __future__ import annotations

import numpy as np
from scipy import special

from planner.staffing.shifts import HOURS_PER_WEEK

__all__ = ["mol_load", "wall_target_min"]

_SUB = 6  # points per hour for the hourly average of m(t)


def _excess_integral(x_h: np.ndarray, mean_h: np.ndarray, cv: np.ndarray) -> np.ndarray:
    """``G(x) = E[min(S, x)] = integral_0^x P(S > u) du`` for gamma ``S`` (hours)."""
    x = np.maximum(x_h, 0.0)
    det = cv < 1e-6
    shape = np.where(det, 1.0, 1.0 / np.maximum(cv, 1e-6) ** 2)
    scale = mean_h * np.where(det, 1.0, np.maximum(cv, 1e-6) ** 2)
    z = x / scale
    g = x * special.gammaincc(shape, z) + mean_h * special.gammainc(shape + 1.0, z)
    return np.where(det, np.minimum(x, mean_h), g)


def mol_load(
    arrival_per_h: np.ndarray, mean_min: np.ndarray, cv: np.ndarray
) -> np.ndarray:
    """Hourly-average MOL offered load (Erlangs), periodic over the week.

    Parameters
    ----------
    arrival_per_h
        ``(..., 168)`` arrivals per hour.
    mean_min, cv
        Visit time mean (minutes) and cv, shape ``arrival_per_h.shape[:-1]``.

    Returns
    -------
    numpy.ndarray
        ``(..., 168)``; its weekly mean equals the mean rate times the mean
        visit time.

    Examples
    --------
    A constant rate gives the stationary load ``lambda E[S]``:

    >>> m = mol_load(np.full((1, 168), 2.0), np.array([90.0]), np.array([1.0]))
    >>> bool(np.allclose(m, 3.0))
    True
    """
    lam = np.asarray(arrival_per_h, dtype=np.float64)
    mean = np.broadcast_to(np.asarray(mean_min, dtype=np.float64), lam.shape[:-1])
    cvs = np.broadcast_to(np.asarray(cv, dtype=np.float64), lam.shape[:-1])
    # one kernel per distinct (mean, cv): K_j = mean over theta in [0, 1) of
    # G(theta + j) - G(theta + j - 1), folded onto the week
    pairs, inv = np.unique(
        np.stack([mean.ravel(), cvs.ravel()], 1), axis=0, return_inverse=True
    )
    mean_h = pairs[:, :1] / 60.0
    cvv = pairs[:, 1:]
    span = mean_h * (1.0 + 8.0 * np.maximum(cvv, 0.3)) + 2.0
    n_k = int(min(np.ceil(span.max(initial=0.0)) + 1, 8 * HOURS_PER_WEEK))
    theta = (np.arange(_SUB) + 0.5) / _SUB
    pts = np.arange(n_k)[:, None] + theta[None, :]  # (n_k, SUB)
    hi = _excess_integral(pts, mean_h[..., None], cvv[..., None])
    lo = _excess_integral(pts - 1.0, mean_h[..., None], cvv[..., None])
    ker = (hi - lo).mean(-1)  # (pairs, n_k)
    ker *= mean_h / np.maximum(ker.sum(-1, keepdims=True), 1e-300)  # exact total
    n_w = -(-n_k // HOURS_PER_WEEK)
    ker = np.pad(ker, ((0, 0), (0, n_w * HOURS_PER_WEEK - n_k)))
    ker = ker.reshape(len(pairs), n_w, HOURS_PER_WEEK).sum(1)
    # periodic convolution m(h) = sum_j lam(h - j) K_j, by FFT
    flat = lam.reshape(-1, HOURS_PER_WEEK)
    spec = np.fft.rfft(flat, axis=-1) * np.fft.rfft(ker, axis=-1)[np.ravel(inv)]
    out = np.fft.irfft(spec, n=HOURS_PER_WEEK, axis=-1)
    tiny = 1e-12 * np.abs(out).max(axis=-1, keepdims=True)  # rounding, not load
    return np.asarray(np.where(out > tiny, out, 0.0).reshape(lam.shape))


def wall_target_min(
    target_min: float | np.ndarray, clock: str, business: np.ndarray
) -> np.ndarray:
    """Wall-clock minutes a ticket arriving mid-hour may wait, per hour of the week.

    Calendar clock: the target itself. Business clock: the wall time until
    ``target_min`` business minutes have run from the arrival (from the next
    business hour if it arrives outside them); ``inf`` without business hours.
    ``target_min`` may be an array (``(...,)``); the result is ``(..., 168)``.

    >>> bh = np.zeros(168, bool); bh[9:17] = True  # Monday 09:00-17:00 only
    >>> w = wall_target_min(120.0, "business", bh)
    >>> float(w[9]), float(w[16]) / 60, float(w[17]) / 60  # into next Monday
    (120.0, 162.0, 161.5)
    """
    t = np.asarray(target_min, dtype=np.float64)
    if clock == "calendar":
        return np.broadcast_to(t[..., None], (*t.shape, HOURS_PER_WEEK)).copy()
    bh = np.asarray(business, dtype=bool)
    per_week = bh.sum() * 60.0
    if per_week == 0:
        return np.full((*t.shape, HOURS_PER_WEEK), np.inf)
    n_weeks = int(np.ceil(np.max(t, initial=0.0) / per_week)) + 2
    rate = np.tile(bh.astype(float), n_weeks) * 60.0  # business minutes in each hour
    cum = np.concatenate([[0.0], np.cumsum(rate)])  # business minutes at hour starts
    start = np.arange(HOURS_PER_WEEK) + 0.5
    b0 = np.interp(start, np.arange(cum.size), cum)  # clock at arrival
    goal = b0 + t[..., None]
    # the last time the (non-decreasing) clock is still at most goal
    idx = np.searchsorted(cum, goal, side="right")  # cum[idx-1] <= goal < cum[idx]
    idx = np.clip(idx, 1, cum.size - 1)
    frac = (goal - cum[idx - 1]) / np.maximum(cum[idx] - cum[idx - 1], 1e-12)
    when_h = idx - 1 + np.clip(frac, 0.0, 1.0)
    return np.asarray(np.maximum(when_h - start, 0.0) * 60.0)
