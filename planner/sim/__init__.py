"""planner.sim."""
