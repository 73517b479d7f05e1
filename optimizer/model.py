"""Dataset + Policy -> one PuLP linear program -> HiGHS -> Solution.

The formulation (docs/MODEL.md has it in full):
  x[s,e] in [0, capacity]  tonnes bought;  u[e] >= 0 unmet demand;  slack[b,e] >= 0
  demand      sum_s x[s,e] + u[e] = D_e
  cap         x[s,e] <= cap[s,e] * D_e              (one row per offer; cap 1 = none)
  bloc        sum_{s in b} x[s,e] + slack[b,e] >= m[b,e] * D_e
  budget      C = sum c[s,e] x[s,e] <= B
  risk caps   R_e <= cap  (cost objective)
Stage 1 finds the least cost under the policy; stage 2 minimises weighted risk within the budget.
Unmet demand and bloc slack carry penalties that dominate any risk or cost saving, so every run
solves and a shortfall is reported with its cause, never as a bare "infeasible".
The rows exist for every offer and bloc whatever the policy, so one built model serves any
policy of the same objective by changing right-hand sides only (see Session).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd
import pulp

from . import metrics, risk, scenarios
from .dataset import Dataset
from .lp import INF, HighsLP, Result
from .policy import RECYCLING_BLOC, RISK_OBJECTIVES, ROBUST_OBJECTIVES, Policy

HHI_TYPES = ("hhi", "wgi-hhi")
RISK_PENALTY = 1e3  # per unit of weighted share unmet; risk measures move at most 20 per unit
COST_PENALTY_FACTOR = 10.0  # unmet tonne costs 10x the element's dearest offer in stage 1
# Rising above today's level costs 10x the element's weight per unit of the measure: more than
# the objective could gain (1x), less than falling short (RISK_PENALTY per unit of share, and a
# unit of share moves a measure by at most 2 x max wgi = 20), so a mix never drops demand to
# stay under today's ceiling.
CEILING_PENALTY = 10.0
TIE_BREAK = 1e-8  # among equally risky mixes prefer the cheaper one
MAX_CUT_ROUNDS = 200
CUT_SPREAD = 0.5
CUTS_KEPT_PER_TERM = 3  # cut rows kept between solves, per share^2 term
USD_PER_MUSD = 1e6


@dataclass(frozen=True)
class Structure:
    """What fixes the shape of the LP; policies that share it re-solve the same model."""

    objective: str
    capped: tuple[str, ...]  # risk measures with per-element caps
    scope: tuple[str, ...]
    weighting: str
    scenarios: tuple[str, ...] = ()  # robust objectives only
    alpha: float = 0.0  # CVaR only: it sets objective coefficients

    @classmethod
    def of(cls, dataset: Dataset, policy: Policy) -> Structure:
        demanded = dataset.demanded_elements
        scope = tuple(e for e in (policy.elements or demanded) if e in demanded)
        robust = policy.objective in ROBUST_OBJECTIVES
        names = policy.scenarios or tuple(dict.fromkeys(dataset.scenarios["scenario"]))
        return cls(
            policy.objective,
            tuple(sorted(policy.risk_caps)),
            scope,
            policy.weights,
            tuple(names) if robust else (),
            policy.alpha if policy.objective == "cvar" else 0.0,
        )

    @property
    def measures(self) -> tuple[str, ...]:
        own = (self.objective,) if self.objective in RISK_OBJECTIVES else ()
        return tuple(dict.fromkeys(own + self.capped))


@dataclass
class Formulation:
    """The built LP with handles to every variable and row the stages and reports need."""

    dataset: Dataset
    structure: Structure
    demand: pd.Series
    weights: pd.Series
    offers: pd.DataFrame  # supplier, element, capacity_t, cost_usd_kg of in-scope offers
    problem: pulp.LpProblem
    x: dict[tuple[str, str], pulp.LpVariable]
    u: dict[str, pulp.LpVariable]
    slack: dict[tuple[str, str], pulp.LpVariable]
    cap_rows: dict[tuple[str, str], pulp.LpConstraint]
    bloc_rows: dict[tuple[str, str], pulp.LpConstraint]
    risk_cap_rows: dict[tuple[str, str], pulp.LpConstraint]
    budget_row: pulp.LpConstraint
    cost: pulp.LpAffineExpression  # million USD
    risk: dict[str, dict[str, pulp.LpAffineExpression]]  # measure -> element -> LP value
    t: dict[tuple[str, str], pulp.LpVariable]  # t >= share^2 via tangent cuts
    penalty_cost: pulp.LpAffineExpression
    penalty_risk: pulp.LpAffineExpression
    objective: pulp.LpAffineExpression | None  # the risk to minimise in stage 2
    stock_rows: dict[tuple[str, str], pulp.LpConstraint]  # robust objectives: stockpile draw
    scenario_set: scenarios.ScenarioSet | None
    loss_scale: float  # robust objectives: USD per unit of the LP's normalised loss
    ceiling_rows: dict[str, pulp.LpConstraint]  # R_e - excess_e <= today's R_e (stage 2 only)
    ceiling_excess: dict[str, pulp.LpVariable]
    ceilings_on: bool = False  # whether the ceiling rows are active in the model right now
    least_cost_cache: tuple[tuple[float, ...], Result] | None = None  # (policy rhs, stage 1)
    lp: HighsLP | None = None
    cuts: int = 0

    def stage_costs(self, stage: str, least_cost: float = 1.0) -> np.ndarray:
        if stage == "cost":
            return self.vector("cost") + self.vector("penalty_cost")
        tie = TIE_BREAK / max(least_cost, 1e-9)
        return self.vector("objective") + self.vector("penalty_risk") + tie * self.vector("cost")

    def vector(self, name: str) -> np.ndarray:
        """Column coefficients of one of the model's expressions; columns never change after
        the build (cuts add rows), so each is computed once."""
        if name not in self._vectors:
            self._vectors[name] = self.lp.vector(getattr(self, name))
        return self._vectors[name]

    @cached_property
    def _vectors(self) -> dict[str, np.ndarray]:
        return {}

    @cached_property
    def demand_t(self) -> dict[str, float]:
        return {e: float(d) for e, d in self.demand.items()}

    @cached_property
    def cut_terms(self) -> tuple[np.ndarray, ...]:
        """For each share^2 term: x column, t column, demand, wgi_risk and element row."""
        keys = list(self.t)
        rows = {e: i for i, e in enumerate(self.structure.scope)}
        wgi = self.dataset.suppliers["wgi_risk"]
        return (
            np.array([self.lp.col(self.x[k]) for k in keys], dtype=np.int32),
            np.array([self.lp.col(self.t[k]) for k in keys], dtype=np.int32),
            np.array([self.demand_t[e] for _, e in keys]),
            np.array([float(wgi[s]) for s, _ in keys]),
            np.array([rows[e] for _, e in keys], dtype=int),
        )

    @cached_property
    def policy_rows(self) -> dict[str, dict[tuple[str, str], pulp.LpConstraint]]:
        """The rows a policy's right-hand sides set, by kind (see `bounds`)."""
        return {
            "cap": self.cap_rows,
            "bloc": self.bloc_rows,
            "risk": self.risk_cap_rows,
            "stock": self.stock_rows,
        }

    @cached_property
    def row_index(self) -> dict[tuple[str, str, str], int]:
        """HiGHS row of every policy row."""
        return {
            (kind, a, b): self.lp.row(c)
            for kind, t in self.policy_rows.items()
            for (a, b), c in t.items()
        }


# --- building ------------------------------------------------------------------------------


def bounds(form: Formulation, policy: Policy) -> list[tuple[tuple[str, str, str], float]]:
    """Right-hand sides of every policy row for `policy`, keyed (kind, a, b) as in `row_of`."""
    ds, demand = form.dataset, form.demand_t
    out = [(("cap", s, e), policy.cap_for(ds, s, e) * demand[e]) for s, e in form.cap_rows]
    out += [
        (("bloc", b, e), effective_bloc_min(form, policy, b, e) * demand[e])
        for b, e in form.bloc_rows
    ]
    out += [(("risk", m, e), policy.risk_caps[m]) for m, e in form.risk_cap_rows]
    days = policy.stockpile_days / scenarios.DAYS
    out += [(("stock", k, e), -days * demand[e]) for k, e in form.stock_rows]
    return out


def effective_bloc_min(form: Formulation, policy: Policy, bloc: str, element: str) -> float:
    """The bloc minimum asked for; the recycled share only as far as recycling capacity allows."""
    m = policy.bloc_min_for(bloc, element)
    if bloc == RECYCLING_BLOC and policy.recycled_min > 0:
        offers = form.offers[
            (form.offers["element"] == element)
            & form.offers["supplier"].isin(form.dataset.bloc_members(bloc))
        ]
        reachable = offers["capacity_t"].sum() / form.demand[element]
        m = max(m, min(policy.recycled_min, reachable))
    return m


def formulate(dataset: Dataset, policy: Policy) -> Formulation:
    """Build the LP for `policy` with PuLP and hand it to HiGHS (which solves stage 1 once)."""
    st = Structure.of(dataset, policy)
    scope = list(st.scope)
    demand = dataset.elements.loc[scope, "demand_t"].astype(float)
    offers = dataset.offers[dataset.offers["element"].isin(scope)].reset_index(drop=True)
    wgi = dataset.suppliers["wgi_risk"]
    prob = pulp.LpProblem("ree_sourcing", pulp.LpMinimize)

    x = {
        (s, e): prob.add_variable(f"x|{s}|{e}", 0, float(k))
        for s, e, k in zip(offers["supplier"], offers["element"], offers["capacity_t"], strict=True)
    }
    u = {e: prob.add_variable(f"unmet|{e}", 0) for e in scope}
    by_element = {e: [(s, v) for (s, ee), v in x.items() if ee == e] for e in scope}
    unit_cost = dict(
        zip(
            zip(offers["supplier"], offers["element"], strict=True),
            offers["cost_usd_kg"],
            strict=True,
        )
    )
    cost = pulp.lpSum(unit_cost[k] * 1000.0 / USD_PER_MUSD * v for k, v in x.items())

    for e in scope:
        prob.addConstraint(
            pulp.lpSum(v for _, v in by_element[e]) + u[e] == demand[e], f"demand|{e}"
        )
    cap_rows = {
        k: prob.addConstraint(v <= float(demand[k[1]]), f"cap|{k[0]}|{k[1]}") for k, v in x.items()
    }

    slack, bloc_rows = {}, {}
    for b in dataset.blocs:
        members = set(dataset.bloc_members(b))
        for e in scope:
            vars_ = [v for s, v in by_element[e] if s in members]
            if vars_:
                slack[b, e] = prob.add_variable(f"slack|{b}|{e}", 0)
                bloc_rows[b, e] = prob.addConstraint(
                    pulp.lpSum(vars_) + slack[b, e] >= 0.0, f"bloc|{b}|{e}"
                )
    budget_row = prob.addConstraint(cost <= 1e30, "budget")

    risk_exprs: dict[str, dict[str, pulp.LpAffineExpression]] = {}
    t: dict[tuple[str, str], pulp.LpVariable] = {}
    if any(m in HHI_TYPES for m in st.measures):
        for (s, e), v in x.items():
            t[s, e] = prob.add_variable(f"sq|{s}|{e}", 0)
            top = min(1.0, v.upBound / demand[e])
            for q in [q for q in risk.INITIAL_CUT_POINTS if q <= top] + [top]:
                slope, icpt = risk.tangent_cut(q)
                prob.addConstraint(t[s, e] - slope / demand[e] * v >= icpt)
        risk_exprs["hhi"] = {e: pulp.lpSum(t[s, e] for s, _ in by_element[e]) for e in scope}
        risk_exprs["wgi-hhi"] = {
            e: pulp.lpSum(float(wgi[s]) * t[s, e] for s, _ in by_element[e]) for e in scope
        }
    if "max-share" in st.measures:
        z = {e: prob.add_variable(f"maxshare|{e}", 0) for e in scope}
        for (_, e), v in x.items():
            prob.addConstraint(z[e] - v / demand[e] >= 0)
        risk_exprs["max-share"] = {e: z[e] + 0 for e in scope}
    if "top3" in st.measures:
        # Ogryczak-Tamir: the sum of the k largest shares is min over tau of k*tau + sum (p - tau)+
        # tau >= 0 keeps it exact when an element has fewer than k suppliers (then: all of them)
        tau = {e: prob.add_variable(f"tau|{e}", 0) for e in scope}
        over = {k: prob.add_variable(f"over|{k[0]}|{k[1]}", 0) for k in x}
        for (s, e), v in x.items():
            prob.addConstraint(over[s, e] + tau[e] - v / demand[e] >= 0)
        risk_exprs["top3"] = {
            e: risk.TOP_K * tau[e] + pulp.lpSum(over[s, e] for s, _ in by_element[e]) for e in scope
        }
    risk_cap_rows = {
        (m, e): prob.addConstraint(risk_exprs[m][e] <= 1e30, f"risk|{m}|{e}")
        for m in st.capped
        for e in scope
    }

    # Today's ceiling: no element's measure above its value in today's mix (stage 2, elastic)
    ceiling_excess, ceiling_rows = {}, {}
    if st.objective in RISK_OBJECTIVES:
        for e in scope:
            ceiling_excess[e] = prob.add_variable(f"excess_over_today|{e}", 0)
            ceiling_rows[e] = prob.addConstraint(
                risk_exprs[st.objective][e] - ceiling_excess[e] <= 1e30, f"today|{e}"
            )

    weights = risk.weights(dataset.elements, scope, st.weighting)
    if st.objective in RISK_OBJECTIVES:
        objective = pulp.lpSum(weights[e] * risk_exprs[st.objective][e] for e in scope)
        stock_rows, ss, loss_scale, amplify = {}, None, 1.0, 1.0
    elif st.objective in ROBUST_OBJECTIVES:
        objective, stock_rows, ss, loss_scale = _robust_objective(prob, dataset, st, x, demand)
        # CVaR magnifies tail losses by 1 / (1 - alpha): so must the penalty on unmet demand
        amplify = 1.0 / (1.0 - st.alpha)
    else:
        objective, stock_rows, ss, loss_scale, amplify = None, {}, None, 1.0, 1.0
    dearest = offers.groupby("element")["cost_usd_kg"].max().reindex(scope).fillna(1000.0)
    per_tonne = COST_PENALTY_FACTOR * dearest * 1000.0 / USD_PER_MUSD
    penalty_cost = pulp.lpSum(per_tonne[e] * u[e] for e in scope) + pulp.lpSum(
        per_tonne[e] * v for (_, e), v in slack.items()
    )
    # robust losses are valued in USD, so value weights bound how much a unit share can save
    pw = (
        weights
        if st.objective in RISK_OBJECTIVES
        else risk.weights(dataset.elements, scope, "value")
    )
    unit = {e: amplify * RISK_PENALTY * pw[e] / demand[e] for e in scope}
    penalty_risk = (
        pulp.lpSum(unit[e] * u[e] for e in scope)
        + pulp.lpSum(unit[e] * v for (_, e), v in slack.items())
        + pulp.lpSum(CEILING_PENALTY * weights[e] * v for e, v in ceiling_excess.items())
    )

    form = Formulation(
        dataset,
        st,
        demand,
        weights,
        offers,
        prob,
        x,
        u,
        slack,
        cap_rows,
        bloc_rows,
        risk_cap_rows,
        budget_row,
        cost,
        risk_exprs,
        t,
        penalty_cost,
        penalty_risk,
        objective,
        stock_rows,
        ss,
        loss_scale,
        ceiling_rows,
        ceiling_excess,
    )
    # Give PuLP the real stage-1 problem so its own solve is the first stage, not a throw-away.
    for key, rhs in bounds(form, policy):
        row_of(form, key).changeRHS(rhs)
    prob.objective = cost + penalty_cost
    form.lp = HighsLP(prob)
    return form


def row_of(form: Formulation, key: tuple[str, str, str]) -> pulp.LpConstraint:
    kind, a, b = key
    return form.policy_rows[kind][a, b]


LOWER_BOUND_ROWS = ("bloc", "stock")  # ">=" rows: the policy sets their lower bound


def _robust_objective(
    prob: pulp.LpProblem, dataset: Dataset, st: Structure, x: dict, demand: pd.Series
):
    """CVaR (Rockafellar-Uryasev) or worst case of the value lost across scenarios.

    net[k,e] >= short[k,e](x) - stock_e, net >= 0: tonnes short after the stockpile is drawn
    (the recourse); loss_k = sum_e price_e net[k,e], scaled by the demand's value so the
    objective is a fraction of it. CVaR = eta + 1/(1-alpha) sum_k p_k max(0, loss_k - eta),
    over the scenarios and the no-disruption state (loss 0)."""
    scope = list(st.scope)
    pairs = list(x)
    ss = scenarios.scenario_set(dataset, pairs, st.scenarios)
    price = dataset.elements.loc[scope, "price_usd_kg"] * scenarios.USD_PER_T
    scale = float((price * demand).sum()) or 1.0
    stock_rows, loss = {}, []
    for k, name in enumerate(ss.names):
        frac = ss.duration_days[k] / scenarios.DAYS
        terms = {}
        for j, (s, e) in enumerate(pairs):
            lost = (1.0 - ss.availability[k, j]) * frac
            if lost > 0:
                terms.setdefault(e, []).append(lost * x[s, e])
        net = []
        for e, lost_terms in terms.items():
            v = prob.add_variable(f"net|{name}|{e}", 0)
            stock_rows[name, e] = prob.addConstraint(
                v - pulp.lpSum(lost_terms) >= 0.0, f"stock|{name}|{e}"
            )
            net.append(price[e] / scale * v)
        loss.append(pulp.lpSum(net))
    if st.objective == "worst-case":
        worst = prob.add_variable("worst", 0)
        for k, l_k in enumerate(loss):
            prob.addConstraint(worst - l_k >= 0, f"worst|{k}")
        return worst + 0, stock_rows, ss, scale
    weights = ss.weights  # [no disruption, scenarios...]
    eta = prob.add_variable("var")
    excess = [prob.add_variable(f"excess|{k}", 0) for k in range(len(loss) + 1)]
    prob.addConstraint(excess[0] + eta >= 0, "excess|none")
    for k, l_k in enumerate(loss):
        prob.addConstraint(excess[k + 1] + eta - l_k >= 0, f"excess|{k}")
    tail = 1.0 / (1.0 - st.alpha)
    return (
        eta + pulp.lpSum(tail * w * v for w, v in zip(weights, excess, strict=True)),
        stock_rows,
        ss,
        scale,
    )


def apply(form: Formulation, policy: Policy, rows_rhs: list | None = None) -> None:
    """Point the built model at another policy of the same structure: right-hand sides only."""
    rows_rhs = bounds(form, policy) if rows_rhs is None else rows_rhs
    keys, rhs = zip(*rows_rhs, strict=True) if rows_rhs else ((), ())
    rows = np.array([form.row_index[k] for k in keys], dtype=np.int32)
    rhs = np.array(rhs, dtype=float)
    is_lower = np.array([k[0] in LOWER_BOUND_ROWS for k in keys], dtype=bool)
    form.lp.set_row_bounds(rows, np.where(is_lower, rhs, -INF), np.where(is_lower, INF, rhs))


# --- solving -------------------------------------------------------------------------------


@dataclass
class StageResults:
    least_cost: Result
    final: Result
    least_cost_musd: float
    budget_musd: float | None
    cut_rounds: int
    seconds: float
    notes: list[str] = field(default_factory=list)


def solve_stages(form: Formulation, policy: Policy, fresh: bool) -> StageResults:
    """Stage 1: least cost under the policy. Stage 2: least risk within the budget."""
    started = time.perf_counter()
    first, rounds = least_cost_stage(form, policy, fresh)
    least = float(form.vector("cost") @ first.values)
    if form.structure.objective == "cost":
        return StageResults(first, first, least, None, rounds, time.perf_counter() - started)
    limit = budget_limit(policy, least)
    final, more = risk_stage(form, policy, limit, least)
    return StageResults(first, final, least, limit, rounds + more, time.perf_counter() - started)


def least_cost_stage(form: Formulation, policy: Policy, fresh: bool) -> tuple[Result, int]:
    lp = form.lp
    rows_rhs = bounds(form, policy)
    key = tuple(r for _, r in rows_rhs)
    if not fresh and form.least_cost_cache is not None and form.least_cost_cache[0] == key:
        # Same caps and minimums as last time (only the budget or CVaR settings moved): the
        # least cost is the same, so a sweep along the budget skips stage 1
        return form.least_cost_cache[1], 0
    if fresh:  # PuLP's own solve in formulate() was stage 1
        first = lp.current()
    else:
        apply(form, policy, rows_rhs)
        set_budget(form, INF)
        set_ceilings(form, None)
        lp.set_costs(form.stage_costs("cost"))
        first = lp.solve()
    first, rounds = _cut_loop(form, first, policy)
    form.least_cost_cache = (key, first)
    return first, rounds


def risk_stage(form: Formulation, policy: Policy, limit: float, least: float) -> tuple[Result, int]:
    """Least weighted risk with cost at most `limit` (million USD)."""
    set_budget(form, limit)
    set_ceilings(
        form, todays_levels(form) if policy.no_worse_than_today and form.ceiling_rows else None
    )
    form.lp.set_costs(form.stage_costs("risk", least))
    return _cut_loop(form, form.lp.solve(), policy)


def todays_levels(form: Formulation) -> dict[str, float]:
    """The objective's measure for each element in today's mix (its ceiling)."""
    per, _ = metrics.baseline_metrics(form.dataset, form.structure.scope, form.structure.weighting)
    column = metrics.measure_column(form.structure.objective)
    return per[column].to_dict()


def set_ceilings(form: Formulation, levels: dict[str, float] | None) -> None:
    """Activate today's ceilings (levels per element) or lift them (None)."""
    if not form.ceiling_rows or (levels is None and not form.ceilings_on):
        return
    rows = np.array([form.lp.row(c) for c in form.ceiling_rows.values()])
    upper = np.array([INF if levels is None else levels[e] for e in form.ceiling_rows])
    form.lp.set_row_bounds(rows, np.full(len(rows), -INF), upper)
    form.ceilings_on = levels is not None


def budget_limit(policy: Policy, least_musd: float) -> float:
    if policy.budget_usd is not None:
        return policy.budget_usd / USD_PER_MUSD
    return (1.0 + policy.budget_premium) * least_musd


def set_budget(form: Formulation, limit: float) -> None:
    # A hair of room so a zero premium is not lost to floating-point round-off.
    upper = limit if limit >= INF else limit * (1 + 1e-9) + 1e-9
    form.lp.set_row_bounds(
        np.array([form.lp.row(form.budget_row)]), np.array([-INF]), np.array([upper])
    )


def _cut_loop(form: Formulation, res: Result, policy: Policy) -> tuple[Result, int]:
    """Kelley's cutting planes: add tangents of share^2 where the LP under-estimates it, until
    the LP's HHI terms equal the true ones within the policy's tolerance."""
    if not form.t:
        return res, 0
    lp = form.lp
    xcols, tcols, demand, wgi, element = form.cut_terms
    tol = policy.hhi_tolerance
    for rounds in range(MAX_CUT_ROUNDS):
        p = res.values[xcols] / demand
        gap = np.maximum(p * p - res.values[tcols], 0.0)
        if _converged(form, gap, wgi, element, tol):
            lp.drop_slack_rows(keep_at_most=CUTS_KEPT_PER_TERM * len(xcols))
            return res, rounds
        todo = np.flatnonzero(gap > tol * 1e-3)
        # the tangent at p, and a pair either side: the optimum moves by about sqrt(gap) when
        # the cut lands, so the pair saves most of the rounds plain Kelley would take
        step = CUT_SPREAD * np.sqrt(gap[todo])
        q = np.concatenate([p[todo], p[todo] - step, p[todo] + step])
        term = np.tile(todo, 3)
        keep = (q >= 0.0) & (q <= 1.0)
        q, term = q[keep], term[keep]
        slope, lower = risk.tangent_cut(q)
        lp.add_cuts(tcols[term], xcols[term], -slope / demand[term], lower)
        form.cuts += len(q)
        res = lp.solve()
    raise RuntimeError(f"HHI cuts did not converge in {MAX_CUT_ROUNDS} rounds")


def _converged(
    form: Formulation, gap: np.ndarray, wgi: np.ndarray, element: np.ndarray, tol: float
) -> bool:
    """True when every HHI-type term in use is exact within `tol`: the weighted objective, and
    each element's value where that measure is capped."""
    st = form.structure
    n = len(st.scope)
    for m in st.measures:
        if m not in HHI_TYPES:
            continue
        # WGI-HHI runs to 10x the HHI's scale: hold it to the tolerance on that scale
        scaled = tol * max(1.0, float(wgi.max(initial=1.0))) if m == "wgi-hhi" else tol
        per_element = np.bincount(
            element, weights=gap * wgi if m == "wgi-hhi" else gap, minlength=n
        )
        if m == st.objective and float(per_element @ form.weights.to_numpy()) > scaled:
            return False
        per_element_matters = m in st.capped or (m == st.objective and form.ceilings_on)
        if per_element_matters and float(per_element.max(initial=0.0)) > scaled:
            return False
    return True
