"""Technician dispatch: the problem, its solver, an independent validator, the plan;
promised slots, a multi-day horizon and in-day re-planning on top of them."""

from planner.routing.bound import served_upper_bound as served_upper_bound
from planner.routing.edit import NewJob as NewJob
from planner.routing.geodata import (
    dispatch_problem_from_geodataframes as dispatch_problem_from_geodataframes,
)
from planner.routing.horizon import HorizonProblem as HorizonProblem
from planner.routing.horizon_solve import HorizonPlan as HorizonPlan
from planner.routing.horizon_solve import solve_horizon as solve_horizon
from planner.routing.params import DispatchParams as DispatchParams
from planner.routing.plan import REASONS as REASONS
from planner.routing.plan import DispatchPlan as DispatchPlan
from planner.routing.problem import DispatchProblem as DispatchProblem
from planner.routing.replan import Absent as Absent
from planner.routing.replan import Cancel as Cancel
from planner.routing.replan import ReplanResult as ReplanResult
from planner.routing.replan import replan as replan
from planner.routing.screen import screen_jobs as screen_jobs
from planner.routing.slots import SlotOffers as SlotOffers
from planner.routing.slots import offer_slots as offer_slots
from planner.routing.solver import solve_dispatch as solve_dispatch
from planner.routing.validate import PlanViolationError as PlanViolationError
from planner.routing.validate import Violation as Violation
from planner.routing.validate import check_plan as check_plan
from planner.routing.validate import validate_plan as validate_plan

__all__ = [
    "REASONS",
    "Absent",
    "Cancel",
    "DispatchParams",
    "DispatchPlan",
    "DispatchProblem",
    "HorizonPlan",
    "HorizonProblem",
    "NewJob",
    "PlanViolationError",
    "ReplanResult",
    "SlotOffers",
    "Violation",
    "check_plan",
    "offer_slots",
    "replan",
    "screen_jobs",
    "served_upper_bound",
    "solve_dispatch",
    "solve_horizon",
    "validate_plan",
]
