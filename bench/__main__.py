"""`python -m bench [--quick] [--only NAME] [--json FILE]`: run the benchmarks, print tables."""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import sys
import time
from dataclasses import dataclass
from typing import Any

from . import GROUPS
from .common import Group, facts_line, fmt_ratio, machine_facts, markdown
from .highs_tools import quiet_banner

TARGET = 3.0
SPEEDUP = 10.0


@dataclass
class Config:
    quick: bool = False
    hhi100_limit: float = 60.0

    def reps(self, full: int, quick: int) -> int:
        return quick if self.quick else full


def runners() -> dict[str, Any]:
    from .plan import run_plan
    from .scale import run_cvar, run_montecarlo, run_scaling
    from .security import run_security
    from .single import run_frontier, run_network, run_single
    from .sweeps import run_big_sweep, run_resolve

    return {
        "network": run_network,
        "single": run_single,
        "frontier": run_frontier,
        "resolve": run_resolve,
        "sweep10k": run_big_sweep,
        "scaling": run_scaling,
        "cvar": run_cvar,
        "montecarlo": run_montecarlo,
        "security": run_security,
        "plan": run_plan,
    }


def targets(groups: dict[str, Group]) -> list[dict[str, Any]]:
    """The three targets, judged on this run's figures."""
    out = []
    if "resolve" in groups:
        f = groups["resolve"].facts
        for obj in ("cost", "hhi"):
            if obj not in f:
                continue
            r = f[obj]
            out.append(
                {
                    "target": f"(a) sweep point <= {TARGET:g}x a bare highspy re-solve ({obj})",
                    "measured": f"{fmt_ratio(r['ratio_vs_bare_all_caps'])} vs one bare re-solve; "
                    f"{fmt_ratio(r['ratio_vs_replay'])} vs highspy replaying the same solves",
                    "met": r["ratio_vs_bare_all_caps"] <= TARGET,
                    "met_like_for_like": r["ratio_vs_replay"] <= TARGET,
                }
            )
        for obj in ("cost", "hhi"):
            if obj not in f:
                continue
            r = f[obj]
            out.append(
                {
                    "target": f"(b) 100-point sweep >= {SPEEDUP:g}x faster than PuLP per point ({obj})",
                    "measured": f"{fmt_ratio(r['speedup_vs_fresh_optimize'])} vs fresh optimize(); "
                    f"{fmt_ratio(r['speedup_vs_fresh_evaluate'])} vs fresh Session.evaluate()",
                    "met": r["speedup_vs_fresh_optimize"] >= SPEEDUP,
                    "met_like_for_like": r["speedup_vs_fresh_evaluate"] >= SPEEDUP,
                }
            )
    if "single" in groups:
        f = groups["single"].facts
        for obj in ("hhi", "cost"):
            if obj not in f:
                continue
            r = f[obj]
            out.append(
                {
                    "target": f"(c) single solve within {TARGET:g}x of highspy ({obj})",
                    "measured": f"{fmt_ratio(r['ratio_vs_direct'])} vs final LP cold; "
                    f"{fmt_ratio(r['ratio_vs_replay'])} vs highspy replay",
                    "met": r["ratio_vs_direct"] <= TARGET,
                    "met_like_for_like": r["ratio_vs_replay"] <= TARGET,
                }
            )
    return out


def targets_markdown(rows: list[dict[str, Any]]) -> str:
    lines = ["### Targets", "", "| Target | Measured | Met? | Met, like for like? |"]
    lines.append("|---|---|---|---|")
    for r in rows:
        lines.append(
            f"| {r['target']} | {r['measured']} | {'yes' if r['met'] else 'no'} | "
            f"{'yes' if r['met_like_for_like'] else 'no'} |"
        )
    return "\n".join(lines)


def parse(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    ap.add_argument("--quick", action="store_true", help="about a minute: fewer repeats, smaller")
    ap.add_argument(
        "--only",
        action="append",
        metavar="NAME",
        help=f"run only this group (repeatable, or comma-separated): {', '.join(GROUPS)}",
    )
    ap.add_argument("--json", metavar="FILE", help="write every raw figure to FILE")
    ap.add_argument(
        "--hhi100-limit",
        type=float,
        default=60.0,
        metavar="S",
        help="time limit for the 100x HHI scaling case, seconds (0: none; default 60)",
    )
    ap.add_argument(
        "--profile",
        action="store_true",
        help="also run each group under cProfile and print its top functions to stderr "
        "(timings in the tables are then inflated by the profiler)",
    )
    ap.add_argument("--list", action="store_true", help="list the groups and exit")
    return ap.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    if args.list:
        print("\n".join(GROUPS))
        return 0
    chosen = list(GROUPS)
    if args.only:
        chosen = [n.strip() for item in args.only for n in item.split(",") if n.strip()]
        unknown = [n for n in chosen if n not in GROUPS]
        if unknown:
            print(
                f"error: unknown group {', '.join(unknown)}: choose from {', '.join(GROUPS)}",
                file=sys.stderr,
            )
            return 2
    cfg = Config(quick=args.quick, hhi100_limit=args.hhi100_limit)
    quiet_banner()
    facts = machine_facts()
    mode = "quick" if cfg.quick else "full"
    print(facts_line(facts))
    print(f"Mode: {mode}; times are medians of repeated time.perf_counter() measurements.\n")
    sys.stdout.flush()
    run = runners()
    groups: dict[str, Group] = {}
    started = time.perf_counter()
    for name in chosen:
        print(f"[bench] {name} ...", file=sys.stderr, flush=True)
        t0 = time.perf_counter()
        if args.profile:
            prof = cProfile.Profile()
            g = prof.runcall(run[name], cfg)
            stats = pstats.Stats(prof, stream=sys.stderr)
            print(f"[bench] profile of {name}, by own time:", file=sys.stderr)
            stats.sort_stats("tottime").print_stats(25)
        else:
            g = run[name](cfg)
        g.seconds = time.perf_counter() - t0
        groups[name] = g
        print(markdown(g) + "\n", flush=True)
    total = time.perf_counter() - started
    rows = targets(groups)
    if rows:
        print(targets_markdown(rows) + "\n")
    end_load = os.getloadavg() if hasattr(os, "getloadavg") else ()
    print(
        f"Total wall time: {total:.1f} s; load average at the end "
        f"{', '.join(f'{x:.2f}' for x in end_load)} (other processes share these cores)"
    )
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(
                {
                    "machine": facts,
                    "mode": mode,
                    "wall_s": total,
                    "load_average_end": end_load,
                    "groups": {n: g.to_json() for n, g in groups.items()},
                    "targets": rows,
                },
                fh,
                indent=2,
                default=str,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
