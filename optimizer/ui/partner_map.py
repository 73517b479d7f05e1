"""Partner map: a choropleth of today's mix, the optimized one or their difference by country at
one stage of the chain (default: the worst), bloc partners marked, flows into Korea, and the
domestic sources (no shape) beside it.

Drawn fully offline: shapes come from the project's boundary file (optimizer.geo) as GeoJSON,
and plotly's own world topology request goes to a stub served from static/ (see
static/README.md), never to a CDN.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from .. import geo, heatmaps, maps
from ..solution import Solution
from . import charts, disruptions, stages, state

VIEW = "map_view"
MEASURE = "map_measure"
ELEMENT = "map_element"
STAGE = "map_stage"
FLOWS = "map_flows"
ALL = "__all__"
VIEW_LABELS = {"optimized": "Optimized", "baseline": "Today", "difference": "Change"}
MEASURE_LABELS = {"tonnes": "Tonnes", "share": "Share", "value": "Value"}


def topojson_url() -> str:
    """Where plotly fetches its world topology: the stub in static/, under the app's base path."""
    base = str(st.get_option("server.baseUrlPath") or "").strip("/")
    return f"/{base}/app/static/" if base else "/app/static/"


def map_element(session) -> str | None:
    """The element the map shows (None = every element in scope)."""
    value = session.get(ELEMENT, ALL)
    return None if value in (None, ALL) else value


def map_stage(session, solution: Solution) -> str:
    """The stage the map shows (the worst unless one was chosen)."""
    return stages.resolve(solution, session.get(STAGE, stages.WORST))


def render(solution: Solution) -> None:
    ss = st.session_state
    ds = solution.dataset
    st.markdown(
        "Where Korea's rare earths come from, by country, at one stage of the chain (mining, "
        "separation, metal, magnets). Switch between **today's** mix, the **optimized** one "
        "and the **change**; hover a country for its capacity at the stage, the cost it adds, "
        "governance risk and lead time. Markers show FORGE, FTA and ASEAN partners."
    )
    c = st.columns([1.2, 1.5, 1.1, 1.1, 0.8])
    view = c[0].segmented_control(
        "Mix",
        list(VIEW_LABELS),
        default="optimized",
        key=VIEW,
        format_func=VIEW_LABELS.get,
        required=True,
    )
    measure = c[1].segmented_control(
        "Measure",
        list(MEASURE_LABELS),
        default="tonnes",
        key=MEASURE,
        format_func=MEASURE_LABELS.get,
        required=True,
    )
    if ss.get(ELEMENT) not in (ALL, *solution.scope):
        ss[ELEMENT] = ALL
    names = ds.elements["name"]
    c[2].selectbox(
        "Element",
        [ALL, *solution.scope],
        key=ELEMENT,
        format_func=lambda e: "All elements in scope" if e == ALL else f"{e} · {names.get(e, e)}",
    )
    stages.pick(c[3], STAGE, solution, ss)
    flows_on = c[4].toggle("Flows into Korea", value=True, key=FLOWS)
    view = view or "optimized"
    measure = measure or "tonnes"
    element = map_element(ss)
    stage = map_stage(ss, solution)
    values = state.map_values(solution, element, stage)
    column = maps.value_column(measure, view)
    shapes = state.boundaries()
    codes = shapes["iso3"].astype(str).tolist()
    shape_names = shapes["name"].astype(str).tolist()
    markers = maps.bloc_markers(ds, [b for b in ("FORGE", "FTA", "ASEAN") if b in ds.blocs], shapes)
    flow_column = maps.value_column("tonnes", view)
    flows = maps.flow_lines(values, flow_column, shapes) if flows_on else None
    korea = charts.korea_point(geo.centroids([geo.KOREA], shapes))
    what = f"{MEASURE_LABELS[measure].lower()}, {VIEW_LABELS[view].lower()}, {stage}"
    scenario = disruptions.picked(ss, ds)
    hits = scenario_markers(solution, scenario, element, shapes) if scenario else None
    fig = charts.choropleth(
        values,
        column,
        measure,
        view,
        state.boundary_geojson(),
        codes,
        shape_names,
        markers=markers,
        flows=flows,
        korea=korea,
        title=what,
        hits=hits,
        hit_label=scenario or "",
    )
    left, right = st.columns([2.6, 1.4])
    with left:
        st.plotly_chart(
            fig,
            width="stretch",
            config={**charts.MAP_CONFIG, "topojsonURL": topojson_url()},
            key="partner_map",
        )
        scope = "all elements in scope" if element is None else f"{element} only"
        note = {
            "tonnes": f"t REO per year through its {stage} plants",
            "share": f"share of what passes the {stage} stage, per element"
            + (
                ", weighted across elements as the Overview's stage figures"
                if element is None
                else ""
            ),
            "value": "USD per year the mix pays its plants, all stages",
        }[measure]
        st.caption(
            f"Shading: {VIEW_LABELS[view].lower()} mix, {note} ({scope}); "
            + (
                "change = optimized minus today; green flows grow, red shrink. "
                if view == "difference"
                else ""
            )
            + ("Flow width ∝ tonnes. " if flows_on else "")
            + f"{geo.ATTRIBUTION} Boundaries at 1:110m; no microstates."
        )
        if scenario:
            _scenario_note(solution, scenario, element, hits)
    with right:
        st.markdown("**Domestic sources** (no shape on the map)")
        dom = maps.domestic_values(values, shapes)
        st.dataframe(
            _display(dom),
            hide_index=True,
            width="stretch",
            column_config=DOMESTIC_COLUMNS,
        )
        korea_total = values.loc[values["supplier"].isin(dom["supplier"]), column].sum()
        unit = {"tonnes": "t REO/yr", "share": "", "value": "USD/yr"}[measure]
        shown = (
            f"{korea_total * 100:+.1f} pp"
            if measure == "share" and view == "difference"
            else f"{korea_total * 100:.1f}%"
            if measure == "share"
            else f"{korea_total:,.1f} {unit}"
            if measure == "tonnes"
            else f"{korea_total / 1e6:,.2f} M {unit}"
        )
        st.caption(f"Domestic total ({VIEW_LABELS[view].lower()}): {shown}")
    st.markdown("##### Partners")
    partners = values[(values["baseline_t"] > 0) | (values["optimized_t"] > 0)]
    partners = partners.sort_values("optimized_t", ascending=False)
    st.dataframe(
        _partner_table(partners),
        hide_index=True,
        width="stretch",
        column_config={
            "name": st.column_config.TextColumn("Partner", pinned=True),
            "blocs": "Blocs",
            "baseline_t": st.column_config.NumberColumn("Today (t REO/yr)", format="%,.1f"),
            "optimized_t": st.column_config.NumberColumn("Optimized (t REO/yr)", format="%,.1f"),
            "change_t": st.column_config.NumberColumn("Change (t REO/yr)", format="%+,.1f"),
            "optimized_share": st.column_config.NumberColumn(
                "Optimized share (%)", format="%.1f%%"
            ),
            "optimized_usd": st.column_config.NumberColumn("Optimized (M USD/yr)", format="%,.2f"),
            "capacity_t": st.column_config.NumberColumn(
                f"Capacity at {stage} (t/yr)", format="%,.1f"
            ),
            "cost_usd_kg": st.column_config.NumberColumn(
                f"Cost added at {stage} (USD/kg)", format="%,.2f"
            ),
            "wgi_risk": st.column_config.NumberColumn("Governance risk (0-10)", format="%.2f"),
            "lead_time_days": st.column_config.NumberColumn("Lead time (days)", format="%d"),
            "optimized_supplies": "Optimized supplies",
        },
    )


def scenario_markers(
    solution: Solution, scenario: str, element: str | None, shapes
) -> pd.DataFrame:
    """The suppliers whose plants the scenario hits, for the elements shown (on the operating
    network), with a point on each country (lon, lat; NaN for sources without a shape, such as
    domestic ones)."""
    elements = solution.scope if element is None else [element]
    hits = heatmaps.scenario_hits(solution.dataset, scenario, elements)
    points = geo.centroids(hits["supplier"], shapes).set_index("iso3")
    return hits.assign(
        lon=hits["supplier"].map(points["lon"]).astype(float),
        lat=hits["supplier"].map(points["lat"]).astype(float),
    )


def _scenario_note(
    solution: Solution, scenario: str, element: str | None, hits: pd.DataFrame
) -> None:
    info = heatmaps.scenario_info(solution.dataset, solution.scope).set_index("scenario")
    days = info.at[scenario, "duration_days"]
    scope = "the elements in scope" if element is None else element
    if len(hits):
        who = "; ".join(f"{h.name}: {h.detail}" for h in hits.itertuples(index=False))
        text = (
            f"**Red outlines and rings: suppliers of {scope} hit by _{scenario}_** "
            f"(chosen on the Scenarios tab; {days:g} days, "
            f"{info.at[scenario, 'probability']:.0%} a year). {who}."
        )
        off_map = hits.loc[hits["lon"].isna(), "name"].tolist()
        if off_map:
            text += f" Without a shape on the map: {', '.join(off_map)}."
    else:
        text = (
            f"_{scenario}_ (chosen on the Scenarios tab) hits no supplier of {scope}, so "
            "nothing is marked."
        )
    c = st.columns([5, 1])
    c[0].markdown(f"<small>{text}</small>", unsafe_allow_html=True)
    c[1].button("Clear", on_click=disruptions.clear_pick, key="clear_pick_map", width="stretch")


def _partner_table(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame[
        [
            "name",
            "blocs",
            "baseline_t",
            "optimized_t",
            "change_t",
            "optimized_share",
            "optimized_usd",
            "capacity_t",
            "cost_usd_kg",
            "wgi_risk",
            "lead_time_days",
            "optimized_supplies",
        ]
    ].copy()
    out["blocs"] = out["blocs"].str.replace(";", ", ")
    out["optimized_share"] = out["optimized_share"] * 100
    out["optimized_usd"] = out["optimized_usd"] / 1e6
    return out


def _display(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame[["name", "optimized_t", "baseline_t"]].copy()
    out["name"] = out["name"].str.replace("Korea: ", "", regex=False)
    return out


DOMESTIC_COLUMNS = {
    "name": "Source",
    "optimized_t": st.column_config.NumberColumn("Optimized (t/yr)", format="%,.1f"),
    "baseline_t": st.column_config.NumberColumn("Today (t/yr)", format="%,.1f"),
}
