"""Hostile and mistaken inputs: each is refused quickly with a one-line reason, never a hang,
a traceback or memory exhaustion (issue 16: safe with any input and any user)."""

from __future__ import annotations

import csv
import os
import shutil
import threading
import time
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from optimizer import export
from optimizer.cli import main
from optimizer.dataset import BUNDLED_DATA, load_dataset
from optimizer.errors import InputError
from optimizer.limits import parse_number
from optimizer.policy import load_policy

ROUND_ONE = Path(__file__).parent / "fixtures" / "single_stage"


@pytest.fixture
def stage_data(tmp_path) -> Path:
    """A writable copy of the bundled data (the stage form)."""
    dest = tmp_path / "data"
    dest.mkdir()
    for src in BUNDLED_DATA.glob("*.csv"):
        shutil.copy(src, dest / src.name)
    return dest


@pytest.fixture
def small(tmp_path) -> Path:
    """A writable copy of round one's single-stage tables (the smallest to edit)."""
    dest = tmp_path / "small"
    dest.mkdir()
    for src in ROUND_ONE.glob("*.csv"):
        shutil.copy(src, dest / src.name)
    return dest


def problems_of(path) -> list[str]:
    with pytest.raises(InputError) as err:
        load_dataset(path)
    return [str(p) for p in err.value.problems]


def one_line_error(capsys, *argv) -> str:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    assert code == 2, (out, err)
    assert "Traceback" not in err and err.startswith("error:"), err
    return err


def edit(folder: Path, table: str, fn) -> None:
    file = folder / f"{table}.csv"
    frame = pd.read_csv(file, dtype=str, keep_default_na=False)
    fn(frame).to_csv(file, index=False)


def zip_of(folder: Path, dest: Path, extra: dict[str, bytes] | None = None, **kw) -> Path:
    with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED, **kw) as z:
        for f in sorted(folder.glob("*.csv")):
            z.write(f, f.name)
        for name, data in (extra or {}).items():
            z.writestr(name, data)
    return dest


# --- bombs and files that are not files ---------------------------------------------------------


def test_a_zip_bomb_is_refused_from_its_declared_size_before_decompressing(small, tmp_path):
    # 300 MB of zeros compresses to about 300 KB: the central directory says 300 MB
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        for f in small.glob("*.csv"):
            z.write(f, f.name)
        with z.open("notes.csv", "w", force_zip64=True) as member:
            block = b"0" * 1_000_000
            for _ in range(300):
                member.write(block)
    assert bomb.stat().st_size < 2_000_000
    start = time.perf_counter()
    (msg,) = problems_of(bomb)
    assert time.perf_counter() - start < 1.0
    assert "bytes uncompressed" in msg and "REE_SOURCING_MAX_ZIP_BYTES" in msg


def test_too_many_members_are_refused(small, tmp_path, monkeypatch):
    monkeypatch.setenv("REE_SOURCING_MAX_ZIP_MEMBERS", "10")
    archive = zip_of(small, tmp_path / "d.zip", extra={f"junk/{i}.txt": b"x" for i in range(20)})
    (msg,) = problems_of(archive)
    assert "REE_SOURCING_MAX_ZIP_MEMBERS" in msg


def test_two_tables_of_one_name_in_a_zip_are_reported(small, tmp_path):
    offers = (small / "offers.csv").read_bytes()
    archive = zip_of(small, tmp_path / "d.zip", extra={"old/offers.csv": offers})
    msgs = problems_of(archive)
    assert any("2 files named offers.csv" in m and "old/offers.csv" in m for m in msgs), msgs


def test_encrypted_deflate64_and_bad_crc_members_are_named(small, tmp_path):
    good = zip_of(small, tmp_path / "good.zip")
    raw = bytearray(good.read_bytes())
    with zipfile.ZipFile(good) as z:
        info = z.getinfo("offers.csv")
    header = info.header_offset

    def patched(offset_in_local: int, value: bytes, central_too: int | None = None) -> Path:
        data = bytearray(raw)
        data[header + offset_in_local : header + offset_in_local + len(value)] = value
        if central_too is not None:  # the same field in the central directory entry
            pos = data.find(b"PK\x01\x02")
            while pos != -1:
                name_len = int.from_bytes(data[pos + 28 : pos + 30], "little")
                if data[pos + 46 : pos + 46 + name_len] == b"offers.csv":
                    data[pos + central_too : pos + central_too + len(value)] = value
                pos = data.find(b"PK\x01\x02", pos + 4)
        out = tmp_path / f"p{offset_in_local}{value.hex()}.zip"
        out.write_bytes(bytes(data))
        return out

    encrypted = patched(6, (info.flag_bits | 1).to_bytes(2, "little"), central_too=8)
    deflate64 = patched(8, (9).to_bytes(2, "little"), central_too=10)
    bad_crc = patched(14, ((info.CRC ^ 1) & 0xFFFFFFFF).to_bytes(4, "little"), central_too=16)
    assert any("encrypted" in m for m in problems_of(encrypted))
    assert any("Deflate64" in m for m in problems_of(deflate64))
    assert any("bad CRC" in m for m in problems_of(bad_crc))
    # a member that claims to expand to 10 bytes is read no further than that
    understated = patched(22, (10).to_bytes(4, "little"), central_too=24)
    assert any("offers.csv: cannot be read" in m for m in problems_of(understated))


def test_a_stray_cell_at_the_last_row_of_a_sheet_is_refused_fast(small, tmp_path):
    from openpyxl import Workbook

    book = Workbook(write_only=False)
    book.remove(book.active)
    for name in ("elements", "suppliers", "offers", "baseline"):
        frame = pd.read_csv(small / f"{name}.csv", dtype=str, keep_default_na=False)
        sheet = book.create_sheet(name)
        sheet.append(list(frame.columns))
        for row in frame.itertuples(index=False):
            sheet.append(list(row))
    book["offers"].cell(row=1_048_576, column=1, value="stray")
    path = tmp_path / "stray.xlsx"
    book.save(path)
    start = time.perf_counter()
    msgs = problems_of(path)
    assert time.perf_counter() - start < 2.0
    assert any("1,048,576 rows" in m and "REE_SOURCING_MAX_ROWS" in m for m in msgs), msgs


def test_a_workbook_bomb_is_refused_from_its_declared_size(tmp_path):
    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member:
            for _ in range(300):
                member.write(b" " * 1_000_000)
    (msg,) = problems_of(bomb)
    assert "REE_SOURCING_MAX_ZIP_BYTES" in msg


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
def test_a_fifo_where_a_table_is_expected_is_refused_without_blocking(small):
    (small / "scenarios.csv").unlink()
    os.mkfifo(small / "scenarios.csv")
    result: list = []
    worker = threading.Thread(target=lambda: result.append(problems_of(small)), daemon=True)
    worker.start()
    worker.join(10)
    assert not worker.is_alive(), "validation blocked on a FIFO"
    assert any("named pipe" in m and "scenarios.csv" in m for m in result[0]), result


def test_a_symlink_to_dev_zero_and_a_folder_are_refused(small):
    if not Path("/dev/zero").exists():
        pytest.skip("no /dev/zero")
    (small / "scenarios.csv").unlink()
    (small / "scenarios.csv").symlink_to("/dev/zero")
    (small / "meta.csv").unlink()
    (small / "meta.csv").mkdir()
    msgs = problems_of(small)
    assert any("scenarios.csv: is a character device, not a regular file" in m for m in msgs)
    assert any("meta.csv: is a folder, not a regular file" in m for m in msgs)


def test_a_dataset_that_is_a_fifo_is_refused(tmp_path, capsys):
    if not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs")
    os.mkfifo(tmp_path / "d.zip")
    err = one_line_error(capsys, "validate", tmp_path / "d.zip")
    assert "named pipe" in err


def test_rows_per_table_and_csv_size_are_limited(small, monkeypatch):
    monkeypatch.setenv("REE_SOURCING_MAX_ROWS", "5")
    msgs = problems_of(small)
    assert any("rows, above the limit of 5" in m and "REE_SOURCING_MAX_ROWS" in m for m in msgs)
    monkeypatch.setenv("REE_SOURCING_MAX_FILE_BYTES", "100")
    msgs = problems_of(small)
    assert any("REE_SOURCING_MAX_FILE_BYTES" in m for m in msgs)


def test_eight_thousand_duplicate_rows_validate_in_well_under_a_second(stage_data):
    edit(stage_data, "capacity", lambda f: pd.concat([f] + [f.iloc[:1]] * 8000))
    start = time.perf_counter()
    msgs = problems_of(stage_data)
    assert time.perf_counter() - start < 1.5
    assert len(msgs) == 8000 and "duplicates row 2" in msgs[-1]


# --- YAML ---------------------------------------------------------------------------------------

LAUGHS = "\n".join(
    ["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    + [
        f"{c}: &{c} [{', '.join(['*' + p] * 9)}]"
        for p, c in zip("abcdefgh", "bcdefghi", strict=True)
    ]
    + ["elements: *i"]
)


def test_a_yaml_billion_laughs_is_refused_at_once(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text(LAUGHS)
    start = time.perf_counter()
    with pytest.raises(InputError) as err:
        load_policy(path)
    assert time.perf_counter() - start < 1.0
    assert "REE_SOURCING_MAX_YAML_ALIASES" in str(err.value)


def test_deep_yaml_duplicate_keys_and_non_finite_numbers_are_refused(tmp_path):
    cases = {
        "caps: " + "{a: " * 50 + "1" + "}" * 50: "REE_SOURCING_MAX_YAML_DEPTH",
        "objective: hhi\nobjective: cost\n": "gives the setting 'objective' twice",
        "budget_usd: .nan\n": "budget_usd': must be a finite number",
        "stockpile_days: .inf\n": "stockpile_days': must be a finite number",
        "caps: {CHN: .nan}\n": "caps': must map names to finite numbers",
        "caps: {1: 0.5}\n": "caps': must map names to finite numbers",
        "elements: [Nd, Nd]\n": "names Nd twice",
    }
    for i, (text, expected) in enumerate(cases.items()):
        path = tmp_path / f"p{i}.yaml"
        path.write_text(text)
        with pytest.raises(InputError) as err:
            load_policy(path)
        assert expected in str(err.value), (text, str(err.value))


def test_the_cli_reads_policies_through_the_same_loader(tmp_path, capsys):
    path = tmp_path / "p.yaml"
    path.write_text(LAUGHS)
    err = one_line_error(capsys, "compare", "--policy", path)
    assert "REE_SOURCING_MAX_YAML_ALIASES" in err


# --- one rule for numbers, strict headers, exact keys -------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("1,000", "has a comma"),
        ("1_000", "has an underscore"),
        ("\uff11\uff12", "full-width"),
        ("35%", "percent sign"),
        ("inf", "finite"),
        ("nan", "finite"),
        ("1e999", "too large"),
    ],
)
def test_numbers_that_python_or_people_accept_but_the_rule_does_not(small, text, expected):
    assert_parse_refused(text, expected)
    edit(small, "offers", lambda f: f.assign(capacity_t=[text] + list(f["capacity_t"][1:])))
    msgs = problems_of(small)
    assert any("offers.csv, row 2, column 'capacity_t'" in m and expected in m for m in msgs), msgs


def assert_parse_refused(text: str, expected: str) -> None:
    with pytest.raises(ValueError, match=expected):
        parse_number(text)


def test_plain_decimals_and_scientific_notation_are_numbers():
    for text, value in (("1200", 1200), ("0.35", 0.35), ("-2", -2), ("1.5e3", 1500), (".5", 0.5)):
        assert parse_number(text) == value


def test_huge_values_are_refused_per_column(small):
    edit(small, "offers", lambda f: f.assign(cost_usd_kg=["1e308"] + list(f["cost_usd_kg"][1:])))
    msgs = problems_of(small)
    assert any("column 'cost_usd_kg': is out of range" in m and "1e+07" in m for m in msgs), msgs


def test_a_repeated_header_is_found_in_the_raw_header(small):
    file = small / "baseline.csv"
    lines = file.read_text().splitlines()
    lines[0] += ",share"
    file.write_text("\n".join(line + ",0" if i else line for i, line in enumerate(lines)) + "\n")
    msgs = problems_of(small)
    assert any("row 1, column 'share': the column appears twice" in m for m in msgs), msgs


def test_headers_differing_by_case_or_spaces_are_reported(small):
    for table, old, new in (
        ("offers", "cost_usd_kg", "Cost_USD_kg"),
        ("elements", "demand_t", "demand_t\u00a0"),
    ):
        file = small / f"{table}.csv"
        text = file.read_text()
        file.write_text(text.replace(old, new, 1))
    msgs = problems_of(small)
    assert any("column 'Cost_USD_kg': is meant as the column 'cost_usd_kg'" in m for m in msgs)
    assert any("is meant as the column 'demand_t'" in m for m in msgs), msgs


def test_case_twin_and_nbsp_padded_codes_are_reported(small):
    def twin(f):
        extra = f.iloc[:1].copy()
        extra["supplier"] = f["supplier"].iloc[0].lower()
        return pd.concat([f, extra])

    edit(small, "suppliers", twin)
    msgs = problems_of(small)
    code = pd.read_csv(ROUND_ONE / "suppliers.csv")["supplier"].iloc[0]
    assert any(f"differs from '{code}' only by case" in m for m in msgs), msgs

    shutil.copy(ROUND_ONE / "suppliers.csv", small / "suppliers.csv")
    edit(
        small,
        "offers",
        lambda f: f.assign(supplier=[f["supplier"].iloc[0] + "\u00a0"] + list(f["supplier"][1:])),
    )
    msgs = problems_of(small)
    assert any("non-breaking space" in m and "U+00A0" in m for m in msgs), msgs


def test_an_unknown_code_that_differs_by_case_gets_a_hint(small):
    edit(
        small,
        "offers",
        lambda f: f.assign(supplier=[f["supplier"].iloc[0].lower()] + list(f["supplier"][1:])),
    )
    code = pd.read_csv(ROUND_ONE / "offers.csv")["supplier"].iloc[0]
    msgs = problems_of(small)
    assert any(f"did you mean '{code}'" in m for m in msgs), msgs


def test_control_characters_in_names_are_refused_on_load(small):
    edit(small, "suppliers", lambda f: f.assign(name=["Bad\x07name"] + list(f["name"][1:])))
    msgs = problems_of(small)
    assert any("control character U+0007" in m for m in msgs), msgs


def test_an_event_with_two_probabilities_or_a_backward_range_is_reported(stage_data):
    # events are independent, so their probabilities may add up past 1; one event has one
    first = "china-oct2025-reinstated"

    def twice(f):
        rows = f["scenario"] == first
        f.loc[rows[rows].index[-1], "probability"] = "0.5"
        f.loc[rows, "duration_low_days"] = "400"  # above its typical 63 days
        return f

    edit(stage_data, "scenarios", twice)
    msgs = problems_of(stage_data)
    assert any("different probability values" in m for m in msgs), msgs
    assert any("duration_low_days is above the typical duration" in m for m in msgs), msgs


# --- exports ------------------------------------------------------------------------------------


def test_formula_like_names_are_quoted_in_csv_and_xlsx_but_numbers_stay_numbers(tmp_path):
    frame = pd.DataFrame(
        {
            "name": ["=1+1", "+cmd", "-2+3", "@SUM(A1)", "\tx", "\rx", "plain", "a=b"],
            "tonnes": [1.0, -2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0],
        }
    )
    quoted = ["'=1+1", "'+cmd", "'-2+3", "'@SUM(A1)", "'\tx", "'\nx", "plain", "a=b"]
    csv_path = export.write_tables({"t": frame}, tmp_path / "t.csv")
    with open(csv_path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    assert [r[0] for r in rows[1:]] == quoted
    assert [r[1] for r in rows[1:]] == ["1.0", "-2.0", "3.0", "4.0", "5.0", "6.0", "7.0", "8.0"]
    from openpyxl import load_workbook

    sheet = load_workbook(export.write_tables({"t": frame}, tmp_path / "t.xlsx"))["t"]
    names = [sheet.cell(row=i, column=1).value for i in range(2, 10)]
    assert names == quoted
    assert all(sheet.cell(row=i, column=1).data_type == "s" for i in range(2, 10))
    assert sheet.cell(row=3, column=2).value == -2.0


# --- outputs never overwrite inputs -------------------------------------------------------------


def test_out_may_not_point_at_the_dataset_policy_or_flows_file(stage_data, tmp_path, capsys):
    before = (stage_data / "capacity.csv").read_bytes()
    for target in (stage_data / "capacity.csv", stage_data / "offers.csv"):
        err = one_line_error(
            capsys, "solve", "--data", stage_data, "--elements", "Nd", "--out", target, "--force"
        )
        assert "is an input of this run" in err
    assert (stage_data / "capacity.csv").read_bytes() == before
    assert not (stage_data / "offers.csv").exists()
    policy = tmp_path / "p.yaml"
    policy.write_text("objective: cost\n")
    err = one_line_error(capsys, "compare", "--policy", policy, "--out", policy, "--force")
    assert "is an input of this run" in err
    flows = tmp_path / "flows.csv"
    flows.write_text("element,from_plant,to_plant,tonnes\n")
    err = one_line_error(capsys, "stress", "--allocation", flows, "--out", flows, "--force")
    assert "is an input of this run" in err


def test_existing_outputs_need_force_and_a_bundle_an_empty_folder(tmp_path, capsys):
    out = tmp_path / "a.csv"
    out.write_text("keep me")
    err = one_line_error(capsys, "solve", "--elements", "Nd", "--objective", "cost", "--out", out)
    assert "pass --force" in err and out.read_text() == "keep me"
    assert (
        main(
            [
                "solve",
                "--elements",
                "Nd",
                "--objective",
                "cost",
                "--out",
                str(out),
                "--force",
                "--quiet",
            ]
        )
        == 0
    )
    assert out.read_text() != "keep me"
    bundle = tmp_path / "b"
    bundle.mkdir()
    (bundle / "mine.txt").write_text("x")
    argv = [
        "solve",
        "--elements",
        "Nd",
        "--objective",
        "cost",
        "--out",
        str(tmp_path / "c.csv"),
        "--bundle",
        str(bundle),
    ]
    err = one_line_error(capsys, *argv, "--force")
    assert "empty or new folder" in err
    err = one_line_error(
        capsys,
        "solve",
        "--elements",
        "Nd",
        "--out",
        tmp_path / "d.csv",
        "--summary",
        tmp_path / "d.csv",
    )
    assert "is also where" in err


# --- flags --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "argv, expected",
    [
        (["montecarlo", "--samples", "1e9"], "REE_SOURCING_MAX_SAMPLES"),
        (["montecarlo", "--samples", "10", "--seed", "-1"], "--seed: must be 0 or more"),
        (["montecarlo", "--samples", "2.5"], "must be a whole number"),
        (["compare", "--elements", "Nd,Nd"], "names Nd twice"),
        (["compare", "--stockpile-days", "inf"], "must be a finite number"),
        (["compare", "--stockpile-days", "nan"], "must be a finite number"),
        (["compare", "--budget", "1_000"], "has an underscore"),
        (["compare", "--cap", "CHN=1,5"], "has a comma"),
        (
            ["sweep", "--grid", "china_cap=0:1:2000000000", "--out", "never.csv"],
            "REE_SOURCING_MAX_GRID_POINTS",
        ),
        (["sweep", "--grid", "alpha=0.9,inf", "--out", "never.csv"], "must be a finite number"),
        (
            ["sweep", "--grid", "alpha=0.9", "--workers", "100000", "--out", "never.csv"],
            "REE_SOURCING_MAX_WORKERS",
        ),
        (["frontier", "--points", "1e6", "--out", "never.csv"], "REE_SOURCING_MAX_FRONTIER_POINTS"),
    ],
)
def test_bad_flag_values_are_one_line_errors(capsys, tmp_path, monkeypatch, argv, expected):
    monkeypatch.chdir(tmp_path)
    err = one_line_error(capsys, *argv)
    assert expected in err, err
    assert not (tmp_path / "never.csv").exists()


def test_all_demand_zero_loads_and_solving_says_there_is_nothing_to_buy(small, tmp_path, capsys):
    edit(small, "elements", lambda f: f.assign(demand_t="0"))
    assert main(["validate", str(small)]) == 0
    capsys.readouterr()
    for command in (["solve", "--out", tmp_path / "a.csv"], ["compare"], ["stress"]):
        err = one_line_error(capsys, *command, "--data", small)
        assert "nothing to buy" in err


def test_all_capacity_zero_is_a_dataset_error_or_a_clean_solve(stage_data, tmp_path, capsys):
    edit(stage_data, "capacity", lambda f: f.assign(capacity_t="0"))
    code = main(
        ["solve", "--data", str(stage_data), "--elements", "Nd", "--out", str(tmp_path / "a.csv")]
    )
    out, err = capsys.readouterr()
    assert code in (0, 2) and "Traceback" not in err
    if code == 2:
        assert err.startswith("error:")


def test_a_zero_budget_is_reported_cleanly(tmp_path, capsys):
    code = main(["solve", "--elements", "Nd", "--budget", "0", "--out", str(tmp_path / "a.csv")])
    out, err = capsys.readouterr()
    assert code in (0, 2) and "Traceback" not in err, err
    if code == 2:
        assert err.startswith("error:")


def test_unknown_plants_in_a_flows_file_are_named(tmp_path, capsys):
    flows = tmp_path / "f.csv"
    flows.write_text("element,from_plant,to_plant,tonnes\nNd,NOWHERE,korea,5\n")
    err = one_line_error(capsys, "montecarlo", "--samples", "10", "--allocation", flows)
    assert "NOWHERE" in err


def test_a_bundle_may_replace_an_earlier_bundle_only_with_force(tmp_path, capsys):
    bundle = tmp_path / "run"
    argv = ["solve", "--elements", "Nd", "--objective", "cost", "--quiet", "--bundle", str(bundle)]
    assert main([*argv, "--out", str(tmp_path / "a.csv")]) == 0
    err = one_line_error(capsys, *argv, "--out", tmp_path / "b.csv")
    assert "empty or new folder (with --force" in err
    assert main([*argv, "--out", str(tmp_path / "c.csv"), "--force"]) == 0


def test_a_hard_link_to_an_input_is_an_input(small, tmp_path, capsys):
    link = tmp_path / "offers-link.csv"
    os.link(small / "offers.csv", link)
    err = one_line_error(capsys, "solve", "--data", small, "--out", link, "--force")
    assert "is an input of this run" in err
