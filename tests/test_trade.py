"""`import-trade`: hand-made Comtrade, BACI and plain extracts give hand-computed tonnes and shares;
broken files get every problem with file, row and column; the shipped KITA extract reproduces
the figure the bundled magnet costs are built on."""

from __future__ import annotations

import argparse
import csv
import importlib.util
import sys
from pathlib import Path

import pytest

from optimizer.errors import InputError
from optimizer.schema import BUNDLED_DATA
from optimizer.trade import add_parser, import_trade, match_code, read_hs_codes, run

REPO = Path(__file__).resolve().parents[1]

# A small content table with round numbers, so every expected figure is easy to check by hand.
HS = """hs_code,element,form,reo_kg_per_kg,source,status
850511,Nd,magnet,0.25,test,estimate
850511,Dy,magnet,0.01,test,estimate
284610,Ce,oxide,0.8,test,confirmed
284690,La,oxide,0.5,test,estimate
2846901010,Y,oxide,0.9,test,estimate
280530,Nd,metal,0.6,test,estimate
"""

COMTRADE = """refYear,reporterISO,partnerISO,flowCode,cmdCode,netWgt,primaryValue,motCode
2024,KOR,CHN,M,850511,3000000,150000000,0
2024,KOR,JPN,M,850511,1000000,80000000,0
2024,KOR,W00,M,850511,4000000,230000000,0
2024,KOR,CHN,X,850511,50000,1000000,0
2024,JPN,CHN,M,850511,9999,9999,0
2024,KOR,CHN,M,850511,100,100,1000
2024,KOR,CHN,M,284610,1000000,5000000,0
2024,KOR,FRA,M,284610,250000,2000000,0
2024,KOR,CHN,M,999999,10,10,0
"""

BACI = """t,i,j,k,v,q
2023,156,410,280530,2000,100
2023,392,410,280530,1000,50
2023,156,392,280530,5000,500
2023,999,410,280530,10,0.4
2023,842,410,284690,300,NA
2023,156,410,284690,100,NA
"""

PLAIN = """year,partner,hs_code,kg,usd,months
2025,CHN,2846.90-1010,6000,60000,6
2025,VNM,284690,10000,50000,
2025,ROW,284690,10000,50000,12
"""

BROKEN = """year,partner,hs_code,kg,usd
20x4,CHN,284690,100,10
2024,C1,284690,-5,abc
2024,CHN,28,100,10
2024,CHN,284690,,
"""


@pytest.fixture
def hs(tmp_path):
    path = tmp_path / "hs.csv"
    path.write_text(HS)
    return path


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return path


def cell(rows, **key):
    [row] = [r for r in rows if all(r[k] == v for k, v in key.items())]
    return row


def read(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def test_comtrade_keeps_korean_imports_and_lists_unknown_codes(tmp_path, hs):
    f = write(tmp_path, "comtrade.csv", COMTRADE)
    s = import_trade([f], tmp_path / "out", hs_codes=hs)
    assert s.files == {str(f): "comtrade"} and s.lines == 5
    assert sum(s.skipped.values()) == 4  # world total, export, other reporter, breakdown row
    nd = cell(s.demand, element="Nd", form="magnet")
    assert nd["demand_t"] == pytest.approx((3000 + 1000) * 0.25)  # 1,000 t REO
    assert nd["goods_t"] == pytest.approx(4000) and nd["usd"] == pytest.approx(230e6)
    assert cell(s.shares, element="Nd", partner="CHN")["share"] == pytest.approx(0.75)
    assert cell(s.shares, element="Dy", partner="JPN")["tonnes_reo"] == pytest.approx(10)
    ce = cell(s.demand, element="Ce")
    assert ce["demand_t"] == pytest.approx(1000 * 0.8 + 250 * 0.8) and ce["status"] == "confirmed"
    assert cell(s.shares, element="Ce", partner="FRA")["share"] == pytest.approx(0.2)
    assert cell(s.shares, element="Ce", partner="FRA")["share_usd"] == pytest.approx(2 / 7)
    assert s.unknown_codes == [
        {"hs_code": "999999", "rows": 1, "goods_t": 0.01, "usd": 10.0, "files": "comtrade.csv"}
    ]
    assert read(tmp_path / "out" / "unknown_codes.csv")[0]["hs_code"] == "999999"
    written = read(tmp_path / "out" / "import_shares.csv")
    assert {r["partner"] for r in written} == {"CHN", "JPN", "FRA"}
    assert float(cell(written, element="Nd", partner="JPN")["share"]) == pytest.approx(0.25)


def test_baci_numeric_codes_tonnes_thousand_usd_and_value_only_rows(tmp_path, hs):
    f = write(tmp_path, "baci.csv", BACI)
    s = import_trade([f], None, hs_codes=hs)
    assert s.files[str(f)] == "baci" and s.unknown_partners == ["N999"]
    nd = cell(s.demand, element="Nd", form="metal")
    assert nd["demand_t"] == pytest.approx((100 + 50 + 0.4) * 0.6)
    assert nd["usd"] == pytest.approx((2000 + 1000 + 10) * 1000)
    chn = cell(s.shares, element="Nd", partner="CHN")
    assert chn["tonnes_reo"] == pytest.approx(60) and chn["share"] == pytest.approx(
        100 / 150.4, abs=1e-6
    )
    assert cell(s.shares, element="Nd", partner="N999")["share"] == pytest.approx(
        0.4 / 150.4, abs=1e-6
    )
    # q is NA: no tonnes, so the La shares are by value and the demand says why it is blank
    la = cell(s.demand, element="La")
    assert la["demand_t"] is None and la["usd"] == pytest.approx(400_000)
    assert "value only" in la["basis"] and la["status"] == "estimate"
    usa = cell(s.shares, element="La", partner="USA")  # 842 is BACI's code for the US
    assert usa["share"] == pytest.approx(0.75) and usa["share_basis"] == "value"


def test_plain_table_annualises_and_prefers_ten_digit_codes(tmp_path, hs):
    f = write(tmp_path, "kcs.csv", PLAIN)
    s = import_trade([f], tmp_path / "out", hs_codes=hs)
    y = cell(s.demand, element="Y")
    assert y["demand_t"] == pytest.approx(6000 * 12 / 6 / 1000 * 0.9)  # 10.8 t
    assert y["usd"] == pytest.approx(120_000)
    la = cell(s.demand, element="La")
    assert la["demand_t"] == pytest.approx(10.0)  # the 10-digit Y line is not La
    assert cell(s.shares, element="La", partner="ROW")["share"] == pytest.approx(0.5)
    assert match_code("2846901010", read_hs_codes(hs)) == "2846901010"
    assert match_code("2846901090", read_hs_codes(hs)) == "284690"


def test_several_files_add_up_and_year_filter(tmp_path, hs):
    a = write(tmp_path, "a.csv", COMTRADE)
    b = write(tmp_path, "b.csv", PLAIN)
    s = import_trade([a, b], None, hs_codes=hs)
    assert s.years == [2024, 2025]
    only = import_trade([a, b], None, hs_codes=hs, year=2025)
    assert {d["year"] for d in only.demand} == {2025}
    with pytest.raises(InputError, match="no import rows for 1999"):
        import_trade([a], None, hs_codes=hs, year=1999)


def test_every_problem_in_every_file_with_row_and_column(tmp_path, hs):
    broken = write(tmp_path, "broken.csv", BROKEN)
    alien = write(tmp_path, "alien.csv", "a,b\n1,2\n")
    with pytest.raises(InputError) as e:
        import_trade([broken, alien, tmp_path / "missing.csv"], tmp_path / "out", hs_codes=hs)
    found = {(p.where, p.row, p.column) for p in e.value.problems}
    b = str(broken)
    assert found == {
        (b, 2, "year"),
        (b, 3, "partner"),
        (b, 3, "kg"),
        (b, 3, "usd"),
        (b, 4, "hs_code"),
        (b, 5, "kg"),
        (str(alien), None, None),
        (str(tmp_path / "missing.csv"), None, None),
    }
    assert "broken.csv, row 3, column 'usd': is not a number (got 'abc')" in e.value.summary()
    assert not (tmp_path / "out").exists()  # nothing written when anything is wrong


def test_a_bad_hs_codes_table_is_reported_like_a_dataset(tmp_path):
    bad = write(tmp_path, "hs.csv", HS + "8505,Nd,magnets,x,,maybe\n")
    with pytest.raises(InputError) as e:
        read_hs_codes(bad)
    cols = {p.column for p in e.value.problems if p.row == 8}
    assert cols == {"hs_code", "form", "reo_kg_per_kg", "source", "status"}


def cli(argv):
    parser = argparse.ArgumentParser()
    add_parser(parser.add_subparsers(dest="command"))
    return run(parser.parse_args(["import-trade", *argv]))


def test_run_exit_codes_and_messages(tmp_path, hs, capsys):
    good = write(tmp_path, "comtrade.csv", COMTRADE)
    out = tmp_path / "out"
    assert cli([str(good), "--out", str(out), "--hs-codes", str(hs)]) == 0
    shown = capsys.readouterr().out
    assert "5 import rows" in shown and "999999" in shown and "demand.csv" in shown
    # the outputs exist now: refuse without --force, like the other commands that write
    assert cli([str(good), "--out", str(out), "--hs-codes", str(hs)]) == 2
    assert "pass --force" in capsys.readouterr().err
    assert cli([str(good), "--out", str(out), "--hs-codes", str(hs), "--force"]) == 0
    capsys.readouterr()
    broken = write(tmp_path, "broken.csv", BROKEN)
    assert cli([str(broken), "--out", str(tmp_path / "o2"), "--hs-codes", str(hs)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 6 and all(line.startswith("error: ") and "row " in line for line in err)


def test_bundled_hs_codes_turn_magnets_into_the_bundled_magnet_demand():
    table = read_hs_codes()
    assert all(k.isdigit() for k in table)
    magnet = {c.element: c.reo_kg_per_kg for c in table["850511"]}
    with open(BUNDLED_DATA / "demand.csv", newline="") as f:
        demand = {(r["element"], r["form"]): float(r["demand_t"]) for r in csv.DictReader(f)}
    # Korea's magnet use is taken as 5.9 kt of NdFeB (data/README.md#demand); contents are rounded
    # to 5 decimals in the table
    for e in ("Nd", "Pr", "Dy", "Tb", "Gd", "Ho"):
        assert 5900 * magnet[e] == pytest.approx(demand[(e, "magnet")], rel=5e-3)
    assert sum(magnet[e] for e in ("Nd", "Pr", "Dy", "Tb", "Gd", "Ho")) == pytest.approx(
        0.35, abs=1e-3
    )


def build_stage_data():
    spec = importlib.util.spec_from_file_location(
        "build_stage_data", REPO / "scripts" / "build_stage_data.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("build_stage_data", module)
    spec.loader.exec_module(module)
    return module


def test_shipped_kita_extract_reproduces_the_magnet_value_the_data_uses():
    s = import_trade([BUNDLED_DATA / "trade" / "kita_2022_magnets.csv"], None)
    nd = cell(s.demand, element="Nd", form="magnet")
    # annualised Jan-Sep 2022 value: 394.5 M x 12 / 9 = 526 M USD; no kg, so no tonnes
    assert nd["usd"] == pytest.approx(394.5e6 * 12 / 9) and nd["demand_t"] is None
    assert cell(s.shares, element="Nd", partner="CHN")["share"] == pytest.approx(343.8 / 394.5)
    # build_stage_data's magnet value added starts from this figure over 5.9 kt of magnets
    bsd = build_stage_data()
    assert nd["usd"] == pytest.approx(bsd.MAGNET_PRICE_2022 * 5.9e6)
    assert bsd.MAGNET_ADDED == 93


# --- the shipped mirror extracts: China's customs exports to Korea, read as Korea's imports ---

MIRROR_ANNUAL = BUNDLED_DATA / "trade" / "china_mirror_magnets_annual.csv"
MIRROR_MONTHS = BUNDLED_DATA / "trade" / "china_mirror_magnets_months.csv"
# kg REO per kg of 850511 in data/hs_codes.csv (NdFeB elements and SmCo's Sm)
MAGNET_CONTENT = {
    "Nd": 0.24486,
    "Pr": 0.08456,
    "Dy": 0.01378,
    "Tb": 0.00353,
    "Gd": 0.00231,
    "Ho": 0.00115,
    "Sm": 0.00667,
}  # sum 0.35686


def bundled_demand():
    with open(BUNDLED_DATA / "demand.csv", newline="") as f:
        return {(r["element"], r["form"]): float(r["demand_t"]) for r in csv.DictReader(f)}


def test_shipped_mirror_extract_gives_hand_computed_magnet_tonnes(tmp_path):
    s = import_trade([MIRROR_ANNUAL], tmp_path / "out")
    assert s.years == [2020, 2023] and s.lines == 2 and not s.unknown_codes
    # 2023: 52,576 t of China's magnet exports x Korea's 11.3% = 5,941.088 t of magnets
    nd23 = cell(s.demand, year=2023, element="Nd", form="magnet")
    assert nd23["goods_t"] == pytest.approx(5941.088)
    assert nd23["demand_t"] == pytest.approx(1454.7348, abs=1e-3)  # 5,941.088 x 0.24486
    assert nd23["usd"] is None and nd23["status"] == "estimate"  # mirror rows carry no value
    t23 = sum(d["demand_t"] for d in s.demand if d["year"] == 2023)
    assert t23 == pytest.approx(2120.137, abs=1e-2)  # 5,941.088 x 0.35686
    # 2020: 3,721.5 t (Argus table of China's customs data)
    nd20 = cell(s.demand, year=2020, element="Nd", form="magnet")
    assert nd20["demand_t"] == pytest.approx(911.2465, abs=1e-3)  # 3,721.5 x 0.24486
    assert cell(s.demand, year=2020, element="Dy")["demand_t"] == pytest.approx(
        51.2823, abs=1e-3
    )  # 3,721.5 x 0.01378
    # China is the only partner in a mirror file, so its share is 1 by construction: the file
    # says nothing about the 89.9% / 79.8% / 61.1% shares the baseline is built on
    chn = cell(s.shares, year=2023, element="Nd", partner="CHN")
    assert chn["share"] == 1.0 and chn["share_basis"] == "mass"
    written = read(tmp_path / "out" / "demand.csv")
    assert float(cell(written, year="2023", element="Pr")["demand_t"]) == pytest.approx(
        502.3784, abs=1e-3
    )  # 5,941.088 x 0.08456


def test_shipped_mirror_extract_agrees_with_the_bundled_magnet_demand():
    # data/README.md#demand: Korea's magnet use is "about 5.9 kt" of NdFeB, i.e. 5,850-5,950 t;
    # the mirror's 5,941.1 t (5,915-5,968 t given the 11.3% is rounded) lies inside it, and each
    # element's t REO is within 1% of data/demand.csv (5,941.088 / 5,900 = 1.007; Sm is SmCo, a
    # judged 2.3% of the code's mass: 39.63 against 40, -0.9%)
    s = import_trade([MIRROR_ANNUAL], None, year=2023)
    demand = bundled_demand()
    nd = cell(s.demand, element="Nd", form="magnet")
    assert 5850 <= nd["goods_t"] <= 5950
    for element in MAGNET_CONTENT:
        got = cell(s.demand, element=element, form="magnet")["demand_t"]
        assert got == pytest.approx(demand[(element, "magnet")], rel=1e-2), element
    total = sum(demand[(e, "magnet")] for e in MAGNET_CONTENT)  # 2,106.6 t REO in magnets
    assert sum(d["demand_t"] for d in s.demand) == pytest.approx(total, rel=1e-2)  # 2,120.1


def test_shipped_part_year_mirror_rows_are_annualised():
    s = import_trade([MIRROR_MONTHS], None)
    # May 2022 alone: 527 t x 12 = 6,324 t of magnets a year
    nd22 = cell(s.demand, year=2022, element="Nd", form="magnet")
    assert nd22["goods_t"] == pytest.approx(6324)
    assert nd22["demand_t"] == pytest.approx(1548.4946, abs=1e-3)  # 6,324 x 0.24486
    # September + October 2025: (854 + 569) x 12 / 2 = 8,538 t a year
    nd25 = cell(s.demand, year=2025, element="Nd", form="magnet")
    assert nd25["goods_t"] == pytest.approx(8538)
    assert nd25["demand_t"] == pytest.approx(2090.6147, abs=1e-3)  # 8,538 x 0.24486
    assert cell(s.demand, year=2025, element="Tb")["demand_t"] == pytest.approx(
        30.1391, abs=1e-3
    )  # 8,538 x 0.00353
    assert {d["status"] for d in s.demand} == {"estimate"}


def test_shipped_mirror_rows_say_they_are_mirror_data():
    for path in (MIRROR_ANNUAL, MIRROR_MONTHS):
        rows = read(path)
        assert rows and all(r["partner"] == "CHN" and r["status"] == "estimate" for r in rows)
        assert all(r["source"].startswith("Mirror data") and "http" in r["source"] for r in rows)
