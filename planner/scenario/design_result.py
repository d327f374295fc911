"""DesignResult: the network, crew and stock the design loop recommends.

It holds the chosen siting, staffing and stock plans, the final simulation
(and the simulation of today's network on the same tickets, when run), the
iterations of the loop, the cost-vs-SLA frontier of the candidate networks,
the predicted-vs-simulated SLA per class and the outlets that still fail.
Saved as a result folder whose children are the plans it is made of.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Self

import numpy as np
import pandas as pd

from planner.core.cost import CostBreakdown
from planner.core.errors import InputError
from planner.core.result import (
    Result,
    SolverStats,
    SolveStatus,
    kpi_frame,
    read_result,
    write_result,
)
from planner.inventory import StockPlan
from planner.sim import SimResult
from planner.siting import SitingPlan
from planner.staffing import StaffingPlan

__all__ = ["DesignResult"]

_VERSION = 1
_FRAMES = ("iterations", "frontier", "failing", "predicted", "outlets")


@dataclass(frozen=True, slots=True, eq=False)
class DesignResult:
    """What :func:`~planner.scenario.design.run_design` recommends, and why.

    Attributes
    ----------
    siting, staffing, stock
        The recommended network, crew and stock.
    simulation
        Its simulation (common random numbers with every iteration).
    baseline
        Today's network (existing outlets, ``[workforce]`` crew) simulated on
        the same tickets, or None.
    iterations
        One row per loop iteration: action, technicians, annual cost,
        simulated SLA per class with its interval, backlog.
    frontier
        One row per candidate network: outlets, technicians, annual cost by
        category, predicted SLA per class (simulated where simulated).
    failing
        Outlets whose simulated SLA misses a class's target, with a reason.
    predicted
        Per class: predicted SLA, simulated SLA and interval, target, and the
        reason where they differ beyond the interval.
    outlets
        One row per outlet of the recommendation: new/kept, technicians per
        shift, tickets, predicted and simulated SLA per class.
    holds
        Whether the recommendation meets every target with 95 % confidence
        and no replication's backlog grows.
    notes
        What a reader must know (limits reached, approximations).
    currency
        The scenario's currency.
    """

    siting: SitingPlan
    staffing: StaffingPlan
    stock: StockPlan
    simulation: SimResult
    iterations: pd.DataFrame
    frontier: pd.DataFrame
    failing: pd.DataFrame
    predicted: pd.DataFrame
    outlets: pd.DataFrame
    holds: bool
    status: SolveStatus
    stats: SolverStats
    baseline: SimResult | None = None
    notes: tuple[str, ...] = ()
    currency: str = ""
    targets: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "status", SolveStatus(self.status))
        object.__setattr__(self, "notes", tuple(str(n) for n in self.notes))
        for name in _FRAMES:
            if not isinstance(getattr(self, name), pd.DataFrame):
                raise InputError(
                    source="DesignResult", field=name, expected="a DataFrame"
                )

    # ------------------------------------------------------------ figures
    @property
    def n_technicians(self) -> int:
        """Technicians recommended."""
        return self.staffing.n_technicians

    def cost_breakdown(self) -> CostBreakdown:
        """Annual cost by category, from the simulation (penalties apart)."""
        return self.simulation.cost_breakdown().per_year()

    def outlet_changes(self) -> dict[str, int]:
        """Outlets kept (existing and open), new, closed (existing not open)."""
        f = self.outlets
        kept = int((f["existing"] & f["open"]).sum()) if len(f) else 0
        new = int((~f["existing"] & f["open"]).sum()) if len(f) else 0
        closed = int(np.setdiff1d(self.siting.existing_idx, self.siting.open_idx).size)
        return {"kept": kept, "new": new, "closed": closed}

    def kpis(self) -> pd.DataFrame:
        """Headline figures with ``design_`` names."""
        ch = self.outlet_changes()
        cost = self.cost_breakdown()
        cur = self.currency or "money"
        rows: list[Any] = [
            ("holds", float(self.holds), "flag"),
            ("iterations", float(len(self.iterations)), "iterations"),
            ("outlets", float(self.siting.p), "outlets"),
            ("outlets_new", float(ch["new"]), "outlets"),
            ("outlets_kept", float(ch["kept"]), "outlets"),
            ("outlets_closed", float(ch["closed"]), "outlets"),
            ("technicians", float(self.n_technicians), "technicians"),
            ("cost_per_year", cost.total_excluding_penalties, f"{cur}/year"),
        ]
        for r in self.predicted.to_dict("records"):
            u = r["urgency"]
            rows.append(
                (
                    f"sla_{u}",
                    r["simulated"],
                    r["ci_low"],
                    r["ci_high"],
                    int(r["n_reps"]),
                    "share",
                )
            )
            rows.append((f"predicted_sla_{u}", r["predicted"], "share"))
        if self.baseline is not None:
            rows.append(
                (
                    "baseline_cost_per_year",
                    self.baseline.cost_breakdown().per_year().total_excluding_penalties,
                    f"{cur}/year",
                )
            )
        return kpi_frame(rows, prefix="design_")

    def to_frame(self) -> pd.DataFrame:
        """One row per recommended outlet (see :attr:`outlets`)."""
        return self.outlets.copy()

    def summary(self) -> str:
        """The recommendation in a few lines."""
        ch = self.outlet_changes()
        cost = self.cost_breakdown()
        cur = f" {self.currency}" if self.currency else ""
        verdict = "holds" if self.holds else "does NOT hold yet"
        lines = [
            f"DesignResult ({self.status.value}, {len(self.iterations)} iterations, "
            f"{self.stats.runtime_s:.0f} s): the design {verdict}",
            f"  outlets      : {self.siting.p} ({ch['new']} new, {ch['kept']} kept, "
            f"{ch['closed']} closed)",
            f"  technicians  : {self.n_technicians:,} "
            + "("
            + ", ".join(
                f"{s.name} {int(self.staffing.technicians[:, j].sum()):,}"
                for j, s in enumerate(self.staffing.shifts)
                if self.staffing.technicians[:, j].sum()
            )
            + ")",
            f"  annual cost  : {cost.total_excluding_penalties:,.0f}{cur} "
            "(simulated, penalties apart)",
        ]
        for r in self.predicted.itertuples(index=False):
            lines.append(
                f"  SLA {r.urgency:<9}: {r.simulated:.3f} [{r.ci_low:.3f}, "
                f"{r.ci_high:.3f}] vs target {r.target:.2f}; predicted "
                f"{r.predicted:.3f}"
                + (f" ({r.reason})" if isinstance(r.reason, str) and r.reason else "")
            )
        if self.baseline is not None:
            b = self.baseline.cost_breakdown().per_year().total_excluding_penalties
            lines.append(f"  today        : {b:,.0f}{cur} a year (same tickets)")
        lines += [f"  note: {n}" for n in self.notes]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()

    # ---------------------------------------------------------- save/load
    def save(self, path: str | os.PathLike[str], *, children: bool = True) -> Path:
        """Write a result folder; with ``children`` the plans go in sub-folders."""
        kids: dict[str, Result] = {}
        if children:
            kids = {
                "siting": self.siting,
                "staffing": self.staffing,
                "stock": self.stock,
                "simulation": self.simulation,
            }
            if self.baseline is not None:
                kids["baseline"] = self.baseline
        return write_result(
            path,
            kind="DesignResult",
            version=_VERSION,
            meta={
                "holds": self.holds,
                "status": self.status.value,
                "stats": self.stats.to_dict(),
                "notes": list(self.notes),
                "currency": self.currency,
                "targets": self.targets,
            },
            frames={name: getattr(self, name) for name in _FRAMES},
            children=kids,
        )

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Self:
        """Read a folder written by :meth:`save` with its children."""
        meta, frames = read_result(path, kind="DesignResult", versions=(_VERSION,))
        p = Path(path)
        missing = [
            n
            for n in ("siting", "staffing", "stock", "simulation")
            if not (p / n).is_dir()
        ]
        if missing or any(n not in frames for n in _FRAMES):
            raise InputError(
                source=str(p),
                expected="a design folder with its plans (saved with children)",
                got=f"missing {', '.join(missing) or 'tables'}",
            )
        base = SimResult.load(p / "baseline") if (p / "baseline").is_dir() else None
        return cls(
            siting=SitingPlan.load(p / "siting"),
            staffing=StaffingPlan.load(p / "staffing"),
            stock=StockPlan.load(p / "stock"),
            simulation=SimResult.load(p / "simulation"),
            baseline=base,
            holds=bool(meta["holds"]),
            status=SolveStatus(meta["status"]),
            stats=SolverStats.from_dict(meta["stats"], source=str(p)),
            notes=tuple(meta.get("notes", ())),
            currency=str(meta.get("currency", "")),
            targets={k: float(v) for k, v in (meta.get("targets") or {}).items()},
            **{name: frames[name] for name in _FRAMES},
        )


_ = math
