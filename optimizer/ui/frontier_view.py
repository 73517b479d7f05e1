"""Frontier: the least risk reachable at each budget, with today's mix and the current solution
marked; choosing a point shows its mix."""

from __future__ import annotations

import streamlit as st

from .. import maps
from ..solution import Solution
from . import charts, state
from . import format as fmt
from .overview import MEASURE_NAMES, USD_OBJECTIVES, objective_text

POINT = "frontier_point"
FOR = "frontier_for"  # the policy the chosen point belongs to


def render(solution: Solution) -> None:
    policy = solution.policy
    if policy.objective == "cost":
        st.info(
            "The frontier trades cost against a risk measure. Choose a risk objective (HHI, "
            "governance-weighted HHI, largest or top-3 share) in the sidebar to draw it."
        )
        return
    measure = MEASURE_NAMES[policy.objective]
    st.markdown(
        f"The least **{measure}** reachable at each budget, from the least-cost mix to the "
        f"least-risk mix, under the same caps and minimums ({state.FRONTIER_POINTS} budgets). "
        "The star is the current solution, the cross today's mix. Pick a point to see its mix."
    )
    with st.spinner(f"Solving {state.FRONTIER_POINTS} budgets…"):
        front = state.solve_frontier(solution.dataset, policy)
    points = front.points
    usd = policy.objective in USD_OBJECTIVES
    nearest = int((points["cost_usd"] - solution.total_cost_usd).abs().idxmin())
    labels = {
        int(i): f"+{prem * 100:.1f}% · {fmt.usd(cost)}"
        for i, prem, cost in zip(
            points["point"], points["premium"], points["cost_usd"], strict=True
        )
    }
    pkey = state.policy_key(policy)
    if st.session_state.get(POINT) not in labels or st.session_state.get(FOR) != pkey:
        st.session_state[POINT] = nearest  # a new policy starts at its own solution
        st.session_state[FOR] = pkey
    chosen = st.select_slider(
        "Budget point (premium over least cost · cost of the mix per year)",
        options=list(labels),
        format_func=labels.get,
        key=POINT,
    )
    fig = charts.frontier_chart(
        points,
        f"{measure} (USD)" if usd else f"{measure} (weighted)",
        current=(solution.total_cost_usd, solution.objective_value),
        baseline=(solution.baseline_portfolio["cost_usd"], solution.baseline_objective_value),
        selected=chosen,
        usd=usd,
    )
    st.plotly_chart(fig, width="stretch", config={"displaylogo": False}, key="frontier_chart")
    row = points.iloc[chosen]
    pick = front.solutions[chosen]
    c = st.columns(5)
    c[0].metric("Cost", fmt.usd(row["cost_usd"]), border=True)
    c[1].metric("Premium over least cost", fmt.pct(row["premium"]), border=True)
    c[2].metric(
        measure[0].upper() + measure[1:], objective_text(policy.objective)(row["risk"]), border=True
    )
    c[3].metric("China share", fmt.pct(row["china_share"]), border=True)
    c[4].metric("Unmet demand", f"{fmt.tonnes(row['unmet_t'])} REO", border=True)
    st.markdown(f"##### Mix at {labels[chosen]}, {maps.default_stage(pick)} (its worst stage)")
    st.plotly_chart(
        charts.mix_bars(maps.mix_table(pick), solution.dataset, pick.scope, "share"),
        width="stretch",
        config={"displaylogo": False},
        key="frontier_mix",
    )
    d = st.columns(3)
    state.download(
        d[0],
        "Frontier points (.csv)",
        state.deferred_frontier_file(front, ".csv"),
        file_name="frontier.csv",
    )
    state.download(
        d[1],
        "Frontier with mixes (.xlsx)",
        state.deferred_frontier_file(front, ".xlsx"),
        file_name="frontier.xlsx",
    )
