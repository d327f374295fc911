"""What :func:`~planner.sim.simulate` returns, on the shared result protocol."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from planner.core.atomic import atomic_path
from planner.core.cost import CostBreakdown, CostCategory
from planner.core.errors import InputError
from planner.core.result import (
    SolverStats,
    SolveStatus,
    kpi_frame,
    read_result,
    write_result,
)
from planner.core.urgency import Urgency
from planner.sim.kpi import KPIS

__all__ = ["SimResult"]

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
_VERSION = 1


@dataclass(frozen=True, slots=True, eq=False)
class SimResult:
    """KPIs of simulated replications, with 95 % confidence intervals.

    Attributes
    ----------
    kpi_table
        ``kpi, urgency, outlet, mean, ci_low, ci_high, n_reps, unit``: every
        KPI of :data:`planner.sim.kpi.KPIS` overall, per urgency class, per
        outlet and per outlet x class; t intervals over the replications,
        clipped to the KPI's bounds. :meth:`kpis` picks the headline rows.
    rep_kpis
        ``rep, kpi, urgency, outlet, value, unit``: one value per replication.
    timeseries
        ``rep, time_min, created, backlog, utilization`` per day.
    log
        Per-ticket event log as columns (all replications, ``rep`` column),
        or None when ``keep_log`` was False.
    params
        Horizon, warm-up, seed, replications, dispatch rule.
    stats
        Runtime and throughput.
    model_summary
        The simulated model in one paragraph.
    tech_table
        Per technician: ``kpi, tech, outlet, mean, ci_low, ci_high, n_reps,
        unit`` (visits, first-time fix, repeat visits, failed repairs,
        complaints, satisfaction).
    """

    kpi_table: pd.DataFrame
    rep_kpis: pd.DataFrame
    timeseries: pd.DataFrame
    log: dict[str, np.ndarray] | None
    params: dict[str, Any]
    stats: SolverStats
    model_summary: str = ""
    tech_table: pd.DataFrame | None = None

    def __post_init__(self) -> None:
        missing = set(_KPI_COLUMNS) - set(self.kpi_table.columns)
        if missing:
            raise InputError(
                field="kpi_table",
                expected=f"columns {_KPI_COLUMNS}",
                got=sorted(missing),
            )
        if self.log is not None:
            lens = {len(v) for v in self.log.values()}
            if len(lens) > 1:
                raise InputError(field="log", expected="equally long columns", got=lens)

    # ------------------------------------------------------------ protocol
    @property
    def status(self) -> SolveStatus:
        """``FEASIBLE``: a simulation estimates, it proves nothing optimal."""
        return SolveStatus.FEASIBLE

    @property
    def n_reps(self) -> int:
        """Replications run."""
        return int(self.params["n_reps"])

    @property
    def window_days(self) -> float:
        """Days measured: horizon minus warm-up."""
        return float(self.params["horizon_days"]) - float(self.params["warmup_days"])

    def kpi(self, name: str, *, urgency: str = "all", outlet: str = "all") -> pd.Series:
        """The row of one KPI (mean, ci_low, ci_high, n_reps, unit)."""
        k = self.kpi_table
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

    def by_outlet(self, name: str, *, urgency: str = "all") -> pd.DataFrame:
        """One KPI per outlet (and class): ``mean, ci_low, ci_high, n_reps``
        indexed by outlet id (``"uncovered"``: addresses no outlet serves)."""
        if name not in KPIS:
            raise InputError(field="kpi", expected=f"one of {sorted(KPIS)}", got=name)
        k = self.kpi_table
        sel = (k["kpi"] == name) & (k["urgency"] == urgency) & (k["outlet"] != "all")
        return k[sel].set_index("outlet")[["mean", "ci_low", "ci_high", "n_reps"]]

    def kpis(self) -> pd.DataFrame:
        """Headline rows ``sim_<kpi>`` (overall) and ``sim_<kpi>_<urgency>``.

        Every registered KPI overall; those marked ``per_class`` in
        :data:`~planner.sim.kpi.KPIS` also per urgency class; KPIs undefined
        in every replication (no ticket to measure) are left out.
        """
        k = self.kpi_table[self.kpi_table["outlet"] == "all"].set_index(
            ["kpi", "urgency"]
        )
        rows: list[tuple[str, float, float, float, int, str]] = []
        for name, spec in KPIS.items():
            for u in (
                ("all", *(x.value for x in Urgency)) if spec.per_class else ("all",)
            ):
                if (name, u) not in k.index:
                    continue
                r: Any = k.loc[(name, u)]
                if int(r["n_reps"]) == 0:
                    continue  # undefined in every replication
                rows.append(
                    (
                        name if u == "all" else f"{name}_{u}",
                        float(r["mean"]),
                        float(r["ci_low"]),
                        float(r["ci_high"]),
                        int(r["n_reps"]),
                        str(r["unit"]),
                    )
                )
        return kpi_frame(rows, prefix="sim_")

    def to_frame(self) -> pd.DataFrame:
        """The full KPI table (see ``kpi_table``)."""
        return self.kpi_table.copy()

    def cost_breakdown(self) -> CostBreakdown:
        """Mean cost by category over the measured window (``period_days``).

        Per replication, each category's cost per ticket times its tickets
        created, then the mean over replications.
        """
        rk = self.rep_kpis
        sel = (rk["urgency"] == "all") & (rk["outlet"] == "all")
        wide = rk[sel].pivot_table(index="rep", columns="kpi", values="value")
        n = wide.get("tickets_created", 0.0)
        amounts = {
            c.value: float((wide[f"cost_{c.value}"] * n).mean())
            for c in CostCategory
            if f"cost_{c.value}" in wide
        }
        return CostBreakdown(amounts, period_days=self.window_days)

    def log_frame(self) -> pd.DataFrame:
        """The per-ticket log as a DataFrame (empty if not kept)."""
        return pd.DataFrame(self.log if self.log is not None else {})

    def notes(self) -> list[str]:
        """What a reader of the KPIs must know: overload, demand beyond reach."""
        out = [n for n in (self.backlog_note(), self.reach_note()) if n]
        return out

    def summary(self) -> str:
        """The headline KPIs overall and per urgency class."""
        k = self.kpi_table
        lines = [
            f"SimResult: {self.n_reps} replications x {self.params['horizon_days']:g} "
            f"days (warm-up {self.params['warmup_days']:g}), seed {self.params['seed']}, "
            f"{self.stats.extra.get('tickets_per_s', float('nan')):,.0f} tickets/s",
        ]
        show = [s.name for s in KPIS.values() if s.headline]
        base = k[k["outlet"] == "all"].set_index(["urgency", "kpi"])
        for u in ["all", "urgent", "important", "general"]:
            for name in show:
                if u != "all" and not KPIS[name].per_class:
                    continue
                if (u, name) not in base.index:
                    continue
                r: Any = base.loc[(u, name)]
                lines.append(
                    f"  {u:>9} {name:<22} {r['mean']:>12.4g} "
                    f"[{r['ci_low']:.4g}, {r['ci_high']:.4g}] {r['unit']}"
                )
        lines += [f"  {n}" for n in self.notes()]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()

    def _overall(self) -> pd.Series:
        k = self.kpi_table
        sel = (k["urgency"] == "all") & (k["outlet"] == "all")
        return k[sel].set_index("kpi")["mean"]

    def backlog_note(self) -> str:
        """A warning when the backlog grew in most replications, else ``""``."""
        v = self._overall()
        if "backlog_growing" not in v or not v["backlog_growing"] > 0.5:
            return ""
        return (
            f"backlog grows in {v['backlog_growing']:.0%} of the replications: "
            f"{v['backlog_start']:,.0f} open tickets at the warm-up end, "
            f"{v['backlog_end']:,.0f} at the horizon "
            f"(+{v['backlog_growth_per_day']:,.1f} a day); the network is "
            "overloaded and waiting times depend on the horizon"
        )

    def reach_note(self) -> str:
        """A note when tickets came from beyond every outlet's reach, else ``""``."""
        v = self._overall()
        far = float(v.get("tickets_beyond_reach", 0.0))
        if not far > 0:
            return ""
        share = far / max(float(v.get("tickets_created", 1.0)), 1.0)
        return (
            f"{far:,.0f} tickets a replication ({share:.1%}) come from addresses "
            "beyond every outlet's reach and went to partners at their fee"
        )

    # ------------------------------------------------------------------ IO
    def write_log(self, path: str | os.PathLike[str]) -> Path:
        """Write the per-ticket log to one Parquet file (atomically)."""
        if self.log is None:
            raise InputError(
                field="log",
                expected="a kept log (simulate(..., keep_log=True))",
                got=None,
            )
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.table({k: pa.array(v) for k, v in self.log.items()})
        with atomic_path(path) as tmp:
            pq.write_table(table, tmp)
        return Path(path)

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write a new result folder (``planner.SimResult``, version 1)."""
        frames = {
            "kpi_table": self.kpi_table,
            "rep_kpis": self.rep_kpis,
            "timeseries": self.timeseries,
        }
        if self.tech_table is not None:
            frames["tech_table"] = self.tech_table
        if self.log is not None:
            frames["log"] = pd.DataFrame(self.log)
        return write_result(
            path,
            kind="SimResult",
            version=_VERSION,
            meta={
                "params": self.params,
                "stats": self.stats.to_dict(),
                "model_summary": self.model_summary,
            },
            frames=frames,
        )

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> SimResult:
        """Read a folder written by :meth:`save` (``InputError`` naming the path)."""
        meta, frames = read_result(path, kind="SimResult", versions=(_VERSION,))
        need = {"kpi_table", "rep_kpis", "timeseries"} - set(frames)
        if need or "params" not in meta or "stats" not in meta:
            raise InputError(
                source=str(path),
                expected="kpi_table, rep_kpis, timeseries, params and stats",
                got=f"missing {sorted(need) or 'params/stats'}",
            )
        log = None
        if "log" in frames:
            log = {c: frames["log"][c].to_numpy() for c in frames["log"].columns}
        return cls(
            kpi_table=frames["kpi_table"],
            rep_kpis=frames["rep_kpis"],
            timeseries=frames["timeseries"],
            log=log,
            params=dict(meta["params"]),
            stats=SolverStats.from_dict(meta["stats"], source=str(path)),
            model_summary=str(meta.get("model_summary", "")),
            tech_table=frames.get("tech_table"),
        )
