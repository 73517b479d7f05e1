"""Fuzz: random corruptions of the bundled data and random flag values never end in a
traceback. Every run of the command line returns 0 or 2, and a 2 comes with `error:` lines.

Seeded, so a failure is reproducible: the message names the case number and what was done,
and `FUZZ_CASE=<n>` runs that case alone. Bounded: a few hundred cases in about 30 s.
"""

from __future__ import annotations

import os
import random
import shutil
import traceback
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from optimizer.cli import main
from optimizer.schema import BUNDLED_DATA, TABLES

SEED = 16
DATA_CASES = 200
FLAG_CASES = 70
SOLVE_SHARE = 0.6  # of the corrupted datasets the validator accepts, the share also solved
ELEMENTS = ["Nd", "Pr", "Dy", "Tb", "La", "Ce", "Y", "Sm", "Sc", "Lu"]

WORDS = ["", " ", "x", "CHN", "chn", "CHN\u00a0", "korea", "*", "=1+1", "@SUM(A1)", "-", "Nd",
         "separation", "mine", "magnet", "operating", "estimate", "confirmed", "a;b", "\u200b",
         "중국", "\x07", "'", '"', "\\", "separation:CHN", "mine:*"]  # fmt: skip
NUMBERS = ["0", "-0", "1", "-1", "0.5", "1e308", "-1e308", "1e9", "1e12", "1e-300", "1e400",
           "nan", "inf", "-inf", "1,000", "1_000", "\uff11\uff12", "35%", "0x1F", "2.5", "99999",
           "1e7", "0.000001", "2100", "1900", "100000"]  # fmt: skip


def _copy_bundled(dest: Path) -> Path:
    dest.mkdir()
    for name in TABLES:
        src = BUNDLED_DATA / f"{name}.csv"
        if src.exists():
            shutil.copy(src, dest / src.name)
    return dest


def _value(rng: random.Random) -> str:
    pick = rng.random()
    if pick < 0.4:
        return rng.choice(NUMBERS)
    if pick < 0.75:
        return rng.choice(WORDS)
    if pick < 0.9:
        return f"{rng.uniform(-10, 10) * 10 ** rng.randint(-6, 12):.6g}"
    return "".join(chr(rng.randint(32, 0x2FF)) for _ in range(rng.randint(1, 8)))


def _zipped(folder: Path, dest: Path) -> Path:
    with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as z:
        for f in sorted(folder.glob("*.csv")):
            z.write(f, f"dataset/{f.name}")
    return dest


def _read(file: Path) -> pd.DataFrame:
    return pd.read_csv(file, dtype=str, keep_default_na=False)


def corrupt(rng: random.Random, folder: Path) -> list[str]:
    """One to three random edits of the tables in `folder`; returns what was done."""
    done = []
    for _ in range(rng.choice([1, 1, 1, 2, 3])):
        files = sorted(folder.glob("*.csv"))
        if not files:
            break
        file = rng.choice(files)
        op = rng.choice(
            ["cell", "cell", "cell", "valid number", "valid number", "valid number",
             "valid number", "valid number", "drop column",
             "duplicate rows", "delete table", "junk rows", "header case", "shuffle",
             "truncate", "bytes", "blank column"]
        )  # fmt: skip
        if op in ("truncate", "bytes"):
            data = file.read_bytes()
            cut = rng.randint(0, len(data))
            extra = bytes(rng.randint(0, 255) for _ in range(8)) if op == "bytes" else b""
            file.write_bytes(data[:cut] + extra)
            done.append(f"{op} {file.name} at {cut}")
            continue
        if op == "delete table":
            file.unlink()
            done.append(f"delete {file.name}")
            continue
        try:
            frame = _read(file)
        except (ValueError, UnicodeDecodeError, pd.errors.ParserError):
            continue  # an earlier edit broke it: the loader is asked about that
        if frame.empty:
            continue
        column = rng.choice(list(frame.columns))
        row = rng.randrange(len(frame))
        if op == "cell":
            value = _value(rng)
            frame.iloc[row, frame.columns.get_loc(column)] = value
            done.append(f"{file.name} row {row + 2} {column} = {value!r}")
        elif op == "valid number":  # keeps the table valid more often: reaches the model
            numeric = [c for c in frame.columns if c in _NUMERIC]
            if not numeric:
                continue
            column = rng.choice(numeric)
            value = rng.choice(["0", "0", "1e-9", "1", "5000", "1e6", "1e9", "1e7", "0.999"])
            rows = range(len(frame)) if rng.random() < 0.3 else [row]
            for r in rows:
                frame.iloc[r, frame.columns.get_loc(column)] = value
            done.append(f"{file.name} {column} = {value} on {len(rows)} rows")
        elif op == "drop column":
            frame = frame.drop(columns=[column])
            done.append(f"{file.name} drop {column}")
        elif op == "blank column":
            frame[column] = ""
            done.append(f"{file.name} blank {column}")
        elif op == "duplicate rows":
            frame = pd.concat([frame, frame.iloc[[row] * rng.randint(1, 5)]])
            done.append(f"{file.name} duplicate row {row + 2}")
        elif op == "junk rows":
            junk = pd.DataFrame(
                [[_value(rng) for _ in frame.columns] for _ in range(rng.randint(1, 4))],
                columns=frame.columns,
            )
            frame = pd.concat([frame, junk])
            done.append(f"{file.name} junk rows")
        elif op == "header case":
            frame = frame.rename(columns={column: column.upper()})
            done.append(f"{file.name} header {column.upper()}")
        elif op == "shuffle":
            frame = frame.sample(frac=1, random_state=rng.randint(0, 999))
            done.append(f"{file.name} shuffled")
        frame.to_csv(file, index=False)
    return done


_NUMERIC = {
    c.name for t in TABLES.values() for c in t.all_columns if c.kind in ("number", "integer")
}


def _flags(rng: random.Random) -> list[str]:
    flags: list[str] = []
    pool = [
        lambda: ["--budget", rng.choice(NUMBERS)],
        lambda: ["--budget-premium", rng.choice(NUMBERS)],
        lambda: ["--cap", f"{rng.choice(['CHN', 'AUS', 'XX', 'Nd:CHN', 'separation:CHN'])}={rng.choice(NUMBERS)}"],
        lambda: ["--country-cap", rng.choice(NUMBERS)],
        lambda: ["--bloc-min", f"{rng.choice(['FORGE', 'RECYCLING', 'NONE'])}={rng.choice(NUMBERS)}"],
        lambda: ["--recycled-min", rng.choice(NUMBERS)],
        lambda: ["--risk-cap", f"{rng.choice(['hhi', 'top3', 'max-share', 'x'])}={rng.choice(NUMBERS)}"],
        lambda: ["--stockpile-days", rng.choice(NUMBERS)],
        lambda: ["--alpha", rng.choice(NUMBERS)],
        lambda: ["--year", rng.choice(NUMBERS)],
        lambda: ["--stage", rng.choice(["worst", "sum", "mine", "separation", "magnet", "x"])],
        lambda: ["--weights", rng.choice(["value", "volume", "equal", "x"])],
        lambda: ["--preset", rng.choice(["korea-2030", "eu-crma", "forge-first"])],
        lambda: ["--scenarios", rng.choice(["", ",", "nope", "china-apr2025-licensing"])],
        lambda: ["--objective", rng.choice(["hhi", "cost", "cvar", "worst-case", "top3", "wgi-hhi", "max-share"])],
        lambda: ["--allow-worse-than-today"],
        lambda: ["--stockpile-as-supplier"],
        lambda: ["--elements", ",".join(rng.choice(ELEMENTS + ["Q", "nd", ""]) for _ in range(rng.randint(1, 3)))],
    ]  # fmt: skip
    for _ in range(rng.randint(0, 4)):
        flags += rng.choice(pool)()
    return flags


def _run(capsys, argv: list[str]) -> tuple[int | str, str]:
    try:
        code = main(argv)
    except SystemExit as e:  # main must return, not exit
        code = f"SystemExit({e.code})"
    except Exception:
        code = "exception"
        err = traceback.format_exc()
        capsys.readouterr()
        return code, err
    out, err = capsys.readouterr()
    return code, err


def _bad(code, err: str) -> bool:
    if code == 0:
        return "Traceback" in err
    if code != 2:
        return True
    lines = err.strip().splitlines()
    return not lines or not lines[0].startswith("error:") or "Traceback" in err


def _solve_argv(rng: random.Random, data: Path, out: Path) -> list[str]:
    elements = ",".join(rng.sample(ELEMENTS[:6], rng.randint(1, 2)))
    command = rng.choice(
        [
            ["solve", "--objective", "cost", "--out", str(out), "--force", "--quiet"],
            ["solve", "--out", str(out), "--force", "--quiet"],
            ["compare"],
            ["stress"],
            ["montecarlo", "--samples", "50"],
        ]
    )
    return [*command, "--data", str(data), "--elements", elements]


def _cases() -> list[int]:
    only = os.environ.get("FUZZ_CASE")
    return [int(only)] if only else list(range(DATA_CASES + FLAG_CASES))


@pytest.fixture
def cached_loads(monkeypatch):
    """Load each dataset once per content: a case's solve re-reads what its validate read,
    and the flag cases all read the bundled data (the loader is fuzzed by the data cases)."""
    import optimizer.cli as cli

    cache: dict = {}
    real = cli.load_dataset

    def load(path):
        folder = Path(path) if path is not None else BUNDLED_DATA
        key = (
            str(folder),
            tuple((f.name, f.stat().st_mtime_ns) for f in sorted(folder.glob("*.csv"))),
        )
        if key not in cache:
            cache.clear()
            cache[key] = real(path)
        return cache[key]

    monkeypatch.setattr(cli, "load_dataset", load)


def test_no_traceback_for_any_corruption_or_flag(tmp_path, capsys, cached_loads):
    failures = []
    solved = 0  # runs that reached the model and returned 0
    for case in _cases():
        rng = random.Random(SEED * 100_003 + case)
        if case < DATA_CASES:
            data = _copy_bundled(tmp_path / f"d{case}")
            what = corrupt(rng, data)
            if rng.random() < 0.15:  # the same through the zip reader
                data = _zipped(data, tmp_path / f"d{case}.zip")
                what.append("zipped")
            runs = [["validate", str(data)]]
            code, err = _run(capsys, runs[0])
            if code == 0 and rng.random() < SOLVE_SHARE:  # accepted: the model must cope too
                runs.append(_solve_argv(rng, data, tmp_path / f"o{case}.csv"))
                code, err = _run(capsys, runs[-1])
            shutil.rmtree(tmp_path / f"d{case}", ignore_errors=True)
        else:
            command = rng.choice(
                [
                    ["validate"],
                    ["solve", "--objective", "cost", "--out", str(tmp_path / "f.csv"), "--force", "--quiet"],
                    ["compare"],
                    ["stress"],
                    ["montecarlo", "--samples", "50", "--seed", rng.choice(["0", "-1", "7", "1e3", "x"])],
                ]
            )  # fmt: skip
            flags = [] if command == ["validate"] else _flags(rng)
            if command != ["validate"] and "--elements" not in flags:
                flags += ["--elements", rng.choice(ELEMENTS[:6])]
            what = [" ".join(command + flags)]
            runs = [command + flags]
            code, err = _run(capsys, runs[0])
        solved += code == 0 and runs[-1][0] != "validate"
        if _bad(code, err):
            failures.append(f"case {case} ({'; '.join(what)}): {runs[-1]} -> {code}\n{err[-1500:]}")
    assert not failures, f"{len(failures)} cases failed; first:\n" + "\n\n".join(failures[:3])
    if "FUZZ_CASE" not in os.environ:  # the fuzz must keep reaching the model, not only the loader
        assert solved >= 40, solved


@pytest.mark.parametrize("case", [0, DATA_CASES])
def test_fuzz_cases_are_reproducible(tmp_path, case):
    a = _copy_bundled(tmp_path / "a")
    b = _copy_bundled(tmp_path / "b")
    assert corrupt(random.Random(case), a) == corrupt(random.Random(case), b)
