"""Sweeps, frontiers, Monte Carlo and out-of-sample runs on a Dask cluster equal the serial runs.

One two-process LocalCluster serves the module (its address is passed as `scheduler`, as for
a cluster on several machines); `ree-sourcing sweep --workers 2` starts its own."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest

from optimizer import Policy, load_dataset, optimize, session
from optimizer.cli import main
from optimizer.distributed import use_cluster
from optimizer.frontier import frontier
from optimizer.network.measures import baseline_flows
from optimizer.session import sweep
from optimizer.uncertainty import monte_carlo, out_of_sample

GRIDS = {"china_cap": [0.5, 0.7, 0.9], "budget_premium": [0.1, 0.2]}
COSTS = ["least_cost_usd", "budget_usd", "cost_usd", "objective_value", "unmet_t"]


def assert_same_sweep(remote: pd.DataFrame, serial: pd.DataFrame) -> None:
    """Every row and column the same, to the last digit: the shares too, though a cost LP often
    has several optimal mixes (each chunk of points starts from the model as built)."""
    pd.testing.assert_frame_equal(remote, serial, check_exact=True)


@pytest.fixture(autouse=True)
def small_chunks(monkeypatch):
    """Chunks of two points, so that a worker solves more than one chunk (the restart between
    them is what makes the rows not depend on where a chunk ran)."""
    monkeypatch.setattr(session, "SWEEP_CHUNK", 2)


@pytest.fixture(scope="module")
def scheduler():
    from distributed import LocalCluster

    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        yield cluster.scheduler_address


@pytest.fixture(scope="module")
def ds():
    return load_dataset()


@pytest.mark.parametrize("objective", ["cost", "hhi"])
def test_a_sweep_on_a_running_cluster_is_the_serial_sweep(ds, scheduler, objective):
    policy = Policy(objective=objective)
    serial = sweep(ds, policy, GRIDS)
    seen: list[tuple[int, int]] = []
    remote = sweep(ds, policy, GRIDS, scheduler=scheduler, progress=lambda *a: seen.append(a))
    assert_same_sweep(remote, serial)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen) and seen[-1] == (6, 6)


@pytest.mark.parametrize("objective", ["hhi", "top3"])
def test_a_frontier_on_a_cluster_is_the_serial_frontier(ds, scheduler, objective):
    # every budget starts from the least-cost state of the model, so the split does not matter
    policy = Policy(objective=objective)
    serial = frontier(ds, policy, 6)
    seen: list[tuple[int, int]] = []
    remote = frontier(ds, policy, 6, progress=lambda *a: seen.append(a), scheduler=scheduler)
    pd.testing.assert_frame_equal(remote.points, serial.points, check_exact=True)
    pd.testing.assert_frame_equal(remote.mixes, serial.mixes, check_exact=True)
    assert all(s.dataset is ds for s in remote.solutions)
    assert seen[-1] == (6, 6)


def test_a_monte_carlo_on_a_cluster_is_the_serial_one(ds, scheduler):
    mix = baseline_flows(ds)
    serial = monte_carlo(ds, mix, 2_000, 3, ds.stock_days)
    remote = monte_carlo(ds, mix, 2_000, 3, ds.stock_days, scheduler=scheduler)
    assert remote.samples == serial.samples
    # percentiles and CVaR are taken over every year, not averaged over the chunks
    pd.testing.assert_frame_equal(remote.per_element, serial.per_element, check_exact=True)
    pd.testing.assert_series_equal(remote.value_lost_usd, serial.value_lost_usd, check_exact=True)


def test_an_out_of_sample_run_on_a_cluster_is_the_serial_one(ds, scheduler):
    sol = optimize(ds, Policy())
    mixes = {
        "today": (baseline_flows(ds), ds.stock_days, sol.baseline_portfolio["cost_usd"]),
        "optimized": (sol.arc_flows, sol.stock_days, sol.total_cost_usd),
    }
    serial, years = out_of_sample(ds, mixes, 2_000, 1)
    remote, remote_years = out_of_sample(ds, mixes, 2_000, 1, scheduler=scheduler)
    pd.testing.assert_frame_equal(remote, serial, check_exact=True)
    assert remote_years.how == years.how and (remote_years.days == years.days).all()


def test_a_failing_progress_callback_stops_the_run_and_the_cluster_stays_usable(ds, scheduler):
    def stop(done, total):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        sweep(ds, Policy(objective="cost"), GRIDS, scheduler=scheduler, progress=stop)
    assert len(sweep(ds, Policy(objective="cost"), GRIDS, scheduler=scheduler)) == 6


def test_a_local_cluster_only_when_each_worker_gets_two_items():
    assert not use_cluster(100, workers=1)
    assert not use_cluster(3, workers=2) and use_cluster(4, workers=2)
    assert use_cluster(1, scheduler="tcp://127.0.0.1:8786")


def test_the_cli_sweeps_on_its_own_local_cluster_and_on_a_running_one(tmp_path, capsys, scheduler):
    args = ["sweep", "--objective", "cost", "--grid", "china_cap=0.5:0.9:3"]
    args += ["--grid", "budget_premium=0.1,0.2"]
    assert main([*args, "--quiet", "--out", str(tmp_path / "serial.csv")]) == 0
    assert main([*args, "--workers", "2", "--out", str(tmp_path / "local.csv")]) == 0
    assert "6/6" in capsys.readouterr().err  # the progress bar
    assert main([*args, "--quiet", "--scheduler", scheduler, "--out", str(tmp_path / "remote.csv")]) == 0  # fmt: skip
    serial = pd.read_csv(tmp_path / "serial.csv")
    assert_same_sweep(pd.read_csv(tmp_path / "local.csv"), serial)
    assert_same_sweep(pd.read_csv(tmp_path / "remote.csv"), serial)


@pytest.mark.parametrize(
    "argv",
    [
        ["frontier", "--points", "4"],
        ["montecarlo", "--samples", "2000"],
        ["out-of-sample", "--samples", "2000"],
    ],
)
def test_frontier_montecarlo_and_out_of_sample_take_the_cluster_flags(tmp_path, scheduler, argv):
    out = tmp_path / "serial.json"
    assert main([*argv, "--out", str(out)]) == 0
    remote = tmp_path / "remote.json"
    assert main([*argv, "--scheduler", scheduler, "--out", str(remote)]) == 0
    assert remote.read_text() == out.read_text()


def test_bad_worker_counts_are_one_line_errors(tmp_path, capsys):
    for argv in (["frontier", "--out", str(tmp_path / "f.csv")], ["montecarlo"], ["out-of-sample"]):
        assert main([*argv, "--workers", "0"]) == 2
        assert "--workers: must be at least 1" in capsys.readouterr().err


def test_the_cli_cold_start_does_not_import_dask():
    script = (
        "import sys\n"
        "from optimizer.cli import build_parser\n"
        "build_parser().format_help()\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'dask', 'distributed'}))\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
