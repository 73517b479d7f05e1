"""The frames behind the app's scenario and sensitivity views agree with the library they come
from: stress grids with stress_test, scenario hits with scenario_set, sweep frames with sweep."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from optimizer.metrics import baseline_mix

from optimizer import Policy, load_dataset, optimize
from optimizer.heatmaps import (
    STRESS_MEASURES,
    measure_column,
    policy_parameter,
    scenario_hits,
    scenario_info,
    stress_grid,
    sweep_line,
    sweep_surface,
)
from optimizer.scenarios import scenario_set, stress_test
from optimizer.session import apply_parameter, sweep


@pytest.fixture(scope="module")
def dataset():
    return load_dataset()


@pytest.fixture(scope="module")
def solution(dataset):
    return optimize(dataset, Policy())


def test_stress_grid_holds_every_stress_test_row_and_zero_elsewhere(dataset, solution):
    names = tuple(dict.fromkeys(dataset.scenarios["scenario"]))
    for mix in (baseline_mix(dataset, solution.scope), solution.allocation):
        table = stress_test(dataset, mix, None, 80.0)
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


def test_scenario_hits_are_the_offers_with_availability_below_one(dataset):
    pairs = list(zip(dataset.offers["supplier"], dataset.offers["element"], strict=True))
    for name in dict.fromkeys(dataset.scenarios["scenario"]):
        ss = scenario_set(dataset, pairs, (name,))
        hit = {p for p, a in zip(pairs, ss.availability[0], strict=True) if a < 1}
        table = scenario_hits(dataset, name)
        assert set(table["supplier"]) == {s for s, _ in hit}
        for r in table.itertuples(index=False):
            assert set(r.elements) == {e for s, e in hit if s == r.supplier}
            avail = [a for p, a in zip(pairs, ss.availability[0], strict=True) if p in hit]
            assert 0 <= r.availability_min <= r.availability_max < 1
            assert r.availability_min >= min(avail)
            assert r.detail


def test_scenario_hits_follow_the_elements_asked_for(dataset):
    embargo = scenario_hits(dataset, "china-embargo")
    assert list(embargo["supplier"]) == ["CHN"]
    assert embargo["detail"].iloc[0] == "nothing arrives, all 16 elements it offers"
    nd = scenario_hits(dataset, "china-apr2025-licensing", ["Nd"])  # Nd is not licensed
    assert nd.empty
    dy = scenario_hits(dataset, "china-apr2025-licensing", ["Dy", "Nd"])
    assert list(dy["supplier"]) == ["CHN"] and dy["elements"].iloc[0] == ["Dy"]
    assert dy["detail"].iloc[0] == "Dy: 60% arrives"
    myanmar = scenario_hits(dataset, "myanmar-border-closure", ["Dy", "Sm", "Nd"])
    china = myanmar.set_index("supplier").at["CHN", "detail"]
    assert china == "Dy: 70% arrives; Sm: 90% arrives"


def test_scenario_info_lists_every_scenario_once(dataset):
    info = scenario_info(dataset)
    rows = dataset.scenarios.drop_duplicates("scenario")
    assert list(info["scenario"]) == list(rows["scenario"])
    assert info["probability"].tolist() == pytest.approx(rows["probability"].tolist())
    assert (info["duration_days"] > 0).all()
    embargo = info.set_index("scenario").loc["china-embargo"]
    assert embargo["suppliers_hit"] == "CHN"


def test_sweep_frames_are_the_sweep_table(dataset):
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


def test_stress_grid_of_an_empty_table(dataset):
    empty = pd.DataFrame(columns=stress_test(dataset, baseline_mix(dataset)).columns)
    grid = stress_grid(empty, "short_t", ["a", "b"], ["Nd"])
    assert grid.shape == (2, 1) and np.all(grid.to_numpy() == 0.0)
