"""The result of workforce sizing: :class:`StaffingPlan`."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Self

import numpy as np
import pandas as pd

from planner.core.checks import readonly
from planner.core.cost import CostBreakdown, CostCategory
from planner.core.errors import InputError
from planner.core.result import (
    SolverStats,
    SolveStatus,
    kpi_frame,
    read_result,
    reading_saved,
    write_result,
)
from planner.staffing.problem import StaffingProblem
from planner.staffing.shifts import DAY_NAMES, HOURS_PER_WEEK, WEEKS_PER_YEAR, Shift

__all__ = ["StaffingPlan"]

_KIND = "StaffingPlan"
_TECH_COLUMNS = [
    "tech_idx",
    "outlet_idx",
    "outlet_id",
    "shift",
    "start_min",
    "end_min",
    "weekdays",
    "skills",
    "urgent_only",
    "break_start_min",
    "break_min",
]
_VERSION = 1
_SRC = "StaffingPlan"


def _arr(x: Any, dtype: Any, name: str, shape: tuple[int, ...]) -> np.ndarray:
    a = np.array(x, dtype=dtype, copy=True)
    if a.shape != shape:
        raise InputError(
            source=_SRC, field=name, expected=f"shape {shape}", got=f"shape {a.shape}"
        )
    return readonly(a)


@dataclass(frozen=True, slots=True, eq=False)
class StaffingPlan:
    """Technicians per outlet and shift, and what they are predicted to achieve.

    Attributes
    ----------
    outlet_ids, class_names, shifts
        Row, class and shift labels (classes in priority order).
    technicians
        ``(n_outlets, n_shifts)`` technicians working each shift pattern.
    partner
        ``(n_outlets,)`` outlets whose tickets all go to a partner.
    partner_classes
        ``(n_outlets, n_classes)``: the classes whose tickets go to a partner
        (all of a ``partner`` outlet; only urgent where that was cheaper).
    requirement
        ``(n_outlets, 168)`` technicians the sizing asked to be on duty
        (after its corrections).
    sla
        ``(n_outlets, n_classes)`` predicted share within target (nan at
        partner outlets).
    target_share
        ``(n_outlets, n_classes)`` shares sized for.
    tickets_per_week
        ``(n_outlets, n_classes)``.
    utilization
        ``(n_outlets,)`` visit work over on-duty hours.
    labour_per_year, overtime_per_year, outsourcing_per_year
        ``(n_outlets,)`` money per year.
    skill_names, tech_skills
        Skills and, per technician (in :meth:`technicians_frame` order), the
        skills held (``(n_technicians, n_skills)``; empty without skills).
    status, stats
        Protocol fields; ``FEASIBLE`` when a target is predicted missed.
    notes
        What the sizing could not do (missed targets, binding cap).
    """

    outlet_ids: tuple[str, ...]
    class_names: tuple[str, ...]
    shifts: tuple[Shift, ...]
    technicians: np.ndarray
    partner: np.ndarray
    requirement: np.ndarray
    sla: np.ndarray
    target_share: np.ndarray
    tickets_per_week: np.ndarray
    utilization: np.ndarray
    labour_per_year: np.ndarray
    overtime_per_year: np.ndarray
    outsourcing_per_year: np.ndarray
    status: SolveStatus
    stats: SolverStats
    skill_names: tuple[str, ...] = ()
    tech_skills: np.ndarray = None  # type: ignore[assignment]  # filled in
    partner_classes: np.ndarray = None  # type: ignore[assignment]  # filled in
    notes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        n, k, m = len(self.outlet_ids), len(self.class_names), len(self.shifts)
        set_(self, "outlet_ids", tuple(str(i) for i in self.outlet_ids))
        set_(self, "class_names", tuple(str(c) for c in self.class_names))
        set_(self, "shifts", tuple(self.shifts))
        set_(self, "status", SolveStatus(self.status))
        t = _arr(self.technicians, np.int64, "technicians", (n, m))
        if (t < 0).any():
            raise InputError(
                source=_SRC, field="technicians", expected=">= 0", got=int(t.min())
            )
        set_(self, "technicians", t)
        set_(self, "partner", _arr(self.partner, bool, "partner", (n,)))
        pc = self.partner_classes
        pc = np.repeat(self.partner[:, None], k, 1) if pc is None else pc
        pc = _arr(pc, bool, "partner_classes", (n, k))
        if (self.partner & ~pc.all(1)).any():
            raise InputError(
                source=_SRC,
                field="partner_classes",
                expected="every class of a partner outlet",
                got="a partner outlet with own classes",
            )
        set_(self, "partner_classes", pc)
        set_(
            self,
            "requirement",
            _arr(self.requirement, np.int64, "requirement", (n, HOURS_PER_WEEK)),
        )
        for name in ("sla", "target_share", "tickets_per_week"):
            set_(self, name, _arr(getattr(self, name), np.float64, name, (n, k)))
        for name in (
            "utilization",
            "labour_per_year",
            "overtime_per_year",
            "outsourcing_per_year",
        ):
            set_(self, name, _arr(getattr(self, name), np.float64, name, (n,)))
        nt = int(t.sum())
        ts = (
            np.zeros((nt, len(self.skill_names)), bool)
            if self.tech_skills is None
            else self.tech_skills
        )
        set_(
            self,
            "tech_skills",
            _arr(ts, bool, "tech_skills", (nt, len(self.skill_names))),
        )
        set_(self, "skill_names", tuple(self.skill_names))
        set_(self, "notes", tuple(self.notes))

    @classmethod
    def from_sizing(
        cls,
        problem: StaffingProblem,
        *,
        technicians: np.ndarray,
        skill_holders: np.ndarray | None,
        partner: np.ndarray,
        partner_classes: np.ndarray,
        requirement: np.ndarray,
        sla: np.ndarray,
        target_share: np.ndarray,
        utilization: np.ndarray,
        labour_per_year: np.ndarray,
        overtime_per_year: np.ndarray,
        outsourcing_per_year: np.ndarray,
        status: SolveStatus,
        stats: SolverStats,
        notes: tuple[str, ...],
    ) -> StaffingPlan:
        """Assemble the plan from the sizing's arrays (skills dealt round-robin)."""
        ts = np.zeros((int(technicians.sum()), 0), bool)
        if skill_holders is not None:
            rows: list[np.ndarray] = []
            n_sk = len(problem.skill_names)
            for o in range(problem.n_outlets):
                for j in range(problem.n_shifts):
                    cnt = int(technicians[o, j])
                    if not cnt:
                        continue
                    held = np.zeros((cnt, n_sk), bool)
                    deal = np.repeat(
                        np.arange(n_sk), skill_holders[o, :, j].clip(0, cnt)
                    )
                    held[np.arange(deal.size) % cnt, deal] = True
                    rows.append(held)
            ts = np.concatenate(rows) if rows else np.zeros((0, n_sk), bool)
        return cls(
            outlet_ids=problem.outlet_ids,
            class_names=tuple(c.name for c in problem.classes),
            shifts=problem.shifts,
            technicians=technicians,
            partner=partner,
            partner_classes=partner_classes,
            requirement=requirement,
            sla=sla,
            target_share=target_share,
            tickets_per_week=problem.tickets_per_week(),
            utilization=utilization,
            labour_per_year=labour_per_year,
            overtime_per_year=overtime_per_year,
            outsourcing_per_year=outsourcing_per_year,
            status=status,
            stats=stats,
            skill_names=problem.skill_names if skill_holders is not None else (),
            tech_skills=ts,
            notes=notes,
        )

    # ---- figures ---------------------------------------------------------
    @property
    def n_outlets(self) -> int:
        """Number of outlets."""
        return len(self.outlet_ids)

    @property
    def n_technicians(self) -> int:
        """Technicians in total."""
        return int(self.technicians.sum())

    @property
    def headcount(self) -> np.ndarray:
        """Technicians per outlet."""
        return np.asarray(self.technicians.sum(1))

    def available(self) -> np.ndarray:
        """``(n_outlets, 168)`` technicians available per hour (on duty, less breaks)."""
        cap = np.stack([s.availability() for s in self.shifts], axis=1)
        return np.asarray(self.technicians @ cap.T)

    def on_duty(self) -> np.ndarray:
        """``(n_outlets, 168)`` technicians on duty per hour of the week."""
        cov = np.stack([s.on_duty() for s in self.shifts], axis=1).astype(np.int64)
        return np.asarray(self.technicians @ cov.T)

    def sla_by_class(self) -> np.ndarray:
        """Predicted share within target per class over own outlets (ticket-weighted)."""
        own = ~self.partner_classes & (self.tickets_per_week > 0)
        w = np.where(own, self.tickets_per_week, 0.0)
        tot = w.sum(0)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(tot > 0, (np.nan_to_num(self.sla) * w).sum(0) / tot, np.nan)

    @property
    def partner_tickets_per_year(self) -> float:
        """Tickets handed to partners per year."""
        return float(
            (self.tickets_per_week * self.partner_classes).sum() * WEEKS_PER_YEAR
        )

    @property
    def total_cost_per_year(self) -> float:
        """Labour, overtime and outsourcing per year."""
        return self.cost_breakdown().total

    # ---- protocol --------------------------------------------------------
    def cost_breakdown(self) -> CostBreakdown:
        """Annual labour, overtime and outsourcing (``period_days=365``)."""
        return CostBreakdown(
            {
                CostCategory.LABOUR: float(self.labour_per_year.sum()),
                CostCategory.OVERTIME: float(self.overtime_per_year.sum()),
                CostCategory.OUTSOURCING: float(self.outsourcing_per_year.sum()),
            },
            period_days=365.0,
        )

    def kpis(self) -> pd.DataFrame:
        """Headline figures (deterministic predictions, ``n_reps == 1``)."""
        tickets_y = float(self.tickets_per_week.sum() * WEEKS_PER_YEAR)
        own = ~self.partner
        work = self.utilization[own]
        rows: list[tuple[str, float, str]] = [
            ("technicians", float(self.n_technicians), "technicians"),
            ("outlets_staffed", float((self.headcount > 0).sum()), "outlets"),
            ("partner_outlets", float(self.partner.sum()), "outlets"),
            (
                "partner_urgent_outlets",
                float((self.partner_classes[:, 0] & ~self.partner).sum()),
                "outlets",
            ),
            ("partner_tickets_per_year", self.partner_tickets_per_year, "tickets/year"),
            ("utilization", float(work.mean()) if work.size else 0.0, "share"),
        ]
        for name, v in zip(self.class_names, self.sla_by_class(), strict=True):
            rows.append((f"sla_{name}", float(v), "share"))
        cb = self.cost_breakdown()
        rows += [
            ("labour_per_year", cb["labour"], "money/year"),
            ("overtime_per_year", cb["overtime"], "money/year"),
            ("outsourcing_per_year", cb["outsourcing"], "money/year"),
            ("cost_per_year", cb.total, "money/year"),
            (
                "cost_per_ticket",
                cb.total / tickets_y if tickets_y else 0.0,
                "money/ticket",
            ),
        ]
        return kpi_frame(rows, prefix="staffing_")

    def to_frame(self) -> pd.DataFrame:
        """One row per outlet and shift: technicians, start/end minutes, weekdays."""
        n, m = self.technicians.shape
        o = np.repeat(np.arange(n), m)
        j = np.tile(np.arange(m), n)
        return pd.DataFrame(
            {
                "outlet_idx": o,
                "outlet_id": [self.outlet_ids[i] for i in o],
                "shift": [self.shifts[i].name for i in j],
                "start_min": [int(self.shifts[i].start_min) for i in j],
                "end_min": [int(self.shifts[i].end_min) for i in j],
                "weekdays": [
                    ",".join(DAY_NAMES[d] for d in self.shifts[i].weekdays) for i in j
                ],
                "cost_factor": [self.shifts[i].cost_factor for i in j],
                "urgent_only": [self.shifts[i].urgent_only for i in j],
                "technicians": self.technicians.ravel(),
                "partner": self.partner[o],
            }
        )

    def _tech_rows(self) -> list[tuple[Any, ...]]:
        rows: list[tuple[Any, ...]] = []
        t = 0
        for o in range(self.n_outlets):
            for j, s in enumerate(self.shifts):
                for _ in range(int(self.technicians[o, j])):
                    sk = tuple(
                        self.skill_names[i] for i in np.flatnonzero(self.tech_skills[t])
                    )
                    days = tuple(int(d) for d in s.weekdays)
                    start, end = int(s.start_min), int(s.end_min)
                    oid = self.outlet_ids[o]
                    b0 = -1 if s.break_start_min is None else int(s.break_start_min)
                    bm = float(s.break_min)
                    uo = s.urgent_only
                    rows.append((t, o, oid, s.name, start, end, days, sk, uo, b0, bm))
                    t += 1
        return rows

    def technicians_frame(self) -> pd.DataFrame:
        """One row per technician: outlet, shift start/end minutes, weekdays, skills,
        whether on call for urgent tickets only, and the break (window start in
        minutes after midnight, -1 without one; minutes).

        What the simulator needs to create technicians: ``weekdays`` are the
        days the shift starts (0 = Monday); ``end_min`` may pass 1440.
        """
        return pd.DataFrame(self._tech_rows(), columns=_TECH_COLUMNS)

    def duty_segments(self) -> pd.DataFrame:
        """One row per technician and piece of their shift inside one day.

        Columns as :meth:`technicians_frame`, with ``start_min`` and
        ``end_min`` within ``[0, 1440]``: a shift passing midnight gives two
        pieces, ``start..1440`` on its start days and ``0..end - 1440`` on the
        following days. For a simulator whose shifts stay inside a day: one
        simulated technician per piece covers the same hours (``tech_idx``
        still names the person).
        """
        rows: list[tuple[Any, ...]] = []
        for r in self._tech_rows():
            t, o, oid, name, start, end, days, sk, uo, b0, bm = r
            if end <= 1440:
                rows.append(r)
                continue
            nxt = tuple(sorted((d + 1) % 7 for d in days))
            late = b0 >= 1440  # the break goes with the piece its window starts in
            b_first, bm_first = (-1, 0.0) if late or b0 < 0 else (b0, bm)
            b_next, bm_next = (b0 - 1440, bm) if late else (-1, 0.0)
            rows.append((t, o, oid, name, start, 1440, days, sk, uo, b_first, bm_first))
            rows.append((t, o, oid, name, 0, end - 1440, nxt, sk, uo, b_next, bm_next))
        return pd.DataFrame(rows, columns=_TECH_COLUMNS)

    def outlets_frame(self) -> pd.DataFrame:
        """One row per outlet: headcount, partner, utilization, predicted SLA, costs."""
        df = pd.DataFrame(
            {
                "outlet_id": list(self.outlet_ids),
                "technicians": self.headcount,
                "partner": self.partner,
                "utilization": self.utilization,
                "labour_per_year": self.labour_per_year,
                "overtime_per_year": self.overtime_per_year,
                "outsourcing_per_year": self.outsourcing_per_year,
            }
        )
        for i, c in enumerate(self.class_names):
            df[f"tickets_per_week_{c}"] = self.tickets_per_week[:, i]
            df[f"sla_{c}"] = self.sla[:, i]
            df[f"target_{c}"] = self.target_share[:, i]
            df[f"partner_{c}"] = self.partner_classes[:, i]
        return df

    def summary(self) -> str:
        """A few lines: technicians, partner outlets, SLA per class, annual cost."""
        cb = self.cost_breakdown()
        sla = ", ".join(
            f"{c} {v:.1%}"
            for c, v in zip(self.class_names, self.sla_by_class(), strict=True)
        )
        lines = [
            f"StaffingPlan ({self.status.value}): {self.n_technicians} technicians at "
            f"{int((self.headcount > 0).sum())} of {self.n_outlets} outlets, "
            f"{int(self.partner.sum())} to partners"
            + (
                f", {int(split)} hand urgent tickets to them"
                if (split := (self.partner_classes[:, 0] & ~self.partner).sum())
                else ""
            ),
            f"  predicted within target: {sla}",
            f"  cost per year: labour {cb['labour']:,.0f}, overtime {cb['overtime']:,.0f}, "
            f"outsourcing {cb['outsourcing']:,.0f} (total {cb.total:,.0f})",
            f"  sized in {self.stats.runtime_s:.2f} s ({self.stats.n_iterations} rounds)",
        ]
        lines += [f"  note: {n}" for n in self.notes]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()

    # ---- save / load -----------------------------------------------------
    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write a new result folder (``result.json`` and Parquet tables)."""
        n = self.n_outlets
        meta = {
            "outlet_ids": list(self.outlet_ids),
            "class_names": list(self.class_names),
            "shifts": [
                [
                    s.name,
                    int(s.start_min),
                    int(s.end_min),
                    list(s.weekdays),
                    s.cost_factor,
                    s.urgent_only,
                    s.break_min,
                    s.break_start_min,
                ]
                for s in self.shifts
            ],
            "skill_names": list(self.skill_names),
            "status": self.status.value,
            "stats": self.stats.to_dict(),
            "notes": list(self.notes),
        }
        outlets = pd.DataFrame(
            {
                "partner": self.partner,
                "utilization": self.utilization,
                "labour_per_year": self.labour_per_year,
                "overtime_per_year": self.overtime_per_year,
                "outsourcing_per_year": self.outsourcing_per_year,
            }
        )
        frames = {
            "outlets": outlets,
            "technicians": pd.DataFrame(
                self.technicians, columns=[f"s{j}" for j in range(len(self.shifts))]
            ),
            "requirement": pd.DataFrame(
                self.requirement, columns=[f"h{h}" for h in range(HOURS_PER_WEEK)]
            ),
            "classes": pd.DataFrame(
                np.concatenate(
                    [
                        self.sla,
                        self.target_share,
                        self.tickets_per_week,
                        self.partner_classes.astype(np.float64),
                    ],
                    1,
                ).reshape(n, -1),
                columns=[
                    f"{w}{i}"
                    for w in ("sla", "target", "tickets", "partner")
                    for i in range(len(self.class_names))
                ],
            ),
            "tech_skills": pd.DataFrame(
                self.tech_skills, columns=list(self.skill_names) or None
            ),
        }
        return write_result(
            path, kind=_KIND, version=_VERSION, meta=meta, frames=frames
        )

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Self:
        """Read a folder written by :meth:`save`; InputError naming the path if bad."""
        meta, fr = read_result(path, kind=_KIND, versions=(_VERSION,))
        with reading_saved(path, _KIND):
            k = len(meta["class_names"])
            cl = fr["classes"].to_numpy(dtype=np.float64)
            o = fr["outlets"]
            return cls(
                outlet_ids=tuple(meta["outlet_ids"]),
                class_names=tuple(meta["class_names"]),
                shifts=tuple(
                    Shift(
                        s[0],
                        s[1],
                        s[2],
                        tuple(s[3]),
                        s[4],
                        *(s[5:6] or [False]),
                        *(s[6:7] or [0.0]),
                        *(s[7:8] or [None]),
                    )
                    for s in meta["shifts"]
                ),
                technicians=fr["technicians"].to_numpy(dtype=np.int64),
                partner=o["partner"].to_numpy(dtype=bool),
                requirement=fr["requirement"].to_numpy(dtype=np.int64),
                sla=cl[:, :k],
                target_share=cl[:, k : 2 * k],
                tickets_per_week=cl[:, 2 * k : 3 * k],
                partner_classes=(
                    cl[:, 3 * k :] > 0.5
                    if cl.shape[1] > 3 * k
                    else np.repeat(o["partner"].to_numpy(dtype=bool)[:, None], k, 1)
                ),
                utilization=o["utilization"].to_numpy(),
                labour_per_year=o["labour_per_year"].to_numpy(),
                overtime_per_year=o["overtime_per_year"].to_numpy(),
                outsourcing_per_year=o["outsourcing_per_year"].to_numpy(),
                status=SolveStatus(meta["status"]),
                stats=SolverStats.from_dict(meta["stats"], source=str(path)),
                skill_names=tuple(meta.get("skill_names", ())),
                tech_skills=(
                    fr["tech_skills"].to_numpy(dtype=bool)
                    if meta.get("skill_names")
                    else np.zeros((int(fr["technicians"].to_numpy().sum()), 0), bool)
                ),  # a table without columns keeps no rows in Parquet
                notes=tuple(meta.get("notes", ())),
            )
