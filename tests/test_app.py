"""The Streamlit app, driven headless with AppTest: it loads, its numbers are the library's for
the same policy, stage by stage, the chain view draws both mixes, bad uploads are reported by
file/row/column without losing the session, and its policy export reproduces the run through
the command line."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest
from test_maps import chain_dataset

from optimizer import Policy, cli, export, geo, heatmaps, load_dataset, maps, optimize
from optimizer.dataset import BUNDLED_DATA
from optimizer.scenarios import monte_carlo, scenario_set, stress_test
from optimizer.session import sweep
from optimizer.ui import chain, disruptions, overview, partner_map, sensitivity, sidebar, state
from optimizer.ui import format as fmt

APP = str(Path(__file__).resolve().parent.parent / "app.py")
TABS = [
    "Overview",
    "Supply chain",
    "Allocation",
    "Partner map",
    "Frontier",
    "Scenarios",
    "Sensitivity",
    "Constraints",
    "Export",
]


@pytest.fixture(scope="module")
def dataset():
    return load_dataset()


@pytest.fixture
def app() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    return at


def china_label(solution) -> str:
    return overview.CHINA_WORST.format(stage=solution.worst_stage()[0])


def china(solution) -> str:
    """The headline China card's value: the optimized mix's worst stage."""
    return fmt.pct(solution.worst_stage()[1])


def shown_china(at: AppTest) -> str:
    found = [m.value for m in at.metric if m.label.startswith("China share")]
    assert found, [m.label for m in at.metric]
    return found[0]


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
    assert metric(app, china_label(expected)) == china(expected)
    assert metric(app, "Cost of the optimized mix") == fmt.usd(expected.total_cost_usd)
    assert metric(app, "Portfolio HHI (0-1)") == fmt.index(expected.portfolio["hhi"])
    footer = " ".join(c.value for c in app.sidebar.caption)
    assert dataset.as_of in footer and dataset.fingerprint[:12] in footer
    assert sidebar.plant_counts(dataset) in footer
    assert f"{len(dataset.plants)} plants: " in footer


def test_every_tab_renders(app):
    for tab in TABS:
        app.session_state["view"] = tab
        app.run()
        assert not app.exception, (tab, app.exception)
        assert not app.error, (tab, [e.value for e in app.error])


def test_lower_china_cap_lowers_the_china_share_at_every_stage(app, dataset):
    before = optimize(dataset, Policy())
    app.sidebar.slider(key=sidebar.CHINA_CAP).set_value(50).run()
    assert not app.exception
    policy = Policy(caps={"CHN": 0.5})
    assert app.session_state["policy"] == policy
    after = optimize(dataset, policy)
    assert after.worst_stage()[1] < before.worst_stage()[1]
    assert metric(app, china_label(after)) == china(after)
    assert china(after) != china(before)
    per_stage = after.stage_metrics
    supplied = per_stage["supplied_t"] > 0
    china_t = per_stage["china_share"] * per_stage["supplied_t"]  # the cap is on demand
    assert (china_t[supplied] <= 0.5 * per_stage["demand_t"][supplied] + 1e-6).all()


def test_objective_changes_results_as_the_library_says(app, dataset):
    app.sidebar.selectbox(key=sidebar.OBJECTIVE).set_value("max-share").run()
    assert not app.exception
    expected = optimize(dataset, Policy(objective="max-share"))
    assert app.session_state["policy"] == Policy(objective="max-share")
    assert metric(app, "Cost of the optimized mix") == fmt.usd(expected.total_cost_usd)
    assert metric(app, "Portfolio HHI (0-1)") == fmt.index(expected.portfolio["hhi"])
    assert metric(app, china_label(expected)) == china(expected)


@pytest.mark.parametrize("preset", ["forge-first", "korea-2030", "eu-crma"])
def test_preset_changes_results_as_the_library_says(app, dataset, preset):
    app.sidebar.selectbox(key=sidebar.PRESET).set_value(preset).run()
    assert not app.exception
    expected_policy = Policy.from_preset(preset)
    assert app.session_state["policy"] == expected_policy
    expected = optimize(dataset, expected_policy)
    assert metric(app, china_label(expected)) == china(expected)
    assert metric(app, "FORGE share") == fmt.pct(expected.portfolio["forge_share"])
    if expected.status == "shortfall":
        warned = " ".join(w.value for w in app.warning)
        assert expected.shortfalls["explanation"].iloc[0] in warned


def test_cap_tables_reach_the_policy(app, dataset):
    """Other suppliers' caps and per-element overrides (the sidebar's editable tables), at
    every stage (blank stage) or at one."""
    app.session_state[sidebar.CAPS] = pd.DataFrame(
        {"supplier": ["VNM", "MYS"], "stage": [None, "separation"], "cap_pct": [30.0, 40.0]}
    )
    app.session_state[sidebar.ELEMENT_CAPS] = pd.DataFrame(
        {
            "element": ["Dy", "Nd"],
            "supplier": ["CHN", "CHN"],
            "stage": ["separation", None],
            "cap_pct": [70.0, None],
        }
    )
    app.run()
    assert not app.exception
    policy = Policy(  # the blank row is ignored
        caps={"VNM": 0.3, "separation:MYS": 0.4}, element_caps={"Dy": {"separation:CHN": 0.7}}
    )
    assert app.session_state["policy"] == policy
    expected = optimize(dataset, policy)
    assert metric(app, china_label(expected)) == china(expected)


def test_stage_rule_and_year_reach_the_policy(app, dataset):
    app.sidebar.selectbox(key=sidebar.STAGE_RULE).set_value("sum").run()
    app.sidebar.number_input(key=sidebar.YEAR).set_value(2028).run()
    assert not app.exception
    policy = Policy(stage="sum", year=2028)
    assert app.session_state["policy"] == policy
    expected = optimize(dataset, policy)
    assert metric(app, "Cost of the optimized mix") == fmt.usd(expected.total_cost_usd)
    assert "risk summed over the stages" in overview.policy_in_words(policy)
    assert "plants producing by 2028" in overview.policy_in_words(policy)
    assert (
        sidebar.STAGE_RULE_LABELS["magnet"] in app.sidebar.selectbox(key=sidebar.STAGE_RULE).options
    )


def test_impossible_policy_is_explained_and_last_results_kept(app):
    shown = shown_china(app)
    app.sidebar.multiselect(key=sidebar.ELEMENTS).set_value([]).run()
    assert not app.exception
    errors = " ".join(e.value for e in app.error)
    assert "none of the chosen elements has demand" in errors
    assert shown_china(app) == shown
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
    shown = shown_china(app)
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
    assert shown_china(app) == shown
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
    capacity = tables["capacity"]
    china_nd = (capacity["plant"] == "CHN-SEP") & (capacity["element"] == "Nd")
    assert china_nd.any()
    capacity.loc[china_nd, "cost_usd_kg"] = "90"  # dearer Chinese Nd separation
    data = csv_zip(tables)
    app.sidebar.file_uploader[0].set_value(("mine.zip", data, "application/zip"))
    app.run()
    assert not app.exception
    (tmp_path / "mine.zip").write_bytes(data)
    mine = load_dataset(tmp_path / "mine.zip")
    assert app.session_state[state.DATASET].fingerprint == mine.fingerprint
    expected = optimize(mine, Policy())
    assert metric(app, "Cost of the optimized mix") == fmt.usd(expected.total_cost_usd)
    shown = shown_china(app)

    tables["baseline_flows"] = tables["baseline_flows"].drop(columns="tonnes")
    app.sidebar.file_uploader[0].set_value(("worse.zip", csv_zip(tables), "application/zip"))
    app.run()
    assert not app.exception
    assert any("worse.zip was not loaded" in e.value for e in app.error)
    problems = app.main.dataframe[0].value
    assert (problems["column"] == "tonnes").any()
    assert app.session_state[state.DATASET].fingerprint == mine.fingerprint
    assert shown_china(app) == shown


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
    geojson = json.loads(state.deferred_file(solution, "geojson", ("Nd", "separation"))())
    assert len(geojson["features"]) == len(geo.load_boundaries())
    china = next(f for f in geojson["features"] if f["id"] == "CHN")["properties"]
    nd = solution.allocation.query(
        "element == 'Nd' and country == 'CHN' and stage == 'separation'"
    )["tonnes"].sum()
    assert china["optimized_t"] == pytest.approx(nd) and china["stage"] == "separation"
    flows = pd.read_csv(io.BytesIO(state.deferred_file(solution, "flows", "optimized")()))
    assert flows["tonnes"].sum() == pytest.approx(solution.arc_flows["tonnes"].sum())
    today = pd.read_csv(io.BytesIO(state.deferred_file(solution, "flows", "baseline")()))
    assert len(today) == len(solution.baseline_flows)
    with zipfile.ZipFile(io.BytesIO(state.deferred_file(solution, "bundle")())) as z:
        names = {Path(n).name for n in z.namelist()}
        assert {"allocation.csv", "summary.json", "policy.yaml", "README.txt"} <= names
    policy = yaml.safe_load(state.export_file(solution, "yaml"))
    assert policy["caps"] == {"CHN": 0.7}


# --- Scenarios and Sensitivity tabs ----------------------------------------------------------


def chart_spec(at: AppTest, key: str) -> dict:
    """The figure JSON of the plotly chart with this widget key."""
    for chart in at.get("plotly_chart"):
        if chart.proto.id.endswith(f"-{key}"):  # element ids end with the user's key
            return json.loads(chart.proto.spec)
    raise AssertionError(f"no plotly chart {key!r}")


def plotly_array(value) -> list:
    """A figure JSON array, which plotly may write as a typed array {dtype, bdata}."""
    if isinstance(value, dict) and "bdata" in value:
        import base64

        import numpy as np

        return np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"]).tolist()
    return list(value)


def trace(spec: dict, name: str) -> dict:
    found = [t for t in spec["data"] if t.get("name") == name]
    assert found, f"no trace {name!r} among {[t.get('name') for t in spec['data']]}"
    return found[0]


def open_tab(at: AppTest, name: str) -> AppTest:
    at.session_state["view"] = name
    at.run()
    assert not at.exception, at.exception
    return at


def assert_grid_is_stress_test(heatmap: dict, table: pd.DataFrame, column: str, scale: float):
    """Every cell of the heatmap is stress_test's value (display units), 0 where it lists none."""
    scenarios, elements, z = heatmap["y"], heatmap["x"], heatmap["z"]
    listed = {(r["scenario"], r["element"]): r[column] for _, r in table.iterrows()}
    assert set(table["scenario"]) <= set(scenarios)
    assert set(table["element"]) <= set(elements)
    for i, sc in enumerate(scenarios):
        for j, e in enumerate(elements):
            assert z[i][j] == pytest.approx(listed.get((sc, e), 0.0) * scale, abs=1e-9), (sc, e)


@pytest.mark.parametrize(
    ("measure", "days"), [("short_share", 55), ("value_at_risk_usd", 55), ("uncovered_t", 0)]
)
def test_scenarios_heatmap_is_the_library_stress_test(app, dataset, measure, days):
    app.sidebar.slider(key=sidebar.STOCKPILE).set_value(days)
    app.session_state[disruptions.MEASURE] = measure
    open_tab(app, "Scenarios")
    assert app.session_state["policy"].stockpile_days == days
    solution = optimize(dataset, Policy(stockpile_days=days))
    spec = chart_spec(app, "stress_heatmap")
    scale = disruptions.MEASURES[measure][2]
    mixes = {
        "Today's mix": maps.mix_of(solution, "baseline"),
        "Optimized mix": maps.mix_of(solution, "optimized"),
    }
    for name, mix in mixes.items():
        table = stress_test(dataset, mix, None, days)
        heatmap = trace(spec, name)
        assert heatmap["x"] == solution.scope
        assert_grid_is_stress_test(heatmap, table, measure, scale)
        assert any(v > 0 for row in heatmap["z"] for v in row)


def test_scenario_change_view_is_optimized_minus_today(app, dataset):
    app.session_state[disruptions.MIX_VIEW] = "change"
    app.session_state[disruptions.MEASURE] = "short_t"
    open_tab(app, "Scenarios")
    solution = optimize(dataset, Policy())
    today = stress_test(dataset, maps.mix_of(solution, "baseline"), None, 55)
    opt = stress_test(dataset, maps.mix_of(solution, "optimized"), None, 55)
    heatmap = trace(chart_spec(app, "stress_heatmap"), "Optimized minus today")
    key = ["scenario", "element"]
    both = pd.merge(today, opt, on=key, how="outer", suffixes=("_t0", "_t1")).fillna(0.0)
    both["short_t"] = both["short_t_t1"] - both["short_t_t0"]
    assert_grid_is_stress_test(heatmap, both[[*key, "short_t"]], "short_t", 1.0)


def test_choosing_a_scenario_shows_it_and_marks_the_map(app, dataset):
    name = "myanmar-border-closure"
    open_tab(app, "Scenarios")
    app.selectbox(key=disruptions.PICK).set_value(name).run()
    assert not app.exception, app.exception
    rows = dataset.scenarios[dataset.scenarios["scenario"] == name]
    text = " ".join(m.value for m in app.markdown)
    assert rows["description"].iloc[0] in text
    assert f"{rows['probability'].iloc[0]:.0%}" in text
    assert f"{rows['duration_days'].iloc[0]:g} days" in text
    # the stress table for the scenario, both mixes, as the library gives it
    solution = optimize(dataset, Policy())
    shown = [d.value for d in app.main.dataframe if "stockpile_days_needed" in d.value.columns]
    assert len(shown) == 2
    for frame, view in zip(shown, maps.MIXES, strict=True):
        table = stress_test(dataset, maps.mix_of(solution, view), (name,), 55)
        assert list(frame["element"]) == list(table["element"])
        for column in ("short_t", "stockpile_days_needed", "spare_fill_t", "uncovered_t"):
            assert frame[column].to_numpy() == pytest.approx(table[column].to_numpy())
        assert frame["fill_premium_usd"].to_numpy() == pytest.approx(
            table["fill_premium_usd"].to_numpy()
        )

    # the partner map marks exactly the countries (of elements in scope) whose plants it slows
    open_tab(app, "Partner map")
    assert app.session_state[disruptions.PICK] == name
    arcs = heatmaps.scenario_arcs(dataset, solution.scope)
    ss = scenario_set(dataset, arcs, (name,))
    slowed = arcs["from"][ss.availability[0] < 1]
    hit = set(slowed.map(dataset.plants["country"]))
    with_shape = hit & set(geo.load_boundaries()["iso3"])
    assert "MMR" in with_shape
    spec = chart_spec(app, "partner_map")
    rings = trace(spec, f"Hit by {name}")
    assert set(rings["ids"]) == with_shape
    choropleth = spec["data"][0]
    colors = dict(zip(choropleth["locations"], choropleth["marker"]["line"]["color"], strict=True))
    assert {c for c, color in colors.items() if color != "#FFFFFF"} == with_shape
    assert any(name in m.value and "Myanmar" in m.value for m in app.markdown)

    # clearing it removes the marks
    app.button(key="clear_pick_map").click().run()
    assert not app.exception
    spec = chart_spec(app, "partner_map")
    assert not [t for t in spec["data"] if str(t.get("name", "")).startswith("Hit by")]


def test_monte_carlo_panel_is_the_library_monte_carlo(app, dataset):
    open_tab(app, "Scenarios")
    app.number_input(key=disruptions.SAMPLES).set_value(5_000)
    app.number_input(key=disruptions.SEED).set_value(7)
    app.button(key="run_mc").click().run()
    assert not app.exception, app.exception
    solution = optimize(dataset, Policy())
    tables = [d.value for d in app.main.dataframe if "prob_any" in d.value.columns]
    assert len(tables) == 2
    for frame, view in zip(tables, maps.MIXES, strict=True):
        mc = monte_carlo(dataset, maps.mix_of(solution, view), 5_000, 7).per_element
        assert list(frame["element"]) == list(mc.index)
        for column in ("mean_t", "stderr_t", "p90_t", "p99_t"):
            assert frame[column].to_numpy() == pytest.approx(mc[column].to_numpy())
        assert frame["prob_any"].to_numpy() == pytest.approx(mc["prob_any"].to_numpy() * 100)
    value = next(d.value for d in app.main.dataframe if "today_musd" in d.value.columns)
    today = monte_carlo(dataset, maps.mix_of(solution, "baseline"), 5_000, 7).value_lost_usd
    assert value["today_musd"].to_numpy() == pytest.approx(today.to_numpy() / 1e6)


def test_sensitivity_line_is_the_library_sweep(app, dataset):
    open_tab(app, "Sensitivity")
    app.selectbox(key=sensitivity.PARAM_Y).set_value(sensitivity.NONE).run()
    start, stop, points = sensitivity.range_keys("china_cap")
    app.number_input(key=start).set_value(40.0)
    app.number_input(key=stop).set_value(100.0)
    app.number_input(key=points).set_value(4)
    app.selectbox(key=sensitivity.MEASURE).set_value("hhi").run()
    assert not app.exception, app.exception
    app.button(key="run_sweep").click().run()
    assert not app.exception, app.exception
    grid = [0.4, 0.6, 0.8, 1.0]
    expected = sweep(dataset, Policy(), {"china_cap": grid})
    line = trace(chart_spec(app, "sweep_chart"), "Sweep")
    assert line["x"] == pytest.approx([v * 100 for v in grid])
    assert line["y"] == pytest.approx(expected["hhi"].tolist(), abs=1e-6)
    star = trace(chart_spec(app, "sweep_chart"), "Current policy")
    assert star["x"] == [100.0]
    assert star["y"][0] == pytest.approx(optimize(dataset, Policy()).portfolio["hhi"], abs=1e-6)
    # kept: the same policy and grid shows the same sweep without running it again
    open_tab(app, "Overview")
    open_tab(app, "Sensitivity")
    assert trace(chart_spec(app, "sweep_chart"), "Sweep")["y"] == line["y"]


def test_sensitivity_heatmap_is_the_library_sweep(app, dataset):
    app.sidebar.selectbox(key=sidebar.OBJECTIVE).set_value("cost").run()
    open_tab(app, "Sensitivity")
    options = app.selectbox(key=sensitivity.PARAM_X).options
    assert "Budget premium over least cost" not in options  # least cost has no budget
    app.selectbox(key=sensitivity.PARAM_Y).set_value("forge_min").run()
    start, stop, points = sensitivity.range_keys("forge_min")
    app.number_input(key=stop).set_value(20.0)
    app.number_input(key=points).set_value(3)
    app.selectbox(key=sensitivity.MEASURE).set_value("cost_usd").run()
    app.button(key="run_sweep").click().run()
    assert not app.exception, app.exception
    chinas = [0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0]
    forge = [0.0, 0.1, 0.2]
    expected = sweep(dataset, Policy(objective="cost"), {"forge_min": forge, "china_cap": chinas})
    heatmap = trace(chart_spec(app, "sweep_chart"), "Sweep")
    assert heatmap["x"] == pytest.approx([c * 100 for c in chinas])
    assert heatmap["y"] == pytest.approx([f * 100 for f in forge])
    for r in expected.itertuples(index=False):
        i, j = forge.index(r.forge_min), chinas.index(r.china_cap)
        assert heatmap["z"][i][j] == pytest.approx(r.cost_usd / 1e6, rel=1e-9)
    labels = [b.proto.label for b in app.get("download_button")]
    assert "Sweep table (.csv)" in labels
    sweep_csv = pd.read_csv(io.BytesIO(state.sweep_csv(expected)))
    assert sweep_csv["cost_usd"].to_numpy() == pytest.approx(expected["cost_usd"].to_numpy())


def test_cvar_level_shows_only_for_cvar_and_keeps_its_value(app):
    assert not [s for s in app.sidebar.slider if s.key == sidebar.ALPHA]
    app.sidebar.selectbox(key=sidebar.OBJECTIVE).set_value("cvar").run()
    app.sidebar.slider(key=sidebar.ALPHA).set_value(0.95).run()
    assert app.session_state["policy"].alpha == 0.95
    app.sidebar.selectbox(key=sidebar.OBJECTIVE).set_value("hhi").run()
    assert not [s for s in app.sidebar.slider if s.key == sidebar.ALPHA]
    app.sidebar.selectbox(key=sidebar.OBJECTIVE).set_value("cvar").run()
    assert app.sidebar.slider(key=sidebar.ALPHA).value == 0.95
    assert app.session_state["policy"] == Policy(objective="cvar", alpha=0.95)


def test_robust_objectives_are_offered(app):
    options = app.sidebar.selectbox(key=sidebar.OBJECTIVE).options
    assert sidebar.OBJECTIVE_LABELS["cvar"] in options
    assert sidebar.OBJECTIVE_LABELS["worst-case"] in options


def test_china_cap_above_the_country_cap_leaves_china_to_the_country_cap(dataset):
    values = {**sidebar.defaults(dataset), sidebar.CHINA_CAP: 60, sidebar.COUNTRY_CAP: 50}
    policy = sidebar.build_policy(values, dataset)
    assert policy.caps == {} and policy.country_cap == 0.5
    for stage in dataset.stages:
        assert policy.cap_for(dataset, "CHN", "Nd", stage) == 0.5
    tighter = sidebar.build_policy({**values, sidebar.CHINA_CAP: 40}, dataset)
    assert tighter.cap_for(dataset, "CHN", "Nd", "mine") == 0.4


def test_scenarios_tab_with_data_that_lack_scenarios_or_outage_odds(app):
    tables = bundled_tables()
    tables["suppliers"] = tables["suppliers"].drop(columns="outage_probability")
    app.sidebar.file_uploader[0].set_value(("no-odds.zip", csv_zip(tables), "application/zip"))
    open_tab(app, "Scenarios")
    assert not app.error, [e.value for e in app.error]
    assert chart_spec(app, "stress_heatmap")["data"]
    assert any("no outage_probability column" in i.value for i in app.info)

    del tables["scenarios"]
    app.sidebar.file_uploader[0].set_value(("no-scenarios.zip", csv_zip(tables), "application/zip"))
    open_tab(app, "Scenarios")
    assert not app.error, [e.value for e in app.error]
    assert any("no scenarios table" in i.value for i in app.info)
    open_tab(app, "Partner map")
    open_tab(app, "Sensitivity")
    assert not app.error, [e.value for e in app.error]


# --- stages and the chain ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def chain_data(tmp_path_factory):
    return load_dataset(chain_dataset(tmp_path_factory.mktemp("chain")))


@pytest.fixture
def chain_app(chain_data) -> AppTest:
    """The app on a small four-stage dataset whose stages differ (tests/test_maps.py)."""
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state[state.DATASET] = chain_data
    at.run()
    assert not at.exception, at.exception
    return at


def test_headline_names_the_worst_stage_and_switches_by_stage(chain_app, chain_data):
    expected = optimize(chain_data, Policy())
    stage, share = expected.worst_stage()
    base_stage, base_share = expected.worst_stage("baseline")
    assert base_stage == "separation" and base_share == pytest.approx(1.0)
    card = next(m for m in chain_app.metric if m.label == china_label(expected))
    assert card.label == f"China share, worst stage ({stage})"
    assert card.value == fmt.pct(share)
    today = "" if base_stage == stage else f" at {base_stage}"
    assert card.proto.delta_description == f"vs today ({fmt.pct(base_share)}{today})"
    # the KPIs at one stage are that stage's portfolio
    chain_app.selectbox(key=overview.KPI_STAGE).set_value("mine").run()
    assert not chain_app.exception
    mine = expected.stage_portfolio().loc["mine"]
    assert metric(chain_app, "China share at mine") == fmt.pct(mine["china_share"])
    assert metric(chain_app, "HHI at mine (0-1)") == fmt.index(mine["hhi"])
    assert fmt.pct(mine["china_share"]) != fmt.pct(share)
    table = next(d.value for d in chain_app.main.dataframe if "china_opt" in d.value.columns)
    at_mine = expected.stage_metrics.xs("mine", level="stage")
    assert table["china_opt"].to_numpy() == pytest.approx(at_mine["china_share"].to_numpy() * 100)


def test_sankey_draws_today_and_optimized(chain_app, chain_data):
    open_tab(chain_app, "Supply chain")
    expected = optimize(chain_data, Policy())
    for view, title in chain.MIX_TITLE.items():
        spec = chart_spec(chain_app, f"chain_{view}")
        sankey = trace(spec, title)
        assert sankey["type"] == "sankey"
        links = maps.chain_links(expected, view)
        assert len(sankey["link"]["value"]) == len(links) > 0
        assert sankey["link"]["value"] == pytest.approx(links["tonnes"].tolist())
        labels = sankey["node"]["label"]
        assert "Korea" in labels
        into_korea = sum(
            v
            for t, v in zip(sankey["link"]["target"], sankey["link"]["value"], strict=True)
            if labels[t] == "Korea"
        )
        delivered = expected.metrics["supplied_t"].sum() if view == "optimized" else 150.0
        assert into_korea == pytest.approx(delivered)
    today = trace(chart_spec(chain_app, "chain_baseline"), "Today")
    assert "CHN · Separation" in today["node"]["label"]
    # one element: only its links
    chain_app.selectbox(key=chain.ELEMENT).set_value("Y").run()
    assert not chain_app.exception
    y = trace(chart_spec(chain_app, "chain_baseline"), "Today")
    assert y["link"]["value"] == pytest.approx([50.0, 50.0])  # CN mine -> CN sep -> Korea


def test_stage_selector_changes_the_map(chain_app, chain_data):
    open_tab(chain_app, "Partner map")
    expected = optimize(chain_data, Policy())

    def china_tonnes() -> float:
        choropleth = chart_spec(chain_app, "partner_map")["data"][0]
        z = dict(zip(choropleth["locations"], plotly_array(choropleth["z"]), strict=True))
        return z["CHN"]

    worst = maps.map_values(expected).set_index("supplier")
    assert china_tonnes() == pytest.approx(worst.at["CHN", "optimized_t"])
    for stage in ("mine", "magnet"):
        chain_app.selectbox(key=partner_map.STAGE).set_value(stage).run()
        assert not chain_app.exception
        at = maps.map_values(expected, stage=stage).set_index("supplier")
        assert china_tonnes() == pytest.approx(at.at["CHN", "optimized_t"])
    mine = maps.map_values(expected, stage="mine").set_index("supplier")
    magnet = maps.map_values(expected, stage="magnet").set_index("supplier")
    assert mine.at["CHN", "optimized_t"] != pytest.approx(magnet.at["CHN", "optimized_t"])
    partners = next(d.value for d in chain_app.main.dataframe if "capacity_t" in d.value.columns)
    assert set(partners["name"]) >= {"CHN", "JPN"}  # the magnet makers


def test_changes_are_not_coloured_as_good_while_demand_goes_unmet(app):
    """Finding 7 of the honest-answers check: with 88% of demand unmet the cards were green."""
    app.sidebar.slider(key=sidebar.CHINA_CAP).set_value(0).run()
    assert not app.exception
    assert app.session_state["policy"].caps == {"CHN": 0.0}
    risk = [m for m in app.metric if m.label.startswith(("Portfolio HHI", "China share", "FORGE"))]
    gray = 2  # streamlit's metric colours: 0 red, 1 green, 2 gray (delta_color "off")
    assert len(risk) == 3 and all(m.proto.color == gray for m in risk), [
        (m.label, m.proto.color) for m in risk
    ]
    assert any("not coloured" in w.value for w in app.warning)


def test_a_constraint_with_a_price_is_never_called_free(dataset):
    """Finding 7: 'changes nothing at the margin' beside a cap priced at -0.6 M USD a point."""
    sol = optimize(dataset, Policy(caps={"CHN": 0.9}))
    sp = sol.shadow_prices
    priced = sp["least_cost_usd_per_point"].abs().fillna(0) > 1.0
    assert sp.loc[priced, "binding"].all()
