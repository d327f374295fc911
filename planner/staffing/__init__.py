"""planner.staffing: how many technicians, at which outlets, on which shifts.

Models (each module docstring states its formulation and source):

- :func:`erlang_b`, :func:`erlang_c`, :func:`prob_wait_le`,
  :func:`required_servers`: the stationary M/M/c queue in log space (exact
  for exponential visits), M/G/c by the Allen-Cunneen approximation.
- :func:`priority_prob_wait_le`, :func:`required_servers_priority`: waiting
  time per class under non-preemptive priority M/M/c (urgent first, as the
  simulator serves), exact by Kella and Yechiali (1985) with a numerical
  Laplace inversion.
- :func:`mol_load`: time-varying offered load over the 168 hours of a week
  by the modified-offered-load method (Jennings et al. 1996).
- :func:`period_requirement`: technicians needed on duty per hour;
  :func:`size_workforce`: shift covering per outlet (HiGHS MIP), checked and
  corrected with :func:`predict_service` (fluid backlog plus stationary
  priority queue), partner overflow, skills, headcount cap -> a
  :class:`StaffingPlan`.

Inputs are a :class:`StaffingProblem` (arrivals per outlet, class and hour of
the week; visit minutes of repair plus travel, :func:`visit_moments`; targets
per class with their clock; a :class:`Shift` catalogue).
"""

from planner.staffing.erlang import erlang_b as erlang_b
from planner.staffing.erlang import erlang_c as erlang_c
from planner.staffing.erlang import mean_wait_min as mean_wait_min
from planner.staffing.erlang import prob_wait_le as prob_wait_le
from planner.staffing.erlang import required_servers as required_servers
from planner.staffing.plan import StaffingPlan as StaffingPlan
from planner.staffing.predict import Prediction as Prediction
from planner.staffing.predict import predict_service as predict_service
from planner.staffing.priority import priority_mean_wait_min as priority_mean_wait_min
from planner.staffing.priority import priority_prob_wait_le as priority_prob_wait_le
from planner.staffing.priority import (
    required_servers_priority as required_servers_priority,
)
from planner.staffing.problem import StaffingProblem as StaffingProblem
from planner.staffing.problem import visit_moments as visit_moments
from planner.staffing.shifts import CLOCKS as CLOCKS
from planner.staffing.shifts import DEFAULT_CLASSES as DEFAULT_CLASSES
from planner.staffing.shifts import DEFAULT_SHIFTS as DEFAULT_SHIFTS
from planner.staffing.shifts import HOURS_PER_WEEK as HOURS_PER_WEEK
from planner.staffing.shifts import ServiceClass as ServiceClass
from planner.staffing.shifts import Shift as Shift
from planner.staffing.shifts import week_rates as week_rates
from planner.staffing.sizing import period_requirement as period_requirement
from planner.staffing.sizing import size_workforce as size_workforce
from planner.staffing.timevarying import mol_load as mol_load
from planner.staffing.timevarying import wall_target_min as wall_target_min

__all__ = [
    "CLOCKS",
    "DEFAULT_CLASSES",
    "DEFAULT_SHIFTS",
    "HOURS_PER_WEEK",
    "Prediction",
    "ServiceClass",
    "Shift",
    "StaffingPlan",
    "StaffingProblem",
    "erlang_b",
    "erlang_c",
    "mean_wait_min",
    "mol_load",
    "period_requirement",
    "predict_service",
    "priority_mean_wait_min",
    "priority_prob_wait_le",
    "prob_wait_le",
    "required_servers",
    "required_servers_priority",
    "size_workforce",
    "visit_moments",
    "wall_target_min",
    "week_rates",
]
