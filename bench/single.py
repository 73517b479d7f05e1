"""Groups 1 and 2: one optimize() on the bundled data, and a 25-point frontier, each against
the same LP solved directly with highspy in the same run."""

from __future__ import annotations

from optimizer import Policy, load_dataset, optimize
from optimizer.frontier import frontier

from .anatomy import anatomy_rows, describe_calls, dissect, lp_facts
from .common import Group, Row, measure, samples_of
from .highs_tools import clone, instrumented, raw, read_solution, replay


def cold_solve(h, repeats: int):
    """run() alone on fresh copies of the LP `h` holds (no basis): the direct-highspy time."""

    def run(copy):
        copy.run()
        read_solution(copy)

    return measure(run, repeats, setup=lambda: clone(h))


def replays(recording, repeats: int):
    replay(recording)  # warm-up
    return samples_of([replay(recording) for _ in range(repeats)])


def run_single(cfg) -> Group:
    g = Group("single", "1. Single solve on the bundled data (load_dataset())")
    ds = load_dataset()
    reps = cfg.reps(9, 5)
    for objective in ("hhi", "cost"):
        policy = Policy(objective=objective)
        label = f"`optimize(ds, Policy(objective={objective!r}))`"
        total = measure(lambda p=policy: optimize(ds, p), reps)
        a = dissect(ds, policy, reps)
        direct = cold_solve(a.form.lp.highs, reps)
        rep = replays(a.recording, reps)
        rows, cols = a.rows_cols
        lp_work = a.median("formulate") + a.median("stages")
        g.add(
            Row(
                f"**{objective}**: {label} end to end",
                total,
                ratio=total.median / direct.median,
                vs="highspy, final LP, cold",
                note="target (c): <= 3x",
            )
        )
        for r in anatomy_rows(a):
            g.add(r)
        g.add(
            Row(
                f"highspy direct: final LP ({rows} rows x {cols} cols), cold `run()` only",
                direct,
                note="fresh Highs, passModel(getLp()), same options; solution read included",
            )
        )
        g.add(
            Row(
                f"highspy direct: replay of the same {a.solves} solves",
                rep,
                note="stage 1 cold, then the same cost/bound changes, cuts and warm re-solves",
            )
        )
        g.add(
            Row(
                "ratio: end to end / replay",
                seconds=total.median,
                ratio=total.median / rep.median,
                vs="highspy replay",
            )
        )
        g.add(
            Row(
                "ratio: LP work only (formulate + solve_stages) / final LP cold",
                seconds=lp_work,
                ratio=lp_work / direct.median,
                vs="highspy, final LP, cold",
            )
        )
        g.add(
            Row(
                "ratio: LP work only (formulate + solve_stages) / replay",
                seconds=lp_work,
                ratio=lp_work / rep.median,
                vs="highspy replay",
            )
        )
        g.add(
            Row(
                "PuLP build alone (formulate minus HiGHS's stage-1 run)",
                seconds=a.median("formulate") - a.median("first_run"),
                ratio=(a.median("formulate") - a.median("first_run")) / direct.median,
                vs="highspy, final LP, cold",
            )
        )
        g.facts[objective] = {
            "end_to_end_s": total.median,
            "direct_final_cold_s": direct.median,
            "replay_s": rep.median,
            "ratio_vs_direct": total.median / direct.median,
            "ratio_vs_replay": total.median / rep.median,
            "lp_work_s": lp_work,
            "pulp_build_s": a.median("formulate") - a.median("first_run"),
            "highs_calls_in_stages": {k: list(v) for k, v in a.highs_calls.items()},
            **lp_facts(a),
        }
        g.notes.append(
            f"{objective}: {a.solves} HiGHS solves ({a.cut_rounds} cut rounds); "
            f"final LP {rows} rows x {cols} cols; highspy calls in solve_stages: "
            f"{describe_calls(a.highs_calls)}."
        )
    g.notes.append(
        "'final LP, cold' solves the last LP the library held (HHI: with every cut still in it) "
        "once, from scratch, in a fresh highspy.Highs: 'the same LP solved directly with "
        "highspy'. 'replay' repeats the library's exact solve sequence in bare highspy (same "
        "stage-1 LP, same cuts, bound and cost changes, warm re-solves): what the whole run "
        "would cost written directly against highspy. Neither includes building the arrays."
    )
    return g


def run_frontier(cfg) -> Group:
    g = Group("frontier", "2. Frontier of 25 points (frontier(ds, Policy(), points=25))")
    ds = load_dataset()
    points = 25
    reps = cfg.reps(3, 1)
    total = measure(lambda: frontier(ds, Policy(), points=points), reps, warmup=cfg.reps(1, 0))
    with instrumented() as inst:
        frontier(ds, Policy(), points=points)
    rec = inst.recordings[0]
    h = raw(rec.proxy)
    direct = cold_solve(h, cfg.reps(9, 5))
    rep = replays(rec, reps)
    run_s = inst.highs_seconds(("run",))
    solves = rec.solves
    g.add(Row("`frontier(ds, Policy(), points=25)`", total, note=f"{solves} HiGHS solves"))
    g.add(Row("· per point", seconds=total.median / points, unit="point"))
    g.add(
        Row(
            f"25 x highspy direct cold solve of the final LP ({h.getNumRow()} rows)",
            seconds=points * direct.median,
            note=f"one cold solve: {direct.median * 1e3:.2f} ms",
        )
    )
    g.add(
        Row(
            "ratio: frontier / (25 x final LP cold)",
            seconds=total.median,
            ratio=total.median / (points * direct.median),
            vs="25 x highspy cold",
        )
    )
    g.add(Row(f"highspy direct: replay of the same {solves} solves", rep))
    g.add(
        Row(
            "ratio: frontier / replay",
            seconds=total.median,
            ratio=total.median / rep.median,
            vs="highspy replay",
        )
    )
    g.add(
        Row(
            "· HiGHS run() inside frontier (instrumented run)",
            seconds=run_s,
            note=f"{run_s / total.median:.0%} of the frontier",
        )
    )
    g.notes.append(
        "The frontier builds the model once (PuLP), then moves only the budget: 25 risk-stage "
        "re-solves with their cut loops, plus the two end points, each followed by a full "
        f"Solution. highspy calls: {describe_calls(inst.highs_calls)}."
    )
    g.facts = {
        "total_s": total.median,
        "direct_final_cold_s": direct.median,
        "replay_s": rep.median,
        "solves": solves,
        "highs_run_s": run_s,
        "ratio_vs_25_direct": total.median / (points * direct.median),
        "ratio_vs_replay": total.median / rep.median,
    }
    return g
