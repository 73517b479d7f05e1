"""Country boundaries and map-ready frames, with no plotting toolkit.

The views draw maps and the exporters write GeoJSON from the frames built here, so both show the
same shapes and the same codes. Shapes come from data/boundaries.parquet, which
scripts/build_boundaries.py derives from Natural Earth 1:110m admin-0 countries (Made with Natural
Earth; public domain). Codes are ISO 3166-1 alpha-3, plus XKX (Kosovo), CYN (N. Cyprus) and SOL
(Somaliland). Natural Earth at this scale has no microstates (no Singapore, no Hong Kong), and
France's shape includes French Guiana.

Supplier codes that are not countries (domestic sources such as KOR-RECYCLING) have no shape:
country_frame drops them and missing_geometries names them, so a caller can list them beside the
map instead of losing them silently.
"""

from __future__ import annotations

import datetime as _dt
import decimal
import json
import math
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import shapely
from shapely.geometry import MultiPolygon, mapping
from shapely.geometry.base import BaseGeometry

if TYPE_CHECKING:  # geopandas loads in the functions that use it: the first page needs none
    import geopandas as gpd

from optimizer.errors import InputError, Problem

KOREA = "KOR"
"""ISO3 code of the Republic of Korea, where every flow on the maps ends."""

BOUNDARIES_PATH = Path(__file__).resolve().parent.parent / "data" / "boundaries.parquet"
"""The bundled boundary file (GeoParquet, EPSG:4326): columns iso3, name, continent, geometry."""

ATTRIBUTION = "Made with Natural Earth."
"""Credit line for maps and exports drawn from the bundled boundaries."""

GEOJSON_DECIMALS = 6
"""Coordinate decimals in GeoJSON exports (about 0.1 m), as RFC 7946 section 11.2 suggests."""

_BUILD_COMMAND = "python scripts/build_boundaries.py"
_BUILD_HINT = f"build it with `{_BUILD_COMMAND}`"


def load_boundaries(path: str | Path | None = None) -> gpd.GeoDataFrame:
    """Country shapes (iso3, name, continent, geometry) in EPSG:4326, one row per country.

    Read once per file and cached, since every map redraw needs them; the cache is keyed on the
    resolved path and the file's modification time, so a rebuilt file is picked up. Returns a copy,
    so a caller that edits the frame cannot change what the next caller gets.
    """
    resolved = Path(path if path is not None else BOUNDARIES_PATH).expanduser().resolve()
    try:
        stat = resolved.stat()
    except FileNotFoundError:
        command = _BUILD_COMMAND + ("" if resolved == BOUNDARIES_PATH else f" --out {resolved}")
        raise FileNotFoundError(
            f"Country boundary file not found: {resolved}; build it with `{command}`."
        ) from None
    return _read_boundaries(resolved, stat.st_mtime_ns, stat.st_size).copy()


@lru_cache(maxsize=8)
def _read_boundaries(path: Path, mtime_ns: int, size: int) -> gpd.GeoDataFrame:
    import geopandas as gpd

    where = str(path)
    try:
        frame = gpd.read_parquet(path)
    except Exception as exc:  # pyarrow and geopandas raise several types for a bad file
        raise InputError(
            Problem(where, f"cannot read as GeoParquet ({exc}); {_BUILD_HINT}")
        ) from exc
    if "iso3" not in frame.columns:
        raise InputError(
            Problem(where, "boundary file needs an ISO3 country code column", column="iso3")
        )
    if frame.crs is None:
        frame = frame.set_crs(4326)
    elif frame.crs.to_epsg() != 4326:
        frame = frame.to_crs(4326)
    codes = frame["iso3"]
    if codes.isna().any():
        raise InputError(Problem(where, "country code is blank in some rows", column="iso3"))
    frame["iso3"] = codes.astype(str)
    duplicated = sorted(set(frame.loc[frame["iso3"].duplicated(), "iso3"]))
    if duplicated:
        raise InputError(
            Problem(where, "each country must appear once", column="iso3", value=duplicated[0])
        )
    return frame.reset_index(drop=True)


def country_frame(
    values: pd.DataFrame,
    boundaries: gpd.GeoDataFrame | None = None,
    key: str = "supplier",
) -> gpd.GeoDataFrame:
    """Join per-country values onto every country's shape, for choropleths and GeoJSON exports.

    Every country in `boundaries` keeps its row (NaN where `values` has nothing), so a map shows
    the whole world rather than only current suppliers. `values[key]` holds ISO3 codes (`key` may
    also be the index name); in the result that column is `iso3`. Rows whose code is not a country
    in `boundaries` (domestic sources such as KOR-RECYCLING) are dropped; use missing_geometries
    to list them. A value column whose name clashes with a boundary column (`name`, `continent`,
    `geometry`) gets the suffix `_value`. Several rows for one country give several rows for it.
    """
    shapes = load_boundaries() if boundaries is None else boundaries
    if key not in values.columns:
        if key in (values.index.names or []):
            values = values.reset_index()
        else:
            raise KeyError(
                f"values has no column {key!r} with country codes "
                f"(columns: {', '.join(map(str, values.columns))})"
            )
    data = pd.DataFrame(values)
    if key != "iso3":
        data = data.drop(columns="iso3", errors="ignore").rename(columns={key: "iso3"})
    data = data[data["iso3"].isin(set(shapes["iso3"]))]
    data = data.astype({"iso3": str})
    merged = shapes.merge(data, on="iso3", how="left", suffixes=("", "_value"))
    geom_name = shapes.geometry.name
    order = [c for c in merged.columns if c != geom_name] + [geom_name]  # geometry last
    import geopandas as gpd

    merged = gpd.GeoDataFrame(merged[order], geometry=geom_name, crs=shapes.crs)
    return merged.reset_index(drop=True)


def missing_geometries(
    codes: Iterable[str], boundaries: gpd.GeoDataFrame | None = None
) -> list[str]:
    """Codes from `codes` that have no shape (domestic sources, microstates, typos), in order.

    Lets a view say which suppliers a map cannot show instead of dropping them silently.
    """
    shapes = load_boundaries() if boundaries is None else boundaries
    known = set(shapes.loc[_has_shape(shapes), "iso3"])
    return [code for code in _unique(codes) if code not in known]


def centroids(
    codes: Iterable[str] | None = None, boundaries: gpd.GeoDataFrame | None = None
) -> pd.DataFrame:
    """One point (iso3, lon, lat) inside each country, where flow lines into Korea start.

    A plain centroid can fall outside a country (or in the sea); a representative point is always
    inside it. It is taken on the country's largest part, so Norway's point is on the mainland, not
    on Svalbard, and France's in Europe, not in French Guiana. `codes=None` means every country;
    codes without a shape are left out (see missing_geometries). Order follows `codes`.
    """
    shapes = load_boundaries() if boundaries is None else boundaries
    shapes = shapes.loc[_has_shape(shapes)]
    if codes is not None:
        known = set(shapes["iso3"])
        order = [code for code in _unique(codes) if code in known]
        shapes = shapes.set_index("iso3").loc[order].reset_index()
    if shapes.crs is not None and shapes.crs.to_epsg() != 4326:
        shapes = shapes.to_crs(4326)
    points = shapely.point_on_surface([_largest_part(g) for g in shapes.geometry.values])
    return pd.DataFrame(
        {
            "iso3": shapes["iso3"].astype(str).to_numpy(dtype=object),
            "lon": shapely.get_x(points).astype(float),
            "lat": shapely.get_y(points).astype(float),
        }
    )


def to_geojson(gdf: gpd.GeoDataFrame) -> str:
    """RFC 7946 FeatureCollection text, for exports other GIS tools open as they are.

    RFC 7946 fixes the coordinate system to WGS 84 lon/lat, so other CRSs are reprojected (a frame
    with no CRS is taken as lon/lat already); polygon exteriors are counter-clockwise; coordinates
    keep GEOJSON_DECIMALS decimals. Every non-geometry column becomes a property; NaN, NA, NaT and
    infinities become null, numpy scalars plain numbers, timestamps ISO 8601 text. Feature ids are
    the iso3 codes when the frame has a unique iso3 column.
    """
    frame = gdf
    if frame.crs is not None and frame.crs.to_epsg() != 4326:
        frame = frame.to_crs(4326)
    geom_name = frame.geometry.name
    geoms = np.asarray(frame.geometry.values, dtype=object)
    geoms = orient_rfc7946(shapely.transform(geoms, lambda xy: np.round(xy, GEOJSON_DECIMALS)))
    columns = [c for c in frame.columns if c != geom_name]
    ids = None
    if "iso3" in frame.columns and frame["iso3"].notna().all() and frame["iso3"].is_unique:
        ids = [str(code) for code in frame["iso3"]]

    features = []
    for i, row in enumerate(frame[columns].itertuples(index=False, name=None)):
        geom = geoms[i]
        feature: dict[str, Any] = {"type": "Feature"}
        if ids is not None:
            feature["id"] = ids[i]
        feature["properties"] = {str(c): _json_value(v) for c, v in zip(columns, row, strict=True)}
        feature["geometry"] = None if geom is None or geom.is_empty else mapping(geom)
        features.append(feature)
    collection = {"type": "FeatureCollection", "features": features}
    return json.dumps(collection, allow_nan=False, ensure_ascii=False, default=str)


def _has_shape(shapes: gpd.GeoDataFrame) -> pd.Series:
    return shapes.geometry.notna() & ~shapes.geometry.is_empty


def _unique(codes: Iterable[str]) -> list[str]:
    if isinstance(codes, str):  # one code, not its letters
        codes = [codes]
    return list(dict.fromkeys(str(code) for code in codes))


def _largest_part(geom: BaseGeometry) -> BaseGeometry:
    """The part with the largest area, areas in square degrees scaled by cos(latitude)."""
    parts = getattr(geom, "geoms", None)
    if not parts:
        return geom
    areas = [p.area * math.cos(math.radians(p.centroid.y)) for p in parts]
    return parts[int(np.argmax(areas))]


def orient_rfc7946(geoms: np.ndarray) -> np.ndarray:
    """Exterior rings counter-clockwise, holes clockwise (RFC 7946 section 3.1.6)."""
    if hasattr(shapely, "orient_polygons"):  # shapely >= 2.1
        return shapely.orient_polygons(geoms, exterior_cw=False)
    from shapely.geometry.polygon import orient

    def one(g: BaseGeometry | None) -> BaseGeometry | None:
        if g is None or g.is_empty:
            return g
        if g.geom_type == "Polygon":
            return orient(g, 1.0)
        if g.geom_type == "MultiPolygon":
            return MultiPolygon([orient(p, 1.0) for p in g.geoms])
        return g

    return np.array([one(g) for g in geoms], dtype=object)


def _json_value(value: Any) -> Any:
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, np.datetime64 | np.timedelta64):
        if np.isnat(value):
            return None
        value = pd.Timestamp(value) if isinstance(value, np.datetime64) else pd.Timedelta(value)
    elif isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, bool | int | str):
        return value
    if isinstance(value, decimal.Decimal):
        return float(value) if value.is_finite() else None
    if isinstance(value, _dt.datetime | _dt.date | _dt.time | pd.Timedelta):
        return value.isoformat()
    if isinstance(value, list | tuple | np.ndarray):
        return [_json_value(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _json_value(v) for k, v in value.items()}
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return str(value)
