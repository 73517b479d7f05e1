"""Overview: the headline numbers, today's mix against the optimized one, and the policy in words."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from ..policy import Policy
from ..solution import Solution
from . import format as fmt

MEASURE_NAMES = {
    "hhi": "HHI",
    "wgi-hhi": "governance-weighted HHI",
    "max-share": "largest supplier's share",
    "top3": "top-3 suppliers' share",
    "cvar": "CVaR of disruption loss",
    "worst-case": "worst-case disruption loss",
    "cost": "cost",
}
USD_OBJECTIVES = ("cvar", "worst-case", "cost")
PORTFOLIO_KEY = {"hhi": "hhi", "wgi-hhi": "wgi_hhi", "max-share": "max_share", "top3": "top3_share"}


def policy_in_words(policy: Policy, solution: Solution | None = None) -> str:
    """One line a meeting can read: what is minimised, within what, under which caps."""
    parts = []
    if policy.objective == "cost":
        parts.append("Minimise cost")
    else:
        budget = (
            f"least cost + {policy.budget_premium:.0%}"
            if policy.budget_usd is None
            else fmt.usd(policy.budget_usd)
        )
        if solution is not None and solution.budget_usd is not None:
            budget += f" = {fmt.usd(solution.budget_usd)}/yr"
        parts.append(f"Minimise the {MEASURE_NAMES[policy.objective]} within {budget}")
    if policy.country_cap is not None:
        parts.append(f"no country above {policy.country_cap:.0%}")
    for s, v in policy.caps.items():
        parts.append(f"{s} ≤ {v:.0%}")
    for e, caps in policy.element_caps.items():
        for s, v in caps.items():
            parts.append(f"{s} ≤ {v:.0%} of {e}")
    for b, v in policy.bloc_min.items():
        parts.append(f"{b} ≥ {v:.0%}")
    if policy.recycled_min > 0:
        parts.append(f"recycled ≥ {policy.recycled_min:.0%}")
    for m, v in policy.risk_caps.items():
        parts.append(f"each element's {MEASURE_NAMES.get(m, m)} ≤ {v:g}")
    if policy.elements is not None:
        parts.append(f"elements: {', '.join(policy.elements)}")
    if policy.preset:
        parts.append(f"preset {policy.preset}")
    return "; ".join(parts) + "."


def _delta(change: float, text, eps: float) -> dict:
    """st.metric delta arguments: the signed change with its unit, or 'no change' (no arrow,
    no colour) when it is below what the display can show."""
    if abs(change) < eps:
        return {"delta": "no change", "delta_arrow": "off", "delta_color": "off"}
    return {"delta": text(change)}


def render(solution: Solution) -> None:
    p, b = solution.portfolio, solution.baseline_portfolio
    st.markdown(
        "Headline figures for the elements in scope. Changes are against **today's mix** "
        "(the dataset's baseline import shares). Shares are of what is supplied, combined "
        f"across elements weighted by **{solution.policy.weights}**; costs are USD per year at "
        "landed prices in Korea."
    )
    c = st.columns(4)
    c[0].metric(
        "Cost of the optimized mix",
        fmt.usd(solution.total_cost_usd),
        **{
            "delta_color": "inverse",
            **_delta(solution.total_cost_usd - b["cost_usd"], fmt.usd_delta, 0.5),
        },
        delta_description="vs today's mix",
        help="Landed cost of the optimized tonnes, USD per year.",
        border=True,
    )
    c[1].metric(
        "Least cost (same caps)",
        fmt.usd(solution.least_cost_usd),
        fmt.usd_delta(solution.total_cost_usd - solution.least_cost_usd),
        delta_color="off",
        delta_arrow="off",
        delta_description="optimized above it",
        help="The cheapest mix meeting the same caps and minimums: the base of the budget.",
        border=True,
    )
    c[2].metric(
        "Cost of today's mix",
        fmt.usd(b["cost_usd"]),
        help="Today's import shares times demand, at the same landed prices.",
        border=True,
    )
    c[3].metric(
        "Budget limit",
        fmt.usd(solution.budget_usd) if solution.budget_usd is not None else "none",
        None
        if solution.budget_usd is None
        else fmt.usd(max(solution.budget_usd - solution.total_cost_usd, 0.0)),
        delta_color="off",
        delta_arrow="off",
        delta_description="left unspent",
        help="Least cost times (1 + premium). The least-cost objective has no budget.",
        border=True,
    )
    c = st.columns(4)
    c[0].metric(
        "Portfolio HHI (0-1)",
        fmt.index(p["hhi"]),
        **{"delta_color": "inverse", **_delta(p["hhi"] - b["hhi"], fmt.index_delta, 5e-4)},
        delta_description=f"vs today ({fmt.index(b['hhi'])})",
        help="Herfindahl-Hirschman index of supplier shares per element, weighted across "
        "elements. 1 = a single supplier; lower is more diversified.",
        border=True,
    )
    c[1].metric(
        "China share",
        fmt.pct(p["china_share"]),
        **{
            "delta_color": "inverse",
            **_delta(p["china_share"] - b["china_share"], fmt.pts, 5e-4),
        },
        delta_description=f"vs today ({fmt.pct(b['china_share'])})",
        help="China's share of what is supplied, per element, weighted across elements.",
        border=True,
    )
    c[2].metric(
        "FORGE share",
        fmt.pct(p["forge_share"]),
        **{"delta_color": "normal", **_delta(p["forge_share"] - b["forge_share"], fmt.pts, 5e-4)},
        delta_description=f"vs today ({fmt.pct(b['forge_share'])})",
        help="Share supplied by FORGE members (including Korea's domestic sources), weighted "
        "across elements.",
        border=True,
    )
    c[3].metric(
        "Unmet demand",
        f"{fmt.tonnes(p['unmet_t'])} REO",
        **{
            "delta_color": "inverse",
            **_delta(p["unmet_t"] - b["unmet_t"], lambda x: fmt.tonnes_delta(x) + " REO", 5e-4),
        },
        delta_description=f"of {fmt.tonnes(p['demand_t'])} demand",
        help="Tonnes per year no allowed supplier can deliver under this policy.",
        border=True,
    )
    objective = solution.policy.objective
    if objective not in ("hhi", "cost"):
        show = objective_text(objective)
        st.caption(
            f"Objective, {MEASURE_NAMES.get(objective, objective)}: "
            f"{show(solution.objective_value)} optimized against "
            f"{show(solution.baseline_objective_value)} for today's mix"
            + (
                f" (stockpile {solution.policy.stockpile_days:g} days of demand drawn first)."
                if objective in ("cvar", "worst-case")
                else "."
            )
        )
    if solution.status == "shortfall":
        lines = "\n".join(f"- {t}" for t in solution.shortfalls["explanation"])
        st.warning(f"**Not every requirement can be met under this policy.**\n\n{lines}")

    st.markdown("##### By element")
    st.dataframe(
        element_table(solution),
        hide_index=True,
        width="stretch",
        column_config={
            "element": st.column_config.TextColumn("Element", pinned=True),
            "name": "Name",
            "demand_t": st.column_config.NumberColumn("Demand (t REO/yr)", format="%,.1f"),
            "china_today": st.column_config.NumberColumn("China today (%)", format="%.1f%%"),
            "china_opt": st.column_config.NumberColumn("China optimized (%)", format="%.1f%%"),
            "hhi_today": st.column_config.NumberColumn("HHI today", format="%.3f"),
            "hhi_opt": st.column_config.NumberColumn("HHI optimized", format="%.3f"),
            "forge_opt": st.column_config.NumberColumn("FORGE optimized (%)", format="%.1f%%"),
            "cost_today": st.column_config.NumberColumn("Cost today (M USD/yr)", format="%,.2f"),
            "cost_opt": st.column_config.NumberColumn("Cost optimized (M USD/yr)", format="%,.2f"),
            "unmet_t": st.column_config.NumberColumn("Unmet (t REO/yr)", format="%,.2f"),
        },
    )


def objective_text(objective: str):
    """How to print a value of this objective: USD for losses and cost, an index otherwise."""
    if objective in USD_OBJECTIVES:
        return fmt.usd
    return lambda x: fmt.index(x, 4)


def element_table(solution: Solution) -> pd.DataFrame:
    """Per element, today's and the optimized China share, HHI and cost (display units)."""
    m, bm = solution.metrics, solution.baseline_metrics.reindex(solution.metrics.index)
    names = solution.dataset.elements["name"]
    return pd.DataFrame(
        {
            "element": m.index,
            "name": [names.get(e, e) for e in m.index],
            "demand_t": m["demand_t"].to_numpy(),
            "china_today": bm["china_share"].to_numpy() * 100,
            "china_opt": m["china_share"].to_numpy() * 100,
            "hhi_today": bm["hhi"].to_numpy(),
            "hhi_opt": m["hhi"].to_numpy(),
            "forge_opt": m["forge_share"].to_numpy() * 100,
            "cost_today": bm["cost_usd"].to_numpy() / 1e6,
            "cost_opt": m["cost_usd"].to_numpy() / 1e6,
            "unmet_t": m["unmet_t"].to_numpy(),
        }
    )
