"""The Zheng-Federgruen engine: exact (s,S) search and renewal evaluation.

Model (Zheng & Federgruen 1991; Snyder & Shen, *Fundamentals of Supply Chain
Theory*, sec. 4.6): each period starts with a review of the inventory position
``IP``; if ``IP <= s`` an order raises it to ``S`` (fixed cost ``K``); the order
arrives ``L`` periods later; demand per period is backordered when short;
holding ``h`` and backorder ``p`` are charged on the net inventory at the end
of each period. With ``G(y) = E[h (y - D_{L+1})^+ + p (D_{L+1} - y)^+]``
(``D_{L+1}`` the demand over ``L + 1`` periods),

    c(s, S) = (K + sum_{j=0}^{S-s-1} m(j) G(S-j)) / M(S-s),

where ``m`` is the renewal mass function of one period's demand
(``m(0) = 1/(1-f(0))``, ``m(j) = m(0) sum_{l=1}^{j} f(l) m(j-l)``) and
``M(n) = sum_{j<n} m(j)`` is the expected length of an order cycle.

:func:`optimize` uses the Zheng-Federgruen bounds: an optimal policy has
``s* < y* <= S*`` (``y*`` the minimizer of ``G``) and ``G(y) <= c*`` on
``s*+1 .. S*``. An upper bound ``c_u >= c*`` thus confines ``s*+1`` and ``S*``
to the level set ``{y : G(y) <= c_u}``; every (s,S) in that box is then
evaluated at once (a cumulative sum over ``j`` for all ``S``), vectorized over
parts in padded batches of similar size. The minimum over the box is the exact
optimum. :func:`evaluate`, :func:`evaluate_review` and :func:`evaluate_normal`
give the exact metrics of given policies from the same renewal weights. The
demand models are in :mod:`planner.inventory._lattice_demand`; callers check
their arguments first.
"""

from __future__ import annotations

import numpy as np

from planner.core.progress import Heartbeat
from planner.inventory._distributions import (
    batches_by_size,
    normal_lattice_pmf,
    poisson_loss,
)
from planner.inventory._lattice_demand import (
    Demand,
    LatticeDemand,
    PoissonDemand,
    ReviewDemand,
    TableDemand,
)
from planner.inventory.policy import PolicyMetrics

__all__ = [
    "evaluate",
    "evaluate_normal",
    "evaluate_review",
    "lattice_step",
    "newsvendor",
    "optimize",
    "renewal",
]

#: cells of the padded work arrays per batch (memory knob)
BUDGET = 250_000
#: default lattice step of normal demand as a fraction of its standard deviation
STEPS_PER_SD = 16
#: widest per-period lattice (cells) before the step is coarsened
MAX_CELLS = 4_000

_METRICS = (
    "holding_cost",
    "ordering_cost",
    "backorder_cost",
    "backorders",
    "on_hand",
    "order_rate",
)


def newsvendor(
    dem: Demand, idx: np.ndarray, y: np.ndarray, h: np.ndarray, p: np.ndarray
) -> np.ndarray:
    """Expected holding + backorder cost charged for position ``y`` (parts idx).

    One period's ``E[h (y - D_{L+1})^+ + p (D_{L+1} - y)^+]``, or for a review
    demand the sum over the R periods of a review cycle.
    """
    hh, pp = h[idx], p[idx]
    if y.ndim == 2:
        hh, pp = hh[:, None], pp[:, None]
    if isinstance(dem, ReviewDemand):
        return dem.G(idx, y, hh, pp)
    m = dem.period_mean(idx) * (dem.L[idx] + 1.0)
    m = m[:, None] if y.ndim == 2 else m
    return hh * (y - m) + (hh + pp) * dem.loss(idx, y)


def _bounds(
    dem: Demand, idx: np.ndarray, cu: np.ndarray, h: np.ndarray, p: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """An interval of y holding the level set ``{G(y) <= cu}``.

    ``G(y) >= h (y - E D)`` and ``G(y) >= p (E D - y)``, summed over the
    periods of a review cycle.
    """
    hh, pp = h[idx], p[idx]
    if isinstance(dem, ReviewDemand):
        mu, L, R = dem.mu[idx], dem.L[idx], dem.R[idx]
        return mu * (L + 1.0) - cu / (R * pp), mu * (L + R) + cu / (R * hh)
    m = dem.period_mean(idx) * (dem.L[idx] + 1.0)
    return m - cu / pp, m + cu / hh


def renewal(f: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Renewal mass ``m`` (B, n) and cumulative ``M`` (B, n + 1) of pmf rows ``f``.

    ``m(0) = 1 / (1 - f(0))``, ``m(j) = m(0) sum_{l=1}^{j} f(l) m(j - l)``; ``f``
    may be shorter than ``n`` (mass beyond it taken as 0).
    """
    n = max(int(n), 1)
    B = len(f)
    lmax = min(f.shape[1] - 1, n)
    m = np.zeros((B, n))
    m0 = 1.0 / (1.0 - f[:, 0])
    m[:, 0] = m0
    for j in range(1, n):
        k = min(j, lmax)
        # sum_{l=1}^{k} f(l) m(j-l)
        m[:, j] = m0 * np.einsum("bi,bi->b", f[:, 1 : k + 1], m[:, j - k : j][:, ::-1])
    M = np.zeros((B, n + 1))
    np.cumsum(m, axis=1, out=M[:, 1:])
    return m, M


def _upper_bound(
    dem: Demand, idx: np.ndarray, h: np.ndarray, p: np.ndarray, K: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(y*, c_u): minimizer of G and an upper bound on the optimal cost.

    ``c(s, S) <= K mu / (S - s) + max(G(s+1), G(S))`` since a cycle lasts at
    least ``(S - s) / mu`` periods on average (Wald) and ``G`` is convex.
    """
    hh, pp, KK = h[idx], p[idx], K[idx]
    mu = dem.period_mean(idx)
    ystar = dem.quantile(pp / (pp + hh), idx)
    eoq = np.sqrt(2.0 * KK * mu / hh)
    best = newsvendor(dem, idx, ystar, h, p) + KK * mu
    for factor in (0.25, 0.5, 1.0, 1.5, 2.0, 3.0):
        d = np.maximum(np.round(factor * eoq), 1.0)
        for shift in (0.5, 0.3, 0.7):
            s = ystar - np.ceil(shift * d)
            S = s + d
            g = np.maximum(
                newsvendor(dem, idx, s + 1, h, p), newsvendor(dem, idx, S, h, p)
            )
            best = np.minimum(best, KK * mu / d + g)
    return ystar, best


def optimize(
    dem: Demand,
    live: np.ndarray,
    h: np.ndarray,
    p: np.ndarray,
    K: np.ndarray,
    budget: int,
    beat: Heartbeat | None = None,
    n_total: int = 0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Optimal (s, S, cost) for parts ``live`` (positive demand)."""
    mu = dem.period_mean(live)
    ystar, cu = _upper_bound(dem, live, h, p, K)
    blo, bhi = _bounds(dem, live, cu * (1.0 + 1e-9) + 1e-9, h, p)
    h, p, K = h[live], p[live], K[live]
    cu = cu * (1.0 + 1e-9) + 1e-9
    # 1) G on a grid wide enough to hold the level set {G <= c_u}
    lo = np.floor(blo) - 1.0
    hi = np.ceil(bhi) + 1.0
    lo = np.minimum(lo, ystar - 1.0)
    hi = np.maximum(hi, ystar + 1.0)
    width = (hi - lo + 1).astype(np.int64)
    n = len(mu)
    hp = np.zeros(len(dem.L))
    pp = np.zeros(len(dem.L))
    hp[live], pp[live] = h, p  # full-length, for G
    a = np.empty(n)
    b = np.empty(n)
    eoq = np.maximum(np.sqrt(2.0 * K * mu / h * (h + p) / p), 1.0)
    for idx in batches_by_size(width, budget):
        B = len(idx)
        W = int(width[idx].max())
        y = lo[idx, None] + np.arange(W)[None, :]
        G = newsvendor(dem, live[idx], y, hp, pp)
        G = np.where(np.arange(W)[None, :] < width[idx, None], G, np.inf)
        # tighten c_u with the exact cost of a few windows: the D smallest
        # values of the convex G form the window y = S-D+1 .. S
        order = np.argsort(G, axis=1, kind="stable")
        dc = np.clip(
            np.round(eoq[idx, None] * np.array([0.6, 0.8, 1.0, 1.25, 1.6])[None, :]),
            1,
            width[idx, None],
        ).astype(np.int64)  # (B, C)
        dmax = int(dc.max())
        top = np.maximum.accumulate(order[:, :dmax], axis=1)  # index of S per D
        S_i = np.take_along_axis(top, dc - 1, axis=1)  # (B, C)
        m, M = renewal(dem.period_pmf(live[idx], dmax), dmax)
        jj = np.arange(dmax)
        gi = S_i[:, :, None] - jj[None, None, :]
        Gw = G[np.arange(B)[:, None, None], np.clip(gi, 0, W - 1)]
        terms = np.where(jj[None, None, :] < dc[:, :, None], Gw * m[:, None, :], 0.0)
        exact = (K[idx, None] + terms.sum(axis=2)) / np.take_along_axis(M, dc, axis=1)
        fits = S_i - dc + 1 >= 0  # the window lies inside the grid
        exact = np.where(np.isfinite(exact) & fits, exact, np.inf)
        c2 = np.minimum(cu[idx], exact.min(axis=1) * (1.0 + 1e-9) + 1e-9)
        cu[idx] = c2
        inside = c2[:, None] >= G
        first = np.argmax(inside, axis=1)
        last = W - 1 - np.argmax(inside[:, ::-1], axis=1)
        a[idx] = lo[idx] + first
        b[idx] = lo[idx] + last
    a = np.minimum(a, ystar)
    b = np.maximum(b, ystar)
    # 2) every (s, S) with a-1 <= s < y* <= S <= b, in padded batches
    nS = (b - ystar + 1).astype(np.int64)
    J = (b - a + 1).astype(np.int64)  # largest S - s
    s_best = np.empty(n, dtype=np.int64)
    S_best = np.empty(n, dtype=np.int64)
    c_best = np.empty(n)
    done = n_total - len(live)  # parts without demand need no work
    for idx in batches_by_size(nS * J, budget):
        nSm = int(nS[idx].max())
        Jm = int(J[idx].max())
        m, M = renewal(dem.period_pmf(live[idx], Jm), Jm)
        off = (ystar[idx] - a[idx]).astype(np.int64)  # index of y* from a
        # G(a + k) for k in 0..Jm-1
        yk = a[idx, None] + np.arange(Jm)[None, :]
        Gs = newsvendor(dem, live[idx], yk, hp, pp)
        # rows of S in chunks, so one huge part never exceeds the memory budget
        step = max(1, budget // max(len(idx) * Jm, 1))
        best_c = np.full(len(idx), np.inf)
        best_k = np.zeros(len(idx), dtype=np.int64)
        best_j = np.zeros(len(idx), dtype=np.int64)
        j = np.arange(Jm)
        d = j + 1  # Delta = S - s
        rows = np.arange(len(idx))
        for k0 in range(0, nSm, step):
            kS = np.arange(k0, min(nSm, k0 + step))
            gi = off[:, None, None] + kS[None, :, None] - j[None, None, :]
            A = Gs[rows[:, None, None], np.clip(gi, 0, Jm - 1)]
            A = np.where(gi >= 0, A * m[:, None, :], 0.0)
            T = np.cumsum(A, axis=2)
            cost = (K[idx, None, None] + T) / M[:, None, 1:]
            valid = (
                (kS[None, :, None] < nS[idx, None, None])
                & (d[None, None, :] >= kS[None, :, None] + 1)
                & (d[None, None, :] <= kS[None, :, None] + off[:, None, None] + 1)
            )
            flat = np.where(valid, cost, np.inf).reshape(len(idx), -1)
            arg = np.argmin(flat, axis=1)
            c = flat[rows, arg]
            better = c < best_c  # strict: the smallest S wins ties, as before
            k_opt, j_opt = np.divmod(arg, Jm)
            best_c = np.where(better, c, best_c)
            best_k = np.where(better, kS[0] + k_opt, best_k)
            best_j = np.where(better, j_opt, best_j)
        c_best[idx] = best_c
        S_best[idx] = (ystar[idx] + best_k).astype(np.int64)
        s_best[idx] = S_best[idx] - (best_j + 1)
        done += len(idx)
        if beat is not None:
            beat("(s,S) policies", done=done, total=n_total, force=done == n_total)
    return s_best, S_best, c_best


def _weights(
    dem: Demand, idx: np.ndarray, delta: np.ndarray, S: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Renewal weights ``m(j) / M(S - s)`` of the positions ``y = S - j`` after
    an order (parts ``idx``, ``delta = S - s``), ``M(S - s)`` and ``y``."""
    Jm = int(delta[idx].max())
    m, M = renewal(dem.period_pmf(idx, Jm), Jm)
    j = np.arange(Jm)[None, :]
    Md = M[np.arange(len(idx)), delta[idx]]
    w = np.where(j < delta[idx, None], m, 0.0) / Md[:, None]
    return w, Md, S[idx, None] - j


def evaluate(
    s: np.ndarray,
    S: np.ndarray,
    dem: PoissonDemand | TableDemand | LatticeDemand,
    h: np.ndarray,
    p: np.ndarray,
    K: np.ndarray,
    budget: int = BUDGET,
) -> PolicyMetrics:
    """Exact metrics of (s,S) policies from the renewal weights ``m(j) / M``."""
    n = len(s)
    allidx = np.arange(n)
    mu = dem.period_mean(allidx)
    out: dict[str, np.ndarray] = {k: np.zeros(n) for k in _METRICS}
    out["fill_rate"] = np.ones(n)
    out["ready_rate"] = np.ones(n)
    live = np.flatnonzero(mu > 0)
    dead = np.flatnonzero(mu == 0)
    # no demand: the position stays where it starts (take S) and no order is placed
    out["on_hand"][dead] = np.maximum(S[dead], 0.0)
    out["holding_cost"][dead] = h[dead] * out["on_hand"][dead]
    delta = np.rint(S - s).astype(np.int64)
    for idx in batches_by_size(np.maximum(delta[live], 1), budget):
        idx = live[idx]
        w, Md, y = _weights(dem, idx, delta, S)
        mean1 = (mu[idx] * (dem.L[idx] + 1.0))[:, None]
        n1 = dem.loss(idx, y, 1)
        n0 = dem.loss(idx, y, 0)
        bo = (w * n1).sum(axis=1)
        oh = (w * (y - mean1 + n1)).sum(axis=1)
        rr = (w * dem.cdf(idx, y, 1)).sum(axis=1)
        short = (w * (n1 - n0)).sum(axis=1)
        out["backorders"][idx] = bo
        out["on_hand"][idx] = oh
        out["ready_rate"][idx] = np.clip(rr, 0.0, 1.0)
        out["fill_rate"][idx] = np.clip(1.0 - short / mu[idx], 0.0, 1.0)
        out["order_rate"][idx] = 1.0 / Md
        out["holding_cost"][idx] = h[idx] * oh
        out["backorder_cost"][idx] = p[idx] * bo
        out["ordering_cost"][idx] = K[idx] / Md
    return PolicyMetrics(**out)


def evaluate_review(
    s_b: np.ndarray,
    S_b: np.ndarray,
    mu: np.ndarray,
    h: np.ndarray,
    p: np.ndarray,
    K: np.ndarray,
    L: np.ndarray,
    R: np.ndarray,
    budget_cells: int = BUDGET,
) -> PolicyMetrics:
    """Exact per-period metrics of (R,s,S) policies (Poisson demand); the
    model is in :func:`planner.inventory.evaluate_RsS`."""
    dem = ReviewDemand(mu, L, R)
    n = len(mu)
    out = {k: np.zeros(n) for k in _METRICS}
    out["fill_rate"] = np.ones(n)
    out["ready_rate"] = np.ones(n)
    dead = np.flatnonzero(mu == 0)
    out["on_hand"][dead] = np.maximum(S_b[dead], 0.0)
    out["holding_cost"][dead] = h[dead] * out["on_hand"][dead]
    live = np.flatnonzero(mu > 0)
    delta = (S_b - s_b).astype(np.int64)
    cells = np.maximum(delta[live], 1) * R[live].astype(np.int64)
    for idx in batches_by_size(cells, budget_cells):
        idx = live[idx]
        w, Md, y = _weights(dem, idx, delta, S_b)
        nbar = dem.avg(idx, y, "loss")
        mbar = (mu[idx] * (L[idx] + (R[idx] + 1.0) / 2.0))[:, None]
        lamR = (mu[idx] * (L[idx] + R[idx]))[:, None]
        lam0 = (mu[idx] * L[idx])[:, None]
        short = (w * (poisson_loss(y, lamR) - poisson_loss(y, lam0))).sum(axis=1)
        bo = (w * nbar).sum(axis=1)
        oh = (w * (y - mbar + nbar)).sum(axis=1)
        orders = 1.0 / (R[idx] * Md)
        out["backorders"][idx] = bo
        out["on_hand"][idx] = oh
        out["ready_rate"][idx] = np.clip((w * dem.avg(idx, y, "cdf")).sum(axis=1), 0, 1)
        out["fill_rate"][idx] = np.clip(1.0 - short / (R[idx] * mu[idx]), 0.0, 1.0)
        out["order_rate"][idx] = orders
        out["holding_cost"][idx] = h[idx] * oh
        out["backorder_cost"][idx] = p[idx] * bo
        out["ordering_cost"][idx] = K[idx] * orders
    return PolicyMetrics(**out)


def evaluate_normal(
    s: np.ndarray,
    S: np.ndarray,
    mu: np.ndarray,
    sd: np.ndarray,
    h: np.ndarray,
    p: np.ndarray,
    K: np.ndarray,
    L: np.ndarray,
    step: np.ndarray,
    budget: int = BUDGET,
) -> PolicyMetrics:
    """Metrics of real (s,S) under normal demand on the lattice fitted to S - s.

    The step is shrunk from ``step`` until the order cycle has a whole number
    ``N`` of lattice states: a lattice cycle of ``N`` states orders once the
    rounded demand since the last order reaches ``N`` steps, i.e. once the
    continuous demand reaches ``N - 1/2`` steps, which must be ``S - s``.
    ``backorders`` and ``on_hand`` are returned in demand units.
    """
    N = np.maximum(np.ceil((S - s) / step + 0.5 - 1e-9), 1.0)
    d = (S - s) / (N - 0.5)
    dem = LatticeDemand(normal_lattice_pmf(mu, sd, d), L, continuous=True)
    S_lat = S / d
    m = evaluate(S_lat - N, S_lat, dem, h * d, p * d, K, budget)
    arrays = {k: np.asarray(v, dtype=np.float64) for k, v in m.to_dict().items()}
    arrays["backorders"] = arrays["backorders"] * d
    arrays["on_hand"] = arrays["on_hand"] * d
    return PolicyMetrics(**arrays)


def lattice_step(mu: np.ndarray, sd: np.ndarray, step: np.ndarray | None) -> np.ndarray:
    """The lattice step for normal demand: ``step`` (default ``sd / 16``),
    coarsened so that a period's lattice stays within ``MAX_CELLS`` cells."""
    d = sd / STEPS_PER_SD if step is None else step
    return np.maximum(d, (mu + 10.0 * sd) / MAX_CELLS)
