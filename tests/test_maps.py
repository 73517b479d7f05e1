"""Per-country map values at one stage: they add up to the solution, match its per-stage headline
shares, switch with the stage, cover every country of the boundary file; and the chain's links
country to country, for the Sankey view, carry every tonne of both mixes."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely
from builders import write_stage_dataset
from shapely.geometry import shape

from optimizer import Policy, geo, load_dataset, maps, optimize
from optimizer.schema import KOREA

REPO = Path(__file__).resolve().parent.parent


def chain_dataset(folder: Path) -> Path:
    """Two elements through four stages: X arrives as magnets, Y as oxide. Today China mines
    most of X and all of Y and separates all of both; Japan and China make the magnets. Mines
    in Vietnam and Australia, a Malaysian separator (20 t of X at most) and Korean recycling are
    dearer options, so China's separation share of X cannot fall below 80%.
    Scenarios: a Chinese embargo (every stage), a Malaysian separation slowdown (one stage) and
    a Vietnamese mine stop for X only."""
    plants = [
        ("CN-MINE", "CHN", "mine"), ("VN-MINE", "VNM", "mine"), ("AU-MINE", "AUS", "mine"),
        ("KR-RECYCLE", "KOR-RECYCLING", "mine"), ("CN-SEP", "CHN", "separation"),
        ("MY-SEP", "MYS", "separation"), ("CN-MAG", "CHN", "magnet"), ("JP-MAG", "JPN", "magnet"),
    ]  # fmt: skip
    cost = {"CN-MINE": 10, "VN-MINE": 11, "AU-MINE": 12, "KR-RECYCLE": 30, "CN-SEP": 5,
            "MY-SEP": 9, "CN-MAG": 18, "JP-MAG": 20}  # fmt: skip
    capacity = [
        {
            "plant": p,
            "element": e,
            "capacity_t": 20 if (p, e) == ("MY-SEP", "X") else 1000,
            "cost_usd_kg": cost[p] + (e == "Y"),
        }
        for p, _, stage in plants
        for e in ("X", "Y")
        if stage != "magnet" or e == "X"
    ]
    x, y = "X", "Y"
    return write_stage_dataset(
        folder,
        elements=[{"element": x, "demand_t": 100.0}, {"element": y, "demand_t": 50.0}],
        suppliers=[
            {"supplier": "CHN", "wgi_risk": 7.0, "blocs": "FTA", "outage_probability": 0.1},
            {"supplier": "VNM", "blocs": "ASEAN;FTA", "outage_probability": 0.05},
            {"supplier": "AUS", "wgi_risk": 1.0, "blocs": "FORGE;FTA", "outage_probability": 0.02},
            {"supplier": "MYS", "blocs": "ASEAN;FTA", "outage_probability": 0.05},
            {"supplier": "JPN", "wgi_risk": 1.5, "blocs": "FORGE;FTA", "outage_probability": 0.02},
            {
                "supplier": "KOR-RECYCLING",
                "name": "domestic recycling",
                "kind": "domestic",
                "wgi_risk": 1.0,
                "blocs": "FORGE;RECYCLING",
                "outage_probability": 0.0,
            },
        ],
        plants=[{"plant": p, "country": c, "stage": s} for p, c, s in plants],
        capacity=capacity,
        feeds=[
            {"from": "mine:*", "to": "separation:*"},
            {"from": "separation:*", "to": "magnet:*", "element": x},
        ],
        demand=[
            {"element": x, "form": "magnet", "demand_t": 100.0},
            {"element": y, "form": "oxide", "demand_t": 50.0},
        ],
        baseline_flows=[
            {"element": x, "from": "CN-MINE", "to": "CN-SEP", "tonnes": 80.0},
            {"element": x, "from": "VN-MINE", "to": "CN-SEP", "tonnes": 20.0},
            {"element": x, "from": "CN-SEP", "to": "JP-MAG", "tonnes": 60.0},
            {"element": x, "from": "CN-SEP", "to": "CN-MAG", "tonnes": 40.0},
            {"element": x, "from": "JP-MAG", "to": "korea", "tonnes": 60.0},
            {"element": x, "from": "CN-MAG", "to": "korea", "tonnes": 40.0},
            {"element": y, "from": "CN-MINE", "to": "CN-SEP", "tonnes": 50.0},
            {"element": y, "from": "CN-SEP", "to": "korea", "tonnes": 50.0},
        ],
        scenarios=[
            {
                "scenario": "china-embargo",
                "supplier": "CHN",
                "element": "*",
                "availability": 0.0,
                "probability": 0.05,
                "description": "China stops exports",
                "stage": "",
            },
            {
                "scenario": "malaysia-slowdown",
                "supplier": "MYS",
                "element": "*",
                "availability": 0.5,
                "probability": 0.1,
                "description": "Kuantan at half rate",
                "stage": "separation",
            },
            {
                "scenario": "vietnam-x-stop",
                "supplier": "VNM",
                "element": x,
                "availability": 0.0,
                "probability": 0.1,
                "description": "Vietnam's X mines stop",
                "stage": "",
            },
        ],  # fmt: skip
    )


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    return load_dataset(chain_dataset(tmp_path_factory.mktemp("chain")))


@pytest.fixture(scope="module")
def solution(dataset):
    return optimize(dataset, Policy())


@pytest.fixture(scope="module")
def boundaries():
    return geo.load_boundaries()


@pytest.fixture(scope="module")
def values(solution):
    return maps.map_values(solution)


def supplied(solution, view: str, stage: str) -> float:
    frame = solution.stage_metrics if view == "optimized" else solution.baseline_stage_metrics
    return float(frame.xs(stage, level="stage")["supplied_t"].sum())


def test_one_row_per_supplier_at_the_worst_stage(values, dataset, solution):
    assert list(values["supplier"]) == list(dataset.suppliers.index)
    stage = solution.worst_stage()[0]
    assert stage and (values["stage"] == stage).all()
    s = values.set_index("supplier")
    assert s.loc["CHN", "wgi_risk"] == 7.0
    assert s.loc["VNM", "lead_time_days"] == dataset.suppliers.at["VNM", "lead_time_days"]


def test_capacity_and_cost_are_those_of_the_plants_at_the_stage(solution):
    sep = maps.map_values(solution, stage="separation").set_index("supplier")
    assert sep.loc["CHN", "capacity_t"] == pytest.approx(2000.0)  # CN-SEP, X and Y
    assert sep.loc["MYS", "capacity_t"] == pytest.approx(1020.0)  # MY-SEP: 20 t of X, 1000 of Y
    assert sep.loc["MYS", "cost_usd_kg"] == pytest.approx((20 * 9 + 1000 * 10) / 1020)
    assert sep.loc["MYS", "capacity_elements"] == "X, Y"
    assert sep.loc["JPN", "capacity_t"] == 0 and pd.isna(sep.loc["JPN", "cost_usd_kg"])
    magnet = maps.map_values(solution, "X", stage="magnet").set_index("supplier")
    assert magnet.loc["JPN", "capacity_t"] == pytest.approx(1000.0)
    assert magnet.loc["JPN", "cost_usd_kg"] == pytest.approx(20.0)
    assert magnet.loc["MYS", "capacity_t"] == 0


@pytest.mark.parametrize("stage", ["mine", "separation", "metal", "magnet"])
def test_tonnes_and_shares_at_each_stage_are_the_solution_s(solution, stage):
    v = maps.map_values(solution, stage=stage).set_index("supplier")
    for view in maps.MIXES:
        assert v[f"{view}_t"].sum() == pytest.approx(supplied(solution, view, stage))
        port = solution.stage_portfolio(view).loc[stage]
        assert v.at["CHN", f"{view}_share"] == pytest.approx(port["china_share"])
        forge = solution.dataset.bloc_members("FORGE")
        assert v.loc[forge, f"{view}_share"].sum() == pytest.approx(port["forge_share"])
        assert v[f"{view}_share"].sum() == pytest.approx(1.0)
    np.testing.assert_allclose(v["change_t"], v["optimized_t"] - v["baseline_t"], atol=1e-9)


def test_value_is_what_the_mix_pays_each_country_at_every_stage(values, solution):
    paid = solution.allocation.groupby("country")["cost_usd"].sum()
    s = values.set_index("supplier")
    for country, usd in paid.items():
        assert s.at[country, "optimized_usd"] == pytest.approx(usd)
    assert values["optimized_usd"].sum() == pytest.approx(solution.total_cost_usd)
    assert values["baseline_usd"].sum() == pytest.approx(solution.baseline_portfolio["cost_usd"])
    # today: China is paid for 130 t of ore, 150 t of separation and 40 t of magnets
    china_today = (80 * 10 + 50 * 11 + 100 * 5 + 50 * 6 + 40 * 18) * 1000.0
    assert s.at["CHN", "baseline_usd"] == pytest.approx(china_today)


def test_the_stage_changes_the_values(solution):
    mine = maps.map_values(solution, stage="mine").set_index("supplier")
    magnet = maps.map_values(solution, stage="magnet").set_index("supplier")
    assert mine.at["CHN", "baseline_t"] == pytest.approx(130.0)  # 80 t of X and 50 of Y
    assert mine.at["VNM", "baseline_t"] == pytest.approx(20.0)
    assert magnet.at["CHN", "baseline_t"] == pytest.approx(40.0)
    assert magnet.at["JPN", "baseline_t"] == pytest.approx(60.0)
    assert magnet.at["VNM", "baseline_t"] == 0
    assert mine.at["CHN", "baseline_supplies"] == "X 80 t; Y 50 t"
    # value is paid at every stage, so it does not move with the stage shown
    assert mine["optimized_usd"].tolist() == pytest.approx(magnet["optimized_usd"].tolist())
    with pytest.raises(ValueError, match="not a stage of this solution"):
        maps.map_values(solution, stage="refining")


def test_one_element(solution):
    v = maps.map_values(solution, "Y", stage="separation").set_index("supplier")
    sep = solution.allocation.query("element == 'Y' and stage == 'separation'")
    for country, tonnes in sep.groupby("country")["tonnes"].sum().items():
        assert v.loc[country, "optimized_t"] == pytest.approx(tonnes)
    assert v.loc["CHN", "optimized_share"] == pytest.approx(
        solution.stage_metrics.at[("Y", "separation"), "china_share"]
    )
    with pytest.raises(ValueError, match="not in this solution's scope"):
        maps.map_values(solution, "Xx")


def test_a_single_stage_dataset_maps_its_offers():
    ds = load_dataset(REPO / "tests" / "fixtures" / "single_stage")
    sol = optimize(ds, Policy(caps={"CHN": 0.6}))
    assert maps.stages_of(sol) == ["separation"] == [maps.default_stage(sol)]
    v = maps.map_values(sol).set_index("supplier")
    by_country = sol.allocation.groupby("country")[["tonnes", "cost_usd"]].sum()
    for country, row in by_country.iterrows():
        assert v.at[country, "optimized_t"] == pytest.approx(row["tonnes"])
        assert v.at[country, "optimized_usd"] == pytest.approx(row["cost_usd"])
    assert v.at["CHN", "optimized_share"] == pytest.approx(sol.worst_stage()[1])


def test_value_column_names():
    assert maps.value_column("tonnes", "difference") == "change_t"
    assert maps.value_column("share", "baseline") == "baseline_share"
    assert maps.value_column("value", "optimized") == "optimized_usd"
    with pytest.raises(ValueError):
        maps.value_column("weight", "optimized")


def test_chain_links_today_are_the_baseline_flows_by_country(solution):
    links = maps.chain_links(solution, "baseline")
    assert list(links.columns) == maps.LINK_COLUMNS
    rows = {tuple(r[:4]): r[4] for r in links.itertuples(index=False)}
    assert rows == {
        ("mine", "CHN", "separation", "CHN"): 130.0,
        ("mine", "VNM", "separation", "CHN"): 20.0,
        ("separation", "CHN", "magnet", "JPN"): 60.0,
        ("separation", "CHN", "magnet", "CHN"): 40.0,
        ("separation", "CHN", KOREA, "KOR"): 50.0,
        ("magnet", "JPN", KOREA, "KOR"): 60.0,
        ("magnet", "CHN", KOREA, "KOR"): 40.0,
    }
    ranks = links["source_stage"].map({"mine": 0, "separation": 1, "magnet": 3})
    assert ranks.is_monotonic_increasing


def test_chain_links_carry_every_optimized_tonne(solution):
    flows = solution.arc_flows
    for element in (None, "X", "Y"):
        links = maps.chain_links(solution, "optimized", element)
        part = flows if element is None else flows[flows["element"] == element]
        assert links["tonnes"].sum() == pytest.approx(part["tonnes"].sum())
        into_korea = links.loc[links["target_stage"] == KOREA, "tonnes"].sum()
        assert into_korea == pytest.approx(part.loc[part["to"] == KOREA, "tonnes"].sum())
    y = maps.chain_links(solution, "optimized", "Y")
    assert "magnet" not in set(y["source_stage"]) | set(y["target_stage"])
    with pytest.raises(ValueError):
        maps.chain_links(solution, "today")


def test_mix_table_at_a_stage(solution):
    t = maps.mix_table(solution, "separation")
    assert (t["stage"] == "separation").all()
    assert list(dict.fromkeys(t["element"])) == ["X", "Y"]
    for _, part in t.groupby("element"):
        assert part["baseline_share"].sum() == pytest.approx(1.0)
        assert part["optimized_t"].is_monotonic_decreasing
    x = t[t["element"] == "X"].set_index("country")
    assert x.at["CHN", "baseline_t"] == 100.0 and x.at["CHN", "baseline_usd"] == 100 * 5 * 1000.0
    assert x.at["CHN", "cost_usd_kg"] == pytest.approx(5.0)
    assert x.at["MYS", "optimized_t"] <= 20 + 1e-6  # Malaysia's X capacity
    # every plant sits at one stage: the stages' tables add up to the cost of each mix
    tables = [maps.mix_table(solution, s) for s in maps.stages_of(solution)]
    assert sum(t["optimized_usd"].sum() for t in tables) == pytest.approx(solution.total_cost_usd)
    assert sum(t["baseline_usd"].sum() for t in tables) == pytest.approx(
        solution.baseline_portfolio["cost_usd"]
    )
    magnet = maps.mix_table(solution, "magnet")
    assert set(magnet["element"]) == {"X"}  # Y arrives as oxide: no magnet stage


def test_map_frame_covers_every_country(solution, boundaries):
    frame = maps.map_frame(solution, boundaries=boundaries, stage="mine")
    assert len(frame) == len(boundaries)
    assert frame["iso3"].is_unique
    china = frame.set_index("iso3").loc["CHN"]
    assert china["optimized_t"] > 0
    assert pd.isna(frame.set_index("iso3").loc["FIN", "optimized_t"])  # not a supplier
    data = json.loads(geo.to_geojson(frame))
    assert len(data["features"]) == len(boundaries)
    props = {f["id"]: f["properties"] for f in data["features"]}
    assert props["CHN"]["optimized_t"] == pytest.approx(china["optimized_t"])
    assert props["CHN"]["stage"] == "mine"


def test_domestic_sources_are_listed_not_lost(solution, boundaries):
    dom = maps.domestic_values(maps.map_values(solution, stage="mine"), boundaries)
    assert set(dom["supplier"]) == {"KOR-RECYCLING"}


def test_flow_lines_end_in_korea_and_skip_shapeless_sources(boundaries, solution):
    v = maps.map_values(solution, stage="mine")
    v.loc[v["supplier"] == "KOR-RECYCLING", "baseline_t"] = 5.0  # as if recycling shipped
    f = maps.flow_lines(v, "baseline_t", boundaries)
    assert set(f["supplier"]) == {"CHN", "VNM"}
    assert list(f["value"]) == sorted(f["value"], key=abs, reverse=True)
    korea = boundaries.set_index("iso3").geometry["KOR"]
    end = shapely.Point(f["to_lon"].iloc[0], f["to_lat"].iloc[0])
    assert korea.contains(end)
    china = boundaries.set_index("iso3").geometry["CHN"]
    start = f.set_index("supplier").loc["CHN"]
    assert china.contains(shapely.Point(start["lon"], start["lat"]))


def test_bloc_markers(dataset, boundaries):
    m = maps.bloc_markers(dataset, ["FORGE", "ASEAN"], boundaries)
    assert set(m.loc[m["bloc"] == "FORGE", "supplier"]) == {"AUS", "JPN"}  # recycling: no shape
    assert set(m.loc[m["bloc"] == "ASEAN", "supplier"]) == {"VNM", "MYS"}


def test_display_geojson_is_clockwise_for_d3(boundaries):
    data = maps.display_geojson(boundaries)
    assert [f["id"] for f in data["features"]] == list(boundaries["iso3"])
    for f in data["features"][:40]:
        geom = shape(f["geometry"])
        polygons = geom.geoms if geom.geom_type == "MultiPolygon" else [geom]
        for p in polygons:
            assert not p.exterior.is_ccw  # d3-geo: clockwise exterior = the country itself
