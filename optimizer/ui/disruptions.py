"""Scenarios: what each disruption scenario in the dataset does to today's mix and the optimized
one (the library's stress_test), one scenario in detail (which the partner map then marks), and
a Monte Carlo of random supplier outages (the library's monte_carlo)."""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

import pandas as pd
import streamlit as st

from .. import heatmaps
from ..dataset import Dataset
from ..errors import InputError
from ..solution import Solution
from . import charts, state
from . import format as fmt

MEASURE = "stress_measure"
MIX_VIEW = "stress_view"
PICK = "scenario_pick"  # the scenario shown in detail; the partner map marks what it hits
SAMPLES = "mc_samples"
SEED = "mc_seed"
MC_RUN = "mc_run"  # (samples, seed) of the last Monte Carlo asked for
NONE = "__none__"
KEPT = (MEASURE, MIX_VIEW, PICK, SAMPLES, SEED)  # kept while the tab is closed

DEFAULT_SAMPLES = 20_000
MAX_SAMPLES = 200_000

# measure -> (label, unit, scale from the library's unit, number format, in words)
MEASURES: dict[str, tuple[str, str, float, str, str]] = {
    "short_share": (
        "Share short",
        "% of demand",
        100.0,
        ".0f",
        "the share of the element's demand over the scenario's duration that does not arrive",
    ),
    "short_t": (
        "Tonnes short",
        "t REO",
        1.0,
        ",.1f",
        "tonnes of oxide that do not arrive over the scenario's duration",
    ),
    "value_at_risk_usd": (
        "Value at risk",
        "M USD",
        1e-6,
        ",.2f",
        "the tonnes short at the element's price, in million USD",
    ),
    "uncovered_t": (
        "Uncovered",
        "t REO",
        1.0,
        ",.1f",
        "tonnes still missing after spare capacity of unaffected suppliers (cheapest first) "
        "and the stockpile are drawn",
    ),
}
VIEWS = {
    "both": "Today and optimized",
    "baseline": "Today",
    "optimized": "Optimized",
    "change": "Change",
}
MIX_TITLE = {"baseline": "Today's mix", "optimized": "Optimized mix"}


def picked(session: MutableMapping[str, Any], dataset: Dataset) -> str | None:
    """The scenario chosen on this tab, if the dataset in use has it (None: no scenario)."""
    name = session.get(PICK, NONE)
    if name in (None, NONE):
        return None
    return name if name in set(dataset.scenarios["scenario"]) else None


def clear_pick() -> None:
    st.session_state[PICK] = NONE


def render(solution: Solution) -> None:
    ds = solution.dataset
    days = solution.policy.stockpile_days
    st.markdown(
        "What each **disruption scenario** in the dataset does to **today's mix** and the "
        "**optimized** one: the oxide that stops arriving over the scenario's duration, its "
        "value, and what spare capacity elsewhere and the stockpile "
        f"(**{days:g} days** of demand, set in the sidebar) can cover. "
        "Scenario figures are estimates; see the dataset's scenarios table."
    )
    if ds.scenarios.empty:
        st.info("This dataset has no scenarios table, so there is nothing to stress-test.")
        return
    info = heatmaps.scenario_info(ds, solution.scope)
    tables = {m: state.stress(solution, m, days) for m in state.MIXES}

    _heatmap(solution, info, tables)
    st.markdown("##### One scenario")
    _one_scenario(solution, info, tables)
    st.markdown("##### Monte Carlo: random supplier outages")
    _monte_carlo(solution)


def _heatmap(solution: Solution, info: pd.DataFrame, tables: dict[str, pd.DataFrame]) -> None:
    ss = st.session_state
    ss.setdefault(MEASURE, "short_share")
    ss.setdefault(MIX_VIEW, "both")
    c = st.columns([2.4, 1.6])
    measure = c[0].segmented_control(
        "Measure",
        list(MEASURES),
        key=MEASURE,
        format_func=lambda m: MEASURES[m][0],
        required=True,
    )
    view = c[1].segmented_control(
        "Mix", list(VIEWS), key=MIX_VIEW, format_func=VIEWS.get, required=True
    )
    measure = measure or "short_share"
    view = view or "both"
    label, unit, scale, number, words = MEASURES[measure]
    names, scope = list(info["scenario"]), solution.scope
    grids = {m: heatmaps.stress_grid(tables[m], measure, names, scope) * scale for m in tables}
    if view == "both":
        panels = [(MIX_TITLE[m], grids[m]) for m in state.MIXES]
    elif view == "change":
        panels = [("Optimized minus today", grids["optimized"] - grids["baseline"])]
        if measure == "short_share":  # a change of a share: percentage points, finer
            unit, number = "pp of demand", ".1f"
    else:
        panels = [(MIX_TITLE[view], grids[view])]
    notes = {
        r.scenario: f"{r.probability:.0%} a year · {r.duration_days:g} days"
        for r in info.itertuples(index=False)
    }
    fig = charts.stress_heatmap(panels, unit, number, change=view == "change", scenario_notes=notes)
    st.plotly_chart(fig, width="stretch", config={"displaylogo": False}, key="stress_heatmap")
    st.caption(
        f"**{label}** ({unit}): {words}. Rows: scenarios (probability a year as given in the "
        "data, duration); columns: elements in scope. Blank cells: the scenario leaves the "
        "element whole. "
        + (
            "Change = optimized minus today; green is less short than today, red more. "
            if view == "change"
            else ""
        )
        + f"Stock: {solution.policy.stockpile_days:g} days of each element's demand."
    )


def _one_scenario(solution: Solution, info: pd.DataFrame, tables: dict[str, pd.DataFrame]) -> None:
    ss = st.session_state
    ds = solution.dataset
    rows = info.set_index("scenario")
    names = list(rows.index)
    if ss.get(PICK, NONE) not in (NONE, *names):
        ss[PICK] = NONE
    ss.setdefault(PICK, NONE)
    chosen = st.selectbox(
        "Scenario",
        [NONE, *names],
        key=PICK,
        format_func=lambda n: (
            "Choose a scenario…"
            if n == NONE
            else f"{n} · {rows.at[n, 'probability']:.0%} a year · {rows.at[n, 'duration_days']:g} "
            "days"
        ),
        help="Lists what the scenario is, what it does to each element, and marks the "
        "suppliers it hits on the Partner map.",
    )
    if chosen in (None, NONE):
        st.caption(
            "Choose a scenario to see its stress table; the Partner map then marks the "
            "suppliers it hits."
        )
        return
    r = rows.loc[chosen]
    hits = heatmaps.scenario_hits(ds, chosen, solution.scope)
    who = (
        "; ".join(f"**{h.name}** ({h.detail})" for h in hits.itertuples(index=False))
        if len(hits)
        else "none of the suppliers of the elements in scope"
    )
    st.markdown(
        f"**{chosen}**: {r['description']}  \n"
        f"Probability **{r['probability']:.0%}** a year (as given in the data) · duration "
        f"**{r['duration_days']:g} days** · hits: {who}."
    )
    one = {m: t[t["scenario"] == chosen] for m, t in tables.items()}
    st.markdown(
        "<small>Optimized mix, summed over the elements in scope for the scenario's duration; "
        "the badge is the change against today's mix.</small>",
        unsafe_allow_html=True,
    )
    c = st.columns(4)
    t_reo = (lambda x: f"{fmt.tonnes(x)} REO", lambda x: f"{fmt.tonnes_delta(x)} REO")
    usd = (fmt.usd, fmt.usd_delta)
    _metric_pair(c[0], "Tonnes short", one, "short_t", *t_reo)
    _metric_pair(c[1], "Value at risk", one, "value_at_risk_usd", *usd)
    _metric_pair(c[2], "Refill premium", one, "fill_premium_usd", *usd)
    _metric_pair(c[3], "Uncovered", one, "uncovered_t", *t_reo)
    for m in state.MIXES:
        st.markdown(f"**{MIX_TITLE[m]}**")
        if one[m].empty:
            st.success(f"{chosen} leaves every element of this mix whole.")
            continue
        st.dataframe(
            stress_display(one[m]),
            hide_index=True,
            width="stretch",
            height="content",
            column_config=STRESS_COLUMNS,
            key=f"stress_table_{m}",
        )
    st.caption(
        "Over the scenario's duration. Stock days needed: days of the element's demand the "
        "stockpile must hold to bridge the gap. Spare fill: what unaffected suppliers' spare "
        "capacity could deliver, cheapest first; fill premium: its cost above what the lost "
        "tonnes would have cost. Uncovered: left after spare fill and the stockpile "
        f"({solution.policy.stockpile_days:g} days). The **Partner map** now marks the "
        "suppliers this scenario hits."
    )
    st.button("Clear the scenario from the map", on_click=clear_pick, key="clear_pick_here")


def _metric_pair(col, label: str, one: dict[str, pd.DataFrame], column: str, show, delta) -> None:
    today = float(one["baseline"][column].sum())
    opt = float(one["optimized"][column].sum())
    change = opt - today
    col.metric(
        f"{label}, optimized",
        show(opt),
        **(
            {"delta": "no change", "delta_arrow": "off", "delta_color": "off"}
            if abs(change) < 1e-6
            else {"delta": delta(change), "delta_color": "inverse"}
        ),
        delta_description=f"today {show(today)}",
        border=True,
        help=HELP[column],
    )


HELP = {
    "short_t": "Oxide that does not arrive over the scenario's duration (t REO).",
    "value_at_risk_usd": "The tonnes short at each element's price (USD).",
    "fill_premium_usd": "What refilling the gap from unaffected suppliers' spare capacity "
    "(cheapest first) costs above what the lost tonnes would have cost (USD); negative when "
    "the refill is cheaper.",
    "uncovered_t": "Tonnes still missing after spare capacity and the stockpile are drawn.",
}


def stress_display(table: pd.DataFrame) -> pd.DataFrame:
    """The stress table's columns a meeting reads, shares in %."""
    out = table[
        [
            "element",
            "short_t",
            "short_share",
            "stockpile_days_needed",
            "spare_fill_t",
            "fill_premium_usd",
            "uncovered_t",
        ]
    ].copy()
    out["short_share"] = out["short_share"] * 100
    return out.reset_index(drop=True)


STRESS_COLUMNS = {
    "element": st.column_config.TextColumn("Element", pinned=True),
    "short_t": st.column_config.NumberColumn("Short (t REO)", format="%,.2f"),
    "short_share": st.column_config.NumberColumn("Short (% of demand)", format="%.1f%%"),
    "stockpile_days_needed": st.column_config.NumberColumn("Stock days needed", format="%.1f days"),
    "spare_fill_t": st.column_config.NumberColumn("Spare fill (t REO)", format="%,.2f"),
    "fill_premium_usd": st.column_config.NumberColumn("Fill premium (USD)", format="%,.0f"),
    "uncovered_t": st.column_config.NumberColumn("Uncovered (t REO)", format="%,.2f"),
}


# --- Monte Carlo -----------------------------------------------------------------------------


def _run_mc() -> None:
    ss = st.session_state
    ss[MC_RUN] = (int(ss[SAMPLES]), int(ss[SEED]))


def _monte_carlo(solution: Solution) -> None:
    ss = st.session_state
    ds = solution.dataset
    st.markdown(
        "Each supplier stops for a whole year with its own outage probability "
        "(`outage_probability` in the suppliers table), independently of the others; no "
        "stockpile or spare capacity is drawn. The table gives the tonnes short a year per "
        "element, for today's mix and the optimized one."
    )
    if "outage_probability" not in ds.suppliers.columns:
        st.info(
            "This dataset's suppliers table has no outage_probability column (0-1 per "
            "supplier), so there is nothing to simulate."
        )
        return
    ss.setdefault(SAMPLES, DEFAULT_SAMPLES)
    ss.setdefault(SEED, 0)
    c = st.columns([1, 1, 1.2, 2])
    c[0].number_input(
        "Samples (years)",
        min_value=1_000,
        max_value=MAX_SAMPLES,
        step=5_000,
        key=SAMPLES,
        help=f"Simulated years; 1,000 to {MAX_SAMPLES:,}. The standard error shrinks with "
        "the square root of the samples.",
    )
    c[1].number_input(
        "Seed", min_value=0, max_value=2**31 - 1, step=1, key=SEED, help="Same seed, same draws."
    )
    c[2].markdown("<div style='height:1.75rem'></div>", unsafe_allow_html=True)
    c[2].button(
        "Run Monte Carlo",
        on_click=_run_mc,
        type="primary",
        width="stretch",
        key="run_mc",
        icon=":material/casino:",
    )
    run = ss.get(MC_RUN)
    if run is None:
        c[3].caption("Runs on demand (about 0.1 s for 20,000 samples); results are kept.")
        return
    samples, seed = run
    try:
        with st.spinner("Simulating…"):
            results = {m: state.simulate(solution, m, samples, seed) for m in state.MIXES}
    except InputError as e:
        st.error("\n".join(f"- {p}" for p in e.problems))
        return
    if (ss[SAMPLES], ss[SEED]) != run:
        c[3].caption(f"Shown: {samples:,} samples, seed {seed}. Press Run to use the new settings.")
    for m in state.MIXES:
        st.markdown(f"**{MIX_TITLE[m]}**: tonnes short a year")
        st.dataframe(
            mc_display(results[m].per_element),
            hide_index=True,
            width="stretch",
            height="content",
            column_config=MC_COLUMNS,
            key=f"mc_table_{m}",
        )
    st.markdown("**Value short a year** (tonnes short at each element's price)")
    value = mc_value_table(results["baseline"].value_lost_usd, results["optimized"].value_lost_usd)
    v1, v2 = st.columns([1.3, 1])
    v1.dataframe(
        value,
        hide_index=True,
        width="stretch",
        key="mc_value",
        column_config={
            "statistic": "Statistic",
            "today_musd": st.column_config.NumberColumn("Today (M USD/yr)", format="%,.2f"),
            "optimized_musd": st.column_config.NumberColumn("Optimized (M USD/yr)", format="%,.2f"),
            "change_musd": st.column_config.NumberColumn("Change (M USD/yr)", format="%+,.2f"),
        },
    )
    v2.caption(
        f"{samples:,} simulated years, seed {seed}. Mean ± s.e.: the sample mean and its "
        "standard error; exact mean: the same mean computed from the probabilities directly "
        "(a check on the sampling). p50/p90/p99: the level not exceeded in 50/90/99% of years. "
        "P(any shortfall): share of years in which the element is short at all."
    )


def mc_display(per: pd.DataFrame) -> pd.DataFrame:
    out = per.reset_index()[
        ["element", "mean_t", "stderr_t", "exact_mean_t", "p90_t", "p99_t", "prob_any"]
    ].copy()
    out["prob_any"] = out["prob_any"] * 100
    return out


def mc_value_table(today: pd.Series, optimized: pd.Series) -> pd.DataFrame:
    labels = {"mean": "Mean", "p50": "Median (p50)", "p90": "p90", "p99": "p99"}
    keys = [k for k in labels if k in today.index]
    return pd.DataFrame(
        {
            "statistic": [labels[k] for k in keys],
            "today_musd": [today[k] / 1e6 for k in keys],
            "optimized_musd": [optimized[k] / 1e6 for k in keys],
            "change_musd": [(optimized[k] - today[k]) / 1e6 for k in keys],
        }
    )


MC_COLUMNS = {
    "element": st.column_config.TextColumn("Element", pinned=True),
    "mean_t": st.column_config.NumberColumn("Mean (t/yr)", format="%,.2f"),
    "stderr_t": st.column_config.NumberColumn("± s.e. (t/yr)", format="%,.3f"),
    "exact_mean_t": st.column_config.NumberColumn("Exact mean (t/yr)", format="%,.2f"),
    "p90_t": st.column_config.NumberColumn("p90 (t/yr)", format="%,.1f"),
    "p99_t": st.column_config.NumberColumn("p99 (t/yr)", format="%,.1f"),
    "prob_any": st.column_config.NumberColumn("P(any shortfall) (%)", format="%.1f%%"),
}
