"""read_table: one suffix map and one wording for every table file a user gives."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest

from planner.core.errors import InputError
from planner.geo import TABLE_FORMATS, read_table
from planner.geo.formats import number_column

FRAME = pd.DataFrame(
    {"id": ["A", "NA", "7"], "lon": [24.9, 25.0, 25.1], "lat": [60.2, 60.3, 60.4]}
)


def _geo() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        FRAME[["id"]], geometry=gpd.points_from_xy(FRAME["lon"], FRAME["lat"]), crs=4326
    )


@pytest.mark.parametrize("suffix", sorted(TABLE_FORMATS))
def test_every_suffix_reads_the_same_table(tmp_path: Path, suffix: str) -> None:
    """Each known suffix gives the same ids (as text, 'NA' kept) and coordinates."""
    p = tmp_path / f"t{suffix}"
    fmt = TABLE_FORMATS[suffix].name
    if fmt == "CSV":
        FRAME.to_csv(p, index=False)
    elif fmt == "Parquet":
        FRAME.to_parquet(p)
    else:
        _geo().to_file(p, driver="GPKG" if fmt == "GeoPackage" else "GeoJSON")
    got = read_table(p, what="points", points=True)
    assert got["id"].tolist() == ["A", "NA", "7"]
    assert got["lon"].round(6).tolist() == FRAME["lon"].tolist()
    assert got.attrs["format"] == fmt


def test_geoparquet_and_projected_crs_are_converted(tmp_path: Path) -> None:
    """GeoParquet in a metric CRS comes back as WGS84 lon/lat."""
    p = tmp_path / "t.parquet"
    _geo().to_crs(3067).to_parquet(p)
    got = read_table(p, what="points", points=True)
    assert got["lat"].round(6).tolist() == FRAME["lat"].tolist()


def test_crs_label_that_contradicts_the_coordinates_is_refused(tmp_path: Path) -> None:
    """Degrees labelled EPSG:3857 are named, not silently placed near (0, 0)."""
    p = tmp_path / "t.geojson"
    g = _geo().set_crs(3857, allow_override=True)
    g.to_file(p, driver="GeoJSON")
    with pytest.raises(
        InputError, match=r"t\.geojson: crs must be .*look like degrees"
    ):
        read_table(p, what="points", points=True)


@pytest.mark.parametrize(
    ("name", "content", "words"),
    [
        ("t.xlsx", "x", ["t.xlsx", "file type", ".csv, .parquet, .pq"]),
        ("t.csv", "id,lon,id\nA,1,2\n", ["t.csv", "header, column 3", "'id' twice"]),
        ("t.csv", b"id,name\nA,\xc4\xe3\n", ["t.csv", "UTF-8"]),
        ("t.pq", "not parquet", ["t.pq", "readable Parquet file of points"]),
        ("t.csv", "a,b\n1,2\n", ["t.csv", "id", "columns a, b"]),
    ],
)
def test_bad_files_name_the_file(
    tmp_path: Path, name: str, content: str | bytes, words: list[str]
) -> None:
    """Unknown suffix, doubled column, other encoding, garbage, missing id: one line."""
    p = tmp_path / name
    if isinstance(content, bytes):
        p.write_bytes(content)
    else:
        p.write_text(content)
    with pytest.raises(InputError) as e:
        read_table(p, what="points", required=("id",))
    for w in words:
        assert w in str(e.value), str(e.value)
    assert "\n" not in str(e.value)


def test_a_folder_and_a_missing_file(tmp_path: Path) -> None:
    """A folder or a missing path is named with what was expected."""
    with pytest.raises(InputError, match="a file of tickets"):
        read_table(tmp_path, what="tickets")
    with pytest.raises(InputError, match="an existing file of tickets"):
        read_table(tmp_path / "no.csv", what="tickets")


def test_number_column_names_the_cell_as_written() -> None:
    """'90,000' is refused with its row, id and a hint; 'inf' only where allowed."""
    f = pd.DataFrame({"id": ["K1", "K2"], "pop": ["1200", "90,000"]})
    with pytest.raises(InputError, match=r"row 2 \(id \"K2\"\).*'90,000'.*separators"):
        number_column(f, "pop", source="t.csv", ids=f["id"])
    g = pd.DataFrame({"cap": [1.0, float("inf")]})
    with pytest.raises(InputError, match="row 2: cap must be a number >= 0; got inf"):
        number_column(g, "cap", source="t.csv")
    assert number_column(g, "cap", source="t.csv", allow_inf=True)[1] == float("inf")
