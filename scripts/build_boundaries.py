"""Build data/boundaries.parquet, the country shapes the maps and GeoJSON exports use.

Made with Natural Earth. Free vector and raster map data @ naturalearthdata.com (public domain).

Source: the Natural Earth 1:110m admin-0 countries layer that ships inside the pyogrio wheel
(pyogrio/tests/fixtures/naturalearth_lowres, 177 countries). That copy is found through the
installed pyogrio package; only this developer script reads it. The optimizer package reads the
derived file and never another package's tests folder, so it keeps working if pyogrio stops
shipping the fixture.

What the build fixes and trims:
- iso_a3 is -99 for five countries in the source. They get codes here, matched by `name`:
  France -> FRA and Norway -> NOR (their ISO 3166-1 codes); Kosovo -> XKX (the user-assigned code
  the EU, World Bank and IMF use; Kosovo has no ISO code); N. Cyprus -> CYN and Somaliland -> SOL
  (not ISO codes: project codes, the same as Natural Earth's own adm0_a3 values, so that every
  shape has a unique key).
- Columns kept: iso3, name, continent, geometry (EPSG:4326); pop_est and gdp_md_est are dropped.
- Coordinates are snapped to a 0.001 degree grid (about 110 m) with shapely.set_precision, which
  keeps every polygon valid; at 1:110m the source is nowhere near that accurate, and the file
  shrinks from about 185 KB to under 100 KB.
- Polygon rings are oriented as RFC 7946 asks (exterior counter-clockwise, holes clockwise).
- Rows are sorted by iso3 and written with a fixed schema and compression, so the same inputs
  and library versions give byte-identical files.

Known source quirks left as they are: no microstates (no Singapore, Hong Kong, Bahrain); France
includes French Guiana.

Usage: python scripts/build_boundaries.py [--out PATH]
"""

from __future__ import annotations

import argparse
import importlib.util
import io
import os
import sys
from pathlib import Path

import geopandas as gpd
import pyarrow.parquet as pq
import shapely

from optimizer.geo import orient_rfc7946

REPO = Path(__file__).resolve().parent.parent
DEFAULT_OUT = REPO / "data" / "boundaries.parquet"
ATTRIBUTION = "Made with Natural Earth. Free vector and raster map data @ naturalearthdata.com."
SOURCE_NOTE = (
    "Natural Earth 1:110m admin-0 countries (naturalearth_lowres, as shipped in pyogrio), built by "
    "scripts/build_boundaries.py: -99 codes fixed (FRA, NOR, XKX, CYN, SOL), coordinates snapped "
    "to 0.001 degrees"
)
GRID_DEGREES = 0.001

# Countries whose iso_a3 is -99 in the source, keyed by the source's `name` column.
CODE_FIXES = {
    "France": "FRA",
    "Norway": "NOR",
    "Kosovo": "XKX",
    "N. Cyprus": "CYN",  # project code (Natural Earth adm0_a3); not ISO 3166-1
    "Somaliland": "SOL",  # project code (Natural Earth adm0_a3); not ISO 3166-1
}


def source_path() -> Path:
    """The Natural Earth shapefile inside the installed pyogrio package."""
    spec = importlib.util.find_spec("pyogrio")
    if spec is None or spec.origin is None:
        raise SystemExit("pyogrio is not installed; install the project's dependencies first.")
    path = (
        Path(spec.origin).parent
        / "tests"
        / "fixtures"
        / "naturalearth_lowres"
        / "naturalearth_lowres.shp"
    )
    if not path.exists():
        raise SystemExit(f"Natural Earth fixture not found in this pyogrio install: {path}")
    return path


def boundaries_frame(source: Path | None = None) -> gpd.GeoDataFrame:
    """Read the source and return the cleaned frame (iso3, name, continent, geometry)."""
    raw = gpd.read_file(source or source_path(), engine="pyogrio")
    if raw.crs is None or raw.crs.to_epsg() != 4326:
        raw = raw.set_crs(4326, allow_override=True) if raw.crs is None else raw.to_crs(4326)

    iso3 = raw["iso_a3"].astype(str).str.strip()
    fixed = raw["name"].map(CODE_FIXES)
    iso3 = fixed.where(fixed.notna() & (iso3 == "-99"), iso3)
    unknown = raw.loc[iso3 == "-99", "name"].tolist()
    if unknown:
        raise SystemExit(f"iso_a3 is -99 for countries without a fix in CODE_FIXES: {unknown}")
    duplicated = sorted(set(iso3[iso3.duplicated()]))
    if duplicated:
        raise SystemExit(f"duplicate iso3 codes after fixing: {duplicated}")

    geometry = shapely.set_precision(raw.geometry.values, GRID_DEGREES)
    geometry = orient_rfc7946(geometry)
    out = gpd.GeoDataFrame(
        {
            "iso3": iso3.to_numpy(dtype=object),
            "name": raw["name"].astype(str).to_numpy(dtype=object),
            "continent": raw["continent"].astype(str).to_numpy(dtype=object),
        },
        geometry=gpd.array.from_shapely(geometry, crs="EPSG:4326"),
    )
    if not out.is_valid.all() or out.is_empty.any():
        bad = out.loc[~out.is_valid | out.is_empty, "iso3"].tolist()
        raise SystemExit(f"invalid or empty geometry after snapping to the grid: {bad}")
    return out.sort_values("iso3", kind="stable").reset_index(drop=True)


def build(out_path: Path | str = DEFAULT_OUT, source: Path | None = None) -> Path:
    """Write the boundary GeoParquet to out_path (atomically) and return the path.

    The attribution and the source go into the file's key-value metadata as well, so the file
    carries its provenance wherever it is copied.
    """
    out_path = Path(out_path)
    frame = boundaries_frame(source)
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False, schema_version="1.0.0", write_covering_bbox=False)
    table = pq.read_table(io.BytesIO(buffer.getvalue()))
    metadata = dict(table.schema.metadata or {})
    metadata[b"attribution"] = ATTRIBUTION.encode()
    metadata[b"source"] = SOURCE_NOTE.encode()
    table = table.replace_schema_metadata(metadata)

    out_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_path.with_name(f".{out_path.name}.{os.getpid()}.tmp")
    try:
        pq.write_table(table, tmp, compression="zstd")
        os.replace(tmp, out_path)
    finally:
        tmp.unlink(missing_ok=True)
    return out_path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"default: {DEFAULT_OUT}")
    args = parser.parse_args(argv)
    path = build(args.out)
    frame = gpd.read_parquet(path)
    print(f"wrote {path} ({path.stat().st_size:,} bytes, {len(frame)} countries). {ATTRIBUTION}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
