"""Check the project pipeline and demand growth tables against the rest of the dataset.

    .venv/bin/python scripts/check_projects.py            # check data/, exit 1 on any problem
    .venv/bin/python scripts/check_projects.py --data DIR # check another folder of the same tables

Reads data/projects.csv, data/project_capacity.csv and data/demand_growth.csv (see
data/README.md#projects and #demand-growth) with plants.csv, capacity.csv, suppliers.csv,
elements.csv, premiums.csv and demand.csv, and checks:

- columns are exactly the documented ones; ids are unique; codes are known;
- every project has capacity rows, and every capacity row belongs to a project;
- a project's plant exists in plants.csv (same country and stage) or is new; an expansion adds to
  an operating plant, a new project creates a plant that does not operate yet;
- ramp values are in (0, 1], never fall, end at 1, and fit the default plan horizon;
- capital cost > 0; offtake share in [0, 1]; first year a plausible calendar year;
- every construction or planned plant of plants.csv has a project or a reasoned exemption;
- cost_usd_kg follows the cost rule of data/README.md#costs (and equals capacity.csv where the
  plant already has a row for the element);
- demand growth covers every element and form of demand.csv exactly once.

Importable: each check returns a list of problems (strings naming file, row and column), so the
tests can feed it broken tables.
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import math
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"


def _sibling(name):
    # the cost rule's constants live in build_stage_data.py: one rule, read from one place
    spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name(f"{name}.py"))
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(name, module)
    spec.loader.exec_module(module)
    return module


stage_data = _sibling("build_stage_data")

PROJECT_COLUMNS = [
    "project",
    "plant",
    "name",
    "operator",
    "country",
    "stage",
    "kind",
    "earliest_first_year",
    "ramp",
    "capex_musd",
    "offtake_share",
    "support",
    "source",
    "status",
    "basis",
]
CAPACITY_COLUMNS = ["project", "element", "capacity_t", "cost_usd_kg", "source", "status", "basis"]
GROWTH_COLUMNS = ["element", "form", "growth_rate", "source", "status", "basis"]

STAGES = ("mine", "separation", "metal", "magnet")
KINDS = ("new", "expansion")
SUPPORT = ("overseas-loan", "domestic-subsidy", "none")
STATUS = ("confirmed", "estimate")
PLAN_HORIZON_YEARS = (
    5  # the plan's default years 2026-2030: a longer ramp never reaches full output
)
FIRST_YEARS = range(2024, 2041)
GROWTH_LIMIT = 0.5  # a yearly growth rate beyond +-50% is a typing error (5 for 5%), not an outlook

# Construction or planned plants of plants.csv with no project row, and why (data/README.md#projects).
EXEMPT = {
    "USA-LYNAS-SEADRIFT": (
        "Lynas sees 'significant uncertainty' whether Seadrift will be built, and in what form "
        "(FY25 results, 27 Aug 2025); no capacity or capital cost published"
    ),
    "LAO-VIENTIANE-REFINERY": (
        "a built but never operated refinery; Canada Rare Earth's MOU for 70% (Jan 2025) gives "
        "no purchase price or refurbishment cost"
    ),
    "KOR-LSVAC": (
        "the 2024 LS-VAC MOU gives 1,000 t/y from 2027 but no capital cost, and LS Cable now "
        "studies a magnet plant in Chesapeake, Virginia (Dec 2025), so the Korean site is in doubt"
    ),
}


# --- reading ---------------------------------------------------------------------------------


def read_table(path: Path) -> tuple[list[str], list[dict]]:
    """Header and rows; each row carries `_row`, its line as a spreadsheet counts (header = 1)."""
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        header = list(reader.fieldnames or [])
        rows = []
        for i, r in enumerate(reader, start=2):
            r["_row"] = i
            rows.append(r)
    return header, rows


def _where(name: str, row: dict | None = None, column: str | None = None) -> str:
    place = name
    if row is not None:
        place += f", row {row['_row']}"
    if column is not None:
        place += f", column '{column}'"
    return place


def _number(text: str) -> float | None:
    try:
        x = float(text)
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


def check_columns(name: str, header: list[str], wanted: list[str]) -> list[str]:
    if header == wanted:
        return []
    return [f"{name}: columns must be exactly {', '.join(wanted)} (got {', '.join(header)})"]


# --- ramp ------------------------------------------------------------------------------------


def parse_ramp(text: str) -> tuple[list[float], str | None]:
    """Shares of nameplate in years 1, 2, ... ('0.3;0.7;1'); (values, problem or None)."""
    parts = [p.strip() for p in (text or "").split(";")]
    values = []
    for p in parts:
        x = _number(p)
        if x is None:
            return [], "ramp must be shares separated by ';', e.g. 0.3;0.7;1"
        values.append(x)
    if any(not 0 < x <= 1 for x in values):
        return values, "every ramp share must be in (0, 1]"
    if any(b < a for a, b in zip(values, values[1:], strict=False)):
        return values, "ramp shares must not fall from one year to the next"
    if values[-1] != 1:
        return values, "the ramp must end at 1 (full nameplate)"
    if len(values) > PLAN_HORIZON_YEARS:
        return (
            values,
            f"the ramp is longer than the default plan horizon ({PLAN_HORIZON_YEARS} years)",
        )
    return values, None


# --- projects --------------------------------------------------------------------------------


def check_projects(
    projects: list[dict],
    plants: dict[str, dict],
    countries: set[str],
    name: str = "projects.csv",
) -> list[str]:
    problems = []
    seen = set()
    for r in projects:
        pid = r["project"]
        if not pid or not pid.isascii() or ":" in pid:
            problems.append(f"{_where(name, r, 'project')}: an ASCII id without ':' (got {pid!r})")
        elif pid in seen:
            problems.append(f"{_where(name, r, 'project')}: duplicate project id (got {pid!r})")
        seen.add(pid)
        plant = r["plant"]
        if not plant or not plant.isascii() or ":" in plant:
            problems.append(f"{_where(name, r, 'plant')}: an ASCII id without ':' (got {plant!r})")
        if r["country"] not in countries:
            problems.append(
                f"{_where(name, r, 'country')}: not a supplier code of suppliers.csv (got {r['country']!r})"
            )
        if r["stage"] not in STAGES:
            problems.append(
                f"{_where(name, r, 'stage')}: one of {', '.join(STAGES)} (got {r['stage']!r})"
            )
        if r["kind"] not in KINDS:
            problems.append(
                f"{_where(name, r, 'kind')}: one of {', '.join(KINDS)} (got {r['kind']!r})"
            )
        if r["support"] not in SUPPORT:
            problems.append(
                f"{_where(name, r, 'support')}: one of {', '.join(SUPPORT)} (got {r['support']!r})"
            )
        if r["status"] not in STATUS:
            problems.append(
                f"{_where(name, r, 'status')}: confirmed or estimate (got {r['status']!r})"
            )
        for column in ("name", "operator", "source", "basis"):
            if not r[column].strip():
                problems.append(f"{_where(name, r, column)}: must not be empty")
        problems += _check_plant_link(r, plants, name)
        year = _number(r["earliest_first_year"])
        if year is None or year != int(year) or int(year) not in FIRST_YEARS:
            problems.append(
                f"{_where(name, r, 'earliest_first_year')}: a year from {FIRST_YEARS.start} to "
                f"{FIRST_YEARS.stop - 1} (got {r['earliest_first_year']!r})"
            )
        _, why = parse_ramp(r["ramp"])
        if why:
            problems.append(f"{_where(name, r, 'ramp')}: {why} (got {r['ramp']!r})")
        capex = _number(r["capex_musd"])
        if capex is None or capex <= 0:
            problems.append(
                f"{_where(name, r, 'capex_musd')}: capital cost in million USD, above 0 "
                f"(got {r['capex_musd']!r})"
            )
        share = _number(r["offtake_share"])
        if share is None or not 0 <= share <= 1:
            problems.append(
                f"{_where(name, r, 'offtake_share')}: a share from 0 to 1 (got {r['offtake_share']!r})"
            )
    return problems


def _check_plant_link(r: dict, plants: dict[str, dict], name: str) -> list[str]:
    """A listed plant must agree with the project; an expansion needs an operating plant."""
    p = plants.get(r["plant"])
    if p is None:
        if r["kind"] == "expansion":
            return [
                f"{_where(name, r, 'plant')}: an expansion must name a plant of plants.csv "
                f"(got {r['plant']!r})"
            ]
        return []
    problems = []
    for column, plant_column in (("country", "country"), ("stage", "stage")):
        if r[column] != p[plant_column]:
            problems.append(
                f"{_where(name, r, column)}: plants.csv gives {p[plant_column]!r} for "
                f"{r['plant']} (got {r[column]!r})"
            )
    operating = p["plant_status"] == "operating"
    if r["kind"] == "expansion" and not operating:
        problems.append(
            f"{_where(name, r, 'kind')}: {r['plant']} is {p['plant_status']}, not operating: "
            "a project on it is 'new' (got 'expansion')"
        )
    if r["kind"] == "new" and operating:
        problems.append(
            f"{_where(name, r, 'kind')}: {r['plant']} already operates: a project on it is "
            "an 'expansion' (got 'new')"
        )
    return problems


def check_coverage(
    projects: list[dict], plants: dict[str, dict], exempt: dict[str, str] = EXEMPT
) -> list[str]:
    """Each construction or planned plant has a project, or an exemption with a reason."""
    with_project = {r["plant"] for r in projects}
    pending = {pid for pid, p in plants.items() if p["plant_status"] in ("construction", "planned")}
    problems = []
    for pid in sorted(pending - with_project - set(exempt)):
        problems.append(
            f"plants.csv: {pid} is {plants[pid]['plant_status']} but has no row in projects.csv "
            "(add a project, or an exemption with its reason in scripts/check_projects.py EXEMPT)"
        )
    for pid in sorted(exempt):
        if pid not in pending:
            problems.append(f"EXEMPT: {pid} is not a construction or planned plant of plants.csv")
        elif pid in with_project:
            problems.append(f"EXEMPT: {pid} has a project now: remove its exemption")
        elif not exempt[pid].strip():
            problems.append(f"EXEMPT: {pid} needs a reason")
    return problems


# --- capacity --------------------------------------------------------------------------------


def expected_cost(stage: str, country: str, element: str, el: dict) -> float:
    """USD/kg REO a plant adds (data/README.md#costs), for a project plant with no modelled feed.

    A project's separator is an origin (nothing in the network feeds it yet), so it carries the
    whole landed oxide cost P x premium x (1 + f), as planned separators do in capacity.csv.
    """
    s = stage_data
    price = el[element]["price"]
    premium = 1.0 if country == "CHN" else el[element]["premium"]
    f = s.FREIGHT.get(country, 0.05)
    k = s.PROCESS_FACTOR.get(country, 1.0)
    metal_added = s.METAL_ADDED.get(element, 0.05 * price + 3)
    if stage == "mine":
        return s.MINE_VALUE * price * (1 + f)
    if stage == "separation":
        return price * premium * (1 + f)
    if stage == "metal":
        return metal_added * k + f * (price + metal_added)
    return s.MAGNET_ADDED * k + f * (price + metal_added + s.MAGNET_ADDED)


def check_capacity(
    rows: list[dict],
    projects: list[dict],
    el: dict,
    bundled_costs: dict[tuple[str, str], float] | None = None,
    name: str = "project_capacity.csv",
) -> list[str]:
    by_id = {r["project"]: r for r in projects}
    problems = []
    seen = set()
    for r in rows:
        p = by_id.get(r["project"])
        if p is None:
            problems.append(
                f"{_where(name, r, 'project')}: not a project of projects.csv (got {r['project']!r})"
            )
        e = r["element"]
        if e not in el:
            problems.append(
                f"{_where(name, r, 'element')}: not an element of elements.csv (got {e!r})"
            )
        key = (r["project"], e)
        if key in seen:
            problems.append(
                f"{_where(name, r, 'element')}: a second row for {r['project']} and {e}"
            )
        seen.add(key)
        cap = _number(r["capacity_t"])
        if cap is None or cap <= 0:
            problems.append(
                f"{_where(name, r, 'capacity_t')}: t REO a year, above 0 (got {r['capacity_t']!r})"
            )
        cost = _number(r["cost_usd_kg"])
        if cost is None or cost < 0:
            problems.append(
                f"{_where(name, r, 'cost_usd_kg')}: USD/kg REO, 0 or more (got {r['cost_usd_kg']!r})"
            )
        elif p is not None and e in el:
            want = round(expected_cost(p["stage"], p["country"], e, el), 2)
            if abs(cost - want) > 0.011:
                problems.append(
                    f"{_where(name, r, 'cost_usd_kg')}: the cost rule (data/README.md#costs) "
                    f"gives {want} for a {p['stage']} plant in {p['country']} (got {r['cost_usd_kg']})"
                )
            if bundled_costs and (p["plant"], e) in bundled_costs:
                have = bundled_costs[(p["plant"], e)]
                if abs(cost - have) > 0.011:
                    problems.append(
                        f"{_where(name, r, 'cost_usd_kg')}: capacity.csv gives {have} for "
                        f"{p['plant']} and {e} (got {r['cost_usd_kg']})"
                    )
        if r["status"] not in STATUS:
            problems.append(
                f"{_where(name, r, 'status')}: confirmed or estimate (got {r['status']!r})"
            )
        for column in ("source", "basis"):
            if not r[column].strip():
                problems.append(f"{_where(name, r, column)}: must not be empty")
    with_rows = {r["project"] for r in rows}
    for p in projects:
        if p["project"] not in with_rows:
            problems.append(
                f"projects.csv, row {p['_row']}: project {p['project']} has no capacity rows "
                "in project_capacity.csv"
            )
    return problems


# --- demand growth ---------------------------------------------------------------------------


def check_growth(
    rows: list[dict], demand: list[dict], name: str = "demand_growth.csv"
) -> list[str]:
    wanted = {(d["element"], d["form"]) for d in demand}
    problems = []
    seen = set()
    for r in rows:
        key = (r["element"], r["form"])
        if key not in wanted:
            problems.append(
                f"{_where(name, r, 'form')}: demand.csv has no {key[0]} {key[1]} demand "
                f"(got {key[0]}, {key[1]})"
            )
        if key in seen:
            problems.append(f"{_where(name, r, 'form')}: a second row for {key[0]} {key[1]}")
        seen.add(key)
        g = _number(r["growth_rate"])
        if g is None or abs(g) > GROWTH_LIMIT:
            problems.append(
                f"{_where(name, r, 'growth_rate')}: a yearly rate as a fraction (0.05 for 5%), "
                f"within +-{GROWTH_LIMIT} (got {r['growth_rate']!r})"
            )
        if r["status"] not in STATUS:
            problems.append(
                f"{_where(name, r, 'status')}: confirmed or estimate (got {r['status']!r})"
            )
        for column in ("source", "basis"):
            if not r[column].strip():
                problems.append(f"{_where(name, r, column)}: must not be empty")
    for e, form in sorted(wanted - seen):
        problems.append(f"{name}: no growth rate for {e} {form} (demand.csv has that demand)")
    return problems


# --- everything ------------------------------------------------------------------------------


def load_elements(data: Path) -> dict:
    el = {}
    for r in read_table(data / "elements.csv")[1]:
        el[r["element"]] = {"price": float(r["price_usd_kg"])}
    for r in read_table(data / "premiums.csv")[1]:
        el[r["element"]]["premium"] = float(r["premium"])
    return el


def check_all(data: Path = DATA) -> list[str]:
    """Every problem in the three tables at `data`, against the dataset's other tables there."""
    plants = {r["plant"]: r for r in read_table(data / "plants.csv")[1]}
    countries = {r["supplier"] for r in read_table(data / "suppliers.csv")[1]}
    el = load_elements(data)
    bundled = {
        (r["plant"], r["element"]): float(r["cost_usd_kg"])
        for r in read_table(data / "capacity.csv")[1]
    }
    demand = read_table(data / "demand.csv")[1]
    problems = []
    header, projects = read_table(data / "projects.csv")
    problems += check_columns("projects.csv", header, PROJECT_COLUMNS)
    header, capacity = read_table(data / "project_capacity.csv")
    problems += check_columns("project_capacity.csv", header, CAPACITY_COLUMNS)
    header, growth = read_table(data / "demand_growth.csv")
    problems += check_columns("demand_growth.csv", header, GROWTH_COLUMNS)
    if problems:  # the row checks would only repeat the column problem
        return problems
    problems += check_projects(projects, plants, countries)
    problems += check_coverage(projects, plants)
    problems += check_capacity(capacity, projects, el, bundled)
    problems += check_growth(growth, demand)
    return problems


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DATA, help="folder holding the tables")
    args = ap.parse_args(argv)
    try:
        problems = check_all(args.data)
    except (OSError, KeyError, ValueError) as e:
        print(f"{args.data}: cannot read the tables ({e})")
        return 1
    if problems:
        print(f"{len(problems)} problem(s):", *problems, sep="\n  ")
        return 1
    print("projects, project capacity and demand growth: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
