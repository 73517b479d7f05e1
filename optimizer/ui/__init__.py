"""The Streamlit app: the only package that imports streamlit.

Views call the library (optimize, frontier, optimizer.maps, optimizer.export) and draw what it
returns; no LP is built here. app.py calls main().
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
    overview,
    partner_map,
    sensitivity,
    sidebar,
    state,
)

ICON = Path(__file__).resolve().parents[2] / "static" / "favicon.png"
TABS = (
    "Overview",
    "Supply chain",
    "Allocation",
    "Partner map",
    "Frontier",
    "Scenarios",
    "Sensitivity",
    "Constraints",
    "Export",
)
VIEW = "view"
POLICY = "policy"  # the policy the controls describe (validated or not)
POLICY_PROBLEMS = "policy_problems"
LAST_RUN = "last_run_seconds"

CSS = """
<style>
[data-testid="stMetricValue"] { font-size: 1.55rem; }
[data-testid="stMetricLabel"] p { font-weight: 600; color: #3A4552; }
div.block-container { padding-top: 2.2rem; }
h1 { font-size: 1.9rem !important; margin-bottom: 0 !important; }
</style>
"""


def main() -> None:
    st.set_page_config(
        page_title="Rare-earth sourcing · Korea",
        page_icon=str(ICON),  # a local file: a :material: icon would fetch the favicon from a CDN
        layout="wide",
        initial_sidebar_state="expanded",
    )
    st.html(CSS)
    ss = st.session_state
    # views draw their controls only while their tab is open; keep what they were set to
    sidebar.keep(ss, disruptions.KEPT + sensitivity.kept_keys(ss))
    dataset = state.current_dataset(ss)
    policy = sidebar.render(dataset)
    sidebar.render_data(dataset)
    ss[POLICY] = policy

    st.title("Rare-earth sourcing for Korea")
    st.markdown(
        "The least-risk supply chain for each rare-earth element, from mines through "
        "separation and metal to magnets, across China, Vietnam, Laos, FORGE partners and "
        "domestic recycling, within a cost limit, set against **today's mix**. Quantities in "
        "tonnes of rare-earth oxide equivalent per year (t REO/yr); money in USD per year."
    )
    _upload_problems()

    started = time.perf_counter()
    solution = None
    solve_seconds = None
    try:
        with st.spinner("Optimizing…"):
            solved = state.solve(dataset, policy)
        solution, solve_seconds = solved.solution, solved.seconds
        ss[state.SOLUTION] = solution
        ss[POLICY_PROBLEMS] = None
    except InputError as e:
        ss[POLICY_PROBLEMS] = e.problems
        st.error(
            "**This policy cannot be solved as set.** Change the controls named below.\n\n"
            + "\n".join(f"- {p}" for p in e.problems)
        )
        solution = ss.get(state.SOLUTION)
        if solution is None:
            st.stop()
        st.warning(
            "Showing the last valid result, for: "
            + overview.policy_in_words(solution.policy, solution)
        )
    ss[LAST_RUN] = time.perf_counter() - started

    status = "optimal" if solution.status == "optimal" else "shortfall: see Constraints"
    timing = (
        f"solved in {solve_seconds:.2f} s"
        + (" (from cache)" if ss[LAST_RUN] < solve_seconds / 2 else "")
        if solve_seconds is not None
        else "last valid result"
    )
    st.caption(
        f"**Policy:** {overview.policy_in_words(solution.policy, solution)}  \n"
        f"**Status:** {status} · {timing} · dataset as of {solution.dataset.as_of}"
    )

    tabs = st.tabs(list(TABS), key=VIEW, on_change="rerun")
    views = (
        overview.render,
        chain.render,
        allocation.render,
        partner_map.render,
        frontier_view.render,
        disruptions.render,
        sensitivity.render,
        constraints.render,
        exports.render,
    )
    for tab, view in zip(tabs, views, strict=True):
        with tab:
            if tab.open is not False:
                view(solution)


def _upload_problems() -> None:
    rejected = st.session_state.get(state.UPLOAD_PROBLEMS)
    if not rejected:
        return
    name, problems = rejected
    with st.container(border=True):
        st.error(
            f"**{name} was not loaded** ({len(problems)} problem"
            f"{'s' * (len(problems) != 1)}). The app keeps the dataset and results it had. "
            "Fix these in the file and upload it again:"
        )
        st.dataframe(
            state.problem_table(problems),
            hide_index=True,
            width="stretch",
            column_config={
                "file": "File / sheet",
                "row": st.column_config.NumberColumn("Row", format="%d"),
                "column": "Column",
                "value": "Value",
                "problem": st.column_config.TextColumn("Problem and what to do", width="large"),
            },
        )
        st.button("Dismiss", key="dismiss_upload", on_click=_dismiss)


def _dismiss() -> None:
    st.session_state[state.UPLOAD_PROBLEMS] = None
