"""The dataset contract: which tables and columns a dataset has, their types, ranges and meaning.

One declaration drives validation (dataset.py), the blank workbook analysts fill in
(`ree-sourcing template`) and the column reference in the README.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Column:
    name: str
    kind: str  # text | number | integer | choice
    doc: str
    required: bool = True
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] = ()
    blank_ok: bool = False


@dataclass(frozen=True)
class Table:
    name: str
    doc: str
    key: tuple[str, ...]
    columns: tuple[Column, ...]
    required: bool = True
    optional_columns: tuple[Column, ...] = field(default=())

    @property
    def all_columns(self) -> tuple[Column, ...]:
        return self.columns + self.optional_columns


BUNDLED_DATA = Path(__file__).resolve().parent.parent / "data"
STATUSES = ("confirmed", "estimate")
GROUPS = ("light", "medium", "heavy", "other")
# country: a foreign country (country caps apply); domestic: Korea's own plants and recycling;
# stockpile: KOMIR's stock, a buffer that is not an annual supplier unless a policy says so
KINDS = ("country", "domestic", "stockpile")
ANY_ELEMENT = "*"
# The supply chain in order. Recycling plants sit at the first stage: that is where their
# material enters the chain, as a mine's does.
STAGES = ("mine", "separation", "metal", "magnet")
FORMS = ("oxide", "metal", "magnet")  # what Korea takes delivery of
FORM_STAGE = {"oxide": "separation", "metal": "metal", "magnet": "magnet"}
PLANT_STATUSES = ("operating", "construction", "planned")
KOREA = "korea"  # the sink of every delivery in flow tables
# Largest values a dataset may hold: far above any real figure (the world mines about 0.4
# million t REO a year), and small enough that costs (t x USD/kg x 1000) stay finite.
MAX_TONNES = 1e9  # t REO a year
MAX_USD_KG = 1e7
MAX_DAYS = 36_500  # a hundred years

_SOURCE = Column(
    "source", "text", "Where the figure comes from (a citation, or how it was estimated)."
)
_STATUS = Column(
    "status", "choice", "confirmed (a cited source says it) or estimate.", choices=STATUSES
)

TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        Table(
            "elements",
            "One row per element: Korea's annual demand and the reference price.",
            key=("element",),
            columns=(
                Column("element", "text", "Element symbol, e.g. Nd."),
                Column("name", "text", "Element name."),
                Column("group", "choice", "light, medium, heavy or other.", choices=GROUPS),
                Column(
                    "demand_t",
                    "number",
                    "Annual demand, t REO, all forms together (the demand table splits it by form).",
                    low=0,
                    high=MAX_TONNES,
                ),
                Column(
                    "price_usd_kg",
                    "number",
                    "Reference price, USD/kg oxide.",
                    low=0,
                    high=MAX_USD_KG,
                ),
                _SOURCE,
                _STATUS,
            ),
        ),
        Table(
            "suppliers",
            "One row per supplier: a country (ISO3 code) or a domestic source; plants belong to one.",
            key=("supplier",),
            columns=(
                Column("supplier", "text", "ISO3 code, or a code such as KOR-RECYCLING."),
                Column("name", "text", "Display name."),
                Column(
                    "kind",
                    "choice",
                    "country (a foreign country: country caps apply), domestic (Korea's own plants and recycling) or stockpile (KOMIR's stock: not an annual supplier unless a policy says so).",
                    choices=KINDS,
                ),
                Column(
                    "wgi_risk", "number", "Governance risk 0-10, higher is riskier.", low=0, high=10
                ),
                Column(
                    "lead_time_days",
                    "number",
                    "Typical days from order to Korea.",
                    low=0,
                    high=MAX_DAYS,
                ),
                Column(
                    "blocs",
                    "text",
                    "Blocs the supplier belongs to, separated by ';' (e.g. FORGE;FTA).",
                    blank_ok=True,
                ),
                _SOURCE,
                _STATUS,
            ),
            optional_columns=(
                Column(
                    "outage_probability",
                    "number",
                    "Annual probability that exports to Korea stop (Monte Carlo).",
                    required=False,
                    low=0,
                    high=1,
                ),
            ),
        ),
        Table(
            "plants",
            "Stage form: one row per plant, or per country-stage aggregate (e.g. China, separation).",
            key=("plant",),
            required=False,
            columns=(
                Column("plant", "text", "Plant id, unique, without ':' (e.g. MYS-LYNAS-SEP)."),
                Column("name", "text", "Display name."),
                Column("operator", "text", "Company or 'aggregate'.", blank_ok=True),
                Column("country", "text", "Supplier code of the plant's country, from suppliers."),
                Column("stage", "choice", "mine, separation, metal or magnet.", choices=STAGES),
                Column(
                    "plant_status",
                    "choice",
                    "operating, construction or planned.",
                    choices=PLANT_STATUSES,
                ),
                Column(
                    "first_year",
                    "integer",
                    "First year of output (blank if unknown).",
                    low=1900,
                    high=2100,
                    blank_ok=True,
                ),
                _SOURCE,
                _STATUS,
            ),
        ),
        Table(
            "capacity",
            "Stage form: what each plant can put through for Korea, per element, and the cost it adds.",
            key=("plant", "element"),
            required=False,
            columns=(
                Column("plant", "text", "A plant id from plants."),
                Column("element", "text", "An element symbol from elements."),
                Column(
                    "capacity_t",
                    "number",
                    "t REO equivalent a year the plant can put through for Korea's supply.",
                    low=0,
                    high=MAX_TONNES,
                ),
                Column(
                    "cost_usd_kg",
                    "number",
                    "Cost the plant adds, USD/kg REO: processing plus freight and tariff onward.",
                    low=0,
                    high=MAX_USD_KG,
                ),
                _SOURCE,
                _STATUS,
            ),
            optional_columns=(
                Column(
                    "total_capacity_t",
                    "number",
                    "The plant's whole output of the element, t REO a year (capacity_t is Korea's part).",
                    required=False,
                    low=0,
                    high=MAX_TONNES,
                ),
            ),
        ),
        Table(
            "feeds",
            "Stage form: which plants can feed which. from/to are a plant id, STAGE:COUNTRY or STAGE:*.",
            key=("from", "to", "element"),
            required=False,
            columns=(
                Column(
                    "from",
                    "text",
                    "Upstream: a plant id, STAGE:COUNTRY (e.g. separation:CHN) or STAGE:*.",
                ),
                Column("to", "text", "Downstream: a plant id, STAGE:COUNTRY or STAGE:*."),
                Column("element", "text", "An element symbol, or * for every element."),
                _SOURCE,
                _STATUS,
            ),
            optional_columns=(
                Column(
                    "min_share",
                    "number",
                    "At least this share of each downstream plant's input comes through this rule.",
                    required=False,
                    low=0,
                    high=1,
                    blank_ok=True,
                ),
                Column(
                    "max_share",
                    "number",
                    "At most this share of each downstream plant's input comes through this rule.",
                    required=False,
                    low=0,
                    high=1,
                    blank_ok=True,
                ),
            ),
        ),
        Table(
            "demand",
            "Stage form: Korea's annual demand per element and the form it arrives in.",
            key=("element", "form"),
            required=False,
            columns=(
                Column("element", "text", "An element symbol from elements."),
                Column("form", "choice", "oxide, metal or magnet.", choices=FORMS),
                Column("demand_t", "number", "t REO equivalent a year.", low=0, high=MAX_TONNES),
                _SOURCE,
                _STATUS,
            ),
        ),
        Table(
            "baseline_flows",
            "Stage form: today's flows, plant to plant and plant to Korea (to = korea), per element.",
            key=("element", "from", "to"),
            required=False,
            columns=(
                Column("element", "text", "An element symbol from elements."),
                Column("from", "text", "A plant id from plants."),
                Column("to", "text", "A plant id, or korea for a delivery to Korea."),
                Column("tonnes", "number", "t REO equivalent a year.", low=0, high=MAX_TONNES),
                _SOURCE,
                _STATUS,
            ),
        ),
        Table(
            "offers",
            "Single-stage form: one row per supplier and element it can supply to Korea (as oxide).",
            key=("supplier", "element"),
            required=False,
            columns=(
                Column("supplier", "text", "A supplier code from suppliers."),
                Column("element", "text", "An element symbol from elements."),
                Column(
                    "capacity_t",
                    "number",
                    "Tonnes REO a year available to Korea.",
                    low=0,
                    high=MAX_TONNES,
                ),
                Column(
                    "cost_usd_kg", "number", "Landed cost in Korea, USD/kg.", low=0, high=MAX_USD_KG
                ),
                _SOURCE,
                _STATUS,
            ),
        ),
        Table(
            "baseline",
            "Single-stage form: today's share of each element's supply from each supplier (sums to 1).",
            key=("element", "supplier"),
            required=False,
            columns=(
                Column("element", "text", "An element symbol from elements."),
                Column("supplier", "text", "A supplier code with an offer for that element."),
                Column("share", "number", "Share of the element's supply, 0-1.", low=0, high=1),
            ),
            optional_columns=(
                Column("source", "text", _SOURCE.doc, required=False),
                Column("status", "choice", _STATUS.doc, required=False, choices=STATUSES),
            ),
        ),
        Table(
            "scenarios",
            "Disruption events that could happen next: how much of a supplier's output still moves on, for how long, and how likely each is in a year (independent events).",
            key=("scenario", "supplier", "element"),
            required=False,
            columns=(
                Column("scenario", "text", "Scenario name; rows with the same name form one."),
                Column("supplier", "text", "A supplier code from suppliers: its plants are hit."),
                Column("element", "text", "An element symbol, or * for every element."),
                Column(
                    "availability",
                    "number",
                    "Share of the supplier's plant output still shipped while it lasts, 0-1.",
                    low=0,
                    high=1,
                ),
                Column(
                    "probability",
                    "number",
                    "Probability that the event begins in a given year, independently of the other events, 0-1.",
                    low=0,
                    high=1,
                ),
                Column("description", "text", "What happens and why.", blank_ok=True),
            ),
            optional_columns=(
                Column(
                    "duration_days",
                    "number",
                    "How long it typically lasts, days (blank: a year).",
                    required=False,
                    low=0,
                    high=MAX_DAYS,
                ),
                Column(
                    "duration_low_days",
                    "number",
                    "Shortest duration judged possible, days (blank: the typical one).",
                    required=False,
                    low=0,
                    high=MAX_DAYS,
                ),
                Column(
                    "duration_high_days",
                    "number",
                    "Longest duration judged possible, days (blank: the typical one).",
                    required=False,
                    low=0,
                    high=MAX_DAYS,
                ),
                Column(
                    "stage",
                    "choice",
                    "Only the supplier's plants at this stage are hit (blank: every stage).",
                    required=False,
                    choices=STAGES,
                    blank_ok=True,
                ),
                Column("source", "text", _SOURCE.doc, required=False),
                Column("status", "choice", _STATUS.doc, required=False, choices=STATUSES),
            ),
        ),
        Table(
            "rules",
            "Trade rules in force today (licences, export bans): they change the base case, not the odds of an event.",
            key=("rule", "supplier", "element", "stage"),
            required=False,
            columns=(
                Column("rule", "text", "Rule name; rows with the same name form one."),
                Column("supplier", "text", "A supplier code from suppliers: its plants are bound."),
                Column("element", "text", "An element symbol, or * for every element."),
                Column(
                    "stage",
                    "choice",
                    "Only the supplier's plants at this stage are bound (blank: every stage).",
                    choices=STAGES,
                    blank_ok=True,
                ),
                Column(
                    "availability",
                    "number",
                    "Share of the capacity open to Korea the rule leaves, 0-1 (1: it only delays).",
                    low=0,
                    high=1,
                ),
                Column(
                    "lead_time_days",
                    "number",
                    "Days the rule adds to an order's lead time.",
                    low=0,
                    high=MAX_DAYS,
                ),
                _SOURCE,
                _STATUS,
            ),
            optional_columns=(
                Column(
                    "in_force_from", "text", "Date it took effect (YYYY-MM-DD).", required=False
                ),
                Column("description", "text", "What the rule does.", required=False),
            ),
        ),
        Table(
            "stockpile",
            "Korea's strategic stock (KOMIR) by element: a buffer drawn only in a disruption and refilled afterwards.",
            key=("element",),
            required=False,
            columns=(
                Column("element", "text", "An element symbol from elements."),
                Column(
                    "days",
                    "number",
                    "Days of the element's demand held today.",
                    low=0,
                    high=MAX_DAYS,
                ),
                _SOURCE,
                _STATUS,
            ),
            optional_columns=(
                Column(
                    "holding_rate",
                    "number",
                    "Yearly cost of holding stock, as a share of its value (financing, storage, insurance).",
                    required=False,
                    low=0,
                    high=1,
                ),
                Column(
                    "refill_premium",
                    "number",
                    "Share of the price paid above it while supply is disrupted: a tonne short is valued at (1 + this) x price, a tonne drawn from stock costs this x price to buy back.",
                    required=False,
                    low=0,
                    high=10,
                ),
            ),
        ),
        Table(
            "recovery",
            "Time to recover: days a plant, a country's stage or a country takes to deliver again after it stops (the exposure table). The most specific row wins: see data/README.md#recovery.",
            key=("node", "element"),
            required=False,
            columns=(
                Column(
                    "node",
                    "text",
                    "A plant id, a supplier code (the country as a whole), STAGE:COUNTRY, or STAGE:* (the default for a stage).",
                ),
                Column("element", "text", "An element symbol, or * for every element."),
                Column(
                    "recovery_days",
                    "number",
                    "Days until the node delivers as before.",
                    low=0,
                    high=MAX_DAYS,
                ),
                _SOURCE,
                _STATUS,
            ),
            optional_columns=(
                Column("basis", "text", "How the figure was found or worked out.", required=False),
            ),
        ),
        Table(
            "projects",
            "Plants that could be built or expanded, for the multi-year plan: when, how fast, at what capital cost, and whether Korea's policy loans or subsidies may back them.",
            key=("project",),
            required=False,
            columns=(
                Column("project", "text", "Project id."),
                Column(
                    "plant", "text", "The plant it creates or expands (a plant id from plants)."
                ),
                Column("country", "text", "A supplier code: the plant's country."),
                Column("stage", "choice", "The plant's stage.", choices=STAGES),
                Column(
                    "kind",
                    "choice",
                    "new (creates the plant) or expansion.",
                    choices=("new", "expansion"),
                ),
                Column(
                    "earliest_first_year",
                    "integer",
                    "First year it can produce.",
                    low=1900,
                    high=2200,
                ),
                Column(
                    "ramp",
                    "text",
                    "Share of nameplate reached in its first, second, ... year, e.g. 0.3;0.7;1.",
                ),
                Column("capex_musd", "number", "Capital cost, million USD.", low=0, high=1e7),
                Column(
                    "offtake_share",
                    "number",
                    "Share of its output Korea may contract if it backs the project, 0-1.",
                    low=0,
                    high=1,
                ),
                Column(
                    "support",
                    "choice",
                    "overseas-loan (Korea's policy loans may back it), domestic-subsidy (Korea's subsidies may) or none (it comes on its own schedule).",
                    choices=("overseas-loan", "domestic-subsidy", "none"),
                ),
                _SOURCE,
                _STATUS,
            ),
            optional_columns=(
                Column("name", "text", "Project name.", required=False),
                Column("operator", "text", "Who builds it.", required=False),
            ),
        ),
        Table(
            "project_capacity",
            "A project's nameplate capacity by element at full ramp, and the cost its plant adds.",
            key=("project", "element"),
            required=False,
            columns=(
                Column("project", "text", "A project id from projects."),
                Column("element", "text", "An element symbol from elements."),
                Column(
                    "capacity_t",
                    "number",
                    "Nameplate, t REO a year at full ramp (Korea's part: x offtake_share).",
                    low=0,
                    high=MAX_TONNES,
                ),
                Column(
                    "cost_usd_kg", "number", "Cost the plant adds, USD/kg.", low=0, high=MAX_USD_KG
                ),
                _SOURCE,
                _STATUS,
            ),
        ),
        Table(
            "demand_growth",
            "Yearly growth of Korea's demand by element and form, for the multi-year plan.",
            key=("element", "form"),
            required=False,
            columns=(
                Column("element", "text", "An element symbol from elements."),
                Column("form", "choice", "oxide, metal or magnet.", choices=FORMS),
                Column(
                    "growth_rate",
                    "number",
                    "Growth a year, e.g. 0.05 (5%); may be negative.",
                    low=-1,
                    high=10,
                ),
                _SOURCE,
                _STATUS,
            ),
        ),
        Table(
            "meta",
            "Optional key/value facts about the dataset (name, as_of, version).",
            key=("key",),
            required=False,
            columns=(
                Column("key", "text", "e.g. name, as_of, version."),
                Column("value", "text", "Its value.", blank_ok=True),
            ),
        ),
    )
}


SINGLE_STAGE_TABLES = ("offers", "baseline")  # round one's form: still read, no longer written


def write_template(path: str | Path) -> Path:
    """Write an empty workbook in the stage form: one sheet per table and a 'columns' sheet
    documenting each."""
    import pandas as pd

    path = Path(path)
    tables = [t for t in TABLES.values() if t.name not in SINGLE_STAGE_TABLES]
    if path.suffix.lower() != ".xlsx":
        from .errors import InputError, Problem

        raise InputError(Problem(str(path), "the template is an Excel workbook: name it *.xlsx"))
    docs = [
        {
            "table": t.name,
            "column": c.name,
            "required": "yes" if c.required else "no",
            "type": c.kind,
            "allowed": _allowed(c),
            "meaning": c.doc,
        }
        for t in tables
        for c in t.all_columns
    ]
    with pd.ExcelWriter(path, engine="openpyxl") as xl:
        for t in tables:
            pd.DataFrame(columns=[c.name for c in t.all_columns]).to_excel(
                xl, sheet_name=t.name, index=False
            )
        pd.DataFrame(docs).to_excel(xl, sheet_name="columns", index=False)
    return path


def _allowed(c: Column) -> str:
    if c.choices:
        return ", ".join(c.choices)
    if c.low is not None or c.high is not None:
        lo = "" if c.low is None else f">= {c.low:g}"
        hi = "" if c.high is None else f"<= {c.high:g}"
        return " and ".join(x for x in (lo, hi) if x)
    return ""


def reference_markdown() -> str:
    """The column reference for the README, one section per table (tests keep them equal)."""
    out = []
    for t in TABLES.values():
        kind = []
        if t.name in SINGLE_STAGE_TABLES:
            kind.append("Single-stage form only.")
        elif not t.required:
            kind.append(
                "Optional table."
                if t.name
                in (
                    "feeds",
                    "demand",
                    "scenarios",
                    "rules",
                    "stockpile",
                    "recovery",
                    "projects",
                    "project_capacity",
                    "demand_growth",
                    "meta",
                )  # fmt: skip
                else "Stage form."
            )
        out.append(f"#### `{t.name}`\n")
        doc = t.doc.removeprefix("Stage form: ").removeprefix("Single-stage form: ")
        doc = doc[0].upper() + doc[1:]
        out.append(f"{doc} Key: {', '.join(t.key)}. {' '.join(kind)}".rstrip() + "\n")
        out.append("| column | required | allowed | meaning |")
        out.append("|---|---|---|---|")
        for c in t.all_columns:
            needed = (
                "yes" if c.required and not c.blank_ok else ("blank ok" if c.required else "no")
            )
            out.append(f"| {c.name} | {needed} | {_allowed(c)} | {c.doc} |")
        out.append("")
    return "\n".join(out)
