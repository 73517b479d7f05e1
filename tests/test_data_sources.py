"""The bundled data against its sources: prices and world totals from the MCS 2026 data release,
plants and flows against what the sources list, and the scripts that rebuild the tables."""

from __future__ import annotations

import csv
import importlib.util
import sys
from collections import defaultdict
from pathlib import Path

import pytest

from optimizer.schema import BUNDLED_DATA

REPO = Path(__file__).resolve().parents[1]


def script(name):
    spec = importlib.util.spec_from_file_location(name, REPO / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(name, module)
    spec.loader.exec_module(module)
    return module


mcs_prices = script("mcs_prices")
SOURCES = mcs_prices.SOURCES
needs_sources = pytest.mark.skipif(
    not (SOURCES / mcs_prices.MCS_FILE).exists(),
    reason=f"the MCS 2026 data release is not at {SOURCES} (set REE_MCS_SOURCES)",
)


def table(name):
    with open(BUNDLED_DATA / f"{name}.csv", newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


PLANTS = {p["plant"]: p for p in table("plants")}
CAPACITY = table("capacity")


def totals(plant):
    """element -> total_capacity_t of one plant."""
    return {r["element"]: float(r["total_capacity_t"]) for r in CAPACITY if r["plant"] == plant}


# --- prices --------------------------------------------------------------------------------


@needs_sources
def test_price_tables_are_what_mcs_prices_derives():
    """data/prices.csv, premiums.csv and the price columns of elements.csv, byte for byte."""
    for name, text in mcs_prices.build().items():
        assert (BUNDLED_DATA / name).read_text(encoding="utf-8") == text, name


@needs_sources
def test_audited_prices_follow_the_source():
    el = {r["element"]: r for r in table("elements")}
    assert float(el["Y"]["price_usd_kg"]) == 9 and el["Y"]["price_status"] == "confirmed"
    assert float(el["Sc"]["price_usd_kg"]) == 640 and el["Sc"]["price_status"] == "confirmed"
    for e in ("Tb", "Dy", "Ho", "Er", "Yb", "Lu"):
        assert "Rare Earths (Heavy)" in el[e]["price_source"]
    assert {e for e, r in el.items() if r["price_status"] == "estimate"} == {"Tm", "Pm"}


def test_2022_prices_behind_the_magnet_value_are_the_mcs_ones():
    bsd = script("build_stage_data")
    mcs = {(r["element"], r["year"]): float(r["price_usd_kg"]) for r in table("prices")}
    assert {e: mcs[(e, "2022")] for e in bsd.PRICE_2022} == bsd.PRICE_2022


def test_premiums_are_quotes_over_mcs_prices():
    prem = {r["element"]: r for r in table("premiums")}
    assert float(prem["Nd"]["premium"]) == pytest.approx(110 / 69, abs=0.005)  # the US floor
    assert "producer floor" in prem["Nd"]["caveat"]
    assert float(prem["Dy"]["premium"]) == pytest.approx((850 + 800) / 2 / 239, abs=0.005)
    assert float(prem["Tb"]["premium"]) == pytest.approx((3000 + 3625) / 2 / 1010, abs=0.005)
    assert "few real trades" in prem["Dy"]["caveat"]
    assert all(r["status"] == "estimate" and r["source"] for r in prem.values())


# --- the stage tables ----------------------------------------------------------------------


def test_build_stage_data_check_passes(capsys):
    assert script("build_stage_data").main(["--check"]) == 0


def test_capacity_open_to_korea_within_total_capacity():
    over = [
        (r["plant"], r["element"])
        for r in CAPACITY
        if r["total_capacity_t"] and float(r["capacity_t"]) > float(r["total_capacity_t"]) + 1e-9
    ]
    assert over == []


# What the sources list for non-Chinese separation (t REO a year): the data may not exceed it.
SEPARATION_LIMITS = {
    "MYS-LYNAS-KUANTAN": ({"*": 10_462, "NdPr": 6_558}, "Lynas FY25: 10,462 t REO, 6,558 t NdPr"),
    "USA-MP-SEP": ({"NdPr": 1_300}, "MP Materials: 1,294 t NdPr oxide in 2024"),
    "USA-EF-WHITEMESA": ({"NdPr": 1_000}, "Energy Fuels phase 1: 850-1,000 t/y NdPr"),
    "EST-NEO-SILMET": ({"*": 3_000}, "NPM Silmet: 3,000 t/y"),
    "FRA-SOLVAY-LAROCHELLE": ({"*": 4_000, "NdPr": 500}, "Solvay: ~4,000 t, NdPr in the hundreds"),
    "IND-IREL-SEP": ({"Nd": 40, "*": 2_900}, "IREL Nd 40 t; India mined 2,900 t (MCS 2026)"),
    "CAN-RIOTINTO-SOREL": ({"Sc": 3}, "Rio Tinto Sorel-Tracy ~3 t/y Sc2O3"),
}
HEAVY = ("Y", "Tb", "Dy", "Ho", "Er", "Tm", "Yb", "Lu")


def test_non_chinese_separation_within_what_the_sources_list():
    for plant, (limits, why) in SEPARATION_LIMITS.items():
        tot = totals(plant)
        got = {"*": sum(tot.values()), "NdPr": tot.get("Nd", 0) + tot.get("Pr", 0)}
        for key, limit in limits.items():
            value = got.get(key, tot.get(key, 0))
            assert value <= limit * 1.005, f"{plant} {key}: {value:.0f} t > {limit} t ({why})"


def test_no_separation_where_the_sources_say_none_operates():
    operating_sep = [
        p
        for p in PLANTS.values()
        if p["stage"] == "separation" and p["plant_status"] == "operating"
    ]
    # Australia: no separation plant operated in 2025 (Kalgoorlie makes an intermediate)
    assert [p["plant"] for p in operating_sep if p["country"] == "AUS"] == []
    # Vietnam, Laos, Myanmar: ore but no operating separation; their ore feeds China's
    assert [p["plant"] for p in operating_sep if p["country"] in ("VNM", "LAO", "MMR")] == []
    # The US separates no Y and no heavies commercially; France makes no Dy, Tb or other heavies
    for p in operating_sep:
        if p["country"] in ("USA", "FRA"):
            assert not set(totals(p["plant"])) & set(HEAVY), p["plant"]


def test_every_baseline_flow_uses_operating_plants():
    for r in table("baseline_flows"):
        for end in (r["from"], r["to"]):
            if end != "korea":
                assert PLANTS[end]["plant_status"] == "operating", (r["element"], end)


def test_ore_without_separation_feeds_china_only():
    feeds = table("feeds")
    for mine in (
        "MMR-MINE",
        "LAO-MINE",
        "THA-MINE",
        "MDG-MINE",
        "VNM-MINE",
        "BRA-MINE",
        "NGA-MINE",
    ):
        targets = {f["to"] for f in feeds if f["from"] == mine}
        # the planned Vientiane refinery is the only other outlet (not operating)
        assert targets <= {"CHN-SEP", "LAO-VIENTIANE-REFINERY"}, (mine, targets)
        assert "CHN-SEP" in targets


# --- world totals against MCS 2026 ---------------------------------------------------------

MCS_COUNTRY = {  # the data's mine plant -> MCS 2026 country name
    "CHN-MINE": "China",
    "MMR-MINE": "Burma",
    "THA-MINE": "Thailand",
    "MDG-MINE": "Madagascar",
    "BRA-MINE": "Brazil",
    "NGA-MINE": "Nigeria",
    "VNM-MINE": "Vietnam",
    "MYS-MINE": "Malaysia",
}


def mcs_mine_production(year="2025"):
    out = {}
    for r in mcs_prices.read_mcs():
        if (
            r["MCS chapter"] == "RARE EARTHS"
            and r["Section"] == "World Mine Production and Reserves"
            and r["Statistics"] == "Production"
            and r["Year"] == year
        ):
            v = mcs_prices.parse_value(r["Value"])
            out[r["Country"]] = v[0] if v else 0.0
    return out


@needs_sources
def test_mine_output_per_country_matches_mcs_2026():
    mcs = mcs_mine_production()
    for plant, country in MCS_COUNTRY.items():
        tot = totals(plant)
        reo = sum(t for e, t in tot.items() if e != "Sc")  # Sc is not in the REO total
        assert reo == pytest.approx(mcs[country], rel=0.005), plant


@needs_sources
def test_no_country_mines_more_than_mcs_says():
    mcs = mcs_mine_production()
    by_country = defaultdict(float)
    for p in PLANTS.values():
        if p["stage"] == "mine" and p["plant_status"] == "operating" and p["country"] != "LAO":
            by_country[p["country"]] += sum(t for e, t in totals(p["plant"]).items() if e != "Sc")
    names = {"USA": "United States", "AUS": "Australia", "IND": "India"}
    for iso, name in names.items():
        # Lynas's Mt Weld feed is 6,558 t NdPr / 22% = 29,809 t against MCS's rounded 29,000
        assert by_country[iso] <= mcs[name] * 1.03, iso
    # Laos is the one documented exception: its 4,800 t is from China's imports, not in MCS
    assert sum(by_country.values()) <= mcs["World total"] + 4_800


# --- tables outside the dataset contract ---------------------------------------------------


def test_stockpile_days_are_the_ones_the_stockpile_plant_holds():
    days = {r["element"]: float(r["days"]) for r in table("stockpile")}
    el = {r["element"]: float(r["demand_t"]) for r in table("elements")}
    assert days["Dy"] >= 180 and days["Y"] >= 180 and days["La"] == 55
    for e, held in totals("KOR-STOCKPILE").items():
        assert held == pytest.approx(el[e] * days[e] / 365, rel=0.01, abs=0.001), e
    assert all(r["source"] and r["status"] in ("confirmed", "estimate") for r in table("stockpile"))


def test_every_row_of_the_side_tables_has_source_and_status():
    for name in ("prices", "premiums", "stockpile", "hs_codes", "country_codes"):
        rows = table(name)
        assert rows, name
        assert all(r["source"] and r["status"] in ("confirmed", "estimate") for r in rows), name


def test_country_codes_cover_korea_and_every_supplier_country():
    codes = table("country_codes")
    numeric = [r["numeric"] for r in codes]
    assert len(numeric) == len(set(numeric))
    iso = {r["numeric"]: r["iso3"] for r in codes}
    assert iso["410"] == "KOR" and iso["156"] == "CHN" and iso["842"] == "USA"
    suppliers = {r["supplier"] for r in table("suppliers") if r["kind"] == "country"}
    assert suppliers <= set(iso.values())
