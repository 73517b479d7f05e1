"""The cost-versus-risk frontier: least risk at each budget from least cost to least risk."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from .distributed import map_chunks, use_cluster
from .errors import InputError, Problem
from .lp import INF
from .network.model import (
    USD_PER_MUSD,
    Formulation,
    Saved,
    StageResults,
    formulate,
    restore,
    risk_stages,
    save,
    solve_stages,
)
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
    workers: int = 1,
    scheduler: str | None = None,
) -> Frontier:
    """Epsilon-constraint over the budget: N budgets evenly spaced from the least cost to the
    cost of the least-risk mix, each solved on the same HiGHS model (only the budget moves).

    Every budget starts from the model as the least-cost solve left it (its basis, cuts and
    bounds), so no point depends on another: `workers` > 1 solves them on a local Dask cluster
    of that many processes, `scheduler` (an address such as tcp://10.0.0.5:8786) on a running
    one, each worker building the model once, and the frontier is the serial one to the last
    digit.

    `progress(done, points)` is called as points are solved (done rising to points; one call
    per point when serial), so a caller can show a real count; it never changes the result."""
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
    model = _Model.build(dataset, policy)
    least = model.base.least_cost_musd
    limits = [float(x) for x in np.linspace(least, max(model.dearest(), least), points)]
    if use_cluster(len(limits), workers, scheduler):
        parts = map_chunks(
            _solve_chunk,
            limits,
            (dataset, policy),
            workers=workers,
            scheduler=scheduler,
            progress=progress,
        )
        solutions = [s for part in parts for s in part]
        for s in solutions:
            s.dataset = dataset  # it stayed on the worker (see _solve_chunk)
    else:
        solutions = []
        for limit in limits:
            solutions.append(model.solve(limit))
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


@dataclass
class _Model:
    """A frontier's model solved to its least cost, and that state (network.model.save) to
    start every later solve from."""

    form: Formulation
    policy: Policy
    base: StageResults
    saved: Saved

    @classmethod
    def build(cls, dataset, policy: Policy) -> _Model:
        form = formulate(dataset, policy)
        base = solve_stages(form, policy)
        return cls(form, policy, base, save(form))

    def _restore(self) -> None:
        restore(self.form, self.saved)

    def dearest(self) -> float:
        """The cost (million USD) of the least-risk mix, whatever the budget."""
        self._restore()
        _, loosest, _ = risk_stages(self.form, self.policy, INF, replace(self.base))
        return float(self.form.lp.vector(self.form.cost) @ loosest.values)

    def solve(self, limit: float) -> Solution:
        """The least-risk mix within `limit` (million USD)."""
        self._restore()
        stages = replace(self.base, budget_musd=limit)
        stages.risk, stages.final, stages.cut_rounds = risk_stages(
            self.form, self.policy, limit, stages
        )
        point_policy = self.policy.with_changes(
            budget_usd=limit * USD_PER_MUSD, budget_premium=None
        )
        return solution_from(self.form, point_policy, stages)


_WORKER_MODELS: dict[tuple[str, str], _Model] = {}  # per worker process: the last frontier's


def _solve_chunk(dataset, policy: Policy, limits: list[float]) -> list[Solution]:
    """One chunk of a frontier's budgets, on a Dask worker: the first chunk a process gets for
    a dataset and policy builds the model, later ones re-solve on it. The solutions go back
    without the dataset (the caller has it)."""
    key = (dataset.fingerprint, repr(policy))
    model = _WORKER_MODELS.get(key)
    if model is None:
        _WORKER_MODELS.clear()  # one model per process: a frontier's model can be large
        model = _WORKER_MODELS[key] = _Model.build(dataset, policy)
    solutions = [model.solve(limit) for limit in limits]
    for s in solutions:
        s.dataset = None
    return solutions
