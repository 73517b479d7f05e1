"""Security of supply: the stockpile as a buffer and a decision, one model of uncertainty.

The hand case: one element X, 365 t a year (so a tonne is a day of demand), price 100 USD/kg.
Supplier AAA costs 10 USD/kg, BBB 12; an event stops AAA for d days with probability p. A tonne
moved to BBB costs 2,000 USD a year and saves p x d/365 x 100,000 USD of expected loss; a tonne
of extra stock costs 0.1 x 100,000 = 10,000 USD a year and saves p x 100,000 (while the stock is
below the shortfall). Per dollar, diversifying wins iff 50 d/365 > 10, i.e. d > 73 days, for
any p: long disruptions call for diversification, short ones for stock (Tomlin 2006).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from builders import write_dataset

from optimizer.dataset import load_dataset
from optimizer.policy import Policy
from optimizer.scenarios import scenario_set, stress_test
from optimizer.solution import optimize
from optimizer.uncertainty import (
    cvar,
    enumerate_years,
    mix_exposure,
    monte_carlo,
    sample_years,
)

DEMAND = 365.0
PRICE = 100.0  # USD/kg
HOLD = 0.1
BUDGET_PREMIUM = 0.05  # of the least cost 3.65 M: 182,500 USD a year to spend on security
EXTRA_USD = BUDGET_PREMIUM * DEMAND * 10.0 * 1000
BREAK_EVEN_DAYS = 365 * 2000 / (HOLD * PRICE * 1000)  # = 73
# Stage 3 (least cost at the least risk) holds the risk to 1e-9 of the demand's value (36.5 M
# USD here) on top of a relative 1e-9: it may give up this much risk for a lower cost.
RISK_ROOM_USD = 2 * 1e-9 * DEMAND * PRICE * 1000 + 1e-3


def hand_case(tmp_path, days: float, p: float, low=None, high=None, stock_days=0.0, refill=0.0):
    event = {
        "scenario": "aaa-stops", "supplier": "AAA", "element": "X", "availability": 0.0,
        "probability": p, "duration_days": days, "description": "AAA stops",
    }  # fmt: skip
    if low is not None:
        event |= {"duration_low_days": low, "duration_high_days": high}
    folder = write_dataset(
        tmp_path / f"d{days}-p{p}",
        elements=[{"element": "X", "demand_t": DEMAND, "price_usd_kg": PRICE}],
        suppliers=[{"supplier": "AAA"}, {"supplier": "BBB"}],
        offers=[
            {"supplier": "AAA", "element": "X", "capacity_t": 1000, "cost_usd_kg": 10.0},
            {"supplier": "BBB", "element": "X", "capacity_t": 1000, "cost_usd_kg": 12.0},
        ],
        scenarios=[event],
    )
    pd.DataFrame(
        [{"element": "X", "days": stock_days, "holding_rate": HOLD, "refill_premium": refill,
          "source": "test", "status": "estimate"}]
    ).to_csv(folder / "stockpile.csv", index=False)  # fmt: skip
    return load_dataset(folder)


def sized(ds, objective="expected-loss", **kw):
    return optimize(
        ds,
        Policy(
            objective=objective, budget_premium=BUDGET_PREMIUM, stockpile_max_days=365,
            no_worse_than_today=False, **kw,
        ),
    )  # fmt: skip


def tonnes_from(sol, supplier):
    a = sol.allocation
    return float(a.loc[a["country"] == supplier, "tonnes"].sum())


@pytest.mark.parametrize("days", [180.0, 80.0])  # above the 73-day break-even
def test_a_long_rare_disruption_makes_diversification_optimal(tmp_path, days):
    sol = sized(hand_case(tmp_path, days, p=0.02))
    moved = EXTRA_USD / 2000.0  # every dollar of the premium moves supply to BBB: 91.25 t
    per_tonne = 0.02 * days / 365 * PRICE * 1000  # expected USD a tonne moved saves
    assert tonnes_from(sol, "BBB") == pytest.approx(moved, abs=RISK_ROOM_USD / per_tonne)
    assert sol.stock.loc["X", "added_t"] == pytest.approx(0.0, abs=1e-6)
    short = days / 365 * (DEMAND - moved)
    assert sol.objective_value == pytest.approx(0.02 * short * PRICE * 1000, abs=RISK_ROOM_USD)


@pytest.mark.parametrize("days", [30.0, 60.0])  # below it
def test_a_short_frequent_disruption_makes_stockpiling_optimal(tmp_path, days):
    sol = sized(hand_case(tmp_path, days, p=0.5))
    bought = EXTRA_USD / (HOLD * PRICE * 1000)  # 18.25 t of stock, below the shortfall
    assert bought < days  # the whole budget goes to stock, and it does not cover all
    assert tonnes_from(sol, "BBB") == pytest.approx(0.0, abs=1e-6)
    assert sol.stock.loc["X", "added_t"] == pytest.approx(bought, rel=1e-6)
    assert sol.stock.loc["X", "days"] == pytest.approx(bought, rel=1e-6)  # 1 t = 1 day here
    assert sol.stock_cost_usd == pytest.approx(EXTRA_USD, rel=1e-6)
    assert sol.total_cost_usd == pytest.approx(sol.budget_usd, rel=1e-6)
    assert sol.objective_value == pytest.approx(0.5 * (days - bought) * PRICE * 1000, rel=1e-6)


def test_stock_never_buys_past_the_shortfall(tmp_path):
    # 10 days every year for sure: 10 t of stock covers it; the rest of the budget is unspent
    sol = sized(hand_case(tmp_path, 10.0, p=1.0))
    assert sol.stock.loc["X", "added_t"] == pytest.approx(10.0, rel=1e-6)
    assert sol.objective_value == pytest.approx(0.0, abs=RISK_ROOM_USD)
    assert sol.total_cost_usd < sol.budget_usd - 1.0  # stage 3: the least cost at that risk


def test_without_sizing_the_stock_is_the_policys(tmp_path):
    ds = hand_case(tmp_path, 30.0, p=0.5, stock_days=20.0)
    sol = optimize(ds, Policy(objective="expected-loss", budget_premium=0.0))
    assert sol.stock.loc["X", "days"] == pytest.approx(20.0)
    assert sol.stock.loc["X", "added_t"] == 0.0
    assert sol.objective_value == pytest.approx(0.5 * (30 - 20) * PRICE * 1000, rel=1e-6)
    target = optimize(ds, Policy(objective="expected-loss", stockpile_target_days=100))
    assert target.stock.loc["X", "days"] == pytest.approx(100.0)
    assert target.objective_value == pytest.approx(0.0, abs=1e-6)


def test_refill_premium_is_paid_on_what_was_drawn(tmp_path):
    ds = hand_case(tmp_path, 30.0, p=0.5, stock_days=20.0, refill=0.25)
    sol = optimize(ds, Policy(objective="expected-loss", budget_premium=0.0))
    # 10 t short after the stock, valued at 1.25 x the price; 20 t drawn, bought back at 0.25 x
    # the price more than normal: 12.5 + 5 = 10 + 0.25 x 30
    assert sol.objective_value == pytest.approx(0.5 * (12.5 + 5) * PRICE * 1000, rel=1e-6)


def test_no_annual_allocation_draws_on_the_stockpile():
    ds = load_dataset()
    stock_plants = ds.plants.index[ds.plants["country"].map(ds.supplier_kinds) == "stockpile"]
    assert len(stock_plants)  # the bundled data has KOMIR's stock as a plant
    for objective in ("hhi", "cvar", "expected-loss"):
        sol = optimize(ds, Policy(objective=objective))
        assert not sol.arc_flows["from"].isin(stock_plants).any(), objective


# --- one model of uncertainty ----------------------------------------------------------------


def library(tmp_path):
    """Two independent events on a two-supplier element, fixed durations."""
    folder = write_dataset(
        tmp_path / "lib",
        elements=[{"element": "X", "demand_t": DEMAND, "price_usd_kg": PRICE}],
        suppliers=[{"supplier": "AAA"}, {"supplier": "BBB"}],
        offers=[
            {"supplier": "AAA", "element": "X", "capacity_t": 1000, "cost_usd_kg": 10.0},
            {"supplier": "BBB", "element": "X", "capacity_t": 1000, "cost_usd_kg": 12.0},
        ],
        baseline=[
            {"element": "X", "supplier": "AAA", "share": 0.7},
            {"element": "X", "supplier": "BBB", "share": 0.3},
        ],
        scenarios=[
            {
                "scenario": "a",
                "supplier": "AAA",
                "element": "X",
                "availability": 0.0,
                "probability": 0.3,
                "duration_days": 60,
                "description": "",
            },
            {
                "scenario": "b",
                "supplier": "BBB",
                "element": "X",
                "availability": 0.5,
                "probability": 0.1,
                "duration_days": 200,
                "description": "",
            },
        ],  # fmt: skip
    )
    pd.DataFrame([{"element": "X", "days": 20.0, "source": "test", "status": "estimate"}]).to_csv(
        folder / "stockpile.csv", index=False
    )
    return load_dataset(folder)


def test_exact_distribution_by_hand(tmp_path):
    ds = library(tmp_path)
    ex = mix_exposure(ds, ds.baseline_flows, enumerate_years(scenario_set(ds, ds.baseline_flows)))
    # a: 255.5 t a year from AAA lost for 60 days = 42 t; b: half of 109.5 t for 200 days = 30 t
    short_a, short_b = 255.5 * 60 / 365, 0.5 * 109.5 * 200 / 365
    value = {
        "a": max(0, short_a - 20) * 1e5,
        "b": max(0, short_b - 20) * 1e5,
        "ab": max(0, short_a + short_b - 20) * 1e5,
    }
    p = {"a": 0.3 * 0.9, "b": 0.7 * 0.1, "ab": 0.3 * 0.1}
    expected = sum(p[k] * value[k] for k in p)
    assert ex.expected_usd == pytest.approx(expected, rel=1e-12)
    assert ex.years.calm == pytest.approx(0.7 * 0.9)
    # CVaR 0.9: the worst 10% is ab (0.03) then a (0.07 of its 0.27)
    assert ex.cvar_usd(0.9) == pytest.approx((0.03 * value["ab"] + 0.07 * value["a"]) / 0.1)


def test_lp_objective_equals_the_evaluators_on_its_own_years(tmp_path):
    ds = library(tmp_path)
    for objective in ("cvar", "expected-loss", "worst-case"):
        sol = optimize(ds, Policy(objective=objective, budget_premium=0.02))
        assert sol.lp_objective_value == pytest.approx(sol.objective_value, rel=1e-7, abs=1e-3)


def test_monte_carlo_agrees_with_the_exact_expectation(tmp_path):
    ds = library(tmp_path)
    flows = ds.baseline_flows
    exact = mix_exposure(ds, flows, enumerate_years(scenario_set(ds, flows)))
    mc = monte_carlo(ds, flows, samples=40_000, seed=3)
    row = mc.per_element.loc["X"]
    # before the stockpile: the exact mean from the probabilities, within sampling error
    assert abs(row["mean_t"] - row["exact_mean_t"]) < 4 * row["stderr_t"]
    assert row["exact_mean_t"] == pytest.approx(0.3 * 42.0 + 0.1 * 30.0)
    value = mix_exposure(ds, flows, sample_years(scenario_set(ds, flows), 40_000, 3))
    se = value.value.std() * np.sqrt(value.years.size) / 40_000 + 1.0
    assert abs(mc.value_lost_usd["mean"] - exact.expected_usd) < 4 * se * 10
    assert mc.value_lost_usd["cvar90"] == pytest.approx(exact.cvar_usd(0.9), rel=0.05)


def test_stress_test_is_the_single_event_year(tmp_path):
    ds = library(tmp_path)
    flows = ds.baseline_flows
    table = stress_test(ds, flows).set_index("scenario")
    ss = scenario_set(ds, flows)
    only_a = enumerate_years(ss)
    one = np.flatnonzero((only_a.days > 0).sum(axis=1) == 1)
    ex = mix_exposure(ds, flows, only_a)
    for i in one:
        k = int(np.flatnonzero(only_a.days[i])[0])
        name = ss.names[k]
        assert table.loc[name, "short_t"] == pytest.approx(ex.short[i, 0])
        assert table.loc[name, "value_at_risk_usd"] == pytest.approx(ex.short[i, 0] * PRICE * 1000)


def test_durations_are_drawn_from_their_range(tmp_path):
    ds = hand_case(tmp_path, 60.0, p=1.0, low=30.0, high=150.0)
    ss = scenario_set(ds, ds.baseline_flows)
    years = sample_years(ss, 20_000, 0)
    d = years.days[:, 0]
    assert d.min() >= 30 and d.max() <= 150
    assert d.mean() == pytest.approx((30 + 60 + 150) / 3, rel=0.01)  # triangular mean


def test_cvar_splits_the_atom_at_the_quantile():
    losses = np.array([0.0, 10.0, 100.0])
    w = np.array([0.85, 0.1, 0.05])
    assert cvar(losses, w, 0.9) == pytest.approx((0.05 * 100 + 0.05 * 10) / 0.1)


# --- the bundled data: the default robust policy out of sample -------------------------------


def test_security_preset_halves_todays_loss_out_of_sample_within_15_percent(tmp_path, capsys):
    from optimizer.cli import main

    out = tmp_path / "oos.csv"
    assert (
        main(["out-of-sample", "--preset", "security", "--samples", "10000", "--out", str(out)])
        == 0
    )
    printed = capsys.readouterr().out
    assert "sampled: 10,000 years, seed 1" in printed
    table = pd.read_csv(out).set_index("mix")
    today, opt = table.loc["today"], table.loc["optimized"]
    assert today["premium_over_today"] == 0 and today["value_lost_vs_today"] == 1
    assert opt["value_lost_vs_today"] <= 0.5  # at least half of today's value lost avoided
    assert opt["premium_over_today"] <= 0.15
    assert opt["cvar90_value_lost_usd"] < today["cvar90_value_lost_usd"]
    assert opt["expected_days_short"] < today["expected_days_short"]


def test_out_of_sample_years_are_not_the_in_sample_ones():
    ds = load_dataset()
    ss = scenario_set(ds, ds.baseline_flows)
    a, b = sample_years(ss, 2000, 0), sample_years(ss, 2000, 1)
    assert a.days.shape != b.days.shape or not np.array_equal(a.days, b.days)
    assert (ss.duration_high > ss.duration_low).all()  # bundled events have duration ranges


def test_in_sample_years_merge_whole_day_duplicates_keeping_every_weight():
    from optimizer.uncertainty import in_sample_years

    ds = load_dataset()
    ss = scenario_set(ds, ds.baseline_flows)
    raw, years = sample_years(ss, 2000, 0), in_sample_years(ss, 2000, 0)
    assert years.size < raw.size  # matching years merged
    assert years.weight.sum() + years.calm == pytest.approx(1.0)
    assert np.array_equal(years.days, np.round(years.days))  # whole days
    assert len(np.unique(years.days, axis=0)) == years.size
    # the same events happen as often, and last within half a day of the sample's durations
    on_raw = (raw.days > 0).T @ raw.weight
    on = (years.days > 0).T @ years.weight
    assert on == pytest.approx(on_raw)
    assert (years.days.T @ years.weight) == pytest.approx(raw.days.T @ raw.weight, abs=0.5)
