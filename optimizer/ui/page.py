"""The page: settings in the sidebar, the policy's headline, and one tab per view.

Views call the library (optimize, frontier, optimizer.maps, optimizer.export) and draw what it
returns; no LP is built here. Every word shown comes from the message catalogue
(optimizer.reports.messages) in the session's language.
"""

from __future__ import annotations

import time
from pathlib import Path

import streamlit as st

from ..errors import InputError
from . import (
    allocation,
    chain,
    constraints,
    disruptions,
    exports,
    frontier_view,
    i18n,
    overview,
    partner_map,
    path,
    runs,
    sensitivity,
    sidebar,
    state,
    urlstate,
)
from . import format as fmt
from .i18n import t

ICON = Path(__file__).resolve().parents[2] / "static" / "favicon.png"
TAB_IDS = (
    "overview",
    "chain",
    "allocation",
    "map",
    "frontier",
    "scenarios",
    "sensitivity",
    "constraints",
    "path",
    "runs",
    "export",
)
VIEW = "view"  # the open tab's label (Streamlit's tabs widget)
TAB = "tab_id"  # the open tab's id (the same in every language)
POLICY = "policy"  # the policy the controls describe (validated or not)
POLICY_PROBLEMS = "policy_problems"
LAST_RUN = "last_run_seconds"
BASIS = "budget_basis"  # (mode, premium) the policy's budget was set in

CSS = """
<style>
[data-testid="stMetricValue"] { font-size: 1.55rem; }
[data-testid="stMetricLabel"] p { font-weight: 600; color: #3A4552; }
div.block-container { padding-top: 2.2rem; }
h1 { font-size: 1.9rem !important; margin-bottom: 0 !important; }
</style>
"""


def tab_label(tab_id: str) -> str:
    return t(f"tab.{tab_id}")


def tab_id_of(label: str | None) -> str | None:
    """The id of a tab label in any language (None if it is not one)."""
    from ..reports import messages

    for tab_id in TAB_IDS:
        entry = messages.CATALOGUE[f"tab.{tab_id}"]
        if label in entry.values():
            return tab_id
    return None


def main() -> None:
    ss = st.session_state
    i18n.init(ss, st.query_params)
    i18n.remember()
    fmt.use(i18n.money(ss))
    st.set_page_config(
        page_title=t("app.page_title"),
        page_icon=str(ICON),  # a local file: a :material: icon would fetch the favicon from a CDN
        layout="wide",
        initial_sidebar_state="expanded",
    )
    st.html(CSS)
    # views draw their controls only while their tab is open; keep what they were set to
    sidebar.keep(
        ss,
        disruptions.KEPT
        + sensitivity.kept_keys(ss)
        + allocation.KEPT
        + partner_map.KEPT
        + chain.KEPT
        + frontier_view.KEPT
        + runs.KEPT
        + path.KEPT
        + (overview.KPI_STAGE,),
    )
    dataset = state.current_dataset(ss)
    urlstate.restore(ss, st.query_params, dataset)
    sidebar.render_settings(dataset)
    fmt.use(i18n.money(ss))  # the settings may have just changed
    i18n.remember()
    policy = sidebar.render(dataset)
    sidebar.render_data(dataset)
    sidebar.render_glossary()
    ss[POLICY] = policy
    ss[BASIS] = sidebar.budget_basis(ss)

    st.title(t("app.title"))
    st.markdown(t("app.intro", currency=t(f"currency.{ss[i18n.CURRENCY]}")))
    _upload_problems()

    started = time.perf_counter()
    solution = None
    solve_seconds = None
    try:
        with st.spinner(t("app.optimizing")):
            solved = state.solve(dataset, policy)
        solution, solve_seconds = solved.solution, solved.seconds
        ss[state.SOLUTION] = solution
        ss[POLICY_PROBLEMS] = None
    except InputError as e:
        ss[POLICY_PROBLEMS] = e.problems
        st.error(t("app.cannot_solve") + "\n\n" + "\n".join(f"- {fmt.md(p)}" for p in e.problems))
        solution = ss.get(state.SOLUTION)
        if solution is None:
            urlstate.write(ss, st.query_params, dataset)
            st.stop()
        st.warning(t("app.last_valid", policy=overview.policy_in_words(solution.policy, solution)))
    ss[LAST_RUN] = time.perf_counter() - started

    status = t("app.status_optimal") if solution.status == "optimal" else t("app.status_shortfall")
    timing = (
        t("app.solved_in", seconds=f"{solve_seconds:.2f}")
        + (t("app.from_cache") if ss[LAST_RUN] < solve_seconds / 2 else "")
        if solve_seconds is not None
        else t("app.last_result")
    )
    basis = ss[BASIS] if solution.policy == policy else None
    st.caption(
        t("app.policy_line", policy=overview.policy_in_words(solution.policy, solution, basis))
        + "  \n"
        + t("app.status_line", status=status, timing=timing, as_of=fmt.md(solution.dataset.as_of))
    )

    # the open tab is kept by id, so switching language keeps it open
    current = tab_id_of(ss.get(VIEW)) or ss.get(TAB) or "overview"
    if current not in TAB_IDS:
        current = "overview"
    ss[TAB] = current
    ss[VIEW] = tab_label(current)
    tabs = st.tabs([tab_label(i) for i in TAB_IDS], key=VIEW, on_change="rerun")
    views = {
        "overview": overview.render,
        "chain": chain.render,
        "allocation": allocation.render,
        "map": partner_map.render,
        "frontier": frontier_view.render,
        "scenarios": disruptions.render,
        "sensitivity": sensitivity.render,
        "constraints": constraints.render,
        "path": path.render,
        "runs": runs.render,
        "export": exports.render,
    }
    for tab, tab_id in zip(tabs, TAB_IDS, strict=True):
        with tab:
            if tab.open is not False:
                views[tab_id](solution)
    urlstate.write(ss, st.query_params, dataset)


def _upload_problems() -> None:
    rejected = st.session_state.get(state.UPLOAD_PROBLEMS)
    if not rejected:
        return
    name, problems = rejected
    with st.container(border=True):
        st.error(t("app.upload_not_loaded", name=fmt.md(name), count=len(problems)))
        st.dataframe(
            state.problem_table(problems),
            hide_index=True,
            width="stretch",
            column_config={
                "file": t("col.file"),
                "row": st.column_config.NumberColumn(t("col.row"), format="%d"),
                "column": t("col.column"),
                "value": t("col.value"),
                "problem": st.column_config.TextColumn(t("col.problem"), width="large"),
            },
        )
        st.button(t("app.dismiss"), key="dismiss_upload", on_click=_dismiss)


def _dismiss() -> None:
    st.session_state[state.UPLOAD_PROBLEMS] = None
