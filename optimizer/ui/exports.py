"""Export: the allocation (CSV, Excel, JSON), the map data (GeoJSON), the policy (YAML) and a
reproducible run bundle, all written by the library (optimizer.export, optimizer.geo)."""

from __future__ import annotations

import streamlit as st

from ..solution import Solution
from . import format as fmt
from . import partner_map, state

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def render(solution: Solution) -> None:
    ds = solution.dataset
    element = partner_map.map_element(st.session_state)
    st.markdown(
        "Files for the current policy and dataset. Each carries what is needed to reproduce the "
        "run: the resolved policy, the dataset's origin, as-of date and sha256 fingerprint, and "
        "package versions (Excel: *policy* and *provenance* sheets; JSON: the summary)."
    )
    st.markdown("##### Allocation")
    c = st.columns(3)
    c[0].download_button(
        "Allocation (.csv)",
        state.export_file(solution, "csv"),
        file_name="allocation.csv",
        mime="text/csv",
        on_click="ignore",
        width="stretch",
        icon=":material/table:",
        help="element, supplier, tonnes (t REO/yr), share (of demand), cost_usd_kg, cost_usd",
    )
    c[1].download_button(
        "Allocation and reports (.xlsx)",
        state.deferred_file(solution, "xlsx"),
        file_name="allocation.xlsx",
        mime=XLSX,
        on_click="ignore",
        width="stretch",
        icon=":material/grid_on:",
        key="download_xlsx",
        help="Sheets: allocation, summary, elements, shadow prices, shortfalls, policy, provenance.",
    )
    c[2].download_button(
        "Allocation with summary (.json)",
        state.deferred_file(solution, "json"),
        file_name="allocation.json",
        mime="application/json",
        on_click="ignore",
        width="stretch",
        icon=":material/data_object:",
    )
    st.markdown("##### Map and policy")
    c = st.columns(3)
    shown = "all elements in scope" if element is None else element
    c[0].download_button(
        "Map data (.geojson)",
        state.deferred_file(solution, "geojson", element),
        file_name=f"partner-map-{element or 'all'}.geojson",
        mime="application/geo+json",
        on_click="ignore",
        width="stretch",
        icon=":material/public:",
        help=f"Every country's shape with today's, the optimized and the change in tonnes, "
        f"share and USD ({shown}, as on the partner map). Made with Natural Earth.",
    )
    c[1].download_button(
        "Policy (.yaml)",
        state.export_file(solution, "yaml"),
        file_name="policy.yaml",
        mime="application/x-yaml",
        on_click="ignore",
        width="stretch",
        icon=":material/tune:",
    )
    c[2].download_button(
        "Run bundle (.zip)",
        state.deferred_file(solution, "bundle"),
        file_name="ree-sourcing-run.zip",
        mime="application/zip",
        on_click="ignore",
        width="stretch",
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
