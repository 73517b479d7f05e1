"""Views finished for the ministry meeting: the flow-width legend on the partner map, the map of
differences between two named runs, and the frontier's progress bar counting the library's own
points. Driven headless with AppTest; expected values come from the library and hand sums."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from optimizer import Policy, geo, load_dataset, maps, optimize
from optimizer.reports import messages
from optimizer.ui import charts, runs, sidebar, state

APP = str(Path(__file__).resolve().parent.parent / "app.py")


@pytest.fixture(scope="module")
def dataset():
    return load_dataset()


@pytest.fixture
def app() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90)
    at.run()
    assert not at.exception, at.exception
    return at


def open_tab(at: AppTest, name: str) -> AppTest:
    at.session_state["view"] = name
    at.run()
    assert not at.exception, at.exception
    return at


def chart_spec(at: AppTest, key: str) -> dict:
    for chart in at.get("plotly_chart"):
        if chart.proto.id.endswith(f"-{key}"):
            return json.loads(chart.proto.spec)
    raise AssertionError(f"no plotly chart {key!r}")


# --- flow widths --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("largest", "expected"),
    [(2345.0, [2000.0, 500.0, 100.0]), (7.0, [5.0, 1.0, 0.2]), (100.0, [100.0, 20.0, 5.0])],
)
def test_legend_tonnes_are_round_and_below_the_largest(largest, expected):
    # 2345 -> 2000; 2345/4 = 586 -> 500; 2345/20 = 117 -> 100 (1, 2 or 5 times a power of ten)
    assert charts.flow_legend_values(largest) == pytest.approx(expected)
    assert charts.flow_legend_values(0.0) == []


def test_flow_width_legend_reads_the_widths_drawn(app, dataset):
    open_tab(app, "Partner map")
    spec = chart_spec(app, "partner_map")
    solution = optimize(dataset, Policy())
    stage = maps.default_stage(solution)
    flows = maps.flow_lines(
        maps.map_values(solution, None, stage), "optimized_t", geo.load_boundaries()
    )
    largest = float(flows["value"].abs().max())
    drawn = {
        tr["name"]: tr["line"]["width"] for tr in spec["data"] if tr["name"].startswith("flow ")
    }
    assert len(drawn) == len(flows)
    for r in flows.itertuples(index=False):  # 1 px + 7 px x tonnes / largest
        assert drawn[f"flow {r.supplier}"] == pytest.approx(1 + 7 * abs(r.value) / largest)
    legend = [tr for tr in spec["data"] if tr.get("legend") == "legend2"]
    assert len(legend) == 3
    for tr, tonnes in zip(legend, charts.flow_legend_values(largest), strict=True):
        assert tr["name"] == messages.text("map.flow_width", "en", tonnes=f"{tonnes:,.0f}")
        assert tr["line"]["width"] == pytest.approx(1 + 7 * tonnes / largest)
        assert tonnes <= largest
    assert spec["layout"]["legend2"]["title"]["text"] == messages.text("map.flow_legend", "en")
    # flows off: no width legend either
    app.toggle(key="map_flows").set_value(False).run()
    spec = chart_spec(app, "partner_map")
    assert not [tr for tr in spec["data"] if tr.get("legend") == "legend2"]


# --- the map of differences between runs ----------------------------------------------------


def save(app: AppTest, name: str) -> None:
    app.text_input(key=runs.NAME).set_value(name).run()
    app.button(key="save_run").click().run()
    assert not app.exception, app.exception


def test_runs_map_of_differences(app, dataset):
    open_tab(app, "Runs")
    save(app, "Default")
    app.sidebar.slider(key=sidebar.CHINA_CAP).set_value(60)
    app.sidebar.button(key=sidebar.APPLY).click().run()
    save(app, "China 60")
    assert app.session_state[runs.COMPARE] == ["Default", "China 60"]
    spec = chart_spec(app, "compare_map")
    trace = spec["data"][0]
    assert trace["type"] == "choropleth"
    # the app's one diverging palette: blue (less) at the low end, orange (more) at the high
    assert trace["colorscale"][0][1] == charts.LESS and trace["colorscale"][-1][1] == charts.MORE
    assert trace["zmid"] == 0 and trace["zmin"] == -trace["zmax"]
    title = trace["colorbar"]["title"]["text"]
    assert "blue: less in China 60" in title and "orange: more" in title
    # the change per country is the library's tonnes, run 2 minus run 1, at the stage shown
    one = optimize(dataset, Policy())
    two = optimize(dataset, Policy(caps={"CHN": 0.6}))
    stage = app.session_state[runs.STAGE]
    a = maps.map_values(one, None, stage).set_index("supplier")["optimized_t"]
    b = maps.map_values(two, None, stage).set_index("supplier")["optimized_t"]
    change = dict(zip(trace["locations"], trace["customdata"], strict=True))
    for code in ("CHN", "VNM", "MYS", "AUS"):
        expected = b.get(code, 0.0) - a.get(code, 0.0)
        assert change[code] == pytest.approx(expected, abs=1e-6), code
    assert change["CHN"] < 0  # a 60% cap moves tonnes out of China: a blue China
    # shares in percentage points
    app.segmented_control(key=runs.DIFF_MEASURE).set_value("share").run()
    trace = chart_spec(app, "compare_map")["data"][0]
    a = maps.map_values(one, None, stage).set_index("supplier")["optimized_share"]
    b = maps.map_values(two, None, stage).set_index("supplier")["optimized_share"]
    change = dict(zip(trace["locations"], trace["customdata"], strict=True))
    assert change["CHN"] == pytest.approx((b["CHN"] - a["CHN"]) * 100, abs=1e-6)
    assert "pp" in trace["colorbar"]["title"]["text"]


def test_difference_values_by_hand():
    class Fake:  # two solutions whose map values are given
        pass

    frames = {
        "a": pd.DataFrame(
            {
                "supplier": ["CHN", "VNM"],
                "name": ["China", "Vietnam"],
                "optimized_t": [80.0, 20.0],
                "optimized_share": [0.8, 0.2],
            }
        ),
        "b": pd.DataFrame(
            {
                "supplier": ["CHN", "LAO"],
                "name": ["China", "Laos"],
                "optimized_t": [50.0, 50.0],
                "optimized_share": [0.5, 0.5],
            }
        ),
    }
    original = state.map_values
    try:
        state.map_values = lambda s, element, stage: frames[s.key]
        a, b = Fake(), Fake()
        a.key, b.key = "a", "b"
        out = runs.difference_values(a, b, "mine").set_index("supplier")
        share = runs.difference_values(a, b, "mine", "share").set_index("supplier")
    finally:
        state.map_values = original
    assert out.loc["CHN", "change"] == -30.0 and out.loc["VNM", "change"] == -20.0
    assert out.loc["LAO", "change"] == 50.0 and out.loc["LAO", "name"] == "Laos"
    assert share.loc["CHN", "change"] == pytest.approx(-30.0)  # pp


# --- the frontier's progress ----------------------------------------------------------------


def test_frontier_progress_bar_counts_the_librarys_points(app, monkeypatch):
    seen: list[tuple[int, int]] = []
    real = state.frontier

    def counted(dataset, policy, points, progress=None):
        def relay(done, total):
            seen.append((done, total))
            if progress is not None:
                progress(done, total)

        return real(dataset, policy, points, progress=relay)

    monkeypatch.setattr(state, "frontier", counted)
    open_tab(app, "Frontier")
    app.button(key="run_frontier").click().run()
    assert not app.exception, app.exception
    n = state.FRONTIER_POINTS
    assert seen == [(i, n) for i in range(1, n + 1)]
    chart_spec(app, "frontier_chart")  # drawn


# --- the library's explanations in Korean ---------------------------------------------------


def test_constraints_and_shortfalls_are_said_in_korean(dataset):
    from optimizer.reports.briefing import plain
    from optimizer.ui import i18n

    at = AppTest.from_file(APP, default_timeout=90)
    at.query_params["lang"] = "ko"
    at.run()
    try:
        at.sidebar.slider(key=sidebar.CHINA_CAP).set_value(60)
        at.sidebar.button(key=sidebar.APPLY).click().run()
        open_tab(at, messages.text("tab.constraints", "ko"))
        solution = optimize(dataset, Policy(caps={"CHN": 0.6}))
        assert len(solution.shortfalls) and solution.shadow_prices["binding"].any()
        shown = plain(" ".join(x.value for x in [*at.markdown, *at.warning, *at.info]))
        for frame in (solution.shortfalls, solution.above_today):
            for ko, en in zip(messages.explain(frame, "ko"), frame["explanation"], strict=True):
                assert ko in shown and en not in shown
        table = next(d.value for d in at.main.dataframe if "short_t" in d.value.columns)
        assert table["explanation"].tolist() == messages.explain(solution.shortfalls, "ko")
    finally:
        i18n._last["lang"] = "en"
