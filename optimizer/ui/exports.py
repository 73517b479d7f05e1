"""Export: a briefing for a meeting (HTML, in the language shown), the allocation (CSV, Excel,
JSON), the map data (GeoJSON), the policy (YAML) and a reproducible run bundle, all written by
the library (optimizer.export, optimizer.geo, optimizer.reports.briefing)."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from ..reports import briefing
from ..solution import Solution
from . import format as fmt
from . import i18n, overview, partner_map, state
from .i18n import t


def briefing_file(solution: Solution, basis=None) -> Callable[[], bytes]:
    """The briefing, written when the user clicks: the language, money and dataset name are
    this session's, captured now (the click may be served outside the script run)."""
    lang = i18n.lang()
    money = fmt.money()
    words = overview.policy_in_words(solution.policy, solution, basis)
    name = st.session_state.get(state.UPLOAD_NAME)
    source = fmt.md(name) if name else None

    def build() -> bytes:
        fmt.use(money)
        return briefing.build(solution, lang, fmt.usd, words, source).encode("utf-8")

    return build


def briefing_pdf(solution: Solution, basis=None) -> Callable[[], bytes]:
    """The briefing printed to PDF (headless Chromium), written when the user clicks."""
    html_file = briefing_file(solution, basis)

    def build() -> bytes:
        return briefing.to_pdf(html_file().decode("utf-8"))

    return build


def render(solution: Solution) -> None:
    ds = solution.dataset
    ss = st.session_state
    element = partner_map.map_element(ss)
    stage = partner_map.map_stage(ss, solution)
    st.markdown(t("export.intro"))
    st.markdown("##### " + t("export.briefing"))
    c = st.columns(3)
    basis = ss.get("budget_basis") if ss.get("policy") == solution.policy else None
    state.download(
        c[0],
        t("export.briefing_button"),
        briefing_file(solution, basis),
        file_name=f"ree-briefing-{i18n.lang()}.html",
        icon=":material/description:",
        key="download_briefing",
        help=t("export.briefing_help"),
    )
    if briefing.chromium():
        state.download(
            c[1],
            t("export.briefing_pdf"),
            briefing_pdf(solution, basis),
            file_name=f"ree-briefing-{i18n.lang()}.pdf",
            icon=":material/picture_as_pdf:",
            key="download_briefing_pdf",
            help=t("export.briefing_pdf_help"),
        )
    else:
        c[1].caption(t("export.briefing_pdf_missing"))
    st.markdown("##### " + t("export.allocation"))
    c = st.columns(3)
    state.download(
        c[0],
        t("export.csv"),
        state.export_file(solution, "csv"),
        file_name="allocation.csv",
        icon=":material/table:",
        help=t("export.csv_help"),
    )
    state.download(
        c[1],
        t("export.xlsx"),
        state.deferred_file(solution, "xlsx"),
        file_name="allocation.xlsx",
        icon=":material/grid_on:",
        key="download_xlsx",
        help=t("export.xlsx_help"),
    )
    state.download(
        c[2],
        t("export.json"),
        state.deferred_file(solution, "json"),
        file_name="allocation.json",
        icon=":material/data_object:",
        key="download_json",
    )
    st.markdown("##### " + t("export.flows"))
    c = st.columns(3)
    for column, view, label in (
        (c[0], "optimized", t("export.flows_opt")),
        (c[1], "baseline", t("export.flows_today")),
    ):
        state.download(
            column,
            label,
            state.deferred_file(solution, "flows", view),
            file_name=f"flows-{view}.csv",
            icon=":material/conversion_path:",
            key=f"download_flows_{view}",
            help=t("export.flows_help"),
        )
    st.markdown("##### " + t("export.map_policy"))
    c = st.columns(3)
    shown = t("all_elements").lower() if element is None else element
    state.download(
        c[0],
        t("export.geojson"),
        state.deferred_file(solution, "geojson", (element, stage)),
        file_name=f"partner-map-{element or 'all'}-{stage}.geojson",
        icon=":material/public:",
        help=t("export.geojson_help", shown=fmt.md(shown), stage=stage),
    )
    state.download(
        c[1],
        t("export.yaml"),
        state.export_file(solution, "yaml"),
        file_name="policy.yaml",
        icon=":material/tune:",
    )
    state.download(
        c[2],
        t("export.bundle"),
        state.deferred_file(solution, "bundle"),
        file_name="ree-sourcing-run.zip",
        icon=":material/folder_zip:",
        help=t("export.bundle_help"),
    )
    # the server's own paths never appear: an upload is named by the user's file name
    upload = ss.get(state.UPLOAD_NAME)
    data = "" if upload is None else f" --data {_shell_word(upload)}"
    st.markdown(t("export.reproduce"))
    st.code(f"ree-sourcing solve{data} --policy policy.yaml --out allocation.csv", language="bash")
    st.caption(
        t(
            "export.footer",
            sha=ds.fingerprint,
            as_of=fmt.md(ds.as_of),
            cost=fmt.usd(solution.total_cost_usd),
        )
    )
    with st.expander(t("export.yaml_title")):
        st.code(state.export_file(solution, "yaml").decode("utf-8"), language="yaml")


def _shell_word(name: str) -> str:
    """A file name as one shell word (quoted when it needs it); shown in a code block, which
    renders text, never HTML."""
    import shlex

    return shlex.quote(str(name))
