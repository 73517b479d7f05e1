"""Groups 5, 6 and 7: growth of time and memory with the size of the network (the bundled data
cloned: elements x k_e, plants outside China x k_p), with the CVaR objective's in-sample years,
and the cost of a 100,000-sample Monte Carlo.

Every scaling and CVaR case runs in its own process (bench/child.py), so each has its own peak
memory (max RSS) and a time limit can stop it and still say where the time went."""

from __future__ import annotations

import math
import pstats
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

from optimizer import load_dataset
from optimizer.network.measures import baseline_flows as baseline_mix
from optimizer.schema import BUNDLED_DATA
from optimizer.uncertainty import monte_carlo

from .child import ChildRun, run_child
from .common import ROOT, Group, Row, fmt_ratio, fmt_seconds, measure, samples_of
from .synthetic import SIZES, write_scaled

OBJECTIVES = ("cost", "hhi")  # Policy(objective="cost") and Policy() (HHI, the default)
HHI_TIME_S = 30.0  # the targets for HHI at 100x
HHI_MEMORY_MB = 4096.0
LINEAR_SLOPE = 1.2  # "about linear": time grows at most as (LP nonzeros)^1.2
YEARS = (10, 100, 1_000, 10_000)
CVAR_TIME_S = 10.0


def _reps(cfg, size: str) -> int:
    return {"1x": cfg.reps(5, 3), "3x": cfg.reps(5, 3), "10x": cfg.reps(3, 1)}.get(size, 1)


def _limit(cfg, big_hhi: bool) -> float | None:
    return (cfg.hhi100_limit if big_hhi else cfg.case_limit) or None


def _profile_path(cfg, tmp: str, name: str) -> Path | None:
    return Path(tmp) / f"{name}.prof" if cfg.profile else None


def _print_profile(run: ChildRun, title: str) -> None:
    if run.profile is None:
        return
    stats = pstats.Stats(str(run.profile), stream=sys.stderr)
    print(f"[bench] profile of {title} (child process), by own time:", file=sys.stderr)
    stats.sort_stats("tottime").print_stats(25)
    print(f"[bench] profile of {title} (child process), by cumulative time:", file=sys.stderr)
    stats.sort_stats("cumulative").print_stats(25)


def _mb(x: float | None) -> str:
    if x is None:
        return "?"
    return f"{x / 1024:.2f} GB" if x >= 1024 else f"{x:.0f} MB"


def _summary(run: ChildRun) -> dict[str, Any]:
    """Medians over the timed repeats of everything a `done` event reports."""
    done = run.done
    out: dict[str, Any] = {
        "finished": run.finished and not run.failed and bool(done),
        "wall_s": run.wall_s,
        "stopped_after_s": run.stopped_after_s,
        "exited_after_s": run.exited_after_s,
        "killed": run.killed,
        "peak_rss_mb": run.peak_mb,
        "loaded_rss_mb": run.loaded.get("rss_mb"),
        "load_s": run.loaded.get("load_s"),
        "plants": run.loaded.get("plants"),
        "elements": run.loaded.get("elements"),
        "capacity_rows": run.loaded.get("capacity_rows"),
    }
    if done:
        out["samples_s"] = [e["optimize_s"] for e in done]
        for k in done[0]:
            if k.endswith("_s"):
                out[k] = statistics.median(e[k] for e in done)
        for k in ("rows", "cols", "nonzeros", "base_rows", "arcs", "solves", "cut_rounds"):
            out[k] = done[-1][k]
        out["re_solves_s"] = done[-1].get("runs_s")  # the last repeat's HiGHS re-solves
    else:
        runs = [e for e in run.of("run") if e.get("rep", 1) > 0]
        form = [e for e in run.of("formulate") if e.get("rep", 1) > 0]
        out["progress"] = {
            "formulate_s": form[0]["s"] if form else None,
            "first_run_s": form[0]["first_run"] if form else None,
            "re_solves": len(runs),
            "re_solves_s": sum(e["s"] for e in runs),
            "last_re_solve_s": runs[-1]["s"] if runs else None,
        }
        if run.failed:
            out["failed"] = run.failed
    return out


def _phases(f: dict[str, Any]) -> str:
    return (
        f"formulate {fmt_seconds(f['formulate_s'])} (PuLP build {fmt_seconds(f['build_s'])}), "
        f"solve_stages {fmt_seconds(f['stages_s'])} "
        f"(HiGHS run {fmt_seconds(f['stages_run_s'])}), solution "
        f"{fmt_seconds(f['solution_s'])}"
    )


def _unfinished(f: dict[str, Any], limit: float | None) -> str:
    if "failed" in f:
        return f"FAILED: {f['failed']}"
    if not limit:
        return "the child process reported no finished run"
    p = f["progress"]
    how = "killed" if f["killed"] else "it stopped"
    parts = [
        f"did not finish in {limit:.0f} s (SIGTERM at {fmt_seconds(f['stopped_after_s'])}, "
        f"{how} at {fmt_seconds(f['exited_after_s'])}, timed from the end of loading and "
        "warm-up)"
    ]
    if p["formulate_s"] is not None:
        parts.append(f"formulate {fmt_seconds(p['formulate_s'])}")
    n = p["re_solves"]
    parts.append(
        f"{n} re-solve{'' if n == 1 else 's'} done in {fmt_seconds(p['re_solves_s'])} of HiGHS"
    )
    if p["last_re_solve_s"] is not None:
        parts.append(f"the last {fmt_seconds(p['last_re_solve_s'])}")
    parts.append(f"peak RSS so far {_mb(f['peak_rss_mb'])}")
    return "; ".join(parts)


def slope(t0: float, t1: float, n0: float, n1: float) -> float | None:
    """d log(time) / d log(size) between two points (1 = linear growth)."""
    if min(t0, t1, n0, n1) <= 0 or n1 == n0:
        return None
    return math.log(t1 / t0) / math.log(n1 / n0)


def run_scaling(cfg) -> Group:
    g = Group(
        "scaling",
        "5. Scaling: the bundled network cloned, elements x k_e and plants outside China x k_p "
        "(size k_e x k_p, 1x to 100x)",
    )
    with tempfile.TemporaryDirectory(prefix="ree-bench-") as tmp:
        first: dict[str, dict[str, Any]] = {}
        prev: dict[str, dict[str, Any]] = {}
        for size, (k_e, k_p) in SIZES.items():
            folder = write_scaled(Path(tmp) / size, k_e, k_p)
            for objective in OBJECTIVES:
                big_hhi = size == "100x" and objective == "hhi"
                limit = _limit(cfg, big_hhi)
                name = f"{size}-{objective}"
                run = run_child(
                    folder,
                    objective,
                    reps=_reps(cfg, size),
                    limit=limit,
                    profile=_profile_path(cfg, tmp, name) if size == "100x" else None,
                    cwd=ROOT,
                )
                _print_profile(run, f"scaling {size} {objective}")
                f = _summary(run)
                f.update(k_e=k_e, k_p=k_p, limit_s=limit)
                g.facts[f"{size}/{objective}"] = f
                label = (
                    f"{size} (elements x{k_e}, plants outside China x{k_p}: "
                    f"{f['elements'] or '?'} elements, {f['plants'] or '?'} plants) `{objective}`"
                )
                if not f["finished"]:
                    g.add(Row(label, note=_unfinished(f, limit)))
                    continue
                base = first.setdefault(objective, f)
                t = samples_of(f["samples_s"])
                per_nz = f["optimize_s"] / f["nonzeros"]
                step = ""
                if objective in prev:
                    p = prev[objective]
                    s = slope(p["optimize_s"], f["optimize_s"], p["nonzeros"], f["nonzeros"])
                    step = f"; slope since {p['size']} {s:.2f}" if s is not None else ""
                prev[objective] = {**f, "size": size}
                f["per_nonzero_s"] = per_nz
                f["per_nonzero_vs_1x"] = per_nz / (base["optimize_s"] / base["nonzeros"])
                g.add(
                    Row(
                        label,
                        t,
                        ratio=f["optimize_s"] / base["optimize_s"],
                        vs=f"1x {objective}",
                        note=(
                            f"LP {f['rows']:,} x {f['cols']:,}, {f['nonzeros']:,} nonzeros "
                            f"({fmt_ratio(f['nonzeros'] / base['nonzeros'])} 1x), "
                            f"{f['arcs']:,} arcs; {f['solves']} HiGHS solves; "
                            f"{_phases(f)}; {fmt_seconds(per_nz * 1e3)} per 1,000 nonzeros "
                            f"({fmt_ratio(f['per_nonzero_vs_1x'])} 1x's){step}; peak RSS "
                            f"{_mb(f['peak_rss_mb'])} ({_mb(f['loaded_rss_mb'])} after "
                            f"imports and loading; {fmt_ratio(f['peak_rss_mb'] / base['peak_rss_mb'])}"
                            " 1x)"
                        ),
                    )
                )
        for objective in OBJECTIVES:
            _growth_row(g, objective)
    g.notes.append(
        "Each size is the bundled dataset with every element cloned k_e times (new codes, same "
        "figures, every element-keyed table extended) and every plant outside China cloned "
        "k_p times in its country (capacity split evenly; named feed rules and today's flows "
        "copy i -> copy i; STAGE:COUNTRY rules reach every copy, so their arcs grow as k_p^2), "
        "written as CSVs and read back with load_dataset() (bench/synthetic.py). `cost` is "
        "Policy(objective='cost'), `hhi` the default Policy()."
    )
    g.notes.append(
        "Each case runs in its own process (bench/child.py): the time is optimize()'s sequence "
        "(validate, formulate, solve_stages, solution_from, every phase timed) on the freshly "
        "loaded data, after a warm-up optimize() on the bundled data (and, with several "
        "repeats, one untimed run on the case itself); memory is the process's peak RSS "
        "(VmHWM), interpreter, libraries and dataset included. Ratio: time over the same "
        f"objective at 1x; slope: d log(time) / d log(LP nonzeros). The 100x HHI case stops at "
        f"--hhi100-limit ({fmt_seconds(cfg.hhi100_limit) if cfg.hhi100_limit else 'none'}), "
        f"the others at --case-limit ({fmt_seconds(cfg.case_limit) if cfg.case_limit else 'none'})."
    )
    return g


def _growth_row(g: Group, objective: str) -> None:
    done = [
        (size, g.facts[f"{size}/{objective}"])
        for size in SIZES
        if g.facts.get(f"{size}/{objective}", {}).get("finished")
    ]
    if len(done) < 2:
        return
    (s0, a), (s1, b) = done[0], done[-1]
    missing = [size for size in SIZES if size not in dict(done)]
    sl = slope(a["optimize_s"], b["optimize_s"], a["nonzeros"], b["nonzeros"])
    g.facts[f"growth/{objective}"] = {
        "from": s0,
        "to": s1,
        "time_ratio": b["optimize_s"] / a["optimize_s"],
        "nonzeros_ratio": b["nonzeros"] / a["nonzeros"],
        "cols_ratio": b["cols"] / a["cols"],
        "memory_ratio": b["peak_rss_mb"] / a["peak_rss_mb"],
        "slope_time_vs_nonzeros": sl,
    }
    gr = g.facts[f"growth/{objective}"]
    g.add(
        Row(
            f"growth `{objective}`, {s0} -> {s1}",
            seconds=b["optimize_s"],
            ratio=gr["time_ratio"],
            vs=f"{s0} {objective}",
            note=(
                f"LP nonzeros x{gr['nonzeros_ratio']:.1f}, columns x{gr['cols_ratio']:.1f}; "
                f"time grows as nonzeros^{sl:.2f} (1 = linear); peak RSS "
                f"x{gr['memory_ratio']:.2f}"
                + (f"; {', '.join(missing)} did not finish" if missing else "")
            ),
        )
    )


def run_cvar(cfg) -> Group:
    g = Group(
        "cvar",
        "6. CVaR objective over 10, 100, 1,000 and 10,000 in-sample years (bundled event library)",
    )
    ds = load_dataset()
    first = None
    with tempfile.TemporaryDirectory(prefix="ree-bench-") as tmp:
        for n in YEARS:
            reps = {10: cfg.reps(5, 3), 100: cfg.reps(5, 3), 1000: cfg.reps(3, 1)}.get(n, 1)
            run = run_child(
                BUNDLED_DATA,
                "cvar",
                reps=reps,
                sample_years=n,
                limit=cfg.case_limit or None,
                profile=_profile_path(cfg, tmp, f"cvar-{n}") if n == YEARS[-1] else None,
                cwd=ROOT,
            )
            _print_profile(run, f"cvar {n} years")
            f = _summary(run)
            f["limit_s"] = cfg.case_limit or None
            g.facts[str(n)] = f
            label = f"{n:,} years: `optimize(ds, Policy(objective='cvar', sample_years={n}))`"
            if not f["finished"]:
                g.add(Row(label, note=_unfinished(f, cfg.case_limit)))
                continue
            first = first or f
            g.add(
                Row(
                    label,
                    samples_of(f["samples_s"]),
                    ratio=f["optimize_s"] / first["optimize_s"],
                    vs=f"{YEARS[0]} years",
                    note=(
                        f"LP {f['rows']:,} x {f['cols']:,}, {f['nonzeros']:,} nonzeros; "
                        f"{f['solves']} HiGHS solves; {_phases(f)}; peak RSS "
                        f"{_mb(f['peak_rss_mb'])} ({_mb(f['loaded_rss_mb'])} after imports and "
                        f"loading)" + (f"; target: < {CVAR_TIME_S:g} s" if n == 10_000 else "")
                    ),
                )
            )
    g.notes.append(
        f"{ds.scenarios['scenario'].nunique()} independent events; the in-sample years are "
        "drawn from them (Policy.sample_years, seed 0) and years that match to the day are "
        "merged. A year with no event adds nothing to the LP, a busy year one net-shortfall "
        "variable and row per element it hits, and one CVaR excess variable. Each case runs "
        "in its own process, as in group 5 (time: optimize()'s phases; memory: peak RSS)."
    )
    return g


def run_montecarlo(cfg) -> Group:
    g = Group("montecarlo", "7. Monte Carlo: 100,000 years of disruption events, baseline mix")
    ds = load_dataset()
    mix = baseline_mix(ds)
    samples = 100_000
    t = measure(lambda: monte_carlo(ds, mix, samples=samples), cfg.reps(7, 3), per=samples)
    g.add(Row("`monte_carlo(ds, baseline_mix(ds), samples=100_000)`", seconds=t.median))
    g.add(Row("· per sample", t, unit="sample"))
    g.notes.append(
        f"{ds.scenarios['scenario'].nunique()} events x {len(ds.demanded_elements)} elements: "
        "a uniform draw per event and year, a triangular duration, a years x events x elements "
        "product and percentiles."
    )
    g.facts = {"samples": samples, "timing": t.to_json()}
    return g
