"""planner.routing."""
