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
from optimizer.reports import messages
from optimizer.reports.briefing import plain
from optimizer.scenarios import scenario_set, stress_test
from optimizer.session import sweep
from optimizer.ui import chain, disruptions, overview, partner_map, sensitivity, sidebar, state
from optimizer.ui import format as fmt
from optimizer.uncertainty import monte_carlo

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
    "Path to 2030",
    "Runs",
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


def en(key: str, **values) -> str:
    """A catalogue message in English (what the app shows by default)."""
    return messages.text(key, "en", **values)


def china_label(solution) -> str:
    stage = solution.worst_stage()[0]
    return en("card.china_worst", stage=en(f"stage.{stage}").lower())


def apply(at: AppTest) -> AppTest:
    """Press the sidebar's Apply: the policy controls sit in a form."""
    at.sidebar.button(key=sidebar.APPLY).click().run()
    assert not at.exception, at.exception
    return at


def set_control(at: AppTest, kind: str, key: str, value) -> AppTest:
    """Set a sidebar policy control and apply it, as a user does."""
    getattr(at.sidebar, kind)(key=key).set_value(value)
    return apply(at)


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
    footer = plain(" ".join(c.value for c in app.sidebar.caption))  # text from data is escaped
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
    set_control(app, "slider", sidebar.CHINA_CAP, 50)
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
    set_control(app, "selectbox", sidebar.OBJECTIVE, "max-share")
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
        warned = plain(" ".join(w.value for w in app.warning))
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
    set_control(app, "selectbox", sidebar.STAGE_RULE, "sum")
    set_control(app, "number_input", sidebar.YEAR, 2028)
    policy = Policy(stage="sum", year=2028)
    assert app.session_state["policy"] == policy
    expected = optimize(dataset, policy)
    assert metric(app, "Cost of the optimized mix") == fmt.usd(expected.total_cost_usd)
    assert "risk summed over the stages" in overview.policy_in_words(policy)
    assert "plants producing by 2028" in overview.policy_in_words(policy)
    assert en("rule.magnet") in app.sidebar.selectbox(key=sidebar.STAGE_RULE).options


def test_impossible_policy_is_explained_and_last_results_kept(app):
    shown = shown_china(app)
    set_control(app, "multiselect", sidebar.ELEMENTS, [])
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
    assert any("broken.zip was not loaded" in plain(e.value) for e in app.error)
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
    assert any("worse.zip was not loaded" in plain(e.value) for e in app.error)
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
    set_control(app, "radio", sidebar.STOCK_MODE, "days")  # the slider shows for this mode
    set_control(app, "slider", sidebar.STOCKPILE, days)
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
    today = stress_test(dataset, maps.mix_of(solution, "baseline"), None, None)
    opt = stress_test(dataset, maps.mix_of(solution, "optimized"), None, None)
    heatmap = trace(chart_spec(app, "stress_heatmap"), "Optimized minus today")
    key = ["scenario", "element"]
    both = pd.merge(today, opt, on=key, how="outer", suffixes=("_t0", "_t1")).fillna(0.0)
    both["short_t"] = both["short_t_t1"] - both["short_t_t0"]
    assert_grid_is_stress_test(heatmap, both[[*key, "short_t"]], "short_t", 1.0)


def test_choosing_a_scenario_shows_it_and_marks_the_map(app, dataset):
    name = "myanmar-closure"
    open_tab(app, "Scenarios")
    app.selectbox(key=disruptions.PICK).set_value(name).run()
    assert not app.exception, app.exception
    rows = dataset.scenarios[dataset.scenarios["scenario"] == name]
    text = plain(" ".join(m.value for m in app.markdown))
    assert rows["description"].iloc[0] in text
    assert f"{rows['probability'].iloc[0]:.0%}" in text
    assert f"{rows['duration_days'].iloc[0]:g} days" in text
    # the stress table for the scenario, both mixes, as the library gives it
    solution = optimize(dataset, Policy())
    shown = [d.value for d in app.main.dataframe if "stockpile_days_needed" in d.value.columns]
    assert len(shown) == 2
    for frame, view in zip(shown, maps.MIXES, strict=True):
        table = stress_test(dataset, maps.mix_of(solution, view), (name,), None)
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
    assert any(name in plain(c.value) and "Myanmar" in plain(c.value) for c in app.caption)

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
    set_control(app, "selectbox", sidebar.OBJECTIVE, "cost")
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
    set_control(app, "selectbox", sidebar.OBJECTIVE, "cvar")
    set_control(app, "slider", sidebar.ALPHA, 0.95)
    assert app.session_state["policy"].alpha == 0.95
    set_control(app, "selectbox", sidebar.OBJECTIVE, "hhi")
    assert not [s for s in app.sidebar.slider if s.key == sidebar.ALPHA]
    set_control(app, "selectbox", sidebar.OBJECTIVE, "cvar")
    assert app.sidebar.slider(key=sidebar.ALPHA).value == 0.95
    assert app.session_state["policy"] == Policy(objective="cvar", alpha=0.95)


def test_robust_objectives_are_offered(app):
    options = app.sidebar.selectbox(key=sidebar.OBJECTIVE).options
    assert en("objective.cvar") in options
    assert en("objective.worst-case") in options


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
    app.button(key="run_mc").click().run()  # the Monte Carlo samples the events, not the odds
    assert not app.exception and not app.error, app.exception
    assert [d for d in app.main.dataframe if "prob_any" in d.value.columns]

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
    for view, title in {"baseline": "Today", "optimized": "Optimized"}.items():
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
        # z holds the colour (log scale); customdata the values in the legend's units
        z = dict(zip(choropleth["locations"], plotly_array(choropleth["customdata"]), strict=True))
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
    set_control(app, "slider", sidebar.CHINA_CAP, 0)
    assert app.session_state["policy"].caps == {"CHN": 0.0}
    risk = [m for m in app.metric if m.label.startswith(("Portfolio HHI", "China share", "FORGE"))]
    gray = 2  # streamlit's metric colours: 0 red, 1 green, 2 gray (delta_color "off")
    assert len(risk) == 3 and all(m.proto.color == gray for m in risk), [
        (m.label, m.proto.color) for m in risk
    ]
    assert any(en("overview.shortfall") in w.value for w in app.warning)
    cost = next(m for m in app.metric if m.label == en("card.cost"))
    assert cost.proto.color == gray  # a cheaper mix that buys less is not good news either


def test_a_constraint_with_a_price_is_never_called_free(dataset):
    """Finding 7: 'changes nothing at the margin' beside a cap priced at -0.6 M USD a point."""
    sol = optimize(dataset, Policy(caps={"CHN": 0.9}))
    sp = sol.shadow_prices
    priced = sp["least_cost_usd_per_point"].abs().fillna(0) > 1.0
    assert sp.loc[priced, "binding"].all()


# --- language, money and the catalogue -------------------------------------------------------

from optimizer.ui import allocation, i18n, runs, urlstate  # noqa: E402

TAB_IDS = ["overview", "chain", "allocation", "map", "frontier", "scenarios", "sensitivity",
           "constraints", "runs", "export"]  # fmt: skip


def rendered_text(at: AppTest) -> list[str]:
    """Every string of every element on the page (labels, help, options, Markdown, captions,
    metric values, column configs, chart specs), main area and sidebar."""
    out: list[str] = []

    def collect(msg) -> None:
        for field, value in msg.ListFields():
            for v in list(value) if field.is_repeated else [value]:
                if isinstance(v, str):
                    out.append(v)
                elif hasattr(v, "ListFields"):
                    collect(v)

    def walk(node) -> None:
        proto = getattr(node, "proto", None)
        if proto is not None:
            collect(proto)
        children = getattr(node, "children", None)
        if isinstance(children, dict):
            for child in children.values():
                walk(child)

    walk(at._tree)
    return out


def english_left(texts: list[str], data_words: set[str]) -> list[str]:
    """Catalogue messages whose English text is on the page although Korean was asked for.
    Long messages (or the literal parts of templates) are searched anywhere; short ones must
    not be a whole label, option or value. Messages spelt alike in both languages are terms
    (HHI, FORGE) and do not count; nor do words that are data in this dataset."""
    joined = "\n".join(plain(x) for x in texts)
    whole = {plain(x).strip() for x in texts}
    found = []
    for key, entry in messages.CATALOGUE.items():
        english, korean = entry["en"], entry["ko"]
        if english == korean or english in data_words:
            continue
        fragments = [
            lit.strip()
            for lit, _, _, _ in __import__("string").Formatter().parse(plain(english))
            if lit.strip()
        ]
        for fragment in fragments:
            if (
                len(fragment) >= 14
                and fragment in joined
                or len(fragment) < 14
                and len(fragments) == 1
                and fragment in whole
            ):
                found.append(f"{key}: {fragment!r}")
    return found


@pytest.fixture
def korean_app():
    at = AppTest.from_file(APP, default_timeout=90)
    at.query_params["lang"] = "ko"
    at.run()
    assert not at.exception, at.exception
    yield at
    i18n._last["lang"] = "en"  # the language outside a run, for the other tests


def test_korean_leaves_no_english_from_the_catalogue(korean_app, dataset):
    at = korean_app
    assert at.session_state[i18n.LANG] == "ko"
    assert at.title[0].value == messages.text("app.title", "ko")
    data_words = {str(v) for v in dataset.suppliers["name"]} | {
        str(v) for v in dataset.elements["name"]
    }
    left: list[str] = []
    for tab in TAB_IDS:
        at.session_state["view"] = messages.text(f"tab.{tab}", "ko")
        at.run()
        assert not at.exception, (tab, at.exception)
        texts = rendered_text(at)
        assert any("\uac00" <= ch <= "\ud7a3" for x in texts for ch in x), tab  # Hangul shown
        left += [f"{tab}: {x}" for x in english_left(texts, data_words)]
    assert not left, left
    # and English again: the same check the other way finds the English (the test can fail)
    at.sidebar.selectbox(key=i18n.LANG).set_value("en").run()
    assert at.title[0].value == "Rare-earth sourcing for Korea"
    assert english_left(rendered_text(at), data_words)


def test_language_from_the_url_and_the_tab_survives_a_switch(korean_app):
    at = korean_app
    at.session_state["view"] = messages.text("tab.map", "ko")
    at.run()
    assert at.session_state["tab_id"] == "map"
    at.sidebar.selectbox(key=i18n.LANG).set_value("en").run()
    assert not at.exception
    assert at.session_state["view"] == "Partner map"  # the same tab, now in English
    assert at.query_params["lang"] == ["en"] or at.query_params["lang"] == "en"


def test_money_in_won_with_the_rate_shown(app, dataset):
    app.sidebar.selectbox(key=i18n.CURRENCY).set_value("KRW").run()
    assert not app.exception
    # the rate is the dataset's (meta.csv krw_per_usd: the number, then its source)
    cell = bundled_tables()["meta"].set_index("key").at["krw_per_usd", "value"]
    rate = float(cell.split(" ")[0])
    assert rate != messages.DEFAULT_KRW_PER_USD
    expected = optimize(dataset, Policy())
    won = expected.total_cost_usd * rate / 1e8
    assert metric(app, "Cost of the optimized mix") == f"{won:,.1f}억원"
    captions = plain(" ".join(c.value for c in app.sidebar.caption))
    assert f"{rate:,.2f}" in captions and "from the dataset" in captions
    assert "Bank of Korea" in captions and "30 Dec 2025" in captions  # which rate, which date
    app.sidebar.number_input(key=i18n.RATE).set_value(1500.0).run()
    won = expected.total_cost_usd * 1500 / 1e8
    assert metric(app, "Cost of the optimized mix") == f"{won:,.1f}억원"
    assert app.session_state["policy"] == Policy()  # money is shown, never solved


# --- budget in the user's terms ---------------------------------------------------------------


def test_budget_over_todays_cost_and_absolute(app, dataset):
    today = optimize(dataset, Policy()).baseline_portfolio["cost_usd"]
    app.sidebar.radio(key=sidebar.BUDGET_MODE).set_value("today")
    set_control(app, "slider", sidebar.PREMIUM, 10)
    policy = app.session_state["policy"]
    assert policy.budget_usd == pytest.approx(today * 1.10)
    line = plain(" ".join(c.value for c in app.caption))
    assert "today's cost + 10%" in line and fmt.usd(today * 1.1) in line
    expected = optimize(dataset, policy)
    assert metric(app, "Budget limit") == fmt.usd(expected.budget_usd)
    assert expected.total_cost_usd <= today * 1.10 + 1.0

    app.sidebar.radio(key=sidebar.BUDGET_MODE).set_value("absolute")
    set_control(app, "number_input", sidebar.BUDGET_ABS, 460.0)
    assert app.session_state["policy"].budget_usd == pytest.approx(460e6)
    assert "an absolute budget of USD 460.0 M/yr" in plain(" ".join(c.value for c in app.caption))
    assert metric(app, "Budget limit") == fmt.usd(460e6)


def test_today_cost_is_the_solutions_baseline(dataset):
    values = {**sidebar.defaults(dataset), sidebar.ELEMENTS: ["Nd", "Dy"]}
    scope = sidebar.scope_of(values, dataset)
    solution = optimize(dataset, Policy(elements=("Nd", "Dy")))
    assert sidebar.today_cost_usd(dataset, scope) == pytest.approx(
        solution.baseline_portfolio["cost_usd"]
    )


# --- state that stays ------------------------------------------------------------------------


def test_every_control_keeps_its_value_across_tabs(app):
    set_control(app, "slider", sidebar.CHINA_CAP, 55)
    open_tab(app, "Allocation")
    app.segmented_control(key=allocation.UNIT).set_value("tonnes").run()
    app.multiselect(key=allocation.FILTER).set_value(["Nd", "Dy"]).run()
    open_tab(app, "Partner map")
    app.segmented_control(key=partner_map.VIEW).set_value("difference").run()
    app.segmented_control(key=partner_map.REGION).set_value("world").run()
    app.segmented_control(key=partner_map.SCALE).set_value("linear").run()
    app.toggle(key=partner_map.FLOWS).set_value(False).run()
    app.selectbox(key=partner_map.ELEMENT).set_value("Dy").run()
    open_tab(app, "Supply chain")
    app.selectbox(key=chain.ELEMENT).set_value("Nd").run()
    open_tab(app, "Scenarios")
    app.segmented_control(key=disruptions.MEASURE).set_value("short_t").run()
    for tab in ("Overview", "Constraints", "Export", "Overview"):
        open_tab(app, tab)
    open_tab(app, "Allocation")
    assert app.segmented_control(key=allocation.UNIT).value == "tonnes"
    assert app.multiselect(key=allocation.FILTER).value == ["Nd", "Dy"]
    open_tab(app, "Partner map")
    assert app.segmented_control(key=partner_map.VIEW).value == "difference"
    assert app.segmented_control(key=partner_map.REGION).value == "world"
    assert app.segmented_control(key=partner_map.SCALE).value == "linear"
    assert app.toggle(key=partner_map.FLOWS).value is False
    assert app.selectbox(key=partner_map.ELEMENT).value == "Dy"
    open_tab(app, "Supply chain")
    assert app.selectbox(key=chain.ELEMENT).value == "Nd"
    open_tab(app, "Scenarios")
    assert app.segmented_control(key=disruptions.MEASURE).value == "short_t"
    assert app.sidebar.slider(key=sidebar.CHINA_CAP).value == 55
    assert app.session_state["policy"].caps == {"CHN": 0.55}


def test_a_slider_applies_only_when_applied(app):
    before = app.session_state["policy"]
    app.sidebar.slider(key=sidebar.CHINA_CAP).set_value(40).run()
    assert app.session_state["policy"] == before  # moved, not applied: nothing solved
    set_control(app, "slider", sidebar.CHINA_CAP, 40)
    assert app.session_state["policy"].caps == {"CHN": 0.4}


def test_the_url_holds_the_settings_and_a_link_reopens_them(app, dataset):
    app.sidebar.radio(key=sidebar.BUDGET_MODE).set_value("today")
    app.sidebar.slider(key=sidebar.COUNTRY_CAP).set_value(50)
    app.session_state[sidebar.CAPS] = pd.DataFrame(
        {"supplier": ["VNM"], "stage": ["separation"], "cap_pct": [30.0]}
    )
    set_control(app, "slider", sidebar.CHINA_CAP, 45)
    open_tab(app, "Frontier")
    query = {k: app.query_params[k] for k in app.query_params}
    flat = {k: v[0] if isinstance(v, list) else v for k, v in query.items()}
    assert flat["china"] == "45" and flat["country"] == "50" and flat["bmode"] == "today"
    assert flat["caps"] == "separation:VNM:30" and flat["tab"] == "frontier"
    policy = app.session_state["policy"]

    again = AppTest.from_file(APP, default_timeout=60)
    for k, v in flat.items():
        again.query_params[k] = v
    again.run()
    assert not again.exception, again.exception
    assert again.session_state["policy"] == policy
    assert again.session_state["tab_id"] == "frontier"
    assert urlstate.values_from({"china": "nonsense", "el": "Xx"}, dataset) == {}


# --- named runs --------------------------------------------------------------------------------


def test_a_saved_run_downloads_and_loads_back_to_the_same_policy(app, dataset, tmp_path):
    from optimizer.policy import load_policy

    app.sidebar.selectbox(key=sidebar.PRESET).set_value("korea-2030").run()
    app.sidebar.radio(key=sidebar.BUDGET_MODE).set_value("absolute")
    set_control(app, "number_input", sidebar.BUDGET_ABS, 470.0)
    korea = app.session_state["policy"]
    open_tab(app, "Runs")
    app.text_input(key=runs.NAME).set_value("Korea 2030 absolute").run()
    app.button(key="save_run").click().run()
    assert not app.exception
    saved = app.session_state[runs.RUNS]
    assert saved["Korea 2030 absolute"]["policy"] == korea
    # the download is the CLI's policy YAML and loads back to the same policy
    path = tmp_path / "run.yaml"
    path.write_text(export.policy_yaml(korea), encoding="utf-8")
    assert load_policy(path) == korea
    assert korea.budget_usd == pytest.approx(470e6)

    app.sidebar.selectbox(key=sidebar.PRESET).set_value("eu-crma").run()
    apply(app)
    eu = app.session_state["policy"]
    assert eu != korea
    app.text_input(key=runs.NAME).set_value("EU CRMA").run()
    app.button(key="save_run").click().run()
    # load the first back: the controls, the policy and the result are the saved run's
    app.button(key="load_run_0").click().run()
    assert not app.exception
    assert app.session_state["policy"] == korea
    expected = optimize(dataset, korea)
    open_tab(app, "Overview")
    assert metric(app, "Cost of the optimized mix") == fmt.usd(expected.total_cost_usd)

    # two runs side by side: headline figures and China by stage are the library's
    open_tab(app, "Runs")
    app.multiselect(key=runs.COMPARE).set_value(["Korea 2030 absolute", "EU CRMA"]).run()
    assert not app.exception
    head = next(d.value for d in app.main.dataframe if "Korea 2030 absolute" in d.value.columns)
    assert head["EU CRMA"].iloc[0] == fmt.usd(optimize(dataset, eu).total_cost_usd)
    assert head["Korea 2030 absolute"].iloc[0] == fmt.usd(expected.total_cost_usd)
    stages_table = next(d.value for d in app.main.dataframe if "Today" in d.value.columns)
    first = expected.stage_portfolio()["china_share"] * 100
    assert stages_table["Korea 2030 absolute"].tolist() == pytest.approx(first.round(1).tolist())
    alloc = next(d.value for d in app.main.dataframe if "EU CRMA (t)" in d.value.columns)
    assert any(c.startswith("EU CRMA - Korea 2030 absolute") for c in alloc.columns)


def test_a_policy_file_uploads_as_a_run(app):
    open_tab(app, "Runs")
    text = export.policy_yaml(Policy.from_preset("forge-first"))
    app.file_uploader(key=runs.UPLOAD).set_value(
        ("forge.yaml", text.encode(), "application/x-yaml")
    )
    app.run()
    assert not app.exception
    assert app.session_state[runs.RUNS]["forge"]["policy"] == Policy.from_preset("forge-first")
    app.file_uploader(key=runs.UPLOAD).set_value(("bad.yaml", b"objective: [1, 2", "x"))
    app.run()
    assert not app.exception
    assert any("bad.yaml" in plain(e.value) for e in app.error)


# --- honest messages ---------------------------------------------------------------------------


def test_constraints_never_call_a_priced_constraint_free(app, dataset):
    set_control(app, "slider", sidebar.CHINA_CAP, 90)
    open_tab(app, "Constraints")
    sol = optimize(dataset, Policy(caps={"CHN": 0.9}))
    text = plain(" ".join(x.value for x in [*app.markdown, *app.caption, *app.info, *app.success]))
    assert "changes nothing" not in text
    priced = sol.shadow_prices[sol.shadow_prices["least_cost_usd_per_point"].abs().fillna(0) > 1.0]
    assert len(priced)
    for explanation in priced["explanation"]:
        assert explanation in text
    active, free, _ = constraints_split(sol)
    assert set(priced.index) <= set(active.index) and not set(priced.index) & set(free.index)


def constraints_split(sol):
    from optimizer.ui import constraints

    return constraints.split(sol.shadow_prices)


def test_worse_than_today_and_caps_not_met_are_said_with_numbers(app, dataset):
    from optimizer.solution import worse_than_today

    set_control(app, "slider", sidebar.CHINA_CAP, 0)
    sol = optimize(dataset, Policy(caps={"CHN": 0.0}))
    worse = worse_than_today(sol)
    assert worse
    warned = plain(" ".join(w.value for w in app.warning))
    for w in worse:
        assert en(f"worse.{w['measure']}") in warned
    app.sidebar.selectbox(key=sidebar.OBJECTIVE).set_value("cost")
    set_control(app, "slider", sidebar.HHI_CAP, 0.05)
    sol = optimize(dataset, Policy(objective="cost", risk_caps={"hhi": 0.05}, caps={"CHN": 0.0}))
    if len(sol.caps_not_met):
        warned = plain(" ".join(w.value for w in app.warning))
        assert en("overview.caps_not_met").strip("*:") in warned
        assert sol.caps_not_met["explanation"].iloc[0] in warned


# --- maps people can read ------------------------------------------------------------------------


def test_map_is_log_scaled_east_asia_labelled_and_hover_is_never_blocked(app, dataset):
    open_tab(app, "Partner map")
    spec = chart_spec(app, "partner_map")
    choropleth = spec["data"][0]
    assert "log scale" in choropleth["colorbar"]["title"]["text"]
    z = plotly_array(choropleth["z"])
    real = plotly_array(choropleth["customdata"])
    china = choropleth["locations"].index("CHN")
    small = min((r, i) for i, r in enumerate(real) if r > 0)[1]  # the smallest partner
    assert real[china] > 50 * real[small] > 0  # China dwarfs it in tonnes …
    assert z[small] > 0.1 * z[china]  # … yet it gets visible colour
    geo_layout = spec["layout"]["geo"]
    assert geo_layout["lonaxis"]["range"] == list(charts_module().REGIONS["east_asia"]["lon"])
    for trace in spec["data"][1:]:
        assert trace.get("hoverinfo") == "skip", trace.get("name")  # only shapes take hover
    labels = next(t for t in spec["data"] if t.get("name") == "labels")
    stage = optimize(dataset, Policy()).worst_stage()[0]
    values = maps.map_values(optimize(dataset, Policy()), None, stage)
    playing = values[(values["baseline_t"] > 0) | (values["optimized_t"] > 0)]
    with_shape = playing[playing["supplier"].isin(geo.load_boundaries()["iso3"])]
    assert sorted(labels["text"]) == sorted(with_shape["name"])  # the partners in play
    app.selectbox(key=partner_map.STAGE).set_value("mine").run()
    mine = next(t for t in chart_spec(app, "partner_map")["data"] if t.get("name") == "labels")
    assert {"Vietnam", "Laos", "Myanmar"} <= set(mine["text"])
    config = json.loads(app.get("plotly_chart")[0].proto.config)
    assert "toImage" not in config["modeBarButtonsToRemove"]
    assert config["toImageButtonOptions"]["format"] == "png"
    app.segmented_control(key=partner_map.REGION).set_value("world").run()
    assert "range" not in chart_spec(app, "partner_map")["layout"]["geo"]["lonaxis"]
    app.segmented_control(key=partner_map.VIEW).set_value("difference").run()
    diff = chart_spec(app, "partner_map")["data"][0]
    from optimizer.ui import charts

    assert [c[1] for c in diff["colorscale"]] == [c[1] for c in charts.DIVERGING]
    heat_scale = charts.CHANGE_SCALE
    assert heat_scale == charts.DIVERGING  # the Scenarios change view: the same palette


def charts_module():
    from optimizer.ui import charts

    return charts


# --- issue 16: loopback, static files, sessions, hostile text ---------------------------------


def test_server_binds_loopback_with_xsrf_and_static_holds_only_the_stub_and_icon():
    import tomllib

    config = tomllib.loads((Path(APP).parent / ".streamlit" / "config.toml").read_text())
    assert config["server"]["address"] == "127.0.0.1"
    assert config["server"]["enableXsrfProtection"] is True
    assert 1 <= config["server"]["maxUploadSize"] <= 200
    static = sorted(p.name for p in (Path(APP).parent / "static").iterdir())
    assert static == ["favicon.png", "world_110m.json"]


def test_one_session_never_sees_another_sessions_upload(dataset, tmp_path):
    tables = bundled_tables()
    capacity = tables["capacity"]
    china_nd = (capacity["plant"] == "CHN-SEP") & (capacity["element"] == "Nd")
    capacity.loc[china_nd, "cost_usd_kg"] = "95"  # a company's own price
    data = csv_zip(tables)
    a = AppTest.from_file(APP, default_timeout=60)
    a.run()
    a.sidebar.file_uploader[0].set_value(("secret-prices-a.zip", data, "application/zip"))
    a.run()
    assert not a.exception
    secret = a.session_state[state.DATASET].fingerprint
    assert secret != dataset.fingerprint
    for tab in ("Overview", "Export"):
        open_tab(a, tab)

    b = AppTest.from_file(APP, default_timeout=60)
    b.run()
    for tab in ("Overview", "Partner map", "Export"):
        open_tab(b, tab)
        text = " ".join(rendered_text(b))
        assert "secret-prices-a" not in text and secret[:12] not in text, tab
    # the same bytes uploaded by B under its own name: B's results and exports are B's
    b.sidebar.file_uploader[0].set_value(("mine-b.zip", data, "application/zip"))
    b.run()
    open_tab(b, "Export")
    solution = b.session_state[state.SOLUTION]
    summary = json.loads(state.deferred_file(solution, "json")())
    origin = json.dumps(summary)
    assert "secret-prices-a" not in origin and "mine-b.zip" in origin
    assert "secret-prices-a" not in " ".join(rendered_text(b))
    assert state.data_key(solution.dataset, b.session_state) != state.data_key(
        a.session_state[state.DATASET], a.session_state
    )


HOSTILE_NAME = '<img src=x onerror="alert(1)">'
HOSTILE_MD = "![x](http://evil.example/x.png) [click](http://evil.example) :red[loud]"


def hostile_tables() -> dict[str, pd.DataFrame]:
    tables = bundled_tables()
    suppliers = tables["suppliers"]
    suppliers.loc[suppliers["supplier"] == "VNM", "name"] = HOSTILE_NAME
    suppliers.loc[suppliers["supplier"] == "LAO", "name"] = HOSTILE_MD
    scen = tables["scenarios"]
    scen.loc[0, "description"] = HOSTILE_MD + " " + HOSTILE_NAME
    meta = tables["meta"]
    meta.loc[meta["key"] == "name", "value"] = HOSTILE_MD
    return tables


def unescaped(text: str) -> str:
    """Markdown source with every backslash-escaped character removed: what remains is what
    Markdown would still read as syntax."""
    import re

    return re.sub(r"\\.", "", text)


def test_text_from_data_is_never_html_or_markdown(app):
    app.sidebar.file_uploader[0].set_value(("hostile.zip", csv_zip(hostile_tables()), "x"))
    app.run()
    assert not app.exception, app.exception
    assert any(HOSTILE_NAME in n for n in app.session_state[state.DATASET].suppliers["name"])
    name = app.session_state[state.DATASET].scenarios["scenario"].iloc[0]
    app.session_state[disruptions.PICK] = name
    for tab in TABS:
        open_tab(app, tab)
        for el in [*app.markdown, *app.caption, *app.warning, *app.info, *app.error, *app.success]:
            body = unescaped(el.value)
            assert "<img" not in body and "![" not in body and "](http" not in body, (tab, body)
            assert ":red[" not in body and "http://" not in body, (tab, body)  # no autolink
        for chart in app.get("plotly_chart"):
            assert "<img" not in chart.proto.spec, tab  # escaped for plotly as &lt;img
    open_tab(app, "Partner map")
    assert (
        "&lt;img src=x"
        in chart_spec(app, "partner_map")["data"][0]["text"][
            next(
                i
                for i, c in enumerate(chart_spec(app, "partner_map")["data"][0]["locations"])
                if c == "VNM"
            )
        ]
    )


def test_a_rate_in_the_link_wins_over_the_datasets():
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["cur"] = "KRW"
    at.query_params["fx"] = "1500"
    at.run()
    assert not at.exception, at.exception
    assert at.session_state[i18n.RATE] == 1500.0
    captions = plain(" ".join(c.value for c in at.sidebar.caption))
    assert "1,500.00" in captions and "set by you" in captions


def test_a_dataset_without_a_rate_falls_back_to_the_constant():
    tables = bundled_tables()
    tables["meta"] = tables["meta"][tables["meta"]["key"] != "krw_per_usd"]
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.sidebar.file_uploader[0].set_value(("norate.zip", csv_zip(tables), "x"))
    at.run()
    at.sidebar.selectbox(key=i18n.CURRENCY).set_value("KRW").run()
    assert not at.exception, at.exception
    assert at.session_state[i18n.RATE] == messages.DEFAULT_KRW_PER_USD
    captions = plain(" ".join(c.value for c in at.sidebar.caption))
    assert "default constant" in captions
