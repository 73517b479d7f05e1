"""optimize(): run the model for one policy and package what a user needs to read or export."""

from __future__ import annotations

import time
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import numpy as np
import pandas as pd

from . import diagnose, metrics, scenarios
from .dataset import Dataset
from .model import USD_PER_MUSD, Formulation, StageResults, formulate, solve_stages
from .policy import RISK_OBJECTIVES, Policy, validate

TONNE_EPS = 1e-6  # LP round-off below this is not an allocation


@dataclass
class Solution:
    """The optimized mix for one policy, with its metrics, the baseline's, and the reasons."""

    dataset: Dataset
    policy: Policy
    status: str  # optimal | shortfall
    allocation: pd.DataFrame  # element, supplier, tonnes, share, cost_usd_kg, cost_usd
    metrics: pd.DataFrame  # per element
    portfolio: dict[str, float]
    baseline_metrics: pd.DataFrame
    baseline_portfolio: dict[str, float]
    least_cost_usd: float
    budget_usd: float | None
    objective_value: float  # true (not LP) value of the objective, weighted over elements
    baseline_objective_value: float  # today's mix scored by the same objective
    lp_objective_value: float  # the LP's value of the same (HHI: a lower bound within tolerance)
    shortfalls: pd.DataFrame
    above_today: pd.DataFrame  # elements whose measure ends above today's despite the ceiling
    shadow_prices: pd.DataFrame
    cut_rounds: int
    seconds: float

    @property
    def total_cost_usd(self) -> float:
        return float(self.allocation["cost_usd"].sum())

    @property
    def scope(self) -> list[str]:
        return list(self.metrics.index)

    def summary(self) -> dict[str, Any]:
        """Everything needed to read and reproduce the run, as plain JSON-able data."""
        return {
            "status": self.status,
            "objective": self.policy.objective,
            "objective_value": self.objective_value,
            "baseline_objective_value": self.baseline_objective_value,
            "total_cost_usd": self.total_cost_usd,
            "least_cost_usd": self.least_cost_usd,
            "budget_usd": self.budget_usd,
            "portfolio": self.portfolio,
            "baseline_portfolio": self.baseline_portfolio,
            "elements": _records(self.metrics.reset_index()),
            "baseline_elements": _records(self.baseline_metrics.reset_index()),
            "shortfalls": _records(self.shortfalls),
            "above_today": _records(self.above_today),
            "shadow_prices": _records(self.shadow_prices),
            "policy": self.policy.to_dict(),
            "dataset": {
                "origin": self.dataset.origin,
                "sha256": self.dataset.fingerprint,
                "as_of": self.dataset.as_of,
            },
            "solver": {"cut_rounds": self.cut_rounds, "seconds": self.seconds},
            "versions": package_versions(),
        }


def optimize(dataset: Dataset, policy: Policy | None = None) -> Solution:
    """The least-risk mix within the budget (or the least-cost mix within risk caps)."""
    started = time.perf_counter()
    policy = validate(policy or Policy(), dataset)
    form = formulate(dataset, policy)
    solution = solution_from(form, policy, solve_stages(form, policy, fresh=True))
    solution.seconds = time.perf_counter() - started  # build, both stages and the report
    return solution


def solution_from(form: Formulation, policy: Policy, stages: StageResults) -> Solution:
    ds, lp = form.dataset, form.lp
    values = stages.final.values
    keys = list(form.x)
    tonnes = np.array([values[lp.col(form.x[k])] for k in keys])
    offers = form.offers.set_index(["supplier", "element"])
    alloc = pd.DataFrame(
        {"element": [e for _, e in keys], "supplier": [s for s, _ in keys], "tonnes": tonnes}
    )
    alloc = alloc[alloc["tonnes"] > TONNE_EPS].reset_index(drop=True)
    alloc["share"] = alloc["tonnes"] / alloc["element"].map(form.demand)
    alloc["cost_usd_kg"] = (
        offers["cost_usd_kg"]
        .reindex(pd.MultiIndex.from_frame(alloc[["supplier", "element"]]))
        .to_numpy()
    )
    alloc["cost_usd"] = alloc["tonnes"] * alloc["cost_usd_kg"] * 1000.0
    alloc = alloc.sort_values(["element", "tonnes"], ascending=[True, False], ignore_index=True)
    scope = list(form.structure.scope)
    per, portfolio = metrics.mix_metrics(ds, alloc, scope, policy.weights)
    base_per, base_portfolio = metrics.baseline_metrics(ds, tuple(scope), policy.weights)
    shortfalls = diagnose.explain_shortfalls(form, policy, stages)
    lp_value = (
        float(lp.vector(form.objective) @ values) * form.loss_scale
        if form.objective is not None
        else float("nan")
    )
    if form.scenario_set is not None:
        objective_value = robust_value(form, policy, alloc)
        baseline_value = robust_value(form, policy, metrics.baseline_mix(ds, scope))
    else:
        name = metrics.measure_column(policy.objective)
        objective_value, baseline_value = portfolio[name], base_portfolio[name]
    return Solution(
        dataset=ds,
        policy=policy,
        status="shortfall" if len(shortfalls) else "optimal",
        allocation=alloc,
        metrics=per,
        portfolio=portfolio,
        baseline_metrics=base_per,
        baseline_portfolio=base_portfolio,
        least_cost_usd=stages.least_cost_musd * USD_PER_MUSD,
        budget_usd=None if stages.budget_musd is None else stages.budget_musd * USD_PER_MUSD,
        objective_value=objective_value,
        baseline_objective_value=baseline_value,
        lp_objective_value=lp_value,
        shortfalls=shortfalls,
        above_today=_above_today(policy, per, base_per),
        shadow_prices=diagnose.shadow_prices(form, policy, stages),
        cut_rounds=stages.cut_rounds,
        seconds=stages.seconds,
    )


def robust_value(form: Formulation, policy: Policy, mix: pd.DataFrame) -> float:
    """CVaR or worst-case loss in USD, computed directly from the mix's scenario losses."""
    return scenarios.tail_of(
        form.scenario_set,
        mix,
        form.dataset,
        list(form.structure.scope),
        policy.objective,
        policy.alpha,
        policy.stockpile_days,
    )


CEILING_SLACK = 1e-6  # cut tolerance: a measure this close to today's is not above it


def _above_today(policy: Policy, per: pd.DataFrame, base: pd.DataFrame) -> pd.DataFrame:
    """Where the ceiling 'no element worse than today' could not hold within the budget."""
    columns = ["element", "measure", "today", "optimized", "explanation"]
    if not policy.no_worse_than_today or policy.objective not in RISK_OBJECTIVES:
        return pd.DataFrame(columns=columns)
    m = metrics.measure_column(policy.objective)
    rows = [
        (
            e,
            policy.objective,
            base.at[e, m],
            per.at[e, m],
            f"{e}'s {policy.objective} rises from {base.at[e, m]:.3f} today to {per.at[e, m]:.3f}: the budget cannot keep every element at or below today's level; raise the budget premium.",
        )
        for e in per.index
        if per.at[e, m] > base.at[e, m] + CEILING_SLACK
    ]
    return pd.DataFrame(rows, columns=columns)


def package_versions() -> dict[str, str]:
    out = {}
    for name in ("ree-sourcing", "pulp", "highspy", "pandas", "numpy"):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "not installed"
    return out


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    clean = frame.astype(object).where(frame.notna(), None)
    return [
        {k: (v.item() if hasattr(v, "item") else v) for k, v in row.items()}
        for row in clean.to_dict("records")
    ]
