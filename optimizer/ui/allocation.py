"""Allocation: which countries handle what at a stage, today against optimized, as stacked bars
and a table; and every plant the optimized mix uses."""

from __future__ import annotations

import streamlit as st

from .. import maps
from ..solution import Solution
from . import charts, stages

UNIT = "alloc_unit"
FILTER = "alloc_elements"
STAGE = "alloc_stage"


def render(solution: Solution) -> None:
    ds = solution.dataset
    st.markdown(
        "Each element's mix **today** (left bar) and **optimized** (right bar) at one stage of "
        "the chain, by the country whose plants do that step. Shares are of the element's "
        "demand passing the stage; hover for tonnes of rare-earth oxide equivalent per year "
        "(t REO/yr)."
    )
    left, middle, right = st.columns([3, 1.2, 1])
    stage = stages.resolve(solution, stages.pick(middle, STAGE, solution, st.session_state))
    table = maps.mix_table(solution, stage)
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
    if shown.empty:
        st.info(f"No element chosen has a {stage} stage in its chain.")
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
            "stage": "Stage",
            "country": st.column_config.TextColumn("Code"),
            "name": "Country",
            "baseline_t": st.column_config.NumberColumn("Today (t REO/yr)", format="%,.2f"),
            "optimized_t": st.column_config.NumberColumn("Optimized (t REO/yr)", format="%,.2f"),
            "change_t": st.column_config.NumberColumn("Change (t REO/yr)", format="%+,.2f"),
            "baseline_share": st.column_config.NumberColumn("Today (% of demand)", format="%.1f%%"),
            "optimized_share": st.column_config.NumberColumn(
                "Optimized (% of demand)", format="%.1f%%"
            ),
            "change_share": st.column_config.NumberColumn("Change (pp)", format="%+.1f"),
            "cost_usd_kg": st.column_config.NumberColumn(
                "Paid at the stage (USD/kg)", format="%,.2f"
            ),
            "baseline_usd": st.column_config.NumberColumn("Today (M USD/yr)", format="%,.3f"),
            "optimized_usd": st.column_config.NumberColumn("Optimized (M USD/yr)", format="%,.3f"),
        },
    )
    with st.expander("Every plant of the optimized mix"):
        plants = solution.allocation[solution.allocation["element"].isin(chosen)].copy()
        plants.insert(4, "name", plants["plant"].map(ds.plants["name"]))
        plants["share"] = plants["share"] * 100
        plants["cost_usd"] = plants["cost_usd"] / 1e6
        st.dataframe(
            plants,
            hide_index=True,
            width="stretch",
            column_config={
                "element": st.column_config.TextColumn("Element", pinned=True),
                "form": "Puts out",
                "stage": "Stage",
                "plant": "Plant",
                "name": "Name",
                "country": "Country",
                "tonnes": st.column_config.NumberColumn("t REO/yr", format="%,.2f"),
                "share": st.column_config.NumberColumn("Share at the stage (%)", format="%.1f%%"),
                "cost_usd_kg": st.column_config.NumberColumn("Adds (USD/kg)", format="%,.2f"),
                "cost_usd": st.column_config.NumberColumn("Paid (M USD/yr)", format="%,.3f"),
            },
            key="alloc_plants",
        )
