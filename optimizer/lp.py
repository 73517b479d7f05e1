"""Hand a PuLP model to HiGHS once, then re-solve it in place.

PuLP is the one formulation. Its first solve (through PuLP's in-process HiGHS interface) builds
the HiGHS model; later stages change costs, row bounds and add cutting planes on that same
model, so HiGHS keeps its basis and each re-solve costs a fraction of a rebuild.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass

import highspy
import numpy as np
import pulp

INF = highspy.kHighsInf
_banner_swallowed = False


PRIMAL_SIMPLEX = 4  # HiGHS's simplex_strategy value for primal simplex


class SolverError(RuntimeError):
    """HiGHS did not return an optimal solution: a bug, since the model is always feasible."""


def _swallow_banner() -> None:
    """highspy prints a banner on stdout the first time a Highs object is made: keep CLI output
    machine-readable by making that first object with stdout pointed at /dev/null."""
    global _banner_swallowed
    if _banner_swallowed:
        return
    sys.stdout.flush()
    saved, devnull = os.dup(1), os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
        highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(devnull)
        _banner_swallowed = True


@dataclass
class Result:
    values: np.ndarray  # column values
    row_duals: np.ndarray  # d objective / d row bound, per row
    objective: float


class HighsLP:
    """A PuLP problem living in HiGHS: change costs and bounds, add rows, re-solve."""

    def __init__(self, problem: pulp.LpProblem, mip_gap: float | None = None):
        """Hand the problem to HiGHS, unsolved (the first solve() solves it). `mip_gap`: for a
        model with integer variables, the relative gap HiGHS may stop at."""
        _swallow_banner()
        solver = pulp.HiGHS(msg=False, gapRel=mip_gap)
        solver.createAndConfigureSolver(problem)
        solver.buildSolverModel(problem)  # PuLP's own solve would also copy values back
        self.highs: highspy.Highs = problem.solverModel
        self.highs.setOptionValue("output_flag", False)
        self.solves = 0
        self.mip = mip_gap is not None
        if self.mip:
            self.highs.setOptionValue("mip_rel_gap", mip_gap)
        # HHI cuts are met to the solver's feasibility tolerance; the default 1e-7 would put a
        # floor under how exactly the LP can match the true HHI
        if mip_gap is None:
            self.highs.setOptionValue("primal_feasibility_tolerance", 1e-9)
            self.highs.setOptionValue("dual_feasibility_tolerance", 1e-9)
        self._col = {v.id: j for j, v in enumerate(problem.exported_variables())}
        self._row = {c.id: i for i, c in enumerate(problem.constraints())}
        self.n_cols = len(self._col)
        self.base_rows = self.highs.getNumRow()  # rows PuLP built; later rows are cuts

    def col(self, var: pulp.LpVariable) -> int:
        return self._col[var.id]

    def row(self, constraint: pulp.LpConstraint) -> int:
        return self._row[constraint.id]

    def vector(self, expr: pulp.LpAffineExpression) -> np.ndarray:
        """Objective coefficients of a PuLP expression as a dense column vector."""
        out = np.zeros(self.n_cols)
        for var, coef in expr.items():
            out[self._col[var.id]] += coef
        return out

    def set_costs(self, costs: np.ndarray) -> None:
        self.highs.changeColsCost(self.n_cols, np.arange(self.n_cols, dtype=np.int32), costs)

    def set_row_bounds(self, rows: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> None:
        if len(rows):
            self.highs.changeRowsBounds(len(rows), rows.astype(np.int32), lower, upper)

    def set_col_bounds(self, cols: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> None:
        if len(cols):
            self.highs.changeColsBounds(len(cols), cols.astype(np.int32), lower, upper)

    def add_cuts(
        self, t_cols: np.ndarray, x_cols: np.ndarray, x_coefs: np.ndarray, lower: np.ndarray
    ) -> None:
        """Add rows t + coef * x >= lower, one per entry (the tangent cuts of the HHI loop)."""
        n = len(lower)
        if n == 0:
            return
        index = np.empty(2 * n, dtype=np.int32)
        index[0::2], index[1::2] = t_cols, x_cols
        value = np.empty(2 * n)
        value[0::2], value[1::2] = 1.0, x_coefs
        starts = np.arange(0, 2 * n, 2, dtype=np.int32)
        self.highs.addRows(
            n, np.asarray(lower, dtype=float), np.full(n, INF), 2 * n, starts, index, value
        )

    def drop_slack_rows(self, keep_at_most: int) -> int:
        """Delete added rows (cuts) that are slack at the current solution once there are more
        than `keep_at_most`: they cost time in every later solve and a re-solve adds back any
        that matter. Slack rows have basic slacks, so the basis stays valid."""
        total = self.highs.getNumRow()
        if total - self.base_rows <= keep_at_most:
            return 0
        sol = self.highs.getSolution()
        activity = np.asarray(sol.row_value)[self.base_rows :]
        lower = np.asarray(self.highs.getLp().row_lower_)[self.base_rows :]
        slack = np.flatnonzero(activity - lower > 1e-9 * (1.0 + np.abs(lower)))
        if len(slack):
            rows = (slack + self.base_rows).astype(np.int32)
            self.highs.deleteRows(len(rows), rows)
        return len(slack)

    def save(self, basis: bool = True) -> tuple[highspy.HighsLp, highspy.HighsBasis | None]:
        """The LP as it stands (bounds, costs and cuts) and, if asked, its basis, for restore()
        (without one, the next solve after it starts from scratch)."""
        return self.highs.getLp(), self.highs.getBasis() if basis else None

    def restore(self, saved: tuple[highspy.HighsLp, highspy.HighsBasis | None]) -> None:
        """Back to what save() returned: the next solve runs as it would have then."""
        lp, basis = saved
        self.highs.passModel(lp)
        if basis is not None:
            self.highs.setBasis(basis)

    def _retry_without_presolve(self) -> None:
        """HiGHS's MIP presolve can call a feasible model infeasible (seen after a bound on a
        held stage tightens to its last optimum): one more run without presolve decides."""
        if self.highs.getModelStatus() == highspy.HighsModelStatus.kInfeasible:
            self.highs.setOptionValue("presolve", "off")
            self.highs.run()
            self.highs.setOptionValue("presolve", "choose")
            self.solves += 1

    def mip_gap(self) -> float:
        """The relative gap the last solve proved (0 for a model without integer variables)."""
        gap = self.highs.getInfo().mip_gap
        return 0.0 if gap is None or not np.isfinite(gap) else float(gap)

    def current(self) -> Result:
        """The solution HiGHS holds now; raises if it is not optimal."""
        status = self.highs.getModelStatus()
        if status != highspy.HighsModelStatus.kOptimal:
            raise SolverError(f"HiGHS stopped with status {self.highs.modelStatusToString(status)}")
        sol = self.highs.getSolution()
        return Result(
            values=np.asarray(sol.col_value),
            row_duals=np.asarray(sol.row_dual),
            objective=self.highs.getInfo().objective_function_value,
        )

    def solve(
        self, feasible_only: bool = False, cold: bool = False, primal: bool = False
    ) -> Result | None:
        """Re-solve; with `feasible_only`, an infeasible model returns None instead of raising
        (for a stage that tries a constraint before relaxing it).

        `cold` starts from scratch instead of the last basis, for a stage that minimises a new
        objective: a basis optimal for cost is a poor start for risk (on the bundled network
        cloned to 30x its size, the first risk solve took 4.0 s from the least-cost basis and
        0.3 s cold; at 1x the same either way). A cold run that does not end optimal (HiGHS's
        presolve can misjudge a model whose earlier stages are held to within 1e-9) is
        followed by the warm one, as before.

        `primal` runs primal simplex from the last basis, for a new objective over a basis that
        is still feasible (stage 3: the cheapest mix at stage 2's risk, which stage 2's mix
        meets). Dual simplex, HiGHS's default, would first undo the basis's optimality: on the
        10,000-year CVaR model stage 3 took 5.8 s that way and 0.25 s by primal simplex."""
        if primal:
            _, strategy = self.highs.getOptionValue("simplex_strategy")
            self.highs.setOptionValue("simplex_strategy", PRIMAL_SIMPLEX)
            try:
                return self.solve(feasible_only)
            finally:
                self.highs.setOptionValue("simplex_strategy", strategy)
        if cold:
            basis = self.highs.getBasis()
            self.highs.clearSolver()
            self.highs.run()
            self.solves += 1
            if self.highs.getModelStatus() == highspy.HighsModelStatus.kOptimal:
                return self.current()
            self.highs.setBasis(basis)
        self.highs.run()
        self.solves += 1
        if self.highs.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            # A warm start that ends elsewhere may have lost its way numerically: solve once
            # more from scratch before giving up.
            self.highs.clearSolver()
            self.highs.run()
            self.solves += 1
        if self.mip:
            self._retry_without_presolve()
        if feasible_only and self.highs.getModelStatus() == highspy.HighsModelStatus.kInfeasible:
            return None
        return self.current()
