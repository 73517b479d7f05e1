"""Read a dataset (a folder of CSVs, a .zip of them, or one .xlsx) and validate all of it.

Every problem is collected and raised together in one InputError, each naming the file or sheet,
the row as the user sees it (header = row 1), the column, the bad value and what to do.
Nothing is silently coerced: a value that does not parse is reported, never dropped or clipped.

Hostile input is refused before it costs much: only regular files are opened (never a FIFO or
device), sizes, archive members, used ranges and rows are checked against optimizer.limits
before anything is decompressed or parsed, numbers follow one rule (limits.parse_number),
headers and codes are compared exactly, and control characters are refused.
"""

from __future__ import annotations

import csv
import hashlib
import io
import lzma
import os
import re
import stat
import unicodedata
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import pandas as pd

from .errors import InputError, Problem
from .limits import check_at_most, limit, over, parse_number
from .schema import ANY_ELEMENT, BUNDLED_DATA, FORM_STAGE, KOREA, STAGES, TABLES, Column, Table

SUM_TOLERANCE = 1e-6
MAX_RAMP_YEARS = 30  # the longest plan horizon (optimizer/plan.py MAX_YEARS)


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
    rules: pd.DataFrame | None = None  # trade rules in force: rule, supplier, element, stage, ...
    stockpile: pd.DataFrame | None = None  # index: element; days, holding_rate, refill_premium
    recovery: pd.DataFrame | None = None  # node, element, recovery_days: time to recover
    projects: pd.DataFrame | None = None  # the plan's pipeline (optimizer/pipeline.py)
    project_capacity: pd.DataFrame | None = None
    demand_growth: pd.DataFrame | None = None

    @cached_property
    def stock_days(self) -> pd.Series:
        """Days of each element's demand held in Korea's stock today (0 where the dataset says
        nothing: an unknown stock is not assumed)."""
        days = pd.Series(0.0, index=self.elements.index, name="days")
        if self.stockpile is not None and not self.stockpile.empty:
            days.update(self.stockpile["days"])
        return days

    def stock_column(self, column: str) -> pd.Series:
        """A stockpile column by element (NaN where not given)."""
        out = pd.Series(np.nan, index=self.elements.index, name=column)
        if self.stockpile is not None and column in self.stockpile.columns:
            out.update(self.stockpile[column])
        return out

    @cached_property
    def fingerprint(self) -> str:
        """sha256 of the content, the same whether it came from CSVs or a workbook."""
        h = hashlib.sha256()
        for name in FINGERPRINTED:
            frame = getattr(self, name)
            if frame is None:
                continue
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
    "rules", "stockpile", "recovery", "projects", "project_capacity", "demand_growth",
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

READ_HELP = "give a folder of CSV files, a .zip of them or an .xlsx workbook"


def _expected_place(path: Path, table: str) -> str:
    if path.suffix.lower() == ".xlsx":
        return f"{path.name}, sheet {table}"
    return str(path / f"{table}.csv") if path.is_dir() else f"{path.name}: {table}.csv"


def _read_tables(
    path: Path, problems: list[Problem]
) -> Iterator[tuple[str, tuple[str, pd.DataFrame | None]]]:
    """Yield (table, (where, all-text frame)) for each table found at `path`."""
    if not path.exists():
        raise InputError(Problem(str(path), f"no such file or folder: {READ_HELP}"))
    suffix = path.suffix.lower()
    if path.is_dir():
        yield from _read_folder(path, problems)
    elif suffix == ".zip":
        yield from _read_zip(path, problems)
    elif suffix in (".xlsx", ".xlsm"):
        yield from read_workbook(path, TABLES, problems).items()
    else:
        raise InputError(Problem(str(path), f"cannot read a '{suffix}' file: {READ_HELP}"))


def _read_folder(
    path: Path, problems: list[Problem]
) -> Iterator[tuple[str, tuple[str, pd.DataFrame | None]]]:
    try:
        names = {p.name for p in path.iterdir()}
    except OSError as e:
        raise InputError(Problem(str(path), f"cannot be listed ({e.strerror or e})")) from None
    for name in TABLES:
        wanted = f"{name}.csv"
        for other in sorted(n for n in names if n.lower() == wanted and n != wanted):
            problems.append(
                Problem(
                    str(path / other), f"table files are named in lower case: rename it {wanted}"
                )
            )
        if wanted in names:
            where = str(path / wanted)
            try:
                data = read_file(path / wanted, where)
            except InputError as e:
                problems.extend(e.problems)
                yield name, (where, None)
                continue
            yield name, (where, _read_csv(data, where, problems))


# What each kind of file that is not a regular file is called in a message.
_NOT_REGULAR = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def _regular(mode: int, where: str) -> None:
    for test, kind in _NOT_REGULAR:
        if test(mode):
            raise InputError(
                Problem(where, f"is {kind}, not a regular file: give a file saved on disk")
            )
    if not stat.S_ISREG(mode):
        raise InputError(Problem(where, "is not a regular file: give a file saved on disk"))


def open_regular(path: Path, where: str | None = None) -> BinaryIO:
    """Open a regular file for reading, refusing folders, FIFOs, devices (also behind a
    symlink, e.g. to /dev/zero) and files above the size limit, without blocking on a FIFO."""
    where = where or str(path)
    try:
        _regular(path.stat().st_mode, where)  # stat follows symlinks; nothing is opened yet
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as e:
        raise InputError(
            Problem(where, f"cannot be read ({e.strerror or e}): check the path")
        ) from None
    handle = os.fdopen(fd, "rb")
    try:
        info = os.fstat(handle.fileno())  # the file opened, should it have been swapped
        _regular(info.st_mode, where)
        check_at_most(info.st_size, "REE_SOURCING_MAX_FILE_BYTES", where, "bytes", verb="has")
    except BaseException:
        handle.close()
        raise
    return handle


def read_file(
    path: Path, where: str | None = None, limit_name: str = "REE_SOURCING_MAX_FILE_BYTES"
) -> bytes:
    """The bytes of a regular file within the size limit `limit_name` (see open_regular)."""
    where = where or str(path)
    with open_regular(path, where) as handle:
        top = limit(limit_name)
        data = handle.read(top + 1)  # a file that grew after the check is cut off here
    check_at_most(len(data), limit_name, where, "bytes", verb="has")
    return data


# Compression methods zipfile reads; others (Deflate64 from Windows Explorer for big files,
# PPMd, ...) are reported by name.
_ZIP_METHODS = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA}
_ZIP_METHOD_NAMES = {9: "Deflate64", 98: "PPMd", 95: "XZ", 93: "Zstandard", 99: "AES encryption"}
# What zipfile and its decompressors raise on a damaged member.
_ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, lzma.LZMAError, OSError, ValueError)


def _open_zip(handle: BinaryIO, where: str, kind: str) -> zipfile.ZipFile:
    """A zip archive whose declared size and member count are within the limits: checked on
    the central directory, before anything is decompressed."""
    try:
        archive = zipfile.ZipFile(handle)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        handle.close()
        raise InputError(Problem(where, f"is not a readable {kind}: re-create it")) from None
    infos = archive.infolist()
    problem = over(len(infos), "REE_SOURCING_MAX_ZIP_MEMBERS", where, "files", verb="holds")
    problem = problem or over(
        sum(i.file_size for i in infos),
        "REE_SOURCING_MAX_ZIP_BYTES",
        where,
        "bytes uncompressed",
        verb="declares",
    )
    if problem:
        archive.close()
        handle.close()
        raise InputError(problem)
    return archive


def _zip_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, where: str, budget: int) -> bytes:
    """One member's bytes, reading at most `budget` (a member may claim less than it holds)."""
    if info.flag_bits & 0x1:
        raise InputError(
            Problem(where, "is encrypted: the archive must not have a password; re-create it")
        )
    if info.compress_type not in _ZIP_METHODS:
        method = _ZIP_METHOD_NAMES.get(info.compress_type, f"method {info.compress_type}")
        raise InputError(
            Problem(
                where,
                f"is compressed with {method}, which cannot be read: re-create the archive with ordinary (Deflate) compression",
            )
        )
    try:
        with archive.open(info) as member:
            data = member.read(budget + 1)
    except _ZIP_ERRORS as e:
        why = "its checksum does not match (bad CRC)" if "CRC" in str(e) else "it is damaged"
        raise InputError(Problem(where, f"cannot be read: {why}; re-create the archive")) from None
    if len(data) > budget:  # what the members read so far and this one add up to
        top = limit("REE_SOURCING_MAX_ZIP_BYTES")
        raise InputError(
            Problem(
                where,
                f"expands the archive past {top:,} bytes uncompressed: check it is the right input, or raise the limit with the environment variable REE_SOURCING_MAX_ZIP_BYTES",
            )
        )
    return data


def _read_zip(
    path: Path, problems: list[Problem]
) -> Iterator[tuple[str, tuple[str, pd.DataFrame | None]]]:
    handle = open_regular(path, path.name)
    with handle, _open_zip(handle, path.name, "zip archive") as archive:
        tables: dict[str, list[zipfile.ZipInfo]] = {}
        for info in archive.infolist():
            name = info.filename
            base = name.replace("\\", "/").rsplit("/", 1)[-1]
            if info.is_dir() or name.startswith("__MACOSX") or not base.lower().endswith(".csv"):
                continue
            table = base[: -len(".csv")]
            if table.lower() in TABLES and table not in TABLES:
                problems.append(
                    Problem(
                        f"{path.name}: {name}",
                        f"table files are named in lower case: rename it {table.lower()}.csv",
                    )
                )
            elif table in TABLES:
                tables.setdefault(table, []).append(info)
        budget = limit("REE_SOURCING_MAX_ZIP_BYTES")
        for name in TABLES:
            found = tables.get(name, [])
            if len(found) > 1:
                problems.append(
                    Problem(
                        path.name,
                        f"holds {len(found)} files named {name}.csv ({', '.join(i.filename for i in found)}): keep one",
                    )
                )
                yield name, (f"{path.name}: {name}.csv", None)
                continue
            if not found:
                continue
            where = f"{path.name}: {found[0].filename}"
            try:
                data = _zip_member(archive, found[0], where, budget)
            except InputError as e:
                problems.extend(e.problems)
                yield name, (where, None)
                continue
            budget -= len(data)
            yield name, (where, _read_csv(data, where, problems))


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
        # the header as written: pandas renames a repeated column ('share' -> 'share.1')
        header = next(csv.reader(io.StringIO(text), skipinitialspace=True))
        frame = pd.read_csv(
            io.StringIO(text), dtype=str, keep_default_na=False, skipinitialspace=True
        )
    except (pd.errors.ParserError, ValueError, csv.Error, StopIteration) as e:
        problems.append(
            Problem(
                where,
                f"is not valid CSV ({str(e).strip()}): check the quoting and the number of commas on each line",
            )
        )
        return None
    if len(header) == len(frame.columns):
        frame.columns = [h if h.strip() else c for h, c in zip(header, frame.columns, strict=True)]
    return _within_size(frame.fillna(""), where, problems)


def _within_size(frame: pd.DataFrame, where: str, problems: list[Problem]) -> pd.DataFrame | None:
    problem = over(len(frame), "REE_SOURCING_MAX_ROWS", where, "rows", verb="has")
    problem = problem or over(
        len(frame.columns), "REE_SOURCING_MAX_COLUMNS", where, "columns", verb="has"
    )
    if problem:
        problems.append(problem)
        return None
    return frame


def read_workbook(
    path: Path, wanted: Iterable[str] | None, problems: list[Problem]
) -> dict[str, tuple[str, pd.DataFrame | None]]:
    """The wanted sheets (None: all) of an .xlsx workbook as all-text frames,
    {sheet: (where, frame)}.

    The workbook is a zip: its declared size is checked before anything is decompressed, each
    sheet's used range (its dimension) before its rows are read, and rows are counted as they
    are read, so a bomb or a stray cell at row 1,048,576 is refused in well under a second."""
    from openpyxl import load_workbook

    handle = open_regular(path, path.name)
    _open_zip(handle, path.name, ".xlsx workbook").close()
    handle.seek(0)
    try:
        book = load_workbook(handle, read_only=True, data_only=True)
    except Exception as e:  # openpyxl raises many types for a corrupt workbook
        handle.close()
        raise InputError(
            Problem(
                path.name,
                f"is not a readable .xlsx workbook ({type(e).__name__}): re-save it from Excel as .xlsx",
            )
        ) from None
    wanted = list(book.sheetnames if wanted is None else wanted)
    out: dict[str, tuple[str, pd.DataFrame | None]] = {}
    try:
        for name in wanted:
            if name in book.sheetnames:
                where = f"{path.name}, sheet {name}"
                out[name] = (where, _read_sheet(book[name], where, problems))
    except Exception as e:  # a sheet whose XML is damaged fails while its rows are read
        if isinstance(e, InputError):
            raise
        raise InputError(
            Problem(
                path.name,
                f"is not a readable .xlsx workbook ({type(e).__name__}): re-save it from Excel as .xlsx",
            )
        ) from None
    finally:
        book.close()
        handle.close()
    return out


def _read_sheet(sheet: Any, where: str, problems: list[Problem]) -> pd.DataFrame | None:
    max_rows, max_columns = limit("REE_SOURCING_MAX_ROWS"), limit("REE_SOURCING_MAX_COLUMNS")
    used_rows, used_columns = sheet.max_row or 0, sheet.max_column or 0  # the sheet's dimension
    if used_rows > max_rows + 1 or used_columns > max_columns:
        problems.append(
            Problem(
                where,
                f"has a used range of {used_rows:,} rows and {used_columns:,} columns, above the limit of {max_rows:,} rows (REE_SOURCING_MAX_ROWS) and {max_columns:,} columns (REE_SOURCING_MAX_COLUMNS): delete stray cells below or right of the table, or raise the limits with those environment variables",
            )
        )
        return None
    rows = []
    for row in sheet.iter_rows(values_only=True, max_col=max_columns):
        rows.append([_cell_text(v) for v in row])
        if len(rows) > max_rows + 1:  # the dimension understated the sheet
            problems.append(
                over(len(rows) - 1, "REE_SOURCING_MAX_ROWS", where, "rows", verb="has more than")
            )
            return None
    while rows and not any(rows[-1]):
        rows.pop()
    if not rows:
        problems.append(Problem(where, "is empty: it needs a header row"))
        return None
    width = max(len(r) - next((i for i, v in enumerate(reversed(r)) if v), len(r)) for r in rows)
    header = [
        v if v.strip() else f"Unnamed: {i}" for i, v in enumerate((rows[0] + [""] * width)[:width])
    ]
    body = [(r + [""] * width)[:width] for r in rows[1:]]
    return (
        pd.DataFrame(body, columns=header, dtype=object) if body else pd.DataFrame(columns=header)
    )


def _cell_text(value: Any) -> str:
    """A cell as the text a CSV would hold: whole floats without '.0', as pandas writes them."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# --- per-table checks ----------------------------------------------------------------------

# Columns holding codes that other tables refer to: compared exactly, so an invisible
# character (a non-breaking space from a web page, a zero-width space) is reported, not kept.
IDENTIFIERS = ("element", "supplier", "plant", "country", "from", "to", "scenario", "key")
# Characters an .xlsx cell cannot hold and no table needs (tab and line breaks are allowed).
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _invisible(text: str) -> str | None:
    """The first character of an identifier that would make it differ from its look-alike:
    any whitespace but an ordinary space, and format characters such as U+200B or U+FEFF."""
    for ch in text:
        if ch != " " and (ch.isspace() or unicodedata.category(ch) in ("Cf", "Cc", "Zs")):
            return ch
    return None


def _blank(frame: pd.DataFrame | None) -> bool:
    if frame is None:
        return False  # unreadable: reported already, and not a sign of either form
    return not any(
        str(v).strip()
        for c in range(frame.shape[1])
        for v in frame.iloc[:, c].to_numpy(dtype=object)
    )


def _headers(table: Table, where: str, text: pd.DataFrame, problems: list[Problem]) -> list[str]:
    """The header as column names, reporting names that are an expected column but for case or
    surrounding spaces ('Demand_t', 'demand_t '), and names that appear twice."""
    expected = {c.name.casefold(): c.name for c in table.all_columns}
    names = []
    for raw in map(str, text.columns):
        name = raw.strip()
        meant = expected.get(name.casefold())
        if meant is not None and raw != meant:
            problems.append(
                Problem(
                    where,
                    f"is meant as the column {meant!r}: write it exactly so (headers are compared exactly, without spaces around or capitals)",
                    row=1,
                    column=raw,
                )
            )
            name = meant
        names.append(name)
    seen: set[str] = set()
    for name in names:
        if name in seen:
            problems.append(
                Problem(
                    where, "the column appears twice in the header: keep one", row=1, column=name
                )
            )
        seen.add(name)
    return names


def _typed(
    table: Table, where: str, text: pd.DataFrame, problems: list[Problem], form: str = "stage"
) -> pd.DataFrame:
    """Check columns and cell values of one table; return it with numbers parsed."""
    text = text.set_axis(_headers(table, where, text, problems), axis=1)
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
    # Plain lists of str: iterating pandas' Arrow-backed strings cell by cell is slow.
    cells = {c: [str(v) for v in text[c].to_numpy(dtype=object)] for c in text.columns}
    # Whole-blank lines (common at the end of spreadsheet exports) carry no data.
    keep = [any(cells[c][i].strip() for c in cells) for i in range(len(text))]
    index = [idx for idx, k in zip(text.index, keep, strict=True) if k]
    cells = {c: [v for v, k in zip(vals, keep, strict=True) if k] for c, vals in cells.items()}
    if not index and (table.required or table.name in FORM_TABLES[form][0]):
        problems.append(Problem(where, "has a header but no data rows"))
    for c, values in cells.items():
        _check_characters(index, values, where, str(c), problems)
    # ordinary spaces around a value are formatting
    cells = {c: [v.strip(" ") for v in values] for c, values in cells.items()}
    for col in table.all_columns:
        if col.name in cells:
            cells[col.name] = _check_column(col, index, cells[col.name], where, problems)
    out = pd.DataFrame(cells, index=pd.Index(index, dtype=text.index.dtype), columns=text.columns)
    for col in table.all_columns:  # schema columns: floats, or plain objects as before
        if col.name in out.columns:
            numeric = col.kind in ("number", "integer")
            out[col.name] = pd.Series(
                cells[col.name], index=out.index, dtype=float if numeric else object
            )
    return out


def _check_characters(
    index: list, values: list[str], where: str, column: str, problems: list[Problem]
) -> None:
    """Control characters anywhere, and invisible characters in codes, are reported."""
    identifier = column in IDENTIFIERS
    for idx, v in zip(index, values, strict=True):
        bad = CONTROL.search(v)
        if bad:
            problems.append(
                Problem(
                    where,
                    f"contains the control character U+{ord(bad.group()):04X}: remove it",
                    row=int(idx) + 2,
                    column=column,
                    value=v,
                )
            )
            continue
        ch = _invisible(v) if identifier and (not v.isascii() or "\t" in v) else None
        if ch is not None:
            problems.append(
                Problem(
                    where,
                    f"contains an invisible or non-breaking space character (U+{ord(ch):04X}): retype the code; codes are compared exactly",
                    row=int(idx) + 2,
                    column=column,
                    value=v,
                )
            )


def _check_column(
    col: Column, index: list, values: list[str], where: str, problems: list[Problem]
) -> list:
    """Parse one column's cells (numbers by the one rule, choices checked), reporting each."""
    parsed = []
    for idx, v in zip(index, values, strict=True):
        row = int(idx) + 2  # header is row 1
        if v.strip() == "":
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
                x = parse_number(v)
            except ValueError as e:
                problems.append(Problem(where, str(e), row=row, column=col.name, value=v))
                parsed.append(float("nan"))
                continue
            if col.low is not None and x < col.low or col.high is not None and x > col.high:
                problems.append(
                    Problem(
                        where,
                        f"is out of range: expected {_range_text(col)}",
                        row=row,
                        column=col.name,
                        value=v,
                    )
                )
            elif col.kind == "integer" and not x.is_integer():
                problems.append(
                    Problem(where, "must be a whole number", row=row, column=col.name, value=v)
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
    return parsed


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

    for name, column, what in (
        ("elements", "element", "element symbols"),
        ("suppliers", "supplier", "supplier codes"),
        ("plants", "plant", "plant ids"),
    ):
        if name in frames:
            _check_twins(frames[name][column], where[name], column, what, problems)

    elements = set(frames["elements"]["element"])
    suppliers = set(frames["suppliers"]["supplier"])

    def check(
        name: str, column: str, known: set[str], what: str, allow: tuple[str, ...] = ()
    ) -> None:
        if name not in frames:
            return
        near = {_fold(v): v for v in known}
        for idx, v in frames[name][column].items():
            if v not in known and v not in allow:
                hint = near.get(_fold(v))
                fix = (
                    f"did you mean {hint!r}? codes are compared exactly"
                    if hint is not None
                    else f"add it to {what.split()[0]}s or fix the spelling"
                )
                problems.append(
                    Problem(
                        where[name],
                        f"unknown {what}: {fix}",
                        row=int(idx) + 2,
                        column=column,
                        value=v,
                    )
                )

    check("scenarios", "supplier", suppliers, "supplier code")
    check("scenarios", "element", elements, "element symbol", allow=(ANY_ELEMENT,))
    check("rules", "supplier", suppliers, "supplier code")
    check("rules", "element", elements, "element symbol", allow=(ANY_ELEMENT,))
    check("stockpile", "element", elements, "element symbol")
    check("recovery", "element", elements, "element symbol", allow=(ANY_ELEMENT,))
    check("projects", "country", suppliers, "supplier code")
    check("project_capacity", "element", elements, "element symbol")
    check("demand_growth", "element", elements, "element symbol")
    if "projects" in frames:
        check("project_capacity", "project", set(frames["projects"]["project"]), "project id")
        _check_projects(frames, where, problems)
    _check_recovery_nodes(frames, where, problems)
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
    for idx, row in _rows(base):
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


def _check_recovery_nodes(
    frames: dict[str, pd.DataFrame], where: dict[str, str], problems: list[Problem]
) -> None:
    """A recovery row names a plant, a supplier (the country as a whole), STAGE:COUNTRY or
    STAGE:*; anything else would silently never match a node of the exposure table."""
    if "recovery" not in frames:
        return
    suppliers = set(frames["suppliers"]["supplier"])
    # a single-stage dataset's plants are named after its suppliers
    plants = set(frames["plants"]["plant"]) if "plants" in frames else suppliers
    near = {_fold(v): v for v in plants | suppliers}
    for idx, node in frames["recovery"]["node"].items():
        stage, colon, code = node.partition(":")
        if not colon:
            if node in plants or node in suppliers:
                continue
            hint = near.get(_fold(node))
            message = (
                f"unknown node: did you mean {hint!r}? codes are compared exactly"
                if hint is not None
                else "unknown node: give a plant id from plants, a supplier code from suppliers, STAGE:COUNTRY or STAGE:*"
            )
        elif stage not in STAGES:
            message = f"unknown stage {stage!r} before the ':': use {', '.join(STAGES)}"
        elif code != "*" and code not in suppliers:
            message = (
                f"unknown supplier code {code!r} after the ':': use a code from suppliers or *"
            )
        else:
            continue
        problems.append(
            Problem(where["recovery"], message, row=int(idx) + 2, column="node", value=node)
        )


def _fold(code: str) -> str:
    """What two codes share when they differ only by case or spacing."""
    return "".join(unicodedata.normalize("NFKC", code).split()).casefold()


def _check_twins(
    values: pd.Series, where: str, column: str, what: str, problems: list[Problem]
) -> None:
    """Codes that differ only by case or spaces ('CHN', 'chn') are two different codes to the
    model, and almost always one meant twice: reported, not merged."""
    first: dict[str, str] = {}
    for idx, v in values.items():
        twin = first.setdefault(_fold(v), v)
        if twin != v:
            problems.append(
                Problem(
                    where,
                    f"differs from {twin!r} only by case or spaces: {what} are compared exactly, so these are two; merge them or rename one",
                    row=int(idx) + 2,
                    column=column,
                    value=v,
                )
            )


def _check_scenarios(
    frames: dict[str, pd.DataFrame], where: dict[str, str], problems: list[Problem]
) -> None:
    """One probability and one duration range per event, with low <= typical <= high. Events
    are independent (optimizer/uncertainty.py), so their probabilities need not add up to 1."""
    if "scenarios" not in frames:
        return
    sc = frames["scenarios"]
    per_event = ["probability", "duration_days", "duration_low_days", "duration_high_days"]
    for name, group in sc.groupby("scenario", sort=False):
        for col in [c for c in per_event if c in group.columns]:
            if group[col].nunique(dropna=False) > 1:
                problems.append(
                    Problem(
                        where["scenarios"],
                        f"scenario {name!r} has different {col} values on its rows: use one value",
                        row=int(group.index[1]) + 2,
                        column=col,
                    )
                )
        row = group.iloc[0]
        typical = row.get("duration_days", np.nan)
        typical = 365.0 if pd.isna(typical) else typical
        low, high = row.get("duration_low_days", np.nan), row.get("duration_high_days", np.nan)
        for col, bad, text in (
            ("duration_low_days", not pd.isna(low) and low > typical, "above the typical duration"),
            (
                "duration_high_days",
                not pd.isna(high) and high < typical,
                "below the typical duration",
            ),
        ):
            if bad:
                problems.append(
                    Problem(
                        where["scenarios"],
                        f"scenario {name!r}: {col} is {text} ({typical:g} days): make low <= duration_days <= high",
                        row=int(group.index[0]) + 2,
                        column=col,
                    )
                )


def _check_projects(
    frames: dict[str, pd.DataFrame], where: dict[str, str], problems: list[Problem]
) -> None:
    """Every project has capacity, and a ramp of shares in (0, 1] that never falls."""
    projects = frames["projects"]
    has = set(frames["project_capacity"]["project"]) if "project_capacity" in frames else set()
    for idx, row in _rows(projects):
        at = {"row": int(idx) + 2, "value": row["project"]}
        if row["project"] not in has:
            problems.append(
                Problem(
                    where["projects"],
                    "the project has no capacity: add its rows to project_capacity (t REO a year by element)",
                    column="project",
                    **at,
                )
            )
        try:
            ramp = [parse_number(x) for x in str(row["ramp"]).split(";")]
        except ValueError:
            ramp = []
        if len(ramp) > MAX_RAMP_YEARS:
            problems.append(
                Problem(
                    where["projects"],
                    f"ramp has {len(ramp)} years, longer than any plan's horizon ({MAX_RAMP_YEARS} years): a plant this slow is a data error; shorten it",
                    column="ramp",
                    **at,
                )
            )
        elif not ramp or any(not 0 < r <= 1 for r in ramp) or ramp != sorted(ramp):
            problems.append(
                Problem(
                    where["projects"],
                    f"ramp {row['ramp']!r} is not shares of nameplate by year: write rising shares in (0, 1] separated by ';', e.g. 0.3;0.7;1",
                    column="ramp",
                    **at,
                )
            )


def _rows(frame: pd.DataFrame) -> Iterator[tuple[Any, dict[str, Any]]]:
    """(index, row as a dict): iterrows builds a Series per row, ten times slower."""
    return zip(frame.index, frame.to_dict("records"), strict=True)


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
    for idx, row in _rows(feeds):
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
    for idx, row in _rows(flows):
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
        rules=reset(frames["rules"]) if "rules" in frames else _empty("rules"),
        stockpile=reset(frames["stockpile"]).set_index("element")
        if "stockpile" in frames
        else None,
        recovery=reset(frames["recovery"]) if "recovery" in frames else _empty("recovery"),
        projects=reset(frames["projects"]) if "projects" in frames else _empty("projects"),
        project_capacity=(
            reset(frames["project_capacity"])
            if "project_capacity" in frames
            else _empty("project_capacity")
        ),
        demand_growth=(
            reset(frames["demand_growth"]) if "demand_growth" in frames else _empty("demand_growth")
        ),
        meta=dict(zip(meta["key"], meta["value"], strict=True)) if meta is not None else {},
        origin=origin,
        form=form,
    )
