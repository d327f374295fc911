"""Discrete-event simulation of the service network on SimPy.

Build a :class:`SimModel` from the core data model
(:meth:`SimModel.from_core`), then :func:`simulate` replications; the
:class:`SimResult` holds KPIs with 95 % confidence intervals (per urgency
class and per outlet), the per-ticket log and daily time series.
:func:`compare_results` gives paired differences between two scenarios run
with the same seed (common random numbers). Tickets are generated
(:func:`generate_tickets`) or replayed from a table (:func:`read_tickets`).
:func:`simulate_replication` and :func:`combine_replications` run and gather
single replications on any executor.
"""

from planner.sim.arrivals import TicketStream as TicketStream
from planner.sim.arrivals import generate_tickets as generate_tickets
from planner.sim.arrivals import read_tickets as read_tickets
from planner.sim.arrivals import tickets_frame as tickets_frame
from planner.sim.engine import BalanceError as BalanceError
from planner.sim.engine import RepLog as RepLog
from planner.sim.engine import run_replication as run_replication
from planner.sim.kpi import confidence_table as confidence_table
from planner.sim.kpi import replication_kpis as replication_kpis
from planner.sim.kpi import time_series as time_series
from planner.sim.model import SimModel as SimModel
from planner.sim.simulate import Replication as Replication
from planner.sim.simulate import SimResult as SimResult
from planner.sim.simulate import combine_replications as combine_replications
from planner.sim.simulate import compare_results as compare_results
from planner.sim.simulate import replication_seed as replication_seed
from planner.sim.simulate import simulate as simulate
from planner.sim.simulate import simulate_replication as simulate_replication

__all__ = [
    "BalanceError",
    "RepLog",
    "Replication",
    "SimModel",
    "SimResult",
    "TicketStream",
    "combine_replications",
    "compare_results",
    "confidence_table",
    "generate_tickets",
    "read_tickets",
    "replication_kpis",
    "replication_seed",
    "run_replication",
    "simulate",
    "simulate_replication",
    "tickets_frame",
    "time_series",
]
