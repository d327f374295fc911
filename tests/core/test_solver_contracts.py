"""One catalog of contracts run over every public solver, as scikit-learn
checks all estimators: bad arrays give an ``InputError``, inputs are not
mutated, the same seed gives the same answer, and the reported objective
equals one recomputed here from the decision (open sites, policies,
technicians per shift, routes), never read back from the solver.

A new solver is one :class:`Case` in :data:`CASES`.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest

from planner.core.errors import InputError
from planner.inventory import (
    evaluate_base_stock,
    evaluate_rQ,
    evaluate_sS,
    optimize_base_stock,
    optimize_rQ,
    optimize_sS,
)
from planner.routing import DispatchProblem, solve_dispatch, validate_plan
from planner.siting import (
    solve_facility_location,
    solve_lscp,
    solve_mclp,
    solve_pcenter,
    solve_pmedian,
)
from planner.staffing import StaffingProblem, size_workforce

Inputs = dict[str, Any]


@dataclass(frozen=True)
class Case:
    """One solver: valid inputs, how to call it, its objective recomputed."""

    name: str
    inputs: Callable[[], Inputs]
    run: Callable[[Inputs, int], Any]
    #: (reported, recomputed) from the result and the inputs
    objective: Callable[[Any, Inputs], tuple[Any, Any]]
    #: (key, bad value) pairs, each refused with an InputError
    bad: tuple[tuple[str, Any], ...]
    seeded: bool = True


# ------------------------------------------------------------------- siting


def _siting_inputs() -> Inputs:
    rng = np.random.default_rng(7)
    return {
        "cost": rng.random((40, 9)) * 10.0,
        "weights": rng.integers(1, 6, 40).astype(float),
        "fixed": rng.random(9) * 20.0,
    }


def _nearest(i: Inputs, plan: Any) -> np.ndarray:
    return np.asarray(i["cost"])[:, np.asarray(plan.open_idx)].min(axis=1)


def _assigned(i: Inputs, plan: Any) -> np.ndarray:
    c = np.asarray(i["cost"])
    return c[np.arange(c.shape[0]), np.asarray(plan.assign_idx)]


_BAD_SITING = (
    ("cost", np.full((40, 9), np.nan)),
    ("cost", -np.ones((40, 9))),
    ("cost", np.ones(9)),
    ("weights", -np.ones(40)),
    ("weights", np.ones(39)),
)

SITING = [
    Case(
        "solve_pmedian",
        _siting_inputs,
        lambda i, s: solve_pmedian(i["cost"], i["weights"], 3, seed=s),
        lambda r, i: (r.objective, float((i["weights"] * _nearest(i, r)).sum())),
        _BAD_SITING,
    ),
    Case(
        "solve_mclp",
        _siting_inputs,
        lambda i, s: solve_mclp(i["cost"], i["weights"], 2, 3.0, seed=s),
        lambda r, i: (
            r.objective,
            float((i["weights"] * (_nearest(i, r) <= 3.0)).sum()),
        ),
        _BAD_SITING,
    ),
    Case(
        "solve_pcenter",
        _siting_inputs,
        lambda i, s: solve_pcenter(i["cost"], i["weights"], 3, seed=s),
        lambda r, i: (r.objective, float(_nearest(i, r).max())),
        _BAD_SITING,
    ),
    Case(
        "solve_lscp",
        _siting_inputs,
        lambda i, s: solve_lscp(i["cost"], i["weights"], 7.0, seed=s),
        lambda r, i: (
            (r.objective, True),
            (float(len(r.open_idx)), bool((_nearest(i, r) <= 7.0).all())),
        ),
        _BAD_SITING,
    ),
    Case(
        "solve_facility_location",
        _siting_inputs,
        lambda i, s: solve_facility_location(
            i["cost"], i["weights"], i["fixed"], seed=s
        ),
        lambda r, i: (
            r.objective,
            float(
                i["fixed"][np.asarray(r.open_idx)].sum()
                + (i["weights"] * _assigned(i, r)).sum()
            ),
        ),
        (*_BAD_SITING, ("fixed", -np.ones(9)), ("fixed", np.ones(3))),
    ),
    Case(
        "solve_facility_location(single source, capacitated)",
        _siting_inputs,
        lambda i, s: solve_facility_location(
            i["cost"],
            i["weights"],
            i["fixed"],
            capacity=np.full(9, 40.0),
            single_source=True,
            seed=s,
        ),
        lambda r, i: (
            (r.objective, True),
            (
                float(
                    i["fixed"][np.asarray(r.open_idx)].sum()
                    + (i["weights"] * _assigned(i, r)).sum()
                ),
                bool(
                    (
                        np.bincount(
                            np.asarray(r.assign_idx), weights=i["weights"], minlength=9
                        )
                        <= 40.0 + 1e-9
                    ).all()
                ),
            ),
        ),
        (*_BAD_SITING, ("fixed", np.full(9, np.inf))),
    ),
]

# ---------------------------------------------------------------- inventory


def _stock_inputs() -> Inputs:
    return {
        "mu": np.array([0.2, 1.0, 4.0, 11.0]),
        "h": np.array([1.0, 2.0, 0.5, 1.0]),
        "b": np.array([9.0, 19.0, 9.0, 4.0]),
        "K": np.array([10.0, 5.0, 20.0, 8.0]),
    }


_BAD_STOCK = (
    ("mu", np.array([0.2, -1.0, 4.0, 11.0])),
    ("mu", np.array([0.2, np.nan, 4.0, 11.0])),
    ("h", np.array([1.0, 2.0])),
    ("b", np.array([9.0, -19.0, 9.0, 4.0])),
)

INVENTORY = [
    Case(
        "optimize_sS",
        _stock_inputs,
        lambda i, s: optimize_sS(i["mu"], i["h"], i["b"], i["K"], lead_time=1),
        lambda r, i: (
            r.cost,
            evaluate_sS(r.s, r.S, i["mu"], i["h"], i["b"], i["K"], lead_time=1).cost,
        ),
        (*_BAD_STOCK, ("K", np.array([10.0, np.inf, 1.0, 1.0]))),
        seeded=False,
    ),
    Case(
        "optimize_rQ",
        _stock_inputs,
        lambda i, s: optimize_rQ(i["mu"], i["h"], i["b"], i["K"], lead_time=2.0),
        lambda r, i: (
            r.cost,
            evaluate_rQ(r.r, r.Q, i["mu"], i["h"], i["b"], i["K"], lead_time=2.0).cost,
        ),
        _BAD_STOCK,
        seeded=False,
    ),
    Case(
        "optimize_base_stock(fill rate)",
        _stock_inputs,
        lambda i, s: optimize_base_stock(
            i["mu"], i["h"], i["b"], lead_time=1, fill_rate=0.9
        ),
        lambda r, i: (
            (r.metrics.fill_rate, True),
            (
                evaluate_base_stock(
                    r.S, i["mu"], i["h"], i["b"], lead_time=1
                ).fill_rate,
                bool((r.metrics.fill_rate >= 0.9 - 1e-12).all()),
            ),
        ),
        _BAD_STOCK,
        seeded=False,
    ),
]

# ----------------------------------------------------------------- staffing


def _staff_inputs() -> Inputs:
    return {
        "tickets_per_year": np.array(
            [[500.0, 2000.0, 3000.0], [100.0, 400.0, 900.0], [0.0, 50.0, 80.0]]
        ),
        "visit_mean_min": np.array([[90.0, 80.0, 70.0]] * 3),
    }


def _labour(r: Any, i: Inputs) -> np.ndarray:
    """Technicians per shift x paid hours x premium x rate x weeks a year."""
    per_head = np.array([s.paid_h_per_week * s.cost_factor for s in r.shifts])
    return np.asarray(r.technicians) @ per_head * 35.0 * (365.0 / 7.0)


STAFFING = [
    Case(
        "size_workforce",
        _staff_inputs,
        lambda i, s: size_workforce(
            StaffingProblem.from_arrays(
                tickets_per_year=i["tickets_per_year"],
                visit_mean_min=i["visit_mean_min"],
                labour_per_hour=35.0,
            ),
            seed=s,
        ),
        lambda r, i: (r.labour_per_year, _labour(r, i)),
        (
            ("tickets_per_year", -np.ones((3, 3))),
            ("tickets_per_year", np.full((3, 3), np.nan)),
            ("visit_mean_min", np.zeros((3, 3)) - 5.0),
        ),
    ),
]

# ------------------------------------------------------------------ routing


def _day_inputs() -> Inputs:
    rng = np.random.default_rng(3)
    n, m = 14, 3
    xy = rng.integers(0, 20, size=(m + n, 2))
    d = np.abs(xy[:, None, :] - xy[None, :, :]).sum(axis=2).astype(float)
    early = rng.integers(480, 600, size=n).astype(float)
    return {
        "duration_min": d,
        "distance_m": d * 500.0,
        "job_loc": np.arange(m, m + n),
        "service_min": rng.integers(20, 60, size=n).astype(float),
        "tw_ptr": np.arange(n + 1),
        "tw_early_min": early,
        "tw_late_min": early + 120.0,
        "tech_start_loc": np.arange(m),
        "tech_end_loc": np.arange(m),
        "shift_start_min": np.full(m, 480.0),
        "shift_end_min": np.full(m, 700.0),
    }


def _route_metres(r: Any, i: Inputs) -> float:
    """Start -> stops in order -> end, summed over technicians, from the matrix."""
    dist, tot = np.asarray(i["distance_m"]), 0.0
    st, sl = np.asarray(r.stop_tech), np.asarray(r.stop_loc)
    for t in range(len(i["tech_start_loc"])):
        locs = sl[st == t]
        if len(locs) == 0:
            continue
        path = [int(i["tech_start_loc"][t]), *map(int, locs), int(i["tech_end_loc"][t])]
        tot += float(sum(dist[a, b] for a, b in itertools.pairwise(path)))
    return tot


def _dispatch(i: Inputs, s: int) -> Any:
    return solve_dispatch(DispatchProblem(**i), max_iterations=300, seed=s)


ROUTING = [
    Case(
        "solve_dispatch",
        _day_inputs,
        _dispatch,
        lambda r, i: (
            (float(np.sum(r.distance_m)), 0),
            (_route_metres(r, i), len(validate_plan(DispatchProblem(**i), r))),
        ),
        (
            ("duration_min", -np.ones((17, 17))),
            ("duration_min", np.full((17, 17), np.nan)),
            ("service_min", -np.ones(14)),
            ("job_loc", np.full(14, 99)),
            ("shift_end_min", np.full(3, 400.0)),
        ),
    ),
]

CASES = SITING + INVENTORY + STAFFING + ROUTING
IDS = [c.name for c in CASES]


def _copy(i: Inputs) -> Inputs:
    return {k: np.array(v, copy=True) for k, v in i.items()}


def _equal(a: Any, b: Any) -> bool:
    if isinstance(a, tuple):
        return all(_equal(x, y) for x, y in zip(a, b, strict=True))
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=1e-9, atol=1e-9))


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_reported_objective_is_the_recomputed_one(case: Case) -> None:
    i = case.inputs()
    reported, recomputed = case.objective(case.run(i, 0), i)
    assert _equal(reported, recomputed), (reported, recomputed)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_inputs_are_not_mutated(case: Case) -> None:
    i = case.inputs()
    before = _copy(i)
    case.run(i, 0)
    for k, v in before.items():
        np.testing.assert_array_equal(i[k], v, err_msg=k)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_same_seed_same_answer(case: Case) -> None:
    a = case.objective(case.run(case.inputs(), 5), case.inputs())
    b = case.objective(case.run(case.inputs(), 5), case.inputs())
    assert _equal(a[0], b[0])
    if case.seeded:
        for bad in (-1, 1.5, "1"):
            with pytest.raises(InputError, match="seed"):
                case.run(case.inputs(), bad)  # type: ignore[arg-type]


BAD = [
    pytest.param(c, k, v, id=f"{c.name}-{k}-{n}")
    for c in CASES
    for n, (k, v) in enumerate(c.bad)
]


@pytest.mark.parametrize(("case", "key", "value"), BAD)
def test_bad_arrays_give_one_clear_line(case: Case, key: str, value: Any) -> None:
    i = case.inputs()
    i[key] = value
    with pytest.raises(InputError) as e:
        case.run(i, 0)
    text = str(e.value)
    assert "\n" not in text
    assert len(text) < 400
