"""planner.inventory."""
