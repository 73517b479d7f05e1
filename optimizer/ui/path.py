"""Path to 2030: the multi-year plan (optimizer.plan) on demand. Which projects the policy loans
and subsidies back and when, where each element comes from at each stage year by year, loan
use against the envelopes, the cost per year, and the year each target is met (or why not).

The plan has its own settings, in a form: the sidebar's policy is the single-year model's and
does not apply here. The plan is a mixed-integer program of a few seconds, so it runs only when
asked, through a cached call (state.solve_plan); this module draws what the library returns.
"""

from __future__ import annotations

import time
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import streamlit as st
from plotly.subplots import make_subplots

from ..dataset import Dataset
from ..errors import InputError
from ..lp import SolverError
from ..plan import CHINA, Plan, PlanSettings
from ..reports import messages
from ..schema import STAGES
from ..solution import Solution
from . import charts, i18n, state
from . import format as fmt
from .i18n import t
from .stages import name as stage_name

FORM = "path_form"
RUN = "path_run"
ASKED = "path_asked"  # (PlanSettings, marginal) of the last Run: the plan shown
ELEMENT = "path_element"
STAGE = "path_stage"
KEPT = (ELEMENT, STAGE)  # the chart's selectors, kept while the tab is closed
# Measured on the bundled data on a 2-core machine: a five-year plan in 2-6 s; the practical
# limits add integer choices (up to about 12 s); marginal values solve the plan twice more.
SECONDS = (2, 6)
SECONDS_LIMITS = 12
STAKE_BLUE = charts.KOREA_BLUE
OUTPUT_GREEN = "#7FB89A"
SUBSIDY_GREEN = "#1B7F5B"
STOCK_GREY = "#6B7B8C"


# --- settings ------------------------------------------------------------------------------


def asked(session: Any) -> tuple[PlanSettings, bool] | None:
    found = session.get(ASKED)
    return found if isinstance(found, tuple) and len(found) == 2 else None


def settings_of(values: dict[str, Any], factor: float) -> PlanSettings:
    """The library's settings from the form's values: money in the session's unit (`factor`
    from M USD, fmt.million_scale), shares in percent, None where a setting is left empty."""

    def usd(x: float | None) -> float | None:
        return None if x is None else float(x) / factor * 1e6

    def share(x: float | None) -> float | None:
        return None if x is None else float(x) / 100

    return PlanSettings(
        first_year=int(values["first_year"]),
        last_year=int(values["last_year"]),
        loan_budget_usd=usd(values["loan"]) or 0.0,
        later_loan_budget_usd=usd(values["later_loan"]),
        coverage=share(values["coverage"]),
        subsidy_budget_usd=usd(values["subsidy"]) or 0.0,
        target_year=None if values["target_year"] is None else int(values["target_year"]),
        country_cap=share(values["country_cap"]),
        recycled_min=share(values["recycled"]) or 0.0,
        objective=values["objective"],
        budget_premium=share(values["premium"]),
        switching_limit=share(values["switching"]),
        min_order_t=None if values["min_order"] is None else float(values["min_order"]),
        max_suppliers=None if values["max_suppliers"] is None else int(values["max_suppliers"]),
    )


def _in_unit(usd: float | None, factor: float) -> float | None:
    return None if usd is None else round(usd / 1e6 * factor, 2)


def _pct(share: float | None) -> float | None:
    return None if share is None else round(share * 100, 2)


def _optional(where: Any, label: str, key: str, default: float | None, **kw: Any) -> Any:
    """A number the plan can go without (empty: none). Streamlit lets a box be cleared only
    when it is made without a value, so it is made empty and filled from the settings last
    run, through its key, whenever it is drawn afresh."""
    if key not in st.session_state:
        st.session_state[key] = default
    return where.number_input(label, value=None, key=key, **kw)


def _form(s: PlanSettings, marginal: bool) -> tuple[bool, dict[str, Any], bool]:
    """Draw the settings; return (Run pressed, the form's values, marginal values asked)."""
    factor, unit = fmt.million_scale()
    cur = fmt.money().currency  # money widgets per currency: a value is never read in another
    v: dict[str, Any] = {}
    with st.form(FORM, border=True, enter_to_submit=False):
        st.markdown("**" + t("path.settings") + "**")
        c = st.columns(5)
        v["first_year"] = c[0].number_input(
            t("path.first_year"), 2000, 2100, s.first_year, step=1, key="path_first"
        )
        v["last_year"] = c[1].number_input(
            t("path.last_year"), 2000, 2100, s.last_year, step=1, key="path_last",
            help=t("path.years_help"),
        )  # fmt: skip
        v["target_year"] = _optional(
            c[2], t("path.target_year"), "path_target", s.target_year, min_value=2000,
            max_value=2100, step=1, placeholder=t("path.target_last"),
            help=t("path.target_year_help"),
        )  # fmt: skip
        v["objective"] = c[3].radio(
            t("path.objective"), ["cost", "risk"], ["cost", "risk"].index(s.objective),
            format_func=lambda o: t(f"path.objective_{o}"), key="path_objective",
            help=t("path.objective_help"),
        )  # fmt: skip
        v["premium"] = c[4].number_input(
            t("path.premium"), 0.0, 500.0, _pct(s.budget_premium), step=1.0, format="%.1f",
            key="path_premium", help=t("path.premium_help"),
        )  # fmt: skip
        c = st.columns(4)
        v["loan"] = c[0].number_input(
            t("path.loan", unit=unit), 0.0, None, _in_unit(s.loan_budget_usd, factor),
            step=1.0 if unit == "M USD" else 10.0, format="%.2f", key=f"path_loan_{cur}",
            help=t("path.loan_help", amount=fmt.usd(46.2e6), coverage=fmt.pct(0.7, 0)),
        )  # fmt: skip
        v["later_loan"] = _optional(
            c[1], t("path.later_loan", unit=unit), f"path_later_{cur}",
            _in_unit(s.later_loan_budget_usd, factor), min_value=0.0,
            step=1.0 if unit == "M USD" else 10.0, format="%.2f",
            placeholder=t("path.same_as_first"), help=t("path.later_loan_help"),
        )  # fmt: skip
        v["coverage"] = c[2].number_input(
            t("path.coverage"), 0.0, 100.0, _pct(s.coverage), step=5.0, format="%.1f",
            key="path_coverage", help=t("path.coverage_help"),
        )  # fmt: skip
        v["subsidy"] = c[3].number_input(
            t("path.subsidy", unit=unit), 0.0, None, _in_unit(s.subsidy_budget_usd, factor),
            step=1.0 if unit == "M USD" else 10.0, format="%.2f", key=f"path_subsidy_{cur}",
            help=t("path.subsidy_help"),
        )  # fmt: skip
        c = st.columns(5)
        v["country_cap"] = _optional(
            c[0], t("path.country_cap"), "path_cap", _pct(s.country_cap), min_value=0.0,
            max_value=100.0, step=5.0, format="%.1f", placeholder=t("path.no_target"),
            help=t("path.country_cap_help"),
        )  # fmt: skip
        v["recycled"] = c[1].number_input(
            t("path.recycled"), 0.0, 100.0, _pct(s.recycled_min), step=5.0, format="%.1f",
            key="path_recycled", help=t("path.recycled_help"),
        )  # fmt: skip
        v["switching"] = _optional(
            c[2], t("path.switching"), "path_switching", _pct(s.switching_limit),
            min_value=0.0, max_value=100.0, step=5.0, format="%.1f",
            placeholder=t("path.no_limit"), help=t("path.switching_help"),
        )  # fmt: skip
        v["min_order"] = _optional(
            c[3], t("path.min_order"), "path_min_order", s.min_order_t, min_value=0.0,
            step=1.0, format="%.1f", placeholder=t("path.no_limit"),
            help=t("path.min_order_help"),
        )  # fmt: skip
        v["max_suppliers"] = _optional(
            c[4], t("path.max_suppliers"), "path_max_suppliers", s.max_suppliers, min_value=1,
            max_value=50, step=1, placeholder=t("path.no_limit"),
            help=t("path.max_suppliers_help"),
        )  # fmt: skip
        c = st.columns([1.3, 1, 2.7], vertical_alignment="center")
        want_marginal = c[0].toggle(
            t("path.marginal"), marginal, key="path_marginal", help=t("path.marginal_help")
        )
        pressed = c[1].form_submit_button(
            t("path.run"), type="primary", width="stretch", key=RUN, icon=":material/route:"
        )
        c[2].caption(t("path.time_note", low=SECONDS[0], high=SECONDS[1], limits=SECONDS_LIMITS))
    return pressed, v, want_marginal


# --- the view ------------------------------------------------------------------------------


def render(solution: Solution) -> None:
    ss = st.session_state
    dataset = state.current_dataset(ss)
    st.markdown(t("path.intro"))
    shown = asked(ss)
    s, marginal = shown if shown else (PlanSettings(), False)
    pressed, values, want_marginal = _form(s, marginal)
    if pressed:
        ss[ASKED] = (settings_of(values, fmt.million_scale()[0]), bool(want_marginal))
    shown = asked(ss)
    if shown is None:
        st.info(t("path.press_run"))
        return
    settings, marginal = shown
    started = time.perf_counter()
    try:
        with st.spinner(t("path.solving", years=len(settings.years))):
            result = state.solve_plan(dataset, settings, marginal)
    except InputError as e:
        st.error(t("path.cannot_run") + "\n\n" + "\n".join(f"- {fmt.md(p)}" for p in e.problems))
        return
    except SolverError as e:  # no plan keeps every hard limit at once
        st.error(t("path.no_plan", error=fmt.md(e)))
        return
    wall = time.perf_counter() - started
    _results(dataset, result, wall)


def _results(dataset: Dataset, plan: Plan, wall: float) -> None:
    s = plan.settings
    status = (
        t("path.status_optimal", year=s.target)
        if plan.status == "optimal"
        else t("path.status_missed", year=s.target)
        if plan.explanations
        else t("path.status_short")
    )
    st.markdown(
        t("path.status", first=s.first_year, last=s.last_year, status=status)
        + "  \n"
        + t("path.solved", seconds=f"{plan.seconds:.1f}", gap=fmt.pct(plan.mip_gap, 2))
        + (t("app.from_cache") if wall < plan.seconds / 2 else "")
    )
    first = plan.tranches[plan.tranches["year"] == s.first_year]
    loans_first = [str(p) for p in first.loc[first["loan_usd"] > 0, "project"]]
    subsidies_first = [str(p) for p in first.loc[first["subsidy_usd"] > 0, "project"]]
    ln = plan.loans.set_index("year")
    st.markdown(
        t(
            "path.first_loans",
            year=s.first_year,
            projects=", ".join(fmt.md(p) for p in loans_first) or t("path.no_project"),
            used=fmt.usd(ln.at[s.first_year, "loan_used_usd"]),
            envelope=fmt.usd(ln.at[s.first_year, "loan_envelope_usd"]),
        )
        + (
            "  \n"
            + t(
                "path.first_subsidies",
                year=s.first_year,
                projects=", ".join(fmt.md(p) for p in subsidies_first),
            )
            if subsidies_first
            else ""
        )
    )
    c = st.columns(4)
    c[0].metric(t("path.total_cost", years=len(s.years)), fmt.usd(plan.total_cost_usd), border=True)
    c[1].metric(
        t("path.backed_count"), f"{int(plan.projects['backed'].astype(bool).sum())} / {len(plan.projects)}",
        border=True,
    )  # fmt: skip
    c[2].metric(t("path.loans_used"), fmt.usd(plan.loans["loan_used_usd"].sum()), border=True)
    c[3].metric(t("path.gap"), fmt.pct(plan.mip_gap, 2), border=True, help=t("path.gap_help"))

    st.markdown("##### " + t("path.projects_title"))
    _projects(dataset, plan)
    if plan.projects["backed"].astype(bool).any():
        st.plotly_chart(
            timeline_chart(plan), width="stretch", config=charts.chart_config("path-projects"),
            key="path_timeline",
        )  # fmt: skip

    st.markdown("##### " + t("path.supply_title"))
    element, stage = _pick(dataset, plan)
    st.plotly_chart(
        supply_chart(plan, dataset, element, stage), width="stretch",
        config=charts.chart_config("path-supply"), key="path_supply",
    )  # fmt: skip
    st.caption(t("path.supply_caption", element=element, stage=stage_name(stage).lower()))

    st.markdown("##### " + t("path.loans_title"))
    st.plotly_chart(
        loans_chart(plan), width="stretch", config=charts.chart_config("path-loans"),
        key="path_loans",
    )  # fmt: skip
    if s.subsidy_budget_usd == 0 and (plan.projects["support"] == "domestic-subsidy").any():
        st.caption(t("path.no_subsidy"))

    st.markdown("##### " + t("path.targets_title"))
    _met_words(plan)
    if len(plan.targets):
        st.plotly_chart(
            targets_chart(plan), width="stretch", config=charts.chart_config("path-targets"),
            key="path_targets",
        )  # fmt: skip
        st.caption(t("path.grid_caption"))

    st.markdown("##### " + t("path.cost_title"))
    st.plotly_chart(
        cost_chart(plan), width="stretch", config=charts.chart_config("path-cost"),
        key="path_cost",
    )  # fmt: skip
    st.caption(t("path.cost_caption"))

    if len(plan.marginal):
        st.markdown("##### " + t("path.marginal_title", year=s.target))
        _marginal(plan)
    if len(plan.left_out):
        st.markdown(
            t(
                "path.left_out",
                count=len(plan.left_out),
                projects=", ".join(fmt.md(p) for p in plan.left_out["project"]),
            )
        )
    _own_words(plan)
    d = st.columns([1, 3])
    state.download(
        d[0], t("path.download"), state.deferred_plan_file(plan),
        file_name=f"plan-{s.first_year}-{s.last_year}.xlsx", key="path_download",
    )  # fmt: skip
    d[1].caption(t("path.download_note"))


def _projects(dataset: Dataset, plan: Plan) -> None:
    pr = plan.projects
    if pr.empty:
        st.info(t("path.no_candidates"))
        return
    if not pr["backed"].astype(bool).any():
        st.info(t("path.none_backed"))
    factor, unit = fmt.million_scale()
    names = (
        dataset.projects.set_index("project")["name"]
        if dataset.projects is not None and len(dataset.projects)
        else pd.Series(dtype=str)
    )
    table = pd.DataFrame(
        {
            "project": pr["project"],
            "name": pr["project"].map(names).fillna(""),
            "support": pr["support"].map(lambda x: t(f"path.support_{x}")),
            "backed": pr["backed"].astype(bool),
            "backed_year": pr["backed_year"].map(lambda y: "" if pd.isna(y) else str(int(y))),
            "stake_share": pr["stake_share"] * 100,
            "stake": pr["stake_usd"] / 1e6 * factor,
            "loan": pr["loan_usd"] / 1e6 * factor,
            "subsidy": pr["subsidy_usd"] / 1e6 * factor,
            "first_year": pr["first_year"].astype("Int64"),
        }
    ).sort_values(["backed", "backed_year", "project"], ascending=[False, True, True])
    money = {"format": "%,.2f"}
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        key="path_projects",
        column_config={
            "project": st.column_config.TextColumn(t("path.col_project"), pinned=True),
            "name": t("col.name"),
            "support": t("path.col_support"),
            "backed": st.column_config.CheckboxColumn(t("path.col_backed")),
            "backed_year": t("path.col_backed_year"),
            "stake_share": st.column_config.NumberColumn(
                t("path.col_stake_share"), format="%.0f%%", help=t("path.stake_share_help")
            ),
            "stake": st.column_config.NumberColumn(t("path.col_stake", unit=unit), **money),
            "loan": st.column_config.NumberColumn(t("path.col_loan", unit=unit), **money),
            "subsidy": st.column_config.NumberColumn(t("path.col_subsidy", unit=unit), **money),
            "first_year": st.column_config.NumberColumn(t("path.col_first_year"), format="%d"),
        },
    )


def _pick(dataset: Dataset, plan: Plan) -> tuple[str, str]:
    """The element and stage the supply chart shows (selectors kept while the tab is closed)."""
    ss = st.session_state
    sh = plan.shares
    elements = [e for e in dataset.demanded_elements if e in set(sh["element"])]
    if ss.get(ELEMENT) not in elements:  # by default the element of most value
        value = (dataset.elements["demand_t"] * dataset.elements["price_usd_kg"]).reindex(elements)
        ss[ELEMENT] = str(value.idxmax()) if len(elements) else None
    c = st.columns(2)
    element = c[0].selectbox(t("col.element"), elements, key=ELEMENT)
    stages = [k for k in STAGES if k in set(sh.loc[sh["element"] == element, "stage"])]
    if ss.get(STAGE) not in stages:  # by default the stage China holds most of in the end
        ch = plan.china_share(plan.settings.target)
        at = {k: float(ch.get((element, k), 0.0)) for k in stages}
        ss[STAGE] = max(stages, key=lambda k: at[k]) if stages else None
    stage = c[1].selectbox(
        t("stage.selector"), stages, key=STAGE, format_func=stage_name, help=t("stage.help")
    )
    return element, stage


def _met_words(plan: Plan) -> None:
    s = plan.settings
    lines = []
    for target, g in plan.met_in.groupby("target", sort=False):
        done = g.dropna(subset=["met_from"])
        met = ", ".join(
            t("path.met_from", element=e, year=int(y))
            for e, y in zip(done["element"], done["met_from"], strict=True)
        )
        missed = ", ".join(str(e) for e in g.loc[g["met_from"].isna(), "element"])
        lines.append(
            t(
                "path.met_line",
                target=t(f"path.target_{target}", cap=fmt.pct(s.country_cap, 0),
                         share=fmt.pct(s.recycled_min, 0)),
                met=met or t("path.met_none"),
                year=s.target,
                missed=missed or t("path.missed_none"),
            )
        )  # fmt: skip
    if lines:
        st.markdown("\n".join(f"- {x}" for x in lines))
    else:
        st.caption(t("path.no_targets"))
    if plan.explanations:
        st.caption(t("path.why_below"))


def share_changes(moves: list[tuple[str, str, float]]) -> str:
    """The library's China-share changes, (element, stage, points), in the session's language."""
    if not moves:
        return t("no_change")
    return "; ".join(
        t("path.share_move", element=e, stage=stage_name(k).lower(), points=f"{p:+.1f}")
        for e, k, p in moves
    )


def _marginal(plan: Plan) -> None:
    s = plan.settings
    # the library's order: one more million USD of loans in the first year, then coverage +0.05
    labels = [
        t("path.marginal_loan", amount=fmt.usd(1e6), year=s.first_year),
        t(
            "path.marginal_coverage",
            before=fmt.pct(s.coverage, 0),
            after=fmt.pct(min(1.0, s.coverage + 0.05), 0),
        ),
    ]
    m = plan.marginal.reset_index(drop=True)
    table = pd.DataFrame(
        {
            "change": [labels[i] if i < len(labels) else str(r) for i, r in enumerate(m["change"])],
            "cost": [  # below a dollar is the solver's round-off, not a change
                fmt.usd_delta(0.0 if abs(x) < 1 else x) for x in m["total_cost_change_usd"]
            ],
            "backed": [str(x) or t("path.no_project") for x in m["projects_backed"]],
            "china": [share_changes(x) for x in m["china_share_moves"]],
        }
    )
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        key="path_marginal_table",
        column_config={
            "change": st.column_config.TextColumn(t("path.col_change"), width="medium"),
            "cost": t("path.col_cost_change"),
            "backed": t("path.col_then_backed"),
            "china": st.column_config.TextColumn(
                t("path.col_china_change", year=s.target), width="large"
            ),
        },
    )
    st.caption(t("path.marginal_note"))


def _own_words(plan: Plan) -> None:
    """Why a target is not met and why a project is left out, in the chosen language (the
    library's messages with their values)."""
    lang = i18n.lang()
    lines = [fmt.md(messages.render(w, lang)) for w in plan.whys]
    lines += [
        f"{fmt.md(r.project)} ({fmt.md(r.plant)}): {fmt.md(messages.render(r.why, lang))}"
        for r in plan.left_out.itertuples(index=False)
    ]
    if not lines:
        return
    with st.expander(t("path.own_words", count=len(lines))):
        st.markdown("\n".join(f"- {x}" for x in lines))


# --- charts --------------------------------------------------------------------------------


def supply_chart(plan: Plan, dataset: Dataset, element: str, stage: str) -> go.Figure:
    """Tonnes through a stage by country, year by year, stacked (China at the bottom, red)."""
    sh = plan.shares
    at = sh[(sh["element"] == element) & (sh["stage"] == stage)]
    years = plan.settings.years
    pivot = at.pivot_table(
        index="year", columns="country", values="tonnes", aggfunc="sum", fill_value=0.0
    ).reindex(years, fill_value=0.0)
    total = pivot.sum()
    order = sorted(
        [c for c in total.sort_values(ascending=False).index if total[c] > 1e-9],
        key=lambda c: c != CHINA,
    )
    colors = charts.supplier_colors(dataset)
    names = dataset.suppliers["name"]
    fig = go.Figure()
    for c in order:
        who = t("path.unknown_plant") if c == charts.UNKNOWN else fmt.html(names.get(c, c))
        share = pivot[c] / pivot.sum(axis=1).where(pivot.sum(axis=1) > 0)
        fig.add_trace(
            go.Scatter(
                x=years,
                y=pivot[c].tolist(),
                name=who,
                mode="lines",
                stackgroup="supply",
                line={"width": 0.5, "color": colors.get(c, charts.UNKNOWN_GREY)},
                fillcolor=colors.get(c, charts.UNKNOWN_GREY),
                customdata=(share.fillna(0.0) * 100).tolist(),
                hovertemplate=f"<b>{who}</b> · %{{x}}<br>%{{y:,.1f}} t REO/yr · "
                + t("path.hover_share")
                + "<extra></extra>",
            )
        )
    fig.update_xaxes(
        tickvals=years,
        range=[years[0] - 0.15, years[-1] + 0.15],
        title_text=t("path.axis_year"),
        gridcolor="#E6E9EF",
    )
    fig.update_yaxes(title_text="t REO/yr", gridcolor="#E6E9EF", rangemode="tozero")
    charts._layout(fig, 400)
    fig.update_layout(legend_traceorder="normal", hovermode="x unified")
    return fig


def timeline_chart(plan: Plan) -> go.Figure:
    """Each backed project: the stake bought in each year (a tranche) and its output from its
    first year, on the plan's years."""
    s = plan.settings
    factor, unit = fmt.million_scale()
    pr = plan.projects
    backed = pr[pr["backed"].astype(bool)].sort_values(["backed_year", "project"])
    names = [fmt.html(p) for p in backed["project"]]
    last = max([s.last_year, *[int(y) for y in backed["first_year"]]])
    fig = go.Figure()
    tr = plan.tranches.merge(backed[["project"]], on="project")
    if len(tr):
        money = (tr["loan_usd"] + tr["subsidy_usd"]) / 1e6 * factor
        fig.add_trace(
            go.Bar(
                y=[fmt.html(p) for p in tr["project"]],
                x=[0.8] * len(tr),
                base=(tr["year"] - 0.4).tolist(),
                orientation="h",
                name=t("path.tranche"),
                marker_color=STAKE_BLUE,
                text=[fmt.pct(x, 0) for x in tr["stake_share"]],
                textposition="inside",
                customdata=list(zip(tr["year"], tr["stake_share"] * 100, money, strict=True)),
                hovertemplate="<b>%{y}</b> · %{customdata[0]}<br>"
                + t("path.col_stake_share")
                + ": %{customdata[1]:.0f}%<br>"
                + t("path.hover_financed", unit=unit)
                + ": %{customdata[2]:,.2f}<extra></extra>",
            )
        )
    if len(backed):
        start = [max(int(y), s.first_year) - 0.5 for y in backed["first_year"]]
        fig.add_trace(
            go.Bar(
                y=names,
                x=[last + 0.5 - x for x in start],
                base=start,
                orientation="h",
                name=t("path.output"),
                marker={"color": OUTPUT_GREEN, "opacity": 0.45},
                width=0.35,
                customdata=[int(y) for y in backed["first_year"]],
                hovertemplate="<b>%{y}</b><br>"
                + t("path.col_first_year")
                + ": %{customdata}<extra></extra>",
            )
        )
    fig.update_layout(barmode="overlay")
    fig.update_xaxes(
        range=[s.first_year - 0.5, last + 0.5],
        tickvals=list(range(s.first_year, last + 1)),
        title_text=t("path.axis_year"),
        gridcolor="#E6E9EF",
    )
    fig.update_yaxes(autorange="reversed", categoryorder="array", categoryarray=names)
    return charts._layout(fig, 110 + 46 * max(1, len(backed)))


def loans_chart(plan: Plan) -> go.Figure:
    """Loans (and subsidies, when there is an envelope) used a year, against the envelope."""
    factor, unit = fmt.million_scale()
    ln = plan.loans
    years = ln["year"].tolist()
    fig = go.Figure()
    series = [("loan", STAKE_BLUE)]
    if (ln["subsidy_envelope_usd"] > 0).any() or (ln["subsidy_used_usd"] > 0).any():
        series.append(("subsidy", SUBSIDY_GREEN))
    for kind, color in series:
        used = (ln[f"{kind}_used_usd"] / 1e6 * factor).tolist()
        env = (ln[f"{kind}_envelope_usd"] / 1e6 * factor).tolist()
        fig.add_bar(
            x=years, y=used, name=t(f"path.{kind}_used"), marker_color=color,
            hovertemplate="%{x}: %{y:,.2f} " + unit + "<extra></extra>",
        )  # fmt: skip
        fig.add_trace(
            go.Scatter(
                x=years, y=env, name=t(f"path.{kind}_envelope"), mode="lines+markers",
                line={"color": color, "dash": "dash", "shape": "hv"}, marker={"size": 7},
                hovertemplate="%{x}: %{y:,.2f} " + unit + "<extra></extra>",
            )
        )  # fmt: skip
    fig.update_layout(barmode="group")
    fig.update_xaxes(tickvals=years, title_text=t("path.axis_year"))
    fig.update_yaxes(title_text=t("path.axis_money", unit=unit), gridcolor="#E6E9EF")
    return charts._layout(fig, 340)


def target_cells(plan: Plan) -> pd.DataFrame:
    """Per target, year and element: met at every stage scored, and the worst stage's figure
    (the largest foreign share for the cap, the recycled share for recycling)."""
    tg = plan.targets
    if tg.empty:
        return pd.DataFrame(
            columns=["target", "year", "element", "met", "value", "stage", "holder"]
        )
    rows = []
    for (target, year, element), g in tg.groupby(["target", "year", "element"], sort=False):
        worst = (
            g.loc[g["value"].idxmax()] if target == "country-cap" else g.loc[g["value"].idxmin()]
        )
        rows.append({
            "target": target, "year": int(year), "element": element, "met": bool(g["met"].all()),
            "value": float(worst["value"]), "stage": worst["stage"], "holder": worst["holder"],
            "limit": float(worst["limit"]),
        })  # fmt: skip
    return pd.DataFrame(rows)


def targets_chart(plan: Plan) -> go.Figure:
    """Years (rows) x elements (columns), one panel per target: blue met, orange not met (the
    app's diverging pair, its meaning in the legend); each cell shows the worst stage's share."""
    s = plan.settings
    cells = target_cells(plan)
    kinds = [k for k in ("country-cap", "recycled") if k in set(cells["target"])]
    elements = list(dict.fromkeys(cells["element"]))
    titles = [
        t(f"path.target_{k}", cap=fmt.pct(s.country_cap, 0), share=fmt.pct(s.recycled_min, 0))
        for k in kinds
    ]
    fig = make_subplots(
        rows=len(kinds), cols=1, shared_xaxes=True, vertical_spacing=0.12,
        subplot_titles=titles,
    )  # fmt: skip
    scale = [[0.0, charts.MORE], [0.5, charts.MORE], [0.5, charts.LESS], [1.0, charts.LESS]]
    for i, kind in enumerate(kinds, start=1):
        c = cells[cells["target"] == kind]
        grid = c.pivot(index="year", columns="element", values="met").reindex(
            index=s.years, columns=elements
        )
        value = c.pivot(index="year", columns="element", values="value").reindex(
            index=s.years, columns=elements
        )
        where = c.assign(
            where=[
                t("path.hover_where", stage=stage_name(k).lower(), holder=fmt.html(h))
                for k, h in zip(c["stage"], c["holder"], strict=True)
            ]
        ).pivot(index="year", columns="element", values="where")
        where = where.reindex(index=s.years, columns=elements)
        z = [[None if pd.isna(v) else (1.0 if v else 0.0) for v in row] for row in grid.to_numpy()]
        fig.add_trace(
            go.Heatmap(
                z=z,
                x=[fmt.html(e) for e in elements],
                y=[str(y) for y in s.years],
                zmin=0.0, zmax=1.0, colorscale=scale, showscale=False, xgap=2, ygap=2,
                text=[["" if pd.isna(v) else fmt.pct(v, 0) for v in row] for row in value.to_numpy()],
                texttemplate="%{text}", textfont={"size": 10},
                customdata=[["" if pd.isna(v) else v for v in row] for row in where.to_numpy()],
                hovertemplate="<b>%{x}</b> · %{y}<br>%{text} %{customdata}<extra></extra>",
                name=titles[i - 1],
            ),
            row=i, col=1,
        )  # fmt: skip
        fig.update_yaxes(autorange="reversed", type="category", row=i, col=1)
    for label, color in (
        (t("path.legend_met"), charts.LESS),
        (t("path.legend_not_met"), charts.MORE),
    ):
        fig.add_trace(
            go.Scatter(
                x=[None], y=[None], mode="markers", name=label,
                marker={"symbol": "square", "size": 12, "color": color}, hoverinfo="skip",
            )
        )  # fmt: skip
    fig.update_xaxes(type="category")
    charts._layout(fig, 80 + len(kinds) * (40 + 26 * len(s.years)))
    fig.update_layout(
        plot_bgcolor="#F3F5F8",
        margin={"l": 10, "r": 10, "t": 90, "b": 10},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.1, "x": 0},
    )
    return fig


def cost_chart(plan: Plan) -> go.Figure:
    """The plan's cost a year, stacked: sourcing, stakes bought, the stockpile's build-up."""
    factor, unit = fmt.million_scale()
    co = plan.costs
    years = co["year"].tolist()
    fig = go.Figure()
    for part, color in (
        ("sourcing", charts.KOREA_BLUE),
        ("stakes", "#D4A017"),
        ("stock", STOCK_GREY),
    ):
        fig.add_bar(
            x=years, y=(co[f"{part}_usd"] / 1e6 * factor).tolist(), name=t(f"path.cost_{part}"),
            marker_color=color, hovertemplate="%{x}: %{y:,.2f} " + unit + "<extra></extra>",
        )  # fmt: skip
    fig.update_layout(barmode="relative")
    fig.update_xaxes(tickvals=years, title_text=t("path.axis_year"))
    fig.update_yaxes(title_text=t("path.axis_money", unit=unit), gridcolor="#E6E9EF")
    return charts._layout(fig, 360)
