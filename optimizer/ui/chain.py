"""Supply chain: the chain country by stage into Korea as Sankey diagrams, today's beside the
optimized one, for one element or all (frames from optimizer.maps.chain_links)."""

from __future__ import annotations

import streamlit as st

from ..solution import Solution
from . import charts, state

ELEMENT = "chain_element"
ALL = "__all__"
MIX_TITLE = {"baseline": "Today", "optimized": "Optimized"}
ALL_LABEL = "All elements in scope"
INTRO = (
    "How each mix moves through the chain, **today** beside **optimized**: a box per country "
    "and stage (mine, separation, metal, magnet) and one for Korea, links as wide as the tonnes "
    "of rare-earth oxide equivalent a year (t REO/yr) that move along them, coloured by the "
    "country they leave. A link that skips a stage is material whose plant also does that step."
)
EMPTY = "No flows in this mix for {what}."
NOTE = "Hover a link for its tonnes; drag a box to untangle the view."


def chosen_element(session) -> str | None:
    value = session.get(ELEMENT, ALL)
    return None if value in (None, ALL) else value


def render(solution: Solution) -> None:
    ss = st.session_state
    names = solution.dataset.elements["name"]
    st.markdown(INTRO)
    if ss.get(ELEMENT) not in (ALL, *solution.scope):
        ss[ELEMENT] = ALL
    st.selectbox(
        "Element",
        [ALL, *solution.scope],
        key=ELEMENT,
        format_func=lambda e: ALL_LABEL if e == ALL else f"{e} · {names.get(e, e)}",
    )
    element = chosen_element(ss)
    what = ALL_LABEL.lower() if element is None else element
    columns = st.columns(2)
    for column, view in zip(columns, state.MIXES, strict=True):
        links = state.chain_links(solution, view, element)
        with column:
            if links.empty:
                st.info(EMPTY.format(what=what))
                continue
            st.plotly_chart(
                charts.sankey(links, solution.dataset, MIX_TITLE[view]),
                width="stretch",
                config={"displaylogo": False},
                key=f"chain_{view}",
            )
    st.caption(NOTE)
