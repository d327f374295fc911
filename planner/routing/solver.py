"""Routing solvers (to be written)."""
