"""Allocation: which countries handle what at a stage, today against optimized, as stacked bars
and a table; and every plant the optimized mix uses."""

from __future__ import annotations

import streamlit as st

from .. import maps
from ..solution import Solution
from . import charts, stages
from . import format as fmt
from .i18n import t

UNIT = "alloc_unit"
FILTER = "alloc_elements"
STAGE = "alloc_stage"
KEPT = (UNIT, FILTER, STAGE)


def render(solution: Solution) -> None:
    ss = st.session_state
    ds = solution.dataset
    st.markdown(t("alloc.intro"))
    left, middle, right = st.columns([3, 1.2, 1])
    stage = stages.resolve(solution, stages.pick(middle, STAGE, solution, ss))
    table = maps.mix_table(solution, stage)
    if ss.get(UNIT) not in ("share", "tonnes"):
        ss[UNIT] = "share"
    with right:
        unit = st.segmented_control(
            t("alloc.bar_height"),
            ["share", "tonnes"],
            key=UNIT,
            format_func=lambda u: t("alloc.u_share") if u == "share" else "t REO/yr",
            required=True,
        )
    scope = solution.scope
    kept = ss.get(FILTER)
    if not isinstance(kept, list) or not set(kept) <= set(scope):
        ss[FILTER] = [e for e in (kept or scope) if e in scope] if isinstance(kept, list) else scope
    with left:
        chosen = st.multiselect(
            t("alloc.elements"), scope, key=FILTER, help=t("alloc.elements_help")
        )
    chosen = [e for e in scope if e in (chosen or scope)]
    st.plotly_chart(
        charts.mix_bars(table, ds, chosen, unit or "share"),
        width="stretch",
        config=charts.chart_config("allocation"),
        key="alloc_chart",
    )
    shown = table[table["element"].isin(chosen)].copy()
    if shown.empty:
        st.info(t("alloc.no_stage", stage=stages.name(stage).lower()))
    for c in ("baseline_share", "optimized_share", "change_share"):
        shown[c] = shown[c] * 100
    scale, money = fmt.million_scale()
    for c in ("baseline_usd", "optimized_usd"):
        shown[c] = shown[c] / 1e6 * scale
    shown["stage"] = shown["stage"].map(stages.name)
    st.markdown("##### " + t("alloc.table"))
    st.dataframe(
        shown,
        hide_index=True,
        width="stretch",
        height="content",
        column_config={
            "element": st.column_config.TextColumn(t("col.element"), pinned=True),
            "stage": t("col.stage"),
            "country": st.column_config.TextColumn(t("col.code")),
            "name": t("col.country"),
            "baseline_t": st.column_config.NumberColumn(t("col.today_t"), format="%,.2f"),
            "optimized_t": st.column_config.NumberColumn(t("col.optimized_t"), format="%,.2f"),
            "change_t": st.column_config.NumberColumn(t("col.change_t"), format="%+,.2f"),
            "baseline_share": st.column_config.NumberColumn(
                t("alloc.col_today_share"), format="%.1f%%"
            ),
            "optimized_share": st.column_config.NumberColumn(
                t("alloc.col_opt_share"), format="%.1f%%"
            ),
            "change_share": st.column_config.NumberColumn(t("alloc.col_change_pp"), format="%+.1f"),
            "cost_usd_kg": st.column_config.NumberColumn(t("alloc.col_paid_kg"), format="%,.2f"),
            "baseline_usd": st.column_config.NumberColumn(
                t("col.today_money", unit=money), format="%,.3f"
            ),
            "optimized_usd": st.column_config.NumberColumn(
                t("col.optimized_money", unit=money), format="%,.3f"
            ),
        },
    )
    with st.expander(t("alloc.plants")):
        plants = solution.allocation[solution.allocation["element"].isin(chosen)].copy()
        plants.insert(4, "name", plants["plant"].map(ds.plants["name"]))
        plants["share"] = plants["share"] * 100
        plants["cost_usd"] = plants["cost_usd"] / 1e6 * scale
        plants["stage"] = plants["stage"].map(stages.name)
        st.dataframe(
            plants,
            hide_index=True,
            width="stretch",
            column_config={
                "element": st.column_config.TextColumn(t("col.element"), pinned=True),
                "form": t("alloc.col_form"),
                "stage": t("col.stage"),
                "plant": t("alloc.col_plant"),
                "name": t("col.name"),
                "country": t("col.country"),
                "tonnes": st.column_config.NumberColumn("t REO/yr", format="%,.2f"),
                "share": st.column_config.NumberColumn(t("alloc.col_share_stage"), format="%.1f%%"),
                "cost_usd_kg": st.column_config.NumberColumn(t("alloc.col_adds"), format="%,.2f"),
                "cost_usd": st.column_config.NumberColumn(
                    t("alloc.col_paid", unit=money), format="%,.3f"
                ),
            },
            key="alloc_plants",
        )
