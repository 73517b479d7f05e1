"""Per-country map values: they add up to the solution, match its headline shares, and cover
every country of the boundary file."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import shape

from optimizer import Policy, geo, load_dataset, maps, optimize


@pytest.fixture(scope="module")
def dataset():
    return load_dataset()


@pytest.fixture(scope="module")
def solution(dataset):
    return optimize(dataset, Policy(caps={"CHN": 0.6}))


@pytest.fixture(scope="module")
def boundaries():
    return geo.load_boundaries()


@pytest.fixture(scope="module")
def values(solution):
    return maps.map_values(solution)


def test_one_row_per_supplier_with_attributes(values, dataset):
    assert list(values["supplier"]) == list(dataset.suppliers.index)
    s = values.set_index("supplier")
    assert s.loc["CHN", "wgi_risk"] == dataset.suppliers.at["CHN", "wgi_risk"]
    assert s.loc["VNM", "lead_time_days"] == dataset.suppliers.at["VNM", "lead_time_days"]
    offered = dataset.offers[dataset.offers["supplier"] == "LAO"]["capacity_t"].sum()
    assert s.loc["LAO", "capacity_t"] == pytest.approx(offered)


def test_tonnes_and_value_add_up_to_the_solution(values, solution):
    assert values["optimized_t"].sum() == pytest.approx(solution.allocation["tonnes"].sum())
    assert values["optimized_usd"].sum() == pytest.approx(solution.total_cost_usd)
    assert values["baseline_usd"].sum() == pytest.approx(solution.baseline_portfolio["cost_usd"])
    demand = solution.metrics["demand_t"].sum()
    assert values["baseline_t"].sum() == pytest.approx(demand)
    np.testing.assert_allclose(
        values["change_t"], values["optimized_t"] - values["baseline_t"], atol=1e-9
    )
    np.testing.assert_allclose(
        values["change_share"], values["optimized_share"] - values["baseline_share"], atol=1e-12
    )


def test_shares_match_the_headline_china_and_forge_shares(values, solution, dataset):
    s = values.set_index("supplier")
    assert s.loc["CHN", "optimized_share"] == pytest.approx(solution.portfolio["china_share"])
    assert s.loc["CHN", "baseline_share"] == pytest.approx(
        solution.baseline_portfolio["china_share"]
    )
    forge = dataset.bloc_members("FORGE")
    assert s.loc[forge, "optimized_share"].sum() == pytest.approx(solution.portfolio["forge_share"])
    assert values["optimized_share"].sum() == pytest.approx(1.0)


def test_one_element(solution):
    v = maps.map_values(solution, "Dy").set_index("supplier")
    alloc = solution.allocation[solution.allocation["element"] == "Dy"].set_index("supplier")
    for s, row in alloc.iterrows():
        assert v.loc[s, "optimized_t"] == pytest.approx(row["tonnes"])
        assert v.loc[s, "landed_cost_usd_kg"] == pytest.approx(row["cost_usd_kg"])
    assert v.loc["CHN", "optimized_share"] == pytest.approx(
        solution.metrics.at["Dy", "china_share"]
    )
    with pytest.raises(ValueError, match="not in this solution's scope"):
        maps.map_values(solution, "Xx")


def test_value_column_names():
    assert maps.value_column("tonnes", "difference") == "change_t"
    assert maps.value_column("share", "baseline") == "baseline_share"
    assert maps.value_column("value", "optimized") == "optimized_usd"
    with pytest.raises(ValueError):
        maps.value_column("weight", "optimized")


def test_map_frame_covers_every_country(solution, boundaries):
    frame = maps.map_frame(solution, boundaries=boundaries)
    assert len(frame) == len(boundaries)
    assert frame["iso3"].is_unique
    china = frame.set_index("iso3").loc["CHN"]
    assert china["optimized_t"] > 0
    assert pd.isna(frame.set_index("iso3").loc["FIN", "optimized_t"])  # not a supplier
    data = json.loads(geo.to_geojson(frame))
    assert len(data["features"]) == len(boundaries)
    props = {f["id"]: f["properties"] for f in data["features"]}
    assert props["CHN"]["optimized_t"] == pytest.approx(china["optimized_t"])


def test_domestic_sources_are_listed_not_lost(values, boundaries):
    dom = maps.domestic_values(values, boundaries)
    assert set(dom["supplier"]) == {"KOR-RECYCLING", "KOR-STOCKPILE"}


def test_flows_end_in_korea_and_skip_shapeless_sources(values, boundaries):
    f = maps.flows(values, "optimized_t", boundaries)
    assert "KOR-RECYCLING" not in set(f["supplier"])
    assert (f["value"] > 0).all()
    assert list(f["value"]) == sorted(f["value"], key=abs, reverse=True)
    korea = boundaries.set_index("iso3").geometry["KOR"]
    end = shapely.Point(f["to_lon"].iloc[0], f["to_lat"].iloc[0])
    assert korea.contains(end)
    china = boundaries.set_index("iso3").geometry["CHN"]
    start = f.set_index("supplier").loc["CHN"]
    assert china.contains(shapely.Point(start["lon"], start["lat"]))


def test_bloc_markers(dataset, boundaries):
    m = maps.bloc_markers(dataset, ["FORGE", "ASEAN"], boundaries)
    forge = set(m.loc[m["bloc"] == "FORGE", "supplier"])
    assert forge == {s for s in dataset.bloc_members("FORGE") if not s.startswith("KOR-")}
    assert set(m.loc[m["bloc"] == "ASEAN", "supplier"]) == set(dataset.bloc_members("ASEAN"))


def test_mix_table(solution):
    t = maps.mix_table(solution)
    assert t["optimized_t"].sum() == pytest.approx(solution.allocation["tonnes"].sum())
    nd = t[t["element"] == "Nd"]
    assert nd["baseline_share"].sum() == pytest.approx(1.0)
    assert nd["optimized_t"].is_monotonic_decreasing
    assert list(dict.fromkeys(t["element"])) == solution.scope


def test_display_geojson_is_clockwise_for_d3(boundaries):
    data = maps.display_geojson(boundaries)
    assert [f["id"] for f in data["features"]] == list(boundaries["iso3"])
    for f in data["features"][:40]:
        geom = shape(f["geometry"])
        polygons = geom.geoms if geom.geom_type == "MultiPolygon" else [geom]
        for p in polygons:
            assert not p.exterior.is_ccw  # d3-geo: clockwise exterior = the country itself
