"""The `ree-sourcing` command: validate, template, solve, frontier, compare, stress, montecarlo,
sweep, exposure.

Exit codes: 0 on success; 2 for a mistake the user can fix (bad data, bad policy, a bad flag, an
unusable output path), reported on stderr as lines starting with "error:" and never a
traceback. Any other exception is a bug and propagates with its traceback.

Policy settings are layered: --preset < --policy FILE < flags. Mapping settings (caps, bloc
minimums, risk caps) merge key by key, so `--preset forge-first --cap CHN=0.5` keeps the FORGE
minimum and tightens only China's cap. Everything goes through policy.from_dict.
"""

from __future__ import annotations

import argparse
import copy
import importlib
import math
import sys
from collections.abc import Mapping, Sequence
from dataclasses import replace
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from . import policy as policy_mod
from .errors import InputError, Problem
from .limits import check_at_most, parse_number
from .schema import BUNDLED_DATA, STAGES, TABLES

if TYPE_CHECKING:
    from .dataset import Dataset
    from .solution import Solution


class _Lazy:
    """A module imported on first use: `--help` and `template` need neither pandas nor PuLP,
    which take most of a cold start."""

    def __init__(self, name: str):
        self._name = name

    def __getattr__(self, attr: str) -> Any:
        return getattr(importlib.import_module(self._name, __package__), attr)


pd = _Lazy("pandas")
export = _Lazy(".export")
_dataset, _measures, _scenarios = _Lazy(".dataset"), _Lazy(".network.measures"), _Lazy(".scenarios")
_uncertainty = _Lazy(".uncertainty")
_session, _solution, _schema = _Lazy(".session"), _Lazy(".solution"), _Lazy(".schema")
_exposure = _Lazy(".exposure")


def load_dataset(path):  # the forwarders below import on first call
    return _dataset.load_dataset(path)


def baseline_flows(ds):
    return _measures.baseline_flows(ds)


def monte_carlo(*a, **k):
    return _uncertainty.monte_carlo(*a, **k)


def stress_test(*a, **k):
    return _scenarios.stress_test(*a, **k)


def parse_grid(text):
    return _session.parse_grid(text)


def sweep(*a, **k):
    return _session.sweep(*a, **k)


def optimize(*a, **k):
    return _solution.optimize(*a, **k)


def worse_than_today(sol):
    return _solution.worse_than_today(sol)


def write_template(path):
    return _schema.write_template(path)


PROG = "ree-sourcing"
TOP_SHADOW_PRICES = 5
CLI = "command line"


class UsageError(Exception):
    """A command line argparse cannot parse: reported like any other user mistake."""


class DatasetError(InputError):
    """Problems in a dataset, reported under one header naming it."""

    def __init__(self, problems: list[Problem], path: str):
        super().__init__(problems)
        self.path = path


def _number(text: str) -> float:
    """A number flag, by the one rule for numbers (limits.parse_number): '1e6' and '0.35' are
    numbers; '1,000', '1_000', 'inf' and 'nan' are refused with what to write instead."""
    try:
        return parse_number(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(f"{text!r} {e}") from None


def _whole(text: str) -> int:
    """A whole-number flag; '1e4' is 10000, as a number flag would read it."""
    x = _number(text)
    if not x.is_integer():
        raise argparse.ArgumentTypeError(f"{text!r} must be a whole number, e.g. 10000")
    return int(x)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see '{self.prog} --help')")


# --- entry point ---------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code (0 ok, 2 user mistake)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except UsageError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except SystemExit as e:  # --help and --version
        return e.code if isinstance(e.code, int) else 0
    if args.command is None:
        print(
            f"error: choose a command: {', '.join(COMMANDS)} (see '{PROG} --help')",
            file=sys.stderr,
        )
        return 2
    try:
        return COMMANDS[args.command](args)
    except DatasetError as e:
        n = len(e.problems)
        print(f"error: {n} problem{'s' if n != 1 else ''} in {e.path}", file=sys.stderr)
        for p in e.problems:
            print(f"  {p}", file=sys.stderr)
        return 2
    except InputError as e:
        for p in e.problems:
            print(f"error: {p}", file=sys.stderr)
        return 2


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog=PROG,
        description="Least-risk rare-earth sourcing mixes for South Korea within a cost limit.",
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser(
        "validate",
        help="check a dataset and summarise it",
        description="Load and check a dataset (a folder of CSVs, a .zip of them or an .xlsx "
        "workbook); list every problem, or print a short summary.",
    )
    p.add_argument("path", nargs="?", metavar="PATH", help="dataset (default: the bundled data)")

    p = sub.add_parser(
        "template",
        help="write a blank dataset workbook to fill in",
        description="Write an .xlsx workbook with one sheet per table and a 'columns' sheet "
        "describing every column.",
    )
    p.add_argument("file", metavar="FILE.xlsx")

    p = sub.add_parser(
        "solve",
        help="the least-risk mix within the budget",
        description="Optimize the sourcing mix for a policy and write the allocation.",
    )
    _add_policy_flags(p)
    p.add_argument(
        "--out",
        required=True,
        metavar="FILE",
        help="allocation file: .csv, .json (with the summary) or .xlsx (with every report)",
    )
    p.add_argument("--summary", metavar="FILE.json", help="also write the run summary as JSON")
    p.add_argument(
        "--flows",
        metavar="FILE.csv",
        help="also write every flow of the optimized mix (plant to plant and to Korea)",
    )
    p.add_argument(
        "--baseline-flows",
        metavar="FILE.csv",
        help="also write today's flows in the same columns",
    )
    p.add_argument(
        "--bundle",
        metavar="FOLDER",
        help="also write a reproducible run bundle (allocation.csv, summary.json, policy.yaml, README.txt)",
    )
    p.add_argument("--quiet", action="store_true", help="print nothing on success")

    p = sub.add_parser(
        "frontier",
        help="the cost-versus-risk frontier",
        description="Least risk at budgets from the least cost to the cost of the least-risk mix.",
    )
    _add_policy_flags(p)
    p.add_argument("--points", type=_whole, default=10, metavar="N", help="budgets (default 10)")
    _add_cluster_flags(p)
    p.add_argument(
        "--out", required=True, metavar="FILE", help="points: .csv; points and mixes: .json, .xlsx"
    )

    p = sub.add_parser(
        "compare",
        help="today's mix against the optimized one, element by element",
        description="Solve for the policy and compare each element with today's mix.",
    )
    _add_policy_flags(p)
    p.add_argument("--out", metavar="FILE.csv", help="also write the comparison as CSV")

    p = sub.add_parser(
        "stress",
        help="what each disruption scenario does to a mix",
        description="Per scenario and element: tonnes short, value at risk, stockpile days needed, and how much spare capacity elsewhere could fill the gap at what cost.",
    )
    _add_policy_flags(p)
    _add_mix_flag(p)
    p.add_argument("--out", metavar="FILE", help="write the table (.csv, .json or .xlsx)")

    p = sub.add_parser(
        "out-of-sample",
        help="today's and the optimized mix on disruptions drawn afresh",
        description="Optimise on the in-sample years of the disruption library, then score today's mix (with today's stock) and the optimized mix (with its stock) on years drawn independently from the same event model, durations drawn from their ranges: value lost, days short, cost premium.",
    )
    _add_policy_flags(p)
    p.add_argument(
        "--samples", type=_whole, default=10_000, metavar="N", help="years drawn (default 10000)"
    )
    p.add_argument("--seed", type=_whole, default=1, help="their random seed (default 1)")
    _add_cluster_flags(p)
    p.add_argument("--out", metavar="FILE", help="write the table (.csv, .json or .xlsx)")

    p = sub.add_parser(
        "montecarlo",
        help="shortfall distribution from years of disruption events",
        description="Draws years from the disruption library (independent events, each with its annual probability and a duration drawn from its range) and reports the distribution of tonnes short per element and of the value lost.",
    )
    _add_policy_flags(p)
    _add_mix_flag(p)
    p.add_argument(
        "--samples", type=_whole, default=10_000, metavar="N", help="samples (default 10000)"
    )
    p.add_argument("--seed", type=_whole, default=0, help="random seed (default 0)")
    _add_cluster_flags(p)
    p.add_argument("--out", metavar="FILE", help="write the table (.csv, .json or .xlsx)")

    p = sub.add_parser(
        "sweep",
        help="solve a grid of policies",
        description="Solve every combination of the grids on one re-used model and tabulate cost, risk, China share and unmet demand.",
    )
    _add_policy_flags(p)
    p.add_argument(
        "--grid",
        action="append",
        default=[],
        required=True,
        metavar="NAME=START:STOP:N",
        help="a parameter and its values (START:STOP:N or V1,V2,...); repeat to cross grids. Names: budget_premium, country_cap, recycled_min, alpha, stockpile_days, budget_usd, china_cap, forge_min, cap.SUPPLIER, cap.ELEMENT:SUPPLIER, bloc_min.BLOC",
    )
    _add_cluster_flags(p)
    p.add_argument(
        "--out", required=True, metavar="FILE", help="write the table (.csv, .json or .xlsx)"
    )
    p.add_argument("--quiet", action="store_true", help="no progress bar")

    p = sub.add_parser(
        "exposure",
        help="time to survive against time to recover, node by node",
        description="For every plant, country at a stage and country a mix uses: stop it, find the most the rest of the network can deliver to Korea (an LP per node), and set the days the stockpile then lasts (time to survive) against the node's time to recover (the dataset's recovery table). Lists the nodes where Korea runs out first.",
    )
    _add_policy_flags(p)
    p.add_argument(
        "--mix",
        dest="allocation",  # so an output never overwrites a flows file given here
        default="both",
        metavar="both|today|optimized|FILE",
        help="today's mix and the optimized one for the policy flags side by side (default), one of them, or a flows file (from solve --flows)",
    )
    p.add_argument(
        "--qualified",
        choices=("mix", "network"),
        default="mix",
        help="which routes may replace a stopped node: those the mix already uses (default: qualifying a new supplier takes longer than most disruptions) or every plant in the network",
    )
    p.add_argument(
        "--top", type=_whole, default=15, metavar="N", help="exposed rows to print (default 15)"
    )
    p.add_argument("--out", metavar="FILE", help="write the whole table (.csv or .xlsx)")
    p.add_argument("--lang", choices=("en", "ko"), default="en", help="language of the report")
    p.add_argument("--force", action="store_true", help="overwrite output files that already exist")
    _add_plan_parser(sub)
    for name in WRITERS:
        sub.choices[name].add_argument(
            "--force", action="store_true", help="overwrite output files that already exist"
        )
    _Lazy(".trade").add_parser(sub)
    return parser


WRITERS = (
    "template", "solve", "frontier", "compare", "stress", "montecarlo", "sweep", "out-of-sample",
    "plan",
)  # fmt: skip
BUNDLE_FILES = ("allocation.csv", "flows.csv", "summary.json", "policy.yaml", "README.txt")


def _outputs(args: argparse.Namespace, *paths: str | None, bundle: str | None = None) -> None:
    """Refuse, before any work, to write over an input of the run (the dataset or any file in
    its folder, the policy file, a flows file), even with --force; without --force, over any
    existing file. Two outputs may not share a path, and a bundle goes into an empty or new
    folder (with --force, also one holding only an earlier bundle)."""
    data = Path(getattr(args, "data", None) or BUNDLED_DATA).resolve()
    inputs = [data] + ([data / f"{t}.csv" for t in TABLES] if data.is_dir() else [])
    for extra in (getattr(args, "policy", None), getattr(args, "allocation", None)):
        if extra and extra not in ("baseline", "optimized"):
            inputs.append(Path(extra).resolve())
    force = getattr(args, "force", False)
    files = [(x, Path(x).resolve(), True) for x in paths if x]
    if bundle:  # its files are judged with the folder below, not one by one
        files += [(str(Path(bundle) / n), Path(bundle).resolve() / n, False) for n in BUNDLE_FILES]
    problems = []
    seen: dict[Path, str] = {}
    for text, path, single in files:
        if _is_input(path, inputs, data):
            problems.append(
                Problem(
                    text,
                    "is an input of this run (the dataset, a file in its folder, the policy or the flows file): write the output somewhere else",
                )
            )
        elif path in seen:
            problems.append(
                Problem(text, f"is also where {seen[path]} goes: give each output its own file")
            )
        elif path.is_dir():
            problems.append(Problem(text, "is a folder: give a file name"))
        elif single and not force and (path.exists() or path.is_symlink()):
            problems.append(
                Problem(text, "exists already: choose a new name, or pass --force to overwrite it")
            )
        seen.setdefault(path, text)
    if bundle and Path(bundle).exists():
        problems += _bundle_problems(Path(bundle), force)
    if problems:
        raise InputError(problems)


def _is_input(path: Path, inputs: list[Path], data: Path) -> bool:
    if path in inputs or (data.is_dir() and data in path.parents):
        return True
    try:  # the same file under another name (a hard link)
        return path.exists() and any(i.exists() and path.samefile(i) for i in inputs)
    except OSError:
        return False


def _bundle_problems(folder: Path, force: bool) -> list[Problem]:
    if not folder.is_dir():
        return [Problem(str(folder), "is a file: give a folder for the run bundle")]
    others = sorted(p.name for p in folder.iterdir() if not (force and p.name in BUNDLE_FILES))
    if not others:
        return []
    shown = ", ".join(others[:3]) + (", ..." if len(others) > 3 else "")
    hint = "" if force else " (with --force, also one holding only an earlier bundle)"
    return [
        Problem(
            str(folder),
            f"a run bundle goes into an empty or new folder{hint}: this one holds {shown}",
        )
    ]


def _add_mix_flag(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--allocation",
        default="baseline",
        metavar="FILE|baseline|optimized",
        help="the mix to test: a flows file (from solve --flows), today's mix (default) or the optimized one for the policy flags",
    )


def _add_cluster_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--workers",
        type=_whole,
        default=1,
        metavar="N",
        help="run on a local Dask cluster of N worker processes (default 1: no cluster)",
    )
    p.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="run on a running Dask cluster, e.g. tcp://10.0.0.5:8786 (see docs/ARCHITECTURE.md)",
    )


def _cluster(args: argparse.Namespace) -> dict[str, Any]:
    """--workers and --scheduler, checked, as keyword arguments for the library."""
    if args.workers < 1:
        raise InputError(Problem("--workers", "must be at least 1", value=args.workers))
    check_at_most(args.workers, "REE_SOURCING_MAX_WORKERS", "--workers", "worker processes")
    return {"workers": args.workers, "scheduler": args.scheduler}


def _add_policy_flags(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("data and policy (precedence: --preset < --policy < other flags)")
    g.add_argument("--data", metavar="PATH", help="dataset (default: the bundled data)")
    g.add_argument("--policy", metavar="FILE.yaml", help="policy file, e.g. a run's policy.yaml")
    g.add_argument("--preset", choices=list(policy_mod.PRESETS), help="named policy preset")
    g.add_argument(
        "--objective",
        choices=policy_mod.OBJECTIVES,
        help="risk measure to minimise within the budget, or cost (within the risk caps)",
    )
    budget = g.add_mutually_exclusive_group()
    budget.add_argument(
        "--budget-premium",
        type=_number,
        metavar="P",
        help="budget = (1 + P) x least cost, e.g. 0.15 (the default)",
    )
    budget.add_argument("--budget", type=_number, metavar="USD", help="absolute budget, USD a year")
    g.add_argument(
        "--cap",
        action="append",
        default=[],
        metavar="[ELEMENT:][STAGE:]SUPPLIER=X",
        help="max share of a supplier at every stage of every element, e.g. CHN=0.5; name a stage (separation:CHN=0.5), an element (Dy:CHN=0.3) or both (Dy:separation:CHN=0.3) to narrow it (repeatable)",
    )
    g.add_argument(
        "--country-cap",
        type=_number,
        metavar="X",
        help="max share of any single foreign country, at every stage",
    )
    g.add_argument(
        "--bloc-min",
        action="append",
        default=[],
        metavar="[ELEMENT:][STAGE:]BLOC=X",
        help="min share from a bloc at every stage (e.g. FORGE=0.25); narrow it like --cap (repeatable)",
    )
    g.add_argument(
        "--recycled-min", type=_number, metavar="X", help="min share from domestic recycling"
    )
    g.add_argument(
        "--risk-cap",
        action="append",
        default=[],
        metavar="MEASURE=X",
        help=f"per-element cap on a risk measure ({', '.join(policy_mod.RISK_OBJECTIVES)}) (repeatable)",
    )
    g.add_argument("--elements", metavar="Nd,Dy,...", help="optimize only these elements")
    g.add_argument(
        "--allow-worse-than-today",
        action="store_true",
        help="let the portfolio objective raise an element's concentration above today's mix",
    )
    g.add_argument(
        "--alpha", type=_number, metavar="A", help="CVaR level for --objective cvar (default 0.9)"
    )
    g.add_argument(
        "--stockpile-days",
        type=_number,
        metavar="D",
        help="days of every element's demand held in stock, drawn only in a disruption (default: the dataset's stockpile table)",
    )
    g.add_argument(
        "--stockpile-target-days",
        type=_number,
        metavar="D",
        help="hold at least D days of every element (Korea's target: 100; --preset stockpile-100)",
    )
    g.add_argument(
        "--stockpile-max-days",
        type=_number,
        metavar="D",
        help="let the optimiser buy stock up to D days of any element, at its holding cost, within the budget (robust objectives)",
    )
    g.add_argument(
        "--sample-years",
        type=_whole,
        metavar="N",
        help="in-sample years drawn from the disruption library for robust objectives (default 2000)",
    )
    g.add_argument(
        "--without-rules",
        action="store_true",
        help="ignore the trade rules in force (the rules table): the world before them",
    )
    g.add_argument(
        "--scenarios",
        metavar="NAME,...",
        help="disruption scenarios to use (default: all in the data)",
    )
    g.add_argument(
        "--weights",
        choices=policy_mod.WEIGHTINGS,
        help="how elements combine into the portfolio (default value)",
    )
    g.add_argument(
        "--stage",
        choices=policy_mod.STAGE_RULES,
        help="which stage's risk counts: each element's worst stage (default), the sum over stages, or one stage",
    )
    g.add_argument(
        "--year",
        type=_whole,
        metavar="YYYY",
        help="also use plants under construction or planned whose first year is YYYY or earlier",
    )
    g.add_argument(
        "--stockpile-as-supplier",
        action="store_true",
        help="round one's behaviour: let KOMIR's stockpile sell every year like a supplier",
    )


# --- commands ------------------------------------------------------------------------------


def cmd_validate(args: argparse.Namespace) -> int:
    ds = _load(args.path)
    status = export.data_status(ds)
    kinds = ds.suppliers["kind"].value_counts()
    el = ds.elements
    demand = el["demand_t"].sum()
    value = float((el["demand_t"] * el["price_usd_kg"]).sum() * 1000.0)
    rated = int(status["confirmed"].sum() + status["estimate"].sum())
    estimates = int(status["estimate"].sum())
    n_scen = ds.scenarios["scenario"].nunique() if len(ds.scenarios) else 0
    by_stage = ds.plants["stage"].value_counts()
    by_status = ds.plants["plant_status"].value_counts()
    forms = ds.demand[ds.demand["demand_t"] > 0].groupby("form")["demand_t"].sum()
    lines = [
        f"dataset      {ds.origin} ({ds.form} form)",
        f"as of        {ds.as_of}",
        f"sha256       {ds.fingerprint}",
        f"elements     {len(el)} ({len(ds.demanded_elements)} with demand)",
        f"suppliers    {len(ds.suppliers)} ("
        + ", ".join(f"{n} {k}" for k, n in kinds.items())
        + ")",
        f"plants       {len(ds.plants)} ("
        + ", ".join(f"{by_stage[s]} {s}" for s in ds.stages)
        + "; "
        + ", ".join(f"{n} {k}" for k, n in by_status.items())
        + ")",
        f"capacity     {len(ds.capacity)} plant-element rows; {len(ds.feeds)} feed rules",
        "demand       by form: " + ", ".join(f"{k} {v:,.0f} t" for k, v in forms.items()),
        f"today        {len(ds.baseline_flows)} flows",
        f"scenarios    {n_scen} ({len(ds.scenarios)} rows)",
        f"demand       {demand:,.0f} t REO a year, worth {_usd(value)} at reference prices",
        f"estimates    {estimates / rated:.0%} of rows with a status ({estimates} of {rated})"
        if rated
        else "estimates    no row carries a status",
        "ok",
    ]
    print("\n".join(lines))
    return 0


def cmd_template(args: argparse.Namespace) -> int:
    _outputs(args, args.file)
    path = Path(args.file)
    if path.suffix.lower() == ".xlsx":
        with export.writable(path):
            write_template(path)
    else:
        write_template(path)  # raises the message naming the right extension
    from .dataset import FORM_TABLES

    needed, single = FORM_TABLES["stage"]
    required = [n for n, t in TABLES.items() if t.required or n in needed]
    optional = [n for n, t in TABLES.items() if n not in required and n not in single]
    print(f"wrote {path}")
    print(f"  fill the sheets {', '.join(required)}; {', '.join(optional)} are optional")
    print(
        f"  (or, for a dataset without stages, {' and '.join(single)} instead of {', '.join(needed)})"
    )
    print("  the 'columns' sheet says what each column means, its unit and allowed values")
    print(f"  then check it with: {PROG} validate {path}")
    return 0


def cmd_solve(args: argparse.Namespace) -> int:
    _outputs(args, args.out, args.summary, args.flows, args.baseline_flows, bundle=args.bundle)
    export.output_format(args.out, what="allocation")
    if args.summary:
        export.output_format(args.summary, (".json",), what="summary")
    for path in (args.flows, args.baseline_flows):
        if path:
            export.output_format(path, (".csv",), what="flows")
    sol = _solve(args)
    written = [export.write_allocation(sol, args.out)]
    if args.summary:
        written.append(export.write_summary(sol, args.summary))
    if args.flows:
        written.append(export.write_flows(sol, args.flows))
    if args.baseline_flows:
        written.append(export.write_flows(sol, args.baseline_flows, view="baseline"))
    if args.bundle:
        written.append(f"{export.run_bundle(sol, args.bundle)}/ (run bundle)")
    if not args.quiet:
        print(solve_report(sol))
        for w in written:
            print(f"wrote {w}")
    return 0


def cmd_frontier(args: argparse.Namespace) -> int:
    from .frontier import frontier

    _outputs(args, args.out)
    export.output_format(args.out, what="frontier")
    check_at_most(args.points, "REE_SOURCING_MAX_FRONTIER_POINTS", "--points", "points")
    cluster = _cluster(args)
    ds = _load(args.data)
    front = frontier(ds, _policy(args, ds), args.points, **cluster)
    export.write_frontier(front, args.out)
    pts = front.points
    shown = pd.DataFrame(
        {
            "point": pts["point"],
            "budget USD": pts["budget_usd"].map(_num),
            "cost USD": pts["cost_usd"].map(_num),
            "premium": pts["premium"].map(_pct),
            "HHI": pts["hhi"].map(_idx),
            "China": pts["china_share"].map(_pct),
            "FORGE": pts["forge_share"].map(_pct),
            "unmet t": pts["unmet_t"].map(_tonnes),
        }
    )
    objective = front.solutions[0].policy.objective if front.solutions else "hhi"
    if objective != "hhi":  # the measure minimised, beside the HHI every run reports
        shown.insert(4, objective, pts["risk"].map(_idx))
    print(shown.to_string(index=False))
    print(f"wrote {args.out}")
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    if args.out:
        _outputs(args, args.out)
        export.output_format(args.out, (".csv",), what="comparison")
    sol = _solve(args)
    table = export.element_comparison(sol)
    cols = [("hhi", "HHI", _idx), ("china_share", "China", _pct), ("forge_share", "FORGE", _pct)]
    cols += [("cost_usd", "cost USD", _num), ("unmet_t", "unmet t", _tonnes)]
    shown = pd.DataFrame({"element": table["element"]})
    for key, label, fmt in cols:
        shown[f"{label} today"] = table[f"{key}_baseline"].map(fmt)
        shown[f"{label} opt"] = table[f"{key}_optimized"].map(fmt)
    print(f"today's mix against the optimized one ({sol.policy.objective}, status {sol.status})")
    print(shown.to_string(index=False))
    print()
    print(stage_report(sol))
    if args.out:
        print(f"wrote {export.write_comparison(sol, args.out)}")
    return 0


def _mix(args: argparse.Namespace, ds: Dataset) -> tuple[pd.DataFrame, str]:
    """The mix a stress test or Monte Carlo run looks at, and a name for it."""
    if args.allocation == "baseline":
        return baseline_flows(ds), "today's mix"
    if args.allocation == "optimized":
        sol = optimize(ds, _policy(args, ds))
        return sol.arc_flows, f"the optimized mix ({sol.policy.objective})"
    return export.read_flows(args.allocation, ds), args.allocation


def cmd_stress(args: argparse.Namespace) -> int:
    if args.out:
        _outputs(args, args.out)
        export.output_format(args.out, what="stress test")
    ds = _load(args.data)
    policy = _policy(args, ds)
    mix, name = _mix(args, ds)
    held = _scenarios.held_days(ds, policy, ds.demanded_elements)
    table = stress_test(ds, mix, policy.scenarios, held)
    print(f"stress test of {name}, {_stock_words(policy)}")
    if table.empty:
        print("no scenario leaves any element short")
    else:
        shown = pd.DataFrame({
            "scenario": table["scenario"], "element": table["element"], "days": table["duration_days"].map(_num),
            "short t": table["short_t"].map(_tonnes), "short": table["short_share"].map(_pct),
            "value at risk USD": table["value_at_risk_usd"].map(_num), "stock days needed": table["stockpile_days_needed"].map(_num),
            "spare fill t": table["spare_fill_t"].map(_tonnes), "fill premium USD": table["fill_premium_usd"].map(_num),
            "uncovered t": table["uncovered_t"].map(_tonnes),
        })  # fmt: skip
        print(shown.to_string(index=False))
    if args.out:
        print(f"wrote {export.write_tables({'stress': table}, args.out, what='stress test')}")
    return 0


def cmd_montecarlo(args: argparse.Namespace) -> int:
    if args.out:
        _outputs(args, args.out)
        export.output_format(args.out, what="Monte Carlo table")
    check_at_most(args.samples, "REE_SOURCING_MAX_SAMPLES", "--samples", "samples")
    if args.seed < 0:
        raise InputError(Problem("--seed", "must be 0 or more", value=args.seed))
    cluster = _cluster(args)
    ds = _load(args.data)
    mix, name = _mix(args, ds)
    policy = _policy(args, ds)
    held = _scenarios.held_days(ds, policy, ds.demanded_elements)
    mc = monte_carlo(ds, mix, args.samples, args.seed, held, **cluster)
    per = mc.per_element.reset_index()
    print(
        f"Monte Carlo of {name}: {mc.samples:,} years of independent disruption events (seed {args.seed}), {_stock_words(policy)}"
    )
    shown = pd.DataFrame({
        "element": per["element"], "mean t": per["mean_t"].map(_tonnes), "± s.e.": per["stderr_t"].map(_tonnes),
        "p90 t": per["p90_t"].map(_tonnes), "p99 t": per["p99_t"].map(_tonnes), "P(short)": per["prob_any"].map(_pct),
    })  # fmt: skip
    print(shown.to_string(index=False))
    v = mc.value_lost_usd
    print(
        f"value lost a year (after the stock): mean {_usd(v['mean'])}, p90 {_usd(v['p90'])}, p99 {_usd(v['p99'])}, CVaR 90% {_usd(v['cvar90'])}"
    )
    if args.out:
        value = v.rename_axis("statistic").reset_index(name="usd")
        print(
            f"wrote {export.write_tables({'elements': per, 'value_lost': value}, args.out, what='Monte Carlo table')}"
        )
    return 0


def _stock_words(policy: Any) -> str:
    if policy.stockpile_days is not None:
        return f"{policy.stockpile_days:g} days of stock"
    if policy.stockpile_target_days is not None:
        return f"the stockpile table's days of stock, at least {policy.stockpile_target_days:g}"
    return "the stockpile table's days of stock"


def cmd_out_of_sample(args: argparse.Namespace) -> int:
    if args.out:
        _outputs(args, args.out)
        export.output_format(args.out, what="out-of-sample table")
    check_at_most(args.samples, "REE_SOURCING_MAX_SAMPLES", "--samples", "samples")
    cluster = _cluster(args)
    ds = _load(args.data)
    policy = _policy(args, ds)
    sol = optimize(ds, policy)
    table, years = _uncertainty.out_of_sample(
        ds,
        {
            "today": (baseline_flows(ds), ds.stock_days, sol.baseline_portfolio["cost_usd"]),
            "optimized": (sol.arc_flows, sol.stock_days, sol.total_cost_usd),
        },
        args.samples,
        args.seed,
        policy.scenarios,
        **cluster,
    )
    print(
        f"optimized for {sol.policy.objective} on the in-sample years; scored on {years.how} (durations drawn from their ranges)"
    )
    shown = pd.DataFrame({
        "mix": table["mix"], "cost USD": table["cost_usd"].map(_usd), "premium": table["premium_over_today"].map(_pct),
        "expected lost": table["expected_value_lost_usd"].map(_usd), "CVaR 90%": table["cvar90_value_lost_usd"].map(_usd),
        "p99": table["p99_value_lost_usd"].map(_usd), "P(short)": table["probability_short"].map(_pct),
        "days short": table["expected_days_short"].map(_num), "lost vs today": table["value_lost_vs_today"].map(_pct),
    })  # fmt: skip
    print(shown.to_string(index=False))
    if len(sol.stock):
        added = sol.stock[sol.stock["added_t"] > 0]
        for e, row in added.iterrows():
            print(f"stock of {e} raised to {row['days']:.0f} days (+{_tonnes(row['added_t'])} t)")
    if args.out:
        print(
            f"wrote {export.write_tables({'out_of_sample': table}, args.out, what='out-of-sample table')}"
        )
    return 0


def _add_plan_parser(sub) -> None:
    p = sub.add_parser(
        "plan",
        help="the path to 2030: which projects the policy loans should back, year by year",
        description="A multi-year plan (mixed-integer): the sourcing mix of every year on the network, which projects Korea backs with policy loans or subsidies and when, the stockpile's path to its target, and the year each target (no country above the cap at any stage; the recycled share) is met, or why not.",
    )
    g = p.add_argument_group("the plan")
    g.add_argument("--data", metavar="PATH", help="dataset (default: the bundled data)")
    g.add_argument(
        "--years", default="2026:2030", metavar="FIRST:LAST", help="horizon (default 2026:2030)"
    )
    g.add_argument(
        "--loan-budget",
        type=_number,
        default=46.2e6,
        metavar="USD",
        help="policy loans for overseas projects in the first year (default 46.2e6: 2026)",
    )
    g.add_argument(
        "--later-loan-budget",
        type=_number,
        metavar="USD",
        help="policy loans a year after the first (default: the same as the first year)",
    )
    g.add_argument(
        "--coverage",
        type=_number,
        default=0.7,
        metavar="C",
        help="share of Korea's stake the state finances (default 0.7, from 2026; 0.5 before)",
    )
    g.add_argument(
        "--subsidy-budget",
        type=_number,
        default=0.0,
        metavar="USD",
        help="subsidies a year for domestic projects (default 0: the data has no figure)",
    )
    g.add_argument("--target-year", type=_whole, metavar="YYYY", help="default: the last year")
    g.add_argument(
        "--country-cap",
        type=_number,
        default=0.5,
        metavar="X",
        help="target: no foreign country above X at any stage (default 0.5)",
    )
    g.add_argument(
        "--recycled-min",
        type=_number,
        default=0.2,
        metavar="X",
        help="target: recycled share at each chain's first stage (default 0.2)",
    )
    g.add_argument(
        "--objective",
        choices=("cost", "risk"),
        default="cost",
        help="cost: meet the targets at least cost (default); risk: the least China share at each element's worst stage in the target year within a budget",
    )
    g.add_argument(
        "--budget-premium",
        type=_number,
        default=0.15,
        metavar="P",
        help="risk objective: budget = (1 + P) x the least cost (default 0.15)",
    )
    g.add_argument(
        "--stock-target-days",
        type=_number,
        default=100.0,
        metavar="D",
        help="stockpile target (default 100 days)",
    )
    g.add_argument(
        "--stock-target-year",
        type=_whole,
        default=2031,
        metavar="YYYY",
        help="... reached by (default 2031)",
    )
    g.add_argument(
        "--switching-limit",
        type=_number,
        metavar="S",
        help="a country's share of a stage may move by at most S a year (from today's mix)",
    )
    g.add_argument(
        "--min-order",
        type=_number,
        metavar="T",
        help="a plant used for an element puts through at least T t a year",
    )
    g.add_argument(
        "--max-suppliers",
        type=_whole,
        metavar="N",
        help="at most N countries deliver an element to Korea in a year",
    )
    g.add_argument(
        "--min-stake",
        type=_number,
        default=0.25,
        metavar="S",
        help="a backed project: at least this share of its offtake (default 0.25; 1: all or nothing)",
    )
    g.add_argument("--without-rules", action="store_true", help="ignore the trade rules in force")
    g.add_argument(
        "--no-marginal",
        action="store_true",
        help="skip the re-solves for the loan and coverage values",
    )
    p.add_argument(
        "--out", metavar="FILE", help="write the plan (.xlsx: every table; .json; .csv: projects)"
    )


def _plan_settings(args: argparse.Namespace) -> Any:
    first, sep, last = args.years.partition(":")
    try:
        years = (int(first), int(last or first)) if sep or first else None
    except ValueError:
        years = None
    if years is None:
        raise InputError(Problem("--years", "write FIRST:LAST, e.g. 2026:2030", value=args.years))
    from .plan import PlanSettings

    return PlanSettings(
        first_year=years[0], last_year=years[1], loan_budget_usd=args.loan_budget,
        later_loan_budget_usd=args.later_loan_budget, coverage=args.coverage,
        subsidy_budget_usd=args.subsidy_budget, target_year=args.target_year,
        country_cap=args.country_cap, recycled_min=args.recycled_min, objective=args.objective,
        budget_premium=args.budget_premium, stock_target_days=args.stock_target_days,
        stock_target_year=args.stock_target_year, switching_limit=args.switching_limit,
        min_order_t=args.min_order, max_suppliers=args.max_suppliers, min_stake=args.min_stake,
        rules_in_force=not args.without_rules,
    )  # fmt: skip


def cmd_plan(args: argparse.Namespace) -> int:
    if args.out:
        _outputs(args, args.out)
        export.output_format(args.out, what="plan")
    settings = _plan_settings(args)
    ds = _load(args.data)
    from .plan import plan

    result = plan(ds, settings, marginal=not args.no_marginal)
    s = result.settings
    print(
        f"plan {s.first_year}-{s.last_year}: {result.status}; total {_usd(result.total_cost_usd)}; "
        f"solved in {result.seconds:.1f} s, proven within {result.mip_gap:.2%} of the optimum"
    )
    pr = result.projects
    backed = pr[pr["backed"]]
    if backed.empty:
        print("projects backed: none")
    else:
        print("projects backed (stake bought, loan or subsidy, first year of output):")
        for r in backed.itertuples(index=False):
            print(
                f"  {r.project}: from {int(r.backed_year)}, {r.stake_share:.0%} of its offtake, stake {_usd(r.stake_usd)}, "
                f"loan {_usd(r.loan_usd)}, subsidy {_usd(r.subsidy_usd)}; produces from {r.first_year}"
            )
    first = result.tranches[result.tranches["year"] == s.first_year]
    print(
        f"the {s.first_year} loans back: "
        + (", ".join(first.loc[first["loan_usd"] > 0, "project"]) or "no project")
    )
    loans = result.loans
    print("loans used a year: " + ", ".join(
        f"{r.year} {_usd(r.loan_used_usd)} of {_usd(r.loan_envelope_usd)}" for r in loans.itertuples(index=False)
    ))  # fmt: skip
    print("cost a year: " + ", ".join(
        f"{r.year} {_usd(r.total_usd)}" for r in result.costs.itertuples(index=False)
    ))  # fmt: skip
    met = result.met_in
    for target, g in met.groupby("target", sort=False):
        done = g.dropna(subset=["met_from"])
        words = ", ".join(
            f"{r.element} from {int(r.met_from)}" for r in done.itertuples(index=False)
        )
        missed = ", ".join(g.loc[g["met_from"].isna(), "element"])
        print(
            f"target {target}: met {words or 'for no element'}; not met by {s.target}: {missed or 'none'}"
        )
    for line in result.explanations:
        print(f"  why: {line}")
    for r in result.marginal.itertuples(index=False):
        print(
            f"marginal: {r.change}: cost {_usd(r.total_cost_change_usd)}; backed {r.projects_backed or 'none'}; "
            f"China share in {s.target}: {r.china_share_changes}"
        )
    for r in result.left_out.itertuples(index=False):
        print(f"left out: {r.project} ({r.plant}): {r.reason}")
    if s.subsidy_budget_usd == 0:
        print("no subsidy envelope given (--subsidy-budget): domestic projects cannot be backed")
    if args.out:
        print(f"wrote {export.write_plan(result, args.out)}")
    return 0


def cmd_sweep(args: argparse.Namespace) -> int:
    _outputs(args, args.out)
    export.output_format(args.out, what="sweep table")
    cluster = _cluster(args)
    for text in args.grid:
        _check_grid(text)
    ds = _load(args.data)
    policy = _policy(args, ds)
    grids = dict(parse_grid(g) for g in args.grid)
    table = sweep(ds, policy, grids, progress=None if args.quiet else _progress, **cluster)
    if not args.quiet:
        print(file=sys.stderr)
        counts = table["status"].value_counts().to_dict()
        print(f"{len(table):,} policies: " + ", ".join(f"{n} {k}" for k, n in counts.items()))
    export.write_tables({"sweep": table}, args.out, what="sweep table")
    if not args.quiet:
        print(f"wrote {args.out}")
    return 0


def cmd_exposure(args: argparse.Namespace) -> int:
    from .reports.messages import text

    def say(key: str, **values: Any) -> str:
        return text(key, args.lang, **values)

    if args.out:
        _outputs(args, args.out)
        export.output_format(args.out, (".csv", ".xlsx"), what="exposure table")
    if args.top < 1:
        raise InputError(Problem("--top", "must be at least 1", value=args.top))
    ds = _load(args.data)
    policy = _policy(args, ds)
    scope = list(policy.elements) if policy.elements else None
    mixes: dict[str, tuple[Any, Any]] = {}
    names: dict[str, str] = {}
    if args.allocation in ("both", "today"):
        mixes["baseline"] = (_measures.baseline_flows(ds, scope), ds.stock_days)
        names["baseline"] = say("mix.baseline_long")
    if args.allocation in ("both", "optimized"):
        sol = optimize(ds, policy)
        mixes["optimized"] = (sol.arc_flows, _exposure.stock_days_of(sol))
        names["optimized"] = say("mix.optimized_long")
    if not mixes:
        mixes["file"] = (export.read_flows(args.allocation, ds), ds.stock_days)
        names["file"] = args.allocation
    table = _exposure.compare(ds, mixes, qualified=args.qualified, year=policy.year, like=policy)
    print(
        say(
            "exposure.cli_title",
            mix=" / ".join(names.values()),
            qualified=say(f"exposure.q_{args.qualified}"),
        )
    )
    print(say("exposure.explain"))
    if len(mixes) == 2:
        wide = _exposure.side_by_side(table)
        shown = wide[wide["exposed_baseline"] | wide["exposed_optimized"]]
    else:
        shown = table[table["exposed"].astype(bool)]
    if shown.empty:
        print(say("exposure.none_exposed"))
    else:
        print(say("exposure.cli_shown", shown=min(args.top, len(shown)), total=len(shown)))
        print(_exposure_text(shown.head(args.top), names, say).to_string(index=False))
    if args.out:
        tables = {"exposure": table}
        if len(mixes) == 2:
            tables["side_by_side"] = _exposure.side_by_side(table)
        path = export.write_tables(tables, args.out, what="exposure table")
        print(say("exposure.cli_wrote", path=path))
    return 0


def _exposure_text(rows: Any, names: dict[str, str], say: Any) -> Any:
    """The printed exposure table: days in words where there is no number (never short, not
    used by a mix, no time to recover known)."""

    def days(x: float, never: Any = False, used: bool = True) -> str:
        if not used:  # the mix does not route the element through this node
            return say("exposure.not_used")
        if bool(never):
            return say("exposure.never")
        return say("exposure.unknown") if x is None or not math.isfinite(x) else f"{x:,.0f}"

    out = pd.DataFrame(
        {
            say("exposure.c_node"): [
                f"{n} ({a})" if isinstance(a, str) and a else n
                for n, a in zip(rows["node"], rows["also"], strict=True)
            ],
            say("exposure.c_type"): [say(f"exposure.t_{k}") for k in rows["node_type"]],
            say("exposure.c_element"): rows["element"],
            say("exposure.c_ttr"): [days(x) for x in rows["time_to_recover_days"]],
        }
    )
    if "mix" in rows.columns:  # one mix
        out[say("exposure.c_share")] = (rows["share_of_demand"] * 100).map("{:,.0f}".format)
        out[say("exposure.c_short")] = rows["short_t_per_year"].map(_tonnes)
        out[say("exposure.c_tts")] = [
            days(x, n)
            for x, n in zip(rows["time_to_survive_days"], rows["never_short"], strict=True)
        ]
        out[say("exposure.c_uncovered")] = rows["days_uncovered"].map(_num)
        out[say("exposure.c_value_usd")] = rows["value_at_risk_usd"].map(_num)
        return out
    for m in ("baseline", "optimized"):
        label = say(f"mix.{m}")
        out[say("exposure.c_tts_mix", mix=label)] = [
            days(x, n, u)
            for x, n, u in zip(
                rows[f"time_to_survive_days_{m}"],
                rows[f"never_short_{m}"],
                rows[f"in_{m}"],
                strict=True,
            )
        ]
    for m in ("baseline", "optimized"):
        label = say(f"mix.{m}")
        out[say("exposure.c_value_mix", mix=label)] = [
            _num(v) if u else say("exposure.not_used")
            for v, u in zip(rows[f"value_at_risk_usd_{m}"], rows[f"in_{m}"], strict=True)
        ]
    return out


def _check_grid(text: str) -> None:
    """Check a --grid's numbers by the one rule and its count against the limit before the
    grid is built: 'x=0:1:2000000000' would fill memory while being laid out."""
    name, _, spec = text.partition("=")
    parts = spec.split(":")
    numbers = parts if len(parts) == 3 else spec.split(",")
    for part in numbers:
        try:
            parse_number(part)
        except ValueError as e:
            if part.strip():  # blanks and wrong shapes are parse_grid's to explain
                raise InputError(Problem(f"--grid {text}", f"{part.strip()!r} {e}")) from None
    if len(parts) == 3:
        try:
            count = parse_number(parts[2])
        except ValueError:
            return
        if count.is_integer():
            check_at_most(int(count), "REE_SOURCING_MAX_GRID_POINTS", f"--grid {text}", "values")


def _progress(done: int, total: int) -> None:
    width = 30
    filled = int(width * done / total)
    print(
        f"\r[{'#' * filled}{'.' * (width - filled)}] {done:,}/{total:,}",
        end="",
        file=sys.stderr,
        flush=True,
    )


COMMANDS = {
    "validate": cmd_validate,
    "template": cmd_template,
    "solve": cmd_solve,
    "frontier": cmd_frontier,
    "compare": cmd_compare,
    "stress": cmd_stress,
    "montecarlo": cmd_montecarlo,
    "out-of-sample": cmd_out_of_sample,
    "sweep": cmd_sweep,
    "exposure": cmd_exposure,
    "plan": cmd_plan,
    "import-trade": _Lazy(".trade").run,
}


# --- loading and the policy ----------------------------------------------------------------


def _load(path: str | None) -> Dataset:
    shown = str(path) if path is not None else str(BUNDLED_DATA)
    try:
        return load_dataset(path)
    except InputError as e:
        raise DatasetError(e.problems, shown) from None


def _solve(args: argparse.Namespace) -> Solution:
    ds = _load(args.data)
    return optimize(ds, _policy(args, ds))


def _policy(args: argparse.Namespace, dataset: Dataset) -> policy_mod.Policy:
    """Layer preset < policy file < flags, build through from_dict and check it against the
    dataset, naming the flag, file or preset each problem comes from."""
    if not dataset.demanded_elements:  # loads fine, but a solve would have nothing to do
        raise InputError(
            Problem(
                dataset.origin,
                "no element has demand_t above 0, so there is nothing to buy: give the demand of at least one element",
            )
        )
    layers: list[tuple[str, dict[str, Any]]] = []
    if args.preset:
        layers.append((f"--preset {args.preset}", _expand({"preset": args.preset})))
    if args.policy:
        raw = policy_mod.read_policy_file(args.policy)  # size, aliases, duplicate keys
        policy_mod.from_dict(raw, where=str(args.policy))  # unknown settings, wrong types
        layers.append((str(args.policy), _expand(raw)))
    flags = _flag_layer(args)
    layers.append((CLI, flags))
    merged: dict[str, Any] = {}
    for _, layer in layers:
        merged = _merge(merged, layer)
    if "budget_premium" in flags:  # a premium on the command line replaces a file's budget
        merged.pop("budget_usd", None)
    where = " + ".join(name for name, layer in layers if layer) or "default policy"
    policy = policy_mod.from_dict(merged, where=where)
    try:
        return policy_mod.validate(policy, dataset, where=where)
    except InputError as e:
        raise InputError([_locate(p, layers, where) for p in e.problems]) from None


def _expand(layer: Mapping[str, Any]) -> dict[str, Any]:
    """A layer with its own preset written out underneath it."""
    preset = layer.get("preset")
    base = copy.deepcopy(policy_mod.PRESETS.get(preset, {})) if isinstance(preset, str) else {}
    return _merge(base, layer)


def _merge(low: Mapping[str, Any], high: Mapping[str, Any]) -> dict[str, Any]:
    """`high` over `low`, key by key inside mappings; None in `high` means 'not set'."""
    out = dict(low)
    for k, v in high.items():
        if v is None:
            continue
        if isinstance(v, Mapping) and isinstance(out.get(k), Mapping):
            out[k] = _merge(out[k], v)
        else:
            out[k] = copy.deepcopy(v)
    return out


FLAG_OF = {
    "objective": "--objective",
    "budget_premium": "--budget-premium",
    "budget_usd": "--budget",
    "country_cap": "--country-cap",
    "recycled_min": "--recycled-min",
    "elements": "--elements",
    "weights": "--weights",
    "alpha": "--alpha",
    "stockpile_days": "--stockpile-days",
    "scenarios": "--scenarios",
    "no_worse_than_today": "--allow-worse-than-today",
    "caps": "--cap",
    "element_caps": "--cap",
    "bloc_min": "--bloc-min",
    "element_bloc_min": "--bloc-min",
    "risk_caps": "--risk-cap",
    "stage": "--stage",
    "year": "--year",
    "stockpile_as_supplier": "--stockpile-as-supplier",
    "stockpile_target_days": "--stockpile-target-days",
    "stockpile_max_days": "--stockpile-max-days",
    "sample_years": "--sample-years",
    "rules_in_force": "--without-rules",
}


def _flag_layer(args: argparse.Namespace) -> dict[str, Any]:
    out: dict[str, Any] = {}
    problems: list[Problem] = []
    for key in (
        "objective",
        "budget_premium",
        "country_cap",
        "recycled_min",
        "weights",
        "alpha",
        "stockpile_days",
        "stockpile_target_days",
        "stockpile_max_days",
        "sample_years",
        "stage",
        "year",
    ):
        if getattr(args, key) is not None:
            out[key] = getattr(args, key)
    if args.budget is not None:
        out["budget_usd"] = args.budget
    for key, value in out.items():
        if isinstance(value, float) and not math.isfinite(value):
            problems.append(Problem(FLAG_OF[key], "must be a finite number", value=value))

    def assignments(texts: list[str], flag: str) -> list[tuple[str | None, str, float]]:
        parsed = []
        for text in texts:
            try:
                parsed.append(policy_mod.parse_assignment(text, flag))
            except InputError as e:
                problems.extend(e.problems)
        return parsed

    for plain_key, element_key, flag, texts in (
        ("caps", "element_caps", "--cap", args.cap),
        ("bloc_min", "element_bloc_min", "--bloc-min", args.bloc_min),
    ):
        for element, name, value in assignments(texts, flag):
            if element is None:
                out.setdefault(plain_key, {})[name] = value
            else:
                out.setdefault(element_key, {}).setdefault(element, {})[name] = value
    for element, name, value in assignments(args.risk_cap, "--risk-cap"):
        if element is not None:
            problems.append(
                Problem(
                    f"--risk-cap {element}:{name}={value:g}",
                    "a risk cap applies to every element: write MEASURE=X, e.g. --risk-cap hhi=0.4",
                )
            )
        else:
            out.setdefault("risk_caps", {})[name] = value
    if args.allow_worse_than_today:
        out["no_worse_than_today"] = False
    if args.stockpile_as_supplier:
        out["stockpile_as_supplier"] = True
    if args.without_rules:
        out["rules_in_force"] = False
    if args.scenarios is not None:
        out["scenarios"] = [n.strip() for n in args.scenarios.split(",") if n.strip()]
    if args.elements is not None:
        chosen = [e.strip() for e in args.elements.split(",") if e.strip()]
        if not chosen:
            problems.append(
                Problem("--elements", "name at least one element, e.g. --elements Nd,Dy")
            )
        twice = sorted({e for e in chosen if chosen.count(e) > 1})
        if twice:
            problems.append(
                Problem("--elements", f"names {', '.join(twice)} twice: name each once")
            )
        out["elements"] = chosen
    if problems:
        raise InputError(problems)
    return out


def _locate(p: Problem, layers: list[tuple[str, dict[str, Any]]], fallback: str) -> Problem:
    """Point a policy problem at the layer that set the value: a flag, the file or the preset."""
    if p.where != fallback or not p.column:
        return p
    key, _, rest = p.column.partition(".")
    path = [key] + ([rest] if key in ("caps", "bloc_min", "risk_caps") else rest.split(".", 1))
    path = [x for x in path if x]
    for name, layer in reversed(layers):
        node: Any = layer
        for part in path:
            node = node.get(part) if isinstance(node, Mapping) else None
        if node is None:
            continue
        if name != CLI:
            return replace(p, where=name)
        flag = FLAG_OF.get(key, key)
        target = ":".join(path[1:]) if len(path) > 1 else ""
        return replace(p, where=f"{flag} {target}".strip(), column=None)
    return p


# --- reports -------------------------------------------------------------------------------


def solve_report(sol: Solution) -> str:
    """The compact human summary printed after a solve."""
    base, opt = sol.baseline_portfolio, sol.portfolio
    objective = sol.policy.objective
    fmt = _usd if objective in ("cost", "cvar", "worst-case") else _idx
    lines = [
        f"status      {sol.status} ({_plural(len(sol.scope), 'element')}, {_plural(sol.cut_rounds, 'cut round')})",
        f"objective   {objective} {fmt(sol.objective_value)} (today {fmt(sol.baseline_objective_value)})",
    ]
    cost = f"cost        {_usd(sol.total_cost_usd)} a year; least cost {_usd(sol.least_cost_usd)}"
    if sol.least_cost_usd > 0:
        cost += f" ({sol.total_cost_usd / sol.least_cost_usd - 1:+.1%})"
    cost += "; budget " + (
        "none (cost objective)" if sol.budget_usd is None else _usd(sol.budget_usd)
    )
    lines.append(cost)
    (stage, china), (base_stage, base_china) = sol.worst_stage(), sol.worst_stage("baseline")
    if len(sol.dataset.stages) > 1:
        lines.append(
            f"China share at the worst stage: {_pct(base_china)} today ({base_stage}), {_pct(china)} optimized ({stage})"
        )
    rows = [
        ("HHI", "hhi", _idx),
        ("China share", "china_share", _pct),
        ("FORGE share", "forge_share", _pct),
        ("cost USD", "cost_usd", _num),
        ("unmet t", "unmet_t", _tonnes),
    ]
    lines.append(f"{'portfolio':<14}{'today':>16}{'optimized':>16}")
    for label, key, f in rows:
        lines.append(
            f"  {label:<12}{f(base.get(key, math.nan)):>16}{f(opt.get(key, math.nan)):>16}"
        )
    if len(sol.above_today):
        lines.append("above today (the budget cannot keep every element at today's level)")
        lines += [f"  - {x}" for x in sol.above_today["explanation"]]
    if len(sol.caps_not_met):
        lines.append("risk caps not met (no mix of the supply that can be had keeps them)")
        lines += [f"  - {x}" for x in sol.caps_not_met["explanation"]]
    worse = worse_than_today(sol)
    if worse:
        lines.append(
            "worse than today: "
            + "; ".join(
                f"{w['measure']} {_num_or_pct(w['measure'], w['today'])} -> {_num_or_pct(w['measure'], w['optimized'])}"
                for w in worse
            )
        )
    if len(sol.shortfalls):
        lines.append("shortfalls")
        lines += [f"  - {x}" for x in sol.shortfalls["explanation"]]
    else:
        lines.append("shortfalls  none: every element's demand is met")
    sp = sol.shadow_prices
    binding = sp[sp["binding"].astype(bool)] if len(sp) else sp
    if len(binding):
        effect = "least_cost_usd_per_point" if objective == "cost" else "risk_per_point"
        top = binding.assign(_size=binding[effect].abs().fillna(0.0)).sort_values(
            "_size", ascending=False, kind="stable"
        )
        top = top.head(TOP_SHADOW_PRICES)
        lines.append(f"binding constraints ({len(top)} of {len(binding)}, largest effect first)")
        lines += [f"  - {x}" for x in top["explanation"]]
    else:
        lines.append("binding constraints  none")
    return "\n".join(lines)


def stage_report(sol: Solution) -> str:
    """China's share of what reaches Korea, stage by stage: per element, then the portfolio."""
    table = export.stage_comparison(sol, ("china_share",))
    table["stage"] = pd.Categorical(table["stage"], categories=list(STAGES), ordered=True)
    today = table.pivot(index="element", columns="stage", values="china_share_baseline")
    opt = table.pivot(index="element", columns="stage", values="china_share_optimized")
    order = [*sol.scope, "portfolio"]
    stages = [s for s in STAGES if s in today.columns]
    shown = pd.DataFrame({"element": order})
    for s in stages:
        shown[f"{s} today"] = today[s].reindex(order).map(_pct).to_numpy()
        shown[f"{s} opt"] = opt[s].reindex(order).map(_pct).to_numpy()
    return "China's share by stage, today against optimized\n" + shown.to_string(index=False)


def _num_or_pct(measure: str, x: float) -> str:
    if measure.endswith("_t"):
        return _tonnes(x) + " t"
    return _pct(x) if "share" in measure else _idx(x)


def _usd(x: float) -> str:
    if x is None or not math.isfinite(x):
        return "n/a"
    return f"{x / 1e6:,.2f} million USD" if abs(x) >= 1e6 else f"{x:,.0f} USD"


def _num(x: float) -> str:
    return "n/a" if x is None or not math.isfinite(x) else f"{x:,.0f}"


def _tonnes(x: float) -> str:
    return "n/a" if x is None or not math.isfinite(x) else f"{x:,.1f}"


def _pct(x: float) -> str:
    return "n/a" if x is None or not math.isfinite(x) else f"{x:.1%}"


def _idx(x: float) -> str:
    return "n/a" if x is None or not math.isfinite(x) else f"{x:.4f}"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _version() -> str:
    try:
        return version("ree-sourcing")
    except PackageNotFoundError:
        return "unknown"


if __name__ == "__main__":
    raise SystemExit(main())
