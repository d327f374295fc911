"""Branch-and-Benders-cut for p-median, against known optima and brute force."""

from __future__ import annotations

import csv
import itertools

import numpy as np
import pytest

from planner.siting import read_orlib_pmed
from planner.siting._benders import benders_pmedian
from tests.siting.oracles import ORLIB, brute_pmedian, random_instance

needs_orlib = pytest.mark.skipif(
    not (ORLIB / "pmed1.txt").exists(), reason=f"OR-Library files not found in {ORLIB}"
)


def _optimum(name: str) -> float:
    with (ORLIB / "optimal.csv").open() as fh:
        return {r["instance"]: float(r["optimum"]) for r in csv.DictReader(fh)}[name]


def _weak_start(cost: np.ndarray, p: int) -> tuple[np.ndarray, float]:
    """The first ``p`` candidates: a poor incumbent, so the cut loop must work."""
    S = np.arange(p)
    return S, float(cost[:, S].min(axis=1).sum())


@needs_orlib
@pytest.mark.parametrize(
    "name",
    ["pmed1", "pmed2", "pmed3", "pmed4", pytest.param("pmed6", marks=pytest.mark.slow)],
)
def test_benders_reaches_published_optimum_gap_zero(name: str) -> None:
    """From a weak start the Benders solve proves the OR-Library optimum (gap 0)."""
    cost, p = read_orlib_pmed(ORLIB / f"{name}.txt")
    C = np.asarray(cost, dtype=np.float64)
    n, m = C.shape
    S, v = _weak_start(C, p)
    res = benders_pmedian(
        C, np.ones(n), np.zeros(m), p, np.zeros(0, np.int64), S, v, integral=True
    )
    assert res.value == _optimum(name)
    assert res.bound == res.value
    assert res.open_set.size == p
    assert float(C[:, res.open_set].min(axis=1).sum()) == res.value


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_benders_brute_force_fractional(seed: int) -> None:
    """On 12 x 9 weighted fractional instances the optimum and bound match brute force."""
    cost, w, _, _ = random_instance(12, 9, seed)
    p = 1 + seed % 4
    opt = brute_pmedian(cost, w, p)
    m = cost.shape[1]
    S = np.arange(p)
    v = float(w @ cost[:, S].min(axis=1))
    res = benders_pmedian(
        np.asarray(cost, dtype=np.float64),
        np.asarray(w, dtype=np.float64),
        np.zeros(m),
        p,
        np.zeros(0, np.int64),
        S,
        v,
        integral=False,
    )
    assert res.value == pytest.approx(opt)
    assert res.bound <= opt + 1e-9
    assert res.bound == pytest.approx(opt, rel=1e-7)


@needs_orlib
def test_benders_node_cap_keeps_valid_bound() -> None:
    """Stopped by a node cap and no probing, the bound stays below the optimum."""
    cost, p = read_orlib_pmed(ORLIB / "pmed6.txt")
    C = np.asarray(cost, dtype=np.float64)
    n, m = C.shape
    S, v = _weak_start(C, p)
    res = benders_pmedian(
        C,
        np.ones(n),
        np.zeros(m),
        p,
        np.zeros(0, np.int64),
        S,
        v,
        integral=True,
        node_limit=1,
        probe=False,
    )
    opt = _optimum("pmed6")
    assert res.bound <= opt <= res.value


@pytest.mark.parametrize("seed", range(8))
def test_benders_compact_master_with_fixed_open_brute_force(seed: int) -> None:
    """A weak root (0-1 cut rounds) leaves the work to the compact master MIP.

    With one candidate forced open (folded into the compact master's rows)
    the value and bound equal the brute-force optimum over plans holding it.
    """
    rng = np.random.default_rng(seed)
    n, m, p = 25, 9, 2 + seed % 3
    pts, st = rng.uniform(0, 100, (n, 2)), rng.uniform(0, 100, (m, 2))
    C = np.round(
        np.hypot(pts[:, None, 0] - st[None, :, 0], pts[:, None, 1] - st[None, :, 1])
    )
    w = rng.integers(1, 5, n).astype(float)
    fo = np.array([seed % m]) if seed % 2 else np.zeros(0, np.int64)
    start = np.union1d(fo, [j for j in range(m) if j not in fo][: p - fo.size])
    v0 = float(w @ C[:, start].min(axis=1))
    res = benders_pmedian(
        C,
        w,
        np.zeros(m),
        p,
        fo,
        start,
        v0,
        integral=True,
        max_rounds=seed % 2,
        probe=False,
    )
    opt = min(
        float(w @ C[:, list(S)].min(axis=1))
        for S in itertools.combinations(range(m), p)
        if set(fo.tolist()) <= set(S)
    )
    assert "mip_rounds" in res.info
    assert res.value == opt
    assert res.bound == opt
    assert set(fo.tolist()) <= set(res.open_set.tolist())
