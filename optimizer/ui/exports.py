"""Export: the allocation (CSV, Excel, JSON), the map data (GeoJSON), the policy (YAML) and a
reproducible run bundle, all written by the library (optimizer.export, optimizer.geo)."""

from __future__ import annotations

import streamlit as st

from ..solution import Solution
from . import format as fmt
from . import partner_map, state


def render(solution: Solution) -> None:
    ds = solution.dataset
    element = partner_map.map_element(st.session_state)
    stage = partner_map.map_stage(st.session_state, solution)
    st.markdown(
        "Files for the current policy and dataset. Each carries what is needed to reproduce the "
        "run: the resolved policy, the dataset's origin, as-of date and sha256 fingerprint, and "
        "package versions (Excel: *policy* and *provenance* sheets; JSON: the summary)."
    )
    st.markdown("##### Allocation")
    c = st.columns(3)
    state.download(
        c[0],
        "Allocation (.csv)",
        state.export_file(solution, "csv"),
        file_name="allocation.csv",
        icon=":material/table:",
        help="One row per element and plant used: element, form, stage, plant, country, "
        "tonnes (t REO/yr), share (of the demand passing the stage), cost_usd_kg, cost_usd",
    )
    state.download(
        c[1],
        "Allocation and reports (.xlsx)",
        state.deferred_file(solution, "xlsx"),
        file_name="allocation.xlsx",
        icon=":material/grid_on:",
        key="download_xlsx",
        help="Sheets: allocation, summary, elements, shadow prices, shortfalls, policy, provenance.",
    )
    state.download(
        c[2],
        "Allocation with summary (.json)",
        state.deferred_file(solution, "json"),
        file_name="allocation.json",
        icon=":material/data_object:",
    )
    st.markdown("##### Flows along the chain")
    c = st.columns(3)
    for column, view, label in (
        (c[0], "optimized", "Optimized flows (.csv)"),
        (c[1], "baseline", "Today's flows (.csv)"),
    ):
        state.download(
            column,
            label,
            state.deferred_file(solution, "flows", view),
            file_name=f"flows-{view}.csv",
            icon=":material/conversion_path:",
            key=f"download_flows_{view}",
            help="Every flow plant to plant and into Korea: element, from_plant, from_country, "
            "from_stage, to_plant, to_country, to_stage, tonnes (t REO/yr).",
        )
    st.markdown("##### Map and policy")
    c = st.columns(3)
    shown = "all elements in scope" if element is None else element
    state.download(
        c[0],
        "Map data (.geojson)",
        state.deferred_file(solution, "geojson", (element, stage)),
        file_name=f"partner-map-{element or 'all'}-{stage}.geojson",
        icon=":material/public:",
        help=f"Every country's shape with today's, the optimized and the change in tonnes, "
        f"share and USD ({shown}, {stage} stage, as on the partner map). Made with Natural "
        "Earth.",
    )
    state.download(
        c[1],
        "Policy (.yaml)",
        state.export_file(solution, "yaml"),
        file_name="policy.yaml",
        icon=":material/tune:",
    )
    state.download(
        c[2],
        "Run bundle (.zip)",
        state.deferred_file(solution, "bundle"),
        file_name="ree-sourcing-run.zip",
        icon=":material/folder_zip:",
        help="allocation.csv, summary.json, policy.yaml and a README with the command that "
        "reproduces the run.",
    )
    data = (
        ""
        if ds.origin.endswith("/data") or st.session_state.get(state.UPLOAD_NAME) is None
        else f" --data {ds.origin}"
    )
    st.markdown("Reproduce this run from the command line (same dataset, same package versions):")
    st.code(f"ree-sourcing solve{data} --policy policy.yaml --out allocation.csv", language="bash")
    st.caption(
        f"Dataset sha256 `{ds.fingerprint}` · as of {ds.as_of} · "
        f"optimized cost {fmt.usd(solution.total_cost_usd)}/yr."
    )
    with st.expander("Policy YAML"):
        st.code(state.export_file(solution, "yaml").decode("utf-8"), language="yaml")
