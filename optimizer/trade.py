"""Customs extracts -> Korea's imports by element, form and partner (`ree-sourcing import-trade`).

Three kinds of file are read, told apart by their header:

- UN Comtrade CSV: refYear, reporterISO, partnerISO, flowCode, cmdCode, netWgt (kg),
  primaryValue (USD). Rows with Korea (KOR) as reporter and flowCode M are kept; exports,
  re-imports, other reporters, the World partner (W00) and breakdown rows (motCode, customsCode,
  partner2Code other than their totals) are counted and skipped.
- CEPII BACI: t, i (exporter), j (importer), k (HS6), v (thousand USD), q (tonnes), with numeric
  country codes; rows with Korea (410) as importer are kept, exporters are named through
  data/country_codes.csv (a code not in it is kept as N<code> and listed).
- A plain table for Korea Customs Service or KITA extracts: year, partner (ISO3, or ROW for a
  rest-of-world remainder), hs_code (6 to 10 digits; dots and dashes are ignored), kg, usd; optional
  months (a part-year figure is annualised by 12 / months), source and status.

Each HS code is turned into t REO per element and form with data/hs_codes.csv (editable): the
longest code in it that begins the row's code wins, so a Korean 10-digit code added there takes
precedence over its 6-digit heading. A code with no match is listed in unknown_codes.csv and in
the summary, never dropped silently. Tonnes and USD are both kept. Every bad row is reported at
once as a Problem (file, row, column), like a dataset problem.

Outputs (in the --out folder): demand.csv (t REO imported by year, element and form),
import_shares.csv (today's shares by year, element, form and partner: what a baseline is built
from) and unknown_codes.csv. Imports are not net of re-exports or stock changes: they measure
what crosses Korea's border, in the form it crosses it.
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .errors import InputError, Problem
from .schema import BUNDLED_DATA

HS_CODES = BUNDLED_DATA / "hs_codes.csv"
COUNTRY_CODES = BUNDLED_DATA / "country_codes.csv"
KOREA, KOREA_NUMERIC = "KOR", "410"
REST_OF_WORLD = "ROW"
FORMS = ("oxide", "metal", "magnet")
STATUSES = ("confirmed", "estimate")

COMTRADE = ("refYear", "reporterISO", "partnerISO", "flowCode", "cmdCode", "netWgt", "primaryValue")
BACI = ("t", "i", "j", "k", "v", "q")
PLAIN = ("year", "partner", "hs_code", "kg", "usd")
HS_COLUMNS = ("hs_code", "element", "form", "reo_kg_per_kg", "source", "status")
# Comtrade breakdown columns and the value that marks the total (other values double count).
COMTRADE_TOTALS = {"motCode": ("0",), "customsCode": ("C00",), "partner2Code": ("0",)}
MISSING = ("", "NA", "N/A", "NAN", "NULL")

DEMAND_COLUMNS = ("year", "element", "form", "demand_t", "goods_t", "usd", "partners", "rows", "basis", "source", "status")  # fmt: skip
SHARE_COLUMNS = ("year", "element", "form", "partner", "tonnes_reo", "goods_t", "usd", "share", "share_basis", "share_t", "share_usd", "rows", "source", "status")  # fmt: skip
UNKNOWN_COLUMNS = ("hs_code", "rows", "goods_t", "usd", "files")
OUTPUTS = ("demand.csv", "import_shares.csv", "unknown_codes.csv")
_ISO3 = re.compile(r"^[A-Z]{3}$")


@dataclass(frozen=True)
class Line:
    """One import row, in common units: kg and USD for a whole year (after annualising)."""

    file: str
    row: int
    fmt: str
    year: int
    partner: str
    hs_code: str
    kg: float | None
    usd: float | None
    status: str = "confirmed"


@dataclass(frozen=True)
class Content:
    """One row of hs_codes: kg REO of `element` per kg of goods declared under `hs_code`."""

    hs_code: str
    element: str
    form: str
    reo_kg_per_kg: float
    status: str


@dataclass
class TradeSummary:
    """What import_trade read, skipped and wrote."""

    files: dict[str, str] = field(default_factory=dict)  # file -> format
    lines: int = 0  # import rows kept
    skipped: dict[str, int] = field(default_factory=dict)  # reason -> rows
    years: list[int] = field(default_factory=list)
    unknown_codes: list[dict] = field(default_factory=list)
    unknown_partners: list[str] = field(default_factory=list)
    demand: list[dict] = field(default_factory=list)
    shares: list[dict] = field(default_factory=list)
    written: list[Path] = field(default_factory=list)


# --- reading -------------------------------------------------------------------------------


def _rows(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:
            reader = csv.DictReader(f)
            return [c.strip() for c in reader.fieldnames or []], [
                {(k or "").strip(): (v or "").strip() for k, v in r.items()} for r in reader
            ]
    except (OSError, UnicodeDecodeError) as e:
        raise InputError(Problem(str(path), f"cannot be read ({e})")) from None


def detect_format(columns: Iterable[str]) -> str | None:
    """'comtrade', 'baci' or 'plain' from a header, or None."""
    have = set(columns)
    for name, need in (("comtrade", COMTRADE), ("baci", BACI), ("plain", PLAIN)):
        if have.issuperset(need):
            return name
    return None


class _Checker:
    """Collects problems in one file while values are parsed."""

    def __init__(self, where: str, problems: list[Problem]):
        self.where, self.problems = where, problems

    def bad(self, row: int, column: str, value: str, message: str) -> None:
        self.problems.append(Problem(self.where, message, row=row, column=column, value=value))

    def number(self, row: int, column: str, text: str, scale: float = 1.0) -> float | None:
        if text.upper() in MISSING:
            return None
        try:
            value = float(text.replace(",", ""))
        except ValueError:
            self.bad(row, column, text, "is not a number")
            return None
        if value < 0 or value != value or value in (float("inf"), float("-inf")):
            self.bad(row, column, text, "must be a number of at least 0")
            return None
        return value * scale

    def integer(self, row: int, column: str, text: str, low: int, high: int) -> int | None:
        try:
            value = int(float(text))
            if value != float(text):
                raise ValueError
        except ValueError:
            self.bad(row, column, text, f"must be a whole number from {low} to {high}")
            return None
        if not low <= value <= high:
            self.bad(row, column, text, f"must be a whole number from {low} to {high}")
            return None
        return value

    def hs_code(self, row: int, column: str, text: str, pad: bool = False) -> str | None:
        code = re.sub(r"[\s.\-]", "", text)
        if pad and code.isdigit() and len(code) == 5:
            code = "0" + code  # BACI stores k as a number: 10121 is 010121
        if not code.isdigit() or not 6 <= len(code) <= 10:
            self.bad(
                row,
                column,
                text,
                "must be an HS code of 6 to 10 digits (e.g. 284690 or 2846.90-1000)",
            )
            return None
        return code


def read_lines(
    path: Path, country_codes: dict[str, str], problems: list[Problem], summary: TradeSummary
) -> list[Line]:
    """The import rows of one file, with every problem added to `problems`."""
    where = str(path)
    columns, rows = _rows(path)
    fmt = detect_format(columns)
    if fmt is None:
        problems.append(
            Problem(
                where,
                "is not a customs extract this tool reads: give a UN Comtrade CSV ("
                + ", ".join(COMTRADE)
                + "), a CEPII BACI file ("
                + ", ".join(BACI)
                + ") or a plain table ("
                + ", ".join(PLAIN)
                + ")",
                value=", ".join(columns) or "no header",
            )
        )
        return []
    summary.files[where] = fmt
    check = _Checker(where, problems)
    skipped = summary.skipped
    out: list[Line] = []

    def skip(reason: str) -> None:
        skipped[reason] = skipped.get(reason, 0) + 1

    for n, r in enumerate(rows, start=2):
        if not any(r.values()):
            continue
        if fmt == "comtrade":
            if r["reporterISO"] != KOREA:
                skip("Comtrade: reporter is not Korea")
                continue
            flow = r["flowCode"].upper()
            if flow != "M":
                if not flow:
                    check.bad(
                        n, "flowCode", r["flowCode"], "is blank: M for imports, X for exports"
                    )
                else:
                    skip(f"Comtrade: flowCode {flow} (only M, imports, is read)")
                continue
            if r["partnerISO"].upper() in ("W00", "WLD"):
                skip("Comtrade: World partner (a total of the other rows)")
                continue
            if any(c in r and r[c] not in ("", *tot) for c, tot in COMTRADE_TOTALS.items()):
                skip(
                    "Comtrade: breakdown row (mode of transport, customs procedure or second partner)"
                )
                continue
            year = check.integer(n, "refYear", r["refYear"], 1988, 2100)
            partner = r["partnerISO"].upper()
            if not _ISO3.match(partner):
                check.bad(
                    n, "partnerISO", r["partnerISO"], "must be an ISO3 country code such as CHN"
                )
            code = check.hs_code(n, "cmdCode", r["cmdCode"])
            kg = check.number(n, "netWgt", r["netWgt"])
            usd = check.number(n, "primaryValue", r["primaryValue"])
            months, status = 12, "confirmed"
            kg_col, usd_col = "netWgt", "primaryValue"
        elif fmt == "baci":
            if r["j"].lstrip("0") != KOREA_NUMERIC:
                skip("BACI: importer is not Korea (410)")
                continue
            year = check.integer(n, "t", r["t"], 1988, 2100)
            num = r["i"].lstrip("0")
            if not num.isdigit():
                check.bad(n, "i", r["i"], "must be a numeric country code (BACI's i)")
                partner = ""
            else:
                partner = country_codes.get(num, f"N{num}")
                if num not in country_codes and partner not in summary.unknown_partners:
                    summary.unknown_partners.append(partner)
            code = check.hs_code(n, "k", r["k"], pad=True)
            kg = check.number(n, "q", r["q"], 1000.0)  # tonnes
            usd = check.number(n, "v", r["v"], 1000.0)  # thousand USD
            months, status = 12, "confirmed"
            kg_col, usd_col = "q", "v"
        else:
            year = check.integer(n, "year", r["year"], 1988, 2100)
            partner = r["partner"].upper()
            if not _ISO3.match(partner):
                check.bad(
                    n,
                    "partner",
                    r["partner"],
                    "must be an ISO3 country code such as CHN, or ROW for the rest of the world",
                )
            code = check.hs_code(n, "hs_code", r["hs_code"])
            kg = check.number(n, "kg", r["kg"])
            usd = check.number(n, "usd", r["usd"])
            months = 12
            if r.get("months", ""):
                months = check.integer(n, "months", r["months"], 1, 12) or 12
            status = r.get("status", "") or "confirmed"
            if status not in STATUSES:
                check.bad(n, "status", status, "must be confirmed or estimate")
            kg_col, usd_col = "kg", "usd"
        if r[kg_col].upper() in MISSING and r[usd_col].upper() in MISSING:
            check.bad(
                n, kg_col, r[kg_col], f"both {kg_col} and {usd_col} are blank: give either or both"
            )
        if year is None or code is None or not partner or (kg is None and usd is None):
            continue
        scale = 12 / months
        out.append(
            Line(
                where,
                n,
                fmt,
                year,
                partner,
                code,
                None if kg is None else kg * scale,
                None if usd is None else usd * scale,
                status,
            )
        )
    if not out and not any(p.where == where for p in problems):
        problems.append(
            Problem(
                where,
                f"has no import rows for Korea ({fmt} format): check the reporter, importer and flow columns",
            )
        )
    summary.lines += len(out)
    return out


def read_country_codes(path: Path = COUNTRY_CODES) -> dict[str, str]:
    """ISO/BACI numeric code (no leading zeros) -> ISO3."""
    columns, rows = _rows(path)
    problems = []
    if not {"numeric", "iso3"} <= set(columns):
        raise InputError(
            Problem(str(path), "needs the columns numeric and iso3", value=", ".join(columns))
        )
    out = {}
    for n, r in enumerate(rows, start=2):
        num = r["numeric"].lstrip("0")
        if not num.isdigit():
            problems.append(
                Problem(str(path), "must be a numeric country code", n, "numeric", r["numeric"])
            )
        elif not _ISO3.match(r["iso3"]):
            problems.append(Problem(str(path), "must be an ISO3 code", n, "iso3", r["iso3"]))
        else:
            out[num] = r["iso3"]
    if problems:
        raise InputError(problems)
    return out


def read_hs_codes(path: Path = HS_CODES) -> dict[str, list[Content]]:
    """hs_code -> its element rows, checked like a dataset table."""
    columns, rows = _rows(path)
    where = str(path)
    missing = [c for c in HS_COLUMNS if c not in columns]
    if missing:
        raise InputError(Problem(where, "is missing columns: " + ", ".join(missing)))
    check, problems = _Checker(where, []), []
    check.problems = problems
    out: dict[str, list[Content]] = defaultdict(list)
    seen = set()
    for n, r in enumerate(rows, start=2):
        code = check.hs_code(n, "hs_code", r["hs_code"])
        content = check.number(n, "reo_kg_per_kg", r["reo_kg_per_kg"])
        if r["reo_kg_per_kg"] == "":
            check.bad(n, "reo_kg_per_kg", "", "is blank: kg REO of the element per kg of goods")
        elif content is not None and content > 1.5:
            check.bad(
                n,
                "reo_kg_per_kg",
                r["reo_kg_per_kg"],
                "is kg REO per kg of goods: at most 1.5 (a pure metal's oxide factor)",
            )
        if r["form"] not in FORMS:
            check.bad(n, "form", r["form"], "must be oxide, metal or magnet")
        if r["status"] not in STATUSES:
            check.bad(n, "status", r["status"], "must be confirmed or estimate")
        if not r["element"]:
            check.bad(n, "element", "", "is blank: an element symbol such as Nd")
        if not r["source"]:
            check.bad(n, "source", "", "is blank: say where the content comes from")
        if (code, r["element"]) in seen:
            check.bad(n, "element", r["element"], f"appears twice for {code}")
        seen.add((code, r["element"]))
        if code and content is not None and r["form"] in FORMS and r["element"]:
            out[code].append(Content(code, r["element"], r["form"], content, r["status"]))
    if problems:
        raise InputError(problems)
    return dict(out)


def match_code(code: str, table: dict[str, list[Content]]) -> str | None:
    """The longest code in the table that begins `code` (10-digit lines before 6-digit headings)."""
    for n in range(len(code), 5, -1):
        if code[:n] in table:
            return code[:n]
    return None


# --- aggregating ---------------------------------------------------------------------------


def _r(x: float | None, nd: int = 4) -> float | None:
    return None if x is None else round(x, nd)


def aggregate(
    lines: list[Line], table: dict[str, list[Content]], sources: str
) -> tuple[list[dict], list[dict], list[dict]]:
    """(demand rows, share rows, unknown-code rows) from the import lines."""
    cells: dict[tuple, dict] = {}  # (year, element, form, partner) -> sums
    unknown: dict[str, dict] = {}
    for ln in lines:
        key = match_code(ln.hs_code, table)
        if key is None:
            u = unknown.setdefault(
                ln.hs_code, {"rows": 0, "goods_t": 0.0, "usd": 0.0, "files": set()}
            )
            u["rows"] += 1
            u["goods_t"] += (ln.kg or 0) / 1000
            u["usd"] += ln.usd or 0
            u["files"].add(Path(ln.file).name)
            continue
        for c in table[key]:
            cell = cells.setdefault(
                (ln.year, c.element, c.form, ln.partner),
                {
                    "t": 0.0,
                    "goods": 0.0,
                    "usd": 0.0,
                    "no_kg": 0,
                    "no_usd": 0,
                    "rows": 0,
                    "estimate": False,
                },
            )
            cell["rows"] += 1
            cell["estimate"] |= c.status == "estimate" or ln.status == "estimate"
            if ln.kg is None:
                cell["no_kg"] += 1
            else:
                cell["t"] += ln.kg / 1000 * c.reo_kg_per_kg
                cell["goods"] += ln.kg / 1000
            if ln.usd is None:
                cell["no_usd"] += 1
            else:
                cell["usd"] += ln.usd

    groups: dict[tuple, list[tuple[str, dict]]] = defaultdict(list)
    for (year, element, form, partner), cell in sorted(cells.items()):
        groups[(year, element, form)].append((partner, cell))
    demand, shares = [], []
    for (year, element, form), members in groups.items():
        mass_known = all(c["no_kg"] == 0 for _, c in members)
        value_known = all(c["no_usd"] == 0 for _, c in members)
        t_total = sum(c["t"] for _, c in members)
        usd_total = sum(c["usd"] for _, c in members)
        estimate = any(c["estimate"] for _, c in members)
        status = "estimate" if estimate or not mass_known else "confirmed"
        rows = sum(c["rows"] for _, c in members)
        for partner, c in members:
            share_t = c["t"] / t_total if mass_known and t_total > 0 else None
            share_usd = c["usd"] / usd_total if value_known and usd_total > 0 else None
            share, basis = (share_t, "mass") if share_t is not None else (share_usd, "value")
            shares.append(
                {
                    "year": year,
                    "element": element,
                    "form": form,
                    "partner": partner,
                    "tonnes_reo": _r(c["t"]) if c["no_kg"] == 0 else None,
                    "goods_t": _r(c["goods"]) if c["no_kg"] == 0 else None,
                    "usd": _r(c["usd"], 2) if c["no_usd"] == 0 else None,
                    "share": _r(share, 6),
                    "share_basis": basis if share is not None else "",
                    "share_t": _r(share_t, 6),
                    "share_usd": _r(share_usd, 6),
                    "rows": c["rows"],
                    "source": sources,
                    "status": status,
                }
            )
        demand.append(
            {
                "year": year,
                "element": element,
                "form": form,
                "demand_t": _r(t_total) if mass_known else None,
                "goods_t": _r(sum(c["goods"] for _, c in members)) if mass_known else None,
                "usd": _r(usd_total, 2) if value_known else None,
                "partners": len(members),
                "rows": rows,
                "basis": (
                    "imports in t REO (kg x data/hs_codes.csv content), not net of re-exports or stock changes"
                    if mass_known
                    else "value only: some rows give no kg, so t REO cannot be derived; shares are by value"
                ),
                "source": sources,
                "status": status,
            }
        )
    unknown_rows = [
        {
            "hs_code": code,
            "rows": u["rows"],
            "goods_t": _r(u["goods_t"]),
            "usd": _r(u["usd"], 2),
            "files": ";".join(sorted(u["files"])),
        }
        for code, u in sorted(unknown.items())
    ]
    return demand, shares, unknown_rows


# --- the API -------------------------------------------------------------------------------


def import_trade(
    paths: Sequence[str | Path],
    out_dir: str | Path | None,
    *,
    hs_codes: str | Path = HS_CODES,
    country_codes: str | Path = COUNTRY_CODES,
    year: int | None = None,
    force: bool = True,
) -> TradeSummary:
    """Read customs extracts and write demand.csv, import_shares.csv and unknown_codes.csv into
    `out_dir` (None: write nothing). Raises InputError with every problem in every file."""
    table = read_hs_codes(Path(hs_codes))
    codes = read_country_codes(Path(country_codes))
    summary = TradeSummary()
    problems: list[Problem] = []
    lines: list[Line] = []
    if not paths:
        raise InputError(Problem("import-trade", "give at least one customs extract"))
    for p in paths:
        path = Path(p)
        if not path.is_file():
            problems.append(Problem(str(path), "not found: give a CSV file"))
            continue
        lines += read_lines(path, codes, problems, summary)
    if problems:
        raise InputError(problems)
    if year is not None:
        kept = [ln for ln in lines if ln.year == year]
        if not kept:
            raise InputError(Problem("--year", f"no import rows for {year}", value=year))
        summary.skipped[f"year other than {year}"] = len(lines) - len(kept)
        lines = kept
    summary.years = sorted({ln.year for ln in lines})
    names = ", ".join(f"{Path(f).name} ({fmt})" for f, fmt in summary.files.items())
    sources = f"import-trade: {names}; REO content: {Path(hs_codes).name}"
    summary.demand, summary.shares, summary.unknown_codes = aggregate(lines, table, sources)
    if out_dir is not None:
        summary.written = write_outputs(summary, Path(out_dir), force=force)
    return summary


def write_outputs(summary: TradeSummary, out_dir: Path, force: bool = True) -> list[Path]:
    from .export import FORMULA_START, writable

    targets = [out_dir / name for name in OUTPUTS]
    if not force:
        exists = [
            Problem(str(t), "exists already: choose a new folder, or pass --force to overwrite it")
            for t in targets
            if t.exists()
        ]
        if exists:
            raise InputError(exists)
    tables = (
        (DEMAND_COLUMNS, summary.demand),
        (SHARE_COLUMNS, summary.shares),
        (UNKNOWN_COLUMNS, summary.unknown_codes),
    )

    def cell(v):
        if v is None:
            return ""
        if isinstance(v, str) and v.startswith(FORMULA_START):
            return "'" + v  # shown as text in a spreadsheet, never run as a formula
        return v

    for target, (columns, rows) in zip(targets, tables, strict=True):
        with writable(target), open(target, "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(columns)
            for r in rows:
                w.writerow([cell(r.get(c)) for c in columns])
    return targets


# --- the command line ----------------------------------------------------------------------


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Add `import-trade` to the `ree-sourcing` subcommands."""
    p = subparsers.add_parser(
        "import-trade",
        help="Korea's imports by element, form and partner from customs extracts",
        description="Read UN Comtrade, CEPII BACI or plain (year, partner, hs_code, kg, usd) "
        "extracts of Korea's imports and write demand.csv (t REO by element and form), "
        "import_shares.csv (shares by partner) and unknown_codes.csv into a folder. HS codes are "
        "converted to rare-earth content with data/hs_codes.csv (edit it, or pass --hs-codes).",
    )
    p.add_argument("files", nargs="+", metavar="FILE", help="customs extracts (.csv)")
    p.add_argument("--out", required=True, metavar="DIR", help="folder for the three tables")
    p.add_argument(
        "--hs-codes",
        default=str(HS_CODES),
        metavar="FILE",
        help="HS code -> element, form and REO content (default: the bundled table)",
    )
    p.add_argument(
        "--country-codes",
        default=str(COUNTRY_CODES),
        metavar="FILE",
        help="numeric -> ISO3 country codes for BACI (default: the bundled table)",
    )
    p.add_argument("--year", type=int, metavar="YEAR", help="keep only this year")
    p.add_argument("--force", action="store_true", help="overwrite output files that already exist")
    return p


def run(args: argparse.Namespace) -> int:
    """`ree-sourcing import-trade`: 0 on success, 2 with every problem on stderr."""
    try:
        s = import_trade(
            args.files,
            args.out,
            hs_codes=args.hs_codes,
            country_codes=args.country_codes,
            year=args.year,
            force=args.force,
        )
    except InputError as e:
        for p in e.problems:
            print(f"error: {p}", file=sys.stderr)
        return 2
    lines = [
        f"read         {len(s.files)} file(s), {s.lines} import rows ("
        + ", ".join(sorted(set(s.files.values())))
        + ")",
        "years        " + ", ".join(map(str, s.years)),
    ]
    for reason, n in sorted(s.skipped.items()):
        lines.append(f"skipped      {n} rows: {reason}")
    for year in s.years:
        got = [d for d in s.demand if d["year"] == year]
        t = sum(d["demand_t"] or 0 for d in got)
        blank = [f"{d['element']} {d['form']}" for d in got if d["demand_t"] is None]
        lines.append(f"demand {year}  {t:,.1f} t REO in {len(got) - len(blank)} element-form rows")
        if blank:
            lines.append(f"value only   {len(blank)} rows give USD but no kg: " + ", ".join(blank))
    if s.unknown_codes:
        lines.append(
            "unknown      HS codes not in the hs_codes table (listed in unknown_codes.csv): "
            + ", ".join(u["hs_code"] for u in s.unknown_codes)
        )
    if s.unknown_partners:
        lines.append("unknown      country codes kept as N<code>: " + ", ".join(s.unknown_partners))
    lines.append("wrote        " + ", ".join(str(p) for p in s.written))
    print("\n".join(lines))
    return 0
