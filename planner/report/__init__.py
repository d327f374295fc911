"""planner.report: the HTML report of a run, trade-off views, maps and plots.

Everything returns objects (HTML text, matplotlib Figures, folium maps,
DataFrames) and never prints; :func:`write_report` writes ``report.html``
into a run folder.
"""

from planner.report.html import render_report as render_report
from planner.report.html import siting_map_layers as siting_map_layers
from planner.report.html import write_report as write_report
from planner.report.leaflet import MapLayer as MapLayer
from planner.report.leaflet import leaflet_head as leaflet_head
from planner.report.leaflet import leaflet_map as leaflet_map
from planner.report.plots import figure_svg as figure_svg
from planner.report.run import RunData as RunData
from planner.report.run import read_run as read_run
from planner.report.run import siting_frames as siting_frames

__all__ = [
    "MapLayer",
    "RunData",
    "figure_svg",
    "leaflet_head",
    "leaflet_map",
    "read_run",
    "render_report",
    "siting_frames",
    "siting_map_layers",
    "write_report",
]
