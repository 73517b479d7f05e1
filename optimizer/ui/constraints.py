"""Constraints: what each policy constraint costs (shadow prices), in the library's own words,
and why any element falls short.

Honest by construction: a constraint is never said to change nothing while the table prices it.
Only constraints whose prices are zero (or that the library could not price, said in words) are
counted as holding with room to spare.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from ..solution import Solution
from . import format as fmt
from .i18n import t
from .overview import bullets, explained, measure_name

PRICE_EPS = 1.0  # USD a year per point: below this a price is round-off
RISK_EPS = 1e-9


def setting_text(row: pd.Series) -> str:
    if row["constraint"] == "budget":
        return fmt.usd(row["setting"])
    if row["constraint"] == "risk cap":
        return f"{row['setting']:.3f}"
    return fmt.pct(row["setting"], 0)


def priced(sp: pd.DataFrame) -> pd.Series:
    """Rows with a non-zero price in either column (NaN: not priced)."""
    cost = sp["least_cost_usd_per_point"].abs() > PRICE_EPS
    risk = sp["risk_per_point"].abs() > RISK_EPS
    return cost.fillna(False) | risk.fillna(False)


def split(sp: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(binding or priced, free: zero price both ways, unpriced: the library gives no number).
    A row the library calls binding, or one with a price, is never among the free ones."""
    if sp.empty:
        return sp, sp, sp
    active = sp["binding"].astype(bool) | priced(sp)
    unpriced = ~active & sp["least_cost_usd_per_point"].isna() & sp["risk_per_point"].isna()
    return sp[active], sp[~active & ~unpriced], sp[unpriced]


def render(solution: Solution) -> None:
    sp = solution.shadow_prices
    st.markdown(t("constraints.intro"))
    active, free, unpriced = split(sp)
    if len(active):
        order = (
            active["risk_per_point"].abs().fillna(0)
            + active["least_cost_usd_per_point"].abs().fillna(0) * 1e-12
        )
        active = active.loc[order.sort_values(ascending=False).index]
        st.markdown("##### " + t("constraints.binding", count=len(active)))
        st.markdown(bullets(active))
    elif len(sp):
        st.info(t("constraints.none_binding"))
    if len(free):
        st.caption(t("constraints.slack", count=len(free)))
    if len(unpriced):
        st.caption(t("constraints.unpriced", count=len(unpriced)))
    if len(sp):
        with st.expander(t("constraints.all", count=len(sp))):
            table = sp.copy()
            table["explanation"] = explained(sp)
            table["setting"] = table.apply(setting_text, axis=1)
            scale, unit = fmt.million_scale()
            table["least_cost_usd_per_point"] = table["least_cost_usd_per_point"] / 1e6 * scale
            st.dataframe(
                table,
                hide_index=True,
                width="stretch",
                column_config={
                    "constraint": t("constraints.col_constraint"),
                    "element": t("col.element"),
                    "stage": t("col.stage"),
                    "target": t("constraints.col_on"),
                    "setting": t("constraints.col_setting"),
                    "binding": st.column_config.CheckboxColumn(t("constraints.col_binding")),
                    "least_cost_usd_per_point": st.column_config.NumberColumn(
                        t("constraints.col_cost", unit=unit), format="%+,.3f"
                    ),
                    "risk_per_point": st.column_config.NumberColumn(
                        t("constraints.col_risk", measure=measure_name(solution.policy.objective)),
                        format="%+.5f",
                    ),
                    "explanation": st.column_config.TextColumn(t("col.in_words"), width="large"),
                },
            )
    if len(solution.above_today):
        st.markdown("##### " + t("constraints.above_today"))
        st.info(bullets(solution.above_today))
    if len(solution.caps_not_met):
        st.markdown("##### " + t("constraints.caps_not_met"))
        st.warning(bullets(solution.caps_not_met))
    st.markdown("##### " + t("constraints.shortfalls"))
    sf = solution.shortfalls
    if len(sf) == 0:
        st.success(t("constraints.no_shortfall"))
        return
    st.warning(bullets(sf))
    shown = sf.assign(short_share=sf["short_share"] * 100, explanation=explained(sf))
    st.dataframe(
        shown,
        hide_index=True,
        width="stretch",
        column_config={
            "element": t("col.element"),
            "constraint": t("constraints.col_requirement"),
            "stage": t("col.stage"),
            "demand_t": st.column_config.NumberColumn(t("col.demand_t"), format="%,.2f"),
            "short_t": st.column_config.NumberColumn(t("constraints.col_short_t"), format="%,.2f"),
            "short_share": st.column_config.NumberColumn(
                t("constraints.col_short_share"), format="%.1f%%"
            ),
            "cause": t("constraints.col_cause"),
            "explanation": st.column_config.TextColumn(t("col.in_words"), width="large"),
        },
    )
