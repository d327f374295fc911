"""read_points / write_frame: round trips per format and every failure mode."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from planner.core.errors import InputError
from planner.geo import points_lonlat, read_points, write_frame

FORMATS = [".gpkg", ".geojson", ".parquet", ".csv"]


def _frame() -> gpd.GeoDataFrame:
    """Three towns with an integer and a text column."""
    return gpd.GeoDataFrame(
        {"id": ["T-1", "T-2", "007"], "pop": [100, 2500, 7], "name": ["a", "b", "c"]},
        geometry=gpd.points_from_xy(
            [24.9384, 18.0686, 116.4074], [60.1699, 59.3293, 39.9042]
        ),
        crs="EPSG:4326",
    )


@pytest.mark.parametrize("suffix", FORMATS)
def test_round_trip_each_format(tmp_path: Path, suffix: str) -> None:
    """write_frame then read_points gives the same ids, values and coordinates."""
    g = _frame()
    p = write_frame(g, tmp_path / f"towns{suffix}")
    assert p.exists()
    assert [f.name for f in tmp_path.iterdir()] == [p.name]  # no temporary left
    back = read_points(p, required=["pop", "name"])
    assert back.crs.to_epsg() == 4326
    assert back["id"].tolist() == ["T-1", "T-2", "007"]
    assert back["pop"].astype(int).tolist() == [100, 2500, 7]
    assert back["name"].tolist() == ["a", "b", "c"]
    np.testing.assert_allclose(points_lonlat(back), points_lonlat(g), atol=1e-9)
    np.testing.assert_allclose(
        back[["lon", "lat"]].to_numpy(), points_lonlat(g), atol=1e-9
    )


def test_projected_crs_is_converted_to_wgs84(tmp_path: Path) -> None:
    """A GeoPackage in a metric CRS comes back as EPSG:4326 lon/lat."""
    g = _frame().to_crs("EPSG:3857")
    p = write_frame(g, tmp_path / "m.gpkg")
    back = read_points(p)
    np.testing.assert_allclose(points_lonlat(back), points_lonlat(_frame()), atol=1e-7)


def test_csv_from_plain_dataframe_and_other_lon_lat_names(tmp_path: Path) -> None:
    """A CSV with x/y columns reads with lon_col/lat_col; ids stay text."""
    p = tmp_path / "sites.csv"
    p.write_text("site,x,y\n001,24.9,60.2\n002,25.0,60.3\n")
    g = read_points(p, id_col="site", lon_col="x", lat_col="y")
    assert g["site"].tolist() == ["001", "002"]
    assert points_lonlat(g).tolist() == [[24.9, 60.2], [25.0, 60.3]]


def test_write_plain_dataframe_with_lon_lat_as_geopackage(tmp_path: Path) -> None:
    """A DataFrame with lon/lat columns is written as points."""
    df = pd.DataFrame({"id": ["a"], "lon": [24.9], "lat": [60.2]})
    back = read_points(write_frame(df, tmp_path / "p.gpkg"))
    assert points_lonlat(back).tolist() == [[24.9, 60.2]]


def test_csv_of_lines_writes_wkt(tmp_path: Path) -> None:
    """Non-point geometries go to CSV as WKT."""
    g = gpd.GeoDataFrame(
        {"id": [1]}, geometry=[shapely.LineString([(0, 0), (1, 1)])], crs=4326
    )
    text = write_frame(g, tmp_path / "l.csv").read_text()
    assert "LINESTRING" in text


def _write(tmp_path: Path, name: str, content: str) -> Path:
    p = tmp_path / name
    p.write_text(content)
    return p


@pytest.mark.parametrize(
    ("name", "content", "kwargs", "words"),
    [
        ("t.csv", "id,lon,lat\n", {}, ["t.csv", "at least one row"]),
        (
            "t.csv",
            "id,lon,lat\nA,24,60\nB,,60\n",
            {},
            ['row 2 (id "B")', "lon", "empty"],
        ),
        (
            "t.csv",
            "id,lon,lat\nA,24,60\nB,25,95\n",
            {},
            ['row 2 (id "B")', "lat", "[-90, 90]", "95"],
        ),
        (
            "t.csv",
            "id,lon,lat\nA,24,60\nB,east,60\n",
            {},
            ['row 2 (id "B")', "lon", "east"],
        ),
        (
            "t.csv",
            "id,lon,lat\nA,24,60\nB,25,61\nA,26,62\n",
            {},
            ["rows 1 and 3", "'A'", "unique"],
        ),
        (
            "t.csv",
            "id,lon,lat\nA,24,60\n",
            {"required": ["pop", "cap"]},
            ["pop, cap", "id, pop, cap", "columns id, lon, lat"],
        ),
        ("t.csv", "code,lon,lat\nA,24,60\n", {}, ["id", "columns code, lon, lat"]),
        ("t.csv", "id,x,y\nA,24,60\n", {}, ["lon, lat", "columns id, x, y"]),
        ("t.csv", "id,lon,lat\n,24,60\n", {}, ["row 1", "id", "empty"]),
        (
            "t.txt",
            "id,lon,lat\nA,24,60\n",
            {},
            ["t.txt", ".csv, .parquet, .pq", ".gpkg"],
        ),
        ("t.gpkg", "this is no geopackage", {}, ["t.gpkg", "readable GeoPackage"]),
        ("t.geojson", "{not json", {}, ["t.geojson", "readable GeoJSON"]),
    ],
)
def test_bad_files_raise_one_input_error(
    tmp_path: Path, name: str, content: str, kwargs: dict[str, object], words: list[str]
) -> None:
    """Each failure mode gives an InputError naming the file, row/id and field."""
    p = _write(tmp_path, name, content)
    with pytest.raises(InputError) as e:
        read_points(p, **kwargs)  # type: ignore[arg-type]
    msg = str(e.value)
    assert e.value.source == name
    for w in words:
        assert w in msg, msg


def test_missing_file(tmp_path: Path) -> None:
    """A missing file is named."""
    with pytest.raises(InputError, match=r"nope\.gpkg: expected an existing file"):
        read_points(tmp_path / "nope.gpkg")


def test_wrong_geometry_type_and_empty_geometry(tmp_path: Path) -> None:
    """Lines instead of points, or a feature without geometry, name the row."""
    lines = gpd.GeoDataFrame(
        {"id": ["A", "B"]},
        geometry=[shapely.Point(24, 60), shapely.LineString([(0, 0), (1, 1)])],
        crs=4326,
    )
    p = tmp_path / "mixed.geojson"
    lines.to_file(p, driver="GeoJSON", engine="pyogrio")
    with pytest.raises(InputError, match=r'row 2 \(id "B"\).*Point.*LineString'):
        read_points(p)
    empty = gpd.GeoDataFrame(
        {"id": ["A", "B"]}, geometry=[shapely.Point(24, 60), None], crs=4326
    )
    q = tmp_path / "empty.parquet"
    empty.to_parquet(q)
    with pytest.raises(InputError, match=r'row 2 \(id "B"\).*no geometry'):
        read_points(q)


def test_plain_parquet_with_lon_lat(tmp_path: Path) -> None:
    """Parquet without geo metadata is read through its lon/lat columns."""
    pd.DataFrame({"id": [5, 6], "lon": [1.0, 2.0], "lat": [3.0, 4.0]}).to_parquet(
        tmp_path / "p.parquet"
    )
    g = read_points(tmp_path / "p.parquet")
    assert g["id"].tolist() == ["5", "6"]
    assert points_lonlat(g).tolist() == [[1.0, 3.0], [2.0, 4.0]]


def test_write_frame_rejects_unknown_suffix_and_non_geo_geopackage(
    tmp_path: Path,
) -> None:
    """Unknown suffix, or a frame without geometry for GeoPackage: nothing written."""
    with pytest.raises(InputError, match=r"\.xlsx"):
        write_frame(_frame(), tmp_path / "x.xlsx")
    with pytest.raises(InputError, match="lon and lat"):
        write_frame(pd.DataFrame({"a": [1]}), tmp_path / "x.gpkg")
    assert list(tmp_path.iterdir()) == []


def test_geopackage_layers(tmp_path: Path) -> None:
    """Several layers need layer=...; an unknown layer is named with the choices."""
    p = tmp_path / "multi.gpkg"
    _frame().to_file(p, layer="towns", engine="pyogrio")
    _frame().iloc[:1].to_file(p, layer="depots", engine="pyogrio")
    with pytest.raises(InputError, match="layer must be one of towns, depots"):
        read_points(p)
    with pytest.raises(InputError, match="got 'shops'"):
        read_points(p, layer="shops")
    assert len(read_points(p, layer="depots")) == 1
