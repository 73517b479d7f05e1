"""Time to survive and time to recover (optimizer/exposure.py): a small chain computed by hand,
the recovery table's precedence and checks, the bundled data, the command line, the workbook
and the app view."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from builders import write_stage_dataset

from optimizer import Policy, cli, export, load_dataset, optimize
from optimizer import exposure as ex
from optimizer.errors import InputError
from optimizer.network import measures

APP = Path(__file__).resolve().parent.parent / "app.py"
DEMAND = 100.0  # t a year of X, all oxide
PRICE = 10.0  # USD/kg
STOCK_DAYS = 30.0


def chain(folder: Path, recovery: list[dict] | None = None) -> Path:
    """Two mines (AAA's M1, cap 100; BBB's M2, cap 80) feed CCC's separation S1; BBB also has a
    small separation S2 (cap 30) that only M2 can feed and today's mix does not use.
    Today: M1 60 + M2 40 -> S1 -> Korea 100. Stock: 30 days of X."""
    write_stage_dataset(
        folder,
        elements=[{"element": "X", "demand_t": DEMAND, "price_usd_kg": PRICE}],
        suppliers=[{"supplier": "AAA"}, {"supplier": "BBB"}, {"supplier": "CCC"}],
        plants=[
            {"plant": "M1", "country": "AAA", "stage": "mine"},
            {"plant": "M2", "country": "BBB", "stage": "mine"},
            {"plant": "S1", "country": "CCC", "stage": "separation"},
            {"plant": "S2", "country": "BBB", "stage": "separation"},
        ],
        capacity=[
            {"plant": "M1", "element": "X", "capacity_t": 100, "cost_usd_kg": 1},
            {"plant": "M2", "element": "X", "capacity_t": 80, "cost_usd_kg": 1},
            {"plant": "S1", "element": "X", "capacity_t": 200, "cost_usd_kg": 2},
            {"plant": "S2", "element": "X", "capacity_t": 30, "cost_usd_kg": 3},
        ],
        feeds=[{"from": "mine:*", "to": "S1"}, {"from": "M2", "to": "S2"}],
        demand=[{"element": "X", "form": "oxide", "demand_t": DEMAND}],
        baseline_flows=[
            {"element": "X", "from": "M1", "to": "S1", "tonnes": 60},
            {"element": "X", "from": "M2", "to": "S1", "tonnes": 40},
            {"element": "X", "from": "S1", "to": "korea", "tonnes": DEMAND},
        ],
    )
    src = {"source": "test", "status": "estimate"}
    pd.DataFrame([{"element": "X", "days": STOCK_DAYS, **src}]).to_csv(
        folder / "stockpile.csv", index=False
    )
    rows = recovery if recovery is not None else [
        {"node": "separation:*", "element": "*", "recovery_days": 90},
        {"node": "mine:*", "element": "*", "recovery_days": 200},
        {"node": "AAA", "element": "X", "recovery_days": 10},
    ]  # fmt: skip
    pd.DataFrame([{**src, **r} for r in rows]).to_csv(folder / "recovery.csv", index=False)
    return folder


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    return load_dataset(chain(tmp_path_factory.mktemp("chain")))


@pytest.fixture(scope="module")
def bundled():
    return load_dataset()


def row(table: pd.DataFrame, node: str, kind: str = "plant", element: str = "X") -> pd.Series:
    hit = table[
        (table["node"] == node) & (table["node_type"] == kind) & (table["element"] == element)
    ]
    assert len(hit) == 1, (node, kind, list(zip(table["node"], table["node_type"], strict=True)))
    return hit.iloc[0]


# --- the hand-computed chain ----------------------------------------------------------------


def test_the_only_separation_plant_gives_exactly_the_stock_days(small):
    table = ex.exposure(small, small.baseline_flows)
    s1 = row(table, "S1")
    # nothing else can separate X along today's arcs: r = 0, so TTS = S * D / D = S
    assert s1["rate_without_t"] == 0.0
    assert s1["short_t_per_year"] == pytest.approx(DEMAND)
    assert s1["time_to_survive_days"] == pytest.approx(STOCK_DAYS, abs=1e-9)
    assert s1["through_t"] == pytest.approx(DEMAND) and s1["share_of_demand"] == pytest.approx(1)
    # its recovery: no S1, separation:CCC or CCC row, so the stage default (90 days)
    assert s1["time_to_recover_days"] == 90 and s1["recovery_rule"] == "separation:*/*"
    assert s1["exposed"] and s1["days_uncovered"] == pytest.approx(60)
    # 60 days of 100 t a year missing at 10 USD/kg
    assert s1["value_at_risk_usd"] == pytest.approx(60 / 365 * 100 * 10 * 1000)
    # CCC's only plant is S1: one node, with the other names it goes by
    assert s1["also"] == "separation:CCC; CCC"
    assert table.iloc[0]["node"] == "S1"  # the only exposed node is ranked first


def test_a_mine_with_spare_capacity_elsewhere(small):
    table = ex.exposure(small, small.baseline_flows)
    m1 = row(table, "M1")
    # without M1 (60 t), M2 can send its whole 80 t to S1: 20 t a year short, and
    # 30 days of stock = 30 * 100 / 365 t lasts (30 * 100 / 365) / 20 * 365 = 150 days
    assert m1["through_t"] == pytest.approx(60)
    assert m1["rate_without_t"] == pytest.approx(80)
    assert m1["time_to_survive_days"] == pytest.approx(150)
    # AAA's own row for X (10 days) beats the mine default (200 days): back before it runs out
    assert m1["time_to_recover_days"] == 10 and m1["recovery_rule"] == "AAA/X"
    assert not m1["exposed"] and m1["days_uncovered"] == 0 and m1["value_at_risk_usd"] == 0
    # without M2 (40 t), M1's 100 t cover all of demand: never short, no number
    m2 = row(table, "M2")
    assert m2["never_short"] and np.isnan(m2["time_to_survive_days"])
    assert m2["short_t_per_year"] == 0 and not m2["exposed"]
    assert m2["also"] == "mine:BBB"  # BBB as a whole also has S2: a node of its own
    bbb = row(table, "BBB", "country")
    assert bbb["plants"] == "M2; S2" and bbb["never_short"]
    # no BBB row: the longest of its stages (mine 200, separation 90)
    assert bbb["time_to_recover_days"] == 200
    assert bbb["recovery_rule"].startswith("longest stage")
    assert set(zip(table["node"], table["node_type"], strict=True)) == {
        ("S1", "plant"),
        ("M1", "plant"),
        ("M2", "plant"),
        ("BBB", "country"),
    }


def test_qualified_network_opens_arcs_the_mix_does_not_use(small):
    mix = row(ex.exposure(small, small.baseline_flows, qualified="mix"), "S1")
    net = row(ex.exposure(small, small.baseline_flows, qualified="network"), "S1")
    # only the mix's arcs: nothing replaces S1. Every arc: M2 -> S2 -> Korea carries S2's 30 t,
    # 70 t short, so the stock lasts 30 * 100 / 70 days
    assert mix["rate_without_t"] == 0 and mix["time_to_survive_days"] == pytest.approx(30)
    assert net["rate_without_t"] == pytest.approx(30)
    assert net["time_to_survive_days"] == pytest.approx(30 * 100 / 70)
    assert net["days_uncovered"] == pytest.approx(90 - 300 / 7)


def test_a_mix_short_of_demand_draws_stock_only_for_what_a_stop_takes(small):
    # M2's 80 t alone through S1: 20 t a year are unmet before anything stops (M2 is full),
    # and the stock is not drawn for that gap. Stopping S1 takes the 80 t: the 30 days of
    # 100 t (8.2 t) last 8.2 / 80 * 365 = 37.5 days
    mix = pd.DataFrame(
        [("X", "M2", "S1", 80.0), ("X", "S1", "korea", 80.0)],
        columns=["element", "from", "to", "tonnes"],
    )
    s1 = row(ex.exposure(small, mix), "S1")
    assert s1["rate_intact_t"] == pytest.approx(80)
    assert s1["short_t_per_year"] == pytest.approx(80)
    assert s1["time_to_survive_days"] == pytest.approx(37.5)


def test_stock_days_can_be_given(small):
    days = pd.Series({"X": 60.0})
    s1 = row(ex.exposure(small, small.baseline_flows, days), "S1")
    assert s1["time_to_survive_days"] == pytest.approx(60)
    assert s1["exposed"] and s1["days_uncovered"] == pytest.approx(30)
    m1 = row(ex.exposure(small, small.baseline_flows, 0.0), "M1")
    assert m1["time_to_survive_days"] == 0.0  # no stock: short from the first day


def test_bad_qualified_is_a_clear_problem(small):
    with pytest.raises(InputError) as e:
        ex.exposure(small, small.baseline_flows, qualified="everything")
    assert e.value.problems[0].where == "qualified"


def test_most_specific_recovery_row_wins():
    rows = pd.DataFrame(
        [
            ("separation:*", "*", 90.0),
            ("separation:CCC", "*", 70.0),
            ("CCC", "X", 40.0),
            ("CCC", "*", 50.0),
            ("S1", "*", 15.0),
            ("mine:*", "Y", 5.0),
        ],
        columns=["node", "element", "recovery_days"],
    ).assign(source="test", status="estimate")
    table = ex.RecoveryTable(SimpleNamespace(recovery=rows))
    stage = {"S1": "separation", "S9": "separation", "M9": "mine"}
    s1 = ex.Node("S1", "plant", "CCC", "separation", frozenset({"S1"}))
    s9 = ex.Node("S9", "plant", "CCC", "separation", frozenset({"S9"}))
    m9 = ex.Node("M9", "plant", "CCC", "mine", frozenset({"M9"}))
    ccc = ex.Node("CCC", "country", "CCC", None, frozenset({"S9", "M9"}))
    assert table.of(s1, "X", stage).days == 15  # the plant's own row, even for every element
    assert table.of(s9, "X", stage).days == 70  # then its country's stage
    assert table.of(m9, "X", stage).days == 40  # then its country, the element's row first
    assert table.of(m9, "Z", stage).days == 50  # ... else the country's row for every element
    country_stage = ex.Node("separation:DDD", "country-stage", "DDD", "separation", frozenset())
    assert table.of(country_stage, "X", stage).days == 90  # then the stage's default
    assert np.isnan(table.of(ex.Node("M8", "plant", "DDD", "mine", frozenset()), "X", stage).days)
    assert table.of(ccc, "X", stage).days == 40  # a country's own row
    ddd = ex.Node("DDD", "country", "DDD", None, frozenset({"S9", "M9"}))
    # no DDD row, and mine has no default for X: the country's time is unknown, not a guess
    assert np.isnan(table.of(ddd, "X", stage).days)
    assert table.of(ddd, "Y", stage).days == 90  # mine 5, separation 90: the longest


def test_an_unknown_recovery_time_is_never_called_exposed(tmp_path):
    ds = load_dataset(
        chain(tmp_path, recovery=[{"node": "M1", "element": "X", "recovery_days": 5}])
    )
    s1 = row(ex.exposure(ds, ds.baseline_flows), "S1")
    assert s1["time_to_survive_days"] == pytest.approx(30)
    assert np.isnan(s1["time_to_recover_days"]) and np.isnan(s1["days_uncovered"])
    assert not s1["exposed"]


@pytest.mark.parametrize(
    ("node", "element", "row_number", "column", "words"),
    [
        ("separation:XXX", "*", 2, "node", "unknown supplier code 'XXX'"),
        ("S9", "*", 2, "node", "unknown node"),
        ("s1", "*", 2, "node", "did you mean 'S1'"),
        ("refining:CCC", "*", 2, "node", "unknown stage 'refining'"),
        ("S1", "Zz", 2, "element", "unknown element symbol"),
    ],
)
def test_a_bad_recovery_row_names_file_row_and_column(
    tmp_path, node, element, row_number, column, words
):
    folder = chain(tmp_path, recovery=[{"node": node, "element": element, "recovery_days": 9}])
    with pytest.raises(InputError) as e:
        load_dataset(folder)
    [p] = [p for p in e.value.problems if p.where.endswith("recovery.csv")]
    assert (p.row, p.column) == (row_number, column)
    assert words in p.message and p.value == (node if column == "node" else element)


def test_a_negative_recovery_time_is_refused(tmp_path):
    folder = chain(tmp_path, recovery=[{"node": "S1", "element": "*", "recovery_days": -1}])
    with pytest.raises(InputError) as e:
        load_dataset(folder)
    [p] = [p for p in e.value.problems if p.where.endswith("recovery.csv")]
    assert (p.row, p.column) == (2, "recovery_days")


# --- the bundled data -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def today(bundled):
    return ex.exposure(bundled, measures.baseline_flows(bundled))


def test_bundled_data_names_exposed_nodes_first(bundled, today):
    assert today["exposed"].any()
    exposed = today[today["exposed"]]
    assert len(exposed) == today["exposed"].sum() and today["exposed"].iloc[: len(exposed)].all()
    assert (np.diff(exposed["value_at_risk_usd"].to_numpy()) <= 1e-6).all()
    assert (exposed["time_to_survive_days"] < exposed["time_to_recover_days"]).all()
    # China is where Korea runs out first: every exposed node is Chinese or passes through China
    assert "CHN" in set(exposed["country"])


def test_bundled_data_keeps_the_formulas(bundled, today):
    demand = bundled.elements["demand_t"]
    price = bundled.elements["price_usd_kg"]
    stock = bundled.stock_days
    # today's mix meets demand: with nothing stopped the network delivers all of it
    assert today["rate_intact_t"].to_numpy() == pytest.approx(
        today["element"].map(demand).to_numpy()
    )
    short = today[~today["never_short"]]
    d = short["element"].map(demand)
    gap = d - short["rate_without_t"]
    # TTS = stock tonnes / tonnes short a year, in days; stock tonnes = days * demand / 365
    tts = short["element"].map(stock) * d / 365 / gap * 365
    assert short["time_to_survive_days"].to_numpy() == pytest.approx(tts.to_numpy())
    # no alternative at all: exactly the stock days
    none = short[short["rate_without_t"] == 0]
    assert len(none) and (none["time_to_survive_days"] == none["element"].map(stock)).all()
    known = short[short["time_to_recover_days"].notna()]
    gap_days = (known["time_to_recover_days"] - known["time_to_survive_days"]).clip(lower=0)
    assert known["days_uncovered"].to_numpy() == pytest.approx(gap_days.to_numpy())
    value = gap_days / 365 * known["short_t_per_year"] * known["element"].map(price) * 1000
    assert known["value_at_risk_usd"].to_numpy() == pytest.approx(value.to_numpy())
    assert (today["through_t"] > 0).all()
    assert (today["through_t"] <= today["element"].map(demand) * (1 + 1e-9)).all()


def test_more_qualified_routes_never_survive_less(bundled, today):
    net = ex.exposure(bundled, measures.baseline_flows(bundled), qualified="network")
    keys = ["node", "node_type", "element"]
    both = today.merge(net, on=keys, suffixes=("_mix", "_net"))
    assert len(both) == len(today)
    assert (both["rate_without_t_net"] >= both["rate_without_t_mix"] - 1e-6).all()
    # and the network, at least once, replaces more than the mix's own suppliers can
    assert (both["rate_without_t_net"] > both["rate_without_t_mix"] + 1e-6).any()


def test_every_node_kind_and_the_china_node_covers_all_of_china(bundled, today):
    assert set(today["node_type"]) == set(ex.NODE_TYPES)
    china = today[(today["node"] == "CHN") & (today["node_type"] == "country")]
    plants = set(china["plants"].iloc[0].split("; "))
    assert plants == {p for p, c in bundled.plants["country"].items() if c == "CHN"} & set(
        ex.RateModel(bundled).active | set(bundled.baseline_flows["from"])
    )
    # the whole country carries at least what any one of its stages does
    for e in china["element"]:
        per_stage = today[(today["country"] == "CHN") & (today["element"] == e)]
        assert (
            china[china["element"] == e]["through_t"].iloc[0] >= per_stage["through_t"].max() - 1e-9
        )


def test_today_and_optimized_side_by_side(bundled):
    sol = optimize(bundled, Policy())
    stacked = ex.of_solution(sol)
    assert set(stacked["mix"]) == {"baseline", "optimized"}
    wide = ex.side_by_side(stacked)
    base = stacked[stacked["mix"] == "baseline"].set_index(["node", "node_type", "element"])
    for r in wide[wide["in_baseline"]].head(20).itertuples(index=False):
        got = base.loc[(r.node, r.node_type, r.element)]
        assert r.value_at_risk_usd_baseline == pytest.approx(got["value_at_risk_usd"], nan_ok=True)
    flagged = wide["exposed_baseline"] | wide["exposed_optimized"]
    assert flagged.iloc[: int(flagged.sum())].all()  # exposed in either mix first


# --- command line, workbook, app --------------------------------------------------------------


def test_cli_prints_the_exposed_nodes_and_writes_the_table(capsys, tmp_path):
    out = tmp_path / "exposure.csv"
    code = cli.main(["exposure", "--mix", "today", "--top", "3", "--out", str(out)])
    printed = capsys.readouterr().out
    assert code == 0, printed
    assert "Time to survive (TTS)" in printed and "CHN" in printed
    table = pd.read_csv(out)
    assert {"node", "time_to_survive_days", "time_to_recover_days", "exposed"} <= set(table)
    assert set(table["mix"]) == {"baseline"} and table["exposed"].any()


def test_cli_side_by_side_in_korean(capsys):
    assert cli.main(["exposure", "--top", "2", "--lang", "ko", "--qualified", "network"]) == 0
    printed = capsys.readouterr().out
    assert "생존 기간(TTS)" in printed and "TTS 현재 (일)" in printed and "TTS 최적 (일)" in printed


def test_cli_refuses_bad_flags(capsys, tmp_path):
    assert cli.main(["exposure", "--top", "0"]) == 2
    assert "--top" in capsys.readouterr().err
    assert cli.main(["exposure", "--qualified", "all"]) == 2
    assert cli.main(["exposure", "--out", str(tmp_path / "e.json")]) == 2
    assert "exposure table" in capsys.readouterr().err


def test_cli_reads_a_flows_file(capsys, tmp_path, small):
    flows = tmp_path / "flows.csv"
    spelt = small.baseline_flows.rename(columns={"from": "from_plant", "to": "to_plant"})
    spelt[["element", "from_plant", "to_plant", "tonnes"]].to_csv(flows, index=False)
    data = str(Path(small.origin))
    assert cli.main(["exposure", "--data", data, "--mix", str(flows)]) == 0
    printed = capsys.readouterr().out
    assert "S1" in printed and "30" in printed


def test_workbook_has_the_exposure_sheet(small, tmp_path):
    sol = optimize(small, Policy(objective="cost"))
    path = export.write_allocation(sol, tmp_path / "run.xlsx")
    sheet = pd.read_excel(path, sheet_name="exposure")
    s1 = sheet[(sheet["mix"] == "baseline") & (sheet["node"] == "S1")].iloc[0]
    assert s1["time_to_survive_days"] == pytest.approx(STOCK_DAYS)
    assert s1["recovery_status"] == "estimate" and s1["recovery_source"] == "test"


def test_app_shows_the_library_table_and_chart():
    from streamlit.testing.v1 import AppTest

    from optimizer.reports import messages

    at = AppTest.from_file(str(APP), default_timeout=90)
    at.run()
    at.session_state["view"] = "Scenarios"
    at.run()
    assert not at.exception, at.exception
    sol = optimize(load_dataset(), Policy())
    stacked = ex.of_solution(sol)
    shown = [d.value for d in at.main.dataframe if "time_to_survive_days" in d.value.columns]
    assert len(shown) == 2
    for frame, mix in zip(shown, ("baseline", "optimized"), strict=True):
        lib = stacked[(stacked["mix"] == mix) & stacked["exposed"]]
        assert list(frame["node"]) == list(lib["node"])
        assert list(frame["element"]) == list(lib["element"])
        assert frame["time_to_survive_days"].to_numpy() == pytest.approx(
            lib["time_to_survive_days"].to_numpy()
        )
    [chart] = [c for c in at.get("plotly_chart") if c.proto.id.endswith("-exposure_chart")]
    name = messages.text("exposure.chart_ttr", "en")
    [ttr] = [tr for tr in json.loads(chart.proto.spec)["data"] if tr.get("name") == name]
    wide = ex.side_by_side(stacked)
    x = ttr["x"]
    if isinstance(x, dict):  # plotly may write a typed array
        x = np.frombuffer(base64.b64decode(x["bdata"]), dtype=x["dtype"]).tolist()
    flagged = wide[wide["exposed_baseline"] | wide["exposed_optimized"]]
    assert len(x) == min(12, len(flagged))  # the most exposed, in the table's order
    assert x == pytest.approx(list(flagged["time_to_recover_days"].head(len(x))))


def test_app_qualified_choice_reaches_the_library_and_is_kept():
    from streamlit.testing.v1 import AppTest

    from optimizer.reports import messages
    from optimizer.ui import exposure as view

    at = AppTest.from_file(str(APP), default_timeout=90)
    at.run()
    at.session_state["view"] = "Scenarios"
    at.run()
    at.segmented_control(key=view.QUALIFIED).set_value("network").run()
    assert not at.exception, at.exception
    lib = ex.of_solution(optimize(load_dataset(), Policy()), "network")
    lib = lib[(lib["mix"] == "baseline") & lib["exposed"]]
    # the first exposure table on the page is today's mix
    frame = next(d.value for d in at.main.dataframe if "time_to_survive_days" in d.value.columns)
    assert frame["time_to_survive_days"].to_numpy() == pytest.approx(
        lib["time_to_survive_days"].to_numpy()
    )
    for tab in ("Overview", "Scenarios"):
        at.session_state["view"] = tab
        at.run()
    assert at.segmented_control(key=view.QUALIFIED).value == "network"
    at.session_state["lang"] = "ko"  # the open tab is kept by id across a language switch
    at.run()
    assert not at.exception, at.exception
    text = " ".join(m.value for m in at.markdown)
    assert messages.text("exposure.title", "ko") in text
