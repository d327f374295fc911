"""Checks a run makes before its first solver call, shared by run and validate.

:func:`preflight` takes a built scenario and the stages to run and raises
the :class:`~planner.core.errors.InputError` (or provable
:class:`~planner.core.errors.InfeasibleError`) a stage would raise before
solving: ``siting.p`` against the candidates, capacity against demand,
points a travel matrix file does not hold, the routing day (its outlets,
tickets and technicians, built as the stage builds them), the Dask
scheduler's address. ``planner validate`` and ``planner run`` both call it,
so "ok" from validate means the run will not fail on its input.
:func:`attribute` names the scenario key of an error a stage raised in its
own words (``p`` becomes ``siting.p``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np

from planner.core.errors import InfeasibleError, InputError
from planner.geo import MatrixFile
from planner.scenario.build import ScenarioData
from planner.scenario.generate import generate_day

__all__ = ["attribute", "preflight"]

#: Fields the stages' solvers name, and the scenario key a user wrote.
_KEYS = {
    "siting": {
        "p": "siting.p",
        "radius": "siting.radius_min",
        "radius_min": "siting.radius_min",
        "target_share": "siting.target_share",
        "time_limit_s": "siting.time_limit_s",
        "excluded": "outlets.excluded",
        "existing": "outlets.existing",
    },
    "routing": {
        "outlets": "routing.outlets",
        "n_tickets": "routing.jobs",
        "time_limit_s": "routing.time_limit_s",
        "max_iterations": "routing.max_iterations",
        "date": "routing.date",
    },
    "inventory": {
        "fill_rate": "inventory.fill_rate",
        "ready_rate": "inventory.ready_rate",
    },
    "simulation": {
        "executor": "simulation.scheduler",
        "horizon_days": "simulation.horizon_days",
        "warmup_days": "simulation.warmup_days",
        "n_reps": "simulation.n_reps",
        "target_half_width": "simulation.target_half_width",
    },
}

# staffing and design run siting (and design the simulation) themselves
_KEYS["staffing"] = dict(_KEYS["siting"])
_KEYS["design"] = {**_KEYS["siting"], **_KEYS["simulation"], **_KEYS["inventory"]}

_P_MODELS = ("pmedian", "mclp", "pcenter")


def _source(data: ScenarioData) -> str:
    return data.scenario.source


def attribute(err: InputError, stage: str, data: ScenarioData) -> InputError:
    """``err`` raised in ``stage``, with the scenario file and key the user wrote.

    Errors that already name a file (a table, a matrix) are returned as is.
    """
    if err.source:
        return err
    key = _KEYS.get(stage, {}).get(err.field or "")
    if key is None:
        return err.with_source(_source(data))
    return InputError(
        err.detail,
        source=_source(data),
        location=err.location,
        field=key,
        expected=err.expected,
        got=err.got if err.expected is not None else None,
        hint=err.hint,
    )


def preflight(
    data: ScenarioData, stages: Sequence[str], *, connect: bool = True
) -> None:
    """Raise what the ``stages`` of a run would raise before solving.

    ``connect``: also check that ``[simulation] scheduler`` answers.
    """
    if set(stages) - {"summary"} and not data.demand.total_per_year.sum() > 0:
        raise InputError(
            source=_source(data),
            field="demand",
            expected="some tickets to plan for",
            got="0 tickets a year (every population, failure rate or "
            "1 + demand.growth is 0)",
        )
    runs = set(stages)
    if runs & {"siting", "staffing", "design"}:  # staffing and design site first
        _siting(data)
    if "routing" in stages:
        _routing(data)
    if runs & {"simulation", "design"} and connect:
        _scheduler(data)
    _matrix_points(data, stages)


def _siting(data: ScenarioData) -> None:
    spec, src = data.spec.siting, _source(data)
    sites = data.sites
    m = sites.n_sites
    index = {str(v): i for i, v in enumerate(sites.ids)}
    banned = {index[s] for s in data.spec.outlets.excluded if s in index}
    banned |= set(np.flatnonzero(sites.partner).tolist())
    n_existing = int(sites.existing.sum())
    avail = m - len(banned)
    _budget(data, banned)
    if spec.model in _P_MODELS:
        if spec.p > avail:
            raise InputError(
                source=src,
                field="siting.p",
                expected=f"<= {avail}, the candidate sites that may open "
                f"({m} sites, {len(banned)} excluded or partners)",
                got=spec.p,
            )
        if spec.p < n_existing:
            raise InputError(
                source=src,
                field="siting.p",
                expected=f">= {n_existing}, the existing outlets (kept open)",
                got=spec.p,
            )
    if avail == 0:
        raise InputError(
            source=src,
            field="outlets.excluded",
            expected="to leave at least one candidate site",
            got=f"all {m} excluded or partners",
        )
    if spec.model == "facility_location":
        allowed = np.setdiff1d(np.arange(m), sorted(banned))
        have = float(np.asarray(sites.capacity_per_year)[allowed].sum())
        need = float(data.demand.total_per_year.sum())
        if have < need - 1e-9:
            raise InfeasibleError(
                f"{src}: the {allowed.size} candidate sites can serve {have:,.0f} "
                f"tickets a year (outlets.capacity_per_year and the files' "
                f"capacity_per_year) but demand is {need:,.0f}"
            )


#: How each siting model checks its budget: (name in messages, opens p, at most).
_BUDGET = {
    "pmedian": ("p-median", True, False),
    "mclp": ("MCLP", True, True),
    "pcenter": ("p-center", True, False),
    "lscp": ("LSCP", False, True),
}


def _budget(data: ScenarioData, banned: set[int]) -> None:
    """``[siting] budget`` against the least any plan of the model spends.

    Mirrors the models' own check (existing outlets are forced open in the
    p-models and may close, paying their closing cost, in the others).
    """
    spec = data.spec.siting
    if spec.budget is None:
        return
    from planner.siting import SiteOptions, resolve_options

    sites = data.sites
    index = {str(v): i for i, v in enumerate(sites.ids)}
    excluded = sorted(index[s] for s in data.spec.outlets.excluded if s in index)
    opts = SiteOptions.from_outlets(
        sites,
        excluded=np.asarray(excluded, dtype=np.int64),
        budget=spec.budget,
        closable=spec.model not in _P_MODELS,
    )
    res = resolve_options(opts, sites.n_sites)
    if spec.model in _BUDGET:
        name, with_p, at_most = _BUDGET[spec.model]
        try:
            res.check_budget(name, n_open=spec.p if with_p else None, at_most=at_most)
        except InfeasibleError as e:
            raise InfeasibleError(f"{_source(data)}: siting.budget: {e}") from None
        return
    # facility location: at least one own outlet opens, each existing outlet
    # is kept (its fixed cost) or closed (its closing cost)
    f = res.b
    allowed = np.setdiff1d(np.arange(sites.n_sites), sorted(banned))
    fa = f[allowed]
    neg = fa[fa < 0]
    least = float(res.closing.sum()) + (
        float(neg.sum()) if neg.size else float(fa.min())
    )
    if least > spec.budget + 1e-9:
        raise InfeasibleError(
            f"{_source(data)}: siting.budget: every plan spends at least {least:g} "
            f"(fixed costs of open outlets plus closing costs), above the budget "
            f"{spec.budget:g}"
        )


def _routing(data: ScenarioData) -> None:
    from planner.routing.tables import problem_from_tables

    spec = data.spec.routing
    day = dt.date.fromisoformat(spec.date)
    try:
        d = generate_day(data, day, n_tickets=spec.jobs, outlets=spec.outlets or None)
    except InputError as e:
        raise attribute(e, "routing", data) from None
    try:
        problem_from_tables(
            d.tickets, d.technicians, day, travel=data.travel, rates=data.costs
        )
    except InputError as e:
        raise InputError(f"routing day {day}: {e}", source=_source(data)) from None


def _scheduler(data: ScenarioData) -> None:
    address = data.spec.simulation.scheduler
    if address is None:
        return
    from dask.distributed import Client

    try:
        client = Client(address, timeout="5s")
    except (OSError, TimeoutError) as e:
        raise InputError(
            source=_source(data),
            field="simulation.scheduler",
            expected="the address of a running Dask scheduler",
            got=address,
            hint=f"no answer within 5 s: {type(e).__name__}",
        ) from None
    client.close()


def _matrix_points(data: ScenarioData, stages: Sequence[str]) -> None:
    """Every demand point and site must be in a matrix file the stages ask."""
    mf = data.travel
    used = {"siting", "simulation", "staffing", "design"}
    if not isinstance(mf, MatrixFile) or not (used & set(stages)):
        return
    for origins, ids, lonlat, what in (
        (True, data.demand.ids, data.demand.lonlat, "demand point"),
        (False, data.sites.ids, data.sites.lonlat, "site"),
    ):
        miss = mf.first_unmatched(lonlat, origins=origins)
        if miss is not None:
            k, dist = miss
            raise InputError(
                source=_source(data),
                location=f"{what} {str(ids[k])!r}",
                field="travel.path",
                expected=f"a matrix holding every {what} (as "
                f"{'an origin' if origins else 'a destination'}, within 1 m)",
                got=f"({lonlat[k, 0]:.6f}, {lonlat[k, 1]:.6f}) missing from "
                f"{mf.describe()}, nearest {dist:.1f} m away",
            )
