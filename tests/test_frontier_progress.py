"""frontier() reports a real count of points solved (for the app's progress bar), and the count
never changes the frontier."""

from __future__ import annotations

import pandas as pd
import pytest
from builders import two_suppliers

from optimizer import Policy, load_dataset
from optimizer.frontier import frontier


@pytest.fixture
def dataset(tmp_path):
    # X: 100 t from AAA at 10 USD/kg or BBB at 20 USD/kg
    return load_dataset(two_suppliers(tmp_path / "data"))


def test_progress_is_called_once_per_point_with_rising_counts(dataset):
    calls: list[tuple[int, int]] = []
    front = frontier(dataset, Policy(), 5, progress=lambda done, total: calls.append((done, total)))
    assert calls == [(1, 5), (2, 5), (3, 5), (4, 5), (5, 5)]
    assert len(front.solutions) == 5


def test_the_count_does_not_change_the_result(dataset):
    with_count = frontier(dataset, Policy(), 5, progress=lambda done, total: None)
    without = frontier(dataset, Policy(), 5)
    pd.testing.assert_frame_equal(with_count.points, without.points)
    pd.testing.assert_frame_equal(with_count.mixes, without.mixes)
    # by hand: least cost 100 t x 10 USD/kg = 1.0 M USD, the least-HHI mix (half each) 1.5 M
    # (to the HHI cuts' tolerance); at a budget of 1 + x M USD the share x goes to BBB, so
    # HHI = (1 - x)^2 + x^2
    budgets = with_count.points["budget_usd"]
    assert budgets.tolist() == pytest.approx(
        [1e6 * (1 + x) for x in (0, 0.125, 0.25, 0.375, 0.5)], rel=1e-4
    )
    x = budgets / 1e6 - 1
    assert with_count.points["hhi"].tolist() == pytest.approx(
        ((1 - x) ** 2 + x**2).tolist(), abs=1e-6
    )


def test_a_failing_callback_is_not_swallowed(dataset):
    def stop(done, total):
        raise KeyboardInterrupt  # a user stopping the run stops the solve

    with pytest.raises(KeyboardInterrupt):
        frontier(dataset, Policy(), 3, progress=stop)
