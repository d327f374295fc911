"""From Python too, every user error is one InputError naming the argument."""

from __future__ import annotations

import numpy as np
import pytest

from planner.core.cost import CostRates
from planner.core.errors import InputError
from planner.core.rng import as_generator
from planner.routing import DispatchProblem, solve_dispatch
from planner.siting import solve_pcenter, solve_pmedian

C3 = np.array([[0, 5, 9], [5, 0, 4], [9, 4, 0]], float)
D = np.array([[0.0, 10.0, 15.0], [10.0, 0.0, 8.0], [15.0, 8.0, 0.0]])


def _problem(m: int = 2) -> DispatchProblem:
    return DispatchProblem(
        D, D * 500, [1, 2], [30, 30], [0, 1, 2], [480, 480], [600, 600],
        [0] * m, [0] * m, [480] * m, [1020] * m,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("call", "words"),
    [
        (lambda: solve_pmedian([[1, 2], [3]], [1, 1], 1), "rows of equal length"),
        (lambda: solve_dispatch(_problem(), time_limit_s="10"), "time_limit_s"),
        (lambda: solve_pcenter(C3, [1, 1, 1], 1, time_limit_s="10"), "time_limit_s"),
        (lambda: solve_pmedian(C3, [1, 1, 1], 1, time_limit_s=-1), "time_limit_s"),
        (lambda: solve_dispatch(_problem(), seed=-1), "seed"),
        (lambda: as_generator(-1), "seed must be an integer >= 0; got -1"),
        (lambda: as_generator(True), "seed"),
        (lambda: CostRates(labour_per_hour=float("inf")), "costs.labour_per_hour"),
        (
            lambda: CostRates(unserved_penalty={"urgent": -1.0}),
            "costs.unserved_penalty",
        ),
    ],
)
def test_bad_argument_is_an_input_error(call: object, words: str) -> None:
    """Ragged lists, strings for numbers, bad seeds and rates: InputError, not a leak."""
    with pytest.raises(InputError, match=words.replace("(", r"\(").replace(")", r"\)")):
        call()  # type: ignore[operator]


def test_replace_fixed_routes_moves_a_job_between_technicians() -> None:
    """replace(fixed_routes=...) works, also again on a problem that already has some."""
    p = _problem()
    q = p.replace(fixed_routes=((1, 0), ()))
    assert q.fixed_routes == ((1, 0), ())
    assert q.job_pinned_tech.tolist() == [0, 0]
    r = q.replace(fixed_routes=((), (0,)))
    assert r.job_pinned_tech.tolist() == [1, -1]
    plan = solve_dispatch(r, max_iterations=20)
    assert plan.n_served == 2
    assert not p.job_pinned_tech.flags.writeable
