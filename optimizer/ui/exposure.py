"""Time to survive and time to recover: the library's exposure table (optimizer.exposure) for
today's mix and the optimized one, and a chart of survival against recovery for the nodes where
Korea would run out first. The view only draws: the LPs are the library's, cached here on the
dataset and the policy like the stress test."""

from __future__ import annotations

import math

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from .. import exposure
from ..solution import Solution
from . import charts, state
from . import format as fmt
from .i18n import t

QUALIFIED = "exposure_qualified"
KEPT = (QUALIFIED,)
CHART_ROWS = 12
TODAY_COLOR = "#6B7B8C"
OPTIMIZED_COLOR = charts.KOREA_BLUE
RECOVER_COLOR = charts.MORE


@st.cache_data(show_spinner=False, max_entries=32)
def _table(dkey: str, key: str, qualified: str, _solution: Solution) -> pd.DataFrame:
    return exposure.of_solution(_solution, qualified)


def table(solution: Solution, qualified: str) -> pd.DataFrame:
    """The library's exposure tables of today's mix and the optimized one, stacked (column
    `mix`), cached on the dataset, the policy and the qualified rule."""
    return _table(
        state.data_key(solution.dataset), state.policy_key(solution.policy), qualified, solution
    )


def render(solution: Solution) -> None:
    st.markdown("##### " + t("exposure.title"))
    st.markdown(t("exposure.intro"))
    ss = st.session_state
    if ss.get(QUALIFIED) not in exposure.QUALIFIED:
        ss[QUALIFIED] = exposure.DEFAULT_QUALIFIED
    qualified = st.segmented_control(
        t("exposure.qualified"),
        list(exposure.QUALIFIED),
        key=QUALIFIED,
        format_func=lambda q: t(f"exposure.q_{q}"),
        required=True,
        help=t("exposure.qualified_help"),
    )
    qualified = qualified or exposure.DEFAULT_QUALIFIED
    stacked = table(solution, qualified)
    wide = exposure.side_by_side(stacked)
    top = wide[wide["exposed_baseline"] | wide["exposed_optimized"]].head(CHART_ROWS)
    if len(top):
        st.plotly_chart(
            survival_chart(top),
            width="stretch",
            config=charts.chart_config("time-to-survive"),
            key="exposure_chart",
        )
    for m in state.MIXES:
        rows = stacked[(stacked["mix"] == m) & stacked["exposed"].astype(bool)]
        st.markdown(t("exposure.table_title", mix=t(f"mix.{m}_long")))
        if rows.empty:
            st.success(t("exposure.none"))
            continue
        st.dataframe(
            display(rows),
            hide_index=True,
            width="stretch",
            height="content",
            column_config=columns(),
            key=f"exposure_table_{m}",
        )
    st.caption(t("exposure.explain") + " " + t("exposure.caption"))


def node_label(node: str, element: str, kind: str) -> str:
    return f"{fmt.html(node)} · {fmt.html(element)} ({t(f'exposure.t_{kind}')})"


def survival_chart(top: pd.DataFrame) -> go.Figure:
    """Per node and element (most exposed at the top): time to survive with today's mix and the
    optimized one, and the node's time to recover. No bar where a mix is never short or does not
    use the node; the hover says which."""
    labels = [
        node_label(n, e, k)
        for n, e, k in zip(top["node"], top["element"], top["node_type"], strict=True)
    ]
    fig = go.Figure()
    unit = t("exposure.chart_days")
    for m, color in (("baseline", TODAY_COLOR), ("optimized", OPTIMIZED_COLOR)):
        days = top[f"time_to_survive_days_{m}"]
        notes = [
            t("exposure.not_used")
            if not used
            else (t("exposure.chart_never") if bool(never) else f"{d:,.0f} {unit}")
            for d, never, used in zip(days, top[f"never_short_{m}"], top[f"in_{m}"], strict=True)
        ]
        fig.add_trace(
            go.Bar(
                y=labels,
                x=[d if isinstance(d, float) and math.isfinite(d) else None for d in days],
                orientation="h",
                name=t("exposure.chart_tts", mix=t(f"mix.{m}")),
                marker_color=color,
                customdata=notes,
                hovertemplate="%{y}<br>%{customdata}<extra>%{fullData.name}</extra>",
            )
        )
    fig.add_trace(
        go.Scatter(
            y=labels,
            x=top["time_to_recover_days"],
            mode="markers",
            name=t("exposure.chart_ttr"),
            marker={"symbol": "line-ns", "size": 22, "line": {"width": 3, "color": RECOVER_COLOR}},
            hovertemplate="%{y}<br>%{x:,.0f} " + unit + "<extra>%{fullData.name}</extra>",
        )
    )
    fig.update_layout(
        title={"text": t("exposure.chart_title", count=len(top)), "font": {"size": 14}},
        barmode="group",
        xaxis={"title": unit, "rangemode": "tozero", "gridcolor": "#E5E8EC", "automargin": True},
        yaxis={"autorange": "reversed", "automargin": True},
        margin={"l": 10, "r": 10, "t": 80, "b": 10},
        height=140 + 34 * len(top),
        font={"family": charts.FONT, "size": 13},
        plot_bgcolor="white",
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.01, "x": 0},
    )
    return fig


def display(rows: pd.DataFrame) -> pd.DataFrame:
    """The columns a meeting reads, shares in %, money in the session's currency."""
    factor = fmt.million_scale()[0] / 1e6
    out = rows[
        [
            "node",
            "node_type",
            "element",
            "share_of_demand",
            "short_t_per_year",
            "time_to_survive_days",
            "time_to_recover_days",
            "days_uncovered",
            "value_at_risk_usd",
        ]
    ].copy()
    out["node_type"] = [t(f"exposure.t_{k}") for k in out["node_type"]]
    out["share_of_demand"] = out["share_of_demand"] * 100
    out["value_at_risk_usd"] = out["value_at_risk_usd"] * factor
    return out.reset_index(drop=True)


def columns() -> dict:
    _, unit = fmt.million_scale()
    return {
        "node": st.column_config.TextColumn(t("exposure.c_node"), pinned=True),
        "node_type": st.column_config.TextColumn(t("exposure.c_type")),
        "element": st.column_config.TextColumn(t("exposure.c_element")),
        "share_of_demand": st.column_config.NumberColumn(t("exposure.c_share"), format="%.0f"),
        "short_t_per_year": st.column_config.NumberColumn(t("exposure.c_short"), format="%,.2f"),
        "time_to_survive_days": st.column_config.NumberColumn(t("exposure.c_tts"), format="%,.0f"),
        "time_to_recover_days": st.column_config.NumberColumn(t("exposure.c_ttr"), format="%,.0f"),
        "days_uncovered": st.column_config.NumberColumn(t("exposure.c_uncovered"), format="%,.0f"),
        "value_at_risk_usd": st.column_config.NumberColumn(
            t("exposure.c_value", unit=unit), format="%,.2f"
        ),
    }
