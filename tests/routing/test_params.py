"""DispatchParams and the solver's arguments: bad values name the field as an InputError."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from planner.core.errors import InputError
from planner.routing import DispatchParams, DispatchProblem, solve_dispatch


def _day() -> DispatchProblem:
    d = np.array([[0.0, 10.0, 15.0], [10.0, 0.0, 8.0], [15.0, 8.0, 0.0]])
    return DispatchProblem(
        d, d * 500, [1, 2], [30, 30], [0, 1, 2], [480, 480], [600, 600], [0], [0],
        [480], [1020],
    )  # fmt: skip


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("num_neighbours", 0),
        ("num_neighbours", 2.5),
        ("num_neighbours", True),
        ("service_bonus", -0.1),
        ("service_bonus", float("nan")),
        ("service_bonus", "0.25"),
        ("swap_share", 0.9),
        ("travel_swaps", 1),
        ("exhaustive_on_best", "yes"),
        ("required_share", 1.5),
        ("polish_share", -0.1),
        ("fit_margin", "0.9"),
        ("max_penalty", 0.5),
        ("history_length", 0),
        ("max_perturbations", 2.5),
        ("iters_no_improvement", 0),
    ],
)
def test_bad_field_is_named(field: str, value: object) -> None:
    """A value of the wrong type or out of range raises InputError naming the field."""
    with pytest.raises(InputError) as e:
        DispatchParams(**{field: value})  # type: ignore[arg-type]
    assert e.value.field == field
    assert field in str(e.value)


def test_replace_validates_and_rejects_unknown_fields() -> None:
    """replace() checks again; an unknown field is named."""
    p = DispatchParams().replace(service_bonus=0.5, num_neighbours=40)
    assert (p.service_bonus, p.num_neighbours) == (0.5, 40)
    with pytest.raises(InputError, match="max_neighbours"):
        p.replace(max_neighbours=-1)
    with pytest.raises(InputError, match="no_such_knob"):
        p.replace(no_such_knob=3)


def test_from_file_names_the_file(tmp_path: Path) -> None:
    """A TOML file of fields reads back; a bad value names the file and the field."""
    f = tmp_path / "p.toml"
    f.write_text("service_bonus = 0.5\nils_neighbours = 0\n")
    assert DispatchParams.from_file(f) == DispatchParams(
        service_bonus=0.5, ils_neighbours=0
    )
    f.write_text("swap_share = 2\n")
    with pytest.raises(InputError) as e:
        DispatchParams.from_file(f)
    assert str(f) in str(e.value)
    assert "swap_share" in str(e.value)


@pytest.mark.parametrize("seed", [-1, 2**32, 1.5, True, "0"])
def test_bad_seed_is_an_input_error(seed: object) -> None:
    """seed=-1 (and other non-seeds) is an InputError naming seed, not a pybind TypeError."""
    with pytest.raises(InputError, match="seed"):
        solve_dispatch(_day(), max_iterations=5, seed=seed)  # type: ignore[arg-type]


def test_generator_seed_and_params_object() -> None:
    """A numpy Generator works as a seed; params must be a DispatchParams."""
    plan = solve_dispatch(
        _day(), max_iterations=5, seed=np.random.default_rng(1), params=DispatchParams()
    )
    assert plan.n_served == 2
    assert plan.stats.seed is not None
    with pytest.raises(InputError, match="params"):
        solve_dispatch(_day(), max_iterations=5, params={"service_bonus": 1})  # type: ignore[arg-type]


def test_params_change_the_search() -> None:
    """A field reaches the search: without travel swaps the plan says so in its stats."""
    a = solve_dispatch(_day(), max_iterations=5)
    b = solve_dispatch(
        _day(), max_iterations=5, params=DispatchParams(travel_swaps=False)
    )
    assert "swap_saved_min" in a.stats.extra
    assert "swap_saved_min" not in b.stats.extra
