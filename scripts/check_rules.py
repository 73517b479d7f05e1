"""Check data/rules.csv against today's flows: a rule in force cannot cut below what already ships.

    .venv/bin/python scripts/check_rules.py            # the bundled data/
    .venv/bin/python scripts/check_rules.py --data DIR # another dataset folder

Rules in force (licence regimes, export bans) change the base case: the capacity open to Korea of
every plant a rule binds is multiplied by its `availability` (several rules multiply). Today's
flows (`baseline_flows.csv`) already happen under those rules, so for every plant and element

    sum of tonnes out of the plant  <=  capacity_t x product of the availabilities binding it

must hold. A rule binds a plant when `supplier` is the plant's country, `element` is the element
or `*`, and `stage` is the plant's stage or blank (plants.csv gives country and stage). The rows
themselves are checked too (columns, codes, ranges, dates, status and basis), and every rule row
must bind at least one plant, so a typo cannot pass silently. Exit code 1 on any problem.
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections import defaultdict
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
COLUMNS = [
    "rule",
    "supplier",
    "element",
    "stage",
    "availability",
    "lead_time_days",
    "in_force_from",
    "description",
    "source",
    "status",
    "basis",
]
STAGES = ("mine", "separation", "metal", "magnet")
STATUSES = ("confirmed", "estimate")
# flows are kept in units of 0.1 kg; allow that much rounding on a plant's total
TOLERANCE_T = 1e-4


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if value == value and abs(value) != float("inf") else None


def check_rows(data: Path) -> list[str]:
    """Problems with the rows of rules.csv themselves (file, row, column and what is wrong)."""
    path = data / "rules.csv"
    with path.open(newline="", encoding="utf-8") as f:
        header = next(csv.reader(f), [])
    if header != COLUMNS:
        return [
            f"rules.csv: columns must be exactly {','.join(COLUMNS)} (found {','.join(header)})"
        ]
    suppliers = {r["supplier"] for r in _read(data / "suppliers.csv")}
    elements = {r["element"] for r in _read(data / "elements.csv")}
    problems: list[str] = []
    seen: set[tuple[str, str, str, str]] = set()
    for n, r in enumerate(_read(path), start=2):  # row 1 is the header

        def bad(column: str, why: str, n: int = n) -> None:
            problems.append(f"rules.csv row {n}, column {column}: {why}")

        if not r["rule"].strip():
            bad("rule", "empty")
        if r["supplier"] not in suppliers:
            bad("supplier", f"{r['supplier']!r} is not a supplier code in suppliers.csv")
        if r["element"] != "*" and r["element"] not in elements:
            bad("element", f"{r['element']!r} is neither an element of elements.csv nor *")
        if r["stage"] and r["stage"] not in STAGES:
            bad("stage", f"{r['stage']!r} is not one of {', '.join(STAGES)} or blank")
        a = _number(r["availability"])
        if a is None or not 0 <= a <= 1:
            bad("availability", f"{r['availability']!r} is not a number from 0 to 1")
        lt = _number(r["lead_time_days"])
        if lt is None or lt < 0:
            bad("lead_time_days", f"{r['lead_time_days']!r} is not a number of days >= 0")
        try:
            date.fromisoformat(r["in_force_from"])
        except ValueError:
            bad("in_force_from", f"{r['in_force_from']!r} is not an ISO date (YYYY-MM-DD)")
        if not r["source"].strip():
            bad("source", "empty: every figure needs its source")
        if r["status"] not in STATUSES:
            bad("status", f"{r['status']!r} is not confirmed or estimate")
        if r["status"] == "estimate" and not r["basis"].strip():
            bad("basis", "empty: an estimate must say how it was made")
        key = (r["rule"], r["supplier"], r["element"], r["stage"])
        if key in seen:
            bad("rule", f"duplicate row for {key}")
        seen.add(key)
    return problems


def _binds(rule: dict[str, str], country: str, stage: str, element: str) -> bool:
    return (
        rule["supplier"] == country
        and rule["element"] in ("*", element)
        and rule["stage"] in ("", stage)
    )


def check(data: Path = DATA) -> list[str]:
    """Every problem found: bad rule rows, rules that bind no plant, and plants whose flows today
    exceed the capacity the rules leave them. Empty when the rules fit today's world."""
    problems = check_rows(data)
    if problems:
        return problems
    rules = _read(data / "rules.csv")
    plants = {p["plant"]: p for p in _read(data / "plants.csv")}
    capacity = {
        (c["plant"], c["element"]): float(c["capacity_t"]) for c in _read(data / "capacity.csv")
    }
    out: dict[tuple[str, str], float] = defaultdict(float)
    for f in _read(data / "baseline_flows.csv"):
        out[(f["from"], f["element"])] += float(f["tonnes"])

    plant_elements = [(plants[pl], e) for (pl, e) in capacity if pl in plants]
    for n, r in enumerate(rules, start=2):
        if not any(_binds(r, p["country"], p["stage"], e) for p, e in plant_elements):
            problems.append(
                f"rules.csv row {n}: rule {r['rule']!r} binds no plant "
                f"(supplier {r['supplier']}, element {r['element']}, stage {r['stage'] or 'any'})"
            )

    for (plant, element), tonnes in sorted(out.items()):
        p = plants.get(plant)
        if p is None:
            problems.append(f"baseline_flows.csv: plant {plant!r} is not in plants.csv")
            continue
        availability = 1.0
        names = []
        for r in rules:
            if _binds(r, p["country"], p["stage"], element):
                availability *= float(r["availability"])
                names.append(r["rule"])
        if not names:
            continue
        room = capacity.get((plant, element), 0.0) * availability
        if tonnes > room + TOLERANCE_T:
            problems.append(
                f"{plant} {element}: {tonnes:.4f} t flow out today, but the rules in force "
                f"({', '.join(sorted(set(names)))}) leave {room:.4f} t "
                f"(capacity_t {capacity.get((plant, element), 0.0):g} x availability {availability:g}); "
                "a rule in force cannot cut below today's flows"
            )
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA, help="dataset folder (default: data/)")
    args = parser.parse_args(argv)
    problems = check(args.data)
    for p in problems:
        print(p)
    if problems:
        print(f"{len(problems)} problem(s) in {args.data / 'rules.csv'}")
        return 1
    print(f"rules.csv: every rule fits today's flows ({args.data})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
