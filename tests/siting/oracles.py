"""Independent checks for the siting tests: brute force and instance generators."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np

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
