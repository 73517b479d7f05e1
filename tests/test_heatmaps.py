"""The frames behind the app's scenario and sensitivity views agree with the library they come
from: stress grids with stress_test, scenario hits with scenario_set over the network's arcs,
sweep frames with sweep."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from test_maps import chain_dataset

from optimizer import Policy, load_dataset, maps, optimize
from optimizer.heatmaps import (
    STRESS_MEASURES,
    measure_column,
    policy_parameter,
    scenario_arcs,
    scenario_hits,
    scenario_info,
    stress_grid,
    sweep_line,
    sweep_surface,
)
from optimizer.scenarios import scenario_set, stress_test
from optimizer.session import apply_parameter, sweep

SINGLE_STAGE = Path(__file__).resolve().parent / "fixtures" / "single_stage"


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    return load_dataset(chain_dataset(tmp_path_factory.mktemp("chain")))


@pytest.fixture(scope="module")
def solution(dataset):
    return optimize(dataset, Policy())


@pytest.fixture(scope="module")
def single_stage():
    return load_dataset(SINGLE_STAGE)


def test_stress_grid_holds_every_stress_test_row_and_zero_elsewhere(dataset, solution):
    names = tuple(dict.fromkeys(dataset.scenarios["scenario"]))
    for view in maps.MIXES:
        table = stress_test(dataset, maps.mix_of(solution, view), None, 10.0)
        assert len(table)
        for measure in STRESS_MEASURES:
            grid = stress_grid(table, measure, names, solution.scope)
            assert list(grid.index) == list(names)
            assert list(grid.columns) == solution.scope
            for r in table.itertuples(index=False):
                assert grid.at[r.scenario, r.element] == pytest.approx(getattr(r, measure))
            listed = set(zip(table["scenario"], table["element"], strict=True))
            rest = [grid.at[s, e] for s in names for e in solution.scope if (s, e) not in listed]
            assert rest and all(v == 0.0 for v in rest)
    with pytest.raises(ValueError, match="unknown measure"):
        stress_grid(table, "tonnes", names, solution.scope)


def test_scenario_hits_name_the_countries_and_stages_hit(dataset):
    embargo = scenario_hits(dataset, "china-embargo")
    assert list(embargo["supplier"]) == ["CHN"]
    row = embargo.iloc[0]
    assert row["elements"] == ["X", "Y"] and row["offered"] == 2
    assert row["stages"] == ["mine", "separation", "magnet"]
    assert row["detail"] == "nothing ships, all 2 elements it handles (mine, separation, magnet)"
    slow = scenario_hits(dataset, "malaysia-slowdown").set_index("supplier")
    assert list(slow.index) == ["MYS"] and slow.at["MYS", "stages"] == ["separation"]
    assert slow.at["MYS", "availability_min"] == slow.at["MYS", "availability_max"] == 0.5
    assert slow.at["MYS", "detail"] == "only 50% ships, all 2 elements it handles (separation)"
    vietnam = scenario_hits(dataset, "vietnam-x-stop")
    assert list(vietnam["supplier"]) == ["VNM"]
    assert vietnam["detail"].iloc[0] == "X: nothing ships (mine)"


def test_scenario_hits_follow_the_elements_and_flows_asked_for(dataset, solution):
    assert scenario_hits(dataset, "vietnam-x-stop", ["Y"]).empty  # only X's mines stop
    assert list(scenario_hits(dataset, "china-embargo", ["Y"])["elements"].iloc[0]) == ["Y"]
    today = [maps.mix_of(solution, "baseline")]
    assert scenario_hits(dataset, "malaysia-slowdown", flows=today).empty  # unused today
    both = [maps.mix_of(solution, v) for v in maps.MIXES]
    uses_malaysia = (solution.allocation["country"] == "MYS").any()
    assert uses_malaysia
    assert list(scenario_hits(dataset, "malaysia-slowdown", flows=both)["supplier"]) == ["MYS"]


def test_scenario_hits_are_the_arcs_with_availability_below_one(single_stage):
    arcs = scenario_arcs(single_stage)
    country = single_stage.plants["country"]
    for name in dict.fromkeys(single_stage.scenarios["scenario"]):
        ss = scenario_set(single_stage, arcs, (name,))
        cut = ss.availability[0] < 1
        hit = set(zip(arcs["from"][cut].map(country), arcs["element"][cut], strict=True))
        table = scenario_hits(single_stage, name)
        assert set(table["supplier"]) == {s for s, _ in hit}
        for r in table.itertuples(index=False):
            assert set(r.elements) == {e for s, e in hit if s == r.supplier}
            assert 0 <= r.availability_min <= r.availability_max < 1
            assert r.availability_min >= ss.availability[0][cut].min()
            assert r.stages == ["separation"] and r.detail


def test_scenario_info_lists_every_scenario_once(dataset):
    info = scenario_info(dataset)
    rows = dataset.scenarios.drop_duplicates("scenario")
    assert list(info["scenario"]) == list(rows["scenario"])
    assert info["probability"].tolist() == pytest.approx(rows["probability"].tolist())
    assert (info["duration_days"] > 0).all()
    hit = info.set_index("scenario")["suppliers_hit"]
    assert hit.to_dict() == {
        "china-embargo": "CHN",
        "malaysia-slowdown": "MYS",
        "vietnam-x-stop": "VNM",
    }
    assert (
        scenario_info(dataset, ["Y"]).set_index("scenario").at["vietnam-x-stop", "suppliers_hit"]
        == ""
    )


def test_sweep_frames_are_the_sweep_table(single_stage):
    dataset = single_stage
    policy = Policy(objective="cost")
    grids = {"budget_premium": [0.0, 0.2], "china_cap": [0.5, 0.8, 1.0]}
    table = sweep(dataset, policy, grids)
    surface = sweep_surface(table, "china_cap", "budget_premium", "china_share")
    assert list(surface.columns) == [0.5, 0.8, 1.0] and list(surface.index) == [0.0, 0.2]
    for r in table.itertuples(index=False):
        assert surface.at[r.budget_premium, r.china_cap] == pytest.approx(r.china_share)
    status = sweep_surface(table, "china_cap", "budget_premium", "status")
    assert set(status.to_numpy().ravel()) <= {"optimal", "shortfall"}
    one = sweep(dataset, policy, {"china_cap": [1.0, 0.6, 0.8]})
    line = sweep_line(one, "china_cap", "cost_usd")
    assert line["x"].tolist() == [0.6, 0.8, 1.0]
    expected = one.sort_values("china_cap")["cost_usd"].tolist()
    assert line["y"].tolist() == pytest.approx(expected)
    missing = sweep_line(one, "china_cap", "not_a_column")
    assert missing["y"].isna().all()


def test_measure_columns():
    assert measure_column("objective", "wgi-hhi") == "objective_value"
    assert measure_column("objective", "cvar") == "objective_value"
    assert measure_column("china_share", "hhi") == "china_share"
    with pytest.raises(ValueError):
        measure_column("nonsense", "hhi")


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("china_cap", 0.45),
        ("forge_min", 0.2),
        ("budget_premium", 0.3),
        ("country_cap", 0.6),
        ("recycled_min", 0.1),
        ("stockpile_days", 90.0),
        ("alpha", 0.95),
        ("cap.VNM", 0.25),
        ("cap.Dy:CHN", 0.35),
        ("bloc_min.Dy:FORGE", 0.15),
    ],
)
def test_policy_parameter_reads_back_what_apply_parameter_sets(name, value):
    assert policy_parameter(apply_parameter(Policy(), name, value), name) == pytest.approx(value)


def test_policy_parameter_defaults():
    p = Policy()
    assert policy_parameter(p, "china_cap") == 1.0  # no cap
    assert policy_parameter(p, "country_cap") == 1.0
    assert policy_parameter(p, "forge_min") == 0.0
    assert math.isnan(policy_parameter(Policy(budget_usd=3e8, budget_premium=None), "premium"))
    with pytest.raises(ValueError):
        policy_parameter(p, "nonsense")


def test_stress_grid_of_an_empty_table(dataset, solution):
    empty = pd.DataFrame(columns=stress_test(dataset, maps.mix_of(solution, "baseline")).columns)
    grid = stress_grid(empty, "short_t", ["a", "b"], ["Nd"])
    assert grid.shape == (2, 1) and np.all(grid.to_numpy() == 0.0)
