"""planner.siting: where outlets stand, and who is covered.

Every model takes a demand x candidate ``cost`` matrix (minutes, metres or
money per ticket), demand ``weights``, its parameters and one
:class:`SiteOptions` (existing, excluded and partner sites, closing and fixed
costs, fees, a budget) as ``options=``, and returns a :class:`SitingPlan` with
the open outlets, the allocation of demand, the objective, a proven bound and
the gap. :data:`SITING_MODELS` names them for scenarios.

Models (each module docstring states its formulation):

- :func:`solve_pmedian`: p-median; greedy + fast vertex substitution +
  Lagrangian bound, exact by the radius formulation in HiGHS after
  Lagrangian fixing and probing.
- :func:`solve_mclp`: maximal covering (aggregated, HiGHS).
- :func:`solve_lscp`: set covering, with a target-share variant.
- :func:`solve_pcenter`: p-center by binary search over set covering.
- :func:`solve_facility_location`: uncapacitated / capacitated fixed-charge
  location, single sourcing, partners with a fee per ticket, closing costs,
  budget, and the service promise as a constraint (hybrid).

Analysis: :func:`coverage_table`, :func:`coverage_curve_p`,
:func:`coverage_curve_radius`; map layers: :func:`outlets_layer`,
:func:`service_area_layer`, :func:`uncovered_layer`.
"""

from planner.siting.areas import outlets_layer as outlets_layer
from planner.siting.areas import service_area_layer as service_area_layer
from planner.siting.areas import uncovered_layer as uncovered_layer
from planner.siting.coverage import coverage_curve_p as coverage_curve_p
from planner.siting.coverage import coverage_curve_radius as coverage_curve_radius
from planner.siting.coverage import coverage_table as coverage_table
from planner.siting.facility import (
    solve_facility_location as solve_facility_location,
)
from planner.siting.geodata import (
    siting_case_from_geodataframes as siting_case_from_geodataframes,
)
from planner.siting.lscp import solve_lscp as solve_lscp
from planner.siting.mclp import solve_mclp as solve_mclp
from planner.siting.models import SITING_MODELS as SITING_MODELS
from planner.siting.models import SitingCase as SitingCase
from planner.siting.options import SiteOptions as SiteOptions
from planner.siting.orlib import read_orlib_pmed as read_orlib_pmed
from planner.siting.pcenter import solve_pcenter as solve_pcenter
from planner.siting.plan import SitingPlan as SitingPlan
from planner.siting.plan import nearest_open as nearest_open
from planner.siting.pmedian import solve_pmedian as solve_pmedian

__all__ = [
    "SITING_MODELS",
    "SiteOptions",
    "SitingCase",
    "SitingPlan",
    "coverage_curve_p",
    "coverage_curve_radius",
    "coverage_table",
    "nearest_open",
    "outlets_layer",
    "read_orlib_pmed",
    "service_area_layer",
    "solve_facility_location",
    "solve_lscp",
    "solve_mclp",
    "solve_pcenter",
    "solve_pmedian",
    "uncovered_layer",
]
