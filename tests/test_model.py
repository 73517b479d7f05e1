"""The model against hand-solved cases and an independent quadratic solver."""

from __future__ import annotations

from pathlib import Path

import cvxpy as cp
import numpy as np
import pandas as pd
import pytest
from builders import two_suppliers, write_dataset

from optimizer import Policy, load_dataset, optimize
from optimizer.frontier import frontier
from optimizer.risk import top_k_share


def tonnes(sol, supplier, element="X"):
    a = sol.allocation
    hit = a[(a["country"] == supplier) & (a["element"] == element)]
    return float(hit["tonnes"].sum())


@pytest.mark.parametrize(
    ("premium", "cost_b"),
    [(0.0, 20.0), (0.05, 20.0), (0.15, 20.0), (0.3, 20.0), (0.1, 15.0), (1.0, 20.0)],
)
def test_two_suppliers_min_hhi_has_closed_form(tmp_path, premium, cost_b):
    # cost = D*(a p + b (1 - p)) <= (1 + premium) D a  gives  p >= (b - (1 + premium) a) / (b - a);
    # the HHI p^2 + (1 - p)^2 is least at p = 1/2, so p* = max(1/2, that bound).
    a, d = 10.0, 100.0
    ds = load_dataset(two_suppliers(tmp_path, cost_a=a, cost_b=cost_b, demand=d))
    sol = optimize(ds, Policy(budget_premium=premium))
    p = max(0.5, (cost_b - (1 + premium) * a) / (cost_b - a))
    assert tonnes(sol, "AAA") == pytest.approx(p * d, abs=0.05)
    assert sol.objective_value == pytest.approx(p**2 + (1 - p) ** 2, abs=1e-6)
    assert sol.least_cost_usd == pytest.approx(a * d * 1000)
    assert sol.total_cost_usd <= (1 + premium) * sol.least_cost_usd * (1 + 1e-7)
    assert sol.status == "optimal"


def test_binding_cap_and_its_shadow_price(tmp_path):
    ds = load_dataset(two_suppliers(tmp_path))
    sol = optimize(ds, Policy(objective="cost", caps={"AAA": 0.6}))
    assert tonnes(sol, "AAA") == pytest.approx(60.0)
    assert tonnes(sol, "BBB") == pytest.approx(40.0)
    assert sol.total_cost_usd == pytest.approx((60 * 10 + 40 * 20) * 1000)
    cap = sol.shadow_prices.query("constraint == 'cap' and target == 'AAA'").iloc[0]
    # one more point of AAA (1 t) replaces 1 t of BBB: saves (20 - 10) USD/kg * 1000 kg
    assert cap["least_cost_usd_per_point"] == pytest.approx(-10_000.0)
    assert bool(cap["binding"])


def test_element_cap_overrides_supplier_cap(tmp_path):
    ds = load_dataset(two_suppliers(tmp_path))
    sol = optimize(
        ds, Policy(objective="cost", caps={"AAA": 0.6}, element_caps={"X": {"AAA": 0.2}})
    )
    assert tonnes(sol, "AAA") == pytest.approx(20.0)


def test_bloc_minimum_forces_dearer_partner(tmp_path):
    ds = load_dataset(two_suppliers(tmp_path, cost_a=20.0, cost_b=10.0))  # AAA is FORGE and dear
    sol = optimize(ds, Policy(objective="cost", bloc_min={"FORGE": 0.3}))
    assert tonnes(sol, "AAA") == pytest.approx(30.0)
    assert sol.portfolio["forge_share"] == pytest.approx(0.3)
    row = sol.shadow_prices.query("constraint == 'bloc minimum'").iloc[0]
    assert row["least_cost_usd_per_point"] == pytest.approx(10_000.0)


def test_caps_that_cannot_cover_demand_give_an_explained_shortfall(tmp_path):
    ds = load_dataset(two_suppliers(tmp_path))
    sol = optimize(ds, Policy(caps={"AAA": 0.3, "BBB": 0.45}))
    assert sol.status == "shortfall"
    short = sol.shortfalls.iloc[0]
    assert short["element"] == "X" and short["cause"] == "caps"
    assert short["short_t"] == pytest.approx(25.0)
    assert (short["caps_t"], short["capacity_t"], short["budget_t"]) == pytest.approx(
        (25, 0, 0), abs=1e-6
    )
    assert "brings back: AAA 25 t, BBB 25 t" in short["explanation"]


def test_missing_capacity_and_tight_budget_are_named(tmp_path):
    ds = load_dataset(two_suppliers(tmp_path / "cap", cap_a=30.0, cap_b=20.0))
    short = optimize(ds, Policy()).shortfalls.iloc[0]
    assert short["cause"] == "capacity" and short["short_t"] == pytest.approx(50.0)
    ds = load_dataset(two_suppliers(tmp_path / "budget"))
    sol = optimize(ds, Policy(budget_usd=500_000.0, budget_premium=None))
    short = sol.shortfalls.iloc[0]
    assert short["cause"] == "budget"
    assert short["short_t"] == pytest.approx(50.0, abs=0.01)  # 500k USD buys 50 t at 10 USD/kg


def test_unreachable_bloc_minimum_is_reported(tmp_path):
    ds = load_dataset(two_suppliers(tmp_path, cap_a=10.0))
    sol = optimize(ds, Policy(objective="cost", bloc_min={"FORGE": 0.4}))
    row = sol.shortfalls.query("constraint == 'bloc minimum FORGE'").iloc[0]
    assert row["short_t"] == pytest.approx(30.0)


# --- against an exact quadratic solver -------------------------------------------------------


def random_instance(tmp_path, seed, n_elements=3, n_suppliers=5):
    rng = np.random.default_rng(seed)
    elements = [f"E{i}" for i in range(n_elements)]
    suppliers = [f"S{j:02d}" for j in range(n_suppliers)]
    demand = {e: float(rng.integers(50, 500)) for e in elements}
    offers = []
    for e in elements:
        for s in suppliers:
            if rng.random() < 0.85 or s == suppliers[0]:
                cap = demand[e] * (2.0 if s == suppliers[0] else rng.uniform(0.1, 0.9))
                offers.append(
                    {
                        "supplier": s,
                        "element": e,
                        "capacity_t": round(cap, 3),
                        "cost_usd_kg": round(float(rng.uniform(5, 50)), 3),
                    }
                )
    write_dataset(
        tmp_path,
        elements=[
            {
                "element": e,
                "demand_t": demand[e],
                "price_usd_kg": round(float(rng.uniform(1, 100)), 2),
            }
            for e in elements
        ],
        suppliers=[
            {"supplier": s, "wgi_risk": round(float(rng.uniform(1, 9)), 2)} for s in suppliers
        ],
        offers=offers,
    )
    return load_dataset(tmp_path)


def exact_optimum(ds, policy, measure):
    """Solve the same policy as a convex program with Clarabel: cost LP, then the risk program."""
    off = ds.capacity.rename(columns={"plant": "supplier"})  # single-stage: plant = supplier
    d = off["element"].map(ds.elements["demand_t"]).to_numpy()
    k, c = off["capacity_t"].to_numpy(), off["cost_usd_kg"].to_numpy() / 1000.0  # million USD per t
    x = cp.Variable(len(off))
    elements = list(ds.elements.index)
    rows = {e: np.flatnonzero(off["element"].to_numpy() == e) for e in elements}
    caps = np.array(
        [
            policy.cap_for(ds, s, e, "separation")
            for s, e in zip(off["supplier"], off["element"], strict=True)
        ]
    )
    cons = [x >= 0, x <= k, x <= caps * d] + [
        cp.sum(x[rows[e]]) == ds.elements.at[e, "demand_t"] for e in elements
    ]
    least = cp.Problem(cp.Minimize(c @ x), cons)
    least.solve(solver=cp.CLARABEL)
    value = ds.elements["demand_t"] * ds.elements["price_usd_kg"]
    w = (value / value.sum()).to_dict()
    p = cp.multiply(x, 1 / d)
    wgi = off["supplier"].map(ds.suppliers["wgi_risk"]).to_numpy()
    if measure == "hhi":
        obj = sum(w[e] * cp.sum_squares(p[rows[e]]) for e in elements)
    elif measure == "wgi-hhi":
        obj = sum(w[e] * cp.sum(cp.multiply(wgi[rows[e]], cp.square(p[rows[e]]))) for e in elements)
    elif measure == "max-share":
        obj = sum(w[e] * cp.max(p[rows[e]]) for e in elements)
    else:
        obj = sum(w[e] * cp.sum_largest(p[rows[e]], 3) for e in elements)
    prob = cp.Problem(cp.Minimize(obj), cons + [c @ x <= (1 + policy.budget_premium) * least.value])
    prob.solve(solver=cp.CLARABEL)
    return least.value * 1e6, prob.value, x.value


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("measure", ["hhi", "wgi-hhi"])
def test_cut_based_hhi_matches_exact_quadratic_optimum(tmp_path, seed, measure):
    ds = random_instance(tmp_path, seed)
    policy = Policy(objective=measure, budget_premium=0.1, caps={"S00": 0.6})
    sol = optimize(ds, policy)
    least, exact, _ = exact_optimum(ds, policy, measure)
    assert sol.status == "optimal"
    assert sol.least_cost_usd == pytest.approx(least, rel=1e-6)
    # the cut loop stops when the LP value is within hhi_tolerance of the true value, and the
    # LP value is a lower bound on the true optimum: so true - tolerance <= exact <= true
    scale = 10.0 if measure == "wgi-hhi" else 1.0
    assert exact <= sol.objective_value + 1e-7 * scale
    assert sol.objective_value <= exact + policy.hhi_tolerance * scale + 1e-7


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("measure", ["max-share", "top3"])
def test_linear_measures_match_exact_optimum(tmp_path, seed, measure):
    ds = random_instance(tmp_path, seed, n_suppliers=6)
    policy = Policy(objective=measure, budget_premium=0.2)
    sol = optimize(ds, policy)
    _, exact, _ = exact_optimum(ds, policy, measure)
    assert sol.objective_value == pytest.approx(exact, abs=1e-6)


def test_top3_measure_is_sum_of_three_largest():
    shares = pd.DataFrame([[0.5, 0.2, 0.2, 0.1], [1.0, 0, 0, 0]], index=["a", "b"])
    assert top_k_share(shares).tolist() == pytest.approx([0.9, 1.0])


# --- shadow prices against finite differences --------------------------------------------------


@pytest.mark.parametrize("seed", range(3))
def test_cost_shadow_prices_match_finite_differences(tmp_path, seed):
    ds = random_instance(tmp_path, seed)
    policy = Policy(objective="cost", caps={"S00": 0.4})
    sol = optimize(ds, policy)
    step = 0.001
    for _, row in sol.shadow_prices.query("binding").iterrows():
        e = row["element"]
        looser = policy.with_changes(element_caps={e: {"S00": row["setting"] + step}})
        moved = optimize(ds, looser).total_cost_usd - sol.total_cost_usd
        assert row["least_cost_usd_per_point"] == pytest.approx(
            moved / step * 0.01, rel=1e-4, abs=1.0
        )


@pytest.mark.parametrize("seed", range(3))
def test_risk_shadow_prices_match_finite_differences(tmp_path, seed):
    # the HHI effect includes the budget moving with the least cost under a premium budget
    ds = random_instance(tmp_path, seed)
    policy = Policy(objective="hhi", budget_premium=0.05, caps={"S00": 0.5}, hhi_tolerance=1e-8)
    sol = optimize(ds, policy)
    caps = sol.shadow_prices.query("constraint == 'cap'")
    assert len(caps) > 0
    step = 0.002
    for _, row in caps.iterrows():
        e = row["element"]
        looser = policy.with_changes(element_caps={e: {"S00": row["setting"] + step}})
        moved = optimize(ds, looser).objective_value - sol.objective_value
        assert row["risk_per_point"] == pytest.approx(moved / step * 0.01, rel=0.05, abs=2e-6)


# --- frontier -------------------------------------------------------------------------------


def test_frontier_is_monotone_between_least_cost_and_least_risk(tmp_path):
    ds = random_instance(tmp_path, 3)
    policy = Policy(objective="hhi")
    f = frontier(ds, policy, points=9)
    cost, risk = f.points["cost_usd"].to_numpy(), f.points["risk"].to_numpy()
    assert np.all(np.diff(cost) >= -1e-6 * cost[0])
    assert np.all(np.diff(risk) <= 1e-7)
    cheapest = optimize(ds, policy.with_changes(objective="cost"))
    assert cost[0] == pytest.approx(cheapest.total_cost_usd, rel=1e-8)
    unlimited = optimize(ds, policy.with_changes(budget_usd=1e15, budget_premium=None))
    assert risk[-1] == pytest.approx(unlimited.objective_value, abs=1e-6)
    assert len(f.mixes["point"].unique()) == 9


# --- today's ceiling --------------------------------------------------------------------------


def test_no_element_ends_more_concentrated_than_today_by_default():
    ds = load_dataset()
    kept = optimize(ds, Policy())
    assert (kept.metrics["hhi"] <= kept.baseline_metrics["hhi"] + 1e-6).all()
    assert kept.above_today.empty
    free = optimize(ds, Policy(no_worse_than_today=False))
    assert free.objective_value <= kept.objective_value + 1e-7
    # on round one's data, without the ceiling the portfolio objective trades cheap elements'
    # risk away: the ceiling is what stops it
    old = load_dataset(Path(__file__).parent / "fixtures" / "single_stage")
    free = optimize(old, Policy(no_worse_than_today=False))
    assert (free.metrics["hhi"] > free.baseline_metrics["hhi"] + 1e-6).any()
    kept = optimize(old, Policy())
    assert (kept.metrics["hhi"] <= kept.baseline_metrics["hhi"] + 1e-6).all()


def test_a_ceiling_the_budget_cannot_keep_is_reported(tmp_path):
    # today 50/50 (HHI 0.5); with no premium the budget only buys the cheap supplier (HHI 1)
    from builders import two_suppliers

    folder = two_suppliers(tmp_path)
    pd.DataFrame({"element": ["X", "X"], "supplier": ["AAA", "BBB"], "share": [0.5, 0.5]}).to_csv(
        folder / "baseline.csv", index=False
    )
    sol = optimize(load_dataset(folder), Policy(budget_premium=0.0))
    row = sol.above_today.iloc[0]
    assert (
        row["element"] == "X"
        and row["today"] == pytest.approx(0.5)
        and row["optimized"] == pytest.approx(1.0, abs=1e-6)
    )
    assert sol.status == "optimal"  # demand is still met: the ceiling yields, not the supply
