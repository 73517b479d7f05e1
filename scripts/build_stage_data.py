"""Build the stage-form reference tables: plants, capacity, feeds, demand, baseline_flows.

    .venv/bin/python scripts/build_stage_data.py          # write the five tables into data/
    .venv/bin/python scripts/build_stage_data.py --check  # rebuild in memory, compare with data/, check the rules

Reads data/elements.csv (prices, demand, demand_basis), data/suppliers.csv (country codes),
data/premiums.csv (non-China premium per element, from scripts/mcs_prices.py) and
data/stockpile.csv (KOMIR stock days per element).
Every figure below sits next to its source; data/README.md explains the rules in words.
Units: t REO equivalent a year; USD per kg REO. Output is deterministic.
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
STAGES = ("mine", "separation", "metal", "magnet")
FORM_STAGE = {"oxide": "separation", "metal": "metal", "magnet": "magnet"}
STAGE_FORM = {v: k for k, v in FORM_STAGE.items()}
UNIT = 10_000  # baseline tonnes are kept in integer units of 0.1 kg so sums are exact
README = "data/README.md"

# ---------------------------------------------------------------------------------------------
# Element facts
# ---------------------------------------------------------------------------------------------
# Oxide per unit of metal mass (stoichiometry): Nd2O3, Pr6O11, Dy2O3, Tb4O7 ...
OXIDE_FACTOR = {
    "Sc": 1.534,
    "Y": 1.270,
    "La": 1.173,
    "Ce": 1.228,
    "Pr": 1.208,
    "Nd": 1.166,
    "Sm": 1.160,
    "Eu": 1.158,
    "Gd": 1.153,
    "Tb": 1.176,
    "Dy": 1.148,
    "Ho": 1.146,
    "Er": 1.143,
    "Tm": 1.142,
    "Yb": 1.139,
    "Lu": 1.137,
}
# Profiles, % of total REO (each sums to 100).
# Light ore (bastnaesite/monazite): round one's profile with Y cut from 1.32% to 0.12%, the
# Mountain Pass figure in MCS 2026 Yttrium (DATA_AUDIT: 1.32% implied 25 kt of world Y); the
# 1.2 points go to Ce.
LIGHT = {
    "La": 25,
    "Ce": 50.2,
    "Pr": 5,
    "Nd": 17,
    "Sm": 1.6,
    "Eu": 0.2,
    "Gd": 0.6,
    "Tb": 0.05,
    "Dy": 0.15,
    "Ho": 0.02,
    "Er": 0.03,
    "Tm": 0.005,
    "Yb": 0.02,
    "Lu": 0.005,
    "Y": 0.12,
}
# Ion-adsorption clay of the mixed medium/heavy kind shipped from Myanmar and Laos. Y set at 22%
# so that world Y from all ionic feed (55.6 kt x 22% = 12.2 kt) plus light ore (~0.4 kt) lands
# inside MCS 2026 Yttrium's 10,000-15,000 t; the rest scaled from round one's ionic profile.
IONIC = {
    "La": 27,
    "Ce": 3.5,
    "Pr": 5.35,
    "Nd": 21,
    "Sm": 4,
    "Eu": 0.7,
    "Gd": 5,
    "Tb": 0.8,
    "Dy": 4.5,
    "Ho": 0.9,
    "Er": 2.6,
    "Tm": 0.35,
    "Yb": 2,
    "Lu": 0.3,
    "Y": 22,
}
# What Japanese refiners sell (round one's "refiner product mix").
REFINER = {
    "La": 25,
    "Ce": 40,
    "Pr": 6,
    "Nd": 20,
    "Sm": 1.5,
    "Eu": 0.2,
    "Gd": 1.2,
    "Tb": 0.2,
    "Dy": 1.0,
    "Ho": 0.1,
    "Er": 0.4,
    "Tm": 0.02,
    "Yb": 0.2,
    "Lu": 0.05,
    "Y": 4.13,
}
# NdFeB: ~30% rare earths by metal mass (REFERENCE_DATA s.4); split as in the round-one demand.
MAGNET_METAL = {"Nd": 0.21, "Pr": 0.07, "Dy": 0.012, "Tb": 0.003, "Gd": 0.002, "Ho": 0.001}
MAGNET_REO = {e: MAGNET_METAL[e] * OXIDE_FACTOR[e] for e in MAGNET_METAL}  # t REO per t magnet
NDFEB = tuple(MAGNET_METAL)
ND_SHARE_OF_NDPR = 17 / 22  # Nd:Pr = 17:5 in light ore, used to split NdPr figures

for _p in (LIGHT, IONIC, REFINER):
    assert abs(sum(_p.values()) - 100) < 1e-9

# ---------------------------------------------------------------------------------------------
# Cost rules (USD/kg REO added by a plant; a delivered kg costs the sum over its path)
# ---------------------------------------------------------------------------------------------
MINE_VALUE = 0.55  # concentrate worth 55% of the contained oxide at the FOB China price (judged)
# Non-China premium on separated oxide, by group (round one; US NdPr floor 110 vs 69-73 USD/kg,
# Europe Dy 700-1,000 and Tb 2,000-4,000 vs 239 and 1,010: Argus May 2025, Benchmark Jul 2025).
# The premium itself is per element, read from data/premiums.csv (scripts/mcs_prices.py: quotes
# for Nd, Pr, Dy and Tb; version 1's group factors 1.5 / 2.0 / 3.5 for the rest).
# Freight and insurance on value, by the plant's country (round one's distance classes).
FREIGHT = {
    "CHN": 0.02,
    "JPN": 0.02,
    "VNM": 0.04,
    "MYS": 0.04,
    "THA": 0.04,
    "MMR": 0.04,
    "LAO": 0.06,
    "AUS": 0.05,
    "USA": 0.05,
    "CAN": 0.05,
    "IND": 0.05,
    "FRA": 0.07,
    "EST": 0.07,
    "GBR": 0.07,
    "BRA": 0.09,
    "NGA": 0.09,
    "MDG": 0.09,
    "KOR": 0.0,
    "KOR-RECYCLING": 0.0,
    "KOR-STOCKPILE": 0.0,
}
# Processing cost of metal and magnet making relative to China (labour, energy, scale; judged).
PROCESS_FACTOR = {
    "CHN": 1.0,
    "VNM": 1.1,
    "LAO": 1.1,
    "MYS": 1.2,
    "IND": 1.2,
    "JPN": 1.3,
    "KOR": 1.3,
    "USA": 1.5,
    "EST": 1.5,
    "GBR": 1.5,
    "FRA": 1.5,
    "AUS": 1.5,
}
# Metal making: 5% of the oxide price + 3 USD/kg REO (electrolysis/reduction). Check: for La/Ce it
# gives 3.05-3.09, against 3.2 implied by mischmetal at 5.62 USD/kg (MCS 2026 Rare Earths).
# Where MCS 2026 prices the metal, the gap is used instead:
METAL_ADDED = {
    "Y": 40 / OXIDE_FACTOR["Y"] - 9,  # Y metal 40 vs Y2O3 9 USD/kg (MCS 2026 Yttrium) = 22.5
    # Al-2%Sc alloy 30 USD/kg (MCS 2026 Scandium), less 98% Al at ~2.6 USD/kg, per kg Sc2O3, less
    # the oxide price 640: about 255 USD/kg REO.
    "Sc": (30 - 0.98 * 2.6) / (0.02 * OXIDE_FACTOR["Sc"]) - 640,
}
# Magnet making value added per kg REO content. Korea imported USD 394.5 M of NdFeB in Jan-Sep
# 2022 (KITA via Asia Economy, 2022-10-24) = 526 M a year, for about 5.9 kt (estimate, round one):
# 89.2 USD/kg. Its REE content at 2022 MCS prices (Nd 134, Pr 128, Dy 382, Tb 2,050, Gd 75, Ho 180)
# is 56.5 USD/kg; the 32.6 USD/kg left over, per 0.350 kg REO per kg magnet, is ~93 USD/kg REO.
PRICE_2022 = {"Nd": 134, "Pr": 128, "Dy": 382, "Tb": 2050, "Gd": 75, "Ho": 180}
MAGNET_PRICE_2022 = 394.5e6 * 12 / 9 / 5.9e6
_ree_cost_2022 = sum(MAGNET_REO[e] * PRICE_2022[e] for e in NDFEB)
MAGNET_ADDED = round((MAGNET_PRICE_2022 - _ree_cost_2022) / sum(MAGNET_REO.values()))

# ---------------------------------------------------------------------------------------------
# Plants. (id, name, operator, country, stage, plant_status, first_year, source, status)
# ---------------------------------------------------------------------------------------------
MCS = "USGS MCS 2026, Rare Earths"
MCS_FN12 = MCS + " (output estimated from China's import data, footnote 12: the ore goes to China)"
PLANTS = [
    # --- mines and first-stage origins
    (
        "CHN-MINE",
        "China: mines (aggregate)",
        "aggregate",
        "CHN",
        "mine",
        "operating",
        None,
        MCS + ": China 270,000 t (2025), Myanmar not included",
        "confirmed",
    ),
    (
        "MMR-MINE",
        "Myanmar: ionic-clay mines (Kachin)",
        "aggregate",
        "MMR",
        "mine",
        "operating",
        None,
        MCS_FN12,
        "confirmed",
    ),
    (
        "LAO-MINE",
        "Laos: ionic-clay mines",
        "aggregate",
        "LAO",
        "mine",
        "operating",
        None,
        "UN Comtrade 2024: China imported 10,748 t (gross) HS 2846 from Laos; REO content estimate",
        "estimate",
    ),
    (
        "THA-MINE",
        "Thailand: mines",
        "aggregate",
        "THA",
        "mine",
        "operating",
        None,
        MCS_FN12,
        "confirmed",
    ),
    (
        "MDG-MINE",
        "Madagascar: mines",
        "aggregate",
        "MDG",
        "mine",
        "operating",
        None,
        MCS_FN12,
        "confirmed",
    ),
    (
        "VNM-MINE",
        "Vietnam: mines",
        "aggregate",
        "VNM",
        "mine",
        "operating",
        None,
        MCS_FN12 + "; no refinery in 2025 (DATA_AUDIT)",
        "confirmed",
    ),
    (
        "MYS-MINE",
        "Malaysia: ionic-clay mines",
        "aggregate",
        "MYS",
        "mine",
        "operating",
        None,
        MCS_FN12,
        "confirmed",
    ),
    (
        "BRA-MINE",
        "Brazil: ionic-clay mine (mixed concentrate)",
        "aggregate",
        "BRA",
        "mine",
        "operating",
        None,
        MCS
        + " (2,000 t, 2025); Rare Earths (Heavy): a Brazilian mine made mixed ionic-clay concentrate; destination China: estimate",
        "estimate",
    ),
    (
        "NGA-MINE",
        "Nigeria: mines (monazite, artisanal)",
        "aggregate",
        "NGA",
        "mine",
        "operating",
        None,
        MCS + " (1,500 t, 2025); destination China: estimate",
        "estimate",
    ),
    (
        "AUS-LYNAS-MTWELD",
        "Lynas Mt Weld mine and Kalgoorlie cracking plant",
        "Lynas Rare Earths",
        "AUS",
        "mine",
        "operating",
        2011,
        "Lynas reports; Kalgoorlie makes the intermediate for Malaysia (seaisi.org 2024-11-11); no Australian separation in 2025 (DATA_AUDIT)",
        "confirmed",
    ),
    (
        "USA-MP-MINE",
        "MP Materials Mountain Pass mine",
        "MP Materials",
        "USA",
        "mine",
        "operating",
        None,
        "pm-review.com 2025-01-27; " + MCS + " (bastnaesite mined at Mountain Pass)",
        "confirmed",
    ),
    (
        "USA-SE-MONAZITE",
        "US south-east heavy-mineral-sand monazite",
        "aggregate",
        "USA",
        "mine",
        "operating",
        None,
        MCS
        + " (monazite from heavy-mineral sands in the south-eastern US); feeds White Mesa (engineeringnews.co.za 2024-06-11)",
        "confirmed",
    ),
    (
        "IND-IREL-MINE",
        "IREL beach-sand monazite (Kerala, Odisha)",
        "IREL (India) Ltd",
        "IND",
        "mine",
        "operating",
        None,
        MCS + ": India 2,900 t (2025)",
        "confirmed",
    ),
    (
        "KOR-RECYCLING",
        "Korea: recycling collection (magnet scrap, polishing powder, phosphors)",
        "aggregate",
        "KOR-RECYCLING",
        "mine",
        "operating",
        None,
        "Korea Critical Minerals Strategy (27 Feb 2023): recycling about 2% today",
        "confirmed",
    ),
    # --- separation (oxide)
    (
        "CHN-SEP",
        "China: separation plants (aggregate)",
        "aggregate",
        "CHN",
        "separation",
        "operating",
        None,
        "IEA GCMO 2024 (China 92% of refined output, 2023); feed from China's mines and imported ore",
        "confirmed",
    ),
    (
        "JPN-SEP",
        "Japan: separation and high-purity compound refiners (aggregate)",
        "aggregate",
        "JPN",
        "separation",
        "operating",
        None,
        MCS
        + " (Japan's compounds derived from concentrates produced in China and elsewhere); plant figures not found",
        "estimate",
    ),
    (
        "MYS-LYNAS-KUANTAN",
        "Lynas Malaysia (Kuantan), incl. heavy circuit",
        "Lynas Rare Earths",
        "MYS",
        "separation",
        "operating",
        2012,
        "rareearthexchanges.com 2025-09-23 (10,500 t/y NdPr); heavy circuit Dy May 2025, Tb Jun 2025 (magneticsmag.com 2025-05-16)",
        "confirmed",
    ),
    (
        "USA-MP-SEP",
        "MP Materials Mountain Pass separation",
        "MP Materials",
        "USA",
        "separation",
        "operating",
        None,
        "pm-review.com 2025-01-27 (1,294 t NdPr oxide in 2024)",
        "confirmed",
    ),
    (
        "USA-EF-WHITEMESA",
        "Energy Fuels White Mesa Mill (phase 1)",
        "Energy Fuels",
        "USA",
        "separation",
        "operating",
        2024,
        "engineeringnews.co.za 2024-06-11 (850-1,000 t/y NdPr oxide; Dy/Tb pilot only)",
        "confirmed",
    ),
    (
        "EST-NEO-SILMET",
        "Neo NPM Silmet (Sillamae)",
        "Neo Performance Materials",
        "EST",
        "separation",
        "operating",
        None,
        "argusmedia.com c. 2023 (3,000 t/y, light, Energy Fuels carbonate feed)",
        "confirmed",
    ),
    (
        "FRA-SOLVAY-LAROCHELLE",
        "Solvay La Rochelle",
        "Solvay",
        "FRA",
        "separation",
        "operating",
        None,
        "automotiveworld.com 2025-04-09; Solvay statements 2025 (~4,000 t, mostly La/Ce; NdPr hundreds of t; Dy/Tb only in future)",
        "confirmed",
    ),
    (
        "IND-IREL-SEP",
        "IREL separation (OSCOM, Aluva)",
        "IREL (India) Ltd",
        "IND",
        "separation",
        "operating",
        None,
        "business-standard.com 2025-11-09 (Nd 40 t, targets 200 t FY26, 500 t FY27)",
        "confirmed",
    ),
    (
        "CAN-RIOTINTO-SOREL",
        "Rio Tinto Sorel-Tracy scandium oxide",
        "Rio Tinto",
        "CAN",
        "separation",
        "operating",
        None,
        "USGS MCS 2026, Scandium (Sorel-Tracy; expansion to 9 t/y funded Oct 2025)",
        "confirmed",
    ),
    (
        "KOR-RECYCLING-SEP",
        "Korea: recyclers' oxide refining (aggregate)",
        "aggregate",
        "KOR-RECYCLING",
        "separation",
        "operating",
        None,
        "estimate: recycled material is refined to oxide in Korea, see " + README + "#recycling",
        "estimate",
    ),
    (
        "KOR-STOCKPILE",
        "Korea: KOMIR stockpile release",
        "KOMIR",
        "KOR-STOCKPILE",
        "separation",
        "operating",
        None,
        "KOMIR: about 51-57 days of demand, Dy and Y above six months (Apr 2025)",
        "confirmed",
    ),
    # --- metal and alloy
    (
        "CHN-METAL",
        "China: metal and alloy makers (aggregate)",
        "aggregate",
        "CHN",
        "metal",
        "operating",
        None,
        "KITA: China 79.8% of Korea's 2024 REE metal imports",
        "confirmed",
    ),
    (
        "JPN-METAL",
        "Japan: metal and alloy makers (aggregate; Santoku, Shin-Etsu and others)",
        "aggregate",
        "JPN",
        "metal",
        "operating",
        None,
        "plant figures not found; sized from Japan's magnet output, see " + README + "#capacity",
        "estimate",
    ),
    (
        "KOR-KSM-OCHANG",
        "KSM Metals (Ochang)",
        "KSM Metals",
        "KOR",
        "metal",
        "operating",
        2022,
        "argusmedia.com c. 2021 (plan 1,900 t/y NdFeB alloy, 72 t Dy; opened May 2022)",
        "confirmed",
    ),
    (
        "VNM-SUNGAN-BINHDUONG",
        "Sungan Materials (Binh Duong)",
        "Sungan (Seong-an) Materials",
        "VNM",
        "metal",
        "operating",
        2023,
        "seong-an.com 2023-08-04 (144 t/y NdPr metal, plan 720 t; MP NdPr oxide; test 2023)",
        "estimate",
    ),
    (
        "GBR-LCM",
        "Less Common Metals (Ellesmere Port)",
        "Less Common Metals",
        "GBR",
        "metal",
        "operating",
        None,
        "mmta.co.uk c. 2022-23 (~110 t/y Nd/NdPr metal, 330 t/y planned)",
        "confirmed",
    ),
    (
        "USA-MP-IND-METAL",
        "MP Materials Independence (Fort Worth): metal",
        "MP Materials",
        "USA",
        "metal",
        "operating",
        2025,
        "pm-review.com 2025-01-27 (metal from Jan 2025)",
        "confirmed",
    ),
    # --- magnets
    (
        "CHN-MAGNET",
        "China: NdFeB and SmCo magnet makers (aggregate)",
        "aggregate",
        "CHN",
        "magnet",
        "operating",
        None,
        "KITA: China 89.9% of Korea's 2024 NdFeB imports; China ~300,000 t NdFeB (Argus 2024)",
        "confirmed",
    ),
    (
        "JPN-MAGNET",
        "Japan: magnet makers (aggregate; Shin-Etsu, Proterial, TDK, Daido)",
        "aggregate",
        "JPN",
        "magnet",
        "operating",
        None,
        "projectblue.com 2025-09 (~23.75 kt/y magnet capacity outside China, mostly Japan); Japan plant figures not found",
        "estimate",
    ),
    (
        "KOR-STAR-DAEGU",
        "Star Group magnets (Daegu)",
        "Star Group",
        "KOR",
        "magnet",
        "operating",
        None,
        "Reuters via baochinhphu.vn 2023-08 (3,000 t/y Korea and China combined)",
        "confirmed",
    ),
    (
        "VNM-STAR-VIETNAM",
        "Star Group Vietnam magnets",
        "Star Group",
        "VNM",
        "magnet",
        "operating",
        2025,
        "goodmorningvietnam.co.kr late 2024 (4,000-5,000 t/y, start Feb 2025 planned; start not confirmed)",
        "estimate",
    ),
    (
        "VNM-SHINETSU-HAIPHONG",
        "Shin-Etsu Magnetic Materials Vietnam",
        "Shin-Etsu Chemical",
        "VNM",
        "magnet",
        "operating",
        None,
        "couragemagnet.com end-2022 (Vietnam 2,200 t/y)",
        "confirmed",
    ),
    (
        "USA-MP-IND-MAGNET",
        "MP Materials Independence (Fort Worth): magnets",
        "MP Materials",
        "USA",
        "magnet",
        "operating",
        2025,
        "pm-review.com 2025-01-27 (~1,000 t/y NdFeB, magnets late 2025)",
        "confirmed",
    ),
    (
        "EST-NEO-NARVA",
        "Neo Performance Materials Narva magnet plant",
        "Neo Performance Materials",
        "EST",
        "magnet",
        "operating",
        2025,
        "automotiveworld.com 2025-09-19 (2,000 t/y, 5,000 t/y later; opened 19 Sep 2025)",
        "confirmed",
    ),
    # --- under construction or planned (not used in a single-year run)
    (
        "AUS-ILUKA-ENEABBA",
        "Iluka Eneabba refinery",
        "Iluka Resources",
        "AUS",
        "separation",
        "construction",
        2027,
        "wa.gov.au 2022-04 (17,500 t/y REO: Nd, Pr, Dy, Tb; element split not found)",
        "confirmed",
    ),
    (
        "AUS-ARAFURA-NOLANS",
        "Arafura Nolans (mine to oxide)",
        "Arafura Rare Earths",
        "AUS",
        "separation",
        "planned",
        2027,
        "miningweekly.com 2021-05-11 (4,440 t/y NdPr oxide + 474 t/y heavy oxides)",
        "confirmed",
    ),
    (
        "MYS-LYNAS-HEAVY2",
        "Lynas Malaysia new heavy rare earth plant",
        "Lynas Rare Earths",
        "MYS",
        "separation",
        "planned",
        2026,
        "processonline.com.au c. Oct 2025 (5,000 t/y heavy feed; Sm Apr 2026 forecast; element split not found)",
        "confirmed",
    ),
    (
        "LAO-VIENTIANE-REFINERY",
        "Refinery near Vientiane",
        "not found",
        "LAO",
        "separation",
        "planned",
        None,
        "rawmaterials.net 2025-01 (3,000 t/y REO, light and heavy; target Q4 2025, not operating)",
        "confirmed",
    ),
    (
        "USA-EF-WHITEMESA-P2",
        "Energy Fuels White Mesa phase 2",
        "Energy Fuels",
        "USA",
        "separation",
        "planned",
        None,
        "engineeringnews.co.za 2024-06-11 (4,000-6,000 t NdPr, 150-225 t Dy, 50-75 t Tb)",
        "confirmed",
    ),
    (
        "USA-MP-HEAVY",
        "MP Materials Mountain Pass heavy separation",
        "MP Materials",
        "USA",
        "separation",
        "construction",
        None,
        "USGS MCS 2026, Rare Earths (Heavy): 150 M USD DoW loan (Aug 2025) to build heavy separation",
        "confirmed",
    ),
    (
        "USA-LYNAS-SEADRIFT",
        "Lynas Seadrift (Texas)",
        "Lynas Rare Earths",
        "USA",
        "separation",
        "planned",
        None,
        "northernminer 2025-08-27 (significant uncertainty)",
        "confirmed",
    ),
    (
        "KOR-JSLINK-YESAN",
        "JS Link magnets (Yesan)",
        "JS Link",
        "KOR",
        "magnet",
        "construction",
        2026,
        "mining.com 2025-09-04 (1,000 t/y; pilot Sep 2025)",
        "confirmed",
    ),
    (
        "USA-JSLINK-GEORGIA",
        "JS Link magnets (Georgia)",
        "JS Link",
        "USA",
        "magnet",
        "planned",
        2027,
        "mining.com 2025-09-04 (3,000 t/y, late 2027)",
        "confirmed",
    ),
    (
        "MYS-JSLINK-LYNAS",
        "JS Link and Lynas magnets (Malaysia)",
        "JS Link, Lynas",
        "MYS",
        "magnet",
        "planned",
        None,
        "mining.com 2025-09-04 (3,000 t/y)",
        "confirmed",
    ),
    (
        "KOR-LSVAC",
        "LS Eco Advanced Materials and VAC magnets",
        "LS Eco Advanced Materials, VAC",
        "KOR",
        "magnet",
        "planned",
        2027,
        "lscns.co.kr 2024-02-14 (1,000 t/y, agreement only; site Korea or US, taken as Korea)",
        "estimate",
    ),
    (
        "USA-VAC-SUMTER",
        "VAC eVAC (Sumter, South Carolina)",
        "VAC",
        "USA",
        "magnet",
        "construction",
        None,
        "fastmarkets.com 2023-12-14 (online late 2025 planned; capacity not disclosed)",
        "confirmed",
    ),
    (
        "USA-USAR-STILLWATER",
        "USA Rare Earth (Stillwater, Oklahoma)",
        "USA Rare Earth",
        "USA",
        "magnet",
        "construction",
        None,
        "minelistings.com c. 2025 (1,200 t/y, 4,800 t/y nameplate; first batch made)",
        "confirmed",
    ),
]

# ---------------------------------------------------------------------------------------------
# Capacity parameters
# ---------------------------------------------------------------------------------------------
# China: share of each stage's output that Korea can reach, as round one (30% of output exported
# x 15% of that open to Korea = 4.5%); Korea now takes about 2.2% of China's magnet output
# (11.3% of exports of ~19% of output), so 4.5% leaves headroom.
CHINA_REACH = 0.30 * 0.15
CHN_MINE_LIGHT, CHN_MINE_IONIC = 250_850, 19_150  # MIIT 2024 quota split as reported (estimate)
CHN_SC_T = 40  # MCS 2026 Scandium: world ~80 t, China the leading producer; half taken (estimate)
# Mines whose ore goes to China's separation: (plant, t REO 2025, profile, basis)
CHINA_FEED = [
    (
        "CHN-MINE",
        None,
        None,
        "MCS 2026: 270,000 t = 250,850 light + 19,150 ionic (MIIT quota split)",
    ),
    ("MMR-MINE", 22_000, IONIC, "MCS 2026: Myanmar 22,000 t (2025)"),
    (
        "LAO-MINE",
        4_800,
        IONIC,
        "10,748 t gross HS 2846 (Comtrade 2024) x ~45% REO; USGS 'other' is 550 t",
    ),
    ("THA-MINE", 4_800, IONIC, "MCS 2026: Thailand 4,800 t (2025)"),
    ("MDG-MINE", 2_700, IONIC, "MCS 2026: Madagascar 2,700 t (2025)"),
    ("BRA-MINE", 2_000, IONIC, "MCS 2026: Brazil 2,000 t (2025)"),
    ("NGA-MINE", 1_500, LIGHT, "MCS 2026: Nigeria 1,500 t (2025)"),
    ("VNM-MINE", 150, LIGHT, "MCS 2026: Vietnam 150 t (2025)"),
    ("MYS-MINE", 110, IONIC, "MCS 2026: Malaysia 110 t (2025)"),
]
# Lynas FY25: 10,462 t REO incl. 6,558 t NdPr (DATA_AUDIT, Lynas reports).
LYNAS_REO, LYNAS_NDPR = 10_462, 6_558
LYNAS_FEED = LYNAS_NDPR / 0.22  # t REO of Mt Weld feed behind that NdPr (NdPr 22% of light ore)
LYNAS_HEAVY_RAMP = 0.5  # heavy circuit commissioned 2025: half its feed's Dy/Tb recovered (judged)


def _pct(profile, e):
    return profile.get(e, 0) / 100


def _magnet(tonnes):
    return {e: tonnes * MAGNET_REO[e] for e in NDFEB}


def _ndpr(tonnes_ndpr):
    return {"Nd": tonnes_ndpr * ND_SHARE_OF_NDPR, "Pr": tonnes_ndpr * (1 - ND_SHARE_OF_NDPR)}


def _ndpr_metal(tonnes_metal):
    return {
        "Nd": tonnes_metal * ND_SHARE_OF_NDPR * OXIDE_FACTOR["Nd"],
        "Pr": tonnes_metal * (1 - ND_SHARE_OF_NDPR) * OXIDE_FACTOR["Pr"],
    }


def capacity_plan(el):
    """{plant: (totals {element: t}, korea share (float or {element: float}), basis, source)}"""
    demand = {e: el[e]["demand_t"] for e in el}
    plan = {}
    # China's mines and the foreign mines that feed China's separation
    chn_mine = {e: CHN_MINE_LIGHT * _pct(LIGHT, e) + CHN_MINE_IONIC * _pct(IONIC, e) for e in LIGHT}
    sep_total = {e: 0.0 for e in LIGHT}
    for plant, base, prof, basis in CHINA_FEED:
        tot = chn_mine if plant == "CHN-MINE" else {e: base * _pct(prof, e) for e in prof}
        for e, t in tot.items():
            sep_total[e] += t
        plan[plant] = (
            tot,
            CHINA_REACH,
            basis + "; profile x Korea's reach 0.045 (via China)",
            "estimate: mine output x profile x China's reach, see " + README + "#capacity",
        )
    sep_total["Sc"] = CHN_SC_T
    china_src = "estimate: China's separated output x reach 0.045, see " + README + "#capacity"
    plan["CHN-SEP"] = (
        sep_total,
        CHINA_REACH,
        "sum of the mines feeding China's separation (Sc: 40 t by-product)",
        china_src,
    )
    metal_el = ("La", "Ce", "Pr", "Nd", "Sm", "Gd", "Tb", "Dy", "Ho", "Yb", "Sc")
    plan["CHN-METAL"] = (
        {e: sep_total[e] for e in metal_el},
        CHINA_REACH,
        "bounded by China's separated output (metal output by element not found)",
        china_src,
    )
    plan["CHN-MAGNET"] = (
        {e: sep_total[e] for e in NDFEB + ("Sm",)},
        CHINA_REACH,
        "bounded by China's separated output (~300,000 t NdFeB holds more than China separates)",
        china_src,
    )
    # Japan: refiners' Korea part = 300 t REO in the refiner mix: half of Japan's 2012 supply to
    # Korea (27% of 2,262 t = 610 t, KCS), because 2012 followed China's quota crisis and the
    # tonnage is gross weight. Total = round one's 15,000 t; Korea share 2%.
    jpn = {e: 15_000 * _pct(REFINER, e) for e in REFINER}
    jpn["Sc"] = (
        7.5  # Sumitomo Metal Mining, from Philippine nickel feed (MCS 2026 Scandium; estimate)
    )
    plan["JPN-SEP"] = (
        jpn,
        {**{e: 0.02 for e in REFINER}, "Sc": CHINA_REACH},
        "15,000 t refiner mix, Korea 300 t (half of Japan's 2012 610 t); Sc 7.5 t (SMM) x 0.045",
        "estimate: KCS 2012 (Japan 27.0% of 2,262 t), see " + README + "#capacity",
    )
    # Lynas Malaysia and its Australian upstream
    lyn = _ndpr(LYNAS_NDPR)
    lyn["Dy"] = LYNAS_FEED * _pct(LIGHT, "Dy") * LYNAS_HEAVY_RAMP
    lyn["Tb"] = LYNAS_FEED * _pct(LIGHT, "Tb") * LYNAS_HEAVY_RAMP
    lace = LYNAS_REO - LYNAS_NDPR - lyn["Dy"] - lyn["Tb"]
    lyn["La"] = lace * LIGHT["La"] / (LIGHT["La"] + LIGHT["Ce"])
    lyn["Ce"] = lace * LIGHT["Ce"] / (LIGHT["La"] + LIGHT["Ce"])
    lyn_share = {"Nd": 0.10, "Pr": 0.10, "Dy": 0.10, "Tb": 0.10, "La": 0.15, "Ce": 0.15}
    lyn_basis = (
        "FY25 10,462 t REO incl. 6,558 t NdPr (Nd:Pr 17:5); Dy, Tb = 29,809 t feed x light profile x 0.5 ramp; "
        "La/Ce the rest; Korea 10% (La/Ce 15%)"
    )
    plan["MYS-LYNAS-KUANTAN"] = (
        lyn,
        lyn_share,
        lyn_basis,
        "Lynas FY25 reports (via DATA_AUDIT); Korea share: estimate, see " + README + "#capacity",
    )
    plan["AUS-LYNAS-MTWELD"] = (
        dict(lyn),
        lyn_share,
        "the Mt Weld feed behind Lynas Malaysia's output",
        plan["MYS-LYNAS-KUANTAN"][3],
    )
    # United States
    mp = _ndpr(1_294)
    # MCS 2026: US compounds and metals 8,900 t (2025, California and Utah); less MP's NdPr and
    # White Mesa's 850 t, the rest is La/Ce from Mountain Pass, split in light-ore proportions.
    lace_us = 8_900 - 1_294 - 850
    mp["La"] = lace_us * LIGHT["La"] / (LIGHT["La"] + LIGHT["Ce"])
    mp["Ce"] = lace_us * LIGHT["Ce"] / (LIGHT["La"] + LIGHT["Ce"])
    mp_share = {"Nd": 0.05, "Pr": 0.05, "La": 0.15, "Ce": 0.15}
    plan["USA-MP-SEP"] = (
        mp,
        mp_share,
        "1,294 t NdPr oxide (2024), Korea 5% (DoD, GM, Apple offtakes); La, Ce = 8,900 - 1,294 - 850 t "
        "US compounds (MCS 2026) split 25:50.2, Korea 15%",
        "pm-review.com 2025-01-27; USGS MCS 2026, Rare Earths; Korea share: estimate, see "
        + README
        + "#capacity",
    )
    plan["USA-MP-MINE"] = (
        dict(mp),
        mp_share,
        "the ore behind MP's separated output",
        plan["USA-MP-SEP"][3],
    )
    ef = _ndpr(850)
    plan["USA-EF-WHITEMESA"] = (
        ef,
        0.10,
        "850 t/y NdPr oxide (phase 1 low end); Korea 10%; Dy/Tb pilot not counted",
        "engineeringnews.co.za 2024-06-11; Korea share: estimate, see " + README + "#capacity",
    )
    sil_el = ("La", "Ce", "Pr", "Nd")
    sil = {e: 3_000 * LIGHT[e] / sum(LIGHT[x] for x in sil_el) for e in sil_el}
    plan["EST-NEO-SILMET"] = (
        sil,
        0.05,
        "3,000 t/y in light-ore proportions of La, Ce, Pr, Nd; Korea 5%",
        "argusmedia.com c. 2023; Korea share: estimate, see " + README + "#capacity",
    )
    mon = {e: ef.get(e, 0) + sil.get(e, 0) for e in sil_el}
    plan["USA-SE-MONAZITE"] = (
        mon,
        {e: (0.10 * ef.get(e, 0) + 0.05 * sil[e]) / mon[e] for e in sil_el},
        "the monazite behind White Mesa and Silmet (via White Mesa carbonate)",
        "estimate: sum of what it feeds, see " + README + "#capacity",
    )
    plan["FRA-SOLVAY-LAROCHELLE"] = (
        {"La": 1_300, "Ce": 2_300, "Nd": 300, "Pr": 100},
        {"La": 0.15, "Ce": 0.15, "Nd": 0.10, "Pr": 0.10},
        "~4,000 t: La 1,300, Ce 2,300, NdPr 400 (split judged); Korea 15% La/Ce, 10% NdPr",
        "Solvay statements 2025 (via DATA_AUDIT); split and Korea share: estimate, see "
        + README
        + "#capacity",
    )
    irel = {
        "La": 2_900 * _pct(LIGHT, "La"),
        "Ce": 2_900 * _pct(LIGHT, "Ce"),
        "Nd": 40,
        "Pr": 40 * 5 / 17,
    }
    plan["IND-IREL-SEP"] = (
        irel,
        0.05,
        "La, Ce: India's 2,900 t x light profile; Nd 40 t (confirmed), Pr at 5:17; Korea 5%",
        "business-standard.com 2025-11-09; MCS 2026; Korea share: estimate, see "
        + README
        + "#capacity",
    )
    plan["IND-IREL-MINE"] = (
        dict(irel),
        0.05,
        "the monazite behind IREL's separation",
        plan["IND-IREL-SEP"][3],
    )
    plan["CAN-RIOTINTO-SOREL"] = (
        {"Sc": 3},
        0.10,
        "~3 t/y Sc2O3 before the expansion to 9 t/y; Korea 10% (DLA offtake)",
        "USGS MCS 2026, Scandium; tonnage and Korea share: estimate, see " + README + "#capacity",
    )
    # Korea: recycling (round one's capacities) and the stockpile (round one's release rule)
    rec = {
        e: demand[e] * (0.08 if e in ("Nd", "Pr", "Dy", "Tb") else 0.02)
        for e in ("La", "Ce", "Pr", "Nd", "Sm", "Eu", "Gd", "Tb", "Dy", "Ho", "Y")
    }
    rec_src = (
        "estimate: 8% of demand for Nd, Pr, Dy, Tb; 2% for La, Ce, Sm, Eu, Gd, Y, Ho (round one), see "
        + README
        + "#recycling"
    )
    plan["KOR-RECYCLING"] = (
        rec,
        1.0,
        "near-term recycling capacity as a share of Korea's demand",
        rec_src,
    )
    plan["KOR-RECYCLING-SEP"] = (dict(rec), 1.0, "refines what KOR-RECYCLING collects", rec_src)
    # The stock itself is data/stockpile.csv (days per element). The plant is kept only for the
    # policy option that restores round one's behaviour (the stockpile as an annual supplier).
    days = {r["element"]: float(r["days"]) for r in read_csv(DATA / "stockpile.csv")}
    held = {e: demand[e] * days[e] / 365 for e in demand if demand[e] > 0}
    plan["KOR-STOCKPILE"] = (
        held,
        0.5,
        "stock held = days x demand / 365 (data/stockpile.csv: 55 days; Dy, Y 180); release half a year",
        "KOMIR stock days (data/stockpile.csv); release rule: estimate, see "
        + README
        + "#stockpile",
    )
    # Metal plants
    ksm = {
        "Nd": 1_900 * MAGNET_REO["Nd"] * 0.5,
        "Pr": 1_900 * MAGNET_REO["Pr"] * 0.5,
        "Dy": 72 * OXIDE_FACTOR["Dy"] * 0.5,
    }
    plan["KOR-KSM-OCHANG"] = (
        ksm,
        1.0,
        "half the plan (1,900 t/y NdFeB alloy at 30% REE; 72 t Dy): output not found",
        "argusmedia.com c. 2021; half-plan rule: estimate, see " + README + "#capacity",
    )
    plan["VNM-SUNGAN-BINHDUONG"] = (
        _ndpr_metal(144),
        0.8,
        "144 t/y NdPr metal as REO; Korea 80% (Korean-owned)",
        "seong-an.com 2023-08-04; Korea share: estimate, see " + README + "#capacity",
    )
    plan["GBR-LCM"] = (
        _ndpr_metal(110),
        0.05,
        "~110 t/y Nd/NdPr metal as REO; Korea 5%",
        "mmta.co.uk c. 2022-23; Korea share: estimate, see " + README + "#capacity",
    )
    jpn_mag_t = (
        16_000  # Japan's NdFeB output: ~23.75 kt outside China less ~7.75 kt elsewhere (judged)
    )
    jm = _magnet(jpn_mag_t)
    jm.update({"La": 800, "Ce": 800, "Sm": 100})  # NiMH and mischmetal alloys, SmCo alloy (judged)
    plan["JPN-METAL"] = (
        jm,
        0.05,
        "NdFeB elements sized to Japan's ~16,000 t magnets; La, Ce 800 t, Sm 100 t judged; Korea 5%",
        "projectblue.com 2025-09; estimate, see " + README + "#capacity",
    )
    mp_mag = {e: t for e, t in _magnet(1_000).items() if e in ("Nd", "Pr")}  # fed by MP's NdPr only
    plan["USA-MP-IND-METAL"] = (
        mp_mag,
        0.0,
        "sized to 1,000 t/y magnets; all under US offtakes, none open to Korea",
        "pm-review.com 2025-01-27; Korea share: estimate, see " + README + "#capacity",
    )
    # Magnet plants (t magnets x REO content)
    jmag = _magnet(jpn_mag_t)
    jmag["Sm"] = 100  # SmCo magnets (judged)
    plan["JPN-MAGNET"] = (
        jmag,
        0.05,
        "~16,000 t/y NdFeB (judged from projectblue's 23.75 kt outside China); Korea 5%",
        "projectblue.com 2025-09; estimate, see " + README + "#capacity",
    )
    for plant, tonnes, share, basis, src in (
        (
            "KOR-STAR-DAEGU",
            1_000,
            1.0,
            "1,000 t/y: a third of the 3,000 t/y Korea+China total (split not found)",
            "Reuters via baochinhphu.vn 2023-08",
        ),
        (
            "VNM-STAR-VIETNAM",
            4_500,
            0.30,
            "4,500 t/y (mid of 4,000-5,000); Korea 30% (POSCO offtake goes to N. America, Europe)",
            "goodmorningvietnam.co.kr late 2024",
        ),
        ("VNM-SHINETSU-HAIPHONG", 2_200, 0.05, "2,200 t/y; Korea 5%", "couragemagnet.com end-2022"),
        (
            "USA-MP-IND-MAGNET",
            1_000,
            0.0,
            "~1,000 t/y; GM, Apple and DoD offtakes, none open to Korea",
            "pm-review.com 2025-01-27",
        ),
        (
            "EST-NEO-NARVA",
            2_000,
            0.0,
            "2,000 t/y; contracted to European customers, none open to Korea",
            "automotiveworld.com 2025-09-19",
        ),
        ("KOR-JSLINK-YESAN", 1_000, 1.0, "1,000 t/y (pilot Sep 2025)", "mining.com 2025-09-04"),
        ("KOR-LSVAC", 1_000, 1.0, "1,000 t/y (agreement, 2027)", "lscns.co.kr 2024-02-14"),
    ):
        els = (
            _magnet(tonnes)
            if plant != "USA-MP-IND-MAGNET"
            else {e: t for e, t in _magnet(tonnes).items() if e in ("Nd", "Pr")}
        )
        plan[plant] = (
            els,
            share,
            basis + "; t magnet x NdFeB REO content",
            src + "; REO content and Korea share: estimate, see " + README + "#capacity",
        )
    # Planned separation with element figures
    plan["AUS-ARAFURA-NOLANS"] = (
        _ndpr(4_440),
        0.10,
        "4,440 t/y NdPr oxide (474 t heavy oxides not split); Korea 10%",
        "miningweekly.com 2021-05-11; Korea share: estimate, see " + README + "#capacity",
    )
    p2 = _ndpr(5_000)
    p2.update({"Dy": 187.5, "Tb": 62.5})
    plan["USA-EF-WHITEMESA-P2"] = (
        p2,
        0.10,
        "mid-points: NdPr 5,000, Dy 187.5, Tb 62.5 t/y; Korea 10%",
        "engineeringnews.co.za 2024-06-11; Korea share: estimate, see " + README + "#capacity",
    )
    plan["LAO-VIENTIANE-REFINERY"] = (
        {e: 3_000 * _pct(IONIC, e) for e in IONIC},
        0.20,
        "3,000 t/y x ionic profile; Korea 20% (Korea-Laos partnership, Dec 2025)",
        "rawmaterials.net 2025-01; profile and Korea share: estimate, see " + README + "#capacity",
    )
    return plan


# ---------------------------------------------------------------------------------------------
# Feeds: (from, to, element, min_share, max_share, source, status)
# ---------------------------------------------------------------------------------------------
JOGMEC = "JOGMEC via WSJ (livemint 2025-07-27): Japan ~70% of rare-earth imports from China in 2024; Jiji 2026-01-30: 60%"
FEEDS = [
    ("CHN-MINE", "CHN-SEP", "*", None, None, MCS, "confirmed"),
    ("MMR-MINE", "CHN-SEP", "*", None, None, MCS_FN12, "confirmed"),
    (
        "LAO-MINE",
        "CHN-SEP",
        "*",
        None,
        None,
        "UN Comtrade 2024 (China's HS 2846 imports from Laos)",
        "confirmed",
    ),
    ("THA-MINE", "CHN-SEP", "*", None, None, MCS_FN12, "confirmed"),
    ("MDG-MINE", "CHN-SEP", "*", None, None, MCS_FN12, "confirmed"),
    ("VNM-MINE", "CHN-SEP", "*", None, None, MCS_FN12, "confirmed"),
    ("MYS-MINE", "CHN-SEP", "*", None, None, MCS_FN12, "confirmed"),
    (
        "BRA-MINE",
        "CHN-SEP",
        "*",
        None,
        None,
        "estimate: Brazilian mixed concentrate separated in China, see " + README + "#feeds",
        "estimate",
    ),
    (
        "NGA-MINE",
        "CHN-SEP",
        "*",
        None,
        None,
        "estimate: Nigerian monazite separated in China, see " + README + "#feeds",
        "estimate",
    ),
    (
        "CHN-MINE",
        "JPN-SEP",
        "*",
        None,
        None,
        MCS
        + " (Japan's compounds derived from Chinese concentrates and intermediates); see "
        + README
        + "#feeds",
        "estimate",
    ),
    (
        "AUS-LYNAS-MTWELD",
        "MYS-LYNAS-KUANTAN",
        "*",
        None,
        None,
        "seaisi.org 2024-11-11; rareearthexchanges.com 2025-09-23",
        "confirmed",
    ),
    ("USA-MP-MINE", "USA-MP-SEP", "*", None, None, "pm-review.com 2025-01-27", "confirmed"),
    (
        "USA-SE-MONAZITE",
        "USA-EF-WHITEMESA",
        "*",
        None,
        None,
        "engineeringnews.co.za 2024-06-11",
        "confirmed",
    ),
    (
        "USA-SE-MONAZITE",
        "EST-NEO-SILMET",
        "*",
        None,
        None,
        "argusmedia.com c. 2023 (Silmet runs on Energy Fuels carbonate)",
        "confirmed",
    ),
    (
        "IND-IREL-MINE",
        "IND-IREL-SEP",
        "*",
        None,
        None,
        "business-standard.com 2025-11-09",
        "confirmed",
    ),
    (
        "KOR-RECYCLING",
        "KOR-RECYCLING-SEP",
        "*",
        None,
        None,
        "estimate: see " + README + "#recycling",
        "estimate",
    ),
    (
        "LAO-MINE",
        "LAO-VIENTIANE-REFINERY",
        "*",
        None,
        None,
        "rawmaterials.net 2025-01 (Lao clays)",
        "confirmed",
    ),
    # oxide to metal
    ("CHN-SEP", "CHN-METAL", "*", None, None, "IEA GCMO 2024", "confirmed"),
    *[
        ("separation:CHN", "metal:JPN", e, mn, None, src, st)
        for e, mn, src, st in (
            ("La", None, MCS, "confirmed"),
            ("Ce", None, MCS, "confirmed"),
            ("Pr", 0.6, JOGMEC, "confirmed"),
            ("Nd", 0.6, JOGMEC, "confirmed"),
            ("Sm", None, MCS, "confirmed"),
            ("Gd", None, MCS, "confirmed"),
            (
                "Tb",
                0.9,
                "estimate: Lynas is the only separated Tb outside China, since Jun 2025, see "
                + README
                + "#feeds",
                "estimate",
            ),
            (
                "Dy",
                0.9,
                "estimate: Lynas is the only separated Dy outside China, since May 2025, see "
                + README
                + "#feeds",
                "estimate",
            ),
            ("Ho", None, MCS, "confirmed"),
        )
    ],
    (
        "MYS-LYNAS-KUANTAN",
        "metal:JPN",
        "*",
        None,
        None,
        "Lynas: customers in Japan, the US and Europe (australianmining.com 2025-05-16)",
        "confirmed",
    ),
    (
        "JPN-SEP",
        "JPN-METAL",
        "*",
        None,
        None,
        "estimate: Japanese refiners supply Japanese metal makers, see " + README + "#feeds",
        "estimate",
    ),
    (
        "CHN-SEP",
        "KOR-KSM-OCHANG",
        "*",
        None,
        None,
        "argusmedia.com c. 2021; Korean metal made from Chinese oxide: estimate",
        "estimate",
    ),
    (
        "separation:MYS",
        "metal:KOR",
        "*",
        None,
        None,
        "estimate: Lynas oxide to Korean metal makers (JS Link-Lynas ties, mining.com 2025-09-04)",
        "estimate",
    ),
    (
        "separation:USA",
        "metal:KOR",
        "*",
        None,
        None,
        "estimate: a possible route, no contract found, see " + README + "#feeds",
        "estimate",
    ),
    (
        "separation:AUS",
        "metal:KOR",
        "*",
        None,
        None,
        "estimate: KSM planned ASM/Australian feed (argusmedia.com c. 2021)",
        "estimate",
    ),
    (
        "separation:LAO",
        "metal:KOR",
        "*",
        None,
        None,
        "estimate: Korea-Laos partnership (15 Dec 2025), no deal found",
        "estimate",
    ),
    (
        "KOR-RECYCLING-SEP",
        "metal:KOR",
        "*",
        None,
        None,
        "estimate: see " + README + "#recycling",
        "estimate",
    ),
    (
        "KOR-STOCKPILE",
        "metal:KOR",
        "*",
        None,
        None,
        "estimate: KOMIR releases to domestic processors; used only when a run allows the stockpile",
        "estimate",
    ),
    (
        "USA-MP-SEP",
        "VNM-SUNGAN-BINHDUONG",
        "*",
        None,
        None,
        "seong-an.com 2023-08-04 (MP NdPr oxide)",
        "confirmed",
    ),
    ("USA-MP-SEP", "USA-MP-IND-METAL", "*", None, None, "pm-review.com 2025-01-27", "confirmed"),
    (
        "MYS-LYNAS-KUANTAN",
        "GBR-LCM",
        "*",
        None,
        None,
        "estimate: LCM uses non-Chinese oxide (mmta.co.uk c. 2022-23)",
        "estimate",
    ),
    # metal to magnet
    (
        "CHN-METAL",
        "CHN-MAGNET",
        "*",
        None,
        None,
        "IEA GCMO 2024; China ~90% of world NdFeB",
        "confirmed",
    ),
    (
        "metal:CHN",
        "magnet:JPN",
        "*",
        None,
        None,
        "estimate: Japanese magnet makers buy Chinese alloy, see " + README + "#feeds",
        "estimate",
    ),
    (
        "JPN-METAL",
        "JPN-MAGNET",
        "*",
        None,
        None,
        "estimate: Japanese magnet makers' own and domestic alloy",
        "estimate",
    ),
    (
        "metal:CHN",
        "magnet:VNM",
        "*",
        None,
        None,
        "goodmorningvietnam.co.kr late 2024 (PrNd, DyFe, TbH feed; origin not stated): estimate",
        "estimate",
    ),
    (
        "JPN-METAL",
        "VNM-SHINETSU-HAIPHONG",
        "*",
        None,
        None,
        "estimate: Shin-Etsu's own alloy",
        "estimate",
    ),
    (
        "metal:KOR",
        "VNM-STAR-VIETNAM",
        "*",
        None,
        None,
        "estimate: Korean alloy to Star Group's Vietnam plant",
        "estimate",
    ),
    (
        "VNM-SUNGAN-BINHDUONG",
        "VNM-STAR-VIETNAM",
        "*",
        None,
        None,
        "estimate: Vietnamese NdPr metal to a Vietnamese magnet plant",
        "estimate",
    ),
    (
        "metal:CHN",
        "magnet:KOR",
        "*",
        None,
        None,
        "KITA: China 79.8% of Korea's 2024 REE metal imports",
        "confirmed",
    ),
    (
        "metal:JPN",
        "magnet:KOR",
        "*",
        None,
        None,
        "KCS/KITA: Japan the second source of Korea's REE imports",
        "confirmed",
    ),
    (
        "metal:KOR",
        "magnet:KOR",
        "*",
        None,
        None,
        "argusmedia.com c. 2021 (KSM Metals supplies Korean magnet makers)",
        "confirmed",
    ),
    (
        "VNM-SUNGAN-BINHDUONG",
        "magnet:KOR",
        "*",
        None,
        None,
        "seong-an.com 2023-08-04 (Korean-owned)",
        "estimate",
    ),
    (
        "GBR-LCM",
        "magnet:KOR",
        "*",
        None,
        None,
        "estimate: a possible route, no contract found",
        "estimate",
    ),
    (
        "USA-MP-IND-METAL",
        "USA-MP-IND-MAGNET",
        "*",
        None,
        None,
        "pm-review.com 2025-01-27",
        "confirmed",
    ),
    (
        "metal:CHN",
        "EST-NEO-NARVA",
        "*",
        None,
        None,
        "estimate: feed of the Narva plant not found",
        "estimate",
    ),
    (
        "GBR-LCM",
        "EST-NEO-NARVA",
        "*",
        None,
        None,
        "estimate: European metal to a European magnet plant",
        "estimate",
    ),
]

# ---------------------------------------------------------------------------------------------
# Demand by form: the magnet part is the "magnets" item of elements.demand_basis
# ---------------------------------------------------------------------------------------------
# (element, form) -> t; the oxide part takes what is left so each element sums exactly.
DEMAND_OTHER = {  # non-oxide parts other than magnets, from the basis items
    ("La", "metal"): (150, "metallurgy 100 + NiMH/H-storage alloys 50"),
    ("Ce", "metal"): (150, "metallurgy additions 150 (mischmetal)"),
    ("Sm", "magnet"): (
        40,
        "SmCo magnets 40 (imported as magnets; SmCo magnets are on China's Apr 2025 list)",
    ),
    ("Yb", "metal"): (2, "alloy part of 'fibre lasers/alloys 8', judged a quarter"),
    ("Sc", "metal"): (0.2, "Al-Sc alloy part of 'alloys/SOFC/RF 0.5', judged 0.2"),
}

# ---------------------------------------------------------------------------------------------
# Today's mix. Deliveries: share of Korea's demand in each form; the last (China) takes the rest.
# ---------------------------------------------------------------------------------------------
MAG_CN = 0.899 * 0.95  # KITA: China 89.9% of 2024 magnet imports; imports ~95% of use (judged)
MAG_IMPORT_OTHER = 0.101 * 0.95
MAGNET_MIX = [
    ("JPN-MAGNET", MAG_IMPORT_OTHER * 0.6),
    ("VNM-STAR-VIETNAM", MAG_IMPORT_OTHER * 0.3),
    ("VNM-SHINETSU-HAIPHONG", MAG_IMPORT_OTHER * 0.1),
    ("KOR-STAR-DAEGU", 0.05),
    ("CHN-MAGNET", None),
]
DELIVERIES = {
    "oxide": {
        "La": [
            ("MYS-LYNAS-KUANTAN", 0.10),
            ("FRA-SOLVAY-LAROCHELLE", 0.10),
            ("USA-MP-SEP", 0.03),
            ("JPN-SEP", 0.04),
            ("EST-NEO-SILMET", 0.02),
            ("IND-IREL-SEP", 0.01),
            ("KOR-RECYCLING-SEP", 0.01),
            ("CHN-SEP", None),
        ],
        "Ce": [
            ("MYS-LYNAS-KUANTAN", 0.12),
            ("FRA-SOLVAY-LAROCHELLE", 0.12),
            ("USA-MP-SEP", 0.03),
            ("JPN-SEP", 0.05),
            ("EST-NEO-SILMET", 0.03),
            ("IND-IREL-SEP", 0.01),
            ("KOR-RECYCLING-SEP", 0.01),
            ("CHN-SEP", None),
        ],
        "Nd": [
            ("MYS-LYNAS-KUANTAN", 0.05),
            ("JPN-SEP", 0.05),
            ("KOR-RECYCLING-SEP", 0.05),
            ("CHN-SEP", None),
        ],
        "Pr": [
            ("MYS-LYNAS-KUANTAN", 0.05),
            ("JPN-SEP", 0.05),
            ("KOR-RECYCLING-SEP", 0.05),
            ("CHN-SEP", None),
        ],
        "Y": [("JPN-SEP", 0.04), ("KOR-RECYCLING-SEP", 0.01), ("CHN-SEP", None)],
        "Sm": [("JPN-SEP", 0.10), ("CHN-SEP", None)],
        "Eu": [("JPN-SEP", 0.08), ("CHN-SEP", None)],
        "Gd": [("JPN-SEP", 0.10), ("CHN-SEP", None)],
        "Tb": [("JPN-SEP", 0.08), ("MYS-LYNAS-KUANTAN", 0.02), ("CHN-SEP", None)],
        "Dy": [("JPN-SEP", 0.06), ("MYS-LYNAS-KUANTAN", 0.02), ("CHN-SEP", None)],
        "Ho": [("JPN-SEP", 0.04), ("CHN-SEP", None)],
        "Er": [("JPN-SEP", 0.06), ("CHN-SEP", None)],
        "Tm": [("JPN-SEP", 0.06), ("CHN-SEP", None)],
        "Yb": [("JPN-SEP", 0.06), ("CHN-SEP", None)],
        "Lu": [("JPN-SEP", 0.06), ("CHN-SEP", None)],
        "Sc": [("JPN-SEP", 0.25), ("CHN-SEP", None)],
    },
    "metal": {
        "La": [("JPN-METAL", 0.20), ("CHN-METAL", None)],
        "Ce": [("JPN-METAL", 0.20), ("CHN-METAL", None)],
        "Yb": [("CHN-METAL", None)],
        "Sc": [("CHN-METAL", None)],
    },
    "magnet": {
        **{e: MAGNET_MIX for e in NDFEB},
        "Sm": [("JPN-MAGNET", 0.10), ("CHN-MAGNET", None)],
    },
}
# Input shares of each plant with incoming arcs: {plant: {element or group: [(upstream, share)]}}
_ALL = "*"
INPUTS = {
    "CHN-MAGNET": {_ALL: [("CHN-METAL", 1)]},
    "JPN-MAGNET": {_ALL: [("JPN-METAL", 0.85), ("CHN-METAL", 0.15)]},
    "VNM-SHINETSU-HAIPHONG": {_ALL: [("JPN-METAL", 0.5), ("CHN-METAL", 0.5)]},
    "VNM-STAR-VIETNAM": {
        "Nd": [("CHN-METAL", 0.6), ("KOR-KSM-OCHANG", 0.2), ("VNM-SUNGAN-BINHDUONG", 0.2)],
        "Pr": [("CHN-METAL", 0.6), ("KOR-KSM-OCHANG", 0.2), ("VNM-SUNGAN-BINHDUONG", 0.2)],
        "Dy": [("CHN-METAL", 0.85), ("KOR-KSM-OCHANG", 0.15)],
        _ALL: [("CHN-METAL", 1)],
    },
    # Chinese metal is 0.60 / (0.60 + 0.10 + 0.05) = 80% of the imported part (KITA 79.8%)
    "KOR-STAR-DAEGU": {
        "Nd": [
            ("CHN-METAL", 0.60),
            ("KOR-KSM-OCHANG", 0.25),
            ("VNM-SUNGAN-BINHDUONG", 0.10),
            ("JPN-METAL", 0.05),
        ],
        "Pr": [
            ("CHN-METAL", 0.60),
            ("KOR-KSM-OCHANG", 0.25),
            ("VNM-SUNGAN-BINHDUONG", 0.10),
            ("JPN-METAL", 0.05),
        ],
        "Dy": [("CHN-METAL", 0.75), ("KOR-KSM-OCHANG", 0.20), ("JPN-METAL", 0.05)],
        "Tb": [("CHN-METAL", 0.95), ("JPN-METAL", 0.05)],
        _ALL: [("CHN-METAL", 1)],
    },
    "CHN-METAL": {_ALL: [("CHN-SEP", 1)]},
    # JOGMEC: ~70% of Japan's imports from China (2024); Dy/Tb nearly all Chinese
    "JPN-METAL": {
        "Nd": [("CHN-SEP", 0.65), ("MYS-LYNAS-KUANTAN", 0.30), ("JPN-SEP", 0.05)],
        "Pr": [("CHN-SEP", 0.65), ("MYS-LYNAS-KUANTAN", 0.30), ("JPN-SEP", 0.05)],
        "Dy": [("CHN-SEP", 0.92), ("MYS-LYNAS-KUANTAN", 0.05), ("JPN-SEP", 0.03)],
        "Tb": [("CHN-SEP", 0.92), ("MYS-LYNAS-KUANTAN", 0.05), ("JPN-SEP", 0.03)],
        "La": [("CHN-SEP", 0.6), ("JPN-SEP", 0.4)],
        "Ce": [("CHN-SEP", 0.6), ("JPN-SEP", 0.4)],
        _ALL: [("CHN-SEP", 0.9), ("JPN-SEP", 0.1)],
    },
    "KOR-KSM-OCHANG": {
        "Nd": [("CHN-SEP", 0.35), ("MYS-LYNAS-KUANTAN", 0.25), ("KOR-RECYCLING-SEP", 0.40)],
        "Pr": [("CHN-SEP", 0.35), ("MYS-LYNAS-KUANTAN", 0.25), ("KOR-RECYCLING-SEP", 0.40)],
        "Dy": [("CHN-SEP", 0.60), ("KOR-RECYCLING-SEP", 0.40)],
    },
    "VNM-SUNGAN-BINHDUONG": {_ALL: [("USA-MP-SEP", 1)]},
    "GBR-LCM": {_ALL: [("MYS-LYNAS-KUANTAN", 1)]},
    "USA-MP-IND-METAL": {_ALL: [("USA-MP-SEP", 1)]},
    "USA-MP-IND-MAGNET": {_ALL: [("USA-MP-IND-METAL", 1)]},
    "EST-NEO-NARVA": {_ALL: [("CHN-METAL", 1)]},
    "JPN-SEP": {_ALL: [("CHN-MINE", 1)]},
    "MYS-LYNAS-KUANTAN": {_ALL: [("AUS-LYNAS-MTWELD", 1)]},
    "USA-MP-SEP": {_ALL: [("USA-MP-MINE", 1)]},
    "USA-EF-WHITEMESA": {_ALL: [("USA-SE-MONAZITE", 1)]},
    "EST-NEO-SILMET": {_ALL: [("USA-SE-MONAZITE", 1)]},
    "IND-IREL-SEP": {_ALL: [("IND-IREL-MINE", 1)]},
    "KOR-RECYCLING-SEP": {_ALL: [("KOR-RECYCLING", 1)]},
    # CHN-SEP: in proportion to each mine's contained tonnes (filled in by build())
}
DELIVERY_SRC = {
    "oxide": "KITA: China 61.1% of Korea's 2024 REE compound imports; non-Chinese shares judged from KCS 2012/2018 partner shares",
    "metal": "KITA: China 79.8% of Korea's 2024 REE metal imports; Japan the rest (judged)",
    "magnet": "KITA: China 89.9% of Korea's 2024 NdFeB imports; imports ~95% of use, domestic 5% (judged)",
}


# ---------------------------------------------------------------------------------------------
# Building
# ---------------------------------------------------------------------------------------------
def read_csv(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def load_elements():
    el = {}
    for r in read_csv(DATA / "elements.csv"):
        el[r["element"]] = {
            "group": r["group"],
            "demand_t": float(r["demand_t"]),
            "price": float(r["price_usd_kg"]),
            "basis": r["demand_basis"],
        }
    for r in read_csv(DATA / "premiums.csv"):  # non-China premium per element (mcs_prices.py)
        el[r["element"]]["premium"] = float(r["premium"])
    return el


def rnd(x):
    """Round sensibly: whole t above 100, one decimal above 10, two above 1, three above 0.1."""
    for lim, nd in ((100, 0), (10, 1), (1, 2), (0.1, 3)):
        if abs(x) >= lim:
            return round(x, nd)
    return round(x, 4)


def fmt(x):
    if x is None:
        return ""
    s = f"{x:.6f}".rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def fmt_units(u):
    return fmt(u / UNIT) if u % UNIT else str(u // UNIT)


def plant_cost(pid, e, plants, el):
    """USD/kg REO the plant adds (README#costs)."""
    p = plants[pid]
    c, st = p["country"], p["stage"]
    P = el[e]["price"]
    prem = 1.0 if c == "CHN" else el[e]["premium"]
    f = FREIGHT.get(c, 0.05)
    metal_added = METAL_ADDED.get(e, 0.05 * P + 3)
    k = PROCESS_FACTOR.get(c, 1.0)
    if pid == "KOR-STOCKPILE":
        return P * prem * 1.15  # bought back at non-Chinese prices, +15% holding (round one)
    if pid == "KOR-RECYCLING":
        return MINE_VALUE * P
    if pid == "KOR-RECYCLING-SEP":
        return (1.3 - MINE_VALUE) * P  # recycled oxide lands at 1.3 x price in all (round one)
    if st == "mine":
        captive = pid in ("CHN-MINE", "USA-MP-MINE", "USA-SE-MONAZITE", "IND-IREL-MINE")
        return MINE_VALUE * P * (1 + (0 if captive else f))
    if st == "separation":
        if p["origin"].get(
            e, True
        ):  # feed not modelled: the plant carries the whole landed oxide cost
            return P * prem * (1 + f)
        return P * (prem - MINE_VALUE) + f * P * prem
    if st == "metal":
        return metal_added * k + f * (P + metal_added)
    return MAGNET_ADDED * k + f * (P + metal_added + MAGNET_ADDED)


def expand(ref, plants):
    if ":" in ref:
        stage, country = ref.split(":", 1)
        return [
            pid
            for pid, p in plants.items()
            if p["stage"] == stage and (country == "*" or p["country"] == country)
        ]
    return [ref] if ref in plants else []


def arcs_of(feeds, plants, cap):
    """{(i, j, e): [rule index]} following rule 1."""
    arcs, per_rule = {}, []
    for k, fd in enumerate(feeds):
        made = 0
        for i in expand(fd["from"], plants):
            for j in expand(fd["to"], plants):
                if STAGES.index(plants[j]["stage"]) <= STAGES.index(plants[i]["stage"]):
                    continue
                els = (
                    [fd["element"]]
                    if fd["element"] != "*"
                    else sorted({e for (q, e) in cap if q == i})
                )
                for e in els:
                    if (i, e) in cap and (j, e) in cap:
                        arcs.setdefault((i, j, e), []).append(k)
                        made += 1
        per_rule.append(made)
    return arcs, per_rule


def split_units(total, parts):
    """Split integer units by shares; the largest share takes the rounding remainder."""
    assert abs(sum(s for _, s in parts) - 1) < 1e-9, parts
    out = {src: int(total * s) for src, s in parts}
    big = max(parts, key=lambda x: x[1])[0]
    out[big] += total - sum(out.values())
    return out


def build():
    el = load_elements()
    suppliers = {r["supplier"] for r in read_csv(DATA / "suppliers.csv")}
    plants = {}
    for pid, name, op, country, stage, pst, fy, src, st in PLANTS:
        assert pid not in plants and pid.isascii() and ":" not in pid, pid
        assert country in suppliers, (pid, country)
        plants[pid] = dict(
            plant=pid,
            name=name,
            operator=op,
            country=country,
            stage=stage,
            plant_status=pst,
            first_year=fy,
            source=src,
            status=st,
            origin={},
        )
    plan = capacity_plan(el)
    # capacity rows (cost needs to know which plants are origins, so arcs first)
    cap = {}
    for pid, (tot, share, basis, src) in plan.items():
        for e, t in tot.items():
            s = share.get(e, 0) if isinstance(share, dict) else share
            total = rnd(t)
            cap[(pid, e)] = dict(
                total=total, capacity=min(rnd(t * s), total), share=s, basis=basis, source=src
            )
    feeds = [
        dict(
            zip(
                ("from", "to", "element", "min_share", "max_share", "source", "status"),
                f,
                strict=True,
            )
        )
        for f in FEEDS
    ]
    arcs, _ = arcs_of(feeds, plants, cap)
    into = {}
    for i, j, e in arcs:
        into.setdefault((j, e), []).append(i)
    for pid, e in cap:
        plants[pid]["origin"][e] = (pid, e) not in into
    cap_rows = []
    for pid in plants:
        for e in el:
            if (pid, e) not in cap:
                continue
            c = cap[(pid, e)]
            cost = plant_cost(pid, e, plants, el)
            cap_rows.append(
                dict(
                    plant=pid,
                    element=e,
                    capacity_t=fmt(c["capacity"]),
                    cost_usd_kg=fmt(round(cost, 2 if cost >= 1 else 4)),
                    source=c["source"],
                    status="estimate",
                    total_capacity_t=fmt(c["total"]),
                    korea_share=fmt(round(c["share"], 4)),
                    basis=c["basis"],
                )
            )
    # demand
    dem_rows, demand = [], {}
    for e, d in el.items():
        parts = {}
        for item in d["basis"].split(";"):
            if item.strip().startswith("magnets"):
                parts["magnet"] = (
                    float(item.split()[-1]),
                    "the 'magnets' item of elements.demand_basis",
                )
        for (e2, form), v in DEMAND_OTHER.items():
            if e2 == e:
                parts[form] = v
        rest = round(d["demand_t"] - sum(v for v, _ in parts.values()), 6)
        assert rest >= 0, e
        parts["oxide"] = (rest, "the rest of elements.demand_t (compounds and oxides)")
        for form in ("oxide", "metal", "magnet"):
            if form in parts:
                v, why = parts[form]
                demand[(e, form)] = v
                dem_rows.append(
                    dict(
                        element=e,
                        form=form,
                        demand_t=fmt(v),
                        source="estimate: split of elements.demand_t by form, see "
                        + README
                        + "#demand",
                        status="estimate",
                        basis=why,
                    )
                )
    # CHN-SEP inputs in proportion to contained tonnes
    chn_in = {}
    for i, j, e in arcs:
        if j == "CHN-SEP":
            chn_in.setdefault(e, []).append((i, cap[(i, e)]["total"]))
    INPUTS["CHN-SEP"] = {
        e: [(i, t / sum(x for _, x in lst)) for i, t in sorted(lst)] for e, lst in chn_in.items()
    }
    # baseline: deliveries, then upstream stage by stage
    flows = {}  # (e, from, to) -> units
    for form, per in DELIVERIES.items():
        for e, mix in per.items():
            total = round(demand.get((e, form), 0) * UNIT)
            if total == 0:
                continue
            fixed = [(p, s) for p, s in mix if s is not None]
            last = [p for p, s in mix if s is None][0]
            parts = fixed + [(last, 1 - sum(s for _, s in fixed))]
            for p, u in split_units(total, parts).items():
                if u:
                    flows[(e, p, "korea")] = u
    for stage in reversed(STAGES):
        for pid, p in plants.items():
            if p["stage"] != stage:
                continue
            for e in el:
                out = sum(u for (e2, i, _), u in flows.items() if e2 == e and i == pid)
                if out == 0 or (pid, e) not in into:
                    continue
                spec = INPUTS.get(pid, {})
                parts = spec.get(e, spec.get(_ALL))
                assert parts, f"no input shares for {pid} {e}"
                for src, u in split_units(out, parts).items():
                    if u:
                        flows[(e, src, pid)] = flows.get((e, src, pid), 0) + u
    base_rows = []
    order = {pid: n for n, pid in enumerate(plants)}
    for (e, i, j), u in sorted(
        flows.items(),
        key=lambda x: (
            list(el).index(x[0][0]),
            STAGES.index(plants[x[0][1]]["stage"]),
            order[x[0][1]],
            x[0][2],
        ),
    ):
        if j == "korea":
            form = STAGE_FORM[plants[i]["stage"]]
            share = u / round(demand[(e, form)] * UNIT)
            src = DELIVERY_SRC[form] + "; see " + README + "#baseline-flows"
            basis = f"{share:.4f} of Korea's {form} demand"
        else:
            out_j = sum(v for (e2, a, _), v in flows.items() if e2 == e and a == j)
            share = u / out_j
            src = "estimate: input shares of " + j + ", see " + README + "#baseline-flows"
            basis = f"{share:.4f} of {j}'s input"
        base_rows.append(
            dict(
                element=e,
                **{"from": i},
                to=j,
                tonnes=fmt_units(u),
                source=src,
                status="estimate",
                basis=basis,
            )
        )
    plant_rows = [
        dict(
            plant=p["plant"],
            name=p["name"],
            operator=p["operator"],
            country=p["country"],
            stage=p["stage"],
            plant_status=p["plant_status"],
            first_year="" if p["first_year"] is None else str(p["first_year"]),
            source=p["source"],
            status=p["status"],
        )
        for p in plants.values()
    ]
    feed_rows = [
        dict(
            **{"from": f["from"]},
            to=f["to"],
            element=f["element"],
            source=f["source"],
            status=f["status"],
            min_share=fmt(f["min_share"]),
            max_share=fmt(f["max_share"]),
        )
        for f in feeds
    ]
    return {
        "plants": plant_rows,
        "capacity": cap_rows,
        "feeds": feed_rows,
        "demand": dem_rows,
        "baseline_flows": base_rows,
    }


COLUMNS = {
    "plants": [
        "plant",
        "name",
        "operator",
        "country",
        "stage",
        "plant_status",
        "first_year",
        "source",
        "status",
    ],
    "capacity": [
        "plant",
        "element",
        "capacity_t",
        "cost_usd_kg",
        "source",
        "status",
        "total_capacity_t",
        "korea_share",
        "basis",
    ],
    "feeds": ["from", "to", "element", "source", "status", "min_share", "max_share"],
    "demand": ["element", "form", "demand_t", "source", "status", "basis"],
    "baseline_flows": ["element", "from", "to", "tonnes", "source", "status", "basis"],
}


def to_text(name, rows):
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=COLUMNS[name], lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    return buf.getvalue()


# ---------------------------------------------------------------------------------------------
# Checking (rules 1-5 of the stage contract, on the files as written)
# ---------------------------------------------------------------------------------------------
def check_files():
    problems = []
    el = load_elements()
    sup = {r["supplier"]: r for r in read_csv(DATA / "suppliers.csv")}
    tabs = {n: read_csv(DATA / f"{n}.csv") for n in COLUMNS}
    for n, rows in tabs.items():
        for k, r in enumerate(rows, start=2):
            if not r.get("source") or r.get("status") not in ("confirmed", "estimate"):
                problems.append(f"{n}.csv row {k}: source/status missing")
    plants = {}
    for r in tabs["plants"]:
        if r["plant"] in plants or ":" in r["plant"] or not r["plant"].isascii():
            problems.append(f"plant id {r['plant']!r} duplicate or invalid")
        if r["country"] not in sup:
            problems.append(f"plant {r['plant']}: country {r['country']} not in suppliers")
        plants[r["plant"]] = r
    cap = {}
    for r in tabs["capacity"]:
        key = (r["plant"], r["element"])
        if r["plant"] not in plants or r["element"] not in el or key in cap:
            problems.append(f"capacity row {key}: unknown plant/element or duplicate")
        c, t = float(r["capacity_t"]), float(r["total_capacity_t"])
        if c > t + 1e-12 or c < 0 or float(r["cost_usd_kg"]) < 0:
            problems.append(f"capacity {key}: capacity_t {c} > total {t} or negative")
        cap[key] = c
    feeds = [
        dict(
            r,
            min_share=float(r["min_share"]) if r["min_share"] else None,
            max_share=float(r["max_share"]) if r["max_share"] else None,
        )
        for r in tabs["feeds"]
    ]
    arcs, per_rule = arcs_of(feeds, plants, cap)
    for fd, made in zip(feeds, per_rule, strict=True):
        if not made:
            problems.append(
                f"feed {fd['from']} -> {fd['to']} ({fd['element']}) creates no arc (rule 1)"
            )
    demand = {}
    for r in tabs["demand"]:
        demand[(r["element"], r["form"])] = float(r["demand_t"])
    for e, d in el.items():
        s = sum(v for (e2, _), v in demand.items() if e2 == e)
        if abs(s - d["demand_t"]) > 1e-9:
            problems.append(f"demand {e}: forms sum to {s}, elements says {d['demand_t']}")
    flows = {}
    for r in tabs["baseline_flows"]:
        e, i, j, t = r["element"], r["from"], r["to"], float(r["tonnes"])
        flows[(e, i, j)] = t
        if i not in plants or plants[i]["plant_status"] != "operating":
            problems.append(f"baseline {e} {i}->{j}: not an operating plant (rule 4)")
            continue
        if j == "korea":
            form = STAGE_FORM.get(plants[i]["stage"])
            if form is None or (i, e) not in cap or demand.get((e, form), 0) <= 0:
                problems.append(f"baseline {e} {i}->korea: no delivery arc (rule 2)")
        elif (i, j, e) not in arcs or plants[j]["plant_status"] != "operating":
            problems.append(f"baseline {e} {i}->{j}: no such arc (rule 4)")
    into = {}
    for i, j, e in arcs:
        into.setdefault((j, e), set()).add(i)
    for pid in plants:
        for e in el:
            out = sum(t for (e2, i, _), t in flows.items() if e2 == e and i == pid)
            inn = sum(t for (e2, _, j), t in flows.items() if e2 == e and j == pid)
            if (pid, e) in into and abs(inn - out) > 1e-9 * max(1, out):
                problems.append(f"conservation {pid} {e}: in {inn} out {out} (rule 3)")
            if (pid, e) not in into and inn > 0:
                problems.append(f"{pid} {e}: inflow without an arc")
            if out > cap.get((pid, e), 0) + 1e-9:
                problems.append(
                    f"capacity {pid} {e}: baseline outflow {out} > capacity {cap.get((pid, e), 0)} (rule 4)"
                )
    for (e, form), d in demand.items():
        got = sum(
            t
            for (e2, i, j), t in flows.items()
            if e2 == e and j == "korea" and STAGE_FORM.get(plants[i]["stage"]) == form
        )
        if abs(got - d) > 1e-6 * max(d, 1e-12) and not (d == 0 and got == 0):
            problems.append(f"deliveries {e} {form}: {got} vs demand {d} (rule 5)")
    # feed share limits in the baseline
    for k, fd in enumerate(feeds):
        if fd["min_share"] is None and fd["max_share"] is None:
            continue
        for j in expand(fd["to"], plants):
            els = [fd["element"]] if fd["element"] != "*" else list(el)
            for e in els:
                inn = sum(t for (e2, _, jj), t in flows.items() if e2 == e and jj == j)
                via = sum(
                    t
                    for (e2, i, jj), t in flows.items()
                    if e2 == e and jj == j and k in arcs.get((i, j, e), [])
                )
                if inn > 0 and fd["min_share"] is not None and via < fd["min_share"] * inn - 1e-9:
                    problems.append(
                        f"min_share {fd['from']}->{j} {e}: {via / inn:.3f} < {fd['min_share']}"
                    )
                if inn > 0 and fd["max_share"] is not None and via > fd["max_share"] * inn + 1e-9:
                    problems.append(
                        f"max_share {fd['from']}->{j} {e}: {via / inn:.3f} > {fd['max_share']}"
                    )
    # rule 6: China alone covers demand at every stage; a 50% cap on China fails for Dy and Tb
    for e, d in el.items():
        need = {
            "separation": d["demand_t"],
            "metal": demand.get((e, "metal"), 0) + demand.get((e, "magnet"), 0),
            "magnet": demand.get((e, "magnet"), 0),
        }
        for st, pid in (
            ("separation", "CHN-SEP"),
            ("metal", "CHN-METAL"),
            ("magnet", "CHN-MAGNET"),
        ):
            if need[st] > 0 and cap.get((pid, e), 0) < need[st]:
                problems.append(
                    f"{pid} {e}: capacity {cap.get((pid, e), 0)} < Korea's need {need[st]}"
                )
        mines = sum(cap.get((i, e), 0) for i in into.get(("CHN-SEP", e), ()))
        if e != "Sc" and d["demand_t"] > 0 and mines < d["demand_t"]:
            problems.append(f"mines feeding CHN-SEP {e}: {mines} < demand")
    for e in ("Dy", "Tb"):
        non_cn = sum(
            c
            for (pid, e2), c in cap.items()
            if e2 == e
            and plants[pid]["stage"] == "separation"
            and plants[pid]["plant_status"] == "operating"
            and plants[pid]["country"] != "CHN"
        )
        if non_cn >= 0.5 * el[e]["demand_t"]:
            problems.append(
                f"{e}: non-Chinese separation {non_cn} allows a 50% China cap (tension lost)"
            )
    return problems, dict(el=el, plants=plants, cap=cap, flows=flows, demand=demand)


def summary(ctx):
    el, plants, cap, flows = ctx["el"], ctx["plants"], ctx["cap"], ctx["flows"]
    lines = []
    for e in ("Nd", "Dy", "Tb"):
        by_stage = []
        for st in STAGES:
            out = {}
            for (e2, i, _), t in flows.items():
                if e2 == e and plants[i]["stage"] == st:
                    out[plants[i]["country"]] = out.get(plants[i]["country"], 0) + t
            tot = sum(out.values())
            if (
                st == "mine"
            ):  # material with no mine plant upstream counts as unknown at the mine stage
                unknown = el[e]["demand_t"] - tot
                tot += unknown
            by_stage.append(
                f"{st} {100 * out.get('CHN', 0) / tot:.1f}% of {tot:.1f} t" if tot else f"{st} -"
            )
        lines.append(f"{e}: China's share of Korea's supply by stage today: " + "; ".join(by_stage))
    for e in ("Nd", "Dy", "Tb"):
        parts = []
        for st in STAGES:
            c = sum(
                v
                for (pid, e2), v in cap.items()
                if e2 == e
                and plants[pid]["stage"] == st
                and plants[pid]["plant_status"] == "operating"
                and plants[pid]["country"] not in ("CHN", "KOR-STOCKPILE")
            )
            parts.append(f"{st} {c:.2f}")
        lines.append(
            f"{e}: non-Chinese operating capacity open to Korea (t, no stockpile): "
            + "; ".join(parts)
            + f"; demand {el[e]['demand_t']:g}"
        )
    return "\n".join(lines)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--check", action="store_true", help="compare with data/ and check the rules; write nothing"
    )
    args = ap.parse_args(argv)
    tables = build()
    stale = []
    for name, rows in tables.items():
        text = to_text(name, rows)
        path = DATA / f"{name}.csv"
        if args.check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                stale.append(name)
        else:
            path.write_text(text, encoding="utf-8")
    problems, ctx = check_files()
    if stale:
        problems.insert(0, "out of date (rerun without --check): " + ", ".join(stale))
    for name in tables:
        print(f"{name}.csv: {len(tables[name])} rows")
    print(summary(ctx))
    if problems:
        print(f"{len(problems)} problem(s):", *problems, sep="\n  ")
        return 1
    print("all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
