"""Plotly figures. Data come from the library (Solution, Frontier, optimizer.maps); this module
only draws them, with units on every axis and hover label."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ..dataset import Dataset
from ..geo import KOREA
from ..maps import UNITS
from ..network.graph import UNKNOWN
from ..schema import KOREA as KOREA_STAGE
from . import format as fmt
from .i18n import t
from .stages import name as stage_name

FONT = "Source Sans Pro, Segoe UI, Helvetica, Arial, sans-serif"
CHINA_RED = "#C0392B"
KOREA_BLUE = "#1F4E79"
PALETTE = [
    "#1F77B4",
    "#2CA02C",
    "#FF7F0E",
    "#9467BD",
    "#17BECF",
    "#8C564B",
    "#E377C2",
    "#BCBD22",
    "#7F7F7F",
    "#AEC7E8",
    "#98DF8A",
    "#FFBB78",
    "#C5B0D5",
    "#9EDAE5",
    "#C49C94",
    "#F7B6D2",
    "#DBDB8D",
    "#393B79",
    "#637939",
    "#8C6D31",
]
DOMESTIC = {"KOR-RECYCLING": "#1B7F5B", "KOR-STOCKPILE": "#6B7B8C"}
UNKNOWN_GREY = "#A0A7B0"  # material whose plant at a stage is not in the data
BLOC_STYLE = {
    "FORGE": {"symbol": "star", "color": "#D4A017", "size": 13},
    "FTA": {"symbol": "circle-open", "color": "#1F4E79", "size": 11},
    "ASEAN": {"symbol": "diamond", "color": "#2E8B57", "size": 9},
}
# One diverging palette with one meaning everywhere (map shading, flow lines, the Scenarios
# change view): blue = less than today, orange = more than today, white = the same. It says
# "more" or "less", never "good" or "bad"; legends and captions say so (catalogue: palette.*).
LESS = "#2166AC"
MORE = "#D6604D"
DIVERGING = [[0.0, LESS], [0.5, "#F7F7F7"], [1.0, MORE]]
LESS_LINE = "rgba(33,102,172,0.75)"
MORE_LINE = "rgba(214,96,77,0.8)"
# East Asia and South-East Asia (Korea, China, Japan, Vietnam, Laos, Myanmar, Thailand,
# Malaysia), the default view; the world view shows every partner.
REGIONS = {
    "east_asia": {"lon": (66.0, 160.0), "lat": (-6.0, 55.0), "rotation": 113.0},
    "world": {"lon": None, "lat": (-57.0, 84.0), "rotation": 150.0},
}
MAP_CONFIG = {
    "displaylogo": False,
    "scrollZoom": False,
    "modeBarButtonsToRemove": ["select2d", "lasso2d"],
    "toImageButtonOptions": {"format": "png", "filename": "partner-map", "scale": 2},
}


def chart_config(filename: str) -> dict[str, Any]:
    """Plotly's config for a chart: no logo, and the camera button saves a PNG under this name
    (drawn in the browser: works offline)."""
    return {
        "displaylogo": False,
        "toImageButtonOptions": {"format": "png", "filename": filename, "scale": 2},
    }


def bloc_label(bloc: str) -> str:
    key = f"bloc.{bloc}"
    from ..reports import messages

    return t(key) if key in messages.CATALOGUE else fmt.html(bloc)


def mix_label(view: str) -> str:
    return t(f"mix.{view}")


def supplier_colors(dataset: Dataset) -> dict[str, str]:
    """One colour per supplier, the same in every chart: China red, domestic sources green and
    grey, the others from a fixed palette in dataset order."""
    out: dict[str, str] = {UNKNOWN: UNKNOWN_GREY}
    i = 0
    for s in dataset.suppliers.index:
        if s == "CHN":
            out[s] = CHINA_RED
        elif s in DOMESTIC:
            out[s] = DOMESTIC[s]
        elif dataset.suppliers.at[s, "kind"] == "domestic":
            out[s] = "#4F6D7A"
        else:
            out[s] = PALETTE[i % len(PALETTE)]
            i += 1
    return out


def _layout(fig: go.Figure, height: int, **extra: Any) -> go.Figure:
    fig.update_layout(
        height=height,
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        font={"family": FONT, "size": 13},
        plot_bgcolor="white",
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0},
        **extra,
    )
    return fig


def mix_bars(
    table: pd.DataFrame, dataset: Dataset, elements: list[str], unit: str = "share"
) -> go.Figure:
    """Per element, today's mix and the optimized one as two stacked bars (by country, at the
    stage of the table).

    `table` is optimizer.maps.mix_table; unit 'share' (% of the demand passing the stage) or
    'tonnes' (t REO/yr)."""
    colors = supplier_colors(dataset)
    names = dataset.suppliers["name"]
    table = table[table["element"].isin(elements)].rename(columns={"country": "supplier"})
    elements = [e for e in elements if e in set(table["element"])]
    x0 = [e for e in elements for _ in (0, 1)]
    x1 = [mix_label(m) for _ in elements for m in ("baseline", "optimized")]
    total = table.groupby("supplier")[["baseline_t", "optimized_t"]].sum().sum(axis=1)
    order = [s for s in total.sort_values(ascending=False).index if total[s] > 0]
    order = sorted(order, key=lambda s: s != "CHN")  # China at the bottom of every bar
    fig = go.Figure()
    pivot = {
        m: table.pivot_table(
            index="element",
            columns="supplier",
            values=f"{m}_{'share' if unit == 'share' else 't'}",
            aggfunc="sum",
            fill_value=0.0,
        ).reindex(index=elements, fill_value=0.0)
        for m in ("baseline", "optimized")
    }
    tonnes = {
        m: table.pivot_table(
            index="element", columns="supplier", values=f"{m}_t", aggfunc="sum", fill_value=0.0
        ).reindex(index=elements, fill_value=0.0)
        for m in ("baseline", "optimized")
    }
    for s in order:
        y, tt = [], []
        for e in elements:
            for m in ("baseline", "optimized"):
                p = pivot[m]
                y.append(float(p.at[e, s]) * (100 if unit == "share" else 1) if s in p else 0.0)
                tm = tonnes[m]
                tt.append(float(tm.at[e, s]) if s in tm else 0.0)
        who = fmt.html(names.get(s, s))
        fig.add_bar(
            x=[x0, x1],
            y=y,
            name=who,
            marker_color=colors.get(s),
            customdata=np.array(tt),
            hovertemplate=(
                f"<b>{who}</b> · %{{x}}<br>"
                + (t("chart.of_demand_hover") + " · " if unit == "share" else "")
                + "%{customdata:,.1f} t REO/yr<extra></extra>"
            ),
        )
    fig.update_layout(barmode="stack", bargap=0.25)
    fig.update_yaxes(
        title_text=t("chart.share_axis") if unit == "share" else "t REO/yr",
        ticksuffix="%" if unit == "share" else "",
        gridcolor="#E6E9EF",
        range=[0, 100] if unit == "share" else None,
    )
    fig.update_xaxes(tickfont={"size": 11})
    _layout(fig, 430)
    # plotly lists stacked bars top-down by default; "normal" puts China (the bottom layer) first
    fig.update_layout(legend_title_text="", legend_traceorder="normal")
    return fig


LOG_FLOOR = {"tonnes": 0.1, "share": 0.1, "value": 0.01}  # display units: t, % or pp, M USD


def log_scale(z: np.ndarray, floor: float) -> np.ndarray:
    """sign(z) * log10(1 + |z| / floor): small partners get visible colour beside China, and
    signs (more or less than today) keep their side of the diverging palette."""
    return np.sign(z) * np.log10(1.0 + np.abs(z) / floor)


def log_ticks(top: float, floor: float, signed: bool) -> tuple[list[float], list[str]]:
    """Colour-bar ticks at round values (0, 1, 10, 100, …) placed on the log scale."""
    values = [0.0]
    v = 10 ** np.floor(np.log10(max(floor, 1e-12)))
    while v <= top * 1.0001 and len(values) < 12:
        if v >= floor:
            values.append(float(v))
        v *= 10
    if top > values[-1] * 1.5:
        values.append(float(top))
    shown = [f"{x:,.3g}" for x in values]
    if signed:
        values = [-x for x in reversed(values[1:])] + values
        shown = [f"-{x}" for x in reversed(shown[1:])] + shown
    return [float(log_scale(np.array([x]), floor)[0]) for x in values], shown


FLOW_LINE = "rgba(31,78,121,0.55)"
NEUTRAL_LINE = "rgba(90,101,114,0.7)"  # a width sample: neither more (orange) nor less (blue)
FLOW_WIDTH_MIN, FLOW_WIDTH_SPAN = 1.0, 7.0  # px: the thinnest line, and what the largest adds


def flow_width(tonnes: float, largest: float) -> float:
    """A flow line's width in px: 1 px plus 7 px times its tonnes over the largest flow shown."""
    return FLOW_WIDTH_MIN + FLOW_WIDTH_SPAN * abs(tonnes) / (largest or 1.0)


def _nice_below(x: float) -> float:
    """The largest 1, 2 or 5 times a power of ten not above x (x > 0)."""
    power = 10.0 ** math.floor(math.log10(x))
    return max(m * power for m in (1.0, 2.0, 5.0, 10.0) if m * power <= x * (1 + 1e-9))


def flow_legend_values(largest: float) -> list[float]:
    """Round tonnes for the width legend: about the largest flow, a quarter and a twentieth of
    it (rounded down to 1, 2 or 5 times a power of ten), largest first, without repeats."""
    if not largest or largest <= 0 or not math.isfinite(largest):
        return []
    out: list[float] = []
    for part in (1.0, 0.25, 0.05):
        value = _nice_below(largest * part)
        if value not in out:
            out.append(value)
    return out


def _flow_legend(fig: go.Figure, largest: float, view: str) -> None:
    """Legend entries that draw a line of the width a flow of so many tonnes gets (no data
    point: they only explain the widths)."""
    key = "map.flow_width_change" if view == "difference" else "map.flow_width"
    for tonnes in flow_legend_values(largest):
        fig.add_trace(
            go.Scattergeo(
                lon=[None],
                lat=[None],
                mode="lines",
                line={
                    "width": flow_width(tonnes, largest),
                    "color": FLOW_LINE if view != "difference" else NEUTRAL_LINE,
                },
                name=t(key, tonnes=f"{tonnes:,.{0 if tonnes >= 1 else 2}f}"),
                legend="legend2",  # its own row under the map, beside the colour bar
                hoverinfo="skip",
                showlegend=True,
            )
        )
    fig.update_layout(
        legend2={
            "title": {"text": t("map.flow_legend"), "side": "top"},
            "orientation": "h",
            "x": 0.0,
            "xanchor": "left",
            "y": -0.02,
            "yanchor": "top",
            "font": {"size": 11},
        }
    )


def frame_map(fig: go.Figure, region: str) -> None:
    """The maps' one frame: the region's view, Pacific-centred (no wrap to Korea), shapes drawn
    by the traces (no base layers), a light graticule."""
    view_of = REGIONS.get(region, REGIONS["east_asia"])
    lonaxis: dict[str, Any] = {"showgrid": True, "gridcolor": "#E3E8EF", "dtick": 30}
    if view_of["lon"] is not None:
        lonaxis["range"] = list(view_of["lon"])
    fig.update_geos(
        projection_type="natural earth",
        projection_rotation={"lon": view_of["rotation"]},
        showcoastlines=False,
        showland=False,
        showocean=False,
        showlakes=False,
        showrivers=False,
        showcountries=False,
        showframe=True,
        framecolor="#C9D1DB",
        framewidth=1,
        bgcolor="#F7F9FC",
        lataxis={
            "range": list(view_of["lat"]),
            "showgrid": True,
            "gridcolor": "#E3E8EF",
            "dtick": 30,
        },
        lonaxis=lonaxis,
    )


def choropleth(
    values: pd.DataFrame,
    column: str,
    measure: str,
    view: str,
    geojson: dict[str, Any],
    codes: list[str],
    names: list[str],
    markers: pd.DataFrame | None = None,
    flows: pd.DataFrame | None = None,
    korea: tuple[float, float] | None = None,
    title: str = "",
    hits: pd.DataFrame | None = None,
    hit_label: str = "",
    region: str = "east_asia",
    scale: str = "log",
    labels: pd.DataFrame | None = None,
) -> go.Figure:
    """The partner map: every country of the boundary file shaded by `column` of map_values
    (0 where a country supplies nothing), bloc partners marked, optional flows into Korea.

    The shading is on a log scale by default (`scale`='linear' for a plain one) so that small
    partners show beside China; the real values are the trace's customdata and the colour bar
    is labelled in them. A change (view 'difference') uses the one diverging palette: blue less
    than today, orange more. Only the country shapes take the hover: markers, labels, flow lines
    and rings skip it, so every country's data can be reached. `labels` (iso3, name, lon, lat)
    names the partners in play. `hits` (optimizer.heatmaps.scenario_hits with lon and lat)
    marks the suppliers a disruption scenario hits: a red outline on their shapes, a red ring
    on each, and a hover line saying what still arrives; `hit_label` names the scenario."""
    v = values.set_index("supplier")
    hit_detail = {} if hits is None else dict(zip(hits["supplier"], hits["detail"], strict=True))
    z = v[column].reindex(codes).fillna(0.0).to_numpy(dtype=float)
    z_shown = z * (100.0 if measure == "share" else 1.0) / (1e6 if measure == "value" else 1.0)
    unit = {"tonnes": "t REO/yr", "share": t("map.unit_share"), "value": "M USD/yr"}[measure]
    if view == "difference":
        unit = {"tonnes": "t REO/yr", "share": "pp", "value": "M USD/yr"}[measure]
    hit_name = fmt.html(hit_label)

    def text(code: str, name: str) -> str:
        if code not in v.index:
            return f"<b>{fmt.html(name)}</b><br>{t('map.not_supplier')}"
        r = v.loc[code]
        blocs = fmt.html(r["blocs"].replace(";", ", ")) if r["blocs"] else ""
        lines = [
            f"<b>{fmt.html(r['name'])}</b> ({fmt.html(code)})" + (f" · {blocs}" if blocs else "")
        ]
        for m in ("baseline", "optimized"):
            tn = r[f"{m}_t"]
            lines.append(
                f"{mix_label(m)}: {tn:,.1f} t · {r[f'{m}_share'] * 100:.1f}% · "
                f"{fmt.usd(r[f'{m}_usd'])}"
            )
        lines.append(
            f"{mix_label('difference')}: {r['change_t']:+,.1f} t · "
            f"{r['change_share'] * 100:+.1f} pp · {fmt.usd_delta(r['change_usd'])}"
        )
        cost = r["cost_usd_kg"]
        lines.append(
            t(
                "map.hover_capacity",
                stage=stage_name(str(r["stage"])),
                capacity=f"{r['capacity_t']:,.1f}",
                cost="–" if pd.isna(cost) else f"{cost:,.2f}",
            )
        )
        lines.append(
            t(
                "map.hover_risk",
                risk=f"{r['wgi_risk']:.2f}",
                days=f"{r['lead_time_days']:.0f}",
            )
        )
        if r["optimized_supplies"]:
            lines.append(t("map.hover_supplies", what=_wrap(fmt.html(r["optimized_supplies"]))))
        if code in hit_detail:
            lines.append(
                f"<span style='color:{CHINA_RED}'>"
                + t("map.hit_by", name=hit_name)
                + f": {_wrap(fmt.html(hit_detail[code]))}</span>"
            )
        return "<br>".join(lines)

    hover = [text(c, n) for c, n in zip(codes, names, strict=True)]
    signed = view == "difference"
    top = float(np.nanmax(np.abs(z_shown))) if len(z_shown) else 1.0
    top = top or 1.0
    if scale == "log":
        floor = LOG_FLOOR[measure]
        z_color = log_scale(z_shown, floor)
        bound = float(log_scale(np.array([top]), floor)[0]) or 1.0
        tickvals, ticktext = log_ticks(top, floor, signed)
        legend = t("map.legend_log", unit=unit)
    else:
        z_color = z_shown
        bound = top
        tickvals, ticktext = None, None
        legend = t("map.legend_linear", unit=unit)
    if signed:
        colorscale = DIVERGING
        extra = {"zmin": -bound, "zmax": bound, "zmid": 0.0}
        legend += " · " + t("palette.legend")
    else:
        colorscale = [[0.0, "#EEF1F5"], [1e-6, "#DCE9F5"], [0.35, "#7FB2DA"], [1.0, "#0B3C6F"]]
        extra = {"zmin": 0.0, "zmax": bound}
    colorbar: dict[str, Any] = {
        "title": {"text": legend, "side": "top"},
        "orientation": "h",
        "thickness": 10,
        "len": 0.5,
        "x": 0.99,
        "xanchor": "right",
        "y": -0.02,
        "yanchor": "top",
    }
    if tickvals is not None:
        colorbar.update(tickvals=tickvals, ticktext=ticktext, tickmode="array")
    elif measure == "share" and not signed:
        colorbar["ticksuffix"] = "%"
    fig = go.Figure()
    fig.add_trace(
        go.Choropleth(
            geojson=geojson,
            featureidkey="id",
            locations=codes,
            z=z_color,
            customdata=z_shown,
            text=hover,
            hovertemplate="%{text}<extra></extra>",
            colorscale=colorscale,
            marker={
                "line": {
                    "color": [CHINA_RED if c in hit_detail else "#FFFFFF" for c in codes],
                    "width": [2.5 if c in hit_detail else 0.5 for c in codes],
                }
                if hit_detail
                else {"color": "#FFFFFF", "width": 0.5}
            },
            colorbar=colorbar,
            name=fmt.html(title) or column,
            showlegend=False,
            **extra,
        )
    )
    if flows is not None and len(flows):
        width_ref = float(flows["value"].abs().max()) or 1.0
        for r in flows.itertuples(index=False):
            up = r.value >= 0
            color = FLOW_LINE if view != "difference" else (MORE_LINE if up else LESS_LINE)
            fig.add_trace(
                go.Scattergeo(
                    lon=[r.lon, r.to_lon],
                    lat=[r.lat, r.to_lat],
                    mode="lines",
                    line={"width": flow_width(r.value, width_ref), "color": color},
                    hoverinfo="skip",
                    showlegend=False,
                    name=f"flow {fmt.html(r.supplier)}",
                )
            )
        _flow_legend(fig, width_ref, view)
    if markers is not None and len(markers):
        offsets = {"FORGE": -1.2, "FTA": 0.0, "ASEAN": 1.2}
        for bloc, group in markers.groupby("bloc", sort=False):
            style = BLOC_STYLE.get(bloc, {"symbol": "square", "color": "#555555", "size": 8})
            fig.add_trace(
                go.Scattergeo(
                    lon=group["lon"] + offsets.get(bloc, 0.0),
                    lat=group["lat"] - 1.5,
                    mode="markers",
                    marker={
                        "symbol": style["symbol"],
                        "color": style["color"],
                        "size": style["size"] - 2,
                        "line": {
                            "color": "white" if "open" not in style["symbol"] else style["color"],
                            "width": 1 if "open" not in style["symbol"] else 2,
                        },
                    },
                    name=bloc_label(bloc),
                    hoverinfo="skip",  # the country's shape underneath keeps the hover
                )
            )
    if labels is not None and len(labels):
        fig.add_trace(
            go.Scattergeo(
                lon=labels["lon"].tolist(),
                lat=labels["lat"].tolist(),
                mode="text",
                text=[fmt.html(n) for n in labels["name"]],
                textfont={"size": 11, "color": "#1B1F24"},
                textposition="top center",
                hoverinfo="skip",
                showlegend=False,
                name="labels",
            )
        )
    if hits is not None and len(hits):
        shown = hits.dropna(subset=["lon", "lat"])
        fig.add_trace(
            go.Scattergeo(
                lon=shown["lon"].tolist(),
                lat=shown["lat"].tolist(),
                ids=shown["supplier"].tolist(),
                mode="markers",
                marker={
                    "symbol": "circle-open",
                    "color": CHINA_RED,
                    "size": 22,
                    "line": {"width": 3},
                },
                name=t("map.hit_by", name=hit_name),
                hoverinfo="skip",
            )
        )
    if korea is not None:
        fig.add_trace(
            go.Scattergeo(
                lon=[korea[0]],
                lat=[korea[1]],
                mode="markers",
                marker={"symbol": "square", "color": KOREA_BLUE, "size": 9},
                name=t("map.korea_buyer"),
                hoverinfo="skip",
            )
        )
    frame_map(fig, region)
    fig.update_layout(
        height=540 if region == "east_asia" else 460,
        margin={"l": 0, "r": 0, "t": 30, "b": 70},
        font={"family": FONT, "size": 13},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 0.0},
        paper_bgcolor="white",
        hoverlabel={"bgcolor": "white", "font_size": 12, "align": "left"},
    )
    return fig


def _wrap(text: str, width: int = 60) -> str:
    out, line = [], ""
    for part in text.split("; "):
        if line and len(line) + len(part) > width:
            out.append(line)
            line = part
        else:
            line = f"{line}; {part}" if line else part
    out.append(line)
    return "<br>".join(out)


def frontier_chart(
    points: pd.DataFrame,
    risk_label: str,
    current: tuple[float, float] | None,
    baseline: tuple[float, float] | None,
    selected: int | None,
    usd: bool = False,
) -> go.Figure:
    """Least risk at each budget (cost in M USD/yr); today's mix, the current solution and the
    chosen point marked."""
    x = points["cost_usd"] / 1e6
    y_fmt = "%{y:,.0f} USD" if usd else "%{y:.4f}"
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=x,
            y=points["risk"],
            mode="lines+markers",
            name=t("chart.frontier_line"),
            line={"color": KOREA_BLUE, "width": 2},
            marker={"size": 6},
            customdata=np.stack([points["premium"] * 100, points["china_share"] * 100], axis=1),
            hovertemplate=(
                t("chart.frontier_hover", x="%{x:,.1f}", premium="%{customdata[0]:.1f}")
                + "<br>"
                + risk_label
                + " "
                + y_fmt
                + "<br>"
                + t("chart.china_hover", share="%{customdata[1]:.1f}")
                + "<extra></extra>"
            ),
        )
    )
    if baseline is not None:
        fig.add_trace(
            go.Scatter(
                x=[baseline[0] / 1e6],
                y=[baseline[1]],
                mode="markers+text",
                name=t("mix.baseline_long"),
                marker={"symbol": "x", "size": 12, "color": CHINA_RED},
                text=[t("mix.baseline")],
                textposition="top center",
                hovertemplate=t("mix.baseline_long")
                + "<br>%{x:,.1f} M USD/yr<br>"
                + risk_label
                + " "
                + y_fmt
                + "<extra></extra>",
            )
        )
    if current is not None:
        fig.add_trace(
            go.Scatter(
                x=[current[0] / 1e6],
                y=[current[1]],
                mode="markers",
                name=t("chart.current_solution"),
                marker={
                    "symbol": "star",
                    "size": 18,
                    "color": "#D4A017",
                    "line": {"color": "#7A5C00", "width": 1},
                },
                hovertemplate=t("chart.current_solution")
                + "<br>%{x:,.1f} M USD/yr<br>"
                + risk_label
                + " "
                + y_fmt
                + "<extra></extra>",
            )
        )
    if selected is not None:
        fig.add_trace(
            go.Scatter(
                x=[x.iloc[selected]],
                y=[points["risk"].iloc[selected]],
                mode="markers",
                name=t("chart.chosen_point"),
                marker={
                    "size": 16,
                    "color": "rgba(0,0,0,0)",
                    "line": {"color": "#111111", "width": 2},
                },
                hoverinfo="skip",
            )
        )
    fig.update_xaxes(title_text=t("chart.frontier_x"), gridcolor="#E6E9EF")
    fig.update_yaxes(title_text=risk_label, gridcolor="#E6E9EF")
    return _layout(fig, 420)


SHORT_SCALE = [
    [0.0, "#FFFFFF"],
    [0.02, "#FDEBD3"],
    [0.35, "#F5A66B"],
    [0.7, "#D9502F"],
    [1.0, "#8E1B12"],
]
CHANGE_SCALE = DIVERGING  # the one diverging palette: blue less than today, orange more


def stress_heatmap(
    panels: list[tuple[str, pd.DataFrame]],
    unit: str,
    number: str,
    change: bool = False,
    scenario_notes: dict[str, str] | None = None,
) -> go.Figure:
    """Scenario (rows) x element (columns) grids, one panel per mix, on one colour scale.

    `panels` are (title, grid) with grids in display units already (optimizer.heatmaps
    .stress_grid times the unit's scale); `number` is a d3 format for the cell labels and hover;
    `change` draws a diverging scale centred on 0 (green: less short than today)."""
    rows = len(panels)
    height_each = 40 + 34 * max(len(g.index) for _, g in panels)
    fig = make_subplots(
        rows=rows,
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.09 if rows > 1 else 0.0,
        subplot_titles=[fmt.html(title) for title, _ in panels],
    )
    top = max(float(np.nanmax(np.abs(g.to_numpy()))) if g.size else 0.0 for _, g in panels)
    top = top or 1.0
    notes = scenario_notes or {}
    for i, (title, grid) in enumerate(panels, start=1):
        z = grid.to_numpy(dtype=float)
        text = [[_cell(v, number) for v in row] for row in z]
        custom = [[fmt.html(notes.get(sc, "")) for _ in grid.columns] for sc in grid.index]
        fig.add_trace(
            go.Heatmap(
                z=z.tolist(),
                x=[fmt.html(c) for c in grid.columns],
                y=[fmt.html(r) for r in grid.index],
                text=text,
                texttemplate="%{text}",
                textfont={"size": 10},
                customdata=custom,
                coloraxis="coloraxis",
                xgap=1,
                ygap=1,
                name=title,
                hovertemplate=f"<b>%{{x}}</b> · %{{y}}<br>{title}: %{{z:{number}}} {unit}"
                "<br>%{customdata}<extra></extra>",
            ),
            row=i,
            col=1,
        )
        fig.update_yaxes(autorange="reversed", row=i, col=1)
    coloraxis: dict[str, Any] = {
        "colorbar": {"title": {"text": unit, "side": "right"}, "thickness": 12, "len": 0.8},
    }
    if change:
        coloraxis.update(colorscale=CHANGE_SCALE, cmin=-top, cmax=top, cmid=0.0)
    else:
        coloraxis.update(colorscale=SHORT_SCALE, cmin=0.0, cmax=top)
    fig.update_layout(coloraxis=coloraxis)
    fig.update_xaxes(side="bottom", tickfont={"size": 12})
    _layout(fig, 60 + rows * height_each)
    fig.update_layout(plot_bgcolor="#F3F5F8", margin={"l": 10, "r": 10, "t": 40, "b": 10})
    return fig


def _cell(value: float, number: str) -> str:
    """A cell label: blank for 0, '<1' (or '<0.1'...) for what the format would round to 0."""
    if not np.isfinite(value) or abs(value) < 1e-9:
        return ""
    number = number.replace("~", "")
    text = format(value, number)
    if float(text.replace(",", "")) == 0:
        digits = int(number.rsplit(".", 1)[1][:-1]) if "." in number else 0
        return ("<" if value > 0 else ">-") + format(10.0**-digits, f".{digits}f")
    return text


def sweep_line_chart(
    line: pd.DataFrame,
    x_label: str,
    y_label: str,
    y_number: str,
    current: tuple[float, float] | None,
) -> go.Figure:
    """One parameter swept: the measure at each value (display units), points where demand is
    not fully met marked, and the current policy as a star."""
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=line["x"].tolist(),
            y=line["y"].tolist(),
            mode="lines+markers",
            name=t("chart.sweep"),
            line={"color": KOREA_BLUE, "width": 2},
            marker={"size": 7},
            customdata=[t(f"status.{v}") for v in line["status"]],
            hovertemplate=f"{x_label} %{{x}}<br>{y_label} %{{y:{y_number}}}<br>"
            + t("chart.status")
            + ": %{customdata}<extra></extra>",
        )
    )
    short = line[line["status"] != "optimal"]
    if len(short):
        fig.add_trace(
            go.Scatter(
                x=short["x"].tolist(),
                y=short["y"].tolist(),
                mode="markers",
                name=t("chart.not_met"),
                marker={"symbol": "x", "size": 11, "color": CHINA_RED},
                hoverinfo="skip",
            )
        )
    _mark_current(fig, current, x_label, y_label, f"%{{y:{y_number}}}", 18, "#7A5C00")
    fig.update_xaxes(title_text=x_label, gridcolor="#E6E9EF")
    fig.update_yaxes(title_text=y_label, gridcolor="#E6E9EF")
    return _layout(fig, 420)


def sweep_heatmap(
    surface: pd.DataFrame,
    status: pd.DataFrame,
    x_label: str,
    y_label: str,
    z_label: str,
    z_number: str,
    current: tuple[float, float] | None,
    reverse: bool = False,
) -> go.Figure:
    """Two parameters swept: the measure on the grid (display units), cells where demand is not
    fully met crossed, the current policy as a star. `reverse`: higher is better (blue high)."""
    z = surface.to_numpy(dtype=float)
    x, y = [float(v) for v in surface.columns], [float(v) for v in surface.index]
    fig = go.Figure()
    fig.add_trace(
        go.Heatmap(
            z=[[None if not np.isfinite(v) else v for v in row] for row in z],
            x=x,
            y=y,
            text=[[_cell(v, z_number) if np.isfinite(v) else "" for v in row] for row in z],
            texttemplate="%{text}",
            textfont={"size": 11},
            colorscale="Blues" if reverse else "YlOrRd",
            colorbar={"title": {"text": z_label, "side": "right"}, "thickness": 12},
            xgap=1,
            ygap=1,
            name=t("chart.sweep"),
            hovertemplate=f"{x_label} %{{x}}<br>{y_label} %{{y}}<br>{z_label} %{{z:{z_number}}}"
            "<extra></extra>",
        )
    )
    flags = status.reindex(index=surface.index, columns=surface.columns)
    # a cross in each such cell's top-right corner, clear of the cell's number
    dx, dy = _half_step(x), _half_step(y)
    xs, ys = [], []
    for i, yv in enumerate(y):
        for j, xv in enumerate(x):
            if flags.iat[i, j] != "optimal":
                xs.append(xv + 0.72 * dx)
                ys.append(yv + 0.6 * dy)
    if xs:
        fig.add_trace(
            go.Scatter(
                x=xs,
                y=ys,
                mode="markers",
                name=t("chart.not_met"),
                marker={"symbol": "x", "size": 8, "color": "#3A4552"},
                hoverinfo="skip",
            )
        )
    _mark_current(fig, current, x_label, y_label, "%{y}", 20, "#111111")
    fig.update_xaxes(title_text=x_label, tickvals=x)
    fig.update_yaxes(title_text=y_label, tickvals=y)
    return _layout(fig, 480)


def _half_step(values: list[float]) -> float:
    steps = np.diff(sorted(values))
    return float(steps.min()) / 2 if len(steps) and steps.min() > 0 else 0.5


def korea_point(centroids: pd.DataFrame) -> tuple[float, float] | None:
    row = centroids[centroids["iso3"] == KOREA]
    if row.empty:
        return None
    return float(row["lon"].iloc[0]), float(row["lat"].iloc[0])


SANKEY_NODE = "{country} · {stage}"
SANKEY_HOVER = "%{source.label} → %{target.label}<br>%{value:,.1f} t REO/yr<extra></extra>"
SANKEY_NODE_HOVER = "%{label}<br>%{value:,.1f} t REO/yr<extra></extra>"


def sankey(links: pd.DataFrame, dataset: Dataset, title: str, height: int = 460) -> go.Figure:
    """The chain of one mix as a Sankey diagram: a node per (stage, country) and one for Korea,
    links as wide as the tonnes that move along them, coloured by the upstream country.

    `links` is optimizer.maps.chain_links; the trace is named `title`."""
    colors = supplier_colors(dataset)
    names = dataset.suppliers["name"]
    rank = {s: i for i, s in enumerate(dataset.stages)}
    ends = pd.concat(
        [
            links[["source_stage", "source_country"]].set_axis(["stage", "country"], axis=1),
            links[["target_stage", "target_country"]].set_axis(["stage", "country"], axis=1),
        ]
    ).drop_duplicates()
    order = {c: i for i, c in enumerate(dataset.suppliers.index)}
    ends = ends.assign(
        _s=ends["stage"].map(rank).fillna(len(rank)), _c=ends["country"].map(order).fillna(-1)
    ).sort_values(["_s", "_c"])
    nodes = list(zip(ends["stage"], ends["country"], strict=True))
    index = {n: i for i, n in enumerate(nodes)}

    def node_label(stage: str, country: str) -> str:
        if stage == KOREA_STAGE:
            return stage_name("korea")
        return SANKEY_NODE.format(
            country=fmt.html(names.get(country, country)), stage=stage_name(stage)
        )

    def node_color(stage: str, country: str) -> str:
        return KOREA_BLUE if stage == KOREA_STAGE else colors.get(country, UNKNOWN_GREY)

    fig = go.Figure(
        go.Sankey(
            name=fmt.html(title),
            arrangement="snap",
            valueformat=",.1f",
            valuesuffix=" t",
            node={
                "label": [node_label(*n) for n in nodes],
                "color": [node_color(*n) for n in nodes],
                "pad": 14,
                "thickness": 16,
                "line": {"color": "white", "width": 0.5},
                "hovertemplate": SANKEY_NODE_HOVER,
            },
            link={
                "source": _node_ids(links, "source", index),
                "target": _node_ids(links, "target", index),
                "value": links["tonnes"].astype(float).tolist(),
                "color": [
                    _rgba(colors.get(c, UNKNOWN_GREY), 0.45) for c in links["source_country"]
                ],
                "hovertemplate": SANKEY_HOVER,
            },
        )
    )
    fig.update_layout(
        title={"text": fmt.html(title), "x": 0, "font": {"size": 15}},
        height=height,
        margin={"l": 10, "r": 10, "t": 40, "b": 10},
        font={"family": FONT, "size": 12},
        paper_bgcolor="white",
    )
    return fig


def _node_ids(links: pd.DataFrame, end: str, index: dict[tuple[str, str], int]) -> list[int]:
    pairs = zip(links[f"{end}_stage"], links[f"{end}_country"], strict=True)
    return [index[p] for p in pairs]


def _rgba(color: str, alpha: float) -> str:
    h = color.lstrip("#")
    r, g, b = (int(h[i : i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r},{g},{b},{alpha})"


__all__ = [
    "UNITS",
    "choropleth",
    "frontier_chart",
    "korea_point",
    "mix_bars",
    "sankey",
    "stress_heatmap",
    "supplier_colors",
    "sweep_heatmap",
    "sweep_line_chart",
]


def _mark_current(
    fig: go.Figure, current: Any, x_label: str, y_label: str, y_shown: str, size: int, edge: str
) -> None:
    """A star at the current policy's point on a sweep chart (when it lies on the grid)."""
    if current is None or not all(np.isfinite(current)):
        return
    fig.add_trace(
        go.Scatter(
            x=[current[0]],
            y=[current[1]],
            mode="markers",
            name=t("chart.current_policy"),
            marker={
                "symbol": "star",
                "size": size,
                "color": "#D4A017",
                "line": {"color": edge, "width": 1.5},
            },
            hovertemplate=t("chart.current_policy")
            + f"<br>{x_label} %{{x}}<br>{y_label} {y_shown}<extra></extra>",
        )
    )


def difference_map(
    frame: pd.DataFrame,
    geojson: dict[str, Any],
    codes: list[str],
    names: list[str],
    unit: str,
    legend: str,
    base: str,
    other: str,
    region: str = "east_asia",
) -> go.Figure:
    """A choropleth of the change between two runs, country by country: `frame` has supplier,
    name, base, other and change (display units: t REO/yr or pp). The one diverging palette of
    the app, centred on no change (white): orange where `other` has more than `base`, blue
    where it has less; `legend` says so on the colour bar. Countries neither run uses are 0."""
    v = frame.set_index("supplier")
    z = v["change"].reindex(codes).fillna(0.0).to_numpy(dtype=float)
    top = float(np.nanmax(np.abs(z))) if len(z) else 0.0
    top = top or 1.0
    floor = LOG_FLOOR["share" if unit == "pp" else "tonnes"]
    tickvals, ticktext = log_ticks(top, floor, signed=True)
    bound = float(log_scale(np.array([top]), floor)[0]) or 1.0

    def text(code: str, name: str) -> str:
        if code not in v.index:
            return f"<b>{fmt.html(name)}</b><br>{t('runs.map_unused')}"
        r = v.loc[code]
        return "<br>".join(
            [
                f"<b>{fmt.html(r['name'])}</b> ({fmt.html(code)})",
                f"{fmt.html(base)}: {r['base']:,.1f} {unit}",
                f"{fmt.html(other)}: {r['other']:,.1f} {unit}",
                f"{t('runs.map_change')}: {r['change']:+,.1f} {unit}",
            ]
        )

    fig = go.Figure(
        go.Choropleth(
            geojson=geojson,
            featureidkey="id",
            locations=codes,
            z=log_scale(z, floor).tolist(),
            customdata=z.tolist(),
            text=[text(c, n) for c, n in zip(codes, names, strict=True)],
            hovertemplate="%{text}<extra></extra>",
            colorscale=DIVERGING,
            zmin=-bound,
            zmax=bound,
            zmid=0.0,
            marker={"line": {"color": "#FFFFFF", "width": 0.5}},
            colorbar={
                "title": {"text": legend, "side": "top"},
                "orientation": "h",
                "thickness": 10,
                "len": 0.8,
                "x": 0.5,
                "xanchor": "center",
                "y": -0.02,
                "yanchor": "top",
                "tickvals": tickvals,
                "ticktext": ticktext,
                "tickmode": "array",
            },
            showlegend=False,
            name="difference",
        )
    )
    frame_map(fig, region)
    fig.update_layout(
        height=480,
        margin={"l": 0, "r": 0, "t": 10, "b": 80},
        font={"family": FONT, "size": 13},
        paper_bgcolor="white",
        hoverlabel={"bgcolor": "white", "font_size": 12, "align": "left"},
    )
    return fig
