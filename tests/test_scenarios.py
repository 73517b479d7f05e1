"""Stress tests, robust objectives and Monte Carlo against hand computations (two independent
events with fixed durations, so the optimiser weighs their exact distribution)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from builders import write_dataset

from optimizer import Policy, load_dataset, optimize
from optimizer.network.measures import baseline_flows as baseline_mix
from optimizer.scenarios import scenario_set, stress_test
from optimizer.uncertainty import (
    cvar,
    enumerate_years,
    in_sample_years,
    mix_exposure,
    monte_carlo,
    tail_loss,
)


@pytest.fixture
def small(tmp_path):
    """X: demand 365 t (1 t a day). AAA is cheap and exposed to a 73-day stop; BBB is dear and safe."""
    write_dataset(
        tmp_path,
        elements=[{"element": "X", "demand_t": 365.0, "price_usd_kg": 50.0}],
        suppliers=[
            {"supplier": "AAA", "outage_probability": 0.2},
            {"supplier": "BBB", "outage_probability": 0.05},
            {"supplier": "CCC", "outage_probability": 0.0},
        ],
        offers=[
            {"supplier": "AAA", "element": "X", "capacity_t": 365.0, "cost_usd_kg": 10.0},
            {"supplier": "BBB", "element": "X", "capacity_t": 365.0, "cost_usd_kg": 14.0},
            {"supplier": "CCC", "element": "X", "capacity_t": 100.0, "cost_usd_kg": 30.0},
        ],
        scenarios=[
            {
                "scenario": "aaa-stops",
                "supplier": "AAA",
                "element": "*",
                "availability": 0.0,
                "probability": 0.2,
                "description": "",
                "duration_days": 73,
            },
            {
                "scenario": "bbb-halves",
                "supplier": "BBB",
                "element": "X",
                "availability": 0.5,
                "probability": 0.05,
                "description": "",
                "duration_days": 146,
            },
        ],
    )
    return load_dataset(tmp_path)


ARCS = pd.DataFrame({"element": "X", "from": ["AAA", "BBB", "CCC"], "to": "korea"})


def mix(**tonnes):
    return pd.DataFrame({"element": "X", "supplier": list(tonnes), "tonnes": list(tonnes.values())})


def test_stress_test_by_hand(small):
    # 300 t/yr from AAA, 65 from BBB. AAA stops 73 days: 300 * 73/365 = 60 t short = 60 days of
    # demand; 10 days of stockpile = 10 t. Spare: BBB (365-65)*0.2 = 60 t at 14 USD/kg fills it all.
    out = stress_test(small, mix(AAA=300.0, BBB=65.0), stock_days=10).set_index("scenario")
    row = out.loc["aaa-stops"]
    assert row["short_t"] == pytest.approx(60.0)
    assert row["short_share"] == pytest.approx(300 / 365)
    assert row["value_at_risk_usd"] == pytest.approx(60.0 * 50_000)
    assert row["stockpile_days_needed"] == pytest.approx(60.0)
    assert row["stockpile_t"] == pytest.approx(10.0)
    assert row["spare_fill_t"] == pytest.approx(60.0)
    assert row["fill_cost_usd"] == pytest.approx(60 * 14_000)
    assert row["fill_premium_usd"] == pytest.approx(60 * (14_000 - 10_000))
    assert row["uncovered_t"] == pytest.approx(0.0)
    # BBB at half for 146 days: 65 * 0.5 * 0.4 = 13 t; spare elsewhere: AAA 65*0.4=26 t, CCC 40 t
    row = out.loc["bbb-halves"]
    assert row["short_t"] == pytest.approx(13.0)
    assert row["spare_fill_t"] == pytest.approx(13.0)
    assert row["fill_cost_usd"] == pytest.approx(13 * 10_000)


def test_stress_with_no_spare_leaves_gap_uncovered(small):
    # everything from AAA and BBB at capacity: AAA stops for 73 days, 73 t short; spare is only
    # CCC's 100 t a year, 20 t over the 73 days; 5 days of stock (5 t) leave 48 t uncovered
    out = stress_test(small, mix(AAA=365.0, BBB=365.0), stock_days=5).set_index("scenario")
    row = out.loc["aaa-stops"]
    assert row["short_t"] == pytest.approx(73.0)
    assert row["spare_fill_t"] == pytest.approx(20.0)
    assert row["fill_cost_usd"] == pytest.approx(20 * 30_000)
    assert row["uncovered_t"] == pytest.approx(48.0)


def test_cvar_of_a_discrete_distribution_by_hand():
    lossesv = np.array([0.0, 10.0, 100.0])
    w = np.array([0.75, 0.2, 0.05])
    # worst 10%: 0.05 at 100 and 0.05 at 10 -> mean 55
    assert cvar(lossesv, w, 0.9) == pytest.approx(55.0)
    assert cvar(lossesv, w, 0.95) == pytest.approx(100.0)
    assert cvar(lossesv, w, 0.0) == pytest.approx(0.2 * 10 + 0.05 * 100)


def exact(small, flows, days):
    return mix_exposure(small, flows, enumerate_years(scenario_set(small, ARCS)), days)


def test_cvar_from_the_lp_equals_cvar_of_the_solution(small):
    policy = Policy(objective="cvar", alpha=0.9, stockpile_days=10, budget_premium=0.2)
    sol = optimize(small, policy)
    expected = exact(small, sol.arc_flows, 10).cvar_usd(0.9)
    assert sol.lp_objective_value == pytest.approx(expected, rel=1e-7, abs=1e-3)
    assert sol.objective_value == pytest.approx(expected, rel=1e-9)


def test_robust_mix_has_lower_cvar_than_min_hhi_mix_at_same_budget(small):
    common = {"alpha": 0.9, "stockpile_days": 10, "budget_premium": 0.25}
    robust = optimize(small, Policy(objective="cvar", **common))
    spread = optimize(small, Policy(objective="hhi", **common))

    def tail(sol):
        return exact(small, sol.arc_flows, 10).cvar_usd(0.9)

    assert robust.total_cost_usd <= spread.budget_usd * (1 + 1e-8)
    assert tail(robust) < tail(spread) - 1.0


def test_worst_case_minimises_the_largest_scenario_loss(small):
    sol = optimize(small, Policy(objective="worst-case", stockpile_days=0, budget_premium=0.3))
    assert sol.objective_value == pytest.approx(exact(small, sol.arc_flows, 0).value.max())
    cheaper = optimize(small, Policy(objective="worst-case", stockpile_days=0, budget_premium=0.1))
    assert sol.objective_value <= cheaper.objective_value + 1e-6


def test_stockpile_absorbs_short_disruptions(small):
    # 73 days of stock cover the worst year: AAA's 73-day stop (at most 73 t) plus BBB's halving
    # (at most 365 x 0.5 x 146/365 = 73 t) can only come together for mixes that split supply,
    # and a split mix loses less than 73 t in all: with 73 t of stock the cheapest mix loses 0
    sol = optimize(small, Policy(objective="cvar", stockpile_days=73, budget_premium=0.0))
    assert sol.objective_value == pytest.approx(0.0, abs=1e-6)
    assert sol.total_cost_usd == pytest.approx(365 * 10_000)  # so it buys the cheapest


def test_monte_carlo_matches_the_exact_expectation(small):
    m = mix(AAA=200.0, BBB=100.0, CCC=65.0)
    mc = monte_carlo(small, m, samples=40_000, seed=7)
    row = mc.per_element.loc["X"]
    # AAA: 0.2 x 200 t x 73/365 = 8 t; BBB: 0.05 x 100 t x 0.5 x 146/365 = 1 t
    assert row["exact_mean_t"] == pytest.approx(9.0)
    assert abs(row["mean_t"] - 9.0) < 4 * row["stderr_t"]
    # independent events: P(any shortfall) = 1 - P(neither happens)
    assert row["prob_any"] == pytest.approx(1 - 0.8 * 0.95, abs=4 * np.sqrt(0.24 * 0.76 / 40_000))


def test_unknown_scenario_is_a_policy_error(small):
    from optimizer.errors import InputError

    with pytest.raises(InputError, match="unknown scenario"):
        optimize(small, Policy(objective="cvar", scenarios=("nope",)))


def test_bundled_library_holds_what_could_happen_next_not_rules_in_force():
    ds = load_dataset()
    events = set(ds.scenarios["scenario"])
    rules = set(ds.rules["rule"])
    # the April 2025 licences and Vietnam's 2026 law apply today: the base case, not events
    assert not any("apr2025" in n or "vietnam" in n or "laos" in n for n in events)
    assert any("apr2025" in r for r in rules) and any("vietnam" in r for r in rules)
    assert {"china-embargo-korea", "myanmar-closure", "lynas-malaysia-outage"} <= events
    # long events (a year or more) are in the library
    assert (ds.scenarios["duration_high_days"] >= 365).any()
    robust = optimize(ds, Policy(objective="cvar"))
    spread = optimize(ds, Policy(objective="hhi"))
    # the optimiser's own in-sample years (they depend on the events, not on the arcs) score
    # the least-HHI mix too: the robust mix's CVaR is no higher
    years = in_sample_years(scenario_set(ds, ds.baseline_flows), 2000, 0)
    assert robust.objective_value <= mix_exposure(ds, spread.arc_flows, years).cvar_usd(0.9) + 1.0
    assert robust.objective_value < robust.baseline_objective_value
    assert robust.baseline_objective_value == pytest.approx(
        mix_exposure(ds, baseline_mix(ds), years).cvar_usd(0.9), rel=1e-9
    )
    assert tail_loss(ds, baseline_mix(ds), "cvar", 0.9, years=years) == pytest.approx(
        robust.baseline_objective_value, rel=1e-9
    )
