"""Replications: independent runs, common random numbers, confidence intervals.

Replication ``r`` of ``simulate(..., seed=s)`` uses the ``r``-th child of
``SeedSequence(s)``, which spawns one stream per purpose (arrivals, triage,
service, parts, follow-up). Two models simulated with the same seed therefore
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
import json
import logging
import math
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from planner.core.atomic import atomic_dir, atomic_path
from planner.core.checks import check_positive_int
from planner.core.errors import InputError
from planner.core.result import SolverStats
from planner.core.rng import spawn_seeds
from planner.sim.arrivals import TicketStream, generate_tickets
from planner.sim.engine import RepLog, run_replication
from planner.sim.kpi import confidence_table, replication_kpis, time_series
from planner.sim.model import DAY_MIN, URGENCIES, SimModel

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
logger.addHandler(logging.NullHandler())

_KPI_COLUMNS = [
    "kpi",
    "urgency",
    "outlet",
    "mean",
    "ci_low",
    "ci_high",
    "n_reps",
    "unit",
]


def ticket_log(model: SimModel, log: RepLog, rep: int = 0) -> dict[str, np.ndarray]:
    """The per-ticket event log of one replication as columns."""
    s = log.stream
    n = len(s)
    ids = (
        np.asarray(s.ticket_id, dtype=object)
        if s.ticket_id is not None
        else np.arange(n, dtype=np.int64)
    )
    return {
        "rep": np.full(n, rep, dtype=np.int32),
        "ticket": ids,
        "created_min": np.asarray(s.created_min),
        "point": np.asarray(s.point, dtype=np.int32),
        "category": np.asarray(s.category, dtype=np.int16),
        "fault": np.asarray(s.fault, dtype=np.int16),
        "urgency": np.asarray(s.urgency, dtype=np.int8),
        "remote": np.asarray(s.remote, dtype=bool),
        "outlet": np.asarray(log.outlet, dtype=np.int32),
        "partner": np.asarray(log.partner, dtype=bool),
        "first_visit_min": np.asarray(log.first_visit_min),
        "resolved_min": np.asarray(log.resolved_min),
        "cancelled_min": np.asarray(log.cancelled_min),
        "n_visits": np.asarray(log.n_visits, dtype=np.int16),
        "missing_parts": np.asarray(log.missing_parts, dtype=np.int16),
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
    timeseries: pd.DataFrame
    log: dict[str, np.ndarray] | None
    n_tickets: int
    runtime_s: float


def replication_seed(seed: int, rep: int) -> np.random.SeedSequence:
    """The seed sequence of replication ``rep`` under root ``seed``.

    >>> replication_seed(0, 3).spawn_key
    (3,)
    """
    return spawn_seeds(int(seed), rep + 1)[rep]


def simulate_replication(
    model: SimModel,
    *,
    horizon_days: float,
    warmup_days: float = 0.0,
    rep: int = 0,
    seed: int = 0,
    tickets: TicketStream | None = None,
    keep_log: bool = False,
    dispatch: str = "greedy",
    routing_cap: int = 40,
    routing_iterations: int = 200,
    routing_min_batch: int = 4,
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
        routing_cap=routing_cap,
        routing_iterations=routing_iterations,
        routing_min_batch=routing_min_batch,
    )
    k = replication_kpis(model, log)
    k.insert(0, "rep", rep)
    ts = time_series(model, log)
    ts.insert(0, "rep", rep)
    lg = ticket_log(model, log, rep) if keep_log else None
    return Replication(rep, k, ts, lg, log.n_tickets, time.perf_counter() - t0)


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


@dataclass(frozen=True, slots=True, eq=False)
class SimResult:
    """What :func:`simulate` returns.

    Attributes
    ----------
    kpis
        ``kpi, urgency, outlet, mean, ci_low, ci_high, n_reps, unit``: 95 %
        t intervals over the replications, clipped to the KPI's range (no
        negative lower end, no share above 1; see :mod:`planner.sim.kpi`).
    rep_kpis
        ``rep, kpi, urgency, outlet, value, unit``: one value per replication.
    timeseries
        ``rep, time_min, created, backlog, utilization`` per day.
    log
        Per-ticket event log as columns (all replications, ``rep`` column),
        or None when ``keep_log`` was False.
    params
        Horizon, warm-up, seed, replications and the model summary.
    stats
        Runtime and throughput.
    """

    kpis: pd.DataFrame
    rep_kpis: pd.DataFrame
    timeseries: pd.DataFrame
    log: dict[str, np.ndarray] | None
    params: dict[str, Any]
    stats: SolverStats
    model_summary: str = ""

    def __post_init__(self) -> None:
        missing = set(_KPI_COLUMNS) - set(self.kpis.columns)
        if missing:
            raise InputError(
                field="kpis", expected=f"columns {_KPI_COLUMNS}", got=sorted(missing)
            )
        if self.log is not None:
            lens = {len(v) for v in self.log.values()}
            if len(lens) > 1:
                raise InputError(field="log", expected="equally long columns", got=lens)

    @property
    def n_reps(self) -> int:
        """Replications run."""
        return int(self.params["n_reps"])

    def kpi(self, name: str, *, urgency: str = "all", outlet: str = "all") -> pd.Series:
        """The row of one KPI (mean, ci_low, ci_high, n_reps, unit)."""
        k = self.kpis
        row = k[
            (k["kpi"] == name) & (k["urgency"] == urgency) & (k["outlet"] == outlet)
        ]
        if row.empty:
            raise InputError(
                field="kpi",
                expected=f"one of {sorted(k['kpi'].unique())}",
                got=f"{name} ({urgency}, {outlet})",
            )
        return row.iloc[0]

    def to_frame(self) -> pd.DataFrame:
        """The KPI table."""
        return self.kpis.copy()

    def log_frame(self) -> pd.DataFrame:
        """The per-ticket log as a DataFrame (empty if not kept)."""
        return pd.DataFrame(self.log if self.log is not None else {})

    def summary(self) -> str:
        """The headline KPIs overall and per urgency class."""
        k = self.kpis
        lines = [
            f"SimResult: {self.n_reps} replications x {self.params['horizon_days']:g} "
            f"days (warm-up {self.params['warmup_days']:g}), seed {self.params['seed']}, "
            f"{self.stats.extra.get('tickets_per_s', float('nan')):,.0f} tickets/s",
        ]
        show = [
            "tickets_created",
            "tickets_open",
            "response_time_mean_h",
            "response_time_p90_h",
            "sla_attainment",
            "first_time_fix_rate",
            "utilization_repair",
            "parts_fill_rate",
            "cost_per_ticket",
        ]
        for u in ["all", *(x.value for x in URGENCIES)]:
            for name in show:
                row = k[
                    (k["kpi"] == name) & (k["urgency"] == u) & (k["outlet"] == "all")
                ]
                if row.empty:
                    continue
                r = row.iloc[0]
                lines.append(
                    f"  {u:>9} {name:<22} {r['mean']:>12.4g} "
                    f"[{r['ci_low']:.4g}, {r['ci_high']:.4g}] {r['unit']}"
                )
        note = self.backlog_note()
        if note:
            lines.append(f"  {note}")
        return "\n".join(lines)

    def backlog_note(self) -> str:
        """A warning when the backlog grew in most replications, else ``""``.

        See ``backlog_growing`` in :mod:`planner.sim.kpi`: the network is then
        overloaded and its waiting-time KPIs grow with the horizon.
        """
        k = self.kpis
        sel = (k["urgency"] == "all") & (k["outlet"] == "all")
        v = k[sel].set_index("kpi")["mean"]
        if "backlog_growing" not in v or not v["backlog_growing"] > 0.5:
            return ""
        return (
            f"backlog grows in {v['backlog_growing']:.0%} of the replications: "
            f"{v['backlog_start']:,.0f} open tickets at the warm-up end, "
            f"{v['backlog_end']:,.0f} at the horizon "
            f"(+{v['backlog_growth_per_day']:,.1f} a day); the network is "
            "overloaded and waiting times depend on the horizon"
        )

    def __str__(self) -> str:
        return self.summary()

    def write_log(self, path: str | Path) -> Path:
        """Write the per-ticket log to one Parquet file (atomically).

        Raises
        ------
        InputError
            When the log was not kept (``simulate(..., keep_log=True)``).
        """
        if self.log is None:
            raise InputError(
                field="log",
                expected="a kept log (simulate(..., keep_log=True))",
                got=None,
            )
        import pyarrow as pa
        import pyarrow.parquet as pq

        cols = dict(self.log)
        if cols["ticket"].dtype == object:
            cols["ticket"] = cols["ticket"].astype(str)
        table = pa.table({k: pa.array(v) for k, v in cols.items()})
        with atomic_path(path) as tmp:
            pq.write_table(table, tmp)
        return Path(path)

    def save(self, path: str | Path) -> Path:
        """Write a folder: ``kpis``, ``rep_kpis``, ``timeseries``, ``log``
        Parquet files and ``result.json`` (atomic: all or nothing)."""
        target = Path(path)
        with atomic_dir(target) as tmp:
            self.kpis.to_parquet(tmp / "kpis.parquet", index=False)
            self.rep_kpis.to_parquet(tmp / "rep_kpis.parquet", index=False)
            self.timeseries.to_parquet(tmp / "timeseries.parquet", index=False)
            if self.log is not None:
                log = dict(self.log)
                if log["ticket"].dtype == object:
                    log["ticket"] = log["ticket"].astype(str)
                pd.DataFrame(log).to_parquet(tmp / "log.parquet", index=False)
            meta = {
                "params": self.params,
                "stats": self.stats.to_dict(),
                "model_summary": self.model_summary,
            }
            (tmp / "result.json").write_text(json.dumps(meta, indent=2, default=str))
        return target

    @classmethod
    def load(cls, path: str | Path) -> SimResult:
        """Read a folder written by :meth:`save`."""
        p = Path(path)
        if not (p / "result.json").is_file():
            raise InputError(
                source=str(p), expected="a saved SimResult folder", got=str(p)
            )
        meta = json.loads((p / "result.json").read_text())
        log = None
        if (p / "log.parquet").is_file():
            df = pd.read_parquet(p / "log.parquet")
            log = {c: df[c].to_numpy() for c in df.columns}
        return cls(
            kpis=pd.read_parquet(p / "kpis.parquet"),
            rep_kpis=pd.read_parquet(p / "rep_kpis.parquet"),
            timeseries=pd.read_parquet(p / "timeseries.parquet"),
            log=log,
            params=meta["params"],
            stats=SolverStats.from_dict(meta["stats"], source=str(p)),
            model_summary=meta.get("model_summary", ""),
        )


def simulate(
    model: SimModel,
    *,
    horizon_days: float,
    warmup_days: float = 0.0,
    n_reps: int = 10,
    seed: int = 0,
    dispatch: str = "greedy",
    tickets: TicketStream | None = None,
    target_half_width: float | None = None,
    target_kpi: str = "response_time_mean_h",
    max_reps: int = 100,
    n_jobs: int = 1,
    executor: Any = None,
    keep_log: bool = False,
    progress: Callable[[int, int], None] | None = None,
    routing_cap: int = 40,
    routing_iterations: int = 200,
    routing_min_batch: int = 4,
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
        Replications and the root seed (replication ``r`` uses child ``r``).
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
        Called with ``(done, planned)`` after each replication.
    routing_cap, routing_iterations, routing_min_batch
        For ``dispatch="routing"``: tickets planned per outlet and night, the
        solver's iteration limit (deterministic; one iteration per ticket up
        to it), and the smallest batch worth planning (smaller ones are left
        to the greedy rule; see :func:`~planner.sim.engine.run_replication`).

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
    if dispatch == "routing" and model.always_on:
        raise InputError(
            field="dispatch",
            expected="'greedy' for an always-on (queue mode) model",
            got=dispatch,
        )
    routing_cap = check_positive_int(routing_cap, "routing_cap")
    routing_iterations = check_positive_int(routing_iterations, "routing_iterations")
    routing_min_batch = check_positive_int(routing_min_batch, "routing_min_batch")
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
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise InputError(field="seed", expected="an integer >= 0", got=seed)
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
                    "seed": int(seed),
                    "tickets": tickets,
                    "keep_log": keep_log,
                    "dispatch": dispatch,
                    "routing_cap": routing_cap,
                    "routing_iterations": routing_iterations,
                    "routing_min_batch": routing_min_batch,
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
                if progress is not None:
                    progress(len(results), planned)
                logger.info(
                    "replication %d/%d: %d tickets in %.2f s",
                    len(results),
                    planned,
                    r.n_tickets,
                    r.runtime_s,
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
            "seed": int(seed),
            "dispatch": dispatch,
            **(
                {
                    "routing_cap": routing_cap,
                    "routing_iterations": routing_iterations,
                    "routing_min_batch": routing_min_batch,
                }
                if dispatch == "routing"
                else {}
            ),
            "replay": tickets is not None,
            "target_half_width": target_half_width,
            "target_kpi": target_kpi,
        },
        wall_s=time.perf_counter() - t0,
        n_jobs=n_jobs,
    )


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
    ts = pd.concat([r.timeseries for r in results], ignore_index=True)
    log = None
    logs = [r.log for r in results if r.log is not None]
    if logs:
        log = {k: np.concatenate([lg[k] for lg in logs]) for k in logs[0]}
    n_tickets = int(sum(r.n_tickets for r in results))
    busy = float(sum(r.runtime_s for r in results))
    seed = params.get("seed")
    return SimResult(
        kpis=confidence_table(rep_kpis),
        rep_kpis=rep_kpis,
        timeseries=ts,
        log=log,
        params={**params, "n_reps": len(results)},
        stats=SolverStats(
            solver="planner.sim (SimPy)",
            runtime_s=wall_s if wall_s is not None else busy,
            n_iterations=len(results),
            seed=None if seed is None else int(seed),
            extra={
                "tickets": n_tickets,
                "tickets_per_s": n_tickets / busy if busy > 0 else float("nan"),
                "n_jobs": n_jobs,
            },
        ),
        model_summary=model.summary(),
    )
