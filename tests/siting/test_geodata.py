"""siting_case_from_geodataframes: checks at the edge, reprojection, brute-force optimum."""

from __future__ import annotations

import itertools

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import box

from planner.core.errors import InputError
from planner.geo import GreatCircle
from planner.siting import SITING_MODELS, siting_case_from_geodataframes


def _frames(seed: int = 0) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    rng = np.random.default_rng(seed)
    lon = 24.6 + rng.uniform(0, 0.6, 9)
    lat = 60.1 + rng.uniform(0, 0.3, 9)
    towns = gpd.GeoDataFrame(
        {"id": [f"T{i}" for i in range(9)], "tickets": rng.integers(1, 50, 9) * 1.0},
        geometry=gpd.points_from_xy(lon, lat),
        crs="EPSG:4326",
    )
    sites = towns.iloc[[0, 2, 4, 6, 8]].drop(columns="tickets").reset_index(drop=True)
    return towns, sites


def test_matrix_is_the_travel_models_on_the_lonlat_even_from_a_projected_crs() -> None:
    """Frames in EPSG:3067 (metres) give the matrix of their WGS84 points."""
    towns, sites = _frames()
    case = siting_case_from_geodataframes(
        towns.to_crs(3067), sites.to_crs(3067), weights="tickets"
    )
    ll_t = np.column_stack([towns.geometry.x, towns.geometry.y])
    ll_s = np.column_stack([sites.geometry.x, sites.geometry.y])
    want = GreatCircle().matrix(ll_t, ll_s).duration_min
    np.testing.assert_allclose(case.travel, want, rtol=1e-9, atol=1e-6)
    np.testing.assert_array_equal(case.weights, towns["tickets"].to_numpy())


@pytest.mark.parametrize("p", [1, 2, 3])
def test_pmedian_from_frames_matches_brute_force(p: int) -> None:
    """The p-median plan of the frames is the best of every p-subset (enumerated)."""
    towns, sites = _frames(1)
    case = siting_case_from_geodataframes(towns, sites, weights="tickets", p=p)
    plan = SITING_MODELS["pmedian"].solve(case)
    w = towns["tickets"].to_numpy()
    best = min(
        float(w @ case.travel[:, list(s)].min(axis=1))
        for s in itertools.combinations(range(len(sites)), p)
    )
    got = float(w @ case.travel[:, plan.open_idx].min(axis=1))
    assert got == pytest.approx(best, rel=1e-9)


def test_polygons_stand_for_a_point_inside() -> None:
    """Demand areas become a point inside each polygon."""
    towns, sites = _frames()
    areas = towns.to_crs(3067).copy()
    areas["geometry"] = [
        box(x - 500, y - 500, x + 500, y + 500)
        for x, y in zip(areas.geometry.x, areas.geometry.y, strict=True)
    ]
    case = siting_case_from_geodataframes(areas, sites, weights="tickets")
    point = siting_case_from_geodataframes(towns, sites, weights="tickets")
    # a point inside a 1 km square is at most ~0.7 km from its centre
    gap_km = np.abs(case.travel - point.travel) * 40 / 60 / 1.3
    assert gap_km.max() < 0.75


@pytest.mark.parametrize(
    ("change", "needle"),
    [
        (lambda t: t.set_crs(None, allow_override=True), "demand: crs must be set"),
        (lambda t: t.drop(columns="geometry").assign(x=1), "GeoDataFrame"),
        (lambda t: t.assign(tickets=[-1.0, *t["tickets"][1:]]), 'row 1 (id "T0")'),
        (lambda t: t.rename(columns={"tickets": "n"}), "weights must be one of"),
    ],
)
def test_bad_frames_give_one_input_error(change, needle: str) -> None:  # type: ignore[no-untyped-def]
    """A frame without CRS, not a GeoDataFrame, a negative or absent weight: InputError."""
    towns, sites = _frames()
    bad = change(towns)
    with pytest.raises(
        InputError, match=needle.replace("(", r"\(").replace(")", r"\)")
    ):
        siting_case_from_geodataframes(bad, sites, weights="tickets")
