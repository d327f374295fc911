"""Great-circle travel model: distances against independent formulas."""

from __future__ import annotations

import math

import numpy as np
import pyproj
import pytest
from hypothesis import given
from hypothesis import strategies as st

from planner.core.errors import InputError
from planner.geo import EARTH_RADIUS_M, GreatCircle, TravelMatrix, TravelModel

# (name, lon, lat)
CITIES = [
    ("Helsinki", 24.9384, 60.1699),
    ("Stockholm", 18.0686, 59.3293),
    ("Beijing", 116.4074, 39.9042),
    ("Shanghai", 121.4737, 31.2304),
    ("London", -0.1276, 51.5072),
    ("Paris", 2.3522, 48.8566),
    ("New York", -74.0060, 40.7128),
    ("Los Angeles", -118.2437, 34.0522),
    ("Sydney", 151.2093, -33.8688),
    ("Auckland", 174.7633, -36.8485),
    ("Quito", -78.4678, -0.1807),
    ("Singapore", 103.8198, 1.3521),
    ("Fiji", 178.4419, -18.1416),
    ("Apia", -171.7514, -13.8333),
]
LONLAT = np.array([[c[1], c[2]] for c in CITIES])


def _sphere_vincenty(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Central angle on the sphere by the Vincenty (atan2) formula, independent."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dl = math.radians(lon2 - lon1)
    num = math.hypot(
        math.cos(p2) * math.sin(dl),
        math.cos(p1) * math.sin(p2) - math.sin(p1) * math.cos(p2) * math.cos(dl),
    )
    den = math.sin(p1) * math.sin(p2) + math.cos(p1) * math.cos(p2) * math.cos(dl)
    return math.atan2(num, den)


def test_city_pairs_match_the_wgs84_ellipsoid_within_half_a_percent() -> None:
    """Every city pair is within 0.5 % of the geodesic on the WGS84 ellipsoid."""
    tm = GreatCircle(circuity=1.0).matrix(LONLAT, LONLAT)
    geod = pyproj.Geod(ellps="WGS84")
    n = len(LONLAT)
    i, j = np.triu_indices(n, k=1)
    _, _, ref = geod.inv(LONLAT[i, 0], LONLAT[i, 1], LONLAT[j, 0], LONLAT[j, 1])
    rel = np.abs(tm.distance_m[i, j] / ref - 1.0)
    assert rel.max() < 0.005, rel.max()


def test_city_pairs_match_an_independent_sphere_formula() -> None:
    """Distances equal R x the Vincenty central angle on the same sphere (1e-9)."""
    tm = GreatCircle(circuity=1.0).matrix(LONLAT, LONLAT)
    for a, (_, lo1, la1) in enumerate(CITIES):
        for b, (_, lo2, la2) in enumerate(CITIES):
            ref = EARTH_RADIUS_M * _sphere_vincenty(lo1, la1, lo2, la2)
            assert tm.distance_m[a, b] == pytest.approx(ref, rel=1e-9, abs=1e-6)


def test_published_figure_helsinki_stockholm() -> None:
    """Helsinki-Stockholm is about 396 km by great circle (published ~395-397 km)."""
    tm = GreatCircle(circuity=1.0).matrix(LONLAT[:1], LONLAT[1:2])
    assert 394_000 < tm.distance_m[0, 0] < 398_000


def test_circuity_and_speed_scale_distance_and_duration() -> None:
    """Distance scales with circuity; duration is distance / speed."""
    base = GreatCircle(circuity=1.0, speed_kmh=60.0).matrix(LONLAT, LONLAT)
    other = GreatCircle(circuity=1.5, speed_kmh=30.0).matrix(LONLAT, LONLAT)
    np.testing.assert_allclose(other.distance_m, 1.5 * base.distance_m, rtol=1e-12)
    np.testing.assert_allclose(
        other.duration_min, other.distance_m / (30_000.0 / 60.0), rtol=1e-12
    )
    np.testing.assert_allclose(base.duration_min, base.distance_m / 1000.0, rtol=1e-12)


def test_zero_diagonal_symmetry_and_antipodes() -> None:
    """A point to itself is 0, the matrix is symmetric, antipodes are pi R apart."""
    tm = GreatCircle(circuity=1.0).matrix(LONLAT, LONLAT)
    assert np.all(np.diag(tm.distance_m) == 0.0)
    np.testing.assert_allclose(tm.distance_m, tm.distance_m.T, rtol=1e-12, atol=1e-6)
    anti = GreatCircle(circuity=1.0).matrix([[10.0, 20.0]], [[-170.0, -20.0]])
    assert anti.distance_m[0, 0] == pytest.approx(math.pi * EARTH_RADIUS_M, rel=1e-9)


@pytest.mark.parametrize("chunk_rows", [1, 3, 7, 1000])
def test_chunked_equals_unchunked(chunk_rows: int) -> None:
    """Any chunk size gives bit-identical results."""
    rng = np.random.default_rng(0)
    o = np.column_stack([rng.uniform(-180, 180, 23), rng.uniform(-90, 90, 23)])
    d = np.column_stack([rng.uniform(-180, 180, 11), rng.uniform(-90, 90, 11)])
    gc = GreatCircle()
    whole = gc.matrix(o, d)
    part = gc.matrix(o, d, chunk_rows=chunk_rows)
    assert np.array_equal(whole.distance_m, part.distance_m)
    assert np.array_equal(whole.duration_min, part.duration_min)


def test_float32_is_close_at_city_scale() -> None:
    """float32 results are within a metre of float64 for points in a city."""
    rng = np.random.default_rng(1)
    pts = np.column_stack([rng.uniform(24.8, 25.1, 50), rng.uniform(60.1, 60.3, 50)])
    gc = GreatCircle()
    f64 = gc.matrix(pts, pts)
    f32 = gc.matrix(pts, pts, dtype=np.float32)
    assert f32.distance_m.dtype == np.float32
    assert np.abs(f32.distance_m - f64.distance_m).max() < 1.0


def test_result_is_a_read_only_travel_matrix_and_model_follows_protocol() -> None:
    """The result is a read-only TravelMatrix; GreatCircle is a TravelModel."""
    gc = GreatCircle()
    tm = gc.matrix(LONLAT[:2], LONLAT[:3])
    assert isinstance(tm, TravelMatrix)
    assert tm.shape == (2, 3)
    assert not tm.distance_m.flags.writeable
    assert isinstance(gc, TravelModel)
    assert gc.describe() == "great circle x 1.30 at 40 km/h"


def test_empty_inputs_give_empty_matrices() -> None:
    """No origins or no destinations: an empty matrix of the right shape."""
    tm = GreatCircle().matrix(np.empty((0, 2)), LONLAT)
    assert tm.shape == (0, len(LONLAT))


@pytest.mark.parametrize(
    ("points", "words"),
    [
        ([[181.0, 10.0]], ["origins row 0", "lon", "[-180, 180]", "181"]),
        ([[10.0, -90.5]], ["origins row 0", "lat", "[-90, 90]"]),
        ([[0.0, 0.0], [np.nan, 1.0]], ["origins row 1", "lon", "nan"]),
        ([[0.0, 0.0], [1.0, np.inf]], ["origins row 1", "lat"]),
        ([1.0, 2.0], ["origins", "(n, 2)"]),
        ([["a", "b"]], ["origins", "numbers"]),
    ],
)
def test_bad_lonlat_raises_input_error_naming_the_row(
    points: list[list[float]], words: list[str]
) -> None:
    """Bad coordinates raise InputError naming the row, field and value."""
    with pytest.raises(InputError) as e:
        GreatCircle().matrix(np.array(points, dtype=object), LONLAT)
    for w in words:
        assert w in str(e.value)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"circuity": 0.9}, "circuity"),
        ({"speed_kmh": 0.0}, "speed_kmh"),
        ({"speed_kmh": float("nan")}, "speed_kmh"),
        ({"circuity": "x"}, "circuity"),
    ],
)
def test_bad_parameters_raise_input_error(
    kwargs: dict[str, object], field: str
) -> None:
    """Circuity below 1 or a non-positive speed is rejected."""
    with pytest.raises(InputError, match=field):
        GreatCircle(**kwargs)  # type: ignore[arg-type]


def test_bad_chunk_rows_and_dtype_raise_input_error() -> None:
    """chunk_rows must be a positive integer, dtype float32/float64."""
    with pytest.raises(InputError, match="chunk_rows"):
        GreatCircle().matrix(LONLAT, LONLAT, chunk_rows=0)
    with pytest.raises(InputError, match="dtype"):
        GreatCircle().matrix(LONLAT, LONLAT, dtype=np.int32)


lon = st.floats(-180, 180)
lat = st.floats(-90, 90)


@given(st.lists(st.tuples(lon, lat), min_size=3, max_size=3))
def test_triangle_inequality(points: list[tuple[float, float]]) -> None:
    """d(a, c) <= d(a, b) + d(b, c) on the sphere (up to rounding)."""
    d = GreatCircle(circuity=1.0).matrix(np.array(points), np.array(points)).distance_m
    assert d[0, 2] <= d[0, 1] + d[1, 2] + 1e-3
