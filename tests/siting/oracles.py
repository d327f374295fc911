"""Independent checks for the siting tests: brute force and instance generators."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np

from planner.siting import SiteOptions

ORLIB = (
    Path(__file__).resolve().parents[2].parent / "shared" / "benchmarks" / "orlib-pmed"
)


def random_instance(
    n: int, m: int, seed: int, *, integer: bool = True
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Points in a 100 x 100 square: (cost n x m, weights, demand xy, site xy)."""
    rng = np.random.default_rng(seed)
    dxy = rng.uniform(0, 100, size=(n, 2))
    sxy = rng.uniform(0, 100, size=(m, 2))
    cost = np.hypot(*(dxy[:, None, :] - sxy[None, :, :]).transpose(2, 0, 1))
    if integer:
        cost = np.round(cost)
    w = rng.integers(1, 10, size=n).astype(float)
    return cost, w, dxy, sxy


def brute_pmedian(cost: np.ndarray, w: np.ndarray, p: int) -> float:
    """Minimum weighted cost over all p-subsets."""
    return min(
        float(w @ cost[:, list(S)].min(axis=1))
        for S in itertools.combinations(range(cost.shape[1]), p)
    )


def brute_mclp(cost: np.ndarray, w: np.ndarray, p: int, radius: float) -> float:
    """Maximum covered weight over all p-subsets."""
    cov = cost <= radius
    return max(
        float(w[cov[:, list(S)].any(axis=1)].sum())
        for S in itertools.combinations(range(cost.shape[1]), p)
    )


def brute_lscp(cost: np.ndarray, radius: float) -> int:
    """Fewest sites covering every point (points with no coverable site excluded)."""
    cov = cost <= radius
    need = cov.any(axis=1)
    m = cost.shape[1]
    for k in range(1, m + 1):
        for S in itertools.combinations(range(m), k):
            if cov[need][:, list(S)].any(axis=1).all():
                return k
    raise AssertionError("unreachable")


def brute_pcenter(cost: np.ndarray, w: np.ndarray, p: int) -> float:
    """Minimum over p-subsets of the worst cost of a positive-weight point."""
    c = cost[w > 0]
    return min(
        float(c[:, list(S)].min(axis=1).max())
        for S in itertools.combinations(range(cost.shape[1]), p)
    )


def brute_ufl(cost: np.ndarray, w: np.ndarray, f: np.ndarray) -> float:
    """Minimum of opening plus weighted assignment cost over all nonempty subsets."""
    m = cost.shape[1]
    best = np.inf
    for k in range(1, m + 1):
        for S in itertools.combinations(range(m), k):
            s = list(S)
            best = min(best, float(f[s].sum() + w @ cost[:, s].min(axis=1)))
    return best


# --------------------------------------------------------------------------
# Options (existing / closing costs / excluded / partners / budget): plain
# enumeration of every own open set, written from the model statements in the
# docstrings, independent of the solvers' reductions and relaxations.


class Opts:
    """Options of a tiny instance (the solvers get them as a SiteOptions)."""

    def __init__(
        self,
        m: int,
        *,
        existing: tuple[int, ...] = (),
        closing_cost: float | None = None,
        excluded: tuple[int, ...] = (),
        partners: tuple[int, ...] = (),
        partner_fee: float | np.ndarray = 0.0,
        fixed_cost: float | np.ndarray = 0.0,
        budget: float | None = None,
    ) -> None:
        self.m = m
        self.existing = existing
        self.closing_cost = closing_cost
        self.excluded = excluded
        self.partners = partners
        self.partner_fee = partner_fee
        self.fixed_cost = fixed_cost
        self.budget = budget

    def options(self) -> SiteOptions:
        """The same options as the solvers take them."""
        return SiteOptions(
            existing=list(self.existing) or None,
            closing_cost=self.closing_cost,
            excluded=list(self.excluded) or None,
            partners=list(self.partners) or None,
            partner_fee=self.partner_fee,
            fixed_cost=self.fixed_cost,
            budget=self.budget,
        )

    def fees(self) -> np.ndarray:
        """Fee per partner (sorted order)."""
        return np.broadcast_to(
            np.asarray(self.partner_fee, float), (len(self.partners),)
        )

    def closing_of(self, S: tuple[int, ...]) -> float:
        """Closing costs paid by open set ``S``."""
        if self.closing_cost is None:
            return 0.0
        return float(self.closing_cost) * sum(1 for e in self.existing if e not in S)

    def plans(self, sizes: range) -> list[tuple[int, ...]]:
        """Every own open set with a size in ``sizes`` that meets the options."""
        own = [
            j
            for j in range(self.m)
            if j not in self.excluded and j not in self.partners
        ]
        f = np.broadcast_to(np.asarray(self.fixed_cost, float), (self.m,))
        out = []
        for k in sizes:
            for S in itertools.combinations(own, k):
                if self.closing_cost is None and not set(self.existing) <= set(S):
                    continue
                spend = float(f[list(S)].sum()) + self.closing_of(S)
                if self.budget is not None and spend > self.budget + 1e-9:
                    continue
                out.append(S)
        return out


def partner_cost(cost: np.ndarray, o: Opts) -> np.ndarray:
    """Per point: cheapest partner travel + fee (inf without partners)."""
    if not o.partners:
        return np.full(cost.shape[0], np.inf)
    return (cost[:, list(o.partners)] + o.fees()).min(axis=1)


def brute_pmedian_opts(cost: np.ndarray, w: np.ndarray, p: int, o: Opts) -> float:
    """p-median with options: min weighted cost (partners cap it) + closing costs."""
    pc = partner_cost(cost, o)
    vals = [
        float(w @ np.minimum(cost[:, list(S)].min(axis=1), pc)) + o.closing_of(S)
        for S in o.plans(range(p, p + 1))
    ]
    return min(vals, default=np.inf)


def brute_pcenter_opts(cost: np.ndarray, w: np.ndarray, p: int, o: Opts) -> float:
    """p-center with options: min worst cost of a positive-weight point."""
    pc = partner_cost(cost, o)[w > 0]
    c = cost[w > 0]
    vals = [
        float(np.minimum(c[:, list(S)].min(axis=1), pc).max())
        for S in o.plans(range(p, p + 1))
    ]
    return min(vals, default=np.inf)


def brute_mclp_opts(
    cost: np.ndarray, w: np.ndarray, p: int, radius: float, o: Opts
) -> float:
    """MCLP with options: max weight within radius of an open outlet or a partner."""
    cov = cost <= radius
    by_partner = (
        cov[:, list(o.partners)].any(axis=1)
        if o.partners
        else np.zeros(cost.shape[0], bool)
    )
    vals = [
        float(w[cov[:, list(S)].any(axis=1) | by_partner].sum())
        for S in o.plans(range(0, p + 1))
    ]
    return max(vals, default=-np.inf)


def brute_lscp_opts(
    cost: np.ndarray, w: np.ndarray, radius: float, o: Opts, share: float = 1.0
) -> float:
    """LSCP with options: min fixed + closing + partner fees covering ``share``.

    A point not covered by an own outlet may be contracted (fractionally) to
    its cheapest partner within the radius at fee x weight; contracts are
    bought cheapest fee first until the share is met.
    """
    cov = cost <= radius
    fee = np.full(cost.shape[0], np.inf)
    for k, fk in zip(o.partners, o.fees(), strict=True):
        fee = np.where(cov[:, k], np.minimum(fee, fk), fee)
    f = np.broadcast_to(np.asarray(o.fixed_cost, float), (o.m,))
    need = share * float(w.sum())
    best = np.inf
    for S in o.plans(range(0, o.m + 1)):
        own = cov[:, list(S)].any(axis=1) | (w <= 0)
        got = float(w[own].sum())
        val = float(f[list(S)].sum()) + o.closing_of(S)
        rest = need - got
        for i in np.argsort(fee, kind="stable"):
            if rest <= 1e-9:
                break
            if own[i] or not np.isfinite(fee[i]):
                continue
            take = min(1.0, rest / w[i])
            val += take * w[i] * fee[i]
            rest -= take * w[i]
        if rest <= 1e-9 * max(1.0, need):
            best = min(best, val)
    return best
