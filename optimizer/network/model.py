"""Dataset + Policy -> one network LP (PuLP) -> HiGHS, solved in lexicographic stages.

The formulation (docs/MODEL.md has it in full), per element e in scope:
  f[a] >= 0           tonnes on arc a (plant -> plant, or plant -> Korea)
  s[e,k,c]            tonnes of e reaching Korea whose stage-k step was done in country c
  u[e,form] >= 0      unmet demand; slack[b,e,k] >= 0 bloc shortfall
  demand      sum of deliveries of a form + u = D[e,form]
  capacity    outflow(p) <= capacity[p,e]
  balance     inflow(p) = outflow(p) for plants with feeds (not origins)
  feed limit  flow through a rule into p <= (>=) share * inflow(p)
  definition  s[e,k,c] = sum of the arcs whose upstream plant, in c, does stage k
  cap         s[e,k,c] <= cap[e,k,c] * D[e,k]      (D[e,k]: demand passing stage k)
  bloc        sum_{c in b} s[e,k,c] + slack >= m * D[e,k]
  budget      C = sum_p cost[p,e] outflow(p) <= B
  risk        R[e,k] from the shares s / D[e,k]; R_e = worst stage, sum or one stage
Stage 1 finds the least cost under the policy; stage 2 minimises the weighted risk within the
budget. Unmet demand and bloc slack carry penalties that dominate any risk or cost saving, so
every run solves and a shortfall is reported with its cause, never as a bare "infeasible".
Every policy row exists whatever the policy (a cap of 1 is no cap), so one built model serves
any policy of the same Structure by changing right-hand sides only (see Session).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd
import pulp

from .. import risk, scenarios
from ..dataset import Dataset
from ..lp import INF, HighsLP, Result
from ..policy import RECYCLING_BLOC, RISK_OBJECTIVES, ROBUST_OBJECTIVES, Policy
from ..schema import STAGES
from . import measures
from .graph import UNKNOWN, Network, build_network

HHI_TYPES = ("hhi", "wgi-hhi")
RISK_PENALTY = 1e3  # per unit of weighted share unmet; risk measures move at most 20 per unit
COST_PENALTY_FACTOR = 10.0  # an unmet tonne costs 10x the element's dearest chain in stage 1
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
USD_PER_T = 1000.0


@dataclass(frozen=True)
class Structure:
    """What fixes the shape of the LP; policies that share it re-solve the same model."""

    objective: str
    capped: tuple[str, ...]  # risk measures with per-element caps
    scope: tuple[str, ...]
    weighting: str
    stage_rule: str = "worst"
    year: int | None = None
    stockpile_as_supplier: bool = False
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
            policy.stage,
            policy.year,
            policy.stockpile_as_supplier,
            tuple(names) if robust else (),
            policy.alpha if policy.objective == "cvar" else 0.0,
        )

    @property
    def measures(self) -> tuple[str, ...]:
        own = (self.objective,) if self.objective in RISK_OBJECTIVES else ()
        return tuple(dict.fromkeys(own + self.capped))


def active_plants(dataset: Dataset, year: int | None, stockpile: bool) -> pd.Index:
    """Plants a run may use: operating ones, plus those producing by `year` when one is given;
    KOMIR's stock only when the policy counts it as a supplier."""
    p = dataset.plants
    ok = p["plant_status"] == "operating"
    if year is not None:
        ok |= p["first_year"].notna() & (p["first_year"] <= year)
    if not stockpile:
        ok &= p["country"].map(dataset.supplier_kinds) != "stockpile"
    return p.index[ok.to_numpy()]


def network_of(dataset: Dataset, st: Structure) -> Network:
    active = active_plants(dataset, st.year, st.stockpile_as_supplier)
    return build_network(
        dataset.plants, dataset.capacity, dataset.feeds, dataset.demand, list(st.scope), active
    )


@dataclass
class Formulation:
    """The built LP with handles to every variable and row the stages and reports need."""

    dataset: Dataset
    structure: Structure
    net: Network
    demand: pd.Series  # total demand per element in scope (all forms)
    weights: pd.Series
    problem: pulp.LpProblem
    f: list[pulp.LpVariable]  # one per row of net.arcs
    s: list[pulp.LpVariable]  # one per net.entities
    u: dict[tuple[str, str], pulp.LpVariable]  # (element, form)
    slack: dict[tuple[str, str, int], pulp.LpVariable]  # (bloc, element, stage)
    cap_rows: dict[tuple[str, int, str], pulp.LpConstraint]  # (element, stage, supplier)
    bloc_rows: dict[tuple[str, str, int], pulp.LpConstraint]  # (bloc, element, stage)
    risk_cap_rows: dict[tuple[str, str, int], pulp.LpConstraint]  # (measure, element, stage)
    budget_row: pulp.LpConstraint
    cost: pulp.LpAffineExpression  # million USD
    risk: dict[str, dict[str, pulp.LpAffineExpression]]  # measure -> element -> LP value
    t: dict[int, pulp.LpVariable]  # entity -> t >= share^2 via tangent cuts
    penalty_cost: pulp.LpAffineExpression
    penalty_risk: pulp.LpAffineExpression
    objective: pulp.LpAffineExpression | None  # the risk to minimise in stage 2
    stock_rows: dict[tuple[str, str], pulp.LpConstraint]  # robust objectives: stockpile draw
    scenario_set: scenarios.ScenarioSet | None
    loss_scale: float  # robust objectives: USD per unit of the LP's normalised loss
    ceiling_rows: dict[str, pulp.LpConstraint]  # R_e - excess_e <= today's R_e (stage 2 only)
    ceiling_excess: dict[str, pulp.LpVariable]
    ceilings_on: bool = False  # whether the ceiling rows are active in the model right now
    risk_caps_now: dict[str, float] = field(default_factory=dict)  # the caps applied last
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
    def flow_cols(self) -> np.ndarray:
        return np.array([self.lp.col(v) for v in self.f], dtype=np.int64)

    @cached_property
    def ek(self) -> list[tuple[str, int]]:
        """Every (element, stage) measured, in scope order then stage order."""
        return [(e, k) for e in self.structure.scope for k in self.net.stages_in_play[e]]

    @cached_property
    def cut_terms(self) -> tuple[np.ndarray, ...]:
        """For each share^2 term: s column, t column, stage demand, wgi_risk and (e, k) row."""
        ents = self.net.entities
        keys = list(self.t)
        row = {k: i for i, k in enumerate(self.ek)}
        sd = self.net.stage_demand
        wgi = entity_wgi(self.dataset)
        return (
            np.array([self.lp.col(self.s[i]) for i in keys], dtype=np.int32),
            np.array([self.lp.col(self.t[i]) for i in keys], dtype=np.int32),
            np.array([sd[ents[i][0], ents[i][1]] for i in keys]),
            np.array([wgi(ents[i][2]) for i in keys]),
            np.array([row[ents[i][0], ents[i][1]] for i in keys], dtype=int),
        )

    def risk_matrix(self, measure: str) -> np.ndarray:
        """Rows: the LP's per-element value of a measure as column coefficients (cached)."""
        key = f"risk:{measure}"
        if key not in self._vectors:
            exprs = self.risk[measure]
            self._vectors[key] = np.array([self.lp.vector(exprs[e]) for e in self.structure.scope])
        return self._vectors[key]

    @cached_property
    def entity_upper_bounds(self) -> list[float]:
        return _entity_upper_bounds(self.net)

    @cached_property
    def ek_element(self) -> np.ndarray:
        pos = {e: i for i, e in enumerate(self.structure.scope)}
        return np.array([pos[e] for e, _ in self.ek], dtype=int)

    @cached_property
    def policy_rows(self) -> dict[str, dict[tuple, pulp.LpConstraint]]:
        """The rows a policy's right-hand sides set, by kind (see `bounds`)."""
        return {
            "cap": self.cap_rows,
            "bloc": self.bloc_rows,
            "risk": self.risk_cap_rows,
            "stock": self.stock_rows,
        }

    @cached_property
    def row_index(self) -> dict[tuple, int]:
        """HiGHS row of every policy row, keyed (kind, *key)."""
        return {
            (kind, *key): self.lp.row(c)
            for kind, t in self.policy_rows.items()
            for key, c in t.items()
        }


def entity_wgi(dataset: Dataset):
    """Governance risk of a share's holder; material of unknown origin takes the worst score
    in the data, since nothing is known of where it was processed."""
    wgi = dataset.suppliers["wgi_risk"]
    worst = float(wgi.max()) if len(wgi) else 10.0
    return lambda code: worst if code == UNKNOWN else float(wgi[code])


# --- building ------------------------------------------------------------------------------


def bounds(form: Formulation, policy: Policy) -> list[tuple[tuple, float]]:
    """Right-hand sides of every policy row for `policy`, keyed (kind, *key) as in row_index."""
    ds, sd = form.dataset, form.net.stage_demand
    out = [
        (("cap", e, k, c), policy.cap_for(ds, c, e, STAGES[k]) * sd[e, k])
        for e, k, c in form.cap_rows
    ]
    out += [
        (("bloc", b, e, k), effective_bloc_min(form, policy, b, e, k) * sd[e, k])
        for b, e, k in form.bloc_rows
    ]
    out += [(("risk", m, e, k), policy.risk_caps[m]) for m, e, k in form.risk_cap_rows]
    days = policy.stockpile_days / scenarios.DAYS
    out += [(("stock", n, e), -days * form.demand[e]) for n, e in form.stock_rows]
    return out


def effective_bloc_min(form: Formulation, policy: Policy, bloc: str, element: str, k: int) -> float:
    """The bloc minimum asked for at stage k; the recycled share (asked of the chain's first
    stage, where recycled material enters) only as far as recycling capacity allows."""
    m = policy.bloc_min_for(bloc, element, STAGES[k])
    if (
        bloc == RECYCLING_BLOC
        and policy.recycled_min > 0
        and k == form.net.stages_in_play[element][0]
    ):
        members = set(form.dataset.bloc_members(bloc))
        cap = form.net.capacity
        mine = cap[
            (cap["element"] == element)
            & cap["plant"].map(form.dataset.plants["country"]).isin(members)
        ]
        reachable = mine["capacity_t"].sum() / form.net.stage_demand[element, k]
        m = max(m, min(policy.recycled_min, reachable))
    return m


def formulate(dataset: Dataset, policy: Policy) -> Formulation:
    """Build the LP for `policy` with PuLP and hand it to HiGHS (which solves stage 1 once)."""
    st = Structure.of(dataset, policy)
    scope = list(st.scope)
    net = network_of(dataset, st)
    arcs, cap = net.arcs, net.capacity
    demand = dataset.elements.loc[scope, "demand_t"].astype(float)
    sd = net.stage_demand
    prob = pulp.LpProblem("ree_sourcing", pulp.LpMinimize)

    f = [prob.add_variable(f"f|{n}", 0) for n in range(len(arcs))]
    out_of: dict[tuple[str, str], list[int]] = {}
    into: dict[tuple[str, str], list[int]] = {}
    deliveries: dict[tuple[str, str], list[int]] = {}
    for n, (e, i, j, form_) in enumerate(
        zip(arcs["element"], arcs["from"], arcs["to"], arcs["form"], strict=True)
    ):
        out_of.setdefault((i, e), []).append(n)
        if form_ is None:
            into.setdefault((j, e), []).append(n)
        else:
            deliveries.setdefault((e, form_), []).append(n)

    unit_cost = dict(
        zip(zip(cap["plant"], cap["element"], strict=True), cap["cost_usd_kg"], strict=True)
    )
    cost = pulp.lpSum(
        unit_cost[i, e] * USD_PER_T / USD_PER_MUSD * f[n]
        for n, (e, i) in enumerate(zip(arcs["element"], arcs["from"], strict=True))
    )
    u = {}
    for e, form_, d in zip(
        net.demand["element"], net.demand["form"], net.demand["demand_t"], strict=True
    ):
        u[e, form_] = prob.add_variable(f"unmet|{e}|{form_}", 0)
        prob.addConstraint(
            pulp.lpSum(f[n] for n in deliveries.get((e, form_), [])) + u[e, form_] == float(d),
            f"demand|{e}|{form_}",
        )
    for p, e, k in zip(cap["plant"], cap["element"], cap["capacity_t"], strict=True):
        if (p, e) in out_of:
            prob.addConstraint(
                pulp.lpSum(f[n] for n in out_of[p, e]) <= float(k), f"capacity|{p}|{e}"
            )
    for (p, e), ins in into.items():
        if (p, e) not in net.origins:
            prob.addConstraint(
                pulp.lpSum(f[n] for n in ins) - pulp.lpSum(f[n] for n in out_of.get((p, e), []))
                == 0,
                f"balance|{p}|{e}",
            )
    for r, e, j, share, sense in net.limits.itertuples(index=False):
        mine = net.rule_arcs[
            (net.rule_arcs["rule"] == r)
            & (net.rule_arcs["to"] == j)
            & (net.rule_arcs["element"] == e)
        ]["arc"]
        expr = pulp.lpSum(f[n] for n in mine) - share * pulp.lpSum(f[n] for n in into[j, e])
        prob.addConstraint(expr <= 0 if sense == "max" else expr >= 0, f"feed|{r}|{j}|{e}|{sense}")

    # stage tonnes by country: one column each, so caps and HHI cuts act on a single variable
    ents = net.entities
    members: dict[int, list[int]] = {}
    for ent, arc in zip(net.attribution["entity"], net.attribution["arc"], strict=True):
        members.setdefault(int(ent), []).append(int(arc))
    s = []
    for i, (e, k, c) in enumerate(ents):
        s.append(prob.add_variable(f"s|{e}|{k}|{c}", 0))
        prob.addConstraint(
            s[i] - pulp.lpSum(f[n] for n in members.get(i, [])) == 0, f"stage|{e}|{k}|{c}"
        )
    by_ek: dict[tuple[str, int], list[int]] = {}
    for i, (e, k, _) in enumerate(ents):
        by_ek.setdefault((e, k), []).append(i)

    cap_rows = {
        (e, k, c): prob.addConstraint(s[i] <= float(sd[e, k]), f"cap|{e}|{k}|{c}")
        for i, (e, k, c) in enumerate(ents)
        if c != UNKNOWN
    }
    slack, bloc_rows = {}, {}
    for b in dataset.blocs:
        member = set(dataset.bloc_members(b))
        for (e, k), idx in by_ek.items():
            vars_ = [s[i] for i in idx if ents[i][2] in member]
            if vars_:
                slack[b, e, k] = prob.add_variable(f"slack|{b}|{e}|{k}", 0)
                bloc_rows[b, e, k] = prob.addConstraint(
                    pulp.lpSum(vars_) + slack[b, e, k] >= 0.0, f"bloc|{b}|{e}|{k}"
                )
    budget_row = prob.addConstraint(cost <= 1e30, "budget")

    stage_risk: dict[str, dict[tuple[str, int], pulp.LpAffineExpression]] = {}
    t: dict[int, pulp.LpVariable] = {}
    wgi = entity_wgi(dataset)
    if any(m in HHI_TYPES for m in st.measures):
        ub = _entity_upper_bounds(net)
        for i, (e, k, _) in enumerate(ents):
            t[i] = prob.add_variable(f"sq|{i}", 0)
            top = min(1.0, ub[i] / sd[e, k])
            for q in [q for q in risk.INITIAL_CUT_POINTS if q <= top] + [top]:
                slope, icpt = risk.tangent_cut(q)
                prob.addConstraint(t[i] - slope / sd[e, k] * s[i] >= icpt)
        stage_risk["hhi"] = {ek: pulp.lpSum(t[i] for i in idx) for ek, idx in by_ek.items()}
        stage_risk["wgi-hhi"] = {
            ek: pulp.lpSum(wgi(ents[i][2]) * t[i] for i in idx) for ek, idx in by_ek.items()
        }
    if "max-share" in st.measures:
        z = {ek: prob.add_variable(f"maxshare|{ek[0]}|{ek[1]}", 0) for ek in by_ek}
        for i, (e, k, _) in enumerate(ents):
            prob.addConstraint(z[e, k] - s[i] / sd[e, k] >= 0)
        stage_risk["max-share"] = {ek: z[ek] + 0 for ek in by_ek}
    if "top3" in st.measures:
        # Ogryczak-Tamir: the sum of the k largest shares is min over tau of k*tau + sum (p - tau)+
        # tau >= 0 keeps it exact when a stage has fewer than k holders (then: all of them)
        tau = {ek: prob.add_variable(f"tau|{ek[0]}|{ek[1]}", 0) for ek in by_ek}
        over = {i: prob.add_variable(f"over|{i}", 0) for i in range(len(ents))}
        for i, (e, k, _) in enumerate(ents):
            prob.addConstraint(over[i] + tau[e, k] - s[i] / sd[e, k] >= 0)
        stage_risk["top3"] = {
            ek: risk.TOP_K * tau[ek] + pulp.lpSum(over[i] for i in idx) for ek, idx in by_ek.items()
        }
    risk_cap_rows = {
        (m, e, k): prob.addConstraint(stage_risk[m][e, k] <= 1e30, f"risk|{m}|{e}|{k}")
        for m in st.capped
        for (e, k) in by_ek
    }
    risk_exprs = {m: _per_element(prob, m, per, net, st) for m, per in stage_risk.items()}

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
        objective, stock_rows, ss, loss_scale = _robust_objective(prob, dataset, st, net, f, demand)
        # CVaR magnifies tail losses by 1 / (1 - alpha): so must the penalty on unmet demand
        amplify = 1.0 / (1.0 - st.alpha)
    else:
        objective, stock_rows, ss, loss_scale, amplify = None, {}, None, 1.0, 1.0
    per_tonne = COST_PENALTY_FACTOR * _dearest_chain(net, scope) * USD_PER_T / USD_PER_MUSD
    penalty_cost = pulp.lpSum(per_tonne[e] * v for (e, _), v in u.items()) + pulp.lpSum(
        per_tonne[e] * v for (_, e, _), v in slack.items()
    )
    # robust losses are valued in USD, so value weights bound how much a unit share can save
    pw = (
        weights
        if st.objective in RISK_OBJECTIVES
        else risk.weights(dataset.elements, scope, "value")
    )
    unit = {e: amplify * RISK_PENALTY * pw[e] / demand[e] for e in scope}
    penalty_risk = (
        pulp.lpSum(unit[e] * v for (e, _), v in u.items())
        + pulp.lpSum(unit[e] * demand[e] / sd[e, k] * v for (_, e, k), v in slack.items())
        + pulp.lpSum(CEILING_PENALTY * weights[e] * v for e, v in ceiling_excess.items())
    )

    form = Formulation(
        dataset, st, net, demand, weights, prob, f, s, u, slack, cap_rows, bloc_rows,
        risk_cap_rows, budget_row, cost, risk_exprs, t, penalty_cost, penalty_risk, objective,
        stock_rows, ss, loss_scale, ceiling_rows, ceiling_excess,
    )  # fmt: skip
    # Give PuLP the real stage-1 problem so its own solve is the first stage, not a throw-away.
    for key, rhs in bounds(form, policy):
        row_of(form, key).changeRHS(rhs)
    form.risk_caps_now = dict(policy.risk_caps)
    prob.objective = cost + penalty_cost
    form.lp = HighsLP(prob)
    return form


def _entity_upper_bounds(net: Network) -> list[float]:
    """The most a share holder could carry: the capacity of the plants behind its arcs."""
    members: dict[int, list[int]] = {}
    for ent, arc in zip(net.attribution["entity"], net.attribution["arc"], strict=True):
        members.setdefault(int(ent), []).append(int(arc))
    cap = dict(
        zip(
            zip(net.capacity["plant"], net.capacity["element"], strict=True),
            net.capacity["capacity_t"],
            strict=True,
        )
    )
    src = list(zip(net.arcs["from"], net.arcs["element"], strict=True))
    return [
        float(sum(cap[p] for p in {src[n] for n in members.get(i, [])}))
        for i in range(len(net.entities))
    ]


def _dearest_chain(net: Network, scope: list[str]) -> pd.Series:
    """Per element, the dearest plant at each stage added up: above any route's cost."""
    cap = net.capacity.assign(stage=net.capacity["plant"].map(net.plants["stage"]))
    worst = cap.groupby(["element", "stage"])["cost_usd_kg"].max().groupby("element").sum()
    return worst.reindex(scope).fillna(1000.0)


def _per_element(
    prob: pulp.LpProblem, measure: str, per: dict, net: Network, st: Structure
) -> dict:
    """One risk value per element from its stages: the worst (an epigraph variable), the sum,
    or the named stage (0 where the element has no such stage)."""
    out = {}
    for e in st.scope:
        play = net.stages_in_play[e]
        if st.stage_rule == "sum":
            out[e] = pulp.lpSum(per[e, k] for k in play)
        elif st.stage_rule != "worst":
            k = STAGES.index(st.stage_rule)
            out[e] = per[e, k] + 0 if k in play else pulp.LpAffineExpression()
        elif len(play) == 1:
            out[e] = per[e, play[0]] + 0
        else:
            w = prob.add_variable(f"worst|{measure}|{e}", 0)
            for k in play:
                prob.addConstraint(w - per[e, k] >= 0, f"worststage|{measure}|{e}|{k}")
            out[e] = w + 0
    return out


def row_of(form: Formulation, key: tuple) -> pulp.LpConstraint:
    return form.policy_rows[key[0]][key[1:]]


LOWER_BOUND_ROWS = ("bloc", "stock")  # ">=" rows: the policy sets their lower bound


def _robust_objective(
    prob: pulp.LpProblem, dataset: Dataset, st: Structure, net: Network, f: list, demand: pd.Series
):
    """CVaR (Rockafellar-Uryasev) or worst case of the value lost across scenarios.

    net[k,e] >= short[k,e](f) - stock_e, net >= 0: tonnes short after the stockpile is drawn
    (the recourse); loss_k = sum_e price_e net[k,e], scaled by the demand's value so the
    objective is a fraction of it. CVaR = eta + 1/(1-alpha) sum_k p_k max(0, loss_k - eta),
    over the scenarios and the no-disruption state (loss 0)."""
    scope = list(st.scope)
    ss = scenarios.scenario_set(dataset, net, st.scenarios)
    price = dataset.elements.loc[scope, "price_usd_kg"] * scenarios.USD_PER_T
    scale = float((price * demand).sum()) or 1.0
    elements = net.arcs["element"].to_numpy()
    stock_rows, loss = {}, []
    for k, name in enumerate(ss.names):
        frac = ss.duration_days[k] / scenarios.DAYS
        terms: dict[str, list] = {}
        for n in np.flatnonzero(ss.loss[k] > 0):
            terms.setdefault(elements[n], []).append(ss.loss[k, n] * frac * f[n])
        net_short = []
        for e, lost_terms in terms.items():
            v = prob.add_variable(f"net|{name}|{e}", 0)
            stock_rows[name, e] = prob.addConstraint(
                v - pulp.lpSum(lost_terms) >= 0.0, f"stock|{name}|{e}"
            )
            net_short.append(price[e] / scale * v)
        loss.append(pulp.lpSum(net_short))
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
    form.risk_caps_now = dict(policy.risk_caps)
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
    st = form.structure
    return measures.baseline_levels(form.dataset, st.scope, st.objective, st.stage_rule)


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
    scols, tcols, demand, wgi, ek = form.cut_terms
    tol = policy.hhi_tolerance
    for rounds in range(MAX_CUT_ROUNDS):
        p = res.values[scols] / demand
        gap = np.maximum(p * p - res.values[tcols], 0.0)
        if _converged(form, res, p, wgi, ek, tol):
            lp.drop_slack_rows(keep_at_most=CUTS_KEPT_PER_TERM * len(scols))
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
        lp.add_cuts(tcols[term], scols[term], -slope / demand[term], lower)
        form.cuts += len(q)
        res = lp.solve()
    raise RuntimeError(f"HHI cuts did not converge in {MAX_CUT_ROUNDS} rounds")


def _converged(
    form: Formulation, res: Result, p: np.ndarray, wgi: np.ndarray, ek: np.ndarray, tol: float
) -> bool:
    """True when every HHI-type value in use is exact within `tol`: the weighted objective and,
    where the measure is capped or held under today's level, each element's value. The test is
    on the true value against the LP's (per element, after its stages are combined), not term
    by term: under the worst-stage rule a stage below the worst may rest on a loose cut without
    changing any number the model acts on."""
    st = form.structure
    n = len(form.ek)
    for m in st.measures:
        if m not in HHI_TYPES:
            continue
        # WGI-HHI runs to 10x the HHI's scale: hold it to the tolerance on that scale
        scaled = tol * max(1.0, float(wgi.max(initial=1.0))) if m == "wgi-hhi" else tol
        sq = p * p * (wgi if m == "wgi-hhi" else 1.0)
        true_stage = np.bincount(ek, weights=sq, minlength=n)
        gap = _combine(form, true_stage) - form.risk_matrix(m) @ res.values
        if m == st.objective:
            if float(gap @ form.weights.to_numpy()) > scaled:
                return False
            if form.ceilings_on and float(gap.max(initial=0.0)) > scaled:
                return False
        if m in st.capped:
            cap = form.risk_caps_now.get(m)
            if cap is not None and float(true_stage.max(initial=0.0)) > cap + scaled:
                return False
    return True


def _combine(form: Formulation, per_stage: np.ndarray) -> np.ndarray:
    """Per-element values from per-(element, stage) ones by the structure's stage rule."""
    size = len(form.structure.scope)
    rule = form.structure.stage_rule
    if rule == "sum":
        return np.bincount(form.ek_element, weights=per_stage, minlength=size)
    if rule == "worst":
        out = np.zeros(size)
        np.maximum.at(out, form.ek_element, per_stage)
        return out
    k = STAGES.index(rule)
    mask = np.array([kk == k for _, kk in form.ek], dtype=float)
    return np.bincount(form.ek_element, weights=per_stage * mask, minlength=size)
