"""The multi-year plan against hand-solved cases, and the single-year model as its one-year case."""

from __future__ import annotations

import dataclasses
import re

import pandas as pd
import pytest
from builders import SRC, write_dataset

from optimizer import Policy, load_dataset, optimize
from optimizer.errors import InputError
from optimizer.plan import PlanSettings, plan

ONE_YEAR = PlanSettings(
    first_year=2026, last_year=2026, recycled_min=0.0, stock_target_days=None, min_stake=1.0
)


def write_projects(folder, projects: list[dict], capacity: list[dict]) -> None:
    base = {"kind": "expansion", "stage": "separation", "earliest_first_year": 2026,
            "ramp": "1", "offtake_share": 1.0, "support": "overseas-loan", **SRC}  # fmt: skip
    pd.DataFrame([{**base, **p} for p in projects]).to_csv(folder / "projects.csv", index=False)
    pd.DataFrame([{**SRC, **c} for c in capacity]).to_csv(
        folder / "project_capacity.csv", index=False
    )


def knapsack(tmp_path):
    """X: 100 t. China offers all of it at 10 USD/kg; AAA, BBB and CCC nothing yet. Projects
    expand AAA by 30 t (capex 20 M USD), BBB by 30 t (25 M), CCC by 15 t (15 M), at 12 USD/kg.
    China at most 50% needs 50 t from the three: A+B (60 t) is the only pair that does; A+C and
    B+C give 45 t. The loan envelope is 40 M USD."""
    folder = write_dataset(
        tmp_path / "knapsack",
        elements=[{"element": "X", "demand_t": 100.0, "price_usd_kg": 50.0}],
        suppliers=[{"supplier": c} for c in ("CHN", "AAA", "BBB", "CCC")],
        offers=[
            {"supplier": "CHN", "element": "X", "capacity_t": 1000.0, "cost_usd_kg": 10.0},
            *(
                {"supplier": c, "element": "X", "capacity_t": 0.0, "cost_usd_kg": 12.0}
                for c in ("AAA", "BBB", "CCC")
            ),
        ],  # fmt: skip
        baseline=[{"element": "X", "supplier": "CHN", "share": 1.0}],
    )
    write_projects(
        folder,
        [
            {"project": "A", "plant": "AAA", "country": "AAA", "capex_musd": 20.0},
            {"project": "B", "plant": "BBB", "country": "BBB", "capex_musd": 25.0},
            {"project": "C", "plant": "CCC", "country": "CCC", "capex_musd": 15.0},
        ],
        [
            {"project": p, "element": "X", "capacity_t": t, "cost_usd_kg": 12.0}
            for p, t in (("A", 30.0), ("B", 30.0), ("C", 15.0))
        ],
    )
    return load_dataset(folder)


def backed(p) -> set[str]:
    return set(p.projects.loc[p.projects["backed"], "project"])


def test_knapsack_by_hand(tmp_path):
    ds = knapsack(tmp_path)
    # coverage 0.7: A+B needs 0.7 x 45 = 31.5 M of loans, within 40 M: the target is met
    p = plan(ds, dataclasses.replace(ONE_YEAR, loan_budget_usd=40e6, coverage=0.7), marginal=False)
    assert backed(p) == {"A", "B"}
    assert p.loans["loan_used_usd"].iloc[0] == pytest.approx(31.5e6)
    assert p.status == "optimal" and not p.explanations
    china = p.china_share(2026)
    assert china[("X", "separation")] == pytest.approx(0.5, abs=1e-6)  # no more than needed
    # stakes 45 M, sourcing 50 t x 10 + 50 t x 12 USD/kg
    assert p.total_cost_usd == pytest.approx(45e6 + 50_000 * 10 + 50_000 * 12, rel=1e-6)


def test_a_binding_coverage_ratio_changes_the_choice_as_computed(tmp_path):
    ds = knapsack(tmp_path)
    # coverage 0.9: A+B needs 40.5 M > 40 M. The best left: 45 t (A+C, 31.5 M; or B+C, 36 M),
    # 5 t short of the target; A+C is the cheaper
    p = plan(ds, dataclasses.replace(ONE_YEAR, loan_budget_usd=40e6, coverage=0.9), marginal=False)
    assert backed(p) == {"A", "C"}
    assert p.loans["loan_used_usd"].iloc[0] == pytest.approx(0.9 * 35e6)
    assert p.china_share(2026)[("X", "separation")] == pytest.approx(0.55, abs=1e-6)
    assert p.status == "targets not met"
    (why,) = p.explanations
    assert "X at separation in 2026" in why and "CHN keeps 55%" in why


def test_marginal_loan_value_is_a_re_solve(tmp_path):
    ds = knapsack(tmp_path)
    settings = dataclasses.replace(ONE_YEAR, loan_budget_usd=40e6, coverage=0.9)
    p = plan(ds, settings, marginal=True)
    more = p.marginal.set_index("change").iloc[0]
    # 41 M of loans fit A+B (40.5 M): China's share falls from 55% to 50%
    assert "A" in more["projects_backed"] and "B" in more["projects_backed"]
    assert "X at separation: -5.0 points" in more["china_share_changes"]
    assert more["china_share_moves"] == [("X", "separation", -5.0)]
    again = plan(ds, dataclasses.replace(settings, loan_budget_usd=41e6), marginal=False)
    assert more["total_cost_change_usd"] == pytest.approx(again.total_cost_usd - p.total_cost_usd)


def two_suppliers_today_dear(tmp_path):
    folder = write_dataset(
        tmp_path / "switch",
        elements=[{"element": "X", "demand_t": 100.0, "price_usd_kg": 50.0}],
        suppliers=[{"supplier": "AAA"}, {"supplier": "BBB"}],
        offers=[
            {"supplier": "AAA", "element": "X", "capacity_t": 1000.0, "cost_usd_kg": 20.0},
            {"supplier": "BBB", "element": "X", "capacity_t": 1000.0, "cost_usd_kg": 10.0},
        ],
        baseline=[{"element": "X", "supplier": "AAA", "share": 1.0}],
    )
    return load_dataset(folder)


def test_a_switching_limit_moves_exactly_the_allowed_share_a_year(tmp_path):
    ds = two_suppliers_today_dear(tmp_path)
    settings = dataclasses.replace(ONE_YEAR, last_year=2030, country_cap=None, switching_limit=0.2)
    p = plan(ds, settings, marginal=False)
    sh = p.shares[p.shares["country"] == "BBB"].set_index("year")["share"]
    assert sh.to_dict() == pytest.approx({2026: 0.2, 2027: 0.4, 2028: 0.6, 2029: 0.8, 2030: 1.0})
    free = plan(ds, dataclasses.replace(settings, switching_limit=None), marginal=False)
    bbb = free.shares[free.shares["country"] == "BBB"]["share"]
    assert list(bbb) == pytest.approx([1.0] * 5)  # no limit: all of it at once


def test_a_minimum_order_buys_at_least_the_minimum_or_nothing(tmp_path):
    folder = write_dataset(
        tmp_path / "order",
        elements=[{"element": "X", "demand_t": 100.0, "price_usd_kg": 50.0}],
        suppliers=[{"supplier": "CHN"}, {"supplier": "AAA"}, {"supplier": "BBB"}],
        offers=[
            {"supplier": "CHN", "element": "X", "capacity_t": 1000.0, "cost_usd_kg": 10.0},
            {"supplier": "AAA", "element": "X", "capacity_t": 1000.0, "cost_usd_kg": 12.0},
            {"supplier": "BBB", "element": "X", "capacity_t": 1000.0, "cost_usd_kg": 30.0},
        ],
        baseline=[{"element": "X", "supplier": "CHN", "share": 1.0}],
    )
    ds = load_dataset(folder)
    settings = dataclasses.replace(ONE_YEAR, country_cap=0.95)
    loose = plan(ds, settings, marginal=False)
    aaa = loose.shares.set_index("country")["tonnes"]
    assert aaa["AAA"] == pytest.approx(5.0, abs=1e-6)  # the target needs 5 t outside China
    strict = plan(ds, dataclasses.replace(settings, min_order_t=20.0), marginal=False)
    tonnes = strict.shares.set_index("country")["tonnes"]
    assert tonnes["AAA"] == pytest.approx(20.0, abs=1e-6)  # at least the minimum, not 5 t
    assert "BBB" not in tonnes.index  # nothing from a plant it need not use
    flows = strict.flows.groupby("from")["tonnes"].sum()
    assert ((flows < 1e-6) | (flows >= 20.0 - 1e-6)).all()


def test_at_most_n_suppliers(tmp_path):
    ds = knapsack(tmp_path)
    settings = dataclasses.replace(ONE_YEAR, loan_budget_usd=100e6, coverage=0.5, max_suppliers=2)
    p = plan(ds, settings, marginal=False)
    delivered = p.flows.groupby("from")["tonnes"].sum()
    assert (delivered > 1e-6).sum() <= 2


def test_the_single_year_model_is_the_plan_with_one_year():
    ds = load_dataset()
    settings = dataclasses.replace(ONE_YEAR, country_cap=None, loan_budget_usd=0.0)
    p = plan(ds, settings, marginal=False)
    sol = optimize(ds, Policy(objective="cost", year=2026))
    assert not backed(p)
    assert p.costs["stakes_usd"].iloc[0] == 0 and p.costs["stock_usd"].iloc[0] == pytest.approx(
        0, abs=1e-3
    )
    assert p.costs["sourcing_usd"].iloc[0] == pytest.approx(sol.total_cost_usd, rel=1e-7)
    mine = p.shares[p.shares["year"] == 2026].set_index(["element", "stage", "country"])["tonnes"]
    theirs = sol.stage_shares().set_index(["element", "stage", "country"])["tonnes"]
    joined = pd.concat([mine, theirs], axis=1, keys=["plan", "single"]).fillna(0.0)
    # equal tonnes by country at every stage where the optimum is unique in them
    china = joined.xs("CHN", level="country")
    assert china["plan"].to_numpy() == pytest.approx(china["single"].to_numpy(), abs=1e-4)


def test_bundled_five_year_plan_backs_projects_with_the_2026_loans():
    ds = load_dataset()
    p = plan(ds, PlanSettings(), marginal=False)
    assert p.mip_gap <= 1e-3
    used = p.loans.set_index("year")["loan_used_usd"]
    assert used[2026] > 0 and (used <= p.loans.set_index("year")["loan_envelope_usd"] + 1).all()
    first = p.projects[p.projects["backed_year"] == 2026]
    assert len(first) >= 1
    assert set(p.met_in["target"]) == {"country-cap", "recycled"}
    assert p.explanations  # the recycling target cannot be met: said, with the capacity
    assert any("recycl" in x for x in p.explanations)
    assert set(p.left_out["project"]) == {"MP-10X", "POSCO-US-MAGNET"}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"coverage": 1.5}, "coverage"),
        ({"loan_budget_usd": -1.0}, "loan_budget_usd"),
        ({"last_year": 2025}, "years"),
        ({"last_year": 2100}, "years"),
        ({"objective": "fastest"}, "objective"),
    ],
)
def test_bad_settings_name_the_field(change, field):
    with pytest.raises(InputError) as err:
        plan(load_dataset(), dataclasses.replace(PlanSettings(), **change), marginal=False)
    assert any(p.column == field for p in err.value.problems), err.value.problems


def test_limits_that_contradict_are_explained_not_a_bare_infeasible():
    # a 1 t minimum order is above Sc's, Tm's and Lu's whole demand, while the switching limit
    # keeps today's suppliers of them from stopping at once
    settings = dataclasses.replace(PlanSettings(), switching_limit=0.1, min_order_t=1.0)
    with pytest.raises(InputError) as err:
        plan(load_dataset(), settings, marginal=False)
    text = [p.message for p in err.value.problems]
    assert any("above the whole demand for Sc, Tm, Lu" in m for m in text), text
    assert any("without the switching limit or without the minimum order" in m for m in text)


def test_a_ramp_longer_than_any_horizon_is_refused_on_load(tmp_path):
    knapsack(tmp_path)
    folder = tmp_path / "knapsack"
    pr = pd.read_csv(folder / "projects.csv", dtype=str)
    pr.loc[0, "ramp"] = ";".join(["0.5"] * 30 + ["1"])
    pr.to_csv(folder / "projects.csv", index=False)
    with pytest.raises(InputError) as err:
        load_dataset(folder)
    (problem,) = err.value.problems
    assert problem.column == "ramp" and problem.row == 2 and "31 years" in problem.message


def test_a_project_without_capacity_is_refused_on_load(tmp_path):
    ds = knapsack(tmp_path)
    folder = tmp_path / "knapsack"
    cap = pd.read_csv(folder / "project_capacity.csv")
    cap[cap["project"] != "B"].to_csv(folder / "project_capacity.csv", index=False)
    with pytest.raises(InputError) as err:
        load_dataset(folder)
    (problem,) = err.value.problems
    assert problem.column == "project" and problem.row == 3 and "no capacity" in problem.message
    del ds


def test_plan_command_says_what_the_first_loans_back_and_writes_every_table(tmp_path, capsys):
    import openpyxl

    from optimizer.cli import main

    out = tmp_path / "plan.xlsx"
    assert main(["plan", "--no-marginal", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    expected = plan(load_dataset(), PlanSettings(), marginal=False)
    first = expected.tranches[expected.tranches["year"] == 2026]
    names = ", ".join(first.loc[first["loan_usd"] > 0, "project"]) or "no project"
    assert f"the 2026 loans back: {names}" in printed
    assert "target country-cap: met" in printed and "why: " in printed
    sheets = openpyxl.load_workbook(out).sheetnames
    assert {"projects", "tranches", "loans", "costs", "targets", "met_in", "mix"} <= set(sheets)


def test_plan_explanations_read_in_korean_with_the_same_numbers():
    from optimizer.reports import messages

    p = plan(load_dataset(), PlanSettings(), marginal=False)
    assert len(p.whys) == len(p.explanations) > 0
    for why, english in zip(p.whys, p.explanations, strict=True):
        assert messages.render(why) == english
        korean = messages.render(why, "ko")
        assert korean != english

        def numbers(text: str) -> list[str]:
            return sorted(re.findall(r"\d[\d.,]*\d|\d", text))

        assert numbers(korean) == numbers(english), (english, korean)
