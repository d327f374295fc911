"""Replications: independent runs, common random numbers, confidence intervals.

Replication ``r`` of ``simulate(..., seed=s)`` uses the ``r``-th child of
``SeedSequence(s)``, which spawns one stream per purpose (arrivals, triage,
service, parts, follow-up, repair quality, diagnosis, repeat tickets). Two models simulated with the same seed therefore
see the same tickets (common random numbers), and the result of a replication
does not depend on how many run or on which process runs it: parallel runs
(``n_jobs > 1``) are bit-identical to serial ones. The same holds for
replications farmed out to any executor (``simulate(..., executor=...)``): a
``concurrent.futures`` executor, a Dask ``Client`` or the address of a Dask
scheduler; the model is sent to a Dask cluster once (scattered), and each
replication is one task.
"""

from __future__ import annotations

import contextlib
import logging
import math
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from planner.core.checks import check_positive_int
from planner.core.errors import InputError
from planner.core.progress import Heartbeat, ProgressCallback
from planner.core.result import SolverStats
from planner.core.rng import Seed, spawn_seeds
from planner.sim.arrivals import TicketStream, as_seed_sequence, generate_tickets
from planner.sim.engine import run_replication
from planner.sim.kpi import confidence_table
from planner.sim.measure import replication_kpis, technician_kpis, time_series
from planner.sim.model import DAY_MIN, SimModel
from planner.sim.nightly import NightlyRouting
from planner.sim.replog import RepLog
from planner.sim.result import SimResult

__all__ = [
    "Replication",
    "SimResult",
    "combine_replications",
    "compare_results",
    "replication_seed",
    "simulate",
    "simulate_replication",
    "ticket_log",
]

logger = logging.getLogger(__name__)


def ticket_log(model: SimModel, log: RepLog, rep: int = 0) -> dict[str, np.ndarray]:
    """The per-ticket event log of one replication as columns."""
    return {
        "rep": np.full(log.n_tickets, rep, dtype=np.int32),
        "ticket": log.ticket_ids().astype(str),
        "parent": np.asarray(log.parent, dtype=np.int64),
        "created_min": np.asarray(log.created_min),
        "point": np.asarray(log.point, dtype=np.int32),
        "category": np.asarray(log.category, dtype=np.int16),
        "fault": np.asarray(log.fault, dtype=np.int16),
        "urgency": np.asarray(log.urgency, dtype=np.int8),
        "remote": np.asarray(log.remote, dtype=bool),
        "needs_diagnosis": np.asarray(log.needs_diagnosis, dtype=bool),
        "outlet": np.asarray(log.outlet, dtype=np.int32),
        "partner": np.asarray(log.partner, dtype=bool),
        "first_visit_min": np.asarray(log.first_visit_min),
        "resolved_min": np.asarray(log.resolved_min),
        "cancelled_min": np.asarray(log.cancelled_min),
        "n_visits": np.asarray(log.n_visits, dtype=np.int16),
        "missing_parts": np.asarray(log.missing_parts, dtype=np.int16),
        "first_tech": np.asarray(log.first_tech, dtype=np.int32),
        "status": np.asarray(log.status, dtype=np.int8),
    }


@dataclass(frozen=True, slots=True, eq=False)
class Replication:
    """The outcome of one replication (see :func:`simulate_replication`).

    Attributes
    ----------
    rep
        Replication index.
    kpis
        ``rep, kpi, urgency, outlet, value, unit``.
    tech_kpis
        ``rep, kpi, tech, outlet, value, unit``.
    timeseries
        ``rep, time_min, created, backlog, utilization``.
    log
        Per-ticket log columns, or None.
    n_tickets
        Tickets created in the run.
    runtime_s
        Wall time of the replication.
    """

    rep: int
    kpis: pd.DataFrame
    tech_kpis: pd.DataFrame
    timeseries: pd.DataFrame
    log: dict[str, np.ndarray] | None
    n_tickets: int
    runtime_s: float


def replication_seed(
    seed: int | np.random.SeedSequence, rep: int
) -> np.random.SeedSequence:
    """The seed sequence of replication ``rep`` under root ``seed``.

    >>> replication_seed(0, 3).spawn_key
    (3,)
    """
    root = seed if isinstance(seed, np.random.SeedSequence) else int(seed)
    return spawn_seeds(root, rep + 1)[rep]


def simulate_replication(
    model: SimModel,
    *,
    horizon_days: float,
    warmup_days: float = 0.0,
    rep: int = 0,
    seed: int | np.random.SeedSequence = 0,
    tickets: TicketStream | None = None,
    keep_log: bool = False,
    dispatch: str = "greedy",
    routing: NightlyRouting | None = None,
) -> Replication:
    """Run replication ``rep`` of ``simulate(model, seed=seed, ...)`` alone.

    A pure function of its arguments, to be farmed out to any executor
    (processes, Dask); :func:`combine_replications` assembles the results
    into the same :class:`SimResult` as :func:`simulate`.
    """
    t0 = time.perf_counter()
    ss = replication_seed(seed, rep)
    stream = (
        tickets
        if tickets is not None
        else generate_tickets(model, horizon_days, seed=ss)
    )
    log = run_replication(
        model,
        stream,
        horizon_min=horizon_days * DAY_MIN,
        warmup_min=warmup_days * DAY_MIN,
        seed=ss,
        dispatch=dispatch,
        routing=routing,
    )
    k = replication_kpis(model, log)
    k.insert(0, "rep", rep)
    tk = technician_kpis(model, log)
    tk.insert(0, "rep", rep)
    ts = time_series(model, log)
    ts.insert(0, "rep", rep)
    lg = ticket_log(model, log, rep) if keep_log else None
    return Replication(rep, k, tk, ts, lg, log.n_tickets, time.perf_counter() - t0)


def _star(kw: dict[str, Any]) -> Replication:
    return simulate_replication(**kw)


def _run_rep(model: SimModel, kw: dict[str, Any]) -> Replication:
    """One replication as an executor task (the model travels separately)."""
    return simulate_replication(model, **kw)


def _is_dask(executor: Any) -> bool:
    """Whether ``executor`` is a Dask ``Client`` (has scatter and gather)."""
    return hasattr(executor, "scatter") and hasattr(executor, "gather")


@contextlib.contextmanager
def _executor(executor: Any, n_jobs: int) -> Iterator[Any]:
    """The executor replications go to: None (serial), a process pool for
    ``n_jobs > 1``, the caller's executor, or a Dask client connected to the
    scheduler address ``executor`` (closed afterwards)."""
    if executor is None:
        if n_jobs == 1:
            yield None
            return
        pool = ProcessPoolExecutor(max_workers=n_jobs)
        try:
            yield pool
        finally:
            pool.shutdown()
        return
    if n_jobs != 1:
        raise InputError(
            field="n_jobs",
            expected="1 when an executor is given (it decides the parallelism)",
            got=n_jobs,
        )
    if isinstance(executor, str):
        from dask.distributed import Client

        try:
            client = Client(executor, timeout="5s")
        except (OSError, TimeoutError, ValueError) as e:
            raise InputError(
                field="executor",
                expected="the address of a running Dask scheduler",
                got=executor,
                hint=f"no answer within 5 s: {e}",
            ) from None
        try:
            yield client
        finally:
            client.close()
        return
    if not callable(getattr(executor, "submit", None)):
        raise InputError(
            field="executor",
            expected="None, a concurrent.futures executor, a Dask Client or a "
            "scheduler address",
            got=type(executor).__name__,
        )
    yield executor


def simulate(
    model: SimModel,
    *,
    horizon_days: float,
    warmup_days: float = 0.0,
    n_reps: int = 10,
    seed: Seed = 0,
    dispatch: str = "greedy",
    routing: NightlyRouting | None = None,
    tickets: TicketStream | None = None,
    target_half_width: float | None = None,
    target_kpi: str = "response_time_mean_h",
    max_reps: int = 100,
    n_jobs: int = 1,
    executor: Any = None,
    keep_log: bool = False,
    progress: ProgressCallback | None = None,
) -> SimResult:
    """Simulate ``n_reps`` independent replications and summarize the KPIs.

    Parameters
    ----------
    model
        The network (:meth:`SimModel.from_core`).
    horizon_days, warmup_days
        Run length and the initial part whose tickets and time are left out
        of the KPIs (warm-up deletion).
    n_reps, seed
        Replications and the root seed: an int, a SeedSequence or a Generator
        (one draw from it seeds the run); replication ``r`` uses child ``r``.
    dispatch
        ``"greedy"``: earliest-available technician, tickets by urgency then
        age. ``"routing"``: a nightly batch planned per outlet by
        :func:`planner.routing.solve_dispatch`, followed in order, urgent
        tickets inserted the same day (see
        :func:`~planner.sim.engine.run_replication`); needs shifts.
    tickets
        A replayed ticket table (:func:`~planner.sim.read_tickets`) used by
        every replication instead of generated tickets.
    target_half_width, target_kpi, max_reps
        Keep adding replications (in rounds of ``n_reps``) until the 95 %
        half-width of ``target_kpi`` (overall) is at most ``target_half_width``
        or ``max_reps`` ran.
    n_jobs
        Worker processes (results identical to ``n_jobs=1``).
    executor
        Where the replications run instead: any ``concurrent.futures``-style
        executor (an object with ``submit`` returning futures with
        ``result()``), a ``dask.distributed.Client``, or the address of a Dask
        scheduler (``"tcp://host:8786"``; connected for this call and closed
        after). Each replication is one task; results are bit-identical to a
        serial run. With a Dask client the model is scattered to the workers
        once. ``n_jobs`` must then be 1.
    keep_log
        Keep the per-ticket log of every replication.
    progress
        Called with a :class:`~planner.core.progress.Progress` (``done`` of
        ``total`` replications) after each replication.
    routing
        Nightly routing parameters for ``dispatch="routing"``
        (:class:`~planner.sim.nightly.NightlyRouting`; default ones when None).

    Examples
    --------
    >>> from planner.core import *
    >>> cat = Catalog((ProductCategory("tv", 1.0, np.ones(12),
    ...                (FaultType("f", 1.0, "el", 30.0),)),), ())
    >>> d = DemandPoints.from_arrays(["p"], [0.0], [0.0],
    ...                              tickets_per_year=[[8760.0]], categories=["tv"])
    >>> o = Outlets.from_arrays(["o"], [0.0], [0.0])
    >>> t = [Technician("t", (0.0, 0.0), {"el"}, TimeWindow(0, 1440), outlet_id="o")]
    >>> m = SimModel.from_core(d, o, t, cat, [UrgencyClass("general", 4320, 1.0)],
    ...                        always_on=True, repair_dist="exponential")
    >>> r = simulate(m, horizon_days=20, n_reps=3, seed=1)
    >>> row = r.kpi("utilization_repair")
    >>> bool(0.35 < row["mean"] < 0.65), int(row["n_reps"])
    (True, 3)
    """
    if dispatch not in ("greedy", "routing"):
        raise InputError(
            field="dispatch", expected="'greedy' or 'routing'", got=dispatch
        )
    if dispatch == "routing" and model.service.always_on:
        raise InputError(
            field="dispatch",
            expected="'greedy' for an always-on (queue mode) model",
            got=dispatch,
        )
    if routing is not None and not isinstance(routing, NightlyRouting):
        raise InputError(
            field="routing", expected="a NightlyRouting", got=type(routing).__name__
        )
    routing = routing if routing is not None else NightlyRouting()
    if not (isinstance(horizon_days, int | float) and math.isfinite(horizon_days)) or (
        horizon_days <= 0
    ):
        raise InputError(field="horizon_days", expected="> 0", got=horizon_days)
    if not (isinstance(warmup_days, int | float) and 0 <= warmup_days < horizon_days):
        raise InputError(
            field="warmup_days",
            expected=f"in [0, horizon_days = {horizon_days:g})",
            got=warmup_days,
        )
    n_reps = check_positive_int(n_reps, "n_reps")
    n_jobs = check_positive_int(n_jobs, "n_jobs")
    max_reps = check_positive_int(max_reps, "max_reps")
    if target_half_width is not None and not target_half_width > 0:
        raise InputError(
            field="target_half_width", expected="> 0", got=target_half_width
        )
    root = as_seed_sequence(seed)
    seed_label: int | str = (
        int(root.entropy)
        if isinstance(root.entropy, int) and not root.spawn_key
        else f"{root.entropy}/{list(root.spawn_key)}"
    )
    beat = Heartbeat(logger, "sim", callback=progress, interval_s=0.0)
    t0 = time.perf_counter()
    results: list[Replication] = []
    planned = n_reps
    with _executor(executor, n_jobs) as ex:
        dask = ex is not None and _is_dask(ex)
        shared: Any = model
        if dask:  # send the model once, not with every replication
            shared = ex.scatter(model, broadcast=True, hash=False)
        while True:
            start = len(results)
            args = [
                {
                    "horizon_days": horizon_days,
                    "warmup_days": warmup_days,
                    "rep": rep,
                    "seed": root,
                    "tickets": tickets,
                    "keep_log": keep_log,
                    "dispatch": dispatch,
                    "routing": routing,
                }
                for rep in range(start, planned)
            ]
            it: Iterator[Replication]
            if ex is None:
                it = (_run_rep(model, kw) for kw in args)
            elif isinstance(ex, ProcessPoolExecutor):
                it = ex.map(_star, [{"model": model, **kw} for kw in args])
            else:
                futs = [
                    ex.submit(_run_rep, shared, kw, pure=False)
                    if dask
                    else ex.submit(_run_rep, shared, kw)
                    for kw in args
                ]
                it = (f.result() for f in futs)
            for r in it:
                results.append(r)
                beat(
                    f"replication {len(results)}: {r.n_tickets:,} tickets in "
                    f"{r.runtime_s:.2f} s",
                    done=len(results),
                    total=planned,
                    force=True,
                )
            if target_half_width is None or len(results) >= max_reps:
                break
            kp = confidence_table(  # the raw half-width decides
                pd.concat([r.kpis for r in results], ignore_index=True), clip=False
            )
            row = kp[
                (kp["kpi"] == target_kpi)
                & (kp["urgency"] == "all")
                & (kp["outlet"] == "all")
            ]
            if row.empty:
                raise InputError(
                    field="target_kpi", expected="an overall KPI", got=target_kpi
                )
            half = float((row["ci_high"] - row["ci_low"]).iloc[0] / 2)
            if np.isfinite(half) and half <= target_half_width:
                break
            planned = min(max_reps, planned + n_reps)
    return combine_replications(
        results,
        model=model,
        params={
            "horizon_days": float(horizon_days),
            "warmup_days": float(warmup_days),
            "n_reps": len(results),
            "seed": seed_label,
            "dispatch": dispatch,
            **({"routing": routing.to_dict()} if dispatch == "routing" else {}),
            "replay": tickets is not None,
            "target_half_width": target_half_width,
            "target_kpi": target_kpi,
        },
        wall_s=time.perf_counter() - t0,
        n_jobs=n_jobs,
    )


def _clip_shares(t: pd.DataFrame) -> pd.DataFrame:
    """Per-technician intervals: counts at least 0, shares within [0, 1]."""
    t = t.copy()
    t["ci_low"] = t["ci_low"].clip(lower=0.0)
    share = t["unit"] == "share"
    t.loc[share, "ci_high"] = t.loc[share, "ci_high"].clip(upper=1.0)
    return t


def compare_results(
    base: SimResult, other: SimResult, *, level: float = 0.95
) -> pd.DataFrame:
    """Paired differences ``other - base`` per KPI, with t confidence intervals.

    Replications are paired by index: with the same seed both scenarios saw
    the same tickets (common random numbers), so the interval of the
    difference is much narrower than the two intervals side by side. Only
    KPIs present in both, for replications run in both, are compared.
    Differences can be negative: their intervals are not clipped.

    Returns
    -------
    DataFrame
        ``kpi, urgency, outlet, mean, ci_low, ci_high, n_reps, unit``.
    """
    if base.params.get("seed") != other.params.get("seed"):
        raise InputError(
            field="seed",
            expected="results simulated with the same seed (paired replications)",
            got=f"{base.params.get('seed')} and {other.params.get('seed')}",
        )
    keys = ["rep", "kpi", "urgency", "outlet", "unit"]
    m = base.rep_kpis.merge(other.rep_kpis, on=keys, suffixes=("_a", "_b"))
    m["value"] = m["value_b"] - m["value_a"]
    return confidence_table(m[[*keys, "value"]], level=level, clip=False)


def combine_replications(
    results: list[Replication],
    *,
    model: SimModel,
    params: dict[str, Any],
    wall_s: float | None = None,
    n_jobs: int = 1,
) -> SimResult:
    """Assemble replications (in ``rep`` order) into a :class:`SimResult`."""
    if not results:
        raise InputError(field="results", expected="at least one replication", got=0)
    results = sorted(results, key=lambda r: r.rep)
    rep_kpis = pd.concat([r.kpis for r in results], ignore_index=True)
    tech = pd.concat([r.tech_kpis for r in results], ignore_index=True)
    ts = pd.concat([r.timeseries for r in results], ignore_index=True)
    log = None
    logs = [r.log for r in results if r.log is not None]
    if logs:
        log = {k: np.concatenate([lg[k] for lg in logs]) for k in logs[0]}
    n_tickets = int(sum(r.n_tickets for r in results))
    busy = float(sum(r.runtime_s for r in results))
    seed = params.get("seed")
    return SimResult(
        kpi_table=confidence_table(rep_kpis),
        rep_kpis=rep_kpis,
        timeseries=ts,
        log=log,
        params={**params, "n_reps": len(results)},
        stats=SolverStats(
            solver="planner.sim (SimPy)",
            runtime_s=wall_s if wall_s is not None else busy,
            n_iterations=len(results),
            seed=seed if isinstance(seed, int) else None,
            extra={
                "tickets": n_tickets,
                "tickets_per_s": n_tickets / busy if busy > 0 else float("nan"),
                "n_jobs": n_jobs,
            },
        ),
        model_summary=model.summary(),
        tech_table=_clip_shares(confidence_table(tech)),
    )
