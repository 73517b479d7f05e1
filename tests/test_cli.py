"""The ree-sourcing command: outputs, policy precedence, and one-line errors with exit code 2."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from builders import two_suppliers, write_dataset

from optimizer.cli import main
from optimizer.dataset import BUNDLED_DATA, load_dataset
from optimizer.schema import TABLES

REPO = Path(__file__).resolve().parent.parent


def world(folder: Path) -> Path:
    """Two elements; China cheap, FORGE partners dearer, a small domestic recycler."""
    return write_dataset(
        folder,
        elements=[
            {"element": "X", "demand_t": 100, "price_usd_kg": 10},
            {"element": "Y", "demand_t": 50, "price_usd_kg": 40},
        ],
        suppliers=[
            {"supplier": "CHN", "blocs": "FTA"},
            {"supplier": "AUS", "blocs": "FORGE;FTA", "wgi_risk": 1.0},
            {"supplier": "VNM", "blocs": "FORGE", "wgi_risk": 4.0},
            {"supplier": "KOR-RECYCLING", "kind": "domestic", "blocs": "RECYCLING"},
        ],
        offers=[
            {"supplier": "CHN", "element": "X", "capacity_t": 1000, "cost_usd_kg": 10},
            {"supplier": "AUS", "element": "X", "capacity_t": 1000, "cost_usd_kg": 15},
            {"supplier": "VNM", "element": "X", "capacity_t": 1000, "cost_usd_kg": 14},
            {"supplier": "KOR-RECYCLING", "element": "X", "capacity_t": 30, "cost_usd_kg": 20},
            {"supplier": "CHN", "element": "Y", "capacity_t": 1000, "cost_usd_kg": 30},
            {"supplier": "AUS", "element": "Y", "capacity_t": 40, "cost_usd_kg": 45},
            {"supplier": "KOR-RECYCLING", "element": "Y", "capacity_t": 10, "cost_usd_kg": 60},
        ],
        scenarios=[
            {
                "scenario": "china-ban",
                "supplier": "CHN",
                "element": "*",
                "availability": 0.2,
                "probability": 0.1,
                "description": "export licences stop",
            }
        ],
    )


@pytest.fixture
def data(tmp_path) -> Path:
    return world(tmp_path / "data")


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def solved_policy(capsys, tmp_path, *argv) -> dict:
    summary = tmp_path / "s.json"
    code, _, err = run(
        capsys, "solve", *argv, "--out", tmp_path / "a.csv", "--summary", summary, "--force"
    )
    assert code == 0, err
    return json.loads(summary.read_text())["policy"]


def assert_user_error(code: int, out: str, err: str) -> list[str]:
    assert code == 2
    assert out == ""
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert lines and all(line.startswith("error:") for line in lines), err
    return lines


# --- validate and template -------------------------------------------------------------------


def test_validate_summarises_a_dataset(capsys, data):
    code, out, err = run(capsys, "validate", data)
    assert (code, err) == (0, "")
    assert "elements     2 (2 with demand)" in out
    assert "suppliers    4 (3 country, 1 domestic)" in out
    assert "capacity     7 plant-element rows" in out
    assert "(single-stage form)" in out
    assert "scenarios    1 (1 rows)" in out
    # 100 t at 10 USD/kg + 50 t at 40 USD/kg = 3 million USD
    assert "demand       150 t REO a year, worth 3.00 million USD" in out
    assert "estimates    100%" in out
    assert load_dataset(data).fingerprint in out


def test_validate_lists_every_problem_with_file_row_and_column(capsys, data):
    def edit(table, row, column, value):
        frame = pd.read_csv(data / f"{table}.csv", dtype=str, keep_default_na=False)
        frame.loc[row - 2, column] = value  # row as the user sees it: header is row 1
        frame.to_csv(data / f"{table}.csv", index=False)

    edit("elements", 2, "demand_t", "lots")
    edit("offers", 3, "capacity_t", "-5")
    edit("suppliers", 4, "kind", "planet")
    code, out, err = run(capsys, "validate", data)
    assert code == 2 and out == "" and "Traceback" not in err
    lines = err.strip().splitlines()
    assert lines[0] == f"error: 3 problems in {data}"
    body = "\n".join(lines[1:])
    assert len(lines) == 4
    assert "elements.csv, row 2, column 'demand_t': is not a number" in body
    assert "offers.csv, row 3, column 'capacity_t': is out of range" in body
    assert "suppliers.csv, row 4, column 'kind': expected one of country, domestic" in body


def test_validate_missing_folder(capsys, tmp_path):
    code, out, err = run(capsys, "validate", tmp_path / "nowhere")
    assert code == 2 and out == ""
    assert err.startswith("error: 1 problem in ")


def test_template_writes_every_table_and_a_columns_sheet(capsys, tmp_path):
    path = tmp_path / "blank.xlsx"
    code, out, err = run(capsys, "template", path)
    assert (code, err) == (0, "")
    assert str(path) in out
    sheets = pd.read_excel(path, sheet_name=None)
    stage_form = [n for n in TABLES if n not in ("offers", "baseline")]
    assert list(sheets) == [*stage_form, "columns"]
    for name in stage_form:
        assert list(sheets[name].columns) == [c.name for c in TABLES[name].all_columns]
    documented = set(zip(sheets["columns"]["table"], sheets["columns"]["column"], strict=True))
    assert ("capacity", "cost_usd_kg") in documented and ("feeds", "max_share") in documented
    assert "offers and baseline instead of" in out  # the single-stage form still loads


def test_filled_template_loads_with_the_same_fingerprint_as_csvs(capsys, tmp_path, data):
    path = tmp_path / "filled.xlsx"
    assert run(capsys, "template", path)[0] == 0
    template = pd.read_excel(path, sheet_name=None)
    csv_copy = tmp_path / "csv_copy"
    csv_copy.mkdir()
    with pd.ExcelWriter(path, engine="openpyxl") as xl:
        for name in TABLES:
            file = data / f"{name}.csv"
            if not file.exists():  # an optional table this dataset does not have
                continue
            frame = pd.read_csv(file, keep_default_na=False)  # numbers as numbers in Excel
            if name in template:  # round one's tables are not in the template: keep theirs
                assert set(frame.columns) <= set(template[name].columns)
                frame = frame[[c for c in template[name].columns if c in frame.columns]]
            frame.to_excel(xl, sheet_name=name, index=False)
            frame.to_csv(csv_copy / file.name, index=False)
        template["columns"].to_excel(xl, sheet_name="columns", index=False)
    from_xlsx, from_csv = load_dataset(path), load_dataset(csv_copy)
    assert from_xlsx.fingerprint == from_csv.fingerprint
    assert run(capsys, "validate", path)[0] == 0


def test_template_needs_xlsx(capsys, tmp_path):
    lines = assert_user_error(*run(capsys, "template", tmp_path / "blank.csv"))
    assert "xlsx" in lines[0]


# --- solve -----------------------------------------------------------------------------------


def test_solve_prints_a_compact_report_and_writes_files(capsys, tmp_path, data):
    out_file, summary = tmp_path / "out" / "a.xlsx", tmp_path / "s.json"
    code, out, err = run(
        capsys,
        "solve",
        "--data",
        data,
        "--cap",
        "CHN=0.3",
        "--out",
        out_file,
        "--summary",
        summary,
    )
    assert (code, err) == (0, "")
    assert out.startswith("status      optimal")
    assert "objective   hhi" in out
    assert "least cost" in out and "budget" in out
    china = next(line for line in out.splitlines() if "China share" in line).split()
    assert china[-2] == "100.0%"  # today all Chinese
    assert float(china[-1].rstrip("%")) <= 30.0
    assert "binding constraints" in out
    assert "Raising the CHN cap for Y" in out  # Y's cheap alternatives run out: the cap binds
    assert f"wrote {out_file}" in out
    assert pd.read_excel(out_file, sheet_name="allocation")["tonnes"].sum() == pytest.approx(150)
    assert json.loads(summary.read_text())["status"] == "optimal"


def test_solve_reports_shortfalls_with_their_cause(capsys, tmp_path):
    data = two_suppliers(tmp_path / "d", cap_a=30, cap_b=40)
    code, out, _ = run(capsys, "solve", "--data", data, "--out", tmp_path / "a.csv")
    assert code == 0
    assert out.startswith("status      shortfall")
    assert "X is short by 30 t" in out and "offer 70 t" in out


def test_quiet_prints_nothing(capsys, tmp_path, data):
    code, out, err = run(capsys, "solve", "--data", data, "--quiet", "--out", tmp_path / "a.json")
    assert (code, out, err) == (0, "", "")
    assert json.loads((tmp_path / "a.json").read_text())["allocation"]


def test_element_caps_bloc_minimums_and_scope(capsys, tmp_path, data):
    policy = solved_policy(
        capsys,
        tmp_path,
        "--data",
        data,
        "--cap",
        "X:CHN=0.3",
        "--bloc-min",
        "X:FORGE=0.5",
        "--bloc-min",
        "FTA=0.1",
        "--elements",
        "X",
        "--weights",
        "equal",
    )
    assert policy["element_caps"] == {"X": {"CHN": 0.3}}
    assert policy["element_bloc_min"] == {"X": {"FORGE": 0.5}}
    assert policy["bloc_min"] == {"FTA": 0.1}
    assert policy["elements"] == ["X"] and policy["weights"] == "equal"
    alloc = pd.read_csv(tmp_path / "a.csv")
    assert set(alloc["element"]) == {"X"}
    china = alloc.loc[alloc["country"] == "CHN", "share"].sum()
    assert china <= 0.3 + 1e-9
    assert alloc.loc[alloc["country"].isin(["AUS", "VNM"]), "share"].sum() >= 0.5 - 1e-9


def test_cost_objective_with_a_risk_cap(capsys, tmp_path, data):
    code, out, err = run(
        capsys,
        "solve",
        "--data",
        data,
        "--objective",
        "cost",
        "--risk-cap",
        "max-share=0.5",
        "--out",
        tmp_path / "a.csv",
    )
    assert (code, err) == (0, "")
    assert "budget none (cost objective)" in out
    alloc = pd.read_csv(tmp_path / "a.csv")
    assert alloc.groupby("element")["share"].max().max() <= 0.5 + 1e-7


# --- policy precedence: preset < policy file < flags ----------------------------------------


def test_preset_file_and_flags_layer_in_order(capsys, tmp_path, data):
    file = tmp_path / "p.yaml"
    file.write_text("country_cap: 0.55\nbudget_usd: 9000000\n")
    base = ["--data", data, "--preset", "eu-crma"]
    assert solved_policy(capsys, tmp_path, *base)["country_cap"] == 0.65
    with_file = solved_policy(capsys, tmp_path, *base, "--policy", file)
    assert with_file["country_cap"] == 0.55 and with_file["budget_usd"] == 9e6
    assert with_file["preset"] == "eu-crma"
    with_flags = solved_policy(
        capsys,
        tmp_path,
        *base,
        "--policy",
        file,
        "--country-cap",
        "0.45",
        "--budget-premium",
        "0.3",
    )
    assert with_flags["country_cap"] == 0.45
    # A premium on the command line replaces the file's absolute budget.
    assert with_flags["budget_usd"] is None and with_flags["budget_premium"] == 0.3


def test_flags_merge_into_preset_mappings(capsys, tmp_path, data):
    policy = solved_policy(
        capsys, tmp_path, "--data", data, "--preset", "forge-first", "--cap", "CHN=0.5"
    )
    assert policy["caps"] == {"CHN": 0.5}
    assert policy["bloc_min"] == {"FORGE": 0.25}  # kept from the preset


def test_policy_yaml_round_trip_gives_the_same_allocation(capsys, tmp_path, data):
    first, again, bundle = tmp_path / "first.csv", tmp_path / "again.csv", tmp_path / "run"
    flags = ["--cap", "CHN=0.5", "--bloc-min", "FORGE=0.3", "--objective", "wgi-hhi"]
    code, _, err = run(
        capsys, "solve", "--data", data, *flags, "--out", first, "--bundle", bundle, "--quiet"
    )
    assert (code, err) == (0, "")
    assert (bundle / "policy.yaml").exists() and (bundle / "README.txt").exists()
    code, _, err = run(
        capsys, "solve", "--data", data, "--policy", bundle / "policy.yaml", "--out", again
    )
    assert (code, err) == (0, "")
    pd.testing.assert_frame_equal(pd.read_csv(first), pd.read_csv(again))
    pd.testing.assert_frame_equal(pd.read_csv(first), pd.read_csv(bundle / "allocation.csv"))


# --- user mistakes: one line each, exit 2, no traceback ----------------------------------------


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        (["--cap", "CHN=1.5"], "error: --cap CHN: must be a number from 0 to 1 (got 1.5)"),
        (["--cap", "XYZ=0.5"], "error: --cap XYZ: unknown supplier"),
        (["--cap", "Q:CHN=0.5"], "error: --cap Q: unknown element"),
        (["--cap", "CHN"], "error: --cap CHN: expected [ELEMENT:][STAGE:]NAME=SHARE"),
        (["--country-cap", "-0.1"], "error: --country-cap: must be a number from 0 to 1"),
        (["--bloc-min", "NATO=0.2"], "error: --bloc-min NATO: unknown bloc"),
        (["--risk-cap", "X:hhi=0.3"], "error: --risk-cap X:hhi=0.3: a risk cap applies"),
        (["--risk-cap", "entropy=0.3"], "error: --risk-cap entropy: unknown risk measure"),
        (["--elements", "Q"], "error: --elements: unknown element"),
        (["--elements", ","], "error: --elements: name at least one element"),
        (["--budget", "1", "--budget-premium", "0.1"], "error: argument --budget-premium"),
        (["--objective", "fastest"], "error: argument --objective: invalid choice"),
        (["--preset", "nope"], "error: argument --preset: invalid choice"),
        (["--country-cap", "half"], "error: argument --country-cap: 'half' is not a number"),
        (
            ["--bloc-min", "FORGE=0.9", "--cap", "AUS=0.2", "--cap", "VNM=0.2"],
            "above what the caps on its members allow together",
        ),
    ],
)
def test_bad_flags_are_one_line_errors(capsys, tmp_path, data, flags, expected):
    out_file = tmp_path / "a.csv"
    lines = assert_user_error(*run(capsys, "solve", "--data", data, *flags, "--out", out_file))
    assert any(expected in line for line in lines), lines
    assert not out_file.exists()


def test_several_bad_flags_are_reported_together(capsys, tmp_path, data):
    lines = assert_user_error(
        *run(
            capsys,
            "solve",
            "--data",
            data,
            "--cap",
            "CHN=2",
            "--cap",
            "XYZ=0.1",
            "--out",
            tmp_path / "a.csv",
        )
    )
    assert len(lines) == 2


def test_preset_unknown_supplier_names_the_preset(capsys, tmp_path):
    data = two_suppliers(tmp_path / "d")  # no CHN, but forge-first caps China
    lines = assert_user_error(
        *run(
            capsys, "solve", "--data", data, "--preset", "forge-first", "--out", tmp_path / "a.csv"
        )
    )
    assert lines == [
        "error: --preset forge-first, column 'caps.CHN': unknown supplier: choose from AAA, BBB (got 'CHN')"
    ]


def test_policy_file_problems_name_the_file(capsys, tmp_path, data):
    bad = tmp_path / "p.yaml"
    bad.write_text("country_cap: 3\nrecycled_min: 0.1\n")
    lines = assert_user_error(
        *run(capsys, "solve", "--data", data, "--policy", bad, "--out", tmp_path / "a.csv")
    )
    assert lines == [f"error: {bad}, column 'country_cap': must be a number from 0 to 1 (got 3)"]
    bad.write_text("capz: 1\n")
    lines = assert_user_error(
        *run(capsys, "solve", "--data", data, "--policy", bad, "--out", tmp_path / "a.csv")
    )
    assert "unknown setting" in lines[0] and "capz" in lines[0]
    missing = tmp_path / "none.yaml"
    assert_user_error(
        *run(capsys, "solve", "--data", data, "--policy", missing, "--out", tmp_path / "a.csv")
    )


def test_unknown_output_extension_fails_before_solving(capsys, tmp_path, data):
    lines = assert_user_error(*run(capsys, "solve", "--data", data, "--out", tmp_path / "a.txt"))
    assert ".csv, .json or .xlsx" in lines[0] and "a.txt" in lines[0]
    lines = assert_user_error(
        *run(
            capsys,
            "solve",
            "--data",
            data,
            "--out",
            tmp_path / "a.csv",
            "--summary",
            tmp_path / "s.yaml",
        )
    )
    assert "s.yaml" in lines[0]
    assert not (tmp_path / "a.csv").exists()


def test_bad_data_in_solve_is_reported_like_validate(capsys, tmp_path, data):
    (data / "offers.csv").write_text("supplier,element\n")
    code, out, err = run(capsys, "solve", "--data", data, "--out", tmp_path / "a.csv")
    assert code == 2 and out == "" and "Traceback" not in err
    lines = err.splitlines()
    assert lines[0].startswith("error: ") and lines[0].endswith(f"problems in {data}")
    assert any("offers.csv, row 1, column 'capacity_t'" in line for line in lines[1:])
    assert any("offers.csv: has a header but no data rows" in line for line in lines[1:])


def test_no_command_and_help(capsys):
    code, out, err = run(capsys)
    assert code == 2 and err.startswith("error: choose a command")
    code, out, _ = run(capsys, "solve", "--help")
    assert code == 0
    for flag in ("--budget-premium", "--cap", "--bloc-min", "--risk-cap", "--quiet", "--out"):
        assert flag in out


# --- frontier and compare --------------------------------------------------------------------


def test_frontier_prints_points_and_writes_them(capsys, tmp_path, data):
    out_file = tmp_path / "f.xlsx"
    code, out, err = run(capsys, "frontier", "--data", data, "--points", "4", "--out", out_file)
    assert (code, err) == (0, "")
    table = out.splitlines()
    assert table[0].split()[:3] == ["point", "budget", "USD"]
    assert [line.split()[0] for line in table[1:5]] == ["0", "1", "2", "3"]
    sheets = pd.read_excel(out_file, sheet_name=None)
    assert len(sheets["points"]) == 4
    assert sheets["points"]["hhi"].iloc[-1] < sheets["points"]["hhi"].iloc[0]


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        (["--objective", "cost"], "error: --objective: the frontier trades cost"),
        (["--points", "1"], "error: --points: a frontier needs at least 2 points"),
    ],
)
def test_frontier_mistakes(capsys, tmp_path, data, flags, expected):
    lines = assert_user_error(
        *run(capsys, "frontier", "--data", data, *flags, "--out", tmp_path / "f.csv")
    )
    assert lines[0].startswith(expected)


def test_compare_prints_elements_and_portfolio(capsys, tmp_path, data):
    out_file = tmp_path / "cmp.csv"
    code, out, err = run(capsys, "compare", "--data", data, "--cap", "CHN=0.5", "--out", out_file)
    assert (code, err) == (0, "")
    elements_table = out.split("\n\n")[0]  # the stage table follows after a blank line
    rows = {line.split()[0]: line.split() for line in elements_table.splitlines()[2:]}
    assert set(rows) >= {"X", "Y", "portfolio"}
    assert rows["X"][1] == "1.0000" and float(rows["X"][2]) < 0.5  # HHI today, optimized
    assert rows["X"][3] == "100.0%" and float(rows["X"][4].rstrip("%")) <= 50.0  # China
    table = pd.read_csv(out_file)
    assert list(table["element"]) == ["X", "Y", "portfolio"]
    assert table["china_share_optimized"].iloc[:2].max() <= 0.5 + 1e-9
    assert table["china_share_baseline"].iloc[0] == 1.0
    lines = assert_user_error(
        *run(capsys, "compare", "--data", data, "--out", tmp_path / "cmp.xlsx")
    )
    assert "cmp.xlsx" in lines[0]


# --- the installed command, in a fresh process -----------------------------------------------


def _command(*args) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "optimizer.cli", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=300,
    )


def test_console_quiet_solve_keeps_stdout_clean(tmp_path, data):
    result = _command("solve", "--data", data, "--quiet", "--out", tmp_path / "x.json")
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""  # no highspy banner
    assert json.loads((tmp_path / "x.json").read_text())["status"] == "optimal"


def test_console_bad_cap_is_exit_2_without_traceback(tmp_path, data):
    result = _command("solve", "--data", data, "--cap", "CHN=7", "--out", tmp_path / "x.json")
    assert result.returncode == 2
    assert result.stderr.startswith("error:")
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


# --- the bundled reference data ----------------------------------------------------------------


@pytest.mark.skipif(
    not (BUNDLED_DATA / "elements.csv").exists(),
    reason="bundled data not written yet (lead: remove this guard once data/ is committed)",
)
def test_bundled_data_validates_and_solves(capsys, tmp_path):
    ds = load_dataset()
    code, out, err = run(capsys, "validate")
    assert (code, err) == (0, "")
    assert f"elements     {len(ds.elements)} ({len(ds.demanded_elements)} with demand)" in out
    assert f"as of        {ds.as_of}" in out
    code, out, err = run(
        capsys, "solve", "--preset", "korea-2030", "--out", tmp_path / "k.xlsx", "--quiet"
    )
    assert (code, out, err) == (0, "", "")
    summary = pd.read_excel(tmp_path / "k.xlsx", sheet_name="summary").set_index("field")
    assert (
        summary.at["portfolio.china_share", "optimized"]
        < summary.at["portfolio.china_share", "baseline"]
    )
