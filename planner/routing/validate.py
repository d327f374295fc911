"""Independent check of a dispatch plan against its problem.

This module shares no code with the solvers (an import-linter contract keeps
it away from ``planner.routing.solver``, OR-Tools, PyVRP and VROOM). It reads
the raw arrays of the problem and the plan and recomputes everything itself:

* every job is on at most one route, and either routed or unassigned exactly once;
* along each route, from the reported departure: arrival = previous end (or
  break end) + travel from the duration matrix (with speed factors: the
  free-flow minutes driven hour by hour at each hour's factor); start = the opening of the
  first window that closes at or after arrival (waiting if early); end =
  start + service; the return home; all compared with the reported times;
* shift start, overtime limit, maximum working minutes, the lunch break (inside
  its window, of its duration, overlapping no service: taken at a stop or on
  the way it delays the arrival; taken at the next stop while waiting for its
  window it does not), skills, van stock of parts, load, pinned jobs
  and fixed route prefixes;
* travel, distance, idle, work and overtime per technician, the objective and
  the cost breakdown;
* the reason given for every unassigned job (``skill``, ``load``, ``window``,
  ``parts``, ``pinned``, ``capacity``), re-derived from the van sizes and
  stocks and from a one-job route per technician.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from planner.core.errors import PlannerError

__all__ = ["PlanViolationError", "Violation", "check_plan", "validate_plan"]

TOL = 1e-6


@dataclass(frozen=True, slots=True)
class Violation:
    """One broken rule: its kind, where (technician / job id) and the numbers."""

    kind: str
    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.kind} at {self.where}: {self.message}"


class PlanViolationError(PlannerError):
    """A plan broke the rules; ``violations`` lists them all."""

    def __init__(self, violations: list[Violation]) -> None:
        self.violations = violations
        head = "; ".join(str(v) for v in violations[:3])
        more = f" (+{len(violations) - 3} more)" if len(violations) > 3 else ""
        super().__init__(f"{len(violations)} violation(s): {head}{more}")


def _close(a: float, b: float, tol: float = TOL) -> bool:
    if math.isinf(a) or math.isinf(b):
        return a == b
    return abs(a - b) <= tol * max(1.0, abs(a), abs(b))


def _start_in_window(
    arrive: float, early: np.ndarray, late: np.ndarray
) -> float | None:
    """Earliest service start >= arrive inside one of the windows (None if none)."""
    best: float | None = None
    for e, lt in zip(early.tolist(), late.tolist(), strict=True):
        if arrive <= lt + TOL:
            s = max(arrive, e)
            if best is None or s < best:
                best = s
    return best


def _factors(p: Any) -> list[float] | None:
    """The problem's 24 hourly speed factors, or None for static travel."""
    sp = getattr(p, "speed_factors", None)
    if sp is None:
        return None
    f = [float(x) for x in np.asarray(sp.factors).tolist()]
    return None if all(x == 1.0 for x in f) else f


def _drive(f: list[float] | None, tau: float, t: float) -> float:
    """Arrival of ``tau`` free-flow minutes leaving at ``t``: walk the clock hour by hour.

    In hour ``h`` the vehicle covers ``f[h]`` free-flow minutes per minute.
    """
    if f is None:
        return t + tau
    if tau <= 0 or not math.isfinite(t):
        return t
    bw = 1440.0 / len(f)
    left = tau
    while True:
        k = math.floor(t / bw)
        rate = f[k % len(f)]
        edge = (k + 1) * bw
        if (edge - t) * rate >= left:
            return max(t + left / rate, t)
        left -= (edge - t) * rate
        t = edge


def _covered(f: list[float], t0: float, t1: float) -> float:
    """Free-flow minutes covered driving from ``t0`` to ``t1`` (hour by hour)."""
    bw = 1440.0 / len(f)
    done, t = 0.0, t0
    while t < t1:
        k = math.floor(t / bw)
        edge = min((k + 1) * bw, t1)
        done += (edge - t) * f[k % len(f)]
        t = edge
    return done


def _leg(
    f: list[float] | None, cur: float, tau: float, bs: float | None, brk: float
) -> tuple[float, float]:
    """(arrival, minutes driven) of a leg from ``cur``; the break at ``bs`` if given.

    A break starting before the arrival stops the vehicle (at the previous
    stop or on the way) and delays the arrival by its duration; one starting
    at or after the arrival is taken at the next stop.
    """
    plain = _drive(f, tau, cur)
    if bs is None or bs >= plain:
        return plain, (tau if f is None else plain - cur)
    if f is None:
        return cur + tau + brk, tau
    b0 = max(bs, cur)
    rest = max(tau - _covered(f, cur, b0), 0.0)
    arr = max(_drive(f, rest, b0 + brk), b0 + brk)
    return arr, arr - cur - brk


def _solo_ok(p: Any, j: int, t: int, *, with_parts: bool) -> bool:
    """Can technician ``t`` serve job ``j`` alone in the day (break and parts included)?"""
    if (np.asarray(p.job_skills)[j] & ~np.asarray(p.tech_skills)[t]).any():
        return False
    if with_parts and (np.asarray(p.job_parts)[j] > np.asarray(p.tech_stock)[t]).any():
        return False
    if p.job_load[j] > p.tech_capacity[t] + TOL:
        return False
    d = np.asarray(p.duration_min)
    a, b = int(p.tw_ptr[j]), int(p.tw_ptr[j + 1])
    e, lt = np.asarray(p.tw_early_min)[a:b], np.asarray(p.tw_late_min)[a:b]
    s0, dep = int(p.tech_start_loc[t]), float(p.shift_start_min[t])
    lj, en = int(p.job_loc[j]), int(p.tech_end_loc[t])
    brk = float(p.break_min[t])
    limit = float(p.shift_end_min[t]) + float(p.max_overtime_min[t])
    f = _factors(p)
    # try the break before the job (from the start, on the way or waiting
    # there), then after it (before or on the way home)
    options = [None] if brk <= 0 else [0, 1]
    be, bl = float(p.break_early_min[t]), float(p.break_late_min[t])
    for pos in options:
        ready = _drive(f, float(d[s0, lj]), dep)
        if pos == 0:
            bs = max(dep, be)
            if bs > bl + TOL:
                continue
            ready = max(_leg(f, dep, float(d[s0, lj]), bs, brk)[0], bs + brk)
        st = _start_in_window(ready, e, lt)
        if st is None:
            continue
        cur = st + float(p.service_min[j])
        ret = _drive(f, float(d[lj, en]), cur)
        if pos == 1:
            bs = max(cur, be)
            if bs > bl + TOL:
                continue
            ret = max(_leg(f, cur, float(d[lj, en]), bs, brk)[0], bs + brk)
        if ret <= limit + TOL and ret - dep - brk <= float(p.max_work_min[t]) + TOL:
            return True
    return False


def _break_leg(
    cur: float,
    tau: float,
    bs: float,
    lo: float,
    hi: float,
    brk: float,
    w: str,
    out: list[Violation],
    f: list[float] | None = None,
) -> tuple[float, float, float]:
    """A leg of ``tau`` minutes from ``cur`` with the reported break starting at ``bs``.

    The break lies in its window, after the previous service (or the
    departure) and before the next one. Taken before reaching the next stop
    (at the previous one or on the way), it delays the arrival by its
    duration; taken at the next stop (``bs`` at or after the arrival), the
    technician arrives first and the stop is ready when the break ends.
    Returns (arrival, ready, minutes driven).
    """
    if not (bs >= cur - TOL and bs >= lo - TOL and bs <= hi + TOL):
        out.append(
            Violation(
                "break",
                w,
                f"break at {bs:g} must be in [{lo:g}, {hi:g}] and after {cur:g}",
            )
        )
    bs = max(bs, cur)
    arrive, drive = _leg(f, cur, tau, bs, brk)
    return arrive, max(arrive, bs + brk), drive


def validate_plan(problem: Any, plan: Any) -> list[Violation]:
    """Every rule the plan breaks (an empty list for a valid plan).

    ``problem`` is a :class:`~planner.routing.problem.DispatchProblem` and
    ``plan`` a :class:`~planner.routing.plan.DispatchPlan`; only their arrays
    are read.

    >>> from planner.routing.plan import DispatchPlan
    >>> from planner.routing.problem import DispatchProblem
    >>> import numpy as np
    >>> d = np.array([[0.0, 10.0], [10.0, 0.0]])
    >>> p = DispatchProblem(d, d * 500, [1], [30], [0, 1], [480], [600], [0], [0], [480], [1020])
    >>> [v.kind for v in validate_plan(p, DispatchPlan.empty(["0"], ["0"]))]
    ['objective', 'cost']
    """
    p = problem
    out: list[Violation] = []

    def bad(kind: str, where: str, msg: str) -> None:
        out.append(Violation(kind, where, msg))

    n, m = len(p.job_loc), len(p.tech_start_loc)
    jid, tid = list(p.job_ids), list(p.tech_ids)
    if list(plan.job_ids) != jid or list(plan.tech_ids) != tid:
        bad("ids", "plan", "job or technician ids differ from the problem")
        return out
    d = np.asarray(p.duration_min)
    dist = np.asarray(p.distance_m)
    stop_t = np.asarray(plan.stop_tech)
    stop_j = np.asarray(plan.stop_job)
    un = np.asarray(plan.unassigned_job)

    # each job exactly once
    count = np.zeros(n, np.int64)
    for j in stop_j.tolist():
        if not 0 <= j < n:
            bad("job", f"stop {j}", "job index out of range")
            return out
        count[j] += 1
    for j in un.tolist():
        if not 0 <= j < n:
            bad("job", f"unassigned {j}", "job index out of range")
            return out
        count[j] += 1
    for j in np.flatnonzero(count != 1):
        bad(
            "once",
            jid[j],
            f"routed or listed unassigned {int(count[j])} times, expected exactly once",
        )
    if len(stop_t) and ((stop_t < 0) | (stop_t >= m)).any():
        bad("tech", "stops", "technician index out of range")
        return out
    if len(stop_t) and (np.diff(stop_t) < 0).any():
        bad("order", "stops", "visits are not grouped by technician")

    js, ts = np.asarray(p.job_skills), np.asarray(p.tech_skills)
    jp, stock = np.asarray(p.job_parts), np.asarray(p.tech_stock)
    f_td = _factors(p)
    travel_tot = dist_tot = ot_cost = 0.0
    for t in range(m):
        idx = np.flatnonzero(stop_t == t)
        route = stop_j[idx].tolist()
        w = tid[t]
        rep = {
            k: float(np.asarray(getattr(plan, k))[t])
            for k in (
                "depart_min",
                "return_min",
                "travel_min",
                "distance_m",
                "idle_min",
                "work_min",
                "overtime_min",
                "break_start_min",
            )
        }
        b_after = int(np.asarray(plan.break_after)[t])
        # static checks
        for j in route:
            if (js[j] & ~ts[t]).any():
                bad("skill", f"{w}/{jid[j]}", "technician lacks a required skill")
            if int(p.job_pinned_tech[j]) not in (-1, t):
                bad(
                    "pinned",
                    f"{w}/{jid[j]}",
                    f"job is pinned to {tid[int(p.job_pinned_tech[j])]}",
                )
        for j in np.flatnonzero(np.asarray(p.job_pinned_tech) == t):
            if j in stop_j and int(j) not in route:
                bad("pinned", jid[j], f"pinned to {w} but routed elsewhere")
        fixed = list(p.fixed_routes[t])
        if fixed and route[: len(fixed)] != fixed:
            bad(
                "fixed",
                w,
                f"route does not start with the fixed route {[jid[j] for j in fixed]}",
            )
        if route:
            used = jp[route].sum(axis=0)
            if (used > stock[t]).any():
                q = int(np.flatnonzero(used > stock[t])[0])
                bad(
                    "parts",
                    w,
                    f"needs {int(used[q])} of part {p.part_names[q]}, van holds {int(stock[t, q])}",
                )
            load = float(np.asarray(p.job_load)[route].sum())
            if load > float(p.tech_capacity[t]) + TOL:
                bad(
                    "load", w, f"load {load:g} > capacity {float(p.tech_capacity[t]):g}"
                )
        for j, loc in zip(route, np.asarray(plan.stop_loc)[idx].tolist(), strict=True):
            if int(p.job_loc[j]) != loc:
                bad(
                    "location",
                    f"{w}/{jid[j]}",
                    f"reported location {loc}, job is at {int(p.job_loc[j])}",
                )

        if not route:
            for k in (
                "travel_min",
                "distance_m",
                "overtime_min",
                "work_min",
                "idle_min",
            ):
                if not _close(rep[k], 0.0):
                    bad("report", w, f"{k} = {rep[k]:g} on an empty route, expected 0")
            continue
        # timing
        brk = float(p.break_min[t])
        if brk > 0 and not 0 <= b_after <= len(route):
            bad("break", w, f"break position {b_after} outside 0..{len(route)}")
        if brk <= 0 and b_after != -1:
            bad("break", w, "a break is reported but none is due")
        dep = rep["depart_min"]
        if dep < float(p.shift_start_min[t]) - TOL:
            bad(
                "shift",
                w,
                f"departs at {dep:g} before the shift starts at {float(p.shift_start_min[t]):g}",
            )
        cur, loc = dep, int(p.tech_start_loc[t])
        trav = dsum = svc = 0.0
        times = []

        bs_rep = rep["break_start_min"]
        b_lo, b_hi = float(p.break_early_min[t]), float(p.break_late_min[t])
        for pos, j in enumerate(route):
            lj = int(p.job_loc[j])
            arr, drive = _leg(f_td, cur, float(d[loc, lj]), None, 0.0)
            ready = arr
            if brk > 0 and b_after == pos:
                arr, ready, drive = _break_leg(
                    cur, float(d[loc, lj]), bs_rep, b_lo, b_hi, brk, w, out, f_td
                )
            trav += drive
            dsum += float(dist[loc, lj])
            a, b = int(p.tw_ptr[j]), int(p.tw_ptr[j + 1])
            st = _start_in_window(
                ready, np.asarray(p.tw_early_min)[a:b], np.asarray(p.tw_late_min)[a:b]
            )
            if st is None:
                bad(
                    "window",
                    f"{w}/{jid[j]}",
                    f"ready at {ready:.2f}, after every window closes",
                )
                st = ready
            end = st + float(p.service_min[j])
            svc += float(p.service_min[j])
            times.append((arr, st, end))
            cur, loc = end, lj
        en = int(p.tech_end_loc[t])
        dsum += float(dist[loc, en])
        ret, drive = _leg(f_td, cur, float(d[loc, en]), None, 0.0)
        if brk > 0 and b_after == len(route):
            _, ret, drive = _break_leg(
                cur, float(d[loc, en]), bs_rep, b_lo, b_hi, brk, w, out, f_td
            )
        trav += drive
        for (arr, st, end), i in zip(times, idx.tolist(), strict=True):
            for name, mine in (
                ("arrival_min", arr),
                ("start_min", st),
                ("end_min", end),
            ):
                theirs = float(np.asarray(getattr(plan, name))[i])
                if not _close(mine, theirs):
                    bad(
                        "time",
                        f"{w}/{jid[stop_j[i]]}",
                        f"{name} reported {theirs:.4f}, recomputed {mine:.4f}",
                    )
        b_used = brk if brk > 0 else 0.0
        work = ret - dep - b_used
        ot = max(0.0, ret - float(p.shift_end_min[t]))
        idle = ret - dep - trav - svc - b_used
        if ot > float(p.max_overtime_min[t]) + TOL:
            bad(
                "overtime",
                w,
                f"returns at {ret:.2f}: {ot:.2f} min overtime > allowed {float(p.max_overtime_min[t]):g}",
            )
        if work > float(p.max_work_min[t]) + TOL:
            bad("work", w, f"works {work:.2f} min > max {float(p.max_work_min[t]):g}")
        for k, mine in (
            ("return_min", ret),
            ("travel_min", trav),
            ("distance_m", dsum),
            ("idle_min", idle),
            ("work_min", work),
            ("overtime_min", ot),
        ):
            if not _close(mine, rep[k]):
                bad("report", w, f"{k} reported {rep[k]:.4f}, recomputed {mine:.4f}")
        travel_tot += trav
        dist_tot += dsum
        ot_cost += ot / 60.0 * float(p.overtime_per_hour[t])

    rates = p.rates
    pen = float(np.asarray(p.drop_penalty)[un].sum()) if len(un) else 0.0
    amounts = {
        "travel_distance": dist_tot / 1000.0 * rates.travel_per_km,
        "travel_time": travel_tot / 60.0 * rates.travel_per_hour,
        "overtime": ot_cost,
        "penalty": pen,
    }
    obj = sum(amounts.values())
    if not _close(obj, float(plan.objective), 1e-6):
        bad(
            "objective",
            "plan",
            f"reported {float(plan.objective):.6f}, recomputed {obj:.6f}",
        )
    for k, v in amounts.items():
        if not _close(v, plan.cost[k], 1e-6):
            bad("cost", k, f"reported {plan.cost[k]:.6f}, recomputed {v:.6f}")

    # reasons for unassigned jobs
    for j, why in zip(un.tolist(), plan.unassigned_reason, strict=True):
        skilled = [t for t in range(m) if not (js[j] & ~ts[t]).any()]
        pin = int(p.job_pinned_tech[j])
        if why == "skill":
            ok = not skilled
        elif why == "pinned":
            ok = pin >= 0 and not _solo_ok(p, j, pin, with_parts=True)
        elif why == "load":
            ok = bool(skilled) and all(
                float(p.job_load[j]) > float(p.tech_capacity[t]) + TOL for t in skilled
            )
        elif why == "window":
            # a van that holds the load must exist, or the reason is "load"
            roomy = [
                t
                for t in skilled
                if float(p.job_load[j]) <= float(p.tech_capacity[t]) + TOL
            ]
            ok = bool(roomy) and not any(
                _solo_ok(p, j, t, with_parts=False) for t in roomy
            )
        elif why == "parts":
            roomy = [
                t
                for t in skilled
                if float(p.job_load[j]) <= float(p.tech_capacity[t]) + TOL
            ]
            # no van that holds the load carries the parts, or those in time lack them
            no_stock = bool(roomy) and all((jp[j] > stock[t]).any() for t in roomy)
            ok = no_stock or (
                any(_solo_ok(p, j, t, with_parts=False) for t in skilled)
                and not any(_solo_ok(p, j, t, with_parts=True) for t in skilled)
            )
        elif why == "capacity":
            cands = [pin] if pin >= 0 else skilled
            ok = any(_solo_ok(p, j, t, with_parts=True) for t in cands)
        else:
            ok = False
        if not ok:
            bad("reason", jid[j], f"reason {why!r} does not hold")
    return out


def check_plan(problem: Any, plan: Any) -> None:
    """Raise :class:`PlanViolationError` listing every rule ``plan`` breaks."""
    v = validate_plan(problem, plan)
    if v:
        raise PlanViolationError(v)
