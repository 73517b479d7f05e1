"""Loading and validating datasets: the bundled one, and every kind of bad input."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from optimizer.dataset import BUNDLED_DATA, load_dataset
from optimizer.errors import InputError
from optimizer.schema import TABLES, write_template

ELEMENTS_17 = {
    "Sc",
    "Y",
    "La",
    "Ce",
    "Pr",
    "Nd",
    "Pm",
    "Sm",
    "Eu",
    "Gd",
    "Tb",
    "Dy",
    "Ho",
    "Er",
    "Tm",
    "Yb",
    "Lu",
}


ROUND_ONE = Path(__file__).parent / "fixtures" / "single_stage"


@pytest.fixture
def data_copy(tmp_path):
    """A writable copy of round one's single-stage tables: the checks below hold in both forms,
    and this form's tables are the smallest to edit."""
    dest = tmp_path / "data"
    dest.mkdir()
    for name in TABLES:
        src = ROUND_ONE / f"{name}.csv"
        if src.exists():
            shutil.copy(src, dest / src.name)
    return dest


def problems_of(path) -> list:
    with pytest.raises(InputError) as err:
        load_dataset(path)
    return err.value.problems


def edit(folder, table, fn):
    file = folder / f"{table}.csv"
    frame = pd.read_csv(file, dtype=str, keep_default_na=False)
    fn(frame)
    frame.to_csv(file, index=False)


# --- the bundled data ------------------------------------------------------------------------


def test_bundled_data_loads_with_all_17_elements():
    ds = load_dataset()
    assert set(ds.elements.index) == ELEMENTS_17
    assert ds.elements.at["Pm", "demand_t"] == 0
    assert (ds.capacity["element"] != "Pm").all()
    assert ds.form == "stage" and ds.stages == ["mine", "separation", "metal", "magnet"]
    countries = ds.suppliers[ds.suppliers["kind"] == "country"]
    assert len(countries) >= 20
    assert {
        "CHN",
        "VNM",
        "LAO",
        "MMR",
        "MYS",
        "THA",
        "AUS",
        "USA",
        "JPN",
        "FRA",
        "EST",
        "CAN",
        "IND",
        "BRA",
    } <= set(countries.index)
    assert {"FORGE", "FTA", "ASEAN"} <= set(ds.blocs)
    assert ds.bloc_members("RECYCLING"), (
        "domestic recycling must be tagged so recycled shares can be asked for"
    )


def test_every_bundled_row_has_a_source_and_a_status():
    for name in ("elements", "suppliers", "plants", "capacity", "feeds", "demand", "baseline_flows", "scenarios"):  # fmt: skip
        frame = pd.read_csv(BUNDLED_DATA / f"{name}.csv", dtype=str, keep_default_na=False)
        assert {"source", "status"} <= set(frame.columns), name
        assert (frame["source"].str.strip() != "").all(), f"{name}: a row has no source"
        assert frame["status"].isin(["confirmed", "estimate"]).all(), f"{name}: bad status"


def test_bundled_baseline_matches_published_china_dependence():
    # KITA 2024: China shipped 89.9% of Korea's NdFeB magnet imports and 79.8% of its REE metal
    # imports; China separates 85-90% of the world's rare earths
    from optimizer.network.measures import baseline_flows, stage_shares

    ds = load_dataset()
    flows = baseline_flows(ds)
    delivered = flows[flows["to"] == "korea"].assign(
        form=lambda f: f["from"].map(ds.plants["stage"]),
        country=lambda f: f["from"].map(ds.plants["country"]),
    )
    magnets = delivered[delivered["form"] == "magnet"]
    china_magnets = (
        magnets.loc[magnets["country"] == "CHN", "tonnes"].sum() / magnets["tonnes"].sum()
    )
    assert 0.8 <= china_magnets <= 0.95
    shares = stage_shares(ds, flows, ds.demanded_elements)
    sep = shares[(shares["stage"] == "separation") & (shares["country"] == "CHN")]
    value = (
        (ds.elements["demand_t"] * ds.elements["price_usd_kg"]).reindex(sep["element"]).to_numpy()
    )
    assert 0.8 <= float(sep["share"].to_numpy() @ value / value.sum()) <= 1.0


def test_fingerprint_is_stable_and_content_based(data_copy):
    a, b = load_dataset(ROUND_ONE), load_dataset(data_copy)
    assert a.fingerprint == b.fingerprint
    edit(
        data_copy,
        "offers",
        lambda f: f.__setitem__("capacity_t", f["capacity_t"].where(f.index != 0, "1")),
    )
    assert load_dataset(data_copy).fingerprint != a.fingerprint


# --- bad input: each problem names file, row and column ------------------------------------


def test_missing_column_is_named(data_copy):
    edit(data_copy, "offers", lambda f: f.pop("cost_usd_kg"))
    [p] = problems_of(data_copy)
    assert p.where.endswith("offers.csv") and p.row == 1 and p.column == "cost_usd_kg"


def test_non_numeric_and_negative_values_are_located(data_copy):
    def spoil(f):
        f.loc[0, "capacity_t"] = "12 t"
        f.loc[3, "capacity_t"] = "-5"
        f.loc[4, "cost_usd_kg"] = "1,200"

    edit(data_copy, "offers", spoil)
    found = {(p.row, p.column, p.value) for p in problems_of(data_copy)}
    assert (2, "capacity_t", "12 t") in found
    assert (5, "capacity_t", "-5") in found
    assert (6, "cost_usd_kg", "1,200") in found


def test_out_of_range_share_wgi_and_availability(data_copy):
    edit(
        data_copy,
        "suppliers",
        lambda f: f.__setitem__("wgi_risk", f["wgi_risk"].where(f.index != 1, "11")),
    )
    edit(
        data_copy,
        "scenarios",
        lambda f: f.__setitem__("availability", f["availability"].where(f.index != 0, "1.5")),
    )
    found = {(p.where.split("/")[-1], p.row, p.column) for p in problems_of(data_copy)}
    assert ("suppliers.csv", 3, "wgi_risk") in found
    assert ("scenarios.csv", 2, "availability") in found


def test_unknown_supplier_and_element_are_reported(data_copy):
    def spoil(f):
        f.loc[2, "supplier"] = "XXX"
        f.loc[5, "element"] = "Kr"

    edit(data_copy, "offers", spoil)
    found = {(p.row, p.column, p.value) for p in problems_of(data_copy)}
    assert (4, "supplier", "XXX") in found and (7, "element", "Kr") in found


def test_baseline_shares_must_sum_to_one(data_copy):
    base = pd.read_csv(data_copy / "baseline.csv", dtype=str)
    element = base.loc[0, "element"]
    edit(
        data_copy,
        "baseline",
        lambda f: f.__setitem__("share", f["share"].where(f.index != 0, "0.01")),
    )
    problems = problems_of(data_copy)
    assert any(
        p.column == "share" and p.value == element and "sum to" in p.message for p in problems
    )


def test_duplicate_keys_name_both_rows(data_copy):
    edit(data_copy, "offers", lambda f: f.loc.__setitem__(len(f), f.loc[0]))
    [p] = problems_of(data_copy)
    n = len(pd.read_csv(data_copy / "offers.csv"))
    assert p.row == n + 1 and "duplicates row 2" in p.message


def test_empty_and_corrupt_files(data_copy):
    (data_copy / "baseline.csv").write_text("")
    (data_copy / "offers.csv").write_text('supplier,element,capacity_t\n"CHN,Nd,5\n')
    problems = problems_of(data_copy)
    assert any(p.where.endswith("baseline.csv") and "empty" in p.message for p in problems)
    assert any(p.where.endswith("offers.csv") for p in problems)


def test_wrong_encoding_is_reported_not_guessed(data_copy):
    text = (data_copy / "suppliers.csv").read_text(encoding="utf-8")
    (data_copy / "suppliers.csv").write_bytes(text.replace("Japan", "Japón").encode("latin-1"))
    [p] = problems_of(data_copy)
    assert "UTF-8" in p.message and p.row is not None


def test_missing_table_and_all_problems_at_once(data_copy):
    (data_copy / "elements.csv").unlink()
    edit(data_copy, "offers", lambda f: f.__setitem__("capacity_t", "-1"))
    problems = problems_of(data_copy)
    assert any("elements table is missing" in p.message for p in problems)
    assert sum(p.column == "capacity_t" for p in problems) == len(
        pd.read_csv(data_copy / "offers.csv")
    )


def test_problem_text_names_file_row_column_and_value(data_copy):
    edit(
        data_copy,
        "offers",
        lambda f: f.__setitem__("capacity_t", f["capacity_t"].where(f.index != 0, "abc")),
    )
    text = str(problems_of(data_copy)[0])
    assert "offers.csv, row 2, column 'capacity_t'" in text and "'abc'" in text


def test_zip_and_workbook_load_like_the_folder(data_copy, tmp_path):
    archive = tmp_path / "data.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for f in data_copy.glob("*.csv"):
            z.write(f, f"mydata/{f.name}")
    book = tmp_path / "data.xlsx"
    with pd.ExcelWriter(book) as xl:
        for f in data_copy.glob("*.csv"):
            pd.read_csv(f, dtype=str, keep_default_na=False).to_excel(
                xl, sheet_name=f.stem, index=False
            )
    folder = load_dataset(data_copy)
    assert load_dataset(archive).fingerprint == folder.fingerprint
    assert load_dataset(book).fingerprint == folder.fingerprint


def test_workbook_problems_name_the_sheet(data_copy, tmp_path):
    book = tmp_path / "bad.xlsx"
    with pd.ExcelWriter(book) as xl:
        for f in data_copy.glob("*.csv"):
            frame = pd.read_csv(f, dtype=str, keep_default_na=False)
            if f.stem == "elements":
                frame.loc[2, "demand_t"] = "lots"
            frame.to_excel(xl, sheet_name=f.stem, index=False)
    [p] = problems_of(book)
    assert p.where == "bad.xlsx, sheet elements" and p.row == 4 and p.column == "demand_t"


def test_corrupt_workbook_and_unknown_format(tmp_path):
    (tmp_path / "x.xlsx").write_bytes(b"not a workbook")
    [p] = problems_of(tmp_path / "x.xlsx")
    assert "not a readable .xlsx" in p.message
    (tmp_path / "x.parquet").write_bytes(b"1")
    [p] = problems_of(tmp_path / "x.parquet")
    assert "cannot read" in p.message


def test_template_filled_in_loads(tmp_path):
    book = write_template(tmp_path / "template.xlsx")
    sheets = pd.read_excel(book, sheet_name=None)
    assert set(sheets) == {*TABLES, "columns"} - {"offers", "baseline"}
    with pd.ExcelWriter(book, mode="a", if_sheet_exists="replace") as xl:
        for name in sheets:
            src = BUNDLED_DATA / f"{name}.csv"
            if src.exists():
                frame = pd.read_csv(src, dtype=str, keep_default_na=False)
                frame.reindex(
                    columns=list(dict.fromkeys([*sheets[name].columns, *frame.columns]))
                ).to_excel(xl, sheet_name=name, index=False)
    assert load_dataset(book).fingerprint == load_dataset().fingerprint


def test_readme_documents_every_table_and_column():
    from optimizer.schema import reference_markdown

    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    assert reference_markdown() in readme, (
        "regenerate README's tables with schema.reference_markdown()"
    )


def test_thousands_of_duplicate_rows_each_name_the_first(data_copy):
    # found with a hash of the key (a scan per duplicate took minutes at this size)
    offers = pd.read_csv(data_copy / "offers.csv", dtype=str, keep_default_na=False)
    pd.concat([offers] + [offers.iloc[:1]] * 3000).to_csv(data_copy / "offers.csv", index=False)
    problems = problems_of(data_copy)
    assert len(problems) == 3000
    assert all("duplicates row 2" in p.message for p in problems)
