"""Overview: the headline numbers, today's mix against the optimized one, and the policy in words."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from .. import maps
from ..policy import ROBUST_OBJECTIVES, Policy, split_key
from ..reports import messages
from ..solution import Solution, worse_than_today
from . import disruptions, i18n, stages
from . import format as fmt
from .i18n import t

USD_OBJECTIVES = (*ROBUST_OBJECTIVES, "cost")
PORTFOLIO_KEY = {"hhi": "hhi", "wgi-hhi": "wgi_hhi", "max-share": "max_share", "top3": "top3_share"}
KPI_STAGE = "kpi_stage"  # the stage the risk cards and the element table are at
CARD_STAGE_EPS = 5e-4  # below this a change of a share or an index does not show


def measure_name(objective: str) -> str:
    """The objective's measure in words ('HHI', 'CVaR of disruption loss')."""
    return t(f"measure.{objective}")


def budget_words(policy: Policy, solution: Solution | None, basis: tuple[str, float] | None) -> str:
    """The budget as the user set it: 'least cost + 15% = USD 237.9 M/yr', 'today's cost + 10%
    = …', or 'an absolute budget of …'."""
    mode, premium = basis or ("least", policy.budget_premium or 0.0)
    if policy.budget_usd is None:
        text = t("words.budget_least", premium=f"{(policy.budget_premium or 0.0):.0%}")
        if solution is not None and solution.budget_usd is not None:
            text += t("words.budget_equals", amount=fmt.usd(solution.budget_usd))
        return text
    if mode == "today":
        return t("words.budget_today", premium=f"{premium:.0%}", amount=fmt.usd(policy.budget_usd))
    return t("words.budget_absolute", amount=fmt.usd(policy.budget_usd))


def policy_in_words(
    policy: Policy, solution: Solution | None = None, basis: tuple[str, float] | None = None
) -> str:
    """One line a meeting can read: what is minimised, within what budget (in the terms the user
    chose: `basis` is (mode, premium) from the sidebar), under which caps."""
    parts = []
    if policy.objective == "cost":
        parts.append(t("words.minimise_cost"))
    else:
        parts.append(
            t(
                "words.minimise",
                measure=measure_name(policy.objective),
                budget=budget_words(policy, solution, basis),
            )
        )
    if policy.country_cap is not None:
        parts.append(t("words.country_cap", share=f"{policy.country_cap:.0%}"))
    for s, v in policy.caps.items():
        parts.append(_limit(s, "≤", v))
    for e, caps in policy.element_caps.items():
        for s, v in caps.items():
            parts.append(t("words.of_element", limit=_limit(s, "≤", v), element=fmt.md(e)))
    for b, v in policy.bloc_min.items():
        parts.append(_limit(b, "≥", v))
    if policy.recycled_min > 0:
        parts.append(t("words.recycled", share=f"{policy.recycled_min:.0%}"))
    for m, v in policy.risk_caps.items():
        key = f"measure.{m}"
        what = t(key) if key in messages.CATALOGUE else fmt.md(m)
        parts.append(t("words.risk_cap", measure=what, value=f"{v:g}"))
    if policy.stage in ("worst", "sum"):
        parts.append(t(f"words.rule_{policy.stage}"))
    else:
        parts.append(t("words.rule_stage", stage=stages.name(policy.stage).lower()))
    if policy.year is not None:
        parts.append(t("words.year", year=policy.year))
    if policy.stockpile_as_supplier:
        parts.append(t("words.stockpile_supplier"))
    if policy.elements is not None:
        parts.append(t("words.elements", elements=", ".join(fmt.md(e) for e in policy.elements)))
    if policy.preset:
        parts.append(t("words.preset", preset=t(f"preset.{policy.preset}")))
    return "; ".join(parts) + "."


def _limit(key: str, sign: str, value: float) -> str:
    """'CHN ≤ 50%' for a cap at every stage, 'CHN ≤ 50% at separation' for one stage."""
    stage, who = split_key(key)
    if stage is None:
        return f"{fmt.md(who)} {sign} {value:.0%}"
    return t(
        "words.limit_at", who=fmt.md(who), sign=sign, share=f"{value:.0%}", stage=stages.name(stage)
    )


def china_label(stage: str) -> str:
    """The headline China card's label at the worst stage (named)."""
    return t("card.china_worst", stage=stages.name(stage).lower())


def risk_cards(solution: Solution, choice: str) -> dict[str, tuple[str, float, float, str]]:
    """The risk cards at a stage choice (stages.WORST or a stage): for china, hhi and forge,
    (label, optimized, today, today's description). At WORST the China card is the worst stage
    of each mix (named), HHI and FORGE each element's measure at its own worst stage, weighted;
    at a stage, the stage's weighted measures (Solution.stage_portfolio)."""
    vs = lambda value: t("card.vs_today", value=value)  # noqa: E731
    if choice == stages.WORST:
        stage, china = solution.worst_stage()
        base_stage, base_china = solution.worst_stage("baseline")
        today = (
            vs(fmt.pct(base_china))
            if base_stage == stage
            else t(
                "card.vs_today_at",
                value=fmt.pct(base_china),
                stage=stages.name(base_stage).lower(),
            )
        )
        p, b = solution.portfolio, solution.baseline_portfolio
        return {
            "china": (china_label(stage), china, base_china, today),
            "hhi": (t("card.hhi_worst"), p["hhi"], b["hhi"], vs(fmt.index(b["hhi"]))),
            "forge": (
                t("card.forge_worst"),
                p["forge_share"],
                b["forge_share"],
                vs(fmt.pct(b["forge_share"])),
            ),
        }
    p = solution.stage_portfolio("optimized").loc[choice]
    b = solution.stage_portfolio("baseline").reindex([choice]).iloc[0]
    at = stages.name(choice).lower()
    return {
        "china": (
            t("card.china_at", stage=at),
            p["china_share"],
            b["china_share"],
            vs(fmt.pct(b["china_share"])),
        ),
        "hhi": (t("card.hhi_at", stage=at), p["hhi"], b["hhi"], vs(fmt.index(b["hhi"]))),
        "forge": (
            t("card.forge_at", stage=at),
            p["forge_share"],
            b["forge_share"],
            vs(fmt.pct(b["forge_share"])),
        ),
    }


def _delta(change: float, text, eps: float) -> dict:
    """st.metric delta arguments: the signed change with its unit, or 'no change' (no arrow,
    no colour) when it is below what the display can show."""
    if abs(change) < eps:
        return {"delta": t("no_change"), "delta_arrow": "off", "delta_color": "off"}
    return {"delta": text(change)}


def worse_value(measure: str, value: float) -> str:
    if measure in ("hhi", "wgi_hhi"):
        return fmt.index(value)
    if measure == "unmet_t":
        return fmt.tonnes(value)
    return fmt.pct(value)


def worse_lines(solution: Solution) -> list[str]:
    """Each measure where the optimized mix is worse than today's, with both values."""
    return [
        t(
            "overview.worse_line",
            measure=t(f"worse.{w['measure']}"),
            today=worse_value(w["measure"], w["today"]),
            optimized=worse_value(w["measure"], w["optimized"]),
        )
        for w in worse_than_today(solution)
    ]


def bullets(texts) -> str:
    """Library explanations (with names from data) as a Markdown list, escaped. A frame of the
    library's (with an explanation column) is said in the session's language."""
    if hasattr(texts, "columns"):
        texts = explained(texts)
    return "\n".join(f"- {fmt.md(x)}" for x in texts)


def explained(frame: pd.DataFrame) -> list[str]:
    """A library frame's explanations in the session's language (same numbers as the English)."""
    return messages.explain(frame, i18n.lang())


def render(solution: Solution) -> None:
    p, b = solution.portfolio, solution.baseline_portfolio
    st.markdown(t("overview.intro", weights=t(f"weights.{solution.policy.weights}")))
    short = p["unmet_t"] > 1e-6
    # a change is never coloured as good while demand goes unmet: the shares are then of what
    # arrives, and buying less can make a mix look more diversified (or cheaper) than it is
    good_low = "off" if short else "inverse"
    good_high = "off" if short else "normal"
    c = st.columns(4)
    c[0].metric(
        t("card.cost"),
        fmt.usd(solution.total_cost_usd),
        **{
            "delta_color": good_low,
            **_delta(solution.total_cost_usd - b["cost_usd"], fmt.usd_delta, 0.5),
        },
        delta_description=t("card.vs_today_mix"),
        help=t("card.cost_help"),
        border=True,
    )
    c[1].metric(
        t("card.least_cost"),
        fmt.usd(solution.least_cost_usd),
        fmt.usd_delta(solution.total_cost_usd - solution.least_cost_usd),
        delta_color="off",
        delta_arrow="off",
        delta_description=t("card.above_least"),
        help=t("card.least_cost_help"),
        border=True,
    )
    c[2].metric(
        t("card.today_cost"),
        fmt.usd(b["cost_usd"]),
        help=t("card.today_cost_help"),
        border=True,
    )
    c[3].metric(
        t("card.budget"),
        fmt.usd(solution.budget_usd) if solution.budget_usd is not None else t("card.no_budget"),
        None
        if solution.budget_usd is None
        else fmt.usd(max(solution.budget_usd - solution.total_cost_usd, 0.0)),
        delta_color="off",
        delta_arrow="off",
        delta_description=t("card.unspent"),
        help=t("card.budget_help"),
        border=True,
    )
    choice = stages.pick(st, KPI_STAGE, solution, st.session_state)
    cards = risk_cards(solution, choice)
    c = st.columns(4)
    label, opt, today, vs = cards["hhi"]
    c[0].metric(
        label,
        fmt.index(opt),
        **{"delta_color": good_low, **_delta(opt - today, fmt.index_delta, CARD_STAGE_EPS)},
        delta_description=vs,
        help=t("card.hhi_help"),
        border=True,
    )
    label, opt, today, vs = cards["china"]
    c[1].metric(
        label,
        fmt.pct(opt),
        **{"delta_color": good_low, **_delta(opt - today, fmt.pts, CARD_STAGE_EPS)},
        delta_description=vs,
        help=t("card.china_help"),
        border=True,
    )
    label, opt, today, vs = cards["forge"]
    c[2].metric(
        label,
        fmt.pct(opt),
        **{"delta_color": good_high, **_delta(opt - today, fmt.pts, CARD_STAGE_EPS)},
        delta_description=vs,
        help=t("card.forge_help"),
        border=True,
    )
    c[3].metric(
        t("card.unmet"),
        f"{fmt.tonnes(p['unmet_t'])} REO",
        **{
            "delta_color": "inverse",
            **_delta(p["unmet_t"] - b["unmet_t"], lambda x: fmt.tonnes_delta(x) + " REO", 5e-4),
        },
        delta_description=t("card.of_demand", demand=fmt.tonnes(p["demand_t"])),
        help=t("card.unmet_help"),
        border=True,
    )
    objective = solution.policy.objective
    if objective not in ("hhi", "cost"):
        show = objective_text(objective)
        st.caption(
            t(
                "overview.objective_line",
                measure=measure_name(objective),
                optimized=show(solution.objective_value),
                today=show(solution.baseline_objective_value),
            )
            + (
                t("overview.stock_first", stock=disruptions.stock_words(solution))
                if objective in ROBUST_OBJECTIVES
                else ""
            )
        )
    bought = solution.stock[solution.stock["added_t"] > 0] if len(solution.stock) else []
    if len(bought):
        st.caption(
            t(
                "overview.stock_bought",
                elements=", ".join(
                    t("overview.stock_item", element=e, days=f"{r.days:.0f}")
                    for e, r in bought.iterrows()
                ),
                cost=fmt.usd(solution.stock_cost_usd),
            )
        )
    honest_notes(solution)

    st.markdown(
        "##### "
        + (
            t("overview.by_element")
            if choice == stages.WORST
            else t("overview.by_element_at", stage=stages.name(choice).lower())
        )
    )
    scale, unit = fmt.million_scale()
    st.dataframe(
        element_table(solution, choice),
        hide_index=True,
        width="stretch",
        height="content",
        column_config={
            "element": st.column_config.TextColumn(t("col.element"), pinned=True),
            "name": t("col.name"),
            "demand_t": st.column_config.NumberColumn(t("col.demand_t"), format="%,.1f"),
            "china_today": st.column_config.NumberColumn(t("col.china_today"), format="%.1f%%"),
            "china_opt": st.column_config.NumberColumn(t("col.china_opt"), format="%.1f%%"),
            "hhi_today": st.column_config.NumberColumn(t("col.hhi_today"), format="%.3f"),
            "hhi_opt": st.column_config.NumberColumn(t("col.hhi_opt"), format="%.3f"),
            "forge_opt": st.column_config.NumberColumn(t("col.forge_opt"), format="%.1f%%"),
            "cost_today": st.column_config.NumberColumn(
                t("col.cost_today", unit=unit), format="%,.2f"
            ),
            "cost_opt": st.column_config.NumberColumn(t("col.cost_opt", unit=unit), format="%,.2f"),
            "unmet_t": st.column_config.NumberColumn(t("col.unmet_t"), format="%,.2f"),
        },
    )
    if len(maps.stages_of(solution)) > 1:
        st.markdown("##### " + t("overview.by_stage"))
        st.dataframe(
            stage_table(solution),
            hide_index=True,
            width="stretch",
            column_config={
                "stage": t("col.stage"),
                "china_today": st.column_config.NumberColumn(t("col.china_today"), format="%.1f%%"),
                "china_opt": st.column_config.NumberColumn(t("col.china_opt"), format="%.1f%%"),
                "hhi_today": st.column_config.NumberColumn(t("col.hhi_today"), format="%.3f"),
                "hhi_opt": st.column_config.NumberColumn(t("col.hhi_opt"), format="%.3f"),
                "forge_opt": st.column_config.NumberColumn(t("col.forge_opt"), format="%.1f%%"),
            },
        )
        st.caption(t("overview.by_stage_note"))


def honest_notes(solution: Solution) -> None:
    """What a reader must not miss: demand unmet, measures worse than today, risk caps no mix
    can keep, elements above today's level. Said in words, never left to a colour."""
    if solution.status == "shortfall":
        st.warning(t("overview.shortfall") + "\n\n" + bullets(solution.shortfalls))
    worse = worse_lines(solution)
    if worse:
        st.warning(t("overview.worse") + "\n\n" + "\n".join(f"- {w}" for w in worse))
    if len(solution.caps_not_met):
        st.warning(t("overview.caps_not_met") + "\n\n" + bullets(solution.caps_not_met))
    if len(solution.above_today):
        st.info(t("overview.above_today") + "\n\n" + bullets(solution.above_today))


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
            "cost_today": base["cost_usd"].to_numpy() / 1e6 * fmt.million_scale()[0],
            "cost_opt": per["cost_usd"].to_numpy() / 1e6 * fmt.million_scale()[0],
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
