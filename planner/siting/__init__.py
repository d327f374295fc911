"""planner.siting."""
