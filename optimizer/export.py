"""Writers for solutions and frontiers, a reader for allocation files, and the run bundle.

Everything an analyst exports carries what is needed to reproduce it: the resolved policy, the
dataset's origin and sha256 fingerprint, its as-of date, how much of it is estimated, and the
package versions. Library code: it never prints; a path it cannot use raises InputError.
"""

from __future__ import annotations

import json
import math
import re
import shlex
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .dataset import Dataset, read_file, read_workbook
from .dataset import _read_csv as _read_table_csv
from .errors import InputError, Problem
from .limits import check_at_most, parse_number
from .policy import Policy
from .schema import KOREA, MAX_TONNES
from .versions import package_versions

if TYPE_CHECKING:  # solution and frontier import PuLP: not needed to validate a dataset
    from .frontier import Frontier
    from .solution import Solution

FLOW_COLUMNS = ("element", "from_plant", "to_plant", "tonnes")  # what a flows file must have
SINGLE_STAGE_MIX = ("element", "supplier", "tonnes")  # round one's allocation files
FORMATS = (".csv", ".json", ".xlsx")
ALLOCATION_SHEETS = (
    "allocation",
    "flows",
    "baseline_flows",
    "summary",
    "elements",
    "stages",
    "stock",
    "shadow_prices",
    "shortfalls",
    "exposure",
    "policy",
    "provenance",
)
# Per element and stage, today's value against the optimized one.
STAGE_METRICS = ("china_share", "hhi", "max_share", "top3_share", "wgi_hhi", "forge_share")
# Per-element metrics shown side by side, today's mix against the optimized one.
METRICS = (
    "supplied_t",
    "unmet_t",
    "hhi",
    "wgi_hhi",
    "max_share",
    "top3_share",
    "china_share",
    "forge_share",
    "cost_usd",
)
STATUS_TABLES = (
    "elements", "suppliers", "plants", "capacity", "feeds", "demand", "baseline_flows", "scenarios",
)  # fmt: skip


# --- formats and paths ---------------------------------------------------------------------


def output_format(path: str | Path, allowed: tuple[str, ...] = FORMATS, what: str = "file") -> str:
    """The lower-case extension of `path`, or InputError saying which extensions work."""
    suffix = Path(path).suffix.lower()
    if suffix not in allowed:
        shown = f"a '{suffix}' file" if suffix else "a file without an extension"
        names = " or ".join(", ".join(allowed).rsplit(", ", 1))
        raise InputError(Problem(str(path), f"cannot write the {what} to {shown}: name it {names}"))
    return suffix


@contextmanager
def writable(path: Path) -> Iterator[Path]:
    """Create the parent folder; turn an unwritable path into a message, not a traceback."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        yield path
    except OSError as e:
        raise InputError(
            Problem(
                str(path),
                f"cannot be written ({e.__class__.__name__}: {e.strerror or e}): choose a folder you can write to and close the file if it is open in Excel",
            )
        ) from None


# --- safe cells ------------------------------------------------------------------------------

# A text cell a spreadsheet would run as a formula (OWASP's list): quoted, so it shows as text.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # not allowed in .xlsx cells


def safe_cells(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy whose text cells cannot run as formulas in Excel or LibreOffice (a leading ' is
    added), carry no control characters and end lines with \\n only; numbers stay numbers.
    Column names are text too."""
    out = frame.copy()
    out.columns = [_safe_text(c) for c in out.columns]
    for i in range(out.shape[1]):  # by position: names may repeat
        col = out.iloc[:, i]
        if col.dtype == object or pd.api.types.is_string_dtype(col):
            out.iloc[:, i] = col.map(_safe_text)
    return out


def _safe_text(v: Any) -> Any:
    if not isinstance(v, str):
        return v
    v = _CONTROL.sub("", v)
    v = "'" + v if v.startswith(FORMULA_START) else v
    # a lone carriage return is not quoted by the CSV writer and would split the row
    return v.replace("\r\n", "\n").replace("\r", "\n")


def _csv(frame: pd.DataFrame, path: Path) -> None:
    safe_cells(frame).to_csv(path, index=False)


def _sheet(frame: pd.DataFrame, xl: pd.ExcelWriter, **kwargs: Any) -> None:
    safe_cells(frame).to_excel(xl, index=False, **kwargs)


# --- plain data ----------------------------------------------------------------------------


def plain(value: Any) -> Any:
    """JSON-safe data: numpy scalars to Python, NaN and infinities to None, tuples to lists."""
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [plain(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is pd.NA or value is pd.NaT:
        return None
    return value


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """A frame as a list of JSON-safe row dicts."""
    return [plain(r) for r in frame.astype(object).to_dict("records")]


def to_json(data: Any) -> str:
    """Strict JSON (no NaN), keys in the order given, indented for people."""
    return json.dumps(plain(data), indent=2, sort_keys=False, allow_nan=False) + "\n"


def policy_yaml(policy: Policy) -> str:
    """The resolved policy as YAML, loadable with `--policy` / load_policy."""
    return policy.to_yaml()


# --- tables for reports --------------------------------------------------------------------


def element_comparison(solution: Solution, columns: tuple[str, ...] = METRICS) -> pd.DataFrame:
    """Per element, each metric for today's mix and the optimized one side by side, plus a
    final 'portfolio' row of the weighted values (summed for tonnes and costs)."""
    base, opt = solution.baseline_metrics, solution.metrics
    out = pd.DataFrame({"element": list(opt.index), "demand_t": opt["demand_t"].to_numpy()})
    portfolio = {"element": "portfolio", "demand_t": solution.portfolio.get("demand_t")}
    for m in columns:
        out[f"{m}_baseline"] = base[m].reindex(opt.index).to_numpy()
        out[f"{m}_optimized"] = opt[m].to_numpy()
        total = m.endswith("_t")  # tonnes add up; shares and indices are weighted
        portfolio[f"{m}_baseline"] = (
            float(base[m].sum()) if total else solution.baseline_portfolio.get(m)
        )
        portfolio[f"{m}_optimized"] = float(opt[m].sum()) if total else solution.portfolio.get(m)
    return pd.concat([out, pd.DataFrame([portfolio])], ignore_index=True)


def stage_comparison(solution: Solution, columns: tuple[str, ...] = STAGE_METRICS) -> pd.DataFrame:
    """Per element and stage, each measure today and optimized; then one 'portfolio' row per
    stage, weighted over the elements whose chain has that stage."""
    base, opt = solution.baseline_stage_metrics, solution.stage_metrics
    out = opt.index.to_frame(index=False)
    for m in columns:
        out[f"{m}_baseline"] = base[m].reindex(opt.index).to_numpy()
        out[f"{m}_optimized"] = opt[m].to_numpy()
    pb, po = solution.stage_portfolio("baseline"), solution.stage_portfolio("optimized")
    port = pd.DataFrame({"element": "portfolio", "stage": list(po.index)})
    for m in columns:
        port[f"{m}_baseline"] = pb[m].reindex(po.index).to_numpy()
        port[f"{m}_optimized"] = po[m].to_numpy()
    return pd.concat([out, port], ignore_index=True)


def write_plan(plan: Any, path: str | Path) -> Path:
    """A plan: .xlsx (a sheet per table), .json (every table) or .csv (the projects)."""
    s = plan.settings
    summary = pd.DataFrame(
        [
            ("status", plan.status), ("years", f"{s.first_year}-{s.last_year}"),
            ("objective", s.objective), ("target_year", s.target),
            ("total_cost_usd", plan.total_cost_usd), ("loan_budget_usd", s.loan_budget_usd),
            ("coverage", s.coverage), ("mip_gap", plan.mip_gap), ("seconds", plan.seconds),
        ],
        columns=["field", "value"],
    )  # fmt: skip
    tables = {
        "projects": plan.projects, "summary": summary, "tranches": plan.tranches,
        "loans": plan.loans, "costs": plan.costs, "targets": plan.targets, "met_in": plan.met_in,
        "why": pd.DataFrame({"explanation": plan.explanations}), "mix": plan.shares,
        "flows": plan.flows, "stock": plan.stock,
        "marginal": plan.marginal.drop(columns="china_share_moves", errors="ignore"),
        "left_out": plan.left_out.drop(columns="why", errors="ignore"),
    }  # fmt: skip
    return write_tables(tables, path, what="plan")


def stock_table(solution: Solution) -> pd.DataFrame:
    """Korea's stock per element in the optimized plan: days held and, where the objective
    models the stockpile, what the sizing decision bought and its yearly holding cost."""
    if len(solution.stock):
        return solution.stock.reset_index()
    days = solution.stock_days
    return pd.DataFrame({"element": days.index, "days": days.to_numpy()})


def summary_rows(solution: Solution) -> pd.DataFrame:
    """The scalar results and portfolio metrics as field / optimized / baseline rows."""
    base = solution.baseline_portfolio
    rows = [
        ("status", solution.status, None),
        ("objective", solution.policy.objective, None),
        ("objective_value", solution.objective_value, solution.baseline_objective_value),
        ("total_cost_usd", solution.total_cost_usd, base.get("cost_usd")),
        ("sourcing_cost_usd", solution.sourcing_cost_usd, base.get("cost_usd")),
        ("stock_cost_usd", solution.stock_cost_usd, 0.0),
        ("least_cost_usd", solution.least_cost_usd, None),
        ("budget_usd", solution.budget_usd, None),
        ("cut_rounds", solution.cut_rounds, None),
        ("solver_seconds", solution.seconds, None),
    ]
    rows += [(f"portfolio.{k}", v, base.get(k)) for k, v in solution.portfolio.items()]
    (stage, china), (base_stage, base_china) = (
        solution.worst_stage(),
        solution.worst_stage("baseline"),
    )
    rows += [("worst_stage", stage, base_stage), ("worst_stage.china_share", china, base_china)]
    return pd.DataFrame(rows, columns=["field", "optimized", "baseline"])


def _flatten(data: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    for k, v in data.items():
        key = f"{prefix}{k}"
        if isinstance(v, Mapping) and v:
            yield from _flatten(v, key + ".")
        elif isinstance(v, Mapping):
            yield key, None
        elif isinstance(v, list | tuple):
            yield key, ", ".join(map(str, v))
        else:
            yield key, v


def policy_rows(policy: Policy) -> pd.DataFrame:
    """The resolved policy as setting/value rows, then its YAML text in one cell."""
    rows = list(_flatten(policy.to_dict()))
    rows.append(("policy.yaml", policy_yaml(policy)))
    return pd.DataFrame(rows, columns=["setting", "value"])


def data_status(dataset: Dataset) -> pd.DataFrame:
    """Per table: rows, how many are confirmed or estimates, and how many distinct sources."""
    out = []
    for name in STATUS_TABLES:
        frame = getattr(dataset, name)
        status = frame["status"] if "status" in frame else pd.Series("", index=frame.index)
        sources = frame["source"] if "source" in frame else pd.Series("", index=frame.index)
        status = status.fillna("").astype(str)
        out.append(
            {
                "table": name,
                "rows": len(frame),
                "confirmed": int((status == "confirmed").sum()),
                "estimate": int((status == "estimate").sum()),
                "no_status": int((~status.isin(["confirmed", "estimate"])).sum()),
                "sources": int(
                    sources.fillna("").astype(str).str.strip().replace("", pd.NA).nunique()
                ),
            }
        )
    return pd.DataFrame(out)


def data_sources(dataset: Dataset) -> pd.DataFrame:
    """Every distinct source per table with its status and the number of rows citing it."""
    parts = []
    for name in STATUS_TABLES:
        frame = getattr(dataset, name)
        if "source" not in frame or frame.empty:
            continue
        status = frame["status"] if "status" in frame else pd.Series("", index=frame.index)
        part = pd.DataFrame(
            {
                "table": name,
                "source": frame["source"].fillna("").astype(str).to_numpy(),
                "status": status.fillna("").astype(str).to_numpy(),
            }
        )
        parts.append(part.groupby(["table", "source", "status"], sort=False).size())
    if not parts:
        return pd.DataFrame(columns=["table", "source", "status", "rows"])
    return pd.concat(parts).rename("rows").reset_index()


def provenance_rows(dataset: Dataset) -> pd.DataFrame:
    """Where the data came from and what ran it, as key/value rows."""
    rows = [
        ("dataset.origin", dataset.origin),
        ("dataset.sha256", dataset.fingerprint),
        ("dataset.as_of", dataset.as_of),
    ]
    rows += [(f"dataset.meta.{k}", v) for k, v in dataset.meta.items() if k != "as_of"]
    rows += [(f"version.{k}", v) for k, v in package_versions().items()]
    return pd.DataFrame(rows, columns=["key", "value"])


# --- writers -------------------------------------------------------------------------------


def write_allocation(solution: Solution, path: str | Path) -> Path:
    """The optimized allocation: .csv (the table), .json (summary, allocation and flows records)
    or .xlsx (allocation, flows, today's flows, summary, elements, stages, shadow prices,
    shortfalls, exposure, policy and provenance sheets)."""
    path = Path(path)
    suffix = output_format(path, what="allocation")
    from .solution import ALLOCATION_COLUMNS

    alloc = solution.allocation.loc[:, list(ALLOCATION_COLUMNS)]
    with writable(path):
        if suffix == ".csv":
            _csv(alloc, path)
        elif suffix == ".json":
            body = {**solution.summary(), "allocation": records(alloc)}
            body["flows"] = records(solution.flows)
            path.write_text(to_json(body), encoding="utf-8")
        else:
            _allocation_workbook(solution, alloc, path)
    return path


def write_flows(solution: Solution, path: str | Path, view: str = "optimized") -> Path:
    """Every flow of the optimized mix (or today's, view 'baseline') as CSV, in the columns
    element, from_plant, from_country, from_stage, to_plant, to_country, to_stage, tonnes."""
    path = Path(path)
    output_format(path, (".csv",), what="flows")
    flows = solution.flows if view == "optimized" else solution.baseline_flows
    with writable(path):
        from .solution import FLOW_EXPORT_COLUMNS

        _csv(flows.loc[:, FLOW_EXPORT_COLUMNS], path)
    return path


def _allocation_workbook(solution: Solution, alloc: pd.DataFrame, path: Path) -> None:
    ds = solution.dataset
    with pd.ExcelWriter(path, engine="openpyxl") as xl:
        _sheet(alloc, xl, sheet_name="allocation")
        _sheet(solution.flows, xl, sheet_name="flows")
        _sheet(solution.baseline_flows, xl, sheet_name="baseline_flows")
        _sheet(summary_rows(solution), xl, sheet_name="summary")
        _sheet(element_comparison(solution), xl, sheet_name="elements")
        _sheet(stage_comparison(solution), xl, sheet_name="stages")
        _sheet(stock_table(solution), xl, sheet_name="stock")
        _sheet(solution.shadow_prices, xl, sheet_name="shadow_prices")
        _sheet(solution.shortfalls, xl, sheet_name="shortfalls")
        from .exposure import of_solution  # builds an LP: only for the workbook

        _sheet(of_solution(solution), xl, sheet_name="exposure")
        _sheet(policy_rows(solution.policy), xl, sheet_name="policy")
        # One sheet, three blocks: key/value facts, status per table, the distinct sources.
        facts, status, sources = provenance_rows(ds), data_status(ds), data_sources(ds)
        _sheet(facts, xl, sheet_name="provenance")
        row = len(facts) + 2
        _sheet(status, xl, sheet_name="provenance", startrow=row)
        row += len(status) + 2
        _sheet(sources, xl, sheet_name="provenance", startrow=row)


def write_summary(solution: Solution, path: str | Path) -> Path:
    """solution.summary() as strict JSON (NaN written as null)."""
    path = Path(path)
    with writable(path):
        path.write_text(to_json(solution.summary()), encoding="utf-8")
    return path


def write_tables(tables: Mapping[str, pd.DataFrame], path: str | Path, what: str = "table") -> Path:
    """Named tables: .csv (the first one), .json ({name: records}) or .xlsx (a sheet each)."""
    path = Path(path)
    suffix = output_format(path, what=what)
    with writable(path):
        if suffix == ".csv":
            _csv(next(iter(tables.values())), path)
        elif suffix == ".json":
            path.write_text(
                to_json({name: records(t) for name, t in tables.items()}), encoding="utf-8"
            )
        else:
            with pd.ExcelWriter(path, engine="openpyxl") as xl:
                for name, t in tables.items():
                    _sheet(t, xl, sheet_name=name[:31])
    return path


def write_frontier(front: Frontier, path: str | Path) -> Path:
    """The frontier: .csv (points), .json (points and mixes) or .xlsx (points and mixes sheets)."""
    return write_tables({"points": front.points, "mixes": front.mixes}, path, what="frontier")


def write_comparison(solution: Solution, path: str | Path) -> Path:
    """Today's mix against the optimized one per element (element_comparison) as CSV."""
    path = Path(path)
    output_format(path, (".csv",), what="comparison")
    with writable(path):
        _csv(element_comparison(solution), path)
    return path


def run_bundle(solution: Solution, folder: str | Path) -> Path:
    """A folder that reproduces the run: allocation.csv, flows.csv, summary.json, policy.yaml,
    README.txt."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise InputError(Problem(str(folder), "is a file: give a folder for the run bundle"))
    write_allocation(solution, folder / "allocation.csv")
    write_flows(solution, folder / "flows.csv")
    write_summary(solution, folder / "summary.json")
    with writable(folder / "policy.yaml") as p:
        p.write_text(policy_yaml(solution.policy), encoding="utf-8")
    with writable(folder / "README.txt") as p:
        p.write_text(_readme(solution), encoding="utf-8")
    return folder


def _readme(solution: Solution) -> str:
    ds = solution.dataset
    versions = ", ".join(f"{k} {v}" for k, v in package_versions().items())
    origin = Path(ds.origin)
    origin = origin.resolve() if origin.exists() else origin  # the bundle may be moved
    command = (
        f"ree-sourcing solve --data {shlex.quote(str(origin))} --policy policy.yaml "
        "--out allocation.csv"
    )
    return "\n".join(
        [
            "Rare-earth sourcing run",
            "=======================",
            "",
            "allocation.csv  the optimized mix by plant: element, form, stage, plant, country,",
            "                tonnes, share, cost_usd_kg, cost_usd",
            "flows.csv       every flow: element, from_plant, from_country, from_stage, to_plant,",
            "                to_country, to_stage, tonnes (deliveries go to korea)",
            "summary.json    status, costs, risk metrics (optimized and today's), shortfalls,",
            "                shadow prices, the policy, the dataset fingerprint and versions",
            "policy.yaml     the resolved policy of this run",
            "",
            "To reproduce, run in this folder:",
            "",
            f"    {command}",
            "",
            f"Status: {solution.status}; objective {solution.policy.objective} = {solution.objective_value:.6g}.",
            f"Dataset: {ds.origin}",
            f"  sha256 {ds.fingerprint}",
            f"  as of {ds.as_of}",
            "The result is the same only if the dataset's sha256 matches ('ree-sourcing validate'",
            "prints it) and the packages are the same versions:",
            f"  {versions}",
            "",
        ]
    )


# --- reader --------------------------------------------------------------------------------


def read_flows(path: str | Path, dataset: Dataset) -> pd.DataFrame:
    """A flows file written by `solve --flows` (or a user's own, with at least element,
    from_plant, to_plant, tonnes; .csv, .json or .xlsx), as element, from, to, tonnes. For a
    single-stage dataset an allocation with element, supplier, tonnes works too: each row is a
    delivery from that supplier. Plants are checked against the dataset."""
    path = Path(path)
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        raise InputError(
            Problem(
                str(path),
                f"cannot read flows from a '{suffix}' file: give a .csv, .json or .xlsx file",
            )
        )
    if not path.exists():
        raise InputError(Problem(str(path), "no such file: check the path"))
    if suffix == ".csv":
        text, where, rows = _read_csv(path)
    elif suffix == ".json":
        text, where, rows = _read_json(path)
    else:
        text, where, rows = _read_xlsx(path)
    text = text.rename(columns=lambda c: str(c).strip())
    if (
        dataset.form == "single-stage"
        and set(SINGLE_STAGE_MIX) <= set(text.columns)
        and not set(FLOW_COLUMNS) <= set(text.columns)
    ):
        mix = _checked_mix(text, where, rows, SINGLE_STAGE_MIX)
        flows = pd.DataFrame(
            {
                "element": mix["element"],
                "from": mix["supplier"],
                "to": KOREA,
                "tonnes": mix["tonnes"],
            }
        )
    else:
        mix = _checked_mix(text, where, rows, FLOW_COLUMNS)
        flows = mix.rename(columns={"from_plant": "from", "to_plant": "to"})
    known = set(dataset.plants.index)
    bad = sorted(
        {p for p in flows["from"] if p not in known}
        | {p for p in flows["to"] if p not in known and p != KOREA}
    )
    if bad:
        raise InputError(
            Problem(
                where,
                f"names plants the dataset does not have: {', '.join(bad)}; use plant ids from plants (and korea for deliveries)",
            )
        )
    return flows


def _read_csv(path: Path) -> tuple[pd.DataFrame, str, bool]:
    problems: list[Problem] = []
    frame = _read_table_csv(read_file(path), str(path), problems)  # size, rows, the raw header
    if problems:
        raise InputError(problems)
    return frame, str(path), True


def _read_xlsx(path: Path) -> tuple[pd.DataFrame, str, bool]:
    problems: list[Problem] = []
    sheets = read_workbook(path, None, problems)  # size, used range and rows checked
    if problems:
        raise InputError(problems)
    if not sheets:
        raise InputError(Problem(str(path), "has no sheets"))
    name = next((n for n in ("flows", "allocation") if n in sheets), next(iter(sheets)))
    where, frame = sheets[name]
    return frame, where, True


def _read_json(path: Path) -> tuple[pd.DataFrame, str, bool]:
    try:
        data = json.loads(read_file(path).decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as e:
        line = getattr(e, "lineno", None)
        raise InputError(
            Problem(str(path), "is not valid UTF-8 JSON: check brackets and commas", row=line)
        ) from None
    where = str(path)
    if isinstance(data, dict) and "flows" in data:
        data, where = data["flows"], f"{path}: flows"
    elif isinstance(data, dict) and "allocation" in data:
        data, where = data["allocation"], f"{path}: allocation"
    if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
        raise InputError(
            Problem(
                str(path),
                'expected a list of {"element", "from_plant", "to_plant", "tonnes"} records, or an object with a "flows" list',
            )
        )
    check_at_most(len(data), "REE_SOURCING_MAX_ROWS", where, "records", verb="has")
    frame = pd.DataFrame(data)
    text = frame.astype(object).where(frame.notna(), "").map(str)
    return text, where, False


def _checked_mix(
    text: pd.DataFrame, where: str, sheet: bool, columns: tuple[str, ...]
) -> pd.DataFrame:
    """Check the named columns (text, and tonnes last); `sheet` says rows are numbered as in a
    spreadsheet (header = 1), otherwise (JSON) a problem names the record instead (1 = first)."""
    problems: list[Problem] = []
    text = text.rename(columns=lambda c: str(c).strip())
    twice = sorted({c for c in text.columns if c in columns and list(text.columns).count(c) > 1})
    for c in twice:
        problems.append(
            Problem(where, "the column appears twice in the header: keep one", column=c)
        )
    missing = [c for c in columns if c not in text.columns]
    for c in missing:
        problems.append(
            Problem(
                where,
                f"required column is missing (flows need {', '.join(columns)})",
                row=1 if sheet else None,
                column=c,
            )
        )
    if problems:
        raise InputError(problems)
    text = text.loc[:, list(columns)].map(lambda v: str(v).strip())
    blank = (text == "").all(axis=1).to_numpy()
    tonnes = []
    for i, (_, r) in enumerate(text.iterrows()):
        if blank[i]:
            tonnes.append(math.nan)
            continue
        here, row = (where, i + 2) if sheet else (f"{where}, record {i + 1}", None)
        for c in columns[:-1]:
            if r[c] == "":
                problems.append(Problem(here, f"is blank: give the {c}", row=row, column=c))
        if r["tonnes"] == "":
            problems.append(Problem(here, "is blank: give the tonnes", row=row, column="tonnes"))
            tonnes.append(math.nan)
            continue
        try:
            t = parse_number(r["tonnes"])
        except ValueError as e:
            problems.append(Problem(here, str(e), row=row, column="tonnes", value=r["tonnes"]))
            t = math.nan
        else:
            if not 0 <= t <= MAX_TONNES:
                problems.append(
                    Problem(
                        here,
                        "is negative: tonnes bought are 0 or more"
                        if t < 0
                        else f"is out of range: tonnes are at most {MAX_TONNES:g} a year",
                        row=row,
                        column="tonnes",
                        value=r["tonnes"],
                    )
                )
        tonnes.append(t)
    if problems:
        raise InputError(problems)
    out = pd.DataFrame({c: text[c].to_numpy(dtype=object) for c in columns[:-1]})
    out["tonnes"] = np.array(tonnes, dtype=float)
    out = out[~blank].reset_index(drop=True)
    if out.empty:
        raise InputError(Problem(where, "has no flow rows"))
    return out
