"""The project pipeline and demand growth tables: the check script passes the bundled tables and
catches each kind of broken row, and figures in the rows reproduce from the arithmetic in their
basis (currency conversions, an offtake share, magnet contents, a cost, a growth rate)."""

from __future__ import annotations

import copy
import csv
import importlib.util
import re
import shutil
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "data"


def script(name):
    spec = importlib.util.spec_from_file_location(name, REPO / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(name, module)
    spec.loader.exec_module(module)
    return module


cp = script("check_projects")


def rows(name):
    return cp.read_table(DATA / name)[1]


PLANTS = {r["plant"]: r for r in rows("plants.csv")}
COUNTRIES = {r["supplier"] for r in rows("suppliers.csv")}
PROJECTS = rows("projects.csv")
CAPACITY = rows("project_capacity.csv")
GROWTH = rows("demand_growth.csv")
DEMAND = rows("demand.csv")
EL = cp.load_elements(DATA)
BY_ID = {r["project"]: r for r in PROJECTS}


def project(pid):
    return copy.deepcopy(BY_ID[pid])


def capacity_row(pid, element):
    return next(r for r in CAPACITY if r["project"] == pid and r["element"] == element)


# --- the bundled tables ----------------------------------------------------------------------


def test_bundled_tables_pass_every_check():
    assert cp.check_all() == []


def test_script_exits_0_on_the_bundled_tables_and_1_on_a_broken_copy(tmp_path, capsys):
    assert cp.main([]) == 0
    for p in DATA.glob("*.csv"):
        shutil.copy(p, tmp_path / p.name)
    text = (tmp_path / "projects.csv").read_text(encoding="utf-8")
    (tmp_path / "projects.csv").write_text(text.replace(",1137.5,", ",-5,"), encoding="utf-8")
    capsys.readouterr()
    assert cp.main(["--data", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert "projects.csv, row 2, column 'capex_musd'" in out and "(got '-5')" in out


def test_every_pending_plant_has_a_project_or_a_reasoned_exemption():
    pending = {p for p, r in PLANTS.items() if r["plant_status"] in ("construction", "planned")}
    covered = {r["plant"] for r in PROJECTS} | set(cp.EXEMPT)
    assert pending <= covered
    assert all(len(reason) > 40 for reason in cp.EXEMPT.values())


# --- ramps -----------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["1", "0.3;0.7;1", "0.5;0.5;1", " 0.1 ; 0.4;0.7;1"])
def test_good_ramps_parse(text):
    values, why = cp.parse_ramp(text)
    assert why is None and values[-1] == 1


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("0.3;0.7", "end at 1"),
        ("0.7;0.3;1", "must not fall"),
        ("0;0.5;1", "(0, 1]"),
        ("0.5;1.2", "(0, 1]"),
        ("half;1", "separated by ';'"),
        ("", "separated by ';'"),
        ("0.1;0.2;0.4;0.6;0.8;1", "longer than the default plan horizon"),
    ],
)
def test_bad_ramps_are_named(text, words):
    _, why = cp.parse_ramp(text)
    assert why is not None and words in why


# --- projects --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("capex_musd", "0"),
        ("capex_musd", ""),
        ("offtake_share", "1.2"),
        ("offtake_share", "-0.1"),
        ("earliest_first_year", "2027.5"),
        ("ramp", "0.4;0.2;1"),
        ("support", "grant"),
        ("kind", "upgrade"),
        ("status", "guess"),
        ("country", "XXX"),
    ],
)
def test_a_bad_project_value_is_named_by_row_and_column(column, value):
    r = project("ILUKA-ENEABBA")
    r[column] = value
    problems = cp.check_projects([r], PLANTS, COUNTRIES)
    assert any(f"row {r['_row']}, column '{column}'" in p for p in problems), problems


def test_a_project_must_agree_with_its_plant():
    r = project("JSLINK-YESAN")
    r["stage"] = "metal"
    (problem,) = cp.check_projects([r], PLANTS, COUNTRIES)
    assert "column 'stage'" in problem and "'magnet'" in problem


def test_expansions_need_an_operating_plant_and_new_projects_a_plant_not_yet_operating():
    on_planned = project("ILUKA-ENEABBA")
    on_planned["kind"] = "expansion"
    assert "is construction, not operating" in " ".join(
        cp.check_projects([on_planned], PLANTS, COUNTRIES)
    )
    on_operating = project("KSM-OCHANG-PHASE2")
    on_operating["kind"] = "new"
    assert "already operates" in " ".join(cp.check_projects([on_operating], PLANTS, COUNTRIES))
    unknown = project("KSM-OCHANG-PHASE2")
    unknown["plant"] = "KOR-NOWHERE"
    assert "an expansion must name a plant" in " ".join(
        cp.check_projects([unknown], PLANTS, COUNTRIES)
    )
    # a new plant that plants.csv does not list yet is allowed
    assert cp.check_projects([project("MP-10X")], PLANTS, COUNTRIES) == []


def test_duplicate_project_ids_are_named():
    a, b = project("VAC-SUMTER"), project("VAC-SUMTER")
    b["_row"] = 99
    (problem,) = cp.check_projects([a, b], PLANTS, COUNTRIES)
    assert "row 99" in problem and "duplicate" in problem


def test_a_pending_plant_without_a_project_is_named_and_stale_exemptions_are_caught():
    without_iluka = [r for r in PROJECTS if r["plant"] != "AUS-ILUKA-ENEABBA"]
    (problem,) = cp.check_coverage(without_iluka, PLANTS)
    assert "AUS-ILUKA-ENEABBA is construction" in problem
    stale = dict(cp.EXEMPT, **{"AUS-ILUKA-ENEABBA": "a reason long enough", "CHN-SEP": "x"})
    problems = cp.check_coverage(PROJECTS, PLANTS, stale)
    assert any("AUS-ILUKA-ENEABBA has a project now" in p for p in problems)
    assert any("CHN-SEP is not a construction or planned plant" in p for p in problems)


# --- capacity --------------------------------------------------------------------------------


def test_a_project_without_capacity_rows_is_named():
    rest = [r for r in CAPACITY if r["project"] != "MP-HEAVY-SEP"]
    (problem,) = cp.check_capacity(rest, PROJECTS, EL)
    assert "MP-HEAVY-SEP has no capacity rows" in problem
    assert f"row {BY_ID['MP-HEAVY-SEP']['_row']}" in problem


def test_capacity_rows_need_a_known_project_element_and_positive_tonnes():
    r = copy.deepcopy(capacity_row("MP-HEAVY-SEP", "Dy"))
    for column, value, words in (
        ("project", "NOPE", "not a project of projects.csv"),
        ("element", "Xx", "not an element of elements.csv"),
        ("capacity_t", "0", "above 0"),
        ("cost_usd_kg", "cheap", "USD/kg REO"),
    ):
        bad = dict(r, **{column: value})
        problems = cp.check_capacity([bad], [BY_ID["MP-HEAVY-SEP"]], EL)
        assert any(f"column '{column}'" in p and words in p for p in problems), problems


def test_a_cost_off_the_rule_is_named_with_the_rule_value():
    r = dict(capacity_row("JSLINK-GEORGIA", "Nd"), cost_usd_kg="120.9")
    problems = cp.check_capacity([r], [BY_ID["JSLINK-GEORGIA"]], EL)
    assert any("gives 148.13 for a magnet plant in USA (got 120.9)" in p for p in problems)


def test_costs_equal_capacity_csv_where_the_plant_already_has_the_element():
    bundled = {(r["plant"], r["element"]): float(r["cost_usd_kg"]) for r in rows("capacity.csv")}
    shared = [r for r in CAPACITY if (BY_ID[r["project"]]["plant"], r["element"]) in bundled]
    assert len(shared) >= 10  # Yesan, Arafura, White Mesa phase 2 and KSM Metals overlap
    for r in shared:
        assert float(r["cost_usd_kg"]) == bundled[(BY_ID[r["project"]]["plant"], r["element"])]


# --- demand growth ---------------------------------------------------------------------------


def test_growth_covers_every_demand_row_once():
    assert {(r["element"], r["form"]) for r in GROWTH} == {
        (d["element"], d["form"]) for d in DEMAND
    }
    assert len(GROWTH) == len(DEMAND)


def test_missing_extra_and_absurd_growth_rows_are_named():
    missing = [r for r in GROWTH if (r["element"], r["form"]) != ("Dy", "magnet")]
    assert cp.check_growth(missing, DEMAND) == [
        "demand_growth.csv: no growth rate for Dy magnet (demand.csv has that demand)"
    ]
    extra = dict(GROWTH[0], element="La", form="magnet", _row=99)
    (problem,) = cp.check_growth(GROWTH + [extra], DEMAND)
    assert "row 99" in problem and "no La magnet demand" in problem
    five = dict(GROWTH[0], growth_rate="5")
    (problem,) = cp.check_growth([five] + GROWTH[1:], DEMAND)
    assert "column 'growth_rate'" in problem and "(got '5')" in problem


# --- the basis arithmetic, recomputed by hand -------------------------------------------------


def _amount(text):
    return float(text.replace(",", ""))


def test_aud_conversion_of_the_eneabba_capex():
    r = BY_ID["ILUKA-ENEABBA"]
    m = re.search(r"A\$([\d,.]+) M x ([\d.]+) = ([\d,.]+) M USD", r["basis"])
    aud, rate, usd = (_amount(g) for g in m.groups())
    assert (aud, rate) == (1750, 0.65)  # mid of A$1.7-1.8 bn at AUD 1 = USD 0.65
    assert usd == pytest.approx(1750 * 0.65) == float(r["capex_musd"]) == 1137.5


def test_krw_conversions_use_the_one_stated_rate():
    for pid, krw_m in (("JSLINK-YESAN", 45_000), ("POSCO-US-MAGNET", 300_000)):
        r = BY_ID[pid]
        m = re.search(r"KRW ([\d,]+) M / ([\d,]+) = ([\d.]+) M USD", r["basis"])
        amount, rate, usd = (_amount(g) for g in m.groups())
        assert (amount, rate) == (krw_m, 1461)  # 67.5 bn won = 46.2 M USD (5 Feb 2026)
        assert float(r["capex_musd"]) == usd == pytest.approx(krw_m / 1461, abs=0.05)
    assert round(67_500 / 46.2) == 1461


def test_arafura_offtake_is_hyundai_kias_share_of_nameplate():
    assert float(BY_ID["ARAFURA-NOLANS"]["offtake_share"]) == round(1500 / 4440, 3) == 0.338
    # and its ramp starts at the contract's 600 of 1,500 t
    assert cp.parse_ramp(BY_ID["ARAFURA-NOLANS"]["ramp"])[0][0] == 600 / 1500


def test_magnet_content_and_cost_of_the_georgia_plant():
    nd = capacity_row("JSLINK-GEORGIA", "Nd")
    assert float(nd["capacity_t"]) == round(3000 * 0.21 * 1.166) == 735
    # magnet cost rule: G x k + f x (P + M + G), G = 93, k = 1.5 and f = 0.05 in the US, P = 73
    metal = 0.05 * 73 + 3
    assert float(nd["cost_usd_kg"]) == round(93 * 1.5 + 0.05 * (73 + metal + 93), 2) == 148.13
    # in Korea there is no freight and k = 1.3: Yesan's 120.9 = 93 x 1.3
    assert float(capacity_row("JSLINK-YESAN", "Dy")["cost_usd_kg"]) == 120.9


def test_lynas_heavy_split_and_arafura_ndpr_split():
    heavy_share = 1.6 + 0.2 + 0.6 + 0.05 + 0.15 + 0.02 + 0.03 + 0.005 + 0.02 + 0.005 + 0.12
    assert heavy_share == pytest.approx(2.8)
    assert float(capacity_row("LYNAS-MY-HEAVY", "Dy")["capacity_t"]) == round(5000 * 0.15 / 2.8)
    assert float(capacity_row("ARAFURA-NOLANS", "Nd")["capacity_t"]) == round(4440 * 17 / 22)
    assert float(capacity_row("ARAFURA-NOLANS", "Pr")["capacity_t"]) == round(4440 * 5 / 22)


def test_magnet_growth_is_the_iea_rate_rounded():
    rate = (131 / 93) ** (1 / 7) - 1
    assert rate == pytest.approx(0.0502, abs=5e-5)
    magnet = {r["element"]: float(r["growth_rate"]) for r in GROWTH if r["form"] == "magnet"}
    assert {e: magnet[e] for e in ("Nd", "Pr", "Dy", "Tb")} == dict.fromkeys(
        ("Nd", "Pr", "Dy", "Tb"), round(rate, 2)
    )


def test_files_have_exactly_the_documented_columns():
    for name, wanted in (
        ("projects.csv", cp.PROJECT_COLUMNS),
        ("project_capacity.csv", cp.CAPACITY_COLUMNS),
        ("demand_growth.csv", cp.GROWTH_COLUMNS),
    ):
        with open(DATA / name, newline="", encoding="utf-8") as f:
            assert next(csv.reader(f)) == wanted
