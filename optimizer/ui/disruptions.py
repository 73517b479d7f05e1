"""Scenarios: what each disruption scenario in the dataset does to today's mix and the optimized
one (the library's stress_test), one scenario in detail (which the partner map then marks), and
a Monte Carlo of years drawn from the same events (the library's monte_carlo)."""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

import pandas as pd
import streamlit as st

from .. import heatmaps
from ..dataset import Dataset
from ..errors import InputError
from ..solution import Solution
from . import charts, exposure, state
from . import format as fmt
from .i18n import t

MEASURE = "stress_measure"
MIX_VIEW = "stress_view"
PICK = "scenario_pick"  # the scenario shown in detail; the partner map marks what it hits
SAMPLES = "mc_samples"
SEED = "mc_seed"
MC_RUN = "mc_run"  # (samples, seed) of the last Monte Carlo asked for
NONE = "__none__"
KEPT = (MEASURE, MIX_VIEW, PICK, SAMPLES, SEED, *exposure.KEPT)  # kept while the tab is closed

DEFAULT_SAMPLES = 20_000
MAX_SAMPLES = 200_000

# measure -> (catalogue id, unit, scale from the library's unit, number format)
MEASURES: dict[str, tuple[str, str, float, str]] = {
    "short_share": ("short_share", "% of demand", 100.0, ".0f"),
    "short_t": ("short_t", "t REO", 1.0, ",.1f"),
    "value_at_risk_usd": ("value_at_risk", "M USD", 1e-6, ",.2f"),
    "uncovered_t": ("uncovered", "t REO", 1.0, ",.1f"),
}
VIEWS = ("both", "baseline", "optimized", "change")


def measure_label(measure: str) -> str:
    return t(f"stress.m_{MEASURES[measure][0]}")


def measure_unit(measure: str) -> tuple[str, float]:
    """(unit shown, scale from the library's unit), money in the session's currency."""
    _, unit, scale, _ = MEASURES[measure]
    if unit == "M USD":
        factor, money = fmt.million_scale()
        return money, scale * factor
    if unit == "% of demand":
        return t("stress.u_share"), scale
    return unit, scale


def mix_title(view: str) -> str:
    return t(f"mix.{view}_long")


def picked(session: MutableMapping[str, Any], dataset: Dataset) -> str | None:
    """The scenario chosen on this tab, if the dataset in use has it (None: no scenario)."""
    name = session.get(PICK, NONE)
    if name in (None, NONE):
        return None
    return name if name in set(dataset.scenarios["scenario"]) else None


def clear_pick() -> None:
    st.session_state[PICK] = NONE


def stock_words(solution: Solution) -> str:
    """The stock a policy holds, in words (the sizing decision's result is on the Overview)."""
    policy = solution.policy
    if policy.stockpile_days is not None:
        return t("words.stock_days", days=f"{policy.stockpile_days:g}")
    if policy.stockpile_target_days is not None:
        return t("words.stock_target", days=f"{policy.stockpile_target_days:g}")
    return t("words.stock_table")


def render(solution: Solution) -> None:
    ds = solution.dataset
    days = solution.policy.stockpile_days
    st.markdown(t("stress.intro", stock=stock_words(solution)))
    if ds.scenarios.empty:
        st.info(t("stress.no_scenarios"))
        exposure.render(solution)  # needs no scenarios: a node stops, whatever stops it
        return
    info = heatmaps.scenario_info(ds, solution.scope)
    tables = {m: state.stress(solution, m, days) for m in state.MIXES}

    _heatmap(solution, info, tables)
    st.markdown("##### " + t("stress.one"))
    _one_scenario(solution, info, tables)
    st.markdown("##### " + t("stress.mc"))
    _monte_carlo(solution)
    exposure.render(solution)


def _heatmap(solution: Solution, info: pd.DataFrame, tables: dict[str, pd.DataFrame]) -> None:
    ss = st.session_state
    if ss.get(MEASURE) not in MEASURES:
        ss[MEASURE] = "short_share"
    if ss.get(MIX_VIEW) not in VIEWS:
        ss[MIX_VIEW] = "both"
    c = st.columns([2.4, 1.6])
    measure = c[0].segmented_control(
        t("map.measure"), list(MEASURES), key=MEASURE, format_func=measure_label, required=True
    )
    view = c[1].segmented_control(
        t("map.mix"),
        list(VIEWS),
        key=MIX_VIEW,
        format_func=lambda v: t(f"stress.v_{v}"),
        required=True,
    )
    measure = measure or "short_share"
    view = view or "both"
    number = MEASURES[measure][3]
    unit, scale = measure_unit(measure)
    names, scope = list(info["scenario"]), solution.scope
    grids = {m: heatmaps.stress_grid(tables[m], measure, names, scope) * scale for m in tables}
    if view == "both":
        panels = [(mix_title(m), grids[m]) for m in state.MIXES]
    elif view == "change":
        panels = [(t("stress.minus"), grids["optimized"] - grids["baseline"])]
        if measure == "short_share":  # a change of a share: percentage points, finer
            unit, number = t("stress.u_pp"), ".1f"
    else:
        panels = [(mix_title(view), grids[view])]
    notes = {
        r.scenario: t(
            "stress.note", probability=f"{r.probability:.0%}", days=f"{r.duration_days:g}"
        )
        for r in info.itertuples(index=False)
    }
    fig = charts.stress_heatmap(panels, unit, number, change=view == "change", scenario_notes=notes)
    st.plotly_chart(
        fig, width="stretch", config=charts.chart_config("scenarios"), key="stress_heatmap"
    )
    st.caption(
        t(
            "stress.caption",
            label=measure_label(measure),
            unit=unit,
            words=t(f"stress.w_{MEASURES[measure][0]}"),
        )
        + " "
        + (t("stress.change_note") + " " if view == "change" else "")
        + t("stress.stock_note", stock=stock_words(solution))
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
        t("stress.scenario"),
        [NONE, *names],
        key=PICK,
        format_func=lambda n: (
            t("stress.choose")
            if n == NONE
            else f"{n} · "
            + t(
                "stress.note",
                probability=f"{rows.at[n, 'probability']:.0%}",
                days=f"{rows.at[n, 'duration_days']:g}",
            )
        ),
        help=t("stress.scenario_help"),
    )
    if chosen in (None, NONE):
        st.caption(t("stress.choose_note"))
        return
    r = rows.loc[chosen]
    hits = heatmaps.scenario_hits(ds, chosen, solution.scope)
    who = (
        "; ".join(
            f"**{fmt.md(h.name)}** ({fmt.md(h.detail)})" for h in hits.itertuples(index=False)
        )
        if len(hits)
        else t("stress.hits_none")
    )
    st.markdown(
        f"**{fmt.md(chosen)}**: {fmt.md(r['description'])}  \n"
        + t(
            "stress.detail",
            probability=f"{r['probability']:.0%}",
            days=f"{r['duration_days']:g}",
            who=who,
        )
    )
    one = {m: tb[tb["scenario"] == chosen] for m, tb in tables.items()}
    st.caption(t("stress.badge_note"))
    c = st.columns(4)
    t_reo = (lambda x: f"{fmt.tonnes(x)} REO", lambda x: f"{fmt.tonnes_delta(x)} REO")
    usd = (fmt.usd, fmt.usd_delta)
    _metric_pair(c[0], "short_t", one, *t_reo)
    _metric_pair(c[1], "value_at_risk_usd", one, *usd)
    _metric_pair(c[2], "fill_premium_usd", one, *usd)
    _metric_pair(c[3], "uncovered_t", one, *t_reo)
    for m in state.MIXES:
        st.markdown(f"**{mix_title(m)}**")
        if one[m].empty:
            st.success(t("stress.whole", scenario=fmt.md(chosen)))
            continue
        st.dataframe(
            stress_display(one[m]),
            hide_index=True,
            width="stretch",
            height="content",
            column_config=stress_columns(),
            key=f"stress_table_{m}",
        )
    st.caption(t("stress.table_note", stock=stock_words(solution)))
    st.button(t("stress.clear"), on_click=clear_pick, key="clear_pick_here")


def _metric_pair(col, column: str, one: dict[str, pd.DataFrame], show, delta) -> None:
    today = float(one["baseline"][column].sum())
    opt = float(one["optimized"][column].sum())
    change = opt - today
    col.metric(
        t("stress.optimized_label", label=t(f"stress.k_{column}")),
        show(opt),
        **(
            {"delta": t("no_change"), "delta_arrow": "off", "delta_color": "off"}
            if abs(change) < 1e-6
            else {"delta": delta(change), "delta_color": "inverse"}
        ),
        delta_description=t("stress.today_value", value=show(today)),
        border=True,
        help=t(f"stress.h_{column}"),
    )


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


def stress_columns() -> dict:
    return {
        "element": st.column_config.TextColumn(t("col.element"), pinned=True),
        "short_t": st.column_config.NumberColumn(t("stress.c_short_t"), format="%,.2f"),
        "short_share": st.column_config.NumberColumn(
            t("constraints.col_short_share"), format="%.1f%%"
        ),
        "stockpile_days_needed": st.column_config.NumberColumn(t("stress.c_days"), format="%.1f"),
        "spare_fill_t": st.column_config.NumberColumn(t("stress.c_spare"), format="%,.2f"),
        "fill_premium_usd": st.column_config.NumberColumn(t("stress.c_fill"), format="%,.0f"),
        "uncovered_t": st.column_config.NumberColumn(t("stress.c_uncovered"), format="%,.2f"),
    }


# --- Monte Carlo -----------------------------------------------------------------------------


def _run_mc() -> None:
    ss = st.session_state
    ss[MC_RUN] = (int(ss[SAMPLES]), int(ss[SEED]))


def _monte_carlo(solution: Solution) -> None:
    ss = st.session_state
    st.markdown(t("mc.intro"))
    ss.setdefault(SAMPLES, DEFAULT_SAMPLES)
    ss.setdefault(SEED, 0)
    c = st.columns([1, 1, 1.2, 2])
    c[0].number_input(
        t("mc.samples"),
        min_value=1_000,
        max_value=MAX_SAMPLES,
        step=5_000,
        key=SAMPLES,
        help=t("mc.samples_help", most=f"{MAX_SAMPLES:,}"),
    )
    c[1].number_input(
        t("mc.seed"), min_value=0, max_value=2**31 - 1, step=1, key=SEED, help=t("mc.seed_help")
    )
    c[2].markdown("<div style='height:1.75rem'></div>", unsafe_allow_html=True)
    c[2].button(
        t("mc.run"),
        on_click=_run_mc,
        type="primary",
        width="stretch",
        key="run_mc",
        icon=":material/casino:",
    )
    run = ss.get(MC_RUN)
    if run is None:
        c[3].caption(t("mc.on_demand"))
        return
    samples, seed = run
    try:
        bar = st.progress(0.0, text=t("mc.simulating"))
        results = {}
        for i, m in enumerate(state.MIXES):
            results[m] = state.simulate(solution, m, samples, seed)
            bar.progress((i + 1) / len(state.MIXES), text=t("mc.simulating"))
        bar.empty()
    except InputError as e:
        st.error("\n".join(f"- {fmt.md(p)}" for p in e.problems))
        return
    if (ss[SAMPLES], ss[SEED]) != run:
        c[3].caption(t("mc.shown", samples=f"{samples:,}", seed=seed))
    for m in state.MIXES:
        st.markdown(t("mc.table_title", mix=mix_title(m)))
        st.dataframe(
            mc_display(results[m].per_element),
            hide_index=True,
            width="stretch",
            height="content",
            column_config=mc_columns(),
            key=f"mc_table_{m}",
        )
    st.markdown(t("mc.value_title"))
    value = mc_value_table(results["baseline"].value_lost_usd, results["optimized"].value_lost_usd)
    _, unit = fmt.million_scale()
    v1, v2 = st.columns([1.3, 1])
    v1.dataframe(
        value,
        hide_index=True,
        width="stretch",
        key="mc_value",
        column_config={
            "statistic": t("mc.statistic"),
            "today_musd": st.column_config.NumberColumn(
                t("col.today_money", unit=unit), format="%,.2f"
            ),
            "optimized_musd": st.column_config.NumberColumn(
                t("col.optimized_money", unit=unit), format="%,.2f"
            ),
            "change_musd": st.column_config.NumberColumn(
                t("col.change_money", unit=unit), format="%+,.2f"
            ),
        },
    )
    v2.caption(t("mc.value_note", samples=f"{samples:,}", seed=seed))


def mc_display(per: pd.DataFrame) -> pd.DataFrame:
    out = per.reset_index()[
        ["element", "mean_t", "stderr_t", "exact_mean_t", "p90_t", "p99_t", "prob_any"]
    ].copy()
    out["prob_any"] = out["prob_any"] * 100
    return out


def mc_value_table(today: pd.Series, optimized: pd.Series) -> pd.DataFrame:
    """Value lost a year, today and optimized, in the session's money (M USD or 억원)."""
    keys = [k for k in ("mean", "p50", "p90", "p99", "cvar90") if k in today.index]
    factor = fmt.million_scale()[0] / 1e6
    return pd.DataFrame(
        {
            "statistic": [t(f"mc.s_{k}") for k in keys],
            "today_musd": [today[k] * factor for k in keys],
            "optimized_musd": [optimized[k] * factor for k in keys],
            "change_musd": [(optimized[k] - today[k]) * factor for k in keys],
        }
    )


def mc_columns() -> dict:
    return {
        "element": st.column_config.TextColumn(t("col.element"), pinned=True),
        "mean_t": st.column_config.NumberColumn(t("mc.c_mean"), format="%,.2f"),
        "stderr_t": st.column_config.NumberColumn(t("mc.c_se"), format="%,.3f"),
        "exact_mean_t": st.column_config.NumberColumn(t("mc.c_exact"), format="%,.2f"),
        "p90_t": st.column_config.NumberColumn("p90 (t/yr)", format="%,.1f"),
        "p99_t": st.column_config.NumberColumn("p99 (t/yr)", format="%,.1f"),
        "prob_any": st.column_config.NumberColumn(t("mc.c_prob"), format="%.1f%%"),
    }
