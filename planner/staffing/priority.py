"""Waiting times per class in the non-preemptive priority M/M/c queue.

Classes are served in rank order (0 first: urgent, important, general, as the
simulator does), first come first served within a class; a job in service is
never interrupted. With one exponential service rate ``mu`` for all classes
the queue is exact (Kella and Yechiali, "Waiting times in the non-preemptive
priority M/M/c queue", Stochastic Models 1(2), 1985, 257-262):

- every class waits with the same probability ``C(c, a)`` (Erlang C of the
  total load), because the number in system does not depend on the order;
- given that it waits, a class-``k`` arrival waits ``M`` busy periods of an
  M/M/1 queue with arrival rate ``Lambda_{k-1}`` (all classes above ``k``)
  and service rate ``c mu``, where ``M - 1``, the number of class ``<= k``
  jobs it finds queued, is geometric with ratio
  ``sigma_k = Lambda_k / (c mu)``. Its Laplace transform is
  ``(1 - sigma_k) b(s) / (1 - sigma_k b(s))`` with the busy-period transform
  ``b(s)``; the top class waits ``Exp(c mu - lambda_0)``, lower classes are
  inverted numerically (fixed Talbot, Abate and Valko, Int. J. Numer. Meth.
  Engng 60, 2004, 979-993). The mean is Cobham's
  ``C / (c mu (1 - sigma_{k-1}) (1 - sigma_k))``.

Classes with different mean visit times or non-exponential visits are an
approximation: the queue is treated as above with the arrival-weighted mean
service time, and the conditional waits are scaled by the Allen-Cunneen
factor ``(1 + cv^2) / 2`` of the mixed service time (see
:mod:`planner.staffing.erlang`).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from planner.core.errors import InputError
from planner.staffing.erlang import erlang_c_real, smallest_true

__all__ = [
    "conditional_wait_survival",
    "priority_mean_wait_min",
    "priority_prob_wait_le",
    "required_servers_priority",
]

_M = 16  # Talbot nodes: about 1e-9 absolute on these survival functions


def conditional_wait_survival(
    t: npt.ArrayLike, sigma_above: npt.ArrayLike, sigma_upto: npt.ArrayLike
) -> np.ndarray:
    """``P(W_k > t | W_k > 0)`` in units where ``c mu = 1``.

    ``sigma_above`` is the load of the classes above ``k`` and ``sigma_upto``
    that of the classes up to and including ``k``, both per unit of the pool's
    capacity (``< 1``). Vectorized; exponential when ``sigma_above == 0``.

    >>> float(conditional_wait_survival(1.0, 0.0, 0.5)) == float(np.exp(-0.5))
    True
    """
    tt, lo, up = np.broadcast_arrays(
        np.asarray(t, dtype=np.float64),
        np.asarray(sigma_above, dtype=np.float64),
        np.asarray(sigma_upto, dtype=np.float64),
    )
    out = np.exp(-(1.0 - up) * tt)
    todo = (lo > 1e-12) & (tt > 0)
    if todo.any():
        small = _chernoff(tt[todo], lo[todo], up[todo]) < 1e-10
        idx = np.flatnonzero(todo)
        out.flat[idx[small]] = 0.0
        keep = idx[~small]
        if keep.size:
            out.flat[keep] = _talbot_survival(
                tt.flat[keep], lo.flat[keep], up.flat[keep]
            )
    return np.clip(out, 0.0, 1.0)


def _chernoff(t: np.ndarray, lam: np.ndarray, sig: np.ndarray) -> np.ndarray:
    """An upper bound ``E[exp(theta W)] exp(-theta t)`` on the survival (``c mu = 1``).

    ``theta`` is half the transform's abscissa: the busy-period branch point
    ``(1 - sqrt(lam))^2`` or the pole ``(1 - sig)(1 - lam / sig)`` where
    ``sig b = 1``, whichever comes first. Used to skip the inversion where
    the tail is negligible (long targets of low classes).
    """
    branch = (1.0 - np.sqrt(lam)) ** 2
    pole = (1.0 - sig) * (1.0 - lam / sig)
    theta = 0.5 * np.where(sig > np.sqrt(lam), np.minimum(pole, branch), branch)
    z = -theta + lam + 1.0
    b = 2.0 / (z + np.sqrt(np.maximum(z * z - 4.0 * lam, 0.0)))
    mgf = (1.0 - sig) * b / (1.0 - sig * b)
    with np.errstate(over="ignore"):
        return np.asarray(mgf * np.exp(-theta * t))


def _talbot_survival(t: np.ndarray, lam: np.ndarray, sig: np.ndarray) -> np.ndarray:
    """Fixed-Talbot inversion of ``(1 - phi(s)) / s`` at ``t`` (all > 0)."""
    theta = np.arange(1, _M) * np.pi / _M
    cot = 1.0 / np.tan(theta)
    r = (2.0 * _M / (5.0 * t))[:, None]
    s = r * theta * (cot + 1j)  # (n, M-1)
    dsig = theta + (theta * cot - 1.0) * cot
    lam_ = lam[:, None]
    sig_ = sig[:, None]

    def surv_hat(z: np.ndarray) -> np.ndarray:
        s1 = -((1.0 + np.sqrt(lam_)) ** 2)
        s2 = -((1.0 - np.sqrt(lam_)) ** 2)
        b = 2.0 / (z + lam_ + 1.0 + np.sqrt(z - s1) * np.sqrt(z - s2))
        phi = (1.0 - sig_) * b / (1.0 - sig_ * b)
        return np.asarray((1.0 - phi) / z)

    head = 0.5 * np.real(surv_hat(r.astype(np.complex128))[:, 0]) * np.exp(r[:, 0] * t)
    body = np.real(np.exp(t[:, None] * s) * surv_hat(s) * (1.0 + 1j * dsig)).sum(1)
    return np.asarray(r[:, 0] / _M * (head + body))


def _mix(
    lam_min: np.ndarray, s: np.ndarray, cv: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Total rate, mean and Allen-Cunneen factor of the mixed service time."""
    tot = lam_min.sum(-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = np.where(tot > 0, (lam_min * s).sum(-1) / tot, s.mean(-1))
        m2 = np.where(
            tot > 0, (lam_min * s**2 * (1.0 + cv**2)).sum(-1) / tot, mean**2 * 2.0
        )
    cv2 = np.maximum(m2 / mean**2 - 1.0, 0.0)
    return tot, mean, (1.0 + cv2) / 2.0


def _prepare(
    arrival_per_h: npt.ArrayLike,
    service_min: npt.ArrayLike,
    servers: npt.ArrayLike,
    service_cv: npt.ArrayLike,
) -> tuple[np.ndarray, ...]:
    lam = np.asarray(arrival_per_h, dtype=np.float64)
    if lam.ndim < 1:
        raise InputError(
            field="arrival_per_h", expected="classes on the last axis", got=lam.shape
        )
    s = np.broadcast_to(np.asarray(service_min, dtype=np.float64), lam.shape)
    cv = np.broadcast_to(np.asarray(service_cv, dtype=np.float64), lam.shape)
    c = np.broadcast_to(np.asarray(servers, dtype=np.float64), lam.shape[:-1])
    for name, x in (("arrival_per_h", lam), ("service_cv", cv), ("servers", c)):
        if (~np.isfinite(x) | (x < 0)).any():
            raise InputError(field=name, expected="finite and >= 0", got="a bad value")
    if (~np.isfinite(s) | (s <= 0)).any():
        raise InputError(field="service_min", expected="finite and > 0", got="<= 0")
    return lam / 60.0, s, cv, c


def priority_prob_wait_le(
    arrival_per_h: npt.ArrayLike,
    service_min: npt.ArrayLike,
    servers: npt.ArrayLike,
    *,
    target_min: npt.ArrayLike,
    service_cv: npt.ArrayLike = 1.0,
    p_wait: npt.ArrayLike | None = None,
    where: npt.ArrayLike | None = None,
) -> np.ndarray:
    """``P(W_k <= target_k)`` per class under non-preemptive priority M/M/c.

    Parameters
    ----------
    arrival_per_h
        Arrival rate per hour, classes on the last axis in priority order.
    service_min, service_cv
        Mean and coefficient of variation of the service time per class
        (broadcast to ``arrival_per_h``).
    servers
        Servers, shape ``arrival_per_h.shape[:-1]``.
    target_min
        Wait target per class in minutes (broadcast to ``arrival_per_h``).
    p_wait
        Probability of waiting to use instead of Erlang C (e.g. 1 where a
        backlog keeps every server busy).
    where
        Optional mask (shape of ``arrival_per_h``): compute only these entries
        (the others are returned as nan), to save the numerical inversion.

    Returns
    -------
    numpy.ndarray
        Same shape as ``arrival_per_h``; ``1 - p_wait`` for an unstable class
        (0 with Erlang C, which is 1 there), 1 for a class without arrivals.

    Examples
    --------
    One server, half loaded by urgent work and a quarter by general work:
    urgent waits with probability 0.75 and then ``Exp(1 - 0.5)`` per hour.

    >>> p = priority_prob_wait_le([0.5, 0.25], 60.0, 1, target_min=[60.0, 0.0])
    >>> bool(np.isclose(p[0], 1 - 0.75 * np.exp(-0.5))), round(float(p[1]), 6)
    (True, 0.25)
    """
    lam, s, cv, c = _prepare(arrival_per_h, service_min, servers, service_cv)
    t = np.broadcast_to(np.asarray(target_min, dtype=np.float64), lam.shape)
    tot, mean, fac = _mix(lam, s, cv)
    a = tot * mean
    pw = erlang_c_real(c, a) if p_wait is None else np.broadcast_to(p_wait, c.shape)
    nu = c / mean  # pool rate per minute
    with np.errstate(divide="ignore", invalid="ignore"):
        cum = np.cumsum(lam, -1) / nu[..., None]
    cum = np.where(c[..., None] > 0, cum, np.inf)
    above = np.concatenate([np.zeros_like(cum[..., :1]), cum[..., :-1]], -1)
    stable = cum < 1.0
    tau = np.where(stable, t * nu[..., None] / fac[..., None], 0.0)
    surv = np.ones(lam.shape)  # stays 1 (never served) where unstable
    want = (
        np.ones(lam.shape, dtype=bool)
        if where is None
        else np.broadcast_to(np.asarray(where, dtype=bool), lam.shape)
    )
    st = stable & (tau > 0) & want
    surv[st] = conditional_wait_survival(tau[st], above[st], cum[st])
    p = 1.0 - pw[..., None] * surv  # an unstable class never ends its wait
    p = np.where(lam > 0, p, 1.0)
    return np.where(want, p, np.nan)


def priority_mean_wait_min(
    arrival_per_h: npt.ArrayLike,
    service_min: npt.ArrayLike,
    servers: npt.ArrayLike,
    *,
    service_cv: npt.ArrayLike = 1.0,
) -> np.ndarray:
    """Mean wait per class (Cobham's formula, same approximations); inf if unstable.

    >>> priority_mean_wait_min([0.5, 0.25], 60.0, 1).round(1).tolist()
    [90.0, 360.0]
    """
    lam, s, cv, c = _prepare(arrival_per_h, service_min, servers, service_cv)
    tot, mean, fac = _mix(lam, s, cv)
    a = tot * mean
    pw = np.where(c > a, erlang_c_real(c, a), 1.0)
    nu = c / mean
    with np.errstate(divide="ignore", invalid="ignore"):
        cum = np.cumsum(lam, -1) / nu[..., None]
        above = np.concatenate([np.zeros_like(cum[..., :1]), cum[..., :-1]], -1)
        w = (pw * fac / nu)[..., None] / ((1.0 - above) * (1.0 - cum))
    return np.where(cum < 1.0, w, np.inf)


def required_servers_priority(
    arrival_per_h: npt.ArrayLike,
    service_min: npt.ArrayLike,
    *,
    target_min: npt.ArrayLike,
    target_share: npt.ArrayLike,
    service_cv: npt.ArrayLike = 1.0,
    binding: npt.ArrayLike | None = None,
    min_servers: npt.ArrayLike = 0,
) -> np.ndarray:
    """Smallest ``c`` where every binding class meets its share under priority.

    Arguments as in :func:`priority_prob_wait_le` (classes on the last axis);
    ``binding`` (bool, same shape) marks the classes that must meet their
    share (default: all with arrivals); the others only load the servers.
    Returns counts of shape ``arrival_per_h.shape[:-1]``.

    >>> required_servers_priority([[0.5, 0.25]], 60.0, target_min=[60.0, 0.0],
    ...                           target_share=[0.8, 0.5]).tolist()
    [2.0]
    """
    lam, s, cv, _ = _prepare(arrival_per_h, service_min, 0.0, service_cv)
    shape = lam.shape
    t = np.broadcast_to(np.asarray(target_min, dtype=np.float64), shape)
    share = np.broadcast_to(np.asarray(target_share, dtype=np.float64), shape)
    bind = (
        np.ones(shape, dtype=bool)
        if binding is None
        else np.broadcast_to(np.asarray(binding, dtype=bool), shape)
    )
    bind = bind & (lam > 0)
    if (bind & (share >= 1.0)).any():
        raise InputError(
            field="target_share",
            expected="below 1.0 where tickets arrive at random",
            got=1.0,
        )
    k = shape[-1]
    lam2 = (lam * 60.0).reshape(-1, k)
    s2, cv2, t2 = (np.ascontiguousarray(x).reshape(-1, k) for x in (s, cv, t))
    sh2, b2 = share.reshape(-1, k), bind.reshape(-1, k)
    # stability of the lowest binding class is necessary
    _tot, mean, _ = _mix(lam2 / 60.0, s2, cv2)
    cum = np.cumsum(lam2 / 60.0, -1) * mean[:, None]
    need = np.where(b2, cum, 0.0).max(-1)
    lo = np.where(b2.any(-1), np.floor(need) + 1.0, 0.0)
    lo = np.maximum(lo, np.broadcast_to(min_servers, shape[:-1]).ravel())

    def ok(c: np.ndarray, i: np.ndarray) -> np.ndarray:
        p = priority_prob_wait_le(
            lam2[i], s2[i], c, target_min=t2[i], service_cv=cv2[i], where=b2[i]
        )
        return np.asarray(((p >= sh2[i]) | ~b2[i]).all(-1))

    return smallest_true(ok, lo).reshape(shape[:-1])
