"""planner.inventory: spare-parts demand, reorder policies, optimization, evaluation."""

from planner.inventory.metrics import PolicyMetrics as PolicyMetrics
from planner.inventory.ss import SSPolicies as SSPolicies
from planner.inventory.ss import evaluate_sS as evaluate_sS
from planner.inventory.ss import newsvendor_cost_poisson as newsvendor_cost_poisson
from planner.inventory.ss import optimize_sS as optimize_sS

__all__ = [
    "PolicyMetrics",
    "SSPolicies",
    "evaluate_sS",
    "newsvendor_cost_poisson",
    "optimize_sS",
]
