"""Read a dataset (a folder of CSVs, a .zip of them, or one .xlsx) and validate all of it.

Every problem is collected and raised together in one InputError, each naming the file or sheet,
the row as the user sees it (header = row 1), the column, the bad value and what to do.
Nothing is silently coerced: a value that does not parse is reported, never dropped or clipped.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import InputError, Problem
from .schema import ANY_ELEMENT, BUNDLED_DATA, FORM_STAGE, KOREA, STAGES, TABLES, Column, Table

SUM_TOLERANCE = 1e-6


@dataclass(frozen=True, eq=False)
class Dataset:
    """A validated dataset, always in the stage form (a single-stage dataset is converted on
    load: each offer becomes a plant at the separation stage delivering oxide). Frames keep the
    user's extra columns; numeric columns are floats."""

    elements: pd.DataFrame  # index: element
    suppliers: pd.DataFrame  # index: supplier (a country's ISO3 code or a domestic source)
    plants: pd.DataFrame  # index: plant; name, operator, country, stage, plant_status, ...
    capacity: pd.DataFrame  # plant, element, capacity_t, cost_usd_kg, ...
    feeds: pd.DataFrame  # from, to, element, min_share, max_share, ...
    demand: pd.DataFrame  # element, form, demand_t, ...
    baseline_flows: pd.DataFrame  # element, from, to, tonnes, ...
    scenarios: pd.DataFrame  # columns: scenario, supplier, element, availability, ...
    meta: dict[str, str]
    origin: str
    form: str = "stage"  # "stage", or "single-stage" when it was read from offers and baseline

    @cached_property
    def fingerprint(self) -> str:
        """sha256 of the content, the same whether it came from CSVs or a workbook."""
        h = hashlib.sha256()
        for name in FINGERPRINTED:
            frame = getattr(self, name)
            # schema columns in schema order, then extras by name; all-blank extras carry nothing
            known = [
                c.name
                for c in TABLES[name].all_columns
                if c.name in frame.columns or c.name == frame.index.name
            ]
            extra = sorted(
                c
                for c in frame.columns
                if c not in known and not (frame[c].astype(str).str.strip() == "").all()
            )
            frame = frame.reset_index() if frame.index.name else frame
            frame = frame[[c for c in known if c in frame.columns] + extra]
            h.update(name.encode())
            h.update(frame.to_csv(float_format="%.12g").encode())
        return h.hexdigest()

    @cached_property
    def plant_stage(self) -> dict[str, str]:
        return dict(self.plants["stage"])

    @cached_property
    def stages(self) -> list[str]:
        """The stages this dataset has plants at, in chain order."""
        present = set(self.plants["stage"])
        return [s for s in STAGES if s in present]

    @cached_property
    def demanded_elements(self) -> list[str]:
        """Elements with positive demand: the ones the model allocates."""
        return [e for e, d in self.elements["demand_t"].items() if d > 0]

    def element_array(self, column: str, scope: tuple[str, ...] | list[str]) -> np.ndarray:
        """An elements column as floats in `scope` order (cached: metrics ask for it per solve)."""
        key = (column, tuple(scope))
        if key not in self._cost_cache:
            self._cost_cache[key] = self.elements.loc[list(scope), column].to_numpy(dtype=float)
        return self._cost_cache[key]

    def bloc_members(self, bloc: str) -> list[str]:
        return [s for s, blocs in self.supplier_blocs.items() if bloc in blocs]

    @cached_property
    def supplier_blocs(self) -> dict[str, frozenset[str]]:
        return {
            s: frozenset(b.strip() for b in str(v).split(";") if b.strip())
            for s, v in self.suppliers["blocs"].items()
        }

    @cached_property
    def blocs(self) -> list[str]:
        return sorted(set().union(*self.supplier_blocs.values()))

    @cached_property
    def supplier_kinds(self) -> dict[str, str]:
        return dict(self.suppliers["kind"])

    @cached_property
    def supplier_position(self) -> dict[str, int]:
        return {s: j for j, s in enumerate(self.suppliers.index)}

    @cached_property
    def _cost_cache(self) -> dict[tuple, np.ndarray]:
        return {}

    @property
    def as_of(self) -> str:
        return self.meta.get("as_of", "unknown")


def load_dataset(path: str | Path | None = None) -> Dataset:
    """Load and validate a dataset; the bundled reference data when no path is given."""
    path = Path(path) if path is not None else BUNDLED_DATA
    problems: list[Problem] = []
    raw = dict(_read_tables(path, problems))
    frames: dict[str, pd.DataFrame] = {}
    form = _form_of(raw, path, problems)
    for name, table in TABLES.items():
        if name in raw:
            where, text = raw[name]
            if text is not None:  # None: unreadable, already reported
                frames[name] = _typed(table, where, text, problems, form)
                if frames[name].empty and name not in FORM_TABLES[form][0]:
                    del frames[name]  # an optional sheet left as just its header
        elif table.required or name in FORM_TABLES[form][0]:
            problems.append(Problem(_expected_place(path, name), f"the {name} table is missing"))
    if not problems:
        where = {n: w for n, (w, _) in raw.items()}
        _check_references(frames, where, problems)
        if form == "stage" and not problems:
            _check_chain(frames, where, problems)
    if problems:
        raise InputError(problems)
    return _assemble(frames, str(path), form)


# Tables each form needs, and tables that belong to the other form only.
FORM_TABLES = {
    "stage": (("plants", "capacity", "baseline_flows"), ("offers", "baseline")),
    "single-stage": (
        ("offers", "baseline"),
        ("plants", "capacity", "feeds", "demand", "baseline_flows"),
    ),
}
FINGERPRINTED = (
    "elements", "suppliers", "plants", "capacity", "feeds", "demand", "baseline_flows", "scenarios",
)  # fmt: skip


def _form_of(raw: dict, path: Path, problems: list[Problem]) -> str:
    """Which form the tables found are in; a mix of both is reported, not guessed at. A sheet
    left as just its header (as the template writes it) does not decide the form."""
    filled = {n for n, v in raw.items() if not _blank(v[1])}
    if "plants" in filled or ("plants" in raw and "offers" not in filled):
        form = "stage"
    elif "offers" in raw:
        form = "single-stage"
    else:
        form = "stage"
    if "plants" in filled and "offers" in filled:
        problems.append(
            Problem(
                _expected_place(path, "offers"),
                "the dataset has both offers (single-stage form) and plants (stage form): keep one form",
            )
        )
    other = "single-stage" if form == "stage" else "stage"
    for name in FORM_TABLES[form][1]:
        if name in filled and not (name == "offers" and "plants" in filled):
            problems.append(
                Problem(
                    raw[name][0],
                    f"the {name} table belongs to the {other} form, but this dataset is in the {form} form: remove it or convert the dataset",
                )
            )
    return form


# --- reading -------------------------------------------------------------------------------


def _expected_place(path: Path, table: str) -> str:
    if path.suffix.lower() == ".xlsx":
        return f"{path.name}, sheet {table}"
    return str(path / f"{table}.csv") if path.is_dir() else f"{path.name}: {table}.csv"


def _read_tables(
    path: Path, problems: list[Problem]
) -> Iterator[tuple[str, tuple[str, pd.DataFrame | None]]]:
    """Yield (table, (where, all-text frame)) for each table found at `path`."""
    if not path.exists():
        raise InputError(
            Problem(
                str(path),
                "no such file or folder: give a folder of CSV files, a .zip of them or an .xlsx workbook",
            )
        )
    suffix = path.suffix.lower()
    if path.is_dir():
        for name in TABLES:
            file = path / f"{name}.csv"
            if file.exists():
                yield name, (str(file), _read_csv(file.read_bytes(), str(file), problems))
    elif suffix == ".zip":
        yield from _read_zip(path, problems)
    elif suffix in (".xlsx", ".xlsm"):
        yield from _read_workbook(path, problems)
    else:
        raise InputError(
            Problem(
                str(path),
                f"cannot read a '{suffix}' file: give a folder of CSV files, a .zip of them or an .xlsx workbook",
            )
        )


def _read_zip(
    path: Path, problems: list[Problem]
) -> Iterator[tuple[str, tuple[str, pd.DataFrame | None]]]:
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise InputError(
            Problem(path.name, "is not a readable zip archive: re-create it from the CSV files")
        ) from None
    with archive:
        members = {
            Path(n).name: n
            for n in archive.namelist()
            if n.lower().endswith(".csv") and not n.startswith("__MACOSX")
        }
        for name in TABLES:
            member = members.get(f"{name}.csv")
            if member is not None:
                where = f"{path.name}: {member}"
                yield name, (where, _read_csv(archive.read(member), where, problems))


def _read_csv(data: bytes, where: str, problems: list[Problem]) -> pd.DataFrame | None:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        problems.append(
            Problem(
                where,
                "is not UTF-8 text: save it as 'CSV UTF-8' and load it again",
                row=line,
                value=data[e.start : e.start + 4].hex(" "),
            )
        )
        return None
    if not text.strip():
        problems.append(Problem(where, "is empty: it needs a header row and at least one data row"))
        return None
    try:
        frame = pd.read_csv(
            io.StringIO(text), dtype=str, keep_default_na=False, skipinitialspace=True
        )
    except (pd.errors.ParserError, ValueError) as e:
        problems.append(
            Problem(
                where,
                f"is not valid CSV ({str(e).strip()}): check the quoting and the number of commas on each line",
            )
        )
        return None
    return frame


def _read_workbook(
    path: Path, problems: list[Problem]
) -> Iterator[tuple[str, tuple[str, pd.DataFrame | None]]]:
    try:
        sheets = pd.read_excel(
            path, sheet_name=None, dtype=str, keep_default_na=False, engine="openpyxl"
        )
    except Exception as e:  # openpyxl raises many types for a corrupt workbook
        raise InputError(
            Problem(
                path.name,
                f"is not a readable .xlsx workbook ({type(e).__name__}): re-save it from Excel as .xlsx",
            )
        ) from None
    for name in TABLES:
        if name in sheets:
            where, frame = f"{path.name}, sheet {name}", sheets[name]
            if frame.empty and len(frame.columns) == 0:
                problems.append(Problem(where, "is empty: it needs a header row"))
                frame = None
            yield name, (where, frame)


# --- per-table checks ----------------------------------------------------------------------


def _blank(frame: pd.DataFrame | None) -> bool:
    if frame is None:
        return False  # unreadable: reported already, and not a sign of either form
    return bool(frame.empty or (frame.map(lambda v: str(v).strip() == "")).all(axis=None))


def _typed(
    table: Table, where: str, text: pd.DataFrame, problems: list[Problem], form: str = "stage"
) -> pd.DataFrame:
    """Check columns and cell values of one table; return it with numbers parsed."""
    text = text.rename(columns=lambda c: str(c).strip())
    dupes = text.columns[text.columns.duplicated()].tolist()
    for c in dupes:
        problems.append(
            Problem(where, "the column appears twice in the header: keep one", row=1, column=c)
        )
    text = text.loc[:, ~text.columns.duplicated()]
    missing = [c.name for c in table.columns if c.name not in text.columns]
    for c in missing:
        problems.append(
            Problem(
                where,
                f"required column is missing from the header (expected columns: {', '.join(c.name for c in table.columns)})",
                row=1,
                column=c,
            )
        )
    # Whole-blank lines (common at the end of spreadsheet exports) carry no data.
    text = text[~(text.map(lambda v: str(v).strip() == "")).all(axis=1)]
    if text.empty and (table.required or table.name in FORM_TABLES[form][0]):
        problems.append(Problem(where, "has a header but no data rows"))
    out = text.map(lambda v: str(v).strip())
    for col in table.all_columns:
        if col.name in out.columns:
            out[col.name] = _check_column(col, out[col.name], where, problems)
    return out


def _check_column(col: Column, values: pd.Series, where: str, problems: list[Problem]) -> pd.Series:
    parsed = []
    for idx, v in values.items():
        row = int(idx) + 2  # header is row 1
        if v == "":
            if col.required and not col.blank_ok:
                problems.append(
                    Problem(
                        where,
                        f"is blank: {col.doc[0].lower() + col.doc[1:]}",
                        row=row,
                        column=col.name,
                    )
                )
            parsed.append(float("nan") if col.kind in ("number", "integer") else "")
            continue
        if col.kind in ("number", "integer"):
            try:
                x = float(v)
            except ValueError:
                problems.append(
                    Problem(
                        where,
                        "is not a number: write a plain number such as 1200 or 0.35 (no units, no thousands separators)",
                        row=row,
                        column=col.name,
                        value=v,
                    )
                )
                parsed.append(float("nan"))
                continue
            if x != x or x in (float("inf"), float("-inf")):
                problems.append(
                    Problem(where, "must be a finite number", row=row, column=col.name, value=v)
                )
            elif col.low is not None and x < col.low or col.high is not None and x > col.high:
                problems.append(
                    Problem(
                        where,
                        f"is out of range: expected {_range_text(col)}",
                        row=row,
                        column=col.name,
                        value=v,
                    )
                )
            parsed.append(x)
        else:
            if col.choices and v not in col.choices:
                problems.append(
                    Problem(
                        where,
                        f"expected one of {', '.join(col.choices)}",
                        row=row,
                        column=col.name,
                        value=v,
                    )
                )
            parsed.append(v)
    return pd.Series(
        parsed, index=values.index, dtype=float if col.kind in ("number", "integer") else object
    )


def _range_text(col: Column) -> str:
    if col.low is not None and col.high is not None:
        return f"a number from {col.low:g} to {col.high:g}"
    if col.low is not None:
        return f"a number >= {col.low:g}"
    return f"a number <= {col.high:g}"


# --- cross-table checks --------------------------------------------------------------------


def _check_references(
    frames: dict[str, pd.DataFrame], where: dict[str, str], problems: list[Problem]
) -> None:
    for name, frame in frames.items():
        key = list(TABLES[name].key)
        # one pass with a hash of the key: the first row of each key, then its repeats
        first_of: dict[tuple, int] = {}
        for idx, values in zip(
            frame.index, zip(*(frame[k] for k in key), strict=True), strict=True
        ):
            if values not in first_of:
                first_of[values] = idx
                continue
            first = first_of[values]
            shown = ", ".join(str(v) for v in values)
            problems.append(
                Problem(
                    where[name],
                    f"duplicates row {int(first) + 2} ({'/'.join(key)} must be unique): merge or delete one",
                    row=int(idx) + 2,
                    column=key[-1],
                    value=shown,
                )
            )

    elements = set(frames["elements"]["element"])
    suppliers = set(frames["suppliers"]["supplier"])

    def check(
        name: str, column: str, known: set[str], what: str, allow: tuple[str, ...] = ()
    ) -> None:
        if name not in frames:
            return
        for idx, v in frames[name][column].items():
            if v not in known and v not in allow:
                problems.append(
                    Problem(
                        where[name],
                        f"unknown {what}: add it to {what.split()[0]}s or fix the spelling",
                        row=int(idx) + 2,
                        column=column,
                        value=v,
                    )
                )

    check("scenarios", "supplier", suppliers, "supplier code")
    check("scenarios", "element", elements, "element symbol", allow=(ANY_ELEMENT,))
    _check_scenarios(frames, where, problems)
    if "offers" not in frames:
        plants = set(frames["plants"]["plant"])
        check("plants", "country", suppliers, "supplier code")
        check("capacity", "plant", plants, "plant id")
        check("capacity", "element", elements, "element symbol")
        check("feeds", "element", elements, "element symbol", allow=(ANY_ELEMENT,))
        check("demand", "element", elements, "element symbol")
        check("baseline_flows", "element", elements, "element symbol")
        check("baseline_flows", "from", plants, "plant id")
        check("baseline_flows", "to", plants, "plant id", allow=(KOREA,))
        for idx, v in frames["plants"]["plant"].items():
            if ":" in v or v == KOREA:
                problems.append(
                    Problem(
                        where["plants"],
                        "a plant id may not contain ':' or be 'korea' (feeds use STAGE:COUNTRY and korea for Korea): rename it",
                        row=int(idx) + 2,
                        column="plant",
                        value=v,
                    )
                )
        return

    offered = set(zip(frames["offers"]["supplier"], frames["offers"]["element"], strict=True))
    check("offers", "supplier", suppliers, "supplier code")
    check("offers", "element", elements, "element symbol")
    check("baseline", "supplier", suppliers, "supplier code")
    check("baseline", "element", elements, "element symbol")

    base = frames["baseline"]
    for idx, row in base.iterrows():
        if (
            row["supplier"] in suppliers
            and row["element"] in elements
            and (row["supplier"], row["element"]) not in offered
        ):
            problems.append(
                Problem(
                    where["baseline"],
                    f"{row['supplier']} has no offer for {row['element']} in offers: add an offers row so today's mix can be costed",
                    row=int(idx) + 2,
                    column="supplier",
                    value=row["supplier"],
                )
            )
    sums = base.groupby("element", sort=False)["share"].sum()
    for element, total in sums.items():
        if abs(total - 1) > SUM_TOLERANCE:
            first = int(base.index[base["element"] == element][0]) + 2
            problems.append(
                Problem(
                    where["baseline"],
                    f"shares for {element} sum to {total:.6g}, not 1: correct them so today's mix adds up to 100%",
                    row=first,
                    column="share",
                    value=element,
                )
            )
    demand = frames["elements"].set_index("element")["demand_t"]
    for element, d in demand.items():
        if d > 0 and element not in sums.index:
            problems.append(
                Problem(
                    where["baseline"],
                    f"{element} has demand but no baseline rows: add today's mix for it (shares summing to 1)",
                    column="element",
                    value=element,
                )
            )


def _check_scenarios(
    frames: dict[str, pd.DataFrame], where: dict[str, str], problems: list[Problem]
) -> None:
    if "scenarios" not in frames:
        return
    for name, group in frames["scenarios"].groupby("scenario", sort=False):
        if group["probability"].nunique() > 1:
            problems.append(
                Problem(
                    where["scenarios"],
                    f"scenario {name!r} has different probabilities on its rows: use one value",
                    row=int(group.index[1]) + 2,
                    column="probability",
                )
            )


CONSERVE_T = 1e-6  # tonnes: flows that balance to this are balanced
RELATIVE = 1e-6


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= CONSERVE_T + RELATIVE * max(abs(a), abs(b))


def _check_chain(
    frames: dict[str, pd.DataFrame], where: dict[str, str], problems: list[Problem]
) -> None:
    """The stage form's own rules: feed rules that open arcs, demand by form that adds up to
    each element's total, and today's flows that use existing arcs, balance at every plant,
    fit capacities and meet demand."""
    from .network.graph import build_network, feed_problems, node_problem

    elements = frames["elements"].set_index("element")
    plants = frames["plants"].set_index("plant")
    capacity = frames["capacity"]
    feeds = frames.get("feeds", _empty("feeds"))
    demand = _demand_frame(frames)
    countries = set(frames["suppliers"]["supplier"])
    scope = list(elements.index)
    bad_nodes = False
    for idx, row in feeds.iterrows():
        for col in ("from", "to"):
            why = node_problem(row[col], plants, countries)
            if why:
                bad_nodes = True
                problems.append(
                    Problem(where["feeds"], why, row=int(idx) + 2, column=col, value=row[col])
                )
        lo, hi = row.get("min_share", np.nan), row.get("max_share", np.nan)
        if pd.notna(lo) and pd.notna(hi) and lo > hi:
            problems.append(
                Problem(
                    where["feeds"],
                    f"min_share {lo:g} is above max_share {hi:g}: swap or correct them",
                    row=int(idx) + 2,
                    column="min_share",
                    value=lo,
                )
            )
    if bad_nodes:
        return
    problems.extend(feed_problems(plants, capacity, feeds, scope, where.get("feeds", "feeds")))
    if "demand" in frames:
        sums = frames["demand"].groupby("element")["demand_t"].sum()
        for e, total in elements["demand_t"].items():
            got = float(sums.get(e, 0.0))
            if not _close(got, float(total)):
                problems.append(
                    Problem(
                        where["demand"],
                        f"the forms of {e} add up to {got:,.6g} t but elements gives demand_t {total:,.6g} t: make them agree",
                        column="demand_t",
                        value=e,
                    )
                )

    flows = frames["baseline_flows"]
    operating = plants.index[plants["plant_status"] == "operating"]
    net = build_network(plants, capacity, feeds, demand, scope, operating)
    arcs = set(zip(net.arcs["element"], net.arcs["from"], net.arcs["to"], strict=True))
    w = where["baseline_flows"]
    for idx, row in flows.iterrows():
        key = (row["element"], row["from"], row["to"])
        if key in arcs:
            continue
        if plants.at[row["from"], "plant_status"] != "operating" or (
            row["to"] != KOREA and plants.at[row["to"], "plant_status"] != "operating"
        ):
            why = "today's flows may only use operating plants (plant_status)"
        elif row["to"] == KOREA:
            why = f"{row['from']} cannot deliver {row['element']} to Korea: it needs a capacity row for it and Korea must demand the form its stage makes"
        else:
            why = f"no feed rule lets {row['from']} feed {row['to']} with {row['element']}: add a feeds row or correct the flow"
        problems.append(
            Problem(w, why, row=int(idx) + 2, column="to", value=f"{row['from']} -> {row['to']}")
        )
    if problems:
        return
    first_row = {
        k: int(i) + 2
        for i, k in zip(
            flows.index, zip(flows["element"], flows["from"], strict=True), strict=False
        )
    }
    out = flows.groupby(["element", "from"])["tonnes"].sum()
    inn = flows[flows["to"] != KOREA].groupby(["element", "to"])["tonnes"].sum()
    cap = capacity.set_index(["plant", "element"])["capacity_t"]
    for (e, p), t in out.items():
        if (p, e) not in cap.index:
            continue
        if t > cap[p, e] + CONSERVE_T + RELATIVE * t:
            problems.append(
                Problem(
                    w,
                    f"{p} puts through {t:,.6g} t of {e} today, above its capacity_t of {cap[p, e]:,.6g} t: correct the flows or the capacity",
                    row=first_row.get((e, p)),
                    column="tonnes",
                    value=e,
                )
            )
    for key in set(out.index) | set(inn.index):
        e, p = key
        if (p, e) in net.origins:
            continue
        a, b = float(inn.get(key, 0.0)), float(out.get(key, 0.0))
        if not _close(a, b):
            problems.append(
                Problem(
                    w,
                    f"{p} receives {a:,.6g} t of {e} today but sends on {b:,.6g} t: a plant with feeds passes on what it receives",
                    row=first_row.get((e, p)),
                    column="tonnes",
                    value=e,
                )
            )
    delivered = (
        flows[flows["to"] == KOREA]
        .assign(
            form=lambda f: f["from"].map(plants["stage"]).map({v: k for k, v in FORM_STAGE.items()})
        )
        .groupby(["element", "form"])["tonnes"]
        .sum()
    )
    for e, form, d in zip(demand["element"], demand["form"], demand["demand_t"], strict=True):
        got = float(delivered.get((e, form), 0.0))
        if not _close(got, float(d)):
            problems.append(
                Problem(
                    w,
                    f"today's deliveries of {e} as {form} add up to {got:,.6g} t but demand is {d:,.6g} t: today's mix must meet demand",
                    column="tonnes",
                    value=f"{e} {form}",
                )
            )


def _empty(name: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            c.name: pd.Series(dtype=float if c.kind in ("number", "integer") else object)
            for c in TABLES[name].all_columns
        }
    )


def _demand_frame(frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Demand by element and form; without a demand table, each element's demand_t as oxide."""
    if "demand" in frames:
        return frames["demand"]
    el = frames["elements"]
    return pd.DataFrame(
        {
            "element": el["element"].to_numpy(),
            "form": "oxide",
            "demand_t": el["demand_t"].to_numpy(),
            "source": el["source"].to_numpy(),
            "status": el["status"].to_numpy(),
        }
    )


def _single_stage_as_network(frames: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Round one's form: each offer is a plant at the separation stage (named after its
    supplier) that delivers oxide to Korea, and today's shares are deliveries."""
    offers, base, el = frames["offers"], frames["baseline"], frames["elements"]
    su = frames["suppliers"].set_index("supplier")
    codes = list(dict.fromkeys(offers["supplier"]))
    plants = pd.DataFrame(
        {
            "plant": codes,
            "name": [su.at[c, "name"] for c in codes],
            "operator": "",
            "country": codes,
            "stage": "separation",
            "plant_status": "operating",
            "first_year": np.nan,
            "source": "single-stage offers",
            "status": [su.at[c, "status"] for c in codes],
        }
    )
    capacity = offers.rename(columns={"supplier": "plant"})
    demand_t = el.set_index("element")["demand_t"]
    flows = pd.DataFrame(
        {
            "element": base["element"].to_numpy(),
            "from": base["supplier"].to_numpy(),
            "to": KOREA,
            "tonnes": (base["share"] * base["element"].map(demand_t)).to_numpy(),
            "source": base.get("source", pd.Series("", index=base.index)).to_numpy(),
            "status": base.get("status", pd.Series("", index=base.index)).to_numpy(),
        }
    )
    return {"plants": plants, "capacity": capacity, "baseline_flows": flows}


def _assemble(frames: dict[str, pd.DataFrame], origin: str, form: str = "stage") -> Dataset:
    def reset(frame: pd.DataFrame) -> pd.DataFrame:
        return frame.reset_index(drop=True)

    chain = _single_stage_as_network(frames) if form == "single-stage" else frames
    meta = frames.get("meta")
    return Dataset(
        elements=reset(frames["elements"]).set_index("element"),
        suppliers=reset(frames["suppliers"]).set_index("supplier"),
        plants=reset(chain["plants"]).set_index("plant"),
        capacity=reset(chain["capacity"]),
        feeds=reset(frames["feeds"]) if "feeds" in frames else _empty("feeds"),
        demand=reset(_demand_frame(frames)),
        baseline_flows=reset(chain["baseline_flows"]),
        scenarios=reset(frames["scenarios"]) if "scenarios" in frames else _empty("scenarios"),
        meta=dict(zip(meta["key"], meta["value"], strict=True)) if meta is not None else {},
        origin=origin,
        form=form,
    )
