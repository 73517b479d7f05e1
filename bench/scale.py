"""Groups 5, 6 and 7: growth with the size of the data (suppliers x elements), with the number
of CVaR scenarios, and the cost of a 100,000-sample Monte Carlo."""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from optimizer import Policy, load_dataset, optimize
from optimizer.network.measures import baseline_flows as baseline_mix
from optimizer.uncertainty import monte_carlo

from .anatomy import dissect, lp_facts
from .common import ROOT, Group, Row, fmt_seconds, measure, samples_of
from .synthetic import synthetic

SIZES = {"1x": (20, 15), "10x": (60, 50), "100x": (200, 150)}  # suppliers x elements
SEED = 2026


def run_scaling(cfg) -> Group:
    g = Group(
        "scaling",
        "5. Scaling: synthetic N suppliers x M elements (every supplier offers every element)",
    )
    with tempfile.TemporaryDirectory(prefix="ree-bench-") as tmp:
        base: dict[str, float] = {}
        for size, (n_s, n_e) in SIZES.items():
            folder = Path(tmp) / size
            t0 = time.perf_counter()
            ds = synthetic(folder, n_s, n_e, seed=SEED)
            load_s = time.perf_counter() - t0
            offers = len(ds.capacity)
            big = size == "100x"
            for objective in ("cost", "hhi"):
                label = f"{size} ({n_s} x {n_e} = {offers:,} offers) `{objective}`"
                if big and objective == "hhi":
                    _child_row(g, cfg, folder, label, base)
                    continue
                reps = {"1x": cfg.reps(5, 3), "10x": cfg.reps(2, 1), "100x": cfg.reps(2, 1)}[size]
                policy = Policy(objective=objective)
                if size == "1x":  # first-call caches (baseline metrics) out of the way
                    optimize(ds, policy)
                a = dissect(ds, policy, reps)
                t = samples_of(a.phases["total"])
                if size == "1x":
                    base[objective] = t.median
                facts = lp_facts(a)
                ph = facts["phases_median_s"]
                g.add(
                    Row(
                        label,
                        t,
                        ratio=t.median / base[objective],
                        vs=f"1x {objective}",
                        note=(
                            f"formulate {fmt_seconds(ph['formulate'])} (PuLP build "
                            f"{fmt_seconds(ph['build'])}), solve_stages "
                            f"{fmt_seconds(ph['stages'])} ({facts['solves']} solves), "
                            f"solution {fmt_seconds(ph['solution'])}; LP "
                            f"{facts['final_rows']:,} x {facts['final_cols']:,}"
                        ),
                    )
                )
                g.facts[f"{size}/{objective}"] = {
                    "offers": offers,
                    "load_s": load_s,
                    "timing": t.to_json(),
                    **facts,
                }
    g.notes.append(
        "Sizes are 10x and 100x the offers of 1x (20 suppliers x 15 elements, close to the "
        f"bundled 22 x 17); data are generated with seed {SEED} and read back with load_dataset() "
        "(not timed). Each time is optimize()'s sequence (validate, formulate, solve_stages, "
        "solution_from) with every phase timed; ratio is its growth over the same objective at "
        "1x."
    )
    return g


def _child_row(g: Group, cfg, folder: Path, label: str, base: dict[str, float]) -> None:
    """100x HHI can take minutes: run it once in a child process under a time limit, reading
    its progress (formulate, each HiGHS solve) so a stopped run still says where time went."""
    if cfg.quick:
        g.add(Row(label, note="skipped in --quick (minutes); run `--only scaling`"))
        return
    limit = cfg.hhi100_limit
    cmd = [sys.executable, "-m", "bench.child", str(folder), "hhi"]
    events, finished = [], True
    start = time.perf_counter()
    try:
        out = subprocess.run(
            cmd, cwd=ROOT, capture_output=True, text=True, timeout=limit or None, check=True
        ).stdout
    except subprocess.TimeoutExpired as e:
        out, finished = e.stdout or "", False
        out = out.decode() if isinstance(out, bytes) else out
    wall = time.perf_counter() - start
    for line in out.splitlines():
        with contextlib.suppress(json.JSONDecodeError):
            events.append(json.loads(line))
    by = {e["event"]: e for e in events}
    runs = [e for e in events if e["event"] == "run"]
    run_s = sum(e["s"] for e in runs)
    parts = []
    if "formulate" in by:
        parts.append(f"formulate {fmt_seconds(by['formulate']['s'])}")
    parts.append(f"{len(runs)} re-solves took {fmt_seconds(run_s)} in HiGHS run()")
    if runs:
        parts.append(f"the last one {fmt_seconds(runs[-1]['s'])}")
    if finished and "done" in by:
        total = by["done"]["optimize_s"]
        g.add(
            Row(
                label,
                seconds=total,
                ratio=total / base["hhi"],
                vs="1x hhi",
                note="1 run (child process); " + "; ".join(parts),
            )
        )
    else:
        g.add(
            Row(
                label,
                seconds=None,
                note=f"did not finish within the {limit:.0f} s limit (stopped after "
                f"{fmt_seconds(wall)}, including loading): " + "; ".join(parts),
            )
        )
    g.facts["100x/hhi"] = {"finished": finished, "limit_s": limit, "events": events}


def run_cvar(cfg) -> Group:
    g = Group(
        "cvar",
        "6. CVaR objective over 200, 2,000 and 10,000 in-sample years (bundled event library)",
    )
    ds = load_dataset()
    first = None
    for n in (200, 2000, 10_000):
        policy = Policy(objective="cvar", sample_years=n)
        reps = {200: cfg.reps(5, 2), 2000: cfg.reps(3, 1), 10_000: cfg.reps(2, 1)}[n]
        if n == 200:  # first-call caches out of the way
            optimize(ds, policy)
        a = dissect(ds, policy, reps)
        t = samples_of(a.phases["total"])
        facts = lp_facts(a)
        ph = facts["phases_median_s"]
        first = first or t.median
        g.add(
            Row(
                f"{n:,} years: `optimize(ds, Policy(objective='cvar', sample_years={n}))`",
                t,
                ratio=t.median / first,
                vs="200 years",
                note=(
                    f"formulate {fmt_seconds(ph['formulate'])} (PuLP build "
                    f"{fmt_seconds(ph['build'])}, HiGHS {fmt_seconds(ph['first_run'])}), "
                    f"solve_stages {fmt_seconds(ph['stages'])}, solution "
                    f"{fmt_seconds(ph['solution'])}; LP {facts['final_rows']:,} x "
                    f"{facts['final_cols']:,}"
                ),
            )
        )
        g.facts[str(n)] = {"timing": t.to_json(), **facts}
    g.notes.append(
        f"{ds.scenarios['scenario'].nunique()} independent events; a year with no event adds "
        "nothing to the LP, a busy year one net-shortfall variable and row per element it hits, "
        "and one CVaR excess variable."
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
