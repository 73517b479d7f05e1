"""Where one optimize() spends its time: PuLP build, PuLP's first solve (split into phases),
the in-place re-solves, and packaging the Solution. Shared by the single-solve, scaling and
CVaR groups."""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass, field
from typing import Any

from optimizer.dataset import Dataset
from optimizer.network.model import Formulation, formulate, solve_stages
from optimizer.policy import Policy, validate
from optimizer.solution import solution_from

from .common import Row, fmt_seconds
from .highs_tools import Recording, instrumented, raw

PHASE_LABELS = {
    "build": "PuLP model build in Python (formulate minus the hand-over)",
    "transfer": "PuLP -> HiGHS transfer (addCols/addRows)",
    "first_run": "HiGHS run, stage 1 (inside PuLP's solve)",
    "writeback": "PuLP writes values/duals back to its objects",
    "index": "HighsLP index maps and the model reset to no basis",
    "stages": "solve_stages(): re-solves in place",
    "stages_run": "HiGHS run() inside solve_stages",
    "stages_calls": "other highspy calls inside solve_stages",
    "solution": "solution_from(): metrics, shortfalls, shadow prices",
}


@dataclass
class Anatomy:
    phases: dict[str, list[float]] = field(default_factory=dict)
    form: Formulation | None = None
    recording: Recording | None = None
    solves: int = 0
    cut_rounds: int = 0
    highs_calls: dict[str, list[float]] = field(default_factory=dict)

    def median(self, key: str) -> float:
        return statistics.median(self.phases[key])

    @property
    def rows_cols(self) -> tuple[int, int]:
        h = raw(self.form.lp.highs)
        return h.getNumRow(), h.getNumCol()


def dissect(ds: Dataset, policy: Policy, repeats: int) -> Anatomy:
    """Run formulate + solve_stages + solution_from `repeats` times under the instruments."""
    out = Anatomy()
    for _ in range(repeats):
        with instrumented() as inst:
            start = time.perf_counter()
            checked = validate(policy, ds)
            t0 = time.perf_counter()
            form = formulate(ds, checked)
            t1 = time.perf_counter()
            inst.reset_calls()
            stages = solve_stages(form, checked)
            t2 = time.perf_counter()
            run_s = inst.highs_seconds(("run",))
            calls_s = inst.highs_seconds() - run_s
            calls = {k: list(v) for k, v in inst.highs_calls.items()}
            solution_from(form, checked, stages)
            t3 = time.perf_counter()
        pulp_solve = sum(inst.pulp.values())
        sample = {
            "total": t3 - start,
            "validate": t0 - start,
            "formulate": t1 - t0,
            "build": (t1 - t0) - inst.handover,
            "transfer": inst.pulp["createAndConfigureSolver"] + inst.pulp["buildSolverModel"],
            "first_run": inst.pulp["callSolver"],
            "writeback": inst.pulp["findSolutionValues"],
            "index": inst.handover - pulp_solve,
            "stages": t2 - t1,
            "stages_run": run_s,
            "stages_calls": calls_s,
            "solution": t3 - t2,
        }
        for k, v in sample.items():
            out.phases.setdefault(k, []).append(v)
        out.form, out.recording, out.highs_calls = form, inst.recordings[0], calls
        out.solves, out.cut_rounds = out.recording.solves, stages.cut_rounds
    return out


def anatomy_rows(a: Anatomy, prefix: str = "") -> list[Row]:
    """Rows for each phase, with its share of the instrumented run's median total."""
    total = a.median("total")
    rows = [
        Row(
            f"{prefix}same, instrumented: validate + formulate + solve_stages + solution_from",
            seconds=total,
            note=f"median of {len(a.phases['total'])} runs with every phase timed",
        )
    ]
    order = [
        ("validate", "validate()", 1),
        ("formulate", "formulate(): PuLP build and hand-over to HiGHS (nothing solved)", 1),
        ("build", PHASE_LABELS["build"], 2),
        ("transfer", PHASE_LABELS["transfer"], 2),
        ("index", PHASE_LABELS["index"], 2),
        ("stages", f"solve_stages(): all {a.solves} solves, in place", 1),
        ("stages_run", PHASE_LABELS["stages_run"], 2),
        ("stages_calls", PHASE_LABELS["stages_calls"], 2),
        ("solution", PHASE_LABELS["solution"], 1),
    ]
    for key, label, depth in order:
        m = a.median(key)
        indent = "· " * depth
        rows.append(
            Row(
                f"{prefix}{indent}{label}",
                seconds=m,
                note=f"{m / total:.0%} of the instrumented total" if total > 0 else "",
            )
        )
    return rows


def describe_calls(calls: dict[str, list[float]], top: int = 4) -> str:
    """'run 6x 9.1 ms; getLp 2x 0.3 ms; ...' (largest first)."""
    items = sorted(calls.items(), key=lambda kv: -kv[1][1])[:top]
    return "; ".join(f"{n} {int(c)}x {fmt_seconds(s)}" for n, (c, s) in items)


def lp_facts(a: Anatomy) -> dict[str, Any]:
    rows, cols = a.rows_cols
    return {
        "final_rows": rows,
        "final_cols": cols,
        "base_rows": getattr(a.form.lp, "base_rows", None),
        "solves": a.solves,
        "cut_rounds": a.cut_rounds,
        "phases_median_s": {k: statistics.median(v) for k, v in a.phases.items()},
    }
