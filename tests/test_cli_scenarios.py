"""The stress, montecarlo and sweep commands, and the robust-objective flags."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from optimizer.cli import main


def test_stress_of_baseline_writes_every_scenario_and_element(tmp_path, capsys):
    out = tmp_path / "stress.csv"
    assert (
        main(["stress", "--allocation", "baseline", "--stockpile-days", "30", "--out", str(out)])
        == 0
    )
    table = pd.read_csv(out)
    assert "china-embargo-korea" in set(table["scenario"])
    assert (table["short_t"] > 0).all()
    assert "stress test of today's mix, 30 days of stock" in capsys.readouterr().out


def test_stress_of_a_flows_file_and_of_the_optimized_mix(tmp_path):
    alloc = tmp_path / "flows.csv"
    assert main(["solve", "--quiet", "--out", str(tmp_path / "a.csv"), "--flows", str(alloc)]) == 0
    from_file, optimized = tmp_path / "f.json", tmp_path / "o.json"
    assert main(["stress", "--allocation", str(alloc), "--out", str(from_file)]) == 0
    assert main(["stress", "--allocation", "optimized", "--out", str(optimized)]) == 0
    a, b = json.loads(from_file.read_text())["stress"], json.loads(optimized.read_text())["stress"]
    assert [r["short_t"] for r in a] == [r["short_t"] for r in b]


def test_montecarlo_reports_means_near_the_exact_ones(tmp_path):
    out = tmp_path / "mc.xlsx"
    assert main(["montecarlo", "--samples", "20000", "--seed", "3", "--out", str(out)]) == 0
    per = pd.read_excel(out, sheet_name="elements")
    assert ((per["mean_t"] - per["exact_mean_t"]).abs() <= 5 * per["stderr_t"] + 1e-9).all()


def test_sweep_writes_the_crossed_grid(tmp_path, capsys):
    out = tmp_path / "sweep.csv"
    code = main(
        [
            "sweep",
            "--objective",
            "cost",
            "--grid",
            "china_cap=0.5:0.9:3",
            "--grid",
            "budget_premium=0,0.2",
            "--out",
            str(out),
        ]
    )
    assert code == 0
    table = pd.read_csv(out)
    assert len(table) == 6 and set(table["china_cap"]) == {0.5, 0.7, 0.9}
    assert "6/6" in capsys.readouterr().err  # the progress bar


def test_bad_grid_and_scenario_are_user_errors(tmp_path, capsys):
    assert main(["sweep", "--grid", "chinacap=0.5:0.9:3", "--out", str(tmp_path / "s.csv")]) == 2
    assert (
        main(
            [
                "solve",
                "--objective",
                "cvar",
                "--scenarios",
                "nope",
                "--out",
                str(tmp_path / "a.csv"),
            ]
        )
        == 2
    )
    err = capsys.readouterr().err
    assert "unknown parameter" in err and "unknown scenario" in err and "Traceback" not in err


def test_cvar_solve_reports_todays_tail_loss(tmp_path, capsys):
    assert (
        main(
            [
                "solve",
                "--objective",
                "cvar",
                "--alpha",
                "0.9",
                "--stockpile-days",
                "20",
                "--out",
                str(tmp_path / "a.json"),
            ]
        )
        == 0
    )
    summary = json.loads((tmp_path / "a.json").read_text())
    assert summary["objective"] == "cvar" and summary["policy"]["stockpile_days"] == 20
    assert summary["objective_value"] <= summary["baseline_objective_value"]


def test_solve_reports_elements_the_budget_cannot_keep_at_todays_level(tmp_path, capsys):
    data = str(Path(__file__).parent / "fixtures" / "single_stage")
    assert main(["solve", "--data", data, "--budget-premium", "0", "--out", str(tmp_path / "a.csv")]) == 0  # fmt: skip
    out = capsys.readouterr().out
    assert "above today" in out and "Y's hhi rises from 0.685 today" in out


def test_the_ceiling_can_be_lifted_from_the_command_line(tmp_path):
    kept, free = tmp_path / "k.json", tmp_path / "f.json"
    assert main(["solve", "--quiet", "--out", str(kept)]) == 0
    assert main(["solve", "--quiet", "--allow-worse-than-today", "--out", str(free)]) == 0
    k, f = json.loads(kept.read_text()), json.loads(free.read_text())
    assert f["policy"]["no_worse_than_today"] is False
    assert f["objective_value"] <= k["objective_value"] + 1e-7


def _one_line_error(capsys, argv: list[str], expected: str) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.startswith("error:") and expected in err, err


def test_runaway_requests_are_refused_with_the_limit_and_how_to_raise_it(tmp_path, capsys):
    _one_line_error(capsys, ["montecarlo", "--samples", "1000000000"], "REE_SOURCING_MAX_SAMPLES")
    _one_line_error(capsys, ["frontier", "--points", "100000", "--out", str(tmp_path / "f.csv")], "REE_SOURCING_MAX_FRONTIER_POINTS")  # fmt: skip
    _one_line_error(capsys, ["sweep", "--grid", "china_cap=0:1:2000", "--grid", "premium=0:1:2000", "--out", str(tmp_path / "s.csv")], "4,000,000 grid points")  # fmt: skip
    assert not (tmp_path / "s.csv").exists()


def test_bad_but_parseable_flags_are_one_line_errors(tmp_path, capsys):
    _one_line_error(
        capsys, ["montecarlo", "--samples", "10", "--seed", "-1"], "--seed: must be 0 or more"
    )
    _one_line_error(capsys, ["solve", "--elements", "Nd,Nd", "--out", str(tmp_path / "a.csv")], "names Nd twice")  # fmt: skip
    # every grid value is checked before any work starts, not only the first
    _one_line_error(capsys, ["sweep", "--grid", "china_cap=0.5,1.5", "--out", str(tmp_path / "s.csv")], "--grid china_cap=1.5")  # fmt: skip
