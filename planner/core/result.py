"""What every solver's result shares: a status and solver statistics."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

__all__ = ["SolveStatus", "SolverStats"]


class SolveStatus(StrEnum):
    """How a solve ended.

    ``OPTIMAL``: proven optimal (within the solver's tolerance);
    ``FEASIBLE``: a solution without proof of optimality (time limit, heuristic);
    ``INFEASIBLE``: proven to have no solution;
    ``NO_SOLUTION``: none found, infeasibility not proven.
    """

    OPTIMAL = "optimal"
    FEASIBLE = "feasible"
    INFEASIBLE = "infeasible"
    NO_SOLUTION = "no_solution"

    @property
    def has_solution(self) -> bool:
        """Whether a solution is present.

        >>> SolveStatus.FEASIBLE.has_solution
        True
        """
        return self in (SolveStatus.OPTIMAL, SolveStatus.FEASIBLE)


@dataclass(frozen=True, slots=True)
class SolverStats:
    """Which solver ran, for how long, how far, with which seed."""

    solver: str
    runtime_s: float
    n_iterations: int = 0
    seed: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able dict."""
        return {
            "solver": self.solver,
            "runtime_s": self.runtime_s,
            "n_iterations": self.n_iterations,
            "seed": self.seed,
            **{f"extra.{k}": v for k, v in self.extra.items()},
        }
