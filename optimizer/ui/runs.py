"""Runs: save the current policy under a name, keep several in the session, download them (the
same policy YAML the command line reads with --policy) or load one back, and compare two to four
runs on one page: headline figures, China's share stage by stage, and where the tonnes move.

Saved runs live in this session only (st.session_state); a download is the way to keep one.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from .. import export, maps
from ..errors import InputError
from ..policy import Policy, load_policy
from . import charts, overview, sidebar, stages, state
from . import format as fmt
from .i18n import t
from .partner_map import topojson_url

RUNS = "saved_runs"  # name -> {"policy": Policy, "basis": (mode, premium)}
NAME = "run_name"
COMPARE = "compare_runs"
STAGE = "compare_stage"
UPLOAD = "run_upload"
SEEN = "run_upload_seen"
NOTICE = "run_notice"
DIFF_RUN = "compare_diff_run"  # the run the map of differences sets against the first
DIFF_MEASURE = "compare_diff_measure"
DIFF_REGION = "compare_diff_region"
KEPT = (NAME, COMPARE, STAGE, DIFF_RUN, DIFF_MEASURE, DIFF_REGION)
DIFF_MEASURES = ("tonnes", "share")
MAX_RUNS = 20
MAX_COMPARED = 4


def saved(session) -> dict[str, dict[str, Any]]:
    if not isinstance(session.get(RUNS), dict):
        session[RUNS] = {}
    return session[RUNS]


def save_run(session, name: str, policy: Policy, basis: tuple[str, float] | None) -> str | None:
    """Keep `policy` under `name` (trimmed; a new name when empty). Returns the name used, or
    None when the session already holds the most runs it keeps."""
    runs = saved(session)
    name = " ".join(str(name or "").split())[:60] or t("runs.default_name", n=len(runs) + 1)
    if name not in runs and len(runs) >= MAX_RUNS:
        return None
    runs[name] = {"policy": policy, "basis": basis}
    compared = session.get(COMPARE)
    compared = [n for n in compared if n in runs] if isinstance(compared, list) else []
    if name not in compared and len(compared) < MAX_COMPARED:
        session[COMPARE] = [*compared, name]  # a new run joins the comparison
    return name


def _save() -> None:
    ss = st.session_state
    policy = ss.get("policy")
    if policy is None or ss.get("policy_problems"):
        ss[NOTICE] = ("error", t("runs.cannot_save"))
        return
    name = save_run(ss, ss.get(NAME, ""), policy, ss.get("budget_basis"))
    if name is None:
        ss[NOTICE] = ("error", t("runs.too_many", most=MAX_RUNS))
        return
    ss[NOTICE] = ("success", t("runs.saved", name=fmt.md(name)))
    ss[NAME] = ""


def _load(name: str) -> None:
    """Set the controls to a saved run's policy (what they cannot show is named)."""
    ss = st.session_state
    run = saved(ss).get(name)
    if run is None:
        return
    dataset = state.current_dataset(ss)
    values, unshown = sidebar.controls_from_policy(run["policy"], dataset)
    mode = (run.get("basis") or ("least", 0.0))[0]
    if mode == "today" and run["policy"].budget_usd is not None:
        values[sidebar.BUDGET_MODE] = "today"
        values[sidebar.PREMIUM] = round(run["basis"][1] * 100, 6)
    ss.update(values)
    ss[sidebar.EDITOR_VERSION] = ss.get(sidebar.EDITOR_VERSION, 0) + 1
    note = t("runs.loaded", name=fmt.md(name))
    if unshown:
        note += " " + t("runs.unshown", what=", ".join(unshown))
    ss[NOTICE] = ("warning" if unshown else "success", note)


def _remove(name: str) -> None:
    saved(st.session_state).pop(name, None)


def read_policy_file(data: bytes, filename: str) -> Policy:
    """A policy from an uploaded YAML file, through the library's own loader (the CLI's)."""
    name = Path(filename).name or "policy.yaml"
    with tempfile.TemporaryDirectory(prefix="ree-policy-") as tmp:
        path = Path(tmp) / name
        path.write_bytes(data)
        return load_policy(path)


def render(solution) -> None:
    ss = st.session_state
    runs = saved(ss)
    st.markdown(t("runs.intro"))
    notice = ss.pop(NOTICE, None)
    if notice:
        getattr(st, notice[0])(notice[1])
    c = st.columns([2, 1, 2])
    c[0].text_input(t("runs.name"), key=NAME, placeholder=t("runs.name_placeholder"), max_chars=60)
    c[1].markdown("<div style='height:1.75rem'></div>", unsafe_allow_html=True)
    c[1].button(
        t("runs.save"),
        on_click=_save,
        type="primary",
        key="save_run",
        icon=":material/bookmark_add:",
    )
    upload = c[2].file_uploader(
        t("runs.upload"), type=["yaml", "yml"], key=UPLOAD, help=t("runs.upload_help")
    )
    if upload is not None and upload.file_id != ss.get(SEEN):
        ss[SEEN] = upload.file_id
        try:
            policy = read_policy_file(upload.getvalue(), upload.name)
        except InputError as e:
            st.error(
                t("runs.bad_file", name=fmt.md(upload.name))
                + "\n\n"
                + "\n".join(f"- {fmt.md(p)}" for p in e.problems)
            )
        else:
            name = save_run(ss, Path(upload.name).stem, policy, None)
            if name is None:
                st.error(t("runs.too_many", most=MAX_RUNS))
            else:
                st.success(t("runs.saved", name=fmt.md(name)))
    if not runs:
        st.info(t("runs.none"))
        return
    st.markdown("##### " + t("runs.saved_title", count=len(runs)))
    for i, (name, run) in enumerate(list(runs.items())):
        with st.container(border=True):
            row = st.columns([5, 1.2, 1.2, 1])
            row[0].markdown(
                f"**{fmt.md(name)}**: "
                + overview.policy_in_words(run["policy"], None, run.get("basis"))
            )
            row[1].button(
                t("runs.load"), key=f"load_run_{i}", on_click=_load, args=(name,), width="stretch"
            )
            state.download(
                row[2],
                t("runs.download"),
                export.policy_yaml(run["policy"]).encode("utf-8"),
                file_name=f"{_file_stem(name)}.yaml",
                key=f"download_run_{i}",
            )
            row[3].button(
                t("runs.remove"),
                key=f"remove_run_{i}",
                on_click=_remove,
                args=(name,),
                width="stretch",
            )
    _compare(ss, runs)


def _file_stem(name: str) -> str:
    keep = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in name).strip("-")
    return keep[:40] or "run"


def _compare(ss, runs: dict[str, dict[str, Any]]) -> None:
    st.markdown("##### " + t("runs.compare"))
    names = list(runs)
    chosen = ss.get(COMPARE)
    if not isinstance(chosen, list):
        ss[COMPARE] = names[:MAX_COMPARED]
    elif not set(chosen) <= set(names):
        ss[COMPARE] = [n for n in chosen if n in names]
    picked = st.multiselect(
        t("runs.pick"), names, key=COMPARE, max_selections=MAX_COMPARED, help=t("runs.pick_help")
    )
    if len(picked) < 2:
        st.caption(t("runs.pick_two"))
        return
    dataset = state.current_dataset(ss)
    solutions = {}
    problems = []
    for name in picked:
        try:
            solutions[name] = state.solve(dataset, runs[name]["policy"]).solution
        except InputError as e:
            problems.append(f"{fmt.md(name)}: " + "; ".join(fmt.md(p) for p in e.problems))
    if problems:
        st.error(t("runs.cannot_compare") + "\n\n" + "\n".join(f"- {p}" for p in problems))
    if len(solutions) < 2:
        return
    st.dataframe(
        headline_table(solutions), hide_index=True, width="stretch", key="compare_headline"
    )
    st.markdown("**" + t("runs.china_by_stage") + "**")
    st.dataframe(china_by_stage(solutions), hide_index=True, width="stretch", key="compare_stages")
    first = next(iter(solutions.values()))
    options = maps.stages_of(first)
    if ss.get(STAGE) not in options:
        ss[STAGE] = maps.default_stage(first)
    stage = st.selectbox(
        t("runs.alloc_stage"),
        options,
        key=STAGE,
        format_func=stages.name,
        help=t("runs.alloc_help"),
    )
    st.markdown(
        "**"
        + t("runs.alloc_title", stage=stages.name(stage).lower(), base=fmt.md(picked[0]))
        + "**"
    )
    st.dataframe(
        allocation_differences(solutions, stage),
        hide_index=True,
        width="stretch",
        key="compare_alloc",
    )
    _difference_map(ss, solutions, stage)


def _difference_map(ss, solutions: dict[str, Any], stage: str) -> None:
    """The change country by country between the first run and another, on a map."""
    names = list(solutions)
    base, others = names[0], names[1:]
    if ss.get(DIFF_RUN) not in others:
        ss[DIFF_RUN] = others[0]
    if ss.get(DIFF_MEASURE) not in DIFF_MEASURES:
        ss[DIFF_MEASURE] = "tonnes"
    if ss.get(DIFF_REGION) not in charts.REGIONS:
        ss[DIFF_REGION] = "east_asia"
    c = st.columns([1.6, 1.2, 1.2])
    other = c[0].selectbox(
        t("runs.map_against", base=base), others, key=DIFF_RUN, help=t("runs.map_help")
    )
    measure = (
        c[1].segmented_control(
            t("map.measure"),
            list(DIFF_MEASURES),
            key=DIFF_MEASURE,
            format_func=lambda m: t(f"map.m_{m}"),
            required=True,
        )
        or "tonnes"
    )
    region = (
        c[2].segmented_control(
            t("map.region"),
            list(charts.REGIONS),
            key=DIFF_REGION,
            format_func=lambda r: t(f"map.r_{r}"),
            required=True,
        )
        or "east_asia"
    )
    frame = difference_values(solutions[base], solutions[other], stage, measure)
    unit = "pp" if measure == "share" else "t REO/yr"
    st.markdown(
        "**"
        + t(
            "runs.map_title",
            what=t(f"map.m_{measure}").lower(),
            stage=stages.name(stage).lower(),
            run=fmt.md(other),
            base=fmt.md(base),
        )
        + "**"
    )
    shapes = state.boundaries()
    fig = charts.difference_map(
        frame,
        state.boundary_geojson(),
        shapes["iso3"].astype(str).tolist(),
        shapes["name"].astype(str).tolist(),
        unit,
        t("runs.map_legend", unit=unit, run=fmt.html(other), base=fmt.html(base)),
        base,
        other,
        region=region,
    )
    st.plotly_chart(
        fig,
        width="stretch",
        config={**charts.MAP_CONFIG, "topojsonURL": topojson_url()},
        key="compare_map",
    )
    st.caption(t("runs.map_note", run=fmt.md(other), base=fmt.md(base)))


def difference_values(base, other, stage: str, measure: str = "tonnes") -> pd.DataFrame:
    """Per country at one stage (all elements in scope): the first run's value, the other's and
    the change (other - base), in t REO/yr or, for shares, percentage points. Countries that
    neither run uses are left out."""
    column = "optimized_t" if measure == "tonnes" else "optimized_share"
    scale = 1.0 if measure == "tonnes" else 100.0
    a = state.map_values(base, None, stage).set_index("supplier")
    b = state.map_values(other, None, stage).set_index("supplier")
    index = a.index.union(b.index)
    out = pd.DataFrame(
        {
            "supplier": index,
            "name": a["name"].reindex(index).fillna(b["name"].reindex(index)).to_numpy(),
            "base": a[column].reindex(index).fillna(0.0).to_numpy() * scale,
            "other": b[column].reindex(index).fillna(0.0).to_numpy() * scale,
        }
    )
    out["change"] = out["other"] - out["base"]
    used = (out["base"].abs() + out["other"].abs()) > 0
    return out[used].reset_index(drop=True)


def headline_table(solutions: dict[str, Any]) -> pd.DataFrame:
    """Rows of headline figures, one column per run (text, formatted as the Overview does)."""
    rows = [
        ("card.cost", lambda s: fmt.usd(s.total_cost_usd)),
        ("card.least_cost", lambda s: fmt.usd(s.least_cost_usd)),
        (
            "card.budget",
            lambda s: fmt.usd(s.budget_usd) if s.budget_usd is not None else t("card.no_budget"),
        ),
        ("card.hhi_worst", lambda s: fmt.index(s.portfolio["hhi"])),
        (
            "brief.china_worst",
            lambda s: f"{fmt.pct(s.worst_stage()[1])} ({stages.name(s.worst_stage()[0]).lower()})",
        ),
        ("card.forge_worst", lambda s: fmt.pct(s.portfolio["forge_share"])),
        ("card.unmet", lambda s: f"{fmt.tonnes(s.portfolio['unmet_t'])} REO"),
        (
            "runs.status",
            lambda s: t("app.status_optimal") if s.status == "optimal" else t("status.shortfall"),
        ),
    ]
    table = {t("brief.measure"): [t(k) for k, _ in rows]}
    for name, s in solutions.items():
        table[name] = [f(s) for _, f in rows]
    return pd.DataFrame(table)


def china_by_stage(solutions: dict[str, Any]) -> pd.DataFrame:
    """China's share at each stage (%), today once and then each run."""
    first = next(iter(solutions.values()))
    stage_list = list(first.stage_portfolio("optimized").index)
    today = first.stage_portfolio("baseline").reindex(stage_list)["china_share"] * 100
    table = {
        t("col.stage"): [stages.name(s) for s in stage_list],
        t("mix.baseline"): today.round(1).tolist(),
    }
    for name, s in solutions.items():
        shares = s.stage_portfolio("optimized").reindex(stage_list)["china_share"] * 100
        table[name] = shares.round(1).tolist()
    return pd.DataFrame(table)


def allocation_differences(solutions: dict[str, Any], stage: str) -> pd.DataFrame:
    """Tonnes a year by country at one stage (all elements in scope) for each run, and each
    later run's difference from the first; countries no run uses are left out."""
    frames = {}
    for name, s in solutions.items():
        values = state.map_values(s, None, stage)
        frames[name] = values.set_index("supplier")[["name", "optimized_t"]]
    names = pd.concat([f["name"] for f in frames.values()]).groupby(level=0).first()
    out = pd.DataFrame({t("col.country"): names})
    runs = list(frames)
    for name in runs:
        out[f"{name} (t)"] = frames[name]["optimized_t"].reindex(out.index).fillna(0.0).round(1)
    for name in runs[1:]:
        out[t("runs.diff", run=name, base=runs[0])] = (
            out[f"{name} (t)"] - out[f"{runs[0]} (t)"]
        ).round(1)
    used = out[[f"{n} (t)" for n in runs]].abs().sum(axis=1) > 0.05
    out = out[used]
    return out.sort_values(f"{runs[0]} (t)", ascending=False).reset_index(drop=True)
