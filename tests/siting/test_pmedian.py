"""p-median: OR-Library optima, brute force, properties and bad input."""

from __future__ import annotations

import csv

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from planner.core.errors import InputError
from planner.core.result import SolveStatus
from planner.siting import SiteOptions, read_orlib_pmed, solve_pmedian
from tests.siting.oracles import ORLIB, brute_pmedian, random_instance


def _optimum(name: str) -> float:
    with (ORLIB / "optimal.csv").open() as fh:
        return {r["instance"]: float(r["optimum"]) for r in csv.DictReader(fh)}[name]


needs_orlib = pytest.mark.skipif(
    not (ORLIB / "pmed1.txt").exists(), reason=f"OR-Library files not found in {ORLIB}"
)


@needs_orlib
def test_orlib_loader_last_duplicate_edge_counts() -> None:
    """pmed1 read with the last-listing rule has 100 vertices, p=5 and a metric matrix."""
    cost, p = read_orlib_pmed(ORLIB / "pmed1.txt")
    assert cost.shape == (100, 100)
    assert p == 5
    assert np.all(np.diag(cost) == 0)
    np.testing.assert_array_equal(cost, cost.T)


@needs_orlib
@pytest.mark.parametrize("name", ["pmed1", "pmed2", "pmed6"])
def test_orlib_exact_reaches_known_optimum(name: str) -> None:
    """The exact mode proves the published OR-Library optimum."""
    cost, p = read_orlib_pmed(ORLIB / f"{name}.txt")
    plan = solve_pmedian(cost, None, p, method="exact")
    assert plan.objective == _optimum(name)
    assert plan.status is SolveStatus.OPTIMAL
    assert plan.bound == plan.objective
    assert len(plan.open_idx) == p


@needs_orlib
@pytest.mark.parametrize("name", ["pmed1", "pmed4"])
def test_orlib_heuristic_bound_brackets_optimum(name: str) -> None:
    """The heuristic's bound is at most the optimum and its objective at least."""
    cost, p = read_orlib_pmed(ORLIB / f"{name}.txt")
    plan = solve_pmedian(cost, None, p, method="heuristic", lagrange_iterations=100)
    opt = _optimum(name)
    assert plan.bound <= opt <= plan.objective
    assert plan.objective == pytest.approx(float(cost[:, plan.open_idx].min(1).sum()))


@pytest.mark.parametrize(("seed", "p"), [(1, 1), (2, 2), (3, 3), (4, 4)])
@pytest.mark.parametrize("method", ["heuristic", "exact"])
def test_brute_force_tiny(seed: int, p: int, method: str) -> None:
    """On 12 x 9 instances both modes are bracketed by brute force; exact hits it."""
    cost, w, _, _ = random_instance(12, 9, seed)
    opt = brute_pmedian(cost, w, p)
    plan = solve_pmedian(cost, w, p, method=method, seed=seed)  # type: ignore[arg-type]
    assert plan.bound <= opt + 1e-9
    assert plan.objective >= opt - 1e-9
    recomputed = float(w @ cost[:, plan.open_idx].min(axis=1))
    assert plan.objective == pytest.approx(recomputed)
    if method == "exact":
        assert plan.objective == pytest.approx(opt)
        assert plan.status is SolveStatus.OPTIMAL


def test_existing_forced_open_and_excluded() -> None:
    """Forced-open outlets stay open, excluded ones never open; optimum by brute force."""
    cost, w, _, _ = random_instance(12, 8, 5)
    opts = SiteOptions(existing=[0], excluded=[1, 2])
    plan = solve_pmedian(cost, w, 3, options=opts, method="exact")
    assert 0 in plan.open_idx
    assert not set(plan.open_idx) & {1, 2}
    import itertools

    best = min(
        float(w @ cost[:, [0, *S]].min(axis=1))
        for S in itertools.combinations([3, 4, 5, 6, 7], 2)
    )
    assert plan.objective == pytest.approx(best)


def test_closing_cost_lets_existing_close() -> None:
    """With a closing cost an existing outlet closes when that pays; cost counted."""
    cost = np.array([[0.0, 10, 10], [10, 0, 10], [10, 10, 0]])
    w = np.array([1.0, 5.0, 5.0])
    # p=2: keeping 0 costs 5*10 = 50 more than {1, 2} which costs 10; closing costs 3
    opts = SiteOptions(existing=[0], closing_cost=3.0)
    plan = solve_pmedian(cost, w, 2, options=opts, method="exact")
    assert plan.open_idx.tolist() == [1, 2]
    assert plan.objective == pytest.approx(10 + 3)
    cheap = solve_pmedian(
        cost, w, 2, options=SiteOptions(existing=[0], closing_cost=100.0)
    )
    assert 0 in cheap.open_idx


def test_same_seed_same_result_and_input_unchanged() -> None:
    """Same seed gives the same plan; the cost matrix is not modified."""
    cost, w, _, _ = random_instance(40, 30, 7)
    before = cost.copy()
    a = solve_pmedian(cost, w, 5, seed=3, method="heuristic")
    b = solve_pmedian(cost, w, 5, seed=3, method="heuristic")
    assert a.open_idx.tolist() == b.open_idx.tolist()
    assert a.objective == b.objective
    np.testing.assert_array_equal(cost, before)


def test_float32_matrix_not_copied_and_solved() -> None:
    """A float32 matrix is accepted as is and gives the float64 brute-force optimum."""
    cost, w, _, _ = random_instance(10, 8, 9)
    c32 = cost.astype(np.float32)
    plan = solve_pmedian(c32, w, 2, method="exact")
    assert plan.objective == pytest.approx(brute_pmedian(cost, w, 2))


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"p": 10}, "p must be <= 4"),
        ({"p": 1, "existing": [0, 1]}, "p must be >= 2"),
        ({"p": 4, "excluded": [0]}, "p must be <= 3"),
        ({"p": 1, "weights": [1, -1, 1]}, r"weights\[1\]"),
        ({"p": 1, "weights": [1, 1]}, "shape"),
        ({"p": 1, "existing": [9]}, "candidate index in"),
        ({"p": 1, "existing": [1], "excluded": [1]}, "disjoint"),
        ({"p": 0}, "p must be >= 1"),
    ],
)
def test_bad_input_one_line(kwargs: dict[str, object], match: str) -> None:
    """Bad arguments raise one InputError line naming the field and the numbers."""
    cost = np.arange(12, dtype=float).reshape(3, 4)
    w = kwargs.pop("weights", [1, 1, 1])
    p = kwargs.pop("p")
    with pytest.raises(InputError, match=match) as ei:
        solve_pmedian(cost, w, p, options=SiteOptions(**kwargs))  # type: ignore[arg-type]
    assert "\n" not in str(ei.value)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"n_restarts": -1}, "n_restarts must be >= 0; got -1"),
        ({"improve_every": 1.5}, "improve_every must be an integer; got 1.5"),
        ({"lagrange_iterations": 0}, "lagrange_iterations must be >= 1; got 0"),
        ({"node_limit": "many"}, "node_limit must be an integer; got 'many'"),
    ],
)
def test_bad_search_arguments_one_line(kwargs: dict[str, object], match: str) -> None:
    """The search knobs are checked at the edge, not passed on to fail later."""
    cost = np.arange(12, dtype=float).reshape(3, 4)
    with pytest.raises(InputError, match=match) as ei:
        solve_pmedian(cost, None, 2, method="exact", **kwargs)  # type: ignore[arg-type]
    assert "\n" not in str(ei.value)


def test_restarts_and_improvement_keep_the_optimum() -> None:
    """Restarts and a search every iteration change the path, not the proven optimum."""
    cost, w, _, _ = random_instance(14, 10, 5)
    opt = brute_pmedian(cost, w, 3)
    for kw in ({"n_restarts": 3, "improve_every": 1}, {"improve_every": 0}):
        plan = solve_pmedian(cost, w, 3, method="exact", **kw)  # type: ignore[arg-type]
        assert plan.objective == pytest.approx(opt)
        assert plan.status is SolveStatus.OPTIMAL


@pytest.mark.parametrize("bad", [np.nan, -1.0, np.inf])
def test_bad_cost_named(bad: float) -> None:
    """NaN, negative or infinite costs name the (demand, candidate) position."""
    cost = np.ones((3, 3))
    cost[2, 1] = bad
    with pytest.raises(InputError, match=r"cost\[2, 1\]"):
        solve_pmedian(cost, None, 1)


@given(seed=st.integers(0, 10_000))
def test_cost_non_increasing_in_p(seed: int) -> None:
    """Exact p-median cost does not increase with p; bounds never exceed objectives."""
    cost, w, _, _ = random_instance(10, 7, seed)
    prev = np.inf
    for p in range(1, 5):
        plan = solve_pmedian(cost, w, p, method="exact")
        assert plan.bound <= plan.objective + 1e-9
        assert plan.objective <= prev + 1e-9
        prev = plan.objective


@needs_orlib
def test_stopped_early_returns_best_with_bound() -> None:
    """Stopped by a node cap, the exact mode still returns a plan and a valid bound."""
    cost, p = read_orlib_pmed(ORLIB / "pmed6.txt")
    plan = solve_pmedian(
        cost, None, p, method="exact", lagrange_iterations=5, n_restarts=0, node_limit=1
    )
    assert plan.status.has_solution
    assert len(plan.open_idx) == p
    assert plan.bound <= _optimum("pmed6") <= plan.objective
    assert plan.gap >= 0


@pytest.mark.parametrize("method", ["heuristic", "exact"])
def test_edge_cases(method: str) -> None:
    """p equal to the candidates, all-tied costs, zero weights and a single point."""
    cost, w, _, _ = random_instance(6, 4, 3)
    full = solve_pmedian(cost, w, 4, method=method)  # type: ignore[arg-type]
    assert full.open_idx.tolist() == [0, 1, 2, 3]
    assert full.objective == pytest.approx(float(w @ cost.min(axis=1)))
    tied = solve_pmedian(np.ones((5, 4)), None, 2, method=method)  # type: ignore[arg-type]
    assert tied.objective == 5.0
    assert tied.bound == 5.0
    zero = solve_pmedian(cost, np.zeros(6), 2, method=method)  # type: ignore[arg-type]
    assert zero.objective == 0.0
    assert zero.bound == 0.0
    one = solve_pmedian(cost[:1], None, 1, method=method)  # type: ignore[arg-type]
    assert one.objective == float(cost[0].min())


def test_sorted_rows_below_matches_a_plain_count() -> None:
    """SortedRows.below finds exactly the kept entries under each threshold.

    Thresholds from tiny (none below) to huge (every kept entry below), so
    both the prefix count and the binary-search fallback are exercised.
    """
    from planner.siting._search import SortedRows

    rng = np.random.default_rng(3)
    C = rng.uniform(0, 100, (300, 200)).astype(np.float32)
    for keep in (None, 64):
        s = SortedRows(C, keep)
        t = rng.uniform(-5, 120, 300)
        row, rank = s.below(t)
        counts = np.bincount(row, minlength=300)
        np.testing.assert_array_equal(counts, (s.Cs < t[:, None]).sum(axis=1))
        # ranks run 0 .. count-1 within each row
        assert np.all(s.Cs.ravel()[row * s.m + rank] < t[row])


@pytest.mark.parametrize("schedule", ["patience", "progress"])
def test_lagrange_schedules_give_valid_tight_bounds(schedule: str) -> None:
    """Both step schedules give a bound at most the exact optimum, within 2 %."""
    from planner.siting._search import Engine

    rng = np.random.default_rng(11)
    pts = rng.uniform(0, 100, (250, 2))
    sites = rng.uniform(0, 100, (40, 2))
    C = np.hypot(*(pts[:, None, :] - sites[None, :, :]).transpose(2, 0, 1))
    w = rng.integers(1, 10, 250).astype(float)
    opt = solve_pmedian(C, w, 6, method="exact").objective
    eng = Engine(
        C, w, np.zeros(40), p=6, forced=np.zeros(0, int), banned=np.zeros(0, int)
    )
    best = eng.local_search(eng.greedy(6))
    d1, _, _ = eng.nearest2(best)
    lag = eng.lagrange(eng.value(best), w * d1, max_iter=400, schedule=schedule)
    assert lag.bound <= opt + 1e-6
    assert lag.bound >= 0.98 * opt
    with pytest.raises(ValueError, match="schedule"):
        eng.lagrange(eng.value(best), w * d1, max_iter=5, schedule="nope")
