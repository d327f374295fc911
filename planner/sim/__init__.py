"""Discrete-event simulation of the service network on SimPy.

Build a :class:`SimModel` from the core data model
(:meth:`SimModel.from_core`), then :func:`simulate` replications; the
:class:`SimResult` holds KPIs with 95 % confidence intervals (per urgency
class, per outlet and per technician), the per-ticket log and daily time
series, on the shared result protocol (``kpis()`` gives the ``sim_`` rows).
Every KPI is registered in :data:`KPIS` (name, unit, bounds, definition).
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
from planner.sim.duty import duty_gaps as duty_gaps
from planner.sim.engine import run_replication as run_replication
from planner.sim.kpi import KPIS as KPIS
from planner.sim.kpi import Kpi as Kpi
from planner.sim.kpi import confidence_table as confidence_table
from planner.sim.kpi import kpi_markdown as kpi_markdown
from planner.sim.measure import check_little as check_little
from planner.sim.measure import replication_kpis as replication_kpis
from planner.sim.measure import technician_kpis as technician_kpis
from planner.sim.measure import ticket_outcomes as ticket_outcomes
from planner.sim.measure import time_series as time_series
from planner.sim.model import SimModel as SimModel
from planner.sim.nightly import NightlyRouting as NightlyRouting
from planner.sim.replog import BalanceError as BalanceError
from planner.sim.replog import RepLog as RepLog
from planner.sim.result import SimResult as SimResult
from planner.sim.simulate import Replication as Replication
from planner.sim.simulate import combine_replications as combine_replications
from planner.sim.simulate import compare_results as compare_results
from planner.sim.simulate import replication_seed as replication_seed
from planner.sim.simulate import simulate as simulate
from planner.sim.simulate import simulate_replication as simulate_replication

__all__ = [
    "KPIS",
    "BalanceError",
    "Kpi",
    "NightlyRouting",
    "RepLog",
    "Replication",
    "SimModel",
    "SimResult",
    "TicketStream",
    "check_little",
    "combine_replications",
    "compare_results",
    "confidence_table",
    "duty_gaps",
    "generate_tickets",
    "kpi_markdown",
    "read_tickets",
    "replication_kpis",
    "replication_seed",
    "run_replication",
    "simulate",
    "simulate_replication",
    "technician_kpis",
    "ticket_outcomes",
    "tickets_frame",
    "time_series",
]
