"""Stationary multi-server queues: Erlang B and C, waiting-time tails, sizing.

All functions are vectorized (numpy broadcasting over every argument) and
stable for large server counts: Erlang B is computed in log space from the
Poisson distribution, ``B(c, a) = P(N = c) / P(N <= c)`` for ``N ~ Poisson(a)``
(``scipy.special.gammaincc`` gives the regularized tail), with the classical
recursion ``B(k) = a B(k-1) / (k + a B(k-1))`` as a fallback where that tail
underflows (``a`` far above ``c``). Erlang C follows as
``C = c B / (c - a (1 - B))`` for ``c > a`` and is 1 otherwise.

Waiting time in M/M/c (first come first served, rate ``mu`` per server,
arrival rate ``lam``): ``P(W <= t) = 1 - C(c, a) exp(-(c mu - lam) t)``.

General service (``service_cv != 1``) uses the Allen-Cunneen two-moment
approximation with Poisson arrivals: the probability of waiting stays Erlang C
and the conditional wait is exponential with its mean scaled by
``(1 + cv^2) / 2``, i.e. ``P(W > t) = C exp(-(c mu - lam) t 2 / (1 + cv^2))``
(A. O. Allen, *Probability, Statistics and Queueing Theory*, 2nd ed., 1990,
section 6; W. Whitt, "Approximations for the GI/G/m queue", Production and
Operations Management 2(2), 1993, 114-161, for the exponential form of the
conditional wait). It is exact for ``cv = 1``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt
from scipy import special

from planner.core.errors import InputError

__all__ = [
    "allen_cunneen_factor",
    "erlang_b",
    "erlang_c",
    "erlang_c_real",
    "mean_wait_min",
    "prob_wait_le",
    "required_servers",
    "smallest_true",
]


def _num(x: npt.ArrayLike, name: str, *, positive: bool = False) -> np.ndarray:
    a = np.asarray(x, dtype=np.float64)
    bad = ~np.isfinite(a) | ((a <= 0) if positive else (a < 0))
    if bad.any():
        v = a[bad].flat[0]
        raise InputError(
            field=name, expected="finite and > 0" if positive else ">= 0", got=float(v)
        )
    return a


def _servers(x: npt.ArrayLike) -> np.ndarray:
    c = _num(x, "servers")
    if (c != np.round(c)).any():
        raise InputError(
            field="servers", expected="whole numbers", got=float(c[c != np.round(c)][0])
        )
    return c


def erlang_b(servers: npt.ArrayLike, offered_load: npt.ArrayLike) -> np.ndarray:
    """Blocking probability of M/M/c/c (Erlang B), vectorized.

    Parameters
    ----------
    servers
        Number of servers ``c`` (whole numbers >= 0).
    offered_load
        Offered load ``a = lam * E[S]`` in Erlangs (>= 0).

    Returns
    -------
    numpy.ndarray
        ``B(c, a)``, broadcast over the inputs.

    Examples
    --------
    >>> float(erlang_b(2, 1.0))  # (1/2) / (1 + 1 + 1/2)
    0.2
    """
    c, a = np.broadcast_arrays(_servers(servers), _num(offered_load, "offered_load"))
    out = np.empty(c.shape, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        tail = special.gammaincc(c + 1.0, a)  # P(Poisson(a) <= c)
        logb = c * np.log(a) - a - special.gammaln(c + 1.0) - np.log(tail)
        out[...] = np.exp(logb)
    out[a == 0] = 0.0
    out[c == 0] = 1.0
    weak = (tail < 1e-280) & (a > 0) & (c > 0)
    if weak.any():  # a >> c: the recursion is exact and short there
        cw, aw = c[weak], a[weak]
        b = np.ones_like(aw)
        for k in range(1, int(cw.max()) + 1):
            nb = aw * b / (k + aw * b)
            b = np.where(k <= cw, nb, b)
        out[weak] = b
    return np.clip(out, 0.0, 1.0)


def erlang_c(servers: npt.ArrayLike, offered_load: npt.ArrayLike) -> np.ndarray:
    """Probability of waiting in M/M/c (Erlang C), vectorized.

    1 where the queue is unstable (``c <= a``); 0 where ``a == 0`` and
    ``c >= 1``.

    Examples
    --------
    >>> round(float(erlang_c(2, 1.0)), 6)  # 2 * 0.2 / (2 - 1 * 0.8)
    0.333333
    >>> erlang_c([1, 3], 3.0).tolist()
    [1.0, 1.0]
    """
    return erlang_c_real(_servers(servers), _num(offered_load, "offered_load"))


def erlang_c_real(servers: npt.ArrayLike, offered_load: npt.ArrayLike) -> np.ndarray:
    """Erlang C for any real ``c >= 0`` (the gamma-function extension of Erlang B).

    Used for time-averaged server counts; equals :func:`erlang_c` on whole
    numbers. Inputs are not checked.

    >>> bool(np.isclose(erlang_c_real(2.0, 1.0), erlang_c(2, 1.0)))
    True
    """
    c, a = np.broadcast_arrays(
        np.asarray(servers, dtype=np.float64),
        np.asarray(offered_load, dtype=np.float64),
    )
    stable = (c > a) & (a > 0)
    b = np.zeros(c.shape)
    if stable.any():  # P(Poisson(a) <= c) >= about 1/2 here: no underflow
        cs, as_ = c[stable], a[stable]
        logb = (
            cs * np.log(as_)
            - as_
            - special.gammaln(cs + 1.0)
            - np.log(special.gammaincc(cs + 1.0, as_))
        )
        b[stable] = np.exp(logb)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = c * b / (c - a * (1.0 - b))
    out = np.where(c > a, out, 1.0)
    out = np.where((a == 0) & (c > 0), 0.0, out)
    return np.clip(out, 0.0, 1.0)


def allen_cunneen_factor(service_cv: npt.ArrayLike) -> np.ndarray:
    """``(1 + cv^2) / 2``: the conditional wait's scale for general service.

    >>> float(allen_cunneen_factor(0.5))
    0.625
    """
    cv = _num(service_cv, "service_cv")
    return (1.0 + cv**2) / 2.0


def prob_wait_le(
    arrival_per_h: npt.ArrayLike,
    service_min: npt.ArrayLike,
    servers: npt.ArrayLike,
    *,
    target_min: npt.ArrayLike,
    service_cv: npt.ArrayLike = 1.0,
) -> np.ndarray:
    """``P(wait <= target)`` in M/M/c (M/G/c by Allen-Cunneen), vectorized.

    Parameters
    ----------
    arrival_per_h
        Arrival rate per hour.
    service_min
        Mean service time in minutes (> 0).
    servers
        Number of servers.
    target_min
        Wait target in minutes (>= 0; 0 gives ``1 - C``).
    service_cv
        Coefficient of variation of the service time (1: exponential, exact).

    Returns
    -------
    numpy.ndarray
        The probability; 0 where the queue is unstable, 1 without arrivals.

    Examples
    --------
    >>> round(float(prob_wait_le(1.0, 60.0, 2, target_min=0.0)), 6)
    0.666667
    """
    lam = _num(arrival_per_h, "arrival_per_h") / 60.0
    s = _num(service_min, "service_min", positive=True)
    c = _servers(servers)
    t = _num(target_min, "target_min")
    f = allen_cunneen_factor(service_cv)
    a = lam * s
    pw = erlang_c(c, a)
    rate = (c / s - lam) / f
    with np.errstate(over="ignore", invalid="ignore"):
        p = 1.0 - pw * np.exp(-np.maximum(rate, 0.0) * t)
    return np.where(lam == 0, 1.0, np.where(c > a, p, 0.0))


def mean_wait_min(
    arrival_per_h: npt.ArrayLike,
    service_min: npt.ArrayLike,
    servers: npt.ArrayLike,
    *,
    service_cv: npt.ArrayLike = 1.0,
) -> np.ndarray:
    """Mean wait in minutes, ``C / (c mu - lam) (1 + cv^2) / 2``; inf if unstable.

    >>> round(float(mean_wait_min(1.0, 60.0, 2)), 4)  # (1/3) / (2 - 1) h
    20.0
    """
    lam = _num(arrival_per_h, "arrival_per_h") / 60.0
    s = _num(service_min, "service_min", positive=True)
    c = _servers(servers)
    f = allen_cunneen_factor(service_cv)
    a = lam * s
    with np.errstate(divide="ignore", invalid="ignore"):
        w = erlang_c(c, a) * f / (c / s - lam)
    return np.where(c > a, np.where(lam == 0, 0.0, w), np.inf)


def smallest_true(
    ok: Callable[[np.ndarray, np.ndarray], np.ndarray],
    lo: np.ndarray,
    *,
    max_servers: float = 1e7,
) -> np.ndarray:
    """Smallest whole ``c >= lo`` (elementwise) with ``ok(c, idx)`` true.

    ``ok`` must be monotone in ``c`` (false then true) and is called with the
    candidate counts and the flat positions they belong to. Galloping from
    ``lo`` then bisection: about ``2 log2(c - lo)`` vectorized calls.

    >>> smallest_true(lambda c, i: c * c >= np.array([10.0, 50.0])[i], np.zeros(2))
    array([4., 8.])
    """
    lo = np.asarray(lo, dtype=np.float64).ravel().copy()
    idx = np.arange(lo.size)
    hit = ok(lo, idx)
    good = np.where(hit, lo, np.nan)
    todo = ~hit
    step = np.ones(lo.size)
    bad = lo.copy()  # largest known failing count (for the bisection)
    while todo.any():
        cand = lo[todo] + step[todo]
        if (cand > max_servers).any():
            raise InputError(
                field="servers",
                expected=f"a requirement below {max_servers:.0f} servers",
                got="none found",
            )
        h = ok(cand, idx[todo])
        ti = idx[todo]
        good[ti[h]] = cand[h]
        bad[ti[~h]] = cand[~h]
        lo[ti[~h]] = cand[~h]
        step[ti[~h]] *= 2
        todo[ti[h]] = False
    # bisection between bad (fails) and good (holds)
    lo_b = bad.copy()
    hi_b = good.copy()
    gap = hi_b - lo_b > 1
    while gap.any():
        gi = idx[gap]
        mid = np.floor((lo_b[gi] + hi_b[gi]) / 2)
        h = ok(mid, gi)
        hi_b[gi[h]] = mid[h]
        lo_b[gi[~h]] = mid[~h]
        gap = hi_b - lo_b > 1
    return hi_b


def required_servers(
    arrival_per_h: npt.ArrayLike,
    service_min: npt.ArrayLike,
    *,
    target_min: npt.ArrayLike,
    target_share: npt.ArrayLike,
    service_cv: npt.ArrayLike = 1.0,
) -> np.ndarray:
    """Smallest number of servers ``c`` with ``P(wait <= target) >= share``.

    Exact Erlang C for exponential service (``service_cv == 1``), the
    Allen-Cunneen approximation otherwise (see the module docstring).
    Vectorized; no arrivals need 0 servers.

    Parameters
    ----------
    arrival_per_h
        Arrival rate per hour (>= 0).
    service_min
        Mean service time in minutes (> 0).
    target_min
        Wait target in minutes (>= 0).
    target_share
        Share of arrivals that must wait at most the target, in (0, 1]; 1.0
        is refused where there are arrivals (random waits exceed any target
        with positive probability).
    service_cv
        Coefficient of variation of the service time.

    Returns
    -------
    numpy.ndarray
        Server counts (float array of whole numbers).

    Raises
    ------
    InputError
        For a share no staffing meets, or bad numbers.

    Examples
    --------
    >>> float(required_servers(10.0, 30.0, target_min=0.0, target_share=0.8))
    8.0
    >>> required_servers([0.0, 2.0], 60.0, target_min=20, target_share=0.8).tolist()
    [0.0, 4.0]
    """
    lam, s, t, share, cv = np.broadcast_arrays(
        _num(arrival_per_h, "arrival_per_h"),
        _num(service_min, "service_min", positive=True),
        _num(target_min, "target_min"),
        _num(target_share, "target_share"),
        _num(service_cv, "service_cv"),
    )
    shape = lam.shape
    if ((share <= 0) | (share > 1)).any():
        raise InputError(
            field="target_share", expected="in (0, 1]", got=float(share.flat[0])
        )
    never = (share >= 1.0) & (lam > 0)
    if never.any():
        k = int(np.flatnonzero(never.ravel())[0])
        raise InputError(
            field="target_share",
            expected="below 1.0 where tickets arrive at random (a wait beyond "
            "any target has positive probability whatever the staffing)",
            got=f"1.0 at {lam.ravel()[k]:g} arrivals/h, target {t.ravel()[k]:g} min",
        )
    lam, s, t, share, cv = (x.ravel() for x in (lam, s, t, share, cv))
    a = lam * s / 60.0
    lo = np.where(lam > 0, np.floor(a) + 1.0, 0.0)

    def ok(c: np.ndarray, i: np.ndarray) -> np.ndarray:
        p = prob_wait_le(lam[i], s[i], c, target_min=t[i], service_cv=cv[i])
        return np.asarray((p >= share[i]) | (lam[i] == 0))

    return smallest_true(ok, lo).reshape(shape)
