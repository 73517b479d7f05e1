"""Allocation: who supplies what, today against optimized, as stacked bars and a table."""

from __future__ import annotations

import streamlit as st

from .. import maps
from ..solution import Solution
from . import charts

UNIT = "alloc_unit"
FILTER = "alloc_elements"


def render(solution: Solution) -> None:
    ds = solution.dataset
    table = maps.mix_table(solution)
    st.markdown(
        "Each element's supply mix **today** (left bar) and **optimized** (right bar), by "
        "supplier. Shares are of the element's demand; hover for tonnes of rare-earth oxide "
        "equivalent per year (t REO/yr)."
    )
    left, right = st.columns([3, 1])
    with right:
        unit = st.segmented_control(
            "Bar height",
            ["share", "tonnes"],
            default="share",
            key=UNIT,
            format_func=lambda u: "% of demand" if u == "share" else "t REO/yr",
            required=True,
        )
    scope = solution.scope
    with left:
        chosen = st.multiselect(
            "Elements",
            scope,
            default=scope,
            key=FILTER,
            help="Which elements to show in the chart and the table.",
        )
    chosen = [e for e in scope if e in (chosen or scope)]
    st.plotly_chart(
        charts.mix_bars(table, ds, chosen, unit or "share"),
        width="stretch",
        config={"displaylogo": False},
        key="alloc_chart",
    )
    shown = table[table["element"].isin(chosen)].copy()
    for c in ("baseline_share", "optimized_share", "change_share"):
        shown[c] = shown[c] * 100
    for c in ("baseline_usd", "optimized_usd"):
        shown[c] = shown[c] / 1e6
    st.markdown("##### Allocation table")
    st.dataframe(
        shown,
        hide_index=True,
        width="stretch",
        height=420,
        column_config={
            "element": st.column_config.TextColumn("Element", pinned=True),
            "supplier": st.column_config.TextColumn("Code"),
            "name": "Supplier",
            "baseline_t": st.column_config.NumberColumn("Today (t REO/yr)", format="%,.2f"),
            "optimized_t": st.column_config.NumberColumn("Optimized (t REO/yr)", format="%,.2f"),
            "change_t": st.column_config.NumberColumn("Change (t REO/yr)", format="%+,.2f"),
            "baseline_share": st.column_config.NumberColumn("Today (% of demand)", format="%.1f%%"),
            "optimized_share": st.column_config.NumberColumn(
                "Optimized (% of demand)", format="%.1f%%"
            ),
            "change_share": st.column_config.NumberColumn("Change (pp)", format="%+.1f"),
            "cost_usd_kg": st.column_config.NumberColumn("Landed cost (USD/kg)", format="%,.2f"),
            "baseline_usd": st.column_config.NumberColumn("Today (M USD/yr)", format="%,.3f"),
            "optimized_usd": st.column_config.NumberColumn("Optimized (M USD/yr)", format="%,.3f"),
        },
    )
