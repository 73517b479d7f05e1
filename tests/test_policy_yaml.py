"""A policy written as YAML (the CLI's --policy file, the app's saved runs) reads back as the same
policy, including a null budget premium: no premium (an absolute budget), not the default one."""

from __future__ import annotations

import pytest

from optimizer import Policy, export, load_dataset, optimize
from optimizer.errors import InputError
from optimizer.policy import DEFAULT_PREMIUM, load_policy


@pytest.mark.parametrize(
    "policy",
    [
        Policy(budget_premium=None),  # no premium and no absolute budget: read back as written
        Policy(budget_premium=None, budget_usd=3.0e8),  # an absolute budget
        Policy(budget_premium=0.25, caps={"CHN": 0.6}),
        Policy.from_preset("korea-2030", budget_premium=None),
    ],
)
def test_policy_round_trips_through_yaml(tmp_path, policy):
    path = tmp_path / "policy.yaml"
    path.write_text(export.policy_yaml(policy), encoding="utf-8")
    assert "budget_premium: null" in path.read_text() or policy.budget_premium is not None
    back = load_policy(path)
    assert back == policy
    assert back.budget_premium == policy.budget_premium


def test_a_null_premium_reads_back_as_null_and_needs_an_absolute_budget(tmp_path):
    # written by hand as a user would: null must not turn into the default 15% premium
    path = tmp_path / "p.yaml"
    path.write_text("objective: hhi\nbudget_premium: null\n", encoding="utf-8")
    back = load_policy(path)
    assert back.budget_premium is None and DEFAULT_PREMIUM is not None
    # with no absolute budget either there is no cost limit to solve for: a clear message
    with pytest.raises(InputError) as err:
        optimize(load_dataset(), back)
    assert "budget_premium" in str(err.value) and "budget_usd" in str(err.value)
    path.write_text("budget_premium: null\nbudget_usd: 300000000\n", encoding="utf-8")
    solved = optimize(load_dataset(), load_policy(path))
    assert solved.budget_usd == pytest.approx(3e8)


def test_a_null_still_undoes_a_preset_elsewhere(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text("preset: korea-2030\ncountry_cap: null\n", encoding="utf-8")
    back = load_policy(path)
    assert back.country_cap is None and back.recycled_min == 0.2
    assert back.budget_premium == DEFAULT_PREMIUM
