"""Who is on duty when: the check that a network's shifts can meet its targets.

A target can only be met if someone who takes the class's tickets is on duty
soon enough: :func:`duty_gaps` finds, per outlet and urgency class, the
longest stretch of the class's clock (every hour on the calendar clock, the
opening hours on the business clock) with no technician on duty, minute by
minute over a week. A stretch longer than the target means tickets arriving
at its start miss it whatever the staffing level (the design loop reports
these before simulating).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from planner.sim.model import URGENCIES, SimModel

__all__ = ["duty_gaps", "on_duty"]

_WEEK = 7 * 1440
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def on_duty(model: SimModel, outlet: int, *, urgent: bool) -> np.ndarray:
    """``(10080,)`` bool, Monday 00:00 first: someone of ``outlet`` is on shift.

    On-call technicians count for urgent tickets only (``urgent=True``).
    """
    crew = model.crew
    out = np.zeros(_WEEK, dtype=bool)
    if model.service.always_on:
        out[:] = (crew.outlet == outlet).any()
        return out
    for k in np.flatnonzero(crew.outlet == outlet):
        if crew.urgent_only[k] and not urgent:
            continue
        a, b = int(crew.shift_start[k]), int(crew.shift_end[k])
        for d in np.flatnonzero(crew.workdays[k]):
            out[d * 1440 + a : d * 1440 + b] = True
    return out


def _longest_gap(clock: np.ndarray, duty: np.ndarray) -> tuple[int, int]:
    """Longest run (minutes, start) of clock minutes without duty, wrapping the week.

    Minutes off the clock (outside opening hours) neither count nor end a run.
    """
    if not clock.any():
        return 0, -1
    if duty[clock].all():
        return 0, -1
    if not duty[clock].any():
        return int(clock.sum()), 0
    idx = np.flatnonzero(clock)
    bad = ~duty[idx]
    # rotate so the clock sequence starts just after an on-duty minute: then
    # no run wraps around the end of the week
    first_ok = int(np.argmax(~bad))
    seq = np.roll(bad, -first_ok - 1).astype(np.int8)
    pos = np.roll(idx, -first_ok - 1)
    edge = np.diff(np.concatenate([[0], seq, [0]]))
    starts, ends = np.flatnonzero(edge == 1), np.flatnonzero(edge == -1)
    i = int(np.argmax(ends - starts))
    return int(ends[i] - starts[i]), int(pos[starts[i]])


def duty_gaps(model: SimModel) -> pd.DataFrame:
    """Per own outlet with technicians and urgency class: the longest off-duty stretch.

    Columns ``outlet, urgency, clock, target_h, longest_gap_h, gap_starts,
    meets`` (``longest_gap_h <= target_h``); clock hours are counted on the
    class's clock.

    >>> from planner.core import *
    >>> cat = Catalog((ProductCategory("tv", 1.0, np.ones(12),
    ...                (FaultType("f", 1.0, "el", 60.0),)),), ())
    >>> d = DemandPoints.from_arrays(["p"], [0.0], [0.0],
    ...                              tickets_per_year=[[100.0]], categories=["tv"])
    >>> o = Outlets.from_arrays(["o"], [0.0], [0.0])
    >>> t = [Technician("t", (0.0, 0.0), {"el"}, TimeWindow(480, 1020), outlet_id="o")]
    >>> m = SimModel.from_core(d, o, t, cat, [UrgencyClass("urgent", 240, 1.0)])
    >>> g = duty_gaps(m)
    >>> g.loc[g.urgency == "urgent", ["longest_gap_h", "gap_starts", "meets"]].values.tolist()
    [[15.0, 'Mon 17:00', False]]
    """
    sv = model.service
    minute = np.zeros(_WEEK, dtype=bool)
    for d, w in enumerate(sv.service_hours.windows):
        if w is not None:
            minute[d * 1440 + int(w.start_min) : d * 1440 + int(w.end_min)] = True
    rows = []
    staffed = np.unique(model.crew.outlet)
    for o in staffed:
        for i, u in enumerate(URGENCIES):
            if sv.urgency_share[i] <= 0:
                continue
            clock = minute if sv.urgency_business[i] else np.ones(_WEEK, dtype=bool)
            gap, start = _longest_gap(clock, on_duty(model, int(o), urgent=i == 0))
            target_h = float(sv.urgency_target_min[i]) / 60.0
            at = (
                f"{_DAYS[start // 1440]} {start % 1440 // 60:02d}:{start % 60:02d}"
                if start >= 0
                else ""
            )
            rows.append(
                (
                    str(model.outlet_ids[o]),
                    u.value,
                    "business" if sv.urgency_business[i] else "calendar",
                    target_h,
                    gap / 60.0,
                    at,
                    gap / 60.0 <= target_h,
                )
            )
    return pd.DataFrame(
        rows,
        columns=[
            "outlet",
            "urgency",
            "clock",
            "target_h",
            "longest_gap_h",
            "gap_starts",
            "meets",
        ],
    )
