"""Partner map: a choropleth of today's mix, the optimized one or their difference by country at
one stage of the chain (default: the worst), bloc partners marked, flows into Korea, and the
domestic sources (no shape) beside it.

Drawn fully offline: shapes come from the project's boundary file (optimizer.geo) as GeoJSON,
and plotly's own world topology request goes to a stub served from static/ (see
the docstring of optimizer.ui.partner_map.topojson_url), never to a CDN.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from .. import geo, heatmaps, maps
from ..solution import Solution
from . import charts, disruptions, stages, state
from . import format as fmt
from .i18n import t

VIEW = "map_view"
MEASURE = "map_measure"
ELEMENT = "map_element"
STAGE = "map_stage"
FLOWS = "map_flows"
REGION = "map_region"
SCALE = "map_scale"
ALL = "__all__"
VIEWS = ("optimized", "baseline", "difference")
MEASURES = ("tonnes", "share", "value")
KEPT = (VIEW, MEASURE, ELEMENT, STAGE, FLOWS, REGION, SCALE)
DEFAULTS = {
    VIEW: "optimized",
    MEASURE: "tonnes",
    FLOWS: True,
    REGION: "east_asia",
    SCALE: "log",
}


def topojson_url() -> str:
    """Where plotly fetches its world topology: the stub in static/, under the app's base path.

    static/ is served at /app/static/<name> (server.enableStaticServing) and holds two files
    only: world_110m.json, an empty TopoJSON topology (plotly fetches
    <topojsonURL>world_110m.json for any geo trace with a locationmode, even when the shapes come
    from our own GeoJSON; pointing it here means the browser never asks a CDN), and
    favicon.png, the page icon. The country shapes come from data/boundaries.parquet (Made with
    Natural Earth). tests/test_app.py checks nothing else is in static/."""
    base = str(st.get_option("server.baseUrlPath") or "").strip("/")
    return f"/{base}/app/static/" if base else "/app/static/"


def map_element(session) -> str | None:
    """The element the map shows (None = every element in scope)."""
    value = session.get(ELEMENT, ALL)
    return None if value in (None, ALL) else value


def map_stage(session, solution: Solution) -> str:
    """The stage the map shows (the worst unless one was chosen)."""
    return stages.resolve(solution, session.get(STAGE, stages.WORST))


def partner_labels(values: pd.DataFrame, shapes) -> pd.DataFrame:
    """Names and points of the countries in play (today or optimized) that have a shape."""
    playing = values[(values["baseline_t"] > 0) | (values["optimized_t"] > 0)]
    points = geo.centroids(playing["supplier"], shapes).set_index("iso3")
    out = playing[playing["supplier"].isin(points.index)]
    return pd.DataFrame(
        {
            "iso3": out["supplier"].to_numpy(),
            "name": out["name"].to_numpy(),
            "lon": out["supplier"].map(points["lon"]).astype(float).to_numpy(),
            "lat": out["supplier"].map(points["lat"]).astype(float).to_numpy(),
        }
    )


def _segmented(where, label: str, options, key: str, words) -> str:
    ss = st.session_state
    if ss.get(key) not in options:
        ss[key] = DEFAULTS[key]
    value = where.segmented_control(label, list(options), key=key, format_func=words, required=True)
    return value or DEFAULTS[key]


def render(solution: Solution) -> None:
    ss = st.session_state
    ds = solution.dataset
    st.markdown(t("map.intro"))
    c = st.columns([1.2, 1.5, 1.1, 1.1, 0.8])
    view = _segmented(c[0], t("map.mix"), VIEWS, VIEW, lambda v: t(f"mix.{v}"))
    measure = _segmented(c[1], t("map.measure"), MEASURES, MEASURE, lambda m: t(f"map.m_{m}"))
    if ss.get(ELEMENT) not in (ALL, *solution.scope):
        ss[ELEMENT] = ALL
    names = ds.elements["name"]
    c[2].selectbox(
        t("col.element"),
        [ALL, *solution.scope],
        key=ELEMENT,
        format_func=lambda e: t("all_elements") if e == ALL else f"{e} · {names.get(e, e)}",
    )
    stages.pick(c[3], STAGE, solution, ss)
    ss.setdefault(FLOWS, True)
    flows_on = c[4].toggle(t("map.flows"), key=FLOWS)
    d = st.columns([1.2, 1.5, 3])
    region = _segmented(
        d[0], t("map.region"), tuple(charts.REGIONS), REGION, lambda r: t(f"map.r_{r}")
    )
    scale = _segmented(d[1], t("map.scale"), ("log", "linear"), SCALE, lambda x: t(f"map.s_{x}"))
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
    what = f"{t(f'map.m_{measure}').lower()}, {t(f'mix.{view}').lower()}, {stages.name(stage)}"
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
        region=region,
        scale=scale,
        labels=partner_labels(values, shapes),
    )
    left, right = st.columns([2.6, 1.4])
    stage_word = stages.name(stage).lower()
    with left:
        st.plotly_chart(
            fig,
            width="stretch",
            config={**charts.MAP_CONFIG, "topojsonURL": topojson_url()},
            key="partner_map",
        )
        scope = t("all_elements").lower() if element is None else t("map.only", element=element)
        note = {
            "tonnes": t("map.note_tonnes", stage=stage_word),
            "share": t("map.note_share", stage=stage_word)
            + (t("map.note_weighted") if element is None else ""),
            "value": t("map.note_value"),
        }[measure]
        st.caption(
            t("map.shading", mix=t(f"mix.{view}").lower(), note=note, scope=scope)
            + " "
            + (t("map.scale_note_log") if scale == "log" else t("map.scale_note_linear"))
            + " "
            + (t("map.change_note") if view == "difference" else "")
            + (t("map.flow_note") if flows_on else "")
            + t("map.hover_note")
            + f" {geo.ATTRIBUTION} "
            + t("map.boundaries")
        )
        if scenario:
            _scenario_note(solution, scenario, element, hits)
    with right:
        st.markdown(t("map.domestic"))
        dom = maps.domestic_values(values, shapes)
        st.dataframe(
            _display(dom),
            hide_index=True,
            width="stretch",
            column_config=domestic_columns(),
        )
        korea_total = values.loc[values["supplier"].isin(dom["supplier"]), column].sum()
        shown = (
            f"{korea_total * 100:+.1f} pp"
            if measure == "share" and view == "difference"
            else f"{korea_total * 100:.1f}%"
            if measure == "share"
            else f"{korea_total:,.1f} t REO/yr"
            if measure == "tonnes"
            else fmt.usd(korea_total)
        )
        st.caption(t("map.domestic_total", mix=t(f"mix.{view}").lower(), value=shown))
    st.markdown("##### " + t("map.partners"))
    partners = values[(values["baseline_t"] > 0) | (values["optimized_t"] > 0)]
    partners = partners.sort_values("optimized_t", ascending=False)
    scale_m, unit = fmt.million_scale()
    st.dataframe(
        _partner_table(partners),
        hide_index=True,
        width="stretch",
        column_config={
            "name": st.column_config.TextColumn(t("map.col_partner"), pinned=True),
            "blocs": t("map.col_blocs"),
            "baseline_t": st.column_config.NumberColumn(t("col.today_t"), format="%,.1f"),
            "optimized_t": st.column_config.NumberColumn(t("col.optimized_t"), format="%,.1f"),
            "change_t": st.column_config.NumberColumn(t("col.change_t"), format="%+,.1f"),
            "optimized_share": st.column_config.NumberColumn(
                t("map.col_opt_share"), format="%.1f%%"
            ),
            "optimized_usd": st.column_config.NumberColumn(
                t("col.optimized_money", unit=unit), format="%,.2f"
            ),
            "capacity_t": st.column_config.NumberColumn(
                t("map.col_capacity", stage=stage_word), format="%,.1f"
            ),
            "cost_usd_kg": st.column_config.NumberColumn(
                t("map.col_cost", stage=stage_word), format="%,.2f"
            ),
            "wgi_risk": st.column_config.NumberColumn(t("map.col_wgi"), format="%.2f"),
            "lead_time_days": st.column_config.NumberColumn(t("map.col_lead"), format="%d"),
            "optimized_supplies": t("map.col_supplies"),
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
    scope = t("map.scope_all") if element is None else fmt.md(element)
    name = fmt.md(scenario)
    if len(hits):
        who = "; ".join(
            f"{fmt.md(h.name)}: {fmt.md(h.detail)}" for h in hits.itertuples(index=False)
        )
        text = t(
            "map.scenario_hits",
            scope=scope,
            scenario=name,
            days=f"{days:g}",
            probability=f"{info.at[scenario, 'probability']:.0%}",
            who=who,
        )
        off_map = hits.loc[hits["lon"].isna(), "name"].tolist()
        if off_map:
            text += " " + t("map.off_map", names=", ".join(fmt.md(n) for n in off_map))
    else:
        text = t("map.scenario_none", scenario=name, scope=scope)
    c = st.columns([5, 1])
    c[0].caption(text)
    c[1].button(
        t("map.clear"), on_click=disruptions.clear_pick, key="clear_pick_map", width="stretch"
    )


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
    out["optimized_usd"] = out["optimized_usd"] / 1e6 * fmt.million_scale()[0]
    return out


def _display(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame[["name", "optimized_t", "baseline_t"]].copy()
    out["name"] = out["name"].str.replace("Korea: ", "", regex=False)
    return out


def domestic_columns() -> dict:
    return {
        "name": t("map.col_source"),
        "optimized_t": st.column_config.NumberColumn(t("map.col_opt_ty"), format="%,.1f"),
        "baseline_t": st.column_config.NumberColumn(t("map.col_today_ty"), format="%,.1f"),
    }
