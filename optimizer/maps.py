"""Per-country values of a sourcing chain at one stage, and the chain's links country to country,
ready for maps, partner tables, the chain (Sankey) view and GeoJSON exports.

Pure pandas/geopandas (no plotting, no streamlit). At each stage (mine, separation, metal,
magnet) every tonne that reaches Korea is attributed to the country whose plant performed that
stage (optimizer.network.graph says how). One frame per supplier holds today's mix, the optimized
one and their difference in three measures, so a map can switch between them without re-deriving
anything, and the GeoJSON export carries all of them:

- tonnes: t REO per year that pass the stage in the country's plants;
- share: the country's share of what passes the stage, per element; across several elements it
  is combined with the policy's element weights over the elements whose chain has that stage,
  exactly as Solution.stage_portfolio does, so the map's China share at a stage equals the
  headline figure for that stage;
- value: USD per year the mix pays the country's plants, at every stage (the allocation's
  cost_usd summed by country), so the values add up to the cost of the mix.

A map shows one stage; by default the solution's worst stage (where the China share is highest).
Suppliers without a shape in the boundary file (domestic recycling, the stockpile) keep their
rows here; `domestic_values` lists them for a table beside the map.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import shapely
import shapely.geometry

if TYPE_CHECKING:  # geopandas loads in the functions that use it: the first page needs none
    import geopandas as gpd

from . import geo, risk
from .dataset import Dataset
from .network import measures
from .network.graph import STAGE_INDEX
from .network.model import active_plants
from .schema import KOREA, STAGES
from .solution import TONNE_EPS, Solution

VIEWS = ("optimized", "baseline", "difference")
"""Which mix a map shows: the optimized one, today's, or optimized minus today's."""

MIXES = ("baseline", "optimized")
"""The two mixes a solution holds: today's and the optimized one."""

MEASURES = ("tonnes", "share", "value")
"""What a map colours countries by."""

UNITS = {"tonnes": "t REO/yr", "share": "share of supply", "value": "USD/yr"}

_SUFFIX = {"tonnes": "t", "share": "share", "value": "usd"}
_PREFIX = {"optimized": "optimized", "baseline": "baseline", "difference": "change"}

SUPPLIER_COLUMNS = ("name", "kind", "blocs", "wgi_risk", "lead_time_days")
LINK_COLUMNS = ["source_stage", "source_country", "target_stage", "target_country", "tonnes"]


def value_column(measure: str, view: str) -> str:
    """The map_values column holding `measure` for `view`, e.g. ('tonnes', 'difference') ->
    'change_t'."""
    if measure not in _SUFFIX:
        raise ValueError(f"unknown measure {measure!r}: choose {', '.join(MEASURES)}")
    if view not in _PREFIX:
        raise ValueError(f"unknown view {view!r}: choose {', '.join(VIEWS)}")
    return f"{_PREFIX[view]}_{_SUFFIX[measure]}"


# --- stages ----------------------------------------------------------------------------------


def stages_of(solution: Solution) -> list[str]:
    """The stages this solution has measures at, in chain order."""
    present = set(solution.stage_metrics.index.get_level_values("stage"))
    return [s for s in STAGES if s in present]


def default_stage(solution: Solution) -> str:
    """The stage a map shows unless told: the optimized mix's worst stage (highest China share)."""
    worst = solution.worst_stage()[0]
    return worst or (stages_of(solution) or solution.dataset.stages)[0]


def _stage(solution: Solution, stage: str | None) -> str:
    if stage is None:
        return default_stage(solution)
    if stage not in stages_of(solution):
        raise ValueError(
            f"{stage!r} is not a stage of this solution ({', '.join(stages_of(solution))})"
        )
    return stage


def _elements(solution: Solution, element: str | None) -> list[str]:
    if element is None:
        return solution.scope
    if element not in solution.scope:
        raise ValueError(f"{element} is not in this solution's scope ({', '.join(solution.scope)})")
    return [element]


# --- the mixes -------------------------------------------------------------------------------


def mix_of(solution: Solution, view: str) -> pd.DataFrame:
    """The optimized or today's flows (element, from, to, tonnes) over the solution's scope: what
    stress_test, monte_carlo and tail_loss take."""
    if view == "optimized":
        return solution.arc_flows
    if view == "baseline":
        return measures.baseline_flows(solution.dataset, solution.scope)
    raise ValueError(f"a mix is 'optimized' or 'baseline', not {view!r}")


def plant_spend(dataset: Dataset, flows: pd.DataFrame) -> pd.DataFrame:
    """Per element and plant of a flows frame: element, plant, stage, country, tonnes (what the
    plant puts through) and cost_usd (what it is paid: tonnes times the cost it adds). For the
    optimized flows this is the solution's allocation."""
    frame = pd.DataFrame(
        {
            "element": flows["element"].to_numpy(),
            "plant": flows["from"].to_numpy(),
            "tonnes": flows["tonnes"].to_numpy(dtype=float),
            "cost_usd": measures.flow_costs(dataset, flows),
        }
    )
    out = frame.groupby(["element", "plant"], sort=False, as_index=False).sum()
    out.insert(2, "stage", out["plant"].map(dataset.plants["stage"]))
    out.insert(3, "country", out["plant"].map(dataset.plants["country"]))
    return out


def stage_tonnes(solution: Solution, view: str, stage: str, elements: list[str]) -> pd.DataFrame:
    """element, country, tonnes, share (of what passes the stage) of one mix at one stage."""
    shares = solution.stage_shares(view)
    part = shares[(shares["stage"] == stage) & shares["element"].isin(elements)]
    return part.loc[:, ["element", "country", "tonnes", "share"]].reset_index(drop=True)


def stage_weights(solution: Solution, elements: list[str], stage: str) -> pd.Series:
    """The policy's element weights over those of `elements` whose chain has `stage`, summing
    to 1: how Solution.stage_portfolio combines elements at a stage."""
    have = set(solution.stage_metrics.xs(stage, level="stage").index)
    at = [e for e in elements if e in have]
    if not at:
        return pd.Series(dtype=float)
    w = risk.weights(solution.dataset.elements, at, solution.policy.weights)
    return w / w.sum() if w.sum() > 0 else pd.Series(1.0 / len(at), index=at)


def supplier_values(solution: Solution, view: str, elements: list[str], stage: str) -> pd.DataFrame:
    """Per supplier (every supplier of the dataset): tonnes at the stage, weighted share at the
    stage and value in USD (paid to its plants at every stage) of one mix over `elements`."""
    ds = solution.dataset
    suppliers = list(ds.suppliers.index)
    part = stage_tonnes(solution, view, stage, elements)
    w = stage_weights(solution, elements, stage)
    weighted = part["share"] * part["element"].map(w).fillna(0.0)
    spend = plant_spend(ds, mix_of(solution, view))
    spend = spend[spend["element"].isin(elements)]
    out = pd.DataFrame(
        {
            "t": part.groupby("country")["tonnes"].sum(),
            "share": weighted.groupby(part["country"]).sum(),
            "usd": spend.groupby("country")["cost_usd"].sum(),
        }
    ).reindex(suppliers, fill_value=0.0)
    out.index.name = "supplier"
    return out.fillna(0.0)


def _supplies(part: pd.DataFrame) -> pd.Series:
    """Per country, what passes its plants as text: 'Nd 400 t; Pr 150 t' (largest first)."""
    part = part[part["tonnes"] > TONNE_EPS].sort_values("tonnes", ascending=False)
    return part.groupby("country", sort=False).apply(
        lambda g: "; ".join(
            f"{e} {_tonnes(t)}" for e, t in zip(g["element"], g["tonnes"], strict=True)
        ),
        include_groups=False,
    )


def _tonnes(t: float) -> str:
    return f"{t:,.0f} t" if t >= 10 else f"{t:,.2g} t"


def stage_capacity(solution: Solution, elements: list[str], stage: str) -> pd.DataFrame:
    """Per supplier with a usable plant at the stage (operating, or producing by the policy's
    year): capacity_t (t REO/yr for Korea, over `elements`), cost_usd_kg (the cost its plants
    add, capacity-weighted) and capacity_elements (the elements, in dataset order)."""
    ds = solution.dataset
    usable = set(active_plants(ds, solution.policy.year, solution.policy.stockpile_as_supplier))
    cap = ds.capacity[ds.capacity["plant"].isin(usable) & ds.capacity["element"].isin(elements)]
    cap = cap[cap["plant"].map(ds.plants["stage"]) == stage]
    country = cap["plant"].map(ds.plants["country"])
    total = cap["capacity_t"].groupby(country).sum()
    spend = (cap["capacity_t"] * cap["cost_usd_kg"]).groupby(country).sum()
    order = {e: i for i, e in enumerate(ds.elements.index)}
    names = cap.groupby(country)["element"].agg(
        lambda s: ", ".join(sorted(dict.fromkeys(s), key=order.get))
    )
    return pd.DataFrame(
        {
            "capacity_t": total,
            "cost_usd_kg": spend / total.where(total > 0),
            "capacity_elements": names,
        }
    )


VALUE_COLUMNS = [
    "baseline_t", "optimized_t", "change_t",
    "baseline_share", "optimized_share", "change_share",
    "baseline_usd", "optimized_usd", "change_usd",
    "baseline_supplies", "optimized_supplies",
]  # fmt: skip


def map_values(
    solution: Solution, element: str | None = None, stage: str | None = None
) -> pd.DataFrame:
    """One row per supplier of the dataset at one stage (default: the worst stage): its
    attributes, its plants at the stage, and tonnes, share and value for today's mix, the
    optimized one and the change, over one element or (None) the solution's whole scope.

    Columns: supplier, name, kind, blocs, wgi_risk (0-10), lead_time_days, stage, capacity_t
    (t REO/yr of its usable plants at the stage), cost_usd_kg (what those plants add,
    capacity-weighted), capacity_elements, baseline_t/optimized_t/change_t,
    baseline_share/optimized_share/change_share, baseline_usd/optimized_usd/change_usd (paid to
    the country's plants at every stage), baseline_supplies/optimized_supplies (text, at the
    stage).
    """
    ds = solution.dataset
    elements = _elements(solution, element)
    stage = _stage(solution, stage)
    out = ds.suppliers.loc[:, list(SUPPLIER_COLUMNS)].copy()
    out["blocs"] = out["blocs"].fillna("").astype(str)
    out["stage"] = stage
    cap = stage_capacity(solution, elements, stage).reindex(out.index)
    out["capacity_t"] = cap["capacity_t"].fillna(0.0)
    out["cost_usd_kg"] = cap["cost_usd_kg"]
    out["capacity_elements"] = cap["capacity_elements"].fillna("")
    values = {}
    for view in MIXES:
        v = supplier_values(solution, view, elements, stage)
        for suffix in ("t", "share", "usd"):
            values[f"{view}_{suffix}"] = v[suffix]
        part = stage_tonnes(solution, view, stage, elements)
        values[f"{view}_supplies"] = _supplies(part).reindex(out.index).fillna("")
    for suffix in ("t", "share", "usd"):
        values[f"change_{suffix}"] = values[f"optimized_{suffix}"] - values[f"baseline_{suffix}"]
    for c in VALUE_COLUMNS:
        out[c] = values[c]
    out.index.name = "supplier"
    return out.reset_index()


def map_frame(
    solution: Solution,
    element: str | None = None,
    boundaries: gpd.GeoDataFrame | None = None,
    stage: str | None = None,
) -> gpd.GeoDataFrame:
    """map_values joined onto every country's shape (NaN where a country is not a supplier):
    what the partner map draws and the GeoJSON export writes."""
    return geo.country_frame(map_values(solution, element, stage), boundaries, key="supplier")


# --- tables ----------------------------------------------------------------------------------


MIX_TABLE_COLUMNS = [
    "element", "stage", "country", "name", "baseline_t", "optimized_t", "change_t",
    "baseline_share", "optimized_share", "change_share", "cost_usd_kg", "baseline_usd",
    "optimized_usd",
]  # fmt: skip


def mix_table(solution: Solution, stage: str | None = None) -> pd.DataFrame:
    """Per element and country at one stage (default: the worst), today's mix beside the
    optimized one: baseline_t, optimized_t, change_t, baseline_share, optimized_share,
    change_share (shares of the element's demand passing the stage), cost_usd_kg (what the
    country's plants at the stage were paid per kg, optimized mix, else today's) and
    baseline_usd, optimized_usd (paid to them). Elements in scope order (those whose chain has
    the stage), the largest optimized country first."""
    ds = solution.dataset
    stage = _stage(solution, stage)
    scope = solution.scope
    tonnes = {
        view: stage_tonnes(solution, view, stage, scope).groupby(["element", "country"])["tonnes"]
        for view in MIXES
    }
    sums = {view: g.sum() for view, g in tonnes.items()}
    paid = {}
    for view in MIXES:
        spend = plant_spend(ds, mix_of(solution, view))
        paid[view] = (
            spend[spend["stage"] == stage]
            .groupby(["element", "country"])[["tonnes", "cost_usd"]]
            .sum()
        )
    index = sums["baseline"].index.union(sums["optimized"].index)
    out = pd.DataFrame(
        {f"{v}_t": sums[v].reindex(index, fill_value=0.0) for v in MIXES}, index=index
    ).reset_index()
    out["change_t"] = out["optimized_t"] - out["baseline_t"]
    need = solution.stage_metrics.xs(stage, level="stage")["demand_t"]
    demand = out["element"].map(need)
    for c in ("baseline", "optimized", "change"):
        out[f"{c}_share"] = out[f"{c}_t"] / demand.where(demand > 0)
    keys = pd.MultiIndex.from_frame(out[["element", "country"]])
    for v in MIXES:
        out[f"{v}_usd"] = paid[v]["cost_usd"].reindex(keys).fillna(0.0).to_numpy()
    per_kg = {
        v: (paid[v]["cost_usd"] / (paid[v]["tonnes"] * 1000.0).where(paid[v]["tonnes"] > 0))
        .reindex(keys)
        .to_numpy()
        for v in MIXES
    }
    out["cost_usd_kg"] = np.where(
        np.isnan(per_kg["optimized"]), per_kg["baseline"], per_kg["optimized"]
    )
    out["stage"] = stage
    out["name"] = out["country"].map(ds.suppliers["name"]).fillna(out["country"])
    rank = {e: i for i, e in enumerate(scope)}
    out = out.assign(_rank=out["element"].map(rank)).sort_values(
        ["_rank", "optimized_t", "baseline_t"], ascending=[True, False, False]
    )
    return out.loc[:, MIX_TABLE_COLUMNS].reset_index(drop=True)


def chain_links(solution: Solution, view: str, element: str | None = None) -> pd.DataFrame:
    """The chain of one mix country to country, for a Sankey diagram: one row per (source stage,
    source country, target stage, target country) with the tonnes a year that move along it,
    over one element or (None) the whole scope. Deliveries end at target_stage 'korea',
    target_country KOR. Rows in chain order of the source stage, the largest first."""
    if view not in MIXES:
        raise ValueError(f"a mix is 'optimized' or 'baseline', not {view!r}")
    elements = _elements(solution, element)
    flows = solution.flows if view == "optimized" else solution.baseline_flows
    flows = flows[flows["element"].isin(elements) & (flows["tonnes"] > TONNE_EPS)]
    keys = ["from_stage", "from_country", "to_stage", "to_country"]
    out = flows.groupby(keys, as_index=False)["tonnes"].sum()
    out.columns = LINK_COLUMNS
    rank = {**STAGE_INDEX, KOREA: len(STAGES)}
    out = out.assign(
        _a=out["source_stage"].map(rank), _b=out["target_stage"].map(rank)
    ).sort_values(["_a", "_b", "tonnes"], ascending=[True, True, False])
    return out.loc[:, LINK_COLUMNS].reset_index(drop=True)


# --- map layers ------------------------------------------------------------------------------


def domestic_values(
    values: pd.DataFrame, boundaries: gpd.GeoDataFrame | None = None
) -> pd.DataFrame:
    """The rows of map_values whose supplier has no shape (domestic recycling, stockpiles)."""
    missing = set(geo.missing_geometries(values["supplier"], boundaries))
    return values[values["supplier"].isin(missing)].reset_index(drop=True)


def flow_lines(
    values: pd.DataFrame,
    column: str,
    boundaries: gpd.GeoDataFrame | None = None,
    to: str = geo.KOREA,
) -> pd.DataFrame:
    """Lines into Korea: one row per supplier with a shape and a non-zero `column`, with the
    start (lon, lat: a point inside the supplier) and the end (to_lon, to_lat: inside Korea).
    Largest absolute value first."""
    rows = values.loc[values[column].abs() > 1e-9, ["supplier", "name", column]]
    points = geo.centroids([*rows["supplier"], to], boundaries).set_index("iso3")
    if to not in points.index:
        raise ValueError(f"{to} has no shape in the boundary file, so flows cannot end there")
    rows = rows[rows["supplier"].isin(points.index) & (rows["supplier"] != to)]
    out = rows.rename(columns={column: "value"}).reset_index(drop=True)
    out["lon"] = out["supplier"].map(points["lon"]).to_numpy(dtype=float)
    out["lat"] = out["supplier"].map(points["lat"]).to_numpy(dtype=float)
    out["to_lon"] = float(points.at[to, "lon"])
    out["to_lat"] = float(points.at[to, "lat"])
    order = np.argsort(-out["value"].abs().to_numpy(), kind="stable")
    return out.iloc[order].reset_index(drop=True)


def bloc_markers(
    dataset: Dataset, blocs: Iterable[str] | None = None, boundaries: gpd.GeoDataFrame | None = None
) -> pd.DataFrame:
    """Where to mark bloc partners: one row per (bloc, member with a shape): bloc, supplier,
    name, lon, lat. Blocs in the order given (default: the dataset's)."""
    rows = []
    for bloc in dataset.blocs if blocs is None else blocs:
        members = dataset.bloc_members(bloc)
        points = geo.centroids(members, boundaries)
        for code, lon, lat in zip(points["iso3"], points["lon"], points["lat"], strict=True):
            rows.append(
                {
                    "bloc": bloc,
                    "supplier": code,
                    "name": dataset.suppliers.at[code, "name"],
                    "lon": float(lon),
                    "lat": float(lat),
                }
            )
    return pd.DataFrame(rows, columns=["bloc", "supplier", "name", "lon", "lat"])


def display_geojson(boundaries: gpd.GeoDataFrame | None = None, decimals: int = 3) -> dict:
    """Country shapes as a GeoJSON dict for d3-based renderers (plotly's geo traces).

    d3-geo reads polygons on the sphere and takes the exterior ring clockwise; a counter-clockwise
    ring (RFC 7946's convention, which geo.to_geojson writes for files) is read as everything
    *but* the country, so the map fills the globe instead of the country. Feature ids are the
    iso3 codes; properties are iso3 and name only; coordinates are rounded to `decimals` (3 is
    about 100 m, far finer than the 1:110m shapes), which keeps the page small.
    """
    shapes = geo.load_boundaries() if boundaries is None else boundaries
    if shapes.crs is not None and shapes.crs.to_epsg() != 4326:
        shapes = shapes.to_crs(4326)
    geoms = np.asarray(shapes.geometry.values, dtype=object)
    geoms = shapely.transform(geoms, lambda xy: np.round(xy, decimals))
    geoms = shapely.orient_polygons(geoms, exterior_cw=True)
    features = []
    for code, name, geom in zip(shapes["iso3"], shapes["name"], geoms, strict=True):
        features.append(
            {
                "type": "Feature",
                "id": str(code),
                "properties": {"iso3": str(code), "name": str(name)},
                "geometry": None
                if geom is None or geom.is_empty
                else shapely.geometry.mapping(geom),
            }
        )
    return {"type": "FeatureCollection", "features": features}
