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
                note="target 1: <= 3x",
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
                note="the same solves: cost and bound changes, cuts, warm and cold re-solves",
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
                "PuLP build and hand-over alone (formulate)",
                seconds=a.median("formulate"),
                ratio=a.median("formulate") / direct.median,
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
            "pulp_build_s": a.median("formulate"),
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
        "solves, same cuts, bound and cost changes, warm and cold re-solves): what the whole run "
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


def run_network(cfg) -> Group:
    """The supply-chain issue's targets on the bundled (stage-form) data: a cold optimize under
    0.5 s and a Session re-solve under 50 ms, each beside highspy solving the same final LP."""
    from optimizer.session import Session

    g = Group("network", "0. The network model on the bundled data: cold solve and re-solve")
    ds = load_dataset()
    reps = cfg.reps(9, 5)
    policy = Policy()
    cold = measure(lambda: optimize(ds, policy), reps)
    session = Session(ds)
    session.optimize(policy)
    premiums = iter([0.10, 0.20] * 100)
    again = measure(
        lambda: session.optimize(policy.with_changes(budget_premium=next(premiums))), reps
    )
    caps = iter([0.8, 0.9] * 100)
    recapped = measure(
        lambda: session.optimize(policy.with_changes(caps={"CHN": next(caps)})), reps
    )
    form = next(iter(session._forms.values()))
    direct = cold_solve(form.lp.highs, reps)
    rows, cols = form.lp.highs.getNumRow(), form.lp.highs.getNumCol()
    g.add(
        Row(
            "`optimize(ds, Policy())` cold (build, both stages, Solution)",
            cold,
            ratio=cold.median / direct.median,
            vs="highspy, final LP, cold",
            note="issue target: < 0.5 s",
        )
    )
    g.add(
        Row(
            "`Session.optimize()` re-solve, budget premium moved",
            again,
            ratio=again.median / direct.median,
            vs="highspy, final LP, cold",
            note="issue target: < 50 ms",
        )
    )
    g.add(
        Row(
            "`Session.optimize()` re-solve, China cap at every stage moved",
            recapped,
            ratio=recapped.median / direct.median,
            vs="highspy, final LP, cold",
            note="both stages re-solved",
        )
    )
    g.add(Row(f"highspy direct: final LP ({rows} rows x {cols} cols), cold `run()` only", direct))
    g.facts = {
        "cold_s": cold.median,
        "resolve_premium_s": again.median,
        "resolve_cap_s": recapped.median,
        "direct_final_cold_s": direct.median,
        "plants": len(ds.plants),
        "arcs": len(form.net.arcs),
        "entities": len(form.net.entities),
    }
    g.notes.append(
        f"Bundled data: {len(ds.plants)} plants, {len(form.net.arcs)} arcs and "
        f"{len(form.net.entities)} (element, stage, country) holders in scope; default policy "
        "(HHI at each element's worst stage, 15% premium, today's ceiling on)."
    )
    return g
