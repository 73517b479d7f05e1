"""Supply chain: the chain country by stage into Korea as Sankey diagrams, today's beside the
optimized one, for one element or all (frames from optimizer.maps.chain_links)."""

from __future__ import annotations

import streamlit as st

from ..solution import Solution
from . import charts, state
from . import format as fmt
from .i18n import t

ELEMENT = "chain_element"
ALL = "__all__"
KEPT = (ELEMENT,)


def mix_title(view: str) -> str:
    return t(f"mix.{view}")


def chosen_element(session) -> str | None:
    value = session.get(ELEMENT, ALL)
    return None if value in (None, ALL) else value


def render(solution: Solution) -> None:
    ss = st.session_state
    names = solution.dataset.elements["name"]
    st.markdown(t("chain.intro"))
    if ss.get(ELEMENT) not in (ALL, *solution.scope):
        ss[ELEMENT] = ALL
    st.selectbox(
        t("col.element"),
        [ALL, *solution.scope],
        key=ELEMENT,
        format_func=lambda e: t("all_elements") if e == ALL else f"{e} · {names.get(e, e)}",
    )
    element = chosen_element(ss)
    what = t("all_elements").lower() if element is None else fmt.md(element)
    columns = st.columns(2)
    for column, view in zip(columns, state.MIXES, strict=True):
        links = state.chain_links(solution, view, element)
        with column:
            if links.empty:
                st.info(t("chain.empty", what=what))
                continue
            st.plotly_chart(
                charts.sankey(links, solution.dataset, mix_title(view)),
                width="stretch",
                config=charts.chart_config(f"chain-{view}"),
                key=f"chain_{view}",
            )
    st.caption(t("chain.note"))
