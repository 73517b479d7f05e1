"""Plotly figures. Data come from the library (Solution, Frontier, optimizer.maps); this module
only draws them, with units on every axis and hover label."""

from __future__ import annotations

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
BLOC_LABEL = {
    "FORGE": "FORGE partner",
    "FTA": "Korea FTA partner",
    "ASEAN": "ASEAN member",
}
MAP_CONFIG = {
    "displaylogo": False,
    "scrollZoom": False,
    "modeBarButtonsToRemove": ["select2d", "lasso2d", "toImage"],
}
MIX_LABEL = {"baseline": "Today", "optimized": "Optimized"}


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
    x1 = [MIX_LABEL[m] for _ in elements for m in ("baseline", "optimized")]
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
        y, t = [], []
        for e in elements:
            for m in ("baseline", "optimized"):
                p = pivot[m]
                y.append(float(p.at[e, s]) * (100 if unit == "share" else 1) if s in p else 0.0)
                tm = tonnes[m]
                t.append(float(tm.at[e, s]) if s in tm else 0.0)
        fig.add_bar(
            x=[x0, x1],
            y=y,
            name=f"{names.get(s, s)}",
            marker_color=colors.get(s),
            customdata=np.array(t),
            hovertemplate=(
                f"<b>{names.get(s, s)}</b> · %{{x}}<br>"
                + ("%{y:.1f}% of demand · " if unit == "share" else "")
                + "%{customdata:,.1f} t REO/yr<extra></extra>"
            ),
        )
    fig.update_layout(barmode="stack", bargap=0.25)
    fig.update_yaxes(
        title_text="share of demand (%)" if unit == "share" else "t REO/yr",
        ticksuffix="%" if unit == "share" else "",
        gridcolor="#E6E9EF",
        range=[0, 100] if unit == "share" else None,
    )
    fig.update_xaxes(tickfont={"size": 11})
    _layout(fig, 430)
    # plotly lists stacked bars top-down by default; "normal" puts China (the bottom layer) first
    fig.update_layout(legend_title_text="", legend_traceorder="normal")
    return fig


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
) -> go.Figure:
    """The partner map: every country of the boundary file shaded by `column` of map_values
    (0 where a country supplies nothing), bloc partners marked, optional flows into Korea.

    `hits` (optimizer.heatmaps.scenario_hits with lon and lat) marks the suppliers a disruption
    scenario hits: a red outline on their shapes, a red ring on each, and a hover line saying
    what still arrives; `hit_label` names the scenario."""
    v = values.set_index("supplier")
    hit_detail = {} if hits is None else dict(zip(hits["supplier"], hits["detail"], strict=True))
    z = v[column].reindex(codes).fillna(0.0).to_numpy(dtype=float)
    z_shown = z * (100.0 if measure == "share" else 1.0) / (1e6 if measure == "value" else 1.0)
    unit = {"tonnes": "t REO/yr", "share": "% of supply", "value": "M USD/yr"}[measure]
    if view == "difference":
        unit = {"tonnes": "t REO/yr", "share": "pp", "value": "M USD/yr"}[measure]

    def text(code: str, name: str) -> str:
        if code not in v.index:
            return f"<b>{name}</b><br>not a supplier in this dataset"
        r = v.loc[code]
        lines = [
            f"<b>{r['name']}</b> ({code})"
            + (f" · {r['blocs'].replace(';', ', ')}" if r["blocs"] else "")
        ]
        for m in ("baseline", "optimized"):
            t = r[f"{m}_t"]
            lines.append(
                f"{MIX_LABEL[m]}: {t:,.1f} t · {r[f'{m}_share'] * 100:.1f}% · "
                f"USD {r[f'{m}_usd'] / 1e6:,.2f} M"
            )
        lines.append(
            f"Change: {r['change_t']:+,.1f} t · {r['change_share'] * 100:+.1f} pp · "
            f"USD {r['change_usd'] / 1e6:+,.2f} M"
        )
        cost = r["cost_usd_kg"]
        lines.append(
            f"Capacity at {r['stage']}: {r['capacity_t']:,.1f} t/yr · adds "
            + ("–" if pd.isna(cost) else f"{cost:,.2f} USD/kg")
        )
        lines.append(
            f"Governance risk {r['wgi_risk']:.2f}/10 · lead time {r['lead_time_days']:.0f} days"
        )
        if r["optimized_supplies"]:
            lines.append(f"Optimized supplies: {_wrap(r['optimized_supplies'])}")
        if code in hit_detail:
            lines.append(
                f"<span style='color:{CHINA_RED}'>Hit by {hit_label}: "
                f"{_wrap(hit_detail[code])}</span>"
            )
        return "<br>".join(lines)

    hover = [text(c, n) for c, n in zip(codes, names, strict=True)]
    if view == "difference":
        bound = float(np.nanmax(np.abs(z_shown))) if len(z_shown) else 1.0
        bound = bound or 1.0
        colorscale = "RdBu_r"
        extra = {"zmin": -bound, "zmax": bound, "zmid": 0.0}
    else:
        top = float(np.nanmax(z_shown)) if len(z_shown) else 1.0
        colorscale = [[0.0, "#EEF1F5"], [1e-6, "#DCE9F5"], [0.35, "#7FB2DA"], [1.0, "#0B3C6F"]]
        extra = {"zmin": 0.0, "zmax": top or 1.0}
    fig = go.Figure()
    fig.add_trace(
        go.Choropleth(
            geojson=geojson,
            featureidkey="id",
            locations=codes,
            z=z_shown,
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
            colorbar={
                "title": {"text": unit, "side": "top"},
                "orientation": "h",
                "thickness": 10,
                "len": 0.45,
                "x": 0.99,
                "xanchor": "right",
                "y": -0.02,
                "yanchor": "top",
                "ticksuffix": "%" if measure == "share" and view != "difference" else "",
            },
            name=title or column,
            showlegend=False,
            **extra,
        )
    )
    if flows is not None and len(flows):
        width_ref = float(flows["value"].abs().max()) or 1.0
        for r in flows.itertuples(index=False):
            up = r.value >= 0
            color = (
                "rgba(31,78,121,0.55)"
                if view != "difference"
                else ("rgba(27,127,91,0.7)" if up else "rgba(192,57,43,0.7)")
            )
            fig.add_trace(
                go.Scattergeo(
                    lon=[r.lon, r.to_lon],
                    lat=[r.lat, r.to_lat],
                    mode="lines",
                    line={"width": 1 + 7 * abs(r.value) / width_ref, "color": color},
                    hoverinfo="skip",
                    showlegend=False,
                    name=f"flow {r.supplier}",
                )
            )
    if markers is not None and len(markers):
        offsets = {"FORGE": -2.2, "FTA": 0.0, "ASEAN": 2.2}
        for bloc, group in markers.groupby("bloc", sort=False):
            style = BLOC_STYLE.get(bloc, {"symbol": "square", "color": "#555555", "size": 8})
            fig.add_trace(
                go.Scattergeo(
                    lon=group["lon"] + offsets.get(bloc, 0.0),
                    lat=group["lat"],
                    mode="markers",
                    marker={
                        "symbol": style["symbol"],
                        "color": style["color"],
                        "size": style["size"],
                        "line": {
                            "color": "white" if "open" not in style["symbol"] else style["color"],
                            "width": 1 if "open" not in style["symbol"] else 2,
                        },
                    },
                    name=BLOC_LABEL.get(bloc, bloc),
                    text=group["name"],
                    hovertemplate=f"%{{text}}: {BLOC_LABEL.get(bloc, bloc)}<extra></extra>",
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
                name=f"Hit by {hit_label}",
                text=shown["name"].tolist(),
                customdata=[_wrap(d) for d in shown["detail"]],
                hovertemplate=f"<b>%{{text}}</b>: hit by {hit_label}<br>%{{customdata}}"
                "<extra></extra>",
            )
        )
    if korea is not None:
        fig.add_trace(
            go.Scattergeo(
                lon=[korea[0]],
                lat=[korea[1]],
                mode="markers+text",
                marker={"symbol": "square", "color": KOREA_BLUE, "size": 9},
                text=["Korea"],
                textposition="middle right",
                textfont={"color": KOREA_BLUE, "size": 12},
                name="Korea (buyer)",
                hovertemplate="Republic of Korea: where every flow ends<extra></extra>",
            )
        )
    fig.update_geos(
        projection_type="natural earth",
        projection_rotation={"lon": 150},  # Pacific-centred: flows to Korea do not wrap
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
        lataxis={"range": [-57, 84], "showgrid": True, "gridcolor": "#E3E8EF", "dtick": 30},
        lonaxis={"showgrid": True, "gridcolor": "#E3E8EF", "dtick": 30},
    )
    fig.update_layout(
        height=440,
        margin={"l": 0, "r": 0, "t": 30, "b": 60},
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
            name="Least risk at each budget",
            line={"color": KOREA_BLUE, "width": 2},
            marker={"size": 6},
            customdata=np.stack([points["premium"] * 100, points["china_share"] * 100], axis=1),
            hovertemplate=(
                "Cost %{x:,.1f} M USD/yr (+%{customdata[0]:.1f}% over least cost)<br>"
                + risk_label
                + " "
                + y_fmt
                + "<br>China share %{customdata[1]:.1f}%<extra></extra>"
            ),
        )
    )
    if baseline is not None:
        fig.add_trace(
            go.Scatter(
                x=[baseline[0] / 1e6],
                y=[baseline[1]],
                mode="markers+text",
                name="Today's mix",
                marker={"symbol": "x", "size": 12, "color": CHINA_RED},
                text=["Today"],
                textposition="top center",
                hovertemplate="Today's mix<br>%{x:,.1f} M USD/yr<br>"
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
                name="Current solution",
                marker={
                    "symbol": "star",
                    "size": 18,
                    "color": "#D4A017",
                    "line": {"color": "#7A5C00", "width": 1},
                },
                hovertemplate="Current solution<br>%{x:,.1f} M USD/yr<br>"
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
                name="Chosen point",
                marker={
                    "size": 16,
                    "color": "rgba(0,0,0,0)",
                    "line": {"color": "#111111", "width": 2},
                },
                hoverinfo="skip",
            )
        )
    fig.update_xaxes(title_text="cost of the mix (M USD/yr, landed)", gridcolor="#E6E9EF")
    fig.update_yaxes(title_text=risk_label, gridcolor="#E6E9EF")
    return _layout(fig, 420)


SHORT_SCALE = [
    [0.0, "#FFFFFF"],
    [0.02, "#FDEBD3"],
    [0.35, "#F5A66B"],
    [0.7, "#D9502F"],
    [1.0, "#8E1B12"],
]
CHANGE_SCALE = [[0.0, "#1B7F5B"], [0.5, "#FFFFFF"], [1.0, CHINA_RED]]


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
        subplot_titles=[t for t, _ in panels],
    )
    top = max(float(np.nanmax(np.abs(g.to_numpy()))) if g.size else 0.0 for _, g in panels)
    top = top or 1.0
    notes = scenario_notes or {}
    for i, (title, grid) in enumerate(panels, start=1):
        z = grid.to_numpy(dtype=float)
        text = [[_cell(v, number) for v in row] for row in z]
        custom = [[notes.get(sc, "") for _ in grid.columns] for sc in grid.index]
        fig.add_trace(
            go.Heatmap(
                z=z.tolist(),
                x=list(grid.columns),
                y=list(grid.index),
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
            name="Sweep",
            line={"color": KOREA_BLUE, "width": 2},
            marker={"size": 7},
            customdata=line["status"].tolist(),
            hovertemplate=f"{x_label} %{{x}}<br>{y_label} %{{y:{y_number}}}"
            "<br>status: %{customdata}<extra></extra>",
        )
    )
    short = line[line["status"] != "optimal"]
    if len(short):
        fig.add_trace(
            go.Scatter(
                x=short["x"].tolist(),
                y=short["y"].tolist(),
                mode="markers",
                name="Demand or a minimum not fully met",
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
            name="Sweep",
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
                name="Demand or a minimum not fully met",
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


SANKEY_KOREA = "Korea"
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
            return SANKEY_KOREA
        return SANKEY_NODE.format(country=names.get(country, country), stage=stage_name(stage))

    def node_color(stage: str, country: str) -> str:
        return KOREA_BLUE if stage == KOREA_STAGE else colors.get(country, UNKNOWN_GREY)

    fig = go.Figure(
        go.Sankey(
            name=title,
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
        title={"text": title, "x": 0, "font": {"size": 15}},
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
            name="Current policy",
            marker={
                "symbol": "star",
                "size": size,
                "color": "#D4A017",
                "line": {"color": edge, "width": 1.5},
            },
            hovertemplate=f"Current policy<br>{x_label} %{{x}}<br>{y_label} {y_shown}<extra></extra>",
        )
    )
