"""Lagrangian branch-and-bound for p-median, against brute force and the OR-Library."""

from __future__ import annotations

import csv
import itertools
import math

import numpy as np
import pytest

from planner.core.result import SolveStatus
from planner.siting import pmedian as pm
from planner.siting import read_orlib_pmed, solve_pmedian
from planner.siting._lagrange_bb import lagrange_branch_and_bound
from planner.siting._search import Engine
from tests.siting.oracles import ORLIB, brute_pmedian, random_instance

needs_orlib = pytest.mark.skipif(
    not (ORLIB / "pmed1.txt").exists(), reason=f"OR-Library files not found in {ORLIB}"
)


def _brute(
    cost: np.ndarray, w: np.ndarray, f: np.ndarray, p: int, forced: list[int]
) -> float:
    """Best value over every p-subset holding ``forced`` (with opening costs)."""
    best = math.inf
    for S in itertools.combinations(range(cost.shape[1]), p):
        if set(forced) <= set(S):
            s = list(S)
            best = min(best, float(w @ cost[:, s].min(axis=1) + f[s].sum()))
    return best


def _root(cost: np.ndarray, w: np.ndarray, f: np.ndarray, p: int) -> np.ndarray:
    """Root multipliers from a short subgradient run (not converged on purpose)."""
    e = np.zeros(0, np.int64)
    eng = Engine(cost, w, f, p=p, forced=e, banned=e)
    S = np.arange(p)
    d1, _, _ = eng.nearest2(S)
    return eng.lagrange(eng.value(S), w * d1, max_iter=5).lam


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("integer", [True, False])
def test_tree_finds_the_brute_force_optimum_from_a_poor_start(
    seed: int, integer: bool
) -> None:
    """From the first p candidates as incumbent, the tree proves the brute-force optimum."""
    cost, w, _, _ = random_instance(14, 10, seed, integer=integer)
    rng = np.random.default_rng(seed)
    f = np.round(rng.uniform(0, 40, 10)) if seed % 2 else np.zeros(10)
    p = 2 + seed % 3
    forced = [int(seed % 10)] if seed % 4 == 3 else []
    S = np.array(sorted(set(range(p - len(forced))) | set(forced)))
    v = float(w @ cost[:, S].min(axis=1) + f[S].sum())
    res = lagrange_branch_and_bound(
        cost,
        w,
        f,
        p,
        np.asarray(forced, dtype=np.int64),
        _root(cost, w, f, p),
        S,
        v,
        integral=integer,
    )
    opt = _brute(cost, w, f, p, forced)
    assert res.proven
    assert res.value == pytest.approx(opt, rel=1e-9)
    assert res.bound == pytest.approx(opt, rel=1e-9)
    assert res.open_set.size == p
    assert set(forced) <= set(res.open_set.tolist())
    got = float(w @ cost[:, res.open_set].min(axis=1) + f[res.open_set].sum())
    assert got == pytest.approx(opt, rel=1e-9)


@pytest.mark.parametrize("seed", range(4))
def test_tree_proves_an_optimal_incumbent_without_holding_it(seed: int) -> None:
    """Given only the optimum's value (no plan), the tree returns no better plan."""
    cost, w, _, _ = random_instance(12, 9, seed)
    p = 3
    opt = brute_pmedian(cost, w, p)
    res = lagrange_branch_and_bound(
        cost,
        w,
        np.zeros(9),
        p,
        np.zeros(0, np.int64),
        _root(cost, w, np.zeros(9), p),
        None,
        opt,
        integral=True,
    )
    assert res.proven
    assert res.value == opt
    assert res.bound == opt
    assert res.open_set.size == 0


def test_tree_stopped_early_keeps_a_valid_bound() -> None:
    """Stopped after a few nodes, the bound is at most the optimum and not proven."""
    cost, w, _, _ = random_instance(40, 25, 11)
    p = 5
    opt = brute_pmedian(cost, w, p)
    S = np.arange(p)
    v = float(w @ cost[:, S].min(axis=1))
    lam = _root(cost, w, np.zeros(25), p)
    res = lagrange_branch_and_bound(
        cost,
        w,
        np.zeros(25),
        p,
        np.zeros(0, np.int64),
        lam,
        S,
        v,
        integral=True,
        node_limit=2,
    )
    assert not res.proven
    assert res.bound <= opt <= res.value
    assert res.info["tree_nodes"] == 2


@needs_orlib
@pytest.mark.parametrize("name", ["pmed2", "pmed7", "pmed11", "pmed16"])
def test_exact_path_with_a_tiny_tree_hands_over_to_benders(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the tree capped at 1 node, the Benders path still proves the optimum."""
    with (ORLIB / "optimal.csv").open() as fh:
        opt = {r["instance"]: float(r["optimum"]) for r in csv.DictReader(fh)}[name]
    cost, p = read_orlib_pmed(ORLIB / f"{name}.txt")
    monkeypatch.setattr(pm, "TREE_MAX_NODES", 1)
    plan = solve_pmedian(cost, None, p, method="exact", lagrange_iterations=20, seed=0)
    assert plan.status is SolveStatus.OPTIMAL
    assert plan.objective == opt
    extra = plan.stats.extra
    assert extra["tree_nodes"] == 1
    assert extra["tree_status"] == "stopped at its node limit"
    assert "lp_bound" in extra  # the Benders root LP ran after the tree


@needs_orlib
@pytest.mark.parametrize("name", ["pmed5", "pmed10", "pmed15", "pmed26"])
def test_exact_path_proves_orlib_optima_with_the_tree(name: str) -> None:
    """The default exact path (tree first) proves the published optimum."""
    with (ORLIB / "optimal.csv").open() as fh:
        opt = {r["instance"]: float(r["optimum"]) for r in csv.DictReader(fh)}[name]
    cost, p = read_orlib_pmed(ORLIB / f"{name}.txt")
    plan = solve_pmedian(cost, None, p, method="exact", lagrange_iterations=30, seed=0)
    assert plan.status is SolveStatus.OPTIMAL
    assert plan.objective == opt
    assert plan.stats.extra.get("tree_status", "proven") == "proven"


@pytest.mark.parametrize("seed", range(10))
def test_tree_agrees_with_the_benders_path_on_weighted_fractional_instances(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """80 x 50 weighted, fractional costs: the tree's optimum is Benders' optimum."""
    cost, w, _, _ = random_instance(80, 50, 100 + seed, integer=False)
    p = 3 + seed % 6
    kw = {"method": "exact", "lagrange_iterations": 10, "seed": 0}
    with_tree = solve_pmedian(cost, w, p, **kw)
    monkeypatch.setattr(pm, "TREE_MAX_ENTRIES", 0)
    benders = solve_pmedian(cost, w, p, **kw)
    assert "tree_nodes" not in benders.stats.extra
    assert with_tree.status is SolveStatus.OPTIMAL
    assert benders.status is SolveStatus.OPTIMAL
    assert with_tree.objective == pytest.approx(benders.objective, rel=1e-9)
    S = np.asarray(with_tree.open_idx)
    assert float(w @ cost[:, S].min(axis=1)) == pytest.approx(
        with_tree.objective, rel=1e-9
    )
