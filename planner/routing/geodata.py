"""Dispatch from GeoDataFrames: tomorrow's tickets and technicians as geopandas frames.

A thin adapter: each frame's point geometry (any CRS, which must be set)
becomes WGS84 ``lon``/``lat`` and the frames go through the same checks and
conversions as the tables ``planner dispatch`` reads
(:func:`~planner.routing.tables.problem_from_tables`): the columns are those
of the CLI's tables (``id``, ``service_min``, ``tw_start``/``tw_end`` or
``windows``, ``skills``, ``urgency``, ...; technicians ``shift_start``,
``shift_end``, ...).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from planner.core.errors import InputError
from planner.geo.formats import points_frame
from planner.routing.problem import DispatchProblem
from planner.routing.tables import problem_from_tables

if TYPE_CHECKING:
    from planner.core.cost import CostRates
    from planner.geo.matrix import TravelModel

__all__ = ["dispatch_problem_from_geodataframes"]


def dispatch_problem_from_geodataframes(
    tickets: Any,
    technicians: Any,
    day: dt.date | str,
    *,
    travel: TravelModel | None = None,
    rates: CostRates | None = None,
) -> DispatchProblem:
    """The :class:`DispatchProblem` of one day from two GeoDataFrames of points.

    Parameters
    ----------
    tickets
        One row per ticket with a Point geometry (the address).
    technicians
        One row per technician with a Point geometry (home, where the day
        starts; optional ``end_lon``/``end_lat`` columns in WGS84).
    day
        The day planned (a date or ``YYYY-MM-DD``), for ISO date-time cells.
    travel
        A travel model (default: straight line x 1.3 at 30 km/h, as the CLI).
    rates
        Cost rates (default: :class:`~planner.core.cost.CostRates`'s).

    Examples
    --------
    >>> import geopandas as gpd
    >>> from planner.routing import solve_dispatch
    >>> jobs = gpd.GeoDataFrame({"id": ["J1", "J2"], "service_min": [30, 45],
    ...     "tw_start": ["08:00", "08:00"], "tw_end": ["17:00", "17:00"]},
    ...     geometry=gpd.points_from_xy([24.93, 24.95], [60.17, 60.18]), crs=4326)
    >>> crew = gpd.GeoDataFrame({"id": ["T1"], "shift_start": ["08:00"],
    ...     "shift_end": ["16:00"]}, geometry=gpd.points_from_xy([24.94], [60.17]),
    ...     crs=4326)
    >>> problem = dispatch_problem_from_geodataframes(jobs, crew, "2026-07-15")
    >>> solve_dispatch(problem, max_iterations=50).n_served
    2
    """
    if isinstance(day, str):
        try:
            day = dt.date.fromisoformat(day)
        except ValueError:
            raise InputError(field="day", expected="YYYY-MM-DD", got=day) from None
    if not isinstance(day, dt.date):
        raise InputError(field="day", expected="a date", got=type(day).__name__)
    tk = points_frame(tickets, what="tickets")
    tw = points_frame(technicians, what="technicians")
    return problem_from_tables(
        tk, tw, day, travel=travel, rates=rates, t_src="tickets", w_src="technicians"
    )
