"""Per-country values of a sourcing mix, ready for maps, partner tables and GeoJSON exports.

Pure pandas/geopandas (no plotting, no streamlit). One frame per supplier holds today's mix, the
optimized one and their difference in three measures, so a map can switch between them without
re-deriving anything, and the GeoJSON export carries all of them:

- tonnes: t REO per year supplied;
- share: the supplier's share of what is supplied, per element; across several elements it is
  combined with the policy's element weights, exactly as the portfolio China and FORGE shares
  are, so the map's China share equals the headline figure;
- value: USD per year at the offer's landed cost in Korea.

Suppliers without a shape in the boundary file (domestic recycling, the stockpile) keep their
rows here; `domestic_values` lists them for a table beside the map.
"""

from __future__ import annotations

from collections.abc import Iterable

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import shapely.geometry

from . import geo, metrics, risk
from .dataset import Dataset
from .solution import Solution

VIEWS = ("optimized", "baseline", "difference")
"""Which mix a map shows: the optimized one, today's, or optimized minus today's."""

MEASURES = ("tonnes", "share", "value")
"""What a map colours countries by."""

UNITS = {"tonnes": "t REO/yr", "share": "share of supply", "value": "USD/yr"}

_SUFFIX = {"tonnes": "t", "share": "share", "value": "usd"}
_PREFIX = {"optimized": "optimized", "baseline": "baseline", "difference": "change"}

SUPPLIER_COLUMNS = ("name", "kind", "blocs", "wgi_risk", "lead_time_days")


def value_column(measure: str, view: str) -> str:
    """The map_values column holding `measure` for `view`, e.g. ('tonnes', 'difference') ->
    'change_t'."""
    if measure not in _SUFFIX:
        raise ValueError(f"unknown measure {measure!r}: choose {', '.join(MEASURES)}")
    if view not in _PREFIX:
        raise ValueError(f"unknown view {view!r}: choose {', '.join(VIEWS)}")
    return f"{_PREFIX[view]}_{_SUFFIX[measure]}"


def mix_of(solution: Solution, view: str) -> pd.DataFrame:
    """The optimized or today's mix (element, supplier, tonnes) over the solution's scope."""
    if view == "optimized":
        return solution.allocation.loc[:, ["element", "supplier", "tonnes"]]
    if view == "baseline":
        return metrics.baseline_mix(solution.dataset, solution.scope)
    raise ValueError(f"a mix is 'optimized' or 'baseline', not {view!r}")


def _elements(solution: Solution, element: str | None) -> list[str]:
    if element is None:
        return solution.scope
    if element not in solution.scope:
        raise ValueError(f"{element} is not in this solution's scope ({', '.join(solution.scope)})")
    return [element]


def supplier_values(
    dataset: Dataset, mix: pd.DataFrame, elements: list[str], weighting: str = "value"
) -> pd.DataFrame:
    """Per supplier (every supplier in the dataset): tonnes, weighted share and value in USD of
    `mix` restricted to `elements`."""
    suppliers = list(dataset.suppliers.index)
    part = mix[mix["element"].isin(elements)]
    tonnes = part.groupby("supplier")["tonnes"].sum().reindex(suppliers, fill_value=0.0)
    table = part.pivot_table(
        index="element", columns="supplier", values="tonnes", aggfunc="sum", fill_value=0.0
    ).reindex(index=elements, columns=suppliers, fill_value=0.0)
    supplied = table.sum(axis=1)
    shares = table.div(supplied.where(supplied > 0), axis=0).fillna(0.0)  # of what is supplied
    w = risk.weights(dataset.elements, elements, weighting)
    share = shares.mul(w, axis=0).sum(axis=0).reindex(suppliers, fill_value=0.0)
    cost = dataset.offers.set_index(["supplier", "element"])["cost_usd_kg"]
    keys = pd.MultiIndex.from_arrays([part["supplier"], part["element"]])
    usd = part["tonnes"].to_numpy() * cost.reindex(keys).fillna(0.0).to_numpy() * 1000.0
    value = pd.Series(usd, index=part.index).groupby(part["supplier"]).sum()
    out = pd.DataFrame(
        {"t": tonnes, "share": share, "usd": value.reindex(suppliers, fill_value=0.0)}
    )
    out.index.name = "supplier"
    return out


def _supplies(mix: pd.DataFrame, elements: list[str]) -> pd.Series:
    """Per supplier, what it supplies as text: 'Nd 400 t; Pr 150 t' (largest first)."""
    part = mix[mix["element"].isin(elements) & (mix["tonnes"] > 0)]
    part = part.sort_values("tonnes", ascending=False)
    return part.groupby("supplier", sort=False).apply(
        lambda g: "; ".join(
            f"{e} {_tonnes(t)}" for e, t in zip(g["element"], g["tonnes"], strict=True)
        ),
        include_groups=False,
    )


def _tonnes(t: float) -> str:
    return f"{t:,.0f} t" if t >= 10 else f"{t:,.2g} t"


def map_values(solution: Solution, element: str | None = None) -> pd.DataFrame:
    """One row per supplier of the dataset: its attributes, what it offers, and tonnes, share and
    value for today's mix, the optimized one and the change, over one element or (None) the
    solution's whole scope.

    Columns: supplier, name, kind, blocs, wgi_risk (0-10), lead_time_days, capacity_t (offered,
    t REO/yr), landed_cost_usd_kg (the offer's cost for one element; for several, the mean over
    the optimized tonnes, else over the offered capacity), offers (elements offered),
    baseline_t/optimized_t/change_t, baseline_share/optimized_share/change_share,
    baseline_usd/optimized_usd/change_usd, baseline_supplies/optimized_supplies (text).
    """
    ds = solution.dataset
    elements = _elements(solution, element)
    weighting = solution.policy.weights
    out = ds.suppliers.loc[:, list(SUPPLIER_COLUMNS)].copy()
    out["blocs"] = out["blocs"].fillna("").astype(str)
    offers = ds.offers[ds.offers["element"].isin(elements)]
    grouped = offers.groupby("supplier")
    out["capacity_t"] = grouped["capacity_t"].sum().reindex(out.index, fill_value=0.0)
    spend = (offers["capacity_t"] * offers["cost_usd_kg"]).groupby(offers["supplier"]).sum()
    mean_offer = (spend / out["capacity_t"].where(out["capacity_t"] > 0)).reindex(out.index)
    out["offers"] = grouped["element"].agg(lambda s: ", ".join(s)).reindex(out.index).fillna("")
    values = {}
    for view in ("baseline", "optimized"):
        mix = mix_of(solution, view)
        v = supplier_values(ds, mix, elements, weighting)
        for suffix in ("t", "share", "usd"):
            values[f"{view}_{suffix}"] = v[suffix]
        values[f"{view}_supplies"] = _supplies(mix, elements).reindex(out.index).fillna("")
    for suffix in ("t", "share", "usd"):
        values[f"change_{suffix}"] = values[f"optimized_{suffix}"] - values[f"baseline_{suffix}"]
    bought = values["optimized_usd"] / (values["optimized_t"] * 1000.0).where(
        values["optimized_t"] > 0
    )
    out["landed_cost_usd_kg"] = bought.fillna(mean_offer)
    if element is not None:
        cost = offers.set_index("supplier")["cost_usd_kg"]
        out["landed_cost_usd_kg"] = cost.reindex(out.index)
    order = [
        "baseline_t",
        "optimized_t",
        "change_t",
        "baseline_share",
        "optimized_share",
        "change_share",
        "baseline_usd",
        "optimized_usd",
        "change_usd",
        "baseline_supplies",
        "optimized_supplies",
    ]
    for c in order:
        out[c] = values[c]
    out.index.name = "supplier"
    return out.reset_index()


def map_frame(
    solution: Solution, element: str | None = None, boundaries: gpd.GeoDataFrame | None = None
) -> gpd.GeoDataFrame:
    """map_values joined onto every country's shape (NaN where a country is not a supplier):
    what the partner map draws and the GeoJSON export writes."""
    return geo.country_frame(map_values(solution, element), boundaries, key="supplier")


def domestic_values(
    values: pd.DataFrame, boundaries: gpd.GeoDataFrame | None = None
) -> pd.DataFrame:
    """The rows of map_values whose supplier has no shape (domestic recycling, stockpiles)."""
    missing = set(geo.missing_geometries(values["supplier"], boundaries))
    return values[values["supplier"].isin(missing)].reset_index(drop=True)


def flows(
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


def mix_table(solution: Solution) -> pd.DataFrame:
    """Per element and supplier, today's mix beside the optimized one: element, supplier, name,
    baseline_t, optimized_t, change_t, baseline_share, optimized_share, change_share (shares of
    the element's demand), cost_usd_kg (landed), baseline_usd, optimized_usd. Elements in the
    dataset's order, the largest optimized supplier first."""
    ds = solution.dataset
    scope = solution.scope
    base = mix_of(solution, "baseline").groupby(["element", "supplier"])["tonnes"].sum()
    opt = mix_of(solution, "optimized").groupby(["element", "supplier"])["tonnes"].sum()
    index = base.index.union(opt.index)
    out = pd.DataFrame(
        {
            "baseline_t": base.reindex(index, fill_value=0.0),
            "optimized_t": opt.reindex(index, fill_value=0.0),
        }
    ).reset_index()
    out["change_t"] = out["optimized_t"] - out["baseline_t"]
    demand = out["element"].map(ds.elements["demand_t"])
    for c in ("baseline", "optimized", "change"):
        out[f"{c}_share"] = out[f"{c}_t"] / demand
    cost = ds.offers.set_index(["supplier", "element"])["cost_usd_kg"]
    keys = pd.MultiIndex.from_frame(out[["supplier", "element"]])
    out["cost_usd_kg"] = cost.reindex(keys).to_numpy()
    for c in ("baseline", "optimized"):
        out[f"{c}_usd"] = out[f"{c}_t"] * out["cost_usd_kg"].fillna(0.0) * 1000.0
    out.insert(2, "name", out["supplier"].map(ds.suppliers["name"]))
    rank = {e: i for i, e in enumerate(scope)}
    out = out.assign(_rank=out["element"].map(rank)).sort_values(
        ["_rank", "optimized_t", "baseline_t"], ascending=[True, False, False]
    )
    return out.drop(columns="_rank").reset_index(drop=True)


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
