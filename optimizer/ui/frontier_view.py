"""Frontier: the least risk reachable at each budget, with today's mix and the current solution
marked; choosing a point shows its mix. Solved on demand (a button), with a progress bar."""

from __future__ import annotations

import streamlit as st

from .. import maps
from ..solution import Solution
from . import charts, stages, state
from . import format as fmt
from .i18n import t
from .overview import USD_OBJECTIVES, measure_name, objective_text

POINT = "frontier_point"
FOR = "frontier_for"  # the policy the chosen point belongs to
ASKED = "frontier_asked"  # the policy keys the user asked a frontier for
KEPT = (POINT, FOR, ASKED)
SECONDS_PER_POINT = 0.25  # measured on the bundled data (about 6 s for 25 budgets, cold)


def _ask(key: str) -> None:
    asked = set(st.session_state.get(ASKED, ()))
    asked.add(key)
    st.session_state[ASKED] = tuple(asked)


def render(solution: Solution) -> None:
    ss = st.session_state
    policy = solution.policy
    if policy.objective == "cost":
        st.info(t("frontier.cost_objective"))
        return
    measure = measure_name(policy.objective)
    st.markdown(t("frontier.intro", measure=measure, points=state.FRONTIER_POINTS))
    pkey = state.policy_key(policy)
    front = state.cached_frontier(solution.dataset, policy)
    if front is None and pkey not in ss.get(ASKED, ()):
        c = st.columns([1, 3])
        c[0].button(
            t("frontier.run", points=state.FRONTIER_POINTS),
            type="primary",
            key="run_frontier",
            on_click=_ask,
            args=(pkey,),
            icon=":material/show_chart:",
        )
        c[1].caption(
            t(
                "frontier.estimate",
                seconds=f"{state.FRONTIER_POINTS * SECONDS_PER_POINT:.0f}",
                points=state.FRONTIER_POINTS,
            )
        )
        return
    if front is None:
        bar = st.progress(0.0, text=t("frontier.solving", points=state.FRONTIER_POINTS))
        front = state.solve_frontier(
            solution.dataset,
            policy,
            progress=lambda done, count: bar.progress(
                min(done / max(count, 1), 1.0), text=t("frontier.solved", done=done, count=count)
            ),
        )
        bar.empty()
    points = front.points
    usd = policy.objective in USD_OBJECTIVES
    nearest = int((points["cost_usd"] - solution.total_cost_usd).abs().idxmin())
    labels = {
        int(i): f"+{prem * 100:.1f}% · {fmt.usd(cost)}"
        for i, prem, cost in zip(
            points["point"], points["premium"], points["cost_usd"], strict=True
        )
    }
    if ss.get(POINT) not in labels or ss.get(FOR) != pkey:
        ss[POINT] = nearest  # a new policy starts at its own solution
        ss[FOR] = pkey
    chosen = st.select_slider(
        t("frontier.point"),
        options=list(labels),
        format_func=labels.get,
        key=POINT,
    )
    fig = charts.frontier_chart(
        points,
        t("frontier.axis_usd", measure=measure) if usd else t("frontier.axis", measure=measure),
        current=(solution.total_cost_usd, solution.objective_value),
        baseline=(solution.baseline_portfolio["cost_usd"], solution.baseline_objective_value),
        selected=chosen,
        usd=usd,
    )
    st.plotly_chart(
        fig, width="stretch", config=charts.chart_config("frontier"), key="frontier_chart"
    )
    row = points.iloc[chosen]
    pick = front.solutions[chosen]
    c = st.columns(5)
    c[0].metric(t("frontier.cost"), fmt.usd(row["cost_usd"]), border=True)
    c[1].metric(t("frontier.premium"), fmt.pct(row["premium"]), border=True)
    c[2].metric(
        measure[0].upper() + measure[1:], objective_text(policy.objective)(row["risk"]), border=True
    )
    c[3].metric(t("frontier.china"), fmt.pct(row["china_share"]), border=True)
    c[4].metric(t("card.unmet"), f"{fmt.tonnes(row['unmet_t'])} REO", border=True)
    st.markdown(
        "##### "
        + t(
            "frontier.mix_at",
            point=labels[chosen],
            stage=stages.name(maps.default_stage(pick)).lower(),
        )
    )
    st.plotly_chart(
        charts.mix_bars(maps.mix_table(pick), solution.dataset, pick.scope, "share"),
        width="stretch",
        config=charts.chart_config("frontier-mix"),
        key="frontier_mix",
    )
    d = st.columns(3)
    state.download(
        d[0],
        t("frontier.download_csv"),
        state.deferred_frontier_file(front, ".csv"),
        file_name="frontier.csv",
    )
    state.download(
        d[1],
        t("frontier.download_xlsx"),
        state.deferred_frontier_file(front, ".xlsx"),
        file_name="frontier.xlsx",
    )
