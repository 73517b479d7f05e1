"""The re-solve path gives the same answers as a fresh PuLP build, and sweeps tabulate them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from test_model import random_instance

from optimizer import InputError, Policy, load_dataset, optimize
from optimizer.session import Session, apply_parameter, parse_grid, sweep


def random_policies(ds, objective, n, seed):
    rng = np.random.default_rng(seed)
    suppliers = list(ds.suppliers.index)
    elements = ds.demanded_elements
    for _ in range(n):
        caps = {
            s: round(float(rng.uniform(0.35, 1.0)), 3)
            for s in rng.choice(suppliers, 2, replace=False)
        }
        e = str(rng.choice(elements))
        yield Policy(
            objective=objective,
            budget_premium=round(float(rng.uniform(0.0, 0.5)), 3),
            caps=caps,
            element_caps={e: {suppliers[0]: round(float(rng.uniform(0.3, 0.9)), 3)}},
        )


def allocation_vector(sol, ds):
    a = sol.allocation.set_index(["plant", "element"])["tonnes"]
    keys = list(zip(ds.capacity["plant"], ds.capacity["element"], strict=True))
    return a.reindex(keys).fillna(0.0).to_numpy()


@pytest.mark.parametrize("objective", ["cost", "max-share", "top3"])
def test_resolve_path_matches_fresh_pulp_for_linear_objectives(tmp_path, objective):
    ds = random_instance(tmp_path, 11, n_elements=4, n_suppliers=6)
    session = Session(ds)
    for policy in random_policies(ds, objective, 25, seed=5):
        fresh, warm = optimize(ds, policy), session.optimize(policy)
        assert warm.objective_value == pytest.approx(fresh.objective_value, abs=1e-6, rel=1e-9)
        assert warm.total_cost_usd == pytest.approx(fresh.total_cost_usd, rel=1e-9, abs=1e-3)
        if objective == "cost":  # a unique optimum here: the mixes must agree too
            assert np.allclose(allocation_vector(warm, ds), allocation_vector(fresh, ds), atol=1e-6)
    assert len(session._forms) == 1  # every policy re-used one built model


@pytest.mark.parametrize("objective", ["hhi", "wgi-hhi"])
def test_resolve_path_matches_fresh_pulp_for_hhi(tmp_path, objective):
    # both paths stop within hhi_tolerance of the exact optimum, so they agree to that; the
    # HHI is strictly convex in the shares, so the mixes agree to about sqrt(tolerance)
    ds = random_instance(tmp_path, 12, n_elements=3, n_suppliers=5)
    session = Session(ds)
    for policy in random_policies(ds, objective, 15, seed=6):
        policy = policy.with_changes(hhi_tolerance=1e-8)
        fresh, warm = optimize(ds, policy), session.optimize(policy)
        scale = 10.0 if objective == "wgi-hhi" else 1.0
        assert warm.objective_value == pytest.approx(fresh.objective_value, abs=2e-8 * scale)
        demand = ds.capacity["element"].map(ds.elements["demand_t"]).to_numpy()
        gap = np.abs(allocation_vector(warm, ds) - allocation_vector(fresh, ds)) / demand
        assert gap.max() < 1e-3


def test_evaluate_agrees_with_the_full_solution():
    ds = load_dataset()
    session = Session(ds)
    policy = Policy(caps={"CHN": 0.6}, budget_premium=0.2)
    row = session.evaluate(policy)
    full = optimize(ds, policy)
    for key in ("hhi", "china_share", "forge_share", "cost_usd", "unmet_t"):
        assert row[key] == pytest.approx(full.portfolio[key], abs=1e-6, rel=1e-6), key


def test_parameters_map_onto_the_policy():
    p = Policy()
    assert apply_parameter(p, "china_cap", 0.4).caps == {"CHN": 0.4}
    assert apply_parameter(p, "cap.Dy:CHN", 0.3).element_caps == {"Dy": {"CHN": 0.3}}
    assert apply_parameter(p, "forge_min", 0.2).bloc_min == {"FORGE": 0.2}
    q = apply_parameter(p, "budget_usd", 1e8)
    assert q.budget_usd == 1e8 and q.budget_premium is None
    assert parse_grid("china_cap=0.3:0.8:6") == ("china_cap", [0.3, 0.4, 0.5, 0.6, 0.7, 0.8])
    assert parse_grid("alpha=0.9,0.95") == ("alpha", [0.9, 0.95])
    with pytest.raises(InputError, match="unknown parameter"):
        apply_parameter(p, "chna_cap", 0.5)
    with pytest.raises(InputError, match="START:STOP:COUNT"):
        parse_grid("china_cap=0.3:x:6")


ROUND_ONE = Path(__file__).parent / "fixtures" / "single_stage"  # a China cap of 0.5 can be met


def test_sweep_is_monotone_in_the_china_cap():
    ds = load_dataset(ROUND_ONE)
    grids = {"china_cap": [0.5, 0.6, 0.7, 0.8, 0.9, 1.0], "budget_premium": [0.1, 0.3]}
    serial = sweep(ds, Policy(objective="cost"), grids)
    assert len(serial) == 12 and set(serial.columns) >= {
        "china_cap",
        "budget_premium",
        "status",
        "cost_usd",
        "hhi",
        "china_share",
        "unmet_t",
    }
    at = serial[serial["budget_premium"] == 0.1].sort_values("china_cap")
    # a looser cap never makes the least-cost mix dearer, and China's share never falls
    assert np.all(np.diff(at["cost_usd"] + 0) <= 1e-3)
    met = at[at["status"] == "optimal"]  # with a shortfall, shares are of what arrives
    assert len(met) >= 4
    assert np.all(met["china_share"].to_numpy() <= met["china_cap"].to_numpy() + 1e-9)
    # on Dask (workers=2, scheduler=...): tests/test_distributed.py


def test_a_long_hhi_sweep_on_one_model_stays_optimal_and_matches_fresh_solves():
    # warm starts across 100 policies once drove HiGHS to a spurious "unbounded"; every point
    # must solve, and a sample of points must match a fresh build
    ds = load_dataset(ROUND_ONE)
    grids = dict([parse_grid("china_cap=0.3:0.8:10"), parse_grid("budget_premium=0:0.5:10")])
    table = sweep(ds, Policy(), grids)
    assert len(table) == 100 and set(table["status"]) <= {"optimal", "shortfall"}
    for i in (0, 31, 57, 99):
        row = table.iloc[i]
        fresh = optimize(
            ds,
            apply_parameter(
                apply_parameter(Policy(), "china_cap", row["china_cap"]),
                "budget_premium",
                row["budget_premium"],
            ),
        )
        assert row["hhi"] == pytest.approx(fresh.portfolio["hhi"], abs=1e-5)
        assert row["cost_usd"] == pytest.approx(fresh.total_cost_usd, rel=1e-3)
