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
from optimizer.scenarios import monte_carlo

from .anatomy import dissect, lp_facts
from .common import ROOT, Group, Row, fmt_seconds, measure, samples_of
from .synthetic import bundled_with_scenarios, synthetic

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
        "6. CVaR objective with 10, 100 and 1,000 scenarios (bundled data, synthetic scenarios)",
    )
    with tempfile.TemporaryDirectory(prefix="ree-bench-") as tmp:
        first = None
        for k in (10, 100, 1000):
            ds = bundled_with_scenarios(Path(tmp) / f"s{k}", k, seed=SEED + k)
            policy = Policy(objective="cvar")
            reps = {10: cfg.reps(7, 3), 100: cfg.reps(5, 2), 1000: cfg.reps(3, 1)}[k]
            if k == 10:  # first-call caches out of the way
                optimize(ds, policy)
            a = dissect(ds, policy, reps)
            t = samples_of(a.phases["total"])
            facts = lp_facts(a)
            ph = facts["phases_median_s"]
            first = first or t.median
            g.add(
                Row(
                    f"{k:,} scenarios: `optimize(ds, Policy(objective='cvar'))`",
                    t,
                    ratio=t.median / first,
                    vs="10 scenarios",
                    note=(
                        f"formulate {fmt_seconds(ph['formulate'])} (PuLP build "
                        f"{fmt_seconds(ph['build'])}, HiGHS {fmt_seconds(ph['first_run'])}), "
                        f"solve_stages {fmt_seconds(ph['stages'])}, solution "
                        f"{fmt_seconds(ph['solution'])}; LP {facts['final_rows']:,} x "
                        f"{facts['final_cols']:,}"
                    ),
                )
            )
            g.facts[str(k)] = {"timing": t.to_json(), **facts}
    g.notes.append(
        "Each scenario stops part (availability 0-0.8) of 1-3 random suppliers' offers for "
        "30-365 days; probabilities sum to 0.9. One net-shortfall variable and row per "
        "scenario x affected element, one excess variable per scenario."
    )
    return g


def run_montecarlo(cfg) -> Group:
    g = Group("montecarlo", "7. Monte Carlo: 100,000 samples of supplier outages, baseline mix")
    ds = load_dataset()
    mix = baseline_mix(ds)
    samples = 100_000
    t = measure(lambda: monte_carlo(ds, mix, samples=samples), cfg.reps(7, 3), per=samples)
    g.add(Row("`monte_carlo(ds, baseline_mix(ds), samples=100_000)`", seconds=t.median))
    g.add(Row("· per sample", t, unit="sample"))
    g.notes.append(
        f"{len(ds.suppliers)} suppliers x {len(ds.demanded_elements)} elements: one uniform "
        "draw per supplier and sample, a dense outage x tonnes product and percentiles."
    )
    g.facts = {"samples": samples, "timing": t.to_json()}
    return g
