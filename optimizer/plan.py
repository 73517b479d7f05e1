"""The path to 2030: a year-by-year sourcing plan with policy loans and investments (a MILP).

For each year t of the horizon the plan holds the single-year model's network rows
(network.model.network_rows) on that year's network: demand grown at its rate, projects'
exogenous capacity on their ramp (optimizer/pipeline.py), the rules in force. Linking the years:
- backed[j] (binary) and stake[j, y] >= 0: the share of its offtake Korea buys into in year y.
  A backed project takes at least `min_stake` of it over the horizon and at most all of it
  (semi-continuous); an unbacked one none. The capacity backing buys, B_j(t) x the stake bought
  by year t, joins the plant's row: outflow - B_j(t) sum_{y<=t} stake[j, y] <= X(t).
- loans: sum_j coverage x I_j x stake[j, y] <= the year's loan envelope, over the projects the
  policy loans may back (I_j = offtake_share x capex: Korea's whole stake); subsidies likewise,
  over domestic projects, within the subsidy envelope. A stake can be bought in tranches over
  several years, as loans are disbursed. The stake is a cost of its year (the loan is repaid;
  it is what makes the stake possible).
- the stockpile grows along a straight path from today's days to its target (100 days by 2031),
  bought at the price and held at the holding rate.
- practical limits (optional): a switching limit (stage tonnes of a country move by at most a
  share of the stage's demand a year, from today's mix), a minimum order (a plant used for an
  element puts through at least that many tonnes), a most number of supplying countries.
Targets in the target year (no foreign country above a share at any stage; a recycled share at
the chain's first stage) hold with elastic slack. The solve is lexicographic, as the
single-year one: (1) the least unmet demand, fixed; (2) the least target shortfall, fixed;
(3) the least total cost ("cost"), or the least value-weighted China share at each element's
worst stage in the target year within a budget, then the least cost at it ("risk"). Reported
figures are recomputed from the solution, never read off a weighted objective.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pulp

from . import risk
from .dataset import Dataset
from .errors import InputError, Problem
from .lp import INF, HighsLP, SolverError
from .network.graph import UNKNOWN
from .network.model import USD_PER_MUSD, USD_PER_T, active_plants, network_in, network_rows
from .pipeline import SUPPORTED, Pipeline, pipeline_of
from .policy import RECYCLING_BLOC
from .reports import messages
from .scenarios import DAYS
from .schema import STAGES

CHINA = "CHN"
LOAN_2026_USD = 46.2e6  # Korea's policy loans for overseas resource development, 2026
COVERAGE_2026 = 0.7  # the state's share of a project's financing from 2026 (was 0.5)
MAX_YEARS = 30  # a plan's horizon, and the longest ramp a project may have (dataset.py)
COST_HOLD = 1e-9  # the cost the timing of stakes may not move (about 2 USD on the bundled plan)
HOLD = 1e-7  # relative room a lexicographic stage leaves the next (MIP gaps are 1e-4 and up)


@dataclass(frozen=True)
class PlanSettings:
    """What a plan asks. Money in USD a year; shares as fractions."""

    first_year: int = 2026
    last_year: int = 2030
    loan_budget_usd: float = LOAN_2026_USD  # the first year's loan envelope
    later_loan_budget_usd: float | None = None  # later years (None: the same as the first)
    coverage: float = COVERAGE_2026
    subsidy_budget_usd: float = 0.0  # a year, for domestic projects (no figure in the data)
    target_year: int | None = None  # None: the last year
    country_cap: float | None = 0.5  # Korea's 2030 target: no country above 50% at any stage
    recycled_min: float = 0.2  # ... and recycling toward 20%
    objective: str = "cost"  # cost | risk
    budget_premium: float = 0.15  # risk objective: budget = (1 + premium) x the least cost
    stock_target_days: float | None = 100.0  # Korea's stockpile target ...
    stock_target_year: int = 2031  # ... by this year (KOMIR's programme)
    switching_limit: float | None = None  # share of a stage's demand a country may gain or lose
    min_order_t: float | None = None  # a plant used for an element: at least this a year
    max_suppliers: int | None = None  # countries delivering an element to Korea, at most
    rules_in_force: bool = True
    min_stake: float = 0.25  # a backed project: at least this share of its offtake (1: all)
    mip_gap: float = 1e-3  # proven within 0.1% of the optimum, or better

    @property
    def years(self) -> list[int]:
        return list(range(self.first_year, self.last_year + 1))

    @property
    def target(self) -> int:
        return self.last_year if self.target_year is None else self.target_year

    def loan_envelope(self, year: int) -> float:
        if year == self.first_year or self.later_loan_budget_usd is None:
            return self.loan_budget_usd
        return self.later_loan_budget_usd


def check_settings(settings: PlanSettings, dataset: Dataset) -> None:
    """One problem per unusable setting, naming it."""
    s, problems = settings, []

    def bad(field_: str, message: str, value: Any) -> None:
        problems.append(Problem("plan", message, column=field_, value=value))

    if s.last_year < s.first_year:
        bad(
            "years",
            "the last year comes before the first: write FIRST:LAST, e.g. 2026:2030",
            f"{s.first_year}:{s.last_year}",
        )
    if not 0 <= s.coverage <= 1:
        bad("coverage", "must be a share from 0 to 1 (0.7: the state finances 70%)", s.coverage)
    for name in ("loan_budget_usd", "later_loan_budget_usd", "subsidy_budget_usd"):
        v = getattr(s, name)
        if v is not None and v < 0:
            bad(name, "an envelope cannot be negative: write 0 for none", v)
    if s.last_year >= s.first_year and not s.first_year <= s.target <= s.last_year:
        bad("target_year", f"must lie in the horizon {s.first_year}-{s.last_year}", s.target)
    if s.country_cap is not None and not 0 <= s.country_cap <= 1:
        bad("country_cap", "must be a share from 0 to 1", s.country_cap)
    if not 0 <= s.recycled_min <= 1:
        bad("recycled_min", "must be a share from 0 to 1", s.recycled_min)
    if s.objective not in ("cost", "risk"):
        bad("objective", "choose cost (meet the targets at least cost) or risk", s.objective)
    if s.switching_limit is not None and not 0 <= s.switching_limit <= 1:
        bad("switching_limit", "must be a share from 0 to 1", s.switching_limit)
    if s.min_order_t is not None and s.min_order_t < 0:
        bad("min_order_t", "must be tonnes >= 0", s.min_order_t)
    if not 0 < s.min_stake <= 1:
        bad(
            "min_stake",
            "must be a share above 0 and at most 1 (1: all of the offtake or none)",
            s.min_stake,
        )
    if s.max_suppliers is not None and s.max_suppliers < 1:
        bad("max_suppliers", "must be at least 1", s.max_suppliers)
    if s.last_year - s.first_year + 1 > MAX_YEARS:
        bad("years", f"a plan covers at most {MAX_YEARS} years", f"{s.first_year}:{s.last_year}")
    if problems:
        raise InputError(problems)


@dataclass
class Plan:
    """The plan's answer, every figure recomputed from the solution."""

    settings: PlanSettings
    status: str  # optimal (within the gap) | targets not met
    flows: pd.DataFrame  # year, element, from, to, tonnes
    shares: pd.DataFrame  # year, element, stage, country, tonnes, share
    projects: pd.DataFrame  # project, plant, support, backed, backed_year, loan/subsidy/stake
    loans: pd.DataFrame  # year, loan envelope and use, subsidy envelope and use
    costs: pd.DataFrame  # year, sourcing, stakes, stock, total (USD)
    targets: pd.DataFrame  # year, element, stage, target, value, limit, met
    met_in: pd.DataFrame  # element, target: the first year it is met (None: not in the horizon)
    explanations: list[str]  # in English; `whys` holds the same as catalogue messages
    stock: pd.DataFrame  # year, element, stock_t, days
    tranches: pd.DataFrame  # project, year, stake_share, stake_usd, loan_usd, subsidy_usd
    whys: list[dict] = field(default_factory=list)
    marginal: pd.DataFrame = field(default_factory=pd.DataFrame)
    left_out: pd.DataFrame = field(default_factory=pd.DataFrame)  # projects the plan cannot use
    seconds: float = 0.0
    mip_gap: float = 0.0
    size: dict[str, int] = field(default_factory=dict)

    @property
    def total_cost_usd(self) -> float:
        return float(self.costs["total_usd"].sum())

    def china_share(self, year: int) -> pd.DataFrame:
        sh = self.shares
        ch = sh[(sh["year"] == year) & (sh["country"] == CHINA)]
        return ch.set_index(["element", "stage"])["share"]


@dataclass
class _Year:
    year: int
    net: Any
    block: Any
    demand: pd.Series  # per element, t (all forms)


def _grown_demand(dataset: Dataset, year: int, first: int) -> pd.DataFrame:
    d = dataset.demand.copy()
    g = dataset.demand_growth
    rate = (
        pd.Series(0.0, index=pd.MultiIndex.from_frame(d[["element", "form"]]))
        if g is None or g.empty
        else g.set_index(["element", "form"])["growth_rate"]
        .reindex(pd.MultiIndex.from_frame(d[["element", "form"]]))
        .fillna(0.0)
    )
    d["demand_t"] = d["demand_t"].to_numpy() * (1.0 + rate.to_numpy()) ** (year - first)
    return d


def plan(dataset: Dataset, settings: PlanSettings | None = None, marginal: bool = True) -> Plan:
    """Solve the plan; with `marginal`, also re-solve for one more million USD of loans in the
    first year and for a coverage ratio 0.05 higher, and report what changes."""
    settings = settings or PlanSettings()
    check_settings(settings, dataset)
    started = time.perf_counter()
    try:
        out = _solve(dataset, settings)
    except SolverError:
        raise InputError(_contradictions(dataset, settings)) from None
    if marginal:
        out.marginal = _marginal(dataset, settings, out)
    out.seconds = time.perf_counter() - started
    return out


LIMITS = {  # the hard limits, which alone can make a plan impossible (targets are elastic)
    "switching_limit": "the switching limit",
    "min_order_t": "the minimum order",
    "max_suppliers": "the most number of suppliers",
}


def _contradictions(dataset: Dataset, s: PlanSettings) -> list[Problem]:
    """Why no plan exists: the hard limits set, which of them the plan is possible without,
    and a minimum order above an element's demand (no plant could then serve it)."""
    set_ = [k for k in LIMITS if getattr(s, k) is not None]
    without = []
    for k in set_:
        try:
            _solve(dataset, dataclasses.replace(s, **{k: None}))
            without.append(k)
        except SolverError:
            pass
    problems = []
    if s.min_order_t:
        small = dataset.elements.index[
            (dataset.elements["demand_t"] > 0) & (dataset.elements["demand_t"] < s.min_order_t)
        ]
        if len(small):
            problems.append(Problem(
                "plan",
                f"a minimum order of {s.min_order_t:g} t a year is above the whole demand for {', '.join(small)}: no plant can serve them, so today's suppliers of them must stop at once",
                column="min_order_t", value=s.min_order_t,
            ))  # fmt: skip
    named = ", ".join(LIMITS[k] for k in set_) or "no hard limit"
    fix = (
        f"without {' or without '.join(LIMITS[k] for k in without)} a plan exists: relax it"
        if without
        else "no single one of them can be dropped to make it possible: relax several"
    )
    problems.append(Problem(
        "plan", f"no plan meets {named} together ({fix})",
        column=without[0] if without else (set_[0] if set_ else None),
    ))  # fmt: skip
    return problems


def _solve(dataset: Dataset, s: PlanSettings) -> Plan:
    scope = list(dataset.demanded_elements)
    pipe = pipeline_of(dataset)
    projects = pipe.projects
    backable = projects[projects["support"].isin(SUPPORTED)]
    prob = pulp.LpProblem("ree_plan", pulp.LpMinimize)
    backed = {j: prob.add_variable(f"backed|{j}", cat="Binary") for j in backable.index}
    back = {(j, y): prob.add_variable(f"stake|{j}|{y}", 0) for j in backable.index for y in s.years}
    for j in backable.index:
        bought = pulp.lpSum(back[j, y] for y in s.years)
        prob.addConstraint(bought - backed[j] <= 0, f"stakemax|{j}")
        prob.addConstraint(bought - s.min_stake * backed[j] >= 0, f"stakemin|{j}")
    price = dataset.elements["price_usd_kg"] * USD_PER_T
    years: list[_Year] = []
    for t in s.years:
        demand = _grown_demand(dataset, t, s.first_year)
        active = active_plants(dataset, t, stockpile=False)
        net = network_in(dataset, scope, t, s.rules_in_force, active, demand)
        extra: dict[tuple[str, str], pulp.LpAffineExpression] = {}
        for r in pipe.backable(t).itertuples(index=False):
            if r.project in backable.index:
                term = r.tonnes * pulp.lpSum(back[r.project, y] for y in s.years if y <= t)
                extra[r.plant, r.element] = extra.get((r.plant, r.element), 0) + term
        block = network_rows(prob, dataset, net, tag=f"{t}|", extra_capacity=extra)
        per = demand.groupby("element")["demand_t"].sum().reindex(scope).fillna(0.0)
        years.append(_Year(t, net, block, per))

    # money: loans, subsidies, stakes, in million USD (as the network's cost: HiGHS's
    # tolerances are absolute, so the model keeps its numbers near 1)
    mega = backable["invest_usd"] / USD_PER_MUSD
    stake = {y: pulp.lpSum([]) for y in s.years}
    loan_rows, subsidy_rows = {}, {}
    for y in s.years:
        loans = [
            s.coverage * mega[j] * back[j, y]
            for j in backable.index
            if backable.at[j, "support"] == "overseas-loan"
        ]
        subsidies = [
            s.coverage * mega[j] * back[j, y]
            for j in backable.index
            if backable.at[j, "support"] == "domestic-subsidy"
        ]
        loan_rows[y] = prob.addConstraint(
            pulp.lpSum(loans) <= s.loan_envelope(y) / USD_PER_MUSD, f"loans|{y}"
        )
        subsidy_rows[y] = prob.addConstraint(
            pulp.lpSum(subsidies) <= s.subsidy_budget_usd / USD_PER_MUSD, f"subsidies|{y}"
        )
        stake[y] = pulp.lpSum(mega[j] * back[j, y] for j in backable.index)

    # the stockpile along its path (bought at the price, held at the holding rate)
    today_days = dataset.stock_days.reindex(scope).fillna(0.0)
    rate = dataset.stock_column("holding_rate").reindex(scope).fillna(0.0)
    stock: dict[tuple[str, int], pulp.LpVariable] = {}
    stock_cost = {y: pulp.lpSum([]) for y in s.years}
    base_t = years[0].demand * today_days / DAYS
    for i, yr in enumerate(years):
        for e in scope:
            d0, path = today_days[e], today_days[e]
            if s.stock_target_days is not None and s.stock_target_days > d0:
                frac = min(
                    1.0, (yr.year - s.first_year + 1) / (s.stock_target_year - s.first_year + 1)
                )
                path = d0 + (s.stock_target_days - d0) * frac
            floor = yr.demand[e] * path / DAYS
            v = prob.add_variable(f"stock|{e}|{yr.year}", float(floor))
            before = stock[e, years[i - 1].year] if i else float(base_t[e])
            prob.addConstraint(v - before >= 0, f"stockup|{e}|{yr.year}")
            stock[e, yr.year] = v
            p_musd = price[e] / USD_PER_MUSD
            stock_cost[yr.year] += p_musd * (v - before) + rate[e] * p_musd * v
    holding_today = float((rate * price.reindex(scope) * base_t).sum()) / USD_PER_MUSD

    # practical limits
    _limits(prob, dataset, s, years)

    # targets in the target year, with elastic slack
    target_rows, target_slack = _targets(prob, dataset, s, years)

    unmet = pulp.lpSum(
        v / max(yr.demand[e], 1e-9) for yr in years for (e, _), v in yr.block.u.items()
    )
    short_of_target = pulp.lpSum(target_slack.values())
    cost = {yr.year: yr.block.cost + stake[yr.year] + stock_cost[yr.year] for yr in years}
    total = pulp.lpSum(cost.values())
    # the risk measure's epigraph rows only where the objective is risk
    risk_expr = _target_risk(prob, dataset, s, years) if s.objective == "risk" else None

    # (1) least unmet demand, (2) least target shortfall, (3) cost or risk, (4) among plans of
    # that cost, the envelopes spent as early as possible, year by year: a year's policy loans
    # lapse unspent, and a later envelope left free serves projects not yet in the data
    holds = {
        name: prob.addConstraint(expr <= 1e30, f"hold|{name}")
        for name, expr in (("risk", risk_expr), ("cost", total))
        if expr is not None
    }
    financing = {
        y: pulp.lpSum(s.coverage * mega[j] * back[j, y] for j in backable.index) for y in s.years
    }
    early = {y: prob.addConstraint(e >= -1e30, f"early|{y}") for y, e in financing.items()}
    prob.objective = unmet
    lp = HighsLP(prob, mip_gap=s.mip_gap)
    gaps = [lp.mip_gap()]
    # what stages 1 and 2 find is held on the columns themselves, as in the single-year model:
    # a held sum would let a later stage trade a sliver of demand for cost
    unmet_cols = np.array([lp.col(v) for yr in years for v in yr.block.u.values()])
    _hold_columns(lp, unmet_cols, lp.solve().values)
    lp.set_costs(lp.vector(short_of_target))
    res = lp.solve()
    gaps.append(lp.mip_gap())
    _hold_columns(lp, np.array([lp.col(v) for v in target_slack.values()], dtype=int), res.values)
    if s.objective == "risk":
        lp.set_costs(lp.vector(total))
        least = lp.solve().objective
        c0 = float(total.constant)  # the row holds total - c0; the budget is on total
        lp.set_row_bounds(
            np.array([lp.row(holds["cost"])]),
            np.array([-INF]),
            np.array([(1 + s.budget_premium) * (least + c0) - c0]),
        )
        lp.set_costs(lp.vector(risk_expr))
        res = lp.solve()
        gaps.append(lp.mip_gap())
        _hold(lp, holds["risk"], res.objective)
    lp.set_costs(lp.vector(total))
    res = lp.solve()
    gaps.append(lp.mip_gap())
    money = sum(s.loan_envelope(y) for y in s.years) + s.subsidy_budget_usd * len(s.years)
    if len(backable) and money > 0:
        _hold(lp, holds["cost"], res.objective, room=COST_HOLD)
        for y in s.years:
            lp.set_costs(-lp.vector(financing[y]))
            res = lp.solve()
            got = -res.objective
            floor = got - HOLD * max(1.0, abs(got))
            lp.set_row_bounds(np.array([lp.row(early[y])]), np.array([floor]), np.array([INF]))
    values = res.values

    def val(expr) -> float:
        return float(lp.vector(expr) @ values) + float(getattr(expr, "constant", 0.0) or 0.0)

    flows, shares = _flows_and_shares(dataset, years, values, lp)
    chosen = []
    tranches = []
    for j in backable.index:
        inv, support = backable.at[j, "invest_usd"], backable.at[j, "support"]
        if values[lp.col(backed[j])] < 0.5:  # integer round-off may leave a sliver of stake
            continue
        for y in s.years:
            share = values[lp.col(back[j, y])]
            if share > 1e-6:
                tranches.append({
                    "project": j, "year": y, "stake_share": share, "stake_usd": share * inv,
                    "loan_usd": s.coverage * share * inv if support == "overseas-loan" else 0.0,
                    "subsidy_usd": s.coverage * share * inv if support == "domestic-subsidy" else 0.0,
                })  # fmt: skip
    tranches = pd.DataFrame(tranches, columns=[
        "project", "year", "stake_share", "stake_usd", "loan_usd", "subsidy_usd",
    ])  # fmt: skip
    for j in backable.index:
        mine = tranches[tranches["project"] == j]
        chosen.append({
            "project": j, "plant": backable.at[j, "plant"], "support": backable.at[j, "support"],
            "first_year": int(backable.at[j, "earliest_first_year"]),
            "backed": values[lp.col(backed[j])] > 0.5,
            "backed_year": int(mine["year"].min()) if len(mine) else None,
            "stake_share": float(mine["stake_share"].sum()),
            "stake_usd": float(mine["stake_usd"].sum()),
            "loan_usd": float(mine["loan_usd"].sum()),
            "subsidy_usd": float(mine["subsidy_usd"].sum()),
        })  # fmt: skip
    chosen = pd.DataFrame(chosen, columns=[
        "project", "plant", "support", "first_year", "backed", "backed_year", "stake_share",
        "stake_usd", "loan_usd", "subsidy_usd",
    ])  # fmt: skip
    by_year = tranches.groupby("year")[["stake_usd", "loan_usd", "subsidy_usd"]].sum()
    by_year = by_year.reindex(s.years).fillna(0.0)
    loans = pd.DataFrame({
        "year": s.years,
        "loan_envelope_usd": [s.loan_envelope(y) for y in s.years],
        "loan_used_usd": by_year["loan_usd"].to_numpy(),
        "subsidy_envelope_usd": [s.subsidy_budget_usd for _ in s.years],
        "subsidy_used_usd": by_year["subsidy_usd"].to_numpy(),
    })  # fmt: skip
    costs = pd.DataFrame({
        "year": s.years,
        "sourcing_usd": [val(yr.block.cost) * USD_PER_MUSD for yr in years],
        "stakes_usd": by_year["stake_usd"].to_numpy(),
        "stock_usd": [(val(stock_cost[y]) - holding_today) * USD_PER_MUSD for y in s.years],
    })  # fmt: skip
    costs["total_usd"] = costs[["sourcing_usd", "stakes_usd", "stock_usd"]].sum(axis=1)
    stock_t = pd.DataFrame(
        [
            {"year": yr.year, "element": e, "stock_t": values[lp.col(stock[e, yr.year])],
             "days": values[lp.col(stock[e, yr.year])] / max(yr.demand[e], 1e-12) * DAYS}
            for yr in years for e in scope
        ]
    )  # fmt: skip
    targets = _target_table(dataset, s, years, shares)
    met_in = _met_in(targets)
    whys = _explain(dataset, s, years, targets, pipe)
    explanations = [messages.render(w) for w in whys]
    unmet_t = sum(values[lp.col(v)] for yr in years for v in yr.block.u.values())
    status = "optimal" if not explanations and unmet_t < 1e-6 else "targets not met"
    return Plan(
        settings=s, status=status, flows=flows, shares=shares, projects=chosen, loans=loans,
        costs=costs, targets=targets, met_in=met_in, explanations=explanations, whys=whys,
        stock=stock_t,
        tranches=tranches,
        left_out=pipe.left_out, mip_gap=max(gaps),
        size={"columns": lp.n_cols, "rows": lp.highs.getNumRow(), "binaries": int(sum(
            1 for v in prob.variables() if v.cat in ("Integer", "Binary")))},
    )  # fmt: skip


def _hold_columns(lp: HighsLP, cols: np.ndarray, values: np.ndarray) -> None:
    """Fix shortfall columns at most at the values a stage found (plus round-off)."""
    if len(cols):
        top = values[cols] * (1 + 1e-9) + 1e-9
        lp.set_col_bounds(cols, np.zeros(len(cols)), top)


def _hold(lp: HighsLP, row, value: float, room: float = HOLD) -> None:
    """Fix a stage's optimum for the next: at most the value plus a relative room."""
    top = value + room * max(1.0, abs(value))
    lp.set_row_bounds(np.array([lp.row(row)]), np.array([-INF]), np.array([top]))


def _limits(prob: pulp.LpProblem, dataset: Dataset, s: PlanSettings, years: list[_Year]) -> None:
    if s.switching_limit is not None:
        today = _todays_stage_tonnes(dataset, years[0])
        before: dict[tuple[str, int, str], Any] = today
        for yr in years:
            ents, sd = yr.net.entities, yr.net.stage_demand
            now = {}
            for i, key in enumerate(ents):
                e, k, _ = key
                prev = before.get(key, 0.0)
                room = s.switching_limit * float(sd[e, k])
                v = yr.block.s[i]
                prob.addConstraint(
                    v - prev <= room, f"switchup|{yr.year}|{'|'.join(map(str, key))}"
                )
                prob.addConstraint(
                    prev - v <= room, f"switchdown|{yr.year}|{'|'.join(map(str, key))}"
                )
                now[key] = v
            before = now
    if s.min_order_t is not None and s.min_order_t > 0:
        for yr in years:
            for (p, e), arcs in yr.block.out_of.items():
                top = float(yr.demand.get(e, 0.0)) + 1.0
                use = prob.add_variable(f"uses|{yr.year}|{p}|{e}", cat="Binary")
                flow = pulp.lpSum(yr.block.f[n] for n in arcs)
                prob.addConstraint(flow - s.min_order_t * use >= 0, f"minorder|{yr.year}|{p}|{e}")
                prob.addConstraint(flow - top * use <= 0, f"used|{yr.year}|{p}|{e}")
    if s.max_suppliers is not None:
        country = dataset.plants["country"]
        for yr in years:
            arcs = yr.net.arcs
            to_korea = arcs["form"].notna().to_numpy()
            by: dict[tuple[str, str], list[int]] = {}
            for n in np.flatnonzero(to_korea):
                by.setdefault((arcs["element"].iat[n], country[arcs["from"].iat[n]]), []).append(
                    int(n)
                )
            pick = {}
            for (e, c), idx in by.items():
                pick[e, c] = prob.add_variable(f"supplier|{yr.year}|{e}|{c}", cat="Binary")
                top = float(yr.demand.get(e, 0.0)) + 1.0
                prob.addConstraint(pulp.lpSum(yr.block.f[n] for n in idx) - top * pick[e, c] <= 0)
            for e in {e for e, _ in pick}:
                prob.addConstraint(
                    pulp.lpSum(v for (x, _), v in pick.items() if x == e) <= s.max_suppliers,
                    f"suppliers|{yr.year}|{e}",
                )


def _todays_stage_tonnes(dataset: Dataset, first: _Year) -> dict[tuple[str, int, str], float]:
    """Today's flows attributed to (element, stage, country) as the network does."""
    net = first.net
    arc_of = {
        (e, i, j): n
        for n, (e, i, j) in enumerate(
            zip(net.arcs["element"], net.arcs["from"], net.arcs["to"], strict=True)
        )
    }
    flows = dataset.baseline_flows
    x = np.zeros(len(net.arcs))
    for e, i, j, t in zip(
        flows["element"], flows["from"], flows["to"], flows["tonnes"], strict=True
    ):
        n = arc_of.get((e, i, j))
        if n is not None:
            x[n] += t
    out: dict[tuple[str, int, str], float] = {}
    for ent, arc in zip(net.attribution["entity"], net.attribution["arc"], strict=True):
        key = net.entities[int(ent)]
        out[key] = out.get(key, 0.0) + float(x[int(arc)])
    return out


def _targets(prob, dataset: Dataset, s: PlanSettings, years: list[_Year]):
    """Rows of the target year's targets, each with its shortfall (per unit of the stage's
    demand)."""
    yr = next(y for y in years if y.year == s.target)
    ents, sd, blk = yr.net.entities, yr.net.stage_demand, yr.block
    kinds = dataset.supplier_kinds
    rows, slack = {}, {}
    if s.country_cap is not None:
        for i, (e, k, c) in enumerate(ents):
            if c == UNKNOWN or kinds.get(c) != "country":
                continue
            v = prob.add_variable(f"over|{e}|{k}|{c}", 0)
            d = float(sd[e, k])
            rows["cap", e, k, c] = prob.addConstraint(blk.s[i] - d * v <= s.country_cap * d)
            slack["cap", e, k, c] = v
    if s.recycled_min > 0:
        members = set(dataset.bloc_members(RECYCLING_BLOC))
        for e in yr.demand.index[yr.demand > 0]:
            play = yr.net.stages_in_play.get(e)
            if not play:
                continue
            k = play[0]
            idx = [i for i in blk.by_ek.get((e, k), []) if ents[i][2] in members]
            d = float(sd[e, k])
            v = prob.add_variable(f"unrecycled|{e}", 0)
            rows["recycled", e, k, RECYCLING_BLOC] = prob.addConstraint(
                pulp.lpSum(blk.s[i] for i in idx) + d * v >= s.recycled_min * d
            )
            slack["recycled", e, k, RECYCLING_BLOC] = v
    return rows, slack


def _target_risk(prob, dataset: Dataset, s: PlanSettings, years: list[_Year]):
    """Value-weighted China share at each element's worst stage in the target year."""
    yr = next(y for y in years if y.year == s.target)
    ents, sd, blk = yr.net.entities, yr.net.stage_demand, yr.block
    scope = [e for e in yr.demand.index if yr.demand[e] > 0]
    w = risk.weights(dataset.elements, scope, "value")
    terms = []
    for e in scope:
        worst = prob.add_variable(f"worstchina|{e}", 0)
        for (x, k), idx in blk.by_ek.items():
            if x != e:
                continue
            china = [blk.s[i] for i in idx if ents[i][2] == CHINA]
            if china:
                prob.addConstraint(worst - pulp.lpSum(china) / float(sd[e, k]) >= 0)
        terms.append(float(w[e]) * worst)
    return pulp.lpSum(terms)


def _flows_and_shares(dataset: Dataset, years: list[_Year], values, lp: HighsLP):
    flows, shares = [], []
    for yr in years:
        arcs = yr.net.arcs
        x = np.array([values[lp.col(v)] for v in yr.block.f])
        keep = x > 1e-6
        flows.append(pd.DataFrame({
            "year": yr.year, "element": arcs["element"].to_numpy()[keep],
            "from": arcs["from"].to_numpy()[keep], "to": arcs["to"].to_numpy()[keep],
            "tonnes": x[keep],
        }))  # fmt: skip
        sd = yr.net.stage_demand
        for i, (e, k, c) in enumerate(yr.net.entities):
            t = values[lp.col(yr.block.s[i])]
            if t > 1e-6:
                shares.append({"year": yr.year, "element": e, "stage": STAGES[k], "country": c,
                               "tonnes": t, "share": t / float(sd[e, k])})  # fmt: skip
    return pd.concat(flows, ignore_index=True), pd.DataFrame(shares)


def _target_table(
    dataset: Dataset, s: PlanSettings, years: list[_Year], shares: pd.DataFrame
) -> pd.DataFrame:
    """Per year, element and stage: the largest foreign country's share and the recycled share
    at the first stage, against the targets (every year is scored; the target year binds)."""
    kinds = dataset.supplier_kinds
    members = set(dataset.bloc_members(RECYCLING_BLOC))
    rows = []
    for yr in years:
        sh = shares[shares["year"] == yr.year]
        for e in yr.demand.index[yr.demand > 0]:
            play = yr.net.stages_in_play.get(e, ())
            for k in play:
                at = sh[(sh["element"] == e) & (sh["stage"] == STAGES[k])]
                foreign = at[at["country"].map(lambda c: kinds.get(c) == "country")]
                if s.country_cap is not None:
                    top = foreign.sort_values("share").iloc[-1] if len(foreign) else None
                    value = float(top["share"]) if top is not None else 0.0
                    rows.append({"year": yr.year, "element": e, "stage": STAGES[k], "target": "country-cap",
                                 "holder": top["country"] if top is not None else "", "value": value,
                                 "limit": s.country_cap, "met": value <= s.country_cap + 1e-6})  # fmt: skip
                if s.recycled_min > 0 and k == play[0]:
                    value = float(at.loc[at["country"].isin(members), "share"].sum())
                    rows.append({"year": yr.year, "element": e, "stage": STAGES[k], "target": "recycled",
                                 "holder": RECYCLING_BLOC, "value": value, "limit": s.recycled_min,
                                 "met": value >= s.recycled_min - 1e-6})  # fmt: skip
    return pd.DataFrame(
        rows, columns=["year", "element", "stage", "target", "holder", "value", "limit", "met"]
    )


def _met_in(targets: pd.DataFrame) -> pd.DataFrame:
    """Per element and target: the first year from which it is met at every stage, to the end."""
    out = []
    for (e, target), g in targets.groupby(["element", "target"], sort=False):
        ok = g.groupby("year")["met"].all().sort_index()
        first = None
        for y in ok.index[::-1]:
            if not ok[y]:
                break
            first = int(y)
        out.append({"element": e, "target": target, "met_from": first})
    return pd.DataFrame(out, columns=["element", "target", "met_from"])


def _explain(
    dataset: Dataset, s: PlanSettings, years: list[_Year], targets: pd.DataFrame, pipe: Pipeline
) -> list[dict]:
    """Why a target is not met in the target year: the most the plants outside the holder (or
    the recycling plants) could deliver at that stage in that year, with every project backed.
    Each is a catalogue message with its values (reports.messages.why), so the app can say it
    in Korean; `Plan.explanations` is the English."""
    yr = next(y for y in years if y.year == s.target)
    missed = targets[(targets["year"] == s.target) & ~targets["met"]]
    if missed.empty:
        return []
    country = dataset.plants["country"]
    stage = dataset.plants["stage"]
    cap = yr.net.capacity
    extra = pipe.backable(s.target).groupby(["plant", "element"])["tonnes"].sum()
    members = set(dataset.bloc_members(RECYCLING_BLOC))
    out = []
    for r in missed.itertuples(index=False):
        at = cap[(cap["element"] == r.element) & (cap["plant"].map(stage) == r.stage)]
        added = [float(extra.get((p, r.element), 0.0)) for p in at["plant"]]
        room = pd.Series(
            at["capacity_t"].to_numpy() + np.array(added), index=at["plant"].to_numpy()
        )
        need = float(yr.net.stage_demand[r.element, STAGES.index(r.stage)])
        common = {
            "element": r.element, "year": s.target, "value": f"{r.value:.0%}",
            "limit": f"{r.limit:.0%}", "need": f"{need:,.1f}",
        }  # fmt: skip
        if r.target == "country-cap":
            others = float(room[room.index.map(country) != r.holder].sum())
            short = others < (1 - r.limit) * need - 1e-6
            out.append(
                messages.why(
                    "why.plan_cap_capacity" if short else "why.plan_cap_routes",
                    **common,
                    stage=messages.word("stage", r.stage),
                    holder=r.holder,
                    others=f"{others:,.1f}",
                    share=f"{others / need:.0%}",
                )  # fmt: skip
            )
        else:
            rec = float(room[room.index.map(country).isin(members)].sum())
            share = f"{rec / need if need else 0:.0%}"
            out.append(messages.why("why.plan_recycled", **common, rec=f"{rec:,.1f}", share=share))
    return out


def _marginal(dataset: Dataset, s: PlanSettings, base: Plan) -> pd.DataFrame:
    """What one more million USD of loans in the first year, and a coverage ratio 0.05 higher,
    change: the plan's cost, the projects backed and the target year's China share by element
    and stage (re-solved: the model is integer, so no dual says it)."""
    rows = []
    for label, change in (
        (f"+1 M USD of loans in {s.first_year}", {"loan_budget_usd": s.loan_budget_usd + 1e6}),
        (
            f"coverage {s.coverage:.2f} -> {min(1.0, s.coverage + 0.05):.2f}",
            {"coverage": min(1.0, s.coverage + 0.05)},
        ),
    ):
        other = _solve(dataset, dataclasses.replace(s, **change))
        before, after = base.china_share(s.target), other.china_share(s.target)
        moved = (after.reindex(before.index.union(after.index)).fillna(0.0)
                 - before.reindex(before.index.union(after.index)).fillna(0.0))  # fmt: skip
        moved = moved[moved.abs() > 1e-4].sort_values()
        rows.append({
            "change": label,
            "total_cost_change_usd": other.total_cost_usd - base.total_cost_usd,
            "projects_backed": ", ".join(other.projects.loc[other.projects["backed"], "project"]),
            "china_share_changes": "; ".join(
                f"{e} at {k}: {v * 100:+.1f} points" for (e, k), v in moved.head(5).items()
            ) or "none",
            # the same as (element, stage, percentage points), for readers in other languages
            "china_share_moves": [(e, k, round(v * 100, 1)) for (e, k), v in moved.head(5).items()],
        })  # fmt: skip
    return pd.DataFrame(rows)
