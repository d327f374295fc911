"""Bad input to DispatchProblem: one clear InputError naming table, row and field."""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pandas as pd
import pytest

from planner.core.errors import InfeasibleError, InputError
from planner.routing import DispatchProblem


def _tables() -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray]:
    jobs = pd.DataFrame(
        {
            "id": ["J1", "J2"],
            "location": [1, 2],
            "service_min": [30, 45],
            "windows": ["480-600", "600-720;780-900"],
            "skills": ["gas", "oil"],
            "urgency": ["urgent", "general"],
            "parts": ["P1:1", ""],
        }
    )
    techs = pd.DataFrame(
        {
            "id": ["T1"],
            "start_location": [0],
            "shift_start_min": [480],
            "shift_end_min": [1020],
            "skills": ["gas;oil"],
            "stock": ["P1:2"],
            "break_start_min": [690],
            "break_end_min": [810],
            "break_min": [30],
        }
    )
    d = np.array([[0.0, 10, 20], [10, 0, 15], [20, 15, 0]])
    return jobs, techs, d


def test_tables_build_a_valid_problem() -> None:
    """The builder parses windows, skills, parts, urgency and break columns."""
    jobs, techs, d = _tables()
    p = DispatchProblem.from_tables(jobs, techs, d, d * 500)
    assert p.n_jobs == 2
    assert p.n_techs == 1
    assert p.windows(1).tolist() == [[600, 720], [780, 900]]
    assert p.job_urgency.tolist() == [0, 2]
    assert p.job_parts.tolist() == [[1], [0]]
    assert p.tech_stock.tolist() == [[2]]
    assert p.break_min.tolist() == [30.0]
    assert not p.duration_min.flags.writeable


def _err(fn: Any) -> str:
    with pytest.raises(InputError) as e:
        fn()
    msg = str(e.value)
    assert "\n" not in msg
    return msg


@pytest.mark.parametrize(
    ("table", "column", "value", "needle"),
    [
        ("jobs", "skills", ["gas", "welding"], "welding"),
        ("jobs", "windows", ["480-600", "700-650"], "tw_end_min"),
        ("jobs", "id", ["J1", "J1"], "unique"),
        ("jobs", "urgency", ["urgent", "asap"], "urgency"),
        ("jobs", "location", [1, 7], "location"),
        ("techs", "start_location", [None], "start_location"),
    ],
)
def test_bad_tables_raise_one_line(
    table: str, column: str, value: list[Any], needle: str
) -> None:
    """Each bad cell gives one line naming the table, the row and the field."""
    jobs, techs, d = _tables()
    df = jobs if table == "jobs" else techs
    df[column] = value
    msg = _err(lambda: DispatchProblem.from_tables(jobs, techs, d, d * 500))
    assert needle in msg
    assert "row" in msg


@pytest.mark.parametrize(
    "matrix",
    [
        np.array([[0.0, np.nan, 1], [1, 0, 1], [1, 1, 0]]),
        np.array([[0.0, -1, 1], [1, 0, 1], [1, 1, 0]]),
        np.zeros((3, 2)),
    ],
)
def test_bad_matrix(matrix: np.ndarray) -> None:
    """NaN, negative times or a wrong shape are refused."""
    jobs, techs, d = _tables()
    msg = _err(lambda: DispatchProblem.from_tables(jobs, techs, matrix, d))
    assert "duration_min" in msg


def test_pinned_to_tech_without_skill() -> None:
    """A job pinned on a technician who lacks its skill is refused."""
    jobs, techs, d = _tables()
    techs = pd.concat([techs, techs.assign(id="T2", skills="gas")], ignore_index=True)
    jobs["pinned_tech"] = [None, "T2"]
    msg = _err(lambda: DispatchProblem.from_tables(jobs, techs, d, d * 500))
    assert "pinned_tech" in msg
    assert "J2" in msg


def test_break_outside_shift() -> None:
    """A lunch break window outside the shift is refused."""
    jobs, techs, d = _tables()
    techs["break_end_min"] = [1100]
    assert "break" in _err(lambda: DispatchProblem.from_tables(jobs, techs, d, d * 500))


def test_replace_validates_again() -> None:
    """dataclasses.replace re-runs the checks."""
    jobs, techs, d = _tables()
    p = DispatchProblem.from_tables(jobs, techs, d, d * 500)
    with pytest.raises(InputError):
        dataclasses.replace(p, service_min=[-1.0, 3.0])


def test_urgent_skill_nobody_has_is_infeasible() -> None:
    """An urgent job needing a skill no technician has is proven infeasible up front."""
    d = np.array([[0.0, 5], [5, 0]])
    p = DispatchProblem(
        d,
        d,
        [1],
        [10],
        [0, 1],
        [0],
        [100],
        [0],
        [0],
        [0],
        [200],
        job_skills=[[True, False]],
        tech_skills=[[False, True]],
        job_urgency=["urgent"],
    )
    with pytest.raises(InfeasibleError, match="skill"):
        p.check_feasible_skills()
