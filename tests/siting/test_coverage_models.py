"""MCLP and LSCP: brute force, spopt side by side, infeasibility, properties."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from planner.core.errors import InfeasibleError, InputError
from planner.core.result import SolveStatus
from planner.siting import SiteOptions, solve_lscp, solve_mclp, solve_pmedian
from tests.siting.oracles import brute_lscp, brute_mclp, random_instance

pytestmark = [
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
    pytest.mark.filterwarnings("ignore::FutureWarning"),
    pytest.mark.filterwarnings("ignore::UserWarning"),
]


@pytest.mark.parametrize(
    ("seed", "p", "radius"), [(1, 2, 25), (2, 3, 20), (3, 1, 40), (4, 4, 15)]
)
@pytest.mark.parametrize("method", ["heuristic", "exact"])
def test_mclp_brute_force(seed: int, p: int, radius: float, method: str) -> None:
    """MCLP on 12 x 10: exact equals brute force, heuristic is bracketed by it."""
    cost, w, _, _ = random_instance(12, 10, seed)
    opt = brute_mclp(cost, w, p, radius)
    plan = solve_mclp(cost, w, p, radius, method=method)  # type: ignore[arg-type]
    covered = float(w[(cost[:, plan.open_idx] <= radius).any(axis=1)].sum())
    assert plan.objective == pytest.approx(covered)
    assert plan.objective <= opt + 1e-9 <= plan.bound + 1e-9
    assert plan.p <= p
    assert plan.coverage_share == pytest.approx(covered / w.sum())
    if method == "exact":
        assert plan.objective == pytest.approx(opt)
        assert plan.status is SolveStatus.OPTIMAL


def test_mclp_existing_excluded_budget() -> None:
    """Existing stay open, excluded stay shut, the budget holds; optimum by brute force."""
    import itertools

    cost, w, _, _ = random_instance(12, 9, 11)
    f = np.arange(1.0, 10.0)
    opts = SiteOptions(existing=[0], excluded=[5], fixed_cost=f, budget=9.0)
    plan = solve_mclp(cost, w, 3, 30, options=opts)
    assert 0 in plan.open_idx
    assert 5 not in plan.open_idx
    assert f[plan.open_idx].sum() <= 9.0
    best = 0.0
    for k in range(0, 3):
        for S in itertools.combinations([1, 2, 3, 4, 6, 7, 8], k):
            s = [0, *S]
            if f[s].sum() <= 9.0:
                best = max(best, float(w[(cost[:, s] <= 30).any(1)].sum()))
    assert plan.objective == pytest.approx(best)


@pytest.mark.parametrize(("seed", "radius"), [(1, 30), (2, 25), (3, 35)])
def test_lscp_brute_force(seed: int, radius: float) -> None:
    """LSCP on 12 x 10 (every point coverable at this radius) equals brute force."""
    cost, w, _, _ = random_instance(12, 10, seed)
    keep = (cost <= radius).any(axis=1)
    cost, w = cost[keep], w[keep]
    plan = solve_lscp(cost, w, radius)
    assert plan.objective == brute_lscp(cost, radius)
    assert plan.coverage_share == 1.0
    assert plan.status is SolveStatus.OPTIMAL


def test_lscp_target_share_brute_force() -> None:
    """Target share: fewest sites covering >= 80 % of weight, checked by enumeration."""
    import itertools

    cost, w, _, _ = random_instance(12, 10, 5)
    cov = cost <= 25
    need = 0.8 * w.sum()
    best = next(
        k
        for k in range(1, 11)
        if any(
            w[cov[:, list(S)].any(1)].sum() >= need - 1e-9
            for S in itertools.combinations(range(10), k)
        )
    )
    plan = solve_lscp(cost, w, 25, target_share=0.8)
    assert plan.objective == best
    assert plan.coverage_share >= 0.8 - 1e-12


def test_lscp_uncoverable_names_points_and_share() -> None:
    """A radius leaving points uncoverable raises, naming count, indices, target_share."""
    cost = np.array([[1.0, 9], [9, 1], [50, 60], [70, 80]])
    with pytest.raises(InfeasibleError) as ei:
        solve_lscp(cost, [1, 1, 1, 1], 5)
    msg = str(ei.value)
    assert "2 demand points" in msg
    assert "[2, 3]" in msg
    assert "target_share <= 0.5" in msg
    plan = solve_lscp(cost, [1, 1, 1, 1], 5, target_share=0.5)
    assert plan.objective == 2


def test_lscp_target_share_above_coverable() -> None:
    """A target share above what all candidates can cover is refused before solving."""
    cost = np.array([[1.0, 9], [50, 60]])
    with pytest.raises(InfeasibleError, match=r"target_share <= 0\.5"):
        solve_lscp(cost, None, 5, target_share=0.9)


def test_bad_radius_and_share() -> None:
    """Negative radius and a share outside (0, 1] are InputErrors."""
    cost = np.ones((2, 2))
    with pytest.raises(InputError, match="radius"):
        solve_mclp(cost, None, 1, -1)
    with pytest.raises(InputError, match="target_share"):
        solve_lscp(cost, None, 1, target_share=1.5)


@given(seed=st.integers(0, 10_000))
def test_mclp_coverage_non_decreasing_in_radius(seed: int) -> None:
    """Exact MCLP coverage never decreases as the radius grows; bound >= objective."""
    cost, w, _, _ = random_instance(15, 8, seed)
    prev = -1.0
    for r in (10, 20, 30, 45):
        plan = solve_mclp(cost, w, 2, r)
        assert plan.bound >= plan.objective - 1e-9
        assert plan.objective >= prev - 1e-9
        prev = plan.objective


# --------------------------------------------------------------- spopt side by side
def _spopt_solver():  # type: ignore[no-untyped-def]
    pulp = pytest.importorskip("pulp")
    pytest.importorskip("spopt")
    return pulp, pulp.HiGHS(msg=False)


def test_side_by_side_spopt_pmedian_mclp_lscp() -> None:
    """On a 40 x 15 generated instance spopt and planner reach the same optima."""
    pulp, solver = _spopt_solver()
    from spopt.locate import LSCP, MCLP, PMedian

    cost, w, _, _ = random_instance(40, 15, 21)
    pm = PMedian.from_cost_matrix(cost, w, p_facilities=4).solve(solver)
    ours = solve_pmedian(cost, w, 4, method="exact")
    assert ours.objective == pytest.approx(pulp.value(pm.problem.objective))

    mc = MCLP.from_cost_matrix(cost, w, service_radius=20.0, p_facilities=4).solve(
        solver
    )
    ours_m = solve_mclp(cost, w, 4, 20.0)
    assert ours_m.objective == pytest.approx(pulp.value(mc.problem.objective))

    radius = float(cost.min(axis=1).max()) + 10  # every point coverable
    ls = LSCP.from_cost_matrix(cost, service_radius=radius).solve(solver)
    ours_l = solve_lscp(cost, None, radius)
    assert ours_l.objective == pytest.approx(pulp.value(ls.problem.objective))


@pytest.mark.parametrize("solver", ["mclp", "lscp", "pcenter", "facility"])
def test_unknown_method_rejected(solver: str) -> None:
    """Every model names the allowed methods when given an unknown one."""
    from planner.siting import solve_facility_location, solve_pcenter

    cost = np.ones((2, 2))
    calls = {
        "mclp": lambda: solve_mclp(cost, None, 1, 1.0, method="fast"),  # type: ignore[arg-type]
        "lscp": lambda: solve_lscp(cost, None, 1.0, method="fast"),  # type: ignore[arg-type]
        "pcenter": lambda: solve_pcenter(cost, None, 1, method="fast"),  # type: ignore[arg-type]
        "facility": lambda: solve_facility_location(cost, None, 1.0, method="fast"),  # type: ignore[arg-type]
    }
    with pytest.raises(InputError, match="method must be"):
        calls[solver]()
