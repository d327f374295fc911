"""The data model shared by every part of planner; imports nothing else from it.

Units: distances in metres (``_m``), durations in minutes (``_min``), money in
the scenario's currency, coordinates in WGS84 lon/lat.
"""

from planner.core.catalog import ArrivalProfile as ArrivalProfile
from planner.core.catalog import Catalog as Catalog
from planner.core.catalog import FaultType as FaultType
from planner.core.catalog import Part as Part
from planner.core.catalog import ProductCategory as ProductCategory
from planner.core.catalog import hour_of_week_profile as hour_of_week_profile
from planner.core.cost import CostBreakdown as CostBreakdown
from planner.core.cost import CostCategory as CostCategory
from planner.core.cost import CostRates as CostRates
from planner.core.errors import InfeasibleError as InfeasibleError
from planner.core.errors import InputError as InputError
from planner.core.errors import PlannerError as PlannerError
from planner.core.hours import ServiceHours as ServiceHours
from planner.core.result import SolverStats as SolverStats
from planner.core.result import SolveStatus as SolveStatus
from planner.core.tables import DemandPoints as DemandPoints
from planner.core.tables import Outlets as Outlets
from planner.core.timewindow import TimeWindow as TimeWindow
from planner.core.urgency import (
    DEFAULT_RESPONSE_TARGET_MIN as DEFAULT_RESPONSE_TARGET_MIN,
)
from planner.core.urgency import Urgency as Urgency
from planner.core.urgency import UrgencyClass as UrgencyClass
from planner.core.workforce import Technician as Technician
from planner.core.workforce import Ticket as Ticket

__all__ = [
    "DEFAULT_RESPONSE_TARGET_MIN",
    "ArrivalProfile",
    "Catalog",
    "CostBreakdown",
    "CostCategory",
    "CostRates",
    "DemandPoints",
    "FaultType",
    "InfeasibleError",
    "InputError",
    "Outlets",
    "Part",
    "PlannerError",
    "ProductCategory",
    "ServiceHours",
    "SolveStatus",
    "SolverStats",
    "Technician",
    "Ticket",
    "TimeWindow",
    "Urgency",
    "UrgencyClass",
    "hour_of_week_profile",
]
