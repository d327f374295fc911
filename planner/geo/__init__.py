"""Coordinates, CRS, travel-time models and GeoDataFrame I/O.

Travel models share one interface (:class:`TravelModel`): ``matrix(origins,
destinations)`` with WGS84 lon/lat arrays returns a :class:`TravelMatrix` of
metres and minutes. :class:`GreatCircle` is the default (crow-fly distance x
circuity at a fixed speed), :class:`RoadNetwork` computes shortest times over
an OpenStreetMap road network, :class:`MatrixFile` reads a matrix a user
brings (from OSRM, Valhalla, ...). :class:`TimeDependentTravel` adds
hour-of-day speed factors (:class:`SpeedProfile`, rush hours) to any of them.
"""

from planner.geo.areas import service_areas as service_areas
from planner.geo.areas import voronoi_cells as voronoi_cells
from planner.geo.crs import EARTH_RADIUS_M as EARTH_RADIUS_M
from planner.geo.crs import check_lonlat as check_lonlat
from planner.geo.crs import to_lonlat as to_lonlat
from planner.geo.crs import to_metric as to_metric
from planner.geo.crs import utm_crs as utm_crs
from planner.geo.formats import TABLE_FORMATS as TABLE_FORMATS
from planner.geo.formats import read_table as read_table
from planner.geo.great_circle import GreatCircle as GreatCircle
from planner.geo.io import points_lonlat as points_lonlat
from planner.geo.io import read_points as read_points
from planner.geo.io import write_frame as write_frame
from planner.geo.matrix import TravelMatrix as TravelMatrix
from planner.geo.matrix import TravelModel as TravelModel
from planner.geo.matrix_file import MatrixFile as MatrixFile
from planner.geo.road import DEFAULT_SPEEDS_KMH as DEFAULT_SPEEDS_KMH
from planner.geo.road import RoadNetwork as RoadNetwork
from planner.geo.road import helsinki_pbf as helsinki_pbf
from planner.geo.speed import SpeedProfile as SpeedProfile
from planner.geo.speed import TimeDependentTravel as TimeDependentTravel
from planner.geo.speed import with_speed_factors as with_speed_factors

__all__ = [
    "DEFAULT_SPEEDS_KMH",
    "EARTH_RADIUS_M",
    "TABLE_FORMATS",
    "GreatCircle",
    "MatrixFile",
    "RoadNetwork",
    "SpeedProfile",
    "TimeDependentTravel",
    "TravelMatrix",
    "TravelModel",
    "check_lonlat",
    "helsinki_pbf",
    "points_lonlat",
    "read_points",
    "read_table",
    "service_areas",
    "to_lonlat",
    "to_metric",
    "utm_crs",
    "voronoi_cells",
    "with_speed_factors",
    "write_frame",
]
