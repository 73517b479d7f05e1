"""CVaR and worst-case LPs solved on the years that matter (network.model.Tail) give the full
LP's optimum: the same objects solved with every in-sample year in the LP from the start."""

from __future__ import annotations

import numpy as np
import pytest

from optimizer import Policy, load_dataset
from optimizer.network import model
from optimizer.policy import validate


def _solve(policy: Policy, all_years: bool, monkeypatch):
    ds = load_dataset()
    policy = validate(policy, ds)
    if all_years:
        monkeypatch.setattr(
            model.Tail, "first_years", lambda self, losses, alpha: np.ones(len(losses), bool)
        )
    form = model.formulate(ds, policy)
    stages = model.solve_stages(form, policy)
    values = stages.final.values
    risk = float(form.vector("objective") @ stages.risk.values)
    return form, risk, float(form.vector("cost") @ values)


@pytest.mark.parametrize(
    "policy",
    [
        Policy(objective="cvar", sample_years=2000),
        Policy(objective="cvar", alpha=0.95, sample_years=1000, stockpile_max_days=365),
        Policy(objective="worst-case", sample_years=1000),
    ],
    ids=["cvar", "cvar-95-stock-sized", "worst-case"],
)
def test_the_years_that_matter_give_the_full_lps_optimum(policy, monkeypatch):
    part, risk, cost = _solve(policy, all_years=False, monkeypatch=monkeypatch)
    assert part.years_on.sum() < 0.6 * len(part.years_on)  # most years stayed out of the LP
    with monkeypatch.context() as m:
        full, full_risk, full_cost = _solve(policy, all_years=True, monkeypatch=m)
    assert full.years_on.all()
    assert risk == pytest.approx(full_risk, rel=1e-7, abs=1e-9)
    assert cost == pytest.approx(full_cost, rel=1e-7)
