"""DispatchParams: the tunables of :func:`~planner.routing.solve_dispatch`.

One frozen object, validated on construction (a wrong type or range names
the field), passed whole as ``params=`` (as PyVRP's ``SolveParams``). The
defaults are the measured choices (``benchmarks/README.md``); tests and
benchmarks change one field with :meth:`DispatchParams.replace`.
"""

from __future__ import annotations

import dataclasses
import math
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from planner.core.errors import InputError

__all__ = ["DispatchParams"]

# field -> (type, low, high); bounds are inclusive
_RANGES: dict[str, tuple[type, float, float]] = {
    "prize_scale": (float, 1e-6, 1e6),
    "max_penalty": (float, 1.0, 1e12),
    "service_bonus": (float, 0.0, 100.0),
    "num_neighbours": (int, 1, 10_000),
    "skill_neighbours": (int, 1, 10_000),
    "max_neighbours": (int, 1, 10_000),
    "ils_neighbours": (int, 0, 10_000),
    "compatible_neighbours": (bool, 0, 1),
    "compat_neighbours": (int, 1, 10_000),
    "exhaustive_on_best": (bool, 0, 1),
    "history_length": (int, 1, 1_000_000),
    "iters_no_improvement": (int, 1, 1_000_000_000),
    "max_perturbations": (int, 1, 10_000),
    "ls_s_per_pair": (float, 0.0, 1.0),
    "build_s_per_cell": (float, 0.0, 1.0),
    "reserve_s": (float, 0.0, 3600.0),
    "reserve_s_per_job": (float, 0.0, 1.0),
    "exchange_share": (float, 0.0, 0.5),
    "travel_swaps": (bool, 0, 1),
    "swap_share": (float, 0.0, 0.5),
    "greedy_checks": (int, 1, 1_000_000),
    "exchange_near": (int, 1, 10_000),
    "exchange_checks": (int, 1, 10_000),
    "swap_near": (int, 1, 10_000),
    "swap_checks": (int, 1, 10_000),
    "fit_margin": (float, 0.0, 10.0),
    "required_share": (float, 0.0, 1.0),
    "polish_share": (float, 0.0, 0.9),
    "skill_loads": (bool, 0, 1),
    "lns_share": (float, 0.0, 0.9),
    "lns_techs": (int, 1, 10_000),
    "lns_sub_s": (float, 0.01, 3600.0),
}


@dataclass(frozen=True, slots=True)
class DispatchParams:
    """Tunables of the dispatch solver (see each field).

    Attributes
    ----------
    prize_scale
        A job's prize in units of the largest travel and overtime cost it can
        cause (above 1 the number of jobs served comes first). 100 rather
        than 1: PyVRP's moves then trade travel for jobs as on the plain
        peer's model (prizes of 10**6 s), and serve more.
    max_penalty
        PyVRP's largest penalty per tick of time warp (or unit of excess load)
        at ``prize_scale`` 1; it grows with ``prize_scale`` (up to 10**9) so
        that prizes and penalties keep their ratio, and not when every job is
        required.
    service_bonus
        Bonus in a job's prize per minute of service it takes less than the
        longest job, in units of the cost of one minute of travel: among plans
        serving as many jobs, the search prefers the one with less busy time.
    num_neighbours
        PyVRP's granular neighbourhood width when there are no skills.
    skill_neighbours
        With skills the first local search uses ``2 * skill_neighbours / g**2``
        neighbours (``g``: share of jobs a technician may do) ...
    max_neighbours
        ... but at most this many.
    ils_neighbours
        If > 0 (and with skills), the iterated local search after the first
        search uses this many nearest clients that share a technician.
    compatible_neighbours, compat_neighbours
        Use the neighbourhood of clients sharing a technician (of width
        ``compat_neighbours``) for the first search as well (opt-in).
    exhaustive_on_best
        PyVRP's full local search on each new best solution.
    history_length
        PyVRP's late-acceptance history (iterations a worse candidate is
        compared back over).
    iters_no_improvement
        PyVRP's iterations without a new best before it goes back to the best.
    max_perturbations
        PyVRP's largest number of clients perturbed per iteration.
    ls_s_per_pair
        Seconds of PyVRP's first local search per client and neighbour; caps
        its width to half the time left (it cannot be interrupted).
    build_s_per_cell
        Seconds to build one routing profile's matrices per cell; the model is
        skipped (the greedy pass plans the day) when it would not fit.
    reserve_s, reserve_s_per_job
        Time kept after the search for repair, insertion and the reasons.
    exchange_share
        Share of the time limit kept for the 1-out-2-in exchange pass.
    travel_swaps, swap_share
        Swap routed jobs for cheaper-to-reach unrouted ones at the end, with
        this share of the time limit kept for it.
    greedy_checks
        Insertion places checked per job by the greedy pass (cheapest first).
    exchange_near, exchange_checks
        Unrouted jobs tried per route, and places checked per job, by the
        exchange pass.
    swap_near, swap_checks
        Routes tried per unrouted job, and places checked, by the travel swaps.
    fit_margin
        A day looks as if every job fits when its service time plus a travel
        estimate is at most ``fit_margin`` of the technicians' hours (and load
        and parts are within the fleet's): the search then first requires every
        job (0: never).
    required_share
        Share of the search time the all-required search may run without a
        feasible plan before the search goes on with optional jobs.
    polish_share
        Share of the time limit for the polish: PyVRP again with the jobs
        served so far required (the others optional), travel only; kept when
        it serves at least as much value for less cost (0: no polish).
    skill_loads
        Tell PyVRP who may do which job by load dimensions (a job needs a
        unit of each, a technician who may not do it carries none) in one
        routing profile, instead of one profile of distance and duration
        matrices per set of allowed jobs (the fallback above 32 dimensions),
        whose memory grows with the number of such sets.
    lns_share, lns_techs, lns_sub_s
        Share of the time limit for the region LNS after the search
        (:mod:`planner.routing.lns`; 0: none), the technicians of a region,
        and the seconds of each region's search.

    Examples
    --------
    >>> DispatchParams().replace(service_bonus=0.5).service_bonus
    0.5
    >>> DispatchParams(num_neighbours=0)
    Traceback (most recent call last):
    ...
    planner.core.errors.InputError: DispatchParams: num_neighbours must be an integer in [1, 10000]; got 0
    """

    prize_scale: float = 100.0
    max_penalty: float = 100_000.0
    service_bonus: float = 0.25
    num_neighbours: int = 50
    skill_neighbours: int = 200
    max_neighbours: int = 700
    ils_neighbours: int = 60
    compatible_neighbours: bool = False
    compat_neighbours: int = 60
    exhaustive_on_best: bool = True
    history_length: int = 300
    iters_no_improvement: int = 150_000
    max_perturbations: int = 25
    ls_s_per_pair: float = 2e-5
    build_s_per_cell: float = 1e-7
    reserve_s: float = 0.25
    reserve_s_per_job: float = 1e-3
    exchange_share: float = 0.0
    travel_swaps: bool = True
    swap_share: float = 0.05
    greedy_checks: int = 25
    exchange_near: int = 8
    exchange_checks: int = 12
    swap_near: int = 6
    swap_checks: int = 3
    fit_margin: float = 0.9
    required_share: float = 0.4
    polish_share: float = 0.0
    skill_loads: bool = True
    lns_share: float = 0.5
    lns_techs: int = 8
    lns_sub_s: float = 0.3

    def __post_init__(self) -> None:
        for f in fields(self):
            kind, lo, hi = _RANGES[f.name]
            v = getattr(self, f.name)
            if kind is bool:
                if not isinstance(v, bool):
                    raise InputError(
                        source="DispatchParams",
                        field=f.name,
                        expected="true or false",
                        got=v,
                    )
                continue
            if kind is int:
                ok = isinstance(v, int) and not isinstance(v, bool) and lo <= v <= hi
                what = f"an integer in [{lo:g}, {hi:g}]"
            else:
                ok = (
                    isinstance(v, int | float)
                    and not isinstance(v, bool)
                    and math.isfinite(v)
                    and lo <= v <= hi
                )
                what = f"a number in [{lo:g}, {hi:g}]"
                if ok:
                    object.__setattr__(self, f.name, float(v))
            if not ok:
                raise InputError(
                    source="DispatchParams", field=f.name, expected=what, got=v
                )

    def replace(self, **changes: Any) -> DispatchParams:
        """A copy with ``changes`` applied, validated again."""
        unknown = sorted(set(changes) - set(_RANGES))
        if unknown:
            raise InputError(
                source="DispatchParams",
                field=unknown[0],
                expected=f"one of {sorted(_RANGES)}",
                got="an unknown field",
            )
        return dataclasses.replace(self, **changes)

    @classmethod
    def from_dict(
        cls, d: Mapping[str, Any], *, source: str = "DispatchParams"
    ) -> DispatchParams:
        """Params from a mapping of field names (unknown keys are an error)."""
        try:
            return cls().replace(**dict(d))
        except InputError as e:
            raise InputError(
                source=source, field=e.field, expected=e.expected, got=e.got
            ) from None

    @classmethod
    def from_file(cls, path: str | os.PathLike[str]) -> DispatchParams:
        """Params from a TOML file of ``field = value`` lines."""
        p = Path(path)
        try:
            d = tomllib.loads(p.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
            raise InputError(
                source=str(p), expected="a readable TOML file", got=str(e)
            ) from e
        return cls.from_dict(d, source=str(p))
