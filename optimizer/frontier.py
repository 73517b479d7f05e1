"""The cost-versus-risk frontier: least risk at each budget from least cost to least risk."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from .errors import InputError, Problem
from .lp import INF
from .network.model import USD_PER_MUSD, formulate, risk_stages, solve_stages
from .policy import Policy, validate
from .solution import Solution, solution_from


@dataclass
class Frontier:
    points: pd.DataFrame  # point, budget_usd, cost_usd, risk, hhi, china_share, unmet_t, ...
    solutions: list[Solution]

    @property
    def mixes(self) -> pd.DataFrame:
        """Every point's allocation in one long table."""
        return pd.concat(
            [s.allocation.assign(point=i) for i, s in enumerate(self.solutions)], ignore_index=True
        )


def frontier(
    dataset,
    policy: Policy | None = None,
    points: int = 25,
    progress: Callable[[int, int], None] | None = None,
) -> Frontier:
    """Epsilon-constraint over the budget: N budgets evenly spaced from the least cost to the
    cost of the least-risk mix, each solved on the same HiGHS model (only the budget moves).

    `progress(done, points)` is called after each point is solved (done = 1 .. points), so a
    caller can show a real count; it never changes the result."""
    policy = validate(policy or Policy(), dataset)
    if policy.objective == "cost":
        raise InputError(
            Problem(
                "--objective",
                "the frontier trades cost against a risk measure: choose hhi, wgi-hhi, max-share or top3",
                value="cost",
            )
        )
    if points < 2:
        raise InputError(Problem("--points", "a frontier needs at least 2 points", value=points))
    form = formulate(dataset, policy)
    base = solve_stages(form, policy, fresh=True)
    least = base.least_cost_musd
    _, loosest, _ = risk_stages(form, policy, INF, replace(base))
    dearest = float(form.lp.vector(form.cost) @ loosest.values)
    solutions = []
    for limit in np.linspace(least, max(dearest, least), points):
        stages = replace(base, budget_musd=float(limit))
        stages.risk, stages.final, stages.cut_rounds = risk_stages(
            form, policy, float(limit), stages
        )
        point_policy = policy.with_changes(
            budget_usd=float(limit) * USD_PER_MUSD, budget_premium=None
        )
        solutions.append(solution_from(form, point_policy, stages))
        if progress is not None:
            progress(len(solutions), points)
    rows = [
        {
            "point": i,
            "budget_usd": s.budget_usd,
            "cost_usd": s.total_cost_usd,
            "premium": s.total_cost_usd / (least * USD_PER_MUSD) - 1 if least > 0 else 0.0,
            "risk": s.objective_value,
            **{k: v for k, v in s.portfolio.items() if k != "cost_usd"},
        }
        for i, s in enumerate(solutions)
    ]
    return Frontier(pd.DataFrame(rows), solutions)
