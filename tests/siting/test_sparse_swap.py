"""Swaps on each point's nearest candidates: exact swap values, and the large p-median path."""

from __future__ import annotations

import math

import numpy as np
import pytest

from planner.siting import pmedian as pmedian_mod
from planner.siting import solve_pmedian
from planner.siting._search import Engine, SortedRows
from planner.siting._sparse_swap import SparseSwap
from tests.siting.oracles import (
    Opts,
    brute_pmedian,
    brute_pmedian_opts,
    random_instance,
)

NONE = np.zeros(0, dtype=np.int64)


def _brute_best_swap(
    eng: Engine, S: np.ndarray, forced: np.ndarray, banned: np.ndarray
) -> float:
    """The best change of objective over every single swap, by evaluating each plan."""
    v0 = eng.value(S)
    best = math.inf
    for a in range(S.size):
        if S[a] in forced:
            continue
        for b in range(eng.m):
            if b in S or b in banned:
                continue
            T = S.copy()
            T[a] = b
            best = min(best, eng.value(T) - v0)
    return best


@pytest.mark.parametrize("keep", [None, 10, 3])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_swap_values_match_brute_force(keep: int | None, seed: int) -> None:
    """Every best swap value equals the one found by evaluating all plans.

    ``keep`` 3 and 10 put many points beyond their kept candidates, so the
    dense fallback rows are exercised too.
    """
    cost, w, _, _ = random_instance(120, 25, seed, integer=False)
    rng = np.random.default_rng(seed)
    forced = np.array([3])
    banned = np.array([5, 7])
    f = np.zeros(25)
    f[3] = -4.0  # an existing outlet that may not close here (forced)
    eng = Engine(cost, w, f, p=5, forced=forced, banned=banned)
    free = np.setdiff1d(np.arange(25), np.concatenate([forced, banned]))
    S0 = np.sort(np.concatenate([forced, rng.choice(free, 4, replace=False)]))
    sw = SparseSwap(
        cost, w, f, SortedRows(cost, keep), S0, forced=forced, banned=banned
    )
    if keep == 3:
        assert sw.fb.any()
    assert sw.value == pytest.approx(eng.value(S0))
    for _ in range(6):
        dv, ri, j = sw.best_swap()
        assert dv == pytest.approx(
            _brute_best_swap(eng, sw.S, forced, banned), abs=1e-7
        )
        if dv >= 0:
            break
        sw.swap(ri, j)
        assert 3 in sw.S
        assert not set(sw.S) & {5, 7}
        assert sw.value == pytest.approx(eng.value(sw.S))


@pytest.mark.parametrize("seed", [3, 4])
def test_descent_matches_dense_search_and_ils_improves(seed: int) -> None:
    """From one start the descent ends where the dense swap search ends; the ILS never worsens."""
    cost, w, _, _ = random_instance(300, 40, seed, integer=False)
    eng = Engine(cost, w, np.zeros(40), p=6, forced=NONE, banned=NONE)
    S0 = np.sort(np.random.default_rng(seed).choice(40, 6, replace=False))
    sw = SparseSwap(
        cost, w, np.zeros(40), SortedRows(cost, 12), S0, forced=NONE, banned=NONE
    )
    sw.descend()
    dense = eng.local_search(S0)
    assert sw.value == pytest.approx(eng.value(dense))
    v = sw.value
    rounds = sw.iterate(np.random.default_rng(0), math.inf, max_rounds=200)
    assert rounds == 200
    assert sw.value <= v + 1e-9
    assert sw.value == pytest.approx(eng.value(sw.S))
    assert sw.best_swap()[0] >= -1e-9 * abs(sw.value)  # a local optimum


@pytest.fixture
def large_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """Route small instances through the large-matrix path."""
    monkeypatch.setattr(pmedian_mod, "AUTO_EXACT_MAX_ENTRIES", 100)


@pytest.mark.usefixtures("large_path")
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_large_path_finds_brute_force_optimum(seed: int) -> None:
    """The large path (sparse swaps, Lagrangian, ILS) brackets and here meets the optimum."""
    cost, w, _, _ = random_instance(150, 22, seed)
    opt = brute_pmedian(cost, w, 3)
    plan = solve_pmedian(cost, w, 3, method="heuristic", seed=seed)
    assert "ils_rounds" in plan.stats.extra
    assert plan.bound <= opt + 1e-9
    assert plan.objective == pytest.approx(opt)
    assert plan.objective == pytest.approx(
        float(w @ cost[:, plan.open_idx].min(axis=1))
    )


@pytest.mark.usefixtures("large_path")
def test_large_path_keeps_options_and_time_limit() -> None:
    """Existing, closing costs and excluded sites hold on the large path, within a time limit."""
    cost, w, _, _ = random_instance(140, 18, 9)
    o = Opts(18, existing=(0, 4), closing_cost=30.0, excluded=(1, 2))
    opt = brute_pmedian_opts(cost, w, 3, o)
    plan = solve_pmedian(
        cost, w, 3, options=o.options(), method="heuristic", time_limit_s=1
    )
    assert "ils_rounds" in plan.stats.extra
    assert not set(plan.open_idx.tolist()) & {1, 2}
    assert plan.bound <= opt + 1e-6
    assert plan.objective == pytest.approx(opt)
    closed = sum(1 for e in (0, 4) if e not in plan.open_idx)
    own = float(w @ cost[:, plan.open_idx].min(axis=1))
    assert plan.objective == pytest.approx(own + 30.0 * closed)


@pytest.mark.usefixtures("large_path")
def test_large_path_same_seed_same_plan() -> None:
    """Without a time limit the large path is deterministic for a seed."""
    cost, w, _, _ = random_instance(200, 30, 4, integer=False)
    a = solve_pmedian(cost, w, 4, method="heuristic", seed=3)
    b = solve_pmedian(cost, w, 4, method="heuristic", seed=3)
    assert a.open_idx.tolist() == b.open_idx.tolist()
    assert a.objective == b.objective
    assert a.stats.extra["ils_rounds"] == b.stats.extra["ils_rounds"]


@pytest.mark.usefixtures("large_path")
@pytest.mark.parametrize("given", [None, 0, 7])
def test_large_path_takes_the_callers_improve_every(
    given: int | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An explicit ``improve_every`` reaches the Lagrangian on the large path too."""
    from planner.siting._search import Engine

    seen: list[int] = []
    real = Engine.lagrange

    def spy(self: Engine, *a: object, **k: object) -> object:
        seen.append(int(k["improve_every"]))  # type: ignore[call-overload]
        return real(self, *a, **k)  # type: ignore[arg-type]

    monkeypatch.setattr(Engine, "lagrange", spy)
    cost, w, _, _ = random_instance(150, 22, 4)
    opt = brute_pmedian(cost, w, 3)
    plan = solve_pmedian(
        cost, w, 3, method="heuristic", improve_every=given, lagrange_iterations=30
    )
    assert seen == [0 if given is None else given]  # None: the ILS's own schedule
    assert plan.objective == pytest.approx(opt)
