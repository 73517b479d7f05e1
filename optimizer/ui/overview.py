"""Overview: the headline numbers, today's mix against the optimized one, and the policy in words."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from .. import maps
from ..policy import Policy, split_key
from ..solution import Solution, worse_than_today
from . import format as fmt
from . import stages

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
KPI_STAGE = "kpi_stage"  # the stage the risk cards and the element table are at

# Words shown on the cards and in the policy line (one place, for the message catalogue to come)
CHINA_WORST = "China share, worst stage ({stage})"
CHINA_AT = "China share at {stage}"
HHI_WORST = "Portfolio HHI (0-1)"
HHI_AT = "HHI at {stage} (0-1)"
FORGE_WORST = "FORGE share"
FORGE_AT = "FORGE share at {stage}"
VS_TODAY = "vs today ({value})"
VS_TODAY_AT = "vs today ({value} at {stage})"
STAGE_RULE_WORDS = {
    "worst": "risk at each element's worst stage",
    "sum": "risk summed over the stages",
}
AT_STAGE_WORDS = "risk at the {stage} stage"
CAP_AT = "{who} ≤ {share} at {stage}"
YEAR_WORDS = "plants producing by {year}"
STOCKPILE_WORDS = "KOMIR's stockpile sells as a supplier"


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
        parts.append(_limit(s, "≤", v))
    for e, caps in policy.element_caps.items():
        for s, v in caps.items():
            parts.append(f"{_limit(s, '≤', v)} of {e}")
    for b, v in policy.bloc_min.items():
        parts.append(_limit(b, "≥", v))
    if policy.recycled_min > 0:
        parts.append(f"recycled ≥ {policy.recycled_min:.0%}")
    for m, v in policy.risk_caps.items():
        parts.append(f"each element's {MEASURE_NAMES.get(m, m)} ≤ {v:g}")
    if policy.stage in STAGE_RULE_WORDS:
        parts.append(STAGE_RULE_WORDS[policy.stage])
    else:
        parts.append(AT_STAGE_WORDS.format(stage=policy.stage))
    if policy.year is not None:
        parts.append(YEAR_WORDS.format(year=policy.year))
    if policy.stockpile_as_supplier:
        parts.append(STOCKPILE_WORDS)
    if policy.elements is not None:
        parts.append(f"elements: {', '.join(policy.elements)}")
    if policy.preset:
        parts.append(f"preset {policy.preset}")
    return "; ".join(parts) + "."


def _limit(key: str, sign: str, value: float) -> str:
    """'CHN ≤ 50%' for a cap at every stage, 'CHN ≤ 50% at separation' for one stage."""
    stage, who = split_key(key)
    if stage is None:
        return f"{who} {sign} {value:.0%}"
    return f"{who} {sign} {value:.0%} at {stage}"


def risk_cards(solution: Solution, choice: str) -> dict[str, tuple[str, float, float, str]]:
    """The risk cards at a stage choice (stages.WORST or a stage): for china, hhi and forge,
    (label, optimized, today, today's description). At WORST the China card is the worst stage
    of each mix (named), HHI and FORGE each element's measure at its own worst stage, weighted;
    at a stage, the stage's weighted measures (Solution.stage_portfolio)."""
    if choice == stages.WORST:
        stage, china = solution.worst_stage()
        base_stage, base_china = solution.worst_stage("baseline")
        today = (
            VS_TODAY.format(value=fmt.pct(base_china))
            if base_stage == stage
            else VS_TODAY_AT.format(value=fmt.pct(base_china), stage=base_stage)
        )
        p, b = solution.portfolio, solution.baseline_portfolio
        return {
            "china": (CHINA_WORST.format(stage=stage), china, base_china, today),
            "hhi": (HHI_WORST, p["hhi"], b["hhi"], VS_TODAY.format(value=fmt.index(b["hhi"]))),
            "forge": (
                FORGE_WORST,
                p["forge_share"],
                b["forge_share"],
                VS_TODAY.format(value=fmt.pct(b["forge_share"])),
            ),
        }
    p = solution.stage_portfolio("optimized").loc[choice]
    b = solution.stage_portfolio("baseline").reindex([choice]).iloc[0]
    return {
        "china": (
            CHINA_AT.format(stage=choice),
            p["china_share"],
            b["china_share"],
            VS_TODAY.format(value=fmt.pct(b["china_share"])),
        ),
        "hhi": (
            HHI_AT.format(stage=choice),
            p["hhi"],
            b["hhi"],
            VS_TODAY.format(value=fmt.index(b["hhi"])),
        ),
        "forge": (
            FORGE_AT.format(stage=choice),
            p["forge_share"],
            b["forge_share"],
            VS_TODAY.format(value=fmt.pct(b["forge_share"])),
        ),
    }


def _delta(change: float, text, eps: float) -> dict:
    """st.metric delta arguments: the signed change with its unit, or 'no change' (no arrow,
    no colour) when it is below what the display can show."""
    if abs(change) < eps:
        return {"delta": "no change", "delta_arrow": "off", "delta_color": "off"}
    return {"delta": text(change)}


WORSE_LABEL = {
    "hhi": "HHI (higher)",
    "wgi_hhi": "governance-weighted HHI (higher)",
    "max_share": "largest country share (higher)",
    "top3_share": "top-3 share (higher)",
    "china_share": "China share (higher)",
    "forge_share": "FORGE share (lower)",
    "unmet_t": "unmet demand (more)",
    "china_share_worst_stage": "China share at the worst stage (higher)",
}


def render(solution: Solution) -> None:
    p, b = solution.portfolio, solution.baseline_portfolio
    st.markdown(
        "Headline figures for the elements in scope. Changes are against **today's mix** "
        "(the dataset's flows today). Shares are of what passes a stage of the chain, combined "
        f"across elements weighted by **{solution.policy.weights}**; costs are USD per year, "
        "what the mix pays the plants along the chain."
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
    choice = stages.pick(st, KPI_STAGE, solution, st.session_state)
    cards = risk_cards(solution, choice)
    # a change is never coloured as good while demand goes unmet: the shares are then of what
    # arrives, and buying less can make a mix look more diversified than it is
    short = p["unmet_t"] > 1e-6
    good_low = "off" if short else "inverse"
    good_high = "off" if short else "normal"
    c = st.columns(4)
    label, opt, today, vs = cards["hhi"]
    c[0].metric(
        label,
        fmt.index(opt),
        **{"delta_color": good_low, **_delta(opt - today, fmt.index_delta, 5e-4)},
        delta_description=vs,
        help="Herfindahl-Hirschman index of country shares per element at the stage, weighted "
        "across elements. 1 = a single country; lower is more diversified.",
        border=True,
    )
    label, opt, today, vs = cards["china"]
    c[1].metric(
        label,
        fmt.pct(opt),
        **{"delta_color": good_low, **_delta(opt - today, fmt.pts, 5e-4)},
        delta_description=vs,
        help="China's share of what passes the stage, per element, weighted across elements. "
        "The worst stage is the one where that share is highest.",
        border=True,
    )
    label, opt, today, vs = cards["forge"]
    c[2].metric(
        label,
        fmt.pct(opt),
        **{"delta_color": good_high, **_delta(opt - today, fmt.pts, 5e-4)},
        delta_description=vs,
        help="Share handled by FORGE members (including Korea's domestic sources), weighted "
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
        st.warning(
            f"**Not every requirement can be met under this policy.** While demand goes unmet "
            f"the changes above are not coloured: shares are of what arrives.\n\n{lines}"
        )
    worse = worse_than_today(solution)
    if worse:
        st.warning(
            "**Worse than today's mix on:** "
            + "; ".join(f"{WORSE_LABEL.get(w['measure'], w['measure'])}" for w in worse)
        )
    if len(solution.caps_not_met):
        st.warning(
            "**Risk caps no mix can keep:**\n\n"
            + "\n".join(f"- {t}" for t in solution.caps_not_met["explanation"])
        )

    st.markdown("##### By element" + ("" if choice == stages.WORST else f" at {choice}"))
    st.dataframe(
        element_table(solution, choice),
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
    if len(maps.stages_of(solution)) > 1:
        st.markdown("##### By stage")
        st.dataframe(
            stage_table(solution),
            hide_index=True,
            width="stretch",
            column_config={
                "stage": "Stage",
                "china_today": st.column_config.NumberColumn("China today (%)", format="%.1f%%"),
                "china_opt": st.column_config.NumberColumn("China optimized (%)", format="%.1f%%"),
                "hhi_today": st.column_config.NumberColumn("HHI today", format="%.3f"),
                "hhi_opt": st.column_config.NumberColumn("HHI optimized", format="%.3f"),
                "forge_opt": st.column_config.NumberColumn("FORGE optimized (%)", format="%.1f%%"),
            },
        )
        st.caption(
            "Per stage, weighted over the elements whose chain has that stage. Each element's "
            "figures above are at the stage chosen, or at its own worst stage."
        )


def objective_text(objective: str):
    """How to print a value of this objective: USD for losses and cost, an index otherwise."""
    if objective in USD_OBJECTIVES:
        return fmt.usd
    return lambda x: fmt.index(x, 4)


def element_table(solution: Solution, choice: str = stages.WORST) -> pd.DataFrame:
    """Per element, today's and the optimized China share, HHI and FORGE share at a stage (at
    WORST: each element's own worst stage, or the stage the policy names), the cost of its
    whole chain and what is unmet (display units). Elements whose chain lacks the stage are
    left out."""
    if choice == stages.WORST:
        m, bm = solution.metrics, solution.baseline_metrics.reindex(solution.metrics.index)
    else:
        m = solution.stage_metrics.xs(choice, level="stage")
        bm = solution.baseline_stage_metrics.xs(choice, level="stage").reindex(m.index)
    per = solution.metrics.reindex(m.index)
    base = solution.baseline_metrics.reindex(m.index)
    names = solution.dataset.elements["name"]
    return pd.DataFrame(
        {
            "element": m.index,
            "name": [names.get(e, e) for e in m.index],
            "demand_t": per["demand_t"].to_numpy(),
            "china_today": bm["china_share"].to_numpy() * 100,
            "china_opt": m["china_share"].to_numpy() * 100,
            "hhi_today": bm["hhi"].to_numpy(),
            "hhi_opt": m["hhi"].to_numpy(),
            "forge_opt": m["forge_share"].to_numpy() * 100,
            "cost_today": base["cost_usd"].to_numpy() / 1e6,
            "cost_opt": per["cost_usd"].to_numpy() / 1e6,
            "unmet_t": per["unmet_t"].to_numpy(),
        }
    )


def stage_table(solution: Solution) -> pd.DataFrame:
    """Per stage, today's and the optimized China share, HHI and FORGE share (display units)."""
    opt = solution.stage_portfolio("optimized")
    base = solution.stage_portfolio("baseline").reindex(opt.index)
    return pd.DataFrame(
        {
            "stage": [stages.name(s) for s in opt.index],
            "china_today": base["china_share"].to_numpy() * 100,
            "china_opt": opt["china_share"].to_numpy() * 100,
            "hhi_today": base["hhi"].to_numpy(),
            "hhi_opt": opt["hhi"].to_numpy(),
            "forge_opt": opt["forge_share"].to_numpy() * 100,
        }
    )
