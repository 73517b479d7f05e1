"""Prices from the USGS MCS 2026 data release, and non-Chinese premiums from cited quotes.

    .venv/bin/python scripts/mcs_prices.py          # write data/prices.csv, data/premiums.csv and
                                                    # the price columns of data/elements.csv
    .venv/bin/python scripts/mcs_prices.py --check  # derive in memory and compare with data/

Reads the CC0 data release MCS2026_Commodities_Data.utf8.csv (doi:10.5066/P1WKQ63T) from
../shared/sources/usgs-mcs2026/ (or --source DIR), keeps the rows of the Rare Earths, Rare Earths
(Heavy), Scandium and Yttrium chapters whose Statistics is "Price", and turns each into one
element, year and USD/kg. A published range ("660–670") is kept as published and its midpoint is
the price. Elements USGS does not price (Tm, Pm) take the estimates in ESTIMATES, each with its
reason. Only the price columns of elements.csv are written; every other column is left alone.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
# the shipped extract (the four chapters' rows of the CC0 release), or the full release
SOURCES = Path(os.environ.get("REE_MCS_SOURCES", DATA / "sources" / "usgs-mcs2026"))
MCS_FILE = "MCS2026_Commodities_Data.utf8.csv"
PRICE_YEAR = "2025"  # the year elements.price_usd_kg carries
CHAPTERS = {  # MCS chapter as in the CSV -> the chapter's title
    "RARE EARTHS": "Rare Earths",
    "RARE EARTHS (HEAVY)": "Rare Earths (Heavy)",
    "SCANDIUM": "Scandium",
    "YTTRIUM": "Yttrium",
}
# The oxide each element is priced as (the product named in Statistics_detail).
PRODUCT = {
    "La": "Lanthanum oxide",
    "Ce": "Cerium oxide",
    "Pr": "Praseodymium oxide",
    "Nd": "Neodymium oxide",
    "Sm": "Samarium oxide",
    "Eu": "Europium oxide",
    "Gd": "Gadolinium oxide",
    "Tb": "Terbium oxide",
    "Dy": "Dysprosium oxide",
    "Ho": "Holmium oxide",
    "Er": "Erbium oxide",
    "Yb": "Ytterbium oxide",
    "Lu": "Lutetium oxide",
    "Y": "Y2O3",
    "Sc": "Scandium oxide",
}
# Other priced products kept in prices.csv (not element prices): they set metal-making costs.
OTHER_PRODUCTS = {
    "Mischmetal": "mischmetal",
    "Neodymium-praseodymium (NdPr) oxide": "NdPr oxide",
    "Yttrium metal": "Y metal",
    "Scandium metal": "Sc metal",
    "Scandium-aluminum alloy": "Al-2%Sc alloy",
}
# How elements.price_source names each chapter's 2025 figure (the words a reader checks).
PRICE_SOURCE = {
    "Rare Earths": "USGS MCS 2026, Rare Earths (2025 avg, FOB China)",
    "Rare Earths (Heavy)": "USGS MCS 2026, Rare Earths (Heavy) (2025 avg, FOB China)",
    "Yttrium": "USGS MCS 2026, Yttrium (2025 avg, Y2O3 99.999%, FOB China)",
    "Scandium": "USGS MCS 2026, Scandium (2025, Sc2O3 99.99%, 5-100 kg lots, ex-works China)",
}
ESTIMATES = {  # element -> (USD/kg, price_source)
    "Tm": (
        150,
        "Estimate: no USGS price; between Er and Lu by scarcity; see data/README.md#prices",
    ),
    "Pm": (0, "Estimate: no commercial supply (radioactive, trace only)"),
}

# --- non-Chinese premiums ------------------------------------------------------------------
# premium = (what a buyer outside China was quoted) / (MCS 2026 2025 average, FOB China).
# Quotes are REFERENCE_DATA.md section 2 (trade press); each is thin, see `caveat`.
NDPR_FLOOR = 110.0  # USD/kg NdPr oxide, US DoD-MP Materials price floor (July 2025)
QUOTES = {
    "Dy": [
        ("Argus, Europe, May 2025", 700, 1000),
        ("Benchmark, July 2025", 800, 800),
    ],
    "Tb": [
        ("Argus, Europe, May 2025", 2000, 4000),
        ("Benchmark, July 2025", 3625, 3625),
    ],
}
CAVEAT = {
    "Dy": "few real trades behind the European quotes (Argus); Adamas: about 96% of 2025 Dy oxide volume traded near 224 USD/kg",
    "Tb": "few real trades behind the European quotes (Argus); a spot ask, not a contract price",
    "Nd": "a producer floor (US DoD-MP agreement): what MP is paid, not a price Korea pays",
    "Pr": "a producer floor (US DoD-MP agreement): what MP is paid, not a price Korea pays",
}
GROUP_PREMIUM = {"light": 1.5, "other": 1.5, "medium": 2.0, "heavy": 3.5}  # version 1, judged

PRICE_COLUMNS = ["element", "year", "price_usd_kg", "as_published", "product", "terms", "chapter", "mcs_note", "source", "status"]  # fmt: skip
PREMIUM_COLUMNS = ["element", "premium", "low", "high", "basis", "caveat", "source", "status"]


def parse_value(text: str) -> tuple[float, float] | None:
    """'1,010' -> (1010, 1010); '660–670' -> (660, 670); 'NA', '—' -> None."""
    t = text.replace(",", "").replace("–", "-").replace(" ", "")
    if not t or t in ("NA", "—", "-", "W", "XX"):
        return None
    lo, _, hi = t.partition("-")
    try:
        return float(lo), float(hi or lo)
    except ValueError:
        return None


def fmt(x: float) -> str:
    return f"{x:.6f}".rstrip("0").rstrip(".")


def read_mcs(folder: Path = SOURCES) -> list[dict[str, str]]:
    path = folder / MCS_FILE
    if not path.exists():
        sys.exit(f"error: {path} not found: pass --source DIR (the usgs-mcs2026 folder)")
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def mcs_prices(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    """One row per element (or other product) and year, from the four chapters' Price rows."""
    out = []
    by_product = {v: k for k, v in PRODUCT.items()}
    for r in rows:
        chapter = CHAPTERS.get(r["MCS chapter"].strip().upper())
        if chapter is None or r["Statistics"] != "Price":
            continue
        detail = r["Statistics_detail"].split(":", 1)[1].strip()  # "Neodymium oxide, 99.5% minimum"
        product = detail.split(",")[0].strip()
        element = by_product.get(product) or OTHER_PRODUCTS.get(product)
        value = parse_value(r["Value"])
        if element is None or value is None:
            continue
        notes = r["Notes"]
        terms = (
            "ex-works China"
            if "Ex-works China" in notes
            else "FOB China"
            if "Free on board" in notes
            else ""
        )
        out.append(
            {
                "element": element,
                "year": r["Year"],
                "price_usd_kg": fmt(sum(value) / 2),
                "as_published": r["Value"],
                "product": detail,
                "terms": terms,
                "chapter": chapter,
                "mcs_note": "estimated" if notes.startswith("Estimated") else "",
                "source": f"USGS MCS 2026, {chapter} (data release doi:10.5066/P1WKQ63T, CC0)",
                "status": "confirmed",
            }
        )
    out.sort(key=lambda p: (p["element"] not in PRODUCT, p["element"], p["year"]))
    return out


def element_prices(prices: list[dict[str, str]]) -> dict[str, tuple[float, str, str]]:
    """element -> (2025 price, price_source, price_status), MCS first, then ESTIMATES."""
    out = {}
    for p in prices:
        if p["element"] in PRODUCT and p["year"] == PRICE_YEAR:
            out[p["element"]] = (float(p["price_usd_kg"]), PRICE_SOURCE[p["chapter"]], "confirmed")
    for e, (price, source) in ESTIMATES.items():
        out.setdefault(e, (price, source, "estimate"))
    return out


def premiums(elements: list[dict[str, str]], prices: list[dict[str, str]]) -> list[dict[str, str]]:
    """Non-Chinese premium per element: from quotes where there are any, else the group factor."""
    p2025 = {p["element"]: float(p["price_usd_kg"]) for p in prices if p["year"] == PRICE_YEAR}
    rows = []
    for el in elements:
        e, group = el["element"], el["group"]
        ref = p2025.get(e)
        if e in QUOTES and ref:
            mids = [(lo + hi) / 2 for _, lo, hi in QUOTES[e]]
            low = min(lo for _, lo, _ in QUOTES[e]) / ref
            high = max(hi for _, _, hi in QUOTES[e]) / ref
            text = "; ".join(
                f"{who} {lo:,.0f}" + (f"-{hi:,.0f}" if hi != lo else "")
                for who, lo, hi in QUOTES[e]
            )
            premium = sum(mids) / len(mids) / ref
            basis = f"mean of quote mid-points {sum(mids) / len(mids):,.1f} / MCS 2025 {ref:g} USD/kg ({text} USD/kg)"
            source = "REFERENCE_DATA.md s.2: Argus (May 2025), Benchmark (July 2025); MCS 2026 Rare Earths (Heavy)"
        elif e in ("Nd", "Pr") and "NdPr oxide" in p2025:
            ref = p2025["NdPr oxide"]
            premium = low = high = NDPR_FLOOR / ref
            basis = f"US NdPr floor {NDPR_FLOOR:g} / MCS 2025 NdPr oxide {ref:g} USD/kg"
            source = "US DoD-MP Materials agreement (July 2025); MCS 2026 Rare Earths (NdPr oxide)"
        else:
            premium = low = high = GROUP_PREMIUM[group]
            basis = f"no non-Chinese quote found: version 1's factor for the {group} group"
            source = "estimate: group factor (version 1), see data/README.md#premiums"
        rows.append(
            {
                "element": e,
                "premium": fmt(round(premium, 2)),
                "low": fmt(round(low, 2)),
                "high": fmt(round(high, 2)),
                "basis": basis,
                "caveat": CAVEAT.get(e, "judged; replace with a quote"),
                "source": source,
                "status": "estimate",  # a ratio of thin quotes to an average is always judged
            }
        )
    return rows


def read_elements() -> tuple[list[str], list[dict[str, str]]]:
    with open(DATA / "elements.csv", newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        return list(reader.fieldnames or []), list(reader)


def with_prices(elements: list[dict[str, str]], derived: dict) -> list[dict[str, str]]:
    """elements rows with price_usd_kg, price_source, price_status and the price part of source."""
    out = []
    for row in elements:
        row = dict(row)
        price, source, status = derived[row["element"]]
        row["price_usd_kg"] = fmt(price)
        row["price_source"] = source
        row["price_status"] = status
        head, sep, _ = row["source"].partition("; price: ")
        if sep:  # "Demand: ...; price: <price source>" (Pm's row has no demand part)
            price_words = source if status == "confirmed" else "estimate, see data/README.md#prices"
            row["source"] = f"{head}; price: {price_words}"
        out.append(row)
    return out


def to_text(columns: list[str], rows: list[dict[str, str]]) -> str:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=columns, lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    return buf.getvalue()


def build(source: Path = SOURCES) -> dict[str, str]:
    """{file name in data/: text} for prices.csv, premiums.csv and elements.csv."""
    prices = mcs_prices(read_mcs(source))
    columns, elements = read_elements()
    new_elements = with_prices(elements, element_prices(prices))
    return {
        "prices.csv": to_text(PRICE_COLUMNS, prices),
        "premiums.csv": to_text(PREMIUM_COLUMNS, premiums(new_elements, prices)),
        "elements.csv": to_text(columns, new_elements),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--check", action="store_true", help="compare with data/ and write nothing")
    ap.add_argument("--source", type=Path, default=SOURCES, help="the usgs-mcs2026 folder")
    args = ap.parse_args(argv)
    texts = build(args.source)
    if args.check:
        stale = [
            n
            for n, t in texts.items()
            if not (DATA / n).exists() or (DATA / n).read_text(encoding="utf-8") != t
        ]
        for n in stale:
            print(f"data/{n} differs from what scripts/mcs_prices.py derives", file=sys.stderr)
        print("ok" if not stale else f"{len(stale)} file(s) differ")
        return 1 if stale else 0
    for n, t in texts.items():
        (DATA / n).write_text(t, encoding="utf-8")
    print("wrote " + ", ".join(f"data/{n}" for n in texts))
    return 0


if __name__ == "__main__":
    sys.exit(main())
