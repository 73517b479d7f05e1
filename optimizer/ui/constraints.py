"""Constraints: what each policy constraint costs (shadow prices), in the library's own words,
and why any element falls short."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from ..solution import Solution
from . import format as fmt


def setting_text(row: pd.Series) -> str:
    if row["constraint"] == "budget":
        return fmt.usd(row["setting"])
    if row["constraint"] == "risk cap":
        return f"{row['setting']:.3f}"
    return fmt.pct(row["setting"], 0)


def render(solution: Solution) -> None:
    sp = solution.shadow_prices
    st.markdown(
        "What each constraint of the policy costs at the margin: the change in the **least cost** "
        "(USD/yr) and in the **objective** if the constraint were loosened by one percentage "
        "point (or, for the budget, one point of premium). A constraint is *binding* when "
        "loosening it would change the result."
    )
    binding = sp[sp["binding"]].copy()
    if len(binding):
        binding["_size"] = (
            binding["risk_per_point"].abs().fillna(0)
            + binding["least_cost_usd_per_point"].abs() * 1e-12
        )
        binding = binding.sort_values("_size", ascending=False)
        st.markdown(f"##### Binding constraints ({len(binding)})")
        st.markdown("\n".join(f"- {t}" for t in binding["explanation"]))
    else:
        st.success("No policy constraint is binding: loosening any of them changes nothing.")
    slack = len(sp) - len(binding)
    if slack:
        st.caption(
            f"{slack} other constraint{'s' * (slack != 1)} not binding: they hold with room to "
            "spare, so relaxing them alone changes nothing at the margin."
        )
    if len(sp):
        with st.expander(f"All {len(sp)} policy constraints"):
            table = sp.copy()
            table["setting"] = table.apply(setting_text, axis=1)
            st.dataframe(
                table,
                hide_index=True,
                width="stretch",
                column_config={
                    "constraint": "Constraint",
                    "element": "Element",
                    "stage": "Stage",
                    "target": "On",
                    "setting": "Setting",
                    "binding": st.column_config.CheckboxColumn("Binding"),
                    "least_cost_usd_per_point": st.column_config.NumberColumn(
                        "Least cost per point (USD/yr)", format="%+,.0f"
                    ),
                    "risk_per_point": st.column_config.NumberColumn(
                        f"{solution.policy.objective} per point", format="%+.5f"
                    ),
                    "explanation": st.column_config.TextColumn("In words", width="large"),
                },
            )
    if len(solution.above_today):
        st.markdown("##### Above today's level")
        st.info("\n".join(f"- {t}" for t in solution.above_today["explanation"]))
    st.markdown("##### Shortfalls")
    sf = solution.shortfalls
    if len(sf) == 0:
        st.success("Every element's demand is met in full, and every bloc minimum is reached.")
        return
    st.warning("\n".join(f"- {t}" for t in sf["explanation"]))
    shown = sf.assign(short_share=sf["short_share"] * 100)
    st.dataframe(
        shown,
        hide_index=True,
        width="stretch",
        column_config={
            "element": "Element",
            "constraint": "Requirement",
            "stage": "Stage",
            "demand_t": st.column_config.NumberColumn("Demand (t REO/yr)", format="%,.2f"),
            "short_t": st.column_config.NumberColumn("Short (t REO/yr)", format="%,.2f"),
            "short_share": st.column_config.NumberColumn("Short (% of demand)", format="%.1f%%"),
            "cause": "Cause",
            "explanation": st.column_config.TextColumn("In words", width="large"),
        },
    )
