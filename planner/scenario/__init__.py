"""planner.scenario."""
