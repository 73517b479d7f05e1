"""Country boundaries: the bundled file, the map frames built from it, and the script that builds it."""

from __future__ import annotations

import importlib.util
import inspect
import json
import math
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
import shapely
from shapely.geometry import Point, shape

from optimizer import geo

REPO = Path(__file__).resolve().parent.parent
SUPPLIERS_CSV = REPO / "data" / "suppliers.csv"
BUILD_SCRIPT = REPO / "scripts" / "build_boundaries.py"

# Every country supplier the reference dataset names (REFERENCE_DATA.md sections 1, 5, 6).
REFERENCE_COUNTRIES = [
    *("CHN", "VNM", "LAO", "MMR", "MYS", "THA", "AUS", "USA", "JPN", "FRA"),
    *("EST", "CAN", "IND", "BRA", "RUS", "NGA", "MDG", "GRL", "TZA", "ZAF"),
]


@pytest.fixture(scope="module")
def boundaries() -> gpd.GeoDataFrame:
    return geo.load_boundaries()


@pytest.fixture(scope="module")
def build_script():
    spec = importlib.util.spec_from_file_location("build_boundaries", BUILD_SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    try:
        module.source_path()
    except SystemExit as exc:  # the pyogrio wheel no longer ships Natural Earth
        pytest.skip(f"cannot rebuild boundaries here: {exc}")
    return module


def test_boundary_file_has_every_country_once(boundaries):
    assert geo.BOUNDARIES_PATH == REPO / "data" / "boundaries.parquet"
    assert list(boundaries.columns) == ["iso3", "name", "continent", "geometry"]
    assert len(boundaries) >= 170
    codes = boundaries["iso3"]
    assert codes.notna().all()
    assert codes.is_unique
    assert "-99" not in set(codes)
    assert codes.str.fullmatch(r"[A-Z]{3}").all()
    assert list(codes) == sorted(codes)
    assert boundaries.geometry.is_valid.all()
    assert not boundaries.geometry.is_empty.any()


def test_codes_fixed_from_natural_earth(boundaries):
    by_code = boundaries.set_index("iso3")
    for code, name in {
        "FRA": "France",
        "NOR": "Norway",
        "XKX": "Kosovo",
        "CYN": "N. Cyprus",
        "SOL": "Somaliland",
        "KOR": "South Korea",
    }.items():
        assert by_code.loc[code, "name"] == name
        geom = by_code.loc[code, "geometry"]
        assert geom.geom_type in ("Polygon", "MultiPolygon")
        assert geom.area > 0.1  # square degrees: a real country, not a sliver
    assert by_code.loc["FRA", "geometry"].contains(Point(2.35, 48.85))  # Paris
    assert by_code.loc["NOR", "geometry"].contains(Point(10.75, 59.91))  # Oslo


def test_crs_is_wgs84(boundaries):
    assert boundaries.crs is not None
    assert boundaries.crs.to_epsg() == 4326


def test_file_carries_attribution():
    metadata = pq.read_schema(geo.BOUNDARIES_PATH).metadata
    assert b"Made with Natural Earth" in metadata[b"attribution"]
    assert b"geo" in metadata  # GeoParquet, readable by any GIS tool


def test_load_returns_a_copy():
    first = geo.load_boundaries()
    first.loc[first["iso3"] == "KOR", "name"] = "changed"
    first.loc[first["iso3"] == "KOR", "geometry"] = Point(0, 0)
    again = geo.load_boundaries()
    korea = again[again["iso3"] == "KOR"]
    assert korea["name"].item() == "South Korea"
    assert korea.geometry.item().contains(Point(126.98, 37.57))  # Seoul


def test_missing_file_says_how_to_build_it(tmp_path):
    missing = tmp_path / "nowhere" / "boundaries.parquet"
    with pytest.raises(FileNotFoundError) as err:
        geo.load_boundaries(missing)
    assert str(missing) in str(err.value)
    assert "scripts/build_boundaries.py" in str(err.value)


def test_package_never_reads_pyogrio_fixtures():
    source = inspect.getsource(geo)
    assert "pyogrio" not in source
    assert "fixtures" not in source


def test_reference_country_suppliers_have_shapes(boundaries):
    assert geo.missing_geometries(REFERENCE_COUNTRIES, boundaries) == []


def test_dataset_country_suppliers_have_shapes(boundaries):
    if not SUPPLIERS_CSV.exists():
        pytest.skip(f"{SUPPLIERS_CSV} not written yet")
    suppliers = pd.read_csv(SUPPLIERS_CSV)
    countries = suppliers.loc[suppliers["kind"] == "country", "supplier"].tolist()
    assert countries, "no country suppliers in suppliers.csv"
    assert geo.missing_geometries(countries, boundaries) == []


def test_missing_geometries_names_domestic_codes_in_order(boundaries):
    codes = ["CHN", "KOR-RECYCLING", "SGP", "CHN", "KOR", "KOR-RECYCLING"]
    assert geo.missing_geometries(codes, boundaries) == ["KOR-RECYCLING", "SGP"]
    assert geo.missing_geometries("KOR", boundaries) == []  # one code, not three letters


def test_country_frame_keeps_every_country_and_drops_domestic(boundaries):
    values = pd.DataFrame(
        {
            "supplier": ["CHN", "VNM", "KOR-RECYCLING", "AUS"],
            "name": ["China", "Viet Nam", "Recycling", "Australia"],
            "share": [0.6, 0.2, 0.1, 0.1],
        }
    )
    frame = geo.country_frame(values, boundaries)
    assert isinstance(frame, gpd.GeoDataFrame)
    assert len(frame) == len(boundaries)
    assert list(frame["iso3"]) == list(boundaries["iso3"])
    assert frame.crs == boundaries.crs
    assert frame.geometry.name == "geometry"
    assert "KOR-RECYCLING" not in set(frame["iso3"])
    shares = frame.set_index("iso3")["share"]
    assert shares.notna().sum() == 3
    assert shares["CHN"] == 0.6
    assert math.isnan(shares["KOR"])
    # the boundary name stays; the clashing value column is kept under a suffix
    by_code = frame.set_index("iso3")
    assert by_code.loc["VNM", "name"] == "Vietnam"
    assert by_code.loc["VNM", "name_value"] == "Viet Nam"
    assert list(frame.columns)[-1] == "geometry"


def test_country_frame_takes_key_from_index_or_named_column(boundaries):
    values = pd.DataFrame({"code": ["LAO", "MMR"], "risk": [5.0, 8.0]})
    frame = geo.country_frame(values, boundaries, key="code")
    assert frame.set_index("iso3")["risk"].dropna().to_dict() == {"LAO": 5.0, "MMR": 8.0}
    indexed = geo.country_frame(values.set_index("code"), boundaries, key="code")
    assert indexed.set_index("iso3")["risk"].dropna().to_dict() == {"LAO": 5.0, "MMR": 8.0}
    with pytest.raises(KeyError, match="supplier"):
        geo.country_frame(values, boundaries)


def test_country_frame_uses_bundled_boundaries_by_default():
    frame = geo.country_frame(pd.DataFrame({"supplier": ["JPN"], "x": [1.0]}))
    assert len(frame) >= 170
    assert frame.set_index("iso3").loc["JPN", "x"] == 1.0


def test_to_geojson_round_trips_with_null_for_missing(boundaries):
    values = pd.DataFrame(
        {
            "supplier": ["CHN", "VNM"],
            "share": [0.7, np.nan],
            "tonnes": pd.array([100, None], dtype="Int64"),
            "count": np.array([3, 4], dtype=np.int64),
        }
    )
    frame = geo.country_frame(values, boundaries)
    text = geo.to_geojson(frame)
    doc = json.loads(text)  # strict JSON: no NaN tokens
    assert "NaN" not in text
    assert doc["type"] == "FeatureCollection"
    assert len(doc["features"]) == len(boundaries)
    by_id = {f["id"]: f for f in doc["features"]}
    assert by_id["CHN"]["properties"]["share"] == 0.7
    assert by_id["CHN"]["properties"]["tonnes"] == 100
    assert by_id["CHN"]["properties"]["count"] == 3
    assert by_id["VNM"]["properties"]["share"] is None
    assert by_id["VNM"]["properties"]["tonnes"] is None
    assert by_id["KOR"]["properties"]["share"] is None
    assert by_id["KOR"]["properties"]["name"] == "South Korea"
    korea = shape(by_id["KOR"]["geometry"])
    assert korea.is_valid
    assert korea.contains(Point(126.98, 37.57))  # Seoul
    # RFC 7946: exterior rings counter-clockwise
    for feature in doc["features"]:
        geom = shape(feature["geometry"])
        for part in getattr(geom, "geoms", [geom]):
            assert part.exterior.is_ccw


def test_to_geojson_reprojects_to_lon_lat(boundaries):
    korea = boundaries[boundaries["iso3"] == "KOR"]
    doc = json.loads(geo.to_geojson(korea.to_crs(3857)))
    lon, lat = shapely.get_coordinates(shape(doc["features"][0]["geometry"]))[0]
    assert 124 < lon < 131 and 33 < lat < 39
    assert json.loads(geo.to_geojson(korea.iloc[:0])) == {
        "type": "FeatureCollection",
        "features": [],
    }


def test_centroids_fall_inside_their_country(boundaries):
    points = geo.centroids([geo.KOREA, "NOR", "FRA", "USA", "KOR-RECYCLING", "CHN"], boundaries)
    assert list(points.columns) == ["iso3", "lon", "lat"]
    assert list(points["iso3"]) == ["KOR", "NOR", "FRA", "USA", "CHN"]
    shapes = boundaries.set_index("iso3").geometry
    for row in points.itertuples():
        assert shapes[row.iso3].contains(Point(row.lon, row.lat)), row.iso3
    by_code = points.set_index("iso3")
    assert 124 < by_code.loc["KOR", "lon"] < 131 and 33 < by_code.loc["KOR", "lat"] < 39
    assert by_code.loc["NOR", "lat"] < 72  # mainland, not Svalbard
    assert by_code.loc["FRA", "lat"] > 40  # Europe, not French Guiana
    assert by_code.loc["USA", "lon"] > -125  # lower 48, not Alaska


def test_centroids_of_every_country(boundaries):
    points = geo.centroids(boundaries=boundaries)
    assert len(points) == len(boundaries)
    assert points[["lon", "lat"]].notna().all().all()


def test_build_is_deterministic_and_matches_bundled_file(build_script, tmp_path):
    first = build_script.build(tmp_path / "a" / "boundaries.parquet")
    second = build_script.build(tmp_path / "b" / "boundaries.parquet")
    assert first.read_bytes() == second.read_bytes()
    assert first.stat().st_size < 250_000
    assert not list((tmp_path / "a").glob(".*.tmp"))  # no temporary file left behind

    built = gpd.read_parquet(first)
    bundled = gpd.read_parquet(geo.BOUNDARIES_PATH)
    pd.testing.assert_frame_equal(
        pd.DataFrame(built.drop(columns="geometry")), pd.DataFrame(bundled.drop(columns="geometry"))
    )
    assert built.geometry.geom_equals_exact(bundled.geometry, tolerance=0).all()
