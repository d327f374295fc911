"""Technician dispatch: the problem, its solver, an independent validator, the plan."""

from planner.routing.params import DispatchParams as DispatchParams
from planner.routing.plan import REASONS as REASONS
from planner.routing.plan import DispatchPlan as DispatchPlan
from planner.routing.problem import DispatchProblem as DispatchProblem
from planner.routing.screen import screen_jobs as screen_jobs
from planner.routing.solver import solve_dispatch as solve_dispatch
from planner.routing.validate import PlanViolationError as PlanViolationError
from planner.routing.validate import Violation as Violation
from planner.routing.validate import check_plan as check_plan
from planner.routing.validate import validate_plan as validate_plan

__all__ = [
    "REASONS",
    "DispatchParams",
    "DispatchPlan",
    "DispatchProblem",
    "PlanViolationError",
    "Violation",
    "check_plan",
    "screen_jobs",
    "solve_dispatch",
    "validate_plan",
]
