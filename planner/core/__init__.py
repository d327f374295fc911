"""The data model shared by every part of planner; imports nothing else from it."""
