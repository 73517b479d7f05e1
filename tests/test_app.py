"""The Streamlit app, driven headless with AppTest: it loads, its numbers are the library's for
the same policy, bad uploads are reported by file/row/column without losing the session, and its
policy export reproduces the run through the command line."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from optimizer import Policy, cli, export, geo, load_dataset, optimize
from optimizer.dataset import BUNDLED_DATA
from optimizer.ui import format as fmt
from optimizer.ui import sidebar, state

APP = str(Path(__file__).resolve().parent.parent / "app.py")
TABS = ["Overview", "Allocation", "Partner map", "Frontier", "Constraints", "Export"]


@pytest.fixture(scope="module")
def dataset():
    return load_dataset()


@pytest.fixture
def app() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    return at


def metric(at: AppTest, label: str) -> str:
    found = [m.value for m in at.metric if m.label == label]
    assert found, f"no metric {label!r} among {[m.label for m in at.metric]}"
    return found[0]


def csv_zip(tables: dict[str, pd.DataFrame]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        for name, frame in tables.items():
            z.writestr(f"{name}.csv", frame.to_csv(index=False))
    return buffer.getvalue()


def bundled_tables() -> dict[str, pd.DataFrame]:
    return {
        p.stem: pd.read_csv(p, dtype=str, keep_default_na=False)
        for p in sorted(BUNDLED_DATA.glob("*.csv"))
    }


def test_app_loads(app, dataset):
    assert app.title[0].value == "Rare-earth sourcing for Korea"
    assert [t.label for t in app.tabs] == TABS
    expected = optimize(dataset, Policy())
    assert app.session_state["policy"] == Policy()
    assert metric(app, "China share") == fmt.pct(expected.portfolio["china_share"])
    assert metric(app, "Cost of the optimized mix") == fmt.usd(expected.total_cost_usd)
    assert metric(app, "Portfolio HHI (0-1)") == fmt.index(expected.portfolio["hhi"])
    footer = " ".join(c.value for c in app.sidebar.caption)
    assert dataset.as_of in footer and dataset.fingerprint[:12] in footer


def test_every_tab_renders(app):
    for tab in TABS:
        app.session_state["view"] = tab
        app.run()
        assert not app.exception, (tab, app.exception)
        assert not app.error, (tab, [e.value for e in app.error])


def test_lower_china_cap_lowers_the_china_share(app, dataset):
    before = optimize(dataset, Policy()).portfolio["china_share"]
    app.sidebar.slider(key=sidebar.CHINA_CAP).set_value(50).run()
    assert not app.exception
    policy = Policy(caps={"CHN": 0.5})
    assert app.session_state["policy"] == policy
    after = optimize(dataset, policy).portfolio["china_share"]
    assert after < before
    assert metric(app, "China share") == fmt.pct(after)
    assert fmt.pct(after) != fmt.pct(before)


def test_objective_changes_results_as_the_library_says(app, dataset):
    app.sidebar.selectbox(key=sidebar.OBJECTIVE).set_value("max-share").run()
    assert not app.exception
    expected = optimize(dataset, Policy(objective="max-share"))
    assert app.session_state["policy"] == Policy(objective="max-share")
    assert metric(app, "Cost of the optimized mix") == fmt.usd(expected.total_cost_usd)
    assert metric(app, "Portfolio HHI (0-1)") == fmt.index(expected.portfolio["hhi"])
    assert metric(app, "China share") == fmt.pct(expected.portfolio["china_share"])


@pytest.mark.parametrize("preset", ["forge-first", "korea-2030", "eu-crma"])
def test_preset_changes_results_as_the_library_says(app, dataset, preset):
    app.sidebar.selectbox(key=sidebar.PRESET).set_value(preset).run()
    assert not app.exception
    expected_policy = Policy.from_preset(preset)
    assert app.session_state["policy"] == expected_policy
    expected = optimize(dataset, expected_policy)
    assert metric(app, "China share") == fmt.pct(expected.portfolio["china_share"])
    assert metric(app, "FORGE share") == fmt.pct(expected.portfolio["forge_share"])
    if expected.status == "shortfall":
        warned = " ".join(w.value for w in app.warning)
        assert expected.shortfalls["explanation"].iloc[0] in warned


def test_cap_tables_reach_the_policy(app, dataset):
    """Other suppliers' caps and per-element overrides (the sidebar's editable tables)."""
    app.session_state[sidebar.CAPS] = pd.DataFrame({"supplier": ["VNM"], "cap_pct": [30.0]})
    app.session_state[sidebar.ELEMENT_CAPS] = pd.DataFrame(
        {"element": ["Dy", "Nd"], "supplier": ["CHN", "CHN"], "cap_pct": [70.0, None]}
    )
    app.run()
    assert not app.exception
    policy = Policy(caps={"VNM": 0.3}, element_caps={"Dy": {"CHN": 0.7}})  # blank row ignored
    assert app.session_state["policy"] == policy
    expected = optimize(dataset, policy)
    assert metric(app, "China share") == fmt.pct(expected.portfolio["china_share"])


def test_impossible_policy_is_explained_and_last_results_kept(app):
    shown = metric(app, "China share")
    app.sidebar.multiselect(key=sidebar.ELEMENTS).set_value([]).run()
    assert not app.exception
    errors = " ".join(e.value for e in app.error)
    assert "none of the chosen elements has demand" in errors
    assert metric(app, "China share") == shown
    assert any("last valid result" in w.value for w in app.warning)


def test_partner_map_is_offline_and_has_every_country(app):
    app.session_state["view"] = "Partner map"
    app.run()
    assert not app.exception
    chart = app.get("plotly_chart")[0]
    spec = json.loads(chart.proto.spec)
    config = json.loads(chart.proto.config)
    choropleth = spec["data"][0]
    assert choropleth["type"] == "choropleth"
    assert len(choropleth["locations"]) == len(geo.load_boundaries())
    assert config["topojsonURL"] == "/app/static/"
    stub = Path(APP).parent / "static" / "world_110m.json"
    assert json.loads(stub.read_text())["type"] == "Topology"
    assert any(geo.ATTRIBUTION in c.value for c in app.caption)
    domestic = app.main.dataframe[0].value
    assert {"domestic recycling", "KOMIR stockpile release"} <= set(domestic["name"])


def test_bad_zip_upload_lists_problems_and_keeps_results(app, dataset):
    shown = metric(app, "China share")
    tables = bundled_tables()
    tables["elements"].loc[1, "demand_t"] = "lots"  # file row 3 (header is row 1)
    app.sidebar.file_uploader[0].set_value(("broken.zip", csv_zip(tables), "application/zip"))
    app.run()
    assert not app.exception
    assert any("broken.zip was not loaded" in e.value for e in app.error)
    table = app.main.dataframe[0].value
    row = table.iloc[0]
    assert row["file"] == "broken.zip: elements.csv"
    assert row["row"] == 3
    assert row["column"] == "demand_t"
    assert row["value"] == "lots"
    assert metric(app, "China share") == shown
    assert app.session_state[state.DATASET].fingerprint == dataset.fingerprint


def test_bad_xlsx_upload_is_reported(app, dataset):
    app.sidebar.file_uploader[0].set_value(("sheets.xlsx", b"not a workbook", "application/zip"))
    app.run()
    assert not app.exception
    table = app.main.dataframe[0].value
    assert table.iloc[0]["file"] == "sheets.xlsx"
    assert "not a readable .xlsx workbook" in table.iloc[0]["problem"]
    assert app.session_state[state.DATASET].fingerprint == dataset.fingerprint


def test_good_upload_is_used_then_a_bad_one_keeps_it(app, tmp_path):
    tables = bundled_tables()
    offers = tables["offers"]
    china_nd = (offers["supplier"] == "CHN") & (offers["element"] == "Nd")
    offers.loc[china_nd, "cost_usd_kg"] = "90"  # dearer Chinese Nd
    data = csv_zip(tables)
    app.sidebar.file_uploader[0].set_value(("mine.zip", data, "application/zip"))
    app.run()
    assert not app.exception
    (tmp_path / "mine.zip").write_bytes(data)
    mine = load_dataset(tmp_path / "mine.zip")
    assert app.session_state[state.DATASET].fingerprint == mine.fingerprint
    expected = optimize(mine, Policy())
    assert metric(app, "Cost of the optimized mix") == fmt.usd(expected.total_cost_usd)
    shown = metric(app, "China share")

    tables["baseline"] = tables["baseline"].drop(columns="share")
    app.sidebar.file_uploader[0].set_value(("worse.zip", csv_zip(tables), "application/zip"))
    app.run()
    assert not app.exception
    assert any("worse.zip was not loaded" in e.value for e in app.error)
    problems = app.main.dataframe[0].value
    assert (problems["column"] == "share").any()
    assert app.session_state[state.DATASET].fingerprint == mine.fingerprint
    assert metric(app, "China share") == shown


def test_handle_upload_keeps_the_session_on_failure(dataset, tmp_path):
    session = {state.DATASET: dataset, state.SOLUTION: "last good"}
    tables = bundled_tables()
    tables["suppliers"].loc[0, "wgi_risk"] = "12"  # outside 0-10
    assert not state.handle_upload(session, csv_zip(tables), "risky.zip")
    name, problems = session[state.UPLOAD_PROBLEMS]
    assert name == "risky.zip"
    p = problems[0]
    assert (p.where, p.row, p.column) == ("risky.zip: suppliers.csv", 2, "wgi_risk")
    assert session[state.DATASET] is dataset
    assert session[state.SOLUTION] == "last good"
    frame = state.problem_table(problems)
    assert list(frame.columns) == ["file", "row", "column", "value", "problem"]

    assert not state.handle_upload(session, b"plain text", "notes.txt")
    assert "upload an .xlsx workbook or a .zip" in session[state.UPLOAD_PROBLEMS][1][0].message

    book = tmp_path / "good.xlsx"
    with pd.ExcelWriter(book) as xl:
        for name, frame in bundled_tables().items():
            frame.to_excel(xl, sheet_name=name, index=False)
    assert state.handle_upload(session, book.read_bytes(), "good.xlsx")
    assert session[state.DATASET].fingerprint == dataset.fingerprint
    assert session[state.DATASET].origin == "good.xlsx"
    assert session[state.UPLOAD_PROBLEMS] is None


@pytest.mark.parametrize(
    ("preset", "changes"),
    [
        (None, {}),
        (None, {sidebar.CHINA_CAP: 45, sidebar.bloc_key("FORGE"): 20, sidebar.PREMIUM: 25}),
        # a preset, then tightened: the label stays, the CLI layers the file over the preset
        ("korea-2030", {sidebar.COUNTRY_CAP: 40}),
        # a preset whose China cap was removed: the label must go, or the preset's cap returns
        ("forge-first", {sidebar.CHINA_CAP: 100}),
    ],
)
def test_policy_yaml_reproduces_the_run_through_the_cli(dataset, tmp_path, preset, changes):
    values = sidebar.defaults(dataset)
    if preset:
        values.update(sidebar.preset_values(preset, dataset), **{sidebar.PRESET: preset})
    values.update(changes)
    policy = sidebar.build_policy(values, dataset)
    path = tmp_path / "policy.yaml"
    path.write_text(export.policy_yaml(policy), encoding="utf-8")
    app_csv, cli_csv = tmp_path / "app.csv", tmp_path / "cli.csv"
    export.write_allocation(optimize(dataset, policy), app_csv)
    assert cli.main(["solve", "--policy", str(path), "--out", str(cli_csv), "--quiet"]) == 0
    pd.testing.assert_frame_equal(pd.read_csv(app_csv), pd.read_csv(cli_csv))


def test_preset_label_only_when_reproducible(dataset):
    preset = {**sidebar.preset_values("korea-2030", dataset), sidebar.PRESET: "korea-2030"}
    kept = sidebar.build_policy({**sidebar.defaults(dataset), **preset}, dataset)
    assert kept.preset == "korea-2030"
    assert kept == Policy.from_preset("korea-2030")
    dropped = sidebar.build_policy(
        {**sidebar.defaults(dataset), **preset, sidebar.COUNTRY_CAP: 100}, dataset
    )
    assert dropped.preset is None and dropped.country_cap is None


def test_export_files_are_what_the_library_writes(dataset, tmp_path):
    import openpyxl
    import yaml

    solution = optimize(dataset, Policy(caps={"CHN": 0.7}))
    xlsx = tmp_path / "a.xlsx"
    xlsx.write_bytes(state.deferred_file(solution, "xlsx")())
    assert "allocation" in openpyxl.load_workbook(xlsx, read_only=True).sheetnames
    data = json.loads(state.deferred_file(solution, "json")())
    assert data["total_cost_usd"] == pytest.approx(solution.total_cost_usd)
    assert len(data["allocation"]) == len(solution.allocation)
    geojson = json.loads(state.deferred_file(solution, "geojson", "Nd")())
    assert len(geojson["features"]) == len(geo.load_boundaries())
    china = next(f for f in geojson["features"] if f["id"] == "CHN")["properties"]
    nd = solution.allocation.query("element == 'Nd' and supplier == 'CHN'")["tonnes"].sum()
    assert china["optimized_t"] == pytest.approx(nd)
    with zipfile.ZipFile(io.BytesIO(state.deferred_file(solution, "bundle")())) as z:
        names = {Path(n).name for n in z.namelist()}
        assert {"allocation.csv", "summary.json", "policy.yaml", "README.txt"} <= names
    policy = yaml.safe_load(state._WRITERS["yaml"](solution, None))
    assert policy["caps"] == {"CHN": 0.7}
