"""planner.report: the HTML report of a run, trade-off views, maps and plots.

Everything returns objects (HTML text, matplotlib Figures, folium maps,
DataFrames) and never prints; :func:`write_report` writes ``report.html``
into a run folder.
"""

from planner.report.compare import compare_frame as compare_frame
from planner.report.compare import write_compare_report as write_compare_report
from planner.report.decision import annual_cost_frame as annual_cost_frame
from planner.report.decision import class_sla_frame as class_sla_frame
from planner.report.decision import outlet_decision_frame as outlet_decision_frame
from planner.report.decision import problems as problems
from planner.report.decision import recommendation_frame as recommendation_frame
from planner.report.html import render_report as render_report
from planner.report.html import siting_map_layers as siting_map_layers
from planner.report.html import write_report as write_report
from planner.report.leaflet import MapLayer as MapLayer
from planner.report.leaflet import leaflet_head as leaflet_head
from planner.report.leaflet import leaflet_map as leaflet_map
from planner.report.maps import plot_gantt as plot_gantt
from planner.report.maps import plot_routes as plot_routes
from planner.report.maps import plot_siting as plot_siting
from planner.report.maps import unassigned_points as unassigned_points
from planner.report.maps import unassigned_summary as unassigned_summary
from planner.report.plots import figure_svg as figure_svg
from planner.report.plots import plot_demand_by_category as plot_demand_by_category
from planner.report.plots import plot_fill_rates as plot_fill_rates
from planner.report.plots import plot_outlet_load as plot_outlet_load
from planner.report.plots import plot_travel_cdf as plot_travel_cdf
from planner.report.run import RunData as RunData
from planner.report.run import read_run as read_run
from planner.report.run import siting_frames as siting_frames
from planner.report.sweep import outlets_coverage_curves as outlets_coverage_curves
from planner.report.sweep import read_sweep as read_sweep
from planner.report.sweep import write_folder_report as write_folder_report
from planner.report.sweep import write_sweep_report as write_sweep_report
from planner.report.tradeoff import cost_service_frame as cost_service_frame
from planner.report.tradeoff import coverage_curve_frame as coverage_curve_frame
from planner.report.tradeoff import pareto_front as pareto_front
from planner.report.tradeoff import plot_coverage_curve as plot_coverage_curve
from planner.report.tradeoff import plot_stock_fill as plot_stock_fill
from planner.report.tradeoff import plot_tradeoff as plot_tradeoff
from planner.report.tradeoff import stock_fill_frame as stock_fill_frame
from planner.report.tradeoff import tradeoff_frame as tradeoff_frame

__all__ = [
    "MapLayer",
    "RunData",
    "annual_cost_frame",
    "class_sla_frame",
    "compare_frame",
    "cost_service_frame",
    "coverage_curve_frame",
    "figure_svg",
    "leaflet_head",
    "leaflet_map",
    "outlet_decision_frame",
    "outlets_coverage_curves",
    "pareto_front",
    "plot_coverage_curve",
    "plot_demand_by_category",
    "plot_fill_rates",
    "plot_gantt",
    "plot_outlet_load",
    "plot_routes",
    "plot_siting",
    "plot_stock_fill",
    "plot_tradeoff",
    "plot_travel_cdf",
    "problems",
    "read_run",
    "read_sweep",
    "recommendation_frame",
    "render_report",
    "siting_frames",
    "siting_map_layers",
    "stock_fill_frame",
    "tradeoff_frame",
    "unassigned_points",
    "unassigned_summary",
    "write_compare_report",
    "write_folder_report",
    "write_report",
    "write_sweep_report",
]
