"""Scenario files, building their data, and running their stages."""

from planner.scenario.build import ScenarioData as ScenarioData
from planner.scenario.build import build as build
from planner.scenario.build import gazetteer_towns as gazetteer_towns
from planner.scenario.catalog import Catalog as Catalog
from planner.scenario.catalog import read_catalog as read_catalog
from planner.scenario.load import Scenario as Scenario
from planner.scenario.load import load_scenario as load_scenario
from planner.scenario.load import spec_from_dict as spec_from_dict
from planner.scenario.pipeline import RunResult as RunResult
from planner.scenario.pipeline import run_scenario as run_scenario
from planner.scenario.pipeline import scenario_summary as scenario_summary
from planner.scenario.pipeline import show_versions as show_versions
from planner.scenario.schema import ScenarioSpec as ScenarioSpec

__all__ = [
    "Catalog",
    "RunResult",
    "Scenario",
    "ScenarioData",
    "ScenarioSpec",
    "build",
    "gazetteer_towns",
    "load_scenario",
    "read_catalog",
    "run_scenario",
    "scenario_summary",
    "show_versions",
    "spec_from_dict",
]
