"""planner.inventory: spare-parts demand, reorder policies, optimization, evaluation.

Modules by concept: ``demand`` (forecasts, classes), ``policy`` (metrics and
the result base), ``ss`` / ``ss_normal`` / ``ss_service`` ((s,S) per period),
``periodic`` ((R,S), (R,s,S)), ``rq`` / ``rq_normal`` / ``rq_service``
((r,Q)), ``base_stock``, ``budget``, ``two_echelon`` (METRIC), ``montecarlo``,
``plan`` (StockPlan), ``catalogue`` (``plan_stock``), ``cost_model``; the
private ``_zheng_federgruen`` engine with its ``_lattice_demand`` models,
``_distributions`` and ``_checks`` (the one argument checker) underneath.

Everything works on arrays, one entry per part (or part x location), and
returns frozen results with read-only arrays:

- demand: :func:`demand_matrix` (usage history -> series), :func:`estimate_rates`,
  :func:`croston` / :func:`sba` / :func:`tsb` / :func:`ses`,
  :func:`classify_demand` (ADI / CV^2), :func:`forecast_demand` (method per
  class), :func:`abc_xyz`, :func:`service_targets` (class -> target rules);
- exact policies (Poisson, compound Poisson, normal): :func:`optimize_sS` /
  :func:`evaluate_sS` (Zheng-Federgruen, lead time), :func:`optimize_sS_normal` /
  :func:`evaluate_sS_normal` (normal demand on a fine lattice),
  :func:`optimize_sS_discrete` (any empirical pmf), :func:`optimize_RsS`,
  :func:`optimize_RS`, :func:`optimize_rQ` / :func:`evaluate_rQ`
  (Federgruen-Zheng), :func:`optimize_rQ_normal`, :func:`optimize_base_stock`
  (critical fractile, service targets), :func:`optimize_base_stock_compound`;
  every evaluation returns :class:`PolicyMetrics` (cost, fill rate, ready rate,
  backorders, on hand, orders), every optimizer a result on one base
  (:class:`SSPolicies`, :class:`RQPolicies`, :class:`BaseStockPolicies`:
  ``evaluate()``, ``to_frame()``, ``summary()``);
- service and budget: :func:`optimize_rQ_service` (cheapest (r,Q) meeting a
  fill/ready-rate target), :func:`allocate_budget` (marginal analysis);
- two echelons: :func:`evaluate_metric` (METRIC, VARI-METRIC),
  :func:`optimize_metric`, :func:`simulate_two_echelon`;
- checks: :func:`simulate_sS` / :func:`simulate_rQ` (vectorized Monte Carlo
  with confidence intervals);
- result: :class:`StockPlan` (``to_frame``, ``summary``, Parquet + JSON),
  built in one call from a catalogue by :func:`plan_stock` (the dispatcher
  the scenario stage calls);
  prices from core's :class:`~planner.core.cost.CostRates` via
  :func:`inventory_cost_parameters`.
"""

from planner.inventory._distributions import (
    compound_poisson_pmf as compound_poisson_pmf,
)
from planner.inventory._distributions import (
    newsvendor_cost_poisson as newsvendor_cost_poisson,
)
from planner.inventory._distributions import normal_lattice_pmf as normal_lattice_pmf
from planner.inventory._distributions import poisson_loss2 as poisson_loss2
from planner.inventory.base_stock import BaseStockPolicies as BaseStockPolicies
from planner.inventory.base_stock import evaluate_base_stock as evaluate_base_stock
from planner.inventory.base_stock import (
    evaluate_base_stock_compound as evaluate_base_stock_compound,
)
from planner.inventory.base_stock import optimize_base_stock as optimize_base_stock
from planner.inventory.base_stock import (
    optimize_base_stock_compound as optimize_base_stock_compound,
)
from planner.inventory.budget import BudgetAllocation as BudgetAllocation
from planner.inventory.budget import allocate_budget as allocate_budget
from planner.inventory.catalogue import plan_stock as plan_stock
from planner.inventory.cost_model import (
    inventory_cost_parameters as inventory_cost_parameters,
)
from planner.inventory.demand import abc_xyz as abc_xyz
from planner.inventory.demand import classify_demand as classify_demand
from planner.inventory.demand import croston as croston
from planner.inventory.demand import demand_matrix as demand_matrix
from planner.inventory.demand import estimate_rates as estimate_rates
from planner.inventory.demand import forecast_demand as forecast_demand
from planner.inventory.demand import rates_from_failures as rates_from_failures
from planner.inventory.demand import sba as sba
from planner.inventory.demand import service_targets as service_targets
from planner.inventory.demand import ses as ses
from planner.inventory.demand import tsb as tsb
from planner.inventory.montecarlo import SimulatedMetrics as SimulatedMetrics
from planner.inventory.montecarlo import simulate_rQ as simulate_rQ
from planner.inventory.montecarlo import simulate_sS as simulate_sS
from planner.inventory.periodic import evaluate_RS as evaluate_RS
from planner.inventory.periodic import evaluate_RsS as evaluate_RsS
from planner.inventory.periodic import optimize_RS as optimize_RS
from planner.inventory.periodic import optimize_RsS as optimize_RsS
from planner.inventory.plan import StockPlan as StockPlan
from planner.inventory.policy import PolicyMetrics as PolicyMetrics
from planner.inventory.rq import RQPolicies as RQPolicies
from planner.inventory.rq import evaluate_rQ as evaluate_rQ
from planner.inventory.rq import optimize_rQ as optimize_rQ
from planner.inventory.rq_normal import evaluate_rQ_normal as evaluate_rQ_normal
from planner.inventory.rq_normal import optimize_rQ_normal as optimize_rQ_normal
from planner.inventory.rq_service import optimize_rQ_service as optimize_rQ_service
from planner.inventory.rq_service import rq_cost_closed_form as rq_cost_closed_form
from planner.inventory.ss import SSPolicies as SSPolicies
from planner.inventory.ss import evaluate_sS as evaluate_sS
from planner.inventory.ss import optimize_sS as optimize_sS
from planner.inventory.ss import optimize_sS_discrete as optimize_sS_discrete
from planner.inventory.ss import power_approximation_sS as power_approximation_sS
from planner.inventory.ss_normal import evaluate_sS_normal as evaluate_sS_normal
from planner.inventory.ss_normal import optimize_sS_normal as optimize_sS_normal
from planner.inventory.ss_service import optimize_sS_service as optimize_sS_service
from planner.inventory.two_echelon import MetricEvaluation as MetricEvaluation
from planner.inventory.two_echelon import MetricPlan as MetricPlan
from planner.inventory.two_echelon import evaluate_metric as evaluate_metric
from planner.inventory.two_echelon import optimize_metric as optimize_metric
from planner.inventory.two_echelon import (
    simulate_two_echelon as simulate_two_echelon,
)

__all__ = [
    "BaseStockPolicies",
    "BudgetAllocation",
    "MetricEvaluation",
    "MetricPlan",
    "PolicyMetrics",
    "RQPolicies",
    "SSPolicies",
    "SimulatedMetrics",
    "StockPlan",
    "abc_xyz",
    "allocate_budget",
    "classify_demand",
    "compound_poisson_pmf",
    "croston",
    "demand_matrix",
    "estimate_rates",
    "evaluate_RS",
    "evaluate_RsS",
    "evaluate_base_stock",
    "evaluate_base_stock_compound",
    "evaluate_metric",
    "evaluate_rQ",
    "evaluate_rQ_normal",
    "evaluate_sS",
    "evaluate_sS_normal",
    "forecast_demand",
    "inventory_cost_parameters",
    "newsvendor_cost_poisson",
    "normal_lattice_pmf",
    "optimize_RS",
    "optimize_RsS",
    "optimize_base_stock",
    "optimize_base_stock_compound",
    "optimize_metric",
    "optimize_rQ",
    "optimize_rQ_normal",
    "optimize_rQ_service",
    "optimize_sS",
    "optimize_sS_discrete",
    "optimize_sS_normal",
    "optimize_sS_service",
    "plan_stock",
    "poisson_loss2",
    "power_approximation_sS",
    "rates_from_failures",
    "rq_cost_closed_form",
    "sba",
    "service_targets",
    "ses",
    "simulate_rQ",
    "simulate_sS",
    "simulate_two_echelon",
    "tsb",
]
